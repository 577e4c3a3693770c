"""Lesson 01_tldr: its claims about what JAX does, against the pinned JAX.

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


def test_01_intro_custom_rule_replaces_the_automatic_derivative():
    """01, intro: "A *custom rule* replaces that automatic derivative with one you write
    yourself, for the whole function at once" (jvp and grad return the rule's number, and
    sin's own derivative is never computed)."""

    @custom_jvp
    def f(x):
        return jnp.sin(x)

    f.defjvps(lambda x_dot, ans, x: 7.0 * x_dot)  # deliberately not cos(x)
    assert jax.jvp(f, (2.0,), (1.0,))[1] == 7.0
    assert jax.grad(f)(2.0) == 7.0
    assert "cos" not in str(jax.make_jaxpr(jax.grad(f))(2.0))
    assert "cos" in str(jax.make_jaxpr(jax.grad(jnp.sin))(2.0))  # the check can see a cos


def test_01_forward_mode_rule_grad_needs_a_tangent_linear_in_the_input_tangents():
    """01, A forward-mode rule: "a tangent such as `x_dot ** 2` still works in `jvp`, and makes
    `grad` fail when `grad` has to transpose it" (the constant added that passes silently is
    test_06_reverse_mode_jax_does_not_check_linearity)."""

    @custom_jvp
    def f(x):
        return jnp.sin(x)

    f.defjvp(lambda primals, tangents: (f(primals[0]), tangents[0] ** 2))
    assert jax.jvp(f, (2.0,), (3.0,))[1] == 9.0
    with pytest.raises(NotImplementedError, match=r"Transpose rule \(for reverse-mode "
                                                  r"differentiation\) for 'integer_pow' not"):
        jax.grad(f)(2.0)


def test_01_forward_mode_rule_defjvps_arguments_and_sum():
    """01, A forward-mode rule: "`defjvps` takes one function per argument, each receiving that
    argument's tangent, the primal output and all the primal inputs. JAX adds the contributions
    up"."""
    seen = {}

    def contribution(name, value):
        def rule(t, ans, x, y):
            seen[name] = (float(t), float(ans), float(x), float(y))
            return value(t, x, y)

        return rule

    @custom_jvp
    def f(x, y):
        return jnp.sin(x) * y

    f.defjvps(contribution("x", lambda t, x, y: jnp.cos(x) * t * y),
              contribution("y", lambda t, x, y: jnp.sin(x) * t))
    _, f_dot = jax.jvp(f, (2.0, 3.0), (0.5, 0.25))
    f_23 = float(jnp.sin(2.0) * 3.0)
    assert seen == {"x": (0.5, f_23, 2.0, 3.0), "y": (0.25, f_23, 2.0, 3.0)}
    np.testing.assert_allclose(f_dot, np.cos(2.0) * 0.5 * 3.0 + np.sin(2.0) * 0.25, rtol=1e-6)


def test_01_reverse_mode_rule_grad_calls_bwd_with_g_one():
    """01, A reverse-mode rule: "The same gradient, $3\\cos 2$, now computed by our backward
    function" (called once, with the output cotangent g = 1, as `grad` is the VJP with g = 1)."""
    received = []

    @custom_vjp
    def f(x, y):
        return jnp.sin(x) * y

    def f_fwd(x, y):
        return f(x, y), (jnp.cos(x), jnp.sin(x), y)

    def f_bwd(res, g):
        received.append(float(g))
        cos_x, sin_x, y = res
        return (cos_x * g * y, sin_x * g)

    f.defvjp(f_fwd, f_bwd)
    np.testing.assert_allclose(jax.grad(f)(2.0, 3.0), 3 * np.cos(2.0), rtol=1e-6)
    assert received == [1.0]


def test_01_recap_jvp_of_a_custom_vjp_function_is_an_error():
    """01, Recap: "Only reverse mode can use it: `jvp` of a `custom_vjp` function is an error
    (lesson 7 shows it)"."""

    @custom_vjp
    def f(x, y):
        return jnp.sin(x) * y

    f.defvjp(lambda x, y: (f(x, y), (x, y)),
             lambda res, g: (jnp.cos(res[0]) * g * res[1], jnp.sin(res[0]) * g))
    np.testing.assert_allclose(jax.grad(f)(2.0, 3.0), 3 * np.cos(2.0), rtol=1e-6)
    with pytest.raises(TypeError, match=VJP_FORWARD_MODE_ERROR):
        jax.jvp(f, (2.0, 3.0), (1.0, 0.0))


def test_01_exercise_nonlinear_tangent_grad_of_the_other_argument_passes_plain_zeros():
    """01, exercise 01_nonlinear_tangent, the checker's reason for (b): "With argnums=1 x is
    held constant: the rule is called with an x_dot of plain zeros, so x_dot ** 2 is a number
    again, and only the y_dot term has to be run backwards"."""
    seen = []

    @custom_jvp
    def f(x, y):
        return jnp.sin(x) * y

    @f.defjvp
    def f_jvp(primals, tangents):
        x, y = primals
        x_dot, y_dot = tangents
        seen.append(x_dot)
        return f(x, y), jnp.cos(x) * x_dot ** 2 * y + jnp.sin(x) * y_dot

    assert jax.grad(f, argnums=1)(2.0, 3.0) == jnp.sin(2.0)
    assert not isinstance(seen[-1], jax.core.Tracer) and np.all(np.asarray(seen[-1]) == 0)
    with pytest.raises(NotImplementedError, match="integer_pow"):
        jax.grad(f, argnums=0)(2.0, 3.0)
    assert isinstance(seen[-1], jax.core.Tracer)  # the same rule, with a traced x_dot
