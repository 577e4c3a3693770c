"""pytest's setup for the whole repository (tests/ and the notebooks nbval runs).

A test run never touches a learner's data: `course.check` records into `$COURSE_WORKSPACE`,
which every Binder, Kubernetes and classroom server sets, so the variable is removed from this
process (and the kernels and workers it starts) before anything runs. A test that wants a
workspace makes its own (tmp_path) and sets the variable itself, as tests/test_progress.py does.
tests/test_isolation.py runs part of the suite with the variable set and checks that the
workspace it names is left untouched.

Every test is marked with its tier, `unit`, `content` or `system`, from tests/tiers.py (so
`-m "unit or content"` is `python3 run.py test --quick`), and a test marked
`@pytest.mark.requires("chromium")` is skipped where Chromium is missing, or fails under CI
(tests/requires.py).
"""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tests"))

import requires  # noqa: E402
import tiers  # noqa: E402


def pytest_configure(config):
    os.environ.pop("COURSE_WORKSPACE", None)
    for tier in tiers.TIERS:
        config.addinivalue_line("markers", f"{tier}: {tier} tier (tests/tiers.py)")
    config.addinivalue_line(
        "markers", "requires(tool, ...): skip where a tool is missing, fail under CI "
        "(tests/requires.py)")


def tier_path(path: Path) -> str:
    """A test file's path as tests/tiers.py names it."""
    path = path.resolve()
    if path.is_relative_to(ROOT / "tests"):
        return path.relative_to(ROOT / "tests").as_posix()
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def pytest_collection_modifyitems(config, items):
    for item in items:
        tier = tiers.tier_of(tier_path(item.path))
        if tier is not None:  # a file in no tier fails tests/test_tiers.py
            item.add_marker(tier)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    for mark in item.iter_markers("requires"):
        requires.require(*mark.args)
