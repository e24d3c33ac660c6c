/*
 * Unit tests for column-encoded tablets (insertTablet with isCompressed =
 * true, src/rpc/payload.c) against the official Java client's bytes.
 *
 * The vectors (gen/tablet_vectors.h) were written by gen/TabletVectors.java:
 * the TSInsertTabletReq fields timestamps, values, encodingTypes and
 * compressType that org.apache.iotdb:iotdb-session 2.0.7 builds
 * (Session.genTSInsertTabletReq, through reflection) for tablets of every
 * data type with nulls, under the default encodings, PLAIN, RLE +
 * DICTIONARY, GORILLA for integers + TS_2DIFF for floats, ZIGZAG and CHIMP,
 * compressed with none, SNAPPY, LZ4, ZSTD, GZIP and LZMA2 (and one request
 * the Java session builds wrongly, which must be refused).  The program
 * checked each request with IoTDB's own decoding before printing it, and
 * printed the source tablets beside them: every decoded value here is
 * compared with those (lossy FLOAT/DOUBLE encodings with the values IoTDB's
 * decoders give back).  Then the same requests cut at every byte, with
 * corrupted lengths, wrong encodings and flipped bytes must fail cleanly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "../helpers/hex.h"
#include "rpc/rpc.h"

typedef struct tv_column {
	const char *name;
	int type;
	const char *nulls;          /* '1' per null row */
	const uint64_t *num;        /* non-binary: value bits (ints sign-extended) */
	const char *const *hex;     /* binary: the bytes as hex */
} tv_column_t;

typedef struct tv_dataset {
	const char *device;
	int rows;
	int n_cols;
	const int64_t *times;
	const tv_column_t *cols;
} tv_dataset_t;

typedef struct tv_vector {
	const char *label;
	const tv_dataset_t *ds;
	int compress;
	const char *encodings;      /* hex, time first */
	const char *times;          /* hex of field 5 */
	const char *values;         /* hex of field 4 */
	const uint64_t *const *lossy; /* per column: IoTDB's decoded bits, or NULL */
} tv_vector_t;

#include "gen/tablet_vectors.h"

/* A request built from a vector; owns its decoded buffers. */
typedef struct req {
	rpc_insert_tablet_req_t q;
	char *names[16];
	int32_t types[16];
	uint8_t *enc, *times, *values;
} req_t;

static void req_init(req_t *r, const tv_vector_t *v)
{
	size_t n;
	memset(r, 0, sizeof *r);
	assert_true(v->ds->n_cols <= 16);
	for (int c = 0; c < v->ds->n_cols; c++) {
		r->names[c] = (char *)v->ds->cols[c].name;
		r->types[c] = v->ds->cols[c].type;
	}
	r->q.prefix_path = (char *)v->ds->device;
	r->q.measurements = (rpc_strs_t){r->names, (size_t)v->ds->n_cols};
	r->q.types = (rpc_i32s_t){r->types, (size_t)v->ds->n_cols};
	r->q.size = v->ds->rows;
	r->enc = hex_decode(v->encodings, &n);
	r->q.encoding_types = (rpc_u8s_t){r->enc, n};
	r->times = hex_decode(v->times, &n);
	r->q.timestamps = (rpc_bin_t){r->times, n};
	r->values = hex_decode(v->values, &n);
	r->q.values = (rpc_bin_t){r->values, n};
	r->q.is_compressed = 1;
	r->q.compress_type = (int8_t)v->compress;
	r->q.isset = (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 7) |
		     (1u << 11) | (1u << 12) | (1u << 13);
}

static void req_free(req_t *r)
{
	mem_free(r->enc);
	mem_free(r->times);
	mem_free(r->values);
}

static int parse(const rpc_insert_tablet_req_t *q, larch_error_t *err)
{
	arena_t *a = arena_new(0);
	rpc_tablet_t t;
	int rc = rpc_parse_insert_tablet(q, a, &t, err);
	arena_free(a);
	return rc;
}

static int label_has(const tv_vector_t *v, const char *what)
{
	return strstr(v->label, what) != NULL;
}

/* The bits of row i of a decoded non-binary column, as the generator
 * printed them (integers sign-extended, FLOAT/DOUBLE raw bits). */
static uint64_t decoded_bits(const tsfile_column_t *col, size_t i)
{
	switch (col->type) {
	case TSFILE_BOOLEAN: return ((const uint8_t *)col->values)[i];
	case TSFILE_INT32:
	case TSFILE_DATE: return (uint64_t)(int64_t)((const int32_t *)col->values)[i];
	case TSFILE_FLOAT: return ((const uint32_t *)col->values)[i];
	default: return ((const uint64_t *)col->values)[i];
	}
}

static void check_column(const tv_vector_t *v, int c, const tsfile_column_t *col)
{
	const tv_column_t *want = &v->ds->cols[c];
	assert_string_equal(col->name, want->name);
	assert_int_equal(col->type, want->type);
	for (int i = 0; i < v->ds->rows; i++) {
		int null = want->nulls[i] == '1';
		if ((col->is_null && col->is_null[i]) != null)
			fail_msg("%s: column %s row %d: null flag", v->label, want->name, i);
		if (null)
			continue;
		if (want->hex) {
			size_t n;
			uint8_t *b = hex_decode(want->hex[i], &n);
			const tsfile_bytes_t *got = &((const tsfile_bytes_t *)col->values)[i];
			if (got->len != n || (n && memcmp(got->ptr, b, n)))
				fail_msg("%s: column %s row %d: bytes differ", v->label, want->name, i);
			mem_free(b);
			continue;
		}
		uint64_t exp = v->lossy[c] ? v->lossy[c][i] : want->num[i];
		if (decoded_bits(col, i) != exp)
			fail_msg("%s: column %s row %d: %#llx, expected %#llx", v->label, want->name,
				 i, (unsigned long long)decoded_bits(col, i),
				 (unsigned long long)exp);
	}
}

/* Every vector decodes to its source tablet; CHIMP is refused as
 * unsupported, the JAVA-BROKEN request (the Java session misplaces the
 * lossy float header; IoTDB cannot read it either, see TabletVectors.java)
 * as malformed. */
static void test_java_vectors(void **state)
{
	(void)state;
	for (size_t k = 0; k < LR_ARRAY_LEN(tv_vectors); k++) {
		const tv_vector_t *v = tv_vectors[k];
		req_t r;
		req_init(&r, v);
		arena_t *a = arena_new(0);
		rpc_tablet_t t;
		larch_error_t err = {0};
		int rc = rpc_parse_insert_tablet(&r.q, a, &t, &err);
		if (label_has(v, "CHIMP")) {
			assert_int_equal(rc, LARCH_UNSUPPORTED);
			assert_non_null(strstr(err.msg, "CHIMP"));
			assert_non_null(strstr(err.msg, "s1_int32"));
		} else if (label_has(v, "JAVA-BROKEN")) {
			assert_int_equal(rc, LARCH_ILLEGAL_PARAMETER);
		} else {
			if (rc)
				fail_msg("%s: %s", v->label, err.msg);
			assert_int_equal(t.tablet.n_rows, v->ds->rows);
			assert_int_equal(t.tablet.n_columns, v->ds->n_cols);
			assert_string_equal(t.tablet.target, v->ds->device);
			for (int i = 0; i < v->ds->rows; i++)
				assert_int_equal(t.tablet.times[i], v->ds->times[i]);
			for (int c = 0; c < v->ds->n_cols; c++)
				check_column(v, c, &t.tablet.columns[c]);
		}
		arena_free(a);
		req_free(&r);
	}
}

static const tv_vector_t *find(const char *label)
{
	for (size_t k = 0; k < LR_ARRAY_LEN(tv_vectors); k++)
		if (!strcmp(tv_vectors[k]->label, label))
			return tv_vectors[k];
	fail_msg("no vector '%s'", label);
	return NULL;
}

/* A copy of b[0..n) in a buffer of exactly n bytes (ASan sees over-reads). */
static rpc_bin_t exact_copy(const uint8_t *b, size_t n, uint8_t **own)
{
	*own = mem_alloc(n ? n : 1);
	assert_non_null(*own);
	if (n)
		memcpy(*own, b, n);
	return (rpc_bin_t){*own, n};
}

/*
 * Cut the timestamps, then the values, at every length: every cut time
 * buffer fails; a cut value buffer fails except at one length, the end of
 * the last column (a tablet without the bitmap trailer is well-formed: no
 * nulls), and only for uncompressed buffers.
 */
static void test_truncation_every_byte(void **state)
{
	(void)state;
	static const char *const labels[] = {
		"all13 default UNCOMPRESSED", "all13 default LZ4", "all13 PLAIN UNCOMPRESSED",
		"all13tame RLE+DICTIONARY UNCOMPRESSED",
		"all13tame GORILLA+TS_2DIFF float UNCOMPRESSED", "all13 ZIGZAG UNCOMPRESSED",
		"all13tame RLE+DICTIONARY SNAPPY", "all13 default GZIP",
	};
	for (size_t k = 0; k < LR_ARRAY_LEN(labels); k++) {
		const tv_vector_t *v = find(labels[k]);
		req_t r;
		req_init(&r, v);
		rpc_insert_tablet_req_t q = r.q;
		for (size_t cut = 0; cut < r.q.timestamps.len; cut++) {
			uint8_t *own;
			larch_error_t err = {0};
			q.timestamps = exact_copy(r.q.timestamps.ptr, cut, &own);
			if (parse(&q, &err) != LARCH_ILLEGAL_PARAMETER)
				fail_msg("%s: timestamps cut at %zu: %s", v->label, cut, err.msg);
			mem_free(own);
		}
		q.timestamps = r.q.timestamps;
		int accepted = 0;
		for (size_t cut = 0; cut < r.q.values.len; cut++) {
			uint8_t *own;
			larch_error_t err = {0};
			q.values = exact_copy(r.q.values.ptr, cut, &own);
			int rc = parse(&q, &err);
			if (rc == LARCH_OK)
				accepted++;
			else if (rc != LARCH_ILLEGAL_PARAMETER)
				fail_msg("%s: values cut at %zu: %d %s", v->label, cut, rc, err.msg);
			mem_free(own);
		}
		assert_int_equal(accepted, v->compress == 0 ? 1 : 0);
		req_free(&r);
	}
}

/* Refused with ILLEGAL_PARAMETER, the message holding `needle`. */
static void expect_refused(const rpc_insert_tablet_req_t *q, const char *needle)
{
	larch_error_t err = {0};
	int rc = parse(q, &err);
	if (rc != LARCH_ILLEGAL_PARAMETER || !strstr(err.msg, needle))
		fail_msg("expected ILLEGAL_PARAMETER with '%s', got %d: %s", needle, rc, err.msg);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Row counts, list lengths, compressType and declared sizes that lie. */
static void test_corrupted_lengths(void **state)
{
	(void)state;
	req_t r;
	req_init(&r, find("all13 default LZ4"));
	rpc_insert_tablet_req_t q = r.q;
	uint8_t *tail = r.values + r.q.values.len - 4;
	uint32_t real = load_be32(tail);

	put_be32(tail, 0x7fffffffu);    /* far beyond what 13 rows can take */
	expect_refused(&q, "uncompressed bytes");
	put_be32(tail, 0x80000000u);    /* negative */
	expect_refused(&q, "uncompressed bytes");
	put_be32(tail, real - 1);       /* the codec gives one more byte */
	expect_refused(&q, "values");
	put_be32(tail, real + 1);
	expect_refused(&q, "values");
	put_be32(tail, real);
	q.values.len = 3;               /* no room for the length */
	expect_refused(&q, "lack their length");
	q.values = r.q.values;

	q.size = 14;                    /* one row more than encoded */
	expect_refused(&q, "tablet 'root.tv.all13'");
	q.size = 12;
	expect_refused(&q, "tablet 'root.tv.all13'");
	q.size = INT32_MAX;             /* decoded columns would take > 256 MiB */
	expect_refused(&q, "limit");
	q.size = -1;
	expect_refused(&q, "-1 rows");
	q.size = r.q.size;

	q.encoding_types.n--;
	expect_refused(&q, "encodings");
	q.encoding_types = r.q.encoding_types;
	q.isset &= ~(1u << 12);
	expect_refused(&q, "encodings");
	q.isset = r.q.isset;
	q.compress_type = 5;
	expect_refused(&q, "compressType");
	q.compress_type = TSFILE_SNAPPY; /* another valid codec: the bytes are not its */
	expect_refused(&q, "timestamps: SNAPPY");
	q.compress_type = r.q.compress_type;
	assert_int_equal(parse(&q, NULL), LARCH_OK);
	req_free(&r);

	/* uncompressed: the TS_2DIFF block count of the time column, the RLE
	 * package length of the BOOLEAN column */
	req_init(&r, find("all13 default UNCOMPRESSED"));
	q = r.q;
	put_be32(r.times, 200);
	expect_refused(&q, "column 'time'");
	put_be32(r.times, 12);
	r.values[0] ^= 0x40;
	expect_refused(&q, "column 's0_boolean'");
	r.values[0] ^= 0x40;
	assert_int_equal(parse(&q, NULL), LARCH_OK);
	req_free(&r);
}

/* Encodings a column's type cannot have, unknown ids, valid encodings
 * whose stream is not there. */
static void test_wrong_encodings(void **state)
{
	(void)state;
	req_t r;
	req_init(&r, find("all13 default UNCOMPRESSED"));
	static const struct {
		int column; /* 0: time, c + 1: value column c */
		uint8_t enc;
		const char *needle;
	} cases[] = {
		{6, TSFILE_GORILLA, "column 's5_text': encoding 8 cannot hold TEXT"},
		{1, TSFILE_TS_2DIFF, "column 's0_boolean'"},
		{3, TSFILE_DICTIONARY, "column 's2_int64'"},
		{0, TSFILE_DICTIONARY, "column 'time'"},
		{0, 200, "column 'time': encoding 200"},
		{2, 3, "column 's1_int32': encoding 3"},
		{2, TSFILE_RLE, "column 's1_int32'"},     /* TS_2DIFF bytes read as RLE */
		{4, TSFILE_TS_2DIFF, "column 's3_float'"}, /* GORILLA bytes read as TS_2DIFF */
		{2, TSFILE_PLAIN, "tablet 'root.tv.all13'"},
	};
	for (size_t k = 0; k < LR_ARRAY_LEN(cases); k++) {
		uint8_t was = r.enc[cases[k].column];
		r.enc[cases[k].column] = cases[k].enc;
		expect_refused(&r.q, cases[k].needle);
		r.enc[cases[k].column] = was;
	}
	assert_int_equal(parse(&r.q, NULL), LARCH_OK);
	req_free(&r);
}

/* Every byte of every small vector flipped in turn: any status, no crash,
 * no over-read (exact-size copies under ASan). */
static void test_flipped_bytes(void **state)
{
	(void)state;
	for (size_t k = 0; k < LR_ARRAY_LEN(tv_vectors); k++) {
		const tv_vector_t *v = tv_vectors[k];
		if (v->ds->rows > 20)
			continue;
		req_t r;
		req_init(&r, v);
		rpc_bin_t *bufs[2] = {&r.q.timestamps, &r.q.values};
		for (int b = 0; b < 2; b++) {
			rpc_bin_t keep = *bufs[b];
			for (size_t i = 0; i < keep.len; i++) {
				uint8_t *own;
				*bufs[b] = exact_copy(keep.ptr, keep.len, &own);
				own[i] ^= (uint8_t)(0x5a + i);
				larch_error_t err = {0};
				int rc = parse(&r.q, &err);
				assert_true(rc == LARCH_OK || rc == LARCH_ILLEGAL_PARAMETER ||
					    rc == LARCH_UNSUPPORTED);
				mem_free(own);
			}
			*bufs[b] = keep;
		}
		req_free(&r);
	}
}

/* The plain and the column-encoded request of one tablet give the same
 * rpc_tablet_t: with every column PLAIN and no compression the Java
 * session's buffers are the plain tablet layout, so the same bytes sent as
 * a plain request must parse to the same columns. */
static void test_same_as_plain(void **state)
{
	(void)state;
	req_t r;
	req_init(&r, find("all13 PLAIN UNCOMPRESSED"));
	rpc_insert_tablet_req_t plain = r.q;
	plain.is_compressed = 0;
	plain.isset &= ~((1u << 11) | (1u << 12) | (1u << 13));
	arena_t *a = arena_new(0);
	rpc_tablet_t x, y;
	larch_error_t err = {0};
	assert_int_equal(rpc_parse_insert_tablet(&r.q, a, &x, &err), LARCH_OK);
	assert_int_equal(rpc_parse_insert_tablet(&plain, a, &y, &err), LARCH_OK);
	assert_int_equal(x.tablet.n_rows, y.tablet.n_rows);
	assert_memory_equal(x.tablet.times, y.tablet.times, 8 * x.tablet.n_rows);
	for (size_t c = 0; c < x.tablet.n_columns; c++) {
		const tsfile_column_t *p = &x.tablet.columns[c], *s = &y.tablet.columns[c];
		size_t es = tsfile_type_size(p->type);
		assert_int_equal(p->type, s->type);
		assert_int_equal(p->is_null == NULL, s->is_null == NULL);
		if (p->is_null)
			assert_memory_equal(p->is_null, s->is_null, x.tablet.n_rows);
		if (p->type != TSFILE_TEXT && p->type != TSFILE_STRING && p->type != TSFILE_BLOB)
			assert_memory_equal(p->values, s->values, es * x.tablet.n_rows);
	}
	arena_free(a);
	req_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_java_vectors),
		cmocka_unit_test(test_same_as_plain),
		cmocka_unit_test(test_truncation_every_byte),
		cmocka_unit_test(test_corrupted_lengths),
		cmocka_unit_test(test_wrong_encodings),
		cmocka_unit_test(test_flipped_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
