"""Lesson 09_nondiff_argnums: its claims about what JAX does, against the pinned JAX.

A sentence in a lesson that says what JAX does (raises, returns, calls, accepts, runs n times)
is either shown by a cell beside it, which nbval pins, or tested here: one test per claim,
named after the lesson and section, quoting the sentence in its docstring. When JAX is
upgraded, a changed behaviour fails here instead of silently making the prose wrong.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from claims_shared import given_answer
from jax import custom_jvp, custom_vjp


def _scale_vjp_nondiff():
    scale = custom_vjp(lambda s, x: s * x, nondiff_argnums=(0,))
    scale.defvjp(lambda s, x: (s * x, None), lambda s, _, g: (s * g,))
    return scale


def _scale_jvp_nondiff():
    scale = custom_jvp(lambda s, x: s * x, nondiff_argnums=(0,))

    @scale.defjvp
    def scale_jvp(s, primals, tangents):
        return scale(s, primals[0]), s * tangents[0]

    return scale


def test_09_intro_function_is_not_an_ordinary_argument():
    """09, intro: "A function has no tangent or cotangent: passed as an ordinary argument of a
    `custom_jvp` or `custom_vjp` function, it is refused with a `TypeError` (JAX cannot read a
    function as a JAX value), even when nothing is differentiated." """

    @custom_jvp
    def app_jvp(f, x):
        return f(x)

    app_jvp.defjvp(lambda primals, tangents: (app_jvp(*primals), tangents[1]))

    @custom_vjp
    def app_vjp(f, x):
        return f(x)

    app_vjp.defvjp(lambda f, x: (f(x), None), lambda res, g: (None, g))

    with pytest.raises(TypeError, match="Error interpreting argument to custom_jvp_call as a "
                       "JAX value. The problematic value is of type <class 'function'>"):
        app_jvp(lambda x: x ** 3, 3.0)
    with pytest.raises(TypeError, match="of type '<class 'function'>' is not a valid JAX type"):
        app_vjp(lambda x: x ** 3, 3.0)


def test_09_intro_rule_receives_the_function_itself():
    """09, intro: "`nondiff_argnums` declares such arguments by position: they are not
    differentiated, and they are handed to the rule as they are, as ordinary Python values." """
    seen = []

    def cube(x):
        return x ** 3

    def app_jvp_rule(f, primals, tangents):
        seen.append(f)
        return f(primals[0]), 3 * primals[0] ** 2 * tangents[0]

    app_jvp = custom_jvp(lambda f, x: f(x), nondiff_argnums=(0,))
    app_jvp.defjvp(app_jvp_rule)

    def app_fwd(f, x):
        seen.append(f)
        return f(x), x

    def app_bwd(f, x, g):
        seen.append(f)
        return (3 * x ** 2 * g,)

    app_vjp = custom_vjp(lambda f, x: f(x), nondiff_argnums=(0,))
    app_vjp.defvjp(app_fwd, app_bwd)

    assert float(jax.grad(app_jvp, 1)(cube, 2.0)) == 12.0
    assert float(jax.jit(jax.grad(app_vjp, 1), static_argnums=0)(cube, 2.0)) == 12.0
    assert len(seen) == 3 and all(f is cube for f in seen)


def test_09_with_custom_vjp_nondiff_first_and_fwd_keeps_signature():
    """09, With custom_vjp: "non-differentiable arguments come first, then the residuals, then
    the output cotangent. The forward rule, however, keeps exactly the signature of the primal
    function." (Checked with nondiff_argnums=(0, 2), as app2 in the custom_jvp section.)"""
    seen = {}

    def double(y):
        return 2 * y

    def cube(x):
        return x ** 3

    def app2_fwd(f, x, g):
        seen["fwd"] = (f, x, g)
        return f(g(x)), jnp.float32(11.0)

    def app2_bwd(f, g, res, ct):
        seen["bwd"] = (f, g, res, ct)
        return (7.0 * ct,)

    app2 = custom_vjp(lambda f, x, g: f(g(x)), nondiff_argnums=(0, 2))
    app2.defvjp(app2_fwd, app2_bwd)

    assert float(jax.grad(app2, 1)(cube, 3.0, double)) == 7.0
    f, x, g = seen["fwd"]
    assert f is cube and float(x) == 3.0 and g is double
    f, g, res, ct = seen["bwd"]
    assert f is cube and g is double and float(res) == 11.0 and float(ct) == 1.0


def test_09_with_custom_vjp_one_cotangent_per_differentiable_argument():
    """09, With custom_vjp: "`app_bwd` returns a tuple with one cotangent for the one
    *differentiable* argument, `x`." (A cotangent for `f` as well is refused.)"""
    app = custom_vjp(lambda f, x: f(x), nondiff_argnums=(0,))
    app.defvjp(lambda f, x: (f(x), x), lambda f, x, g: (None, 5 * g))
    with pytest.raises(TypeError, match=r"must produce a tuple of length equal to the number "
                       r"of arguments to the primal function, but got bwd output structure "
                       r"PyTreeDef\(\(None, \*\)\) for primal input structure "
                       r"PyTreeDef\(\(\*,\)\)"):
        jax.grad(app, 1)(lambda x: x ** 2, 4.0)


def test_09_with_custom_vjp_nondiff_argnums_is_not_static_argnums():
    """09, With `custom_vjp`: "`jax.jit(app)(jnp.sin, 1.)` still raises a `TypeError` ... Mark
    the function static for `jit` too, `jax.jit(app, static_argnums=0)`, or close over it"."""
    from functools import partial  # noqa: PLC0415

    @partial(custom_vjp, nondiff_argnums=(0,))
    def app(f, x):
        return f(x)

    app.defvjp(lambda f, x: (f(x), x), lambda f, x, g: (5 * g,))
    with pytest.raises(TypeError, match="as an abstract array"):
        jax.jit(app)(jnp.sin, 1.0)
    np.testing.assert_allclose(jax.jit(app, static_argnums=0)(jnp.sin, 1.0), np.sin(1.0),
                               rtol=1e-6)
    np.testing.assert_allclose(jax.jit(lambda x: app(jnp.sin, x))(1.0), np.sin(1.0), rtol=1e-6)
    assert float(jax.grad(jax.jit(app, static_argnums=0), 1)(jnp.sin, 1.0)) == 5.0


def test_09_when_not_to_use_it_custom_vjp_rejects_tracer():
    """09, When not to use it: "`custom_vjp` refuses a tracer in a `nondiff_argnums` position"
    (the tracer of `jit`, of `vmap`, or of a `grad` with respect to it), with an
    `UnexpectedTracerError` that names `nondiff_argnums`."""
    scale = _scale_vjp_nondiff()
    assert float(jax.grad(scale, 1)(2.0, 3.0)) == 2.0  # a concrete s is fine
    message = ("Found a JAX Tracer object passed as an argument to a custom_vjp function in a "
               "position indicated by nondiff_argnums as non-differentiable")
    for transform, s in [(jax.jit, 2.0), (jax.vmap, jnp.arange(3.0)), (jax.grad, 2.0)]:
        with pytest.raises(jax.errors.UnexpectedTracerError, match=message):
            transform(lambda s: scale(s, 3.0))(s)


def test_09_when_not_to_use_it_custom_jvp_accepts_tracer():
    """09, When not to use it: "`custom_jvp` accepts the tracer without a word. Under `jit` the
    values are even right, but the derivative with respect to `s` is silently dropped: $s \\cdot
    3$ has derivative 3 in $s$, and `grad` says 0." (No error and no warning; the same under
    `vmap`, and for a JVP along `s`.)"""
    import warnings

    scale = _scale_jvp_nondiff()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert float(jax.jit(scale)(2.0, 3.0)) == 6.0
        np.testing.assert_array_equal(jax.vmap(lambda s: scale(s, 3.0))(jnp.arange(3.0)),
                                      [0.0, 3.0, 6.0])
        assert float(jax.grad(lambda s: scale(s, 3.0))(2.0)) == 0.0
        assert float(jax.jvp(lambda s: scale(s, 3.0), (2.0,), (1.0,))[1]) == 0.0
    assert float(jax.grad(lambda s: s * 3.0)(2.0)) == 3.0  # the true derivative


def test_09_when_not_to_use_it_integer_array_as_ordinary_argument():
    """09, When not to use it: "An array, even one you never differentiate and even an integer
    one, belongs in an ordinary argument." and "a VJP backward rule returns a cotangent for it,
    or `None` when it should get none". (An int32 array works as an ordinary argument under
    `jit` and `grad`, with both APIs.)"""
    n = jnp.arange(1, 4, dtype=jnp.int32)

    @custom_vjp
    def weighted(n, x):
        return jnp.sum(n * x)

    weighted.defvjp(lambda n, x: (weighted(n, x), n), lambda n, g: (None, n * g))

    @custom_jvp
    def weighted_jvp(n, x):
        return jnp.sum(n * x)

    @weighted_jvp.defjvp
    def weighted_jvp_rule(primals, tangents):
        (n, x), (_, x_dot) = primals, tangents
        return weighted_jvp(n, x), jnp.sum(n * x_dot)

    x = jnp.ones(3)
    for fn in (weighted, weighted_jvp):
        np.testing.assert_array_equal(jax.jit(jax.grad(fn, 1))(n, x), [1.0, 2.0, 3.0])


def test_09_exercise_amplitude_only_the_derivative_in_amp_is_lost():
    """09, exercise 09_amplitude: "The values are right, and so is the derivative with respect
    to `x`. Now they fit `amp` by gradient descent as well, and it never moves" (its gradient
    is 0, where sin(x) is right)."""
    wave = given_answer("09_amplitude")
    np.testing.assert_allclose(wave(2.0, 0.5), 2.0 * np.sin(0.5), rtol=1e-6)
    np.testing.assert_allclose(jax.grad(wave, 1)(2.0, 0.5), 2.0 * np.cos(0.5), rtol=1e-6)
    np.testing.assert_allclose(jax.jit(jax.grad(wave, 1))(2.0, 0.5), 2.0 * np.cos(0.5),
                               rtol=1e-6)
    assert jax.grad(wave, 0)(2.0, 0.5) == 0.0
    assert np.sin(0.5) > 0.4
