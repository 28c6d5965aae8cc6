/* SPDX-License-Identifier: MIT */
/*
 * archive.c -- the raw line archive: one gzip file of length-prefixed,
 * delta-encoded records per (board, boot), written and read back. It owns
 * the file layout under <data-dir>/archive and the record format
 * (docs/archive.md). Records are staged uncompressed and written as
 * complete gzip members, one per flush or per member_bytes() staged.
 * Compression goes through zbuf; nothing here parses kernel text, logs or
 * exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "zbuf.h"

#define ARCHIVE_MAGIC "KCATCH-ARCHIVE/1" /* type of the first record */
#define ARCHIVE_HDR_MAX 256	/* longest record header line, '\n' incl. */
#define ARCHIVE_LEVEL 1		/* libdeflate level: the writer thread
				   compresses for every board */
#define ARCHIVE_MEMBER_MAX 65536 /* staged bytes that make a gzip member, */
#define ARCHIVE_MEMBER_MIN 16384 /* halved down to this while the open */
#define ARCHIVE_STAGE_BUDGET (8u << 20) /* archives' buffers would pass this */
#define ARCHIVE_END_TYPE "E"	/* the record a clean close ends with */
#define ARCHIVE_READ_CHUNK 65536 /* compressed bytes read per read(2) */
#define ARCHIVE_INFLATE_MAX (256u << 10) /* inflate this much at a time */
#define ARCHIVE_TOKENS_MAX 16	/* tokens in a record header */

/*
 * The last known value of one numeric record field. Fields are written as
 * deltas against it ("+1", "-3"), which deflate squeezes far better than
 * absolute times (docs/archive.md has the numbers).
 */
struct num_prev {
	bool set;
	int64_t v;
};

/* Delta state of the line fields, in writer and reader alike. */
struct line_prev {
	struct num_prev lineno;
	struct num_prev recv;
	struct num_prev ktime;
	struct num_prev seq;
};

/*
 * Archive writers open in this process, all threads. Every open archive
 * stages up to member_bytes(); the count keeps the sum of those buffers
 * near ARCHIVE_STAGE_BUDGET (8 MB at 256 boards instead of 16).
 */
static unsigned archive_nopen;

struct archive_writer {
	int fd;
	char *path;		/* absolute (or as given) path */
	char *relpath;		/* relative to the data dir */
	struct zbuf stage;	/* records not yet compressed */
	struct zbuf out;	/* compressed bytes not yet written */
	uint64_t lines;		/* last line number handed out */
	struct line_prev prev;	/* delta encoding state */
	int64_t dirty_ms;	/* monotonic ms of the oldest unflushed line,
				   -1 when everything is flushed */
	char *failed;		/* why the writer gave up, NULL while fine */
	bool counted;		/* in archive_nopen */
};

struct archive_reader {
	int fd;
	char *path;
	struct zbuf_inflate *z;
	struct zbuf raw;	/* compressed bytes read, not yet inflated */
	struct zbuf plain;	/* inflated bytes; records start at pos */
	size_t pos;
	bool eof;		/* read(2) returned 0 */
	bool ended;		/* the end record was read: closed cleanly */
	bool truncated;		/* the file ended without the end record */
	bool started;		/* the file header record was read */
	char *error;		/* sticky error, NULL while fine */
	char *zerr;		/* zlib error, raised once the bytes
				   inflated before it are used up */
	char *board;		/* from the file header */
	int64_t boot;
	uint64_t last;		/* last line number returned */
	struct line_prev prev;	/* delta decoding state */
};

/*
 * One parsed record header. The header line is copied and split here, so
 * the reader's buffer may move (fill() compacts and grows it) meanwhile.
 */
struct record {
	char line[ARCHIVE_HDR_MAX]; /* header line, split at the spaces */
	size_t hdrlen;		/* header line bytes, '\n' included */
	size_t len;		/* payload bytes */
	char *tok[ARCHIVE_TOKENS_MAX]; /* into line */
	size_t ntok;
};

/* Set *cause (if cause is not NULL) to a formatted message. */
static void __attribute__((format(printf, 2, 3)))
set_cause(char **cause, const char *fmt, ...)
{
	va_list ap;

	if (cause == NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(cause, fmt, ap) < 0)
		*cause = NULL;
	va_end(ap);
}

/* Move a malloc'd message into *cause, or free it. */
static void
pass_cause(char **cause, char *msg)
{
	if (cause != NULL)
		*cause = msg;
	else
		free(msg);
}

/* CLOCK_MONOTONIC in ms. */
static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wall clock in ms since the epoch. */
static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* True for the bytes a board name keeps in a file name. */
static bool
name_byte_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("._:+-", c) != NULL;
}

/*
 * Board name as one path component: unsafe bytes (and a leading '.',
 * which would make "." or "..") become %XX, an empty name becomes "%".
 */
static char *
board_component(const char *board)
{
	const unsigned char *p = (const unsigned char *)board;
	size_t n = strlen(board), i, o = 0;
	char *s;

	s = malloc(n * 3 + 2);
	if (s == NULL)
		return NULL;
	if (n == 0)
		s[o++] = '%';
	for (i = 0; i < n; i++) {
		if (name_byte_ok(p[i]) && !(i == 0 && p[i] == '.'))
			s[o++] = (char)p[i];
		else
			o += (size_t)sprintf(s + o, "%%%02X", p[i]);
	}
	s[o] = '\0';
	return s;
}

char *
archive_path(const char *data_dir, const char *board, int64_t boot_id)
{
	char *comp, *path;
	int ret;

	comp = board_component(board);
	if (comp == NULL)
		return NULL;
	if (data_dir != NULL)
		ret = asprintf(&path, "%s/%s/%s/%08" PRId64 "%s", data_dir,
		    ARCHIVE_DIR, comp, boot_id, ARCHIVE_EXT);
	else
		ret = asprintf(&path, "%s/%s/%08" PRId64 "%s", ARCHIVE_DIR,
		    comp, boot_id, ARCHIVE_EXT);
	free(comp);
	return ret < 0 ? NULL : path;
}

/* mkdir -p for the directory part of path (0700 for what is created). */
static int
mkdirs_for(const char *path, char **cause)
{
	char *dir, *p;
	int ret = 0;

	dir = strdup(path);
	if (dir == NULL) {
		set_cause(cause, "out of memory");
		return -1;
	}
	p = strrchr(dir, '/');
	if (p == NULL || p == dir)
		goto out;
	*p = '\0';
	for (p = dir + 1; ret == 0; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			set_cause(cause, "mkdir %s: %s", dir, strerror(errno));
			ret = -1;
		}
		*p = c;
		if (c == '\0')
			break;
	}
out:
	free(dir);
	return ret;
}

/* ---- writer --------------------------------------------------------- */

/* Write everything in w->out to the file. 0, or -1 with *cause. */
static int
write_pending(struct archive_writer *w, char **cause)
{
	size_t done = 0;
	ssize_t n;
	int ret = 0;

	char *msg;

	while (done < w->out.len) {
		n = write(w->fd, w->out.data + done, w->out.len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -1;
			break;
		}
		done += (size_t)n;
	}
	zbuf_consume(&w->out, done);
	if (ret == 0)
		return 0;
	if (asprintf(&msg, "write %s: %s", w->path, strerror(errno)) < 0)
		msg = NULL;
	/* Past the limit the stream cannot be kept whole any more. */
	if (w->out.len > ARCHIVE_PENDING_MAX && w->failed == NULL && msg)
		w->failed = strdup(msg);
	pass_cause(cause, msg);
	return -1;
}

/*
 * Staged bytes per member: 64 KiB compresses about 6 % better than 32 KiB,
 * but one buffer per open archive adds up (16 MB at 256 boards), so the
 * size halves as more archives are open.
 */
static size_t
member_bytes(void)
{
	size_t n = __atomic_load_n(&archive_nopen, __ATOMIC_RELAXED);
	size_t m = ARCHIVE_MEMBER_MAX;

	while (m > ARCHIVE_MEMBER_MIN && n * m > ARCHIVE_STAGE_BUDGET)
		m /= 2;
	return m;
}

/* Compress one record: header line (with its '\n'), payload, '\n'. */
static int
put_record(struct archive_writer *w, const char *hdr, size_t hdrlen,
    const void *payload, size_t len, char **cause)
{
	unsigned char *p;

	/* One reservation: a record is staged whole or not at all. */
	if (zbuf_reserve(&w->stage, hdrlen + len + 1) != 0) {
		set_cause(cause, "out of memory");
		return -1;
	}
	p = w->stage.data + w->stage.len;
	memcpy(p, hdr, hdrlen);
	memcpy(p + hdrlen, payload, len);
	p[hdrlen + len] = '\n';
	w->stage.len += hdrlen + len + 1;
	return 0;
}

/*
 * Compress the staged records as one gzip member into out. A member is
 * complete on its own (CRC and length included), so whatever was written
 * before a crash reads back whole.
 */
static int
emit_member(struct archive_writer *w, char **cause)
{
	if (w->stage.len == 0)
		return 0;
	if (zbuf_gzip_member(ARCHIVE_LEVEL, w->stage.data, w->stage.len,
	    &w->out, cause) != 0)
		return -1;
	w->stage.len = 0;
	/* Grown when fewer archives were open, or for one long line. */
	if (w->stage.cap > member_bytes())
		zbuf_free(&w->stage);
	return 0;
}

/* Decimal of v at b, '+' first when plus and v >= 0; returns the length.
 * b needs 21 bytes. Hand-rolled: this runs for every archived line, where
 * snprintf was a tenth of the writer thread. */
static size_t
put_i64(char *b, int64_t v, bool plus)
{
	char tmp[24];
	size_t n = 0, i = 0;
	uint64_t u;

	if (v < 0) {
		b[i++] = '-';
		u = (uint64_t)0 - (uint64_t)v;
	} else {
		if (plus)
			b[i++] = '+';
		u = (uint64_t)v;
	}
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	while (n > 0)
		b[i++] = tmp[--n];
	return i;
}

/*
 * Write a numeric field at buf (24 bytes): "-" when unknown, a delta
 * ("+5", "-2") against the field's last known value, or the absolute
 * value for the first one ("=<v>" when negative). Returns the length.
 */
static size_t
num_encode(char *buf, bool known, int64_t v, struct num_prev *p)
{
	int64_t d;
	size_t n;

	if (!known) {
		buf[0] = '-';
		return 1;
	}
	if (p->set && !__builtin_sub_overflow(v, p->v, &d))
		n = put_i64(buf, d, true);
	else if (v >= 0)
		n = put_i64(buf, v, false);
	else {
		buf[0] = '=';
		n = 1 + put_i64(buf + 1, v, false);
	}
	p->set = true;
	p->v = v;
	return n;
}

/* Caller id as a header token: printable, no spaces, "-" when empty. */
static void
caller_token(const char *in, char out[ARCHIVE_CALLER_MAX + 1])
{
	size_t i;

	for (i = 0; i < ARCHIVE_CALLER_MAX && in[i] != '\0'; i++)
		out[i] = in[i] > ' ' && in[i] < 0x7f ? in[i] : '?';
	out[i] = '\0';
	if (i == 0 || strcmp(out, "-") == 0)
		strcpy(out, i == 0 ? "-" : "?");
}

/* Append one line record with an explicit line number. */
static int
put_line(struct archive_writer *w, const struct archive_line *l,
    uint64_t lineno, char **cause)
{
	char hdr[ARCHIVE_HDR_MAX], caller[ARCHIVE_CALLER_MAX + 1];
	size_t n = 0, cl;

	/* "L <len> <lineno> <recv_ms> <ktime_us> <seq> <level> <caller>\n";
	 * 8 fields of at most 24 bytes each fit ARCHIVE_HDR_MAX */
	caller_token(l->caller, caller);
	cl = strlen(caller);
	hdr[n++] = 'L';
	hdr[n++] = ' ';
	n += put_i64(hdr + n, (int64_t)l->len, false);
	hdr[n++] = ' ';
	n += num_encode(hdr + n, true, (int64_t)lineno, &w->prev.lineno);
	hdr[n++] = ' ';
	n += num_encode(hdr + n, true, l->recv_ms, &w->prev.recv);
	hdr[n++] = ' ';
	n += num_encode(hdr + n, l->ktime_us >= 0, l->ktime_us,
	    &w->prev.ktime);
	hdr[n++] = ' ';
	/* Kernel seqs never reach 2^63; larger ones are kept as unknown. */
	n += num_encode(hdr + n, l->seq <= INT64_MAX, (int64_t)l->seq,
	    &w->prev.seq);
	hdr[n++] = ' ';
	if (l->level < 0)
		hdr[n++] = '-';
	else
		n += put_i64(hdr + n, l->level, false);
	hdr[n++] = ' ';
	memcpy(hdr + n, caller, cl);
	n += cl;
	hdr[n++] = '\n';
	if (l->len > INT64_MAX || n > sizeof(hdr)) {
		set_cause(cause, "archive record header too long");
		return -1;
	}
	return put_record(w, hdr, n, l->text, l->len, cause);
}

/* The end record: "E 0 <lines>\n\n", what tells a closed file. */
static int
put_end(struct archive_writer *w, char **cause)
{
	char hdr[ARCHIVE_HDR_MAX];
	size_t n = 0;

	memcpy(hdr, ARCHIVE_END_TYPE " 0 ", sizeof(ARCHIVE_END_TYPE " 0 ") - 1);
	n = sizeof(ARCHIVE_END_TYPE " 0 ") - 1;
	n += put_i64(hdr + n, (int64_t)w->lines, false);
	hdr[n++] = '\n';
	return put_record(w, hdr, n, "", 0, cause);
}

/* Create path (truncating) and start a stream with its header record. */
static struct archive_writer *
writer_create(const char *path, const char *relpath, const char *board,
    int64_t boot_id, char **cause)
{
	struct archive_writer *w;
	char hdr[ARCHIVE_HDR_MAX];
	int n;

	w = calloc(1, sizeof(*w));
	if (w == NULL)
		goto fail_nomem;
	w->fd = -1;
	w->dirty_ms = -1;
	w->counted = true;
	__atomic_add_fetch(&archive_nopen, 1, __ATOMIC_RELAXED);
	w->path = strdup(path);
	w->relpath = strdup(relpath);
	if (w->path == NULL || w->relpath == NULL)
		goto fail_nomem;
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		set_cause(cause, "open %s: %s", path, strerror(errno));
		goto fail;
	}
	n = snprintf(hdr, sizeof(hdr), "%s %zu %" PRId64 " %" PRId64 "\n",
	    ARCHIVE_MAGIC, strlen(board), boot_id, wall_ms());
	if (put_record(w, hdr, (size_t)n, board, strlen(board), cause) != 0)
		goto fail;
	return w;

fail_nomem:
	set_cause(cause, "out of memory");
fail:
	archive_writer_close(w, NULL);
	return NULL;
}

/* Compress what is staged and write it out, without touching dirty_ms. */
static int
sync_out(struct archive_writer *w, char **cause)
{
	if (emit_member(w, cause) != 0)
		return -1;
	return write_pending(w, cause);
}


/*
 * Make room for a line of len bytes: when it would take the staged
 * records past a member, compress and write them first. So the staging
 * buffer, one per open archive, never grows past member_bytes() (bar a
 * single line longer than that).
 */
static int
stage_room(struct archive_writer *w, size_t len, char **cause)
{
	if (w->stage.len == 0 ||
	    w->stage.len + ARCHIVE_HDR_MAX + len + 1 <= member_bytes())
		return 0;
	return sync_out(w, cause);
}

/*
 * Copy the readable lines of the existing archive at path into a new
 * stream at path.tmp, then rename it over path. A file that was corrupt
 * (not merely cut short) is kept aside as path.corrupt-<ms>.
 */
static struct archive_writer *
writer_recover(const char *path, const char *relpath, const char *board,
    int64_t boot_id, char **cause)
{
	struct archive_writer *w = NULL;
	struct archive_reader *r;
	struct archive_line l;
	char *tmp = NULL, *aside = NULL, *rerr = NULL;
	int ret;

	r = archive_reader_open_path(path, cause);
	if (r == NULL)
		return NULL;
	if (asprintf(&tmp, "%s.tmp", path) < 0) {
		tmp = NULL;
		set_cause(cause, "out of memory");
		goto out;
	}
	w = writer_create(tmp, relpath, board, boot_id, cause);
	if (w == NULL)
		goto out;
	while ((ret = archive_reader_next(r, &l, &rerr)) == 1) {
		if (stage_room(w, l.len, cause) != 0 ||
		    put_line(w, &l, l.lineno, cause) != 0)
			goto fail;
		w->lines = l.lineno;
	}
	if (sync_out(w, cause) != 0 || fsync(w->fd) != 0)
		goto fail_errno;
	if (ret < 0) {
		if (asprintf(&aside, "%s.corrupt-%" PRId64, path,
		    wall_ms()) < 0 || rename(path, aside) != 0)
			goto fail_errno;
	}
	if (rename(tmp, path) != 0)
		goto fail_errno;
	free(w->path);
	if ((w->path = strdup(path)) == NULL) {
		set_cause(cause, "out of memory");
		goto fail;
	}
	goto out;

fail_errno:
	if (cause != NULL && *cause == NULL)
		set_cause(cause, "recover %s: %s", path, strerror(errno));
fail:
	archive_writer_close(w, NULL);
	w = NULL;
	if (tmp != NULL)
		unlink(tmp);
out:
	free(rerr);
	free(aside);
	free(tmp);
	archive_reader_free(r);
	return w;
}

struct archive_writer *
archive_writer_open(const char *data_dir, const char *board,
    int64_t boot_id, char **cause)
{
	struct archive_writer *w = NULL;
	char *path, *rel;
	struct stat st;

	if (cause != NULL)
		*cause = NULL;
	path = archive_path(data_dir, board, boot_id);
	rel = archive_path(NULL, board, boot_id);
	if (path == NULL || rel == NULL) {
		set_cause(cause, "out of memory");
		goto out;
	}
	if (mkdirs_for(path, cause) != 0)
		goto out;
	if (stat(path, &st) == 0 && st.st_size > 0)
		w = writer_recover(path, rel, board, boot_id, cause);
	else
		w = writer_create(path, rel, board, boot_id, cause);
	if (w != NULL && sync_out(w, cause) != 0) {
		archive_writer_close(w, NULL);
		w = NULL;
	}
out:
	free(path);
	free(rel);
	return w;
}

int
archive_writer_append(struct archive_writer *w,
    const struct archive_line *line, uint64_t *lineno, char **cause)
{
	if (w->failed != NULL) {
		set_cause(cause, "archive writer failed: %s", w->failed);
		return -1;
	}
	if (line->len > ARCHIVE_LINE_MAX) {
		set_cause(cause, "line of %zu bytes is over the archive limit",
		    line->len);
		return -1;
	}
	/* Write errors surface at the next flush; the staged lines are
	 * kept (compressed in out). */
	stage_room(w, line->len, NULL);
	if (put_line(w, line, w->lines + 1, cause) != 0)
		return -1;
	w->lines++;
	if (lineno != NULL)
		*lineno = w->lines;
	if (w->dirty_ms < 0)
		w->dirty_ms = mono_ms();
	return 0;
}

int
archive_writer_flush(struct archive_writer *w, char **cause)
{
	if (w->failed != NULL) {
		set_cause(cause, "archive writer failed: %s", w->failed);
		return -1;
	}
	if (w->dirty_ms < 0 && w->out.len == 0 && w->stage.len == 0)
		return 0;
	if (emit_member(w, cause) != 0)
		return -1;
	w->dirty_ms = -1;
	if (write_pending(w, cause) != 0) {
		w->dirty_ms = mono_ms(); /* retry in ARCHIVE_FLUSH_MS */
		return -1;
	}
	return 0;
}

int
archive_writer_flush_if_due(struct archive_writer *w, int64_t now_ms,
    char **cause)
{
	if (w->dirty_ms < 0 || now_ms - w->dirty_ms < ARCHIVE_FLUSH_MS)
		return 0;
	return archive_writer_flush(w, cause);
}

int64_t
archive_writer_next_deadline(const struct archive_writer *w)
{
	return w->dirty_ms < 0 ? -1 : w->dirty_ms + ARCHIVE_FLUSH_MS;
}

uint64_t
archive_writer_lines(const struct archive_writer *w)
{
	return w->lines;
}

const char *
archive_writer_relpath(const struct archive_writer *w)
{
	return w->relpath;
}

int
archive_writer_close(struct archive_writer *w, char **cause)
{
	int ret = 0;

	if (w == NULL)
		return 0;
	if (w->fd >= 0 && w->failed == NULL) {
		if (put_end(w, cause) != 0 || sync_out(w, cause) != 0)
			ret = -1;
		else if (fdatasync(w->fd) != 0) {
			set_cause(cause, "fdatasync %s: %s", w->path,
			    strerror(errno));
			ret = -1;
		}
	} else if (w->failed != NULL) {
		set_cause(cause, "archive writer failed: %s", w->failed);
		ret = -1;
	}
	if (w->fd >= 0 && close(w->fd) != 0 && ret == 0) {
		set_cause(cause, "close %s: %s", w->path, strerror(errno));
		ret = -1;
	}
	if (w->counted)
		__atomic_sub_fetch(&archive_nopen, 1, __ATOMIC_RELAXED);
	zbuf_free(&w->stage);
	zbuf_free(&w->out);
	free(w->failed);
	free(w->path);
	free(w->relpath);
	free(w);
	return ret;
}

/* ---- reader --------------------------------------------------------- */

struct archive_reader *
archive_reader_open_path(const char *path, char **cause)
{
	struct archive_reader *r;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		goto fail_nomem;
	r->fd = -1;
	r->path = strdup(path);
	if (r->path == NULL)
		goto fail_nomem;
	r->z = zbuf_inflate_new(ZBUF_GZIP, cause);
	if (r->z == NULL)
		goto fail;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		set_cause(cause, "open %s: %s", path, strerror(errno));
		goto fail;
	}
	return r;

fail_nomem:
	set_cause(cause, "out of memory");
fail:
	archive_reader_free(r);
	return NULL;
}

struct archive_reader *
archive_reader_open(const char *data_dir, const char *board,
    int64_t boot_id, char **cause)
{
	struct archive_reader *r;
	char *path;

	path = archive_path(data_dir, board, boot_id);
	if (path == NULL) {
		set_cause(cause, "out of memory");
		return NULL;
	}
	r = archive_reader_open_path(path, cause);
	free(path);
	return r;
}

/* Record a sticky error and hand a copy to the caller. */
static int
reader_fail(struct archive_reader *r, char **cause, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	free(r->error);
	r->error = msg;
	set_cause(cause, "%s: %s", r->path, msg != NULL ? msg : "error");
	return -1;
}

/* Read one chunk of the file into r->raw. 0, or -1 on a read error. */
static int
read_chunk(struct archive_reader *r, char **cause)
{
	ssize_t n;

	if (zbuf_reserve(&r->raw, ARCHIVE_READ_CHUNK) != 0)
		return reader_fail(r, cause, "out of memory");
	do
		n = read(r->fd, r->raw.data + r->raw.len, ARCHIVE_READ_CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return reader_fail(r, cause, "read: %s", strerror(errno));
	if (n == 0)
		r->eof = true;
	r->raw.len += (size_t)n;
	return 0;
}

/*
 * Make at least need bytes available at plain[pos]. Returns 1 when they
 * are, 0 when the stream (or the file) ends first, -1 on error.
 */
static int
fill(struct archive_reader *r, size_t need, char **cause)
{
	size_t used, before;
	char *zerr = NULL;
	int ret;

	if (r->pos > 0 && r->pos >= r->plain.len / 2) {
		zbuf_consume(&r->plain, r->pos);
		r->pos = 0;
	}
	while (r->plain.len - r->pos < need) {
		if (r->ended || r->zerr != NULL)
			return 0;
		if (r->raw.len == 0) {
			if (r->eof) {
				r->truncated = true;
				return 0;
			}
			if (read_chunk(r, cause) != 0)
				return -1;
			continue;
		}
		before = r->plain.len;
		ret = zbuf_inflate_feed(r->z, r->raw.data, r->raw.len, &used,
		    &r->plain, r->plain.len + ARCHIVE_INFLATE_MAX, &zerr);
		if (ret < 0) {
			r->zerr = zerr != NULL ? zerr : strdup("?");
			if (r->zerr == NULL)
				return reader_fail(r, cause, "out of memory");
			continue;
		}
		zbuf_consume(&r->raw, used);
		if (ret == ZBUF_END)
			zbuf_inflate_reset(r->z); /* the next member, if any */
		else if (used == 0 && r->plain.len == before) {
			/* zlib needs more input than raw holds. */
			if (r->eof) {
				r->truncated = true;
				return 0;
			}
			if (read_chunk(r, cause) != 0)
				return -1;
		}
	}
	return 1;
}

/* Parse a decimal token into *v (signed). "-" gives dflt. */
static bool
tok_i64(const char *s, int64_t *v, int64_t dflt)
{
	char *end;

	if (strcmp(s, "-") == 0) {
		*v = dflt;
		return true;
	}
	if (*s == '\0' || (*s != '-' && (*s < '0' || *s > '9')))
		return false;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/* Parse an unsigned decimal token. "-" gives dflt. */
static bool
tok_u64(const char *s, uint64_t *v, uint64_t dflt)
{
	char *end;

	if (strcmp(s, "-") == 0) {
		*v = dflt;
		return true;
	}
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/*
 * Copy the header line at plain[pos] (hdrlen bytes, ending in '\n') into
 * rec and split it into tokens: type, payload length, then fields.
 */
static bool
parse_header(struct archive_reader *r, struct record *rec, size_t hdrlen)
{
	char *p = rec->line, *end = rec->line + hdrlen - 1;
	uint64_t len;

	memcpy(rec->line, r->plain.data + r->pos, hdrlen);
	rec->hdrlen = hdrlen;
	rec->ntok = 0;
	*end = '\0';
	while (rec->ntok < ARCHIVE_TOKENS_MAX) {
		rec->tok[rec->ntok++] = p;
		p = strchr(p, ' ');
		if (p == NULL)
			break;
		*p++ = '\0';
	}
	if (p != NULL || rec->ntok < 2)
		return false;
	if (!tok_u64(rec->tok[1], &len, UINT64_MAX) ||
	    len > ARCHIVE_LINE_MAX)
		return false;
	rec->len = (size_t)len;
	return true;
}

/*
 * Read a numeric field written by num_encode(): *known is false for "-",
 * else *v gets the value and it becomes the field's last known value.
 */
static bool
num_decode(const char *tok, bool *known, int64_t *v, struct num_prev *p)
{
	bool delta = *tok == '+' || *tok == '-';
	const char *s = *tok == '=' || delta ? tok + 1 : tok;
	char *end;
	int64_t n;

	if (strcmp(tok, "-") == 0) {
		*known = false;
		return true;
	}
	/* strtoll would also take spaces and a second sign: refuse them. */
	if (*tok == '=' && *s == '-')
		s++;
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	n = strtoll(*tok == '+' || *tok == '=' ? tok + 1 : tok, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	if (delta && (!p->set || __builtin_add_overflow(p->v, n, &n)))
		return false;
	*known = true;
	*v = n;
	p->set = true;
	p->v = n;
	return true;
}

/*
 * No (whole) record is left. That is the end, unless zlib failed after
 * the bytes inflated so far: then it is that error.
 */
static int
no_more(struct archive_reader *r, bool torn_ok, const char *what,
    char **cause)
{
	if (r->zerr != NULL)
		return reader_fail(r, cause, "corrupt compressed data after "
		    "line %" PRIu64 " (%s)", r->last, r->zerr);
	if (torn_ok && r->truncated)
		return 0; /* a torn record at the cut */
	if (what == NULL)
		return 0;
	return reader_fail(r, cause, "after line %" PRIu64 ": %s", r->last,
	    what);
}

/*
 * The end record: the file was closed cleanly, unless the member holding
 * it fails its CRC/length trailer, which zlib checks only after the
 * record's bytes came out. Inflate on past it to see.
 */
static int
take_end(struct archive_reader *r, const struct record *rec, char **cause)
{
	if (fill(r, rec->hdrlen + rec->len + 2, cause) < 0)
		return -1;
	if (r->zerr != NULL)
		return no_more(r, false, NULL, cause);
	r->ended = true; /* anything after it is not ours */
	return 0;
}

/*
 * Read the next record into rec (header parsed, payload available at
 * plain[pos + hdrlen]). 1 record, 0 end, -1 error. Does not advance pos.
 */
static int
next_record(struct archive_reader *r, struct record *rec, char **cause)
{
	const unsigned char *p, *nl;
	size_t avail;
	int ret;

	if (fill(r, ARCHIVE_HDR_MAX, cause) < 0)
		return -1;
	p = r->plain.data + r->pos;
	avail = r->plain.len - r->pos;
	if (avail == 0)
		return no_more(r, true, NULL, cause);
	nl = memchr(p, '\n', avail < ARCHIVE_HDR_MAX ? avail : ARCHIVE_HDR_MAX);
	if (nl == NULL && avail < ARCHIVE_HDR_MAX)
		return no_more(r, true, "stream ends inside a record", cause);
	if (nl == NULL || !parse_header(r, rec, (size_t)(nl - p) + 1)) {
		if (!r->started)
			return reader_fail(r, cause, "not a kcatch archive");
		return reader_fail(r, cause, "after line %" PRIu64
		    ": bad record header", r->last);
	}
	ret = fill(r, rec->hdrlen + rec->len + 1, cause);
	if (ret < 0)
		return -1;
	if (ret == 0)
		return no_more(r, true, "stream ends inside a record", cause);
	if (r->plain.data[r->pos + rec->hdrlen + rec->len] != '\n')
		return reader_fail(r, cause, "after line %" PRIu64
		    ": record does not end where its length says", r->last);
	return 1;
}

/* Take the fields of a file header record. */
static int
take_file_header(struct archive_reader *r, const struct record *rec,
    char **cause)
{
	int64_t boot;

	if (rec->ntok != 4 || !tok_i64(rec->tok[2], &boot, 0))
		return reader_fail(r, cause, "bad file header");
	r->board = strndup((const char *)r->plain.data + r->pos + rec->hdrlen,
	    rec->len);
	if (r->board == NULL)
		return reader_fail(r, cause, "out of memory");
	r->boot = boot;
	r->started = true;
	return 0;
}

/* Decode the numeric fields of a line record into *l. */
static bool
take_numbers(struct archive_reader *r, const struct record *rec,
    struct archive_line *l)
{
	int64_t no, recv, kt, seq, level;
	bool k_no, k_recv, k_kt, k_seq;

	if (!num_decode(rec->tok[2], &k_no, &no, &r->prev.lineno) ||
	    !num_decode(rec->tok[3], &k_recv, &recv, &r->prev.recv) ||
	    !num_decode(rec->tok[4], &k_kt, &kt, &r->prev.ktime) ||
	    !num_decode(rec->tok[5], &k_seq, &seq, &r->prev.seq) ||
	    !k_no || !k_recv || (k_kt && kt < 0) || (k_seq && seq < 0) ||
	    !tok_i64(rec->tok[6], &level, -1) || level < -1 ||
	    level > 0xffff)
		return false;
	l->lineno = (uint64_t)no;
	l->recv_ms = recv;
	l->ktime_us = k_kt ? kt : -1;
	l->seq = k_seq ? (uint64_t)seq : ARCHIVE_SEQ_NONE;
	l->level = (int)level;
	return true;
}

/* Fill *l from a line record. */
static int
take_line(struct archive_reader *r, const struct record *rec,
    struct archive_line *l, char **cause)
{
	char *text;

	if (rec->ntok != 8 || strlen(rec->tok[7]) > ARCHIVE_CALLER_MAX ||
	    !take_numbers(r, rec, l))
		return reader_fail(r, cause, "after line %" PRIu64
		    ": bad line record", r->last);
	if (l->lineno != r->last + 1)
		return reader_fail(r, cause, "line %" PRIu64 " follows line %"
		    PRIu64, l->lineno, r->last);
	strcpy(l->caller, strcmp(rec->tok[7], "-") == 0 ? "" : rec->tok[7]);
	text = (char *)r->plain.data + r->pos + rec->hdrlen;
	text[rec->len] = '\0'; /* was the record's '\n' */
	l->text = text;
	l->len = rec->len;
	r->last = l->lineno;
	return 0;
}

/* Start reading r from the beginning of its file again. */
static int
reader_rewind(struct archive_reader *r, char **cause)
{
	struct zbuf_inflate *z;

	z = zbuf_inflate_new(ZBUF_GZIP, cause);
	if (z == NULL)
		return -1;
	if (lseek(r->fd, 0, SEEK_SET) < 0) {
		zbuf_inflate_free(z);
		return reader_fail(r, cause, "lseek: %s", strerror(errno));
	}
	zbuf_inflate_free(r->z);
	r->z = z;
	r->raw.len = r->plain.len = r->pos = 0;
	r->eof = r->ended = r->truncated = r->started = false;
	free(r->error);
	r->error = NULL;
	free(r->zerr);
	r->zerr = NULL;
	free(r->board);
	r->board = NULL;
	r->boot = 0;
	r->last = 0;
	memset(&r->prev, 0, sizeof(r->prev));
	return 0;
}

/*
 * Whether a line record follows: skips the file header and unknown
 * records, then leaves the line record unread. 1 yes, 0 end, -1 error.
 */
static int
peek_line(struct archive_reader *r, struct record *rec, char **cause)
{
	int ret;

	if (r->error != NULL) {
		set_cause(cause, "%s: %s", r->path, r->error);
		return -1;
	}
	for (;;) {
		if (r->ended)
			return 0;
		ret = next_record(r, rec, cause);
		if (ret <= 0)
			return ret;
		if (r->started && strcmp(rec->tok[0], "L") == 0)
			return 1;
		if (r->started && strcmp(rec->tok[0], ARCHIVE_END_TYPE) == 0 &&
		    take_end(r, rec, cause) != 0)
			return -1;
		if (!r->started && strcmp(rec->tok[0], ARCHIVE_MAGIC) != 0)
			return reader_fail(r, cause, "not a kcatch archive");
		/* The file header, or a record type from the future. */
		if (!r->started && take_file_header(r, rec, cause) != 0)
			return -1;
		r->pos += rec->hdrlen + rec->len + 1;
	}
}

int
archive_reader_next(struct archive_reader *r, struct archive_line *line,
    char **cause)
{
	struct record rec;
	int ret;

	ret = peek_line(r, &rec, cause);
	if (ret <= 0)
		return ret;
	if (take_line(r, &rec, line, cause) != 0)
		return -1;
	r->pos += rec.hdrlen + rec.len + 1;
	return 1;
}

int
archive_reader_seek(struct archive_reader *r, uint64_t lineno, char **cause)
{
	struct archive_line l;
	struct record rec;
	int ret;

	if (lineno == 0) {
		set_cause(cause, "archive line numbers start at 1");
		return -1;
	}
	if (lineno <= r->last && reader_rewind(r, cause) != 0)
		return -1;
	while (r->last + 1 < lineno) {
		ret = archive_reader_next(r, &l, cause);
		if (ret <= 0)
			return ret;
	}
	return peek_line(r, &rec, cause);
}

bool
archive_reader_truncated(const struct archive_reader *r)
{
	return r->truncated && !r->ended;
}

const char *
archive_reader_board(const struct archive_reader *r)
{
	return r->board != NULL ? r->board : "";
}

int64_t
archive_reader_boot(const struct archive_reader *r)
{
	return r->boot;
}

void
archive_reader_free(struct archive_reader *r)
{
	if (r == NULL)
		return;
	if (r->fd >= 0)
		close(r->fd);
	zbuf_inflate_free(r->z);
	zbuf_free(&r->raw);
	zbuf_free(&r->plain);
	free(r->error);
	free(r->zerr);
	free(r->board);
	free(r->path);
	free(r);
}
