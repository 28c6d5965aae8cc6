/* SPDX-License-Identifier: MIT */
/*
 * test_zbuf.c -- zbuf: round trips in every framing, sync flush makes the
 * prefix decodable, gzip members back to back, output limits, truncated
 * and corrupt input, crc32.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "zbuf.h"

/* Deterministic pseudo-random bytes (xorshift), some of them compressible. */
static void
fill_bytes(unsigned char *p, size_t n, uint32_t seed, bool text)
{
	uint32_t x = seed | 1;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = text ? (unsigned char)("kernel: BUG at \n\t"[x % 17]) :
		    (unsigned char)x;
	}
}

/* Deflate then inflate n bytes in fmt and compare. */
static void
round_trip(enum zbuf_format fmt, size_t n, bool text)
{
	unsigned char *in = malloc(n + 1);
	struct zbuf c, d;
	char *cause = NULL;

	assert_non_null(in);
	fill_bytes(in, n, (uint32_t)n + 7, text);
	zbuf_init(&c);
	zbuf_init(&d);
	assert_int_equal(zbuf_deflate_all(fmt, 6, in, n, &c, &cause), 0);
	assert_int_equal(zbuf_inflate_all(fmt == ZBUF_RAW ? fmt : ZBUF_AUTO,
	    c.data, c.len, n, &d, &cause), 0);
	assert_null(cause);
	assert_int_equal(d.len, n);
	if (n > 0)
		assert_memory_equal(d.data, in, n);
	zbuf_free(&c);
	zbuf_free(&d);
	free(in);
}

static void
test_zbuf_round_trip(void **state)
{
	static const size_t sizes[] = {0, 1, 17, 4096, 65537, 1 << 20};
	static const enum zbuf_format fmts[] = {ZBUF_GZIP, ZBUF_ZLIB,
	    ZBUF_RAW};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
		for (j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++) {
			round_trip(fmts[i], sizes[j], false);
			round_trip(fmts[i], sizes[j], true);
		}
}

/*
 * After every sync flush, the bytes produced so far decode to exactly the
 * bytes fed so far: what the archive relies on after a kill -9.
 */
static void
test_zbuf_sync_flush_prefix(void **state)
{
	unsigned char in[3000];
	struct zbuf c, d;
	struct zbuf_deflate *z;
	struct zbuf_inflate *inf;
	size_t fed = 0, used, step;
	int ret;

	(void)state;
	fill_bytes(in, sizeof(in), 42, true);
	zbuf_init(&c);
	z = zbuf_deflate_new(ZBUF_GZIP, 6, NULL);
	assert_non_null(z);
	for (step = 1; fed < sizeof(in); step = step * 2 + 1) {
		size_t n = step < sizeof(in) - fed ? step : sizeof(in) - fed;

		assert_int_equal(zbuf_deflate_feed(z, in + fed, n, &c, NULL),
		    0);
		fed += n;
		assert_int_equal(zbuf_deflate_sync(z, &c, NULL), 0);
		/* Decode the whole prefix from scratch. */
		inf = zbuf_inflate_new(ZBUF_GZIP, NULL);
		assert_non_null(inf);
		zbuf_init(&d);
		ret = zbuf_inflate_feed(inf, c.data, c.len, &used, &d,
		    SIZE_MAX, NULL);
		assert_int_equal(ret, ZBUF_MORE); /* not finished */
		assert_int_equal(used, c.len);
		assert_int_equal(d.len, fed);
		assert_memory_equal(d.data, in, fed);
		zbuf_free(&d);
		zbuf_inflate_free(inf);
	}
	assert_int_equal(zbuf_deflate_total_in(z), sizeof(in));
	assert_int_equal(zbuf_deflate_finish(z, &c, NULL), 0);
	assert_int_equal(zbuf_deflate_feed(z, "x", 1, &c, NULL), -1);
	zbuf_deflate_free(z);
	zbuf_free(&c);
}

/* Output limits: inflate_feed stops at max_out and resumes; all() fails. */
static void
test_zbuf_output_limit(void **state)
{
	static unsigned char zeros[1 << 20];
	struct zbuf c, d;
	struct zbuf_inflate *inf;
	char *cause = NULL;
	size_t used, off = 0;
	int ret, rounds = 0;

	(void)state;
	zbuf_init(&c);
	zbuf_init(&d);
	assert_int_equal(zbuf_deflate_all(ZBUF_ZLIB, 9, zeros, sizeof(zeros),
	    &c, NULL), 0);
	assert_true(c.len < 4096); /* a bomb: 1 MiB from a few KiB */
	assert_int_equal(zbuf_inflate_all(ZBUF_ZLIB, c.data, c.len, 1000, &d,
	    &cause), -1);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "limit"));
	free(cause);
	inf = zbuf_inflate_new(ZBUF_AUTO, NULL);
	assert_non_null(inf);
	do {
		d.len = 0;
		ret = zbuf_inflate_feed(inf, c.data + off, c.len - off, &used,
		    &d, 65536, NULL);
		assert_true(d.len <= 65536);
		off += used;
		rounds++;
	} while (ret == ZBUF_MORE && rounds < 100);
	assert_int_equal(ret, ZBUF_END);
	assert_int_equal(rounds, 16);
	zbuf_inflate_free(inf);
	zbuf_free(&c);
	zbuf_free(&d);
}

/* Truncated streams are not an error for feed, but are for all(). */
static void
test_zbuf_truncated_and_corrupt(void **state)
{
	unsigned char in[10000];
	struct zbuf c, d;
	char *cause = NULL;

	(void)state;
	fill_bytes(in, sizeof(in), 9, false);
	zbuf_init(&c);
	zbuf_init(&d);
	assert_int_equal(zbuf_deflate_all(ZBUF_GZIP, 6, in, sizeof(in), &c,
	    NULL), 0);
	assert_int_equal(zbuf_inflate_all(ZBUF_GZIP, c.data, c.len - 4,
	    SIZE_MAX, &d, &cause), -1);
	assert_non_null(strstr(cause, "truncated"));
	free(cause);
	cause = NULL;
	/* Break the header magic: a data error, not a crash. */
	c.data[0] ^= 0xff;
	d.len = 0;
	assert_int_equal(zbuf_inflate_all(ZBUF_GZIP, c.data, c.len, SIZE_MAX,
	    &d, &cause), -1);
	assert_non_null(cause);
	free(cause);
	zbuf_free(&c);
	zbuf_free(&d);
}

/*
 * Members back to back (the archive's layout): each is a whole gzip
 * stream with its own trailer, zbuf_inflate_reset() goes on to the next,
 * and a torn last member never ends.
 */
static void
test_zbuf_gzip_members(void **state)
{
	enum { N = 3, LEN = 70000 };
	unsigned char *in = malloc((size_t)N * LEN);
	struct zbuf c, d;
	struct zbuf_inflate *z;
	size_t used, pos = 0, ends = 0, k;
	char *cause = NULL;
	int ret;

	(void)state;
	assert_non_null(in);
	zbuf_init(&c);
	zbuf_init(&d);
	fill_bytes(in, (size_t)N * LEN, 7, true);
	for (k = 0; k < N; k++)
		assert_int_equal(zbuf_gzip_member(1, in + k * LEN,
		    k == 1 ? 0 : LEN, &c, &cause), 0);
	assert_int_equal(c.data[0], 0x1f); /* gzip magic, every member */
	assert_int_equal(c.data[1], 0x8b);
	z = zbuf_inflate_new(ZBUF_GZIP, &cause);
	assert_non_null(z);
	while (pos < c.len) {
		ret = zbuf_inflate_feed(z, c.data + pos, c.len - pos, &used, &d,
		    SIZE_MAX, &cause);
		assert_true(ret >= 0);
		pos += used;
		if (ret == ZBUF_END) {
			ends++;
			zbuf_inflate_reset(z);
		}
	}
	assert_int_equal(ends, N);
	assert_int_equal(d.len, 2 * LEN);
	assert_memory_equal(d.data, in, LEN);
	assert_memory_equal(d.data + LEN, in + 2 * LEN, LEN);

	/* Torn last member: its bytes may come out, its end never does. */
	zbuf_inflate_reset(z);
	d.len = 0;
	ret = zbuf_inflate_feed(z, c.data, c.len - 5, &used, &d, SIZE_MAX,
	    &cause);
	assert_int_equal(ret, ZBUF_END); /* the first member is whole */
	zbuf_inflate_reset(z);
	pos = used;
	do {
		ret = zbuf_inflate_feed(z, c.data + pos, c.len - 5 - pos, &used,
		    &d, SIZE_MAX, &cause);
		pos += used;
		if (ret == ZBUF_END)
			zbuf_inflate_reset(z);
	} while (ret == ZBUF_END);
	assert_int_equal(ret, ZBUF_MORE);
	assert_true(d.len <= 2 * LEN);

	/* A bad level is an error, not a crash. */
	assert_int_equal(zbuf_gzip_member(0, in, 10, &c, &cause), -1);
	assert_non_null(cause);
	free(cause);
	zbuf_inflate_free(z);
	zbuf_free(&c);
	zbuf_free(&d);
	free(in);
}

static void
test_zbuf_buffer_and_crc(void **state)
{
	struct zbuf b;

	(void)state;
	zbuf_init(&b);
	assert_int_equal(zbuf_add(&b, "hello world", 11), 0);
	zbuf_consume(&b, 6);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.data, "world", 5);
	zbuf_consume(&b, 100);
	assert_int_equal(b.len, 0);
	zbuf_free(&b);
	zbuf_free(&b); /* twice is fine */
	/* The standard check value of CRC-32/ISO-HDLC. */
	assert_int_equal(zbuf_crc32(0, "123456789", 9), 0xcbf43926u);
	assert_int_equal(zbuf_crc32(zbuf_crc32(0, "1234", 4), "56789", 5),
	    0xcbf43926u);
	assert_null(zbuf_deflate_new(ZBUF_AUTO, 6, NULL));
	assert_null(zbuf_deflate_new(ZBUF_GZIP, 10, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zbuf_round_trip),
		cmocka_unit_test(test_zbuf_sync_flush_prefix),
		cmocka_unit_test(test_zbuf_output_limit),
		cmocka_unit_test(test_zbuf_truncated_and_corrupt),
		cmocka_unit_test(test_zbuf_gzip_members),
		cmocka_unit_test(test_zbuf_buffer_and_crc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
