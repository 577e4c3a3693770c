"""Lesson 3's exercises: sinc with its derivative 0 at 0 and no nan anywhere (first order); and what
a rule written with the unsimplified quotient-rule formula gives at 0.

Solution bodies use the lessons' two-space indentation: they are shown verbatim.
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax import custom_jvp

from .checking import Exercise, check_jvp_function, check_prediction


def solution():
  @custom_jvp
  def sinc(x):
    return jnp.where(x == 0., 1., jnp.sin(x) / jnp.where(x == 0., 1., x))

  @sinc.defjvp
  def sinc_jvp(primals, tangents):
    x, = primals
    x_dot, = tangents
    safe_x = jnp.where(x == 0., 1., x)   # for the second derivative: see below
    slope = (safe_x * jnp.cos(safe_x) - jnp.sin(safe_x)) / safe_x ** 2
    return sinc(x), jnp.where(x == 0., 0., slope) * x_dot

  answer = sinc
  return answer


def zero_division_hint(expected, got) -> str | None:
    # Only at x = 0, the one checked point where sinc's derivative (so the expected tangent) is
    # 0: a nan elsewhere has another cause, and gets the generic message.
    if not np.all(np.isfinite(got)) and np.all(np.asarray(expected) == 0):
        return ("At x = 0 your rule divides by zero: the formula is 0/0 there. Choose the value "
                "at 0 with jnp.where, so that the formula's value at 0 is never the one used.")
    return None


# First order only (issue 21, A5): what grad(grad) of a rule does is lesson 6's subject, and
# the double where that keeps it finite lesson 11's; lesson 3 shows both after the solution.
POINTS = [(0.0,), (0.5,), (2.0,), (-3.0,), (0.1,)]


def check(answer, reference) -> str:
    return check_jvp_function(answer, reference, POINTS, hint=zero_division_hint)


def unsimplified_solution():
  @custom_jvp
  def f(x):
    return x / (1 + jnp.sqrt(x))

  @f.defjvp
  def f_jvp(primals, tangents):
    x, = primals
    x_dot, = tangents
    slope = ((1 + jnp.sqrt(x)) - x / (2 * jnp.sqrt(x))) / (1 + jnp.sqrt(x)) ** 2
    return f(x), slope * x_dot

  answer = float(jax.grad(f)(0.))
  return answer


def check_unsimplified(answer, reference) -> str:
    return check_prediction(answer, reference, why_not={
        "1.0": "1 is the limit of this formula as x -> 0, but a rule is code, evaluated at "
               "x = 0 itself: there x / (2 * sqrt(x)) is 0 / 0. A custom rule gives the "
               "value you want only if its formula is finite at that point, which is why the "
               "lesson simplified the derivative before writing the rule.",
        "inf": "1 / (2 * sqrt(x)) alone would be inf at 0, but here it is multiplied by x, "
               "which is 0 there: 0 * inf (or 0 / 0) is not inf.",
        "0.0": "At x = 0 the term x / (2 * sqrt(x)) is 0 / 0 = nan, and a nan spreads through "
               "the rest of the formula: nothing in it turns nan into 0.",
    })


EXERCISES = (
    Exercise(
        id="03_sinc", kind="jvp_function",
        lesson="03_differentiation_conventions", section="The convention, as a custom rule",
        asks_for="a @custom_jvp function sinc(x) = sin(x)/x (1 at x = 0) whose derivative at 0 "
                 "is 0",
        solution=solution, checker=check),
    Exercise(
        id="03_unsimplified", kind="predict",
        lesson="03_differentiation_conventions", section="The convention, as a custom rule",
        asks_for="your prediction: a number such as 0.25 (or \"nan\", or \"inf\")",
        solution=unsimplified_solution, checker=check_unsimplified),
)
