/*
 * infer.c — IoTDB's type inference for string values, and which value
 * types a series accepts.
 *
 * Inference (TypeInferenceUtils.getPredictedDataType with inferType set):
 *   "true" / "false", any case           -> boolean_string_infer_type
 *   a number Java's Double.parseDouble    -> integer_string_infer_type when
 *   reads, not "NaN", not ending in          Long.parseLong reads the
 *   f/F/d/D                                   trimmed text, else
 *                                             floating_string_infer_type
 *   "null" / "NULL"                        -> no type (a null value)
 *   "NaN"                                  -> nan_string_infer_type
 *   X'...'                                 -> BLOB
 *   anything else                          -> TEXT
 * Double.parseDouble trims characters <= ' ' and accepts an optional sign,
 * then NaN, Infinity, a decimal (digits with an optional point, at least one
 * digit, optional exponent) or a hexadecimal float (0x..p..), and an optional
 * f/F/d/D suffix.
 */
#include <strings.h>

#include "schema/schema_int.h"

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Trim characters <= ' ' (Java's String.trim). */
static void trim(const char **s, size_t *len)
{
	while (*len && (unsigned char)(*s)[0] <= ' ') {
		(*s)++;
		(*len)--;
	}
	while (*len && (unsigned char)(*s)[*len - 1] <= ' ')
		(*len)--;
}

/* Digits of a class from s[*i]; how many. */
static size_t run(const char *s, size_t len, size_t *i, int (*cls)(char))
{
	size_t start = *i;
	while (*i < len && cls(s[*i]))
		(*i)++;
	return *i - start;
}

static int java_double(const char *s, size_t len)
{
	trim(&s, &len);
	size_t i = 0;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	if (len - i == 3 && !memcmp(s + i, "NaN", 3))
		return 1;
	if (len - i == 8 && !memcmp(s + i, "Infinity", 8))
		return 1;
	if (len - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		i += 2;
		size_t d = run(s, len, &i, is_hex);
		if (i < len && s[i] == '.') {
			i++;
			d += run(s, len, &i, is_hex);
		}
		if (!d || i >= len || (s[i] != 'p' && s[i] != 'P'))
			return 0;
		i++;
	} else {
		size_t d = run(s, len, &i, is_digit);
		if (i < len && s[i] == '.') {
			i++;
			d += run(s, len, &i, is_digit);
		}
		if (!d)
			return 0;
		if (i == len || (s[i] != 'e' && s[i] != 'E'))
			goto suffix;
		i++;
	}
	/* exponent: sign and at least one digit */
	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	if (!run(s, len, &i, is_digit))
		return 0;
suffix:
	if (i < len && strchr("fFdD", s[i]))
		i++;
	return i == len;
}

/* Long.parseLong on the trimmed text. */
static int java_long(const char *s, size_t len)
{
	trim(&s, &len);
	size_t i = 0;
	int neg = 0;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	if (i == len)
		return 0;
	uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < len; i++) {
		if (!is_digit(s[i]))
			return 0;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (lim - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	return 1;
}

int schema_infer_type(const schema_config_t *cfg, const char *s, size_t len)
{
	schema_config_t def;
	if (!cfg) {
		schema_config_default(&def);
		cfg = &def;
	}
	if ((len == 4 && !strncasecmp(s, "true", 4)) || (len == 5 && !strncasecmp(s, "false", 5)))
		return (int)cfg->infer_boolean;
	int nan = len == 3 && !memcmp(s, "NaN", 3);
	char last = len ? s[len - 1] : 0;
	if (!nan && java_double(s, len) && !strchr("fFdD", last ? last : 'x'))
		return (int)(java_long(s, len) ? cfg->infer_integer : cfg->infer_floating);
	if (len == 4 && (!memcmp(s, "null", 4) || !memcmp(s, "NULL", 4)))
		return -1;
	if (nan)
		return (int)cfg->infer_nan;
	if (len >= 3 && s[0] == 'X' && s[1] == '\'' && s[len - 1] == '\'')
		return TSFILE_BLOB;
	return TSFILE_TEXT;
}

int schema_type_accepts(tsfile_type_t to, tsfile_type_t from)
{
	if (to == from)
		return 1;
	switch (to) {
	case TSFILE_INT64:
		return from == TSFILE_INT32 || from == TSFILE_TIMESTAMP;
	case TSFILE_FLOAT:
		return from == TSFILE_INT32;
	case TSFILE_DOUBLE:
		return from == TSFILE_INT32 || from == TSFILE_INT64 || from == TSFILE_FLOAT ||
		       from == TSFILE_TIMESTAMP;
	case TSFILE_TEXT:
		return from == TSFILE_STRING;
	case TSFILE_TIMESTAMP:
		return from == TSFILE_INT32 || from == TSFILE_INT64;
	case TSFILE_BLOB:
		return from == TSFILE_STRING || from == TSFILE_TEXT;
	case TSFILE_STRING:
		return from == TSFILE_TEXT;
	default:
		return 0;
	}
}
