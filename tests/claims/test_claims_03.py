"""Lesson 03_differentiation_conventions: its claims about what JAX does, against the pinned JAX.

A sentence in a lesson that says what JAX does (raises, returns, calls, accepts, runs n times)
is either shown by a cell beside it, which nbval pins, or tested here: one test per claim,
named after the lesson and section, quoting the sentence in its docstring. When JAX is
upgraded, a changed behaviour fails here instead of silently making the prose wrong.
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax import custom_jvp


def test_03_recap_jvp_grad_jit_and_vmap_all_apply_the_convention():
    """03, Recap: "you choose the convention, and `jvp`, `grad`, `jit(grad)` and `vmap(grad)`
    all apply it"."""

    @custom_jvp
    def f(x):
        return x / (1 + jnp.sqrt(x))

    f.defjvps(lambda t, ans, x: ((jnp.sqrt(x) + 2) / (2 * (jnp.sqrt(x) + 1) ** 2)) * t)
    assert jax.jvp(f, (0.0,), (1.0,)) == (0.0, 1.0)
    assert jax.grad(f)(0.0) == 1.0
    assert jax.jit(jax.grad(f))(0.0) == 1.0
    np.testing.assert_array_equal(jax.vmap(jax.grad(f))(jnp.array([0.0, 1.0])), [1.0, 0.375])


def test_03_sinc_formula_cancels_near_zero_and_a_series_branch_does_not():
    """03, after 03_sinc's solution: "at $10^{-3}$ the first derivative is 5% off, and at
    $10^{-4}$ it is exactly 0 (the true value is $-x/3$), with a second derivative of $-1$
    instead of $-1/3$. A rule that uses the series $-x/3 + x^3/30$ for $|x| < 0.1$, and the
    formula elsewhere, avoids the worst of the subtraction: its first derivative stays within
    0.05% of the true one, and its second derivative at 0 is $-1/3$"."""
    def sinc_with(slope):
        @custom_jvp
        def sinc(x):
            return jnp.where(x == 0.0, 1.0, jnp.sin(x) / jnp.where(x == 0.0, 1.0, x))

        @sinc.defjvp
        def sinc_jvp(primals, tangents):
            (x,), (x_dot,) = primals, tangents
            return sinc(x), slope(x) * x_dot

        return sinc

    def formula(x):
        safe_x = jnp.where(x == 0.0, 1.0, x)
        return (safe_x * jnp.cos(safe_x) - jnp.sin(safe_x)) / safe_x ** 2

    plain = sinc_with(lambda x: jnp.where(x == 0.0, 0.0, formula(x)))
    series = sinc_with(lambda x: jnp.where(jnp.abs(x) < 0.1, -x / 3 + x ** 3 / 30, formula(x)))
    assert float(jax.grad(plain)(1e-4)) == 0.0
    np.testing.assert_allclose(jax.grad(jax.grad(plain))(1e-4), -1.0, rtol=1e-5)
    np.testing.assert_allclose(jax.grad(plain)(1e-3), -3.49e-4, rtol=1e-2)  # true -3.33e-4

    def worst_relative_error(rule):
        xs = np.logspace(-6, 0.5, 2000)
        exact = (xs * np.cos(xs) - np.sin(xs)) / xs ** 2
        got = np.asarray(jax.vmap(jax.grad(rule))(jnp.asarray(xs, jnp.float32)), np.float64)
        return (np.abs(got - exact) / np.abs(exact)).max()

    assert worst_relative_error(series) < 5e-4
    assert worst_relative_error(plain) >= 1.0
    assert float(jax.grad(series)(0.0)) == 0.0
    np.testing.assert_allclose(jax.grad(jax.grad(series))(0.0), -1 / 3, rtol=1e-6)
    np.testing.assert_allclose(jax.grad(jax.grad(series))(1e-4), -1 / 3, rtol=1e-5)
