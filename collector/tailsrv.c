/* SPDX-License-Identifier: MIT */
/*
 * tailsrv.c -- the live feed behind `kcatch tail`. Owns the Unix socket
 * and its listener, every client (bufferevent, subscription, queue) and
 * the encoding of what is published. It never waits on a client: what a
 * client cannot take yet waits in its bounded queue, which drops its
 * oldest messages, so ingest goes on whatever the tails do.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "kreport.h"
#include "log.h"
#include "report_json.h"
#include "tailsrv.h"
#include "termesc.h"

/* Accepting pauses this long after accept() failed (EMFILE, ENOBUFS). */
#define TAILSRV_ACCEPT_PAUSE_MS 1000
/* A refused client that does not read its error is closed after this. */
#define TAILSRV_CLOSE_TIMEOUT_MS 2000
/* Fewest slots of a queue's ring. */
#define TAILSRV_RING_MIN 16

/* One connected `kcatch tail`. */
struct tailsrv_client {
	struct tailsrv *ts;		/* owner */
	struct bufferevent *bev;	/* owned, and through it the fd */
	TAILQ_ENTRY(tailsrv_client) entry;
	bool subscribed;		/* its subscription line was read */
	bool closing;			/* refused: close once written */
	struct tailsrv_sub sub;
	struct tailsrv_queue q;		/* what waits for room in bev */
};

struct tailsrv {
	struct event_base *base;	/* not owned */
	struct evconnlistener *listener; /* owned, and through it the fd */
	struct event *resume;		/* re-enables accepting; owned */
	char *path;			/* socket file, owned */
	bool bound;			/* path is our socket file */
	dev_t dev;			/* ... identified by device */
	ino_t ino;			/* ... and inode */
	size_t queue_bytes;		/* per-client queue bound */
	size_t max_clients;
	TAILQ_HEAD(, tailsrv_client) clients; /* owned */
	size_t nclients;		/* connected */
	size_t nsubscribed;		/* of which subscribed */
	size_t nline_clients;		/* of which asked for lines */
	uint64_t drops;			/* messages dropped, every client */
	struct log_ratelimit rl;	/* client warnings */
};

static void tailsrv_client_lost(struct tailsrv_client *c, const char *why);

/* Set *cause from a format (left NULL when out of memory); returns -1. */
static int
tailsrv_fail(char **cause, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int
tailsrv_fail(char **cause, const char *fmt, ...)
{
	va_list ap;

	if (cause == NULL)
		return -1;
	va_start(ap, fmt);
	if (vasprintf(cause, fmt, ap) == -1)
		*cause = NULL;
	va_end(ap);
	return -1;
}

/* ---- messages ---------------------------------------------------------- */

/* A message with room for cap bytes of data (len 0), one reference. */
static struct tailsrv_msg *
tailsrv_msg_alloc(enum tailsrv_kind kind, int cls, const char *board,
    size_t cap)
{
	struct tailsrv_msg *m;

	if (cap > SIZE_MAX - sizeof(*m))
		return NULL;
	m = malloc(sizeof(*m) + cap);
	if (m == NULL)
		return NULL;
	m->refs = 1;
	m->kind = kind;
	m->cls = cls;
	snprintf(m->board, sizeof(m->board), "%s", board != NULL ? board : "");
	m->len = 0;
	return m;
}

/* A message holding json plus '\n', one reference for the caller. */
struct tailsrv_msg *
tailsrv_msg_new(enum tailsrv_kind kind, int cls, const char *board,
    const char *json, size_t len)
{
	struct tailsrv_msg *m;

	if (len == SIZE_MAX)
		return NULL;
	if ((m = tailsrv_msg_alloc(kind, cls, board, len + 1)) == NULL)
		return NULL;
	memcpy(m->data, json, len);
	m->data[len] = '\n';
	m->len = len + 1;
	return m;
}

/* Drop a reference. */
void
tailsrv_msg_unref(struct tailsrv_msg *m)
{
	if (m != NULL && --m->refs == 0)
		free(m);
}

/* evbuffer cleanup: the socket layer is done with a message. */
static void
tailsrv_msg_cleanup(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	tailsrv_msg_unref(arg);
}

/* Dump o (reference taken over) into a new message; NULL on OOM. */
static struct tailsrv_msg *
tailsrv_msg_json(enum tailsrv_kind kind, int cls, const char *board,
    json_t *o)
{
	struct tailsrv_msg *m = NULL;
	char *s;

	if (o == NULL)
		return NULL;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s != NULL)
		m = tailsrv_msg_new(kind, cls, board, s, strlen(s));
	free(s);
	return m;
}

/* Append n bytes at b to o (NULL: count only) at *off. */
static void
tailsrv_emit(char *o, size_t *off, const void *b, size_t n)
{
	if (o != NULL)
		memcpy(o + *off, b, n);
	*off += n;
}

/* Append the JSON for one byte that may not appear raw. */
static void
tailsrv_emit_byte(char *o, size_t *off, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char e[6];

	if (c == '"' || c == '\\') {
		e[0] = '\\';
		e[1] = (char)c;
		tailsrv_emit(o, off, e, 2);
		return;
	}
	if (c == '\0' || c >= 0x80) {
		memcpy(e, "\\\\x", 3);		/* the text "\xHH" */
		e[3] = hex[c >> 4];
		e[4] = hex[c & 0xf];
		tailsrv_emit(o, off, e, 5);
		return;
	}
	memcpy(e, "\\u00", 4);			/* a control, DEL */
	e[4] = hex[c >> 4];
	e[5] = hex[c & 0xf];
	tailsrv_emit(o, off, e, 6);
}

/*
 * Write len bytes of board text as the inside of a JSON string at o
 * (NULL: only count) and return its length. Well-formed UTF-8 passes;
 * '"', '\\', controls and DEL are JSON escapes; NUL and each ill-formed
 * byte become the text "\\xHH" (jansson refuses \u0000 by default).
 * Hand-made rather than jansson because it runs for every line a tail
 * asked for: one pass to size, one to write, one malloc.
 */
static size_t
tailsrv_json_esc(char *o, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, off = 0, n;

	while (i < len) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' &&
		    p[i] != '\\') {
			n = 1;
			while (i + n < len && p[i + n] >= 0x20 &&
			    p[i + n] < 0x7f && p[i + n] != '"' &&
			    p[i + n] != '\\')
				n++;
		} else if (p[i] < 0x80 ||
		    (n = termesc_utf8_len(p + i, len - i)) == 0) {
			tailsrv_emit_byte(o, &off, p[i++]);
			continue;
		}
		tailsrv_emit(o, &off, p + i, n);
		i += n;
	}
	return off;
}

/* ---- the bounded queue ------------------------------------------------- */

/* An empty queue. */
void
tailsrv_queue_init(struct tailsrv_queue *q, size_t max_bytes)
{
	memset(q, 0, sizeof(*q));
	q->max_bytes = max_bytes;
}

/* Remove the oldest message. */
struct tailsrv_msg *
tailsrv_queue_pop(struct tailsrv_queue *q)
{
	struct tailsrv_msg *m;

	if (q->n == 0)
		return NULL;
	m = q->ring[q->head];
	q->head = (q->head + 1) % q->cap;
	q->n--;
	q->bytes -= m->len;
	return m;
}

/* Drop every message. */
void
tailsrv_queue_clear(struct tailsrv_queue *q)
{
	while (q->n > 0)
		tailsrv_msg_unref(tailsrv_queue_pop(q));
	free(q->ring);
	q->ring = NULL;
	q->cap = q->head = 0;
}

/* Double the ring, oldest first at index 0. */
static int
tailsrv_queue_grow(struct tailsrv_queue *q)
{
	size_t cap = q->cap != 0 ? q->cap * 2 : TAILSRV_RING_MIN, i;
	struct tailsrv_msg **ring;

	ring = reallocarray(NULL, cap, sizeof(*ring));
	if (ring == NULL)
		return -1;
	for (i = 0; i < q->n; i++)
		ring[i] = q->ring[(q->head + i) % q->cap];
	free(q->ring);
	q->ring = ring;
	q->cap = cap;
	q->head = 0;
	return 0;
}

/* Append m, dropping the oldest until it fits. */
uint64_t
tailsrv_queue_push(struct tailsrv_queue *q, struct tailsrv_msg *m)
{
	uint64_t dropped = 0;

	while (q->n > 0 && q->bytes + m->len > q->max_bytes) {
		tailsrv_msg_unref(tailsrv_queue_pop(q));
		dropped++;
	}
	if (q->n == q->cap && tailsrv_queue_grow(q) == -1) {
		q->dropped += dropped + 1;
		return dropped + 1;
	}
	q->ring[(q->head + q->n) % q->cap] = m;
	m->refs++;
	q->n++;
	q->bytes += m->len;
	q->dropped += dropped;
	return dropped;
}

/* ---- subscriptions ----------------------------------------------------- */

/* Read the "board" member of a subscription. */
static int
tailsrv_sub_board(json_t *v, struct tailsrv_sub *sub, char **cause)
{
	const char *s;
	size_t len;

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return tailsrv_fail(cause, "board: not a string");
	s = json_string_value(v);
	len = json_string_length(v);
	if (len == 0 || len > CONF_BOARD_NAME_MAX || strlen(s) != len)
		return tailsrv_fail(cause, "board: not a board name");
	memcpy(sub->board, s, len + 1);
	return 0;
}

/* Read the "class" member of a subscription. */
static int
tailsrv_sub_class(json_t *v, struct tailsrv_sub *sub, char **cause)
{
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return tailsrv_fail(cause, "class: not a string");
	sub->cls = kr_class_from_name(json_string_value(v));
	if (sub->cls <= KR_CLASS_NONE)
		return tailsrv_fail(cause, "class: unknown report class");
	return 0;
}

/* Parse a subscription line. */
int
tailsrv_sub_parse(const char *line, size_t len, struct tailsrv_sub *sub,
    char **cause)
{
	json_error_t err;
	json_t *o, *v;
	int rc = -1;

	memset(sub, 0, sizeof(*sub));
	sub->cls = -1;
	o = json_loadb(line, len, 0, &err);
	if (o == NULL || !json_is_object(o)) {
		tailsrv_fail(cause, "subscription: not a JSON object");
		goto out;
	}
	if (tailsrv_sub_board(json_object_get(o, "board"), sub, cause) == -1 ||
	    tailsrv_sub_class(json_object_get(o, "class"), sub, cause) == -1)
		goto out;
	v = json_object_get(o, "all_lines");
	if (v != NULL && !json_is_boolean(v)) {
		tailsrv_fail(cause, "all_lines: not true or false");
		goto out;
	}
	sub->all_lines = v != NULL && json_is_true(v);
	rc = 0;
out:
	json_decref(o);
	return rc;
}

/* Whether sub wants a message of this kind, board and class. */
static bool
tailsrv_sub_want(const struct tailsrv_sub *sub, enum tailsrv_kind kind,
    const char *board, int cls)
{
	if (kind == TAILSRV_MSG_OTHER)
		return true;
	if (sub->board[0] != '\0' && strcmp(sub->board, board) != 0)
		return false;
	if (kind == TAILSRV_MSG_LINE)
		return sub->all_lines;
	return sub->cls == -1 || sub->cls == cls;
}

/* Whether sub wants m. */
bool
tailsrv_sub_match(const struct tailsrv_sub *sub, const struct tailsrv_msg *m)
{
	return tailsrv_sub_want(sub, m->kind, m->board, m->cls);
}

/* Whether any subscribed client wants such a message. */
static bool
tailsrv_wanted(const struct tailsrv *ts, enum tailsrv_kind kind,
    const char *board, int cls)
{
	const struct tailsrv_client *c;

	TAILQ_FOREACH(c, &ts->clients, entry)
		if (c->subscribed && !c->closing &&
		    tailsrv_sub_want(&c->sub, kind, board, cls))
			return true;
	return false;
}

/* ---- clients ----------------------------------------------------------- */

/* Tell c how many messages it missed. -1 when out of memory. */
static int
tailsrv_notice_dropped(struct tailsrv_client *c, struct evbuffer *out)
{
	char buf[64];
	int n;

	n = snprintf(buf, sizeof(buf), "{\"type\":\"dropped\",\"count\":%"
	    PRIu64 "}\n", c->q.dropped);
	if (evbuffer_add(out, buf, (size_t)n) == -1)
		return -1;
	c->q.dropped = 0;
	return 0;
}

/*
 * Move queued messages to the socket layer while it holds less than
 * TAILSRV_OUT_BYTES. Messages are added by reference: one copy however
 * many clients get it. A drop notice goes first, right where the gap is.
 */
static void
tailsrv_pump(struct tailsrv_client *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct tailsrv_msg *m;

	while (evbuffer_get_length(out) < TAILSRV_OUT_BYTES) {
		if (c->q.dropped > 0) {
			if (tailsrv_notice_dropped(c, out) == -1)
				return;
			continue;
		}
		if ((m = tailsrv_queue_pop(&c->q)) == NULL)
			return;
		if (evbuffer_add_reference(out, m->data, m->len,
		    tailsrv_msg_cleanup, m) == -1) {
			tailsrv_msg_unref(m);
			c->q.dropped++;
			c->ts->drops++;
			return;
		}
	}
}

/* Queue m for c (c takes its own reference) and send what fits. */
static void
tailsrv_client_send(struct tailsrv_client *c, struct tailsrv_msg *m)
{
	c->ts->drops += tailsrv_queue_push(&c->q, m);
	tailsrv_pump(c);
}

/* Send c an error message, then close it once that is written. */
static void
tailsrv_client_refuse(struct tailsrv_client *c, const char *why)
{
	struct timeval tv = {TAILSRV_CLOSE_TIMEOUT_MS / 1000,
	    (TAILSRV_CLOSE_TIMEOUT_MS % 1000) * 1000};
	struct tailsrv_msg *m;

	log_warnx_rl(&c->ts->rl, "tail: client refused: %s", why);
	m = tailsrv_msg_json(TAILSRV_MSG_OTHER, 0, NULL,
	    json_pack("{s:s, s:s}", "type", "error", "message", why));
	if (m == NULL) {
		tailsrv_client_lost(c, "out of memory");
		return;
	}
	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	bufferevent_set_timeouts(c->bev, NULL, &tv);
	tailsrv_client_send(c, m);
	tailsrv_msg_unref(m);
}

/* Take c's subscription and confirm it. */
static void
tailsrv_client_subscribe(struct tailsrv_client *c,
    const struct tailsrv_sub *sub)
{
	struct tailsrv *ts = c->ts;
	struct tailsrv_msg *m;
	const char *cls = sub->cls >= 0 ? kr_class_name(sub->cls) : NULL;

	c->sub = *sub;
	c->subscribed = true;
	ts->nsubscribed++;
	if (sub->all_lines)
		ts->nline_clients++;
	bufferevent_set_timeouts(c->bev, NULL, NULL);
	m = tailsrv_msg_json(TAILSRV_MSG_OTHER, 0, NULL, json_pack(
	    "{s:s, s:i, s:s?, s:s?, s:b}", "type", "subscribed", "version",
	    TAILSRV_VERSION, "board", sub->board[0] ? sub->board : NULL,
	    "class", cls, "all_lines", sub->all_lines));
	if (m != NULL)
		tailsrv_client_send(c, m);
	tailsrv_msg_unref(m);
	log_debug("tail: client subscribed (board %s, class %s%s)",
	    sub->board[0] ? sub->board : "any", cls ? cls : "any",
	    sub->all_lines ? ", every line" : "");
}

/* Readable: the subscription line; anything after it is discarded. */
static void
tailsrv_read_cb(struct bufferevent *bev, void *arg)
{
	struct tailsrv_client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct tailsrv_sub sub;
	char *line, *cause = NULL;
	size_t n;

	if (c->subscribed || c->closing) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF);
	if (line == NULL || n > TAILSRV_SUB_MAX_BYTES) {
		if (line != NULL || evbuffer_get_length(in) >
		    TAILSRV_SUB_MAX_BYTES)
			tailsrv_client_refuse(c, "subscription line too long");
		free(line);
		return;
	}
	if (tailsrv_sub_parse(line, n, &sub, &cause) == 0)
		tailsrv_client_subscribe(c, &sub);
	else
		tailsrv_client_refuse(c, cause != NULL ? cause :
		    "out of memory");
	free(cause);
	free(line);
}

/* Room in the socket layer again: refill it, or finish closing. */
static void
tailsrv_write_cb(struct bufferevent *bev, void *arg)
{
	struct tailsrv_client *c = arg;

	if (!c->closing) {
		tailsrv_pump(c);
		return;
	}
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		tailsrv_client_lost(c, "refused");
}

/* End of file, error or timeout. */
static void
tailsrv_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & BEV_EVENT_TIMEOUT)
		tailsrv_client_lost(arg, "timed out");
	else if (what & BEV_EVENT_ERROR)
		tailsrv_client_lost(arg, evutil_socket_error_to_string(
		    EVUTIL_SOCKET_ERROR()));
	else if (what & BEV_EVENT_EOF)
		tailsrv_client_lost(arg, "closed");
}

/*
 * Forget c. bufferevent_free clears our callbacks at once and defers its
 * own release while libevent is inside one of them, so c may be freed
 * here even from its own callback; the messages still in its output
 * buffer are unreferenced when libevent releases that buffer.
 */
static void
tailsrv_client_lost(struct tailsrv_client *c, const char *why)
{
	struct tailsrv *ts = c->ts;

	log_debug("tail: client gone: %s", why != NULL ? why : "collector "
	    "stopping");
	TAILQ_REMOVE(&ts->clients, c, entry);
	ts->nclients--;
	if (c->subscribed) {
		ts->nsubscribed--;
		if (c->sub.all_lines)
			ts->nline_clients--;
	}
	bufferevent_free(c->bev);
	tailsrv_queue_clear(&c->q);
	free(c);
}

/* A new connection: wait for its subscription line. */
static struct tailsrv_client *
tailsrv_client_new(struct tailsrv *ts, evutil_socket_t fd)
{
	struct timeval tv = {TAILSRV_SUB_TIMEOUT_MS / 1000,
	    (TAILSRV_SUB_TIMEOUT_MS % 1000) * 1000};
	struct tailsrv_client *c;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->bev = bufferevent_socket_new(ts->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		free(c);
		return NULL;
	}
	c->ts = ts;
	tailsrv_queue_init(&c->q, ts->queue_bytes);
	bufferevent_setcb(c->bev, tailsrv_read_cb, tailsrv_write_cb,
	    tailsrv_event_cb, c);
	/* Stop reading a client that talks past its subscription line. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, TAILSRV_SUB_MAX_BYTES + 2);
	bufferevent_setwatermark(c->bev, EV_WRITE, TAILSRV_OUT_BYTES / 2, 0);
	bufferevent_set_timeouts(c->bev, &tv, NULL);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&ts->clients, c, entry);
	ts->nclients++;
	return c;
}

/* Accepted a connection. */
static void
tailsrv_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct tailsrv *ts = arg;
	struct tailsrv_client *c;

	(void)l;
	(void)sa;
	(void)salen;
	if ((c = tailsrv_client_new(ts, fd)) == NULL) {
		log_warnx_rl(&ts->rl, "tail: client dropped: out of memory");
		evutil_closesocket(fd);
		return;
	}
	if (ts->nclients > ts->max_clients)
		tailsrv_client_refuse(c, "too many tail clients");
}

/* accept() failed for a reason retrying at once will not fix. */
static void
tailsrv_accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct tailsrv *ts = arg;
	struct timeval tv = {TAILSRV_ACCEPT_PAUSE_MS / 1000,
	    (TAILSRV_ACCEPT_PAUSE_MS % 1000) * 1000};

	log_warn_rl(&ts->rl, "tail: accept on %s", ts->path);
	evconnlistener_disable(l);
	evtimer_add(ts->resume, &tv);
}

/* Accept again after a pause. */
static void
tailsrv_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tailsrv *ts = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(ts->listener);
}

/* ---- the socket -------------------------------------------------------- */

/*
 * Remove a socket file that nothing answers on (a collector that was
 * killed). A live one, or a path that is not a socket, is left alone.
 */
static int
tailsrv_clear_stale(const char *path, const struct sockaddr_un *sun,
    char **cause)
{
	struct stat st;
	int fd, rc, err;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : tailsrv_fail(cause, "%s: %s",
		    path, strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return tailsrv_fail(cause, "%s: exists and is not a socket",
		    path);
	/* Non-blocking: a live listener with a full backlog says EAGAIN. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return tailsrv_fail(cause, "socket: %s", strerror(errno));
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	err = errno;
	close(fd);
	if (rc == 0 || err == EAGAIN)
		return tailsrv_fail(cause, "%s: another process answers on it",
		    path);
	if (err != ECONNREFUSED)
		return tailsrv_fail(cause, "%s: %s", path, strerror(err));
	if (unlink(path) == -1 && errno != ENOENT)
		return tailsrv_fail(cause, "%s: %s", path, strerror(errno));
	return 0;
}

/*
 * Mode of the socket file: 0600, or 0660 when the data dir lets its
 * group in (g+x), so a team that shares the data dir shares tail too.
 * *gid gets the dir's group for 0660, else -1.
 */
static mode_t
tailsrv_mode(const char *data_dir, gid_t *gid)
{
	struct stat st;

	*gid = (gid_t)-1;
	if (stat(data_dir, &st) == -1 || !(st.st_mode & S_IXGRP))
		return 0600;
	*gid = st.st_gid;
	return 0660;
}

/* Give the bound socket file its group; fall back to 0600 if we can't. */
static void
tailsrv_set_group(const char *path, gid_t gid)
{
	if (gid == (gid_t)-1)
		return;
	if (chown(path, (uid_t)-1, gid) == -1)
		chmod(path, 0600);
}

/* Create, bind and listen on a socket at sun; its fd or -1. */
static int
tailsrv_bind(struct tailsrv *ts, const char *data_dir,
    const struct sockaddr_un *sun, char **cause)
{
	struct stat st;
	gid_t gid;
	mode_t mode = tailsrv_mode(data_dir, &gid);
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return tailsrv_fail(cause, "socket: %s", strerror(errno));
	/* Linux creates the file with the unbound socket's inode mode, so
	 * it never exists with wider permissions than mode. */
	if (fchmod(fd, mode) == -1 || bind(fd, (const struct sockaddr *)sun,
	    sizeof(*sun)) == -1) {
		tailsrv_fail(cause, "%s: %s", ts->path, strerror(errno));
		goto out_close;
	}
	tailsrv_set_group(ts->path, gid);
	if (listen(fd, 16) == -1 || lstat(ts->path, &st) == -1) {
		tailsrv_fail(cause, "%s: %s", ts->path, strerror(errno));
		goto out_unlink;
	}
	ts->bound = true;
	ts->dev = st.st_dev;
	ts->ino = st.st_ino;
	return fd;
out_unlink:
	unlink(ts->path);
out_close:
	close(fd);
	return -1;
}

/* Bind the socket and add its listener. */
static int
tailsrv_listen(struct tailsrv *ts, const char *data_dir, char **cause)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(ts->path) >= sizeof(sun.sun_path))
		return tailsrv_fail(cause, "%s: path too long for a Unix "
		    "socket (%zu bytes at most)", ts->path,
		    sizeof(sun.sun_path) - 1);
	memcpy(sun.sun_path, ts->path, strlen(ts->path) + 1);
	if (tailsrv_clear_stale(ts->path, &sun, cause) == -1)
		return -1;
	if ((fd = tailsrv_bind(ts, data_dir, &sun, cause)) == -1)
		return -1;
	/* Backlog 0: listen() was called above. */
	ts->listener = evconnlistener_new(ts->base, tailsrv_accept_cb, ts,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (ts->listener == NULL) {
		close(fd);
		return tailsrv_fail(cause, "%s: cannot add the listener",
		    ts->path);
	}
	evconnlistener_set_error_cb(ts->listener, tailsrv_accept_error_cb);
	return 0;
}

/* Listen on <data_dir>/kcatch.sock. */
struct tailsrv *
tailsrv_new(const struct tailsrv_config *cfg, char **cause)
{
	struct tailsrv *ts;

	ts = calloc(1, sizeof(*ts));
	if (ts == NULL)
		goto nomem;
	ts->base = cfg->base;
	ts->queue_bytes = cfg->queue_bytes;
	ts->max_clients = cfg->max_clients;
	ts->rl = (struct log_ratelimit)LOG_RATELIMIT_INIT;
	TAILQ_INIT(&ts->clients);
	if (asprintf(&ts->path, "%s/%s", cfg->data_dir, TAILSRV_SOCK_NAME) ==
	    -1) {
		ts->path = NULL;
		goto nomem;
	}
	ts->resume = evtimer_new(ts->base, tailsrv_resume_cb, ts);
	if (ts->resume == NULL)
		goto nomem;
	if (tailsrv_listen(ts, cfg->data_dir, cause) == -1) {
		tailsrv_free(ts);
		return NULL;
	}
	return ts;
nomem:
	tailsrv_fail(cause, "out of memory");
	tailsrv_free(ts);
	return NULL;
}

/* Hand c's queue to its socket as far as it takes it now. */
static void
tailsrv_client_last_words(struct tailsrv_client *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	evutil_socket_t fd = bufferevent_getfd(c->bev);

	tailsrv_pump(c);
	while (evbuffer_get_length(out) > 0 && evbuffer_write(out, fd) > 0)
		tailsrv_pump(c);
}

/* Close everything and remove the socket file. */
void
tailsrv_free(struct tailsrv *ts)
{
	struct tailsrv_client *c;
	struct stat st;

	if (ts == NULL)
		return;
	while ((c = TAILQ_FIRST(&ts->clients)) != NULL) {
		if (c->subscribed)
			tailsrv_client_last_words(c);
		tailsrv_client_lost(c, NULL);
	}
	if (ts->listener != NULL)
		evconnlistener_free(ts->listener);
	if (ts->resume != NULL)
		event_free(ts->resume);
	/* Only our own file: never one that replaced it. */
	if (ts->bound && lstat(ts->path, &st) == 0 && st.st_dev == ts->dev &&
	    st.st_ino == ts->ino)
		unlink(ts->path);
	free(ts->path);
	free(ts);
}

/* Path of the socket. */
const char *
tailsrv_path(const struct tailsrv *ts)
{
	return ts->path;
}

/* Counters. */
void
tailsrv_counters(const struct tailsrv *ts, struct tailsrv_counters *out)
{
	memset(out, 0, sizeof(*out));
	if (ts == NULL)
		return;
	out->clients = ts->nsubscribed;
	out->drops = ts->drops;
}

/* ---- publishing -------------------------------------------------------- */

/* Send m to every client that wants it. */
void
tailsrv_publish(struct tailsrv *ts, struct tailsrv_msg *m)
{
	struct tailsrv_client *c;

	if (ts != NULL && m != NULL)
		TAILQ_FOREACH(c, &ts->clients, entry)
			if (c->subscribed && !c->closing &&
			    tailsrv_sub_match(&c->sub, m))
				tailsrv_client_send(c, m);
	tailsrv_msg_unref(m);
}

/* Encode a report for the clients that want it. */
struct tailsrv_msg *
tailsrv_report_msg(struct tailsrv *ts, const char *board,
    const struct kr_report *r)
{
	json_t *o, *rep;

	if (ts == NULL || !tailsrv_wanted(ts, TAILSRV_MSG_REPORT, board,
	    (int)r->cls))
		return NULL;
	o = json_object();
	rep = report_json(r);
	if (o == NULL || rep == NULL ||
	    json_object_set_new(o, "type", json_string("report")) == -1 ||
	    json_object_set_new(o, "board", report_json_str(board)) == -1 ||
	    json_object_set_new(o, "report", rep) == -1) {
		json_decref(o);
		return NULL;
	}
	return tailsrv_msg_json(TAILSRV_MSG_REPORT, (int)r->cls, board, o);
}

/* The fixed parts of a line message, and the most its numbers take. */
#define TAILSRV_LINE_HEAD "{\"type\":\"line\",\"board\":\""
#define TAILSRV_LINE_TEXT "\",\"text\":\""
#define TAILSRV_LINE_TAIL "\",\"ktime_us\":%s,\"recv_ms\":%" PRId64 "}\n"
#define TAILSRV_LINE_NUMS (2 * 21 + sizeof("null"))

/* Encode one received line. */
struct tailsrv_msg *
tailsrv_line_msg(const char *board, const char *text, size_t len,
    int64_t ktime_us, int64_t recv_ms)
{
	size_t nb = strlen(board), eb = tailsrv_json_esc(NULL, board, nb);
	size_t et = tailsrv_json_esc(NULL, text, len), off;
	struct tailsrv_msg *m;
	char kt[24] = "null";
	int n;

	m = tailsrv_msg_alloc(TAILSRV_MSG_LINE, 0, board,
	    sizeof(TAILSRV_LINE_HEAD) + eb + sizeof(TAILSRV_LINE_TEXT) + et +
	    sizeof(TAILSRV_LINE_TAIL) + TAILSRV_LINE_NUMS);
	if (m == NULL)
		return NULL;
	off = sizeof(TAILSRV_LINE_HEAD) - 1;
	memcpy(m->data, TAILSRV_LINE_HEAD, off);
	off += tailsrv_json_esc(m->data + off, board, nb);
	memcpy(m->data + off, TAILSRV_LINE_TEXT, sizeof(TAILSRV_LINE_TEXT) - 1);
	off += sizeof(TAILSRV_LINE_TEXT) - 1;
	off += tailsrv_json_esc(m->data + off, text, len);
	if (ktime_us >= 0)
		snprintf(kt, sizeof(kt), "%" PRId64, ktime_us);
	n = sprintf(m->data + off, TAILSRV_LINE_TAIL, kt, recv_ms);
	m->len = off + (size_t)n;
	return m;
}

/* Publish one received line to the clients that asked for lines. */
void
tailsrv_line(struct tailsrv *ts, const char *board, const char *text,
    size_t len, int64_t ktime_us, int64_t recv_ms)
{
	if (ts == NULL || ts->nline_clients == 0 ||
	    !tailsrv_wanted(ts, TAILSRV_MSG_LINE, board, 0))
		return;
	tailsrv_publish(ts, tailsrv_line_msg(board, text, len, ktime_us,
	    recv_ms));
}
