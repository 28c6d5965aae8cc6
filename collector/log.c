/* SPDX-License-Identifier: MIT */
/*
 * log.c -- the daemon logger (OpenBSD log.c API). Owns the log destination
 * (stderr or one appended file) and the verbosity. Each line is formatted
 * into a stack buffer and written with one call under a mutex, so lines
 * from the event loop and the writer thread never interleave.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define LOG_LINE_MAX 2048

static pthread_mutex_t log_mtx = PTHREAD_MUTEX_INITIALIZER;
static int log_verbosity;
static FILE *log_fp;	    /* NULL means stderr */
static char *log_path;	    /* owned; NULL with stderr */

/* Start logging to stderr. */
void
log_init(int verbose)
{
	log_setverbose(verbose);
}

/* Set the verbosity (-v count). */
void
log_setverbose(int verbose)
{
	__atomic_store_n(&log_verbosity, verbose, __ATOMIC_RELAXED);
}

/* Return the verbosity. */
int
log_getverbose(void)
{
	return __atomic_load_n(&log_verbosity, __ATOMIC_RELAXED);
}

/* Open path for appending, line buffered. */
static FILE *
log_open(const char *path, char **cause)
{
	FILE *fp;

	fp = fopen(path, "ae");
	if (fp == NULL) {
		if (cause != NULL && asprintf(cause, "%s: %s", path,
		    strerror(errno)) == -1)
			*cause = NULL;
		return NULL;
	}
	setvbuf(fp, NULL, _IOLBF, 0);
	return fp;
}

/* Switch the destination to fp/path (both may be NULL: stderr). */
static void
log_swap(FILE *fp, char *path)
{
	FILE *old;

	pthread_mutex_lock(&log_mtx);
	old = log_fp;
	log_fp = fp;
	free(log_path);
	log_path = path;
	pthread_mutex_unlock(&log_mtx);
	if (old != NULL)
		fclose(old);
}

/* Send log lines to path instead of stderr. */
int
log_set_file(const char *path, char **cause)
{
	FILE *fp;
	char *copy;

	if (path == NULL || *path == '\0') {
		log_swap(NULL, NULL);
		return 0;
	}
	copy = strdup(path);
	if (copy == NULL) {
		if (cause != NULL)
			*cause = strdup("out of memory");
		return -1;
	}
	fp = log_open(path, cause);
	if (fp == NULL) {
		free(copy);
		return -1;
	}
	log_swap(fp, copy);
	return 0;
}

/* Reopen the log file after rotation. */
int
log_reopen(char **cause)
{
	char *path = NULL;
	int rc;

	pthread_mutex_lock(&log_mtx);
	if (log_path != NULL)
		path = strdup(log_path);
	pthread_mutex_unlock(&log_mtx);
	if (path == NULL)
		return 0;
	rc = log_set_file(path, cause);
	free(path);
	return rc;
}

/* Name of a syslog priority as printed in the line. */
static const char *
log_level_name(int pri)
{
	switch (pri) {
	case LOG_EMERG:
	case LOG_ALERT:
	case LOG_CRIT:
		return "fatal";
	case LOG_ERR:
		return "error";
	case LOG_WARNING:
		return "warning";
	case LOG_NOTICE:
	case LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

/* Format and write one line. */
void
vlog(int pri, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX], stamp[32];
	struct timespec ts;
	struct tm tm;
	int saved_errno = errno;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	vsnprintf(line, sizeof(line), fmt, ap);
	pthread_mutex_lock(&log_mtx);
	fprintf(log_fp != NULL ? log_fp : stderr, "%s.%03ld kcatch %s: %s\n",
	    stamp, ts.tv_nsec / 1000000, log_level_name(pri), line);
	pthread_mutex_unlock(&log_mtx);
	errno = saved_errno;
}

/* Log at priority pri. */
void
logit(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

/* Log a warning with ": strerror(errno)" appended. */
static void
vwarn_errno(int pri, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX];
	int saved_errno = errno;

	if (fmt == NULL) {
		logit(pri, "%s", strerror(saved_errno));
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	logit(pri, "%s: %s", msg, strerror(saved_errno));
	errno = saved_errno;
}

/* Log a warning with the errno text. */
void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_errno(LOG_WARNING, fmt, ap);
	va_end(ap);
}

/* Log a warning. */
void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap);
	va_end(ap);
}

/* Log an informational line. */
void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

/* Log a debug line (-v). */
void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_getverbose() < 1)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

/* Log a trace line (-vv). */
void
log_trace(const char *fmt, ...)
{
	va_list ap;

	if (log_getverbose() < 2)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

/* Log and exit: for startup failures and broken invariants only. */
void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_errno(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

/* Log without errno and exit. */
void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

/* Escape untrusted bytes for a log line. */
char *
log_escape(char *dst, size_t dstsz, const void *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = src;
	size_t i, o = 0;

	if (dstsz == 0)
		return dst;
	for (i = 0; i < len; i++) {
		if (o + 4 + 4 > dstsz) { /* room for \xHH and "..." */
			if (dstsz >= 4) {
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\') {
			dst[o++] = (char)p[i];
			continue;
		}
		dst[o++] = '\\';
		dst[o++] = 'x';
		dst[o++] = hex[p[i] >> 4];
		dst[o++] = hex[p[i] & 0xf];
	}
	dst[o] = '\0';
	return dst;
}

/* Decide whether a rate-limited message may be logged now. */
bool
log_ratelimit_ok(struct log_ratelimit *rl, int64_t now_ms)
{
	int64_t window = rl->window_ms > 0 ? rl->window_ms :
	    LOG_RATELIMIT_WINDOW_MS;
	unsigned burst = rl->burst > 0 ? rl->burst : LOG_RATELIMIT_BURST;

	if (rl->window_start_ms == 0 || now_ms - rl->window_start_ms >= window) {
		if (rl->suppressed > 0)
			log_warnx("%llu similar messages suppressed",
			    (unsigned long long)rl->suppressed);
		rl->window_start_ms = now_ms != 0 ? now_ms : 1;
		rl->count = 0;
		rl->suppressed = 0;
	}
	if (rl->count >= burst) {
		rl->suppressed++;
		return false;
	}
	rl->count++;
	return true;
}

/* log_warnx through a rate limit. */
void
log_warnx_rl(struct log_ratelimit *rl, const char *fmt, ...)
{
	va_list ap;

	if (!log_ratelimit_ok(rl, log_now_ms()))
		return;
	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap);
	va_end(ap);
}

/* log_warn through a rate limit. */
void
log_warn_rl(struct log_ratelimit *rl, const char *fmt, ...)
{
	va_list ap;
	int saved_errno = errno;

	if (!log_ratelimit_ok(rl, log_now_ms()))
		return;
	errno = saved_errno;
	va_start(ap, fmt);
	vwarn_errno(LOG_WARNING, fmt, ap);
	va_end(ap);
}

/* Monotonic clock in milliseconds. */
int64_t
log_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wall clock in milliseconds since the epoch. */
int64_t
log_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
