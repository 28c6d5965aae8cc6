# SPDX-License-Identifier: MIT
"""Stream damage and boots, one board per case, one collector.

Out of order, duplicated, ncfrag slices reversed/shuffled/duplicated, a
plain stream re-cut mid-line: the archive must still hold every line once.
Then a board reboots in the middle of a WARN: two boots, the first ended
as "reboot" with the cut report marked corrupted, the second with its
release; a plain board reboots too. Last, a finished report must be
visible in the database within a second of its last line.
"""
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kcatch_itest import (Harness, Sender, archive_lines, board_name,  # noqa
                          db_query, expected_lines, parse_ext, read_pkts,
                          sample_files, wait_for)


def capture(h, name):
    """Datagrams of one capture by file name."""
    return read_pkts(next(f for f in sample_files(h.repo)
                          if os.path.basename(f) == name))


def fragment(record_hdr, body, nslices):
    """Cut an ext record into ncfrag datagrams (slices of body)."""
    step = -(-len(body) // nslices)
    out = []
    for off in range(0, len(body), step):
        out.append(b"%s,ncfrag=%d/%d;%s" % (record_hdr, off, len(body),
                                            body[off:off + step]))
    return out


def shift_ts(dgram, seq_from, delta):
    """Same record with its printk time moved (a new boot's timing)."""
    p = parse_ext(dgram)
    if p is None or p[2] < seq_from:
        return dgram
    release, prio, seq, ts, flag, extras, body = p
    hdr = b"%d,%d,%d,%s" % (prio, seq, ts + delta, flag)
    return hdr + b";" + body


class Case:
    """One fake board: a source address and the lines it must archive."""

    def __init__(self, h, d, n, label):
        self.h, self.label = h, label
        self.sender = Sender(d, "127.0.0.%d" % n, 6665)
        self.name = board_name(self.sender.src, self.sender.sport)

    def archived(self):
        return [l["text"] for v in archive_lines(self.h.tmp + "/data",
                                                 self.name).values()
                for l in v]

    def expect(self, want, ordered=True, timeout=10):
        key = (lambda x: x) if ordered else sorted
        got = wait_for(lambda: key(self.archived()) == key(want) and
                       self.archived(), timeout)
        got = self.archived()
        self.h.check("%s: %d lines archived once each%s" %
                     (self.label, len(want), "" if ordered else
                      " (any order)"), key(got) == key(want),
                     "got %d: %r" % (len(got), got[:5]))


def out_of_order(h, d):
    dg = capture(h, "61-warn.ext.pkts")
    rnd = random.Random(7)
    shuffled = []
    for i in range(0, len(dg), 6):
        win = dg[i:i + 6]
        rnd.shuffle(win)
        shuffled += win
    c = Case(h, d, 20, "out of order")
    c.sender.send(shuffled)
    c.expect(expected_lines(dg), ordered=False)


def duplicated(h, d):
    dg = capture(h, "61-oops-null.ext.pkts")
    c = Case(h, d, 21, "duplicated")
    c.sender.send([x for x in dg for _ in (0, 1)] + dg[:10])
    c.expect(expected_lines(dg))
    return len(dg) + 10


def fragments(h, d):
    dg = capture(h, "612-longline-ncfrag.ext.pkts")
    c = Case(h, d, 22, "ncfrag slices reversed")
    c.sender.send(list(reversed(dg)))
    c.expect(expected_lines(dg), ordered=False)
    body = b"".join(b"word%04d " % i for i in range(300)) + b"\n"
    frags = fragment(b"4,7,1234567,-,caller=T42", body, 6)
    rnd = random.Random(3)
    sent = frags + [frags[2]]
    rnd.shuffle(sent)
    c2 = Case(h, d, 23, "ncfrag slices shuffled and duplicated")
    c2.sender.send(sent)
    c2.expect([body[:-1]])


def plain_recut(h, d):
    # As the kernel cuts a plain record over MAX_PRINT_CHUNK: 1000-byte
    # datagrams, lines split anywhere, only the last one short.
    dg = capture(h, "61-oops-null.plain.pkts")
    text = b"".join(dg)
    recut = [text[i:i + 1000] for i in range(0, len(text), 1000)]
    c = Case(h, d, 24, "plain stream cut mid-line")
    c.sender.send(recut)
    c.expect(expected_lines(dg))


def reboot_ext(h, d, dd):
    head = capture(h, "61-boot-head.ext.pkts")
    warn = capture(h, "61-warn.ext.pkts")
    # The second boot repeats the first records bit for bit (same kernel,
    # ts 0) and then differs in timing, as a real reboot does.
    head2 = [shift_ts(x, 14, 1000) for x in head]
    c = Case(h, d, 25, "ext reboot")
    c.sender.send(head)
    c.sender.send(warn[:12])
    time.sleep(0.3)
    c.sender.send(head2)
    boots = wait_for(lambda: len(db_query(
        dd, "select o.id from boots o join boards b on b.id = o.board_id "
        "where b.name = ?", (c.name,))) == 2 and db_query(
        dd, "select o.* from boots o join boards b on b.id = o.board_id "
        "where b.name = ? order by o.id", (c.name,)), 10)
    h.check("ext reboot: two boots", boots and len(boots) == 2,
            str(boots))
    if not boots or len(boots) != 2:
        return
    b1, b2 = boots
    h.check("ext reboot: first boot ended as reboot",
            b1["end_ms"] is not None and b1["end_reason"] == "reboot",
            str(b1))
    h.check("ext reboot: both boots know the release",
            b1["release"] == b2["release"] == "6.1.0-56-amd64",
            "%s %s" % (b1["release"], b2["release"]))
    want1 = len(expected_lines(head)) + len(expected_lines(warn[:12]))
    h.check("ext reboot: first boot has its %d lines" % want1,
            b1["lines"] == want1, str(b1["lines"]))
    ok = wait_for(lambda: db_query(dd, "select lines from boots where id=?",
                                   (b2["id"],))[0]["lines"] == len(head), 5)
    h.check("ext reboot: second boot has its %d lines" % len(head), ok)
    reps = wait_for(lambda: db_query(
        dd, "select class, corrupted, boot_id, first_line, last_line from "
        "reports where boot_id = ?", (b1["id"],)), 5)
    h.check("ext reboot: the WARN cut by the reset is stored, corrupted, "
            "in the first boot", reps and any(
                r["class"] == "warn" and r["corrupted"] == 1 for r in reps),
            str(reps))
    if reps:
        r = reps[0]
        arch = archive_lines(dd, c.name)
        first = [v for k, v in sorted(arch.items())][0]
        h.check("ext reboot: report line refs point into its archive",
                1 <= r["first_line"] <= r["last_line"] <= len(first) and
                b"cut here" in first[r["first_line"] - 1]["text"] + first[
                    r["first_line"]]["text"],
                "%s vs %d lines" % (r, len(first)))


def reboot_plain(h, d, dd):
    dg = capture(h, "61-warn.plain.pkts")
    boot = [b"[    0.000000] Linux version 6.1.0-56-amd64 (x@y) #1 SMP\n",
            b"[    0.000000] Command line: console=ttyS0\n"]
    c = Case(h, d, 26, "plain reboot")
    c.sender.send(boot + dg[:5])
    time.sleep(0.3)
    c.sender.send(boot + dg[5:])
    n = wait_for(lambda: len(db_query(
        dd, "select o.id from boots o join boards b on b.id = o.board_id "
        "where b.name = ? and o.release = '6.1.0-56-amd64'", (c.name,))) ==
        2, 10)
    h.check("plain reboot: a Linux version line starts a second boot", n)


def latency(h, d, dd):
    dg = capture(h, "61-warn.ext.pkts")
    c = Case(h, d, 27, "latency")
    c.sender.send(dg, pace_every=0)
    t0 = time.monotonic()
    seen = wait_for(lambda: db_query(
        dd, "select r.id from reports r join boards b on b.id = r.board_id "
        "where b.name = ?", (c.name,)), 5, step=0.01)
    dt = time.monotonic() - t0
    # quiet_ms is 300 here: the report closes then, the commit follows.
    h.check("report visible %.3f s after its last line (limit 1 s)" % dt,
            seen and dt < 1.0)


def main():
    h = Harness(sys.argv)
    dd = h.data_dir()
    d = h.start(dd, ["--set", "quiet_ms=300"])
    out_of_order(h, d)
    dups = duplicated(h, d)
    fragments(h, d)
    plain_recut(h, d)
    reboot_ext(h, d, dd)
    reboot_plain(h, d, dd)
    latency(h, d, dd)
    st = wait_for(lambda: (h.status(dd) or {}).get("duplicates", 0) >= dups
                  and h.status(dd), 5)
    h.check("status counts the duplicates", st and st["duplicates"] >= dups,
            str(st and st.get("duplicates")))
    h.check("no malformed datagrams in valid streams",
            st and st.get("malformed") == 0, str(st))
    h.check("collector still running", d.alive())
    h.check("SIGTERM exits 0", d.stop() == 0)
    h.finish()


if __name__ == "__main__":
    main()
