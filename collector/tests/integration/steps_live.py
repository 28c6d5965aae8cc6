# SPDX-License-Identifier: MIT
"""Live step attribution in a real `kcatch collect` (no `step reassign`).

Board A (127.0.0.2) writes "kcatch: plan=... step=... patch=..." lines into
its log, as `echo ... > /dev/kmsg` does (prio 12: user facility); board B
(127.0.0.3) carries the same declaration in netconsole userdata on every
record. Both boards were declared at step 1 by `kcatch step start` first,
so the in-stream declarations must win over the workstation's. Then:

- a malformed marker counts in `bad_markers` and declares nothing;
- userdata that repeats on every record is recorded once per change;
- after a collector restart (same boot, resumed archive) a marker line is
  recorded with its absolute archive line number;
- A ends its boot with "kcatch: shutdown" (clean), B reboots without a
  word: bisect counts B's boot as a wedge and not A's.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kcatch_itest import Harness, archive_lines, db_query, wait_for  # noqa
from steps import PLAN, Board, capture, esc, run_json  # noqa


class UdBoard(Board):
    """A board whose netconsole target has userdata set."""

    def __init__(self, daemon, src):
        super().__init__(daemon, src)
        self.ud = {}

    def line(self, text, prio=4):
        ud = b"".join(b" %s=%s\n" % (k.encode(), v.encode())
                      for k, v in sorted(self.ud.items()))
        self.snd.send([b"%d,%d,%d,-;%s\n%s" % (prio, self.seq, self.ts,
                                               esc(text), ud)],
                      pace_every=0)
        self.seq += 1
        self.ts += 1000


def nreports(dd, board):
    r = db_query(dd, "select count(*) n from reports r join boards b on "
                 "b.id = r.board_id where b.name = ?", (board.name,))
    return r[0]["n"] if r else 0


def attribution(h, dd, board):
    """[(class, plan, step, patch, step_source)] of a board's reports."""
    rc, rows, _ = run_json(h, ["query", "--json", "--board", board.name,
                               "--data-dir", dd])
    return [(r["class"], r["plan"], r["step"], r["patch"],
             r["step_source"]) for r in rows]


def marks(dd, board):
    """[(source, step, patch, line)] of a board's step_marks, in order."""
    return [(r["source"], r["step"], r["patch"], r["line"]) for r in
            db_query(dd, "select m.source, s.name step, m.patch, m.line "
                     "from step_marks m join boards b on b.id = m.board_id "
                     "left join steps s on s.id = m.step_id where b.name = ? "
                     "order by m.id", (board.name,))]


def archive_lineno(dd, board, text):
    """Archive line numbers of the lines equal to text."""
    return [l["lineno"] for lines in archive_lines(dd, board.name).values()
            for l in lines if l["text"] == text]


def bad_markers(h, dd):
    st = h.status(dd)
    return st.get("bad_markers") if st else None


def main():
    h = Harness(sys.argv)
    dd = h.data_dir()
    d = h.start(dd)
    noise = capture(h.repo, "netconsole/61-warn.ext.pkts")
    a = Board(d, "127.0.0.2")
    b = UdBoard(d, "127.0.0.3")

    def kc(*args):
        rc, out, err = h.run(list(args) + ["--data-dir", dd])
        if rc != 0:
            raise RuntimeError("kcatch %s: rc %d %s%s" % (args, rc, out,
                                                           err))
        return out

    for bd in (a, b):
        kc("step", "start", bd.name, "--plan", PLAN, "--step", "1",
           "--create")

    # Before the restart: A by marker lines, B by userdata.
    a.boot("6.1.0-dev", "A 1")
    a.marker("plan=%s step=2.1 patch=0004" % PLAN)
    a.marker("plan=p")                      # malformed: no step=
    a.lines(noise)
    b.boot("6.1.0-dev", "B 1")
    b.ud = {"plan": PLAN, "step": "2.1", "patch": "0004"}
    b.lines(noise)
    # Attribution compares receive times in ms and userdata has no line
    # number: a change in the same ms as a report's first line would win.
    time.sleep(0.05)
    b.ud = {"plan": PLAN, "step": "2.2"}
    b.lines(noise)
    h.check("first reports stored", wait_for(
        lambda: nreports(dd, a) >= 1 and nreports(dd, b) >= 2, timeout=15))
    h.check("the malformed marker is counted in status --json",
            wait_for(lambda: bad_markers(h, dd) == 1, timeout=10),
            repr(bad_markers(h, dd)))

    # Restart: A's boot is resumed, its archive goes on.
    h.check("collector stops cleanly", d.stop() == 0)
    d.start()
    h.procs.append(d)
    a.marker("step=2.2")                    # plan: the board's latest
    a.lines(noise)
    a.marker("shutdown")
    h.check("report after the restart stored",
            wait_for(lambda: nreports(dd, a) >= 2, timeout=15))
    a.boot("6.1.0-dev", "A 2")             # after a clean shutdown
    b.ud = {}
    b.boot("6.1.0-dev", "B 2")             # B reset without a word
    h.check("both second boots begun", wait_for(lambda: len(db_query(
        dd, "select id from boots")) == 4, timeout=10))
    h.check("collector stops cleanly again", d.stop() == 0)

    got = attribution(h, dd, a)
    h.check("A: marker lines beat the CLI step, patch from the marker",
            got == [("warn", PLAN, "2.1", "0004", "marker"),
                    ("warn", PLAN, "2.2", None, "marker")], repr(got))
    got = attribution(h, dd, b)
    h.check("B: userdata beats the CLI step and follows its change",
            got == [("warn", PLAN, "2.1", "0004", "marker"),
                    ("warn", PLAN, "2.2", None, "marker")], repr(got))

    lines = [archive_lineno(dd, a, b"kcatch: plan=%s step=2.1 patch=0004" %
                            PLAN.encode()),
             archive_lineno(dd, a, b"kcatch: step=2.2")]
    got = marks(dd, a)
    h.check("A: marker rows with their absolute archive lines (also "
            "after the restart)",
            all(len(x) == 1 for x in lines) and lines[1][0] > len(noise) and
            got == [("marker", "2.1", "0004", lines[0][0]),
                    ("marker", "2.2", None, lines[1][0])],
            repr((got, lines)))
    got = marks(dd, b)
    h.check("B: userdata on %d records recorded once per change" %
            (2 * len(noise)),
            [(s, st, p) for s, st, p, _ in got] ==
            [("userdata", "2.1", "0004"), ("userdata", "2.2", None)] and
            all(not x for _, _, _, x in got), repr(got))

    rows = db_query(dd, "select b.name, o.end_state from boots o join "
                    "boards b on b.id = o.board_id order by o.id")
    got = {bd.name: [r["end_state"] for r in rows if r["name"] == bd.name]
           for bd in (a, b)}
    h.check("A's first boot ended clean, nothing else flagged",
            got == {a.name: ["clean", None], b.name: [None, None]},
            repr(rows))
    rc, rows, err = run_json(h, ["bisect", PLAN, "--json", "--data-dir",
                                 dd])
    by = {r["step"]: r for r in rows}
    h.check("bisect: step 2.2 has both first boots, only B's is a wedge",
            rc == 0 and by.get("2.2", {}).get("boots") == 2 and
            by["2.2"]["wedges"] == 1 and by["2.2"]["verdict"] == "wedged",
            repr(rows) + err)
    h.check("bad_markers kept across the restart", bad_markers(h, dd) == 1,
            repr(bad_markers(h, dd)))
    out = kc("step", "reassign")
    h.check("live attribution is what reassign computes",
            out == "attributed again: 0 reports and 0 boots changed\n", out)
    h.finish()


if __name__ == "__main__":
    main()
