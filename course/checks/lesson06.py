"""Lesson 6's exercises: defjvps for a function of three arguments, the middle one held fixed
(None in its place) and the last one's rule valid where the primal output is 0; and a
prediction of how often a JVP rule runs under vmap(grad(f)).

Solution bodies use the lessons' two-space indentation: they are shown verbatim.
"""

import jax.numpy as jnp
import numpy as np
from jax import custom_jvp, grad, vmap

from .checking import Exercise, check_jvp_function, check_prediction


def solution():
  @custom_jvp
  def f(x, t, y):
    return y * jnp.exp(x / t)

  f.defjvps(lambda x_dot, ans, x, t, y: ans / t * x_dot,
            None,
            lambda y_dot, ans, x, t, y: jnp.exp(x / t) * y_dot)

  answer = f
  return answer


def held_t_hint(expected, got, what: str = "") -> str | None:
    """A mistake in t's direction is about the rule in t's place; a nan where the true tangent
    is finite is, at the points checked (y = 0 there), y's rule recovering exp(x / t) from the
    primal output by dividing by y. The x rule's other mistakes get the generic cause."""
    about_t = "along (0, 1, 0)" in what or "(leaf [1])" in what
    if about_t and np.all(expected == 0) and not np.all(got == 0):
        return ("t is held fixed, so no tangent may flow from t: the entries of defjvps follow "
                "f's arguments in order (x, t, y), and the one in t's place must contribute "
                "nothing.")
    if np.any(~np.isfinite(got)) and np.all(np.isfinite(expected)):
        return ("Your tangent is not finite here, where the true one is. Where y = 0, a rule "
                "that gets exp(x / t) back from the primal output divides 0 by 0; and jax.jvp "
                "runs y's rule even for a zero tangent of y, as here, so 0 * nan = nan spoils "
                "the other directions too. Use ans only where it is the factor you need; "
                "compute the factor for y from x and t.")
    return None


POINTS = [(1.0, 2.0, 3.0), (-2.0, 0.5, 0.0), (0.5, 1.0, -1.5), (3.0, 4.0, 0.0)]


def check(answer, reference) -> str:
    return check_jvp_function(answer, reference, POINTS, hint=held_t_hint)


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
        asks_for="a @custom_jvp function f(x, t, y) = y * exp(x / t) whose rules, given "
                 "with defjvps, give the true derivatives in x and y and none in t, for t > 0 "
                 "and any y, 0 included",
        solution=solution, checker=check),
    Exercise(
        id="06_vmap_calls", kind="predict",
        lesson="06_custom_jvp_in_depth", section="When does JAX call what?",
        asks_for="your prediction, a count such as 3",
        solution=solution_vmap_calls, checker=check_vmap_calls),
)
