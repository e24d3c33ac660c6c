/*
 * schema_test.h — helpers shared by the schema unit tests (header only).
 */
#ifndef LARCH_SCHEMA_TEST_H
#define LARCH_SCHEMA_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"
#include "schema/schema.h"

static inline schema_t *open_mem(void)
{
	schema_t *s = NULL;
	larch_error_t err = {0, ""};
	assert_int_equal(schema_open(NULL, NULL, &s, &err), LARCH_OK);
	return s;
}

/* The canonical dump (mem_free it). */
static inline char *dump(schema_t *s)
{
	char *t = NULL;
	size_t n;
	larch_error_t err = {0, ""};
	assert_int_equal(schema_dump(s, &t, &n, &err), LARCH_OK);
	return t;
}

/* Assert rc and err are code and message. */
#define expect_err(call, code, message)                                                  \
	do {                                                                             \
		larch_error_t e_ = {0, ""};                                              \
		int rc_ = (call);                                                        \
		if (rc_ != (code) || strcmp(e_.msg, (message)) != 0)                     \
			fail_msg("got %d \"%s\", want %d \"%s\"", rc_, e_.msg, (code),   \
				 (message));                                             \
	} while (0)
/* The call must use `&e_` as its error argument. */

#define expect_ok(call)                                                                  \
	do {                                                                             \
		larch_error_t e_ = {0, ""};                                              \
		int rc_ = (call);                                                        \
		if (rc_ != LARCH_OK)                                                     \
			fail_msg("got %d \"%s\"", rc_, e_.msg);                          \
	} while (0)

static inline uint32_t mk(schema_t *s, const char *path, tsfile_type_t type)
{
	schema_meas_def_t d;
	memset(&d, 0, sizeof(d));
	d.type = type;
	d.encoding = -1;
	d.codec = -1;
	uint32_t sid = 0;
	expect_ok(schema_series_create(s, path, &d, &sid, &e_));
	return sid;
}

/* Listings collected as "a,b,c". */
typedef struct strs {
	char buf[1 << 16];
	size_t len;
	size_t n;
} strs_t;

static inline void strs_reset(strs_t *l)
{
	l->len = 0;
	l->n = 0;
	l->buf[0] = '\0';
}

static inline void strs_add(strs_t *l, const char *p, size_t n)
{
	if (l->len && l->len + 1 < sizeof(l->buf))
		l->buf[l->len++] = ',';
	size_t k = n < sizeof(l->buf) - l->len - 1 ? n : sizeof(l->buf) - l->len - 1;
	memcpy(l->buf + l->len, p, k);
	l->len += k;
	l->buf[l->len] = '\0';
	l->n++;
}

static inline int series_path_cb(void *arg, const schema_series_info_t *in)
{
	strs_add(arg, in->path, in->path_len);
	return 0;
}

static inline int device_path_cb(void *arg, const schema_device_info_t *in)
{
	strs_add(arg, in->path, in->path_len);
	return 0;
}

static inline int db_path_cb(void *arg, const schema_db_info_t *in)
{
	strs_add(arg, in->path, in->path_len);
	return 0;
}

static inline int path_cb(void *arg, const char *p, size_t n)
{
	strs_add(arg, p, n);
	return 0;
}

/* SHOW TIMESERIES pattern as "p1,p2". */
static inline const char *show_ts(schema_t *s, const char *pattern, strs_t *l)
{
	strs_reset(l);
	expect_ok(schema_match_series(s, pattern, NULL, 0, 0, series_path_cb, l, &e_));
	return l->buf;
}

#endif
