/* SPDX-License-Identifier: MIT */
/*
 * kreport.h -- the one public header of libkreport (prefix kr_).
 *
 * libkreport turns the console text of one kernel (one board, one stream)
 * into classified, deduplicated crash reports. It never does I/O, never
 * logs and never exits: the caller feeds lines with their receive time and
 * pops finished reports. Time only advances when the caller says so, so a
 * unit test never sleeps and a replay of an archive gives the same result.
 */
#ifndef KREPORT_H
#define KREPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest line kept; longer input lines are cut here (the rest dropped). */
#define KR_LINE_MAX 65536

/* Report classes. The names (kr_class_name) are a public contract. */
enum kr_class {
	KR_CLASS_NONE = 0,
	KR_CLASS_KASAN,
	KR_CLASS_KCSAN,
	KR_CLASS_KFENCE,
	KR_CLASS_KMSAN,
	KR_CLASS_UBSAN,
	KR_CLASS_LOCKDEP,
	KR_CLASS_WARN,
	KR_CLASS_BUG,
	KR_CLASS_OOPS,
	KR_CLASS_PANIC,
	KR_CLASS_STACK_CORRUPTION,
	KR_CLASS_RCU_STALL,
	KR_CLASS_HUNG_TASK,
	KR_CLASS_SOFT_LOCKUP,
	KR_CLASS_HARD_LOCKUP,
	KR_CLASS_WORKQUEUE_LOCKUP,
	KR_CLASS_LIST_CORRUPTION,
	KR_CLASS_DEBUG_OBJECTS,
	KR_CLASS_ATOMIC_SLEEP,
	KR_CLASS_REFCOUNT,
	KR_CLASS_MEMORY_LEAK,
	KR_CLASS_SLAB_CORRUPTION,
	KR_CLASS_BAD_PAGE,
	KR_CLASS_SERROR,
	KR_CLASS_OTHER,
	KR_CLASS__COUNT
};

/* Lower-case class name ("kasan", "soft-lockup", ...); "none" for 0. */
const char *kr_class_name(enum kr_class c);
/* Class for a name, or -1 when unknown. */
int kr_class_from_name(const char *name);

/* One normalised stack frame. */
struct kr_frame {
	char *func;      /* "vfs_write" (no +0x.. offset, no .cold etc.) */
	char *module;    /* "ext4" for "[ext4]", NULL for built-in */
	bool unreliable; /* printed with the "? " mark */
};

/*
 * A finished report. Every pointer is owned by the report and released by
 * kr_report_free(); strings are NUL-terminated, never NULL unless said.
 */
struct kr_report {
	enum kr_class cls;
	char *subtype;        /* "slab-use-after-free", "" when none */
	char *title;          /* syzbot-style title, no numbers/addresses */
	char *frame;          /* guilty frame function, "" when none */
	char *frame2;         /* second function (KCSAN), "" when none */
	char signature[17];   /* 16 lower-case hex digits, dedup key */
	bool corrupted;       /* truncated, interleaved, or missing parts */
	char *corrupt_reason; /* why it is corrupted, "" when not */

	uint64_t first_line; /* caller's line ref of the first line */
	uint64_t last_line;  /* caller's line ref of the last line */
	int64_t first_recv_ms;
	int64_t last_recv_ms;
	int64_t first_ktime_us; /* printk time of first line, -1 unknown */
	int64_t last_ktime_us;  /* printk time of last line, -1 unknown */

	char *access;        /* "read" / "write" / "" */
	int64_t access_size; /* bytes, -1 unknown */
	char *access_addr;   /* "ffff888005d8c000", "" unknown */
	char *task;          /* comm, "" unknown */
	int64_t pid;         /* -1 unknown */
	int cpu;             /* -1 unknown */
	char *taint;         /* "G           OE     ", "" not tainted/unknown */
	char *release;       /* "6.1.0-56-amd64", "" unknown */
	char *hardware;      /* "QEMU Standard PC (...)", "" unknown */
	char *caller;        /* printk caller id of the report ("T51"), "" */
	char *panic;         /* attached "Kernel panic" reason, NULL if none */

	struct kr_frame *frames; /* primary call trace, top first */
	size_t nframes;
	char *text; /* report lines, prefixes stripped, '\n'-joined */
	size_t nlines;
};

/* Tunables of one stream; zero fields take the defaults below. */
struct kr_config {
	int64_t quiet_ms;   /* close an open report after this silence */
	unsigned max_lines; /* close a report after this many lines */
};
#define KR_DEFAULT_QUIET_MS 750
#define KR_DEFAULT_MAX_LINES 1000

/* One input line. */
struct kr_line {
	const char *text; /* raw line, may hold console prefixes; no NUL
				 needed, may contain NULs; no trailing '\n' */
	size_t len;
	int64_t recv_ms;    /* receive time in ms (any fixed epoch) */
	uint64_t ref;       /* caller's id for this line (archive line no.) */
	int64_t ktime_us;   /* printk time if the transport had it, else -1 */
	const char *caller; /* "T123"/"C1" if the transport had it, or NULL */
};

struct kr_ctx;

/*
 * Create a stream context. cfg may be NULL. Returns NULL only when out of
 * memory or when the rule table fails to compile; then *cause (if cause is
 * not NULL) is set to a malloc'd message the caller frees.
 */
struct kr_ctx *kr_new(const struct kr_config *cfg, char **cause);
void kr_free(struct kr_ctx *ctx);

/*
 * Feed one line. Lines longer than KR_LINE_MAX are cut. A line in the
 * extended netconsole / /dev/kmsg format ("6,123,4567,-;text") is decoded
 * (\xHH escapes) and split into its lines. Returns 0, or -1 when out of
 * memory (the line is lost, the context stays usable).
 */
int kr_feed(struct kr_ctx *ctx, const struct kr_line *line);

/* Convenience: feed text with only a receive time and ref. */
int kr_feed_text(struct kr_ctx *ctx, const char *text, size_t len,
    int64_t recv_ms, uint64_t ref);

/* Advance time: close reports that have been quiet for quiet_ms. */
void kr_tick(struct kr_ctx *ctx, int64_t now_ms);

/* End of stream (file end, board reboot): close every open report. */
void kr_flush(struct kr_ctx *ctx);

/*
 * Earliest time (ms) at which kr_tick may close something, or -1 when
 * nothing is open. Lets an event loop arm one timer per stream.
 */
int64_t kr_next_deadline(const struct kr_ctx *ctx);

/* Pop the oldest finished report, or NULL. The caller owns the result. */
struct kr_report *kr_next(struct kr_ctx *ctx);
void kr_report_free(struct kr_report *r);

/*
 * Normalise one console line: strip syslog "<N>", "[ 12.345678]", caller
 * "[T123]", journal/syslog/dmesg -T prefixes, '\r' and ANSI escapes.
 * Writes the text into out (size outsz, always NUL-terminated) and returns
 * its length. *ktime_us gets the printk time or -1, caller (8 bytes) the
 * caller id or "", *level the syslog level or -1. Pure; for tools/tests.
 */
size_t kr_normalize(const char *in, size_t len, char *out, size_t outsz,
    int64_t *ktime_us, char caller[8], int *level);

/* Number of rules in the table (for tools and docs). */
size_t kr_rule_count(void);

#endif /* KREPORT_H */
