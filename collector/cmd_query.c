/* SPDX-License-Identifier: MIT */
/*
 * cmd_query.c -- `kcatch query`: one row per report that passes the
 * filters, as a table, JSON lines or CSV. Reads the database only (WAL:
 * fine while the collector writes). The column and JSON key names are a
 * contract (docs/commands.md): add, never rename.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"

#define QUERY_COLS 12

static const char *const query_heads[QUERY_COLS] = {
	"ID", "TIME", "BOARD", "PLAN", "STEP", "PATCH", "CLASS", "SUBTYPE",
	"TITLE", "SIGNATURE", "SOURCE", "CORRUPTED",
};

/* The same names, lower case: JSON keys and the CSV heading. */
static const char *const query_keys[QUERY_COLS] = {
	"id", "time", "board", "plan", "step", "patch", "class", "subtype",
	"title", "signature", "source", "corrupted",
};

/* Where rows go. */
struct query_out {
	enum cli_format format;
	struct cli_table *table; /* CLI_TABLE: rows collected, owned */
	size_t rows;
};

/* Print the usage to f. */
static void
usage(FILE *f)
{
	fprintf(f, "usage: kcatch query [--data-dir DIR] [--board B] "
	    "[--plan P] [--step S]\n"
	    "           [--patch X] [--class C[,C]] [--since T] [--until T]\n"
	    "           [--signature H] [--new-in STEP] [--state S[,S]]\n"
	    "           [--format table|json|csv] [--json] [--limit N]\n"
	    "times: ISO 8601 (2025-11-21T06:00Z) or 90s, 15m, 2h, 1d, 1w "
	    "ago\n");
}

/* The row as strings in query_keys order; buffers come from the caller. */
static void
row_cells(const struct store_report_row *r, const char **c, char *id,
    char *time, size_t tsz, bool millis)
{
	snprintf(id, 24, "%" PRId64, r->id);
	c[0] = id;
	c[1] = cli_time_fmt(r->time_ms, millis, time, tsz);
	c[2] = r->board;
	c[3] = r->plan;
	c[4] = r->step;
	c[5] = r->patch;
	c[6] = r->cls;
	c[7] = r->subtype;
	c[8] = r->title;
	c[9] = r->signature;
	c[10] = r->source;
	c[11] = r->corrupted ? "yes" : "no";
}

/* One row as a JSON line (keys in the order of query_keys, then the
   extra ones). Streamed: listings can have many thousand rows. */
static int
row_json(const struct store_report_row *r)
{
	struct cli_jw w;

	cli_jw_begin(&w, stdout);
	cli_jw_int(&w, "id", r->id);
	cli_jw_time(&w, "time", r->time_ms);
	cli_jw_str(&w, "board", r->board);
	cli_jw_str(&w, "plan", r->plan);
	cli_jw_str(&w, "step", r->step);
	cli_jw_str(&w, "patch", r->patch);
	cli_jw_str(&w, "class", r->cls);
	cli_jw_str(&w, "subtype", r->subtype);
	cli_jw_str(&w, "title", r->title);
	cli_jw_str(&w, "signature", r->signature);
	cli_jw_str(&w, "source", r->source);
	cli_jw_bool(&w, "corrupted", r->corrupted);
	cli_jw_opt(&w, "time_ms", r->time_ms);
	cli_jw_opt(&w, "boot", r->boot_id > 0 ? r->boot_id : -1);
	cli_jw_str(&w, "step_source", r->step_source);
	cli_jw_str(&w, "state", r->state);
	return cli_jw_end(&w);
}

/* store_report_query() callback: print or collect one row. */
static int
query_row(const struct store_report_row *r, void *arg)
{
	struct query_out *out = arg;
	const char *c[QUERY_COLS + 3];
	char id[24], time[40], boot[24];

	out->rows++;
	if (out->format == CLI_JSON)
		return row_json(r);
	row_cells(r, c, id, time, sizeof(time), out->format == CLI_CSV);
	if (out->format == CLI_TABLE)
		return cli_table_add(out->table, c);
	snprintf(boot, sizeof(boot), "%" PRId64, r->boot_id);
	c[12] = r->boot_id > 0 ? boot : NULL;
	c[13] = r->step_source;
	c[14] = r->state;
	return cli_csv_row(stdout, c, QUERY_COLS + 3);
}

/* Run the query and print. Returns the exit code. */
static int
query_run(struct store *s, const struct cli_filter *cf)
{
	static const char *const csv_extra[] = {"boot", "step_source", "state"};
	struct query_out out = {.format = cf->out.format};
	const char *heads[QUERY_COLS + 3];
	char *cause = NULL;
	int rc;

	if (out.format == CLI_TABLE && (out.table = cli_table_new(query_heads,
	    QUERY_COLS, "rlllllllllll")) == NULL)
		return cli_fail("query", CMD_EXIT_DATA, "out of memory");
	if (out.format == CLI_CSV) {
		memcpy(heads, query_keys, sizeof(query_keys));
		memcpy(heads + QUERY_COLS, csv_extra, sizeof(csv_extra));
		cli_csv_row(stdout, heads, QUERY_COLS + 3);
	}
	rc = store_report_query(s, &cf->f, query_row, &out, &cause);
	if (rc == 0 && out.table != NULL)
		cli_table_print(out.table, stdout);
	cli_table_free(out.table);
	if (rc == STORE_EBADARG)
		rc = cli_fail("query", CMD_EXIT_USAGE, "%s", cause);
	else if (rc != 0)
		rc = cli_fail("query", CMD_EXIT_DATA, "%s", cause != NULL ?
		    cause : "out of memory or output error");
	free(cause);
	if (rc == 0 && fflush(stdout) != 0)
		rc = cli_fail("query", CMD_EXIT_DATA, "write error");
	return rc;
}

/* --limit N: a positive count. */
static int
limit_parse(const char *arg, int64_t *limit)
{
	char *end;
	long long v = strtoll(arg, &end, 10);

	if (*arg == '\0' || *end != '\0' || v <= 0)
		return -1;
	*limit = v;
	return 0;
}

/* Parse argv into cf. CMD_EXIT_OK to go on, else the exit code. */
static int
query_args(int argc, char **argv, struct cli_filter *cf)
{
	static const struct option opts[] = {
		CLI_FILTER_LONGOPTS,
		{"limit", required_argument, NULL, CLI_OPT_LIMIT},
		{NULL, 0, NULL, 0},
	};
	int64_t now = cli_now_ms();
	char *cause = NULL;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h' || c == CLI_OPT_HELP) {
			usage(stdout);
			return -1;
		}
		if (c == CLI_OPT_LIMIT &&
		    limit_parse(optarg, &cf->f.limit) == 0)
			continue;
		rc = c == CLI_OPT_LIMIT ? -1 : cli_filter_opt(cf, c, optarg,
		    now, &cause);
		if (rc > 0)
			continue;
		if (rc < 0 && (cause != NULL || c == CLI_OPT_LIMIT))
			cli_fail("query", CMD_EXIT_USAGE, "%s", cause != NULL ?
			    cause : "--limit needs a positive number");
		free(cause);
		usage(stderr);
		return CMD_EXIT_USAGE;
	}
	if (optind != argc) {
		usage(stderr);
		return CMD_EXIT_USAGE;
	}
	return CMD_EXIT_OK;
}

int
cmd_query(int argc, char **argv)
{
	struct cli_filter cf;
	struct store *s = NULL;
	int rc;

	cli_filter_init(&cf);
	rc = query_args(argc, argv, &cf);
	if (rc == CMD_EXIT_OK)
		rc = cli_open("query", cf.out.data_dir, STORE_READONLY, &s, NULL);
	if (rc == CMD_EXIT_OK)
		rc = query_run(s, &cf);
	store_close(s, NULL);
	cli_filter_clear(&cf);
	return rc < 0 ? CMD_EXIT_OK : rc;
}
