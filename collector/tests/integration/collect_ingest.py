# SPDX-License-Identifier: MIT
"""Replay every real capture into one collector, each from its own board.

Each .pkts file under shared/samples is sent from its own source address
(127.0.0.10, .11, ...; port 6665) as captured: plain, extended,
fragmented, release-prepended, userdata. Then every board's archive must
hold exactly the lines a reference decoder expects, in order; the database
must have one board and one boot per capture with the right counts and
kernel release, reports of the expected classes, and `kcatch status
--json` must count every datagram. SIGTERM must exit 0 with every
archive closed (ending with its end record).
"""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kcatch_itest import (Harness, Sender, archive_lines, board_name,  # noqa
                          db_query, expected_lines, read_archive, read_pkts,
                          sample_files, wait_for)

# Capture name prefix -> report class it must produce (docs/classes.md).
EXPECT_CLASS = {
    "61-warn.ext": "warn",
    "61-warn.plain": "warn",
    "612-release-warn": "warn",
    "61-bug": "bug",
    "61-oops-null.ext": "oops",
    "61-oops-null.plain": "oops",
    "612-oops-null": "oops",
    "61-list-corrupt": "list-corruption",
    "61-refcount": "refcount",
    "61-softlockup": "soft-lockup",
    "61-hung-task": "hung-task",
    "61-rcu-stall.ext": "rcu-stall",
    "612-kfence-uaf": "kfence",
    "dka-kasan-use-after-free": "kasan",
    "dkb-kcsan-data-race": "kcsan",
    "dka-lockdep-circular": "lockdep",
    "dka-ubsan-array-bounds": "ubsan",
    "dka-odebug-free-active": "debug-objects",
    "dka-workqueue-lockup": "workqueue-lockup",
}


def main():
    h = Harness(sys.argv)
    files = sample_files(h.repo)
    h.check("found the captures", len(files) >= 30, "got %d" % len(files))
    dd = h.data_dir()
    d = h.start(dd, ["--set", "quiet_ms=500"])
    boards, total_pkts, total_lines = {}, 0, 0
    for i, f in enumerate(files):
        dgrams = read_pkts(f)
        s = Sender(d, "127.0.0.%d" % (10 + i), 6665)
        s.send(dgrams)
        s.close()
        name = board_name(s.src, s.sport)
        stem = os.path.basename(f)[:-len(".pkts")]
        boards[name] = (stem, expected_lines(dgrams))
        total_pkts += len(dgrams)
        total_lines += len(boards[name][1])

    def all_archived():
        got = sum(len(v) for v in archive_lines(dd).values())
        return got >= total_lines

    h.check("every line reaches the archive in time",
            wait_for(all_archived, 20), "")
    for name, (stem, want) in sorted(boards.items()):
        arch = archive_lines(dd, name)
        got = [l["text"] for v in arch.values() for l in v]
        ok = h.check("%s: archive holds the %d expected lines" %
                     (stem, len(want)), got == want,
                     "got %d lines; first difference: %r" % (len(got), next(
                         ((a, b) for a, b in zip(got, want) if a != b),
                         None)))
        if ok:
            nums = [l["lineno"] for v in arch.values() for l in v]
            h.check("%s: line numbers 1..n" % stem,
                    nums == list(range(1, len(nums) + 1)))

    def reports_settled():
        st = h.status(dd)
        return st and st.get("lines") == total_lines and st.get(
            "fragments_pending", 1) == 0
    h.check("status counts every line", wait_for(reports_settled, 10))
    st = h.status(dd) or {}
    h.check("status: packets = datagrams sent", st.get("packets") ==
            total_pkts, "%s != %d" % (st.get("packets"), total_pkts))
    h.check("status: no malformed, no drops", st.get("malformed") == 0 and
            st.get("socket_drops") == 0 and st.get("limit_drops") == 0,
            str(st))
    h.check("status: one board per capture",
            st.get("boards_active") == len(files))

    rows = db_query(dd, "select b.name, count(o.id) boots, sum(o.lines) "
                    "lines, max(o.release) release, max(o.version_line) "
                    "version from boards b left join boots o on "
                    "o.board_id = b.id group by b.id")
    byname = {r["name"]: r for r in rows}
    h.check("db: one board row per capture", len(rows) == len(files),
            "%d rows" % len(rows))
    for name, (stem, want) in sorted(boards.items()):
        r = byname.get(name, {})
        h.check("%s: one boot, %d lines in the db" % (stem, len(want)),
                r.get("boots") == 1 and r.get("lines") == len(want), str(r))
    r = byname.get(next(n for n, v in boards.items()
                        if v[0] == "61-boot-head.ext"), {})
    h.check("boot row keeps the release and the Linux version line",
            r.get("release") == "6.1.0-56-amd64" and
            (r.get("version") or "").startswith("Linux version 6.1.0-56"),
            str(r))
    r = byname.get(next(n for n, v in boards.items()
                        if v[0] == "612-release-warn.ext"), {})
    h.check("release-prepended packets give the boot's release",
            r.get("release") == "6.12.95+deb12-amd64", str(r))

    def reports_for(name):
        return db_query(dd, "select r.class, r.title, r.signature sig "
                        "from reports r join boards b on b.id = r.board_id "
                        "where b.name = ?", (name,)) if name else []
    wait_for(lambda: (h.status(dd) or {}).get("reports", 0) >=
             len(EXPECT_CLASS), 10)
    for name, (stem, _) in sorted(boards.items()):
        for prefix, cls in EXPECT_CLASS.items():
            if not stem.startswith(prefix):
                continue
            reps = reports_for(name)
            h.check("%s: a %s report" % (stem, cls),
                    any(x["class"] == cls for x in reps), str(reps))

    rc = d.stop(signal.SIGTERM)
    h.check("SIGTERM exits 0", rc == 0, "rc %s" % rc)
    log = d.read_log()
    h.check("shutdown logs the counters", "counters: packets %d" %
            total_pkts in log, log[-2000:])
    done = [read_archive(os.path.join(dd, p))[1]
            for p in archive_lines(dd)]
    h.check("archives end with their end record after shutdown",
            done and all(done))
    h.finish()


if __name__ == "__main__":
    main()
