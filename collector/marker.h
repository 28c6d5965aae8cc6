/* SPDX-License-Identifier: MIT */
/*
 * marker.h -- the in-stream grammar of patch steps (prefix marker_): the
 * "kcatch: plan=P step=S patch=X" line a board writes into its kernel log,
 * netconsole userdata step=/plan=/patch=, and the lines that mean a boot
 * ended cleanly. docs/steps.md is the one description of this grammar;
 * this module is its one parser.
 *
 * Pure: no I/O, no allocation, no logging. Parsed values are copied into
 * struct marker; nothing keeps a pointer into the caller's text.
 *
 * Use in the collector (per board, per boot):
 *   - every console line: marker_parse_line(); MARKER_STEP or MARKER_END
 *     -> store_step_mark(); MARKER_SHUTDOWN -> store_boot_set_end_state(
 *     ..., STORE_END_CLEAN, ...). -1 -> count/log the reason, nothing else.
 *   - every ext record: marker_from_userdata() with the values of its
 *     "plan", "step" and "patch" attributes; on MARKER_STEP, call
 *     store_step_mark() only when marker_tracker_update() returns true,
 *     because userdata repeats on every record.
 *   - on a new boot: marker_tracker_reset().
 */
#ifndef KCATCH_MARKER_H
#define KCATCH_MARKER_H

#include <stdbool.h>
#include <stddef.h>

#define MARKER_TAG "kcatch:"	  /* what a marker line starts with */
#define MARKER_NAME_MAX 64	  /* longest plan or step name, bytes */
#define MARKER_PATCH_MAX 128	  /* longest patch id, bytes */
#define MARKER_FIELDS_MAX 16	  /* key=value fields per line */

enum marker_kind {
	MARKER_NONE = 0,	  /* an ordinary line */
	MARKER_STEP,		  /* the board now runs plan/step */
	MARKER_END,		  /* "kcatch: end": no step from here on */
	MARKER_SHUTDOWN,	  /* the boot is ending cleanly */
};

/* One parsed declaration. Strings are NUL-terminated, "" when absent. */
struct marker {
	enum marker_kind kind;
	char plan[MARKER_NAME_MAX + 1];	  /* "": the board's current plan */
	char step[MARKER_NAME_MAX + 1];	  /* set for MARKER_STEP */
	char patch[MARKER_PATCH_MAX + 1]; /* "" = not declared */
};

/*
 * Classify one console line of len bytes (no NUL needed, no trailing
 * '\n'), after skipping console prefixes ("<12>", "[  12.3]", "[ T1]")
 * and one "ident[pid]: " tag. Fills *m and returns its kind: MARKER_NONE
 * for ordinary lines (then *m is zeroed), MARKER_STEP, MARKER_END or
 * MARKER_SHUTDOWN. A line that begins with "kcatch:" but breaks the
 * grammar returns -1 and sets *reason (if not NULL) to a static string;
 * such a line declares nothing.
 */
int marker_parse_line(const char *text, size_t len, struct marker *m,
    const char **reason);

/*
 * A declaration from netconsole userdata: the values of the record's
 * "plan", "step" and "patch" keys, NULL when absent. Returns MARKER_STEP
 * (filled *m), MARKER_NONE when step is NULL or empty, or -1 with
 * *reason when a value breaks the grammar (docs/steps.md).
 */
int marker_from_userdata(const char *plan, const char *step,
    const char *patch, struct marker *m, const char **reason);

/* The last declaration of a boot, to report userdata changes once. */
struct marker_tracker {
	bool set;		  /* last holds a declaration */
	struct marker last;
};

/* Forget the last declaration (call when a new boot begins). */
void marker_tracker_reset(struct marker_tracker *t);

/*
 * Remember m as the boot's current declaration. Returns true when it
 * differs from the previous one (or there was none): then the caller
 * passes it on to the store. MARKER_NONE and MARKER_SHUTDOWN are never
 * tracked (false).
 */
bool marker_tracker_update(struct marker_tracker *t, const struct marker *m);

/* True when s (NUL-terminated) is a valid plan/step name or patch id of
 * at most max bytes: 1 or more of [A-Za-z0-9._+:/@~#%-]. */
bool marker_value_ok(const char *s, size_t max);

/*
 * Offset of the text after the console prefixes of a line: "<N>", up to
 * two "[...]" groups (printk time, caller id) and spaces. The one place
 * that knows them for the collector's own line checks (boot lines too).
 */
size_t marker_skip_console(const char *s, size_t len);

/* "step", "end", "shutdown" or "none". */
const char *marker_kind_name(enum marker_kind kind);

#endif /* KCATCH_MARKER_H */
