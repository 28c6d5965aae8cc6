/* SPDX-License-Identifier: MIT */
/*
 * test_board.c -- unit tests of board.c: source keys and names, boot
 * markers, the source -> board table (address AND port, config names,
 * any-port boards, unknown sources registered or dropped, max_boards),
 * boot detection, the per-source rate limit and the writer queue share.
 * The writer thread is not started, so what was queued stays countable;
 * one test starts it and checks the database and archive it produced.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "board.h"
#include "conf.h"
#include "store.h"
#include "writer.h"

/* A table with its writer, config and event base. */
struct fixture {
	struct event_base *base;
	struct conf *conf;
	struct writer *writer;
	struct board_table *t;
	char dir[64];
	int64_t mono, wall;
};

/* Build a fixture; conf_text holds "key=value;..." [collect] settings. */
static struct fixture *
fixture_new(const char *const *sets, size_t source_bytes, bool start)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct writer_config wc = {0};
	struct board_table_config bc;
	struct store *s;
	char *cause = NULL, key[64];
	const char *eq;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/kcatch-test-board-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->base = event_base_new();
	f->conf = conf_new();
	for (; sets != NULL && *sets != NULL; sets++) {
		eq = strchr(*sets, '=');
		snprintf(key, sizeof(key), "%.*s", (int)(eq - *sets), *sets);
		if (!strncmp(key, "board ", 6))
			assert_int_equal(conf_set(f->conf, key, "address",
			    eq + 1, "test", &cause), 0);
		else
			assert_int_equal(conf_set(f->conf, "collect", key,
			    eq + 1, "test", &cause), 0);
	}
	assert_int_equal(conf_check(f->conf, &cause), 0);
	s = store_open_dir(f->dir, 0, &cause);
	if (s == NULL)
		fail_msg("store_open_dir: %s", cause);
	wc.data_dir = f->dir;
	wc.queue_bytes = 8 << 20;
	wc.source_bytes = source_bytes;
	wc.db_batch_ms = 50;
	wc.archive_flush_ms = 100;
	f->writer = writer_new(&wc, s, &cause);
	assert_non_null(f->writer);
	if (start)
		assert_int_equal(writer_start(f->writer, &cause), 0);
	bc = (struct board_table_config){.base = f->base, .writer = f->writer,
	    .conf = f->conf};
	f->t = board_table_new(&bc, &cause);
	if (f->t == NULL)
		fail_msg("board_table_new: %s", cause);
	f->mono = 1000;
	f->wall = 1700000000000;
	board_table_clock(f->t, f->mono, f->wall);
	return f;
}

static void
fixture_free(struct fixture *f)
{
	char cmd[128];

	writer_stop(f->writer, NULL);
	board_table_free(f->t);
	writer_free(f->writer);
	conf_free(f->conf);
	event_base_free(f->base);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
}

/* Send text from ip:port. */
static void
send_from(struct fixture *f, const char *ip, int port, const char *text)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char spec[80];

	snprintf(spec, sizeof(spec), strchr(ip, ':') ? "[%s]:%d" : "%s:%d",
	    ip, port);
	assert_int_equal(conf_parse_addr(spec, 0, &ss, &len, NULL, NULL), 0);
	board_input(f->t, (struct sockaddr *)&ss, len, text, strlen(text),
	    false);
}

/* Let time pass by ms and run every board's timer work. */
static void
advance(struct fixture *f, int64_t ms)
{
	f->mono += ms;
	f->wall += ms;
	board_table_clock(f->t, f->mono, f->wall);
	board_table_tick(f->t);
}

/* Send ext record seq with text from ip:port. */
static void
send_rec(struct fixture *f, const char *ip, int port, unsigned seq,
    const char *text)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "6,%u,%u,-;%s\n", seq, 1000 + seq * 10,
	    text);
	send_from(f, ip, port, buf);
}

static void
test_board_addr_keys(void **state)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
	    .sin_port = htons(6665)};
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6,
	    .sin6_port = htons(6665)};
	struct sockaddr sa = {.sa_family = AF_UNIX};
	struct board_addr k4, k6;
	char name[80];

	(void)state;
	inet_pton(AF_INET, "127.0.0.2", &sin.sin_addr);
	inet_pton(AF_INET6, "::ffff:127.0.0.2", &sin6.sin6_addr);
	assert_int_equal(board_addr_from(&k4, (void *)&sin, sizeof(sin)), 0);
	assert_int_equal(board_addr_from(&k6, (void *)&sin6, sizeof(sin6)), 0);
	/* A dual-stack socket reports IPv4 sources as v4-mapped IPv6. */
	assert_int_equal(k6.family, AF_INET);
	assert_memory_equal(k4.addr, k6.addr, sizeof(k4.addr));
	assert_int_equal(k4.port, 6665);
	board_auto_name(&k4, name, sizeof(name));
	assert_string_equal(name, "127.0.0.2-6665");
	inet_pton(AF_INET6, "fd00::1", &sin6.sin6_addr);
	assert_int_equal(board_addr_from(&k6, (void *)&sin6, sizeof(sin6)), 0);
	board_auto_name(&k6, name, sizeof(name));
	assert_string_equal(name, "fd00::1-6665");
	assert_int_equal(board_addr_from(&k6, &sa, sizeof(sa)), -1);
	assert_int_equal(board_addr_from(&k6, (void *)&sin, 4), -1);
}

static void
test_board_line_marks(void **state)
{
	static const struct {
		const char *line;
		unsigned marks;
		const char *release;
	} cases[] = {
		{"Linux version 6.1.0-56-amd64 (debian-kernel@lists) #1 SMP",
		    BOARD_MARK_VERSION, "6.1.0-56-amd64"},
		{"[    0.000000] Linux version 6.12.95+deb12-amd64 (x) #1",
		    BOARD_MARK_VERSION, "6.12.95+deb12-amd64"},
		{"<5>[    0.000000][    T0] Linux version 6.1.0 (gcc)",
		    BOARD_MARK_VERSION, "6.1.0"},
		{"[    0.000000] Booting Linux on physical CPU 0x0000000000 "
		    "[0x410fd083]", BOARD_MARK_BOOTING, ""},
		{"Booting Linux on physical CPU 0x0", BOARD_MARK_BOOTING, ""},
		{"Linux version ", 0, ""},
		{"Linux version", 0, ""},
		{"foo Linux version 6.1", 0, ""},
		{"[ 12.0] audit: Linux version check", 0, ""},
		{"", 0, ""},
		{"[", 0, ""},
		{"<6", 0, ""},
	};
	char rel[NC_RELEASE_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rel[0] = '\0';
		if (board_line_marks(cases[i].line, strlen(cases[i].line), rel,
		    sizeof(rel)) != cases[i].marks)
			fail_msg("case %zu '%s'", i, cases[i].line);
		if (cases[i].marks == BOARD_MARK_VERSION)
			assert_string_equal(rel, cases[i].release);
	}
	/* A long release is cut to the buffer. */
	assert_int_equal(board_line_marks("Linux version 1234567890", 24, rel,
	    5), BOARD_MARK_VERSION);
	assert_string_equal(rel, "1234");
}

static void
test_board_identity(void **state)
{
	static const char *const sets[] = {
		"board exact=10.0.0.5:7000",
		"board anyport=10.0.0.6",
		NULL,
	};
	struct fixture *f = fixture_new(sets, 1 << 20, false);

	(void)state;
	send_rec(f, "127.0.0.2", 6665, 0, "a");
	send_rec(f, "127.0.0.2", 6666, 0, "b");	 /* NAT: same ip */
	send_rec(f, "127.0.0.2", 6665, 1, "a2");
	send_rec(f, "10.0.0.5", 7000, 0, "exact");
	send_rec(f, "10.0.0.5", 7001, 0, "other port: unknown");
	send_rec(f, "10.0.0.6", 1, 0, "any");
	send_rec(f, "10.0.0.6", 2, 1, "any, other port");
	send_rec(f, "fd00::9", 6665, 0, "v6");
	advance(f, 1000);
	assert_int_equal(board_count(f->t), 6);
	assert_non_null(board_find(f->t, "127.0.0.2-6665"));
	assert_non_null(board_find(f->t, "127.0.0.2-6666"));
	assert_non_null(board_find(f->t, "exact"));
	assert_non_null(board_find(f->t, "10.0.0.5-7001"));
	assert_non_null(board_find(f->t, "fd00::9-6665"));
	assert_int_equal(board_find(f->t, "anyport")->c.lines, 2);
	assert_true(board_find(f->t, "anyport")->named);
	assert_false(board_find(f->t, "127.0.0.2-6665")->named);
	assert_int_equal(board_find(f->t, "127.0.0.2-6665")->c.lines, 2);
	assert_int_equal(board_find(f->t, "127.0.0.2-6665")->c.packets, 2);
	fixture_free(f);
}

static void
test_board_unknown_drop_and_max(void **state)
{
	static const char *const drop[] = {"unknown_boards=drop",
	    "board known=10.0.0.1", NULL};
	static const char *const max[] = {"max_boards=2", NULL};
	struct board_totals tot;
	struct fixture *f;

	(void)state;
	f = fixture_new(drop, 1 << 20, false);
	send_rec(f, "10.0.0.1", 6665, 0, "known");
	send_rec(f, "10.0.0.2", 6665, 0, "stranger");
	send_rec(f, "10.0.0.2", 6665, 1, "stranger");
	board_table_totals(f->t, &tot);
	assert_int_equal(tot.boards, 1);
	assert_int_equal(tot.unknown_drops, 2);
	fixture_free(f);

	f = fixture_new(max, 1 << 20, false);
	send_rec(f, "10.0.0.1", 1, 0, "one");
	send_rec(f, "10.0.0.2", 1, 0, "two");
	send_rec(f, "10.0.0.3", 1, 0, "three: over max_boards");
	send_rec(f, "10.0.0.1", 1, 1, "one again");
	advance(f, 1000);
	board_table_totals(f->t, &tot);
	assert_int_equal(tot.boards, 2);
	assert_int_equal(tot.full_drops, 1);
	assert_int_equal(tot.c.lines, 3);
	fixture_free(f);
}

static void
test_board_boots(void **state)
{
	struct fixture *f = fixture_new(NULL, 1 << 20, false);
	struct board *b;

	(void)state;
	send_rec(f, "10.0.0.1", 6665, 100, "some line of a running boot");
	advance(f, 200);
	b = board_find(f->t, "10.0.0.1-6665");
	assert_non_null(b);
	assert_int_equal(b->c.boots, 1);	/* resumed */
	assert_false(b->boot_fresh);
	send_rec(f, "10.0.0.1", 6665, 101, "second");
	advance(f, 200);
	assert_int_equal(b->line, 2);
	/* A Linux version line is a reboot, numbering starts over. */
	send_rec(f, "10.0.0.1", 6665, 102, "Linux version 6.1.0-56-amd64 (x)");
	advance(f, 200);
	assert_int_equal(b->c.boots, 2);
	assert_true(b->boot_fresh);
	assert_int_equal(b->line, 1);
	/* arm64 prints "Booting Linux" next to it: still the same boot. */
	send_rec(f, "10.0.0.1", 6665, 103, "Booting Linux on physical CPU 0x0");
	advance(f, 200);
	assert_int_equal(b->c.boots, 2);
	/* A second Linux version line is another boot. */
	send_rec(f, "10.0.0.1", 6665, 104, "Linux version 6.1.0-56-amd64 (x)");
	advance(f, 200);
	assert_int_equal(b->c.boots, 3);
	assert_int_equal(b->line, 1);
	/* A plain board whose first line is a marker begins a new boot. */
	send_from(f, "10.0.0.2", 6665, "[    0.000000] Linux version 6.1 (a)\n");
	advance(f, 200);
	b = board_find(f->t, "10.0.0.2-6665");
	assert_int_equal(b->c.boots, 1);
	assert_true(b->boot_fresh);
	fixture_free(f);
}

static void
test_board_rate_limit(void **state)
{
	static const char *const sets[] = {"source_rate=10", NULL};
	struct fixture *f = fixture_new(sets, 1 << 20, false);
	struct board *b;
	unsigned i;

	(void)state;
	/* Alone, a board is not capped, but it uses up its bucket. */
	for (i = 0; i < 25; i++)
		send_rec(f, "10.0.0.1", 6665, i, "alone");
	b = board_find(f->t, "10.0.0.1-6665");
	assert_int_equal(b->c.packets, 25);
	assert_int_equal(b->c.rate_drops, 0);
	send_rec(f, "10.0.0.2", 6665, 0, "another source is not limited");
	assert_int_equal(board_find(f->t, "10.0.0.2-6665")->c.rate_drops, 0);
	for (i = 25; i < 30; i++)
		send_rec(f, "10.0.0.1", 6665, i, "flood, capped at once");
	assert_int_equal(b->c.rate_drops, 5);
	/* Half a second later, five more tokens. */
	advance(f, 500);
	for (i = 30; i < 40; i++)
		send_rec(f, "10.0.0.1", 6665, i, "flood");
	assert_int_equal(b->c.rate_drops, 10);
	/* Ten seconds after the other board's last datagram it is alone. */
	advance(f, 9600);
	for (i = 40; i < 80; i++)
		send_rec(f, "10.0.0.1", 6665, i, "alone again");
	assert_int_equal(b->c.rate_drops, 10);
	fixture_free(f);
}

static void
test_board_queue_share(void **state)
{
	struct fixture *f = fixture_new(NULL, 64 * 1024, false);
	struct board *a, *b;
	char text[300];
	unsigned i;

	(void)state;
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	/* The writer is not running: board a fills its 64 KiB share... */
	for (i = 0; i < 400; i++)
		send_rec(f, "10.0.0.1", 6665, i, text);
	advance(f, 200);
	a = board_find(f->t, "10.0.0.1-6665");
	assert_true(a->c.share_drops > 0);
	assert_true(a->c.lines < 400);
	assert_int_equal(a->c.lines + a->c.share_drops, 400);
	/* ... and board b still gets its lines queued. */
	for (i = 0; i < 100; i++)
		send_rec(f, "10.0.0.2", 6665, i, "short");
	advance(f, 200);
	b = board_find(f->t, "10.0.0.2-6665");
	assert_int_equal(b->c.lines, 100);
	assert_int_equal(b->c.share_drops, 0);
	fixture_free(f);
}

static void
test_board_to_store(void **state)
{
	struct fixture *f = fixture_new(NULL, 1 << 20, true);
	struct store_boot *boots = NULL;
	struct store *s;
	char *cause = NULL;
	size_t n = 0;

	(void)state;
	send_rec(f, "10.0.0.1", 6665, 0, "Linux version 6.1.0-test (x) #1");
	send_rec(f, "10.0.0.1", 6665, 1, "line two\\x0aline three");
	send_rec(f, "10.0.0.1", 6665, 2, "Linux version 6.1.0-test (x) #1");
	advance(f, 200);
	writer_commit_now(f->writer);
	assert_int_equal(writer_stop(f->writer, &cause), 0);
	s = store_open_dir(f->dir, STORE_READONLY, &cause);
	assert_non_null(s);
	assert_int_equal(store_boot_list(s, "10.0.0.1-6665", &boots, &n,
	    &cause), 0);
	assert_int_equal(n, 2);
	assert_int_equal(boots[0].lines, 3);
	assert_int_equal(boots[1].lines, 1);
	assert_string_equal(boots[0].release, "6.1.0-test");
	assert_true(boots[0].end_ms != -1);
	assert_int_equal(boots[1].end_ms, -1);
	store_boot_list_free(boots, n);
	store_close(s, NULL);
	fixture_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_board_addr_keys),
		cmocka_unit_test(test_board_line_marks),
		cmocka_unit_test(test_board_identity),
		cmocka_unit_test(test_board_unknown_drop_and_max),
		cmocka_unit_test(test_board_boots),
		cmocka_unit_test(test_board_rate_limit),
		cmocka_unit_test(test_board_queue_share),
		cmocka_unit_test(test_board_to_store),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
