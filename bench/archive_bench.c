/* SPDX-License-Identifier: MIT */
/*
 * archive_bench.c -- speed and size of the raw line archive, the code the
 * collector's writer thread runs for every line (collector/archive.c).
 *
 * Lines: every line of the test corpus (each .log file under test-corpus/:
 * real captures and kernel printk formats; lines over 8 KiB, the largest
 * netconsole record, left out), repeated with printk times and seqs moving
 * on until -l lines. Writes them through archive_writer_append
 * with a flush every -f lines (the collector flushes each board at least
 * every 500 ms and before a report commits), closes, then reads the file
 * back with archive_reader_next. Each phase is timed -n times (median; CPU
 * time of this process, so a shared machine counts less). --check fails
 * unless every line reads back exactly as written.
 *
 *   archive_bench [-l LINES] [-f FLUSH_EVERY] [-n RUNS] [-d DIR] [--check]
 *       [CORPUS_DIR]
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"

#ifndef KCATCH_SOURCE_DIR
#define KCATCH_SOURCE_DIR "."
#endif
#define BOARD "bench"

/* The corpus text, split in lines (pointers into buf). */
static struct {
	char *buf;
	size_t len, cap;
	const char **line;
	size_t *llen;
	size_t n, cap_lines;
} corpus;

static void
die(const char *fmt, const char *arg)
{
	fprintf(stderr, "archive_bench: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(2);
}

static int
add_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	FILE *f;
	size_t n;

	(void)ftw;
	if (type != FTW_F || strlen(path) < 4 ||
	    strcmp(path + strlen(path) - 4, ".log") != 0)
		return 0;
	if (corpus.len + (size_t)st->st_size + 1 > corpus.cap) {
		corpus.cap = (corpus.len + (size_t)st->st_size + 1) * 2;
		corpus.buf = realloc(corpus.buf, corpus.cap);
		if (corpus.buf == NULL)
			die("%s", "out of memory");
	}
	if ((f = fopen(path, "rb")) == NULL)
		die("cannot open %s", path);
	n = fread(corpus.buf + corpus.len, 1, (size_t)st->st_size, f);
	fclose(f);
	corpus.len += n;
	if (n > 0 && corpus.buf[corpus.len - 1] != '\n')
		corpus.buf[corpus.len++] = '\n';
	return 0;
}

static void
load_corpus(const char *dir)
{
	size_t i, start = 0;

	if (nftw(dir, add_file, 16, FTW_PHYS) != 0)
		die("cannot walk %s", dir);
	for (i = 0; i < corpus.len; i++) {
		if (corpus.buf[i] != '\n')
			continue;
		if (i - start > 8192) {
			start = i + 1;
			continue;
		}
		if (corpus.n == corpus.cap_lines) {
			corpus.cap_lines = corpus.cap_lines ? corpus.cap_lines *
			    2 : 4096;
			corpus.line = realloc(corpus.line, corpus.cap_lines *
			    sizeof(*corpus.line));
			corpus.llen = realloc(corpus.llen, corpus.cap_lines *
			    sizeof(*corpus.llen));
			if (corpus.line == NULL || corpus.llen == NULL)
				die("%s", "out of memory");
		}
		corpus.line[corpus.n] = corpus.buf + start;
		corpus.llen[corpus.n++] = i - start;
		start = i + 1;
	}
	if (corpus.n == 0)
		die("no lines in %s/**/*.log", dir);
}

/* Line i of the generated stream. */
static void
make_line(uint64_t i, struct archive_line *l)
{
	size_t k = (size_t)(i % corpus.n);

	memset(l, 0, sizeof(*l));
	l->recv_ms = 1700000000000 + (int64_t)(i / 8);
	l->ktime_us = 5000000 + (int64_t)i * 37;
	l->seq = i;
	l->level = (int)(i % 8);
	snprintf(l->caller, sizeof(l->caller), "T%u", (unsigned)(i % 5) + 1);
	l->text = corpus.line[k];
	l->len = corpus.llen[k];
}

static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Write nlines, flushing every flush_every; returns CPU seconds. */
static double
write_once(const char *dir, uint64_t nlines, uint64_t flush_every,
    uint64_t *text_bytes)
{
	struct archive_writer *w;
	struct archive_line l;
	char *cause = NULL, *path;
	double t0;
	uint64_t i;

	/* An existing file would be continued, not replaced. */
	if ((path = archive_path(dir, BOARD, 1)) == NULL)
		die("%s", "out of memory");
	unlink(path);
	free(path);
	t0 = cpu_s();
	if ((w = archive_writer_open(dir, BOARD, 1, &cause)) == NULL)
		die("open: %s", cause);
	*text_bytes = 0;
	for (i = 0; i < nlines; i++) {
		make_line(i, &l);
		*text_bytes += l.len;
		if (archive_writer_append(w, &l, NULL, &cause) != 0)
			die("append: %s", cause);
		if ((i + 1) % flush_every == 0 &&
		    archive_writer_flush(w, &cause) != 0)
			die("flush: %s", cause);
	}
	if (archive_writer_close(w, &cause) != 0)
		die("close: %s", cause);
	return cpu_s() - t0;
}

/* Read everything back; with check, compare to what was written. */
static double
read_once(const char *dir, uint64_t nlines, bool check)
{
	struct archive_reader *r;
	struct archive_line l, want;
	char *cause = NULL;
	uint64_t n = 0;
	double t0;
	int ret;

	t0 = cpu_s();
	if ((r = archive_reader_open(dir, BOARD, 1, &cause)) == NULL)
		die("read open: %s", cause);
	while ((ret = archive_reader_next(r, &l, &cause)) == 1) {
		if (check) {
			make_line(n, &want);
			if (l.lineno != n + 1 || l.len != want.len ||
			    memcmp(l.text, want.text, l.len) != 0 ||
			    l.seq != want.seq || l.ktime_us != want.ktime_us ||
			    l.recv_ms != want.recv_ms ||
			    strcmp(l.caller, want.caller) != 0)
				die("%s", "line read back differs");
		}
		n++;
	}
	if (ret < 0)
		die("read: %s", cause);
	if (archive_reader_truncated(r))
		die("%s", "closed archive reads as truncated");
	if (n != nlines)
		die("%s", "line count read back differs");
	archive_reader_free(r);
	return cpu_s() - t0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: archive_bench [-l LINES] [-f FLUSH_EVERY] "
	    "[-n RUNS] [-d DIR] [--check] [CORPUS_DIR]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"check", no_argument, NULL, 'c'},
		{NULL, 0, NULL, 0},
	};
	uint64_t nlines = 1000000, flush_every = 2000, text = 0;
	double wt[31], rt[31], wmed, rmed;
	char dirbuf[] = "/tmp/archive_bench.XXXXXX", *path;
	const char *dir = NULL, *src = KCATCH_SOURCE_DIR "/test-corpus";
	struct rusage ru;
	struct stat st;
	bool check = false;
	int c, runs = 5, i;

	while ((c = getopt_long(argc, argv, "l:f:n:d:", opts, NULL)) != -1) {
		switch (c) {
		case 'l': nlines = strtoull(optarg, NULL, 10); break;
		case 'f': flush_every = strtoull(optarg, NULL, 10); break;
		case 'n': runs = atoi(optarg); break;
		case 'd': dir = optarg; break;
		case 'c': check = true; break;
		default: usage();
		}
	}
	if (optind < argc)
		src = argv[optind++];
	if (optind != argc || nlines == 0 || flush_every == 0 || runs < 1 ||
	    runs > 31)
		usage();
	if (dir == NULL && (dir = mkdtemp(dirbuf)) == NULL)
		die("mkdtemp: %s", strerror(errno));
	load_corpus(src);
	for (i = 0; i < runs; i++) {
		wt[i] = write_once(dir, nlines, flush_every, &text);
		rt[i] = read_once(dir, nlines, check && i == 0);
	}
	qsort(wt, (size_t)runs, sizeof(double), cmp_double);
	qsort(rt, (size_t)runs, sizeof(double), cmp_double);
	wmed = wt[runs / 2];
	rmed = rt[runs / 2];
	if ((path = archive_path(dir, BOARD, 1)) == NULL || stat(path, &st))
		die("%s", "cannot stat the archive");
	getrusage(RUSAGE_SELF, &ru);
	printf("%" PRIu64 " lines (%" PRIu64 " bytes of text from %zu corpus "
	    "lines), flush every %" PRIu64 ", median of %d, CPU time\n",
	    nlines, text, corpus.n, flush_every, runs);
	printf("append+compress+write: %.3f s, %.0f lines/s, %.0f ns/line\n",
	    wmed, (double)nlines / wmed, wmed * 1e9 / (double)nlines);
	printf("read+decompress+parse: %.3f s, %.0f lines/s\n", rmed,
	    (double)nlines / rmed);
	printf("file: %lld bytes, %.1f bytes/line, %.2fx smaller than the "
	    "text\n", (long long)st.st_size, (double)st.st_size /
	    (double)nlines, (double)text / (double)st.st_size);
	printf("result\tarchive\twrite\t%.0f\tns/line\n",
	    wmed * 1e9 / (double)nlines);
	printf("result\tarchive\tread\t%.2f\tM lines/s\n",
	    (double)nlines / rmed / 1e6);
	printf("result\tarchive\tsize\t%.1f\tbytes/line\n",
	    (double)st.st_size / (double)nlines);
	printf("result\tarchive\tpeak_rss\t%.1f\tMB\n",
	    (double)ru.ru_maxrss / 1024);
	unlink(path);
	free(path);
	if (dir == dirbuf) {
		char *sub;

		if (asprintf(&sub, "%s/%s/%s", dir, ARCHIVE_DIR, BOARD) > 0) {
			rmdir(sub);
			free(sub);
		}
		if (asprintf(&sub, "%s/%s", dir, ARCHIVE_DIR) > 0) {
			rmdir(sub);
			free(sub);
		}
		rmdir(dir);
	}
	return 0;
}
