/*
 * tests/sql/fmt.c — how the SQL conformance runner turns result blocks into
 * text: Java's number formatting (what IoTDB's clients show), ISO 8601 times
 * in a fixed zone, and the rendering of a whole larch_result_t into rows.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "query/expr.h"
#include "sqltest.h"

/* The query layer's x_format_java is the one implementation; fmt_selftest
 * checks it against the Java runtime's outputs. */
void fmt_java_double(double v, char *out)
{
	x_format_java(v, 0, out, FMT_MAX);
}

void fmt_java_float(float v, char *out)
{
	x_format_java((double)v, 1, out, FMT_MAX);
}

int fmt_parse_zone(const char *zone, int *offset_s)
{
	if (strcmp(zone, "Z") == 0 || strcmp(zone, "UTC") == 0) {
		*offset_s = 0;
		return 0;
	}
	int h, m;
	char sign;
	if ((sscanf(zone, "%c%2d:%2d", &sign, &h, &m) != 3 &&
	     sscanf(zone, "%c%2d%2d", &sign, &h, &m) != 3) ||
	    (sign != '+' && sign != '-') || h > 18 || m > 59)
		return -1;
	*offset_s = (sign == '-' ? -1 : 1) * (h * 3600 + m * 60);
	return 0;
}

void fmt_time_iso(int64_t t, larch_precision_t precision, int offset_s, char *out)
{
	int64_t per_s = precision == LARCH_MS ? 1000 : precision == LARCH_US ? 1000000 : 1000000000;
	int width = precision == LARCH_MS ? 3 : precision == LARCH_US ? 6 : 9;
	int64_t secs = t / per_s, frac = t % per_s;
	if (frac < 0) {
		frac += per_s;
		secs--;
	}
	time_t local = (time_t)(secs + offset_s);
	struct tm tm;
	gmtime_r(&local, &tm);
	int off = offset_s < 0 ? -offset_s : offset_s;
	snprintf(out, FMT_MAX, "%04d-%02d-%02dT%02d:%02d:%02d.%0*" PRId64 "%c%02d:%02d",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 width, frac, offset_s < 0 ? '-' : '+', off / 3600, off % 3600 / 60);
}

static void put_str(buf_t *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

void fmt_time(buf_t *b, int64_t t, const fmt_opts_t *o)
{
	char s[FMT_MAX];
	if (o->iso)
		fmt_time_iso(t, o->precision, o->offset_s, s);
	else
		snprintf(s, sizeof s, "%" PRId64, t);
	put_str(b, s);
}

/* TEXT as the test files write it: one line, tabs and newlines escaped. */
static void put_text(buf_t *b, const tsfile_bytes_t *v)
{
	if (v->len == 0) {
		put_str(b, "(empty)");
		return;
	}
	for (uint32_t i = 0; i < v->len; i++) {
		char c = v->ptr[i];
		const char *esc = c == '\\' ? "\\\\" : c == '\t' ? "\\t" : c == '\n' ? "\\n" :
				  c == '\r' ? "\\r" : NULL;
		if (esc)
			put_str(b, esc);
		else
			buf_put_u8(b, (uint8_t)c);
	}
}

void fmt_value(buf_t *b, const larch_column_t *c, size_t row, const fmt_opts_t *o)
{
	char s[FMT_MAX];
	if (c->nulls && c->nulls[row]) {
		put_str(b, "null");
		return;
	}
	switch (c->type) {
	case TSFILE_BOOLEAN:
		put_str(b, ((const uint8_t *)c->values)[row] ? "true" : "false");
		return;
	case TSFILE_INT32:
		snprintf(s, sizeof s, "%" PRId32, ((const int32_t *)c->values)[row]);
		break;
	case TSFILE_INT64:
		snprintf(s, sizeof s, "%" PRId64, ((const int64_t *)c->values)[row]);
		break;
	case TSFILE_TIMESTAMP:
		fmt_time(b, ((const int64_t *)c->values)[row], o);
		return;
	case TSFILE_DATE: {
		int32_t d = ((const int32_t *)c->values)[row];
		snprintf(s, sizeof s, "%04d-%02d-%02d", (int)(d / 10000), (int)(d / 100 % 100),
			 (int)(d % 100));
		break;
	}
	case TSFILE_FLOAT:
		fmt_java_float(((const float *)c->values)[row], s);
		break;
	case TSFILE_DOUBLE:
		fmt_java_double(((const double *)c->values)[row], s);
		break;
	case TSFILE_TEXT:
	case TSFILE_STRING:
		put_text(b, &((const tsfile_bytes_t *)c->values)[row]);
		return;
	case TSFILE_BLOB: {
		const tsfile_bytes_t *v = &((const tsfile_bytes_t *)c->values)[row];
		put_str(b, "0x");
		for (uint32_t i = 0; i < v->len; i++) {
			snprintf(s, sizeof s, "%02x", (unsigned)(uint8_t)v->ptr[i]);
			put_str(b, s);
		}
		return;
	}
	default:
		snprintf(s, sizeof s, "<type %d>", (int)c->type);
		break;
	}
	put_str(b, s);
}

/* Copy b's text into the arena as a C string and reset b. */
static char *take_line(buf_t *b, arena_t *a)
{
	char *s = arena_strndup(a, b->len ? (const char *)b->data : "", b->len);
	buf_reset(b);
	return s;
}

static int rowset_push(rowset_t *rs, char *line)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 64;
		char **rows = mem_realloc(rs->rows, cap * sizeof *rows);
		if (!rows)
			return -1;
		rs->rows = rows;
		rs->cap = cap;
	}
	rs->rows[rs->n++] = line;
	return 0;
}

/* Header and types lines of r: "Time" first when r has a time column. */
static void rowset_shape(rowset_t *rs, larch_result_t *r, buf_t *b, arena_t *a)
{
	size_t nc = larch_result_column_count(r);
	int has_time = larch_result_has_time(r);
	if (has_time)
		put_str(b, "Time");
	for (size_t i = 0; i < nc; i++) {
		if (i || has_time)
			buf_put_u8(b, '\t');
		const char *name = larch_result_column_name(r, i);
		put_str(b, name ? name : "<null name>");
	}
	rs->header = take_line(b, a);
	if (has_time)
		put_str(b, "TIMESTAMP");
	for (size_t i = 0; i < nc; i++) {
		if (i || has_time)
			buf_put_u8(b, '\t');
		put_str(b, tsfile_type_name(larch_result_column_type(r, i)));
	}
	rs->types = take_line(b, a);
}

/* The block must match the shape the result declared. */
static int block_check(const larch_block_t *blk, larch_result_t *r, larch_error_t *err)
{
	size_t nc = larch_result_column_count(r);
	int has_time = larch_result_has_time(r);
	if (blk->n_columns != nc)
		return err_set(err, LARCH_INTERNAL_ERROR, "block has %zu columns, result declares %zu",
			       blk->n_columns, nc);
	if (blk->n_rows && has_time != (blk->times != NULL))
		return err_set(err, LARCH_INTERNAL_ERROR, "block times %s but has_time is %d",
			       blk->times ? "present" : "NULL", has_time);
	for (size_t i = 0; i < nc; i++) {
		if (blk->columns[i].type != larch_result_column_type(r, i))
			return err_set(err, LARCH_INTERNAL_ERROR,
				       "block column %zu is %s, result declares %s", i,
				       tsfile_type_name(blk->columns[i].type),
				       tsfile_type_name(larch_result_column_type(r, i)));
		if (blk->n_rows && !blk->columns[i].values)
			return err_set(err, LARCH_INTERNAL_ERROR, "block column %zu has no values", i);
	}
	return LARCH_OK;
}

int rowset_fill(rowset_t *rs, larch_result_t *r, arena_t *a, const fmt_opts_t *o,
		larch_error_t *err)
{
	buf_t b = BUF_INIT;
	int rc;
	rowset_shape(rs, r, &b, a);
	const larch_block_t *blk;
	while ((rc = larch_result_next(r, &blk, err)) == LARCH_OK) {
		if ((rc = block_check(blk, r, err)) != LARCH_OK)
			goto done;
		for (size_t row = 0; row < blk->n_rows; row++) {
			if (blk->times)
				fmt_time(&b, blk->times[row], o);
			for (size_t c = 0; c < blk->n_columns; c++) {
				if (c || blk->times)
					buf_put_u8(&b, '\t');
				fmt_value(&b, &blk->columns[c], row, o);
			}
			if (rowset_push(rs, take_line(&b, a)) != 0) {
				rc = err_set(err, LARCH_INTERNAL_ERROR, "out of memory");
				goto done;
			}
		}
	}
	if (rc == LARCH_DONE)
		rc = LARCH_OK;
done:
	buf_free(&b);
	return rc;
}

void rowset_free(rowset_t *rs)
{
	mem_free(rs->rows);
	memset(rs, 0, sizeof *rs);
}

/* Outputs of Java 19+'s (shortest-decimal) Double.toString / Float.toString. */
int fmt_selftest(void)
{
	static const struct {
		double v;
		int is_float;
		const char *java;
	} cases[] = {
		{1.0, 0, "1.0"}, {-0.0, 0, "-0.0"}, {0.0, 0, "0.0"}, {100.0, 0, "100.0"},
		{1e-5, 0, "1.0E-5"}, {1e-3, 0, "0.001"}, {1e-4, 0, "1.0E-4"}, {1e7, 0, "1.0E7"},
		{9999999.0, 0, "9999999.0"}, {123456789.0, 0, "1.23456789E8"},
		{0.1 + 0.2, 0, "0.30000000000000004"}, {100.0 / 3, 0, "33.333333333333336"},
		{1e21, 0, "1.0E21"}, {4.9e-324, 0, "4.9E-324"}, {-2.5, 0, "-2.5"},
		{(double)(float)25.96, 0, "25.959999084472656"}, {(double)(float)0.1, 0, "0.10000000149011612"},
		{25.96, 1, "25.96"}, {0.1, 1, "0.1"}, {16777216.0, 1, "1.6777216E7"}, {1e10, 1, "1.0E10"}, {3.4028234663852886e38, 1, "3.4028235E38"},
		{1e-5, 1, "1.0E-5"}, {1234.5, 1, "1234.5"}, {21.067368, 1, "21.067368"},
	};
	int bad = 0;
	for (size_t i = 0; i < LR_ARRAY_LEN(cases); i++) {
		char s[FMT_MAX];
		if (cases[i].is_float)
			fmt_java_float((float)cases[i].v, s);
		else
			fmt_java_double(cases[i].v, s);
		if (strcmp(s, cases[i].java) != 0) {
			printf("fmt selftest: %.17g as %s gave %s, Java prints %s\n", cases[i].v,
			       cases[i].is_float ? "float" : "double", s, cases[i].java);
			bad++;
		}
	}
	char s[FMT_MAX];
	fmt_time_iso(1509465600000, LARCH_MS, 8 * 3600, s);
	if (strcmp(s, "2017-11-01T00:00:00.000+08:00") != 0) {
		printf("fmt selftest: iso time gave %s\n", s);
		bad++;
	}
	fmt_time_iso(-1, LARCH_US, 0, s);
	if (strcmp(s, "1969-12-31T23:59:59.999999+00:00") != 0) {
		printf("fmt selftest: iso time gave %s\n", s);
		bad++;
	}
	return bad;
}
