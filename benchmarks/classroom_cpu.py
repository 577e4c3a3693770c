"""What one learner's arrival costs in CPU, with and without the classroom's warm-up: the hub's
and the proxy's CPU, and the learner's own processes' (their server and kernels, children
included), over their login (one-time password, then their own), and over lesson 2's first
six code cells in the session the lesson opens.

    sudo .venv/bin/python benchmarks/classroom_cpu.py [--modes warm,cold]

One learner alone on a throw-away classroom (`crbench-...` accounts, removed after): CPU
seconds do not depend much on what else runs, but a quiet machine gives steadier figures.
With the warm-up, the learner's server and its spare kernel were started before they arrive
(their CPU is spent before the class, and not counted here).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classroom.harness import Hub, processes_of  # noqa: E402

_spec = importlib.util.spec_from_file_location("classroom_load", Path(__file__).with_name(
    "classroom.py"))
load = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(load)

CELLS = 6


def learner_cpu(name: str) -> float:
    """CPU seconds of the learner's processes and of their children that ended."""
    total = 0.0
    for pid in processes_of(name):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return total


def one(cold: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="classroom-cpu-") as tmp:
        hub = Hub(Path(tmp), ["00"], prefix="crbench", extra=("--no-warm-up",) if cold else ())
        try:
            hub.start()
            if not cold:
                load.warm_up(hub)
                time.sleep(3)  # the spare kernel's warm-up, after its server answered
            name = hub.learners[0]
            pids = [p for p in load.hub_and_proxy(hub) if p]

            def hub_cpu():
                return sum(load.cpu_seconds(p) for p in pids)

            h0, l0 = hub_cpu(), learner_cpu(name)
            learner = hub.learner(name)
            learner.login(timeout=300)
            h1, l1 = hub_cpu(), learner_cpu(name)
            notebook = load.Simulated(hub, name, 0, 0, (0, 0)).lesson(learner)
            kernel = learner.notebook_kernel(load.LESSON)
            for cell in [c for c in notebook["cells"] if c["cell_type"] == "code"][:CELLS]:
                out = kernel.run("".join(cell["source"]))
                if out["error"]:
                    raise RuntimeError(f"lesson 2's cell failed: {out['error']}")
            time.sleep(1)
            h2, l2 = hub_cpu(), learner_cpu(name)
            return {"login_hub": h1 - h0, "login_learner": l1 - l0, "cells_hub": h2 - h1,
                    "cells_learner": l2 - l1, "total": (h2 - h0) + (l2 - l0)}
        finally:
            hub.stop()
            left = hub.remove_accounts()
            if left:
                print(f"benchmark: homes left behind: {left}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modes", default="warm,cold")
    args = parser.parse_args()
    if load.not_root("classroom_cpu.py"):
        return 1
    print(f"{'mode':<5} {'login: hub':>10} {'learner':>8} {f'{CELLS} cells: hub':>13} "
          f"{'learner':>8} {'total CPU s':>11}", flush=True)
    for mode in args.modes.split(","):
        row = one(cold=mode == "cold")
        print(f"{mode:<5} {row['login_hub']:>10.2f} {row['login_learner']:>8.2f} "
              f"{row['cells_hub']:>13.2f} {row['cells_learner']:>8.2f} {row['total']:>11.2f}",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
