/*
 * strrec.c — larch_insert_string_record: a row whose values arrive as text
 * (IoTDB's insertStringRecord and raw-string values of insertRecord).
 *
 * Each value becomes the type of its series when the series exists:
 * BOOLEAN takes true/false (any case); INT32/INT64/TIMESTAMP integers in
 * range; FLOAT/DOUBLE any number as Java parses it (NaN, Infinity, values
 * beyond the range become infinities, tiny ones subnormals or 0); DATE yyyy-MM-dd; TEXT, STRING
 * and BLOB the text as is.  A value that does not convert is IoTDB's
 * type-mismatch error, 507 (LARCH_METADATA_ERROR), and nothing is written.  A series that does not
 * exist gets the type IoTDB infers from the text (schema_infer_type) and is
 * created by the write.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "engine_int.h"

static int type_found_cb(void *arg, const schema_series_info_t *info)
{
	*(int *)arg = (int)info->type;
	return 0;
}

/* The registered type of device.m, or -1 when there is no such series. */
static int series_type(larch_db_t *db, const char *device, const char *m, larch_error_t *err)
{
	buf_t path = { 0 };
	larch_error_t ignored = { 0 };
	int type = -1;

	buf_put(&path, device, strlen(device));
	buf_put(&path, ".", 1);
	buf_put(&path, m, strlen(m) + 1);
	if (!buf_ok(&path)) {
		buf_free(&path);
		err_set(err, LARCH_NO_MEMORY, "out of memory");
		return -2;
	}
	if (schema_series_find(db->schema, (const char *)path.data, type_found_cb, &type, &ignored))
		type = -1;
	buf_free(&path);
	return type;
}

static int parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	char *end;

	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return 0;
	*out = v;
	return 1;
}

/* Java's Double.parseDouble / Float.parseFloat never fail on range:
 * overflow is Infinity, underflow 0 or a subnormal; only the text's form
 * matters.  (strtod/strtof set ERANGE for both; it is ignored here.) */
static int parse_double(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end)
		return 0;
	*out = v;
	return 1;
}

static int parse_float(const char *s, float *out)
{
	char *end;
	float v = strtof(s, &end);

	if (end == s || *end)
		return 0;
	*out = v;
	return 1;
}

int32_t engine_parse_date(const char *s, size_t n)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	char buf[16];
	int y, m, d, used = 0;

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	if (sscanf(buf, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 || (size_t)used != n ||
	    y < 1000 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -1;
	return y * 10000 + m * 100 + d;
}

/* Convert text s to type t into *v; 0 when it does not convert. */
static int convert(const char *s, tsfile_type_t t, tsfile_value_t *v)
{
	int64_t i;

	v->type = t;
	v->is_null = 0;
	switch (t) {
	case TSFILE_BOOLEAN:
		if (!strcasecmp(s, "true") || !strcasecmp(s, "false")) {
			v->v.b = !strcasecmp(s, "true");
			return 1;
		}
		return 0;
	case TSFILE_INT32:
		if (!parse_int(s, INT32_MIN, INT32_MAX, &i))
			return 0;
		v->v.i32 = (int32_t)i;
		return 1;
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP:
		return parse_int(s, INT64_MIN, INT64_MAX, &v->v.i64);
	case TSFILE_FLOAT:
		return parse_float(s, &v->v.f);
	case TSFILE_DOUBLE:
		return parse_double(s, &v->v.d);
	case TSFILE_DATE:
		v->v.i32 = engine_parse_date(s, strlen(s));
		return v->v.i32 >= 0;
	default:
		v->v.bytes.ptr = s;
		v->v.bytes.len = (uint32_t)strlen(s);
		return 1;
	}
}

int larch_insert_string_record(larch_db_t *db, const char *device, int64_t time,
			       const char *const *measurements, const char *const *values,
			       size_t n, int aligned, larch_error_t *err)
{
	tsfile_point_t *pts = mem_calloc(n ? n : 1, sizeof(*pts));
	int rc = LARCH_OK;

	if (!pts)
		return err_set(err, LARCH_NO_MEMORY, "out of memory for a record");
	for (size_t i = 0; i < n; i++) {
		const char *s = values[i];
		int t;
		pts[i].measurement = measurements[i];
		if (!s) {
			pts[i].value.is_null = 1;
			continue;
		}
		if (strlen(s) > UINT32_MAX) {
			rc = err_set(err, LARCH_ILLEGAL_PARAMETER, "value too long");
			goto done;
		}
		t = series_type(db, device, measurements[i], err);
		if (t == -2) {
			rc = LARCH_NO_MEMORY;
			goto done;
		}
		if (t < 0)
			t = schema_infer_type(NULL, s, strlen(s));
		if (!convert(s, (tsfile_type_t)t, &pts[i].value)) {
			rc = err_set(err, LARCH_METADATA_ERROR,
				     "data type of %s.%s is not consistent, registered type %s, "
				     "inserting value %.64s", device, measurements[i],
				     tsfile_type_name((tsfile_type_t)t), s);
			goto done;
		}
	}
	rc = larch_insert_record(db, device, time, pts, n, aligned, err);
done:
	mem_free(pts);
	return rc;
}
