"""Lesson 04_gradient_clipping: its claims about what JAX does, against the pinned JAX.

A sentence in a lesson that says what JAX does (raises, returns, calls, accepts, runs n times)
is either shown by a cell beside it, which nbval pins, or tested here: one test per claim,
named after the lesson and section, quoting the sentence in its docstring. When JAX is
upgraded, a changed behaviour fails here instead of silently making the prose wrong.
"""

import jax
import jax.numpy as jnp
import pytest
from claims_shared import VJP_FORWARD_MODE_ERROR
from jax import custom_vjp


def _clip_gradient_04():
    """Lesson 4's clip_gradient, as the seed writes it."""

    @custom_vjp
    def clip_gradient(lo, hi, x):
        return x

    def clip_gradient_fwd(lo, hi, x):
        return x, (lo, hi)

    def clip_gradient_bwd(res, g):
        lo, hi = res
        return (None, None, jnp.clip(g, lo, hi))

    clip_gradient.defvjp(clip_gradient_fwd, clip_gradient_bwd)
    return clip_gradient


def test_04_identity_none_means_zero_cotangent_for_the_bounds():
    """04, An identity function whose backward pass clips: "the rule gives them `None`, meaning
    "zero cotangent"" (grad with respect to lo and hi is 0, while x's is clipped)."""
    clip_gradient = _clip_gradient_04()

    def clip_sin(lo, hi, x):
        return jnp.sin(clip_gradient(lo, hi, x))

    grads = jax.grad(clip_sin, argnums=(0, 1, 2))(-0.75, 0.75, 0.0)
    assert tuple(float(v) for v in grads) == (0.0, 0.0, 0.75)


def test_04_recap_forward_mode_through_the_custom_vjp_is_an_error():
    """04, Recap: "Only reverse mode sees the change: forward mode through a `custom_vjp` is an
    error (lesson 7)"."""
    clip_gradient = _clip_gradient_04()

    def clip_sin(x):
        return jnp.sin(clip_gradient(-0.75, 0.75, x))

    assert jax.grad(clip_sin)(0.0) == 0.75
    with pytest.raises(TypeError, match=VJP_FORWARD_MODE_ERROR):
        jax.jvp(clip_sin, (0.0,), (1.0,))


def test_04_exercise_clip_residual_given_rules_have_one_bug_outside_the_clip():
    """04, exercise 04_clip_residual (the given rules): "Its rules ... contain one bug, and it
    is not in the call to `jnp.clip`": they clip to [-x, x]; saving c instead, with the same
    f_bwd, gives the clip to [-c, c]."""
    from course.checks import lesson04  # noqa: PLC0415 - the exercise's own given code

    fwd, bwd = lesson04.clip_residual_given()
    given = custom_vjp(lesson04.clip_symmetric)
    given.defvjp(fwd, bwd)
    fixed = custom_vjp(lesson04.clip_symmetric)
    fixed.defvjp(lambda c, x: (x, c), bwd)  # only the residual changed
    loss = lambda f: lambda c, x: 3.0 * f(c, x)  # noqa: E731 - cotangent 3 reaches the clip
    c, x = jnp.float32(1.0), jnp.float32(0.5)
    assert jax.grad(loss(given), 1)(c, x) == 0.5  # clipped to [-x, x]
    assert jax.grad(loss(fixed), 1)(c, x) == 1.0  # clipped to [-c, c]
    assert jax.grad(loss(given), 0)(c, x) == jax.grad(loss(fixed), 0)(c, x) == 0.0
