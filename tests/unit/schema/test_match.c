/*
 * Pattern matching against a brute-force matcher: random trees (plain and
 * back-quoted names, devices inside devices, aliases), random patterns with
 * *, **, s*, *s, *s*; the schema's SHOW TIMESERIES (content and order,
 * with LIMIT/OFFSET), SHOW DEVICES and COUNT NODES must equal what a
 * recursive matcher over the list of created paths computes.  Also the
 * path syntax itself.
 */
#include "schema_test.h"

/* Node names: raw and as IoTDB writes them. */
static const struct { const char *raw, *text; } ALPHA[] = {
	{"a", "a"}, {"b", "b"}, {"ab", "ab"}, {"ba", "ba"}, {"abc", "abc"},
	{"x.y", "`x.y`"}, {"1", "`1`"}, {"q`t", "`q``t`"},
};
#define NALPHA (sizeof(ALPHA) / sizeof(ALPHA[0]))
#define MAXN 8

typedef struct spath {
	int n;                 /* nodes after root.db, the last is the measurement */
	int node[MAXN];        /* indices into ALPHA */
	int alias;             /* -1 or an index into ALPHA used as alias */
	uint32_t sid;
} spath_t;

static spath_t paths[400];
static int npaths;

static void text_of(const int *nodes, int n, char *out, size_t cap)
{
	size_t k = (size_t)snprintf(out, cap, "root.db");
	for (int i = 0; i < n; i++)
		k += (size_t)snprintf(out + k, cap - k, ".%s", ALPHA[nodes[i]].text);
}

/* Pattern nodes: a kind and a literal. */
enum { L_NAME, L_STAR, L_DSTAR, L_PRE, L_SUF, L_IN };
typedef struct pnode {
	int kind;
	const char *lit;
	char text[32];
} pnode_t;

static int node_match(const pnode_t *p, const char *s)
{
	if (p->kind == L_STAR || p->kind == L_DSTAR)
		return 1;
	size_t n = strlen(p->lit), len = strlen(s);
	switch (p->kind) {
	case L_NAME:
		return !strcmp(p->lit, s);
	case L_PRE:
		return len >= n && !strncmp(s, p->lit, n);
	case L_SUF:
		return len >= n && !strcmp(s + len - n, p->lit);
	default:
		return strstr(s, p->lit) != NULL;
	}
}

/* Match pattern p[0..np) against names[0..nn). */
static int brute(const pnode_t *p, int np, const char *const *names, int nn)
{
	if (np == 0)
		return nn == 0;
	if (nn == 0)
		return 0;
	if (p[0].kind == L_DSTAR) /* one or more nodes */
		return brute(p + 1, np - 1, names + 1, nn - 1) || brute(p, np, names + 1, nn - 1);
	return node_match(&p[0], names[0]) && brute(p + 1, np - 1, names + 1, nn - 1);
}

static void random_pattern(unsigned *seed, pnode_t *p, int *np, char *text, size_t cap)
{
	/* root and db are part of every path: pattern starts root.<node>... */
	int n = 1 + (int)(rand_r(seed) % 6);
	static const char *lits[] = {"a", "b", "ab", "x.y", "1", "c"};
	static const char *cores[] = {"a", "b", "c", "y", "."};
	size_t k = (size_t)snprintf(text, cap, "root");
	p[0].kind = L_NAME;
	p[0].lit = "db";
	snprintf(p[0].text, sizeof(p[0].text), "db");
	int start = 1;
	if (rand_r(seed) % 4 == 0) { /* sometimes a wildcard for "db" too */
		p[0].kind = rand_r(seed) % 2 ? L_STAR : L_DSTAR;
		snprintf(p[0].text, sizeof(p[0].text), "%s", p[0].kind == L_STAR ? "*" : "**");
	}
	for (int i = start; i <= n; i++) {
		int r = (int)(rand_r(seed) % 10);
		pnode_t *q = &p[i];
		if (r < 3) {
			q->kind = L_NAME;
			q->lit = lits[rand_r(seed) % LR_ARRAY_LEN(lits)];
			for (size_t a = 0; a < NALPHA; a++)
				if (!strcmp(ALPHA[a].raw, q->lit))
					snprintf(q->text, sizeof(q->text), "%s", ALPHA[a].text);
			if (!strcmp(q->lit, "c"))
				snprintf(q->text, sizeof(q->text), "c");
		} else if (r < 5) {
			q->kind = L_STAR;
			snprintf(q->text, sizeof(q->text), "*");
		} else if (r < 7) {
			q->kind = L_DSTAR;
			snprintf(q->text, sizeof(q->text), "**");
		} else {
			q->kind = L_PRE + (r - 7);
			q->lit = cores[rand_r(seed) % 4]; /* a plain core */
			snprintf(q->text, sizeof(q->text), "%s%s%s", q->kind != L_PRE ? "*" : "",
				 q->lit, q->kind != L_SUF ? "*" : "");
		}
	}
	*np = n + 1;
	for (int i = 0; i < *np; i++)
		k += (size_t)snprintf(text + k, cap - k, ".%s", p[i].text);
}

static void build_tree(schema_t *s, unsigned *seed)
{
	npaths = 0;
	expect_ok(schema_db_create(s, "root.db", NULL, &e_));
	for (int tries = 0; tries < 1500 && npaths < (int)LR_ARRAY_LEN(paths); tries++) {
		spath_t p;
		p.n = 1 + (int)(rand_r(seed) % 5);
		for (int i = 0; i < p.n; i++)
			p.node[i] = (int)(rand_r(seed) % NALPHA);
		p.alias = rand_r(seed) % 5 == 0 ? (int)(rand_r(seed) % NALPHA) : -1;
		char text[256];
		text_of(p.node, p.n, text, sizeof(text));
		schema_meas_def_t d;
		memset(&d, 0, sizeof(d));
		d.type = TSFILE_INT32;
		d.encoding = d.codec = -1;
		char alias[32];
		if (p.alias >= 0) {
			snprintf(alias, sizeof(alias), "%s", ALPHA[p.alias].text);
			d.alias = alias;
		}
		larch_error_t e = {0, ""};
		if (schema_series_create(s, text, &d, &p.sid, &e) == LARCH_OK)
			paths[npaths++] = p;
	}
	if (npaths < 100)
		fail_msg("only %d paths", npaths);
}

typedef struct hit {
	char text[256];
	char key[256];   /* raw names joined by \1 for ordering */
} hit_t;

static int hit_cmp(const void *a, const void *b)
{
	return strcmp(((const hit_t *)a)->key, ((const hit_t *)b)->key);
}

static void key_of(const int *nodes, int n, char *out, size_t cap)
{
	size_t k = 0;
	for (int i = 0; i < n; i++)
		k += (size_t)snprintf(out + k, cap - k, "%s\x01", ALPHA[nodes[i]].raw);
}

static size_t expected_series(const pnode_t *p, int np, hit_t *hits)
{
	size_t nh = 0;
	for (int i = 0; i < npaths; i++) {
		const char *names[MAXN + 1];
		names[0] = "db";
		for (int j = 0; j < paths[i].n; j++)
			names[j + 1] = ALPHA[paths[i].node[j]].raw;
		int m = brute(p, np, names, paths[i].n + 1);
		if (!m && paths[i].alias >= 0) {
			names[paths[i].n] = ALPHA[paths[i].alias].raw;
			m = brute(p, np, names, paths[i].n + 1);
		}
		if (!m)
			continue;
		text_of(paths[i].node, paths[i].n, hits[nh].text, sizeof(hits[nh].text));
		key_of(paths[i].node, paths[i].n, hits[nh].key, sizeof(hits[nh].key));
		nh++;
	}
	qsort(hits, nh, sizeof(*hits), hit_cmp);
	return nh;
}

/* Distinct device paths (all but the last node) matching the pattern. */
static size_t expected_devices(const pnode_t *p, int np, hit_t *hits)
{
	size_t nh = 0;
	for (int i = 0; i < npaths; i++) {
		const char *names[MAXN + 1];
		names[0] = "db";
		for (int j = 0; j < paths[i].n - 1; j++)
			names[j + 1] = ALPHA[paths[i].node[j]].raw;
		if (!brute(p, np, names, paths[i].n))
			continue;
		hit_t h;
		text_of(paths[i].node, paths[i].n - 1, h.text, sizeof(h.text));
		key_of(paths[i].node, paths[i].n - 1, h.key, sizeof(h.key));
		size_t j;
		for (j = 0; j < nh && strcmp(hits[j].key, h.key); j++)
			;
		if (j == nh)
			hits[nh++] = h;
	}
	qsort(hits, nh, sizeof(*hits), hit_cmp);
	return nh;
}

/* COUNT NODES: every node path (prefixes of series paths, series by name
 * or alias) that matches; distinct ancestors at `level` (root 0, db 1). */
static uint64_t expected_nodes(const pnode_t *p, int np, int level, hit_t *scratch)
{
	size_t nh = 0;
	for (int i = 0; i < npaths; i++) {
		for (int len = 0; len <= paths[i].n; len++) {
			const char *names[MAXN + 1];
			names[0] = "db";
			for (int j = 0; j < len; j++)
				names[j + 1] = ALPHA[paths[i].node[j]].raw;
			int m = brute(p, np, names, len + 1);
			if (!m && len == paths[i].n && paths[i].alias >= 0) {
				names[len] = ALPHA[paths[i].alias].raw;
				m = brute(p, np, names, len + 1);
			}
			if (!m || len + 1 < level)
				continue;
			/* the node at `level`: level 1 is db, level k is node k-2 */
			char key[256] = "db\x01";
			if (level == 0)
				snprintf(key, sizeof(key), "root");
			else
				key_of(paths[i].node, level - 1, key + 3, sizeof(key) - 3);
			size_t j;
			for (j = 0; j < nh && strcmp(scratch[j].key, key); j++)
				;
			if (j == nh)
				snprintf(scratch[nh++].key, sizeof(scratch[0].key), "%s", key);
		}
	}
	return nh;
}

/* Fail showing where two listings first differ. */
static void same_listing(const char *what, const char *pat, const char *got, const char *want)
{
	size_t i = 0;
	while (got[i] && got[i] == want[i])
		i++;
	if (!got[i] && !want[i])
		return;
	size_t from = i > 80 ? i - 80 : 0;
	fail_msg("%s %s differs at %zu\n got: ...%.160s\nwant: ...%.160s", what, pat, i,
		 got + from, want + from);
}

static int limited_cb(void *arg, const schema_series_info_t *in)
{
	strs_add(arg, in->path, in->path_len);
	return 0;
}

static void test_random_patterns(void **state)
{
	(void)state;
	static hit_t hits[400];
	unsigned seed = 12345;
	for (int tree = 0; tree < 4; tree++) {
		schema_t *s = open_mem();
		build_tree(s, &seed);
		for (int q = 0; q < 300; q++) {
			pnode_t p[8];
			int np;
			char text[256];
			random_pattern(&seed, p, &np, text, sizeof(text));
			size_t nh = expected_series(p, np, hits);
			strs_t want;
			strs_reset(&want);
			for (size_t i = 0; i < nh; i++)
				strs_add(&want, hits[i].text, strlen(hits[i].text));
			strs_t got;
			show_ts(s, text, &got);
			same_listing("SHOW TIMESERIES", text, got.buf, want.buf);
			/* a window of the same listing */
			uint64_t off = nh ? rand_r(&seed) % nh : 0, lim = 1 + rand_r(&seed) % 5;
			strs_t win, exp;
			strs_reset(&win);
			strs_reset(&exp);
			for (uint64_t i = off; i < nh && i < off + lim; i++)
				strs_add(&exp, hits[i].text, strlen(hits[i].text));
			expect_ok(schema_match_series(s, text, NULL, off, lim, limited_cb, &win, &e_));
			assert_string_equal(win.buf, exp.buf);
			uint64_t cnt;
			expect_ok(schema_count_series(s, text, NULL, &cnt, &e_));
			assert_int_equal(cnt, nh);

			nh = expected_devices(p, np, hits);
			strs_reset(&want);
			for (size_t i = 0; i < nh; i++)
				strs_add(&want, hits[i].text, strlen(hits[i].text));
			strs_reset(&got);
			expect_ok(schema_match_devices(s, text, NULL, 0, 0, device_path_cb, &got, &e_));
			same_listing("SHOW DEVICES", text, got.buf, want.buf);

			int level = (int)(rand_r(&seed) % 5);
			uint64_t want_n = expected_nodes(p, np, level, hits), n;
			expect_ok(schema_count_nodes(s, text, level, &n, &e_));
			if (n != want_n)
				fail_msg("COUNT NODES %s LEVEL=%d: %llu, want %llu", text, level,
					 (unsigned long long)n, (unsigned long long)want_n);
		}
		schema_close(s, NULL);
	}
}

/*---------------------------------------------------------------------------
 * Path syntax
 *---------------------------------------------------------------------------*/

static void test_path_syntax(void **state)
{
	(void)state;
	schema_t *s = open_mem();
	static const char *legal[] = {
		"root.sg.d.s", "root.sg.d.`s s`", "root.sg.`a``b`.c", "root.sg.中文.s",
		"root.sg._x.s1", "root.sg.`1`.s", "root.sg.d.`0e38`", "ROOT.sg2.d.s",
		"root.sg.d.`time1`", "root.sg.d.e5", "root.sg.d.`root`",
	};
	for (size_t i = 0; i < LR_ARRAY_LEN(legal); i++)
		mk(s, legal[i], TSFILE_INT32);
	strs_t l;
	assert_string_equal(show_ts(s, "root.**", &l),
			    "root.sg.`1`.s,root.sg._x.s1,root.sg.`a``b`.c,root.sg.d.`0e38`,"
			    "root.sg.d.e5,root.sg.d.`root`,root.sg.d.s,root.sg.d.`s s`,"
			    "root.sg.d.time1,root.sg.中文.s,root.sg2.d.s");
	static const char *illegal[] = {
		"root.sg.d.1", "root.sg.d.1e5", "root.sg.d.a b", "root.sg..s", "root.sg.d.",
		".root.sg.d", "root.sg.`a", "root.sg.`a`b.c", "root.sg.``.c", "root.sg.d.s*",
		"root.sg.d.root", "root.sg.d.é", "root", "root.sg.d.`a`.``", "rooot.sg.d.s",
		"root.`sg`x.d", "`root`.sg.d.s",
	};
	for (size_t i = 0; i < LR_ARRAY_LEN(illegal); i++) {
		schema_meas_def_t d;
		memset(&d, 0, sizeof(d));
		d.type = TSFILE_INT32;
		d.encoding = d.codec = -1;
		larch_error_t e = {0, ""};
		if (schema_series_create(s, illegal[i], &d, NULL, &e) != LARCH_ILLEGAL_PATH)
			fail_msg("%s was accepted", illegal[i]);
	}
	static const char *bad_patterns[] = {"root.a*b", "root.***", "root.*a*b", "root.**x*",
					     "*.sg", "root.`a`*"};
	for (size_t i = 0; i < LR_ARRAY_LEN(bad_patterns); i++) {
		uint64_t n;
		larch_error_t e = {0, ""};
		if (schema_count_series(s, bad_patterns[i], NULL, &n, &e) != LARCH_ILLEGAL_PATH)
			fail_msg("pattern %s was accepted", bad_patterns[i]);
	}
	/* a back-quoted star is a plain name, not a wildcard */
	mk(s, "root.sg.w.`a*b`", TSFILE_INT32);
	mk(s, "root.sg.w.ab", TSFILE_INT32);
	assert_string_equal(show_ts(s, "root.sg.w.`a*b`", &l), "root.sg.w.`a*b`");
	assert_string_equal(show_ts(s, "root.sg.w.a*", &l), "root.sg.w.`a*b`,root.sg.w.ab");
	/* level prefixes of canonical paths, quotes included */
	const char *p = "root.sg.`a.b`.c";
	assert_int_equal(schema_path_level_len(p, strlen(p), 0), 4);
	assert_int_equal(schema_path_level_len(p, strlen(p), 1), 7);
	assert_int_equal(schema_path_level_len(p, strlen(p), 2), 13);
	assert_int_equal(schema_path_level_len(p, strlen(p), 3), strlen(p));
	assert_int_equal(schema_path_level_len(p, strlen(p), 4), 0);
	schema_close(s, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_patterns),
		cmocka_unit_test(test_path_syntax),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
