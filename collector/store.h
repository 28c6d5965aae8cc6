/* SPDX-License-Identifier: MIT */
/*
 * store.h -- the kcatch database (prefix store_): boards, boots, reports,
 * signatures and collector counters in SQLite.
 *
 * store.c is the only file that includes sqlite3.h and the only place that
 * holds SQL text. Callers speak in domain terms (a boot began, a report was
 * found) and never see a statement or a transaction.
 *
 * Threads and processes: one struct store belongs to one thread. The
 * collector's writer thread owns the read-write store; `kcatch status`,
 * `kcatch reparse` and friends are other processes with their own store
 * open on the same file. WAL mode lets readers run while the writer writes.
 *
 * Writes are batched: the first write opens a transaction, which commits
 * when STORE_BATCH_ROWS rows are pending (inside the write call) or when
 * store_flush_if_due() finds it older than STORE_BATCH_MS, or on
 * store_flush()/store_close(). Rows become visible to other processes at
 * that commit, so a writer that calls store_flush_if_due() at least every
 * 100 ms makes every report visible well within 1 s.
 *
 * Errors: -1 (or NULL) with a malloc'd message in *cause that the caller
 * frees; cause may be NULL when the caller does not want it. A full disk or
 * any SQLite error is such a return, never an abort. Nothing here logs.
 *
 * Times: *_ms values that describe events (recv, created, last_seen, start,
 * end) are wall-clock milliseconds since the Unix epoch (UTC). The now_ms
 * argument of store_flush_if_due() and the value of store_next_deadline()
 * are CLOCK_MONOTONIC milliseconds (see store_clock_ms()), because batch
 * deadlines must not jump with the wall clock. Kernel times are printk
 * microseconds since boot.
 *
 * Unknown values: a kr_report field that is -1 or "" is stored as NULL.
 */
#ifndef KCATCH_STORE_H
#define KCATCH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kr_report;
struct store;

#define STORE_DB_NAME "kcatch.db"     /* <data-dir>/kcatch.db */
#define STORE_LOCK_NAME "collect.lock" /* <data-dir>/collect.lock */
#define STORE_BATCH_ROWS 1000	       /* commit after this many writes */
#define STORE_BATCH_MS 200	       /* ... or when the batch is this old */
#define STORE_BUSY_TIMEOUT_MS 5000     /* wait this long for another writer */

/* Flags for store_open(). */
#define STORE_READONLY 0x1 /* open read-only; never create, never migrate */

/* Report sources (reports.source). */
#define STORE_SOURCE_NETCONSOLE "netconsole"
#define STORE_SOURCE_PSTORE "pstore"

/*
 * Per-boot transport counters, as deltas. lines/bytes: archived lines and
 * their payload bytes; gaps: sequence discontinuities seen; duplicates:
 * records received more than once; drops: records known to be lost (sum of
 * the gap sizes plus the kernel's "** N printk messages dropped **").
 */
struct store_counts {
	int64_t lines;
	int64_t bytes;
	int64_t gaps;
	int64_t duplicates;
	int64_t drops;
};

/* One boot, as listed by store_boot_list(). Strings owned by the list. */
struct store_boot {
	int64_t id;
	int64_t board_id;
	char *board;	     /* board name */
	int64_t start_ms;
	int64_t end_ms;	     /* -1 while the boot is open */
	char *release;	     /* "" when unknown */
	char *archive_path;  /* relative to the data dir, "" when none */
	int64_t lines;
	int64_t reports;     /* reports of this boot, every source */
	int64_t max_line;    /* highest last_line of its netconsole reports,
				0 when none (reparse uses it as a guard) */
};

/* One board with its counters and latest boot, for `kcatch status`. */
struct store_board_status {
	int64_t id;
	char *name;
	char *address;	     /* "" when unknown */
	int64_t created_ms;
	int64_t last_seen_ms; /* -1 never */
	int64_t lines;
	int64_t bytes;
	int64_t reports;
	int64_t gaps;
	int64_t duplicates;
	int64_t drops;
	int64_t boot_id;     /* latest boot, 0 when none */
	int64_t boot_start_ms;
	int64_t boot_end_ms; /* -1 while open (or no boot) */
	char *boot_release;  /* "" when unknown or no boot */
	int64_t boot_lines;
	int64_t boot_reports;
};

/* One collector-wide counter (collector_stats row). */
struct store_stat {
	char *name;
	int64_t value;
	int64_t updated_ms;
};

/* ---- data directory ------------------------------------------------- */

/*
 * The default data directory: $KCATCH_DATA_DIR, else $XDG_DATA_HOME/kcatch,
 * else $HOME/.local/share/kcatch (empty variables count as unset). Returns
 * a malloc'd path the caller frees, or NULL with *cause when none of them
 * can be determined. Does not create anything.
 */
char *store_data_dir_default(char **cause);

/*
 * Create dir and its parents (mode 0700 for what is created; existing
 * directories are left alone). Returns 0 or -1 with *cause.
 */
int store_mkdirs(const char *dir, char **cause);

/* "<data_dir>/kcatch.db" as a malloc'd string (NULL when out of memory). */
char *store_db_path(const char *data_dir);

/*
 * Take the collector lock <data_dir>/collect.lock (flock, exclusive, non
 * blocking; file created 0600). Returns 1 and sets *fd (keep it open for
 * the life of the process) when taken, 0 when another process holds it,
 * -1 with *cause on error. `kcatch collect` takes it at startup; `kcatch
 * reparse` probes it to learn whether a collector is writing right now.
 * Release by closing *fd.
 */
int store_lock_collector(const char *data_dir, int *fd, char **cause);

/* CLOCK_MONOTONIC in milliseconds, the clock of store_flush_if_due(). */
int64_t store_clock_ms(void);

/* ---- open / close / batches ----------------------------------------- */

/*
 * Open the database at path (":memory:" works). Read-write opens create
 * the file (0600) if missing, switch to WAL, enable foreign keys and apply
 * every schema migration newer than PRAGMA user_version, each in its own
 * transaction, so opening twice is harmless. STORE_READONLY opens an
 * existing file read-only and fails if it is missing or its schema is
 * older than this program. Returns the store (free with store_close()) or
 * NULL with *cause.
 */
struct store *store_open(const char *path, int flags, char **cause);

/*
 * store_open() on "<data_dir>/kcatch.db". Read-write opens create the
 * data dir (0700) first. Read-only opens fail with a "no database" cause
 * when the file does not exist (check store_db_exists() to tell apart).
 */
struct store *store_open_dir(const char *data_dir, int flags, char **cause);

/* True when "<data_dir>/kcatch.db" exists. */
bool store_db_exists(const char *data_dir);

/*
 * Commit the pending batch, finalize statements and close. Always frees s
 * (s may be NULL). Returns 0, or -1 with *cause when the final commit
 * failed (those rows are lost; the archive still holds the lines).
 */
int store_close(struct store *s, char **cause);

/*
 * Commit the pending batch now (no-op when none). Also applies pending
 * counter deltas. Returns 0 or -1 with *cause. When the database is busy
 * (another writer held it past STORE_BUSY_TIMEOUT_MS) the batch stays
 * pending and a later flush retries; on any other error the batch is
 * rolled back and its rows are lost (the archive still has the lines, so
 * `kcatch reparse` recovers the reports).
 */
int store_flush(struct store *s, char **cause);

/*
 * Commit the pending batch if it has been open for STORE_BATCH_MS or more
 * at now_ms (CLOCK_MONOTONIC ms, store_clock_ms()). Cheap when nothing is
 * due: the writer thread may call it as often as it likes and should call
 * it at least every 100 ms while store_next_deadline() is not -1.
 * Returns 0 or -1 with *cause as store_flush().
 */
int store_flush_if_due(struct store *s, int64_t now_ms, char **cause);

/* Monotonic ms at which the open batch is due, or -1 when none is open. */
int64_t store_next_deadline(const struct store *s);

/* Number of writes in the open batch (0 when none). For tests and stats. */
size_t store_pending(const struct store *s);

/* ---- boards and boots (writer) -------------------------------------- */

/*
 * Find or create the board called name and return its id in *board_id.
 * address (may be NULL: keep the stored one) is the current source address
 * ("192.0.2.7:6665"); now_ms becomes created_ms of a new board (last_seen
 * is raised by store_boot_count()). Batched. Returns 0 or -1 with *cause.
 */
int store_board_upsert(struct store *s, const char *name, const char *address,
    int64_t now_ms, int64_t *board_id, char **cause);

/*
 * Start a new boot of board_id at start_ms and return its id in *boot_id
 * (ids are never reused, so they also name archive files). Batched: the
 * id is valid at once, other processes see the row after the commit.
 */
int store_boot_begin(struct store *s, int64_t board_id, int64_t start_ms,
    int64_t *boot_id, char **cause);

/*
 * Record the kernel of a boot: release ("6.1.0-26-amd64") and the full
 * "Linux version ..." line; either may be NULL to keep the stored value.
 */
int store_boot_set_kernel(struct store *s, int64_t boot_id,
    const char *release, const char *version_line, char **cause);

/* Record the archive file of a boot, relative to the data dir. */
int store_boot_set_archive(struct store *s, int64_t boot_id,
    const char *archive_path, char **cause);

/*
 * Close a boot at end_ms. reason is free text ("reboot", "collector
 * stopped", "silence"); NULL for none.
 */
int store_boot_end(struct store *s, int64_t boot_id, int64_t end_ms,
    const char *reason, char **cause);

/*
 * The latest boot of a board: *boot_id (0 when the board has none) and
 * *end_ms (-1 while open). Lets a restarted collector continue the boot it
 * was archiving. Reads through the pending batch. Returns 0 or -1.
 */
int store_board_last_boot(struct store *s, int64_t board_id,
    int64_t *boot_id, int64_t *end_ms, char **cause);

/*
 * Add transport counters of boot_id (and of its board) and raise the
 * board's last_seen to last_seen_ms (-1: leave it). Cheap: deltas are kept
 * in memory and written once per batch commit, so calling it for every
 * line is fine. Returns 0, or -1 with *cause (read-only store, no
 * memory). Deltas of a boot that does not exist are dropped at commit.
 */
int store_boot_count(struct store *s, int64_t boot_id,
    const struct store_counts *delta, int64_t last_seen_ms, char **cause);

/*
 * Collector-wide counters, kept in collector_stats (name -> value) and
 * shown by `kcatch status` as top-level keys. store_stat_add() adds delta
 * to a running total that survives restarts (packets, malformed,
 * socket_drops, fragments_expired, ...); store_stat_set() stores a current
 * value (fragments_pending, boards_active, ...). Names are lower-case
 * [a-z0-9_] and must not be "boards". Applied at the next commit; now_ms
 * (wall clock) becomes updated_ms. Returns 0 or -1 with *cause.
 */
int store_stat_add(struct store *s, const char *name, int64_t delta,
    int64_t now_ms, char **cause);
int store_stat_set(struct store *s, const char *name, int64_t value,
    int64_t now_ms, char **cause);

/* ---- reports (writer) ----------------------------------------------- */

/*
 * Insert one report of board_id found in boot_id (0 when the boot is not
 * known, e.g. some pstore dumps) and count it into its signature
 * (count + 1, first_seen/last_seen widened to r->first_recv_ms; the row is
 * created on first sight). source is STORE_SOURCE_NETCONSOLE, ..._PSTORE
 * or another short word. r is only read; the caller still owns and frees
 * it. *report_id (may be NULL) gets the new row id. Batched. Returns 0 or
 * -1 with *cause.
 */
int store_report_add(struct store *s, int64_t board_id, int64_t boot_id,
    const char *source, const struct kr_report *r, int64_t *report_id,
    char **cause);

/*
 * Replace every report of boot_id that came from source with reports[0..n)
 * in ONE transaction (commits the pending batch first): delete the old
 * rows, insert the new ones, then recompute count, first_seen and
 * last_seen of every signature either set touches, and the report counters
 * of the boot and its board. Signature rows whose count drops to 0 are
 * kept (count 0, seen times NULL) so that state attached to them
 * survives. Nothing changes if any step fails. *old_count (may be NULL)
 * gets the number of rows deleted. Returns 0 or -1 with *cause.
 */
int store_boot_reports_replace(struct store *s, int64_t boot_id,
    const char *source, struct kr_report *const *reports, size_t n,
    size_t *old_count, char **cause);

/* ---- reading (any process) ------------------------------------------ */

/*
 * List boots, oldest first; board NULL for every board. *boots gets a
 * malloc'd array of *n entries; free it with store_boot_list_free().
 * Returns 0 or -1 with *cause.
 */
int store_boot_list(struct store *s, const char *board,
    struct store_boot **boots, size_t *n, char **cause);
void store_boot_list_free(struct store_boot *boots, size_t n);

/* Every board with counters and latest boot, by name. Free with ..._free. */
int store_board_status_list(struct store *s, struct store_board_status **out,
    size_t *n, char **cause);
void store_board_status_list_free(struct store_board_status *b, size_t n);

/* Every collector counter, by name. Free with store_stat_list_free(). */
int store_stat_list(struct store *s, struct store_stat **out, size_t *n,
    char **cause);
void store_stat_list_free(struct store_stat *st, size_t n);

/*
 * Small read helpers for tests and tools: number of reports (boot_id 0:
 * all boots), and one signature's count and seen times (-1 when NULL).
 * Return 0 (signature: 1 found, 0 not found) or -1 with *cause.
 */
int store_report_count(struct store *s, int64_t boot_id, int64_t *count,
    char **cause);
int store_signature_get(struct store *s, const char *hash, int64_t *count,
    int64_t *first_seen_ms, int64_t *last_seen_ms, char **cause);

/* ---- patch steps (docs/steps.md) ------------------------------------ */

/*
 * Where the step of a boot or report came from (boots/reports.step_source),
 * strongest first: an in-stream marker of that boot, a workstation
 * declaration (`kcatch step start/end/reassign`), a kernel release that
 * matches a step's declared kernel.
 */
#define STORE_STEP_MARKER "marker"
#define STORE_STEP_CLI "cli"
#define STORE_STEP_RELEASE "release"

/* What an in-stream declaration was (step_marks.source). */
#define STORE_MARK_LINE "marker"	/* a "kcatch: ..." console line */
#define STORE_MARK_USERDATA "userdata"	/* netconsole userdata step= */

/* What a workstation declaration was (step_runs.origin). */
#define STORE_RUN_START "start"
#define STORE_RUN_REASSIGN "reassign"

/* How a boot ended, when known (boots.end_state). */
#define STORE_END_CLEAN "clean"		/* shutdown marker seen */
#define STORE_END_WEDGED "wedged"	/* stream/heartbeats stopped */
#define STORE_END_SILENT_RESET "silent-reset" /* rebooted, unexplained */

/* Triage state of a signature (signatures.state). */
#define STORE_SIG_NEW "new"
#define STORE_SIG_KNOWN "known"
#define STORE_SIG_IGNORED "ignored"

/* The plan of a marker that names none on a board that has none. */
#define STORE_PLAN_DEFAULT "default"

/* Returned by the filtered readers for a filter that cannot be used
   (an ambiguous step name); *cause says why. */
#define STORE_EBADARG (-2)

/* A step to define or update (store_step_define()). */
struct store_step_def {
	const char *plan;	 /* required */
	const char *step;	 /* required */
	const char *patch;	 /* NULL: keep */
	const char *kernel;	 /* uname -r or its end; NULL: keep */
	const char *commit;	 /* NULL: keep */
	const char *description; /* NULL: keep */
	int64_t seq;		 /* position in the plan; -1: keep (a new
				    step goes after the last one) */
};

/* A step as listed by store_step_list(). Strings "" when unset. */
struct store_step {
	int64_t id;
	char *plan;
	char *name;
	int64_t seq;
	char *patch;
	char *kernel;
	char *commit;
	char *description;
	int64_t created_ms;
	int64_t boots;		 /* boots that ran it */
	int64_t reports;	 /* reports attributed to it */
};

/* A board as listed by store_board_list(). Strings "" when unset. */
struct store_board {
	int64_t id;
	char *name;
	char *address;
	int64_t created_ms;
	int64_t last_seen_ms;	 /* -1 never */
	int64_t boots;
	int64_t reports;
	int64_t boot_id;	 /* latest boot, 0 none */
	int64_t boot_end_ms;	 /* -1 while open (or no boot) */
	int64_t step_id;	 /* the step it runs now, 0 none */
	char *plan;
	char *step;
	char *patch;
	char *step_source;	 /* STORE_STEP_* */
};

/*
 * Which reports a reader wants. Zero it, set since_ms/until_ms to -1,
 * then set what you need; NULL and 0 mean "no condition".
 */
struct store_filter {
	const char *board;	 /* board name */
	const char *plan;	 /* plan name */
	const char *step;	 /* step name (in plan, else in any plan) */
	const char *patch;	 /* steps with this patch id */
	const char *const *classes; /* any of these classes */
	size_t nclasses;
	int64_t since_ms;	 /* first_recv_ms >= since_ms; -1: none */
	int64_t until_ms;	 /* first_recv_ms < until_ms; -1: none */
	const char *signature;	 /* exact hash */
	const char *new_in;	 /* step name: only reports of that step
				    whose signature is new at it (in triage
				    state new and in no earlier step of its
				    plan, on the filtered board if any) */
	const char *const *states; /* signature triage states */
	size_t nstates;
	int64_t limit;		 /* 0: every row; N: the newest N */
};

/* One row of store_report_query(). Strings are NULL when unknown/none and
 * valid only during the callback. */
struct store_report_row {
	int64_t id;
	int64_t time_ms;	 /* first line received, -1 unknown */
	const char *board;
	const char *plan;
	const char *step;
	const char *patch;
	const char *cls;	 /* class */
	const char *subtype;
	const char *title;
	const char *signature;
	const char *source;
	bool corrupted;
	int64_t boot_id;	 /* 0 none */
	const char *step_source; /* STORE_STEP_* */
	const char *state;	 /* signature triage state */
};

/* Called per row; a non-zero return stops the query and is returned. */
typedef int (*store_report_cb)(const struct store_report_row *row,
    void *arg);

/* One deduplicated signature of store_sig_list(). All owned by the list. */
struct store_sig {
	char *hash;
	char *cls;
	char *title;
	char *state;		 /* STORE_SIG_* */
	char *note;		 /* "" none */
	int64_t count;		 /* matching reports */
	int64_t first_ms;	 /* first/last first_recv_ms of them */
	int64_t last_ms;
	char **boards;		 /* board names, sorted */
	size_t nboards;
	char **steps;		 /* "plan/step", plan then step order */
	size_t nsteps;
};

/* Reports of one class in one bisect step. */
struct store_class_count {
	char *cls;
	int64_t count;
};

/* One step of store_bisect(). Signatures marked ignored count nowhere;
 * known ones count in reports and classes but are never new. */
struct store_bisect_step {
	char *plan;
	char *step;
	char *patch;		 /* "" none */
	int64_t seq;
	int64_t boots;		 /* boots that ran the step */
	int64_t reports;	 /* reports attributed to it */
	int64_t new_signatures;	 /* signatures first seen here (in the plan) */
	int64_t new_reports;	 /* reports with such a signature */
	int64_t wedges;		 /* wedged / silently reset boots */
	struct store_class_count *classes; /* by class name */
	size_t nclasses;
};

/*
 * ---- step declarations: the collector calls these ----
 *
 * An in-stream declaration found in boot_id, received at at_ms (wall ms):
 * source STORE_MARK_LINE for a "kcatch: ..." line (line = its archive
 * line number in the boot, so a re-scan of the archive does not record it
 * twice) or STORE_MARK_USERDATA (line 0). step NULL declares "kcatch:
 * end". plan NULL or "" means the plan of the board's latest declaration,
 * else STORE_PLAN_DEFAULT. patch (NULL: none) also becomes the step's
 * patch id. Plan and step are created on first sight (the step after the
 * plan's last one). A declaration equal to the boot's latest one is
 * ignored, so calling this for every line is correct, only slower (see
 * marker_tracker_update()). The boot and all its reports are attributed
 * again. Batched. Returns 0 or -1 with *cause (no such boot, a name that
 * breaks the grammar of marker.h).
 */
int store_step_mark(struct store *s, int64_t boot_id, const char *source,
    const char *plan, const char *step, const char *patch, int64_t at_ms,
    int64_t line, char **cause);

/*
 * Record how boot_id ended: STORE_END_CLEAN when a clean-shutdown line was
 * seen (marker_parse_line() == MARKER_SHUTDOWN), STORE_END_WEDGED /
 * STORE_END_SILENT_RESET when the collector or agent knows the board hung
 * or reset. at_ms: when it was seen. The latest call wins. Batched.
 */
int store_boot_set_end_state(struct store *s, int64_t boot_id,
    const char *state, int64_t at_ms, char **cause);

/*
 * The release half of attribution needs no new call: store_boot_set_kernel()
 * with a release matches it against the steps' kernels and attributes
 * the boot and its reports again. store_boot_begin(), store_boot_end(),
 * store_report_add() and store_boot_reports_replace() attribute what they
 * write.
 */

/* ---- step declarations: the workstation commands call these ---- */

/*
 * Create or update a step (and its plan). Fields left NULL keep their
 * value. When a kernel is given, boots still open are matched against it
 * again. *step_id (may be NULL) gets the step's id. Returns 0 or -1 with
 * *cause (a bad name: see marker_value_ok()).
 */
int store_step_define(struct store *s, const struct store_step_def *d,
    int64_t now_ms, int64_t *step_id, char **cause);

/*
 * Declare that board_id ran step_id from start_ms until end_ms (-1: still
 * running), or ran no step then (step_id 0: `kcatch step end`). The new
 * declaration wins over older workstation declarations of the same time:
 * they are cut, split or dropped so that ranges never overlap. origin is
 * STORE_RUN_START or STORE_RUN_REASSIGN; now_ms is stored as created_ms.
 * Boots and reports of the board in the range are attributed again;
 * *changed (may be NULL) gets the number of reports whose step changed.
 */
int store_step_run(struct store *s, int64_t board_id, int64_t step_id,
    int64_t start_ms, int64_t end_ms, const char *origin, int64_t now_ms,
    int64_t *changed, char **cause);

/*
 * Match every boot's release against the steps' kernels again and
 * attribute every boot and report of board_id (0: every board) from the
 * declarations. *reports and *boots (may be NULL) get how many changed.
 * Commits as it goes, one transaction per boot, so the collector never
 * waits long; an error leaves what was done before it (run it again).
 */
int store_step_reassign(struct store *s, int64_t board_id, int64_t *reports,
    int64_t *boots, char **cause);

/*
 * Set the triage state (STORE_SIG_*) of the signature whose hash is or
 * starts with prefix. note NULL keeps the note, "" clears it. Returns 1
 * (and *hash, malloc'd, the full hash; hash may be NULL), 0 when no
 * signature matches, 2 when several do, -1 with *cause.
 */
int store_sig_mark(struct store *s, const char *prefix, const char *state,
    const char *note, int64_t now_ms, char **hash, char **cause);

/*
 * The hashes of every signature in triage state (STORE_SIG_KNOWN or
 * STORE_SIG_IGNORED): a partial index, so cheap even with millions of
 * reports (for `kcatch tail`, which hides ignored signatures). *hashes is
 * a malloc'd array of *n malloc'd strings; free with
 * store_sig_hashes_free(). Returns 0 or -1 with *cause.
 */
int store_sig_hashes(struct store *s, const char *state, char ***hashes,
    size_t *n, char **cause);
void store_sig_hashes_free(char **hashes, size_t n);

/* Board id by name: 1 found (*board_id), 0 not, -1 with *cause. */
int store_board_find(struct store *s, const char *name, int64_t *board_id,
    char **cause);
/* Plan id by name: 1 found (*plan_id), 0 not, -1 with *cause. */
int store_plan_find(struct store *s, const char *name, int64_t *plan_id,
    char **cause);
/* One boot: 1 and *out (free with store_boot_list_free(*out, 1)), 0 when
   there is no such boot, -1 with *cause. */
int store_boot_get(struct store *s, int64_t boot_id, struct store_boot **out,
    char **cause);

/* ---- step-aware reading (any process) ---- */

/*
 * Call cb for every report that passes f, oldest first (with f->limit:
 * the newest limit reports, still oldest first). Returns 0, cb's non-zero
 * return, STORE_EBADARG, or -1 with *cause.
 */
int store_report_query(struct store *s, const struct store_filter *f,
    store_report_cb cb, void *arg, char **cause);

/*
 * The signatures of the reports that pass f (f->limit is ignored), first
 * seen first. *out is a malloc'd array of *n; free with
 * store_sig_list_free(). Returns 0, STORE_EBADARG or -1 with *cause.
 */
int store_sig_list(struct store *s, const struct store_filter *f,
    struct store_sig **out, size_t *n, char **cause);
void store_sig_list_free(struct store_sig *v, size_t n);

/*
 * Per step of plan_id, in order: boots, reports per class, new
 * signatures, wedges (docs/steps.md), counting only board_id (0: every
 * board). *out is a malloc'd array of *n; free with store_bisect_free().
 */
int store_bisect(struct store *s, int64_t plan_id, int64_t board_id,
    struct store_bisect_step **out, size_t *n, char **cause);
void store_bisect_free(struct store_bisect_step *v, size_t n);

/* Every step of plan (NULL: of every plan), by plan and seq. */
int store_step_list(struct store *s, const char *plan,
    struct store_step **out, size_t *n, char **cause);
void store_step_list_free(struct store_step *v, size_t n);

/* Every board with its current step, by name. */
int store_board_list(struct store *s, struct store_board **out, size_t *n,
    char **cause);
void store_board_list_free(struct store_board *v, size_t n);

struct json_t;

/* Flag of the *_json() readers: strings hold the bytes as stored, even
   when they are not UTF-8 (jansson's "nocheck" strings). For printing
   as text only: never json_dump() such a value. */
#define STORE_JSON_RAW 0x1

/*
 * Report id as a new JSON object (the caller owns it: json_decref): every
 * column of reports by name ("frames" as an array), "board", and objects
 * "boot", "step" and "sig" (null when none). Without STORE_JSON_RAW, text
 * that is not UTF-8 has its high bytes as "\\xHH". 1 found, 0 not, -1
 * with *cause.
 */
int store_report_json(struct store *s, int64_t id, int flags,
    struct json_t **out, char **cause);

/*
 * Where a signature was seen: a new JSON array of {plan, step, patch,
 * board, count, first_ms, last_ms} by first_ms (plan/step null for
 * reports with no step). flags as store_report_json(). 0 or -1 with
 * *cause.
 */
int store_sig_history_json(struct store *s, const char *hash, int flags,
    struct json_t **out, char **cause);

/* Schema version of the open database (PRAGMA user_version). */
int store_schema_version(struct store *s);
/* Newest schema version this program knows. */
int store_schema_latest(void);

#endif /* KCATCH_STORE_H */
