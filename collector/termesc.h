/* SPDX-License-Identifier: MIT */
/*
 * termesc.h -- make untrusted board text safe for a terminal (prefix
 * termesc_). A kernel under test prints whatever its buggy code hands
 * printk, and a board can send anything over UDP, so every string that
 * came from a board goes through termesc before it reaches a terminal:
 * no escape sequence, no carriage return, no bell, no invalid UTF-8.
 * Pure: no I/O.
 */
#ifndef KCATCH_TERMESC_H
#define KCATCH_TERMESC_H

#include <stddef.h>

/*
 * Escape len bytes of s (may hold NULs) for a terminal. Printable ASCII
 * and well-formed UTF-8 pass through; everything else is written as
 * "\xHH", one per byte:
 *   - C0 controls (0x00-0x1f, so ESC, CR, LF, TAB and BEL) and DEL;
 *   - bytes of an ill-formed UTF-8 sequence (stray continuation bytes,
 *     overlong forms, surrogates, > U+10FFFF, cut sequences);
 *   - C1 controls U+0080-U+009F (some terminals act on U+009B as CSI)
 *     and the bidi embedding/override/isolate characters U+202A-U+202E
 *     and U+2066-U+2069, which can make a line read differently from
 *     what it holds.
 * A backslash passes through unchanged, so text that the collector had
 * already escaped (invalid UTF-8 as "\xHH" in JSON) reads the same.
 * Returns a malloc'd NUL-terminated string that the caller frees, or
 * NULL when out of memory. s may be NULL only when len is 0.
 */
char *termesc_dup(const char *s, size_t len);

/*
 * Length of the well-formed UTF-8 sequence that starts s (at most len
 * bytes), or 0 when it is ill-formed. ASCII gives 1. Exposed for tests.
 */
size_t termesc_utf8_len(const unsigned char *s, size_t len);

#endif /* KCATCH_TERMESC_H */
