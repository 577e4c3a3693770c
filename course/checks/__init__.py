"""The exercises: one module per lesson (`lesson01` ... `lesson11`) holds each exercise's prompt
data, its reference solution as code, its hints and its checker; `checking` holds what they
share. The functions here are the registry a lesson talks to:

    course.exercises()                  # the ids
    course.check("02_logcosh", answer)  # Feedback with .passed and .message
    course.solution("02_logcosh")       # the reference answer, in the form you submit
    print(course.solution_source("02_logcosh"))

Adding an exercise: in the lesson's module, write `solution()` (its body is what the
collapsed solution cell shows, ending with `answer = ...` and `return answer`), a checker
`check(answer, reference) -> str` that calls the `checking` function of its kind, and an
`Exercise` in the module's `EXERCISES`. The other kinds slot in the same way:

- predict: `solution()` runs the code in question and sets `answer` to what JAX did (a
  value, a count, a choice, or the exception type caught); the checker is
  `lambda answer, reference: check_prediction(answer, reference, why_not={...})`, which
  accepts 3 and "3", "b" and "(b)", TypeError and "TypeError".
- find_the_bug: `given()`, written like `solution()`, holds the buggy code the scaffold
  shows; `check()` reports an answer still identical to it as not attempted, and the checker
  is that of the answer's form (check_jvp_function, check_vjp_pair, ...).
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import functools
import html
import inspect
import io
import textwrap

import jax
import jax.numpy as jnp
import numpy as np

from .. import answer_cells
from ..store import record as record_progress
from . import (
    checking,
    lesson01,
    lesson02,
    lesson03,
    lesson04,
    lesson05,
    lesson06,
    lesson07,
    lesson08,
    lesson09,
    lesson10,
    lesson11,
    lesson12,
)
from .checking import (
    Exercise,
    Feedback,
    NotAttempted,
    Wrong,
    first_line,
    normalize_prediction,
    not_attempted,
)

LESSONS = (lesson01, lesson02, lesson03, lesson04, lesson05, lesson06, lesson07, lesson08,
           lesson09, lesson10, lesson11, lesson12)
EXERCISES: dict[str, Exercise] = {ex.id: ex for lesson in LESSONS for ex in lesson.EXERCISES}

# The start of the message when a checker itself fails: a bug in the checker, never the
# learner's fault (tests/test_checks.py fails on it).
CHECKER_FAILED = "Checking your answer failed"


def exercises() -> list[str]:
    """The ids of all exercises, in lesson order.

    >>> import course
    >>> course.exercises()[:2]
    ['01_nonlinear_tangent', '01_product_rule']
    """
    return sorted(EXERCISES)


def get(exercise_id: str) -> Exercise:
    if exercise_id not in EXERCISES:
        raise ValueError(f"unknown exercise {exercise_id!r}. Valid ids: "
                         f"{', '.join(exercises())}.")
    return EXERCISES[exercise_id]


def solution(exercise_id: str):
    """The reference answer, in the same form a learner submits.

    >>> import course
    >>> g = course.solution("01_product_rule")
    >>> float(g(2.0, 0.0))
    2.0
    """
    return get(exercise_id).solution()


def solution_source(exercise_id: str) -> str:
    """The reference solution's code as the notebook shows it: the body of its `solution()`
    function, up to `answer = ...` (the final `return answer` left out).

    >>> import course
    >>> print(course.solution_source("01_product_rule").splitlines()[0])
    @custom_jvp
    """
    return body_source(get(exercise_id).solution)


@functools.cache
def body_source(fn) -> str:
    """The body of `fn` without its final `return answer`, dedented."""
    source = textwrap.dedent(inspect.getsource(fn))
    node = ast.parse(source).body[0]
    last = node.body[-1]
    if not (isinstance(last, ast.Return) and isinstance(last.value, ast.Name)
            and last.value.id == "answer"):
        raise ValueError(f"{fn.__qualname__} must end with `return answer`")
    first = node.body[0]
    start = min([first.lineno] + [d.lineno for d in getattr(first, "decorator_list", [])])
    lines = source.splitlines()[start - 1:last.lineno - 1]
    return textwrap.dedent("\n".join(lines)).strip() + "\n"


def check(exercise_id: str, answer) -> Feedback:
    """As the checker of `exercise_id` sees `answer`: never raises on the answer. An attempt
    (anything but the untouched scaffold) is recorded in the learner's workspace, if any
    (course.progress); a reference run (check_reference) never is. Inside IPython, an `answer`
    that the exercise's own cell did not produce is not graded (course.answer_cells):
    the feedback says to run that cell, and nothing is recorded.

    >>> import course, jax.numpy as jnp
    >>> course.check("01_product_rule", lambda x, y: x * jnp.exp(x * y))  # doctest: +ELLIPSIS
    [01_product_rule] not yet right: expected a function decorated with @custom_jvp, ...
    >>> course.check("01_product_rule", course.solution("01_product_rule")).passed
    True
    """
    ex = get(exercise_id)
    stale = answer_cells.stale_answer(ex.id, answer)
    if stale is not None:
        return Feedback(ex.id, False, stale, attempted=False)
    feedback = _checked(ex, answer)
    if feedback.attempted:
        record_progress(feedback.exercise, feedback.passed, feedback=feedback.message)
    return feedback


REFERENCE_NOTE = ("This is the course's solution, run apart from your code: your `answer` and "
                  "your functions are unchanged, and this run does not count as yours.")
SHOW_ANSWER = "Show what JAX does (the answer to the prediction)"


@dataclasses.dataclass(frozen=True, repr=False)
class ReferenceFeedback(Feedback):
    """check_reference's verdict, as a `%%solution` cell shows it. `printed` is what the
    solution's code printed. For a prediction (`hidden`), what JAX does -- the printed lines and
    the value -- sits in a closed <details> box: the page shows it only once the learner opens
    it, in JupyterLab as on the site, even right after "Run All"."""

    printed: str = ""
    hidden: bool = False
    note: str = REFERENCE_NOTE

    def text(self) -> str:
        printed = f"\n{self.printed.rstrip()}" if self.printed.strip() else ""
        return f"{super().text()} {self.note}{printed}"

    def _repr_html_(self) -> str:
        body = html.escape(self.message).replace("\n", "<br>")
        if self.printed.strip():
            body = (f'<pre style="margin: 4px 0; white-space: pre-wrap">'
                    f"{html.escape(self.printed.rstrip())}</pre>{body}")
        if self.hidden:
            body = (f'<details style="margin: 4px 0"><summary style="cursor: pointer">'
                    f"{html.escape(SHOW_ANSWER)}</summary>{body}</details>")
        else:
            body = f"<br>{body} "
        box = Feedback(self.exercise, self.passed, "\0", self.attempted,
                       self.reference)._repr_html_()
        return box.replace("<br>\0", "\0").replace("\0", body + html.escape(self.note))


def check_reference(exercise_id: str, answer, printed: str = "") -> ReferenceFeedback:
    """The reference solution's own check, as a `%%solution` cell shows it: labelled as the
    course's, never as the learner's pass. For a prediction, the message says what JAX does
    ("What JAX does: c."), not "you predicted c", and it stays hidden until opened."""
    ex = get(exercise_id)
    feedback = _checked(ex, answer)
    message = feedback.message
    if ex.kind == "predict" and feedback.passed:
        message = f"What JAX does: {normalize_prediction(answer, answer)}."
    return ReferenceFeedback(feedback.exercise, feedback.passed, message, feedback.attempted,
                             reference=True, printed=printed, hidden=ex.kind == "predict")


def _checked(ex: Exercise, answer) -> Feedback:
    if not_attempted(answer):
        return Feedback(ex.id, False, f"Write {ex.asks_for}, then run this cell again.", False)
    if ex.given is not None and checking.same_source(answer, ex.given()):
        return Feedback(ex.id, False, "This is still the code as given: find the bug, fix it, "
                        "and run the cell again.", False)
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # what a solution prints is its own
            reference = ex.solution()
        verified = ex.checker(answer, reference)
    except NotAttempted:
        return Feedback(ex.id, False, "Your answer still raises NotImplementedError: replace "
                        f"the placeholder with {ex.asks_for}.", False)
    except Wrong as e:
        return Feedback(ex.id, False, f"{e} {ex.see}")
    except Exception as e:  # a checker must never raise on a learner's answer
        return Feedback(ex.id, False, f"{CHECKER_FAILED} with {type(e).__name__}: "
                        f"{first_line(e)}. Expected {ex.asks_for}. {ex.see}")
    return Feedback(ex.id, True, f"Correct: {verified}")


def namespace() -> dict:
    """What exercise code (scaffolds, test answers) sees without importing: the JAX names the
    lessons use, and the primal functions the scaffolds define."""
    return {"jax": jax, "jnp": jnp, "np": np, "custom_jvp": jax.custom_jvp,
            "custom_vjp": jax.custom_vjp, "partial": functools.partial, "lax": jax.lax,
            "Point": lesson08.Point, "polar": lesson08.polar,
            "newton_cbrt": lesson10.newton_cbrt, "equilibrium": lesson10.equilibrium,
            "W": lesson10.W, "affine": lesson11.affine}

