/* SPDX-License-Identifier: MIT */
/*
 * cmd_parse.c -- `kcatch parse [--json] FILE...`: classify kernel logs.
 *
 * Each file is one console stream (a fresh parser context); `-` is stdin.
 * Lines are numbered from 1 and those numbers are the reports' first_line /
 * last_line. Output: one JSON object per report per line, or a table.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "kreport.h"
#include "report_json.h"

static void
parse_usage(FILE *f)
{
	fprintf(f,
	    "usage: kcatch parse [--json] [--quiet-ms MS] FILE...\n"
	    "  FILE may be - for standard input\n");
}

/* Print s with control and non-ASCII bytes escaped: board text is
 * untrusted and must not drive the terminal. */
static void
put_safe(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

static void
print_table_row(const char *file, const struct kr_report *r)
{
	printf("%s:%llu-%llu  %-16s %-26s ", file,
	    (unsigned long long)r->first_line, (unsigned long long)r->last_line,
	    kr_class_name(r->cls), r->subtype[0] ? r->subtype : "-");
	put_safe(stdout, r->title);
	if (r->corrupted) {
		printf("  [corrupted: ");
		put_safe(stdout, r->corrupt_reason);
		printf("]");
	}
	printf("\n    frame=");
	put_safe(stdout, r->frame[0] ? r->frame : "-");
	printf(" signature=%s", r->signature);
	if (r->panic) {
		printf(" panic=\"");
		put_safe(stdout, r->panic);
		printf("\"");
	}
	printf("\n");
}

static int
print_json_row(const char *file, const struct kr_report *r)
{
	json_t *o = report_json(r);
	char *s;

	if (o == NULL)
		return -1;
	json_object_set_new(o, "file", report_json_str(file));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s == NULL)
		return -1;
	puts(s);
	free(s);
	return 0;
}

/* Reports of interleaved callers finish out of order; print them in the
 * order they start. Pending reports are bounded: past PENDING_MAX they are
 * printed as they are. */
#define PENDING_MAX 4096

struct pending {
	struct kr_report **r;
	size_t n, cap;
};

static int
by_first_line(const void *a, const void *b)
{
	const struct kr_report *x = *(struct kr_report *const *)a;
	const struct kr_report *y = *(struct kr_report *const *)b;

	return x->first_line < y->first_line ? -1
					     : x->first_line > y->first_line;
}

static int
print_pending(struct pending *p, const char *file, bool json, size_t *count)
{
	size_t i;
	int rc = 0;

	if (p->n > 1)
		qsort(p->r, p->n, sizeof(*p->r), by_first_line);
	for (i = 0; i < p->n; i++) {
		if (json) {
			if (print_json_row(file, p->r[i]) < 0)
				rc = -1;
		} else
			print_table_row(file, p->r[i]);
		(*count)++;
		kr_report_free(p->r[i]);
	}
	p->n = 0;
	return rc;
}

static int
drain(struct kr_ctx *ctx, struct pending *p, const char *file, bool json,
    size_t *count)
{
	struct kr_report *r;
	int rc = 0;

	while ((r = kr_next(ctx)) != NULL) {
		if (p->n == p->cap) {
			size_t nc = p->cap ? p->cap * 2 : 16;
			struct kr_report **nr = realloc(p->r, nc * sizeof(*nr));

			if (nr == NULL) {
				kr_report_free(r);
				return -1;
			}
			p->r = nr;
			p->cap = nc;
		}
		p->r[p->n++] = r;
		if (p->n >= PENDING_MAX)
			rc |= print_pending(p, file, json, count);
	}
	return rc;
}

/* Parse one file; returns 0, or -1 with a message printed. */
static int
parse_file(
    const char *path, bool json, const struct kr_config *cfg, size_t *count)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	struct kr_ctx *ctx = NULL;
	struct pending pend = { 0 };
	char *line = NULL, *cause = NULL;
	size_t cap = 0;
	ssize_t n;
	uint64_t lineno = 0;
	int rc = -1;

	if (f == NULL) {
		fprintf(
		    stderr, "kcatch parse: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((ctx = kr_new(cfg, &cause)) == NULL) {
		fprintf(stderr, "kcatch parse: %s\n", cause ? cause : "oom");
		goto out;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			n--;
		kr_feed_text(ctx, line, (size_t)n, 0, ++lineno);
		if (drain(ctx, &pend, path, json, count) < 0)
			goto oom;
	}
	if (ferror(f)) {
		fprintf(stderr, "kcatch parse: %s: read error: %s\n", path,
		    strerror(errno));
		goto out;
	}
	kr_flush(ctx);
	if (drain(ctx, &pend, path, json, count) < 0 ||
	    print_pending(&pend, path, json, count) < 0)
		goto oom;
	rc = 0;
	goto out;
oom:
	fprintf(stderr, "kcatch parse: %s: out of memory\n", path);
out:
	print_pending(&pend, path, json, count);
	free(pend.r);
	free(cause);
	free(line);
	kr_free(ctx);
	if (f != stdin)
		fclose(f);
	return rc;
}

int
cmd_parse(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "quiet-ms", required_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct kr_config cfg = { 0 };
	bool json = false;
	size_t count = 0;
	int c, i, failed = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'q':
			cfg.quiet_ms = strtoll(optarg, NULL, 10);
			break;
		case 'h':
			parse_usage(stdout);
			return CMD_EXIT_OK;
		default:
			parse_usage(stderr);
			return CMD_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		parse_usage(stderr);
		return CMD_EXIT_USAGE;
	}
	for (i = optind; i < argc; i++)
		if (parse_file(argv[i], json, &cfg, &count) < 0)
			failed++;
	if (!json)
		fprintf(stderr, "%zu report%s\n", count, count == 1 ? "" : "s");
	return failed ? CMD_EXIT_DATA : CMD_EXIT_OK;
}
