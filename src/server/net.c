/*
 * net.c — larchd's network side: the listening socket, one thread per
 * connection, optional TLS (OpenSSL), Thrift framing on the socket, and
 * graceful shutdown.
 *
 * Threads: an acceptor polls the listening socket and a stop pipe; every
 * accepted connection gets its own thread (small stack) that reads a frame,
 * hands it to its session and writes the reply — one request at a time, as
 * the clients are synchronous.  A slow or dead client blocks only its own
 * thread.  (A thread per connection measured simpler and fast enough for
 * the hundreds of sessions IoTDB deployments use; see src/server/README.md.)
 *
 * Shutdown (server_stop, e.g. from SIGTERM): the acceptor closes the
 * listening socket; every connection's read side is shut down, so an idle
 * connection sees end-of-file at once while a request being served finishes
 * and gets its reply; when the last connection thread is gone, server_wait
 * closes the database (which flushes).
 *
 * Frames: a 4-byte big-endian length then the message.  A length above
 * max_frame (or negative) closes the connection after a log line: IoTDB
 * does the same, and there is no way to resynchronize a framed stream.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "rpc/rpc.h"
#include "server/server_int.h"

#define CONN_STACK (256u << 10)

typedef struct conn {
	struct server *srv;
	int fd;
	SSL *ssl;
	char peer[64];
	struct conn *prev, *next;
} conn_t;

struct server {
	server_config_t cfg;
	server_shared_t shared;
	int listen_fd;
	uint16_t port;
	int stop_pipe[2];
	SSL_CTX *ssl_ctx;
	pthread_t acceptor;
	int acceptor_started;
	pthread_mutex_t lock;          /* conns, n_conns, stopping */
	pthread_cond_t idle;           /* signalled when n_conns drops to 0 */
	conn_t *conns;
	size_t n_conns;
	int stopping;
};

/*---------------------------------------------------------------------------
 * Connection I/O
 *---------------------------------------------------------------------------*/

/* Read exactly n bytes: 1 on success, 0 at end of file or error. */
static int conn_read(conn_t *c, void *p, size_t n)
{
	uint8_t *b = p;

	while (n) {
		ssize_t r;
		if (c->ssl) {
			int k = SSL_read(c->ssl, b, n > INT32_MAX ? INT32_MAX : (int)n);
			r = k > 0 ? k : -1;
		} else {
			r = recv(c->fd, b, n, 0);
			if (r < 0 && errno == EINTR)
				continue;
		}
		if (r <= 0)
			return 0;
		b += r;
		n -= (size_t)r;
	}
	return 1;
}

static int conn_write(conn_t *c, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t w;
		if (c->ssl) {
			int k = SSL_write(c->ssl, b, n > INT32_MAX ? INT32_MAX : (int)n);
			w = k > 0 ? k : -1;
		} else {
			w = send(c->fd, b, n, MSG_NOSIGNAL);
			if (w < 0 && errno == EINTR)
				continue;
		}
		if (w <= 0)
			return 0;
		b += w;
		n -= (size_t)w;
	}
	return 1;
}

/* Serve one connection until it closes or the server stops. */
static void conn_serve(conn_t *c, session_t *ss)
{
	uint8_t hdr[4];
	uint8_t *frame = NULL;
	size_t cap = 0, n;
	buf_t out = { 0 };
	larch_error_t err = { 0 };

	for (;;) {
		if (!conn_read(c, hdr, 4))
			break;
		if (rpc_frame_length(hdr, c->srv->cfg.max_frame, &n, &err) != LARCH_OK) {
			server_log(LOG_WARN, "%s: %s; closing the connection", c->peer, err.msg);
			break;
		}
		if (n > cap) {
			uint8_t *f = mem_realloc(frame, n);
			if (!f) {
				server_log(LOG_WARN, "%s: no memory for a %zu-byte frame", c->peer, n);
				break;
			}
			frame = f;
			cap = n;
		}
		if (!conn_read(c, frame, n))
			break;
		out.len = 0;
		int keep = session_handle(ss, frame, n, &out) == 0;
		if (out.len && !conn_write(c, out.data, out.len))
			break;
		if (!keep)
			break;
		/* a connection that once sent a huge frame should not keep it */
		if (cap > (1u << 20) && n < cap / 4) {
			mem_free(frame);
			frame = NULL;
			cap = 0;
		}
		if (out.cap > (4u << 20)) {
			buf_free(&out);
			out = (buf_t){ 0 };
		}
	}
	mem_free(frame);
	buf_free(&out);
}

static void conn_unlink(conn_t *c)
{
	struct server *s = c->srv;

	pthread_mutex_lock(&s->lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (--s->n_conns == 0)
		pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->lock);
}

static void *conn_main(void *arg)
{
	conn_t *c = arg;
	session_t *ss = NULL;

	if (c->ssl && SSL_accept(c->ssl) != 1) {
		unsigned long e = ERR_get_error();
		server_log(LOG_WARN, "%s: TLS handshake failed: %s", c->peer,
			   e ? ERR_reason_error_string(e) : "connection closed");
		goto done;
	}
	ss = session_new(&c->srv->shared, c->peer);
	if (!ss) {
		server_log(LOG_ERROR, "%s: no memory for a session", c->peer);
		goto done;
	}
	server_log(LOG_DEBUG, "%s: connected", c->peer);
	conn_serve(c, ss);
	server_log(LOG_DEBUG, "%s: disconnected", c->peer);
done:
	session_free(ss);
	conn_unlink(c);
	if (c->ssl) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	close(c->fd);
	mem_free(c);
	return NULL;
}

/*---------------------------------------------------------------------------
 * Accepting
 *---------------------------------------------------------------------------*/

static void peer_name(const struct sockaddr_storage *sa, char *out, size_t n)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		port = ntohs(a->sin_port);
	} else if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		port = ntohs(a->sin6_port);
	}
	snprintf(out, n, "%s:%u", host, port);
}

/* Start a thread for an accepted socket (or close it when over the limit). */
static void accept_one(struct server *s, int fd, const struct sockaddr_storage *sa)
{
	conn_t *c = mem_calloc(1, sizeof(*c));
	pthread_attr_t attr;
	pthread_t t;
	int one = 1, rc;

	if (c)
		peer_name(sa, c->peer, sizeof(c->peer));
	pthread_mutex_lock(&s->lock);
	rc = !c || s->n_conns >= s->cfg.max_connections || s->stopping;
	if (!rc) {
		c->srv = s;
		c->fd = fd;
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		s->n_conns++;
	}
	pthread_mutex_unlock(&s->lock);
	if (rc) {
		server_log(LOG_WARN, "refusing a connection: %s", !c ? "out of memory"
			   : s->stopping ? "shutting down" : "too many connections");
		mem_free(c);
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	if (s->ssl_ctx) {
		c->ssl = SSL_new(s->ssl_ctx);
		if (!c->ssl || SSL_set_fd(c->ssl, fd) != 1)
			goto fail;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, CONN_STACK);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, conn_main, c);
	pthread_attr_destroy(&attr);
	if (rc == 0)
		return;
fail:
	server_log(LOG_ERROR, "%s: cannot start a connection thread", c->peer);
	if (c->ssl)
		SSL_free(c->ssl);
	conn_unlink(c);
	close(fd);
	mem_free(c);
}

static void *acceptor_main(void *arg)
{
	struct server *s = arg;
	struct pollfd p[2] = { { s->listen_fd, POLLIN, 0 }, { s->stop_pipe[0], POLLIN, 0 } };

	for (;;) {
		struct sockaddr_storage sa;
		socklen_t len = sizeof(sa);
		int fd;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			server_log(LOG_ERROR, "poll: %s", strerror(errno));
			break;
		}
		if (p[1].revents)
			break;
		fd = accept(s->listen_fd, (struct sockaddr *)&sa, &len);
		if (fd < 0) {
			if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
				server_log(LOG_WARN, "accept: %s", strerror(errno));
			if (errno == EMFILE || errno == ENFILE)
				usleep(10000);
			continue;
		}
		accept_one(s, fd, &sa);
	}
	/* stop: no new connections; wake the idle ones */
	pthread_mutex_lock(&s->lock);
	s->stopping = 1;
	close(s->listen_fd);
	s->listen_fd = -1;
	for (conn_t *c = s->conns; c; c = c->next)
		shutdown(c->fd, SHUT_RD);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/*---------------------------------------------------------------------------
 * Start / stop
 *---------------------------------------------------------------------------*/

static int tls_setup(struct server *s, larch_error_t *err)
{
	if (!s->cfg.ssl_cert[0] || !s->cfg.ssl_key[0])
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "enable_thrift_ssl needs ssl_cert_file and ssl_key_file");
	s->ssl_ctx = SSL_CTX_new(TLS_server_method());
	if (!s->ssl_ctx)
		return err_set(err, LARCH_INTERNAL_ERROR, "TLS: cannot create a context");
	SSL_CTX_set_min_proto_version(s->ssl_ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(s->ssl_ctx, s->cfg.ssl_cert) != 1)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "TLS: cannot load certificate %s: %s",
			       s->cfg.ssl_cert, ERR_reason_error_string(ERR_get_error()));
	if (SSL_CTX_use_PrivateKey_file(s->ssl_ctx, s->cfg.ssl_key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(s->ssl_ctx) != 1)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "TLS: cannot load key %s: %s",
			       s->cfg.ssl_key, ERR_reason_error_string(ERR_get_error()));
	return LARCH_OK;
}

static int listen_on(struct server *s, larch_error_t *err)
{
	struct addrinfo hints = { 0 }, *res = NULL;
	char port[8];
	int one = 1, rc;
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", s->cfg.rpc_port);
	rc = getaddrinfo(s->cfg.rpc_address, port, &hints, &res);
	if (rc)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "rpc_address %s: %s",
			       s->cfg.rpc_address, gai_strerror(rc));
	s->listen_fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0) {
		freeaddrinfo(res);
		return err_set(err, LARCH_INTERNAL_ERROR, "socket: %s", strerror(errno));
	}
	setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	rc = bind(s->listen_fd, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (rc || listen(s->listen_fd, 1024))
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "cannot listen on %s:%u: %s",
			       s->cfg.rpc_address, s->cfg.rpc_port, strerror(errno));
	getsockname(s->listen_fd, (struct sockaddr *)&sa, &len);
	s->port = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
						 : ((struct sockaddr_in *)&sa)->sin_port);
	return LARCH_OK;
}

int server_start(const server_config_t *c, server_t **out, larch_error_t *err)
{
	struct server *s = mem_calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return err_set(err, LARCH_NO_MEMORY, "out of memory starting the server");
	s->cfg = *c;
	s->listen_fd = -1;
	s->stop_pipe[0] = s->stop_pipe[1] = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->idle, NULL);
	pthread_mutex_init(&s->shared.lock, NULL);
	s->shared.cfg = &s->cfg;
	s->shared.next_session_id = 1;
	s->shared.next_query_id = 1;
	server_log_level(c->log_level);
	signal(SIGPIPE, SIG_IGN);
	if (pipe(s->stop_pipe)) {
		rc = err_set(err, LARCH_INTERNAL_ERROR, "pipe: %s", strerror(errno));
		goto fail;
	}
	rc = c->enable_ssl ? tls_setup(s, err) : LARCH_OK;
	if (rc == LARCH_OK)
		rc = listen_on(s, err);
	if (rc == LARCH_OK)
		rc = larch_open(c->data_dir, &c->db, &s->shared.db, err);
	if (rc)
		goto fail;
	if (pthread_create(&s->acceptor, NULL, acceptor_main, s)) {
		rc = err_set(err, LARCH_INTERNAL_ERROR, "cannot start the acceptor thread");
		goto fail;
	}
	s->acceptor_started = 1;
	*out = s;
	return LARCH_OK;
fail:
	server_free(s);
	return rc;
}

uint16_t server_port(const server_t *s)
{
	return s->port;
}

void server_stop(server_t *s)
{
	char b = 1;

	if (write(s->stop_pipe[1], &b, 1) < 0)
		return;
}

int server_wait(server_t *s, larch_error_t *err)
{
	int rc = LARCH_OK;

	if (s->acceptor_started) {
		pthread_join(s->acceptor, NULL);
		s->acceptor_started = 0;
	}
	pthread_mutex_lock(&s->lock);
	while (s->n_conns)
		pthread_cond_wait(&s->idle, &s->lock);
	pthread_mutex_unlock(&s->lock);
	if (s->shared.db) {
		rc = larch_close(s->shared.db, err);
		s->shared.db = NULL;
	}
	return rc;
}

void server_free(server_t *s)
{
	if (!s)
		return;
	if (s->acceptor_started) {
		server_stop(s);
		server_wait(s, NULL);
	}
	if (s->shared.db)
		larch_close(s->shared.db, NULL);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	for (int i = 0; i < 2; i++)
		if (s->stop_pipe[i] >= 0)
			close(s->stop_pipe[i]);
	SSL_CTX_free(s->ssl_ctx);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->idle);
	pthread_mutex_destroy(&s->shared.lock);
	mem_free(s);
}
