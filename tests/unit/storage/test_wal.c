/*
 * Unit tests for the write-ahead log (src/storage/wal*.c): round trips,
 * LSN continuity, segment rolling and checkpoints, torn tails and bit flips
 * at every offset of the last record, corruption of older segments, OFF
 * mode, concurrent appenders, write failures, allocation failures and bad
 * arguments.  Every record's content is generated from (lsn, salt), so a
 * replayed record is checked against an independent regeneration, not
 * against what the WAL says it wrote.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <zlib.h>

#include "base/base.h"
#include "storage/wal.h"

/*---------------------------------------------------------------------------
 * Helpers: directories, files, record contents, replay checking
 *---------------------------------------------------------------------------*/

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char sub[PATH_MAX];
			snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
			rm_tree(sub);
		}
		closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

/* A fresh empty directory for one test (removed by test_dir_done). */
static char *test_dir_new(void)
{
	const char *base = getenv("TMPDIR");
	char *p = malloc(PATH_MAX);
	assert_non_null(p);
	snprintf(p, PATH_MAX, "%s/larch-wal-XXXXXX", base ? base : "/tmp");
	assert_non_null(mkdtemp(p));
	return p;
}

static void test_dir_done(char *p)
{
	rm_tree(p);
	free(p);
}

static void seg_path(char *buf, const char *dir, uint64_t first)
{
	snprintf(buf, PATH_MAX, "%s/wal-%020llu.log", dir, (unsigned long long)first);
}

static int file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static long file_size(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return (long)st.st_size;
}

static uint8_t *file_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void file_write(const char *path, const uint8_t *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* Number of segment files ("wal-*.log") in dir. */
static int count_segments(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, "wal-", 4) == 0 && strlen(e->d_name) == 28)
			n++;
	closedir(d);
	return n;
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The content of the record with this lsn and salt. */
static void gen_fill(uint8_t *buf, size_t len, uint64_t lsn, uint64_t salt)
{
	uint64_t s = lsn * 1000003u + salt;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t v = splitmix(&s);
		memcpy(buf + i, &v, 8);
	}
	if (i < len) {
		uint64_t v = splitmix(&s);
		memcpy(buf + i, &v, len - i);
	}
}

/* What a replay must produce, indexed by lsn. */
typedef struct expect {
	uint64_t cap;      /* lsns 0 .. cap-1 */
	uint32_t *size;    /* expected length (0: not expected) */
	uint64_t *salt;
	uint32_t *seen;    /* times the callback delivered this lsn */
	uint64_t calls;
	uint64_t first, last;
	int errors;        /* wrong size/content, out of order, unexpected */
	uint64_t stop_at;  /* callback returns 7 at this lsn (0: never) */
	uint8_t *scratch;
	size_t scratch_cap;
} expect_t;

static void expect_init(expect_t *e, uint64_t cap)
{
	memset(e, 0, sizeof *e);
	e->cap = cap;
	e->size = calloc(cap, sizeof *e->size);
	e->salt = calloc(cap, sizeof *e->salt);
	e->seen = calloc(cap, sizeof *e->seen);
	assert_true(e->size && e->salt && e->seen);
}

static void expect_set(expect_t *e, uint64_t lsn, uint32_t size, uint64_t salt)
{
	assert_true(lsn < e->cap);
	e->size[lsn] = size;
	e->salt[lsn] = salt;
}

static void expect_reset_seen(expect_t *e)
{
	memset(e->seen, 0, e->cap * sizeof *e->seen);
	e->calls = e->first = e->last = 0;
	e->errors = 0;
}

static void expect_free(expect_t *e)
{
	free(e->size);
	free(e->salt);
	free(e->seen);
	free(e->scratch);
}

static int check_cb(void *ctx, uint64_t lsn, const uint8_t *rec, size_t len)
{
	expect_t *e = ctx;
	if (e->calls == 0)
		e->first = lsn;
	if (e->calls > 0 && lsn <= e->last)
		e->errors++;
	e->calls++;
	e->last = lsn;
	if (lsn >= e->cap || e->size[lsn] != len) {
		e->errors++;
		return 0;
	}
	e->seen[lsn]++;
	if (e->scratch_cap < len) {
		free(e->scratch);
		e->scratch = malloc(len);
		assert_non_null(e->scratch);
		e->scratch_cap = len;
	}
	gen_fill(e->scratch, len, lsn, e->salt[lsn]);
	if (memcmp(e->scratch, rec, len) != 0)
		e->errors++;
	return lsn == e->stop_at ? 7 : 0;
}

/* Replay dir from `after` and require exactly lsns lo..hi, each once, with
 * the expected contents. */
static void replay_expect_range(const char *dir, expect_t *e, uint64_t after, uint64_t lo,
				uint64_t hi)
{
	larch_error_t err = {0};
	uint64_t bytes = 0;
	expect_reset_seen(e);
	int rc = wal_replay(dir, after, check_cb, e, &bytes, &err);
	if (rc != LARCH_OK)
		fail_msg("replay: %d %s", rc, err.msg);
	assert_int_equal(e->errors, 0);
	assert_int_equal(e->calls, hi >= lo ? hi - lo + 1 : 0);
	if (hi >= lo) {
		assert_int_equal(e->first, lo);
		assert_int_equal(e->last, hi);
		for (uint64_t l = lo; l <= hi; l++)
			assert_int_equal(e->seen[l], 1);
	}
}

/* Append the record (lsn, size, salt) and require that lsn.  Uses
 * wal_appendv with the record split in three pieces (one empty) when
 * `pieces` is set. */
static void append_gen(wal_t *w, expect_t *e, uint64_t want_lsn, uint32_t size, uint64_t salt,
		       int pieces)
{
	uint8_t *buf = malloc(size);
	assert_non_null(buf);
	gen_fill(buf, size, want_lsn, salt);
	uint64_t lsn = 0;
	larch_error_t err = {0};
	int rc;
	if (pieces) {
		size_t a = size / 3;
		struct iovec iov[3] = {{buf, a}, {buf + a, 0}, {buf + a, size - a}};
		rc = wal_appendv(w, iov, 3, &lsn, &err);
	} else {
		rc = wal_append(w, buf, size, &lsn, &err);
	}
	if (rc != LARCH_OK)
		fail_msg("append: %d %s", rc, err.msg);
	assert_int_equal(lsn, want_lsn);
	if (e)
		expect_set(e, lsn, size, salt);
	free(buf);
}

static wal_t *open_ok(const char *dir, wal_mode_t mode, uint64_t segment_bytes)
{
	wal_options_t o = {mode, 20, segment_bytes};
	wal_t *w = NULL;
	larch_error_t err = {0};
	int rc = wal_open(dir, &o, &w, &err);
	if (rc != LARCH_OK)
		fail_msg("wal_open %s: %d %s", dir, rc, err.msg);
	return w;
}

static void close_ok(wal_t *w)
{
	larch_error_t err = {0};
	int rc = wal_close(w, &err);
	if (rc != LARCH_OK)
		fail_msg("wal_close: %d %s", rc, err.msg);
}

static uint64_t last_lsn(wal_t *w)
{
	wal_stats_t st;
	wal_stats(w, &st);
	return st.last_lsn;
}

/*---------------------------------------------------------------------------
 * Round trips, continuity, rolling, checkpoints
 *---------------------------------------------------------------------------*/

static void test_roundtrip_random_sizes(void **state)
{
	(void)state;
	char *dir = test_dir_new();
	const uint64_t n = 600;
	expect_t e;
	expect_init(&e, n + 1);
	uint64_t rng = 42, payload = 0;
	wal_t *w = open_ok(dir, WAL_ASYNC, 0);
	for (uint64_t l = 1; l <= n; l++) {
		uint32_t size = (uint32_t)(1 + splitmix(&rng) % 3000);
		if (l % 50 == 0)
			size = (uint32_t)(100000 + splitmix(&rng) % 200000);
		if (l == 7)
			size = 1;
		append_gen(w, &e, l, size, 11, (int)(l & 1));
		payload += size;
	}
	wal_stats_t st;
	wal_stats(w, &st);
	assert_int_equal(st.appends, n);
	assert_int_equal(st.bytes, payload);
	assert_int_equal(st.last_lsn, n);
	assert_int_equal(st.file_bytes, 32 + payload + 16 * n); /* one segment */
	close_ok(w);

	replay_expect_range(dir, &e, 0, 1, n);
	replay_expect_range(dir, &e, 400, 401, n);
	replay_expect_range(dir, &e, n, 1, 0);

	uint64_t bytes = 0;
	larch_error_t err = {0};
	expect_reset_seen(&e);
	assert_int_equal(wal_replay(dir, 0, check_cb, &e, &bytes, &err), LARCH_OK);
	assert_int_equal(bytes, 32 + payload + 16 * n);
	expect_free(&e);
	test_dir_done(dir);
}

static void test_lsn_continuity_across_reopen(void **state)
{
	(void)state;
	char *dir = test_dir_new();
	expect_t e;
	expect_init(&e, 64);
	wal_mode_t modes[] = {WAL_SYNC, WAL_ASYNC, WAL_SYNC};
	uint64_t l = 1;
	for (int round = 0; round < 3; round++) {
		wal_t *w = open_ok(dir, modes[round], 0);
		assert_int_equal(last_lsn(w), l - 1);
		for (int i = 0; i < 5; i++, l++)
			append_gen(w, &e, l, (uint32_t)(10 + 7 * l), (uint64_t)round, i & 1);
		close_ok(w);
	}
	replay_expect_range(dir, &e, 0, 1, 15);
	/* a reopen that appends nothing changes nothing */
	close_ok(open_ok(dir, WAL_SYNC, 0));
	wal_t *w = open_ok(dir, WAL_SYNC, 0);
	assert_int_equal(last_lsn(w), 15);
	close_ok(w);
	expect_free(&e);
	test_dir_done(dir);
}

/* 1000-byte records make 1016-byte frames: with 4096-byte segments exactly
 * four fit after the 32-byte header, so segment names are 1, 5, 9, ... */
static void test_segment_roll_and_checkpoint(void **state)
{
	(void)state;
	char *dir = test_dir_new();
	char path[PATH_MAX];
	expect_t e;
	expect_init(&e, 64);
	wal_t *w = open_ok(dir, WAL_SYNC, 4096);
	for (uint64_t l = 1; l <= 40; l++)
		append_gen(w, &e, l, 1000, 3, 0);
	assert_int_equal(count_segments(dir), 10);
	for (uint64_t f = 1; f <= 37; f += 4) {
		seg_path(path, dir, f);
		assert_true(file_exists(path));
		assert_int_equal(file_size(path), 4096);
	}
	wal_stats_t st;
	wal_stats(w, &st);
	assert_int_equal(st.segments, 10);
	assert_true(st.fsyncs >= 40);

	larch_error_t err = {0};
	/* segments 1 (1..4) and 5 (5..8) are all <= 10; 9 (9..12) is not */
	assert_int_equal(wal_checkpoint(w, 10, &err), LARCH_OK);
	assert_int_equal(count_segments(dir), 8);
	seg_path(path, dir, 5);
	assert_false(file_exists(path));
	seg_path(path, dir, 9);
	assert_true(file_exists(path));
	/* one short of segment 9's last record: it stays */
	assert_int_equal(wal_checkpoint(w, 11, &err), LARCH_OK);
	assert_true(file_exists(path));
	replay_expect_range(dir, &e, 0, 9, 40);
	/* exactly at a segment's end: 12 deletes segment 9 */
	assert_int_equal(wal_checkpoint(w, 12, &err), LARCH_OK);
	assert_int_equal(count_segments(dir), 7);
	/* everything: only the active segment survives */
	assert_int_equal(wal_checkpoint(w, 40, &err), LARCH_OK);
	assert_int_equal(count_segments(dir), 1);
	replay_expect_range(dir, &e, 0, 37, 40);
	assert_int_equal(wal_checkpoint(w, 41, &err), LARCH_ILLEGAL_PARAMETER);
	assert_non_null(strstr(err.msg, "41"));
	close_ok(w);

	/* the active segment is full: the next append rolls to segment 41; a
	 * record larger than a segment gets one of its own */
	w = open_ok(dir, WAL_SYNC, 4096);
	assert_int_equal(last_lsn(w), 40);
	append_gen(w, &e, 41, 1000, 4, 1);
	append_gen(w, &e, 42, 10000, 4, 0);
	append_gen(w, &e, 43, 10, 4, 0);
	close_ok(w);
	seg_path(path, dir, 41);
	assert_int_equal(file_size(path), 32 + 1016);
	seg_path(path, dir, 42);
	assert_int_equal(file_size(path), 32 + 10016);
	seg_path(path, dir, 43);
	assert_int_equal(file_size(path), 32 + 26);
	replay_expect_range(dir, &e, 0, 37, 43);
	replay_expect_range(dir, &e, 41, 42, 43);
	expect_free(&e);
	test_dir_done(dir);
}

/*---------------------------------------------------------------------------
 * Torn tails and bit flips in the last segment
 *---------------------------------------------------------------------------*/

/* Build a WAL from sizes[0..n) (records 1..n) with the given segment size;
 * return the last segment's first lsn and file size, and the start offset
 * of the last record in it. */
static void build_wal(const char *dir, expect_t *e, uint64_t segment_bytes,
		      const uint32_t *sizes, int n, uint64_t *last_seg, long *last_rec_off)
{
	wal_t *w = open_ok(dir, WAL_ASYNC, segment_bytes);
	for (int i = 0; i < n; i++)
		append_gen(w, e, (uint64_t)i + 1, sizes[i], 1, i & 1);
	close_ok(w);
	/* find the segment holding the last record: the largest name */
	*last_seg = 0;
	for (uint64_t f = (uint64_t)n; f >= 1; f--) {
		char p[PATH_MAX];
		seg_path(p, dir, f);
		if (file_exists(p)) {
			*last_seg = f;
			*last_rec_off = file_size(p) - 16 - sizes[n - 1];
			break;
		}
	}
	assert_true(*last_seg > 0);
}

/* After damaging the last segment: replay must yield exactly 1..keep, wal_open
 * must cut the file at cut_off and continue at keep+1 with a new record. */
static void check_recovers_to(const char *dir, expect_t *e, uint64_t seg, uint64_t keep,
			      long cut_off, uint64_t segment_bytes)
{
	char path[PATH_MAX];
	seg_path(path, dir, seg);
	replay_expect_range(dir, e, 0, 1, keep);
	wal_t *w = open_ok(dir, WAL_SYNC, segment_bytes);
	assert_int_equal(last_lsn(w), keep);
	assert_int_equal(file_size(path), cut_off);
	append_gen(w, e, keep + 1, 77, 99, 0); /* new content for this lsn */
	close_ok(w);
	replay_expect_range(dir, e, 0, 1, keep + 1);
}

static void torn_tail_case(uint64_t segment_bytes, const uint32_t *sizes, int n)
{
	char *dir = test_dir_new();
	expect_t e;
	expect_init(&e, (uint64_t)n + 2);
	uint64_t seg;
	long rec_off;
	build_wal(dir, &e, segment_bytes, sizes, n, &seg, &rec_off);
	char path[PATH_MAX];
	seg_path(path, dir, seg);
	size_t len;
	uint8_t *orig = file_read(path, &len);
	assert_int_equal(len, (size_t)rec_off + 16 + sizes[n - 1]);
	for (size_t cut = (size_t)rec_off; cut < len; cut++) {
		file_write(path, orig, cut);
		expect_set(&e, (uint64_t)n, sizes[n - 1], 1);
		check_recovers_to(dir, &e, seg, (uint64_t)n - 1, rec_off, segment_bytes);
		/* the WAL grew by the new record: restore for the next cut */
		file_write(path, orig, len);
		char p2[PATH_MAX];
		seg_path(p2, dir, (uint64_t)n + 1);
		unlink(p2); /* in case the new record rolled */
	}
	free(orig);
	expect_free(&e);
	test_dir_done(dir);
}

static void test_torn_tail_every_offset(void **state)
{
	(void)state;
	const uint32_t sizes[] = {100, 2000, 50, 300, 300};
	torn_tail_case(0, sizes, 5);
}

/* The last segment holds only the torn record: the next lsn is the
 * segment's first, and the chain to the previous segment stays valid. */
static void test_torn_tail_alone_in_segment(void **state)
{
	(void)state;
	const uint32_t sizes[] = {600, 600, 600, 700};
	torn_tail_case(1024, sizes, 4);
}

static void test_bit_flips_in_tail(void **state)
{
	(void)state;
	char *dir = test_dir_new();
	const uint32_t sizes[] = {100, 2000, 50, 300, 120};
	expect_t e;
	expect_init(&e, 8);
	uint64_t seg;
	long rec_off;
	build_wal(dir, &e, 0, sizes, 5, &seg, &rec_off);
	char path[PATH_MAX];
	seg_path(path, dir, seg);
	size_t len;
	uint8_t *orig = file_read(path, &len);
	uint8_t *bad = malloc(len);
	assert_non_null(bad);
	for (size_t pos = (size_t)rec_off; pos < len; pos++) {
		memcpy(bad, orig, len);
		bad[pos] ^= (uint8_t)(1u << (pos % 8));
		file_write(path, bad, len);
		expect_set(&e, 5, sizes[4], 1);
		check_recovers_to(dir, &e, seg, 4, rec_off, 0);
	}
	/* a flip in record 2 ends the log there (point-in-time recovery) */
	memcpy(bad, orig, len);
	long rec2 = 32 + 16 + 100;
	bad[rec2 + 16 + 1000] ^= 0x10;
	file_write(path, bad, len);
	for (uint64_t l = 2; l <= 5; l++)
		expect_set(&e, l, sizes[l - 1], 1);
	check_recovers_to(dir, &e, seg, 1, rec2, 0);
	free(bad);
	free(orig);
	expect_free(&e);
	test_dir_done(dir);
}

/*---------------------------------------------------------------------------
 * The format, encoded independently (from the table in wal.c)
 *---------------------------------------------------------------------------*/

static void put_be32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static size_t craft_header(uint8_t *p, uint64_t first, uint64_t prev)
{
	memcpy(p, "LarchWAL", 8);
	put_be32(p + 8, 1);
	put_be64(p + 12, first);
	put_be64(p + 20, prev);
	put_be32(p + 28, (uint32_t)crc32(0, p, 28));
	return 32;
}

/* crc32 of the payload, continued over the length and lsn fields */
static size_t craft_record(uint8_t *p, uint64_t lsn, const char *payload)
{
	uint32_t len = (uint32_t)strlen(payload);
	put_be32(p, len);
	put_be64(p + 8, lsn);
	memcpy(p + 16, payload, len);
	uLong crc = crc32(0, (const Bytef *)payload, len);
	crc = crc32(crc, p, 4);
	crc = crc32(crc, p + 8, 8);
	put_be32(p + 4, (uint32_t)crc);
	return 16 + len;
}

static void test_format_bytes(void **state)
{
	(void)state;
	char *dir = test_dir_new();
	wal_t *w = open_ok(dir, WAL_SYNC, 0);
	larch_error_t err = {0};
	assert_int_equal(wal_append(w, "hello", 5, NULL, &err), LARCH_OK);
	struct iovec iov[2] = {{"w", 1}, {"al", 2}};
	assert_int_equal(wal_appendv(w, iov, 2, NULL, &err), LARCH_OK);
	close_ok(w);
	uint8_t want[128];
	size_t n = craft_header(want, 1, 0);
	n += craft_record(want + n, 1, "hello");
	n += craft_record(want + n, 2, "wal");
	char path[PATH_MAX];
	seg_path(path, dir, 1);
	size_t len;
	uint8_t *got = file_read(path, &len);
	assert_int_equal(len, n);
	assert_memory_equal(got, want, n);
	free(got);
	test_dir_done(dir);
}

typedef struct lsn_log {
	uint64_t lsn[16];
	int n;
} lsn_log_t;

static int log_cb(void *ctx, uint64_t lsn, const uint8_t *rec, size_t len)
{
	(void)rec;
	(void)len;
	lsn_log_t *l = ctx;
	if (l->n < 16)
		l->lsn[l->n] = lsn;
	l->n++;
	return 0;
}

/* Write bytes as segment `first` of a fresh directory, replay it and
 * reopen it: the replay must deliver `want` records (lsns first, first+1,
 * ...), and wal_open must cut the file to cut_len. */
static void crafted_last_segment(const uint8_t *bytes, size_t len, uint64_t first, int want,
				 size_t cut_len)
{
	char *dir = test_dir_new();
	char path[PATH_MAX];
	seg_path(path, dir, first);
	file_write(path, bytes, len);
	lsn_log_t log = {{0}, 0};
	larch_error_t err = {0};
	assert_int_equal(wal_replay(dir, 0, log_cb, &log, NULL, &err), LARCH_OK);
	assert_int_equal(log.n, want);
	for (int i = 0; i < want; i++)
		assert_int_equal(log.lsn[i], first + (uint64_t)i);
	wal_t *w = open_ok(dir, WAL_SYNC, 0);
	assert_int_equal(last_lsn(w), first + (uint64_t)want - 1);
	close_ok(w);
	assert_int_equal(file_size(path), (long)cut_len);
	test_dir_done(dir);
}

static void test_crafted_frames(void **state)
{
	(void)state;
	uint8_t b[512];
	size_t n, keep;
	/* a record repeated (valid checksum, stale lsn) ends the last segment */
	n = craft_header(b, 1, 0);
	n += craft_record(b + n, 1, "a");
	keep = n;
	n += craft_record(b + n, 1, "a");
	crafted_last_segment(b, n, 1, 1, keep);
	/* a first record whose lsn is not the segment's first */
	n = craft_header(b, 5, 4);
	keep = n;
	n += craft_record(b + n, 6, "abc");
	crafted_last_segment(b, n, 5, 0, keep);
	/* zeros after the last record (an allocated, never written block) */
	n = craft_header(b, 1, 0);
	n += craft_record(b + n, 1, "abc");
	n += craft_record(b + n, 2, "defg");
	keep = n;
	memset(b + n, 0, 64);
	crafted_last_segment(b, n + 64, 1, 2, keep);
	/* a checksum that leaves out the length field */
	n = craft_header(b, 1, 0);
	n += craft_record(b + n, 1, "abc");
	keep = n;
	size_t r = n;
	n += craft_record(b + n, 2, "xyz");
	uLong crc = crc32(crc32(0, (const Bytef *)"xyz", 3), b + r + 8, 8);
	put_be32(b + r + 4, (uint32_t)crc);
	crafted_last_segment(b, n, 1, 1, keep);

	/* a repeated record in an older segment is corruption */
	char *dir = test_dir_new();
	char path[PATH_MAX];
	n = craft_header(b, 1, 0);
	n += craft_record(b + n, 1, "a");
	n += craft_record(b + n, 1, "a");
	seg_path(path, dir, 1);
	file_write(path, b, n);
	n = craft_header(b, 3, 2);
	n += craft_record(b + n, 3, "c");
	seg_path(path, dir, 3);
	file_write(path, b, n);
	lsn_log_t log = {{0}, 0};
	larch_error_t err = {0};
	assert_int_equal(wal_replay(dir, 0, log_cb, &log, NULL, &err), LARCH_CORRUPTED);
	assert_non_null(strstr(err.msg, "wal-00000000000000000001.log offset 49"));
	assert_non_null(strstr(err.msg, "lsn"));
	test_dir_done(dir);
}

/*---------------------------------------------------------------------------
 * Damage in older segments, stray files
 *---------------------------------------------------------------------------*/

/* 20 records of 1000 bytes, 4096-byte segments: segments 1, 5, 9, 13, 17. */
static char *build_five_segments(expect_t *e)
{
	char *dir = test_dir_new();
	wal_t *w = open_ok(dir, WAL_ASYNC, 4096);
	for (uint64_t l = 1; l <= 20; l++)
		append_gen(w, e, l, 1000, 5, 0);
	close_ok(w);
	assert_int_equal(count_segments(dir), 5);
	return dir;
}

static void test_corrupt_old_segment(void **state)
{
	(void)state;
	expect_t e;
	expect_init(&e, 32);
	char *dir = build_five_segments(&e);
	char path[PATH_MAX];
	seg_path(path, dir, 5);
	size_t len;
	uint8_t *orig = file_read(path, &len);

	/* a payload byte of record 6 (second record of segment 5, offset 1048) */
	uint8_t *bad = malloc(len);
	assert_non_null(bad);
	memcpy(bad, orig, len);
	bad[1048 + 16 + 500] ^= 1;
	file_write(path, bad, len);
	larch_error_t err = {0};
	expect_reset_seen(&e);
	assert_int_equal(wal_replay(dir, 0, check_cb, &e, NULL, &err), LARCH_CORRUPTED);
	assert_int_equal(err.code, LARCH_CORRUPTED);
	assert_non_null(strstr(err.msg, "wal-00000000000000000005.log offset 1048"));
	assert_non_null(strstr(err.msg, "checksum"));
	assert_int_equal(e.calls, 5); /* 1..5 delivered before the damage */
	assert_int_equal(e.errors, 0);
	/* not needed when every record of the segment is <= after */
	replay_expect_range(dir, &e, 8, 9, 20);
	expect_reset_seen(&e);
	assert_int_equal(wal_replay(dir, 5, check_cb, &e, NULL, &err), LARCH_CORRUPTED);
	/* wal_open reads only the last segment; the log goes on */
	wal_t *w = open_ok(dir, WAL_SYNC, 4096);
	append_gen(w, &e, 21, 10, 5, 0);
	close_ok(w);
	replay_expect_range(dir, &e, 8, 9, 21);

	/* segment 5 cut exactly after record 7: the chain to segment 9 breaks */
	file_write(path, orig, 32 + 3 * 1016);
	expect_reset_seen(&e);
	assert_int_equal(wal_replay(dir, 0, check_cb, &e, NULL, &err), LARCH_CORRUPTED);
	assert_non_null(strstr(err.msg, "wal-00000000000000000009.log offset 20"));
	assert_int_equal(e.calls, 7);
	/* segment 5 cut inside record 8 */
	file_write(path, orig, 32 + 3 * 1016 + 20);
	assert_int_equal(wal_replay(dir, 0, check_cb, &e, NULL, &err), LARCH_CORRUPTED);
	assert_non_null(strstr(err.msg, "wal-00000000000000000005.log offset 3080"));
	file_write(path, orig, len);
	replay_expect_range(dir, &e, 0, 1, 21);

	/* a damaged header: magic, then the header checksum */
	memcpy(bad, orig, len);
	bad[2] ^= 0x20;
	file_write(path, bad, len);
	assert_int_equal(wal_replay(dir, 0, check_cb, &e, NULL, &err), LARCH_CORRUPTED);
	assert_non_null(strstr(err.msg, "wal-00000000000000000005.log offset 0"));
	memcpy(bad, orig, len);
	bad[15] ^= 0x01; /* first_lsn */
	file_write(path, bad, len);
	assert_int_equal(wal_replay(dir, 0, check_cb, &e, NULL, &err), LARCH_CORRUPTED);
	assert_non_null(strstr(err.msg, "offset 28"));
	file_write(path, orig, len);

	/* a renamed (misnamed) segment: the header says 5, the name 6 */
	char p6[PATH_MAX];
	seg_path(p6, dir, 6);
	assert_int_equal(rename(path, p6), 0);
	assert_int_equal(wal_replay(dir, 0, check_cb, &e, NULL, &err), LARCH_CORRUPTED);
	assert_non_null(strstr(err.msg, "offset 12"));
	assert_int_equal(rename(p6, path), 0);
	free(bad);
	free(orig);
	expect_free(&e);
	test_dir_done(dir);
}

static void test_damaged_last_header(void **state)
{
	(void)state;
	expect_t e;
	expect_init(&e, 32);
	char *dir = build_five_segments(&e);
	char path[PATH_MAX];
	seg_path(path, dir, 17);
	size_t len;
	uint8_t *orig = file_read(path, &len);
	orig[9] ^= 4; /* version */
	file_write(path, orig, len);
	larch_error_t err = {0};
	assert_int_equal(wal_replay(dir, 0, check_cb, &e, NULL, &err), LARCH_CORRUPTED);
	assert_non_null(strstr(err.msg, "wal-00000000000000000017.log"));
	wal_t *w = NULL;
	assert_int_equal(wal_open(dir, NULL, &w, &err), LARCH_CORRUPTED);
	assert_null(w);
	/* shorter than a header */
	file_write(path, orig, 20);
	assert_int_equal(wal_replay(dir, 0, check_cb, &e, NULL, &err), LARCH_CORRUPTED);
	assert_non_null(strstr(err.msg, "shorter than the segment header"));
	free(orig);
	expect_free(&e);
	test_dir_done(dir);
}

static void test_stray_files(void **state)
{
	(void)state;
	expect_t e;
	expect_init(&e, 32);
	char *dir = build_five_segments(&e);
	char p[PATH_MAX];
	/* an interrupted segment creation, and files that are not ours */
	snprintf(p, sizeof p, "%s/wal-00000000000000000021.log.tmp", dir);
	file_write(p, (const uint8_t *)"partial", 7);
	char other[PATH_MAX];
	snprintf(other, sizeof other, "%s/wal-1.log", dir);
	file_write(other, (const uint8_t *)"x", 1);
	snprintf(other, sizeof other, "%s/wal-99999999999999999999.log", dir); /* > 2^64 */
	file_write(other, (const uint8_t *)"x", 1);
	replay_expect_range(dir, &e, 0, 1, 20);
	assert_true(file_exists(p));
	wal_t *w = open_ok(dir, WAL_SYNC, 4096);
	assert_false(file_exists(p));
	assert_int_equal(last_lsn(w), 20);
	close_ok(w);
	expect_free(&e);
	test_dir_done(dir);
}

/*---------------------------------------------------------------------------
 * Modes
 *---------------------------------------------------------------------------*/

static void test_off_mode(void **state)
{
	(void)state;
	char *dir = test_dir_new();
	expect_t e;
	expect_init(&e, 32);
	char path[PATH_MAX];
	larch_error_t err = {0};

	wal_t *w = open_ok(dir, WAL_SYNC, 0);
	for (uint64_t l = 1; l <= 3; l++)
		append_gen(w, &e, l, 200, 8, 0);
	close_ok(w);
	seg_path(path, dir, 1);
	long size_before = file_size(path);

	w = open_ok(dir, WAL_OFF, 0);
	for (uint64_t l = 4; l <= 6; l++)
		append_gen(w, NULL, l, 200, 8, 1);
	assert_int_equal(wal_sync(w, &err), LARCH_OK);
	wal_stats_t st;
	wal_stats(w, &st);
	assert_int_equal(st.appends, 3);
	assert_int_equal(st.last_lsn, 6);
	assert_int_equal(st.synced_lsn, 3);
	assert_int_equal(st.file_bytes, 0);
	assert_int_equal(file_size(path), size_before); /* nothing written */
	assert_int_equal(count_segments(dir), 1);
	close_ok(w);
	/* the counter survives as an empty segment 7 */
	seg_path(path, dir, 7);
	assert_int_equal(file_size(path), 32);

	w = open_ok(dir, WAL_SYNC, 0);
	append_gen(w, &e, 7, 50, 8, 0);
	close_ok(w);
	/* 1, 2, 3, 7: the gap 4..6 is OFF's, the chain holds */
	expect_reset_seen(&e);
	uint64_t bytes;
	assert_int_equal(wal_replay(dir, 0, check_cb, &e, &bytes, &err), LARCH_OK);
	assert_int_equal(e.calls, 4);
	assert_int_equal(e.errors, 0);
	assert_int_equal(e.seen[3], 1);
	assert_int_equal(e.seen[7], 1);

	/* OFF in a fresh directory, and checkpoints in OFF mode */
	char sub[PATH_MAX];
	snprintf(sub, sizeof sub, "%s/off", dir);
	w = open_ok(sub, WAL_OFF, 0);
	for (uint64_t l = 1; l <= 10; l++)
		append_gen(w, NULL, l, 30, 0, 0);
	assert_int_equal(wal_checkpoint(w, 10, &err), LARCH_OK);
	close_ok(w);
	w = open_ok(sub, WAL_OFF, 0);
	append_gen(w, NULL, 11, 30, 0, 0);
	assert_int_equal(wal_checkpoint(w, 11, &err), LARCH_OK);
	assert_int_equal(count_segments(sub), 1); /* segment 1 deleted, 11 kept */
	close_ok(w);
	assert_int_equal(count_segments(sub), 2);
	expect_reset_seen(&e);
	assert_int_equal(wal_replay(sub, 0, check_cb, &e, NULL, &err), LARCH_OK);
	assert_int_equal(e.calls, 0);
	expect_free(&e);
	test_dir_done(dir);
}

static void test_async_background_fsync(void **state)
{
	(void)state;
	char *dir = test_dir_new();
	wal_t *w = open_ok(dir, WAL_ASYNC, 0);
	append_gen(w, NULL, 1, 100, 0, 0);
	append_gen(w, NULL, 2, 100, 0, 0);
	/* the thread fsyncs every 20 ms; allow up to 10 s on a loaded machine */
	wal_stats_t st;
	for (int i = 0; i < 1000; i++) {
		wal_stats(w, &st);
		if (st.synced_lsn == 2)
			break;
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	assert_int_equal(st.synced_lsn, 2);
	uint64_t fs = st.fsyncs;
	/* nothing new written: the thread does not fsync again, nor does wal_sync */
	struct timespec ts = {0, 100 * 1000 * 1000};
	nanosleep(&ts, NULL);
	larch_error_t err = {0};
	assert_int_equal(wal_sync(w, &err), LARCH_OK);
	wal_stats(w, &st);
	assert_int_equal(st.fsyncs, fs);
	append_gen(w, NULL, 3, 100, 0, 0);
	assert_int_equal(wal_sync(w, &err), LARCH_OK);
	wal_stats(w, &st);
	assert_int_equal(st.synced_lsn, 3);
	close_ok(w);
	test_dir_done(dir);
}

/*---------------------------------------------------------------------------
 * Concurrency
 *---------------------------------------------------------------------------*/

#define CONC_THREADS 8
#define CONC_PER_THREAD 150

typedef struct conc_arg {
	wal_t *w;
	int id;
	uint64_t lsn[CONC_PER_THREAD];
	uint32_t size[CONC_PER_THREAD];
	int failures;
} conc_arg_t;

static void *conc_main(void *p)
{
	conc_arg_t *a = p;
	uint64_t rng = (uint64_t)a->id * 7919 + 1;
	uint8_t *buf = malloc(5000);
	for (int i = 0; i < CONC_PER_THREAD; i++) {
		uint32_t size = (uint32_t)(1 + splitmix(&rng) % 5000);
		/* the content depends on the lsn, unknown before the append: use
		 * the salt (thread, i) alone, recorded per lsn afterwards */
		gen_fill(buf, size, 0, (uint64_t)a->id * 100000 + (uint64_t)i);
		larch_error_t err = {0};
		if (wal_append(a->w, buf, size, &a->lsn[i], &err) != LARCH_OK)
			a->failures++;
		a->size[i] = size;
	}
	free(buf);
	return NULL;
}

static int conc_cb(void *ctx, uint64_t lsn, const uint8_t *rec, size_t len)
{
	expect_t *e = ctx;
	/* content was generated with lsn 0: re-check with the recorded salt */
	if (lsn >= e->cap || e->size[lsn] != len) {
		e->errors++;
		return 0;
	}
	uint8_t *x = malloc(len);
	gen_fill(x, len, 0, e->salt[lsn]);
	if (memcmp(x, rec, len) != 0)
		e->errors++;
	free(x);
	if (e->calls > 0 && lsn <= e->last)
		e->errors++;
	e->seen[lsn]++;
	e->calls++;
	e->last = lsn;
	return 0;
}

static void concurrent_case(wal_mode_t mode)
{
	char *dir = test_dir_new();
	wal_t *w = open_ok(dir, mode, 64 * 1024);
	conc_arg_t *args = calloc(CONC_THREADS, sizeof *args);
	pthread_t th[CONC_THREADS];
	for (int t = 0; t < CONC_THREADS; t++) {
		args[t].w = w;
		args[t].id = t;
		assert_int_equal(pthread_create(&th[t], NULL, conc_main, &args[t]), 0);
	}
	for (int t = 0; t < CONC_THREADS; t++)
		pthread_join(th[t], NULL);
	const uint64_t total = CONC_THREADS * CONC_PER_THREAD;
	wal_stats_t st;
	wal_stats(w, &st);
	assert_int_equal(st.appends, total);
	assert_int_equal(st.last_lsn, total);
	if (mode == WAL_SYNC) {
		assert_int_equal(st.synced_lsn, total);
		/* at most one fsync per append, plus one per roll and the open's */
		assert_true(st.fsyncs <= st.appends + 2 * st.segments + 1);
		print_message("SYNC, %d threads: %llu appends, %llu fsyncs, %llu segments\n",
			      CONC_THREADS, (unsigned long long)st.appends,
			      (unsigned long long)st.fsyncs, (unsigned long long)st.segments);
	}
	close_ok(w);

	expect_t e;
	expect_init(&e, total + 1);
	for (int t = 0; t < CONC_THREADS; t++) {
		assert_int_equal(args[t].failures, 0);
		for (int i = 0; i < CONC_PER_THREAD; i++) {
			uint64_t l = args[t].lsn[i];
			assert_true(l >= 1 && l <= total);
			assert_int_equal(e.size[l], 0); /* lsns are unique */
			expect_set(&e, l, args[t].size[i], (uint64_t)t * 100000 + (uint64_t)i);
		}
		/* each thread's lsns increase */
		for (int i = 1; i < CONC_PER_THREAD; i++)
			assert_true(args[t].lsn[i] > args[t].lsn[i - 1]);
	}
	larch_error_t err = {0};
	assert_int_equal(wal_replay(dir, 0, conc_cb, &e, NULL, &err), LARCH_OK);
	assert_int_equal(e.errors, 0);
	assert_int_equal(e.calls, total);
	for (uint64_t l = 1; l <= total; l++)
		assert_int_equal(e.seen[l], 1);
	assert_true(count_segments(dir) > 1); /* rolled under concurrency */
	expect_free(&e);
	free(args);
	test_dir_done(dir);
}

static void test_concurrent_sync(void **state)
{
	(void)state;
	concurrent_case(WAL_SYNC);
}

static void test_concurrent_async(void **state)
{
	(void)state;
	concurrent_case(WAL_ASYNC);
}

/*---------------------------------------------------------------------------
 * Failures: writes, allocations, arguments
 *---------------------------------------------------------------------------*/

/* A file size limit makes the kernel accept part of a frame and then refuse
 * the rest (EFBIG): the append fails, the partial frame is cut off, no lsn
 * is consumed, and the log goes on once there is room again. */
static void test_write_error_is_undone(void **state)
{
	(void)state;
	char *dir = test_dir_new();
	expect_t e;
	expect_init(&e, 8);
	wal_t *w = open_ok(dir, WAL_ASYNC, 0);
	append_gen(w, &e, 1, 100, 2, 0);
	char path[PATH_MAX];
	seg_path(path, dir, 1);
	long size1 = file_size(path);
	assert_int_equal(size1, 32 + 116);

	struct rlimit old, lim;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	void (*oldsig)(int) = signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = (rlim_t)size1 + 50;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	uint8_t buf[100];
	gen_fill(buf, sizeof buf, 2, 2);
	uint64_t lsn = 0;
	larch_error_t err = {0};
	int rc = wal_append(w, buf, sizeof buf, &lsn, &err);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, oldsig);
	assert_int_equal(rc, LARCH_STORAGE_ERROR);
	assert_non_null(strstr(err.msg, "wal-00000000000000000001.log offset 148"));
	assert_int_equal(file_size(path), size1);
	assert_int_equal(last_lsn(w), 1);

	append_gen(w, &e, 2, 100, 2, 1);
	close_ok(w);
	replay_expect_range(dir, &e, 0, 1, 2);
	expect_free(&e);
	test_dir_done(dir);
}

static int count_cb(void *ctx, uint64_t lsn, const uint8_t *rec, size_t len)
{
	(void)lsn;
	(void)rec;
	(void)len;
	(*(uint64_t *)ctx)++;
	return 0;
}

/* One pass of open/append/roll/checkpoint/replay/close; returns the first
 * non-OK status (NO_MEMORY is the only acceptable one). */
static int oom_pass(const char *dir)
{
	wal_options_t o = {WAL_ASYNC, 20, 1024};
	wal_t *w = NULL;
	larch_error_t err = {0};
	int rc = wal_open(dir, &o, &w, &err);
	if (rc != LARCH_OK) {
		assert_null(w);
		return rc;
	}
	uint8_t buf[600] = {1, 2, 3};
	for (int i = 0; i < 4 && rc == LARCH_OK; i++)
		rc = wal_append(w, buf, sizeof buf, NULL, &err);
	uint64_t last = last_lsn(w);
	if (rc == LARCH_OK)
		rc = wal_checkpoint(w, last, &err);
	int crc = wal_close(w, &err);
	if (rc == LARCH_OK)
		rc = crc;
	if (rc == LARCH_OK) {
		uint64_t n = 0;
		rc = wal_replay(dir, 0, count_cb, &n, NULL, &err);
		if (rc == LARCH_OK)
			assert_true(n >= 1);
	}
	return rc;
}

static void test_out_of_memory(void **state)
{
	(void)state;
	char *dir = test_dir_new();
	size_t base = mem_used();
	int failed = 0, done = 0;
	for (long n = 0; n < 100 && !done; n++) {
		char sub[PATH_MAX];
		snprintf(sub, sizeof sub, "%s/%ld", dir, n);
		mem_fail_after(n);
		int rc = oom_pass(sub);
		mem_fail_after(-1);
		assert_int_equal(mem_used(), base);
		if (rc == LARCH_NO_MEMORY) {
			failed++;
			/* the directory is still usable once memory is back */
			assert_int_equal(oom_pass(sub), LARCH_OK);
		} else {
			assert_int_equal(rc, LARCH_OK);
			done = 1;
		}
		assert_int_equal(mem_used(), base);
	}
	assert_true(done);
	assert_true(failed >= 3); /* handle, path, segment lists */
	test_dir_done(dir);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	char *dir = test_dir_new();
	larch_error_t err = {0};
	wal_t *w = (wal_t *)&err; /* must be reset to NULL on failure */
	assert_int_equal(wal_open(NULL, NULL, &w, &err), LARCH_ILLEGAL_PARAMETER);
	assert_null(w);
	assert_int_equal(wal_open("", NULL, &w, &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(wal_open(dir, NULL, NULL, &err), LARCH_ILLEGAL_PARAMETER);
	wal_options_t o = {(wal_mode_t)7, 0, 0};
	assert_int_equal(wal_open(dir, &o, &w, &err), LARCH_ILLEGAL_PARAMETER);
	assert_non_null(strstr(err.msg, "mode"));
	o = (wal_options_t){WAL_SYNC, 0, 100};
	assert_int_equal(wal_open(dir, &o, &w, &err), LARCH_ILLEGAL_PARAMETER);
	assert_non_null(strstr(err.msg, "segment_bytes"));
	char *longp = malloc(PATH_MAX + 10);
	memset(longp, 'a', PATH_MAX + 9);
	longp[PATH_MAX + 9] = '\0';
	assert_int_equal(wal_open(longp, NULL, &w, &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(wal_replay(longp, 0, count_cb, NULL, NULL, &err),
			 LARCH_ILLEGAL_PARAMETER);
	free(longp);
	/* a regular file where the directory should be */
	char file[PATH_MAX];
	snprintf(file, sizeof file, "%s/plain", dir);
	file_write(file, (const uint8_t *)"x", 1);
	assert_int_equal(wal_open(file, NULL, &w, &err), LARCH_STORAGE_ERROR);
	assert_non_null(strstr(err.msg, "plain"));
	uint64_t n = 0;
	assert_int_equal(wal_replay(file, 0, count_cb, &n, NULL, &err), LARCH_STORAGE_ERROR);

	w = open_ok(dir, WAL_SYNC, 0);
	uint8_t b[4] = {0};
	uint64_t lsn = 0;
	assert_int_equal(wal_append(NULL, b, 4, &lsn, &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(wal_append(w, NULL, 4, &lsn, &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(wal_append(w, b, 0, &lsn, &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(wal_append(w, b, WAL_MAX_RECORD + 1, &lsn, &err),
			 LARCH_ILLEGAL_PARAMETER);
	assert_non_null(strstr(err.msg, "larger"));
	struct iovec big[2] = {{b, WAL_MAX_RECORD}, {b, 1}};
	assert_int_equal(wal_appendv(w, big, 2, &lsn, &err), LARCH_ILLEGAL_PARAMETER);
	struct iovec empty[2] = {{b, 0}, {NULL, 0}};
	assert_int_equal(wal_appendv(w, empty, 2, &lsn, &err), LARCH_ILLEGAL_PARAMETER);
	assert_non_null(strstr(err.msg, "empty"));
	struct iovec nullp[1] = {{NULL, 3}};
	assert_int_equal(wal_appendv(w, nullp, 1, &lsn, &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(wal_appendv(w, big, 0, &lsn, &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(wal_appendv(w, big, WAL_MAX_IOV + 1, &lsn, &err),
			 LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(wal_appendv(w, NULL, 1, &lsn, &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(lsn, 0);
	assert_int_equal(last_lsn(w), 0); /* nothing consumed an lsn */
	assert_int_equal(wal_append(w, b, 4, NULL, &err), LARCH_OK); /* lsn optional */
	assert_int_equal(wal_append(w, b, 4, &lsn, &err), LARCH_OK);
	assert_int_equal(lsn, 2);
	assert_int_equal(wal_sync(NULL, &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(wal_checkpoint(NULL, 0, &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(wal_checkpoint(w, 3, &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(wal_replay(NULL, 0, count_cb, &n, NULL, &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(wal_replay(dir, 0, NULL, &n, NULL, &err), LARCH_ILLEGAL_PARAMETER);
	wal_stats(w, NULL);
	wal_stats_t st;
	wal_stats(NULL, &st);
	assert_int_equal(st.appends, 0);
	close_ok(w);
	assert_int_equal(wal_close(NULL, &err), LARCH_OK);
	test_dir_done(dir);
}

static void test_replay_edges(void **state)
{
	(void)state;
	char *dir = test_dir_new();
	larch_error_t err = {0};
	uint64_t n = 0, bytes = 99;
	/* a missing directory is an empty log */
	char missing[PATH_MAX];
	snprintf(missing, sizeof missing, "%s/none", dir);
	assert_int_equal(wal_replay(missing, 0, count_cb, &n, &bytes, &err), LARCH_OK);
	assert_int_equal(n, 0);
	assert_int_equal(bytes, 0);
	assert_false(file_exists(missing)); /* replay changes nothing */

	/* wal_open creates missing parents */
	char nested[PATH_MAX];
	snprintf(nested, sizeof nested, "%s/a/b/c", dir);
	expect_t e;
	expect_init(&e, 16);
	wal_t *w = open_ok(nested, WAL_SYNC, 0);
	for (uint64_t l = 1; l <= 5; l++)
		append_gen(w, &e, l, (uint32_t)(40 * l), 6, 0);
	close_ok(w);
	/* the callback's non-zero result stops the replay and is returned */
	expect_reset_seen(&e);
	e.stop_at = 3;
	assert_int_equal(wal_replay(nested, 0, check_cb, &e, NULL, &err), 7);
	assert_int_equal(e.calls, 3);
	e.stop_at = 0;
	replay_expect_range(nested, &e, 2, 3, 5);
	expect_free(&e);
	test_dir_done(dir);
}

/* A record at the size limit round-trips (and one byte more is refused,
 * see test_bad_arguments). */
static void test_large_record(void **state)
{
	(void)state;
	char *dir = test_dir_new();
	expect_t e;
	expect_init(&e, 4);
	wal_t *w = open_ok(dir, WAL_ASYNC, 0);
	append_gen(w, &e, 1, 5, 1, 0);
	append_gen(w, &e, 2, (uint32_t)WAL_MAX_RECORD, 1, 1);
	append_gen(w, &e, 3, 5, 1, 0);
	close_ok(w);
	replay_expect_range(dir, &e, 0, 1, 3);
	expect_free(&e);
	test_dir_done(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_random_sizes),
		cmocka_unit_test(test_lsn_continuity_across_reopen),
		cmocka_unit_test(test_segment_roll_and_checkpoint),
		cmocka_unit_test(test_torn_tail_every_offset),
		cmocka_unit_test(test_torn_tail_alone_in_segment),
		cmocka_unit_test(test_bit_flips_in_tail),
		cmocka_unit_test(test_format_bytes),
		cmocka_unit_test(test_crafted_frames),
		cmocka_unit_test(test_corrupt_old_segment),
		cmocka_unit_test(test_damaged_last_header),
		cmocka_unit_test(test_stray_files),
		cmocka_unit_test(test_off_mode),
		cmocka_unit_test(test_async_background_fsync),
		cmocka_unit_test(test_concurrent_sync),
		cmocka_unit_test(test_concurrent_async),
		cmocka_unit_test(test_write_error_is_undone),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_replay_edges),
		cmocka_unit_test(test_large_record),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
