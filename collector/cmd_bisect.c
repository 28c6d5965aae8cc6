/* SPDX-License-Identifier: MIT */
/*
 * cmd_bisect.c -- `kcatch bisect PLAN [--board B]`: the table a developer
 * pastes into their notes: per step of the plan, its boots, reports per
 * class, signatures first seen at that step, wedges and a verdict, with
 * the first step that brought new reports marked. Read-only. The JSON
 * keys and verdict words are a contract (docs/commands.md).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"

#define BISECT_COLS 10
#define BISECT_CLASSES_MAX 2048 /* bytes of the "kasan=3 warn=1" cell */

/* Verdicts, worst first. */
#define BISECT_NEW "new-reports"
#define BISECT_WEDGED "wedged"
#define BISECT_CLEAN "clean"
#define BISECT_NO_DATA "no-data"

static const char *const bisect_heads[BISECT_COLS] = {
	"", "STEP", "PATCH", "BOOTS", "REPORTS", "NEW", "NEW-REPORTS",
	"WEDGES", "VERDICT", "CLASSES",
};

static const char *const bisect_csv_heads[] = {
	"plan", "step", "seq", "patch", "boots", "reports", "new_signatures",
	"new_reports", "wedges", "verdict", "first_new", "classes",
};

/* Print the usage to f. */
static void
usage(FILE *f)
{
	fprintf(f, "usage: kcatch bisect [--data-dir DIR] [--board B] "
	    "[--format table|json|csv] [--json] PLAN\n");
}

/*
 * The verdict of a step: any signature first seen here is news; else a
 * wedge; else a step that ran (or reported) is clean; else no data.
 */
static const char *
verdict(const struct store_bisect_step *b)
{
	if (b->new_signatures > 0)
		return BISECT_NEW;
	if (b->wedges > 0)
		return BISECT_WEDGED;
	if (b->boots > 0 || b->reports > 0)
		return BISECT_CLEAN;
	return BISECT_NO_DATA;
}

/* "kasan=3 warn=1" (sep " ") into buf; "-" when none. */
static const char *
classes_text(const struct store_bisect_step *b, const char *sep, char *buf,
    size_t size)
{
	size_t i, len = 0;
	int n;

	*buf = '\0';
	for (i = 0; i < b->nclasses; i++) {
		n = snprintf(buf + len, size - len, "%s%s=%" PRId64,
		    i > 0 ? sep : "", b->classes[i].cls, b->classes[i].count);
		if (n < 0 || (size_t)n >= size - len)
			break;
		len += (size_t)n;
	}
	return *buf != '\0' ? buf : "-";
}

/* One step as a JSON object. */
static json_t *
step_json(const struct store_bisect_step *b, bool first_new)
{
	json_t *o = json_object(), *cl = json_object();
	size_t i;

	if (o == NULL || cl == NULL) {
		json_decref(o);
		json_decref(cl);
		return NULL;
	}
	for (i = 0; i < b->nclasses; i++)
		json_object_set_new(cl, b->classes[i].cls,
		    json_integer(b->classes[i].count));
	json_object_set_new(o, "plan", cli_json_str(b->plan));
	json_object_set_new(o, "step", cli_json_str(b->step));
	json_object_set_new(o, "seq", json_integer(b->seq));
	json_object_set_new(o, "patch", *b->patch != '\0' ?
	    cli_json_str(b->patch) : json_null());
	json_object_set_new(o, "boots", json_integer(b->boots));
	json_object_set_new(o, "reports", json_integer(b->reports));
	json_object_set_new(o, "new_signatures",
	    json_integer(b->new_signatures));
	json_object_set_new(o, "new_reports", json_integer(b->new_reports));
	json_object_set_new(o, "classes", cl);
	json_object_set_new(o, "wedges", json_integer(b->wedges));
	json_object_set_new(o, "verdict", json_string(verdict(b)));
	json_object_set_new(o, "first_new", json_boolean(first_new));
	return o;
}

/* Numbers of a step as strings, in buffers of 24. */
static void
step_numbers(const struct store_bisect_step *b, char (*n)[24])
{
	snprintf(n[0], 24, "%" PRId64, b->boots);
	snprintf(n[1], 24, "%" PRId64, b->reports);
	snprintf(n[2], 24, "%" PRId64, b->new_signatures);
	snprintf(n[3], 24, "%" PRId64, b->new_reports);
	snprintf(n[4], 24, "%" PRId64, b->wedges);
	snprintf(n[5], 24, "%" PRId64, b->seq);
}

/* One step as a table row or CSV record. */
static int
step_cells(const struct store_bisect_step *b, bool first_new,
    enum cli_format fmt, struct cli_table *t)
{
	char n[6][24], cls[BISECT_CLASSES_MAX];
	const char *patch = *b->patch != '\0' ? b->patch : NULL;

	step_numbers(b, n);
	if (fmt == CLI_CSV) {
		const char *c[] = {b->plan, b->step, n[5], patch, n[0], n[1],
		    n[2], n[3], n[4], verdict(b), first_new ? "yes" : "no",
		    classes_text(b, ";", cls, sizeof(cls))};

		return cli_csv_row(stdout, c, sizeof(c) / sizeof(c[0]));
	} else {
		const char *c[BISECT_COLS] = {first_new ? ">" : "", b->step,
		    patch, n[0], n[1], n[2], n[3], n[4], verdict(b),
		    classes_text(b, " ", cls, sizeof(cls))};

		return cli_table_add(t, c);
	}
}

/* The first step with new reports, or n when none. */
static size_t
first_new(const struct store_bisect_step *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].new_signatures > 0)
			return i;
	return n;
}

/* Print the table's title, the table and the closing line. */
static int
print_table(const char *plan, const char *board,
    const struct store_bisect_step *v, size_t n)
{
	struct cli_table *t;
	size_t i, first = first_new(v, n);
	char *p = cli_esc(plan), *b = cli_esc(board);

	t = cli_table_new(bisect_heads, BISECT_COLS, "lllrrrrrll");
	for (i = 0; t != NULL && i < n; i++)
		if (step_cells(&v[i], i == first, CLI_TABLE, t) != 0)
			break;
	if (t != NULL && i == n && p != NULL && b != NULL) {
		printf("plan %s, %s%s\n", p, board != NULL ? "board " :
		    "every board", board != NULL ? b : "");
		cli_table_print(t, stdout);
		if (first < n) {
			char *s = cli_esc(v[first].step);

			printf("first step with new reports: %s\n", s);
			free(s);
		} else {
			printf("no step brought new reports\n");
		}
	}
	free(p);
	free(b);
	i = t != NULL && i == n ? 0 : 1;
	cli_table_free(t);
	return i == 0 ? 0 : -1;
}

/* Print the steps in the chosen format. 0 or -1. */
static int
bisect_print(const char *plan, const char *board, enum cli_format fmt,
    const struct store_bisect_step *v, size_t n)
{
	size_t i, first = first_new(v, n);
	json_t *o;
	int rc = 0;

	if (fmt == CLI_TABLE)
		return print_table(plan, board, v, n);
	if (fmt == CLI_CSV)
		cli_csv_row(stdout, bisect_csv_heads, sizeof(bisect_csv_heads) /
		    sizeof(bisect_csv_heads[0]));
	for (i = 0; i < n && rc == 0; i++) {
		if (fmt == CLI_CSV) {
			rc = step_cells(&v[i], i == first, fmt, NULL);
			continue;
		}
		if ((o = step_json(&v[i], i == first)) == NULL)
			return -1;
		rc = cli_json_line(stdout, o);
		json_decref(o);
	}
	return rc;
}

/* "no plan 'X'" (escaped) and the usage exit code. */
static int
unknown(const char *what, const char *name)
{
	char *e = cli_esc(name);
	int rc;

	rc = cli_fail("bisect", CMD_EXIT_USAGE, "no %s '%s'", what,
	    e != NULL ? e : "?");
	free(e);
	return rc;
}

/* Read and print. Returns the exit code. */
static int
bisect_run(struct store *s, const char *plan, const char *board,
    enum cli_format fmt)
{
	struct store_bisect_step *v = NULL;
	int64_t plan_id, board_id = 0;
	char *cause = NULL;
	size_t n = 0;
	int rc;

	rc = store_plan_find(s, plan, &plan_id, &cause);
	if (rc == 0)
		return unknown("plan", plan);
	if (rc == 1 && board != NULL &&
	    (rc = store_board_find(s, board, &board_id, &cause)) == 0)
		return unknown("board", board);
	if (rc == 1 && store_bisect(s, plan_id, board_id, &v, &n, &cause) == 0)
		rc = bisect_print(plan, board, fmt, v, n) == 0 &&
		    fflush(stdout) == 0 ? CMD_EXIT_OK : cli_fail("bisect",
		    CMD_EXIT_DATA, "output error");
	else
		rc = cli_fail("bisect", CMD_EXIT_DATA, "%s", cause != NULL ?
		    cause : "out of memory");
	store_bisect_free(v, n);
	free(cause);
	return rc;
}

int
cmd_bisect(int argc, char **argv)
{
	static const struct option opts[] = {
		{"board", required_argument, NULL, CLI_OPT_BOARD},
		CLI_OUT_LONGOPTS,
		{NULL, 0, NULL, 0},
	};
	struct cli_out out = {NULL, CLI_TABLE};
	const char *board = NULL;
	struct store *s = NULL;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if ((rc = cli_out_opt(&out, c, optarg)) == 1)
			continue;
		if (rc == 0 && c == CLI_OPT_BOARD)
			board = optarg;
		else if (rc == 0 && c == 'h') {
			usage(stdout);
			return CMD_EXIT_OK;
		} else
			goto usage;
	}
	if (argc - optind != 1)
		goto usage;
	if ((rc = cli_open("bisect", out.data_dir, STORE_READONLY, &s,
	    NULL)) != 0)
		return rc;
	rc = bisect_run(s, argv[optind], board, out.format);
	store_close(s, NULL);
	return rc;
usage:
	usage(stderr);
	return CMD_EXIT_USAGE;
}
