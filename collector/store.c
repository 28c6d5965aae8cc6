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
	[ST_BOOT_LIST] =
	    "SELECT t.id, t.board_id, b.name, t.start_ms,"
	    " coalesce(t.end_ms, -1), coalesce(t.release, ''),"
	    " coalesce(t.archive_path, ''), t.lines, t.reports,"
	    " (SELECT coalesce(max(last_line), 0) FROM reports r"
	    "  WHERE r.boot_id = t.id AND r.source = 'netconsole')"
	    " FROM boots t JOIN boards b ON b.id = t.board_id"
	    " WHERE ?1 IS NULL OR b.name = ?1 ORDER BY t.id",
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
	/* Working set of store_boot_reports_replace(); per connection. */
	return exec(s, "CREATE TEMP TABLE IF NOT EXISTS touched_sigs"
	    "(hash TEXT PRIMARY KEY)", cause);
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
	if (s->readonly ? migrate(s, cause) : setup_rw(s, cause))
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
	if (batch_begin(s, cause) != 0)
		return -1;
	if (tx(s, ST_SAVEPOINT) != SQLITE_DONE)
		return db_fail(s, cause, "savepoint");
	if (report_insert(s, board_id, boot_id, source, r, report_id,
	    cause) != 0 ||
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
	    cause) != 0)
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
