/*
 * Unit tests for src/rpc's Thrift protocols and hostile input: primitive
 * round trips in both protocols against a random model, the compact
 * header bytes of the reference, frames, unknown-field skipping, missing
 * required fields, and malformed messages (truncation at every byte of the
 * official client's vectors, random byte flips, deep nesting, huge
 * declared sizes) -> clean errors, no crash, no big allocation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>

#include "rpc_test.h"

enum { N_OPS = 2000 };

/* Write a random sequence of fields in a struct, read it back. */
static void test_roundtrip_random(void **state)
{
	(void)state;
	srand(7);
	for (int proto = 0; proto < 2; proto++) {
		static int kind[N_OPS];
		static int64_t val[N_OPS];
		buf_t b = BUF_INIT;
		rpc_writer_t w;
		rpc_writer_init(&w, (rpc_proto_t)proto, &b);
		rpc_write_struct_begin(&w);
		for (int i = 0; i < N_OPS; i++) {
			kind[i] = rand() % 5;
			val[i] = (int64_t)(((uint64_t)rand() << 33) ^ ((uint64_t)rand() << 2) ^ (uint64_t)rand());
			int16_t id = (int16_t)(i % 40 == 0 ? 300 + i : (i % 15) + 1);
			switch (kind[i]) {
			case 0: rpc_write_field_bool(&w, id, (int)(val[i] & 1)); break;
			case 1: rpc_write_field_i32(&w, id, (int32_t)val[i]); break;
			case 2: rpc_write_field_i64(&w, id, val[i]); break;
			case 3: rpc_write_field(&w, RPC_T_DOUBLE, id);
				rpc_write_double(&w, (double)val[i] / 3.0); break;
			case 4: {
				char s[32];
				snprintf(s, sizeof s, "v%lld", (long long)val[i]);
				rpc_write_field_string(&w, id, s);
			}
			}
		}
		rpc_write_struct_end(&w);
		assert_true(buf_ok(&b));

		rpc_reader_t tr;
		rpc_reader_init(&tr, (rpc_proto_t)proto, b.data, b.len);
		rpc_read_struct_begin(&tr);
		for (int i = 0; i < N_OPS; i++) {
			int t;
			int16_t id;
			assert_true(rpc_read_field_begin(&tr, &t, &id));
			assert_int_equal(id, i % 40 == 0 ? 300 + i : (i % 15) + 1);
			switch (kind[i]) {
			case 0: assert_int_equal(t, RPC_T_BOOL);
				assert_int_equal(rpc_read_bool(&tr), val[i] & 1); break;
			case 1: assert_int_equal(rpc_read_i32(&tr), (int32_t)val[i]); break;
			case 2: assert_int_equal(rpc_read_i64(&tr), val[i]); break;
			case 3: assert_true(rpc_read_double(&tr) == (double)val[i] / 3.0); break;
			case 4: {
				char s[32];
				size_t n;
				snprintf(s, sizeof s, "v%lld", (long long)val[i]);
				const uint8_t *p = rpc_read_binary(&tr, &n);
				assert_int_equal(n, strlen(s));
				assert_memory_equal(p, s, n);
			}
			}
		}
		int t;
		int16_t id;
		assert_false(rpc_read_field_begin(&tr, &t, &id));
		rpc_read_struct_end(&tr);
		assert_true(rpc_reader_ok(&tr));
		assert_int_equal(rd_left(&tr.r), 0);
		buf_free(&b);
	}
}

/* The compact message header of the reference: 82 21 00 0b "openSession";
 * and containers with more than 14 elements use the long list header. */
static void test_compact_header_bytes(void **state)
{
	(void)state;
	buf_t b = BUF_INIT;
	rpc_writer_t w;
	rpc_writer_init(&w, RPC_COMPACT, &b);
	rpc_write_message_begin(&w, "openSession", 11, RPC_CALL, 0);
	assert_memory_equal(b.data, "\x82\x21\x00\x0b" "openSession", 15);
	buf_reset(&b);
	rpc_write_list_begin(&w, RPC_T_I32, 20);
	rpc_write_map_begin(&w, RPC_T_STRING, RPC_T_I32, 0);
	rpc_write_map_begin(&w, RPC_T_STRING, RPC_T_I32, 2);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.data, "\xf5\x14\x00\x02\x85", 5);
	buf_free(&b);
}

static void test_frames(void **state)
{
	(void)state;
	size_t n;
	larch_error_t err = {0};
	assert_int_equal(rpc_frame_length((const uint8_t *)"\x00\x00\x00\x2a", 0, &n, &err),
			 LARCH_OK);
	assert_int_equal(n, 42);
	assert_int_equal(rpc_frame_length((const uint8_t *)"\x04\x00\x00\x01", 0, &n, &err),
			 RPC_FRAME_OVERSIZE);
	assert_int_equal(rpc_frame_length((const uint8_t *)"\x00\x00\x10\x00", 100, &n, &err),
			 RPC_FRAME_OVERSIZE);
	assert_int_equal(rpc_frame_length((const uint8_t *)"\xff\xff\xff\xff", 0, &n, &err),
			 LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(rpc_frame_length((const uint8_t *)"\x00\x00\x00\x00", 0, &n, &err),
			 LARCH_ILLEGAL_PARAMETER);
	buf_t b = BUF_INIT;
	buf_put_u8(&b, 9);
	size_t at = rpc_frame_begin(&b);
	buf_put(&b, "abc", 3);
	rpc_frame_end(&b, at);
	assert_memory_equal(b.data, "\x09\x00\x00\x00\x03" "abc", 8);
	buf_free(&b);
}

/* A requestStatementId call whose args struct holds extra fields of every
 * kind before and after the real one; `extra` adds nested junk. */
static void build_call(buf_t *b, rpc_proto_t proto, int with_session, int nesting)
{
	rpc_writer_t w;
	rpc_writer_init(&w, proto, b);
	rpc_write_message_begin(&w, "requestStatementId", 18, RPC_CALL, 77);
	rpc_write_struct_begin(&w);
	rpc_write_field_bool(&w, 9, 1);
	rpc_write_field(&w, RPC_T_MAP, 10);
	rpc_write_map_begin(&w, RPC_T_STRING, RPC_T_DOUBLE, 1);
	rpc_write_string(&w, "k");
	rpc_write_double(&w, 2.5);
	rpc_write_field(&w, RPC_T_SET, 11);
	rpc_write_list_begin(&w, RPC_T_BOOL, 2);
	rpc_write_bool(&w, 1);
	rpc_write_bool(&w, 0);
	if (with_session)
		rpc_write_field_i32(&w, 1, 5); /* id 1 with the wrong type: skipped */
	if (with_session)
		rpc_write_field_i64(&w, 1, 4242);
	/* a struct of nested lists `nesting` deep */
	rpc_write_field(&w, RPC_T_STRUCT, 12);
	buf_put_u8(b, 0);   /* an empty nested struct */
	rpc_write_field(&w, RPC_T_LIST, 13);
	for (int i = 0; i < nesting; i++)
		rpc_write_list_begin(&w, RPC_T_LIST, 1);
	rpc_write_list_begin(&w, RPC_T_I16, 1);
	rpc_write_i16(&w, -3);
	rpc_write_struct_end(&w);
	assert_true(buf_ok(b));
}

static int decode(const buf_t *b, rpc_request_t *req, larch_error_t *err)
{
	arena_t *a = arena_new(0);
	int rc = rpc_decode_request(b->data, b->len, a, req, err);
	if (rc == LARCH_OK)
		assert_int_equal(((const rpc_session_req_t *)req->msg)->session_id, 4242);
	arena_free(a);
	return rc;
}

static void test_unknown_fields_skipped(void **state)
{
	(void)state;
	for (int proto = 0; proto < 2; proto++) {
		buf_t b = BUF_INIT;
		rpc_request_t req;
		larch_error_t err = {0};
		build_call(&b, (rpc_proto_t)proto, 1, 10);
		assert_int_equal(decode(&b, &req, &err), LARCH_OK);
		assert_int_equal(req.seqid, 77);
		assert_int_equal(req.method, RPC_M_REQUEST_STATEMENT_ID);

		buf_reset(&b);
		build_call(&b, (rpc_proto_t)proto, 0, 0);
		assert_int_equal(decode(&b, &req, &err), LARCH_ILLEGAL_PARAMETER);
		assert_non_null(strstr(err.msg, "session_id"));

		buf_reset(&b);
		build_call(&b, (rpc_proto_t)proto, 1, 200);
		assert_int_equal(decode(&b, &req, &err), LARCH_ILLEGAL_PARAMETER);
		assert_non_null(strstr(err.msg, "nesting"));
		buf_free(&b);
	}
}

static void test_unknown_method_and_header(void **state)
{
	(void)state;
	arena_t *a = arena_new(0);
	rpc_request_t req;
	larch_error_t err = {0};
	static const uint8_t unknown[] = "\x80\x01\x00\x01\x00\x00\x00\x03" "foo" "\x00\x00\x00\x05\x00";
	assert_int_equal(rpc_decode_request(unknown, sizeof unknown - 1, a, &req, &err),
			 LARCH_UNSUPPORTED);
	assert_string_equal(req.name, "foo");
	assert_int_equal(req.seqid, 5);
	assert_int_equal(req.method, RPC_M_UNKNOWN);
	static const uint8_t junk[] = "GET / HTTP/1.1";
	assert_int_equal(rpc_decode_request(junk, sizeof junk - 1, a, &req, &err),
			 LARCH_ILLEGAL_PARAMETER);
	/* a reply is not a call */
	static const uint8_t reply[] = "\x80\x01\x00\x02\x00\x00\x00\x03" "foo" "\x00\x00\x00\x05\x00";
	assert_int_equal(rpc_decode_request(reply, sizeof reply - 1, a, &req, &err),
			 LARCH_ILLEGAL_PARAMETER);
	arena_free(a);
}

/* Huge declared sizes: a list of 2^31-1 strings, a 2 GB string, a map of
 * 2^32-1 entries (compact) -> errors, and the arena stays small. */
static void test_huge_lengths(void **state)
{
	(void)state;
	static const char *const frames[][2] = {
		/* deleteTimeseries(1: sessionId, 2: list<string> of 0x7fffffff) */
		{"800100010000001064656c65746554696d65736572696573000000000a00010000000000000001"
		 "0f00020b7fffffff00000001610000", "list size larger"},
		/* setStorageGroup(2: string of 0x7ffffff0 bytes) */
		{"800100010000000f73657453746f7261676547726f7570000000000a0001000000000000000"
		 "10b00027ffffff0616263", "string longer"},
		/* compact openSession with configuration map of 0xffffffff entries */
		{"8221000b6f70656e53657373696f6e1c15041801301801721801721bffffffff0f880000",
		 "map size larger"},
		/* negative list size */
		{"800100010000001064656c65746554696d65736572696573000000000a00010000000000000001"
		 "0f00020bffffff0000", "list size larger"},
	};
	for (size_t i = 0; i < LR_ARRAY_LEN(frames); i++) {
		size_t n;
		uint8_t *f = hex_decode(frames[i][0], &n);
		arena_t *a = arena_new(4096);
		rpc_request_t req;
		larch_error_t err = {0};
		size_t before = mem_used();
		assert_int_equal(rpc_decode_request(f, n, a, &req, &err), LARCH_ILLEGAL_PARAMETER);
		if (!strstr(err.msg, frames[i][1]))
			fail_msg("frame %zu: '%s' lacks '%s'", i, err.msg, frames[i][1]);
		assert_true(arena_used(a) < 4096);
		assert_true(mem_used() - before < 64 * 1024);
		arena_free(a);
		mem_free(f);
	}
}

/* Every strict prefix of every official vector fails cleanly; random byte
 * flips never crash (decoded or refused, nothing else). */
static void test_truncation_and_flips(void **state)
{
	(void)state;
	srand(11);
	arena_t *a = arena_new(0);
	for (size_t v = 0; v < LR_ARRAY_LEN(all_vectors); v++) {
		size_t n;
		uint8_t *f = hex_decode(all_vectors[v].hex, &n);
		rpc_request_t req;
		larch_error_t err = {0};
		assert_int_equal(rpc_decode_request(f, n, a, &req, &err), LARCH_OK);
		for (size_t cut = 0; cut < n; cut++) {
			arena_reset(a);
			uint8_t *copy = mem_alloc(cut + 1); /* exact size: ASan sees overreads */
			memcpy(copy, f, cut);
			int rc = rpc_decode_request(copy, cut, a, &req, &err);
			if (rc == LARCH_OK)
				fail_msg("%s: prefix of %zu bytes decoded", all_vectors[v].name, cut);
			mem_free(copy);
		}
		for (int k = 0; k < 300; k++) {
			uint8_t *copy = mem_alloc(n);
			memcpy(copy, f, n);
			for (int j = 0; j < 1 + k % 4; j++)
				copy[rand() % n] ^= (uint8_t)(1 + rand() % 255);
			arena_reset(a);
			int rc = rpc_decode_request(copy, n, a, &req, &err);
			assert_true(rc == LARCH_OK || rc == LARCH_ILLEGAL_PARAMETER ||
				    rc == LARCH_UNSUPPORTED);
			mem_free(copy);
		}
		mem_free(f);
	}
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_random),
		cmocka_unit_test(test_compact_header_bytes),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_unknown_fields_skipped),
		cmocka_unit_test(test_unknown_method_and_header),
		cmocka_unit_test(test_huge_lengths),
		cmocka_unit_test(test_truncation_and_flips),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
