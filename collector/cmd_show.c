/* SPDX-License-Identifier: MIT */
/*
 * cmd_show.c -- `kcatch show ID`: one report in full: its fields and
 * text, the boot and step it belongs to, its signature's triage state and
 * history, and the lines before it from the raw archive. Board text is
 * escaped for the terminal (cli_esc()); --json prints one object.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "cli.h"
#include "cmd.h"

#define SHOW_CONTEXT_DEFAULT 20	  /* lines before the report */
#define SHOW_CONTEXT_MAX 100000

/* What show prints; everything owned. */
struct show {
	json_t *report;		  /* store_report_json() */
	json_t *history;	  /* store_sig_history_json() */
	json_t *context;	  /* [{line, time, text}] or NULL */
	char *context_error;	  /* why there is no context */
};

/* Print the usage to f. */
static void
usage(FILE *f)
{
	fprintf(f, "usage: kcatch show [--data-dir DIR] [--context N] "
	    "[--json] ID\n");
}

/* String member of o, NULL when missing or not a string. */
static const char *
str_of(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Integer member of o, -1 when missing or null. */
static int64_t
int_of(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

/* Print "  label  value" with value escaped; nothing when value is NULL. */
static void
field(const char *label, const char *value)
{
	char *e;

	if (value == NULL || (e = cli_esc(value)) == NULL)
		return;
	printf("  %-11s %s\n", label, e);
	free(e);
}

/* Print a formatted field (value built from trusted numbers and escaped
   parts). */
static void __attribute__((format(printf, 2, 3)))
fieldf(const char *label, const char *fmt, ...)
{
	va_list ap;

	printf("  %-11s ", label);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* The escaped value of key, "-" when missing. Caller frees. */
static char *
esc_of(const json_t *o, const char *key)
{
	const char *v = str_of(o, key);

	return cli_esc(v != NULL ? v : "-");
}

/* Print the signature line. */
static void
print_sig(const json_t *r)
{
	const json_t *g = json_object_get(r, "sig");
	char first[40], last[40], *state = esc_of(g, "state");
	char *hash = esc_of(r, "signature");

	fieldf("signature", "%s  %s, %" PRId64 " reports, first %s, last %s",
	    hash != NULL ? hash : "?", state != NULL ? state : "?",
	    int_of(g, "count"), cli_time_fmt(int_of(g, "first_seen_ms"),
	    false, first, sizeof(first)), cli_time_fmt(int_of(g,
	    "last_seen_ms"), false, last, sizeof(last)));
	free(state);
	free(hash);
	field("note", str_of(g, "note"));
}

/* Print the boot and step lines. */
static void
print_boot_step(const json_t *r)
{
	const json_t *b = json_object_get(r, "boot");
	const json_t *st = json_object_get(r, "step");
	char t0[40], t1[40], *rel, *reason, *plan, *step, *patch;

	if (json_is_object(b)) {
		rel = esc_of(b, "release");
		reason = esc_of(b, "end_reason");
		cli_time_fmt(int_of(b, "start_ms"), false, t0, sizeof(t0));
		cli_time_fmt(int_of(b, "end_ms"), false, t1, sizeof(t1));
		if (int_of(b, "end_ms") < 0)
			fieldf("boot", "%" PRId64 ", %s, running, release %s",
			    int_of(b, "id"), t0, rel);
		else
			fieldf("boot", "%" PRId64 ", %s to %s (%s), release %s",
			    int_of(b, "id"), t0, t1, reason, rel);
		free(rel);
		free(reason);
	}
	if (!json_is_object(st)) {
		fieldf("step", "none");
		return;
	}
	plan = esc_of(st, "plan");
	step = esc_of(st, "step");
	patch = esc_of(st, "patch");
	fieldf("step", "%s %s, patch %s (from %s)", plan, step, patch,
	    str_of(r, "step_source") != NULL ? str_of(r, "step_source") : "?");
	free(plan);
	free(step);
	free(patch);
}

/* Print the optional report fields. */
static void
print_fields(const json_t *r)
{
	static const char *const keys[] = {
		"task", "caller", "taint", "release", "hardware", "access",
		"access_addr", "frame", "frame2", "panic", "corrupt_reason",
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		field(keys[i], str_of(r, keys[i]));
	if (int_of(r, "pid") >= 0)
		fieldf("pid", "%" PRId64, int_of(r, "pid"));
	if (int_of(r, "cpu") >= 0)
		fieldf("cpu", "%" PRId64, int_of(r, "cpu"));
	if (int_of(r, "access_size") >= 0)
		fieldf("access_size", "%" PRId64, int_of(r, "access_size"));
}

/* Print the head of the report: title and every field. */
static void
print_head(const json_t *r)
{
	char t0[40], t1[40], *title = esc_of(r, "title");

	printf("report %" PRId64 ": %s\n", int_of(r, "id"), title);
	free(title);
	field("class", str_of(r, "class"));
	field("subtype", str_of(r, "subtype"));
	print_sig(r);
	field("board", str_of(r, "board"));
	print_boot_step(r);
	fieldf("time", "%s to %s", cli_time_fmt(int_of(r, "first_recv_ms"),
	    true, t0, sizeof(t0)), cli_time_fmt(int_of(r, "last_recv_ms"),
	    true, t1, sizeof(t1)));
	field("source", str_of(r, "source"));
	if (int_of(r, "first_line") > 0)
		fieldf("lines", "%" PRId64 "-%" PRId64 " of the boot's archive",
		    int_of(r, "first_line"), int_of(r, "last_line"));
	fieldf("corrupted", "%s", int_of(r, "corrupted") > 0 ? "yes" : "no");
	print_fields(r);
}

/* Print the frames and the signature history. */
static void
print_frames_history(const json_t *r, const json_t *history)
{
	static const char *const heads[] = {
		"PLAN", "STEP", "PATCH", "BOARD", "COUNT", "FIRST", "LAST",
	};
	struct cli_table *t;
	const json_t *f, *h;
	char n[24], a[40], b[40], *func, *mod;
	size_t i;

	printf("\nframes:\n");
	json_array_foreach(json_object_get(r, "frames"), i, f) {
		func = esc_of(f, "func");
		mod = str_of(f, "module") != NULL ? esc_of(f, "module") : NULL;
		printf("  %s%s%s%s%s\n", func, mod ? " [" : "", mod ? mod : "",
		    mod ? "]" : "", json_is_true(json_object_get(f,
		    "unreliable")) ? " (unreliable)" : "");
		free(func);
		free(mod);
	}
	printf("\nsignature history:\n");
	if ((t = cli_table_new(heads, 7, "llllrll")) == NULL)
		return;
	json_array_foreach(history, i, h) {
		const char *c[7] = {str_of(h, "plan"), str_of(h, "step"),
		    str_of(h, "patch"), str_of(h, "board"), n,
		    cli_time_fmt(int_of(h, "first_ms"), false, a, sizeof(a)),
		    cli_time_fmt(int_of(h, "last_ms"), false, b, sizeof(b))};

		snprintf(n, sizeof(n), "%" PRId64, int_of(h, "count"));
		cli_table_add(t, c);
	}
	cli_table_print(t, stdout);
	cli_table_free(t);
}

/* Print the context lines and the report text, escaped line by line. */
static void
print_context_text(const struct show *sh, int context)
{
	const char *text = str_of(sh->report, "text"), *nl;
	const json_t *l;
	char tbuf[40], *e, *line;
	size_t i;

	if (context > 0)
		printf("\ncontext (%d lines before):\n", context);
	if (context > 0 && sh->context_error != NULL)
		printf("  (%s)\n", sh->context_error);
	json_array_foreach(sh->context, i, l) {
		e = esc_of(l, "text");
		printf("  %6" PRId64 "  %s  %s\n", int_of(l, "line"),
		    cli_time_fmt(int_of(l, "time_ms"), true, tbuf,
		    sizeof(tbuf)), e);
		free(e);
	}
	printf("\nreport text:\n");
	for (; text != NULL && *text != '\0'; text = nl != NULL ? nl + 1 :
	    NULL) {
		nl = strchr(text, '\n');
		line = strndup(text, nl != NULL ? (size_t)(nl - text) :
		    strlen(text));
		e = cli_esc(line);
		printf("  %s\n", e != NULL ? e : "");
		free(e);
		free(line);
	}
}

/* One archive line as {line, time, time_ms, text}. */
static json_t *
line_json(const struct archive_line *al)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "line", json_integer((json_int_t)al->lineno));
	json_object_set_new(o, "time", cli_json_time(al->recv_ms));
	json_object_set_new(o, "time_ms", json_integer(al->recv_ms));
	json_object_set_new(o, "text", cli_json_str(al->text));
	return o;
}

/* Read up to n archive lines before the report into sh->context. */
static void
read_context(struct show *sh, const char *data_dir, int n)
{
	const json_t *b = json_object_get(sh->report, "boot");
	const char *rel = str_of(b, "archive_path");
	int64_t first = int_of(sh->report, "first_line");
	struct archive_reader *r = NULL;
	struct archive_line al;
	char *path = NULL, *cause = NULL;
	uint64_t from;

	if (n <= 0)
		return;
	if (first <= 1 || rel == NULL) {
		sh->context_error = strdup(first <= 1 && rel != NULL ?
		    "the report starts the archive" : "no archive");
		return;
	}
	from = first > n ? (uint64_t)(first - n) : 1;
	if (asprintf(&path, "%s/%s", data_dir, rel) < 0 ||
	    (r = archive_reader_open_path(path, &cause)) == NULL ||
	    archive_reader_seek(r, from, &cause) < 0 ||
	    (sh->context = json_array()) == NULL)
		goto out;
	while (archive_reader_next(r, &al, &cause) == 1 &&
	    al.lineno < (uint64_t)first)
		json_array_append_new(sh->context, line_json(&al));
out:
	if (cause != NULL)
		sh->context_error = cause;
	else if (sh->context == NULL)
		sh->context_error = strdup("out of memory");
	archive_reader_free(r);
	free(path);
}

/* Print everything as one JSON object. */
static int
print_json(struct show *sh)
{
	json_t *o = sh->report;

	json_object_set(o, "history", sh->history);
	json_object_set_new(o, "time", cli_json_time(int_of(o,
	    "first_recv_ms")));
	json_object_set(o, "context", sh->context != NULL ? sh->context :
	    json_null());
	json_object_set_new(o, "context_error",
	    cli_json_str(sh->context_error));
	return cli_json_line(stdout, o);
}

/*
 * Read the report (1), or 0 when it does not exist, -1 on error. Text
 * output gets the bytes as stored (cli_esc() shows them), JSON output
 * valid UTF-8.
 */
static int
show_read(struct store *s, int64_t id, bool json, struct show *sh,
    char **cause)
{
	int flags = json ? 0 : STORE_JSON_RAW;
	int rc = store_report_json(s, id, flags, &sh->report, cause);

	if (rc != 1)
		return rc;
	if (store_sig_history_json(s, str_of(sh->report, "signature"), flags,
	    &sh->history, cause) != 0)
		return -1;
	return 1;
}

/* Parse argv: *id, *context, *json, *dir. CMD_EXIT_OK or an exit code
   (-1: --help). */
static int
show_args(int argc, char **argv, int64_t *id, int *context, bool *json,
    const char **dir)
{
	static const struct option opts[] = {
		{"data-dir", required_argument, NULL, CLI_OPT_DATA_DIR},
		{"context", required_argument, NULL, CLI_OPT_CONTEXT},
		{"json", no_argument, NULL, CLI_OPT_JSON},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char *end;
	long v;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "hC:", opts, NULL)) != -1) {
		if (c == CLI_OPT_DATA_DIR) {
			*dir = optarg;
		} else if (c == CLI_OPT_JSON) {
			*json = true;
		} else if (c == CLI_OPT_CONTEXT || c == 'C') {
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 0 ||
			    v > SHOW_CONTEXT_MAX)
				goto usage;
			*context = (int)v;
		} else if (c == 'h') {
			usage(stdout);
			return -1;
		} else {
			goto usage;
		}
	}
	if (optind + 1 != argc)
		goto usage;
	*id = strtoll(argv[optind], &end, 10);
	if (*argv[optind] != '\0' && *end == '\0' && *id > 0)
		return CMD_EXIT_OK;
usage:
	usage(stderr);
	return CMD_EXIT_USAGE;
}

int
cmd_show(int argc, char **argv)
{
	struct show sh = {0};
	struct store *s = NULL;
	const char *dir_opt = NULL;
	char *dir = NULL, *cause = NULL;
	int context = SHOW_CONTEXT_DEFAULT, rc;
	bool json = false;
	int64_t id;

	rc = show_args(argc, argv, &id, &context, &json, &dir_opt);
	if (rc != CMD_EXIT_OK)
		return rc < 0 ? CMD_EXIT_OK : rc;
	if ((rc = cli_open("show", dir_opt, STORE_READONLY, &s, &dir)) != 0)
		return rc;
	rc = show_read(s, id, json, &sh, &cause);
	store_close(s, NULL);
	if (rc == 0)
		rc = cli_fail("show", CMD_EXIT_USAGE, "no report %" PRId64, id);
	else if (rc < 0)
		rc = cli_fail("show", CMD_EXIT_DATA, "%s", cause != NULL ?
		    cause : "out of memory");
	else {
		read_context(&sh, dir, context);
		if (json)
			rc = print_json(&sh) == 0 ? CMD_EXIT_OK : CMD_EXIT_DATA;
		else {
			print_head(sh.report);
			print_frames_history(sh.report, sh.history);
			print_context_text(&sh, context);
			rc = CMD_EXIT_OK;
		}
	}
	json_decref(sh.report);
	json_decref(sh.history);
	json_decref(sh.context);
	free(sh.context_error);
	free(cause);
	free(dir);
	return rc == CMD_EXIT_OK && fflush(stdout) != 0 ? CMD_EXIT_DATA : rc;
}
