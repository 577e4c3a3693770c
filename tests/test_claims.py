"""Claims the lessons make about what JAX does, each checked against the pinned JAX.

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
    """01, A forward-mode rule: "(A rule whose tangent is not linear in the input tangents, say
    `x_dot ** 2`, still works in `jvp`, but `grad` then fails.)"."""

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

# ---- 08-11 ----
