/*
 * err.c — filling larch_error_t records.
 */
#include <stdarg.h>
#include <stdio.h>

#include "base.h"

int err_set(larch_error_t *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		err->code = code;
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

void err_prefix(larch_error_t *err, const char *fmt, ...)
{
	if (!err)
		return;
	char head[LARCH_ERROR_MSG_MAX];
	char old[LARCH_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	size_t n = strlen(head);
	if (n + 2 < sizeof(err->msg)) { /* truncation of the old text is fine */
		memcpy(err->msg, head, n);
		memcpy(err->msg + n, ": ", 2);
		size_t room = sizeof(err->msg) - n - 3;
		size_t olen = strnlen(old, room);
		memcpy(err->msg + n + 2, old, olen);
		err->msg[n + 2 + olen] = '\0';
	}
}
