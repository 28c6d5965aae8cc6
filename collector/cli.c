/* SPDX-License-Identifier: MIT */
/*
 * cli.c -- helpers of the reading commands: data dir and store opening
 * with the exit codes of cmd.h, time arguments, filter options, escaping
 * of board text for terminals, and the table, CSV and JSON-lines writers.
 * The only printing here is on behalf of a command (its output FILE, and
 * "kcatch <cmd>: ..." errors on stderr).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cmd.h"
#include "kreport.h"
#include "report_json.h"

/* Set *cause to a formatted message (NULL when out of memory). */
static void __attribute__((format(printf, 2, 3)))
cli_cause(char **cause, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(cause, fmt, ap) < 0)
		*cause = NULL;
	va_end(ap);
}

int
cli_fail(const char *cmd, int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kcatch %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int
cli_format_parse(const char *s, enum cli_format *f)
{
	if (strcmp(s, "table") == 0)
		*f = CLI_TABLE;
	else if (strcmp(s, "json") == 0)
		*f = CLI_JSON;
	else if (strcmp(s, "csv") == 0)
		*f = CLI_CSV;
	else
		return -1;
	return 0;
}

int64_t
cli_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- time arguments ------------------------------------------------- */

/* Read exactly n digits at *p into *v. */
static bool
digits(const char **p, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return true;
}

/* Read "HH:MM[:SS[.fff]]" at *p into tm and *frac_ms. */
static bool
iso_clock(const char **p, struct tm *tm, int *frac_ms)
{
	int scale = 100, d;

	if (!digits(p, 2, &tm->tm_hour) || *(*p)++ != ':' ||
	    !digits(p, 2, &tm->tm_min))
		return false;
	if (**p != ':')
		return tm->tm_hour < 24 && tm->tm_min < 60;
	(*p)++;
	if (!digits(p, 2, &tm->tm_sec))
		return false;
	if (**p == '.' || **p == ',') {
		for ((*p)++; isdigit((unsigned char)**p); (*p)++) {
			d = **p - '0';
			*frac_ms += d * scale;
			scale /= 10;
		}
	}
	return tm->tm_hour < 24 && tm->tm_min < 60 && tm->tm_sec <= 60;
}

/* Read "Z", "+HH:MM", "+HHMM", "+HH" or nothing at *p: offset in s. */
static bool
iso_zone(const char **p, int64_t *off_s)
{
	int sign, h, m = 0;

	*off_s = 0;
	if (**p == '\0')
		return true;
	if (**p == 'Z' || **p == 'z')
		return *++(*p) == '\0';
	if (**p != '+' && **p != '-')
		return false;
	sign = *(*p)++ == '-' ? -1 : 1;
	if (!digits(p, 2, &h))
		return false;
	if (**p == ':')
		(*p)++;
	if (**p != '\0' && !digits(p, 2, &m))
		return false;
	*off_s = sign * ((int64_t)h * 3600 + m * 60);
	return **p == '\0' && h < 24 && m < 60;
}

/* ISO 8601 date or date-time (UTC unless a zone is given). */
static bool
iso_parse(const char *s, int64_t *ms)
{
	struct tm tm = {0};
	int frac = 0, mday;
	int64_t off;
	time_t t;

	if (!digits(&s, 4, &tm.tm_year) || *s++ != '-' ||
	    !digits(&s, 2, &tm.tm_mon) || *s++ != '-' ||
	    !digits(&s, 2, &tm.tm_mday))
		return false;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31)
		return false;
	if (*s == 'T' || *s == 't' || *s == ' ') {
		s++;
		if (!iso_clock(&s, &tm, &frac))
			return false;
	}
	if (!iso_zone(&s, &off))
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	mday = tm.tm_mday;
	/* timegm() normalises Nov 31 to Dec 1: refuse such dates. */
	if ((t = timegm(&tm)) == (time_t)-1 || tm.tm_mday != mday)
		return false;
	*ms = ((int64_t)t - off) * 1000 + frac;
	return true;
}

/* "<N><unit>" before now_ms. */
static bool
relative_parse(const char *s, int64_t now_ms, int64_t *ms)
{
	static const struct {
		char unit;
		int64_t ms;
	} units[] = {
		{'s', 1000}, {'m', 60000}, {'h', 3600000}, {'d', 86400000},
		{'w', 604800000},
	};
	char *end;
	long long n;
	size_t i;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || end[0] == '\0' || end[1] != '\0')
		return false;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (*end != units[i].unit)
			continue;
		if (n > now_ms / units[i].ms)
			return false;
		*ms = now_ms - (int64_t)n * units[i].ms;
		return true;
	}
	return false;
}

int
cli_time_parse(const char *s, int64_t now_ms, int64_t *ms, char **cause)
{
	char *end;
	long long v;

	if (strcmp(s, "now") == 0) {
		*ms = now_ms;
		return 0;
	}
	if (s[0] == '@' && isdigit((unsigned char)s[1])) {
		errno = 0;
		v = strtoll(s + 1, &end, 10);
		if (errno == 0 && *end == '\0') {
			*ms = v;
			return 0;
		}
	}
	if (relative_parse(s, now_ms, ms) || iso_parse(s, ms))
		return 0;
	cli_cause(cause, "bad time '%s' (ISO 8601 like 2025-11-21T06:08:00Z, "
	    "or 90s, 15m, 2h, 1d, 1w ago, or @<ms>)", s);
	return -1;
}

const char *
cli_time_fmt(int64_t ms, bool millis, char *buf, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char base[32];

	if (ms < 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(buf, size, "-");
		return buf;
	}
	if (millis)
		snprintf(buf, size, "%s.%03dZ", base, (int)(ms % 1000));
	else
		snprintf(buf, size, "%sZ", base);
	return buf;
}

/* ---- escaping ---------------------------------------------------------- */

/*
 * Length of the UTF-8 sequence at s (1-4) and its code point, or 0 when
 * the bytes there are not UTF-8 (overlong, surrogate, cut short).
 */
static size_t
utf8_decode(const unsigned char *s, uint32_t *cp)
{
	static const struct {
		unsigned char mask, lead;
		size_t len;
		uint32_t min;
	} forms[] = {
		{0xe0, 0xc0, 2, 0x80},
		{0xf0, 0xe0, 3, 0x800},
		{0xf8, 0xf0, 4, 0x10000},
	};
	size_t n = 0, i;
	uint32_t min = 0;

	*cp = s[0];
	if (s[0] < 0x80)
		return 1;
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]) && n == 0; i++) {
		if ((s[0] & forms[i].mask) != forms[i].lead)
			continue;
		n = forms[i].len;
		min = forms[i].min;
		*cp = s[0] & (unsigned char)~forms[i].mask;
	}
	if (n == 0)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n;
}

/* Code points a terminal would act on or hide: C1, bidi, invisible. */
static bool
cp_hidden(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c ||
	    (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff;
}

/* Append the escape of one ASCII byte c to o; returns bytes written. */
static size_t
esc_ascii(char *o, unsigned char c)
{
	switch (c) {
	case '\\':
		return (size_t)sprintf(o, "\\\\");
	case '\t':
		return (size_t)sprintf(o, "\\t");
	case '\n':
		return (size_t)sprintf(o, "\\n");
	case '\r':
		return (size_t)sprintf(o, "\\r");
	default:
		if (c >= 0x20 && c < 0x7f) {
			*o = (char)c;
			return 1;
		}
		return (size_t)sprintf(o, "\\x%02x", c);
	}
}

/* Write the escape of s into out (room: 6 * strlen(s) + 1); returns the
   end (the NUL). */
static char *
esc_into(char *out, const unsigned char *p)
{
	static const char hex[] = "0123456789abcdef";
	char *o = out;
	uint32_t cp;
	size_t n;

	for (; *p != '\0'; p += n) {
		if (*p >= 0x20 && *p < 0x7f && *p != '\\') {
			*o++ = (char)*p; /* the common case, fast */
			n = 1;
			continue;
		}
		n = utf8_decode(p, &cp);
		if (n == 0) {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 0xf];
			n = 1;
		} else if (n == 1) {
			o += esc_ascii(o, *p);
		} else if (cp_hidden(cp)) {
			o += sprintf(o, "\\u%04x", (unsigned)cp);
		} else {
			memcpy(o, p, n);
			o += n;
		}
	}
	*o = '\0';
	return o;
}

char *
cli_esc(const char *s)
{
	const char *p = s != NULL ? s : "";
	char *out;

	/* At most 6 output bytes ("\u202e") per input byte. */
	if ((out = malloc(strlen(p) * 6 + 1)) == NULL)
		return NULL;
	esc_into(out, (const unsigned char *)p);
	return out;
}

size_t
cli_width(const char *esc)
{
	size_t w = 0;

	for (; *esc != '\0'; esc++)
		if (((unsigned char)*esc & 0xc0) != 0x80)
			w++;
	return w;
}

/* ---- table, CSV, JSON ---------------------------------------------------- */

/*
 * Escaped cells live in one growing arena (offsets, not pointers, since
 * it moves), so a table of many thousand rows costs a few allocations.
 */
struct cli_table {
	size_t ncols;
	char *align;		/* owned, ncols letters */
	char *arena;		/* escaped cells, NUL-terminated, owned */
	size_t used;
	size_t size;
	size_t *cell;		/* (1 + nrows) * ncols offsets, owned */
	size_t nrows;		/* data rows */
	size_t cap;		/* rows allocated, heading included */
	size_t *width;		/* ncols */
};

/* Make room for n more arena bytes. */
static int
arena_room(struct cli_table *t, size_t n)
{
	size_t size = t->size ? t->size : 4096;
	char *a;

	while (t->used + n > size)
		size *= 2;
	if (size == t->size)
		return 0;
	if ((a = realloc(t->arena, size)) == NULL)
		return -1;
	t->arena = a;
	t->size = size;
	return 0;
}

/* Append one row of escaped copies (the heading is row 0). */
static int
table_put(struct cli_table *t, const char *const *cells)
{
	size_t i, w, row = t->nrows + (t->cap > 0), *c, cap;
	const char *v;
	char *end;

	if (row + 1 > t->cap) {
		cap = t->cap ? t->cap * 2 : 64;
		c = reallocarray(t->cell, cap, t->ncols * sizeof(*c));
		if (c == NULL)
			return -1;
		t->cell = c;
		t->cap = cap;
	}
	for (i = 0; i < t->ncols; i++) {
		v = cells[i] != NULL ? cells[i] : "-";
		if (arena_room(t, strlen(v) * 6 + 1) != 0)
			return -1;
		t->cell[row * t->ncols + i] = t->used;
		end = esc_into(t->arena + t->used,
		    (const unsigned char *)v);
		w = cli_width(t->arena + t->used);
		t->used = (size_t)(end - t->arena) + 1;
		if (w > t->width[i])
			t->width[i] = w;
	}
	return 0;
}

struct cli_table *
cli_table_new(const char *const *heads, size_t ncols, const char *align)
{
	struct cli_table *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->ncols = ncols;
	t->align = calloc(ncols + 1, 1);
	if (t->align != NULL)
		memcpy(t->align, align, strnlen(align, ncols));
	t->width = calloc(ncols, sizeof(*t->width));
	if (t->align == NULL || t->width == NULL || table_put(t, heads) != 0) {
		cli_table_free(t);
		return NULL;
	}
	return t;
}

int
cli_table_add(struct cli_table *t, const char *const *cells)
{
	if (table_put(t, cells) != 0)
		return -1;
	t->nrows++;
	return 0;
}

size_t
cli_table_rows(const struct cli_table *t)
{
	return t->nrows;
}

/* Print one stored row. */
static void
table_row(const struct cli_table *t, size_t row, FILE *f)
{
	const size_t *c = t->cell + row * t->ncols;
	const char *v;
	size_t i, pad;

	for (i = 0; i < t->ncols; i++) {
		v = t->arena + c[i];
		pad = t->width[i] - cli_width(v);
		if (i > 0)
			fputs("  ", f);
		if (t->align[i] == 'r')
			fprintf(f, "%*s", (int)pad, "");
		fputs(v, f);
		if (t->align[i] != 'r' && i + 1 < t->ncols)
			fprintf(f, "%*s", (int)pad, "");
	}
	fputc('\n', f);
}

void
cli_table_print(const struct cli_table *t, FILE *f)
{
	size_t r;

	for (r = 0; r <= t->nrows; r++)
		table_row(t, r, f);
}

void
cli_table_free(struct cli_table *t)
{
	if (t == NULL)
		return;
	free(t->arena);
	free(t->cell);
	free(t->width);
	free(t->align);
	free(t);
}

int
cli_csv_row(FILE *f, const char *const *cells, size_t n)
{
	const char *p;
	char *e;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			fputc(',', f);
		if (cells[i] == NULL)
			continue;
		if ((e = cli_esc(cells[i])) == NULL)
			return -1;
		if (strpbrk(e, ",\"") == NULL) {
			fputs(e, f);
		} else {
			fputc('"', f);
			for (p = e; *p != '\0'; p++) {
				if (*p == '"')
					fputc('"', f);
				fputc(*p, f);
			}
			fputc('"', f);
		}
		free(e);
	}
	fputs("\r\n", f);
	return 0;
}

int
cli_json_line(FILE *f, const json_t *v)
{
	if (json_dumpf(v, f, JSON_COMPACT | JSON_ENSURE_ASCII) != 0)
		return -1;
	fputc('\n', f);
	return 0;
}

/* True when all of s is UTF-8 that jansson would take. */
static bool
utf8_valid(const unsigned char *p)
{
	uint32_t cp;
	size_t n;

	for (; *p != '\0'; p += n)
		if ((n = utf8_decode(p, &cp)) == 0)
			return false;
	return true;
}

/* The two-character JSON escape of c, NULL when it has none. */
static const char *
jw_short(unsigned char c)
{
	switch (c) {
	case '"': return "\\\"";
	case '\\': return "\\\\";
	case '\b': return "\\b";
	case '\f': return "\\f";
	case '\n': return "\\n";
	case '\r': return "\\r";
	case '\t': return "\\t";
	default: return NULL;
	}
}

/* Write s as a JSON string the way jansson does with JSON_ENSURE_ASCII
   after report_json_str(): text that is not UTF-8 has its high bytes as
   the 4 characters \xHH. */
static void
jw_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run;
	bool valid = utf8_valid(p);
	uint32_t cp;
	size_t n;

	putc('"', f);
	for (;;) {
		/* Plain ASCII goes out in one piece. */
		for (run = p; *p >= 0x20 && *p < 0x80 && *p != '"' &&
		    *p != '\\'; p++)
			;
		if (p > run)
			fwrite(run, 1, (size_t)(p - run), f);
		if (*p == '\0')
			break;
		n = 1;
		if (*p >= 0x80 && !valid)
			fprintf(f, "\\\\x%02x", *p);
		else if (*p >= 0x80 && (n = utf8_decode(p, &cp)) > 0 &&
		    cp >= 0x10000)
			fprintf(f, "\\u%04X\\u%04X", 0xd800 + ((cp - 0x10000) >>
			    10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
		else if (*p >= 0x80)
			fprintf(f, "\\u%04X", (unsigned)cp);
		else if (jw_short(*p) != NULL)
			fputs(jw_short(*p), f);
		else
			fprintf(f, "\\u%04X", *p);
		p += n;
	}
	putc('"', f);
}

/* The separator and key of the next member. */
static void
jw_key(struct cli_jw *w, const char *key)
{
	fputs(w->first ? "{\"" : ",\"", w->f);
	fputs(key, w->f);
	fputs("\":", w->f);
	w->first = false;
}

void
cli_jw_begin(struct cli_jw *w, FILE *f)
{
	w->f = f;
	w->first = true;
}

void
cli_jw_str(struct cli_jw *w, const char *key, const char *v)
{
	jw_key(w, key);
	if (v == NULL)
		fputs("null", w->f);
	else
		jw_string(w->f, v);
}

void
cli_jw_int(struct cli_jw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	fprintf(w->f, "%" PRId64, v);
}

void
cli_jw_opt(struct cli_jw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	if (v < 0)
		fputs("null", w->f);
	else
		fprintf(w->f, "%" PRId64, v);
}

void
cli_jw_bool(struct cli_jw *w, const char *key, bool v)
{
	jw_key(w, key);
	fputs(v ? "true" : "false", w->f);
}

void
cli_jw_time(struct cli_jw *w, const char *key, int64_t ms)
{
	char buf[40];

	cli_jw_str(w, key, ms < 0 ? NULL : cli_time_fmt(ms, true, buf,
	    sizeof(buf)));
}

int
cli_jw_end(struct cli_jw *w)
{
	fputs(w->first ? "{}\n" : "}\n", w->f);
	return ferror(w->f) ? -1 : 0;
}

json_t *
cli_json_str(const char *s)
{
	return s != NULL ? report_json_str(s) : json_null();
}

json_t *
cli_json_time(int64_t ms)
{
	char buf[40];

	if (ms < 0)
		return json_null();
	return json_string(cli_time_fmt(ms, true, buf, sizeof(buf)));
}

/* ---- opening the store ------------------------------------------------ */

int
cli_open(const char *cmd, const char *data_dir, int flags,
    struct store **s, char **dir)
{
	char *d, *cause = NULL;
	int ret;

	d = data_dir != NULL ? strdup(data_dir) :
	    store_data_dir_default(&cause);
	if (d == NULL)
		goto fail;
	if (!store_db_exists(d)) {
		ret = cli_fail(cmd, CMD_EXIT_DATA, "no database in %s (has "
		    "kcatch collect run with this --data-dir?)", d);
		free(d);
		return ret;
	}
	if ((*s = store_open_dir(d, flags, &cause)) == NULL)
		goto fail;
	if (dir != NULL)
		*dir = d;
	else
		free(d);
	return CMD_EXIT_OK;
fail:
	ret = cli_fail(cmd, CMD_EXIT_DATA, "%s", cause != NULL ? cause :
	    "out of memory");
	free(cause);
	free(d);
	return ret;
}

/* ---- filter options ----------------------------------------------------- */

bool
cli_class_ok(const char *name)
{
	int c;

	for (c = KR_CLASS_NONE + 1; c < KR_CLASS__COUNT; c++)
		if (strcmp(kr_class_name((enum kr_class)c), name) == 0)
			return true;
	return false;
}

/* True for a signature triage state. */
static bool
state_ok(const char *name)
{
	return strcmp(name, STORE_SIG_NEW) == 0 ||
	    strcmp(name, STORE_SIG_KNOWN) == 0 ||
	    strcmp(name, STORE_SIG_IGNORED) == 0;
}

/* Split a comma list into v (n entries so far), each checked by ok. */
static int
split_list(struct cli_filter *cf, const char *arg, const char **v,
    size_t *n, bool (*ok)(const char *), const char *what, char **cause)
{
	char *copy, *tok, *save = NULL;

	if (cf->nowned == sizeof(cf->owned) / sizeof(cf->owned[0]) ||
	    (copy = strdup(arg)) == NULL) {
		cli_cause(cause, "too many --%s options", what);
		return -1;
	}
	cf->owned[cf->nowned++] = copy;
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (!ok(tok)) {
			cli_cause(cause, "unknown %s '%s'", what, tok);
			return -1;
		}
		if (*n == CLI_FILTER_VALUES_MAX) {
			cli_cause(cause, "too many %s values", what);
			return -1;
		}
		v[(*n)++] = tok;
	}
	return 0;
}

void
cli_filter_init(struct cli_filter *cf)
{
	memset(cf, 0, sizeof(*cf));
	cf->f.since_ms = -1;
	cf->f.until_ms = -1;
	cf->f.classes = cf->classes;
	cf->f.states = cf->states;
	cf->out.format = CLI_TABLE;
}

/* The list and time options of cli_filter_opt(). */
static int
filter_opt_value(struct cli_filter *cf, int c, const char *arg,
    int64_t now_ms, char **cause)
{
	switch (c) {
	case CLI_OPT_CLASS:
		return split_list(cf, arg, cf->classes, &cf->f.nclasses,
		    cli_class_ok, "class", cause);
	case CLI_OPT_STATE:
		return split_list(cf, arg, cf->states, &cf->f.nstates,
		    state_ok, "state", cause);
	case CLI_OPT_SINCE:
		return cli_time_parse(arg, now_ms, &cf->f.since_ms, cause);
	default:
		return cli_time_parse(arg, now_ms, &cf->f.until_ms, cause);
	}
}

int
cli_out_opt(struct cli_out *o, int c, const char *arg)
{
	switch (c) {
	case CLI_OPT_DATA_DIR:
		o->data_dir = arg;
		return 1;
	case CLI_OPT_JSON:
		o->format = CLI_JSON;
		return 1;
	case CLI_OPT_FORMAT:
		return cli_format_parse(arg, &o->format) == 0 ? 1 : -1;
	default:
		return 0;
	}
}

int
cli_filter_opt(struct cli_filter *cf, int c, const char *arg,
    int64_t now_ms, char **cause)
{
	int rc = cli_out_opt(&cf->out, c, arg);

	if (rc < 0)
		cli_cause(cause, "bad --format '%s' (table, json, csv)", arg);
	if (rc != 0)
		return rc;
	switch (c) {
	case CLI_OPT_BOARD:
		cf->f.board = arg;
		return 1;
	case CLI_OPT_PLAN:
		cf->f.plan = arg;
		return 1;
	case CLI_OPT_STEP:
		cf->f.step = arg;
		return 1;
	case CLI_OPT_PATCH:
		cf->f.patch = arg;
		return 1;
	case CLI_OPT_SIGNATURE:
		cf->f.signature = arg;
		return 1;
	case CLI_OPT_NEW_IN:
		cf->f.new_in = arg;
		return 1;
	case CLI_OPT_CLASS: case CLI_OPT_STATE: case CLI_OPT_SINCE:
	case CLI_OPT_UNTIL:
		return filter_opt_value(cf, c, arg, now_ms, cause) == 0 ? 1 :
		    -1;
	default:
		return 0;
	}
}

void
cli_filter_clear(struct cli_filter *cf)
{
	size_t i;

	for (i = 0; i < cf->nowned; i++)
		free(cf->owned[i]);
	cf->nowned = 0;
}
