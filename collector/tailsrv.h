/* SPDX-License-Identifier: MIT */
/*
 * tailsrv.h -- the collector's live feed for `kcatch tail` (prefix
 * tailsrv_). It listens on the Unix socket <data-dir>/kcatch.sock (0600,
 * or 0660 with the data dir's group when that group may enter the dir).
 * A client sends one subscription line, a JSON object:
 *
 *   {"board": "rk3399" | null, "class": "warn" | null, "all_lines": bool}
 *
 * and then receives newline-delimited JSON objects:
 *
 *   {"type":"subscribed","version":1,"board":..,"class":..,"all_lines":..}
 *   {"type":"report","board":B,"report":{report_json() fields}}
 *   {"type":"line","board":B,"text":T,"ktime_us":N|null,"recv_ms":N}
 *   {"type":"dropped","count":N}      this client missed N messages
 *   {"type":"error","message":M}      then the collector closes it
 *
 * Lines go only to clients that asked for them, and are not even encoded
 * when no client did. A slow client never blocks ingest: at most
 * TAILSRV_OUT_BYTES of its messages sit in the socket layer, the rest in
 * its own bounded queue (queue_bytes), which drops its oldest messages
 * when full and tells the client how many with a "dropped" notice as
 * soon as it reads again.
 *
 * Event loop thread only. Board text stays untrusted: JSON escaping makes
 * it safe to frame, the client escapes it for the terminal.
 */
#ifndef KCATCH_TAILSRV_H
#define KCATCH_TAILSRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

struct event_base;
struct kr_report;
struct tailsrv;

#define TAILSRV_SOCK_NAME "kcatch.sock"	/* <data-dir>/kcatch.sock */
#define TAILSRV_VERSION 1		/* of the message format */
#define TAILSRV_SUB_MAX_BYTES 4096	/* longest subscription line */
#define TAILSRV_SUB_TIMEOUT_MS 5000	/* to send it after connecting */
/* A client's bytes handed to the socket layer; more wait in its queue. */
#define TAILSRV_OUT_BYTES (64 * 1024)

/* What a message carries. */
enum tailsrv_kind {
	TAILSRV_MSG_REPORT,
	TAILSRV_MSG_LINE,
	TAILSRV_MSG_OTHER,		/* notices: sent as they are */
};

/*
 * One encoded message, shared (reference counted) by every client queue
 * and socket buffer that holds it, so a report sent to ten clients is
 * encoded and stored once.
 */
struct tailsrv_msg {
	unsigned refs;			/* holders; freed at 0 */
	enum tailsrv_kind kind;
	int cls;			/* enum kr_class of a report, else 0 */
	char board[CONF_BOARD_NAME_MAX + 1]; /* board name, "" for notices */
	size_t len;			/* bytes of data, '\n' included */
	char data[];			/* one JSON object, then '\n' */
};

/*
 * Bounded FIFO of messages that drops its oldest when full. Holds one
 * reference to each message in it.
 */
struct tailsrv_queue {
	struct tailsrv_msg **ring;	/* cap slots, owned */
	size_t cap;			/* slots */
	size_t head;			/* index of the oldest */
	size_t n;			/* messages held */
	size_t bytes;			/* their len summed */
	size_t max_bytes;		/* bound of bytes, see _push */
	uint64_t dropped;		/* dropped since the caller reset it */
};

/* What a client asked for (its subscription line). */
struct tailsrv_sub {
	char board[CONF_BOARD_NAME_MAX + 1]; /* "" for every board */
	int cls;			/* enum kr_class, -1 for every class */
	bool all_lines;			/* every received line, too */
};

struct tailsrv_config {
	struct event_base *base;	/* the collector's loop */
	const char *data_dir;		/* socket goes here; copied */
	size_t queue_bytes;		/* per-client queue bound */
	size_t max_clients;		/* more are refused with an error */
};

/* Counters, for the collector's stats. */
struct tailsrv_counters {
	uint64_t clients;		/* subscribed now (gauge) */
	uint64_t drops;			/* messages dropped, every client */
};

/*
 * Listen on <data_dir>/kcatch.sock. A socket file left by a collector
 * that died is replaced; one that answers, or a path that is not a
 * socket, is an error. Returns the server (free with tailsrv_free) or
 * NULL with *cause (caller frees).
 */
struct tailsrv *tailsrv_new(const struct tailsrv_config *cfg, char **cause);

/*
 * Write what each client has buffered as far as its socket takes it
 * without waiting, close every client and the listener and unlink the
 * socket file. ts may be NULL.
 */
void tailsrv_free(struct tailsrv *ts);

/* Path of the socket (owned by ts). */
const char *tailsrv_path(const struct tailsrv *ts);

/* Snapshot of the counters. */
void tailsrv_counters(const struct tailsrv *ts, struct tailsrv_counters *out);

/*
 * Encode report r of board for the clients that want it. Call BEFORE
 * handing r to the writer (which takes it over), and pass the result to
 * tailsrv_publish() once the writer accepted r, or to tailsrv_msg_unref()
 * when it did not. Returns NULL (nothing to do) when ts is NULL, when no
 * client wants it, or when out of memory.
 */
struct tailsrv_msg *tailsrv_report_msg(struct tailsrv *ts, const char *board,
    const struct kr_report *r);

/*
 * Queue m for every client whose subscription matches it. Takes over the
 * caller's reference; m and ts may be NULL (no-op).
 */
void tailsrv_publish(struct tailsrv *ts, struct tailsrv_msg *m);

/*
 * One line received from board (text: len bytes, no '\n'), already
 * queued for the archive. Costs one comparison when no client asked for
 * lines. ktime_us is the printk time or -1, recv_ms wall-clock ms.
 */
void tailsrv_line(struct tailsrv *ts, const char *board, const char *text,
    size_t len, int64_t ktime_us, int64_t recv_ms);

/* ---- exposed for tests ---------------------------------------------- */

/*
 * A message of kind holding json (len bytes, no '\n': one is added),
 * with one reference for the caller. NULL when out of memory.
 */
struct tailsrv_msg *tailsrv_msg_new(enum tailsrv_kind kind, int cls,
    const char *board, const char *json, size_t len);
/*
 * The message of one received line (what tailsrv_line publishes), one
 * reference for the caller; NULL when out of memory.
 */
struct tailsrv_msg *tailsrv_line_msg(const char *board, const char *text,
    size_t len, int64_t ktime_us, int64_t recv_ms);
/* Drop one reference; the last frees m. m may be NULL. */
void tailsrv_msg_unref(struct tailsrv_msg *m);

/* An empty queue bounded by max_bytes. */
void tailsrv_queue_init(struct tailsrv_queue *q, size_t max_bytes);
/* Drop every message and free the ring. */
void tailsrv_queue_clear(struct tailsrv_queue *q);
/*
 * Append m (the queue takes a reference of its own), first dropping the
 * oldest messages until it fits in max_bytes. A message larger than
 * max_bytes is kept only when the queue is empty, so the queue never
 * holds more than max(max_bytes, one message). Returns the number of
 * messages dropped (m itself counts when it could not be stored); they
 * are added to q->dropped as well.
 */
uint64_t tailsrv_queue_push(struct tailsrv_queue *q, struct tailsrv_msg *m);
/* Remove the oldest message; the caller gets its reference. NULL: empty. */
struct tailsrv_msg *tailsrv_queue_pop(struct tailsrv_queue *q);

/*
 * Parse a subscription line (len bytes, no '\n'). Unknown keys are
 * ignored. Returns 0, or -1 with *cause (caller frees) for bad JSON, an
 * unknown class or a board name that is too long.
 */
int tailsrv_sub_parse(const char *line, size_t len, struct tailsrv_sub *sub,
    char **cause);

/* Whether a client subscribed as sub gets m. */
bool tailsrv_sub_match(const struct tailsrv_sub *sub,
    const struct tailsrv_msg *m);

#endif /* KCATCH_TAILSRV_H */
