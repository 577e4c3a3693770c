"""Lesson 11_gotchas: its claims about what JAX does, against the pinned JAX.

A sentence in a lesson that says what JAX does (raises, returns, calls, accepts, runs n times)
is either shown by a cell beside it, which nbval pins, or tested here: one test per claim,
named after the lesson and section, quoting the sentence in its docstring. When JAX is
upgraded, a changed behaviour fails here instead of silently making the prose wrong.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from claims_shared import VJP_FORWARD_MODE_ERROR, point_type
from jax import custom_jvp, custom_vjp


def _sin_vjp_11(fwd_calls_f):
    """Lesson 11's sin as a custom_vjp, its fwd written with jnp.sin or calling f."""

    @custom_vjp
    def f(x):
        return jnp.sin(x)

    f.defvjp(lambda x: (f(x) if fwd_calls_f else jnp.sin(x), jnp.cos(x)),
             lambda cos_x, g: (cos_x * g,))
    return f


FORWARD_MODE_ERROR_11 = r"can't apply forward-mode autodiff \(jvp\) to a custom_vjp function"


def test_11_forward_mode_jvp_and_linearize_refuse_a_custom_vjp():
    """11, gotcha 1: "Forward mode needs to push tangents *forward*, which the rule does not
    describe, so `jvp` and `jacfwd` refuse", and "forward mode (`jvp`, `jacfwd`, or the function
    that `jax.linearize` returns)"."""
    f = _sin_vjp_11(fwd_calls_f=False)
    with pytest.raises(TypeError, match=FORWARD_MODE_ERROR_11):
        jax.jvp(f, (1.0,), (1.0,))
    with pytest.raises(TypeError, match=FORWARD_MODE_ERROR_11):
        jax.jacfwd(f)(1.0)
    y, f_lin = jax.linearize(f, 1.0)  # linearize itself returns
    np.testing.assert_allclose(y, np.sin(1.0), rtol=1e-6)
    with pytest.raises(TypeError, match=FORWARD_MODE_ERROR_11):
        f_lin(1.0)


def test_11_forward_mode_reverse_over_reverse_works_either_way():
    """11, gotcha 1: "Reverse over reverse, `jacrev(jacrev(f))` (or `grad(grad(f))`), needs no
    forward mode" and "Then reverse over reverse still works" (for both ways of writing f_fwd)."""
    for fwd_calls_f in (False, True):
        f = _sin_vjp_11(fwd_calls_f)
        np.testing.assert_allclose(jax.jacrev(jax.jacrev(f))(1.0), -np.sin(1.0), rtol=1e-6)
        np.testing.assert_allclose(jax.grad(jax.grad(f))(1.0), -np.sin(1.0), rtol=1e-6)


def test_11_forward_mode_hessian_depends_on_what_the_rules_call():
    """11, gotcha 1: "`hessian` ... works exactly when that code applies no `custom_vjp`
    function (`f` included) to a value that depends on `x`": it fails when f_fwd calls `f`,
    or another custom_vjp function, or when f_bwd calls one; a custom_jvp call is fine."""
    @custom_vjp
    def other(x):
        return x

    other.defvjp(lambda x: (x, None), lambda res, g: (g,))

    @custom_jvp
    def sin_jvp(x):
        return jnp.sin(x)

    sin_jvp.defjvps(lambda t, ans, x: jnp.cos(x) * t)

    def sin_with(fwd_out, bwd_cos):
        @custom_vjp
        def f(x):
            return jnp.sin(x)

        f.defvjp(lambda x: (fwd_out(f, x), x), lambda x, g: (bwd_cos(f, x) * g,))
        return f

    def plain_cos(f, x):
        return jnp.cos(x)

    works = [sin_with(lambda f, x: jnp.sin(x), plain_cos),
             sin_with(lambda f, x: sin_jvp(x), plain_cos)]
    fails = [sin_with(lambda f, x: f(x), plain_cos),
             sin_with(lambda f, x: jnp.sin(other(x)), plain_cos),
             sin_with(lambda f, x: jnp.sin(x), lambda f, x: f(x + jnp.pi / 2))]
    for f in works:
        np.testing.assert_allclose(jax.hessian(f)(1.0), -np.sin(1.0), rtol=1e-6)
    for f in fails:
        np.testing.assert_allclose(jax.grad(f)(1.0), np.cos(1.0), rtol=1e-6)
        with pytest.raises(TypeError, match=FORWARD_MODE_ERROR_11):
            jax.hessian(f)(1.0)


def test_11_forward_mode_jacrev_of_jacfwd_fails_for_both():
    """11, gotcha 1: "`jacrev(jacfwd(f))` fails for both, because its inner `jacfwd` meets `f`
    itself." """
    for fwd_calls_f in (False, True):
        with pytest.raises(TypeError, match=FORWARD_MODE_ERROR_11):
            jax.jacrev(jax.jacfwd(_sin_vjp_11(fwd_calls_f)))(1.0)


def test_11_forward_mode_custom_jvp_hessian_whatever_the_rule_calls():
    """11, gotcha 1: "or a `hessian` that does not depend on how the rules are written, write a
    `custom_jvp` instead: JAX transposes it to get reverse mode for free." (A JVP rule that
    calls `f` itself, as lesson 8's does.)"""
    @custom_jvp
    def f(x):
        return jnp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return f(x), jnp.cos(x) * t

    np.testing.assert_allclose(jax.hessian(f)(1.0), -np.sin(1.0), rtol=1e-6)
    np.testing.assert_allclose(jax.jacrev(jax.jacfwd(f))(1.0), -np.sin(1.0), rtol=1e-6)
    np.testing.assert_allclose(jax.grad(f)(1.0), np.cos(1.0), rtol=1e-6)


def test_11_nondiff_argnums_custom_vjp_rejects_tracer_under_jit_vmap_grad():
    """11, gotcha 2: "An array passed there becomes a tracer under `jit`, `vmap` or a `grad`
    with respect to it, and `custom_vjp` rejects it with an `UnexpectedTracerError`." """
    scale = custom_vjp(lambda s, x: s * x, nondiff_argnums=(0,))
    scale.defvjp(lambda s, x: (s * x, None), lambda s, _, g: (s * g,))
    for transform, s in [(jax.jit, 2.0), (jax.vmap, jnp.arange(3.0)), (jax.grad, 2.0)]:
        with pytest.raises(jax.errors.UnexpectedTracerError, match="nondiff_argnums"):
            transform(lambda s: scale(s, 3.0))(s)


def test_11_closures_custom_jvp_and_custom_vjp_both_raise():
    """11, gotcha 3: "A custom function defined inside another function may capture its
    variables. When the outer function is differentiated, ... It raises
    `UnexpectedTracerError`" (for a custom_vjp, as the lesson shows, and for a custom_jvp)."""
    def outer_vjp(a):
        @custom_vjp
        def g(x):
            return a * x

        g.defvjp(lambda x: (a * x, x), lambda x, ct: (a * ct,))
        return g(2.0)

    def outer_jvp(a):
        @custom_jvp
        def g(x):
            return a * x

        g.defjvps(lambda t, ans, x: a * t)
        return g(2.0)

    for outer in (outer_vjp, outer_jvp):
        assert float(outer(3.0)) == 6.0
        with pytest.raises(jax.errors.UnexpectedTracerError,
                           match="escape the scope of the transformation"):
            jax.grad(outer)(3.0)


def test_11_none_cotangent_inside_pytrees():
    """11, gotcha 5: "`None` also works for a leaf *inside* a pytree argument" (a tuple, a
    namedtuple, a registered dataclass)."""
    import dataclasses

    Point = point_type()

    @custom_vjp
    def area(pt):
        return pt.x * pt.y

    area.defvjp(lambda pt: (area(pt), pt), lambda pt, g: (Point(None, pt.x * g),))
    assert tuple(map(float, jax.grad(area)(Point(2.0, 3.0)))) == (0.0, 2.0)

    @jax.tree_util.register_dataclass
    @dataclasses.dataclass
    class Pair:
        b: jax.Array
        c: jax.Array

    @custom_vjp
    def total(p):
        return p.b + p.c

    total.defvjp(lambda p: (total(p), None), lambda res, g: (Pair(g, None),))
    got = jax.grad(total)(Pair(jnp.float32(4.0), jnp.float32(3.0)))
    assert (float(got.b), float(got.c)) == (1.0, 0.0)


def test_11_symbolic_zeros_motivation_default_bwd_gets_arrays_of_zeros():
    """11, gotcha 6: "By default a backward rule receives an array of zeros for each output
    whose result nobody differentiates" (with the flag, a SymbolicZero: the lesson's cell)."""
    seen = []

    @custom_vjp
    def two_outputs(x):
        return x * 2.0, x * 3.0

    def bwd(res, g):
        seen.append(g[1])
        return (2.0 * g[0] + 3.0 * g[1],)

    two_outputs.defvjp(lambda x: (two_outputs(x), None), bwd)
    assert float(jax.grad(lambda x: two_outputs(x)[0])(1.0)) == 2.0
    unused, = seen
    assert isinstance(unused, jax.Array) and float(unused) == 0.0


def test_11_float0_zero_bits_allow_int_and_integer_outputs():
    """11, gotcha 7: "a tangent for it, of the special dtype `float0` (zero bits per element)",
    "`grad(..., allow_int=True)` returns `float0` zeros for them", and "a JVP rule whose output
    is an integer must return a `float0` tangent (`jax.dtypes.float0`), not a float one"."""
    assert np.dtype(jax.dtypes.float0).itemsize == 0

    @custom_jvp
    def power(x, n):
        return x ** n

    @power.defjvp
    def power_jvp(primals, tangents):
        (x, n), (x_dot, _) = primals, tangents
        return power(x, n), n * x ** (n - 1) * x_dot

    dx, dn = jax.grad(power, argnums=(0, 1), allow_int=True)(2.0, 3)
    assert float(dx) == 12.0 and dn.dtype == jax.dtypes.float0

    def floor_int(tangent_dtype):
        @custom_jvp
        def f(x):
            return jnp.floor(x).astype(jnp.int32)

        f.defjvp(lambda p, t: (f(p[0]), np.zeros((), tangent_dtype)))
        return f

    _, t = jax.jvp(floor_int(jax.dtypes.float0), (2.5,), (1.0,))
    assert t.dtype == jax.dtypes.float0
    with pytest.raises(TypeError, match=r"Expected float0\[\] \(tangent type of int32\[\]\) "
                       r"but got float32\[\]"):
        jax.jvp(floor_int(np.float32), (2.5,), (1.0,))


def test_11_where_nan_is_log_backward_dividing_zero_by_x():
    """11, gotcha 8: "The unused branch receives a zero cotangent, and `log`'s backward step
    divides its cotangent by `x`. At `x = 0` that is $0/0$" (the jaxpr of the gradient ends with
    a `div` whose divisor is the input x)."""
    def safe_log(x):
        return jnp.where(x > 0, jnp.log(x), 0.0)

    jaxpr = jax.make_jaxpr(jax.grad(safe_log))(0.0).jaxpr
    div = [e for e in jaxpr.eqns if e.primitive.name == "div"]
    assert len(div) == 1
    assert div[0].invars[1] is jaxpr.invars[0]  # ... divided by x
    assert div[0].outvars[0] is jaxpr.outvars[0]  # ... and that is the gradient
    assert np.isnan(jax.grad(safe_log)(0.0))


def test_11_side_effects_how_often_a_rule_runs():
    """11, gotcha 9: "How often the Python code of a rule runs depends on the transformations
    around it: on every call without `jit`; once per compilation under `jit`, so once more for
    each new input shape, dtype or weak type (lesson 5); and under `grad(grad(f))` twice for
    this rule, because it calls `noisy_sin` itself, once for a rule that does not"."""
    calls = []

    @custom_jvp
    def noisy_sin(x):
        return jnp.sin(x)

    @noisy_sin.defjvp
    def noisy_sin_jvp(primals, tangents):
        calls.append(1)
        (x,), (t,) = primals, tangents
        return noisy_sin(x), jnp.cos(x) * t

    @custom_jvp
    def quiet_sin(x):
        return jnp.sin(x)

    @quiet_sin.defjvp
    def quiet_sin_jvp(primals, tangents):
        calls.append(1)
        (x,), (t,) = primals, tangents
        return jnp.sin(x), jnp.cos(x) * t

    def count(run):
        calls.clear()
        run()
        return len(calls)

    grad = jax.grad(noisy_sin)
    assert count(lambda: [grad(1.0), grad(2.0)]) == 2
    fast = jax.jit(grad)
    assert count(lambda: [fast(1.0), fast(2.0)]) == 1
    fast_sum = jax.jit(jax.grad(lambda x: noisy_sin(x).sum()))
    assert count(lambda: [fast_sum(jnp.ones(2)), fast_sum(jnp.ones(2)),
                          fast_sum(jnp.ones(3))]) == 2
    assert count(lambda: jax.grad(jax.grad(noisy_sin))(1.0)) == 2
    assert count(lambda: jax.grad(jax.grad(quiet_sin))(1.0)) == 1
    fast = jax.jit(jax.grad(noisy_sin))
    assert count(lambda: [fast(1.0), fast(jnp.float32(1.0)), fast(jnp.float16(1.0))]) == 3


def test_11_nondiff_argnums_fix_none_for_s_would_be_a_silent_zero():
    """11, gotcha 2: the fixed `scale` gives `grad(scale, 0)` = x = 3; "Returning `None` for `s`
    would make the error go away too, but ... `grad(scale, 0)` would then return 0 instead of
    3, with no error"."""
    def make(bwd):
        scale = custom_vjp(lambda s, x: s * x)
        scale.defvjp(lambda s, x: (s * x, (s, x)), bwd)
        return scale

    right = make(lambda res, g: (res[1] * g, res[0] * g))
    with_none = make(lambda res, g: (None, res[0] * g))
    for scale in (right, with_none):
        np.testing.assert_allclose(jax.vmap(jax.grad(scale, 1), (0, None))(
            jnp.arange(3.0), 3.0), [0.0, 1.0, 2.0])
    np.testing.assert_allclose(jax.vmap(lambda s: jax.grad(right, 0)(s, 3.0))(
        jnp.arange(3.0)), [3.0, 3.0, 3.0])
    assert jax.grad(with_none, 0)(2.0, 3.0) == 0.0


def test_11_closure_convert_hoists_only_traced_values():
    """11, gotcha 3: "`jax.closure_convert` turns the captured values that are being traced ...
    into explicit arguments ...; a captured value that is not traced, such as a constant array,
    stays inside the function"."""
    a = jnp.array(3.0)
    converted, consts = jax.closure_convert(lambda x: a * x, 2.0)
    assert consts == [] and float(converted(2.0)) == 6.0
    seen = []

    def outer(b):
        converted, consts = jax.closure_convert(lambda x: b * x, 2.0)
        seen.append(len(consts))
        return converted(2.0, *consts)

    assert float(jax.grad(outer)(3.0)) == 2.0 and seen == [1]


def test_11_closure_convert_rescues_a_hand_made_solver():
    """11, gotcha 10: "A hand-made solver can be rescued as well: `jax.closure_convert` ...
    turns the closure into a function of explicit constants, which the solver then takes as
    ordinary arguments and differentiates in its backward rule"."""
    from functools import partial  # noqa: PLC0415

    @partial(custom_vjp, nondiff_argnums=(0,))
    def fixed_point(f, x_guess, *consts):
        def body_fun(carry):
            _, x = carry
            return x, f(x, *consts)

        return jax.lax.while_loop(lambda c: jnp.abs(c[0] - c[1]) > 1e-6, body_fun,
                                  (x_guess, f(x_guess, *consts)))[1]

    def fixed_point_fwd(f, x_guess, *consts):
        x_star = fixed_point(f, x_guess, *consts)
        return x_star, (x_star, consts)

    def fixed_point_bwd(f, res, g):
        x_star, consts = res
        _, vjp_x = jax.vjp(lambda x: f(x, *consts), x_star)
        _, vjp_consts = jax.vjp(lambda *c: f(x_star, *c), *consts)
        w = g
        for _ in range(50):  # w = g + A^T w
            w = g + vjp_x(w)[0]
        return (jnp.zeros_like(x_star), *vjp_consts(w))

    fixed_point.defvjp(fixed_point_fwd, fixed_point_bwd)

    def newton_sqrt(a):
        converted, consts = jax.closure_convert(lambda x: 0.5 * (x + a / x), a)
        return fixed_point(converted, a, *consts)

    np.testing.assert_allclose(newton_sqrt(2.0), np.sqrt(2.0), rtol=1e-6)
    np.testing.assert_allclose(jax.grad(newton_sqrt)(2.0), 0.5 / np.sqrt(2.0), rtol=1e-6)


def test_11_custom_root_does_not_differentiate_the_solver():
    """11, gotcha 10: "any solver; it is not differentiated" (a while_loop solver, which reverse
    mode cannot go through, still gives exact first and second derivatives)."""
    def sqrt_by_root(a):
        def f(x):
            return x ** 2 - a

        def solve(f, x0):
            def body(carry):
                _, x = carry
                return x, x - f(x) / (2 * x)

            return jax.lax.while_loop(lambda c: jnp.abs(c[0] - c[1]) > 1e-6, body,
                                      (x0 + 1.0, x0))[1]

        return jax.lax.custom_root(f, 1.0, solve, lambda g, y: y / g(1.0))

    np.testing.assert_allclose(jax.grad(sqrt_by_root)(2.0), 0.5 / np.sqrt(2.0), rtol=1e-6)
    np.testing.assert_allclose(jax.grad(jax.grad(sqrt_by_root))(2.0), -0.25 * 2.0 ** -1.5,
                               rtol=1e-6)


def test_11_custom_linear_solve_differentiates_captured_values():
    """11, gotcha 10: "For linear systems, `lax.custom_linear_solve` plays the same role" (its
    gradient with respect to a matrix that `matvec` captures matches `jnp.linalg.solve`'s)."""
    b = jnp.array([1.0, 2.0])

    def solve_with(m):
        return jax.lax.custom_linear_solve(
            lambda x: m @ x, b, lambda mv, r: jnp.linalg.solve(m, r),
            lambda mv, r: jnp.linalg.solve(m.T, r))

    m = jnp.array([[3.0, 1.0], [0.5, 2.0]])
    got = jax.grad(lambda m: solve_with(m).sum())(m)
    expected = jax.grad(lambda m: jnp.linalg.solve(m, b).sum())(m)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)
    assert np.abs(np.asarray(got)).max() > 0.1


def test_11_exercise_forward_mode_logsumexp_grad_works_jacfwd_fails():
    """11, exercise 11_forward_mode: "Reverse mode works, but `jax.jacfwd(logsumexp)` fails"
    (the custom_vjp of the scaffold; its gradient is the softmax)."""
    @custom_vjp
    def logsumexp(x):
        m = jnp.max(x)
        return m + jnp.log(jnp.sum(jnp.exp(x - m)))

    def logsumexp_fwd(x):
        return logsumexp(x), jax.nn.softmax(x)

    logsumexp.defvjp(logsumexp_fwd, lambda p, g: (g * p,))
    x = jnp.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(jax.grad(logsumexp)(x), jax.nn.softmax(x), rtol=1e-6)
    with pytest.raises(TypeError, match=VJP_FORWARD_MODE_ERROR):
        jax.jacfwd(logsumexp)(x)


def test_11_which_raises_why_not_a_f_a_fails_once_its_cotangent_depends_on_x():
    """11, exercise 11_which_raises, why not (a): "That holds because f_a is the whole function:
    in f_a(x) * x the cotangent reaching f_a depends on x, and jax.hessian fails there too."
    (a second-reader finding: the exercise's own claim, but only for f_a alone)."""

    @custom_vjp
    def clip_gradient(x):
        return x

    clip_gradient.defvjp(lambda x: (x, None), lambda _, g: (jnp.clip(g, -1., 1.),))

    def tanh_fwd(x):
        y = jnp.tanh(x)
        return y, y

    @custom_vjp
    def f_a(x):
        return jnp.tanh(x)

    f_a.defvjp(tanh_fwd, lambda y, g: (clip_gradient(g) * (1 - y ** 2),))
    assert jnp.isfinite(jax.hessian(f_a)(1.))  # alone: runs
    with pytest.raises(TypeError, match=VJP_FORWARD_MODE_ERROR):
        jax.hessian(lambda x: f_a(x) * x)(1.)
