/* SPDX-License-Identifier: MIT */
/*
 * udp.h -- UDP listeners for netconsole (prefix udp_): bind IPv4/IPv6
 * (dual-stack for "[::]"), a large receive buffer, kernel drop counting
 * with SO_RXQ_OVFL, and batched reads with recvmmsg into preallocated
 * buffers. No event loop and no logging here: the caller owns both.
 */
#ifndef KCATCH_UDP_H
#define KCATCH_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * Largest datagram kept. Netconsole never sends more than MAX_PRINT_CHUNK
 * (1000) bytes of payload plus a header of about 150 bytes; bigger
 * datagrams are read truncated, flagged and counted as malformed.
 */
#define UDP_DGRAM_MAX 4096
#define UDP_ADDRSTRLEN 64 /* "[ffff:...:ffff]:65535" with room */

/* One bound socket. */
struct udp_sock {
	int fd;				/* -1 when closed */
	char spec[UDP_ADDRSTRLEN];	/* the address as configured */
	struct sockaddr_storage addr;	/* bound address (real port) */
	socklen_t addrlen;
	int rcvbuf;			/* SO_RCVBUF the kernel granted */
	bool rcvbuf_forced;		/* SO_RCVBUFFORCE worked */
	bool ovfl;			/* SO_RXQ_OVFL is on */
	uint32_t ovfl_last;		/* last drop counter the kernel sent */
	uint64_t drops;			/* datagrams the kernel dropped */
};

/*
 * Bind spec ("ADDR:PORT", "[V6]:PORT"; port 0 picks a free one) with a
 * receive buffer of rcvbuf bytes, nonblocking. "[::]" accepts IPv4 too.
 * Returns 0 or -1 with *cause (caller frees).
 */
int udp_open(struct udp_sock *us, const char *spec, int rcvbuf,
    char **cause);
/* Close the socket (safe on a closed one). */
void udp_close(struct udp_sock *us);
/* Bound address as text, "127.0.0.1:6666" / "[::]:6666", into buf. */
char *udp_sock_name(const struct udp_sock *us, char *buf, size_t len);

/* Preallocated buffers for one recvmmsg call of up to n datagrams. */
struct udp_batch {
	unsigned cap;			/* datagrams per call */
	unsigned n;			/* datagrams in the last call */
	struct mmsghdr *msgs;
	struct iovec *iov;
	struct sockaddr_storage *addrs;
	unsigned char *bufs;		/* cap * UDP_DGRAM_MAX bytes */
	unsigned char *ctrl;		/* cap * UDP_CTRL_BYTES bytes */
};

/* Allocate a batch of n datagrams. NULL when out of memory. */
struct udp_batch *udp_batch_new(unsigned n);
void udp_batch_free(struct udp_batch *b);

/*
 * Read up to b->cap datagrams from us without blocking. Returns the number
 * read (also in b->n), 0 when none is waiting, -1 on a socket error (errno
 * set). Kernel drops reported by SO_RXQ_OVFL are added to us->drops.
 */
int udp_recv(struct udp_sock *us, struct udp_batch *b);

/*
 * Datagram i of the last udp_recv: its bytes and length; *truncated is
 * set when it was longer than UDP_DGRAM_MAX (then only that much is kept).
 */
const unsigned char *udp_batch_data(const struct udp_batch *b, unsigned i,
    size_t *len, bool *truncated);
/* Source address of datagram i. */
const struct sockaddr *udp_batch_addr(const struct udp_batch *b, unsigned i,
    socklen_t *len);

/*
 * Format a socket address as "1.2.3.4:5" or "[::1]:5" (IPv4-mapped IPv6
 * shown as IPv4). Returns buf.
 */
char *udp_addr_str(const struct sockaddr *sa, char *buf, size_t len);

#endif /* KCATCH_UDP_H */
