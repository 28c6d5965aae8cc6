/* SPDX-License-Identifier: MIT */
/*
 * test_archive.c -- the raw line archive: hostile bytes round-trip with
 * their metadata, a file copied mid-write (what kill -9 leaves) or cut at
 * any byte reads back up to its last flush, a restarted writer continues
 * the numbering, corruption is reported, seeking, file modes and names.
 */
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "archive.h"
#include "zbuf.h"
#include "testdir.h"

#define BOARD "rk3568-1"

/* The i-th test line: hostile payloads first, then varied text. */
static size_t
make_text(size_t i, unsigned char *buf, size_t cap)
{
	static const char *const fixed[] = {
		"", "\t", "\n", "\r\n", "L 5 1 2 - - - - 00000000\nfake",
		"KCATCH-ARCHIVE/1 3 1 1 00000000\nx",
		"6,123,4567,-;BUG: kernel NULL pointer dereference",
		"tab\there\tand\\x0a escapes",
	};
	size_t n, k;

	if (i < sizeof(fixed) / sizeof(fixed[0])) {
		n = strlen(fixed[i]);
		memcpy(buf, fixed[i], n);
		return n;
	}
	if (i == 8) { /* every byte value, NULs included */
		for (k = 0; k < 512; k++)
			buf[k] = (unsigned char)k;
		return 512;
	}
	if (i == 9) { /* the longest line, binary */
		for (k = 0; k < ARCHIVE_LINE_MAX && k < cap; k++)
			buf[k] = (unsigned char)(k * 2654435761u >> 13);
		return ARCHIVE_LINE_MAX;
	}
	n = (size_t)snprintf((char *)buf, cap, "[%5zu.%06zu] line %zu of "
	    "the console text%c", i, i * 7 % 1000000, i, (int)(i % 3));
	return n;
}

/* The metadata of the i-th line (unknowns on some). */
static void
make_line(size_t i, unsigned char *buf, size_t cap, struct archive_line *l)
{
	memset(l, 0, sizeof(*l));
	l->len = make_text(i, buf, cap);
	l->text = (const char *)buf;
	l->recv_ms = 1700000000000 + (int64_t)i * 3;
	l->ktime_us = i % 4 == 0 ? -1 : (int64_t)i * 1000;
	l->seq = i % 5 == 0 ? ARCHIVE_SEQ_NONE : i + 100;
	l->level = i % 6 == 0 ? -1 : (int)(i % 8);
	if (i % 7 != 0)
		snprintf(l->caller, sizeof(l->caller), "T%u", (unsigned)(i % 100000));
}

/* Check that got is the i-th line with line number i + 1. */
static void
check_line(size_t i, const struct archive_line *got)
{
	static unsigned char buf[ARCHIVE_LINE_MAX + 1];
	struct archive_line want;

	make_line(i, buf, sizeof(buf), &want);
	assert_int_equal(got->lineno, i + 1);
	assert_int_equal(got->len, want.len);
	if (want.len > 0)
		assert_memory_equal(got->text, want.text, want.len);
	assert_int_equal(got->text[got->len], '\0');
	assert_int_equal(got->recv_ms, want.recv_ms);
	assert_int_equal(got->ktime_us, want.ktime_us);
	assert_true(got->seq == want.seq);
	assert_int_equal(got->level, want.level);
	assert_string_equal(got->caller, want.caller);
}

/* Append lines [from, to) to w. */
static void
append_lines(struct archive_writer *w, size_t from, size_t to)
{
	static unsigned char buf[ARCHIVE_LINE_MAX + 1];
	struct archive_line l;
	uint64_t no;
	size_t i;

	for (i = from; i < to; i++) {
		make_line(i, buf, sizeof(buf), &l);
		assert_int_equal(archive_writer_append(w, &l, &no, NULL), 0);
		assert_int_equal(no, i + 1);
	}
}

/* Read path to the end; returns the line count, checks every line. */
static size_t
read_all(const char *path, int *last_ret, bool *truncated)
{
	struct archive_reader *r;
	struct archive_line l;
	char *cause = NULL;
	size_t n = 0;
	int ret;

	r = archive_reader_open_path(path, &cause);
	assert_non_null(r);
	while ((ret = archive_reader_next(r, &l, &cause)) == 1)
		check_line(n++, &l);
	if (ret < 0) {
		assert_non_null(cause);
		free(cause);
	}
	*last_ret = ret;
	*truncated = archive_reader_truncated(r);
	archive_reader_free(r);
	return n;
}

/* Copy a file byte for byte, at most max bytes. */
static void
copy_file(const char *from, const char *to, off_t max)
{
	char buf[65536];
	ssize_t n;
	off_t done = 0;
	int in, out;

	in = open(from, O_RDONLY);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(in >= 0 && out >= 0);
	while (done < max && (n = read(in, buf, sizeof(buf))) > 0) {
		if (n > max - done)
			n = (ssize_t)(max - done);
		assert_int_equal(write(out, buf, (size_t)n), n);
		done += n;
	}
	close(in);
	close(out);
}

static off_t
file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static void
test_archive_round_trip_hostile(void **state)
{
	const char *dir = *state;
	struct archive_writer *w;
	char *path, *cause = NULL;
	bool trunc;
	int ret;

	w = archive_writer_open(dir, BOARD, 7, &cause);
	assert_non_null(w);
	assert_string_equal(archive_writer_relpath(w),
	    "archive/" BOARD "/00000007.kca.gz");
	append_lines(w, 0, 300);
	assert_int_equal(archive_writer_lines(w), 300);
	assert_int_equal(archive_writer_close(w, &cause), 0);
	path = archive_path(dir, BOARD, 7);
	assert_int_equal(read_all(path, &ret, &trunc), 300);
	assert_int_equal(ret, 0);
	assert_false(trunc);
	free(path);
}

/* Oversized lines are refused without using a line number. */
static void
test_archive_line_limit_and_caller(void **state)
{
	static char big[ARCHIVE_LINE_MAX + 1];
	struct archive_writer *w;
	struct archive_reader *r;
	struct archive_line l = {.text = big, .len = sizeof(big),
	    .ktime_us = -1, .seq = ARCHIVE_SEQ_NONE, .level = -1};
	char *cause = NULL;
	uint64_t no = 0;

	w = archive_writer_open(*state, BOARD, 1, NULL);
	assert_non_null(w);
	assert_int_equal(archive_writer_append(w, &l, &no, &cause), -1);
	assert_non_null(cause);
	free(cause);
	/* A caller with spaces and control bytes is sanitised, not lost. */
	l.len = 3;
	strcpy(l.caller, "T1 \x01x-long-caller");
	assert_int_equal(archive_writer_append(w, &l, &no, NULL), 0);
	assert_int_equal(no, 1);
	strcpy(l.caller, "-");
	assert_int_equal(archive_writer_append(w, &l, &no, NULL), 0);
	assert_int_equal(archive_writer_close(w, NULL), 0);
	r = archive_reader_open(*state, BOARD, 1, NULL);
	assert_non_null(r);
	assert_int_equal(archive_reader_next(r, &l, NULL), 1);
	assert_string_equal(l.caller, "T1??x-long-call");
	assert_string_equal(archive_reader_board(r), BOARD);
	assert_int_equal(archive_reader_boot(r), 1);
	assert_int_equal(archive_reader_next(r, &l, NULL), 1);
	assert_string_equal(l.caller, "?");
	assert_int_equal(archive_reader_next(r, &l, NULL), 0);
	archive_reader_free(r);
}

/*
 * kill -9 mid-write: a copy of the file taken while the writer is open has
 * every line up to the last flush, and no error.
 */
static void
test_archive_copy_mid_write(void **state)
{
	const char *dir = *state;
	struct archive_writer *w;
	char *path, *copy;
	off_t before;
	bool trunc;
	int ret;
	size_t n;

	w = archive_writer_open(dir, BOARD, 2, NULL);
	assert_non_null(w);
	path = archive_path(dir, BOARD, 2);
	assert_int_equal(asprintf(&copy, "%s/copy.kca.gz", dir) > 0, 1);
	/* Only the file header so far: readable, zero lines. */
	copy_file(path, copy, INT64_MAX);
	assert_int_equal(read_all(copy, &ret, &trunc), 0);
	assert_int_equal(ret, 0);
	assert_true(trunc);

	append_lines(w, 0, 120);
	assert_int_equal(archive_writer_flush(w, NULL), 0);
	/* 20000 unflushed lines: some blocks reach the file, torn. */
	before = file_size(path);
	append_lines(w, 120, 20120);
	assert_true(file_size(path) > before);
	copy_file(path, copy, INT64_MAX);
	n = read_all(copy, &ret, &trunc);
	assert_int_equal(ret, 0);
	assert_true(trunc);
	assert_true(n >= 120);
	assert_true(n < 20120);

	assert_int_equal(archive_writer_flush(w, NULL), 0);
	copy_file(path, copy, INT64_MAX);
	assert_int_equal(read_all(copy, &ret, &trunc), 20120);
	assert_true(trunc);
	/* The live file itself reads the same while the writer is open. */
	assert_int_equal(read_all(path, &ret, &trunc), 20120);
	assert_true(trunc);
	assert_int_equal(archive_writer_close(w, NULL), 0);
	assert_int_equal(read_all(path, &ret, &trunc), 20120);
	assert_false(trunc);
	free(copy);
	free(path);
}

/*
 * Cut a file at many offsets: each cut reads a prefix of the lines with no
 * error, and never fewer than were flushed before that offset.
 */
static void
test_archive_truncated_every_offset(void **state)
{
	const char *dir = *state;
	struct archive_writer *w;
	char *path, *copy;
	off_t sizes[41], total, off;
	size_t lines_at[41], k, n, min;
	bool trunc;
	int ret;

	w = archive_writer_open(dir, BOARD, 3, NULL);
	assert_non_null(w);
	path = archive_path(dir, BOARD, 3);
	for (k = 0; k < 40; k++) {
		append_lines(w, k * 10, k * 10 + 10);
		assert_int_equal(archive_writer_flush(w, NULL), 0);
		sizes[k] = file_size(path);
		lines_at[k] = k * 10 + 10;
	}
	assert_int_equal(archive_writer_close(w, NULL), 0);
	total = file_size(path);
	assert_int_equal(asprintf(&copy, "%s/cut.kca.gz", dir) > 0, 1);
	for (off = 0; off <= total; off += off < 200 ? 1 : 37) {
		copy_file(path, copy, off);
		n = read_all(copy, &ret, &trunc);
		assert_int_equal(ret, 0);
		assert_true(trunc || off == total);
		for (min = 0, k = 0; k < 40; k++)
			if (sizes[k] <= off)
				min = lines_at[k];
		assert_true(n >= min);
	}
	copy_file(path, copy, total);
	assert_int_equal(read_all(copy, &ret, &trunc), 400);
	assert_false(trunc);
	free(copy);
	free(path);
}

/* Number of gzip members in path and the largest one, decompressed. */
static size_t
members(const char *path, size_t *largest)
{
	struct zbuf in, out;
	struct zbuf_inflate *z;
	size_t used, pos = 0, n = 0, start = 0;
	int fd, ret;
	ssize_t r;

	zbuf_init(&in);
	zbuf_init(&out);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	do {
		assert_int_equal(zbuf_reserve(&in, 65536), 0);
		r = read(fd, in.data + in.len, 65536);
		assert_true(r >= 0);
		in.len += (size_t)r;
	} while (r > 0);
	close(fd);
	z = zbuf_inflate_new(ZBUF_GZIP, NULL);
	*largest = 0;
	while (pos < in.len) {
		ret = zbuf_inflate_feed(z, in.data + pos, in.len - pos, &used,
		    &out, SIZE_MAX, NULL);
		assert_true(ret >= 0);
		pos += used;
		if (ret != ZBUF_END) {
			assert_int_equal(used, 0); /* a whole file: no torn end */
			break;
		}
		if (out.len - start > *largest)
			*largest = out.len - start;
		start = out.len;
		n++;
		zbuf_inflate_reset(z);
	}
	assert_int_equal(pos, in.len);
	zbuf_inflate_free(z);
	zbuf_free(&in);
	zbuf_free(&out);
	return n;
}

/* Append short console lines (make_line from 10 on) until bytes of text. */
static void
append_text(struct archive_writer *w, size_t bytes)
{
	static unsigned char buf[ARCHIVE_LINE_MAX + 1];
	struct archive_line l;
	size_t i, done = 0;

	for (i = 10; done < bytes; i++) {
		make_line(i, buf, sizeof(buf), &l);
		assert_int_equal(archive_writer_append(w, &l, NULL, NULL), 0);
		done += l.len;
	}
}

/*
 * Staged lines go out as members of at most 64 KiB, and of 32 KiB while
 * so many archives are open that 64 KiB each would pass the 8 MB budget.
 */
static void
test_archive_member_sizes(void **state)
{
	const char *dir = *state;
	struct archive_writer *w, *many[200];
	size_t n, largest, i;
	char *path;

	w = archive_writer_open(dir, BOARD, 20, NULL);
	assert_non_null(w);
	append_text(w, 300000);
	assert_int_equal(archive_writer_close(w, NULL), 0);
	path = archive_path(dir, BOARD, 20);
	n = members(path, &largest);
	assert_true(n >= 6);
	assert_true(largest <= 65536 && largest > 32768);
	free(path);

	for (i = 0; i < 200; i++) {
		many[i] = archive_writer_open(dir, BOARD, 100 + (int64_t)i,
		    NULL);
		assert_non_null(many[i]);
	}
	append_text(many[0], 300000);
	for (i = 0; i < 200; i++)
		assert_int_equal(archive_writer_close(many[i], NULL), 0);
	path = archive_path(dir, BOARD, 100);
	n = members(path, &largest);
	assert_true(n >= 11);
	assert_true(largest <= 32768);
	free(path);
}

/* A restarted collector continues the boot: numbering goes on. */
static void
test_archive_reopen_continues(void **state)
{
	const char *dir = *state;
	struct archive_writer *w, *w2;
	char *path, *dir2, *path2;
	bool trunc;
	int ret;

	w = archive_writer_open(dir, BOARD, 4, NULL);
	assert_non_null(w);
	append_lines(w, 0, 50);
	assert_int_equal(archive_writer_flush(w, NULL), 0);
	append_lines(w, 50, 60); /* never flushed: lost with the "crash" */
	path = archive_path(dir, BOARD, 4);
	assert_int_equal(asprintf(&dir2, "%s/restarted", dir) > 0, 1);
	path2 = archive_path(dir2, BOARD, 4);
	w2 = archive_writer_open(dir2, BOARD, 4, NULL); /* makes the dirs */
	assert_non_null(w2);
	assert_int_equal(archive_writer_close(w2, NULL), 0);
	copy_file(path, path2, INT64_MAX); /* the file kill -9 leaves */

	w2 = archive_writer_open(dir2, BOARD, 4, NULL);
	assert_non_null(w2);
	assert_int_equal(archive_writer_lines(w2), 50);
	append_lines(w2, 50, 80);
	assert_int_equal(archive_writer_close(w2, NULL), 0);
	assert_int_equal(read_all(path2, &ret, &trunc), 80);
	assert_int_equal(ret, 0);
	assert_false(trunc);
	/* Reopening a closed archive works the same way. */
	w2 = archive_writer_open(dir2, BOARD, 4, NULL);
	assert_non_null(w2);
	assert_int_equal(archive_writer_lines(w2), 80);
	append_lines(w2, 80, 81);
	assert_int_equal(archive_writer_close(w2, NULL), 0);
	assert_int_equal(read_all(path2, &ret, &trunc), 81);
	assert_int_equal(archive_writer_close(w, NULL), 0);
	free(path);
	free(path2);
	free(dir2);
}

/* Write a gzip file holding the uncompressed stream text. */
static void
write_stream(const char *path, const char *text, size_t len)
{
	struct zbuf c;
	int fd;

	zbuf_init(&c);
	assert_int_equal(zbuf_deflate_all(ZBUF_GZIP, 6, text, len, &c, NULL),
	    0);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, c.data, c.len), (ssize_t)c.len);
	close(fd);
	zbuf_free(&c);
}

/* A record "<hdr>\n<payload>\n". */
static size_t
record(char *out, const char *hdr, const char *payload)
{
	return (size_t)sprintf(out, "%s\n%s\n", hdr, payload);
}

/* Hand-made streams: unknown records skipped; bad ones reported. */
static void
test_archive_corrupt_records(void **state)
{
	char text[2048], *path;
	struct archive_reader *r;
	struct archive_line l;
	char *cause = NULL;
	size_t n;

	assert_int_equal(asprintf(&path, "%s/hand.kca.gz", (char *)*state) >
	    0, 1);
	n = record(text, "KCATCH-ARCHIVE/1 2 9 0", "b1");
	n += record(text + n, "L 3 1 5 - - - -", "one");
	n += record(text + n, "X 4 future record", "skip");
	n += record(text + n, "L 3 +1 +10 7 8 6 T1", "two");
	n += record(text + n, "L 5 +1 -3 +5 =-4 - -", "three");
	n += (size_t)sprintf(text + n, "L 4 4 7 - - - -\nfour!\n");
	write_stream(path, text, n);
	r = archive_reader_open_path(path, NULL);
	assert_non_null(r);
	assert_int_equal(archive_reader_next(r, &l, NULL), 1);
	assert_string_equal(l.text, "one");
	assert_int_equal(archive_reader_next(r, &l, NULL), 1);
	assert_string_equal(l.text, "two");
	assert_int_equal(l.lineno, 2);
	assert_int_equal(l.recv_ms, 15);
	assert_int_equal(l.ktime_us, 7);
	assert_int_equal(l.seq, 8);
	assert_int_equal(l.level, 6);
	assert_string_equal(l.caller, "T1");
	/* Deltas against the last known values; a negative seq is bad. */
	assert_int_equal(archive_reader_next(r, &l, &cause), -1);
	assert_non_null(strstr(cause, "bad line record"));
	free(cause);
	cause = NULL;
	archive_reader_free(r);

	n = record(text, "KCATCH-ARCHIVE/1 2 9 0", "b1");
	n += record(text + n, "L 3 1 5 - - - -", "one");
	n += record(text + n, "L 5 +1 -3 5 =4 - -", "three");
	n += (size_t)sprintf(text + n, "L 4 3 7 - - - -\nfour!\n");
	write_stream(path, text, n);
	r = archive_reader_open_path(path, NULL);
	assert_int_equal(archive_reader_next(r, &l, NULL), 1);
	assert_int_equal(archive_reader_next(r, &l, NULL), 1);
	assert_int_equal(l.recv_ms, 2);
	assert_int_equal(l.ktime_us, 5);
	assert_int_equal(l.seq, 4);
	assert_int_equal(archive_reader_next(r, &l, &cause), -1);
	assert_non_null(strstr(cause, "length"));
	free(cause);
	cause = NULL;
	assert_int_equal(archive_reader_next(r, &l, &cause), -1); /* sticky */
	free(cause);
	archive_reader_free(r);

	/* A gap in the numbering, and a file that is not an archive. */
	n = record(text, "KCATCH-ARCHIVE/1 2 9 0", "b1");
	n += record(text + n, "L 3 2 5 - - - -", "one");
	write_stream(path, text, n);
	r = archive_reader_open_path(path, NULL);
	assert_int_equal(archive_reader_next(r, &l, &cause), -1);
	assert_non_null(strstr(cause, "line 2 follows line 0"));
	free(cause);
	cause = NULL;
	archive_reader_free(r);
	/* A delta with nothing before it. */
	n = record(text, "KCATCH-ARCHIVE/1 2 9 0", "b1");
	n += record(text + n, "L 3 +1 5 - - - -", "one");
	write_stream(path, text, n);
	r = archive_reader_open_path(path, NULL);
	assert_int_equal(archive_reader_next(r, &l, NULL), -1);
	archive_reader_free(r);
	/* A header line longer than any the writer makes. */
	memset(text, 'L', 400);
	write_stream(path, text, 400);
	r = archive_reader_open_path(path, NULL);
	assert_int_equal(archive_reader_next(r, &l, NULL), -1);
	archive_reader_free(r);
	write_stream(path, "hello\n", 6);
	r = archive_reader_open_path(path, NULL);
	assert_int_equal(archive_reader_next(r, &l, &cause), -1);
	assert_non_null(strstr(cause, "not a kcatch archive"));
	free(cause);
	archive_reader_free(r);
	free(path);
}

/* A closed file's gzip CRC-32 trailer is checked. */
static void
test_archive_trailer_checked(void **state)
{
	struct archive_writer *w;
	char *path;
	unsigned char c;
	bool trunc;
	int fd, ret;
	off_t size;

	w = archive_writer_open(*state, BOARD, 10, NULL);
	assert_non_null(w);
	append_lines(w, 0, 50);
	assert_int_equal(archive_writer_close(w, NULL), 0);
	path = archive_path(*state, BOARD, 10);
	size = file_size(path);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, size - 8), 1);
	c ^= 0x01;
	assert_int_equal(pwrite(fd, &c, 1, size - 8), 1);
	close(fd);
	/* All 50 lines come back, then the bad trailer is an error. */
	assert_int_equal(read_all(path, &ret, &trunc), 50);
	assert_int_equal(ret, -1);
	free(path);
}

/* A corrupt file is set aside, not overwritten, when a writer reopens. */
static void
test_archive_reopen_corrupt_kept(void **state)
{
	const char *dir = *state;
	struct archive_writer *w;
	struct archive_reader *r;
	struct archive_line l;
	char text[512], *path, *cmd;
	size_t n;

	w = archive_writer_open(dir, BOARD, 5, NULL); /* makes the dirs */
	assert_int_equal(archive_writer_close(w, NULL), 0);
	path = archive_path(dir, BOARD, 5);
	n = record(text, "KCATCH-ARCHIVE/1 8 5 0", BOARD);
	n += record(text + n, "L 3 1 5 - - - -", "one");
	n += (size_t)sprintf(text + n, "L 3 2 5 - - - -\nbadX\n");
	write_stream(path, text, n);
	w = archive_writer_open(dir, BOARD, 5, NULL);
	assert_non_null(w);
	assert_int_equal(archive_writer_lines(w), 1);
	assert_int_equal(archive_writer_close(w, NULL), 0);
	r = archive_reader_open_path(path, NULL);
	assert_non_null(r);
	assert_int_equal(archive_reader_next(r, &l, NULL), 1);
	assert_string_equal(l.text, "one");
	assert_int_equal(archive_reader_next(r, &l, NULL), 0);
	assert_false(archive_reader_truncated(r));
	archive_reader_free(r);
	free(path);
	/* The original went to <path>.corrupt-<ms>. */
	assert_int_equal(asprintf(&cmd, "ls %s/archive/" BOARD
	    "/00000005.kca.gz.corrupt-* >/dev/null", dir) > 0, 1);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void
test_archive_seek(void **state)
{
	struct archive_writer *w;
	struct archive_reader *r;
	struct archive_line l;

	w = archive_writer_open(*state, BOARD, 6, NULL);
	assert_non_null(w);
	append_lines(w, 0, 100);
	assert_int_equal(archive_writer_close(w, NULL), 0);
	r = archive_reader_open(*state, BOARD, 6, NULL);
	assert_non_null(r);
	assert_int_equal(archive_reader_seek(r, 42, NULL), 1);
	assert_int_equal(archive_reader_next(r, &l, NULL), 1);
	check_line(41, &l);
	assert_int_equal(archive_reader_seek(r, 3, NULL), 1); /* backwards */
	assert_int_equal(archive_reader_next(r, &l, NULL), 1);
	check_line(2, &l);
	assert_int_equal(archive_reader_seek(r, 100, NULL), 1);
	assert_int_equal(archive_reader_next(r, &l, NULL), 1);
	check_line(99, &l);
	assert_int_equal(archive_reader_next(r, &l, NULL), 0);
	assert_int_equal(archive_reader_seek(r, 101, NULL), 0);
	assert_int_equal(archive_reader_seek(r, 0, NULL), -1);
	archive_reader_free(r);
}

/* Deadlines: nothing due while clean; due ARCHIVE_FLUSH_MS after a line. */
static void
test_archive_flush_deadline(void **state)
{
	struct archive_writer *w;
	int64_t due;
	off_t before;
	char *path;

	w = archive_writer_open(*state, BOARD, 8, NULL);
	assert_non_null(w);
	path = archive_path(*state, BOARD, 8);
	assert_int_equal(archive_writer_next_deadline(w), -1);
	append_lines(w, 0, 1);
	due = archive_writer_next_deadline(w);
	assert_true(due > 0);
	before = file_size(path);
	assert_int_equal(archive_writer_flush_if_due(w, due - 1, NULL), 0);
	assert_int_equal(file_size(path), before);
	assert_int_equal(archive_writer_flush_if_due(w, due, NULL), 0);
	assert_true(file_size(path) > before);
	assert_int_equal(archive_writer_next_deadline(w), -1);
	assert_int_equal(archive_writer_close(w, NULL), 0);
	free(path);
}

/* Modes 0600/0700, and board names that cannot escape the archive dir. */
static void
test_archive_modes_and_names(void **state)
{
	struct archive_writer *w;
	struct stat st;
	char *p, *d;

	w = archive_writer_open(*state, "../../etc", 9, NULL);
	assert_non_null(w);
	assert_string_equal(archive_writer_relpath(w),
	    "archive/%2E.%2F..%2Fetc/00000009.kca.gz");
	assert_int_equal(archive_writer_close(w, NULL), 0);
	p = archive_path(*state, "../../etc", 9);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(p);
	assert_int_equal(asprintf(&d, "%s/archive/%%2E.%%2F..%%2Fetc",
	    (char *)*state) > 0, 1);
	assert_int_equal(stat(d, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	free(d);
	p = archive_path(NULL, "fd00::1 x", 12345678901LL);
	assert_string_equal(p, "archive/fd00::1%20x/12345678901.kca.gz");
	free(p);
	p = archive_path(NULL, "", 1);
	assert_string_equal(p, "archive/%/00000001.kca.gz");
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup_dir, teardown_dir)
		T(test_archive_round_trip_hostile),
		T(test_archive_line_limit_and_caller),
		T(test_archive_copy_mid_write),
		T(test_archive_truncated_every_offset),
		T(test_archive_reopen_continues),
		T(test_archive_corrupt_records),
		T(test_archive_trailer_checked),
		T(test_archive_member_sizes),
		T(test_archive_reopen_corrupt_kept),
		T(test_archive_seek),
		T(test_archive_flush_deadline),
		T(test_archive_modes_and_names),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
