/*
 * users.c — the users of a data directory, as IoTDB's tree model has them
 * (privileges aside): DIR/users, password checks (larch_user_check), the
 * user calls of larch.h and their SQL (CREATE / DROP / ALTER USER, LIST
 * USER, with IoTDB's rules for users other than root).
 *
 * DIR/users is text, rewritten whole on every change (DIR/users.tmp, fsync,
 * rename over DIR/users, fsync DIR), so it is always the old or the new
 * table, never a mix; a stale users.tmp from a crash is overwritten by the
 * next change.  Its bytes are parsed as untrusted input: bounded size, no
 * line past its end, every field checked, duplicates refused.
 *
 *   line          content (fields separated by one space, '\n' after each line)
 *   ------------  -------------------------------------------------------------
 *   1             "larch-users 1"                       (magic, format version)
 *   2 ... n+1     <name> pbkdf2-sha256 <iter> <salt> <hash>, names ascending
 *
 *   field   rule
 *   ------  ---------------------------------------------------------------
 *   name    4..32 bytes of A-Z a-z 0-9 - _ ! @ # $ % ^ & * ( ) + =
 *   iter    decimal, USERS_ITER_MIN..USERS_ITER_MAX (PBKDF2 iterations)
 *   salt    32 lower-case hex digits: 16 bytes from RAND_bytes
 *   hash    64 lower-case hex digits: PBKDF2-HMAC-SHA256(password, salt,
 *           iter) truncated to 32 bytes
 *
 * In memory the table is a sorted array under one mutex.  A change builds
 * the new array, writes it to disk and only then replaces the old one, so
 * a failure (I/O, memory) changes nothing.  Hashing, the slow part (a few
 * milliseconds), runs outside the lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "sql_int.h"

#define USERS_MAGIC "larch-users 1"
#define USERS_ALGO "pbkdf2-sha256"
#define USERS_ROOT "root"
#define USERS_SALT 16
#define USERS_HASH 32
#define USERS_ITER 20000           /* iterations of every new hash */
#define USERS_ITER_MIN 1000
#define USERS_ITER_MAX 1000000     /* a hostile file must not make a login take minutes */
#define USERS_MAX 100000           /* users in one file */
#define USERS_FILE_MAX ((size_t)USERS_MAX * 160)
#define USERS_MIN_LEN 4

typedef struct user_rec {
	char name[LARCH_USER_NAME_MAX + 1];
	uint32_t iter;
	uint8_t salt[USERS_SALT];
	uint8_t hash[USERS_HASH];
} user_rec_t;

struct users {
	pthread_mutex_t lock;
	char *path;                /* DIR/users */
	char *tmp;                 /* DIR/users.tmp */
	char *dir;                 /* DIR (fsync'd after a rename) */
	user_rec_t *v;             /* sorted by name */
	size_t n;
};

/* A copy of the table (users_snapshot). */
typedef struct users_copy {
	user_rec_t *v;
	size_t n;
} users_copy_t;

/*---------------------------------------------------------------------------
 * Rules, hashing
 *---------------------------------------------------------------------------*/

static int users_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("-_!@#$%^&*()+=", c));
}

/* NULL when s (n bytes) is a legal name or password (IoTDB 2.0's rule),
 * else what is wrong with it. */
static const char *users_rule(const char *s, size_t n)
{
	if (n < USERS_MIN_LEN || n > LARCH_USER_NAME_MAX)
		return "must have 4 to 32 characters";
	for (size_t i = 0; i < n; i++) {
		if (s[i] == ' ')
			return "must not contain spaces";
		if (!users_char_ok((unsigned char)s[i]))
			return "may contain only letters, digits and -_!@#$%^&*()+=";
	}
	return NULL;
}

static int users_check_name(const char *name, larch_error_t *err)
{
	const char *why = name ? users_rule(name, strlen(name)) : "is missing";
	if (why)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "user name %.40s%s %s",
			       name ? name : "", name && strlen(name) > 40 ? "..." : "", why);
	return LARCH_OK;
}

static int users_check_password(const char *pw, larch_error_t *err)
{
	const char *why = pw ? users_rule(pw, strlen(pw)) : "is missing";
	if (why)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "the password %s", why);
	return LARCH_OK;
}

/* PBKDF2-HMAC-SHA256 of pw with r's salt and iterations into out. */
static int users_hash(const user_rec_t *r, const char *pw, uint8_t out[USERS_HASH],
		      larch_error_t *err)
{
	if (PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), r->salt, USERS_SALT, (int)r->iter,
			      EVP_sha256(), USERS_HASH, out) != 1)
		return err_set(err, LARCH_INTERNAL_ERROR, "password hashing failed (OpenSSL)");
	return LARCH_OK;
}

/* A record for name with a fresh salt and the hash of pw. */
static int users_make(user_rec_t *r, const char *name, const char *pw, larch_error_t *err)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->iter = USERS_ITER;
	if (RAND_bytes(r->salt, USERS_SALT) != 1)
		return err_set(err, LARCH_INTERNAL_ERROR, "no random bytes for a salt (OpenSSL)");
	return users_hash(r, pw, r->hash, err);
}

/* Index of name in v[0..n) (1 when found), or where it would go (0). */
static int users_find(const user_rec_t *v, size_t n, const char *name, size_t *at)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(v[mid].name, name);
		if (c == 0) {
			*at = mid;
			return 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return 0;
}

/*---------------------------------------------------------------------------
 * The file: encode, parse, read, write
 *---------------------------------------------------------------------------*/

static void users_put_hex(buf_t *b, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	uint8_t *o = buf_extend(b, 2 * n);
	if (!o)
		return;
	for (size_t i = 0; i < n; i++) {
		o[2 * i] = (uint8_t)digits[p[i] >> 4];
		o[2 * i + 1] = (uint8_t)digits[p[i] & 15];
	}
}

/* The file's bytes for v[0..n) (layout in the file comment). */
static void users_encode(const user_rec_t *v, size_t n, buf_t *b)
{
	char num[16];
	buf_put(b, USERS_MAGIC "\n", sizeof(USERS_MAGIC));
	for (size_t i = 0; i < n; i++) {
		buf_put(b, v[i].name, strlen(v[i].name));
		buf_put(b, " " USERS_ALGO " ", sizeof(USERS_ALGO) + 1);
		int k = snprintf(num, sizeof(num), "%u ", (unsigned)v[i].iter);
		buf_put(b, num, (size_t)k);
		users_put_hex(b, v[i].salt, USERS_SALT);
		buf_put_u8(b, ' ');
		users_put_hex(b, v[i].hash, USERS_HASH);
		buf_put_u8(b, '\n');
	}
}

static int users_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Exactly 2 * n lower-case hex digits in s[0..len) into out; 0 if not. */
static int users_parse_hex(const char *s, size_t len, uint8_t *out, size_t n)
{
	if (len != 2 * n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int hi = users_hex_digit(s[2 * i]), lo = users_hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return 0;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 1;
}

/* A decimal iteration count in range; 0 if not. */
static int users_parse_iter(const char *s, size_t len, uint32_t *out)
{
	uint32_t v = 0;
	if (len == 0 || len > 7 || s[0] == '0')
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v < USERS_ITER_MIN || v > USERS_ITER_MAX)
		return 0;
	*out = v;
	return 1;
}

/* Split line[0..len) at single spaces into exactly `want` non-empty
 * fields; 0 if the count differs or a field is empty. */
static int users_split(const char *line, size_t len, const char **f, size_t *fl, size_t want)
{
	size_t k = 0, start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && line[i] != ' ')
			continue;
		if (k == want || i == start)
			return 0;
		f[k] = line + start;
		fl[k++] = i - start;
		start = i + 1;
	}
	return k == want;
}

/* One user line into *r; NULL or what is wrong with it. */
static const char *users_parse_line(const char *line, size_t len, user_rec_t *r)
{
	const char *f[5];
	size_t fl[5];
	memset(r, 0, sizeof(*r));
	if (!users_split(line, len, f, fl, 5))
		return "expected 5 fields separated by single spaces";
	if (users_rule(f[0], fl[0]))
		return "bad user name";
	memcpy(r->name, f[0], fl[0]);
	if (fl[1] != strlen(USERS_ALGO) || memcmp(f[1], USERS_ALGO, fl[1]))
		return "unknown hash algorithm";
	if (!users_parse_iter(f[2], fl[2], &r->iter))
		return "bad iteration count";
	if (!users_parse_hex(f[3], fl[3], r->salt, USERS_SALT))
		return "bad salt";
	if (!users_parse_hex(f[4], fl[4], r->hash, USERS_HASH))
		return "bad hash";
	return NULL;
}

/* Parse the file's bytes (s, len) into a new array *out of *n users.
 * LARCH_CORRUPTED naming the file and line for anything off: a wrong
 * magic, a line without its '\n', a bad field, names out of order or
 * repeated, too many users, no root. */
static int users_parse(const char *path, const char *s, size_t len, user_rec_t **out,
		       size_t *n, larch_error_t *err)
{
	const char *why = NULL;
	size_t line = 1, pos, cap = 0, count = 0;
	user_rec_t *v = NULL;
	const char *nl = memchr(s, '\n', len);

	if (!nl || (size_t)(nl - s) != strlen(USERS_MAGIC) || memcmp(s, USERS_MAGIC, nl - s)) {
		why = "not a users file (bad first line)";
		goto bad;
	}
	for (pos = (size_t)(nl - s) + 1; pos < len; pos = (size_t)(nl - s) + 1) {
		line++;
		nl = memchr(s + pos, '\n', len - pos);
		if (!nl) {
			why = "last line has no end";
			goto bad;
		}
		if (count == USERS_MAX) {
			why = "too many users";
			goto bad;
		}
		if (count == cap) {
			cap = cap ? 2 * cap : 16;
			user_rec_t *g = mem_realloc(v, cap * sizeof(*v));
			if (!g) {
				mem_free(v);
				return err_set(err, LARCH_NO_MEMORY, "out of memory reading %s", path);
			}
			v = g;
		}
		if ((why = users_parse_line(s + pos, (size_t)(nl - s) - pos, &v[count])))
			goto bad;
		if (count && strcmp(v[count - 1].name, v[count].name) >= 0) {
			why = "user names repeated or out of order";
			goto bad;
		}
		count++;
	}
	size_t at;
	if (!users_find(v, count, USERS_ROOT, &at)) {
		mem_free(v);
		return err_set(err, LARCH_CORRUPTED, "users file %s has no root user", path);
	}
	*out = v;
	*n = count;
	return LARCH_OK;
bad:
	mem_free(v);
	return err_set(err, LARCH_CORRUPTED, "users file %s line %zu: %s", path, line, why);
}

/* Read the whole file at path (at most USERS_FILE_MAX bytes) into *b.
 * ENOENT is returned as LARCH_DONE (no file yet). */
static int users_read(const char *path, buf_t *b, larch_error_t *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return LARCH_DONE;
	if (fd < 0)
		return err_set(err, LARCH_STORAGE_ERROR, "cannot open %s: %s", path,
			       strerror(errno));
	int rc = LARCH_OK;
	for (;;) {
		if (b->len > USERS_FILE_MAX) {
			rc = err_set(err, LARCH_CORRUPTED, "users file %s is larger than %zu bytes",
				     path, USERS_FILE_MAX);
			break;
		}
		if (buf_reserve(b, 65536)) {
			rc = err_set(err, LARCH_NO_MEMORY, "out of memory reading %s", path);
			break;
		}
		ssize_t k = read(fd, b->data + b->len, 65536);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			rc = err_set(err, LARCH_STORAGE_ERROR, "cannot read %s: %s", path,
				     strerror(errno));
			break;
		}
		if (k == 0)
			break;
		b->len += (size_t)k;
	}
	close(fd);
	return rc;
}

static int users_write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Put v[0..n) on disk: users.tmp, fsync, rename over users, fsync DIR.
 * Called with the lock held (one writer at a time). */
static int users_store(struct users *u, const user_rec_t *v, size_t n, larch_error_t *err)
{
	buf_t b;
	int rc = LARCH_OK, fd = -1;
	buf_init(&b);
	users_encode(v, n, &b);
	if (!buf_ok(&b)) {
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory writing %s", u->path);
		goto done;
	}
	fd = open(u->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || users_write_all(fd, b.data, b.len) || fsync(fd)) {
		rc = err_set(err, LARCH_STORAGE_ERROR, "cannot write %s: %s", u->tmp,
			     strerror(errno));
		goto done;
	}
	if (rename(u->tmp, u->path)) {
		rc = err_set(err, LARCH_STORAGE_ERROR, "cannot rename %s to %s: %s", u->tmp, u->path,
			     strerror(errno));
		goto done;
	}
	int dfd = open(u->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
done:
	if (fd >= 0)
		close(fd);
	if (rc && fd >= 0)
		unlink(u->tmp);
	buf_free(&b);
	return rc;
}

/*---------------------------------------------------------------------------
 * Open, free
 *---------------------------------------------------------------------------*/

void users_free(struct users *u)
{
	if (!u)
		return;
	pthread_mutex_destroy(&u->lock);
	mem_free(u->v);
	mem_free(u->path);
	mem_free(u->tmp);
	mem_free(u->dir);
	mem_free(u);
}

static char *users_path(const char *dir, const char *file)
{
	size_t n = strlen(dir) + strlen(file) + 2;
	char *p = mem_alloc(n);
	if (p)
		snprintf(p, n, "%s/%s", dir, file);
	return p;
}

/* The table of a new directory: root with root_password ("" = "root"). */
static int users_create(struct users *u, const char *root_password, larch_error_t *err)
{
	const char *pw = root_password && *root_password ? root_password : USERS_ROOT;
	int rc = users_check_password(pw, err);
	if (rc) {
		err_prefix(err, "root_password");
		return rc;
	}
	if (!(u->v = mem_alloc(sizeof(*u->v))))
		return err_set(err, LARCH_NO_MEMORY, "out of memory creating %s", u->path);
	if ((rc = users_make(&u->v[0], USERS_ROOT, pw, err)))
		return rc;
	u->n = 1;
	return users_store(u, u->v, u->n, err);
}

int users_open(const char *dir, const char *root_password, struct users **out,
	       larch_error_t *err)
{
	struct users *u = mem_calloc(1, sizeof(*u));
	buf_t b;
	int rc;
	buf_init(&b);
	*out = NULL;
	if (!u)
		return err_set(err, LARCH_NO_MEMORY, "out of memory opening the users of %s", dir);
	pthread_mutex_init(&u->lock, NULL);
	if (!(u->path = users_path(dir, "users")) || !(u->tmp = users_path(dir, "users.tmp")) ||
	    !(u->dir = mem_strdup(dir))) {
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory opening the users of %s", dir);
		goto fail;
	}
	rc = users_read(u->path, &b, err);
	if (rc == LARCH_DONE)
		rc = users_create(u, root_password, err);
	else if (rc == LARCH_OK)
		rc = users_parse(u->path, (const char *)b.data, b.len, &u->v, &u->n, err);
	if (rc)
		goto fail;
	buf_free(&b);
	*out = u;
	return LARCH_OK;
fail:
	buf_free(&b);
	users_free(u);
	return rc;
}

/*---------------------------------------------------------------------------
 * Changes: build the new table, store it, then adopt it
 *---------------------------------------------------------------------------*/

/* Store v[0..n) (a new array) and make it the table, freeing the old one;
 * on failure v is freed and the table stays.  Lock held. */
static int users_commit(struct users *u, user_rec_t *v, size_t n, larch_error_t *err)
{
	int rc = users_store(u, v, n, err);
	if (rc) {
		mem_free(v);
		return rc;
	}
	mem_free(u->v);
	u->v = v;
	u->n = n;
	return LARCH_OK;
}

typedef enum users_op {
	USERS_ADD,       /* insert r (its name must be new) */
	USERS_REMOVE,    /* remove name */
	USERS_REPLACE    /* replace name's record by r (a new password) */
} users_op_t;

/* Apply one change to a copy of the table, store it and adopt it; with
 * IoTDB's codes when name is already there (805) or missing (804).  Lock
 * held. */
static int users_apply(struct users *u, users_op_t op, const char *name, const user_rec_t *r,
		       larch_error_t *err)
{
	size_t at, n = u->n;
	int found = users_find(u->v, n, name, &at);
	if (op == USERS_ADD && found)
		return err_set(err, LARCH_USER_ALREADY_EXIST, "user %s already exists", name);
	if (op != USERS_ADD && !found)
		return err_set(err, LARCH_USER_NOT_EXIST, "user %.40s does not exist", name);
	if (op == USERS_ADD && n >= USERS_MAX)
		return err_set(err, LARCH_EXECUTE_ERROR, "too many users (at most %d)", USERS_MAX);
	user_rec_t *v = mem_alloc((n + 1) * sizeof(*v));
	if (!v)
		return err_set(err, LARCH_NO_MEMORY, "out of memory changing user %s", name);
	memcpy(v, u->v, n * sizeof(*v));
	if (op == USERS_ADD) {
		memmove(v + at + 1, v + at, (n - at) * sizeof(*v));
		v[at] = *r;
		n++;
	} else if (op == USERS_REMOVE) {
		memmove(v + at, v + at + 1, (n - at - 1) * sizeof(*v));
		n--;
	} else {
		v[at] = *r;
	}
	return users_commit(u, v, n, err);
}

static int users_change(larch_db_t *db, users_op_t op, const char *name, const user_rec_t *r,
			larch_error_t *err)
{
	struct users *u = db->users;
	pthread_mutex_lock(&u->lock);
	int rc = users_apply(u, op, name, r, err);
	pthread_mutex_unlock(&u->lock);
	return rc;
}

int larch_user_create(larch_db_t *db, const char *name, const char *password,
		      larch_error_t *err)
{
	user_rec_t r;
	int rc;
	if ((rc = users_check_name(name, err)) || (rc = users_check_password(password, err)) ||
	    (rc = users_make(&r, name, password, err)))
		return rc;
	return users_change(db, USERS_ADD, name, &r, err);
}

int larch_user_drop(larch_db_t *db, const char *name, larch_error_t *err)
{
	if (!name)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "larch_user_drop: no user name");
	if (!strcmp(name, USERS_ROOT))
		return err_set(err, LARCH_NO_PERMISSION, "user root cannot be dropped");
	return users_change(db, USERS_REMOVE, name, NULL, err);
}

int larch_user_set_password(larch_db_t *db, const char *name, const char *password,
			    larch_error_t *err)
{
	user_rec_t r;
	int rc;
	if (!name)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "larch_user_set_password: no user name");
	if ((rc = users_check_password(password, err)) || (rc = users_make(&r, name, password, err)))
		return rc;
	return users_change(db, USERS_REPLACE, name, &r, err);
}

/*---------------------------------------------------------------------------
 * Reading: check, list
 *---------------------------------------------------------------------------*/

int larch_user_check(larch_db_t *db, const char *user, const char *password,
		     larch_error_t *err)
{
	/* an unknown user costs one hash too, so timing does not tell it apart */
	static const user_rec_t nobody = {.iter = USERS_ITER};
	struct users *u = db->users;
	user_rec_t r;
	uint8_t h[USERS_HASH];
	size_t at;
	int found = 0;
	if (user && password && strlen(user) <= LARCH_USER_NAME_MAX) {
		pthread_mutex_lock(&u->lock);
		if ((found = users_find(u->v, u->n, user, &at)))
			r = u->v[at];
		pthread_mutex_unlock(&u->lock);
	}
	int rc = users_hash(found ? &r : &nobody, password ? password : "", h, err);
	if (rc)
		return rc;
	if (!found || CRYPTO_memcmp(h, r.hash, USERS_HASH))
		return err_set(err, LARCH_WRONG_LOGIN_PASSWORD, "Authentication failed.");
	return LARCH_OK;
}

/* A copy of the table's names (the caller frees c->v). */
static int users_snapshot(larch_db_t *db, users_copy_t *c, larch_error_t *err)
{
	struct users *u = db->users;
	pthread_mutex_lock(&u->lock);
	c->n = u->n;
	c->v = mem_alloc(u->n * sizeof(*c->v));
	if (c->v)
		memcpy(c->v, u->v, u->n * sizeof(*c->v));
	pthread_mutex_unlock(&u->lock);
	return c->v ? LARCH_OK : err_set(err, LARCH_NO_MEMORY, "out of memory listing users");
}

int larch_user_list(larch_db_t *db, larch_user_cb cb, void *arg, larch_error_t *err)
{
	users_copy_t c;
	int rc = users_snapshot(db, &c, err);
	for (size_t i = 0; !rc && i < c.n; i++)
		rc = cb(arg, c.v[i].name);
	mem_free(c.v);
	return rc;
}

/*---------------------------------------------------------------------------
 * SQL
 *---------------------------------------------------------------------------*/

int sql_is_user(ast_stmt_kind_t k)
{
	return k == AST_CREATE_USER || k == AST_DROP_USER || k == AST_ALTER_USER_PASSWORD ||
	       k == AST_LIST_USER;
}

/* The session's user is root (or the embedding program). */
static int sql_user_is_root(const sql_exec_t *x)
{
	return !x->user || !strcmp(x->user, USERS_ROOT);
}

static int sql_list_row(void *arg, const char *name)
{
	query_table_t *t = arg;
	int rc = query_table_add_row(t, 0);
	return rc ? rc : query_table_set_text(t, 0, name, strlen(name));
}

/* LIST USER: one TEXT column "User", no time (as IoTDB 2.0); a user other
 * than root sees only itself. */
static int sql_list_users(sql_exec_t *x, query_result_t **out, larch_error_t *err)
{
	query_table_t *t = query_table_new(1, 0);
	int rc;
	if (!t || query_table_set_column(t, 0, "User", TSFILE_TEXT)) {
		query_table_free(t);
		return err_set(err, LARCH_NO_MEMORY, "out of memory listing users");
	}
	if (sql_user_is_root(x))
		rc = larch_user_list(x->db, sql_list_row, t, err);
	else
		rc = sql_list_row(t, x->user);
	if (rc) {
		query_table_free(t);
		return rc == LARCH_NO_MEMORY ? err_set(err, rc, "out of memory listing users") : rc;
	}
	return query_table_finish(t, out, err);
}

int sql_user(sql_exec_t *x, const ast_stmt_t *st, query_result_t **out, larch_error_t *err)
{
	int rc;
	if (st->kind == AST_LIST_USER)
		return sql_list_users(x, out, err);
	/* a user without privileges may only change its own password */
	if (!sql_user_is_root(x) &&
	    (st->kind != AST_ALTER_USER_PASSWORD || strcmp(st->name, x->user)))
		return err_set(err, LARCH_NO_PERMISSION,
			       "No permissions for this operation, please add privilege MANAGE_USER");
	switch (st->kind) {
	case AST_CREATE_USER:
		rc = larch_user_create(x->db, st->name, st->password, err);
		break;
	case AST_DROP_USER:
		rc = larch_user_drop(x->db, st->name, err);
		break;
	default:
		rc = larch_user_set_password(x->db, st->name, st->password, err);
		break;
	}
	return rc ? rc : query_result_empty(out, err);
}
