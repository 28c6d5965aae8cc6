/* SPDX-License-Identifier: MIT */
/*
 * cmd_boards.c -- `kcatch boards`: every board with its latest boot and
 * the plan step it runs now (and where that came from). Read-only.
 * Column and JSON key names are a contract (docs/commands.md).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"

#define BOARDS_COLS 10

static const char *const boards_heads[BOARDS_COLS] = {
	"BOARD", "ADDRESS", "LAST-SEEN", "BOOTS", "REPORTS", "BOOT", "PLAN",
	"STEP", "PATCH", "SOURCE",
};

static const char *const boards_keys[BOARDS_COLS] = {
	"board", "address", "last_seen", "boots", "reports", "boot", "plan",
	"step", "patch", "step_source",
};

/* Print the usage to f. */
static void
usage(FILE *f)
{
	fprintf(f, "usage: kcatch boards [--data-dir DIR] "
	    "[--format table|json|csv] [--json]\n");
}

/* An optional string: NULL when "". */
static const char *
opt(const char *s)
{
	return *s != '\0' ? s : NULL;
}

/* One board as JSON. */
static json_t *
board_json(const struct store_board *b)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "board", cli_json_str(b->name));
	json_object_set_new(o, "address", cli_json_str(opt(b->address)));
	json_object_set_new(o, "last_seen", cli_json_time(b->last_seen_ms));
	json_object_set_new(o, "boots", json_integer(b->boots));
	json_object_set_new(o, "reports", json_integer(b->reports));
	json_object_set_new(o, "boot", b->boot_id > 0 ?
	    json_integer(b->boot_id) : json_null());
	json_object_set_new(o, "boot_open", json_boolean(b->boot_id > 0 &&
	    b->boot_end_ms < 0));
	json_object_set_new(o, "plan", cli_json_str(opt(b->plan)));
	json_object_set_new(o, "step", cli_json_str(opt(b->step)));
	json_object_set_new(o, "patch", cli_json_str(opt(b->patch)));
	json_object_set_new(o, "step_source",
	    cli_json_str(opt(b->step_source)));
	return o;
}

/* One board as a table row or CSV record. */
static int
board_cells(const struct store_board *b, enum cli_format fmt,
    struct cli_table *t)
{
	char seen[40], boots[24], reports[24], boot[40];
	const char *c[BOARDS_COLS];

	snprintf(boots, sizeof(boots), "%" PRId64, b->boots);
	snprintf(reports, sizeof(reports), "%" PRId64, b->reports);
	snprintf(boot, sizeof(boot), "%" PRId64 "%s", b->boot_id,
	    b->boot_end_ms >= 0 ? " (ended)" : "");
	c[0] = b->name;
	c[1] = opt(b->address);
	c[2] = b->last_seen_ms >= 0 ? cli_time_fmt(b->last_seen_ms,
	    fmt == CLI_CSV, seen, sizeof(seen)) : NULL;
	c[3] = boots;
	c[4] = reports;
	c[5] = b->boot_id > 0 ? boot : NULL;
	c[6] = opt(b->plan);
	c[7] = opt(b->step);
	c[8] = opt(b->patch);
	c[9] = opt(b->step_source);
	return fmt == CLI_TABLE ? cli_table_add(t, c) :
	    cli_csv_row(stdout, c, BOARDS_COLS);
}

/* Print every board. 0 or -1. */
static int
boards_print(const struct store_board *v, size_t n, enum cli_format fmt)
{
	struct cli_table *t = NULL;
	json_t *o;
	size_t i;
	int rc = 0;

	if (fmt == CLI_TABLE && (t = cli_table_new(boards_heads, BOARDS_COLS,
	    "lllrrlllll")) == NULL)
		return -1;
	if (fmt == CLI_CSV)
		cli_csv_row(stdout, boards_keys, BOARDS_COLS);
	for (i = 0; i < n && rc == 0; i++) {
		if (fmt != CLI_JSON) {
			rc = board_cells(&v[i], fmt, t);
			continue;
		}
		if ((o = board_json(&v[i])) == NULL)
			return -1;
		rc = cli_json_line(stdout, o);
		json_decref(o);
	}
	if (t != NULL && rc == 0)
		cli_table_print(t, stdout);
	cli_table_free(t);
	return rc;
}

int
cmd_boards(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OUT_LONGOPTS,
		{NULL, 0, NULL, 0},
	};
	struct cli_out out = {NULL, CLI_TABLE};
	struct store_board *v = NULL;
	struct store *s = NULL;
	char *cause = NULL;
	size_t n = 0;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if ((rc = cli_out_opt(&out, c, optarg)) == 1)
			continue;
		if (rc == 0 && c == 'h') {
			usage(stdout);
			return CMD_EXIT_OK;
		}
		goto usage;
	}
	if (optind != argc)
		goto usage;
	if ((rc = cli_open("boards", out.data_dir, STORE_READONLY, &s,
	    NULL)) != 0)
		return rc;
	if (store_board_list(s, &v, &n, &cause) != 0)
		rc = cli_fail("boards", CMD_EXIT_DATA, "%s", cause != NULL ?
		    cause : "out of memory");
	else if (boards_print(v, n, out.format) != 0 || fflush(stdout) != 0)
		rc = cli_fail("boards", CMD_EXIT_DATA, "output error");
	store_board_list_free(v, n);
	store_close(s, NULL);
	free(cause);
	return rc;
usage:
	usage(stderr);
	return CMD_EXIT_USAGE;
}
