/*
 * fuzz_rpc — libFuzzer target for src/rpc's request side: the input is one
 * Thrift message (a frame body).  It goes through rpc_decode_request (the
 * protocol picked by its first byte), the payload parsers of whatever
 * request decoded (record values, tablets, templates), and a generic skip
 * of the same bytes as a struct in BOTH protocols.  Any input must give a
 * request or a clean error: no crash, no leak, no unbounded allocation or
 * recursion.  Seeds: real requests written by the official Python client
 * (tests/unit/rpc/gen_vectors.py), binary and compact.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/rpc.h"

static void parse_payloads(const rpc_request_t *req, arena_t *a)
{
	larch_error_t err = {0};
	rpc_tablet_t t;
	rpc_template_t tpl;
	switch (req->method) {
	case RPC_M_INSERT_TABLET:
		rpc_parse_insert_tablet(req->msg, a, &t, &err);
		break;
	case RPC_M_INSERT_TABLETS: {
		const rpc_insert_tablets_req_t *q = req->msg;
		for (size_t i = 0; i < q->prefix_paths.n; i++)
			if (rpc_parse_insert_tablets_item(q, i, a, &t, &err))
				break;
		break;
	}
	case RPC_M_INSERT_RECORD: {
		const rpc_insert_record_req_t *q = req->msg;
		tsfile_point_t *p = arena_calloc(a, q->measurements.n + 1, sizeof *p);
		uint8_t *infer = arena_calloc(a, q->measurements.n + 1, 1);
		if (p && infer)
			rpc_parse_record_values(q->values, (const char *const *)q->measurements.v,
						q->measurements.n, p, infer, &err);
		break;
	}
	case RPC_M_CREATE_SCHEMA_TEMPLATE:
		rpc_parse_template(((const rpc_create_template_req_t *)req->msg)->serialized_template,
				   a, &tpl, &err);
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1u << 20))
		return 0;
	arena_t *a = arena_new(0);
	if (!a)
		return 0;
	rpc_request_t req;
	larch_error_t err = {0};
	if (rpc_decode_request(data, size, a, &req, &err) == LARCH_OK) {
		parse_payloads(&req, a);
		buf_t out = BUF_INIT;
		rpc_status_t st = {.code = 200};
		if (rpc_method_result(req.method) == RPC_R_STATUS)
			rpc_encode_reply(&out, &req, &st, &err);
		buf_free(&out);
	}
	for (int proto = 0; proto < 2; proto++) {
		rpc_reader_t tr;
		rpc_reader_init(&tr, (rpc_proto_t)proto, data, size);
		rpc_skip(&tr, RPC_T_STRUCT);
	}
	arena_free(a);
	return 0;
}
