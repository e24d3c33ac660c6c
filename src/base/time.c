/*
 * time.c — time zones, datetime literals and calendar arithmetic for the
 * SQL layer: IoTDB's datetime formats, ISO 8601 output with the session's
 * zone, calendar-month steps, and the TZif reader behind IANA zone names.
 *
 * Calendar: proleptic Gregorian, days counted from 1970-01-01 with the
 * classic era-based civil/day conversions (400-year eras of 146097 days).
 *
 * TZif (RFC 8536), all integers big-endian:
 *
 *   header (44 bytes)   "TZif" | version (0, '2', '3', '4') | 15 reserved |
 *                       isutcnt | isstdcnt | leapcnt | timecnt | typecnt | charcnt  (u32 each)
 *   data block          timecnt x transition time (i32 in v1, i64 in v2+)
 *                       timecnt x u8 type index
 *                       typecnt x { i32 utoff | u8 isdst | u8 desigidx }
 *                       charcnt bytes of designations
 *                       leapcnt x { time (i32 / i64) | i32 correction }
 *                       isstdcnt bytes, isutcnt bytes
 *   v2+: a second header and data block with 64-bit times, then the footer
 *        "\n" POSIX-TZ-string "\n" for instants after the last transition.
 *
 * POSIX TZ rule (the footer): std offset [dst [offset] [,start[/time],end[/time]]]
 * with names alphabetic (3+) or <quoted>, offsets [+-]hh[:mm[:ss]] WEST of
 * UTC (sign inverted), dates Mm.w.d | Jn | n, times [+-]hh[:mm[:ss]]
 * (default 02:00; v3 allows -167..167 hours).
 */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <strings.h>
#include <unistd.h>

#include "base.h"

#define TZ_NAME_MAX 128
#define TZIF_MAX_BYTES (1 << 20)
#define TZIF_MAX_TRANSITIONS 100000
#define ZONEINFO_DIR "/usr/share/zoneinfo"
#define SECS_PER_DAY 86400LL

typedef struct tz_date_rule {    /* POSIX rule date: Mm.w.d, Jn or n */
	char kind;                   /* 'M', 'J' or 'n' */
	int month, week, wday, day;
	int32_t secs;                /* local time of day of the change */
} tz_date_rule_t;

typedef struct tz_rule {         /* the POSIX TZ footer */
	int32_t std_off, dst_off;    /* seconds EAST of UTC */
	int has_dst;
	tz_date_rule_t start, end;
} tz_rule_t;

struct time_zone {
	char name[TZ_NAME_MAX];
	int32_t fixed_off;           /* when n_trans == 0 and !has_rule */
	int64_t *trans;              /* transition instants, UTC seconds, ascending */
	int32_t *trans_off;          /* offset in force from trans[i] */
	size_t n_trans;
	int32_t first_off;           /* before the first transition (type 0) */
	int has_rule;
	tz_rule_t rule;
};

/*---------------------------------------------------------------------------
 * Calendar
 *---------------------------------------------------------------------------*/

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
	static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Days since 1970-01-01 of y-m-d (m 1..12, d 1..31). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int64_t time_units_per_second(time_precision_t prec)
{
	return prec == TIME_NS ? 1000000000LL : prec == TIME_US ? 1000000LL : 1000LL;
}

int time_duration_units(int64_t nanos, time_precision_t prec, int64_t *out, larch_error_t *err)
{
	(void)err; /* dividing cannot overflow */
	*out = nanos / (1000000000LL / time_units_per_second(prec));
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * POSIX TZ rules
 *---------------------------------------------------------------------------*/

/* Unsigned decimal at *s (at most 9 digits); -1 when none. */
static long tz_num(const char **s)
{
	long v = 0;
	int n = 0;
	while (isdigit((unsigned char)**s) && n < 9) {
		v = v * 10 + (**s - '0');
		(*s)++;
		n++;
	}
	return n ? v : -1;
}

/* [+-]hh[:mm[:ss]] into seconds (sign as written); 0 on success. */
static int tz_hms(const char **s, int32_t *out)
{
	int sign = 1;
	if (**s == '+' || **s == '-')
		sign = *(*s)++ == '-' ? -1 : 1;
	long h = tz_num(s), m = 0, sec = 0;
	if (h < 0 || h > 167)
		return -1;
	if (**s == ':') {
		(*s)++;
		if ((m = tz_num(s)) < 0 || m > 59)
			return -1;
		if (**s == ':') {
			(*s)++;
			if ((sec = tz_num(s)) < 0 || sec > 59)
				return -1;
		}
	}
	*out = (int32_t)(sign * (h * 3600 + m * 60 + sec));
	return 0;
}

/* A zone abbreviation: 3+ letters, or <...> with letters, digits, + and -. */
static int tz_abbr(const char **s)
{
	const char *p = *s;
	if (*p == '<') {
		p++;
		while (isalnum((unsigned char)*p) || *p == '+' || *p == '-')
			p++;
		if (*p != '>')
			return -1;
		*s = p + 1;
		return 0;
	}
	while (isalpha((unsigned char)*p))
		p++;
	if (p - *s < 3)
		return -1;
	*s = p;
	return 0;
}

static int tz_date(const char **s, tz_date_rule_t *r)
{
	long a, b, c;
	r->secs = 7200;
	if (**s == 'M') {
		(*s)++;
		a = tz_num(s);
		if (*(*s)++ != '.')
			return -1;
		b = tz_num(s);
		if (*(*s)++ != '.')
			return -1;
		c = tz_num(s);
		if (a < 1 || a > 12 || b < 1 || b > 5 || c < 0 || c > 6)
			return -1;
		r->kind = 'M';
		r->month = (int)a;
		r->week = (int)b;
		r->wday = (int)c;
	} else {
		r->kind = **s == 'J' ? 'J' : 'n';
		if (**s == 'J')
			(*s)++;
		a = tz_num(s);
		if (a < (r->kind == 'J' ? 1 : 0) || a > 365)
			return -1;
		r->day = (int)a;
	}
	if (**s == '/') {
		(*s)++;
		return tz_hms(s, &r->secs);
	}
	return 0;
}

/* Parse a POSIX TZ string into r; 0 on success. */
static int tz_rule_parse(const char *s, tz_rule_t *r)
{
	int32_t off;
	memset(r, 0, sizeof(*r));
	if (tz_abbr(&s) || tz_hms(&s, &off))
		return -1;
	r->std_off = -off;
	if (!*s)
		return 0;
	if (tz_abbr(&s))
		return -1;
	r->has_dst = 1;
	r->dst_off = r->std_off + 3600;
	if (*s && *s != ',') {
		if (tz_hms(&s, &off))
			return -1;
		r->dst_off = -off;
	}
	if (!*s) { /* no rule: POSIX default is US rules; TZif footers always give one */
		r->start = (tz_date_rule_t){'M', 3, 2, 0, 0, 7200};
		r->end = (tz_date_rule_t){'M', 11, 1, 0, 0, 7200};
		return 0;
	}
	if (*s++ != ',' || tz_date(&s, &r->start) || *s++ != ',' || tz_date(&s, &r->end))
		return -1;
	return *s ? -1 : 0;
}

/* Days since the epoch of a rule's date in year y. */
static int64_t tz_rule_day(const tz_date_rule_t *r, int64_t y)
{
	if (r->kind == 'J') /* 1..365, February 29 never counted */
		return days_from_civil(y, 1, 1) + r->day - 1 + (is_leap(y) && r->day >= 60);
	if (r->kind == 'n')
		return days_from_civil(y, 1, 1) + r->day;
	int64_t first = days_from_civil(y, r->month, 1);
	int dow = (int)((first % 7 + 11) % 7); /* 1970-01-01 was a Thursday (4) */
	int day = 1 + (r->wday - dow + 7) % 7 + (r->week - 1) * 7;
	while (day > days_in_month(y, r->month))
		day -= 7;
	return first + day - 1;
}

static int32_t tz_rule_offset(const tz_rule_t *r, int64_t t)
{
	if (!r->has_dst)
		return r->std_off;
	int64_t y;
	int m, d;
	civil_from_days(floor_div(t + r->std_off, SECS_PER_DAY), &y, &m, &d);
	int64_t start = tz_rule_day(&r->start, y) * SECS_PER_DAY + r->start.secs - r->std_off;
	int64_t end = tz_rule_day(&r->end, y) * SECS_PER_DAY + r->end.secs - r->dst_off;
	int dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
	return dst ? r->dst_off : r->std_off;
}

/*---------------------------------------------------------------------------
 * Zones
 *---------------------------------------------------------------------------*/

int32_t time_zone_offset(const time_zone_t *tz, int64_t t)
{
	if (tz->n_trans == 0)
		return tz->has_rule ? tz_rule_offset(&tz->rule, t) : tz->fixed_off;
	if (t < tz->trans[0])
		return tz->first_off;
	size_t lo = 0, hi = tz->n_trans; /* last i with trans[i] <= t */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (tz->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	if (lo == tz->n_trans - 1 && tz->has_rule)
		return tz_rule_offset(&tz->rule, t);
	return tz->trans_off[lo];
}

const char *time_zone_name(const time_zone_t *tz)
{
	return tz->name;
}

void time_zone_free(time_zone_t *tz)
{
	if (!tz)
		return;
	mem_free(tz->trans);
	mem_free(tz->trans_off);
	mem_free(tz);
}

static time_zone_t *tz_new(const char *name)
{
	time_zone_t *tz = mem_calloc(1, sizeof(*tz));
	if (tz)
		snprintf(tz->name, sizeof tz->name, "%s", name);
	return tz;
}

/* A fixed offset: "Z", "UTC", "GMT", "UT", optionally followed by (or just)
 * [+-]h, [+-]hh, [+-]hh:mm, [+-]hhmm, [+-]hh:mm:ss within +-18:00.  0 and
 * *off on success, -1 when name is not of this form. */
static int tz_fixed_parse(const char *name, int32_t *off)
{
	static const char *const utc[] = {"UTC", "GMT", "UT", "Z"};
	const char *s = name;
	for (size_t i = 0; i < LR_ARRAY_LEN(utc); i++) {
		size_t n = strlen(utc[i]);
		if (strncasecmp(s, utc[i], n) == 0 && (s[n] == 0 || s[n] == '+' || s[n] == '-')) {
			s += n;
			break;
		}
	}
	if (!*s) {
		*off = 0;
		return s == name ? -1 : 0;
	}
	if (*s != '+' && *s != '-')
		return -1;
	int sign = *s++ == '-' ? -1 : 1;
	const char *d = s;
	long h, m = 0, sec = 0;
	while (isdigit((unsigned char)*d))
		d++;
	if (d - s == 4 && !*d) { /* hhmm */
		h = (s[0] - '0') * 10 + (s[1] - '0');
		m = (s[2] - '0') * 10 + (s[3] - '0');
	} else {
		if (d - s < 1 || d - s > 2)
			return -1;
		h = tz_num(&s);
		if (*s == ':') {
			s++;
			if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
				return -1;
			m = tz_num(&s);
			if (*s == ':') {
				s++;
				sec = tz_num(&s);
			}
		}
		if (*s)
			return -1;
	}
	if (m < 0 || m > 59 || sec < 0 || sec > 59 || h * 3600 + m * 60 + sec > 18 * 3600)
		return -1;
	*off = (int32_t)(sign * (h * 3600 + m * 60 + sec));
	return 0;
}

typedef struct tzif_counts {
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} tzif_counts_t;

static int tzif_header(rd_t *r, int *version, tzif_counts_t *c)
{
	const uint8_t *magic = rd_bytes(r, 4);
	if (!magic || memcmp(magic, "TZif", 4) != 0)
		return -1;
	*version = rd_u8(r);
	rd_bytes(r, 15);
	c->isutcnt = rd_be32(r);
	c->isstdcnt = rd_be32(r);
	c->leapcnt = rd_be32(r);
	c->timecnt = rd_be32(r);
	c->typecnt = rd_be32(r);
	c->charcnt = rd_be32(r);
	if (!rd_ok(r) || c->typecnt == 0 || c->typecnt > 256 || c->timecnt > TZIF_MAX_TRANSITIONS ||
	    c->charcnt > 65536 || c->leapcnt > 65536 ||
	    (c->isutcnt && c->isutcnt != c->typecnt) || (c->isstdcnt && c->isstdcnt != c->typecnt))
		return -1;
	return 0;
}

static uint64_t tzif_block_size(const tzif_counts_t *c, int tsize)
{
	return (uint64_t)c->timecnt * (tsize + 1) + (uint64_t)c->typecnt * 6 + c->charcnt +
	       (uint64_t)c->leapcnt * (tsize + 4) + c->isstdcnt + c->isutcnt;
}

/* Read one data block (times of tsize 4 or 8 bytes) into tz. */
static int tzif_block(rd_t *r, const tzif_counts_t *c, int tsize, time_zone_t *tz)
{
	if (rd_left(r) < tzif_block_size(c, tsize))
		return -1;
	const uint8_t *times = rd_bytes(r, (size_t)c->timecnt * tsize);
	const uint8_t *idx = rd_bytes(r, c->timecnt);
	int32_t offs[256];
	for (uint32_t i = 0; i < c->typecnt; i++) {
		offs[i] = (int32_t)rd_be32(r);
		rd_u8(r);
		if (rd_u8(r) >= c->charcnt && c->charcnt)
			return -1;
		if (offs[i] < -25 * 3600 || offs[i] > 26 * 3600)
			return -1;
	}
	rd_bytes(r, c->charcnt + (size_t)c->leapcnt * (tsize + 4) + c->isstdcnt + c->isutcnt);
	if (!rd_ok(r))
		return -1;
	tz->first_off = offs[0];
	if (c->timecnt == 0)
		return 0;
	tz->trans = mem_alloc(c->timecnt * sizeof(int64_t));
	tz->trans_off = mem_alloc(c->timecnt * sizeof(int32_t));
	if (!tz->trans || !tz->trans_off)
		return -2;
	for (uint32_t i = 0; i < c->timecnt; i++) {
		const uint8_t *p = times + (size_t)i * tsize;
		int64_t t = tsize == 8 ? (int64_t)load_be64(p) : (int64_t)(int32_t)load_be32(p);
		if (idx[i] >= c->typecnt || (i && t <= tz->trans[i - 1]))
			return -1;
		tz->trans[i] = t;
		tz->trans_off[i] = offs[idx[i]];
	}
	tz->n_trans = c->timecnt;
	return 0;
}

/* The v2+ footer "\nTZ\n" (an empty TZ string means no rule). */
static int tzif_footer(rd_t *r, time_zone_t *tz)
{
	char buf[128];
	size_t left = rd_left(r);
	const uint8_t *p = rd_bytes(r, left);
	if (left < 2 || p[0] != '\n')
		return -1;
	const uint8_t *nl = memchr(p + 1, '\n', left - 1);
	size_t n = nl ? (size_t)(nl - p - 1) : 0;
	if (!nl || n >= sizeof buf)
		return -1;
	if (n == 0)
		return 0;
	memcpy(buf, p + 1, n);
	buf[n] = 0;
	if (tz_rule_parse(buf, &tz->rule))
		return -1;
	tz->has_rule = 1;
	return 0;
}

int time_zone_from_tzif(const char *name, const void *data, size_t len, time_zone_t **out,
			larch_error_t *err)
{
	time_zone_t *tz = tz_new(name);
	if (!tz)
		return err_set(err, LARCH_NO_MEMORY, "out of memory opening time zone %s", name);
	rd_t r;
	int version, rc = -1;
	tzif_counts_t c;
	rd_init(&r, data, len, 0);
	if (tzif_header(&r, &version, &c))
		goto fail;
	if (version == 0) {
		rc = tzif_block(&r, &c, 4, tz);
		goto done;
	}
	if (rd_left(&r) < tzif_block_size(&c, 4))
		goto fail;
	rd_bytes(&r, (size_t)tzif_block_size(&c, 4));
	if (tzif_header(&r, &version, &c) || (rc = tzif_block(&r, &c, 8, tz)) != 0)
		goto done;
	rc = tzif_footer(&r, tz);
done:
	if (rc == 0) {
		*out = tz;
		return LARCH_OK;
	}
fail:
	time_zone_free(tz);
	if (rc == -2)
		return err_set(err, LARCH_NO_MEMORY, "out of memory opening time zone %s", name);
	return err_set(err, LARCH_ILLEGAL_PARAMETER, "time zone %s: malformed TZif data", name);
}

/* An IANA name is safe to look up: [A-Za-z0-9_+-] components separated by
 * '/', none empty, "." or "..". */
static int tz_name_safe(const char *s)
{
	size_t comp = 0;
	if (!*s || *s == '/')
		return 0;
	for (const char *p = s;; p++) {
		if (*p == '/' || *p == 0) {
			if (comp == 0 || (comp <= 2 && p[-1] == '.' && (comp == 1 || p[-2] == '.')))
				return 0;
			if (!*p)
				return 1;
			comp = 0;
			continue;
		}
		if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '+' || *p == '-' || *p == '.'))
			return 0;
		comp++;
	}
}

static int tz_open_file(const char *name, time_zone_t **out, larch_error_t *err)
{
	char path[sizeof(ZONEINFO_DIR) + TZ_NAME_MAX + 2];
	snprintf(path, sizeof path, "%s/%s", ZONEINFO_DIR, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "unknown time zone %s", name);
	uint8_t *buf = mem_alloc(TZIF_MAX_BYTES);
	size_t len = 0;
	int rc;
	if (!buf) {
		close(fd);
		return err_set(err, LARCH_NO_MEMORY, "out of memory opening time zone %s", name);
	}
	for (;;) {
		ssize_t k = read(fd, buf + len, TZIF_MAX_BYTES - len);
		if (k <= 0)
			break;
		len += (size_t)k;
		if (len == TZIF_MAX_BYTES)
			break;
	}
	close(fd);
	rc = time_zone_from_tzif(name, buf, len, out, err);
	mem_free(buf);
	return rc;
}

int time_zone_open(const char *name, time_zone_t **out, larch_error_t *err)
{
	int32_t off;
	if (!name || strlen(name) >= TZ_NAME_MAX)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "illegal time zone %.64s",
			       name ? name : "(null)");
	if (tz_fixed_parse(name, &off) == 0) {
		time_zone_t *tz = tz_new(name);
		if (!tz)
			return err_set(err, LARCH_NO_MEMORY, "out of memory opening time zone %s", name);
		tz->fixed_off = off;
		*out = tz;
		return LARCH_OK;
	}
	if (!tz_name_safe(name))
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "unknown time zone %s", name);
	return tz_open_file(name, out, err);
}

/*---------------------------------------------------------------------------
 * Local time <-> instants
 *---------------------------------------------------------------------------*/

/* The instant of local wall time `local` (seconds) in tz.  Offsets a day
 * before and after bracket any single transition: a valid wall time takes
 * the earlier of its instants (overlap), a skipped one (gap) the offset in
 * force before the gap — both as Java's ZonedDateTime.of. */
static int64_t tz_local_to_utc(const time_zone_t *tz, int64_t local)
{
	int32_t before = time_zone_offset(tz, local - SECS_PER_DAY);
	int32_t after = time_zone_offset(tz, local + SECS_PER_DAY);
	if (before == after || time_zone_offset(tz, local - before) == before)
		return local - before;
	if (time_zone_offset(tz, local - after) == after)
		return local - after;
	return local - before;
}

/*---------------------------------------------------------------------------
 * Datetime literals
 *---------------------------------------------------------------------------*/

typedef struct dt_cursor {
	const char *s;
	size_t n, i;
} dt_cursor_t;

/* 1..max digits at the cursor into *v; 0 on success. */
static int dt_digits(dt_cursor_t *c, int max, int64_t *v, int *ndig)
{
	int k = 0;
	*v = 0;
	while (c->i < c->n && isdigit((unsigned char)c->s[c->i]) && k < max) {
		*v = *v * 10 + (c->s[c->i++] - '0');
		k++;
	}
	if (ndig)
		*ndig = k;
	return k ? 0 : -1;
}

static int dt_char(dt_cursor_t *c, char ch)
{
	if (c->i < c->n && c->s[c->i] == ch) {
		c->i++;
		return 1;
	}
	return 0;
}

static int dt_fail(const dt_cursor_t *c, larch_error_t *err, const char *what)
{
	return err_set(err, LARCH_PARSE_ERROR, "illegal datetime '%.*s': %s",
		       (int)LR_MIN(c->n, 64), c->s, what);
}

/* Zone suffix at the cursor: Z, +hh:mm, +hhmm, +hh.  *has = 0 when absent. */
static int dt_zone(dt_cursor_t *c, int *has, int32_t *off)
{
	*has = 0;
	if (c->i >= c->n)
		return 0;
	if (c->s[c->i] == 'Z' || c->s[c->i] == 'z') {
		c->i++;
		*has = 1;
		*off = 0;
		return 0;
	}
	if (c->s[c->i] != '+' && c->s[c->i] != '-')
		return -1;
	int sign = c->s[c->i++] == '-' ? -1 : 1;
	int64_t h, m = 0, sec = 0;
	int nd;
	if (dt_digits(c, 4, &h, &nd))
		return -1;
	if (nd == 4) {
		m = h % 100;
		h /= 100;
	} else if (nd == 2 && dt_char(c, ':')) {
		if (dt_digits(c, 2, &m, &nd) || nd != 2)
			return -1;
		if (dt_char(c, ':') && (dt_digits(c, 2, &sec, &nd) || nd != 2))
			return -1; /* +hh:mm:ss, as zones with a local mean time print */
	} else if (nd != 2) {
		return -1;
	}
	if (m > 59 || sec > 59 || h * 3600 + m * 60 + sec > 18 * 3600)
		return -1;
	*has = 1;
	*off = (int32_t)(sign * (h * 3600 + m * 60 + sec));
	return 0;
}

int time_parse_datetime(const char *s, size_t n, const time_zone_t *tz, time_precision_t prec,
			int64_t *out, larch_error_t *err)
{
	dt_cursor_t c = {s, n, 0};
	int64_t y, mo, d, h = 0, mi = 0, sec = 0, frac = 0;
	int nfrac = 0, has_zone;
	int32_t off = 0;
	if (dt_digits(&c, 9, &y, NULL) || c.i >= n)
		return dt_fail(&c, err, "expected yyyy-MM-dd");
	char sep = s[c.i];
	if ((sep != '-' && sep != '/' && sep != '.') || !dt_char(&c, sep) ||
	    dt_digits(&c, 2, &mo, NULL) || !dt_char(&c, sep) || dt_digits(&c, 2, &d, NULL))
		return dt_fail(&c, err, "expected yyyy-MM-dd, yyyy/MM/dd or yyyy.MM.dd");
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, (int)mo))
		return dt_fail(&c, err, "no such date");
	size_t before_time = c.i;
	if (!dt_char(&c, 'T') && !dt_char(&c, 't'))
		while (c.i < n && (s[c.i] == ' ' || s[c.i] == '\t'))
			c.i++;
	if (c.i > before_time) {
		if (dt_digits(&c, 2, &h, NULL) || !dt_char(&c, ':') || dt_digits(&c, 2, &mi, NULL))
			return dt_fail(&c, err, "expected HH:mm[:ss[.fraction]]");
		if (dt_char(&c, ':')) {
			if (dt_digits(&c, 2, &sec, NULL))
				return dt_fail(&c, err, "expected seconds");
			if (dt_char(&c, '.') && dt_digits(&c, 9, &frac, &nfrac))
				return dt_fail(&c, err, "expected a fraction of a second");
		}
		if (h > 23 || mi > 59 || sec > 59)
			return dt_fail(&c, err, "time of day out of range");
	}
	if (dt_zone(&c, &has_zone, &off) || c.i != n)
		return dt_fail(&c, err, "unexpected text after the time (zones: Z, +hh:mm, +hhmm)");
	int64_t local = days_from_civil(y, (int)mo, (int)d) * SECS_PER_DAY + h * 3600 + mi * 60 + sec;
	int64_t utc = has_zone ? local - off : tz_local_to_utc(tz, local);
	int64_t ups = time_units_per_second(prec);
	for (int k = nfrac; k < 9; k++)
		frac *= 10; /* nanoseconds */
	frac /= 1000000000LL / ups;
	int64_t r;
	if (__builtin_mul_overflow(utc, ups, &r) || __builtin_add_overflow(r, frac, &r))
		return dt_fail(&c, err, "out of the range of timestamps");
	*out = r;
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Output and calendar steps
 *---------------------------------------------------------------------------*/

size_t time_format_iso(int64_t t, const time_zone_t *tz, time_precision_t prec, char *out,
		       size_t n)
{
	static const int digits[] = {3, 6, 9};
	int64_t ups = time_units_per_second(prec);
	int64_t secs = floor_div(t, ups), frac = t - secs * ups;
	int32_t off = time_zone_offset(tz, secs);
	int64_t local = secs + off, y;
	int64_t days = floor_div(local, SECS_PER_DAY), tod = local - days * SECS_PER_DAY;
	int m, d;
	civil_from_days(days, &y, &m, &d);
	int32_t aoff = off < 0 ? -off : off;
	char zone[16];
	if (aoff % 60)
		snprintf(zone, sizeof zone, "%c%02d:%02d:%02d", off < 0 ? '-' : '+', aoff / 3600,
			 aoff / 60 % 60, aoff % 60);
	else
		snprintf(zone, sizeof zone, "%c%02d:%02d", off < 0 ? '-' : '+', aoff / 3600,
			 aoff / 60 % 60);
	int k = snprintf(out, n, "%0*lld-%02d-%02dT%02d:%02d:%02d.%0*lld%s", y < 0 ? 5 : 4,
			 (long long)y, m, d,
			 (int)(tod / 3600), (int)(tod / 60 % 60), (int)(tod % 60), digits[prec],
			 (long long)frac, zone);
	return k < 0 ? 0 : (size_t)k;
}

int64_t time_add_months(int64_t t, int64_t months, const time_zone_t *tz, time_precision_t prec)
{
	int64_t ups = time_units_per_second(prec);
	int64_t secs = floor_div(t, ups), frac = t - secs * ups;
	int64_t local = secs + time_zone_offset(tz, secs);
	int64_t days = floor_div(local, SECS_PER_DAY), tod = local - days * SECS_PER_DAY;
	int64_t y;
	int m, d;
	civil_from_days(days, &y, &m, &d);
	const int64_t max_months = 12LL * 1000000000LL; /* far beyond any int64 instant */
	if (months > max_months || months < -max_months)
		return months > 0 ? INT64_MAX : INT64_MIN;
	int64_t mi = y * 12 + (m - 1) + months;
	int64_t ny = floor_div(mi, 12);
	int nm = (int)(mi - ny * 12) + 1;
	int nd = LR_MIN(d, days_in_month(ny, nm));
	int64_t utc = tz_local_to_utc(tz, days_from_civil(ny, nm, nd) * SECS_PER_DAY + tod);
	int64_t r;
	if (__builtin_mul_overflow(utc, ups, &r) || __builtin_add_overflow(r, frac, &r))
		return months > 0 ? INT64_MAX : INT64_MIN;
	return r;
}
