/* SPDX-License-Identifier: MIT */
/*
 * termesc.c -- escape untrusted text for a terminal. Owns the one list
 * of what may reach a terminal unescaped (termesc.h). No I/O.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "termesc.h"

/*
 * Well-formed UTF-8 (Unicode 15, table 3-7): the second byte's range
 * depends on the first, which rules out overlong forms, surrogates and
 * code points above U+10FFFF.
 */
size_t
termesc_utf8_len(const unsigned char *s, size_t len)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (len == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* Code point of a well-formed sequence of n bytes. */
static uint32_t
termesc_decode(const unsigned char *s, size_t n)
{
	static const unsigned char lead_mask[5] = {0, 0x7f, 0x1f, 0x0f, 0x07};
	uint32_t cp = s[0] & lead_mask[n];
	size_t i;

	for (i = 1; i < n; i++)
		cp = (cp << 6) | (s[i] & 0x3f);
	return cp;
}

/* Whether a non-ASCII code point must be escaped anyway. */
static bool
termesc_unsafe_cp(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) ||	  /* C1 controls */
	    (cp >= 0x202a && cp <= 0x202e) ||	  /* bidi embed/override */
	    (cp >= 0x2066 && cp <= 0x2069);	  /* bidi isolates */
}

/* Append "\xHH" for each of the n bytes at s. */
static char *
termesc_hex(char *o, const unsigned char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		*o++ = '\\';
		*o++ = 'x';
		*o++ = hex[s[i] >> 4];
		*o++ = hex[s[i] & 0xf];
	}
	return o;
}

/* Escape text for a terminal. */
char *
termesc_dup(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out, *o;
	size_t i = 0, n;

	/* Worst case: every byte becomes "\xHH". */
	if (len > (SIZE_MAX - 1) / 4 || (out = malloc(len * 4 + 1)) == NULL)
		return NULL;
	o = out;
	while (i < len) {
		if (p[i] >= 0x20 && p[i] < 0x7f) {
			*o++ = (char)p[i++];
			continue;
		}
		n = termesc_utf8_len(p + i, len - i);
		if (n <= 1 || termesc_unsafe_cp(termesc_decode(p + i, n))) {
			/* A control byte, or one ill-formed byte: resync on
			 * the next one, as a decoder would. */
			n = n == 0 ? 1 : n;
			o = termesc_hex(o, p + i, n);
		} else {
			memcpy(o, p + i, n);
			o += n;
		}
		i += n;
	}
	*o = '\0';
	return out;
}
