"""Lesson 1's exercises: the product rule where one input sits in both factors, and which call
fails when a JVP rule's tangent is not linear in one input's tangent.

Solution bodies use the lessons' two-space indentation: they are shown verbatim.
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax import custom_jvp

from ..compat import custom_jvp_rule
from .checking import (
    Exercise,
    Wrong,
    as_numbers,
    check_jvp_function,
    fmt,
    run,
)
from .choices import check_choice


def solution():
  @custom_jvp
  def g(x, y):
    return x * jnp.exp(x * y)

  @g.defjvp
  def g_jvp(primals, tangents):
    x, y = primals
    x_dot, y_dot = tangents
    e = jnp.exp(x * y)
    return g(x, y), e * ((1 + x * y) * x_dot + x ** 2 * y_dot)

  answer = g
  return answer


# x * y = 0.5 here, so the likely partial answers differ from each other and from the truth.
PROBE = (2.0, 0.25)
POINTS = [PROBE, (-1.0, 1.5), (0.0, -2.0), (3.0, 0.0)]


def partial_terms(answer) -> None:
    """Name the usual product-rule slips, by the tangent the rule returns at PROBE along each
    input: a term per factor, and the chain rule inside e^(x y)."""
    if not isinstance(answer, jax.custom_jvp) or custom_jvp_rule(answer) is None:
        return  # check_jvp_function says what is missing
    x, y = (jnp.float32(v) for v in PROBE)
    e = float(np.exp(x * y))
    where = f"(x, y) = ({fmt(x)}, {fmt(y)})"
    slips = {
        (1.0, 0.0): [
            (e, f"{fmt(e)} = e^(x y), the derivative of the first factor x times the second "
                "factor, but x is inside e^(x y) as well: moving x moves both factors, so the "
                "product rule adds a second term, x times how fast e^(x y) moves with x."),
            (float(x * y) * e, f"{fmt(float(x * y) * e)} = x y e^(x y), the term from the "
                "second factor only: x itself is the first factor, and its own derivative "
                "(1, times e^(x y)) is missing."),
        ],
        (0.0, 1.0): [
            (float(x) * e, f"{fmt(float(x) * e)} = x e^(x y): the derivative of e^(x y) with "
                "respect to y also carries the derivative of the exponent x y (the chain "
                "rule)."),
        ],
    }
    for direction, candidates in slips.items():
        pair = run(f"your JVP rule at {where}", custom_jvp_rule(answer), (x, y),
                   tuple(jnp.float32(d) for d in direction))
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            return
        got = as_numbers(pair[1])
        if got is None or got.shape != ():
            return
        for value, reason in candidates:
            if np.isclose(got, value, rtol=1e-4):
                raise Wrong(f"the tangent along {fmt(direction)} at {where} is {reason}")


def check(answer, reference) -> str:
    partial_terms(answer)
    return check_jvp_function(answer, reference, POINTS)


def nonlinear_solution():
  @custom_jvp
  def f_sq(x, y):
    return jnp.sin(x) * y

  @f_sq.defjvp
  def f_sq_jvp(primals, tangents):
    x, y = primals
    x_dot, y_dot = tangents
    return f_sq(x, y), jnp.cos(x) * x_dot ** 2 * y + jnp.sin(x) * y_dot

  calls = {"a": lambda: jax.jvp(f_sq, (2., 3.), (1., 0.)),
           "b": lambda: jax.grad(f_sq, argnums=1)(2., 3.),
           "c": lambda: jax.grad(f_sq, argnums=0)(2., 3.)}
  raised = []
  for choice, call in calls.items():
    try:
      call()
      print(f"{choice}: runs")
    except Exception as e:
      print(f"{choice}: {type(e).__name__}: {str(e).splitlines()[0]}")
      raised.append(choice)
  answer, = raised  # the one call that raised
  return answer


def check_nonlinear(answer, reference) -> str:
    return check_choice(answer, reference, why_not={
        "a": "jax.jvp calls the rule as written, and x_dot ** 2 is just a number to compute "
             "(with x_dot = 1 it even gives the right tangent). Which transformation needs "
             "the tangent to be linear in x_dot?",
        "b": "grad needs a linear tangent only in the inputs it differentiates. With argnums=1 "
             "x is held constant: the rule is called with an x_dot of plain zeros, so "
             "x_dot ** 2 is a number again, and only the y_dot term has to be run backwards.",
        })


EXERCISES = (
    Exercise(
        id="01_product_rule", kind="jvp_function",
        lesson="01_tldr", section="A forward-mode rule with `custom_jvp`",
        asks_for="a @custom_jvp function g(x, y) = x * exp(x * y), with its rule attached by "
                 "defjvp",
        solution=solution, checker=check),
    Exercise(
        id="01_nonlinear_tangent", kind="predict",
        lesson="01_tldr", section="A forward-mode rule with `custom_jvp`",
        asks_for="your prediction: the letter of the call that raises, such as \"b\"",
        solution=nonlinear_solution, checker=check_nonlinear),
)
