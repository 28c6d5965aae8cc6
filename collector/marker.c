/* SPDX-License-Identifier: MIT */
/*
 * marker.c -- parse step marker lines, netconsole step userdata and clean
 * shutdown lines (docs/steps.md). Pure: no I/O, no allocation, no state
 * beyond what the caller passes in.
 */
#include <ctype.h>
#include <string.h>

#include "marker.h"

/* The kernel's last words on an orderly reboot, halt or kexec. */
static const char *const marker_shutdown_lines[] = {
	"reboot: Restarting system",	/* kernel/reboot.c (pr_fmt) */
	"reboot: Power down",
	"reboot: System halted",
	"kexec_core: Starting new kernel", /* kernel/kexec_core.c */
	"Starting new kernel",
};

/* Bytes allowed in a plan/step name or patch id. */
static bool
value_char(unsigned char c)
{
	return isalnum(c) || (c != '\0' && strchr("._+:/@~#%-", c) != NULL);
}

bool
marker_value_ok(const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= max || !value_char((unsigned char)s[i]))
			return false;
	return i > 0;
}

size_t
marker_skip_console(const char *s, size_t len)
{
	const char *end;
	size_t i = 0, j;
	int k;

	if (len > 2 && s[0] == '<') {
		for (j = 1; j < len && j < 5 && isdigit((unsigned char)s[j]);
		    j++)
			;
		if (j > 1 && j < len && s[j] == '>')
			i = j + 1;
	}
	for (k = 0; k < 2 && i < len && s[i] == '['; k++) {
		end = memchr(s + i, ']', len - i < 32 ? len - i : 32);
		if (end == NULL)
			break;
		i = (size_t)(end - s) + 1;
		while (i < len && s[i] == ' ')
			i++;
	}
	while (i < len && s[i] == ' ')
		i++;
	return i;
}

/* Offset after one syslog-style "ident[pid]: " tag at i, else i. */
static size_t
skip_ident(const char *s, size_t len, size_t i)
{
	size_t j = i;

	while (j < len && j - i < 64 && (isalnum((unsigned char)s[j]) ||
	    s[j] == '_' || s[j] == '-' || s[j] == '.'))
		j++;
	if (j == i || j >= len || s[j] != '[')
		return i;
	for (j++; j < len && isdigit((unsigned char)s[j]); j++)
		;
	if (j + 2 >= len || s[j] != ']' || s[j + 1] != ':' ||
	    s[j + 2] != ' ')
		return i;
	return j + 3;
}

/* True when s[0..len) starts with the NUL-terminated word w. */
static bool
starts(const char *s, size_t len, const char *w)
{
	size_t n = strlen(w);

	return len >= n && memcmp(s, w, n) == 0;
}

/* True for a clean-shutdown line of the kernel (after prefixes). */
static bool
shutdown_line(const char *s, size_t len)
{
	size_t i;

	/* Every ordinary line pays for this: reject by the first byte. */
	if (len == 0 || (s[0] != 'r' && s[0] != 'k' && s[0] != 'S'))
		return false;
	for (i = 0; i < sizeof(marker_shutdown_lines) /
	    sizeof(marker_shutdown_lines[0]); i++)
		if (starts(s, len, marker_shutdown_lines[i]))
			return true;
	return false;
}

/* Copy a value of n bytes into dst (size max + 1) if it is valid. */
static int
take_value(char *dst, size_t max, const char *v, size_t n)
{
	size_t i;

	if (n == 0 || n > max)
		return -1;
	for (i = 0; i < n; i++)
		if (!value_char((unsigned char)v[i]))
			return -1;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

/* The field of m named by key (n bytes), NULL for unknown keys. */
static char *
field_of(struct marker *m, const char *key, size_t n, size_t *max)
{
	if (n == 4 && memcmp(key, "plan", 4) == 0) {
		*max = MARKER_NAME_MAX;
		return m->plan;
	}
	if (n == 4 && memcmp(key, "step", 4) == 0) {
		*max = MARKER_NAME_MAX;
		return m->step;
	}
	if (n == 5 && memcmp(key, "patch", 5) == 0) {
		*max = MARKER_PATCH_MAX;
		return m->patch;
	}
	return NULL;
}

/* One "key=value" word of n bytes. 0, or -1 with *reason. */
static int
parse_field(struct marker *m, const char *w, size_t n, const char **reason)
{
	const char *eq = memchr(w, '=', n);
	size_t klen, max, i;
	char *dst;

	if (eq == NULL || eq == w) {
		*reason = "marker word is not key=value";
		return -1;
	}
	klen = (size_t)(eq - w);
	for (i = 0; i < klen; i++)
		if (!isalnum((unsigned char)w[i]) && w[i] != '_' &&
		    w[i] != '-') {
			*reason = "bad marker key";
			return -1;
		}
	dst = field_of(m, w, klen, &max);
	if (dst == NULL)
		return 0; /* unknown keys are for later versions */
	if (*dst != '\0') {
		*reason = "marker key given twice";
		return -1;
	}
	if (take_value(dst, max, eq + 1, n - klen - 1) != 0) {
		*reason = "bad marker value";
		return -1;
	}
	return 0;
}

/* True when s[i..j) is w and only spaces follow it. */
static bool
only_word(const char *s, size_t len, size_t i, size_t j, const char *w)
{
	if (j - i != strlen(w) || memcmp(s + i, w, j - i) != 0)
		return false;
	while (j < len && s[j] == ' ')
		j++;
	return j == len;
}

/* The words after "kcatch:". Returns the kind or -1 with *reason. */
static int
parse_words(const char *s, size_t len, struct marker *m, const char **reason)
{
	size_t i = 0, j, words = 0;

	for (;;) {
		while (i < len && s[i] == ' ')
			i++;
		if (i == len)
			break;
		for (j = i; j < len && s[j] != ' '; j++)
			;
		if (++words > MARKER_FIELDS_MAX) {
			*reason = "too many marker fields";
			return -1;
		}
		if (words == 1 && only_word(s, len, i, j, "end"))
			return MARKER_END;
		if (words == 1 && only_word(s, len, i, j, "shutdown"))
			return MARKER_SHUTDOWN;
		if (parse_field(m, s + i, j - i, reason) != 0)
			return -1;
		i = j;
	}
	if (m->step[0] == '\0') {
		*reason = "marker without step=";
		return -1;
	}
	return MARKER_STEP;
}

int
marker_parse_line(const char *text, size_t len, struct marker *m,
    const char **reason)
{
	const char *dummy, *s;
	size_t i;
	int kind;

	if (reason == NULL)
		reason = &dummy;
	memset(m, 0, sizeof(*m));
	i = marker_skip_console(text, len);
	if (shutdown_line(text + i, len - i)) {
		m->kind = MARKER_SHUTDOWN;
		return MARKER_SHUTDOWN;
	}
	/* Fast path for ordinary lines: a marker starts with "kcatch:" or
	 * an ident tag, whose '[' is within its first 65 bytes. */
	if (i < len && text[i] != 'k' && memchr(text + i, '[',
	    len - i < 65 ? len - i : 65) == NULL)
		return MARKER_NONE;
	i = skip_ident(text, len, i);
	s = text + i;
	if (!starts(s, len - i, MARKER_TAG))
		return MARKER_NONE;
	i += strlen(MARKER_TAG);
	if (i < len && text[i] != ' ') {
		memset(m, 0, sizeof(*m));
		return MARKER_NONE; /* "kcatch:foo": not our tag */
	}
	kind = parse_words(text + i, len - i, m, reason);
	if (kind < 0) {
		memset(m, 0, sizeof(*m));
		return -1;
	}
	m->kind = (enum marker_kind)kind;
	return kind;
}

/* Copy an optional userdata value. 0, or -1 when it is invalid. */
static int
userdata_value(char *dst, size_t max, const char *v)
{
	if (v == NULL || *v == '\0')
		return 0;
	return take_value(dst, max, v, strlen(v));
}

int
marker_from_userdata(const char *plan, const char *step, const char *patch,
    struct marker *m, const char **reason)
{
	const char *dummy;

	if (reason == NULL)
		reason = &dummy;
	memset(m, 0, sizeof(*m));
	if (step == NULL || *step == '\0')
		return MARKER_NONE;
	if (userdata_value(m->step, MARKER_NAME_MAX, step) != 0 ||
	    userdata_value(m->plan, MARKER_NAME_MAX, plan) != 0 ||
	    userdata_value(m->patch, MARKER_PATCH_MAX, patch) != 0) {
		memset(m, 0, sizeof(*m));
		*reason = "bad userdata step value";
		return -1;
	}
	m->kind = MARKER_STEP;
	return MARKER_STEP;
}

void
marker_tracker_reset(struct marker_tracker *t)
{
	memset(t, 0, sizeof(*t));
}

bool
marker_tracker_update(struct marker_tracker *t, const struct marker *m)
{
	if (m->kind != MARKER_STEP && m->kind != MARKER_END)
		return false;
	if (t->set && t->last.kind == m->kind &&
	    strcmp(t->last.plan, m->plan) == 0 &&
	    strcmp(t->last.step, m->step) == 0 &&
	    strcmp(t->last.patch, m->patch) == 0)
		return false;
	t->last = *m;
	t->set = true;
	return true;
}

const char *
marker_kind_name(enum marker_kind kind)
{
	switch (kind) {
	case MARKER_STEP:
		return "step";
	case MARKER_END:
		return "end";
	case MARKER_SHUTDOWN:
		return "shutdown";
	default:
		return "none";
	}
}
