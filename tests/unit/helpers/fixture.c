/*
 * fixture.c — temporary directories and engine databases for the unit tests
 * (see fixture.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "fixture.h"

char fixture_dir[256];

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(p);
}

int fixture_dir_setup(void **state)
{
	(void)state;
	snprintf(fixture_dir, sizeof fixture_dir, "/tmp/larch-%s-XXXXXX",
		 program_invocation_short_name);
	assert_non_null(mkdtemp(fixture_dir));
	return 0;
}

int fixture_dir_teardown(void **state)
{
	(void)state;
	nftw(fixture_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

larch_db_t *fixture_open_db(const larch_options_t *opt)
{
	larch_db_t *db = NULL;
	larch_error_t err = {0};
	int rc = larch_open(fixture_dir, opt, &db, &err);
	if (rc)
		fail_msg("larch_open: %d %s", rc, err.msg);
	return db;
}

void fixture_close_db(larch_db_t *db)
{
	larch_error_t err = {0};
	if (larch_close(db, &err))
		fail_msg("larch_close: %s", err.msg);
}
