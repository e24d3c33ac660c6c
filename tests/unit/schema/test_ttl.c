/* Unit tests for the schema's per-database TTL (schema_ttl_set): which
 * databases a path designates, IoTDB's errors, persistence through the log
 * and through a snapshot, and the TTL going with a dropped database. */
#include <sys/wait.h>
#include <unistd.h>

#include "schema_test.h"
#include "../helpers/fixture.h"

static schema_t *open_dir(void)
{
	schema_t *s = NULL;
	larch_error_t err = {0, ""};
	if (schema_open(fixture_dir, NULL, &s, &err))
		fail_msg("schema_open: %s", err.msg);
	return s;
}

/* "db=ttl,db=ttl" of every database, from schema_db_match. */
static int list_cb(void *arg, const schema_db_info_t *in)
{
	strs_t *l = arg;
	l->len += (size_t)snprintf(l->buf + l->len, sizeof l->buf - l->len, "%s%.*s=%lld",
				   l->n++ ? "," : "", (int)in->path_len, in->path,
				   (long long)in->ttl);
	return 0;
}

static const char *ttls(schema_t *s, strs_t *l)
{
	strs_reset(l);
	expect_ok(schema_db_match(s, "root.**", list_cb, l, &e_));
	return l->buf;
}

static void test_designation_and_errors(void **state)
{
	(void)state;
	schema_t *s = open_mem();
	strs_t l, seen;
	expect_ok(schema_db_create(s, "root.ln", NULL, &e_));
	expect_ok(schema_db_create(s, "root.sg.a", NULL, &e_));
	expect_ok(schema_db_create(s, "root.sg.b", NULL, &e_));
	assert_string_equal(ttls(s, &l), "root.ln=0,root.sg.a=0,root.sg.b=0");
	/* a database; the callback sees exactly the databases changed */
	strs_reset(&seen);
	expect_ok(schema_ttl_set(s, "root.ln", 3600000, list_cb, &seen, &e_));
	assert_string_equal(seen.buf, "root.ln=3600000");
	/* a database followed by .** */
	expect_ok(schema_ttl_set(s, "root.sg.a.**", 10, NULL, NULL, &e_));
	assert_string_equal(ttls(s, &l), "root.ln=3600000,root.sg.a=10,root.sg.b=0");
	/* a pattern over databases */
	strs_reset(&seen);
	expect_ok(schema_ttl_set(s, "root.sg.*", 20, list_cb, &seen, &e_));
	assert_string_equal(seen.buf, "root.sg.a=20,root.sg.b=20");
	/* the prefix above databases with .**: all of them below it */
	expect_ok(schema_ttl_set(s, "root.sg.**", 30, NULL, NULL, &e_));
	assert_string_equal(ttls(s, &l), "root.ln=3600000,root.sg.a=30,root.sg.b=30");
	/* UNSET is ttl 0 */
	expect_ok(schema_ttl_set(s, "root.**", 0, NULL, NULL, &e_));
	assert_string_equal(ttls(s, &l), "root.ln=0,root.sg.a=0,root.sg.b=0");

	expect_err(schema_ttl_set(s, "root.ln.d1", 5, NULL, NULL, &e_), LARCH_UNSUPPORTED,
		   "TTL can only be set on a database, not on [root.ln.d1] below database "
		   "[root.ln]");
	expect_err(schema_ttl_set(s, "root.ln.d1.**", 5, NULL, NULL, &e_), LARCH_UNSUPPORTED,
		   "TTL can only be set on a database, not on [root.ln.d1.**] below database "
		   "[root.ln]");
	expect_err(schema_ttl_set(s, "root.x", 5, NULL, NULL, &e_), LARCH_PATH_NOT_EXIST,
		   "Path [root.x] does not exist");
	/* root.sg is above databases, not one: root.sg.** is the way */
	expect_err(schema_ttl_set(s, "root.sg", 5, NULL, NULL, &e_), LARCH_PATH_NOT_EXIST,
		   "Path [root.sg] does not exist");
	expect_err(schema_ttl_set(s, "root.ln", -1, NULL, NULL, &e_), LARCH_ILLEGAL_PARAMETER,
		   "TTL of root.ln must be positive");
	expect_err(schema_ttl_set(s, "root..ln", 5, NULL, NULL, &e_), LARCH_ILLEGAL_PATH,
		   "root..ln is not a legal path");
	assert_string_equal(ttls(s, &l), "root.ln=0,root.sg.a=0,root.sg.b=0");
	/* the database's TTL goes with it */
	expect_ok(schema_ttl_set(s, "root.ln", 7, NULL, NULL, &e_));
	const char *p = "root.ln";
	expect_ok(schema_db_delete(s, &p, 1, NULL, NULL, &e_));
	expect_ok(schema_db_create(s, "root.ln", NULL, &e_));
	assert_string_equal(ttls(s, &l), "root.ln=0,root.sg.a=0,root.sg.b=0");
	expect_ok(schema_close(s, &e_));
}

static void test_persisted_in_log_and_snapshot(void **state)
{
	(void)state;
	strs_t l;
	/* through the log only: a child makes the changes and dies without
	 * schema_close (which would write a snapshot) */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		schema_t *c = NULL;
		larch_error_t err = {0, ""};
		int bad = schema_open(fixture_dir, NULL, &c, &err) ||
			  schema_db_create(c, "root.a", NULL, &err) ||
			  schema_db_create(c, "root.b", NULL, &err) ||
			  schema_db_create(c, "root.c", NULL, &err) ||
			  schema_ttl_set(c, "root.a", 1000, NULL, NULL, &err) ||
			  schema_ttl_set(c, "root.b", INT64_MAX, NULL, NULL, &err);
		_exit(bad);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	schema_t *s = open_dir();
	char *replayed = dump(s);
	assert_non_null(strstr(replayed, "database 1 root.a ttl=1000\n"));
	assert_non_null(strstr(replayed, "database 3 root.c\n"));
	mem_free(replayed);
	assert_string_equal(ttls(s, &l), "root.a=1000,root.b=9223372036854775807,root.c=0");
	expect_ok(schema_ttl_set(s, "root.c", 3, NULL, NULL, &e_));
	expect_ok(schema_ttl_set(s, "root.a", 0, NULL, NULL, &e_));
	char *before = dump(s);
	/* through a snapshot (schema_close writes one and empties the log) */
	expect_ok(schema_close(s, &e_));
	s = open_dir();
	char *after = dump(s);
	assert_string_equal(after, before);
	assert_string_equal(ttls(s, &l), "root.a=0,root.b=9223372036854775807,root.c=3");
	mem_free(after);
	mem_free(before);
	/* a checkpoint, then more log */
	expect_ok(schema_checkpoint(s, &e_));
	expect_ok(schema_ttl_set(s, "root.a", 42, NULL, NULL, &e_));
	expect_ok(schema_close(s, &e_));
	s = open_dir();
	assert_string_equal(ttls(s, &l), "root.a=42,root.b=9223372036854775807,root.c=3");
	expect_ok(schema_close(s, &e_));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_designation_and_errors),
		cmocka_unit_test_setup_teardown(test_persisted_in_log_and_snapshot, fixture_dir_setup,
						fixture_dir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
