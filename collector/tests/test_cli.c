/* SPDX-License-Identifier: MIT */
/*
 * test_cli.c -- the helpers of the reading commands: time arguments (ISO
 * 8601 forms, relative, bad ones), terminal escaping of hostile text,
 * the streaming JSON writer against jansson byte for byte, tables with
 * UTF-8 and escapes, and CSV quoting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"
#include "report_json.h"

#define NOW 1763700000000LL /* 2025-11-21T04:40:00Z */

static void
test_cli_time(void **state)
{
	static const struct {
		const char *in;
		int64_t ms;
	} ok[] = {
		{"2025-11-21", 1763683200000LL},
		{"2025-11-21T04:40", NOW},
		{"2025-11-21T04:40:00Z", NOW},
		{"2025-11-21 04:40:00", NOW},
		{"2025-11-21t04:40:00.250z", NOW + 250},
		{"2025-11-21T04:40:00,5", NOW + 500},
		{"2025-11-21T05:40:00+01:00", NOW},
		{"2025-11-21T03:40:00-0100", NOW},
		{"2025-11-21T06:40:00+02", NOW},
		{"90s", NOW - 90000},
		{"15m", NOW - 900000},
		{"2h", NOW - 7200000},
		{"1d", NOW - 86400000},
		{"1w", NOW - 604800000},
		{"0s", NOW},
		{"now", NOW},
		{"@1700000000000", 1700000000000LL},
	};
	static const char *const bad[] = {
		"", "yesterday", "2h ago", "2025-11-31", "2025-02-29", "-2h",
		"2x", "h", "2025-13-01",
		"2025-11-32", "2025-11-21T25:00", "2025-11-21T04:40Zjunk",
		"2025-11-21T04:40+25:00", "20251121", "@", "@x",
		"99999999999999999999d",
	};
	char *cause = NULL;
	int64_t ms;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(cli_time_parse(ok[i].in, NOW, &ms, NULL), 0);
		if (ms != ok[i].ms)
			fail_msg("%s: %lld", ok[i].in, (long long)ms);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (cli_time_parse(bad[i], NOW, &ms, &cause) == 0)
			fail_msg("accepted '%s'", bad[i]);
		assert_non_null(cause);
		free(cause);
		cause = NULL;
	}
}

static void
test_cli_time_fmt(void **state)
{
	char buf[40];

	(void)state;
	assert_string_equal(cli_time_fmt(NOW + 980, false, buf, sizeof(buf)),
	    "2025-11-21T04:40:00Z");
	assert_string_equal(cli_time_fmt(NOW + 980, true, buf, sizeof(buf)),
	    "2025-11-21T04:40:00.980Z");
	assert_string_equal(cli_time_fmt(-1, true, buf, sizeof(buf)), "-");
}

static void
test_cli_esc(void **state)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{"plain text", "plain text"},
		{"a\\b", "a\\\\b"},
		{"\x1b[2Jclear", "\\x1b[2Jclear"},
		{"\x1b]0;title\x07", "\\x1b]0;title\\x07"},
		{"tab\there\r\n", "tab\\there\\r\\n"},
		{"del\x7f", "del\\x7f"},
		{"caf\xc3\xa9", "caf\xc3\xa9"},		/* UTF-8 stays */
		{"\xe2\x80\xae" "evil", "\\u202eevil"},	/* bidi */
		{"\xc2\x9b" "31m", "\\u009b31m"},	/* C1 CSI */
		{"zero\xe2\x80\x8bwidth", "zero\\u200bwidth"},
		{"bad \xff\xfe", "bad \\xff\\xfe"},
		{"cut \xe2\x80", "cut \\xe2\\x80"},
		{"overlong \xc0\xaf", "overlong \\xc0\\xaf"},
		{"surrogate \xed\xa0\x80", "surrogate \\xed\\xa0\\x80"},
		{"emoji \xf0\x9f\x90\xa7", "emoji \xf0\x9f\x90\xa7"},
		{NULL, ""},
	};
	size_t i;
	char *e;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		e = cli_esc(cases[i].in);
		assert_non_null(e);
		assert_string_equal(e, cases[i].out);
		free(e);
	}
	assert_int_equal(cli_width("caf\xc3\xa9"), 4);
}

/* cli_jw must print what jansson prints (ENSURE_ASCII, report_json_str). */
static void
test_cli_jw_matches_jansson(void **state)
{
	static const char *const strs[] = {
		"plain", "quote\" back\\slash", "\b\f\n\r\t", "\x01\x1b[2J\x1f",
		"del\x7f", "caf\xc3\xa9", "\xe2\x80\xae",
		"\xf0\x9f\x90\xa7 pinguin",
		"bad \xff and \xc3\xa9", "/slash/", "",
	};
	char *a = NULL, *b = NULL;
	size_t alen, blen, i;
	struct cli_jw w;
	json_t *o;
	FILE *f;

	(void)state;
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		f = open_memstream(&a, &alen);
		cli_jw_begin(&w, f);
		cli_jw_int(&w, "id", 7);
		cli_jw_str(&w, "s", strs[i]);
		cli_jw_str(&w, "n", NULL);
		cli_jw_bool(&w, "t", true);
		cli_jw_opt(&w, "o", -1);
		cli_jw_time(&w, "time", NOW);
		assert_int_equal(cli_jw_end(&w), 0);
		fclose(f);
		o = json_object();
		json_object_set_new(o, "id", json_integer(7));
		json_object_set_new(o, "s", report_json_str(strs[i]));
		json_object_set_new(o, "n", json_null());
		json_object_set_new(o, "t", json_true());
		json_object_set_new(o, "o", json_null());
		json_object_set_new(o, "time", cli_json_time(NOW));
		f = open_memstream(&b, &blen);
		assert_int_equal(cli_json_line(f, o), 0);
		fclose(f);
		json_decref(o);
		assert_string_equal(a, b);
		free(a);
		free(b);
	}
}

static void
test_cli_table(void **state)
{
	static const char *const heads[] = {"N", "NAME", "NOTE"};
	static const char *const r1[] = {"1", "caf\xc3\xa9", "\x1b[31mred"};
	static const char *const r2[] = {"100", "x", NULL};
	struct cli_table *t;
	char *out = NULL;
	size_t len;
	FILE *f;

	(void)state;
	t = cli_table_new(heads, 3, "rll");
	assert_non_null(t);
	assert_int_equal(cli_table_add(t, r1), 0);
	assert_int_equal(cli_table_add(t, r2), 0);
	assert_int_equal(cli_table_rows(t), 2);
	f = open_memstream(&out, &len);
	cli_table_print(t, f);
	fclose(f);
	assert_string_equal(out,
	    "  N  NAME  NOTE\n"
	    "  1  caf\xc3\xa9  \\x1b[31mred\n"
	    "100  x     -\n");
	free(out);
	cli_table_free(t);
}

static void
test_cli_csv(void **state)
{
	static const char *const row[] = {"a", "b,c", "say \"hi\"", NULL,
	    "line\nbreak\x1b"};
	char *out = NULL;
	size_t len;
	FILE *f;

	(void)state;
	f = open_memstream(&out, &len);
	assert_int_equal(cli_csv_row(f, row, 5), 0);
	fclose(f);
	assert_string_equal(out,
	    "a,\"b,c\",\"say \"\"hi\"\"\",,line\\nbreak\\x1b\r\n");
	free(out);
}

static void
test_cli_filter(void **state)
{
	struct cli_filter cf;
	char *cause = NULL;

	(void)state;
	cli_filter_init(&cf);
	assert_int_equal(cli_filter_opt(&cf, CLI_OPT_CLASS, "kasan,warn", NOW,
	    &cause), 1);
	assert_int_equal(cli_filter_opt(&cf, CLI_OPT_CLASS, "soft-lockup",
	    NOW, &cause), 1);
	assert_int_equal(cf.f.nclasses, 3);
	assert_string_equal(cf.f.classes[2], "soft-lockup");
	assert_int_equal(cli_filter_opt(&cf, CLI_OPT_STATE, "new,ignored",
	    NOW, &cause), 1);
	assert_int_equal(cf.f.nstates, 2);
	assert_int_equal(cli_filter_opt(&cf, CLI_OPT_SINCE, "1h", NOW,
	    &cause), 1);
	assert_int_equal(cf.f.since_ms, NOW - 3600000);
	assert_int_equal(cli_filter_opt(&cf, CLI_OPT_JSON, NULL, NOW,
	    &cause), 1);
	assert_int_equal(cf.out.format, CLI_JSON);
	assert_int_equal(cli_filter_opt(&cf, CLI_OPT_FORMAT, "csv", NOW,
	    &cause), 1);
	assert_int_equal(cf.out.format, CLI_CSV);
	assert_int_equal(cli_filter_opt(&cf, CLI_OPT_FORMAT, "xml", NOW,
	    &cause), -1);
	assert_non_null(strstr(cause, "xml"));
	free(cause);
	cause = NULL;
	assert_int_equal(cli_filter_opt(&cf, CLI_OPT_DATA_DIR, "/d", NOW,
	    &cause), 1);
	assert_string_equal(cf.out.data_dir, "/d");
	assert_int_equal(cli_filter_opt(&cf, CLI_OPT_LIMIT, "3", NOW,
	    &cause), 0);
	assert_int_equal(cli_filter_opt(&cf, CLI_OPT_CLASS, "kasan,nope", NOW,
	    &cause), -1);
	assert_non_null(strstr(cause, "nope"));
	free(cause);
	cli_filter_clear(&cf);
	assert_true(cli_class_ok("rcu-stall"));
	assert_false(cli_class_ok("none"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_time),
		cmocka_unit_test(test_cli_time_fmt),
		cmocka_unit_test(test_cli_esc),
		cmocka_unit_test(test_cli_jw_matches_jansson),
		cmocka_unit_test(test_cli_table),
		cmocka_unit_test(test_cli_csv),
		cmocka_unit_test(test_cli_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
