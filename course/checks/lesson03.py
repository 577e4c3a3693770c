"""Lesson 3's exercises: sinc with the convention sinc'(0) = 0, and no nan anywhere; and what
a rule written with the unsimplified quotient-rule formula gives at 0.

Solution bodies use the lessons' two-space indentation: they are shown verbatim.
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax import custom_jvp

from .checking import Exercise, Wrong, check_jvp_function, check_prediction, fmt, run


def solution():
  @custom_jvp
  def sinc(x):
    return jnp.where(x == 0., 1., jnp.sin(x) / jnp.where(x == 0., 1., x))

  @sinc.defjvp
  def sinc_jvp(primals, tangents):
    x, = primals
    x_dot, = tangents
    safe_x = jnp.where(x == 0., 1., x)
    slope = (safe_x * jnp.cos(safe_x) - jnp.sin(safe_x)) / safe_x ** 2
    return sinc(x), jnp.where(x == 0., 0., slope) * x_dot

  answer = sinc
  return answer


def zero_division_hint(expected, got) -> str | None:
    if not np.all(np.isfinite(got)):
        return ("At x = 0 your rule divides by zero. Use jnp.where(x == 0., 0., ...) for the "
                "convention, and feed the formula a safe x, jnp.where(x == 0., 1., x): "
                "jnp.where computes both branches at every x.")
    return None


POINTS = [(0.0,), (0.5,), (2.0,), (-3.0,)]
# Away from 0 the second derivative is compared by value. At 0 itself the reference's rule
# gives 0 (its convention branch is a constant), the true sinc''(0) is -1/3 (a Taylor branch
# gives it): both are accepted there, a nan is not.
AWAY_FROM_ZERO = [(0.5,), (2.0,), (-3.0,)]
AT_ZERO = (0.0, -1 / 3)


def check(answer, reference) -> str:
    checked = check_jvp_function(answer, reference, POINTS, hint=zero_division_hint,
                                 second_order=AWAY_FROM_ZERO)
    second = run("jax.grad(jax.grad(...)) of your function", jax.grad(jax.grad(answer)),
                 jnp.float32(0.0))
    if not np.all(np.isfinite(second)):
        raise Wrong(f"the second derivative, jax.grad(jax.grad(sinc)), at x=0 is {fmt(second)}. "
                    "Your first derivative is right, but jax.grad(jax.grad(...)) "
                    "differentiates your rule's own code, including the code that computed "
                    "the 0/0 your rule then discarded (an unused jnp.where branch, or what "
                    "nan_to_num cleaned up): its derivative is nan at x = 0, and it reaches "
                    "the result. Feed the formula a safe x, jnp.where(x == 0., 1., x): the "
                    "double where of lesson 11_gotchas, 8.")
    second = float(second)
    if not any(np.isclose(second, v, atol=1e-3) for v in AT_ZERO):
        raise Wrong(f"the second derivative, jax.grad(jax.grad(sinc)), at x=0 is {fmt(second)}: "
                    "expected 0 (what a rule whose value at 0 is the constant 0 gives) or the "
                    "true sinc''(0) = -1/3 (what a Taylor branch -x/3 near 0 gives).")
    return (f"{checked} At x = 0 it is {fmt(second)}, finite (0 or the true -1/3 are both "
            "accepted there).")


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
