/* SPDX-License-Identifier: MIT */
/*
 * collect.c -- the kcatch collect daemon: startup, the event loop and
 * shutdown. Owns the event_base, the listeners, the signal and stats
 * events, the board table and the writer. Callbacks only read, hand the
 * datagrams to board_input and hand the queued work to the writer.
 */
#include <errno.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board.h"
#include "collect.h"
#include "conf.h"
#include "log.h"
#include "store.h"
#include "tailsrv.h"
#include "udp.h"
#include "writer.h"

/* Batches read per readable event before other events get a turn. */
#define COLLECT_READ_ROUNDS 16

struct collect;

/* One UDP listener and its read event. */
struct collect_listener {
	struct collect *c;
	struct udp_sock sock;
	struct event *ev;	     /* owned */
};

/* Collector-wide counters written to the database. */
enum collect_stat {
	CS_PACKETS,
	CS_BYTES,
	CS_LINES,
	CS_MALFORMED,
	CS_SOCKET_DROPS,
	CS_LIMIT_DROPS,
	CS_QUEUE_DROPS,
	CS_UNKNOWN_DROPS,
	CS_FRAGMENTS_PENDING,
	CS_FRAGMENTS_EXPIRED,
	CS_FRAGMENTS_EVICTED,
	CS_REPORTS,
	CS_DUPLICATES,
	CS_LOST,
	CS_BOOTS,
	CS_BOARDS_ACTIVE,
	CS_ARCHIVE_ERRORS,
	CS_STORE_ERRORS,
	CS_TAIL_CLIENTS,
	CS_TAIL_DROPS,
	CS_BAD_MARKERS,
	CS__COUNT
};

/* Name (a store_stat name, so `kcatch status` shows it) and kind. */
static const struct {
	const char *name;
	bool gauge;		     /* current value, not a running total */
} collect_stats[CS__COUNT] = {
	[CS_PACKETS] = {"packets", false},
	[CS_BYTES] = {"bytes", false},
	[CS_LINES] = {"lines", false},
	[CS_MALFORMED] = {"malformed", false},
	[CS_SOCKET_DROPS] = {"socket_drops", false},
	[CS_LIMIT_DROPS] = {"limit_drops", false},
	[CS_QUEUE_DROPS] = {"queue_drops", false},
	[CS_UNKNOWN_DROPS] = {"unknown_drops", false},
	[CS_FRAGMENTS_PENDING] = {"fragments_pending", true},
	[CS_FRAGMENTS_EXPIRED] = {"fragments_expired", false},
	[CS_FRAGMENTS_EVICTED] = {"fragments_evicted", false},
	[CS_REPORTS] = {"reports", false},
	[CS_DUPLICATES] = {"duplicates", false},
	[CS_LOST] = {"lost", false},
	[CS_BOOTS] = {"boots", false},
	[CS_BOARDS_ACTIVE] = {"boards_active", true},
	[CS_ARCHIVE_ERRORS] = {"archive_errors", false},
	[CS_STORE_ERRORS] = {"store_errors", false},
	[CS_TAIL_CLIENTS] = {"tail_clients", true},
	[CS_TAIL_DROPS] = {"tail_drops", false},
	[CS_BAD_MARKERS] = {"bad_markers", false},
};

struct collect {
	struct event_base *base;	     /* owned */
	struct conf *conf;		     /* owned; boards swapped on HUP */
	char *data_dir;			     /* owned */
	int lock_fd;			     /* collect.lock, -1 none */
	struct collect_listener ls[CONF_LISTEN_MAX];
	size_t nls;
	struct udp_batch *batch;	     /* owned, shared by listeners */
	struct board_table *boards;	     /* owned */
	struct writer *writer;		     /* owned */
	struct tailsrv *tail;		     /* owned; NULL: no live feed */
	struct event *ev_int, *ev_term, *ev_hup, *ev_stats; /* owned */
	uint64_t sent[CS__COUNT];	     /* values already written */
	bool sent_once;			     /* gauges written at least once */
	struct log_ratelimit rl;
	bool stopping;
};

/* Current value of every counter. */
static void
collect_values(struct collect *c, uint64_t v[CS__COUNT])
{
	struct board_totals t;
	struct writer_counters wc;
	struct tailsrv_counters tc;
	size_t i;

	board_table_totals(c->boards, &t);
	writer_counters(c->writer, &wc);
	tailsrv_counters(c->tail, &tc);
	memset(v, 0, sizeof(uint64_t) * CS__COUNT);
	v[CS_PACKETS] = t.c.packets + t.unknown_drops + t.full_drops;
	v[CS_BYTES] = t.c.bytes;
	v[CS_LINES] = t.c.lines;
	v[CS_MALFORMED] = t.nc.malformed + t.c.oversize;
	for (i = 0; i < c->nls; i++)
		v[CS_SOCKET_DROPS] += c->ls[i].sock.drops;
	v[CS_LIMIT_DROPS] = t.c.rate_drops + t.c.share_drops;
	v[CS_QUEUE_DROPS] = t.c.queue_drops;
	v[CS_UNKNOWN_DROPS] = t.unknown_drops + t.full_drops;
	v[CS_FRAGMENTS_PENDING] = t.nc.frags_pending;
	v[CS_FRAGMENTS_EXPIRED] = t.nc.frags_expired;
	v[CS_FRAGMENTS_EVICTED] = t.nc.frags_evicted;
	v[CS_REPORTS] = t.c.reports;
	v[CS_DUPLICATES] = t.nc.duplicates;
	v[CS_LOST] = t.nc.gaps;
	v[CS_BOOTS] = t.c.boots;
	v[CS_BOARDS_ACTIVE] = t.boards;
	v[CS_ARCHIVE_ERRORS] = wc.archive_errors;
	v[CS_STORE_ERRORS] = wc.store_errors;
	v[CS_TAIL_CLIENTS] = tc.clients;
	v[CS_TAIL_DROPS] = tc.drops;
	v[CS_BAD_MARKERS] = t.c.bad_markers;
}

/* Queue the counters that changed: totals as deltas, gauges as values. */
static void
collect_stats_send(struct collect *c)
{
	uint64_t v[CS__COUNT];
	int64_t now = log_wall_ms(), value;
	size_t i;

	board_table_counts(c->boards);
	collect_values(c, v);
	for (i = 0; i < CS__COUNT; i++) {
		if (v[i] == c->sent[i] && c->sent_once)
			continue;
		value = collect_stats[i].gauge ? (int64_t)v[i] :
		    (int64_t)(v[i] - c->sent[i]);
		if (writer_stat(c->writer, collect_stats[i].name, value,
		    collect_stats[i].gauge, now) == 0)
			c->sent[i] = v[i];
	}
	c->sent_once = true;
	writer_commit(c->writer);
}

/* Log the counters of this run. */
static void
collect_stats_log(struct collect *c)
{
	uint64_t v[CS__COUNT];
	char buf[1024];
	size_t i, off = 0;

	collect_values(c, v);
	for (i = 0; i < CS__COUNT && off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s %"
		    PRIu64, i ? ", " : "", collect_stats[i].name, v[i]);
	log_info("counters: %s", buf);
}

/* Periodic: counters to the database. */
static void
collect_stats_cb(evutil_socket_t fd, short what, void *arg)
{
	struct collect *c = arg;

	(void)fd;
	(void)what;
	board_table_clock(c->boards, log_now_ms(), log_wall_ms());
	collect_stats_send(c);
}

/* A listener is readable: drain it in batches, hand each datagram on. */
static void
collect_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct collect_listener *l = arg;
	struct collect *c = l->c;
	const unsigned char *p;
	const struct sockaddr *sa;
	socklen_t salen;
	size_t len;
	bool trunc;
	int n = 0, round;
	unsigned i;

	(void)fd;
	(void)what;
	board_table_clock(c->boards, log_now_ms(), log_wall_ms());
	for (round = 0; round < COLLECT_READ_ROUNDS; round++) {
		n = udp_recv(&l->sock, c->batch);
		for (i = 0; i < (unsigned)(n > 0 ? n : 0); i++) {
			p = udp_batch_data(c->batch, i, &len, &trunc);
			sa = udp_batch_addr(c->batch, i, &salen);
			board_input(c->boards, sa, salen, p, len, trunc);
		}
		if (n < (int)c->batch->cap)
			break;
	}
	if (n == -1)
		log_warn_rl(&c->rl, "listener %s: recvmmsg", l->sock.spec);
	board_table_rearm(c->boards);
	writer_commit(c->writer);
}

/* SIGINT/SIGTERM: stop reading, flush every board, let the loop end. */
static void
collect_stop_cb(evutil_socket_t sig, short what, void *arg)
{
	struct collect *c = arg;
	size_t i;

	(void)what;
	if (c->stopping)
		return;
	c->stopping = true;
	log_info("%s: shutting down", strsignal(sig));
	for (i = 0; i < c->nls; i++)
		event_del(c->ls[i].ev);
	board_table_clock(c->boards, log_now_ms(), log_wall_ms());
	board_table_flush(c->boards);
	collect_stats_send(c);
	writer_commit_now(c->writer);
	event_del(c->ev_stats);
	event_base_loopexit(c->base, NULL);
}

/*
 * Take the board list and log file of a reloaded config; other settings
 * (listeners, data dir, limits) need a restart. nc gets the old ones.
 */
static void
collect_conf_swap(struct collect *c, struct conf *nc)
{
	struct conf_board *boards = c->conf->boards;
	size_t nboards = c->conf->nboards;
	char *log_file = c->conf->log_file;

	c->conf->boards = nc->boards;
	c->conf->nboards = nc->nboards;
	c->conf->log_file = nc->log_file;
	nc->boards = boards;
	nc->nboards = nboards;
	nc->log_file = log_file;
}

/* SIGHUP: reopen the log, reload board names from the config file. */
static void
collect_hup_cb(evutil_socket_t sig, short what, void *arg)
{
	struct collect *c = arg;
	struct conf *nc;
	char *cause = NULL;

	(void)sig;
	(void)what;
	nc = conf_new();
	if (nc == NULL || (c->conf->path != NULL &&
	    conf_load(nc, c->conf->path, &cause) == -1) ||
	    conf_check(nc, &cause) == -1) {
		log_warnx("SIGHUP: configuration kept: %s",
		    cause != NULL ? cause : "out of memory");
		free(cause);
		conf_free(nc);
		return;
	}
	collect_conf_swap(c, nc);
	conf_free(nc);
	if (log_set_file(c->conf->log_file, &cause) == -1) {
		log_warnx("SIGHUP: log file: %s", cause);
		free(cause);
	}
	board_table_clock(c->boards, log_now_ms(), log_wall_ms());
	board_table_reconf(c->boards, c->conf);
	log_info("SIGHUP: reloaded %zu board names from %s", c->conf->nboards,
	    c->conf->path != NULL ? c->conf->path : "(no file)");
}

/* Route libevent's own messages into our log. */
static void
collect_event_log_cb(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_WARN)
		log_warnx("libevent: %s", msg);
	else
		log_debug("libevent: %s", msg);
}

/* Data directory: the config's, else the store's default. */
static int
collect_data_dir(struct collect *c, char **cause)
{
	if (c->conf->data_dir != NULL)
		c->data_dir = strdup(c->conf->data_dir);
	else
		c->data_dir = store_data_dir_default(cause);
	if (c->data_dir == NULL)
		return -1;
	if (store_mkdirs(c->data_dir, cause) == -1)
		return -1;
	switch (store_lock_collector(c->data_dir, &c->lock_fd, cause)) {
	case 1:
		return 0;
	case 0:
		if (asprintf(cause, "%s: another kcatch collect is running "
		    "on this data directory", c->data_dir) == -1)
			*cause = NULL;
		return -1;
	default:
		return -1;
	}
}

/* Open the store and start the writer thread that will own it. */
static int
collect_open_writer(struct collect *c, char **cause)
{
	struct writer_config wc = {
		.base = c->base,
		.data_dir = c->data_dir,
		.queue_bytes = (size_t)c->conf->queue_size,
		.source_bytes = (size_t)c->conf->source_queue,
		.db_batch_ms = c->conf->db_batch_ms,
		.archive_flush_ms = c->conf->archive_flush_ms,
	};
	struct store *s;

	s = store_open_dir(c->data_dir, 0, cause);
	if (s == NULL)
		return -1;
	c->writer = writer_new(&wc, s, cause);
	if (c->writer == NULL)
		return -1;
	return writer_start(c->writer, cause);
}

/*
 * Open the live feed for `kcatch tail`. Collecting matters more than
 * watching it live, so a failure is logged and the collector goes on.
 */
static void
collect_open_tail(struct collect *c)
{
	struct tailsrv_config tc = {
		.base = c->base,
		.data_dir = c->data_dir,
		.queue_bytes = (size_t)c->conf->tail_queue,
		.max_clients = (size_t)c->conf->tail_clients,
	};
	char *cause = NULL;

	c->tail = tailsrv_new(&tc, &cause);
	if (c->tail == NULL) {
		log_warnx("live feed off, kcatch tail will not connect: %s",
		    cause != NULL ? cause : "out of memory");
		free(cause);
		return;
	}
	log_info("live feed on %s", tailsrv_path(c->tail));
}

/* Bind every listener and add its read event. */
static int
collect_listen(struct collect *c, char **cause)
{
	struct collect_listener *l;
	char name[UDP_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < c->conf->nlisten; i++) {
		l = &c->ls[i];
		l->c = c;
		if (udp_open(&l->sock, c->conf->listen[i],
		    (int)c->conf->rcvbuf, cause) == -1)
			return -1;
		c->nls++;
		l->ev = event_new(c->base, l->sock.fd, EV_READ | EV_PERSIST,
		    collect_read_cb, l);
		if (l->ev == NULL || event_add(l->ev, NULL) == -1)
			return -1;
		log_info("listening on %s (rcvbuf %d%s, drop counting %s)",
		    udp_sock_name(&l->sock, name, sizeof(name)),
		    l->sock.rcvbuf, l->sock.rcvbuf_forced ? ", forced" : "",
		    l->sock.ovfl ? "on" : "off");
	}
	return 0;
}

/* Add a persistent event, failing the startup if it cannot be made. */
static struct event *
collect_event(struct collect *c, evutil_socket_t fd, short what,
    event_callback_fn cb, const struct timeval *tv)
{
	struct event *ev;

	ev = event_new(c->base, fd, what | EV_PERSIST, cb, c);
	if (ev != NULL && event_add(ev, tv) == -1) {
		event_free(ev);
		ev = NULL;
	}
	return ev;
}

/* Signals and the stats timer. */
static int
collect_events(struct collect *c)
{
	struct timeval tv = {.tv_sec = c->conf->stats_ms / 1000,
	    .tv_usec = (c->conf->stats_ms % 1000) * 1000};

	c->ev_int = collect_event(c, SIGINT, EV_SIGNAL, collect_stop_cb, NULL);
	c->ev_term = collect_event(c, SIGTERM, EV_SIGNAL, collect_stop_cb,
	    NULL);
	c->ev_hup = collect_event(c, SIGHUP, EV_SIGNAL, collect_hup_cb, NULL);
	c->ev_stats = collect_event(c, -1, 0, collect_stats_cb, &tv);
	return (c->ev_int && c->ev_term && c->ev_hup && c->ev_stats) ? 0 : -1;
}

/* Build everything; -1 with *cause (may be NULL: out of memory). */
static int
collect_start(struct collect *c, char **cause)
{
	struct board_table_config bc;

	evthread_use_pthreads();
	event_set_log_callback(collect_event_log_cb);
	signal(SIGPIPE, SIG_IGN);
	c->base = event_base_new();
	c->batch = udp_batch_new((unsigned)c->conf->recv_batch);
	if (c->base == NULL || c->batch == NULL)
		return -1;
	if (collect_data_dir(c, cause) == -1 ||
	    collect_open_writer(c, cause) == -1)
		return -1;
	collect_open_tail(c);
	bc = (struct board_table_config){.base = c->base,
	    .writer = c->writer, .tail = c->tail, .conf = c->conf};
	c->boards = board_table_new(&bc, cause);
	if (c->boards == NULL)
		return -1;
	if (collect_listen(c, cause) == -1 || collect_events(c) == -1)
		return -1;
	log_info("collecting into %s, %zu boards configured", c->data_dir,
	    c->conf->nboards);
	return 0;
}

/* Free an event if there is one. */
static void
collect_event_free(struct event *ev)
{
	if (ev != NULL)
		event_free(ev);
}

/* Stop the writer, then free everything in reverse order. */
static int
collect_teardown(struct collect *c)
{
	char *cause = NULL;
	int rc = 0;
	size_t i;

	if (c->writer != NULL && writer_stop(c->writer, &cause) == -1) {
		log_warnx("final database commit: %s", cause ? cause : "?");
		free(cause);
		rc = -1;
	}
	if (c->boards != NULL)
		collect_stats_log(c);
	for (i = 0; i < c->nls; i++) {
		collect_event_free(c->ls[i].ev);
		udp_close(&c->ls[i].sock);
	}
	collect_event_free(c->ev_int);
	collect_event_free(c->ev_term);
	collect_event_free(c->ev_hup);
	collect_event_free(c->ev_stats);
	board_table_free(c->boards);
	tailsrv_free(c->tail);
	writer_free(c->writer);
	udp_batch_free(c->batch);
	if (c->base != NULL)
		event_base_free(c->base);
	if (c->lock_fd != -1)
		close(c->lock_fd);
	free(c->data_dir);
	conf_free(c->conf);
	return rc;
}

/* Run the daemon. */
int
collect_run(struct conf *conf)
{
	struct collect c = {.conf = conf, .lock_fd = -1};
	char *cause = NULL;
	int rc = 0;

	c.rl = (struct log_ratelimit)LOG_RATELIMIT_INIT;
	if (collect_start(&c, &cause) == -1) {
		log_warnx("startup failed: %s", cause != NULL ? cause :
		    (errno != 0 ? strerror(errno) : "out of memory"));
		free(cause);
		collect_teardown(&c);
		return COLLECT_EXIT_STARTUP;
	}
	if (event_base_dispatch(c.base) == -1) {
		log_warnx("event loop failed");
		rc = COLLECT_EXIT_STARTUP;
	}
	if (collect_teardown(&c) == -1)
		rc = COLLECT_EXIT_STARTUP;
	if (rc == 0)
		log_info("stopped");
	return rc;
}
