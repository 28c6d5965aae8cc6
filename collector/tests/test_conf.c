/* SPDX-License-Identifier: MIT */
/*
 * test_conf.c -- unit tests of conf.c: defaults, the INI file, command-line
 * style overrides, `file:line: message` errors, address and number parsing,
 * whole-config checks, and that docs/config.md matches the keyword table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"

/* Write text to a fresh temporary file; returns its malloc'd path. */
static char *
write_tmp(const char *text)
{
	char *path = strdup("/tmp/kcatch-test-conf-XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* Load text as a config file; returns 0/-1 and the cause. */
static int
load_text(struct conf *c, const char *text, char **cause, char **pathp)
{
	char *path = write_tmp(text);
	int rc;

	rc = conf_load(c, path, cause);
	if (pathp != NULL)
		*pathp = path;
	else {
		unlink(path);
		free(path);
	}
	return rc;
}

/* Expect text to fail at line with a message containing what. */
static void
expect_error(const char *text, int line, const char *what)
{
	struct conf *c = conf_new();
	char *cause = NULL, *path = NULL, prefix[128];
	int rc;

	assert_non_null(c);
	rc = load_text(c, text, &cause, &path);
	if (rc == 0)
		rc = conf_check(c, &cause);
	assert_int_equal(rc, -1);
	assert_non_null(cause);
	if (line > 0) {
		snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
		if (strncmp(cause, prefix, strlen(prefix)) != 0)
			fail_msg("expected '%s...', got '%s'", prefix, cause);
	}
	if (strstr(cause, what) == NULL)
		fail_msg("expected '%s' in '%s'", what, cause);
	unlink(path);
	free(path);
	free(cause);
	conf_free(c);
}

static void
test_conf_defaults(void **state)
{
	struct conf *c = conf_new();
	char *cause = NULL;

	(void)state;
	assert_non_null(c);
	assert_int_equal(c->nlisten, 1);
	assert_string_equal(c->listen[0], "[::]:6666");
	assert_null(c->data_dir);
	assert_int_equal(c->rcvbuf, 32 * 1024 * 1024);
	assert_int_equal(c->unknown, CONF_UNKNOWN_REGISTER);
	assert_int_equal(c->db_batch_ms, 100);
	assert_true(c->stats_ms <= 1000);
	assert_int_equal(c->quiet_ms, 2000);
	assert_int_equal(conf_check(c, &cause), 0);
	conf_free(c);
}

static void
test_conf_file(void **state)
{
	static const char text[] =
	    "; kcatch test config\n"
	    "[collect]\n"
	    "data_dir = /tmp/kc\n"
	    "listen = 127.0.0.1:7000\n"
	    "listen = [::1]:7001\n"
	    "rcvbuf = 8m\n"
	    "unknown_boards = drop\n"
	    "source_rate = 0\n"
	    "\n"
	    "# a board with two addresses and ssh details\n"
	    "[board rk3568]\n"
	    "address = 192.168.1.50\n"
	    "address = [fd00::5]:6665\n"
	    "ssh_user = admin\n"
	    "ssh_port = 2222\n"
	    "ssh_key = /etc/kcatch/id\n"
	    "\n"
	    "[board qemu1]\n"
	    "address = 127.0.0.1:47665\n";
	struct conf *c = conf_new();
	const struct conf_board *b;
	const struct sockaddr_in6 *sin6;
	char *cause = NULL;

	(void)state;
	assert_int_equal(load_text(c, text, &cause, NULL), 0);
	assert_int_equal(conf_check(c, &cause), 0);
	assert_string_equal(c->data_dir, "/tmp/kc");
	assert_int_equal(c->nlisten, 2);
	assert_string_equal(c->listen[0], "127.0.0.1:7000");
	assert_string_equal(c->listen[1], "[::1]:7001");
	assert_int_equal(c->rcvbuf, 8 * 1024 * 1024);
	assert_int_equal(c->unknown, CONF_UNKNOWN_DROP);
	assert_int_equal(c->source_rate, 0);
	assert_int_equal(c->nboards, 2);
	b = conf_board_find(c, "rk3568");
	assert_non_null(b);
	assert_int_equal(b->naddrs, 2);
	assert_true(b->addrs[0].any_port);
	assert_int_equal(b->addrs[0].ss.ss_family, AF_INET);
	assert_false(b->addrs[1].any_port);
	sin6 = (const struct sockaddr_in6 *)&b->addrs[1].ss;
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(sin6->sin6_port), 6665);
	assert_string_equal(b->ssh_user, "admin");
	assert_int_equal(b->ssh_port, 2222);
	assert_string_equal(b->ssh_key, "/etc/kcatch/id");
	assert_null(b->ssh_host);
	b = conf_board_find(c, "qemu1");
	assert_non_null(b);
	assert_int_equal(b->ssh_port, 22);
	assert_null(conf_board_find(c, "nope"));
	conf_free(c);
}

static void
test_conf_errors(void **state)
{
	(void)state;
	expect_error("[collect]\nbogus = 1\n", 2, "unknown keyword 'bogus'");
	expect_error("[collect]\n\nrcvbuf = 1\n", 3, "out of range");
	expect_error("[collect]\nrcvbuf = lots\n", 2, "not a number");
	expect_error("[collect]\nlisten = 1.2.3.4:99999\n", 2, "bad port");
	expect_error("[collect]\nlisten = host.example:6666\n", 2,
	    "not a numeric");
	expect_error("[collect]\nunknown_boards = maybe\n", 2,
	    "not one of the choices");
	expect_error("[wat]\nx = 1\n", 2, "unknown section [wat]");
	expect_error("[board bad/name]\naddress = 1.2.3.4\n", 2,
	    "bad board name");
	expect_error("[board b]\naddress = 1.2.3.4:6665:7\n", 2,
	    "not a numeric");
	expect_error("[board b]\nssh_port = 0\n", 2, "out of range");
	expect_error("[board b]\naddress = 10.1.1.1:0\n", 2, "port 0");
	expect_error("[collect]\nthis line has no equals sign\n", 2,
	    "syntax error");
	expect_error("[collect]\n# fine\n[board x\n", 3, "syntax error");
	/* The first error is reported, later ones are still parsed. */
	expect_error("[collect]\nverbose = 9\nbogus = 2\n", 2, "verbose");
}

static void
test_conf_long_line(void **state)
{
	char text[1024];

	(void)state;
	snprintf(text, sizeof(text), "[collect]\nlog_file = /%0400d\n"
	    "verbose = 1\n", 0);
	expect_error(text, 2, "line longer than");
}

static void
test_conf_check(void **state)
{
	(void)state;
	expect_error("[board a]\naddress = 10.0.0.1\n[board b]\n"
	    "address = 10.0.0.1:6665\n", 0, "same source address");
	expect_error("[board a]\naddress = 10.0.0.1:1\naddress = 10.0.0.1:1\n",
	    0, "address listed twice");
	expect_error("[board a]\nssh_user = root\n", 0, "no address");
	expect_error("[collect]\nmax_boards = 1\n[board a]\naddress = 1.1.1.1"
	    "\n[board b]\naddress = 1.1.1.2\n", 0, "max_boards");
}

static void
test_conf_ports_distinguish_boards(void **state)
{
	struct conf *c = conf_new();
	char *cause = NULL;

	(void)state;
	/* Two boards behind one address (NAT, QEMU user networking). */
	assert_int_equal(load_text(c, "[board a]\naddress = 10.0.2.2:6665\n"
	    "[board b]\naddress = 10.0.2.2:6667\n", &cause, NULL), 0);
	assert_int_equal(conf_check(c, &cause), 0);
	assert_int_equal(c->nboards, 2);
	conf_free(c);
}

static void
test_conf_set_overrides(void **state)
{
	struct conf *c = conf_new();
	char *cause = NULL;

	(void)state;
	assert_int_equal(load_text(c, "[collect]\nlisten = 127.0.0.1:1\n"
	    "quiet_ms = 500\n", &cause, NULL), 0);
	/* --listen replaces every listen of the file. */
	conf_listen_clear(c);
	assert_int_equal(conf_set(c, "collect", "listen", "127.0.0.1:0",
	    "--listen", &cause), 0);
	assert_int_equal(c->nlisten, 1);
	assert_string_equal(c->listen[0], "127.0.0.1:0");
	assert_int_equal(conf_set(c, "collect", "quiet_ms", "700", "--set",
	    &cause), 0);
	assert_int_equal(c->quiet_ms, 700);
	assert_int_equal(conf_set(c, "collect", "quiet_ms", "1", "--set",
	    &cause), -1);
	assert_string_equal(cause, "--set: quiet_ms: '1' is out of range "
	    "[100, 600000]");
	free(cause);
	assert_int_equal(c->quiet_ms, 700);
	assert_int_equal(conf_set(c, "collect", "data_dir", "/x", "--data-dir",
	    &cause), 0);
	assert_string_equal(c->data_dir, "/x");
	conf_free(c);
}

static void
test_conf_listen_limit(void **state)
{
	struct conf *c = conf_new();
	char *cause = NULL;
	int i;

	(void)state;
	for (i = 0; i < CONF_LISTEN_MAX; i++)
		assert_int_equal(conf_set(c, "collect", "listen",
		    "127.0.0.1:1", "t", &cause), 0);
	assert_int_equal(conf_set(c, "collect", "listen", "127.0.0.1:1", "t",
	    &cause), -1);
	assert_non_null(strstr(cause, "more than"));
	free(cause);
	conf_free(c);
}

static void
test_conf_missing_file(void **state)
{
	struct conf *c = conf_new();
	char *cause = NULL;

	(void)state;
	assert_int_equal(conf_load(c, "/nonexistent/kcatch.conf", &cause), -1);
	assert_string_equal(cause, "/nonexistent/kcatch.conf: No such file or "
	    "directory");
	free(cause);
	conf_free(c);
}

static void
test_conf_parse_addr(void **state)
{
	static const struct {
		const char *in;
		int ok, family, port, has_port;
	} cases[] = {
		{"127.0.0.1:6666", 1, AF_INET, 6666, 1},
		{"127.0.0.1", 1, AF_INET, 9, 0},
		{"[::1]:7", 1, AF_INET6, 7, 1},
		{"[::]", 1, AF_INET6, 9, 0},
		{"::1", 1, AF_INET6, 9, 0},
		{"fd00::1", 1, AF_INET6, 9, 0},
		{"0.0.0.0:0", 1, AF_INET, 0, 1},
		{"[::1", 0, 0, 0, 0},
		{"[::1]x", 0, 0, 0, 0},
		{"1.2.3.4:", 0, 0, 0, 0},
		{"1.2.3.4:-1", 0, 0, 0, 0},
		{"1.2.3.4:65536", 0, 0, 0, 0},
		{"1.2.3:5", 0, 0, 0, 0},
		{"", 0, 0, 0, 0},
		{":6666", 0, 0, 0, 0},
		{"[]:1", 0, 0, 0, 0},
		{"localhost:1", 0, 0, 0, 0},
	};
	struct sockaddr_storage ss;
	socklen_t len;
	bool has_port;
	char *cause;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cause = NULL;
		rc = conf_parse_addr(cases[i].in, 9, &ss, &len, &has_port,
		    &cause);
		if (rc != (cases[i].ok ? 0 : -1))
			fail_msg("case '%s': rc %d", cases[i].in, rc);
		if (!cases[i].ok) {
			assert_non_null(cause);
			free(cause);
			continue;
		}
		assert_int_equal(ss.ss_family, cases[i].family);
		assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port),
		    cases[i].port);
		assert_int_equal(has_port, cases[i].has_port);
	}
}

static void
test_conf_num(void **state)
{
	static const struct {
		const char *in;
		bool size;
		long long max;
		long long want;	/* -1: error */
	} cases[] = {
		{"0", false, 10, 0},
		{"100", false, 100, 100},
		{"101", false, 100, -1},
		{"4k", true, 1LL << 40, 4096},
		{"4K", true, 1LL << 40, 4096},
		{"2m", true, 1LL << 40, 2 << 20},
		{"1g", true, 1LL << 40, 1LL << 30},
		{"1g", true, 1LL << 29, -1},
		{"4k", false, 1LL << 40, -1},
		{"4kb", true, 1LL << 40, -1},
		{"x", true, 1LL << 40, -1},
		{"", false, 1LL << 40, -1},
		{"99999999999999999999", false, 1LL << 40, -1},
		{"9000000000g", true, 1LL << 62, -1},
		{"-1", false, 1LL << 40, -1},
	};
	long long v;
	size_t i;
	char *cause;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cause = NULL;
		rc = conf_num(cases[i].in, 0, cases[i].max, cases[i].size, &v,
		    &cause);
		if (cases[i].want == -1) {
			if (rc != -1)
				fail_msg("case '%s' should fail", cases[i].in);
			assert_non_null(cause);
			free(cause);
			continue;
		}
		if (rc != 0)
			fail_msg("case '%s': %s", cases[i].in, cause);
		assert_int_equal(v, cases[i].want);
	}
}

static void
test_conf_doc_current(void **state)
{
	char path[4096], *gen = NULL, *cur;
	size_t gen_len = 0;
	FILE *f;
	long n;

	(void)state;
	/* __FILE__ is collector/tests/test_conf.c in the source tree. */
	snprintf(path, sizeof(path), "%s", __FILE__);
	*strrchr(path, '/') = '\0';
	strncat(path, "/../../docs/config.md", sizeof(path) - strlen(path) - 1);
	f = open_memstream(&gen, &gen_len);
	assert_non_null(f);
	conf_write_doc(f);
	fclose(f);
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("%s missing: run kcatch collect --config-doc > it",
		    path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	cur = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(cur, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	if (strcmp(cur, gen) != 0)
		fail_msg("docs/config.md is stale: regenerate it with "
		    "`kcatch collect --config-doc > docs/config.md`");
	free(cur);
	free(gen);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_defaults),
		cmocka_unit_test(test_conf_file),
		cmocka_unit_test(test_conf_errors),
		cmocka_unit_test(test_conf_long_line),
		cmocka_unit_test(test_conf_check),
		cmocka_unit_test(test_conf_ports_distinguish_boards),
		cmocka_unit_test(test_conf_set_overrides),
		cmocka_unit_test(test_conf_listen_limit),
		cmocka_unit_test(test_conf_missing_file),
		cmocka_unit_test(test_conf_parse_addr),
		cmocka_unit_test(test_conf_num),
		cmocka_unit_test(test_conf_doc_current),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
