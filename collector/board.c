/* SPDX-License-Identifier: MIT */
/*
 * board.c -- per-board stream state and the source -> board table. Owns
 * every struct board, its decoder, parser and timer. A datagram goes
 * through board_input: rate limit, nc_rx_feed, then each record's lines go
 * to the writer queue first (archive) and to kr_feed second, so a report
 * is always queued after the lines it covers.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "kreport.h"
#include "tailsrv.h"
#include "udp.h"

/* Hash slot: one source key; several keys may point at one board. */
struct board_slot {
	struct board_addr key;
	struct board *b;	/* NULL: empty */
};

/* Most hash keys per board, so many source ports of one "any port"
 * board cannot grow the table without bound (more still work, slower). */
#define BOARD_KEYS_MAX 4

struct board_table {
	struct board_table_config cfg;
	const struct conf *conf;	/* current config, not owned */
	struct nc_limits nclim;
	struct kr_config krcfg;
	struct board **boards;		/* owned, creation order */
	size_t nboards, capboards;
	struct board_slot *slots;	/* open addressing, power of 2 */
	size_t nslots, used;
	struct board *last;		/* last lookup hit */
	struct board_addr last_key;
	struct board *dirty;		/* boards whose timer needs re-arming */
	int64_t mono_ms, wall_ms;	/* clocks of the current callback */
	/* The last board that sent, and the last other one before it (for
	 * source_rate: compared, never dereferenced). */
	const struct board *sender, *other;
	int64_t sender_ms, other_ms;	/* their last datagrams */
	uint64_t unknown_drops, full_drops;
	struct log_ratelimit rl;	/* warnings not tied to a board */
};

_Static_assert(ARCHIVE_CALLER_MAX + 1 == NC_CALLER_MAX,
    "board_line() copies a record's caller id into an archive line whole");

/* source_rate applies while another board sent within this long. */
#define BOARD_CONTEND_MS 10000

#define BOARD_STR(x) #x
#define BOARD_XSTR(x) BOARD_STR(x)

static void board_timer_cb(evutil_socket_t fd, short what, void *arg);

/* Build the key of a socket address. */
int
board_addr_from(struct board_addr *key, const struct sockaddr *sa,
    socklen_t salen)
{
	const struct sockaddr_in *sin = (const void *)sa;
	const struct sockaddr_in6 *sin6 = (const void *)sa;

	memset(key, 0, sizeof(*key));
	if (sa->sa_family == AF_INET && salen >= sizeof(*sin)) {
		key->family = AF_INET;
		key->port = ntohs(sin->sin_port);
		memcpy(key->addr, &sin->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family != AF_INET6 || salen < sizeof(*sin6))
		return -1;
	key->port = ntohs(sin6->sin6_port);
	if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		key->family = AF_INET;
		memcpy(key->addr, &sin6->sin6_addr.s6_addr[12], 4);
	} else {
		key->family = AF_INET6;
		memcpy(key->addr, &sin6->sin6_addr, 16);
	}
	return 0;
}

/* Whether two keys are equal. */
static bool
board_addr_eq(const struct board_addr *a, const struct board_addr *b)
{
	return a->family == b->family && a->port == b->port &&
	    memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

/* FNV-1a of a key. */
static size_t
board_addr_hash(const struct board_addr *k)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	h = (h ^ k->family) * 1099511628211ULL;
	h = (h ^ (k->port & 0xff)) * 1099511628211ULL;
	h = (h ^ (k->port >> 8)) * 1099511628211ULL;
	for (i = 0; i < sizeof(k->addr); i++)
		h = (h ^ k->addr[i]) * 1099511628211ULL;
	return (size_t)h;
}

/* Name for an unknown source. */
void
board_auto_name(const struct board_addr *key, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	inet_ntop(key->family, key->addr, host, sizeof(host));
	snprintf(buf, len, "%s-%u", host, key->port);
}

/* "ip:port" of a key. */
static void
board_addr_text(const struct board_addr *key, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	inet_ntop(key->family, key->addr, host, sizeof(host));
	if (key->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", host, key->port);
	else
		snprintf(buf, len, "%s:%u", host, key->port);
}

/* Create the table. */
struct board_table *
board_table_new(const struct board_table_config *cfg, char **cause)
{
	struct board_table *t;
	struct kr_ctx *probe;

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto nomem;
	t->cfg = *cfg;
	t->conf = cfg->conf;
	nc_limits_default(&t->nclim);
	if (t->nclim.line_max_bytes > ARCHIVE_LINE_MAX)
		t->nclim.line_max_bytes = ARCHIVE_LINE_MAX;
	t->krcfg.quiet_ms = cfg->conf->quiet_ms;
	t->krcfg.max_lines = (unsigned)cfg->conf->report_lines;
	t->rl = (struct log_ratelimit)LOG_RATELIMIT_INIT;
	t->nslots = 64;
	t->slots = calloc(t->nslots, sizeof(*t->slots));
	if (t->slots == NULL)
		goto nomem;
	/* Fail at startup, not at the first datagram, if rules break. */
	probe = kr_new(&t->krcfg, cause);
	if (probe == NULL) {
		board_table_free(t);
		return NULL;
	}
	kr_free(probe);
	return t;
nomem:
	if (cause != NULL)
		*cause = strdup("out of memory");
	board_table_free(t);
	return NULL;
}

/* Free one board. */
static void
board_free(struct board *b)
{
	if (b->timer != NULL)
		event_free(b->timer);
	nc_rx_free(b->rx);
	kr_free(b->kr);
	writer_board_clear(&b->wb);
	free(b);
}

/* Free the table and every board. */
void
board_table_free(struct board_table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nboards; i++)
		board_free(t->boards[i]);
	free(t->boards);
	free(t->slots);
	free(t);
}

/* Set the clocks of the current callback. */
void
board_table_clock(struct board_table *t, int64_t mono_ms, int64_t wall_ms)
{
	t->mono_ms = mono_ms;
	t->wall_ms = wall_ms;
}

/* Slot of key: its own or the empty one where it would go. */
static struct board_slot *
board_slot_find(struct board_table *t, const struct board_addr *key)
{
	size_t mask = t->nslots - 1, i = board_addr_hash(key) & mask;

	while (t->slots[i].b != NULL && !board_addr_eq(&t->slots[i].key, key))
		i = (i + 1) & mask;
	return &t->slots[i];
}

/* Double the hash table. */
static int
board_slots_grow(struct board_table *t)
{
	struct board_slot *old = t->slots, *s;
	size_t n = t->nslots, i;

	t->slots = calloc(n * 2, sizeof(*t->slots));
	if (t->slots == NULL) {
		t->slots = old;
		return -1;
	}
	t->nslots = n * 2;
	for (i = 0; i < n; i++) {
		if (old[i].b == NULL)
			continue;
		s = board_slot_find(t, &old[i].key);
		*s = old[i];
	}
	free(old);
	return 0;
}

/* Map key to b. */
static void
board_slot_add(struct board_table *t, const struct board_addr *key,
    struct board *b)
{
	struct board_slot *s;

	if ((t->used + 1) * 2 > t->nslots && board_slots_grow(t) == -1)
		return; /* lookups still work through the config */
	s = board_slot_find(t, key);
	if (s->b == NULL)
		t->used++;
	s->key = *key;
	s->b = b;
}

/* Whether a config address matches key; exact: the port must be given. */
static bool
board_conf_addr_match(const struct conf_addr *a, const struct board_addr *key,
    bool exact)
{
	struct board_addr ck;

	if (board_addr_from(&ck, (const struct sockaddr *)&a->ss, a->len) ==
	    -1 || ck.family != key->family ||
	    memcmp(ck.addr, key->addr, sizeof(ck.addr)) != 0)
		return false;
	if (exact)
		return !a->any_port && ck.port == key->port;
	return a->any_port;
}

/* Config board for a source: an exact ip:port beats an ip alone. */
static const struct conf_board *
board_conf_match(const struct conf *c, const struct board_addr *key)
{
	size_t i, j;
	int pass;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < c->nboards; i++)
			for (j = 0; j < c->boards[i].naddrs; j++)
				if (board_conf_addr_match(&c->boards[i].addrs[j],
				    key, pass == 0))
					return &c->boards[i];
	return NULL;
}

/* Board by name. */
struct board *
board_find(struct board_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nboards; i++)
		if (!strcmp(t->boards[i]->name, name))
			return t->boards[i];
	return NULL;
}

/* Number of boards. */
size_t
board_count(const struct board_table *t)
{
	return t->nboards;
}

/* Board i. */
struct board *
board_at(struct board_table *t, size_t i)
{
	return i < t->nboards ? t->boards[i] : NULL;
}

/* Tell the writer about b (again after a rename); retried when full. */
static void
board_register(struct board_table *t, struct board *b)
{
	if (writer_board(t->cfg.writer, &b->wb, b->name, b->address) != 0) {
		b->c.queue_drops++;
		return;
	}
	b->registered = true;
	b->in_boot = false; /* the next record resumes or begins a boot */
}

/* Allocate a board and its decoder, parser and timer. */
static struct board *
board_new(struct board_table *t, const struct board_addr *key,
    const char *name, bool named)
{
	struct board *b;
	char *cause = NULL;

	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	b->table = t;
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->key = *key;
	board_addr_text(key, b->address, sizeof(b->address));
	b->named = named;
	b->rl = (struct log_ratelimit)LOG_RATELIMIT_INIT;
	b->tokens = (double)t->conf->source_rate;
	b->tokens_ms = t->mono_ms;
	b->rx = nc_rx_new(&t->nclim);
	b->kr = kr_new(&t->krcfg, &cause);
	b->timer = evtimer_new(t->cfg.base, board_timer_cb, b);
	b->timer_due = -1;
	if (b->rx == NULL || b->kr == NULL || b->timer == NULL) {
		log_warnx_rl(&t->rl, "board %s: cannot create: %s", name,
		    cause != NULL ? cause : "out of memory");
		free(cause);
		board_free(b);
		return NULL;
	}
	return b;
}

/* Add a new board for key to the table. */
static struct board *
board_add(struct board_table *t, const struct board_addr *key,
    const char *name, bool named)
{
	struct board **nb;
	struct board *b;

	if (t->nboards == t->capboards) {
		nb = reallocarray(t->boards, t->capboards ? t->capboards * 2 :
		    16, sizeof(*nb));
		if (nb == NULL)
			return NULL;
		t->boards = nb;
		t->capboards = t->capboards ? t->capboards * 2 : 16;
	}
	b = board_new(t, key, name, named);
	if (b == NULL)
		return NULL;
	t->boards[t->nboards++] = b;
	board_slot_add(t, key, b);
	board_register(t, b);
	log_info("board %s: new %s board, source %s", b->name,
	    named ? "configured" : "registered", b->address);
	return b;
}

/* Count the keys mapping to b (bounded by BOARD_KEYS_MAX + 1). */
static size_t
board_keys(const struct board_table *t, const struct board *b)
{
	size_t i, n = 0;

	for (i = 0; i < t->nslots && n <= BOARD_KEYS_MAX; i++)
		if (t->slots[i].b == b)
			n++;
	return n;
}

/* Slow path: a source not in the hash table. */
static struct board *
board_lookup_slow(struct board_table *t, const struct board_addr *key)
{
	const struct conf_board *cb;
	struct board *b;
	char name[CONF_BOARD_NAME_MAX + 1];

	cb = board_conf_match(t->conf, key);
	if (cb != NULL && (b = board_find(t, cb->name)) != NULL) {
		/* Same board from another source port (ip-only address). */
		if (board_keys(t, b) < BOARD_KEYS_MAX)
			board_slot_add(t, key, b);
		board_addr_text(key, b->address, sizeof(b->address));
		return b;
	}
	if (cb == NULL && t->conf->unknown == CONF_UNKNOWN_DROP) {
		t->unknown_drops++;
		return NULL;
	}
	if ((long long)t->nboards >= t->conf->max_boards) {
		t->full_drops++;
		log_warnx_rl(&t->rl, "max_boards (%lld) reached: datagrams "
		    "from new sources dropped", t->conf->max_boards);
		return NULL;
	}
	if (cb != NULL)
		return board_add(t, key, cb->name, true);
	board_auto_name(key, name, sizeof(name));
	return board_add(t, key, name, false);
}

/* Find or create the board of a source. */
static struct board *
board_lookup(struct board_table *t, const struct board_addr *key)
{
	struct board_slot *s;
	struct board *b;

	if (t->last != NULL && board_addr_eq(&t->last_key, key))
		return t->last;
	s = board_slot_find(t, key);
	b = s->b != NULL ? s->b : board_lookup_slow(t, key);
	if (b != NULL) {
		t->last = b;
		t->last_key = *key;
	}
	return b;
}

/*
 * Whether another board sent within BOARD_CONTEND_MS. The rate cap is
 * there so that a flooding board cannot starve the others; a board that
 * is alone may use the whole collector.
 */
static bool
board_contended(struct board_table *t, const struct board *b)
{
	if (t->sender != b) {
		t->other = t->sender;
		t->other_ms = t->sender_ms;
		t->sender = b;
	}
	t->sender_ms = t->mono_ms;
	return t->other != NULL && t->mono_ms - t->other_ms < BOARD_CONTEND_MS;
}

/* Take a token from the board's source_rate bucket. */
static bool
board_rate_ok(struct board_table *t, struct board *b)
{
	double rate = (double)t->conf->source_rate;
	bool contended = board_contended(t, b);

	if (rate <= 0)
		return true;
	if (t->mono_ms > b->tokens_ms) {
		b->tokens += (double)(t->mono_ms - b->tokens_ms) * rate / 1000;
		if (b->tokens > rate)
			b->tokens = rate;
		b->tokens_ms = t->mono_ms;
	}
	/* Alone, a board drains its bucket all the same, so a flooder is
	 * capped from its first datagram after another board shows up. */
	if (b->tokens >= 1)
		b->tokens -= 1;
	else if (contended)
		return false;
	return true;
}

#define BOARD_VERSION "Linux version "
#define BOARD_BOOTING "Booting Linux on physical CPU"

/* Boot markers of one console line. */
unsigned
board_line_marks(const char *text, size_t len, char *release, size_t relsz)
{
	size_t i = marker_skip_console(text, len), n = 0;
	const char *p = text + i;
	size_t rest = len - i;

	if (rest >= sizeof(BOARD_BOOTING) - 1 &&
	    !memcmp(p, BOARD_BOOTING, sizeof(BOARD_BOOTING) - 1))
		return BOARD_MARK_BOOTING;
	if (rest < sizeof(BOARD_VERSION) ||
	    memcmp(p, BOARD_VERSION, sizeof(BOARD_VERSION) - 1) != 0)
		return 0;
	p += sizeof(BOARD_VERSION) - 1;
	rest -= sizeof(BOARD_VERSION) - 1;
	while (n < rest && p[n] != ' ' && !iscntrl((unsigned char)p[n]))
		n++;
	if (n == 0)
		return 0;
	if (release != NULL && relsz > 0) {
		if (n >= relsz)
			n = relsz - 1;
		memcpy(release, p, n);
		release[n] = '\0';
	}
	return BOARD_MARK_VERSION;
}

/*
 * Queue the reports the parser finished, and publish each one the writer
 * took to the tails. It is encoded first: the writer owns r once queued.
 */
static void
board_reports(struct board_table *t, struct board *b)
{
	struct tailsrv_msg *live;
	struct kr_report *r;

	while ((r = kr_next(b->kr)) != NULL) {
		live = tailsrv_report_msg(t->cfg.tail, b->name, r);
		if (writer_report(t->cfg.writer, &b->wb, r) != 0) {
			tailsrv_msg_unref(live);
			b->c.queue_drops++;
			log_warnx_rl(&b->rl, "board %s: writer queue full, "
			    "report dropped", b->name);
			continue;
		}
		b->c.reports++;
		tailsrv_publish(t->cfg.tail, live);
	}
}

/* Start (or resume) a boot: close the parser's open report first. */
static void
board_boot(struct board_table *t, struct board *b, enum writer_boot_mode mode)
{
	if (b->in_boot) {
		kr_flush(b->kr);
		board_reports(t, b);
	}
	if (writer_boot(t->cfg.writer, &b->wb, mode, t->wall_ms) != 0) {
		b->c.queue_drops++;
		b->in_boot = false;
		return;
	}
	if (mode == WRITER_BOOT_NEW)
		log_info("board %s: new boot", b->name);
	b->in_boot = true;
	b->boot_fresh = mode == WRITER_BOOT_NEW;
	b->boot_marks = 0;
	b->boot_release_sent = false;
	b->line = 0;
	marker_tracker_reset(&b->marks); /* userdata is per boot */
	b->c.boots++;
}

/*
 * A "Linux version" or "Booting Linux" line. It begins a new boot unless
 * the current one began at a reset or marker a few lines ago and has not
 * seen this marker yet.
 */
static void
board_marker(struct board_table *t, struct board *b, unsigned marks,
    const char *release, const char *text, size_t len)
{
	size_t skip = marker_skip_console(text, len);

	if (!b->in_boot || !b->boot_fresh || (b->boot_marks & marks) ||
	    b->line >= BOARD_MARK_WINDOW)
		board_boot(t, b, WRITER_BOOT_NEW);
	b->boot_marks |= marks;
	if (!(marks & BOARD_MARK_VERSION))
		return;
	if (writer_kernel(t->cfg.writer, &b->wb, release, text + skip,
	    len - skip) == 0)
		b->boot_release_sent = true;
}

/* Count and log a step marker that breaks the grammar (rate limited). */
static void
board_bad_marker(struct board *b, const char *what, const char *reason,
    const char *text, size_t len)
{
	char esc[96];

	b->c.bad_markers++;
	if (!log_ratelimit_ok(&b->rl, b->table->mono_ms))
		return;
	log_warnx("board %s: malformed %s (%s), ignored: %s", b->name, what,
	    reason != NULL ? reason : "?",
	    log_escape(esc, sizeof(esc), text, len < 64 ? len : 64));
}

/* Queue a step declaration of the current boot. 0 or -1 (queue full). */
static int
board_step_mark(struct board_table *t, struct board *b, const char *source,
    const struct marker *m, uint64_t lineno)
{
	struct writer_mark wm = {.source = source, .plan = m->plan,
	    .step = m->kind == MARKER_END ? NULL : m->step,
	    .patch = m->patch[0] != '\0' ? m->patch : NULL,
	    .at_ms = t->wall_ms, .lineno = lineno};

	return writer_step_mark(t->cfg.writer, &b->wb, &wm);
}

/*
 * Step markers and clean-shutdown lines, for a line just queued as line
 * b->line: the writer records them after it, so they get its archive
 * line number. An ordinary line is rejected by its first word.
 */
static void
board_line_step(struct board_table *t, struct board *b, const char *text,
    size_t len)
{
	struct marker m;
	const char *reason = NULL;
	int kind, rc;

	kind = marker_parse_line(text, len, &m, &reason);
	if (kind == MARKER_NONE)
		return;
	if (kind == -1) {
		board_bad_marker(b, "step marker", reason, text, len);
		return;
	}
	if (kind == MARKER_SHUTDOWN)
		rc = writer_end_state(t->cfg.writer, &b->wb, STORE_END_CLEAN,
		    t->wall_ms);
	else
		rc = board_step_mark(t, b, STORE_MARK_LINE, &m, b->line);
	if (rc != 0) {
		b->c.queue_drops++;
		log_warnx_rl(&b->rl, "board %s: writer queue full, %s marker "
		    "dropped", b->name, marker_kind_name(m.kind));
	}
}

/*
 * Netconsole userdata step=/plan=/patch= of an ext record. It repeats on
 * every record, so only a change within the boot is passed on.
 */
static void
board_record_step(struct board_table *t, struct board *b,
    const struct nc_record *rec)
{
	struct marker m;
	const char *reason = NULL;
	int kind;

	if (rec->nattrs == 0 || !b->in_boot)
		return;
	kind = marker_from_userdata(nc_record_attr(rec, "plan"),
	    nc_record_attr(rec, "step"), nc_record_attr(rec, "patch"), &m,
	    &reason);
	if (kind == -1) {
		board_bad_marker(b, "step userdata", reason, rec->text,
		    rec->text_len);
		return;
	}
	if (kind != MARKER_STEP || !marker_tracker_update(&b->marks, &m))
		return;
	if (board_step_mark(t, b, STORE_MARK_USERDATA, &m, 0) != 0) {
		b->c.queue_drops++;
		marker_tracker_reset(&b->marks); /* retried next record */
		log_warnx_rl(&b->rl, "board %s: writer queue full, step "
		    "userdata dropped", b->name);
	}
}

/* Archive one line, then feed it to the parser. */
static void
board_line(struct board_table *t, struct board *b,
    const struct nc_record *rec, const char *text, size_t len)
{
	struct archive_line al = {0};
	struct kr_line kl;
	char release[NC_RELEASE_MAX];
	unsigned marks;
	int rc;

	marks = board_line_marks(text, len, release, sizeof(release));
	if (marks != 0)
		board_marker(t, b, marks, release, text, len);
	al.lineno = b->line + 1;
	al.recv_ms = t->wall_ms;
	al.ktime_us = rec->ts_usec;
	al.seq = rec->format == NC_FMT_EXT ? rec->seq : ARCHIVE_SEQ_NONE;
	al.level = rec->level;
	/* Both are NC_CALLER_MAX-sized and NUL-terminated; snprintf here was
	 * a visible share of the event loop. */
	memcpy(al.caller, rec->caller, sizeof(al.caller));
	al.caller[sizeof(al.caller) - 1] = '\0';
	al.text = text;
	al.len = len;
	rc = b->in_boot ? writer_line(t->cfg.writer, &b->wb, &al) :
	    WRITER_FULL_QUEUE;
	if (rc != 0) {
		if (rc == WRITER_FULL_SHARE)
			b->c.share_drops++;
		else
			b->c.queue_drops++;
		log_warnx_rl(&b->rl, "board %s: writer queue %s, line dropped",
		    b->name, rc == WRITER_FULL_SHARE ? "share of this board "
		    "full" : "full");
		return;
	}
	b->line++;
	b->c.lines++;
	board_line_step(t, b, text, len);
	tailsrv_line(t->cfg.tail, b->name, text, len, rec->ts_usec,
	    t->wall_ms);
	kl = (struct kr_line){.text = text, .len = len, .recv_ms = t->wall_ms,
	    .ref = b->line, .ktime_us = rec->ts_usec,
	    .caller = rec->caller[0] != '\0' ? rec->caller : NULL};
	kr_feed(b->kr, &kl);
}

/* Whether the first line of a record is a boot marker. */
static bool
board_record_marks(const struct nc_record *rec)
{
	const char *nl = memchr(rec->text, '\n', rec->text_len);
	size_t len = nl != NULL ? (size_t)(nl - rec->text) : rec->text_len;

	return board_line_marks(rec->text, len, NULL, 0) != 0;
}

/* One decoded record: boot detection, then its lines. */
static void
board_record(struct board_table *t, struct board *b,
    const struct nc_record *rec)
{
	const char *p = rec->text, *end = rec->text + rec->text_len, *nl;

	if (!b->registered)
		board_register(t, b);
	if (!b->in_boot)
		board_boot(t, b, rec->new_boot || board_record_marks(rec) ?
		    WRITER_BOOT_NEW : WRITER_BOOT_RESUME);
	else if (rec->new_boot)
		board_boot(t, b, WRITER_BOOT_NEW);
	if (rec->gap_before > 0)
		b->c.gap_records++;
	if (rec->release[0] != '\0' && !b->boot_release_sent && b->in_boot &&
	    writer_kernel(t->cfg.writer, &b->wb, rec->release, NULL, 0) == 0)
		b->boot_release_sent = true;
	for (;;) {
		nl = memchr(p, '\n', (size_t)(end - p));
		board_line(t, b, rec, p, nl != NULL ? (size_t)(nl - p) :
		    (size_t)(end - p));
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	/* After the lines: a "Linux version" line among them may have begun
	 * the boot this record belongs to. */
	board_record_step(t, b, rec);
}

/* Pop every ready record of b, then its finished reports. */
static void
board_drain(struct board_table *t, struct board *b)
{
	struct nc_record *rec;

	while ((rec = nc_rx_next(b->rx)) != NULL) {
		board_record(t, b, rec);
		nc_rx_recycle(b->rx, rec);
	}
	board_reports(t, b);
}

/* Note that b's timer needs re-arming at the end of the callback. */
static void
board_mark_dirty(struct board_table *t, struct board *b)
{
	if (b->dirty)
		return;
	b->dirty = true;
	b->dirty_next = t->dirty;
	t->dirty = b;
}

/* Log a malformed datagram (rate limited per board). */
static void
board_malformed(struct board *b, const char *reason, const void *buf,
    size_t len)
{
	char esc[96];

	if (!log_ratelimit_ok(&b->rl, b->table->mono_ms))
		return;
	log_warnx("board %s: malformed datagram (%s), %zu bytes: %s", b->name,
	    reason != NULL ? reason : "?", len,
	    log_escape(esc, sizeof(esc), buf, len < 64 ? len : 64));
}

/* One datagram. */
void
board_input(struct board_table *t, const struct sockaddr *sa,
    socklen_t salen, const void *buf, size_t len, bool truncated)
{
	struct board_addr key;
	struct board *b;
	const char *reason = NULL;

	if (board_addr_from(&key, sa, salen) == -1)
		return;
	b = board_lookup(t, &key);
	if (b == NULL)
		return;
	b->c.packets++;
	b->c.bytes += len;
	if (!board_rate_ok(t, b)) {
		b->c.rate_drops++;
		return;
	}
	if (truncated) {
		b->c.oversize++;
		board_malformed(b, "datagram longer than " BOARD_XSTR(
		    UDP_DGRAM_MAX) " bytes", buf, len);
		return;
	}
	if (nc_rx_feed(b->rx, buf, len, t->mono_ms, &reason) == -1)
		board_malformed(b, reason, buf, len);
	board_drain(t, b);
	board_mark_dirty(t, b);
}

/* Arm b's timer for the earliest decoder or parser deadline. */
static void
board_rearm(struct board_table *t, struct board *b)
{
	int64_t nd = nc_rx_deadline(b->rx), kd = kr_next_deadline(b->kr);
	int64_t delay = -1;
	struct timeval tv;

	if (nd != -1)
		delay = nd - t->mono_ms;
	if (kd != -1 && (delay == -1 || kd - t->wall_ms < delay))
		delay = kd - t->wall_ms;
	if (delay < 1 && delay != -1)
		delay = 1;
	/*
	 * Re-arming a libevent timer is a heap update, and with many boards
	 * this runs for nearly every datagram. A timer armed no later than
	 * needed stays: if it fires early, board_tick() finds nothing due
	 * and we come back here. Nothing due at all leaves it armed too.
	 */
	if (delay == -1 ||
	    (b->timer_due != -1 && b->timer_due <= t->mono_ms + delay))
		return;
	tv.tv_sec = delay / 1000;
	tv.tv_usec = (delay % 1000) * 1000;
	evtimer_add(b->timer, &tv);
	b->timer_due = t->mono_ms + delay;
}

/* Re-arm the timers of boards touched since the last call. */
void
board_table_rearm(struct board_table *t)
{
	struct board *b;

	while ((b = t->dirty) != NULL) {
		t->dirty = b->dirty_next;
		b->dirty = false;
		b->dirty_next = NULL;
		board_rearm(t, b);
	}
}

/* Let b's decoder and parser act on the current time. */
static void
board_tick(struct board_table *t, struct board *b)
{
	nc_rx_tick(b->rx, t->mono_ms);
	board_drain(t, b);
	kr_tick(b->kr, t->wall_ms);
	board_reports(t, b);
	board_mark_dirty(t, b);
}

/* A decoder or parser deadline passed. */
static void
board_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct board *b = arg;
	struct board_table *t = b->table;

	(void)fd;
	(void)what;
	b->timer_due = -1; /* fired */
	board_table_clock(t, log_now_ms(), log_wall_ms());
	board_tick(t, b);
	board_table_rearm(t);
	writer_commit(t->cfg.writer);
}

/* Tick every board at the current clock (tests, tools). */
void
board_table_tick(struct board_table *t)
{
	size_t i;

	for (i = 0; i < t->nboards; i++)
		board_tick(t, t->boards[i]);
	board_table_rearm(t);
}

/* Flush every board (shutdown). */
void
board_table_flush(struct board_table *t)
{
	struct board *b;
	size_t i;

	for (i = 0; i < t->nboards; i++) {
		b = t->boards[i];
		nc_rx_flush(b->rx, t->mono_ms);
		board_drain(t, b);
		kr_flush(b->kr);
		board_reports(t, b);
		evtimer_del(b->timer);
		b->timer_due = -1;
	}
}

/* Name a source should have under conf. */
static void
board_conf_name(const struct conf *c, const struct board_addr *key,
    char *buf, size_t len, bool *named)
{
	const struct conf_board *cb = board_conf_match(c, key);

	*named = cb != NULL;
	if (cb != NULL)
		snprintf(buf, len, "%s", cb->name);
	else
		board_auto_name(key, buf, len);
}

/* Give b a new name: its open report is closed under the old one. */
static void
board_rename(struct board_table *t, struct board *b, const char *name,
    bool named)
{
	log_info("board %s: renamed to %s", b->name, name);
	nc_rx_flush(b->rx, t->mono_ms);
	board_drain(t, b);
	kr_flush(b->kr);
	board_reports(t, b);
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->named = named;
	b->registered = false;
	board_register(t, b);
}

/* Apply a reloaded config. */
void
board_table_reconf(struct board_table *t, const struct conf *conf)
{
	char name[CONF_BOARD_NAME_MAX + 1];
	struct board *b, *other;
	bool named;
	size_t i;

	t->conf = conf;
	memset(t->slots, 0, t->nslots * sizeof(*t->slots));
	t->used = 0;
	t->last = NULL;
	for (i = 0; i < t->nboards; i++) {
		b = t->boards[i];
		board_conf_name(conf, &b->key, name, sizeof(name), &named);
		other = board_find(t, name);
		if (other != NULL && other != b) {
			/* Two sources, one name: the later keeps its own. */
			board_auto_name(&b->key, name, sizeof(name));
			named = false;
		}
		if (strcmp(name, b->name) != 0)
			board_rename(t, b, name, named);
		board_slot_add(t, &b->key, b);
	}
	writer_commit(t->cfg.writer);
}

/* Queue per-boot counters of boards that changed. */
void
board_table_counts(struct board_table *t)
{
	const struct nc_counters *nc;
	struct store_counts d;
	struct board *b;
	size_t i;

	for (i = 0; i < t->nboards; i++) {
		b = t->boards[i];
		nc = nc_rx_counters(b->rx);
		memset(&d, 0, sizeof(d));
		d.drops = (int64_t)(nc->gaps - b->nc_sent.gaps);
		d.duplicates = (int64_t)(nc->duplicates -
		    b->nc_sent.duplicates);
		d.gaps = (int64_t)(b->c.gap_records - b->gap_records_sent);
		if ((d.drops == 0 && d.duplicates == 0 && d.gaps == 0) ||
		    !b->in_boot)
			continue;
		if (writer_counts(t->cfg.writer, &b->wb, &d, -1) == -1)
			continue;
		b->nc_sent = *nc;
		b->gap_records_sent = b->c.gap_records;
	}
}

/* Add b's counters to out. */
static void
board_totals_add(const struct board *b, struct board_totals *out)
{
	const struct nc_counters *nc = nc_rx_counters(b->rx);
	const uint64_t *src;
	uint64_t *dst;
	size_t i;

	src = (const uint64_t *)&b->c;
	dst = (uint64_t *)&out->c;
	for (i = 0; i < sizeof(b->c) / sizeof(uint64_t); i++)
		dst[i] += src[i];
	src = (const uint64_t *)nc;
	dst = (uint64_t *)&out->nc;
	for (i = 0; i < sizeof(*nc) / sizeof(uint64_t); i++)
		dst[i] += src[i];
}

/* Sum the counters. */
void
board_table_totals(const struct board_table *t, struct board_totals *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < t->nboards; i++)
		board_totals_add(t->boards[i], out);
	out->unknown_drops = t->unknown_drops;
	out->full_drops = t->full_drops;
	out->boards = t->nboards;
}
