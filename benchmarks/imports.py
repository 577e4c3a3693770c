"""What `course` costs before it computes: each figure is the median of fresh interpreters.

    uv run python benchmarks/imports.py [--repo PATH] [--runs N]

- `python -m course.workspace sync` of a new workspace: wall time, peak memory (max RSS), and
  how many `jax` modules it loaded (a classroom login runs it; goal: no JAX);
- `import course` after `import jax` (goal <= 0.15 s);
- the first `course.check` after `import course` (a lesson's first check);
- `from course.store import records` (the teacher's view reads every store with it).

`--repo` measures another checkout (e.g. a `git worktree` of an older commit) with this
interpreter, for before/after figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, resource, sys, time
t0 = time.perf_counter()
{setup}
t1 = time.perf_counter()
{code}
t2 = time.perf_counter()
print(json.dumps({{"setup": t1 - t0, "seconds": t2 - t1,
                   "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                   "jax_modules": sum(m.split('.')[0] == 'jax' for m in sys.modules)}}))
"""

CASES = {
    "workspace sync (new workspace)": (
        "import runpy",
        "sys.argv = ['course.workspace', 'sync', {target!r}]\n"
        "try:\n    runpy.run_module('course.workspace', run_name='__main__')\n"
        "except SystemExit:\n    pass"),
    "import course, after import jax": ("import jax", "import course"),
    "first course.check, after import course": (
        "import jax, course",
        "course.check('01_product_rule', None)"),
    "import course + first check, after import jax": (
        "import jax",
        "import course; course.check('01_product_rule', None)"),
    # course.progress was the store's module before it was renamed course.store
    "the store's records()": (
        "", "try:\n    from course.store import records\n"
            "except ImportError:\n    from course.progress import records\n"
            "records({target!r})"),
}


def run_case(repo: Path, setup: str, code: str, target: str) -> dict:
    probe = PROBE.format(setup=setup, code=code.format(target=target))
    done = subprocess.run([sys.executable, "-c", probe], cwd=repo, capture_output=True,
                          text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(repo),
                               "JAX_PLATFORMS": "cpu", "HOME": tempfile.gettempdir()})
    if done.returncode != 0:
        raise SystemExit(f"{setup}; {code}: failed\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=ROOT)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"{args.repo} (median of {args.runs} fresh interpreters)")
    print(f"{'':46} {'seconds':>8} {'max RSS MB':>11} {'jax modules':>12}")
    for name, (setup, code) in CASES.items():
        rows = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as folder:
                rows.append(run_case(args.repo, setup, code, f"{folder}/ws"))
        print(f"{name:46} {statistics.median(r['seconds'] for r in rows):8.3f} "
              f"{statistics.median(r['max_rss_mb'] for r in rows):11.0f} "
              f"{max(r['jax_modules'] for r in rows):12d}")


if __name__ == "__main__":
    main()
