/* SPDX-License-Identifier: MIT */
/*
 * netconsole.h -- decode netconsole datagrams from one board into records.
 *
 * Pure module: no I/O, no logging, no clock. The caller owns one struct nc_rx
 * per board (per source address), feeds it each datagram with the current
 * monotonic time in milliseconds, calls nc_rx_tick() when a deadline passes,
 * and pops finished records with nc_rx_next().
 *
 * Wire formats (see /work/shared/reference/kernel-formats.md section 1 and
 * drivers/net/netconsole.c, kernel/printk/printk.c):
 *
 *  - plain: console text, one printk record per datagram, but a record over
 *    1000 bytes (MAX_PRINT_CHUNK) is cut into several datagrams with no
 *    header, so a datagram can end mid-line. Text is joined per board and
 *    split on '\n'; each line is one record (without the '\n').
 *  - extended ('+'): "[release,]prio,seq,ts_usec,flag[,caller=T1][,ncfrag=
 *    off/total][,unknown...];text\n[ KEY=VALUE\n]...". Detected per datagram:
 *    a datagram whose header does not parse is plain text.
 *
 * What is salvaged and what is dropped (nc_rx_feed() returns -1 and a static
 * reason for every case below; the packet is counted in `malformed`):
 *
 *  - ext text/value with a bad "\x" escape (not two hex digits) or an
 *    escaped NUL ("\x00"): the escape is kept literally, record delivered.
 *  - raw NUL bytes anywhere (plain or ext): replaced by the 4 characters
 *    "\x00", record delivered. Record text never contains a NUL byte.
 *  - ext dictionary line that is not " KEY=VALUE" (or one over
 *    limits.max_attrs): line ignored, record delivered. Empty lines are
 *    ignored silently.
 *  - plain or ext text longer than limits.line_max_bytes: cut at that size
 *    (plain: the rest continues as the next record; ext: rest dropped).
 *  - bogus ncfrag (unparsable or repeated field, off >= total, off + len >
 *    total, total == 0, total > limits.frag_total_max, empty slice, a slice
 *    whose header disagrees with the pending assembly of the same seq, or an
 *    overlap whose bytes differ from what was already received): that slice
 *    is dropped; the assembly waits for good slices or expires. An exact
 *    re-send of bytes already received is not malformed.
 *  - an empty datagram: nothing decoded.
 *  - everything else that does not parse as ext is plain text by definition,
 *    so garbage comes out as plain records (escaped NULs only).
 * Incomplete fragment assemblies are never salvaged: on timeout, eviction
 * or nc_rx_flush() their bytes are dropped (frags_expired/frags_evicted).
 *
 * Sequence numbers (ext only): gaps are counted per boot (messages lost on
 * the network or filtered by console loglevel), duplicates dropped. A
 * netconsole re-registration replays the whole printk buffer with old seqs;
 * those records are recognised by a fingerprint of (prio, flag, ts, text)
 * kept for the last limits.seq_window seqs of the boot, and dropped.
 *  - seq back to a known value with another fingerprint: new boot.
 *  - seq forward (not by exactly 1) while the printk clock goes back by
 *    more than limits.ts_back_usec: new boot. (CPU clocks can disagree by
 *    seconds, so the clock alone is not enough.)
 *  - seq back into a hole of the last 64 seqs: a late datagram, delivered
 *    (counted in late, and no longer in gaps).
 *  - seq back to a matching fingerprint, or to a seq we never saw: the
 *    record is held (up to limits.replay_hold_max records or
 *    limits.replay_hold_ms) until the stream tells: a differing known
 *    fingerprint means new boot (all held records delivered, the first
 *    flagged new_boot); going past the old max means replay (matching held
 *    records dropped as duplicates, unknown ones delivered as late). Left
 *    undecided, it is a replay if any held record matched, else a new boot.
 *    Holding matches is what keeps the first records of a reboot of the same
 *    kernel ("Linux version ..." at ts 0 is identical) from being dropped.
 * The first record of a new boot has new_boot set and gap_before = its seq.
 * Plain text has no seq: new_boot is set when the console time goes back
 * by more than ts_back_usec to below ts_back_usec ("[    0.000000]").
 *
 * Continuation: an ext record with flag 'c' (or the pre-4.9 '+') is a
 * pr_cont() piece the kernel could not merge. It is appended to the text of
 * the latest earlier record of the same caller (or, without caller ids, the
 * record just before it) if that record has not been delivered yet. To make
 * that possible the newest record of each caller is held for up to
 * limits.cont_hold_ms; cont_hold_ms == 0 disables merging (cont records are
 * then delivered on their own with cont set).
 *
 * Memory per board is bounded by the limits struct: pending fragment
 * assemblies (frag_max_pending, frag_max_bytes; expired after
 * frag_timeout_ms), the plain partial line (line_max_bytes), the seq window
 * (4 bytes per seq_window slot, allocated at the first ext record), records
 * held for merging (cont_hold_max) or for the replay question
 * (replay_hold_max), and the ready queue (queue_max; the oldest ready record
 * is dropped and counted when the caller does not pop). A record's text is
 * at most line_max_bytes (4x that for a plain line full of NULs).
 *
 * An nc_rx is not thread-safe: one thread feeds, ticks and pops it. Popped
 * records belong to the caller and may be handed to and freed by any thread.
 */
#ifndef KCATCH_NETCONSOLE_H
#define KCATCH_NETCONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NC_CALLER_MAX	16	/* "T4194304" / "C8191" plus NUL, with room */
#define NC_RELEASE_MAX	65	/* utsname release is at most 64 chars */
#define NC_CHUNK_BYTES	1000 /* MAX_PRINT_CHUNK in drivers/net/netconsole.c */

enum nc_format {
	NC_FMT_PLAIN,
	NC_FMT_EXT,
};

/* Tunables. Fill with nc_limits_default() and change what you need. */
struct nc_limits {
	size_t	 frag_max_pending;	/* ncfrag assemblies in flight (16) */
	size_t	 frag_max_bytes;	/* sum of their totals (256 KiB) */
	size_t	 frag_total_max; /* largest ncfrag total accepted (64 KiB) */
	int64_t	 frag_timeout_ms;	/* assembly expires after (2000 ms) */
	size_t	 line_max_bytes;	/* longest record text (64 KiB) */
	int64_t	 plain_flush_ms;	/* partial plain line flushed after
					   this much quiet (250 ms) */
	int64_t	 cont_hold_ms;		/* newest record per caller held for
					   'c' merging (100 ms); 0 = off */
	size_t	 cont_hold_max;		/* held records at most (64) */
	size_t	 queue_max;		/* ready records not popped (8192) */
	uint32_t seq_window;		/* seqs remembered for dedup (8192) */
	size_t	 replay_hold_max;	/* records held while deciding replay
					   vs new boot (256) */
	int64_t	 replay_hold_ms;	/* ... or for at most this long
					   (1000 ms) */
	int64_t	 ts_back_usec;		/* clock going back by more than this
					   can mean a new boot (10 s) */
	size_t	 max_attrs;		/* attributes kept per record (256) */
};

/* Counters since nc_rx_new(). All only grow, except frags_pending (a gauge)
 * and gaps (a late record takes its hole back). */
struct nc_counters {
	uint64_t packets;	  /* datagrams fed */
	uint64_t bytes;		  /* their bytes */
	uint64_t packets_ext;	  /* datagrams with an ext header */
	uint64_t packets_plain;	  /* datagrams taken as plain text */
	uint64_t malformed;	  /* datagrams for which feed returned -1 */
	uint64_t records;	  /* records queued for nc_rx_next() */
	uint64_t lines;		  /* '\n'-separated lines in those records */
	uint64_t gaps;		  /* ext messages missing (seq holes), net of
				     late arrivals; plain: "** N printk
				     messages dropped **" */
	uint64_t late;		  /* ext records that filled an earlier hole */
	uint64_t duplicates;	  /* ext records dropped as already seen */
	uint64_t new_boots;	  /* resets detected (not counting the first) */
	uint64_t cont_merged;	  /* 'c' records appended to an earlier one */
	uint64_t frags;		  /* ncfrag slices accepted */
	uint64_t frags_pending;	  /* assemblies in flight now (gauge) */
	uint64_t frags_completed; /* assemblies completed into a record */
	uint64_t frags_expired;	  /* assemblies dropped after the timeout */
	uint64_t frags_evicted;	  /* assemblies dropped over count/bytes cap */
	uint64_t partial_flushes; /* plain lines flushed without '\n' (timeout,
				     a short datagram, or line_max_bytes) */
	uint64_t queue_dropped;	  /* ready records dropped, queue_max hit */
	uint64_t nomem;		  /* allocation failures (data dropped) */
};

/* One key/value attribute: an ext dictionary line (SUBSYSTEM=, DEVICE=),
 * netconsole userdata (step=) or sysdata (cpu=, taskname=, release=,
 * msgid=). Keys may repeat (user and kernel "cpu"); order is wire order. */
struct nc_attr {
	char	*key;		/* NUL-terminated, owned by the record */
	char	*value;		/* NUL-terminated, escapes decoded */
};

/* One decoded record. Owned by the caller after nc_rx_next(); free it with
 * nc_record_free(). All strings are NUL-terminated and NUL-free. */
struct nc_record {
	enum nc_format	 format;
	uint64_t	 seq;		/* ext printk seq (of the first piece
					   if merged); plain: 0 */
	int		 level;		/* 0..7; plain: from "<N>" if present,
					   else -1 */
	int		 facility;	/* 0 kernel, 1 user (/dev/kmsg), ...;
					   -1 unknown */
	int64_t		 ts_usec;	/* ext printk time, us since boot;
					   plain: -1 */
	char		 caller[NC_CALLER_MAX]; /* "T123"/"C1" or "" */
	bool		 cont;		/* an unmerged 'c' continuation piece */
	bool		 new_boot; /* first record after a detected reset */
	bool		 first;		/* first record of this format this rx
					   ever delivered (we joined a boot) */
	uint64_t	 gap_before;	/* messages missing right before this
					   one (ext seq hole; plain "dropped"
					   line carries its own count) */
	unsigned	 merged;	/* 'c' records appended to this one */
	char		 release[NC_RELEASE_MAX]; /* prepended release or "" */
	char		*text;		/* decoded text; ext may hold '\n'
					   (multi-line printk); plain: one
					   console line, prefix kept, no '\n' */
	size_t		 text_len;	/* strlen(text) */
	struct nc_attr	*attrs;		/* nattrs entries, owned by record */
	size_t		 nattrs;
	int64_t		 rx_ms;		/* now_ms when the record completed */
};

struct nc_rx;

/* Fill *lim with the defaults listed in struct nc_limits. */
void		 nc_limits_default(struct nc_limits *lim);

/*
 * Create the receive state for one board. lim may be NULL for defaults; it
 * is copied. Zero (or negative) fields in *lim are replaced by their
 * defaults, except cont_hold_ms where 0 or less means "do not merge
 * continuations". Returns NULL on allocation failure. Free with
 * nc_rx_free().
 */
struct nc_rx	*nc_rx_new(const struct nc_limits *lim);

/* Free rx, pending fragments and every record not popped. NULL is a no-op. */
void		 nc_rx_free(struct nc_rx *rx);

/*
 * Decode one datagram of len bytes (any bytes, any length, buf may be NULL
 * when len is 0) received at now_ms (monotonic milliseconds, never going
 * back). The bytes are copied; buf is not kept. Completed records are queued
 * for nc_rx_next(). Also expires fragments and flushes held records whose
 * deadline is now_ms or earlier, as nc_rx_tick() would.
 *
 * Returns 0 if the datagram was well formed, -1 if it was malformed or data
 * was lost to an allocation failure: then *reason (if reason is not NULL) is
 * set to a static string like "ncfrag offset beyond total", and counters
 * .malformed (or .nomem) went up. Salvaged records (see the file comment)
 * are queued even when -1 is returned.
 */
int		 nc_rx_feed(struct nc_rx *rx, const void *buf, size_t len,
		    int64_t now_ms, const char **reason);

/*
 * Advance time to now_ms: expire fragment assemblies older than
 * frag_timeout_ms, flush a plain partial line quiet for plain_flush_ms,
 * decide a replay-or-new-boot question open for replay_hold_ms, and release
 * records held longer than cont_hold_ms. Records that become ready are
 * popped with nc_rx_next(). Call it when nc_rx_deadline() passes (or simply
 * every 100 ms).
 */
void		 nc_rx_tick(struct nc_rx *rx, int64_t now_ms);

/*
 * Flush everything now, as at shutdown or when the board goes away: the
 * plain partial line becomes a record, held records are released (a
 * replay-or-new-boot question still open is decided as on a timeout:
 * replay if any held record matched a known one, else new boot), pending
 * fragment assemblies are dropped (counted as expired).
 */
void		 nc_rx_flush(struct nc_rx *rx, int64_t now_ms);

/* Earliest now_ms at which nc_rx_tick() has work to do, or -1 if none. */
int64_t		 nc_rx_deadline(const struct nc_rx *rx);

/*
 * Pop the oldest ready record, or NULL if none. The caller owns it and frees
 * it with nc_record_free(); it stays valid after nc_rx_free(). Records come
 * out in the order they completed (seq order unless the network reordered).
 */
struct nc_record *nc_rx_next(struct nc_rx *rx);

/* Number of records ready to pop. */
size_t		 nc_rx_ready(const struct nc_rx *rx);

/* Free a record popped from nc_rx_next(). NULL is a no-op. */
void		 nc_record_free(struct nc_record *rec);
/*
 * Free a record popped from rx's nc_rx_next(), letting rx keep its memory
 * for a later record (bounded). NULL is a no-op.
 */
void		 nc_rx_recycle(struct nc_rx *rx, struct nc_record *rec);

/* Return the first attribute value with this key in rec, or NULL. */
const char	*nc_record_attr(const struct nc_record *rec, const char *key);

/* Counters of rx; the pointer stays valid until nc_rx_free(). */
const struct nc_counters *nc_rx_counters(const struct nc_rx *rx);

/* "plain" or "ext". */
const char	*nc_format_name(enum nc_format fmt);

#endif /* KCATCH_NETCONSOLE_H */
