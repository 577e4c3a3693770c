"""Claims the lessons make about what JAX does, each checked against the pinned JAX.

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
from jax import custom_jvp, custom_vjp

# ---- 01-04 ----

VJP_FORWARD_MODE_ERROR = r"can't apply forward-mode autodiff \(jvp\) to a custom_vjp function"


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


def test_02_whole_picture_subnormal_results_are_flushed_to_zero():
    """02, The whole picture: "XLA on CPU flushes a subnormal result to 0, while NumPy keeps it:
    NumPy gives $1.1 \\cdot 10^{-38}$ at $x = 87.4$"."""
    tiny = np.finfo(np.float32).tiny
    numpy_value = np.float32(1) / (np.float32(1) + np.exp(np.float32(87.4)))
    assert 0 < numpy_value < tiny
    np.testing.assert_allclose(numpy_value, 1.1e-38, rtol=1e-2)
    assert float(1 / (1 + jnp.exp(jnp.float32(87.4)))) == 0.0
    assert float(jnp.float32(numpy_value) * 1.5) == 0.0  # any subnormal result


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


# ---- 05-07 ----


def _debug_identity(bwd_body):
    """Lesson 5's `debug` identity and `foo(x) = sin(x**2)`, with the given backward body."""

    @custom_vjp
    def debug(x):
        return x

    debug.defvjp(lambda x: (x, x), bwd_body)

    def foo(x):
        return jnp.sin(debug(x**2))

    return foo


def _debug_with_pdb():
    import pdb  # the rule looks up pdb.set_trace when it runs, as in the lesson

    def debug_bwd(x, g):
        pdb.set_trace()
        return (g,)

    return _debug_identity(debug_bwd)


def _printed_arrays(text, after):
    """The scalar values of the `Array(...)` reprs that follow each `after` in a debugger log."""
    import re

    pattern = re.escape(after) + r"\s*Array\(([-+.\deE]+), dtype=float32"
    return [float(v) for v in re.findall(pattern, text)]


def test_05_using_it_live_pdb_commands_work(capsys):
    """05, Using it live: "`p g`, `p g.shape`, `pp locals()`, `w` (where) all work; `c`
    resumes the backward pass"."""
    import course

    foo = _debug_with_pdb()
    with course.scripted_pdb("p g", "p g.shape", "pp locals()", "w"):
        grad = jax.grad(foo)(3.0)
    out = capsys.readouterr().out
    assert "***" not in out  # pdb reports a failed command with "*** <error>"
    np.testing.assert_allclose(_printed_arrays(out, "(Pdb) p g"), [np.cos(9.0)], rtol=1e-6)
    assert "(Pdb) p g.shape\n()\n" in out
    # `pp locals()` pretty-prints the rule's two locals, the cotangent g and the residual x
    np.testing.assert_allclose(_printed_arrays(out, "{'g':"), [np.cos(9.0)], rtol=1e-6)
    np.testing.assert_allclose(_printed_arrays(out, "'x':"), [9.0], rtol=1e-6)
    assert "_custom_lin_transpose" in out  # `w` lists the backward pass's frames
    np.testing.assert_allclose(grad, 6 * np.cos(9.0), rtol=1e-6)  # `continue` resumed it


def test_05_using_it_live_q_aborts_the_backward_pass():
    """05, Using it live: "`q` aborts it: `jax.grad` then raises `bdb.BdbQuit` and returns
    nothing"."""
    import bdb

    import course

    foo = _debug_with_pdb()
    with course.scripted_pdb("q"), pytest.raises(bdb.BdbQuit):
        jax.grad(foo)(3.0)


def test_05_under_jit_debug_breakpoint_stops_at_run_time_with_values():
    """05, Under jit: "`jax.debug.breakpoint()` is the interactive counterpart: under `jit` it
    opens JAX's own debugger (prompt `(jdb)`) at run time, with the values"."""
    import io

    # JAX's CLI debugger takes stdin and stdout like pdb, so the commands are typed for it:
    # one session per stop (the streams are captured once, when the rule is traced).
    stdin, out = io.StringIO("p x\np g\nc\n" * 2), io.StringIO()

    def debug_bwd(x, g):
        jax.debug.breakpoint(backend="cli", stdin=stdin, stdout=out)
        return (g,)

    grad_foo = jax.jit(jax.grad(_debug_identity(debug_bwd)))
    grad_foo(3.0)
    grad_foo(4.0)  # compiled already: the breakpoint still stops, at run time
    jax.effects_barrier()
    text = out.getvalue()
    assert text.count("Entering jdb:") == 2
    np.testing.assert_allclose(_printed_arrays(text, "(jdb)"), [9.0, np.cos(9.0), 16.0,
                                                                 np.cos(16.0)], rtol=1e-6)


def test_06_several_arguments_keyword_only_argument_raises():
    """06, Several arguments: "A keyword-only argument, after `*`, cannot be mapped: calling
    with it raises a `TypeError`"."""

    @custom_jvp
    def scaled_sin(x, *, scale=2.0):
        return scale * jnp.sin(x)

    scaled_sin.defjvps(lambda x_dot, ans, x: 2.0 * jnp.cos(x) * x_dot)

    with pytest.raises(TypeError, match="could not be resolved to positions: scale"):
        scaled_sin(3.0, scale=1.0)


def _identity_with_bwd(bwd):
    @custom_vjp
    def debug(x):
        return x

    debug.defvjp(lambda x: (x, x), bwd)
    return debug


def test_05_under_jit_weak_type_is_part_of_the_cache_key():
    """05, Under `jit`: "later calls whose arguments have the same shapes, dtypes and weak
    types ... skip your Python code"; "an argument that is a float32 scalar without the `~` is
    traced anew"."""
    calls = []
    debug = _identity_with_bwd(lambda x, g: calls.append(g) or (g,))
    grad_foo = jax.jit(jax.grad(lambda x: jnp.sin(debug(x ** 2))))
    grad_foo(3.0)
    grad_foo(4.0)
    assert len(calls) == 1 and calls[0].aval.weak_type and calls[0].dtype == jnp.float32
    grad_foo(jnp.float32(3.0))
    assert len(calls) == 2 and not calls[1].aval.weak_type
    grad_foo(jnp.float32(4.0))
    assert len(calls) == 2


def test_05_under_jit_a_jitted_function_keeps_the_rule_it_traced():
    """05, Under `jit`: "the old `grad_foo` would go on running the old rule for every kind of
    argument it has already compiled, and switch to the new rule only for an argument that makes
    it trace again"."""
    @custom_vjp
    def debug(x):
        return x

    def foo(x):
        return jnp.sin(debug(x ** 2))

    debug.defvjp(lambda x: (x, x), lambda x, g: (g,))
    old = jax.jit(jax.grad(foo))
    right = float(old(3.0))
    debug.defvjp(lambda x: (x, x), lambda x, g: (100.0 * g,))
    assert float(old(3.0)) == right and float(old(4.0)) == float(jax.grad(lambda x: jnp.sin(
        x ** 2))(4.0))
    np.testing.assert_allclose(old(jnp.float32(3.0)), 100 * right, rtol=1e-5)
    np.testing.assert_allclose(jax.jit(jax.grad(foo))(3.0), 100 * right, rtol=1e-5)


def test_05_bwd_returns_a_tuple_or_list_and_runs_only_when_a_cotangent_reaches_it():
    """05: "a list of the same length is accepted too; a bare array is not"; recap: the backward
    rule runs "not at all when no cotangent reaches it"."""
    def foo(debug):
        return lambda x: jnp.sin(debug(x ** 2))

    np.testing.assert_allclose(jax.grad(foo(_identity_with_bwd(lambda x, g: [g])))(3.0),
                               6 * np.cos(9.0), rtol=1e-5)
    with pytest.raises(TypeError, match="must produce a tuple of length equal to the number"):
        jax.grad(foo(_identity_with_bwd(lambda x, g: g)))(3.0)
    calls = []
    debug = _identity_with_bwd(lambda x, g: calls.append(g) or (g,))
    assert float(jax.grad(lambda x: (debug(x), x)[1])(3.0)) == 1.0 and calls == []


def _sin_with_tangent(tangent):
    @custom_jvp
    def f(x):
        return jnp.sin(x)

    f.defjvp(lambda primals, tangents: (f(primals[0]), tangent(primals[0], tangents[0])))
    return f


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


def _exp_saves_input():
    @custom_vjp
    def exp_saves_input(x):
        return jnp.exp(x)

    exp_saves_input.defvjp(lambda x: (jnp.exp(x), x), lambda x, g: (jnp.exp(x) * g,))
    return exp_saves_input


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

# ---- 08-11 ----


def test_08_tangent_structure_given_rule_right_numbers_but_refused():
    """08, exercise 08_tangent_structure (the given rule): "Its JVP rule below computes the
    right numbers, by the product rule, yet `jax.jvp` and `grad` refuse it"."""
    from course.checks import lesson08  # noqa: PLC0415 - the exercise's own given code
    from course.compat import custom_jvp_rule  # noqa: PLC0415

    sum_prod, point = lesson08.given_structure(), lesson08.Point
    pt = point(3.0, 4.0)
    rule = custom_jvp_rule(sum_prod)
    assert [float(t) for t in rule((pt,), (point(1.0, 0.0),))[1]] == [1.0, 4.0]  # sum, prod
    assert [float(t) for t in rule((pt,), (point(0.0, 1.0),))[1]] == [1.0, 3.0]
    refused = r"must produce primal and tangent outputs with equal container \(pytree\)"
    with pytest.raises(TypeError, match=refused):
        jax.jvp(sum_prod, (pt,), (point(1.0, 0.0),))
    with pytest.raises(TypeError, match=refused):
        jax.grad(lambda p: sum_prod(p)["sum"])(pt)


def _point():
    from collections import namedtuple

    return namedtuple("Point", ["x", "y"])


def test_08_intro_containers_are_pytrees():
    """08, intro: "JAX treats tuples, lists, dicts, namedtuples and nested combinations of them
    as *pytrees*." """
    Point = _point()
    tree = {"a": [1.0, (2.0, Point(3.0, 4.0))]}
    assert jax.tree_util.tree_leaves(tree) == [1.0, 2.0, 3.0, 4.0]
    assert str(jax.tree_util.tree_structure(tree)) == (
        "PyTreeDef({'a': [*, (*, CustomNode(namedtuple[Point], [*, *]))]})")


def test_08_intro_tangent_structure_must_match():
    """08, intro: "the only requirement is consistency: a tangent or cotangent has the same
    structure as the value it belongs to." (A JVP rule's output tangent with a list where the
    output has a tuple is refused, and both structures are named.)"""
    Point = _point()

    @custom_jvp
    def f(pt):
        return {"a": pt.x ** 2, "b": (jnp.sin(pt.x), jnp.cos(pt.y))}

    @f.defjvp
    def f_jvp(primals, tangents):
        (pt,), (t,) = primals, tangents
        return f(pt), {"a": 2 * pt.x * t.x, "b": [jnp.cos(pt.x) * t.x, -jnp.sin(pt.y) * t.y]}

    with pytest.raises(TypeError, match=r"equal container \(pytree\) structures, but got "
                       r"PyTreeDef\(\{'a': \*, 'b': \(\*, \*\)\}\) and "
                       r"PyTreeDef\(\{'a': \*, 'b': \[\*, \*\]\}\)"):
        jax.jvp(f, (Point(1.0, 2.0),), (Point(1.0, 0.0),))


def test_08_intro_leaves_must_match_in_shape_too():
    """08, intro: "each of its leaves the same shape as the leaf it belongs to" (a float32[3]
    cotangent or tangent for a float32[] leaf is refused, by custom_vjp and custom_jvp), and
    "a list of the same length is accepted too" for f_bwd's tuple."""
    Point = _point()
    area = custom_vjp(lambda pt: pt.x * pt.y)
    area.defvjp(lambda pt: (pt.x * pt.y, pt), lambda pt, g: (Point(jnp.ones(3), pt.x * g),))
    with pytest.raises(ValueError, match="must produce an output with the same"):
        jax.grad(area)(Point(2.0, 3.0))
    area.defvjp(lambda pt: (pt.x * pt.y, pt), lambda pt, g: [Point(pt.y * g, pt.x * g)])
    assert tuple(map(float, jax.grad(area)(Point(2.0, 3.0)))) == (3.0, 2.0)
    double = custom_jvp(lambda x: 2.0 * x)
    double.defjvp(lambda p, t: (2.0 * p[0], jnp.ones(3)))
    with pytest.raises(TypeError, match="shapes and dtypes"):
        jax.jvp(double, (1.0,), (1.0,))


def test_08_with_custom_jvp_tangent_is_a_point():
    """08, With custom_jvp: "The tangent `pt_dot` is itself a `Point`, and the output tangent is
    a dict shaped like the output." """
    Point = _point()
    seen = {}

    @custom_jvp
    def f(pt):
        return {"a": pt.x ** 2, "b": (jnp.sin(pt.x), jnp.cos(pt.y))}

    @f.defjvp
    def f_jvp(primals, tangents):
        (pt,), (pt_dot,) = primals, tangents
        seen["pt_dot"] = pt_dot
        ans_dot = {"a": 2 * pt.x * pt_dot.x,
                   "b": (jnp.cos(pt.x) * pt_dot.x, -jnp.sin(pt.y) * pt_dot.y)}
        return f(pt), ans_dot

    jax.grad(lambda pt: f(pt)["a"] + f(pt)["b"][0])(Point(1.0, 2.0))
    assert type(seen["pt_dot"]) is Point


def test_08_with_custom_vjp_bwd_gets_output_shaped_cotangent():
    """08, With custom_vjp: "The backward rule receives a cotangent shaped like the output (a
    dict holding a tuple)", and "`fun` does not use `b[1]` and its cotangent is 0"."""
    Point = _point()
    seen = {}

    @custom_vjp
    def f(pt):
        return {"a": pt.x ** 2, "b": (jnp.sin(pt.x), jnp.cos(pt.y))}

    def f_bwd(pt, g):
        seen["g"] = g
        x_bar = 2 * pt.x * g["a"] + jnp.cos(pt.x) * g["b"][0]
        return (Point(x_bar, -jnp.sin(pt.y) * g["b"][1]),)

    f.defvjp(lambda pt: (f(pt), pt), f_bwd)
    jax.grad(lambda pt: f(pt)["a"] + f(pt)["b"][0])(Point(1.0, 2.0))
    g = seen["g"]
    assert jax.tree_util.tree_structure(g) == jax.tree_util.tree_structure(
        {"a": 0.0, "b": (0.0, 0.0)})
    assert float(g["b"][1]) == 0.0


def test_08_with_custom_vjp_bwd_structure_mismatch_names_both():
    """08, With custom_vjp: "The message gives both structures: the rule's output, a `Point`,
    and the structure of the arguments, a tuple holding one `Point`. A plain tuple
    `(x_bar, y_bar)` in place of the `Point` is refused the same way." """
    Point = _point()

    def grad_with(bwd_result):
        @custom_vjp
        def area(pt):
            return pt.x * pt.y

        area.defvjp(lambda pt: (area(pt), pt), lambda pt, g: bwd_result(pt.y * g, pt.x * g))
        return jax.grad(area)(Point(2.0, 3.0))

    expected = (r"for primal input structure "
                r"PyTreeDef\(\(CustomNode\(namedtuple\[Point\], \[\*, \*\]\),\)\)")
    with pytest.raises(TypeError, match=r"got bwd output structure PyTreeDef\(CustomNode\("
                       r"namedtuple\[Point\], \[\*, \*\]\)\) " + expected):
        grad_with(lambda x_bar, y_bar: Point(x_bar, y_bar))
    with pytest.raises(TypeError, match=r"got bwd output structure PyTreeDef\(\(\(\*, \*\),\)\) "
                       + expected):
        grad_with(lambda x_bar, y_bar: ((x_bar, y_bar),))
    assert tuple(map(float, grad_with(lambda x_bar, y_bar: (Point(x_bar, y_bar),)))) == (3.0, 2.0)


def _monomial_rule(cls, power_entry):
    """Lesson 8's `evaluate` for a registered class `cls(coef, power)`, whose f_bwd returns
    `power_entry(g)` for the integer power."""
    @custom_vjp
    def evaluate(m, x):
        return m.coef * x ** m.power

    def evaluate_bwd(res, g):
        m, x = res
        return (cls(g * x ** m.power, power_entry(g)), g * m.coef * m.power * x ** (m.power - 1))

    evaluate.defvjp(lambda m, x: (evaluate(m, x), (m, x)), evaluate_bwd)
    return evaluate


def test_08_register_pytree_node_class_works_like_the_dataclass():
    """08, A class of your own: "`jax.tree_util.register_pytree_node` registers any class,
    given a function that takes an instance apart and one that puts it back together
    (`tests/test_claims.py` runs the rule below with such a class too)"."""
    class Monomial:
        def __init__(self, coef, power):
            self.coef, self.power = coef, power

    jax.tree_util.register_pytree_node(
        Monomial, lambda m: ((m.coef, m.power), None), lambda _, leaves: Monomial(*leaves))
    evaluate = _monomial_rule(Monomial, lambda g: None)
    m = Monomial(jnp.float32(2.0), jnp.int32(3))
    assert float(jax.grad(evaluate, argnums=1)(m, 1.5)) == 13.5
    m_bar = jax.grad(evaluate, argnums=0, allow_int=True)(m, 1.5)
    assert type(m_bar) is Monomial and float(m_bar.coef) == 3.375
    assert m_bar.power.dtype == jax.dtypes.float0 and m_bar.power.nbytes == 0


def test_08_jvp_wants_a_float0_tangent_for_an_integer_input():
    """08, float0: "`jax.jvp` insists on it: a tangent for an integer input must be `float0`
    (a `float32` zero is refused)"."""
    def power(n, x):
        return x ** n

    with pytest.raises(TypeError, match=r"in case of int/bool primal dtype the tangent dtype "
                                        r"must be float0"):
        jax.jvp(power, (jnp.int32(3), 1.5), (jnp.float32(0.0), 1.0))
    zero = np.zeros((), jax.dtypes.float0)
    assert float(jax.jvp(power, (jnp.int32(3), 1.5), (zero, 1.0))[1]) == 6.75


def test_08_what_f_bwd_returns_for_an_integer_leaf_is_dropped():
    """08, None: "For an integer leaf it is the honest entry: JAX drops whatever `f_bwd`
    returns there anyway (even a 5.0; tested) and gives a `float0`"."""
    import dataclasses

    @jax.tree_util.register_dataclass
    @dataclasses.dataclass
    class Monomial:
        coef: jax.Array
        power: jax.Array

    m = Monomial(jnp.float32(2.0), jnp.int32(3))
    for entry in (lambda g: None, lambda g: 5.0 * jnp.ones_like(g),
                  lambda g: np.zeros((), jax.dtypes.float0)):
        m_bar = jax.grad(_monomial_rule(Monomial, entry), argnums=0, allow_int=True)(m, 1.5)
        assert float(m_bar.coef) == 3.375
        assert m_bar.power.dtype == jax.dtypes.float0


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


def _scale_vjp_nondiff():
    scale = custom_vjp(lambda s, x: s * x, nondiff_argnums=(0,))
    scale.defvjp(lambda s, x: (s * x, None), lambda s, _, g: (s * g,))
    return scale


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


def _scale_jvp_nondiff():
    scale = custom_jvp(lambda s, x: s * x, nondiff_argnums=(0,))

    @scale.defjvp
    def scale_jvp(s, primals, tangents):
        return scale(s, primals[0]), s * tangents[0]

    return scale


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


def _plain_fixed_point(f, a, x_guess):
    """Lesson 10's first fixed_point: a plain while_loop, no custom rule."""
    def cond_fun(carry):
        x_prev, x = carry
        return jnp.abs(x_prev - x) > 1e-6

    def body_fun(carry):
        _, x = carry
        return x, f(a, x)

    return jax.lax.while_loop(cond_fun, body_fun, (x_guess, f(a, x_guess)))[1]


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

    Point = _point()

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


# ---- exercises of 09-11: what their prompts say the given code does ----

def _scaffold(exercise_id, **names):
    """The scaffold of a find_the_bug exercise, run as the lesson shows it."""
    from course.checks import body_source, get, namespace  # noqa: PLC0415
    scope = {**namespace(), **names}
    exec(body_source(get(exercise_id).given), scope)
    return scope["answer"]


def test_09_exercise_amplitude_only_the_derivative_in_amp_is_lost():
    """09, exercise 09_amplitude: "The values are right, and so is the derivative with respect
    to `x`. Now they fit `amp` by gradient descent as well, and it never moves" (its gradient
    is 0, where sin(x) is right)."""
    wave = _scaffold("09_amplitude")
    np.testing.assert_allclose(wave(2.0, 0.5), 2.0 * np.sin(0.5), rtol=1e-6)
    np.testing.assert_allclose(jax.grad(wave, 1)(2.0, 0.5), 2.0 * np.cos(0.5), rtol=1e-6)
    np.testing.assert_allclose(jax.jit(jax.grad(wave, 1))(2.0, 0.5), 2.0 * np.cos(0.5),
                               rtol=1e-6)
    assert jax.grad(wave, 0)(2.0, 0.5) == 0.0
    assert np.sin(0.5) > 0.4


def test_10_exercise_cube_root_values_right_grad_raises():
    """10, exercise 10_cube_root: "Its values are right, but `jax.grad(cube_root)(8.)` raises
    an `UnexpectedTracerError`" (with the lesson's own fixed_point)."""
    cube_root = _scaffold("10_cube_root", fixed_point=lesson10.fixed_point)
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


# ---- 12 ----


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
