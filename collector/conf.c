/* SPDX-License-Identifier: MIT */
/*
 * conf.c -- parse and check the kcatch collect configuration. Owns the
 * keyword table: every keyword, its type, range, default and help text
 * live in conf_keywords[] and nowhere else (docs/config.md is generated
 * from it by conf_write_doc). No I/O besides reading the file, no logs.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

enum conf_type {
	CONF_T_NUM,	/* long long in [min, max] */
	CONF_T_SIZE,	/* long long, k/m/g suffixes */
	CONF_T_STR,	/* char *, "" = unset */
	CONF_T_ENUM,	/* int index into choices */
	CONF_T_LISTEN,	/* appends to conf.listen */
	CONF_T_ADDR,	/* appends to conf_board.addrs */
};

enum conf_scope {
	CONF_S_COLLECT, /* [collect] */
	CONF_S_BOARD,	/* [board NAME] */
};

/* One configuration keyword. */
struct conf_keyword {
	enum conf_scope scope;
	const char *name;
	enum conf_type type;
	size_t offset;			/* in struct conf or conf_board */
	long long min, max, def;	/* NUM and SIZE */
	const char *def_str;		/* STR, ENUM, LISTEN (docs only) */
	const char *const *choices;	/* ENUM, NULL-terminated */
	const char *text;		/* one help sentence */
};

static const char *const conf_unknown_choices[] = {"register", "drop", NULL};

#define C(f) offsetof(struct conf, f)
#define B(f) offsetof(struct conf_board, f)
#define KIB 1024LL
#define MIB (1024LL * 1024)
#define GIB (1024LL * 1024 * 1024)

static const struct conf_keyword conf_keywords[] = {
	{ .scope = CONF_S_COLLECT, .name = "data_dir", .type = CONF_T_STR,
	  .offset = C(data_dir), .def_str = "",
	  .text = "Directory for the database and the raw line archive "
	  "(created if missing). Default: `$KCATCH_DATA_DIR`, else "
	  "`$XDG_DATA_HOME/kcatch`, else `~/.local/share/kcatch`." },
	{ .scope = CONF_S_COLLECT, .name = "listen", .type = CONF_T_LISTEN,
	  .def_str = CONF_DEFAULT_LISTEN,
	  .text = "UDP address to receive netconsole on, `ADDR:PORT` or "
	  "`[V6]:PORT`; repeat for several. `[::]` is dual-stack "
	  "(IPv4 too)." },
	{ .scope = CONF_S_COLLECT, .name = "rcvbuf", .type = CONF_T_SIZE,
	  .offset = C(rcvbuf), .min = 64 * KIB, .max = GIB, .def = 32 * MIB,
	  .text = "Socket receive buffer per listener, so a burst is queued "
	  "by the kernel rather than lost (SO_RCVBUFFORCE when permitted, "
	  "else capped by net.core.rmem_max)." },
	{ .scope = CONF_S_COLLECT, .name = "recv_batch", .type = CONF_T_NUM,
	  .offset = C(recv_batch), .min = 1, .max = 1024, .def = 64,
	  .text = "Datagrams read per recvmmsg call." },
	{ .scope = CONF_S_COLLECT, .name = "unknown_boards", .type = CONF_T_ENUM,
	  .offset = C(unknown), .choices = conf_unknown_choices,
	  .def_str = "register",
	  .text = "What to do with a source that no board names: `register` "
	  "it as board `<ip>-<port>` or `drop` its datagrams." },
	{ .scope = CONF_S_COLLECT, .name = "max_boards", .type = CONF_T_NUM,
	  .offset = C(max_boards), .min = 1, .max = 65536, .def = 1024,
	  .text = "Most boards kept at once (named and registered); sources "
	  "beyond it are dropped and counted." },
	{ .scope = CONF_S_COLLECT, .name = "source_rate", .type = CONF_T_NUM,
	  .offset = C(source_rate), .min = 0, .max = 100000000, .def = 200000,
	  .text = "Datagrams per second one source may send (burst: one "
	  "second's worth) while another source sent within the last 10 s; "
	  "the excess is dropped and counted. A source that is alone is not "
	  "capped. 0 = no cap." },
	{ .scope = CONF_S_COLLECT, .name = "source_queue", .type = CONF_T_SIZE,
	  .offset = C(source_queue), .min = 64 * KIB, .max = GIB,
	  .def = 4 * MIB,
	  .text = "Bytes one board may have waiting for the writer thread; "
	  "beyond it its lines are dropped and counted, so one flooding "
	  "board cannot fill the queue for the others." },
	{ .scope = CONF_S_COLLECT, .name = "queue_size", .type = CONF_T_SIZE,
	  .offset = C(queue_size), .min = MIB, .max = 4 * GIB, .def = 32 * MIB,
	  .text = "Bytes the writer queue may hold in total." },
	{ .scope = CONF_S_COLLECT, .name = "quiet_ms", .type = CONF_T_NUM,
	  .offset = C(quiet_ms), .min = 100, .max = 600000, .def = 2000,
	  .text = "A report closes after this many milliseconds without a "
	  "line from its board." },
	{ .scope = CONF_S_COLLECT, .name = "report_lines", .type = CONF_T_NUM,
	  .offset = C(report_lines), .min = 10, .max = 100000, .def = 1000,
	  .text = "A report closes after this many lines." },
	{ .scope = CONF_S_COLLECT, .name = "db_batch_ms", .type = CONF_T_NUM,
	  .offset = C(db_batch_ms), .min = 10, .max = 200, .def = 100,
	  .text = "Database writes are committed at least this often "
	  "(milliseconds)." },
	{ .scope = CONF_S_COLLECT, .name = "archive_flush_ms",
	  .type = CONF_T_NUM, .offset = C(archive_flush_ms), .min = 10,
	  .max = 1000, .def = 500,
	  .text = "The raw line archive is flushed at least this often "
	  "(milliseconds)." },
	{ .scope = CONF_S_COLLECT, .name = "stats_ms", .type = CONF_T_NUM,
	  .offset = C(stats_ms), .min = 100, .max = 1000, .def = 1000,
	  .text = "Counters are written to the database this often "
	  "(milliseconds) for `kcatch status`." },
	{ .scope = CONF_S_COLLECT, .name = "tail_queue", .type = CONF_T_SIZE,
	  .offset = C(tail_queue), .min = 16 * KIB, .max = GIB, .def = MIB,
	  .text = "Bytes of messages one `kcatch tail` may have waiting; "
	  "when it reads too slowly its oldest messages are dropped and "
	  "counted (`tail_drops`), so a slow tail never slows ingest." },
	{ .scope = CONF_S_COLLECT, .name = "tail_clients", .type = CONF_T_NUM,
	  .offset = C(tail_clients), .min = 1, .max = 1024, .def = 32,
	  .text = "Most `kcatch tail` clients connected at once; more are "
	  "refused." },
	{ .scope = CONF_S_COLLECT, .name = "log_file", .type = CONF_T_STR,
	  .offset = C(log_file), .def_str = "",
	  .text = "Append log lines to this file instead of stderr; SIGHUP "
	  "reopens it." },
	{ .scope = CONF_S_COLLECT, .name = "verbose", .type = CONF_T_NUM,
	  .offset = C(verbose), .min = 0, .max = 3, .def = 0,
	  .text = "Log verbosity, as the number of `-v` flags." },
	{ .scope = CONF_S_BOARD, .name = "address", .type = CONF_T_ADDR,
	  .text = "Source address of the board's netconsole, `IP` (any source "
	  "port) or `IP:PORT` / `[V6]:PORT`; repeat for several." },
	{ .scope = CONF_S_BOARD, .name = "ssh_host", .type = CONF_T_STR,
	  .offset = B(ssh_host), .def_str = "",
	  .text = "Host for pstore pulls over SSH (default: the first "
	  "address)." },
	{ .scope = CONF_S_BOARD, .name = "ssh_user", .type = CONF_T_STR,
	  .offset = B(ssh_user), .def_str = "root",
	  .text = "SSH user for pstore pulls." },
	{ .scope = CONF_S_BOARD, .name = "ssh_port", .type = CONF_T_NUM,
	  .offset = B(ssh_port), .min = 1, .max = 65535, .def = 22,
	  .text = "SSH port for pstore pulls." },
	{ .scope = CONF_S_BOARD, .name = "ssh_key", .type = CONF_T_STR,
	  .offset = B(ssh_key), .def_str = "",
	  .text = "SSH private key file for pstore pulls (default: the SSH "
	  "agent)." },
};
#define CONF_NKEYWORDS (sizeof(conf_keywords) / sizeof(conf_keywords[0]))

/* Set *cause to a formatted message (NULL when out of memory). */
static int
conf_fail(char **cause, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int
conf_fail(char **cause, const char *fmt, ...)
{
	va_list ap;

	if (cause == NULL)
		return -1;
	va_start(ap, fmt);
	if (vasprintf(cause, fmt, ap) == -1)
		*cause = NULL;
	va_end(ap);
	return -1;
}

/* Set the table defaults of one scope into base. */
static int
conf_defaults(void *base, enum conf_scope scope)
{
	const struct conf_keyword *k;
	size_t i;

	for (i = 0; i < CONF_NKEYWORDS; i++) {
		k = &conf_keywords[i];
		if (k->scope != scope)
			continue;
		if (k->type == CONF_T_NUM || k->type == CONF_T_SIZE)
			*(long long *)((char *)base + k->offset) = k->def;
		if (k->type == CONF_T_ENUM)
			*(int *)((char *)base + k->offset) = 0;
	}
	return 0;
}

/* Create a config holding the defaults. */
struct conf *
conf_new(void)
{
	struct conf *c;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	conf_defaults(c, CONF_S_COLLECT);
	c->listen[0] = strdup(CONF_DEFAULT_LISTEN);
	c->nlisten = 1;
	c->listen_is_default = true;
	if (c->listen[0] == NULL) {
		conf_free(c);
		return NULL;
	}
	return c;
}

/* Free the strings of one board. */
static void
conf_board_clear(struct conf_board *b)
{
	free(b->name);
	free(b->ssh_host);
	free(b->ssh_user);
	free(b->ssh_key);
}

/* Free a config. */
void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	free(c->path);
	free(c->data_dir);
	free(c->log_file);
	conf_listen_clear(c);
	for (i = 0; i < c->nboards; i++)
		conf_board_clear(&c->boards[i]);
	free(c->boards);
	free(c);
}

/* Drop every listen address. */
void
conf_listen_clear(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->nlisten; i++)
		free(c->listen[i]);
	c->nlisten = 0;
	c->listen_is_default = false;
}

/* Parse a number with an optional k/m/g suffix. */
int
conf_num(const char *s, long long min, long long max, bool size,
    long long *out, char **cause)
{
	long long v, mult = 1;
	char *end;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || errno == ERANGE)
		return conf_fail(cause, "'%s' is not a number", s);
	if (size && *end != '\0' && end[1] == '\0') {
		switch (tolower((unsigned char)*end)) {
		case 'k': mult = KIB; end++; break;
		case 'm': mult = MIB; end++; break;
		case 'g': mult = GIB; end++; break;
		}
	}
	if (*end != '\0')
		return conf_fail(cause, "'%s' is not a number", s);
	if (v > LLONG_MAX / mult || v < LLONG_MIN / mult)
		return conf_fail(cause, "'%s' is too large", s);
	v *= mult;
	if (v < min || v > max)
		return conf_fail(cause, "'%s' is out of range [%lld, %lld]", s,
		    min, max);
	*out = v;
	return 0;
}

/* Split "[v6]:port", "v4:port", "[v6]", "v4" into host and port text. */
static int
conf_split_addr(const char *s, char *host, size_t hostsz, const char **port,
    char **cause)
{
	const char *end, *colon, *orig = s;
	size_t n;

	*port = NULL;
	if (*s == '[') {
		end = strchr(s, ']');
		if (end == NULL)
			return conf_fail(cause, "'%s': missing ']'", s);
		n = (size_t)(end - s - 1);
		if (end[1] == ':')
			*port = end + 2;
		else if (end[1] != '\0')
			return conf_fail(cause, "'%s': junk after ']'", s);
		s++;
	} else {
		colon = strchr(s, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			n = strlen(s); /* bare IPv6, no port */
		} else {
			n = colon != NULL ? (size_t)(colon - s) : strlen(s);
			if (colon != NULL)
				*port = colon + 1;
		}
	}
	if (n == 0 || n >= hostsz)
		return conf_fail(cause, "'%s': bad address", orig);
	memcpy(host, s, n);
	host[n] = '\0';
	return 0;
}

/* Parse a numeric address with optional port. */
int
conf_parse_addr(const char *s, int default_port, struct sockaddr_storage *ss,
    socklen_t *len, bool *has_port, char **cause)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN + 1];
	const char *port;
	long long p = default_port;

	if (conf_split_addr(s, host, sizeof(host), &port, cause) == -1)
		return -1;
	if (port != NULL && conf_num(port, 0, 65535, false, &p, NULL) == -1)
		return conf_fail(cause, "'%s': bad port", s);
	if (has_port != NULL)
		*has_port = port != NULL;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)p);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*sin6);
		return 0;
	}
	return conf_fail(cause, "'%s': not a numeric IPv4 or IPv6 address", s);
}

/* Whether name is a valid board name. */
static bool
conf_board_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > CONF_BOARD_NAME_MAX)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* Find a board by name. */
const struct conf_board *
conf_board_find(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nboards; i++)
		if (!strcmp(c->boards[i].name, name))
			return &c->boards[i];
	return NULL;
}

/* Find or add the board of a "board NAME" section. */
static struct conf_board *
conf_board_get(struct conf *c, const char *name, const char *where,
    char **cause)
{
	struct conf_board *b, *nb;

	if (!conf_board_name_ok(name)) {
		conf_fail(cause, "%s: bad board name '%s' (1-%d of "
		    "A-Z a-z 0-9 . _ -)", where, name, CONF_BOARD_NAME_MAX);
		return NULL;
	}
	b = (struct conf_board *)conf_board_find(c, name);
	if (b != NULL)
		return b;
	nb = reallocarray(c->boards, c->nboards + 1, sizeof(*nb));
	if (nb == NULL) {
		conf_fail(cause, "%s: out of memory", where);
		return NULL;
	}
	c->boards = nb;
	b = &nb[c->nboards];
	memset(b, 0, sizeof(*b));
	conf_defaults(b, CONF_S_BOARD);
	b->name = strdup(name);
	if (b->name == NULL) {
		conf_fail(cause, "%s: out of memory", where);
		return NULL;
	}
	c->nboards++;
	return b;
}

/* Find a keyword of a scope. */
static const struct conf_keyword *
conf_keyword_find(enum conf_scope scope, const char *name)
{
	size_t i;

	for (i = 0; i < CONF_NKEYWORDS; i++)
		if (conf_keywords[i].scope == scope &&
		    !strcmp(conf_keywords[i].name, name))
			return &conf_keywords[i];
	return NULL;
}

/* Add a listen address. */
static int
conf_add_listen(struct conf *c, const char *value, const char *where,
    char **cause)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char *err = NULL, *copy;

	if (conf_parse_addr(value, CONF_NETCONSOLE_PORT, &ss, &len, NULL,
	    &err) == -1) {
		conf_fail(cause, "%s: listen %s", where, err ? err : "");
		free(err);
		return -1;
	}
	if (c->listen_is_default)
		conf_listen_clear(c);
	if (c->nlisten >= CONF_LISTEN_MAX)
		return conf_fail(cause, "%s: more than %d listen addresses",
		    where, CONF_LISTEN_MAX);
	copy = strdup(value);
	if (copy == NULL)
		return conf_fail(cause, "%s: out of memory", where);
	c->listen[c->nlisten++] = copy;
	return 0;
}

/* Add a board address. */
static int
conf_add_board_addr(struct conf_board *b, const char *value,
    const char *where, char **cause)
{
	struct conf_addr *a;
	char *err = NULL;
	bool has_port;

	if (b->naddrs >= CONF_BOARD_ADDR_MAX)
		return conf_fail(cause, "%s: board %s: more than %d addresses",
		    where, b->name, CONF_BOARD_ADDR_MAX);
	a = &b->addrs[b->naddrs];
	if (conf_parse_addr(value, 0, &a->ss, &a->len, &has_port, &err) ==
	    -1) {
		conf_fail(cause, "%s: board %s: address %s", where, b->name,
		    err ? err : "");
		free(err);
		return -1;
	}
	if (has_port && ((struct sockaddr_in *)&a->ss)->sin_port == 0)
		return conf_fail(cause, "%s: board %s: address %s: port 0",
		    where, b->name, value);
	a->any_port = !has_port;
	b->naddrs++;
	return 0;
}

/* Store a scalar value through the keyword table. */
static int
conf_set_value(const struct conf_keyword *k, void *base, const char *value,
    const char *where, char **cause)
{
	char *err = NULL, **sp;
	long long v;
	size_t i;

	switch (k->type) {
	case CONF_T_NUM:
	case CONF_T_SIZE:
		if (conf_num(value, k->min, k->max, k->type == CONF_T_SIZE, &v,
		    &err) == -1) {
			conf_fail(cause, "%s: %s: %s", where, k->name,
			    err ? err : "bad number");
			free(err);
			return -1;
		}
		*(long long *)((char *)base + k->offset) = v;
		return 0;
	case CONF_T_STR:
		sp = (char **)((char *)base + k->offset);
		free(*sp);
		*sp = NULL;
		if (*value == '\0')
			return 0;
		*sp = strdup(value);
		return *sp == NULL ? conf_fail(cause, "%s: out of memory",
		    where) : 0;
	case CONF_T_ENUM:
		for (i = 0; k->choices[i] != NULL; i++) {
			if (!strcmp(k->choices[i], value)) {
				*(int *)((char *)base + k->offset) = (int)i;
				return 0;
			}
		}
		return conf_fail(cause, "%s: %s: '%s' is not one of the "
		    "choices (%s%s)", where, k->name, value, k->choices[0],
		    k->choices[1] != NULL ? ", ..." : "");
	default:
		return conf_fail(cause, "%s: %s: internal error", where,
		    k->name);
	}
}

/* Set one keyword. */
int
conf_set(struct conf *c, const char *section, const char *key,
    const char *value, const char *where, char **cause)
{
	const struct conf_keyword *k;
	struct conf_board *b;

	if (*section == '\0' || !strcmp(section, "collect")) {
		k = conf_keyword_find(CONF_S_COLLECT, key);
		if (k == NULL)
			return conf_fail(cause, "%s: unknown keyword '%s' in "
			    "[collect]", where, key);
		if (k->type == CONF_T_LISTEN)
			return conf_add_listen(c, value, where, cause);
		return conf_set_value(k, c, value, where, cause);
	}
	if (strncmp(section, "board", 5) != 0 ||
	    !isspace((unsigned char)section[5]))
		return conf_fail(cause, "%s: unknown section [%s] (expected "
		    "[collect] or [board NAME])", where, section);
	section += 5;
	while (isspace((unsigned char)*section))
		section++;
	k = conf_keyword_find(CONF_S_BOARD, key);
	if (k == NULL)
		return conf_fail(cause, "%s: unknown keyword '%s' in [board "
		    "%s]", where, key, section);
	b = conf_board_get(c, section, where, cause);
	if (b == NULL)
		return -1;
	if (k->type == CONF_T_ADDR)
		return conf_add_board_addr(b, value, where, cause);
	return conf_set_value(k, b, value, where, cause);
}

/* State of one conf_load: inih does not pass line numbers. */
struct conf_parse {
	struct conf *conf;
	FILE *fp;
	const char *path;
	int line;	   /* line the reader returned last */
	int err_line;	   /* first line with an error, 0 = none */
	char *err;	   /* first error message */
	char *buf;	   /* getline buffer */
	size_t bufsz;
};

/* Remember the first error. */
static void
conf_parse_error(struct conf_parse *p, char *msg)
{
	if (p->err_line != 0) {
		free(msg);
		return;
	}
	p->err_line = p->line;
	p->err = msg;
}

/* inih reader: one whole line per call, counting lines. */
static char *
conf_reader(char *str, int num, void *stream)
{
	struct conf_parse *p = stream;
	ssize_t n;
	char *msg;

	n = getline(&p->buf, &p->bufsz, p->fp);
	if (n < 0)
		return NULL;
	p->line++;
	if (n > num - 3) {
		if (asprintf(&msg, "%s:%d: line longer than %d bytes",
		    p->path, p->line, num - 3) == -1)
			msg = NULL;
		conf_parse_error(p, msg);
		str[0] = '\n'; /* skip it */
		str[1] = '\0';
		return str;
	}
	memcpy(str, p->buf, (size_t)n + 1);
	return str;
}

/* inih handler: hand each name=value to conf_set. */
static int
conf_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct conf_parse *p = user;
	char where[PATH_MAX + 16], *cause = NULL;

	snprintf(where, sizeof(where), "%s:%d", p->path, p->line);
	if (conf_set(p->conf, section, name, value, where, &cause) == 0)
		return 1;
	conf_parse_error(p, cause);
	return 0;
}

/* Read a config file. */
int
conf_load(struct conf *c, const char *path, char **cause)
{
	struct conf_parse p = {.conf = c, .path = path};
	int rc;

	p.fp = fopen(path, "re");
	if (p.fp == NULL)
		return conf_fail(cause, "%s: %s", path, strerror(errno));
	rc = ini_parse_stream(conf_reader, &p, conf_handler, &p);
	fclose(p.fp);
	free(p.buf);
	if (p.err_line != 0) {
		if (cause != NULL)
			*cause = p.err;
		else
			free(p.err);
		return -1;
	}
	if (rc != 0)
		return conf_fail(cause, "%s:%d: syntax error (expected "
		    "'name = value' or '[section]')", path, rc);
	free(c->path);
	c->path = strdup(path);
	return 0;
}

/* Whether two config addresses can match the same source. */
static bool
conf_addr_overlap(const struct conf_addr *a, const struct conf_addr *b)
{
	const struct sockaddr_in *a4 = (const void *)&a->ss;
	const struct sockaddr_in *b4 = (const void *)&b->ss;
	const struct sockaddr_in6 *a6 = (const void *)&a->ss;
	const struct sockaddr_in6 *b6 = (const void *)&b->ss;

	if (a->ss.ss_family != b->ss.ss_family)
		return false;
	if (a->ss.ss_family == AF_INET) {
		if (a4->sin_addr.s_addr != b4->sin_addr.s_addr)
			return false;
		return a->any_port || b->any_port ||
		    a4->sin_port == b4->sin_port;
	}
	if (memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr)))
		return false;
	return a->any_port || b->any_port || a6->sin6_port == b6->sin6_port;
}

/* Check that no two boards claim the same source. */
static int
conf_check_board_addrs(const struct conf *c, const struct conf_board *b,
    size_t bi, char **cause)
{
	const struct conf_board *o;
	size_t i, j, k;

	for (i = 0; i < b->naddrs; i++) {
		for (j = bi; j < c->nboards; j++) {
			o = &c->boards[j];
			for (k = (j == bi ? i + 1 : 0); k < o->naddrs; k++) {
				if (!conf_addr_overlap(&b->addrs[i],
				    &o->addrs[k]))
					continue;
				if (o == b && b->addrs[i].any_port ==
				    o->addrs[k].any_port)
					return conf_fail(cause, "board %s: "
					    "address listed twice", b->name);
				if (o != b)
					return conf_fail(cause, "boards %s and "
					    "%s: same source address", b->name,
					    o->name);
			}
		}
	}
	return 0;
}

/* Check the whole configuration. */
int
conf_check(const struct conf *c, char **cause)
{
	struct sockaddr_storage ss;
	socklen_t len;
	size_t i;

	if (c->nlisten == 0)
		return conf_fail(cause, "no listen address");
	for (i = 0; i < c->nlisten; i++)
		if (conf_parse_addr(c->listen[i], CONF_NETCONSOLE_PORT, &ss,
		    &len, NULL, cause) == -1)
			return -1;
	for (i = 0; i < c->nboards; i++) {
		if (c->boards[i].naddrs == 0)
			return conf_fail(cause, "board %s: no address",
			    c->boards[i].name);
		if (conf_check_board_addrs(c, &c->boards[i], i, cause) == -1)
			return -1;
	}
	if ((long long)c->nboards > c->max_boards)
		return conf_fail(cause, "%zu boards named but max_boards is "
		    "%lld", c->nboards, c->max_boards);
	return 0;
}

/* Text of a keyword's default for the docs. */
static void
conf_doc_default(FILE *f, const struct conf_keyword *k)
{
	if (k->type == CONF_T_NUM)
		fprintf(f, "%lld", k->def);
	else if (k->type == CONF_T_SIZE && k->def % MIB == 0)
		fprintf(f, "%lldm", k->def / MIB);
	else if (k->type == CONF_T_SIZE)
		fprintf(f, "%lld", k->def);
	else if (k->def_str != NULL && *k->def_str != '\0')
		fprintf(f, "`%s`", k->def_str);
	else
		fprintf(f, "(none)");
}

/* Text of a keyword's range for the docs. */
static void
conf_doc_range(FILE *f, const struct conf_keyword *k)
{
	size_t i;

	if (k->type == CONF_T_NUM || k->type == CONF_T_SIZE) {
		fprintf(f, "%lld - %lld", k->min, k->max);
	} else if (k->type == CONF_T_ENUM) {
		for (i = 0; k->choices[i] != NULL; i++)
			fprintf(f, "%s`%s`", i ? ", " : "", k->choices[i]);
	} else {
		fprintf(f, "%s", k->type == CONF_T_STR ? "text" : "address");
	}
}

/* Write the keywords of one scope as a markdown table. */
static void
conf_doc_table(FILE *f, enum conf_scope scope)
{
	const struct conf_keyword *k;
	size_t i;

	fprintf(f, "| keyword | default | range | meaning |\n");
	fprintf(f, "|---|---|---|---|\n");
	for (i = 0; i < CONF_NKEYWORDS; i++) {
		k = &conf_keywords[i];
		if (k->scope != scope)
			continue;
		fprintf(f, "| `%s` | ", k->name);
		conf_doc_default(f, k);
		fprintf(f, " | ");
		conf_doc_range(f, k);
		fprintf(f, " | %s |\n", k->text);
	}
}

/* Write docs/config.md. */
void
conf_write_doc(FILE *f)
{
	fprintf(f, "# kcatch collect configuration\n\n"
	    "<!-- Generated by `kcatch collect --config-doc` from the keyword "
	    "table in collector/conf.c; test_conf checks it is current. -->\n\n"
	    "`kcatch collect --config FILE` reads an INI file (parsed with "
	    "inih): `name = value` lines under `[collect]` and one "
	    "`[board NAME]` section per board. `;` or `#` start a comment. "
	    "A keyword given twice keeps the last value, except `listen` and "
	    "`address`, which add one more. Errors read `file:line: message`; "
	    "`kcatch collect --check-config` only parses and checks.\n\n"
	    "Command-line flags override the file: `--data-dir DIR`, "
	    "`--listen ADDR:PORT` (repeatable; replaces every `listen` of the "
	    "file), `-v` (adds to `verbose`) and `--set KEY=VALUE` for any "
	    "`[collect]` keyword.\n\n"
	    "Sizes take a `k`, `m` or `g` suffix (1024-based).\n\n"
	    "## [collect]\n\n");
	conf_doc_table(f, CONF_S_COLLECT);
	fprintf(f, "\n## [board NAME]\n\n"
	    "NAME is 1-%d characters of `A-Z a-z 0-9 . _ -`. A board is "
	    "identified by source address and port: boards behind one NAT or "
	    "QEMU user network share an address and differ by port. A source "
	    "that matches no board is registered as `<ip>-<port>` (e.g. "
	    "`127.0.0.2-6665`) or dropped, per `unknown_boards`.\n\n",
	    CONF_BOARD_NAME_MAX);
	conf_doc_table(f, CONF_S_BOARD);
	fprintf(f, "\n## Example\n\n```ini\n"
	    "[collect]\n"
	    "data_dir = /var/lib/kcatch\n"
	    "listen = [::]:6666\n"
	    "rcvbuf = 64m\n"
	    "\n"
	    "[board rk3568]\n"
	    "address = 192.168.1.50\n"
	    "ssh_user = root\n"
	    "ssh_key = /etc/kcatch/id_ed25519\n"
	    "\n"
	    "[board qemu1]\n"
	    "address = 127.0.0.1:47665\n"
	    "```\n");
}
