/* SPDX-License-Identifier: MIT */
/*
 * test_normalize.c -- console prefix stripping (kr_normalize), table-driven.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kreport.h"

struct ncase {
	const char *in;
	const char *text;
	int64_t ktime_us;
	const char *caller;
	int level;
};

static const struct ncase cases[] = {
	{ "[    4.058986] crashme: performing WARNING",
	    "crashme: performing WARNING", 4058986, "", -1 },
	{ "[   13.276948][   T46] BUG: KASAN: x", "BUG: KASAN: x", 13276948,
	    "T46", -1 },
	{ "[ 2303.271381][T10970] BUG: y", "BUG: y", 2303271381LL, "T10970",
	    -1 },
	{ "<4>[    0.000000] Linux version 6.1", "Linux version 6.1", 0, "",
	    4 },
	{ "<7>[ 2303.271381][    C1] rcu: x", "rcu: x", 2303271381LL, "C1", 7 },
	{ "[123456.000001] wide seconds", "wide seconds", 123456000001LL, "",
	    -1 },
	{ "[    1.200000]  <TASK>", " <TASK>", 1200000, "", -1 },
	{ "[    1.200000]  ? vfs_write+0x1/0x2", " ? vfs_write+0x1/0x2",
	    1200000, "", -1 },
	{ "Nov 21 06:07:51 bench kernel: [   12.345678] WARNING: CPU: 0",
	    "WARNING: CPU: 0", 12345678, "", -1 },
	{ "2026-11-21T06:07:51.123456+00:00 rk3568 kernel: refcount_t: underflow",
	    "refcount_t: underflow", -1, "", -1 },
	{ "[Sat Nov 21 06:07:51 2026] list_add corruption.",
	    "list_add corruption.", -1, "", -1 },
	{ "\x1b[31m[    3.000000] BUG: red\x1b[0m\r", "BUG: red", 3000000, "",
	    -1 },
	{ "plain text, no prefix", "plain text, no prefix", -1, "", -1 },
	{ "[drm] Initialized", "[drm] Initialized", -1, "", -1 },
	{ "[    1.000000] [drm] Initialized", "[drm] Initialized", 1000000, "",
	    -1 },
	{ "<12>", "", -1, "", 4 },
	{ "", "", -1, "", -1 },
	{ "[ INFO: possible circular locking dependency detected ]",
	    "[ INFO: possible circular locking dependency detected ]", -1, "",
	    -1 },
	{ "[    5.1] short fraction", "short fraction", 5100000, "", -1 },
	{ "[ abc] not a time", "[ abc] not a time", -1, "", -1 },
	/* fuzz: 20-digit seconds overflowed int64_t; not a printk time */
	{ "[99999999999999999999.000000] x", "[99999999999999999999.000000] x",
	    -1, "", -1 },
	{ "[999999999999.999999] x", "x", 999999999999999999LL, "", -1 },
};

static void
test_normalize_table(void **state)
{
	char out[256], caller[8];
	int64_t kt;
	int lvl;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = kr_normalize(cases[i].in, strlen(cases[i].in), out,
		    sizeof(out), &kt, caller, &lvl);
		assert_int_equal(n, strlen(out));
		if (strcmp(out, cases[i].text))
			fail_msg("case %zu: got \"%s\" want \"%s\"", i, out,
			    cases[i].text);
		if (kt != cases[i].ktime_us)
			fail_msg("case %zu: ktime %lld want %lld", i,
			    (long long)kt, (long long)cases[i].ktime_us);
		assert_string_equal(caller, cases[i].caller);
		assert_int_equal(lvl, cases[i].level);
	}
}

/* A line longer than any buffer is cut, never overflows. */
static void
test_normalize_huge_line(void **state)
{
	size_t big = 10 * 1024 * 1024, n;
	char *in = malloc(big), *out = malloc(KR_LINE_MAX + 1);
	int64_t kt;
	char caller[8];
	int lvl;

	(void)state;
	assert_non_null(in);
	assert_non_null(out);
	memset(in, 'A', big);
	memcpy(in, "[    1.000000] ", 15);
	n = kr_normalize(in, big, out, KR_LINE_MAX + 1, &kt, caller, &lvl);
	assert_true(n <= KR_LINE_MAX);
	assert_int_equal(kt, 1000000);
	assert_int_equal(out[0], 'A');
	/* a tiny output buffer is respected too */
	n = kr_normalize(in, big, out, 8, &kt, caller, &lvl);
	assert_true(n < 8);
	free(in);
	free(out);
}

/* NUL bytes inside a line do not end it early and are not returned. */
static void
test_normalize_nul_bytes(void **state)
{
	static const char in[] = "[    1.000000] a\0b";
	char out[64], caller[8];
	int64_t kt;
	int lvl;
	size_t n;

	(void)state;
	n = kr_normalize(
	    in, sizeof(in) - 1, out, sizeof(out), &kt, caller, &lvl);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "a b", 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize_table),
		cmocka_unit_test(test_normalize_huge_line),
		cmocka_unit_test(test_normalize_nul_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
