# SPDX-License-Identifier: MIT
"""Patch steps against a real `kcatch collect`, then the reading commands.

Two boards send extended netconsole from 127.0.0.2 and 127.0.0.3 through a
plan of four steps. rk1 is declared from the workstation (`kcatch step
start`); rk2 writes "kcatch: plan=... step=..." marker lines into its log
and, at step 4, only boots the kernel that step declared (release match).
Every boot prints the same panel WARN (marked ignored); KASAN and UBSAN
reports (real captures) appear at step 3; rk2's step-2 boot stops without
a shutdown line (a silent reset); rk1 prints a BUG with terminal escapes.
Precedence is checked both ways: a stale CLI step on rk2 loses to its
markers, and rk1's CLI step beats the release of a kernel it boots at
step 3. Then bisect, query, sigs, show, steps and boards are checked
(exact where nothing depends on the clock), and their exit codes.
"""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kcatch_itest import (Harness, Sender, board_name, db_query,  # noqa
                          expected_lines, read_pkts, sample_files, wait_for)

PLAN = "iter6-v3"
PATCHES = ["0001-a", "0002-b", "0003-c", "0004-d"]


def esc(text):
    """Escape a line the way printk's ext format does (\\xHH)."""
    out = bytearray()
    for c in text:
        if c < 0x20 or c >= 0x7f or c == 0x5c:
            out += b"\\x%02x" % c
        else:
            out.append(c)
    return bytes(out)


class Board:
    """A fake board: numbered ext records from one loopback address."""

    def __init__(self, daemon, src):
        self.snd = Sender(daemon, src, 6665)
        self.name = board_name(self.snd.src, self.snd.sport)
        self.seq = 0
        self.ts = 0

    def line(self, text, prio=4):
        self.snd.send([b"%d,%d,%d,-;%s\n" % (prio, self.seq, self.ts,
                                             esc(text))], pace_every=0)
        self.seq += 1
        self.ts += 1000

    def lines(self, texts):
        for i, t in enumerate(texts):
            self.line(t)
            if i % 32 == 31:
                time.sleep(0.002)

    def boot(self, release, tag):
        """A new kernel: seq and printk time start again."""
        self.seq, self.ts = 0, 0
        self.line(b"Linux version %s (itest %s) #1 SMP PREEMPT" %
                  (release.encode(), tag.encode()), prio=5)
        self.line(b"Command line: console=ttyS0 netconsole=+@/,6666@10.0.2.2/")

    def marker(self, words):
        self.line(b"kcatch: " + words.encode(), prio=12)  # user.warning

    def shutdown(self):
        self.line(b"reboot: Restarting system", prio=0)


def capture(repo, rel):
    """The lines of one sample capture, as the collector archives them."""
    path = [p for p in sample_files(repo) if p.endswith(rel)]
    return expected_lines(read_pkts(path[0]))


# A console line with a terminal escape (clear screen, set title), a bell
# and a bidi override, then a BUG report with escapes of its own.
EVIL = [b"evil: \x1b[2J\x1b]0;pwned\x07 title \xe2\x80\xae rtl",
        b"BUG: evil \x1b]0;pwned\x07 thing happened",
        b"CPU: 0 PID: 1 Comm: ev\x1b[2Jil Not tainted",
        b"Call Trace:", b" <TASK>", b" evil_probe+0x1/0x2", b" </TASK>"]


def run_json(h, args):
    """JSON lines of a kcatch command; (rc, [objects], stderr)."""
    rc, out, err = h.run(args)
    rows = [json.loads(x) for x in out.splitlines() if x.strip()]
    return rc, rows, err


class Scenario:
    """The collector, the two boards and the plan."""

    def __init__(self, h):
        self.h = h
        self.dd = h.data_dir()
        self.d = h.start(self.dd)
        self.rk1 = Board(self.d, "127.0.0.2")
        self.rk2 = Board(self.d, "127.0.0.3")
        repo = h.repo
        self.noise = capture(repo, "netconsole/61-warn.ext.pkts")
        self.kasan = capture(repo, "debug-kernel/dka-kasan-use-after-free"
                             ".ext.pkts")
        self.ubsan = capture(repo, "debug-kernel/dka-ubsan-array-bounds"
                             ".ext.pkts")
        self.expect = {}   # board -> reports expected so far

    def kc(self, *args):
        rc, out, err = self.h.run(list(args) + ["--data-dir", self.dd])
        if rc != 0:
            raise RuntimeError("kcatch %s: rc %d %s%s" % (args, rc, out,
                                                           err))
        return out

    def reports(self, board, n):
        """Wait until board has n reports stored (bounded)."""
        self.expect[board.name] = n

        def have():
            r = db_query(self.dd, "select count(*) n from reports r join "
                         "boards b on b.id = r.board_id where b.name = ?",
                         (board.name,))
            return r and r[0]["n"] >= n
        return wait_for(have, timeout=15)

    def define(self):
        for i, p in enumerate(PATCHES):
            args = ["step", "add", "--plan", PLAN, "--step", str(i + 1),
                    "--patch", p]
            if i == 3:
                args += ["--kernel", "-step4"]
            self.kc(*args)

    def step(self, i):
        """Step i (1-based) on both boards."""
        n = str(i)
        self.kc("step", "start", self.rk1.name, "--plan", PLAN, "--step",
                n, "--create")
        rel1 = "6.1.0-step4" if i == 3 else "6.1.0-dev"
        self.rk1.boot(rel1, "rk1 step %d" % i)
        self.rk1.lines(self.noise)
        more = 1
        if i >= 3:
            self.rk1.lines(self.kasan)
            more += 1
        if i == 4:
            self.rk1.lines(EVIL)
            more += 1
        self.h.check("rk1 step %d reports stored" % i,
                     self.reports(self.rk1, self.expect.get(
                         self.rk1.name, 0) + more))
        if i == 3:
            # A stale workstation step on rk2: its markers must win.
            self.kc("step", "start", self.rk2.name, "--plan", PLAN,
                    "--step", "2")
        if i == 4:
            self.kc("step", "end", self.rk2.name)
        self.rk2.boot("6.1.0-step4" if i == 4 else "6.1.0-dev",
                      "rk2 step %d" % i)
        if i < 4:
            self.rk2.marker("plan=%s step=%d patch=%s" % (PLAN, i,
                                                          PATCHES[i - 1]))
        self.rk2.lines(self.noise)
        more = 1
        if i == 3:
            self.rk2.lines(self.kasan)
            self.rk2.lines(self.ubsan)
            more += 2
        self.h.check("rk2 step %d reports stored" % i,
                     self.reports(self.rk2, self.expect.get(
                         self.rk2.name, 0) + more))
        if i < 4:
            self.rk1.shutdown()
        if i != 2 and i < 4:
            self.rk2.shutdown()   # step 2: a silent reset


def steps_of(s, board):
    """[(class, step, source)] of a board's reports, oldest first."""
    rc, rows, _ = run_json(s.h, ["query", "--json", "--board", board,
                                 "--data-dir", s.dd])
    return [(r["class"], r["step"], r["step_source"]) for r in rows]


def check_live(s):
    """What the collector attributed as it went (no rescan yet)."""
    h = s.h
    rk1 = steps_of(s, s.rk1.name)
    want = [("warn", "1", "cli"), ("warn", "2", "cli"), ("warn", "3", "cli"),
            ("kasan", "3", "cli"), ("warn", "4", "cli"),
            ("kasan", "4", "cli"), ("other", "4", "cli")]
    h.check("rk1: workstation steps, CLI beats a release match", rk1 == want,
            repr(rk1))
    rk2 = steps_of(s, s.rk2.name)
    want = [("warn", "1", "marker"), ("warn", "2", "marker"),
            ("warn", "3", "marker"), ("kasan", "3", "marker"),
            ("ubsan", "3", "marker"), ("warn", "4", "release")]
    h.check("rk2 live: markers beat a stale CLI step, then a release match",
            rk2 == want, repr(rk2))


def check_rescanned(s):
    """`step reassign --rescan` finds the markers again, changes nothing."""
    h = s.h
    out = s.kc("step", "reassign", "--rescan")
    h.check("rescan finds 3 markers and 5 shutdown lines in 8 archives",
            "rescan: 8 markers in 8 archives" in out, out)
    rk2 = steps_of(s, s.rk2.name)
    want = [("warn", "1", "marker"), ("warn", "2", "marker"),
            ("warn", "3", "marker"), ("kasan", "3", "marker"),
            ("ubsan", "3", "marker"), ("warn", "4", "release")]
    h.check("rk2 after rescan: the same", rk2 == want, repr(rk2))
    out = s.kc("step", "reassign")
    h.check("reassign again changes nothing",
            out == "attributed again: 0 reports and 0 boots changed\n", out)


def triage(s):
    """Mark the panel WARN ignored and the evil BUG known."""
    rc, sigs, _ = run_json(s.h, ["sigs", "--json", "--data-dir", s.dd])
    by_class = {g["class"]: g for g in sigs}
    noise, evil = by_class["warn"], by_class["other"]
    s.h.check("noise seen at every step on both boards",
              noise["count"] == 8 and noise["boards"] == [s.rk1.name,
                                                         s.rk2.name] and
              noise["steps"] == ["%s/%d" % (PLAN, i) for i in range(1, 5)],
              repr(noise))
    s.kc("sig", "mark", noise["signature"], "ignored", "--note",
         "panel driver noise")
    s.kc("sig", "mark", evil["signature"][:8], "known")
    return noise["signature"]


BISECT_JSON = [
    {"plan": PLAN, "step": "1", "seq": 1, "patch": "0001-a", "boots": 2,
     "reports": 0, "new_signatures": 0, "new_reports": 0, "classes": {},
     "wedges": 0, "verdict": "clean", "first_new": False},
    {"plan": PLAN, "step": "2", "seq": 2, "patch": "0002-b", "boots": 2,
     "reports": 0, "new_signatures": 0, "new_reports": 0, "classes": {},
     "wedges": 1, "verdict": "wedged", "first_new": False},
    {"plan": PLAN, "step": "3", "seq": 3, "patch": "0003-c", "boots": 2,
     "reports": 3, "new_signatures": 2, "new_reports": 3,
     "classes": {"kasan": 2, "ubsan": 1}, "wedges": 0,
     "verdict": "new-reports", "first_new": True},
    {"plan": PLAN, "step": "4", "seq": 4, "patch": "0004-d", "boots": 2,
     "reports": 2, "new_signatures": 0, "new_reports": 0,
     "classes": {"kasan": 1, "other": 1}, "wedges": 0, "verdict": "clean",
     "first_new": False},
]

BISECT_TABLE = """\
plan iter6-v3, every board
   STEP  PATCH   BOOTS  REPORTS  NEW  NEW-REPORTS  WEDGES  VERDICT      CLASSES
   1     0001-a      2        0    0            0       0  clean        -
   2     0002-b      2        0    0            0       1  wedged       -
>  3     0003-c      2        3    2            3       0  new-reports  kasan=2 ubsan=1
   4     0004-d      2        2    0            0       0  clean        kasan=1 other=1
first step with new reports: 3
"""


def check_bisect(s):
    h = s.h
    rc, rows, err = run_json(h, ["bisect", PLAN, "--json", "--data-dir",
                                 s.dd])
    h.check("bisect --json exact", rc == 0 and rows == BISECT_JSON,
            "%d %r %s" % (rc, rows, err))
    rc, out, err = h.run(["bisect", PLAN, "--data-dir", s.dd])
    h.check("bisect table exact", rc == 0 and out == BISECT_TABLE,
            "\n" + out + err)
    rc, rows, _ = run_json(h, ["bisect", PLAN, "--board", s.rk1.name,
                               "--json", "--data-dir", s.dd])
    got = [(r["boots"], r["reports"], r["new_signatures"], r["wedges"],
            r["verdict"]) for r in rows]
    h.check("bisect --board rk1", got == [
        (1, 0, 0, 0, "clean"), (1, 0, 0, 0, "clean"),
        (1, 1, 1, 0, "new-reports"), (1, 2, 0, 0, "clean")], repr(got))
    rc, rows, _ = run_json(h, ["query", "--json", "--new-in", "3", "--plan",
                               PLAN, "--data-dir", s.dd])
    h.check("query --new-in 3: the 3 reports of the 2 new signatures",
            sorted(r["class"] for r in rows) == ["kasan", "kasan", "ubsan"],
            repr(rows))


def check_listings(s, noise):
    h = s.h
    rc, rows, _ = run_json(h, ["query", "--json", "--class", "kasan",
                               "--step", "3", "--data-dir", s.dd])
    keys = ["id", "time", "board", "plan", "step", "patch", "class",
            "subtype", "title", "signature", "source", "corrupted"]
    h.check("query by class and step: 2 rows with the contract keys",
            rc == 0 and len(rows) == 2 and
            all(all(k in r for k in keys) for r in rows) and
            {r["board"] for r in rows} == {s.rk1.name, s.rk2.name} and
            all(r["title"] == "KASAN: use-after-free Read in "
                "lkdtm_READ_AFTER_FREE" and r["patch"] == "0003-c" and
                r["corrupted"] is False and
                re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$",
                         r["time"]) for r in rows), repr(rows))
    rc, rows, _ = run_json(h, ["sigs", "--json", "--state", "ignored",
                               "--data-dir", s.dd])
    h.check("sigs --state ignored: the noise, with its note",
            len(rows) == 1 and rows[0]["signature"] == noise and
            rows[0]["note"] == "panel driver noise", repr(rows))
    rc, rows, _ = run_json(h, ["steps", "--json", "--data-dir", s.dd])
    h.check("steps: four in order, step 4 with its kernel and both boards",
            [r["step"] for r in rows] == ["1", "2", "3", "4"] and
            rows[3]["kernel"] == "-step4" and
            rows[3]["boards"] == [s.rk1.name, s.rk2.name], repr(rows))
    rc, rows, _ = run_json(h, ["boards", "--json", "--data-dir", s.dd])
    h.check("boards: rk1 on step 4 by CLI, rk2 by release",
            [(r["board"], r["step"], r["step_source"]) for r in rows] ==
            [(s.rk1.name, "4", "cli"), (s.rk2.name, "4", "release")],
            repr(rows))


def check_hostile(s):
    """Board text with escape sequences never reaches a terminal raw."""
    h = s.h
    rc, rows, _ = run_json(h, ["query", "--json", "--class", "other",
                               "--data-dir", s.dd])
    evil = rows[0]["id"]
    for args in (["query"], ["query", "--format", "csv"], ["sigs"],
                 ["show", str(evil)], ["show", str(evil), "--context",
                                        "3"]):
        rc, out, err = h.run(args + ["--data-dir", s.dd])
        h.check("%s: no raw escape bytes" % " ".join(args),
                rc == 0 and "\x1b" not in out and "\x07" not in out, out)
    rc, out, _ = h.run(["show", str(evil), "--context", "1", "--data-dir",
                        s.dd])
    h.check("show: the escapes of the line before it are visible",
            "evil: \\x1b[2J\\x1b]0;pwned\\x07 title \\u202e rtl" in out,
            out)
    rc, out, _ = h.run(["show", str(evil), "--json", "--data-dir", s.dd])
    o = json.loads(out)
    h.check("show --json: step, boot, history and the raw context",
            o["step"]["step"] == "4" and o["boot"]["release"] ==
            "6.1.0-dev" and o["sig"]["state"] == "known" and
            len(o["history"]) == 1 and len(o["context"]) == 20 and
            o["context"][-1]["text"] == "evil: \x1b[2J\x1b]0;pwned\x07 "
            "title \u202e rtl", out)


def check_exit_codes(s):
    h = s.h
    for args, code in ((["bisect", "nope"], 1), (["query", "--bogus"], 1),
                       (["show", "999999"], 1), (["query", "--class", "x"],
                                                 1),
                       (["query", "--since", "2h"], 0),
                       (["query", "--board", "none"], 0)):
        rc, out, err = h.run(args + ["--data-dir", s.dd])
        h.check("%s exits %d" % (" ".join(args), code), rc == code,
                "%d %s" % (rc, err))
    rc, out, err = h.run(["query", "--data-dir", os.path.join(s.h.tmp,
                                                              "none")])
    h.check("query without a database exits 2", rc == 2 and
            "no database" in err, err)


def main():
    h = Harness(sys.argv)
    s = Scenario(h)
    s.define()
    for i in range(1, 5):
        s.step(i)
    check_live(s)
    check_rescanned(s)
    noise = triage(s)
    check_bisect(s)
    check_listings(s, noise)
    check_hostile(s)
    check_exit_codes(s)
    h.finish()


if __name__ == "__main__":
    main()
