"""Lesson 10's exercise: differentiate a Newton solver for the cube root by the implicit
function theorem, not through its while_loop.

Solution bodies use the lessons' two-space indentation: they are shown verbatim.
"""

import jax
import jax.numpy as jnp
from jax import lax

from .checking import Exercise, check_vjp_pair


@jax.jit  # compiled once: the checker calls it many times (the lesson's copy is not jitted)
def newton_cbrt(a):
    def cond(carry):
        x_prev, x = carry
        return jnp.abs(x_prev - x) > 1e-6 * jnp.abs(x)

    def body(carry):
        _, x = carry
        return x, (2 * x + a / x ** 2) / 3

    return lax.while_loop(cond, body, (a, (2 * a + 1 / a) / 3))[1]


def solution():
  def cbrt_fwd(a):
    x_star = newton_cbrt(a)
    return x_star, x_star

  def cbrt_bwd(x_star, g):
    # x*(a)**3 = a for all a, so 3 x*^2 dx* = da
    return (g / (3 * x_star ** 2),)

  answer = (cbrt_fwd, cbrt_bwd)
  return answer


def implicit_hint(expected, got) -> str:
    return ("Differentiate the equation x*(a)**3 = a with respect to a: the result involves "
            "the solution x*, which f_fwd should save as its residual, times the output "
            "cotangent g.")


def check(answer, reference) -> str:
    return check_vjp_pair(answer, newton_cbrt, reference, [(8.0,), (27.0,), (0.5,), (1000.0,)],
                          cotangents=[1.0, -2.5], hint=implicit_hint)


EXERCISES = (
    Exercise(
        id="10_implicit_cbrt", kind="vjp_pair",
        lesson="10_implicit_differentiation",
        section="The math: differentiate the equation, not the loop",
        asks_for="the pair (cbrt_fwd, cbrt_bwd) for newton_cbrt(a), a while_loop solving "
                 "x**3 = a; the backward pass uses the solution x*, not the loop",
        solution=solution, checker=check),
)
