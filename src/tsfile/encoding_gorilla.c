/*
 * encoding_gorilla.c — placeholder: this encoding is being written.
 */
#include "encoding.h"

int enc_gorilla_encode(tsfile_type_t type, const enc_params_t *params, const void *values,
		    size_t n, buf_t *out, larch_error_t *err)
{
	return err_set(err, LARCH_UNSUPPORTED, "encoding not implemented yet");
}

int enc_gorilla_decode(tsfile_type_t type, const uint8_t *in, size_t len, size_t max_values,
		    col_t *out, larch_error_t *err)
{
	return err_set(err, LARCH_UNSUPPORTED, "encoding not implemented yet");
}
