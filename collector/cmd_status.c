/* SPDX-License-Identifier: MIT */
/*
 * cmd_status.c -- `kcatch status`: boards, their counters and current boot,
 * and the collector counters, read from the data directory (read-only), so
 * it works whether or not the collector runs. --json prints one object
 * whose key names are a contract with scripts: add keys, never rename.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cmd.h"
#include "store.h"

/* Counters always present in --json, 0 until the collector sets them. */
static const char *const status_required_stats[] = {
	"packets", "malformed", "socket_drops", "fragments_pending",
	"fragments_expired",
};

/* What was read from the store. */
struct status {
	const char *data_dir;
	int schema;
	struct store_board_status *boards;
	size_t nboards;
	struct store_stat *stats;
	size_t nstats;
};

/* Print the usage line to f. */
static void
usage(FILE *f)
{
	fprintf(f, "usage: kcatch status [--data-dir DIR] [--json]\n");
}

/* Format ms since the epoch as UTC "2025-01-31T12:00:00Z" into buf. */
static const char *
fmt_utc(int64_t ms, char *buf, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms < 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "-");
	return buf;
}

/* Number or null. */
static json_t *
json_opt(int64_t v)
{
	return v < 0 ? json_null() : json_integer(v);
}

/* A UTC time string or null. */
static json_t *
json_utc(int64_t ms)
{
	char buf[32];

	return ms < 0 ? json_null() : json_string(fmt_utc(ms, buf,
	    sizeof(buf)));
}

/* Board-supplied text for JSON (invalid UTF-8 bytes become '?'). */
static json_t *
json_text(const char *s)
{
	json_t *j = json_string(s);
	char *c;
	size_t i;

	if (j != NULL || (c = strdup(s)) == NULL)
		return j;
	for (i = 0; c[i] != '\0'; i++)
		if ((unsigned char)c[i] >= 0x80)
			c[i] = '?';
	j = json_string(c);
	free(c);
	return j;
}

/* One board as a JSON object. */
static json_t *
board_json(const struct store_board_status *b)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "name", json_text(b->name));
	json_object_set_new(o, "address", json_text(b->address));
	json_object_set_new(o, "lines", json_integer(b->lines));
	json_object_set_new(o, "bytes", json_integer(b->bytes));
	json_object_set_new(o, "reports", json_integer(b->reports));
	json_object_set_new(o, "gaps", json_integer(b->gaps));
	json_object_set_new(o, "duplicates", json_integer(b->duplicates));
	json_object_set_new(o, "drops", json_integer(b->drops));
	json_object_set_new(o, "last_seen", json_opt(b->last_seen_ms));
	json_object_set_new(o, "last_seen_utc", json_utc(b->last_seen_ms));
	json_object_set_new(o, "boot", b->boot_id > 0 ?
	    json_integer(b->boot_id) : json_null());
	json_object_set_new(o, "boot_start", b->boot_id > 0 ?
	    json_opt(b->boot_start_ms) : json_null());
	json_object_set_new(o, "boot_end", json_opt(b->boot_end_ms));
	json_object_set_new(o, "boot_release", json_text(b->boot_release));
	json_object_set_new(o, "boot_lines", json_integer(b->boot_lines));
	json_object_set_new(o, "boot_reports", json_integer(b->boot_reports));
	return o;
}

/* Print the status as one JSON object. */
static int
print_json(const struct status *st)
{
	json_t *root, *arr;
	size_t i;
	int ret;

	root = json_object();
	arr = json_array();
	if (root == NULL || arr == NULL)
		goto fail;
	json_object_set_new(root, "boards", arr);
	for (i = 0; i < st->nboards; i++)
		if (json_array_append_new(arr, board_json(&st->boards[i])) != 0)
			goto fail;
	for (i = 0; i < sizeof(status_required_stats) /
	    sizeof(status_required_stats[0]); i++)
		json_object_set_new(root, status_required_stats[i],
		    json_integer(0));
	for (i = 0; i < st->nstats; i++)
		json_object_set_new(root, st->stats[i].name,
		    json_integer(st->stats[i].value));
	json_object_set_new(root, "schema_version", json_integer(st->schema));
	json_object_set_new(root, "data_dir", json_text(st->data_dir));
	ret = json_dumpf(root, stdout, JSON_INDENT(2));
	json_decref(root);
	fputc('\n', stdout);
	return ret == 0 && fflush(stdout) == 0 ? CMD_EXIT_OK : CMD_EXIT_DATA;
fail:
	json_decref(root);
	json_decref(arr);
	fprintf(stderr, "kcatch status: out of memory\n");
	return CMD_EXIT_DATA;
}

/* Print one board as a table row. */
static void
print_board(const struct store_board_status *b)
{
	char seen[32], boot[32];

	if (b->boot_id > 0)
		snprintf(boot, sizeof(boot), "%" PRId64 "%s", b->boot_id,
		    b->boot_end_ms >= 0 ? " (ended)" : "");
	else
		snprintf(boot, sizeof(boot), "-");
	printf("%-16s %-21s %-20s %-14s %10" PRId64 " %7" PRId64 " %5"
	    PRId64 " %5" PRId64 "\n", b->name, *b->address ? b->address : "-",
	    fmt_utc(b->last_seen_ms, seen, sizeof(seen)), boot, b->lines,
	    b->reports, b->gaps, b->drops);
}

/* Print the status as text. */
static int
print_text(const struct status *st)
{
	size_t i;

	printf("data dir %s (schema %d)\n", st->data_dir, st->schema);
	if (st->nboards == 0)
		printf("no boards yet\n");
	else
		printf("%-16s %-21s %-20s %-14s %10s %7s %5s %5s\n", "BOARD",
		    "ADDRESS", "LAST SEEN (UTC)", "BOOT", "LINES", "REPORTS",
		    "GAPS", "DROPS");
	for (i = 0; i < st->nboards; i++)
		print_board(&st->boards[i]);
	if (st->nstats > 0)
		printf("\ncollector:\n");
	for (i = 0; i < st->nstats; i++)
		printf("  %-24s %" PRId64 "\n", st->stats[i].name,
		    st->stats[i].value);
	return fflush(stdout) == 0 ? CMD_EXIT_OK : CMD_EXIT_DATA;
}

/* Read everything status shows. 0, or -1 with *cause. */
static int
status_read(const char *data_dir, struct status *st, char **cause)
{
	struct store *s;
	int ret = -1;

	s = store_open_dir(data_dir, STORE_READONLY, cause);
	if (s == NULL)
		return -1;
	st->data_dir = data_dir;
	st->schema = store_schema_version(s);
	if (store_board_status_list(s, &st->boards, &st->nboards, cause) == 0 &&
	    store_stat_list(s, &st->stats, &st->nstats, cause) == 0)
		ret = 0;
	store_close(s, NULL);
	return ret;
}

int
cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{"data-dir", required_argument, NULL, 'D'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct status st = {0};
	char *dir = NULL, *cause = NULL;
	bool json = false;
	int c, ret;

	optind = 0; /* full getopt reset: commands may run more than once */
	while ((c = getopt_long(argc, argv, "D:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'D':
			free(dir);
			dir = strdup(optarg);
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			free(dir);
			return CMD_EXIT_OK;
		default:
			usage(stderr);
			free(dir);
			return CMD_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		free(dir);
		return CMD_EXIT_USAGE;
	}
	if (dir == NULL && (dir = store_data_dir_default(&cause)) == NULL)
		goto fail;
	if (status_read(dir, &st, &cause) != 0)
		goto fail;
	ret = json ? print_json(&st) : print_text(&st);
	store_board_status_list_free(st.boards, st.nboards);
	store_stat_list_free(st.stats, st.nstats);
	free(dir);
	return ret;

fail:
	fprintf(stderr, "kcatch status: %s\n", cause != NULL ? cause :
	    "out of memory");
	store_board_status_list_free(st.boards, st.nboards);
	free(cause);
	free(dir);
	return CMD_EXIT_DATA;
}
