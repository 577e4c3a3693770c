"""Lesson 7's exercise: forward and backward rules for hypot, with residuals.

Solution bodies use the lessons' two-space indentation: they are shown verbatim.
"""

import jax.numpy as jnp

from .checking import Exercise, check_vjp_pair


def hypot(x, y):
    return jnp.sqrt(x ** 2 + y ** 2)


def solution():
  def hypot_fwd(x, y):
    r = jnp.sqrt(x ** 2 + y ** 2)
    return r, (x, y, r)

  def hypot_bwd(res, g):
    x, y, r = res
    return (g * x / r, g * y / r)

  answer = (hypot_fwd, hypot_bwd)
  return answer


def check(answer, reference) -> str:
    return check_vjp_pair(answer, hypot, reference, [(3.0, 4.0), (-1.0, 2.0), (0.5, -0.5)],
                          cotangents=[1.0, -2.5])


EXERCISES = (
    Exercise(
        id="07_hypot_vjp", kind="vjp_pair",
        lesson="07_custom_vjp_in_depth", section="Several arguments",
        asks_for="the pair (hypot_fwd, hypot_bwd) for hypot(x, y) = sqrt(x**2 + y**2)",
        solution=solution, checker=check),
)
