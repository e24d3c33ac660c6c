/*
 * fuzz_filter — libFuzzer target for the filter-expression parser
 * (tsfile_filter_parse): any input must give a filter or a clean
 * LARCH_PARSE_ERROR, never a crash, a leak or unbounded recursion.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "larch/tsfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	tsfile_filter_t *f = NULL;
	larch_error_t err = {0};
	if (tsfile_filter_parse(text, &f, &err) == LARCH_OK)
		tsfile_filter_free(f);
	free(text);
	return 0;
}
