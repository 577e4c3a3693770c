"""Lesson 10's `fixed_point` and its rule exist once in the course's code:
course/checks/lesson10.py needs them at import (10_cube_root's scaffold and solution use
them), and tests/lesson_functions.py imports them from there. This checks that copy against
the lesson itself, so that a lesson edit cannot leave the exercises on old code."""

import inspect
import re
from pathlib import Path

import jupytext
import lesson_functions
import pytest

from course.checks import lesson10

LESSON = Path(__file__).resolve().parent.parent / "notebooks" / "10_implicit_differentiation.md"
NAMES = ["fixed_point", "fixed_point_fwd", "fixed_point_rev", "rev_iter"]


def lesson_code() -> list[str]:
    return [c.source for c in jupytext.read(LESSON).cells if c.cell_type == "code"]


def source(name: str) -> str:
    fn = getattr(lesson10, name)
    fn = getattr(fn, "fun", fn)  # the custom_vjp's own Python function
    return inspect.getsource(fn).strip("\n")


@pytest.mark.parametrize("name", NAMES)
def test_lesson10_exercise_copy_is_the_lessons_code(name):
    assert any(source(name) in cell for cell in lesson_code()), (
        f"course/checks/lesson10.py's {name} is not in any code cell of {LESSON.name}:\n"
        f"{source(name)}")


def test_the_rule_is_attached_as_in_the_lesson():
    line = "fixed_point.defvjp(fixed_point_fwd, fixed_point_rev)"
    assert re.search(rf"^{re.escape(line)}$", inspect.getsource(lesson10), re.M)
    assert any(line in cell for cell in lesson_code())


def test_the_copy_check_can_fail():
    assert source("fixed_point").replace("1e-6", "1e-5") not in "\n".join(lesson_code())


def test_lesson_functions_use_the_one_copy():
    assert all(getattr(lesson_functions, name) is getattr(lesson10, name) for name in NAMES)
