"""How long the static site takes to build, against Sphinx on the same pages without outputs.

    uv run python benchmarks/site_build.py [--runs N]

Builds the site as `python3 run.py site` does (Sphinx + myst-nb, warnings as errors) from the
stored outputs, and the same pages with every output and the widget state removed, alternating
the two, N times each (default 3). Prints each build's wall and CPU time (Sphinx's process), the
medians, the ratio with outputs / without, and the size of each site. The one-time fetch of the
browser libraries (npm pack) is timed apart. Wall time depends on what else the machine runs;
CPU time much less so.
"""

import argparse
import importlib.util
import resource
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("course_sitebuild", ROOT / "site" / "sitebuild.py")
sitebuild = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sitebuild)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs

    cached = (sitebuild.vendor_dir() / "complete").exists()
    start = time.perf_counter()
    sitebuild.fetch_vendor()
    fetch = "already cached" if cached else f"{time.perf_counter() - start:.1f} s"
    print(f"browser libraries (npm pack, once): {fetch}")

    times = {"with outputs": [], "outputs stripped": []}
    sizes = {}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):
            for label, strip in (("with outputs", False), ("outputs stripped", True)):
                out = Path(tmp) / f"{run}-{strip}"
                cpu = children_cpu()
                wall = sitebuild.build(out, strip_outputs=strip)
                cpu = children_cpu() - cpu
                times[label].append((wall, cpu))
                sizes[label] = size_mb(out)
                print(f"run {run + 1} {label:17s} wall {wall:6.2f} s   cpu {cpu:6.2f} s")
    print()
    medians = {}
    for label, values in times.items():
        medians[label] = tuple(statistics.median(v[i] for v in values) for i in (0, 1))
        wall, cpu = medians[label]
        print(f"median {label:17s} wall {wall:6.2f} s   cpu {cpu:6.2f} s   "
              f"site {sizes[label]:5.1f} MB")
    (wall_o, cpu_o), (wall_s, cpu_s) = medians["with outputs"], medians["outputs stripped"]
    print(f"ratio with outputs / stripped: wall {wall_o / wall_s:.2f}, cpu {cpu_o / cpu_s:.2f} "
          f"({len(sitebuild.lesson_notebooks())} lessons)")


if __name__ == "__main__":
    main()
