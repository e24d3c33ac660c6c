/*
 * rpc_test.h — shared by the src/rpc unit tests: the official client's
 * request vectors (vectors.h) as a table, and a decode helper.
 */
#ifndef LARCH_RPC_TEST_H
#define LARCH_RPC_TEST_H

#include "../helpers/hex.h"
#include "rpc/rpc.h"
#include "vectors.h"

typedef struct vec {
	const char *name;
	const char *hex;
} vec_t;

#define VEC(n) {#n "_BIN", VEC_##n##_BIN}, {#n "_COMPACT", VEC_##n##_COMPACT}
static const vec_t all_vectors[] = {
	VEC(OPEN_SESSION), VEC(REQUEST_STATEMENT_ID), VEC(SET_TIME_ZONE), VEC(EXEC_QUERY_V2),
	VEC(EXEC_UPDATE_V2), VEC(FETCH_V2), VEC(CLOSE_OPERATION), VEC(SET_STORAGE_GROUP),
	VEC(DELETE_TIMESERIES), VEC(CREATE_TIMESERIES), VEC(CREATE_MULTI), VEC(DELETE_DATA),
	VEC(RAW_QUERY), VEC(QUERY_TEMPLATE), VEC(INSERT_RECORD), VEC(INSERT_RECORDS),
	VEC(INSERT_RECORDS_ONE_DEVICE), VEC(INSERT_STR_RECORDS_ONE_DEVICE), VEC(INSERT_TABLET),
	VEC(INSERT_TABLETS), VEC(INSERT_TABLE_TABLET), VEC(CREATE_TEMPLATE),
};
#undef VEC

#endif
