/* SPDX-License-Identifier: MIT */
/*
 * kr_fuzz.c -- libFuzzer target for the libkreport line feeder.
 *
 * The input is console text: it is split on '\n' and fed line by line to a
 * fresh kr_ctx, each line also going through kr_normalize. The schedule
 * around the lines (how far time moves, when kr_tick runs, whether a line
 * carries transport metadata, small or default limits) comes from a hash
 * of the input, so one input always replays the same way. Every report is
 * popped, checked against the kreport.h contract and freed; a broken
 * contract aborts like a sanitizer finding.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kreport.h"

/* Abort on a broken contract (libFuzzer saves the input as a crash). */
#define CHECK(cond)                                                        \
	do {                                                                \
		if (!(cond))                                                \
			__builtin_trap();                                   \
	} while (0)

/* Deterministic schedule source, seeded from the input. */
struct sched {
	uint64_t s;
};

/* Next pseudo-random number (splitmix64). */
static uint64_t
sched_next(struct sched *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* FNV-1a over the input: the seed of its schedule. */
static uint64_t
hash(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n-- > 0)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

/* Touch every byte of a string that must be NUL-terminated. */
static void
check_str(const char *s, size_t max)
{
	CHECK(s != NULL);
	CHECK(strnlen(s, max) < max);
}

/* Check one finished report against the kreport.h contract. */
static void
check_report(const struct kr_report *r)
{
	size_t i;

	CHECK((unsigned)r->cls < KR_CLASS__COUNT && r->cls != KR_CLASS_NONE);
	CHECK(kr_class_name(r->cls) != NULL);
	CHECK(kr_class_from_name(kr_class_name(r->cls)) == (int)r->cls);
	check_str(r->subtype, SIZE_MAX);
	check_str(r->title, SIZE_MAX);
	CHECK(r->title[0] != '\0');
	check_str(r->frame, SIZE_MAX);
	check_str(r->frame2, SIZE_MAX);
	CHECK(strlen(r->signature) == 16);
	for (i = 0; i < 16; i++)
		CHECK((r->signature[i] >= '0' && r->signature[i] <= '9') ||
		    (r->signature[i] >= 'a' && r->signature[i] <= 'f'));
	check_str(r->corrupt_reason, SIZE_MAX);
	CHECK(r->corrupted == (r->corrupt_reason[0] != '\0'));
	CHECK(r->first_line <= r->last_line);
	CHECK(r->first_recv_ms <= r->last_recv_ms);
	check_str(r->access, SIZE_MAX);
	check_str(r->access_addr, SIZE_MAX);
	check_str(r->task, SIZE_MAX);
	check_str(r->taint, SIZE_MAX);
	check_str(r->release, SIZE_MAX);
	check_str(r->hardware, SIZE_MAX);
	check_str(r->caller, SIZE_MAX);
	if (r->panic != NULL)
		check_str(r->panic, SIZE_MAX);
	CHECK(r->nframes == 0 || r->frames != NULL);
	for (i = 0; i < r->nframes; i++) {
		check_str(r->frames[i].func, SIZE_MAX);
		if (r->frames[i].module != NULL)
			check_str(r->frames[i].module, SIZE_MAX);
	}
	check_str(r->text, SIZE_MAX);
}

/* Pop, check and free every finished report. */
static void
drain(struct kr_ctx *ctx)
{
	struct kr_report *r;

	while ((r = kr_next(ctx)) != NULL) {
		check_report(r);
		kr_report_free(r);
	}
}

/* Normalise one line into a buffer of a schedule-chosen size. */
static void
normalize(const char *line, size_t len, struct sched *r)
{
	static const size_t sizes[] = {1, 2, 8, 40, 200, KR_LINE_MAX + 1};
	size_t outsz = sizes[sched_next(r) % (sizeof(sizes) / sizeof(sizes[0]))];
	char *out, caller[8];
	int64_t ktime_us;
	int level;

	if ((out = malloc(outsz)) == NULL)
		return;
	memset(caller, 'x', sizeof(caller));
	kr_normalize(line, len, out, outsz, &ktime_us, caller, &level);
	CHECK(memchr(out, '\0', outsz) != NULL);
	CHECK(memchr(caller, '\0', sizeof(caller)) != NULL);
	CHECK(ktime_us >= -1);
	CHECK(level >= -1);
	free(out);
}

/* Feed one line, sometimes with transport metadata (ktime, caller id). */
static void
feed(struct kr_ctx *ctx, const char *line, size_t len, int64_t now,
    uint64_t ref, struct sched *r)
{
	static const char *const callers[] = {"T1", "T123", "C0", "C3"};
	struct kr_line l;
	uint64_t x = sched_next(r);

	if (x % 4 != 0) {
		CHECK(kr_feed_text(ctx, line, len, now, ref) == 0);
		return;
	}
	memset(&l, 0, sizeof(l));
	l.text = line;
	l.len = len;
	l.recv_ms = now;
	l.ref = ref;
	l.ktime_us = (x >> 8) % 2 ? (int64_t)((x >> 16) % 100000000000ULL) : -1;
	l.caller = (x >> 9) % 2 ? callers[(x >> 10) % 4] : NULL;
	CHECK(kr_feed(ctx, &l) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kr_config cfg = {0};
	struct kr_ctx *ctx;
	struct sched r = {hash(data, size)};
	const char *p = (const char *)data, *end = p + size, *nl;
	char *line;
	size_t len;
	int64_t now = 1000, deadline;
	uint64_t ref = 0, x;

	/* Small limits on some inputs, so the limits themselves get hit. */
	if (sched_next(&r) % 2 == 0) {
		cfg.quiet_ms = 1 + (int64_t)(sched_next(&r) % 3000);
		cfg.max_lines = 1 + (unsigned)(sched_next(&r) % 40);
	}
	if ((ctx = kr_new(&cfg, NULL)) == NULL)
		return 0;
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		/* An exact-size copy, so a read past the line end is caught. */
		len = (size_t)(nl - p);
		if ((line = malloc(len ? len : 1)) == NULL)
			break;
		memcpy(line, p, len);

		x = sched_next(&r);
		now += x % 8 == 0 ? (int64_t)((x >> 3) % 5000) : (int64_t)(x % 3);
		if ((x >> 16) % 8 == 0)
			kr_tick(ctx, now);
		feed(ctx, line, len, now, ++ref, &r);
		normalize(line, len, &r);
		free(line);

		deadline = kr_next_deadline(ctx);
		CHECK(deadline >= -1);
		if (deadline >= 0 && (x >> 20) % 4 == 0) {
			/* The timer fires; time never runs backwards. */
			if (deadline > now)
				now = deadline;
			kr_tick(ctx, now);
		}
		drain(ctx);
		p = nl + 1;
	}
	kr_flush(ctx);
	drain(ctx);
	CHECK(kr_next_deadline(ctx) == -1);
	kr_free(ctx);
	return 0;
}
