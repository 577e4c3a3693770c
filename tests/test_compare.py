"""course.compare_rules, course.show_residuals and course.compare_residuals: alignment, values,
rule attribution, windows for large programs, one-line errors, escaping. Every expected value
is computed with JAX in the test, not copied from an output."""

import html
import re

import jax
import jax.numpy as jnp
import lesson_functions as L
import numpy as np
import pytest

import course
from course.jaxpr import align, data, graph, residuals
from course.jaxpr import html as jaxpr_html


def naive_log1pexp(x):
    return jnp.log(1. + jnp.exp(x))


@jax.custom_jvp
def log1pexp(x):
    return jnp.log(1. + jnp.exp(x))


@log1pexp.defjvp
def log1pexp_jvp(primals, tangents):
    x, = primals
    x_dot, = tangents
    ans = log1pexp(x)
    ans_dot = (1 - 1/(1 + jnp.exp(x))) * x_dot
    return ans, ans_dot


def clip_sin(x):
    return jnp.sin(L.clip_gradient(-0.75, 0.75, x))


def rows_with(comparison, status):
    return [row for row in comparison.rows if row.status == status]


def test_the_nan_of_the_default_and_the_stable_rule_side_by_side():
    c = course.compare_rules(naive_log1pexp, log1pexp, 100.).comparison
    assert np.isnan(c.default.outputs[0].value)
    assert float(c.custom.outputs[0].value) == float(jax.grad(log1pexp)(100.))
    (changed,) = rows_with(c, "changed")
    assert data.describe_op(changed.default) == "mul(0.0, inf) = nan"
    assert changed.custom.primitive == "mul" and changed.custom.outputs[0].show() == "1.0"
    assert changed.default is c.default.first_nan
    assert "sub" in [row.custom.primitive for row in rows_with(c, "custom")]
    # The forward part (exp, add, log) and 1/(1 + e^x) are the same computation in both.
    same = [row.default.primitive for row in rows_with(c, "same")]
    assert same == ["exp", "add", "log", "div"]
    assert c.in_both == 4 and c.shared
    text = str(course.compare_rules(naive_log1pexp, log1pexp, 100.))
    assert "mul(0.0, inf) = nan | mul(1.0, 1.0) = 1.0" in text
    assert text == str(course.compare_rules(naive_log1pexp, log1pexp, 100.))


def test_the_equations_of_a_jvp_rule_are_put_down_to_it():
    c = course.compare_rules(naive_log1pexp, log1pexp, 100.).comparison
    labels = {rule.label for rule in c.rule_of.values()}
    assert labels == {"jvp rule log1pexp_jvp of log1pexp"}
    made = {c.custom[i].primitive for i in c.rule_of}
    assert {"sub", "div", "mul"} <= made
    # Nothing of the default program is put down to a rule.
    assert "R1 = jvp rule log1pexp_jvp of log1pexp" in str(course.compare_rules(
        naive_log1pexp, log1pexp, 100.))


def test_a_rule_made_with_defjvps_is_found_through_jax_s_wrapper():
    @jax.custom_jvp
    def softplus(x):
        return jnp.log(1. + jnp.exp(x))

    softplus.defjvps(lambda t, ans, x: jax.nn.sigmoid(x) * t)
    c = course.compare_rules(naive_log1pexp, softplus, 3.).comparison
    assert c.rule_of
    assert all("(made by defjvps)" in r.label for r in c.rule_of.values())


def test_the_bwd_rule_of_a_custom_vjp_is_found_by_its_call_site():
    # jnp.clip traced once elsewhere: JAX reuses that jaxpr, whose equations carry the other
    # call's source info; they still belong to the rule that calls jnp.clip here.
    other = jax.custom_vjp(lambda x: x)
    other.defvjp(lambda x: (x, None), lambda _, g: (jnp.clip(g, -1.0, 1.0),))
    jax.make_jaxpr(jax.grad(other))(1.0)
    c = course.compare_rules(jnp.sin, clip_sin, 0.).comparison
    bwd = [i for i, r in c.rule_of.items() if r.role == "bwd"]
    assert {c.custom[i].primitive for i in bwd} >= {"max", "min"}
    assert float(c.custom.outputs[0].value) == float(jax.grad(clip_sin)(0.))
    text = str(course.compare_rules(jnp.sin, clip_sin, 0.))
    assert "bwd rule clip_gradient_bwd of clip_gradient" in text
    assert "JAX keeps no line of bwd itself" in text
    # Its fwd adds no equation: the view says so rather than staying silent.
    assert "fwd rule clip_gradient_fwd of clip_gradient: no equation" in text


def test_jvp_and_vjp_modes():
    jvp = course.compare_rules(naive_log1pexp, log1pexp, 100., mode="jvp").comparison
    primal_out, tangent_out = jax.jvp(log1pexp, (100.,), (1.,))
    assert [float(v.value) for v in jvp.custom.outputs] == [float(primal_out),
                                                            float(tangent_out)]
    assert np.isnan(jvp.default.outputs[1].value)
    vjp = course.compare_rules(jnp.sin, clip_sin, 0., mode="vjp").comparison
    out, pullback = jax.vjp(clip_sin, 0.)
    assert [float(v.value) for v in vjp.custom.outputs] == [float(out),
                                                            float(pullback(1.)[0])]


def test_identical_programs_are_all_the_same():
    c = course.compare_rules(naive_log1pexp, naive_log1pexp, 1.).comparison
    assert {row.status for row in c.rows} == {"same"}
    assert "0 changed, 0 only in default, 0 only in custom" in c.verdict


def test_programs_with_no_structure_in_common_are_not_paired():
    c = course.compare_rules(lambda x: jnp.sin(x), lambda x: jnp.tanh(x) * 3., 0.5).comparison
    assert c.in_both == 0 and not c.shared
    assert not rows_with(c, "changed") and not rows_with(c, "same")
    assert "share no structure" in c.verdict


def test_the_same_computation_in_another_order_is_still_paired():
    def ab(x):
        return jnp.sin(x) * 2. + jnp.cos(x) * 3.

    def ba(x):
        c = jnp.cos(x) * 3.
        return jnp.sin(x) * 2. + c

    c = course.compare_rules(ab, ba, 0.5).comparison
    assert not rows_with(c, "default") and not rows_with(c, "custom")
    assert not rows_with(c, "changed")
    assert len(c.rows) == sum(r.kind != "note" for r in c.default.records)


def chain(steps):
    def f(x):
        for i in range(steps):
            x = jnp.sin(x) if i % 2 else jnp.cos(x)
        return x
    return f


def test_large_programs_show_a_summary_and_a_window_around_the_differences():
    body = chain(600)
    default = lambda x: naive_log1pexp(body(x))  # noqa: E731
    custom = lambda x: log1pexp(body(x))  # noqa: E731
    view = course.compare_rules(default, custom, 0.3)
    c = view.comparison
    assert len(c.rows) > 1500
    text = str(view)
    body_lines = [line for line in text.splitlines() if re.match(r"  [=~+-] ", line)]
    assert len(body_lines) <= align.MAX_ROWS
    assert re.search(r"\.\.\. \d+ rows not shown \.\.\.", text)
    # Every equation only in one program is in the window; the backward pass behind the
    # rule differs in every value, so most changed rows are summarized.
    only = sum(row.status in ("default", "custom") for row in c.rows)
    assert sum(line.startswith(("  +", "  -")) for line in body_lines) == only > 0
    assert re.search(r"\d+ more differences among them", text)
    assert view.dot().count("fillcolor") < 4 * graph.MAX_COMPARED_OPS


def test_alignment_is_linear_no_structure_at_scale():
    # 4,000 equations against 4,000 with nothing in common: nothing paired, and fast.
    a = align.align(course.trace_jaxpr(chain(4000), 0.3),
                      course.trace_jaxpr(lambda x: jnp.tanh(chain(3999)(x * 2.)), 0.3))
    rows, in_both, shared = a
    assert in_both == 0 and not shared
    assert {row.status for row in rows} == {"default", "custom"}


@pytest.mark.parametrize("call, message", [
    (lambda: course.compare_rules(naive_log1pexp, log1pexp, 100., mode="hessian"),
     "compare_rules: mode must be one of 'grad', 'jvp', 'vjp', got 'hessian'."),
    (lambda: course.compare_rules(naive_log1pexp, log1pexp, 3),
     "compare_rules: input 1 is 3 (int64), which cannot be differentiated"),
    (lambda: course.compare_rules(naive_log1pexp, lambda x, y: x * y, 3.),
     "compare_rules: the arguments do not match <lambda>(x, y)"),
    (lambda: course.compare_rules(naive_log1pexp, jnp.sin(1.), 3.),
     "compare_rules: expected a function to trace"),
    (lambda: course.compare_rules(jnp.sin, lambda x: jnp.stack([x, x]), 3.),
     "compare_rules: sin returns ['float32[]'] but <lambda> returns ['float32[2]']"),
    (lambda: course.compare_rules(jnp.sin, jnp.cos, jnp.ones(2)),
     "compare_rules: mode='grad' needs sin to return one scalar"),
    (lambda: course.compare_rules(naive_log1pexp, log1pexp),
     "compare_rules: give the inputs"),
])
def test_bad_input_is_one_line_naming_the_function(call, message):
    with pytest.raises(course.JaxprInputError) as info:
        call()
    text = str(info.value)
    assert text.startswith(message.replace("int64", str(np.result_type(3))))
    assert "\n" not in text and "np." not in text
    assert info.value.__cause__ is None
    assert info.value.__context__ is None or info.value.__suppress_context__


def test_a_rule_that_raises_is_named_in_one_line():
    @jax.custom_jvp
    def broken(x):
        return jnp.sin(x)

    @broken.defjvp
    def broken_jvp(primals, tangents):
        raise ValueError("the rule is not written yet\nsecond line")

    with pytest.raises(course.JaxprInputError) as info:
        course.compare_rules(jnp.sin, broken, 1.)
    assert str(info.value) == ("compare_rules: grad of broken (custom) failed with "
                               "ValueError: the rule is not written yet")


def test_a_function_that_raises_is_named_in_one_line():
    def fails(x):
        raise KeyError("k")

    with pytest.raises(course.JaxprInputError, match=r"^compare_rules: fails\(1.0\) raised "
                                                   r"KeyError: 'k'$"):
        course.compare_rules(jnp.sin, fails, 1.)


def test_html_escapes_names_and_is_deterministic():
    def f(x):
        return naive_log1pexp(x)

    f.__name__ = "<script>alert('x')</script>"
    view = course.compare_rules(naive_log1pexp, f, 100.)
    out = view._repr_html_()
    assert "<script>" not in out
    assert html.escape("<script>alert('x')</script>") in out
    assert out == course.compare_rules(naive_log1pexp, f, 100.)._repr_html_()
    assert "<svg" not in out and "data:image/svg+xml;base64," in out


def test_without_graphviz_the_html_says_so_in_one_line(monkeypatch):
    def missing(_):
        raise course.GraphvizNotFoundError("no dot <here>")

    monkeypatch.setattr(jaxpr_html, "render_svg", missing)
    out = course.compare_rules(naive_log1pexp, log1pexp, 1.)._repr_html_()
    assert "<i>No graph: no dot &lt;here&gt;</i>" in out and "<pre>" in out


def test_a_custom_function_without_rules_is_said_to_have_none():
    text = str(course.compare_rules(naive_log1pexp, lambda x: naive_log1pexp(x) * 2., 1.))
    assert text.endswith("no custom_jvp or custom_vjp call in the custom function, so no "
                         "equation is put down to a rule")
    assert " R1" not in text


# ------------------------------------------------------------------------ residuals ---

@jax.custom_vjp
def exp_saves_output(x):
    return jnp.exp(x)


def exp_saves_output_fwd(x):
    y = jnp.exp(x)
    return y, y


def exp_saves_output_bwd(y, g):
    return (y * g,)


exp_saves_output.defvjp(exp_saves_output_fwd, exp_saves_output_bwd)


@jax.custom_vjp
def exp_saves_input(x):
    return jnp.exp(x)


def exp_saves_input_fwd(x):
    return jnp.exp(x), x


def exp_saves_input_bwd(x, g):
    return (jnp.exp(x) * g,)


exp_saves_input.defvjp(exp_saves_input_fwd, exp_saves_input_bwd)


def sin_exp_saving_output(x):
    return jnp.sin(exp_saves_output(x))


def sin_exp_saving_input(x):
    return jnp.sin(exp_saves_input(x))


def test_residuals_are_what_jax_vjp_keeps():
    x = jnp.arange(3.)
    for fn in (sin_exp_saving_output, sin_exp_saving_input, lambda x: jnp.sin(jnp.exp(x))):
        s = course.show_residuals(fn, x).split
        _, pullback = jax.vjp(fn, x)
        kept = jax.tree_util.tree_leaves(pullback)
        assert len(s.residuals) == len(kept)
        for r, array in zip(s.residuals, kept):
            np.testing.assert_array_equal(r.forward.value, array)
            assert r.nbytes == array.nbytes
        np.testing.assert_array_equal(s.backward.outputs[0].value, pullback(jnp.ones(3))[0])


def test_saved_against_recomputed():
    view = course.compare_residuals(sin_exp_saving_output, sin_exp_saving_input, jnp.arange(3.))
    saving_output, saving_input = view.splits
    assert [r.is_input for r in saving_output.residuals] == [False, False]
    assert [r.is_input for r in saving_input.residuals] == [True, False]
    # The recomputing rule's backward program runs exp, the saving one's does not.
    assert "exp" in [r.primitive for r in saving_input.backward.records]
    assert "exp" not in [r.primitive for r in saving_output.backward.records]
    text = str(view)
    assert "the input a itself" in text and "computed by forward [0] b = exp a" in text
    assert "bwd rule exp_saves_input_bwd of exp_saves_input: backward" in text
    assert text == str(course.compare_residuals(sin_exp_saving_output, sin_exp_saving_input,
                                                jnp.arange(3.)))


def test_residuals_html_escapes_and_marks_residuals():
    def f(x):
        return jnp.sin(x) * x

    f.__name__ = "<b>f</b>"
    view = course.show_residuals(f, 1.)
    out = view._repr_html_()
    assert "<b>f</b>" not in out and "&lt;b&gt;f&lt;/b&gt;" in out
    # The DOT of each side labels every residual.
    assert view.split.residuals
    assert all(f"residual r{r.number}" in residuals.split_dot(view.split, side)
               for r in view.split.residuals for side in ("forward", "backward"))


def test_residuals_bad_input_is_one_line():
    with pytest.raises(course.JaxprInputError, match=r"^show_residuals: input 1 is 2 "):
        course.show_residuals(jnp.sin, 2)
    with pytest.raises(course.JaxprInputError, match=r"^compare_residuals: give the inputs"):
        course.compare_residuals(jnp.sin, jnp.cos)
