# SPDX-License-Identifier: MIT
"""kill -9 in the middle of ingest, then restart on the same data dir.

A board streams numbered ext records while the collector is killed with
SIGKILL. What the database had committed before the kill must still be
there, the database must open (`kcatch status`, integrity_check) and the
archive must be readable up to its last flush with lines numbered 1..n.
The restarted collector resumes the same boot: its archive continues the
numbering, and a WARN sent afterwards gets line refs that point at its
own lines. A second collector on the same data dir is refused. SIGINT
then stops cleanly with finished archives.
"""
import os
import signal
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kcatch_itest import (Harness, Sender, archive_lines, board_name,  # noqa
                          db_query, read_archive, read_pkts, sample_files,
                          wait_for)


def records(first, n):
    """Numbered ext records seq first..first+n-1, one line each."""
    return [b"6,%d,%d,-;synthetic line %d\n" % (s, 1000 + s * 10, s)
            for s in range(first, first + n)]


def committed(dd, name):
    """(boot count, boot lines, stats lines) committed right now."""
    b = db_query(dd, "select count(o.id) n, coalesce(sum(o.lines), 0) l "
                 "from boots o join boards b on b.id = o.board_id where "
                 "b.name = ?", (name,))
    s = db_query(dd, "select value from collector_stats where name = "
                 "'lines'")
    return (b[0]["n"] if b else 0, b[0]["l"] if b else 0,
            s[0]["value"] if s else 0)


def main():
    h = Harness(sys.argv)
    dd = h.data_dir()
    d = h.start(dd)
    snd = Sender(d, "127.0.0.40", 6665)
    name = board_name(snd.src, snd.sport)
    total = 40000
    stop = threading.Event()

    def stream():
        recs = records(0, total)
        for i in range(0, total, 200):
            if stop.is_set():
                return
            snd.send(recs[i:i + 200], pace_every=0)
            time.sleep(0.01)
    t = threading.Thread(target=stream)
    t.start()
    h.check("some lines committed while streaming",
            wait_for(lambda: committed(dd, name)[1] > 2000, 15))
    before = committed(dd, name)
    d.stop(signal.SIGKILL)
    stop.set()
    t.join(30)
    sent_before = snd.sent

    rc, out, err = h.run(["status", "--data-dir", dd, "--json"])
    h.check("kcatch status opens the database after kill -9", rc == 0, err)
    con = sqlite3.connect(os.path.join(dd, "kcatch.db"))
    ok = con.execute("pragma integrity_check").fetchone()[0]
    con.close()
    h.check("sqlite integrity_check after kill -9", ok == "ok", ok)
    after = committed(dd, name)
    h.check("nothing committed before the kill is lost (%s -> %s)" %
            (before, after), after[0] == before[0] and
            after[1] >= before[1] and after[2] >= before[2])
    paths = list(archive_lines(dd, name))
    h.check("one archive for the boot", len(paths) == 1, str(paths))
    lines, complete = read_archive(os.path.join(dd, paths[0]))
    n1 = len(lines)
    h.check("archive readable after kill -9 (%d lines, cut stream)" % n1,
            n1 > 0 and not complete)
    h.check("archived lines are numbered 1..n and in order",
            [l["lineno"] for l in lines] == list(range(1, n1 + 1)) and
            all(l["text"] == b"synthetic line %d" % i
                for i, l in enumerate(lines)))
    h.check("archive lost at most what was sent after its last flush",
            n1 <= sent_before)
    h.check("the archive holds every line the database counts (%d >= %d)"
            % (n1, after[1]), n1 >= after[1])

    d.start()
    snd.daemon = d
    rc, out, err = h.run(["collect", "--data-dir", dd, "--listen",
                          "127.0.0.1:0"], timeout=20)
    h.check("a second collector on the same data dir is refused (exit 2)",
            rc == 2 and "another kcatch collect" in out + err, out + err)
    snd.send(records(total, 100))
    warn = read_pkts(next(f for f in sample_files(h.repo)
                          if f.endswith("61-warn.ext.pkts")))
    # Keep the seqs going up so the decoder sees one continuing boot.
    base = total + 100 - int(warn[0].split(b",")[1])
    snd.send([b"%s,%d,%s" % (x.split(b",")[0], int(x.split(b",")[1]) + base,
                             x.split(b",", 2)[2]) for x in warn])
    want = n1 + 100 + len(warn)
    ok = wait_for(lambda: len(read_archive(os.path.join(dd, paths[0]))[0])
                  >= want, 15)
    lines = read_archive(os.path.join(dd, paths[0]))[0]
    h.check("restart resumes the same boot and archive (%d lines)" %
            len(lines), ok and len(lines) == want and committed(dd, name)[0]
            == 1, "%d != %d, boots %s" % (len(lines), want,
                                          committed(dd, name)))
    h.check("numbering continues after the restart",
            [l["lineno"] for l in lines] == list(range(1, len(lines) + 1)))
    rep = wait_for(lambda: db_query(
        dd, "select r.first_line, r.last_line, r.class from reports r join "
        "boards b on b.id = r.board_id where b.name = ?", (name,)), 10)
    h.check("a WARN after the restart is stored", rep and rep[0]["class"]
            == "warn", str(rep))
    if rep:
        r = rep[0]
        texts = [l["text"] for l in lines]
        span = texts[r["first_line"] - 1:r["last_line"]]
        h.check("its line refs point at its own archive lines (%d-%d)" %
                (r["first_line"], r["last_line"]), r["first_line"] > n1 + 100
                and any(b"WARNING: CPU" in x for x in span) and
                any(b"end trace" in x for x in span), str(span[:3]))
    rc = d.stop(signal.SIGINT)
    h.check("SIGINT exits 0", rc == 0, "rc %s" % rc)
    h.check("archive finished after SIGINT",
            read_archive(os.path.join(dd, paths[0]))[1])
    h.finish()


if __name__ == "__main__":
    main()
