"""How long nbval takes on the lessons, against the floor of an empty notebook.

    uv run python benchmarks/notebooks.py [--lessons 01,02]

Prints each lesson's validation wall time (alone, one worker), the whole course's wall time
with 2 workers (`-n 2 --dist loadfile`, as the test command runs it), the floor (N notebooks
that only import jax and matplotlib, run the same way), and course / floor. Target: <= 1.5.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
NBVAL = [
    sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-q",
    "-p", "no:cacheprovider", f"--nbval-sanitize-with={ROOT / 'tests' / 'nbval_sanitize.cfg'}",
]


def timed(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(args)}\n{result.stdout[-3000:]}")
    return elapsed


def floor_notebooks(directory: Path, count: int) -> list[Path]:
    paths = []
    for i in range(count):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("import jax\nimport matplotlib.pyplot as plt")]
        path = directory / f"floor_{i:02d}.ipynb"
        nbformat.write(nb, path)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lessons", default="",
                        help="comma-separated prefixes, e.g. 01,02 (default: every lesson)")
    wanted = [p for p in parser.parse_args().lessons.split(",") if p]
    notebooks = [nb for nb in NOTEBOOKS if not wanted or nb.name.startswith(tuple(wanted))]
    if not notebooks:
        sys.exit(f"no lesson starts with {', '.join(wanted)}")
    print(f"{'lesson':40s} {'seconds':>8s}")
    for nb in notebooks:
        seconds = timed([*NBVAL, "-p", "no:xdist", str(nb)], ROOT / "notebooks")
        print(f"{nb.name:40s} {seconds:8.2f}")

    parallel = ["-n", "2", "--dist", "loadfile"]
    course = timed([*NBVAL, *parallel, *map(str, notebooks)], ROOT / "notebooks")
    with tempfile.TemporaryDirectory() as tmp:
        empties = floor_notebooks(Path(tmp), len(notebooks))
        floor = timed([*NBVAL, *parallel, *map(str, empties)], Path(tmp))
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nwhole course, {len(notebooks)} notebooks, 2 workers: {course:6.2f} s")
    print(f"floor, {len(notebooks)} import-only notebooks, 2 workers: {floor:6.2f} s")
    print(f"ratio course / floor: {course / floor:.2f}  (target <= 1.5)")


if __name__ == "__main__":
    main()
