/*
 * encoding.c — dispatch from a TSEncoding id to its implementation, with the
 * checks every encoding shares (type supported, arguments sane).
 */
#include "encoding.h"

typedef int (*enc_encode_fn)(tsfile_type_t, const enc_params_t *, const void *, size_t,
			     buf_t *, larch_error_t *);
typedef int (*enc_decode_fn)(tsfile_type_t, const uint8_t *, size_t, size_t, col_t *,
			     larch_error_t *);

static const struct {
	enc_encode_fn encode;
	enc_decode_fn decode;
} encodings[] = {
	[TSFILE_PLAIN] = {enc_plain_encode, enc_plain_decode},
	[TSFILE_DICTIONARY] = {enc_dictionary_encode, enc_dictionary_decode},
	[TSFILE_RLE] = {enc_rle_encode, enc_rle_decode},
	[TSFILE_TS_2DIFF] = {enc_ts2diff_encode, enc_ts2diff_decode},
	[TSFILE_GORILLA] = {enc_gorilla_encode, enc_gorilla_decode},
	[TSFILE_ZIGZAG] = {enc_zigzag_encode, enc_zigzag_decode},
	[TSFILE_CHIMP] = {enc_chimp_encode, enc_chimp_decode},
	[TSFILE_SPRINTZ] = {enc_sprintz_encode, enc_sprintz_decode},
	[TSFILE_RLBE] = {enc_rlbe_encode, enc_rlbe_decode},
};

static int encoding_check(tsfile_encoding_t enc, tsfile_type_t type, larch_error_t *err)
{
	if ((unsigned)enc >= LR_ARRAY_LEN(encodings) || !encodings[enc].encode)
		return err_set(err, LARCH_UNSUPPORTED, "unsupported encoding %d", (int)enc);
	if (!tsfile_encoding_supports(enc, type))
		return err_set(err, LARCH_UNSUPPORTED, "encoding %s does not support type %s",
			       tsfile_encoding_name(enc), tsfile_type_name(type));
	return LARCH_OK;
}

int encode_stream(tsfile_encoding_t enc, tsfile_type_t type, const enc_params_t *params,
		  const void *values, size_t n, buf_t *out, larch_error_t *err)
{
	int rc = encoding_check(enc, type, err);
	if (rc)
		return rc;
	static const enc_params_t defaults = {2};
	rc = encodings[enc].encode(type, params ? params : &defaults, values, n, out, err);
	if (rc == LARCH_OK && !buf_ok(out))
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory encoding %s",
			     tsfile_encoding_name(enc));
	return rc;
}

int decode_stream(tsfile_encoding_t enc, tsfile_type_t type, const uint8_t *in, size_t len,
		  size_t max_values, col_t *out, larch_error_t *err)
{
	int rc = encoding_check(enc, type, err);
	if (rc)
		return rc;
	return encodings[enc].decode(type, in, len, max_values, out, err);
}
