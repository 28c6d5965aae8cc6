/* SPDX-License-Identifier: MIT */
/*
 * test_netconsole.c -- unit tests of the netconsole decoder (nc_).
 *
 * Table-driven cases feed datagrams and compare every decoded record; the
 * sample tests replay the real captures in shared/samples (found next to
 * the repo, or through KCATCH_SAMPLES) and check what must hold for them.
 * A missing samples directory fails the run: it is never skipped.
 */
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "netconsole.h"

#define MAX_PKTS	12
#define MAX_RECS	12

/* A datagram of a case; len 0 means strlen(data). */
struct pkt {
	const char	*data;
	size_t		 len;
	const char	*reason;	/* expected malformed reason or NULL */
};

/* Expected record; facility defaults to 0 (kernel) for ext. */
struct exp {
	enum nc_format	 fmt;
	const char	*text;
	int64_t		 seq;
	int64_t		 ts;
	int		 level;
	int		 facility;
	const char	*caller;	/* NULL = do not check */
	const char	*release;	/* NULL = do not check */
	const char	*attrs;		/* "k=v;k=v", NULL = do not check */
	bool		 cont;
	bool		 new_boot;
	uint64_t	 gap;
	unsigned	 merged;
};

struct nc_case {
	const char	*name;
	uint64_t	 duplicates;	/* records dropped as seen before */
	struct pkt	 pkts[MAX_PKTS];
	struct exp	 recs[MAX_RECS];
};

#define P(s)		{ s, sizeof(s) - 1, NULL }
#define PB(s, r)	{ s, sizeof(s) - 1, r }
#define EXT(t, sq, t_us, lv) .fmt = NC_FMT_EXT, .text = t, .seq = sq, \
			.ts = t_us, .level = lv
#define PLAINP(t, lv, fac) .fmt = NC_FMT_PLAIN, .text = t, .seq = 0, \
			.ts = -1, .level = lv, .facility = fac
#define PLAIN(t)	PLAINP(t, -1, -1)

static const struct nc_case cases[] = {
{ "ext simple", 0, { P("6,1,100,-;hello\n") },
  { { EXT("hello", 1, 100, 6), .caller = "",
      .release = "", .attrs = "" } } },
{ "ext caller", 0, { P("4,2,5,-,caller=T51;x\n") },
  { { EXT("x", 2, 5, 4), .caller = "T51" } } },
{ "ext user facility", 0, { P("12,607,5,-;user\n") },
  { { EXT("user", 607, 5, 4), .facility = 1 } } },
{ "ext release and userdata", 0,
  { P("6.12.95+deb12-amd64,6,453,3434041,-;netconsole: network logging "
      "started\n e2e_run=ci-42\n") },
  { { EXT("netconsole: network logging started", 453, 3434041, 6),
      .release = "6.12.95+deb12-amd64", .attrs = "e2e_run=ci-42" } } },
{ "ext escapes", 0, { P("4,1,0,-;a\\x0ab\\x5cc\\x09d\\xC3\\xa9\n") },
  { { EXT("a\nb\\c\td\xc3\xa9", 1, 0, 4) } } },
{ "ext bad escape kept", 0, { PB("4,1,0,-;a\\xZZb\\x4\\\n", "bad \\x escape") },
  { { EXT("a\\xZZb\\x4\\", 1, 0, 4) } } },
{ "ext escaped NUL kept", 0, { PB("4,1,0,-;a\\x00b\n", "escaped NUL in text") },
  { { EXT("a\\x00b", 1, 0, 4) } } },
{ "ext raw NUL escaped", 0, { PB("4,1,0,-;a\0b\n", "NUL byte in text") },
  { { EXT("a\\x00b", 1, 0, 4) } } },
{ "ext dictionary", 0,
  { P("6,3,0,-;eth0: up\n SUBSYSTEM=net\n DEVICE=n2\n") },
  { { EXT("eth0: up", 3, 0, 6), .attrs = "SUBSYSTEM=net;DEVICE=n2" } } },
{ "ext dictionary value escaped, key not", 0,
  { P("6,3,0,-;x\n DEVICE=+sound:card\\x300\n k\\x41=v\n") },
  { { EXT("x", 3, 0, 6), .attrs = "DEVICE=+sound:card00;k\\x41=v" } } },
{ "ext bad dictionary line skipped", 0,
  { PB("6,3,0,-;x\nNOSPACE=1\n K=v\n =e\n nokey\n", "bad dictionary line") },
  { { EXT("x", 3, 0, 6), .attrs = "K=v" } } },
{ "ext unknown fields ignored", 0,
  { P("6,5,7,-,foo=bar,,caller=C1,zzz;t\n") },
  { { EXT("t", 5, 7, 6), .caller = "C1" } } },
{ "ext empty text", 0, { P("6,5,7,-;\n") }, { { EXT("", 5, 7, 6) } } },
{ "ext no newline", 0, { P("6,5,7,-;t") }, { { EXT("t", 5, 7, 6) } } },
{ "ext semicolon in text", 0, { P("6,5,7,-;a;b,c\n") },
  { { EXT("a;b,c", 5, 7, 6) } } },
{ "truncated header is plain", 0, { P("6,5,7") }, { { PLAIN("6,5,7") } } },
{ "two-char flag is plain", 0, { P("6,5,7,--;x\n") },
  { { PLAIN("6,5,7,--;x") } } },
{ "release with space is plain", 0, { P("6.1 x,6,5,7,-;x\n") },
  { { PLAIN("6.1 x,6,5,7,-;x") } } },
{ "seq overflow is plain", 0, { P("6,99999999999999999999,7,-;x\n") },
  { { PLAIN("6,99999999999999999999,7,-;x") } } },
{ "plain line", 0, { P("[    1.000000] hi\n") },
  { { PLAIN("[    1.000000] hi") } } },
{ "plain syslog prefix", 0, { P("<4>[    1.000000] hi\n") },
  { { PLAINP("<4>[    1.000000] hi", 4, 0) } } },
{ "plain two lines", 0, { P("a\nb\n") }, { { PLAIN("a") }, { PLAIN("b") } } },
{ "plain short partial flushed by next datagram", 0, { P("abc"), P("def\n") },
  { { PLAIN("abc") }, { PLAIN("def") } } },
{ "plain NUL escaped", 0, { PB("a\0b\n", "NUL byte in text") },
  { { PLAIN("a\\x00b") } } },
{ "plain dropped line counts a gap", 0,
  { P("** 17 printk messages dropped **\n") },
  { { PLAIN("** 17 printk messages dropped **"), .gap = 17 } } },
{ "empty datagram", 0, { PB("", "empty datagram") }, { { 0 } } },
{ "ncfrag in order", 0,
  { P("6,7,9,-,ncfrag=0/10;hello"), P("6,7,9,-,ncfrag=5/10; you\n") },
  { { EXT("hello you", 7, 9, 6) } } },
{ "ncfrag out of order with release", 0,
  { P("6.1.0,6,7,9,-,ncfrag=5/10; you\n"),
    P("6.1.0,6,7,9,-,ncfrag=0/10;hello") },
  { { EXT("hello you", 7, 9, 6), .release = "6.1.0" } } },
{ "ncfrag dictionary straddles slices", 0,
  { P("6,7,9,-,ncfrag=0/14;txt\n SUBS"), P("6,7,9,-,ncfrag=9/14;YS=x\n") },
  { { EXT("txt", 7, 9, 6), .attrs = "SUBSYS=x" } } },
{ "ncfrag whole in one slice", 0, { P("6,7,9,-,ncfrag=0/3;abc") },
  { { EXT("abc", 7, 9, 6) } } },
{ "ncfrag resent slice is fine", 0,
  { P("6,7,9,-,ncfrag=0/6;abc"), P("6,7,9,-,ncfrag=0/6;abc"),
    P("6,7,9,-,ncfrag=2/6;cdef") },
  { { EXT("abcdef", 7, 9, 6) } } },
{ "ncfrag offset beyond total", 0,
  { PB("6,7,9,-,ncfrag=10/9;x", "ncfrag offset beyond total") }, { { 0 } } },
{ "ncfrag total too large", 0,
  { PB("6,7,9,-,ncfrag=0/65537;x", "ncfrag total too large") }, { { 0 } } },
{ "ncfrag total zero", 0,
  { PB("6,7,9,-,ncfrag=0/0;", "ncfrag total is zero") }, { { 0 } } },
{ "ncfrag slice beyond total", 0,
  { PB("6,7,9,-,ncfrag=2/4;abc", "ncfrag slice beyond total") }, { { 0 } } },
{ "ncfrag empty slice", 0,
  { PB("6,7,9,-,ncfrag=2/4;", "empty ncfrag slice") }, { { 0 } } },
{ "ncfrag unparsable", 0,
  { PB("6,7,9,-,ncfrag=a/4;abcd", "ncfrag unparsable"),
    PB("6,7,9,-,ncfrag=0/4/4;abcd", "ncfrag unparsable"),
    PB("6,7,9,-,ncfrag=;abcd", "ncfrag unparsable") }, { { 0 } } },
{ "ncfrag repeated field", 0,
  { PB("6,7,9,-,ncfrag=0/4,ncfrag=0/4;abcd", "ncfrag repeated") },
  { { 0 } } },
{ "ncfrag overlap with other bytes dropped", 0,
  { P("6,7,9,-,ncfrag=0/6;abc"),
    PB("6,7,9,-,ncfrag=2/6;Xdef", "ncfrag overlap with different bytes"),
    P("6,7,9,-,ncfrag=3/6;def") },
  { { EXT("abcdef", 7, 9, 6) } } },
{ "ncfrag header mismatch dropped", 0,
  { P("6,7,9,-,ncfrag=0/6;abc"),
    PB("6,7,10,-,ncfrag=3/6;XYZ", "ncfrag header differs from earlier slice"),
    PB("6,7,9,-,ncfrag=3/7;XYZ", "ncfrag header differs from earlier slice"),
    P("6,7,9,-,ncfrag=3/6;def") },
  { { EXT("abcdef", 7, 9, 6) } } },
{ "seq gap counted", 0,
  { P("6,1,10,-;a\n"), P("6,5,20,-;b\n") },
  { { EXT("a", 1, 10, 6) }, { EXT("b", 5, 20, 6), .gap = 3 } } },
{ "duplicate datagram dropped", 1,
  { P("6,1,10,-;a\n"), P("6,2,20,-;b\n"), P("6,2,20,-;b\n"),
    P("6,3,30,-;c\n") },
  { { EXT("a", 1, 10, 6) }, { EXT("b", 2, 20, 6) }, { EXT("c", 3, 30, 6) } } },
{ "late datagram fills the hole", 0,
  { P("6,1,10,-;a\n"), P("6,3,30,-;c\n"), P("6,2,20,-;b\n") },
  { { EXT("a", 1, 10, 6) }, { EXT("c", 3, 30, 6), .gap = 1 },
    { EXT("b", 2, 20, 6) } } },
{ "seq back with other text is a new boot", 0,
  { P("6,10,900000,-;x\n"), P("6,11,900001,-;y\n"),
    P("5,0,0,-;Linux version\n"), P("6,1,0,-;Command line\n") },
  { { EXT("x", 10, 900000, 6) }, { EXT("y", 11, 900001, 6) },
    { EXT("Linux version", 0, 0, 5), .new_boot = true },
    { EXT("Command line", 1, 0, 6) } } },
{ "seq forward ts back is a new boot", 0,
  { P("6,10,100000000,-;x\n"), P("6,20,1000000,-;y\n"),
    P("6,21,1000001,-;z\n") },
  { { EXT("x", 10, 100000000, 6) },
    { EXT("y", 20, 1000000, 6), .new_boot = true, .gap = 20 },
    { EXT("z", 21, 1000001, 6) } } },
{ "replayed buffer dropped", 3,
  { P("5,0,0,-;Linux\n"), P("6,1,0,-;cmd\n"), P("6,2,1500,-;a\n"),
    P("5,0,0,-;Linux\n"), P("6,1,0,-;cmd\n"), P("6,2,1500,-;a\n"),
    P("6,3,9000,-;new\n") },
  { { EXT("Linux", 0, 0, 5) }, { EXT("cmd", 1, 0, 6) },
    { EXT("a", 2, 1500, 6) }, { EXT("new", 3, 9000, 6) } } },
{ "new boot with identical first records", 0,
  { P("5,0,0,-;Linux\n"), P("6,1,0,-;cmd\n"), P("6,2,1500,-;a\n"),
    P("6,3,2500,-;b\n"),
    P("5,0,0,-;Linux\n"), P("6,1,0,-;cmd\n"), P("6,2,1703,-;a\n") },
  { { EXT("Linux", 0, 0, 5) }, { EXT("cmd", 1, 0, 6) },
    { EXT("a", 2, 1500, 6) }, { EXT("b", 3, 2500, 6) },
    { EXT("Linux", 0, 0, 5), .new_boot = true }, { EXT("cmd", 1, 0, 6) },
    { EXT("a", 2, 1703, 6) } } },
{ "seq jump past the window", 0,
  { P("6,1,10,-;a\n"), P("6,100000,20,-;b\n"), P("6,1,10,-;a\n"),
    P("6,100001,30,-;c\n") },
  { { EXT("a", 1, 10, 6) }, { EXT("b", 100000, 20, 6), .gap = 99998 },
    /* Too old to know: taken as a late record of a replay. */
    { EXT("a", 1, 10, 6) }, { EXT("c", 100001, 30, 6) } } },
{ "seq at the top of the range", 0,
  { P("6,18446744073709551613,1,-;a\n"), P("6,18446744073709551615,2,-;b\n") },
  { { EXT("a", -3, 1, 6) }, { EXT("b", -1, 2, 6), .gap = 1 } } },
{ "cont same caller right after: new line", 0,
  { P("4,271,5,-,caller=T51;sh/51 is trying to acquire lock:\n"),
    P("4,272,5,c,caller=T51;ffff (kt_lock_a)\n"),
    P("4,273,6,-,caller=T51;next\n") },
  { { EXT("sh/51 is trying to acquire lock:\nffff (kt_lock_a)", 271, 5, 4),
      .merged = 1 },
    { EXT("next", 273, 6, 4) } } },
{ "cont same caller after another: glued", 0,
  { P("6,1,5,-,caller=T1;foo\n"), P("6,2,5,-,caller=T2;bar\n"),
    P("6,3,6,c,caller=T1;baz\n"), P("6,4,7,-,caller=T1;end\n") },
  { { EXT("foobaz", 1, 5, 6), .caller = "T1", .merged = 1 },
    { EXT("bar", 2, 5, 6), .caller = "T2" },
    { EXT("end", 4, 7, 6) } } },
{ "cont without caller, adjacent", 0,
  { P("3,436,1,-;rcu: \\x091-....: fqs=335\n"),
    P("4,437,1,c;\\x09(t=750 jiffies)\n") },
  { { EXT("rcu: \t1-....: fqs=335\n\t(t=750 jiffies)", 436, 1, 3),
      .merged = 1, .cont = false } } },
{ "cont without caller after a gap stays alone", 0,
  { P("3,436,1,-;a\n"), P("4,438,1,c;b\n") },
  { { EXT("a", 436, 1, 3) }, { EXT("b", 438, 1, 4), .cont = true,
      .gap = 1 } } },
{ "cont first record stays alone", 0,
  { P("4,5,1,c,caller=T3;b\n") },
  { { EXT("b", 5, 1, 4), .cont = true } } },
{ "cont merges attributes without repeats", 0,
  { P("4,5,1,-,caller=T3;a\n k=1\n"), P("4,6,1,c,caller=T3;b\n k=1\n j=2\n") },
  { { EXT("a\nb", 5, 1, 4), .attrs = "k=1;j=2", .merged = 1 } } },
{ NULL, 0, { { 0 } }, { { 0 } } },
};

/* Compare the "k=v;k=v" list want with the attributes of rec. */
static void
check_attrs(const struct nc_record *rec, const char *want, const char *name)
{
	char	 got[1024] = "";
	size_t	 i, len = 0;

	for (i = 0; i < rec->nattrs; i++)
		len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%s=%s",
		    i ? ";" : "", rec->attrs[i].key, rec->attrs[i].value);
	if (strcmp(got, want) != 0)
		fail_msg("%s: attrs \"%s\", want \"%s\"", name, got, want);
}

/* Compare one decoded record with its expectation. */
static void
check_rec(const struct nc_record *r, const struct exp *e, const char *name)
{
	if (r->format != e->fmt || strcmp(r->text, e->text) != 0)
		fail_msg("%s: got %s \"%s\", want %s \"%s\"", name,
		    nc_format_name(r->format), r->text,
		    nc_format_name(e->fmt), e->text);
	assert_int_equal(r->text_len, strlen(e->text));
	assert_int_equal(r->seq, (uint64_t)e->seq);
	assert_int_equal(r->ts_usec, e->ts);
	assert_int_equal(r->level, e->level);
	assert_int_equal(r->facility, e->facility);
	if (e->caller != NULL)
		assert_string_equal(r->caller, e->caller);
	if (e->release != NULL)
		assert_string_equal(r->release, e->release);
	if (e->attrs != NULL)
		check_attrs(r, e->attrs, name);
	if (r->cont != e->cont || r->new_boot != e->new_boot ||
	    r->gap_before != e->gap || r->merged != e->merged)
		fail_msg("%s: \"%s\" cont %d new_boot %d gap %ju merged %u, "
		    "want %d %d %ju %u", name, r->text, r->cont, r->new_boot,
		    (uintmax_t)r->gap_before, r->merged, e->cont, e->new_boot,
		    (uintmax_t)e->gap, e->merged);
}

/* Run one table case. */
static void
run_case(const struct nc_case *c)
{
	struct nc_rx		*rx = nc_rx_new(NULL);
	struct nc_record	*r;
	const char		*why;
	size_t			 i, nrec = 0;
	uint64_t		 gaps = 0;
	int			 rc;

	assert_non_null(rx);
	for (i = 0; i < MAX_PKTS && c->pkts[i].data != NULL; i++) {
		why = NULL;
		rc = nc_rx_feed(rx, c->pkts[i].data, c->pkts[i].len,
		    (int64_t)i, &why);
		if (c->pkts[i].reason == NULL && rc != 0)
			fail_msg("%s: packet %zu malformed: %s", c->name, i,
			    why);
		if (c->pkts[i].reason != NULL &&
		    (rc != -1 || strcmp(why, c->pkts[i].reason) != 0))
			fail_msg("%s: packet %zu: rc %d reason \"%s\", want "
			    "\"%s\"", c->name, i, rc, why ? why : "",
			    c->pkts[i].reason);
	}
	nc_rx_flush(rx, 100000);
	while ((r = nc_rx_next(rx)) != NULL) {
		if (nrec >= MAX_RECS || c->recs[nrec].text == NULL)
			fail_msg("%s: extra record \"%s\"", c->name, r->text);
		check_rec(r, &c->recs[nrec], c->name);
		assert_true(r->first == (nrec == 0));
		gaps += r->gap_before;
		nrec++;
		nc_record_free(r);
	}
	/* A late record takes its hole back from the counter. */
	if (nc_rx_counters(rx)->late == 0)
		assert_int_equal(nc_rx_counters(rx)->gaps, gaps);
	else if (strcmp(c->name, "late datagram fills the hole") == 0)
		assert_int_equal(nc_rx_counters(rx)->gaps, 0);
	if (nrec < MAX_RECS && c->recs[nrec].text != NULL)
		fail_msg("%s: missing record \"%s\"", c->name,
		    c->recs[nrec].text);
	assert_int_equal(nc_rx_counters(rx)->duplicates, c->duplicates);
	assert_int_equal(nc_rx_counters(rx)->records, nrec);
	nc_rx_free(rx);
}

/* Every case of the table. */
static void
test_netconsole_table(void **state)
{
	const struct nc_case	*c;
	size_t			 n = 0;

	(void)state;
	for (c = cases; c->name != NULL; c++, n++)
		run_case(c);
	assert_true(n > 40);
}

/* Feed a NUL-terminated datagram that must be well formed. */
static void
feed_ok(struct nc_rx *rx, const char *s, int64_t now)
{
	const char	*why = NULL;

	if (nc_rx_feed(rx, s, strlen(s), now, &why) != 0)
		fail_msg("\"%.40s\": malformed: %s", s, why);
}

/* Pop one record, which must exist, and check its text. */
static void
pop_text(struct nc_rx *rx, const char *want)
{
	struct nc_record	*r = nc_rx_next(rx);

	if (r == NULL)
		fail_msg("no record, want \"%.60s\"", want);
	assert_string_equal(r->text, want);
	nc_record_free(r);
}

/* A plain record over 1000 bytes arrives as 1000-byte chunks, no header. */
static void
test_netconsole_plain_chunks(void **state)
{
	struct nc_rx	*rx = nc_rx_new(NULL);
	char		 chunk[1001], want[1200];

	(void)state;
	memset(chunk, 'x', 1000);
	chunk[1000] = '\0';
	memcpy(chunk, "[    3.7] long: ", 16);
	feed_ok(rx, chunk, 0);
	assert_null(nc_rx_next(rx));
	assert_int_equal(nc_rx_deadline(rx), 250);
	feed_ok(rx, "yyyy\n[    3.8] next\n", 1);
	snprintf(want, sizeof(want), "%syyyy", chunk);
	pop_text(rx, want);
	pop_text(rx, "[    3.8] next");
	assert_null(nc_rx_next(rx));
	assert_int_equal(nc_rx_counters(rx)->partial_flushes, 0);
	assert_int_equal(nc_rx_counters(rx)->lines, 2);
	assert_int_equal(nc_rx_deadline(rx), -1);
	nc_rx_free(rx);
}

/* A partial plain line is flushed by nc_rx_tick after plain_flush_ms. */
static void
test_netconsole_plain_timeout(void **state)
{
	struct nc_rx	*rx = nc_rx_new(NULL);

	(void)state;
	feed_ok(rx, "[   91.344093] Unable to handle ke", 1000);
	nc_rx_tick(rx, 1249);
	assert_null(nc_rx_next(rx));
	nc_rx_tick(rx, 1250);
	pop_text(rx, "[   91.344093] Unable to handle ke");
	assert_int_equal(nc_rx_counters(rx)->partial_flushes, 1);
	nc_rx_free(rx);
}

/* A plain line longer than line_max_bytes is cut into records. */
static void
test_netconsole_plain_long_line(void **state)
{
	struct nc_rx		*rx = nc_rx_new(NULL);
	struct nc_record	*r;
	char			 chunk[1000];
	const char		*why = NULL;
	int			 i, bad = 0;

	(void)state;
	memset(chunk, 'z', sizeof(chunk));
	for (i = 0; i < 70; i++)
		if (nc_rx_feed(rx, chunk, sizeof(chunk), i, &why) != 0)
			bad++;
	assert_int_equal(bad, 1);
	assert_string_equal(why, "plain line too long");
	feed_ok(rx, "\n", 70);
	r = nc_rx_next(rx);
	assert_non_null(r);
	assert_int_equal(r->text_len, 65536);
	nc_record_free(r);
	r = nc_rx_next(rx);
	assert_non_null(r);
	assert_int_equal(r->text_len, 70000 - 65536);
	nc_record_free(r);
	assert_null(nc_rx_next(rx));
	assert_int_equal(nc_rx_counters(rx)->partial_flushes, 1);
	nc_rx_free(rx);
}

/* Plain console time going back is a reboot. */
static void
test_netconsole_plain_new_boot(void **state)
{
	struct nc_rx		*rx = nc_rx_new(NULL);
	struct nc_record	*r;
	bool			 flags[4];
	int			 i;

	(void)state;
	feed_ok(rx, "[  100.000000] a\n", 0);
	feed_ok(rx, "[  100.100000] b\n", 1);
	feed_ok(rx, "[    0.000000] Linux version\n", 2);
	feed_ok(rx, "[    0.000000] Command line\n", 3);
	for (i = 0; i < 4; i++) {
		r = nc_rx_next(rx);
		assert_non_null(r);
		flags[i] = r->new_boot;
		nc_record_free(r);
	}
	assert_false(flags[0] || flags[1] || flags[3]);
	assert_true(flags[2]);
	assert_int_equal(nc_rx_counters(rx)->new_boots, 1);
	nc_rx_free(rx);
}

/* Fragment assemblies are capped in count and bytes, and expire. */
static void
test_netconsole_frag_limits(void **state)
{
	struct nc_limits	 lim;
	struct nc_rx		*rx;
	char			 pkt[128];
	const struct nc_counters *c;
	int			 i;

	(void)state;
	nc_limits_default(&lim);
	lim.frag_max_pending = 4;
	lim.frag_max_bytes = 100;
	rx = nc_rx_new(&lim);
	c = nc_rx_counters(rx);
	for (i = 0; i < 10; i++) {
		snprintf(pkt, sizeof(pkt), "6,%d,1,-,ncfrag=0/20;abc", i);
		feed_ok(rx, pkt, i);
	}
	assert_int_equal(c->frags_pending, 4);
	assert_int_equal(c->frags_evicted, 6);
	/* Seqs 6..9 pending, 80 bytes: a 50-byte total evicts two more. */
	feed_ok(rx, "6,50,1,-,ncfrag=0/50;abc", 20);
	assert_int_equal(c->frags_pending, 3);
	assert_int_equal(c->frags_evicted, 8);
	assert_int_equal(nc_rx_deadline(rx), 8 + 2000);
	nc_rx_tick(rx, 2009);
	assert_int_equal(c->frags_expired, 2);
	assert_int_equal(c->frags_pending, 1);
	nc_rx_tick(rx, 2020);
	assert_int_equal(c->frags_expired, 3);
	assert_int_equal(c->frags_pending, 0);
	assert_null(nc_rx_next(rx));
	assert_int_equal(nc_rx_deadline(rx), -1);
	nc_rx_free(rx);
}

/* The ready queue is bounded; the oldest records go first. */
static void
test_netconsole_queue_max(void **state)
{
	struct nc_limits	 lim;
	struct nc_rx		*rx;
	int			 i;

	(void)state;
	nc_limits_default(&lim);
	lim.queue_max = 4;
	rx = nc_rx_new(&lim);
	for (i = 0; i < 10; i++)
		feed_ok(rx, "[    1.000000] line\n", i);
	assert_int_equal(nc_rx_ready(rx), 4);
	assert_int_equal(nc_rx_counters(rx)->queue_dropped, 6);
	assert_int_equal(nc_rx_counters(rx)->records, 10);
	nc_rx_free(rx);	/* frees the 4 unpopped records */
}

/* cont_hold_ms 0 delivers at once and leaves 'c' records alone. */
static void
test_netconsole_no_cont_hold(void **state)
{
	struct nc_limits	 lim;
	struct nc_rx		*rx;
	struct nc_record	*r;

	(void)state;
	nc_limits_default(&lim);
	lim.cont_hold_ms = -1;
	rx = nc_rx_new(&lim);
	feed_ok(rx, "4,1,1,-,caller=T1;a\n", 0);
	pop_text(rx, "a");
	feed_ok(rx, "4,2,1,c,caller=T1;b\n", 0);
	r = nc_rx_next(rx);
	assert_non_null(r);
	assert_string_equal(r->text, "b");
	assert_true(r->cont);
	nc_record_free(r);
	assert_int_equal(nc_rx_deadline(rx), -1);
	nc_rx_free(rx);
}

/* Held records leave after cont_hold_ms; nc_rx_deadline says when. */
static void
test_netconsole_cont_hold_timeout(void **state)
{
	struct nc_rx	*rx = nc_rx_new(NULL);

	(void)state;
	feed_ok(rx, "4,1,1,-;a\n", 500);
	assert_null(nc_rx_next(rx));
	assert_int_equal(nc_rx_deadline(rx), 600);
	nc_rx_tick(rx, 599);
	assert_null(nc_rx_next(rx));
	nc_rx_tick(rx, 600);
	pop_text(rx, "a");
	feed_ok(rx, "4,2,1,c;b\n", 601);	/* 'a' is gone: no merge */
	nc_rx_flush(rx, 602);
	pop_text(rx, "b");
	nc_rx_free(rx);
}

/* An undecided seq going back is decided on the replay timeout. */
static void
test_netconsole_suspect_timeout(void **state)
{
	struct nc_rx		*rx = nc_rx_new(NULL);
	struct nc_record	*r;

	(void)state;
	feed_ok(rx, "6,500,9000000,-;old boot\n", 0);
	feed_ok(rx, "6,3,2000,-;new boot\n", 10);
	nc_rx_tick(rx, 200);
	pop_text(rx, "old boot");
	assert_null(nc_rx_next(rx));
	assert_int_equal(nc_rx_deadline(rx), 1010);
	nc_rx_tick(rx, 1010);
	nc_rx_flush(rx, 1011);
	r = nc_rx_next(rx);
	assert_non_null(r);
	assert_string_equal(r->text, "new boot");
	assert_true(r->new_boot);
	assert_int_equal(r->gap_before, 3);
	nc_record_free(r);
	nc_rx_free(rx);
}

/* Flush leaves nothing held even when a decision re-holds records
 * (found by nc_fuzz: fuzz/corpus/nc/regress-flush-resuspect). */
static void
test_netconsole_flush_resuspect(void **state)
{
	struct nc_rx		*rx = nc_rx_new(NULL);
	struct nc_record	*r;
	size_t			 n = 0;

	(void)state;
	feed_ok(rx, "6,5,50,-;x\n", 0);
	feed_ok(rx, "6,3,30,-;y\n", 1);
	feed_ok(rx, "6,1,10,-;z\n", 2);
	nc_rx_flush(rx, 3);
	assert_int_equal(nc_rx_deadline(rx), -1);
	while ((r = nc_rx_next(rx)) != NULL) {
		n++;
		nc_record_free(r);
	}
	assert_int_equal(n, 3);
	nc_rx_free(rx);
}

/* Small caps: attributes, text and dictionary values are cut. */
static void
test_netconsole_caps(void **state)
{
	struct nc_limits	 lim;
	struct nc_rx		*rx;
	struct nc_record	*r;
	const char		*why = NULL;

	(void)state;
	nc_limits_default(&lim);
	lim.max_attrs = 2;
	lim.line_max_bytes = 16;
	rx = nc_rx_new(&lim);
	assert_int_equal(nc_rx_feed(rx, "6,1,1,-;x\n a=1\n b=2\n c=3\n",
	    25, 0, &why), -1);
	assert_string_equal(why, "too many attributes");
	assert_int_equal(nc_rx_feed(rx, "6,2,1,-;0123456789abcdefXYZ\n",
	    28, 1, &why), -1);
	assert_string_equal(why, "record text too long");
	assert_int_equal(nc_rx_feed(rx, "6,3,1,-;x\n k=0123456789abcdefXYZ\n",
	    33, 2, &why), -1);
	assert_string_equal(why, "dictionary line too long");
	nc_rx_flush(rx, 3);
	r = nc_rx_next(rx);
	assert_non_null(r);
	assert_int_equal(r->nattrs, 2);
	nc_record_free(r);
	pop_text(rx, "0123456789abcdef");
	r = nc_rx_next(rx);
	assert_non_null(r);
	assert_string_equal(nc_record_attr(r, "k"), "0123456789abcdef");
	nc_record_free(r);
	assert_int_equal(nc_rx_counters(rx)->malformed, 3);
	nc_rx_free(rx);
}

/* Garbage of every byte value decodes without crashing. */
static void
test_netconsole_garbage(void **state)
{
	struct nc_rx		*rx = nc_rx_new(NULL);
	struct nc_record	*r;
	unsigned char		 buf[4096];
	unsigned		 seed = 1;
	size_t			 i, j, len;

	(void)state;
	for (i = 0; i < 2000; i++) {
		len = (seed = seed * 1103515245 + 12345) % sizeof(buf);
		for (j = 0; j < len; j++)
			buf[j] = (unsigned char)((seed = seed * 1103515245 +
			    12345) >> 16);
		if (i % 3 == 0 && len > 20)
			memcpy(buf, "6,1,2,-,ncfrag=3/90;", 20);
		nc_rx_feed(rx, buf, len, (int64_t)i, NULL);
		while ((r = nc_rx_next(rx)) != NULL) {
			assert_int_equal(strlen(r->text), r->text_len);
			nc_record_free(r);
		}
	}
	nc_rx_feed(rx, NULL, 0, 3000, NULL);
	assert_true(nc_rx_counters(rx)->malformed > 0);
	assert_int_equal(nc_rx_counters(rx)->packets, 2001);
	nc_rx_free(rx);
	nc_rx_free(NULL);
	nc_record_free(NULL);
}

/* The datagrams of one .pkts capture: 4-byte big-endian length, bytes. */
struct capture {
	unsigned char	*data;		/* whole file, owned */
	size_t		 npkts;
	size_t		 off[1024];	/* datagram starts in data */
	size_t		 len[1024];
};

/* Recorded decode of a capture. */
struct decoded {
	struct nc_record	*recs[1024];
	size_t			 n;
};

/* Directory of the shared samples: $KCATCH_SAMPLES or <repo>/../shared. */
static const char *
samples_dir(void)
{
	static char	 dir[PATH_MAX];
	char		 file[PATH_MAX];
	const char	*env = getenv("KCATCH_SAMPLES");
	struct stat	 st;

	if (env != NULL && env[0] != '\0')
		snprintf(dir, sizeof(dir), "%s", env);
	else {
		/* __FILE__ is <repo>/collector/tests/test_netconsole.c */
		snprintf(file, sizeof(file), "%s", __FILE__);
		snprintf(dir, sizeof(dir), "%s/../shared/samples",
		    dirname(dirname(dirname(file))));
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		fail_msg("samples directory %s missing (set KCATCH_SAMPLES)",
		    dir);
	return dir;
}

/* Load a capture; name is relative to the samples directory. */
static void
capture_load(struct capture *c, const char *name)
{
	char	 path[PATH_MAX];
	FILE	*f;
	long	 size;
	size_t	 pos = 0, n;

	if (name[0] == '/')
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%s/%s", samples_dir(), name);
	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	c->data = malloc((size_t)size + 1);
	assert_non_null(c->data);
	assert_int_equal(fread(c->data, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	c->npkts = 0;
	while (pos + 4 <= (size_t)size) {
		n = (size_t)c->data[pos] << 24 |
		    (size_t)c->data[pos + 1] << 16 |
		    (size_t)c->data[pos + 2] << 8 | c->data[pos + 3];
		if (pos + 4 + n > (size_t)size || c->npkts == 1024)
			fail_msg("%s: bad capture at %zu", path, pos);
		c->off[c->npkts] = pos + 4;
		c->len[c->npkts++] = n;
		pos += 4 + n;
	}
	assert_int_equal(pos, (size_t)size);
	assert_true(c->npkts > 0);
}

/* Feed every datagram of c, 1 ms apart from t0; they must be clean. */
static void
capture_feed(struct nc_rx *rx, const struct capture *c, int64_t t0,
    const char *name)
{
	const char	*why;
	size_t		 i;

	for (i = 0; i < c->npkts; i++)
		if (nc_rx_feed(rx, c->data + c->off[i], c->len[i],
		    t0 + (int64_t)i, &why) != 0)
			fail_msg("%s: datagram %zu malformed: %s", name, i,
			    why);
}

/* Pop every ready record into d. */
static void
collect(struct nc_rx *rx, struct decoded *d)
{
	struct nc_record	*r;

	while ((r = nc_rx_next(rx)) != NULL) {
		assert_true(d->n < 1024);
		d->recs[d->n++] = r;
	}
}

/* Free the records of d. */
static void
decoded_free(struct decoded *d)
{
	size_t	 i;

	for (i = 0; i < d->n; i++)
		nc_record_free(d->recs[i]);
	d->n = 0;
}

/* Decode a whole capture with a fresh rx, then flush. */
static struct nc_rx *
decode_capture(const char *name, struct capture *c, struct decoded *d)
{
	struct nc_rx	*rx = nc_rx_new(NULL);

	assert_non_null(rx);
	capture_load(c, name);
	capture_feed(rx, c, 0, name);
	nc_rx_flush(rx, 1000000);
	d->n = 0;
	collect(rx, d);
	return rx;
}

/* Whether a datagram of c is an ncfrag slice that is not the first. */
static bool
is_later_slice(const struct capture *c, size_t i)
{
	const char	*p = (const char *)c->data + c->off[i];
	const char	*semi = memchr(p, ';', c->len[i]);
	const char	*fr = memmem(p, c->len[i], ",ncfrag=", 8);

	return semi != NULL && fr != NULL && fr < semi &&
	    strncmp(fr, ",ncfrag=0/", 10) != 0;
}

/* Checks that hold for every ext capture. */
static void
check_ext_capture(const char *name, const struct capture *c,
    const struct decoded *d, const struct nc_counters *ctr)
{
	const char	*base = strrchr(name, '/') + 1;
	const char	*rel = strncmp(base, "612-", 4) == 0 ?
			    "6.12.95+deb12-amd64" : "";
	uint64_t	 gaps = 0, want = 0;
	size_t		 i;

	for (i = 0; i < c->npkts; i++)
		want += !is_later_slice(c, i);
	if (d->n + ctr->cont_merged != want)
		fail_msg("%s: %zu records + %ju merged, want %ju", name, d->n,
		    (uintmax_t)ctr->cont_merged, (uintmax_t)want);
	for (i = 0; i < d->n; i++) {
		assert_int_equal(d->recs[i]->format, NC_FMT_EXT);
		assert_string_equal(d->recs[i]->release, rel);
		assert_true(d->recs[i]->ts_usec >= 0);
		assert_false(d->recs[i]->new_boot);
		if (i > 0 && d->recs[i]->seq <= d->recs[i - 1]->seq)
			fail_msg("%s: seq %ju after %ju", name,
			    (uintmax_t)d->recs[i]->seq,
			    (uintmax_t)d->recs[i - 1]->seq);
		gaps += d->recs[i]->gap_before;
	}
	assert_int_equal(gaps, ctr->gaps);
	assert_int_equal(ctr->duplicates, 0);
	assert_int_equal(ctr->frags_expired + ctr->frags_evicted, 0);
	assert_int_equal(ctr->packets_ext, c->npkts);
}

/* Plain captures: records joined by '\n' give back the datagrams. */
static void
check_plain_capture(const char *name, const struct capture *c,
    const struct decoded *d, const struct nc_counters *ctr)
{
	char	*raw, *dec;
	size_t	 i, rl = 0, dl = 0;

	raw = malloc(65536);
	dec = malloc(65536);
	assert_true(raw != NULL && dec != NULL);
	for (i = 0; i < c->npkts; i++) {
		assert_true(rl + c->len[i] < 65536);
		memcpy(raw + rl, c->data + c->off[i], c->len[i]);
		rl += c->len[i];
	}
	for (i = 0; i < d->n; i++) {
		assert_int_equal(d->recs[i]->format, NC_FMT_PLAIN);
		assert_int_equal(d->recs[i]->ts_usec, -1);
		assert_true(dl + d->recs[i]->text_len + 1 < 65536);
		memcpy(dec + dl, d->recs[i]->text, d->recs[i]->text_len);
		dl += d->recs[i]->text_len;
		dec[dl++] = '\n';
	}
	if (dl != rl || memcmp(raw, dec, rl) != 0)
		fail_msg("%s: decoded plain text differs from datagrams", name);
	assert_int_equal(ctr->partial_flushes, 0);
	assert_int_equal(ctr->packets_plain, c->npkts);
	free(raw);
	free(dec);
}

/* Number of '\n' in s. */
static size_t
count_nl(const char *s)
{
	size_t	 n = 0;

	while ((s = strchr(s, '\n')) != NULL) {
		n++;
		s++;
	}
	return n;
}

/* Replay every capture and check what must hold for all of them. */
static void
test_netconsole_samples_all(void **state)
{
	char		 pat[PATH_MAX];
	const char	*dirs[] = { "netconsole", "debug-kernel" };
	glob_t		 g;
	struct capture	*c = malloc(sizeof(*c));
	struct decoded	*d = malloc(sizeof(*d));
	const struct nc_counters *ctr;
	struct nc_rx	*rx;
	size_t		 i, j, k, files = 0, lines;
	const char	*name;

	(void)state;
	assert_true(c != NULL && d != NULL);
	for (k = 0; k < 2; k++) {
		snprintf(pat, sizeof(pat), "%s/%s/*.pkts", samples_dir(),
		    dirs[k]);
		if (glob(pat, 0, NULL, &g) != 0)
			fail_msg("no captures match %s", pat);
		for (i = 0; i < g.gl_pathc; i++, files++) {
			/* Back to a name relative to the samples dir. */
			name = g.gl_pathv[i] + strlen(samples_dir()) + 1;
			rx = decode_capture(name, c, d);
			ctr = nc_rx_counters(rx);
			assert_int_equal(ctr->malformed + ctr->nomem, 0);
			assert_int_equal(ctr->records, d->n);
			assert_true(d->n > 0 && d->recs[0]->first);
			if (strstr(name, ".plain.") != NULL)
				check_plain_capture(name, c, d, ctr);
			else
				check_ext_capture(name, c, d, ctr);
			for (j = 0, lines = 0; j < d->n; j++) {
				assert_int_equal(d->recs[j]->first, j == 0);
				lines += 1 + count_nl(d->recs[j]->text);
			}
			assert_int_equal(ctr->lines, lines);
			decoded_free(d);
			free(c->data);
			nc_rx_free(rx);
		}
		globfree(&g);
	}
	assert_true(files >= 40);
	free(c);
	free(d);
}

/* The record with this seq, which must exist. */
static const struct nc_record *
find_seq(const struct decoded *d, uint64_t seq)
{
	size_t	 i;

	for (i = 0; i < d->n; i++)
		if (d->recs[i]->format == NC_FMT_EXT && d->recs[i]->seq == seq)
			return d->recs[i];
	fail_msg("no record with seq %ju", (uintmax_t)seq);
	return NULL;
}

/* Decode a capture for the sample tests below. */
struct sample_run {
	struct capture	 c;
	struct decoded	 d;
	struct nc_rx	*rx;
};

/* Decode name into a fresh run; free with run_free(). */
static struct sample_run *
run_new(const char *name)
{
	struct sample_run	*r = malloc(sizeof(*r));

	assert_non_null(r);
	r->rx = decode_capture(name, &r->c, &r->d);
	return r;
}

/* Free a sample run. */
static void
run_free(struct sample_run *r)
{
	decoded_free(&r->d);
	free(r->c.data);
	nc_rx_free(r->rx);
	free(r);
}

/* 6.1 ncfrag: two slices of 990 body bytes become one record. */
static void
test_netconsole_sample_61_ncfrag(void **state)
{
	struct sample_run	*r;
	const struct nc_record	*rec;
	size_t			 i;

	(void)state;
	r = run_new("netconsole/61-longline-ncfrag.ext.pkts");
	assert_int_equal(r->c.npkts, 3);
	assert_int_equal(r->d.n, 2);
	rec = find_seq(&r->d, 388);
	assert_int_equal(rec->text_len, 989);	/* 990 minus the '\n' */
	assert_int_equal(strncmp(rec->text, "crashme: long line: ", 20), 0);
	for (i = 20; i < rec->text_len; i++)
		assert_int_equal(rec->text[i], 'x');
	assert_int_equal(rec->ts_usec, 3707124);
	assert_int_equal(rec->level, 4);
	assert_string_equal(find_seq(&r->d, 389)->text,
	    "------------[ cut here ]------------");
	assert_int_equal(nc_rx_counters(r->rx)->frags_completed, 1);
	assert_int_equal(nc_rx_counters(r->rx)->frags, 2);
	run_free(r);
}

/* 6.12 '+r' ncfrag: release on every slice, text ends "|E". */
static void
test_netconsole_sample_612_ncfrag(void **state)
{
	struct sample_run	*r;
	const struct nc_record	*rec;

	(void)state;
	r = run_new("netconsole/612-longline-ncfrag.ext.pkts");
	rec = find_seq(&r->d, 401);
	assert_int_equal(rec->text_len, 1021);
	assert_string_equal(rec->text + 1019, "|E");
	assert_string_equal(rec->release, "6.12.95+deb12-amd64");
	assert_int_equal(r->d.n, 2);
	run_free(r);
}

/* 6.12 userdata: every record carries e2e_run=ci-42. */
static void
test_netconsole_sample_612_userdata(void **state)
{
	struct sample_run	*r;
	const struct nc_record	*rec;
	size_t			 i;

	(void)state;
	r = run_new("netconsole/612-userdata.ext.pkts");
	assert_int_equal(r->d.n, 42);
	for (i = 0; i < r->d.n; i++) {
		assert_int_equal(r->d.recs[i]->nattrs, 1);
		assert_string_equal(nc_record_attr(r->d.recs[i], "e2e_run"),
		    "ci-42");
		assert_null(nc_record_attr(r->d.recs[i], "step"));
	}
	rec = find_seq(&r->d, 454);
	assert_string_equal(rec->text,
	    "e2e: hello from userspace via /dev/kmsg");
	assert_int_equal(rec->facility, 1);
	assert_int_equal(rec->level, 4);
	assert_string_equal(find_seq(&r->d, 453)->release,
	    "6.12.95+deb12-amd64");
	run_free(r);
}

/* Plain long line: 1000-byte chunk plus the rest make one record. */
static void
test_netconsole_sample_plain_longline(void **state)
{
	struct sample_run	*r;

	(void)state;
	r = run_new("netconsole/61-longline.plain.pkts");
	assert_int_equal(r->d.n, 2);
	assert_int_equal(r->d.recs[0]->text_len, 1004);
	assert_int_equal(strncmp(r->d.recs[0]->text,
	    "[    3.707124] crashme: long line: xxx", 38), 0);
	assert_string_equal(r->d.recs[1]->text,
	    "[    3.707259] ------------[ cut here ]------------");
	run_free(r);
}

/* Escapes and 'c' records in real captures decode to these texts. */
static void
test_netconsole_sample_texts(void **state)
{
	struct sample_run	*r;
	const struct nc_record	*rec;

	(void)state;
	r = run_new("netconsole/61-rcu-stall.ext.pkts");
	rec = find_seq(&r->d, 436);
	assert_string_equal(rec->text, "rcu: \t1-....: (747 ticks this GP) "
	    "idle=414c/1/0x4000000000000000 softirq=262/262 fqs=335\n"
	    "\t(t=750 jiffies g=-651 q=14 ncpus=2)");
	assert_int_equal(rec->merged, 1);
	assert_int_equal(rec->level, 3);
	run_free(r);

	r = run_new("debug-kernel/dka-lockdep-circular.ext.pkts");
	rec = find_seq(&r->d, 254);
	assert_string_equal(rec->text, "Unstable clock detected, switching "
	    "default tracing clock to \"global\"\nIf you want to keep using "
	    "the local clock, then add:\n  \"trace_clock=local\"\non the "
	    "kernel command line");
	assert_string_equal(rec->caller, "T1");
	assert_int_equal(rec->ts_usec, 9706496);
	assert_string_equal(find_seq(&r->d, 271)->text,
	    "sh/51 is trying to acquire lock:\nffffffff82232fa8 "
	    "(kt_lock_a){+.+.}-{3:3}, at: kt_abba_path2+0x1c/0x40");
	rec = find_seq(&r->d, 273);
	assert_string_equal(rec->text, "\nbut task is already holding lock:"
	    "\nffffffff82232ee8 (kt_lock_b){+.+.}-{3:3}, at: "
	    "kt_abba_path2+0xe/0x40");
	assert_string_equal(rec->caller, "T51");
	assert_int_equal(nc_rx_counters(r->rx)->cont_merged, 2);
	run_free(r);

	r = run_new("netconsole/612-kfence-uaf.ext.pkts");
	assert_string_equal(r->d.recs[0]->text, "BUG: KFENCE: use-after-free "
	    "read in crashme_write+0x67b/0x6c0 [crashme]\n");
	assert_int_equal(r->d.recs[0]->seq, 451);
	run_free(r);

	r = run_new("netconsole/61-warn.ext.pkts");
	rec = r->d.recs[0];
	assert_string_equal(rec->text, "crashme: performing WARNING");
	assert_int_equal(rec->seq, 387);
	assert_int_equal(rec->ts_usec, 4058986);
	assert_int_equal(rec->level, 6);
	assert_string_equal(rec->caller, "");
	run_free(r);
}

/* Strip the "[%5lu.%06lu] " console prefix of a plain line. */
static const char *
strip_prefix(const char *s)
{
	const char	*e = strstr(s, "] ");

	return s[0] == '[' && e != NULL ? e + 2 : s;
}

/* Ext and plain targets of one run decode to the same console lines. */
static void
test_netconsole_sample_ext_vs_plain(void **state)
{
	const char	*pairs[] = { "61-warn", "61-oops-null", "61-panic",
			    "61-kpanic-with-stack" };
	char		 name[128], *lines, *save, *l;
	struct sample_run *e, *p;
	size_t		 i, k, pl;

	(void)state;
	for (k = 0; k < 4; k++) {
		snprintf(name, sizeof(name), "netconsole/%s.ext.pkts",
		    pairs[k]);
		e = run_new(name);
		snprintf(name, sizeof(name), "netconsole/%s.plain.pkts",
		    pairs[k]);
		p = run_new(name);
		for (i = 0, pl = 0; i < e->d.n; i++) {
			lines = strdup(e->d.recs[i]->text);
			assert_non_null(lines);
			/* strsep keeps empty lines, as the console does. */
			for (save = lines; (l = strsep(&save, "\n")) != NULL;
			    pl++) {
				if (pl >= p->d.n)
					fail_msg("%s: plain side too short",
					    pairs[k]);
				assert_string_equal(l,
				    strip_prefix(p->d.recs[pl]->text));
			}
			free(lines);
		}
		assert_int_equal(pl, p->d.n);
		run_free(e);
		run_free(p);
	}
}

/* A re-registered target replays the buffer: nothing is delivered twice. */
static void
test_netconsole_sample_replay(void **state)
{
	struct capture	*c = malloc(sizeof(*c));
	struct decoded	*d = malloc(sizeof(*d));
	struct nc_rx	*rx = nc_rx_new(NULL);
	const char	*name = "netconsole/61-boot-head.ext.pkts";

	(void)state;
	assert_true(c != NULL && d != NULL && rx != NULL);
	d->n = 0;
	capture_load(c, name);
	capture_feed(rx, c, 0, name);
	capture_feed(rx, c, 5000, name);
	feed_ok(rx, "6,42,900000,-;live again\n", 6000);
	nc_rx_flush(rx, 7000);
	collect(rx, d);
	assert_int_equal(d->n, c->npkts + 1);
	assert_int_equal(nc_rx_counters(rx)->duplicates, c->npkts);
	assert_int_equal(nc_rx_counters(rx)->new_boots, 0);
	assert_string_equal(d->recs[c->npkts]->text, "live again");
	decoded_free(d);
	free(c->data);
	nc_rx_free(rx);
	free(c);
	free(d);
}

/* A crash run, then a boot log from seq 0: the boot is flagged new. */
static void
test_netconsole_sample_new_boot(void **state)
{
	struct capture	*w = malloc(sizeof(*w)), *b = malloc(sizeof(*b));
	struct decoded	*d = malloc(sizeof(*d));
	struct nc_rx	*rx = nc_rx_new(NULL);
	size_t		 i;

	(void)state;
	assert_true(w != NULL && b != NULL && d != NULL && rx != NULL);
	d->n = 0;
	capture_load(w, "netconsole/61-warn.ext.pkts");
	capture_load(b, "netconsole/61-boot-head.ext.pkts");
	capture_feed(rx, w, 0, "61-warn");
	capture_feed(rx, b, 100, "61-boot-head");
	nc_rx_flush(rx, 5000);
	collect(rx, d);
	assert_int_equal(d->n, w->npkts + b->npkts);
	for (i = 0; i < d->n; i++)
		assert_int_equal(d->recs[i]->new_boot, i == w->npkts);
	assert_int_equal(d->recs[w->npkts]->seq, 0);
	assert_int_equal(d->recs[w->npkts]->gap_before, 0);
	assert_int_equal(nc_rx_counters(rx)->duplicates, 0);
	assert_int_equal(nc_rx_counters(rx)->new_boots, 1);
	decoded_free(d);
	free(w->data);
	free(b->data);
	nc_rx_free(rx);
	free(w);
	free(b);
	free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_netconsole_table),
		cmocka_unit_test(test_netconsole_plain_chunks),
		cmocka_unit_test(test_netconsole_plain_timeout),
		cmocka_unit_test(test_netconsole_plain_long_line),
		cmocka_unit_test(test_netconsole_plain_new_boot),
		cmocka_unit_test(test_netconsole_frag_limits),
		cmocka_unit_test(test_netconsole_queue_max),
		cmocka_unit_test(test_netconsole_no_cont_hold),
		cmocka_unit_test(test_netconsole_cont_hold_timeout),
		cmocka_unit_test(test_netconsole_suspect_timeout),
		cmocka_unit_test(test_netconsole_flush_resuspect),
		cmocka_unit_test(test_netconsole_caps),
		cmocka_unit_test(test_netconsole_garbage),
		cmocka_unit_test(test_netconsole_samples_all),
		cmocka_unit_test(test_netconsole_sample_61_ncfrag),
		cmocka_unit_test(test_netconsole_sample_612_ncfrag),
		cmocka_unit_test(test_netconsole_sample_612_userdata),
		cmocka_unit_test(test_netconsole_sample_plain_longline),
		cmocka_unit_test(test_netconsole_sample_texts),
		cmocka_unit_test(test_netconsole_sample_ext_vs_plain),
		cmocka_unit_test(test_netconsole_sample_replay),
		cmocka_unit_test(test_netconsole_sample_new_boot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
