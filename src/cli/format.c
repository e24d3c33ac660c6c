/*
 * format.c — the shell's text forms of values and times, both directions:
 * what the result table and CSV export print, and what CSV import reads
 * back (see cli.h).  Numbers print as IoTDB's Java clients print them
 * (x_format_java of the query layer), times as ISO 8601 in the session's
 * zone (time_format_iso of src/base) or as plain numbers.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "cli/cli.h"
#include "query/expr.h"

void cli_format_time(const cli_fmt_t *f, int64_t t, buf_t *out)
{
	char tmp[64];
	size_t n;
	if (f->time_long || !f->tz)
		n = (size_t)snprintf(tmp, sizeof tmp, "%lld", (long long)t);
	else
		n = time_format_iso(t, f->tz, f->prec, tmp, sizeof tmp);
	buf_put(out, tmp, LR_MIN(n, sizeof tmp - 1));
}

/* BLOB bytes as 0x + two lower-case hex digits each (IoTDB's form). */
static void format_blob(const tsfile_bytes_t *b, buf_t *out)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t *p = buf_extend(out, 2 + 2 * (size_t)b->len);
	if (!p)
		return;
	*p++ = '0';
	*p++ = 'x';
	for (uint32_t i = 0; i < b->len; i++) {
		uint8_t c = (uint8_t)b->ptr[i];
		*p++ = (uint8_t)hex[c >> 4];
		*p++ = (uint8_t)hex[c & 15];
	}
}

void cli_format_value(const cli_fmt_t *f, const tsfile_value_t *v, buf_t *out)
{
	char tmp[64];
	size_t n = 0;
	switch (v->type) {
	case TSFILE_BOOLEAN:
		n = (size_t)snprintf(tmp, sizeof tmp, "%s", v->v.b ? "true" : "false");
		break;
	case TSFILE_INT32:
		n = (size_t)snprintf(tmp, sizeof tmp, "%d", v->v.i32);
		break;
	case TSFILE_DATE: /* int32 yyyymmdd */
		n = (size_t)snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", v->v.i32 / 10000,
				     v->v.i32 / 100 % 100, v->v.i32 % 100);
		break;
	case TSFILE_INT64:
	case TSFILE_VECTOR:
		n = (size_t)snprintf(tmp, sizeof tmp, "%lld", (long long)v->v.i64);
		break;
	case TSFILE_TIMESTAMP:
		cli_format_time(f, v->v.i64, out);
		return;
	case TSFILE_FLOAT:
		n = x_format_java(v->v.f, 1, tmp, sizeof tmp);
		break;
	case TSFILE_DOUBLE:
		n = x_format_java(v->v.d, 0, tmp, sizeof tmp);
		break;
	case TSFILE_TEXT:
	case TSFILE_STRING:
		buf_put(out, v->v.bytes.ptr, v->v.bytes.len);
		return;
	case TSFILE_BLOB:
		format_blob(&v->v.bytes, out);
		return;
	}
	buf_put(out, tmp, LR_MIN(n, sizeof tmp - 1));
}

/* 1 if code point c takes two columns on a terminal (East Asian Wide and
 * Fullwidth blocks: Hangul Jamo, CJK radicals to Yi, Hangul syllables, CJK
 * compatibility ideographs, fullwidth forms, CJK extensions B and up). */
static int cp_is_wide(uint32_t c)
{
	return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF && c != 0x303F) ||
	       (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
	       (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
	       (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
	       (c >= 0x20000 && c <= 0x3FFFD);
}

size_t cli_text_width(const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s, *end = p + n;
	size_t w = 0;
	while (p < end) {
		uint32_t c = *p;
		size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
		if (len > (size_t)(end - p))
			len = 1; /* truncated sequence: one column per byte */
		if (len > 1) {
			c &= 0x3Fu >> (len - 1);
			for (size_t i = 1; i < len; i++)
				c = (c << 6) | (p[i] & 0x3Fu);
		}
		w += cp_is_wide(c) ? 2 : 1;
		p += len;
	}
	return w;
}

/*---------------------------------------------------------------------------
 * Parsing (CSV import)
 *---------------------------------------------------------------------------*/

static int parse_bad(const char *s, size_t n, const char *what, larch_error_t *err)
{
	return err_set(err, LARCH_PARSE_ERROR, "'%.*s' is not %s", (int)LR_MIN(n, 40), s, what);
}

/* s[0..n) as a whole decimal integer within [lo, hi]. */
static int parse_int(const char *s, size_t n, int64_t lo, int64_t hi, int64_t *out)
{
	char tmp[32], *end;
	if (n == 0 || n >= sizeof tmp)
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	errno = 0;
	long long v = strtoll(tmp, &end, 10);
	if (errno || *end || end == tmp || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* s[0..n) as a whole floating-point number (also NaN, Infinity). */
static int parse_double(const char *s, size_t n, double *out)
{
	char tmp[64], *end;
	if (n == 0 || n >= sizeof tmp)
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	*out = strtod(tmp, &end);
	return *end || end == tmp ? -1 : 0;
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* 0x-hex into arena bytes. */
static int parse_blob(const char *s, size_t n, arena_t *a, tsfile_bytes_t *out)
{
	if (n < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || n % 2 || n / 2 > UINT32_MAX)
		return -1;
	size_t len = n / 2 - 1;
	char *p = arena_alloc(a, len + 1);
	if (!p)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int hi = hex_digit(s[2 + 2 * i]), lo = hex_digit(s[3 + 2 * i]);
		if (hi < 0 || lo < 0)
			return -1;
		p[i] = (char)(hi << 4 | lo);
	}
	out->ptr = p;
	out->len = (uint32_t)len;
	return 0;
}

/* yyyy-MM-dd into the int32 yyyymmdd form. */
static int parse_date(const char *s, size_t n, int32_t *out)
{
	int64_t y, m, d;
	if (n != 10 || s[4] != '-' || s[7] != '-' || parse_int(s, 4, 1000, 9999, &y) ||
	    parse_int(s + 5, 2, 1, 12, &m) || parse_int(s + 8, 2, 1, 31, &d))
		return -1;
	*out = (int32_t)(y * 10000 + m * 100 + d);
	return 0;
}

int cli_parse_time(const cli_fmt_t *f, const char *s, size_t n, int64_t *out,
		   larch_error_t *err)
{
	if (parse_int(s, n, INT64_MIN, INT64_MAX, out) == 0)
		return LARCH_OK;
	if (!f->tz)
		return parse_bad(s, n, "a time", err);
	return time_parse_datetime(s, n, f->tz, f->prec, out, err);
}

int cli_parse_value(const cli_fmt_t *f, tsfile_type_t t, const char *s, size_t n, arena_t *a,
		    tsfile_value_t *out, larch_error_t *err)
{
	int64_t i;
	double d;
	memset(out, 0, sizeof *out);
	out->type = t;
	switch (t) {
	case TSFILE_BOOLEAN:
		if ((n == 4 && !strncasecmp(s, "true", 4)) || (n == 1 && *s == '1'))
			out->v.b = 1;
		else if ((n == 5 && !strncasecmp(s, "false", 5)) || (n == 1 && *s == '0'))
			out->v.b = 0;
		else
			return parse_bad(s, n, "a BOOLEAN (true/false)", err);
		return LARCH_OK;
	case TSFILE_INT32:
		if (parse_int(s, n, INT32_MIN, INT32_MAX, &i))
			return parse_bad(s, n, "an INT32", err);
		out->v.i32 = (int32_t)i;
		return LARCH_OK;
	case TSFILE_INT64:
		if (parse_int(s, n, INT64_MIN, INT64_MAX, &i))
			return parse_bad(s, n, "an INT64", err);
		out->v.i64 = i;
		return LARCH_OK;
	case TSFILE_TIMESTAMP:
		return cli_parse_time(f, s, n, &out->v.i64, err);
	case TSFILE_FLOAT:
	case TSFILE_DOUBLE:
		if (parse_double(s, n, &d))
			return parse_bad(s, n, t == TSFILE_FLOAT ? "a FLOAT" : "a DOUBLE", err);
		if (t == TSFILE_FLOAT)
			out->v.f = (float)d;
		else
			out->v.d = d;
		return LARCH_OK;
	case TSFILE_DATE:
		if (parse_date(s, n, &out->v.i32))
			return parse_bad(s, n, "a DATE (yyyy-MM-dd)", err);
		return LARCH_OK;
	case TSFILE_BLOB:
		if (parse_blob(s, n, a, &out->v.bytes))
			return parse_bad(s, n, "a BLOB (0x followed by hex digits)", err);
		return LARCH_OK;
	case TSFILE_TEXT:
	case TSFILE_STRING:
		out->v.bytes.ptr = s;
		out->v.bytes.len = (uint32_t)LR_MIN(n, UINT32_MAX);
		return LARCH_OK;
	case TSFILE_VECTOR:
		break;
	}
	return err_set(err, LARCH_ILLEGAL_PARAMETER, "type %d cannot be imported", (int)t);
}
