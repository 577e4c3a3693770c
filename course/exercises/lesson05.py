"""Lesson 5's exercise: nan_guard, an identity whose backward pass zeroes non-finite
cotangents.

Solution bodies use the lessons' two-space indentation: they are shown verbatim.
"""

import jax.numpy as jnp
import numpy as np

from .checking import Exercise, check_vjp_pair


def nan_guard(x):
    return x


def solution():
  def nan_guard_fwd(x):
    return x, None

  def nan_guard_bwd(res, g):
    return (jnp.where(jnp.isfinite(g), g, 0.),)

  answer = (nan_guard_fwd, nan_guard_bwd)
  return answer


def leak_hint(expected, got) -> str | None:
    if np.any(np.isinf(got)):
        return "An inf cotangent got through: jnp.isnan misses inf; test with jnp.isfinite."
    if np.any(np.isnan(got)):
        return "A nan cotangent got through: replace non-finite g with 0 in f_bwd."
    return None


def check(answer, reference) -> str:
    return check_vjp_pair(answer, nan_guard, reference, [(0.0,), (4.0,), (-2.0,)],
                          cotangents=[1.5, np.nan, np.inf, -np.inf], hint=leak_hint)


EXERCISES = (
    Exercise(
        id="05_nan_guard", kind="vjp_pair",
        lesson="05_debugging_the_backward_pass",
        section="An identity function with a breakpoint in its backward rule",
        asks_for="the pair (nan_guard_fwd, nan_guard_bwd) for the identity nan_guard(x) = x, "
                 "whose backward pass replaces every non-finite cotangent (nan, inf, -inf) by 0",
        solution=solution, checker=check),
)
