/*
 * messages.c — the IoTDB client service's requests: one field table per
 * request struct (ids, kinds and requiredness from IoTDB's client.thrift),
 * a generic table-driven struct decoder, and the method dispatch table
 * (name -> argument layout -> reply kind).
 *
 * A method's arguments are either a single struct `1: req` (most methods;
 * "wrapped" below, the request struct is decoded straight into the message
 * memory) or plain fields (requestStatementId(1: i64 sessionId),
 * setStorageGroup(1: i64, 2: string), ...), described like a struct.
 *
 * Forward compatibility: a field with an unknown id, or a known id with a
 * different wire type, is skipped (as Thrift's generated code does); a
 * required field that never arrived is an error.
 */
#include "rpc/rpc.h"

/*---------------------------------------------------------------------------
 * Field kinds: how a field is stored in C and what wire type it has
 *---------------------------------------------------------------------------*/

typedef enum kind {
	K_BOOL, K_I8, K_I32, K_I64, K_STR, K_BIN,
	K_STRS, K_I32S, K_I64S, K_U8S, K_BINS, K_STRSS, K_I32SS, K_MAP, K_MAPS,
	K_STRUCT
} kind_t;

static const struct {
	uint8_t wire;   /* RPC_T_* */
	uint8_t elem;   /* element kind of a list kind */
	uint8_t size;   /* bytes of the C member / list element */
} kinds[] = {
	[K_BOOL] = {RPC_T_BOOL, 0, sizeof(int)},
	[K_I8] = {RPC_T_BYTE, 0, 1},
	[K_I32] = {RPC_T_I32, 0, 4},
	[K_I64] = {RPC_T_I64, 0, 8},
	[K_STR] = {RPC_T_STRING, 0, sizeof(char *)},
	[K_BIN] = {RPC_T_STRING, 0, sizeof(rpc_bin_t)},
	[K_STRS] = {RPC_T_LIST, K_STR, sizeof(rpc_strs_t)},
	[K_I32S] = {RPC_T_LIST, K_I32, sizeof(rpc_i32s_t)},
	[K_I64S] = {RPC_T_LIST, K_I64, sizeof(rpc_i64s_t)},
	[K_U8S] = {RPC_T_LIST, K_I8, sizeof(rpc_u8s_t)},
	[K_BINS] = {RPC_T_LIST, K_BIN, sizeof(rpc_bins_t)},
	[K_STRSS] = {RPC_T_LIST, K_STRS, sizeof(rpc_strss_t)},
	[K_I32SS] = {RPC_T_LIST, K_I32S, sizeof(rpc_i32ss_t)},
	[K_MAP] = {RPC_T_MAP, 0, sizeof(rpc_map_t)},
	[K_MAPS] = {RPC_T_LIST, K_MAP, sizeof(rpc_maps_t)},
	[K_STRUCT] = {RPC_T_STRUCT, 0, 0},
};

/* Every list type in rpc.h has this layout: { T *v; size_t n; }. */
typedef struct any_list { void *v; size_t n; } any_list_t;

typedef struct msg_desc msg_desc_t;

typedef struct field_desc {
	int16_t id;
	uint8_t kind;
	uint8_t required;
	uint16_t off;             /* offset of the member */
	const char *name;         /* the IDL name, for messages */
	const msg_desc_t *sub;    /* K_STRUCT: the nested struct */
} field_desc_t;

struct msg_desc {
	const char *name;
	const field_desc_t *fields;
	size_t n_fields;
	size_t size;              /* sizeof the C struct */
};

#define R 1
#define O 0
#define F(T, member, id, kind, req) {id, kind, req, offsetof(T, member), #member, NULL}
#define DESC(var, T, idl, ...)                                                        \
	static const field_desc_t var##_fields[] = {__VA_ARGS__};                     \
	static const msg_desc_t var = {idl, var##_fields, LR_ARRAY_LEN(var##_fields), \
				       sizeof(T)}

/*---------------------------------------------------------------------------
 * Request layouts
 *---------------------------------------------------------------------------*/

static const msg_desc_t d_empty = {"args", NULL, 0, sizeof(rpc_empty_req_t)};

DESC(d_session, rpc_session_req_t, "sessionId args / TSCloseSessionReq",
     F(rpc_session_req_t, session_id, 1, K_I64, R));
DESC(d_node, rpc_node_req_t, "showConfiguration_args",
     F(rpc_node_req_t, node_id, 1, K_I32, R));

#define T_ rpc_open_session_req_t
DESC(d_open_session, T_, "TSOpenSessionReq",
     F(T_, client_protocol, 1, K_I32, R), F(T_, zone_id, 2, K_STR, R),
     F(T_, username, 3, K_STR, R), F(T_, password, 4, K_STR, O),
     F(T_, configuration, 5, K_MAP, O));
#undef T_
#define T_ rpc_set_time_zone_req_t
DESC(d_set_time_zone, T_, "TSSetTimeZoneReq",
     F(T_, session_id, 1, K_I64, R), F(T_, time_zone, 2, K_STR, R));
#undef T_
#define T_ rpc_exec_req_t
DESC(d_exec, T_, "TSExecuteStatementReq",
     F(T_, session_id, 1, K_I64, R), F(T_, statement, 2, K_STR, R),
     F(T_, statement_id, 3, K_I64, R), F(T_, fetch_size, 4, K_I32, O),
     F(T_, timeout, 5, K_I64, O), F(T_, enable_redirect_query, 6, K_BOOL, O),
     F(T_, jdbc_query, 7, K_BOOL, O));
#undef T_
#define T_ rpc_fetch_req_t
DESC(d_fetch, T_, "TSFetchResultsReq",
     F(T_, session_id, 1, K_I64, R), F(T_, statement, 2, K_STR, R),
     F(T_, fetch_size, 3, K_I32, R), F(T_, query_id, 4, K_I64, R),
     F(T_, is_align, 5, K_BOOL, R), F(T_, timeout, 6, K_I64, O),
     F(T_, statement_id, 7, K_I64, O));
#undef T_
#define T_ rpc_close_op_req_t
DESC(d_close_op, T_, "TSCloseOperationReq",
     F(T_, session_id, 1, K_I64, R), F(T_, query_id, 2, K_I64, O),
     F(T_, statement_id, 3, K_I64, O), F(T_, prepared_statement_name, 4, K_STR, O));
#undef T_
#define T_ rpc_cancel_op_req_t
DESC(d_cancel_op, T_, "TSCancelOperationReq",
     F(T_, session_id, 1, K_I64, R), F(T_, query_id, 2, K_I64, R));
#undef T_
#define T_ rpc_fetch_metadata_req_t
DESC(d_fetch_metadata, T_, "TSFetchMetadataReq",
     F(T_, session_id, 1, K_I64, R), F(T_, type, 2, K_STR, R),
     F(T_, column_path, 3, K_STR, O));
#undef T_
#define T_ rpc_batch_req_t
DESC(d_batch, T_, "TSExecuteBatchStatementReq",
     F(T_, session_id, 1, K_I64, R), F(T_, statements, 2, K_STRS, R));
#undef T_
#define T_ rpc_storage_group_req_t
DESC(d_storage_group, T_, "setStorageGroup_args",
     F(T_, session_id, 1, K_I64, R), F(T_, storage_group, 2, K_STR, R));
#undef T_
#define T_ rpc_paths_req_t
DESC(d_paths, T_, "paths_args",
     F(T_, session_id, 1, K_I64, R), F(T_, paths, 2, K_STRS, R));
#undef T_
#define T_ rpc_create_ts_req_t
DESC(d_create_ts, T_, "TSCreateTimeseriesReq",
     F(T_, session_id, 1, K_I64, R), F(T_, path, 2, K_STR, R),
     F(T_, data_type, 3, K_I32, R), F(T_, encoding, 4, K_I32, R),
     F(T_, compressor, 5, K_I32, R), F(T_, props, 6, K_MAP, O),
     F(T_, tags, 7, K_MAP, O), F(T_, attributes, 8, K_MAP, O),
     F(T_, measurement_alias, 9, K_STR, O));
#undef T_
#define T_ rpc_create_aligned_req_t
DESC(d_create_aligned, T_, "TSCreateAlignedTimeseriesReq",
     F(T_, session_id, 1, K_I64, R), F(T_, prefix_path, 2, K_STR, R),
     F(T_, measurements, 3, K_STRS, R), F(T_, data_types, 4, K_I32S, R),
     F(T_, encodings, 5, K_I32S, R), F(T_, compressors, 6, K_I32S, R),
     F(T_, measurement_alias, 7, K_STRS, O), F(T_, tags_list, 8, K_MAPS, O),
     F(T_, attributes_list, 9, K_MAPS, O));
#undef T_
#define T_ rpc_create_multi_req_t
DESC(d_create_multi, T_, "TSCreateMultiTimeseriesReq",
     F(T_, session_id, 1, K_I64, R), F(T_, paths, 2, K_STRS, R),
     F(T_, data_types, 3, K_I32S, R), F(T_, encodings, 4, K_I32S, R),
     F(T_, compressors, 5, K_I32S, R), F(T_, props_list, 6, K_MAPS, O),
     F(T_, tags_list, 7, K_MAPS, O), F(T_, attributes_list, 8, K_MAPS, O),
     F(T_, measurement_alias_list, 9, K_STRS, O));
#undef T_
#define T_ rpc_delete_data_req_t
DESC(d_delete_data, T_, "TSDeleteDataReq",
     F(T_, session_id, 1, K_I64, R), F(T_, paths, 2, K_STRS, R),
     F(T_, start_time, 3, K_I64, R), F(T_, end_time, 4, K_I64, R));
#undef T_
#define T_ rpc_insert_record_req_t
DESC(d_insert_record, T_, "TSInsertRecordReq",
     F(T_, session_id, 1, K_I64, R), F(T_, prefix_path, 2, K_STR, R),
     F(T_, measurements, 3, K_STRS, R), F(T_, values, 4, K_BIN, R),
     F(T_, timestamp, 5, K_I64, R), F(T_, is_aligned, 6, K_BOOL, O),
     F(T_, is_write_to_table, 7, K_BOOL, O), F(T_, column_categories, 8, K_U8S, O));
#undef T_
#define T_ rpc_insert_string_record_req_t
DESC(d_insert_string_record, T_, "TSInsertStringRecordReq",
     F(T_, session_id, 1, K_I64, R), F(T_, prefix_path, 2, K_STR, R),
     F(T_, measurements, 3, K_STRS, R), F(T_, values, 4, K_STRS, R),
     F(T_, timestamp, 5, K_I64, R), F(T_, is_aligned, 6, K_BOOL, O),
     F(T_, timeout, 7, K_I64, O));
#undef T_
#define T_ rpc_insert_records_req_t
DESC(d_insert_records, T_, "TSInsertRecordsReq",
     F(T_, session_id, 1, K_I64, R), F(T_, prefix_paths, 2, K_STRS, R),
     F(T_, measurements_list, 3, K_STRSS, R), F(T_, values_list, 4, K_BINS, R),
     F(T_, timestamps, 5, K_I64S, R), F(T_, is_aligned, 6, K_BOOL, O));
#undef T_
#define T_ rpc_insert_string_records_req_t
DESC(d_insert_string_records, T_, "TSInsertStringRecordsReq",
     F(T_, session_id, 1, K_I64, R), F(T_, prefix_paths, 2, K_STRS, R),
     F(T_, measurements_list, 3, K_STRSS, R), F(T_, values_list, 4, K_STRSS, R),
     F(T_, timestamps, 5, K_I64S, R), F(T_, is_aligned, 6, K_BOOL, O));
#undef T_
#define T_ rpc_insert_records_one_device_req_t
DESC(d_insert_records_one_device, T_, "TSInsertRecordsOfOneDeviceReq",
     F(T_, session_id, 1, K_I64, R), F(T_, prefix_path, 2, K_STR, R),
     F(T_, measurements_list, 3, K_STRSS, R), F(T_, values_list, 4, K_BINS, R),
     F(T_, timestamps, 5, K_I64S, R), F(T_, is_aligned, 6, K_BOOL, O));
#undef T_
#define T_ rpc_insert_string_records_one_device_req_t
DESC(d_insert_string_records_one_device, T_, "TSInsertStringRecordsOfOneDeviceReq",
     F(T_, session_id, 1, K_I64, R), F(T_, prefix_path, 2, K_STR, R),
     F(T_, measurements_list, 3, K_STRSS, R), F(T_, values_list, 4, K_STRSS, R),
     F(T_, timestamps, 5, K_I64S, R), F(T_, is_aligned, 6, K_BOOL, O));
#undef T_
#define T_ rpc_insert_tablet_req_t
DESC(d_insert_tablet, T_, "TSInsertTabletReq",
     F(T_, session_id, 1, K_I64, R), F(T_, prefix_path, 2, K_STR, R),
     F(T_, measurements, 3, K_STRS, R), F(T_, values, 4, K_BIN, R),
     F(T_, timestamps, 5, K_BIN, R), F(T_, types, 6, K_I32S, R),
     F(T_, size, 7, K_I32, R), F(T_, is_aligned, 8, K_BOOL, O),
     F(T_, write_to_table, 9, K_BOOL, O), F(T_, column_categories, 10, K_U8S, O),
     F(T_, is_compressed, 11, K_BOOL, O), F(T_, encoding_types, 12, K_U8S, O),
     F(T_, compress_type, 13, K_I8, O));
#undef T_
#define T_ rpc_insert_tablets_req_t
DESC(d_insert_tablets, T_, "TSInsertTabletsReq",
     F(T_, session_id, 1, K_I64, R), F(T_, prefix_paths, 2, K_STRS, R),
     F(T_, measurements_list, 3, K_STRSS, R), F(T_, values_list, 4, K_BINS, R),
     F(T_, timestamps_list, 5, K_BINS, R), F(T_, types_list, 6, K_I32SS, R),
     F(T_, size_list, 7, K_I32S, R), F(T_, is_aligned, 8, K_BOOL, O));
#undef T_
#define T_ rpc_raw_query_req_t
DESC(d_raw_query, T_, "TSRawDataQueryReq",
     F(T_, session_id, 1, K_I64, R), F(T_, paths, 2, K_STRS, R),
     F(T_, fetch_size, 3, K_I32, O), F(T_, start_time, 4, K_I64, R),
     F(T_, end_time, 5, K_I64, R), F(T_, statement_id, 6, K_I64, R),
     F(T_, enable_redirect_query, 7, K_BOOL, O), F(T_, jdbc_query, 8, K_BOOL, O),
     F(T_, timeout, 9, K_I64, O), F(T_, legal_path_nodes, 10, K_BOOL, O));
#undef T_
#define T_ rpc_last_query_req_t
DESC(d_last_query, T_, "TSLastDataQueryReq",
     F(T_, session_id, 1, K_I64, R), F(T_, paths, 2, K_STRS, R),
     F(T_, fetch_size, 3, K_I32, O), F(T_, time, 4, K_I64, R),
     F(T_, statement_id, 5, K_I64, R), F(T_, enable_redirect_query, 6, K_BOOL, O),
     F(T_, jdbc_query, 7, K_BOOL, O), F(T_, timeout, 8, K_I64, O),
     F(T_, legal_path_nodes, 9, K_BOOL, O));
#undef T_
#define T_ rpc_agg_query_req_t
DESC(d_agg_query, T_, "TSAggregationQueryReq",
     F(T_, session_id, 1, K_I64, R), F(T_, statement_id, 2, K_I64, R),
     F(T_, paths, 3, K_STRS, R), F(T_, aggregations, 4, K_I32S, R),
     F(T_, start_time, 5, K_I64, O), F(T_, end_time, 6, K_I64, O),
     F(T_, interval, 7, K_I64, O), F(T_, sliding_step, 8, K_I64, O),
     F(T_, fetch_size, 9, K_I32, O), F(T_, timeout, 10, K_I64, O),
     F(T_, legal_path_nodes, 11, K_BOOL, O));
#undef T_
#define T_ rpc_fast_last_prefix_req_t
DESC(d_fast_last_prefix, T_, "TSFastLastDataQueryForOnePrefixPathReq",
     F(T_, session_id, 1, K_I64, R), F(T_, prefixes, 2, K_STRS, R),
     F(T_, fetch_size, 3, K_I32, O), F(T_, statement_id, 4, K_I64, R),
     F(T_, enable_redirect_query, 5, K_BOOL, O), F(T_, jdbc_query, 6, K_BOOL, O),
     F(T_, timeout, 7, K_I64, O));
#undef T_
#define T_ rpc_fast_last_device_req_t
DESC(d_fast_last_device, T_, "TSFastLastDataQueryForOneDeviceReq",
     F(T_, session_id, 1, K_I64, R), F(T_, db, 2, K_STR, R),
     F(T_, device_id, 3, K_STR, R), F(T_, sensors, 4, K_STRS, R),
     F(T_, fetch_size, 5, K_I32, O), F(T_, statement_id, 6, K_I64, R),
     F(T_, enable_redirect_query, 7, K_BOOL, O), F(T_, jdbc_query, 8, K_BOOL, O),
     F(T_, timeout, 9, K_I64, O), F(T_, legal_path_nodes, 10, K_BOOL, O));
#undef T_
#define T_ rpc_create_template_req_t
DESC(d_create_template, T_, "TSCreateSchemaTemplateReq",
     F(T_, session_id, 1, K_I64, R), F(T_, name, 2, K_STR, R),
     F(T_, serialized_template, 3, K_BIN, R));
#undef T_
#define T_ rpc_append_template_req_t
DESC(d_append_template, T_, "TSAppendSchemaTemplateReq",
     F(T_, session_id, 1, K_I64, R), F(T_, name, 2, K_STR, R),
     F(T_, is_aligned, 3, K_BOOL, R), F(T_, measurements, 4, K_STRS, R),
     F(T_, data_types, 5, K_I32S, R), F(T_, encodings, 6, K_I32S, R),
     F(T_, compressors, 7, K_I32S, R));
#undef T_
#define T_ rpc_prune_template_req_t
DESC(d_prune_template, T_, "TSPruneSchemaTemplateReq",
     F(T_, session_id, 1, K_I64, R), F(T_, name, 2, K_STR, R), F(T_, path, 3, K_STR, R));
#undef T_
#define T_ rpc_query_template_req_t
DESC(d_query_template, T_, "TSQueryTemplateReq",
     F(T_, session_id, 1, K_I64, R), F(T_, name, 2, K_STR, R),
     F(T_, query_type, 3, K_I32, R), F(T_, measurement, 4, K_STR, O));
#undef T_
#define T_ rpc_set_template_req_t
DESC(d_set_template, T_, "TSSetSchemaTemplateReq",
     F(T_, session_id, 1, K_I64, R), F(T_, template_name, 2, K_STR, R),
     F(T_, prefix_path, 3, K_STR, R));
#undef T_
#define T_ rpc_unset_template_req_t
DESC(d_unset_template, T_, "TSUnsetSchemaTemplateReq",
     F(T_, session_id, 1, K_I64, R), F(T_, prefix_path, 2, K_STR, R),
     F(T_, template_name, 3, K_STR, R));
#undef T_
#define T_ rpc_drop_template_req_t
DESC(d_drop_template, T_, "TSDropSchemaTemplateReq",
     F(T_, session_id, 1, K_I64, R), F(T_, template_name, 2, K_STR, R));
#undef T_

/*---------------------------------------------------------------------------
 * Dispatch table
 *---------------------------------------------------------------------------*/

typedef struct method_desc {
	const char *name;
	const msg_desc_t *desc;
	uint8_t wrapped;          /* arguments are `1: req` of type desc */
	uint8_t result;           /* rpc_result_t */
} method_desc_t;

#define W 1   /* wrapped */
#define P 0   /* plain argument fields */
static const method_desc_t methods[RPC_M_COUNT] = {
	[RPC_M_OPEN_SESSION] = {"openSession", &d_open_session, W, RPC_R_OPEN_SESSION},
	[RPC_M_CLOSE_SESSION] = {"closeSession", &d_session, W, RPC_R_STATUS},
	[RPC_M_REQUEST_STATEMENT_ID] = {"requestStatementId", &d_session, P, RPC_R_I64},
	[RPC_M_SET_TIME_ZONE] = {"setTimeZone", &d_set_time_zone, W, RPC_R_STATUS},
	[RPC_M_GET_TIME_ZONE] = {"getTimeZone", &d_session, P, RPC_R_TIME_ZONE},
	[RPC_M_GET_PROPERTIES] = {"getProperties", &d_empty, P, RPC_R_PROPERTIES},
	[RPC_M_EXECUTE_STATEMENT] = {"executeStatement", &d_exec, W, RPC_R_EXEC},
	[RPC_M_EXECUTE_QUERY_STATEMENT] = {"executeQueryStatement", &d_exec, W, RPC_R_EXEC},
	[RPC_M_EXECUTE_UPDATE_STATEMENT] = {"executeUpdateStatement", &d_exec, W, RPC_R_EXEC},
	[RPC_M_EXECUTE_STATEMENT_V2] = {"executeStatementV2", &d_exec, W, RPC_R_EXEC},
	[RPC_M_EXECUTE_QUERY_STATEMENT_V2] = {"executeQueryStatementV2", &d_exec, W, RPC_R_EXEC},
	[RPC_M_EXECUTE_UPDATE_STATEMENT_V2] = {"executeUpdateStatementV2", &d_exec, W,
					       RPC_R_EXEC},
	[RPC_M_EXECUTE_RAW_DATA_QUERY] = {"executeRawDataQuery", &d_raw_query, W, RPC_R_EXEC},
	[RPC_M_EXECUTE_RAW_DATA_QUERY_V2] = {"executeRawDataQueryV2", &d_raw_query, W,
					     RPC_R_EXEC},
	[RPC_M_EXECUTE_LAST_DATA_QUERY] = {"executeLastDataQuery", &d_last_query, W,
					   RPC_R_EXEC},
	[RPC_M_EXECUTE_LAST_DATA_QUERY_V2] = {"executeLastDataQueryV2", &d_last_query, W,
					      RPC_R_EXEC},
	[RPC_M_EXECUTE_AGGREGATION_QUERY] = {"executeAggregationQuery", &d_agg_query, W,
					     RPC_R_EXEC},
	[RPC_M_EXECUTE_AGGREGATION_QUERY_V2] = {"executeAggregationQueryV2", &d_agg_query, W,
						RPC_R_EXEC},
	[RPC_M_FAST_LAST_PREFIX] = {"executeFastLastDataQueryForOnePrefixPath",
				    &d_fast_last_prefix, W, RPC_R_EXEC},
	[RPC_M_FAST_LAST_DEVICE_V2] = {"executeFastLastDataQueryForOneDeviceV2",
				       &d_fast_last_device, W, RPC_R_EXEC},
	[RPC_M_FETCH_RESULTS] = {"fetchResults", &d_fetch, W, RPC_R_FETCH},
	[RPC_M_FETCH_RESULTS_V2] = {"fetchResultsV2", &d_fetch, W, RPC_R_FETCH},
	[RPC_M_CLOSE_OPERATION] = {"closeOperation", &d_close_op, W, RPC_R_STATUS},
	[RPC_M_CANCEL_OPERATION] = {"cancelOperation", &d_cancel_op, W, RPC_R_STATUS},
	[RPC_M_FETCH_METADATA] = {"fetchMetadata", &d_fetch_metadata, W, RPC_R_STATUS_ONLY},
	[RPC_M_EXECUTE_BATCH_STATEMENT] = {"executeBatchStatement", &d_batch, W, RPC_R_STATUS},
	[RPC_M_SET_STORAGE_GROUP] = {"setStorageGroup", &d_storage_group, P, RPC_R_STATUS},
	[RPC_M_DELETE_STORAGE_GROUPS] = {"deleteStorageGroups", &d_paths, P, RPC_R_STATUS},
	[RPC_M_CREATE_TIMESERIES] = {"createTimeseries", &d_create_ts, W, RPC_R_STATUS},
	[RPC_M_CREATE_ALIGNED_TIMESERIES] = {"createAlignedTimeseries", &d_create_aligned, W,
					     RPC_R_STATUS},
	[RPC_M_CREATE_MULTI_TIMESERIES] = {"createMultiTimeseries", &d_create_multi, W,
					   RPC_R_STATUS},
	[RPC_M_DELETE_TIMESERIES] = {"deleteTimeseries", &d_paths, P, RPC_R_STATUS},
	[RPC_M_DELETE_DATA] = {"deleteData", &d_delete_data, W, RPC_R_STATUS},
	[RPC_M_INSERT_RECORD] = {"insertRecord", &d_insert_record, W, RPC_R_STATUS},
	[RPC_M_INSERT_STRING_RECORD] = {"insertStringRecord", &d_insert_string_record, W,
					RPC_R_STATUS},
	[RPC_M_INSERT_RECORDS] = {"insertRecords", &d_insert_records, W, RPC_R_STATUS},
	[RPC_M_INSERT_STRING_RECORDS] = {"insertStringRecords", &d_insert_string_records, W,
					 RPC_R_STATUS},
	[RPC_M_INSERT_RECORDS_OF_ONE_DEVICE] = {"insertRecordsOfOneDevice",
						&d_insert_records_one_device, W, RPC_R_STATUS},
	[RPC_M_INSERT_STRING_RECORDS_OF_ONE_DEVICE] = {"insertStringRecordsOfOneDevice",
						       &d_insert_string_records_one_device, W,
						       RPC_R_STATUS},
	[RPC_M_INSERT_TABLET] = {"insertTablet", &d_insert_tablet, W, RPC_R_STATUS},
	[RPC_M_INSERT_TABLETS] = {"insertTablets", &d_insert_tablets, W, RPC_R_STATUS},
	[RPC_M_TEST_INSERT_RECORD] = {"testInsertRecord", &d_insert_record, W, RPC_R_STATUS},
	[RPC_M_TEST_INSERT_STRING_RECORD] = {"testInsertStringRecord", &d_insert_string_record,
					     W, RPC_R_STATUS},
	[RPC_M_TEST_INSERT_RECORDS] = {"testInsertRecords", &d_insert_records, W, RPC_R_STATUS},
	[RPC_M_TEST_INSERT_STRING_RECORDS] = {"testInsertStringRecords",
					      &d_insert_string_records, W, RPC_R_STATUS},
	[RPC_M_TEST_INSERT_RECORDS_OF_ONE_DEVICE] = {"testInsertRecordsOfOneDevice",
						     &d_insert_records_one_device, W,
						     RPC_R_STATUS},
	[RPC_M_TEST_INSERT_TABLET] = {"testInsertTablet", &d_insert_tablet, W, RPC_R_STATUS},
	[RPC_M_TEST_INSERT_TABLETS] = {"testInsertTablets", &d_insert_tablets, W, RPC_R_STATUS},
	[RPC_M_CREATE_SCHEMA_TEMPLATE] = {"createSchemaTemplate", &d_create_template, W,
					  RPC_R_STATUS},
	[RPC_M_APPEND_SCHEMA_TEMPLATE] = {"appendSchemaTemplate", &d_append_template, W,
					  RPC_R_STATUS},
	[RPC_M_PRUNE_SCHEMA_TEMPLATE] = {"pruneSchemaTemplate", &d_prune_template, W,
					 RPC_R_STATUS},
	[RPC_M_QUERY_SCHEMA_TEMPLATE] = {"querySchemaTemplate", &d_query_template, W,
					 RPC_R_QUERY_TEMPLATE},
	[RPC_M_SET_SCHEMA_TEMPLATE] = {"setSchemaTemplate", &d_set_template, W, RPC_R_STATUS},
	[RPC_M_UNSET_SCHEMA_TEMPLATE] = {"unsetSchemaTemplate", &d_unset_template, W,
					 RPC_R_STATUS},
	[RPC_M_DROP_SCHEMA_TEMPLATE] = {"dropSchemaTemplate", &d_drop_template, W, RPC_R_STATUS},
	[RPC_M_CREATE_TIMESERIES_USING_TEMPLATE] = {"createTimeseriesUsingSchemaTemplate",
						    &d_paths, W, RPC_R_STATUS},
	[RPC_M_GET_BACKUP_CONFIGURATION] = {"getBackupConfiguration", &d_empty, P,
					    RPC_R_BACKUP_CONFIG},
	[RPC_M_FETCH_ALL_CONNECTIONS_INFO] = {"fetchAllConnectionsInfo", &d_empty, P,
					      RPC_R_CONNECTIONS},
	[RPC_M_TEST_CONNECTION_EMPTY_RPC] = {"testConnectionEmptyRPC", &d_empty, P,
					     RPC_R_STATUS},
	[RPC_M_HANDSHAKE] = {"handshake", &d_empty, P, RPC_R_STATUS},
	[RPC_M_SHOW_CONFIGURATION] = {"showConfiguration", &d_node, P, RPC_R_CONTENT},
	[RPC_M_SHOW_CONFIGURATION_TEMPLATE] = {"showConfigurationTemplate", &d_empty, P,
					       RPC_R_CONTENT},
};

rpc_method_t rpc_method_lookup(const char *name, size_t len)
{
	for (int m = 1; m < RPC_M_COUNT; m++) {
		const char *s = methods[m].name;
		if (strlen(s) == len && memcmp(s, name, len) == 0)
			return (rpc_method_t)m;
	}
	return RPC_M_UNKNOWN;
}

const char *rpc_method_name(rpc_method_t m)
{
	return m > RPC_M_UNKNOWN && m < RPC_M_COUNT ? methods[m].name : NULL;
}

rpc_result_t rpc_method_result(rpc_method_t m)
{
	return m > RPC_M_UNKNOWN && m < RPC_M_COUNT ? (rpc_result_t)methods[m].result
						    : RPC_R_STATUS;
}

/*---------------------------------------------------------------------------
 * Table-driven decoder
 *---------------------------------------------------------------------------*/

typedef struct dec {
	rpc_reader_t tr;
	arena_t *a;
	larch_error_t *err;
	int rc;                   /* first semantic error (oom, NUL in a string) */
} dec_t;

static int decode_struct(dec_t *d, const msg_desc_t *desc, uint8_t *base, int store_isset);

static void dec_fail(dec_t *d, int rc, const char *what, const char *name)
{
	if (!d->rc)
		d->rc = err_set(d->err, rc, "thrift: %s in field '%s' at byte %zu", what, name,
				d->tr.r.pos);
	d->tr.r.bad = 1;
}

/* Decode one value of `kind` into dst (its C storage). */
static void decode_value(dec_t *d, int kind, const field_desc_t *f, uint8_t *dst)
{
	rpc_reader_t *tr = &d->tr;
	switch (kind) {
	case K_BOOL: { int v = rpc_read_bool(tr); memcpy(dst, &v, sizeof v); break; }
	case K_I8: { int8_t v = rpc_read_i8(tr); memcpy(dst, &v, 1); break; }
	case K_I32: { int32_t v = rpc_read_i32(tr); memcpy(dst, &v, 4); break; }
	case K_I64: { int64_t v = rpc_read_i64(tr); memcpy(dst, &v, 8); break; }
	case K_BIN: {
		rpc_bin_t b;
		b.ptr = rpc_read_binary(tr, &b.len);
		memcpy(dst, &b, sizeof b);
		break;
	}
	case K_STR: {
		size_t n;
		const uint8_t *p = rpc_read_binary(tr, &n);
		if (!rpc_reader_ok(tr))
			break;
		if (n && memchr(p, 0, n)) {
			dec_fail(d, LARCH_ILLEGAL_PARAMETER, "string holds a NUL byte", f->name);
			break;
		}
		char *s = arena_strndup(d->a, (const char *)p, n);
		if (!s)
			dec_fail(d, LARCH_NO_MEMORY, "out of memory", f->name);
		memcpy(dst, &s, sizeof s);
		break;
	}
	case K_MAP: {
		rpc_map_t m = {NULL, NULL, 0};
		int kt, vt;
		rpc_read_map_begin(tr, &kt, &vt, &m.n);
		if (m.n && (kt != RPC_T_STRING || vt != RPC_T_STRING))
			dec_fail(d, LARCH_ILLEGAL_PARAMETER, "map is not map<string,string>",
				 f->name);
		if (m.n && rpc_reader_ok(tr)) {
			m.keys = arena_calloc(d->a, m.n, sizeof(char *));
			m.vals = arena_calloc(d->a, m.n, sizeof(char *));
			if (!m.keys || !m.vals)
				dec_fail(d, LARCH_NO_MEMORY, "out of memory", f->name);
		}
		for (size_t i = 0; i < m.n && rpc_reader_ok(tr); i++) {
			decode_value(d, K_STR, f, (uint8_t *)&m.keys[i]);
			decode_value(d, K_STR, f, (uint8_t *)&m.vals[i]);
		}
		rpc_read_container_end(tr);
		if (!rpc_reader_ok(tr))
			m.n = 0;
		memcpy(dst, &m, sizeof m);
		break;
	}
	case K_STRUCT:
		decode_struct(d, f->sub, dst, 1);
		break;
	default: { /* a list kind */
		int ek = kinds[kind].elem, et;
		any_list_t l = {NULL, 0};
		rpc_read_list_begin(tr, &et, &l.n);
		if (l.n && et != kinds[ek].wire)
			dec_fail(d, LARCH_ILLEGAL_PARAMETER, "list element type mismatch", f->name);
		if (l.n && rpc_reader_ok(tr)) {
			l.v = arena_calloc(d->a, l.n, kinds[ek].size);
			if (!l.v)
				dec_fail(d, LARCH_NO_MEMORY, "out of memory", f->name);
		}
		for (size_t i = 0; i < l.n && rpc_reader_ok(tr); i++)
			decode_value(d, ek, f, (uint8_t *)l.v + i * kinds[ek].size);
		rpc_read_container_end(tr);
		if (!rpc_reader_ok(tr))
			l.n = 0;
		memcpy(dst, &l, sizeof l);
	}
	}
}

static const field_desc_t *find_field(const msg_desc_t *desc, int16_t id)
{
	for (size_t i = 0; i < desc->n_fields; i++)
		if (desc->fields[i].id == id)
			return &desc->fields[i];
	return NULL;
}

/* Decode a struct described by desc into base (zeroed by the caller).
 * store_isset: write the presence bits to base's leading `isset`. */
static int decode_struct(dec_t *d, const msg_desc_t *desc, uint8_t *base, int store_isset)
{
	rpc_reader_t *tr = &d->tr;
	uint32_t seen = 0;
	int type;
	int16_t id;

	rpc_read_struct_begin(tr);
	while (rpc_reader_ok(tr) && rpc_read_field_begin(tr, &type, &id)) {
		const field_desc_t *f = find_field(desc, id);
		if (!f || kinds[f->kind].wire != type) {
			rpc_skip(tr, type);
			continue;
		}
		decode_value(d, f->kind, f, base + f->off);
		seen |= 1u << id;   /* ids in the tables are < 32 */
	}
	rpc_read_struct_end(tr);
	if (!rpc_reader_ok(tr))
		return d->rc ? d->rc : rpc_reader_error(tr, desc->name, d->err);
	for (size_t i = 0; i < desc->n_fields; i++) {
		const field_desc_t *f = &desc->fields[i];
		if (f->required && !(seen >> f->id & 1)) {
			d->rc = err_set(d->err, LARCH_ILLEGAL_PARAMETER,
					"thrift: %s: required field '%s' (id %d) is missing",
					desc->name, f->name, f->id);
			d->tr.r.bad = 1;
			return d->rc;
		}
	}
	if (store_isset)
		memcpy(base, &seen, sizeof seen);
	return LARCH_OK;
}

int rpc_decode_request(const uint8_t *frame, size_t len, arena_t *a, rpc_request_t *req,
		       larch_error_t *err)
{
	dec_t d = {.a = a, .err = err};
	const char *name;
	size_t name_len;
	int proto = len ? rpc_detect_proto(frame[0]) : -1;

	memset(req, 0, sizeof *req);
	if (proto < 0)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "thrift: message starts with neither a binary nor a compact header");
	req->proto = (rpc_proto_t)proto;
	rpc_reader_init(&d.tr, req->proto, frame, len);
	rpc_read_message_begin(&d.tr, &name, &name_len, &req->type, &req->seqid);
	if (!rpc_reader_ok(&d.tr))
		return rpc_reader_error(&d.tr, "message header", err);
	req->name = arena_strndup(a, name, name_len);
	if (!req->name)
		return err_set(err, LARCH_NO_MEMORY, "thrift: out of memory for the method name");
	if (req->type != RPC_CALL && req->type != RPC_ONEWAY)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "thrift: message type %d is not a call", req->type);
	req->method = rpc_method_lookup(name, name_len);
	if (req->method == RPC_M_UNKNOWN)
		return err_set(err, LARCH_UNSUPPORTED, "thrift: unknown method '%s'", req->name);

	const method_desc_t *m = &methods[req->method];
	uint8_t *msg = arena_calloc(a, 1, m->desc->size);
	if (!msg)
		return err_set(err, LARCH_NO_MEMORY, "thrift: out of memory for %s", m->name);
	int rc;
	if (m->wrapped) {
		const field_desc_t arg = {1, K_STRUCT, R, 0, "req", m->desc};
		const msg_desc_t args = {m->name, &arg, 1, m->desc->size};
		rc = decode_struct(&d, &args, msg, 0);
	} else {
		rc = decode_struct(&d, m->desc, msg, 1);
	}
	if (rc)
		return rc;
	if (rd_left(&d.tr.r))
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "thrift: %zu bytes after the end of the %s message",
			       rd_left(&d.tr.r), m->name);
	req->msg = msg;
	return LARCH_OK;
}
