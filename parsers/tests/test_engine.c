/* SPDX-License-Identifier: MIT */
/*
 * test_engine.c -- streaming behaviour of libkreport: report boundaries by
 * time (quiet, deadline), reboot cuts, caller interleaving, extended
 * records, panic attachment, signatures and hostile input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kreport.h"

static void
feed(struct kr_ctx *ctx, const char *const *lines, int64_t t0, int64_t step)
{
	size_t i;

	for (i = 0; lines[i]; i++)
		assert_int_equal(kr_feed_text(ctx, lines[i], strlen(lines[i]),
				     t0 + (int64_t)i * step, i + 1),
		    0);
}

static const char *const warn_lines[] = {
	"[    4.059495] ------------[ cut here ]------------",
	"[    4.059926] crashme: WARNING requested",
	"[    4.060577] WARNING: CPU: 1 PID: 115 at /build/crashme.c:55 "
	"crashme_write+0x135/0x516 [crashme]",
	"[    4.062477] CPU: 1 PID: 115 Comm: sh Tainted: G           OE      "
	"6.1.0-56-amd64 #1  Debian 6.1.192-2",
	"[    4.063544] RIP: 0010:crashme_write+0x135/0x516 [crashme]",
	"[    4.068343] Call Trace:", "[    4.073497]  <TASK>",
	"[    4.077361]  proc_reg_write+0x56/0xa0",
	"[    4.077361]  vfs_write+0xc7/0x3f0", "[    4.077361]  </TASK>",
	"[    4.077361] ---[ end trace 0000000000000000 ]---", NULL
};

/* A WARN with its end marker: pulled-back lines, fields, title. */
static void
test_engine_warn_fields(void **state)
{
	struct kr_ctx *ctx = kr_new(NULL, NULL);
	struct kr_report *r;

	(void)state;
	assert_non_null(ctx);
	feed(ctx, warn_lines, 1000, 1);
	kr_tick(ctx, 1010 + 5000);
	r = kr_next(ctx);
	assert_non_null(r);
	assert_string_equal(kr_class_name(r->cls), "warn");
	assert_string_equal(r->title, "WARNING in crashme_write");
	assert_string_equal(r->frame, "crashme_write");
	assert_false(r->corrupted);
	assert_int_equal(r->first_line, 1); /* cut here pulled back */
	assert_int_equal(r->last_line, 11);
	assert_int_equal(r->first_ktime_us, 4059495);
	assert_string_equal(r->task, "sh");
	assert_int_equal(r->pid, 115);
	assert_int_equal(r->cpu, 1);
	assert_string_equal(r->release, "6.1.0-56-amd64");
	assert_string_equal(r->taint, "G           OE");
	assert_int_equal(r->nframes, 2);
	assert_string_equal(r->frames[0].func, "proc_reg_write");
	assert_int_equal(strlen(r->signature), 16);
	assert_null(kr_next(ctx));
	kr_report_free(r);
	kr_free(ctx);
}

/* Streaming: a report without end marker closes only when the stream is
 * quiet for quiet_ms; kr_next_deadline says when. */
static void
test_engine_quiet_timeout(void **state)
{
	struct kr_config cfg = { .quiet_ms = 700 };
	struct kr_ctx *ctx = kr_new(&cfg, NULL);
	static const char *const lines[] = {
		"[   10.0] INFO: task sh:56 blocked for more than 3 seconds.",
		"[   10.0]       Not tainted 6.1.192 #2",
		"[   10.0] Call trace:", "[   10.0]  __switch_to+0xe8/0x140",
		"[   10.0]  __schedule+0x2f4/0x8a0",
		"[   10.0]  schedule+0x5c/0xd0",
		"[   10.0]  my_driver_wait+0x40/0x88 [mydrv]", NULL
	};
	struct kr_report *r;

	(void)state;
	feed(ctx, lines, 5000, 0);
	assert_int_equal(kr_next_deadline(ctx), 5000 + 700);
	kr_tick(ctx, 5000 + 100);
	assert_null(kr_next(ctx));
	kr_tick(ctx, 5699);
	assert_null(kr_next(ctx));
	kr_tick(ctx, 5700);
	r = kr_next(ctx);
	assert_non_null(r);
	assert_string_equal(r->title, "INFO: task hung in my_driver_wait");
	assert_string_equal(r->frames[3].module, "mydrv");
	assert_string_equal(r->release, "6.1.192");
	assert_false(r->corrupted);
	assert_int_equal(kr_next_deadline(ctx), -1);
	kr_report_free(r);
	kr_free(ctx);
}

/* A reboot in the middle of a WARN cuts it: reported, marked corrupted. */
static void
test_engine_reboot_cut(void **state)
{
	struct kr_ctx *ctx = kr_new(NULL, NULL);
	struct kr_report *r;
	size_t i;

	(void)state;
	for (i = 0; i < 8; i++)
		kr_feed_text(ctx, warn_lines[i], strlen(warn_lines[i]), 0, i);
	kr_feed_text(
	    ctx, "[    0.000000] Linux version 6.1.0-57-amd64 (x)", 46, 0, 99);
	r = kr_next(ctx);
	assert_non_null(r);
	assert_true(r->corrupted);
	assert_non_null(strstr(r->corrupt_reason, "reboot"));
	assert_string_equal(r->title, "WARNING in crashme_write");
	kr_report_free(r);
	kr_free(ctx);
}

/* Lines of another caller interleaved into a report stay out of it. */
static void
test_engine_caller_interleave(void **state)
{
	struct kr_ctx *ctx = kr_new(NULL, NULL);
	static const char *const lines[] = {
		"[    1.0][   T51] ------------[ cut here ]------------",
		"[    1.0][   T51] WARNING: CPU: 0 PID: 51 at a.c:1 foo+0x1/0x2",
		"[    1.0][   T99] eth0: link up",
		"[    1.0][   T51] Call Trace:",
		"[    1.0][    C1] hrtimer: interrupt took 1234 ns",
		"[    1.0][   T51]  <TASK>", "[    1.0][   T51]  bar+0x1/0x2",
		"[    1.0][   T51]  </TASK>",
		"[    1.0][   T51] ---[ end trace 0000000000000000 ]---", NULL
	};
	struct kr_report *r;

	(void)state;
	feed(ctx, lines, 0, 0);
	kr_flush(ctx);
	r = kr_next(ctx);
	assert_non_null(r);
	assert_null(strstr(r->text, "eth0"));
	assert_null(strstr(r->text, "hrtimer"));
	assert_string_equal(r->caller, "T51");
	assert_int_equal(r->nlines, 7);
	assert_false(r->corrupted);
	kr_report_free(r);
	kr_free(ctx);
}

/* /dev/kmsg-style records are decoded and split into lines. */
static void
test_engine_ext_records(void **state)
{
	struct kr_ctx *ctx = kr_new(NULL, NULL);
	static const char *const lines[] = {
		"4,267,11537565,-,caller=T51;"
		"======================================================",
		"4,268,11538630,-,caller=T51;WARNING: possible circular locking "
		"dependency detected",
		"4,271,11538630,-,caller=T51;sh/51 is trying to acquire lock:",
		"4,272,11538630,c,caller=T51;ffffffff82232fa8 (kt_lock_a){+.+.}-"
		"{3:3}, at: kt_abba_path2+0x1c/0x40",
		" SUBSYSTEM=none",
		"4,273,11538630,-,caller=T51;\\x0abut task is already holding "
		"lock:",
		"4,290,11538630,-,caller=T51;stack backtrace:\\x0aCall Trace:\\x0a "
		"<TASK>\\x0a dump_stack_lvl+0x1/0x2\\x0a kt_write+0x1/0x2\\x0a "
		"</TASK>",
		NULL
	};
	struct kr_report *r;

	(void)state;
	feed(ctx, lines, 0, 0);
	kr_flush(ctx);
	r = kr_next(ctx);
	assert_non_null(r);
	assert_string_equal(kr_class_name(r->cls), "lockdep");
	assert_string_equal(r->subtype, "circular-dependency");
	assert_string_equal(r->title, "possible deadlock in kt_abba_path2");
	assert_string_equal(r->caller, "T51");
	assert_int_equal(r->first_ktime_us, 11537565);
	assert_null(strstr(r->text, "SUBSYSTEM"));
	assert_non_null(strstr(r->text, "\nbut task is already holding"));
	assert_int_equal(r->nframes, 2);
	assert_false(r->corrupted);
	kr_report_free(r);
	kr_free(ctx);
}

/* The same bug on another CPU, kernel build and boot hashes alike. */
static void
test_engine_signature_stable(void **state)
{
	static const char *const a[] = {
		"[ 5.0] BUG: KCSAN: data-race in kt_race_fn / kt_other",
		"[ 5.0] ",
		"[ 5.0] write to 0xffffffff822efd08 of 8 bytes by task 52 on cpu 1:",
		"[ 5.0]  kt_race_fn+0x73/0xc0", "[ 5.0] ",
		"[ 5.0] ==================================================",
		NULL
	};
	static const char *const b[] = {
		"[ 9.0] BUG: KCSAN: data-race in kt_other+0x11/0x20 / kt_race_fn+0x99/0x100",
		"[ 9.0] ",
		"[ 9.0] read to 0xffffffff822efd10 of 8 bytes by task 60 on cpu 0:",
		"[ 9.0]  kt_other+0x11/0x20", "[ 9.0] ",
		"[ 9.0] ==================================================",
		NULL
	};
	struct kr_ctx *c1 = kr_new(NULL, NULL), *c2 = kr_new(NULL, NULL);
	struct kr_report *r1, *r2;

	(void)state;
	feed(c1, a, 0, 0);
	feed(c2, b, 0, 0);
	kr_flush(c1);
	kr_flush(c2);
	r1 = kr_next(c1);
	r2 = kr_next(c2);
	assert_non_null(r1);
	assert_non_null(r2);
	assert_string_equal(
	    r1->title, "KCSAN: data-race in kt_other / kt_race_fn");
	assert_string_equal(r1->title, r2->title);
	assert_string_equal(r1->signature, r2->signature);
	kr_report_free(r1);
	kr_report_free(r2);
	kr_free(c1);
	kr_free(c2);
}

/* An Oops followed by "Fatal exception" carries the panic; a later sysrq
 * panic is its own report. */
static void
test_engine_panic_attach(void **state)
{
	struct kr_ctx *ctx = kr_new(NULL, NULL);
	static const char *const lines[] = {
		"BUG: kernel NULL pointer dereference, address: 0000000000000000",
		"#PF: supervisor write access in kernel mode",
		"Oops: 0002 [#1] PREEMPT SMP NOPTI",
		"RIP: 0010:crashme_write+0x17a/0x516 [crashme]",
		"Call Trace:", " <TASK>", " vfs_write+0xc7/0x3f0", " </TASK>",
		"---[ end trace 0000000000000000 ]---",
		"RIP: 0010:crashme_write+0x17a/0x516 [crashme]",
		"Kernel panic - not syncing: Fatal exception",
		"Kernel Offset: disabled",
		"---[ end Kernel panic - not syncing: Fatal exception ]---",
		"Kernel panic - not syncing: sysrq triggered crash",
		"---[ end Kernel panic - not syncing: sysrq triggered crash ]---",
		NULL
	};
	struct kr_report *r;

	(void)state;
	feed(ctx, lines, 0, 0);
	kr_flush(ctx);
	r = kr_next(ctx);
	assert_non_null(r);
	assert_string_equal(r->title,
	    "BUG: unable to handle kernel NULL pointer dereference in "
	    "crashme_write");
	assert_string_equal(r->access, "write");
	assert_string_equal(r->access_addr, "0000000000000000");
	assert_non_null(r->panic);
	assert_string_equal(r->panic, "Fatal exception");
	assert_false(r->corrupted);
	kr_report_free(r);
	r = kr_next(ctx);
	assert_non_null(r);
	assert_string_equal(kr_class_name(r->cls), "panic");
	assert_string_equal(r->title, "kernel panic: sysrq triggered crash");
	assert_false(r->corrupted);
	kr_report_free(r);
	assert_null(kr_next(ctx));
	kr_free(ctx);
}

/* Binary garbage, NULs and a 10 MB line: no crash, no report. */
static void
test_engine_garbage(void **state)
{
	struct kr_ctx *ctx = kr_new(NULL, NULL);
	size_t big = 10 * 1024 * 1024, i;
	char *buf = malloc(big);
	unsigned int seed = 1;

	(void)state;
	assert_non_null(buf);
	for (i = 0; i < big; i++) {
		seed = seed * 1103515245 + 12345;
		buf[i] = (char)(seed >> 16);
	}
	for (i = 0; i + 4096 <= big; i += 4096)
		assert_int_equal(kr_feed_text(ctx, buf + i, 4096, 0, i), 0);
	assert_int_equal(kr_feed_text(ctx, buf, big, 0, 0), 0);
	memset(buf, 0, 4096);
	assert_int_equal(kr_feed_text(ctx, buf, 4096, 0, 0), 0);
	kr_flush(ctx);
	while (kr_next(ctx))
		fail_msg("garbage produced a report");
	free(buf);
	kr_free(ctx);
}

/* A finished report waits KR_LINGER_MS for a panic, counted from its end
 * marker: a busy stream of unrelated lines must not hold it back. */
static void
test_engine_linger_busy_stream(void **state)
{
	struct kr_ctx *ctx = kr_new(NULL, NULL);
	struct kr_report *r = NULL;
	int64_t t = 1000;
	char line[64];
	int i;

	(void)state;
	feed(ctx, warn_lines, t, 0);
	for (i = 0; i < 40 && r == NULL; i++) {
		t += 5;
		snprintf(line, sizeof(line), "[ 5.0] eth0: rx %d", i);
		kr_feed_text(ctx, line, strlen(line), t, 100 + (uint64_t)i);
		if (kr_next_deadline(ctx) >= 0 && t >= kr_next_deadline(ctx))
			kr_tick(ctx, t);
		r = kr_next(ctx);
	}
	assert_non_null(r);
	assert_true(t <= 1000 + 50 + 5);
	assert_int_equal(r->last_line, 11);
	kr_report_free(r);
	kr_free(ctx);
}

/* An extended header with a 20-digit field is not a header (it used to
 * overflow int64_t: found by kr_fuzz). */
static void
test_engine_ext_overflow(void **state)
{
	struct kr_ctx *ctx = kr_new(NULL, NULL);
	static const char l[] = "6,123,99999999999999999999,-;BUG: KASAN: x";

	(void)state;
	assert_int_equal(kr_feed_text(ctx, l, sizeof(l) - 1, 0, 1), 0);
	kr_flush(ctx);
	assert_null(kr_next(ctx));
	kr_free(ctx);
}

/* Open reports are bounded: a report stops at max_lines. */
static void
test_engine_line_limit(void **state)
{
	struct kr_config cfg = { .max_lines = 50 };
	struct kr_ctx *ctx = kr_new(&cfg, NULL);
	struct kr_report *r;
	char line[64];
	int i;

	(void)state;
	kr_feed_text(
	    ctx, "WARNING: CPU: 0 PID: 1 at a.c:1 foo+0x1/0x2", 43, 0, 0);
	for (i = 0; i < 200; i++) {
		snprintf(line, sizeof(line), "noise %d", i);
		kr_feed_text(ctx, line, strlen(line), 0, (uint64_t)i + 1);
	}
	r = kr_next(ctx);
	assert_non_null(r);
	assert_int_equal(r->nlines, 50);
	assert_true(r->corrupted);
	kr_report_free(r);
	kr_flush(ctx);
	assert_null(kr_next(ctx));
	kr_free(ctx);
}

static void
test_engine_class_names(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < KR_CLASS__COUNT; i++)
		assert_int_equal(kr_class_from_name(kr_class_name(i)), i);
	assert_int_equal(kr_class_from_name("nonsense"), -1);
	assert_string_equal(
	    kr_class_name(KR_CLASS_STACK_CORRUPTION), "stack-corruption");
	assert_true(kr_rule_count() > 40);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_warn_fields),
		cmocka_unit_test(test_engine_quiet_timeout),
		cmocka_unit_test(test_engine_reboot_cut),
		cmocka_unit_test(test_engine_caller_interleave),
		cmocka_unit_test(test_engine_ext_records),
		cmocka_unit_test(test_engine_signature_stable),
		cmocka_unit_test(test_engine_panic_attach),
		cmocka_unit_test(test_engine_garbage),
		cmocka_unit_test(test_engine_line_limit),
		cmocka_unit_test(test_engine_ext_overflow),
		cmocka_unit_test(test_engine_linger_busy_stream),
		cmocka_unit_test(test_engine_class_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
