"""Lesson 07_custom_vjp_in_depth: its claims about what JAX does, against the pinned JAX.

A sentence in a lesson that says what JAX does (raises, returns, calls, accepts, runs n times)
is either shown by a cell beside it, which nbval pins, or tested here: one test per claim,
named after the lesson and section, quoting the sentence in its docstring. When JAX is
upgraded, a changed behaviour fails here instead of silently making the prose wrong.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from claims_shared import VJP_FORWARD_MODE_ERROR
from jax import custom_jvp, custom_vjp


def _sin_vjp(**kwargs):
    @custom_vjp
    def f(x, y):
        return jnp.sin(x) * y

    def f_fwd(x, y):
        return f(x, y), (jnp.cos(x), jnp.sin(x), y)

    def f_bwd(res, g):
        cos_x, sin_x, y = res
        return (cos_x * g * y, sin_x * g)

    f.defvjp(kwargs.get("fwd", f_fwd), kwargs.get("bwd", f_bwd))
    return f


def _exp_saves_input():
    @custom_vjp
    def exp_saves_input(x):
        return jnp.exp(x)

    exp_saves_input.defvjp(lambda x: (jnp.exp(x), x), lambda x, g: (jnp.exp(x) * g,))
    return exp_saves_input


def _sin_vjp_1(fwd_calls_f=True, bwd_calls_f=False, fwd_calls_f_on_constant=False):
    """sin as a custom_vjp, its fwd computing the output by calling f or with jnp.sin."""

    @custom_vjp
    def f(x):
        return jnp.sin(x)

    def f_fwd(x):
        if fwd_calls_f_on_constant:
            f(2.0)  # a custom_vjp call on a value that does not depend on x
        return (f(x) if fwd_calls_f else jnp.sin(x)), x

    def f_bwd(x, g):
        cos_x = f(x + jnp.pi / 2) if bwd_calls_f else jnp.cos(x)
        return (cos_x * g,)

    f.defvjp(f_fwd, f_bwd)
    return f


FORWARD_MODE_ERROR = r"can't apply forward-mode autodiff \(jvp\) to a custom_vjp function"


def test_07_shape_fwd_takes_exactly_the_arguments_of_f():
    """07, The shape of a VJP rule: "`f_fwd` takes exactly the arguments of `f`"."""
    f = _sin_vjp(fwd=lambda x: (jnp.sin(x), x))
    with pytest.raises(TypeError, match=r"takes 1 positional argument but 2 were given"):
        jax.grad(f)(2.0, 3.0)


def test_07_shape_bwd_returns_one_cotangent_per_argument():
    """07, The shape of a VJP rule: "`f_bwd` returns a **tuple** with one cotangent per
    argument of `f`" (a 1-tuple for two arguments is rejected)."""
    f = _sin_vjp(bwd=lambda res, g: (res[0] * g * res[2],))
    with pytest.raises(TypeError, match="must produce a tuple of length equal to the number of "
                                        "arguments to the primal function"):
        jax.grad(f)(2.0, 3.0)


def test_07_several_arguments_keyword_and_default_arguments_work():
    """07, Several arguments: "keyword arguments and defaults are fine when `inspect.signature`
    maps them to positions"."""

    @custom_vjp
    def scaled_sin(x, scale=2.0):
        return scale * jnp.sin(x)

    def fwd(x, scale):  # the rule receives the default, positionally
        return scaled_sin(x, scale), (x, scale)

    def bwd(res, g):
        x, scale = res
        return (scale * jnp.cos(x) * g, jnp.sin(x) * g)

    scaled_sin.defvjp(fwd, bwd)
    np.testing.assert_allclose(jax.grad(scaled_sin)(3.0), 2 * np.cos(3.0), rtol=1e-6)
    np.testing.assert_allclose(jax.grad(scaled_sin)(3.0, scale=1.0), np.cos(3.0), rtol=1e-6)
    np.testing.assert_allclose(jax.grad(lambda s: scaled_sin(3.0, scale=s))(1.0), np.sin(3.0),
                               rtol=1e-6)


def test_07_several_arguments_keyword_only_argument_raises():
    """07, Several arguments: "a keyword-only argument raises a `TypeError`"."""

    @custom_vjp
    def scaled_sin(x, *, scale=2.0):
        return scale * jnp.sin(x)

    scaled_sin.defvjp(lambda x: (2.0 * jnp.sin(x), x), lambda x, g: (2.0 * jnp.cos(x) * g,))
    with pytest.raises(TypeError, match="could not be resolved to positions: scale"):
        scaled_sin(3.0, scale=1.0)


def test_07_choosing_residuals_jit_compiles_the_recomputed_exp_once():
    """07, Choosing residuals: "Under `jit` of a whole gradient the compiler sees both halves
    and may merge a repeated computation: for `exp_saves_input` it compiles a single `exp`"."""
    exp_saves_input = _exp_saves_input()

    def loss(x):
        return exp_saves_input(x).sum()

    x = jnp.arange(3.0)
    value_and_grad = jax.value_and_grad(loss)
    assert str(jax.make_jaxpr(value_and_grad)(x)).count(" exp ") == 2  # traced: twice
    hlo = jax.jit(value_and_grad).lower(x).compile().as_text()
    assert hlo.count(" exponential(") == 1  # compiled: once


def test_07_no_forward_mode_forward_half_runs_then_the_tangent_step_fails():
    """07, No forward mode: "it runs `f_fwd` on the inputs ..., which gives the output and the
    residuals. Then it hands the tangent to one more step ... evaluating `custom_lin` is what
    raises the `TypeError`" (jax.linearize stops between the two)."""
    y, f_lin = jax.linearize(_sin_vjp_1(), 3.0)  # the forward half alone succeeds
    np.testing.assert_allclose(y, np.sin(3.0), rtol=1e-6)
    with pytest.raises(TypeError, match=FORWARD_MODE_ERROR):
        f_lin(1.0)


def test_07_choosing_residuals_must_be_jax_values():
    """07, Choosing residuals: "The residuals must be JAX values: an array, or a container of
    arrays (a tuple, a dict, `None` for nothing) ... a string or another Python object as a
    residual raises a `TypeError` ("is not a valid JAX type")"."""
    def with_residual(residual):
        f = custom_vjp(jnp.sin)
        f.defvjp(lambda x: (jnp.sin(x), residual(x)), lambda res, g: (jnp.cos(3.0) * g,))
        return f

    ok = with_residual(lambda x: (jnp.cos(x), None, {"a": x}))
    np.testing.assert_allclose(jax.grad(ok)(3.0), np.cos(3.0), rtol=1e-6)
    with pytest.raises(TypeError, match="is not a valid JAX type"):
        jax.grad(with_residual(lambda x: "cos"))(3.0)


def test_07_no_forward_mode_transpose_of_bwd_is_the_jvp():
    """07, No forward mode: "`f_bwd` is linear in the cotangent, and its transpose is the JVP
    (checked with `jax.linear_transpose`) ... But JAX never transposes `f_bwd`"."""
    f = custom_vjp(jnp.sin)

    def f_bwd(cos_x, g):
        return (cos_x * g,)

    f.defvjp(lambda x: (jnp.sin(x), jnp.cos(x)), f_bwd)
    pushforward = jax.linear_transpose(lambda g: f_bwd(jnp.cos(3.0), g)[0], 1.0)
    (tangent,) = pushforward(1.0)
    np.testing.assert_allclose(tangent, jax.jvp(jnp.sin, (3.0,), (1.0,))[1], rtol=1e-6)
    with pytest.raises(TypeError, match=VJP_FORWARD_MODE_ERROR):
        jax.jvp(f, (3.0,), (1.0,))


def test_07_hessian_works_when_fwd_calls_a_custom_jvp_function():
    """07, `hessian`: "ordinary JAX operations are fine, and so is a `custom_jvp` function"."""
    s = custom_jvp(jnp.sin)
    s.defjvps(lambda t, ans, x: jnp.cos(x) * t)
    f = custom_vjp(jnp.sin)
    f.defvjp(lambda x: (s(x), jnp.cos(x)), lambda cos_x, g: (cos_x * g,))
    np.testing.assert_allclose(jax.hessian(f)(3.0), -np.sin(3.0), rtol=1e-5)


def test_07_hessian_fails_when_fwd_calls_f():
    """07, hessian: "fails with the same `TypeError` as soon as that code applies a
    `custom_vjp` function to a value that depends on `x`. Our `f_fwd` does exactly that"."""
    with pytest.raises(TypeError, match=FORWARD_MODE_ERROR):
        jax.hessian(_sin_vjp_1(fwd_calls_f=True))(3.0)


def test_07_hessian_jacfwd_grad_fails_like_hessian():
    """07, hessian: "`jacfwd(grad(f))` fails like `hessian(f)`"."""
    with pytest.raises(TypeError, match=FORWARD_MODE_ERROR):
        jax.jacfwd(jax.grad(_sin_vjp_1(fwd_calls_f=True)))(3.0)


def test_07_hessian_fails_when_bwd_calls_a_custom_vjp_function():
    """07, Recap: "`hessian(f)` and `jacfwd(grad(f))` work only if `f_fwd` and `f_bwd` apply
    no `custom_vjp` function (`f` included) to values that depend on the input" (f_bwd)."""
    f = _sin_vjp_1(fwd_calls_f=False, bwd_calls_f=True)
    np.testing.assert_allclose(jax.grad(f)(3.0), np.cos(3.0), rtol=1e-5)  # reverse mode fine
    with pytest.raises(TypeError, match=FORWARD_MODE_ERROR):
        jax.hessian(f)(3.0)


def test_07_hessian_works_when_fwd_and_bwd_use_ordinary_operations():
    """07, hessian: "It gets through when that code uses only ordinary JAX operations" (a
    custom_vjp call on a value that does not depend on `x` does not count)."""
    for f in (_sin_vjp_1(fwd_calls_f=False), _sin_vjp_1(fwd_calls_f=False,
                                                          fwd_calls_f_on_constant=True)):
        np.testing.assert_allclose(jax.hessian(f)(3.0), -np.sin(3.0), rtol=1e-5)
        np.testing.assert_allclose(jax.jacfwd(jax.grad(f))(3.0), -np.sin(3.0), rtol=1e-5)


def test_07_hessian_jvp_still_fails_when_fwd_uses_ordinary_operations():
    """07, hessian: "`jvp(f_own_sin, ...)` itself still fails ...: forward mode can
    differentiate a rule's code, never a `custom_vjp` function"."""
    with pytest.raises(TypeError, match=FORWARD_MODE_ERROR):
        jax.jvp(_sin_vjp_1(fwd_calls_f=False), (3.0,), (1.0,))


def test_07_stashed_residual_right_one_call_at_a_time_wrong_across_vjp_calls():
    """07, exercise 07_stashed_residual (the given rule): "`grad` of it gives the right slope
    at every point they tried, under `jit` and `vmap` too. ... runs `vjp` on several inputs
    first and applies the functions it returned afterwards, and there the gradients come out
    wrong"."""
    from course.checks import lesson07  # noqa: PLC0415 - the exercise's own given code

    wave = custom_vjp(lesson07.wave)
    wave.defvjp(*lesson07.given_stash())
    xs = jnp.array([0.5, 2.0, -1.0])
    slope = jnp.sin(xs) + xs * jnp.cos(xs)
    for x, s in zip(xs, slope):
        np.testing.assert_allclose(jax.grad(wave)(x), s, rtol=1e-5)
        np.testing.assert_allclose(jax.jit(jax.grad(wave))(x), s, rtol=1e-5)
    np.testing.assert_allclose(jax.vmap(jax.grad(wave))(xs), slope, rtol=1e-5)
    vjps = [jax.vjp(wave, x)[1] for x in xs]  # all forward passes first
    got = jnp.array([f(jnp.float32(1.0))[0] for f in vjps])
    assert not np.allclose(got, slope, rtol=1e-3)
    np.testing.assert_allclose(got, slope[-1], rtol=1e-5)  # every one: the last call's slope
