/*
 * schema.c — the schema object: configuration, open/close, the transaction
 * runner every change goes through, and small shared helpers.
 *
 * A change runs under the writer lock as one transaction: the builder
 * validates the request against the state and encodes operations; then
 *   - creating transactions apply the operations (undone on failure) and
 *     append them to the log; a failed append undoes them;
 *   - destroying transactions append first and then apply, which cannot
 *     fail.
 * Either way the change is in the log (fsync'd) before the call returns,
 * and a failed call leaves the schema as it was.
 */
#include <stdio.h>
#include <stdlib.h>

#include "schema/schema_int.h"

void schema_config_default(schema_config_t *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->auto_create = 1;
	cfg->default_db_level = 1;
	cfg->infer_boolean = TSFILE_BOOLEAN;
	cfg->infer_integer = TSFILE_DOUBLE;
	cfg->infer_floating = TSFILE_DOUBLE;
	cfg->infer_nan = TSFILE_DOUBLE;
	for (int t = 0; t < 12; t++) {
		cfg->default_encoding[t] = TSFILE_PLAIN;
		cfg->default_codec[t] = TSFILE_LZ4;
	}
	cfg->default_encoding[TSFILE_BOOLEAN] = TSFILE_RLE;
	cfg->default_encoding[TSFILE_INT32] = TSFILE_TS_2DIFF;
	cfg->default_encoding[TSFILE_INT64] = TSFILE_TS_2DIFF;
	cfg->default_encoding[TSFILE_DATE] = TSFILE_TS_2DIFF;
	cfg->default_encoding[TSFILE_TIMESTAMP] = TSFILE_TS_2DIFF;
	cfg->default_encoding[TSFILE_FLOAT] = TSFILE_GORILLA;
	cfg->default_encoding[TSFILE_DOUBLE] = TSFILE_GORILLA;
	cfg->snapshot_bytes = 8u << 20;
	cfg->fsync = 1;
}

static int type_ok(int t)
{
	return t >= TSFILE_BOOLEAN && t <= TSFILE_STRING && t != TSFILE_VECTOR && t != 7;
}

static int encoding_ok(int e)
{
	switch (e) {
	case TSFILE_PLAIN: case TSFILE_DICTIONARY: case TSFILE_RLE: case TSFILE_TS_2DIFF:
	case TSFILE_GORILLA: case TSFILE_ZIGZAG: case TSFILE_CHIMP: case TSFILE_SPRINTZ:
	case TSFILE_RLBE:
		return 1;
	}
	return 0;
}

static int codec_ok(int c)
{
	switch (c) {
	case TSFILE_UNCOMPRESSED: case TSFILE_SNAPPY: case TSFILE_GZIP: case TSFILE_LZ4:
	case TSFILE_ZSTD: case TSFILE_LZMA2:
		return 1;
	}
	return 0;
}

int check_tec(const schema_t *s, tsfile_type_t type, int enc, int codec, uint8_t tec[3],
	      int template_err, larch_error_t *err)
{
	if (!type_ok((int)type))
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "Unsupported datatype: %d", (int)type);
	if (enc < 0 && s)
		enc = (int)s->cfg.default_encoding[type];
	if (codec < 0 && s)
		codec = (int)s->cfg.default_codec[type];
	if (!encoding_ok(enc))
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "Unsupported encoding: %d", enc);
	if (!codec_ok(codec))
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "Unsupported compressor: %d", codec);
	if (!tsfile_encoding_supports((tsfile_encoding_t)enc, type)) {
		const char *e = tsfile_encoding_name((tsfile_encoding_t)enc);
		const char *t = tsfile_type_name(type);
		return template_err ? err_set(err, LARCH_CREATE_TEMPLATE_ERROR, "create template "
					      "error -encoding %s does not support %s", e, t)
				    : err_set(err, LARCH_METADATA_ERROR,
					      "encoding %s does not support %s", e, t);
	}
	tec[0] = (uint8_t)type;
	tec[1] = (uint8_t)enc;
	tec[2] = (uint8_t)codec;
	return LARCH_OK;
}

static int check_config(const schema_config_t *c, larch_error_t *err)
{
	if (c->default_db_level < 1 || c->default_db_level >= SCHEMA_MAX_DEPTH - 1)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "default_db_level %d is out of range",
			       c->default_db_level);
	tsfile_type_t inf[4] = {c->infer_boolean, c->infer_integer, c->infer_floating,
				c->infer_nan};
	for (int i = 0; i < 4; i++)
		if (!type_ok((int)inf[i]))
			return err_set(err, LARCH_ILLEGAL_PARAMETER, "bad inferred type %d",
				       (int)inf[i]);
	for (int t = 0; t < 12; t++) {
		uint8_t tec[3];
		int rc = type_ok(t) ? check_tec(NULL, (tsfile_type_t)t, (int)c->default_encoding[t],
						(int)c->default_codec[t], tec, 0, err)
				    : LARCH_OK;
		if (rc)
			return rc;
	}
	return LARCH_OK;
}

int schema_open(const char *dir, const schema_config_t *cfg, schema_t **out, larch_error_t *err)
{
	*out = NULL;
	schema_config_t def;
	if (!cfg) {
		schema_config_default(&def);
		cfg = &def;
	}
	int rc = check_config(cfg, err);
	if (rc)
		return rc;
	schema_t *s = mem_calloc(1, sizeof(*s));
	if (!s)
		return err_set(err, LARCH_NO_MEMORY, "out of memory opening the schema");
	s->cfg = *cfg;
	s->logfd = -1;
	pthread_rwlock_init(&s->lock, NULL);
	pthread_mutex_init(&s->snap_mu, NULL);
	rc = tree_init(s);
	if (rc) {
		err_set(err, rc, "out of memory opening the schema");
		goto fail;
	}
	if (dir) {
		s->dir = mem_strdup(dir);
		if (!s->dir) {
			rc = err_set(err, LARCH_NO_MEMORY, "out of memory opening the schema");
			goto fail;
		}
		rc = log_open(s, err);
		if (rc)
			goto fail;
	}
	*out = s;
	return LARCH_OK;
fail:
	log_close(s);
	tree_free(s);
	pthread_rwlock_destroy(&s->lock);
	pthread_mutex_destroy(&s->snap_mu);
	mem_free(s);
	return rc;
}

int schema_close(schema_t *s, larch_error_t *err)
{
	if (!s)
		return LARCH_OK;
	int rc = LARCH_OK;
	if (s->dir && !s->broken && s->log_bytes)
		rc = log_snapshot(s, err);
	log_close(s);
	tree_free(s);
	pthread_rwlock_destroy(&s->lock);
	pthread_mutex_destroy(&s->snap_mu);
	mem_free(s);
	return rc;
}

int schema_checkpoint(schema_t *s, larch_error_t *err)
{
	pthread_mutex_lock(&s->snap_mu);
	pthread_rwlock_rdlock(&s->lock);
	int rc = s->broken ? err_set(err, LARCH_STORAGE_ERROR, "the schema log is unusable")
			   : log_snapshot(s, err);
	pthread_rwlock_unlock(&s->lock);
	pthread_mutex_unlock(&s->snap_mu);
	return rc;
}

void maybe_snapshot(schema_t *s)
{
	if (!s->dir || !s->cfg.snapshot_bytes || s->log_bytes < s->cfg.snapshot_bytes)
		return;
	if (pthread_mutex_trylock(&s->snap_mu))
		return; /* another thread is writing one */
	pthread_rwlock_rdlock(&s->lock);
	if (!s->broken && s->log_bytes >= s->cfg.snapshot_bytes)
		log_snapshot(s, NULL); /* on failure the log stays valid; retried later */
	pthread_rwlock_unlock(&s->lock);
	pthread_mutex_unlock(&s->snap_mu);
}

int schema_reconfigure(schema_t *s, const schema_config_t *cfg, larch_error_t *err)
{
	int rc = check_config(cfg, err);
	if (rc)
		return rc;
	pthread_rwlock_wrlock(&s->lock);
	s->cfg = *cfg;
	pthread_rwlock_unlock(&s->lock);
	return LARCH_OK;
}

void schema_stats(schema_t *s, schema_stats_t *st)
{
	pthread_rwlock_rdlock(&s->lock);
	st->series = s->live_series;
	st->devices = s->live_devs;
	st->databases = s->live_dbs;
	st->templates = s->live_tmpls;
	st->log_bytes = s->log_bytes;
	st->next_sid = s->next_sid;
	pthread_rwlock_unlock(&s->lock);
}

void schema_ids_free(schema_ids_t *ids)
{
	if (!ids)
		return;
	mem_free(ids->ids);
	ids->ids = NULL;
	ids->n = 0;
}

const char *schema_node_type_name(schema_node_type_t t)
{
	static const char *const names[] = {"ROOT", "DB INTERNAL", "DATABASE", "INTERNAL",
					    "DEVICE", "TIMESERIES"};
	return (unsigned)t < LR_ARRAY_LEN(names) ? names[t] : "UNKNOWN";
}

size_t schema_path_level_len(const char *path, size_t len, int level)
{
	int lv = 0;
	for (size_t i = 0; i < len; i++) {
		if (path[i] == '`') { /* skip a quoted node; `` is an escaped quote */
			for (i++; i < len; i++) {
				if (path[i] != '`')
					continue;
				if (i + 1 < len && path[i + 1] == '`')
					i++;
				else
					break;
			}
			continue;
		}
		if (path[i] == '.' && lv++ == level)
			return i;
	}
	return lv == level ? len : 0;
}

int txn_run(schema_t *s, buf_t *p, size_t nops, int destroy, larch_error_t *err)
{
	if (!buf_ok(p))
		return err_set(err, LARCH_NO_MEMORY, "out of memory changing the schema");
	if (s->broken)
		return err_set(err, LARCH_STORAGE_ERROR, "the schema log is unusable after a "
			       "failed write; reopen the schema");
	if (destroy) {
		int rc = log_append(s, p->data, p->len, err);
		if (!rc && (rc = ops_apply(s, p->data, p->len, NULL, 0, NULL, NULL, err)) != LARCH_OK)
			s->broken = 1; /* logged but not applied: memory and log disagree */
		return rc;
	}
	undo_t *undo = mem_calloc(nops ? nops : 1, sizeof(*undo));
	if (!undo)
		return err_set(err, LARCH_NO_MEMORY, "out of memory changing the schema");
	uint32_t ids[4] = {s->next_sid, s->next_dev, s->next_db, s->next_tid};
	size_t napplied = 0;
	int rc = ops_apply(s, p->data, p->len, undo, nops, &napplied, NULL, err);
	if (!rc) {
		rc = log_append(s, p->data, p->len, err);
		if (rc)
			ops_undo(s, undo, napplied);
		else
			ops_finish(s, undo, napplied);
	}
	if (rc) {
		s->next_sid = ids[0];
		s->next_dev = ids[1];
		s->next_db = ids[2];
		s->next_tid = ids[3];
	}
	mem_free(undo);
	return rc;
}

/*---------------------------------------------------------------------------
 * Helpers shared by the statements
 *---------------------------------------------------------------------------*/

int err_oom(larch_error_t *err)
{
	return err_set(err, LARCH_NO_MEMORY, "out of memory changing the schema");
}

int check_kvs(const schema_kv_t *kv, size_t n, larch_error_t *err)
{
	for (size_t i = 0; i < n; i++) {
		if (!kv[i].key || !kv[i].value || !kv[i].key[0])
			return err_set(err, LARCH_ILLEGAL_PARAMETER, "empty tag or attribute key");
		if (strlen(kv[i].key) > SCHEMA_MAX_NAME || strlen(kv[i].value) > SCHEMA_MAX_NAME)
			return err_set(err, LARCH_ILLEGAL_PARAMETER, "tag or attribute %.64s is "
				       "longer than %u bytes", kv[i].key, SCHEMA_MAX_NAME);
	}
	return LARCH_OK;
}

/* Parse patterns[0..n) into a mem_alloc'd array. */
int parse_patterns(const char *const *patterns, size_t n, ppath_t **out, larch_error_t *err)
{
	*out = NULL;
	if (!n)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "no path given");
	ppath_t *pp = mem_calloc(n, sizeof(*pp));
	if (!pp)
		return err_oom(err);
	for (size_t i = 0; i < n; i++) {
		int rc = path_parse(patterns[i], strlen(patterns[i]), 1, &pp[i], err);
		if (rc) {
			while (i--)
				path_done(&pp[i]);
			mem_free(pp);
			return rc;
		}
	}
	*out = pp;
	return LARCH_OK;
}

void free_patterns(ppath_t *pp, size_t n)
{
	for (size_t i = 0; pp && i < n; i++)
		path_done(&pp[i]);
	mem_free(pp);
}

void patterns_text(char *buf, size_t cap, const char *const *patterns, size_t n)
{
	if (n == 1)
		snprintf(buf, cap, "%s", patterns[0]);
	else
		snprintf(buf, cap, "%.90s, ..., %.90s", patterns[0], patterns[n - 1]);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Sort and drop duplicates. */
void ids_unique(schema_ids_t *ids)
{
	if (ids->n < 2)
		return;
	qsort(ids->ids, ids->n, sizeof(uint32_t), cmp_u32);
	size_t k = 1;
	for (size_t i = 1; i < ids->n; i++)
		if (ids->ids[i] != ids->ids[k - 1])
			ids->ids[k++] = ids->ids[i];
	ids->n = k;
}

/* Parse a full path of at least two nodes. */
int parse_full(const char *path, ppath_t *pp, larch_error_t *err)
{
	int rc = path_parse(path, strlen(path), 0, pp, err);
	if (!rc && pp->n < 2) {
		path_done(pp);
		rc = err_illegal(err, path, strlen(path));
	}
	return rc;
}

