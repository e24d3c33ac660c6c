/*
 * path.c — IoTDB path syntax: parsing paths and patterns into node names,
 * rendering names in canonical form, matching one pattern node.
 *
 * Grammar (IoTDB tree model, Syntax-Rule / NodeName-In-Path):
 *   path     := "root" ( "." node )*
 *   node     := bare | "`" ( any char but "`" | "``" )+ "`"
 *   bare     := ident                          (full paths)
 *             | "*" | "**" | "*"? ident "*"?   (patterns)
 *   ident    := ( [0-9A-Za-z_] | U+2E80..U+9FFF )+, not a number
 *               ([0-9]+ or [0-9]+[eE][0-9]+) and not "root"
 * "root" is accepted in any case and rendered in lower case.  A bare name
 * is rendered bare, any other name back-quoted with "`" doubled, so the
 * canonical text of a path is unique.
 */
#include <strings.h>

#include "schema/schema_int.h"

int err_illegal(larch_error_t *err, const char *text, size_t len)
{
	int n = len > 200 ? 200 : (int)len;
	return err_set(err, LARCH_ILLEGAL_PATH, "%.*s is not a legal path", n, text);
}

/* Length of the identifier character at s (1 for ASCII, 3 for CJK), or 0
 * if s does not start with one. */
static size_t ident_char(const unsigned char *s, size_t left)
{
	unsigned c = s[0];
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
		return 1;
	if (c < 0xe2 || c > 0xe9 || left < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
		return 0;
	unsigned cp = (c & 0x0f) << 12 | (unsigned)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
	return cp >= 0x2e80 && cp <= 0x9fff ? 3 : 0;
}

static int all_ident(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		size_t k = ident_char(p + i, len - i);
		if (!k)
			return 0;
		i += k;
	}
	return len > 0;
}

/* [0-9]+ or [0-9]+[eE][0-9]+ : what IoTDB's lexer reads as a number. */
static int is_number(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == 0)
		return 0;
	if (i == len)
		return 1;
	if (s[i] != 'e' && s[i] != 'E')
		return 0;
	size_t j = ++i;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	return i == len && i > j;
}

static int is_root(const char *s, size_t len)
{
	return len == 4 && strncasecmp(s, "root", 4) == 0;
}

int name_is_plain(const char *s, size_t len)
{
	return all_ident(s, len) && !is_number(s, len) && !is_root(s, len);
}

int name_is_reserved(const char *s, size_t len)
{
	return (len == 4 && strncasecmp(s, "time", 4) == 0) ||
	       (len == 9 && strncasecmp(s, "timestamp", 9) == 0);
}

void path_put_name(buf_t *b, const char *s, size_t len)
{
	if (name_is_plain(s, len)) {
		buf_put(b, s, len);
		return;
	}
	buf_put_u8(b, '`');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '`')
			buf_put_u8(b, '`');
		buf_put_u8(b, (uint8_t)s[i]);
	}
	buf_put_u8(b, '`');
}

uint32_t path_hash_name(uint32_t h, const char *s, size_t len)
{
	if (name_is_plain(s, len))
		return hash_feed(h, s, len);
	h = hash_feed(h, "`", 1);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '`')
			h = hash_feed(h, "`", 1);
		h = hash_feed(h, s + i, 1);
	}
	return hash_feed(h, "`", 1);
}

static int has_sub(const char *s, size_t len, const char *sub, size_t n)
{
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(s + i, sub, n) == 0)
			return 1;
	return 0;
}

int pname_match(const pname_t *p, const char *s, size_t len)
{
	switch (p->kind) {
	case PK_NAME:
		return len == p->len && memcmp(s, p->s, len) == 0;
	case PK_STAR:
	case PK_DSTAR:
		return 1;
	case PK_PREFIX:
		return len >= p->len && memcmp(s, p->s, p->len) == 0;
	case PK_SUFFIX:
		return len >= p->len && memcmp(s + len - p->len, p->s, p->len) == 0;
	default:
		return has_sub(s, len, p->s, p->len);
	}
}

/* Room for n unescaped bytes in pp's scratch (the heap part is sized for
 * the whole text at once, so earlier names never move). */
static char *scratch(ppath_t *pp, size_t n, size_t text_len)
{
	if (!pp->heap && text_len <= sizeof(pp->small)) {
		char *p = pp->small + pp->used;
		pp->used += n;
		return p;
	}
	if (!pp->heap) {
		pp->heap = mem_alloc(text_len);
		if (!pp->heap)
			return NULL;
		pp->used = 0;
	}
	char *p = pp->heap + pp->used;
	pp->used += n;
	return p;
}

/* A bare node of a pattern with stars: *, **, *x, x*, *x*. */
static int parse_glob(pname_t *pn, const char *s, size_t len)
{
	if (len == 1) {
		pn->kind = PK_STAR;
		return 0;
	}
	if (len == 2 && s[0] == '*' && s[1] == '*') {
		pn->kind = PK_DSTAR;
		return 0;
	}
	int lead = s[0] == '*', trail = s[len - 1] == '*';
	const char *core = s + lead;
	size_t clen = len - (size_t)lead - (size_t)trail;
	if (!all_ident(core, clen))
		return -1;
	pn->s = core;
	pn->len = (uint32_t)clen;
	pn->kind = lead && trail ? PK_INFIX : lead ? PK_SUFFIX : PK_PREFIX;
	return 0;
}

int path_parse(const char *text, size_t len, int pattern, ppath_t *pp, larch_error_t *err)
{
	pp->n = 0;
	pp->heap = NULL;
	pp->used = 0;
	size_t pos = 0;
	for (;;) {
		if (pp->n == SCHEMA_MAX_DEPTH || pos >= len)
			goto illegal;
		pname_t *pn = &pp->node[pp->n];
		pn->kind = PK_NAME;
		pn->quoted = 0;
		if (text[pos] == '`') {
			size_t i = pos + 1, esc = 0;
			for (;; i++) {
				if (i >= len)
					goto illegal;
				if (text[i] != '`')
					continue;
				if (i + 1 < len && text[i + 1] == '`') {
					esc++;
					i++;
					continue;
				}
				break;
			}
			size_t raw = i - pos - 1;
			if (raw == 0 || memchr(text + pos + 1, '\0', raw))
				goto illegal;
			pn->quoted = 1;
			pn->len = (uint32_t)(raw - esc);
			if (!esc) {
				pn->s = text + pos + 1;
			} else {
				char *d = scratch(pp, pn->len, len);
				if (!d)
					return err_set(err, LARCH_NO_MEMORY, "out of memory parsing a path");
				size_t k = 0;
				for (size_t j = pos + 1; j < i; j++) {
					d[k++] = text[j];
					if (text[j] == '`')
						j++;
				}
				pn->s = d;
			}
			if (pn->len > SCHEMA_MAX_NAME)
				goto illegal;
			pos = i + 1;
		} else {
			size_t e = pos;
			while (e < len && text[e] != '.')
				e++;
			const char *seg = text + pos;
			size_t slen = e - pos;
			if (memchr(seg, '`', slen) || slen > SCHEMA_MAX_NAME)
				goto illegal;
			pn->s = seg;
			pn->len = (uint32_t)slen;
			if (memchr(seg, '*', slen)) {
				if (!pattern || pp->n == 0 || parse_glob(pn, seg, slen))
					goto illegal;
			} else if (pp->n == 0) {
				if (!is_root(seg, slen))
					goto illegal;
				pn->s = "root";
			} else if (!name_is_plain(seg, slen)) {
				goto illegal;
			}
			pos = e;
		}
		if (pp->n == 0 && (pn->quoted || pn->kind != PK_NAME))
			goto illegal;
		pp->n++;
		if (pos == len)
			return LARCH_OK;
		if (text[pos] != '.')
			goto illegal;
		pos++;
	}
illegal:
	path_done(pp);
	return err_illegal(err, text, len);
}

void path_done(ppath_t *pp)
{
	mem_free(pp->heap);
	pp->heap = NULL;
}

int path_split_plain(const char *text, size_t len, schema_str_t *names, uint32_t *np)
{
	uint32_t n = 0;
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && text[i] != '.') {
			if (text[i] == '`')
				return 0;
			continue;
		}
		if (i == start || n == SCHEMA_MAX_DEPTH)
			return 0;
		names[n].ptr = text + start;
		names[n].len = (uint32_t)(i - start);
		n++;
		start = i + 1;
	}
	*np = n;
	return 1;
}

void path_format(buf_t *b, const pname_t *names, uint32_t n)
{
	buf_put(b, "root", 4);
	for (uint32_t i = 1; i < n; i++) {
		buf_put_u8(b, '.');
		path_put_name(b, names[i].s, names[i].len);
	}
}

int name_parse(const char *text, size_t len, schema_str_t *out, char **copy)
{
	*copy = NULL;
	if (len == 0 || len > SCHEMA_MAX_NAME + 2)
		return -1;
	if (text[0] != '`') {
		if (!name_is_plain(text, len))
			return -1;
		out->ptr = text;
		out->len = (uint32_t)len;
		return 0;
	}
	/* a whole back-quoted node: `...`, with `` standing for one quote */
	if (len < 3 || text[len - 1] != '`' || memchr(text, '\0', len))
		return -1;
	size_t esc = 0;
	for (size_t i = 1; i < len - 1; i++) {
		if (text[i] != '`')
			continue;
		if (i + 1 >= len - 1 || text[i + 1] != '`')
			return -1;
		esc++;
		i++;
	}
	out->len = (uint32_t)(len - 2 - esc);
	if (out->len > SCHEMA_MAX_NAME)
		return -1;
	if (!esc) {
		out->ptr = text + 1;
		return 0;
	}
	char *d = mem_alloc(out->len);
	if (!d)
		return -2;
	size_t k = 0;
	for (size_t i = 1; i < len - 1; i++) {
		d[k++] = text[i];
		if (text[i] == '`')
			i++;
	}
	out->ptr = d;
	*copy = d;
	return 0;
}
