/*
 * conn.c — the client's connection: TCP connect with a timeout over every
 * address of a host, optional TLS (OpenSSL: chain verified against a CA
 * file or the system paths, host name or IP checked, SNI), timeouts per
 * call, and exact reads and writes.  SIGPIPE never reaches the program:
 * plain sockets write with MSG_NOSIGNAL, TLS writes run with SIGPIPE
 * blocked and a pending one consumed.
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
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "client/client_int.h"

static int conn_err(larch_error_t *err, const char *what, const char *detail)
{
	return err_set(err, LARCH_CLIENT_CONNECTION_ERROR, "%s: %s", what, detail);
}

/* Non-blocking connect to one address, waiting at most ms (0: forever).
 * Returns the connected (blocking) socket or -1 with errno set. */
static int connect_one(const struct addrinfo *ai, int ms)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	int flags, e = 0;
	socklen_t len = sizeof e;

	if (fd < 0)
		return -1;
	flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		struct pollfd p = { fd, POLLOUT, 0 };
		int k;
		if (errno != EINPROGRESS)
			goto fail;
		do
			k = poll(&p, 1, ms > 0 ? ms : -1);
		while (k < 0 && errno == EINTR);
		if (k == 0) {
			errno = ETIMEDOUT;
			goto fail;
		}
		if (k < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
			goto fail;
		if (e) {
			errno = e;
			goto fail;
		}
	}
	fcntl(fd, F_SETFL, flags);
	e = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &e, sizeof e);
	return fd;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

static const char *ssl_reason(void)
{
	const char *r = ERR_reason_error_string(ERR_get_error());
	return r ? r : "unknown TLS error";
}

/* TLS client handshake on c->fd: verify the chain (ca_file or system
 * paths) and, with verify_hostname, that the certificate names host. */
static int tls_start(cl_conn_t *c, const char *host, const larch_client_options_t *o,
		     larch_error_t *err)
{
	struct in6_addr ip6;
	struct in_addr ip4;
	int is_ip = inet_pton(AF_INET, host, &ip4) == 1 || inet_pton(AF_INET6, host, &ip6) == 1;
	long vr;

	ERR_clear_error();
	c->ctx = SSL_CTX_new(TLS_client_method());
	if (!c->ctx)
		return conn_err(err, "TLS", ssl_reason());
	SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
	if (o->ca_file ? SSL_CTX_load_verify_locations(c->ctx, o->ca_file, NULL) != 1
		       : SSL_CTX_set_default_verify_paths(c->ctx) != 1)
		return err_set(err, LARCH_CLIENT_CONNECTION_ERROR, "TLS: cannot load CA %s: %s",
			       o->ca_file ? o->ca_file : "(system paths)", ssl_reason());
	c->ssl = SSL_new(c->ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1)
		return conn_err(err, "TLS", ssl_reason());
	if (!is_ip)
		SSL_set_tlsext_host_name(c->ssl, host);
	if (o->verify_hostname) {
		X509_VERIFY_PARAM *vp = SSL_get0_param(c->ssl);
		if (is_ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, host) != 1
			  : SSL_set1_host(c->ssl, host) != 1)
			return conn_err(err, "TLS", "cannot set the host name to verify");
	}
	if (SSL_connect(c->ssl) == 1)
		return LARCH_OK;
	vr = SSL_get_verify_result(c->ssl);
	if (vr != X509_V_OK)
		return err_set(err, LARCH_CLIENT_CONNECTION_ERROR,
			       "TLS: server certificate not accepted: %s",
			       X509_verify_cert_error_string(vr));
	return conn_err(err, "TLS handshake failed", ssl_reason());
}

void cl_conn_set_timeout(cl_conn_t *c, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	if (c->fd < 0)
		return;
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

int cl_conn_open(cl_conn_t *c, const char *host, int port, const larch_client_options_t *o,
		 larch_error_t *err)
{
	struct addrinfo hints = { 0 }, *res = NULL;
	char svc[16];
	int rc, e = 0;

	cl_conn_close(c);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(svc, sizeof svc, "%d", port);
	rc = getaddrinfo(host, svc, &hints, &res);
	if (rc)
		return err_set(err, LARCH_CLIENT_CONNECTION_ERROR, "%s:%d: %s", host, port,
			       gai_strerror(rc));
	for (const struct addrinfo *ai = res; ai && c->fd < 0; ai = ai->ai_next) {
		c->fd = connect_one(ai, o->connect_timeout_ms);
		if (c->fd < 0)
			e = errno;
	}
	freeaddrinfo(res);
	if (c->fd < 0)
		return err_set(err, LARCH_CLIENT_CONNECTION_ERROR, "%s:%d: %s", host, port,
			       strerror(e));
	cl_conn_set_timeout(c, o->connect_timeout_ms);
	if (o->use_ssl) {
		rc = tls_start(c, host, o, err);
		if (rc) {
			err_prefix(err, "%s:%d", host, port);
			cl_conn_close(c);
			return rc;
		}
	}
	return LARCH_OK;
}

/* SSL_write with SIGPIPE blocked in this thread; a SIGPIPE raised by it is
 * consumed before the mask is restored. */
static int tls_write(SSL *ssl, const void *p, int n)
{
	sigset_t pipe_set, old;
	struct timespec zero = { 0, 0 };
	int k, pending;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	k = SSL_write(ssl, p, n);
	if (k <= 0) {
		sigset_t now;
		sigpending(&now);
		pending = sigismember(&now, SIGPIPE);
		if (pending && !sigismember(&old, SIGPIPE))
			sigtimedwait(&pipe_set, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return k;
}

int cl_conn_write(cl_conn_t *c, const void *p, size_t n, larch_error_t *err)
{
	const uint8_t *b = p;

	if (c->fd < 0)
		return conn_err(err, "write", "not connected");
	while (n) {
		int chunk = n > (1u << 30) ? (1 << 30) : (int)n;
		ssize_t k;
		if (c->ssl) {
			ERR_clear_error();
			k = tls_write(c->ssl, b, chunk);
			if (k <= 0)
				return conn_err(err, "TLS write", ssl_reason());
		} else {
			k = send(c->fd, b, (size_t)chunk, MSG_NOSIGNAL);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				return conn_err(err, "write", k < 0 ? strerror(errno) : "closed");
		}
		b += k;
		n -= (size_t)k;
	}
	return LARCH_OK;
}

int cl_conn_read(cl_conn_t *c, void *p, size_t n, larch_error_t *err)
{
	uint8_t *b = p;

	if (c->fd < 0)
		return conn_err(err, "read", "not connected");
	while (n) {
		int chunk = n > (1u << 30) ? (1 << 30) : (int)n;
		ssize_t k;
		if (c->ssl) {
			ERR_clear_error();
			k = SSL_read(c->ssl, b, chunk);
			if (k <= 0)
				return conn_err(err, "TLS read", SSL_get_error(c->ssl, (int)k) ==
						SSL_ERROR_ZERO_RETURN ? "closed by the server"
								      : ssl_reason());
		} else {
			k = recv(c->fd, b, (size_t)chunk, 0);
			if (k < 0 && errno == EINTR)
				continue;
			if (k == 0)
				return conn_err(err, "read", "connection closed by the server");
			if (k < 0)
				return conn_err(err, "read", errno == EAGAIN || errno == EWOULDBLOCK
							     ? "timed out" : strerror(errno));
		}
		b += k;
		n -= (size_t)k;
	}
	return LARCH_OK;
}

void cl_conn_close(cl_conn_t *c)
{
	if (c->ssl) {
		SSL_free(c->ssl);  /* no close_notify: the peer may be gone */
		c->ssl = NULL;
	}
	if (c->ctx) {
		SSL_CTX_free(c->ctx);
		c->ctx = NULL;
	}
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
}
