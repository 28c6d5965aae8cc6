# SPDX-License-Identifier: MIT
"""Helpers for the kcatch collect integration tests (python3 stdlib only).

A test script builds a Harness from its argv (<kcatch> <repo-root>), starts
the real daemon on 127.0.0.1 with a free port and a temporary data dir,
sends real netconsole datagrams from sockets bound to 127.0.0.x, and checks
the SQLite rows, the raw line archive and `kcatch status --json`. Every wait
polls against a deadline; every process started is killed at exit.

The expected lines of a capture are computed here independently of the C
decoder (reference model of kernel-formats.md section 1): ext headers with
optional release, ncfrag reassembly, \\xHH unescaping, 'c' continuation
merging, plain stream joining. The archive format (docs/archive.md) is read
with zlib directly, tolerating a stream that was cut by kill -9.
"""
import atexit
import ctypes
import glob
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
import zlib

SAMPLES_REL = os.path.join("..", "shared", "samples")


# ---- captures ------------------------------------------------------------

def read_pkts(path):
    """Datagrams of a .pkts file (4-byte big-endian length, then bytes)."""
    data = open(path, "rb").read()
    out, i = [], 0
    while i + 4 <= len(data):
        (n,) = struct.unpack(">I", data[i:i + 4])
        out.append(data[i + 4:i + 4 + n])
        i += 4 + n
    return out


EXT_RE = re.compile(rb"^(?:([^,;]*),)?(\d+),(\d+),(\d+),([^,;]*)((?:,[^;]*)?);")


def parse_ext(dgram):
    """(release, prio, seq, ts, flag, extras dict, body) or None for plain."""
    m = EXT_RE.match(dgram)
    if not m:
        return None
    release = m.group(1)
    if release is not None and release.isdigit():
        # Four numeric fields: the first comma field was not a release.
        return None
    extras = {}
    for kv in m.group(6).split(b",")[1:]:
        if b"=" in kv:
            k, v = kv.split(b"=", 1)
            extras[k] = v
    return (release, int(m.group(2)), int(m.group(3)), int(m.group(4)),
            m.group(5), extras, dgram[m.end():])


def unescape(text):
    """Decode \\xHH; a bad escape or an escaped NUL stays literal."""
    out, i = bytearray(), 0
    while i < len(text):
        if text[i:i + 2] == b"\\x" and i + 4 <= len(text):
            h = text[i + 2:i + 4]
            if re.fullmatch(rb"[0-9a-fA-F]{2}", h) and h != b"00":
                out.append(int(h, 16))
                i += 4
                continue
        out.append(text[i])
        i += 1
    return bytes(out)


def ext_records(dgrams):
    """Reference decode of ext datagrams: records in completion order."""
    frags, seen, recs = {}, set(), []
    for d in dgrams:
        p = parse_ext(d)
        if p is None:
            continue
        release, prio, seq, ts, flag, extras, body = p
        if b"ncfrag" in extras:
            off, total = (int(x) for x in extras[b"ncfrag"].split(b"/"))
            buf = frags.setdefault(seq, {})
            buf[off] = body
            if sum(len(v) for v in buf.values()) < total:
                continue
            body = b"".join(buf[k] for k in sorted(buf))
            del frags[seq]
        if seq in seen:
            continue
        seen.add(seq)
        text = body.split(b"\n", 1)[0]
        recs.append({"seq": seq, "flag": flag, "caller":
                     extras.get(b"caller", b""), "text": unescape(text),
                     "release": release})
    return recs


def merge_cont(recs):
    """Append 'c' records to the latest earlier record of the same caller.

    As netconsole.c does: without caller ids only to the record just
    before (adjacent seq); a '\n' joins them when there are no caller ids
    or the seqs are adjacent (the piece began a new console line)."""
    out = []
    for r in recs:
        target = None
        if r["flag"] in (b"c", b"+") and out:
            if not r["caller"]:
                prev = out[-1]
                if not prev["caller"] and prev["seq_last"] + 1 == r["seq"]:
                    target = prev
            else:
                target = next((p for p in reversed(out)
                               if p["caller"] == r["caller"]), None)
        if target is None:
            out.append(dict(r, seq_last=r["seq"]))
            continue
        if not r["caller"] or target["seq_last"] + 1 == r["seq"]:
            target["text"] += b"\n"
        target["text"] += r["text"]
        target["seq_last"] = r["seq"]
    return out


def plain_lines(dgrams):
    """Reference decode of a plain stream: '\\n'-split, NUL escaped."""
    data = b"".join(dgrams).replace(b"\0", b"\\x00")
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def expected_lines(dgrams):
    """Lines the collector must archive for one source's datagrams."""
    if any(parse_ext(d) is not None for d in dgrams):
        out = []
        for r in merge_cont(ext_records(dgrams)):
            out.extend(r["text"].replace(b"\0", b"\\x00").split(b"\n"))
        return out
    return plain_lines(dgrams)


def sample_files(repo, pattern="**/*.pkts"):
    """Every capture under <repo>/../shared/samples matching pattern."""
    root = os.path.join(repo, SAMPLES_REL)
    return sorted(glob.glob(os.path.join(root, pattern), recursive=True))


# ---- archive ---------------------------------------------------------------

def _delta(tok, last):
    """Decode one delta-encoded field (docs/archive.md); (value, last)."""
    if tok == b"-":
        return None, last
    if tok[:1] == b"=":
        v = int(tok[1:])
    elif tok[:1] in (b"+", b"-"):
        if last is None:
            raise ValueError("delta %r without a base" % tok)
        v = last + int(tok)
    else:
        v = int(tok)
    return v, v


def read_archive(path):
    """Lines of an archive file as dicts, per docs/archive.md.

    The file is gzip members back to back, one per flush. Tolerates a file
    cut by kill -9 (a torn member after the last flush). Returns (lines,
    complete): complete is True only when the file ends with its end
    record ("E"), i.e. the collector closed it."""
    raw = open(path, "rb").read()
    data, members = b"", 0
    while raw:
        z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        data += z.decompress(raw)
        if not z.eof:
            break  # torn member: what came out of it is kept
        members += 1
        raw = z.unused_data
    complete = False
    lines, pos, first = [], 0, True
    last = [None, None, None, None]  # lineno, recv_ms, ktime_us, seq
    while True:
        nl = data.find(b"\n", pos)
        if nl < 0:
            break
        toks = data[pos:nl].split(b" ")
        if len(toks) < 2:
            raise ValueError("bad record header at offset %d" % pos)
        n = int(toks[1])
        body_start = nl + 1
        if body_start + n + 1 > len(data):
            break  # torn tail after the last flush
        body = data[body_start:body_start + n]
        if data[body_start + n:body_start + n + 1] != b"\n":
            raise ValueError("record at offset %d not ended by newline" % pos)
        if first and not toks[0].startswith(b"KCATCH-ARCHIVE/"):
            raise ValueError("no file header")
        first = False
        if toks[0] == b"E":
            complete = members > 0 and int(toks[2]) == len(lines)
            break
        if toks[0] == b"L":
            vals = []
            for i in range(4):
                v, last[i] = _delta(toks[2 + i], last[i])
                vals.append(v)
            lines.append({"lineno": vals[0], "recv_ms": vals[1],
                          "ktime": vals[2], "seq": vals[3],
                          "level": toks[6], "caller": toks[7],
                          "text": body})
        pos = body_start + n + 1
    return lines, complete


def archive_lines(data_dir, board=None):
    """{archive relpath: [line dicts]} for every archive (of board)."""
    out = {}
    pat = os.path.join(data_dir, "archive", board or "*", "*.kca.gz")
    for p in sorted(glob.glob(pat)):
        out[os.path.relpath(p, data_dir)] = read_archive(p)[0]
    return out


# ---- database ----------------------------------------------------------------

def db_query(data_dir, sql, args=()):
    """Rows of a read-only query; [] while the database does not exist."""
    path = os.path.join(data_dir, "kcatch.db")
    if not os.path.exists(path):
        return []
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=5)
    try:
        con.row_factory = sqlite3.Row
        return [dict(r) for r in con.execute(sql, args)]
    finally:
        con.close()


# ---- the harness -------------------------------------------------------------

class Harness:
    """Results, temp dirs and processes of one test script."""

    def __init__(self, argv):
        if len(argv) < 3:
            sys.exit("usage: %s <kcatch> <repo-root>" % argv[0])
        self.kcatch = os.path.abspath(argv[1])
        self.repo = os.path.abspath(argv[2])
        self.name = os.path.basename(argv[0])
        self.passed = self.failed = 0
        self.procs = []
        self.tmp = tempfile.mkdtemp(prefix="kcatch-itest-")
        atexit.register(self.cleanup)
        # A TERM from the shell driver's trap still runs the cleanup.
        signal.signal(signal.SIGTERM, lambda *a: sys.exit(3))

    def check(self, what, ok, detail=""):
        if ok:
            self.passed += 1
            print("PASS: %s" % what, flush=True)
        else:
            self.failed += 1
            print("FAIL: %s %s" % (what, detail), flush=True)
        return ok

    def finish(self):
        self.stop_all()
        print("%s: %d passed, %d failed" % (self.name, self.passed,
                                             self.failed), flush=True)
        sys.exit(1 if self.failed or not self.passed else 0)

    def cleanup(self):
        self.stop_all(kill=True)
        if self.failed == 0:
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            print("kept %s for inspection" % self.tmp)

    def stop_all(self, kill=False):
        for d in list(self.procs):
            d.stop(sig=signal.SIGKILL if kill else signal.SIGTERM)

    def data_dir(self, name="data"):
        return os.path.join(self.tmp, name)

    def run(self, args, timeout=60, env=None):
        """Run kcatch with args; (rc, stdout, stderr)."""
        p = subprocess.run([self.kcatch] + args, capture_output=True,
                           timeout=timeout, env=env)
        return p.returncode, p.stdout.decode(errors="replace"), \
            p.stderr.decode(errors="replace")

    def status(self, data_dir):
        rc, out, err = self.run(["status", "--data-dir", data_dir, "--json"])
        if rc != 0:
            return None
        return json.loads(out)

    def start(self, data_dir, args=(), listen="127.0.0.1:0", config=None):
        d = Daemon(self, data_dir, list(args), listen, config)
        self.procs.append(d)
        d.start()
        return d


def _die_with_parent():
    """In the child: get SIGKILL when the test process dies (prctl)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PDEATHSIG
    except (OSError, AttributeError):
        pass


def wait_for(fn, timeout=10.0, step=0.05):
    """Poll fn() until it returns a true value or timeout; returns it."""
    end = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() >= end:
            return v
        time.sleep(step)


class Daemon:
    """One `kcatch collect` process with its log file."""

    def __init__(self, h, data_dir, args, listen, config):
        self.h, self.data_dir, self.args = h, data_dir, args
        self.listen, self.config = listen, config
        self.proc = None
        self.port = None
        self.log_path = None
        self.runs = 0

    def start(self, timeout=15.0):
        self.runs += 1
        self.log_path = os.path.join(self.h.tmp, "collect-%d-%d.log" %
                                     (id(self) % 10000, self.runs))
        cmd = [self.h.kcatch, "collect", "--data-dir", self.data_dir]
        if self.listen:
            cmd += ["--listen", self.listen]
        if self.config:
            cmd += ["--config", self.config]
        cmd += self.args
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.log,
                                     stderr=subprocess.STDOUT,
                                     preexec_fn=_die_with_parent)
        m = wait_for(lambda: self.proc.poll() is not None or re.search(
            r"listening on [^ ]*:(\d+)", self.read_log()), timeout)
        if not m or m is True:
            raise RuntimeError("collector did not start:\n" + self.read_log())
        self.port = int(m.group(1))
        return self

    def read_log(self):
        try:
            return open(self.log_path, "rb").read().decode(errors="replace")
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=20.0):
        """Signal and wait; returns the exit status (None if killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        rc = self.proc.returncode
        self.log.close()
        self.proc = None
        if self in self.h.procs:
            self.h.procs.remove(self)
        return rc

    def signal(self, sig):
        self.proc.send_signal(sig)


class Sender:
    """A UDP socket bound to a loopback source address (a fake board)."""

    def __init__(self, daemon, src="127.0.0.2", sport=6665, family=None,
                 dst="127.0.0.1"):
        fam = family or (socket.AF_INET6 if ":" in src else socket.AF_INET)
        self.sock = socket.socket(fam, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
        self.sock.bind((src, sport))
        self.src, self.sport = self.sock.getsockname()[:2]
        self.daemon, self.dst = daemon, dst
        self.sent = 0

    def send(self, dgrams, pace_every=64, pace_s=0.002):
        """Send datagrams, pausing briefly every pace_every of them."""
        for i, d in enumerate(dgrams):
            self.sock.sendto(d, (self.dst, self.daemon.port))
            self.sent += 1
            if pace_every and (i + 1) % pace_every == 0:
                time.sleep(pace_s)

    def close(self):
        self.sock.close()


def board_name(src, sport):
    """Name the collector gives an unknown source."""
    return "%s-%d" % (src, sport)
