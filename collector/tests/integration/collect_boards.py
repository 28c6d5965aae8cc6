# SPDX-License-Identifier: MIT
"""Board identity, configuration and signals.

Boards are told apart by source address AND port (two boards behind one
NAT address), named from the config (exact ip:port, or an ip for any
port), or registered as <ip>-<port>; with unknown_boards = drop strangers
are only counted. IPv6 works, and a dual-stack [::] listener names an IPv4
source by its IPv4 address. --check-config accepts a good file and
rejects a bad one with file:line. SIGHUP reopens the log file and renames
boards from the edited config.
"""
import os
import signal
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kcatch_itest import (Harness, Sender, _die_with_parent,  # noqa
                          archive_lines, db_query, wait_for)


def rec(seq, text):
    return b"6,%d,%d,-;%s\n" % (seq, 1000 + seq, text)


def board_rows(dd):
    return {r["name"]: r for r in db_query(
        dd, "select name, address, lines from boards")}


def has_ipv6():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


def identity(h):
    dd = h.data_dir("ident")
    conf = os.path.join(h.tmp, "ident.conf")
    with open(conf, "w") as f:
        f.write("[collect]\nunknown_boards = register\n\n"
                "[board exact]\naddress = 127.0.0.50:7001\n"
                "ssh_user = lab\nssh_port = 2222\n\n"
                "[board anyport]\naddress = 127.0.0.51\n")
    d = h.start(dd, config=conf)
    senders = [Sender(d, "127.0.0.52", 6665), Sender(d, "127.0.0.52", 6667),
               Sender(d, "127.0.0.50", 7001), Sender(d, "127.0.0.50", 7002),
               Sender(d, "127.0.0.51", 7003), Sender(d, "127.0.0.51", 7004)]
    for i, s in enumerate(senders):
        s.send([rec(0, b"hello from %d" % i), rec(1, b"bye from %d" % i)])
    want = {"127.0.0.52-6665": 2, "127.0.0.52-6667": 2, "exact": 2,
            "127.0.0.50-7002": 2, "anyport": 4}
    rows = wait_for(lambda: {n: r["lines"] for n, r in board_rows(dd).items()}
                    == want and board_rows(dd), 10)
    got = {n: r["lines"] for n, r in board_rows(dd).items()}
    h.check("boards by address AND port, config names, any-port boards",
            got == want, "%s != %s" % (got, want))
    h.check("board rows keep the source address",
            rows and rows["127.0.0.52-6667"]["address"] ==
            "127.0.0.52:6667", str(rows))
    # SIGHUP: rename one board, name a registered one, log file reopen.
    with open(conf, "w") as f:
        f.write("[board exact2]\naddress = 127.0.0.50:7001\n\n"
                "[board anyport]\naddress = 127.0.0.51\n\n"
                "[board natted]\naddress = 127.0.0.52:6667\n")
    d.signal(signal.SIGHUP)
    ok = wait_for(lambda: "SIGHUP: reloaded 3 board names" in d.read_log(),
                  5)
    h.check("SIGHUP reloads the board names", ok, d.read_log()[-800:])
    senders[1].send([rec(2, b"after the rename")])
    senders[2].send([rec(2, b"after the rename")])
    ok = wait_for(lambda: {"natted", "exact2"} <= set(board_rows(dd)) and
                  board_rows(dd)["natted"]["lines"] == 1 and
                  board_rows(dd)["exact2"]["lines"] == 1, 10)
    h.check("renamed boards get their lines under the new name", ok,
            str(board_rows(dd)))
    arch = archive_lines(dd, "natted")
    h.check("the renamed board has its own archive",
            [l["text"] for v in arch.values() for l in v] ==
            [b"after the rename"], str(arch))
    h.check("SIGTERM exits 0", d.stop() == 0)


def drop_unknown(h):
    dd = h.data_dir("drop")
    conf = os.path.join(h.tmp, "drop.conf")
    with open(conf, "w") as f:
        f.write("[collect]\nunknown_boards = drop\n\n"
                "[board known]\naddress = 127.0.0.60:6665\n")
    d = h.start(dd, config=conf)
    Sender(d, "127.0.0.60", 6665).send([rec(0, b"known")])
    stranger = Sender(d, "127.0.0.61", 6665)
    stranger.send([rec(i, b"stranger") for i in range(25)])
    st = wait_for(lambda: (h.status(dd) or {}).get("unknown_drops") == 25
                  and h.status(dd), 10)
    h.check("unknown_boards = drop counts strangers and drops them",
            st and st["unknown_drops"] == 25 and st["packets"] == 26,
            str(st))
    h.check("only the configured board exists",
            set(board_rows(dd)) == {"known"}, str(board_rows(dd)))
    h.check("SIGTERM exits 0", d.stop() == 0)


def ipv6(h):
    if not has_ipv6():
        print("SKIP: no IPv6 loopback here")
        return
    dd = h.data_dir("v6")
    d = h.start(dd, listen="[::1]:0")
    s = Sender(d, "::1", 6665, dst="::1")
    s.send([rec(0, b"over ipv6")])
    ok = wait_for(lambda: "::1-6665" in board_rows(dd), 10)
    h.check("IPv6 listener and source, board ::1-6665", ok,
            str(board_rows(dd)))
    h.check("IPv6 source address kept as [::1]:6665",
            ok and board_rows(dd)["::1-6665"]["address"] == "[::1]:6665",
            str(board_rows(dd)))
    d.stop()
    dd = h.data_dir("dual")
    d = h.start(dd, listen="[::]:0")
    s = Sender(d, "127.0.0.70", 6665)
    s.send([rec(0, b"ipv4 to a dual-stack socket")])
    ok = wait_for(lambda: "127.0.0.70-6665" in board_rows(dd), 10)
    h.check("dual-stack [::] listener takes IPv4, named by its IPv4", ok,
            str(board_rows(dd)))
    d.stop()


def log_reopen(h):
    dd = h.data_dir("logs")
    logf = os.path.join(h.tmp, "kcatch.log")
    conf = os.path.join(h.tmp, "log.conf")
    with open(conf, "w") as f:
        f.write("[collect]\nlog_file = %s\n" % logf)
    # The readiness line goes to the log file here, so start by hand.
    p = subprocess.Popen([h.kcatch, "collect", "--data-dir", dd, "--listen",
                          "127.0.0.1:0", "--config", conf],
                         preexec_fn=_die_with_parent)
    try:
        ok = wait_for(lambda: os.path.exists(logf) and "listening on" in
                      open(logf).read(), 10)
        h.check("log_file receives the log", ok)
        os.rename(logf, logf + ".1")
        p.send_signal(signal.SIGHUP)
        ok = wait_for(lambda: os.path.exists(logf) and "SIGHUP" in
                      open(logf).read(), 10)
        h.check("SIGHUP reopens the log file after rotation", ok)
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = p.wait(5)
    h.check("SIGTERM exits 0 (log file)", rc == 0)


def check_config(h):
    good = os.path.join(h.tmp, "good.conf")
    with open(good, "w") as f:
        f.write("[collect]\nlisten = 127.0.0.1:6666\n[board a]\n"
                "address = 10.0.0.1\nssh_host = a.lab\n")
    rc, out, err = h.run(["collect", "--config", good, "--check-config"])
    h.check("--check-config prints configuration OK, exit 0",
            rc == 0 and out.strip() == "configuration OK", out + err)
    bad = os.path.join(h.tmp, "bad.conf")
    with open(bad, "w") as f:
        f.write("[collect]\n\nrcvbuf = tiny\n")
    rc, out, err = h.run(["collect", "--config", bad, "--check-config"])
    h.check("--check-config reports file:line, exit 1",
            rc == 1 and "%s:3: rcvbuf" % bad in err, "%d %s" % (rc, err))
    rc, out, err = h.run(["collect", "--listen", "nonsense",
                          "--check-config"])
    h.check("a bad --listen is refused, exit 1", rc == 1 and "--listen" in
            err, err)
    rc, out, err = h.run(["collect", "--bogus"])
    h.check("an unknown flag is a usage error, exit 1", rc == 1 and
            "usage" in err, err)


def main():
    h = Harness(sys.argv)
    check_config(h)
    identity(h)
    drop_unknown(h)
    ipv6(h)
    log_reopen(h)
    h.finish()


if __name__ == "__main__":
    main()
