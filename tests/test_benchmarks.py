"""Every script in benchmarks/ runs, in a tiny mode, so none can break unnoticed (issue 23: the
notebooks benchmark failed for months on an option the test command had added). The figures
they print are not checked: only that the script ends with status 0 and prints its last line.

A new benchmark must be added to SMOKE (the first test fails otherwise).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# script: (arguments of its tiny mode, a piece of its last line of output, tools it needs)
SMOKE = {
    "axe_lab.py": (["--lessons", "01"], "serious or critical rules, the course's outputs",
                   ["chromium", "npm"]),
    "classroom.py": (["--sizes", "1", "--duration", "5", "--ramp", "0", "--think", "0,0"],
                     "  0      0", ["classroom"]),  # one learner, nothing lost, none failed
    "classroom_cpu.py": (["--modes", "warm"], "warm ", ["classroom"]),
    "explorers.py": (["--moves", "4"], "jaxpr stepper", []),
    "explorers_browser.py": (["--events", "1", "--lessons", "02"], "load average after",
                             ["chromium"]),
    "imports.py": (["--runs", "1"], "records", []),
    "jaxpr.py": (["--smoke"], "course adds", []),
    "notebooks.py": (["--lessons", "01"], "ratio course / floor", []),
    "site_build.py": (["--runs", "1"], "ratio with outputs / stripped", ["npm"]),
}


def test_every_benchmark_has_a_tiny_mode_here():
    scripts = sorted(p.name for p in (ROOT / "benchmarks").glob("*.py"))
    assert scripts == sorted(SMOKE), "add the new benchmark to SMOKE in tests/test_benchmarks.py"


@pytest.mark.parametrize("script", [
    pytest.param(name, marks=[pytest.mark.requires(*needs)] if needs else [])
    for name, (_, _, needs) in sorted(SMOKE.items())])
def test_the_benchmark_runs_in_its_tiny_mode(script):
    args, last, _ = SMOKE[script]
    env = {k: v for k, v in os.environ.items() if k != "COURSE_WORKSPACE"}
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    lines = result.stdout.strip().splitlines()
    assert lines and last in lines[-1], output[-3000:]
