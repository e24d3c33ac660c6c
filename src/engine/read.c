/*
 * read.c — iterators of the embedded API: a series or a device's series
 * over a time range, as column blocks from storage.
 */
#include "engine_int.h"

struct larch_iter {
	storage_cursor_t *cur;
	larch_block_t block;
	larch_column_t *cols;
	char **names;           /* "device.measurement" per column */
	size_t n;
};

/* What the iterator needs to know of each series it reads. */
typedef struct read_target {
	arena_t *arena;
	buf_t refs;             /* storage_series_ref_t */
	buf_t paths;            /* char* */
	char *database;
	char *device;
	int aligned;
	int oom;
} read_target_t;

static int read_target_cb(void *arg, const schema_series_info_t *info)
{
	read_target_t *rt = arg;
	if (!rt->database) {
		rt->database = arena_strndup(rt->arena, info->path, info->db_len);
		rt->device = arena_strndup(rt->arena, info->path, info->device_len);
		rt->aligned = info->aligned;
	}
	storage_series_ref_t ref = {rt->device, info->sid,
				    arena_strndup(rt->arena, info->name, strlen(info->name)),
				    info->type};
	char *path = arena_strndup(rt->arena, info->path, info->path_len);
	if (!rt->database || !rt->device || !ref.measurement || !path) {
		rt->oom = 1;
		return 1;
	}
	buf_put(&rt->refs, &ref, sizeof ref);
	buf_put(&rt->paths, &path, sizeof path);
	return 0;
}

static int iter_open(larch_db_t *db, read_target_t *rt, int64_t start, int64_t end,
		     larch_iter_t **out, larch_error_t *err)
{
	size_t n = rt->refs.len / sizeof(storage_series_ref_t);
	larch_iter_t *it = NULL;
	int rc = LARCH_OK;
	if (rt->oom || !buf_ok(&rt->refs) || !buf_ok(&rt->paths))
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	if (n == 0)
		return err_set(err, LARCH_PATH_NOT_EXIST, "no series to read");
	it = mem_calloc(1, sizeof(*it));
	if (!it || !(it->cols = mem_calloc(n, sizeof(*it->cols))) ||
	    !(it->names = mem_calloc(n, sizeof(char *)))) {
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory");
		goto fail;
	}
	it->n = n;
	for (size_t i = 0; i < n; i++)
		if (!(it->names[i] = mem_strdup(((char **)(void *)rt->paths.data)[i]))) {
			rc = err_set(err, LARCH_NO_MEMORY, "out of memory");
			goto fail;
		}
	storage_read_t req = {rt->database, rt->device,
			      (const storage_series_ref_t *)(void *)rt->refs.data, n, rt->aligned,
			      start, end};
	if ((rc = storage_read(db->storage, &req, &it->cur, err)))
		goto fail;
	*out = it;
	return LARCH_OK;
fail:
	larch_iter_free(it);
	return rc;
}

static void read_target_free(read_target_t *rt)
{
	buf_free(&rt->refs);
	buf_free(&rt->paths);
	arena_free(rt->arena);
}

int larch_read_series(larch_db_t *db, const char *path, int64_t start, int64_t end,
		      larch_iter_t **out, larch_error_t *err)
{
	*out = NULL;
	read_target_t rt = {.arena = arena_new(0)};
	if (!rt.arena)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	int rc = schema_series_find(db->schema, path, read_target_cb, &rt, err);
	if (!rc)
		rc = iter_open(db, &rt, start, end, out, err);
	read_target_free(&rt);
	return rc;
}

int larch_read_device(larch_db_t *db, const char *device, const char *const *measurements,
		      size_t n, int64_t start, int64_t end, larch_iter_t **out,
		      larch_error_t *err)
{
	*out = NULL;
	read_target_t rt = {.arena = arena_new(0)};
	if (!rt.arena)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	int rc = LARCH_OK;
	buf_t path = BUF_INIT;
	if (!measurements) { /* every measurement of the device: device.* */
		buf_put(&path, device, strlen(device));
		buf_put(&path, ".*", 3);
		rc = buf_ok(&path) ? schema_match_series(db->schema, (const char *)path.data, NULL, 0,
							 0, read_target_cb, &rt, err)
				   : err_set(err, LARCH_NO_MEMORY, "out of memory");
		if (!rc && rt.refs.len == 0)
			rc = err_set(err, LARCH_PATH_NOT_EXIST, "Path [%s] does not exist", device);
	}
	for (size_t i = 0; measurements && i < n && !rc; i++) {
		buf_reset(&path);
		buf_put(&path, device, strlen(device));
		buf_put_u8(&path, '.');
		buf_put(&path, measurements[i], strlen(measurements[i]) + 1);
		rc = buf_ok(&path) ? schema_series_find(db->schema, (const char *)path.data,
							read_target_cb, &rt, err)
				   : err_set(err, LARCH_NO_MEMORY, "out of memory");
	}
	if (!rc)
		rc = iter_open(db, &rt, start, end, out, err);
	buf_free(&path);
	read_target_free(&rt);
	return rc;
}

int larch_iter_next(larch_iter_t *it, larch_error_t *err)
{
	const storage_block_t *b;
	int rc = storage_cursor_next(it->cur, &b, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < b->n_columns && i < it->n; i++)
		it->cols[i] = (larch_column_t){b->columns[i].type, b->columns[i].values,
					       b->columns[i].nulls};
	it->block = (larch_block_t){b->n_rows, b->times, LR_MIN(b->n_columns, it->n), it->cols};
	return LARCH_OK;
}

const larch_block_t *larch_iter_block(const larch_iter_t *it)
{
	return &it->block;
}

const char *larch_iter_column_name(const larch_iter_t *it, size_t i)
{
	return i < it->n ? it->names[i] : NULL;
}

void larch_iter_free(larch_iter_t *it)
{
	if (!it)
		return;
	storage_cursor_free(it->cur);
	for (size_t i = 0; it->names && i < it->n; i++)
		mem_free(it->names[i]);
	mem_free(it->names);
	mem_free(it->cols);
	mem_free(it);
}
