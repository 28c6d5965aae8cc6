/* SPDX-License-Identifier: MIT */
/*
 * cli.h -- what the reading commands share (prefix cli_): opening the data
 * directory with the exit-code contract of cmd.h, time arguments, report
 * filter options, terminal-safe text, and the table / CSV / JSON-lines
 * writers. Part of the command edge: it may print (to the FILE it is
 * given, and errors to stderr), nothing below it does.
 */
#ifndef KCATCH_CLI_H
#define KCATCH_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "store.h"

/* Output formats of the listing commands (--format, --json). */
enum cli_format {
	CLI_TABLE,
	CLI_JSON,
	CLI_CSV,
};

#define CLI_FILTER_VALUES_MAX 64 /* --class/--state values per command */

/*
 * Parse "table", "json" or "csv". 0, or -1 for anything else.
 */
int cli_format_parse(const char *s, enum cli_format *f);

/*
 * Parse a time argument into ms since the epoch (UTC): ISO 8601
 * "2025-11-21", "2025-11-21T06:08", "2025-11-21 06:08:06.5Z",
 * "2025-11-21T06:08:06+01:00" (no zone: UTC); relative "90s", "15m",
 * "2h", "1d", "1w" (that long before now_ms); "now"; "@<ms>". Returns 0,
 * or -1 with *cause (malloc'd).
 */
int cli_time_parse(const char *s, int64_t now_ms, int64_t *ms, char **cause);

/*
 * Format ms since the epoch as UTC ISO 8601 ("2025-11-21T06:08:06Z", with
 * millis "2025-11-21T06:08:06.980Z") into buf; "-" when ms < 0. Returns
 * buf.
 */
const char *cli_time_fmt(int64_t ms, bool millis, char *buf, size_t size);

/* Wall clock, ms since the epoch. */
int64_t cli_now_ms(void);

/*
 * A copy of untrusted text that is safe to print on a terminal: printable
 * ASCII and printable UTF-8 stay; '\\' becomes "\\\\", '\t' "\\t", '\n'
 * "\\n", '\r' "\\r", other control bytes and bytes that are not UTF-8
 * "\\xHH", and C1 controls, bidi and other invisible format characters
 * (U+0080-009F, U+061C, U+200B-200F, U+2028-202E, U+2060-206F, U+FEFF)
 * "\\uXXXX". NULL gives "". Returns a malloc'd string (caller frees), NULL
 * when out of memory.
 */
char *cli_esc(const char *s);

/* Display width of an escaped string (one column per code point). */
size_t cli_width(const char *esc);

/*
 * A table printed with aligned columns, separated by two spaces. align
 * has one letter per column: 'l' left, 'r' right. Cells are escaped with
 * cli_esc() when added; a NULL cell prints as "-". The last column is not
 * padded.
 */
struct cli_table;

/* New table with ncols columns and these headings. NULL when OOM. */
struct cli_table *cli_table_new(const char *const *heads, size_t ncols,
    const char *align);
/* Add a row of ncols cells (copied). 0, or -1 when out of memory. */
int cli_table_add(struct cli_table *t, const char *const *cells);
/* Rows added so far. */
size_t cli_table_rows(const struct cli_table *t);
/* Print the heading and every row. */
void cli_table_print(const struct cli_table *t, FILE *f);
/* Free t (NULL is fine). */
void cli_table_free(struct cli_table *t);

/*
 * Print one CSV record (RFC 4180): each cell escaped with cli_esc() (so
 * no raw line breaks), then quoted when it holds ',' or '"'. NULL cells
 * are empty. 0, or -1 when out of memory.
 */
int cli_csv_row(FILE *f, const char *const *cells, size_t n);

/*
 * Print v as one compact JSON line. Does not take the reference. 0 or -1.
 */
int cli_json_line(FILE *f, const json_t *v);

/*
 * A JSON object written straight to a FILE as one line, byte for byte what
 * cli_json_line() prints for the same members, without building a tree:
 * for listings of many thousand rows. cli_jw_begin(), members in order,
 * cli_jw_end() (returns -1 after an output error). Strings are untrusted
 * text (NULL: null); cli_jw_opt() prints null for negative numbers.
 */
struct cli_jw {
	FILE *f;
	bool first;		/* no member written yet */
};

void cli_jw_begin(struct cli_jw *w, FILE *f);
void cli_jw_str(struct cli_jw *w, const char *key, const char *v);
void cli_jw_int(struct cli_jw *w, const char *key, int64_t v);
void cli_jw_opt(struct cli_jw *w, const char *key, int64_t v);
void cli_jw_bool(struct cli_jw *w, const char *key, bool v);
void cli_jw_time(struct cli_jw *w, const char *key, int64_t ms);
int cli_jw_end(struct cli_jw *w);

/* A JSON string of untrusted text (see report_json_str()), null for NULL. */
json_t *cli_json_str(const char *s);

/* ms as an ISO 8601 JSON string with millis, null when ms < 0. */
json_t *cli_json_time(int64_t ms);

/*
 * Open the store of data_dir (NULL: store_data_dir_default()) with flags
 * (STORE_READONLY for readers). A read-write open needs an existing
 * database too: commands never create one. Returns CMD_EXIT_OK with *s
 * (close with store_close()) and, when dir is not NULL, the data dir used
 * in *dir (malloc'd, caller frees); or prints "kcatch <cmd>: <why>" to
 * stderr and returns CMD_EXIT_DATA.
 */
int cli_open(const char *cmd, const char *data_dir, int flags,
    struct store **s, char **dir);

/* Print "kcatch <cmd>: <msg>" to stderr and return code. */
int cli_fail(const char *cmd, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * The report filter options shared by query and sigs, as getopt_long
 * entries (values CLI_OPT_* below) and their state.
 */
enum {
	CLI_OPT_DATA_DIR = 0x100,
	CLI_OPT_BOARD,
	CLI_OPT_PLAN,
	CLI_OPT_STEP,
	CLI_OPT_PATCH,
	CLI_OPT_CLASS,
	CLI_OPT_SINCE,
	CLI_OPT_UNTIL,
	CLI_OPT_SIGNATURE,
	CLI_OPT_NEW_IN,
	CLI_OPT_STATE,
	CLI_OPT_FORMAT,
	CLI_OPT_JSON,
	CLI_OPT_LIMIT,
	CLI_OPT_CONTEXT,
	CLI_OPT_NOTE,
	CLI_OPT_KERNEL,
	CLI_OPT_COMMIT,
	CLI_OPT_DESC,
	CLI_OPT_SEQ,
	CLI_OPT_AT,
	CLI_OPT_BOOT,
	CLI_OPT_CREATE,
	CLI_OPT_RESCAN,
	CLI_OPT_HELP,
};

#define CLI_FILTER_LONGOPTS                                                \
	{"data-dir", required_argument, NULL, CLI_OPT_DATA_DIR},           \
	{"board", required_argument, NULL, CLI_OPT_BOARD},                 \
	{"plan", required_argument, NULL, CLI_OPT_PLAN},                   \
	{"step", required_argument, NULL, CLI_OPT_STEP},                   \
	{"patch", required_argument, NULL, CLI_OPT_PATCH},                 \
	{"class", required_argument, NULL, CLI_OPT_CLASS},                 \
	{"since", required_argument, NULL, CLI_OPT_SINCE},                 \
	{"until", required_argument, NULL, CLI_OPT_UNTIL},                 \
	{"signature", required_argument, NULL, CLI_OPT_SIGNATURE},         \
	{"new-in", required_argument, NULL, CLI_OPT_NEW_IN},               \
	{"state", required_argument, NULL, CLI_OPT_STATE},                 \
	{"format", required_argument, NULL, CLI_OPT_FORMAT},               \
	{"json", no_argument, NULL, CLI_OPT_JSON},                         \
	{"help", no_argument, NULL, CLI_OPT_HELP}

/*
 * The options of the listing commands (bisect, steps, boards): where the
 * data is and how to print it.
 */
#define CLI_OUT_LONGOPTS                                                   \
	{"data-dir", required_argument, NULL, CLI_OPT_DATA_DIR},           \
	{"format", required_argument, NULL, CLI_OPT_FORMAT},               \
	{"json", no_argument, NULL, CLI_OPT_JSON},                         \
	{"help", no_argument, NULL, 'h'}

struct cli_out {
	const char *data_dir;	 /* --data-dir or NULL; points into argv */
	enum cli_format format;	 /* CLI_TABLE unless asked */
};

/*
 * Take getopt_long's c (with its arg) when it is one of CLI_OUT_LONGOPTS
 * other than --help: 1 taken, 0 not one of them, -1 a bad --format.
 */
int cli_out_opt(struct cli_out *o, int c, const char *arg);

/* Filter options as parsed; strings point into argv. */
struct cli_filter {
	struct store_filter f;	 /* what the store reads */
	const char *classes[CLI_FILTER_VALUES_MAX];
	const char *states[CLI_FILTER_VALUES_MAX];
	char *owned[2 * CLI_FILTER_VALUES_MAX]; /* copies of the --class and
					   --state arguments the lists
					   point into */
	size_t nowned;
	struct cli_out out;	 /* --data-dir, --format, --json */
};

/* Start with no conditions, table output. */
void cli_filter_init(struct cli_filter *cf);
/*
 * Handle one getopt_long result c with optarg arg. Returns 1 when it was
 * a filter option, 0 when not, -1 with *cause for a bad value (unknown
 * class or state, bad time, ...).
 */
int cli_filter_opt(struct cli_filter *cf, int c, const char *arg,
    int64_t now_ms, char **cause);
/* Free what cf owns. */
void cli_filter_clear(struct cli_filter *cf);

/* True when name is a report class (kr_class_name()). */
bool cli_class_ok(const char *name);

#endif /* KCATCH_CLI_H */
