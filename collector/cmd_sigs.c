/* SPDX-License-Identifier: MIT */
/*
 * cmd_sigs.c -- `kcatch sigs`: the deduplicated signatures of the reports
 * that pass the query filters, with count, first/last seen, boards, the
 * steps where they were seen and their triage state. Read-only. Column
 * and JSON key names are a contract (docs/commands.md).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"

#define SIGS_COLS 10

static const char *const sigs_heads[SIGS_COLS] = {
	"SIGNATURE", "STATE", "COUNT", "FIRST", "LAST", "CLASS", "TITLE",
	"BOARDS", "STEPS", "NOTE",
};

static const char *const sigs_keys[SIGS_COLS] = {
	"signature", "state", "count", "first_seen", "last_seen", "class",
	"title", "boards", "steps", "note",
};

/* Print the usage to f. */
static void
usage(FILE *f)
{
	fprintf(f, "usage: kcatch sigs [--data-dir DIR] [--board B] [--plan P] "
	    "[--step S]\n"
	    "           [--patch X] [--class C[,C]] [--since T] [--until T]\n"
	    "           [--signature H] [--new-in STEP] [--state S[,S]]\n"
	    "           [--format table|json|csv] [--json]\n");
}

/* Join a string list with sep into a malloc'd string ("" when empty). */
static char *
join(char *const *v, size_t n, const char *sep)
{
	size_t i, len = 1;
	char *out;

	for (i = 0; i < n; i++)
		len += strlen(v[i]) + strlen(sep);
	if ((out = malloc(len)) == NULL)
		return NULL;
	*out = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(out, sep);
		strcat(out, v[i]);
	}
	return out;
}

/* A string list as a JSON array. */
static json_t *
strv_json(char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		json_array_append_new(a, cli_json_str(v[i]));
	return a;
}

/* One signature as a JSON object. */
static json_t *
sig_json(const struct store_sig *g)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "signature", cli_json_str(g->hash));
	json_object_set_new(o, "state", cli_json_str(g->state));
	json_object_set_new(o, "count", json_integer(g->count));
	json_object_set_new(o, "first_seen", cli_json_time(g->first_ms));
	json_object_set_new(o, "last_seen", cli_json_time(g->last_ms));
	json_object_set_new(o, "class", cli_json_str(g->cls));
	json_object_set_new(o, "title", cli_json_str(g->title));
	json_object_set_new(o, "boards", strv_json(g->boards, g->nboards));
	json_object_set_new(o, "steps", strv_json(g->steps, g->nsteps));
	json_object_set_new(o, "note", *g->note != '\0' ?
	    cli_json_str(g->note) : json_null());
	json_object_set_new(o, "first_seen_ms", json_integer(g->first_ms));
	json_object_set_new(o, "last_seen_ms", json_integer(g->last_ms));
	return o;
}

/* Print one signature as a table row or CSV record. */
static int
sig_cells(const struct store_sig *g, enum cli_format fmt,
    struct cli_table *t)
{
	char n[24], a[40], b[40], *boards, *steps;
	const char *c[SIGS_COLS];
	int rc = -1;

	boards = join(g->boards, g->nboards, ",");
	steps = join(g->steps, g->nsteps, ",");
	if (boards != NULL && steps != NULL) {
		snprintf(n, sizeof(n), "%" PRId64, g->count);
		c[0] = g->hash;
		c[1] = g->state;
		c[2] = n;
		c[3] = cli_time_fmt(g->first_ms, fmt == CLI_CSV, a, sizeof(a));
		c[4] = cli_time_fmt(g->last_ms, fmt == CLI_CSV, b, sizeof(b));
		c[5] = g->cls;
		c[6] = g->title;
		c[7] = boards;
		c[8] = *steps != '\0' ? steps : NULL;
		c[9] = *g->note != '\0' ? g->note : NULL;
		rc = fmt == CLI_TABLE ? cli_table_add(t, c) :
		    cli_csv_row(stdout, c, SIGS_COLS);
	}
	free(boards);
	free(steps);
	return rc;
}

/* Print the list. 0 or -1 (out of memory). */
static int
sigs_print(const struct store_sig *v, size_t n, enum cli_format fmt)
{
	struct cli_table *t = NULL;
	json_t *o;
	size_t i;
	int rc = 0;

	if (fmt == CLI_TABLE && (t = cli_table_new(sigs_heads, SIGS_COLS,
	    "llrlllllll")) == NULL)
		return -1;
	if (fmt == CLI_CSV)
		cli_csv_row(stdout, sigs_keys, SIGS_COLS);
	for (i = 0; i < n && rc == 0; i++) {
		if (fmt != CLI_JSON) {
			rc = sig_cells(&v[i], fmt, t);
			continue;
		}
		if ((o = sig_json(&v[i])) == NULL)
			return -1;
		rc = cli_json_line(stdout, o);
		json_decref(o);
	}
	if (t != NULL && rc == 0)
		cli_table_print(t, stdout);
	cli_table_free(t);
	return rc;
}

/* Parse argv into cf. CMD_EXIT_OK to go on, -1 after --help, else the
   exit code. */
static int
sigs_args(int argc, char **argv, struct cli_filter *cf)
{
	static const struct option opts[] = {
		CLI_FILTER_LONGOPTS,
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
		if ((rc = cli_filter_opt(cf, c, optarg, now, &cause)) > 0)
			continue;
		if (cause != NULL)
			cli_fail("sigs", CMD_EXIT_USAGE, "%s", cause);
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
cmd_sigs(int argc, char **argv)
{
	struct cli_filter cf;
	struct store_sig *v = NULL;
	struct store *s = NULL;
	char *cause = NULL;
	size_t n = 0;
	int rc;

	cli_filter_init(&cf);
	rc = sigs_args(argc, argv, &cf);
	if (rc == CMD_EXIT_OK)
		rc = cli_open("sigs", cf.out.data_dir, STORE_READONLY, &s, NULL);
	if (rc == CMD_EXIT_OK) {
		rc = store_sig_list(s, &cf.f, &v, &n, &cause);
		if (rc == STORE_EBADARG)
			rc = cli_fail("sigs", CMD_EXIT_USAGE, "%s", cause);
		else if (rc != 0)
			rc = cli_fail("sigs", CMD_EXIT_DATA, "%s",
			    cause != NULL ? cause : "out of memory");
		else if (sigs_print(v, n, cf.out.format) != 0 ||
		    fflush(stdout) != 0)
			rc = cli_fail("sigs", CMD_EXIT_DATA, "output error");
	}
	store_sig_list_free(v, n);
	store_close(s, NULL);
	cli_filter_clear(&cf);
	free(cause);
	return rc < 0 ? CMD_EXIT_OK : rc;
}
