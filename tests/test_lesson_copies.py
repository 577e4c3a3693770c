"""course/checks/lesson10.py needs lesson 10's fixed_point at import (10_cube_root's scaffold
and solution use it), so it holds a copy. tests/lesson_functions.py is checked against the
lesson itself; this keeps the exercise module's copy identical to it."""

import inspect

import lesson_functions
import pytest

from course.checks import lesson10

NAMES = ["fixed_point", "fixed_point_fwd", "fixed_point_rev", "rev_iter"]


def source(module, name: str) -> str:
    fn = getattr(module, name)
    fn = getattr(fn, "fun", fn)  # the custom_vjp's own Python function
    return inspect.getsource(fn)


@pytest.mark.parametrize("name", NAMES)
def test_lesson10_exercise_copy_is_the_lessons_code(name):
    assert source(lesson10, name) == source(lesson_functions, name)
