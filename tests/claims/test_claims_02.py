"""Lesson 02_numerical_stability: its claims about what JAX does, against the pinned JAX.

A sentence in a lesson that says what JAX does (raises, returns, calls, accepts, runs n times)
is either shown by a cell beside it, which nbval pins, or tested here: one test per claim,
named after the lesson and section, quoting the sentence in its docstring. When JAX is
upgraded, a changed behaviour fails here instead of silently making the prose wrong.
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax import custom_jvp


def test_02_two_ways_out_logaddexp_carries_its_own_custom_jvp():
    """02, Two ways out: "Some library functions, `jnp.logaddexp` among them, come with a custom
    rule of their own" (and jax.nn.softplus is built on it)."""
    primitives = [e.primitive.name for e in jax.make_jaxpr(jnp.logaddexp)(0.0, 100.0).eqns]
    assert primitives == ["custom_jvp_call"]
    assert "name=logaddexp" in str(jax.make_jaxpr(jax.nn.softplus)(100.0))


def test_02_weak_spot_seed_rule_is_zero_below_minus_16_6():
    """02, The rule's own weak spot: "returns 0 from about $x = -16.6$ down" and "once
    $e^x < 2^{-24}$ (that is, $x < -16.6$) the sum is exactly 1" (while sigmoid is not 0)."""

    @custom_jvp
    def log1pexp(x):
        return jnp.log(1.0 + jnp.exp(x))

    log1pexp.defjvps(lambda t, ans, x: (1 - 1 / (1 + jnp.exp(x))) * t)
    xs = jnp.linspace(-30.0, 0.0, 30001)  # steps of 0.001
    rule = np.asarray(jax.vmap(jax.grad(log1pexp))(xs))
    zero = np.asarray(xs)[rule == 0.0]
    assert zero.min() == -30.0 and abs(zero.max() - np.log(2.0**-24)) < 2e-3
    assert np.all(rule[np.asarray(xs) > np.log(2.0**-24) + 2e-3] > 0)
    assert np.all(np.asarray(jax.nn.sigmoid(xs)) > 0)


def test_02_weak_spot_plot_text_alternative():
    """02, The rule's own weak spot, the log-scale plot's text alternative: "They lie on top of
    each other from x = 0 down to about -12; below that rule 1 - 1/(1 + exp(x)) moves in steps
    and is 0 from about x = -16.6 (the bottom edge), while jax.nn.sigmoid(x) keeps falling like
    e^x, a straight line, to about 1e-13 at x = -30" (its 400 points, as the cell plots them)."""

    @custom_jvp
    def log1pexp(x):
        return jnp.log(1.0 + jnp.exp(x))

    log1pexp.defjvps(lambda t, ans, x: (1 - 1 / (1 + jnp.exp(x))) * t)
    xs = jnp.linspace(-30.0, 0.0, 400)
    x = np.asarray(xs)
    rule = np.asarray(jax.vmap(jax.grad(log1pexp))(xs))
    sigmoid = np.asarray(jax.nn.sigmoid(xs))
    apart = np.abs(rule - sigmoid) > 0.01 * sigmoid  # visibly apart on a log scale
    assert not apart[x >= -12.0].any() and apart[x < -12.6].any() and apart[x < -16.0].all()
    assert np.all(rule[x <= -16.7] == 0.0) and np.all(rule[x >= -16.6] > 0)
    steps = rule[(rule > 0) & (x < -12.6)] / 2.0**-23  # in steps: multiples of 2^-23
    assert np.all(steps == np.round(steps))
    slope = np.diff(np.log(sigmoid[x < -5])) / np.diff(x[x < -5])  # like e^x: slope 1
    assert np.all(np.abs(slope - 1) < 0.01)
    assert 0.5e-13 < sigmoid[0] < 2e-13


def test_02_whole_picture_subnormal_results_are_flushed_to_zero():
    """02, The whole picture: "XLA on CPU flushes a subnormal result to 0, while NumPy keeps it:
    NumPy gives $1.1 \\cdot 10^{-38}$ at $x = 87.4$"."""
    tiny = np.finfo(np.float32).tiny
    numpy_value = np.float32(1) / (np.float32(1) + np.exp(np.float32(87.4)))
    assert 0 < numpy_value < tiny
    np.testing.assert_allclose(numpy_value, 1.1e-38, rtol=1e-2)
    assert float(1 / (1 + jnp.exp(jnp.float32(87.4)))) == 0.0
    assert float(jnp.float32(numpy_value) * 1.5) == 0.0  # any subnormal result


def test_02_exercise_log_sigmoid_given_rule_is_wrong_in_float32_at_one_end():
    """02, exercise 02_log_sigmoid (the given rule): "The identity is right, yet at one end of
    the real line the rule returns the wrong derivative in float32": at large x, 1 - sigmoid(x)
    is exactly 0 where the derivative is a float32 number; at the other end it is right."""
    from course.checks import lesson02  # noqa: PLC0415 - the exercise's own given code

    given, right = lesson02.log_sigmoid_given(), lesson02.log_sigmoid_solution()
    for x in (17.0, 20.0):
        assert jax.grad(given)(jnp.float32(x)) == 0.0
        assert 0.0 < jax.grad(right)(jnp.float32(x)) < 1e-7
    for x in (-100.0, -17.0, -3.0, 0.5, 3.0):  # the other end, and the middle: right
        np.testing.assert_allclose(jax.grad(given)(jnp.float32(x)),
                                   jax.grad(right)(jnp.float32(x)), rtol=1e-5)
