"""A test run leaves a learner's workspace alone (conftest.py): run tests that record checks,
with COURSE_WORKSPACE pointing at a workspace, and find nothing written there."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_run_leaves_the_course_workspace_untouched(tmp_path):
    workspace = tmp_path / "learner"
    (workspace / ".course").mkdir(parents=True)
    (workspace / "mine.txt").write_text("a learner's file\n")
    before = sorted(p.relative_to(workspace) for p in workspace.rglob("*"))
    # These record a failed attempt each (course.check of a wrong answer).
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/test_checks.py", "-n", "0", "-q", "-p",
         "no:randomly", "-k", "wrong_answer_gets_its_specific_message and 01_product_rule"],
        cwd=ROOT, env={**os.environ, "COURSE_WORKSPACE": str(workspace)},
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:]
    assert " passed" in result.stdout.splitlines()[-1], result.stdout[-500:]
    assert sorted(p.relative_to(workspace) for p in workspace.rglob("*")) == before
    assert (workspace / "mine.txt").read_text() == "a learner's file\n"
