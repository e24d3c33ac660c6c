/*
 * template.c — device templates: a named, ordered list of measurements
 * (name, type, encoding, compressor), aligned or not.  Which nodes a
 * template is set on lives in the tree (tnode_t.tmpl) and which devices it
 * is activated on in the devices (device_t.tmpl); the series of an
 * activated device are ordinary series flagged SF_TMPL.  Templates are few:
 * lookups by name scan the table.
 */
#include "schema/schema_int.h"

uint32_t tmpl_by_name(const schema_t *s, const char *name, size_t len)
{
	uint32_t id = intern_find(&s->names, name, len);
	for (uint32_t t = 1; id && t < s->cap_tmpl; t++)
		if (s->tmpls[t].name == id)
			return t;
	return 0;
}

int tmpl_meas_index(const tmpl_t *t, uint32_t name_id)
{
	for (uint32_t i = 0; i < t->n; i++)
		if (t->ms[i].name == name_id)
			return (int)i;
	return -1;
}

int tmpl_create(schema_t *s, uint32_t tid, uint32_t name, int aligned)
{
	if (tid >= s->cap_tmpl) {
		uint32_t nc = s->cap_tmpl ? s->cap_tmpl : 8;
		while (nc <= tid)
			nc *= 2;
		tmpl_t *t = mem_realloc(s->tmpls, (size_t)nc * sizeof(*t));
		if (!t)
			return LARCH_NO_MEMORY;
		memset(t + s->cap_tmpl, 0, (size_t)(nc - s->cap_tmpl) * sizeof(*t));
		s->tmpls = t;
		s->cap_tmpl = nc;
	}
	tmpl_t *t = &s->tmpls[tid];
	memset(t, 0, sizeof(*t));
	t->name = name;
	t->aligned = aligned ? 1 : 0;
	if (tid >= s->next_tid)
		s->next_tid = tid + 1;
	s->live_tmpls++;
	return LARCH_OK;
}

int tmpl_append(schema_t *s, uint32_t tid, const tmeas_t *ms, uint32_t n)
{
	tmpl_t *t = &s->tmpls[tid];
	if (!n)
		return LARCH_OK;
	if (t->n + n > t->cap) {
		uint32_t nc = t->cap ? t->cap : 4;
		while (nc < t->n + n)
			nc *= 2;
		tmeas_t *m = mem_realloc(t->ms, (size_t)nc * sizeof(*m));
		if (!m)
			return LARCH_NO_MEMORY;
		t->ms = m;
		t->cap = nc;
	}
	memcpy(t->ms + t->n, ms, (size_t)n * sizeof(*ms));
	t->n += n;
	return LARCH_OK;
}

void tmpl_truncate(schema_t *s, uint32_t tid, uint32_t n)
{
	s->tmpls[tid].n = n;
}

void tmpl_destroy(schema_t *s, uint32_t tid)
{
	tmpl_t *t = &s->tmpls[tid];
	mem_free(t->ms);
	memset(t, 0, sizeof(*t));
	s->live_tmpls--;
}
