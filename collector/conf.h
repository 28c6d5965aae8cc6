/* SPDX-License-Identifier: MIT */
/*
 * conf.h -- the kcatch collect configuration (prefix conf_): an INI file
 * read with inih plus command-line overrides, checked against one keyword
 * table (name, type, min/max/default, help text) that also generates
 * docs/config.md. Pure: no sockets, no logging; errors are cause strings
 * of the form "file:line: message".
 */
#ifndef KCATCH_CONF_H
#define KCATCH_CONF_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>

#define CONF_LISTEN_MAX 16	    /* listen addresses */
#define CONF_BOARD_ADDR_MAX 8	    /* addresses per board */
#define CONF_BOARD_NAME_MAX 64	    /* bytes, without NUL */
#define CONF_DEFAULT_LISTEN "[::]:6666"
#define CONF_NETCONSOLE_PORT 6666   /* netconsole's default target port */

/* What to do with datagrams from a source no board is configured for. */
enum conf_unknown {
	CONF_UNKNOWN_REGISTER = 0, /* auto-register as board "<ip>-<port>" */
	CONF_UNKNOWN_DROP,	   /* count and drop */
};

/* One board address from the config: "ip" or "ip:port". */
struct conf_addr {
	struct sockaddr_storage ss; /* AF_INET or AF_INET6, port 0 if any */
	socklen_t len;
	bool any_port;		    /* no port given: every source port */
};

/* A [board NAME] section. Strings are owned by the struct. */
struct conf_board {
	char *name;			  /* [A-Za-z0-9._-], unique */
	struct conf_addr addrs[CONF_BOARD_ADDR_MAX];
	size_t naddrs;
	char *ssh_host;			  /* for pstore pulls; NULL = address */
	char *ssh_user;			  /* NULL = "root" */
	long long ssh_port;		  /* 22 */
	char *ssh_key;			  /* private key path, NULL = agent */
	int line;			  /* line of the section header */
};

/* The whole configuration. Every pointer is owned by the struct. */
struct conf {
	char *path;		     /* file read, NULL when none */
	char *data_dir;		     /* archive + database; NULL: the
					store's default */
	char *listen[CONF_LISTEN_MAX]; /* "ADDR:PORT" strings */
	size_t nlisten;
	bool listen_is_default;	     /* the next listen replaces them */
	long long rcvbuf;	     /* SO_RCVBUF(FORCE) bytes */
	long long recv_batch;	     /* datagrams per recvmmsg call */
	enum conf_unknown unknown;   /* unknown sources: register or drop */
	long long max_boards;	     /* boards kept, named + registered */
	long long source_rate;	     /* datagrams/s per source, 0 = no cap */
	long long source_queue;	     /* bytes one board may have queued */
	long long queue_size;	     /* bytes the writer queue may hold */
	long long quiet_ms;	     /* report closes after this silence */
	long long report_lines;	     /* report closes after this many lines */
	long long db_batch_ms;	     /* DB commit period */
	long long archive_flush_ms;  /* archive flush period */
	long long stats_ms;	     /* counters written to the DB */
	long long tail_queue;	     /* bytes queued per `kcatch tail` */
	long long tail_clients;	     /* `kcatch tail` clients at once */
	char *log_file;		     /* NULL = stderr */
	long long verbose;	     /* log verbosity */
	struct conf_board *boards;   /* array of nboards */
	size_t nboards;
};

/* A config with every default set. Returns NULL when out of memory. */
struct conf *conf_new(void);
void conf_free(struct conf *c);

/*
 * Read path into c (which holds defaults or earlier values). Returns 0,
 * or -1 with *cause = "path:line: message" (caller frees). Every error in
 * the file is checked but only the first is reported.
 */
int conf_load(struct conf *c, const char *path, char **cause);

/*
 * Set one keyword as if read from the file ("collect" keywords; board
 * keywords need section "board NAME"). where names the origin for the
 * message ("--rcvbuf", "kcatch.conf:12"). Returns 0 or -1 with *cause.
 */
int conf_set(struct conf *c, const char *section, const char *key,
    const char *value, const char *where, char **cause);

/* Drop every listen address (before command-line --listen replaces them). */
void conf_listen_clear(struct conf *c);

/*
 * Check the whole configuration once everything is set: addresses parse,
 * board names and addresses are unique. Returns 0 or -1 with *cause.
 */
int conf_check(const struct conf *c, char **cause);

/*
 * Parse "ADDR:PORT", "[V6]:PORT", "ADDR" or "[V6]" (numeric, no DNS) into
 * ss/len. Without a port, *has_port is false and the port is default_port.
 * has_port may be NULL. Returns 0 or -1 with *cause.
 */
int conf_parse_addr(const char *s, int default_port,
    struct sockaddr_storage *ss, socklen_t *len, bool *has_port,
    char **cause);

/*
 * Parse a number in [min, max]; sizes may end in k, m or g (1024-based)
 * when size is true. Returns 0 or -1 with *cause.
 */
int conf_num(const char *s, long long min, long long max, bool size,
    long long *out, char **cause);

/* Find a board by name, or NULL. */
const struct conf_board *conf_board_find(const struct conf *c,
    const char *name);

/* Write the keyword reference (docs/config.md) to f. */
void conf_write_doc(FILE *f);

#endif /* KCATCH_CONF_H */
