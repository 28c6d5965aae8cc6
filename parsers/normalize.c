/* SPDX-License-Identifier: MIT */
/*
 * normalize.c -- strip console prefixes off one line and keep them as fields.
 *
 * Handles, in any sensible order: syslog "<N>", printk time "[ 12.345678]",
 * caller id "[T123]"/"[    C1]" (kernel/printk/printk.c info_print_prefix,
 * print_time, print_caller), syslog/journal "Mon DD HH:MM:SS host kernel: ",
 * ISO-8601 journal stamps, "dmesg -T" "[Sat Nov 21 06:07:51 2026] ", serial
 * '\r' and ANSI escape sequences. Pure byte work, no regex: it runs on every
 * console line and must cost close to a memcpy.
 */
#include <string.h>

#include "kr_int.h"

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool
is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

/* "<N>" with 1-3 digits; returns bytes consumed or 0. */
static size_t
strip_syslog(const char *s, size_t n, struct kr_norm *nm)
{
	size_t i = 1;
	int v = 0;

	if (n < 3 || s[0] != '<')
		return 0;
	while (i < n && i < 4 && is_digit(s[i]))
		v = v * 10 + (s[i++] - '0');
	if (i == 1 || i >= n || s[i] != '>')
		return 0;
	nm->level = v & 7;
	return i + 1;
}

/* "[ 1234.567890]" (seconds widen past 99999); returns bytes or 0. */
static size_t
strip_time(const char *s, size_t n, struct kr_norm *nm)
{
	size_t i = 1, fd = 0, nd = 0;
	int64_t sec = 0, usec = 0;

	if (n < 4 || s[0] != '[')
		return 0;
	while (i < n && s[i] == ' ' && i < 16)
		i++;
	/* at most 12 digits of seconds (30000 years): the microsecond total
	 * must fit int64_t, and a longer number is not a printk time */
	while (i < n && is_digit(s[i]) && nd <= 12) {
		sec = sec * 10 + (s[i++] - '0');
		nd++;
	}
	if (nd == 0 || nd > 12 || i >= n || s[i] != '.')
		return 0;
	i++;
	while (i < n && is_digit(s[i]) && fd < 9) {
		if (fd < 6)
			usec = usec * 10 + (s[i] - '0');
		i++;
		fd++;
	}
	if (fd == 0 || i >= n || s[i] != ']')
		return 0;
	while (fd++ < 6)
		usec *= 10;
	nm->ktime_us = sec * 1000000 + usec;
	i++;
	return i;
}

/* "[T123]" / "[    C1]"; returns bytes or 0. */
static size_t
strip_caller(const char *s, size_t n, struct kr_norm *nm)
{
	size_t i = 1, start;

	if (n < 4 || s[0] != '[')
		return 0;
	while (i < n && s[i] == ' ' && i < 8)
		i++;
	if (i >= n || (s[i] != 'T' && s[i] != 'C'))
		return 0;
	start = i++;
	while (i < n && is_digit(s[i]) && i - start < 7)
		i++;
	if (i == start + 1 || i >= n || s[i] != ']')
		return 0;
	memcpy(nm->caller, s + start, i - start);
	nm->caller[i - start] = '\0';
	return i + 1;
}

/* "[Sat Nov 21 06:07:51 2026] " from dmesg -T. */
static size_t
strip_dmesg_t(const char *s, size_t n)
{
	size_t i;

	if (n < 26 || s[0] != '[' || !is_upper(s[1]) || !is_lower(s[2]) ||
	    !is_lower(s[3]) || s[4] != ' ' || !is_upper(s[5]))
		return 0;
	for (i = 6; i < n && i < 40; i++)
		if (s[i] == ']')
			break;
	if (i >= n || i >= 40 || s[i - 5] != ' ' || !is_digit(s[i - 1]))
		return 0;
	return i + 1;
}

/* Find "kernel: " within the first bytes of a syslog/journal line. */
static size_t
strip_syslog_host(const char *s, size_t n)
{
	size_t i, lim = n < 96 ? n : 96;
	bool bsd, iso;

	/* "Nov 21 06:07:51 host kernel: " or "2026-11-21T06:07:51... " */
	bsd = n > 16 && is_upper(s[0]) && is_lower(s[1]) && is_lower(s[2]) &&
	    s[3] == ' ' && s[9] == ':' && s[12] == ':';
	iso = n > 20 && is_digit(s[0]) && is_digit(s[3]) && s[4] == '-' &&
	    s[7] == '-' && s[10] == 'T';
	if (!bsd && !iso)
		return 0;
	for (i = 10; i + 8 <= lim; i++)
		if (s[i] == 'k' && !memcmp(s + i, "kernel: ", 8))
			return i + 8;
	return 0;
}

/* Copy while dropping '\r', ANSI CSI/OSC escapes and NULs. */
static size_t
copy_clean(const char *in, size_t len, char *out, size_t outsz)
{
	size_t i = 0, o = 0;

	while (i < len && o + 1 < outsz) {
		unsigned char c = (unsigned char)in[i];

		if (c == 0x1b) {
			i++;
			if (i < len && in[i] == '[') {
				i++;
				while (i < len &&
				    (unsigned char)in[i] >= 0x20 &&
				    (unsigned char)in[i] < 0x40)
					i++;
				if (i < len)
					i++;
			} else if (i < len && in[i] == ']') {
				while (i < len && in[i] != 0x07)
					i++;
				if (i < len)
					i++;
			} else if (i < len) {
				i++;
			}
			continue;
		}
		i++;
		if (c == '\r')
			continue;
		out[o++] = c == 0 ? ' ' : (char)c;
	}
	out[o] = '\0';
	return o;
}

/*
 * Normalise into out. Fast path: a line with no ESC or '\r' is only
 * scanned for prefixes and copied once.
 */
size_t
kr_norm_line(
    const char *in, size_t len, char *out, size_t outsz, struct kr_norm *nm)
{
	size_t n, k, pos = 0;
	int round;

	nm->ktime_us = -1;
	nm->caller[0] = '\0';
	nm->level = -1;
	if (outsz == 0)
		return 0;
	if (len > KR_LINE_MAX)
		len = KR_LINE_MAX;
	if (memchr(in, 0x1b, len) || memchr(in, '\r', len) ||
	    memchr(in, '\0', len))
		n = copy_clean(in, len, out, outsz);
	else {
		n = len < outsz - 1 ? len : outsz - 1;
		memcpy(out, in, n);
		out[n] = '\0';
	}
	for (round = 0; round < 6 && pos < n; round++) {
		const char *s = out + pos;
		size_t rem = n - pos;

		if ((k = strip_syslog(s, rem, nm)) ||
		    (k = strip_syslog_host(s, rem))) {
			pos += k;
			continue;
		}
		if ((k = strip_time(s, rem, nm)) ||
		    (k = strip_caller(s, rem, nm)) ||
		    (k = strip_dmesg_t(s, rem))) {
			pos += k;
			if (pos < n && out[pos] == ' ' && pos + 1 < n &&
			    out[pos + 1] != '[')
				pos++;
			else if (pos < n && out[pos] == ' ' && pos + 1 < n &&
			    out[pos + 1] == '[') {
				/* "[ts] [T1] text": peek for another prefix */
				pos++;
			}
			continue;
		}
		break;
	}
	if (pos) {
		memmove(out, out + pos, n - pos + 1);
		n -= pos;
	}
	return n;
}

size_t
kr_normalize(const char *in, size_t len, char *out, size_t outsz,
    int64_t *ktime_us, char caller[8], int *level)
{
	struct kr_norm nm;
	size_t n = kr_norm_line(in, len, out, outsz, &nm);

	if (ktime_us)
		*ktime_us = nm.ktime_us;
	if (caller)
		memcpy(caller, nm.caller, sizeof(nm.caller));
	if (level)
		*level = nm.level;
	return n;
}
