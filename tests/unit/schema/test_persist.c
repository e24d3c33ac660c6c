/*
 * Unit tests for the schema's persistence and failure atomicity:
 *   - round trip: mutate, close, reopen, compare canonical dumps;
 *   - crash at every byte offset of a real log: the reopened schema equals
 *     the state after the last whole entry, and the torn tail is cut;
 *   - a snapshot together with a log it already covers (crash between the
 *     snapshot's rename and the log's truncation) replays nothing twice;
 *   - damaged files: LARCH_CORRUPTED, never a crash;
 *   - out of memory injected at every allocation of every change (and of
 *     open) leaves the schema unchanged and returns LARCH_NO_MEMORY.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "schema_test.h"

static schema_config_t test_cfg(uint64_t snapshot_bytes)
{
	schema_config_t cfg;
	schema_config_default(&cfg);
	cfg.fsync = 0;
	cfg.snapshot_bytes = snapshot_bytes;
	return cfg;
}

static void rm_rf(const char *dir)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static char *tmpdir(void)
{
	char *d = strdup("/tmp/larch-schema-XXXXXX");
	assert_non_null(mkdtemp(d));
	return d;
}

static char *file_in(const char *dir, const char *name)
{
	static char p[300];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static off_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) ? -1 : st.st_size;
}

static uint8_t *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *p = malloc((size_t)len + 1);
	assert_int_equal(fread(p, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return p;
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	fclose(f);
}

static void append_entry(uint8_t *buf, size_t *at, uint64_t seq, const void *payload,
			 size_t n);

/*---------------------------------------------------------------------------
 * A scripted sequence of changes covering every operation type
 *---------------------------------------------------------------------------*/

static larch_error_t step_err;

static int step(schema_t *s, int i)
{
	larch_error_t *ep = &step_err;
	memset(ep, 0, sizeof(*ep));
#define e_ (*ep)
	schema_kv_t tags[] = {{"unit", "c"}, {"k", "v"}};
	schema_kv_t attrs[] = {{"a", "1"}};
	schema_kv_t props[] = {{"loss", "sdt"}, {"compDev", "0.1"}};
	schema_meas_def_t d;
	memset(&d, 0, sizeof(d));
	d.type = TSFILE_DOUBLE;
	d.encoding = -1;
	d.codec = -1;
	schema_tmpl_meas_t tm[] = {{"s1", TSFILE_INT64, -1, -1}, {"s2", TSFILE_FLOAT, TSFILE_RLE,
								   TSFILE_SNAPPY}};
	schema_tmpl_meas_t tx[] = {{"s3", TSFILE_TEXT, -1, -1}};
	schema_alter_t a;
	memset(&a, 0, sizeof(a));
	switch (i) {
	case 0:
		return schema_db_create(s, "root.ln", NULL, &e_);
	case 1:
		d.tags = tags;
		d.ntags = 2;
		d.attrs = attrs;
		d.nattrs = 1;
		d.props = props;
		d.nprops = 2;
		d.alias = "temp";
		return schema_series_create(s, "root.ln.wf01.wt01.temperature", &d, NULL, &e_);
	case 2:
		return schema_series_create(s, "root.auto.d.`s.1`", &d, NULL, &e_);
	case 3: {
		schema_meas_def_t ms[2];
		memset(ms, 0, sizeof(ms));
		ms[0] = d;
		ms[1] = d;
		ms[0].name = "lat";
		ms[1].name = "lon";
		ms[1].type = TSFILE_TEXT;
		return schema_series_create_aligned(s, "root.ln.gps", ms, 2, NULL, &e_);
	}
	case 4:
		return schema_template_create(s, "t1", 0, tm, 2, &e_);
	case 5:
		return schema_template_create(s, "t2", 1, tm, 1, &e_);
	case 6:
		return schema_template_set(s, "t1", "root.ln.tpl", &e_);
	case 7:
		return schema_template_activate(s, "root.ln.tpl.d1", &e_);
	case 8:
		return schema_template_activate(s, "root.ln.tpl.d2.x", &e_);
	case 9:
		return schema_template_extend(s, "t1", tx, 1, &e_);
	case 10: {
		schema_kv_t up[] = {{"unit", "f"}, {"new", "n"}};
		a.op = SCHEMA_ALTER_UPSERT;
		a.alias = "tmp";
		a.kvs = up;
		a.nkvs = 2;
		return schema_series_alter(s, "root.ln.wf01.wt01.temp", &a, &e_);
	}
	case 11: {
		schema_str_t names[] = {{"a", 1}, {"b", 1}};
		tsfile_type_t types[] = {TSFILE_INT32, TSFILE_BOOLEAN};
		uint32_t sids[2];
		tsfile_type_t rt[2];
		schema_write_t w = {"root.w.d9", 9, 2, names, types, 1};
		schema_resolved_t r = {sids, rt, NULL, 0, 0, 0};
		return schema_resolve(s, &w, &r, &e_);
	}
	case 12: {
		/* activation plus extension in one write */
		schema_str_t names[] = {{"s1", 2}, {"s9", 2}};
		tsfile_type_t types[] = {TSFILE_INT64, TSFILE_DATE};
		uint32_t sids[2];
		tsfile_type_t rt[2];
		schema_write_t w = {"root.ln.tpl.d3", 14, 2, names, types, 0};
		schema_resolved_t r = {sids, rt, NULL, 0, 0, 0};
		return schema_resolve(s, &w, &r, &e_);
	}
	case 13: {
		const char *p[] = {"root.ln.gps.lon", "root.auto.**"};
		return schema_series_delete(s, p, 2, NULL, &e_);
	}
	case 14: {
		const char *p[] = {"root.ln.tpl.d1"};
		return schema_template_deactivate(s, "t1", p, 1, NULL, &e_);
	}
	case 15:
		return schema_template_set(s, "t2", "root.w2", &e_);
	case 16:
		return schema_template_unset(s, "t2", "root.w2", &e_);
	case 17:
		return schema_template_drop(s, "t2", &e_);
	case 18: {
		const char *drop[] = {"k"};
		a.op = SCHEMA_ALTER_DROP;
		a.keys = drop;
		a.nkeys = 1;
		return schema_series_alter(s, "root.ln.wf01.wt01.temperature", &a, &e_);
	}
	case 19: {
		const char *p[] = {"root.w"};
		return schema_db_delete(s, p, 1, NULL, NULL, &e_);
	}
	case 20:
		return schema_db_create(s, "root.w", NULL, &e_);
	case 21:
		return schema_series_create(s, "root.w.d9.a", &d, NULL, &e_);
	default:
		return -1;
	}
#undef e_
}

#define NSTEPS 22

static void test_round_trip(void **state)
{
	(void)state;
	const uint64_t snaps[] = {0, 200, 1};
	for (size_t k = 0; k < LR_ARRAY_LEN(snaps); k++) {
		char *dir = tmpdir();
		schema_config_t cfg = test_cfg(snaps[k]);
		schema_t *s;
		expect_ok(schema_open(dir, &cfg, &s, &e_));
		for (int i = 0; i < NSTEPS; i++)
			if (step(s, i) != LARCH_OK)
				fail_msg("step %d failed: %s", i, step_err.msg);
		char *before = dump(s);
		/* reopen from the log (and whatever snapshots were taken) */
		int fd = open(file_in(dir, "schema.log"), O_RDONLY);
		assert_true(fd >= 0);
		close(fd);
		expect_ok(schema_close(s, &e_));
		expect_ok(schema_open(dir, &cfg, &s, &e_));
		char *after = dump(s);
		assert_string_equal(before, after);
		/* after close the log is empty: everything came from the snapshot */
		assert_int_equal(file_size(file_in(dir, "schema.log")), 8);
		/* more changes on top of the snapshot, then reopen again */
		/* 19 series were created by the steps (some deleted since): no reuse */
		assert_int_equal(mk(s, "root.ln.more.s", TSFILE_INT32), 20);
		mem_free(before);
		before = dump(s);
		expect_ok(schema_close(s, &e_));
		expect_ok(schema_open(dir, &cfg, &s, &e_));
		mem_free(after);
		after = dump(s);
		assert_string_equal(before, after);
		mem_free(before);
		mem_free(after);
		schema_close(s, NULL);
		rm_rf(dir);
		free(dir);
	}
}

/* A log cut at every offset reopens to the state of its last whole entry. */
static void test_crash_every_offset(void **state)
{
	(void)state;
	char *dir = tmpdir();
	schema_config_t cfg = test_cfg(0);
	schema_t *s;
	expect_ok(schema_open(dir, &cfg, &s, &e_));
	off_t ends[NSTEPS + 1];
	char *dumps[NSTEPS + 1];
	ends[0] = file_size(file_in(dir, "schema.log"));
	dumps[0] = dump(s);
	assert_int_equal(ends[0], 8);
	for (int i = 0; i < NSTEPS; i++) {
		if (step(s, i) != LARCH_OK)
			fail_msg("step %d failed", i);
		ends[i + 1] = file_size(file_in(dir, "schema.log"));
		dumps[i + 1] = dump(s);
		assert_true(ends[i + 1] > ends[i]);
	}
	size_t len;
	uint8_t *log = read_file(file_in(dir, "schema.log"), &len);
	assert_int_equal(len, (size_t)ends[NSTEPS]);
	schema_close(s, NULL);
	rm_rf(dir);
	free(dir);

	char *cut = tmpdir();
	for (size_t k = 0; k <= len; k++) {
		unlink(file_in(cut, "schema.snap"));
		write_file(file_in(cut, "schema.log"), log, k);
		larch_error_t e_ = {0, ""};
		if (schema_open(cut, &cfg, &s, &e_) != LARCH_OK)
			fail_msg("open with %zu log bytes: %s", k, e_.msg);
		int last = 0;
		while (last < NSTEPS && ends[last + 1] <= (off_t)k)
			last++;
		char *got = dump(s);
		if (strcmp(got, dumps[last]))
			fail_msg("log cut at %zu: state differs from step %d", k, last);
		mem_free(got);
		/* the torn tail was cut off (a log without its magic is rewritten) */
		assert_int_equal(file_size(file_in(cut, "schema.log")), k < 8 ? 8 : ends[last]);
		/* the reopened schema keeps working and numbers ids after the cut */
		if (k == len / 2)
			mk(s, "root.after.cut.s", TSFILE_INT32);
		schema_close(s, NULL);
	}
	rm_rf(cut);
	free(cut);
	for (int i = 0; i <= NSTEPS; i++)
		mem_free(dumps[i]);
	free(log);
}

/* Entries with a valid checksum but hostile contents (random bytes changed,
 * payload cut short): opening must fail with LARCH_CORRUPTED or succeed,
 * never crash or leak (ASan). */
static void test_hostile_log(void **state)
{
	(void)state;
	char *dir = tmpdir();
	schema_config_t cfg = test_cfg(0);
	schema_t *s;
	expect_ok(schema_open(dir, &cfg, &s, &e_));
	off_t ends[NSTEPS + 1];
	ends[0] = 8;
	for (int i = 0; i < NSTEPS; i++) {
		assert_int_equal(step(s, i), LARCH_OK);
		ends[i + 1] = file_size(file_in(dir, "schema.log"));
	}
	size_t len;
	uint8_t *log = read_file(file_in(dir, "schema.log"), &len);
	schema_close(s, NULL);
	uint8_t *buf = malloc(len);
	unsigned seed = 99;
	int opened = 0, refused = 0;
	for (int e = 0; e < NSTEPS; e++) {
		size_t at = (size_t)ends[e], n = load_be32(log + at);
		for (int m = 0; m < 60; m++) {
			memcpy(buf, log, at);
			size_t pn = n, out = at;
			uint8_t *payload = malloc(n);
			memcpy(payload, log + at + 16, n);
			if (m % 3 == 2 && n > 1) {
				pn = 1 + rand_r(&seed) % (n - 1); /* cut short */
			} else {
				for (int k = 0; k < 1 + m % 3; k++)
					payload[rand_r(&seed) % n] = (uint8_t)rand_r(&seed);
			}
			append_entry(buf, &out, load_be64(log + at + 8), payload, pn);
			free(payload);
			unlink(file_in(dir, "schema.snap"));
			write_file(file_in(dir, "schema.log"), buf, out);
			larch_error_t err = {0, ""};
			int rc = schema_open(dir, &cfg, &s, &err);
			if (rc == LARCH_OK) {
				opened++;
				mem_free(dump(s));
				schema_close(s, NULL);
			} else if (rc == LARCH_CORRUPTED) {
				refused++;
			} else {
				fail_msg("entry %d mutation %d: %d %s", e, m, rc, err.msg);
			}
		}
	}
	assert_true(refused > 100);
	assert_true(opened > 10);
	free(buf);
	free(log);
	rm_rf(dir);
	free(dir);
}

/* Crash after the snapshot's rename, before the log was emptied. */
static void test_snapshot_and_covered_log(void **state)
{
	(void)state;
	char *dir = tmpdir();
	schema_config_t cfg = test_cfg(0);
	schema_t *s;
	expect_ok(schema_open(dir, &cfg, &s, &e_));
	for (int i = 0; i < 12; i++)
		assert_int_equal(step(s, i), LARCH_OK);
	size_t len;
	uint8_t *log = read_file(file_in(dir, "schema.log"), &len);
	expect_ok(schema_checkpoint(s, &e_));
	assert_int_equal(file_size(file_in(dir, "schema.log")), 8);
	for (int i = 12; i < NSTEPS; i++)
		assert_int_equal(step(s, i), LARCH_OK);
	char *want = dump(s);
	size_t len2;
	uint8_t *log2 = read_file(file_in(dir, "schema.log"), &len2);
	schema_close(s, NULL);
	/* put back: the snapshot of steps 0-11, and a log holding steps 0-11
	 * (already in the snapshot) followed by steps 12-21 */
	expect_ok(schema_open(dir, &cfg, &s, &e_));
	schema_close(s, NULL);
	unlink(file_in(dir, "schema.snap"));
	uint8_t *both = malloc(len + len2);
	memcpy(both, log, len);
	memcpy(both + len, log2 + 8, len2 - 8);
	write_file(file_in(dir, "schema.log"), both, len + len2 - 8);
	expect_ok(schema_open(dir, &cfg, &s, &e_));
	char *got = dump(s);
	assert_string_equal(got, want);
	expect_ok(schema_checkpoint(s, &e_));
	schema_close(s, NULL);
	/* now the snapshot holds everything; restore the old full log on top */
	write_file(file_in(dir, "schema.log"), both, len + len2 - 8);
	expect_ok(schema_open(dir, &cfg, &s, &e_));
	mem_free(got);
	got = dump(s);
	assert_string_equal(got, want);
	schema_close(s, NULL);
	mem_free(got);
	mem_free(want);
	free(log);
	free(log2);
	free(both);
	rm_rf(dir);
	free(dir);
}

/* A crash after a checkpoint: the snapshot covers steps 0-11 and the log
 * holds steps 12-21, newer than the snapshot; reopening must replay them
 * on top of it (the files are taken before the clean close, which would
 * fold the log into a new snapshot). */
static void test_snapshot_then_newer_log(void **state)
{
	(void)state;
	char *dir = tmpdir();
	schema_config_t cfg = test_cfg(0);
	schema_t *s;
	expect_ok(schema_open(dir, &cfg, &s, &e_));
	for (int i = 0; i < 12; i++)
		assert_int_equal(step(s, i), LARCH_OK);
	expect_ok(schema_checkpoint(s, &e_));
	for (int i = 12; i < NSTEPS; i++)
		assert_int_equal(step(s, i), LARCH_OK);
	char *want = dump(s);
	size_t snap_len, log_len;
	uint8_t *snap = read_file(file_in(dir, "schema.snap"), &snap_len);
	uint8_t *log = read_file(file_in(dir, "schema.log"), &log_len);
	assert_true(log_len > 8);
	schema_close(s, NULL);
	write_file(file_in(dir, "schema.snap"), snap, snap_len);
	write_file(file_in(dir, "schema.log"), log, log_len);
	expect_ok(schema_open(dir, &cfg, &s, &e_));
	char *got = dump(s);
	assert_string_equal(got, want);
	schema_close(s, NULL);
	mem_free(got);
	mem_free(want);
	free(snap);
	free(log);
	rm_rf(dir);
	free(dir);
}

static void append_entry(uint8_t *buf, size_t *at, uint64_t seq, const void *payload, size_t n)
{
	uint8_t *h = buf + *at;
	store_be32(h, (uint32_t)n);
	store_be64(h + 8, seq);
	memcpy(h + 16, payload, n);
	uLong c = crc32(0L, Z_NULL, 0);
	c = crc32(c, h + 8, (uInt)(8 + n));
	store_be32(h + 4, (uint32_t)c);
	*at += 16 + n;
}

static void test_damaged_files(void **state)
{
	(void)state;
	char *dir = tmpdir();
	schema_config_t cfg = test_cfg(0);
	schema_t *s;
	uint8_t buf[256];
	size_t at = 8;
	memcpy(buf, "LRSCHLOG", 8);
	/* a CRC-valid entry with an unknown operation: corrupt, not a torn tail */
	const uint8_t bad_op[] = {99, 1, 2};
	append_entry(buf, &at, 1, bad_op, sizeof(bad_op));
	write_file(file_in(dir, "schema.log"), buf, at);
	expect_err(schema_open(dir, &cfg, &s, &e_), LARCH_CORRUPTED,
		   "schema log: unknown operation");
	/* a truncated operation inside a valid entry */
	at = 8;
	const uint8_t short_db[] = {2, 1, 40, 'r'};
	append_entry(buf, &at, 1, short_db, sizeof(short_db));
	write_file(file_in(dir, "schema.log"), buf, at);
	expect_err(schema_open(dir, &cfg, &s, &e_), LARCH_CORRUPTED,
		   "schema log: bad database operation");
	/* META belongs to snapshots only */
	at = 8;
	const uint8_t meta[] = {1, 1, 1, 1, 1, 1, 0};
	append_entry(buf, &at, 1, meta, sizeof(meta));
	write_file(file_in(dir, "schema.log"), buf, at);
	expect_err(schema_open(dir, &cfg, &s, &e_), LARCH_CORRUPTED,
		   "schema log: bad snapshot header");
	/* sequence numbers must grow */
	at = 8;
	const char *p1 = "\x02\x01\x07root.db";
	append_entry(buf, &at, 5, p1, 10);
	const char *p2 = "\x02\x02\x08root.db2";
	append_entry(buf, &at, 5, p2, 11);
	write_file(file_in(dir, "schema.log"), buf, at);
	expect_err(schema_open(dir, &cfg, &s, &e_), LARCH_CORRUPTED,
		   "schema: log entry 5 out of order");
	/* not a log at all */
	write_file(file_in(dir, "schema.log"), "hello world", 11);
	larch_error_t e = {0, ""};
	assert_int_equal(schema_open(dir, &cfg, &s, &e), LARCH_CORRUPTED);
	assert_non_null(strstr(e.msg, "schema.log is not a schema log"));
	write_file(file_in(dir, "schema.log"), "LRS", 3); /* a torn magic: a new log */
	expect_ok(schema_open(dir, &cfg, &s, &e_));
	schema_close(s, NULL);
	rm_rf(dir);
	free(dir);

	/* a damaged snapshot: every single byte flip is refused or harmless */
	dir = tmpdir();
	expect_ok(schema_open(dir, &cfg, &s, &e_));
	for (int i = 0; i < NSTEPS; i++)
		assert_int_equal(step(s, i), LARCH_OK);
	char *want = dump(s);
	schema_close(s, NULL);
	size_t len;
	uint8_t *snap = read_file(file_in(dir, "schema.snap"), &len);
	for (size_t k = 0; k < len; k++) {
		snap[k] ^= 0x5a;
		write_file(file_in(dir, "schema.snap"), snap, len);
		snap[k] ^= 0x5a;
		e.msg[0] = '\0';
		int rc = schema_open(dir, &cfg, &s, &e);
		if (rc != LARCH_CORRUPTED)
			fail_msg("flip at %zu of the snapshot: %d %s", k, rc, e.msg);
	}
	for (size_t k = 0; k < len; k += 7) { /* truncated snapshots */
		write_file(file_in(dir, "schema.snap"), snap, k);
		assert_int_equal(schema_open(dir, &cfg, &s, &e), LARCH_CORRUPTED);
	}
	write_file(file_in(dir, "schema.snap"), snap, len);
	expect_ok(schema_open(dir, &cfg, &s, &e_));
	char *got = dump(s);
	assert_string_equal(got, want);
	schema_close(s, NULL);
	mem_free(got);
	mem_free(want);
	free(snap);
	rm_rf(dir);
	free(dir);
}

/*---------------------------------------------------------------------------
 * Out of memory
 *---------------------------------------------------------------------------*/

/* Run step i with allocation failures injected at every point; each failure
 * must leave the schema (and the log) as they were. */
static void oom_step(schema_t *s, const char *dir, int i)
{
	char *before = dump(s);
	off_t log_before = dir ? file_size(file_in(dir, "schema.log")) : 0;
	for (long n = 0;; n++) {
		mem_fail_after(n);
		int rc = step(s, i);
		mem_fail_after(-1);
		if (rc == LARCH_OK)
			break;
		if (rc != LARCH_NO_MEMORY)
			fail_msg("step %d with failure at %ld: %d %s", i, n, rc, step_err.msg);
		char *now = dump(s);
		if (strcmp(now, before))
			fail_msg("step %d changed the schema on failure at allocation %ld:\n%s\n---\n%s",
				 i, n, before, now);
		mem_free(now);
		if (dir)
			assert_int_equal(file_size(file_in(dir, "schema.log")), log_before);
		assert_true(n < 100000);
	}
	mem_free(before);
}

static void test_oom(void **state)
{
	(void)state;
	schema_t *s = open_mem();
	for (int i = 0; i < NSTEPS; i++)
		oom_step(s, NULL, i);
	char *mem_state = dump(s);
	schema_close(s, NULL);

	char *dir = tmpdir();
	schema_config_t cfg = test_cfg(0);
	expect_ok(schema_open(dir, &cfg, &s, &e_));
	for (int i = 0; i < NSTEPS; i++)
		oom_step(s, dir, i);
	char *disk_state = dump(s);
	assert_string_equal(mem_state, disk_state);
	schema_close(s, NULL);

	/* opening (snapshot load) under allocation failures */
	for (long n = 0;; n++) {
		larch_error_t e = {0, ""};
		mem_fail_after(n);
		int rc = schema_open(dir, &cfg, &s, &e);
		mem_fail_after(-1);
		if (rc == LARCH_OK)
			break;
		assert_int_equal(rc, LARCH_NO_MEMORY);
	}
	char *reopened = dump(s);
	assert_string_equal(reopened, disk_state);
	schema_close(s, NULL);
	mem_free(mem_state);
	mem_free(disk_state);
	mem_free(reopened);
	rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_crash_every_offset),
		cmocka_unit_test(test_hostile_log),
		cmocka_unit_test(test_snapshot_and_covered_log),
		cmocka_unit_test(test_snapshot_then_newer_log),
		cmocka_unit_test(test_damaged_files),
		cmocka_unit_test(test_oom),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
