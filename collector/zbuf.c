/* SPDX-License-Identifier: MIT */
/*
 * zbuf.c -- the only zlib and libdeflate user in kcatch: a growing byte
 * buffer, whole-buffer gzip members (libdeflate, with a pool of
 * compressors), streaming deflate with sync flush, streaming inflate with
 * an output limit, crc32. No I/O: callers hand in bytes and take bytes out.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>
#include <pthread.h>
#include <zlib.h>

#include "zbuf.h"

#define ZBUF_CHUNK 16384 /* output space offered to zlib per call */

struct zbuf_deflate {
	z_stream zs;
	bool finished; /* Z_STREAM_END produced */
};

struct zbuf_inflate {
	z_stream zs;
	bool ended; /* Z_STREAM_END seen */
};

/*
 * Idle libdeflate compressors. A compressor is taken for one call and put
 * back, so there are as many as threads ever compressed at once (one in
 * the collector); they stay here, reachable, until the process exits.
 */
struct gz_pooled {
	struct libdeflate_compressor *c;
	int level;
	struct gz_pooled *next;
};
static pthread_mutex_t gz_pool_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct gz_pooled *gz_pool;

/* Set *cause to a formatted message (when cause is not NULL). */
static void
set_cause(char **cause, const char *what, int zret, const z_stream *zs)
{
	const char *msg;

	if (cause == NULL)
		return;
	msg = zs != NULL && zs->msg != NULL ? zs->msg : zError(zret);
	if (asprintf(cause, "%s: %s", what, msg) < 0)
		*cause = NULL;
}

void
zbuf_init(struct zbuf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
zbuf_free(struct zbuf *b)
{
	free(b->data);
	zbuf_init(b);
}

int
zbuf_reserve(struct zbuf *b, size_t extra)
{
	size_t cap;
	unsigned char *p;

	if (extra <= b->cap - b->len)
		return 0;
	if (extra > SIZE_MAX / 2 - b->len)
		return -1;
	cap = b->cap ? b->cap : 256;
	while (cap - b->len < extra)
		cap *= 2;
	p = realloc(b->data, cap);
	if (p == NULL)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

int
zbuf_add(struct zbuf *b, const void *p, size_t len)
{
	if (len == 0)
		return 0;
	if (zbuf_reserve(b, len) != 0)
		return -1;
	memcpy(b->data + b->len, p, len);
	b->len += len;
	return 0;
}

void
zbuf_consume(struct zbuf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

/* zlib windowBits for a format. */
static int
window_bits(enum zbuf_format fmt)
{
	switch (fmt) {
	case ZBUF_GZIP:
		return MAX_WBITS + 16;
	case ZBUF_ZLIB:
		return MAX_WBITS;
	case ZBUF_RAW:
		return -MAX_WBITS;
	case ZBUF_AUTO:
		return MAX_WBITS + 32;
	}
	return MAX_WBITS;
}

struct zbuf_deflate *
zbuf_deflate_new(enum zbuf_format fmt, int level, char **cause)
{
	return zbuf_deflate_new_sized(fmt, level, MAX_WBITS, 8, cause);
}

struct zbuf_deflate *
zbuf_deflate_new_sized(enum zbuf_format fmt, int level, int window_log,
    int mem_level, char **cause)
{
	struct zbuf_deflate *z;
	int ret, wb;

	if (fmt == ZBUF_AUTO || level < -1 || level > 9 || window_log < 9 ||
	    window_log > MAX_WBITS || mem_level < 1 || mem_level > 9) {
		set_cause(cause, "deflate", Z_STREAM_ERROR, NULL);
		return NULL;
	}
	z = calloc(1, sizeof(*z));
	if (z == NULL) {
		set_cause(cause, "deflate", Z_MEM_ERROR, NULL);
		return NULL;
	}
	/* same framing as window_bits(fmt), smaller window */
	wb = window_bits(fmt);
	wb = wb < 0 ? -window_log : wb - MAX_WBITS + window_log;
	ret = deflateInit2(&z->zs, level, Z_DEFLATED, wb, mem_level,
	    Z_DEFAULT_STRATEGY);
	if (ret != Z_OK) {
		set_cause(cause, "deflate init", ret, NULL);
		free(z);
		return NULL;
	}
	return z;
}

/*
 * Run deflate over in with flush mode until zlib has taken all input and
 * has no more output for this flush mode.
 */
static int
deflate_run(struct zbuf_deflate *z, const void *in, size_t len, int flush,
    struct zbuf *out, char **cause)
{
	const unsigned char *p = in;
	int ret = Z_OK;

	if (z->finished) {
		set_cause(cause, "deflate", Z_STREAM_ERROR, NULL);
		return -1;
	}
	do {
		/* avail_in is a uInt: feed at most UINT_MAX at a time. */
		size_t take = len > UINT_MAX ? UINT_MAX : len;

		z->zs.next_in = (unsigned char *)p;
		z->zs.avail_in = (uInt)take;
		do {
			if (zbuf_reserve(out, ZBUF_CHUNK) != 0) {
				set_cause(cause, "deflate", Z_MEM_ERROR, NULL);
				return -1;
			}
			z->zs.next_out = out->data + out->len;
			z->zs.avail_out = ZBUF_CHUNK;
			ret = deflate(&z->zs, len > take ? Z_NO_FLUSH : flush);
			out->len += ZBUF_CHUNK - z->zs.avail_out;
			if (ret == Z_STREAM_ERROR) {
				set_cause(cause, "deflate", ret, &z->zs);
				return -1;
			}
		} while (z->zs.avail_out == 0 || z->zs.avail_in > 0);
		p += take;
		len -= take;
	} while (len > 0);
	if (ret == Z_STREAM_END)
		z->finished = true;
	return 0;
}

int
zbuf_deflate_feed(struct zbuf_deflate *z, const void *in, size_t len,
    struct zbuf *out, char **cause)
{
	return deflate_run(z, in, len, Z_NO_FLUSH, out, cause);
}

int
zbuf_deflate_sync(struct zbuf_deflate *z, struct zbuf *out, char **cause)
{
	return deflate_run(z, NULL, 0, Z_SYNC_FLUSH, out, cause);
}

int
zbuf_deflate_finish(struct zbuf_deflate *z, struct zbuf *out, char **cause)
{
	if (deflate_run(z, NULL, 0, Z_FINISH, out, cause) != 0)
		return -1;
	if (!z->finished) {
		set_cause(cause, "deflate finish", Z_BUF_ERROR, &z->zs);
		return -1;
	}
	return 0;
}

uint64_t
zbuf_deflate_total_in(const struct zbuf_deflate *z)
{
	return z->zs.total_in;
}

void
zbuf_deflate_free(struct zbuf_deflate *z)
{
	if (z == NULL)
		return;
	deflateEnd(&z->zs);
	free(z);
}

struct zbuf_inflate *
zbuf_inflate_new(enum zbuf_format fmt, char **cause)
{
	struct zbuf_inflate *z;
	int ret;

	z = calloc(1, sizeof(*z));
	if (z == NULL) {
		set_cause(cause, "inflate", Z_MEM_ERROR, NULL);
		return NULL;
	}
	ret = inflateInit2(&z->zs, window_bits(fmt));
	if (ret != Z_OK) {
		set_cause(cause, "inflate init", ret, NULL);
		free(z);
		return NULL;
	}
	return z;
}

int
zbuf_inflate_feed(struct zbuf_inflate *z, const void *in, size_t len,
    size_t *used, struct zbuf *out, size_t max_out, char **cause)
{
	const unsigned char *p = in;
	size_t room, take, left = len;
	int ret;

	*used = 0;
	if (z->ended)
		return ZBUF_END;
	while (out->len < max_out) {
		room = max_out - out->len;
		if (room > ZBUF_CHUNK)
			room = ZBUF_CHUNK;
		if (zbuf_reserve(out, room) != 0) {
			set_cause(cause, "inflate", Z_MEM_ERROR, NULL);
			return -1;
		}
		take = left > UINT_MAX ? UINT_MAX : left;
		z->zs.next_in = (unsigned char *)p;
		z->zs.avail_in = (uInt)take;
		z->zs.next_out = out->data + out->len;
		z->zs.avail_out = (uInt)room;
		ret = inflate(&z->zs, Z_NO_FLUSH);
		out->len += room - z->zs.avail_out;
		p += take - z->zs.avail_in;
		left -= take - z->zs.avail_in;
		*used = len - left;
		if (ret == Z_STREAM_END) {
			z->ended = true;
			return ZBUF_END;
		}
		if (ret == Z_BUF_ERROR)
			break; /* no progress possible: needs more input */
		if (ret != Z_OK) {
			set_cause(cause, "inflate", ret, &z->zs);
			return -1;
		}
		/* All input used and zlib had room to spare: nothing pending. */
		if (left == 0 && z->zs.avail_out > 0)
			break;
	}
	return ZBUF_MORE;
}

void
zbuf_inflate_reset(struct zbuf_inflate *z)
{
	inflateReset(&z->zs);
	z->ended = false;
}

void
zbuf_inflate_free(struct zbuf_inflate *z)
{
	if (z == NULL)
		return;
	inflateEnd(&z->zs);
	free(z);
}

int
zbuf_inflate_all(enum zbuf_format fmt, const void *in, size_t len,
    size_t max_out, struct zbuf *out, char **cause)
{
	struct zbuf_inflate *z;
	size_t used, start = out->len, limit;
	const char *why;
	int ret;

	z = zbuf_inflate_new(fmt, cause);
	if (z == NULL)
		return -1;
	/* One byte over the limit tells "too big" from "exactly max_out". */
	limit = max_out >= SIZE_MAX - start - 1 ? SIZE_MAX :
	    start + max_out + 1;
	ret = zbuf_inflate_feed(z, in, len, &used, out, limit, cause);
	zbuf_inflate_free(z);
	if (ret < 0)
		return -1;
	if (out->len - start > max_out)
		why = "output larger than the limit";
	else if (ret != ZBUF_END)
		why = "truncated stream";
	else
		return 0;
	if (cause != NULL && asprintf(cause, "inflate: %s", why) < 0)
		*cause = NULL;
	return -1;
}

int
zbuf_deflate_all(enum zbuf_format fmt, int level, const void *in,
    size_t len, struct zbuf *out, char **cause)
{
	struct zbuf_deflate *z;
	int ret;

	z = zbuf_deflate_new(fmt, level, cause);
	if (z == NULL)
		return -1;
	ret = zbuf_deflate_feed(z, in, len, out, cause);
	if (ret == 0)
		ret = zbuf_deflate_finish(z, out, cause);
	zbuf_deflate_free(z);
	return ret;
}

uint32_t
zbuf_crc32(uint32_t crc, const void *p, size_t len)
{
	const unsigned char *b = p;

	while (len > 0) {
		uInt take = len > UINT_MAX ? UINT_MAX : (uInt)len;

		crc = (uint32_t)crc32(crc, b, take);
		b += take;
		len -= take;
	}
	return crc;
}

/* A pooled compressor for level, or a new one; NULL when out of memory. */
static struct gz_pooled *
gz_take(int level)
{
	struct gz_pooled **pp, *g;

	pthread_mutex_lock(&gz_pool_mtx);
	for (pp = &gz_pool; (g = *pp) != NULL; pp = &g->next)
		if (g->level == level) {
			*pp = g->next;
			break;
		}
	pthread_mutex_unlock(&gz_pool_mtx);
	if (g != NULL)
		return g;
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	g->level = level;
	if ((g->c = libdeflate_alloc_compressor(level)) == NULL) {
		free(g);
		return NULL;
	}
	return g;
}

static void
gz_put(struct gz_pooled *g)
{
	pthread_mutex_lock(&gz_pool_mtx);
	g->next = gz_pool;
	gz_pool = g;
	pthread_mutex_unlock(&gz_pool_mtx);
}

int
zbuf_gzip_member(int level, const void *in, size_t len, struct zbuf *out,
    char **cause)
{
	struct gz_pooled *g;
	size_t bound, n;

	if (level < 1 || level > 12) {
		if (cause != NULL && asprintf(cause, "gzip: bad level %d",
		    level) < 0)
			*cause = NULL;
		return -1;
	}
	if ((g = gz_take(level)) == NULL)
		goto nomem;
	bound = libdeflate_gzip_compress_bound(g->c, len);
	if (zbuf_reserve(out, bound) != 0) {
		gz_put(g);
		goto nomem;
	}
	/* Never 0 with bound bytes of room: the bound covers stored blocks. */
	n = libdeflate_gzip_compress(g->c, in, len, out->data + out->len,
	    bound);
	gz_put(g);
	if (n == 0) {
		if (cause != NULL && asprintf(cause, "gzip: output over "
		    "its bound") < 0)
			*cause = NULL;
		return -1;
	}
	out->len += n;
	return 0;
nomem:
	set_cause(cause, "gzip", Z_MEM_ERROR, NULL);
	return -1;
}
