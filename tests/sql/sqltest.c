/*
 * tests/sql/sqltest.c — the SQL conformance runner: reads the .test files of
 * tests/sql (format in tests/sql/README.md), runs each record through
 * larch_execute on a fresh database per file and compares the rendered
 * result or the error with what the file expects.
 *
 *   sqltest [-v] [-k] FILE.test...     run files; per-file counts; exit 1 on a failure
 *   sqltest --random SEED N [-v]       randomized differential test (random.c)
 *   sqltest --selftest                 check the runner's own value formatting
 */
#include <dirent.h>
#include <errno.h>
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sqltest.h"

#define MAX_WORDS 16
#define RM_DEPTH 32

/* One file being run: its text cut into lines, the database and session. */
typedef struct run {
	const char *path;
	char **lines;
	size_t n_lines;
	size_t pos;               /* next line to read (0-based) */
	char dir[PATH_MAX];       /* data directory of this file */
	larch_options_t opt;
	larch_db_t *db;           /* opened on first use */
	char tz[64];              /* session zone ("" = UTC) */
	int64_t now;              /* session now(), 0 = clock */
	int passed, failed;
	int verbose;
	arena_t *arena;
} run_t;

/*---------------------------------------------------------------------------
 * Temporary directories
 *---------------------------------------------------------------------------*/

int tmpdir_make(char *out, size_t cap)
{
	const char *base = getenv("TMPDIR");
	snprintf(out, cap, "%s/larch-sqltest-XXXXXX", base && *base ? base : "/tmp");
	return mkdtemp(out) ? 0 : -1;
}

static int remove_tree(const char *path, int depth)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	if (depth > RM_DEPTH)
		return -1;
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int rc = 0;
	struct dirent *e;
	char sub[PATH_MAX];
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
		if (remove_tree(sub, depth + 1) != 0)
			rc = -1;
	}
	closedir(d);
	return rmdir(path) == 0 ? rc : -1;
}

int tmpdir_remove(const char *path)
{
	return remove_tree(path, 0);
}

/*---------------------------------------------------------------------------
 * Reading test files
 *---------------------------------------------------------------------------*/

/* Read a whole file into the arena and cut it into lines (the '\n' and a
 * '\r' before it removed). */
static int read_lines(const char *path, arena_t *a, char ***lines, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	buf_t b = BUF_INIT;
	char chunk[8192];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_put(&b, chunk, got);
	fclose(f);
	char *text = arena_strndup(a, b.data ? (const char *)b.data : "", b.len);
	buf_free(&b);
	if (!text)
		return -1;
	size_t count = 1;
	for (char *p = text; *p; p++)
		count += *p == '\n';
	*lines = arena_alloc(a, count * sizeof **lines);
	if (!*lines)
		return -1;
	*n = 0;
	for (char *p = text; p;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		size_t len = strlen(p);
		if (len && p[len - 1] == '\r')
			p[len - 1] = '\0';
		(*lines)[(*n)++] = p;
		p = nl ? nl + 1 : NULL;
	}
	if (*n && (*lines)[*n - 1][0] == '\0')
		(*n)--;
	return 0;
}

static int blank(const char *s)
{
	return s[strspn(s, " \t")] == '\0';
}

/* Split a control line in place into space-separated words. */
static size_t split_words(char *s, char **w, size_t max)
{
	size_t n = 0;
	for (char *tok = strtok(s, " \t"); tok && n < max; tok = strtok(NULL, " \t"))
		w[n++] = tok;
	return n;
}

/* Join the lines from r->pos up to a blank line, EOF or (when stop_at_dashes)
 * a "----" line into one SQL string; leaves r->pos on the stopping line. */
static char *collect_sql(run_t *r, int stop_at_dashes)
{
	buf_t b = BUF_INIT;
	while (r->pos < r->n_lines && !blank(r->lines[r->pos]) &&
	       !(stop_at_dashes && strcmp(r->lines[r->pos], "----") == 0)) {
		if (b.len)
			buf_put_u8(&b, '\n');
		buf_put(&b, r->lines[r->pos], strlen(r->lines[r->pos]));
		r->pos++;
	}
	char *s = arena_strndup(r->arena, b.data ? (const char *)b.data : "", b.len);
	buf_free(&b);
	return s;
}

/*---------------------------------------------------------------------------
 * Executing
 *---------------------------------------------------------------------------*/

static int db_open(run_t *r, larch_error_t *err)
{
	if (r->db)
		return LARCH_OK;
	return larch_open(r->dir, &r->opt, &r->db, err);
}

static int db_close(run_t *r, larch_error_t *err)
{
	if (!r->db)
		return LARCH_OK;
	int rc = larch_close(r->db, err);
	r->db = NULL;
	return rc;
}

/* Run sql in the file's session; *out gets the result on LARCH_OK. */
static int exec_sql(run_t *r, const char *sql, larch_result_t **out, larch_error_t *err)
{
	int rc = db_open(r, err);
	if (rc != LARCH_OK)
		return rc;
	larch_exec_opts_t eo = {.time_zone = r->tz[0] ? r->tz : NULL, .now = r->now};
	*out = NULL;
	return larch_execute(r->db, sql, &eo, out, err);
}

/* Whether hay contains needle, ignoring ASCII case. */
static int contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++) {
		size_t i = 0;
		while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
			i++;
		if (i == n)
			return 1;
	}
	return n == 0;
}

static void fail_head(run_t *r, size_t line, const char *sql)
{
	r->failed++;
	printf("FAIL %s:%zu\n  sql: %s\n", r->path, line + 1, sql);
}

static void pass(run_t *r, size_t line, const char *sql)
{
	r->passed++;
	if (r->verbose)
		printf("ok   %s:%zu %s\n", r->path, line + 1, sql);
}

/* `statement ok` / `statement error [CODE] [message substring]`. */
static void do_statement(run_t *r, size_t line, char **w, size_t nw, char *rest)
{
	const char *sql = collect_sql(r, 0);
	larch_error_t err = {0};
	larch_result_t *res = NULL;
	int rc = exec_sql(r, sql, &res, &err);
	if (rc == LARCH_OK && res) {
		/* drain the rows: a statement may return some (SHOW, SELECT) */
		rowset_t rs = {0};
		fmt_opts_t fo = {0};
		rc = rowset_fill(&rs, res, r->arena, &fo, &err);
		rowset_free(&rs);
	}
	larch_result_free(res);
	int want_ok = strcmp(w[1], "ok") == 0;
	if (want_ok) {
		if (rc == LARCH_OK)
			pass(r, line, sql);
		else {
			fail_head(r, line, sql);
			printf("  expected: ok\n  actual:   error %d: %s\n", rc, err.msg);
		}
		return;
	}
	int code = nw > 2 ? atoi(w[2]) : 0;
	if (rc == LARCH_OK) {
		fail_head(r, line, sql);
		printf("  expected: error %d%s%s\n  actual:   ok\n", code, rest ? " " : "",
		       rest ? rest : "");
		return;
	}
	if ((code && rc != code) || (rest && !contains_nocase(err.msg, rest))) {
		fail_head(r, line, sql);
		printf("  expected: error %d%s%s\n  actual:   error %d: %s\n", code,
		       rest ? " containing " : "", rest ? rest : "", rc, err.msg);
		return;
	}
	pass(r, line, sql);
}

/* Query options on the `query` line. */
typedef struct qopts {
	int rowsort, colsort, typed, approx;
	fmt_opts_t fmt;
} qopts_t;

static int parse_qopts(run_t *r, char **w, size_t nw, qopts_t *q)
{
	memset(q, 0, sizeof *q);
	q->fmt.precision = r->opt.precision;
	for (size_t i = 1; i < nw; i++) {
		if (strcmp(w[i], "rowsort") == 0)
			q->rowsort = 1;
		else if (strcmp(w[i], "nosort") == 0)
			q->rowsort = 0;
		else if (strcmp(w[i], "colsort") == 0)
			q->colsort = 1;
		else if (strcmp(w[i], "typed") == 0)
			q->typed = 1;
		else if (strcmp(w[i], "approx") == 0)
			q->approx = 1;
		else if (strcmp(w[i], "iso") == 0) {
			q->fmt.iso = 1;
			if (fmt_parse_zone(r->tz[0] ? r->tz : "Z", &q->fmt.offset_s) != 0)
				return -1;
		} else
			return -1;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

#define MAX_COLS 256

/* Cut a line copy into at most MAX_COLS tab-separated cells. */
static size_t split_cells(char *line, char **cells)
{
	size_t n = 0;
	for (char *p = line; p && n < MAX_COLS;) {
		cells[n++] = p;
		p = strchr(p, '\t');
		if (p)
			*p++ = '\0';
	}
	return n;
}

static const char *const *sort_names;

static int cmp_col(const void *a, const void *b)
{
	return strcmp(sort_names[*(const size_t *)a], sort_names[*(const size_t *)b]);
}

/* The `colsort` option: reorder the value columns of a header and its rows
 * by column name (a leading Time column stays first), so that a test does
 * not depend on the order in which a wildcard expands. */
static void sort_columns(const char **header, char **rows, size_t n, arena_t *a)
{
	char *names[MAX_COLS], *cells[MAX_COLS];
	size_t perm[MAX_COLS];
	size_t nc = split_cells(arena_strndup(a, *header, strlen(*header)), names);
	size_t first = strcmp(names[0], "Time") == 0;
	for (size_t i = 0; i < nc; i++)
		perm[i] = i;
	sort_names = (const char *const *)names;
	qsort(perm + first, nc - first, sizeof *perm, cmp_col);
	buf_t b = BUF_INIT;
	for (size_t r = 0; r <= n; r++) {
		const char *src = r == 0 ? *header : rows[r - 1];
		size_t got = split_cells(arena_strndup(a, src, strlen(src)), cells);
		for (size_t i = 0; i < nc; i++) {
			const char *c = perm[i] < got ? cells[perm[i]] : "";
			if (i)
				buf_put_u8(&b, '\t');
			buf_put(&b, c, strlen(c));
		}
		char *line = arena_strndup(a, b.len ? (const char *)b.data : "", b.len);
		buf_reset(&b);
		if (r == 0)
			*header = line;
		else
			rows[r - 1] = line;
	}
	buf_free(&b);
}

/* Cell-wise equality; with approx, cells that both read fully as finite
 * numbers may differ by a relative 1e-6 (summation order, float rounding). */
static int row_equal(const char *exp, const char *act, int approx)
{
	if (strcmp(exp, act) == 0)
		return 1;
	if (!approx)
		return 0;
	while (*exp || *act) {
		size_t le = strcspn(exp, "\t"), la = strcspn(act, "\t");
		if (le != la || strncmp(exp, act, le) != 0) {
			char ce[FMT_MAX], ca[FMT_MAX], *ee, *ea;
			if (le >= FMT_MAX || la >= FMT_MAX)
				return 0;
			memcpy(ce, exp, le);
			ce[le] = '\0';
			memcpy(ca, act, la);
			ca[la] = '\0';
			double de = strtod(ce, &ee), da = strtod(ca, &ea);
			double scale = fabs(de) > 1 ? fabs(de) : 1;
			if (*ee || *ea || ee == ce || ea == ca || !(fabs(de - da) <= 1e-6 * scale))
				return 0;
		}
		exp += le + (exp[le] == '\t');
		act += la + (act[la] == '\t');
	}
	return 1;
}

static void print_rows(const char *label, const char *header, const char *types, char **rows,
		       size_t n)
{
	printf("  %s:\n    %s\n", label, header);
	if (types)
		printf("    %s\n", types);
	for (size_t i = 0; i < n; i++)
		printf("    %s\n", rows[i]);
	if (n == 0)
		printf("    (no rows)\n");
}

/* `query [rowsort] [colsort] [typed] [iso] [approx]`, SQL, ----, header, [types], rows. */
static void do_query(run_t *r, size_t line, char **w, size_t nw)
{
	qopts_t q;
	const char *sql = collect_sql(r, 1);
	if (parse_qopts(r, w, nw, &q) != 0 || r->pos >= r->n_lines ||
	    strcmp(r->lines[r->pos], "----") != 0) {
		fail_head(r, line, sql);
		printf("  test file error: bad query options or no ---- line\n");
		while (r->pos < r->n_lines && !blank(r->lines[r->pos]))
			r->pos++;
		return;
	}
	r->pos++;
	size_t first = r->pos;
	while (r->pos < r->n_lines && !blank(r->lines[r->pos]))
		r->pos++;
	char **exp = r->lines + first;
	size_t n_exp = r->pos - first;
	const char *exp_header = n_exp ? exp[0] : "";
	const char *exp_types = q.typed && n_exp > 1 ? exp[1] : NULL;
	size_t skip = n_exp ? 1 + (exp_types != NULL) : 0;
	exp += skip;
	n_exp -= skip;

	larch_error_t err = {0};
	larch_result_t *res = NULL;
	rowset_t rs = {0};
	int rc = exec_sql(r, sql, &res, &err);
	if (rc == LARCH_OK)
		rc = res ? rowset_fill(&rs, res, r->arena, &q.fmt, &err)
			 : err_set(&err, LARCH_INTERNAL_ERROR, "OK without a result");
	larch_result_free(res);
	if (rc != LARCH_OK) {
		fail_head(r, line, sql);
		printf("  actual: error %d: %s\n", rc, err.msg);
		print_rows("expected", exp_header, exp_types, exp, n_exp);
		goto done;
	}
	if (q.colsort) {
		const char *h = rs.header;
		sort_columns(&exp_header, exp, n_exp, r->arena);
		sort_columns(&h, rs.rows, rs.n, r->arena);
		rs.header = (char *)h;
	}
	if (q.rowsort) {
		qsort(exp, n_exp, sizeof *exp, cmp_str);
		qsort(rs.rows, rs.n, sizeof *rs.rows, cmp_str);
	}
	int same = strcmp(exp_header, rs.header) == 0 && rs.n == n_exp &&
		   (!exp_types || strcmp(exp_types, rs.types) == 0);
	size_t bad_row = 0;
	for (size_t i = 0; same && i < n_exp; i++)
		if (!row_equal(exp[i], rs.rows[i], q.approx)) {
			same = 0;
			bad_row = i + 1;
		}
	if (same) {
		pass(r, line, sql);
		goto done;
	}
	fail_head(r, line, sql);
	if (bad_row)
		printf("  first difference at row %zu (line %zu)\n", bad_row, first + skip + bad_row);
	print_rows("expected", exp_header, exp_types, exp, n_exp);
	print_rows("actual", rs.header, exp_types ? rs.types : NULL, rs.rows, rs.n);
done:
	rowset_free(&rs);
}

/* `load FILE`: run every statement of FILE (path relative to the test
 * file), one per line; blank lines and lines starting with # or -- are
 * skipped.  Counts as one case. */
static void do_load(run_t *r, size_t line, const char *name)
{
	char path[PATH_MAX];
	const char *slash = strrchr(r->path, '/');
	int dlen = slash ? (int)(slash - r->path) : 1;
	snprintf(path, sizeof path, "%.*s/%s", dlen, slash ? r->path : ".", name);
	char **lines;
	size_t n;
	if (read_lines(path, r->arena, &lines, &n) != 0) {
		fail_head(r, line, name);
		printf("  cannot read %s\n", path);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const char *s = lines[i] + strspn(lines[i], " \t");
		if (!*s || *s == '#' || strncmp(s, "--", 2) == 0)
			continue;
		larch_error_t err = {0};
		larch_result_t *res = NULL;
		int rc = exec_sql(r, s, &res, &err);
		larch_result_free(res);
		if (rc != LARCH_OK) {
			fail_head(r, line, s);
			printf("  %s:%zu: error %d: %s\n", path, i + 1, rc, err.msg);
			return;
		}
	}
	pass(r, line, name);
}

/* `config KEY VALUE` before the first statement: precision ms|us|ns,
 * auto_create_schema 0|1, default_database_level N, partition_interval N. */
static int do_config(run_t *r, char **w, size_t nw)
{
	if (r->db || nw != 3)
		return -1;
	if (strcmp(w[1], "precision") == 0) {
		if (strcmp(w[2], "ms") == 0)
			r->opt.precision = LARCH_MS;
		else if (strcmp(w[2], "us") == 0)
			r->opt.precision = LARCH_US;
		else if (strcmp(w[2], "ns") == 0)
			r->opt.precision = LARCH_NS;
		else
			return -1;
	} else if (strcmp(w[1], "auto_create_schema") == 0)
		r->opt.auto_create_schema = atoi(w[2]);
	else if (strcmp(w[1], "default_database_level") == 0)
		r->opt.default_database_level = atoi(w[2]);
	else if (strcmp(w[1], "partition_interval") == 0)
		r->opt.partition_interval = strtoll(w[2], NULL, 10);
	else
		return -1;
	return 0;
}

/* `session tz ZONE|default` / `session now N`. */
static int do_session(run_t *r, char **w, size_t nw)
{
	if (nw != 3)
		return -1;
	if (strcmp(w[1], "tz") == 0) {
		snprintf(r->tz, sizeof r->tz, "%s", strcmp(w[2], "default") == 0 ? "" : w[2]);
		return 0;
	}
	if (strcmp(w[1], "now") == 0) {
		r->now = strtoll(w[2], NULL, 10);
		return 0;
	}
	return -1;
}

/* Run one record starting at r->pos; returns 0, or 1 to stop the file. */
static int run_record(run_t *r)
{
	size_t line = r->pos;
	char *ctl = arena_strndup(r->arena, r->lines[r->pos], strlen(r->lines[r->pos]));
	r->pos++;
	/* the free text after `statement error CODE` is the message substring */
	char *rest = NULL;
	if (strncmp(ctl, "statement error ", 16) == 0) {
		char *p = ctl + 16 + strspn(ctl + 16, " ");
		p += strspn(p, "0123456789");
		if (*p == ' ') {
			*p++ = '\0';
			rest = *p ? p : NULL;
		}
	}
	char *w[MAX_WORDS];
	size_t nw = split_words(ctl, w, MAX_WORDS);
	larch_error_t err = {0};
	if (strcmp(w[0], "statement") == 0 && nw >= 2 &&
	    (strcmp(w[1], "ok") == 0 || strcmp(w[1], "error") == 0))
		do_statement(r, line, w, nw, rest);
	else if (strcmp(w[0], "query") == 0)
		do_query(r, line, w, nw);
	else if (strcmp(w[0], "load") == 0 && nw == 2)
		do_load(r, line, w[1]);
	else if (strcmp(w[0], "restart") == 0) {
		if (db_close(r, &err) != LARCH_OK || db_open(r, &err) != LARCH_OK) {
			fail_head(r, line, "restart");
			printf("  error %d: %s\n", err.code, err.msg);
			return 1;
		}
	} else if (strcmp(w[0], "halt") == 0)
		return 1;
	else if (!(strcmp(w[0], "config") == 0 && do_config(r, w, nw) == 0) &&
		 !(strcmp(w[0], "session") == 0 && do_session(r, w, nw) == 0)) {
		fail_head(r, line, r->lines[line]);
		printf("  test file error: unknown or misplaced record\n");
		return 1;
	}
	return 0;
}

/* Run one .test file on a fresh data directory; returns its failure count
 * (at least 1 when the file cannot be run). */
static int run_file(const char *path, int verbose, int keep)
{
	run_t r = {.path = path, .verbose = verbose};
	larch_options_default(&r.opt);
	r.opt.wal_mode = LARCH_WAL_OFF;
	r.arena = arena_new(0);
	if (!r.arena || read_lines(path, r.arena, &r.lines, &r.n_lines) != 0 ||
	    tmpdir_make(r.dir, sizeof r.dir) != 0) {
		printf("FAIL %s: cannot read the file or make a data directory\n", path);
		arena_free(r.arena);
		return 1;
	}
	while (r.pos < r.n_lines) {
		const char *s = r.lines[r.pos];
		if (blank(s) || s[0] == '#') {
			r.pos++;
			continue;
		}
		if (run_record(&r) != 0)
			break;
	}
	larch_error_t err = {0};
	if (db_close(&r, &err) != LARCH_OK) {
		printf("FAIL %s: close: error %d: %s\n", path, err.code, err.msg);
		r.failed++;
	}
	printf("%-28s %4d passed, %4d failed\n", path, r.passed, r.failed);
	if (keep)
		printf("  data kept in %s\n", r.dir);
	else
		tmpdir_remove(r.dir);
	arena_free(r.arena);
	return r.failed;
}

static int usage(void)
{
	fprintf(stderr, "usage: sqltest [-v] [-k] FILE.test...\n"
			"       sqltest --random SEED N [-v]\n"
			"       sqltest --selftest\n");
	return 2;
}

int main(int argc, char **argv)
{
	int verbose = 0, keep = 0, files = 0, failed = 0, bad_files = 0;
	if (argc >= 2 && strcmp(argv[1], "--selftest") == 0)
		return fmt_selftest() ? 1 : 0;
	if (argc >= 4 && strcmp(argv[1], "--random") == 0)
		return random_main(strtoull(argv[2], NULL, 0), strtol(argv[3], NULL, 0),
				   argc > 4 && strcmp(argv[4], "-v") == 0);
	if (fmt_selftest() != 0)
		return 1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0)
			verbose = 1;
		else if (strcmp(argv[i], "-k") == 0)
			keep = 1;
		else if (argv[i][0] == '-')
			return usage();
		else {
			int f = run_file(argv[i], verbose, keep);
			files++;
			failed += f;
			bad_files += f != 0;
		}
	}
	if (!files)
		return usage();
	printf("sqltest: %d files, %d with failures, %d failed cases\n", files, bad_files, failed);
	return failed ? 1 : 0;
}
