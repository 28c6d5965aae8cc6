/* SPDX-License-Identifier: MIT */
/*
 * netconsole.c -- netconsole datagrams of one board in, decoded records out.
 *
 * Owns the per-board receive state: plain line reassembly, ext header and
 * \xHH decoding, ncfrag reassembly, seq gap/duplicate/new-boot tracking and
 * 'c' continuation merging. Pure: no I/O, no logging, no clock; the caller
 * passes the time. The wire formats are described in netconsole.h.
 *
 * A record moves through these stages, each a queue in struct nc_rx:
 *   plain:  bytes -> plain partial line -> ready
 *   ext:    bytes -> [fragment assembly] -> seq stage (inbox, suspect hold)
 *           -> continuation hold -> ready
 * Every record node is owned by exactly one queue (or by the function that
 * just took it off one) until nc_rx_next() hands it to the caller. The
 * continuation hold is also indexed by caller (rx->latest), which owns
 * nothing.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "netconsole.h"

#define NC_HDR_MAX	512	/* ext header longer than this is plain */
#define NC_LATE_SEQS	64	/* a hole this recent may still be filled */
#define NC_PRIO_MAX	0xffff	/* larger prio is not an ext header */
#define NC_TEXT_MIN	64	/* first allocation of the plain line */
#define NC_NODE_TEXT	256	/* text room of a reusable record node */
#define NC_SPARE_MAX	16	/* reusable nodes an rx keeps: records are
				   drained one datagram at a time, so few
				   are in flight; 256 boards x 16 x ~450 B */
#define NC_LATEST_MIN	16	/* first size of the rx->latest index */

/* Multipliers of xxHash64, for the hashes below. */
#define NC_P1	0x9e3779b185ebca87ull
#define NC_P2	0xc2b2ae3d27d4eb4full
#define NC_P3	0x165667b19e3779f9ull

/*
 * A growing string. Adds past max are dropped and set cut; a failed
 * allocation sets oom and makes every later add a no-op. A record's text
 * starts in the tail of its node's own allocation (inplace), sized for the
 * decoded text, so a record costs one malloc; only growth past that (a
 * merged continuation, NULs escaped to "\x00") moves it to the heap.
 */
struct sbuf {
	char	*p;		/* NUL-terminated once anything was added */
	size_t	 len;
	size_t	 cap;
	size_t	 max;		/* bytes kept at most */
	bool	 cut;		/* something was dropped over max */
	bool	 oom;		/* an allocation failed */
	bool	 inplace;	/* p lies in the record node: not ours to
				   realloc or free, never sbuf_take()n */
	bool	 nl;		/* may hold a '\n' (see ready_push()) */
};

/* A record on its way out: the public part plus bookkeeping. */
struct rec_node {
	struct nc_record	 rec;	/* first: nc_record_free casts */
	TAILQ_ENTRY(rec_node)	 entry;		/* in exactly one rx queue */
	struct sbuf		 text;		/* becomes rec.text */
	size_t			 attrs_cap;	/* slots in rec.attrs */
	uint64_t		 seq_last; /* seq of the last merged piece */
	uint64_t		 ckey[2]; /* caller_key(rec.caller) */
	uint32_t		 fp;		/* seq-window fingerprint */
	bool			 dup;	/* held: matched a known record */
	bool			 superseded; /* held: cannot take a 'c' */
	int64_t			 held_ms;	/* entered the cont hold at */
	size_t			 room;	/* inplace text bytes allocated */
	struct rec_node		*spare_next;	/* in rx->spare */
	/* inplace text bytes follow */
};
TAILQ_HEAD(rec_queue, rec_node);
_Static_assert(NC_CALLER_MAX <= 2 * sizeof(uint64_t), "caller_key() size");

/* The parsed ext header of one datagram. */
struct ext_hdr {
	char		 release[NC_RELEASE_MAX]; /* "" if not prepended */
	uint64_t	 prio;
	uint64_t	 seq;
	uint64_t	 ts;			/* usec */
	char		 flag;			/* '-', 'c', ... */
	char		 caller[NC_CALLER_MAX];
	bool		 frag;			/* ncfrag= present */
	uint64_t	 frag_off;
	uint64_t	 frag_total;
	const char	*frag_bad;		/* ncfrag= present but bogus */
	size_t		 len;			/* bytes up to and with ';' */
};

/* One ncfrag assembly: slices of one seq placed by offset. */
struct frag {
	TAILQ_ENTRY(frag)	 entry;		/* rx->frags, oldest first */
	struct ext_hdr		 hdr;		/* from the first slice */
	size_t			 total;		/* body bytes expected */
	size_t			 have;		/* body bytes received */
	int64_t			 first_ms;	/* first slice arrived at */
	char			*buf;		/* total bytes, owned */
	uint8_t			*map;	/* bit per byte received, owned */
};
TAILQ_HEAD(frag_queue, frag);

/* Sequence state of the boot being tracked (ext only). */
struct seqstate {
	bool		 have;		/* a boot is being tracked */
	bool		 reset;	/* next boot start is a detected reset */
	bool		 ever;		/* a record was ever accepted */
	bool		 replaying;	/* replay confirmed: drop known seqs */
	bool		 suspect;	/* holding: replay or new boot? */
	uint64_t	 first;		/* lowest seq known in this boot */
	uint64_t	 max;		/* highest seq seen in this boot */
	int64_t		 max_ts;	/* highest ts seen in this boot */
	uint32_t	*ring;		/* fingerprint by seq % window, owned */
	struct rec_queue held;		/* suspect records, seq order */
	size_t		 nheld;
	bool		 held_dup;	/* some held record matched */
	int64_t		 since_ms;	/* suspect since */
};

struct nc_rx {
	struct nc_limits	 lim;
	struct nc_counters	 ctr;
	const char		*why;		/* malformed reason this feed */
	bool			 nomem;	/* allocation failed this feed */

	/* plain */
	struct sbuf		 plain;		/* partial line, raw bytes */
	int64_t			 plain_ms;	/* last plain datagram at */
	size_t			 plain_last_len; /* its length */
	bool			 plain_seen; /* a plain record was delivered */
	bool			 plain_have_ts;
	int64_t			 plain_max_ts;	/* usec, for boot detection */

	/* ext */
	struct frag_queue	 frags;
	size_t			 nfrags;
	size_t			 frag_bytes;	/* sum of pending totals */
	struct seqstate		 seq;
	struct rec_queue	 inbox;		/* records entering seq stage */
	bool			 draining;
	struct rec_queue	 hold;		/* continuation hold, FIFO */
	size_t			 nhold;
	struct rec_node		**latest;	/* index of hold by caller
						   (see latest_slot()); the
						   array is owned, not the
						   nodes */
	size_t			 latest_mask;	/* its size - 1 */
	size_t			 nlatest;	/* nodes in it */

	struct rec_queue	 ready;		/* for nc_rx_next() */
	size_t			 nready;

	/* Freed nodes with NC_NODE_TEXT of room, for the next records: a
	 * malloc and free per datagram showed in the event loop's profile. */
	struct rec_node		*spare;
	size_t			 nspare;
};

/* Note the first malformed reason of this datagram. */
static void
bad(struct nc_rx *rx, const char *why)
{
	if (rx->why == NULL)
		rx->why = why;
}

/* Milliseconds from t to now, 0 if now is not after t. */
static uint64_t
elapsed(int64_t now, int64_t t)
{
	return now > t ? (uint64_t)now - (uint64_t)t : 0;
}

/* Deadline t + d without overflow. */
static int64_t
deadline_add(int64_t t, int64_t d)
{
	if (d > 0 && t > INT64_MAX - d)
		return INT64_MAX;
	return t + d;
}

/* Make room for n more bytes plus a NUL. */
static bool
sbuf_grow(struct sbuf *sb, size_t n)
{
	size_t	 need = sb->len + n + 1, cap = sb->cap;
	char	*p;

	if (need <= cap)
		return true;
	if (cap == 0)
		cap = need;	/* first allocation: the size sbuf_init asked */
	while (cap < need)
		cap *= 2;
	if (sb->inplace) {
		if ((p = malloc(cap)) != NULL)
			memcpy(p, sb->p, sb->len);
	} else
		p = realloc(sb->p, cap);
	if (p == NULL) {
		sb->oom = true;
		return false;
	}
	sb->p = p;
	sb->cap = cap;
	sb->inplace = false;
	return true;
}

/* Append n bytes, keeping at most sb->max in total. */
static void
sbuf_add(struct sbuf *sb, const void *s, size_t n)
{
	if (sb->oom)
		return;
	if (n > sb->max - sb->len) {
		n = sb->max - sb->len;
		sb->cut = true;
	}
	if (!sbuf_grow(sb, n))
		return;
	memcpy(sb->p + sb->len, s, n);
	sb->len += n;
	sb->p[sb->len] = '\0';
}

/*
 * Start an empty string bounded by max, "" allocated with room for hint
 * more bytes: text of a known size is then added without a realloc.
 */
static void
sbuf_init(struct sbuf *sb, size_t max, size_t hint)
{
	memset(sb, 0, sizeof(*sb));
	sb->max = max;
	if (sbuf_grow(sb, hint < max ? hint : max))
		sb->p[0] = '\0';
}

/* Start an empty string bounded by max in the cap bytes at p. */
static void
sbuf_init_inplace(struct sbuf *sb, size_t max, char *p, size_t cap)
{
	memset(sb, 0, sizeof(*sb));
	sb->max = max;
	sb->p = p;
	sb->cap = cap;
	sb->inplace = true;
	p[0] = '\0';
}

/* Free the buffer if it is ours. */
static void
sbuf_free(struct sbuf *sb)
{
	if (!sb->inplace)
		free(sb->p);
}

/* Hand the buffer over (NULL after oom) and leave sb empty. */
static char *
sbuf_take(struct sbuf *sb)
{
	char	*p = sb->oom ? NULL : sb->p;

	if (sb->oom)
		sbuf_free(sb);
	memset(sb, 0, sizeof(*sb));
	return p;
}

/* Value of hex digit c, or -1. */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode "xHH" at s (n bytes available), or -1. */
static int
unescape_at(const char *s, size_t n)
{
	int	 hi, lo;

	if (n < 3 || s[0] != 'x')
		return -1;
	if ((hi = hexval((unsigned char)s[1])) < 0 ||
	    (lo = hexval((unsigned char)s[2])) < 0)
		return -1;
	return hi << 4 | lo;
}

/* Address of the first c in [s, end), or end. */
static const char *
find(const char *s, const char *end, int c)
{
	const char	*p = memchr(s, c, (size_t)(end - s));

	return p != NULL ? p : end;
}

/* Append the escape at s (a '\\') to sb; returns the bytes it took. */
static size_t
add_escape(struct nc_rx *rx, struct sbuf *sb, const char *s, size_t n)
{
	int	 v;
	char	 c;

	if ((v = unescape_at(s + 1, n - 1)) < 0) {
		bad(rx, "bad \\x escape");
		sbuf_add(sb, "\\", 1);
		return 1;
	}
	if (v == 0) {
		bad(rx, "escaped NUL in text");
		sbuf_add(sb, "\\x00", 4);
	} else {
		c = (char)v;
		sbuf_add(sb, &c, 1);
		sb->nl |= c == '\n';
	}
	return 4;
}

/*
 * Append n bytes of wire text to sb. With unescape, "\xHH" is decoded as
 * msg_add_ext_text() in kernel/printk/printk.c encoded it; a bad escape is
 * kept literally. A NUL, raw or escaped, becomes the text "\x00" so that
 * record strings never hold one. Text rarely holds a NUL or a '\\', so the
 * next of each is found with memchr and the runs between are copied whole.
 */
static void
add_text(struct nc_rx *rx, struct sbuf *sb, const char *s, size_t n,
    bool unescape)
{
	const char	*end = s + n, *nul, *esc, *stop;

	nul = find(s, end, '\0');
	esc = unescape ? find(s, end, '\\') : end;
	while (s < end) {
		stop = nul < esc ? nul : esc;
		if (stop > s) {
			sbuf_add(sb, s, (size_t)(stop - s));
			s = stop;
		} else if (s == nul) {
			bad(rx, "NUL byte in text");
			sbuf_add(sb, "\\x00", 4);
			nul = find(++s, end, '\0');
		} else {
			/* "xHH" holds no NUL: nul stays ahead of s. */
			s += add_escape(rx, sb, s, (size_t)(end - s));
			esc = find(s, end, '\\');
		}
	}
}

/*
 * Allocate an empty record node of format fmt, or NULL. Its text buffer
 * comes in the same allocation, with room for hint bytes (capped at
 * line_max_bytes) so a record of known size takes one malloc.
 */
static struct rec_node *
node_new(struct nc_rx *rx, enum nc_format fmt, int64_t now, size_t hint)
{
	struct rec_node	*n;
	size_t		 cap;

	if (hint > rx->lim.line_max_bytes)
		hint = rx->lim.line_max_bytes;
	cap = hint + 1;
	if (cap <= NC_NODE_TEXT && (n = rx->spare) != NULL) {
		rx->spare = n->spare_next;
		rx->nspare--;
	} else {
		if (cap < NC_NODE_TEXT)
			cap = NC_NODE_TEXT;
		if ((n = malloc(sizeof(*n) + cap)) == NULL)
			return NULL;
	}
	cap = cap <= NC_NODE_TEXT ? NC_NODE_TEXT : cap;
	memset(n, 0, sizeof(*n));
	n->room = cap;
	sbuf_init_inplace(&n->text, rx->lim.line_max_bytes, (char *)(n + 1),
	    cap);
	n->rec.format = fmt;
	n->rec.level = -1;
	n->rec.facility = -1;
	n->rec.ts_usec = -1;
	n->rec.rx_ms = now;
	return n;
}

/* Free what a node owns besides itself. */
static void
node_clear(struct rec_node *n)
{
	size_t	 i;

	for (i = 0; i < n->rec.nattrs; i++) {
		free(n->rec.attrs[i].key);
		free(n->rec.attrs[i].value);
	}
	free(n->rec.attrs);
	sbuf_free(&n->text);
}

/* Free a node and everything it owns. */
static void
node_free(struct rec_node *n)
{
	if (n == NULL)
		return;
	node_clear(n);
	free(n);
}

/* Free a node, keeping it for reuse by rx when it has the common size. */
static void
node_recycle(struct nc_rx *rx, struct rec_node *n)
{
	if (n == NULL)
		return;
	if (n->room != NC_NODE_TEXT || rx->nspare >= NC_SPARE_MAX) {
		node_free(n);
		return;
	}
	node_clear(n);
	n->spare_next = rx->spare;
	rx->spare = n;
	rx->nspare++;
}

/* Free every node on q. */
static void
queue_free(struct rec_queue *q)
{
	struct rec_node	*n;

	while ((n = TAILQ_FIRST(q)) != NULL) {
		TAILQ_REMOVE(q, n, entry);
		node_free(n);
	}
}

/* Whether n already holds the attribute key=value. */
static bool
attr_has(const struct rec_node *n, const char *key, const char *value)
{
	size_t	 i;

	for (i = 0; i < n->rec.nattrs; i++)
		if (strcmp(n->rec.attrs[i].key, key) == 0 &&
		    strcmp(n->rec.attrs[i].value, value) == 0)
			return true;
	return false;
}

/* Append an attribute; takes ownership of key and value. */
static void
attr_push(struct nc_rx *rx, struct rec_node *n, char *key, char *value)
{
	struct nc_attr	*a;
	size_t		 cap;

	if (n->rec.nattrs >= rx->lim.max_attrs) {
		bad(rx, "too many attributes");
		goto out_free;
	}
	if (n->rec.nattrs == n->attrs_cap) {
		cap = n->attrs_cap ? n->attrs_cap * 2 : 4;
		a = reallocarray(n->rec.attrs, cap, sizeof(*a));
		if (a == NULL) {
			rx->nomem = true;
			goto out_free;
		}
		n->rec.attrs = a;
		n->attrs_cap = cap;
	}
	n->rec.attrs[n->rec.nattrs].key = key;
	n->rec.attrs[n->rec.nattrs].value = value;
	n->rec.nattrs++;
	return;
out_free:
	free(key);
	free(value);
}

/* Decode one dictionary line " KEY=VALUE" (without '\n') into n. */
static void
dict_line(struct nc_rx *rx, struct rec_node *n, const char *s, size_t len)
{
	const char	*eq;
	struct sbuf	 k, v;
	size_t		 klen, vlen;

	if (len == 0)
		return;
	eq = memchr(s, '=', len);
	if (s[0] != ' ' || eq == NULL || eq == s + 1) {
		bad(rx, "bad dictionary line");
		return;
	}
	klen = (size_t)(eq - s - 1);
	vlen = len - klen - 2;
	/* Userdata keys are not escaped by netconsole; values always are. */
	sbuf_init(&k, rx->lim.line_max_bytes, klen);
	sbuf_init(&v, rx->lim.line_max_bytes, vlen);
	add_text(rx, &k, s + 1, klen, false);
	add_text(rx, &v, eq + 1, vlen, true);
	if (k.cut || v.cut)
		bad(rx, "dictionary line too long");
	if (k.oom || v.oom) {
		rx->nomem = true;
		free(k.p);
		free(v.p);
		return;
	}
	attr_push(rx, n, sbuf_take(&k), sbuf_take(&v));
}

/* Decode the dictionary lines following the text of an ext record. */
static void
dict_parse(struct nc_rx *rx, struct rec_node *n, const char *s, size_t len)
{
	const char	*nl;
	size_t		 l;

	while (len > 0) {
		nl = memchr(s, '\n', len);
		l = nl ? (size_t)(nl - s) : len;
		dict_line(rx, n, s, l);
		if (nl == NULL)
			break;
		s += l + 1;
		len -= l + 1;
	}
}

/* Number of lines the daemon will split text into. */
static uint64_t
count_lines(const char *s, size_t len)
{
	uint64_t	 lines = 1;
	const char	*nl;

	while ((nl = memchr(s, '\n', len)) != NULL) {
		lines++;
		len -= (size_t)(nl - s) + 1;
		s = nl + 1;
	}
	return lines;
}

/* Queue a finished record for nc_rx_next(); takes ownership of n. */
static void
ready_push(struct nc_rx *rx, struct rec_node *n)
{
	struct rec_node	*old;

	n->rec.text = n->text.p;
	n->rec.text_len = n->text.len;
	if (rx->nready >= rx->lim.queue_max) {
		old = TAILQ_FIRST(&rx->ready);
		TAILQ_REMOVE(&rx->ready, old, entry);
		node_free(old);
		rx->nready--;
		rx->ctr.queue_dropped++;
	}
	TAILQ_INSERT_TAIL(&rx->ready, n, entry);
	rx->nready++;
	rx->ctr.records++;
	/* Ext text ends at the first raw '\n' and plain text is split on
	 * it: only a decoded "\x0a" or a merge puts one in (text.nl). */
	rx->ctr.lines += n->text.nl ? count_lines(n->text.p, n->text.len) : 1;
}

/*
 * Continuation stage.
 *
 * Since the 5.10 ring buffer, pr_cont() text is appended to the open record
 * of the same caller; a piece that arrives after that record was finalized
 * (by its own '\n', or by another caller's record) becomes a record of its
 * own with flag 'c' (info_print_ext_header() in kernel/printk/printk.c).
 * The dev-kmsg ABI doc asks readers to merge such fragments. We hold the
 * newest record of each caller for a short while so a 'c' piece can be
 * appended to it:
 *  - with caller ids, to the newest held record of the same caller. If that
 *    record is the seq right before, it was finalized by its own newline,
 *    so the piece starts a new line ("\n" joins them); otherwise another
 *    record finalized it mid-line and the piece is glued on directly.
 *  - without caller ids, only to the record right before it in seq, always
 *    as a new line: the lines the daemon sees are the console's lines.
 */

/*
 * A caller id packed into two words, zero-padded: same id, same key. Built
 * bytewise: reading back a just-copied buffer stalled store forwarding.
 */
static void
caller_key(uint64_t key[2], const char *caller)
{
	size_t	 i;

	key[0] = key[1] = 0;
	for (i = 0; i < NC_CALLER_MAX - 1 && caller[i] != '\0'; i++)
		key[i / 8] |= (uint64_t)(unsigned char)caller[i] << (i % 8 * 8);
}

/* Whether a and b have the same caller id. */
static bool
same_caller(const struct rec_node *a, const struct rec_node *b)
{
	return a->ckey[0] == b->ckey[0] && a->ckey[1] == b->ckey[1];
}

/*
 * The latest index: the newest held record of each caller id, the only one
 * of its caller not superseded. An open-addressing table kept at most half
 * full, so holding or merging a record costs the same however many callers
 * are interleaved (NMI backtraces of 64 CPUs are 64 callers).
 */

/* Home slot of caller key k. */
static size_t
latest_home(const struct nc_rx *rx, const uint64_t k[2])
{
	return (size_t)(((k[0] * NC_P1 ^ k[1]) * NC_P2) >> 32) &
	    rx->latest_mask;
}

/* Slot of the record of n's caller, or the empty slot where it goes. */
static size_t
latest_slot(const struct nc_rx *rx, const struct rec_node *n)
{
	size_t	 i = latest_home(rx, n->ckey);

	while (rx->latest[i] != NULL && !same_caller(rx->latest[i], n))
		i = (i + 1) & rx->latest_mask;
	return i;
}

/* Make room for one more record, growing the table; false on ENOMEM. */
static bool
latest_reserve(struct nc_rx *rx)
{
	struct rec_node	**old = rx->latest;
	size_t		 cap = old != NULL ? rx->latest_mask + 1 : 0, ncap, i;

	if ((rx->nlatest + 1) * 2 <= cap)
		return true;
	if (cap > SIZE_MAX / 2 / sizeof(*old))
		return false;
	ncap = cap > 0 ? cap * 2 : NC_LATEST_MIN;
	if ((rx->latest = calloc(ncap, sizeof(*old))) == NULL) {
		rx->latest = old;
		return false;
	}
	rx->latest_mask = ncap - 1;
	for (i = 0; i < cap; i++)
		if (old[i] != NULL)
			rx->latest[latest_slot(rx, old[i])] = old[i];
	free(old);
	return true;
}

/* Drop the record in slot i, moving back the ones that probed past it. */
static void
latest_del(struct nc_rx *rx, size_t i)
{
	size_t	 j = i, home, mask = rx->latest_mask;

	for (;;) {
		j = (j + 1) & mask;
		if (rx->latest[j] == NULL)
			break;
		/* It may fill the hole unless its home is in (i, j]. */
		home = latest_home(rx, rx->latest[j]->ckey);
		if (((j - home) & mask) >= ((j - i) & mask)) {
			rx->latest[i] = rx->latest[j];
			i = j;
		}
	}
	rx->latest[i] = NULL;
	rx->nlatest--;
}

/* The held record a 'c' record n should be appended to, or NULL. */
static struct rec_node *
cont_target(struct nc_rx *rx, const struct rec_node *n)
{
	struct rec_node	*t;

	if (n->rec.caller[0] == '\0') {
		t = TAILQ_LAST(&rx->hold, rec_queue);
		if (t == NULL || t->rec.caller[0] != '\0' ||
		    t->seq_last + 1 != n->rec.seq)
			return NULL;
		return t;
	}
	/* The newest held record of the caller is the one indexed. */
	return rx->nlatest > 0 ? rx->latest[latest_slot(rx, n)] : NULL;
}

/* Append continuation n to t and free n. */
static void
cont_merge(struct nc_rx *rx, struct rec_node *t, struct rec_node *n)
{
	size_t	 i;

	if (n->rec.caller[0] == '\0' || t->seq_last + 1 == n->rec.seq)
		sbuf_add(&t->text, "\n", 1);
	sbuf_add(&t->text, n->text.p, n->text.len);
	t->text.nl = true;
	if (t->text.cut)
		bad(rx, "record text too long");
	if (t->text.oom)
		rx->nomem = true;
	for (i = 0; i < n->rec.nattrs; i++) {
		if (attr_has(t, n->rec.attrs[i].key, n->rec.attrs[i].value))
			continue;
		attr_push(rx, t, n->rec.attrs[i].key, n->rec.attrs[i].value);
		n->rec.attrs[i].key = n->rec.attrs[i].value = NULL;
	}
	t->seq_last = n->rec.seq;
	t->rec.merged++;
	rx->ctr.cont_merged++;
	node_recycle(rx, n);
}

/*
 * Hold n, the newest record. A held record can no longer take a
 * continuation (it is superseded) once a later record of its caller is
 * held, or, without caller ids, once any later record is. The hold is FIFO
 * and a record only ever gains successors, so this is the one moment a
 * record becomes superseded: mark it here, and cont_release() tests a flag
 * instead of scanning the hold for every datagram. If the latest index
 * cannot grow, n is delivered at once, unheld.
 */
static void
cont_hold(struct nc_rx *rx, struct rec_node *n, int64_t now)
{
	struct rec_node	*t = TAILQ_LAST(&rx->hold, rec_queue);
	size_t		 i;

	if (n->rec.caller[0] != '\0') {
		if (!latest_reserve(rx)) {
			rx->nomem = true;
			ready_push(rx, n);
			return;
		}
		i = latest_slot(rx, n);
		if (rx->latest[i] != NULL)
			rx->latest[i]->superseded = true;
		else
			rx->nlatest++;
		rx->latest[i] = n;
	}
	if (t != NULL && t->rec.caller[0] == '\0')
		t->superseded = true;
	n->superseded = false;
	n->held_ms = now;
	TAILQ_INSERT_TAIL(&rx->hold, n, entry);
	rx->nhold++;
}

/* Move held records that can no longer grow (or all) to the ready queue. */
static void
cont_release(struct nc_rx *rx, int64_t now, bool all)
{
	struct rec_node	*h;

	while ((h = TAILQ_FIRST(&rx->hold)) != NULL) {
		if (!all && !h->superseded &&
		    rx->nhold <= rx->lim.cont_hold_max &&
		    elapsed(now, h->held_ms) < (uint64_t)rx->lim.cont_hold_ms)
			break;
		TAILQ_REMOVE(&rx->hold, h, entry);
		rx->nhold--;
		if (h->rec.caller[0] != '\0' && !h->superseded)
			latest_del(rx, latest_slot(rx, h));
		ready_push(rx, h);
	}
}

/* Continuation stage input: merge n, or hold it; takes ownership. */
static void
cont_input(struct nc_rx *rx, struct rec_node *n, int64_t now)
{
	struct rec_node	*t;

	n->seq_last = n->rec.seq;
	if (rx->lim.cont_hold_ms <= 0) {
		ready_push(rx, n);
		return;
	}
	if (n->rec.cont && (t = cont_target(rx, n)) != NULL) {
		cont_merge(rx, t, n);
		return;
	}
	cont_hold(rx, n, now);
	cont_release(rx, now, false);
}

/*
 * Sequence stage (ext only).
 *
 * printk seqs count from 0 in every boot. Gaps are messages lost on the
 * wire or filtered by console_loglevel (ext consoles are filtered too).
 * A seq going back is one of: a late datagram filling a recent hole, a
 * replay of the printk buffer (netconsole registered again with
 * CON_PRINTBUFFER, or a duplicated datagram), or a reboot. Replays repeat
 * the records bit for bit, so we keep a fingerprint of (prio, flag, ts,
 * text) for the last seq_window seqs. A differing fingerprint is a reboot.
 * When a going-back record matches, or its seq is unknown, we hold it
 * (suspect) until the stream tells us: a mismatch means new boot; going
 * past the old max means replay. A new boot of the same kernel repeats its
 * first records with the same text and ts 0, which is why matches are held
 * and not dropped at once.
 */

/* Mix the 64-bit word v into h (the round of xxHash64). */
static uint64_t
fp_round(uint64_t h, uint64_t v)
{
	h += v * NC_P2;
	h = h << 31 | h >> 33;
	return h * NC_P1;
}

/*
 * Hash of the parts of a record that a replay repeats exactly. It is only
 * compared with fingerprints made by this function in the same rx, so any
 * good 32-bit hash does; this one takes 8 bytes a step, as byte-wise
 * FNV-1a was the largest cost of decoding a record.
 */
static uint32_t
fingerprint(const struct rec_node *n)
{
	const char	*p = n->text.p;
	size_t		 left = n->text.len;
	uint64_t	 h = NC_P3, w;

	h = fp_round(h, (uint64_t)n->rec.ts_usec);
	h = fp_round(h, (uint64_t)(n->rec.level + 8 * n->rec.facility) << 1 |
	    n->rec.cont);
	for (; left >= sizeof(w); p += sizeof(w), left -= sizeof(w)) {
		memcpy(&w, p, sizeof(w));
		h = fp_round(h, w);
	}
	w = 0;
	memcpy(&w, p, left);
	h = fp_round(h, w) + n->text.len;
	h ^= h >> 33;
	h *= NC_P2;
	h ^= h >> 29;
	h *= NC_P3;
	h ^= h >> 32;
	return (uint32_t)h != 0 ? (uint32_t)h : 1; /* 0 marks an unseen slot */
}

/* Whether seq has a slot in the window of the current boot. */
static bool
ring_covers(const struct nc_rx *rx, uint64_t seq)
{
	const struct seqstate	*s = &rx->seq;

	return s->ring != NULL && seq <= s->max && seq >= s->first &&
	    s->max - seq < rx->lim.seq_window;
}

/* Fingerprint recorded for seq, 0 if unknown. */
static uint32_t
ring_get(const struct nc_rx *rx, uint64_t seq)
{
	if (!ring_covers(rx, seq))
		return 0;
	return rx->seq.ring[seq % rx->lim.seq_window];
}

/* Record fingerprint fp for seq (which must be <= max). */
static void
ring_set(struct nc_rx *rx, uint64_t seq, uint32_t fp)
{
	if (rx->seq.ring != NULL && rx->seq.max - seq < rx->lim.seq_window)
		rx->seq.ring[seq % rx->lim.seq_window] = fp;
}

/* Move max up to seq, forgetting the slots it reuses. */
static void
ring_advance(struct nc_rx *rx, uint64_t seq)
{
	struct seqstate	*s = &rx->seq;
	uint64_t	 k;

	/* Count down, not up to seq: seq may be UINT64_MAX. */
	if (s->ring != NULL) {
		if (seq - s->max >= rx->lim.seq_window)
			memset(s->ring, 0,
			    rx->lim.seq_window * sizeof(*s->ring));
		else
			for (k = seq - s->max; k > 0; k--)
				s->ring[(s->max + k) % rx->lim.seq_window] = 0;
	}
	s->max = seq;
}

/* Begin tracking a boot with record n as its first; takes ownership. */
static void
boot_start(struct nc_rx *rx, struct rec_node *n, int64_t now)
{
	struct seqstate	*s = &rx->seq;

	if (s->ring == NULL) {
		s->ring = calloc(rx->lim.seq_window, sizeof(*s->ring));
		if (s->ring == NULL)
			rx->nomem = true;	/* work on without dedup */
	} else
		memset(s->ring, 0, rx->lim.seq_window * sizeof(*s->ring));
	n->rec.first = !s->ever;
	n->rec.new_boot = s->reset;
	if (s->reset) {
		/* Per-boot gap: this boot's seqs 0..seq-1 never came. */
		n->rec.gap_before = n->rec.seq;
		rx->ctr.gaps += n->rec.seq;
		rx->ctr.new_boots++;
		cont_release(rx, now, true);	/* no merging across boots */
	}
	s->have = true;
	s->ever = true;
	s->reset = false;
	s->replaying = false;
	s->first = s->max = n->rec.seq;
	s->max_ts = n->rec.ts_usec;
	ring_set(rx, n->rec.seq, n->fp);
	cont_input(rx, n, now);
}

/* Forget the current boot: the next record starts a new one. */
static void
boot_reset(struct nc_rx *rx)
{
	rx->seq.have = false;
	rx->seq.reset = true;
	rx->seq.replaying = false;
}

/*
 * Whether n, whose seq is above max, is from a new boot because its clock
 * went back. printk times of different CPUs may disagree by seconds: the
 * NMI backtrace in samples/netconsole/61-rcu-stall-other-cpu goes 3 s back
 * at the very next seq. So the clock must go back by more than
 * ts_back_usec and seq must have jumped.
 */
static bool
seq_clock_reset(const struct nc_rx *rx, const struct rec_node *n)
{
	return n->rec.seq != rx->seq.max + 1 &&
	    n->rec.ts_usec < rx->seq.max_ts - rx->lim.ts_back_usec;
}

/* Accept n, which moves seq forward in the current boot. */
static void
seq_forward(struct nc_rx *rx, struct rec_node *n, int64_t now)
{
	struct seqstate	*s = &rx->seq;
	uint64_t	 gap = n->rec.seq - s->max - 1;

	if (seq_clock_reset(rx, n)) {
		boot_reset(rx);		/* seq forward, clock back: reboot */
		boot_start(rx, n, now);
		return;
	}
	s->replaying = false;
	ring_advance(rx, n->rec.seq);
	ring_set(rx, n->rec.seq, n->fp);
	if (n->rec.ts_usec > s->max_ts)
		s->max_ts = n->rec.ts_usec;
	n->rec.gap_before = gap;
	rx->ctr.gaps += gap;
	cont_input(rx, n, now);
}

/* Accept n as a record of this boot that arrived after later ones. */
static void
seq_late(struct nc_rx *rx, struct rec_node *n, int64_t now)
{
	struct seqstate	*s = &rx->seq;

	/* In the window, unknown means it was counted as missing. */
	if (ring_covers(rx, n->rec.seq) && rx->ctr.gaps > 0)
		rx->ctr.gaps--;
	if (n->rec.seq < s->first && s->max - n->rec.seq < rx->lim.seq_window)
		s->first = n->rec.seq;
	ring_set(rx, n->rec.seq, n->fp);
	rx->ctr.late++;
	cont_input(rx, n, now);
}

/* Drop n as a record already delivered. */
static void
seq_dup(struct nc_rx *rx, struct rec_node *n)
{
	rx->ctr.duplicates++;
	node_recycle(rx, n);
}

/* Hold n while we cannot tell a replay from a new boot. */
static void
suspect_hold(struct nc_rx *rx, struct rec_node *n, bool dup, int64_t now)
{
	struct seqstate	*s = &rx->seq;

	if (!s->suspect) {
		s->suspect = true;
		s->since_ms = now;
		s->held_dup = false;
	}
	n->dup = dup;
	s->held_dup |= dup;
	TAILQ_INSERT_TAIL(&s->held, n, entry);
	s->nheld++;
}

/*
 * End the suspect hold. A replay drops the held records that matched and
 * takes the unknown ones as late; a new boot sends them all through the
 * seq stage again, after the boot was reset. They go back to the front of
 * the inbox, so they keep their place before the record being processed.
 */
static void
suspect_decide(struct nc_rx *rx, bool new_boot, int64_t now)
{
	struct seqstate	*s = &rx->seq;
	struct rec_node	*n;

	s->suspect = false;
	if (new_boot) {
		boot_reset(rx);
		while ((n = TAILQ_LAST(&s->held, rec_queue)) != NULL) {
			TAILQ_REMOVE(&s->held, n, entry);
			TAILQ_INSERT_HEAD(&rx->inbox, n, entry);
		}
		s->nheld = 0;
		return;
	}
	s->replaying = true;
	while ((n = TAILQ_FIRST(&s->held)) != NULL) {
		TAILQ_REMOVE(&s->held, n, entry);
		if (n->dup)
			seq_dup(rx, n);
		else
			seq_late(rx, n, now);
	}
	s->nheld = 0;
}

/* Seq stage while suspect: hold n, or decide and requeue it. */
static void
seq_suspect(struct nc_rx *rx, struct rec_node *n, int64_t now)
{
	struct seqstate	*s = &rx->seq;
	uint32_t	 known = ring_get(rx, n->rec.seq);
	bool		 new_boot;

	if (n->rec.seq > s->max)
		new_boot = seq_clock_reset(rx, n);
	else if (known != 0 && known != n->fp)
		new_boot = true;
	else if (s->nheld < rx->lim.replay_hold_max) {
		suspect_hold(rx, n, known != 0, now);
		return;
	} else
		new_boot = !s->held_dup;
	TAILQ_INSERT_HEAD(&rx->inbox, n, entry);
	suspect_decide(rx, new_boot, now);
}

/* Seq stage for a record whose seq is not above the current max. */
static void
seq_back(struct nc_rx *rx, struct rec_node *n, int64_t now)
{
	struct seqstate	*s = &rx->seq;
	uint32_t	 known = ring_get(rx, n->rec.seq);

	if (known != 0 && known != n->fp) {
		boot_reset(rx);
		boot_start(rx, n, now);
	} else if (s->replaying) {
		if (known != 0)
			seq_dup(rx, n);
		else
			seq_late(rx, n, now);
	} else if (known == 0 && n->rec.seq >= s->first &&
	    s->max - n->rec.seq < NC_LATE_SEQS)
		seq_late(rx, n, now);
	else
		suspect_hold(rx, n, known != 0, now);
}

/* Run one record through the seq stage; takes ownership. */
static void
seq_step(struct nc_rx *rx, struct rec_node *n, int64_t now)
{
	struct seqstate	*s = &rx->seq;

	if (!s->have)
		boot_start(rx, n, now);
	else if (s->suspect)
		seq_suspect(rx, n, now);
	else if (n->rec.seq > s->max)
		seq_forward(rx, n, now);
	else
		seq_back(rx, n, now);
}

/*
 * Work off the seq stage inbox. Decisions push records back to its front,
 * so this loop (not recursion) handles them, in order.
 */
static void
seq_drain(struct nc_rx *rx, int64_t now)
{
	struct rec_node	*n;

	if (rx->draining)
		return;
	rx->draining = true;
	while ((n = TAILQ_FIRST(&rx->inbox)) != NULL) {
		TAILQ_REMOVE(&rx->inbox, n, entry);
		seq_step(rx, n, now);
	}
	rx->draining = false;
}

/* Seq stage input; takes ownership. */
static void
seq_input(struct nc_rx *rx, struct rec_node *n, int64_t now)
{
	n->fp = fingerprint(n);
	TAILQ_INSERT_TAIL(&rx->inbox, n, entry);
	seq_drain(rx, now);
}

/*
 * Ext header parsing: "[release,]prio,seq,ts_usec,flag[,k=v]...;" as
 * printed by info_print_ext_header() in kernel/printk/printk.c, with the
 * release prepended by netconsole's 'r' option and ",ncfrag=off/total"
 * inserted by send_ext_msg_udp() in drivers/net/netconsole.c. Unknown comma
 * fields are ignored (Documentation/ABI/testing/dev-kmsg).
 */

/* Parse a non-empty all-digit field into *v; false on overflow/other. */
static bool
parse_u64(const char *s, size_t len, uint64_t *v)
{
	uint64_t	 x = 0;
	size_t		 i;
	unsigned	 d;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		d = (unsigned)(s[i] - '0');
		/* x * 10 + d > UINT64_MAX, without a division per digit */
		if (x > UINT64_MAX / 10 ||
		    (x == UINT64_MAX / 10 && d > UINT64_MAX % 10))
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

/* Whether s looks like a kernel release: 1..64 printable, no space. */
static bool
release_ok(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len >= NC_RELEASE_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

/* Take the next comma field of [*cur, end) into f/flen; false at end. */
static bool
next_field(const char **cur, const char *end, const char **f, size_t *flen)
{
	const char	*c;

	if (*cur > end)
		return false;
	/* Fields are short: a loop beats a memchr call. */
	for (c = *cur; c < end && *c != ','; c++)
		;
	*f = *cur;
	*flen = (size_t)(c - *cur);
	*cur = c + 1;
	return true;
}

/* Parse "off/total" of an ncfrag field. */
static void
parse_ncfrag(struct ext_hdr *h, const char *s, size_t len)
{
	const char	*slash = memchr(s, '/', len);

	if (h->frag) {
		h->frag_bad = "ncfrag repeated";
		return;
	}
	h->frag = true;
	if (slash == NULL ||
	    !parse_u64(s, (size_t)(slash - s), &h->frag_off) ||
	    !parse_u64(slash + 1, len - (size_t)(slash - s) - 1,
	    &h->frag_total))
		h->frag_bad = "ncfrag unparsable";
}

/* Handle one field after the flag: caller=, ncfrag=, or unknown. */
static void
parse_extra(struct ext_hdr *h, const char *f, size_t len)
{
	if (len > 7 && memcmp(f, "caller=", 7) == 0) {
		if (release_ok(f + 7, len - 7) && len - 7 < NC_CALLER_MAX) {
			memcpy(h->caller, f + 7, len - 7);
			h->caller[len - 7] = '\0';
		}
	} else if (len >= 7 && memcmp(f, "ncfrag=", 7) == 0)
		parse_ncfrag(h, f + 7, len - 7);
}

/* Parse the fixed fields prio,seq,ts,flag from cur on. */
static bool
parse_fixed(struct ext_hdr *h, const char **cur, const char *end)
{
	const char	*f;
	size_t		 len;

	if (!next_field(cur, end, &f, &len) || !parse_u64(f, len, &h->prio) ||
	    h->prio > NC_PRIO_MAX)
		return false;
	if (!next_field(cur, end, &f, &len) || !parse_u64(f, len, &h->seq))
		return false;
	if (!next_field(cur, end, &f, &len) || !parse_u64(f, len, &h->ts) ||
	    h->ts > INT64_MAX)
		return false;
	if (!next_field(cur, end, &f, &len) || len != 1)
		return false;
	h->flag = f[0];
	return true;
}

/* Parse an ext header at the start of p; false means "plain text". */
static bool
ext_parse_hdr(const char *p, size_t n, struct ext_hdr *h)
{
	const char	*semi, *cur = p, *f;
	size_t		 len;

	/* Not a memset: it showed in profiles, and the fixed fields are
	 * always set on success. */
	h->release[0] = h->caller[0] = '\0';
	h->frag = false;
	h->frag_off = h->frag_total = 0;
	h->frag_bad = NULL;
	semi = memchr(p, ';', n < NC_HDR_MAX ? n : NC_HDR_MAX);
	if (semi == NULL || !next_field(&cur, semi, &f, &len))
		return false;
	if (!parse_u64(f, len, &h->prio)) {
		if (!release_ok(f, len))
			return false;
		memcpy(h->release, f, len);	/* the 'r' option */
		h->release[len] = '\0';
	} else
		cur = p;
	if (!parse_fixed(h, &cur, semi))
		return false;
	while (next_field(&cur, semi, &f, &len))
		parse_extra(h, f, len);
	h->len = (size_t)(semi - p) + 1;
	return true;
}

/*
 * Build an ext record from its header and body "text\n[ KEY=VALUE\n]..."
 * and pass it to the seq stage.
 */
static void
ext_record(struct nc_rx *rx, const struct ext_hdr *h, const char *body,
    size_t len, int64_t now)
{
	struct rec_node	*n;
	const char	*nl = memchr(body, '\n', len);
	size_t		 tlen = nl ? (size_t)(nl - body) : len;

	/* Escapes only shrink text: tlen bytes hold it unless it has NULs. */
	if ((n = node_new(rx, NC_FMT_EXT, now, tlen)) == NULL) {
		rx->nomem = true;
		return;
	}
	n->rec.seq = h->seq;
	n->rec.level = (int)(h->prio & 7);
	n->rec.facility = (int)(h->prio >> 3);
	n->rec.ts_usec = (int64_t)h->ts;
	n->rec.cont = h->flag == 'c' || h->flag == '+';
	/* Strings only: the rest of h's arrays is not initialized. */
	memcpy(n->rec.caller, h->caller, strlen(h->caller) + 1);
	memcpy(n->rec.release, h->release, strlen(h->release) + 1);
	caller_key(n->ckey, n->rec.caller);
	add_text(rx, &n->text, body, tlen, true);
	if (n->text.cut)
		bad(rx, "record text too long");
	if (nl != NULL)
		dict_parse(rx, n, nl + 1, len - tlen - 1);
	if (n->text.oom) {
		rx->nomem = true;
		node_free(n);
		return;
	}
	seq_input(rx, n, now);
}

/* Free a fragment assembly, keeping the pending gauges right. */
static void
frag_free(struct nc_rx *rx, struct frag *f)
{
	TAILQ_REMOVE(&rx->frags, f, entry);
	rx->nfrags--;
	rx->frag_bytes -= f->total;
	rx->ctr.frags_pending = rx->nfrags;
	free(f->buf);
	free(f->map);
	free(f);
}

/* The pending assembly for seq, or NULL. */
static struct frag *
frag_find(struct nc_rx *rx, uint64_t seq)
{
	struct frag	*f;

	TAILQ_FOREACH(f, &rx->frags, entry)
		if (f->hdr.seq == seq)
			return f;
	return NULL;
}

/* Whether slice header h belongs to the same record as assembly f. */
static bool
frag_same(const struct frag *f, const struct ext_hdr *h)
{
	return f->hdr.prio == h->prio && f->hdr.ts == h->ts &&
	    f->hdr.flag == h->flag && f->total == h->frag_total &&
	    strcmp(f->hdr.caller, h->caller) == 0 &&
	    strcmp(f->hdr.release, h->release) == 0;
}

/* Start an assembly for h, evicting the oldest ones over the caps. */
static struct frag *
frag_new(struct nc_rx *rx, const struct ext_hdr *h, int64_t now)
{
	struct frag	*f;
	size_t		 total = (size_t)h->frag_total;

	while (!TAILQ_EMPTY(&rx->frags) &&
	    (rx->nfrags >= rx->lim.frag_max_pending ||
	    rx->frag_bytes + total > rx->lim.frag_max_bytes)) {
		frag_free(rx, TAILQ_FIRST(&rx->frags));
		rx->ctr.frags_evicted++;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->buf = malloc(total);
	f->map = calloc((total + 7) / 8, 1);
	if (f->buf == NULL || f->map == NULL) {
		free(f->buf);
		free(f->map);
		free(f);
		return NULL;
	}
	f->hdr = *h;
	f->total = total;
	f->first_ms = now;
	TAILQ_INSERT_TAIL(&rx->frags, f, entry);
	rx->nfrags++;
	rx->frag_bytes += total;
	rx->ctr.frags_pending = rx->nfrags;
	return f;
}

/* Whether byte b of f was received. */
static bool
map_has(const struct frag *f, size_t b)
{
	return (f->map[b / 8] >> (b % 8)) & 1;
}

/*
 * Length of the run of bytes from b (before end) that are all received,
 * or all missing, as *has says. Whole map bytes are skipped at once:
 * slices are hundreds of bytes and usually land on untouched space.
 */
static size_t
map_run(const struct frag *f, size_t b, size_t end, bool *has)
{
	uint8_t	 full;
	size_t	 n = b;

	*has = map_has(f, b);
	full = *has ? 0xff : 0;
	while (n < end) {
		if (n % 8 == 0 && end - n >= 8 && f->map[n / 8] == full) {
			n += 8;
			continue;
		}
		if (map_has(f, n) != *has)
			break;
		n++;
	}
	return n - b;
}

/* Mark bytes [b, b + n) of f received. */
static void
map_set(struct frag *f, size_t b, size_t n)
{
	size_t	 end = b + n;

	for (; b < end && b % 8 != 0; b++)
		f->map[b / 8] |= (uint8_t)(1u << (b % 8));
	if (end - b >= 8) {
		memset(f->map + b / 8, 0xff, (end - b) / 8);
		b += (end - b) / 8 * 8;
	}
	for (; b < end; b++)
		f->map[b / 8] |= (uint8_t)(1u << (b % 8));
}

/* Whether a slice overlaps received bytes of f with different content. */
static bool
frag_conflicts(const struct frag *f, size_t off, const char *s, size_t len)
{
	size_t	 b, run;
	bool	 has;

	for (b = off; b < off + len; b += run) {
		run = map_run(f, b, off + len, &has);
		if (has && memcmp(f->buf + b, s + (b - off), run) != 0)
			return true;
	}
	return false;
}

/* Copy a slice into f, counting the bytes new to it. */
static void
frag_place(struct frag *f, size_t off, const char *s, size_t len)
{
	size_t	 b, run;
	bool	 has;

	for (b = off; b < off + len; b += run) {
		run = map_run(f, b, off + len, &has);
		if (has)
			continue;
		memcpy(f->buf + b, s + (b - off), run);
		map_set(f, b, run);
		f->have += run;
	}
}

/* Check the ncfrag numbers of a slice of len bytes; NULL if fine. */
static const char *
frag_check(const struct nc_rx *rx, const struct ext_hdr *h, size_t len)
{
	if (h->frag_bad != NULL)
		return h->frag_bad;
	if (h->frag_total == 0)
		return "ncfrag total is zero";
	if (h->frag_total > rx->lim.frag_total_max ||
	    h->frag_total > rx->lim.frag_max_bytes)
		return "ncfrag total too large";
	if (h->frag_off >= h->frag_total)
		return "ncfrag offset beyond total";
	if (len == 0)
		return "empty ncfrag slice";
	if (len > h->frag_total - h->frag_off)
		return "ncfrag slice beyond total";
	return NULL;
}

/*
 * Take one ncfrag slice. Offsets count body bytes after the ';' only, so
 * every slice repeats the header (send_ext_msg_udp()); slices may come in
 * any order, and a record is complete when every byte arrived.
 */
static void
frag_input(struct nc_rx *rx, const struct ext_hdr *h, const char *s,
    size_t len, int64_t now)
{
	struct frag	*f;
	const char	*why;
	size_t		 off = (size_t)h->frag_off;

	if ((why = frag_check(rx, h, len)) != NULL) {
		bad(rx, why);
		return;
	}
	if ((f = frag_find(rx, h->seq)) != NULL && !frag_same(f, h)) {
		bad(rx, "ncfrag header differs from earlier slice");
		return;
	}
	if (f == NULL && (f = frag_new(rx, h, now)) == NULL) {
		rx->nomem = true;
		return;
	}
	if (frag_conflicts(f, off, s, len)) {
		bad(rx, "ncfrag overlap with different bytes");
		return;
	}
	frag_place(f, off, s, len);
	rx->ctr.frags++;
	if (f->have < f->total)
		return;
	rx->ctr.frags_completed++;
	ext_record(rx, &f->hdr, f->buf, f->total, now);
	frag_free(rx, f);
}

/* Drop assemblies older than the timeout (all if all). */
static void
frag_expire(struct nc_rx *rx, int64_t now, bool all)
{
	struct frag	*f;

	while ((f = TAILQ_FIRST(&rx->frags)) != NULL) {
		if (!all && elapsed(now, f->first_ms) <
		    (uint64_t)rx->lim.frag_timeout_ms)
			break;
		frag_free(rx, f);
		rx->ctr.frags_expired++;
	}
}

/* Decode one ext datagram whose header h was parsed. */
static void
ext_input(struct nc_rx *rx, const struct ext_hdr *h, const char *p,
    size_t n, int64_t now)
{
	rx->ctr.packets_ext++;
	if (h->frag || h->frag_bad != NULL)
		frag_input(rx, h, p + h->len, n - h->len, now);
	else
		ext_record(rx, h, p + h->len, n - h->len, now);
}

/*
 * Plain format. write_msg() in drivers/net/netconsole.c sends the console
 * text of one record, cut into MAX_PRINT_CHUNK (1000) byte datagrams with
 * no header. So text is joined across datagrams and split on '\n', and a
 * partial line is only continued by the datagram after a full 1000-byte
 * one; after a shorter datagram, or a quiet plain_flush_ms, it is flushed.
 */

/* Parse the "[<N>]" syslog prefix of a console line into level/facility. */
static size_t
plain_prio(struct rec_node *n, const char *s, size_t len)
{
	uint64_t	 prio;
	const char	*gt;

	if (len < 3 || s[0] != '<' || (gt = memchr(s, '>', len)) == NULL ||
	    !parse_u64(s + 1, (size_t)(gt - s - 1), &prio) ||
	    prio > NC_PRIO_MAX)
		return 0;
	n->rec.level = (int)(prio & 7);
	n->rec.facility = (int)(prio >> 3);
	return (size_t)(gt - s) + 1;
}

/* Parse a "[%5lu.%06lu]" console time at s into usec; -1 if none. */
static int64_t
plain_ts(const char *s, size_t len)
{
	const char	*dot, *end;
	uint64_t	 sec, usec;
	size_t		 i = 1;

	if (len < 4 || s[0] != '[' || (end = memchr(s, ']', len)) == NULL)
		return -1;
	while (s + i < end && s[i] == ' ')
		i++;
	if ((dot = memchr(s + i, '.', (size_t)(end - s - i))) == NULL ||
	    !parse_u64(s + i, (size_t)(dot - s - i), &sec) ||
	    end - dot != 7 || !parse_u64(dot + 1, 6, &usec) ||
	    sec > (uint64_t)INT64_MAX / 1000000 - 1)
		return -1;
	return (int64_t)(sec * 1000000 + usec);
}

/* Set new_boot when the console time of n went back (a reboot). */
static void
plain_boot(struct nc_rx *rx, struct rec_node *n, const char *s, size_t len)
{
	size_t	 skip = plain_prio(n, s, len);
	int64_t	 ts = plain_ts(s + skip, len - skip);

	if (ts < 0)
		return;
	/* As for ext (seq_clock_reset()), CPUs' clocks may disagree; a
	 * reboot also starts again near 0. */
	if (rx->plain_have_ts && ts < rx->lim.ts_back_usec &&
	    ts < rx->plain_max_ts - rx->lim.ts_back_usec) {
		n->rec.new_boot = true;
		rx->ctr.new_boots++;
		rx->plain_max_ts = ts;
	} else if (!rx->plain_have_ts || ts > rx->plain_max_ts)
		rx->plain_max_ts = ts;
	rx->plain_have_ts = true;
}

/* Count "** N printk messages dropped **" (console_prepend_dropped()). */
static void
plain_dropped(struct nc_rx *rx, struct rec_node *n, const char *s,
    size_t len)
{
	static const char	 pre[] = "** ";
	static const char	 suf[] = " printk messages dropped **";
	const size_t		 lp = sizeof(pre) - 1, ls = sizeof(suf) - 1;
	uint64_t		 cnt;

	if (len <= lp + ls || memcmp(s, pre, lp) != 0 ||
	    memcmp(s + len - ls, suf, ls) != 0 ||
	    !parse_u64(s + lp, len - lp - ls, &cnt))
		return;
	n->rec.gap_before = cnt;
	rx->ctr.gaps += cnt;
}

/* Emit one console line of len raw bytes (no '\n') as a plain record. */
static void
plain_emit(struct nc_rx *rx, const char *s, size_t len, int64_t now)
{
	struct rec_node	*n;

	if ((n = node_new(rx, NC_FMT_PLAIN, now, len)) == NULL) {
		rx->nomem = true;
		return;
	}
	/* NULs are escaped, so text may grow past line_max_bytes by 4x. */
	n->text.max = SIZE_MAX;
	add_text(rx, &n->text, s, len, false);
	if (n->text.oom) {
		rx->nomem = true;
		node_free(n);
		return;
	}
	plain_boot(rx, n, s, len);
	plain_dropped(rx, n, s, len);
	n->rec.first = !rx->plain_seen;
	rx->plain_seen = true;
	ready_push(rx, n);
}

/* Flush the partial plain line, if any, as a record. */
static void
plain_flush(struct nc_rx *rx, int64_t now)
{
	if (rx->plain.len == 0)
		return;
	plain_emit(rx, rx->plain.p, rx->plain.len, now);
	rx->plain.len = 0;
	rx->ctr.partial_flushes++;
}

/* Add a run of bytes with no '\n' to the partial line, cutting at max. */
static void
plain_add(struct nc_rx *rx, const char *s, size_t len, int64_t now)
{
	size_t	 room;

	while (len > 0) {
		room = rx->lim.line_max_bytes - rx->plain.len;
		if (room == 0) {
			bad(rx, "plain line too long");
			plain_flush(rx, now);
			continue;
		}
		if (room > len)
			room = len;
		sbuf_add(&rx->plain, s, room);
		if (rx->plain.oom) {
			rx->nomem = true;
			sbuf_init(&rx->plain, rx->lim.line_max_bytes,
			    NC_TEXT_MIN);
			return;
		}
		s += room;
		len -= room;
	}
}

/* Decode one plain datagram. */
static void
plain_input(struct nc_rx *rx, const char *p, size_t n, int64_t now)
{
	const char	*nl;
	size_t		 l;

	rx->ctr.packets_plain++;
	if (n == 0)
		bad(rx, "empty datagram");
	if (memchr(p, '\0', n) != NULL)
		bad(rx, "NUL byte in text");
	if (rx->plain.len > 0 && rx->plain_last_len != NC_CHUNK_BYTES)
		plain_flush(rx, now);	/* nothing continues a short chunk */
	rx->plain_last_len = n;
	rx->plain_ms = now;
	while (n > 0) {
		nl = memchr(p, '\n', n);
		l = nl ? (size_t)(nl - p) : n;
		plain_add(rx, p, l, now);
		if (nl == NULL)
			break;
		plain_emit(rx, rx->plain.p, rx->plain.len, now);
		rx->plain.len = 0;
		p += l + 1;
		n -= l + 1;
	}
}

void
nc_limits_default(struct nc_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->frag_max_pending = 16;
	lim->frag_max_bytes = 256 * 1024;
	lim->frag_total_max = 64 * 1024;
	lim->frag_timeout_ms = 2000;
	lim->line_max_bytes = 64 * 1024;
	lim->plain_flush_ms = 250;
	lim->cont_hold_ms = 100;
	lim->cont_hold_max = 64;
	lim->queue_max = 8192;
	lim->seq_window = 8192;
	lim->replay_hold_max = 256;
	lim->replay_hold_ms = 1000;
	lim->ts_back_usec = 10000000;
	lim->max_attrs = 256;
}

/* Replace zero (or negative) limits by the defaults. */
static void
limits_fill(struct nc_limits *lim)
{
	struct nc_limits	 d;

	nc_limits_default(&d);
#define NC_FILL(f) do { if (lim->f <= 0) lim->f = d.f; } while (0)
	NC_FILL(frag_max_pending);
	NC_FILL(frag_max_bytes);
	NC_FILL(frag_total_max);
	NC_FILL(frag_timeout_ms);
	NC_FILL(line_max_bytes);
	NC_FILL(plain_flush_ms);
	NC_FILL(cont_hold_max);
	NC_FILL(queue_max);
	NC_FILL(seq_window);
	NC_FILL(replay_hold_max);
	NC_FILL(replay_hold_ms);
	NC_FILL(ts_back_usec);
	NC_FILL(max_attrs);
#undef NC_FILL
	if (lim->cont_hold_ms < 0)
		lim->cont_hold_ms = 0;
}

struct nc_rx *
nc_rx_new(const struct nc_limits *lim)
{
	struct nc_rx	*rx;

	if ((rx = calloc(1, sizeof(*rx))) == NULL)
		return NULL;
	if (lim != NULL) {
		rx->lim = *lim;
		limits_fill(&rx->lim);
	} else
		nc_limits_default(&rx->lim);
	sbuf_init(&rx->plain, rx->lim.line_max_bytes, NC_TEXT_MIN);
	if (rx->plain.oom) {
		free(rx);
		return NULL;
	}
	TAILQ_INIT(&rx->frags);
	TAILQ_INIT(&rx->seq.held);
	TAILQ_INIT(&rx->inbox);
	TAILQ_INIT(&rx->hold);
	TAILQ_INIT(&rx->ready);
	return rx;
}

void
nc_rx_free(struct nc_rx *rx)
{
	struct rec_node	*n;

	if (rx == NULL)
		return;
	frag_expire(rx, 0, true);
	queue_free(&rx->seq.held);
	queue_free(&rx->inbox);
	queue_free(&rx->hold);
	queue_free(&rx->ready);
	while ((n = rx->spare) != NULL) {
		rx->spare = n->spare_next;
		free(n);
	}
	free(rx->latest);
	free(rx->seq.ring);
	free(rx->plain.p);
	free(rx);
}

int
nc_rx_feed(struct nc_rx *rx, const void *buf, size_t len, int64_t now_ms,
    const char **reason)
{
	struct ext_hdr	 h;
	const char	*p = len > 0 ? buf : "";

	rx->why = NULL;
	rx->nomem = false;
	rx->ctr.packets++;
	rx->ctr.bytes += len;
	nc_rx_tick(rx, now_ms);
	if (ext_parse_hdr(p, len, &h))
		ext_input(rx, &h, p, len, now_ms);
	else
		plain_input(rx, p, len, now_ms);
	if (rx->why != NULL) {
		rx->ctr.malformed++;
		if (reason != NULL)
			*reason = rx->why;
		return -1;
	}
	if (rx->nomem) {
		rx->ctr.nomem++;
		if (reason != NULL)
			*reason = "out of memory";
		return -1;
	}
	return 0;
}

void
nc_rx_tick(struct nc_rx *rx, int64_t now_ms)
{
	struct seqstate	*s = &rx->seq;

	frag_expire(rx, now_ms, false);
	if (rx->plain.len > 0 &&
	    elapsed(now_ms, rx->plain_ms) >= (uint64_t)rx->lim.plain_flush_ms)
		plain_flush(rx, now_ms);
	if (s->suspect &&
	    elapsed(now_ms, s->since_ms) >= (uint64_t)rx->lim.replay_hold_ms) {
		suspect_decide(rx, !s->held_dup, now_ms);
		seq_drain(rx, now_ms);
	}
	cont_release(rx, now_ms, false);
}

void
nc_rx_flush(struct nc_rx *rx, int64_t now_ms)
{
	plain_flush(rx, now_ms);
	/* A new-boot decision replays the held records, which may turn
	 * suspect again; each round leaves fewer records held. */
	while (rx->seq.suspect) {
		suspect_decide(rx, !rx->seq.held_dup, now_ms);
		seq_drain(rx, now_ms);
	}
	cont_release(rx, now_ms, true);
	frag_expire(rx, now_ms, true);
}

/* The earlier of deadline a (or -1) and b. */
static int64_t
earlier(int64_t a, int64_t b)
{
	return a < 0 || b < a ? b : a;
}

int64_t
nc_rx_deadline(const struct nc_rx *rx)
{
	const struct frag	*f = TAILQ_FIRST(&rx->frags);
	const struct rec_node	*h = TAILQ_FIRST(&rx->hold);
	int64_t			 d = -1;

	if (f != NULL)
		d = earlier(d, deadline_add(f->first_ms,
		    rx->lim.frag_timeout_ms));
	if (rx->plain.len > 0)
		d = earlier(d, deadline_add(rx->plain_ms,
		    rx->lim.plain_flush_ms));
	if (rx->seq.suspect)
		d = earlier(d, deadline_add(rx->seq.since_ms,
		    rx->lim.replay_hold_ms));
	if (h != NULL)
		d = earlier(d, deadline_add(h->held_ms, rx->lim.cont_hold_ms));
	return d;
}

struct nc_record *
nc_rx_next(struct nc_rx *rx)
{
	struct rec_node	*n;

	if ((n = TAILQ_FIRST(&rx->ready)) == NULL)
		return NULL;
	TAILQ_REMOVE(&rx->ready, n, entry);
	rx->nready--;
	return &n->rec;
}

size_t
nc_rx_ready(const struct nc_rx *rx)
{
	return rx->nready;
}

void
nc_rx_recycle(struct nc_rx *rx, struct nc_record *rec)
{
	/* rec is the first member of its rec_node. */
	node_recycle(rx, (struct rec_node *)rec);
}

void
nc_record_free(struct nc_record *rec)
{
	/* rec is the first member of its rec_node. */
	node_free((struct rec_node *)rec);
}

const char *
nc_record_attr(const struct nc_record *rec, const char *key)
{
	size_t	 i;

	for (i = 0; i < rec->nattrs; i++)
		if (strcmp(rec->attrs[i].key, key) == 0)
			return rec->attrs[i].value;
	return NULL;
}

const struct nc_counters *
nc_rx_counters(const struct nc_rx *rx)
{
	return &rx->ctr;
}

const char *
nc_format_name(enum nc_format fmt)
{
	return fmt == NC_FMT_EXT ? "ext" : "plain";
}
