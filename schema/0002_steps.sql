-- 0002_steps.sql: patch steps (plans, steps, what declared them), the step
-- of every boot and report, boot end states for wedge detection, and
-- triage state on signatures. See docs/steps.md for the attribution rules
-- and docs/schema.md for the columns.
--
-- Attribution is materialised: boots.step_id and reports.step_id are set
-- by store.c from the declarations below (marker > cli > release) when a
-- row is written or a declaration changes, so queries never re-derive it.
-- step_sigs and boot_steps are aggregates kept by the triggers at the end
-- of this file; `kcatch bisect` reads them instead of a million reports.

-- A plan: an ordered series of patch steps ("iter6-v3").
CREATE TABLE plans (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	created_ms INTEGER NOT NULL
);

-- A step of a plan ("2.1" = patch 0004 applied).
CREATE TABLE steps (
	id          INTEGER PRIMARY KEY,
	plan_id     INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
	name        TEXT NOT NULL,
	seq         INTEGER NOT NULL,          -- order in the plan, ascending
	patch       TEXT,                      -- "0004-vb2-helper"
	kernel      TEXT,                      -- uname -r, or its end
	                                       -- ("-lockdep-kasan")
	commit_id   TEXT,
	description TEXT,
	created_ms  INTEGER NOT NULL,
	UNIQUE (plan_id, name)
);
CREATE INDEX steps_plan_seq ON steps(plan_id, seq);
CREATE INDEX steps_kernel ON steps(kernel) WHERE kernel IS NOT NULL;

-- In-stream declarations: a "kcatch: plan=P step=S" line or netconsole
-- userdata step=. Valid inside their boot only.
CREATE TABLE step_marks (
	id       INTEGER PRIMARY KEY,
	board_id INTEGER NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
	boot_id  INTEGER NOT NULL REFERENCES boots(id) ON DELETE CASCADE,
	step_id  INTEGER REFERENCES steps(id) ON DELETE CASCADE, -- NULL:
	                                       -- "kcatch: end"
	at_ms    INTEGER NOT NULL,             -- receive time of the line
	source   TEXT NOT NULL,                -- 'marker', 'userdata'
	patch    TEXT,                         -- as declared
	line     INTEGER                       -- archive line, NULL unknown
);
CREATE INDEX step_marks_boot ON step_marks(boot_id, at_ms);

-- Workstation declarations (`kcatch step start/end/reassign`): time
-- ranges per board that never overlap (store.c trims older ranges).
CREATE TABLE step_runs (
	id         INTEGER PRIMARY KEY,
	board_id   INTEGER NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
	step_id    INTEGER NOT NULL REFERENCES steps(id) ON DELETE CASCADE,
	start_ms   INTEGER NOT NULL,
	end_ms     INTEGER,                    -- NULL while running
	created_ms INTEGER NOT NULL,
	origin     TEXT NOT NULL               -- 'start', 'reassign'
);
CREATE INDEX step_runs_board ON step_runs(board_id, start_ms);

-- The step of a boot and where it came from ('marker', 'cli',
-- 'release'); release_step_id caches the step whose kernel matches the
-- boot's release. end_state: how the boot ended when known: 'clean'
-- (shutdown marker), 'wedged' (stream or heartbeats stopped, set by the
-- collector or the agent), 'silent-reset' (set, or derived by readers:
-- docs/steps.md).
ALTER TABLE boots ADD COLUMN step_id INTEGER
	REFERENCES steps(id) ON DELETE SET NULL;
ALTER TABLE boots ADD COLUMN step_source TEXT;
ALTER TABLE boots ADD COLUMN release_step_id INTEGER
	REFERENCES steps(id) ON DELETE SET NULL;
ALTER TABLE boots ADD COLUMN end_state TEXT;
ALTER TABLE boots ADD COLUMN end_state_ms INTEGER;
CREATE INDEX boots_step ON boots(step_id);

-- The step of a report, attributed at its first line's receive time.
ALTER TABLE reports ADD COLUMN step_id INTEGER
	REFERENCES steps(id) ON DELETE SET NULL;
ALTER TABLE reports ADD COLUMN step_source TEXT;
CREATE INDEX reports_step_class ON reports(step_id, class, first_recv_ms);
-- Cover `kcatch sigs` (grouping by signature, board and step, with
-- first/last times) without reading report rows, which hold the text:
-- unfiltered, and by step (also "new at a step").
CREATE INDEX reports_sig_group
	ON reports(signature, board_id, step_id, first_recv_ms);
CREATE INDEX reports_step_sig
	ON reports(step_id, signature, board_id, first_recv_ms);

-- Triage: 'new' (default), 'known' (counted, never "new"), 'ignored'
-- (counted nowhere by bisect, hidden from tail).
ALTER TABLE signatures ADD COLUMN state TEXT NOT NULL DEFAULT 'new'
	CHECK (state IN ('new', 'known', 'ignored'));
ALTER TABLE signatures ADD COLUMN note TEXT;
ALTER TABLE signatures ADD COLUMN state_ms INTEGER;
CREATE INDEX signatures_triaged ON signatures(state, hash)
	WHERE state != 'new';

-- Reports per (step, board, signature), for bisect and sigs.
CREATE TABLE step_sigs (
	step_id   INTEGER NOT NULL REFERENCES steps(id) ON DELETE CASCADE,
	board_id  INTEGER NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
	signature TEXT NOT NULL,
	class     TEXT NOT NULL,
	count     INTEGER NOT NULL,
	PRIMARY KEY (step_id, board_id, signature)
) WITHOUT ROWID;
CREATE INDEX step_sigs_sig ON step_sigs(signature);

-- Reports per (boot, step): the boots that ran a step.
CREATE TABLE boot_steps (
	boot_id INTEGER NOT NULL REFERENCES boots(id) ON DELETE CASCADE,
	step_id INTEGER NOT NULL REFERENCES steps(id) ON DELETE CASCADE,
	count   INTEGER NOT NULL,
	PRIMARY KEY (step_id, boot_id)
) WITHOUT ROWID;

CREATE TRIGGER reports_step_insert AFTER INSERT ON reports
WHEN new.step_id IS NOT NULL
BEGIN
	INSERT INTO step_sigs(step_id, board_id, signature, class, count)
	VALUES (new.step_id, new.board_id, new.signature, new.class, 1)
	ON CONFLICT DO UPDATE SET count = count + 1;
	INSERT INTO boot_steps(boot_id, step_id, count)
	SELECT new.boot_id, new.step_id, 1 WHERE new.boot_id IS NOT NULL
	ON CONFLICT DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER reports_step_delete AFTER DELETE ON reports
WHEN old.step_id IS NOT NULL
BEGIN
	UPDATE step_sigs SET count = count - 1 WHERE step_id = old.step_id
	    AND board_id = old.board_id AND signature = old.signature;
	DELETE FROM step_sigs WHERE step_id = old.step_id
	    AND board_id = old.board_id AND signature = old.signature
	    AND count <= 0;
	UPDATE boot_steps SET count = count - 1
	    WHERE step_id = old.step_id AND boot_id = old.boot_id;
	DELETE FROM boot_steps WHERE step_id = old.step_id
	    AND boot_id = old.boot_id AND count <= 0;
END;

CREATE TRIGGER reports_step_update AFTER UPDATE OF step_id ON reports
WHEN old.step_id IS NOT new.step_id
BEGIN
	UPDATE step_sigs SET count = count - 1 WHERE step_id = old.step_id
	    AND board_id = old.board_id AND signature = old.signature;
	DELETE FROM step_sigs WHERE step_id = old.step_id
	    AND board_id = old.board_id AND signature = old.signature
	    AND count <= 0;
	UPDATE boot_steps SET count = count - 1
	    WHERE step_id = old.step_id AND boot_id = old.boot_id;
	DELETE FROM boot_steps WHERE step_id = old.step_id
	    AND boot_id = old.boot_id AND count <= 0;
	INSERT INTO step_sigs(step_id, board_id, signature, class, count)
	SELECT new.step_id, new.board_id, new.signature, new.class, 1
	WHERE new.step_id IS NOT NULL
	ON CONFLICT DO UPDATE SET count = count + 1;
	INSERT INTO boot_steps(boot_id, step_id, count)
	SELECT new.boot_id, new.step_id, 1
	WHERE new.step_id IS NOT NULL AND new.boot_id IS NOT NULL
	ON CONFLICT DO UPDATE SET count = count + 1;
END;
