/* SPDX-License-Identifier: MIT */
/*
 * cmd_tail.c -- `kcatch tail`: follow the running collector's live feed
 * (tailsrv.h) on <data-dir>/kcatch.sock and print each report, and with
 * --all-lines each received line, as it arrives. Board text is untrusted:
 * every string that came from a board goes through termesc_dup() before
 * it is printed, and --json re-encodes messages as ASCII-only JSON.
 * Reports whose signature is triaged `ignored` are hidden; that set is
 * read from the database (read-only) at start and every few seconds.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd.h"
#include "conf.h"
#include "kreport.h"
#include "store.h"
#include "tailsrv.h"
#include "termesc.h"

/*
 * The ignored signatures are read again this often, or less often when
 * the query is slow (it scans reports): every TAIL_IGNORED_COST times as
 * long as it took, so it never uses more than ~5% of a core.
 */
#define TAIL_IGNORED_REFRESH_MS 3000
#define TAIL_IGNORED_COST 20
/* Longest message accepted from the collector (a report is far less). */
#define TAIL_MSG_MAX_BYTES (64 * 1024 * 1024)
/* Bytes asked of each read(). */
#define TAIL_READ_BYTES 65536

/* What the user asked for. */
struct tail_opts {
	char *data_dir;			/* owned */
	char *board;			/* owned, NULL: every board */
	char *cls;			/* owned, NULL: every class */
	bool all_lines;
	bool json;			/* print the messages as JSON */
	bool verbose;			/* the whole report text too */
};

/* The running command. */
struct tail {
	struct tail_opts o;
	char *path;			/* socket path, owned */
	int fd;				/* connected socket, -1 none */
	bool color;			/* stdout is a TTY and NO_COLOR unset */
	char *buf;			/* received, not yet a whole line */
	size_t len, cap;
	struct store *store;		/* read-only, NULL until opened */
	char **ignored;			/* sorted signature hashes, owned */
	size_t nignored;
	bool ignored_warned;		/* said once that they are unknown */
	int64_t ignored_ms;		/* monotonic ms of the last read */
	int64_t ignored_every_ms;	/* how often to read them */
	uint64_t hidden;		/* reports hidden as ignored */
};

/* How a message ends the loop. */
enum tail_next {
	TAIL_GO_ON,
	TAIL_STOP_OK,			/* exit 0 */
	TAIL_STOP_FAIL,			/* exit 2 */
};

/* SGR colour of each class family; anything else is cyan. */
static const struct {
	const char *cls;
	const char *sgr;
} tail_colors[] = {
	{"kasan", "1;31"}, {"kmsan", "1;31"}, {"kfence", "1;31"},
	{"bug", "1;31"}, {"oops", "1;31"}, {"panic", "1;31"},
	{"stack-corruption", "1;31"}, {"list-corruption", "1;31"},
	{"slab-corruption", "1;31"}, {"bad-page", "1;31"},
	{"serror", "1;31"}, {"warn", "33"}, {"kcsan", "33"},
	{"ubsan", "33"}, {"lockdep", "33"}, {"refcount", "33"},
	{"debug-objects", "33"}, {"atomic-sleep", "33"},
	{"memory-leak", "33"}, {"rcu-stall", "35"}, {"hung-task", "35"},
	{"soft-lockup", "35"}, {"hard-lockup", "35"},
	{"workqueue-lockup", "35"},
};

/* Print the usage line to f. */
static void
usage(FILE *f)
{
	fprintf(f, "usage: kcatch tail [--board B] [--class C] [--all-lines] "
	    "[--data-dir DIR] [--json] [-v]\n");
}

/* Monotonic milliseconds. */
static int64_t
tail_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- printing ------------------------------------------------------- */

/* Start an SGR colour (when colouring). */
static void
tail_sgr(const struct tail *t, const char *sgr)
{
	if (t->color)
		printf("\033[%sm", sgr);
}

/* End a colour. */
static void
tail_sgr_end(const struct tail *t)
{
	if (t->color)
		fputs("\033[0m", stdout);
}

/* Print len bytes of board text, escaped for the terminal. */
static void
tail_put(const char *s, size_t len)
{
	char *e = termesc_dup(s, len);

	fputs(e != NULL ? e : "(out of memory)", stdout);
	free(e);
}

/* Print member key of o (a string from the board), escaped. */
static void
tail_put_member(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_string(v))
		tail_put(json_string_value(v), json_string_length(v));
	else
		fputs("-", stdout);
}

/* String member or "" (for comparisons, never printed raw). */
static const char *
tail_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* Local time of ms since the epoch, with milliseconds when ms_too. */
static const char *
tail_time(int64_t ms, bool ms_too, char *buf, size_t size)
{
	time_t sec = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	if (ms < 0 || localtime_r(&sec, &tm) == NULL ||
	    (n = strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm)) == 0)
		return "-";
	if (ms_too)
		snprintf(buf + n, size - n, ".%03d", (int)(ms % 1000));
	return buf;
}

/* SGR colour of a class name. */
static const char *
tail_class_sgr(const char *cls)
{
	size_t i;

	for (i = 0; i < sizeof(tail_colors) / sizeof(tail_colors[0]); i++)
		if (!strcmp(tail_colors[i].cls, cls))
			return tail_colors[i].sgr;
	return "36";
}

/* Print a message as ASCII-only JSON on one line. */
static void
tail_print_json(json_t *m)
{
	json_dumpf(m, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
	fputc('\n', stdout);
}

/* Print a report's text, one indented and escaped line at a time. */
static void
tail_print_text(json_t *r)
{
	json_t *v = json_object_get(r, "text");
	const char *p, *end, *nl;

	if (!json_is_string(v))
		return;
	p = json_string_value(v);
	end = p + json_string_length(v);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		fputs("    ", stdout);
		tail_put(p, nl != NULL ? (size_t)(nl - p) : (size_t)(end - p));
		fputc('\n', stdout);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	fputc('\n', stdout);
}

/* One report: time, board, class, title, signature; -v the text. */
static void
tail_print_report(const struct tail *t, json_t *m, json_t *r)
{
	char tbuf[48];
	const char *cls = tail_str(r, "class");

	printf("%s ", tail_time(json_integer_value(json_object_get(r,
	    "first_recv_ms")), false, tbuf, sizeof(tbuf)));
	tail_put_member(m, "board");
	fputc(' ', stdout);
	tail_sgr(t, tail_class_sgr(cls));
	tail_put_member(r, "class");
	tail_sgr_end(t);
	fputc(' ', stdout);
	tail_sgr(t, "1");
	tail_put_member(r, "title");
	tail_sgr_end(t);
	tail_sgr(t, "2");
	fputs(" [", stdout);
	tail_put_member(r, "signature");
	fputc(']', stdout);
	tail_sgr_end(t);
	if (json_is_true(json_object_get(r, "corrupted"))) {
		fputs(" (corrupted: ", stdout);
		tail_put_member(r, "corrupt_reason");
		fputc(')', stdout);
	}
	fputc('\n', stdout);
	if (t->o.verbose)
		tail_print_text(r);
}

/* One received line: time, board, printk time, text. */
static void
tail_print_line(const struct tail *t, json_t *m)
{
	json_t *kt = json_object_get(m, "ktime_us");
	char tbuf[48];
	json_int_t us;

	printf("%s ", tail_time(json_integer_value(json_object_get(m,
	    "recv_ms")), true, tbuf, sizeof(tbuf)));
	tail_sgr(t, "2");
	tail_put_member(m, "board");
	tail_sgr_end(t);
	if (json_is_integer(kt) && (us = json_integer_value(kt)) >= 0)
		printf(" [%5" JSON_INTEGER_FORMAT ".%06" JSON_INTEGER_FORMAT
		    "]", us / 1000000, us % 1000000);
	fputc(' ', stdout);
	tail_put_member(m, "text");
	fputc('\n', stdout);
}

/* ---- ignored signatures ----------------------------------------------- */

/* qsort/bsearch order of the hash strings. */
static int
tail_hash_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Free the ignored set. */
static void
tail_ignored_free(struct tail *t)
{
	store_sig_hashes_free(t->ignored, t->nignored);
	t->ignored = NULL;
	t->nignored = 0;
}

/* Take hashes (sorted here, for bsearch) as the new ignored set. */
static void
tail_ignored_take(struct tail *t, char **hashes, size_t n)
{
	if (n > 0)
		qsort(hashes, n, sizeof(*hashes), tail_hash_cmp);
	tail_ignored_free(t);
	t->ignored = hashes;
	t->nignored = n;
}

/*
 * Read the signatures triaged `ignored`. On failure the previous set
 * stays and the user is told once (every report is shown meanwhile).
 */
static void
tail_ignored_refresh(struct tail *t)
{
	char **hashes = NULL;
	size_t n = 0;
	char *cause = NULL;
	int64_t took_ms;
	int rc = -1;

	t->ignored_ms = tail_now_ms();
	t->ignored_every_ms = TAIL_IGNORED_REFRESH_MS;
	if (t->store == NULL)
		t->store = store_open_dir(t->o.data_dir, STORE_READONLY,
		    &cause);
	/* Only the hashes, from the partial index: store_sig_list() would
	 * aggregate every report and grows with the database. */
	if (t->store != NULL && store_sig_hashes(t->store, STORE_SIG_IGNORED,
	    &hashes, &n, &cause) == 0) {
		tail_ignored_take(t, hashes, n);
		rc = 0;
	}
	took_ms = tail_now_ms() - t->ignored_ms;
	if (took_ms * TAIL_IGNORED_COST > TAIL_IGNORED_REFRESH_MS)
		t->ignored_every_ms = took_ms * TAIL_IGNORED_COST;
	if (rc == 0) {
		t->ignored_warned = false;
	} else if (!t->ignored_warned) {
		fprintf(stderr, "kcatch tail: cannot read the ignored "
		    "signatures, showing them too: %s\n", cause != NULL ?
		    cause : "out of memory");
		t->ignored_warned = true;
	}
	if (rc != 0 && t->store != NULL) {
		store_close(t->store, NULL);	/* reopened next time */
		t->store = NULL;
	}
	free(cause);
}

/* Whether a signature is ignored. */
static bool
tail_ignored(const struct tail *t, const char *sig)
{
	return t->nignored > 0 && bsearch(&sig, t->ignored, t->nignored,
	    sizeof(*t->ignored), tail_hash_cmp) != NULL;
}

/* ---- messages --------------------------------------------------------- */

/* {"type":"subscribed"}: the feed is live. */
static enum tail_next
tail_on_subscribed(struct tail *t, json_t *m)
{
	if (t->o.json)
		tail_print_json(m);
	fprintf(stderr, "kcatch tail: following %s (board %s, class %s%s)\n",
	    t->o.data_dir, t->o.board != NULL ? t->o.board : "any",
	    t->o.cls != NULL ? t->o.cls : "any", t->o.all_lines ?
	    ", every line" : "");
	return TAIL_GO_ON;
}

/* {"type":"report"}: print it unless its signature is ignored. */
static enum tail_next
tail_on_report(struct tail *t, json_t *m)
{
	json_t *r = json_object_get(m, "report");

	if (!json_is_object(r))
		return TAIL_GO_ON;
	if (tail_ignored(t, tail_str(r, "signature"))) {
		t->hidden++;
		return TAIL_GO_ON;
	}
	if (t->o.json)
		tail_print_json(m);
	else
		tail_print_report(t, m, r);
	return TAIL_GO_ON;
}

/* {"type":"line"}. */
static enum tail_next
tail_on_line(struct tail *t, json_t *m)
{
	if (t->o.json)
		tail_print_json(m);
	else
		tail_print_line(t, m);
	return TAIL_GO_ON;
}

/* {"type":"dropped"}: this tail read too slowly. */
static enum tail_next
tail_on_dropped(struct tail *t, json_t *m)
{
	if (t->o.json) {
		tail_print_json(m);
		return TAIL_GO_ON;
	}
	tail_sgr(t, "33");
	printf("-- %" JSON_INTEGER_FORMAT " messages dropped: this tail read "
	    "too slowly --", json_integer_value(json_object_get(m, "count")));
	tail_sgr_end(t);
	fputc('\n', stdout);
	return TAIL_GO_ON;
}

/* {"type":"error"}: the collector refused us and closes. */
static enum tail_next
tail_on_error(struct tail *t, json_t *m)
{
	const char *msg = tail_str(m, "message");
	char *e = termesc_dup(msg, strlen(msg));

	if (t->o.json)
		tail_print_json(m);
	fprintf(stderr, "kcatch tail: the collector refused: %s\n",
	    e != NULL ? e : "?");
	free(e);
	return TAIL_STOP_FAIL;
}

/* Message types; others (from a newer collector) are skipped. */
static const struct {
	const char *type;
	enum tail_next (*fn)(struct tail *, json_t *);
} tail_handlers[] = {
	{"subscribed", tail_on_subscribed},
	{"report", tail_on_report},
	{"line", tail_on_line},
	{"dropped", tail_on_dropped},
	{"error", tail_on_error},
};

/* Handle one message line. */
static enum tail_next
tail_message(struct tail *t, const char *line, size_t len)
{
	enum tail_next next = TAIL_GO_ON;
	json_error_t err;
	const char *type;
	json_t *m;
	size_t i;

	m = json_loadb(line, len, 0, &err);
	if (m == NULL) {
		fprintf(stderr, "kcatch tail: bad message from the collector: "
		    "%s\n", err.text);
		return TAIL_GO_ON;
	}
	type = tail_str(m, "type");
	for (i = 0; i < sizeof(tail_handlers) / sizeof(tail_handlers[0]); i++)
		if (!strcmp(type, tail_handlers[i].type))
			next = tail_handlers[i].fn(t, m);
	json_decref(m);
	return next;
}

/*
 * Handle every whole line in the buffer and keep the rest. Output is
 * flushed once per read, not per message, so a tail keeps up with a
 * busy collector.
 */
static enum tail_next
tail_lines(struct tail *t)
{
	enum tail_next next = TAIL_GO_ON;
	char *p = t->buf, *nl;
	size_t left = t->len;

	while (next == TAIL_GO_ON && (nl = memchr(p, '\n', left)) != NULL) {
		next = tail_message(t, p, (size_t)(nl - p));
		left -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
	memmove(t->buf, p, left);
	t->len = left;
	if (fflush(stdout) == EOF) {
		fprintf(stderr, "kcatch tail: stdout: %s\n", strerror(errno));
		return TAIL_STOP_FAIL;
	}
	return next;
}

/* ---- the connection --------------------------------------------------- */

/* Make room for one more read. -1 when a message is too long or OOM. */
static int
tail_buf_room(struct tail *t)
{
	size_t cap;
	char *nb;

	if (t->cap - t->len >= TAIL_READ_BYTES)
		return 0;
	cap = t->cap != 0 ? t->cap * 2 : 4 * TAIL_READ_BYTES;
	if (cap > TAIL_MSG_MAX_BYTES + TAIL_READ_BYTES)
		return -1;
	if ((nb = realloc(t->buf, cap)) == NULL)
		return -1;
	t->buf = nb;
	t->cap = cap;
	return 0;
}

/* Send the subscription line. 0 or -1 (message printed). */
static int
tail_subscribe(struct tail *t)
{
	json_t *o;
	char *s = NULL;
	size_t len, off = 0;
	ssize_t n;

	o = json_pack("{s:s?, s:s?, s:b}", "board", t->o.board, "class",
	    t->o.cls, "all_lines", t->o.all_lines);
	if (o != NULL)
		s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s == NULL) {
		fprintf(stderr, "kcatch tail: out of memory\n");
		return -1;
	}
	len = strlen(s);
	s[len++] = '\n';	/* replaces the NUL: len is what we send */
	while (off < len && ((n = send(t->fd, s + off, len - off,
	    MSG_NOSIGNAL)) > 0 || errno == EINTR))
		off += n > 0 ? (size_t)n : 0;
	free(s);
	if (off == len)
		return 0;
	fprintf(stderr, "kcatch tail: %s: %s\n", t->path, strerror(errno));
	return -1;
}

/* Connect to the collector's socket. 0 or -1 (message printed). */
static int
tail_connect(struct tail *t)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	if (strlen(t->path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "kcatch tail: %s: path too long for a Unix "
		    "socket\n", t->path);
		return -1;
	}
	memcpy(sun.sun_path, t->path, strlen(t->path) + 1);
	t->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (t->fd != -1 &&
	    connect(t->fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return tail_subscribe(t);
	if (errno == ENOENT || errno == ECONNREFUSED)
		fprintf(stderr, "kcatch tail: no collector running on %s "
		    "(socket %s)\n", t->o.data_dir, t->path);
	else
		fprintf(stderr, "kcatch tail: %s: %s\n", t->path,
		    strerror(errno));
	return -1;
}

/* Read once: handle what came in. */
static enum tail_next
tail_read(struct tail *t)
{
	ssize_t n;

	if (tail_buf_room(t) == -1) {
		fprintf(stderr, "kcatch tail: message from the collector too "
		    "long\n");
		return TAIL_STOP_FAIL;
	}
	n = read(t->fd, t->buf + t->len, t->cap - t->len);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return TAIL_GO_ON;
	if (n <= 0) {
		fprintf(stderr, "kcatch tail: the collector on %s went away%s"
		    "%s\n", t->o.data_dir, n == 0 ? "" : ": ", n == 0 ? "" :
		    strerror(errno));
		return TAIL_STOP_OK;
	}
	t->len += (size_t)n;
	return tail_lines(t);
}

/* Follow the feed until the collector goes away or refuses us. */
static int
tail_loop(struct tail *t)
{
	struct pollfd pfd = {.fd = t->fd, .events = POLLIN};
	enum tail_next next = TAIL_GO_ON;
	int64_t wait;
	int rc;

	while (next == TAIL_GO_ON) {
		wait = t->ignored_ms + t->ignored_every_ms - tail_now_ms();
		if (wait <= 0) {
			tail_ignored_refresh(t);
			continue;
		}
		rc = poll(&pfd, 1, (int)wait);
		if (rc == -1 && errno != EINTR) {
			fprintf(stderr, "kcatch tail: poll: %s\n",
			    strerror(errno));
			return CMD_EXIT_DATA;
		}
		if (rc > 0)
			next = tail_read(t);
	}
	return next == TAIL_STOP_OK ? CMD_EXIT_OK : CMD_EXIT_DATA;
}

/* ---- the command ------------------------------------------------------ */

/* Free what the options hold. */
static void
tail_opts_free(struct tail_opts *o)
{
	free(o->data_dir);
	free(o->board);
	free(o->cls);
}

/* Replace *dst with a copy of src. */
static void
tail_set(char **dst, const char *src)
{
	free(*dst);
	*dst = strdup(src);
}

/* Check the filters. 0, or -1 with a message. */
static int
tail_opts_check(const struct tail_opts *o)
{
	if (o->board != NULL && (o->board[0] == '\0' ||
	    strlen(o->board) > CONF_BOARD_NAME_MAX)) {
		fprintf(stderr, "kcatch tail: --board: not a board name\n");
		return -1;
	}
	if (o->cls != NULL && kr_class_from_name(o->cls) <= KR_CLASS_NONE) {
		fprintf(stderr, "kcatch tail: --class: unknown class (see "
		    "docs/classes.md)\n");
		return -1;
	}
	return 0;
}

/* Parse the arguments. CMD_EXIT_OK to run, or the exit code. */
static int
tail_args(int argc, char **argv, struct tail_opts *o, bool *help)
{
	static const struct option opts[] = {
		{"board", required_argument, NULL, 'b'},
		{"class", required_argument, NULL, 'c'},
		{"all-lines", no_argument, NULL, 'a'},
		{"data-dir", required_argument, NULL, 'D'},
		{"json", no_argument, NULL, 'j'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 0; /* full getopt reset: commands may run more than once */
	while ((c = getopt_long(argc, argv, "b:c:aD:jvh", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			tail_set(&o->board, optarg);
			break;
		case 'c':
			tail_set(&o->cls, optarg);
			break;
		case 'a':
			o->all_lines = true;
			break;
		case 'D':
			tail_set(&o->data_dir, optarg);
			break;
		case 'j':
			o->json = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			*help = true;
			return CMD_EXIT_OK;
		default:
			return CMD_EXIT_USAGE;
		}
	}
	if (optind != argc || tail_opts_check(o) == -1)
		return CMD_EXIT_USAGE;
	return CMD_EXIT_OK;
}

/* Connect and follow. */
static int
tail_run(struct tail *t)
{
	char *cause = NULL;
	const char *nc = getenv("NO_COLOR");

	if (t->o.data_dir == NULL &&
	    (t->o.data_dir = store_data_dir_default(&cause)) == NULL) {
		fprintf(stderr, "kcatch tail: %s\n", cause != NULL ? cause :
		    "out of memory");
		free(cause);
		return CMD_EXIT_DATA;
	}
	if (asprintf(&t->path, "%s/%s", t->o.data_dir, TAILSRV_SOCK_NAME) ==
	    -1) {
		t->path = NULL;
		return CMD_EXIT_DATA;
	}
	if (tail_connect(t) == -1)
		return CMD_EXIT_DATA;
	t->color = !t->o.json && isatty(STDOUT_FILENO) &&
	    (nc == NULL || nc[0] == '\0');
	tail_ignored_refresh(t);
	return tail_loop(t);
}

int
cmd_tail(int argc, char **argv)
{
	struct tail t = {.fd = -1};
	bool help = false;
	int rc;

	rc = tail_args(argc, argv, &t.o, &help);
	if (help || rc != CMD_EXIT_OK) {
		usage(help ? stdout : stderr);
		tail_opts_free(&t.o);
		return rc;
	}
	rc = tail_run(&t);
	if (t.fd != -1)
		close(t.fd);
	store_close(t.store, NULL);
	tail_ignored_free(&t);
	free(t.buf);
	free(t.path);
	tail_opts_free(&t.o);
	return rc;
}
