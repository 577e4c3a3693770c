"""Lesson 12_choosing_and_testing_rules: its claims about what JAX does, against the pinned JAX.

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


def test_12_checkpoint_residuals_what_each_wave_keeps():
    """12, exercise 12_checkpoint_residuals, its why_not texts: one wave_fwd keeps its two
    arrays (8000 bytes); jax.checkpoint(wave) keeps its input x itself (4000); without a
    checkpoint, wave(wave(x)) keeps "two arrays per wave_fwd" (16000); with only the inner wave
    checkpointed, the outer wave's two arrays and x (12000)."""
    from course.checks.lesson12 import wave

    x = jnp.linspace(0.0, 1.0, 1000)

    def kept(f):
        return jax.tree.leaves(jax.vjp(f, x)[1])

    assert sum(a.nbytes for a in kept(wave)) == 8000
    assert [a is x for a in kept(jax.checkpoint(wave))] == [True]
    assert sum(a.nbytes for a in kept(lambda x: wave(wave(x)))) == 16000
    both = kept(lambda x: wave(jax.checkpoint(wave)(x)))
    assert sum(a.nbytes for a in both) == 12000 and any(a is x for a in both)


def test_12_check_grads_needs_array_args_for_a_custom_vjp():
    """12, Testing a rule with check_grads: "Pass arrays (`jnp.float32(0.5)`), not Python
    floats: when a cotangent comes back as a Python float, as it can from a `bwd` rule whose
    residual is the input itself (and even for `lambda x: x`, with no rule at all),
    `check_grads` fails in its own bookkeeping with an `AttributeError`"."""
    from jax.test_util import check_grads

    @custom_vjp
    def square(x):
        return x * x

    square.defvjp(lambda x: (x * x, x), lambda x, g: (2 * x * g,))
    for f in (square, lambda x: x):
        with pytest.raises(AttributeError, match="'float' object has no attribute 'reshape'"):
            check_grads(f, (3.0,), order=1, modes=["rev"])
        check_grads(f, (jnp.float32(3.0),), order=2, modes=["rev"])


def test_12_check_grads_tolerance_hides_small_derivatives():
    """12, Testing a rule with check_grads: "`check_grads` compares within a tolerance, by
    default `atol = rtol = 2e-3` for float32 ... A rule that always returns 0 passes wherever
    $|f'|$ is below about $10^{-3}$: the tolerance applies to $f'$ times a random direction, of
    size 1.76 for the default seed"; "A tighter `atol` does not help here: in float32
    $1 + e^{-20}$ rounds to 1, so `log1pexp` itself is exactly 0 around $-20$"."""
    from jax.test_util import check_grads

    def log1pexp_with(rule):
        f = custom_jvp(lambda x: jnp.log(1.0 + jnp.exp(x)))
        f.defjvps(rule)
        return f

    seed_rule = log1pexp_with(lambda t, ans, x: (1 - 1 / (1 + jnp.exp(x))) * t)
    zero_rule = log1pexp_with(lambda t, ans, x: 0.0 * t)
    assert float(jax.grad(seed_rule)(-20.0)) == 0.0 and float(seed_rule(-20.0)) == 0.0
    check_grads(seed_rule, (-20.0,), order=2, modes=["fwd", "rev"])
    check_grads(seed_rule, (-20.0,), order=1, atol=1e-12, rtol=1e-6)
    for x in (-20.0, -8.0, -7.0):  # sigmoid(-7) = 9.1e-4
        check_grads(zero_rule, (x,), order=1)
    for x in (-6.8, -6.0):  # sigmoid(-6.8) = 1.1e-3
        with pytest.raises(AssertionError, match=r"rtol=0.002, atol=0.002"):
            check_grads(zero_rule, (x,), order=1)
    assert not jnp.allclose(jax.grad(seed_rule)(-20.0), jax.nn.sigmoid(-20.0), rtol=1e-5,
                            atol=0.0)


def test_12_check_grads_fails_a_correct_rule_where_the_function_is_large():
    """12, What check_grads cannot tell you: "where the function is large, float32 finite
    differences are mostly rounding noise, and even a correct rule fails"."""
    from jax.test_util import check_grads

    big = custom_jvp(lambda x: 1e4 + jnp.sin(x))
    big.defjvps(lambda t, ans, x: jnp.cos(x) * t)  # the exact derivative
    assert float(jax.grad(big)(1.0)) == pytest.approx(float(jnp.cos(1.0)))
    with pytest.raises(AssertionError):
        check_grads(big, (1.0,), order=1)


def test_12_check_grads_fails_a_correct_rule_at_a_convention_point():
    """12, What check_grads cannot tell you: "At a point where you chose a convention (lesson
    3), finite differences are wrong by construction ... so a correct rule fails there" (the
    relu case: central differences across the kink give 0.5, not the chosen 0)."""
    from jax.test_util import check_grads

    relu = custom_jvp(lambda x: jnp.maximum(x, 0.0))
    relu.defjvps(lambda t, ans, x: jnp.where(x > 0, t, 0.0))
    assert float(jax.grad(relu)(0.0)) == 0.0
    with pytest.raises(AssertionError, match="JVP tangent"):
        check_grads(relu, (0.0,), order=1)
    for x in (-1e-2, 1e-2):
        check_grads(relu, (x,), order=1)


def test_12_new_primitive_callback_arguments_and_custom_vmap():
    """12, When you would need a new primitive: "`jax.ShapeDtypeStruct(x.shape, x.dtype)`
    declares the shape and dtype of what it returns, and `vmap_method="sequential"` says how to
    batch it under `vmap`, by calling it once per example"; "`jax.custom_batching.custom_vmap`
    attaches one [a batching rule] to a function"."""
    shapes = []

    def host(v):
        shapes.append(np.shape(v))
        return np.sin(v).astype(v.dtype)

    def host_sin(x):
        return jax.pure_callback(host, jax.ShapeDtypeStruct(x.shape, x.dtype), x,
                                 vmap_method="sequential")

    np.testing.assert_allclose(jax.vmap(host_sin)(jnp.arange(3.0)), np.sin(np.arange(3.0)),
                               rtol=1e-6)
    assert shapes == [(), (), ()]

    @jax.custom_batching.custom_vmap
    def g(x):
        return jnp.sin(x)

    @g.def_vmap
    def g_vmap(axis_size, in_batched, xs):
        return 2.0 * jnp.sin(xs), in_batched[0]  # deliberately not sin's own batching

    np.testing.assert_allclose(g(1.0), np.sin(1.0), rtol=1e-6)
    np.testing.assert_allclose(jax.vmap(g)(jnp.arange(3.0)), 2 * np.sin(np.arange(3.0)),
                               rtol=1e-6)


def test_12_optimize_remat_is_experimental():
    """12, `jax.checkpoint` and `optimize_remat=True`: "(an experimental flag, as its
    documentation says)"."""
    assert "experimental" in jax.custom_vjp.defvjp.__doc__.split("optimize_remat")[1][:300]


def test_12_check_grads_draws_its_direction_from_a_fixed_seed():
    """12, Testing a rule with check_grads: "along one random direction drawn from a fixed
    seed" (two runs fail with the same numbers)."""
    from jax.test_util import check_grads

    f = jax.custom_jvp(lambda x: jnp.log(1.0 + jnp.exp(x)))
    f.defjvps(lambda t, ans, x: t / (1 + jnp.exp(x)))  # lesson 12's wrong rule
    messages = []
    for _ in range(2):
        with pytest.raises(AssertionError) as failure:
            check_grads(f, (3.0,), order=1, modes=["fwd"])
        messages.append(str(failure.value))
    assert messages[0] == messages[1] and "DESIRED" in messages[0]


def test_12_print_saved_residuals_names_source_lines():
    """12, Residuals and memory: "JAX's own listing is `jax.ad_checkpoint.print_saved_residuals(f,
    x)`; its lines also name the file and line where each residual was computed"."""
    import contextlib
    import io
    import re

    from jax.ad_checkpoint import print_saved_residuals

    @custom_vjp
    def swish(x):
        return x * jax.nn.sigmoid(x)

    def swish_fwd(x):
        s = jax.nn.sigmoid(x)
        return x * s, (x, s)

    swish.defvjp(swish_fwd, lambda res, g: (g * (res[1] + res[0] * res[1] * (1 - res[1])),))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print_saved_residuals(swish, jnp.ones(1000))
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and all(line.startswith("f32[1000] ") for line in lines)
    assert any(line.endswith("from the argument x") for line in lines), lines
    assert any(re.search(r"from \S+\.py:\d+:\d+ \(.*swish_fwd\)$", line) for line in lines), lines


def test_12_checkpoint_drops_unused_plain_jnp_work():
    """12, jax.checkpoint and optimize_remat=True: "When `f_fwd` is plain `jnp` code, JAX drops
    the unused part" (under checkpoint, value_and_grad computes sin once and cos once, not
    f_fwd's pair twice)."""
    @custom_vjp
    def f(x):
        return jnp.sin(x)

    import re

    f.defvjp(lambda x: (jnp.sin(x), jnp.cos(x)), lambda cos_x, g: (cos_x * g,))
    text = str(jax.make_jaxpr(jax.value_and_grad(lambda x: jnp.sum(jax.checkpoint(f)(x))))(
        jnp.ones(3)))
    assert len(re.findall(r"= sin ", text)) == 1 and len(re.findall(r"= cos ", text)) == 1, text


def test_12_optimize_remat_traces_fwd():
    """12, jax.checkpoint and optimize_remat=True: "with the flag on, `f_fwd` is traced to a
    program at its first call, so it cannot branch in Python on the values of its
    arguments"."""
    @custom_vjp
    def f(x):
        return jnp.sin(x)

    def f_fwd(x):
        if x > 0:  # a Python branch on the value
            return jnp.sin(x), jnp.cos(x)
        return jnp.sin(x), jnp.cos(x)

    f.defvjp(f_fwd, lambda cos_x, g: (cos_x * g,))
    np.testing.assert_allclose(jax.grad(f)(1.0), np.cos(1.0), rtol=1e-6)
    f.defvjp(f_fwd, lambda cos_x, g: (cos_x * g,), optimize_remat=True)
    with pytest.raises(jax.errors.TracerBoolConversionError):
        jax.grad(f)(1.0)


def test_12_without_symbolic_zeros_every_tangent_is_an_array():
    """12, symbolic_zeros=True for custom_jvp: "without the flag, every tangent is an array and
    the test is never true"."""
    from jax.custom_derivatives import SymbolicZero

    seen = []

    @custom_jvp
    def f(x, y):
        return x * jnp.sin(y)

    def f_jvp(primals, tangents):
        seen.extend(type(t) for t in tangents)
        (x, y), (x_dot, y_dot) = primals, tangents
        return f(x, y), jnp.sin(y) * x_dot + x * jnp.cos(y) * y_dot

    f.defjvp(f_jvp)
    jax.grad(f)(2.0, 0.5)
    jax.grad(f, 1)(2.0, 0.5)
    assert len(seen) == 4 and not any(issubclass(t, SymbolicZero) for t in seen), seen


def test_12_exercise_log_softmax_budget_leaves_scalars_aside():
    """12, exercise 12_log_softmax_vjp: "keeps at most one array of `x`'s size for the backward
    pass, scalars aside": x with logsumexp(x) passes, x with the output does not."""
    from jax.scipy.special import logsumexp

    import course

    def fwd_x_lse(x):
        lse = logsumexp(x)
        return x - lse, (x, lse)

    def fwd_x_y(x):
        return x - logsumexp(x), (x, x - logsumexp(x))

    feedback = course.check("12_log_softmax_vjp", (
        fwd_x_lse, lambda res, g: (g - jnp.exp(res[0] - res[1]) * jnp.sum(g),)))
    assert feedback.passed and "4004 bytes" in feedback.message, feedback.message
    feedback = course.check("12_log_softmax_vjp", (
        fwd_x_y, lambda res, g: (g - jnp.exp(res[1]) * jnp.sum(g),)))
    assert not feedback.passed and "8000 bytes" in feedback.message, feedback.message


def test_12_exercise_tanh_residual_given_code_fails_check_grads():
    """12, exercise 12_tanh_residual: "`check_grads(my_tanh, (jnp.float32(1.5),), order=1,
    modes=["rev"])` fails" for the given code, and passes once fixed."""
    from jax.test_util import check_grads

    from course.checks import EXERCISES

    given_fwd, given_bwd = EXERCISES["12_tanh_residual"].given()
    fixed_fwd, fixed_bwd = EXERCISES["12_tanh_residual"].solution()
    for fwd, bwd, passes in [(given_fwd, given_bwd, False), (fixed_fwd, fixed_bwd, True)]:
        my_tanh = custom_vjp(jnp.tanh)
        my_tanh.defvjp(fwd, bwd)
        if passes:
            check_grads(my_tanh, (jnp.float32(1.5),), order=1, modes=["rev"])
        else:
            with pytest.raises(AssertionError, match="VJP cotangent projection"):
                check_grads(my_tanh, (jnp.float32(1.5),), order=1, modes=["rev"])
