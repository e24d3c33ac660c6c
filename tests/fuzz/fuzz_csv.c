/*
 * fuzz_csv — libFuzzer target for the CSV reader of the command-line tools:
 * any input parses or fails with a clear error; no crash, no leak.
 */
#include <stdint.h>

#include "tools/common/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	csv_table_t t;
	larch_error_t err = {0};
	if (csv_parse((const char *)data, size, &t, &err) == LARCH_OK)
		csv_table_free(&t);
	return 0;
}
