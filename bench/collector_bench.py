#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""collector_bench.py -- end-to-end benchmark of `kcatch collect`.

Owns the collector benchmark: for 1, 16 and 256 boards it drives
bench/loadgen (extended netconsole over loopback UDP, fragments and WARN
reports) into three receivers, one at a time, and finds the highest paced
rate with zero loss, plus the flat-out throughput:

  count   bench/count_recv: recvmmsg, 4 MiB buffer, counts only (the
          upper bound on this machine)
  socat   socat -u UDP-RECV:PORT - > file (default 208 KiB buffer)
  kcatch  kcatch collect --data-dir TMP --listen 127.0.0.1:PORT, doing all
          its work (archive, parse, SQLite)

Loss: count and socat -- datagrams sent vs received; kcatch -- lines sent
vs the sum of the per-board "lines" of `kcatch status --json` after a clean
SIGTERM shutdown (cross-checked against the "L" records of the archive
files). CPU: utime+stime of the receiver (all threads) from /proc/PID/stat,
from the start of sending to the end of the drain, divided by the send
time: % of one core needed to keep up with that load. Peak RSS: VmHWM.
Report-to-row latency: for each report loadgen writes the wall-clock ms its
last line left; the row's reports.created_ms (time of the INSERT) gives
"row written", a poller that reads the database every --poll-ms gives "row
visible" (committed, as another process sees it).

Before each point it waits (--quiet-wait) until other processes use less
than --max-others % of a core, and repeats a point (--retries) when they
took more meanwhile: this is a shared 2-core machine.

Every process started here is killed on exit; each run is bounded by
--seconds plus fixed drain limits. Python 3 standard library only.

  bench/collector_bench.py [--build build-cbench] [--boards 1,16,256]
      [--rates 50000,100000,150000,200000,0] [--seconds 10]
      [--receivers count,socat,kcatch] [--json out.json] [--doc]
  bench/collector_bench.py --from-json out.json [--doc]   # render only
"""
import argparse
import atexit
import datetime
import glob
import gzip
import json
import os
import platform
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(REPO, "docs", "performance.md")
DOC_BEGIN = "<!-- BEGIN collector-bench results -->"
DOC_END = "<!-- END collector-bench results -->"
CLK_TCK = os.sysconf("SC_CLK_TCK")
RUNNING = []  # Popen objects to kill at exit


def kill_all():
    """Kill every process this script started and is still running."""
    for p in RUNNING:
        if p.poll() is None:
            p.kill()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass


def on_signal(signum, frame):
    """Turn SIGTERM/SIGINT into a normal exit so atexit runs."""
    sys.exit(128 + signum)


def start(cmd, **kw):
    """Start cmd and remember it for kill_all."""
    p = subprocess.Popen(cmd, **kw)
    RUNNING.append(p)
    return p


def stop(p, timeout=30):
    """SIGTERM p and wait; SIGKILL after timeout. Returns the exit code."""
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return p.returncode


def now_ms():
    """Wall clock in ms (CLOCK_REALTIME), as loadgen and store.c use."""
    return time.time_ns() // 1000000


def proc_cpu_s(pid):
    """utime + stime of pid (all its threads) in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def thread_cpu_s(pid):
    """{tid: utime + stime in seconds} for every thread of pid."""
    out = {}
    for path in glob.glob(f"/proc/{pid}/task/*/stat"):
        try:
            with open(path) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # thread gone
        tid = int(path.split("/")[4])
        out[tid] = (int(fields[11]) + int(fields[12])) / CLK_TCK
    return out


def proc_hwm_kb(pid):
    """VmHWM (peak RSS) of pid in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def udp_snmp():
    """The Udp counters of /proc/net/snmp as a dict."""
    with open("/proc/net/snmp") as f:
        rows = [l.split() for l in f if l.startswith("Udp:")]
    return dict(zip(rows[0][1:], map(int, rows[1][1:])))


def softnet_dropped():
    """Packets dropped on full per-CPU backlogs (softnet_stat column 2)."""
    with open("/proc/net/softnet_stat") as f:
        return sum(int(l.split()[1], 16) for l in f)


def cpu_busy_s():
    """(busy, irq + softirq, steal) CPU seconds of the machine from
    /proc/stat; steal is time the VM's host gave to someone else.
    On loopback the UDP receive path runs in softirq context, mostly in
    the sender's send call."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return ((sum(v[:8]) - v[3] - v[4]) / CLK_TCK, (v[5] + v[6]) / CLK_TCK,
            v[7] / CLK_TCK)


def others_cpu_s(exclude):
    """{(pid, start time): utime + stime s} of every process but exclude
    and this script's own children."""
    me, out = os.getpid(), {}
    for path in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(path) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited
        pid = int(path.split("/")[2])
        if pid in exclude or pid == me or int(fields[1]) == me:
            continue
        out[(pid, fields[19])] = (int(fields[11]) + int(fields[12])) / CLK_TCK
    return out


def thread_sched_s(pid):
    """{tid: (on-CPU s, runnable-but-waiting s)} from task schedstat."""
    out = {}
    for path in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        try:
            with open(path) as f:
                run, wait = f.read().split()[:2]
        except OSError:
            continue
        out[int(path.split("/")[4])] = (int(run) / 1e9, int(wait) / 1e9)
    return out


def port_bound(port):
    """True when some socket listens on UDP port (IPv4)."""
    want = ":%04X" % port
    with open("/proc/net/udp") as f:
        return any(l.split()[1].endswith(want) for l in list(f)[1:])


def wait_for(pred, timeout, what):
    """Poll pred every 20 ms until true; raise after timeout seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.02)
    raise RuntimeError(f"timed out waiting for {what}")


def percentile(vals, p):
    """The p-th percentile (nearest rank) of vals, None when empty."""
    if not vals:
        return None
    s = sorted(vals)
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


class Poller(threading.Thread):
    """Reads new reports rows every interval; notes when each appeared."""

    def __init__(self, db, interval):
        super().__init__(daemon=True)
        self.db, self.interval = db, interval
        self.seen = {}  # reports.id -> wall ms first seen
        self.done = threading.Event()

    def run(self):
        conn, last = None, 0
        while not self.done.is_set():
            try:
                if conn is None and os.path.exists(self.db):
                    conn = sqlite3.connect(f"file:{self.db}?mode=ro",
                                           uri=True, timeout=0.05)
                if conn is not None:
                    rows = conn.execute("SELECT id FROM reports WHERE id > ?",
                                        (last,)).fetchall()
                    t = now_ms()
                    for (rid,) in rows:
                        self.seen.setdefault(rid, t)
                        last = max(last, rid)
            except sqlite3.Error:
                pass  # table not created yet, or busy: try again
            self.done.wait(self.interval)
        if conn is not None:
            conn.close()


class Run:
    """One receiver, one board count, one rate: start, load, drain, stop."""

    def __init__(self, args, kind, boards, rate, port, work):
        self.a, self.kind, self.boards, self.rate = args, kind, boards, rate
        self.port, self.work = port, work
        self.res = {"receiver": kind, "boards": boards, "rate": rate}

    # -- receivers -----------------------------------------------------
    def start_receiver(self):
        addr = f"127.0.0.1:{self.port}"
        if self.kind == "count":
            self.out = open(os.path.join(self.work, "count.json"), "w+")
            self.p = start([self.a.count_recv, "--listen", addr, "--idle",
                            "0", "--max-seconds",
                            str(self.a.seconds + 120)], stdout=self.out)
        elif self.kind == "socat":
            self.out = open(os.path.join(self.work, "socat.out"), "wb")
            self.p = start(["socat", "-u",
                            f"UDP-RECV:{self.port},bind=127.0.0.1", "-"],
                           stdout=self.out)
        else:
            self.data = os.path.join(self.work, "data")
            self.log = open(os.path.join(self.work, "kcatch.log"), "w")
            self.p = start([self.a.kcatch, "collect", "--data-dir",
                            self.data, "--listen", addr], stdout=self.log,
                           stderr=subprocess.STDOUT)
        wait_for(lambda: port_bound(self.port) or self.p.poll() is not None,
                 20, f"{self.kind} to bind port {self.port}")
        if self.p.poll() is not None:
            raise RuntimeError(f"{self.kind} exited: {self.p.returncode}")
        if self.kind == "kcatch":
            self.db = os.path.join(self.data, "kcatch.db")
            wait_for(lambda: os.path.exists(self.db), 20, "kcatch.db")

    # -- load ----------------------------------------------------------
    def run_loadgen(self):
        self.times = os.path.join(self.work, "report-times.txt")
        cmd = [self.a.loadgen, "--target", f"127.0.0.1:{self.port}",
               "--boards", str(self.boards), "--rate", str(self.rate),
               "--seconds", str(self.a.seconds), "--frag-every",
               str(self.a.frag_every), "--report-every",
               str(self.a.report_every), "--seed", str(self.a.seed),
               "--report-times", self.times]
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run(cmd, capture_output=True, text=True,
                             timeout=self.a.seconds + 60, check=True)
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.sent = json.loads(out.stdout)
        self.res["sent"] = self.sent
        self.res["loadgen_cpu_s"] = (ru1.ru_utime + ru1.ru_stime -
                                     ru0.ru_utime - ru0.ru_stime)
        self.res["loadgen_cpu_pct"] = round(
            100 * self.res["loadgen_cpu_s"] / self.sent["seconds"], 1)

    # -- drain ---------------------------------------------------------
    def measure(self, s0, s1):
        """CPU figures over the send window plus drain, from snapshots."""
        span, sent_s, pid = s1["t"] - s0["t"], self.sent["seconds"], self.p.pid
        cpu, me = s1["cpu"] - s0["cpu"], s1["me"] - s0["me"]
        irq = s1["irq"] - s0["irq"]
        r = self.res
        r["cpu_s"] = round(cpu, 2)
        r["cpu_pct"] = round(100 * cpu / sent_s, 1)
        r["drain_s"] = round(span - sent_s, 2)
        r["thread_cpu_pct"] = {
            thread_name(pid, t): round(100 * (c - s0["threads"].get(t, 0)) /
                                       sent_s, 1)
            for t, c in sorted(s1["threads"].items())}
        # Runnable but waiting for a CPU: high means the machine, not the
        # thread, was the limit.
        r["thread_wait_pct"] = {
            thread_name(pid, t): round(100 * (w - s0["sched"].get(
                t, (0, 0))[1]) / span, 1)
            for t, (_, w) in sorted(s1["sched"].items())}
        r["softirq_pct"] = round(100 * irq / span, 1)
        r["steal_pct"] = round(100 * (s1["steal"] - s0["steal"]) / span, 1)
        r["harness_cpu_pct"] = round(100 * me / span, 1)
        # What every other process used meanwhile (other users, kernel
        # threads; processes that ended meanwhile are missed): a busy
        # machine makes every receiver look worse.
        others = sum(c - s0["others"].get(k, 0)
                     for k, c in s1["others"].items())
        r["others_cpu_pct"] = round(100 * others / span, 1)

    def kcatch_status(self):
        out = subprocess.run([self.a.kcatch, "status", "--data-dir",
                              self.data, "--json"], capture_output=True,
                             text=True, timeout=30)
        return json.loads(out.stdout) if out.returncode == 0 else None

    def drain(self):
        """Wait until the receiver has taken everything in (bounded)."""
        if self.kind == "count":
            time.sleep(1.0)  # 4 MiB of queue drains in well under 1 s
            return
        if self.kind == "socat":
            self.wait_stable(lambda: os.path.getsize(self.out.name), 0.5, 20)
            return
        want = self.sent["lines"]

        def lines():
            st = self.kcatch_status()
            n = sum(b["lines"] for b in st["boards"]) if st else -1
            return want if n >= want else n
        self.wait_stable(lines, 1.5, 60)

    def wait_stable(self, value, quiet, limit):
        """Poll value() until it stops changing for quiet s (max limit)."""
        end, last, since = time.monotonic() + limit, None, time.monotonic()
        while time.monotonic() < end:
            v = value()
            if v != last:
                last, since = v, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return
            time.sleep(0.1)

    # -- results -------------------------------------------------------
    def collect_count(self):
        self.out.seek(0)
        got = json.loads(self.out.read())
        self.res["received"] = got
        self.res["loss"] = self.sent["datagrams"] - got["datagrams"]
        self.res["loss_unit"] = "datagrams"

    def collect_socat(self):
        self.out.close()
        with open(self.out.name, "rb") as f:
            data = f.read()
        dgrams = data.count(b",caller=T")
        records = dgrams - data.count(b",ncfrag=") + data.count(b",ncfrag=0/")
        self.res["received"] = {"datagrams": dgrams, "records": records,
                                "bytes": len(data)}
        self.res["loss"] = self.sent["datagrams"] - dgrams
        self.res["loss_unit"] = "datagrams"
        os.unlink(self.out.name)

    def collect_kcatch(self):
        st = self.kcatch_status() or {"boards": []}
        lines = sum(b["lines"] for b in st["boards"])
        self.res["status"] = {k: v for k, v in st.items() if k != "boards"}
        self.res["received"] = {
            "lines": lines, "boards": len(st["boards"]),
            "reports": sum(b["reports"] for b in st["boards"]),
            "gaps": sum(b["gaps"] for b in st["boards"]),
            "duplicates": sum(b["duplicates"] for b in st["boards"]),
            "drops": sum(b["drops"] for b in st["boards"]),
            "archive_lines": archive_lines(self.data)}
        self.res["loss"] = self.sent["lines"] - lines
        self.res["loss_unit"] = "lines"
        self.res["latency"] = latency(self.db, self.times, self.poller.seen)
        self.res["log_warnings"] = log_warnings(self.log.name)

    def execute(self):
        """Run once; fills and returns self.res."""
        self.start_receiver()
        if self.kind == "kcatch":
            self.poller = Poller(self.db, self.a.poll_ms / 1000)
            self.poller.start()
        s0 = snapshot(self.p.pid)
        self.run_loadgen()
        self.drain()
        s1 = snapshot(self.p.pid)
        self.measure(s0, s1)
        self.res["rss_peak_mb"] = round(proc_hwm_kb(self.p.pid) / 1024, 1)
        self.res["exit"] = stop(self.p, 60)
        if self.kind == "kcatch":
            self.poller.done.set()
            self.poller.join()
        self.res["udp_rcvbuf_errors"] = (udp_snmp()["RcvbufErrors"] -
                                         s0["snmp"]["RcvbufErrors"])
        self.res["softnet_dropped"] = softnet_dropped() - s0["softnet"]
        getattr(self, "collect_" + self.kind)()
        return self.res


def snapshot(pid):
    """Counters of the machine, of pid's threads and of this script."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    busy, irq, steal = cpu_busy_s()
    return {"t": time.monotonic(), "cpu": proc_cpu_s(pid), "busy": busy,
            "irq": irq, "steal": steal, "threads": thread_cpu_s(pid),
            "sched": thread_sched_s(pid), "me": me.ru_utime + me.ru_stime,
            "others": others_cpu_s({pid}),
            "snmp": udp_snmp(), "softnet": softnet_dropped()}


def thread_name(pid, tid):
    """The main thread (tid == pid) is kcatch's event loop; others are its
    writer thread(s)."""
    return "main" if tid == pid else str(tid)


def archive_lines(data_dir):
    """Count "L" records in every archive file (docs/archive.md format)."""
    total = 0
    for path in glob.glob(os.path.join(data_dir, "archive", "*", "*.kca.gz")):
        try:
            with gzip.open(path, "rb") as f:
                buf = f.read()
        except (OSError, EOFError):
            return None
        pos = 0
        while pos < len(buf):
            nl = buf.find(b"\n", pos)
            if nl < 0:
                break
            tok = buf[pos:nl].split(b" ")
            total += tok[0] == b"L"
            pos = nl + 1 + int(tok[1]) + 1
    return total


def latency(db, times_file, seen):
    """Report-to-row latencies: created_ms and first-seen vs last line sent.

    Rows and sent reports are matched per board in order (both are in
    stream order; with zero loss the counts are equal).
    """
    sent = {}
    with open(times_file) as f:
        for line in f:
            board, seq, ms = line.split()
            sent.setdefault(board, []).append((int(seq), int(ms)))
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = conn.execute(
        "SELECT b.address, b.name, r.id, r.created_ms, r.class "
        "FROM reports r JOIN boards b ON b.id = r.board_id "
        "ORDER BY r.board_id, r.boot_id, r.first_line").fetchall()
    conn.close()
    got, classes = {}, {}
    for addr, name, rid, created, cls in rows:
        got.setdefault(addr if addr in sent else name, []).append(
            (rid, created))
        classes[cls] = classes.get(cls, 0) + 1
    written, visible, unmatched = [], [], 0
    for board, reps in sent.items():
        rws = got.get(board, [])
        unmatched += abs(len(reps) - len(rws))
        for (seq, ms), (rid, created) in zip(sorted(reps), rws):
            written.append(created - ms)
            if rid in seen:
                visible.append(seen[rid] - ms)
    return {"reports_sent": sum(map(len, sent.values())),
            "rows": len(rows), "classes": classes, "unmatched": unmatched,
            "written_p50": percentile(written, 50),
            "written_p99": percentile(written, 99),
            "visible_p50": percentile(visible, 50),
            "visible_p99": percentile(visible, 99),
            "visible_n": len(visible)}


def log_warnings(path):
    """kcatch's warning lines by kind (board names and numbers folded)."""
    kinds = {}
    with open(path, errors="replace") as f:
        for line in f:
            if " warning: " not in line:
                continue
            k = line.split(" warning: ", 1)[1].strip()
            k = re.sub(r"board \S+:", "board B:", k)
            k = re.sub(r"\d+", "N", k)
            kinds[k] = kinds.get(k, 0) + 1
    return kinds


def wait_quiet(args):
    """Wait (at most --quiet-wait s) until other work uses < --max-others %
    of one core over a second: other users' builds and benchmarks on this
    2-core machine would take the CPU the receiver needs."""
    end = time.monotonic() + args.quiet_wait
    while True:
        b0 = cpu_busy_s()[0]
        time.sleep(1)
        busy = 100 * (cpu_busy_s()[0] - b0)
        if busy < args.max_others or time.monotonic() > end:
            return busy
        print(f"  machine busy ({busy:.0f} % of a core), waiting",
              flush=True)
        time.sleep(4)


def run_point(args, kind, boards, rate, port):
    """One run in a fresh work directory, removed afterwards; repeated
    (--retries) when other work took more than --max-others % meanwhile."""
    for attempt in range(args.retries + 1):
        idle = wait_quiet(args)
        with tempfile.TemporaryDirectory(prefix="kcbench-",
                                         dir=args.tmp) as w:
            res = Run(args, kind, boards, rate, next(port), w).execute()
        res["busy_before_pct"] = round(idle, 1)
        res["argv"], res["date"] = args.argv, str(datetime.date.today())
        res["commit"] = args.commit
        res["zero_loss"] = (res["loss"] == 0 and
                            res["sent"]["send_errors"] == 0)
        res["contended"] = res["others_cpu_pct"] > args.max_others
        print(one_line(res), flush=True)
        if not res["contended"]:
            break
    return res


def one_line(r):
    """A progress line for one run."""
    s = r["sent"]
    lat = r.get("latency") or {}
    return (f"{r['receiver']:6} boards={r['boards']:<3} rate={r['rate']:<6} "
            f"sent={s['records_per_s']:>7.0f} rec/s loss={r['loss']} "
            f"{r['loss_unit']} cpu={r['cpu_pct']}% rss={r['rss_peak_mb']}MB "
            f"rcvbuf_err={r['udp_rcvbuf_errors']} "
            f"lat_w={lat.get('written_p50')}/{lat.get('written_p99')} "
            f"lat_v={lat.get('visible_p50')}/{lat.get('visible_p99')} "
            f"softirq={r['softirq_pct']}% steal={r['steal_pct']}% "
            f"others={r['others_cpu_pct']}% "
            f"threads={r['thread_cpu_pct']} wait={r['thread_wait_pct']}")


def ladder(args, kind, boards, port):
    """Paced rates upward until the first loss, then flat out."""
    out, lost = [], False
    for rate in args.rates:
        if rate != 0 and lost:
            continue
        res = run_point(args, kind, boards, rate, port)
        out.append(res)
        lost = lost or (rate != 0 and not res["zero_loss"])
    return out


def fmt_rate(v):
    """12345.6 -> '12.3 k'."""
    return "-" if v is None else f"{v / 1000:.1f} k"


def fmt_ms(v):
    return "-" if v is None else f"{v}"


def summarize(results, boards, kind):
    """One summary row: best zero-loss paced run and the flat-out run."""
    runs = [r for r in results if r["boards"] == boards and
            r["receiver"] == kind]
    paced = [r for r in runs if r["rate"] != 0 and r["zero_loss"]]
    best = max(paced, key=lambda r: r["rate"], default=None)
    flat = next((r for r in runs if r["rate"] == 0), None)
    return best, flat


def delivered(r):
    """Records/s that arrived: send rate times the fraction received."""
    s = r["sent"]
    sent = s["lines"] if r["loss_unit"] == "lines" else s["datagrams"]
    return s["records_per_s"] * (sent - r["loss"]) / sent if sent else 0


def summary_table(results, board_list, kinds):
    """Markdown: per boards x receiver, the contract's numbers."""
    rows = ["| boards | receiver | highest zero-loss paced rate "
            "(records/s sent) | CPU at that rate (% of 1 core) | peak RSS "
            "| report→row written p50 / p99 | report→row visible p50 / p99 "
            "| flat out: sent → delivered records/s (loss; % of count) |",
            "|---|---|---|---|---|---|---|---|"]
    for b in board_list:
        base = summarize(results, b, "count")[1]
        for k in kinds:
            rows.append(summary_row(results, b, k, base))
    return "\n".join(rows)


def rate_cell(results, b, k, best):
    """The best zero-loss paced rate, or what the lowest one lost."""
    if best is not None:
        return f"{best['rate'] / 1000:.0f} k"
    first = next((r for r in results if r["boards"] == b and
                  r["receiver"] == k and r["rate"] != 0), None)
    if first is None:
        return "-"
    return (f"none: lost {first['loss']} {first['loss_unit']} at "
            f"{first['rate'] / 1000:.0f} k")


def flat_cell(flat, base):
    """Flat-out sent and delivered rates, loss, delivered vs count's."""
    if flat is None:
        return "-"
    sent = flat["sent"]["lines"] if flat["loss_unit"] == "lines" else \
        flat["sent"]["datagrams"]
    pct = 100 * flat["loss"] / max(1, sent)
    vs = "" if base is None or base is flat else \
        f"; {100 * delivered(flat) / delivered(base):.0f} %"
    return (f"{fmt_rate(flat['sent']['records_per_s'])} → "
            f"{fmt_rate(delivered(flat))} ({pct:.1f} %{vs})")


def summary_row(results, b, k, base):
    """One line of summary_table."""
    best, flat = summarize(results, b, k)
    lat = (best or {}).get("latency") or {}
    cpu = "-" if best is None else f"{best['cpu_pct']}"
    rss = "-" if best is None else f"{best['rss_peak_mb']} MB"
    wl = (f"{fmt_ms(lat.get('written_p50'))} / "
          f"{fmt_ms(lat.get('written_p99'))} ms") if lat else "-"
    vl = (f"{fmt_ms(lat.get('visible_p50'))} / "
          f"{fmt_ms(lat.get('visible_p99'))} ms") if lat else "-"
    return (f"| {b} | {k} | {rate_cell(results, b, k, best)} | {cpu} | "
            f"{rss} | {wl} | {vl} | {flat_cell(flat, base)} |")


def where_lost(r):
    """Where the loss happened: the socket buffer, or kcatch's queues."""
    if r["loss"] == 0:
        return "-"
    st = r.get("status")
    if st is None:
        return f"socket {r['udp_rcvbuf_errors']}"
    parts = [f"{k} {st[k]}" for k in ("socket_drops", "queue_drops",
                                      "limit_drops") if st.get(k)]
    return ", ".join(parts) or "?"


def cpu_cell(r):
    """Total CPU %, and main/writer split for kcatch."""
    th = r["thread_cpu_pct"]
    if len(th) < 2:
        return f"{r['cpu_pct']}"
    return f"{r['cpu_pct']} ({' + '.join(str(v) for v in th.values())})"


def detail_table(results):
    """Markdown: every run."""
    rows = ["| boards | receiver | rate asked | sent records/s | datagrams "
            "| lines | lost | where lost | CPU % (main + writer) "
            "| waited for a CPU % | peak RSS MB | written p50/p99 ms "
            "| visible p50/p99 ms | other CPU % |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        s, lat = r["sent"], r.get("latency") or {}
        wait = " + ".join(str(v) for v in r["thread_wait_pct"].values())
        rows.append(
            f"| {r['boards']} | {r['receiver']} | "
            f"{'flat out' if r['rate'] == 0 else fmt_rate(r['rate'])} | "
            f"{s['records_per_s']:.0f} | {s['datagrams']} | {s['lines']} | "
            f"{r['loss']} {r['loss_unit']} | {where_lost(r)} | "
            f"{cpu_cell(r)} | {wait} | {r['rss_peak_mb']} | "
            f"{fmt_ms(lat.get('written_p50'))}/"
            f"{fmt_ms(lat.get('written_p99'))} | "
            f"{fmt_ms(lat.get('visible_p50'))}/"
            f"{fmt_ms(lat.get('visible_p99'))} | "
            f"{r['others_cpu_pct']}{' (contended)' if r['contended'] else ''}"
            " |")
    return "\n".join(rows)


def doc_text(args, results):
    """The generated part of the Collector section."""
    kinds = [k for k in ("count", "socat", "kcatch")
             if any(r["receiver"] == k for r in results)]
    boards = sorted({r["boards"] for r in results})
    cmds = []
    for r in results:
        cmd = "bench/collector_bench.py " + " ".join(r.get("argv", []))
        if cmd not in cmds:
            cmds.append(cmd)
    date = max((r.get("date", "") for r in results), default="")
    commits = sorted({r.get("commit", "?") for r in results
                      if r["receiver"] == "kcatch"})
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), "?")
    return "\n".join([
        DOC_BEGIN,
        f"Measured {date or datetime.date.today()} on {os.cpu_count()} cores "
        f"({cpu}), {platform.system()} {platform.release()}; kcatch at "
        f"commit {', '.join(commits) or '-'} (Release); "
        f"{args.seconds:g} s per point, loadgen `--frag-every "
        f"{args.frag_every} --report-every {args.report_every} --seed "
        f"{args.seed}`.",
        "",
        "```sh",
        "cmake -S . -B build-cbench -DCMAKE_BUILD_TYPE=Release "
        "-DKCATCH_TESTS=OFF",
        "cmake --build build-cbench --target kcatch loadgen count_recv",
        *cmds,
        "```",
        "",
        summary_table(results, boards, kinds),
        "",
        "<details><summary>Every run</summary>",
        "",
        detail_table(results),
        "",
        "</details>",
        DOC_END])


def write_doc(text):
    """Replace the generated block in docs/performance.md."""
    with open(DOC) as f:
        doc = f.read()
    if DOC_BEGIN not in doc or DOC_END not in doc:
        raise RuntimeError(f"{DOC}: no {DOC_BEGIN} ... {DOC_END} block")
    head, rest = doc.split(DOC_BEGIN, 1)
    tail_ = rest.split(DOC_END, 1)[1]
    with open(DOC, "w") as f:
        f.write(head + text + tail_)


def int_list(s):
    return [int(x) for x in s.split(",") if x != ""]


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="End-to-end benchmark of kcatch collect.")
    ap.add_argument("--build", default=os.path.join(REPO, "build-cbench"))
    ap.add_argument("--boards", type=int_list, default=[1, 16, 256])
    ap.add_argument("--rates", type=int_list,
                    default=[50000, 100000, 150000, 200000, 0],
                    help="records/s, ascending; 0 = flat out")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--receivers", type=lambda s: s.split(","),
                    default=["count", "socat", "kcatch"])
    ap.add_argument("--frag-every", type=int, default=50)
    ap.add_argument("--report-every", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--poll-ms", type=float, default=25)
    ap.add_argument("--max-others", type=float, default=25,
                    help="%% of a core other work may use during a run")
    ap.add_argument("--quiet-wait", type=float, default=300)
    ap.add_argument("--retries", type=int, default=2)
    ap.add_argument("--port-base", type=int, default=17200)
    ap.add_argument("--tmp", default=tempfile.gettempdir())
    ap.add_argument("--json", help="write every run's results here")
    ap.add_argument("--from-json", type=lambda s: s.split(","),
                    help="render these --json files instead of running")
    ap.add_argument("--doc", action="store_true",
                    help="write the tables into docs/performance.md")
    a = ap.parse_args(argv)
    a.argv = argv
    a.commit = git_commit()
    a.loadgen = os.path.join(a.build, "bench", "loadgen")
    a.count_recv = os.path.join(a.build, "bench", "count_recv")
    a.kcatch = os.path.join(a.build, "collector", "kcatch")
    for exe in (a.loadgen, a.count_recv) + (
            (a.kcatch,) if "kcatch" in a.receivers else ()):
        if not a.from_json and not os.access(exe, os.X_OK):
            ap.error(f"{exe}: not built")
    return a


def merge_json(paths):
    """Results of earlier --json files; a later run of the same receiver,
    boards and rate replaces an earlier one."""
    runs = {}
    for path in paths:
        with open(path) as f:
            for r in json.load(f):
                r.setdefault("contended", False)
                runs[(r["receiver"], r["boards"], r["rate"])] = r
    order = {"count": 0, "socat": 1, "kcatch": 2}
    return sorted(runs.values(), key=lambda r: (
        r["boards"], order.get(r["receiver"], 9), r["rate"] or 1e12))


def git_commit():
    """HEAD's short hash, "+dirty" when collector/ or parsers/ differ."""
    def git(*a):
        out = subprocess.run(["git", "-C", REPO] + list(a),
                             capture_output=True, text=True)
        return out.stdout.strip() if out.returncode == 0 else ""
    head = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "collector", "parsers")
    return head + ("+dirty" if dirty else "")


def ports(base):
    """A fresh port per run, so no run sees another's late datagrams."""
    p = base
    while True:
        yield p
        p += 1


def main(argv):
    args = parse_args(argv)
    atexit.register(kill_all)
    signal.signal(signal.SIGTERM, on_signal)
    if args.from_json:
        results = merge_json(args.from_json)
    else:
        results, port = [], ports(args.port_base)
        for boards in args.boards:
            for kind in args.receivers:
                results += ladder(args, kind, boards, port)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    text = doc_text(args, results)
    print(text)
    if args.doc:
        write_doc(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
