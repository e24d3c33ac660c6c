/*
 * fuzz_time — libFuzzer target for src/base/time.c's untrusted-input
 * parsers.  Byte 0 picks the mode:
 *   0: the rest is a TZif file: time_zone_from_tzif, then offsets at
 *      instants across the whole range, a local-time literal parsed in that
 *      zone and a month step (the POSIX footer rule runs for far instants);
 *   1: the rest is a datetime literal parsed in UTC+08:00 in a precision
 *      picked by byte 1; a success must survive format -> parse unchanged;
 *   2: the rest is a zone name for time_zone_open.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

static void fuzz_tzif(const uint8_t *d, size_t n)
{
	time_zone_t *tz = NULL;
	if (time_zone_from_tzif("fuzz", d, n, &tz, NULL) != LARCH_OK)
		return;
	static const int64_t at[] = {INT64_MIN / 4, -(1LL << 40), -1, 0, 1700000000LL,
				     4102444800LL, 1LL << 40, INT64_MAX / 4};
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++)
		time_zone_offset(tz, at[i]);
	int64_t v;
	const char *lit = "2100-03-28 02:30:00";
	if (time_parse_datetime(lit, strlen(lit), tz, TIME_MS, &v, NULL) == LARCH_OK)
		time_add_months(v, 7, tz, TIME_MS);
	time_zone_free(tz);
}

static void fuzz_literal(const uint8_t *d, size_t n)
{
	if (n < 1)
		return;
	time_precision_t prec = (time_precision_t)(d[0] % 3);
	time_zone_t *tz = NULL;
	if (time_zone_open("+08:00", &tz, NULL) != LARCH_OK)
		return;
	int64_t v, back;
	char text[64];
	if (time_parse_datetime((const char *)d + 1, n - 1, tz, prec, &v, NULL) == LARCH_OK) {
		size_t k = time_format_iso(v, tz, prec, text, sizeof text);
		if (k >= sizeof text)
			abort();
		/* years beyond 9999 print with more digits and still parse; years
		 * before 0 print as -yyyy, which literals cannot spell */
		if (text[0] != '-' &&
		    (time_parse_datetime(text, k, tz, prec, &back, NULL) != LARCH_OK || back != v))
			abort();
	}
	time_zone_free(tz);
}

static void fuzz_name(const uint8_t *d, size_t n)
{
	char name[200];
	if (n >= sizeof name)
		return;
	memcpy(name, d, n);
	name[n] = 0;
	time_zone_t *tz = NULL;
	if (time_zone_open(name, &tz, NULL) == LARCH_OK) {
		time_zone_offset(tz, 0);
		time_zone_free(tz);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0: fuzz_tzif(data + 1, size - 1); break;
	case 1: fuzz_literal(data + 1, size - 1); break;
	default: fuzz_name(data + 1, size - 1); break;
	}
	return 0;
}
