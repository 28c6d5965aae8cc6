# SPDX-License-Identifier: MIT
"""Malformed datagrams are counted and dropped; the collector lives on.

One board sends a catalogue of broken datagrams (bogus ncfrag offsets and
totals, bad escapes, NUL bytes, 64 KiB datagrams, random binary, empty
ones, truncated headers), many times over. The collector must stay up,
count at least the ones that cannot be salvaged as malformed, log them
rate limited (not one line per datagram), and still archive a good stream
sent afterwards, from the same board and from another one.
"""
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kcatch_itest import (Harness, Sender, archive_lines, board_name,  # noqa
                          expected_lines, read_pkts, sample_files, wait_for)

# Datagrams the decoder must reject (counted malformed), per its contract.
BAD = [
    b"6,10,100,-,ncfrag=50/20;offset beyond total\n",
    b"6,11,100,-,ncfrag=0/0;zero total\n",
    b"6,12,100,-,ncfrag=10/15;slice past the total end\n",
    b"6,13,100,-,ncfrag=0/999999999;total too large\n",
    b"6,14,100,-,ncfrag=x/y;unparsable\n",
    b"6,15,100,-,ncfrag=0/10;",
    b"6,16,100,-;bad escape \\xZZ and \\x0\n",
    b"6,17,100,-;escaped NUL \\x00 here\n",
    b"6,18,100,-;raw NUL \x00 inside\n",
    b"\x00\x01\x02\x03" * 64,
]
# Datagrams that are odd but legal: plain text by definition, or empty.
ODD = [
    b"",
    b"6,",
    b"6,19",
    b"6,20,100",
    b"6,21,100,-",
    b"garbage;\xff\xfe\xfd\n",
    b";;;;\n",
    b"\\x41\\x42\n",
]
BIG = b"A" * 65507  # the largest UDP datagram over IPv4


def main():
    h = Harness(sys.argv)
    dd = h.data_dir()
    d = h.start(dd)
    bad = Sender(d, "127.0.0.30", 6665)
    rnd = random.Random(11)
    rounds = 20
    for _ in range(rounds):
        bad.send(BAD + ODD + [BIG] + [bytes(rnd.getrandbits(8) for _ in
                                             range(rnd.randint(1, 1400)))])
    nbad = rounds * (len(BAD) + 1)  # + the 64 KiB datagram
    time.sleep(0.5)
    h.check("collector survives the malformed datagrams", d.alive())
    st = wait_for(lambda: (h.status(dd) or {}).get("malformed", 0) >= nbad
                  and h.status(dd), 10)
    h.check("at least %d datagrams counted malformed" % nbad,
            st and st["malformed"] >= nbad, str(st and st.get("malformed")))
    h.check("every datagram counted as received",
            st and st["packets"] == bad.sent, "%s vs %d" %
            (st and st.get("packets"), bad.sent))
    log = d.read_log()
    nlog = log.count("malformed datagram")
    h.check("malformed datagrams are logged, rate limited (%d lines for "
            "%d datagrams)" % (nlog, nbad), 0 < nlog <= 50)
    big = Sender(d, "127.0.0.32", 6665)
    big.send([BIG])
    h.check("a 64 KiB datagram is reported as too long",
            wait_for(lambda: "127.0.0.32-6665: malformed datagram "
                     "(datagram longer than" in d.read_log(), 5))
    good = read_pkts(next(f for f in sample_files(h.repo) if
                          f.endswith("61-warn.ext.pkts")))
    other = Sender(d, "127.0.0.31", 6665)
    other.send(good)
    name = board_name(other.src, other.sport)
    want = expected_lines(good)
    ok = wait_for(lambda: [l["text"] for v in archive_lines(dd, name)
                           .values() for l in v] == want, 10)
    h.check("a good board is archived completely afterwards", ok)
    # The same source that sent garbage still works once it sends sense.
    bad.send([b"6,500,9000000,-;back to normal\n"])
    name = board_name(bad.src, bad.sport)
    ok = wait_for(lambda: any(l["text"] == b"back to normal" for v in
                              archive_lines(dd, name).values() for l in v),
                  10)
    h.check("the garbage source is archived again once it sends sense", ok)
    h.check("SIGTERM exits 0", d.stop() == 0)
    h.finish()


if __name__ == "__main__":
    main()
