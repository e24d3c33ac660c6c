/*
 * base.h — the public header of src/base, the bottom layer of Larch.
 *
 * It owns the things every other layer uses and that depend on nothing but
 * libc and pthreads:
 *   - the allocator front door (mem_*): every heap byte goes through it, so the
 *     memory budget is counted for real and allocation failure can be injected
 *     in tests;
 *   - error reporting (err_set): fills a larch_error_t and returns its code;
 *   - growable output buffers (buf_t) with the big-endian, LEB128 varint and
 *     zig-zag writers the TsFile and Thrift formats need;
 *   - bounds-checked input cursors (rd_t) for reading untrusted bytes;
 *   - arenas (arena_t) for per-query and per-request memory.
 */
#ifndef LARCH_BASE_H
#define LARCH_BASE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "larch/status.h"

#if defined(__GNUC__)
#define LR_LIKELY(x) __builtin_expect(!!(x), 1)
#define LR_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define LR_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define LR_LIKELY(x) (x)
#define LR_UNLIKELY(x) (x)
#define LR_PRINTF(a, b)
#endif

#define LR_MIN(a, b) ((a) < (b) ? (a) : (b))
#define LR_MAX(a, b) ((a) > (b) ? (a) : (b))
#define LR_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*---------------------------------------------------------------------------
 * Allocator front door (mem.c)
 *---------------------------------------------------------------------------*/

/* malloc/calloc/realloc/free that count live bytes.  They return NULL on
 * failure (real or injected) and never abort.  mem_free(NULL) is a no-op.
 * mem_realloc(p, 0) frees p and returns NULL. */
void *mem_alloc(size_t size);
void *mem_calloc(size_t n, size_t size);
void *mem_realloc(void *p, size_t size);
void mem_free(void *p);
char *mem_strdup(const char *s);
char *mem_strndup(const char *s, size_t n);

/* Live bytes allocated through the front door, process-wide. */
size_t mem_used(void);

/* Test hook: make the allocation after the next `n` succeed-ones fail
 * (n = 0 fails the very next one); a negative n turns injection off. */
void mem_fail_after(long n);

/*---------------------------------------------------------------------------
 * Errors (err.c)
 *---------------------------------------------------------------------------*/

/* Record `code` and a printf-style message in *err (if err is not NULL) and
 * return code, so callers can write `return err_set(err, CODE, "...")`. */
int err_set(larch_error_t *err, int code, const char *fmt, ...) LR_PRINTF(3, 4);

/* Prefix the message already in *err with "context: " (keeps its code). */
void err_prefix(larch_error_t *err, const char *fmt, ...) LR_PRINTF(2, 3);

/*---------------------------------------------------------------------------
 * Output buffer (buf.c)
 *
 * A growable byte array.  Writers never fail individually: on allocation
 * failure the buffer sets `oom` and ignores further writes, so a sequence of
 * puts is checked once with buf_ok().  Fixed-width integers are big-endian.
 *---------------------------------------------------------------------------*/

typedef struct buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	int oom; /* sticky: an allocation failed, contents are incomplete */
} buf_t;

#define BUF_INIT {NULL, 0, 0, 0}

void buf_init(buf_t *b);
void buf_free(buf_t *b);           /* releases memory, leaves an empty buffer */
void buf_reset(buf_t *b);          /* len = 0, keeps the allocation, clears oom */
/* Ensure room for `extra` more bytes: 0 ok (data is then non-NULL, even for
 * extra == 0), -1 oom (and sets oom). */
int buf_reserve(buf_t *b, size_t extra);
static inline int buf_ok(const buf_t *b) { return !b->oom; }

/* Grow len by n and return a pointer to the n new bytes (NULL on oom). */
uint8_t *buf_extend(buf_t *b, size_t n);

void buf_put(buf_t *b, const void *p, size_t n);
void buf_put_u8(buf_t *b, uint8_t v);
void buf_put_be16(buf_t *b, uint16_t v);
void buf_put_be32(buf_t *b, uint32_t v);
void buf_put_be64(buf_t *b, uint64_t v);
void buf_put_le32(buf_t *b, uint32_t v);
void buf_put_f32(buf_t *b, float v);   /* raw IEEE bits, big-endian */
void buf_put_f64(buf_t *b, double v);  /* raw IEEE bits, big-endian */
void buf_put_uvarint(buf_t *b, uint64_t v);   /* LEB128, up to 10 bytes */
void buf_put_svarint32(buf_t *b, int32_t v);  /* zig-zag 32 then LEB128 */
void buf_put_svarint64(buf_t *b, int64_t v);  /* zig-zag 64 then LEB128 */
/* TsFile "vstr": svarint byte length then bytes; s == NULL writes length -1. */
void buf_put_vstr(buf_t *b, const char *s, size_t n);

/* Raw big-endian stores/loads at a pointer (no bounds checks). */
static inline void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);  p[3] = (uint8_t)v;
}
static inline void store_be64(uint8_t *p, uint64_t v)
{
	store_be32(p, (uint32_t)(v >> 32));
	store_be32(p + 4, (uint32_t)v);
}
static inline uint32_t load_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}
static inline uint64_t load_be64(const uint8_t *p)
{
	return ((uint64_t)load_be32(p) << 32) | load_be32(p + 4);
}
static inline uint32_t zigzag32(int32_t v) { return ((uint32_t)v << 1) ^ (uint32_t)(v >> 31); }
static inline uint64_t zigzag64(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline int32_t unzigzag32(uint32_t u) { return (int32_t)((u >> 1) ^ (0u - (u & 1))); }
static inline int64_t unzigzag64(uint64_t u) { return (int64_t)((u >> 1) ^ (0ull - (u & 1))); }

/*---------------------------------------------------------------------------
 * Input cursor (rd.c)
 *
 * Reads untrusted bytes.  Every read is bounds-checked; a read past the end
 * (or a malformed varint) sets the sticky `bad` flag and returns 0/NULL, so a
 * parser reads a whole structure and checks rd_ok() once.  `base` is the file
 * offset of data[0], used only to report offsets in error messages.
 *---------------------------------------------------------------------------*/

typedef struct rd {
	const uint8_t *data;
	size_t len;
	size_t pos;
	uint64_t base;
	int bad;
} rd_t;

static inline void rd_init(rd_t *r, const void *data, size_t len, uint64_t base)
{
	r->data = (const uint8_t *)data; r->len = len; r->pos = 0; r->base = base; r->bad = 0;
}
static inline int rd_ok(const rd_t *r) { return !r->bad; }
static inline size_t rd_left(const rd_t *r) { return r->len - r->pos; }
static inline uint64_t rd_offset(const rd_t *r) { return r->base + r->pos; }

uint8_t rd_u8(rd_t *r);
uint16_t rd_be16(rd_t *r);
uint32_t rd_be32(rd_t *r);
uint64_t rd_be64(rd_t *r);
uint32_t rd_le32(rd_t *r);
float rd_f32(rd_t *r);
double rd_f64(rd_t *r);
/* LEB128 of at most 10 bytes (5 for rd_uvarint32, whose value must fit). */
uint64_t rd_uvarint(rd_t *r);
uint32_t rd_uvarint32(rd_t *r);
int32_t rd_svarint32(rd_t *r);
int64_t rd_svarint64(rd_t *r);
/* Return a pointer to the next n bytes and skip them (NULL if short). */
const uint8_t *rd_bytes(rd_t *r, size_t n);
/* TsFile "vstr": sets *is_null for length -1; returns a pointer into the
 * input (not NUL-terminated) and its length in *n.  A negative length other
 * than -1, or one past the end, marks the cursor bad. */
const char *rd_vstr(rd_t *r, size_t *n, int *is_null);

/*---------------------------------------------------------------------------
 * Arena (arena.c)
 *
 * Bump allocator for memory that dies together (a query, a request, a
 * decoded page).  arena_reset keeps the first block for reuse.
 *---------------------------------------------------------------------------*/

typedef struct arena arena_t;

arena_t *arena_new(size_t block_size);  /* block_size 0 picks 64 KiB */
void arena_free(arena_t *a);
void arena_reset(arena_t *a);
void *arena_alloc(arena_t *a, size_t size);        /* 16-byte aligned; NULL on oom */
void *arena_calloc(arena_t *a, size_t n, size_t size);
char *arena_strndup(arena_t *a, const char *s, size_t n);
size_t arena_used(const arena_t *a);               /* bytes handed out */

/*---------------------------------------------------------------------------
 * Time literals and zones (time.c)
 *
 * Timestamps are int64 counts of `prec` units since 1970-01-01T00:00:00Z.
 * Calendar arithmetic is proleptic Gregorian.  Zones are fixed offsets or
 * IANA zones read from the TZif files under /usr/share/zoneinfo.
 *---------------------------------------------------------------------------*/

typedef enum time_precision { TIME_MS, TIME_US, TIME_NS } time_precision_t; /* as larch_precision_t */
typedef struct time_zone time_zone_t; /* opaque: a fixed offset or an IANA zone's transitions */

/* Open a zone by name: "Z", "UTC", "GMT", "+08:00", "+0800", "+8", "-5",
 * "UTC+8", "GMT+08:00", or an IANA name ("Asia/Shanghai") read from its TZif
 * file (v1/v2/v3, bounds-checked; after the last transition the POSIX TZ
 * footer rule applies).  Errors: LARCH_ILLEGAL_PARAMETER naming the zone,
 * LARCH_NO_MEMORY. */
int time_zone_open(const char *name, time_zone_t **out, larch_error_t *err);
/* The same from the bytes of a TZif file (untrusted: every count and index
 * is checked; v1 files use the 32-bit block, v2+ the 64-bit block and the
 * footer).  name is what time_zone_name reports.  Errors as above. */
int time_zone_from_tzif(const char *name, const void *data, size_t len, time_zone_t **out,
			larch_error_t *err);
void time_zone_free(time_zone_t *tz);                    /* NULL is a no-op */
const char *time_zone_name(const time_zone_t *tz);      /* the name as opened */
/* Seconds east of UTC in force at the instant utc_seconds. */
int32_t time_zone_offset(const time_zone_t *tz, int64_t utc_seconds);

/* Parse a datetime literal as IoTDB accepts it: yyyy-MM-dd, yyyy/MM/dd or
 * yyyy.MM.dd; then optionally 'T' or spaces and HH:mm[:ss[.fraction]]
 * (fraction up to 9 digits, truncated to prec); then optionally a zone
 * Z / +hh:mm / +hhmm / +hh / +hh:mm:ss.  Without a zone the literal is local time in tz
 * (in a DST gap or overlap the offset in force just before it applies, as
 * Java's ZonedDateTime.of does).  Result in prec units since the epoch.
 * Errors: LARCH_PARSE_ERROR saying what is wrong (also for out-of-range
 * fields and results beyond int64). */
int time_parse_datetime(const char *s, size_t n, const time_zone_t *tz, time_precision_t prec,
			int64_t *out, larch_error_t *err);

/* ISO 8601 with a millisecond (us/ns per prec) fraction and the zone's
 * offset, as IoTDB's clients print it: 2017-11-01T00:08:00.000+08:00 (UTC
 * prints +00:00).  snprintf semantics: returns the length the full text
 * needs; out is NUL-terminated when n > 0. */
size_t time_format_iso(int64_t t, const time_zone_t *tz, time_precision_t prec, char *out,
		       size_t n);

/* t plus `months` calendar months in the zone's local calendar, the day
 * clamped to the end of the target month (Java's plusMonths); the local
 * time of day is kept.  Saturates at INT64_MIN/MAX on overflow. */
int64_t time_add_months(int64_t t, int64_t months, const time_zone_t *tz, time_precision_t prec);

int64_t time_units_per_second(time_precision_t prec);   /* 1000, 1e6, 1e9 */

/* A duration (ast_duration_t's nanos) in prec units, truncating toward
 * zero; *out unchanged and LARCH_PARSE_ERROR on overflow. */
int time_duration_units(int64_t nanos, time_precision_t prec, int64_t *out, larch_error_t *err);

#endif
