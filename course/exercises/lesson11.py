"""Lesson 11's exercises, one per gotcha they practise: the double where (8), the structure
of what f_bwd returns (4), and forward mode on a custom_vjp function (1).

Solution bodies use the lessons' two-space indentation: they are shown verbatim.
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax import custom_jvp

from .checking import Exercise, Wrong, check_function, check_jvp_function, check_vjp_pair


def safe_sqrt_solution():
  def safe_sqrt(x):
    safe_x = jnp.where(x > 0, x, 1.)
    return jnp.where(x > 0, jnp.sqrt(safe_x), 0.)

  answer = safe_sqrt
  return answer


def where_hint(expected, got) -> str | None:
    if not np.all(np.isfinite(got)):
        return ("jnp.where differentiates both branches: at x <= 0 the unused sqrt branch has "
                "an infinite derivative, and 0 * inf = nan. Feed that branch a safe input "
                "(the double where), or give the function a custom_jvp.")
    return None


def check_safe_sqrt(answer, reference) -> str:
    return check_function(answer, reference, [(4.0,), (0.0,), (-1.0,), (0.25,)],
                          hint=where_hint)


def affine(params, x):
    return jnp.sum(params["w"] * x) + params["b"]


def bwd_structure_solution():
  def affine_fwd(params, x):
    return affine(params, x), (params, x)

  def affine_bwd(res, g):
    params, x = res
    return ({'w': g * x, 'b': g}, g * params['w'])

  answer = (affine_fwd, affine_bwd)
  return answer


def check_bwd_structure(answer, reference) -> str:
    points = [({"w": jnp.array([1.0, -2.0, 0.5]), "b": 0.3}, jnp.array([2.0, 1.0, -4.0])),
              ({"w": jnp.array([0.0, 3.0, 1.0]), "b": -1.0}, jnp.array([1.0, 1.0, 1.0]))]
    return check_vjp_pair(answer, affine, reference, points, cotangents=[1.0, -2.5])


def forward_mode_solution():
  @custom_jvp
  def softsign(x):
    return x / (1 + jnp.abs(x))

  softsign.defjvps(lambda t, ans, x: t / (1 + jnp.abs(x)) ** 2)

  answer = softsign
  return answer


def check_forward_mode(answer, reference) -> str:
    if isinstance(answer, jax.custom_vjp):
        raise Wrong("this is still a custom_vjp function, and jax.jacfwd(answer) fails with "
                    "\"can't apply forward-mode autodiff (jvp) to a custom_vjp function\". "
                    "Rewrite the rule as a JVP with @custom_jvp and defjvp/defjvps.")
    return check_jvp_function(answer, reference, [(0.0,), (2.0,), (-3.0,), (50.0,)])


EXERCISES = (
    Exercise(
        id="11_safe_sqrt", kind="function",
        lesson="11_gotchas", section="8. `nan` gradients through `jnp.where`",
        asks_for="a function safe_sqrt(x) equal to sqrt(x) for x > 0 and 0 otherwise, whose "
                 "gradient is finite everywhere (0 for x <= 0)",
        solution=safe_sqrt_solution, checker=check_safe_sqrt),
    Exercise(
        id="11_bwd_structure", kind="vjp_pair",
        lesson="11_gotchas", section="4. The shape of what `f_bwd` returns",
        asks_for="the pair (affine_fwd, affine_bwd) for affine(params, x) = sum(params['w'] * "
                 "x) + params['b'], with params a dict of a float32[3] 'w' and a scalar 'b', "
                 "and x a float32[3]",
        solution=bwd_structure_solution, checker=check_bwd_structure),
    Exercise(
        id="11_forward_mode", kind="jvp_function",
        lesson="11_gotchas", section="1. Forward mode on a `custom_vjp` function",
        asks_for="a @custom_jvp version of softsign(x) = x / (1 + |x|), whose derivative is "
                 "1 / (1 + |x|)**2, so that jacfwd works on it",
        solution=forward_mode_solution, checker=check_forward_mode),
)
