/* SPDX-License-Identifier: MIT */
/*
 * test_termesc.c -- termesc: what may reach a terminal. Control bytes,
 * escape sequences, DEL, ill-formed UTF-8, C1 controls and bidi overrides
 * come out as \xHH; printable ASCII and well-formed UTF-8 pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "termesc.h"

struct esc_case {
	const char *in;
	size_t len;		/* 0: strlen(in) */
	const char *want;
};

static const struct esc_case esc_cases[] = {
	{"plain text [ 12.3] foo+0x1/0x2", 0,
	    "plain text [ 12.3] foo+0x1/0x2"},
	{"", 0, ""},
	/* Clear screen, cursor home, OSC title, CR overwrite, bell. */
	{"a\x1b[2Jb", 0, "a\\x1b[2Jb"},
	{"\x1b[H\x1b]0;owned\x07", 0, "\\x1b[H\\x1b]0;owned\\x07"},
	{"ok\rFAKE", 0, "ok\\x0dFAKE"},
	{"tab\there\nnl", 0, "tab\\x09here\\x0anl"},
	{"del\x7f", 0, "del\\x7f"},
	{"nul\0in", 6, "nul\\x00in"},
	/* A backslash is kept: "\xff" from the collector reads the same. */
	{"already \\xff escaped", 0, "already \\xff escaped"},
	/* Well-formed UTF-8 passes: 2, 3 and 4 bytes. */
	{"\xc2\xb5s caf\xc3\xa9", 0, "\xc2\xb5s caf\xc3\xa9"},
	{"\xe2\x82\xac \xf0\x9f\x90\xa7", 0, "\xe2\x82\xac \xf0\x9f\x90\xa7"},
	/* Ill-formed: stray continuation, lone lead, cut sequence. */
	{"\x80x", 0, "\\x80x"},
	{"\xff\xfe", 0, "\\xff\\xfe"},
	{"\xc3", 0, "\\xc3"},
	{"\xe2\x82", 0, "\\xe2\\x82"},
	{"\xe2\x82x", 0, "\\xe2\\x82x"},
	/* Overlong '/', overlong NUL, surrogate, above U+10FFFF. */
	{"\xc0\xaf", 0, "\\xc0\\xaf"},
	{"\xe0\x80\x80", 0, "\\xe0\\x80\\x80"},
	{"\xed\xa0\x80", 0, "\\xed\\xa0\\x80"},
	{"\xf4\x90\x80\x80", 0, "\\xf4\\x90\\x80\\x80"},
	/* C1 CSI (U+009B) and NEL, bidi override and isolate. */
	{"\xc2\x9b" "2J", 0, "\\xc2\\x9b" "2J"},
	{"\xc2\x85", 0, "\\xc2\\x85"},
	{"\xe2\x80\xae" "cba", 0, "\\xe2\\x80\\xae" "cba"},
	{"\xe2\x81\xa6x", 0, "\\xe2\\x81\\xa6x"},
	/* Neighbours of those ranges pass. */
	{"\xc2\xa0 \xe2\x80\xa9", 0, "\xc2\xa0 \xe2\x80\xa9"},
};

/* Every case of the table. */
static void
test_termesc_table(void **state)
{
	const struct esc_case *c;
	size_t i, len;
	char *got;

	(void)state;
	for (i = 0; i < sizeof(esc_cases) / sizeof(esc_cases[0]); i++) {
		c = &esc_cases[i];
		len = c->len != 0 ? c->len : strlen(c->in);
		got = termesc_dup(c->in, len);
		assert_non_null(got);
		if (strcmp(got, c->want) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, got,
			    c->want);
		free(got);
	}
}

/* No output byte is a control byte, whatever the input. */
static void
test_termesc_all_bytes(void **state)
{
	unsigned char in[512];
	char *got;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 7 + (i >> 8));
	got = termesc_dup((const char *)in, sizeof(in));
	assert_non_null(got);
	for (i = 0; got[i] != '\0'; i++)
		assert_true((unsigned char)got[i] >= 0x20 &&
		    (unsigned char)got[i] != 0x7f);
	free(got);
}

/* Sequence lengths. */
static void
test_termesc_utf8_len(void **state)
{
	(void)state;
	assert_int_equal(termesc_utf8_len((const unsigned char *)"a", 1), 1);
	assert_int_equal(termesc_utf8_len((const unsigned char *)"\xc3\xa9",
	    2), 2);
	assert_int_equal(termesc_utf8_len((const unsigned char *)"\xc3\xa9",
	    1), 0);
	assert_int_equal(termesc_utf8_len((const unsigned char *)
	    "\xf0\x9f\x90\xa7", 4), 4);
	assert_int_equal(termesc_utf8_len((const unsigned char *)"\xf5\x80",
	    2), 0);
	assert_int_equal(termesc_utf8_len((const unsigned char *)"", 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_termesc_table),
		cmocka_unit_test(test_termesc_all_bytes),
		cmocka_unit_test(test_termesc_utf8_len),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
