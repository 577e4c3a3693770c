"""Every test file is in exactly one tier (tests/tiers.py), and the tiers are what conftest.py
marks, so `python3 run.py test --quick` (unit and content) leaves out only the system tier."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requires
from tiers import TIERS, tier_of

ROOT = Path(__file__).resolve().parent.parent


def test_every_test_file_and_notebook_is_in_one_tier():
    files = [p.relative_to(ROOT / "tests").as_posix()
             for p in (ROOT / "tests").rglob("test_*.py")]
    files += [p.relative_to(ROOT).as_posix() for p in (ROOT / "notebooks").glob("*.ipynb")]
    unclassified = [f for f in sorted(files) if tier_of(f) is None]  # tier_of: at most one
    assert not unclassified, (
        f"add {unclassified} to a tier in tests/tiers.py (unit, content or system)")


def test_a_new_file_is_in_no_tier_and_a_file_in_two_is_refused(monkeypatch):
    assert tier_of("test_something_new.py") is None
    assert tier_of("test_plots.py") == "unit" and tier_of("notebooks/01_tldr.ipynb") == "content"
    monkeypatch.setitem(TIERS, "system", [*TIERS["system"], "test_plots.py"])
    with pytest.raises(ValueError, match=r"test_plots.py is in more than one tier"):
        tier_of("test_plots.py")


def test_conftest_marks_each_test_with_its_tier():
    """test_tiers is unit, test_run system, and nbval's cells of a lesson content."""
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "--nbval", "-m",
         "system or content", "tests/test_tiers.py", "tests/test_run.py",
         "notebooks/01_tldr.ipynb"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    collected = [line for line in out.stdout.splitlines() if "::" in line]
    assert {line.split("::")[0] for line in collected} == {
        "tests/test_run.py", "notebooks/01_tldr.ipynb"}, out.stdout[-2000:]


MARKED = """
import pytest

@pytest.mark.requires("nothing")
def test_marked():
    pass

def test_unmarked():
    pass
"""

CONFTEST = f"""
import importlib.util, sys
sys.path.insert(0, {str(ROOT / "tests")!r})
import requires
requires.TOOLS["nothing"] = lambda: "no nothing here"
spec = importlib.util.spec_from_file_location("repo_conftest", {str(ROOT / "conftest.py")!r})
repo = importlib.util.module_from_spec(spec)
spec.loader.exec_module(repo)
pytest_configure, pytest_runtest_setup = repo.pytest_configure, repo.pytest_runtest_setup
"""


@pytest.mark.parametrize("ci, says", [(None, "1 passed, 1 skipped"),
                                      ("true", "1 passed, 1 error")])
def test_the_requires_marker_skips_here_and_fails_under_ci(tmp_path, ci, says):
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_marked.py").write_text(MARKED)
    env = {k: v for k, v in os.environ.items() if k != "CI"} | ({"CI": ci} if ci else {})
    out = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs",
                          "--strict-markers", str(tmp_path)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert says in out.stdout, out.stdout[-2000:]
    reason = "CI must run this test: no nothing here" if ci else "no nothing here"
    assert reason in out.stdout, out.stdout[-2000:]


def test_an_unknown_tool_is_refused():
    with pytest.raises(ValueError, match="unknown tool; tests/requires.py knows cgroups, chromium"):
        requires.missing("chromium-typo")
