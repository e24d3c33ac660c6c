/*
 * Unit tests for src/rpc result encoding: the TsBlock worked example of the
 * wire reference (verified there against the real Python decoder), the V1
 * TSQueryDataSet bitmaps (bit set = present, MSB first, batches appended
 * across blocks), and a whole reply message's header bytes.  The Python
 * client's own decoders check these encoders in tests/compat/test_rpc_codec.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "rpc_test.h"

static const int64_t times[] = {1, 2};
static const int32_t ints[] = {10, 0};
static const uint8_t int_nulls[] = {0, 1};
static const tsfile_bytes_t texts[] = {{"ab", 2}, {NULL, 0}};
static const uint8_t bools[] = {1, 0};

/* rows t=1,2; INT32 [10, null]; TEXT ["ab", null]; BOOLEAN [true, false] */
static larch_block_t example_block(larch_column_t cols[3])
{
	cols[0] = (larch_column_t){TSFILE_INT32, ints, int_nulls};
	cols[1] = (larch_column_t){TSFILE_TEXT, texts, int_nulls};
	cols[2] = (larch_column_t){TSFILE_BOOLEAN, bools, NULL};
	return (larch_block_t){2, times, 3, cols};
}

static void test_tsblock_reference_example(void **state)
{
	(void)state;
	larch_column_t cols[3];
	larch_block_t b = example_block(cols);
	buf_t out = BUF_INIT;
	larch_error_t err = {0};
	assert_int_equal(rpc_tsblock_encode(&out, &b, 0, 2, &err), LARCH_OK);
	size_t n;
	uint8_t *want = hex_decode("00000003" "010500" "00000002" "02010300"
				   "00" "0000000000000001" "0000000000000002"
				   "01" "40" "0000000a"
				   "01" "40" "00000002" "6162"
				   "00" "80", &n);
	assert_int_equal(out.len, n);
	assert_memory_equal(out.data, want, n);
	mem_free(want);

	/* row range [1, 2): one row, everything null but the boolean */
	buf_reset(&out);
	assert_int_equal(rpc_tsblock_encode(&out, &b, 1, 1, &err), LARCH_OK);
	want = hex_decode("00000003" "010500" "00000001" "02010300" "00" "0000000000000002"
			  "01" "80" "01" "80" "00" "00", &n);
	assert_int_equal(out.len, n);
	assert_memory_equal(out.data, want, n);
	mem_free(want);
	/* empty and out-of-range row ranges are refused */
	assert_int_equal(rpc_tsblock_encode(&out, &b, 2, 0, &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(rpc_tsblock_encode(&out, &b, 1, 2, &err), LARCH_ILLEGAL_PARAMETER);
	cols[0].type = TSFILE_VECTOR;
	assert_int_equal(rpc_tsblock_encode(&out, &b, 0, 2, &err), LARCH_ILLEGAL_PARAMETER);
	buf_free(&out);
}

/* V1 bitmaps over two appends (5 rows then 6): bits continue across the
 * partial byte. */
static void test_qds_bitmaps_across_appends(void **state)
{
	(void)state;
	int64_t t[11];
	double d[11];
	uint8_t nulls[11] = {0};
	for (int i = 0; i < 11; i++) {
		t[i] = 100 + i;
		d[i] = i * 0.5;
	}
	nulls[1] = nulls[6] = nulls[10] = 1;
	larch_column_t col = {TSFILE_DOUBLE, d, nulls};
	larch_block_t b = {11, t, 1, &col};
	tsfile_type_t types[] = {TSFILE_DOUBLE};
	rpc_qds_t q;
	larch_error_t err = {0};
	assert_int_equal(rpc_qds_init(&q, types, 1, &err), LARCH_OK);
	assert_int_equal(rpc_qds_append(&q, &b, 0, 5, &err), LARCH_OK);
	assert_int_equal(rpc_qds_append(&q, &b, 5, 6, &err), LARCH_OK);
	assert_int_equal(q.n_rows, 11);
	assert_int_equal(q.time.len, 88);
	assert_int_equal(load_be64(q.time.data + 80), 110);
	/* present rows: all but 1, 6, 10 -> 1011 1101 | 110x xxxx */
	assert_int_equal(q.bitmaps[0].len, 2);
	assert_int_equal(q.bitmaps[0].data[0], 0xbd);
	assert_int_equal(q.bitmaps[0].data[1], 0xc0);
	assert_int_equal(q.values[0].len, 8 * 8);
	uint64_t u = load_be64(q.values[0].data + 8);  /* second present row = row 2 */
	double v;
	memcpy(&v, &u, 8);
	assert_true(v == 1.0);
	rpc_qds_reset(&q);
	assert_int_equal(q.n_rows, 0);
	assert_int_equal(q.bitmaps[0].len, 0);
	/* a block whose column type differs is refused */
	tsfile_type_t other[] = {TSFILE_INT64};
	rpc_qds_free(&q);
	assert_int_equal(rpc_qds_init(&q, other, 1, &err), LARCH_OK);
	assert_int_equal(rpc_qds_append(&q, &b, 0, 1, &err), LARCH_ILLEGAL_PARAMETER);
	rpc_qds_free(&q);
}

/* A requestStatementId reply, as the reference gives it:
 * 80 01 00 02 | 00 00 00 12 | name | seqid | 0a 00 00 <i64> | 00 */
static void test_reply_bytes(void **state)
{
	(void)state;
	rpc_request_t req = {.proto = RPC_BINARY, .method = RPC_M_REQUEST_STATEMENT_ID,
			     .seqid = 3};
	int64_t id = 1001;
	buf_t out = BUF_INIT;
	larch_error_t err = {0};
	assert_int_equal(rpc_encode_reply(&out, &req, &id, &err), LARCH_OK);
	size_t n;
	uint8_t *want = hex_decode("80010002" "00000012" "7265717565737453746174656d656e744964"
				   "00000003" "0a0000" "00000000000003e9" "00", &n);
	assert_int_equal(out.len, n);
	assert_memory_equal(out.data, want, n);
	mem_free(want);
	/* openSession reply begins as the reference shows */
	buf_reset(&out);
	req.method = RPC_M_OPEN_SESSION;
	req.seqid = 0;
	rpc_open_session_resp_t r = {.status = {.code = 200}, .server_protocol_version = 2,
				     .has_session_id = 1, .session_id = 1};
	assert_int_equal(rpc_encode_reply(&out, &req, &r, &err), LARCH_OK);
	want = hex_decode("800100020000000b6f70656e53657373696f6e000000000c00000c0001080001000000c8",
			  &n);
	assert_memory_equal(out.data, want, n);
	mem_free(want);
	buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tsblock_reference_example),
		cmocka_unit_test(test_qds_bitmaps_across_appends),
		cmocka_unit_test(test_reply_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
