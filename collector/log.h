/* SPDX-License-Identifier: MIT */
/*
 * log.h -- the daemon logger, with the OpenBSD log.c API and semantics:
 * log_warn appends strerror(errno), log_warnx does not, log_debug only
 * prints with -v, errno is preserved across every call.
 * Output goes to stderr or to a log file that SIGHUP can reopen. Safe to
 * call from any thread. Library code (parsers/, nc_, conf_) never logs.
 */
#ifndef KCATCH_LOG_H
#define KCATCH_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

/*
 * Start logging to stderr. Verbosity 0 prints warnings and info, 1 (-v)
 * adds log_debug, 2 (-vv) adds log_trace (per-packet detail).
 */
void log_init(int verbose);
void log_setverbose(int verbose);
int log_getverbose(void);

/*
 * Send log lines to path (appended) instead of stderr; NULL or "" goes
 * back to stderr. Returns 0, or -1 with *cause set (caller frees); on
 * failure the previous destination stays.
 */
int log_set_file(const char *path, char **cause);
/* Reopen the log file (SIGHUP, after logrotate). Same returns. */
int log_reopen(char **cause);

void logit(int pri, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void vlog(int pri, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Printed with -v. */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Printed with -vv. */
void log_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/*
 * Copy untrusted board text into dst for logging: printable ASCII is kept,
 * everything else becomes \xHH; at most dstsz - 1 bytes plus NUL, cut
 * with "..." when it does not fit. Returns dst.
 */
char *log_escape(char *dst, size_t dstsz, const void *src, size_t len);

/*
 * Rate limit for per-packet warnings: at most burst messages per window,
 * then a single "N similar messages suppressed" line when the window
 * rolls over. One struct per message site (or per board), zeroed or set
 * with LOG_RATELIMIT_INIT. Not thread safe: one thread per struct.
 */
struct log_ratelimit {
	int64_t window_start_ms; /* start of the current window, 0 = none */
	int64_t window_ms;	 /* window length */
	unsigned burst;		 /* messages allowed per window */
	unsigned count;		 /* messages logged in this window */
	uint64_t suppressed;	 /* dropped in this window */
};
#define LOG_RATELIMIT_WINDOW_MS 5000
#define LOG_RATELIMIT_BURST 10
#define LOG_RATELIMIT_INIT                                                     \
	{                                                                      \
		0, LOG_RATELIMIT_WINDOW_MS, LOG_RATELIMIT_BURST, 0, 0          \
	}

/*
 * Decide whether one more message may be logged at now_ms (monotonic).
 * When a window with suppressed messages ends, logs the summary first.
 */
bool log_ratelimit_ok(struct log_ratelimit *rl, int64_t now_ms);
/* log_warnx through a rate limit, using the monotonic clock. */
void log_warnx_rl(struct log_ratelimit *rl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* log_warn (with errno text) through a rate limit. */
void log_warn_rl(struct log_ratelimit *rl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Monotonic clock in milliseconds (for rate limits and timers). */
int64_t log_now_ms(void);
/* Wall clock in milliseconds since the epoch (for log and data times). */
int64_t log_wall_ms(void);

#endif /* KCATCH_LOG_H */
