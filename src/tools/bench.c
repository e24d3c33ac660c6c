/*
 * larch-bench — a load generator for larchd and Apache IoTDB in the style of
 * IoTDB-benchmark: devices x sensors, client threads with one session each,
 * writes (tablets, records, string records; aligned or not, in order or
 * partly out of order) mixed with the query kinds Q1..Q10, per-operation
 * throughput and latency, and the local server's CPU time and memory.
 *
 * This file owns the options, the client threads and the report; the data,
 * schema, batches and SQL are in bench/workload.c, the latency histogram in
 * bench/hist.c, /proc reading in bench/proc.c.  It speaks only the client
 * protocol (include/larch/client.h), so it runs unchanged against IoTDB.
 *
 * Phases: connect every client; create the database and each client's
 * devices; --prefill (timed apart); the measured phase (--loops operations
 * per client, or --duration seconds), ending with every held-back
 * out-of-order batch; --verify.  Exit status: 0, 1 if any operation failed
 * or the verification found a different point count, 2 for bad usage.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"
#include "bench/bench_int.h"
#include "larch/client.h"

#define SQL_MAX 8192

static const char *const op_names[BENCH_N_OPS] = {
	"WRITE", "Q1_POINT", "Q2_RANGE", "Q3_RANGE_VALUE", "Q4_AGG_RANGE", "Q5_AGG_VALUE",
	"Q6_AGG_RANGE_VALUE", "Q7_GROUP_BY", "Q8_LATEST", "Q9_RANGE_DESC", "Q10_VALUE_DESC",
	"PREFILL"
};

const char *bench_op_name(bench_op_t op)
{
	return op_names[op];
}

/*---------------------------------------------------------------------------
 * Options
 *---------------------------------------------------------------------------*/

static void usage(FILE *f)
{
	fprintf(f,
"usage: larch-bench [options]\n"
"Connection (IoTDB's client protocol; larchd or Apache IoTDB):\n"
"  -h, --host HOST          server address (127.0.0.1)\n"
"  -p, --port PORT          server port (6667)\n"
"  -u, --user USER          user (root)\n"
"  -w, --password PW        password (root)\n"
"      --compression        Thrift compact protocol (IoTDB's enable_rpc_compression)\n"
"      --ssl                TLS; --ca-file FILE verifies the server with FILE\n"
"      --fetch-size N       rows per query fetch (5000)\n"
"Data:\n"
"      --database PATH      database; devices are PATH.d_<i> (root.bench)\n"
"  -d, --devices N          devices (10)\n"
"  -s, --sensors N          sensors per device, s_<j> (10)\n"
"  -t, --types LIST         sensor types, assigned round robin: boolean, int32,\n"
"                           int64, float, double, text, string, date, timestamp (double)\n"
"  -m, --mode MODE          writes: aligned (aligned tablets), tablet (non-aligned\n"
"                           tablets), record (insertRecord, one row per call),\n"
"                           string (insertStringRecord, one row per call) (aligned)\n"
"      --aligned            aligned series and calls in the record and string modes\n"
"  -b, --batch N            rows per write operation (100); record modes send them\n"
"                           as N calls, each measured as one operation\n"
"      --start MS           time of the first row, ms since 1970 (1640966400000)\n"
"      --step MS            time between rows (1000); times are sent in the\n"
"                           server's precision\n"
"      --out-of-order R     fraction of batches written after newer ones, 0..0.5 (0)\n"
"      --prefill ROWS       first write ROWS rows per device, timed apart (0)\n"
"      --no-create          do not create the database and series\n"
"      --clean              delete the database first\n"
"Run:\n"
"  -c, --clients N          client threads, one session each (2); a client writes\n"
"                           devices d with d %% N == its number (needs devices >= N)\n"
"  -l, --loops N            operations per client (0: run for --duration) (0)\n"
"  -T, --duration SEC       length of the measured phase (10)\n"
"  -o, --ops MIX            operation weights, either name=weight pairs\n"
"                           (write=1,q1=2,...,q10=1; 'all' = each 1) or IoTDB-\n"
"                           benchmark's 11 numbers write:q1:...:q10 (write=1)\n"
"      --seed N             random seed (1)\n"
"Queries (on random devices, over rows written so far):\n"
"      --query-sensors N    sensors per query (1), consecutive ones among the\n"
"                           numeric (int32, int64, float, double) sensors\n"
"      --query-span MS      time range of Q2-Q7, Q9, Q10 (3600000)\n"
"      --group-by MS        Q7 window (60000)\n"
"      --threshold V        value filter: sensor > V (50)\n"
"      --agg FUNC           aggregate of Q4-Q7 (count)\n"
"  Q1 point  Q2 range  Q3 range+value  Q4 agg range  Q5 agg value  Q6 agg\n"
"  range+value  Q7 group by  Q8 latest (select last)  Q9 range desc  Q10 range+value desc\n"
"Report:\n"
"      --server-pid PID     server process for CPU and memory figures; by default\n"
"                           the process listening on --port when the host is local\n"
"      --verify             at the end count every point of the database and\n"
"                           compare with the points written (use with --clean)\n"
"      --help               this text\n"
"Per operation: ops, points (written, or non-null values returned), errors,\n"
"ops/s, points/s, latency avg/p50/p99/max in microseconds.  Server: CPU seconds\n"
"of the measured phase, peak RSS (sampled every 20 ms), RSS at the end.\n"
"Exit status: 0; 1 when an operation failed or --verify found a difference;\n"
"2 for bad options.\n");
}

static int parse_size(const char *s, const char *what, size_t min, size_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (*s == '-' || *end || end == s || v < min) {
		fprintf(stderr, "larch-bench: %s: expected an integer >= %zu, got '%s'\n", what, min,
			s);
		return -1;
	}
	*out = (size_t)v;
	return 0;
}

static int parse_i64(const char *s, const char *what, int64_t min, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (*end || end == s || v < min) {
		fprintf(stderr, "larch-bench: %s: expected an integer >= %lld, got '%s'\n", what,
			(long long)min, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_double(const char *s, const char *what, double min, double max, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (*end || end == s || !(v >= min && v <= max)) {
		fprintf(stderr, "larch-bench: %s: expected a number in [%g, %g], got '%s'\n", what,
			min, max, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_types(const char *s, bench_config_t *cfg)
{
	static const struct { const char *name; tsfile_type_t type; } names[] = {
		{ "boolean", TSFILE_BOOLEAN }, { "int32", TSFILE_INT32 },
		{ "int64", TSFILE_INT64 }, { "float", TSFILE_FLOAT },
		{ "double", TSFILE_DOUBLE }, { "text", TSFILE_TEXT },
		{ "string", TSFILE_STRING }, { "date", TSFILE_DATE },
		{ "timestamp", TSFILE_TIMESTAMP },
	};
	cfg->n_types = 0;
	while (*s) {
		size_t len = strcspn(s, ","), i;
		for (i = 0; i < sizeof names / sizeof *names; i++)
			if (strlen(names[i].name) == len && strncasecmp(s, names[i].name, len) == 0)
				break;
		if (i == sizeof names / sizeof *names || cfg->n_types == BENCH_MAX_TYPES) {
			fprintf(stderr, "larch-bench: --types: unknown type or too many at '%s'\n", s);
			return -1;
		}
		cfg->types[cfg->n_types++] = names[i].type;
		s += len + (s[len] == ',');
	}
	if (cfg->n_types == 0) {
		fprintf(stderr, "larch-bench: --types: empty\n");
		return -1;
	}
	return 0;
}

/* --ops: "all", "name=w,..." (write, q1..q10) or 11 numbers "a:b:...". */
static int parse_mix(const char *s, bench_config_t *cfg)
{
	memset(cfg->mix, 0, sizeof cfg->mix);
	if (strcmp(s, "all") == 0) {
		for (int i = 0; i < BENCH_N_MIX; i++)
			cfg->mix[i] = 1;
		return 0;
	}
	if (strchr(s, ':')) {
		int i = 0;
		for (const char *p = s; i < BENCH_N_MIX; i++) {
			char *end;
			cfg->mix[i] = strtod(p, &end);
			if (end == p || cfg->mix[i] < 0 || (*end != ':' && *end != 0) ||
			    (*end == 0 && i != BENCH_N_MIX - 1))
				goto bad;
			p = end + (*end == ':');
		}
		return 0;
	}
	while (*s) {
		size_t len = strcspn(s, ",");
		const char *eq = memchr(s, '=', len);
		char *end;
		int op = -1;
		if (!eq)
			goto bad;
		if ((size_t)(eq - s) == 5 && strncasecmp(s, "write", 5) == 0)
			op = BENCH_WRITE;
		else if (eq - s >= 2 && (s[0] == 'q' || s[0] == 'Q'))
			op = atoi(s + 1);
		if (op < 0 || op >= BENCH_N_MIX)
			goto bad;
		cfg->mix[op] = strtod(eq + 1, &end);
		if (end != s + len || cfg->mix[op] < 0)
			goto bad;
		s += len + (s[len] == ',');
	}
	return 0;
bad:
	fprintf(stderr, "larch-bench: --ops: cannot read '%s' (see --help)\n", s);
	return -1;
}

static int parse_mode(const char *s, bench_config_t *cfg)
{
	cfg->mode_aligned = strcmp(s, "aligned") == 0;
	if (cfg->mode_aligned || strcmp(s, "tablet") == 0) {
		cfg->mode = BENCH_MODE_TABLET;
	} else if (strcmp(s, "record") == 0) {
		cfg->mode = BENCH_MODE_RECORD;
	} else if (strcmp(s, "string") == 0) {
		cfg->mode = BENCH_MODE_STRING;
	} else {
		fprintf(stderr, "larch-bench: --mode: aligned, tablet, record or string, not '%s'\n",
			s);
		return -1;
	}
	return 0;
}

static void config_default(bench_config_t *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	larch_client_options_default(&cfg->client);
	cfg->database = "root.bench";
	cfg->devices = 10;
	cfg->sensors = 10;
	cfg->types[0] = TSFILE_DOUBLE;
	cfg->n_types = 1;
	cfg->mode = BENCH_MODE_TABLET;
	cfg->mode_aligned = 1;
	cfg->batch = 100;
	cfg->clients = 2;
	cfg->duration_s = 10;
	cfg->start_ms = 1640966400000LL; /* 2022-01-01T00:00:00+08:00, as IoTDB-benchmark */
	cfg->step_ms = 1000;
	cfg->mix[BENCH_WRITE] = 1;
	cfg->query_sensors = 1;
	cfg->query_span_ms = 3600000;
	cfg->group_by_ms = 60000;
	cfg->threshold = 50;
	cfg->agg = "count";
	cfg->create_schema = 1;
	cfg->seed = 1;
}

enum {
	OPT_COMPRESSION = 256, OPT_SSL, OPT_CA_FILE, OPT_FETCH_SIZE, OPT_DATABASE, OPT_ALIGNED,
	OPT_START, OPT_STEP, OPT_OOO, OPT_PREFILL, OPT_NO_CREATE, OPT_CLEAN, OPT_SEED,
	OPT_QSENSORS, OPT_QSPAN, OPT_GROUP_BY, OPT_THRESHOLD, OPT_AGG, OPT_SERVER_PID, OPT_VERIFY,
	OPT_HELP
};

static const struct option long_opts[] = {
	{ "host", required_argument, NULL, 'h' },
	{ "port", required_argument, NULL, 'p' },
	{ "user", required_argument, NULL, 'u' },
	{ "password", required_argument, NULL, 'w' },
	{ "compression", no_argument, NULL, OPT_COMPRESSION },
	{ "ssl", no_argument, NULL, OPT_SSL },
	{ "ca-file", required_argument, NULL, OPT_CA_FILE },
	{ "fetch-size", required_argument, NULL, OPT_FETCH_SIZE },
	{ "database", required_argument, NULL, OPT_DATABASE },
	{ "devices", required_argument, NULL, 'd' },
	{ "sensors", required_argument, NULL, 's' },
	{ "types", required_argument, NULL, 't' },
	{ "mode", required_argument, NULL, 'm' },
	{ "aligned", no_argument, NULL, OPT_ALIGNED },
	{ "batch", required_argument, NULL, 'b' },
	{ "start", required_argument, NULL, OPT_START },
	{ "step", required_argument, NULL, OPT_STEP },
	{ "out-of-order", required_argument, NULL, OPT_OOO },
	{ "prefill", required_argument, NULL, OPT_PREFILL },
	{ "no-create", no_argument, NULL, OPT_NO_CREATE },
	{ "clean", no_argument, NULL, OPT_CLEAN },
	{ "clients", required_argument, NULL, 'c' },
	{ "loops", required_argument, NULL, 'l' },
	{ "duration", required_argument, NULL, 'T' },
	{ "ops", required_argument, NULL, 'o' },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "query-sensors", required_argument, NULL, OPT_QSENSORS },
	{ "query-span", required_argument, NULL, OPT_QSPAN },
	{ "group-by", required_argument, NULL, OPT_GROUP_BY },
	{ "threshold", required_argument, NULL, OPT_THRESHOLD },
	{ "agg", required_argument, NULL, OPT_AGG },
	{ "server-pid", required_argument, NULL, OPT_SERVER_PID },
	{ "verify", no_argument, NULL, OPT_VERIFY },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 }
};

/* One option; -1 on a bad value, 1 for --help. */
static int apply_option(int c, const char *a, bench_config_t *cfg)
{
	size_t z;
	int64_t v;

	switch (c) {
	case 'h': cfg->client.host = a; return 0;
	case 'p':
		if (parse_i64(a, "--port", 1, &v) || v > 65535)
			return -1;
		cfg->client.port = (int)v;
		return 0;
	case 'u': cfg->client.user = a; return 0;
	case 'w': cfg->client.password = a; return 0;
	case OPT_COMPRESSION: cfg->client.rpc_compression = 1; return 0;
	case OPT_SSL: cfg->client.use_ssl = 1; return 0;
	case OPT_CA_FILE: cfg->client.ca_file = a; return 0;
	case OPT_FETCH_SIZE:
		if (parse_size(a, "--fetch-size", 1, &z) || z > INT32_MAX)
			return -1;
		cfg->client.fetch_size = (int)z;
		return 0;
	case OPT_DATABASE: cfg->database = a; return 0;
	case 'd': return parse_size(a, "--devices", 1, &cfg->devices);
	case 's': return parse_size(a, "--sensors", 1, &cfg->sensors);
	case 't': return parse_types(a, cfg);
	case 'm': return parse_mode(a, cfg);
	case OPT_ALIGNED: cfg->aligned = 1; return 0;
	case 'b': return parse_size(a, "--batch", 1, &cfg->batch);
	case OPT_START: return parse_i64(a, "--start", 0, &cfg->start_ms);
	case OPT_STEP: return parse_i64(a, "--step", 1, &cfg->step_ms);
	case OPT_OOO: return parse_double(a, "--out-of-order", 0, 0.5, &cfg->out_of_order);
	case OPT_PREFILL: return parse_size(a, "--prefill", 0, &cfg->prefill);
	case OPT_NO_CREATE: cfg->create_schema = 0; return 0;
	case OPT_CLEAN: cfg->clean = 1; return 0;
	case 'c': return parse_size(a, "--clients", 1, &cfg->clients);
	case 'l':
		if (parse_i64(a, "--loops", 0, &v))
			return -1;
		cfg->loops = (long)v;
		return 0;
	case 'T': return parse_double(a, "--duration", 0.001, 1e7, &cfg->duration_s);
	case 'o': return parse_mix(a, cfg);
	case OPT_SEED:
		if (parse_i64(a, "--seed", 0, &v))
			return -1;
		cfg->seed = (uint64_t)v;
		return 0;
	case OPT_QSENSORS: return parse_size(a, "--query-sensors", 1, &cfg->query_sensors);
	case OPT_QSPAN: return parse_i64(a, "--query-span", 1, &cfg->query_span_ms);
	case OPT_GROUP_BY: return parse_i64(a, "--group-by", 1, &cfg->group_by_ms);
	case OPT_THRESHOLD: return parse_double(a, "--threshold", -1e300, 1e300, &cfg->threshold);
	case OPT_AGG: cfg->agg = a; return 0;
	case OPT_SERVER_PID:
		if (parse_i64(a, "--server-pid", 1, &v))
			return -1;
		cfg->server_pid = (pid_t)v;
		return 0;
	case OPT_VERIFY: cfg->verify = 1; return 0;
	case OPT_HELP: return 1;
	default: return -1;
	}
}

/* Checks across options; -1 (after a message) when they do not fit. */
static int check_config(const bench_config_t *cfg)
{
	double total = 0, queries = 0;
	int numeric = 0;

	for (int i = 0; i < BENCH_N_MIX; i++) {
		total += cfg->mix[i];
		if (i != BENCH_WRITE)
			queries += cfg->mix[i];
	}
	for (size_t i = 0; i < cfg->n_types && i < cfg->sensors; i++)
		numeric |= wl_type_is_numeric(cfg->types[i]);
	if (total <= 0) {
		fprintf(stderr, "larch-bench: --ops: every weight is 0\n");
		return -1;
	}
	if ((cfg->mix[BENCH_WRITE] > 0 || cfg->prefill) && cfg->clients > cfg->devices) {
		fprintf(stderr, "larch-bench: writes need --devices (%zu) >= --clients (%zu)\n",
			cfg->devices, cfg->clients);
		return -1;
	}
	if (queries > 0 && !numeric) {
		fprintf(stderr, "larch-bench: queries need a numeric sensor type in --types\n");
		return -1;
	}
	return 0;
}

/*---------------------------------------------------------------------------
 * Client threads
 *---------------------------------------------------------------------------*/

typedef struct op_stats {
	hist_t hist;
	uint64_t ops, points, errors;
	larch_error_t first_err;
} op_stats_t;

typedef struct run run_t;

typedef struct client {
	run_t *run;
	size_t id;
	larch_session_t *session;
	wl_writer_t *writer;
	char *sql;                     /* SQL_MAX bytes for query text */
	uint64_t rng;
	bench_op_t cur;                /* the operation write calls are counted as */
	op_stats_t stats[BENCH_N_OPS];
	uint64_t prefill_ns[2];        /* start and end of the client's prefill */
	uint64_t end_ns;
	int setup_rc;
	larch_error_t setup_err;
	pthread_t thread;
} client_t;

struct run {
	const bench_config_t *cfg;
	wl_data_t *data;
	int64_t units_per_ms;
	double cum_mix[BENCH_N_MIX];   /* cumulative weights / total */
	pthread_barrier_t ready, go;
	int abort;                     /* set before `go` when setup failed */
	uint64_t start_ns, deadline_ns;
	client_t *clients;
};

static void stats_record(op_stats_t *st, uint64_t ns, size_t points, int rc,
			 const larch_error_t *err)
{
	st->ops++;
	hist_add(&st->hist, ns);
	if (rc == LARCH_OK) {
		st->points += points;
		return;
	}
	if (st->errors++ == 0)
		st->first_err = *err;
}

/* wl_call_fn: count a write call as the client's current operation. */
static void on_write_call(void *ctx, uint64_t ns, size_t points, int rc,
			  const larch_error_t *err)
{
	client_t *c = ctx;
	stats_record(&c->stats[c->cur], ns, points, rc, err);
}

/* A random operation kind, weighted by --ops. */
static bench_op_t pick_op(const run_t *r, uint64_t *rng)
{
	double u = wl_rand_unit(rng);
	for (int i = 0; i < BENCH_N_MIX - 1; i++)
		if (u < r->cum_mix[i])
			return (bench_op_t)i;
	return (bench_op_t)(BENCH_N_MIX - 1);
}

/* Build, run and record one query of kind op. */
static void run_query(client_t *c, bench_op_t op)
{
	larch_error_t err = { 0 };
	size_t points = 0;
	uint64_t t0;
	int rc;

	if (wl_query_sql(c->run->data, op, c->run->units_per_ms, &c->rng, c->sql, SQL_MAX) != 0) {
		err_set(&err, LARCH_ILLEGAL_PARAMETER, "query text longer than %d bytes", SQL_MAX);
		stats_record(&c->stats[op], 0, 0, err.code, &err);
		return;
	}
	t0 = bench_now_ns();
	rc = wl_run_query(c->session, c->sql, op == BENCH_Q8, &points, &err);
	stats_record(&c->stats[op], bench_now_ns() - t0, points, rc, &err);
}

/* The measured phase of one client: --loops operations or until the
 * deadline, then the held-back batches. */
static void client_run(client_t *c)
{
	const bench_config_t *cfg = c->run->cfg;
	uint64_t deadline = c->run->deadline_ns;

	c->cur = BENCH_WRITE;
	for (long i = 0; cfg->loops ? i < cfg->loops : bench_now_ns() < deadline; i++) {
		bench_op_t op = pick_op(c->run, &c->rng);
		if (op == BENCH_WRITE)
			wl_write_next(c->writer, c->session, &c->rng, on_write_call, c);
		else
			run_query(c, op);
	}
	wl_write_held(c->writer, c->session, on_write_call, c);
}

/* Schema of the client's devices, then the prefill. */
static int client_setup(client_t *c)
{
	const bench_config_t *cfg = c->run->cfg;
	int rc = wl_writer_new(c->run->data, c->id, c->run->units_per_ms, &c->writer,
			       &c->setup_err);

	for (size_t i = 0; rc == LARCH_OK && cfg->create_schema && i < wl_writer_devices(c->writer);
	     i++)
		rc = wl_create_device(c->session, c->run->data, c->id + i * cfg->clients,
				      &c->setup_err);
	if (rc != LARCH_OK)
		return rc;
	if (!(c->sql = mem_alloc(SQL_MAX)))
		return err_set(&c->setup_err, LARCH_NO_MEMORY, "client %zu: out of memory", c->id);
	c->cur = BENCH_PREFILL;
	c->prefill_ns[0] = bench_now_ns();
	wl_write_until(c->writer, c->session, cfg->prefill, on_write_call, c);
	c->prefill_ns[1] = bench_now_ns();
	return LARCH_OK;
}

static void *client_main(void *arg)
{
	client_t *c = arg;

	c->setup_rc = client_setup(c);
	pthread_barrier_wait(&c->run->ready);
	pthread_barrier_wait(&c->run->go);
	if (!c->run->abort)
		client_run(c);
	c->end_ns = bench_now_ns();
	return NULL;
}

/*---------------------------------------------------------------------------
 * Report
 *---------------------------------------------------------------------------*/

static void print_header(void)
{
	printf("%-19s %10s %13s %7s %11s %14s %10s %10s %10s %10s\n", "operation", "ops",
	       "points", "errors", "ops/s", "points/s", "avg(us)", "p50(us)", "p99(us)",
	       "max(us)");
}

static void print_row(const char *name, const op_stats_t *s, double secs)
{
	const hist_t *h = &s->hist;
	printf("%-19s %10llu %13llu %7llu %11.1f %14.1f %10.1f %10.1f %10.1f %10.1f\n", name,
	       (unsigned long long)s->ops, (unsigned long long)s->points,
	       (unsigned long long)s->errors, (double)s->ops / secs, (double)s->points / secs,
	       (double)h->sum_ns / (double)(h->count ? h->count : 1) / 1e3,
	       (double)hist_quantile(h, 0.5) / 1e3, (double)hist_quantile(h, 0.99) / 1e3,
	       (double)h->max_ns / 1e3);
}

/* Merge the clients' statistics of op into *out. */
static void merge_op(const run_t *r, bench_op_t op, op_stats_t *out)
{
	memset(out, 0, sizeof *out);
	hist_init(&out->hist);
	for (size_t i = 0; i < r->cfg->clients; i++) {
		const op_stats_t *s = &r->clients[i].stats[op];
		out->ops += s->ops;
		out->points += s->points;
		if (s->errors && !out->errors)
			out->first_err = s->first_err;
		out->errors += s->errors;
		hist_merge(&out->hist, &s->hist);
	}
}

/* Print the operation table; returns the errors and the written points. */
static uint64_t report_ops(const run_t *r, double prefill_s, double run_s, uint64_t *written)
{
	op_stats_t *s = mem_alloc(sizeof *s);
	uint64_t errors = 0;

	*written = 0;
	if (!s)
		return 1;
	print_header();
	for (int op = 0; op < BENCH_N_OPS; op++) {
		merge_op(r, (bench_op_t)op, s);
		if (s->ops == 0)
			continue;
		print_row(bench_op_name((bench_op_t)op), s, op == BENCH_PREFILL ? prefill_s : run_s);
		if (s->errors)
			fprintf(stderr, "larch-bench: %s: %llu errors, first: %d %s\n",
				bench_op_name((bench_op_t)op), (unsigned long long)s->errors,
				s->first_err.code, s->first_err.msg);
		errors += s->errors;
		if (op == BENCH_WRITE || op == BENCH_PREFILL)
			*written += s->points;
	}
	mem_free(s);
	return errors;
}

static void print_config(const bench_config_t *cfg, const char *precision)
{
	static const char *const modes[] = { "tablet", "record", "string" };
	printf("larch-bench: %s:%d (precision %s), %s%s writes, batch %zu, %zu clients, "
	       "%zu devices x %zu sensors, ",
	       cfg->client.host, cfg->client.port, precision, cfg->aligned ? "aligned " : "",
	       modes[cfg->mode], cfg->batch, cfg->clients, cfg->devices, cfg->sensors);
	if (cfg->loops)
		printf("%ld loops", cfg->loops);
	else
		printf("%.1f s", cfg->duration_s);
	printf(", out-of-order %.2f, prefill %zu rows\n", cfg->out_of_order, cfg->prefill);
}

/*---------------------------------------------------------------------------
 * Main
 *---------------------------------------------------------------------------*/

static int is_local_host(const char *h)
{
	return strcmp(h, "localhost") == 0 || strncmp(h, "127.", 4) == 0 ||
	       strcmp(h, "::1") == 0 || strcmp(h, "0.0.0.0") == 0;
}

static void fail(const char *what, const larch_error_t *err)
{
	fprintf(stderr, "larch-bench: %s: error %d: %s\n", what, err->code, err->msg);
}

/* Open every client's session; the first also prepares the database. */
static int open_clients(run_t *r, larch_error_t *err)
{
	for (size_t i = 0; i < r->cfg->clients; i++) {
		client_t *c = &r->clients[i];
		c->run = r;
		c->id = i;
		c->rng = r->cfg->seed * 0x9E3779B97F4A7C15ULL + i + 1;
		for (int op = 0; op < BENCH_N_OPS; op++)
			hist_init(&c->stats[op].hist);
		if (larch_session_open(&r->cfg->client, &c->session, err) != LARCH_OK)
			return err->code;
	}
	r->units_per_ms = wl_units_per_ms(larch_session_time_precision(r->clients[0].session));
	if (r->cfg->create_schema || r->cfg->clean)
		return wl_prepare_database(r->clients[0].session, r->data, err);
	return LARCH_OK;
}

/* Seconds from the first client's start of `from` to the last client's
 * `to` (prefill: prefill_ns[0] .. prefill_ns[1]; measured phase: the
 * common start .. end_ns). */
static double phase_seconds(const run_t *r, int prefill)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	for (size_t i = 0; i < r->cfg->clients; i++) {
		const client_t *c = &r->clients[i];
		uint64_t a = prefill ? c->prefill_ns[0] : r->start_ns;
		uint64_t b = prefill ? c->prefill_ns[1] : c->end_ns;
		lo = a < lo ? a : lo;
		hi = b > hi ? b : hi;
	}
	return hi > lo ? (double)(hi - lo) / 1e9 : 0;
}

/* Start the threads, run the phases, join.  Server usage is read around the
 * measured phase when pid != 0. */
static int run_clients(run_t *r, pid_t pid, proc_sampler_t *sampler, proc_usage_t *before,
		       proc_usage_t *after)
{
	const bench_config_t *cfg = r->cfg;
	size_t started = 0;
	int rc = LARCH_OK;

	pthread_barrier_init(&r->ready, NULL, (unsigned)cfg->clients + 1);
	pthread_barrier_init(&r->go, NULL, (unsigned)cfg->clients + 1);
	for (; started < cfg->clients; started++)
		if (pthread_create(&r->clients[started].thread, NULL, client_main,
				   &r->clients[started]) != 0)
			break;
	if (started < cfg->clients) {
		fprintf(stderr, "larch-bench: cannot start %zu threads\n", cfg->clients);
		exit(1); /* threads already started wait on a barrier that cannot fill */
	}
	pthread_barrier_wait(&r->ready);
	for (size_t i = 0; i < cfg->clients; i++) {
		if (r->clients[i].setup_rc != LARCH_OK) {
			fail("setup", &r->clients[i].setup_err);
			r->abort = 1;
			rc = r->clients[i].setup_rc;
		}
	}
	if (pid && proc_read_usage(pid, before, NULL) == LARCH_OK && sampler)
		proc_sampler_reset(sampler);
	r->start_ns = bench_now_ns();
	r->deadline_ns = r->start_ns + (uint64_t)(cfg->duration_s * 1e9);
	pthread_barrier_wait(&r->go);
	for (size_t i = 0; i < cfg->clients; i++)
		pthread_join(r->clients[i].thread, NULL);
	if (pid)
		proc_read_usage(pid, after, NULL); /* after->rss_kb stays 0 on failure */
	pthread_barrier_destroy(&r->ready);
	pthread_barrier_destroy(&r->go);
	return rc;
}

static void report_server(pid_t pid, const proc_usage_t *b, const proc_usage_t *a,
			  long peak_kb, double run_s)
{
	double cpu = a->cpu_s - b->cpu_s;
	printf("server pid %d: cpu %.2f s (user %.2f, sys %.2f; %.0f%% of one core), "
	       "peak rss %.1f MB, rss at end %.1f MB, VmHWM %.1f MB\n",
	       (int)pid, cpu, a->user_s - b->user_s, a->sys_s - b->sys_s, 100.0 * cpu / run_s,
	       (double)peak_kb / 1024.0, (double)a->rss_kb / 1024.0, (double)a->hwm_kb / 1024.0);
}

static int verify_points(const run_t *r, uint64_t written)
{
	larch_error_t err = { 0 };
	uint64_t found = 0;

	if (wl_count_points(r->clients[0].session, r->data, &found, &err) != LARCH_OK) {
		fail("verify", &err);
		return 1;
	}
	printf("verify: %llu points written, %llu stored: %s\n", (unsigned long long)written,
	       (unsigned long long)found, found == written ? "ok" : "MISMATCH");
	return found != written;
}

int main(int argc, char **argv)
{
	bench_config_t cfg;
	run_t r = { 0 };
	larch_error_t err = { 0 };
	proc_usage_t before = { 0 }, after = { 0 };
	proc_sampler_t *sampler = NULL;
	double run_s, mix_total = 0;
	uint64_t errors, written;
	int c, status = 0;
	pid_t pid;

	config_default(&cfg);
	while ((c = getopt_long(argc, argv, "h:p:u:w:d:s:t:m:b:c:l:T:o:", long_opts, NULL)) != -1) {
		int k = apply_option(c, optarg, &cfg);
		if (k > 0) {
			usage(stdout);
			return 0;
		}
		if (k < 0) {
			fprintf(stderr, "Try 'larch-bench --help'.\n");
			return 2;
		}
	}
	cfg.aligned |= cfg.mode_aligned;
	if (optind < argc || check_config(&cfg) != 0) {
		if (optind < argc)
			fprintf(stderr, "larch-bench: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	for (int i = 0; i < BENCH_N_MIX; i++)
		mix_total += cfg.mix[i];
	for (int i = 0; i < BENCH_N_MIX; i++)
		r.cum_mix[i] = (i ? r.cum_mix[i - 1] : 0) + cfg.mix[i] / mix_total;
	r.cfg = &cfg;
	if (wl_data_new(&cfg, &r.data, &err) != LARCH_OK ||
	    !(r.clients = mem_calloc(cfg.clients, sizeof *r.clients))) {
		fail("setup", &err);
		status = 1;
		goto done;
	}
	if (open_clients(&r, &err) != LARCH_OK) {
		fail("connect", &err);
		status = 1;
		goto done;
	}
	print_config(&cfg, larch_session_time_precision(r.clients[0].session));
	pid = cfg.server_pid ? cfg.server_pid :
	      is_local_host(cfg.client.host) ? proc_find_listener(cfg.client.port) : 0;
	if (pid && proc_sampler_start(pid, 20, &sampler, &err) != LARCH_OK)
		fail("rss sampler", &err);
	if (run_clients(&r, pid, sampler, &before, &after) != LARCH_OK) {
		status = 1;
		goto done;
	}
	run_s = phase_seconds(&r, 0);
	errors = report_ops(&r, phase_seconds(&r, 1), run_s, &written);
	printf("measured phase %.3f s\n", run_s);
	if (pid && after.rss_kb > 0)
		report_server(pid, &before, &after, sampler ? proc_sampler_peak_kb(sampler) : 0,
			      run_s);
	else
		printf("server: not local (use --server-pid for CPU and memory figures)\n");
	status = errors != 0;
	if (cfg.verify)
		status |= verify_points(&r, written);
done:
	proc_sampler_stop(sampler);
	for (size_t i = 0; r.clients && i < cfg.clients; i++) {
		wl_writer_free(r.clients[i].writer);
		mem_free(r.clients[i].sql);
		larch_session_close(r.clients[i].session, NULL);
	}
	mem_free(r.clients);
	wl_data_free(r.data);
	return status;
}
