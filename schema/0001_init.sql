-- 0001_init.sql: the first kcatch schema: boards, boots, signatures,
-- reports and collector-wide counters. Append-only: later changes are new
-- numbered files. store.c runs each file once, in one transaction, and
-- sets PRAGMA user_version to its number. See docs/schema.md.
--
-- Conventions: *_ms = wall-clock milliseconds since the Unix epoch (UTC),
-- *_us = printk microseconds since boot, NULL = unknown / none.

-- A board: one kernel under test, named in the config or by address.
CREATE TABLE boards (
	id           INTEGER PRIMARY KEY,
	name         TEXT NOT NULL UNIQUE,
	address      TEXT NOT NULL DEFAULT '',   -- last source "ip:port"
	created_ms   INTEGER NOT NULL,
	last_seen_ms INTEGER,                    -- last line received
	lines        INTEGER NOT NULL DEFAULT 0, -- counters over all boots
	bytes        INTEGER NOT NULL DEFAULT 0,
	reports      INTEGER NOT NULL DEFAULT 0,
	gaps         INTEGER NOT NULL DEFAULT 0,
	duplicates   INTEGER NOT NULL DEFAULT 0,
	drops        INTEGER NOT NULL DEFAULT 0
);

-- A boot: the stream of one kernel run of a board, archived in one file.
CREATE TABLE boots (
	id           INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: names
	                                                -- the archive file
	board_id     INTEGER NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
	start_ms     INTEGER NOT NULL,
	end_ms       INTEGER,                    -- NULL while open
	end_reason   TEXT,
	release      TEXT,                       -- "6.1.0-26-amd64"
	version_line TEXT,                       -- full "Linux version ..." line
	archive_path TEXT,                       -- relative to the data dir
	lines        INTEGER NOT NULL DEFAULT 0,
	bytes        INTEGER NOT NULL DEFAULT 0,
	reports      INTEGER NOT NULL DEFAULT 0,
	gaps         INTEGER NOT NULL DEFAULT 0,
	duplicates   INTEGER NOT NULL DEFAULT 0,
	drops        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX boots_board_start ON boots(board_id, start_ms);
CREATE INDEX boots_start ON boots(start_ms);

-- A signature: the dedup key of reports (kr_report.signature). Rows stay
-- when their count falls to 0 so that state attached to them survives a
-- reparse.
CREATE TABLE signatures (
	hash          TEXT PRIMARY KEY,          -- 16 lower-case hex digits
	class         TEXT NOT NULL,
	title         TEXT NOT NULL,
	first_seen_ms INTEGER,                   -- min reports.first_recv_ms
	last_seen_ms  INTEGER,                   -- max reports.first_recv_ms
	count         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX signatures_last_seen ON signatures(last_seen_ms);
CREATE INDEX signatures_class ON signatures(class, last_seen_ms);

-- A report: one classified crash report (struct kr_report).
CREATE TABLE reports (
	id             INTEGER PRIMARY KEY,
	board_id       INTEGER NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
	boot_id        INTEGER REFERENCES boots(id) ON DELETE CASCADE,
	source         TEXT NOT NULL,            -- 'netconsole', 'pstore', ...
	class          TEXT NOT NULL,            -- kr_class_name()
	subtype        TEXT,
	title          TEXT NOT NULL,
	frame          TEXT,
	frame2         TEXT,
	signature      TEXT NOT NULL REFERENCES signatures(hash),
	corrupted      INTEGER NOT NULL DEFAULT 0,
	corrupt_reason TEXT,
	first_line     INTEGER,                  -- archive line numbers
	last_line      INTEGER,                  -- (1-based, per boot)
	nlines         INTEGER NOT NULL DEFAULT 0,
	first_recv_ms  INTEGER,
	last_recv_ms   INTEGER,
	first_ktime_us INTEGER,
	last_ktime_us  INTEGER,
	task           TEXT,
	pid            INTEGER,
	cpu            INTEGER,
	caller         TEXT,
	taint          TEXT,
	release        TEXT,
	hardware       TEXT,
	access         TEXT,                     -- 'read' / 'write'
	access_size    INTEGER,
	access_addr    TEXT,
	panic          TEXT,
	frames         TEXT NOT NULL DEFAULT '[]', -- JSON [{func,module,unreliable}]
	text           TEXT NOT NULL,
	created_ms     INTEGER NOT NULL          -- when the row was written
);
CREATE INDEX reports_board_time ON reports(board_id, first_recv_ms);
CREATE INDEX reports_boot_line ON reports(boot_id, first_line);
CREATE INDEX reports_class_time ON reports(class, first_recv_ms);
CREATE INDEX reports_signature_time ON reports(signature, first_recv_ms);
CREATE INDEX reports_time ON reports(first_recv_ms);

-- Collector-wide counters (packets, malformed, socket_drops, ...): running
-- totals and current values, written by the collector, read by status.
CREATE TABLE collector_stats (
	name       TEXT PRIMARY KEY,
	value      INTEGER NOT NULL,
	updated_ms INTEGER NOT NULL
) WITHOUT ROWID;
