/*
 * codec.c — page compression: codec_compress / codec_decompress for every
 * codec TsFile writes (format reference §8).
 *
 * Each page body is compressed on its own; the page header carries both the
 * compressed and the uncompressed size, so decompression always knows the
 * exact size it must produce.  Framing on disk:
 *
 *   id  codec         bytes of a compressed page body
 *   --  ------------  ----------------------------------------------------
 *    0  UNCOMPRESSED  the body itself
 *    1  SNAPPY        one raw Snappy block (varint length, then tags); no
 *                     framing format
 *    2  GZIP          one complete gzip member (RFC 1952 header, deflate
 *                     data, CRC32 + ISIZE trailer)
 *    7  LZ4           one raw LZ4 block: no frame, no size prefix
 *    8  ZSTD          one standard zstd frame (we write level 3)
 *    9  LZMA2         one .xz stream (stream header, one LZMA2 block, index,
 *                     footer) with a CRC64 check
 *
 * Decompression treats the bytes as hostile: the libraries are used only in
 * their bounded forms (the output buffer is exactly out_len bytes and no
 * library may write past it), the produced size must equal out_len, bytes
 * left over after a gzip member or xz stream are an error, and xz decoding
 * runs under a memory limit.  Page sizes are Java ints in the format, so
 * sizes above INT32_MAX are rejected before any library is called (which
 * also keeps every size within the libraries' int / uInt parameters).
 *
 * zlib and liblzma allocate through mem_* (their allocator hooks), so their
 * working memory is counted and allocation failures can be injected.
 * Snappy, LZ4 (stack state) and zstd allocate internally.
 */
#include <limits.h>
#include <lz4.h>
#include <lzma.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "tsfile_int.h"

#define CODEC_MAX_SIZE ((size_t)INT32_MAX)
#define ZSTD_WRITE_LEVEL 3
#define GZIP_WINDOW_BITS 31 /* 15-bit window, gzip wrapper */

/* The .xz decoder allocates the dictionary size its block header declares.
 * Java's XZOutputStream writes 8 MiB (preset 6); the largest preset (9)
 * declares 64 MiB and needs about 65 MiB to decode.  The limit admits every
 * preset and nothing larger. */
#define XZ_DECODE_MEMLIMIT ((uint64_t)80 << 20)

/*---------------------------------------------------------------------------
 * Allocator adapters
 *---------------------------------------------------------------------------*/

static voidpf zlib_alloc(voidpf opaque, uInt items, uInt size)
{
	(void)opaque;
	return mem_alloc((size_t)items * size); /* uInt * uInt fits in size_t */
}

static void zlib_free(voidpf opaque, voidpf p)
{
	(void)opaque;
	mem_free(p);
}

static void *xz_alloc(void *opaque, size_t nmemb, size_t size)
{
	(void)opaque;
	if (size && nmemb > SIZE_MAX / size)
		return NULL;
	return mem_alloc(nmemb * size);
}

static void xz_free(void *opaque, void *p)
{
	(void)opaque;
	mem_free(p);
}

static const lzma_allocator xz_allocator = {xz_alloc, xz_free, NULL};

static void zlib_stream_init(z_stream *zs)
{
	memset(zs, 0, sizeof *zs);
	zs->zalloc = zlib_alloc;
	zs->zfree = zlib_free;
}

/*---------------------------------------------------------------------------
 * Compression
 *---------------------------------------------------------------------------*/

/* Worst-case compressed size of n bytes (n <= CODEC_MAX_SIZE). */
static size_t codec_bound(tsfile_codec_t codec, size_t n)
{
	switch (codec) {
	case TSFILE_UNCOMPRESSED: return n;
	case TSFILE_SNAPPY: return snappy_max_compressed_length(n);
	/* compressBound allows for zlib's 6-byte wrapper; gzip's is 18 bytes */
	case TSFILE_GZIP: return (size_t)compressBound((uLong)n) + 12;
	case TSFILE_LZ4: return (size_t)LZ4_compressBound((int)n);
	case TSFILE_ZSTD: return ZSTD_compressBound(n);
	case TSFILE_LZMA2: return lzma_stream_buffer_bound(n);
	}
	return 0;
}

/* One gzip member of in[0..n) into dst[0..cap), cap >= codec_bound. */
static int gzip_compress(const uint8_t *in, size_t n, uint8_t *dst, size_t cap,
			 size_t *produced, larch_error_t *err)
{
	z_stream zs;
	zlib_stream_init(&zs);
	int zrc = deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, GZIP_WINDOW_BITS, 8,
			       Z_DEFAULT_STRATEGY);
	if (zrc != Z_OK)
		return err_set(err, zrc == Z_MEM_ERROR ? LARCH_NO_MEMORY : LARCH_INTERNAL_ERROR,
			       "GZIP: deflateInit2 failed (%d)", zrc);
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)n;
	zs.next_out = dst;
	zs.avail_out = (uInt)LR_MIN(cap, (size_t)UINT_MAX);
	zrc = deflate(&zs, Z_FINISH);
	*produced = zs.total_out;
	deflateEnd(&zs);
	if (zrc != Z_STREAM_END)
		return err_set(err, zrc == Z_MEM_ERROR ? LARCH_NO_MEMORY : LARCH_INTERNAL_ERROR,
			       "GZIP: deflate of %zu bytes failed (%d)", n, zrc);
	return LARCH_OK;
}

/* An .xz stream (CRC64) of in[0..n).  The options are liblzma's default
 * preset (6, as Java's XZOutputStream), but the dictionary is shrunk to the
 * input size: a dictionary larger than the data cannot find more matches,
 * so the output is as small, while encoder and decoder memory shrink from
 * ~94 MiB / 9 MiB to a few hundred KiB for a typical page. */
static int xz_compress(const uint8_t *in, size_t n, uint8_t *dst, size_t cap,
		       size_t *produced, larch_error_t *err)
{
	lzma_options_lzma opt;
	if (lzma_lzma_preset(&opt, LZMA_PRESET_DEFAULT))
		return err_set(err, LARCH_INTERNAL_ERROR, "LZMA2: preset unsupported by liblzma");
	if (opt.dict_size > n)
		opt.dict_size = (uint32_t)LR_MAX(n, (size_t)LZMA_DICT_SIZE_MIN);
	lzma_filter filters[] = {
		{LZMA_FILTER_LZMA2, &opt},
		{LZMA_VLI_UNKNOWN, NULL},
	};
	*produced = 0;
	lzma_ret lrc = lzma_stream_buffer_encode(filters, LZMA_CHECK_CRC64, &xz_allocator, in, n,
						 dst, produced, cap);
	if (lrc != LZMA_OK)
		return err_set(err, lrc == LZMA_MEM_ERROR ? LARCH_NO_MEMORY : LARCH_INTERNAL_ERROR,
			       "LZMA2: encoding %zu bytes failed (%d)", n, (int)lrc);
	return LARCH_OK;
}

/* Compress in[0..n) into dst[0..cap) (cap = codec_bound) with `codec`. */
static int codec_compress_into(tsfile_codec_t codec, const uint8_t *in, size_t n, uint8_t *dst,
			       size_t cap, size_t *produced, larch_error_t *err)
{
	switch (codec) {
	case TSFILE_UNCOMPRESSED:
		if (n)
			memcpy(dst, in, n);
		*produced = n;
		return LARCH_OK;
	case TSFILE_SNAPPY:
		*produced = cap;
		if (snappy_compress((const char *)in, n, (char *)dst, produced) != SNAPPY_OK)
			return err_set(err, LARCH_INTERNAL_ERROR, "SNAPPY: compression failed");
		return LARCH_OK;
	case TSFILE_GZIP:
		return gzip_compress(in, n, dst, cap, produced, err);
	case TSFILE_LZ4: {
		int r = LZ4_compress_default((const char *)in, (char *)dst, (int)n, (int)cap);
		if (r <= 0)
			return err_set(err, LARCH_INTERNAL_ERROR, "LZ4: compression failed");
		*produced = (size_t)r;
		return LARCH_OK;
	}
	case TSFILE_ZSTD: {
		size_t r = ZSTD_compress(dst, cap, in, n, ZSTD_WRITE_LEVEL);
		if (ZSTD_isError(r))
			return err_set(err, LARCH_INTERNAL_ERROR, "ZSTD: %s", ZSTD_getErrorName(r));
		*produced = r;
		return LARCH_OK;
	}
	case TSFILE_LZMA2:
		return xz_compress(in, n, dst, cap, produced, err);
	}
	return err_set(err, LARCH_UNSUPPORTED, "unknown codec %d", (int)codec);
}

/* Appends the compressed form of in[0..n) to out.  Fails with
 * LARCH_UNSUPPORTED for an unknown codec, LARCH_ILLEGAL_PARAMETER for n above
 * the format's 2 GiB page limit and LARCH_NO_MEMORY when out (or a codec's
 * working memory) cannot grow; out->len is then unchanged. */
int codec_compress(tsfile_codec_t codec, const uint8_t *in, size_t n, buf_t *out,
		   larch_error_t *err)
{
	if (!codec_is_valid((int)codec))
		return err_set(err, LARCH_UNSUPPORTED, "unknown codec %d", (int)codec);
	if (n > CODEC_MAX_SIZE)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "%s: page of %zu bytes exceeds the 2 GiB page limit",
			       tsfile_codec_name(codec), n);
	size_t cap = codec_bound(codec, n);
	if (buf_reserve(out, cap) < 0)
		return err_set(err, LARCH_NO_MEMORY, "%s: no memory for %zu output bytes",
			       tsfile_codec_name(codec), cap);
	size_t produced = 0;
	int rc = codec_compress_into(codec, in, n, out->data + out->len, cap, &produced, err);
	if (rc == LARCH_OK)
		out->len += produced;
	return rc;
}

/*---------------------------------------------------------------------------
 * Decompression
 *
 * Each decoder writes at most out_len bytes and reports how many it
 * produced; codec_decompress checks that this equals out_len.
 *---------------------------------------------------------------------------*/

static int snappy_decompress(const uint8_t *in, size_t n, uint8_t *out, size_t out_len,
			     size_t *produced, larch_error_t *err)
{
	size_t declared;
	if (snappy_uncompressed_length((const char *)in, n, &declared) != SNAPPY_OK)
		return err_set(err, LARCH_CORRUPTED, "SNAPPY: bad length header");
	if (declared != out_len)
		return err_set(err, LARCH_CORRUPTED,
			       "SNAPPY: block declares %zu bytes, page header %zu", declared,
			       out_len);
	*produced = out_len;
	if (snappy_uncompress((const char *)in, n, (char *)out, produced) != SNAPPY_OK)
		return err_set(err, LARCH_CORRUPTED, "SNAPPY: corrupt block");
	return LARCH_OK;
}

/* Exactly one gzip member spanning all of in[0..n). */
static int gzip_decompress(const uint8_t *in, size_t n, uint8_t *out, size_t out_len,
			   size_t *produced, larch_error_t *err)
{
	uint8_t none; /* zlib wants a valid next_out even when out_len is 0 */
	z_stream zs;
	zlib_stream_init(&zs);
	int zrc = inflateInit2(&zs, GZIP_WINDOW_BITS);
	if (zrc != Z_OK)
		return err_set(err, zrc == Z_MEM_ERROR ? LARCH_NO_MEMORY : LARCH_INTERNAL_ERROR,
			       "GZIP: inflateInit2 failed (%d)", zrc);
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)n;
	zs.next_out = out_len ? out : &none;
	zs.avail_out = (uInt)out_len;
	zrc = inflate(&zs, Z_FINISH);
	*produced = zs.total_out;
	size_t left = zs.avail_in;
	const char *why = zs.msg ? zs.msg : "inflate error";
	inflateEnd(&zs);
	switch (zrc) {
	case Z_STREAM_END:
		if (left)
			return err_set(err, LARCH_CORRUPTED, "GZIP: %zu bytes after the gzip member",
				       left);
		return LARCH_OK;
	case Z_MEM_ERROR:
		return err_set(err, LARCH_NO_MEMORY, "GZIP: no memory to inflate");
	case Z_BUF_ERROR: /* no progress possible: input used up, or output full */
		if (left == 0)
			return err_set(err, LARCH_CORRUPTED, "GZIP: truncated member");
		return err_set(err, LARCH_CORRUPTED, "GZIP: data exceeds the %zu-byte page",
			       out_len);
	default:
		return err_set(err, LARCH_CORRUPTED, "GZIP: corrupt member (%s)", why);
	}
}

/* Exactly one .xz stream spanning all of in[0..n). */
static int xz_decompress(const uint8_t *in, size_t n, uint8_t *out, size_t out_len,
			 size_t *produced, larch_error_t *err)
{
	uint64_t memlimit = XZ_DECODE_MEMLIMIT;
	size_t in_pos = 0;
	*produced = 0;
	lzma_ret lrc = lzma_stream_buffer_decode(&memlimit, 0, &xz_allocator, in, &in_pos, n, out,
						 produced, out_len);
	switch (lrc) {
	case LZMA_OK:
		if (in_pos != n)
			return err_set(err, LARCH_CORRUPTED, "LZMA2: %zu bytes after the xz stream",
				       n - in_pos);
		return LARCH_OK;
	case LZMA_MEM_ERROR:
		return err_set(err, LARCH_NO_MEMORY, "LZMA2: no memory to decode");
	case LZMA_MEMLIMIT_ERROR:
		return err_set(err, LARCH_CORRUPTED,
			       "LZMA2: stream needs %llu bytes of memory (limit %llu)",
			       (unsigned long long)memlimit,
			       (unsigned long long)XZ_DECODE_MEMLIMIT);
	case LZMA_BUF_ERROR:
		if (*produced == out_len)
			return err_set(err, LARCH_CORRUPTED,
				       "LZMA2: data exceeds the %zu-byte page", out_len);
		return err_set(err, LARCH_CORRUPTED, "LZMA2: truncated stream");
	default:
		return err_set(err, LARCH_CORRUPTED, "LZMA2: corrupt stream (%d)", (int)lrc);
	}
}

static int codec_decompress_into(tsfile_codec_t codec, const uint8_t *in, size_t n,
				 uint8_t *out, size_t out_len, size_t *produced,
				 larch_error_t *err)
{
	switch (codec) {
	case TSFILE_UNCOMPRESSED:
		if (n != out_len)
			return err_set(err, LARCH_CORRUPTED,
				       "UNCOMPRESSED: stored %zu bytes, page header %zu", n, out_len);
		if (n)
			memcpy(out, in, n);
		*produced = n;
		return LARCH_OK;
	case TSFILE_SNAPPY:
		return snappy_decompress(in, n, out, out_len, produced, err);
	case TSFILE_GZIP:
		return gzip_decompress(in, n, out, out_len, produced, err);
	case TSFILE_LZ4: {
		int r = LZ4_decompress_safe((const char *)in, (char *)out, (int)n, (int)out_len);
		if (r < 0)
			return err_set(err, LARCH_CORRUPTED, "LZ4: corrupt block or more than %zu bytes",
				       out_len);
		*produced = (size_t)r;
		return LARCH_OK;
	}
	case TSFILE_ZSTD: {
		size_t r = ZSTD_decompress(out, out_len, in, n);
		if (ZSTD_isError(r)) {
			int code = ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation
					   ? LARCH_NO_MEMORY
					   : LARCH_CORRUPTED;
			return err_set(err, code, "ZSTD: %s", ZSTD_getErrorName(r));
		}
		*produced = r;
		return LARCH_OK;
	}
	case TSFILE_LZMA2:
		return xz_decompress(in, n, out, out_len, produced, err);
	}
	return err_set(err, LARCH_CORRUPTED, "unknown codec %d", (int)codec);
}

/* Decompresses in[0..n) into exactly out[0..out_len).  Never writes past
 * out_len.  LARCH_CORRUPTED for an unknown codec, sizes beyond the format's
 * limit, malformed data, or data that decodes to any size but out_len;
 * LARCH_NO_MEMORY if a codec's working memory cannot be allocated.  The
 * contents of out are unspecified after a failure. */
int codec_decompress(tsfile_codec_t codec, const uint8_t *in, size_t n, uint8_t *out,
		     size_t out_len, larch_error_t *err)
{
	if (!codec_is_valid((int)codec))
		return err_set(err, LARCH_CORRUPTED, "unknown codec %d", (int)codec);
	if (n > CODEC_MAX_SIZE || out_len > CODEC_MAX_SIZE)
		return err_set(err, LARCH_CORRUPTED, "%s: page sizes %zu/%zu exceed 2 GiB",
			       tsfile_codec_name(codec), n, out_len);
	size_t produced = 0;
	int rc = codec_decompress_into(codec, in, n, out, out_len, &produced, err);
	if (rc == LARCH_OK && produced != out_len)
		return err_set(err, LARCH_CORRUPTED, "%s: page decodes to %zu bytes, header says %zu",
			       tsfile_codec_name(codec), produced, out_len);
	return rc;
}
