/*
 * fuzz_client — libFuzzer target for the client's decoders of server
 * bytes (src/client/reply.c, tsblock.c).  Input: one mode byte, then a
 * reply message (frame body, sequence id 1).  Mode bits 0-2 pick the
 * result decoder (status, i64, openSession, execute, fetch, template
 * query; 6 and 7: the rest is one TsBlock); bit 3 the compact protocol.
 * Execute/fetch replies that decode have each of their TsBlocks decoded
 * too, as a data set does.  Any input must decode or fail cleanly: no
 * crash, no leak, no unbounded allocation or recursion.  Seeds: replies
 * written by larchd's encoder (rpc_encode_reply, rpc_tsblock_encode).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/client_int.h"

static const struct {
	const char *method;
	cl_result_fn fn;
} modes[6] = {
	{ "closeSession", cl_read_status_result },
	{ "requestStatementId", cl_read_i64_result },
	{ "openSession", cl_read_open_result },
	{ "executeQueryStatementV2", cl_read_exec_result },
	{ "fetchResultsV2", cl_read_fetch_result },
	{ "querySchemaTemplate", cl_read_template_result },
};

static void decode_blocks(const rpc_bin_t *b, size_t n, arena_t *a)
{
	larch_error_t err = { 0 };
	cl_tsblock_t tb;
	for (size_t i = 0; i < n; i++)
		cl_tsblock_decode(b[i].ptr, b[i].len, a, &tb, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	union {
		cl_status_t st;
		int64_t i;
		cl_open_resp_t open;
		cl_exec_resp_t exec;
		cl_fetch_resp_t fetch;
		cl_template_resp_t tpl;
	} out;
	larch_error_t err = { 0 };
	arena_t *a;
	int mode;

	if (size < 1)
		return 0;
	mode = data[0] & 7;
	a = arena_new(0);
	if (!a)
		return 0;
	if (mode >= 6) {
		cl_tsblock_t tb;
		cl_tsblock_decode(data + 1, size - 1, a, &tb, &err);
	} else if (cl_decode_reply(data + 1, size - 1, (data[0] & 8) ? RPC_COMPACT : RPC_BINARY,
				   modes[mode].method, 1, modes[mode].fn, a, &out, &err) == LARCH_OK) {
		if (mode == 0)
			cl_status_check(&out.st, &err);
		else if (mode == 3)
			decode_blocks(out.exec.blocks, out.exec.n_blocks, a);
		else if (mode == 4)
			decode_blocks(out.fetch.blocks, out.fetch.n_blocks, a);
	}
	arena_free(a);
	return 0;
}
