/*
 * larch/status.h — status codes and the error record shared by every Larch API.
 *
 * Every fallible function returns an int status: LARCH_OK (0) on success, a
 * positive code on failure.  Failure codes reuse Apache IoTDB's TSStatus
 * numbers where IoTDB has one, so the server can pass them through to clients
 * unchanged (the server maps LARCH_OK to IoTDB's 200).  LARCH_DONE is not an
 * error: iterators return it when they are exhausted.
 *
 * Functions that can fail also take a `larch_error_t *err` (which may be NULL);
 * on failure they fill it with the code and a one-line message naming the
 * offending input (a path, a byte offset, a token).
 */
#ifndef LARCH_STATUS_H
#define LARCH_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

enum {
	LARCH_OK = 0,                     /* success (IoTDB 200) */
	LARCH_DONE = 1,                   /* iterator exhausted; not an error */
	LARCH_UNSUPPORTED = 300,          /* UNSUPPORTED_OPERATION */
	LARCH_EXECUTE_ERROR = 301,        /* EXECUTE_STATEMENT_ERROR */
	LARCH_ILLEGAL_PARAMETER = 303,    /* ILLEGAL_PARAMETER: bad argument */
	LARCH_INTERNAL_ERROR = 305,       /* INTERNAL_SERVER_ERROR */
	LARCH_DATABASE_NOT_EXIST = 500,   /* DATABASE_NOT_EXIST */
	LARCH_DATABASE_ALREADY_EXISTS = 501, /* DATABASE_ALREADY_EXISTS */
	LARCH_TIMESERIES_ALREADY_EXIST = 503, /* TIMESERIES_ALREADY_EXIST */
	LARCH_ALIAS_ALREADY_EXIST = 505,  /* ALIAS_ALREADY_EXIST */
	LARCH_PATH_ALREADY_EXIST = 506,   /* PATH_ALREADY_EXIST */
	LARCH_METADATA_ERROR = 507,       /* METADATA_ERROR: schema conflict */
	LARCH_PATH_NOT_EXIST = 508,       /* PATH_NOT_EXIST: no such series/device */
	LARCH_ILLEGAL_PATH = 509,         /* ILLEGAL_PATH */
	LARCH_CREATE_TEMPLATE_ERROR = 510, /* CREATE_TEMPLATE_ERROR */
	LARCH_UNDEFINED_TEMPLATE = 512,   /* UNDEFINED_TEMPLATE */
	LARCH_TEMPLATE_NOT_SET = 513,     /* TEMPLATE_NOT_SET */
	LARCH_DIFFERENT_TEMPLATE = 514,   /* DIFFERENT_TEMPLATE */
	LARCH_TEMPLATE_IS_IN_USE = 515,   /* TEMPLATE_IS_IN_USE */
	LARCH_TEMPLATE_INCOMPATIBLE = 516, /* TEMPLATE_INCOMPATIBLE */
	LARCH_TEMPLATE_NOT_ACTIVATED = 524, /* TEMPLATE_NOT_ACTIVATED */
	LARCH_SCHEMA_QUOTA_EXCEEDED = 526, /* SCHEMA_QUOTA_EXCEEDED */
	LARCH_MEASUREMENT_IN_TEMPLATE = 527, /* MEASUREMENT_ALREADY_EXISTS_IN_TEMPLATE */
	LARCH_DATABASE_CONFLICT = 529,    /* DATABASE_CONFLICT */
	LARCH_STORAGE_ERROR = 601,        /* STORAGE_ENGINE_ERROR: I/O failure */
	LARCH_CORRUPTED = 604,            /* TSFILE_PROCESSOR_ERROR: bad file bytes */
	LARCH_WRITE_ERROR = 605,          /* WRITE_PROCESS_ERROR */
	LARCH_NO_MEMORY = 606,            /* WRITE_PROCESS_REJECT: memory budget */
	LARCH_OUT_OF_TTL = 607,           /* OUT_OF_TTL: a write older than the TTL */
	LARCH_ALIGNED_TIMESERIES_ERROR = 609, /* ALIGNED_TIMESERIES_ERROR */
	LARCH_DATA_TYPE_MISMATCH = 614,   /* DATA_TYPE_MISMATCH */
	LARCH_PARSE_ERROR = 700,          /* SQL_PARSE_ERROR (also filter text) */
	LARCH_SEMANTIC_ERROR = 701,       /* SEMANTIC_ERROR */
	LARCH_WRONG_LOGIN_PASSWORD = 801, /* WRONG_LOGIN_PASSWORD: unknown user or bad password */
	LARCH_NO_PERMISSION = 803,        /* NO_PERMISSION */
	LARCH_USER_NOT_EXIST = 804,       /* USER_NOT_EXIST */
	LARCH_USER_ALREADY_EXIST = 805    /* USER_ALREADY_EXIST */
};

#define LARCH_ERROR_MSG_MAX 256

/* A status code plus a human-readable message. Zero-initialise before use. */
typedef struct larch_error {
	int code;
	char msg[LARCH_ERROR_MSG_MAX];
} larch_error_t;

#ifdef __cplusplus
}
#endif
#endif
