"""Lesson 10_implicit_differentiation: its claims about what JAX does, against the pinned JAX.

A sentence in a lesson that says what JAX does (raises, returns, calls, accepts, runs n times)
is either shown by a cell beside it, which nbval pins, or tested here: one test per claim,
named after the lesson and section, quoting the sentence in its docstring. When JAX is
upgraded, a changed behaviour fails here instead of silently making the prose wrong.
"""

import jax
import jax.numpy as jnp
import lesson_functions as lesson10  # lesson 10's fixed_point, checked against the lesson
import numpy as np
import pytest
from claims_shared import given_answer
from jax import custom_vjp


def _plain_fixed_point(f, a, x_guess):
    """Lesson 10's first fixed_point: a plain while_loop, no custom rule."""
    def cond_fun(carry):
        x_prev, x = carry
        return jnp.abs(x_prev - x) > 1e-6

    def body_fun(carry):
        _, x = carry
        return x, f(a, x)

    return jax.lax.while_loop(cond_fun, body_fun, (x_guess, f(a, x_guess)))[1]


def test_10_intro_reverse_mode_through_a_loop_keeps_every_iterate(capsys):
    """10, intro: "reverse mode through a loop of fixed length keeps every iterate for the
    backward pass." (20 Newton steps in a fori_loop save float32[20] residuals.)"""
    from jax.ad_checkpoint import print_saved_residuals

    def newton_20_steps(a):
        return jax.lax.fori_loop(0, 20, lambda i, x: 0.5 * (x + a / x), a)

    np.testing.assert_allclose(jax.grad(newton_20_steps)(2.0), 0.5 / np.sqrt(2.0), rtol=1e-6)
    print_saved_residuals(newton_20_steps, 2.0)
    saved = capsys.readouterr().out
    assert saved.count("f32[20] output of scan") == 2, saved


def test_10_intro_fixed_point_is_for_scalars_and_forward_mode_goes_through_the_loop():
    """10, intro: "for a scalar $x$ ... (a vector `x` here raises a `TypeError`)"; "Forward mode
    goes through the loop (`jax.jvp` and `jax.jacfwd` of `newton_sqrt` give $0.35355$)"."""
    def newton_sqrt(a):
        return _plain_fixed_point(lambda a, x: 0.5 * (x + a / x), a, a)

    np.testing.assert_allclose(jax.jacfwd(newton_sqrt)(2.0), 0.5 / np.sqrt(2.0), rtol=1e-6)
    np.testing.assert_allclose(jax.jvp(newton_sqrt, (2.0,), (1.0,))[1], 0.5 / np.sqrt(2.0),
                               rtol=1e-6)
    with pytest.raises(TypeError, match="cond_fun must return a boolean scalar"):
        newton_sqrt(jnp.array([2.0, 3.0]))


def test_10_intro_while_loop_is_refused_by_reverse_mode():
    """10, intro: "With `lax.while_loop` it is impossible: JAX's reverse mode refuses a loop
    whose number of steps is only known at run time." """
    def newton_while(a):
        return jax.lax.while_loop(lambda c: jnp.abs(c[0] - c[1]) > 1e-6,
                                  lambda c: (c[1], 0.5 * (c[1] + a / c[1])), (a, a + 1.0))[1]

    with pytest.raises(ValueError, match="Reverse-mode differentiation does not work for "
                       "lax.while_loop or lax.fori_loop with dynamic start/stop values"):
        jax.grad(newton_while)(2.0)


def test_10_the_math_residuals_are_only_a_and_x_star(capsys):
    """10, The math: "Nothing from the forward iterations is stored: the residuals are just $a$
    and $x^*$", and Recap: "whatever the number of iterations"."""
    from jax.ad_checkpoint import print_saved_residuals

    newton_sqrt = lesson10.newton_sqrt
    for a in (2.0, 1e6):  # about 5 and about 14 Newton steps
        print_saved_residuals(newton_sqrt, a)
        saved = capsys.readouterr().out.splitlines()
        assert len(saved) == 2, saved
        assert all(line.startswith("f32[] ") for line in saved), saved
        assert any("fixed_point_fwd" in line for line in saved), saved


def test_10_explore_implicit_gradient_matches_sqrt_at_every_slider_value():
    """10, Explore: "the implicit-rule gradient always matches `grad(jnp.sqrt)`" (at every
    value of the explorer's slider for a, 0.1 to 10 in steps of 0.1), and "the iterates rush to
    $\\sqrt a$ within a few steps" (at most 6 Newton steps from x = a to float32 precision)."""
    newton_sqrt = lesson10.newton_sqrt
    implicit = jax.jit(jax.grad(newton_sqrt))
    exact = jax.jit(jax.grad(jnp.sqrt))
    for a in np.arange(1, 101, dtype=np.float32) / np.float32(10):
        np.testing.assert_allclose(implicit(a), exact(a), rtol=5e-7, err_msg=f"a = {a}")
        x = a
        for _ in range(6):
            x = np.float32(0.5) * (x + a / x)
        np.testing.assert_allclose(x, np.sqrt(a), rtol=1e-6, err_msg=f"a = {a}")


def test_10_a_limitation_custom_vjp_code_runs_on_plain_values():
    """10, A limitation: "A `custom_vjp` function is differentiated by its rule, not through its
    code, so JAX computes its output from the plain values of its arguments, outside `grad`'s
    tracing." (Under `grad`, without `jit`, the forward half sees concrete arrays, while the
    code around the call sees `grad`'s tracer.)"""
    seen = {}

    @custom_vjp
    def double(x):
        return 2 * x

    def double_fwd(x):
        seen["fwd"] = isinstance(x, jax.core.Tracer)
        return 2 * x, None

    double.defvjp(double_fwd, lambda res, g: (2 * g,))

    def outer(a):
        seen["outer"] = isinstance(a, jax.core.Tracer)
        return double(a)

    assert float(jax.grad(outer)(3.0)) == 2.0
    assert seen == {"outer": True, "fwd": False}


def test_10_a_limitation_captured_value_raises_unexpected_tracer_error():
    """10, A limitation: "But its gradient raises an `UnexpectedTracerError`" ... "the error says
    it escaped 'the scope of the transformation'", while the value is right without `grad`."""
    fixed_point = lesson10.fixed_point

    def newton_sqrt_closure(a):
        return fixed_point(lambda _, x: 0.5 * (x + a / x), 1.0, 1.0)

    np.testing.assert_allclose(newton_sqrt_closure(2.0), np.sqrt(2.0), rtol=1e-6)
    with pytest.raises(jax.errors.UnexpectedTracerError,
                       match="escape the scope of the transformation"):
        jax.grad(newton_sqrt_closure)(2.0)


def test_10_exercise_cube_root_values_right_grad_raises():
    """10, exercise 10_cube_root: "Its values are right, but `jax.grad(cube_root)(8.)` raises
    an `UnexpectedTracerError`" (with the lesson's own fixed_point)."""
    cube_root = given_answer("10_cube_root", fixed_point=lesson10.fixed_point)
    np.testing.assert_allclose(cube_root(8.0), 2.0, rtol=1e-6)
    np.testing.assert_allclose(cube_root(0.5), 0.5 ** (1 / 3), rtol=1e-6)
    with pytest.raises(jax.errors.UnexpectedTracerError):
        jax.grad(cube_root)(8.0)


def test_10_exercise_other_map_has_other_partials_at_the_fixed_point():
    """10, exercise 10_other_map: slow's partial derivatives at x* are "A ≈ 0.29 instead of 0
    and B = 0.25 instead of ≈ 0.35", and both maps have the fixed point sqrt(a)."""
    a, x = 2.0, float(np.sqrt(2.0))
    slow = lambda a, x: x - 0.25 * (x * x - a)  # noqa: E731 - as the exercise writes it
    np.testing.assert_allclose(jax.grad(slow, 1)(a, x), 0.29, atol=0.005)
    np.testing.assert_allclose(jax.grad(slow, 0)(a, x), 0.25, rtol=1e-6)
    np.testing.assert_allclose(jax.grad(lesson10.newton_update, 1)(a, x), 0.0, atol=1e-6)
    np.testing.assert_allclose(jax.grad(lesson10.newton_update, 0)(a, x), 0.35, atol=0.005)
    np.testing.assert_allclose(lesson10.fixed_point(slow, a, a), x, rtol=1e-6)
