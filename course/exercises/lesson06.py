"""Lesson 6's exercise: defjvps with None for an argument treated as a constant.

Solution bodies use the lessons' two-space indentation: they are shown verbatim.
"""

import jax.numpy as jnp
import numpy as np
from jax import custom_jvp

from .checking import Exercise, check_jvp_function


def solution():
  @custom_jvp
  def f(x, y):
    return x ** 2 * jnp.sin(y)

  f.defjvps(lambda x_dot, ans, x, y: 2 * x * jnp.sin(y) * x_dot,
            None)

  answer = f
  return answer


def constant_y_hint(expected, got) -> str | None:
    if np.all(expected == 0) and not np.all(got == 0):
        return ("The exercise asks for no derivative in y: pass None as the second rule "
                "to defjvps.")
    return None


def check(answer, reference) -> str:
    return check_jvp_function(answer, reference, [(2.0, 0.5), (-1.0, 2.0), (0.0, 1.0)],
                              hint=constant_y_hint)


EXERCISES = (
    Exercise(
        id="06_defjvps_none", kind="jvp_function",
        lesson="06_custom_jvp_in_depth", section="Several arguments",
        asks_for="a @custom_jvp function f(x, y) = x**2 * sin(y) whose rules, given with "
                 "defjvps, treat y as a constant (None for its rule)",
        solution=solution, checker=check),
)
