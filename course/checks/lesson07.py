"""Lesson 7's exercises: hypot's rules with residuals that spare the backward pass a square
root; a prediction of when f_fwd and f_bwd run under jax.vjp; and a rule whose backward half
reads a value stashed outside its residuals.

Solution bodies use the lessons' two-space indentation: they are shown verbatim.
"""

import re

import jax
import jax.numpy as jnp
import numpy as np
from jax import custom_vjp, vjp

from .checking import (
    Exercise,
    Wrong,
    as_float32,
    check_fwd_direct,
    check_vjp_pair,
    compare,
    fmt,
    run,
    vjp_pair_functions,
)
from .choices import check_choice


def hypot(x, y):
    return jnp.sqrt(x ** 2 + y ** 2)


def solution():
  def hypot_fwd(x, y):
    r = jnp.sqrt(x ** 2 + y ** 2)
    return r, (x, y, r)

  def hypot_bwd(res, g):
    x, y, r = res
    return (g * x / r, g * y / r)

  answer = (hypot_fwd, hypot_bwd)
  return answer


# What a backward pass that recomputes the square root shows in its jaxpr.
# `pow` only with the exponent +-0.5 (r ** 0.5); r ** -1. is a division, and fine.
ROOTS = re.compile(r"=\s*(sqrt|rsqrt|cbrt|pow(?=\s+\S+\s+-?0?\.50*\b))\b")


def check(answer, reference) -> str:
    verified = check_vjp_pair(answer, hypot, reference, [(3.0, 4.0), (-1.0, 2.0), (0.5, -0.5)],
                              cotangents=[1.0, -2.5])
    fwd, bwd = answer
    args = as_float32((3.0, 4.0))
    _, residuals = fwd(*args)
    jaxpr = run("jax.make_jaxpr(hypot_bwd)", jax.make_jaxpr(bwd), residuals, jnp.float32(1.0))
    root = ROOTS.search(str(jaxpr))
    if root:
        raise Wrong(f"your gradients are right, but hypot_bwd computes `{root.group(1)}`: the "
                    "square root is the expensive step, and hypot_fwd has just computed it. "
                    "Save the result among the residuals, so that the backward pass only "
                    "multiplies and divides.")
    return (f"{verified} And hypot_bwd computes no square root (checked in its jaxpr): it "
            "takes what it needs from the residuals.")


def solution_calls():
  fwd_calls, bwd_calls = [], []

  @custom_vjp
  def f(x):
    return jnp.sin(x)

  def f_fwd(x):
    fwd_calls.append(x)
    return f(x), jnp.cos(x)

  def f_bwd(cos_x, y_bar):
    bwd_calls.append(y_bar)
    return (cos_x * y_bar,)

  f.defvjp(f_fwd, f_bwd)

  y, f_vjp = vjp(f, 3.)
  f_vjp(1.)
  f_vjp(2.)

  counts = (len(fwd_calls), len(bwd_calls))  # (f_fwd's calls, f_bwd's calls)
  print(f"f_fwd ran {counts[0]} time(s), f_bwd {counts[1]} time(s)")
  answer = {(1, 1): "a", (1, 2): "b", (2, 2): "c"}.get(counts, str(counts))
  return answer


def check_calls(answer, reference) -> str:
    return check_choice(answer, reference, why_not={
        "a": "The function that jax.vjp returns keeps the residuals, not a result: each call "
             "of f_vjp runs f_bwd again, on the new cotangent.",
        "c": "jax.vjp runs f_fwd once, when you call vjp; f_vjp only runs the backward half "
             "on the residuals f_fwd saved then, however often you call it.",
    })


def wave(x):
    return x * jnp.sin(x)


def given_stash():
  saved = {}

  @custom_vjp
  def wave(x):
    return x * jnp.sin(x)

  def wave_fwd(x):
    saved["slope"] = jnp.sin(x) + x * jnp.cos(x)  # keep it for the backward pass
    return wave(x), None

  def wave_bwd(res, g):
    return (g * saved["slope"],)

  wave.defvjp(wave_fwd, wave_bwd)
  answer = (wave_fwd, wave_bwd)
  return answer


def solution_stash():
  @custom_vjp
  def wave(x):
    return x * jnp.sin(x)

  def wave_fwd(x):
    return wave(x), jnp.sin(x) + x * jnp.cos(x)

  def wave_bwd(slope, g):
    return (slope * g,)

  wave.defvjp(wave_fwd, wave_bwd)
  answer = (wave_fwd, wave_bwd)
  return answer


def check_stash(answer, reference) -> str:
    verified = check_vjp_pair(answer, wave, reference, [(0.5,), (2.0,), (-1.0,)],
                              cotangents=[1.0, -2.0])
    check_calls_kept_apart(answer, reference, first=0.5, second=2.0)
    return (f"{verified} Two jax.vjp calls (x = 0.5, then x = 2) whose backward passes run "
            "afterwards each get their own cotangent: f_bwd reads only its residuals.")


def check_calls_kept_apart(answer, reference, first: float, second: float) -> None:
    """Two forward passes, then the first one's backward pass, as a loop that runs its
    forward passes before its backward passes does: a rule that keeps a value outside its
    residuals (a global, an attribute) answers with the second call's value."""
    fwd, bwd = vjp_pair_functions(answer)
    mine = custom_vjp(wave)
    mine.defvjp(fwd, bwd)
    ref = custom_vjp(wave)
    ref.defvjp(*reference)
    a, b = jnp.float32(first), jnp.float32(second)
    check_fwd_direct(fwd, wave, (a,), f"x={fmt(a)}")
    _, vjp_first = run(f"jax.vjp at x={fmt(a)}", vjp, mine, a)
    run(f"jax.vjp at x={fmt(b)}", vjp, mine, b)
    got = run(f"the backward pass of the first jax.vjp (x={fmt(a)})", vjp_first,
              jnp.float32(1.0))
    expected = vjp(ref, a)[1](jnp.float32(1.0))
    at_second = vjp(ref, b)[1](jnp.float32(1.0))
    same_as_second = (isinstance(got, tuple) and len(got) == 1
                      and np.allclose(np.asarray(got[0], dtype=float), at_second[0]))
    try:
        compare("f_bwd's cotangent", f"x={fmt(a)}, from a jax.vjp whose backward pass ran "
                f"after a second jax.vjp at x={fmt(b)}", expected, got)
    except Wrong as e:
        if not same_as_second:
            raise
        raise Wrong(f"{e} That is the cotangent at x={fmt(b)}: f_bwd used a value left by the "
                    f"later f_fwd call. Called one at a time, as grad does, your rule is right; "
                    "but JAX keeps each call's residuals apart, and anything f_bwd reads from "
                    "elsewhere (a global, a dict, an attribute) belongs to whichever f_fwd ran "
                    "last. Return what f_bwd needs as residuals.") from None


EXERCISES = (
    Exercise(
        id="07_hypot_vjp", kind="vjp_pair",
        lesson="07_custom_vjp_in_depth", section="Choosing residuals",
        asks_for="the pair (hypot_fwd, hypot_bwd) for hypot(x, y) = sqrt(x**2 + y**2), whose "
                 "backward pass computes no square root",
        solution=solution, checker=check),
    Exercise(
        id="07_vjp_calls", kind="predict",
        lesson="07_custom_vjp_in_depth", section="When does JAX call what?",
        asks_for='your prediction, a choice such as "b"',
        solution=solution_calls, checker=check_calls),
    Exercise(
        id="07_stashed_residual", kind="find_the_bug",
        lesson="07_custom_vjp_in_depth", section="Choosing residuals",
        asks_for="the pair (wave_fwd, wave_bwd), fixed",
        solution=solution_stash, checker=check_stash, given=given_stash),
)
