/*
 * schema_bench.c — memory and speed of the schema with a million series.
 *
 *   schema_bench [devices [measurements [threads]]]   (10000 100 4)
 *
 * Prints:
 *   - bytes per series: mem_used() growth while creating devices x
 *     measurements series through schema_resolve (the write path's
 *     auto-creation, one call per device), divided by the series count;
 *   - creation rate (series/s) in memory, and with a log on disk (fsync
 *     on: one fsync'd entry per device);
 *   - resolve rate of existing series (measurements/s), one thread and
 *     `threads` threads, each call resolving all measurements of a random
 *     device;
 *   - snapshot (close) and reopen times of the persistent schema.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base.h"
#include "schema/schema.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct req {
	char device[96];
	char (*names)[24];
	schema_str_t *strs;
	tsfile_type_t *types;
	uint32_t *sids;
	tsfile_type_t *rtypes;
	size_t n;
} req_t;

static void req_init(req_t *q, size_t nmeas)
{
	q->n = nmeas;
	q->names = calloc(nmeas, sizeof(*q->names));
	q->strs = calloc(nmeas, sizeof(*q->strs));
	q->types = calloc(nmeas, sizeof(*q->types));
	q->sids = calloc(nmeas, sizeof(*q->sids));
	q->rtypes = calloc(nmeas, sizeof(*q->rtypes));
	for (size_t i = 0; i < nmeas; i++) {
		snprintf(q->names[i], sizeof(q->names[i]), "s%zu", i);
		q->strs[i].ptr = q->names[i];
		q->strs[i].len = (uint32_t)strlen(q->names[i]);
		q->types[i] = i % 3 == 0 ? TSFILE_DOUBLE : i % 3 == 1 ? TSFILE_INT64 : TSFILE_BOOLEAN;
	}
}

static void req_free(req_t *q)
{
	free(q->names);
	free(q->strs);
	free(q->types);
	free(q->sids);
	free(q->rtypes);
}

static int resolve_dev(schema_t *s, req_t *q, size_t dev)
{
	snprintf(q->device, sizeof(q->device), "root.bench.g%zu.d%zu", dev % 100, dev);
	schema_write_t w = {q->device, strlen(q->device), q->n, q->strs, q->types, 0};
	schema_resolved_t r = {q->sids, q->rtypes, NULL, 0, 0, 0};
	larch_error_t err = {0, ""};
	int rc = schema_resolve(s, &w, &r, &err);
	if (rc)
		fprintf(stderr, "resolve %s: %d %s\n", q->device, rc, err.msg);
	return rc;
}

/* Create every device's series; returns seconds. */
static double create_all(schema_t *s, size_t ndev, size_t nmeas)
{
	req_t q;
	req_init(&q, nmeas);
	double t0 = now();
	for (size_t d = 0; d < ndev; d++)
		if (resolve_dev(s, &q, d))
			exit(1);
	double t = now() - t0;
	req_free(&q);
	return t;
}

typedef struct job {
	schema_t *s;
	size_t ndev, nmeas, calls;
	unsigned seed;
	double secs;
} job_t;

static void *resolve_job(void *arg)
{
	job_t *j = arg;
	req_t q;
	req_init(&q, j->nmeas);
	double t0 = now();
	for (size_t i = 0; i < j->calls; i++)
		if (resolve_dev(j->s, &q, (size_t)rand_r(&j->seed) % j->ndev))
			exit(1);
	j->secs = now() - t0;
	req_free(&q);
	return NULL;
}

/* Measurements resolved per second with `threads` threads. */
static double resolve_rate(schema_t *s, size_t ndev, size_t nmeas, int threads, size_t calls)
{
	pthread_t th[64];
	job_t jobs[64];
	double t0 = now();
	for (int i = 0; i < threads; i++) {
		jobs[i] = (job_t){s, ndev, nmeas, calls, (unsigned)i + 1, 0};
		pthread_create(&th[i], NULL, resolve_job, &jobs[i]);
	}
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	double t = now() - t0;
	return (double)calls * (double)threads * (double)nmeas / t;
}

int main(int argc, char **argv)
{
	size_t ndev = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
	size_t nmeas = argc > 2 ? strtoul(argv[2], NULL, 10) : 100;
	int threads = argc > 3 ? atoi(argv[3]) : 4;
	if (!ndev || !nmeas || nmeas > 100000 || threads < 1 || threads > 64) {
		fprintf(stderr, "usage: %s [devices [measurements [threads]]]\n", argv[0]);
		return 2;
	}
	size_t total = ndev * nmeas;
	larch_error_t err = {0, ""};
	schema_t *s;

	/* in memory */
	size_t m0 = mem_used();
	if (schema_open(NULL, NULL, &s, &err)) {
		fprintf(stderr, "open: %s\n", err.msg);
		return 1;
	}
	double tc = create_all(s, ndev, nmeas);
	size_t m1 = mem_used();
	schema_stats_t st;
	schema_stats(s, &st);
	printf("schema: %zu devices x %zu measurements = %llu series\n", ndev, nmeas,
	       (unsigned long long)st.series);
	printf("memory: %.1f bytes/series (%.1f MiB)\n", (double)(m1 - m0) / (double)total,
	       (double)(m1 - m0) / 1048576.0);
	printf("create (in memory, via resolve): %.0f series/s (%.2f s)\n", (double)total / tc, tc);
	size_t calls = 200000 / (nmeas ? nmeas : 1) + 1;
	printf("resolve existing, 1 thread: %.1f M measurements/s\n",
	       resolve_rate(s, ndev, nmeas, 1, calls * 10) / 1e6);
	printf("resolve existing, %d threads: %.1f M measurements/s\n", threads,
	       resolve_rate(s, ndev, nmeas, threads, calls * 10) / 1e6);
	uint64_t n;
	double t0 = now();
	schema_count_series(s, "root.**", NULL, &n, &err);
	printf("COUNT TIMESERIES root.**: %llu in %.3f s\n", (unsigned long long)n, now() - t0);
	schema_close(s, NULL);

	/* on disk */
	char dir[] = "/tmp/larch-schema-bench-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	schema_config_t cfg;
	schema_config_default(&cfg);
	cfg.snapshot_bytes = 0;
	if (schema_open(dir, &cfg, &s, &err)) {
		fprintf(stderr, "open %s: %s\n", dir, err.msg);
		return 1;
	}
	tc = create_all(s, ndev, nmeas);
	printf("create (log fsync'd per device): %.0f series/s (%.2f s)\n", (double)total / tc, tc);
	t0 = now();
	schema_close(s, NULL);
	printf("close (snapshot): %.2f s\n", now() - t0);
	t0 = now();
	if (schema_open(dir, &cfg, &s, &err)) {
		fprintf(stderr, "reopen: %s\n", err.msg);
		return 1;
	}
	printf("reopen (load snapshot): %.2f s\n", now() - t0);
	schema_close(s, NULL);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? 1 : 0;
}
