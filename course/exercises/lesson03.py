"""Lesson 3's exercise: sinc with the convention sinc'(0) = 0, and no nan anywhere.

Solution bodies use the lessons' two-space indentation: they are shown verbatim.
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax import custom_jvp

from .checking import Exercise, Wrong, check_jvp_function, fmt, fmt_points, run


def solution():
  @custom_jvp
  def sinc(x):
    return jnp.where(x == 0., 1., jnp.sin(x) / jnp.where(x == 0., 1., x))

  @sinc.defjvp
  def sinc_jvp(primals, tangents):
    x, = primals
    x_dot, = tangents
    safe_x = jnp.where(x == 0., 1., x)
    slope = (safe_x * jnp.cos(safe_x) - jnp.sin(safe_x)) / safe_x ** 2
    return sinc(x), jnp.where(x == 0., 0., slope) * x_dot

  answer = sinc
  return answer


def zero_division_hint(expected, got) -> str | None:
    if not np.all(np.isfinite(got)):
        return ("At x = 0 your rule divides by zero. Use jnp.where(x == 0., 0., ...) for the "
                "convention, and feed the formula a safe x, jnp.where(x == 0., 1., x): "
                "jnp.where computes both branches at every x.")
    return None


POINTS = [(0.0,), (0.5,), (2.0,), (-3.0,)]


def check(answer, reference) -> str:
    checked = check_jvp_function(answer, reference, POINTS, hint=zero_division_hint)
    for (x,) in POINTS:
        second = run("jax.grad(jax.grad(...)) of your function", jax.grad(jax.grad(answer)),
                     jnp.float32(x))
        if not np.all(np.isfinite(second)):
            raise Wrong(f"the second derivative, jax.grad(jax.grad(sinc)), at x={fmt(x)} is "
                        f"{fmt(second)}. Your first derivative is right, but differentiating "
                        "your rule again differentiates both branches of its jnp.where, and "
                        "the unused one computes 0/0 at x = 0. Feed the formula a safe x, "
                        "jnp.where(x == 0., 1., x): the double where of lesson 11_gotchas, 8.")
    return (f"{checked} The second derivative, jax.grad(jax.grad(sinc)), is finite at "
            f"{fmt_points(POINTS, reference)} too.")


EXERCISES = (
    Exercise(
        id="03_sinc", kind="jvp_function",
        lesson="03_differentiation_conventions", section="The convention, as a custom rule",
        asks_for="a @custom_jvp function sinc(x) = sin(x)/x (1 at x = 0) whose derivative at 0 "
                 "is 0",
        solution=solution, checker=check),
)
