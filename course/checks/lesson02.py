"""Lesson 2's exercises: a JVP rule for log(cosh(x)) that stays finite where cosh overflows,
the gradient of log1pexp composed with other code, and a log-sigmoid rule that cancels to 0.

Solution bodies use the lessons' two-space indentation: they are shown verbatim.
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax import custom_jvp

from .checking import Exercise, Wrong, check_jvp_function, check_prediction, fmt, fmt_list, run


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
        return ("nan or inf at large |x|: an intermediate value of your formula overflows "
                "float32 there and meets another infinite one (cosh(x) and sinh(x) overflow "
                "past |x| ~ 89, exp(2x) past |x| ~ 44). For instance sinh(x) / cosh(x) is "
                "inf / inf, and (1 / cosh(x)) * sinh(x), what autodiff computes, is 0 * inf. "
                "The derivative itself never leaves [-1, 1]: write it so that jax.numpy "
                "evaluates it without two infinities (or a 0 and an inf) meeting.")
    return None


def check(answer, reference) -> str:
    # At |x| = 100 the primal itself is inf (for the reference too); the rule must not be.
    points = [(0.5,), (-3.0,), (20.0,), (100.0,), (-100.0,)]
    return check_jvp_function(answer, reference, points, hint=overflow_hint)


def outer_chain_solution():
  @custom_jvp
  def log1pexp(x):
    return jnp.log(1. + jnp.exp(x))

  log1pexp.defjvps(lambda t, ans, x: (1 - 1/(1 + jnp.exp(x))) * t)

  answer = float(jax.grad(lambda x: log1pexp(2. * x) / 2.)(60.))
  return answer


def check_outer_chain(answer, reference) -> str:
    return check_prediction(answer, reference, why_not={
        "nan": "2x = 120 does overflow e^x, but only inside log1pexp, whose derivative is now "
               "the rule, 1 - 1/(1 + inf) = 1. The code around it, * 2 and / 2, is "
               "differentiated by autodiff, and its derivatives are plain finite numbers.",
        "inf": "The rule's value at 120 is 1 - 1/(1 + inf) = 1 - 0: no overflowed value "
               "reaches the gradient.",
        "2.0": "The chain rule multiplies every factor along the way: the inner 2x brings 2, "
               "and the outer / 2 brings 1/2.",
        "0.5": "The chain rule multiplies every factor along the way: the outer / 2 brings "
               "1/2, and the inner 2x brings 2.",
        "0.0": "The rule at 120 is 1 - 1/(1 + inf) = 1 - 0 = 1, not 0.",
    })


def log_sigmoid_given():
  @custom_jvp
  def log_sigmoid(x):
    return -jnp.log(1. + jnp.exp(-x))

  @log_sigmoid.defjvp
  def log_sigmoid_jvp(primals, tangents):
    x, = primals
    x_dot, = tangents
    return log_sigmoid(x), (1. - jax.nn.sigmoid(x)) * x_dot

  answer = log_sigmoid
  return answer


def log_sigmoid_solution():
  @custom_jvp
  def log_sigmoid(x):
    return -jnp.log(1. + jnp.exp(-x))

  @log_sigmoid.defjvp
  def log_sigmoid_jvp(primals, tangents):
    x, = primals
    x_dot, = tangents
    return log_sigmoid(x), jax.nn.sigmoid(-x) * x_dot

  answer = log_sigmoid
  return answer


def log_sigmoid_hint(expected, got) -> str | None:
    if not np.all(np.isfinite(got)):
        return ("At very negative x, e^(-x) overflows float32: a formula that divides or "
                "multiplies it by something else meets inf / inf or 0 * inf.")
    if np.allclose(got, 1. - expected, rtol=1e-4, atol=1e-6):
        return ("That is sigma(x), the derivative of log(1 + e^x). log_sigmoid(x) is "
                "-log(1 + e^(-x)), that function mirrored (x -> -x, and a sign), so its "
                "derivative is sigma mirrored.")
    return None


# Where 1 - sigma(x) has cancelled: the true derivative is tiny, but a float32 number.
TAIL = (17.0, 20.0, 30.0)


def check_log_sigmoid(answer, reference) -> str:
    checked = check_jvp_function(answer, reference, [(0.5,), (-3.0,), (-100.0,), (20.0,)],
                                 hint=log_sigmoid_hint)
    for x in TAIL:
        want = float(jax.grad(reference)(jnp.float32(x)))
        got = run(f"jax.grad of your function at x={fmt(x)}", jax.grad(answer), jnp.float32(x))
        if not np.isclose(got, want, rtol=1e-3, atol=0.):
            cause = ("A formula that subtracts two numbers nearly equal at large x returns "
                     "this: float32 rounding eats the whole difference, the rule's own weak "
                     "spot from the lesson." if got == 0 else
                     f"That is off by {abs(got / want - 1):.0%} of the true value.")
            raise Wrong(f"the derivative at x={fmt(x)} is {fmt(want)} (tiny, but a float32 "
                        f"number), and your rule gives {fmt(got)}, an error that hides below "
                        f"any absolute tolerance. {cause}")
    return (f"{checked} At x = {fmt_list(TAIL)}, where the derivative is tiny, it is right "
            "to within 0.1% of its own size too.")


EXERCISES = (
    Exercise(
        id="02_logcosh", kind="jvp_function",
        lesson="02_numerical_stability",
        section="Two ways out: a stable function, or a stable rule",
        asks_for="a @custom_jvp function logcosh(x) = log(cosh(x)) whose rule is finite for "
                 "every x",
        solution=solution, checker=check),
    Exercise(
        id="02_outer_chain", kind="predict",
        lesson="02_numerical_stability",
        section="Two ways out: a stable function, or a stable rule",
        asks_for="your prediction: a number such as 0.25 (or \"nan\", or \"inf\")",
        solution=outer_chain_solution, checker=check_outer_chain),
    Exercise(
        id="02_log_sigmoid", kind="find_the_bug",
        lesson="02_numerical_stability",
        section="The rule's own weak spot: very negative $x$",
        asks_for="log_sigmoid with its JVP rule fixed, accurate at both ends",
        solution=log_sigmoid_solution, checker=check_log_sigmoid, given=log_sigmoid_given),
)
