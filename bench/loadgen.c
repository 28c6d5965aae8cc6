/* SPDX-License-Identifier: MIT */
/*
 * loadgen.c -- extended-netconsole load generator for the collector bench.
 *
 * Plays N boards at once: each board is its own UDP socket bound to its own
 * loopback source address (127.0.1.1, 127.0.1.2, ... by default), and sends
 * the records a kernel with netconsole=+... would send: per-board seq from
 * 0, ts_usec that follows the wall clock, caller ids, dev_printk dictionary
 * lines, every K-th record a long one (over 1000 bytes, some multi-line)
 * cut into ncfrag fragments exactly as drivers/net/netconsole.c
 * send_msg_fragmented() does, and every M-th record the start of a whole
 * WARN report (17 records, one line each).
 *
 * The total rate is paced with clock_nanosleep in batches of LG_BATCH
 * records; each batch goes to one board with one sendmmsg call and the
 * boards take turns. --rate 0 sends flat out. At exit it prints one JSON
 * object (records, datagrams, lines, reports, ...) and, with
 * --report-times, writes "board seq_of_last_line ms" per report: the
 * CLOCK_REALTIME ms just after the datagram with the report's last line
 * left, so a reader of the database can compute report-to-row latency.
 *
 * Lines: a record is one line, plus one per escaped newline ("\x0a") in its
 * text (a multi-line printk); dictionary lines are not lines.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LG_CHUNK 1000	    /* MAX_PRINT_CHUNK, drivers/net/netconsole.c */
#define LG_BATCH 16	    /* records per board per sendmmsg */
#define LG_DGRAMS 64	    /* datagram slots per batch (long = 2-3) */
#define LG_MSG_MAX 4096	    /* one formatted ext message */
#define LG_TEXT_MAX 2048    /* one record text before escaping */
#define LG_SRC_PORT 6665    /* netconsole's default source port */
#define LG_CALLERS 5	    /* caller ids per board */
#define LG_WARN_LINES 17    /* records in one WARN report */
#define NS 1000000000LL

/* Command line. */
struct lg_opts {
	struct sockaddr_in target;
	struct in_addr src_base;
	unsigned src_port;
	unsigned boards;
	double rate;		/* records/s over all boards; 0 = flat out */
	double seconds;
	unsigned frag_every;	/* 0 = never */
	unsigned report_every;	/* 0 = never */
	uint64_t seed;
	const char *report_times;
};

/* One simulated board. */
struct lg_board {
	int fd;
	char name[32];		/* "127.0.1.1:6665", as a receiver sees it */
	uint64_t seq;		/* seq of the next record */
	uint64_t nrec;		/* records sent, for frag/report every */
	uint64_t rng;
	int64_t ts0_us;		/* printk time at bench start */
	unsigned pids[LG_CALLERS];
	int report_line;	/* next WARN line, -1 none in progress */
	unsigned report_pid;
	unsigned report_fn;
	bool report_done;	/* this batch sent a report's last line */
	uint64_t report_seq;
};

/* One report's end, for --report-times. */
struct lg_report_time {
	unsigned board;
	uint64_t seq;
	int64_t ms;
};

/* Totals. */
struct lg_stats {
	uint64_t records;
	uint64_t datagrams;
	uint64_t bytes;
	uint64_t lines;
	uint64_t reports;
	uint64_t report_lines;
	uint64_t long_records;
	uint64_t fragments;	/* datagrams that carry ncfrag */
	uint64_t send_errors;
	uint64_t sleeps;
};

/* The datagrams of the batch being built for one board. */
struct lg_batch {
	struct mmsghdr msgs[LG_DGRAMS];
	struct iovec iov[LG_DGRAMS];
	char slot[LG_DGRAMS][LG_CHUNK + 24];
	unsigned n;
};

/* The generator. */
struct lg {
	struct lg_opts o;
	struct lg_board *boards;
	struct lg_stats st;
	struct lg_batch batch;
	struct lg_report_time *times;
	size_t ntimes, captimes;
	int64_t start_ns;
	unsigned cur;		/* board whose turn it is */
};

/* A record about to be formatted. */
struct lg_rec {
	int prio;
	char flag;
	char caller[16];
	char text[LG_TEXT_MAX];
	const char *dict;	/* " KEY=VALUE\n" lines or NULL */
};

static const char *const lg_warn_fns[] = {
	"bench_warn", "foo_bar", "drm_atomic_check", "xhci_ring_ep",
	"ext4_journal_check", "sched_tick_remote", "dma_map_sg_attrs",
	"blk_mq_run_hw_queue",
};
#define LG_NWARN_FNS (sizeof(lg_warn_fns) / sizeof(lg_warn_fns[0]))

/* Print usage and exit. */
static void
lg_usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: loadgen --target ADDR:PORT --boards N --rate R "
	    "--seconds S\n"
	    "               [--frag-every K] [--report-every M] "
	    "[--src-base 127.0.1.1]\n"
	    "               [--src-port P] [--seed X] "
	    "[--report-times FILE]\n"
	    "  --rate R     records/s over all boards, 0 = flat out\n"
	    "  --src-port P source port of every board (6665; 0 = any)\n");
	exit(status);
}

/* Print an error and exit 2. */
static void
lg_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("loadgen: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* xorshift64*: cheap, deterministic per seed. */
static uint64_t
lg_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* A random number below n. */
static unsigned
lg_below(uint64_t *s, unsigned n)
{
	return (unsigned)((lg_rand(s) >> 33) % n);
}

/* Clock in ns. */
static int64_t
lg_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

/* Parse "A.B.C.D:PORT" into sin. */
static void
lg_parse_target(const char *s, struct sockaddr_in *sin)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	long port;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		lg_die("bad --target '%s' (want A.B.C.D:PORT)", s);
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	port = strtol(colon + 1, NULL, 10);
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	if (port <= 0 || port > 65535 || inet_pton(AF_INET, host,
	    &sin->sin_addr) != 1)
		lg_die("bad --target '%s'", s);
}

/* Parse a positive number or die. */
static double
lg_num(const char *s, const char *what)
{
	char *end;
	double v = strtod(s, &end);

	if (*s == '\0' || *end != '\0' || v < 0)
		lg_die("bad %s '%s'", what, s);
	return v;
}

/* Fill o from argv. */
static void
lg_parse_args(int argc, char **argv, struct lg_opts *o)
{
	static const struct option longopts[] = {
		{"target", required_argument, NULL, 't'},
		{"boards", required_argument, NULL, 'b'},
		{"rate", required_argument, NULL, 'r'},
		{"seconds", required_argument, NULL, 's'},
		{"frag-every", required_argument, NULL, 'k'},
		{"report-every", required_argument, NULL, 'm'},
		{"src-base", required_argument, NULL, 'a'},
		{"src-port", required_argument, NULL, 'p'},
		{"seed", required_argument, NULL, 'x'},
		{"report-times", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool have_target = false;
	int c;

	memset(o, 0, sizeof(*o));
	o->boards = 1;
	o->seconds = 10;
	o->seed = 1;
	o->src_port = LG_SRC_PORT;
	inet_pton(AF_INET, "127.0.1.1", &o->src_base);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			lg_parse_target(optarg, &o->target);
			have_target = true;
			break;
		case 'b':
			o->boards = (unsigned)lg_num(optarg, "--boards");
			break;
		case 'r':
			o->rate = lg_num(optarg, "--rate");
			break;
		case 's':
			o->seconds = lg_num(optarg, "--seconds");
			break;
		case 'k':
			o->frag_every = (unsigned)lg_num(optarg, "--frag-every");
			break;
		case 'm':
			o->report_every = (unsigned)lg_num(optarg,
			    "--report-every");
			break;
		case 'a':
			if (inet_pton(AF_INET, optarg, &o->src_base) != 1)
				lg_die("bad --src-base '%s'", optarg);
			break;
		case 'p':
			o->src_port = (unsigned)lg_num(optarg, "--src-port");
			break;
		case 'x':
			o->seed = (uint64_t)lg_num(optarg, "--seed");
			break;
		case 'o':
			o->report_times = optarg;
			break;
		case 'h':
			lg_usage(0);
			break;
		default:
			lg_usage(1);
		}
	}
	if (!have_target || o->boards == 0 || o->boards > 65000 ||
	    o->seconds <= 0 || o->src_port > 65535 || optind != argc)
		lg_usage(1);
	if (o->report_every != 0 && o->report_every < 32)
		lg_die("--report-every must be 0 or >= 32 (a report is 17 "
		    "records)");
}

/* Open board i: a socket bound to src_base + i, connected to the target. */
static void
lg_board_open(struct lg *lg, unsigned i)
{
	struct lg_board *b = &lg->boards[i];
	struct sockaddr_in src;
	char host[INET_ADDRSTRLEN];
	int one = 1;
	unsigned k;

	memset(&src, 0, sizeof(src));
	src.sin_family = AF_INET;
	src.sin_port = htons((uint16_t)lg->o.src_port);
	src.sin_addr.s_addr = htonl(ntohl(lg->o.src_base.s_addr) + i);
	b->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (b->fd == -1)
		lg_die("socket: %s", strerror(errno));
	(void)setsockopt(b->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	inet_ntop(AF_INET, &src.sin_addr, host, sizeof(host));
	if (bind(b->fd, (struct sockaddr *)&src, sizeof(src)) == -1)
		lg_die("bind %s:%u: %s", host, lg->o.src_port,
		    strerror(errno));
	if (connect(b->fd, (struct sockaddr *)&lg->o.target,
	    sizeof(lg->o.target)) == -1)
		lg_die("connect: %s", strerror(errno));
	snprintf(b->name, sizeof(b->name), "%s:%u", host, lg->o.src_port);
	b->rng = lg->o.seed * 0x9e3779b97f4a7c15ULL + i + 1;
	b->ts0_us = 3000000 + (int64_t)lg_below(&b->rng, 50000000);
	b->pids[0] = 1;
	for (k = 1; k < LG_CALLERS; k++)
		b->pids[k] = 100 + lg_below(&b->rng, 30000);
	b->report_line = -1;
}

/* Open every board. */
static void
lg_boards_open(struct lg *lg)
{
	unsigned i;

	lg->boards = calloc(lg->o.boards, sizeof(*lg->boards));
	if (lg->boards == NULL)
		lg_die("out of memory");
	for (i = 0; i < lg->o.boards; i++)
		lg_board_open(lg, i);
}

/* Printk time of the next record: the board's boot offset + elapsed. */
static int64_t
lg_ts_usec(struct lg *lg, struct lg_board *b)
{
	return b->ts0_us + (lg_clock_ns(CLOCK_MONOTONIC) - lg->start_ns) /
	    1000;
}

/* Set r's text with printf. */
static void
lg_text(struct lg_rec *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
lg_text(struct lg_rec *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->text, sizeof(r->text), fmt, ap);
	va_end(ap);
}

/* The first record of a boot. */
static void
lg_rec_banner(struct lg_rec *r)
{
	r->prio = 5;
	lg_text(r, "Linux version 6.1.0-kcatch-bench (bench@kcatch) (gcc "
	    "(Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) "
	    "2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.0-1 (2025-01-01)");
}

/* An ordinary kernel line, some with a dev_printk dictionary. */
static void
lg_rec_ordinary(struct lg_board *b, struct lg_rec *r)
{
	unsigned v = lg_below(&b->rng, 100000);

	r->prio = 6;
	switch (lg_below(&b->rng, 10)) {
	case 0:
		lg_text(r, "usb 1-%u: new high-speed USB device number %u "
		    "using xhci_hcd", v % 8 + 1, v % 127 + 2);
		r->dict = " SUBSYSTEM=usb\n DEVICE=+usb:1-1\n";
		break;
	case 1:
		lg_text(r, "EXT4-fs (vda%u): mounted filesystem with ordered "
		    "data mode. Quota mode: none.", v % 4 + 1);
		break;
	case 2:
		r->prio = 4;
		lg_text(r, "perf: interrupt took too long (%u > %u), lowering "
		    "kernel.perf_event_max_sample_rate to %u", 2500 + v % 900,
		    2500, 79000 - v % 1000);
		break;
	case 3:
		r->prio = 5;
		lg_text(r, "audit: type=1400 audit(1700000000.%03u:%u): "
		    "apparmor=\"STATUS\" operation=\"profile_load\" "
		    "profile=\"unconfined\" name=\"/usr/bin/man\" pid=%u "
		    "comm=\"apparmor_parser\"", v % 1000, v % 500, v % 30000);
		break;
	case 4:
		lg_text(r, "e1000e 0000:00:19.0 eth%u: NIC Link is Up 1000 Mbps "
		    "Full Duplex, Flow Control: Rx/Tx", v % 2);
		r->dict = " SUBSYSTEM=pci\n DEVICE=+pci:0000:00:19.0\n";
		break;
	case 5:
		r->prio = 7;
		lg_text(r, "kcatch_bench: tick %u jiffies=%u state=idle",
		    v, 4294667296u + v);
		break;
	case 6:
		lg_text(r, "br0: port %u(veth%04x) entered forwarding state",
		    v % 16 + 1, v & 0xffff);
		break;
	case 7:
		lg_text(r, "sd 0:0:0:0: [sda] %u 512-byte logical blocks: "
		    "(%u GB/%u GiB)", 2097152 * (v % 64 + 1), v % 64 + 1,
		    v % 64 + 1);
		r->dict = " SUBSYSTEM=scsi\n DEVICE=+scsi:0:0:0:0\n";
		break;
	case 8:
		lg_text(r, "IPv6: ADDRCONF(NETDEV_CHANGE): eth%u: link becomes "
		    "ready", v % 4);
		break;
	default:
		lg_text(r, "systemd-journald[%u]: Received client request to "
		    "flush runtime journal.", 200 + v % 300);
		break;
	}
}

/*
 * A record whose message is over LG_CHUNK bytes: a long line, or a
 * multi-line printk (its newlines travel as "\x0a"). Both stay near the
 * kernel's 1024-byte record text limit (PRINTKRB_RECORD_MAX) and go out as
 * two ncfrag slices; the dictionary of the second kind straddles them.
 */
static void
lg_rec_long(struct lg_board *b, struct lg_rec *r)
{
	size_t len, i, n;

	r->prio = 4;
	if (lg_below(&b->rng, 2) == 0) {
		lg_text(r, "kcatch_bench: long line: ");
		len = strlen(r->text);
		n = 980 + lg_below(&b->rng, 40);
		for (i = 0; i < n; i++)
			r->text[len + i] = 'a' + (char)(i % 26);
		r->text[len + n] = '\0';
		return;
	}
	/* Like lockdep's held-locks block: newlines inside one record. */
	len = 0;
	n = 13 + lg_below(&b->rng, 2);
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(r->text + len, sizeof(r->text) - len,
		    "%s #%zu: ffff8880%08x (&dev->mutex){+.+.}-{3:3}, at: "
		    "bench_lock+0x%zx", i ? "\n" : "", i,
		    (unsigned)lg_below(&b->rng, 1u << 31), 0x20 + i);
	r->dict = " SUBSYSTEM=platform\n DEVICE=+platform:bench\n";
}

/* Line i (< LG_WARN_LINES) of the WARN report of board b. */
static void
lg_rec_warn(struct lg_board *b, int i, struct lg_rec *r)
{
	static const char *const frames[] = {
		" bench_caller+0x1c/0x30 [kcatch_bench]",
		" process_one_work+0x1c7/0x380", " worker_thread+0x4d/0x380",
		" kthread+0xe9/0x110", " ret_from_fork+0x22/0x30",
	};
	const char *fn = lg_warn_fns[b->report_fn];

	r->prio = 4;
	switch (i) {
	case 0:
		lg_text(r, "------------[ cut here ]------------");
		break;
	case 1:
		lg_text(r, "WARNING: CPU: %u PID: %u at "
		    "drivers/misc/kcatch_bench.c:%u %s+0x%x/0x%x "
		    "[kcatch_bench]", b->report_pid % 2, b->report_pid,
		    40 + b->report_fn, fn, 0x11 + b->report_fn, 0x90);
		break;
	case 2:
		lg_text(r, "Modules linked in: kcatch_bench(OE) netconsole "
		    "virtio_net net_failover failover virtio_pci configfs");
		break;
	case 3:
		lg_text(r, "CPU: %u PID: %u Comm: kworker/%u:1 Tainted: G"
		    "           OE      6.1.0-kcatch-bench #1",
		    b->report_pid % 2, b->report_pid, b->report_pid % 2);
		break;
	case 4:
		lg_text(r, "Hardware name: QEMU Standard PC (i440FX + PIIX, "
		    "1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014");
		break;
	case 5:
		lg_text(r, "RIP: 0010:%s+0x%x/0x%x [kcatch_bench]", fn,
		    0x11 + b->report_fn, 0x90);
		break;
	case 6:
		lg_text(r, "RSP: 0018:ffffc900003d39f0 EFLAGS: 00010286");
		break;
	case 7:
		lg_text(r, "RAX: 0000000000000000 RBX: ffff888005db6000 "
		    "RCX: 0000000000000027");
		break;
	case 8:
		lg_text(r, "Call Trace:");
		break;
	case 9:
		lg_text(r, " <TASK>");
		break;
	case 10: case 11: case 12: case 13: case 14:
		lg_text(r, "%s", frames[i - 10]);
		break;
	case 15:
		lg_text(r, " </TASK>");
		break;
	default:
		lg_text(r, "---[ end trace 0000000000000000 ]---");
		break;
	}
}

/* Choose the next record of board b: banner, report line, long, plain. */
static void
lg_next_record(struct lg *lg, struct lg_board *b, struct lg_rec *r)
{
	unsigned every = lg->o.report_every, k = lg->o.frag_every;

	memset(r, 0, offsetof(struct lg_rec, text) + 1);
	r->dict = NULL;
	r->flag = '-';
	snprintf(r->caller, sizeof(r->caller), "T%u",
	    b->pids[lg_below(&b->rng, LG_CALLERS)]);
	b->nrec++;
	if (b->report_line < 0 && every && b->nrec % every == 0) {
		b->report_line = 0;
		b->report_pid = b->pids[lg_below(&b->rng, LG_CALLERS)];
		b->report_fn = lg_below(&b->rng, LG_NWARN_FNS);
		lg->st.reports++;
	}
	if (b->report_line >= 0) {
		snprintf(r->caller, sizeof(r->caller), "T%u", b->report_pid);
		lg_rec_warn(b, b->report_line++, r);
		lg->st.report_lines++;
		if (b->report_line == LG_WARN_LINES) {
			b->report_line = -1;
			b->report_done = true;
			b->report_seq = b->seq;
		}
	} else if (b->seq == 0) {
		lg_rec_banner(r);
	} else if (k && b->nrec % k == 0) {
		lg_rec_long(b, r);
		lg->st.long_records++;
	} else {
		lg_rec_ordinary(b, r);
	}
}

/*
 * Escape text the way printk's msg_add_ext_text() does: bytes < 0x20,
 * >= 0x7f and '\' become \xHH. Returns bytes written; counts escaped
 * newlines into *newlines.
 */
static size_t
lg_escape(char *dst, size_t room, const char *src, uint64_t *newlines)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)src;
	size_t n = 0;

	for (; *s != '\0' && n + 4 < room; s++) {
		if (*s < 0x20 || *s >= 0x7f || *s == '\\') {
			dst[n++] = '\\';
			dst[n++] = 'x';
			dst[n++] = hex[*s >> 4];
			dst[n++] = hex[*s & 15];
			*newlines += *s == '\n';
		} else {
			dst[n++] = (char)*s;
		}
	}
	return n;
}

/*
 * Format r as the kernel's ext message ("prio,seq,ts,flag,caller=..;text\n"
 * + dictionary) into msg. Returns its length; *hdr_len is the header
 * length (up to, not including, the ';').
 */
static size_t
lg_format(struct lg *lg, struct lg_board *b, const struct lg_rec *r,
    char *msg, size_t *hdr_len)
{
	uint64_t newlines = 0;
	size_t n;

	n = (size_t)snprintf(msg, LG_MSG_MAX, "%d,%" PRIu64 ",%" PRId64
	    ",%c,caller=%s", r->prio, b->seq, lg_ts_usec(lg, b), r->flag,
	    r->caller);
	*hdr_len = n;
	msg[n++] = ';';
	n += lg_escape(msg + n, LG_MSG_MAX - n - 256, r->text, &newlines);
	msg[n++] = '\n';
	if (r->dict != NULL)
		n += (size_t)snprintf(msg + n, LG_MSG_MAX - n, "%s", r->dict);
	lg->st.lines += 1 + newlines;
	return n;
}

/* Add one datagram of len bytes (already in the next slot). */
static void
lg_batch_add(struct lg *lg, size_t len)
{
	struct lg_batch *bt = &lg->batch;

	bt->iov[bt->n].iov_base = bt->slot[bt->n];
	bt->iov[bt->n].iov_len = len;
	memset(&bt->msgs[bt->n], 0, sizeof(bt->msgs[bt->n]));
	bt->msgs[bt->n].msg_hdr.msg_iov = &bt->iov[bt->n];
	bt->msgs[bt->n].msg_hdr.msg_iovlen = 1;
	bt->n++;
}

/*
 * Queue msg as the kernel would send it: whole when it fits LG_CHUNK,
 * else as slices "header,ncfrag=<off>/<total>;<slice>" where off/total
 * count the bytes after the ';' (send_fragmented_body()).
 */
static void
lg_queue_msg(struct lg *lg, const char *msg, size_t len, size_t hdr_len)
{
	struct lg_batch *bt = &lg->batch;
	const char *body = msg + hdr_len + 1;
	size_t total = len - hdr_len - 1, sent = 0, h, chunk;

	if (len <= LG_CHUNK) {
		memcpy(bt->slot[bt->n], msg, len);
		lg_batch_add(lg, len);
		return;
	}
	while (sent < total) {
		memcpy(bt->slot[bt->n], msg, hdr_len);
		h = hdr_len + (size_t)snprintf(bt->slot[bt->n] + hdr_len, 32,
		    ",ncfrag=%zu/%zu;", sent, total);
		chunk = total - sent < LG_CHUNK - h ? total - sent :
		    LG_CHUNK - h;
		memcpy(bt->slot[bt->n] + h, body + sent, chunk);
		lg_batch_add(lg, h + chunk);
		lg->st.fragments++;
		sent += chunk;
	}
}

/* Send the batch on b's socket; every datagram is retried past errors. */
static void
lg_batch_send(struct lg *lg, struct lg_board *b)
{
	struct lg_batch *bt = &lg->batch;
	unsigned done = 0, i;
	int n;

	while (done < bt->n) {
		n = sendmmsg(b->fd, bt->msgs + done, bt->n - done, 0);
		if (n > 0) {
			for (i = done; i < done + (unsigned)n; i++)
				lg->st.bytes += bt->msgs[i].msg_len;
			lg->st.datagrams += (unsigned)n;
			done += (unsigned)n;
		} else if (errno != EINTR) {
			lg->st.send_errors++;
			done++;		/* lost: ECONNREFUSED, ENOBUFS */
		}
	}
	bt->n = 0;
}

/* Remember when b's report ended (just after its last line left). */
static void
lg_note_report(struct lg *lg, struct lg_board *b)
{
	struct lg_report_time *t;

	b->report_done = false;
	if (lg->o.report_times == NULL)
		return;
	if (lg->ntimes == lg->captimes) {
		lg->captimes = lg->captimes ? lg->captimes * 2 : 1024;
		t = realloc(lg->times, lg->captimes * sizeof(*t));
		if (t == NULL)
			lg_die("out of memory");
		lg->times = t;
	}
	t = &lg->times[lg->ntimes++];
	t->board = (unsigned)(b - lg->boards);
	t->seq = b->report_seq;
	t->ms = lg_clock_ns(CLOCK_REALTIME) / 1000000;
}

/* Build and send n records of board b. */
static void
lg_send_board(struct lg *lg, struct lg_board *b, unsigned n)
{
	static char msg[LG_MSG_MAX];
	struct lg_rec r;
	size_t len, hdr;
	unsigned i;

	for (i = 0; i < n && lg->batch.n + 3 <= LG_DGRAMS; i++) {
		lg_next_record(lg, b, &r);
		len = lg_format(lg, b, &r, msg, &hdr);
		lg_queue_msg(lg, msg, len, hdr);
		b->seq++;
		lg->st.records++;
		if (b->report_done)
			break;	/* send now: its time is taken after send */
	}
	lg_batch_send(lg, b);
	if (b->report_done)
		lg_note_report(lg, b);
}

/* Records allowed now (at most LG_BATCH), or 0 and *wake to sleep till. */
static unsigned
lg_due(struct lg *lg, int64_t now, int64_t *wake)
{
	double want;

	if (lg->o.rate <= 0)
		return LG_BATCH;
	want = (double)(now - lg->start_ns) * lg->o.rate / NS;
	if (want >= (double)(lg->st.records + LG_BATCH))
		return LG_BATCH;
	*wake = lg->start_ns + (int64_t)((double)(lg->st.records + LG_BATCH) *
	    NS / lg->o.rate);
	return 0;
}

/* Sleep on CLOCK_MONOTONIC until the absolute time t (ns). */
static void
lg_sleep_until(int64_t t)
{
	struct timespec ts = { .tv_sec = t / NS, .tv_nsec = t % NS };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
	    NULL) == EINTR)
		;
}

/* The send loop: until --seconds have passed. */
static void
lg_run(struct lg *lg)
{
	int64_t end, now, wake = 0;
	unsigned n;

	lg->start_ns = lg_clock_ns(CLOCK_MONOTONIC);
	end = lg->start_ns + (int64_t)(lg->o.seconds * NS);
	while ((now = lg_clock_ns(CLOCK_MONOTONIC)) < end) {
		n = lg_due(lg, now, &wake);
		if (n == 0) {
			lg->st.sleeps++;
			lg_sleep_until(wake < end ? wake : end);
			continue;
		}
		lg_send_board(lg, &lg->boards[lg->cur], n);
		lg->cur = (lg->cur + 1) % lg->o.boards;
	}
	/* A report cut by the deadline is finished, so every one is whole. */
	for (n = 0; n < lg->o.boards; n++)
		while (lg->boards[n].report_line >= 0)
			lg_send_board(lg, &lg->boards[n], LG_BATCH);
}

/* Write --report-times. */
static void
lg_write_times(const struct lg *lg)
{
	FILE *f;
	size_t i;

	if (lg->o.report_times == NULL)
		return;
	f = fopen(lg->o.report_times, "w");
	if (f == NULL)
		lg_die("%s: %s", lg->o.report_times, strerror(errno));
	for (i = 0; i < lg->ntimes; i++)
		fprintf(f, "%s %" PRIu64 " %" PRId64 "\n",
		    lg->boards[lg->times[i].board].name, lg->times[i].seq,
		    lg->times[i].ms);
	if (fclose(f) != 0)
		lg_die("%s: %s", lg->o.report_times, strerror(errno));
}

/* Print the totals as one JSON object. */
static void
lg_print_json(const struct lg *lg, double elapsed)
{
	const struct lg_stats *s = &lg->st;

	printf("{\"boards\":%u,\"rate\":%.0f,\"seconds\":%.3f,"
	    "\"records\":%" PRIu64 ",\"datagrams\":%" PRIu64 ","
	    "\"bytes\":%" PRIu64 ",\"lines\":%" PRIu64 ","
	    "\"reports\":%" PRIu64 ",\"report_lines\":%" PRIu64 ","
	    "\"long_records\":%" PRIu64 ",\"fragments\":%" PRIu64 ","
	    "\"send_errors\":%" PRIu64 ",\"records_per_s\":%.0f,"
	    "\"datagrams_per_s\":%.0f}\n",
	    lg->o.boards, lg->o.rate, elapsed, s->records, s->datagrams,
	    s->bytes, s->lines, s->reports, s->report_lines, s->long_records,
	    s->fragments, s->send_errors, (double)s->records / elapsed,
	    (double)s->datagrams / elapsed);
}

int
main(int argc, char **argv)
{
	struct lg *lg;
	double elapsed;
	unsigned i;

	lg = calloc(1, sizeof(*lg));
	if (lg == NULL)
		lg_die("out of memory");
	lg_parse_args(argc, argv, &lg->o);
	lg_boards_open(lg);
	lg_run(lg);
	elapsed = (double)(lg_clock_ns(CLOCK_MONOTONIC) - lg->start_ns) / NS;
	lg_write_times(lg);
	lg_print_json(lg, elapsed);
	for (i = 0; i < lg->o.boards; i++)
		close(lg->boards[i].fd);
	free(lg->boards);
	free(lg->times);
	free(lg);
	return 0;
}
