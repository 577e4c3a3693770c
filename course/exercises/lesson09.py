"""Lesson 9's exercise: a JVP rule that receives a function through nondiff_argnums.

Solution bodies use the lessons' two-space indentation: they are shown verbatim.
"""

import jax
import jax.numpy as jnp

from .checking import Exercise, check_jvp_rule


def apply_twice(f, x):
    return f(f(x))


def cube(x):
    return x ** 3


def solution():
  def apply_twice_jvp(f, primals, tangents):
    x, = primals
    x_dot, = tangents
    y, y_dot = jax.jvp(f, (x,), (x_dot,))
    return jax.jvp(f, (y,), (y_dot,))

  answer = apply_twice_jvp
  return answer


def check(answer, reference) -> str:
    return check_jvp_rule(answer, apply_twice, reference, [(0.5,), (-1.2,), (2.0,)],
                          nondiff_argnums=(0,),
                          nondiff_values=[(jnp.sin,), (jnp.tanh,), (cube,)])


EXERCISES = (
    Exercise(
        id="09_apply_twice", kind="jvp_rule",
        lesson="09_nondiff_argnums", section="With `custom_jvp`",
        asks_for="the JVP rule apply_twice_jvp(f, primals, tangents) for apply_twice(f, x) = "
                 "f(f(x)), declared with nondiff_argnums=(0,)",
        solution=solution, checker=check),
)
