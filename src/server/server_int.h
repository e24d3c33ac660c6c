/*
 * server_int.h — private seams of src/server: net.c (listener, connection
 * threads, TLS, shutdown) and session.c / handle_*.c (one session per
 * connection: requests in, replies out).
 */
#ifndef LARCH_SERVER_INT_H
#define LARCH_SERVER_INT_H

#include <pthread.h>

#include "server/server.h"

typedef struct session session_t;

/* Shared state the sessions need from the server. */
typedef struct server_shared {
	larch_db_t *db;
	const server_config_t *cfg;
	pthread_mutex_t lock;          /* next ids */
	int64_t next_session_id;
	int64_t next_query_id;
} server_shared_t;

/* A session for a new connection from `peer` ("1.2.3.4:5678"). */
session_t *session_new(server_shared_t *sh, const char *peer);
void session_free(session_t *ss);

/* Handle one request frame body (without its length prefix).  The reply
 * frame (with its length prefix) is appended to `out`.  Returns 0 to go on
 * serving, -1 when the connection must be closed (after `out` is sent,
 * if it is not empty). */
int session_handle(session_t *ss, const uint8_t *frame, size_t n, buf_t *out);

#endif
