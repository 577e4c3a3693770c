"""Lesson 6's exercises: defjvps with None for an argument treated as a constant; and a
prediction of how often a JVP rule runs under vmap(grad(f)).

Solution bodies use the lessons' two-space indentation: they are shown verbatim.
"""

import jax.numpy as jnp
import numpy as np
from jax import custom_jvp, grad, vmap

from .checking import Exercise, check_jvp_function, check_prediction


def solution():
  @custom_jvp
  def f(x, y):
    return x ** 2 * jnp.sin(y)

  f.defjvps(lambda x_dot, ans, x, y: 2 * x * jnp.sin(y) * x_dot,
            None)

  answer = f
  return answer


def constant_y_hint(expected, got, what: str = "") -> str | None:
    """Only a mistake in y's direction is about None: the x rule's mistakes get the generic
    cause (a wrong x rule at x = 0 also has an expected tangent of 0)."""
    about_y = "along (0, 1)" in what or "(leaf [1])" in what
    if about_y and np.all(expected == 0) and not np.all(got == 0):
        return ("The exercise asks for no derivative in y: pass None as the second rule "
                "to defjvps.")
    return None


def check(answer, reference) -> str:
    return check_jvp_function(answer, reference, [(2.0, 0.5), (-1.0, 2.0), (0.0, 1.0)],
                              hint=constant_y_hint)


def solution_vmap_calls():
  rule_calls = []

  @custom_jvp
  def f(x):
    return jnp.sin(x)

  @f.defjvp
  def f_jvp(primals, tangents):
    rule_calls.append(primals)
    x, = primals
    t, = tangents
    return f(x), jnp.cos(x) * t

  vmap(grad(f))(jnp.arange(3.))

  answer = len(rule_calls)
  return answer


def check_vmap_calls(answer, reference) -> str:
    return check_prediction(answer, reference, why_not={
        "3": "vmap does not loop over the batch: it runs your Python once, with a tracer that "
             "stands for all three values, and the rule sees that tracer.",
        "0": "grad differentiates f, so it needs f's rule, under vmap as well: only evaluating "
             "f (with or without vmap and jit) leaves the rule out.",
        "2": "The rule calls f for its primal output, but that runs f, not the rule; only a "
             "second differentiation, as in grad(grad(f)), calls the rule again.",
    })


EXERCISES = (
    Exercise(
        id="06_defjvps_none", kind="jvp_function",
        lesson="06_custom_jvp_in_depth", section="Several arguments",
        asks_for="a @custom_jvp function f(x, y) = x**2 * sin(y) whose rules, given with "
                 "defjvps, treat y as a constant (None for its rule)",
        solution=solution, checker=check),
    Exercise(
        id="06_vmap_calls", kind="predict",
        lesson="06_custom_jvp_in_depth", section="When does JAX call what?",
        asks_for="your prediction, a count such as 3",
        solution=solution_vmap_calls, checker=check_vmap_calls),
)
