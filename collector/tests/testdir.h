/* SPDX-License-Identifier: MIT */
/*
 * testdir.h -- a fresh temporary data directory per cmocka test: use
 * setup_dir/teardown_dir as the test's setup and teardown; *state is the
 * directory path. Header-only, shared by the store/archive/steps tests.
 */
#ifndef KCATCH_TESTDIR_H
#define KCATCH_TESTDIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Make /tmp/kcatch-test-XXXXXX; *state owns the malloc'd path. */
static int
setup_dir(void **state)
{
	char *dir = strdup("/tmp/kcatch-test-XXXXXX");

	if (dir == NULL || mkdtemp(dir) == NULL) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

/* nftw callback: remove one entry (children come first). */
static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

/* Remove the directory tree and free the path. */
static int
teardown_dir(void **state)
{
	nftw(*state, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(*state);
	return 0;
}

#endif /* KCATCH_TESTDIR_H */
