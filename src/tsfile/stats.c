/*
 * stats.c — series statistics (stats_t): update from points, merge, copy,
 * serialize and parse (format reference §5).
 *
 * On disk (all fixed-width fields big-endian):
 *
 *   uvarint count           number of points
 *   i64     startTime       smallest timestamp
 *   i64     endTime         largest timestamp
 *   then by type:
 *   BOOLEAN          u8 first, u8 last, i64 sum (number of trues)     10 bytes
 *   INT32, DATE      i32 min, max, first, last, i64 sum                24 bytes
 *   INT64, TIMESTAMP i64 min, max, first, last, f64 sum                40 bytes
 *   FLOAT            f32 min, max, first, last, f64 sum                24 bytes
 *   DOUBLE           f64 min, max, first, last, f64 sum                40 bytes
 *   TEXT             first, last            (each i32 len + bytes)
 *   STRING           first, last, min, max  (each i32 len + bytes)
 *   BLOB, VECTOR     nothing
 *
 * Semantics, matching Apache TsFile's Java Statistics classes:
 *   - first/last are the values at the smallest/largest timestamp.  Points
 *     may arrive in any order.  On equal timestamps an update keeps the
 *     first it saw and takes the latest last; a merge takes `from`'s first
 *     and last when its start/end time ties (Java's `<=` / `>=`).
 *   - min/max replace the current value only when strictly smaller/larger
 *     (Java's `<` and `>`, not Math.min/max).  For FLOAT/DOUBLE this means a
 *     NaN never replaces a min or max, so NaNs are ignored — except that a
 *     NaN that is the very first value seen stays min and max for good, as
 *     it does in Java (every comparison with it is false).  Java writers and
 *     ours, fed the same values in the same order, agree bit for bit.
 *   - sums: BOOLEAN/INT32/DATE in an exact i64 (wrapping, as Java's long);
 *     the others in an f64 accumulated in point order.
 *   - STRING min/max compare bytes unsigned, a proper prefix first.
 *   - empty statistics (count 0) carry Java's initial values: startTime
 *     INT64_MAX, endTime INT64_MIN, zero/empty values; update and merge ignore
 *     an empty operand's contents.
 *
 * In the public tsfile_stats_t, a slot the type lacks (min/max of BOOLEAN,
 * TEXT, BLOB, VECTOR; first/last of BLOB, VECTOR) and every slot of empty
 * statistics has is_null = 1.
 */
#include "tsfile_int.h"

enum { SLOT_FIRST, SLOT_LAST, SLOT_MIN, SLOT_MAX, SLOT_COUNT };
#define SLOTS_ALL 0xfu
#define SLOTS_FIRST_LAST ((1u << SLOT_FIRST) | (1u << SLOT_LAST))
#define SLOTS_MIN_MAX ((1u << SLOT_MIN) | (1u << SLOT_MAX))

static tsfile_value_t *stats_slot(stats_t *st, int k)
{
	switch (k) {
	case SLOT_FIRST: return &st->s.first;
	case SLOT_LAST: return &st->s.last;
	case SLOT_MIN: return &st->s.min;
	default: return &st->s.max;
	}
}

/* The slots a type's statistics store. */
static unsigned stats_slots(tsfile_type_t t)
{
	switch (t) {
	case TSFILE_BOOLEAN:
	case TSFILE_TEXT:
		return SLOTS_FIRST_LAST;
	case TSFILE_INT32:
	case TSFILE_DATE:
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP:
	case TSFILE_FLOAT:
	case TSFILE_DOUBLE:
	case TSFILE_STRING:
		return SLOTS_ALL;
	case TSFILE_BLOB:
	case TSFILE_VECTOR:
		return 0;
	}
	return 0;
}

/* 1 if the type's sum is the exact integer `isum`. */
static int stats_int_sum(tsfile_type_t t)
{
	return t == TSFILE_BOOLEAN || type_is_int32(t);
}

/* Recompute is_null of every slot from count and type. */
static void stats_mark(stats_t *st)
{
	unsigned have = st->s.count ? stats_slots(st->type) : 0;
	for (int k = 0; k < SLOT_COUNT; k++)
		stats_slot(st, k)->is_null = !(have & (1u << k));
}

void stats_init(stats_t *st, tsfile_type_t type)
{
	memset(st, 0, sizeof *st);
	st->type = type;
	st->s.start_time = INT64_MAX;
	st->s.end_time = INT64_MIN;
	for (int k = 0; k < SLOT_COUNT; k++) {
		tsfile_value_t *v = stats_slot(st, k);
		v->type = type;
		v->is_null = 1;
		if (type_is_binary(type))
			v->v.bytes.ptr = "";
	}
}

void stats_free(stats_t *st)
{
	for (int k = 0; k < SLOT_COUNT; k++)
		mem_free(st->own[k]);
	stats_init(st, st->type);
}

/* Make the byte-string slots in `mask` owned copies of src[slot].  All or
 * nothing: on LARCH_NO_MEMORY st is unchanged.  src may point into st's own
 * copies (the new copies are made before the old ones are freed). */
static int stats_set_bytes(stats_t *st, const tsfile_bytes_t *src, unsigned mask)
{
	char *copy[SLOT_COUNT] = {NULL};
	for (int k = 0; k < SLOT_COUNT; k++) {
		if (!(mask & (1u << k)) || src[k].len == 0)
			continue;
		if (!(copy[k] = mem_alloc(src[k].len))) {
			for (int j = 0; j < k; j++)
				mem_free(copy[j]);
			return LARCH_NO_MEMORY;
		}
		memcpy(copy[k], src[k].ptr, src[k].len);
	}
	for (int k = 0; k < SLOT_COUNT; k++) {
		if (!(mask & (1u << k)))
			continue;
		mem_free(st->own[k]);
		st->own[k] = copy[k];
		tsfile_value_t *v = stats_slot(st, k);
		v->v.bytes.ptr = copy[k] ? copy[k] : "";
		v->v.bytes.len = src[k].len;
	}
	return LARCH_OK;
}

/* Unsigned byte-wise order, a proper prefix first (Java Binary.compareTo). */
static int bytes_cmp(const tsfile_bytes_t *a, const tsfile_bytes_t *b)
{
	uint32_t n = LR_MIN(a->len, b->len);
	int c = n ? memcmp(a->ptr, b->ptr, n) : 0;
	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

/* a < b for the min/max slots of type t (Java's `<`; false with a NaN). */
static int value_less(tsfile_type_t t, const tsfile_value_t *a, const tsfile_value_t *b)
{
	switch (t) {
	case TSFILE_INT32:
	case TSFILE_DATE: return a->v.i32 < b->v.i32;
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP: return a->v.i64 < b->v.i64;
	case TSFILE_FLOAT: return a->v.f < b->v.f;
	case TSFILE_DOUBLE: return a->v.d < b->v.d;
	case TSFILE_STRING: return bytes_cmp(&a->v.bytes, &b->v.bytes) < 0;
	default: return 0;
	}
}

/*---------------------------------------------------------------------------
 * Merge
 *---------------------------------------------------------------------------*/

/* Merge `from` into `into` (same type).  first_tie_from: on equal start
 * times take from's first (merge) or keep into's (update).  All or nothing
 * (LARCH_NO_MEMORY leaves into unchanged).  An empty `from` is a no-op; an
 * empty `into` takes from's values. */
static int stats_merge_from(stats_t *into, const stats_t *from, int first_tie_from)
{
	if (from->s.count == 0)
		return LARCH_OK;
	tsfile_type_t t = into->type;
	const tsfile_stats_t *a = &into->s, *b = &from->s;
	int empty = a->count == 0;
	unsigned take = 0;
	if (empty || b->start_time < a->start_time ||
	    (first_tie_from && b->start_time == a->start_time))
		take |= 1u << SLOT_FIRST;
	if (empty || b->end_time >= a->end_time)
		take |= 1u << SLOT_LAST;
	if (empty || value_less(t, &b->min, &a->min))
		take |= 1u << SLOT_MIN;
	if (empty || value_less(t, &a->max, &b->max))
		take |= 1u << SLOT_MAX;
	take &= stats_slots(t);

	if (type_is_binary(t)) {
		const tsfile_bytes_t src[SLOT_COUNT] = {b->first.v.bytes, b->last.v.bytes,
							b->min.v.bytes, b->max.v.bytes};
		if (stats_set_bytes(into, src, take))
			return LARCH_NO_MEMORY;
	} else {
		const tsfile_value_t *src[SLOT_COUNT] = {&b->first, &b->last, &b->min, &b->max};
		for (int k = 0; k < SLOT_COUNT; k++)
			if (take & (1u << k))
				stats_slot(into, k)->v = src[k]->v;
	}
	if (empty) {
		into->s.start_time = b->start_time;
		into->s.end_time = b->end_time;
		into->isum = from->isum;
		into->s.sum = b->sum;
	} else {
		into->s.start_time = LR_MIN(a->start_time, b->start_time);
		into->s.end_time = LR_MAX(a->end_time, b->end_time);
		into->isum = (int64_t)((uint64_t)into->isum + (uint64_t)from->isum);
		into->s.sum = stats_int_sum(t) ? (double)into->isum : a->sum + b->sum;
	}
	into->s.count += b->count;
	stats_mark(into);
	return LARCH_OK;
}

/* Merges `from` into `into`: count and sums add, start/end widen, first and
 * last come from whichever has the earlier start / later end (from wins
 * ties), min/max as described at the top.  LARCH_DATA_TYPE_MISMATCH if
 * the types differ, LARCH_NO_MEMORY (into unchanged) if a byte string
 * cannot be copied. */
int stats_merge(stats_t *into, const stats_t *from)
{
	if (into->type != from->type)
		return LARCH_DATA_TYPE_MISMATCH;
	return stats_merge_from(into, from, 1);
}

/* dst becomes a deep copy of src; dst is treated as uninitialised storage.
 * On LARCH_NO_MEMORY dst is left as empty statistics of src's type. */
int stats_copy(stats_t *dst, const stats_t *src)
{
	*dst = *src;
	memset(dst->own, 0, sizeof dst->own);
	if (!type_is_binary(src->type))
		return LARCH_OK;
	const tsfile_bytes_t b[SLOT_COUNT] = {src->s.first.v.bytes, src->s.last.v.bytes,
					      src->s.min.v.bytes, src->s.max.v.bytes};
	if (stats_set_bytes(dst, b, SLOTS_ALL)) {
		stats_init(dst, src->type);
		return LARCH_NO_MEMORY;
	}
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Update
 *---------------------------------------------------------------------------*/

/* Fold n >= 1 points with values of C type T into st: the loop every value
 * type shares.  F is the tsfile_value_t member, ACC the accumulator type of
 * the sum kept in st->SUM, CONV normalises a value (BOOLEAN to 0/1).  Empty
 * statistics start from the first point, as Java's initializeStats does
 * (which keeps a first value of -0.0 in a floating sum). */
#define STATS_DEFINE_FOLD(name, T, F, ACC, SUM, CONV)                                      \
	static void name(stats_t *st, const int64_t *times, const T *v, size_t n)          \
	{                                                                                  \
		size_t i = 0;                                                              \
		T mn, mx, fv, lv;                                                          \
		ACC sum;                                                                   \
		int64_t t0, t1;                                                            \
		if (st->s.count == 0) {                                                    \
			mn = mx = fv = lv = CONV(v[0]);                                    \
			sum = (ACC)CONV(v[0]);                                             \
			t0 = t1 = times[0];                                                \
			i = 1;                                                             \
		} else {                                                                   \
			mn = (T)st->s.min.v.F;                                             \
			mx = (T)st->s.max.v.F;                                             \
			fv = (T)st->s.first.v.F;                                           \
			lv = (T)st->s.last.v.F;                                            \
			sum = (ACC)st->SUM;                                                \
			t0 = st->s.start_time;                                             \
			t1 = st->s.end_time;                                               \
		}                                                                          \
		for (; i < n; i++) {                                                       \
			T x = CONV(v[i]);                                                  \
			int64_t t = times[i];                                              \
			if (x < mn)                                                        \
				mn = x;                                                    \
			if (x > mx)                                                        \
				mx = x;                                                    \
			sum += (ACC)x;                                                     \
			if (t < t0) {                                                      \
				t0 = t;                                                    \
				fv = x;                                                    \
			}                                                                  \
			if (t >= t1) {                                                     \
				t1 = t;                                                    \
				lv = x;                                                    \
			}                                                                  \
		}                                                                          \
		st->s.min.v.F = mn;                                                        \
		st->s.max.v.F = mx;                                                        \
		st->s.first.v.F = fv;                                                      \
		st->s.last.v.F = lv;                                                       \
		st->SUM = sum;                                                             \
		st->s.start_time = t0;                                                     \
		st->s.end_time = t1;                                                       \
	}

#define AS_IS(x) (x)
#define AS_BOOL(x) ((uint8_t)((x) != 0))

/* BOOLEAN folds min/max too (unused: its slots are marked null). */
STATS_DEFINE_FOLD(stats_fold_bool, uint8_t, b, uint64_t, isum, AS_BOOL)
STATS_DEFINE_FOLD(stats_fold_i32, int32_t, i32, uint64_t, isum, AS_IS)
STATS_DEFINE_FOLD(stats_fold_i64, int64_t, i64, double, s.sum, AS_IS)
STATS_DEFINE_FOLD(stats_fold_f32, float, f, double, s.sum, AS_IS)
STATS_DEFINE_FOLD(stats_fold_f64, double, d, double, s.sum, AS_IS)

/* Time-only statistics (VECTOR, BLOB): start and end. */
static void stats_fold_times(stats_t *st, const int64_t *times, size_t n)
{
	int64_t t0 = st->s.count ? st->s.start_time : times[0];
	int64_t t1 = st->s.count ? st->s.end_time : times[0];
	for (size_t i = 0; i < n; i++) {
		t0 = LR_MIN(t0, times[i]);
		t1 = LR_MAX(t1, times[i]);
	}
	st->s.start_time = t0;
	st->s.end_time = t1;
}

/* TEXT/STRING: find the batch's first, last, min and max by index (no
 * copying per value), then merge that summary, copying at most four
 * strings. */
static int stats_update_bytes(stats_t *st, const int64_t *times, const tsfile_bytes_t *v,
			      size_t n)
{
	size_t fi = 0, li = 0, mi = 0, xi = 0;
	int64_t t0 = times[0], t1 = times[0];
	for (size_t i = 1; i < n; i++) {
		if (times[i] < t0) {
			t0 = times[i];
			fi = i;
		}
		if (times[i] >= t1) {
			t1 = times[i];
			li = i;
		}
	}
	if (st->type == TSFILE_STRING) {
		for (size_t i = 1; i < n; i++) {
			if (bytes_cmp(&v[i], &v[mi]) < 0)
				mi = i;
			if (bytes_cmp(&v[i], &v[xi]) > 0)
				xi = i;
		}
	}
	stats_t batch;
	stats_init(&batch, st->type);
	batch.s.count = n;
	batch.s.start_time = t0;
	batch.s.end_time = t1;
	batch.s.first.v.bytes = v[fi];
	batch.s.last.v.bytes = v[li];
	batch.s.min.v.bytes = v[mi];
	batch.s.max.v.bytes = v[xi];
	return stats_merge_from(st, &batch, 0); /* batch owns nothing: no free */
}

/* Adds n points (times[i], values[i]); see the top of the file for the
 * rules.  values is a typed array as in col_t and is not read for VECTOR
 * and BLOB (may be NULL).  LARCH_NO_MEMORY (st unchanged) if a TEXT/STRING
 * value cannot be copied. */
int stats_update(stats_t *st, const int64_t *times, const void *values, size_t n)
{
	if (n == 0)
		return LARCH_OK;
	switch (st->type) {
	case TSFILE_BOOLEAN:
		stats_fold_bool(st, times, values, n);
		break;
	case TSFILE_INT32:
	case TSFILE_DATE:
		stats_fold_i32(st, times, values, n);
		break;
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP:
		stats_fold_i64(st, times, values, n);
		break;
	case TSFILE_FLOAT:
		stats_fold_f32(st, times, values, n);
		break;
	case TSFILE_DOUBLE:
		stats_fold_f64(st, times, values, n);
		break;
	case TSFILE_TEXT:
	case TSFILE_STRING:
		return stats_update_bytes(st, times, values, n);
	case TSFILE_BLOB:
	case TSFILE_VECTOR:
		stats_fold_times(st, times, n);
		break;
	}
	if (stats_int_sum(st->type))
		st->s.sum = (double)st->isum;
	st->s.count += n;
	stats_mark(st);
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Serialization
 *---------------------------------------------------------------------------*/

static void put_bytes(buf_t *out, const tsfile_bytes_t *b)
{
	buf_put_be32(out, b->len);
	buf_put(out, b->ptr, b->len);
}

/* Appends the on-disk form (table at the top).  The count is written as
 * the format's uvarint; Java reads it into an int, so counts beyond
 * INT32_MAX cannot be read back by Java. */
void stats_write(const stats_t *st, buf_t *out)
{
	const tsfile_stats_t *s = &st->s;
	buf_put_uvarint(out, s->count);
	buf_put_be64(out, (uint64_t)s->start_time);
	buf_put_be64(out, (uint64_t)s->end_time);
	switch (st->type) {
	case TSFILE_BOOLEAN:
		buf_put_u8(out, s->first.v.b ? 1 : 0);
		buf_put_u8(out, s->last.v.b ? 1 : 0);
		buf_put_be64(out, (uint64_t)st->isum);
		break;
	case TSFILE_INT32:
	case TSFILE_DATE:
		buf_put_be32(out, (uint32_t)s->min.v.i32);
		buf_put_be32(out, (uint32_t)s->max.v.i32);
		buf_put_be32(out, (uint32_t)s->first.v.i32);
		buf_put_be32(out, (uint32_t)s->last.v.i32);
		buf_put_be64(out, (uint64_t)st->isum);
		break;
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP:
		buf_put_be64(out, (uint64_t)s->min.v.i64);
		buf_put_be64(out, (uint64_t)s->max.v.i64);
		buf_put_be64(out, (uint64_t)s->first.v.i64);
		buf_put_be64(out, (uint64_t)s->last.v.i64);
		buf_put_f64(out, s->sum);
		break;
	case TSFILE_FLOAT:
		buf_put_f32(out, s->min.v.f);
		buf_put_f32(out, s->max.v.f);
		buf_put_f32(out, s->first.v.f);
		buf_put_f32(out, s->last.v.f);
		buf_put_f64(out, s->sum);
		break;
	case TSFILE_DOUBLE:
		buf_put_f64(out, s->min.v.d);
		buf_put_f64(out, s->max.v.d);
		buf_put_f64(out, s->first.v.d);
		buf_put_f64(out, s->last.v.d);
		buf_put_f64(out, s->sum);
		break;
	case TSFILE_STRING:
		put_bytes(out, &s->first.v.bytes);
		put_bytes(out, &s->last.v.bytes);
		put_bytes(out, &s->min.v.bytes);
		put_bytes(out, &s->max.v.bytes);
		break;
	case TSFILE_TEXT:
		put_bytes(out, &s->first.v.bytes);
		put_bytes(out, &s->last.v.bytes);
		break;
	case TSFILE_BLOB:
	case TSFILE_VECTOR:
		break;
	}
}

/* One `i32 len + bytes` field; the result points into the input.  A
 * negative length marks the cursor bad (rd_bytes bounds the rest). */
static tsfile_bytes_t read_bytes(rd_t *r)
{
	tsfile_bytes_t b = {"", 0};
	int32_t len = (int32_t)rd_be32(r);
	if (len < 0) {
		r->bad = 1;
		return b;
	}
	const uint8_t *p = rd_bytes(r, (size_t)len);
	if (p) {
		b.ptr = (const char *)p;
		b.len = (uint32_t)len;
	}
	return b;
}

/* Parses statistics of `type` at r (hostile input: every length is bounded
 * by the bytes left).  st is treated as uninitialised storage; on return,
 * success or not, it is initialised and must be released with stats_free.
 * LARCH_CORRUPTED for a truncated record, a negative string length or a
 * type that has no statistics; LARCH_NO_MEMORY if strings cannot be
 * copied.  BOOLEAN fields read as true only for byte 1, as Java does. */
int stats_read(rd_t *r, tsfile_type_t type, stats_t *st, larch_error_t *err)
{
	uint64_t at = rd_offset(r);
	stats_init(st, type);
	if (!type_is_valid((int)type) && type != TSFILE_VECTOR)
		return err_set(err, LARCH_CORRUPTED, "statistics at offset %llu: unknown type %d",
			       (unsigned long long)at, (int)type);
	tsfile_stats_t *s = &st->s;
	tsfile_bytes_t b[SLOT_COUNT] = {{"", 0}, {"", 0}, {"", 0}, {"", 0}};
	s->count = rd_uvarint32(r);
	s->start_time = (int64_t)rd_be64(r);
	s->end_time = (int64_t)rd_be64(r);
	switch (type) {
	case TSFILE_BOOLEAN:
		s->first.v.b = rd_u8(r) == 1;
		s->last.v.b = rd_u8(r) == 1;
		st->isum = (int64_t)rd_be64(r);
		break;
	case TSFILE_INT32:
	case TSFILE_DATE:
		s->min.v.i32 = (int32_t)rd_be32(r);
		s->max.v.i32 = (int32_t)rd_be32(r);
		s->first.v.i32 = (int32_t)rd_be32(r);
		s->last.v.i32 = (int32_t)rd_be32(r);
		st->isum = (int64_t)rd_be64(r);
		break;
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP:
		s->min.v.i64 = (int64_t)rd_be64(r);
		s->max.v.i64 = (int64_t)rd_be64(r);
		s->first.v.i64 = (int64_t)rd_be64(r);
		s->last.v.i64 = (int64_t)rd_be64(r);
		s->sum = rd_f64(r);
		break;
	case TSFILE_FLOAT:
		s->min.v.f = rd_f32(r);
		s->max.v.f = rd_f32(r);
		s->first.v.f = rd_f32(r);
		s->last.v.f = rd_f32(r);
		s->sum = rd_f64(r);
		break;
	case TSFILE_DOUBLE:
		s->min.v.d = rd_f64(r);
		s->max.v.d = rd_f64(r);
		s->first.v.d = rd_f64(r);
		s->last.v.d = rd_f64(r);
		s->sum = rd_f64(r);
		break;
	case TSFILE_STRING:
		b[SLOT_FIRST] = read_bytes(r);
		b[SLOT_LAST] = read_bytes(r);
		b[SLOT_MIN] = read_bytes(r);
		b[SLOT_MAX] = read_bytes(r);
		break;
	case TSFILE_TEXT:
		b[SLOT_FIRST] = read_bytes(r);
		b[SLOT_LAST] = read_bytes(r);
		break;
	case TSFILE_BLOB:
	case TSFILE_VECTOR:
		break;
	}
	if (!rd_ok(r)) {
		stats_init(st, type);
		return err_set(err, LARCH_CORRUPTED, "%s statistics at offset %llu: truncated or bad",
			       tsfile_type_name(type), (unsigned long long)at);
	}
	if (type_is_binary(type) && stats_set_bytes(st, b, stats_slots(type))) {
		stats_init(st, type);
		return err_set(err, LARCH_NO_MEMORY, "%s statistics at offset %llu: no memory",
			       tsfile_type_name(type), (unsigned long long)at);
	}
	if (stats_int_sum(type))
		s->sum = (double)st->isum;
	stats_mark(st);
	return LARCH_OK;
}
