/*
 * pool.c — the session pool: up to max_size sessions opened lazily with one
 * set of options, an idle list, and a condition variable on which
 * larch_pool_get waits (bounded by wait_timeout_ms on CLOCK_MONOTONIC)
 * until a session is put back or a slot frees.  Sessions whose connection
 * could not be restored are closed on put, freeing their slot.
 */
#include <errno.h>
#include <time.h>

#include "client/client_int.h"

struct larch_pool {
	larch_client_options_t o;     /* strings and node URLs in `mem` */
	void *mem;
	size_t max, count;            /* sessions allowed / existing */
	size_t n_idle;
	larch_session_t *idle;
	int wait_ms;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

/* Copy the strings of src (and its node URL array) into one allocation. */
static int copy_options(larch_pool_t *p, const larch_client_options_t *src)
{
	const char **strs[] = { &p->o.host, &p->o.user, &p->o.password, &p->o.time_zone,
				&p->o.ca_file, &p->o.sql_dialect, &p->o.database };
	size_t n_urls = src->node_urls ? src->n_node_urls : 0, bytes = n_urls * sizeof(char *);
	char **urls, *at;

	p->o = *src;
	for (size_t i = 0; i < LR_ARRAY_LEN(strs); i++)
		bytes += *strs[i] ? strlen(*strs[i]) + 1 : 0;
	for (size_t i = 0; i < n_urls; i++) {
		if (!src->node_urls[i])
			return LARCH_ILLEGAL_PARAMETER;
		bytes += strlen(src->node_urls[i]) + 1;
	}
	p->mem = mem_alloc(bytes ? bytes : 1);
	if (!p->mem)
		return LARCH_NO_MEMORY;
	urls = p->mem;
	at = (char *)(urls + n_urls);
	for (size_t i = 0; i < LR_ARRAY_LEN(strs) + n_urls; i++) {
		const char *s = i < LR_ARRAY_LEN(strs) ? *strs[i] : src->node_urls[i - LR_ARRAY_LEN(strs)];
		size_t l;
		if (!s)
			continue;
		l = strlen(s) + 1;
		memcpy(at, s, l);
		if (i < LR_ARRAY_LEN(strs))
			*strs[i] = at;
		else
			urls[i - LR_ARRAY_LEN(strs)] = at;
		at += l;
	}
	p->o.node_urls = n_urls ? (const char *const *)urls : NULL;
	return LARCH_OK;
}

int larch_pool_open(const larch_client_options_t *o, size_t max_size, int wait_timeout_ms,
		    larch_pool_t **out, larch_error_t *err)
{
	larch_pool_t *p;
	pthread_condattr_t ca;
	int rc;

	*out = NULL;
	if (!o || !max_size || wait_timeout_ms < 0)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "pool: options missing, max size 0 or negative timeout");
	p = mem_calloc(1, sizeof *p);
	if (!p)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	rc = copy_options(p, o);
	if (rc) {
		mem_free(p->mem);
		mem_free(p);
		return err_set(err, rc, "pool: cannot copy the options (NULL node URL or no memory)");
	}
	p->max = max_size;
	p->wait_ms = wait_timeout_ms;
	pthread_mutex_init(&p->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cv, &ca);
	pthread_condattr_destroy(&ca);
	*out = p;
	return LARCH_OK;
}

static struct timespec deadline_after(int ms)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

int larch_pool_get(larch_pool_t *p, larch_session_t **out, larch_error_t *err)
{
	struct timespec until = deadline_after(p->wait_ms);
	int rc;

	*out = NULL;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		if (p->idle) {
			*out = p->idle;
			p->idle = p->idle->pool_next;
			p->n_idle--;
			pthread_mutex_unlock(&p->mu);
			(*out)->pool_next = NULL;
			return LARCH_OK;
		}
		if (p->count < p->max)
			break;
		rc = p->wait_ms ? pthread_cond_timedwait(&p->cv, &p->mu, &until)
				: pthread_cond_wait(&p->cv, &p->mu);
		if (rc == ETIMEDOUT && !p->idle && p->count >= p->max) {
			pthread_mutex_unlock(&p->mu);
			return err_set(err, LARCH_CLIENT_POOL_TIMEOUT,
				       "pool: all %zu sessions busy for %d ms", p->max, p->wait_ms);
		}
	}
	p->count++;  /* reserve the slot, open outside the lock */
	pthread_mutex_unlock(&p->mu);
	rc = larch_session_open(&p->o, out, err);
	if (rc) {
		pthread_mutex_lock(&p->mu);
		p->count--;
		pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	return rc;
}

void larch_pool_put(larch_pool_t *p, larch_session_t *s)
{
	if (!s)
		return;
	if (!s->connected) {
		larch_session_close(s, NULL);
		pthread_mutex_lock(&p->mu);
		p->count--;
	} else {
		pthread_mutex_lock(&p->mu);
		s->pool_next = p->idle;
		p->idle = s;
		p->n_idle++;
	}
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

size_t larch_pool_size(larch_pool_t *p)
{
	size_t n;
	pthread_mutex_lock(&p->mu);
	n = p->count;
	pthread_mutex_unlock(&p->mu);
	return n;
}

size_t larch_pool_idle(larch_pool_t *p)
{
	size_t n;
	pthread_mutex_lock(&p->mu);
	n = p->n_idle;
	pthread_mutex_unlock(&p->mu);
	return n;
}

void larch_pool_close(larch_pool_t *p)
{
	if (!p)
		return;
	while (p->idle) {
		larch_session_t *s = p->idle;
		p->idle = s->pool_next;
		larch_session_close(s, NULL);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	mem_free(p->mem);
	mem_free(p);
}
