/* SPDX-License-Identifier: MIT */
/*
 * count_recv.c -- the counting-only netconsole receiver of the collector
 * bench: the upper bound for any receiver on this machine.
 *
 * Binds one UDP socket with a large receive buffer (SO_RCVBUFFORCE when
 * permitted, else SO_RCVBUF capped by net.core.rmem_max), reads with
 * recvmmsg in batches and only counts: datagrams, bytes, records (a
 * datagram without ncfrag, or the ncfrag=0/ slice), fragment slices,
 * distinct sources, and the kernel's drop counter (SO_RXQ_OVFL). It stops
 * after --idle seconds without data (once data came), after --max-seconds,
 * or on SIGTERM/SIGINT, and prints one JSON object.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CR_BATCH 64		/* datagrams per recvmmsg */
#define CR_DGRAM_MAX 2048	/* netconsole sends at most 1000 + header */
#define CR_CTRL CMSG_SPACE(sizeof(uint32_t))
#define CR_SOURCES 8192		/* distinct sources tracked (hash set) */
#define CR_POLL_MS 100

/* Command line. */
struct cr_opts {
	struct sockaddr_in listen;
	int rcvbuf;		/* bytes the kernel should account (SO_RCVBUF
				   reads back this); default 4 MiB */
	double idle;		/* seconds without data before exiting */
	double max_seconds;	/* 0 = no limit */
	const char *ready_file;	/* touched once bound */
};

/* Counters. */
struct cr_stats {
	uint64_t datagrams;
	uint64_t bytes;
	uint64_t records;
	uint64_t frag_slices;
	uint64_t truncated;
	uint64_t drops;		/* SO_RXQ_OVFL */
	uint32_t ovfl_last;
	uint64_t sources;
	uint64_t calls;
	int64_t first_ns, last_ns;
};

/* The receiver. */
struct cr {
	struct cr_opts o;
	struct cr_stats st;
	int fd;
	int rcvbuf_granted;
	bool forced;
	struct mmsghdr msgs[CR_BATCH];
	struct iovec iov[CR_BATCH];
	struct sockaddr_in addrs[CR_BATCH];
	char bufs[CR_BATCH][CR_DGRAM_MAX];
	char ctrl[CR_BATCH][CR_CTRL];
	uint64_t seen[CR_SOURCES]; /* addr<<16|port, +1; 0 = empty */
};

static volatile sig_atomic_t cr_stop;

/* Note a stop signal. */
static void
cr_on_signal(int sig)
{
	(void)sig;
	cr_stop = 1;
}

/* Print usage and exit. */
static void
cr_usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: count_recv --listen ADDR:PORT [--rcvbuf BYTES] "
	    "[--idle S] [--max-seconds S]\n"
	    "                  [--ready-file FILE]\n");
	exit(status);
}

/* Print an error and exit 2. */
static void
cr_die(const char *what)
{
	fprintf(stderr, "count_recv: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* Monotonic clock in ns. */
static int64_t
cr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Parse "A.B.C.D:PORT". */
static void
cr_parse_addr(const char *s, struct sockaddr_in *sin)
{
	char host[64];
	const char *colon = strrchr(s, ':');

	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		cr_usage(1);
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		cr_usage(1);
}

/* Fill o from argv. */
static void
cr_parse_args(int argc, char **argv, struct cr_opts *o)
{
	static const struct option longopts[] = {
		{"listen", required_argument, NULL, 'l'},
		{"rcvbuf", required_argument, NULL, 'b'},
		{"idle", required_argument, NULL, 'i'},
		{"max-seconds", required_argument, NULL, 'm'},
		{"ready-file", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool have_listen = false;
	int c;

	memset(o, 0, sizeof(*o));
	o->rcvbuf = 4 << 20;
	o->idle = 2;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			cr_parse_addr(optarg, &o->listen);
			have_listen = true;
			break;
		case 'b':
			o->rcvbuf = atoi(optarg);
			break;
		case 'i':
			o->idle = atof(optarg);
			break;
		case 'm':
			o->max_seconds = atof(optarg);
			break;
		case 'r':
			o->ready_file = optarg;
			break;
		case 'h':
			cr_usage(0);
			break;
		default:
			cr_usage(1);
		}
	}
	if (!have_listen || o->rcvbuf <= 0 || optind != argc)
		cr_usage(1);
}

/*
 * Bind the socket. The kernel doubles what SO_RCVBUF asks for and reads
 * back the doubled value, so ask for half of the wanted accounting limit
 * (as collector/udp.c does).
 */
static void
cr_open(struct cr *cr)
{
	int half = cr->o.rcvbuf / 2, one = 1;
	socklen_t len = sizeof(cr->rcvbuf_granted);
	FILE *f;

	cr->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (cr->fd == -1)
		cr_die("socket");
	cr->forced = setsockopt(cr->fd, SOL_SOCKET, SO_RCVBUFFORCE, &half,
	    sizeof(half)) == 0;
	if (!cr->forced)
		(void)setsockopt(cr->fd, SOL_SOCKET, SO_RCVBUF, &half,
		    sizeof(half));
	(void)getsockopt(cr->fd, SOL_SOCKET, SO_RCVBUF, &cr->rcvbuf_granted,
	    &len);
	(void)setsockopt(cr->fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
	if (bind(cr->fd, (struct sockaddr *)&cr->o.listen,
	    sizeof(cr->o.listen)) == -1)
		cr_die("bind");
	if (cr->o.ready_file != NULL) {
		f = fopen(cr->o.ready_file, "w");
		if (f == NULL || fclose(f) != 0)
			cr_die(cr->o.ready_file);
	}
}

/* Point the message headers at the buffers again (recvmmsg rewrites). */
static void
cr_prepare(struct cr *cr)
{
	struct msghdr *h;
	unsigned i;

	for (i = 0; i < CR_BATCH; i++) {
		cr->iov[i].iov_base = cr->bufs[i];
		cr->iov[i].iov_len = CR_DGRAM_MAX;
		h = &cr->msgs[i].msg_hdr;
		h->msg_name = &cr->addrs[i];
		h->msg_namelen = sizeof(cr->addrs[i]);
		h->msg_iov = &cr->iov[i];
		h->msg_iovlen = 1;
		h->msg_control = cr->ctrl[i];
		h->msg_controllen = CR_CTRL;
		h->msg_flags = 0;
	}
}

/* Count a source address once. */
static void
cr_note_source(struct cr *cr, const struct sockaddr_in *sin)
{
	uint64_t key = ((uint64_t)sin->sin_addr.s_addr << 16 |
	    sin->sin_port) + 1;
	size_t i = (size_t)(key * 0x9e3779b97f4a7c15ULL >> 40) % CR_SOURCES;
	size_t probes;

	for (probes = 0; probes < CR_SOURCES; probes++) {
		if (cr->seen[i] == key)
			return;
		if (cr->seen[i] == 0) {
			cr->seen[i] = key;
			cr->st.sources++;
			return;
		}
		i = (i + 1) % CR_SOURCES;
	}
}

/* A datagram is a record unless it is a ncfrag slice past offset 0. */
static void
cr_count_dgram(struct cr *cr, const char *p, size_t len)
{
	const char *semi = memchr(p, ';', len < 200 ? len : 200);
	const char *frag;

	cr->st.datagrams++;
	cr->st.bytes += len;
	if (semi == NULL) {
		cr->st.records++;	/* plain text */
		return;
	}
	frag = memmem(p, (size_t)(semi - p), ",ncfrag=", 8);
	if (frag == NULL) {
		cr->st.records++;
		return;
	}
	cr->st.frag_slices++;
	if (frag[8] == '0' && frag[9] == '/')
		cr->st.records++;
}

/* Take the kernel's running drop count from the newest datagram. */
static void
cr_count_drops(struct cr *cr, struct msghdr *h)
{
	struct cmsghdr *cm;
	uint32_t v;

	for (cm = CMSG_FIRSTHDR(h); cm != NULL; cm = CMSG_NXTHDR(h, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SO_RXQ_OVFL)
			continue;
		memcpy(&v, CMSG_DATA(cm), sizeof(v));
		cr->st.drops += (uint32_t)(v - cr->st.ovfl_last);
		cr->st.ovfl_last = v;
	}
}

/* Drain the socket. Returns datagrams read. */
static uint64_t
cr_drain(struct cr *cr)
{
	uint64_t got = 0;
	int n, i;

	for (;;) {
		cr_prepare(cr);
		n = recvmmsg(cr->fd, cr->msgs, CR_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			if (n == -1 && errno != EAGAIN && errno != EINTR)
				cr_die("recvmmsg");
			return got;
		}
		cr->st.calls++;
		for (i = 0; i < n; i++) {
			cr_count_dgram(cr, cr->bufs[i], cr->msgs[i].msg_len);
			cr->st.truncated += (cr->msgs[i].msg_hdr.msg_flags &
			    MSG_TRUNC) != 0;
			cr_note_source(cr, &cr->addrs[i]);
		}
		cr_count_drops(cr, &cr->msgs[n - 1].msg_hdr);
		got += (uint64_t)n;
	}
}

/* Wait and drain until idle, the time limit or a signal. */
static void
cr_loop(struct cr *cr)
{
	struct pollfd pfd = { .fd = cr->fd, .events = POLLIN };
	int64_t start = cr_now_ns(), now;

	while (!cr_stop) {
		if (poll(&pfd, 1, CR_POLL_MS) == -1 && errno != EINTR)
			cr_die("poll");
		now = cr_now_ns();
		if (cr_drain(cr) > 0) {
			if (cr->st.first_ns == 0)
				cr->st.first_ns = now;
			cr->st.last_ns = now;
		}
		if (cr->st.last_ns != 0 && cr->o.idle > 0 &&
		    now - cr->st.last_ns > (int64_t)(cr->o.idle * 1e9))
			break;
		if (cr->o.max_seconds > 0 &&
		    now - start > (int64_t)(cr->o.max_seconds * 1e9))
			break;
	}
}

/* Print the counts as one JSON object. */
static void
cr_print_json(const struct cr *cr)
{
	const struct cr_stats *s = &cr->st;
	double span = (double)(s->last_ns - s->first_ns) / 1e9;

	printf("{\"datagrams\":%" PRIu64 ",\"bytes\":%" PRIu64 ","
	    "\"records\":%" PRIu64 ",\"frag_slices\":%" PRIu64 ","
	    "\"truncated\":%" PRIu64 ",\"socket_drops\":%" PRIu64 ","
	    "\"sources\":%" PRIu64 ",\"recvmmsg_calls\":%" PRIu64 ","
	    "\"rcvbuf\":%d,\"rcvbuf_forced\":%s,\"span_s\":%.3f}\n",
	    s->datagrams, s->bytes, s->records, s->frag_slices, s->truncated,
	    s->drops, s->sources, s->calls, cr->rcvbuf_granted,
	    cr->forced ? "true" : "false", span);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	struct cr *cr;

	cr = calloc(1, sizeof(*cr));
	if (cr == NULL)
		cr_die("calloc");
	cr_parse_args(argc, argv, &cr->o);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cr_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	cr_open(cr);
	cr_loop(cr);
	cr_drain(cr);
	cr_print_json(cr);
	close(cr->fd);
	free(cr);
	return 0;
}
