/*
 * rpc.h — the wire layer of larchd: pure bytes <-> C structs, no sockets.
 *
 * It owns
 *   - the Thrift binary and compact protocols (reader and writer over base's
 *     rd_t / buf_t, a generic skip, message headers, framed-transport helpers);
 *   - the IoTDB client service (IClientRPCService): one C struct per request,
 *     decoded from a CALL message through a dispatch table by method name,
 *     and one C struct per reply kind, encoded as a REPLY message;
 *   - the binary payloads inside requests (insertRecord values, tablets with
 *     null bitmaps, template blobs) parsed into tsfile_tablet_t/tsfile_point_t;
 *   - the query result formats: V2 TsBlocks and the V1 TSQueryDataSet.
 *
 * Everything read is untrusted: every read is bounds-checked, every count
 * taken from the input is bounded by the bytes left, nesting is limited, and
 * a malformed input yields LARCH_ILLEGAL_PARAMETER (or RPC_FRAME_OVERSIZE)
 * with a message naming the field and byte offset.  Decoded requests live in
 * a caller-supplied arena; binary fields point INTO the request frame, so the
 * frame must outlive the decoded request.  Strings are NUL-terminated arena
 * copies (a string holding a NUL byte is refused).
 *
 * Typical server loop:
 *   uint8_t hdr[4]; read 4 bytes; rpc_frame_length(hdr, max, &n, &err);
 *   read n bytes into frame;
 *   rpc_request_t req; arena_reset(a);
 *   if (rpc_decode_request(frame, n, a, &req, &err) != LARCH_OK) {
 *           rpc_encode_exception(&out, req.proto, req.name, req.seqid, ...);
 *   }
 *   ... switch (req.method) { case RPC_M_INSERT_TABLET: { rpc_insert_tablet_req_t *q = req.msg; ...
 *   size_t at = rpc_frame_begin(&out);
 *   rpc_encode_reply(&out, &req, &resp, &err);  // resp type: rpc_method_result(req.method)
 *   rpc_frame_end(&out, at);
 */
#ifndef LARCH_RPC_H
#define LARCH_RPC_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "larch/larch.h"
#include "larch/tsfile.h"

/*---------------------------------------------------------------------------
 * IoTDB status codes (TSStatusCode) that status.h does not name
 *---------------------------------------------------------------------------*/

enum {
	RPC_SUCCESS = 200,
	RPC_INCOMPATIBLE_VERSION = 201,
	RPC_UNSUPPORTED_SQL_DIALECT = 205,
	RPC_MULTIPLE_ERROR = 302,
	RPC_FRAME_OVERSIZE = 308,         /* THRIFT_FRAME_OVERSIZE */
	RPC_SET_TIME_ZONE_ERROR = 703,
	RPC_QUERY_NOT_ALLOWED = 704,
	RPC_CLOSE_OPERATION_ERROR = 710,
	RPC_NO_SUCH_QUERY = 714,
	RPC_QUERY_WAS_KILLED = 715,
	RPC_WRONG_LOGIN_PASSWORD = 801,
	RPC_NOT_LOGIN = 802,
	RPC_NO_PERMISSION = 803,
	RPC_USER_NOT_EXIST = 804
};

/*---------------------------------------------------------------------------
 * Thrift protocols (thrift.c)
 *---------------------------------------------------------------------------*/

typedef enum rpc_proto {
	RPC_BINARY = 0,   /* TBinaryProtocol (strict), the clients' default */
	RPC_COMPACT = 1   /* TCompactProtocol ("enable_rpc_compression") */
} rpc_proto_t;

/* Thrift value types, numbered as TBinaryProtocol writes them. */
enum {
	RPC_T_STOP = 0, RPC_T_BOOL = 2, RPC_T_BYTE = 3, RPC_T_DOUBLE = 4,
	RPC_T_I16 = 6, RPC_T_I32 = 8, RPC_T_I64 = 10, RPC_T_STRING = 11,
	RPC_T_STRUCT = 12, RPC_T_MAP = 13, RPC_T_SET = 14, RPC_T_LIST = 15
};

/* Message types. */
enum { RPC_CALL = 1, RPC_REPLY = 2, RPC_EXCEPTION = 3, RPC_ONEWAY = 4 };

/* TApplicationException types used by the server. */
enum { RPC_EXC_UNKNOWN_METHOD = 1, RPC_EXC_INTERNAL_ERROR = 6, RPC_EXC_PROTOCOL_ERROR = 7 };

#define RPC_MAX_DEPTH 64                   /* nested structs/containers */
#define RPC_DEFAULT_MAX_FRAME (64u << 20)  /* 64 MiB, as IoTDB's default */

/* A reader over one message.  Reads never fail individually: the first
 * problem (truncation, a bad type or size, nesting deeper than
 * RPC_MAX_DEPTH) makes the reader bad; later reads return 0 and change
 * nothing.  Check rpc_reader_ok() at the end (or where a loop needs it). */
typedef struct rpc_reader {
	rd_t r;
	rpc_proto_t proto;
	int depth;                           /* open structs + containers */
	int16_t last_id[RPC_MAX_DEPTH + 1];  /* compact: last field id per struct */
	int bool_pending;                    /* compact: a bool field's value came in its header */
	int bool_value;
	const char *why;                     /* reason when bad for other than truncation */
} rpc_reader_t;

void rpc_reader_init(rpc_reader_t *tr, rpc_proto_t proto, const void *data, size_t len);
static inline int rpc_reader_ok(const rpc_reader_t *tr) { return rd_ok(&tr->r); }
/* Fill err with LARCH_ILLEGAL_PARAMETER naming `what` and the offset of the
 * reader's failure; returns the code. */
int rpc_reader_error(const rpc_reader_t *tr, const char *what, larch_error_t *err);

/* Message header.  *name points into the input (not NUL-terminated).  The
 * binary reader accepts the strict form (0x8001 version word) and the old
 * non-strict one; the compact reader requires protocol id 0x82 version 1. */
void rpc_read_message_begin(rpc_reader_t *tr, const char **name, size_t *name_len,
			    int *type, int32_t *seqid);
void rpc_read_struct_begin(rpc_reader_t *tr);
void rpc_read_struct_end(rpc_reader_t *tr);
/* Next field of the open struct: returns 0 at STOP, else 1 with its type
 * (RPC_T_*) and id. */
int rpc_read_field_begin(rpc_reader_t *tr, int *type, int16_t *id);
/* Container headers.  *n is bounded by the bytes left (every element takes
 * at least one byte); rpc_read_container_end must close each. */
void rpc_read_list_begin(rpc_reader_t *tr, int *elem_type, size_t *n);
void rpc_read_map_begin(rpc_reader_t *tr, int *key_type, int *val_type, size_t *n);
void rpc_read_container_end(rpc_reader_t *tr);
int rpc_read_bool(rpc_reader_t *tr);
int8_t rpc_read_i8(rpc_reader_t *tr);
int16_t rpc_read_i16(rpc_reader_t *tr);
int32_t rpc_read_i32(rpc_reader_t *tr);
int64_t rpc_read_i64(rpc_reader_t *tr);
double rpc_read_double(rpc_reader_t *tr);
/* String or binary: a pointer into the input and its length. */
const uint8_t *rpc_read_binary(rpc_reader_t *tr, size_t *len);
/* Skip one value of `type`, whatever it holds (depth-limited). */
void rpc_skip(rpc_reader_t *tr, int type);

/* A writer appending one message to a buf_t (allocation failures are
 * sticky in the buf_t: check buf_ok() at the end). */
typedef struct rpc_writer {
	buf_t *out;
	rpc_proto_t proto;
	int depth;
	int16_t last_id[RPC_MAX_DEPTH + 1];  /* compact: last field id per struct */
	int overflow;                        /* nesting deeper than RPC_MAX_DEPTH */
} rpc_writer_t;

void rpc_writer_init(rpc_writer_t *w, rpc_proto_t proto, buf_t *out);
void rpc_write_message_begin(rpc_writer_t *w, const char *name, size_t name_len, int type,
			     int32_t seqid);
void rpc_write_struct_begin(rpc_writer_t *w);
void rpc_write_struct_end(rpc_writer_t *w);      /* writes the STOP byte */
/* Field header for any type but BOOL (use rpc_write_field_bool). */
void rpc_write_field(rpc_writer_t *w, int type, int16_t id);
void rpc_write_field_bool(rpc_writer_t *w, int16_t id, int v);
void rpc_write_field_i32(rpc_writer_t *w, int16_t id, int32_t v);
void rpc_write_field_i64(rpc_writer_t *w, int16_t id, int64_t v);
void rpc_write_field_string(rpc_writer_t *w, int16_t id, const char *s);
void rpc_write_field_binary(rpc_writer_t *w, int16_t id, const void *p, size_t n);
void rpc_write_list_begin(rpc_writer_t *w, int elem_type, size_t n);
void rpc_write_map_begin(rpc_writer_t *w, int key_type, int val_type, size_t n);
/* Values (inside containers, or after rpc_write_field). */
void rpc_write_bool(rpc_writer_t *w, int v);
void rpc_write_i8(rpc_writer_t *w, int8_t v);
void rpc_write_i16(rpc_writer_t *w, int16_t v);
void rpc_write_i32(rpc_writer_t *w, int32_t v);
void rpc_write_i64(rpc_writer_t *w, int64_t v);
void rpc_write_double(rpc_writer_t *w, double v);
void rpc_write_binary(rpc_writer_t *w, const void *p, size_t n);
void rpc_write_string(rpc_writer_t *w, const char *s);

/*---------------------------------------------------------------------------
 * Framed transport (thrift.c): [i32 BE length N][N bytes of one message]
 *---------------------------------------------------------------------------*/

/* Parse a frame header.  A negative length, zero, or one above max_frame
 * (0 = RPC_DEFAULT_MAX_FRAME) fails: RPC_FRAME_OVERSIZE for too big,
 * LARCH_ILLEGAL_PARAMETER otherwise. */
int rpc_frame_length(const uint8_t hdr[4], size_t max_frame, size_t *len, larch_error_t *err);
/* Reserve the 4 length bytes at the end of `out`; returns their offset. */
size_t rpc_frame_begin(buf_t *out);
/* Fill in the length of the frame begun at `at` (everything after it). */
void rpc_frame_end(buf_t *out, size_t at);
/* The protocol of a message from its first byte: 0x80 binary, 0x82
 * compact, -1 neither. */
int rpc_detect_proto(uint8_t first);

/*---------------------------------------------------------------------------
 * Decoded values
 *---------------------------------------------------------------------------*/

typedef struct rpc_bin { const uint8_t *ptr; size_t len; } rpc_bin_t; /* into the frame */
typedef struct rpc_strs { char **v; size_t n; } rpc_strs_t;          /* list<string> */
typedef struct rpc_i32s { int32_t *v; size_t n; } rpc_i32s_t;        /* list<i32> */
typedef struct rpc_i64s { int64_t *v; size_t n; } rpc_i64s_t;        /* list<i64> */
typedef struct rpc_u8s { uint8_t *v; size_t n; } rpc_u8s_t;          /* list<byte> */
typedef struct rpc_bins { rpc_bin_t *v; size_t n; } rpc_bins_t;      /* list<binary> */
typedef struct rpc_strss { rpc_strs_t *v; size_t n; } rpc_strss_t;   /* list<list<string>> */
typedef struct rpc_i32ss { rpc_i32s_t *v; size_t n; } rpc_i32ss_t;   /* list<list<i32>> */
typedef struct rpc_map { char **keys; char **vals; size_t n; } rpc_map_t; /* map<string,string> */
typedef struct rpc_maps { rpc_map_t *v; size_t n; } rpc_maps_t;      /* list<map<..>> */

/* Every request struct starts with `isset`: bit i is set when field id i
 * was present (rpc_has(q, 4)).  Absent optional fields read as 0 / NULL /
 * empty lists.  Field ids and requiredness follow IoTDB's client.thrift;
 * the comment after each member gives "id R|O". */
#define rpc_has(q, id) ((((q)->isset) >> (id)) & 1u)

typedef struct rpc_empty_req { uint32_t isset; } rpc_empty_req_t;     /* no arguments */

typedef struct rpc_session_req {   /* closeSession, requestStatementId, getTimeZone */
	uint32_t isset;
	int64_t session_id;        /* 1 R */
} rpc_session_req_t;

typedef struct rpc_node_req {      /* showConfiguration */
	uint32_t isset;
	int32_t node_id;           /* 1 R */
} rpc_node_req_t;

typedef struct rpc_open_session_req {
	uint32_t isset;
	int32_t client_protocol;   /* 1 R (2 = V3) */
	char *zone_id;             /* 2 R */
	char *username;            /* 3 R */
	char *password;            /* 4 O */
	rpc_map_t configuration;   /* 5 O: version, sql_dialect, db */
} rpc_open_session_req_t;

typedef struct rpc_set_time_zone_req {
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	char *time_zone;           /* 2 R */
} rpc_set_time_zone_req_t;

typedef struct rpc_exec_req {      /* execute{Query,Update,}Statement{,V2} */
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	char *statement;           /* 2 R */
	int64_t statement_id;      /* 3 R */
	int32_t fetch_size;        /* 4 O (<= 0: server default) */
	int64_t timeout;           /* 5 O (<= 0: none) */
	int enable_redirect_query; /* 6 O */
	int jdbc_query;            /* 7 O */
} rpc_exec_req_t;

typedef struct rpc_fetch_req {     /* fetchResults{,V2} */
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	char *statement;           /* 2 R */
	int32_t fetch_size;        /* 3 R */
	int64_t query_id;          /* 4 R */
	int is_align;              /* 5 R */
	int64_t timeout;           /* 6 O */
	int64_t statement_id;      /* 7 O */
} rpc_fetch_req_t;

typedef struct rpc_close_op_req {
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	int64_t query_id;          /* 2 O */
	int64_t statement_id;      /* 3 O */
	char *prepared_statement_name; /* 4 O */
} rpc_close_op_req_t;

typedef struct rpc_cancel_op_req {
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	int64_t query_id;          /* 2 R */
} rpc_cancel_op_req_t;

typedef struct rpc_fetch_metadata_req {
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	char *type;                /* 2 R */
	char *column_path;         /* 3 O */
} rpc_fetch_metadata_req_t;

typedef struct rpc_batch_req {     /* executeBatchStatement */
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	rpc_strs_t statements;     /* 2 R */
} rpc_batch_req_t;

typedef struct rpc_storage_group_req { /* setStorageGroup(1: sessionId, 2: storageGroup) */
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	char *storage_group;       /* 2 R */
} rpc_storage_group_req_t;

/* deleteStorageGroups(1, 2: list), deleteTimeseries(1, 2: list),
 * createTimeseriesUsingSchemaTemplate(TCreateTimeseriesUsingSchemaTemplateReq) */
typedef struct rpc_paths_req {
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	rpc_strs_t paths;          /* 2 R */
} rpc_paths_req_t;

typedef struct rpc_create_ts_req {
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	char *path;                /* 2 R */
	int32_t data_type;         /* 3 R (TSDataType) */
	int32_t encoding;          /* 4 R */
	int32_t compressor;        /* 5 R */
	rpc_map_t props;           /* 6 O */
	rpc_map_t tags;            /* 7 O */
	rpc_map_t attributes;      /* 8 O */
	char *measurement_alias;   /* 9 O */
} rpc_create_ts_req_t;

typedef struct rpc_create_aligned_req {
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	char *prefix_path;         /* 2 R */
	rpc_strs_t measurements;   /* 3 R */
	rpc_i32s_t data_types;     /* 4 R */
	rpc_i32s_t encodings;      /* 5 R */
	rpc_i32s_t compressors;    /* 6 R */
	rpc_strs_t measurement_alias; /* 7 O */
	rpc_maps_t tags_list;      /* 8 O */
	rpc_maps_t attributes_list; /* 9 O */
} rpc_create_aligned_req_t;

typedef struct rpc_create_multi_req {
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	rpc_strs_t paths;          /* 2 R */
	rpc_i32s_t data_types;     /* 3 R */
	rpc_i32s_t encodings;      /* 4 R */
	rpc_i32s_t compressors;    /* 5 R */
	rpc_maps_t props_list;     /* 6 O */
	rpc_maps_t tags_list;      /* 7 O */
	rpc_maps_t attributes_list; /* 8 O */
	rpc_strs_t measurement_alias_list; /* 9 O */
} rpc_create_multi_req_t;

typedef struct rpc_delete_data_req {
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	rpc_strs_t paths;          /* 2 R */
	int64_t start_time;        /* 3 R */
	int64_t end_time;          /* 4 R (inclusive) */
} rpc_delete_data_req_t;

typedef struct rpc_insert_record_req { /* insertRecord, testInsertRecord */
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	char *prefix_path;         /* 2 R */
	rpc_strs_t measurements;   /* 3 R */
	rpc_bin_t values;          /* 4 R (rpc_parse_record_values) */
	int64_t timestamp;         /* 5 R */
	int is_aligned;            /* 6 O */
	int is_write_to_table;     /* 7 O */
	rpc_u8s_t column_categories; /* 8 O ("columnCategoryies") */
} rpc_insert_record_req_t;

typedef struct rpc_insert_string_record_req {
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	char *prefix_path;         /* 2 R */
	rpc_strs_t measurements;   /* 3 R */
	rpc_strs_t values;         /* 4 R */
	int64_t timestamp;         /* 5 R */
	int is_aligned;            /* 6 O */
	int64_t timeout;           /* 7 O */
} rpc_insert_string_record_req_t;

typedef struct rpc_insert_records_req { /* insertRecords, testInsertRecords */
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	rpc_strs_t prefix_paths;   /* 2 R */
	rpc_strss_t measurements_list; /* 3 R */
	rpc_bins_t values_list;    /* 4 R */
	rpc_i64s_t timestamps;     /* 5 R */
	int is_aligned;            /* 6 O */
} rpc_insert_records_req_t;

typedef struct rpc_insert_string_records_req {
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	rpc_strs_t prefix_paths;   /* 2 R */
	rpc_strss_t measurements_list; /* 3 R */
	rpc_strss_t values_list;   /* 4 R */
	rpc_i64s_t timestamps;     /* 5 R */
	int is_aligned;            /* 6 O */
} rpc_insert_string_records_req_t;

typedef struct rpc_insert_records_one_device_req {
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	char *prefix_path;         /* 2 R */
	rpc_strss_t measurements_list; /* 3 R */
	rpc_bins_t values_list;    /* 4 R */
	rpc_i64s_t timestamps;     /* 5 R */
	int is_aligned;            /* 6 O */
} rpc_insert_records_one_device_req_t;

typedef struct rpc_insert_string_records_one_device_req {
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	char *prefix_path;         /* 2 R */
	rpc_strss_t measurements_list; /* 3 R */
	rpc_strss_t values_list;   /* 4 R */
	rpc_i64s_t timestamps;     /* 5 R */
	int is_aligned;            /* 6 O */
} rpc_insert_string_records_one_device_req_t;

typedef struct rpc_insert_tablet_req { /* insertTablet, testInsertTablet */
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	char *prefix_path;         /* 2 R: device, or table name */
	rpc_strs_t measurements;   /* 3 R */
	rpc_bin_t values;          /* 4 R */
	rpc_bin_t timestamps;      /* 5 R */
	rpc_i32s_t types;          /* 6 R */
	int32_t size;              /* 7 R: rows */
	int is_aligned;            /* 8 O */
	int write_to_table;        /* 9 O */
	rpc_u8s_t column_categories; /* 10 O: TAG 0, FIELD 1, ATTRIBUTE 2 */
	int is_compressed;         /* 11 O */
	rpc_u8s_t encoding_types;  /* 12 O */
	int8_t compress_type;      /* 13 O */
} rpc_insert_tablet_req_t;

typedef struct rpc_insert_tablets_req { /* insertTablets, testInsertTablets */
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	rpc_strs_t prefix_paths;   /* 2 R */
	rpc_strss_t measurements_list; /* 3 R */
	rpc_bins_t values_list;    /* 4 R */
	rpc_bins_t timestamps_list; /* 5 R */
	rpc_i32ss_t types_list;    /* 6 R */
	rpc_i32s_t size_list;      /* 7 R */
	int is_aligned;            /* 8 O */
} rpc_insert_tablets_req_t;

typedef struct rpc_raw_query_req { /* executeRawDataQuery{,V2} */
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	rpc_strs_t paths;          /* 2 R */
	int32_t fetch_size;        /* 3 O */
	int64_t start_time;        /* 4 R (inclusive) */
	int64_t end_time;          /* 5 R (exclusive) */
	int64_t statement_id;      /* 6 R */
	int enable_redirect_query; /* 7 O */
	int jdbc_query;            /* 8 O */
	int64_t timeout;           /* 9 O */
	int legal_path_nodes;      /* 10 O */
} rpc_raw_query_req_t;

typedef struct rpc_last_query_req { /* executeLastDataQuery{,V2} */
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	rpc_strs_t paths;          /* 2 R */
	int32_t fetch_size;        /* 3 O */
	int64_t time;              /* 4 R */
	int64_t statement_id;      /* 5 R */
	int enable_redirect_query; /* 6 O */
	int jdbc_query;            /* 7 O */
	int64_t timeout;           /* 8 O */
	int legal_path_nodes;      /* 9 O */
} rpc_last_query_req_t;

typedef struct rpc_agg_query_req { /* executeAggregationQuery{,V2} */
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	int64_t statement_id;      /* 2 R */
	rpc_strs_t paths;          /* 3 R */
	rpc_i32s_t aggregations;   /* 4 R (TAggregationType) */
	int64_t start_time;        /* 5 O */
	int64_t end_time;          /* 6 O */
	int64_t interval;          /* 7 O */
	int64_t sliding_step;      /* 8 O */
	int32_t fetch_size;        /* 9 O */
	int64_t timeout;           /* 10 O */
	int legal_path_nodes;      /* 11 O */
} rpc_agg_query_req_t;

typedef struct rpc_fast_last_prefix_req { /* executeFastLastDataQueryForOnePrefixPath */
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	rpc_strs_t prefixes;       /* 2 R */
	int32_t fetch_size;        /* 3 O */
	int64_t statement_id;      /* 4 R */
	int enable_redirect_query; /* 5 O */
	int jdbc_query;            /* 6 O */
	int64_t timeout;           /* 7 O */
} rpc_fast_last_prefix_req_t;

typedef struct rpc_fast_last_device_req { /* executeFastLastDataQueryForOneDeviceV2 */
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	char *db;                  /* 2 R */
	char *device_id;           /* 3 R */
	rpc_strs_t sensors;        /* 4 R */
	int32_t fetch_size;        /* 5 O */
	int64_t statement_id;      /* 6 R */
	int enable_redirect_query; /* 7 O */
	int jdbc_query;            /* 8 O */
	int64_t timeout;           /* 9 O */
	int legal_path_nodes;      /* 10 O */
} rpc_fast_last_device_req_t;

typedef struct rpc_create_template_req {
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	char *name;                /* 2 R */
	rpc_bin_t serialized_template; /* 3 R (rpc_parse_template) */
} rpc_create_template_req_t;

typedef struct rpc_append_template_req {
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	char *name;                /* 2 R */
	int is_aligned;            /* 3 R */
	rpc_strs_t measurements;   /* 4 R */
	rpc_i32s_t data_types;     /* 5 R */
	rpc_i32s_t encodings;      /* 6 R */
	rpc_i32s_t compressors;    /* 7 R */
} rpc_append_template_req_t;

typedef struct rpc_prune_template_req {
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	char *name;                /* 2 R */
	char *path;                /* 3 R */
} rpc_prune_template_req_t;

typedef struct rpc_query_template_req {
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	char *name;                /* 2 R */
	int32_t query_type;        /* 3 R (0..6, see the reference 2.4) */
	char *measurement;         /* 4 O */
} rpc_query_template_req_t;

typedef struct rpc_set_template_req {
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	char *template_name;       /* 2 R */
	char *prefix_path;         /* 3 R */
} rpc_set_template_req_t;

typedef struct rpc_unset_template_req {
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	char *prefix_path;         /* 2 R (note the order) */
	char *template_name;       /* 3 R */
} rpc_unset_template_req_t;

typedef struct rpc_drop_template_req {
	uint32_t isset;
	int64_t session_id;        /* 1 R */
	char *template_name;       /* 2 R */
} rpc_drop_template_req_t;

/*---------------------------------------------------------------------------
 * Methods and the request decoder (messages.c)
 *---------------------------------------------------------------------------*/

/* One per method the official clients call; the comment names the request
 * struct that rpc_request_t.msg points to, then the reply kind. */
typedef enum rpc_method {
	RPC_M_UNKNOWN = 0,
	RPC_M_OPEN_SESSION,               /* open_session_req -> OPEN_SESSION */
	RPC_M_CLOSE_SESSION,              /* session_req -> STATUS */
	RPC_M_REQUEST_STATEMENT_ID,       /* session_req -> I64 */
	RPC_M_SET_TIME_ZONE,              /* set_time_zone_req -> STATUS */
	RPC_M_GET_TIME_ZONE,              /* session_req -> TIME_ZONE */
	RPC_M_GET_PROPERTIES,             /* empty_req -> PROPERTIES */
	RPC_M_EXECUTE_STATEMENT,          /* exec_req -> EXEC (V1) */
	RPC_M_EXECUTE_QUERY_STATEMENT,    /* exec_req -> EXEC (V1) */
	RPC_M_EXECUTE_UPDATE_STATEMENT,   /* exec_req -> EXEC (V1) */
	RPC_M_EXECUTE_STATEMENT_V2,       /* exec_req -> EXEC */
	RPC_M_EXECUTE_QUERY_STATEMENT_V2, /* exec_req -> EXEC */
	RPC_M_EXECUTE_UPDATE_STATEMENT_V2, /* exec_req -> EXEC */
	RPC_M_EXECUTE_RAW_DATA_QUERY,     /* raw_query_req -> EXEC (V1) */
	RPC_M_EXECUTE_RAW_DATA_QUERY_V2,  /* raw_query_req -> EXEC */
	RPC_M_EXECUTE_LAST_DATA_QUERY,    /* last_query_req -> EXEC (V1) */
	RPC_M_EXECUTE_LAST_DATA_QUERY_V2, /* last_query_req -> EXEC */
	RPC_M_EXECUTE_AGGREGATION_QUERY,  /* agg_query_req -> EXEC (V1) */
	RPC_M_EXECUTE_AGGREGATION_QUERY_V2, /* agg_query_req -> EXEC */
	RPC_M_FAST_LAST_PREFIX,           /* fast_last_prefix_req -> EXEC */
	RPC_M_FAST_LAST_DEVICE_V2,        /* fast_last_device_req -> EXEC */
	RPC_M_FETCH_RESULTS,              /* fetch_req -> FETCH (V1) */
	RPC_M_FETCH_RESULTS_V2,           /* fetch_req -> FETCH */
	RPC_M_CLOSE_OPERATION,            /* close_op_req -> STATUS */
	RPC_M_CANCEL_OPERATION,           /* cancel_op_req -> STATUS */
	RPC_M_FETCH_METADATA,             /* fetch_metadata_req -> STATUS_ONLY */
	RPC_M_EXECUTE_BATCH_STATEMENT,    /* batch_req -> STATUS */
	RPC_M_SET_STORAGE_GROUP,          /* storage_group_req -> STATUS */
	RPC_M_DELETE_STORAGE_GROUPS,      /* paths_req -> STATUS */
	RPC_M_CREATE_TIMESERIES,          /* create_ts_req -> STATUS */
	RPC_M_CREATE_ALIGNED_TIMESERIES,  /* create_aligned_req -> STATUS */
	RPC_M_CREATE_MULTI_TIMESERIES,    /* create_multi_req -> STATUS */
	RPC_M_DELETE_TIMESERIES,          /* paths_req -> STATUS */
	RPC_M_DELETE_DATA,                /* delete_data_req -> STATUS */
	RPC_M_INSERT_RECORD,              /* insert_record_req -> STATUS */
	RPC_M_INSERT_STRING_RECORD,       /* insert_string_record_req -> STATUS */
	RPC_M_INSERT_RECORDS,             /* insert_records_req -> STATUS */
	RPC_M_INSERT_STRING_RECORDS,      /* insert_string_records_req -> STATUS */
	RPC_M_INSERT_RECORDS_OF_ONE_DEVICE, /* insert_records_one_device_req -> STATUS */
	RPC_M_INSERT_STRING_RECORDS_OF_ONE_DEVICE, /* insert_string_records_one_device_req */
	RPC_M_INSERT_TABLET,              /* insert_tablet_req -> STATUS */
	RPC_M_INSERT_TABLETS,             /* insert_tablets_req -> STATUS */
	RPC_M_TEST_INSERT_RECORD,         /* the test* variants: same structs as the */
	RPC_M_TEST_INSERT_STRING_RECORD,  /* real ones; answer 200 without writing */
	RPC_M_TEST_INSERT_RECORDS,
	RPC_M_TEST_INSERT_STRING_RECORDS,
	RPC_M_TEST_INSERT_RECORDS_OF_ONE_DEVICE,
	RPC_M_TEST_INSERT_TABLET,
	RPC_M_TEST_INSERT_TABLETS,
	RPC_M_CREATE_SCHEMA_TEMPLATE,     /* create_template_req -> STATUS */
	RPC_M_APPEND_SCHEMA_TEMPLATE,     /* append_template_req -> STATUS */
	RPC_M_PRUNE_SCHEMA_TEMPLATE,      /* prune_template_req -> STATUS */
	RPC_M_QUERY_SCHEMA_TEMPLATE,      /* query_template_req -> QUERY_TEMPLATE */
	RPC_M_SET_SCHEMA_TEMPLATE,        /* set_template_req -> STATUS */
	RPC_M_UNSET_SCHEMA_TEMPLATE,      /* unset_template_req -> STATUS */
	RPC_M_DROP_SCHEMA_TEMPLATE,       /* drop_template_req -> STATUS */
	RPC_M_CREATE_TIMESERIES_USING_TEMPLATE, /* paths_req (devicePathList) -> STATUS */
	RPC_M_GET_BACKUP_CONFIGURATION,   /* empty_req -> BACKUP_CONFIG */
	RPC_M_FETCH_ALL_CONNECTIONS_INFO, /* empty_req -> CONNECTIONS */
	RPC_M_TEST_CONNECTION_EMPTY_RPC,  /* empty_req -> STATUS */
	RPC_M_HANDSHAKE,                  /* empty_req (arguments skipped) -> STATUS */
	RPC_M_SHOW_CONFIGURATION,         /* node_req -> CONTENT */
	RPC_M_SHOW_CONFIGURATION_TEMPLATE, /* empty_req -> CONTENT */
	RPC_M_COUNT
} rpc_method_t;

/* What a method returns: the struct rpc_encode_reply expects. */
typedef enum rpc_result {
	RPC_R_STATUS,          /* rpc_status_t */
	RPC_R_STATUS_ONLY,     /* rpc_status_t, wrapped in a struct {1: status} */
	RPC_R_I64,             /* int64_t */
	RPC_R_OPEN_SESSION,    /* rpc_open_session_resp_t */
	RPC_R_TIME_ZONE,       /* rpc_time_zone_resp_t */
	RPC_R_PROPERTIES,      /* rpc_properties_t */
	RPC_R_EXEC,            /* rpc_exec_resp_t */
	RPC_R_FETCH,           /* rpc_fetch_resp_t */
	RPC_R_QUERY_TEMPLATE,  /* rpc_query_template_resp_t */
	RPC_R_BACKUP_CONFIG,   /* rpc_backup_config_resp_t */
	RPC_R_CONNECTIONS,     /* rpc_connections_resp_t */
	RPC_R_CONTENT          /* rpc_content_resp_t */
} rpc_result_t;

typedef struct rpc_request {
	rpc_proto_t proto;     /* detected from the first byte */
	int type;              /* RPC_CALL or RPC_ONEWAY */
	char *name;            /* method name (arena copy); NULL if the header failed */
	int32_t seqid;         /* echo it in the reply */
	rpc_method_t method;   /* RPC_M_UNKNOWN: unknown name (msg is NULL) */
	void *msg;             /* the request struct (arena), see rpc_method_t */
} rpc_request_t;

/* Decode one message (the frame body, without its length) into *req, all
 * allocations from `a`.  Unknown fields are skipped; a missing required
 * field, a malformed message or trailing bytes fail with
 * LARCH_ILLEGAL_PARAMETER.  An unknown method name fails with
 * LARCH_UNSUPPORTED, req->method = RPC_M_UNKNOWN.  On failure req->name and
 * req->seqid are filled when the header could be read (for the exception
 * reply) and req->proto always. */
int rpc_decode_request(const uint8_t *frame, size_t len, arena_t *a, rpc_request_t *req,
		       larch_error_t *err);

rpc_method_t rpc_method_lookup(const char *name, size_t len);
const char *rpc_method_name(rpc_method_t m);
rpc_result_t rpc_method_result(rpc_method_t m);

/*---------------------------------------------------------------------------
 * Replies (reply.c)
 *---------------------------------------------------------------------------*/

typedef struct rpc_endpoint { const char *ip; int32_t port; } rpc_endpoint_t;

/* TSStatus.  `code` is IoTDB's (200 success); message NULL = absent;
 * sub statuses are written when sub != NULL (n_sub may be 0). */
typedef struct rpc_status {
	int32_t code;
	const char *message;
	const struct rpc_status *sub;
	size_t n_sub;
	const rpc_endpoint_t *redirect;  /* NULL: absent */
	int has_need_retry, need_retry;
} rpc_status_t;

/* Status from a Larch error: LARCH_OK -> 200, else err's code/message. */
rpc_status_t rpc_status_from(int rc, const larch_error_t *err);

typedef struct rpc_open_session_resp {
	rpc_status_t status;
	int32_t server_protocol_version;      /* 2 */
	int has_session_id;
	int64_t session_id;
	const char *const *config_keys;       /* configuration map, NULL: absent */
	const char *const *config_vals;
	size_t n_config;
} rpc_open_session_resp_t;

typedef struct rpc_time_zone_resp {
	rpc_status_t status;
	const char *time_zone;
} rpc_time_zone_resp_t;

typedef struct rpc_properties {
	const char *version;
	const char *const *time_aggregations; /* supportedTimeAggregationOperations */
	size_t n_time_aggregations;
	const char *timestamp_precision;      /* "ms" "us" "ns" */
	int32_t max_concurrent_client_num;
	int has_thrift_max_frame_size;
	int32_t thrift_max_frame_size;
	int has_is_read_only;
	int is_read_only;
	const char *build_info;               /* NULL: absent */
	const char *logo;
} rpc_properties_t;

/* V1 TSQueryDataSet under construction (result.c). */
typedef struct rpc_qds {
	size_t n_columns;
	tsfile_type_t *types;     /* logical type per value column */
	buf_t time;               /* R x i64 */
	buf_t *values;            /* per column: non-null values */
	buf_t *bitmaps;           /* per column: MSB-first, bit set = present */
	size_t n_rows;
} rpc_qds_t;

typedef struct rpc_exec_resp {
	rpc_status_t status;
	int has_query_id;
	int64_t query_id;
	const char *const *columns;           /* NULL: absent */
	size_t n_columns;
	const char *operation_type;
	int has_ignore_time_stamp, ignore_time_stamp;
	const char *const *data_types;        /* type names, NULL: absent */
	size_t n_data_types;
	const rpc_qds_t *query_data_set;      /* V1; NULL: absent */
	const char *const *index_names;       /* columnNameIndexMap; NULL: absent */
	const int32_t *index_values;
	size_t n_index;
	int has_sg_columns;                   /* write sgColumns = [] */
	const rpc_bin_t *query_result;        /* V2 TsBlocks; NULL: absent */
	size_t n_query_result;
	int has_more_data, more_data;
	const char *database;
	int has_table_model, table_model;
	const int32_t *column_index_to_block; /* columnIndex2TsBlockColumnIndexList */
	size_t n_column_index_to_block;
} rpc_exec_resp_t;

typedef struct rpc_fetch_resp {
	rpc_status_t status;
	int has_result_set;
	int is_align;
	const rpc_qds_t *query_data_set;      /* V1; NULL: absent */
	const rpc_bin_t *query_result;        /* V2; NULL: absent */
	size_t n_query_result;
	int has_more_data, more_data;
} rpc_fetch_resp_t;

typedef struct rpc_query_template_resp {
	rpc_status_t status;
	int32_t query_type;
	int has_result, result;
	int has_count;
	int32_t count;
	const char *const *measurements;      /* NULL: absent */
	size_t n_measurements;
} rpc_query_template_resp_t;

typedef struct rpc_backup_config_resp {
	rpc_status_t status;
	int has_enable_operation_sync, enable_operation_sync;
	const char *secondary_address;
	int has_secondary_port;
	int32_t secondary_port;
} rpc_backup_config_resp_t;

typedef struct rpc_connection_info {
	const char *user_name;
	int64_t log_in_time;
	const char *connection_id;
	int32_t type;
} rpc_connection_info_t;

typedef struct rpc_connections_resp {
	const rpc_connection_info_t *v;
	size_t n;
} rpc_connections_resp_t;

typedef struct rpc_content_resp {
	rpc_status_t status;
	const char *content;
} rpc_content_resp_t;

/* Append the REPLY message for `req` (its name and seqid) with the result
 * `resp`, whose C type is the one rpc_method_result(req->method) names.
 * Fails (LARCH_INTERNAL_ERROR) on a buffer allocation failure or an unknown
 * method; `out` may then hold a partial message. */
int rpc_encode_reply(buf_t *out, const rpc_request_t *req, const void *resp,
		     larch_error_t *err);
/* Append a TApplicationException message (type RPC_EXC_*). */
int rpc_encode_exception(buf_t *out, rpc_proto_t proto, const char *name, int32_t seqid,
			 int exc_type, const char *message, larch_error_t *err);
/* Write a TSStatus struct body (used by the reply encoders and tests). */
void rpc_write_status(rpc_writer_t *w, const rpc_status_t *st);

/*---------------------------------------------------------------------------
 * Payloads inside requests (payload.c)
 *---------------------------------------------------------------------------*/

/* insertRecord values type bytes beyond TSDataType: */
#define RPC_VALUE_RAW_STRING 0xFF  /* i32 length + bytes; the server infers the type */
#define RPC_VALUE_NULL 0xFE        /* no value bytes */

/* Parse an insertRecord `values` blob for n measurements into points[n]
 * (caller's array): point i gets names[i] and its typed value; a
 * RPC_VALUE_NULL entry gives is_null = 1; a RPC_VALUE_RAW_STRING entry
 * gives type TSFILE_TEXT and sets infer[i] = 1 (infer may be NULL, then
 * such entries fail).  Text values point into `blob`.  The blob must hold
 * exactly n entries. */
int rpc_parse_record_values(rpc_bin_t blob, const char *const *names, size_t n,
			    tsfile_point_t *points, uint8_t *infer, larch_error_t *err);

/* A decoded tablet: `tablet` as the engine takes it (columns' values are
 * arrays in host order from the arena, TEXT values point into the frame,
 * is_null arrays where the bitmap trailer marks nulls). */
typedef struct rpc_tablet {
	tsfile_tablet_t tablet;
	int aligned;
	int to_table;                 /* table model (writeToTable) */
	const uint8_t *categories;    /* table model: TAG 0, FIELD 1, ATTRIBUTE 2 per column */
} rpc_tablet_t;

/* Parse one tablet: device/table name, measurements, TSDataType numbers,
 * row count, the timestamps and values blobs (4.3 of the reference).  Each
 * column holds `rows` entries; an optional bitmap trailer follows (one flag
 * byte per column, then rows/8+1 LSB-first bytes, bit set = null).  Counts
 * must agree; rows are bounded by the blob sizes. */
int rpc_parse_tablet(const char *target, const rpc_strs_t *measurements,
		     const rpc_i32s_t *types, int32_t rows, rpc_bin_t times, rpc_bin_t values,
		     arena_t *a, rpc_tablet_t *out, larch_error_t *err);
/* insertTablet: the above plus isAligned, and for writeToTable the column
 * categories (required, one per column, each 0..2).  isCompressed = true
 * (the Java session's column-encoded tablets: encodingTypes, compressType)
 * yields the same tablet; malformed streams are LARCH_ILLEGAL_PARAMETER
 * naming the column, CHIMP / SPRINTZ / RLBE columns LARCH_UNSUPPORTED
 * (payload.c, "Column-encoded tablets"). */
int rpc_parse_insert_tablet(const rpc_insert_tablet_req_t *q, arena_t *a, rpc_tablet_t *out,
			    larch_error_t *err);
/* Tablet i of insertTablets (i < q->prefix_paths.n; list lengths checked). */
int rpc_parse_insert_tablets_item(const rpc_insert_tablets_req_t *q, size_t i, arena_t *a,
				  rpc_tablet_t *out, larch_error_t *err);

/* A schema template (createSchemaTemplate.serializedTemplate, 4.5). */
typedef struct rpc_template_measurement {
	const char *prefix;           /* "" at top level */
	int aligned;
	const char *name;
	int32_t data_type, encoding, compressor;
} rpc_template_measurement_t;

typedef struct rpc_template {
	const char *name;
	int share_time;
	rpc_template_measurement_t *m;
	size_t n;
} rpc_template_t;

int rpc_parse_template(rpc_bin_t blob, arena_t *a, rpc_template_t *out, larch_error_t *err);

/*---------------------------------------------------------------------------
 * Query results (result.c)
 *---------------------------------------------------------------------------*/

/* Names used in dataTypeList ("INT32", ...), NULL for other types. */
const char *rpc_type_name(tsfile_type_t t);

/* Append one serialized TsBlock (5.3) holding rows [off, off + n) of
 * `block` (n > 0) to `out`: time column INT64_ARRAY, value columns by
 * physical type with MSB-first null bits.  Fails with
 * LARCH_ILLEGAL_PARAMETER for an unsupported column type or a bad range. */
int rpc_tsblock_encode(buf_t *out, const larch_block_t *block, size_t off, size_t n,
		       larch_error_t *err);

/* V1 TSQueryDataSet: init with the value columns' types, append row ranges
 * of blocks (same column layout), write it as a struct field, free. */
int rpc_qds_init(rpc_qds_t *q, const tsfile_type_t *types, size_t n_columns, larch_error_t *err);
int rpc_qds_append(rpc_qds_t *q, const larch_block_t *block, size_t off, size_t n,
		   larch_error_t *err);
void rpc_qds_reset(rpc_qds_t *q);     /* empty it for the next batch, same columns */
void rpc_qds_free(rpc_qds_t *q);
void rpc_write_qds(rpc_writer_t *w, const rpc_qds_t *q);  /* the struct body */

#endif
