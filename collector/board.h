/* SPDX-License-Identifier: MIT */
/*
 * board.h -- per-board stream state (prefix board_). A board is one
 * netconsole source, identified by source address AND port: boards behind
 * one NAT or QEMU user network share an address. struct board holds all
 * of a board's state in one place: identity and name, the netconsole
 * decoder (nc_rx), the report parser (kr_ctx), the current boot as the
 * event loop sees it, the parser timer, counters and limits, and the
 * writer thread's view (struct writer_board).
 *
 * The table (struct board_table) maps sources to boards, creates named
 * boards from the config on first sight and registers unknown sources as
 * "<ip>-<port>" (or drops them, per config), bounded by max_boards.
 * Boards live until board_table_free: there is no eviction, so pointers
 * handed to the writer thread stay valid until it is stopped.
 *
 * Event loop thread only (except wb, see writer.h).
 */
#ifndef KCATCH_BOARD_H
#define KCATCH_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conf.h"
#include "log.h"
#include "marker.h"
#include "netconsole.h"
#include "writer.h"

struct event;
struct event_base;
struct kr_ctx;
struct board_table;
struct tailsrv;

/* A source key: address family, address and port, IPv4-mapped as IPv4. */
struct board_addr {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint16_t port;		/* host order */
	uint8_t addr[16];	/* IPv4 in the first 4 bytes, rest zero */
};

/* Per-board counters since the collector started. */
struct board_counters {
	uint64_t packets;	 /* datagrams received */
	uint64_t bytes;		 /* their bytes */
	uint64_t oversize;	 /* datagrams over UDP_DGRAM_MAX (malformed) */
	uint64_t rate_drops;	 /* datagrams over source_rate */
	uint64_t share_drops;	 /* lines over the board's queue share */
	uint64_t queue_drops;	 /* lines/entries refused: queue full */
	uint64_t lines;		 /* lines handed to the writer */
	uint64_t reports;	 /* reports handed to the writer */
	uint64_t boots;		 /* boots begun or resumed */
	uint64_t gap_records;	 /* records that followed a seq hole */
	uint64_t bad_markers;	 /* "kcatch:" lines or step userdata that
				    break the grammar (marker.h) */
};

/* Boot markers seen in the current boot (see board.c). */
#define BOARD_MARK_VERSION 0x1	/* "Linux version ..." */
#define BOARD_MARK_BOOTING 0x2	/* "Booting Linux on physical CPU" */
/* A marker this many lines into a boot that began at a marker or reset
 * still belongs to it (arm64 prints "Booting Linux" before "Linux
 * version"); a marker later than that, or seen twice, is a new boot. */
#define BOARD_MARK_WINDOW 64

struct board {
	/* Identity. */
	char name[CONF_BOARD_NAME_MAX + 1];
	struct board_addr key;	     /* first source seen */
	char address[64];	     /* "ip:port" of the latest source */
	bool named;		     /* name comes from the config */
	bool registered;	     /* writer_board queued for this name */
	struct board_table *table;   /* owner */

	/* Decoding and parsing. */
	struct nc_rx *rx;	     /* owned */
	struct kr_ctx *kr;	     /* owned */
	struct event *timer;	     /* nc/kr deadlines; owned */
	int64_t timer_due;	     /* mono ms it is armed for, -1 not */
	bool dirty;		     /* timer needs re-arming */
	struct board *dirty_next;

	/* Current boot, event loop view. */
	bool in_boot;		     /* a boot was started or resumed */
	bool boot_fresh;	     /* began at a reset or marker */
	unsigned boot_marks;	     /* BOARD_MARK_* seen */
	bool boot_release_sent;	     /* writer_kernel sent for this boot */
	uint64_t line;		     /* lines queued in this boot segment */
	struct marker_tracker marks; /* last userdata step of the boot */

	/* Limits. */
	double tokens;		     /* source_rate bucket */
	int64_t tokens_ms;	     /* last refill, monotonic */

	/* Counters. */
	struct board_counters c;
	struct nc_counters nc_sent;  /* nc counters at the last stats */
	uint64_t gap_records_sent;
	struct log_ratelimit rl;     /* per-board warnings */

	/* Writer thread's view. */
	struct writer_board wb;
};

/* Limits and hooks of a table. */
struct board_table_config {
	struct event_base *base;     /* for the per-board timers */
	struct writer *writer;	     /* where lines and reports go */
	struct tailsrv *tail;	     /* live feed of `kcatch tail` (gets
					each queued line and report), or
					NULL */
	const struct conf *conf;     /* boards, unknown_boards, limits; the
					caller keeps it alive (see
					board_table_reconf) */
};

/* Totals over every board plus drops before any board, for stats. */
struct board_totals {
	struct board_counters c;     /* sum of the boards' */
	struct nc_counters nc;	     /* sum of the decoders' */
	uint64_t unknown_drops;	     /* sources dropped: unknown_boards drop */
	uint64_t full_drops;	     /* sources dropped: max_boards reached */
	uint64_t boards;	     /* boards in the table */
};

/*
 * Create the table. Fails (NULL, *cause) only when out of memory or when
 * the report parser cannot be created.
 */
struct board_table *board_table_new(const struct board_table_config *cfg,
    char **cause);
/*
 * Free every board. Call after writer_stop(): it frees the writer's
 * per-board state too.
 */
void board_table_free(struct board_table *t);

/*
 * Set the clocks used for the next inputs: monotonic ms (decoder
 * deadlines, rate limits) and wall-clock ms (receive times, report
 * times). Call once per event loop callback.
 */
void board_table_clock(struct board_table *t, int64_t mono_ms,
    int64_t wall_ms);

/*
 * One datagram from sa: find or create its board, decode, archive every
 * line, feed the parser and queue finished reports. truncated marks a
 * datagram longer than the read buffer (counted as malformed).
 */
void board_input(struct board_table *t, const struct sockaddr *sa,
    socklen_t salen, const void *buf, size_t len, bool truncated);

/*
 * Run every board's timer work now (held records, fragment expiry,
 * quiet reports), as if each timer fired at the table's clock.
 */
void board_table_tick(struct board_table *t);

/* Re-arm the timers of boards touched since the last call. */
void board_table_rearm(struct board_table *t);

/*
 * Flush every board (shutdown): decoders give up partial data, parsers
 * close open reports (marked as cut), everything is queued.
 */
void board_table_flush(struct board_table *t);

/*
 * A new config was loaded (SIGHUP): board names and addresses come from
 * it from now on. A board whose name changes is re-registered under the
 * new name (its open report is closed first and it resumes that name's
 * open boot, if any). conf must outlive the table or the next reconf.
 */
void board_table_reconf(struct board_table *t, const struct conf *conf);

/* Queue per-boot transport counters of boards that changed. */
void board_table_counts(struct board_table *t);

/* Sum the counters. */
void board_table_totals(const struct board_table *t, struct board_totals *out);

/* Board by name, or NULL. */
struct board *board_find(struct board_table *t, const char *name);
/* Number of boards and board i (0-based, creation order). */
size_t board_count(const struct board_table *t);
struct board *board_at(struct board_table *t, size_t i);

/* Key of an address (IPv4-mapped IPv6 becomes IPv4). -1 if not IP. */
int board_addr_from(struct board_addr *key, const struct sockaddr *sa,
    socklen_t salen);
/* Name for an unknown source: "127.0.0.2-6665", "fd00::1-6665". */
void board_auto_name(const struct board_addr *key, char *buf, size_t len);

/*
 * Boot markers of one console line: BOARD_MARK_* bits (0 when none),
 * after skipping console prefixes ("<6>", "[   1.2]", "[  T1]"). When the
 * line is "Linux version R ...", R is copied to release (NUL-terminated,
 * cut to relsz). Pure; exposed for tests.
 */
unsigned board_line_marks(const char *text, size_t len, char *release,
    size_t relsz);

#endif /* KCATCH_BOARD_H */
