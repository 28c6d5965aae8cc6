/* SPDX-License-Identifier: MIT */
/*
 * cmd_step.c -- `kcatch step start|end|add|reassign`: the workstation's
 * side of patch steps (docs/steps.md). start/end declare what a board
 * runs from now (or --at) on; add defines a step ahead of time (its patch
 * and the kernel release it boots); reassign attributes what is already
 * stored again, for a given time range or boot, or from scratch, and can
 * re-read the raw archives for marker lines the collector did not know.
 * Writes to the database while the collector runs (SQLite waits up to
 * STORE_BUSY_TIMEOUT_MS for the collector's batch).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "cli.h"
#include "cmd.h"
#include "marker.h"

/* Everything the subcommands take. */
struct step_args {
	const char *sub;	/* start, end, add, reassign */
	const char *board;	/* positional BOARD or NULL */
	const char *dir;
	struct store_step_def def;
	bool at_set;
	int64_t at_ms;		/* --at, default now */
	int64_t since_ms;	/* --since, -1 none */
	int64_t until_ms;	/* --until, -1 none */
	int64_t boot_id;	/* --boot, 0 none */
	bool create;		/* --create: unknown BOARD is fine */
	bool rescan;		/* --rescan: read archives for markers */
	int64_t now_ms;
};

/* Print the usage to f. */
static void
usage(FILE *f)
{
	fprintf(f, "usage: kcatch step start BOARD --plan P --step S "
	    "[--patch X] [--kernel R]\n"
	    "                  [--commit C] [--description D] [--at T] "
	    "[--create]\n"
	    "       kcatch step end BOARD [--at T]\n"
	    "       kcatch step add --plan P --step S [--patch X] "
	    "[--kernel R] [--commit C]\n"
	    "                  [--description D] [--seq N]\n"
	    "       kcatch step reassign [BOARD] [--plan P --step S "
	    "(--since T [--until T] | --boot ID)]\n"
	    "                  [--rescan]\n"
	    "every form takes --data-dir DIR; times: ISO 8601 or 2h, 1d "
	    "ago\n");
}

/* Parse a positive integer option. */
static int
num_arg(const char *s, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v <= 0)
		return -1;
	*out = v;
	return 0;
}

/* Handle one option. 0, or -1 with *cause (or none: plain usage). */
static int
step_opt(struct step_args *a, int c, const char *arg, char **cause)
{
	switch (c) {
	case CLI_OPT_DATA_DIR: a->dir = arg; return 0;
	case CLI_OPT_PLAN: a->def.plan = arg; return 0;
	case CLI_OPT_STEP: a->def.step = arg; return 0;
	case CLI_OPT_PATCH: a->def.patch = arg; return 0;
	case CLI_OPT_KERNEL: a->def.kernel = arg; return 0;
	case CLI_OPT_COMMIT: a->def.commit = arg; return 0;
	case CLI_OPT_DESC: a->def.description = arg; return 0;
	case CLI_OPT_CREATE: a->create = true; return 0;
	case CLI_OPT_RESCAN: a->rescan = true; return 0;
	case CLI_OPT_SEQ: return num_arg(arg, &a->def.seq);
	case CLI_OPT_BOOT: return num_arg(arg, &a->boot_id);
	case CLI_OPT_AT:
		a->at_set = true;
		return cli_time_parse(arg, a->now_ms, &a->at_ms, cause);
	case CLI_OPT_SINCE:
		return cli_time_parse(arg, a->now_ms, &a->since_ms, cause);
	case CLI_OPT_UNTIL:
		return cli_time_parse(arg, a->now_ms, &a->until_ms, cause);
	default:
		return -1;
	}
}

/* Which options and positionals each subcommand takes. */
static bool
step_args_ok(const struct step_args *a, int npos)
{
	const struct store_step_def *d = &a->def;
	bool named = d->plan != NULL && d->step != NULL;
	bool def = d->patch || d->kernel || d->commit || d->description;

	if (strcmp(a->sub, "start") == 0)
		return npos == 1 && named && d->seq < 0 && !a->boot_id &&
		    a->since_ms < 0 && a->until_ms < 0 && !a->rescan;
	if (strcmp(a->sub, "end") == 0)
		return npos == 1 && !d->plan && !d->step && !def &&
		    d->seq < 0 && !a->boot_id && a->since_ms < 0 &&
		    a->until_ms < 0 && !a->create && !a->rescan;
	if (strcmp(a->sub, "add") == 0)
		return npos == 0 && named && !a->at_set && !a->boot_id &&
		    a->since_ms < 0 && a->until_ms < 0 && !a->create &&
		    !a->rescan;
	if (strcmp(a->sub, "reassign") != 0 || npos > 1 || a->at_set ||
	    a->create || def || d->seq >= 0)
		return false;
	if (d->plan == NULL && d->step == NULL)
		return !a->boot_id && a->since_ms < 0 && a->until_ms < 0;
	/* A declared range: on a named board or a boot, since or boot. */
	return named && ((npos == 1 && a->since_ms >= 0 && !a->boot_id) ||
	    (a->boot_id && a->since_ms < 0 && a->until_ms < 0));
}

/* Parse argv. CMD_EXIT_OK, CMD_EXIT_USAGE, or -1 after --help. */
static int
step_parse(int argc, char **argv, struct step_args *a)
{
	static const struct option opts[] = {
		{"data-dir", required_argument, NULL, CLI_OPT_DATA_DIR},
		{"plan", required_argument, NULL, CLI_OPT_PLAN},
		{"step", required_argument, NULL, CLI_OPT_STEP},
		{"patch", required_argument, NULL, CLI_OPT_PATCH},
		{"kernel", required_argument, NULL, CLI_OPT_KERNEL},
		{"commit", required_argument, NULL, CLI_OPT_COMMIT},
		{"description", required_argument, NULL, CLI_OPT_DESC},
		{"seq", required_argument, NULL, CLI_OPT_SEQ},
		{"at", required_argument, NULL, CLI_OPT_AT},
		{"since", required_argument, NULL, CLI_OPT_SINCE},
		{"until", required_argument, NULL, CLI_OPT_UNTIL},
		{"boot", required_argument, NULL, CLI_OPT_BOOT},
		{"create", no_argument, NULL, CLI_OPT_CREATE},
		{"rescan", no_argument, NULL, CLI_OPT_RESCAN},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char *cause = NULL;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return -1;
		}
		if (step_opt(a, c, optarg, &cause) == 0)
			continue;
		if (cause != NULL)
			cli_fail("step", CMD_EXIT_USAGE, "%s", cause);
		free(cause);
		goto usage;
	}
	if (optind >= argc)
		goto usage;
	a->sub = argv[optind++];
	if (optind < argc)
		a->board = argv[optind];
	if (step_args_ok(a, argc - optind))
		return CMD_EXIT_OK;
usage:
	usage(stderr);
	return CMD_EXIT_USAGE;
}

/*
 * The board named in a: *id. 1 found, 0 unknown (printed), -1 error.
 * `step start` creates a board that has not sent anything yet (a step is
 * often declared before the board first boots), saying so on stderr
 * unless --create asked for it.
 */
static int
step_board(struct store *s, const struct step_args *a, int64_t *id,
    char **cause)
{
	bool start = strcmp(a->sub, "start") == 0;
	char *e;
	int rc = store_board_find(s, a->board, id, cause);

	if (rc != 0)
		return rc;
	e = cli_esc(a->board);
	if (!start) {
		cli_fail("step", CMD_EXIT_USAGE, "no board '%s' (see kcatch "
		    "boards)", e != NULL ? e : "?");
		free(e);
		return 0;
	}
	if (!a->create)
		fprintf(stderr, "kcatch step: board '%s' has sent nothing "
		    "yet: declared now\n", e != NULL ? e : "?");
	free(e);
	return store_board_upsert(s, a->board, NULL, a->now_ms, id,
	    cause) == 0 ? 1 : -1;
}

/* step start / end: a range from --at (now) on. */
static int
step_start_end(struct store *s, const struct step_args *a, char **cause)
{
	int64_t board_id, step_id = 0, changed = 0;
	char when[40], *b;
	int rc;

	if ((rc = step_board(s, a, &board_id, cause)) != 1)
		return rc == 0 ? CMD_EXIT_USAGE : -1;
	if (a->def.plan != NULL && store_step_define(s, &a->def, a->now_ms,
	    &step_id, cause) != 0)
		return -1;
	if (store_step_run(s, board_id, step_id, a->at_ms, -1,
	    STORE_RUN_START, a->now_ms, &changed, cause) != 0)
		return -1;
	b = cli_esc(a->board);
	cli_time_fmt(a->at_ms, false, when, sizeof(when));
	if (step_id > 0)
		printf("board %s: plan %s step %s from %s (%" PRId64
		    " reports attributed again)\n", b, a->def.plan,
		    a->def.step, when, changed);
	else
		printf("board %s: no step from %s (%" PRId64 " reports "
		    "attributed again)\n", b, when, changed);
	free(b);
	return CMD_EXIT_OK;
}

/* step add. */
static int
step_add(struct store *s, const struct step_args *a, char **cause)
{
	if (store_step_define(s, &a->def, a->now_ms, NULL, cause) != 0)
		return -1;
	printf("plan %s step %s defined\n", a->def.plan, a->def.step);
	return CMD_EXIT_OK;
}

/* Record the markers and shutdown lines of one boot's archive. */
static int
rescan_boot(struct store *s, const char *dir, const struct store_boot *b,
    size_t *marks, char **cause)
{
	struct archive_reader *r;
	struct archive_line al;
	struct marker m;
	char *path;
	int rc, kind;

	if (asprintf(&path, "%s/%s", dir, b->archive_path) < 0)
		return -1;
	r = archive_reader_open_path(path, cause);
	free(path);
	if (r == NULL)
		return -1;
	while ((rc = archive_reader_next(r, &al, cause)) == 1) {
		kind = marker_parse_line(al.text, al.len, &m, NULL);
		if (kind == MARKER_SHUTDOWN)
			rc = store_boot_set_end_state(s, b->id, STORE_END_CLEAN,
			    al.recv_ms, cause);
		else if (kind == MARKER_STEP || kind == MARKER_END)
			rc = store_step_mark(s, b->id, STORE_MARK_LINE, m.plan,
			    kind == MARKER_STEP ? m.step : NULL, m.patch,
			    al.recv_ms, (int64_t)al.lineno, cause);
		else
			continue;
		if (rc != 0)
			break;
		(*marks)++;
	}
	archive_reader_free(r);
	return rc == 0 ? 0 : -1;
}

/* --rescan: every archive of the board (or all boards). */
static int
rescan(struct store *s, const struct step_args *a, const char *dir,
    char **cause)
{
	struct store_boot *boots = NULL;
	size_t n = 0, i, marks = 0, read = 0;
	char *why = NULL;

	if (store_boot_list(s, a->board, &boots, &n, cause) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (*boots[i].archive_path == '\0')
			continue;
		if (rescan_boot(s, dir, &boots[i], &marks, &why) == 0) {
			read++;
			continue;
		}
		/* One unreadable archive does not stop the others. */
		cli_fail("step", 0, "boot %" PRId64 ": %s", boots[i].id,
		    why != NULL ? why : "out of memory");
		free(why);
		why = NULL;
	}
	store_boot_list_free(boots, n);
	printf("rescan: %zu markers in %zu archives\n", marks, read);
	return 0;
}

/* reassign --plan/--step: declare the range of the arguments (or of the
   boot) as a CLI range of that step. */
static int
reassign_range(struct store *s, const struct step_args *a, int64_t board_id,
    int64_t *changed, char **cause)
{
	int64_t step_id, until = a->until_ms >= 0 ? a->until_ms : a->now_ms;
	char t0[40], t1[40], *b;

	if (store_step_define(s, &a->def, a->now_ms, &step_id, cause) != 0 ||
	    store_step_run(s, board_id, step_id, a->since_ms, until,
	    STORE_RUN_REASSIGN, a->now_ms, changed, cause) != 0)
		return -1;
	b = cli_esc(a->board);
	printf("board %s: plan %s step %s from %s to %s (%" PRId64 " reports "
	    "attributed again)\n", b != NULL ? b : "?", a->def.plan,
	    a->def.step, cli_time_fmt(a->since_ms, false, t0, sizeof(t0)),
	    cli_time_fmt(until, false, t1, sizeof(t1)), *changed);
	free(b);
	return 0;
}

/* step reassign. */
static int
step_reassign(struct store *s, const struct step_args *a, const char *dir,
    char **cause)
{
	struct step_args b = *a;
	struct store_boot *boot = NULL;
	int64_t board_id = 0, reports = 0, boots = 0, ranged = 0;
	int rc;

	if (a->boot_id > 0) {
		if ((rc = store_boot_get(s, a->boot_id, &boot, cause)) <= 0)
			return rc == 0 ? cli_fail("step", CMD_EXIT_USAGE,
			    "no boot %" PRId64, a->boot_id) : -1;
		b.board = boot->board;
		b.since_ms = boot->start_ms;
		b.until_ms = boot->end_ms >= 0 ? boot->end_ms + 1 : a->now_ms;
	}
	rc = b.board != NULL ? step_board(s, &b, &board_id, cause) : 1;
	if (rc == 1 && a->rescan && rescan(s, &b, dir, cause) != 0)
		rc = -1;
	if (rc == 1 && a->def.plan != NULL &&
	    reassign_range(s, &b, board_id, &ranged, cause) != 0)
		rc = -1;
	if (rc == 1 && store_step_reassign(s, board_id, &reports, &boots,
	    cause) != 0)
		rc = -1;
	store_boot_list_free(boot, boot != NULL);
	if (rc != 1)
		return rc == 0 ? CMD_EXIT_USAGE : -1;
	printf("attributed again: %" PRId64 " reports and %" PRId64
	    " boots changed\n", reports, boots);
	return CMD_EXIT_OK;
}

/* Run the parsed subcommand on an open store. Returns the exit code. */
static int
step_run(struct store *s, const struct step_args *a, const char *dir)
{
	char *cause = NULL;
	int rc;

	if (strcmp(a->sub, "add") == 0)
		rc = step_add(s, a, &cause);
	else if (strcmp(a->sub, "reassign") == 0)
		rc = step_reassign(s, a, dir, &cause);
	else
		rc = step_start_end(s, a, &cause);
	if (rc == CMD_EXIT_OK && store_close(s, &cause) != 0)
		rc = -1;
	else if (rc != CMD_EXIT_OK)
		store_close(s, NULL);
	if (rc < 0) {
		/* A bad name is the user's; anything else is the data's. */
		rc = cli_fail("step", cause != NULL && strncmp(cause, "bad ",
		    4) == 0 ? CMD_EXIT_USAGE : CMD_EXIT_DATA, "%s",
		    cause != NULL ? cause : "out of memory");
	}
	free(cause);
	return rc;
}

int
cmd_step(int argc, char **argv)
{
	struct step_args a = {.since_ms = -1, .until_ms = -1,
	    .def = {.seq = -1}};
	struct store *s = NULL;
	char *dir = NULL;
	int rc;

	a.now_ms = cli_now_ms();
	a.at_ms = a.now_ms;
	if ((rc = step_parse(argc, argv, &a)) != CMD_EXIT_OK)
		return rc < 0 ? CMD_EXIT_OK : rc;
	if ((rc = cli_open("step", a.dir, 0, &s, &dir)) != CMD_EXIT_OK)
		return rc;
	rc = step_run(s, &a, dir);
	free(dir);
	fflush(stdout);
	return rc;
}
