/*
 * server.h — the public header of src/server: larchd, the network server
 * that the official IoTDB clients talk to.
 *
 * The server owns sockets, TLS, connection threads, sessions and the
 * configuration; every database operation is one call into the embedded
 * API (larch.h) and every byte on the wire goes through src/rpc.
 *
 *   server_config_t c; server_config_default(&c);
 *   server_config_load(&c, "larch.conf", &err);      (optional)
 *   server_t *s; server_start(&c, &s, &err);          binds, opens the data dir
 *   server_wait(s);                                    until server_stop / SIGTERM
 *   server_free(s);
 */
#ifndef LARCH_SERVER_H
#define LARCH_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "larch/larch.h"

#define SERVER_PATH_MAX 1024

typedef struct server_config {
	char rpc_address[64];          /* dn_rpc_address (127.0.0.1) */
	uint16_t rpc_port;             /* dn_rpc_port (6667); 0 picks a free port */
	char data_dir[SERVER_PATH_MAX];/* dn_data_dirs (./data) */
	larch_options_t db;            /* wal_mode, timestamp_precision, memory, ... */
	size_t max_frame;              /* dn_thrift_max_frame_size (64 MiB) */
	uint32_t max_connections;      /* dn_rpc_max_concurrent_client_num (65535) */
	int enable_ssl;                /* enable_thrift_ssl */
	char ssl_cert[SERVER_PATH_MAX];/* ssl_cert_file: PEM certificate (chain) */
	char ssl_key[SERVER_PATH_MAX]; /* ssl_key_file: PEM private key */
	char root_password[128];       /* the root user's initial password (root) */
	int log_level;                 /* 0 error, 1 warn, 2 info (default), 3 debug */
} server_config_t;

void server_config_default(server_config_t *c);

/* Set one key (IoTDB's names where they exist; see config.c for the list).
 * Unknown keys are ignored with a warning (IoTDB's files carry many keys
 * Larch has no use for); bad values are LARCH_ILLEGAL_PARAMETER. */
int server_config_set(server_config_t *c, const char *key, const char *value,
		      larch_error_t *err);

/* Read a `key=value` file (# comments, blank lines).  The error names the
 * file and line. */
int server_config_load(server_config_t *c, const char *path, larch_error_t *err);

typedef struct server server_t;

/* Open the data directory, bind and listen, start accepting.  On success the
 * server runs in background threads. */
int server_start(const server_config_t *c, server_t **out, larch_error_t *err);

/* The port actually bound (useful with rpc_port 0). */
uint16_t server_port(const server_t *s);

/* Ask the server to stop (async-signal-safe: only writes to a pipe):
 * it stops accepting, lets running requests finish, closes connections. */
void server_stop(server_t *s);

/* Wait until stopped, then flush and close the database.  Returns its
 * status. */
int server_wait(server_t *s, larch_error_t *err);

void server_free(server_t *s);

/* Logging (log.c): one line per event to stderr, with time and level. */
enum { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };
void server_log_level(int level);
void server_log(int level, const char *fmt, ...) LR_PRINTF(2, 3);

#endif
