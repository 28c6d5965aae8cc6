/* SPDX-License-Identifier: MIT */
/*
 * nc_fuzz.c -- libFuzzer target for the netconsole decoder (nc_).
 *
 * Input: one mode byte, then datagrams, each as a control byte, a 2-byte
 * big-endian length and the bytes (a short last one takes what is left).
 * Mode bit 0 shrinks every limit so eviction, expiry and caps are reached;
 * bit 1 turns continuation merging off. Control bits 0-5 advance the clock
 * in ms, bit 6 calls nc_rx_tick() after the datagram, bit 7 jumps 3 s (past
 * every timeout). Every record popped is checked against the header's
 * promises; a broken promise aborts. Seeds: fuzz/corpus/nc/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netconsole.h"

/* Abort unless cond: a promise of netconsole.h was broken. */
#define check(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "nc_fuzz: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		abort();						\
	}								\
} while (0)

/* Pop and check every ready record. */
static void
drain(struct nc_rx *rx)
{
	struct nc_record	*r;
	size_t			 i;

	while ((r = nc_rx_next(rx)) != NULL) {
		check(r->text != NULL && strlen(r->text) == r->text_len);
		check(r->format == NC_FMT_PLAIN || r->format == NC_FMT_EXT);
		check(r->level >= -1 && r->level <= 7);
		check(strlen(r->caller) < NC_CALLER_MAX);
		check(strlen(r->release) < NC_RELEASE_MAX);
		check(r->format == NC_FMT_EXT || r->ts_usec == -1);
		for (i = 0; i < r->nattrs; i++) {
			check(r->attrs[i].key != NULL);
			check(r->attrs[i].value != NULL);
			check(nc_record_attr(r, r->attrs[i].key) != NULL);
		}
		/* Both ways out: reused nodes must come back clean. */
		if (r->seq % 2 == 0)
			nc_rx_recycle(rx, r);
		else
			nc_record_free(r);
	}
}

/* Limits small enough for the fuzzer to hit every cap. */
static void
small_limits(struct nc_limits *lim)
{
	lim->frag_max_pending = 2;
	lim->frag_max_bytes = 3000;
	lim->frag_total_max = 2048;
	lim->frag_timeout_ms = 50;
	lim->line_max_bytes = 300;
	lim->plain_flush_ms = 20;
	lim->cont_hold_ms = 30;
	lim->cont_hold_max = 3;
	lim->queue_max = 8;
	lim->seq_window = 16;
	lim->replay_hold_max = 4;
	lim->replay_hold_ms = 40;
	lim->ts_back_usec = 1000;
	lim->max_attrs = 3;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nc_limits	 lim;
	struct nc_rx		*rx;
	const char		*why;
	int64_t			 now = 0;
	size_t			 len;
	uint8_t			 ctl;

	if (size < 1)
		return 0;
	nc_limits_default(&lim);
	if (data[0] & 1)
		small_limits(&lim);
	if (data[0] & 2)
		lim.cont_hold_ms = -1;
	data++;
	size--;
	if ((rx = nc_rx_new(&lim)) == NULL)
		return 0;
	while (size >= 3) {
		ctl = data[0];
		len = (size_t)data[1] << 8 | data[2];
		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		now += (ctl & 0x3f) + (ctl & 0x80 ? 3000 : 0);
		why = NULL;
		if (nc_rx_feed(rx, data, len, now, &why) != 0)
			check(why != NULL && why[0] != '\0');
		data += len;
		size -= len;
		if (ctl & 0x40)
			nc_rx_tick(rx, now);
		check(nc_rx_deadline(rx) == -1 || nc_rx_deadline(rx) >= 0);
		check(nc_rx_counters(rx)->frags_pending <=
		    lim.frag_max_pending);
		drain(rx);
	}
	nc_rx_flush(rx, now + 1);
	drain(rx);
	check(nc_rx_counters(rx)->frags_pending == 0);
	check(nc_rx_deadline(rx) == -1);
	nc_rx_free(rx);
	return 0;
}
