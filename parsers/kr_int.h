/* SPDX-License-Identifier: MIT */
/*
 * kr_int.h -- libkreport internals shared by engine.c, rules.c, report.c
 * and normalize.c. Not installed, not included outside parsers/.
 */
#ifndef KR_INT_H
#define KR_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kreport.h"

/* Rule flags. */
#define KR_F_END_REQUIRED 0x0001 /* no end marker => corrupted */
#define KR_F_PULL_CUT 0x0002     /* pull back to "cut here" + message */
#define KR_F_PULL_FRAME 0x0004   /* pull back the "=====" frame line */
#define KR_F_TRACE_END 0x0008    /* no marker: report ends with trace */
#define KR_F_ABSORB_WARN 0x0010  /* a following WARNING:/BUG is ours */
#define KR_F_ABSORB_DIE 0x0020   /* a following die line is ours */
#define KR_F_DIE 0x0040          /* this header is a die() line */
#define KR_F_PANIC 0x0080        /* the panic rule */
#define KR_F_FOREIGN 0x0100      /* takes lines of other callers */
#define KR_F_NEED_FRAME 0x0200   /* no guilty frame => corrupted */
#define KR_F_FRAME_PC 0x0400     /* guilty frame from RIP:/pc : first */
#define KR_F_FRAME_AT 0x0800     /* guilty frame from "at: func" first */
#define KR_F_FRAME_HDR 0x1000    /* guilty frame from header (?<func>) */
#define KR_F_NO_FRAME 0x2000     /* report names no function */
#define KR_F_SKIP_IRQ 0x4000     /* guilty frame not from <IRQ>/<NMI> */
#define KR_F_WARN 0x8000         /* the generic WARNING: rule */
#define KR_F_ADDENDUM 0x10000    /* only adds to an open report of its class */

/* Skip-list groups (bit mask) for the guilty frame. */
#define KR_SKIP_COMMON 0x001
#define KR_SKIP_SANITIZER 0x002
#define KR_SKIP_LOCK 0x004
#define KR_SKIP_SCHED 0x008
#define KR_SKIP_ALLOC 0x010
#define KR_SKIP_FREE 0x020
#define KR_SKIP_LIST 0x040
#define KR_SKIP_REFCOUNT 0x080
#define KR_SKIP_ODEBUG 0x100
#define KR_SKIP_IRQ 0x200
#define KR_SKIP_MIGHT 0x400
#define KR_SKIP_USERCOPY 0x800

struct kr_rule {
	const char *name; /* short id, unique: "kasan", "warn-old" */
	enum kr_class cls;
	const char *prefix;  /* literal the normalised line starts with */
	const char *header;  /* PCRE2 pattern; named groups feed fields */
	const char *subtype; /* fixed subtype; NULL: (?<subtype>) group */
	const char *title;   /* template, see report.c expand_title() */
	const char *end;     /* end-marker pattern or NULL */
	const char
	    *frame_re;    /* (?<func>) searched in the body first, or NULL */
	unsigned flags;   /* KR_F_* */
	unsigned skip;    /* KR_SKIP_* groups for the guilty frame */
	const char *text; /* one sentence for docs and tools */
};

extern const struct kr_rule kr_rules[];
extern const size_t kr_nrules;

/* Panic reasons that only say "an earlier report happened". */
bool kr_panic_reason_refers(const char *reason);
/* ... or follow from the report just before them (attach to it). */
bool kr_panic_reason_attaches(const char *reason);

/* normalize.c */
struct kr_norm {
	int64_t ktime_us;
	char caller[8];
	int level;
};
size_t kr_norm_line(
    const char *in, size_t len, char *out, size_t outsz, struct kr_norm *n);

/* One collected report line. */
struct kr_rline {
	size_t off; /* offset of the text in the report buffer */
	size_t len;
	uint64_t ref;
	int64_t recv_ms;
	int64_t ktime_us;
};

/* The state of a report while it is being assembled; owned by the ctx. */
struct kr_open {
	const struct kr_rule *rule;
	char caller[8];
	char *buf; /* line texts, back to back */
	size_t buflen, bufcap;
	struct kr_rline *lines;
	size_t nlines, linecap;
	size_t hdr_line;        /* index of the header line */
	bool ended;             /* own end marker seen */
	bool panicked;          /* a panic was absorbed */
	char *panic_reason;     /* owned */
	const char *cut_reason; /* why it closed without an end */
	bool in_trace;          /* inside a Call Trace section */
	bool trace_seen;
	bool trace_has_task; /* "<TASK>" markers seen */
	int64_t last_recv_ms;
	size_t tail_from; /* lines >= this are linger tail */
	bool lingering;
};

/* report.c: turn a finished kr_open into a kr_report. */
struct kr_report *kr_build_report(const struct kr_open *o);

/* engine.c exports to report.c: run a rule's header regex again and copy
 * named group @name into a malloc'd string (NULL if unset). */
char *kr_header_group(
    const struct kr_rule *rule, const char *text, size_t len, const char *name);

/* Search a rule's frame_re in text; malloc'd (?<func>) or NULL. */
char *
kr_frame_re_group(const struct kr_rule *rule, const char *text, size_t len);

/* report.c helpers used by engine.c as well */
bool kr_is_frame_line(const char *s, size_t len);

#endif /* KR_INT_H */
