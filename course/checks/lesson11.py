"""Lesson 11's exercises, one per gotcha they practise: the double where (8), carried over to
a vector's norm; the structure of what f_bwd returns (4); forward mode on a custom_vjp
function (1: which call raises, and a custom_vjp rewritten as a custom_jvp); and a rule that
ignores a float tangent (7).

Solution bodies use the lessons' two-space indentation: they are shown verbatim.
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax import custom_jvp, custom_vjp, grad

from ..compat import custom_jvp_rule
from .checking import (
  Exercise,
  Wrong,
  as_numbers,
  check_function,
  check_jvp_function,
  check_prediction,
  check_vjp_pair,
  fmt,
  normalize_prediction,
  run,
)
from .choices import check_choice


def safe_norm_solution():
  def safe_norm(x):
    sq = jnp.sum(x ** 2)
    safe_sq = jnp.where(sq > 0, sq, 1.)
    return jnp.where(sq > 0, jnp.sqrt(safe_sq), 0.)

  answer = safe_norm
  return answer


def where_hint(expected, got) -> str | None:
    if np.any(np.isnan(got)):
        return ("At x = 0 the square root's derivative is infinite, and the chain rule "
                "multiplies it by the derivative of sum(x ** 2), which is 0 there: inf * 0 = "
                "nan. A jnp.where that picks 0 at x = 0 does not help by itself: reverse mode "
                "runs the branch it does not use backwards too. Feed the square root a safe "
                "input wherever x = 0 (the double where, decided on the whole vector), or "
                "give the function a custom_jvp.")
    if np.any(np.isinf(got)):
        return ("The square root's derivative at 0 is infinite, and here it reaches x. Feed "
                "the square root a safe value wherever x = 0, and choose the output 0 there "
                "outside it.")
    return None


def custom_rule_hint(expected, got) -> str | None:
    # Only at x = 0, the one checked point whose expected gradient is 0.
    if np.any(~np.isfinite(got)) and np.all(np.asarray(expected) == 0):
        return ("Your function has a custom_jvp, so this is its rule's doing: at x = 0 its "
                "tangent is not finite, since x / norm there is 0 / 0. Compute the tangent's "
                "coefficient first, jnp.where(norm > 0, x / safe_norm, 0.) with a safe norm, "
                "and multiply the tangent by it. A jnp.where applied to the tangent itself does "
                "not help: grad sends a zero cotangent into the branch it did not choose, and "
                "0 / 0 times 0 is still nan.")
    return None


SAFE_NORM_POINTS = [(np.array([1.0, 2.0, 2.0]),), (np.array([0.0, 0.0, 0.0]),),
                    (np.array([-3.0, 0.0, 4.0]),), (np.array([0.0, -0.5, 0.0]),)]


def check_safe_norm(answer, reference) -> str:
    hint = custom_rule_hint if isinstance(answer, jax.custom_jvp) else where_hint
    return check_function(answer, reference, SAFE_NORM_POINTS, hint=hint)


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
  def logsumexp(x):
    m = jnp.max(x)
    return m + jnp.log(jnp.sum(jnp.exp(x - m)))

  @logsumexp.defjvp
  def logsumexp_jvp(primals, tangents):
    x, = primals
    x_dot, = tangents
    y = logsumexp(x)
    # how far the scalar output moves when x moves along x_dot: a weighted sum
    return y, jnp.sum(jnp.exp(x - y) * x_dot)

  answer = logsumexp
  return answer


FORWARD_MODE_POINTS = [(np.array([0.0, 1.0, 2.0]),), (np.array([100.0, 90.0, -50.0]),),
                       (np.array([-1.0, -1.0, 3.0]),)]


def check_forward_mode(answer, reference) -> str:
    if isinstance(answer, jax.custom_vjp):
        raise Wrong("this is still a custom_vjp function, and jax.jacfwd(answer) fails with "
                    "\"can't apply forward-mode autodiff (jvp) to a custom_vjp function\". "
                    "Rewrite the rule as a JVP with @custom_jvp and defjvp.")
    tangent_shaped_like_x(answer)
    return check_jvp_function(answer, reference, FORWARD_MODE_POINTS)


def tangent_shaped_like_x(answer) -> None:
    """The likely slip: logsumexp_bwd's `g * p` turned into `x_dot * p`, a tangent shaped
    like x."""
    if not isinstance(answer, jax.custom_jvp) or custom_jvp_rule(answer) is None:
        return  # check_jvp_function says what is missing
    x = jnp.asarray(FORWARD_MODE_POINTS[0][0], jnp.float32)
    pair = run(f"your JVP rule at x={fmt(x)}", custom_jvp_rule(answer), (x,),
               (jnp.ones_like(x),))
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        return
    tangent = as_numbers(pair[1])
    if tangent is not None and tangent.shape == x.shape:
        raise Wrong(f"at x={fmt(x)}, your rule returns a tangent of shape {tangent.shape}, the "
                    "shape of x, but logsumexp's output is a scalar, and so is its tangent: "
                    "how far the output moves when x moves along x_dot. logsumexp_bwd's "
                    "`g * p` goes the other way: it spreads the scalar output cotangent g over "
                    "the entries of x. A JVP rule pushes a tangent forward, from x's shape to "
                    "the output's.")


def power_solution():
  @custom_jvp
  def power(x, n):
    return x ** n

  @power.defjvp
  def power_jvp(primals, tangents):
    x, n = primals
    x_dot, n_dot = tangents
    return power(x, n), n * x ** (n - 1) * x_dot

  answer = float(grad(power, 1)(2., 3.))  # what grad says d(x ** n)/dn is at (2, 3)
  return answer


def check_power(answer, reference) -> str:
    raised = normalize_prediction(answer, TypeError)
    if isinstance(answer, (str, type, BaseException)) and raised and raised.endswith("Error"):
        raise Wrong(f"you predicted {raised}, but grad(power, 1)(2., 3.) returns a number. n is "
                    "3., a float this time: its tangent is an ordinary float tangent, and grad "
                    "accepts it. Only integer inputs are refused.")
    guess = normalize_prediction(answer, reference)
    if isinstance(guess, float) and np.isclose(guess, 8 * np.log(2), rtol=1e-2):
        raise Wrong(f"you predicted {guess}, the true derivative of x**n with respect to n, "
                    "x**n log(x) = 8 log 2. But grad does not differentiate power's code: it "
                    "uses the rule, and this rule never reads n_dot. JAX trusts a custom rule; "
                    "nothing compares it with the function.")
    return check_prediction(answer, reference, why_not={
        "12.0": "12 = n x**(n-1) is the derivative with respect to x (argument 0); the "
                "question differentiates with respect to n (argument 1).",
    })


def which_raises_solution():
  @custom_vjp
  def clip_gradient(x):   # lesson 4's identity that clips its cotangent, to [-1, 1] here
    return x

  clip_gradient.defvjp(lambda x: (x, None), lambda _, g: (jnp.clip(g, -1., 1.),))

  def tanh_fwd(x):
    y = jnp.tanh(x)
    return y, y           # the output is the residual

  @custom_vjp
  def f_a(x):
    return jnp.tanh(x)

  f_a.defvjp(tanh_fwd, lambda y, g: (clip_gradient(g) * (1 - y ** 2),))

  @custom_vjp
  def f_b(x):
    return jnp.tanh(x)

  f_b.defvjp(tanh_fwd, lambda y, g: (clip_gradient(g * (1 - y ** 2)),))

  calls = {"a": lambda: jax.hessian(f_a)(1.),
           "b": lambda: jax.hessian(f_b)(1.),
           "c": lambda: grad(grad(f_b))(1.)}
  raised = []
  for choice, call in calls.items():
    try:
      print(f"{choice}: runs, {call():.4f}")
    except TypeError as e:  # "can't apply forward-mode autodiff (jvp) to a custom_vjp function"
      print(f"{choice}: {type(e).__name__}: {str(e).splitlines()[0]}")
      raised.append(choice)
  answer, = raised  # the one call that raised
  return answer


def check_which_raises(answer, reference) -> str:
    return check_choice(answer, reference, why_not={
        "a": "jax.hessian is jacfwd(jacrev(f)): forward mode runs over the code of f_fwd and "
             "f_bwd, and fails only where that code applies a custom_vjp function to a value "
             "that depends on x. f_a's clip_gradient gets g alone, the cotangent jacrev feeds "
             "in, which does not depend on x: forward mode has no tangent to push through it. "
             "(That holds because f_a is the whole function: in f_a(x) * x the cotangent "
             "reaching f_a depends on x, and jax.hessian fails there too.)",
        "c": "grad(grad(f_b)) is reverse over reverse: the outer grad differentiates f_fwd and "
             "f_bwd in reverse mode, and meets clip_gradient only in reverse, which its own "
             "rule covers. No forward mode is needed.",
    })


EXERCISES = (
    Exercise(
        id="11_safe_norm", kind="function",
        lesson="11_gotchas", section="8. `nan` gradients through `jnp.where`",
        asks_for="a function safe_norm(x), for a float32[3] x, equal to the Euclidean norm "
                 "of x, whose gradient is x / norm(x) where x is not 0 and 0 at x = 0",
        solution=safe_norm_solution, checker=check_safe_norm),
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
        asks_for="a @custom_jvp version of logsumexp(x), for a float32[3] x, with the "
                 "derivative its custom_vjp gives, so that jacfwd works on it",
        solution=forward_mode_solution, checker=check_forward_mode),
    Exercise(
        id="11_which_raises", kind="predict",
        lesson="11_gotchas", section="1. Forward mode on a `custom_vjp` function",
        asks_for="your prediction: the letter of the one call of the three that raises, "
                 "such as \"b\"",
        solution=which_raises_solution, checker=check_which_raises),
    Exercise(
        id="11_float_exponent", kind="predict",
        lesson="11_gotchas", section="7. Integer inputs and `float0` tangents",
        asks_for="your prediction: the value grad(power, 1)(2., 3.) returns, a number such as "
                 "0.5 (or an exception type, if you think it raises)",
        solution=power_solution, checker=check_power),
)
