# SPDX-License-Identifier: MIT
"""A flooding source cannot starve a quiet one.

With source_rate = 3000 datagrams/s, one source sends as fast as python
can while a second board replays a real capture plus numbered lines. The
quiet board must get every line archived; the flooder's excess must be
dropped and counted as limit_drops (received = archived + dropped), and
the collector's memory must stay bounded.
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kcatch_itest import (Harness, Sender, archive_lines, board_name,  # noqa
                          expected_lines, read_pkts, sample_files, wait_for)

RATE = 3000


def rss_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


def main():
    h = Harness(sys.argv)
    dd = h.data_dir()
    d = h.start(dd, ["--set", "source_rate=%d" % RATE])
    rss0 = rss_kb(d.proc.pid)
    flood = Sender(d, "127.0.0.80", 6665)
    quiet = Sender(d, "127.0.0.81", 6665)
    done = threading.Event()

    def flooder():
        seq = 0
        end = time.monotonic() + 3.0
        while time.monotonic() < end:
            batch = [b"6,%d,%d,-;flood %d %s\n" % (s, s, s, b"x" * 200)
                     for s in range(seq, seq + 500)]
            flood.send(batch, pace_every=0)
            seq += 500
        done.set()
    t = threading.Thread(target=flooder)
    t.start()
    warn = read_pkts(next(f for f in sample_files(h.repo)
                          if f.endswith("61-warn.ext.pkts")))
    extra = [b"6,%d,%d,-;quiet line %d\n" % (s, 9000000 + s, s)
             for s in range(1000, 1600)]
    quiet.send(warn + extra, pace_every=20, pace_s=0.005)
    t.join(30)
    want = expected_lines(warn + extra)
    qname = board_name(quiet.src, quiet.sport)
    ok = wait_for(lambda: [l["text"] for v in archive_lines(dd, qname)
                           .values() for l in v] == want, 15)
    h.check("the quiet board gets all %d lines during the flood" %
            len(want), ok)
    fname = board_name(flood.src, flood.sport)

    def settled():
        st = h.status(dd)
        return st and st.get("packets") == flood.sent + quiet.sent and st
    st = wait_for(settled, 15) or h.status(dd) or {}
    h.check("every datagram was received (no socket drops: %s)" %
            st.get("socket_drops"), st.get("packets") ==
            flood.sent + quiet.sent, "%s vs %d" % (st.get("packets"),
                                                   flood.sent + quiet.sent))
    got = sum(len(v) for v in archive_lines(dd, fname).values())
    dropped = st.get("limit_drops", 0)
    print("flooder sent %d datagrams in 3 s, %d archived, %d limit drops"
          % (flood.sent, got, dropped))
    h.check("the flooder is capped near %d/s" % RATE,
            got <= RATE * 5 and dropped > 0, "%d archived" % got)
    ok = wait_for(lambda: sum(len(v) for v in archive_lines(dd, fname)
                              .values()) + (h.status(dd) or {}).get(
        "limit_drops", 0) == flood.sent, 10)
    h.check("flooder: archived + limit_drops = sent", ok)
    rss1 = rss_kb(d.proc.pid)
    print("collector RSS %d kB before, %d kB after the flood" % (rss0, rss1))
    h.check("memory stays bounded during a flood (RSS grew %d kB)" %
            (rss1 - rss0), rss1 - rss0 < 256 * 1024)
    h.check("SIGTERM exits 0", d.stop() == 0)
    h.finish()


if __name__ == "__main__":
    main()
