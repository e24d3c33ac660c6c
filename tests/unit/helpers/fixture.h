/*
 * fixture.h — test fixtures shared by the unit tests (linked into every unit
 * test program by the Makefile): a fresh temporary directory per test and
 * opening / closing an engine database in it.
 */
#ifndef LARCH_TEST_FIXTURE_H
#define LARCH_TEST_FIXTURE_H

#include "larch/larch.h"

/* The current test's directory, set by fixture_dir_setup. */
extern char fixture_dir[256];

/* cmocka setup: create a new empty directory /tmp/larch-<program>-XXXXXX
 * as fixture_dir (fails the test when it cannot). */
int fixture_dir_setup(void **state);

/* cmocka teardown: remove fixture_dir and everything under it (symbolic
 * links are removed, not followed). */
int fixture_dir_teardown(void **state);

/* larch_open on fixture_dir with opt (NULL: defaults); fails the current
 * test on an error, naming its code and message. */
larch_db_t *fixture_open_db(const larch_options_t *opt);

/* larch_close; fails the current test on an error. */
void fixture_close_db(larch_db_t *db);

#endif
