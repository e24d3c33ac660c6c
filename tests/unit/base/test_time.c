/*
 * Unit tests for src/base/time.c: zones (fixed offsets and IANA TZif with
 * the POSIX footer rule), datetime literals, ISO output, calendar months.
 *
 * Expected values were computed independently with CPython 3's zoneinfo and
 * datetime (the generator, kept in the comment below, reads the same
 * /usr/share/zoneinfo database but not this code):
 *   offsets:  datetime.fromtimestamp(t, ZoneInfo(z)).utcoffset()
 *   parsing:  datetime(..., tzinfo=ZoneInfo(z)).timestamp()  (fold=0: in a
 *             gap the offset before it applies, in an overlap the earlier
 *             instant — the same choice as Java's ZonedDateTime.of)
 *   format:   datetime.fromtimestamp(t/1000, tz).isoformat(timespec='milliseconds')
 *   months:   replace(year, month, min(day, monthrange)) in local time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "base/base.h"

static time_zone_t *zone(const char *name)
{
	time_zone_t *tz = NULL;
	larch_error_t err = {0};
	int rc = time_zone_open(name, &tz, &err);
	if (rc)
		print_error("zone %s: %s\n", name, err.msg);
	assert_int_equal(rc, LARCH_OK);
	return tz;
}

static void test_offsets(void **state)
{
	(void)state;
	static const struct { const char *zone; int64_t t; int32_t off; } v[] = {
		{"America/New_York", -2208988800LL, -18000},
		{"America/New_York", 0LL, -18000},
		{"America/New_York", 1615705199LL, -18000},  /* 2021-03-14 01:59:59 EST */
		{"America/New_York", 1615705200LL, -14400},  /* 03:00 EDT */
		{"America/New_York", 1636264799LL, -14400},
		{"America/New_York", 1636264800LL, -18000},
		{"America/New_York", 1700000000LL, -18000},
		{"America/New_York", 2000000000LL, -14400},
		{"America/New_York", 4102444800LL, -18000},  /* 2100: footer rule */
		{"America/New_York", 7258118400LL, -18000},
		{"Europe/Berlin", 0LL, 3600},
		{"Europe/Berlin", 1616893199LL, 3600},
		{"Europe/Berlin", 1616893200LL, 7200},
		{"Europe/Berlin", 1635641999LL, 7200},
		{"Europe/Berlin", 1635642000LL, 3600},
		{"Europe/Berlin", 4102444800LL, 3600},
		{"Europe/Berlin", 4118000000LL, 7200},       /* 2100-06-30: CEST by rule */
		{"Europe/Berlin", 7258118400LL, 3600},
		{"Asia/Shanghai", -2208988800LL, 29143},     /* LMT +08:05:43 */
		{"Asia/Shanghai", 0LL, 28800},
		{"Asia/Shanghai", 1509465600LL, 28800},
		{"Asia/Shanghai", 4102444800LL, 28800},
		{"Australia/Sydney", 1617465599LL, 39600},   /* southern hemisphere */
		{"Australia/Sydney", 1617465600LL, 36000},
		{"Australia/Sydney", 1633190399LL, 36000},
		{"Australia/Sydney", 1633190400LL, 39600},
		{"Australia/Sydney", 4102444800LL, 39600},
		{"Australia/Sydney", 4118000000LL, 36000},
		{"Asia/Kolkata", 0LL, 19800},
		{"Asia/Kolkata", 4102444800LL, 19800},
		{"Europe/London", 0LL, 3600},                /* British Standard Time 1968-71 */
		{"Europe/London", 1648342800LL, 3600},
		{"Europe/London", 4102444800LL, 0},
		{"Europe/London", 4118000000LL, 3600},
	};
	for (size_t i = 0; i < LR_ARRAY_LEN(v); i++) {
		time_zone_t *tz = zone(v[i].zone);
		int32_t got = time_zone_offset(tz, v[i].t);
		if (got != v[i].off)
			print_error("%s at %lld: want %d got %d\n", v[i].zone, (long long)v[i].t,
				    v[i].off, got);
		assert_int_equal(got, v[i].off);
		assert_string_equal(time_zone_name(tz), v[i].zone);
		time_zone_free(tz);
	}
}

static void test_fixed_zones(void **state)
{
	(void)state;
	static const struct { const char *name; int32_t off; } ok[] = {
		{"Z", 0}, {"UTC", 0}, {"utc", 0}, {"GMT", 0}, {"+08:00", 28800}, {"+0800", 28800},
		{"-5", -18000}, {"+8", 28800}, {"GMT+8", 28800}, {"UTC-03:30", -12600},
		{"+05:45", 20700}, {"-18:00", -64800}, {"+14", 50400},
	};
	for (size_t i = 0; i < LR_ARRAY_LEN(ok); i++) {
		time_zone_t *tz = zone(ok[i].name);
		assert_int_equal(time_zone_offset(tz, 0), ok[i].off);
		assert_int_equal(time_zone_offset(tz, 4102444800LL), ok[i].off);
		time_zone_free(tz);
	}
	static const char *const bad[] = {"", "+19", "+8:0", "+08:60", "Mars/Olympus",
					  "../etc/passwd", "Asia/../../etc/passwd", "/etc/passwd",
					  "Asia//Shanghai", "+", "UTC+", "Asia/Shanghai ",
					  "GMT+123"};
	for (size_t i = 0; i < LR_ARRAY_LEN(bad); i++) {
		time_zone_t *tz = NULL;
		larch_error_t err = {0};
		assert_int_equal(time_zone_open(bad[i], &tz, &err), LARCH_ILLEGAL_PARAMETER);
		assert_null(tz);
		assert_non_null(strstr(err.msg, "time zone"));
	}
}

static void test_parse_vectors(void **state)
{
	(void)state;
	static const struct { const char *lit, *zone; int64_t ms; } v[] = {
		{"2017-11-01T00:08:00.000", "Asia/Shanghai", 1509466080000LL},
		{"2017-11-01 00:08:00", "Asia/Shanghai", 1509466080000LL},
		{"2017/11/01 00:08:00", "+08:00", 1509466080000LL},
		{"2017.11.01 00:08:00.5", "UTC", 1509494880500LL},
		{"2021-03-14 02:30:00", "America/New_York", 1615707000000LL},   /* gap */
		{"2021-03-14 03:30:00", "America/New_York", 1615707000000LL},
		{"2021-11-07 01:30:00", "America/New_York", 1636263000000LL},   /* overlap */
		{"2021-11-07 02:30:00", "America/New_York", 1636270200000LL},
		{"2021-03-28T02:30:00", "Europe/Berlin", 1616895000000LL},      /* gap */
		{"2021-10-31T02:30:00", "Europe/Berlin", 1635640200000LL},      /* overlap */
		{"2100-07-01T12:00:00", "Europe/Berlin", 4118119200000LL},
		{"2100-01-01T12:00:00", "America/New_York", 4102506000000LL},
		{"1900-01-01T00:00:00", "Asia/Shanghai", -2209017943000LL},
		{"1969-12-31T23:59:59.999", "UTC", -1LL},
		{"2024-02-29", "Asia/Shanghai", 1709136000000LL},
		{"0001-01-01T00:00:00", "UTC", -62135596800000LL},
		/* explicit zones override the session zone */
		{"2017-11-01T00:08:00+08:00", "America/New_York", 1509466080000LL},
		{"2017-11-01T00:08:00.000+0800", "UTC", 1509466080000LL},
		{"2017-10-31T16:08:00Z", "Asia/Shanghai", 1509466080000LL},
		{"2017-10-31T11:08:00-05:00", "Asia/Shanghai", 1509466080000LL},
		{"2017-10-31 16:08", "UTC", 1509466080000LL},
		{"2017-10-31  16:08:00", "UTC", 1509466080000LL},
		{"2017-1-1T0:0:0", "UTC", 1483228800000LL},
	};
	for (size_t i = 0; i < LR_ARRAY_LEN(v); i++) {
		time_zone_t *tz = zone(v[i].zone);
		int64_t got = 0;
		larch_error_t err = {0};
		int rc = time_parse_datetime(v[i].lit, strlen(v[i].lit), tz, TIME_MS, &got, &err);
		if (rc || got != v[i].ms)
			print_error("%s in %s: want %lld got %lld (%s)\n", v[i].lit, v[i].zone,
				    (long long)v[i].ms, (long long)got, err.msg);
		assert_int_equal(rc, LARCH_OK);
		assert_int_equal(got, v[i].ms);
		time_zone_free(tz);
	}
}

static void test_parse_precision(void **state)
{
	(void)state;
	time_zone_t *utc = zone("UTC");
	const char *s = "2017-11-01T00:08:00.123456789";
	int64_t v;
	assert_int_equal(time_parse_datetime(s, strlen(s), utc, TIME_MS, &v, NULL), 0);
	assert_int_equal(v, 1509494880123LL);
	assert_int_equal(time_parse_datetime(s, strlen(s), utc, TIME_US, &v, NULL), 0);
	assert_int_equal(v, 1509494880123456LL);
	assert_int_equal(time_parse_datetime(s, strlen(s), utc, TIME_NS, &v, NULL), 0);
	assert_int_equal(v, 1509494880123456789LL);
	s = "1969-12-31T23:59:59.9999995";  /* truncates toward earlier fraction digits */
	assert_int_equal(time_parse_datetime(s, strlen(s), utc, TIME_US, &v, NULL), 0);
	assert_int_equal(v, -1LL);
	/* n bounds the text: trailing bytes beyond n are ignored */
	s = "2017-11-01garbage";
	assert_int_equal(time_parse_datetime(s, 10, utc, TIME_MS, &v, NULL), 0);
	assert_int_equal(v, 1509494400000LL);
	/* ns precision cannot hold year 1: an error, *out untouched */
	s = "0001-01-01";
	v = 7;
	larch_error_t err = {0};
	assert_int_equal(time_parse_datetime(s, strlen(s), utc, TIME_NS, &v, &err),
			 LARCH_PARSE_ERROR);
	assert_int_equal(v, 7);
	assert_non_null(strstr(err.msg, "range"));
	assert_int_equal(time_units_per_second(TIME_MS), 1000);
	assert_int_equal(time_units_per_second(TIME_US), 1000000);
	assert_int_equal(time_units_per_second(TIME_NS), 1000000000);
	int64_t d;
	assert_int_equal(time_duration_units(90061001001001LL, TIME_MS, &d, NULL), 0);
	assert_int_equal(d, 90061001);
	assert_int_equal(time_duration_units(90061001001001LL, TIME_US, &d, NULL), 0);
	assert_int_equal(d, 90061001001LL);
	assert_int_equal(time_duration_units(-1500000, TIME_MS, &d, NULL), 0);
	assert_int_equal(d, -1);
	time_zone_free(utc);
}

static void test_parse_errors(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "2017", "2017-11", "2017-11-01T", "2017-13-01", "2017-02-29", "2017-11-31",
		"2017-11-01T24:00:00", "2017-11-01T23:60", "2017-11-01T23:59:60",
		"2017-11-01 00:08:00 +08:00", "2017-11-01T00:08:00+8", "2017-11-01T00:08:00+19:00",
		"2017-11/01", "2017-11-01T00:08:00.", "2017-11-01T00:08:00.1234567890",
		"2017-11-01x", "-2017-11-01", "2017-11-01T00", "2017-11-01T00:08:00Zx",
		"9999999999-01-01",
	};
	time_zone_t *tz = zone("Asia/Shanghai");
	for (size_t i = 0; i < LR_ARRAY_LEN(bad); i++) {
		int64_t v = 42;
		larch_error_t err = {0};
		int rc = time_parse_datetime(bad[i], strlen(bad[i]), tz, TIME_MS, &v, &err);
		if (rc != LARCH_PARSE_ERROR)
			print_error("accepted '%s' -> %lld\n", bad[i], (long long)v);
		assert_int_equal(rc, LARCH_PARSE_ERROR);
		assert_int_equal(v, 42);
		assert_non_null(strstr(err.msg, "illegal datetime"));
	}
	time_zone_free(tz);
}

static void test_format(void **state)
{
	(void)state;
	static const struct { int64_t ms; const char *zone, *text; } v[] = {
		{1509466080000LL, "Asia/Shanghai", "2017-11-01T00:08:00.000+08:00"},
		{0LL, "UTC", "1970-01-01T00:00:00.000+00:00"},
		{-1LL, "UTC", "1969-12-31T23:59:59.999+00:00"},
		{1636263000000LL, "America/New_York", "2021-11-07T01:30:00.000-04:00"},
		{1636266600000LL, "America/New_York", "2021-11-07T01:30:00.000-05:00"},
		{4118000000000LL, "Australia/Sydney", "2100-06-30T10:53:20.000+10:00"},
		{-2208988800000LL, "Asia/Shanghai", "1900-01-01T08:05:43.000+08:05:43"},
	};
	char out[64];
	for (size_t i = 0; i < LR_ARRAY_LEN(v); i++) {
		time_zone_t *tz = zone(v[i].zone);
		size_t n = time_format_iso(v[i].ms, tz, TIME_MS, out, sizeof out);
		assert_string_equal(out, v[i].text);
		assert_int_equal(n, strlen(v[i].text));
		time_zone_free(tz);
	}
	time_zone_t *tz = zone("+08:00");
	time_format_iso(1509466080123456789LL, tz, TIME_NS, out, sizeof out);
	assert_string_equal(out, "2017-11-01T00:08:00.123456789+08:00");
	time_format_iso(1509466080123456LL, tz, TIME_US, out, sizeof out);
	assert_string_equal(out, "2017-11-01T00:08:00.123456+08:00");
	/* snprintf semantics: truncated output, full length returned */
	char small[8];
	assert_int_equal(time_format_iso(0, tz, TIME_MS, small, sizeof small), 29);
	assert_string_equal(small, "1970-01");
	time_zone_free(tz);
}

static void test_add_months(void **state)
{
	(void)state;
	static const struct { int64_t ms; int64_t months; const char *zone; int64_t want; } v[] = {
		{1706659200000LL, 1, "UTC", 1709164800000LL},    /* Jan 31 2024 -> Feb 29 */
		{1706659200000LL, 13, "UTC", 1740700800000LL},   /* -> Feb 28 2025 */
		{1711843200000LL, -1, "UTC", 1709164800000LL},   /* Mar 31 -> Feb 29 */
		{1709193600000LL, 12, "Asia/Shanghai", 1740729600000LL},
		{1616803200000LL, 1, "Europe/Berlin", 1619478000000LL},   /* across DST start */
		{1635555600000LL, -7, "America/New_York", 1617066000000LL},
		{-86400000LL, 1, "UTC", 2592000000LL},
		{1509465600000LL, 3, "Asia/Shanghai", 1517414400000LL},
	};
	for (size_t i = 0; i < LR_ARRAY_LEN(v); i++) {
		time_zone_t *tz = zone(v[i].zone);
		assert_int_equal(time_add_months(v[i].ms, v[i].months, tz, TIME_MS), v[i].want);
		/* the same in ns keeps the sub-second part */
		assert_int_equal(time_add_months(v[i].ms * 1000000 + 7, v[i].months, tz, TIME_NS),
				 v[i].want * 1000000 + 7);
		time_zone_free(tz);
	}
	time_zone_t *utc = zone("UTC");
	assert_int_equal(time_add_months(INT64_MAX - 5, 1000, utc, TIME_NS), INT64_MAX);
	assert_int_equal(time_add_months(0, INT64_MIN, utc, TIME_MS), INT64_MIN);
	time_zone_free(utc);
}

/* Random instants formatted then parsed back give the same instant (the
 * text carries its offset), in every precision and several zones. */
static void test_format_parse_roundtrip(void **state)
{
	(void)state;
	static const char *const zones[] = {"UTC", "Asia/Shanghai", "America/New_York",
					    "Europe/Berlin", "Australia/Sydney", "-03:30"};
	srand(12345);
	for (size_t z = 0; z < LR_ARRAY_LEN(zones); z++) {
		time_zone_t *tz = zone(zones[z]);
		for (int prec = TIME_MS; prec <= TIME_NS; prec++) {
			int64_t ups = time_units_per_second((time_precision_t)prec);
			for (int i = 0; i < 2000; i++) {
				/* seconds in 1900..2200 (ns: 1678..2261 limits the range) */
				int64_t secs = -2208988800LL + (int64_t)(((uint64_t)rand() << 16 ^
									(uint64_t)rand()) % 9467280000ULL);
				if (prec == TIME_NS && (secs < -9000000000LL || secs > 9000000000LL))
					continue;
				int64_t t = secs * ups + rand() % ups, back = 0;
				char text[64];
				size_t n = time_format_iso(t, tz, (time_precision_t)prec, text, sizeof text);
				larch_error_t err = {0};
				int rc = time_parse_datetime(text, n, tz, (time_precision_t)prec, &back, &err);
				if (rc || back != t)
					print_error("%s %s: %lld -> %s -> %lld %s\n", zones[z], text,
						    (long long)t, text, (long long)back, err.msg);
				assert_int_equal(rc, 0);
				assert_int_equal(back, t);
			}
		}
		time_zone_free(tz);
	}
}

/* Read a TZif file whole (test helper). */
static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	uint8_t *buf = malloc(1 << 20);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

/* Every prefix and many single-byte corruptions of a real TZif file are
 * rejected or accepted cleanly (ASan checks the bounds); the full file
 * gives the same offsets as time_zone_open. */
static void test_tzif_hostile(void **state)
{
	(void)state;
	size_t len;
	uint8_t *data = read_file("/usr/share/zoneinfo/America/New_York", &len);
	time_zone_t *tz = NULL;
	assert_int_equal(time_zone_from_tzif("NY", data, len, &tz, NULL), LARCH_OK);
	assert_int_equal(time_zone_offset(tz, 1615705200LL), -14400);
	assert_int_equal(time_zone_offset(tz, 4102444800LL), -18000);
	time_zone_free(tz);
	for (size_t n = 0; n < len; n++) {
		tz = NULL;
		larch_error_t err = {0};
		int rc = time_zone_from_tzif("NY", data, n, &tz, &err);
		assert_true(rc == LARCH_OK || rc == LARCH_ILLEGAL_PARAMETER);
		if (rc == LARCH_OK)
			time_zone_offset(tz, 0);
		else
			assert_non_null(strstr(err.msg, "NY"));
		time_zone_free(tz);
	}
	srand(7);
	for (int i = 0; i < 3000; i++) {
		uint8_t *copy = malloc(len);
		memcpy(copy, data, len);
		copy[(size_t)rand() % len] ^= (uint8_t)(1 + rand() % 255);
		tz = NULL;
		if (time_zone_from_tzif("x", copy, len, &tz, NULL) == LARCH_OK) {
			time_zone_offset(tz, -(1LL << 40));
			time_zone_offset(tz, 1LL << 40);
			time_zone_offset(tz, 1700000000LL);
		}
		time_zone_free(tz);
		free(copy);
	}
	free(data);
}

/* A hand-built v1 file (32-bit block only, no footer): two transitions;
 * the last one's offset holds forever after. */
static void test_tzif_v1(void **state)
{
	(void)state;
	uint8_t f[44 + 2 * 4 + 2 + 2 * 6 + 4];
	memset(f, 0, sizeof f);
	memcpy(f, "TZif", 4);
	store_be32(f + 20 + 12, 2);  /* timecnt */
	store_be32(f + 20 + 16, 2);  /* typecnt */
	store_be32(f + 20 + 20, 4);  /* charcnt */
	uint8_t *p = f + 44;
	store_be32(p, 1000);
	store_be32(p + 4, 2000);
	p[8] = 1;
	p[9] = 0;
	p += 10;
	store_be32(p, 3600);         /* type 0: +1h, desig 0 */
	p[4] = 0;
	p[5] = 0;
	store_be32(p + 6, 7200);     /* type 1: +2h, dst, desig 0 */
	p[10] = 1;
	p[11] = 0;
	memcpy(p + 12, "AB\0", 4);
	time_zone_t *tz = NULL;
	assert_int_equal(time_zone_from_tzif("v1", f, sizeof f, &tz, NULL), LARCH_OK);
	assert_int_equal(time_zone_offset(tz, 0), 3600);
	assert_int_equal(time_zone_offset(tz, 1000), 7200);
	assert_int_equal(time_zone_offset(tz, 1999), 7200);
	assert_int_equal(time_zone_offset(tz, 2000), 3600);
	assert_int_equal(time_zone_offset(tz, INT64_MAX / 2), 3600);
	time_zone_free(tz);
	store_be32(f + 44 + 4, 500); /* transitions out of order */
	assert_int_equal(time_zone_from_tzif("v1", f, sizeof f, &tz, NULL),
			 LARCH_ILLEGAL_PARAMETER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_fixed_zones),
		cmocka_unit_test(test_parse_vectors),
		cmocka_unit_test(test_parse_precision),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_add_months),
		cmocka_unit_test(test_format_parse_roundtrip),
		cmocka_unit_test(test_tzif_hostile),
		cmocka_unit_test(test_tzif_v1),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
