"""course.trace_jaxpr: values, nesting and the birthplace of inf and nan."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import course
from course.jaxpr import evaluate


def naive_log1pexp(x):
    return jnp.log(1.0 + jnp.exp(x))


def boundary_f(x):
    return x / (1 + jnp.sqrt(x))


def test_log1pexp_nan_origin():
    trace = course.trace_jaxpr(jax.grad(naive_log1pexp), 100.0)
    assert [r.primitive for r in trace.ops] == ["exp", "add", "log", "div", "mul"]
    bad, nan = trace.first_nonfinite, trace.first_nan
    assert bad.primitive == "exp" and bad.outputs[0].show() == "inf"
    assert nan.primitive == "mul"
    assert sorted(v.show() for v in nan.inputs) == ["0.0", "inf"]
    assert np.isnan(trace.outputs[0].value)


def test_finite_trace_has_no_origin():
    trace = course.trace_jaxpr(jax.grad(naive_log1pexp), 3.0)
    assert trace.first_nonfinite is None and trace.first_nan is None
    assert float(trace.outputs[0].value) == pytest.approx(0.95257413)


def test_sqrt_boundary_nan_at_zero():
    trace = course.trace_jaxpr(jax.grad(boundary_f), 0.0)
    assert trace.first_nonfinite.primitive == "div"
    assert [v.show() for v in trace.first_nonfinite.inputs] == ["0.5", "0.0"]
    assert trace.first_nan.primitive == "mul"
    assert "inf" in [v.show() for v in trace.first_nan.inputs]


def test_names_are_short_and_values_shaped():
    trace = course.trace_jaxpr(lambda x: jnp.sin(x) * 2.0, jnp.arange(3.0))
    sin = trace.ops[0]
    assert sin.inputs[0].name == "a" and sin.outputs[0].name == "b"
    assert sin.outputs[0].type == "f32[3]"
    np.testing.assert_allclose(sin.outputs[0].value, np.sin(np.arange(3.0)), rtol=1e-6)
    assert "Var(" not in str(course.show_jaxpr(lambda x: jnp.sin(x) * 2.0, jnp.arange(3.0)))


@jax.custom_jvp
def inner(x):
    return jnp.sin(x)


@inner.defjvp
def inner_rule(primals, tangents):
    (x,), (t,) = primals, tangents
    return inner(x), jnp.cos(x) * t


@jax.custom_vjp
def outer(x):
    return inner(x) * 3.0


def outer_fwd(x):
    return outer(x), x


def outer_bwd(x, g):
    return (g * 3.0 * jnp.cos(x),)


outer.defvjp(outer_fwd, outer_bwd)


def test_nested_custom_calls_are_boxes_that_name_their_rules():
    trace = course.trace_jaxpr(jax.jit(outer), 0.5)
    calls = [r for r in trace if r.kind == "call"]
    assert [c.primitive for c in calls] == ["jit", "custom_vjp_call", "custom_jvp_call"]
    assert [c.depth for c in calls] == [0, 1, 2]
    assert "outer_fwd / outer_bwd" in calls[1].label
    assert "inner_rule" in calls[2].label
    sin = next(r for r in trace.ops if r.primitive == "sin")
    assert sin.depth == 3 and sin.parent == calls[2].index
    assert float(trace.outputs[0].value) == pytest.approx(3 * np.sin(0.5), rel=1e-6)
    text = str(course.show_jaxpr(jax.jit(outer), 0.5, values=True))
    assert "custom_vjp function outer" in text and "custom_jvp function inner" in text


def test_while_loop_body_is_shown_with_iteration_count():
    def halve_until_small(x):
        return jax.lax.while_loop(lambda c: c > 1.0, lambda c: c / 2.0, x)

    trace = course.trace_jaxpr(halve_until_small, 10.0)
    loop = next(r for r in trace if r.primitive == "while")
    assert loop.kind == "call" and "4 iteration(s)" in loop.label
    body = [r for r in trace.ops if r.parent == loop.index]
    assert [r.primitive for r in body] == ["div"]
    assert body[0].outputs[0].show() == "5.0"
    assert loop.outputs[0].show() == "0.625"


def halve_until_small(x):
    return jax.lax.while_loop(lambda c: c > 1.0, lambda c: c / 2.0, x)


@pytest.mark.parametrize("cap", [1, 2, 3])
def test_while_loop_past_the_cap_says_so_and_keeps_the_true_result(monkeypatch, cap):
    monkeypatch.setattr(evaluate, "MAX_WHILE_ITERATIONS", cap)
    trace = course.trace_jaxpr(halve_until_small, 10.0)  # needs 4 iterations
    loop = next(r for r in trace if r.primitive == "while")
    assert loop.label == (f"while loop: cut after {cap} iteration(s), the first one is shown; "
                          "the loop had not ended, so JAX's while_loop ran the rest from there")
    assert loop.outputs[0].show() == "0.625"  # what the loop really returns: 10 / 2**4
    assert trace.outputs[0].show() == "0.625"
    body = [r for r in trace.ops if r.parent == loop.index]
    assert [(r.primitive, r.outputs[0].show()) for r in body] == [("div", "5.0")]


def test_while_loop_that_ends_at_the_cap_is_not_cut(monkeypatch):
    monkeypatch.setattr(evaluate, "MAX_WHILE_ITERATIONS", 4)
    loop = next(r for r in course.trace_jaxpr(halve_until_small, 10.0) if r.kind == "call")
    assert loop.label == "while loop: 4 iteration(s), the first one is shown"
    assert loop.outputs[0].show() == "0.625"


def test_while_loop_that_never_runs_its_body():
    trace = course.trace_jaxpr(halve_until_small, 0.5)
    (loop,) = trace.records
    assert loop.label == "while loop: 0 iterations, the body never ran"
    assert loop.outputs[0].show() == "0.5"


def sign_log(x):
    return jax.lax.cond(x > 0, lambda y: jnp.log(y), lambda y: y * 2.0, x)


@pytest.mark.parametrize("x, branch, op, value", [
    (2.0, 1, "log", "0.6931472"),  # branches are (false_fun, true_fun): True takes branch 1
    (-2.0, 0, "mul", "-4.0"),
])
def test_cond_records_the_branch_taken_and_its_values(x, branch, op, value):
    trace = course.trace_jaxpr(sign_log, x)
    cond = next(r for r in trace if r.primitive == "cond")
    assert cond.kind == "call" and cond.label == f"cond: branch {branch} of 2 taken"
    inside = [r for r in trace if r.parent == cond.index]
    assert [(r.primitive, r.outputs[0].show()) for r in inside] == [(op, value)]
    assert cond.outputs[0].show() == value and trace.outputs[0].show() == value
    text = str(course.show_jaxpr(sign_log, x, values=True))
    assert f"# cond: branch {branch} of 2 taken\n        # d = {value}\n" in text


def test_switch_index_out_of_range_takes_the_last_branch():
    # lax.switch clamps its index, as the traced `clamp` shows; the trace follows suit.
    trace = course.trace_jaxpr(lambda i, x: jax.lax.switch(i, [jnp.sin, jnp.cos, jnp.exp], x),
                               7, 0.0)
    cond = next(r for r in trace if r.primitive == "cond")
    assert cond.label == "cond: branch 2 of 3 taken"
    assert [r.primitive for r in trace if r.parent == cond.index] == ["exp"]
    assert trace.outputs[0].show() == "1.0"


def test_grad_through_cond_follows_the_same_branch_backwards():
    trace = course.trace_jaxpr(jax.grad(sign_log), 3.0)
    conds = [r for r in trace if r.primitive == "cond"]
    assert [c.label for c in conds] == ["cond: branch 1 of 2 taken"] * 2
    assert float(trace.outputs[0].value) == pytest.approx(1 / 3)


def test_pytrees_in_and_out():
    def f(p):
        return {"s": p["x"] + p["y"][0], "t": (p["y"][1] * 2.0,)}

    trace = course.trace_jaxpr(f, {"x": 1.0, "y": (2.0, 3.0)})
    assert len(trace.inputs) == 3 and len(trace.outputs) == 2
    assert sorted(v.show() for v in trace.outputs) == ["3.0", "6.0"]


def test_kwargs_are_passed_through():
    trace = course.trace_jaxpr(lambda x, scale=1.0: x * scale, 2.0, scale=4.0)
    assert trace.outputs[0].show() == "8.0"


def test_text_view_is_deterministic_and_marks_origins():
    first = str(course.show_jaxpr(jax.grad(naive_log1pexp), 100.0, values=True))
    second = str(course.show_jaxpr(jax.grad(naive_log1pexp), 100.0, values=True))
    assert first == second
    assert "<-- first inf/nan: exp(100.0) = inf" in first
    assert "<-- first nan: mul(0.0, inf) = nan" in first
    plain = str(course.show_jaxpr(jax.grad(naive_log1pexp), 100.0))
    assert "inf" not in plain and "[4] e:f32[] = mul d b" in plain


def test_large_jaxpr_text_is_summarized():
    def many(x):
        for _ in range(400):
            x = jnp.sin(x)
        return jnp.log(x - 10.0)

    text = str(course.show_jaxpr(many, 0.5, values=True))
    assert "equations not shown" in text
    assert "first nan: log(" in text  # the origin near the end is still shown
    assert len(text.splitlines()) < 200


# Bad input: clear TypeError/ValueError, not a traceback from inside JAX.

def test_not_callable():
    with pytest.raises(TypeError, match=r"expected a function to trace, got float 3\.0\. Pass"):
        course.trace_jaxpr(3.0, 1.0)


def test_arguments_that_do_not_match():
    with pytest.raises(TypeError, match=r"do not match <lambda>\(x, y\): missing a required "
                                        r"argument: 'y'\. Got 1 positional argument"):
        course.trace_jaxpr(lambda x, y: x + y, 1.0)


def test_argument_that_is_not_an_array():
    with pytest.raises(TypeError, match=r"every argument of sin must be an array or a number .* "
                                        r"got str 'hello'"):
        course.show_jaxpr(jnp.sin, "hello")


def test_function_that_is_not_traceable():
    def calls_float(x):
        return float(x) * 2

    with pytest.raises(TypeError, match=r"calls_float is not traceable by JAX: .*float\(x\)"):
        course.trace_jaxpr(calls_float, 1.0)


def test_one_operation_can_be_both_origins():
    trace = course.trace_jaxpr(lambda x: jnp.log(x) * 2.0, -1.0)
    assert trace.first_nonfinite is trace.first_nan
    assert trace.first_nan.primitive == "log"
    text = str(course.show_jaxpr(lambda x: jnp.log(x) * 2.0, -1.0, values=True))
    assert "<-- first inf/nan, first nan: log(-1.0) = nan" in text


# Reusing results between evaluations (compare_rules evaluates two programs that share most
# equations): the same values, and never for an equation with effects.

def test_shared_results_give_the_same_trace_and_are_reused():
    closed = jax.make_jaxpr(lambda x: jnp.sin(x) * jnp.sin(x) + jnp.cos(x))(1.0)
    results: dict = {}
    first = evaluate.evaluate_jaxpr(closed, [0.5], "f", results=results)
    assert len(results) == 4  # sin, mul, cos, add: the second sin was reused
    again = evaluate.evaluate_jaxpr(closed, [0.5], "f", results=results)
    plain = evaluate.evaluate_jaxpr(closed, [0.5], "f")
    for trace in (again, first):
        assert [[v.show() for v in r.outputs] for r in trace] == \
               [[v.show() for v in r.outputs] for r in plain]
    assert len(results) == 4


def test_an_equation_with_effects_runs_every_time(capsys):
    def f(x):
        jax.debug.print("x is {}", x)
        return x * 2.0

    closed = jax.make_jaxpr(f)(1.0)
    results: dict = {}
    evaluate.evaluate_jaxpr(closed, [3.0], "f", results=results)
    evaluate.evaluate_jaxpr(closed, [3.0], "f", results=results)
    assert capsys.readouterr().out.count("x is 3.0") == 2
