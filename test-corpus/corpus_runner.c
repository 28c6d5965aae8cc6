/* SPDX-License-Identifier: MIT */
/*
 * corpus_runner.c -- check one test-corpus file against libkreport.
 *
 * Reads the KEY: value header (format in test-corpus/README.md), feeds the
 * log after the first empty line through the parser in whole-file mode and
 * compares every report with the expected blocks. Prints each difference
 * and exits 1 on any, 0 when the file passes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kreport.h"

#define MAX_BLOCKS 64

struct expect {
	char *key[24];
	char *val[24];
	int n;
};

struct corpus {
	long reports;
	struct expect blk[MAX_BLOCKS];
	int nblk;
	const char *log;
	size_t loglen;
};

static char *
dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d == NULL)
		exit(2);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* Parse the header; returns -1 with a message on a malformed one. */
static int
parse_header(char *buf, size_t len, struct corpus *c, const char *path)
{
	char *p = buf, *e = buf + len;

	c->reports = -1;
	c->nblk = 0;
	while (p < e) {
		char *nl = memchr(p, '\n', (size_t)(e - p));
		char *le = nl ? nl : e, *colon;
		size_t kl;

		if (le > p && le[-1] == '\r')
			le--;
		if (le == p) {
			c->log = nl ? nl + 1 : e;
			c->loglen = (size_t)(e - c->log);
			return c->reports < 0 ? -1 : 0;
		}
		colon = memchr(p, ':', (size_t)(le - p));
		if (colon == NULL) {
			fprintf(stderr, "%s: header line without ':'\n", path);
			return -1;
		}
		kl = (size_t)(colon - p);
		colon++;
		while (colon < le && *colon == ' ')
			colon++;
		if (kl == 7 && !memcmp(p, "REPORTS", 7))
			c->reports = strtol(colon, NULL, 10);
		else if (kl == 5 && !memcmp(p, "CLASS", 5)) {
			if (c->nblk == MAX_BLOCKS)
				return -1;
			c->nblk++;
		}
		if (c->nblk > 0 && strncmp(p, "SOURCE", kl) &&
		    strncmp(p, "NOTE", kl) && strncmp(p, "REPORTS", kl)) {
			struct expect *x = &c->blk[c->nblk - 1];

			if (x->n < 24) {
				x->key[x->n] = dupn(p, kl);
				x->val[x->n] =
				    dupn(colon, (size_t)(le - colon));
				x->n++;
			}
		}
		p = nl ? nl + 1 : e;
	}
	fprintf(stderr, "%s: no empty line after the header\n", path);
	return -1;
}

static const char *
actual(const struct kr_report *r, const char *key, char *buf, size_t sz)
{
	if (!strcmp(key, "CLASS"))
		return kr_class_name(r->cls);
	if (!strcmp(key, "SUBTYPE"))
		return r->subtype[0] ? r->subtype : "-";
	if (!strcmp(key, "TITLE"))
		return r->title;
	if (!strcmp(key, "FRAME"))
		return r->frame[0] ? r->frame : "-";
	if (!strcmp(key, "FRAME2"))
		return r->frame2[0] ? r->frame2 : "-";
	if (!strcmp(key, "CORRUPTED"))
		return r->corrupted ? "yes" : "no";
	if (!strcmp(key, "TASK"))
		return r->task[0] ? r->task : "-";
	if (!strcmp(key, "ACCESS"))
		return r->access[0] ? r->access : "-";
	if (!strcmp(key, "RELEASE"))
		return r->release[0] ? r->release : "-";
	if (!strcmp(key, "PANIC"))
		return r->panic ? r->panic : "-";
	if (!strcmp(key, "PID"))
		snprintf(buf, sz, "%lld", (long long)r->pid);
	else if (!strcmp(key, "CPU"))
		snprintf(buf, sz, "%d", r->cpu);
	else if (!strcmp(key, "SIZE"))
		snprintf(buf, sz, "%lld", (long long)r->access_size);
	else if (!strcmp(key, "FIRST_LINE"))
		snprintf(buf, sz, "%llu", (unsigned long long)r->first_line);
	else if (!strcmp(key, "LAST_LINE"))
		snprintf(buf, sz, "%llu", (unsigned long long)r->last_line);
	else
		return NULL;
	return buf;
}

static int
check(const struct kr_report *r, const struct expect *x, int idx,
    const char *path)
{
	int i, bad = 0;
	char buf[64];

	for (i = 0; i < x->n; i++) {
		const char *a = actual(r, x->key[i], buf, sizeof(buf));

		if (a == NULL) {
			fprintf(
			    stderr, "%s: unknown key %s\n", path, x->key[i]);
			bad++;
			continue;
		}
		if (strcmp(a, x->val[i])) {
			fprintf(stderr,
			    "%s: report %d: %s: expected \"%s\", got \"%s\"\n",
			    path, idx, x->key[i], x->val[i], a);
			bad++;
		}
	}
	if (bad)
		fprintf(stderr,
		    "%s: report %d was: %s | %s | lines %llu-%llu%s%s\n", path,
		    idx, kr_class_name(r->cls), r->title,
		    (unsigned long long)r->first_line,
		    (unsigned long long)r->last_line,
		    r->corrupted ? " | corrupted: " : "", r->corrupt_reason);
	return bad;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n;

	if (f == NULL)
		return NULL;
	*len = 0;
	do {
		if (*len + 65536 > cap) {
			cap = (cap + 65536) * 2;
			if ((buf = realloc(buf, cap)) == NULL)
				exit(2);
		}
		n = fread(buf + *len, 1, 65536, f);
		*len += n;
	} while (n > 0);
	fclose(f);
	return buf;
}

static void
collect(struct kr_report ***all, size_t *n, struct kr_report *r)
{
	struct kr_report **na = realloc(*all, (*n + 1) * sizeof(*na));

	if (na == NULL)
		exit(2);
	na[(*n)++] = r;
	*all = na;
}

static int
by_first_line(const void *a, const void *b)
{
	const struct kr_report *x = *(struct kr_report *const *)a;
	const struct kr_report *y = *(struct kr_report *const *)b;

	return x->first_line < y->first_line ? -1
					     : x->first_line > y->first_line;
}

int
main(int argc, char **argv)
{
	struct corpus c = { 0 };
	struct kr_ctx *ctx;
	struct kr_report *r;
	char *buf, *cause = NULL;
	size_t len, off = 0;
	uint64_t lineno = 0;
	int got = 0, bad = 0;
	struct kr_report **all = NULL;
	size_t nall = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: corpus_runner FILE\n");
		return 2;
	}
	if ((buf = slurp(argv[1], &len)) == NULL) {
		perror(argv[1]);
		return 2;
	}
	if (parse_header(buf, len, &c, argv[1]) < 0) {
		fprintf(
		    stderr, "%s: bad header (REPORTS: missing?)\n", argv[1]);
		return 1;
	}
	if ((ctx = kr_new(NULL, &cause)) == NULL) {
		fprintf(stderr, "kr_new: %s\n", cause);
		return 2;
	}
	while (off < c.loglen) {
		const char *s = c.log + off;
		const char *nl = memchr(s, '\n', c.loglen - off);
		size_t n = nl ? (size_t)(nl - s) : c.loglen - off;

		kr_feed_text(ctx, s, n, 0, ++lineno);
		off += n + 1;
		while ((r = kr_next(ctx)) != NULL)
			collect(&all, &nall, r);
	}
	kr_flush(ctx);
	while ((r = kr_next(ctx)) != NULL)
		collect(&all, &nall, r);
	/* reports of interleaved callers close out of order: compare them in
	 * the order they start */
	if (nall > 1)
		qsort(all, nall, sizeof(*all), by_first_line);
	for (size_t i = 0; i < nall; i++) {
		r = all[i];
		got++;
		if (got <= c.reports && c.nblk > 0)
			bad += check(r,
			    &c.blk[got <= c.nblk ? got - 1 : c.nblk - 1], got,
			    argv[1]);
		else
			fprintf(stderr, "%s: unexpected report %d: %s | %s\n",
			    argv[1], got, kr_class_name(r->cls), r->title);
		kr_report_free(r);
	}
	free(all);
	kr_free(ctx);
	free(buf);
	for (int b = 0; b < c.nblk; b++)
		for (int k = 0; k < c.blk[b].n; k++) {
			free(c.blk[b].key[k]);
			free(c.blk[b].val[k]);
		}
	if (got != c.reports) {
		fprintf(stderr, "%s: expected %ld reports, got %d\n", argv[1],
		    c.reports, got);
		bad++;
	}
	printf("%s: %s\n", argv[1], bad ? "FAIL" : "ok");
	return bad ? 1 : 0;
}
