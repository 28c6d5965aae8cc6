/* SPDX-License-Identifier: MIT */
/*
 * test_steps.c -- patch steps in the store (docs/steps.md), built through
 * the store API the collector uses: attribution by each of the three
 * sources (marker, workstation, release) and their precedence, a marker
 * covering the start of its boot, "end" markers, re-attribution of past
 * reports, overlapping workstation ranges, the wedge rule, triage, the
 * filters of query and sigs, bisect's counts (checked against query
 * --new-in), and that reparse keeps steps.
 */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "kreport.h"
#include "store.h"
#include "testdir.h"

#define T0 1763700000000LL /* 2025-11-21T04:40:00Z */

/* A report by hand; strings are literals. */
static struct kr_report
rep(const char *cls, const char *title, const char *sig, int64_t t,
    uint64_t line)
{
	struct kr_report r = {
		.cls = (enum kr_class)kr_class_from_name(cls), .subtype = "",
		.title = (char *)title, .frame = "", .frame2 = "",
		.corrupt_reason = "", .first_line = line,
		.last_line = line + 3, .first_recv_ms = t,
		.last_recv_ms = t + 5, .first_ktime_us = -1,
		.last_ktime_us = -1, .access = "", .access_size = -1,
		.access_addr = "", .task = "", .pid = -1, .cpu = -1,
		.taint = "", .release = "", .hardware = "", .caller = "",
		.text = "x", .nlines = 4,
	};

	snprintf(r.signature, sizeof(r.signature), "%s", sig);
	return r;
}

/* Add a report; returns its id. */
static int64_t
add(struct store *s, int64_t board, int64_t boot, const char *cls,
    const char *sig, int64_t t)
{
	struct kr_report r = rep(cls, "T", sig, t, (uint64_t)(t % 1000) + 1);
	char *cause = NULL;
	int64_t id = 0;

	if (store_report_add(s, board, boot, "netconsole", &r, &id,
	    &cause) != 0)
		fail_msg("report: %s", cause);
	return id;
}

/* A fresh read-write store with one board. */
static struct store *
open_board(const char *dir, const char *name, int64_t *board)
{
	struct store *s = store_open_dir(dir, 0, NULL);

	assert_non_null(s);
	assert_int_equal(store_board_upsert(s, name, NULL, T0, board, NULL),
	    0);
	return s;
}

/* Define plan/step (optionally with a kernel); returns its id. */
static int64_t
step(struct store *s, const char *plan, const char *name,
    const char *kernel)
{
	struct store_step_def d = {.plan = plan, .step = name,
	    .kernel = kernel, .seq = -1};
	char *cause = NULL;
	int64_t id = 0;

	if (store_step_define(s, &d, T0, &id, &cause) != 0)
		fail_msg("step: %s", cause);
	return id;
}

/* Rows of a query, "step:source" words oldest first ("-" no step). */
struct words {
	char buf[1024];
};

static int
words_cb(const struct store_report_row *r, void *arg)
{
	struct words *w = arg;
	size_t len = strlen(w->buf);

	snprintf(w->buf + len, sizeof(w->buf) - len, "%s%s:%s",
	    len > 0 ? " " : "", r->step != NULL ? r->step : "-",
	    r->step_source != NULL ? r->step_source : "-");
	return 0;
}

/* Assert the steps of every report of board (query order). */
static void
expect(struct store *s, const char *board, const char *want)
{
	struct store_filter f = {.board = board, .since_ms = -1,
	    .until_ms = -1};
	struct words w = {{0}};
	char *cause = NULL;

	assert_int_equal(store_flush(s, NULL), 0);
	if (store_report_query(s, &f, words_cb, &w, &cause) != 0)
		fail_msg("query: %s", cause);
	assert_string_equal(w.buf, want);
}

/* The step (name) of boot id, "-" when none, and its source. */
static void
expect_boot(struct store *s, int64_t boot, const char *want)
{
	struct store_step *v;
	struct store_board *b;
	size_t n, nb, i;
	char got[64] = "-";

	(void)boot;
	assert_int_equal(store_step_list(s, NULL, &v, &n, NULL), 0);
	assert_int_equal(store_board_list(s, &b, &nb, NULL), 0);
	for (i = 0; i < nb; i++)
		if (b[i].boot_id == boot && b[i].step_id > 0)
			snprintf(got, sizeof(got), "%s:%s", b[i].step,
			    b[i].step_source);
	assert_string_equal(got, want);
	store_step_list_free(v, n);
	store_board_list_free(b, nb);
}

/* Workstation ranges: start, switch, end, a past range, overlaps. */
static void
test_steps_cli(void **state)
{
	struct store *s;
	int64_t board, boot, a, b, c, changed;

	s = open_board(*state, "rk1", &board);
	a = step(s, "p", "A", NULL);
	b = step(s, "p", "B", NULL);
	c = step(s, "p", "C", NULL);
	assert_int_equal(store_boot_begin(s, board, T0, &boot, NULL), 0);
	add(s, board, boot, "warn", "0000000000000001", T0 + 500);
	assert_int_equal(store_step_run(s, board, a, T0 + 1000, -1,
	    STORE_RUN_START, T0, &changed, NULL), 0);
	assert_int_equal(changed, 0);
	add(s, board, boot, "warn", "0000000000000001", T0 + 1500);
	assert_int_equal(store_step_run(s, board, b, T0 + 2000, -1,
	    STORE_RUN_START, T0, NULL, NULL), 0);
	add(s, board, boot, "warn", "0000000000000001", T0 + 2500);
	assert_int_equal(store_step_run(s, board, 0, T0 + 3000, -1,
	    STORE_RUN_START, T0, NULL, NULL), 0);
	add(s, board, boot, "warn", "0000000000000001", T0 + 3500);
	expect(s, "rk1", "-:- A:cli B:cli -:-");
	/* A range in the past re-attributes what it covers. */
	assert_int_equal(store_step_run(s, board, c, T0 + 400, T0 + 600,
	    STORE_RUN_REASSIGN, T0, &changed, NULL), 0);
	assert_int_equal(changed, 1);
	expect(s, "rk1", "C:cli A:cli B:cli -:-");
	/* A range inside another one splits it; the newest wins. */
	assert_int_equal(store_step_run(s, board, c, T0 + 1400, T0 + 1600,
	    STORE_RUN_REASSIGN, T0, NULL, NULL), 0);
	add(s, board, boot, "warn", "0000000000000001", T0 + 1700);
	expect(s, "rk1", "C:cli C:cli A:cli B:cli -:-");
	/* Covering both ends of older ranges drops them. */
	assert_int_equal(store_step_run(s, board, b, T0, T0 + 1800,
	    STORE_RUN_REASSIGN, T0, NULL, NULL), 0);
	expect(s, "rk1", "B:cli B:cli B:cli B:cli -:-");
	/* Bad ranges are refused. */
	assert_int_equal(store_step_run(s, board, a, T0 + 10, T0 + 10,
	    STORE_RUN_START, T0, NULL, NULL), -1);
	assert_int_equal(store_close(s, NULL), 0);
}

/* Markers: per boot, covering its start; end falls back to the CLI. */
static void
test_steps_marker(void **state)
{
	struct store *s;
	int64_t board, boot1, boot2, a, cli;
	char *cause = NULL;

	s = open_board(*state, "rk2", &board);
	cli = step(s, "p", "cli", NULL);
	a = step(s, "p", "A", NULL);
	(void)a;
	assert_int_equal(store_step_run(s, board, cli, T0, -1,
	    STORE_RUN_START, T0, NULL, NULL), 0);
	assert_int_equal(store_boot_begin(s, board, T0 + 10, &boot1, NULL),
	    0);
	expect_boot(s, boot1, "cli:cli");
	add(s, board, boot1, "warn", "0000000000000001", T0 + 100);
	assert_int_equal(store_step_mark(s, boot1, STORE_MARK_LINE, "p", "A",
	    "0004", T0 + 150, 7, &cause), 0);
	add(s, board, boot1, "warn", "0000000000000001", T0 + 200);
	/* The same declaration again (userdata repeats) changes nothing. */
	assert_int_equal(store_step_mark(s, boot1, STORE_MARK_USERDATA, "p",
	    "A", "0004", T0 + 160, 0, NULL), 0);
	/* Without plan=: the board's latest plan. */
	assert_int_equal(store_step_mark(s, boot1, STORE_MARK_LINE, NULL, "B",
	    NULL, T0 + 250, 9, NULL), 0);
	add(s, board, boot1, "warn", "0000000000000001", T0 + 300);
	assert_int_equal(store_step_mark(s, boot1, STORE_MARK_LINE, NULL, NULL,
	    NULL, T0 + 350, 11, NULL), 0);
	add(s, board, boot1, "warn", "0000000000000001", T0 + 400);
	expect(s, "rk2", "A:marker A:marker B:marker cli:cli");
	expect_boot(s, boot1, "cli:cli");
	/* A marker line seen again (archive rescan) is not recorded twice. */
	assert_int_equal(store_step_mark(s, boot1, STORE_MARK_LINE, "p", "A",
	    "0004", T0 + 150, 7, NULL), 0);
	expect(s, "rk2", "A:marker A:marker B:marker cli:cli");
	/* Markers belong to their boot: the next boot has the CLI step. */
	assert_int_equal(store_boot_end(s, boot1, T0 + 450, "reboot", NULL),
	    0);
	assert_int_equal(store_boot_begin(s, board, T0 + 500, &boot2, NULL),
	    0);
	add(s, board, boot2, "warn", "0000000000000001", T0 + 600);
	expect(s, "rk2", "A:marker A:marker B:marker cli:cli cli:cli");
	assert_int_equal(store_step_mark(s, boot2, STORE_MARK_USERDATA, NULL,
	    "B", NULL, T0 + 700, 0, NULL), 0);
	expect(s, "rk2", "A:marker A:marker B:marker cli:cli B:marker");
	expect_boot(s, boot2, "B:marker");
	/* Bad values and sources are refused. */
	assert_int_equal(store_step_mark(s, boot2, "x", NULL, "B", NULL, 1, 0,
	    NULL), -1);
	assert_int_equal(store_step_mark(s, boot2, STORE_MARK_LINE, NULL,
	    "a b", NULL, 1, 0, NULL), -1);
	assert_int_equal(store_step_mark(s, 999, STORE_MARK_LINE, NULL, "B",
	    NULL, 1, 0, NULL), -1);
	assert_int_equal(store_close(s, NULL), 0);
}

/* Release matches, and the order marker > cli > release. */
static void
test_steps_release_precedence(void **state)
{
	struct store *s;
	int64_t board, boot1, boot2, boot3, rel, cli;

	s = open_board(*state, "rk3", &board);
	rel = step(s, "p", "rel", "-lockdep-kasan");
	cli = step(s, "p", "cli", NULL);
	assert_int_equal(store_boot_begin(s, board, T0, &boot1, NULL), 0);
	assert_int_equal(store_boot_set_kernel(s, boot1,
	    "6.1.0-lockdep-kasan", "Linux version 6.1.0-lockdep-kasan", NULL),
	    0);
	add(s, board, boot1, "kasan", "0000000000000002", T0 + 100);
	expect(s, "rk3", "rel:release");
	expect_boot(s, boot1, "rel:release");
	/* CLI beats release. */
	assert_int_equal(store_step_run(s, board, cli, T0 + 150, -1,
	    STORE_RUN_START, T0, NULL, NULL), 0);
	add(s, board, boot1, "kasan", "0000000000000002", T0 + 200);
	expect(s, "rk3", "rel:release cli:cli");
	/* Marker beats CLI, for the whole boot. */
	assert_int_equal(store_step_mark(s, boot1, STORE_MARK_LINE, "p", "mk",
	    NULL, T0 + 300, 3, NULL), 0);
	expect(s, "rk3", "mk:marker mk:marker");
	assert_int_equal(store_boot_end(s, boot1, T0 + 400, "reboot", NULL),
	    0);
	/* Without CLI, a new boot of another release has no step... */
	assert_int_equal(store_step_run(s, board, 0, T0 + 450, -1,
	    STORE_RUN_START, T0, NULL, NULL), 0);
	assert_int_equal(store_boot_begin(s, board, T0 + 500, &boot2, NULL),
	    0);
	assert_int_equal(store_boot_set_kernel(s, boot2, "6.1.0-56-amd64",
	    NULL, NULL), 0);
	add(s, board, boot2, "kasan", "0000000000000002", T0 + 600);
	expect(s, "rk3", "mk:marker mk:marker -:-");
	/* ... until a step declares it (boots still open match at once). */
	step(s, "p", "deb", "6.1.0-56-amd64");
	expect(s, "rk3", "mk:marker mk:marker deb:release");
	assert_int_equal(store_boot_end(s, boot2, T0 + 700, "reboot", NULL),
	    0);
	/* An exact release beats a suffix; a longer suffix a shorter one. */
	step(s, "p", "exact", "6.1.0-lockdep-kasan");
	step(s, "p", "short", "-kasan");
	assert_int_equal(store_boot_begin(s, board, T0 + 800, &boot3, NULL),
	    0);
	assert_int_equal(store_boot_set_kernel(s, boot3,
	    "6.1.0-lockdep-kasan", NULL, NULL), 0);
	add(s, board, boot3, "kasan", "0000000000000002", T0 + 900);
	expect(s, "rk3", "mk:marker mk:marker deb:release exact:release");
	(void)rel;
	assert_int_equal(store_close(s, NULL), 0);
}

/* Reports stored before any declaration, then reassigned. */
static void
test_steps_reassign(void **state)
{
	struct store *s;
	int64_t board, boot, reports = -1, boots = -1;

	s = open_board(*state, "rk4", &board);
	assert_int_equal(store_boot_begin(s, board, T0, &boot, NULL), 0);
	assert_int_equal(store_boot_set_kernel(s, boot, "6.6.0-step7", NULL,
	    NULL), 0);
	add(s, board, boot, "warn", "0000000000000003", T0 + 100);
	assert_int_equal(store_boot_end(s, boot, T0 + 200, "reboot", NULL),
	    0);
	step(s, "p", "7", "-step7");
	expect(s, "rk4", "-:-");
	assert_int_equal(store_step_reassign(s, 0, &reports, &boots, NULL),
	    0);
	assert_int_equal(reports, 1);
	assert_int_equal(boots, 1);
	expect(s, "rk4", "7:release");
	/* Again: nothing changes. */
	assert_int_equal(store_step_reassign(s, board, &reports, &boots,
	    NULL), 0);
	assert_int_equal(reports, 0);
	assert_int_equal(boots, 0);
	assert_int_equal(store_close(s, NULL), 0);
}

/* reparse (store_boot_reports_replace) keeps the steps of a boot. */
static void
test_steps_replace_keeps(void **state)
{
	struct kr_report r1 = rep("kasan", "K", "00000000000000aa", T0 + 10,
	    5);
	struct kr_report r2 = rep("warn", "W", "00000000000000bb", T0 + 20,
	    9);
	struct kr_report *v[] = {&r1, &r2};
	struct store *s;
	int64_t board, boot, a;

	s = open_board(*state, "rk5", &board);
	a = step(s, "p", "A", NULL);
	assert_int_equal(store_step_run(s, board, a, T0, -1, STORE_RUN_START,
	    T0, NULL, NULL), 0);
	assert_int_equal(store_boot_begin(s, board, T0, &boot, NULL), 0);
	add(s, board, boot, "kasan", "00000000000000aa", T0 + 10);
	assert_int_equal(store_boot_reports_replace(s, boot, "netconsole", v,
	    2, NULL, NULL), 0);
	expect(s, "rk5", "A:cli A:cli");
	assert_int_equal(store_close(s, NULL), 0);
}

/* Collect the signatures of a query (--new-in), as "hash " words. */
static int
sig_words_cb(const struct store_report_row *r, void *arg)
{
	struct words *w = arg;
	size_t len = strlen(w->buf);

	if (strstr(w->buf, r->signature) == NULL)
		snprintf(w->buf + len, sizeof(w->buf) - len, "%s ",
		    r->signature);
	return 0;
}

/* Distinct signatures query --new-in reports for a step. */
static size_t
new_in(struct store *s, const char *board, const char *stepname)
{
	struct store_filter f = {.board = board, .plan = "p",
	    .new_in = stepname, .since_ms = -1, .until_ms = -1};
	struct words w = {{0}};
	size_t n = 0;
	char *p;

	assert_int_equal(store_report_query(s, &f, sig_words_cb, &w, NULL),
	    0);
	for (p = w.buf; (p = strchr(p, ' ')) != NULL; p++)
		n++;
	return n;
}

/* Begin a boot of board at t, ending its previous one (*boot) first,
   cleanly when clean: what the collector does on a reboot. */
static void
reboot(struct store *s, int64_t board, int64_t *boot, int64_t t, bool clean)
{
	if (*boot > 0 && clean)
		assert_int_equal(store_boot_set_end_state(s, *boot,
		    STORE_END_CLEAN, t - 2, NULL), 0);
	if (*boot > 0)
		assert_int_equal(store_boot_end(s, *boot, t - 1, "reboot",
		    NULL), 0);
	assert_int_equal(store_boot_begin(s, board, t, boot, NULL), 0);
}

/*
 * Bisect over four steps on two boards: new signatures, known and
 * ignored ones, wedges; every new_signatures equals what query --new-in
 * finds.
 */
static void
test_steps_bisect(void **state)
{
	struct store_bisect_step *v;
	struct store *s;
	int64_t b1, b2, id[4], boot1 = 0, boot2 = 0, plan;
	size_t n, i, nh;
	char name[2] = "1", *hash = NULL, **hashes;

	s = open_board(*state, "rk1", &b1);
	assert_int_equal(store_board_upsert(s, "rk2", NULL, T0, &b2, NULL),
	    0);
	for (i = 0; i < 4; i++) {
		name[0] = (char)('1' + i);
		id[i] = step(s, "p", name, NULL);
	}
	for (i = 0; i < 4; i++) {
		int64_t t = T0 + (int64_t)i * 100000;

		assert_int_equal(store_step_run(s, b1, id[i], t, -1,
		    STORE_RUN_START, T0, NULL, NULL), 0);
		reboot(s, b1, &boot1, t + 10, true);
		add(s, b1, boot1, "warn", "00000000000000ee", t + 20);
		if (i == 1)
			add(s, b1, boot1, "lockdep", "00000000000000dd",
			    t + 30);
		if (i >= 2)
			add(s, b1, boot1, "kasan", "00000000000000a1", t + 40);
		if (i == 3)
			continue;
		assert_int_equal(store_step_run(s, b2, id[i], t, -1,
		    STORE_RUN_START, T0, NULL, NULL), 0);
		/* rk2's step-1 boot ends silently: a wedge. */
		reboot(s, b2, &boot2, t + 10, i != 1);
		if (i != 2)
			continue;
		add(s, b2, boot2, "kasan", "00000000000000a1", t + 50);
		add(s, b2, boot2, "ubsan", "00000000000000b1", t + 60);
		/* The known lockdep splat shows up again: not new. */
		add(s, b2, boot2, "lockdep", "00000000000000dd", t + 70);
	}
	assert_int_equal(store_sig_mark(s, "00000000000000ee",
	    STORE_SIG_IGNORED, "panel noise", T0, &hash, NULL), 1);
	assert_string_equal(hash, "00000000000000ee");
	free(hash);
	assert_int_equal(store_sig_mark(s, "00000000000000d",
	    STORE_SIG_KNOWN, NULL, T0, NULL, NULL), 1);
	assert_int_equal(store_sig_mark(s, "00000000000000",
	    STORE_SIG_KNOWN, NULL, T0, NULL, NULL), 2);
	assert_int_equal(store_sig_mark(s, "ffff", STORE_SIG_KNOWN, NULL, T0,
	    NULL, NULL), 0);
	assert_int_equal(store_flush(s, NULL), 0);
	assert_int_equal(store_sig_hashes(s, STORE_SIG_IGNORED, &hashes, &nh,
	    NULL), 0);
	assert_int_equal(nh, 1);
	assert_string_equal(hashes[0], "00000000000000ee");
	store_sig_hashes_free(hashes, nh);
	assert_int_equal(store_sig_hashes(s, STORE_SIG_KNOWN, &hashes, &nh,
	    NULL), 0);
	assert_int_equal(nh, 1);
	assert_string_equal(hashes[0], "00000000000000dd");
	store_sig_hashes_free(hashes, nh);
	assert_int_equal(store_plan_find(s, "p", &plan, NULL), 1);
	assert_int_equal(store_bisect(s, plan, 0, &v, &n, NULL), 0);
	assert_int_equal(n, 4);
	/* reports (ignored excluded), new sigs, boots, wedges per step. */
	assert_int_equal(v[0].reports, 0);
	assert_int_equal(v[0].boots, 2);
	assert_int_equal(v[0].wedges, 1);
	assert_int_equal(v[1].reports, 1); /* known lockdep: never new */
	assert_int_equal(v[1].new_signatures, 0);
	assert_int_equal(v[1].wedges, 0);
	assert_int_equal(v[2].reports, 4);
	assert_int_equal(v[2].new_signatures, 2);
	assert_int_equal(v[2].new_reports, 3);
	assert_int_equal(v[2].nclasses, 3);
	assert_string_equal(v[2].classes[0].cls, "kasan");
	assert_int_equal(v[2].classes[0].count, 2);
	assert_string_equal(v[2].classes[2].cls, "ubsan");
	assert_int_equal(v[2].boots, 2);
	assert_int_equal(v[2].wedges, 0);  /* rk2's last boot: still open */
	assert_int_equal(v[3].reports, 1);
	assert_int_equal(v[3].new_signatures, 0);
	assert_int_equal(v[3].boots, 1);
	for (i = 0; i < n; i++)
		assert_int_equal(new_in(s, NULL, v[i].step),
		    (size_t)v[i].new_signatures);
	store_bisect_free(v, n);
	/* One board: rk1 alone saw a1 first at step 3 as well. */
	assert_int_equal(store_bisect(s, plan, b1, &v, &n, NULL), 0);
	assert_int_equal(v[2].new_signatures, 1);
	assert_int_equal(v[2].reports, 1);
	assert_int_equal(v[0].wedges, 0);
	assert_int_equal(v[0].boots, 1);
	for (i = 0; i < n; i++)
		assert_int_equal(new_in(s, "rk1", v[i].step),
		    (size_t)v[i].new_signatures);
	store_bisect_free(v, n);
	assert_int_equal(store_close(s, NULL), 0);
}

/* The wedge rule: explained resets, clean shutdowns, the last boot. */
static void
test_steps_wedges(void **state)
{
	struct store_bisect_step *v;
	struct store *s;
	int64_t board, a, b[6], plan;
	size_t n, i;

	s = open_board(*state, "rk6", &board);
	a = step(s, "w", "A", NULL);
	assert_int_equal(store_step_run(s, board, a, T0, -1, STORE_RUN_START,
	    T0, NULL, NULL), 0);
	for (i = 0; i < 6; i++) {
		if (i > 0)
			assert_int_equal(store_boot_end(s, b[i - 1], T0 + 1000 *
			    (int64_t)i - 1, "reboot", NULL), 0);
		assert_int_equal(store_boot_begin(s, board, T0 + 1000 *
		    (int64_t)i, &b[i], NULL), 0);
	}
	add(s, board, b[0], "warn", "0000000000000011", T0 + 10);  /* wedge */
	add(s, board, b[2], "warn", "0000000000000011", T0 + 2010);
	add(s, board, b[2], "oops", "0000000000000012", T0 + 2020); /* ok */
	add(s, board, b[3], "warn", "0000000000000011", T0 + 3010);
	assert_int_equal(store_boot_set_end_state(s, b[3], STORE_END_CLEAN,
	    T0 + 3500, NULL), 0);				   /* clean */
	/* b[1] (no report) and b[4] (no report): wedges; b[5]: last, open. */
	assert_int_equal(store_flush(s, NULL), 0);
	assert_int_equal(store_plan_find(s, "w", &plan, NULL), 1);
	assert_int_equal(store_bisect(s, plan, 0, &v, &n, NULL), 0);
	assert_int_equal(v[0].boots, 6);
	assert_int_equal(v[0].wedges, 3);
	store_bisect_free(v, n);
	/* Flags set by the collector or agent count too. */
	assert_int_equal(store_boot_set_end_state(s, b[5], STORE_END_WEDGED,
	    T0 + 6000, NULL), 0);
	assert_int_equal(store_boot_set_end_state(s, b[5], "bogus", 1, NULL),
	    -1);
	assert_int_equal(store_flush(s, NULL), 0);
	assert_int_equal(store_bisect(s, plan, 0, &v, &n, NULL), 0);
	assert_int_equal(v[0].wedges, 4);
	store_bisect_free(v, n);
	assert_int_equal(store_close(s, NULL), 0);
}

/* Filters: class, time, limit (newest N, oldest first), state. */
static void
test_steps_filters(void **state)
{
	static const char *const warn[] = {"warn"};
	static const char *const known[] = {"known"};
	struct store_filter f = {.since_ms = -1, .until_ms = -1};
	struct store_sig *g;
	struct words w = {{0}};
	struct store *s;
	int64_t board, boot, a;
	size_t n;

	s = open_board(*state, "rk7", &board);
	a = step(s, "p", "A", NULL);
	assert_int_equal(store_step_run(s, board, a, T0 + 150, -1,
	    STORE_RUN_START, T0, NULL, NULL), 0);
	assert_int_equal(store_boot_begin(s, board, T0, &boot, NULL), 0);
	add(s, board, boot, "warn", "0000000000000021", T0 + 100);
	add(s, board, boot, "kasan", "0000000000000022", T0 + 200);
	add(s, board, boot, "warn", "0000000000000021", T0 + 300);
	add(s, board, boot, "warn", "0000000000000023", T0 + 400);
	assert_int_equal(store_flush(s, NULL), 0);
	f.classes = warn;
	f.nclasses = 1;
	f.since_ms = T0 + 150;
	assert_int_equal(store_report_query(s, &f, words_cb, &w, NULL), 0);
	assert_string_equal(w.buf, "A:cli A:cli");
	memset(&w, 0, sizeof(w));
	f.since_ms = -1;
	f.limit = 2;
	assert_int_equal(store_report_query(s, &f, sig_words_cb, &w, NULL),
	    0);
	assert_string_equal(w.buf, "0000000000000021 0000000000000023 ");
	memset(&w, 0, sizeof(w));
	f.limit = 0;
	f.step = "A";
	f.until_ms = T0 + 300;
	assert_int_equal(store_report_query(s, &f, words_cb, &w, NULL), 0);
	assert_string_equal(w.buf, "");
	f.until_ms = T0 + 301;
	assert_int_equal(store_report_query(s, &f, words_cb, &w, NULL), 0);
	assert_string_equal(w.buf, "A:cli");
	/* sigs: grouped, with boards and steps. */
	memset(&f, 0, sizeof(f));
	f.since_ms = f.until_ms = -1;
	assert_int_equal(store_sig_list(s, &f, &g, &n, NULL), 0);
	assert_int_equal(n, 3);
	assert_string_equal(g[0].hash, "0000000000000021");
	assert_int_equal(g[0].count, 2);
	assert_int_equal(g[0].first_ms, T0 + 100);
	assert_int_equal(g[0].last_ms, T0 + 300);
	assert_int_equal(g[0].nboards, 1);
	assert_int_equal(g[0].nsteps, 1);
	assert_string_equal(g[0].steps[0], "p/A");
	store_sig_list_free(g, n);
	assert_int_equal(store_sig_mark(s, "0000000000000022",
	    STORE_SIG_KNOWN, "old bug", T0, NULL, NULL), 1);
	assert_int_equal(store_flush(s, NULL), 0);
	f.states = known;
	f.nstates = 1;
	assert_int_equal(store_sig_list(s, &f, &g, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_string_equal(g[0].note, "old bug");
	store_sig_list_free(g, n);
	/* An unknown --new-in step matches nothing; an ambiguous one is
	   refused. */
	step(s, "q", "A", NULL);
	memset(&f, 0, sizeof(f));
	f.since_ms = f.until_ms = -1;
	f.new_in = "nope";
	assert_int_equal(store_report_query(s, &f, words_cb, &w, NULL), 0);
	f.new_in = "A";
	assert_int_equal(store_report_query(s, &f, words_cb, &w, NULL),
	    STORE_EBADARG);
	f.plan = "p";
	assert_int_equal(store_report_query(s, &f, words_cb, &w, NULL), 0);
	assert_int_equal(store_close(s, NULL), 0);
}

/* Steps keep their order; seq can be given; names are checked. */
static void
test_steps_define(void **state)
{
	struct store_step_def d = {.plan = "p", .step = "0", .seq = 0};
	struct store_step *v;
	struct store *s;
	int64_t board;
	size_t n;

	s = open_board(*state, "rk8", &board);
	step(s, "p", "2.1", NULL);
	step(s, "p", "2.2", "-x");
	assert_int_equal(store_step_define(s, &d, T0, NULL, NULL), 0);
	d.step = "bad name";
	assert_int_equal(store_step_define(s, &d, T0, NULL, NULL), -1);
	d.step = "ok";
	d.kernel = "";
	assert_int_equal(store_step_define(s, &d, T0, NULL, NULL), -1);
	assert_int_equal(store_flush(s, NULL), 0);
	assert_int_equal(store_step_list(s, "p", &v, &n, NULL), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].name, "0");
	assert_string_equal(v[1].name, "2.1");
	assert_int_equal(v[1].seq, 1);
	assert_string_equal(v[2].name, "2.2");
	assert_int_equal(v[2].seq, 2);
	assert_string_equal(v[2].kernel, "-x");
	store_step_list_free(v, n);
	assert_int_equal(store_close(s, NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup_dir, teardown_dir)
		T(test_steps_cli),
		T(test_steps_marker),
		T(test_steps_release_precedence),
		T(test_steps_reassign),
		T(test_steps_replace_keeps),
		T(test_steps_bisect),
		T(test_steps_wedges),
		T(test_steps_filters),
		T(test_steps_define),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
