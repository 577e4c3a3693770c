"""Lesson 4's exercises: clip_norm, an identity whose backward pass bounds the cotangent's length
(lesson 4's clip carried over from entries to a vector's norm);
what a clip sees when code after it scales the gradient; and a clip whose f_fwd saves the
wrong residual.

Solution bodies use the lessons' two-space indentation: they are shown verbatim.
"""

import jax.numpy as jnp
import numpy as np
from jax import custom_vjp, grad

from .checking import (
    Exercise,
    Wrong,
    as_numbers,
    check_prediction,
    check_vjp_pair,
    fmt,
    run,
    vjp_pair_functions,
)


def clip_norm(c, x):
    return x


def solution():
  def clip_norm_fwd(c, x):
    return x, c

  def clip_norm_bwd(c, g):
    norm = jnp.sqrt(jnp.sum(g ** 2))
    return (None, g * (c / jnp.maximum(norm, c)))

  answer = (clip_norm_fwd, clip_norm_bwd)
  return answer


def norm_hint(expected, got, what: str = "") -> str | None:
    """What is wrong with a cotangent for x, judged against the reference's: not finite, turned
    away from g's direction (an element-wise clip), or along it with the wrong length; and a
    cotangent given to c."""
    if "argument 0" in what:
        if np.all(expected == 0) and not np.all(got == 0):
            return ("c is a setting, not something to learn: it gets no cotangent (None, or "
                    "zeros), whatever g is.")
        return None
    # g = 0 is the one checked cotangent whose expected result is 0: only there is the cause
    # a norm of 0.
    if np.any(~np.isfinite(got)) and np.all(np.asarray(expected) == 0):
        return ("Yours is not finite here. Where g = 0 its norm is 0 too: a division by the "
                "norm is 0 / 0, even in a factor you mean to apply only to long cotangents. "
                "Arrange the arithmetic so that nothing is divided by a norm of 0.")
    e, g = np.ravel(expected).astype(np.float64), np.ravel(got).astype(np.float64)
    ne, ng = np.linalg.norm(e), np.linalg.norm(g)
    if ne == 0 or ng == 0 or e.shape != g.shape:
        return None
    if np.dot(e, g) / (ne * ng) < 1 - 1e-5:
        return ("Yours points in another direction than the cotangent g: something acts on "
                "each entry separately (a clip of each entry, as clip_gradient does, or a "
                "factor that differs between entries), and that turns the vector. Scale the "
                "whole of g by one number, so that only its length changes.")
    return (f"Yours points the right way, with length {ng:.4g} instead of {ne:.4g}: a g "
            "no longer than c passes unchanged, and a longer one is scaled to length c "
            "exactly.")


CLIP_NORM_POINTS = [(1.0, np.array([3.0, -4.0, 0.0])), (2.0, np.array([0.5, -1.0, 2.0])),
                    (0.5, np.array([-1.0, -1.0, -1.0]))]
CLIP_NORM_COTANGENTS = [np.array([3.0, -4.0, 0.0]), np.array([0.3, 0.4, 0.0]),
                        np.array([0.0, 0.0, 0.0])]


def check(answer, reference) -> str:
    return check_vjp_pair(answer, clip_norm, reference, CLIP_NORM_POINTS,
                          cotangents=CLIP_NORM_COTANGENTS, hint=norm_hint,
                          linear_in_g=False)  # a clip of the cotangent, on purpose


def clip_downstream_solution():
  @custom_vjp
  def clip_gradient(lo, hi, x):
    return x

  def clip_gradient_fwd(lo, hi, x):
    return x, (lo, hi)

  def clip_gradient_bwd(res, g):
    lo, hi = res
    return (None, None, jnp.clip(g, lo, hi))

  clip_gradient.defvjp(clip_gradient_fwd, clip_gradient_bwd)

  def clip_sin(x):
    x = clip_gradient(-0.75, 0.75, x)
    return jnp.sin(x)

  answer = float(grad(lambda x: 3. * clip_sin(x))(0.))
  return answer


def check_clip_downstream(answer, reference) -> str:
    return check_prediction(answer, reference, why_not={
        "2.25": "That would clip cos(0) first and multiply by 3 afterwards. The backward pass "
                "runs from the output back to x: the 3 is applied first, so the cotangent "
                "that reaches clip_gradient is 3 * cos(0) = 3, and the clip is the last thing "
                "that happens to it.",
        "3.0": "3 * cos(0) = 3 is the cotangent that reaches clip_gradient, but clip_gradient "
               "sits between it and x: its f_bwd clips what reaches it.",
        "1.0": "cos(0) = 1 is the derivative of sin at 0, but the gradient of 3 * sin is 3 "
               "times that, before any clipping.",
    })


def clip_symmetric(c, x):
    return x


def clip_residual_given():
  def clip_symmetric_fwd(c, x):
    return x, x

  def clip_symmetric_bwd(res, g):
    c = res
    return (None, jnp.clip(g, -c, c))

  answer = (clip_symmetric_fwd, clip_symmetric_bwd)
  return answer


def clip_residual_solution():
  def clip_symmetric_fwd(c, x):
    return x, c

  def clip_symmetric_bwd(res, g):
    c = res
    return (None, jnp.clip(g, -c, c))

  answer = (clip_symmetric_fwd, clip_symmetric_bwd)
  return answer


def check_clip_residual(answer, reference) -> str:
    fwd, bwd = vjp_pair_functions(answer)
    c, x, g = jnp.float32(0.5), jnp.float32(1.0), jnp.float32(2.0)
    pair = run("f_fwd(0.5, 1)", fwd, c, x)
    if isinstance(pair, tuple) and len(pair) == 2:
        cts = run("f_bwd", bwd, pair[1], g)
        got = as_numbers(cts[1]) if isinstance(cts, (tuple, list)) and len(cts) == 2 else None
        if got is not None and got.shape == () and np.isclose(got, x):
            raise Wrong(f"at (c, x) = (0.5, 1), f_bwd turns the cotangent {fmt(g)} into "
                        f"{fmt(got)}: it clips to [-x, x] = [-1, 1], not to [-c, c] = "
                        "[-0.5, 0.5]. f_bwd only knows what f_fwd saved for it: is that what "
                        "it needs?")
    return check_vjp_pair(answer, clip_symmetric, reference,
                          [(0.5, 3.0), (1.0, -2.0), (2.0, 0.5)], cotangents=[1.0, -2.5],
                          linear_in_g=False)  # a clip of the cotangent, on purpose


EXERCISES = (
    Exercise(
        id="04_clip_norm", kind="vjp_pair",
        lesson="04_gradient_clipping", section="An identity function whose backward pass clips",
        asks_for="the pair (clip_norm_fwd, clip_norm_bwd) for clip_norm(c, x) = x, x a "
                 "float32[3], whose backward pass keeps a cotangent no longer than c and scales "
                 "a longer one to length c, finite for every cotangent (0 included), and gives "
                 "c no cotangent",
        solution=solution, checker=check),
    Exercise(
        id="04_clip_downstream", kind="predict",
        lesson="04_gradient_clipping", section="After: the clipped gradient",
        asks_for="your prediction: a number such as 0.25",
        solution=clip_downstream_solution, checker=check_clip_downstream),
    Exercise(
        id="04_clip_residual", kind="find_the_bug",
        lesson="04_gradient_clipping", section="An identity function whose backward pass clips",
        asks_for="the pair (clip_symmetric_fwd, clip_symmetric_bwd) with the bug fixed",
        solution=clip_residual_solution, checker=check_clip_residual,
        given=clip_residual_given),
)
