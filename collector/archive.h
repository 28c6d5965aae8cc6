/* SPDX-License-Identifier: MIT */
/*
 * archive.h -- the raw line archive (prefix archive_): every line a board
 * sent, one gzip file per (board, boot), written before anything parses it.
 *
 * Layout: <data-dir>/archive/<board>/<boot-id as %08lld>.kca.gz, where
 * <board> is the board name with bytes outside [A-Za-z0-9._:+-] (and a
 * leading '.') written as %XX. Directories are 0700, files 0600. The
 * record format is in docs/archive.md; the file is a gzip stream that is
 * sync-flushed at least every ARCHIVE_FLUSH_MS, so after a kill -9 of the
 * collector the file is readable up to its last flush.
 *
 * Line numbers are 1-based within one boot archive. They are the line
 * refs the parser gets (kr_line.ref) and that reports store
 * (first_line/last_line), so `kcatch show` and `kcatch reparse` can find
 * a report's lines again.
 *
 * A writer belongs to one thread (the collector's writer thread). Readers
 * may run in other processes while the writer appends; they see the file
 * up to the writer's last flush.
 *
 * Errors: -1 (or NULL) with a malloc'd message in *cause that the caller
 * frees; cause may be NULL. Nothing here logs or exits.
 */
#ifndef KCATCH_ARCHIVE_H
#define KCATCH_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARCHIVE_DIR "archive"	     /* under the data dir */
#define ARCHIVE_EXT ".kca.gz"
#define ARCHIVE_LINE_MAX 65536	     /* longest line payload, bytes */
#define ARCHIVE_CALLER_MAX 15	     /* longest caller id kept */
#define ARCHIVE_FLUSH_MS 500	     /* sync-flush lines this old */
#define ARCHIVE_SEQ_NONE UINT64_MAX  /* seq unknown (plain netconsole) */
#define ARCHIVE_PENDING_MAX (8u << 20) /* unwritten output kept on errors */

/*
 * One archived line. The writer reads every field but lineno; the reader
 * fills every field.
 */
struct archive_line {
	uint64_t lineno;     /* 1-based line number in this boot archive */
	int64_t recv_ms;     /* receive time, wall-clock ms since the epoch */
	int64_t ktime_us;    /* printk time in us since boot, -1 unknown */
	uint64_t seq;	     /* printk record seq, ARCHIVE_SEQ_NONE unknown */
	int level;	     /* syslog priority (prio & 7 for kernel), -1 unknown */
	char caller[ARCHIVE_CALLER_MAX + 1]; /* "T123"/"C1", "" unknown */
	const char *text;    /* line bytes, any bytes (NUL, '\t', binary);
				no trailing '\n'. Reader: owned by the
				reader, valid until its next call, and
				followed by a NUL not counted in len. */
	size_t len;	     /* bytes in text, <= ARCHIVE_LINE_MAX */
};

struct archive_writer;
struct archive_reader;

/*
 * Path of the archive of (board, boot_id): relative to the data dir
 * ("archive/<board>/<id>.kca.gz") when data_dir is NULL, absolute
 * otherwise. malloc'd, the caller frees; NULL when out of memory.
 */
char *archive_path(const char *data_dir, const char *board, int64_t boot_id);

/* ---- writer --------------------------------------------------------- */

/*
 * Open the archive of (board, boot_id) under data_dir for appending,
 * creating directories (0700) and the file (0600) as needed.
 *
 * If the file already exists (a restarted collector continues the boot),
 * its readable lines are kept: they are copied into a fresh stream that
 * replaces the file (any torn tail after the last flush is dropped) and
 * numbering continues after the last line. Returns the writer or NULL with
 * *cause. Free with archive_writer_close().
 */
struct archive_writer *archive_writer_open(const char *data_dir,
    const char *board, int64_t boot_id, char **cause);

/*
 * Append one line. Copies what it needs from line (line->lineno is
 * ignored) and returns its line number in *lineno (may be NULL). The
 * line is compressed into the stream at once; it reaches the file at the
 * next flush (or earlier when the compressor emits a block). caller bytes
 * outside printable ASCII become '?' and are cut at ARCHIVE_CALLER_MAX.
 *
 * Returns 0, or -1 with *cause when the line was NOT archived: len is over
 * ARCHIVE_LINE_MAX, out of memory, or the writer has failed (a write error
 * that outlived ARCHIVE_PENDING_MAX of buffered output; close the writer
 * and open a new one to recover). Write errors by themselves are reported
 * by the flush functions.
 */
int archive_writer_append(struct archive_writer *w,
    const struct archive_line *line, uint64_t *lineno, char **cause);

/*
 * Sync-flush the compressor and write everything pending to the file (no
 * fsync). After it returns 0, every appended line is readable by others
 * and survives a crash of this process. On a write error (disk full) the
 * output stays buffered and the next flush retries; returns -1 with
 * *cause.
 */
int archive_writer_flush(struct archive_writer *w, char **cause);

/*
 * Flush if the oldest unflushed line was appended ARCHIVE_FLUSH_MS or
 * more before now_ms (CLOCK_MONOTONIC ms, as store_clock_ms()). Call at
 * least every 250 ms while archive_writer_next_deadline() is not -1; that
 * bounds what a crash can lose to under a second. Also flush before
 * committing a store batch that holds reports of this boot, so a report
 * never points past the archive's last flush. Returns 0 or -1 like
 * archive_writer_flush().
 */
int archive_writer_flush_if_due(struct archive_writer *w, int64_t now_ms,
    char **cause);

/* Monotonic ms at which a flush is due, or -1 when nothing is unflushed. */
int64_t archive_writer_next_deadline(const struct archive_writer *w);

/* Lines in the archive so far (the last line number handed out). */
uint64_t archive_writer_lines(const struct archive_writer *w);

/* Archive path relative to the data dir; owned by the writer. */
const char *archive_writer_relpath(const struct archive_writer *w);

/*
 * Finish the stream (gzip trailer), write, fdatasync and close. Always
 * frees w (w may be NULL). Returns 0, or -1 with *cause when something
 * could not be written (the file then ends like a truncated one and stays
 * readable up to the last successful flush).
 */
int archive_writer_close(struct archive_writer *w, char **cause);

/* ---- reader --------------------------------------------------------- */

/* Open the archive of (board, boot_id) under data_dir for reading. */
struct archive_reader *archive_reader_open(const char *data_dir,
    const char *board, int64_t boot_id, char **cause);

/* Open an archive file by path. NULL with *cause on error. */
struct archive_reader *archive_reader_open_path(const char *path,
    char **cause);

/*
 * Read the next line into *line (pointers owned by the reader, valid until
 * the next call on r). Returns 1 for a line, 0 at the end, -1 with *cause
 * when the file is corrupt or unreadable (lines before it were fine; no
 * line after it can be read). A file that ends without its gzip trailer
 * (the collector was killed, or is still writing) ends with 0 and
 * archive_reader_truncated() tells so.
 */
int archive_reader_next(struct archive_reader *r, struct archive_line *line,
    char **cause);

/*
 * Position r so that the next archive_reader_next() returns line lineno
 * (1-based). Skips forward by decompressing (O(lines)); seeking backwards
 * reopens the file. Returns 1 when positioned, 0 when the archive has
 * fewer lines, -1 with *cause on error.
 */
int archive_reader_seek(struct archive_reader *r, uint64_t lineno,
    char **cause);

/* True once the reader hit the end of a stream that was not finished. */
bool archive_reader_truncated(const struct archive_reader *r);

/* Board name and boot id written in the file header ("" / 0 until read). */
const char *archive_reader_board(const struct archive_reader *r);
int64_t archive_reader_boot(const struct archive_reader *r);

/* Free a reader (NULL is fine). */
void archive_reader_free(struct archive_reader *r);

#endif /* KCATCH_ARCHIVE_H */
