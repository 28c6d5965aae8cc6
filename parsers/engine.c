/* SPDX-License-Identifier: MIT */
/*
 * engine.c -- the streaming report cutter; the only user of PCRE2.
 *
 * Owns the compiled rule table (built once per process, JIT), the per-stream
 * context (struct kr_ctx), the look-back ring of recent lines, the reports
 * being assembled and the queue of finished ones. A line flows:
 * normalise -> boot/header check (literal prefilter, then the rule's regex)
 * -> append to the open report of its caller / start a report / stay free.
 * No I/O, no logging, no clock: time comes in with each line or kr_tick().
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr_int.h"

#define KR_RING 24         /* look-back lines kept per stream */
#define KR_MAX_OPEN 8      /* reports assembled at once (callers) */
#define KR_LINGER_LINES 64 /* lines a finished report waits for a panic */
#define KR_LINGER_MS 50 /* ms a finished report waits for a panic */
#define KR_PULL_MAX 10     /* lines a header may pull back */

/* ---- compiled, process-wide tables ---- */

struct crule {
	pcre2_code *hdr;
	pcre2_code *end;
	pcre2_code *frame;
};

struct pref {
	const char *s;
	size_t len;
	size_t rule;
};

static struct {
	struct crule *rules;
	pcre2_code **fields;
	struct pref *byfirst[256];
	size_t nbyfirst[256];
	char *error;
	bool ok;
} G;
static pthread_once_t G_once = PTHREAD_ONCE_INIT;

extern const char *const kr_field_patterns[];
extern const size_t kr_nfield_patterns;

static pcre2_code *
compile(const char *pat, char **err)
{
	int ec;
	PCRE2_SIZE eo;
	pcre2_code *c;
	PCRE2_UCHAR msg[160];

	c = pcre2_compile(
	    (PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0, &ec, &eo, NULL);
	if (c == NULL) {
		pcre2_get_error_message(ec, msg, sizeof(msg));
		if (*err == NULL && (*err = malloc(512)) != NULL)
			snprintf(*err, 512, "rule pattern /%.200s/ at %zu: %s",
			    pat, (size_t)eo, (char *)msg);
		return NULL;
	}
	pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
	return c;
}

/* Add every '|'-separated literal of a rule's prefix to the first-byte map. */
static bool
add_prefixes(size_t ri)
{
	const char *p = kr_rules[ri].prefix, *bar;
	struct pref *np;
	unsigned char c;

	while (p && *p) {
		bar = strchr(p, '|');
		c = (unsigned char)p[0];
		np = realloc(G.byfirst[c], (G.nbyfirst[c] + 1) * sizeof(*np));
		if (np == NULL)
			return false;
		G.byfirst[c] = np;
		np[G.nbyfirst[c]].s = p;
		np[G.nbyfirst[c]].len = bar ? (size_t)(bar - p) : strlen(p);
		np[G.nbyfirst[c]].rule = ri;
		G.nbyfirst[c]++;
		p = bar ? bar + 1 : NULL;
	}
	return true;
}

static void
global_init(void)
{
	size_t i;

	G.rules = calloc(kr_nrules, sizeof(*G.rules));
	G.fields = calloc(kr_nfield_patterns + 1, sizeof(*G.fields));
	if (G.rules == NULL || G.fields == NULL)
		return;
	for (i = 0; i < kr_nrules; i++) {
		G.rules[i].hdr = compile(kr_rules[i].header, &G.error);
		if (G.rules[i].hdr == NULL)
			return;
		if (kr_rules[i].end) {
			G.rules[i].end = compile(kr_rules[i].end, &G.error);
			if (G.rules[i].end == NULL)
				return;
		}
		if (kr_rules[i].frame_re) {
			G.rules[i].frame =
			    compile(kr_rules[i].frame_re, &G.error);
			if (G.rules[i].frame == NULL)
				return;
		}
		if (!add_prefixes(i))
			return;
	}
	for (i = 0; i < kr_nfield_patterns; i++)
		if ((G.fields[i] = compile(kr_field_patterns[i], &G.error)) ==
		    NULL)
			return;
	G.ok = true;
}

/* ---- per-stream state ---- */

struct slot {
	char *text; /* normalised text, owned, capacity cap */
	size_t len, cap;
	uint64_t ref;
	int64_t recv_ms;
	int64_t ktime_us;
	char caller[8];
	bool used; /* consumed by a report */
	bool valid;
};

struct done {
	struct kr_report *r;
	struct done *next;
};

struct kr_ctx {
	struct kr_config cfg;
	pcre2_match_data *md;
	struct slot ring[KR_RING];
	size_t head; /* next slot to write */
	struct kr_open *open[KR_MAX_OPEN];
	struct done *dhead, *dtail;
	bool ext_seen;    /* stream carries /dev/kmsg-style records */
	char release[80]; /* uname -r of the running kernel, or "" */
	char *scratch;    /* ext record decode buffer */
	size_t scratch_cap;
};

static bool
grow(char **buf, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : 128;
	char *nb;

	if (need <= *cap)
		return true;
	while (ncap < need)
		ncap *= 2;
	if ((nb = realloc(*buf, ncap)) == NULL)
		return false;
	*buf = nb;
	*cap = ncap;
	return true;
}

struct kr_ctx *
kr_new(const struct kr_config *cfg, char **cause)
{
	struct kr_ctx *ctx;

	pthread_once(&G_once, global_init);
	if (!G.ok) {
		if (cause)
			*cause = strdup(G.error ? G.error : "out of memory");
		return NULL;
	}
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		goto fail;
	if (cfg)
		ctx->cfg = *cfg;
	if (ctx->cfg.quiet_ms <= 0)
		ctx->cfg.quiet_ms = KR_DEFAULT_QUIET_MS;
	if (ctx->cfg.max_lines == 0)
		ctx->cfg.max_lines = KR_DEFAULT_MAX_LINES;
	if ((ctx->md = pcre2_match_data_create(40, NULL)) == NULL)
		goto fail;
	return ctx;
fail:
	kr_free(ctx);
	if (cause)
		*cause = strdup("out of memory");
	return NULL;
}

static void
open_free(struct kr_open *o)
{
	if (o == NULL)
		return;
	free(o->buf);
	free(o->lines);
	free(o->panic_reason);
	free(o);
}

void
kr_free(struct kr_ctx *ctx)
{
	size_t i;
	struct done *d, *dn;

	if (ctx == NULL)
		return;
	for (i = 0; i < KR_RING; i++)
		free(ctx->ring[i].text);
	for (i = 0; i < KR_MAX_OPEN; i++)
		open_free(ctx->open[i]);
	for (d = ctx->dhead; d; d = dn) {
		dn = d->next;
		kr_report_free(d->r);
		free(d);
	}
	if (ctx->md)
		pcre2_match_data_free(ctx->md);
	free(ctx->scratch);
	free(ctx);
}

/* ---- regex helpers (also used by report.c) ---- */

static bool
re_match(pcre2_code *c, pcre2_match_data *md, const char *s, size_t n)
{
	return pcre2_match(c, (PCRE2_SPTR)s, n, 0, 0, md, NULL) >= 0;
}

/* Copy named group @name of the last match into a new string. */
static char *
group_dup(pcre2_code *c, pcre2_match_data *md, const char *s, const char *name)
{
	int num = pcre2_substring_number_from_name(c, (PCRE2_SPTR)name);
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
	uint32_t cnt = pcre2_get_ovector_count(md);
	char *out;
	size_t n;

	if (num < 0 || (uint32_t)num >= cnt || ov[2 * num] == PCRE2_UNSET)
		return NULL;
	n = ov[2 * num + 1] - ov[2 * num];
	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(out, s + ov[2 * num], n);
	out[n] = '\0';
	return out;
}

static char *
match_groups(pcre2_code *c, const char *s, size_t n, const char *const *names,
    char **out, size_t nnames, bool *matched)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(c, NULL);
	size_t i;

	*matched = false;
	if (md == NULL)
		return NULL;
	if (re_match(c, md, s, n)) {
		*matched = true;
		for (i = 0; i < nnames; i++)
			out[i] = group_dup(c, md, s, names[i]);
	}
	pcre2_match_data_free(md);
	return NULL;
}

char *
kr_header_group(
    const struct kr_rule *rule, const char *text, size_t len, const char *name)
{
	size_t ri = (size_t)(rule - kr_rules);
	char *out = NULL;
	bool m;

	match_groups(G.rules[ri].hdr, text, len, &name, &out, 1, &m);
	return out;
}

char *
kr_frame_re_group(const struct kr_rule *rule, const char *text, size_t len)
{
	size_t ri = (size_t)(rule - kr_rules);
	const char *name = "func";
	char *out = NULL;
	bool m;

	if (G.rules[ri].frame == NULL)
		return NULL;
	match_groups(G.rules[ri].frame, text, len, &name, &out, 1, &m);
	return out;
}

/* Run field pattern @idx; fill out[] with the named groups; true on match. */
bool
kr_field_match(size_t idx, const char *s, size_t n, const char *const *names,
    char **out, size_t nnames)
{
	bool m;

	if (idx >= kr_nfield_patterns)
		return false;
	match_groups(G.fields[idx], s, n, names, out, nnames, &m);
	return m;
}

/* ---- classification of one line ---- */

/* Rule index whose header matches, or -1. The prefilter keeps regexes off
 * lines that start with no rule's literal. */
static int
match_header(struct kr_ctx *ctx, const char *t, size_t n)
{
	unsigned char c;
	size_t i, cnt;
	const struct pref *p;

	if (n == 0)
		return -1;
	c = (unsigned char)t[0];
	cnt = G.nbyfirst[c];
	p = G.byfirst[c];
	for (i = 0; i < cnt; i++) {
		if (n < p[i].len || memcmp(t, p[i].s, p[i].len))
			continue;
		if (re_match(G.rules[p[i].rule].hdr, ctx->md, t, n))
			return (int)p[i].rule;
	}
	return -1;
}

static bool
starts(const char *t, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n >= l && !memcmp(t, lit, l);
}

/* A line that starts a new kernel: everything open was cut by a reset. */
static bool
is_boot_line(const char *t, size_t n)
{
	if (n < 14 || (t[0] != 'L' && t[0] != 'B'))
		return false;
	return starts(t, n, "Linux version ") ||
	    starts(t, n, "Booting Linux on physical CPU");
}

static bool
is_cut_here(const char *t, size_t n)
{
	return n >= 20 && starts(t, n, "------------[ cut here ]");
}

static bool
is_frame_sep(const char *t, size_t n)
{
	size_t i;

	if (n < 20)
		return false;
	for (i = 0; i < n; i++)
		if (t[i] != '=' && !(i >= 20 && (t[i] == ' ' || t[i] == '\t')))
			return false;
	return true;
}

/* ---- report assembly ---- */

static bool
open_append(struct kr_open *o, const struct slot *s)
{
	struct kr_rline *l;

	if (o->nlines == o->linecap) {
		size_t nc = o->linecap ? o->linecap * 2 : 32;
		struct kr_rline *nl = realloc(o->lines, nc * sizeof(*nl));

		if (nl == NULL)
			return false;
		o->lines = nl;
		o->linecap = nc;
	}
	if (!grow(&o->buf, &o->bufcap, o->buflen + s->len + 1))
		return false;
	memcpy(o->buf + o->buflen, s->text, s->len);
	o->buf[o->buflen + s->len] = '\0';
	l = &o->lines[o->nlines++];
	l->off = o->buflen;
	l->len = s->len;
	l->ref = s->ref;
	l->recv_ms = s->recv_ms;
	l->ktime_us = s->ktime_us;
	o->buflen += s->len + 1;
	/* a finished report's wait for a panic counts from its end, not
	 * from the unrelated lines it holds meanwhile */
	if (!o->lingering)
		o->last_recv_ms = s->recv_ms;
	return true;
}

/* "Linux version 6.1.0-56-amd64 (...)" starts a boot: remember uname -r
 * so reports that print no CPU: line still name their kernel. */
static void
note_release(struct kr_ctx *ctx, const struct slot *s)
{
	const char *p = s->text + 14, *e = s->text + s->len;
	size_t n = 0;

	ctx->release[0] = '\0';
	if (s->len <= 14 || memcmp(s->text, "Linux version ", 14))
		return;
	while (p + n < e && p[n] != ' ' && n < sizeof(ctx->release) - 1)
		n++;
	memcpy(ctx->release, p, n);
	ctx->release[n] = '\0';
}

static void
done_push(struct kr_ctx *ctx, struct kr_report *r)
{
	struct done *d = malloc(sizeof(*d));

	if (r->release[0] == '\0' && ctx->release[0]) {
		char *rel = strdup(ctx->release);

		if (rel) {
			free(r->release);
			r->release = rel;
		}
	} else if (r->release[0] && strlen(r->release) < sizeof(ctx->release))
		strcpy(ctx->release, r->release);

	if (d == NULL) {
		kr_report_free(r);
		return;
	}
	d->r = r;
	d->next = NULL;
	if (ctx->dtail)
		ctx->dtail->next = d;
	else
		ctx->dhead = d;
	ctx->dtail = d;
}

/* Finish report slot i: build the report, queue it, free the state. */
static void
close_open(struct kr_ctx *ctx, size_t i, const char *why)
{
	struct kr_open *o = ctx->open[i];
	struct kr_report *r;

	if (o == NULL)
		return;
	if (o->lingering) {
		o->nlines = o->tail_from; /* no panic came: drop tail */
	} else if (!o->ended && o->cut_reason == NULL)
		o->cut_reason = why;
	if ((r = kr_build_report(o)) != NULL)
		done_push(ctx, r);
	open_free(o);
	ctx->open[i] = NULL;
}

static int
find_open(struct kr_ctx *ctx, const char *caller)
{
	size_t i;
	int best = -1;

	for (i = 0; i < KR_MAX_OPEN; i++) {
		if (ctx->open[i] == NULL)
			continue;
		if (!strcmp(ctx->open[i]->caller, caller))
			return (int)i;
		/* a stream without caller ids has one context */
		if (caller[0] == '\0' || ctx->open[i]->caller[0] == '\0')
			best = (int)i;
	}
	return best;
}

static int
free_open_slot(struct kr_ctx *ctx)
{
	size_t i, old = 0;

	for (i = 0; i < KR_MAX_OPEN; i++)
		if (ctx->open[i] == NULL)
			return (int)i;
	for (i = 1; i < KR_MAX_OPEN; i++)
		if (ctx->open[i]->last_recv_ms < ctx->open[old]->last_recv_ms)
			old = i;
	close_open(ctx, old, "too many reports at once");
	return (int)old;
}

static struct slot *
ring_back(struct kr_ctx *ctx, size_t k)
{
	return &ctx->ring[(ctx->head + KR_RING - 1 - k) % KR_RING];
}

/* Lines before the header that belong to it: "cut here" + WARN message, or
 * the "=====" frame line. Returns how many slots back to start at. */
static size_t
pull_count(struct kr_ctx *ctx, const struct kr_rule *rule, const char *caller)
{
	size_t k, same = 0, first = 0;
	struct slot *s;

	for (k = 1; k <= KR_PULL_MAX && k < KR_RING; k++) {
		s = ring_back(ctx, k);
		if (!s->valid || s->used)
			break;
		if (strcmp(s->caller, caller))
			continue;
		same++;
		if ((rule->flags & KR_F_PULL_CUT) &&
		    is_cut_here(s->text, s->len))
			return k;
		if ((rule->flags & KR_F_PULL_FRAME) && same == 1 &&
		    is_frame_sep(s->text, s->len))
			first = k;
		if (!(rule->flags & KR_F_PULL_CUT))
			break;
	}
	return first;
}

static struct kr_open *
start_report(struct kr_ctx *ctx, int ri, struct slot *cur)
{
	const struct kr_rule *rule = &kr_rules[ri];
	struct kr_open *o;
	size_t k, back;
	int idx = free_open_slot(ctx);

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	o->rule = rule;
	memcpy(o->caller, cur->caller, sizeof(o->caller));
	back = pull_count(ctx, rule, cur->caller);
	for (k = back; k >= 1; k--) {
		struct slot *s = ring_back(ctx, k);

		if (strcmp(s->caller, cur->caller))
			continue;
		open_append(o, s);
		s->used = true;
	}
	o->hdr_line = o->nlines;
	open_append(o, cur);
	cur->used = true;
	if (rule->flags & KR_F_PANIC)
		o->panic_reason =
		    kr_header_group(rule, cur->text, cur->len, "reason");
	ctx->open[idx] = o;
	return o;
}

/* Called for each line appended to an open report (not lingering):
 * returns true when the report's trace has just ended after this line,
 * -1 style "ended before" is reported through *before. */
static bool
trace_step(struct kr_open *o, const char *t, size_t n, bool *before)
{
	const char *p = t;
	size_t m = n;

	*before = false;
	while (m && (*p == ' ' || *p == '\t')) {
		p++;
		m--;
	}
	if (starts(p, m, "Call Trace:") || starts(p, m, "Call trace:") ||
	    (starts(p, m, "backtrace") && m < 40 && p[m - 1] == ':')) {
		o->in_trace = true;
		o->trace_seen = true;
		return false;
	}
	if (!o->in_trace)
		return false;
	if (starts(p, m, "<TASK>")) {
		o->trace_has_task = true;
		return false;
	}
	if (starts(p, m, "</TASK>")) {
		o->in_trace = false;
		return true;
	}
	if (o->trace_has_task || kr_is_frame_line(t, n) || starts(p, m, "<") ||
	    (p[0] == '?' && m > 1))
		return false;
	o->in_trace = false;
	*before = true;
	return false;
}

static void
set_lingering(struct kr_open *o)
{
	o->lingering = true;
	o->tail_from = o->nlines;
}

static bool
absorbs(const struct kr_open *o, const struct kr_rule *h)
{
	unsigned f = o->rule->flags;

	if ((f & KR_F_ABSORB_WARN) &&
	    ((h->flags & KR_F_WARN) || h->cls == KR_CLASS_BUG))
		return true;
	if ((f & KR_F_ABSORB_DIE) && (h->flags & KR_F_DIE))
		return true;
	if ((h->flags & KR_F_ADDENDUM) && h->cls == o->rule->cls)
		return true;
	/* x86 "kernel BUG at" from list_debug under BUG_ON_DATA_CORRUPTION */
	if (o->rule->cls == KR_CLASS_BUG && (h->flags & KR_F_DIE))
		return true;
	return false;
}

static void
absorb_panic(struct kr_ctx *ctx, struct kr_open *o, struct slot *cur, int ri)
{
	(void)ctx;
	if (o->lingering) {
		o->lingering = false; /* keep the tail: it leads here */
	}
	open_append(o, cur);
	cur->used = true;
	o->panicked = true;
	if (o->panic_reason == NULL)
		o->panic_reason = kr_header_group(
		    &kr_rules[ri], cur->text, cur->len, "reason");
}

static void
check_end(struct kr_ctx *ctx, size_t i, const struct slot *s)
{
	struct kr_open *o = ctx->open[i];
	size_t ri;
	pcre2_code *end;

	if (o->panicked) {
		/* the panic's own end marker closes the report */
		if (starts(s->text, s->len, "---[ end Kernel panic") ||
		    starts(s->text, s->len, "Rebooting in "))
			close_open(ctx, i, NULL);
		return;
	}
	ri = (size_t)(o->rule - kr_rules);
	end = G.rules[ri].end;
	if (end && o->nlines > o->hdr_line + 1 &&
	    re_match(end, ctx->md, s->text, s->len)) {
		o->ended = true;
		if (o->rule->flags & KR_F_PANIC)
			close_open(ctx, i, NULL);
		else
			set_lingering(o);
	}
}

/* A line for an open, not lingering report. */
static void
feed_open(struct kr_ctx *ctx, size_t i, struct slot *cur)
{
	struct kr_open *o = ctx->open[i];
	bool before = false, after = false;

	if ((o->rule->flags & KR_F_TRACE_END) && !o->panicked)
		after = trace_step(o, cur->text, cur->len, &before);
	if (before) {
		o->ended = true;
		set_lingering(o);
		open_append(o, cur); /* first tail line */
		return;
	}
	open_append(o, cur);
	cur->used = true;
	if (after) {
		o->ended = true;
		set_lingering(o);
		return;
	}
	check_end(ctx, i, cur);
	if (ctx->open[i] && ctx->open[i]->nlines >= ctx->cfg.max_lines)
		close_open(ctx, i, "line limit reached");
}

static void
close_all(struct kr_ctx *ctx, const char *why)
{
	size_t i;

	for (i = 0; i < KR_MAX_OPEN; i++)
		close_open(ctx, i, why);
}

/* Does this panic line's reason name an earlier report? A finished report
 * only takes a panic that does ("Fatal exception"); "sysrq triggered
 * crash" after a WARN is a panic of its own. */
static bool
panic_refers(const struct slot *cur, int ri)
{
	char *reason =
	    kr_header_group(&kr_rules[ri], cur->text, cur->len, "reason");
	bool r = reason && kr_panic_reason_attaches(reason);

	free(reason);
	return r;
}

/* A panic with no open report in its own context: attach it to the most
 * recent report of another context when its reason points back. */
static int
panic_target(struct kr_ctx *ctx, const struct slot *cur, int ri)
{
	char *reason =
	    kr_header_group(&kr_rules[ri], cur->text, cur->len, "reason");
	size_t i;
	int best = -1;

	if (reason && kr_panic_reason_refers(reason))
		for (i = 0; i < KR_MAX_OPEN; i++)
			if (ctx->open[i] &&
			    (best < 0 ||
				ctx->open[i]->last_recv_ms >=
				    ctx->open[best]->last_recv_ms))
				best = (int)i;
	free(reason);
	return best;
}

static void
process(struct kr_ctx *ctx, struct slot *cur)
{
	int ri, oi;
	struct kr_open *o;

	if (is_boot_line(cur->text, cur->len)) {
		close_all(ctx, "cut by a reboot");
		note_release(ctx, cur);
		return;
	}
	ri = match_header(ctx, cur->text, cur->len);
	oi = find_open(ctx, cur->caller);
	if (oi < 0 && ri < 0) {
		/* lines of other CPUs that a stall/lockup report wants */
		size_t i;

		for (i = 0; i < KR_MAX_OPEN; i++)
			if (ctx->open[i] && !ctx->open[i]->lingering &&
			    (ctx->open[i]->rule->flags & KR_F_FOREIGN)) {
				feed_open(ctx, i, cur);
				return;
			}
		return;
	}
	if (oi < 0 && ri >= 0 && (kr_rules[ri].flags & KR_F_PANIC))
		oi = panic_target(ctx, cur, ri);
	if (oi >= 0) {
		o = ctx->open[oi];
		if (ri >= 0 && (kr_rules[ri].flags & KR_F_PANIC) &&
		    !(o->rule->flags & KR_F_PANIC) &&
		    (!o->lingering || panic_refers(cur, ri))) {
			absorb_panic(ctx, o, cur, ri);
			return;
		}
		if (o->lingering) {
			if (ri < 0) {
				if (o->nlines - o->tail_from >= KR_LINGER_LINES)
					close_open(ctx, (size_t)oi, NULL);
				else
					open_append(o, cur);
				return;
			}
			close_open(ctx, (size_t)oi, NULL);
		} else if (ri >= 0 && absorbs(o, &kr_rules[ri])) {
			open_append(o, cur);
			cur->used = true;
			return;
		} else if (ri >= 0) {
			close_open(
			    ctx, (size_t)oi, "interrupted by another report");
		} else {
			feed_open(ctx, (size_t)oi, cur);
			return;
		}
	}
	if (ri >= 0)
		start_report(ctx, ri, cur);
}

/* Normalise into the next ring slot and process it. */
static int
feed_one(struct kr_ctx *ctx, const char *text, size_t len, int64_t recv_ms,
    uint64_t ref, int64_t ktime_us, const char *caller)
{
	struct slot *s = &ctx->ring[ctx->head];
	struct kr_norm nm;
	size_t cap = len > KR_LINE_MAX ? KR_LINE_MAX : len;

	if (!grow(&s->text, &s->cap, cap + 1))
		return -1;
	s->len = kr_norm_line(text, len, s->text, s->cap, &nm);
	s->ref = ref;
	s->recv_ms = recv_ms;
	s->ktime_us = ktime_us >= 0 ? ktime_us : nm.ktime_us;
	if (caller && *caller) {
		size_t cl = strnlen(caller, sizeof(s->caller) - 1);

		memcpy(s->caller, caller, cl);
		s->caller[cl] = '\0';
	} else
		memcpy(s->caller, nm.caller, sizeof(s->caller));
	s->used = false;
	s->valid = true;
	ctx->head = (ctx->head + 1) % KR_RING;
	process(ctx, s);
	return 0;
}

/* ---- /dev/kmsg-style records ("6,123,4567,-[,caller=T1];text") ---- */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse the header; on success *body is the offset after ';'. */
static bool
ext_header(const char *t, size_t n, size_t *body, int64_t *ts, char caller[8])
{
	size_t i = 0, semi, f = 0, start;
	const char *c;
	int64_t v[3] = { 0, 0, 0 };
	const char *sc = memchr(t, ';', n < 256 ? n : 256);

	if (sc == NULL || n == 0)
		return false;
	semi = (size_t)(sc - t);
	/* optional release prepended: first field not all digits */
	if (!(t[0] >= '0' && t[0] <= '9'))
		return false;
	start = 0;
	for (i = 0; i < semi && t[i] != ','; i++)
		if (!(t[i] >= '0' && t[i] <= '9'))
			break;
	if (i < semi && t[i] != ',') {
		const char *cm = memchr(t, ',', semi);

		if (cm == NULL)
			return false;
		start = (size_t)(cm - t) + 1;
	}
	for (i = start; i < semi && f < 3; f++) {
		size_t nd = 0;

		if (!(t[i] >= '0' && t[i] <= '9'))
			return false;
		/* 18 digits fit int64_t; a longer field is not a header */
		while (i < semi && t[i] >= '0' && t[i] <= '9' && nd++ < 18)
			v[f] = v[f] * 10 + (t[i++] - '0');
		if (i >= semi || t[i] != ',')
			return false;
		i++;
	}
	if (f < 3 || i >= semi)
		return false;
	*ts = v[2];
	caller[0] = '\0';
	c = memmem(t + i, semi - i, "caller=", 7);
	if (c) {
		size_t k = 0;

		c += 7;
		while (c < t + semi && *c != ',' && k < 7)
			caller[k++] = *c++;
		caller[k] = '\0';
	}
	*body = semi + 1;
	return true;
}

static int
feed_ext(struct kr_ctx *ctx, const struct kr_line *l, size_t body, int64_t ts,
    const char *caller)
{
	size_t i, o = 0, n = l->len - body, st;
	const char *p = l->text + body;

	if (!grow(&ctx->scratch, &ctx->scratch_cap, n + 1))
		return -1;
	for (i = 0; i < n; i++) {
		int a, b;

		if (p[i] == '\\' && i + 3 < n + 0 && p[i + 1] == 'x' &&
		    (a = hexval(p[i + 2])) >= 0 &&
		    (b = hexval(p[i + 3])) >= 0) {
			ctx->scratch[o++] = (char)(a * 16 + b);
			i += 3;
		} else
			ctx->scratch[o++] = p[i];
	}
	for (st = 0, i = 0; i <= o; i++) {
		if (i < o && ctx->scratch[i] != '\n')
			continue;
		if (feed_one(ctx, ctx->scratch + st, i - st, l->recv_ms, l->ref,
			ts, caller) < 0)
			return -1;
		st = i + 1;
	}
	return 0;
}

/* " KEY=value" lines that follow an extended record. */
static bool
is_dict_line(const char *t, size_t n)
{
	size_t i;

	if (n < 3 || t[0] != ' ')
		return false;
	for (i = 1; i < n && i < 64; i++) {
		char c = t[i];

		if (c == '=')
			return i > 1;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			(c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return false;
}

int
kr_feed(struct kr_ctx *ctx, const struct kr_line *l)
{
	size_t body;
	int64_t ts;
	char caller[8];

	if (l->caller == NULL && l->ktime_us < 0 && l->len > 6 &&
	    ext_header(l->text, l->len, &body, &ts, caller)) {
		ctx->ext_seen = true;
		return feed_ext(ctx, l, body, ts, caller);
	}
	if (ctx->ext_seen && is_dict_line(l->text, l->len))
		return 0;
	return feed_one(
	    ctx, l->text, l->len, l->recv_ms, l->ref, l->ktime_us, l->caller);
}

int
kr_feed_text(struct kr_ctx *ctx, const char *text, size_t len, int64_t recv_ms,
    uint64_t ref)
{
	struct kr_line l = { .text = text,
		.len = len,
		.recv_ms = recv_ms,
		.ref = ref,
		.ktime_us = -1,
		.caller = NULL };

	return kr_feed(ctx, &l);
}

void
kr_tick(struct kr_ctx *ctx, int64_t now_ms)
{
	size_t i;

	for (i = 0; i < KR_MAX_OPEN; i++) {
		struct kr_open *o = ctx->open[i];
		int64_t lim;

		if (o == NULL)
			continue;
		lim = o->lingering ? KR_LINGER_MS : ctx->cfg.quiet_ms;
		if (now_ms - o->last_recv_ms >= lim)
			close_open(ctx, i, "stream went quiet");
	}
}

int64_t
kr_next_deadline(const struct kr_ctx *ctx)
{
	size_t i;
	int64_t best = -1, d;

	for (i = 0; i < KR_MAX_OPEN; i++) {
		const struct kr_open *o = ctx->open[i];

		if (o == NULL)
			continue;
		d = o->last_recv_ms +
		    (o->lingering ? KR_LINGER_MS : ctx->cfg.quiet_ms);
		if (best < 0 || d < best)
			best = d;
	}
	return best;
}

void
kr_flush(struct kr_ctx *ctx)
{
	close_all(ctx, "stream ended");
}

struct kr_report *
kr_next(struct kr_ctx *ctx)
{
	struct done *d = ctx->dhead;
	struct kr_report *r;

	if (d == NULL)
		return NULL;
	ctx->dhead = d->next;
	if (ctx->dhead == NULL)
		ctx->dtail = NULL;
	r = d->r;
	free(d);
	return r;
}
