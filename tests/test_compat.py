"""course.compat against the installed JAX: each fact about JAX's internals that the course
relies on, checked on its own, so that an upgrade that breaks one names it."""

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.extend import core as jex_core

import course
from course import compat


def eqns(fn, *args):
    return jax.make_jaxpr(fn)(*args).eqns


def test_literals_and_their_values():
    (mul,) = eqns(lambda x: x * 2.5, 1.0)
    x, two = mul.invars
    assert not compat.is_literal(x) and compat.is_literal(two)
    assert compat.literal_value(two) == np.float32(2.5)
    assert not compat.is_drop_var(x)
    assert compat.is_drop_var(jex_core.DropVar(x.aval))


def test_bind_runs_one_equation_on_concrete_values():
    (sin,) = eqns(jnp.sin, 1.0)
    (out,) = compat.bind(sin, [np.float32(0.5)])
    assert float(out) == pytest.approx(np.sin(0.5))
    (mul,) = eqns(lambda x: jnp.divmod(x, 3.0)[1] * 1.0, 7.0)[-1:]
    assert float(compat.bind(mul, [np.float32(1.0), np.float32(4.0)])[0]) == 4.0


def test_nested_jaxprs_are_found_under_their_parameter_names():
    (call,) = eqns(jax.jit(lambda x: jnp.sin(x) + 1.0), 1.0)
    inner = compat.nested_call(call)
    assert [e.primitive.name for e in inner.jaxpr.eqns] == ["sin", "add"]
    assert compat.call_name(call) == "<lambda>" and not compat.is_custom_call(call)

    loop = eqns(lambda x: jax.lax.while_loop(lambda c: c < x, lambda c: c * 2.0, 1.0), 5.0)[0]
    cond, body, nc, nb = compat.while_parts(loop)
    assert (nc, nb) == (1, 0) and [e.primitive.name for e in body.jaxpr.eqns] == ["mul"]
    assert bool(compat.eval_jaxpr(cond, np.float32(5.0), np.float32(1.0))[0])
    assert compat.eval_jaxpr(body, np.float32(3.0))[0] == 6.0

    branch = eqns(lambda x: jax.lax.cond(x > 0, jnp.sin, jnp.cos, x), 1.0)[-1]
    assert [b.jaxpr.eqns[0].primitive.name for b in compat.cond_branches(branch)] == [
        "cos", "sin"]
    assert compat.nested_call(branch) is None


def test_custom_rules_are_named():
    @jax.custom_jvp
    def smooth(x):
        return jnp.sin(x)

    @smooth.defjvp
    def smooth_jvp(primals, tangents):
        return smooth(primals[0]), jnp.cos(primals[0]) * tangents[0]

    @jax.custom_vjp
    def clip(x):
        return x

    def clip_fwd(x):
        return x, None

    def clip_bwd(_, g):
        return (jnp.clip(g, -1.0, 1.0),)

    clip.defvjp(clip_fwd, clip_bwd)
    (jvp_call,) = eqns(smooth, 1.0)
    (vjp_call,) = eqns(clip, 1.0)
    assert compat.is_custom_call(jvp_call) and compat.is_custom_call(vjp_call)
    assert compat.custom_rule_names(jvp_call) == {
        "name": "smooth", "jvp": "smooth_jvp", "fwd": None, "bwd": None}
    assert compat.custom_rule_names(vjp_call) == {
        "name": "clip", "jvp": None, "fwd": "clip_fwd", "bwd": "clip_bwd"}
    assert [e.primitive.name for e in compat.nested_call(jvp_call).jaxpr.eqns] == ["sin"]


def test_only_short_readable_params_are_shown():
    (call,) = eqns(jax.jit(jnp.sin), 1.0)
    assert compat.shown_params(call) == {"name": "sin"}
    (convert,) = eqns(lambda x: x.astype(jnp.int32), 1.0)
    assert convert.params["sharding"] is None  # None-valued parameters are left out
    assert compat.shown_params(convert) == {"new_dtype": "int32", "weak_type": "False"}


def test_user_frame_is_the_line_that_called_jax():
    line = inspect.currentframe().f_lineno + 1
    (sin,) = eqns(lambda x: jnp.sin(x), 1.0)
    function = "test_user_frame_is_the_line_that_called_jax.<locals>.<lambda>"  # qualname
    assert compat.user_frame(sin) == (__file__, line, function)


def test_user_frame_of_a_summary_with_and_without_a_column(monkeypatch):
    (sin,) = eqns(jnp.sin, 1.0)
    for summary, frame in [("/a/b.py:12:7 (f)", ("/a/b.py", 12, "f")),
                           ("C:\\work\\b.py:3 (<lambda>)", ("C:\\work\\b.py", 3, "<lambda>")),
                           ("", None)]:
        monkeypatch.setattr(compat.source_info_util, "summarize", lambda _, s=summary: s)
        monkeypatch.setattr(compat, "_FRAMES", {})
        assert compat.user_frame(sin) == frame


def test_equations_from_one_line_share_one_lookup(monkeypatch):
    monkeypatch.setattr(compat, "_FRAMES", {})

    def repeat(x):
        for _ in range(50):
            x = jnp.sin(x)
        return x

    frames = {compat.user_frame(e) for e in eqns(repeat, 1.0)}
    assert frames == {(__file__, inspect.getsourcelines(repeat)[1] + 2,
                       "test_equations_from_one_line_share_one_lookup.<locals>.repeat")}
    assert len(compat._FRAMES) == 1


def test_grad_is_recognised_by_its_docstring():
    def loss(x):
        return x**2

    assert compat.grad_of(jax.grad(loss)) == "loss"
    assert compat.grad_of(loss) is None
    assert compat.grad_of(jax.jit(loss)) is None
    assert course.jaxpr.function_name(jax.grad(loss)) == "grad(loss)"


def test_the_compile_event_fires_once_per_compilation():
    fresh = jax.jit(lambda x: jnp.cos(x) * 3.25)  # a new function: not in any cache
    with course.count_compiles() as compiles:
        fresh(1.0)
    assert compiles[0] == 1
    with course.count_compiles() as compiles:
        fresh(2.0)  # same shapes: reuses the compiled code
    assert compiles[0] == 0


def test_the_error_jax_chains_in_front_of_a_transformation_error():
    @jax.custom_vjp
    def f(x):
        return x

    f.defvjp(lambda x: (x, None), lambda _, g: (g, g))  # bwd: two cotangents for one input
    with pytest.raises(TypeError) as failure:
        jax.grad(f)(1.0)
    assert compat.is_jax_trace_marker(failure.value.__cause__)
    assert not compat.is_jax_trace_marker(failure.value)


def test_the_rule_of_a_custom_jvp_function():
    @jax.custom_jvp
    def f(x):
        return jnp.sin(x)

    assert compat.custom_jvp_rule(f) is None

    def f_jvp(primals, tangents):
        return f(primals[0]), jnp.cos(primals[0]) * tangents[0]

    f.defjvp(f_jvp)
    assert compat.custom_jvp_rule(f) is f_jvp


def test_rule_sources_name_the_rule_and_its_file():
    @jax.custom_vjp
    def clip(x):
        return x

    def clip_fwd(x):
        return x, None

    def clip_bwd(_, g):
        return (jnp.clip(g, -1.0, 1.0),)

    clip.defvjp(clip_fwd, clip_bwd)
    (call,) = eqns(clip, 1.0)
    assert compat.custom_rule_sources(call) == {
        "jvp": None, "fwd": ("clip_fwd", __file__), "bwd": ("clip_bwd", __file__)}


def test_an_equation_s_stack_holds_the_jvp_rule_but_not_the_bwd_rule():
    @jax.custom_jvp
    def smooth(x):
        return jnp.sin(x)

    @smooth.defjvp
    def smooth_jvp(primals, tangents):
        return smooth(primals[0]), jnp.cos(primals[0]) * tangents[0]

    cos = [e for e in eqns(jax.grad(smooth), 1.0) if e.primitive.name == "cos"]
    frames, site = compat.equation_stack(cos[0])
    assert (__file__, "smooth_jvp") in frames
    assert site.startswith(f"{__file__}:") and site.endswith("smooth_jvp)")

    @jax.custom_vjp
    def clip(x):
        return x

    def clip_bwd(_, g):
        return (jnp.clip(g, -1.0, 1.0) * 2.0,)

    clip.defvjp(lambda x: (x, None), clip_bwd)

    def f(x):
        return clip(x)

    (call,) = eqns(f, 1.0)
    (mul,) = [e for e in eqns(jax.grad(f), 1.0) if e.primitive.name == "mul"]
    frames, site = compat.equation_stack(mul)
    assert (__file__, "clip_bwd") not in frames  # JAX records bwd with the call's traceback
    assert site == compat.equation_stack(call)[1]


def test_vjp_parts_split_reverse_mode_as_jax_vjp_keeps_it():
    def f(x):
        return jnp.sin(jnp.sin(x)) * x

    x = jnp.arange(3.0)
    forward, backward, n_res = compat.vjp_parts(f, (x,))
    out, pullback = jax.vjp(f, x)
    kept = jax.tree_util.tree_leaves(pullback)
    assert n_res == len(kept) > 0
    values = compat.eval_jaxpr(forward, x)
    np.testing.assert_array_equal(values[0], out)
    for got, want in zip(values[1:], kept):
        np.testing.assert_array_equal(got, want)
    (ct,) = compat.eval_jaxpr(backward, *kept, jnp.ones(3))
    np.testing.assert_array_equal(ct, pullback(jnp.ones(3))[0])
