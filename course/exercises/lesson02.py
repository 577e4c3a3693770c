"""Lesson 2's exercise: a JVP rule for log(cosh(x)) that stays finite where cosh overflows.

Solution bodies use the lessons' two-space indentation: they are shown verbatim.
"""

import jax.numpy as jnp
import numpy as np
from jax import custom_jvp

from .checking import Exercise, check_jvp_function


def solution():
  @custom_jvp
  def logcosh(x):
    return jnp.log(jnp.cosh(x))

  @logcosh.defjvp
  def logcosh_jvp(primals, tangents):
    x, = primals
    x_dot, = tangents
    return logcosh(x), jnp.tanh(x) * x_dot

  answer = logcosh
  return answer


def overflow_hint(expected, got) -> str | None:
    """The automatic derivative is (1 / cosh(x)) * sinh(x): 0 * inf = nan past |x| ~ 89.
    A rule that brings sinh and cosh together meets the same overflow (inf / inf = nan)."""
    if not np.all(np.isfinite(got)):
        return ("nan or inf at large |x|: cosh(x) overflows in float32 past |x| ~ 89, and so "
                "does sinh(x), so any formula that combines them there fails: sinh(x) / cosh(x) "
                "is inf / inf, and (1 / cosh(x)) * sinh(x), what autodiff computes, is 0 * inf. "
                "The derivative itself never leaves [-1, 1]: write it as a function that "
                "jax.numpy evaluates without an overflowing intermediate.")
    return None


def check(answer, reference) -> str:
    # At |x| = 100 the primal itself is inf (for the reference too); the rule must not be.
    points = [(0.5,), (-3.0,), (20.0,), (100.0,), (-100.0,)]
    return check_jvp_function(answer, reference, points, hint=overflow_hint)


EXERCISES = (
    Exercise(
        id="02_logcosh", kind="jvp_function",
        lesson="02_numerical_stability",
        section="Two ways out: a stable function, or a stable rule",
        asks_for="a @custom_jvp function logcosh(x) = log(cosh(x)) whose rule is finite for "
                 "every x",
        solution=solution, checker=check),
)
