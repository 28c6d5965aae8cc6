/* SPDX-License-Identifier: MIT */
/*
 * zbuf.h -- compression for kcatch (prefix zbuf_): a growing byte buffer,
 * whole-buffer gzip members, a streaming deflater with sync flush, a
 * streaming inflater and crc32.
 *
 * zbuf.c is the only file that includes zlib.h or libdeflate.h. The
 * archive writes gzip members through it (libdeflate: whole buffers, about
 * twice zlib's speed, which is what the collector's writer thread spends
 * its time on) and reads them back with zlib's streaming inflater; the
 * pstore code inflates ".enc.z" records with it.
 * Errors: -1 (or NULL) with a malloc'd *cause the caller frees (cause may
 * be NULL). Nothing here logs.
 */
#ifndef KCATCH_ZBUF_H
#define KCATCH_ZBUF_H

#include <stddef.h>
#include <stdint.h>

/* A growing byte buffer. Zero it (or zbuf_init) before use. */
struct zbuf {
	unsigned char *data; /* owned; NULL while empty and never grown */
	size_t len;	     /* bytes in use */
	size_t cap;	     /* bytes allocated */
};

/* Stream framings. */
enum zbuf_format {
	ZBUF_GZIP, /* RFC 1952 (what the archive writes; zcat reads it) */
	ZBUF_ZLIB, /* RFC 1950 */
	ZBUF_RAW,  /* RFC 1951, no header */
	ZBUF_AUTO  /* inflate only: zlib or gzip, told by the header */
};

/* Return values of zbuf_inflate_feed() besides -1. */
#define ZBUF_MORE 0 /* all input used or output limit reached */
#define ZBUF_END 1  /* the stream ended */

void zbuf_init(struct zbuf *b);
/* Release the memory of b and make it empty (b itself is the caller's). */
void zbuf_free(struct zbuf *b);
/* Make room for extra more bytes. 0, or -1 when out of memory. */
int zbuf_reserve(struct zbuf *b, size_t extra);
/* Append len bytes. 0, or -1 when out of memory. */
int zbuf_add(struct zbuf *b, const void *p, size_t len);
/* Drop the first n bytes (n <= len). */
void zbuf_consume(struct zbuf *b, size_t n);

struct zbuf_deflate;
struct zbuf_inflate;

/*
 * New deflater writing fmt (not ZBUF_AUTO) at level (0-9, -1 default).
 * NULL with *cause on error. Free with zbuf_deflate_free().
 */
struct zbuf_deflate *zbuf_deflate_new(enum zbuf_format fmt, int level,
    char **cause);

/*
 * Same, with zlib's memory knobs: window_log 9..15 (history 2^n bytes) and
 * mem_level 1..9. zlib then needs about 2^(window_log+2) + 2^(mem_level+9)
 * bytes instead of ~256 KiB, which matters with one stream per board.
 * Any inflater reads the result (a smaller window is always accepted).
 */
struct zbuf_deflate *zbuf_deflate_new_sized(enum zbuf_format fmt, int level,
    int window_log, int mem_level, char **cause);

/*
 * Compress len bytes; whatever output zlib produces is appended to out
 * (often nothing: zlib buffers until a block is full). 0 or -1.
 */
int zbuf_deflate_feed(struct zbuf_deflate *z, const void *in, size_t len,
    struct zbuf *out, char **cause);

/*
 * Sync flush (Z_SYNC_FLUSH): append output so that everything fed so far
 * can be decompressed from the bytes produced so far. 0 or -1.
 */
int zbuf_deflate_sync(struct zbuf_deflate *z, struct zbuf *out,
    char **cause);

/* End the stream (trailer included); no feed afterwards. 0 or -1. */
int zbuf_deflate_finish(struct zbuf_deflate *z, struct zbuf *out,
    char **cause);

/* Total bytes fed to z. */
uint64_t zbuf_deflate_total_in(const struct zbuf_deflate *z);

void zbuf_deflate_free(struct zbuf_deflate *z);

/* New inflater for fmt. NULL with *cause on error. */
struct zbuf_inflate *zbuf_inflate_new(enum zbuf_format fmt, char **cause);

/*
 * Decompress from in[0..len): output is appended to out until all input is
 * used, out->len reaches max_out, or the stream ends. *used gets the input
 * bytes consumed; call again with the rest. Returns ZBUF_END when the
 * stream ended (bytes after it are not used), ZBUF_MORE otherwise, or -1
 * with *cause on corrupt data or no memory. A truncated stream never
 * returns ZBUF_END: the caller sees ZBUF_MORE and runs out of input.
 */
int zbuf_inflate_feed(struct zbuf_inflate *z, const void *in, size_t len,
    size_t *used, struct zbuf *out, size_t max_out, char **cause);

/*
 * Start over on a new stream: after ZBUF_END, the next gzip member of a
 * multi-member file (RFC 1952 allows them back to back; zcat reads them
 * as one).
 */
void zbuf_inflate_reset(struct zbuf_inflate *z);

void zbuf_inflate_free(struct zbuf_inflate *z);

/*
 * Compress in[0..len) as one complete gzip member (header, deflate data,
 * CRC-32 and length trailer) at level (1-12, libdeflate's scale) and
 * append it to out. 0, or -1 with *cause when out of memory. Thread-safe:
 * compressors (~150 KiB each) are kept in a small pool, one per thread
 * that compresses at the same time, instead of one per stream.
 */
int zbuf_gzip_member(int level, const void *in, size_t len, struct zbuf *out,
    char **cause);

/*
 * One-shot inflate of a whole buffer into out (appended). Fails with -1
 * and *cause when the data is corrupt, truncated (no stream end), or would
 * inflate past max_out bytes (a bomb guard).
 */
int zbuf_inflate_all(enum zbuf_format fmt, const void *in, size_t len,
    size_t max_out, struct zbuf *out, char **cause);

/* One-shot deflate of a whole buffer into out (appended). 0 or -1. */
int zbuf_deflate_all(enum zbuf_format fmt, int level, const void *in,
    size_t len, struct zbuf *out, char **cause);

/* CRC-32 (IEEE, as gzip); start with crc = 0. */
uint32_t zbuf_crc32(uint32_t crc, const void *p, size_t len);

#endif /* KCATCH_ZBUF_H */
