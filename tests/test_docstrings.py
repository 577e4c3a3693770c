"""Every public name of `course` has a docstring example, and every example in `course/` runs.

The examples run as doctests, each module with its own globals (as `python -m doctest` and
pytest's `--doctest-modules` run them), on the CPU, in a folder of their own that is not a
course workspace: the examples of `course.check` record nothing anywhere a learner looks.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import course

MODULES = sorted(info.name for info in pkgutil.walk_packages(course.__path__, "course.")
                 if not info.name.endswith("__main__"))
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@pytest.fixture
def apart(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "workspace"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")


def examples(module_name: str) -> list[doctest.DocTest]:
    module = importlib.import_module(module_name)
    return [t for t in doctest.DocTestFinder().find(module, module_name) if t.examples]


@pytest.mark.parametrize("module_name", MODULES)
def test_the_examples_run(module_name, apart):
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in examples(module_name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed " \
                               f"in {module_name} (the report is above)"


@pytest.mark.parametrize("name", sorted(course._PUBLIC))
def test_every_public_name_has_an_example(name):
    doc = getattr(course, name).__doc__ or ""
    assert ">>> " in doc, f"course.{name} has no example in its docstring"


def test_the_examples_are_found():
    # The finder must see the public functions' examples, or the test above proves nothing.
    found = {t.name for name in MODULES for t in examples(name)}
    assert {"course.jaxpr.compare.compare_rules", "course.jaxpr.view.show_jaxpr",
            "course.checks.check", "course.store.progress"} <= found
    assert len(found) >= len(course._PUBLIC)


def test_a_wrong_example_fails():
    def f():
        """
        >>> 1 + 1
        3
        """

    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in doctest.DocTestFinder().find(f, "f", globs={}):
        runner.run(test, out=lambda text: None)
    assert runner.summarize(verbose=False).failed == 1
