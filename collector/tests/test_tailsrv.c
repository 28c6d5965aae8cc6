/* SPDX-License-Identifier: MIT */
/*
 * test_tailsrv.c -- tailsrv: the bounded drop-oldest queue, subscription
 * parsing and matching, and the server on a real Unix socket in a temp
 * dir driven by a non-blocking event loop: filters, a client that does
 * not read (drops counted, memory bounded, the "dropped" notice sits
 * exactly at the gap), too many clients, stale and live socket files.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "kreport.h"
#include "log.h"
#include "tailsrv.h"
#include "termesc.h"

/* ---- queue ---------------------------------------------------------- */

/* A message whose JSON is n bytes of 'x' (len n + 1 with the '\n'). */
static struct tailsrv_msg *
msg_of(size_t n, int tag)
{
	char *buf = malloc(n);
	struct tailsrv_msg *m;

	assert_non_null(buf);
	memset(buf, 'x', n);
	m = tailsrv_msg_new(TAILSRV_MSG_LINE, tag, "b", buf, n);
	free(buf);
	assert_non_null(m);
	return m;
}

/* Fits: nothing dropped, FIFO order, bytes accounted. */
static void
test_tailsrv_queue_fifo(void **state)
{
	struct tailsrv_queue q;
	struct tailsrv_msg *m;
	int i;

	(void)state;
	tailsrv_queue_init(&q, 1000);
	for (i = 0; i < 40; i++) {	/* grows the ring past 16 slots */
		m = msg_of(9, i);
		assert_int_equal(tailsrv_queue_push(&q, m), 0);
		tailsrv_msg_unref(m);
	}
	assert_int_equal(q.n, 40);
	assert_int_equal(q.bytes, 400);
	for (i = 0; i < 40; i++) {
		m = tailsrv_queue_pop(&q);
		assert_non_null(m);
		assert_int_equal(m->cls, i);
		assert_int_equal(m->refs, 1);	/* the caller's now */
		tailsrv_msg_unref(m);
	}
	assert_null(tailsrv_queue_pop(&q));
	assert_int_equal(q.bytes, 0);
	assert_int_equal(q.dropped, 0);
	tailsrv_queue_clear(&q);
}

/* Full: the oldest go, counted; the bound holds; wrap-around keeps order. */
static void
test_tailsrv_queue_drop_oldest(void **state)
{
	struct tailsrv_queue q;
	struct tailsrv_msg *m;
	uint64_t dropped = 0;
	int i, first;

	(void)state;
	tailsrv_queue_init(&q, 100);	/* room for 10 messages of 10 */
	for (i = 0; i < 1000; i++) {
		m = msg_of(9, i);
		dropped += tailsrv_queue_push(&q, m);
		tailsrv_msg_unref(m);
		assert_true(q.bytes <= 100);
		if (i % 7 == 0)		/* a reader that takes some */
			tailsrv_msg_unref(tailsrv_queue_pop(&q));
	}
	assert_int_equal(q.dropped, dropped);
	assert_true(dropped > 800);
	/* What is left is the newest, in order. */
	first = 1000 - (int)q.n;
	for (i = first; i < 1000; i++) {
		m = tailsrv_queue_pop(&q);
		assert_int_equal(m->cls, i);
		tailsrv_msg_unref(m);
	}
	tailsrv_queue_clear(&q);
}

/* A message larger than the bound: kept alone, never next to others. */
static void
test_tailsrv_queue_oversize(void **state)
{
	struct tailsrv_queue q;
	struct tailsrv_msg *small = msg_of(9, 1), *big = msg_of(500, 2);

	(void)state;
	tailsrv_queue_init(&q, 100);
	assert_int_equal(tailsrv_queue_push(&q, small), 0);
	assert_int_equal(tailsrv_queue_push(&q, small), 0);
	assert_int_equal(tailsrv_queue_push(&q, big), 2);
	assert_int_equal(q.n, 1);
	assert_int_equal(q.bytes, 501);
	assert_int_equal(tailsrv_queue_push(&q, small), 1);
	assert_int_equal(q.n, 1);
	assert_int_equal(q.bytes, 10);
	assert_int_equal(q.dropped, 3);
	/* Shared: the queue held its own references, we still hold ours. */
	assert_int_equal(big->refs, 1);
	assert_int_equal(small->refs, 2);
	tailsrv_queue_clear(&q);
	assert_int_equal(small->refs, 1);
	tailsrv_msg_unref(small);
	tailsrv_msg_unref(big);
}

/* ---- subscriptions ---------------------------------------------------- */

/* Parse good and bad subscription lines. */
static void
test_tailsrv_sub_parse(void **state)
{
	static const char *const bad[] = {
		"", "[]", "not json", "{\"class\":\"nosuch\"}",
		"{\"class\":\"none\"}", "{\"class\":3}", "{\"board\":\"\"}",
		"{\"board\":7}", "{\"all_lines\":\"yes\"}",
		"{\"board\":\"a\\u0000b\"}",
		"{\"board\":\"0123456789012345678901234567890123456789"
		"012345678901234567890123456789\"}",
	};
	struct tailsrv_sub sub;
	char *cause = NULL;
	const char *s;
	size_t i;

	(void)state;
	s = "{}";
	assert_int_equal(tailsrv_sub_parse(s, strlen(s), &sub, &cause), 0);
	assert_string_equal(sub.board, "");
	assert_int_equal(sub.cls, -1);
	assert_false(sub.all_lines);
	s = "{\"board\":\"rk3399\",\"class\":\"kasan\",\"all_lines\":true,"
	    "\"future\":1}";
	assert_int_equal(tailsrv_sub_parse(s, strlen(s), &sub, &cause), 0);
	assert_string_equal(sub.board, "rk3399");
	assert_int_equal(sub.cls, KR_CLASS_KASAN);
	assert_true(sub.all_lines);
	s = "{\"board\":null,\"class\":null}";
	assert_int_equal(tailsrv_sub_parse(s, strlen(s), &sub, &cause), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (tailsrv_sub_parse(bad[i], strlen(bad[i]), &sub, &cause) !=
		    -1)
			fail_msg("accepted %s", bad[i]);
		assert_non_null(cause);
		free(cause);
		cause = NULL;
	}
}

/* Which messages a subscription gets. */
static void
test_tailsrv_sub_match(void **state)
{
	struct tailsrv_sub any = {.board = "", .cls = -1};
	struct tailsrv_sub b1_warn = {.board = "b1", .cls = KR_CLASS_WARN};
	struct tailsrv_sub lines = {.board = "", .cls = -1, .all_lines = true};
	struct tailsrv_msg *rep, *line, *note;

	(void)state;
	rep = tailsrv_msg_new(TAILSRV_MSG_REPORT, KR_CLASS_WARN, "b1", "{}", 2);
	line = tailsrv_msg_new(TAILSRV_MSG_LINE, 0, "b1", "{}", 2);
	note = tailsrv_msg_new(TAILSRV_MSG_OTHER, 0, NULL, "{}", 2);
	assert_true(tailsrv_sub_match(&any, rep));
	assert_false(tailsrv_sub_match(&any, line));
	assert_true(tailsrv_sub_match(&any, note));
	assert_true(tailsrv_sub_match(&b1_warn, rep));
	assert_false(tailsrv_sub_match(&b1_warn, line));
	assert_true(tailsrv_sub_match(&lines, line));
	assert_true(tailsrv_sub_match(&lines, rep));
	rep->cls = KR_CLASS_KASAN;
	assert_false(tailsrv_sub_match(&b1_warn, rep));
	snprintf(line->board, sizeof(line->board), "b2");
	lines.board[0] = 'b';
	lines.board[1] = '1';
	assert_false(tailsrv_sub_match(&lines, line));
	tailsrv_msg_unref(rep);
	tailsrv_msg_unref(line);
	tailsrv_msg_unref(note);
}

/* ---- line messages ---------------------------------------------------- */

/* What the "text" of a line message must decode to (see tailsrv.h). */
static size_t
line_model(const unsigned char *in, size_t len, char *out)
{
	size_t i = 0, o = 0, n;

	while (i < len) {
		if (in[i] != 0 && in[i] < 0x80) {
			out[o++] = (char)in[i++];
		} else if (in[i] != 0 &&
		    (n = termesc_utf8_len(in + i, len - i)) > 0) {
			memcpy(out + o, in + i, n);
			o += n;
			i += n;
		} else {
			o += (size_t)sprintf(out + o, "\\x%02x", in[i++]);
		}
	}
	return o;
}

/* Check one encoding: one JSON line that decodes back to the model. */
static void
line_round_trip(const unsigned char *in, size_t len, int64_t kt)
{
	struct tailsrv_msg *m = tailsrv_line_msg("b\"1", (const char *)in,
	    len, kt, 1234);
	char *want = malloc(len * 4 + 1);
	json_error_t err;
	json_t *o, *t;
	size_t wlen;

	assert_non_null(m);
	assert_non_null(want);
	assert_true(m->len > 0 && m->data[m->len - 1] == '\n');
	assert_null(memchr(m->data, '\n', m->len - 1));
	o = json_loadb(m->data, m->len - 1, 0, &err);
	if (o == NULL)
		fail_msg("bad JSON (%s): %.*s", err.text, (int)m->len, m->data);
	assert_string_equal(json_string_value(json_object_get(o, "type")),
	    "line");
	assert_string_equal(json_string_value(json_object_get(o, "board")),
	    "b\"1");
	assert_int_equal(json_integer_value(json_object_get(o, "recv_ms")),
	    1234);
	if (kt < 0)
		assert_true(json_is_null(json_object_get(o, "ktime_us")));
	else
		assert_int_equal(json_integer_value(json_object_get(o,
		    "ktime_us")), kt);
	t = json_object_get(o, "text");
	wlen = line_model(in, len, want);
	assert_int_equal(json_string_length(t), wlen);
	assert_memory_equal(json_string_value(t), want, wlen);
	json_decref(o);
	free(want);
	tailsrv_msg_unref(m);
}

/* Every byte value, UTF-8 edge cases and random bytes survive JSON. */
static void
test_tailsrv_line_msg(void **state)
{
	static const char *const cases[] = {
		"", "plain", "q\"uo\\te", "\x1b[2J\r\x07\x7f", "caf\xc3\xa9",
		"\xf0\x9f\x90\xa7", "\xff\xfe", "\xc3", "\xe2\x82x",
		"\xed\xa0\x80", "\xc2\x9b",
	};
	unsigned char buf[600];
	uint32_t x = 12345;
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		line_round_trip((const unsigned char *)cases[i],
		    strlen(cases[i]), (int64_t)i - 1);
	for (i = 0; i < 256; i++)
		buf[i] = (unsigned char)i;
	line_round_trip(buf, 256, 5);
	for (i = 0; i < 200; i++) {
		for (j = 0; j < sizeof(buf); j++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[j] = (unsigned char)(i % 2 ? x : 0x20 + x % 0x70);
		}
		line_round_trip(buf, 1 + x % sizeof(buf), 77);
	}
}

/* ---- the server on a socket ------------------------------------------- */

/* A server in a fresh temp dir. */
struct srv {
	char dir[64];
	char path[96];
	struct event_base *base;
	struct tailsrv *ts;
};

/* A connected test client and what it has read. */
struct cli {
	int fd;
	char *buf;
	size_t len, cap;
};

/* Start a server with a per-client queue of queue_bytes. */
static void
srv_start(struct srv *s, size_t queue_bytes, size_t max_clients)
{
	struct tailsrv_config cfg = {0};
	char *cause = NULL;

	snprintf(s->dir, sizeof(s->dir), "/tmp/kcatch-tailsrv-XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->path, sizeof(s->path), "%s/%s", s->dir, TAILSRV_SOCK_NAME);
	s->base = event_base_new();
	assert_non_null(s->base);
	cfg = (struct tailsrv_config){.base = s->base, .data_dir = s->dir,
	    .queue_bytes = queue_bytes, .max_clients = max_clients};
	s->ts = tailsrv_new(&cfg, &cause);
	if (s->ts == NULL)
		fail_msg("tailsrv_new: %s", cause);
}

/* Free the server; the socket file must be gone. */
static void
srv_stop(struct srv *s)
{
	tailsrv_free(s->ts);
	event_base_free(s->base);
	assert_int_equal(access(s->path, F_OK), -1);
	assert_int_equal(rmdir(s->dir), 0);
}

/* Let the server run until nothing is ready. */
static void
srv_spin(struct srv *s)
{
	int i;

	for (i = 0; i < 20; i++)
		event_base_loop(s->base, EVLOOP_NONBLOCK);
}

/* Connect and send a subscription line. */
static void
cli_open(struct cli *c, const struct srv *s, const char *sub)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	memset(c, 0, sizeof(*c));
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", s->path);
	c->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(c->fd >= 0);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)),
	    0);
	fcntl(c->fd, F_SETFL, O_NONBLOCK);
	if (sub != NULL)
		assert_int_equal(write(c->fd, sub, strlen(sub)),
		    (ssize_t)strlen(sub));
}

/* Read what is there (non-blocking); returns bytes read, -1 at EOF. */
static ssize_t
cli_read(struct cli *c)
{
	ssize_t n, total = 0;

	for (;;) {
		if (c->cap - c->len < 65536) {
			c->cap = c->cap ? c->cap * 2 : 1 << 20;
			c->buf = realloc(c->buf, c->cap);
			assert_non_null(c->buf);
		}
		n = read(c->fd, c->buf + c->len, c->cap - c->len - 1);
		if (n == 0)
			return total > 0 ? total : -1;
		if (n < 0)
			return total;
		c->len += (size_t)n;
		c->buf[c->len] = '\0';
		total += n;
	}
}

/* Spin the server and read until the client holds needle (or EOF). */
static bool
cli_wait_for(struct cli *c, struct srv *s, const char *needle)
{
	int i;

	for (i = 0; i < 2000; i++) {
		srv_spin(s);
		if (cli_read(c) == -1)
			return c->buf != NULL && strstr(c->buf, needle);
		if (c->buf != NULL && strstr(c->buf, needle) != NULL)
			return true;
		usleep(1000);
	}
	return false;
}

static void
cli_close(struct cli *c)
{
	close(c->fd);
	free(c->buf);
}

/* A real WARN report from the parser. */
static struct kr_report *
warn_report(void)
{
	static const char *const log[] = {
		"------------[ cut here ]------------",
		"WARNING: CPU: 0 PID: 1 at drivers/foo/bar.c:12 "
		    "foo_probe+0x1/0x4",
		"Modules linked in:",
		"Call Trace:",
		" foo_init+0x10/0x20",
		"---[ end trace 0000000000000000 ]---",
	};
	struct kr_ctx *kr = kr_new(NULL, NULL);
	struct kr_report *r;
	size_t i;

	assert_non_null(kr);
	for (i = 0; i < sizeof(log) / sizeof(log[0]); i++)
		kr_feed_text(kr, log[i], strlen(log[i]), 1000, i + 1);
	kr_flush(kr);
	r = kr_next(kr);
	assert_non_null(r);
	kr_free(kr);
	return r;
}

/* Reports and lines reach the clients that asked, and only those. */
static void
test_tailsrv_filters(void **state)
{
	struct srv s;
	struct cli all, b2, lines;
	struct kr_report *r = warn_report();
	struct tailsrv_counters tc;
	struct stat st;

	(void)state;
	srv_start(&s, 65536, 8);
	assert_int_equal(stat(s.path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);	/* mkdtemp: 0700 */
	/* Nobody subscribed: nothing is even encoded. */
	assert_null(tailsrv_report_msg(s.ts, "b1", r));
	cli_open(&all, &s, "{}\n");
	cli_open(&b2, &s, "{\"board\":\"b2\"}\n");
	cli_open(&lines, &s, "{\"board\":\"b1\",\"all_lines\":true}\n");
	assert_true(cli_wait_for(&all, &s, "\"subscribed\""));
	assert_true(cli_wait_for(&b2, &s, "\"subscribed\""));
	assert_true(cli_wait_for(&lines, &s, "\"all_lines\":true"));
	tailsrv_counters(s.ts, &tc);
	assert_int_equal(tc.clients, 3);

	tailsrv_line(s.ts, "b1", "hello \x1b[2J \xff", 12, 5, 7);
	tailsrv_publish(s.ts, tailsrv_report_msg(s.ts, "b1", r));
	assert_true(cli_wait_for(&all, &s, "WARNING in foo_probe"));
	assert_true(cli_wait_for(&lines, &s, "WARNING in foo_probe"));
	/* The line: JSON-escaped ESC, invalid UTF-8 as \xff text. */
	assert_non_null(strstr(lines.buf, "{\"type\":\"line\",\"board\":\"b1\","
	    "\"text\":\"hello \\u001b[2J \\\\xff\",\"ktime_us\":5,"
	    "\"recv_ms\":7}\n"));
	srv_spin(&s);
	cli_read(&b2);
	cli_read(&all);
	assert_null(strstr(b2.buf, "\"report\""));
	assert_null(strstr(all.buf, "\"line\""));
	/* b2 gets its own board's report. */
	tailsrv_publish(s.ts, tailsrv_report_msg(s.ts, "b2", r));
	assert_true(cli_wait_for(&b2, &s, "\"board\":\"b2\",\"report\""));

	/* A client that goes away is forgotten. */
	cli_close(&lines);
	srv_spin(&s);
	tailsrv_counters(s.ts, &tc);
	assert_int_equal(tc.clients, 2);
	tailsrv_line(s.ts, "b1", "x", 1, -1, 1);	/* nobody: no-op */
	cli_close(&all);
	cli_close(&b2);
	kr_report_free(r);
	srv_stop(&s);
}

/*
 * Parse every message of a client: lines in order, every gap announced
 * by a "dropped" notice right where it is, the counts adding up. Returns
 * the number of lines received.
 */
static int
check_stream(const struct cli *c, int total, uint64_t server_drops)
{
	const char *p = c->buf, *nl;
	int next = 0, got = 0, notices = 0, seq;
	long long dropped = 0;
	json_t *m;

	while ((nl = strchr(p, '\n')) != NULL) {
		m = json_loadb(p, (size_t)(nl - p), 0, NULL);
		assert_non_null(m);
		if (!strcmp(json_string_value(json_object_get(m, "type")),
		    "dropped")) {
			dropped += json_integer_value(json_object_get(m,
			    "count"));
			next += (int)json_integer_value(json_object_get(m,
			    "count"));
			notices++;
		} else if (!strcmp(json_string_value(json_object_get(m,
		    "type")), "line")) {
			seq = atoi(json_string_value(json_object_get(m,
			    "text")));
			/* In order, and every gap announced where it is. */
			assert_int_equal(seq, next);
			next++;
			got++;
		}
		json_decref(m);
		p = nl + 1;
	}
	assert_int_equal(next, total);
	assert_int_equal(got + dropped, total);
	assert_int_equal((uint64_t)dropped, server_drops);
	assert_true(notices >= 1);
	assert_true(dropped > 0);
	return got;
}

/* net.core.wmem_default: what a Unix socket may hold in flight, or 0. */
static long
wmem_default(void)
{
	FILE *f = fopen("/proc/sys/net/core/wmem_default", "r");
	long v = 0;

	if (f == NULL)
		return 0;
	if (fscanf(f, "%ld", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/*
 * A client that does not read: publishing never blocks, the server keeps
 * at most TAILSRV_OUT_BYTES + queue_bytes (plus what the kernel socket
 * buffer holds), the oldest are dropped, and once the client reads it
 * gets a "dropped" notice exactly at the gap, then the newest messages.
 */
static void
test_tailsrv_slow_client(void **state)
{
	enum { TOTAL = 3000 };
	struct srv s;
	struct cli slow;
	struct tailsrv_counters tc;
	char text[1000];
	long wmem = wmem_default();
	int i, got;

	(void)state;
	srv_start(&s, 32 * 1024, 8);
	cli_open(&slow, &s, "{\"all_lines\":true}\n");
	assert_true(cli_wait_for(&slow, &s, "\"subscribed\""));
	slow.len = 0;
	slow.buf[0] = '\0';
	memset(text, 'y', sizeof(text));
	for (i = 0; i < TOTAL; i++) {
		snprintf(text, 8, "%06d", i);
		text[6] = ' ';
		tailsrv_line(s.ts, "b1", text, sizeof(text), -1, i);
		if (i % 50 == 0)
			srv_spin(&s);	/* the loop runs; the client sleeps */
	}
	tailsrv_counters(s.ts, &tc);
	/* ~3 MB published; at most ~0.3 MB can be held or in flight. */
	assert_true(tc.drops > TOTAL / 2);
	assert_true(cli_wait_for(&slow, &s, "\"text\":\"002999 "));
	tailsrv_counters(s.ts, &tc);
	got = check_stream(&slow, TOTAL, tc.drops);
	/* Held for it: socket buffer + TAILSRV_OUT_BYTES + queue, each
	 * give or take one message (~1.1 kB). */
	if (wmem > 0)
		assert_true((long)got * 1100 <= wmem + TAILSRV_OUT_BYTES +
		    32 * 1024 + 4 * 1100);
	cli_close(&slow);
	srv_stop(&s);
}

/* Past max_clients a client gets an error and is closed. */
static void
test_tailsrv_too_many(void **state)
{
	struct srv s;
	struct cli a, b;

	(void)state;
	srv_start(&s, 65536, 1);
	cli_open(&a, &s, "{}\n");
	assert_true(cli_wait_for(&a, &s, "\"subscribed\""));
	cli_open(&b, &s, "{}\n");
	assert_true(cli_wait_for(&b, &s, "too many tail clients"));
	assert_true(cli_wait_for(&b, &s, "NEVER") == false);
	assert_int_equal(cli_read(&b), -1);	/* closed */
	cli_close(&a);
	cli_close(&b);
	srv_stop(&s);
}

/* A bad subscription gets an error and is closed. */
static void
test_tailsrv_bad_sub(void **state)
{
	struct srv s;
	struct cli a;

	(void)state;
	srv_start(&s, 65536, 4);
	cli_open(&a, &s, "{\"class\":\"bogus\"}\n");
	assert_true(cli_wait_for(&a, &s, "unknown report class"));
	assert_int_equal(cli_read(&a), -1);
	cli_close(&a);
	srv_stop(&s);
}

/* A stale socket file is replaced; a live one or a plain file is kept. */
static void
test_tailsrv_stale_and_live(void **state)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct tailsrv_config cfg;
	struct srv s;
	char *cause = NULL;
	int fd;

	(void)state;
	srv_start(&s, 65536, 4);
	cfg = (struct tailsrv_config){.base = s.base, .data_dir = s.dir,
	    .queue_bytes = 65536, .max_clients = 4};
	/* Live: a second server on the same dir is refused. */
	assert_null(tailsrv_new(&cfg, &cause));
	assert_non_null(strstr(cause, "answers"));
	free(cause);
	cause = NULL;
	tailsrv_free(s.ts);
	/* Stale: bound, nobody listening (a killed collector). */
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", s.path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	s.ts = tailsrv_new(&cfg, &cause);
	assert_non_null(s.ts);
	tailsrv_free(s.ts);
	/* Not a socket: left alone. */
	fd = open(s.path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	assert_null(tailsrv_new(&cfg, &cause));
	assert_non_null(strstr(cause, "not a socket"));
	free(cause);
	unlink(s.path);
	s.ts = NULL;
	srv_stop(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tailsrv_queue_fifo),
		cmocka_unit_test(test_tailsrv_queue_drop_oldest),
		cmocka_unit_test(test_tailsrv_queue_oversize),
		cmocka_unit_test(test_tailsrv_sub_parse),
		cmocka_unit_test(test_tailsrv_sub_match),
		cmocka_unit_test(test_tailsrv_line_msg),
		cmocka_unit_test(test_tailsrv_filters),
		cmocka_unit_test(test_tailsrv_slow_client),
		cmocka_unit_test(test_tailsrv_too_many),
		cmocka_unit_test(test_tailsrv_bad_sub),
		cmocka_unit_test(test_tailsrv_stale_and_live),
	};

	log_init(0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
