"""Load on the classroom: N simulated learners log in through the hub, open lesson 2 and run
its cells through the Jupyter server API and the kernel websocket, with think time between
cells, for a bounded time. Then each saves the notebook and passes the lesson's exercise, and
the benchmark checks that nothing was lost.

    sudo .venv/bin/python benchmarks/classroom.py [--sizes 1,5,10,20,40,60] [--duration 120]
                                                  [--think 5,15] [--ramp 60] [--cold]

By default the class arrives once the hub's warm-up has started every learner's server (as
when the teacher starts the classroom a few minutes early; the row's last column is how long
that took); `--cold` turns the warm-up off, and each login starts its learner's server.

For each N (1 first: one learner alone, the baseline) it prints a row: p50 and p95 cell latency
(request sent to kernel idle) over every cell after the first, the first cell's median (the
lesson's kernel's first execution, in the session the lesson opens as JupyterLab would: lesson
2's first cell imports the course, which loads no JAX; JAX comes with the second cell, counted
among the others, unless the kernel is the server's spare, which imported it ahead), login time
(login to server answering), memory per learner (proportional set size of all the learner's
processes at its peak), hub and proxy CPU (percent of one core over the run), the machine's
load, and whether anything was lost (each learner's saved notebook and recorded check present
on disk). It stops early when the class saturates: p95 over 5 s, a learner failing, or the next
N not fitting in the memory left.
Needs root: it runs a real classroom with throw-away accounts (`crbench-...`, removed after).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classroom.harness import Hub, processes_of  # noqa: E402

LESSON = "02_numerical_stability.ipynb"
EXERCISE = "02_logcosh"
MARK = "# saved by benchmarks/classroom.py"


def pss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (FileNotFoundError, ProcessLookupError):
        return 0.0


def mem_available_mb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    return 0.0


def hub_and_proxy(hub: Hub) -> tuple[int, int | None]:
    proxy = None
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes()
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError):
                continue
            if ppid == hub.process.pid and b"configurable-http-proxy" in cmd:
                proxy = int(proc.name)
    return hub.process.pid, proxy


class Simulated(threading.Thread):
    """One learner: log in, wait for lesson 2, run its code cells with think time for
    `duration` seconds from its kernel's start, then pass the exercise and save."""

    def __init__(self, hub: Hub, name: str, start_at: float, duration: float, think):
        super().__init__(daemon=True)
        self.hub, self.name, self.start_at, self.duration, self.think = (
            hub, name, start_at, duration, think)
        self.latencies: list[float] = []  # every cell after the first
        self.first: float | None = None  # the first cell: `import course` (no JAX yet)
        self.login_s = None
        self.error = None
        self.cell_errors = 0

    def run(self) -> None:
        try:
            time.sleep(max(0.0, self.start_at - time.monotonic()))
            learner = self.hub.learner(self.name)
            t = time.monotonic()
            learner.login(timeout=600)
            self.login_s = time.monotonic() - t
            notebook = self.lesson(learner)
            cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
            kernel = learner.notebook_kernel(LESSON)  # as the lab does when it opens it
            until = time.monotonic() + self.duration
            try:
                for cell in cells:
                    if time.monotonic() > until:
                        break
                    out = kernel.run("".join(cell["source"]))
                    if self.first is None:
                        self.first = out["seconds"]
                    else:
                        self.latencies.append(out["seconds"])
                    self.cell_errors += out["error"] is not None
                    time.sleep(random.uniform(*self.think))
                out = kernel.run(f"import course\nanswer = course.solution({EXERCISE!r})\n"
                                 f"print(course.check({EXERCISE!r}, answer).passed)")
                if "True" not in out["stdout"]:
                    raise RuntimeError(f"the exercise check did not pass: {out}")
            finally:
                kernel.close()
            notebook["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [],
                                      "execution_count": None, "source": MARK})
            saved = learner.api("PUT", f"contents/{LESSON}",
                                json={"type": "notebook", "content": notebook})
            saved.raise_for_status()
        except Exception as e:  # reported in the table, never a traceback per thread
            self.error = f"{type(e).__name__}: {e}"[:200]

    def lesson(self, learner) -> dict:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            reply = learner.api("GET", f"contents/{LESSON}")
            if reply.status_code == 200:
                return reply.json()["content"]
            time.sleep(1)  # the workspace sync is still copying
        raise RuntimeError(f"{LESSON} never appeared in the workspace")


def lost(hub: Hub, name: str) -> bool:
    """Is the learner's saved notebook or recorded check missing on disk?"""
    from course.store import records

    workspace = hub.home(name) / "course"
    try:
        saved = MARK in (workspace / LESSON).read_text()
        checked = any(r["exercise"] == EXERCISE and r["passed"] for r in records(workspace))
    except Exception:
        return True
    return not (saved and checked)


def not_root(script: str) -> bool:
    """True (after saying so) unless running as root, as the classroom benchmarks must."""
    if os.geteuid() == 0:
        return False
    print(f"benchmarks/{script}: run it as root (it creates and removes accounts).",
          file=sys.stderr)
    return True


def warm_up(hub: Hub, timeout: float = 900) -> float:
    """Wait, as a teacher who starts the hub before the class, until the warm-up has started
    every learner's server (its line on the terminal); return how long that took."""
    t0 = time.monotonic()
    terminal = hub.tmp / f"hub{hub.starts}.log"
    while time.monotonic() - t0 < timeout:
        said = terminal.read_text()
        if "warm-up: " in said:
            line = said[said.index("warm-up: "):].splitlines()[0]
            if " started ahead of the class" not in line or "did not start" in said:
                raise RuntimeError(f"the warm-up did not start every server: {line}")
            return time.monotonic() - t0
        time.sleep(1)
    raise RuntimeError(f"the warm-up did not finish within {timeout:.0f} s")


def one_size(n: int, args) -> dict:
    with tempfile.TemporaryDirectory(prefix="classroom-bench-") as tmp:
        hub = Hub(Path(tmp), [f"{i:02d}" for i in range(n)], prefix="crbench",
                  extra=("--no-warm-up",) if args.cold else ())
        try:
            hub.start()
            warm_s = None if args.cold else warm_up(hub)
            hub_pid, proxy_pid = hub_and_proxy(hub)
            cpu0 = {pid: cpu_seconds(pid) for pid in (hub_pid, proxy_pid) if pid}
            t0 = time.monotonic()
            load0 = os.getloadavg()[0]
            learners = [Simulated(hub, name, t0 + args.ramp * i / max(1, n), args.duration,
                                  args.think)
                        for i, name in enumerate(hub.learners)]
            for sim in learners:
                sim.start()
            peak: dict[str, float] = {}
            loads = []
            while any(sim.is_alive() for sim in learners):
                for name in hub.learners:
                    mb = sum(pss_mb(pid) for pid in processes_of(name))
                    peak[name] = max(peak.get(name, 0.0), mb)
                loads.append(os.getloadavg()[0])
                time.sleep(2)
            wall = time.monotonic() - t0
            cpu = {pid: (cpu_seconds(pid) - c) / wall * 100 for pid, c in cpu0.items()}
            latencies = sorted(x for sim in learners for x in sim.latencies)
            errors = [f"{sim.name}: {sim.error}" for sim in learners if sim.error]
            missing = sum(lost(hub, name) for name in hub.learners)
            q = (statistics.quantiles(latencies, n=20, method="inclusive")
                 if len(latencies) > 1 else [float("nan")] * 19)
            firsts = [s.first for s in learners if s.first is not None]
            return {
                "n": n, "cells": len(latencies),
                "p50": statistics.median(latencies) if latencies else float("nan"),
                "p95": q[18], "max": latencies[-1] if latencies else float("nan"),
                "first_p50": statistics.median(firsts) if firsts else float("nan"),
                "login_p50": statistics.median([s.login_s for s in learners if s.login_s]
                                               or [float("nan")]),
                "login_max": max([s.login_s for s in learners if s.login_s] or [float("nan")]),
                "mb_per_learner": statistics.mean(peak.values()) if peak else 0.0,
                "hub_cpu": cpu.get(hub_pid, 0.0), "proxy_cpu": cpu.get(proxy_pid, 0.0),
                "load": max(loads or [load0]), "lost": missing, "failed": len(errors),
                "errors": errors[:3], "mem_available_mb": mem_available_mb(),
                "warm_up_s": warm_s,
            }
        finally:
            hub.stop()
            left = hub.remove_accounts()
            if left:
                print(f"benchmark: homes left behind: {left}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,5,10,20,40,60")
    parser.add_argument("--duration", type=float, default=120,
                        help="seconds each learner runs cells, from its kernel's start")
    parser.add_argument("--ramp", type=float, default=60,
                        help="logins spread over this many seconds")
    parser.add_argument("--think", default="5,15", help="think time range between cells (s)")
    parser.add_argument("--cold", action="store_true",
                        help="no warm-up: the class arrives as the hub starts, and each "
                        "login starts its learner's server (by default the class arrives "
                        "once the hub has started every server, as when the teacher starts "
                        "it a few minutes early)")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    if not_root("classroom.py"):
        return 1
    args.think = tuple(float(x) for x in args.think.split(","))
    sizes = [int(x) for x in args.sizes.split(",")]
    header = (f"{'N':>3} {'cells':>5} {'p50 s':>6} {'p95 s':>6} {'max s':>6} {'import s':>8} "
              f"{'login p50':>9} "
              f"{'login max':>9} {'MB/learner':>10} {'hub %CPU':>8} {'proxy %CPU':>10} "
              f"{'load':>5} {'lost':>4} {'failed':>6} {'warm s':>7}")
    print(header, flush=True)
    rows = []
    for n in sizes:
        if rows and rows[-1]["mb_per_learner"]:
            need = rows[-1]["mb_per_learner"] * n
            if need > 0.9 * mem_available_mb():
                print(f"stop: {n} learners need about {need:.0f} MB, "
                      f"{mem_available_mb():.0f} MB available (memory is the wall)")
                break
        row = one_size(n, args)
        rows.append(row)
        print(f"{n:>3} {row['cells']:>5} {row['p50']:>6.2f} {row['p95']:>6.2f} "
              f"{row['max']:>6.2f} {row['first_p50']:>8.1f} {row['login_p50']:>9.1f} "
              f"{row['login_max']:>9.1f} "
              f"{row['mb_per_learner']:>10.0f} {row['hub_cpu']:>8.1f} {row['proxy_cpu']:>10.1f} "
              f"{row['load']:>5.1f} {row['lost']:>4} {row['failed']:>6} "
              f"{'-' if row['warm_up_s'] is None else format(row['warm_up_s'], '.0f'):>7}",
              flush=True)
        for error in row["errors"]:
            print("      " + error, flush=True)
        if args.json:
            args.json.write_text(json.dumps(rows, indent=1))
        if n > 1 and (row["failed"] or row["p95"] > 5):
            print(f"stop: saturated at N = {n} (p95 {row['p95']:.1f} s, "
                  f"{row['failed']} learners failed)")
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
