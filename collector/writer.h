/* SPDX-License-Identifier: MIT */
/*
 * writer.h -- the writer thread (prefix writer_): everything that touches
 * the disk. The event loop appends work (board registrations, boots,
 * lines, reports, step marks, end states, counters) to a bounded FIFO
 * queue; the thread does the
 * archive appends and the batched store writes, so ingest never waits on
 * zlib, the file system or SQLite.
 *
 * Order is the queue order: a line is archived before a report that
 * covers it is stored. The archive is flushed at least every
 * archive_flush_ms and before any report of its boot is stored; store
 * batches commit at least every db_batch_ms, so a report is visible to
 * other processes well within a second of its last line.
 *
 * Memory: the queue is made of fixed-size blocks kept on a free list and
 * reused, so the hot path does not malloc. The whole queue is bounded by
 * queue_bytes and each board's share by source_bytes: when either is
 * full the producer call fails, and the caller drops and counts.
 *
 * Threads: writer_new/start/stop/free and every producer call belong to
 * the event loop thread. Fields of struct writer_board are owned by the
 * writer thread, except `queued` (atomic).
 */
#ifndef KCATCH_WRITER_H
#define KCATCH_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "archive.h"
#include "store.h"

struct kr_report;
struct writer;

/* Block size of the queue; a line of ARCHIVE_LINE_MAX bytes fits one. */
#define WRITER_BLOCK_BYTES (256 * 1024)
/* An archive quiet this long is closed to free its compressor memory. */
#define WRITER_IDLE_CLOSE_MS 60000
/* How often the thread checks flush deadlines while the queue is busy. */
#define WRITER_TICK_MS 20
/* A store batch holding a report commits after at most this long. */
#define WRITER_REPORT_COMMIT_MS 20
/* A partly filled block waits at most this long for more entries. */
#define WRITER_COMMIT_MS 2
/* The event loop wakes the thread for a partial block at most this often;
 * in between the thread finds blocks at its WRITER_TICK_MS poll. */
#define WRITER_WAKE_MS 5
/* Free blocks kept for reuse; more are returned to the system. */
#define WRITER_FREE_KEEP 8

/* What starts a boot. */
enum writer_boot_mode {
	WRITER_BOOT_RESUME, /* first data of a board in this run: continue
			       its open boot from the database, if any */
	WRITER_BOOT_NEW,    /* the board rebooted: end the open boot */
};

/*
 * The writer's view of one board, embedded in struct board. Zero it
 * before the first producer call.
 */
struct writer_board {
	uint64_t queued;	       /* bytes queued (atomic) */
	/* Writer thread only. */
	char *name;		       /* database/archive name, owned */
	int64_t board_id;	       /* store id, 0 unknown */
	int64_t boot_id;	       /* current boot, 0 none */
	struct archive_writer *aw;     /* open archive of boot_id or NULL */
	uint64_t base;		       /* archive lines before this run's
					  segment of the boot */
	uint64_t segment_lines;	       /* lines appended in the segment */
	struct store_counts unflushed; /* lines/bytes appended since the last
					  archive flush: counted in the store
					  only once they are on disk */
	int64_t unflushed_seen_ms;     /* recv_ms of the newest of them */
	int64_t last_ms;	       /* monotonic ms of the last append */
	bool failed;		       /* boot could not be started */
};

struct event_base;

struct writer_config {
	struct event_base *base;       /* for the commit timer; NULL: every
					  writer_commit hands over at once */
	const char *data_dir;	       /* archive root; copied */
	size_t queue_bytes;	       /* whole queue bound */
	size_t source_bytes;	       /* per-board bound (lines only) */
	int64_t db_batch_ms;	       /* store commit period */
	int64_t archive_flush_ms;      /* archive flush period */
};

/* Counters of the writer, read with writer_counters(). */
struct writer_counters {
	uint64_t queue_full;	       /* entries refused: queue full */
	uint64_t source_full;	       /* lines refused: board over share */
	uint64_t lines_archived;       /* lines appended to archives */
	uint64_t archive_errors;       /* lines lost to archive errors */
	uint64_t store_errors;	       /* failed store calls */
	uint64_t reports_stored;       /* reports inserted */
	uint64_t blocks;	       /* queue blocks allocated */
};

/*
 * Create a writer that will own store s (closed by writer_free or
 * writer_stop, even on failure). Returns NULL with *cause.
 */
struct writer *writer_new(const struct writer_config *cfg, struct store *s,
    char **cause);
/* Start the thread. 0 or -1 with *cause. */
int writer_start(struct writer *w, char **cause);
/*
 * Hand over what is queued, let the thread drain it, flush and close
 * every archive and the store, and join. Returns 0, or -1 with *cause
 * when the final store commit failed. Safe to call once; writer_free
 * calls it when it was not.
 */
int writer_stop(struct writer *w, char **cause);
/* Stop if running and free w (archives are closed by the thread). */
void writer_free(struct writer *w);
/* Free what the writer kept in wb; only after writer_stop(). */
void writer_board_clear(struct writer_board *wb);

/*
 * Producers (event loop thread). Each appends one entry to the current
 * block; writer_commit() hands the block to the thread. Return 0, or
 * WRITER_FULL_QUEUE when the queue is full, or (writer_line only)
 * WRITER_FULL_SHARE when the board has its share queued: nothing was
 * queued and the caller counts a drop.
 */
#define WRITER_FULL_QUEUE (-1)
#define WRITER_FULL_SHARE (-2)

/* Register a board under name (also a rename), address "ip:port". */
int writer_board(struct writer *w, struct writer_board *wb, const char *name,
    const char *address);
/* Start or resume a boot of wb at start_ms (wall clock ms). */
int writer_boot(struct writer *w, struct writer_board *wb,
    enum writer_boot_mode mode, int64_t start_ms);
/* Record the kernel of the current boot; either string may be NULL. */
int writer_kernel(struct writer *w, struct writer_board *wb,
    const char *release, const char *version_line, size_t version_len);
/*
 * Archive one line of the current boot (line->lineno must be the line's
 * number in this run's segment of the boot, 1-based: the writer adds the
 * lines archived before this run). Copies the text.
 */
int writer_line(struct writer *w, struct writer_board *wb,
    const struct archive_line *line);
/*
 * Store a report of the current boot. Takes ownership of r (freed by the
 * writer, or at once when -1 is returned). Its line refs are segment line
 * numbers, like writer_line's.
 */
int writer_report(struct writer *w, struct writer_board *wb,
    struct kr_report *r);
/* Add transport counters to the current boot of wb. */
int writer_counts(struct writer *w, struct writer_board *wb,
    const struct store_counts *delta, int64_t last_seen_ms);
/*
 * Collector counter: gauge sets it, otherwise value is added to the
 * running total. name must be a string literal (kept by pointer).
 */
int writer_stat(struct writer *w, const char *name, int64_t value,
    bool gauge, int64_t now_ms);

/* A step declaration found in the stream (see marker.h, store.h). */
struct writer_mark {
	const char *source;	       /* STORE_MARK_LINE or _USERDATA; a
					  string literal (kept by pointer) */
	const char *plan;	       /* NULL or "": the board's latest */
	const char *step;	       /* NULL: "kcatch: end" */
	const char *patch;	       /* NULL: none */
	int64_t at_ms;		       /* wall ms it was received */
	uint64_t lineno;	       /* segment line number of the marker
					  line, as writer_line's; 0 for
					  userdata */
};

/*
 * Declare a step of the current boot (store_step_mark() on the thread).
 * Queue a line marker after writer_line() of its line: the writer maps
 * lineno to the archive line number like a report's refs. Copies the
 * strings.
 */
int writer_step_mark(struct writer *w, struct writer_board *wb,
    const struct writer_mark *m);
/*
 * Record how the current boot ends (store_boot_set_end_state()); state is
 * a STORE_END_* literal (kept by pointer).
 */
int writer_end_state(struct writer *w, struct writer_board *wb,
    const char *state, int64_t at_ms);

/*
 * End of an event loop callback: hand the entries appended so far to the
 * thread, at once when it is idle or the block is half full, else within
 * WRITER_COMMIT_MS (a timer), so a busy thread gets full blocks. An idle
 * thread is woken at most once per WRITER_WAKE_MS for a partial block.
 */
void writer_commit(struct writer *w);
/* Hand them over now. */
void writer_commit_now(struct writer *w);

/* Snapshot of the counters (any thread). */
void writer_counters(struct writer *w, struct writer_counters *out);

#endif /* KCATCH_WRITER_H */
