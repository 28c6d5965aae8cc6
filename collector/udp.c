/* SPDX-License-Identifier: MIT */
/*
 * udp.c -- bind netconsole listeners and read them in batches. Owns the
 * socket options that keep a burst from being lost: a large receive
 * buffer (SO_RCVBUFFORCE needs CAP_NET_ADMIN, SO_RCVBUF is capped by
 * net.core.rmem_max) and SO_RXQ_OVFL, which makes the kernel attach its
 * running count of datagrams dropped on a full buffer to each read.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "udp.h"

#define UDP_CTRL_BYTES CMSG_SPACE(sizeof(uint32_t))

/* Set *cause to a formatted message with errno text appended. */
static int
udp_fail(char **cause, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int
udp_fail(char **cause, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	int saved_errno = errno;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cause != NULL && asprintf(cause, "%s: %s", msg,
	    strerror(saved_errno)) == -1)
		*cause = NULL;
	errno = saved_errno;
	return -1;
}

/* Ask for rcvbuf bytes: forced past rmem_max when permitted. */
static void
udp_set_rcvbuf(struct udp_sock *us, int rcvbuf)
{
	socklen_t len = sizeof(us->rcvbuf);
	int half = rcvbuf / 2;

	/* The kernel doubles the value for its bookkeeping; ask for half. */
	if (setsockopt(us->fd, SOL_SOCKET, SO_RCVBUFFORCE, &half,
	    sizeof(half)) == 0)
		us->rcvbuf_forced = true;
	else
		(void)setsockopt(us->fd, SOL_SOCKET, SO_RCVBUF, &half,
		    sizeof(half));
	if (getsockopt(us->fd, SOL_SOCKET, SO_RCVBUF, &us->rcvbuf, &len) == -1)
		us->rcvbuf = -1;
}

/* Set the options of a fresh socket before bind. */
static int
udp_setup(struct udp_sock *us, int rcvbuf, char **cause)
{
	const struct sockaddr_in6 *sin6 = (const void *)&us->addr;
	int one = 1, zero = 0;

	if (us->addr.ss_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr) &&
	    setsockopt(us->fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
	    sizeof(zero)) == -1)
		return udp_fail(cause, "%s: IPV6_V6ONLY", us->spec);
	if (us->addr.ss_family == AF_INET6 &&
	    !IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr) &&
	    setsockopt(us->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
	    sizeof(one)) == -1)
		return udp_fail(cause, "%s: IPV6_V6ONLY", us->spec);
	udp_set_rcvbuf(us, rcvbuf);
	us->ovfl = setsockopt(us->fd, SOL_SOCKET, SO_RXQ_OVFL, &one,
	    sizeof(one)) == 0;
	return 0;
}

/* Bind a listener. */
int
udp_open(struct udp_sock *us, const char *spec, int rcvbuf, char **cause)
{
	socklen_t len;

	memset(us, 0, sizeof(*us));
	us->fd = -1;
	snprintf(us->spec, sizeof(us->spec), "%s", spec);
	if (conf_parse_addr(spec, CONF_NETCONSOLE_PORT, &us->addr,
	    &us->addrlen, NULL, cause) == -1)
		return -1;
	us->fd = socket(us->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (us->fd == -1)
		return udp_fail(cause, "%s: socket", spec);
	if (udp_setup(us, rcvbuf, cause) == -1)
		goto fail;
	if (bind(us->fd, (struct sockaddr *)&us->addr, us->addrlen) == -1) {
		udp_fail(cause, "%s: bind", spec);
		goto fail;
	}
	len = sizeof(us->addr);
	if (getsockname(us->fd, (struct sockaddr *)&us->addr, &len) == -1) {
		udp_fail(cause, "%s: getsockname", spec);
		goto fail;
	}
	us->addrlen = len;
	return 0;
fail:
	udp_close(us);
	return -1;
}

/* Close a listener. */
void
udp_close(struct udp_sock *us)
{
	if (us->fd != -1)
		close(us->fd);
	us->fd = -1;
}

/* Bound address as text. */
char *
udp_sock_name(const struct udp_sock *us, char *buf, size_t len)
{
	return udp_addr_str((const struct sockaddr *)&us->addr, buf, len);
}

/* Format an address with its port. */
char *
udp_addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in *sin = (const void *)sa;
	const struct sockaddr_in6 *sin6 = (const void *)sa;
	char host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(sin->sin_port));
	} else if (sa->sa_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], host,
		    sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(sin6->sin6_port));
	} else if (sa->sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(sin6->sin6_port));
	} else {
		snprintf(buf, len, "(family %d)", sa->sa_family);
	}
	return buf;
}

/* Allocate batch buffers. */
struct udp_batch *
udp_batch_new(unsigned n)
{
	struct udp_batch *b;

	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	b->cap = n;
	b->msgs = calloc(n, sizeof(*b->msgs));
	b->iov = calloc(n, sizeof(*b->iov));
	b->addrs = calloc(n, sizeof(*b->addrs));
	b->bufs = malloc((size_t)n * UDP_DGRAM_MAX);
	b->ctrl = calloc(n, UDP_CTRL_BYTES);
	if (b->msgs == NULL || b->iov == NULL || b->addrs == NULL ||
	    b->bufs == NULL || b->ctrl == NULL) {
		udp_batch_free(b);
		return NULL;
	}
	return b;
}

/* Free batch buffers. */
void
udp_batch_free(struct udp_batch *b)
{
	if (b == NULL)
		return;
	free(b->msgs);
	free(b->iov);
	free(b->addrs);
	free(b->bufs);
	free(b->ctrl);
	free(b);
}

/* Reset the message headers before a read (the kernel rewrites them). */
static void
udp_batch_prepare(struct udp_batch *b)
{
	struct msghdr *h;
	unsigned i;

	for (i = 0; i < b->cap; i++) {
		b->iov[i].iov_base = b->bufs + (size_t)i * UDP_DGRAM_MAX;
		b->iov[i].iov_len = UDP_DGRAM_MAX;
		h = &b->msgs[i].msg_hdr;
		h->msg_name = &b->addrs[i];
		h->msg_namelen = sizeof(b->addrs[i]);
		h->msg_iov = &b->iov[i];
		h->msg_iovlen = 1;
		h->msg_control = b->ctrl + (size_t)i * UDP_CTRL_BYTES;
		h->msg_controllen = UDP_CTRL_BYTES;
		h->msg_flags = 0;
		b->msgs[i].msg_len = 0;
	}
}

/*
 * Take the kernel's drop counter from the newest datagram. It is a
 * running uint32 count for the socket (net/core/sock.c sock_recv_drops),
 * so the difference to the last one seen is what was lost since.
 */
static void
udp_count_drops(struct udp_sock *us, struct udp_batch *b)
{
	struct msghdr *h = &b->msgs[b->n - 1].msg_hdr;
	struct cmsghdr *cm;
	uint32_t v;

	for (cm = CMSG_FIRSTHDR(h); cm != NULL; cm = CMSG_NXTHDR(h, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SO_RXQ_OVFL)
			continue;
		memcpy(&v, CMSG_DATA(cm), sizeof(v));
		us->drops += (uint32_t)(v - us->ovfl_last);
		us->ovfl_last = v;
	}
}

/* Read one batch. */
int
udp_recv(struct udp_sock *us, struct udp_batch *b)
{
	int n;

	udp_batch_prepare(b);
	b->n = 0;
	do {
		n = recvmmsg(us->fd, b->msgs, b->cap, MSG_DONTWAIT, NULL);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
	b->n = (unsigned)n;
	if (n > 0 && us->ovfl)
		udp_count_drops(us, b);
	return n;
}

/* Bytes of datagram i. */
const unsigned char *
udp_batch_data(const struct udp_batch *b, unsigned i, size_t *len,
    bool *truncated)
{
	*len = b->msgs[i].msg_len;
	*truncated = (b->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
	return b->bufs + (size_t)i * UDP_DGRAM_MAX;
}

/* Source of datagram i. */
const struct sockaddr *
udp_batch_addr(const struct udp_batch *b, unsigned i, socklen_t *len)
{
	*len = b->msgs[i].msg_hdr.msg_namelen;
	return (const struct sockaddr *)&b->addrs[i];
}
