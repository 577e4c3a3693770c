"""Lesson 06_custom_jvp_in_depth: its claims about what JAX does, against the pinned JAX.

A sentence in a lesson that says what JAX does (raises, returns, calls, accepts, runs n times)
is either shown by a cell beside it, which nbval pins, or tested here: one test per claim,
named after the lesson and section, quoting the sentence in its docstring. When JAX is
upgraded, a changed behaviour fails here instead of silently making the prose wrong.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import custom_jvp, custom_vjp


def _sin_with_tangent(tangent):
    @custom_jvp
    def f(x):
        return jnp.sin(x)

    f.defjvp(lambda primals, tangents: (f(primals[0]), tangent(primals[0], tangents[0])))
    return f


def test_06_several_arguments_keyword_only_argument_raises():
    """06, Several arguments: "A keyword-only argument, after `*`, cannot be mapped: calling
    with it raises a `TypeError`"."""

    @custom_jvp
    def scaled_sin(x, *, scale=2.0):
        return scale * jnp.sin(x)

    scaled_sin.defjvps(lambda x_dot, ans, x: 2.0 * jnp.cos(x) * x_dot)

    with pytest.raises(TypeError, match="could not be resolved to positions: scale"):
        scaled_sin(3.0, scale=1.0)


def test_06_reverse_mode_jax_does_not_check_linearity():
    """06, Reverse mode for free: "JAX checks nothing about a rule's meaning ... `grad` fails
    only when it has to transpose an operation that has no transpose, like `t ** 2`. A tangent
    with a term added that does not contain `t` ... transposes without a complaint ... `grad`
    quietly disagrees with `jvp`"; "A rule that forgets `t` altogether ... `grad` returns 0";
    `check_grads` "fails on both". Also lesson 1's parenthetical on a constant added."""
    from jax.test_util import check_grads  # noqa: PLC0415

    offset = _sin_with_tangent(lambda x, t: jnp.cos(x) * t + 1.0)
    forgot = _sin_with_tangent(lambda x, t: jnp.cos(x))
    squared = _sin_with_tangent(lambda x, t: jnp.cos(x) * t ** 2)
    np.testing.assert_allclose(jax.jvp(offset, (3.0,), (1.0,))[1], np.cos(3.0) + 1, rtol=1e-5)
    for transform in (lambda g: g, jax.jit, ):
        np.testing.assert_allclose(transform(jax.grad(offset))(3.0), np.cos(3.0), rtol=1e-6)
        assert transform(jax.grad(forgot))(3.0) == 0.0
    np.testing.assert_allclose(jax.jvp(forgot, (3.0,), (1.0,))[1], np.cos(3.0), rtol=1e-6)
    with pytest.raises(NotImplementedError, match="Transpose rule"):
        jax.grad(squared)(3.0)
    for f in (offset, forgot):
        with pytest.raises(AssertionError, match="JVP tangent"):
            check_grads(f, (3.0,), order=1)


def test_06_higher_order_how_often_rules_run_under_grad_grad():
    """06, Higher order: "a rule that gets its output as `f(x)` runs twice, and a rule that
    computes `jnp.sin(x)` itself runs once ... For a `custom_vjp` (lesson 7) the same goes for
    `f_fwd`. Its `f_bwd` ... runs a second time only for a cotangent of that inner call
    `f(x)`: when `f_fwd` calls `f` *and* the first derivative uses `f(x)`, as the derivative of
    $f(x)^2$ does." (Lessons 7 and 11 refer to this.)"""
    calls = []

    def jvp_version(calls_f):
        @custom_jvp
        def f(x):
            return jnp.sin(x)

        @f.defjvp
        def f_jvp(primals, tangents):
            calls.append("jvp")
            (x,), (t,) = primals, tangents
            return (f(x) if calls_f else jnp.sin(x)), jnp.cos(x) * t

        return f

    def vjp_version(calls_f):
        @custom_vjp
        def f(x):
            return jnp.sin(x)

        def f_fwd(x):
            calls.append("fwd")
            return (f(x) if calls_f else jnp.sin(x)), jnp.cos(x)

        def f_bwd(cos_x, g):
            calls.append("bwd")
            return (cos_x * g,)

        f.defvjp(f_fwd, f_bwd)
        return f

    def counts(f, outer=lambda y: y):
        calls.clear()
        value = jax.grad(jax.grad(lambda x: outer(f(x))))(3.0)
        return value, {name: calls.count(name) for name in sorted(set(calls))}

    square = lambda y: y ** 2  # noqa: E731
    d2_square = 2 * (np.cos(3.0) ** 2 - np.sin(3.0) ** 2)
    for calls_f, runs in [(True, 2), (False, 1)]:
        value, seen = counts(jvp_version(calls_f))
        np.testing.assert_allclose(value, -np.sin(3.0), rtol=1e-6)
        assert seen == {"jvp": runs}
        value, seen = counts(vjp_version(calls_f))
        np.testing.assert_allclose(value, -np.sin(3.0), rtol=1e-6)
        assert seen == {"fwd": runs, "bwd": 1}
        value, seen = counts(vjp_version(calls_f), square)  # the first derivative uses f(x)
        np.testing.assert_allclose(value, d2_square, rtol=1e-5)
        assert seen == {"fwd": runs, "bwd": runs}
    calls.clear()
    jax.grad(jvp_version(True))(3.0)
    assert calls == ["jvp"]
