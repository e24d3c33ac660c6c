/*
 * Unit tests for device templates: create, set, activate (explicitly and on
 * write), extend (ALTER ... ADD and on write), deactivate, unset, drop, and
 * the listings.  Scenarios and messages follow IoTDB's IoTDBSchemaTemplateIT.
 */
#include "schema_test.h"

static void tmpl(schema_t *s, const char *name, int aligned, const char *const *names,
		 const tsfile_type_t *types, size_t n)
{
	schema_tmpl_meas_t ms[8];
	for (size_t i = 0; i < n; i++) {
		ms[i].name = names[i];
		ms[i].type = types[i];
		ms[i].encoding = -1;
		ms[i].codec = -1;
	}
	expect_ok(schema_template_create(s, name, aligned, ms, n, &e_));
}

static schema_t *prepare(void)
{
	schema_t *s = open_mem();
	expect_ok(schema_db_create(s, "root.sg1", NULL, &e_));
	expect_ok(schema_db_create(s, "root.sg2", NULL, &e_));
	expect_ok(schema_db_create(s, "root.sg3", NULL, &e_));
	const char *n2[] = {"s1", "s2"};
	const tsfile_type_t t2[] = {TSFILE_INT64, TSFILE_DOUBLE};
	tmpl(s, "t1", 0, n2, t2, 2);
	tmpl(s, "t2", 1, n2, t2, 2);
	tmpl(s, "t3", 1, n2, t2, 1);
	return s;
}

static int ts_detail_cb(void *arg, const schema_series_info_t *in)
{
	char t[300];
	snprintf(t, sizeof(t), "%.*s %s %s %s%s", (int)in->path_len, in->path,
		 tsfile_type_name(in->type), tsfile_encoding_name(in->encoding),
		 tsfile_codec_name(in->codec), in->template_id ? " T" : "");
	strs_add(arg, t, strlen(t));
	return 0;
}

static int dev_detail_cb(void *arg, const schema_device_info_t *in)
{
	char t[300];
	snprintf(t, sizeof(t), "%.*s %d %s", (int)in->path_len, in->path, in->aligned,
		 in->template_name ? in->template_name : "-");
	strs_add(arg, t, strlen(t));
	return 0;
}

static const char *details(schema_t *s, const char *pattern, strs_t *l)
{
	strs_reset(l);
	expect_ok(schema_match_series(s, pattern, NULL, 0, 0, ts_detail_cb, l, &e_));
	return l->buf;
}

static void test_create_set_activate(void **state)
{
	(void)state;
	schema_t *s = prepare();
	schema_tmpl_meas_t bad[] = {{"s1", TSFILE_TEXT, TSFILE_GORILLA, TSFILE_SNAPPY},
				    {"s2", TSFILE_INT32, -1, -1}};
	expect_err(schema_template_create(s, "str1", 0, bad, 2, &e_), 510,
		   "create template error -encoding GORILLA does not support TEXT");
	bad[0].type = TSFILE_INT64;
	bad[0].encoding = TSFILE_RLE;
	expect_err(schema_template_create(s, "t1", 0, bad, 2, &e_), 507,
		   "Duplicated template name: t1");
	bad[1].name = "s1";
	expect_err(schema_template_create(s, "t9", 0, bad, 2, &e_), 510,
		   "create template error -Duplicated measurement [s1] in device template");

	expect_ok(schema_template_set(s, "t1", "root.sg1.d1", &e_));
	expect_ok(schema_template_set(s, "t2", "root.sg1.d2", &e_));
	expect_ok(schema_template_set(s, "t3", "root.sg1.d3", &e_));
	expect_err(schema_template_set(s, "nope", "root.sg1.d4", &e_), 512,
		   "Undefined template name: nope");
	expect_err(schema_template_set(s, "t1", "root.sg1.d1.x", &e_), 507,
		   "Template already exists on root.sg1.d1");
	expect_err(schema_template_set(s, "t1", "root.sg1", &e_), 507,
		   "Template already exists on root.sg1.d1");
	expect_err(schema_template_drop(s, "t1", &e_), 507,
		   "Template [t1] has been set on MTree, cannot be dropped now.");
	expect_err(schema_template_drop(s, "t7", &e_), 512, "Undefined template name: t7");

	strs_t l;
	assert_string_equal(details(s, "root.sg1.**", &l), "");
	expect_ok(schema_template_activate(s, "root.sg1.d1", &e_));
	expect_ok(schema_template_activate(s, "root.sg1.d2", &e_));
	expect_ok(schema_template_activate(s, "root.sg1.d3", &e_));
	expect_err(schema_template_activate(s, "root.sg1.d3", &e_), 507,
		   "Device template has already been activated on path root.sg1.d3, there's no "
		   "need to activate again.");
	expect_err(schema_template_activate(s, "root.sg1.dx", &e_), 513, "NO template on "
		   "root.sg1.dx");
	assert_string_equal(details(s, "root.sg1.**", &l),
			    "root.sg1.d1.s1 INT64 TS_2DIFF LZ4 T,root.sg1.d1.s2 DOUBLE GORILLA LZ4 T,"
			    "root.sg1.d2.s1 INT64 TS_2DIFF LZ4 T,root.sg1.d2.s2 DOUBLE GORILLA LZ4 T,"
			    "root.sg1.d3.s1 INT64 TS_2DIFF LZ4 T");
	uint64_t n;
	expect_ok(schema_count_series(s, "root.sg1.**", NULL, &n, &e_));
	assert_int_equal(n, 5);
	strs_reset(&l);
	expect_ok(schema_match_devices(s, NULL, NULL, 0, 0, dev_detail_cb, &l, &e_));
	assert_string_equal(l.buf, "root.sg1.d1 0 t1,root.sg1.d2 1 t2,root.sg1.d3 1 t3");

	expect_err(schema_template_unset(s, "t1", "root.sg1.d1", &e_), 515,
		   "Template is in use on root.sg1.d1");
	expect_err(schema_template_unset(s, "t2", "root.sg1.d1", &e_), 514,
		   "Template [t2] is not set on path [root.sg1.d1]");
	expect_err(schema_template_unset(s, "t1", "root.sg1.d9", &e_), 513,
		   "NO template on root.sg1.d9");
	schema_meas_def_t d;
	memset(&d, 0, sizeof(d));
	d.type = TSFILE_INT32;
	d.encoding = d.codec = -1;
	expect_err(schema_series_create(s, "root.sg1.d1.s", &d, NULL, &e_), 516,
		   "Cannot create timeseries [root.sg1.d1.s] since device template [t1] already "
		   "set on path [root.sg1.d1].");
	schema_alter_t a;
	memset(&a, 0, sizeof(a));
	a.op = SCHEMA_ALTER_UPSERT;
	a.alias = "x";
	expect_err(schema_series_alter(s, "root.sg1.d2.s1", &a, &e_), 516,
		   "Cannot alter template timeseries [root.sg1.d2.s1] since device template [t2] "
		   "already set on path [root.sg1.d2].");
	/* DELETE TIMESERIES leaves template series alone */
	const char *all[] = {"root.**.s1"};
	expect_err(schema_series_delete(s, all, 1, NULL, &e_), 508,
		   "Timeseries [root.**.s1] does not exist or is represented by schema template");

	strs_reset(&l);
	expect_ok(schema_template_paths_set(s, "t1", path_cb, &l, &e_));
	assert_string_equal(l.buf, "root.sg1.d1");
	strs_reset(&l);
	expect_ok(schema_template_paths_using(s, "t2", path_cb, &l, &e_));
	assert_string_equal(l.buf, "root.sg1.d2");
	schema_close(s, NULL);
}

static void test_set_rules(void **state)
{
	(void)state;
	schema_t *s = prepare();
	schema_meas_def_t d;
	memset(&d, 0, sizeof(d));
	d.type = TSFILE_INT32;
	d.encoding = d.codec = -1;
	expect_ok(schema_template_set(s, "t1", "root.sg1.d1", &e_));
	expect_ok(schema_template_unset(s, "t1", "root.sg1.d1", &e_));
	strs_t l;
	strs_reset(&l);
	expect_ok(schema_template_paths_set(s, "t1", path_cb, &l, &e_));
	assert_string_equal(l.buf, "");
	expect_ok(schema_series_create(s, "root.sg1.d1.s", &d, NULL, &e_));
	expect_err(schema_template_set(s, "t1", "root.sg1.d1", &e_), 516,
		   "Cannot set device template [t1] to path [root.sg1.d1] since there's timeseries "
		   "under path [root.sg1.d1].");
	expect_err(schema_template_set(s, "t1", "root.sg1", &e_), 516,
		   "Cannot set device template [t1] to path [root.sg1] since there's timeseries "
		   "under path [root.sg1].");
	const char *del[] = {"root.sg1.d1.s"};
	expect_ok(schema_series_delete(s, del, 1, NULL, &e_));
	expect_ok(schema_template_set(s, "t1", "root.sg1.d1", &e_));

	expect_ok(schema_template_set(s, "t1", "root.sg1.d2.tmp.m", &e_));
	expect_err(schema_series_create(s, "root.sg1.d2", &d, NULL, &e_), 516,
		   "Cannot create timeseries [root.sg1.d2] since device template [t1] already set "
		   "on path [root.sg1.d2.tmp.m].");
	d.alias = "tmp";
	expect_err(schema_series_create(s, "root.sg1.d2.s", &d, NULL, &e_), 516,
		   "Cannot create timeseries [root.sg1.d2.s] since device template [t1] already "
		   "set on path [root.sg1.d2.tmp.m].");
	d.alias = NULL;
	expect_ok(schema_series_create(s, "root.sg1.d2.s", &d, NULL, &e_));
	schema_close(s, NULL);
}

static void test_extend_deactivate_drop(void **state)
{
	(void)state;
	schema_t *s = prepare();
	expect_ok(schema_template_set(s, "t1", "root.sg2", &e_));
	expect_ok(schema_template_activate(s, "root.sg2.a", &e_));
	expect_ok(schema_template_activate(s, "root.sg2.b.c", &e_));
	expect_ok(schema_template_activate(s, "root.sg2", &e_)); /* the database node itself */
	schema_tmpl_meas_t add[] = {{"s3", TSFILE_INT32, -1, -1}, {"s4", TSFILE_TEXT, -1, -1}};
	expect_ok(schema_template_extend(s, "t1", add, 2, &e_));
	expect_err(schema_template_extend(s, "t1", add, 1, &e_), 527,
		   "Measurement [s3] already exists in template [t1]");
	expect_err(schema_template_extend(s, "tz", add, 1, &e_), 512,
		   "Undefined template name: tz");
	uint64_t n;
	expect_ok(schema_count_series(s, "root.sg2.**", NULL, &n, &e_));
	assert_int_equal(n, 12);
	strs_t l;
	assert_string_equal(details(s, "root.sg2.a.*", &l),
			    "root.sg2.a.s1 INT64 TS_2DIFF LZ4 T,root.sg2.a.s2 DOUBLE GORILLA LZ4 T,"
			    "root.sg2.a.s3 INT32 TS_2DIFF LZ4 T,root.sg2.a.s4 TEXT PLAIN LZ4 T");

	/* SHOW NODES IN DEVICE TEMPLATE, SHOW DEVICE TEMPLATES */
	strs_reset(&l);
	expect_ok(schema_template_paths_using(s, "t1", path_cb, &l, &e_));
	assert_string_equal(l.buf, "root.sg2,root.sg2.a,root.sg2.b.c");

	const char *pat[] = {"root.sg2.*"};
	schema_ids_t ids = {NULL, 0};
	expect_ok(schema_template_deactivate(s, "t1", pat, 1, &ids, &e_));
	assert_int_equal(ids.n, 4);
	schema_ids_free(&ids);
	expect_err(schema_template_deactivate(s, "t1", pat, 1, &ids, &e_), 524,
		   "Target template is not activated on any path matched by given path pattern");
	expect_err(schema_template_unset(s, "t1", "root.sg2", &e_), 515,
		   "Template is in use on root.sg2");
	const char *pat2[] = {"root.**"};
	expect_ok(schema_template_deactivate(s, NULL, pat2, 1, &ids, &e_));
	assert_int_equal(ids.n, 8);
	schema_ids_free(&ids);
	expect_ok(schema_count_series(s, "root.**", NULL, &n, &e_));
	assert_int_equal(n, 0);
	strs_reset(&l);
	expect_ok(schema_match_devices(s, NULL, NULL, 0, 0, device_path_cb, &l, &e_));
	assert_string_equal(l.buf, "");
	expect_ok(schema_template_unset(s, "t1", "root.sg2", &e_));
	expect_ok(schema_template_drop(s, "t1", &e_));
	expect_err(schema_template_drop(s, "t1", &e_), 512, "Undefined template name: t1");
	/* the name can be used again */
	const char *n1[] = {"q"};
	const tsfile_type_t t1[] = {TSFILE_BOOLEAN};
	tmpl(s, "t1", 0, n1, t1, 1);
	schema_close(s, NULL);
}

static int tname_cb(void *arg, const schema_template_info_t *in)
{
	char t[128];
	snprintf(t, sizeof(t), "%s/%d/%zu", in->name, in->aligned, in->nmeas);
	strs_add(arg, t, strlen(t));
	return 0;
}

static int tmeas_cb(void *arg, const schema_tmpl_meas_info_t *in)
{
	char t[128];
	snprintf(t, sizeof(t), "%s %s %s %s", in->name, tsfile_type_name(in->type),
		 tsfile_encoding_name(in->encoding), tsfile_codec_name(in->codec));
	strs_add(arg, t, strlen(t));
	return 0;
}

static void test_empty_and_listings(void **state)
{
	(void)state;
	schema_t *s = prepare();
	expect_ok(schema_template_create(s, "e_t", 0, NULL, 0, &e_));
	expect_ok(schema_template_set(s, "e_t", "root.sg3.t.d1", &e_));
	expect_ok(schema_template_activate(s, "root.sg3.t.d1", &e_));
	strs_t l;
	strs_reset(&l);
	expect_ok(schema_template_measurements(s, "e_t", tmeas_cb, &l, &e_));
	assert_string_equal(l.buf, "");
	strs_reset(&l);
	expect_ok(schema_template_paths_using(s, "e_t", path_cb, &l, &e_));
	assert_string_equal(l.buf, "root.sg3.t.d1");
	const char *p[] = {"root.sg3.t.d1"};
	expect_ok(schema_template_deactivate(s, NULL, p, 1, NULL, &e_));
	expect_ok(schema_template_unset(s, "e_t", "root.sg3.t.d1", &e_));
	strs_reset(&l);
	expect_ok(schema_template_paths_set(s, "e_t", path_cb, &l, &e_));
	assert_string_equal(l.buf, "");

	strs_reset(&l);
	expect_ok(schema_template_list(s, tname_cb, &l, &e_));
	assert_string_equal(l.buf, "e_t/0/0,t1/0/2,t2/1/2,t3/1/1");
	strs_reset(&l);
	expect_ok(schema_template_measurements(s, "t1", tmeas_cb, &l, &e_));
	assert_string_equal(l.buf, "s1 INT64 TS_2DIFF LZ4,s2 DOUBLE GORILLA LZ4");
	expect_err(schema_template_measurements(s, "zz", tmeas_cb, &l, &e_), 512,
		   "Undefined template name: zz");
	schema_close(s, NULL);
}

/* Writes under a template-set path activate it and extend it. */
static void test_template_on_write(void **state)
{
	(void)state;
	schema_t *s = prepare();
	expect_ok(schema_template_create(s, "e_t", 0, NULL, 0, &e_));
	expect_ok(schema_template_set(s, "e_t", "root.sg1", &e_));
	schema_tmpl_meas_t add[] = {{"s1", TSFILE_INT32, -1, -1}};
	expect_ok(schema_template_extend(s, "e_t", add, 1, &e_));

	schema_str_t names[] = {{"s2", 2}, {"s3", 2}};
	tsfile_type_t types[] = {TSFILE_DOUBLE, TSFILE_DOUBLE};
	uint32_t sids[2];
	tsfile_type_t rt[2];
	int st[2];
	schema_write_t w = {"root.sg1.d", 10, 2, names, types, 0};
	schema_resolved_t r = {sids, rt, st, 0, 0, 0};
	expect_ok(schema_resolve(s, &w, &r, &e_));
	strs_t l;
	assert_string_equal(details(s, "root.sg*.*.s*", &l),
			    "root.sg1.d.s1 INT32 TS_2DIFF LZ4 T,root.sg1.d.s2 DOUBLE GORILLA LZ4 T,"
			    "root.sg1.d.s3 DOUBLE GORILLA LZ4 T");
	/* a second device gets the extended template on activation */
	schema_str_t n1[] = {{"s1", 2}};
	tsfile_type_t ty1[] = {TSFILE_INT32};
	schema_write_t w2 = {"root.sg1.e", 10, 1, n1, ty1, 1};
	expect_ok(schema_resolve(s, &w2, &r, &e_));
	assert_int_equal(r.aligned, 0); /* the template's alignment wins */
	uint64_t n;
	expect_ok(schema_count_series(s, "root.sg1.**", NULL, &n, &e_));
	assert_int_equal(n, 6);
	/* a new measurement written to one device reaches both */
	schema_str_t n4[] = {{"s4", 2}};
	tsfile_type_t ty4[] = {TSFILE_BOOLEAN};
	schema_write_t w3 = {"root.sg1.e", 10, 1, n4, ty4, 0};
	expect_ok(schema_resolve(s, &w3, &r, &e_));
	assert_string_equal(details(s, "root.sg1.*.s4", &l),
			    "root.sg1.d.s4 BOOLEAN RLE LZ4 T,root.sg1.e.s4 BOOLEAN RLE LZ4 T");
	/* type checks apply to template series too */
	tsfile_type_t bad[] = {TSFILE_TEXT};
	schema_write_t w4 = {"root.sg1.e", 10, 1, n4, bad, 0};
	expect_err(schema_resolve(s, &w4, &r, &e_), 507,
		   "data type of root.sg1.e.s4 is not consistent, registered type BOOLEAN, "
		   "inserting type TEXT");
	schema_close(s, NULL);
}

/* DELETE DATABASE takes the template settings and activations below it. */
static void test_db_delete_with_templates(void **state)
{
	(void)state;
	schema_t *s = prepare();
	expect_ok(schema_template_set(s, "t1", "root.sg1.a", &e_));
	expect_ok(schema_template_set(s, "t2", "root.sg2", &e_));
	expect_ok(schema_template_activate(s, "root.sg1.a.d", &e_));
	expect_ok(schema_template_activate(s, "root.sg2.x", &e_));
	mk(s, "root.sg1.b.s", TSFILE_INT32);
	const char *p[] = {"root.sg1"};
	schema_ids_t dbs = {NULL, 0}, sids = {NULL, 0};
	expect_ok(schema_db_delete(s, p, 1, &dbs, &sids, &e_));
	assert_int_equal(dbs.n, 1);
	assert_int_equal(sids.n, 3);
	schema_ids_free(&dbs);
	schema_ids_free(&sids);
	expect_ok(schema_template_drop(s, "t1", &e_));
	expect_err(schema_template_drop(s, "t2", &e_), 507,
		   "Template [t2] has been set on MTree, cannot be dropped now.");
	strs_t l;
	strs_reset(&l);
	expect_ok(schema_match_devices(s, NULL, NULL, 0, 0, device_path_cb, &l, &e_));
	assert_string_equal(l.buf, "root.sg2.x");
	const char *all[] = {"root.**"};
	expect_ok(schema_db_delete(s, all, 1, NULL, NULL, &e_));
	expect_ok(schema_template_drop(s, "t2", &e_));
	char *d = dump(s);
	assert_string_equal(d, "ids sid=6 dev=4 db=4 tmpl=4\ntemplate 3 t3 aligned=1 "
			    "[s1:INT64:TS_2DIFF:LZ4]\n");
	mem_free(d);
	schema_close(s, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_set_activate),
		cmocka_unit_test(test_set_rules),
		cmocka_unit_test(test_extend_deactivate_drop),
		cmocka_unit_test(test_empty_and_listings),
		cmocka_unit_test(test_template_on_write),
		cmocka_unit_test(test_db_delete_with_templates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
