/*
 * bench_int.h — the parts of larch-bench (src/tools/bench.c) that live in
 * their own files: the run configuration, the latency histogram (hist.c),
 * the local server's CPU and memory from /proc (proc.c), and the workload
 * — generated data, schema, write batches and the SQL of Q1..Q10
 * (workload.c).  Everything here talks to the server only through the
 * native client (include/larch/client.h), so it runs unchanged against
 * Apache IoTDB.
 */
#ifndef LARCH_TOOLS_BENCH_INT_H
#define LARCH_TOOLS_BENCH_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/base.h"
#include "larch/client.h"

/*---------------------------------------------------------------------------
 * Operations and configuration
 *---------------------------------------------------------------------------*/

/* The operation kinds, in the order of IoTDB-benchmark's
 * OPERATION_PROPORTION (write, Q1..Q10), then the unmeasured-mix kinds. */
typedef enum bench_op {
	BENCH_WRITE,
	BENCH_Q1,   /* point:                 time = t */
	BENCH_Q2,   /* time range */
	BENCH_Q3,   /* time range + value filter */
	BENCH_Q4,   /* aggregate over a time range */
	BENCH_Q5,   /* aggregate with a value filter */
	BENCH_Q6,   /* aggregate with time and value filters */
	BENCH_Q7,   /* GROUP BY time windows over a range */
	BENCH_Q8,   /* latest point (SELECT LAST) */
	BENCH_Q9,   /* time range, ORDER BY TIME DESC */
	BENCH_Q10,  /* time range + value filter, ORDER BY TIME DESC */
	BENCH_N_MIX,                 /* kinds the --ops mix chooses from */
	BENCH_PREFILL = BENCH_N_MIX, /* writes of --prefill, before the measured phase */
	BENCH_N_OPS
} bench_op_t;

/* Name of an operation kind ("WRITE", "Q1_POINT", ...). */
const char *bench_op_name(bench_op_t op);

typedef enum bench_mode {
	BENCH_MODE_TABLET,  /* insertTablet, one call per batch */
	BENCH_MODE_RECORD,  /* insertRecord, one call per row */
	BENCH_MODE_STRING   /* insertStringRecord, one call per row */
} bench_mode_t;

#define BENCH_MAX_TYPES 16

typedef struct bench_config {
	larch_client_options_t client; /* host, port, user, ... */
	const char *database;          /* "root.bench"; devices are <database>.d_<i> */
	size_t devices;
	size_t sensors;                /* per device, named s_<j> */
	tsfile_type_t types[BENCH_MAX_TYPES]; /* sensor j has types[j % n_types] */
	size_t n_types;
	bench_mode_t mode;
	int aligned;                   /* aligned series and calls: --aligned or mode_aligned */
	int mode_aligned;              /* --mode aligned */
	size_t batch;                  /* rows per write operation */
	size_t clients;                /* threads, one session each */
	long loops;                    /* operations per client; 0: run for duration_s */
	double duration_s;
	int64_t start_ms;              /* time of row 0 */
	int64_t step_ms;               /* time between rows */
	double out_of_order;           /* fraction of batches written late */
	double mix[BENCH_N_MIX];       /* weights of the operation kinds */
	size_t query_sensors;          /* sensors per query */
	int64_t query_span_ms;         /* length of the range of Q2..Q7, Q9, Q10 */
	int64_t group_by_ms;           /* Q7 window */
	double threshold;              /* value filter: sensor > threshold */
	const char *agg;               /* aggregate function of Q4..Q7 */
	size_t prefill;                /* rows per device written before the measured phase */
	int create_schema;
	int clean;                     /* delete the database first */
	int verify;                    /* count the points at the end */
	pid_t server_pid;              /* 0: find it by the port when the host is local */
	uint64_t seed;
} bench_config_t;

/*---------------------------------------------------------------------------
 * Latency histogram (hist.c)
 *
 * Log-linear buckets over nanoseconds: values below 64 exactly, above that
 * 32 buckets per power of two (relative error under 3.2%), so a histogram
 * is a fixed 15 KiB however long the run; min, max and the sum are exact.
 *---------------------------------------------------------------------------*/

#define HIST_SUB_BITS 5
#define HIST_BUCKETS ((64 - HIST_SUB_BITS) * (1u << HIST_SUB_BITS) + 64)

typedef struct hist {
	uint64_t count;
	uint64_t sum_ns;
	uint64_t min_ns, max_ns;
	uint64_t buckets[HIST_BUCKETS];
} hist_t;

/* CLOCK_MONOTONIC in nanoseconds (the clock of every latency). */
uint64_t bench_now_ns(void);

void hist_init(hist_t *h);
void hist_add(hist_t *h, uint64_t ns);
/* Add every sample of src to dst. */
void hist_merge(hist_t *dst, const hist_t *src);
/* The q-quantile (0 < q <= 1) in ns: the middle of the bucket holding the
 * ceil(q * count)-th sample, clamped to [min, max]; 0 for no samples. */
uint64_t hist_quantile(const hist_t *h, double q);

/*---------------------------------------------------------------------------
 * The local server process (proc.c)
 *---------------------------------------------------------------------------*/

/* The pid of the process with a TCP socket listening on `port` (IPv4 or
 * IPv6, from /proc/net/tcp{,6} and /proc/<pid>/fd), or 0 when there is
 * none we can see. */
pid_t proc_find_listener(int port);

typedef struct proc_usage {
	double cpu_s;    /* user + system seconds since the process started */
	double user_s, sys_s;
	long rss_kb;     /* VmRSS */
	long hwm_kb;     /* VmHWM: the peak RSS of the process's life */
} proc_usage_t;

/* Read /proc/<pid>/stat and status.  LARCH_OK, or LARCH_EXECUTE_ERROR when
 * the process is gone or the files do not parse. */
int proc_read_usage(pid_t pid, proc_usage_t *u, larch_error_t *err);

/* A thread sampling VmRSS of pid every period_ms, keeping the maximum. */
typedef struct proc_sampler proc_sampler_t;
int proc_sampler_start(pid_t pid, int period_ms, proc_sampler_t **out, larch_error_t *err);
/* Reset the maximum to the current RSS (the start of a measured phase). */
void proc_sampler_reset(proc_sampler_t *s);
/* The largest VmRSS seen since the start or the last reset, in KiB. */
long proc_sampler_peak_kb(proc_sampler_t *s);
/* Stop the thread and free s (NULL is a no-op). */
void proc_sampler_stop(proc_sampler_t *s);

/*---------------------------------------------------------------------------
 * Workload (workload.c)
 *---------------------------------------------------------------------------*/

/* Values repeat with this period in rows, so each sensor's column is
 * generated once and a batch's columns point into it (no per-write
 * generation).  Device d starts at phase (7 * d) % period. */
#define WL_PERIOD 1000

/* Shared, read-only after wl_data_new: names, types, value tables. */
typedef struct wl_data wl_data_t;

int wl_data_new(const bench_config_t *cfg, wl_data_t **out, larch_error_t *err);
void wl_data_free(wl_data_t *d);

/* 1 for the types a value filter compares (INT32, INT64, FLOAT, DOUBLE). */
int wl_type_is_numeric(tsfile_type_t t);

/* Timestamp units per millisecond of the server's precision ("ms", "us",
 * "ns"); 1 for anything else. */
int64_t wl_units_per_ms(const char *precision);

/* Delete the database when cfg->clean, then create it when
 * cfg->create_schema (an existing database is accepted). */
int wl_prepare_database(larch_session_t *s, const wl_data_t *d, larch_error_t *err);
/* Create the series of device dev (aligned or not, per cfg); series that
 * exist already are accepted. */
int wl_create_device(larch_session_t *s, const wl_data_t *d, size_t dev, larch_error_t *err);

/* One client's writing state: which of its devices is next, and per
 * device the next in-order batch and the batches held back to be written
 * out of order. */
typedef struct wl_writer wl_writer_t;

/* Writer of client `client` (devices d with d % clients == client), times
 * in units of `units_per_ms`. */
int wl_writer_new(const wl_data_t *d, size_t client, int64_t units_per_ms, wl_writer_t **out,
		  larch_error_t *err);
void wl_writer_free(wl_writer_t *w);
/* Devices this client writes. */
size_t wl_writer_devices(const wl_writer_t *w);

/* Per-call outcome hook: the write op calls it once per RPC (one per batch
 * for tablets, one per row for records) with the latency, the points it
 * carried and its status. */
typedef void (*wl_call_fn)(void *ctx, uint64_t ns, size_t points, int rc,
			   const larch_error_t *err);

/* Write the next batch of the next device (round robin over the client's
 * devices), choosing with *rng whether to hold it back (--out-of-order) or
 * to write a held-back one. */
void wl_write_next(wl_writer_t *w, larch_session_t *s, uint64_t *rng, wl_call_fn fn,
		   void *ctx);
/* Write batches of every device until each has `rows` in-order rows
 * (used by --prefill; no reordering). */
void wl_write_until(wl_writer_t *w, larch_session_t *s, size_t rows, wl_call_fn fn, void *ctx);
/* Write every held-back batch (the end of a run). */
void wl_write_held(wl_writer_t *w, larch_session_t *s, wl_call_fn fn, void *ctx);

/* Rows of device dev written in order so far (any thread may ask). */
int64_t wl_device_rows(const wl_data_t *d, size_t dev);

/* Build the SQL of query kind op (Q1..Q10) on a random device, sensors and
 * range into sql[n] (snprintf semantics).  0 when the query was built, -1
 * when the text does not fit. */
int wl_query_sql(const wl_data_t *d, bench_op_t op, int64_t units_per_ms, uint64_t *rng,
		 char *sql, size_t n);

/* Run sql and count the points it returned: non-null values, or rows when
 * rows_only (SELECT LAST answers a row per series: Timeseries, Value,
 * DataType).  LARCH_OK or the client's error. */
int wl_run_query(larch_session_t *s, const char *sql, int rows_only, size_t *points,
		 larch_error_t *err);

/* Sum of count(*) over every series of the database. */
int wl_count_points(larch_session_t *s, const wl_data_t *d, uint64_t *out, larch_error_t *err);

/* xorshift64*: the next pseudo-random 64-bit value of *state (non-zero). */
uint64_t wl_rand(uint64_t *state);
/* A uniform double in [0, 1). */
double wl_rand_unit(uint64_t *state);

#endif
