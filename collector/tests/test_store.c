/* SPDX-License-Identifier: MIT */
/*
 * test_store.c -- the SQLite store and the commands on top of it:
 * migrations are idempotent, batches commit by age and by size and only
 * then become visible to another connection, reports count into their
 * signatures, replacing a boot's reports never duplicates, a full disk is
 * an error and not a crash, and `kcatch reparse` / `kcatch status --json`
 * work end to end on a temporary data directory.
 */
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "archive.h"
#include "cmd.h"
#include "kreport.h"
#include "store.h"
#include "testdir.h"

/* A report made by hand; strings are literals, nothing to free. */
static struct kr_report
make_report(const char *sig, int64_t recv_ms, uint64_t first_line)
{
	static struct kr_frame frames[] = {
		{.func = "vfs_write", .module = NULL, .unreliable = false},
		{.func = "crashme_write", .module = "crashme",
		    .unreliable = true},
	};
	struct kr_report r = {
		.cls = KR_CLASS_WARN, .subtype = "", .title =
		    "WARNING in crashme_write", .frame = "crashme_write",
		.frame2 = "", .corrupted = false, .corrupt_reason = "",
		.first_line = first_line, .last_line = first_line + 5,
		.first_recv_ms = recv_ms, .last_recv_ms = recv_ms + 10,
		.first_ktime_us = 4170793, .last_ktime_us = -1,
		.access = "", .access_size = -1, .access_addr = "",
		.task = "sh", .pid = 127, .cpu = 1, .taint = "G W OE",
		.release = "6.1.0-56-amd64", .hardware = "QEMU \xff\xfe",
		.caller = "T127", .panic = NULL, .frames = frames,
		.nframes = 2, .text = "WARNING: CPU: 1 PID: 127\n...",
		.nlines = 6,
	};

	snprintf(r.signature, sizeof(r.signature), "%s", sig);
	return r;
}

/* A rw store on <dir>/kcatch.db with one board and one boot. */
static struct store *
open_with_boot(const char *dir, int64_t *board, int64_t *boot)
{
	struct store *s;
	char *cause = NULL;

	s = store_open_dir(dir, 0, &cause);
	if (cause != NULL)
		fprintf(stderr, "open: %s\n", cause);
	assert_non_null(s);
	assert_int_equal(store_board_upsert(s, "qemu1", "10.0.2.15:6665",
	    1000, board, NULL), 0);
	assert_int_equal(store_boot_begin(s, *board, 2000, boot, NULL), 0);
	assert_int_equal(store_flush(s, NULL), 0);
	return s;
}

/* The board_status row of the only board. */
static struct store_board_status *
only_board(struct store *s, size_t *n)
{
	struct store_board_status *b = NULL;

	assert_int_equal(store_board_status_list(s, &b, n, NULL), 0);
	return b;
}

static void
test_store_open_twice(void **state)
{
	struct store *s;
	struct stat st;
	char *dir, *db;

	/* A nested data dir is created 0700, the database 0600. */
	assert_int_equal(asprintf(&dir, "%s/a/b", (char *)*state) > 0, 1);
	s = store_open_dir(dir, 0, NULL);
	assert_non_null(s);
	assert_true(store_schema_latest() >= 1);
	assert_int_equal(store_schema_version(s), store_schema_latest());
	assert_int_equal(store_close(s, NULL), 0);
	s = store_open_dir(dir, 0, NULL); /* migrations already applied */
	assert_non_null(s);
	assert_int_equal(store_schema_version(s), store_schema_latest());
	assert_int_equal(store_close(s, NULL), 0);
	s = store_open_dir(dir, STORE_READONLY, NULL);
	assert_non_null(s);
	assert_int_equal(store_close(s, NULL), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	db = store_db_path(dir);
	assert_int_equal(stat(db, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(db);
	free(dir);
	/* :memory: works too. */
	s = store_open(":memory:", 0, NULL);
	assert_non_null(s);
	assert_int_equal(store_schema_version(s), store_schema_latest());
	store_close(s, NULL);
}

static void
test_store_readonly(void **state)
{
	struct store *s;
	char *cause = NULL;
	int64_t id;

	assert_false(store_db_exists(*state));
	assert_null(store_open_dir(*state, STORE_READONLY, &cause));
	assert_non_null(strstr(cause, "no database"));
	free(cause);
	cause = NULL;
	store_close(store_open_dir(*state, 0, NULL), NULL);
	assert_true(store_db_exists(*state));
	s = store_open_dir(*state, STORE_READONLY, NULL);
	assert_non_null(s);
	assert_int_equal(store_board_upsert(s, "x", NULL, 1, &id, &cause), -1);
	assert_non_null(cause);
	free(cause);
	store_close(s, NULL);
}

/* Rows are invisible to another connection until the batch commits. */
static void
test_store_batch_commit(void **state)
{
	struct store *w, *r;
	struct store_board_status *b;
	struct kr_report rep = make_report("00000000000000aa", 5000, 1);
	int64_t board, boot, t0, count;
	size_t n, i;

	store_close(store_open_dir(*state, 0, NULL), NULL);
	r = store_open_dir(*state, STORE_READONLY, NULL);
	w = store_open_dir(*state, 0, NULL);
	assert_non_null(r);
	assert_non_null(w);
	assert_int_equal(store_next_deadline(w), -1);
	t0 = store_clock_ms();
	assert_int_equal(store_board_upsert(w, "b1", NULL, 1, &board, NULL),
	    0);
	assert_int_equal(store_boot_begin(w, board, 2, &boot, NULL), 0);
	assert_int_equal(store_pending(w), 2);
	assert_true(store_next_deadline(w) >= t0 + STORE_BATCH_MS);
	b = only_board(r, &n);
	assert_int_equal(n, 0);
	store_board_status_list_free(b, n);
	/* Not due yet at t0; due STORE_BATCH_MS after the batch began. */
	assert_int_equal(store_flush_if_due(w, t0, NULL), 0);
	assert_int_equal(store_pending(w), 2);
	assert_int_equal(store_flush_if_due(w, store_clock_ms() +
	    STORE_BATCH_MS, NULL), 0);
	assert_int_equal(store_pending(w), 0);
	assert_int_equal(store_next_deadline(w), -1);
	b = only_board(r, &n);
	assert_int_equal(n, 1);
	assert_string_equal(b[0].name, "b1");
	assert_int_equal(b[0].boot_id, boot);
	store_board_status_list_free(b, n);
	/* A full batch commits inside the write call, with no flush. */
	for (i = 0; i < STORE_BATCH_ROWS; i++)
		assert_int_equal(store_report_add(w, board, boot,
		    STORE_SOURCE_NETCONSOLE, &rep, NULL, NULL), 0);
	assert_int_equal(store_pending(w), 0);
	assert_int_equal(store_report_count(r, 0, &count, NULL), 0);
	assert_int_equal(count, STORE_BATCH_ROWS);
	assert_int_equal(store_close(w, NULL), 0);
	store_close(r, NULL);
}

static void
test_store_report_signature(void **state)
{
	struct store *s;
	struct store_board_status *b;
	struct kr_report r1 = make_report("1111111111111111", 300, 10);
	struct kr_report r2 = make_report("1111111111111111", 100, 20);
	struct kr_report r3 = make_report("1111111111111111", 200, 30);
	struct kr_report r4 = make_report("2222222222222222", 400, 40);
	int64_t board, boot, id1 = 0, id2 = 0, count, first, last;
	size_t n;

	s = open_with_boot(*state, &board, &boot);
	assert_int_equal(store_report_add(s, board, boot, "netconsole", &r1,
	    &id1, NULL), 0);
	assert_int_equal(store_report_add(s, board, boot, "netconsole", &r2,
	    &id2, NULL), 0);
	assert_true(id2 > id1 && id1 > 0);
	assert_int_equal(store_report_add(s, board, boot, "netconsole", &r3,
	    NULL, NULL), 0);
	assert_int_equal(store_report_add(s, board, 0, "pstore", &r4, NULL,
	    NULL), 0); /* boot unknown */
	assert_int_equal(store_flush(s, NULL), 0);
	assert_int_equal(store_signature_get(s, "1111111111111111", &count,
	    &first, &last, NULL), 1);
	assert_int_equal(count, 3);
	assert_int_equal(first, 100);
	assert_int_equal(last, 300);
	assert_int_equal(store_signature_get(s, "2222222222222222", &count,
	    &first, &last, NULL), 1);
	assert_int_equal(count, 1);
	assert_int_equal(store_signature_get(s, "3333333333333333", &count,
	    &first, &last, NULL), 0);
	assert_int_equal(store_report_count(s, boot, &count, NULL), 0);
	assert_int_equal(count, 3);
	b = only_board(s, &n);
	assert_int_equal(n, 1);
	assert_int_equal(b[0].reports, 4);
	assert_int_equal(b[0].boot_reports, 3);
	store_board_status_list_free(b, n);
	/* A report of a board that does not exist is refused, batch lives. */
	assert_int_equal(store_report_add(s, board + 100, boot, "netconsole",
	    &r1, NULL, NULL), -1);
	assert_int_equal(store_flush(s, NULL), 0);
	assert_int_equal(store_report_count(s, 0, &count, NULL), 0);
	assert_int_equal(count, 4);
	assert_int_equal(store_close(s, NULL), 0);
}

/* Replacing a boot's reports twice leaves exactly the new set. */
static void
test_store_replace_no_duplicates(void **state)
{
	struct store *s;
	struct store_boot *boots;
	struct kr_report a1 = make_report("aaaaaaaaaaaaaaaa", 100, 5);
	struct kr_report a2 = make_report("aaaaaaaaaaaaaaaa", 150, 50);
	struct kr_report bb = make_report("bbbbbbbbbbbbbbbb", 120, 70);
	struct kr_report a3 = make_report("aaaaaaaaaaaaaaaa", 900, 3);
	struct kr_report p1 = make_report("dddddddddddddddd", 130, 1);
	struct kr_report na = make_report("aaaaaaaaaaaaaaaa", 140, 6);
	struct kr_report nc = make_report("cccccccccccccccc", 160, 80);
	struct kr_report *fresh[] = {&na, &nc};
	int64_t board, boot1, boot2, count, first, last;
	size_t old = 99, n, round;

	s = open_with_boot(*state, &board, &boot1);
	assert_int_equal(store_boot_begin(s, board, 3000, &boot2, NULL), 0);
	assert_int_equal(store_report_add(s, board, boot1, "netconsole", &a1,
	    NULL, NULL), 0);
	assert_int_equal(store_report_add(s, board, boot1, "netconsole", &a2,
	    NULL, NULL), 0);
	assert_int_equal(store_report_add(s, board, boot1, "netconsole", &bb,
	    NULL, NULL), 0);
	assert_int_equal(store_report_add(s, board, boot1, "pstore", &p1,
	    NULL, NULL), 0);
	assert_int_equal(store_report_add(s, board, boot2, "netconsole", &a3,
	    NULL, NULL), 0);
	/* Still in the batch: replace commits it first. */
	assert_int_equal(store_boot_list(s, NULL, &boots, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_int_equal(boots[0].max_line, 75);
	assert_int_equal(boots[0].reports, 4);
	store_boot_list_free(boots, n);
	for (round = 0; round < 2; round++) {
		assert_int_equal(store_boot_reports_replace(s, boot1,
		    "netconsole", fresh, 2, &old, NULL), 0);
		assert_int_equal(old, round == 0 ? 3 : 2);
		assert_int_equal(store_report_count(s, boot1, &count, NULL),
		    0);
		assert_int_equal(count, 3); /* 2 new + the pstore one */
		assert_int_equal(store_report_count(s, 0, &count, NULL), 0);
		assert_int_equal(count, 4);
		assert_int_equal(store_signature_get(s, "aaaaaaaaaaaaaaaa",
		    &count, &first, &last, NULL), 1);
		assert_int_equal(count, 2); /* na + a3 of boot 2 */
		assert_int_equal(first, 140);
		assert_int_equal(last, 900);
		assert_int_equal(store_signature_get(s, "bbbbbbbbbbbbbbbb",
		    &count, &first, &last, NULL), 1);
		assert_int_equal(count, 0); /* kept, with no reports */
		assert_int_equal(first, -1);
		assert_int_equal(store_signature_get(s, "cccccccccccccccc",
		    &count, &first, &last, NULL), 1);
		assert_int_equal(count, 1);
		assert_int_equal(store_signature_get(s, "dddddddddddddddd",
		    &count, &first, &last, NULL), 1);
		assert_int_equal(count, 1);
	}
	assert_int_equal(store_boot_list(s, NULL, &boots, &n, NULL), 0);
	assert_int_equal(boots[0].reports, 3);
	assert_int_equal(boots[0].max_line, 85);
	assert_int_equal(boots[1].reports, 1);
	store_boot_list_free(boots, n);
	/* A boot that does not exist changes nothing. */
	assert_int_equal(store_boot_reports_replace(s, 999, "netconsole",
	    fresh, 2, NULL, NULL), -1);
	assert_int_equal(store_report_count(s, 0, &count, NULL), 0);
	assert_int_equal(count, 4);
	assert_int_equal(store_close(s, NULL), 0);
}

static void
test_store_counters_and_stats(void **state)
{
	struct store *s;
	struct store_board_status *b;
	struct store_stat *st;
	struct store_counts d = {.lines = 10, .bytes = 500, .gaps = 1,
	    .duplicates = 2, .drops = 3};
	int64_t board, boot, boot2, end;
	size_t n, i;

	s = open_with_boot(*state, &board, &boot);
	assert_int_equal(store_boot_count(s, boot, &d, 7000, NULL), 0);
	assert_int_equal(store_boot_count(s, boot, &d, 6000, NULL), 0);
	assert_true(store_next_deadline(s) > 0);
	assert_int_equal(store_stat_add(s, "packets", 5, 1, NULL), 0);
	assert_int_equal(store_stat_add(s, "packets", 6, 2, NULL), 0);
	assert_int_equal(store_stat_set(s, "fragments_pending", 4, 3, NULL),
	    0);
	assert_int_equal(store_stat_add(s, "Bad Name", 1, 3, NULL), -1);
	assert_int_equal(store_stat_add(s, "boards", 1, 3, NULL), -1);
	assert_int_equal(store_boot_set_kernel(s, boot, "6.1.0-56-amd64",
	    "Linux version 6.1.0-56-amd64 (...)", NULL), 0);
	assert_int_equal(store_flush(s, NULL), 0);
	b = only_board(s, &n);
	assert_int_equal(n, 1);
	assert_int_equal(b[0].lines, 20);
	assert_int_equal(b[0].bytes, 1000);
	assert_int_equal(b[0].gaps, 2);
	assert_int_equal(b[0].duplicates, 4);
	assert_int_equal(b[0].drops, 6);
	assert_int_equal(b[0].last_seen_ms, 7000);
	assert_int_equal(b[0].boot_lines, 20);
	assert_string_equal(b[0].boot_release, "6.1.0-56-amd64");
	assert_string_equal(b[0].address, "10.0.2.15:6665");
	store_board_status_list_free(b, n);
	/* A new boot is the current one; the old one ended. */
	assert_int_equal(store_boot_end(s, boot, 8000, "reboot", NULL), 0);
	assert_int_equal(store_boot_begin(s, board, 8001, &boot2, NULL), 0);
	assert_int_equal(store_board_last_boot(s, board, &boot, &end, NULL),
	    0);
	assert_int_equal(boot, boot2);
	assert_int_equal(end, -1);
	assert_int_equal(store_boot_end(s, 12345, 1, NULL, NULL), -1);
	assert_int_equal(store_close(s, NULL), 0);
	/* Totals survive a restart; set values are replaced. */
	s = store_open_dir(*state, 0, NULL);
	assert_int_equal(store_stat_add(s, "packets", 100, 9, NULL), 0);
	assert_int_equal(store_close(s, NULL), 0);
	s = store_open_dir(*state, STORE_READONLY, NULL);
	assert_int_equal(store_stat_list(s, &st, &n, NULL), 0);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		if (strcmp(st[i].name, "packets") == 0)
			assert_int_equal(st[i].value, 111);
		else
			assert_int_equal(st[i].value, 4);
	}
	store_stat_list_free(st, n);
	b = only_board(s, &n);
	assert_int_equal(b[0].boot_id, boot2);
	assert_int_equal(b[0].boot_lines, 0);
	store_board_status_list_free(b, n);
	store_close(s, NULL);
}

/*
 * A full disk (here: RLIMIT_FSIZE, the same EFBIG/ENOSPC path for SQLite)
 * is an error with a cause; once there is room again the store works.
 */
static void
test_store_disk_full(void **state)
{
	static char big[200000];
	struct kr_report r = make_report("eeeeeeeeeeeeeeee", 1, 1);
	struct rlimit old, lim;
	struct store *s;
	char *cause = NULL;
	int64_t board, boot, count;
	int i, failed = 0;

	memset(big, 'x', sizeof(big) - 1);
	r.text = big;
	s = open_with_boot(*state, &board, &boot);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 2u << 20;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (i = 0; i < 100 && !failed; i++) {
		if (store_report_add(s, board, boot, "netconsole", &r, NULL,
		    &cause) != 0 || store_flush(s, &cause) != 0)
			failed = 1;
	}
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_true(failed);
	assert_non_null(cause);
	print_message("disk full after %d reports: %s\n", i, cause);
	free(cause);
	cause = NULL;
	/* Room again: the store is still usable. */
	r.text = "small";
	assert_int_equal(store_report_add(s, board, boot, "netconsole", &r,
	    NULL, &cause), 0);
	assert_int_equal(store_flush(s, &cause), 0);
	assert_int_equal(store_report_count(s, boot, &count, NULL), 0);
	assert_true(count >= 1 && count < 100);
	assert_int_equal(store_close(s, NULL), 0);
}

/*
 * Another writer holding the lock past the busy timeout: the flush fails,
 * the counter deltas stay pending and land on the next flush.
 */
static void
test_store_busy_keeps_deltas(void **state)
{
	struct store *w1, *w2;
	struct store_board_status *b;
	struct store_counts d = {.lines = 5, .bytes = 50};
	char *cause = NULL;
	int64_t board, boot, other;
	size_t n;

	w1 = open_with_boot(*state, &board, &boot);
	w2 = store_open_dir(*state, 0, NULL);
	assert_non_null(w2);
	assert_int_equal(store_board_upsert(w2, "other", NULL, 1, &other,
	    NULL), 0); /* w2's batch now holds the write lock */
	assert_int_equal(store_boot_count(w1, boot, &d, 77, NULL), 0);
	assert_int_equal(store_flush(w1, &cause), -1);
	assert_non_null(cause);
	print_message("busy: %s\n", cause);
	free(cause);
	assert_true(store_pending(w1) > 0);
	assert_int_equal(store_flush(w2, NULL), 0);
	assert_int_equal(store_flush(w1, NULL), 0);
	b = only_board(w1, &n);
	assert_int_equal(n, 2);
	assert_int_equal(b[0].lines + b[1].lines, 5);
	store_board_status_list_free(b, n);
	assert_int_equal(store_close(w1, NULL), 0);
	assert_int_equal(store_close(w2, NULL), 0);
}

static void
test_store_data_dir_default(void **state)
{
	char *d, *cause = NULL, *home = getenv("HOME");

	(void)state;
	home = home != NULL ? strdup(home) : NULL;
	setenv("KCATCH_DATA_DIR", "/x/data", 1);
	d = store_data_dir_default(NULL);
	assert_string_equal(d, "/x/data");
	free(d);
	setenv("KCATCH_DATA_DIR", "", 1); /* empty counts as unset */
	setenv("XDG_DATA_HOME", "/x/xdg", 1);
	d = store_data_dir_default(NULL);
	assert_string_equal(d, "/x/xdg/kcatch");
	free(d);
	unsetenv("KCATCH_DATA_DIR");
	unsetenv("XDG_DATA_HOME");
	setenv("HOME", "/home/u", 1);
	d = store_data_dir_default(NULL);
	assert_string_equal(d, "/home/u/.local/share/kcatch");
	free(d);
	unsetenv("HOME");
	assert_null(store_data_dir_default(&cause));
	assert_non_null(cause);
	free(cause);
	if (home != NULL)
		setenv("HOME", home, 1);
	free(home);
}

static void
test_store_collector_lock(void **state)
{
	int fd1 = -1, fd2 = -1;

	assert_int_equal(store_lock_collector(*state, &fd1, NULL), 1);
	assert_int_equal(store_lock_collector(*state, &fd2, NULL), 0);
	close(fd1);
	assert_int_equal(store_lock_collector(*state, &fd2, NULL), 1);
	close(fd2);
}

/* Console text of a WARN (from test-corpus/warn), fed as archive lines. */
static const char *const warn_lines[] = {
	"[    4.170528] crashme: performing WARNING",
	"[    4.170793] ------------[ cut here ]------------",
	"[    4.170930] crashme: WARNING requested",
	"[    4.171095] WARNING: CPU: 1 PID: 127 at /build/crashme/crashme.c:55"
	    " crashme_write+0x135/0x516 [crashme]",
	"[    4.171369] Modules linked in: netconsole crashme(OE) virtio_net",
	"[    4.171810] CPU: 1 PID: 127 Comm: sh Tainted: G        W  OE      "
	    "6.1.0-56-amd64 #1  Debian 6.1.192-2",
	"[    4.172036] Hardware name: QEMU Standard PC (i440FX + PIIX, 1996),"
	    " BIOS 1.16.2-debian-1.16.2-1 04/01/2014",
	"[    4.172259] RIP: 0010:crashme_write+0x135/0x516 [crashme]",
	"[    4.172833] RSP: 0018:ffffc900003d39f0 EFLAGS: 00000286",
	"[    4.174338] Call Trace:",
	"[    4.174400]  <TASK>",
	"[    4.174500]  full_proxy_write+0x55/0x80",
	"[    4.174600]  vfs_write+0xc3/0x3a0",
	"[    4.174700]  ksys_write+0x5f/0xe0",
	"[    4.174800]  do_syscall_64+0x55/0xb0",
	"[    4.174900]  entry_SYSCALL_64_after_hwframe+0x6e/0xd8",
	"[    4.175000]  </TASK>",
	"[    4.175100] ---[ end trace 0000000000000000 ]---",
	"[    9.000000] e2e: after the warning",
};

/* Archive warn_lines (twice, far apart) as boot of board "qemu1". */
static void
archive_warns(const char *dir, int64_t boot)
{
	struct archive_writer *w;
	struct archive_line l = {.ktime_us = -1, .seq = ARCHIVE_SEQ_NONE,
	    .level = -1};
	size_t i, k, n = sizeof(warn_lines) / sizeof(warn_lines[0]);

	w = archive_writer_open(dir, "qemu1", boot, NULL);
	assert_non_null(w);
	for (k = 0; k < 2; k++)
		for (i = 0; i < n; i++) {
			l.text = warn_lines[i];
			l.len = strlen(warn_lines[i]);
			l.recv_ms = 1700000000000 + (int64_t)(k * 60000 + i);
			assert_int_equal(archive_writer_append(w, &l, NULL,
			    NULL), 0);
		}
	assert_int_equal(archive_writer_close(w, NULL), 0);
}

/* Run a command with stdout sent to a file; returns its exit code. */
static int
run_cmd(int (*cmd)(int, char **), char **argv, const char *out)
{
	int argc = 0, fd, saved, ret;

	while (argv[argc] != NULL)
		argc++;
	fflush(stdout);
	saved = dup(1);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0 && saved >= 0);
	dup2(fd, 1);
	close(fd);
	ret = cmd(argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	return ret;
}

/* kcatch reparse twice: reports come from the archive, never doubled. */
static void
test_store_cmd_reparse(void **state)
{
	struct kr_report stale = make_report("5555555555555555", 1, 2);
	char *dir = *state, *out;
	char *argv[] = {"reparse", "--data-dir", dir, NULL};
	struct store *s;
	int64_t board, boot, count, first, last, after1;

	assert_int_equal(asprintf(&out, "%s/out.txt", dir) > 0, 1);
	s = open_with_boot(dir, &board, &boot);
	archive_warns(dir, boot);
	assert_int_equal(store_boot_set_archive(s, boot,
	    "archive/qemu1/00000001.kca.gz", NULL), 0);
	assert_int_equal(store_boot_end(s, boot, 9000, "test", NULL), 0);
	/* A report an older parser made; reparse replaces it. */
	assert_int_equal(store_report_add(s, board, boot, "netconsole",
	    &stale, NULL, NULL), 0);
	assert_int_equal(store_close(s, NULL), 0);

	assert_int_equal(run_cmd(cmd_reparse, argv, out), CMD_EXIT_OK);
	s = store_open_dir(dir, STORE_READONLY, NULL);
	assert_int_equal(store_report_count(s, boot, &after1, NULL), 0);
	assert_int_equal(after1, 2); /* the WARN, twice */
	assert_int_equal(store_signature_get(s, "5555555555555555", &count,
	    &first, &last, NULL), 1);
	assert_int_equal(count, 0);
	store_close(s, NULL);

	assert_int_equal(run_cmd(cmd_reparse, argv, out), CMD_EXIT_OK);
	s = store_open_dir(dir, STORE_READONLY, NULL);
	assert_int_equal(store_report_count(s, 0, &count, NULL), 0);
	assert_int_equal(count, after1);
	store_close(s, NULL);

	/* Archive gone: the boot is reported as failed, rows stay. */
	{
		char *p = archive_path(dir, "qemu1", boot);

		assert_int_equal(unlink(p), 0);
		free(p);
	}
	assert_int_equal(run_cmd(cmd_reparse, argv, out), CMD_EXIT_DATA);
	s = store_open_dir(dir, STORE_READONLY, NULL);
	assert_int_equal(store_report_count(s, 0, &count, NULL), 0);
	assert_int_equal(count, after1);
	store_close(s, NULL);
	free(out);
}

/* A stored report past the archive's end: reparse skips the boot. */
static void
test_store_cmd_reparse_short_archive(void **state)
{
	struct kr_report far = make_report("6666666666666666", 1, 500);
	char *dir = *state, *out;
	char *argv[] = {"reparse", "--data-dir", dir, NULL};
	char *force[] = {"reparse", "--data-dir", dir, "--force", NULL};
	struct store *s;
	int64_t board, boot, count;

	assert_int_equal(asprintf(&out, "%s/out.txt", dir) > 0, 1);
	s = open_with_boot(dir, &board, &boot);
	archive_warns(dir, boot);
	assert_int_equal(store_boot_set_archive(s, boot,
	    "archive/qemu1/00000001.kca.gz", NULL), 0);
	assert_int_equal(store_report_add(s, board, boot, "netconsole", &far,
	    NULL, NULL), 0);
	assert_int_equal(store_close(s, NULL), 0);
	assert_int_equal(run_cmd(cmd_reparse, argv, out), CMD_EXIT_OK);
	s = store_open_dir(dir, STORE_READONLY, NULL);
	assert_int_equal(store_report_count(s, boot, &count, NULL), 0);
	assert_int_equal(count, 1); /* untouched */
	store_close(s, NULL);
	assert_int_equal(run_cmd(cmd_reparse, force, out), CMD_EXIT_OK);
	s = store_open_dir(dir, STORE_READONLY, NULL);
	assert_int_equal(store_report_count(s, boot, &count, NULL), 0);
	assert_int_equal(count, 2);
	store_close(s, NULL);
	/* With a collector holding the lock, an open boot is skipped. */
	{
		struct kr_report extra = make_report("7777777777777777", 1, 3);
		int fd;

		s = store_open_dir(dir, 0, NULL);
		assert_int_equal(store_report_add(s, board, boot, "netconsole",
		    &extra, NULL, NULL), 0);
		assert_int_equal(store_close(s, NULL), 0);
		assert_int_equal(store_lock_collector(dir, &fd, NULL), 1);
		assert_int_equal(run_cmd(cmd_reparse, force, out),
		    CMD_EXIT_OK);
		close(fd);
		s = store_open_dir(dir, STORE_READONLY, NULL);
		assert_int_equal(store_report_count(s, boot, &count, NULL), 0);
		assert_int_equal(count, 3); /* untouched */
		store_close(s, NULL);
		assert_int_equal(run_cmd(cmd_reparse, force, out),
		    CMD_EXIT_OK);
		s = store_open_dir(dir, STORE_READONLY, NULL);
		assert_int_equal(store_report_count(s, boot, &count, NULL), 0);
		assert_int_equal(count, 2); /* lock free: replaced */
		store_close(s, NULL);
	}
	free(out);
}

/* kcatch status --json: one object with the contract keys. */
static void
test_store_cmd_status_json(void **state)
{
	static const char *const board_keys[] = {"name", "address", "lines",
	    "bytes", "reports", "gaps", "duplicates", "drops", "last_seen",
	    "boot"};
	static const char *const top_keys[] = {"packets", "malformed",
	    "socket_drops"};
	char *dir = *state, *out;
	char *argv[] = {"status", "--data-dir", dir, "--json", NULL};
	char *text[] = {"status", "--data-dir", dir, NULL};
	struct store_counts d = {.lines = 3, .bytes = 30};
	json_t *root, *boards, *b;
	json_error_t err;
	struct store *s;
	int64_t board, boot;
	size_t i;

	assert_int_equal(asprintf(&out, "%s/out.json", dir) > 0, 1);
	assert_int_equal(run_cmd(cmd_status, argv, out), CMD_EXIT_DATA);
	s = open_with_boot(dir, &board, &boot);
	assert_int_equal(store_boot_count(s, boot, &d, 1700000000123, NULL),
	    0);
	assert_int_equal(store_stat_add(s, "packets", 42, 1, NULL), 0);
	assert_int_equal(store_close(s, NULL), 0);
	assert_int_equal(run_cmd(cmd_status, argv, out), CMD_EXIT_OK);
	root = json_load_file(out, 0, &err);
	assert_non_null(root);
	boards = json_object_get(root, "boards");
	assert_true(json_is_array(boards));
	assert_int_equal(json_array_size(boards), 1);
	b = json_array_get(boards, 0);
	for (i = 0; i < sizeof(board_keys) / sizeof(board_keys[0]); i++)
		assert_non_null(json_object_get(b, board_keys[i]));
	for (i = 0; i < sizeof(top_keys) / sizeof(top_keys[0]); i++)
		assert_true(json_is_integer(json_object_get(root,
		    top_keys[i])));
	assert_string_equal(json_string_value(json_object_get(b, "name")),
	    "qemu1");
	assert_int_equal(json_integer_value(json_object_get(b, "lines")), 3);
	assert_int_equal(json_integer_value(json_object_get(b, "last_seen")),
	    1700000000123);
	assert_int_equal(json_integer_value(json_object_get(b, "boot")),
	    boot);
	assert_int_equal(json_integer_value(json_object_get(root,
	    "packets")), 42);
	assert_int_equal(json_integer_value(json_object_get(root,
	    "malformed")), 0);
	json_decref(root);
	assert_int_equal(run_cmd(cmd_status, text, out), CMD_EXIT_OK);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup_dir, teardown_dir)
		T(test_store_open_twice),
		T(test_store_readonly),
		T(test_store_batch_commit),
		T(test_store_report_signature),
		T(test_store_replace_no_duplicates),
		T(test_store_counters_and_stats),
		T(test_store_disk_full),
		T(test_store_busy_keeps_deltas),
		T(test_store_data_dir_default),
		T(test_store_collector_lock),
		T(test_store_cmd_reparse),
		T(test_store_cmd_reparse_short_archive),
		T(test_store_cmd_status_json),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
