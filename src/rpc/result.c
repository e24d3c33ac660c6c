/*
 * result.c — query results in the two wire formats the clients read:
 * V2 serialized TsBlocks (queryResult) and the V1 TSQueryDataSet.  Both
 * are built from larch_block_t row ranges (a time column plus typed value
 * columns with a nulls array), column by column, so the inner loops are
 * plain byte-order copies.
 */
#include "rpc/rpc.h"

const char *rpc_type_name(tsfile_type_t t)
{
	switch (t) {
	case TSFILE_BOOLEAN: return "BOOLEAN";
	case TSFILE_INT32: return "INT32";
	case TSFILE_INT64: return "INT64";
	case TSFILE_FLOAT: return "FLOAT";
	case TSFILE_DOUBLE: return "DOUBLE";
	case TSFILE_TEXT: return "TEXT";
	case TSFILE_TIMESTAMP: return "TIMESTAMP";
	case TSFILE_DATE: return "DATE";
	case TSFILE_BLOB: return "BLOB";
	case TSFILE_STRING: return "STRING";
	default: return NULL;
	}
}

/* Physical form of a logical type in a TsBlock:
 *
 *   logical                    type byte  encoding          value bytes
 *   BOOLEAN                    0          0 BYTE_ARRAY      1 bit per row
 *   INT32, DATE                1          1 INT32_ARRAY     4 per non-null row
 *   FLOAT                      3          1 INT32_ARRAY     4 (IEEE bits)
 *   INT64, TIMESTAMP           2          2 INT64_ARRAY     8 per non-null row
 *   DOUBLE                     4          2 INT64_ARRAY     8 (IEEE bits)
 *   TEXT, STRING, BLOB         5          3 BINARY_ARRAY    i32 len + bytes
 *
 * Returns the value width (0 for BOOLEAN and binary) or -1 if unsupported. */
static int block_form(tsfile_type_t t, uint8_t *phys, uint8_t *enc)
{
	switch (t) {
	case TSFILE_BOOLEAN: *phys = 0; *enc = 0; return 0;
	case TSFILE_INT32:
	case TSFILE_DATE: *phys = 1; *enc = 1; return 4;
	case TSFILE_FLOAT: *phys = 3; *enc = 1; return 4;
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP: *phys = 2; *enc = 2; return 8;
	case TSFILE_DOUBLE: *phys = 4; *enc = 2; return 8;
	case TSFILE_TEXT:
	case TSFILE_STRING:
	case TSFILE_BLOB: *phys = 5; *enc = 3; return 0;
	default: return -1;
	}
}

static int is_binary(tsfile_type_t t)
{
	return t == TSFILE_TEXT || t == TSFILE_STRING || t == TSFILE_BLOB;
}

static size_t count_nulls(const uint8_t *nulls, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; nulls && i < n; i++)
		k += nulls[i] != 0;
	return k;
}

/* ceil(n/8) bytes, MSB first: bit (0x80 >> i%8) of byte i/8 is set when
 * flag[i] != 0 (or == 0 if invert).  Returns 0 on oom. */
static int put_bits(buf_t *out, const uint8_t *flag, size_t n, int invert)
{
	uint8_t *p = buf_extend(out, (n + 7) / 8);
	if (!p)
		return 0;
	memset(p, 0, (n + 7) / 8);
	for (size_t i = 0; i < n; i++)
		if ((flag[i] != 0) != invert)
			p[i >> 3] |= (uint8_t)(0x80 >> (i & 7));
	return 1;
}

/* Non-null fixed-width values of rows [0, n) of v (4 or 8 bytes each, host
 * order) as big-endian. */
static void put_fixed(buf_t *out, const uint8_t *v, int width, const uint8_t *nulls, size_t n)
{
	uint8_t *p = buf_extend(out, (n - count_nulls(nulls, n)) * (size_t)width);
	if (!p)
		return;
	for (size_t i = 0; i < n; i++) {
		if (nulls && nulls[i])
			continue;
		if (width == 4) {
			uint32_t u;
			memcpy(&u, v + 4 * i, 4);
			store_be32(p, u);
		} else {
			uint64_t u;
			memcpy(&u, v + 8 * i, 8);
			store_be64(p, u);
		}
		p += width;
	}
}

/* Non-null binary values: i32 length + bytes each. */
static void put_binaries(buf_t *out, const tsfile_bytes_t *v, const uint8_t *nulls, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (nulls && nulls[i])
			continue;
		buf_put_be32(out, v[i].len);
		buf_put(out, v[i].ptr, v[i].len);
	}
}

static int check_range(const larch_block_t *b, size_t off, size_t n, int need_rows,
		       larch_error_t *err)
{
	if (off > b->n_rows || n > b->n_rows - off || (need_rows && n == 0))
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "result: rows [%zu, +%zu) outside a block of %zu rows", off, n,
			       b->n_rows);
	uint8_t phys, enc;
	for (size_t c = 0; c < b->n_columns; c++)
		if (block_form(b->columns[c].type, &phys, &enc) < 0)
			return err_set(err, LARCH_ILLEGAL_PARAMETER,
				       "result: column %zu has unsupported type %d", c,
				       (int)b->columns[c].type);
	return LARCH_OK;
}

/* One TsBlock value column: null section, then values (see block_form). */
static void tsblock_column(buf_t *out, const larch_column_t *col, size_t off, size_t n)
{
	uint8_t phys, enc;
	int width = block_form(col->type, &phys, &enc);
	size_t esize = tsfile_type_size(col->type);
	const uint8_t *v = (const uint8_t *)col->values + off * esize;
	const uint8_t *nulls = col->nulls ? col->nulls + off : NULL;
	int has_null = count_nulls(nulls, n) > 0;

	buf_put_u8(out, (uint8_t)has_null);
	if (has_null && !put_bits(out, nulls, n, 0))
		return;
	if (!has_null)
		nulls = NULL;
	if (col->type == TSFILE_BOOLEAN) {
		/* all rows; a null row's bit is 0 */
		uint8_t *p = buf_extend(out, (n + 7) / 8);
		if (!p)
			return;
		memset(p, 0, (n + 7) / 8);
		for (size_t i = 0; i < n; i++)
			if (v[i] && !(nulls && nulls[i]))
				p[i >> 3] |= (uint8_t)(0x80 >> (i & 7));
	} else if (width > 0) {
		put_fixed(out, v, width, nulls, n);
	} else {
		put_binaries(out, (const tsfile_bytes_t *)v, nulls, n);
	}
}

/* Serialized TsBlock:
 *   i32 value column count C | C x u8 physical type | i32 rows P |
 *   (C+1) x u8 encoding (time first) | time column | C value columns
 * The time column is INT64_ARRAY without nulls: 00 + P x i64. */
int rpc_tsblock_encode(buf_t *out, const larch_block_t *b, size_t off, size_t n,
		       larch_error_t *err)
{
	int rc = check_range(b, off, n, 1, err);
	if (rc)
		return rc;
	uint8_t phys, enc;
	buf_put_be32(out, (uint32_t)b->n_columns);
	for (size_t c = 0; c < b->n_columns; c++) {
		block_form(b->columns[c].type, &phys, &enc);
		buf_put_u8(out, phys);
	}
	buf_put_be32(out, (uint32_t)n);
	buf_put_u8(out, 2);
	for (size_t c = 0; c < b->n_columns; c++) {
		block_form(b->columns[c].type, &phys, &enc);
		buf_put_u8(out, enc);
	}
	buf_put_u8(out, 0);
	put_fixed(out, (const uint8_t *)(b->times + off), 8, NULL, n);
	for (size_t c = 0; c < b->n_columns; c++)
		tsblock_column(out, &b->columns[c], off, n);
	if (!buf_ok(out))
		return err_set(err, LARCH_NO_MEMORY, "result: out of memory for a TsBlock");
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * V1 TSQueryDataSet: 1 time binary | 2 valueList list<binary> |
 * 3 bitmapList list<binary>, all required.
 *   time        R x i64
 *   valueList   per column, non-null values: BOOLEAN 1 byte, INT32/DATE i32,
 *               INT64/TIMESTAMP i64, FLOAT f32, DOUBLE f64, binary i32 len + bytes
 *   bitmapList  per column, ceil(R/8) bytes, MSB first, bit set = PRESENT
 *---------------------------------------------------------------------------*/

int rpc_qds_init(rpc_qds_t *q, const tsfile_type_t *types, size_t n_columns, larch_error_t *err)
{
	uint8_t phys, enc;
	memset(q, 0, sizeof *q);
	for (size_t c = 0; c < n_columns; c++)
		if (block_form(types[c], &phys, &enc) < 0)
			return err_set(err, LARCH_ILLEGAL_PARAMETER,
				       "result: column %zu has unsupported type %d", c, (int)types[c]);
	q->types = mem_calloc(n_columns + 1, sizeof *q->types);
	q->values = mem_calloc(n_columns + 1, sizeof *q->values);
	q->bitmaps = mem_calloc(n_columns + 1, sizeof *q->bitmaps);
	if (!q->types || !q->values || !q->bitmaps) {
		rpc_qds_free(q);
		return err_set(err, LARCH_NO_MEMORY, "result: out of memory for a data set");
	}
	if (n_columns)
		memcpy(q->types, types, n_columns * sizeof *types);
	q->n_columns = n_columns;
	return LARCH_OK;
}

/* Append the presence bits of n rows to a bitmap that already holds `have`
 * rows (its last byte may be partial, filled from the MSB). */
static void append_presence(buf_t *bm, size_t have, const uint8_t *nulls, size_t n)
{
	size_t need = (have + n + 7) / 8;
	if (need > bm->len) {
		size_t add = need - bm->len;
		uint8_t *p = buf_extend(bm, add);
		if (!p)
			return;
		memset(p, 0, add);
	}
	for (size_t i = 0; i < n; i++) {
		size_t r = have + i;
		if (!(nulls && nulls[i]))
			bm->data[r >> 3] |= (uint8_t)(0x80 >> (r & 7));
	}
}

int rpc_qds_append(rpc_qds_t *q, const larch_block_t *b, size_t off, size_t n,
		   larch_error_t *err)
{
	int rc = check_range(b, off, n, 0, err);
	if (rc)
		return rc;
	if (b->n_columns != q->n_columns)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "result: block of %zu columns for a data set of %zu", b->n_columns,
			       q->n_columns);
	put_fixed(&q->time, (const uint8_t *)(b->times + off), 8, NULL, n);
	int oom = !buf_ok(&q->time);
	for (size_t c = 0; c < q->n_columns; c++) {
		const larch_column_t *col = &b->columns[c];
		size_t esize = tsfile_type_size(col->type);
		const uint8_t *v = (const uint8_t *)col->values + off * esize;
		const uint8_t *nulls = col->nulls ? col->nulls + off : NULL;
		buf_t *out = &q->values[c];
		if (col->type != q->types[c])
			return err_set(err, LARCH_ILLEGAL_PARAMETER,
				       "result: column %zu is %s, the data set's is %s", c,
				       rpc_type_name(col->type), rpc_type_name(q->types[c]));
		append_presence(&q->bitmaps[c], q->n_rows, nulls, n);
		if (col->type == TSFILE_BOOLEAN) {
			for (size_t i = 0; i < n; i++)
				if (!(nulls && nulls[i]))
					buf_put_u8(out, v[i] != 0);
		} else if (is_binary(col->type)) {
			put_binaries(out, (const tsfile_bytes_t *)v, nulls, n);
		} else {
			put_fixed(out, v, (int)esize, nulls, n);
		}
		oom |= !buf_ok(out) || !buf_ok(&q->bitmaps[c]);
	}
	if (oom)
		return err_set(err, LARCH_NO_MEMORY, "result: out of memory for a data set");
	q->n_rows += n;
	return LARCH_OK;
}

void rpc_qds_reset(rpc_qds_t *q)
{
	buf_reset(&q->time);
	for (size_t c = 0; c < q->n_columns; c++) {
		buf_reset(&q->values[c]);
		buf_reset(&q->bitmaps[c]);
	}
	q->n_rows = 0;
}

void rpc_qds_free(rpc_qds_t *q)
{
	buf_free(&q->time);
	for (size_t c = 0; q->values && c < q->n_columns; c++) {
		buf_free(&q->values[c]);
		buf_free(&q->bitmaps[c]);
	}
	mem_free(q->types);
	mem_free(q->values);
	mem_free(q->bitmaps);
	memset(q, 0, sizeof *q);
}

static void write_buf_list(rpc_writer_t *w, int16_t id, const buf_t *v, size_t n)
{
	rpc_write_field(w, RPC_T_LIST, id);
	rpc_write_list_begin(w, RPC_T_STRING, n);
	for (size_t i = 0; i < n; i++)
		rpc_write_binary(w, v[i].data, v[i].len);
}

void rpc_write_qds(rpc_writer_t *w, const rpc_qds_t *q)
{
	rpc_write_struct_begin(w);
	rpc_write_field_binary(w, 1, q->time.data, q->time.len);
	write_buf_list(w, 2, q->values, q->n_columns);
	write_buf_list(w, 3, q->bitmaps, q->n_columns);
	rpc_write_struct_end(w);
}
