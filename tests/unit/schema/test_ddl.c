/*
 * Unit tests for the schema's statements: databases, CREATE/DELETE/ALTER
 * TIMESERIES, tags and the tag index, and the listings (SHOW TIMESERIES,
 * DEVICES, CHILD PATHS, COUNT NODES).  Expected codes and messages are
 * IoTDB's (integration tests IoTDBCreateDatabaseIT, IoTDBTagAlterIT,
 * ConfigMTreeTest and the user manual), expected listings follow the
 * manual's example tree.
 */
#include "schema_test.h"

/*---------------------------------------------------------------------------
 * Databases
 *---------------------------------------------------------------------------*/

static void test_db_rules(void **state)
{
	(void)state;
	schema_t *s = open_mem();
	uint32_t id = 0;
	expect_ok(schema_db_create(s, "root.sg", &id, &e_));
	assert_int_equal(id, 1);
	expect_err(schema_db_create(s, "root.sg", NULL, &e_), 501,
		   "root.sg has already been created as database");
	expect_err(schema_db_create(s, "root.sg.`device`", NULL, &e_), 501,
		   "root.sg has already been created as database");
	expect_ok(schema_db_create(s, "root.a.b", NULL, &e_));
	expect_err(schema_db_create(s, "root.a", NULL, &e_), 529,
		   "some children of root.a have already been created as database");
	expect_err(schema_db_create(s, "root", NULL, &e_), 509,
		   "root is not a legal path, because the database name in tree model must "
		   "start with 'root.'.");
	expect_err(schema_db_create(s, "root.thisDatabaseNameHasExceeded64BySevenAndCanNotBe"
				    "SuccessfullyCreated", NULL, &e_), 509,
		   "root.thisDatabaseNameHasExceeded64BySevenAndCanNotBeSuccessfullyCreated is "
		   "not a legal path, because the length of database name shall not exceed 64");
	expect_err(schema_db_create(s, "root.`a b`", NULL, &e_), 509,
		   "root.`a b` is not a legal path, because the database name can only contain "
		   "english or chinese characters, numbers, backticks and underscores.");
	expect_err(schema_db_create(s, "root.sg2.*", NULL, &e_), 509,
		   "root.sg2.* is not a legal path");
	expect_err(schema_db_create(s, "root..x", NULL, &e_), 509, "root..x is not a legal path");
	expect_err(schema_db_create(s, "root.1", NULL, &e_), 509, "root.1 is not a legal path");
	expect_err(schema_db_create(s, "rot.x", NULL, &e_), 509, "rot.x is not a legal path");
	expect_ok(schema_db_create(s, "root.`1`", NULL, &e_));
	expect_ok(schema_db_create(s, "ROOT.中文", NULL, &e_));

	strs_t l = {{0}, 0, 0};
	expect_ok(schema_db_match(s, "root.**", db_path_cb, &l, &e_));
	assert_string_equal(l.buf, "root.`1`,root.a.b,root.sg,root.中文");
	uint64_t n;
	expect_ok(schema_db_count(s, "root.*", &n, &e_));
	assert_int_equal(n, 3);
	expect_ok(schema_db_count(s, "root.*.*", &n, &e_));
	assert_int_equal(n, 1);
	expect_ok(schema_db_count(s, "root.s*", &n, &e_));
	assert_int_equal(n, 1);
	expect_ok(schema_db_count(s, "root.sg.*", &n, &e_));
	assert_int_equal(n, 0);

	strs_reset(&l);
	expect_ok(schema_db_of(s, "root.a.b.d1.s1", db_path_cb, &l, &e_));
	assert_string_equal(l.buf, "root.a.b");
	expect_err(schema_db_of(s, "root.x.y", db_path_cb, &l, &e_), 500,
		   "Database is not set for current seriesPath: [root.x.y]");

	schema_ids_t dbs = {NULL, 0}, sids = {NULL, 0};
	const char *pats[] = {"root.a.**"};
	expect_ok(schema_db_delete(s, pats, 1, &dbs, &sids, &e_));
	assert_int_equal(dbs.n, 1);
	assert_int_equal(sids.n, 0);
	schema_ids_free(&dbs);
	const char *none[] = {"root.zz"};
	expect_err(schema_db_delete(s, none, 1, NULL, NULL, &e_), 508,
		   "Path [root.zz] does not exist");
	/* root.a disappeared with its only database: root.a can now be one */
	expect_ok(schema_db_create(s, "root.a", &id, &e_));
	assert_int_equal(id, 5); /* ids are never reused (4 were handed out) */
	schema_close(s, NULL);
}

/*---------------------------------------------------------------------------
 * CREATE TIMESERIES
 *---------------------------------------------------------------------------*/

typedef struct one {
	schema_series_info_t in;
	char path[256], alias[64], name[64];
	char tags[512];
	int n;
} one_t;

static int one_cb(void *arg, const schema_series_info_t *in)
{
	one_t *o = arg;
	o->in = *in;
	snprintf(o->path, sizeof(o->path), "%.*s", (int)in->path_len, in->path);
	snprintf(o->alias, sizeof(o->alias), "%s", in->alias ? in->alias : "-");
	snprintf(o->name, sizeof(o->name), "%s", in->name);
	size_t k = 0;
	k += (size_t)snprintf(o->tags + k, sizeof(o->tags) - k, "{");
	for (size_t i = 0; i < in->ntags; i++)
		k += (size_t)snprintf(o->tags + k, sizeof(o->tags) - k, "%s%s=%s", i ? "," : "",
				      in->tags[i].key, in->tags[i].value);
	k += (size_t)snprintf(o->tags + k, sizeof(o->tags) - k, "}{");
	for (size_t i = 0; i < in->nattrs; i++)
		k += (size_t)snprintf(o->tags + k, sizeof(o->tags) - k, "%s%s=%s", i ? "," : "",
				      in->attrs[i].key, in->attrs[i].value);
	snprintf(o->tags + k, sizeof(o->tags) - k, "}");
	o->n++;
	return 0;
}

static one_t find(schema_t *s, const char *path)
{
	one_t o;
	memset(&o, 0, sizeof(o));
	expect_ok(schema_series_find(s, path, one_cb, &o, &e_));
	assert_int_equal(o.n, 1);
	return o;
}

static void test_series_create(void **state)
{
	(void)state;
	schema_t *s = open_mem();
	uint32_t sid = mk(s, "root.sg.d1.s1", TSFILE_INT32);
	assert_int_equal(sid, 1);
	one_t o = find(s, "root.sg.d1.s1");
	assert_string_equal(o.path, "root.sg.d1.s1");
	assert_int_equal(o.in.type, TSFILE_INT32);
	assert_int_equal(o.in.encoding, TSFILE_TS_2DIFF);
	assert_int_equal(o.in.codec, TSFILE_LZ4);
	assert_int_equal(o.in.device_len, strlen("root.sg.d1"));
	assert_int_equal(o.in.db_len, strlen("root.sg"));
	assert_int_equal(o.in.db_id, 1);

	schema_meas_def_t d;
	memset(&d, 0, sizeof(d));
	d.type = TSFILE_INT32;
	d.encoding = d.codec = -1;
	expect_err(schema_series_create(s, "root.sg.d1.s1", &d, NULL, &e_), 503,
		   "Path [root.sg.d1.s1] already exist");
	expect_err(schema_series_create(s, "root.sg.d1.s1.x", &d, NULL, &e_), 506,
		   "Path [root.sg.d1.s1] already exist");
	expect_err(schema_series_create(s, "root.sg.d1", &d, NULL, &e_), 506,
		   "Path [root.sg.d1] already exist");
	d.alias = "s1";
	expect_err(schema_series_create(s, "root.sg.d1.s2", &d, NULL, &e_), 505,
		   "Alias [s1] for Path [root.sg.d1.s2] already exist");
	d.alias = NULL;
	expect_err(schema_series_create(s, "root.sg.d1.time", &d, NULL, &e_), 509,
		   "root.sg.d1.time is not a legal path, because time is an illegal name.");
	expect_err(schema_series_create(s, "root.sg.TimeStamp.x", &d, NULL, &e_), 509,
		   "root.sg.TimeStamp.x is not a legal path, because TimeStamp is an illegal name.");
	expect_err(schema_series_create(s, "root.s", &d, NULL, &e_), 509,
		   "root.s is not a legal path");
	expect_err(schema_series_create(s, "root.sg.d.*", &d, NULL, &e_), 509,
		   "root.sg.d.* is not a legal path");
	expect_err(schema_series_create(s, "root.sg.d.a-b", &d, NULL, &e_), 509,
		   "root.sg.d.a-b is not a legal path");
	d.type = TSFILE_BOOLEAN;
	d.encoding = TSFILE_TS_2DIFF;
	expect_err(schema_series_create(s, "root.sg.d1.b", &d, NULL, &e_), 507,
		   "encoding TS_2DIFF does not support BOOLEAN");
	d.type = TSFILE_VECTOR;
	d.encoding = -1;
	expect_err(schema_series_create(s, "root.sg.d1.b", &d, NULL, &e_), 303,
		   "Unsupported datatype: 6");

	/* default encodings and compressors per type (IoTDB 2.x) */
	static const struct { tsfile_type_t t; tsfile_encoding_t e; } defs[] = {
		{TSFILE_BOOLEAN, TSFILE_RLE},       {TSFILE_INT32, TSFILE_TS_2DIFF},
		{TSFILE_INT64, TSFILE_TS_2DIFF},    {TSFILE_FLOAT, TSFILE_GORILLA},
		{TSFILE_DOUBLE, TSFILE_GORILLA},    {TSFILE_TEXT, TSFILE_PLAIN},
		{TSFILE_STRING, TSFILE_PLAIN},      {TSFILE_BLOB, TSFILE_PLAIN},
		{TSFILE_DATE, TSFILE_TS_2DIFF},     {TSFILE_TIMESTAMP, TSFILE_TS_2DIFF},
	};
	for (size_t i = 0; i < LR_ARRAY_LEN(defs); i++) {
		char p[64];
		snprintf(p, sizeof(p), "root.sg.types.t%zu", i);
		mk(s, p, defs[i].t);
		o = find(s, p);
		assert_int_equal(o.in.encoding, defs[i].e);
		assert_int_equal(o.in.codec, TSFILE_LZ4);
	}

	/* quoting: shown back-quoted where needed */
	mk(s, "root.sg.d.`a.b`", TSFILE_INT64);
	mk(s, "root.sg.d.`0e38`", TSFILE_INT64);
	mk(s, "root.sg.`x``y`.s", TSFILE_INT64);
	mk(s, "root.sg.d.`plain`", TSFILE_INT64);
	strs_t l;
	assert_string_equal(show_ts(s, "root.sg.d.*", &l), "root.sg.d.`0e38`,root.sg.d.`a.b`,"
			    "root.sg.d.plain");
	assert_string_equal(show_ts(s, "root.sg.`x``y`.*", &l), "root.sg.`x``y`.s");
	find(s, "root.sg.`d`.`a.b`");

	/* no database and auto creation off */
	schema_config_t cfg;
	schema_config_default(&cfg);
	cfg.auto_create = 0;
	expect_ok(schema_reconfigure(s, &cfg, &e_));
	d.type = TSFILE_INT32;
	expect_err(schema_series_create(s, "root.nodb.d.s", &d, NULL, &e_), 500,
		   "Database is not set for current seriesPath: [root.nodb.d.s]");
	schema_close(s, NULL);
}

static void test_series_aligned(void **state)
{
	(void)state;
	schema_t *s = open_mem();
	mk(s, "root.sg.d1.s1", TSFILE_INT32);
	schema_meas_def_t ms[2];
	memset(ms, 0, sizeof(ms));
	ms[0].name = "lat";
	ms[1].name = "lon";
	ms[0].type = ms[1].type = TSFILE_FLOAT;
	ms[0].encoding = ms[1].encoding = ms[0].codec = ms[1].codec = -1;
	uint32_t sids[2];
	expect_ok(schema_series_create_aligned(s, "root.sg.gps", ms, 2, sids, &e_));
	assert_int_equal(sids[0], 2);
	assert_int_equal(sids[1], 3);
	assert_true(find(s, "root.sg.gps.lon").in.aligned);
	expect_err(schema_series_create(s, "root.sg.gps.alt", &ms[0], NULL, &e_), 609,
		   "time series under this device is aligned, please use createAlignedTimeseries "
		   "or change device. (Path: root.sg.gps)");
	ms[0].name = "x";
	ms[1].name = "y";
	expect_err(schema_series_create_aligned(s, "root.sg.d1", ms, 2, sids, &e_), 609,
		   "Time series under this device is not aligned, please use createTimeSeries or "
		   "change device. (Path: root.sg.d1)");
	ms[1].name = "x";
	expect_err(schema_series_create_aligned(s, "root.sg.d2", ms, 2, sids, &e_), 303,
		   "measurement root.sg.d2.x appears more than once");
	ms[0].name = "lat";
	ms[1].name = "new";
	expect_err(schema_series_create_aligned(s, "root.sg.gps", ms, 2, sids, &e_), 503,
		   "Path [root.sg.gps.lat] already exist");
	ms[0].name = "`q.r`";
	expect_ok(schema_series_create_aligned(s, "root.sg.gps", ms, 2, sids, &e_));
	strs_t l;
	assert_string_equal(show_ts(s, "root.sg.gps.*", &l), "root.sg.gps.lat,root.sg.gps.lon,"
			    "root.sg.gps.new,root.sg.gps.`q.r`");
	schema_close(s, NULL);
}

/*---------------------------------------------------------------------------
 * DELETE TIMESERIES
 *---------------------------------------------------------------------------*/

static void test_series_delete(void **state)
{
	(void)state;
	schema_t *s = open_mem();
	uint32_t a = mk(s, "root.sg.d1.s1", TSFILE_INT32);
	mk(s, "root.sg.d1.s2", TSFILE_INT32);
	uint32_t c = mk(s, "root.sg.d2.s1", TSFILE_INT32);
	mk(s, "root.sg.d2.sub.s9", TSFILE_INT32);
	const char *p1[] = {"root.sg.*.s1"};
	schema_ids_t ids = {NULL, 0};
	expect_ok(schema_series_delete(s, p1, 1, &ids, &e_));
	assert_int_equal(ids.n, 2);
	assert_int_equal(ids.ids[0], a);
	assert_int_equal(ids.ids[1], c);
	schema_ids_free(&ids);
	strs_t l;
	assert_string_equal(show_ts(s, "root.**", &l), "root.sg.d1.s2,root.sg.d2.sub.s9");
	/* root.sg.d2 is no device any more, but still a node */
	expect_ok(schema_match_devices(s, "root.**", NULL, 0, 0, device_path_cb, &l, &e_));
	strs_reset(&l);
	expect_ok(schema_match_devices(s, "root.**", NULL, 0, 0, device_path_cb, &l, &e_));
	assert_string_equal(l.buf, "root.sg.d1,root.sg.d2.sub");
	const char *p2[] = {"root.sg.d2.**", "root.nope"};
	expect_ok(schema_series_delete(s, p2, 2, NULL, &e_));
	const char *p3[] = {"root.x.**"};
	expect_err(schema_series_delete(s, p3, 1, NULL, &e_), 508,
		   "Timeseries [root.x.**] does not exist or is represented by schema template");
	const char *p4[] = {"root.x", "root.y"};
	expect_err(schema_series_delete(s, p4, 2, NULL, &e_), 508,
		   "Timeseries [root.x, ..., root.y] does not exist or is represented by schema "
		   "template");
	/* the empty nodes went away with the series: only root.sg.d1 is left */
	uint64_t n;
	expect_ok(schema_count_nodes(s, "root.**", 2, &n, &e_));
	assert_int_equal(n, 1);
	/* ids are not reused */
	assert_true(mk(s, "root.sg.d1.s1", TSFILE_INT32) > 4);
	schema_close(s, NULL);
}

/*---------------------------------------------------------------------------
 * ALTER TIMESERIES, tags
 *---------------------------------------------------------------------------*/

static void create_turbine(schema_t *s)
{
	schema_kv_t tags[] = {{"tag1", "v1"}, {"tag2", "v2"}};
	schema_kv_t attrs[] = {{"attr1", "v1"}, {"attr2", "v2"}};
	schema_meas_def_t d;
	memset(&d, 0, sizeof(d));
	d.type = TSFILE_FLOAT;
	d.encoding = TSFILE_RLE;
	d.codec = TSFILE_SNAPPY;
	d.alias = "temperature";
	d.tags = tags;
	d.ntags = 2;
	d.attrs = attrs;
	d.nattrs = 2;
	expect_ok(schema_series_create(s, "root.turbine.d1.s1", &d, NULL, &e_));
}

static void test_alter(void **state)
{
	(void)state;
	schema_t *s = open_mem();
	create_turbine(s);
	one_t o = find(s, "root.turbine.d1.s1");
	assert_string_equal(o.tags, "{tag1=v1,tag2=v2}{attr1=v1,attr2=v2}");
	assert_string_equal(o.alias, "temperature");
	assert_int_equal(o.in.encoding, TSFILE_RLE);
	assert_int_equal(o.in.codec, TSFILE_SNAPPY);

	schema_alter_t a;
	memset(&a, 0, sizeof(a));
	a.op = SCHEMA_ALTER_RENAME;
	a.old_key = "tag3";
	a.new_key = "tagNew3";
	expect_err(schema_series_alter(s, "root.turbine.d1.s1", &a, &e_), 507,
		   "TimeSeries [root.turbine.d1.s1] does not have tag/attribute [tag3].");
	a.old_key = "tag1";
	a.new_key = "tag2";
	expect_err(schema_series_alter(s, "root.turbine.d1.s1", &a, &e_), 507,
		   "TimeSeries [root.turbine.d1.s1] already has a tag/attribute named [tag2].");
	a.new_key = "tagNew1";
	expect_ok(schema_series_alter(s, "root.turbine.d1.s1", &a, &e_));
	assert_string_equal(find(s, "root.turbine.d1.s1").tags,
			    "{tagNew1=v1,tag2=v2}{attr1=v1,attr2=v2}");

	schema_kv_t set[] = {{"tag3", "v3"}};
	memset(&a, 0, sizeof(a));
	a.op = SCHEMA_ALTER_SET;
	a.kvs = set;
	a.nkvs = 1;
	expect_err(schema_series_alter(s, "root.turbine.d1.s1", &a, &e_), 507,
		   "TimeSeries [root.turbine.d1.s1] does not have tag/attribute [tag3].");
	schema_kv_t set2[] = {{"tagNew1", "newV1"}, {"attr2", "newV2"}};
	a.kvs = set2;
	a.nkvs = 2;
	expect_ok(schema_series_alter(s, "root.turbine.d1.s1", &a, &e_));
	assert_string_equal(find(s, "root.turbine.d1.s1").tags,
			    "{tagNew1=newV1,tag2=v2}{attr1=v1,attr2=newV2}");

	const char *drop[] = {"attr1", "tagNew1", "nothing"};
	memset(&a, 0, sizeof(a));
	a.op = SCHEMA_ALTER_DROP;
	a.keys = drop;
	a.nkeys = 3;
	expect_ok(schema_series_alter(s, "root.turbine.d1.s1", &a, &e_));
	assert_string_equal(find(s, "root.turbine.d1.s1").tags, "{tag2=v2}{attr2=newV2}");

	schema_kv_t add[] = {{"tag3", "v3"}, {"tag4", "v4"}};
	memset(&a, 0, sizeof(a));
	a.op = SCHEMA_ALTER_ADD_TAGS;
	a.kvs = add;
	a.nkvs = 2;
	expect_ok(schema_series_alter(s, "root.turbine.d1.s1", &a, &e_));
	expect_err(schema_series_alter(s, "root.turbine.d1.s1", &a, &e_), 507,
		   "TimeSeries [root.turbine.d1.s1] already has the tag [tag3].");
	schema_kv_t adda[] = {{"attr2", "x"}};
	a.op = SCHEMA_ALTER_ADD_ATTRS;
	a.kvs = adda;
	a.nkvs = 1;
	expect_err(schema_series_alter(s, "root.turbine.d1.s1", &a, &e_), 507,
		   "TimeSeries [root.turbine.d1.s1] already has the attribute [attr2].");
	schema_kv_t adda2[] = {{"attr3", "v3"}};
	a.kvs = adda2;
	expect_ok(schema_series_alter(s, "root.turbine.d1.s1", &a, &e_));
	assert_string_equal(find(s, "root.turbine.d1.s1").tags,
			    "{tag2=v2,tag3=v3,tag4=v4}{attr2=newV2,attr3=v3}");

	schema_kv_t ut[] = {{"tag3", "newV3"}, {"tag5", "v5"}};
	schema_kv_t ua[] = {{"attr1", "newA1"}};
	memset(&a, 0, sizeof(a));
	a.op = SCHEMA_ALTER_UPSERT;
	a.alias = "newAlias";
	a.kvs = ut;
	a.nkvs = 2;
	a.attrs = ua;
	a.nattrs = 1;
	expect_ok(schema_series_alter(s, "root.turbine.d1.temperature", &a, &e_));
	o = find(s, "root.turbine.d1.newAlias");
	assert_string_equal(o.path, "root.turbine.d1.s1");
	assert_int_equal(o.in.matched_alias, 1);
	assert_string_equal(o.tags, "{tag2=v2,tag3=newV3,tag4=v4,tag5=v5}"
			    "{attr2=newV2,attr3=v3,attr1=newA1}");
	one_t none;
	memset(&none, 0, sizeof(none));
	expect_err(schema_series_find(s, "root.turbine.d1.temperature", one_cb, &none, &e_), 508,
		   "Path [root.turbine.d1.temperature] does not exist");

	mk(s, "root.turbine.d1.s2", TSFILE_INT32);
	a.alias = "s2";
	a.nkvs = 0;
	a.nattrs = 0;
	expect_err(schema_series_alter(s, "root.turbine.d1.s1", &a, &e_), 507,
		   "The alias is duplicated with the name or alias of other measurement, alias: "
		   "s2, fullPath: root.turbine.d1.s1, otherMeasurement: root.turbine.d1.s2");
	expect_err(schema_series_alter(s, "root.turbine.d1.nope", &a, &e_), 508,
		   "Path [root.turbine.d1.nope] does not exist");
	schema_close(s, NULL);
}

static void test_tag_index(void **state)
{
	(void)state;
	schema_t *s = open_mem();
	char path[64], val[16];
	for (int i = 0; i < 40; i++) {
		snprintf(path, sizeof(path), "root.db.d%02d.s", i);
		snprintf(val, sizeof(val), "unit%d", i % 4);
		schema_kv_t tags[] = {{"unit", val}, {"description", i % 2 ? "odd one" : "even"}};
		schema_meas_def_t d;
		memset(&d, 0, sizeof(d));
		d.type = TSFILE_DOUBLE;
		d.encoding = d.codec = -1;
		d.tags = tags;
		d.ntags = 2;
		expect_ok(schema_series_create(s, path, &d, NULL, &e_));
	}
	schema_filter_t f = {SCHEMA_FILTER_TAG_EQ, "unit", "unit1", TSFILE_BOOLEAN};
	uint64_t n;
	expect_ok(schema_count_series(s, "root.**", &f, &n, &e_));
	assert_int_equal(n, 10);
	strs_t l = {{0}, 0, 0};
	expect_ok(schema_match_series(s, "root.db.d1*.s", &f, 1, 2, series_path_cb, &l, &e_));
	assert_string_equal(l.buf, "root.db.d17.s"); /* d13, d17: offset 1 */
	f.kind = SCHEMA_FILTER_TAG_CONTAINS;
	f.key = "description";
	f.value = "dd";
	expect_ok(schema_count_series(s, "root.db.**", &f, &n, &e_));
	assert_int_equal(n, 20);
	f.value = "nothing";
	expect_ok(schema_count_series(s, "root.db.**", &f, &n, &e_));
	assert_int_equal(n, 0);
	f.kind = SCHEMA_FILTER_TAG_EQ;
	f.key = "missing";
	expect_ok(schema_count_series(s, "root.db.**", &f, &n, &e_));
	assert_int_equal(n, 0);
	/* changing a tag value moves the series in the index */
	schema_kv_t up[] = {{"unit", "unit1"}};
	schema_alter_t a;
	memset(&a, 0, sizeof(a));
	a.op = SCHEMA_ALTER_UPSERT;
	a.kvs = up;
	a.nkvs = 1;
	expect_ok(schema_series_alter(s, "root.db.d00.s", &a, &e_));
	f.key = "unit";
	f.value = "unit1";
	expect_ok(schema_count_series(s, "root.**", &f, &n, &e_));
	assert_int_equal(n, 11);
	f.value = "unit0";
	expect_ok(schema_count_series(s, "root.**", &f, &n, &e_));
	assert_int_equal(n, 9);
	const char *del[] = {"root.db.d0*.s"};
	expect_ok(schema_series_delete(s, del, 1, NULL, &e_));
	f.value = "unit1"; /* d00, d01, d05, d09 went */
	expect_ok(schema_count_series(s, "root.**", &f, &n, &e_));
	assert_int_equal(n, 7);
	/* other filters */
	schema_filter_t t = {SCHEMA_FILTER_TYPE, NULL, NULL, TSFILE_DOUBLE};
	expect_ok(schema_count_series(s, "root.**", &t, &n, &e_));
	assert_int_equal(n, 30);
	schema_filter_t c = {SCHEMA_FILTER_PATH_CONTAINS, NULL, "d2", TSFILE_BOOLEAN};
	expect_ok(schema_count_series(s, "root.**", &c, &n, &e_));
	assert_int_equal(n, 10);
	schema_close(s, NULL);
}

/*---------------------------------------------------------------------------
 * Listings on the manual's example tree
 *---------------------------------------------------------------------------*/

static schema_t *manual_tree(void)
{
	schema_t *s = open_mem();
	const char *ps[] = {"root.ln.wf01.wt01.status", "root.ln.wf01.wt01.temperature",
			    "root.ln.wf02.wt02.hardware", "root.ln.wf02.wt02.status",
			    "root.sgcc.wf03.wt01.status", "root.sgcc.wf03.wt01.temperature",
			    "root.turbine.d1.s1"};
	for (size_t i = 0; i < LR_ARRAY_LEN(ps); i++)
		mk(s, ps[i], TSFILE_FLOAT);
	return s;
}

static int child_cb(void *arg, const schema_child_info_t *in)
{
	strs_t *l = arg;
	char t[300];
	snprintf(t, sizeof(t), "%.*s:%s", (int)in->path_len, in->path,
		 schema_node_type_name(in->type));
	strs_add(l, t, strlen(t));
	return 0;
}

static void test_listings(void **state)
{
	(void)state;
	schema_t *s = manual_tree();
	strs_t l = {{0}, 0, 0};
	expect_ok(schema_match_children(s, "root.ln", child_cb, &l, &e_));
	assert_string_equal(l.buf, "root.ln.wf01:INTERNAL,root.ln.wf02:INTERNAL");
	strs_reset(&l);
	expect_ok(schema_match_children(s, "root", child_cb, &l, &e_));
	assert_string_equal(l.buf, "root.ln:DATABASE,root.sgcc:DATABASE,root.turbine:DATABASE");
	strs_reset(&l);
	expect_ok(schema_match_children(s, "root.*.*.wt01", child_cb, &l, &e_));
	assert_string_equal(l.buf, "root.ln.wf01.wt01.status:TIMESERIES,"
			    "root.ln.wf01.wt01.temperature:TIMESERIES,"
			    "root.sgcc.wf03.wt01.status:TIMESERIES,"
			    "root.sgcc.wf03.wt01.temperature:TIMESERIES");
	strs_reset(&l);
	expect_ok(schema_match_children(s, "root.ln.wf01", child_cb, &l, &e_));
	assert_string_equal(l.buf, "root.ln.wf01.wt01:DEVICE");

	uint64_t n;
	const struct { const char *p; int level; uint64_t want; } cn[] = {
		{"root.**", 2, 4}, {"root.ln.**", 2, 2}, {"root.ln.wf01.**", 3, 1},
		{"root.**.temperature", 3, 2}, {"root.**", 4, 6}, {"root.**", 3, 4},
		{"root.**", 5, 0},
		{"root.*", 1, 3}, {"root", 0, 1}};
	for (size_t i = 0; i < LR_ARRAY_LEN(cn); i++) {
		expect_ok(schema_count_nodes(s, cn[i].p, cn[i].level, &n, &e_));
		if (n != cn[i].want)
			fail_msg("COUNT NODES %s LEVEL=%d: %llu", cn[i].p, cn[i].level,
				 (unsigned long long)n);
	}

	strs_reset(&l);
	expect_ok(schema_match_devices(s, NULL, NULL, 0, 0, device_path_cb, &l, &e_));
	assert_string_equal(l.buf, "root.ln.wf01.wt01,root.ln.wf02.wt02,root.sgcc.wf03.wt01,"
			    "root.turbine.d1");
	strs_reset(&l);
	expect_ok(schema_match_devices(s, "root.ln.**", "wf02", 0, 0, device_path_cb, &l, &e_));
	assert_string_equal(l.buf, "root.ln.wf02.wt02");
	expect_ok(schema_count_devices(s, "root.ln.**", &n, &e_));
	assert_int_equal(n, 2);

	const struct { const char *p; const char *want; } ts[] = {
		{"root.ln.**", "root.ln.wf01.wt01.status,root.ln.wf01.wt01.temperature,"
			       "root.ln.wf02.wt02.hardware,root.ln.wf02.wt02.status"},
		{"root.**.status", "root.ln.wf01.wt01.status,root.ln.wf02.wt02.status,"
				   "root.sgcc.wf03.wt01.status"},
		{"root.*.wf0*.*.*ure", "root.ln.wf01.wt01.temperature,root.sgcc.wf03.wt01.temperature"},
		{"root.**.*dwa*", "root.ln.wf02.wt02.hardware"},
		{"root.turbine.**", "root.turbine.d1.s1"},
		{"root.turbine.*", ""},
		{"root.ln.wf01.wt01.status", "root.ln.wf01.wt01.status"},
		{"root.ln.wf01.wt01.nope", ""},
		{"root.**.wt01.**", "root.ln.wf01.wt01.status,root.ln.wf01.wt01.temperature,"
				    "root.sgcc.wf03.wt01.status,root.sgcc.wf03.wt01.temperature"},
	};
	for (size_t i = 0; i < LR_ARRAY_LEN(ts); i++)
		if (strcmp(show_ts(s, ts[i].p, &l), ts[i].want))
			fail_msg("SHOW TIMESERIES %s: %s", ts[i].p, l.buf);

	strs_reset(&l);
	expect_ok(schema_match_series(s, "root.**", NULL, 2, 3, series_path_cb, &l, &e_));
	assert_string_equal(l.buf, "root.ln.wf02.wt02.hardware,root.ln.wf02.wt02.status,"
			    "root.sgcc.wf03.wt01.status");
	strs_reset(&l);
	expect_ok(schema_match_series(s, "root.**", NULL, 100, 3, series_path_cb, &l, &e_));
	assert_string_equal(l.buf, "");
	expect_ok(schema_count_series(s, "root.ln.*.*.status", NULL, &n, &e_));
	assert_int_equal(n, 2);
	expect_err(schema_count_series(s, "root.ln.a*b", NULL, &n, &e_), 509,
		   "root.ln.a*b is not a legal path");
	expect_err(schema_count_series(s, "sg.**", NULL, &n, &e_), 509, "sg.** is not a legal path");
	expect_err(schema_count_series(s, "root.**.", NULL, &n, &e_), 509,
		   "root.**. is not a legal path");

	/* a database that is also a device; nodes above databases */
	mk(s, "root.sg.s1", TSFILE_INT32);
	expect_ok(schema_db_create(s, "root.a.b.sg", NULL, &e_));
	mk(s, "root.a.b.sg.d.x", TSFILE_INT32);
	strs_reset(&l);
	expect_ok(schema_match_children(s, "root.a", child_cb, &l, &e_));
	assert_string_equal(l.buf, "root.a.b:DB INTERNAL");
	strs_reset(&l);
	expect_ok(schema_match_devices(s, "root.sg", NULL, 0, 0, device_path_cb, &l, &e_));
	assert_string_equal(l.buf, "root.sg");
	one_t o = find(s, "root.a.b.sg.d.x");
	assert_int_equal(o.in.db_len, strlen("root.a.b.sg"));
	assert_int_equal(schema_path_level_len(o.path, strlen(o.path), 2), strlen("root.a.b"));
	schema_close(s, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_db_rules),
		cmocka_unit_test(test_series_create),
		cmocka_unit_test(test_series_aligned),
		cmocka_unit_test(test_series_delete),
		cmocka_unit_test(test_alter),
		cmocka_unit_test(test_tag_index),
		cmocka_unit_test(test_listings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
