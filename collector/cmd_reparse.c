/* SPDX-License-Identifier: MIT */
/*
 * cmd_reparse.c -- `kcatch reparse`: run the current parsers over the raw
 * line archive again and replace each boot's netconsole reports with what
 * they find, one transaction per boot, so the database follows parser
 * fixes without ever duplicating rows. Reports from other sources (pstore)
 * are left alone.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive.h"
#include "cmd.h"
#include "kreport.h"
#include "store.h"

/* Run-wide settings and totals. */
struct reparse {
	const char *data_dir;
	bool force;		/* replace even when the archive is short */
	bool collector_running; /* skip open boots: still being written */
	size_t boots;		/* boots replaced */
	size_t skipped;
	size_t failed;
	size_t reports_new;
	size_t reports_old;
};

/* The reports found in one archive. */
struct found {
	struct kr_report **v;	/* owned, each freed with kr_report_free */
	size_t n;
	size_t cap;
	uint64_t lines;		/* archive lines read */
	bool truncated;		/* the archive ended without its trailer */
	char *error;		/* reading stopped early: why (owned) */
};

/* Print the usage line to f. */
static void
usage(FILE *f)
{
	fprintf(f, "usage: kcatch reparse [--data-dir DIR] [--board B] "
	    "[--force]\n");
}

/* Free what f holds. */
static void
found_clear(struct found *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		kr_report_free(f->v[i]);
	free(f->v);
	free(f->error);
	memset(f, 0, sizeof(*f));
}

/* Move every finished report out of ctx into f. -1 when out of memory. */
static int
drain(struct kr_ctx *ctx, struct found *f)
{
	struct kr_report *r, **v;

	while ((r = kr_next(ctx)) != NULL) {
		if (f->n == f->cap) {
			f->cap = f->cap ? f->cap * 2 : 16;
			v = reallocarray(f->v, f->cap, sizeof(*v));
			if (v == NULL) {
				kr_report_free(r);
				return -1;
			}
			f->v = v;
		}
		f->v[f->n++] = r;
	}
	return 0;
}

/*
 * Feed one archive line to the parser the way the collector did: time is
 * advanced to the line's receive time first, so reports close on the same
 * silences as they did live.
 */
static int
feed(struct kr_ctx *ctx, const struct archive_line *l)
{
	struct kr_line kl = {
		.text = l->text,
		.len = l->len,
		.recv_ms = l->recv_ms,
		.ref = l->lineno,
		.ktime_us = l->ktime_us,
		.caller = l->caller[0] != '\0' ? l->caller : NULL,
	};

	kr_tick(ctx, l->recv_ms);
	return kr_feed(ctx, &kl);
}

/* Parse the archive at path into f. 0, or -1 with *cause. */
static int
parse_archive(const char *path, struct found *f, char **cause)
{
	struct archive_reader *r;
	struct archive_line l;
	struct kr_ctx *ctx;
	int ret, rc = -1;

	r = archive_reader_open_path(path, cause);
	if (r == NULL)
		return -1;
	ctx = kr_new(NULL, cause);
	if (ctx == NULL)
		goto out;
	while ((ret = archive_reader_next(r, &l, &f->error)) == 1) {
		f->lines = l.lineno;
		if (feed(ctx, &l) != 0 || drain(ctx, f) != 0)
			goto nomem;
	}
	f->truncated = archive_reader_truncated(r);
	kr_flush(ctx);
	if (drain(ctx, f) != 0)
		goto nomem;
	rc = 0;
	goto out;
nomem:
	if (cause != NULL)
		*cause = strdup("out of memory");
out:
	kr_free(ctx);
	archive_reader_free(r);
	return rc;
}

/*
 * Whether the boot may be replaced. An archive that ends before the last
 * line a stored report points at (lost or cut short) would drop reports,
 * so it is skipped unless --force.
 */
static bool
may_replace(const struct reparse *rp, const struct store_boot *b,
    const struct found *f)
{
	if (f->error != NULL)
		fprintf(stderr, "kcatch reparse: board %s boot %" PRId64
		    ": archive readable up to line %" PRIu64 ": %s\n",
		    b->board, b->id, f->lines, f->error);
	if (f->lines >= (uint64_t)b->max_line || rp->force)
		return true;
	fprintf(stderr, "kcatch reparse: board %s boot %" PRId64 ": archive "
	    "has %" PRIu64 " lines but reports point to line %" PRId64
	    "; skipped (use --force to replace anyway)\n", b->board, b->id,
	    f->lines, b->max_line);
	return false;
}

/* Reparse one boot. Counts the outcome in rp. */
static void
reparse_boot(struct reparse *rp, struct store *s, const struct store_boot *b)
{
	struct found f = {0};
	char *path = NULL, *cause = NULL;
	size_t old = 0;

	if (b->end_ms < 0 && rp->collector_running) {
		printf("board %s boot %" PRId64 ": open and being collected, "
		    "skipped\n", b->board, b->id);
		rp->skipped++;
		return;
	}
	if (asprintf(&path, "%s/%s", rp->data_dir, b->archive_path) < 0) {
		path = NULL;
		cause = strdup("out of memory");
		goto fail;
	}
	if (parse_archive(path, &f, &cause) != 0)
		goto fail;
	if (!may_replace(rp, b, &f)) {
		rp->skipped++;
		goto out;
	}
	if (store_boot_reports_replace(s, b->id, STORE_SOURCE_NETCONSOLE,
	    f.v, f.n, &old, &cause) != 0)
		goto fail;
	printf("board %s boot %" PRId64 ": %" PRIu64 " lines%s, %zu reports "
	    "(was %zu)\n", b->board, b->id, f.lines, f.truncated ?
	    " (archive not closed)" : "", f.n, old);
	rp->boots++;
	rp->reports_new += f.n;
	rp->reports_old += old;
	goto out;
fail:
	fprintf(stderr, "kcatch reparse: board %s boot %" PRId64 ": %s\n",
	    b->board, b->id, cause != NULL ? cause : "out of memory");
	rp->failed++;
out:
	found_clear(&f);
	free(cause);
	free(path);
}

/* Reparse every archived boot (of board, when not NULL). */
static int
reparse_all(struct reparse *rp, struct store *s, const char *board,
    char **cause)
{
	struct store_boot *boots;
	size_t n, i;

	if (store_boot_list(s, board, &boots, &n, cause) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (boots[i].archive_path[0] == '\0') {
			rp->skipped++;
			continue;
		}
		reparse_boot(rp, s, &boots[i]);
	}
	store_boot_list_free(boots, n);
	if (n == 0 && board != NULL) {
		if (cause != NULL && asprintf(cause, "no boots of board %s",
		    board) < 0)
			*cause = NULL;
		return -1;
	}
	return 0;
}

/* Open the store and reparse; returns the exit code. */
static int
reparse_run(struct reparse *rp, const char *board)
{
	struct store *s = NULL;
	char *cause = NULL;
	int lock_fd = -1, got, ret = CMD_EXIT_DATA;

	if (!store_db_exists(rp->data_dir)) {
		fprintf(stderr, "kcatch reparse: no database in %s\n",
		    rp->data_dir);
		return CMD_EXIT_DATA;
	}
	/* Holding the lock keeps a collector from starting meanwhile. */
	got = store_lock_collector(rp->data_dir, &lock_fd, &cause);
	if (got < 0)
		goto fail;
	rp->collector_running = got == 0;
	s = store_open_dir(rp->data_dir, 0, &cause);
	if (s == NULL || reparse_all(rp, s, board, &cause) != 0)
		goto fail;
	got = store_close(s, &cause);
	s = NULL;
	if (got != 0)
		goto fail;
	printf("reparsed %zu boots: %zu reports (was %zu), %zu skipped, "
	    "%zu failed\n", rp->boots, rp->reports_new, rp->reports_old,
	    rp->skipped, rp->failed);
	ret = rp->failed > 0 ? CMD_EXIT_DATA : CMD_EXIT_OK;
	goto out;
fail:
	fprintf(stderr, "kcatch reparse: %s\n", cause != NULL ? cause :
	    "out of memory");
out:
	store_close(s, NULL);
	free(cause);
	if (lock_fd >= 0)
		close(lock_fd);
	return ret;
}

int
cmd_reparse(int argc, char **argv)
{
	static const struct option opts[] = {
		{"data-dir", required_argument, NULL, 'D'},
		{"board", required_argument, NULL, 'b'},
		{"force", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct reparse rp = {0};
	const char *dir = NULL, *board = NULL;
	char *def = NULL, *cause = NULL;
	int c, ret;

	optind = 0; /* full getopt reset: commands may run more than once */
	while ((c = getopt_long(argc, argv, "D:b:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'D':
			dir = optarg;
			break;
		case 'b':
			board = optarg;
			break;
		case 'f':
			rp.force = true;
			break;
		case 'h':
			usage(stdout);
			return CMD_EXIT_OK;
		default:
			usage(stderr);
			return CMD_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return CMD_EXIT_USAGE;
	}
	if (dir == NULL && (dir = def = store_data_dir_default(&cause)) ==
	    NULL) {
		fprintf(stderr, "kcatch reparse: %s\n", cause);
		free(cause);
		return CMD_EXIT_DATA;
	}
	rp.data_dir = dir;
	ret = reparse_run(&rp, board);
	free(def);
	return ret;
}
