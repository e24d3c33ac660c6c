/* Unit tests for the users of a data directory (src/engine/users.c through
 * include/larch/larch.h): the root user of a new directory, create / drop /
 * set password / list, IoTDB 2.0's name and password rules, persistence
 * across close and open, the file's hashes recomputed here with OpenSSL,
 * damaged users files refused at open and left untouched, the SQL
 * statements with root and non-root sessions, allocation failures, and
 * concurrent callers. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "base/base.h"
#include "larch/larch.h"
#include "../helpers/fixture.h"
#include "../helpers/hex.h"

static char users_path[300];

static int setup(void **state)
{
	fixture_dir_setup(state);
	snprintf(users_path, sizeof users_path, "%s/users", fixture_dir);
	return 0;
}

static larch_db_t *open_with(const char *root_password)
{
	larch_options_t opt;
	larch_db_t *db = NULL;
	larch_error_t err = {0};
	larch_options_default(&opt);
	opt.wal_mode = LARCH_WAL_OFF;
	if (root_password)
		snprintf(opt.root_password, sizeof opt.root_password, "%s", root_password);
	int rc = larch_open(fixture_dir, &opt, &db, &err);
	if (rc)
		fail_msg("larch_open: %d %s", rc, err.msg);
	return db;
}

static larch_db_t *open_db(void)
{
	return open_with(NULL);
}

/* Status of larch_user_check (message checked for failures). */
static int check(larch_db_t *db, const char *user, const char *pw)
{
	larch_error_t err = {0};
	int rc = larch_user_check(db, user, pw, &err);
	if (rc)
		assert_string_equal(err.msg, "Authentication failed.");
	return rc;
}

static int create(larch_db_t *db, const char *user, const char *pw)
{
	larch_error_t err = {0};
	return larch_user_create(db, user, pw, &err);
}

/* Whole file into a static buffer; its length in *n (0 if missing). */
static const char *read_file(const char *path, size_t *n)
{
	static char buf[1 << 16];
	FILE *f = fopen(path, "rb");
	*n = 0;
	if (!f)
		return NULL;
	*n = fread(buf, 1, sizeof buf - 1, f);
	buf[*n] = 0;
	fclose(f);
	return buf;
}

static void write_file(const char *path, const char *s, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(s, 1, n, f), n);
	fclose(f);
}

typedef struct names {
	char v[64][LARCH_USER_NAME_MAX + 1];
	size_t n;
} names_t;

static int collect(void *arg, const char *name)
{
	names_t *ns = arg;
	if (ns->n == 64)
		return 1;
	snprintf(ns->v[ns->n++], sizeof ns->v[0], "%s", name);
	return 0;
}

/* Every user name, comma-separated, as larch_user_list gives them. */
static const char *list(larch_db_t *db)
{
	static char out[2048];
	names_t ns = {.n = 0};
	larch_error_t err = {0};
	if (larch_user_list(db, collect, &ns, &err))
		fail_msg("larch_user_list: %s", err.msg);
	out[0] = 0;
	for (size_t i = 0; i < ns.n; i++) {
		strcat(out, i ? "," : "");
		strcat(out, ns.v[i]);
	}
	return out;
}

/*---------------------------------------------------------------------------*/

static void test_new_directory_has_root(void **state)
{
	(void)state;
	larch_db_t *db = open_db();
	assert_int_equal(check(db, "root", "root"), LARCH_OK);
	assert_int_equal(check(db, "root", "toor"), LARCH_WRONG_LOGIN_PASSWORD);
	assert_int_equal(check(db, "root", ""), LARCH_WRONG_LOGIN_PASSWORD);
	assert_int_equal(check(db, "root", NULL), LARCH_WRONG_LOGIN_PASSWORD);
	assert_int_equal(check(db, "Root", "root"), LARCH_WRONG_LOGIN_PASSWORD);
	/* unknown user: the same answer as a wrong password */
	assert_int_equal(check(db, "nobody", "root"), LARCH_WRONG_LOGIN_PASSWORD);
	assert_int_equal(check(db, NULL, "root"), LARCH_WRONG_LOGIN_PASSWORD);
	assert_string_equal(list(db), "root");
	fixture_close_db(db);
	struct stat st;
	assert_int_equal(stat(users_path, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);   /* hashes are not world-readable */
}

static void test_root_password_option(void **state)
{
	(void)state;
	larch_db_t *db = open_with("s3cret!!");
	assert_int_equal(check(db, "root", "root"), LARCH_WRONG_LOGIN_PASSWORD);
	assert_int_equal(check(db, "root", "s3cret!!"), LARCH_OK);
	fixture_close_db(db);
	/* an existing directory keeps its users whatever the option says */
	db = open_with("other-pw");
	assert_int_equal(check(db, "root", "other-pw"), LARCH_WRONG_LOGIN_PASSWORD);
	assert_int_equal(check(db, "root", "s3cret!!"), LARCH_OK);
	fixture_close_db(db);
}

static void test_root_password_option_illegal(void **state)
{
	(void)state;
	larch_options_t opt;
	larch_db_t *db = NULL;
	larch_error_t err = {0};
	larch_options_default(&opt);
	snprintf(opt.root_password, sizeof opt.root_password, "abc");
	assert_int_equal(larch_open(fixture_dir, &opt, &db, &err), LARCH_ILLEGAL_PARAMETER);
	assert_null(db);
	assert_non_null(strstr(err.msg, "root_password"));
	size_t n;
	assert_null(read_file(users_path, &n));
}

static void test_create_check_drop(void **state)
{
	(void)state;
	larch_db_t *db = open_db();
	larch_error_t err = {0};
	assert_int_equal(create(db, "zed_9", "pw-zed!!"), LARCH_OK);
	assert_int_equal(create(db, "alice", "alice-pw"), LARCH_OK);
	assert_int_equal(create(db, "Bob(1)", "#$%^&*()+="), LARCH_OK);
	assert_string_equal(list(db), "Bob(1),alice,root,zed_9");   /* byte order */
	assert_int_equal(check(db, "alice", "alice-pw"), LARCH_OK);
	assert_int_equal(check(db, "alice", "alice-pW"), LARCH_WRONG_LOGIN_PASSWORD);
	assert_int_equal(check(db, "Bob(1)", "#$%^&*()+="), LARCH_OK);
	assert_int_equal(check(db, "zed_9", "pw-zed!!"), LARCH_OK);
	/* names are case-sensitive: ALICE is another user */
	assert_int_equal(check(db, "ALICE", "alice-pw"), LARCH_WRONG_LOGIN_PASSWORD);

	assert_int_equal(larch_user_create(db, "alice", "another1", &err), LARCH_USER_ALREADY_EXIST);
	assert_non_null(strstr(err.msg, "alice"));
	assert_int_equal(create(db, "root", "whatever"), LARCH_USER_ALREADY_EXIST);
	assert_int_equal(check(db, "alice", "alice-pw"), LARCH_OK);   /* unchanged */

	assert_int_equal(larch_user_drop(db, "alice", &err), LARCH_OK);
	assert_int_equal(check(db, "alice", "alice-pw"), LARCH_WRONG_LOGIN_PASSWORD);
	assert_int_equal(larch_user_drop(db, "alice", &err), LARCH_USER_NOT_EXIST);
	assert_int_equal(larch_user_drop(db, "root", &err), LARCH_NO_PERMISSION);
	assert_int_equal(check(db, "root", "root"), LARCH_OK);
	assert_string_equal(list(db), "Bob(1),root,zed_9");
	/* a dropped name can be created again, with a new password */
	assert_int_equal(create(db, "alice", "second-pw"), LARCH_OK);
	assert_int_equal(check(db, "alice", "alice-pw"), LARCH_WRONG_LOGIN_PASSWORD);
	assert_int_equal(check(db, "alice", "second-pw"), LARCH_OK);
	fixture_close_db(db);
}

static void test_set_password(void **state)
{
	(void)state;
	larch_db_t *db = open_db();
	larch_error_t err = {0};
	assert_int_equal(create(db, "user1", "first-pw"), LARCH_OK);
	assert_int_equal(larch_user_set_password(db, "user1", "second-pw", &err), LARCH_OK);
	assert_int_equal(check(db, "user1", "first-pw"), LARCH_WRONG_LOGIN_PASSWORD);
	assert_int_equal(check(db, "user1", "second-pw"), LARCH_OK);
	assert_int_equal(larch_user_set_password(db, "root", "new-root", &err), LARCH_OK);
	assert_int_equal(check(db, "root", "root"), LARCH_WRONG_LOGIN_PASSWORD);
	assert_int_equal(check(db, "root", "new-root"), LARCH_OK);
	assert_int_equal(larch_user_set_password(db, "ghost", "whatever", &err),
			 LARCH_USER_NOT_EXIST);
	assert_int_equal(larch_user_set_password(db, "user1", "abc", &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(check(db, "user1", "second-pw"), LARCH_OK);
	fixture_close_db(db);
}

/* IoTDB 2.0 (AuthUtils): 4 to 32 characters, no spaces, letters, digits
 * and -_!@#$%^&*()+= only; names and passwords 303, as IoTDB 2.0. */
static void test_rules(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"abc", "", "a b c d", "dot.ted", "semi;colon", "quote'q", "tab\tbed",
		"back`tick", "slash/x", "caf\xc3\xa9x", "123456789012345678901234567890123",
	};
	larch_db_t *db = open_db();
	larch_error_t err = {0};
	for (size_t i = 0; i < LR_ARRAY_LEN(bad); i++) {
		assert_int_equal(larch_user_create(db, bad[i], "good-pw1", &err),
				 LARCH_ILLEGAL_PARAMETER);
		assert_int_equal(larch_user_create(db, "gooduser", bad[i], &err),
				 LARCH_ILLEGAL_PARAMETER);
	}
	assert_int_equal(larch_user_create(db, NULL, "good-pw1", &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(larch_user_create(db, "gooduser", NULL, &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(larch_user_create(db, "gooduser", "abc", &err), LARCH_ILLEGAL_PARAMETER);
	assert_non_null(strstr(err.msg, "4 to 32"));
	assert_int_equal(larch_user_create(db, "gooduser", "a b c d", &err),
			 LARCH_ILLEGAL_PARAMETER);
	assert_non_null(strstr(err.msg, "spaces"));
	assert_string_equal(list(db), "root");   /* nothing created */
	/* the limits themselves are legal */
	assert_int_equal(create(db, "abcd", "wxyz"), LARCH_OK);
	assert_int_equal(create(db, "12345678901234567890123456789012",
				"-_!@#$%^&*()+=ABCxyz0123456789ab"), LARCH_OK);
	assert_int_equal(check(db, "12345678901234567890123456789012",
			       "-_!@#$%^&*()+=ABCxyz0123456789ab"), LARCH_OK);
	fixture_close_db(db);
}

static void test_persistence(void **state)
{
	(void)state;
	larch_db_t *db = open_db();
	larch_error_t err = {0};
	char name[32], pw[32];
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof name, "user%02d", i);
		snprintf(pw, sizeof pw, "pw-%d-%d", i, i * 7);
		assert_int_equal(create(db, name, pw), LARCH_OK);
	}
	assert_int_equal(larch_user_drop(db, "user07", &err), LARCH_OK);
	assert_int_equal(larch_user_set_password(db, "user03", "changed3", &err), LARCH_OK);
	fixture_close_db(db);

	db = open_db();
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof name, "user%02d", i);
		snprintf(pw, sizeof pw, "pw-%d-%d", i, i * 7);
		int want = i == 7 || i == 3 ? LARCH_WRONG_LOGIN_PASSWORD : LARCH_OK;
		assert_int_equal(check(db, name, pw), want);
	}
	assert_int_equal(check(db, "user03", "changed3"), LARCH_OK);
	assert_int_equal(check(db, "root", "root"), LARCH_OK);
	fixture_close_db(db);
}

/* The file's hashes are PBKDF2-HMAC-SHA256 of the password as the file
 * comment says: recompute them here from each line's salt and count. */
static void test_file_format(void **state)
{
	(void)state;
	larch_db_t *db = open_db();
	assert_int_equal(create(db, "alice", "alice-pw"), LARCH_OK);
	fixture_close_db(db);
	size_t n;
	const char *s = read_file(users_path, &n);
	assert_non_null(s);
	assert_memory_equal(s, "larch-users 1\n", 14);
	const char *line = strchr(s, '\n') + 1;
	static const char *const who[][2] = {{"alice", "alice-pw"}, {"root", "root"}};
	for (size_t i = 0; i < 2; i++) {
		char name[64], algo[32], salt_hex[64], hash_hex[128];
		unsigned iter;
		assert_int_equal(sscanf(line, "%63s %31s %u %63s %127s", name, algo, &iter, salt_hex,
					hash_hex), 5);
		assert_string_equal(name, who[i][0]);
		assert_string_equal(algo, "pbkdf2-sha256");
		size_t ns, nh;
		uint8_t *salt = hex_decode(salt_hex, &ns), *hash = hex_decode(hash_hex, &nh);
		assert_int_equal(ns, 16);
		assert_int_equal(nh, 32);
		uint8_t want[32];
		assert_int_equal(PKCS5_PBKDF2_HMAC(who[i][1], (int)strlen(who[i][1]), salt, 16,
						   (int)iter, EVP_sha256(), 32, want), 1);
		assert_memory_equal(want, hash, 32);
		mem_free(salt);
		mem_free(hash);
		line = strchr(line, '\n') + 1;
	}
	assert_int_equal(line - s, (long)n);   /* nothing after the two users */
}

/* A damaged users file: larch_open fails with LARCH_CORRUPTED naming the
 * file, and the file is left exactly as it was. */
static void test_corrupted_file(void **state)
{
	(void)state;
	larch_db_t *db = open_db();
	assert_int_equal(create(db, "alice", "alice-pw"), LARCH_OK);
	fixture_close_db(db);
	size_t n;
	char good[4096];
	const char *s = read_file(users_path, &n);
	assert_true(n < sizeof good);
	memcpy(good, s, n + 1);
	const char *root_line = strstr(good, "\nroot ") + 1;
	size_t alice_len = (size_t)(root_line - good) - 14;   /* after the magic line */

	char bad[4096];
	/* each case: a description and the damaged bytes */
	char cases[16][4096];
	size_t lens[16];
	const char *what[16];
	size_t k = 0;
#define CASE(desc, ...)                                                           \
	do {                                                                      \
		what[k] = desc;                                                   \
		lens[k] = (size_t)snprintf(cases[k], sizeof cases[k], __VA_ARGS__); \
		k++;                                                              \
	} while (0)
	CASE("empty file", "%s", "");
	CASE("wrong magic", "larch-users 2\n%s", good + 14);
	CASE("no end of last line", "%.*s", (int)n - 1, good);
	CASE("no root", "larch-users 1\n%.*s", (int)alice_len, good + 14);
	CASE("repeated user", "%s%s", good, root_line);
	CASE("out of order", "larch-users 1\n%s%.*s", root_line, (int)alice_len, good + 14);
	CASE("extra field", "larch-users 1\n%.*s x\n%s", (int)alice_len - 1, good + 14, root_line);
	CASE("double space", "larch-users 1\nalice  pbkdf2-sha256%s", strchr(good + 14, ' ') + 14);
	CASE("bad algorithm", "larch-users 1\nalice md5-sha256%s", strchr(good + 14, ' ') + 14);
	CASE("huge iterations", "larch-users 1\nalice pbkdf2-sha256 999999999 %s",
	     strchr(strchr(strchr(good + 14, ' ') + 1, ' ') + 1, ' ') + 1);
	CASE("binary garbage", "%s", "\x01\x02\xff\xfe\n\n\n");
	for (size_t i = 0; i < k; i++) {
		write_file(users_path, cases[i], lens[i]);
		larch_db_t *d = NULL;
		larch_error_t err = {0};
		int rc = larch_open(fixture_dir, NULL, &d, &err);
		if (rc != LARCH_CORRUPTED)
			fail_msg("%s: larch_open gave %d (%s)", what[i], rc, err.msg);
		assert_null(d);
		assert_non_null(strstr(err.msg, users_path));
		size_t m;
		const char *after = read_file(users_path, &m);
		assert_int_equal(m, lens[i]);
		assert_memory_equal(after, cases[i], m);
	}
	/* a NUL inside a name, and a hex digit in upper case */
	memcpy(bad, good, n);
	bad[15] = 0;
	write_file(users_path, bad, n);
	larch_error_t err = {0};
	larch_db_t *d = NULL;
	assert_int_equal(larch_open(fixture_dir, NULL, &d, &err), LARCH_CORRUPTED);
	assert_non_null(strstr(err.msg, "line 2"));
	memcpy(bad, good, n);
	char *salt = strstr(bad, " 20000 ");
	assert_non_null(salt);
	salt[7] = (char)(salt[7] >= 'a' ? salt[7] - 32 : 'G');
	write_file(users_path, bad, n);
	assert_int_equal(larch_open(fixture_dir, NULL, &d, &err), LARCH_CORRUPTED);
	/* the good file opens again, every user intact */
	write_file(users_path, good, n);
	db = open_db();
	assert_int_equal(check(db, "alice", "alice-pw"), LARCH_OK);
	assert_int_equal(check(db, "root", "root"), LARCH_OK);
	fixture_close_db(db);
}

/*---------------------------------------------------------------------------
 * SQL
 *---------------------------------------------------------------------------*/

static int exec_as(larch_db_t *db, const char *user, const char *sql, larch_error_t *err)
{
	larch_result_t *r = NULL;
	int rc = larch_execute_as(db, user, sql, NULL, &r, err);
	larch_result_free(r);
	return rc;
}

/* LIST USER rows as "a,b,c", checking the result's shape. */
static const char *list_sql(larch_db_t *db, const char *user)
{
	static char out[1024];
	larch_result_t *r = NULL;
	larch_error_t err = {0};
	const larch_block_t *b;
	if (larch_execute_as(db, user, "list user", NULL, &r, &err))
		fail_msg("LIST USER: %s", err.msg);
	assert_int_equal(larch_result_column_count(r), 1);
	assert_string_equal(larch_result_column_name(r, 0), "User");
	assert_int_equal(larch_result_column_type(r, 0), TSFILE_TEXT);
	assert_int_equal(larch_result_has_time(r), 0);
	out[0] = 0;
	while (larch_result_next(r, &b, &err) == LARCH_OK)
		for (size_t i = 0; i < b->n_rows; i++) {
			const tsfile_bytes_t *v = b->columns[0].values;
			if (out[0])
				strcat(out, ",");
			strncat(out, v[i].ptr, v[i].len);
		}
	larch_result_free(r);
	return out;
}

static void test_sql_root(void **state)
{
	(void)state;
	larch_db_t *db = open_db();
	larch_error_t err = {0};
	assert_int_equal(exec_as(db, NULL, "CREATE USER ln_write_user 'write_pwd'", &err), LARCH_OK);
	assert_int_equal(exec_as(db, "root", "create user `sgcc-w!` 'write_pwd';", &err), LARCH_OK);
	assert_string_equal(list_sql(db, NULL), "ln_write_user,root,sgcc-w!");
	assert_int_equal(check(db, "sgcc-w!", "write_pwd"), LARCH_OK);
	assert_int_equal(exec_as(db, NULL, "ALTER USER ln_write_user SET PASSWORD 'new_pwd1'", &err),
			 LARCH_OK);
	assert_int_equal(check(db, "ln_write_user", "new_pwd1"), LARCH_OK);
	assert_int_equal(exec_as(db, NULL, "DROP USER `sgcc-w!`", &err), LARCH_OK);
	assert_string_equal(list_sql(db, "root"), "ln_write_user,root");

	assert_int_equal(exec_as(db, NULL, "CREATE USER ln_write_user 'write_pwd'", &err),
			 LARCH_USER_ALREADY_EXIST);
	assert_int_equal(exec_as(db, NULL, "DROP USER nobody1", &err), LARCH_USER_NOT_EXIST);
	assert_int_equal(exec_as(db, NULL, "DROP USER root", &err), LARCH_NO_PERMISSION);
	assert_int_equal(exec_as(db, NULL, "CREATE USER shorty 'pw'", &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(exec_as(db, NULL, "CREATE USER abc 'password'", &err),
			 LARCH_ILLEGAL_PARAMETER);
	/* syntax: the password is a string literal, the name an identifier */
	assert_int_equal(exec_as(db, NULL, "CREATE USER user2 password", &err), LARCH_PARSE_ERROR);
	assert_int_equal(exec_as(db, NULL, "CREATE USER 'user2' 'password'", &err),
			 LARCH_PARSE_ERROR);
	assert_int_equal(exec_as(db, NULL, "CREATE USER user2", &err), LARCH_PARSE_ERROR);
	assert_int_equal(exec_as(db, NULL, "ALTER USER user2 PASSWORD 'password'", &err),
			 LARCH_PARSE_ERROR);
	assert_int_equal(exec_as(db, NULL, "DELETE USER ln_write_user", &err), LARCH_PARSE_ERROR);
	assert_int_equal(exec_as(db, NULL, "LIST USERS", &err), LARCH_PARSE_ERROR);
	assert_int_equal(exec_as(db, NULL, "LIST USER OF ROLE r1", &err), LARCH_PARSE_ERROR);
	assert_string_equal(list_sql(db, NULL), "ln_write_user,root");
	/* larch_execute is the embedding program: root */
	larch_result_t *r = NULL;
	assert_int_equal(larch_execute(db, "CREATE USER embedded 'emb-pw1'", NULL, &r, &err),
			 LARCH_OK);
	larch_result_free(r);
	assert_int_equal(check(db, "embedded", "emb-pw1"), LARCH_OK);
	fixture_close_db(db);
}

static void test_sql_non_root(void **state)
{
	(void)state;
	larch_db_t *db = open_db();
	larch_error_t err = {0};
	assert_int_equal(create(db, "alice", "alice-pw"), LARCH_OK);
	assert_int_equal(create(db, "bob1", "bob-pw12"), LARCH_OK);
	assert_int_equal(exec_as(db, "alice", "CREATE USER carol 'carol-pw'", &err),
			 LARCH_NO_PERMISSION);
	assert_int_equal(exec_as(db, "alice", "DROP USER bob1", &err), LARCH_NO_PERMISSION);
	assert_int_equal(exec_as(db, "alice", "DROP USER alice", &err), LARCH_NO_PERMISSION);
	assert_int_equal(exec_as(db, "alice", "ALTER USER bob1 SET PASSWORD 'hijacked'", &err),
			 LARCH_NO_PERMISSION);
	assert_int_equal(exec_as(db, "alice", "ALTER USER root SET PASSWORD 'hijacked'", &err),
			 LARCH_NO_PERMISSION);
	/* its own password it may change */
	assert_int_equal(exec_as(db, "alice", "ALTER USER alice SET PASSWORD 'alice-2'", &err),
			 LARCH_OK);
	assert_int_equal(check(db, "alice", "alice-2"), LARCH_OK);
	assert_string_equal(list_sql(db, "alice"), "alice");
	assert_string_equal(list_sql(db, NULL), "alice,bob1,root");
	assert_int_equal(check(db, "bob1", "bob-pw12"), LARCH_OK);
	assert_int_equal(check(db, "root", "root"), LARCH_OK);
	/* everything else it may do */
	assert_int_equal(exec_as(db, "alice", "CREATE DATABASE root.sg", &err), LARCH_OK);
	assert_int_equal(exec_as(db, "alice", "INSERT INTO root.sg.d(time, s) VALUES (1, 2)", &err),
			 LARCH_OK);
	fixture_close_db(db);
}

/*---------------------------------------------------------------------------
 * Allocation failures: every failing call changes nothing
 *---------------------------------------------------------------------------*/

static void test_oom(void **state)
{
	(void)state;
	larch_db_t *db = open_db();
	assert_int_equal(create(db, "keeper", "keeper-pw"), LARCH_OK);
	size_t n0;
	char before[4096];
	const char *s0 = read_file(users_path, &n0);
	assert_true(s0 && n0 < sizeof before);
	memcpy(before, s0, n0);
	int created = 0;
	for (long k = 0; k < 200 && !created; k++) {
		larch_error_t err = {0};
		mem_fail_after(k);
		int rc = larch_user_create(db, "fresh", "fresh-pw", &err);
		mem_fail_after(-1);
		if (rc == LARCH_OK) {
			created = 1;
			break;
		}
		assert_int_equal(rc, LARCH_NO_MEMORY);
		assert_int_equal(check(db, "fresh", "fresh-pw"), LARCH_WRONG_LOGIN_PASSWORD);
		size_t n;
		const char *now = read_file(users_path, &n);
		assert_int_equal(n, n0);
		assert_memory_equal(now, before, n0);
	}
	assert_true(created);
	int dropped = 0;
	for (long k = 0; k < 200 && !dropped; k++) {
		larch_error_t err = {0};
		mem_fail_after(k);
		int rc = larch_user_drop(db, "keeper", &err);
		mem_fail_after(-1);
		if (rc == LARCH_OK)
			dropped = 1;
		else
			assert_int_equal(rc, LARCH_NO_MEMORY),
			assert_int_equal(check(db, "keeper", "keeper-pw"), LARCH_OK);
	}
	assert_true(dropped);
	int listed = 0;
	for (long k = 0; k < 400 && !listed; k++) {
		larch_error_t err = {0};
		larch_result_t *r = NULL;
		mem_fail_after(k);
		int rc = larch_execute(db, "LIST USER", NULL, &r, &err);
		mem_fail_after(-1);
		larch_result_free(r);
		if (rc == LARCH_OK)
			listed = 1;
		else
			assert_int_equal(rc, LARCH_NO_MEMORY);
	}
	assert_true(listed);
	assert_string_equal(list(db), "fresh,root");
	fixture_close_db(db);
	/* opening (parsing the file) under failures: an error or success, never a crash */
	for (long k = 0; k < 40; k++) {
		larch_error_t err = {0};
		larch_db_t *d = NULL;
		mem_fail_after(k);
		int rc = larch_open(fixture_dir, NULL, &d, &err);
		mem_fail_after(-1);
		if (rc == LARCH_OK)
			fixture_close_db(d);
		else
			assert_null(d);
	}
	db = open_db();
	assert_int_equal(check(db, "fresh", "fresh-pw"), LARCH_OK);
	fixture_close_db(db);
}

/*---------------------------------------------------------------------------
 * Concurrency: creators and checkers at once
 *---------------------------------------------------------------------------*/

typedef struct worker {
	larch_db_t *db;
	int id;
	int failures;
} worker_t;

static void *worker_run(void *arg)
{
	worker_t *w = arg;
	char name[32], pw[32];
	for (int i = 0; i < 6; i++) {
		larch_error_t err = {0};
		snprintf(name, sizeof name, "w%d_u%d", w->id, i);
		snprintf(pw, sizeof pw, "pw%d-%d!", w->id, i);
		if (larch_user_create(w->db, name, pw, &err) ||
		    larch_user_check(w->db, name, pw, &err) ||
		    larch_user_check(w->db, "root", "root", &err) ||
		    larch_user_check(w->db, name, "wrong-pw", &err) != LARCH_WRONG_LOGIN_PASSWORD)
			w->failures++;
		if (i % 2 && larch_user_drop(w->db, name, &err))
			w->failures++;
	}
	return NULL;
}

static void test_concurrent(void **state)
{
	(void)state;
	larch_db_t *db = open_db();
	worker_t w[4];
	pthread_t t[4];
	for (int i = 0; i < 4; i++) {
		w[i] = (worker_t){db, i, 0};
		assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
	fixture_close_db(db);
	db = open_db();
	assert_string_equal(list(db), "root,w0_u0,w0_u2,w0_u4,w1_u0,w1_u2,w1_u4,w2_u0,w2_u2,w2_u4,"
				      "w3_u0,w3_u2,w3_u4");
	assert_int_equal(check(db, "w2_u4", "pw2-4!"), LARCH_OK);
	fixture_close_db(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_directory_has_root, setup, fixture_dir_teardown),
		cmocka_unit_test_setup_teardown(test_root_password_option, setup, fixture_dir_teardown),
		cmocka_unit_test_setup_teardown(test_root_password_option_illegal, setup, fixture_dir_teardown),
		cmocka_unit_test_setup_teardown(test_create_check_drop, setup, fixture_dir_teardown),
		cmocka_unit_test_setup_teardown(test_set_password, setup, fixture_dir_teardown),
		cmocka_unit_test_setup_teardown(test_rules, setup, fixture_dir_teardown),
		cmocka_unit_test_setup_teardown(test_persistence, setup, fixture_dir_teardown),
		cmocka_unit_test_setup_teardown(test_file_format, setup, fixture_dir_teardown),
		cmocka_unit_test_setup_teardown(test_corrupted_file, setup, fixture_dir_teardown),
		cmocka_unit_test_setup_teardown(test_sql_root, setup, fixture_dir_teardown),
		cmocka_unit_test_setup_teardown(test_sql_non_root, setup, fixture_dir_teardown),
		cmocka_unit_test_setup_teardown(test_oom, setup, fixture_dir_teardown),
		cmocka_unit_test_setup_teardown(test_concurrent, setup, fixture_dir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
