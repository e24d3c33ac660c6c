/*
 * writer.c — the TsFile writer API of include/larch/tsfile.h: configuration,
 * opening (new file or force append), schema registration (tree devices,
 * aligned devices, file-wide measurements, table-model tables), writing
 * records, tablets and table tablets, flushing chunk groups and closing.
 *
 * Every write is validated completely before anything is buffered: a
 * rejected call changes nothing.  Buffering then happens in two phases,
 * reserve (may fail, changes nothing visible) and commit (cannot fail), so
 * even out-of-memory leaves the writer as it was.  Pages and chunk groups
 * are produced by chunk_writer.c, the index and footer by index_writer.c.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "writer_int.h"

/*---------------------------------------------------------------------------
 * Configuration
 *---------------------------------------------------------------------------*/

void tsfile_config_default(tsfile_config_t *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->page_max_points = 10000;
	cfg->page_max_bytes = 65536;
	cfg->chunk_group_max_bytes = 128ull << 20;
	cfg->time_encoding = TSFILE_TS_2DIFF;
	cfg->time_codec = TSFILE_LZ4;
	cfg->default_codec = TSFILE_LZ4;
	for (size_t i = 0; i < LR_ARRAY_LEN(cfg->default_encoding); i++)
		cfg->default_encoding[i] = TSFILE_PLAIN;
	cfg->default_encoding[TSFILE_INT32] = TSFILE_TS_2DIFF;
	cfg->default_encoding[TSFILE_INT64] = TSFILE_TS_2DIFF;
	cfg->default_encoding[TSFILE_DATE] = TSFILE_TS_2DIFF;
	cfg->default_encoding[TSFILE_TIMESTAMP] = TSFILE_TS_2DIFF;
	cfg->default_encoding[TSFILE_FLOAT] = TSFILE_GORILLA;
	cfg->default_encoding[TSFILE_DOUBLE] = TSFILE_GORILLA;
	cfg->float_precision = 2;
	cfg->max_index_degree = 256;
	cfg->bloom_error_rate = 0.05;
	cfg->compress_threads = 1;
}

static int config_check(const tsfile_config_t *c, larch_error_t *err)
{
	if (c->page_max_points == 0 || c->page_max_bytes == 0 || c->chunk_group_max_bytes == 0)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "page and chunk group limits must be > 0");
	if (c->max_index_degree < 2)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "max_index_degree must be >= 2, got %u",
			       c->max_index_degree);
	if (!tsfile_encoding_supports(c->time_encoding, TSFILE_INT64))
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "time encoding %d cannot encode times",
			       (int)c->time_encoding);
	if (!codec_is_valid(c->time_codec) || !codec_is_valid(c->default_codec))
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "unknown compression codec");
	if (c->float_precision < 0)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "float_precision must be >= 0");
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Hash map
 *---------------------------------------------------------------------------*/

static uint32_t wmap_hash(const char *k, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)k[i]) * 16777619u;
	return h;
}

static void *wmap_get(const wmap_t *m, const char *k, size_t n)
{
	if (!m->cap)
		return NULL;
	uint32_t h = wmap_hash(k, n);
	for (uint32_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		const wmap_slot_t *s = &m->slots[i];
		if (!s->key)
			return NULL;
		if (s->hash == h && s->len == n && memcmp(s->key, k, n) == 0)
			return s->val;
	}
}

/* Insert a key known to be absent.  0 ok, LARCH_NO_MEMORY. */
static int wmap_put(wmap_t *m, const char *k, size_t n, void *val)
{
	if ((m->n + 1) * 4 > m->cap * 3) {
		uint32_t cap = m->cap ? m->cap * 2 : 16;
		wmap_slot_t *slots = mem_calloc(cap, sizeof(*slots));
		if (!slots)
			return LARCH_NO_MEMORY;
		for (uint32_t i = 0; i < m->cap; i++) {
			wmap_slot_t *s = &m->slots[i];
			if (!s->key)
				continue;
			uint32_t j = s->hash & (cap - 1);
			while (slots[j].key)
				j = (j + 1) & (cap - 1);
			slots[j] = *s;
		}
		mem_free(m->slots);
		m->slots = slots;
		m->cap = cap;
	}
	uint32_t h = wmap_hash(k, n);
	uint32_t i = h & (m->cap - 1);
	while (m->slots[i].key)
		i = (i + 1) & (m->cap - 1);
	m->slots[i] = (wmap_slot_t){k, (uint32_t)n, h, val};
	m->n++;
	return LARCH_OK;
}

static void wmap_free(wmap_t *m)
{
	mem_free(m->slots);
	memset(m, 0, sizeof(*m));
}

/* Grow an array of pointers by one slot. */
static int ptr_push(void ***arr, uint32_t *n, uint32_t *cap, void *p)
{
	if (*n == *cap) {
		uint32_t nc = *cap ? *cap * 2 : 8;
		void **a = mem_realloc(*arr, sizeof(*a) * nc);
		if (!a)
			return LARCH_NO_MEMORY;
		*arr = a;
		*cap = nc;
	}
	(*arr)[(*n)++] = p;
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Devices and columns
 *---------------------------------------------------------------------------*/

/* Serialize id into w->key (the map key of a device). */
static int device_key(tsfile_writer_t *w, const device_id_t *id)
{
	buf_reset(&w->key);
	meta_device_write(&w->key, id, TSFILE_VERSION);
	return buf_ok(&w->key) ? LARCH_OK : LARCH_NO_MEMORY;
}

/* Find a device by id; NULL if absent. */
static wdev_t *writer_device_find(tsfile_writer_t *w, const device_id_t *id)
{
	if (device_key(w, id))
		return NULL;
	return wmap_get(&w->dev_map, (const char *)w->key.data, w->key.len);
}

static void wdev_free(wdev_t *d)
{
	if (!d)
		return;
	for (uint32_t i = 0; i < d->n_cols; i++) {
		wcol_free(d->cols[i]);
		mem_free(d->cols[i]);
	}
	mem_free(d->cols);
	wmap_free(&d->col_map);
	if (d->time) {
		wcol_free(d->time);
		mem_free(d->time);
	}
	mem_free(d);
}

int writer_device_get(tsfile_writer_t *w, const device_id_t *id, int aligned, int table,
		      wdev_t **out, int *created, larch_error_t *err)
{
	*created = 0;
	if (device_key(w, id))
		return err_set(err, LARCH_NO_MEMORY, "out of memory looking up a device");
	wdev_t *d = wmap_get(&w->dev_map, (const char *)w->key.data, w->key.len);
	if (d) {
		*out = d;
		return LARCH_OK;
	}
	char *key = arena_alloc(w->arena, w->key.len);
	d = mem_calloc(1, sizeof(*d));
	if (!key || !d || meta_device_copy(id, w->arena, &d->id) ||
	    !(d->path = meta_device_path(id, w->arena)))
		goto oom;
	memcpy(key, w->key.data, w->key.len);
	d->aligned = aligned;
	d->table = table;
	if (aligned) {
		if (!(d->time = mem_alloc(sizeof(*d->time))))
			goto oom;
		wcol_init(d->time, TSFILE_VECTOR, META_MASK_TIME);
		d->time->name.ptr = "";
		d->time->registered = 1;
		d->time->codec = w->cfg.time_codec;
		d->time->encoding = w->cfg.time_encoding;
	}
	if (ptr_push((void ***)&w->devs, &w->n_devs, &w->cap_devs, d))
		goto oom;
	if (wmap_put(&w->dev_map, key, w->key.len, d)) {
		w->n_devs--;
		goto oom;
	}
	*out = d;
	*created = 1;
	return LARCH_OK;
oom:
	wdev_free(d);
	return err_set(err, LARCH_NO_MEMORY, "out of memory adding a device");
}

wcol_t *writer_column_find(const wdev_t *d, const char *name, size_t len)
{
	return wmap_get(&d->col_map, name, len);
}

int writer_column_add(tsfile_writer_t *w, wdev_t *d, const wschema_t *s, wcol_t **out,
		      larch_error_t *err)
{
	wcol_t *c = mem_alloc(sizeof(*c));
	if (!c)
		return err_set(err, LARCH_NO_MEMORY, "out of memory adding a column");
	wcol_init(c, s->type, d->aligned ? META_MASK_VALUE : 0);
	c->encoding = s->encoding;
	c->codec = s->codec;
	c->params.float_precision = s->precision;
	char *name = arena_strndup(w->arena, s->name.ptr, s->name.len);
	if (!name || (d->aligned && wcol_pad(c, d->time->chunk.n_pages, d->open_rows)) ||
	    ptr_push((void ***)&d->cols, &d->n_cols, &d->cap_cols, c))
		goto oom;
	c->name.ptr = name;
	c->name.len = s->name.len;
	if (wmap_put(&d->col_map, name, s->name.len, c)) {
		d->n_cols--;
		goto oom;
	}
	*out = c;
	return LARCH_OK;
oom:
	wcol_free(c);
	mem_free(c);
	return err_set(err, LARCH_NO_MEMORY, "out of memory adding a column");
}

/*---------------------------------------------------------------------------
 * File I/O
 *---------------------------------------------------------------------------*/

int writer_io_write(tsfile_writer_t *w, const void *p, size_t n, larch_error_t *err)
{
	const uint8_t *b = p;
	while (n > 0) {
		ssize_t k = pwrite(w->fd, b, n, (off_t)w->pos);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			w->broken = 1;
			return err_set(err, LARCH_STORAGE_ERROR, "write %s at offset %llu: %s", w->path,
				       (unsigned long long)w->pos, k < 0 ? strerror(errno) : "no progress");
		}
		b += k;
		n -= (size_t)k;
		w->pos += (uint64_t)k;
	}
	return LARCH_OK;
}

int writer_io_writev(tsfile_writer_t *w, struct iovec *iov, int n, larch_error_t *err)
{
	while (n > 0) {
		ssize_t k = pwritev(w->fd, iov, n, (off_t)w->pos);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			w->broken = 1;
			return err_set(err, LARCH_STORAGE_ERROR, "write %s at offset %llu: %s", w->path,
				       (unsigned long long)w->pos, k < 0 ? strerror(errno) : "no progress");
		}
		w->pos += (uint64_t)k;
		size_t done = (size_t)k;
		while (n > 0 && done >= iov->iov_len) {
			done -= iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) { /* a short write ended inside *iov */
			iov->iov_base = (uint8_t *)iov->iov_base + done;
			iov->iov_len -= done;
		}
	}
	return LARCH_OK;
}

static void writer_free(tsfile_writer_t *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	for (uint32_t i = 0; i < w->n_devs; i++)
		wdev_free(w->devs[i]);
	mem_free(w->devs);
	wmap_free(&w->dev_map);
	for (uint32_t i = 0; i < w->templates.cap; i++)
		mem_free(w->templates.slots[i].val);
	wmap_free(&w->templates);
	mem_free(w->tables);
	buf_free(&w->enc_time);
	buf_free(&w->enc_vals);
	buf_free(&w->page);
	buf_free(&w->chunk);
	buf_free(&w->group);
	buf_free(&w->segs);
	buf_free(&w->key);
	col_free(&w->tmp_times);
	writer_jobs_free(w);
	arena_free(w->scratch);
	arena_free(w->arena);
	mem_free(w->path);
	mem_free(w);
}

/* Allocate a writer for `path` with configuration cfg (NULL: defaults). */
static int writer_new(const char *path, const tsfile_config_t *cfg, tsfile_writer_t **out,
		      larch_error_t *err)
{
	tsfile_config_t c;
	if (cfg)
		c = *cfg;
	else
		tsfile_config_default(&c);
	int rc = config_check(&c, err);
	if (rc)
		return rc;
	c.bloom_error_rate = LR_MIN(LR_MAX(c.bloom_error_rate, 0.01), 0.1);
	c.compress_threads = LR_MIN(c.compress_threads, 16u);
	tsfile_writer_t *w = mem_calloc(1, sizeof(*w));
	if (!w)
		return err_set(err, LARCH_NO_MEMORY, "out of memory opening %s", path);
	w->fd = -1;
	w->cfg = c;
	col_init(&w->tmp_times, TSFILE_INT64);
	w->path = mem_strdup(path);
	w->arena = arena_new(0);
	w->scratch = arena_new(0);
	if (!w->path || !w->arena || !w->scratch) {
		writer_free(w);
		return err_set(err, LARCH_NO_MEMORY, "out of memory opening %s", path);
	}
	*out = w;
	return LARCH_OK;
}

int tsfile_writer_open(const char *path, const tsfile_config_t *cfg, tsfile_writer_t **out,
		       larch_error_t *err)
{
	tsfile_writer_t *w;
	int rc = writer_new(path, cfg, &w, err);
	if (rc)
		return rc;
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		rc = err_set(err, LARCH_STORAGE_ERROR, "open %s: %s", path, strerror(errno));
		goto fail;
	}
	uint8_t head[TSFILE_MAGIC_LEN + 1];
	memcpy(head, TSFILE_MAGIC, TSFILE_MAGIC_LEN);
	head[TSFILE_MAGIC_LEN] = TSFILE_VERSION;
	if ((rc = writer_io_write(w, head, sizeof head, err)))
		goto fail;
	*out = w;
	return LARCH_OK;
fail:
	writer_free(w);
	return rc;
}

int tsfile_writer_open_append(const char *path, const tsfile_config_t *cfg,
			      tsfile_writer_t **out, larch_error_t *err)
{
	tsfile_writer_t *w;
	struct stat st;
	int rc = writer_new(path, cfg, &w, err);
	if (rc)
		return rc;
	w->fd = open(path, O_RDWR | O_CLOEXEC);
	if (w->fd < 0 || fstat(w->fd, &st) < 0) {
		rc = err_set(err, LARCH_STORAGE_ERROR, "open %s: %s", path, strerror(errno));
		goto fail;
	}
	w->pos = (uint64_t)st.st_size;
	if ((rc = writer_load_existing(w, err)))
		goto fail;
	*out = w;
	return LARCH_OK;
fail:
	writer_free(w);
	return rc;
}

uint64_t tsfile_writer_file_size(const tsfile_writer_t *w)
{
	return w->pos;
}

static int writer_check(const tsfile_writer_t *w, larch_error_t *err)
{
	if (w->broken)
		return err_set(err, LARCH_STORAGE_ERROR,
			       "writer of %s failed earlier; only close or abort remain", w->path);
	return LARCH_OK;
}

static int dev_cmp(const void *a, const void *b)
{
	return meta_device_cmp(&(*(wdev_t *const *)a)->id, &(*(wdev_t *const *)b)->id);
}

int tsfile_writer_flush(tsfile_writer_t *w, larch_error_t *err)
{
	int rc = writer_check(w, err);
	if (rc)
		return rc;
	/* chunk groups in device order, as the official writers do */
	if (w->n_devs)
		qsort(w->devs, w->n_devs, sizeof(*w->devs), dev_cmp);
	for (uint32_t i = 0; i < w->n_devs && !rc; i++)
		rc = wdev_flush(w, w->devs[i], err);
	return rc;
}

int tsfile_writer_close(tsfile_writer_t *w, larch_error_t *err)
{
	int rc = tsfile_writer_flush(w, err);
	if (!rc)
		rc = index_write(w, err);
	if (!rc && fsync(w->fd) < 0)
		rc = err_set(err, LARCH_STORAGE_ERROR, "fsync %s: %s", w->path, strerror(errno));
	if (w->fd >= 0 && close(w->fd) < 0 && !rc)
		rc = err_set(err, LARCH_STORAGE_ERROR, "close %s: %s", w->path, strerror(errno));
	w->fd = -1;
	writer_free(w);
	return rc;
}

void tsfile_writer_abort(tsfile_writer_t *w)
{
	writer_free(w);
}

/*---------------------------------------------------------------------------
 * Registration
 *---------------------------------------------------------------------------*/

/* Resolve m against the defaults into s (name not copied) and check it. */
static int schema_resolve(tsfile_writer_t *w, const tsfile_measurement_t *m, wschema_t *s,
			  larch_error_t *err)
{
	if (!m->name || !m->name[0])
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "measurement name is empty");
	if (!type_is_valid(m->type))
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "measurement '%s': bad data type %d",
			       m->name, (int)m->type);
	s->name.ptr = m->name;
	s->name.len = (uint32_t)strlen(m->name);
	s->type = m->type;
	s->encoding = m->encoding < 0 ? w->cfg.default_encoding[m->type]
				      : (tsfile_encoding_t)m->encoding;
	s->codec = m->codec < 0 ? w->cfg.default_codec : (tsfile_codec_t)m->codec;
	s->precision = m->max_point_number < 0 ? w->cfg.float_precision : m->max_point_number;
	if (!tsfile_encoding_supports(s->encoding, s->type))
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "measurement '%s': encoding %s cannot "
			       "encode %s", m->name, tsfile_encoding_name(s->encoding),
			       tsfile_type_name(s->type));
	if (!codec_is_valid(s->codec))
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "measurement '%s': unknown codec %d",
			       m->name, (int)s->codec);
	/* an encoding this build lacks fails here rather than at the first flush */
	static const int64_t none[1];
	enc_params_t p = {s->precision};
	buf_reset(&w->enc_vals);
	int rc = encode_stream(s->encoding, s->type, &p, none, 0, &w->enc_vals, err);
	if (rc)
		err_prefix(err, "measurement '%s'", m->name);
	return rc;
}

static int schema_equal(const wschema_t *s, const wcol_t *c)
{
	return s->type == c->type && s->encoding == c->encoding && s->codec == c->codec;
}

static int schema_conflict(larch_error_t *err, const char *device, const wschema_t *s)
{
	return err_set(err, LARCH_METADATA_ERROR,
		       "measurement '%s' of %s is already registered with another type, "
		       "encoding or codec", s->name.ptr, device ? device : "every device");
}

/* Check registering s on existing column c (NULL: none).  For a column
 * only known from the file, only the data type has to agree. */
static int schema_check_column(const wschema_t *s, const wcol_t *c, const char *device,
			       larch_error_t *err)
{
	if (!c)
		return LARCH_OK;
	if (c->registered ? !schema_equal(s, c) : s->type != c->type)
		return schema_conflict(err, device, s);
	return LARCH_OK;
}

/* Register s on d: adopt an existing column or add a new one. */
static int schema_apply(tsfile_writer_t *w, wdev_t *d, const wschema_t *s, larch_error_t *err)
{
	wcol_t *c = writer_column_find(d, s->name.ptr, s->name.len);
	if (!c) {
		int rc = writer_column_add(w, d, s, &c, err);
		if (rc)
			return rc;
	}
	c->encoding = s->encoding;
	c->codec = s->codec;
	c->params.float_precision = s->precision;
	c->registered = 1;
	return LARCH_OK;
}

/* Parse a tree device path into w->scratch. */
static int parse_device(tsfile_writer_t *w, const char *path, device_id_t *id, larch_error_t *err)
{
	if (!path)
		return err_set(err, LARCH_ILLEGAL_PATH, "device path is NULL");
	arena_reset(w->scratch);
	return meta_device_from_path(path, strlen(path), TSFILE_VERSION, w->scratch, id, err);
}

static wschema_t *template_find(const tsfile_writer_t *w, const char *name, size_t len)
{
	return wmap_get(&w->templates, name, len);
}

int tsfile_writer_register(tsfile_writer_t *w, const char *device, const tsfile_measurement_t *m,
			   larch_error_t *err)
{
	wschema_t s;
	int rc = writer_check(w, err);
	if (rc || (rc = schema_resolve(w, m, &s, err)))
		return rc;
	device_id_t id;
	if (device && (rc = parse_device(w, device, &id, err)))
		return rc;
	wschema_t *t = template_find(w, s.name.ptr, s.name.len);
	if (t && !(t->type == s.type && t->encoding == s.encoding && t->codec == s.codec))
		return schema_conflict(err, NULL, &s);
	if (!device) {
		if (t)
			return LARCH_OK;
		t = mem_alloc(sizeof(*t));
		char *name = arena_strndup(w->arena, s.name.ptr, s.name.len);
		if (!t || !name || wmap_put(&w->templates, name, s.name.len, t)) {
			mem_free(t);
			return err_set(err, LARCH_NO_MEMORY, "out of memory registering '%s'", m->name);
		}
		*t = s;
		t->name.ptr = name;
		return LARCH_OK;
	}
	wdev_t *d = writer_device_find(w, &id);
	if (d && (d->aligned || d->table))
		return err_set(err, LARCH_METADATA_ERROR, "device %s is aligned; register its "
			       "measurements with tsfile_writer_register_aligned", device);
	if (d)
		d->tree = 1;
	if (d && (rc = schema_check_column(&s, writer_column_find(d, s.name.ptr, s.name.len),
					   device, err)))
		return rc;
	int created;
	if (!d && (rc = writer_device_get(w, &id, 0, 0, &d, &created, err)))
		return rc;
	d->tree = 1;
	return schema_apply(w, d, &s, err);
}

int tsfile_writer_register_aligned(tsfile_writer_t *w, const char *device,
				   const tsfile_measurement_t *ms, size_t n, larch_error_t *err)
{
	int rc = writer_check(w, err);
	if (rc)
		return rc;
	if (n == 0 || !ms)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "no measurements to register");
	wschema_t *s = mem_alloc(sizeof(*s) * n);
	if (!s)
		return err_set(err, LARCH_NO_MEMORY, "out of memory registering %s", device);
	device_id_t id;
	wdev_t *d = NULL;
	for (size_t i = 0; i < n && !rc; i++) {
		rc = schema_resolve(w, &ms[i], &s[i], err);
		for (size_t j = 0; j < i && !rc; j++)
			if (strcmp(ms[j].name, ms[i].name) == 0 &&
			    !(s[j].type == s[i].type && s[j].encoding == s[i].encoding &&
			      s[j].codec == s[i].codec))
				rc = schema_conflict(err, device, &s[i]);
	}
	if (!rc && !(rc = parse_device(w, device, &id, err))) {
		d = writer_device_find(w, &id);
		if (d && (!d->aligned || d->table))
			rc = err_set(err, LARCH_METADATA_ERROR, "device %s is not an aligned tree "
				     "device", device);
	}
	for (size_t i = 0; d && i < n && !rc; i++)
		rc = schema_check_column(&s[i], writer_column_find(d, s[i].name.ptr, s[i].name.len),
					 device, err);
	int created;
	if (!rc && !d)
		rc = writer_device_get(w, &id, 1, 0, &d, &created, err);
	if (!rc)
		d->tree = 1;
	for (size_t i = 0; i < n && !rc; i++)
		rc = schema_apply(w, d, &s[i], err);
	mem_free(s);
	return rc;
}

/* Lower-case ASCII copy of s into the arena. */
static char *lower_dup(arena_t *a, const char *s, size_t *len)
{
	*len = strlen(s);
	char *d = arena_strndup(a, s, *len);
	for (size_t i = 0; d && i < *len; i++)
		d[i] = (char)tolower((unsigned char)d[i]);
	return d;
}

static wtable_t *table_find(const tsfile_writer_t *w, const char *name, size_t len)
{
	for (uint32_t i = 0; i < w->n_tables; i++)
		if (w->tables[i].name.len == len && memcmp(w->tables[i].name.ptr, name, len) == 0)
			return &w->tables[i];
	return NULL;
}

static int column_find(const wtable_t *t, const char *name, size_t len)
{
	for (uint32_t i = 0; i < t->n_columns; i++)
		if (t->columns[i].name.len == len && memcmp(t->columns[i].name.ptr, name, len) == 0)
			return (int)i;
	return -1;
}

/* 1 if two table schemas agree (names, types, categories; and encodings
 * and codecs when `full`). */
static int table_equal(const wtable_t *a, const wtable_t *b, int full)
{
	if (a->n_columns != b->n_columns)
		return 0;
	for (uint32_t i = 0; i < a->n_columns; i++) {
		const column_meta_t *x = &a->columns[i], *y = &b->columns[i];
		if (meta_str_cmp(&x->name, &y->name) || x->type != y->type ||
		    x->category != y->category ||
		    (full && (x->encoding != y->encoding || x->codec != y->codec)))
			return 0;
	}
	return 1;
}

static int table_push(tsfile_writer_t *w, const wtable_t *t)
{
	if (w->n_tables == w->cap_tables) {
		uint32_t cap = w->cap_tables ? w->cap_tables * 2 : 4;
		wtable_t *a = mem_realloc(w->tables, sizeof(*a) * cap);
		if (!a)
			return LARCH_NO_MEMORY;
		w->tables = a;
		w->cap_tables = cap;
	}
	w->tables[w->n_tables++] = *t;
	return LARCH_OK;
}

/* Check table t against the devices already known under its name (from a
 * file appended to): a FIELD column they hold must have t's type. */
static int table_check_devices(tsfile_writer_t *w, const wtable_t *t, larch_error_t *err)
{
	for (uint32_t i = 0; i < w->n_devs; i++) {
		const wdev_t *d = w->devs[i];
		if (!d->aligned || d->tree || meta_str_cmp(&d->id.segs[0], &t->name) != 0)
			continue;
		for (uint32_t k = 0; k < t->n_columns; k++) {
			const column_meta_t *c = &t->columns[k];
			const wcol_t *dc = writer_column_find(d, c->name.ptr, c->name.len);
			if (dc && (c->category != TSFILE_FIELD || dc->type != c->type))
				return err_set(err, LARCH_METADATA_ERROR, "table %s column %s: "
					       "device %s holds it as a %s field", t->name.ptr,
					       c->name.ptr, d->path, tsfile_type_name(dc->type));
		}
	}
	return LARCH_OK;
}

int tsfile_writer_register_table(tsfile_writer_t *w, const tsfile_table_schema_t *schema,
				 larch_error_t *err)
{
	int rc = writer_check(w, err);
	if (rc)
		return rc;
	if (!schema || !schema->name || !schema->name[0] || schema->n_columns == 0 ||
	    !schema->columns)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "table schema needs a name and columns");
	/* build the lower-cased schema in the scratch arena, check it */
	arena_reset(w->scratch);
	wtable_t t = {{NULL, 0}, (uint32_t)schema->n_columns, NULL, 1};
	size_t len;
	t.name.ptr = lower_dup(w->scratch, schema->name, &len);
	t.name.len = (uint32_t)len;
	t.columns = arena_calloc(w->scratch, schema->n_columns, sizeof(*t.columns));
	if (!t.name.ptr || !t.columns)
		return err_set(err, LARCH_NO_MEMORY, "out of memory registering table %s",
			       schema->name);
	for (uint32_t i = 0; i < t.n_columns; i++) {
		const tsfile_column_schema_t *cs = &schema->columns[i];
		column_meta_t *c = &t.columns[i];
		tsfile_measurement_t m = {cs->name, cs->type, cs->encoding, cs->codec, -1};
		wschema_t s;
		if ((rc = schema_resolve(w, &m, &s, err))) {
			err_prefix(err, "table %s", schema->name);
			return rc;
		}
		if (cs->category < TSFILE_TAG || cs->category > TSFILE_ATTRIBUTE)
			return err_set(err, LARCH_ILLEGAL_PARAMETER, "table %s column %s: bad "
				       "category %d", schema->name, cs->name, (int)cs->category);
		if (cs->category == TSFILE_TAG && cs->type != TSFILE_STRING)
			return err_set(err, LARCH_ILLEGAL_PARAMETER, "table %s: TAG column %s must "
				       "be STRING", schema->name, cs->name);
		c->name.ptr = lower_dup(w->scratch, cs->name, &len);
		c->name.len = (uint32_t)len;
		if (!c->name.ptr)
			return err_set(err, LARCH_NO_MEMORY, "out of memory registering table %s",
				       schema->name);
		if (column_find(&(wtable_t){t.name, i, t.columns, 1}, c->name.ptr, len) >= 0)
			return err_set(err, LARCH_ILLEGAL_PARAMETER, "table %s: duplicate column %s",
				       schema->name, cs->name);
		c->type = s.type;
		c->encoding = s.encoding;
		c->codec = s.codec;
		c->category = cs->category;
	}
	if ((rc = table_check_devices(w, &t, err)))
		return rc;
	wtable_t *old = table_find(w, t.name.ptr, t.name.len);
	if (old) {
		if (!table_equal(old, &t, old->registered))
			return err_set(err, LARCH_METADATA_ERROR, "table %s is already registered "
				       "with another schema", t.name.ptr);
		old->registered = 1;
		return LARCH_OK;
	}
	/* move it into the writer's arena */
	wtable_t keep = t;
	keep.name.ptr = arena_strndup(w->arena, t.name.ptr, t.name.len);
	keep.columns = arena_alloc(w->arena, sizeof(*keep.columns) * t.n_columns);
	for (uint32_t i = 0; keep.columns && i < t.n_columns; i++) {
		keep.columns[i] = t.columns[i];
		if (!(keep.columns[i].name.ptr = arena_strndup(w->arena, t.columns[i].name.ptr,
							       t.columns[i].name.len)))
			keep.columns = NULL;
	}
	if (!keep.name.ptr || !keep.columns || table_push(w, &keep))
		return err_set(err, LARCH_NO_MEMORY, "out of memory registering table %s",
			       schema->name);
	return LARCH_OK;
}

int writer_table_add_from_file(tsfile_writer_t *w, const table_meta_t *t, larch_error_t *err)
{
	wtable_t keep = {{NULL, t->name.len}, t->n_columns, NULL, 0};
	keep.name.ptr = arena_strndup(w->arena, t->name.ptr, t->name.len);
	keep.columns = arena_calloc(w->arena, t->n_columns ? t->n_columns : 1,
				    sizeof(*keep.columns));
	for (uint32_t i = 0; keep.columns && i < t->n_columns; i++) {
		keep.columns[i] = t->columns[i];
		keep.columns[i].n_props = 0;
		keep.columns[i].props = NULL;
		if (!(keep.columns[i].name.ptr = arena_strndup(w->arena, t->columns[i].name.ptr,
							       t->columns[i].name.len)))
			keep.columns = NULL;
	}
	if (!keep.name.ptr || !keep.columns || table_push(w, &keep))
		return err_set(err, LARCH_NO_MEMORY, "out of memory loading table %s", t->name.ptr);
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Buffering rows: reserve, then commit
 *---------------------------------------------------------------------------*/

/* One column's share of a write.  Rows are sel[0..n) of the source arrays
 * (sel NULL: rows 0..n).  values NULL: every row is null. */
typedef struct wput {
	wcol_t *c;
	const void *values;
	const uint8_t *is_null;
	size_t n_vals;     /* non-null rows */
	char *strs;        /* room for the byte strings of binary values */
} wput_t;

static inline size_t row_at(const uint32_t *sel, size_t i)
{
	return sel ? sel[i] : i;
}

static inline int put_null(const wput_t *p, size_t r)
{
	return !p->values || (p->is_null && p->is_null[r]);
}

/* Reserve room in p->c for n rows (aligned: presence bytes too). */
static int put_reserve(wput_t *p, const uint32_t *sel, size_t n, int aligned)
{
	wcol_t *c = p->c;
	size_t str_bytes = 0;
	int binary = type_is_binary(c->type);
	p->n_vals = 0;
	p->strs = NULL;
	if (p->values && !p->is_null && !binary) {
		p->n_vals = n; /* dense fixed-width values: nothing to count */
	} else {
		for (size_t i = 0; i < n; i++) {
			size_t r = row_at(sel, i);
			if (put_null(p, r))
				continue;
			p->n_vals++;
			if (binary)
				str_bytes += ((const tsfile_bytes_t *)p->values)[r].len;
		}
	}
	if (col_reserve(&c->values, p->n_vals))
		return LARCH_NO_MEMORY;
	if (aligned ? buf_reserve(&c->present, n) < 0 : col_reserve(&c->times, p->n_vals) != 0)
		return LARCH_NO_MEMORY;
	if (str_bytes) {
		if (!c->strs && !(c->strs = arena_new(0)))
			return LARCH_NO_MEMORY;
		if (!(p->strs = arena_alloc(c->strs, str_bytes)))
			return LARCH_NO_MEMORY;
	}
	return LARCH_OK;
}

/* Append the rows reserved by put_reserve; returns the bytes added. */
static size_t put_commit(wput_t *p, const int64_t *times, const uint32_t *sel, size_t n,
			 int aligned)
{
	wcol_t *c = p->c;
	size_t es = col_elem_size(c->type), bytes = 0;
	uint8_t *present = aligned ? c->present.data + c->present.len : NULL;
	if (aligned)
		c->present.len += n;
	if (!sel && p->n_vals == n && !type_is_binary(c->type)) {
		/* the common case: a dense column */
		memcpy((uint8_t *)c->values.data + c->values.n * es, p->values, n * es);
		c->values.n += n;
		if (aligned)
			memset(present, 1, n);
		else
			col_append(&c->times, times, n); /* reserved: cannot fail */
		if (!aligned && n)
			c->last_time = times[n - 1], c->has_last = 1;
		c->open_bytes += n * es;
		return n * es;
	}
	for (size_t i = 0; i < n; i++) {
		size_t r = row_at(sel, i);
		int null = put_null(p, r);
		if (aligned)
			present[i] = !null;
		if (null)
			continue;
		uint8_t *dst = (uint8_t *)c->values.data + c->values.n * es;
		if (type_is_binary(c->type)) {
			tsfile_bytes_t b = ((const tsfile_bytes_t *)p->values)[r];
			if (b.len) /* an empty string may have a NULL ptr */
				memcpy(p->strs, b.ptr, b.len);
			b.ptr = p->strs;
			p->strs += b.len;
			memcpy(dst, &b, sizeof(b));
			bytes += (size_t)b.len + 4;
		} else {
			memcpy(dst, (const uint8_t *)p->values + r * es, es);
			bytes += es;
		}
		c->values.n++;
		if (!aligned) {
			COL_I64(&c->times)[c->times.n++] = times[r];
			c->last_time = times[r];
			c->has_last = 1;
		}
	}
	c->open_bytes += bytes;
	return bytes;
}

/* Reserve room in device d for n rows written through `puts` (one per
 * column written; aligned devices: one per column of d, values NULL for
 * the columns not written).  On failure nothing is buffered. */
static int wdev_reserve(wdev_t *d, const uint32_t *sel, size_t n, wput_t *puts, size_t n_puts)
{
	for (size_t i = 0; i < n_puts; i++)
		if (put_reserve(&puts[i], sel, n, d->aligned))
			return LARCH_NO_MEMORY;
	if (d->aligned && col_reserve(&d->time->values, n))
		return LARCH_NO_MEMORY;
	return LARCH_OK;
}

/* Buffer the n rows reserved by wdev_reserve (times indexed through sel). */
static void wdev_commit(tsfile_writer_t *w, wdev_t *d, const int64_t *times, const uint32_t *sel,
			size_t n, wput_t *puts, size_t n_puts)
{
	size_t bytes = 0;
	for (size_t i = 0; i < n_puts; i++)
		bytes += put_commit(&puts[i], times, sel, n, d->aligned);
	if (d->aligned) {
		int64_t *t = COL_I64(&d->time->values) + d->time->values.n;
		for (size_t i = 0; i < n; i++)
			t[i] = times[row_at(sel, i)];
		d->time->values.n += n;
		d->time->open_bytes += n * sizeof(int64_t);
		bytes += n * sizeof(int64_t);
		d->open_rows += n;
		d->last_time = t[n - 1];
		d->has_last = 1;
	}
	d->dirty = 1;
	w->buffered += bytes;
}

/* Seal the pages that the last commit filled. */
static int wdev_seal_due(tsfile_writer_t *w, wdev_t *d, wput_t *puts, size_t n_puts,
			 larch_error_t *err)
{
	int rc = LARCH_OK;
	if (d->aligned)
		return wdev_page_due(w, d) ? wdev_seal(w, d, 0, err) : LARCH_OK;
	for (size_t i = 0; i < n_puts && !rc; i++)
		if (wcol_page_due(w, puts[i].c))
			rc = wcol_seal(w, puts[i].c, 0, err);
	return rc;
}

/* Reserve, commit and seal: the whole write of one device. */
static int wdev_buffer(tsfile_writer_t *w, wdev_t *d, const int64_t *times, size_t n,
		       wput_t *puts, size_t n_puts, larch_error_t *err)
{
	if (wdev_reserve(d, NULL, n, puts, n_puts))
		return err_set(err, LARCH_NO_MEMORY, "out of memory buffering data of %s", d->path);
	wdev_commit(w, d, times, NULL, n, puts, n_puts);
	return wdev_seal_due(w, d, puts, n_puts, err);
}

/* After a successful write: flush if the buffered data is over the limit. */
static int writer_maybe_flush(tsfile_writer_t *w, larch_error_t *err)
{
	if (w->buffered > w->cfg.chunk_group_max_bytes)
		return tsfile_writer_flush(w, err);
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Tree model writes
 *---------------------------------------------------------------------------*/

/* Where the points of one named measurement go, found (or, for a
 * file-wide measurement, to be created) in device d. */
typedef struct wtarget {
	wcol_t *c;            /* existing column, or NULL */
	const wschema_t *tmpl; /* file-wide schema to create it from */
} wtarget_t;

/* Resolve measurement `name` of tree device d (NULL: not created yet)
 * written with values of `type`. */
static int target_resolve(tsfile_writer_t *w, wdev_t *d, const char *device, const char *name,
			  tsfile_type_t type, wtarget_t *t, larch_error_t *err)
{
	size_t len = name ? strlen(name) : 0;
	t->c = d ? writer_column_find(d, name ? name : "", len) : NULL;
	t->tmpl = NULL;
	if (!name)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "measurement name is NULL");
	if (!t->c || !t->c->registered) {
		const wschema_t *s = (d && d->aligned) ? NULL : template_find(w, name, len);
		if (!s || (t->c && t->c->type != s->type))
			return err_set(err, LARCH_PATH_NOT_EXIST, "measurement %s.%s is not "
				       "registered", device, name);
		t->tmpl = s;
	}
	tsfile_type_t want = t->c ? t->c->type : t->tmpl->type;
	if (type != want)
		return err_set(err, LARCH_DATA_TYPE_MISMATCH, "%s.%s is %s, value is %s", device,
			       name, tsfile_type_name(want), tsfile_type_name(type));
	return LARCH_OK;
}

/* Create the device / column a target needs (structure only, no data). */
static int target_make(tsfile_writer_t *w, wdev_t **d, const device_id_t *id, wtarget_t *t,
		       larch_error_t *err)
{
	int rc, created;
	if (!*d && (rc = writer_device_get(w, id, 0, 0, d, &created, err)))
		return rc;
	(*d)->tree = 1;
	if (t->c) {
		t->c->registered = 1;
		return LARCH_OK;
	}
	if ((rc = writer_column_add(w, *d, t->tmpl, &t->c, err)))
		return rc;
	t->c->registered = 1;
	return LARCH_OK;
}

/* Check a time against the last one of a column / aligned device. */
static int time_check(int has_last, int64_t last, int64_t t, const char *what,
		      larch_error_t *err)
{
	if (has_last && t <= last)
		return err_set(err, LARCH_WRITE_ERROR, "%s: time %lld is not after %lld, the last "
			       "one written in this chunk group", what, (long long)t,
			       (long long)last);
	return LARCH_OK;
}

/* Point a 1-row put at the value of a record point. */
static void point_value(const tsfile_value_t *v, void *slot)
{
	switch (v->type) {
	case TSFILE_BOOLEAN: *(uint8_t *)slot = (uint8_t)(v->v.b != 0); break;
	case TSFILE_INT32:
	case TSFILE_DATE: *(int32_t *)slot = v->v.i32; break;
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP:
	case TSFILE_VECTOR: *(int64_t *)slot = v->v.i64; break;
	case TSFILE_FLOAT: *(float *)slot = v->v.f; break;
	case TSFILE_DOUBLE: *(double *)slot = v->v.d; break;
	case TSFILE_TEXT:
	case TSFILE_STRING:
	case TSFILE_BLOB: *(tsfile_bytes_t *)slot = v->v.bytes; break;
	}
}

typedef union wslot {
	uint8_t b;
	int32_t i32;
	int64_t i64;
	float f;
	double d;
	tsfile_bytes_t bytes;
} wslot_t;

/* Build the puts of a write to device d from `targets` (one per written
 * column, values/is_null already set).  Aligned devices get one put per
 * column of d, all-null for the columns not written. */
static wput_t *puts_build(tsfile_writer_t *w, wdev_t *d, wput_t *given, size_t n_given,
			  size_t *n_out)
{
	if (!d->aligned) {
		*n_out = n_given;
		return given;
	}
	wput_t *p = arena_calloc(w->scratch, d->n_cols ? d->n_cols : 1, sizeof(*p));
	if (!p)
		return NULL;
	for (uint32_t i = 0; i < d->n_cols; i++)
		p[i].c = d->cols[i];
	for (size_t g = 0; g < n_given; g++)
		for (uint32_t i = 0; i < d->n_cols; i++)
			if (p[i].c == given[g].c)
				p[i] = given[g];
	*n_out = d->n_cols;
	return p;
}

int tsfile_writer_write_record(tsfile_writer_t *w, const char *device, int64_t time,
			       const tsfile_point_t *points, size_t n, larch_error_t *err)
{
	device_id_t id;
	int rc = writer_check(w, err);
	if (rc || (rc = parse_device(w, device, &id, err)))
		return rc;
	if (n && !points)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "points is NULL");
	wdev_t *d = writer_device_find(w, &id);
	if (d && d->table)
		return err_set(err, LARCH_METADATA_ERROR, "%s is a table device; use "
			       "tsfile_writer_write_table", device);
	if (!d && w->templates.n == 0)
		return err_set(err, LARCH_PATH_NOT_EXIST, "device %s is not registered", device);
	wtarget_t *t = arena_calloc(w->scratch, n ? n : 1, sizeof(*t));
	wslot_t *slots = arena_calloc(w->scratch, n ? n : 1, sizeof(*slots));
	wput_t *given = arena_calloc(w->scratch, n ? n : 1, sizeof(*given));
	if (!t || !slots || !given)
		return err_set(err, LARCH_NO_MEMORY, "out of memory writing a record");
	/* validate every point */
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (points[i].value.is_null)
			continue;
		if ((rc = target_resolve(w, d, device, points[i].measurement, points[i].value.type,
					 &t[k], err)))
			return rc;
		for (size_t j = 0; j < k; j++)
			if ((t[j].c && t[j].c == t[k].c) || (t[j].tmpl && t[j].tmpl == t[k].tmpl))
				return err_set(err, LARCH_ILLEGAL_PARAMETER, "measurement %s appears "
					       "twice in one record", points[i].measurement);
		if (t[k].c && !(d && d->aligned) &&
		    (rc = time_check(t[k].c->has_last, t[k].c->last_time, time, device, err)))
			return rc;
		point_value(&points[i].value, &slots[k]);
		k++;
	}
	if (d && d->aligned && (rc = time_check(d->has_last, d->last_time, time, device, err)))
		return rc;
	if (k == 0 && !(d && d->aligned))
		return LARCH_OK; /* nothing but nulls */
	for (size_t i = 0; i < k; i++) {
		if ((rc = target_make(w, &d, &id, &t[i], err)))
			return rc;
		given[i].c = t[i].c;
		given[i].values = &slots[i];
	}
	size_t n_puts;
	wput_t *puts = puts_build(w, d, given, k, &n_puts);
	if (!puts)
		return err_set(err, LARCH_NO_MEMORY, "out of memory writing a record");
	if ((rc = wdev_buffer(w, d, &time, 1, puts, n_puts, err)))
		return rc;
	return writer_maybe_flush(w, err);
}

/* Check the shape of a tablet: rows, times strictly ascending, columns. */
static int tablet_check(const tsfile_tablet_t *tb, larch_error_t *err)
{
	if (!tb || !tb->target)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "tablet has no target");
	if (tb->n_rows && !tb->times)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "tablet has no times");
	if (tb->n_columns && !tb->columns)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "tablet has no columns");
	if (tb->n_rows > UINT32_MAX)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "tablet has too many rows");
	for (size_t i = 0; i < tb->n_columns; i++) {
		const tsfile_column_t *c = &tb->columns[i];
		if (!c->name || (tb->n_rows && !c->values))
			return err_set(err, LARCH_ILLEGAL_PARAMETER, "tablet column %zu has no name "
				       "or no values", i);
		for (size_t j = 0; j < i; j++)
			if (strcmp(tb->columns[j].name, c->name) == 0)
				return err_set(err, LARCH_ILLEGAL_PARAMETER, "tablet column %s appears "
					       "twice", c->name);
	}
	return LARCH_OK;
}

/* Time of the first non-null row of column c (rows sel[0..n)); -1 if none. */
static long first_present(const tsfile_column_t *c, const uint32_t *sel, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!c->is_null || !c->is_null[row_at(sel, i)])
			return (long)i;
	return -1;
}

/* Check that times[sel[0..n)] strictly increase. */
static int times_check(const int64_t *times, const uint32_t *sel, size_t n, const char *what,
		       larch_error_t *err)
{
	for (size_t i = 1; i < n; i++) {
		int64_t a = times[row_at(sel, i - 1)], b = times[row_at(sel, i)];
		if (b <= a)
			return err_set(err, LARCH_WRITE_ERROR, "%s: tablet times must strictly "
				       "increase (row %zu: %lld after %lld)", what, i, (long long)b,
				       (long long)a);
	}
	return LARCH_OK;
}

int tsfile_writer_write_tablet(tsfile_writer_t *w, const tsfile_tablet_t *tb, larch_error_t *err)
{
	device_id_t id;
	int rc = writer_check(w, err);
	if (rc || (rc = tablet_check(tb, err)) || (rc = parse_device(w, tb->target, &id, err)))
		return rc;
	const char *device = tb->target;
	wdev_t *d = writer_device_find(w, &id);
	if (d && d->table)
		return err_set(err, LARCH_METADATA_ERROR, "%s is a table device; use "
			       "tsfile_writer_write_table", device);
	if ((rc = times_check(tb->times, NULL, tb->n_rows, device, err)))
		return rc;
	size_t n = tb->n_columns;
	wtarget_t *t = arena_calloc(w->scratch, n ? n : 1, sizeof(*t));
	wput_t *given = arena_calloc(w->scratch, n ? n : 1, sizeof(*given));
	if (!t || !given)
		return err_set(err, LARCH_NO_MEMORY, "out of memory writing a tablet");
	for (size_t i = 0; i < n; i++) {
		const tsfile_column_t *c = &tb->columns[i];
		if ((rc = target_resolve(w, d, device, c->name, c->type, &t[i], err)))
			return rc;
		long f = first_present(c, NULL, tb->n_rows);
		if (t[i].c && !(d && d->aligned) && f >= 0 &&
		    (rc = time_check(t[i].c->has_last, t[i].c->last_time, tb->times[f], device,
				     err)))
			return rc;
	}
	if (tb->n_rows == 0)
		return LARCH_OK;
	if (d && d->aligned &&
	    (rc = time_check(d->has_last, d->last_time, tb->times[0], device, err)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		if ((rc = target_make(w, &d, &id, &t[i], err)))
			return rc;
		given[i].c = t[i].c;
		given[i].values = tb->columns[i].values;
		given[i].is_null = tb->columns[i].is_null;
	}
	if (!d)
		return err_set(err, LARCH_PATH_NOT_EXIST, "device %s is not registered", device);
	size_t n_puts;
	wput_t *puts = puts_build(w, d, given, n, &n_puts);
	if (!puts)
		return err_set(err, LARCH_NO_MEMORY, "out of memory writing a tablet");
	if ((rc = wdev_buffer(w, d, tb->times, tb->n_rows, puts, n_puts, err)))
		return rc;
	return writer_maybe_flush(w, err);
}

/*---------------------------------------------------------------------------
 * Table model writes
 *---------------------------------------------------------------------------*/

/* Rows of one device of a table tablet. */
typedef struct wgroup {
	device_id_t id;
	wdev_t *dev;
	uint32_t *rows;
	uint32_t n;
	wput_t *puts;
	size_t n_puts;
} wgroup_t;

/* Find the table tablet->target and map each tablet column to a table
 * column (col_of[i]); checks types. */
static int table_columns(tsfile_writer_t *w, const tsfile_tablet_t *tb, wtable_t **out,
			 int *col_of, larch_error_t *err)
{
	size_t len;
	char *name = lower_dup(w->scratch, tb->target, &len);
	if (!name)
		return err_set(err, LARCH_NO_MEMORY, "out of memory writing table %s", tb->target);
	wtable_t *t = table_find(w, name, len);
	if (!t || !t->registered)
		return err_set(err, LARCH_PATH_NOT_EXIST, "table %s is not registered", tb->target);
	for (size_t i = 0; i < tb->n_columns; i++) {
		const tsfile_column_t *c = &tb->columns[i];
		char *cn = lower_dup(w->scratch, c->name, &len);
		int k = cn ? column_find(t, cn, len) : -1;
		if (!cn)
			return err_set(err, LARCH_NO_MEMORY, "out of memory writing table %s",
				       tb->target);
		if (k < 0)
			return err_set(err, LARCH_PATH_NOT_EXIST, "table %s has no column %s",
				       tb->target, c->name);
		for (size_t j = 0; j < i; j++)
			if (col_of[j] == k)
				return err_set(err, LARCH_ILLEGAL_PARAMETER, "table %s: column %s "
					       "appears twice", tb->target, c->name);
		if (t->columns[k].type != c->type)
			return err_set(err, LARCH_DATA_TYPE_MISMATCH, "table %s column %s is %s, "
				       "tablet gives %s", tb->target, c->name,
				       tsfile_type_name(t->columns[k].type), tsfile_type_name(c->type));
		col_of[i] = k;
	}
	*out = t;
	return LARCH_OK;
}

/* Device ID of row r: [table, tag1..tagN], trailing null tags dropped.
 * tag_src[j] is the tablet column of the j-th TAG column, or -1. */
static void row_device(const wtable_t *t, const tsfile_tablet_t *tb, const int *tag_src,
		       uint32_t n_tags, size_t r, meta_str_t *segs, device_id_t *id)
{
	uint32_t n = 1;
	segs[0] = t->name;
	for (uint32_t j = 0; j < n_tags; j++) {
		const tsfile_column_t *c = tag_src[j] >= 0 ? &tb->columns[tag_src[j]] : NULL;
		segs[j + 1].ptr = NULL;
		segs[j + 1].len = 0;
		if (c && !(c->is_null && c->is_null[r])) {
			tsfile_bytes_t b = ((const tsfile_bytes_t *)c->values)[r];
			segs[j + 1].ptr = b.ptr ? b.ptr : "";
			segs[j + 1].len = b.len;
			n = j + 2;
		}
	}
	id->n = n;
	id->segs = segs;
}

/* Make sure table device d has a registered column for every FIELD. */
static int table_device_columns(tsfile_writer_t *w, const wtable_t *t, wdev_t *d,
				larch_error_t *err)
{
	for (uint32_t k = 0; k < t->n_columns; k++) {
		const column_meta_t *tc = &t->columns[k];
		if (tc->category != TSFILE_FIELD)
			continue;
		wcol_t *c = writer_column_find(d, tc->name.ptr, tc->name.len);
		if (c && c->type != tc->type)
			return err_set(err, LARCH_METADATA_ERROR, "table %s column %s: the file holds "
				       "it as %s", t->name.ptr, tc->name.ptr, tsfile_type_name(c->type));
		wschema_t s = {tc->name, tc->type, tc->encoding, tc->codec, w->cfg.float_precision};
		int rc = schema_apply(w, d, &s, err);
		if (rc)
			return rc;
	}
	return LARCH_OK;
}

/* Split the rows of a table tablet into per-device groups (first-seen
 * order).  *out is a mem_alloc'ed array the caller frees; group contents
 * live in w->scratch. */
static int table_group_rows(tsfile_writer_t *w, const wtable_t *t, const tsfile_tablet_t *tb,
			    const int *col_of, wgroup_t **out, uint32_t *n_out, larch_error_t *err)
{
	uint32_t n_tags = 0;
	for (uint32_t k = 0; k < t->n_columns; k++)
		n_tags += t->columns[k].category == TSFILE_TAG;
	int *tag_src = arena_alloc(w->scratch, sizeof(int) * (n_tags + 1));
	meta_str_t *segs = arena_alloc(w->scratch, sizeof(*segs) * (n_tags + 1));
	uint32_t *group_of = arena_alloc(w->scratch, sizeof(uint32_t) * tb->n_rows);
	wgroup_t *g = NULL;
	wmap_t map = {NULL, 0, 0};
	uint32_t ng = 0, cap = 0;
	int rc = LARCH_OK;
	if (!tag_src || !segs || !group_of)
		goto oom;
	for (uint32_t k = 0, j = 0; k < t->n_columns; k++) {
		if (t->columns[k].category != TSFILE_TAG)
			continue;
		tag_src[j] = -1;
		for (size_t i = 0; i < tb->n_columns; i++)
			if (col_of[i] == (int)k)
				tag_src[j] = (int)i;
		j++;
	}
	for (size_t r = 0; r < tb->n_rows; r++) {
		device_id_t id;
		row_device(t, tb, tag_src, n_tags, r, segs, &id);
		if (device_key(w, &id))
			goto oom;
		/* map values are group index + 1 */
		uintptr_t hit = (uintptr_t)wmap_get(&map, (const char *)w->key.data, w->key.len);
		if (!hit) {
			if (ng == cap) {
				cap = cap ? cap * 2 : 8;
				wgroup_t *ng_arr = mem_realloc(g, sizeof(*g) * cap);
				if (!ng_arr)
					goto oom;
				g = ng_arr;
			}
			memset(&g[ng], 0, sizeof(*g));
			char *key = arena_alloc(w->scratch, w->key.len);
			if (!key || meta_device_copy(&id, w->scratch, &g[ng].id))
				goto oom;
			memcpy(key, w->key.data, w->key.len);
			hit = ++ng;
			if (wmap_put(&map, key, w->key.len, (void *)hit))
				goto oom;
		}
		group_of[r] = (uint32_t)(hit - 1);
		g[hit - 1].n++;
	}
	for (uint32_t i = 0; i < ng; i++) {
		if (!(g[i].rows = arena_alloc(w->scratch, sizeof(uint32_t) * g[i].n)))
			goto oom;
		g[i].n = 0;
	}
	for (size_t r = 0; r < tb->n_rows; r++) {
		wgroup_t *x = &g[group_of[r]];
		x->rows[x->n++] = (uint32_t)r;
	}
	*out = g;
	*n_out = ng;
	g = NULL;
	goto done;
oom:
	rc = err_set(err, LARCH_NO_MEMORY, "out of memory writing table %s", tb->target);
done:
	mem_free(g);
	wmap_free(&map);
	return rc;
}

/* Prepare group g of a table write: its device (created if new, structure
 * only), the checks of its times, and its puts. */
static int table_group_prepare(tsfile_writer_t *w, const wtable_t *t, const tsfile_tablet_t *tb,
			       const int *col_of, wgroup_t *g, larch_error_t *err)
{
	int rc, created;
	wdev_t *d = writer_device_find(w, &g->id);
	if (d && (!d->aligned || d->tree))
		return err_set(err, LARCH_METADATA_ERROR, "device %s of table %s is a tree device",
			       d->path, t->name.ptr);
	if ((rc = times_check(tb->times, g->rows, g->n, tb->target, err)))
		return rc;
	if (d && (rc = time_check(d->has_last, d->last_time, tb->times[g->rows[0]], d->path, err)))
		return rc;
	if (!d && (rc = writer_device_get(w, &g->id, 1, 1, &d, &created, err)))
		return rc;
	if ((rc = table_device_columns(w, t, d, err)))
		return rc;
	d->table = 1;
	g->dev = d;
	g->n_puts = d->n_cols;
	g->puts = arena_calloc(w->scratch, d->n_cols ? d->n_cols : 1, sizeof(wput_t));
	if (!g->puts)
		return err_set(err, LARCH_NO_MEMORY, "out of memory writing table %s", tb->target);
	for (uint32_t k = 0; k < d->n_cols; k++) {
		wput_t *p = &g->puts[k];
		p->c = d->cols[k];
		for (size_t j = 0; j < tb->n_columns; j++) {
			const column_meta_t *tc = &t->columns[col_of[j]];
			if (tc->category == TSFILE_FIELD && meta_str_cmp(&tc->name, &p->c->name) == 0) {
				p->values = tb->columns[j].values;
				p->is_null = tb->columns[j].is_null;
			}
		}
	}
	return LARCH_OK;
}

int tsfile_writer_write_table(tsfile_writer_t *w, const tsfile_tablet_t *tb, larch_error_t *err)
{
	int rc = writer_check(w, err);
	if (rc || (rc = tablet_check(tb, err)))
		return rc;
	arena_reset(w->scratch);
	int *col_of = arena_alloc(w->scratch, sizeof(int) * (tb->n_columns + 1));
	if (!col_of)
		return err_set(err, LARCH_NO_MEMORY, "out of memory writing table %s", tb->target);
	wtable_t *t = NULL;
	if ((rc = table_columns(w, tb, &t, col_of, err)))
		return rc;
	if (tb->n_rows == 0)
		return LARCH_OK;
	/* rows of different devices may share times; each device's must increase */
	wgroup_t *g = NULL;
	uint32_t ng = 0;
	if ((rc = table_group_rows(w, t, tb, col_of, &g, &ng, err)))
		return rc;
	/* every check before buffering anything */
	for (uint32_t i = 0; i < ng && !rc; i++)
		rc = table_group_prepare(w, t, tb, col_of, &g[i], err);
	/* reserve for every device, then commit them all */
	for (uint32_t i = 0; i < ng && !rc; i++)
		if (wdev_reserve(g[i].dev, g[i].rows, g[i].n, g[i].puts, g[i].n_puts))
			rc = err_set(err, LARCH_NO_MEMORY, "out of memory writing table %s",
				     tb->target);
	for (uint32_t i = 0; i < ng && !rc; i++)
		wdev_commit(w, g[i].dev, tb->times, g[i].rows, g[i].n, g[i].puts, g[i].n_puts);
	for (uint32_t i = 0; i < ng && !rc; i++)
		rc = wdev_seal_due(w, g[i].dev, g[i].puts, g[i].n_puts, err);
	if (!rc)
		rc = writer_maybe_flush(w, err);
	mem_free(g);
	return rc;
}
