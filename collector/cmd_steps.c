/* SPDX-License-Identifier: MIT */
/*
 * cmd_steps.c -- `kcatch steps [--plan P]`: every plan step in order with
 * its patch, kernel, boots, reports and the boards running it now.
 * Read-only. Column and JSON key names are a contract (docs/commands.md).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"

#define STEPS_COLS 10

static const char *const steps_heads[STEPS_COLS] = {
	"PLAN", "SEQ", "STEP", "PATCH", "KERNEL", "COMMIT", "BOOTS", "REPORTS",
	"BOARDS", "DESCRIPTION",
};

static const char *const steps_keys[STEPS_COLS] = {
	"plan", "seq", "step", "patch", "kernel", "commit", "boots", "reports",
	"boards", "description",
};

/* What is printed: the steps and who runs what now. */
struct steps {
	struct store_step *v;
	size_t n;
	struct store_board *boards;
	size_t nboards;
};

/* Print the usage to f. */
static void
usage(FILE *f)
{
	fprintf(f, "usage: kcatch steps [--data-dir DIR] [--plan P] "
	    "[--format table|json|csv] [--json]\n");
}

/* The boards running step id, comma separated (malloc'd). */
static char *
running(const struct steps *st, int64_t id)
{
	size_t i, len = 1;
	char *out;

	for (i = 0; i < st->nboards; i++)
		if (st->boards[i].step_id == id)
			len += strlen(st->boards[i].name) + 1;
	if ((out = calloc(1, len)) == NULL)
		return NULL;
	for (i = 0; i < st->nboards; i++) {
		if (st->boards[i].step_id != id)
			continue;
		if (*out != '\0')
			strcat(out, ",");
		strcat(out, st->boards[i].name);
	}
	return out;
}

/* A JSON array of the boards running step id. */
static json_t *
running_json(const struct steps *st, int64_t id)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < st->nboards; i++)
		if (st->boards[i].step_id == id)
			json_array_append_new(a,
			    cli_json_str(st->boards[i].name));
	return a;
}

/* An optional string: NULL when "". */
static const char *
opt(const char *s)
{
	return *s != '\0' ? s : NULL;
}

/* One step as JSON. */
static json_t *
step_json(const struct steps *st, const struct store_step *p)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "plan", cli_json_str(p->plan));
	json_object_set_new(o, "seq", json_integer(p->seq));
	json_object_set_new(o, "step", cli_json_str(p->name));
	json_object_set_new(o, "patch", cli_json_str(opt(p->patch)));
	json_object_set_new(o, "kernel", cli_json_str(opt(p->kernel)));
	json_object_set_new(o, "commit", cli_json_str(opt(p->commit)));
	json_object_set_new(o, "boots", json_integer(p->boots));
	json_object_set_new(o, "reports", json_integer(p->reports));
	json_object_set_new(o, "boards", running_json(st, p->id));
	json_object_set_new(o, "description",
	    cli_json_str(opt(p->description)));
	json_object_set_new(o, "created", cli_json_time(p->created_ms));
	return o;
}

/* One step as a table row or CSV record. */
static int
step_cells(const struct steps *st, const struct store_step *p,
    enum cli_format fmt, struct cli_table *t)
{
	char seq[24], boots[24], reports[24], *on = running(st, p->id);
	const char *c[STEPS_COLS];
	int rc;

	if (on == NULL)
		return -1;
	snprintf(seq, sizeof(seq), "%" PRId64, p->seq);
	snprintf(boots, sizeof(boots), "%" PRId64, p->boots);
	snprintf(reports, sizeof(reports), "%" PRId64, p->reports);
	c[0] = p->plan;
	c[1] = seq;
	c[2] = p->name;
	c[3] = opt(p->patch);
	c[4] = opt(p->kernel);
	c[5] = opt(p->commit);
	c[6] = boots;
	c[7] = reports;
	c[8] = opt(on);
	c[9] = opt(p->description);
	rc = fmt == CLI_TABLE ? cli_table_add(t, c) :
	    cli_csv_row(stdout, c, STEPS_COLS);
	free(on);
	return rc;
}

/* Print every step. 0 or -1. */
static int
steps_print(const struct steps *st, enum cli_format fmt)
{
	struct cli_table *t = NULL;
	json_t *o;
	size_t i;
	int rc = 0;

	if (fmt == CLI_TABLE && (t = cli_table_new(steps_heads, STEPS_COLS,
	    "lrllllrrll")) == NULL)
		return -1;
	if (fmt == CLI_CSV)
		cli_csv_row(stdout, steps_keys, STEPS_COLS);
	for (i = 0; i < st->n && rc == 0; i++) {
		if (fmt != CLI_JSON) {
			rc = step_cells(st, &st->v[i], fmt, t);
			continue;
		}
		if ((o = step_json(st, &st->v[i])) == NULL)
			return -1;
		rc = cli_json_line(stdout, o);
		json_decref(o);
	}
	if (t != NULL && rc == 0)
		cli_table_print(t, stdout);
	cli_table_free(t);
	return rc;
}

/* Read and print. Returns the exit code. */
static int
steps_run(struct store *s, const char *plan, enum cli_format fmt)
{
	struct steps st = {0};
	char *cause = NULL;
	int rc = CMD_EXIT_OK;

	if (store_step_list(s, plan, &st.v, &st.n, &cause) != 0 ||
	    store_board_list(s, &st.boards, &st.nboards, &cause) != 0)
		rc = cli_fail("steps", CMD_EXIT_DATA, "%s", cause != NULL ?
		    cause : "out of memory");
	else if (steps_print(&st, fmt) != 0 || fflush(stdout) != 0)
		rc = cli_fail("steps", CMD_EXIT_DATA, "output error");
	store_step_list_free(st.v, st.n);
	store_board_list_free(st.boards, st.nboards);
	free(cause);
	return rc;
}

int
cmd_steps(int argc, char **argv)
{
	static const struct option opts[] = {
		{"plan", required_argument, NULL, CLI_OPT_PLAN},
		CLI_OUT_LONGOPTS,
		{NULL, 0, NULL, 0},
	};
	struct cli_out out = {NULL, CLI_TABLE};
	const char *plan = NULL;
	struct store *s = NULL;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if ((rc = cli_out_opt(&out, c, optarg)) == 1)
			continue;
		if (rc == 0 && c == CLI_OPT_PLAN)
			plan = optarg;
		else if (rc == 0 && c == 'h') {
			usage(stdout);
			return CMD_EXIT_OK;
		} else
			goto usage;
	}
	if (optind != argc)
		goto usage;
	if ((rc = cli_open("steps", out.data_dir, STORE_READONLY, &s,
	    NULL)) != 0)
		return rc;
	rc = steps_run(s, plan, out.format);
	store_close(s, NULL);
	return rc;
usage:
	usage(stderr);
	return CMD_EXIT_USAGE;
}
