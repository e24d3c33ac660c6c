/*
 * pool_example.c — a session pool shared by writer threads: each thread
 * takes a session (waiting at most 3 s when all are busy), writes a record
 * and puts the session back; at the end one session counts the rows.
 *
 *   pool_example [host [port]]     (default 127.0.0.1 6667)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "larch/client.h"

#define THREADS 8
#define ROWS 100

static larch_pool_t *pool;

static void *writer(void *arg)
{
	long id = (long)arg;
	for (int i = 0; i < ROWS; i++) {
		larch_session_t *s;
		larch_error_t err = { 0 };
		tsfile_point_t p = { "value", { .type = TSFILE_DOUBLE, .v.d = (double)id + i / 100.0 } };
		if (larch_pool_get(pool, &s, &err)) {
			fprintf(stderr, "thread %ld: %s\n", id, err.msg);
			return (void *)1;
		}
		if (larch_session_insert_record(s, "root.pool_example.d", id * ROWS + i, &p, 1, 0, &err))
			fprintf(stderr, "thread %ld: insert: %d %s\n", id, err.code, err.msg);
		larch_pool_put(pool, s);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	larch_client_options_t o;
	larch_session_t *s;
	larch_dataset_t *ds;
	larch_error_t err = { 0 };
	pthread_t th[THREADS];

	larch_client_options_default(&o);
	if (argc > 1)
		o.host = argv[1];
	if (argc > 2)
		o.port = atoi(argv[2]);
	if (larch_pool_open(&o, 3, 3000, &pool, &err)) {
		fprintf(stderr, "pool: %s\n", err.msg);
		return 1;
	}
	for (long i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, writer, (void *)i);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	printf("sessions opened: %zu (max 3)\n", larch_pool_size(pool));
	if (larch_pool_get(pool, &s, &err) == LARCH_OK) {
		if (larch_session_execute_query(s, "select count(value) from root.pool_example.d", 0,
						&ds, &err) == LARCH_OK) {
			if (larch_dataset_next(ds, &err) == LARCH_OK)
				printf("rows: %lld (expected %d)\n",
				       (long long)larch_dataset_get_int64(ds, 0), THREADS * ROWS);
			larch_dataset_close(ds, NULL);
		}
		larch_session_execute_non_query(s, "delete database root.pool_example", &err);
		larch_pool_put(pool, s);
	}
	larch_pool_close(pool);
	return 0;
}
