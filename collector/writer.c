/* SPDX-License-Identifier: MIT */
/*
 * writer.c -- the writer thread: drains the queue filled by the event loop
 * into the raw line archive and the store. Owns the queue blocks, the
 * store handle and every archive writer. The event loop side only fills
 * blocks and links them into the queue under one mutex per handoff.
 */
#include <errno.h>
#include <event2/event.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kreport.h"
#include "log.h"
#include "writer.h"

enum writer_op {
	WRITER_OP_BOARD,
	WRITER_OP_BOOT,
	WRITER_OP_KERNEL,
	WRITER_OP_LINE,
	WRITER_OP_REPORT,
	WRITER_OP_COUNTS,
	WRITER_OP_STAT,
	WRITER_OP_MARK,
	WRITER_OP_END_STATE,
};

/* One queued piece of work; variable-length data follows the header. */
struct writer_entry {
	uint32_t size;		  /* header + data, multiple of 8 */
	uint16_t op;		  /* enum writer_op */
	struct writer_board *wb;  /* NULL for WRITER_OP_STAT */
	union {
		struct {
			int64_t recv_ms, ktime_us;
			uint64_t seq, lineno;
			int32_t level;
			uint32_t len;
			char caller[ARCHIVE_CALLER_MAX + 1];
		} line;
		struct {
			int32_t mode;
			int64_t start_ms;
		} boot;
		struct {
			int32_t rel_len, ver_len; /* -1 = NULL */
		} kernel;
		struct {
			uint32_t name_len, addr_len;
		} board;
		struct kr_report *report;
		struct {
			struct store_counts d;
			int64_t last_seen_ms;
		} counts;
		struct {
			const char *name;
			int64_t value, now_ms;
			bool gauge;
		} stat;
		struct {
			const char *source;	  /* STORE_MARK_*, by pointer */
			int64_t at_ms;
			uint64_t lineno;	  /* segment line, 0 none */
			int32_t plan_len, step_len, patch_len; /* -1 NULL */
		} mark;
		struct {
			const char *state;	  /* STORE_END_*, by pointer */
			int64_t at_ms;
		} end;
	} u;
	alignas(8) char data[];
};

/* A queue block: entries packed back to back. */
struct writer_block {
	struct writer_block *next;
	size_t used;
	alignas(8) char data[WRITER_BLOCK_BYTES];
};

struct writer {
	char *data_dir;			/* owned copy */
	struct writer_config cfg;
	struct store *store;		/* owned; thread only once started */
	pthread_t thread;
	bool started;
	bool joined;
	bool report_due;	/* a report is in the open store batch */
	pthread_mutex_t mtx;		/* guards the lists and stopping */
	pthread_cond_t cond;
	struct writer_block *q_head;	/* queued, oldest first */
	struct writer_block *q_tail;
	struct writer_block *free_list;
	size_t nblocks;			/* allocated (queued + free + cur) */
	size_t max_blocks;
	size_t nfree;			/* blocks on the free list */
	size_t nqueued;			/* blocks queued (read atomically) */
	bool stopping;
	struct writer_block *cur;	/* event loop's block being filled */
	struct event *commit_ev;	/* hands over a partly filled cur */
	int64_t woke_ms;		/* event loop: last signal, coarse ms */
	/* Thread only. */
	struct writer_board **open;	/* boards whose archive is open */
	size_t nopen, capopen;
	struct log_ratelimit rl;
	int stop_rc;
	char *stop_cause;
	/* Counters, updated with atomics. */
	struct writer_counters c;
};

#define WRITER_ALIGN(n) (((n) + 7) & ~(size_t)7)
/* Most entries one block can hold. */

static void writer_commit_cb(evutil_socket_t fd, short what, void *arg);

/* Wall clock in ms since the epoch. */
static int64_t
writer_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Bump a counter from either thread. */
static void
writer_count(uint64_t *c, uint64_t n)
{
	__atomic_add_fetch(c, n, __ATOMIC_RELAXED);
}

/* Log a writer error once per rate-limit slot and free cause. */
static void
writer_error(struct writer *w, const char *what, char *cause)
{
	log_warnx_rl(&w->rl, "writer: %s: %s", what,
	    cause != NULL ? cause : "unknown error");
	free(cause);
}

/* Create a writer. */
struct writer *
writer_new(const struct writer_config *cfg, struct store *s, char **cause)
{
	struct writer *w;
	pthread_condattr_t ca;

	w = calloc(1, sizeof(*w));
	if (w == NULL)
		goto fail;
	w->cfg = *cfg;
	w->data_dir = strdup(cfg->data_dir);
	if (w->data_dir == NULL)
		goto fail;
	w->cfg.data_dir = w->data_dir;
	w->store = s;
	if (cfg->base != NULL) {
		w->commit_ev = evtimer_new(cfg->base, writer_commit_cb, w);
		if (w->commit_ev == NULL)
			goto fail;
	}
	w->max_blocks = cfg->queue_bytes / WRITER_BLOCK_BYTES;
	if (w->max_blocks < 4)
		w->max_blocks = 4;
	w->rl = (struct log_ratelimit)LOG_RATELIMIT_INIT;
	pthread_mutex_init(&w->mtx, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	return w;
fail:
	if (cause != NULL)
		*cause = strdup("out of memory");
	if (w != NULL)
		free(w->data_dir);
	free(w);
	store_close(s, NULL);
	return NULL;
}

static void writer_handover(struct writer *w, bool wake);

/* The commit timer: look again whether the block is worth handing over. */
static void
writer_commit_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	writer_commit(arg);
}

/* Take a block from the free list or allocate one under the bound. */
static struct writer_block *
writer_block_get(struct writer *w)
{
	struct writer_block *b = NULL;
	bool grow = false;

	pthread_mutex_lock(&w->mtx);
	if (w->free_list != NULL) {
		b = w->free_list;
		w->free_list = b->next;
		w->nfree--;
	} else if (w->nblocks < w->max_blocks) {
		w->nblocks++;
		grow = true;
	}
	pthread_mutex_unlock(&w->mtx);
	if (grow) {
		b = malloc(sizeof(*b));
		if (b == NULL) {
			pthread_mutex_lock(&w->mtx);
			w->nblocks--;
			pthread_mutex_unlock(&w->mtx);
			return NULL;
		}
		writer_count(&w->c.blocks, 1);
	}
	if (b != NULL) {
		b->next = NULL;
		b->used = 0;
	}
	return b;
}

/* Reserve an entry with len bytes of data in the current block. */
static struct writer_entry *
writer_reserve(struct writer *w, enum writer_op op, struct writer_board *wb,
    size_t len)
{
	size_t size = WRITER_ALIGN(sizeof(struct writer_entry) + len);
	struct writer_entry *e;

	if (size > WRITER_BLOCK_BYTES)
		return NULL;
	if (w->cur != NULL && w->cur->used + size > WRITER_BLOCK_BYTES)
		writer_handover(w, true);
	if (w->cur == NULL)
		w->cur = writer_block_get(w);
	if (w->cur == NULL) {
		writer_count(&w->c.queue_full, 1);
		return NULL;
	}
	e = (struct writer_entry *)(w->cur->data + w->cur->used);
	w->cur->used += size;
	e->size = (uint32_t)size;
	e->op = (uint16_t)op;
	e->wb = wb;
	return e;
}

/* Coarse monotonic ms: a vDSO read, cheap enough for every hand-over. */
static int64_t
writer_coarse_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Link the current block into the queue. Waking the thread costs a futex
 * call and a context switch on each side; under load that was a tenth of
 * the event loop, so a partial block wakes it at most once per
 * WRITER_WAKE_MS and otherwise waits for the thread's own WRITER_TICK_MS
 * poll. A full block, or wake, signals at once.
 */
static void
writer_handover(struct writer *w, bool wake)
{
	struct writer_block *b = w->cur;
	int64_t now;

	if (w->commit_ev != NULL)
		evtimer_del(w->commit_ev);
	if (b == NULL || b->used == 0)
		return;
	if (!wake) {
		now = writer_coarse_ms();
		wake = now - w->woke_ms >= WRITER_WAKE_MS;
		if (wake)
			w->woke_ms = now;
	}
	w->cur = NULL;
	pthread_mutex_lock(&w->mtx);
	if (w->q_tail != NULL)
		w->q_tail->next = b;
	else
		w->q_head = b;
	w->q_tail = b;
	w->nqueued++;
	if (wake)
		pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->mtx);
}

/* Hand the current block to the thread now, and wake it. */
void
writer_commit_now(struct writer *w)
{
	writer_handover(w, true);
}

/*
 * Hand the current block over when that is worth a block: the thread is
 * idle (so latency matters) or the block is half full. Otherwise keep
 * filling it and look again within WRITER_COMMIT_MS (a timer), so a busy
 * thread gets few, full blocks.
 */
void
writer_commit(struct writer *w)
{
	struct timeval tv = {0, WRITER_COMMIT_MS * 1000};

	if (w->cur == NULL || w->cur->used == 0)
		return;
	if (w->commit_ev == NULL || w->cur->used >= WRITER_BLOCK_BYTES / 2) {
		writer_handover(w, true);
		return;
	}
	if (__atomic_load_n(&w->nqueued, __ATOMIC_RELAXED) == 0) {
		writer_handover(w, false);
		return;
	}
	if (!evtimer_pending(w->commit_ev, NULL))
		evtimer_add(w->commit_ev, &tv);
}

/* Copy an optional string into entry data; returns its length or -1. */
static int32_t
writer_put_str(char *dst, const char *s, size_t len)
{
	if (s == NULL)
		return -1;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return (int32_t)len;
}

/* Queue a board registration or rename. */
int
writer_board(struct writer *w, struct writer_board *wb, const char *name,
    const char *address)
{
	size_t nl = strlen(name), al = strlen(address);
	struct writer_entry *e;

	e = writer_reserve(w, WRITER_OP_BOARD, wb, nl + al + 2);
	if (e == NULL)
		return -1;
	e->u.board.name_len = (uint32_t)nl;
	e->u.board.addr_len = (uint32_t)al;
	writer_put_str(e->data, name, nl);
	writer_put_str(e->data + nl + 1, address, al);
	return 0;
}

/* Queue a boot start. */
int
writer_boot(struct writer *w, struct writer_board *wb,
    enum writer_boot_mode mode, int64_t start_ms)
{
	struct writer_entry *e;

	e = writer_reserve(w, WRITER_OP_BOOT, wb, 0);
	if (e == NULL)
		return -1;
	e->u.boot.mode = mode;
	e->u.boot.start_ms = start_ms;
	return 0;
}

/* Queue the kernel of the current boot. */
int
writer_kernel(struct writer *w, struct writer_board *wb, const char *release,
    const char *version_line, size_t version_len)
{
	size_t rl = release != NULL ? strlen(release) : 0;
	struct writer_entry *e;

	if (version_line == NULL)
		version_len = 0;
	e = writer_reserve(w, WRITER_OP_KERNEL, wb, rl + version_len + 2);
	if (e == NULL)
		return -1;
	e->u.kernel.rel_len = writer_put_str(e->data, release, rl);
	e->u.kernel.ver_len = writer_put_str(e->data + rl + 1, version_line,
	    version_len);
	return 0;
}

/* Queue one line, within the board's share. */
int
writer_line(struct writer *w, struct writer_board *wb,
    const struct archive_line *line)
{
	size_t size = WRITER_ALIGN(sizeof(struct writer_entry) + line->len);
	struct writer_entry *e;
	uint64_t queued;

	queued = __atomic_load_n(&wb->queued, __ATOMIC_RELAXED);
	if (queued + size > w->cfg.source_bytes) {
		writer_count(&w->c.source_full, 1);
		return WRITER_FULL_SHARE;
	}
	e = writer_reserve(w, WRITER_OP_LINE, wb, line->len);
	if (e == NULL)
		return WRITER_FULL_QUEUE;
	__atomic_add_fetch(&wb->queued, e->size, __ATOMIC_RELAXED);
	e->u.line.recv_ms = line->recv_ms;
	e->u.line.ktime_us = line->ktime_us;
	e->u.line.seq = line->seq;
	e->u.line.lineno = line->lineno;
	e->u.line.level = line->level;
	e->u.line.len = (uint32_t)line->len;
	memcpy(e->u.line.caller, line->caller, sizeof(e->u.line.caller));
	e->u.line.caller[ARCHIVE_CALLER_MAX] = '\0';
	memcpy(e->data, line->text, line->len);
	return 0;
}

/* Queue a report (ownership moves to the writer). */
int
writer_report(struct writer *w, struct writer_board *wb, struct kr_report *r)
{
	struct writer_entry *e;

	e = writer_reserve(w, WRITER_OP_REPORT, wb, 0);
	if (e == NULL) {
		kr_report_free(r);
		return -1;
	}
	e->u.report = r;
	return 0;
}

/* Queue transport counters of a boot. */
int
writer_counts(struct writer *w, struct writer_board *wb,
    const struct store_counts *delta, int64_t last_seen_ms)
{
	struct writer_entry *e;

	e = writer_reserve(w, WRITER_OP_COUNTS, wb, 0);
	if (e == NULL)
		return -1;
	e->u.counts.d = *delta;
	e->u.counts.last_seen_ms = last_seen_ms;
	return 0;
}

/* Queue a collector counter. */
int
writer_stat(struct writer *w, const char *name, int64_t value, bool gauge,
    int64_t now_ms)
{
	struct writer_entry *e;

	e = writer_reserve(w, WRITER_OP_STAT, NULL, 0);
	if (e == NULL)
		return -1;
	e->u.stat.name = name;
	e->u.stat.value = value;
	e->u.stat.gauge = gauge;
	e->u.stat.now_ms = now_ms;
	return 0;
}

/* strlen, or 0 for NULL. */
static size_t
writer_strlen(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

/* Queue a step declaration of the current boot. */
int
writer_step_mark(struct writer *w, struct writer_board *wb,
    const struct writer_mark *m)
{
	size_t pl = writer_strlen(m->plan), sl = writer_strlen(m->step);
	size_t xl = writer_strlen(m->patch);
	struct writer_entry *e;
	char *d;

	e = writer_reserve(w, WRITER_OP_MARK, wb, pl + sl + xl + 3);
	if (e == NULL)
		return -1;
	e->u.mark.source = m->source;
	e->u.mark.at_ms = m->at_ms;
	e->u.mark.lineno = m->lineno;
	d = e->data;
	e->u.mark.plan_len = writer_put_str(d, m->plan, pl);
	d += pl + 1;
	e->u.mark.step_len = writer_put_str(d, m->step, sl);
	d += sl + 1;
	e->u.mark.patch_len = writer_put_str(d, m->patch, xl);
	return 0;
}

/* Queue how the current boot ends. */
int
writer_end_state(struct writer *w, struct writer_board *wb,
    const char *state, int64_t at_ms)
{
	struct writer_entry *e;

	e = writer_reserve(w, WRITER_OP_END_STATE, wb, 0);
	if (e == NULL)
		return -1;
	e->u.end.state = state;
	e->u.end.at_ms = at_ms;
	return 0;
}

/* Read the counters. */
void
writer_counters(struct writer *w, struct writer_counters *out)
{
	const uint64_t *src = (const uint64_t *)&w->c;
	uint64_t *dst = (uint64_t *)out;
	size_t i;

	for (i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

/* ---- writer thread ---------------------------------------------------- */

/* Remember that wb has an open archive (for flushes and idle close). */
static void
writer_open_add(struct writer *w, struct writer_board *wb)
{
	struct writer_board **n;
	size_t i;

	for (i = 0; i < w->nopen; i++)
		if (w->open[i] == wb)
			return;
	if (w->nopen == w->capopen) {
		n = reallocarray(w->open, w->capopen ? w->capopen * 2 : 16,
		    sizeof(*n));
		if (n == NULL)
			return; /* flushed at close time only */
		w->open = n;
		w->capopen = w->capopen ? w->capopen * 2 : 16;
	}
	w->open[w->nopen++] = wb;
}

/*
 * The archive of wb reached the file: count its lines in the store now,
 * so that after a crash the database never counts a line the archive
 * cannot show (and one store call covers many lines).
 */
static void
writer_count_flushed(struct writer *w, struct writer_board *wb)
{
	char *cause = NULL;

	if (wb->unflushed.lines == 0 || wb->boot_id == 0)
		return;
	if (store_boot_count(w->store, wb->boot_id, &wb->unflushed,
	    wb->unflushed_seen_ms, &cause) == -1) {
		writer_count(&w->c.store_errors, 1);
		writer_error(w, wb->name, cause);
	}
	memset(&wb->unflushed, 0, sizeof(wb->unflushed));
}

/* Close the archive of wb. */
static void
writer_archive_close(struct writer *w, struct writer_board *wb)
{
	char *cause = NULL;
	size_t i;

	if (wb->aw == NULL)
		return;
	if (archive_writer_close(wb->aw, &cause) == -1)
		writer_error(w, wb->name, cause);
	writer_count_flushed(w, wb);
	wb->aw = NULL;
	for (i = 0; i < w->nopen; i++) {
		if (w->open[i] == wb) {
			w->open[i] = w->open[--w->nopen];
			break;
		}
	}
}

/* Open the archive of the current boot of wb. */
static int
writer_archive_open(struct writer *w, struct writer_board *wb)
{
	char *cause = NULL;

	if (wb->aw != NULL)
		return 0;
	wb->aw = archive_writer_open(w->data_dir, wb->name, wb->boot_id,
	    &cause);
	if (wb->aw == NULL) {
		writer_error(w, wb->name, cause);
		return -1;
	}
	wb->last_ms = store_clock_ms();
	writer_open_add(w, wb);
	return 0;
}

/* Register or rename a board. */
static void
writer_do_board(struct writer *w, struct writer_entry *e, int64_t wall)
{
	struct writer_board *wb = e->wb;
	const char *name = e->data;
	const char *addr = e->data + e->u.board.name_len + 1;
	char *cause = NULL;

	if (wb->name != NULL && strcmp(wb->name, name) != 0) {
		writer_archive_close(w, wb);
		wb->boot_id = 0;
	}
	if (wb->name == NULL || strcmp(wb->name, name) != 0) {
		free(wb->name);
		wb->name = strdup(name);
		if (wb->name == NULL) {
			wb->board_id = 0;
			writer_error(w, name, strdup("out of memory"));
			return;
		}
	}
	if (store_board_upsert(w->store, name, addr, wall, &wb->board_id,
	    &cause) == -1) {
		wb->board_id = 0;
		writer_count(&w->c.store_errors, 1);
		writer_error(w, name, cause);
	}
}

/* The open boot of wb: this run's, else the database's latest open one. */
static int64_t
writer_open_boot(struct writer *w, struct writer_board *wb)
{
	int64_t boot_id = 0, end_ms = -1;
	char *cause = NULL;

	if (wb->boot_id != 0)
		return wb->boot_id;
	if (store_board_last_boot(w->store, wb->board_id, &boot_id, &end_ms,
	    &cause) == -1) {
		writer_count(&w->c.store_errors, 1);
		writer_error(w, wb->name, cause);
		return 0;
	}
	return end_ms == -1 ? boot_id : 0;
}

/* Begin a new boot row for wb at start_ms. */
static int
writer_boot_begin(struct writer *w, struct writer_board *wb, int64_t start_ms)
{
	char *cause = NULL;

	if (store_boot_begin(w->store, wb->board_id, start_ms, &wb->boot_id,
	    &cause) == -1) {
		wb->boot_id = 0;
		goto fail;
	}
	if (writer_archive_open(w, wb) == -1)
		return -1;
	if (store_boot_set_archive(w->store, wb->boot_id,
	    archive_writer_relpath(wb->aw), &cause) == -1)
		goto fail;
	return 0;
fail:
	writer_count(&w->c.store_errors, 1);
	writer_error(w, wb->name, cause);
	return -1;
}

/* Start or resume a boot. */
static void
writer_do_boot(struct writer *w, struct writer_entry *e)
{
	struct writer_board *wb = e->wb;
	int64_t prev;
	char *cause = NULL;

	wb->failed = true;
	wb->segment_lines = 0;
	wb->base = 0;
	if (wb->board_id == 0)
		return;
	prev = writer_open_boot(w, wb);
	if (e->u.boot.mode == WRITER_BOOT_RESUME && prev != 0) {
		wb->boot_id = prev;
	} else {
		writer_archive_close(w, wb);
		if (prev != 0 && store_boot_end(w->store, prev,
		    e->u.boot.start_ms, "reboot", &cause) == -1) {
			writer_count(&w->c.store_errors, 1);
			writer_error(w, wb->name, cause);
		}
		if (writer_boot_begin(w, wb, e->u.boot.start_ms) == -1)
			return;
	}
	if (writer_archive_open(w, wb) == -1)
		return;
	wb->base = archive_writer_lines(wb->aw);
	wb->failed = false;
	log_debug("board %s: boot %lld %s at archive line %llu", wb->name,
	    (long long)wb->boot_id, prev == wb->boot_id ? "resumed" : "begun",
	    (unsigned long long)wb->base);
}

/* Record the kernel of the current boot. */
static void
writer_do_kernel(struct writer *w, struct writer_entry *e)
{
	struct writer_board *wb = e->wb;
	const char *rel = e->u.kernel.rel_len >= 0 ? e->data : NULL;
	size_t off = e->u.kernel.rel_len >= 0 ? (size_t)e->u.kernel.rel_len : 0;
	const char *ver = e->u.kernel.ver_len >= 0 ? e->data + off + 1 : NULL;
	char *cause = NULL;

	if (wb->boot_id == 0)
		return;
	if (store_boot_set_kernel(w->store, wb->boot_id, rel, ver,
	    &cause) == -1) {
		writer_count(&w->c.store_errors, 1);
		writer_error(w, wb->name, cause);
	}
}

/* Archive one line. */
static void
writer_do_line(struct writer *w, struct writer_entry *e, int64_t now)
{
	struct writer_board *wb = e->wb;
	struct archive_line l;
	uint64_t lineno = 0;
	char *cause = NULL;

	__atomic_sub_fetch(&wb->queued, e->size, __ATOMIC_RELAXED);
	if (wb->failed || wb->boot_id == 0 || writer_archive_open(w, wb) == -1)
		goto fail;
	memset(&l, 0, sizeof(l));
	l.recv_ms = e->u.line.recv_ms;
	l.ktime_us = e->u.line.ktime_us;
	l.seq = e->u.line.seq;
	l.level = e->u.line.level;
	memcpy(l.caller, e->u.line.caller, sizeof(l.caller));
	l.text = e->data;
	l.len = e->u.line.len;
	if (archive_writer_append(wb->aw, &l, &lineno, &cause) == -1) {
		writer_error(w, wb->name, cause);
		goto fail;
	}
	if (lineno != wb->base + e->u.line.lineno)
		log_warnx_rl(&w->rl, "board %s: archive line %llu but the "
		    "parser counted %llu", wb->name,
		    (unsigned long long)lineno,
		    (unsigned long long)(wb->base + e->u.line.lineno));
	wb->segment_lines++;
	wb->last_ms = now;
	writer_count(&w->c.lines_archived, 1);
	wb->unflushed.lines++;
	wb->unflushed.bytes += (int64_t)l.len;
	wb->unflushed_seen_ms = l.recv_ms;
	return;
fail:
	writer_count(&w->c.archive_errors, 1);
}

/* Store one report: its lines reach the archive file first. */
static void
writer_do_report(struct writer *w, struct writer_entry *e)
{
	struct writer_board *wb = e->wb;
	struct kr_report *r = e->u.report;
	char *cause = NULL;

	if (wb->board_id == 0)
		goto out;
	if (wb->aw != NULL && archive_writer_flush(wb->aw, &cause) == -1)
		writer_error(w, wb->name, cause);
	else
		writer_count_flushed(w, wb);
	cause = NULL;
	r->first_line += wb->base;
	r->last_line += wb->base;
	if (store_report_add(w->store, wb->board_id, wb->boot_id,
	    STORE_SOURCE_NETCONSOLE, r, NULL, &cause) == -1) {
		writer_count(&w->c.store_errors, 1);
		writer_error(w, wb->name, cause);
		goto out;
	}
	writer_count(&w->c.reports_stored, 1);
	w->report_due = true;
out:
	kr_report_free(r);
}

/* Apply counters. */
static void
writer_do_counts(struct writer *w, struct writer_entry *e)
{
	struct writer_board *wb = e->wb;
	char *cause = NULL;

	if (wb->boot_id == 0)
		return;
	if (store_boot_count(w->store, wb->boot_id, &e->u.counts.d,
	    e->u.counts.last_seen_ms, &cause) == -1) {
		writer_count(&w->c.store_errors, 1);
		writer_error(w, wb->name, cause);
	}
}

/* The string at *d of len bytes (-1: NULL); moves *d past it. */
static const char *
writer_get_str(const char **d, int32_t len)
{
	const char *s = *d;

	if (len < 0) {
		*d += 1;
		return NULL;
	}
	*d += (size_t)len + 1;
	return s;
}

/*
 * Record a step declaration. A line marker was queued after its line,
 * so the segment line number maps to the archive line the same way as a
 * report's refs (base + segment line).
 */
static void
writer_do_mark(struct writer *w, struct writer_entry *e)
{
	struct writer_board *wb = e->wb;
	const char *d = e->data, *plan, *step, *patch;
	int64_t line = 0;
	char *cause = NULL;

	if (wb->failed || wb->boot_id == 0)
		return;
	plan = writer_get_str(&d, e->u.mark.plan_len);
	step = writer_get_str(&d, e->u.mark.step_len);
	patch = writer_get_str(&d, e->u.mark.patch_len);
	if (e->u.mark.lineno != 0)
		line = (int64_t)(wb->base + e->u.mark.lineno);
	if (store_step_mark(w->store, wb->boot_id, e->u.mark.source, plan,
	    step, patch, e->u.mark.at_ms, line, &cause) == -1) {
		writer_count(&w->c.store_errors, 1);
		writer_error(w, wb->name, cause);
	}
}

/* Record how the current boot ends. */
static void
writer_do_end_state(struct writer *w, struct writer_entry *e)
{
	struct writer_board *wb = e->wb;
	char *cause = NULL;

	if (wb->failed || wb->boot_id == 0)
		return;
	if (store_boot_set_end_state(w->store, wb->boot_id, e->u.end.state,
	    e->u.end.at_ms, &cause) == -1) {
		writer_count(&w->c.store_errors, 1);
		writer_error(w, wb->name, cause);
	}
}

/* Apply a collector counter. */
static void
writer_do_stat(struct writer *w, struct writer_entry *e)
{
	char *cause = NULL;
	int rc;

	if (e->u.stat.gauge)
		rc = store_stat_set(w->store, e->u.stat.name, e->u.stat.value,
		    e->u.stat.now_ms, &cause);
	else
		rc = store_stat_add(w->store, e->u.stat.name, e->u.stat.value,
		    e->u.stat.now_ms, &cause);
	if (rc == -1) {
		writer_count(&w->c.store_errors, 1);
		writer_error(w, e->u.stat.name, cause);
	}
}

/* Do one entry. */
static void
writer_do(struct writer *w, struct writer_entry *e, int64_t now, int64_t wall)
{
	switch (e->op) {
	case WRITER_OP_BOARD: writer_do_board(w, e, wall); break;
	case WRITER_OP_BOOT: writer_do_boot(w, e); break;
	case WRITER_OP_KERNEL: writer_do_kernel(w, e); break;
	case WRITER_OP_LINE: writer_do_line(w, e, now); break;
	case WRITER_OP_REPORT: writer_do_report(w, e); break;
	case WRITER_OP_COUNTS: writer_do_counts(w, e); break;
	case WRITER_OP_STAT: writer_do_stat(w, e); break;
	case WRITER_OP_MARK: writer_do_mark(w, e); break;
	case WRITER_OP_END_STATE: writer_do_end_state(w, e); break;
	}
}

/*
 * Do the work of one block, in queue order (a line before the report
 * that covers it). Lines only append to their archive's staging buffer,
 * so taking boards in turn costs nothing in cache (it did with one zlib
 * stream per board, when the entries were sorted by board first).
 */
static void
writer_process(struct writer *w, struct writer_block *b)
{
	struct writer_entry *e;
	int64_t now = store_clock_ms(), wall = writer_wall_ms();
	size_t off;

	for (off = 0; off < b->used; off += e->size) {
		e = (struct writer_entry *)(b->data + off);
		writer_do(w, e, now, wall);
	}
}

/* Flush the archive of wb when its oldest unflushed line is due. */
static void
writer_archive_flush(struct writer *w, struct writer_board *wb, int64_t now)
{
	int64_t due = archive_writer_next_deadline(wb->aw);
	char *cause = NULL;

	if (due == -1 || now < due - ARCHIVE_FLUSH_MS + w->cfg.archive_flush_ms)
		return;
	if (archive_writer_flush(wb->aw, &cause) == -1) {
		writer_error(w, wb->name, cause);
		return;
	}
	writer_count_flushed(w, wb);
}

/* Flush archives and the store when due; close idle archives. */
static void
writer_tick(struct writer *w, int64_t now)
{
	struct writer_board *wb;
	int64_t due = store_next_deadline(w->store), period;
	char *cause = NULL;
	size_t i;

	for (i = 0; i < w->nopen; i++) {
		wb = w->open[i];
		writer_archive_flush(w, wb, now);
		if (now - wb->last_ms >= WRITER_IDLE_CLOSE_MS) {
			writer_archive_close(w, wb);
			i--; /* the last entry moved here */
		}
	}
	due = store_next_deadline(w->store);
	if (due == -1) {
		w->report_due = false;
		return;
	}
	/* a report is what a user waits for: commit its batch sooner */
	period = w->cfg.db_batch_ms;
	if (w->report_due && period > WRITER_REPORT_COMMIT_MS)
		period = WRITER_REPORT_COMMIT_MS;
	if (now < due - STORE_BATCH_MS + period)
		return;
	if (store_flush(w->store, &cause) == -1) {
		writer_count(&w->c.store_errors, 1);
		writer_error(w, "database commit", cause);
		return;
	}
	w->report_due = false;
}

/* Wait for queued blocks; NULL when stopping with nothing left. */
static struct writer_block *
writer_wait(struct writer *w, bool *stop)
{
	struct writer_block *list;
	struct timespec ts;

	pthread_mutex_lock(&w->mtx);
	if (w->q_head == NULL && !w->stopping) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += WRITER_TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&w->cond, &w->mtx, &ts);
	}
	list = w->q_head;
	w->q_head = w->q_tail = NULL;
	w->nqueued = 0;
	*stop = w->stopping && list == NULL;
	pthread_mutex_unlock(&w->mtx);
	return list;
}

/*
 * Put processed blocks back on the free list, keeping at most
 * WRITER_FREE_KEEP there: the rest is freed so a burst does not pin its
 * memory (blocks are big enough for malloc to return them to the system).
 */
static void
writer_release(struct writer *w, struct writer_block *list)
{
	struct writer_block *next;

	for (; list != NULL; list = next) {
		next = list->next;
		pthread_mutex_lock(&w->mtx);
		if (w->nfree < WRITER_FREE_KEEP) {
			list->next = w->free_list;
			w->free_list = list;
			w->nfree++;
			list = NULL;
		} else {
			w->nblocks--;
		}
		pthread_mutex_unlock(&w->mtx);
		free(list);
	}
}

/* Close every archive and the store. */
static void
writer_finish(struct writer *w)
{
	char *cause = NULL;

	while (w->nopen > 0)
		writer_archive_close(w, w->open[w->nopen - 1]);
	if (store_close(w->store, &cause) == -1) {
		w->stop_rc = -1;
		w->stop_cause = cause;
	}
	w->store = NULL;
}

/* The thread: drain, process, tick, until stopped and empty. */
static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	struct writer_block *list, *b;
	bool stop = false;

	while (!stop) {
		list = writer_wait(w, &stop);
		for (b = list; b != NULL; b = b->next)
			writer_process(w, b);
		if (list != NULL)
			writer_release(w, list);
		writer_tick(w, store_clock_ms());
	}
	writer_finish(w);
	return NULL;
}

/* Start the thread. */
int
writer_start(struct writer *w, char **cause)
{
	int rc;

	rc = pthread_create(&w->thread, NULL, writer_main, w);
	if (rc != 0) {
		if (cause != NULL && asprintf(cause, "pthread_create: %s",
		    strerror(rc)) == -1)
			*cause = NULL;
		return -1;
	}
	w->started = true;
	return 0;
}

/* Drain, close and join. */
int
writer_stop(struct writer *w, char **cause)
{
	if (w->joined)
		return 0;
	writer_commit_now(w);
	pthread_mutex_lock(&w->mtx);
	w->stopping = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->mtx);
	if (w->started) {
		pthread_join(w->thread, NULL);
	} else {
		store_close(w->store, NULL);
		w->store = NULL;
	}
	w->joined = true;
	if (w->stop_rc == -1) {
		if (cause != NULL)
			*cause = w->stop_cause;
		else
			free(w->stop_cause);
		w->stop_cause = NULL;
		return -1;
	}
	return 0;
}

/* Free the reports left in a block that was never processed. */
static void
writer_block_discard(struct writer_block *b)
{
	struct writer_entry *e;
	size_t off;

	for (off = 0; off < b->used; off += e->size) {
		e = (struct writer_entry *)(b->data + off);
		if (e->op == WRITER_OP_REPORT)
			kr_report_free(e->u.report);
	}
}

/* Free a block list. */
static void
writer_blocks_free(struct writer_block *b, bool discard)
{
	struct writer_block *next;

	for (; b != NULL; b = next) {
		next = b->next;
		if (discard)
			writer_block_discard(b);
		free(b);
	}
}

/* Free what the writer thread kept in wb. */
void
writer_board_clear(struct writer_board *wb)
{
	free(wb->name);
	wb->name = NULL;
}

/* Stop and free. */
void
writer_free(struct writer *w)
{
	if (w == NULL)
		return;
	writer_stop(w, NULL);
	writer_blocks_free(w->q_head, true);
	writer_blocks_free(w->free_list, false);
	if (w->cur != NULL)
		writer_blocks_free(w->cur, true);
	if (w->commit_ev != NULL)
		event_free(w->commit_ev);
	free(w->open);
	free(w->stop_cause);
	free(w->data_dir);
	pthread_mutex_destroy(&w->mtx);
	pthread_cond_destroy(&w->cond);
	free(w);
}
