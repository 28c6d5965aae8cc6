/* SPDX-License-Identifier: MIT */
/*
 * store.c -- the kcatch database. The only file that includes sqlite3.h
 * and the only place that holds SQL: schema migrations (embedded from
 * schema/NNNN_*.sql), an enum-indexed table of prepared statements, batched
 * write transactions and the domain API of store.h. Never logs or exits:
 * every failure is a return code and a cause string.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "kreport.h"
#include "marker.h"
#include "report_json.h"
#include "store.h"

/* Generated from schema/NNNN_*.sql by schema/embed.cmake. */
struct schema_migration {
	int version;
	const char *name;
	const char *sql;
};
extern const struct schema_migration schema_migrations[];
extern const size_t schema_migration_count;

#define STAT_NAME_MAX 63 /* collector_stats.name length limit */
#define STORE_RO_MMAP_BYTES "1073741824" /* readers map up to 1 GiB */

/* Rows to attribute: copied from reports / boots (end: INT64_MAX open). */
#define ATTR_R_FILL                                                       \
	"INSERT OR IGNORE INTO temp.attr_reports(id, board_id, boot_id,"   \
	" t_ms) SELECT id, board_id, boot_id, first_recv_ms FROM reports "
#define ATTR_B_FILL                                                       \
	"INSERT OR IGNORE INTO temp.attr_boots(id, board_id, start_ms,"    \
	" end_ms) SELECT id, board_id, start_ms, coalesce(end_ms,"         \
	" 9223372036854775807) FROM boots "
/*
 * The step whose kernel matches a boot's release: equal, or the end of
 * it (a CONFIG_LOCALVERSION like "-lockdep-kasan"); an exact match beats
 * a suffix, a longer suffix a shorter one, a newer step an older one.
 */
#define RELEASE_MATCH                                                     \
	"UPDATE boots SET release_step_id = coalesce((SELECT max(id) FROM" \
	" steps WHERE kernel = boots.release), (SELECT s.id FROM steps s"  \
	" WHERE s.kernel IS NOT NULL AND length(s.kernel) <"               \
	" length(boots.release) AND substr(boots.release,"                 \
	" -length(s.kernel)) = s.kernel ORDER BY length(s.kernel) DESC,"   \
	" s.id DESC LIMIT 1)) "
/* A report that explains why its boot ended (docs/steps.md). */
#define RESET_EXPLAINED                                                   \
	"(r.class IN ('panic', 'oops', 'bug', 'serror', 'stack-corruption')" \
	" OR r.panic IS NOT NULL)"
/* The columns of a store_boot (boot_row()). */
#define BOOT_COLUMNS                                                      \
	"SELECT t.id, t.board_id, b.name, t.start_ms,"                     \
	" coalesce(t.end_ms, -1), coalesce(t.release, ''),"                \
	" coalesce(t.archive_path, ''), t.lines, t.reports,"               \
	" (SELECT coalesce(max(last_line), 0) FROM reports r"              \
	"  WHERE r.boot_id = t.id AND r.source = 'netconsole')"            \
	" FROM boots t JOIN boards b ON b.id = t.board_id "

/* Prepared statements, one per SQL text in stmt_sql[]. */
enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_BOARD_UPSERT,
	ST_BOOT_BEGIN,
	ST_BOOT_KERNEL,
	ST_BOOT_ARCHIVE,
	ST_BOOT_END,
	ST_BOARD_LAST_BOOT,
	ST_BOOT_BOARD,
	ST_BOOT_COUNT,
	ST_BOARD_COUNT,
	ST_STAT_ADD,
	ST_STAT_SET,
	ST_SIG_UPSERT,
	ST_REPORT_INSERT,
	ST_BOOT_REPORTS_INC,
	ST_BOARD_REPORTS_INC,
	ST_TOUCH_CLEAR,
	ST_TOUCH_OLD,
	ST_TOUCH_ONE,
	ST_REPORTS_DELETE,
	ST_SIG_RECOMPUTE,
	ST_BOOT_REPORTS_RECOUNT,
	ST_BOARD_REPORTS_RECOUNT,
	ST_BOOT_LIST,
	ST_BOARD_STATUS,
	ST_STAT_LIST,
	ST_REPORT_COUNT,
	ST_SIG_GET,
	/* patch steps: attribution (docs/steps.md) */
	ST_SP_BEGIN,
	ST_SP_RELEASE,
	ST_SP_ROLLBACK,
	ST_ATTR_R_ONE,
	ST_ATTR_R_BOOT,
	ST_ATTR_R_RANGE,
	ST_ATTR_R_ALL,
	ST_ATTR_R_OF_BOOTS,
	ST_ATTR_R_LOOSE,
	ST_ATTR_R_RELEASE,
	ST_ATTR_R_CLI,
	ST_ATTR_R_MARKER,
	ST_ATTR_R_APPLY,
	ST_ATTR_R_CLEAR,
	ST_ATTR_B_ONE,
	ST_ATTR_B_RANGE,
	ST_ATTR_B_ALL,
	ST_ATTR_B_OPEN,
	ST_ATTR_B_RELEASE,
	ST_ATTR_B_CLI_START,
	ST_ATTR_B_CLI_END,
	ST_ATTR_B_MARKER,
	ST_ATTR_B_APPLY,
	ST_ATTR_B_CLEAR,
	ST_RELEASE_ONE,
	ST_RELEASE_SOME,
	ST_RELEASE_OPEN,
	/* patch steps: declarations */
	ST_PLAN_GET,
	ST_PLAN_INSERT,
	ST_STEP_GET,
	ST_STEP_INSERT,
	ST_STEP_UPDATE,
	ST_BOARD_LAST_PLAN,
	ST_MARK_LAST,
	ST_MARK_LINE,
	ST_MARK_INSERT,
	ST_RUN_SPLIT,
	ST_RUN_CUT_LEFT,
	ST_RUN_CUT_RIGHT,
	ST_RUN_DELETE,
	ST_RUN_INSERT,
	ST_BOOT_END_STATE,
	ST_BOARD_FIND,
	ST_BOARD_IDS,
	ST_BOOT_IDS,
	ST_BOOT_GET,
	ST_SIG_PREFIX,
	ST_SIG_MARK,
	/* patch steps: reading */
	ST_STEP_FIND,
	ST_BISECT_STEPS,
	ST_BISECT_SIGS,
	ST_TRIAGED,
	ST_SIG_HASHES,
	ST_NAMES_BOARDS,
	ST_NAMES_STEPS,
	ST_BISECT_BOOTS,
	ST_BISECT_WEDGES,
	ST_STEP_LIST,
	ST_BOARD_LIST,
	ST_REPORT_GET,
	ST_BOOT_JSON,
	ST_STEP_JSON,
	ST_SIG_JSON,
	ST_SIG_HISTORY,
	ST__COUNT
};

static const char *const stmt_sql[ST__COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE", /* take the write lock up front */
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SAVEPOINT] = "SAVEPOINT report",
	[ST_RELEASE] = "RELEASE report",
	[ST_ROLLBACK_TO] = "ROLLBACK TO report",
	[ST_BOARD_UPSERT] =
	    "INSERT INTO boards(name, address, created_ms)"
	    " VALUES(?1, coalesce(?2, ''), ?3)"
	    " ON CONFLICT(name) DO UPDATE SET"
	    " address = coalesce(?2, address) RETURNING id",
	[ST_BOOT_BEGIN] =
	    "INSERT INTO boots(board_id, start_ms) VALUES(?1, ?2)",
	[ST_BOOT_KERNEL] =
	    "UPDATE boots SET release = coalesce(?2, release),"
	    " version_line = coalesce(?3, version_line) WHERE id = ?1",
	[ST_BOOT_ARCHIVE] =
	    "UPDATE boots SET archive_path = ?2 WHERE id = ?1",
	[ST_BOOT_END] =
	    "UPDATE boots SET end_ms = ?2, end_reason = ?3 WHERE id = ?1",
	[ST_BOARD_LAST_BOOT] =
	    "SELECT id, end_ms FROM boots WHERE board_id = ?1"
	    " ORDER BY id DESC LIMIT 1",
	[ST_BOOT_BOARD] =
	    "SELECT board_id FROM boots WHERE id = ?1",
	[ST_BOOT_COUNT] =
	    "UPDATE boots SET lines = lines + ?2, bytes = bytes + ?3,"
	    " gaps = gaps + ?4, duplicates = duplicates + ?5,"
	    " drops = drops + ?6 WHERE id = ?1",
	[ST_BOARD_COUNT] =
	    "UPDATE boards SET lines = lines + ?2, bytes = bytes + ?3,"
	    " gaps = gaps + ?4, duplicates = duplicates + ?5,"
	    " drops = drops + ?6, last_seen_ms = CASE WHEN ?7 IS NULL"
	    " THEN last_seen_ms ELSE max(coalesce(last_seen_ms, ?7), ?7) END"
	    " WHERE id = ?1",
	[ST_STAT_ADD] =
	    "INSERT INTO collector_stats(name, value, updated_ms)"
	    " VALUES(?1, ?2, ?3) ON CONFLICT(name) DO UPDATE SET"
	    " value = value + excluded.value, updated_ms = excluded.updated_ms",
	[ST_STAT_SET] =
	    "INSERT INTO collector_stats(name, value, updated_ms)"
	    " VALUES(?1, ?2, ?3) ON CONFLICT(name) DO UPDATE SET"
	    " value = excluded.value, updated_ms = excluded.updated_ms",
	[ST_SIG_UPSERT] =
	    "INSERT INTO signatures(hash, class, title, first_seen_ms,"
	    " last_seen_ms, count) VALUES(?1, ?2, ?3, ?4, ?4, 1)"
	    " ON CONFLICT(hash) DO UPDATE SET count = count + 1,"
	    " class = excluded.class, title = excluded.title,"
	    " first_seen_ms = min(coalesce(first_seen_ms, ?4), ?4),"
	    " last_seen_ms = max(coalesce(last_seen_ms, ?4), ?4)",
	[ST_REPORT_INSERT] =
	    "INSERT INTO reports(board_id, boot_id, source, class, subtype,"
	    " title, frame, frame2, signature, corrupted, corrupt_reason,"
	    " first_line, last_line, nlines, first_recv_ms, last_recv_ms,"
	    " first_ktime_us, last_ktime_us, task, pid, cpu, caller, taint,"
	    " release, hardware, access, access_size, access_addr, panic,"
	    " frames, text, created_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7,"
	    " ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,"
	    " ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32)",
	[ST_BOOT_REPORTS_INC] =
	    "UPDATE boots SET reports = reports + 1 WHERE id = ?1",
	[ST_BOARD_REPORTS_INC] =
	    "UPDATE boards SET reports = reports + 1 WHERE id = ?1",
	[ST_TOUCH_CLEAR] =
	    "DELETE FROM temp.touched_sigs",
	[ST_TOUCH_OLD] =
	    "INSERT OR IGNORE INTO temp.touched_sigs(hash)"
	    " SELECT signature FROM reports WHERE boot_id = ?1 AND source = ?2",
	[ST_TOUCH_ONE] =
	    "INSERT OR IGNORE INTO temp.touched_sigs(hash) VALUES(?1)",
	[ST_REPORTS_DELETE] =
	    "DELETE FROM reports WHERE boot_id = ?1 AND source = ?2",
	[ST_SIG_RECOMPUTE] =
	    "UPDATE signatures SET"
	    " count = (SELECT count(*) FROM reports r"
	    "  WHERE r.signature = signatures.hash),"
	    " first_seen_ms = (SELECT min(first_recv_ms) FROM reports r"
	    "  WHERE r.signature = signatures.hash),"
	    " last_seen_ms = (SELECT max(first_recv_ms) FROM reports r"
	    "  WHERE r.signature = signatures.hash)"
	    " WHERE hash IN (SELECT hash FROM temp.touched_sigs)",
	[ST_BOOT_REPORTS_RECOUNT] =
	    "UPDATE boots SET reports = (SELECT count(*) FROM reports"
	    " WHERE boot_id = ?1) WHERE id = ?1",
	[ST_BOARD_REPORTS_RECOUNT] =
	    "UPDATE boards SET reports = (SELECT count(*) FROM reports r"
	    " WHERE r.board_id = boards.id)"
	    " WHERE id = (SELECT board_id FROM boots WHERE id = ?1)",
	[ST_BOOT_LIST] = BOOT_COLUMNS
	    "WHERE ?1 IS NULL OR b.name = ?1 ORDER BY t.id",
	[ST_BOARD_STATUS] =
	    "SELECT b.id, b.name, b.address, b.created_ms,"
	    " coalesce(b.last_seen_ms, -1), b.lines, b.bytes, b.reports,"
	    " b.gaps, b.duplicates, b.drops, coalesce(t.id, 0),"
	    " coalesce(t.start_ms, -1), coalesce(t.end_ms, -1),"
	    " coalesce(t.release, ''), coalesce(t.lines, 0),"
	    " coalesce(t.reports, 0)"
	    " FROM boards b LEFT JOIN boots t ON t.id ="
	    " (SELECT max(id) FROM boots WHERE board_id = b.id)"
	    " ORDER BY b.name",
	[ST_STAT_LIST] =
	    "SELECT name, value, updated_ms FROM collector_stats ORDER BY name",
	[ST_REPORT_COUNT] =
	    "SELECT count(*) FROM reports WHERE ?1 = 0 OR boot_id = ?1",
	[ST_SIG_GET] =
	    "SELECT count, coalesce(first_seen_ms, -1),"
	    " coalesce(last_seen_ms, -1) FROM signatures WHERE hash = ?1",
	[ST_SP_BEGIN] = "SAVEPOINT op",
	[ST_SP_RELEASE] = "RELEASE op",
	[ST_SP_ROLLBACK] = "ROLLBACK TO op",
	/*
	 * Attribution (docs/steps.md): the rows to (re)attribute are copied
	 * into temp.attr_reports / temp.attr_boots, three passes fill in the
	 * step from the weakest source to the strongest (release, cli,
	 * marker; each pass overrides the one before), and APPLY writes only
	 * the rows that changed, so the step_sigs triggers fire once per
	 * real change.
	 */
	[ST_ATTR_R_ONE] = ATTR_R_FILL "WHERE id = ?1",
	[ST_ATTR_R_BOOT] = ATTR_R_FILL "WHERE boot_id = ?1",
	[ST_ATTR_R_RANGE] = ATTR_R_FILL
	    "WHERE board_id = ?1 AND first_recv_ms >= ?2"
	    " AND (?3 IS NULL OR first_recv_ms < ?3)",
	[ST_ATTR_R_ALL] = ATTR_R_FILL "WHERE true",
	[ST_ATTR_R_OF_BOOTS] = ATTR_R_FILL
	    "WHERE boot_id IN (SELECT id FROM temp.attr_boots)",
	[ST_ATTR_R_LOOSE] = ATTR_R_FILL
	    "WHERE boot_id IS NULL AND board_id = ?1",
	[ST_ATTR_R_RELEASE] =
	    "UPDATE temp.attr_reports AS a SET step_id = b.release_step_id,"
	    " src = 'release' FROM boots b WHERE b.id = a.boot_id"
	    " AND b.release_step_id IS NOT NULL",
	[ST_ATTR_R_CLI] =
	    "UPDATE temp.attr_reports AS a SET step_id = r.step_id,"
	    " src = 'cli' FROM step_runs r WHERE r.id = (SELECT id FROM"
	    " step_runs WHERE board_id = a.board_id AND start_ms <= a.t_ms"
	    " ORDER BY start_ms DESC LIMIT 1)"
	    " AND (r.end_ms IS NULL OR r.end_ms > a.t_ms)",
	/* The boot's latest marker at or before t, else its first one:
	   a marker declares the kernel it was written from, so it covers
	   what that boot printed before it too. */
	[ST_ATTR_R_MARKER] =
	    "UPDATE temp.attr_reports AS a SET step_id = m.step_id,"
	    " src = 'marker' FROM step_marks m WHERE m.id = coalesce((SELECT"
	    " id FROM step_marks WHERE boot_id = a.boot_id AND at_ms <= a.t_ms"
	    " ORDER BY at_ms DESC, id DESC LIMIT 1), (SELECT id FROM"
	    " step_marks WHERE boot_id = a.boot_id ORDER BY at_ms, id LIMIT 1))"
	    " AND m.step_id IS NOT NULL",
	/* Driven by the (small) temp set, never a scan of reports. */
	[ST_ATTR_R_APPLY] =
	    "UPDATE reports SET (step_id, step_source) = (SELECT a.step_id,"
	    " a.src FROM temp.attr_reports a WHERE a.id = reports.id)"
	    " WHERE id IN (SELECT a.id FROM temp.attr_reports a JOIN reports r"
	    " ON r.id = a.id WHERE r.step_id IS NOT a.step_id"
	    " OR r.step_source IS NOT a.src)",
	[ST_ATTR_R_CLEAR] = "DELETE FROM temp.attr_reports",
	[ST_ATTR_B_ONE] = ATTR_B_FILL "WHERE id = ?1",
	[ST_ATTR_B_RANGE] = ATTR_B_FILL
	    "WHERE board_id = ?1 AND (end_ms IS NULL OR end_ms > ?2)"
	    " AND (?3 IS NULL OR start_ms < ?3)",
	[ST_ATTR_B_ALL] = ATTR_B_FILL "WHERE ?1 = 0 OR board_id = ?1",
	[ST_ATTR_B_OPEN] = ATTR_B_FILL "WHERE end_ms IS NULL",
	[ST_ATTR_B_RELEASE] =
	    "UPDATE temp.attr_boots AS a SET step_id = b.release_step_id,"
	    " src = 'release' FROM boots b WHERE b.id = a.id"
	    " AND b.release_step_id IS NOT NULL",
	/* A boot runs one kernel: it takes the CLI step of its start; only
	   when there was none, the one at its end (now, while open). */
	[ST_ATTR_B_CLI_START] =
	    "UPDATE temp.attr_boots AS a SET step_id = r.step_id,"
	    " src = 'cli' FROM step_runs r WHERE r.id = (SELECT id FROM"
	    " step_runs WHERE board_id = a.board_id AND start_ms <= a.start_ms"
	    " ORDER BY start_ms DESC LIMIT 1)"
	    " AND (r.end_ms IS NULL OR r.end_ms > a.start_ms)",
	[ST_ATTR_B_CLI_END] =
	    "UPDATE temp.attr_boots AS a SET step_id = r.step_id,"
	    " src = 'cli' FROM step_runs r WHERE r.id = (SELECT id FROM"
	    " step_runs WHERE board_id = a.board_id AND start_ms < a.end_ms"
	    " ORDER BY start_ms DESC LIMIT 1)"
	    " AND (r.end_ms IS NULL OR r.end_ms >= a.end_ms)",
	[ST_ATTR_B_MARKER] =
	    "UPDATE temp.attr_boots AS a SET step_id = m.step_id,"
	    " src = 'marker' FROM step_marks m WHERE m.id = (SELECT id FROM"
	    " step_marks WHERE boot_id = a.id ORDER BY at_ms DESC, id DESC"
	    " LIMIT 1) AND m.step_id IS NOT NULL",
	[ST_ATTR_B_APPLY] =
	    "UPDATE boots SET (step_id, step_source) = (SELECT a.step_id,"
	    " a.src FROM temp.attr_boots a WHERE a.id = boots.id)"
	    " WHERE id IN (SELECT a.id FROM temp.attr_boots a JOIN boots b"
	    " ON b.id = a.id WHERE b.step_id IS NOT a.step_id"
	    " OR b.step_source IS NOT a.src)",
	[ST_ATTR_B_CLEAR] = "DELETE FROM temp.attr_boots",
	[ST_RELEASE_ONE] = RELEASE_MATCH "WHERE id = ?1",
	[ST_RELEASE_SOME] = RELEASE_MATCH "WHERE ?1 = 0 OR board_id = ?1",
	[ST_RELEASE_OPEN] = RELEASE_MATCH "WHERE end_ms IS NULL",
	[ST_PLAN_GET] = "SELECT id FROM plans WHERE name = ?1",
	[ST_PLAN_INSERT] =
	    "INSERT INTO plans(name, created_ms) VALUES(?1, ?2)",
	[ST_STEP_GET] =
	    "SELECT id FROM steps WHERE plan_id = ?1 AND name = ?2",
	[ST_STEP_INSERT] =
	    "INSERT INTO steps(plan_id, name, seq, created_ms) VALUES(?1, ?2,"
	    " coalesce(?3, (SELECT coalesce(max(seq), 0) + 1 FROM steps"
	    " WHERE plan_id = ?1)), ?4)",
	[ST_STEP_UPDATE] =
	    "UPDATE steps SET patch = coalesce(?2, patch),"
	    " kernel = coalesce(?3, kernel), commit_id = coalesce(?4,"
	    " commit_id), description = coalesce(?5, description),"
	    " seq = coalesce(?6, seq) WHERE id = ?1",
	[ST_BOARD_LAST_PLAN] =
	    "SELECT s.plan_id FROM (SELECT step_id, at_ms AS t FROM step_marks"
	    " WHERE board_id = ?1 AND step_id IS NOT NULL UNION ALL"
	    " SELECT step_id, start_ms FROM step_runs WHERE board_id = ?1) d"
	    " JOIN steps s ON s.id = d.step_id ORDER BY d.t DESC LIMIT 1",
	[ST_MARK_LAST] =
	    "SELECT step_id, patch FROM step_marks WHERE boot_id = ?1"
	    " ORDER BY at_ms DESC, id DESC LIMIT 1",
	[ST_MARK_LINE] =
	    "SELECT 1 FROM step_marks WHERE boot_id = ?1 AND line = ?2",
	[ST_MARK_INSERT] =
	    "INSERT INTO step_marks(board_id, boot_id, step_id, at_ms, source,"
	    " patch, line) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	/*
	 * A new CLI range [?2, ?3) (?3 NULL: open) of board ?1 replaces what
	 * older ranges said about that time: a range covering both ends is
	 * split, ranges crossing one end are cut, ranges inside are dropped.
	 * Run in this order, then ST_RUN_INSERT.
	 */
	[ST_RUN_SPLIT] =
	    "INSERT INTO step_runs(board_id, step_id, start_ms, end_ms,"
	    " created_ms, origin) SELECT board_id, step_id, ?3, end_ms,"
	    " created_ms, origin FROM step_runs WHERE board_id = ?1"
	    " AND start_ms < ?2 AND ?3 IS NOT NULL"
	    " AND (end_ms IS NULL OR end_ms > ?3)",
	[ST_RUN_CUT_LEFT] =
	    "UPDATE step_runs SET end_ms = ?2 WHERE board_id = ?1"
	    " AND start_ms < ?2 AND (end_ms IS NULL OR end_ms > ?2)",
	[ST_RUN_CUT_RIGHT] =
	    "UPDATE step_runs SET start_ms = ?3 WHERE board_id = ?1"
	    " AND ?3 IS NOT NULL AND start_ms >= ?2 AND start_ms < ?3"
	    " AND (end_ms IS NULL OR end_ms > ?3)",
	[ST_RUN_DELETE] =
	    "DELETE FROM step_runs WHERE board_id = ?1 AND start_ms >= ?2"
	    " AND (?3 IS NULL OR start_ms < ?3)",
	[ST_RUN_INSERT] =
	    "INSERT INTO step_runs(board_id, step_id, start_ms, end_ms,"
	    " created_ms, origin) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_BOOT_END_STATE] =
	    "UPDATE boots SET end_state = ?2, end_state_ms = ?3 WHERE id = ?1",
	[ST_BOARD_FIND] = "SELECT id FROM boards WHERE name = ?1",
	[ST_BOARD_IDS] = "SELECT id FROM boards ORDER BY id",
	[ST_BOOT_IDS] = "SELECT id FROM boots WHERE board_id = ?1 ORDER BY id",
	[ST_BOOT_GET] = BOOT_COLUMNS "WHERE t.id = ?1",
	[ST_SIG_PREFIX] =
	    "SELECT hash FROM signatures WHERE hash >= ?1 AND hash < ?1 || 'g'"
	    " ORDER BY hash LIMIT 2",
	[ST_SIG_MARK] =
	    "UPDATE signatures SET state = ?2, state_ms = ?3, note = CASE"
	    " WHEN ?5 THEN nullif(?4, '') ELSE note END WHERE hash = ?1",
	[ST_STEP_FIND] =
	    "SELECT s.id, s.plan_id, s.seq FROM steps s JOIN plans p"
	    " ON p.id = s.plan_id WHERE s.name = ?1 AND (?2 IS NULL"
	    " OR p.name = ?2) ORDER BY p.name LIMIT 2",
	[ST_BISECT_STEPS] =
	    "SELECT s.id, p.name, s.name, coalesce(s.patch, ''), s.seq"
	    " FROM steps s JOIN plans p ON p.id = s.plan_id"
	    " WHERE s.plan_id = ?1 ORDER BY s.seq, s.id",
	/* A range of step_sigs' primary key: no join, no grouping; triage
	   states come from ST_TRIAGED once per bisect. */
	[ST_BISECT_SIGS] =
	    "SELECT signature, class, count FROM step_sigs"
	    " WHERE step_id = ?1 AND (?2 = 0 OR board_id = ?2)",
	[ST_TRIAGED] =
	    "SELECT hash, state FROM signatures WHERE state != 'new'",
	[ST_NAMES_BOARDS] =
	    "SELECT id, name, NULL, NULL FROM boards ORDER BY id",
	[ST_NAMES_STEPS] =
	    "SELECT s.id, p.name, s.name, s.patch FROM steps s JOIN plans p"
	    " ON p.id = s.plan_id ORDER BY s.id",
	[ST_SIG_HASHES] =
	    "SELECT hash FROM signatures WHERE state != 'new' AND state = ?1"
	    " ORDER BY hash",
	[ST_BISECT_BOOTS] =
	    "SELECT count(*) FROM (SELECT id FROM boots WHERE step_id = ?1"
	    " AND (?2 = 0 OR board_id = ?2) UNION SELECT x.boot_id"
	    " FROM boot_steps x JOIN boots t ON t.id = x.boot_id"
	    " WHERE x.step_id = ?1 AND (?2 = 0 OR t.board_id = ?2))",
	/* Wedges of a step: boots marked wedged or silent-reset, and boots
	   with no end state that another boot of the board followed while
	   their last report (by archive line) explains no reset. */
	[ST_BISECT_WEDGES] =
	    "SELECT count(*) FROM boots b WHERE b.step_id = ?1"
	    " AND (?2 = 0 OR b.board_id = ?2) AND (b.end_state IN"
	    " ('wedged', 'silent-reset') OR (b.end_state IS NULL"
	    " AND EXISTS (SELECT 1 FROM boots n WHERE n.board_id = b.board_id"
	    " AND n.id > b.id) AND coalesce((SELECT " RESET_EXPLAINED
	    " FROM reports r WHERE r.boot_id = b.id ORDER BY r.first_line"
	    " DESC, r.id DESC LIMIT 1), 0) = 0))",
	[ST_STEP_LIST] =
	    "SELECT s.id, p.name, s.name, s.seq, coalesce(s.patch, ''),"
	    " coalesce(s.kernel, ''), coalesce(s.commit_id, ''),"
	    " coalesce(s.description, ''), s.created_ms,"
	    " (SELECT count(*) FROM (SELECT id FROM boots WHERE step_id = s.id"
	    " UNION SELECT boot_id FROM boot_steps WHERE step_id = s.id)),"
	    " (SELECT coalesce(sum(count), 0) FROM step_sigs"
	    " WHERE step_id = s.id)"
	    " FROM steps s JOIN plans p ON p.id = s.plan_id"
	    " WHERE ?1 IS NULL OR p.name = ?1 ORDER BY p.name, s.seq, s.id",
	/* The current step of a board: what a report arriving now would
	   get: the latest marker of its open latest boot, else its open
	   CLI range, else that boot's release match. */
	[ST_BOARD_LIST] =
	    "SELECT x.id, x.name, x.address, x.created_ms, x.last_seen,"
	    " x.boots, x.reports, x.boot_id, x.boot_end, coalesce(x.sid, 0),"
	    " coalesce(p.name, ''), coalesce(s.name, ''),"
	    " coalesce(s.patch, ''), CASE WHEN x.sid IS NULL THEN ''"
	    " WHEN x.mk IS NOT NULL THEN 'marker' WHEN x.cli IS NOT NULL"
	    " THEN 'cli' ELSE 'release' END FROM (SELECT y.*,"
	    " coalesce(y.mk, y.cli, y.rel) AS sid FROM (SELECT b.id, b.name,"
	    " b.address, b.created_ms, coalesce(b.last_seen_ms, -1)"
	    " AS last_seen, (SELECT count(*) FROM boots WHERE board_id = b.id)"
	    " AS boots, b.reports, coalesce(t.id, 0) AS boot_id,"
	    " coalesce(t.end_ms, -1) AS boot_end, CASE WHEN t.end_ms IS NULL"
	    " THEN (SELECT step_id FROM step_marks WHERE boot_id = t.id"
	    " ORDER BY at_ms DESC, id DESC LIMIT 1) END AS mk,"
	    " (SELECT step_id FROM step_runs WHERE board_id = b.id"
	    " AND end_ms IS NULL ORDER BY start_ms DESC LIMIT 1) AS cli,"
	    " CASE WHEN t.end_ms IS NULL THEN t.release_step_id END AS rel"
	    " FROM boards b LEFT JOIN boots t ON t.id = (SELECT max(id)"
	    " FROM boots WHERE board_id = b.id)) y) x"
	    " LEFT JOIN steps s ON s.id = x.sid LEFT JOIN plans p"
	    " ON p.id = s.plan_id ORDER BY x.name",
	[ST_REPORT_GET] =
	    "SELECT r.*, b.name AS board FROM reports r JOIN boards b"
	    " ON b.id = r.board_id WHERE r.id = ?1",
	[ST_BOOT_JSON] =
	    "SELECT id, start_ms, end_ms, end_reason, release, version_line,"
	    " archive_path, lines, reports, end_state, step_source"
	    " FROM boots WHERE id = ?1",
	[ST_STEP_JSON] =
	    "SELECT p.name AS plan, s.name AS step, s.seq, s.patch, s.kernel,"
	    " s.commit_id AS 'commit', s.description FROM steps s"
	    " JOIN plans p ON p.id = s.plan_id WHERE s.id = ?1",
	[ST_SIG_JSON] =
	    "SELECT hash, class, title, count, first_seen_ms, last_seen_ms,"
	    " state, note, state_ms FROM signatures WHERE hash = ?1",
	[ST_SIG_HISTORY] =
	    "SELECT p.name AS plan, s.name AS step, s.patch, b.name AS board,"
	    " count(*) AS count, min(r.first_recv_ms) AS first_ms,"
	    " max(r.first_recv_ms) AS last_ms FROM reports r JOIN boards b"
	    " ON b.id = r.board_id LEFT JOIN steps s ON s.id = r.step_id"
	    " LEFT JOIN plans p ON p.id = s.plan_id WHERE r.signature = ?1"
	    " GROUP BY r.step_id, r.board_id ORDER BY min(r.first_recv_ms),"
	    " b.name",
};

/* Counter deltas of one boot waiting for the next commit. */
struct pending_count {
	int64_t boot_id;
	struct store_counts delta;
	int64_t last_seen_ms;	/* -1: none */
};

/* A collector_stats change waiting for the next commit. */
struct pending_stat {
	char name[STAT_NAME_MAX + 1];
	bool set;		/* value replaces; else value is added */
	int64_t value;
	int64_t updated_ms;
};

struct store {
	sqlite3 *db;
	bool readonly;
	sqlite3_stmt *stmt[ST__COUNT]; /* prepared on first use */
	bool in_batch;		/* BEGIN done, COMMIT pending */
	size_t pending;		/* writes in the open batch */
	int64_t batch_ms;	/* monotonic ms the batch (or deltas) began,
				   -1 when nothing is pending */
	struct pending_count *counts; /* owned array */
	size_t ncounts, counts_cap;
	struct pending_stat *stats;   /* owned array */
	size_t nstats, stats_cap;
	int sys_errno;		/* errno of the last failed step (reset
				   clears SQLite's copy) */
};

/* ---- small helpers -------------------------------------------------- */

/* Set *cause (if cause is not NULL) to a formatted message. */
static void __attribute__((format(printf, 2, 3)))
set_cause(char **cause, const char *fmt, ...)
{
	va_list ap;

	if (cause == NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(cause, fmt, ap) < 0)
		*cause = NULL;
	va_end(ap);
}

/* Wall clock in ms since the epoch. */
static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
store_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Turn the connection's last error into *cause. If SQLite rolled the open
 * batch back by itself (it may on SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM)
 * forget the batch so the next write starts a fresh one.
 */
static int
db_fail(struct store *s, char **cause, const char *what)
{
	int err = s->sys_errno, rc = sqlite3_errcode(s->db);

	/* The OS error says "No space left on device" where SQLite says
	   "disk I/O error". */
	rc &= 0xff;
	if (err != 0 && (rc == SQLITE_IOERR || rc == SQLITE_FULL ||
	    rc == SQLITE_CANTOPEN))
		set_cause(cause, "%s: %s (%s)", what, sqlite3_errmsg(s->db),
		    strerror(err));
	else
		set_cause(cause, "%s: %s", what, sqlite3_errmsg(s->db));
	s->sys_errno = 0;
	if (s->in_batch && sqlite3_get_autocommit(s->db)) {
		s->in_batch = false;
		s->pending = 0;
	}
	return -1;
}

/* Execute SQL text without results (BEGIN, COMMIT, PRAGMA ...). */
static int
exec(struct store *s, const char *sql, char **cause)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(s, cause, sql);
	return 0;
}

/* The prepared statement id, preparing it on first use. NULL on error. */
static sqlite3_stmt *
stmt(struct store *s, enum stmt_id id, char **cause)
{
	if (s->stmt[id] != NULL)
		return s->stmt[id];
	if (sqlite3_prepare_v3(s->db, stmt_sql[id], -1,
	    SQLITE_PREPARE_PERSISTENT, &s->stmt[id], NULL) != SQLITE_OK) {
		db_fail(s, cause, "prepare");
		return NULL;
	}
	return s->stmt[id];
}

/* Reset a statement for its next use. */
static void
done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Step a statement that returns no rows. 0, or -1 with *cause. */
static int
step_done(struct store *s, sqlite3_stmt *st, const char *what, char **cause)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		s->sys_errno = sqlite3_system_errno(s->db);
	done(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(s, cause, what);
	return 0;
}

/*
 * Run a transaction-control statement (ST_BEGIN ... ST_ROLLBACK_TO) and
 * return SQLite's result code (SQLITE_DONE on success).
 */
static int
tx(struct store *s, enum stmt_id id)
{
	sqlite3_stmt *st = stmt(s, id, NULL);
	int rc;

	if (st == NULL)
		return sqlite3_errcode(s->db);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		s->sys_errno = sqlite3_system_errno(s->db);
	sqlite3_reset(st);
	return rc;
}

/* Roll the open transaction back, if SQLite has not done so already. */
static void
rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		tx(s, ST_ROLLBACK);
}

/* Bind text, NULL when s is NULL or empty ("" means unknown in kr_). */
static int
bind_opt_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL || *s == '\0')
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

/* Bind a number, NULL when it is negative (-1 means unknown in kr_). */
static int
bind_opt_i64(sqlite3_stmt *st, int i, int64_t v)
{
	if (v < 0)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_int64(st, i, v);
}

/* malloc'd copy of a text column ("" for NULL), NULL when out of memory. */
static char *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return strdup(t != NULL ? (const char *)t : "");
}

/* ---- data directory ------------------------------------------------- */

/* getenv that treats an empty value as unset. */
static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

char *
store_data_dir_default(char **cause)
{
	const char *v;
	char *dir;
	int ret;

	if ((v = env("KCATCH_DATA_DIR")) != NULL)
		ret = asprintf(&dir, "%s", v);
	else if ((v = env("XDG_DATA_HOME")) != NULL)
		ret = asprintf(&dir, "%s/kcatch", v);
	else if ((v = env("HOME")) != NULL)
		ret = asprintf(&dir, "%s/.local/share/kcatch", v);
	else {
		set_cause(cause, "no data directory: set KCATCH_DATA_DIR "
		    "or HOME, or pass --data-dir");
		return NULL;
	}
	if (ret < 0) {
		set_cause(cause, "out of memory");
		return NULL;
	}
	return dir;
}

int
store_mkdirs(const char *dir, char **cause)
{
	char *copy, *p;
	int ret = 0;

	copy = strdup(dir);
	if (copy == NULL) {
		set_cause(cause, "out of memory");
		return -1;
	}
	for (p = copy + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) != 0 && errno != EEXIST) {
			set_cause(cause, "mkdir %s: %s", copy, strerror(errno));
			ret = -1;
			break;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	free(copy);
	return ret;
}

char *
store_db_path(const char *data_dir)
{
	char *path;

	if (asprintf(&path, "%s/%s", data_dir, STORE_DB_NAME) < 0)
		return NULL;
	return path;
}

bool
store_db_exists(const char *data_dir)
{
	struct stat st;
	char *path;
	bool ok;

	path = store_db_path(data_dir);
	if (path == NULL)
		return false;
	ok = stat(path, &st) == 0 && S_ISREG(st.st_mode);
	free(path);
	return ok;
}

int
store_lock_collector(const char *data_dir, int *fd, char **cause)
{
	char *path;
	int f;

	if (asprintf(&path, "%s/%s", data_dir, STORE_LOCK_NAME) < 0) {
		set_cause(cause, "out of memory");
		return -1;
	}
	f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (f < 0) {
		set_cause(cause, "open %s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	if (flock(f, LOCK_EX | LOCK_NB) != 0) {
		int err = errno;

		close(f);
		if (err == EWOULDBLOCK) {
			free(path);
			return 0;
		}
		set_cause(cause, "flock %s: %s", path, strerror(err));
		free(path);
		return -1;
	}
	free(path);
	*fd = f;
	return 1;
}

/* ---- open, migrations, close ---------------------------------------- */

/* Read PRAGMA user_version, -1 on error. */
static int
user_version(struct store *s)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

int
store_schema_version(struct store *s)
{
	return user_version(s);
}

int
store_schema_latest(void)
{
	if (schema_migration_count == 0)
		return 0;
	return schema_migrations[schema_migration_count - 1].version;
}

/*
 * Apply one migration in its own IMMEDIATE transaction. The version is
 * read again under the write lock, so two processes opening a fresh
 * database at once apply each file exactly once.
 */
static int
migrate_one(struct store *s, const struct schema_migration *m, char **cause)
{
	char pragma[64];

	if (exec(s, "BEGIN IMMEDIATE", cause) != 0)
		return -1;
	if (user_version(s) >= m->version)
		return exec(s, "COMMIT", cause);
	if (sqlite3_exec(s->db, m->sql, NULL, NULL, NULL) != SQLITE_OK) {
		set_cause(cause, "schema %s: %s", m->name,
		    sqlite3_errmsg(s->db));
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d",
	    m->version);
	if (exec(s, pragma, cause) != 0 || exec(s, "COMMIT", cause) != 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

/* Bring the schema up to date (read-write), or check it (read-only). */
static int
migrate(struct store *s, char **cause)
{
	int have = user_version(s), want = store_schema_latest();
	size_t i;

	if (have < 0)
		return db_fail(s, cause, "PRAGMA user_version");
	if (s->readonly && have < want) {
		set_cause(cause, "database schema is version %d, this kcatch "
		    "needs %d: run kcatch collect once to upgrade it",
		    have, want);
		return -1;
	}
	if (s->readonly || have >= want) {
		if (!s->readonly && have > want) {
			set_cause(cause, "database schema version %d is newer "
			    "than this kcatch (%d)", have, want);
			return -1;
		}
		return 0;
	}
	for (i = 0; i < schema_migration_count; i++) {
		if (schema_migrations[i].version <= have)
			continue;
		if (migrate_one(s, &schema_migrations[i], cause) != 0)
			return -1;
	}
	return 0;
}

/* Create the file with mode 0600 if missing (SQLite would use 0644). */
static int
precreate(const char *path, char **cause)
{
	int fd;

	if (strcmp(path, ":memory:") == 0 || *path == '\0')
		return 0;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		set_cause(cause, "open %s: %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * Connection settings for a read-only store: the commands read thousands
 * of report rows per run from a cold page cache; through mmap that costs
 * no read() per page (docs/performance.md, "Queries").
 */
static int
setup_ro(struct store *s, char **cause)
{
	if (migrate(s, cause) != 0)
		return -1;
	return exec(s, "PRAGMA mmap_size = " STORE_RO_MMAP_BYTES, cause);
}

/* Connection settings for a read-write store. */
static int
setup_rw(struct store *s, char **cause)
{
	if (exec(s, "PRAGMA journal_mode = WAL", cause) != 0 ||
	    exec(s, "PRAGMA synchronous = NORMAL", cause) != 0 ||
	    exec(s, "PRAGMA foreign_keys = ON", cause) != 0)
		return -1;
	if (migrate(s, cause) != 0)
		return -1;
	/* Working sets of store_boot_reports_replace() and of attribution;
	   per connection. */
	return exec(s, "CREATE TEMP TABLE IF NOT EXISTS touched_sigs"
	    "(hash TEXT PRIMARY KEY);"
	    "CREATE TEMP TABLE IF NOT EXISTS attr_reports(id INTEGER PRIMARY"
	    " KEY, board_id INTEGER, boot_id INTEGER, t_ms INTEGER,"
	    " step_id INTEGER, src TEXT);"
	    "CREATE TEMP TABLE IF NOT EXISTS attr_boots(id INTEGER PRIMARY"
	    " KEY, board_id INTEGER, start_ms INTEGER, end_ms INTEGER,"
	    " step_id INTEGER, src TEXT)", cause);
}

struct store *
store_open(const char *path, int flags, char **cause)
{
	struct store *s;
	int oflags = SQLITE_OPEN_NOMUTEX;

	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		set_cause(cause, "out of memory");
		return NULL;
	}
	s->readonly = (flags & STORE_READONLY) != 0;
	s->batch_ms = -1;
	if (s->readonly)
		oflags |= SQLITE_OPEN_READONLY;
	else if (precreate(path, cause) != 0)
		goto fail;
	else
		oflags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &s->db, oflags, NULL) != SQLITE_OK) {
		if (s->db == NULL) {
			set_cause(cause, "open %s: out of memory", path);
			goto fail;
		}
		set_cause(cause, "open %s: %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
	if (s->readonly ? setup_ro(s, cause) : setup_rw(s, cause))
		goto fail;
	return s;

fail:
	store_close(s, NULL);
	return NULL;
}

struct store *
store_open_dir(const char *data_dir, int flags, char **cause)
{
	struct store *s;
	char *path;

	if ((flags & STORE_READONLY) && !store_db_exists(data_dir)) {
		set_cause(cause, "no database in %s (has kcatch collect run "
		    "with this --data-dir?)", data_dir);
		return NULL;
	}
	if (!(flags & STORE_READONLY) && store_mkdirs(data_dir, cause) != 0)
		return NULL;
	path = store_db_path(data_dir);
	if (path == NULL) {
		set_cause(cause, "out of memory");
		return NULL;
	}
	s = store_open(path, flags, cause);
	free(path);
	return s;
}

int
store_close(struct store *s, char **cause)
{
	int ret = 0;
	size_t i;

	if (s == NULL)
		return 0;
	if (s->db != NULL && !s->readonly)
		ret = store_flush(s, cause);
	if (s->db != NULL && s->in_batch)
		rollback(s);
	for (i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	if (s->db != NULL)
		sqlite3_close(s->db);
	free(s->counts);
	free(s->stats);
	free(s);
	return ret;
}

/* ---- batches -------------------------------------------------------- */

/* Note that something is pending: starts the batch clock. */
static void
mark_pending(struct store *s)
{
	if (s->batch_ms < 0)
		s->batch_ms = store_clock_ms();
}

/* Make sure a write transaction is open. */
static int
batch_begin(struct store *s, char **cause)
{
	if (s->readonly) {
		set_cause(cause, "store is open read-only");
		return -1;
	}
	if (s->in_batch)
		return 0;
	if (tx(s, ST_BEGIN) != SQLITE_DONE)
		return db_fail(s, cause, "begin");
	s->in_batch = true;
	s->pending = 0;
	mark_pending(s);
	return 0;
}

/* Count one write; commit when the batch is full. */
static int
batch_wrote(struct store *s, char **cause)
{
	s->pending++;
	if (s->pending >= STORE_BATCH_ROWS)
		return store_flush(s, cause);
	return 0;
}

/* Write the pending counter deltas of one boot (inside the batch). */
static int
apply_count(struct store *s, const struct pending_count *pc, char **cause)
{
	sqlite3_stmt *b, *u;
	int64_t board_id;
	int rc;
	int i;

	if ((b = stmt(s, ST_BOOT_BOARD, cause)) == NULL ||
	    (u = stmt(s, ST_BOOT_COUNT, cause)) == NULL)
		return -1;
	sqlite3_bind_int64(b, 1, pc->boot_id);
	rc = sqlite3_step(b);
	board_id = rc == SQLITE_ROW ? sqlite3_column_int64(b, 0) : -1;
	done(b);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(s, cause, "counters");
	if (board_id < 0)
		return 0; /* the boot is gone (deleted); nothing to count */
	for (i = 0; i < 2; i++) {
		if (i == 1 && (u = stmt(s, ST_BOARD_COUNT, cause)) == NULL)
			return -1;
		sqlite3_bind_int64(u, 1, i == 0 ? pc->boot_id : board_id);
		sqlite3_bind_int64(u, 2, pc->delta.lines);
		sqlite3_bind_int64(u, 3, pc->delta.bytes);
		sqlite3_bind_int64(u, 4, pc->delta.gaps);
		sqlite3_bind_int64(u, 5, pc->delta.duplicates);
		sqlite3_bind_int64(u, 6, pc->delta.drops);
		if (i == 1)
			bind_opt_i64(u, 7, pc->last_seen_ms);
		if (step_done(s, u, "counters", cause) != 0)
			return -1;
	}
	return 0;
}

/* Write one pending collector_stats change (inside the batch). */
static int
apply_stat(struct store *s, const struct pending_stat *ps, char **cause)
{
	sqlite3_stmt *st;

	st = stmt(s, ps->set ? ST_STAT_SET : ST_STAT_ADD, cause);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, ps->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, ps->value);
	sqlite3_bind_int64(st, 3, ps->updated_ms);
	return step_done(s, st, "collector stats", cause);
}

/* Move the in-memory deltas into the open batch. */
static int
apply_pending(struct store *s, char **cause)
{
	size_t i;

	if (s->ncounts == 0 && s->nstats == 0)
		return 0;
	if (batch_begin(s, cause) != 0)
		return -1;
	for (i = 0; i < s->ncounts; i++)
		if (apply_count(s, &s->counts[i], cause) != 0)
			return -1;
	for (i = 0; i < s->nstats; i++)
		if (apply_stat(s, &s->stats[i], cause) != 0)
			return -1;
	s->ncounts = 0;
	s->nstats = 0;
	return 0;
}

int
store_flush(struct store *s, char **cause)
{
	int rc;

	if (s->readonly)
		return 0;
	if ((s->ncounts > 0 || s->nstats > 0) && batch_begin(s, cause) != 0) {
		/* Nothing written yet (busy?): keep the deltas, retry later. */
		s->batch_ms = store_clock_ms();
		return -1;
	}
	if (apply_pending(s, cause) != 0)
		goto fail;
	if (!s->in_batch) {
		s->batch_ms = -1;
		return 0;
	}
	rc = tx(s, ST_COMMIT);
	if (rc == SQLITE_DONE) {
		s->in_batch = false;
		s->pending = 0;
		s->batch_ms = -1;
		return 0;
	}
	if ((rc & 0xff) == SQLITE_BUSY && !sqlite3_get_autocommit(s->db)) {
		/* Readers or another writer in the way: retry later. */
		set_cause(cause, "commit: database busy, will retry");
		s->batch_ms = store_clock_ms();
		return -1;
	}
	db_fail(s, cause, "commit");
fail:
	/* The batch (and deltas not yet applied) are lost; start over. */
	if (s->in_batch)
		rollback(s);
	s->in_batch = false;
	s->pending = 0;
	s->ncounts = 0;
	s->nstats = 0;
	s->batch_ms = -1;
	return -1;
}

int
store_flush_if_due(struct store *s, int64_t now_ms, char **cause)
{
	if (s->batch_ms < 0 || now_ms - s->batch_ms < STORE_BATCH_MS)
		return 0;
	return store_flush(s, cause);
}

int64_t
store_next_deadline(const struct store *s)
{
	return s->batch_ms < 0 ? -1 : s->batch_ms + STORE_BATCH_MS;
}

size_t
store_pending(const struct store *s)
{
	return s->pending + s->ncounts + s->nstats;
}

/* ---- patch steps: attribution (docs/steps.md) ------------------------ */

#define NO_ARG INT64_MIN /* run_ints(): bind NULL */

/* Run a statement bound with up to three integers (NO_ARG: NULL). */
static int
run_ints(struct store *s, enum stmt_id id, int64_t a, int64_t b, int64_t c,
    const char *what, char **cause)
{
	int64_t v[3] = {a, b, c};
	sqlite3_stmt *st;
	int i, n;

	if ((st = stmt(s, id, cause)) == NULL)
		return -1;
	n = sqlite3_bind_parameter_count(st);
	for (i = 0; i < n && i < 3; i++) {
		if (v[i] == NO_ARG)
			sqlite3_bind_null(st, i + 1);
		else
			sqlite3_bind_int64(st, i + 1, v[i]);
	}
	return step_done(s, st, what, cause);
}

/* Rows changed by attribution, for the callers that report them. */
struct attr_changes {
	int64_t reports;
	int64_t boots;
};

/*
 * Attribute the rows gathered in temp.attr_boots and temp.attr_reports:
 * the passes of each run weakest source first, so the strongest one that
 * says something wins; then write the changed rows and empty the sets.
 */
static int
attr_run(struct store *s, struct attr_changes *ch, char **cause)
{
	static const enum stmt_id passes[] = {
		ST_ATTR_B_RELEASE, ST_ATTR_B_CLI_END, ST_ATTR_B_CLI_START,
		ST_ATTR_B_MARKER, ST_ATTR_B_APPLY, ST_ATTR_R_RELEASE,
		ST_ATTR_R_CLI, ST_ATTR_R_MARKER, ST_ATTR_R_APPLY,
		ST_ATTR_B_CLEAR, ST_ATTR_R_CLEAR,
	};
	size_t i;

	for (i = 0; i < sizeof(passes) / sizeof(passes[0]); i++) {
		if (run_ints(s, passes[i], NO_ARG, NO_ARG, NO_ARG,
		    "attribute steps", cause) != 0)
			return -1;
		if (ch != NULL && passes[i] == ST_ATTR_B_APPLY)
			ch->boots += sqlite3_changes(s->db);
		if (ch != NULL && passes[i] == ST_ATTR_R_APPLY)
			ch->reports += sqlite3_changes(s->db);
	}
	return 0;
}

/* Attribute one report (just inserted). */
static int
attr_report(struct store *s, int64_t report_id, char **cause)
{
	if (run_ints(s, ST_ATTR_R_ONE, report_id, NO_ARG, NO_ARG,
	    "attribute steps", cause) != 0)
		return -1;
	return attr_run(s, NULL, cause);
}

/* Attribute one boot, and its reports too when with_reports. */
static int
attr_boot(struct store *s, int64_t boot_id, bool with_reports, char **cause)
{
	if (run_ints(s, ST_ATTR_B_ONE, boot_id, NO_ARG, NO_ARG,
	    "attribute steps", cause) != 0 ||
	    (with_reports && run_ints(s, ST_ATTR_R_BOOT, boot_id, NO_ARG,
	    NO_ARG, "attribute steps", cause) != 0))
		return -1;
	return attr_run(s, NULL, cause);
}

/* Attribute what board_id did in [start_ms, end_ms) (end NO_ARG: on). */
static int
attr_range(struct store *s, int64_t board_id, int64_t start_ms,
    int64_t end_ms, struct attr_changes *ch, char **cause)
{
	if (run_ints(s, ST_ATTR_B_RANGE, board_id, start_ms, end_ms,
	    "attribute steps", cause) != 0 ||
	    run_ints(s, ST_ATTR_R_RANGE, board_id, start_ms, end_ms,
	    "attribute steps", cause) != 0)
		return -1;
	return attr_run(s, ch, cause);
}

/* A step's kernel changed: match the boots still running again. */
static int
attr_open_boots(struct store *s, char **cause)
{
	if (run_ints(s, ST_RELEASE_OPEN, NO_ARG, NO_ARG, NO_ARG,
	    "match releases", cause) != 0 ||
	    run_ints(s, ST_ATTR_B_OPEN, NO_ARG, NO_ARG, NO_ARG,
	    "attribute steps", cause) != 0 ||
	    run_ints(s, ST_ATTR_R_OF_BOOTS, NO_ARG, NO_ARG, NO_ARG,
	    "attribute steps", cause) != 0)
		return -1;
	return attr_run(s, NULL, cause);
}

/*
 * Run fn inside the batch under a savepoint, so a declaration is written
 * whole or not at all; counts as one write of the batch.
 */
static int
atomic(struct store *s, int (*fn)(struct store *, void *, char **),
    void *arg, char **cause)
{
	if (batch_begin(s, cause) != 0)
		return -1;
	if (tx(s, ST_SP_BEGIN) != SQLITE_DONE)
		return db_fail(s, cause, "savepoint");
	if (fn(s, arg, cause) != 0) {
		if (!sqlite3_get_autocommit(s->db)) {
			tx(s, ST_SP_ROLLBACK);
			tx(s, ST_SP_RELEASE);
		}
		return -1;
	}
	if (tx(s, ST_SP_RELEASE) != SQLITE_DONE)
		return db_fail(s, cause, "release");
	return batch_wrote(s, cause);
}

/* ---- boards and boots ----------------------------------------------- */

int
store_board_upsert(struct store *s, const char *name, const char *address,
    int64_t now_ms, int64_t *board_id, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	if (batch_begin(s, cause) != 0 ||
	    (st = stmt(s, ST_BOARD_UPSERT, cause)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	if (address != NULL)
		sqlite3_bind_text(st, 2, address, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, now_ms);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*board_id = sqlite3_column_int64(st, 0);
	/* RETURNING: the row is written when the statement completes. */
	if (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	done(st);
	if (rc != SQLITE_DONE)
		return db_fail(s, cause, "board");
	return batch_wrote(s, cause);
}

int
store_boot_begin(struct store *s, int64_t board_id, int64_t start_ms,
    int64_t *boot_id, char **cause)
{
	sqlite3_stmt *st;

	if (batch_begin(s, cause) != 0 ||
	    (st = stmt(s, ST_BOOT_BEGIN, cause)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, board_id);
	sqlite3_bind_int64(st, 2, start_ms);
	if (step_done(s, st, "boot begin", cause) != 0)
		return -1;
	*boot_id = sqlite3_last_insert_rowid(s->db);
	if (attr_boot(s, *boot_id, false, cause) != 0)
		return -1;
	return batch_wrote(s, cause);
}

/* Run a one-row boot UPDATE with text arguments ?2 and ?3. */
static int
boot_update(struct store *s, enum stmt_id id, int64_t boot_id,
    const char *a, const char *b, const char *what, char **cause)
{
	sqlite3_stmt *st;

	if (batch_begin(s, cause) != 0 || (st = stmt(s, id, cause)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, boot_id);
	if (a != NULL)
		sqlite3_bind_text(st, 2, a, -1, SQLITE_TRANSIENT);
	if (b != NULL)
		sqlite3_bind_text(st, 3, b, -1, SQLITE_TRANSIENT);
	if (step_done(s, st, what, cause) != 0)
		return -1;
	if (sqlite3_changes(s->db) == 0) {
		set_cause(cause, "%s: no boot %" PRId64, what, boot_id);
		return -1;
	}
	/* A known release may match a step's kernel (docs/steps.md). */
	if (id == ST_BOOT_KERNEL && a != NULL && (run_ints(s, ST_RELEASE_ONE,
	    boot_id, NO_ARG, NO_ARG, "match release", cause) != 0 ||
	    attr_boot(s, boot_id, true, cause) != 0))
		return -1;
	return batch_wrote(s, cause);
}

int
store_boot_set_kernel(struct store *s, int64_t boot_id,
    const char *release, const char *version_line, char **cause)
{
	return boot_update(s, ST_BOOT_KERNEL, boot_id, release, version_line,
	    "boot kernel", cause);
}

int
store_boot_set_archive(struct store *s, int64_t boot_id,
    const char *archive_path, char **cause)
{
	return boot_update(s, ST_BOOT_ARCHIVE, boot_id, archive_path, NULL,
	    "boot archive", cause);
}

int
store_boot_end(struct store *s, int64_t boot_id, int64_t end_ms,
    const char *reason, char **cause)
{
	sqlite3_stmt *st;

	if (batch_begin(s, cause) != 0 ||
	    (st = stmt(s, ST_BOOT_END, cause)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, boot_id);
	sqlite3_bind_int64(st, 2, end_ms);
	bind_opt_text(st, 3, reason);
	if (step_done(s, st, "boot end", cause) != 0)
		return -1;
	if (sqlite3_changes(s->db) == 0) {
		set_cause(cause, "boot end: no boot %" PRId64, boot_id);
		return -1;
	}
	/* The step at its end may differ from the one it had while open. */
	if (attr_boot(s, boot_id, false, cause) != 0)
		return -1;
	return batch_wrote(s, cause);
}

int
store_board_last_boot(struct store *s, int64_t board_id, int64_t *boot_id,
    int64_t *end_ms, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(s, ST_BOARD_LAST_BOOT, cause)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, board_id);
	rc = sqlite3_step(st);
	*boot_id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	*end_ms = rc == SQLITE_ROW && sqlite3_column_type(st, 1) !=
	    SQLITE_NULL ? sqlite3_column_int64(st, 1) : -1;
	done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(s, cause, "last boot");
	return 0;
}

/* The pending delta entry of boot_id, added when missing. */
static struct pending_count *
pending_count_get(struct store *s, int64_t boot_id)
{
	struct pending_count *pc;
	size_t i, cap;

	for (i = 0; i < s->ncounts; i++)
		if (s->counts[i].boot_id == boot_id)
			return &s->counts[i];
	if (s->ncounts == s->counts_cap) {
		cap = s->counts_cap ? s->counts_cap * 2 : 16;
		pc = reallocarray(s->counts, cap, sizeof(*pc));
		if (pc == NULL)
			return NULL;
		s->counts = pc;
		s->counts_cap = cap;
	}
	pc = &s->counts[s->ncounts++];
	memset(pc, 0, sizeof(*pc));
	pc->boot_id = boot_id;
	pc->last_seen_ms = -1;
	return pc;
}

int
store_boot_count(struct store *s, int64_t boot_id,
    const struct store_counts *delta, int64_t last_seen_ms, char **cause)
{
	struct pending_count *pc;

	if (s->readonly) {
		set_cause(cause, "store is open read-only");
		return -1;
	}
	pc = pending_count_get(s, boot_id);
	if (pc == NULL) {
		set_cause(cause, "out of memory");
		return -1;
	}
	pc->delta.lines += delta->lines;
	pc->delta.bytes += delta->bytes;
	pc->delta.gaps += delta->gaps;
	pc->delta.duplicates += delta->duplicates;
	pc->delta.drops += delta->drops;
	if (last_seen_ms > pc->last_seen_ms)
		pc->last_seen_ms = last_seen_ms;
	mark_pending(s);
	return 0;
}

/* True for a valid collector_stats name. */
static bool
stat_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > STAT_NAME_MAX || strcmp(name, "boards") == 0)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* Queue a collector_stats change. */
static int
stat_queue(struct store *s, const char *name, bool set, int64_t v,
    int64_t now_ms, char **cause)
{
	struct pending_stat *ps = NULL;
	size_t i, cap;

	if (s->readonly || !stat_name_ok(name)) {
		set_cause(cause, s->readonly ? "store is open read-only" :
		    "bad collector stat name '%s'", name);
		return -1;
	}
	for (i = 0; i < s->nstats && ps == NULL; i++)
		if (strcmp(s->stats[i].name, name) == 0)
			ps = &s->stats[i];
	if (ps == NULL && s->nstats == s->stats_cap) {
		cap = s->stats_cap ? s->stats_cap * 2 : 16;
		ps = reallocarray(s->stats, cap, sizeof(*ps));
		if (ps == NULL) {
			set_cause(cause, "out of memory");
			return -1;
		}
		s->stats = ps;
		s->stats_cap = cap;
		ps = NULL;
	}
	if (ps == NULL) {
		ps = &s->stats[s->nstats++];
		memset(ps, 0, sizeof(*ps));
		strcpy(ps->name, name);
	}
	/* add after set adds to the new value; set always replaces. */
	ps->value = set ? v : ps->value + v;
	ps->set = ps->set || set;
	ps->updated_ms = now_ms;
	mark_pending(s);
	return 0;
}

int
store_stat_add(struct store *s, const char *name, int64_t delta,
    int64_t now_ms, char **cause)
{
	return stat_queue(s, name, false, delta, now_ms, cause);
}

int
store_stat_set(struct store *s, const char *name, int64_t value,
    int64_t now_ms, char **cause)
{
	return stat_queue(s, name, true, value, now_ms, cause);
}

/* ---- reports -------------------------------------------------------- */

/* A JSON string for board-supplied text: invalid UTF-8 bytes become '?'. */
static json_t *
json_text(const char *s)
{
	json_t *j;
	char *copy;
	size_t i;

	if ((j = json_string(s)) != NULL)
		return j;
	copy = strdup(s);
	if (copy == NULL)
		return NULL;
	for (i = 0; copy[i] != '\0'; i++)
		if ((unsigned char)copy[i] >= 0x80)
			copy[i] = '?';
	j = json_string(copy);
	free(copy);
	return j;
}

/*
 * The frames of r as a compact JSON array of {"func", "module",
 * "unreliable"} objects ("module" null for built-in code). Returns a
 * malloc'd string, NULL when out of memory.
 */
static char *
frames_json(const struct kr_report *r)
{
	json_t *arr, *o;
	char *out = NULL;
	size_t i;

	arr = json_array();
	if (arr == NULL)
		return NULL;
	for (i = 0; i < r->nframes; i++) {
		const struct kr_frame *f = &r->frames[i];

		o = json_object();
		if (o == NULL || json_array_append_new(arr, o) != 0)
			goto out;
		if (json_object_set_new(o, "func",
		    json_text(f->func != NULL ? f->func : "")) != 0 ||
		    json_object_set_new(o, "module", f->module != NULL ?
		    json_text(f->module) : json_null()) != 0 ||
		    json_object_set_new(o, "unreliable",
		    json_boolean(f->unreliable)) != 0)
			goto out;
	}
	out = json_dumps(arr, JSON_COMPACT);
out:
	json_decref(arr);
	return out;
}

/* Add or count r's signature. */
static int
signature_upsert(struct store *s, const struct kr_report *r, char **cause)
{
	sqlite3_stmt *st;

	if ((st = stmt(s, ST_SIG_UPSERT, cause)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, r->signature, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, kr_class_name(r->cls), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->title != NULL ? r->title : "", -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, r->first_recv_ms);
	return step_done(s, st, "signature", cause);
}

/* Bind the kr_report columns ?4..?31 of ST_REPORT_INSERT. */
static void
bind_report(sqlite3_stmt *st, const struct kr_report *r, const char *frames)
{
	sqlite3_bind_text(st, 4, kr_class_name(r->cls), -1, SQLITE_STATIC);
	bind_opt_text(st, 5, r->subtype);
	sqlite3_bind_text(st, 6, r->title != NULL ? r->title : "", -1,
	    SQLITE_STATIC);
	bind_opt_text(st, 7, r->frame);
	bind_opt_text(st, 8, r->frame2);
	sqlite3_bind_text(st, 9, r->signature, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 10, r->corrupted);
	bind_opt_text(st, 11, r->corrupt_reason);
	sqlite3_bind_int64(st, 12, (int64_t)r->first_line);
	sqlite3_bind_int64(st, 13, (int64_t)r->last_line);
	sqlite3_bind_int64(st, 14, (int64_t)r->nlines);
	sqlite3_bind_int64(st, 15, r->first_recv_ms);
	sqlite3_bind_int64(st, 16, r->last_recv_ms);
	bind_opt_i64(st, 17, r->first_ktime_us);
	bind_opt_i64(st, 18, r->last_ktime_us);
	bind_opt_text(st, 19, r->task);
	bind_opt_i64(st, 20, r->pid);
	bind_opt_i64(st, 21, r->cpu);
	bind_opt_text(st, 22, r->caller);
	bind_opt_text(st, 23, r->taint);
	bind_opt_text(st, 24, r->release);
	bind_opt_text(st, 25, r->hardware);
	bind_opt_text(st, 26, r->access);
	bind_opt_i64(st, 27, r->access_size);
	bind_opt_text(st, 28, r->access_addr);
	bind_opt_text(st, 29, r->panic);
	sqlite3_bind_text(st, 30, frames, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 31, r->text != NULL ? r->text : "", -1,
	    SQLITE_STATIC);
}

/* Insert r (and count its signature) inside the open transaction. */
static int
report_insert(struct store *s, int64_t board_id, int64_t boot_id,
    const char *source, const struct kr_report *r, int64_t *report_id,
    char **cause)
{
	sqlite3_stmt *st;
	char *frames;
	int ret;

	if (signature_upsert(s, r, cause) != 0 ||
	    (st = stmt(s, ST_REPORT_INSERT, cause)) == NULL)
		return -1;
	frames = frames_json(r);
	if (frames == NULL) {
		set_cause(cause, "report frames: out of memory");
		return -1;
	}
	sqlite3_bind_int64(st, 1, board_id);
	bind_opt_i64(st, 2, boot_id > 0 ? boot_id : -1);
	sqlite3_bind_text(st, 3, source, -1, SQLITE_STATIC);
	bind_report(st, r, frames);
	sqlite3_bind_int64(st, 32, wall_ms());
	ret = step_done(s, st, "report", cause);
	free(frames);
	if (ret == 0 && report_id != NULL)
		*report_id = sqlite3_last_insert_rowid(s->db);
	return ret;
}

/* Run a statement bound with one integer. */
static int
run_id(struct store *s, enum stmt_id id, int64_t v, const char *what,
    char **cause)
{
	sqlite3_stmt *st;

	if ((st = stmt(s, id, cause)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, v);
	return step_done(s, st, what, cause);
}

int
store_report_add(struct store *s, int64_t board_id, int64_t boot_id,
    const char *source, const struct kr_report *r, int64_t *report_id,
    char **cause)
{
	int64_t id;

	if (batch_begin(s, cause) != 0)
		return -1;
	if (tx(s, ST_SAVEPOINT) != SQLITE_DONE)
		return db_fail(s, cause, "savepoint");
	if (report_insert(s, board_id, boot_id, source, r, &id,
	    cause) != 0 || attr_report(s, id, cause) != 0 ||
	    (boot_id > 0 && run_id(s, ST_BOOT_REPORTS_INC, boot_id,
	    "boot reports", cause) != 0) ||
	    run_id(s, ST_BOARD_REPORTS_INC, board_id, "board reports",
	    cause) != 0) {
		/* Undo this report's partial rows, keep the batch. */
		if (!sqlite3_get_autocommit(s->db)) {
			tx(s, ST_ROLLBACK_TO);
			tx(s, ST_RELEASE);
		}
		return -1;
	}
	if (tx(s, ST_RELEASE) != SQLITE_DONE)
		return db_fail(s, cause, "release");
	if (report_id != NULL)
		*report_id = id;
	return batch_wrote(s, cause);
}

/* Bind boot and source and run one of the replace statements. */
static int
run_boot_source(struct store *s, enum stmt_id id, int64_t boot_id,
    const char *source, char **cause)
{
	sqlite3_stmt *st;

	if ((st = stmt(s, id, cause)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, boot_id);
	sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
	return step_done(s, st, "replace reports", cause);
}

/* Insert the new reports of a replace and mark their signatures. */
static int
replace_insert(struct store *s, int64_t board_id, int64_t boot_id,
    const char *source, struct kr_report *const *reports, size_t n,
    char **cause)
{
	sqlite3_stmt *st;
	size_t i;

	for (i = 0; i < n; i++) {
		if (report_insert(s, board_id, boot_id, source, reports[i],
		    NULL, cause) != 0)
			return -1;
		if ((st = stmt(s, ST_TOUCH_ONE, cause)) == NULL)
			return -1;
		sqlite3_bind_text(st, 1, reports[i]->signature, -1,
		    SQLITE_STATIC);
		if (step_done(s, st, "replace reports", cause) != 0)
			return -1;
	}
	return 0;
}

/* The board of a boot, 0 when there is no such boot, -1 on error. */
static int64_t
boot_board(struct store *s, int64_t boot_id, char **cause)
{
	sqlite3_stmt *st;
	int64_t board_id = 0;
	int rc;

	if ((st = stmt(s, ST_BOOT_BOARD, cause)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, boot_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		board_id = sqlite3_column_int64(st, 0);
	done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(s, cause, "boot");
	if (board_id == 0)
		set_cause(cause, "no boot %" PRId64, boot_id);
	return board_id;
}

/* The body of store_boot_reports_replace(), inside its transaction. */
static int
replace_run(struct store *s, int64_t boot_id, const char *source,
    struct kr_report *const *reports, size_t n, size_t *old_count,
    char **cause)
{
	int64_t board_id;

	board_id = boot_board(s, boot_id, cause);
	if (board_id <= 0)
		return -1;
	if (run_id(s, ST_TOUCH_CLEAR, 0, "replace reports", cause) != 0 ||
	    run_boot_source(s, ST_TOUCH_OLD, boot_id, source, cause) != 0 ||
	    run_boot_source(s, ST_REPORTS_DELETE, boot_id, source,
	    cause) != 0)
		return -1;
	if (old_count != NULL)
		*old_count = (size_t)sqlite3_changes(s->db);
	if (replace_insert(s, board_id, boot_id, source, reports, n,
	    cause) != 0 || attr_boot(s, boot_id, true, cause) != 0)
		return -1;
	if (run_id(s, ST_SIG_RECOMPUTE, 0, "signatures", cause) != 0 ||
	    run_id(s, ST_BOOT_REPORTS_RECOUNT, boot_id, "boot reports",
	    cause) != 0 ||
	    run_id(s, ST_BOARD_REPORTS_RECOUNT, boot_id, "board reports",
	    cause) != 0)
		return -1;
	return 0;
}

int
store_boot_reports_replace(struct store *s, int64_t boot_id,
    const char *source, struct kr_report *const *reports, size_t n,
    size_t *old_count, char **cause)
{
	int ret = 0;

	if (store_flush(s, cause) != 0 || batch_begin(s, cause) != 0)
		return -1;
	if (replace_run(s, boot_id, source, reports, n, old_count,
	    cause) != 0)
		ret = -1;
	else if (tx(s, ST_COMMIT) != SQLITE_DONE)
		ret = db_fail(s, cause, "commit");
	if (ret != 0)
		rollback(s);
	s->in_batch = false;
	s->pending = 0;
	s->batch_ms = -1;
	return ret;
}

/* ---- reading -------------------------------------------------------- */

/* Grow a result array of elem-sized entries by one; NULL on no memory. */
static void *
grow(void **arr, size_t *n, size_t *cap, size_t elem)
{
	void *p;
	size_t c;

	if (*n == *cap) {
		c = *cap ? *cap * 2 : 8;
		p = reallocarray(*arr, c, elem);
		if (p == NULL)
			return NULL;
		*arr = p;
		*cap = c;
	}
	p = (char *)*arr + (*n)++ * elem;
	memset(p, 0, elem);
	return p;
}

/* Fill one store_boot from a ST_BOOT_LIST row. false when out of memory. */
static bool
boot_row(sqlite3_stmt *st, struct store_boot *b)
{
	b->id = sqlite3_column_int64(st, 0);
	b->board_id = sqlite3_column_int64(st, 1);
	b->board = col_text(st, 2);
	b->start_ms = sqlite3_column_int64(st, 3);
	b->end_ms = sqlite3_column_int64(st, 4);
	b->release = col_text(st, 5);
	b->archive_path = col_text(st, 6);
	b->lines = sqlite3_column_int64(st, 7);
	b->reports = sqlite3_column_int64(st, 8);
	b->max_line = sqlite3_column_int64(st, 9);
	return b->board != NULL && b->release != NULL &&
	    b->archive_path != NULL;
}

int
store_boot_list(struct store *s, const char *board,
    struct store_boot **boots, size_t *n, char **cause)
{
	struct store_boot *arr = NULL, *b;
	size_t cnt = 0, cap = 0;
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(s, ST_BOOT_LIST, cause)) == NULL)
		return -1;
	if (board != NULL)
		sqlite3_bind_text(st, 1, board, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		b = grow((void **)&arr, &cnt, &cap, sizeof(*arr));
		if (b == NULL || !boot_row(st, b))
			break;
	}
	done(st);
	if (rc != SQLITE_DONE) {
		store_boot_list_free(arr, cnt);
		if (rc == SQLITE_ROW)
			set_cause(cause, "boot list: out of memory");
		else
			db_fail(s, cause, "boot list");
		return -1;
	}
	*boots = arr;
	*n = cnt;
	return 0;
}

void
store_boot_list_free(struct store_boot *boots, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(boots[i].board);
		free(boots[i].release);
		free(boots[i].archive_path);
	}
	free(boots);
}

/* Fill one store_board_status from a ST_BOARD_STATUS row. */
static bool
board_row(sqlite3_stmt *st, struct store_board_status *b)
{
	b->id = sqlite3_column_int64(st, 0);
	b->name = col_text(st, 1);
	b->address = col_text(st, 2);
	b->created_ms = sqlite3_column_int64(st, 3);
	b->last_seen_ms = sqlite3_column_int64(st, 4);
	b->lines = sqlite3_column_int64(st, 5);
	b->bytes = sqlite3_column_int64(st, 6);
	b->reports = sqlite3_column_int64(st, 7);
	b->gaps = sqlite3_column_int64(st, 8);
	b->duplicates = sqlite3_column_int64(st, 9);
	b->drops = sqlite3_column_int64(st, 10);
	b->boot_id = sqlite3_column_int64(st, 11);
	b->boot_start_ms = sqlite3_column_int64(st, 12);
	b->boot_end_ms = sqlite3_column_int64(st, 13);
	b->boot_release = col_text(st, 14);
	b->boot_lines = sqlite3_column_int64(st, 15);
	b->boot_reports = sqlite3_column_int64(st, 16);
	return b->name != NULL && b->address != NULL &&
	    b->boot_release != NULL;
}

int
store_board_status_list(struct store *s, struct store_board_status **out,
    size_t *n, char **cause)
{
	struct store_board_status *arr = NULL, *b;
	size_t cnt = 0, cap = 0;
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(s, ST_BOARD_STATUS, cause)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		b = grow((void **)&arr, &cnt, &cap, sizeof(*arr));
		if (b == NULL || !board_row(st, b))
			break;
	}
	done(st);
	if (rc != SQLITE_DONE) {
		store_board_status_list_free(arr, cnt);
		if (rc == SQLITE_ROW)
			set_cause(cause, "board list: out of memory");
		else
			db_fail(s, cause, "board list");
		return -1;
	}
	*out = arr;
	*n = cnt;
	return 0;
}

void
store_board_status_list_free(struct store_board_status *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(b[i].name);
		free(b[i].address);
		free(b[i].boot_release);
	}
	free(b);
}

int
store_stat_list(struct store *s, struct store_stat **out, size_t *n,
    char **cause)
{
	struct store_stat *arr = NULL, *e;
	size_t cnt = 0, cap = 0;
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(s, ST_STAT_LIST, cause)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		e = grow((void **)&arr, &cnt, &cap, sizeof(*arr));
		if (e == NULL || (e->name = col_text(st, 0)) == NULL)
			break;
		e->value = sqlite3_column_int64(st, 1);
		e->updated_ms = sqlite3_column_int64(st, 2);
	}
	done(st);
	if (rc != SQLITE_DONE) {
		store_stat_list_free(arr, cnt);
		if (rc == SQLITE_ROW)
			set_cause(cause, "stats: out of memory");
		else
			db_fail(s, cause, "stats");
		return -1;
	}
	*out = arr;
	*n = cnt;
	return 0;
}

void
store_stat_list_free(struct store_stat *st, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(st[i].name);
	free(st);
}

int
store_report_count(struct store *s, int64_t boot_id, int64_t *count,
    char **cause)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(s, ST_REPORT_COUNT, cause)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, boot_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*count = sqlite3_column_int64(st, 0);
	done(st);
	if (rc != SQLITE_ROW)
		return db_fail(s, cause, "report count");
	return 0;
}

int
store_signature_get(struct store *s, const char *hash, int64_t *count,
    int64_t *first_seen_ms, int64_t *last_seen_ms, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(s, ST_SIG_GET, cause)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*count = sqlite3_column_int64(st, 0);
		*first_seen_ms = sqlite3_column_int64(st, 1);
		*last_seen_ms = sqlite3_column_int64(st, 2);
	}
	done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(s, cause, "signature");
	return rc == SQLITE_ROW ? 1 : 0;
}

/* ---- patch steps: declarations (docs/steps.md) ------------------------ */

/* True for a valid plan/step name (or patch id, max MARKER_PATCH_MAX). */
static bool
name_ok(const char *v, size_t max)
{
	return v != NULL && marker_value_ok(v, max);
}

/* Bind text, or NULL when v is NULL. */
static void
bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

/*
 * Step a bound statement that returns at most one integer: 1 and *out
 * when it did, 0 when no row, -1 with *cause. Resets st.
 */
static int
one_i64(struct store *s, sqlite3_stmt *st, int64_t *out, const char *what,
    char **cause)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(s, cause, what);
	return rc == SQLITE_ROW;
}

/* The id of plan name, created (at now_ms) when missing. */
static int
plan_get(struct store *s, const char *name, int64_t now_ms, int64_t *id,
    char **cause)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(s, ST_PLAN_GET, cause)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	if ((rc = one_i64(s, st, id, "plan", cause)) != 0)
		return rc < 0 ? -1 : 0;
	if ((st = stmt(s, ST_PLAN_INSERT, cause)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, now_ms);
	if (step_done(s, st, "plan", cause) != 0)
		return -1;
	*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* The id of step name in plan_id, created last (or at seq) if missing. */
static int
step_get(struct store *s, int64_t plan_id, const char *name, int64_t seq,
    int64_t now_ms, int64_t *id, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(s, ST_STEP_GET, cause)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, plan_id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	if ((rc = one_i64(s, st, id, "step", cause)) != 0)
		return rc < 0 ? -1 : 0;
	if ((st = stmt(s, ST_STEP_INSERT, cause)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, plan_id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	bind_opt_i64(st, 3, seq);
	sqlite3_bind_int64(st, 4, now_ms);
	if (step_done(s, st, "step", cause) != 0)
		return -1;
	*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* Set the given (non-NULL) fields of step id. */
static int
step_update(struct store *s, int64_t id, const struct store_step_def *d,
    char **cause)
{
	sqlite3_stmt *st;

	if ((st = stmt(s, ST_STEP_UPDATE, cause)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	bind_text_or_null(st, 2, d->patch);
	bind_text_or_null(st, 3, d->kernel);
	bind_text_or_null(st, 4, d->commit);
	bind_text_or_null(st, 5, d->description);
	bind_opt_i64(st, 6, d->seq);
	return step_done(s, st, "step", cause);
}

#define NAME_CHARS "A-Z a-z 0-9 . _ + : / @ ~ # % -"

/* Why a step definition is refused, NULL when it is fine. */
static const char *
step_def_bad(const struct store_step_def *d)
{
	if (!name_ok(d->plan, MARKER_NAME_MAX))
		return "bad plan name (1-64 of " NAME_CHARS ")";
	if (!name_ok(d->step, MARKER_NAME_MAX))
		return "bad step name (1-64 of " NAME_CHARS ")";
	if (d->patch != NULL && !name_ok(d->patch, MARKER_PATCH_MAX))
		return "bad patch id (1-128 of " NAME_CHARS ")";
	if (d->kernel != NULL && (*d->kernel == '\0' ||
	    strlen(d->kernel) > 64 || strpbrk(d->kernel, " \t\n") != NULL))
		return "bad kernel release (1-64 bytes, no blanks)";
	if (d->commit != NULL && strlen(d->commit) > 64)
		return "commit too long";
	if (d->description != NULL && strlen(d->description) > 1024)
		return "description too long";
	return NULL;
}

/* Arguments of define_fn(). */
struct define_ctx {
	const struct store_step_def *d;
	int64_t now_ms;
	int64_t step_id;
};

/* The body of store_step_define(). */
static int
define_fn(struct store *s, void *arg, char **cause)
{
	struct define_ctx *c = arg;
	int64_t plan_id;

	if (plan_get(s, c->d->plan, c->now_ms, &plan_id, cause) != 0 ||
	    step_get(s, plan_id, c->d->step, c->d->seq, c->now_ms,
	    &c->step_id, cause) != 0 ||
	    step_update(s, c->step_id, c->d, cause) != 0)
		return -1;
	/* Boots running now may have booted this kernel already. */
	if (c->d->kernel != NULL)
		return attr_open_boots(s, cause);
	return 0;
}

int
store_step_define(struct store *s, const struct store_step_def *d,
    int64_t now_ms, int64_t *step_id, char **cause)
{
	struct define_ctx c = {.d = d, .now_ms = now_ms};
	const char *bad = step_def_bad(d);

	if (bad != NULL) {
		set_cause(cause, "%s", bad);
		return -1;
	}
	if (atomic(s, define_fn, &c, cause) != 0)
		return -1;
	if (step_id != NULL)
		*step_id = c.step_id;
	return 0;
}

/* Arguments of mark_fn(). */
struct mark_ctx {
	int64_t boot_id;
	const char *source;
	const char *plan;
	const char *step;
	const char *patch;
	int64_t at_ms;
	int64_t line;
};

/* The plan a marker without plan= means: the board's latest, else
   STORE_PLAN_DEFAULT. */
static int
mark_plan(struct store *s, int64_t board_id, const char *plan,
    int64_t now_ms, int64_t *plan_id, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	if (plan != NULL && *plan != '\0')
		return plan_get(s, plan, now_ms, plan_id, cause);
	if ((st = stmt(s, ST_BOARD_LAST_PLAN, cause)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, board_id);
	if ((rc = one_i64(s, st, plan_id, "plan", cause)) != 0)
		return rc < 0 ? -1 : 0;
	return plan_get(s, STORE_PLAN_DEFAULT, now_ms, plan_id, cause);
}

/* 1 when the boot's latest mark already says step_id (0: end) and patch,
   or when the archive line was recorded before; 0 otherwise. */
static int
mark_seen(struct store *s, const struct mark_ctx *c, int64_t step_id,
    char **cause)
{
	sqlite3_stmt *st;
	const unsigned char *p;
	int rc, same;
	int64_t one;

	if (c->line > 0) {
		if ((st = stmt(s, ST_MARK_LINE, cause)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, c->boot_id);
		sqlite3_bind_int64(st, 2, c->line);
		if ((rc = one_i64(s, st, &one, "marker", cause)) != 0)
			return rc;
	}
	if ((st = stmt(s, ST_MARK_LAST, cause)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, c->boot_id);
	rc = sqlite3_step(st);
	same = rc == SQLITE_ROW && sqlite3_column_int64(st, 0) == step_id;
	p = rc == SQLITE_ROW ? sqlite3_column_text(st, 1) : NULL;
	if (same && (c->patch != NULL || p != NULL))
		same = c->patch != NULL && p != NULL &&
		    strcmp((const char *)p, c->patch) == 0;
	done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(s, cause, "marker");
	return same;
}

/* Insert a mark of the boot. */
static int
mark_insert(struct store *s, const struct mark_ctx *c, int64_t board_id,
    int64_t step_id, char **cause)
{
	sqlite3_stmt *st;

	if ((st = stmt(s, ST_MARK_INSERT, cause)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, board_id);
	sqlite3_bind_int64(st, 2, c->boot_id);
	bind_opt_i64(st, 3, step_id > 0 ? step_id : -1);
	sqlite3_bind_int64(st, 4, c->at_ms);
	sqlite3_bind_text(st, 5, c->source, -1, SQLITE_STATIC);
	bind_opt_text(st, 6, c->patch);
	bind_opt_i64(st, 7, c->line > 0 ? c->line : -1);
	return step_done(s, st, "marker", cause);
}

/* The body of store_step_mark(). */
static int
mark_fn(struct store *s, void *arg, char **cause)
{
	struct store_step_def d = {.patch = NULL, .seq = -1};
	struct mark_ctx *c = arg;
	int64_t board_id, plan_id = 0, step_id = 0;
	int rc;

	if ((board_id = boot_board(s, c->boot_id, cause)) <= 0)
		return -1;
	if (c->step != NULL && (mark_plan(s, board_id, c->plan, c->at_ms,
	    &plan_id, cause) != 0 || step_get(s, plan_id, c->step, -1,
	    c->at_ms, &step_id, cause) != 0))
		return -1;
	d.patch = c->patch;
	if (c->patch != NULL && step_update(s, step_id, &d, cause) != 0)
		return -1;
	if ((rc = mark_seen(s, c, step_id, cause)) != 0)
		return rc < 0 ? -1 : 0;
	if (mark_insert(s, c, board_id, step_id, cause) != 0)
		return -1;
	return attr_boot(s, c->boot_id, true, cause);
}

int
store_step_mark(struct store *s, int64_t boot_id, const char *source,
    const char *plan, const char *step, const char *patch, int64_t at_ms,
    int64_t line, char **cause)
{
	struct mark_ctx c = {.boot_id = boot_id, .source = source,
	    .plan = plan != NULL && *plan != '\0' ? plan : NULL, .step = step,
	    .patch = patch != NULL && *patch != '\0' ? patch : NULL,
	    .at_ms = at_ms, .line = line};

	if (source == NULL || (strcmp(source, STORE_MARK_LINE) != 0 &&
	    strcmp(source, STORE_MARK_USERDATA) != 0)) {
		set_cause(cause, "bad marker source");
		return -1;
	}
	if ((step != NULL && !name_ok(step, MARKER_NAME_MAX)) ||
	    (c.plan != NULL && !name_ok(c.plan, MARKER_NAME_MAX)) ||
	    (c.patch != NULL && (step == NULL ||
	    !name_ok(c.patch, MARKER_PATCH_MAX)))) {
		set_cause(cause, "bad step marker value");
		return -1;
	}
	return atomic(s, mark_fn, &c, cause);
}

int
store_boot_set_end_state(struct store *s, int64_t boot_id,
    const char *state, int64_t at_ms, char **cause)
{
	sqlite3_stmt *st;

	if (state == NULL || (strcmp(state, STORE_END_CLEAN) != 0 &&
	    strcmp(state, STORE_END_WEDGED) != 0 &&
	    strcmp(state, STORE_END_SILENT_RESET) != 0)) {
		set_cause(cause, "bad boot end state");
		return -1;
	}
	if (batch_begin(s, cause) != 0 ||
	    (st = stmt(s, ST_BOOT_END_STATE, cause)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, boot_id);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, at_ms);
	if (step_done(s, st, "boot end state", cause) != 0)
		return -1;
	if (sqlite3_changes(s->db) == 0) {
		set_cause(cause, "boot end state: no boot %" PRId64, boot_id);
		return -1;
	}
	return batch_wrote(s, cause);
}

/* Arguments of run_fn(). */
struct run_ctx {
	int64_t board_id;
	int64_t step_id;
	int64_t start_ms;
	int64_t end_ms;		/* NO_ARG: open */
	const char *origin;
	int64_t now_ms;
	struct attr_changes ch;
};

/* The body of store_step_run(): make room, insert, attribute. */
static int
run_fn(struct store *s, void *arg, char **cause)
{
	static const enum stmt_id trim[] = {
		ST_RUN_SPLIT, ST_RUN_CUT_LEFT, ST_RUN_CUT_RIGHT, ST_RUN_DELETE,
	};
	struct run_ctx *c = arg;
	sqlite3_stmt *st;
	size_t i;

	for (i = 0; i < sizeof(trim) / sizeof(trim[0]); i++)
		if (run_ints(s, trim[i], c->board_id, c->start_ms, c->end_ms,
		    "step range", cause) != 0)
			return -1;
	if (c->step_id > 0) {
		if ((st = stmt(s, ST_RUN_INSERT, cause)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, c->board_id);
		sqlite3_bind_int64(st, 2, c->step_id);
		sqlite3_bind_int64(st, 3, c->start_ms);
		bind_opt_i64(st, 4, c->end_ms == NO_ARG ? -1 : c->end_ms);
		sqlite3_bind_int64(st, 5, c->now_ms);
		sqlite3_bind_text(st, 6, c->origin, -1, SQLITE_STATIC);
		if (step_done(s, st, "step range", cause) != 0)
			return -1;
	}
	return attr_range(s, c->board_id, c->start_ms, c->end_ms, &c->ch,
	    cause);
}

int
store_step_run(struct store *s, int64_t board_id, int64_t step_id,
    int64_t start_ms, int64_t end_ms, const char *origin, int64_t now_ms,
    int64_t *changed, char **cause)
{
	struct run_ctx c = {.board_id = board_id, .step_id = step_id,
	    .start_ms = start_ms, .end_ms = end_ms < 0 ? NO_ARG : end_ms,
	    .origin = origin != NULL ? origin : STORE_RUN_START,
	    .now_ms = now_ms};

	if (end_ms >= 0 && end_ms <= start_ms) {
		set_cause(cause, "bad step range: it ends before it starts");
		return -1;
	}
	if (start_ms <= NO_ARG + 1) {
		set_cause(cause, "bad step range: start out of range");
		return -1;
	}
	if (atomic(s, run_fn, &c, cause) != 0)
		return -1;
	if (changed != NULL)
		*changed = c.ch.reports;
	return 0;
}

/* Arguments of the reassign_*_fn(). */
struct reassign_ctx {
	int64_t id;		/* board or boot */
	struct attr_changes ch;
};

/* Match a board's releases again and attribute its boots. */
static int
reassign_boots_fn(struct store *s, void *arg, char **cause)
{
	struct reassign_ctx *c = arg;

	if (run_ints(s, ST_RELEASE_SOME, c->id, NO_ARG, NO_ARG,
	    "match releases", cause) != 0 ||
	    run_ints(s, ST_ATTR_B_ALL, c->id, NO_ARG, NO_ARG,
	    "attribute steps", cause) != 0)
		return -1;
	return attr_run(s, &c->ch, cause);
}

/* Attribute the reports of one boot. */
static int
reassign_boot_fn(struct store *s, void *arg, char **cause)
{
	struct reassign_ctx *c = arg;

	if (run_ints(s, ST_ATTR_R_BOOT, c->id, NO_ARG, NO_ARG,
	    "attribute steps", cause) != 0)
		return -1;
	return attr_run(s, &c->ch, cause);
}

/* Attribute a board's reports that belong to no boot (pstore). */
static int
reassign_loose_fn(struct store *s, void *arg, char **cause)
{
	struct reassign_ctx *c = arg;

	if (run_ints(s, ST_ATTR_R_LOOSE, c->id, NO_ARG, NO_ARG,
	    "attribute steps", cause) != 0)
		return -1;
	return attr_run(s, &c->ch, cause);
}

/* The ids a statement bound with id (0: unbound) returns, into *ids. */
static int
list_ids(struct store *s, enum stmt_id sid, int64_t id, int64_t **ids,
    size_t *n, char **cause)
{
	size_t cap = 0;
	sqlite3_stmt *st;
	int64_t *p;
	int rc;

	*ids = NULL;
	*n = 0;
	if ((st = stmt(s, sid, cause)) == NULL)
		return -1;
	if (id > 0)
		sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((p = grow((void **)ids, n, &cap, sizeof(**ids))) == NULL)
			break;
		*p = sqlite3_column_int64(st, 0);
	}
	done(st);
	if (rc == SQLITE_ROW)
		set_cause(cause, "out of memory");
	else if (rc != SQLITE_DONE)
		db_fail(s, cause, "ids");
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Run fn on id in its own committed transaction. */
static int
reassign_one(struct store *s, int (*fn)(struct store *, void *, char **),
    struct reassign_ctx *c, int64_t id, char **cause)
{
	c->id = id;
	if (atomic(s, fn, c, cause) != 0)
		return -1;
	return store_flush(s, cause);
}

/* Everything of one board: boots, then each boot's reports, then the
   reports without a boot. */
static int
reassign_board(struct store *s, struct reassign_ctx *c, int64_t board,
    char **cause)
{
	int64_t *boots = NULL;
	size_t n = 0, i;
	int ret = -1;

	if (reassign_one(s, reassign_boots_fn, c, board, cause) != 0 ||
	    list_ids(s, ST_BOOT_IDS, board, &boots, &n, cause) != 0)
		goto out;
	for (i = 0; i < n; i++)
		if (reassign_one(s, reassign_boot_fn, c, boots[i], cause) != 0)
			goto out;
	ret = reassign_one(s, reassign_loose_fn, c, board, cause);
out:
	free(boots);
	return ret;
}

/*
 * Commits as it goes, one transaction per boot: on a big database the
 * collector waits for one boot's share at a time, never for everything
 * (it gives up after STORE_BUSY_TIMEOUT_MS).
 */
int
store_step_reassign(struct store *s, int64_t board_id, int64_t *reports,
    int64_t *boots, char **cause)
{
	struct reassign_ctx c = {0};
	int64_t *ids = NULL;
	size_t n = 0, i;
	int ret = 0;

	if (board_id == 0 && list_ids(s, ST_BOARD_IDS, 0, &ids, &n,
	    cause) != 0)
		return -1;
	if (board_id != 0)
		ret = reassign_board(s, &c, board_id, cause);
	for (i = 0; i < n && ret == 0; i++)
		ret = reassign_board(s, &c, ids[i], cause);
	free(ids);
	if (reports != NULL)
		*reports = c.ch.reports;
	if (boots != NULL)
		*boots = c.ch.boots;
	return ret;
}

int
store_board_find(struct store *s, const char *name, int64_t *board_id,
    char **cause)
{
	sqlite3_stmt *st;

	if ((st = stmt(s, ST_BOARD_FIND, cause)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	return one_i64(s, st, board_id, "board", cause);
}

int
store_boot_get(struct store *s, int64_t boot_id, struct store_boot **out,
    char **cause)
{
	struct store_boot *b;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	if ((st = stmt(s, ST_BOOT_GET, cause)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, boot_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		b = calloc(1, sizeof(*b));
		if (b == NULL || !boot_row(st, b)) {
			done(st);
			store_boot_list_free(b, b != NULL);
			set_cause(cause, "boot: out of memory");
			return -1;
		}
		*out = b;
	}
	done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(s, cause, "boot");
	return rc == SQLITE_ROW;
}

/* The one signature whose hash starts with prefix: 1 and *hash (malloc'd),
   0 none, 2 several, -1 error. */
static int
sig_resolve(struct store *s, const char *prefix, char **hash, char **cause)
{
	sqlite3_stmt *st;
	int rc, n = 0;

	if ((st = stmt(s, ST_SIG_PREFIX, cause)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, prefix, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (n++ == 0 && (*hash = col_text(st, 0)) == NULL)
			break;
	done(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(s, cause, "signature");
	if (rc == SQLITE_ROW) {
		set_cause(cause, "out of memory");
		return -1;
	}
	if (n > 1) {
		free(*hash);
		*hash = NULL;
	}
	return n > 1 ? 2 : n;
}

int
store_sig_mark(struct store *s, const char *prefix, const char *state,
    const char *note, int64_t now_ms, char **hash, char **cause)
{
	sqlite3_stmt *st;
	char *h = NULL;
	int rc;

	if (state == NULL || (strcmp(state, STORE_SIG_NEW) != 0 &&
	    strcmp(state, STORE_SIG_KNOWN) != 0 &&
	    strcmp(state, STORE_SIG_IGNORED) != 0)) {
		set_cause(cause, "bad signature state");
		return -1;
	}
	if (batch_begin(s, cause) != 0)
		return -1;
	if ((rc = sig_resolve(s, prefix, &h, cause)) != 1)
		return rc;
	if ((st = stmt(s, ST_SIG_MARK, cause)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, h, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now_ms);
	bind_text_or_null(st, 4, note);
	sqlite3_bind_int(st, 5, note != NULL);
	if (step_done(s, st, "signature", cause) != 0 ||
	    batch_wrote(s, cause) != 0)
		goto fail;
	if (hash != NULL)
		*hash = h;
	else
		free(h);
	return 1;
fail:
	free(h);
	return -1;
}

/* ---- patch steps: reading --------------------------------------------- */

/* Text of column i, NULL when NULL. Valid until the next step. */
static const char *
col_opt(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* A set of signature strings (open addressing, FNV-1a). */
struct sigset {
	char **slot;		/* owned strings, NULL = empty */
	size_t cap;		/* power of two */
	size_t n;
};

/* FNV-1a of s. */
static uint64_t
sigset_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The slot of s: where it is, or the empty slot where it would go. */
static size_t
sigset_find(const struct sigset *set, const char *s)
{
	size_t i = (size_t)sigset_hash(s) & (set->cap - 1);

	while (set->slot[i] != NULL && strcmp(set->slot[i], s) != 0)
		i = (i + 1) & (set->cap - 1);
	return i;
}

/* True when s is in the set. */
static bool
sigset_has(const struct sigset *set, const char *s)
{
	return set->cap > 0 && set->slot[sigset_find(set, s)] != NULL;
}

/* Add a copy of s. false when out of memory. */
static bool
sigset_add(struct sigset *set, const char *s)
{
	struct sigset big = {0};
	size_t i;

	if (2 * (set->n + 1) > set->cap) {
		big.cap = set->cap ? set->cap * 2 : 64;
		if ((big.slot = calloc(big.cap, sizeof(*big.slot))) == NULL)
			return false;
		for (i = 0; i < set->cap; i++)
			if (set->slot[i] != NULL)
				big.slot[sigset_find(&big, set->slot[i])] =
				    set->slot[i];
		big.n = set->n;
		free(set->slot);
		*set = big;
	}
	i = sigset_find(set, s);
	if (set->slot[i] != NULL)
		return true;
	if ((set->slot[i] = strdup(s)) == NULL)
		return false;
	set->n++;
	return true;
}

/* Free the set's strings and table. */
static void
sigset_free(struct sigset *set)
{
	size_t i;

	for (i = 0; i < set->cap; i++)
		free(set->slot[i]);
	free(set->slot);
}

/* Add every string of src to dst and empty src. */
static bool
sigset_merge(struct sigset *dst, struct sigset *src)
{
	size_t i;
	bool ok = true;

	for (i = 0; i < src->cap && ok; i++)
		if (src->slot[i] != NULL)
			ok = sigset_add(dst, src->slot[i]);
	sigset_free(src);
	memset(src, 0, sizeof(*src));
	return ok;
}

/* Signatures in triage state known or ignored (never new, counted
   nowhere). */
struct triage {
	struct sigset known;
	struct sigset ignored;
};

/* Load the triaged signatures. */
static int
triage_load(struct store *s, struct triage *t, char **cause)
{
	sqlite3_stmt *st;
	bool ok = true;
	int rc;

	if ((st = stmt(s, ST_TRIAGED, cause)) == NULL)
		return -1;
	while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW)
		ok = sigset_add(strcmp(col_opt(st, 1), STORE_SIG_IGNORED) == 0 ?
		    &t->ignored : &t->known, col_opt(st, 0));
	done(st);
	if (!ok) {
		set_cause(cause, "bisect: out of memory");
		return -1;
	}
	return rc == SQLITE_DONE ? 0 : db_fail(s, cause, "bisect");
}

#define QB_ARGS_MAX 512 /* bound values of one filtered query */

/* A query built from fixed SQL fragments and bound values. */
struct qbuild {
	char *sql;		/* owned, NUL-terminated */
	size_t len;
	size_t cap;
	struct {
		const char *text; /* borrowed from the filter; NULL: num */
		int64_t num;
	} arg[QB_ARGS_MAX];
	int nargs;
	bool fail;		/* out of memory or too many values */
};

/* Append a fixed SQL fragment. */
static void
qb_sql(struct qbuild *q, const char *frag)
{
	size_t n = strlen(frag), cap;
	char *p;

	if (q->fail)
		return;
	if (q->len + n + 1 > q->cap) {
		cap = (q->len + n + 1) * 2;
		if ((p = realloc(q->sql, cap)) == NULL) {
			q->fail = true;
			return;
		}
		q->sql = p;
		q->cap = cap;
	}
	memcpy(q->sql + q->len, frag, n + 1);
	q->len += n;
}

/* Append a fragment holding one '?' for text (borrowed) or num. */
static void
qb_arg(struct qbuild *q, const char *frag, const char *text, int64_t num)
{
	if (q->nargs == QB_ARGS_MAX) {
		q->fail = true;
		return;
	}
	qb_sql(q, frag);
	q->arg[q->nargs].text = text;
	q->arg[q->nargs].num = num;
	q->nargs++;
}

/* Append "AND col IN (?, ...)" for n texts. */
static void
qb_in(struct qbuild *q, const char *col, const char *const *v, size_t n)
{
	size_t i;

	if (n == 0)
		return;
	qb_sql(q, " AND ");
	qb_sql(q, col);
	for (i = 0; i < n; i++)
		qb_arg(q, i == 0 ? " IN (?" : ", ?", v[i], 0);
	qb_sql(q, ")");
}

/* Prepare q (finalize the result after use). NULL with *cause. */
static sqlite3_stmt *
qb_prepare(struct store *s, struct qbuild *q, char **cause)
{
	sqlite3_stmt *st;
	int i;

	if (q->fail) {
		set_cause(cause, "query: out of memory or too many values");
		return NULL;
	}
	if (sqlite3_prepare_v2(s->db, q->sql, -1, &st, NULL) != SQLITE_OK) {
		db_fail(s, cause, "query");
		return NULL;
	}
	for (i = 0; i < q->nargs; i++) {
		if (q->arg[i].text != NULL)
			sqlite3_bind_text(st, i + 1, q->arg[i].text, -1,
			    SQLITE_STATIC);
		else
			sqlite3_bind_int64(st, i + 1, q->arg[i].num);
	}
	return st;
}

/* The step --new-in names, resolved once per query. */
struct new_in {
	int64_t step_id;	/* 0: no --new-in */
	int64_t plan_id;
	int64_t seq;
};

/* Resolve f->new_in. 0 ok, 1 no such step (nothing can match),
   STORE_EBADARG (ambiguous), -1 error. */
static int
new_in_resolve(struct store *s, const struct store_filter *f,
    struct new_in *ni, char **cause)
{
	sqlite3_stmt *st;
	int rc, n = 0;

	memset(ni, 0, sizeof(*ni));
	if (f->new_in == NULL)
		return 0;
	if ((st = stmt(s, ST_STEP_FIND, cause)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, f->new_in, -1, SQLITE_TRANSIENT);
	bind_text_or_null(st, 2, f->plan);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n++ == 0) {
		ni->step_id = sqlite3_column_int64(st, 0);
		ni->plan_id = sqlite3_column_int64(st, 1);
		ni->seq = sqlite3_column_int64(st, 2);
	}
	done(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(s, cause, "step");
	if (n > 1) {
		set_cause(cause, "step '%s' is in more than one plan: "
		    "pass --plan", f->new_in);
		return STORE_EBADARG;
	}
	return n == 0 ? 1 : 0;
}

/*
 * A filter with its names resolved to ids once, before the query: with
 * constants (not subqueries) SQLite picks the (step_id, class) index for
 * `query --class C --step S` (docs/performance.md).
 */
struct resolved {
	struct new_in ni;
	int64_t board_id;	/* 0: any board */
	int64_t steps[QB_ARGS_MAX / 2]; /* ids of the plan/step/patch */
	size_t nsteps;
	bool many_steps;	/* more than fit: use a subquery */
	bool empty;		/* a name matched nothing: no rows */
};

/* The ids of the steps that f's plan/step/patch name into rf. */
static int
resolve_steps(struct store *s, const struct store_filter *f,
    struct resolved *rf, char **cause)
{
	struct qbuild q = {0};
	sqlite3_stmt *st;
	int rc;

	qb_sql(&q, "SELECT s.id FROM steps s JOIN plans p"
	    " ON p.id = s.plan_id WHERE true");
	if (f->plan != NULL)
		qb_arg(&q, " AND p.name = ?", f->plan, 0);
	if (f->step != NULL)
		qb_arg(&q, " AND s.name = ?", f->step, 0);
	if (f->patch != NULL)
		qb_arg(&q, " AND s.patch = ?", f->patch, 0);
	st = qb_prepare(s, &q, cause);
	free(q.sql);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (rf->nsteps == sizeof(rf->steps) / sizeof(rf->steps[0])) {
			rf->many_steps = true;
			continue;
		}
		rf->steps[rf->nsteps++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(s, cause, "steps");
	rf->empty = rf->nsteps == 0;
	return 0;
}

/* Resolve f into rf: 0, STORE_EBADARG or -1 with *cause. */
static int
filter_resolve(struct store *s, const struct store_filter *f,
    struct resolved *rf, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	memset(rf, 0, sizeof(*rf));
	if ((rc = new_in_resolve(s, f, &rf->ni, cause)) < 0)
		return rc;
	rf->empty = rc == 1;
	if (f->board != NULL && !rf->empty) {
		if ((st = stmt(s, ST_BOARD_FIND, cause)) == NULL)
			return -1;
		sqlite3_bind_text(st, 1, f->board, -1, SQLITE_TRANSIENT);
		if ((rc = one_i64(s, st, &rf->board_id, "board", cause)) < 0)
			return -1;
		rf->empty = rc == 0;
	}
	if ((f->plan != NULL || f->step != NULL || f->patch != NULL) &&
	    !rf->empty)
		return resolve_steps(s, f, rf, cause);
	return 0;
}

/*
 * "Signatures new at step ni": seen at it (on the filtered board), in
 * triage state new, and in no earlier step of its plan (seq, then id).
 */
static void
qb_new_in(struct qbuild *q, const struct resolved *rf)
{
	const struct new_in *ni = &rf->ni;

	qb_arg(q, " AND r.step_id = ?", NULL, ni->step_id);
	qb_arg(q, " AND r.signature IN (SELECT x.signature FROM step_sigs x"
	    " JOIN signatures h ON h.hash = x.signature WHERE x.step_id = ?",
	    NULL, ni->step_id);
	if (rf->board_id > 0)
		qb_arg(q, " AND x.board_id = ?", NULL, rf->board_id);
	qb_sql(q, " AND h.state = 'new' AND NOT EXISTS (SELECT 1 FROM"
	    " step_sigs e JOIN steps es ON es.id = e.step_id"
	    " WHERE e.signature = x.signature");
	qb_arg(q, " AND es.plan_id = ?", NULL, ni->plan_id);
	qb_arg(q, " AND (es.seq < ?", NULL, ni->seq);
	qb_arg(q, " OR (es.seq = ?", NULL, ni->seq);
	qb_arg(q, " AND es.id < ?))", NULL, ni->step_id);
	if (rf->board_id > 0)
		qb_arg(q, " AND e.board_id = ?", NULL, rf->board_id);
	qb_sql(q, "))");
}

/* "AND r.step_id IN (...)" for the resolved steps. */
static void
qb_steps(struct qbuild *q, const struct store_filter *f,
    const struct resolved *rf)
{
	size_t i;

	if (rf->many_steps) {
		qb_sql(q, " AND r.step_id IN (SELECT s.id FROM steps s"
		    " JOIN plans p ON p.id = s.plan_id WHERE true");
		if (f->plan != NULL)
			qb_arg(q, " AND p.name = ?", f->plan, 0);
		if (f->step != NULL)
			qb_arg(q, " AND s.name = ?", f->step, 0);
		if (f->patch != NULL)
			qb_arg(q, " AND s.patch = ?", f->patch, 0);
		qb_sql(q, ")");
		return;
	}
	for (i = 0; i < rf->nsteps; i++)
		qb_arg(q, i == 0 ? " AND r.step_id IN (?" : ", ?", NULL,
		    rf->steps[i]);
	if (rf->nsteps > 0)
		qb_sql(q, ")");
}

/* The WHERE clause of a report filter (table r, and g = its signature
   when the query joins it, which a state filter needs). */
static void
qb_where(struct qbuild *q, const struct store_filter *f,
    const struct resolved *rf)
{
	qb_sql(q, " WHERE true");
	if (rf->board_id > 0)
		qb_arg(q, " AND r.board_id = ?", NULL, rf->board_id);
	qb_steps(q, f, rf);
	qb_in(q, "r.class", f->classes, f->nclasses);
	if (f->since_ms >= 0)
		qb_arg(q, " AND r.first_recv_ms >= ?", NULL, f->since_ms);
	if (f->until_ms >= 0)
		qb_arg(q, " AND r.first_recv_ms < ?", NULL, f->until_ms);
	if (f->signature != NULL)
		qb_arg(q, " AND r.signature = ?", f->signature, 0);
	qb_in(q, "g.state", f->states, f->nstates);
	if (rf->ni.step_id > 0)
		qb_new_in(q, rf);
}

/* One board (name) or step (plan, name, patch) by id. */
struct name_entry {
	int64_t id;
	char *a;
	char *b;
	char *c;
};

/*
 * The names of every board and step, read once per query instead of
 * joined into each of thousands of rows (there are few of them).
 */
struct names {
	struct name_entry *boards;	/* by id, owned */
	size_t nboards;
	struct name_entry *steps;	/* by id, owned */
	size_t nsteps;
	struct triage triage;		/* states other than new */
};

/* Free a name table. */
static void
names_free_v(struct name_entry *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].a);
		free(v[i].b);
		free(v[i].c);
	}
	free(v);
}

/* Free what nm holds. */
static void
names_free(struct names *nm)
{
	names_free_v(nm->boards, nm->nboards);
	names_free_v(nm->steps, nm->nsteps);
	sigset_free(&nm->triage.known);
	sigset_free(&nm->triage.ignored);
}

/* Copy of column i or NULL when it is NULL; *ok false on OOM. */
static char *
col_dup(sqlite3_stmt *st, int i, bool *ok)
{
	char *c;

	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	if ((c = strdup(col_opt(st, i))) == NULL)
		*ok = false;
	return c;
}

/* Read one name table (id ascending). */
static int
names_read(struct store *s, enum stmt_id id, struct name_entry **out,
    size_t *n, char **cause)
{
	struct name_entry *e;
	size_t cap = 0;
	sqlite3_stmt *st;
	bool ok = true;
	int rc;

	if ((st = stmt(s, id, cause)) == NULL)
		return -1;
	while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((e = grow((void **)out, n, &cap, sizeof(**out))) == NULL) {
			ok = false;
			break;
		}
		e->id = sqlite3_column_int64(st, 0);
		e->a = col_dup(st, 1, &ok);
		e->b = col_dup(st, 2, &ok);
		e->c = col_dup(st, 3, &ok);
	}
	done(st);
	if (!ok) {
		set_cause(cause, "query: out of memory");
		return -1;
	}
	return rc == SQLITE_DONE ? 0 : db_fail(s, cause, "query");
}

/* Load every name and the triage states. */
static int
names_load(struct store *s, struct names *nm, char **cause)
{
	memset(nm, 0, sizeof(*nm));
	return names_read(s, ST_NAMES_BOARDS, &nm->boards, &nm->nboards,
	    cause) != 0 || names_read(s, ST_NAMES_STEPS, &nm->steps,
	    &nm->nsteps, cause) != 0 || triage_load(s, &nm->triage,
	    cause) != 0 ? -1 : 0;
}

/* The entry of id (binary search), NULL when none. */
static const struct name_entry *
names_get(const struct name_entry *v, size_t n, int64_t id)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v[mid].id == id)
			return &v[mid];
		if (v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Fill a report row from the query's columns and the names. */
static void
report_row(sqlite3_stmt *st, const struct names *nm,
    struct store_report_row *r)
{
	const struct name_entry *b, *p;

	b = names_get(nm->boards, nm->nboards, sqlite3_column_int64(st, 2));
	p = sqlite3_column_type(st, 3) == SQLITE_NULL ? NULL :
	    names_get(nm->steps, nm->nsteps, sqlite3_column_int64(st, 3));
	r->id = sqlite3_column_int64(st, 0);
	r->time_ms = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 :
	    sqlite3_column_int64(st, 1);
	r->board = b != NULL ? b->a : NULL;
	r->plan = p != NULL ? p->a : NULL;
	r->step = p != NULL ? p->b : NULL;
	r->patch = p != NULL ? p->c : NULL;
	r->cls = col_opt(st, 4);
	r->subtype = col_opt(st, 5);
	r->title = col_opt(st, 6);
	r->signature = col_opt(st, 7);
	r->source = col_opt(st, 8);
	r->corrupted = sqlite3_column_int(st, 9) != 0;
	r->boot_id = sqlite3_column_int64(st, 10);
	r->step_source = col_opt(st, 11);
	r->state = sigset_has(&nm->triage.ignored, r->signature) ?
	    STORE_SIG_IGNORED : sigset_has(&nm->triage.known, r->signature) ?
	    STORE_SIG_KNOWN : STORE_SIG_NEW;
}

#define REPORT_ROW_SQL                                                    \
	"SELECT r.id, r.first_recv_ms, r.board_id, r.step_id, r.class,"    \
	" r.subtype, r.title, r.signature, r.source, r.corrupted,"          \
	" coalesce(r.boot_id, 0), r.step_source FROM reports r"

/* Build the report query of f (the newest f->limit rows, oldest first). */
static void
qb_reports(struct qbuild *q, const struct store_filter *f,
    const struct resolved *rf)
{
	if (f->limit > 0)
		qb_sql(q, "SELECT * FROM (");
	qb_sql(q, REPORT_ROW_SQL);
	if (f->nstates > 0)
		qb_sql(q, " JOIN signatures g ON g.hash = r.signature");
	qb_where(q, f, rf);
	if (f->limit > 0) {
		qb_arg(q, " ORDER BY r.first_recv_ms DESC, r.id DESC LIMIT ?",
		    NULL, f->limit);
		qb_sql(q, ") ORDER BY 2, 1");
	} else {
		qb_sql(q, " ORDER BY r.first_recv_ms, r.id");
	}
}

int
store_report_query(struct store *s, const struct store_filter *f,
    store_report_cb cb, void *arg, char **cause)
{
	struct qbuild q = {0};
	struct store_report_row row;
	struct resolved rf;
	struct names nm;
	sqlite3_stmt *st;
	int rc, ret = 0;

	if ((rc = filter_resolve(s, f, &rf, cause)) != 0 || rf.empty)
		return rc;
	if (names_load(s, &nm, cause) != 0) {
		names_free(&nm);
		return -1;
	}
	qb_reports(&q, f, &rf);
	st = qb_prepare(s, &q, cause);
	free(q.sql);
	while (st != NULL && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		report_row(st, &nm, &row);
		if ((ret = cb(&row, arg)) != 0)
			break;
	}
	if (st == NULL)
		ret = -1;
	else if (ret == 0 && rc != SQLITE_DONE)
		ret = db_fail(s, cause, "query");
	sqlite3_finalize(st);
	names_free(&nm);
	return ret;
}

/* Append a copy of v to a string list. false when out of memory. */
static bool
strv_add(char ***v, size_t *n, const char *text)
{
	char **p, *c;

	if ((c = strdup(text)) == NULL)
		return false;
	if ((p = reallocarray(*v, *n + 1, sizeof(*p))) == NULL) {
		free(c);
		return false;
	}
	p[(*n)++] = c;
	*v = p;
	return true;
}

/* Free a string list. */
static void
strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* qsort comparator of strings. */
static int
strv_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort a string list and drop repeats. */
static void
strv_uniq(char **v, size_t *n)
{
	size_t i, o = 0;

	qsort(v, *n, sizeof(*v), strv_cmp);
	for (i = 0; i < *n; i++) {
		if (o > 0 && strcmp(v[o - 1], v[i]) == 0) {
			free(v[i]);
			continue;
		}
		v[o++] = v[i];
	}
	*n = o;
}

/* Start a store_sig from a row of the sigs query. */
static bool
sig_start(sqlite3_stmt *st, struct store_sig *g)
{
	g->hash = col_text(st, 0);
	g->cls = col_text(st, 8);
	g->title = col_text(st, 9);
	g->state = col_text(st, 10);
	g->note = col_text(st, 11);
	g->first_ms = INT64_MAX;
	g->last_ms = -1;
	return g->hash != NULL && g->cls != NULL && g->title != NULL &&
	    g->state != NULL && g->note != NULL;
}

/* Add one (signature, board, step) group to g. */
static bool
sig_add(sqlite3_stmt *st, struct store_sig *g)
{
	const char *plan = col_opt(st, 2), *step = col_opt(st, 3);
	char buf[2 * MARKER_NAME_MAX + 2];
	int64_t first = sqlite3_column_int64(st, 6);
	int64_t last = sqlite3_column_int64(st, 7);

	g->count += sqlite3_column_int64(st, 5);
	if (first < g->first_ms)
		g->first_ms = first;
	if (last > g->last_ms)
		g->last_ms = last;
	if (!strv_add(&g->boards, &g->nboards, col_opt(st, 1)))
		return false;
	if (plan == NULL || step == NULL)
		return true;
	snprintf(buf, sizeof(buf), "%s/%s", plan, step);
	if (g->nsteps > 0 && strcmp(g->steps[g->nsteps - 1], buf) == 0)
		return true;
	return strv_add(&g->steps, &g->nsteps, buf);
}

/* Order of `kcatch sigs`: first seen, then hash. */
static int
sig_cmp(const void *a, const void *b)
{
	const struct store_sig *x = a, *y = b;

	if (x->first_ms != y->first_ms)
		return x->first_ms < y->first_ms ? -1 : 1;
	return strcmp(x->hash, y->hash);
}

/* Read the grouped rows of st into *out. */
static int
sig_rows(struct store *s, sqlite3_stmt *st, struct store_sig **out,
    size_t *n, char **cause)
{
	struct store_sig *arr = NULL, *g = NULL;
	size_t cnt = 0, cap = 0, i;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (g == NULL || strcmp(g->hash, col_opt(st, 0)) != 0) {
			g = grow((void **)&arr, &cnt, &cap, sizeof(*arr));
			if (g == NULL || !sig_start(st, g))
				break;
		}
		if (!sig_add(st, g))
			break;
	}
	if (rc != SQLITE_DONE) {
		store_sig_list_free(arr, cnt);
		if (rc == SQLITE_ROW)
			set_cause(cause, "signatures: out of memory");
		else
			db_fail(s, cause, "signatures");
		return -1;
	}
	for (i = 0; i < cnt; i++)
		strv_uniq(arr[i].boards, &arr[i].nboards);
	if (cnt > 0)
		qsort(arr, cnt, sizeof(*arr), sig_cmp);
	*out = arr;
	*n = cnt;
	return 0;
}

int
store_sig_list(struct store *s, const struct store_filter *f,
    struct store_sig **out, size_t *n, char **cause)
{
	struct qbuild q = {0};
	struct resolved rf;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = filter_resolve(s, f, &rf, cause)) != 0 || rf.empty)
		return rc;
	/* Group the reports first, then join names to the groups. */
	qb_sql(&q, "SELECT x.signature, b.name, p.name, st.name, st.seq, x.n,"
	    " x.first, x.last, g.class, g.title, g.state, coalesce(g.note, '')"
	    " FROM (SELECT r.signature, r.board_id, r.step_id, count(*) AS n,"
	    " min(r.first_recv_ms) AS first, max(r.first_recv_ms) AS last"
	    " FROM reports r");
	if (f->nstates > 0)
		qb_sql(&q, " JOIN signatures g ON g.hash = r.signature");
	qb_where(&q, f, &rf);
	qb_sql(&q, " GROUP BY r.signature, r.board_id, r.step_id) x"
	    " JOIN signatures g ON g.hash = x.signature JOIN boards b"
	    " ON b.id = x.board_id LEFT JOIN steps st ON st.id = x.step_id"
	    " LEFT JOIN plans p ON p.id = st.plan_id"
	    " ORDER BY x.signature, p.name, st.seq, st.id, b.name");
	st = qb_prepare(s, &q, cause);
	free(q.sql);
	if (st == NULL)
		return -1;
	rc = sig_rows(s, st, out, n, cause);
	sqlite3_finalize(st);
	return rc;
}

void
store_sig_list_free(struct store_sig *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].hash);
		free(v[i].cls);
		free(v[i].title);
		free(v[i].state);
		free(v[i].note);
		strv_free(v[i].boards, v[i].nboards);
		strv_free(v[i].steps, v[i].nsteps);
	}
	free(v);
}

int
store_sig_hashes(struct store *s, const char *state, char ***hashes,
    size_t *n, char **cause)
{
	sqlite3_stmt *st;
	char **v = NULL;
	size_t cnt = 0;
	int rc;

	if ((st = stmt(s, ST_SIG_HASHES, cause)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (!strv_add(&v, &cnt, col_opt(st, 0)))
			break;
	done(st);
	if (rc != SQLITE_DONE) {
		strv_free(v, cnt);
		if (rc == SQLITE_ROW)
			set_cause(cause, "signatures: out of memory");
		else
			db_fail(s, cause, "signatures");
		return -1;
	}
	*hashes = v;
	*n = cnt;
	return 0;
}

void
store_sig_hashes_free(char **hashes, size_t n)
{
	strv_free(hashes, n);
}

int
store_plan_find(struct store *s, const char *name, int64_t *plan_id,
    char **cause)
{
	sqlite3_stmt *st;

	if ((st = stmt(s, ST_PLAN_GET, cause)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	return one_i64(s, st, plan_id, "plan", cause);
}

/* ---- bisect ----------------------------------------------------------- */

/* Add count reports of class cls to b's per-class counts. */
static bool
bisect_class(struct store_bisect_step *b, const char *cls, int64_t count)
{
	struct store_class_count *c;
	size_t i;

	for (i = 0; i < b->nclasses; i++)
		if (strcmp(b->classes[i].cls, cls) == 0) {
			b->classes[i].count += count;
			return true;
		}
	c = reallocarray(b->classes, b->nclasses + 1, sizeof(*c));
	if (c == NULL)
		return false;
	b->classes = c;
	if ((c[b->nclasses].cls = strdup(cls)) == NULL)
		return false;
	c[b->nclasses++].count = count;
	return true;
}

/* Order classes by name. */
static int
class_cmp(const void *a, const void *b)
{
	return strcmp(((const struct store_class_count *)a)->cls,
	    ((const struct store_class_count *)b)->cls);
}

/*
 * The signatures of one step, one row per (board, signature): reports
 * per class, and which are new (in no earlier step: not in seen, and not
 * triaged known). Adds this step's signatures to next.
 */
static int
bisect_sigs(struct store *s, int64_t step_id, int64_t board_id,
    struct store_bisect_step *b, const struct triage *t,
    const struct sigset *seen, struct sigset *next, char **cause)
{
	sqlite3_stmt *st;
	const char *sig;
	int64_t count;
	bool ok = true, fresh;
	int rc;

	if ((st = stmt(s, ST_BISECT_SIGS, cause)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, step_id);
	sqlite3_bind_int64(st, 2, board_id);
	while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		sig = col_opt(st, 0);
		count = sqlite3_column_int64(st, 2);
		if (sigset_has(&t->ignored, sig))
			continue;
		b->reports += count;
		if (!sigset_has(&t->known, sig) && !sigset_has(seen, sig)) {
			fresh = !sigset_has(next, sig);
			b->new_signatures += fresh;
			b->new_reports += count;
		}
		ok = bisect_class(b, col_opt(st, 1), count) &&
		    sigset_add(next, sig);
	}
	done(st);
	if (!ok) {
		set_cause(cause, "bisect: out of memory");
		return -1;
	}
	if (rc != SQLITE_DONE)
		return db_fail(s, cause, "bisect");
	if (b->nclasses > 1)
		qsort(b->classes, b->nclasses, sizeof(*b->classes), class_cmp);
	return 0;
}

/* One count(*) statement bound with (step, board). */
static int
bisect_count(struct store *s, enum stmt_id id, int64_t step_id,
    int64_t board_id, int64_t *out, char **cause)
{
	sqlite3_stmt *st;

	if ((st = stmt(s, id, cause)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, step_id);
	sqlite3_bind_int64(st, 2, board_id);
	return one_i64(s, st, out, "bisect", cause) < 0 ? -1 : 0;
}

/* Read the steps of plan_id in order into *out (names only). */
static int
bisect_steps(struct store *s, int64_t plan_id, struct store_bisect_step **out,
    size_t *n, int64_t **ids, char **cause)
{
	struct store_bisect_step *arr = NULL, *b;
	size_t cnt = 0, cap = 0, icap = 0, ni = 0;
	sqlite3_stmt *st;
	int64_t *id;
	int rc;

	if ((st = stmt(s, ST_BISECT_STEPS, cause)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, plan_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		b = grow((void **)&arr, &cnt, &cap, sizeof(*arr));
		id = b != NULL ? grow((void **)ids, &ni, &icap,
		    sizeof(**ids)) : NULL;
		if (id == NULL)
			break;
		*id = sqlite3_column_int64(st, 0);
		b->plan = col_text(st, 1);
		b->step = col_text(st, 2);
		b->patch = col_text(st, 3);
		b->seq = sqlite3_column_int64(st, 4);
		if (b->plan == NULL || b->step == NULL || b->patch == NULL)
			break;
	}
	done(st);
	*out = arr;
	*n = cnt;
	if (rc == SQLITE_ROW) {
		set_cause(cause, "bisect: out of memory");
		return -1;
	}
	return rc == SQLITE_DONE ? 0 : db_fail(s, cause, "bisect");
}

int
store_bisect(struct store *s, int64_t plan_id, int64_t board_id,
    struct store_bisect_step **out, size_t *n, char **cause)
{
	struct sigset seen = {0}, next = {0};
	struct triage t = {{0}, {0}};
	int64_t *ids = NULL;
	size_t i;
	int ret = -1;

	if (triage_load(s, &t, cause) != 0 ||
	    bisect_steps(s, plan_id, out, n, &ids, cause) != 0)
		goto out;
	for (i = 0; i < *n; i++) {
		struct store_bisect_step *b = &(*out)[i];

		if (bisect_sigs(s, ids[i], board_id, b, &t, &seen, &next,
		    cause) != 0 ||
		    bisect_count(s, ST_BISECT_BOOTS, ids[i], board_id,
		    &b->boots, cause) != 0 ||
		    bisect_count(s, ST_BISECT_WEDGES, ids[i], board_id,
		    &b->wedges, cause) != 0)
			goto out;
		/* A signature counts as seen from the step after it. */
		if (!sigset_merge(&seen, &next)) {
			set_cause(cause, "bisect: out of memory");
			goto out;
		}
	}
	ret = 0;
out:
	sigset_free(&seen);
	sigset_free(&next);
	sigset_free(&t.known);
	sigset_free(&t.ignored);
	free(ids);
	if (ret != 0) {
		store_bisect_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return ret;
}

void
store_bisect_free(struct store_bisect_step *v, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		free(v[i].plan);
		free(v[i].step);
		free(v[i].patch);
		for (j = 0; j < v[i].nclasses; j++)
			free(v[i].classes[j].cls);
		free(v[i].classes);
	}
	free(v);
}

/* ---- lists and single records ----------------------------------------- */

/* Fill one store_step from a ST_STEP_LIST row. */
static bool
step_row(sqlite3_stmt *st, struct store_step *p)
{
	p->id = sqlite3_column_int64(st, 0);
	p->plan = col_text(st, 1);
	p->name = col_text(st, 2);
	p->seq = sqlite3_column_int64(st, 3);
	p->patch = col_text(st, 4);
	p->kernel = col_text(st, 5);
	p->commit = col_text(st, 6);
	p->description = col_text(st, 7);
	p->created_ms = sqlite3_column_int64(st, 8);
	p->boots = sqlite3_column_int64(st, 9);
	p->reports = sqlite3_column_int64(st, 10);
	return p->plan != NULL && p->name != NULL && p->patch != NULL &&
	    p->kernel != NULL && p->commit != NULL && p->description != NULL;
}

int
store_step_list(struct store *s, const char *plan, struct store_step **out,
    size_t *n, char **cause)
{
	struct store_step *arr = NULL, *p;
	size_t cnt = 0, cap = 0;
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(s, ST_STEP_LIST, cause)) == NULL)
		return -1;
	bind_text_or_null(st, 1, plan);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		p = grow((void **)&arr, &cnt, &cap, sizeof(*arr));
		if (p == NULL || !step_row(st, p))
			break;
	}
	done(st);
	if (rc != SQLITE_DONE) {
		store_step_list_free(arr, cnt);
		if (rc == SQLITE_ROW)
			set_cause(cause, "steps: out of memory");
		else
			db_fail(s, cause, "steps");
		return -1;
	}
	*out = arr;
	*n = cnt;
	return 0;
}

void
store_step_list_free(struct store_step *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].plan);
		free(v[i].name);
		free(v[i].patch);
		free(v[i].kernel);
		free(v[i].commit);
		free(v[i].description);
	}
	free(v);
}

/* Fill one store_board from a ST_BOARD_LIST row. */
static bool
board_list_row(sqlite3_stmt *st, struct store_board *b)
{
	b->id = sqlite3_column_int64(st, 0);
	b->name = col_text(st, 1);
	b->address = col_text(st, 2);
	b->created_ms = sqlite3_column_int64(st, 3);
	b->last_seen_ms = sqlite3_column_int64(st, 4);
	b->boots = sqlite3_column_int64(st, 5);
	b->reports = sqlite3_column_int64(st, 6);
	b->boot_id = sqlite3_column_int64(st, 7);
	b->boot_end_ms = sqlite3_column_int64(st, 8);
	b->step_id = sqlite3_column_int64(st, 9);
	b->plan = col_text(st, 10);
	b->step = col_text(st, 11);
	b->patch = col_text(st, 12);
	b->step_source = col_text(st, 13);
	return b->name != NULL && b->address != NULL && b->plan != NULL &&
	    b->step != NULL && b->patch != NULL && b->step_source != NULL;
}

int
store_board_list(struct store *s, struct store_board **out, size_t *n,
    char **cause)
{
	struct store_board *arr = NULL, *b;
	size_t cnt = 0, cap = 0;
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(s, ST_BOARD_LIST, cause)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		b = grow((void **)&arr, &cnt, &cap, sizeof(*arr));
		if (b == NULL || !board_list_row(st, b))
			break;
	}
	done(st);
	if (rc != SQLITE_DONE) {
		store_board_list_free(arr, cnt);
		if (rc == SQLITE_ROW)
			set_cause(cause, "boards: out of memory");
		else
			db_fail(s, cause, "boards");
		return -1;
	}
	*out = arr;
	*n = cnt;
	return 0;
}

void
store_board_list_free(struct store_board *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].address);
		free(v[i].plan);
		free(v[i].step);
		free(v[i].patch);
		free(v[i].step_source);
	}
	free(v);
}

/* The current row of st as an object keyed by column name; NULL on OOM.
   Text is made valid UTF-8 (report_json_str()) unless flags has
   STORE_JSON_RAW. */
static json_t *
row_json(sqlite3_stmt *st, int flags)
{
	json_t *o = json_object(), *v;
	int i, n = sqlite3_column_count(st);

	for (i = 0; o != NULL && i < n; i++) {
		switch (sqlite3_column_type(st, i)) {
		case SQLITE_INTEGER:
			v = json_integer(sqlite3_column_int64(st, i));
			break;
		case SQLITE_FLOAT:
			v = json_real(sqlite3_column_double(st, i));
			break;
		case SQLITE_NULL:
			v = json_null();
			break;
		default:
			v = !(flags & STORE_JSON_RAW) ?
			    report_json_str(col_opt(st, i)) :
			    json_stringn_nocheck(col_opt(st, i),
			    (size_t)sqlite3_column_bytes(st, i));
			break;
		}
		if (json_object_set_new(o, sqlite3_column_name(st, i),
		    v) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* Run statement id bound with num (text NULL) or text and turn its one
   row into *out. 1 found, 0 not, -1 error. */
static int
one_row_json(struct store *s, enum stmt_id id, int64_t num, const char *text,
    int flags, json_t **out, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	if ((st = stmt(s, id, cause)) == NULL)
		return -1;
	if (text != NULL)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(st, 1, num);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (*out = row_json(st, flags)) == NULL) {
		done(st);
		set_cause(cause, "out of memory");
		return -1;
	}
	done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(s, cause, "read");
	return rc == SQLITE_ROW;
}

/* Set key of o to the row of id keyed by the integer field `field` of o
   (null when that field is null or no row matches). */
static int
attach_row(struct store *s, json_t *o, const char *key, enum stmt_id id,
    const char *field, int flags, char **cause)
{
	json_t *f = json_object_get(o, field), *row = NULL;

	if (json_is_integer(f) && one_row_json(s, id,
	    json_integer_value(f), NULL, flags, &row, cause) < 0)
		return -1;
	json_object_set_new(o, key, row != NULL ? row : json_null());
	return 0;
}

/* Replace the "frames" JSON text of o by the array it holds. */
static void
frames_parse(json_t *o)
{
	json_t *f = json_object_get(o, "frames"), *arr;

	if (!json_is_string(f))
		return;
	arr = json_loads(json_string_value(f), 0, NULL);
	if (arr != NULL)
		json_object_set_new(o, "frames", arr);
}

int
store_report_json(struct store *s, int64_t id, int flags,
    struct json_t **out, char **cause)
{
	json_t *o, *sig = NULL;
	int rc;

	rc = one_row_json(s, ST_REPORT_GET, id, NULL, flags, out, cause);
	if (rc != 1)
		return rc;
	o = *out;
	frames_parse(o);
	if (attach_row(s, o, "boot", ST_BOOT_JSON, "boot_id", flags,
	    cause) != 0 || attach_row(s, o, "step", ST_STEP_JSON, "step_id",
	    flags, cause) != 0 || one_row_json(s, ST_SIG_JSON, 0,
	    json_string_value(json_object_get(o, "signature")), flags, &sig,
	    cause) < 0) {
		json_decref(o);
		*out = NULL;
		return -1;
	}
	json_object_set_new(o, "sig", sig != NULL ? sig : json_null());
	return 1;
}

int
store_sig_history_json(struct store *s, const char *hash, int flags,
    struct json_t **out, char **cause)
{
	sqlite3_stmt *st;
	json_t *arr, *row;
	int rc;

	if ((st = stmt(s, ST_SIG_HISTORY, cause)) == NULL)
		return -1;
	if ((arr = json_array()) == NULL) {
		set_cause(cause, "out of memory");
		return -1;
	}
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((row = row_json(st, flags)) == NULL ||
		    json_array_append_new(arr, row) != 0)
			break;
	done(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		if (rc == SQLITE_ROW)
			set_cause(cause, "out of memory");
		else
			db_fail(s, cause, "signature history");
		return -1;
	}
	*out = arr;
	return 0;
}
