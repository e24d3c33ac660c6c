/*
 * session_example.c — the flow of IoTDB's Python SessionExample in C over
 * include/larch/client.h: open a session, create a database and series
 * (single, multi, aligned), write records, string records and tablets,
 * query with SQL, use a schema template, clean up.
 *
 *   session_example [host [port]]     (default 127.0.0.1 6667)
 */
#include <stdio.h>
#include <stdlib.h>

#include "larch/client.h"

static larch_error_t err;

/* Stop with the error of a failed call. */
static void check(int rc, const char *what)
{
	if (rc) {
		fprintf(stderr, "%s failed: %d %s\n", what, err.code, err.msg);
		exit(1);
	}
}

static void print_query(larch_session_t *s, const char *sql)
{
	larch_dataset_t *ds;
	char cell[128];

	check(larch_session_execute_query(s, sql, 0, &ds, &err), sql);
	printf("%s\n", sql);
	if (larch_dataset_has_time(ds))
		printf("Time\t");
	for (size_t i = 0; i < larch_dataset_column_count(ds); i++)
		printf("%s\t", larch_dataset_column_name(ds, i));
	printf("\n");
	while (larch_dataset_next(ds, &err) == LARCH_OK) {
		if (larch_dataset_has_time(ds))
			printf("%lld\t", (long long)larch_dataset_time(ds));
		for (size_t i = 0; i < larch_dataset_column_count(ds); i++) {
			larch_dataset_format(ds, i, cell, sizeof cell);
			printf("%s\t", cell);
		}
		printf("\n");
	}
	check(err.code, "iterating");
	larch_dataset_close(ds, NULL);
}

int main(int argc, char **argv)
{
	larch_client_options_t o;
	larch_session_t *s;

	larch_client_options_default(&o);
	if (argc > 1)
		o.host = argv[1];
	if (argc > 2)
		o.port = atoi(argv[2]);
	o.time_zone = "UTC";
	check(larch_session_open(&o, &s, &err), "open");
	printf("connected to %s, zone %s, precision %s\n", larch_session_endpoint(s),
	       larch_session_time_zone(s), larch_session_time_precision(s));

	/* databases and series */
	check(larch_session_create_database(s, "root.sg_test_01", &err), "create database");
	larch_series_def_t d = { .type = TSFILE_INT64, .encoding = TSFILE_PLAIN, .codec = -1 };
	check(larch_session_create_timeseries(s, "root.sg_test_01.d_01.s_01", &d, &err),
	      "create timeseries");
	const char *paths[] = { "root.sg_test_01.d_01.s_02", "root.sg_test_01.d_01.s_03" };
	larch_series_def_t two[] = { { .type = TSFILE_DOUBLE, .encoding = -1, .codec = -1 },
				     { .type = TSFILE_TEXT, .encoding = -1, .codec = -1 } };
	check(larch_session_create_multi_timeseries(s, paths, two, 2, &err), "create multi");
	larch_series_def_t al[] = { { .name = "lat", .type = TSFILE_FLOAT, .encoding = -1, .codec = -1 },
				    { .name = "lon", .type = TSFILE_FLOAT, .encoding = -1, .codec = -1 } };
	check(larch_session_create_aligned_timeseries(s, "root.sg_test_01.gps", al, 2, &err),
	      "create aligned");
	int exists;
	check(larch_session_check_timeseries_exists(s, "root.sg_test_01.d_01.s_01", &exists, &err),
	      "check exists");
	printf("s_01 exists: %d\n", exists);

	/* one record, several records, records of one device */
	tsfile_point_t pts[3] = {
		{ "s_01", { .type = TSFILE_INT64, .v.i64 = 1 } },
		{ "s_02", { .type = TSFILE_DOUBLE, .v.d = 1.5 } },
		{ "s_03", { .type = TSFILE_TEXT, .v.bytes = { "one", 3 } } },
	};
	check(larch_session_insert_record(s, "root.sg_test_01.d_01", 1, pts, 3, 0, &err),
	      "insert record");
	larch_record_t recs[2] = { { "root.sg_test_01.d_01", 3, pts, 2 },
				   { "root.sg_test_01.d_01", 2, pts, 3 } };
	check(larch_session_insert_records(s, recs, 2, 0, &err), "insert records");
	recs[0].time = 5;
	recs[1].time = 4;
	check(larch_session_insert_records_of_one_device(s, "root.sg_test_01.d_01", recs, 2, 0, 0,
							  &err), "insert records of one device");
	const char *names[] = { "s_01", "s_02" }, *vals[] = { "6", "6.25" };
	larch_string_record_t sr = { "root.sg_test_01.d_01", 6, names, vals, 2 };
	check(larch_session_insert_string_record(s, &sr, 0, &err), "insert string record");

	/* a tablet with a null, and an aligned tablet */
	int64_t times[4] = { 10, 11, 12, 13 }, v1[4] = { 10, 11, 12, 13 };
	double v2[4] = { 0.5, 1.5, 2.5, 3.5 };
	uint8_t null2[4] = { 0, 1, 0, 0 };
	tsfile_column_t cols[2] = { { "s_01", TSFILE_INT64, v1, NULL },
				    { "s_02", TSFILE_DOUBLE, v2, null2 } };
	tsfile_tablet_t t = { "root.sg_test_01.d_01", 4, times, 2, cols };
	check(larch_session_insert_tablet(s, &t, 0, &err), "insert tablet");
	float lat[4] = { 1, 2, 3, 4 }, lon[4] = { 5, 6, 7, 8 };
	tsfile_column_t gcols[2] = { { "lat", TSFILE_FLOAT, lat, NULL },
				     { "lon", TSFILE_FLOAT, lon, NULL } };
	tsfile_tablet_t g = { "root.sg_test_01.gps", 4, times, 2, gcols };
	check(larch_session_insert_tablets(s, &g, 1, 1, &err), "insert aligned tablets");

	/* SQL */
	check(larch_session_execute_non_query(s,
		"insert into root.sg_test_01.d_01(timestamp, s_01) values(100, 100)", &err),
	      "non-query");
	print_query(s, "select * from root.sg_test_01.d_01");
	print_query(s, "select * from root.sg_test_01.gps");
	print_query(s, "select count(s_01) from root.sg_test_01.d_01");

	/* a schema template */
	larch_series_def_t tm[] = { { .name = "temperature", .type = TSFILE_FLOAT, .encoding = -1, .codec = -1 } };
	check(larch_session_create_template(s, "t_example", tm, 1, 0, &err), "create template");
	check(larch_session_set_template(s, "t_example", "root.sg_test_01.tpl", &err), "set template");
	char **list;
	size_t n;
	check(larch_session_show_templates(s, LARCH_TEMPLATE_MEASUREMENTS, "t_example", &list, &n,
					   &err), "show template");
	for (size_t i = 0; i < n; i++)
		printf("template measurement: %s\n", list[i]);
	larch_client_free(list);
	check(larch_session_unset_template(s, "t_example", "root.sg_test_01.tpl", &err), "unset");
	check(larch_session_drop_template(s, "t_example", &err), "drop template");

	/* clean up */
	const char *dbs[] = { "root.sg_test_01" };
	check(larch_session_delete_databases(s, dbs, 1, &err), "delete database");
	check(larch_session_close(s, &err), "close");
	printf("done\n");
	return 0;
}
