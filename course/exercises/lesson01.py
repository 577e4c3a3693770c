"""Lesson 1's exercise: the product rule as a `custom_jvp`.

Solution bodies use the lessons' two-space indentation: they are shown verbatim.
"""

import jax.numpy as jnp
from jax import custom_jvp

from .checking import Exercise, check_jvp_function


def solution():
  @custom_jvp
  def g(x, y):
    return x * jnp.exp(y)

  @g.defjvp
  def g_jvp(primals, tangents):
    x, y = primals
    x_dot, y_dot = tangents
    ans = g(x, y)
    return ans, jnp.exp(y) * x_dot + ans * y_dot

  answer = g
  return answer


def check(answer, reference) -> str:
    return check_jvp_function(answer, reference, [(2.0, 0.5), (-1.0, 1.5), (0.0, -2.0),
                                                  (3.0, 0.0)])


EXERCISES = (
    Exercise(
        id="01_product_rule", kind="jvp_function",
        lesson="01_tldr", section="A forward-mode rule with `custom_jvp`",
        asks_for="a @custom_jvp function g(x, y) = x * exp(y), with its rule attached by defjvp",
        solution=solution, checker=check),
)
