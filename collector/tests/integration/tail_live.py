# SPDX-License-Identifier: MIT
"""`kcatch tail` against a real collector.

Several tails follow one collector: JSON and plain, --board, --all-lines,
one on a pseudo-terminal (colour, NO_COLOR). A WARN with hostile bytes
(ESC[2J, CR, BEL, invalid UTF-8) is sent over UDP from 127.0.0.2 and must
reach every tail within a bounded time, escaped. A signature marked
`ignored` in the database disappears from tail. A SIGSTOP'd tail must not
slow ingest: the collector keeps archiving, drops that tail's oldest
messages and counts them, and the tail learns how many when it resumes.
Last, tails exit 0 when the collector stops, and 2 when none runs.
"""
import json
import os
import pty
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kcatch_itest import (Harness, Sender, _die_with_parent,  # noqa
                          wait_for)

B2 = "127.0.0.2-6665"
B3 = "127.0.0.3-6665"
FLOOD = "127.0.0.4-6665"
HOSTILE = (b"hostile \x1b[2J clear \r cr \x07 bell \xff\xfe bad utf8")


def warn_lines(func, extra=()):
    """A WARN report as plain console lines, extra lines after WARNING."""
    return ([b"------------[ cut here ]------------",
             b"WARNING: CPU: 0 PID: 1 at drivers/foo/bar.c:12 %s+0x12/0x40"
             % func.encode()] + list(extra) +
            [b"Modules linked in:",
             b"CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.1.0 #1",
             b"Call Trace:", b" <TASK>", b" foo_init+0x10/0x20",
             b" </TASK>", b"---[ end trace 0000000000000000 ]---"])


class Tail:
    """One `kcatch tail` process; stdout to a file or a pseudo-terminal."""

    def __init__(self, h, data_dir, args, name, tty=False, env=None):
        self.h, self.name = h, name
        self.out_path = os.path.join(h.tmp, name + ".out")
        self.err_path = os.path.join(h.tmp, name + ".err")
        self.stopped = False
        self.reader = None
        out = open(self.out_path, "wb")
        err = open(self.err_path, "wb")
        stdout = out
        if tty:
            master, slave = pty.openpty()
            stdout = slave
            self.reader = threading.Thread(target=self._drain,
                                           args=(master, out), daemon=True)
        self.proc = subprocess.Popen(
            [h.kcatch, "tail", "--data-dir", data_dir] + args,
            stdout=stdout, stderr=err, preexec_fn=_die_with_parent,
            env=env)
        if tty:
            os.close(slave)
            self.reader.start()
        h.procs.append(self)

    @staticmethod
    def _drain(master, out):
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            out.write(data)
            out.flush()
        os.close(master)

    def out(self):
        return open(self.out_path, "rb").read()

    def err(self):
        return open(self.err_path, "rb").read()

    def messages(self):
        """--json output, parsed."""
        return [json.loads(l) for l in self.out().splitlines() if l]

    def ready(self, timeout=10):
        return wait_for(lambda: b"following" in self.err(), timeout)

    def send_signal(self, sig):
        self.proc.send_signal(sig)
        self.stopped = sig == signal.SIGSTOP

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            if self.stopped:
                self.proc.send_signal(signal.SIGCONT)
            if self.wait(timeout) is None:
                self.proc.kill()
                self.proc.wait(5)
        if self.reader is not None:
            self.reader.join(5)
        if self in self.h.procs:
            self.h.procs.remove(self)
        return self.proc.returncode


def send_lines(sender, lines):
    sender.send([l + b"\n" for l in lines], pace_every=8, pace_s=0.002)


def reports(tail, board=None):
    return [m for m in tail.messages() if m["type"] == "report" and
            (board is None or m["board"] == board)]


def terminal_safe(data, allow_sgr=False):
    """No control byte but '\\n', no DEL, no byte >= 0x80 (the test sends
    no valid non-ASCII), and no escape sequence except SGR colours."""
    if allow_sgr:
        data = re.sub(rb"\x1b\[[0-9;]*m", b"", data)
    return all(b == 0x0a or 0x20 <= b < 0x7f for b in data)


def usage_and_no_collector(h, dd):
    rc, out, err = h.run(["tail", "--data-dir", dd])
    h.check("no collector: exit 2 with a clear message",
            rc == 2 and "no collector running on %s (socket %s/kcatch.sock)"
            % (dd, dd) in err, "rc %d: %s" % (rc, err))
    rc, out, err = h.run(["tail", "--bogus"])
    h.check("bad option: exit 1 with usage", rc == 1 and "usage:" in err,
            "rc %d: %s" % (rc, err))
    rc, out, err = h.run(["tail", "--class", "nosuch"])
    h.check("unknown class: exit 1 with usage", rc == 1 and "usage:" in err,
            "rc %d: %s" % (rc, err))
    rc, out, err = h.run(["tail", "extra-arg"])
    h.check("stray argument: exit 1", rc == 1, "rc %d" % rc)


def hostile_report(h, d, tails):
    """Every tail gets the hostile WARN in time; nothing raw reaches them."""
    js, plain, board3, lines, tty, notty = tails
    s2 = Sender(d, "127.0.0.2", 6665)
    t0 = time.monotonic()
    send_lines(s2, [b"hello world, an ordinary line"] +
               warn_lines("foo_probe", [HOSTILE]))
    got = wait_for(lambda: reports(js) and b"WARNING in foo_probe" in
                   plain.out(), 10)
    dt = time.monotonic() - t0
    h.check("two tails get the WARN within 3 s (%.2f s, quiet_ms 300)" % dt,
            got and dt < 3.0)
    r = reports(js)[0] if reports(js) else {}
    rep = r.get("report", {})
    h.check("--json: board, class, title, signature",
            r.get("board") == B2 and rep.get("class") == "warn" and
            rep.get("title") == "WARNING in foo_probe" and
            re.fullmatch(r"[0-9a-f]{16}", rep.get("signature", "")),
            str(r)[:300])
    h.check("--json output is ASCII JSON without raw control bytes",
            terminal_safe(js.out()))
    out = plain.out()
    h.check("plain: summary line time board class title [signature]",
            re.search(rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d 127\.0\.0\.2-6665 "
                      rb"warn WARNING in foo_probe \[%s\]$" %
                      rep.get("signature", "x").encode(), out, re.M),
            out[:300])
    h.check("plain -v: hostile text escaped (BEL, invalid UTF-8)",
            b"    hostile  clear  cr \\x07 bell \\xff\\xfe bad utf8" in out,
            out)
    h.check("plain -v: no raw ESC, CR, BEL or invalid UTF-8",
            terminal_safe(out), repr(out[-300:]))
    h.check("--all-lines shows ordinary lines",
            wait_for(lambda: b"hello world, an ordinary line" in lines.out(),
                     5) and re.search(rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}"
                                      rb" 127\.0\.0\.2-6665 hello world",
                                      lines.out(), re.M), lines.out()[:300])
    h.check("--all-lines: ESC[2J, CR, BEL, invalid UTF-8 escaped",
            b"hostile \\x1b[2J clear \\x0d cr \\x07 bell \\xff\\xfe bad"
            in lines.out(), lines.out()[-600:])
    h.check("--all-lines: the report is shown too",
            b"warn WARNING in foo_probe" in lines.out())
    h.check("--all-lines output is terminal safe", terminal_safe(lines.out()))
    tty_ok = wait_for(lambda: b"WARNING in foo_probe" in tty.out(), 5)
    h.check("on a TTY: coloured by class (warn = yellow)", tty_ok and
            b"\x1b[33mwarn\x1b[0m" in tty.out(), repr(tty.out()[:300]))
    h.check("on a TTY: only SGR colours reach the terminal",
            terminal_safe(tty.out().replace(b"\r\n", b"\n"), True),
            repr(tty.out()))
    nc_ok = wait_for(lambda: b"WARNING in foo_probe" in notty.out(), 5)
    h.check("on a TTY with NO_COLOR: no escape at all", nc_ok and
            b"\x1b" not in notty.out(), repr(notty.out()[:200]))
    h.check("--board: the other board's report is not sent",
            not reports(board3))
    return rep.get("signature")


def board_filter(h, d, js, board3):
    s3 = Sender(d, "127.0.0.3", 6665)
    send_lines(s3, warn_lines("bar_remove"))
    ok = wait_for(lambda: reports(board3, B3), 10)
    h.check("--board: its board's report arrives", ok and
            len(reports(board3)) == 1, str(board3.messages())[:300])
    h.check("an unfiltered tail gets both boards",
            wait_for(lambda: len(reports(js)) == 2, 5))


def mark_ignored(h, dd, sig):
    """Triage state 'ignored' (schema 0002), as `kcatch sig` would."""
    con = sqlite3.connect(os.path.join(dd, "kcatch.db"), timeout=10)
    try:
        with con:
            n = con.execute("UPDATE signatures SET state = 'ignored', "
                            "state_ms = ? WHERE hash = ?",
                            (int(time.time() * 1000), sig)).rowcount
    finally:
        con.close()
    h.check("signature %s marked ignored" % sig, n == 1)


def ignored(h, d, dd, sig, js, plain):
    """Ignored signatures disappear: at refresh, and at start."""
    if not sig:
        h.check("ignored: no signature to mark", False)
        return
    mark_ignored(h, dd, sig)
    fresh = Tail(h, dd, ["--json"], "fresh")
    fresh.ready()
    time.sleep(3.5)  # the running tails re-read the set every 3 s
    before = len(reports(js))
    s2 = Sender(d, "127.0.0.2", 6665)
    send_lines(s2, warn_lines("foo_probe"))
    time.sleep(0.5)
    send_lines(s2, warn_lines("baz_other"))  # a barrier: not ignored
    ok = wait_for(lambda: len(reports(js)) > before and
                  reports(fresh), 10)
    got = [m["report"]["title"] for m in reports(js)[before:]]
    h.check("ignored: hidden from a running tail (refreshed)",
            ok and got == ["WARNING in baz_other"], str(got))
    got = [m["report"]["title"] for m in reports(fresh)]
    h.check("ignored: hidden from a tail started after marking",
            got == ["WARNING in baz_other"], str(got))
    h.check("ignored: plain tail too", wait_for(
        lambda: b"baz_other" in plain.out(), 5) and
        plain.out().count(b"warn WARNING in foo_probe") == 1)
    fresh.stop()


def board_lines(h, dd, name):
    st = h.status(dd) or {}
    return next((b["lines"] for b in st.get("boards", [])
                 if b["name"] == name), 0)


def slow_tail(h, d, dd, js):
    """A SIGSTOP'd tail costs nothing: ingest goes on, drops counted."""
    slow = Tail(h, dd, ["--json", "--all-lines"], "slow")
    h.check("slow tail subscribed", slow.ready())
    slow.send_signal(signal.SIGSTOP)
    n = 30000
    pad = b"." * 80
    flood = Sender(d, "127.0.0.4", 6665)
    t0 = time.monotonic()
    flood.send([b"flood line %06d %s\n" % (i, pad) for i in range(n)],
               pace_every=64, pace_s=0.002)
    sent_s = time.monotonic() - t0
    ok = wait_for(lambda: board_lines(h, dd, FLOOD) >= n, 20)
    dt = time.monotonic() - t0
    h.check("tail stopped: the collector archived all %d lines (%.1f s, "
            "sending took %.1f s)" % (n, dt, sent_s),
            ok and board_lines(h, dd, FLOOD) == n,
            "got %d" % board_lines(h, dd, FLOOD))
    drops = wait_for(lambda: (h.status(dd) or {}).get("tail_drops", 0), 5)
    h.check("tail stopped: tail_drops counted (%s)" % drops,
            drops and drops > n / 2)
    # A running tail is not held up by the stopped one.
    before = len(reports(js))
    t1 = time.monotonic()
    send_lines(Sender(d, "127.0.0.5", 6665), warn_lines("during_stop"))
    ok = wait_for(lambda: len(reports(js)) > before, 10)
    h.check("tail stopped: another tail still gets reports in time "
            "(%.2f s)" % (time.monotonic() - t1),
            ok and time.monotonic() - t1 < 3)
    slow.send_signal(signal.SIGCONT)
    last = b'"text":"flood line %06d ' % (n - 1)
    ok = wait_for(lambda: last in slow.out(), 15)
    msgs = slow.messages()
    dropped = sum(m["count"] for m in msgs if m["type"] == "dropped")
    lines = [m for m in msgs if m["type"] == "line" and
             m["board"] == FLOOD]
    h.check("resumed: a dropped notice, then the newest lines",
            ok and dropped > 0 and len(lines) + dropped >= n,
            "dropped %d, lines %d" % (dropped, len(lines)))
    seqs = [int(m["text"].split()[2]) for m in lines]
    h.check("resumed: the lines it got are in order", seqs == sorted(seqs)
            and len(set(seqs)) == len(seqs))
    slow.stop()


def collector_goes_away(h, d, dd, tails):
    d.stop()
    codes = [t.wait(10) for t in tails]
    h.check("collector stopped: every tail exits 0", codes == [0] *
            len(tails), str(codes))
    h.check("collector stopped: tails say so",
            all(b"went away" in t.err() for t in tails))
    h.check("collector stopped: socket file removed",
            not os.path.exists(os.path.join(dd, "kcatch.sock")))
    for t in tails:
        t.stop()
    rc, out, err = h.run(["tail", "--data-dir", dd])
    h.check("after the collector: exit 2", rc == 2 and "no collector" in err,
            err)


def stale_socket(h, dd):
    """kill -9 leaves the socket file; tail says no collector; a new
    collector replaces it."""
    d = h.start(dd)
    d.stop(sig=signal.SIGKILL)
    h.check("kill -9 leaves a stale socket file",
            os.path.exists(os.path.join(dd, "kcatch.sock")))
    rc, out, err = h.run(["tail", "--data-dir", dd])
    h.check("stale socket: exit 2, no collector", rc == 2 and
            "no collector running" in err, err)
    d = h.start(dd)
    t = Tail(h, dd, ["--json"], "after-restart")
    h.check("restarted collector replaced the stale socket", t.ready())
    t.stop()
    d.stop()


def fake_collector(h):
    """The protocol from the client's side, against a fake server with no
    database: the subscription line, unknown types and garbage skipped,
    no ignored set (said once, every report shown), exit 0 at close."""
    fd = os.path.join(h.tmp, "fake")
    os.mkdir(fd, 0o700)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(os.path.join(fd, "kcatch.sock"))
    srv.listen(1)
    srv.settimeout(10)
    t = Tail(h, fd, ["--board", "rk3399", "--class", "kasan",
                     "--all-lines", "-v"], "fake")
    conn, _ = srv.accept()
    conn.settimeout(10)
    sub = b""
    while not sub.endswith(b"\n"):
        data = conn.recv(4096)
        if not data:
            break
        sub += data
    h.check("subscription line carries the filters",
            json.loads(sub) == {"board": "rk3399", "class": "kasan",
                                "all_lines": True}, sub)
    rep = {"class": "kasan", "title": "KASAN: use-after-free in f\u001b[2J",
           "signature": "00112233445566ff", "first_recv_ms": 0,
           "corrupted": True, "corrupt_reason": "cut\r",
           "text": "line one\n\u009b2J line two"}
    conn.sendall(json.dumps({"type": "subscribed", "version": 1}).encode() +
                 b"\n" + b'{"type":"from-the-future"}\n' +
                 b"not json at all\n" +
                 json.dumps({"type": "report", "board": "rk3399",
                             "report": rep}).encode() + b"\n" +
                 b'{"type":"dropped","count":7}\n')
    conn.close()
    srv.close()
    rc = t.wait(10)
    out, err = t.out(), t.err()
    h.check("fake collector: exit 0 when it closes", rc == 0, "rc %s" % rc)
    h.check("no database: said once, reports still shown",
            err.count(b"cannot read the ignored signatures") == 1 and
            b"kasan KASAN: use-after-free in f\\x1b[2J [00112233445566ff]"
            b" (corrupted: cut\\x0d)" in out, repr((out, err)))
    h.check("-v text: C1 CSI (U+009B) escaped",
            b"    \\xc2\\x9b2J line two" in out, repr(out))
    h.check("dropped notice shown", b"-- 7 messages dropped" in out)
    h.check("bad message reported, unknown type skipped",
            b"bad message from the collector" in err and
            b"future" not in out, repr(err))
    h.check("fake collector: output terminal safe", terminal_safe(out))
    t.stop()


def main():
    h = Harness(sys.argv)
    dd = h.data_dir()
    usage_and_no_collector(h, dd)
    fake_collector(h)
    d = h.start(dd, ["--set", "quiet_ms=300", "--set", "tail_queue=16k"])
    h.check("socket is 0600", os.stat(os.path.join(dd, "kcatch.sock"))
            .st_mode & 0o777 == 0o600)
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    tails = (Tail(h, dd, ["--json"], "json"),
             Tail(h, dd, ["-v"], "plain"),
             Tail(h, dd, ["--json", "--board", B3], "board3"),
             Tail(h, dd, ["--all-lines"], "lines"),
             Tail(h, dd, [], "tty", tty=True, env=env),
             Tail(h, dd, [], "nocolor", tty=True,
                  env=dict(env, NO_COLOR="1")))
    h.check("six tails subscribed", all(t.ready() for t in tails))
    sig = hostile_report(h, d, tails)
    board_filter(h, d, tails[0], tails[2])
    ignored(h, d, dd, sig, tails[0], tails[1])
    slow_tail(h, d, dd, tails[0])
    collector_goes_away(h, d, dd, tails)
    stale_socket(h, dd)
    h.finish()


if __name__ == "__main__":
    main()
