/* SPDX-License-Identifier: MIT */
/*
 * test_marker.c -- the step marker grammar (docs/steps.md): marker lines
 * with and without console prefixes, userdata, clean shutdown lines, the
 * lines that must not count, malformed markers, and the tracker that
 * reports a boot's userdata once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "marker.h"

/* One line and what it must parse to. */
struct line_case {
	const char *text;
	int kind;		/* marker_parse_line() result */
	const char *plan;
	const char *step;
	const char *patch;
};

static const struct line_case line_cases[] = {
	{"kcatch: plan=iter6-v3 step=2.1 patch=0004", MARKER_STEP,
	    "iter6-v3", "2.1", "0004"},
	{"kcatch: step=3", MARKER_STEP, "", "3", ""},
	{"kcatch:   step=3   plan=p  ", MARKER_STEP, "p", "3", ""},
	{"<12>[   12.345678] kcatch: plan=p step=s", MARKER_STEP, "p", "s",
	    ""},
	{"[   12.345678][  T123] kcatch: step=s", MARKER_STEP, "", "s", ""},
	{"sh[412]: kcatch: plan=p step=s patch=0004-vb2-helper.patch",
	    MARKER_STEP, "p", "s", "0004-vb2-helper.patch"},
	{"kcatch: step=s future=1 x-y_z=abc", MARKER_STEP, "", "s", ""},
	{"kcatch: end", MARKER_END, "", "", ""},
	{"[    3.1] kcatch: end  ", MARKER_END, "", "", ""},
	{"kcatch: shutdown", MARKER_SHUTDOWN, "", "", ""},
	{"reboot: Restarting system", MARKER_SHUTDOWN, "", "", ""},
	{"[  99.000000] reboot: Power down", MARKER_SHUTDOWN, "", "", ""},
	{"reboot: System halted", MARKER_SHUTDOWN, "", "", ""},
	{"kexec_core: Starting new kernel", MARKER_SHUTDOWN, "", "", ""},
	{"Starting new kernel", MARKER_SHUTDOWN, "", "", ""},
	/* The fast path keeps the longest ident tag (64 bytes). */
	{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-b.c[1]: kcatch: step=s", MARKER_STEP, "", "s", ""},
	{"[ 1.0] aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-b.c[1]: kcatch: step=s", MARKER_STEP, "", "s", ""},
	/* Not markers. */
	{"", MARKER_NONE, "", "", ""},
	{"kcatch", MARKER_NONE, "", "", ""},
	{"kcatch:step=1", MARKER_NONE, "", "", ""},
	{"foo: kcatch: step=1", MARKER_NONE, "", "", ""},
	{"echo kcatch: step=1", MARKER_NONE, "", "", ""},
	{"KCATCH: step=1", MARKER_NONE, "", "", ""},
	{"reboot: mode cold", MARKER_NONE, "", "", ""},
	{"Rebooting in 1 seconds..", MARKER_NONE, "", "", ""},
	{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-b.c[1]: kcatch: step=s", MARKER_NONE, "", "", ""},
	{"usb 1-1: new device [kcatch: step=1]", MARKER_NONE, "", "", ""},
	/* Malformed: a marker that declares nothing. */
	{"kcatch:", -1, "", "", ""},
	{"kcatch: plan=p", -1, "", "", ""},
	{"kcatch: step=", -1, "", "", ""},
	{"kcatch: step=a step=b", -1, "", "", ""},
	{"kcatch: step=a\"b", -1, "", "", ""},
	{"kcatch: step=a;rm", -1, "", "", ""},
	{"kcatch: step=\x1b[31m", -1, "", "", ""},
	{"kcatch: hello", -1, "", "", ""},
	{"kcatch: end now", -1, "", "", ""},
	{"kcatch: =x step=1", -1, "", "", ""},
	{"kcatch: step=01234567890123456789012345678901234567890123456789"
	    "0123456789abcde", -1, "", "", ""},
	{"kcatch: a=1 b=2 c=3 d=4 e=5 f=6 g=7 h=8 i=9 j=10 k=11 l=12 m=13 "
	    "n=14 o=15 p=16 step=1", -1, "", "", ""},
};

static void
test_marker_lines(void **state)
{
	const char *reason;
	struct marker m;
	size_t i;
	int kind;

	(void)state;
	for (i = 0; i < sizeof(line_cases) / sizeof(line_cases[0]); i++) {
		const struct line_case *c = &line_cases[i];

		reason = NULL;
		kind = marker_parse_line(c->text, strlen(c->text), &m,
		    &reason);
		print_message("%s -> %d %s\n", c->text, kind,
		    reason ? reason : "");
		assert_int_equal(kind, c->kind);
		assert_string_equal(m.plan, c->plan);
		assert_string_equal(m.step, c->step);
		assert_string_equal(m.patch, c->patch);
		if (kind < 0)
			assert_non_null(reason);
		else
			assert_int_equal(m.kind, kind);
	}
}

/* A line is bytes with a length, not a C string: no NUL, no overread. */
static void
test_marker_length_bound(void **state)
{
	const char text[] = "kcatch: step=12345 plan=p";
	struct marker m;

	(void)state;
	/* Cut inside "plan=": still a valid marker of step 12345 only. */
	assert_int_equal(marker_parse_line(text, 19, &m, NULL), MARKER_STEP);
	assert_string_equal(m.step, "12345");
	assert_string_equal(m.plan, "");
	/* Cut inside the tag. */
	assert_int_equal(marker_parse_line(text, 5, &m, NULL), MARKER_NONE);
}

static void
test_marker_userdata(void **state)
{
	const char *reason = NULL;
	struct marker m;

	(void)state;
	assert_int_equal(marker_from_userdata("iter6-v3", "2.1", "0004", &m,
	    NULL), MARKER_STEP);
	assert_string_equal(m.plan, "iter6-v3");
	assert_string_equal(m.step, "2.1");
	assert_string_equal(m.patch, "0004");
	assert_int_equal(marker_from_userdata(NULL, "7", NULL, &m, NULL),
	    MARKER_STEP);
	assert_string_equal(m.plan, "");
	assert_int_equal(marker_from_userdata("p", NULL, "x", &m, NULL),
	    MARKER_NONE);
	assert_int_equal(marker_from_userdata("p", "", NULL, &m, NULL),
	    MARKER_NONE);
	assert_int_equal(marker_from_userdata("p q", "1", NULL, &m, &reason),
	    -1);
	assert_non_null(reason);
	assert_int_equal(marker_from_userdata(NULL, "1\n2", NULL, &m, NULL),
	    -1);
}

static void
test_marker_tracker(void **state)
{
	struct marker_tracker t;
	struct marker a, b, end, shut;

	(void)state;
	marker_tracker_reset(&t);
	assert_int_equal(marker_from_userdata("p", "1", NULL, &a, NULL),
	    MARKER_STEP);
	assert_int_equal(marker_from_userdata("p", "2", NULL, &b, NULL),
	    MARKER_STEP);
	assert_int_equal(marker_parse_line("kcatch: end", 11, &end, NULL),
	    MARKER_END);
	assert_int_equal(marker_parse_line("kcatch: shutdown", 16, &shut,
	    NULL), MARKER_SHUTDOWN);
	assert_true(marker_tracker_update(&t, &a));
	assert_false(marker_tracker_update(&t, &a));
	assert_false(marker_tracker_update(&t, &a));
	assert_true(marker_tracker_update(&t, &b));
	assert_true(marker_tracker_update(&t, &a));
	assert_false(marker_tracker_update(&t, &shut));
	assert_true(marker_tracker_update(&t, &end));
	assert_false(marker_tracker_update(&t, &end));
	marker_tracker_reset(&t);
	assert_true(marker_tracker_update(&t, &end));
	assert_string_equal(marker_kind_name(MARKER_STEP), "step");
	assert_string_equal(marker_kind_name(MARKER_NONE), "none");
}

/* Console prefixes are skipped, and only those (board.c uses it too). */
static void
test_marker_skip_console(void **state)
{
	static const struct {
		const char *line;
		size_t skip;
	} cases[] = {
		{"Linux version 6.1.0", 0},
		{"<6>Linux version", 3},
		{"[    1.000000] Linux", 15},
		{"<4>[ 1.2][  T1] WARNING", 16},
		{"[ 1.2] [ T1] x", 13},
		{"[ 1.2] [ T1] [ C0] x", 13},	/* two groups at most */
		{"<12345>x", 0},		/* not a syslog priority */
		{"[no end x", 0},
		{"", 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(marker_skip_console(cases[i].line,
		    strlen(cases[i].line)), cases[i].skip);
}

static void
test_marker_value_ok(void **state)
{
	(void)state;
	assert_true(marker_value_ok("iter6-v3", MARKER_NAME_MAX));
	assert_true(marker_value_ok("a._+:/@~#%-Z9", MARKER_NAME_MAX));
	assert_false(marker_value_ok("", MARKER_NAME_MAX));
	assert_false(marker_value_ok("a b", MARKER_NAME_MAX));
	assert_false(marker_value_ok("a=b", MARKER_NAME_MAX));
	assert_false(marker_value_ok("abc", 2));
	assert_false(marker_value_ok("\xc3\xa9", MARKER_NAME_MAX));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_marker_lines),
		cmocka_unit_test(test_marker_length_bound),
		cmocka_unit_test(test_marker_userdata),
		cmocka_unit_test(test_marker_tracker),
		cmocka_unit_test(test_marker_value_ok),
		cmocka_unit_test(test_marker_skip_console),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
