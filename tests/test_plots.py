"""course.plot_grad returns a Figure with the expected curves, and marks non-finite regions."""

import re
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import course


def naive_log1pexp(x):
    return jnp.log(1.0 + jnp.exp(x))


@jax.custom_jvp
def stable_log1pexp(x):
    return jnp.log(1.0 + jnp.exp(x))


stable_log1pexp.defjvps(lambda t, ans, x: (1 - 1 / (1 + jnp.exp(x))) * t)


def test_curves_and_nonfinite_marks():
    xs = jnp.linspace(-5.0, 100.0, 50)
    fig = course.plot_grad(naive_log1pexp, xs, rules={"rule": stable_log1pexp},
                           reference=jax.nn.sigmoid)
    assert set(fig.curves) == {"autodiff", "rule", "finite differences", "reference"}
    np.testing.assert_allclose(fig.curves["rule"], fig.curves["reference"], atol=1e-6)
    assert np.isnan(fig.curves["autodiff"][-1])
    labels = [line.get_label() for line in fig.axes[1].lines]
    assert any(label.startswith("autodiff: inf/nan at") for label in labels)
    assert not any(label.startswith("rule: inf/nan") for label in labels)


def test_finite_differences_agree_with_autodiff_where_finite():
    xs = jnp.linspace(-3.0, 3.0, 41)
    fig = course.plot_grad(jnp.sin, xs)
    np.testing.assert_allclose(fig.curves["finite differences"], np.cos(xs), atol=2e-3)


def test_returns_figure_without_pyplot():
    fig = course.plot_grad(jnp.sin, jnp.linspace(0.0, 1.0, 5))
    assert type(fig).__name__ == "CourseFigure"
    assert fig.png().startswith(b"\x89PNG")


def shown(fig) -> dict:
    """What a notebook stores for the figure as a cell's last line, with pyplot's inline
    backend active (it gives every matplotlib Figure an image/png formatter)."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.core.pylabtools import select_figure_formats

    shell = InteractiveShell.instance()
    select_figure_formats(shell, {"png"})  # what the inline backend does at import of pyplot
    published = []
    original = shell.display_pub.publish
    shell.display_pub.publish = lambda data, *args, **kwargs: published.append(data)
    try:
        stored, _ = shell.display_formatter.format(fig)  # an execute_result, unless the
    finally:                                             # figure published its own output
        shell.display_pub.publish = original
    assert len(published) + bool(stored) == 1, (published, stored)
    return published[0] if published else stored


def test_a_figure_shows_as_an_image_with_its_text_alternative():
    """JupyterLab shows image/png with no alt text (axe: image-alt, critical), so a course
    figure is one <img alt=...> in text/html, and its pixels are not stored twice."""
    import base64
    import html

    fig = course.plot_grad(naive_log1pexp, jnp.linspace(-5.0, 100.0, 50),
                           rules={"rule": stable_log1pexp})
    bundle = shown(fig)
    assert set(bundle) == {"text/html", "text/plain"}
    alt, src = re.fullmatch(r'<img alt="([^"]*)" src="data:image/png;base64,([^"]+)">',
                            bundle["text/html"]).groups()
    assert base64.b64decode(src) == fig.png()
    xs = np.asarray(jnp.linspace(-5.0, 100.0, 50))
    bad = {name: xs[~np.isfinite(fig.curves[name])] for name in ("autodiff", "finite differences")}
    assert [at.min() for at in bad.values()] == [xs[44], xs[44]]  # 89.2857...
    assert html.unescape(alt) == (
        "naive_log1pexp and its derivative, for x from -5 to 100. Top: f(x). Bottom: df/dx by "
        f"autodiff, rule, finite differences. autodiff: inf/nan at {bad['autodiff'].size} of 50 "
        "points, from x = 89.3 to 100; finite differences: inf/nan at "
        f"{bad['finite differences'].size} of 50 points, from x = 89.3 to 100.")  # step 2.1
    assert bundle["text/plain"] == f"<figure: {html.unescape(alt)}>"
    finite = course.plot_grad(jnp.sin, jnp.linspace(0.0, 1.0, 5))
    assert finite.alt.endswith("Bottom: df/dx by autodiff, finite differences. Every derivative "
                               "is finite.")


def test_the_text_alternative_names_each_stretch_of_inf_or_nan():
    """sqrt(1 - x^2) is nan outside [-1, 1]: two stretches, not one range over the finite
    middle; unsorted x are described in order."""
    xs = jnp.array([2.0, -2.0, 1.5, -1.5, 0.0, 1.0, -1.0, 0.5, -0.5])
    fig = course.plot_grad(lambda x: jnp.sqrt(1 - x**2), xs, finite_differences=False)
    assert fig.alt.endswith("autodiff: inf/nan at 6 of 9 points, from x = -2 to -1 and from "
                            "x = 1 to 2.")
    many = course.plot_grad(lambda x: jnp.sqrt(jnp.sin(x)), jnp.linspace(-20.0, 20.0, 401),
                            finite_differences=False)  # nan wherever sin(x) < 0: 7 stretches
    assert course.plot_grad(jnp.sin, jnp.linspace(1e6 + 0.5, 1e6 + 1.5, 5)).alt.startswith(
        "sin and its derivative, for x from 1000000.5 to 1000001.5.")  # not 1e+06 to 1e+06
    assert re.search(r"inf/nan at \d+ of 401 points, from x = -20 to -18\.9 and from x = "
                     r"-15\.7 to -12\.6 and from x = -9\.4 to -6\.3 and 4 more stretches\.$",
                     many.alt), many.alt


def test_course_figure_takes_the_text_alternative_it_is_given():
    fig = course.figure(alt='a line, "quoted" & <escaped>', figsize=(3, 2))
    fig.subplots().plot([0, 1])
    assert shown(fig)["text/html"].startswith(
        '<img alt="a line, &quot;quoted&quot; &amp; &lt;escaped&gt;" src="data:image/png;base64,')
    for alt in ["", "   ", None]:
        with pytest.raises(ValueError, match="figure: alt should say in words what the figure"):
            course.figure(alt=alt)


def test_a_list_of_lambdas_keeps_every_curve():
    xs = jnp.linspace(-1.0, 1.0, 9)
    fig = course.plot_grad(jnp.sin, xs, rules=[lambda x: 2 * x, lambda x: 3 * x])
    assert list(fig.curves) == ["autodiff", "rule 1", "rule 2", "finite differences"]
    np.testing.assert_allclose(fig.curves["rule 1"], 2.0)
    np.testing.assert_allclose(fig.curves["rule 2"], 3.0)
    labels = [line.get_label() for line in fig.axes[1].lines]
    assert labels == ["autodiff", "rule 1", "rule 2", "finite differences"]


def test_a_list_names_curves_after_the_functions_and_keeps_repeats():
    def reference(x):  # the name of one of plot_grad's own curves
        return 5 * x

    xs = jnp.linspace(-1.0, 1.0, 9)
    fig = course.plot_grad(jnp.sin, xs, rules=[stable_log1pexp, stable_log1pexp, reference],
                           finite_differences=False, reference=jnp.cos)
    assert list(fig.curves) == ["autodiff", "stable_log1pexp", "stable_log1pexp (rule 2)",
                                "reference (rule 3)", "reference"]
    np.testing.assert_allclose(fig.curves["reference (rule 3)"], 5.0)
    np.testing.assert_allclose(fig.curves["reference"], np.cos(xs), rtol=1e-6)
    single = course.plot_grad(jnp.sin, xs, rules=stable_log1pexp)
    assert "stable_log1pexp" in single.curves


def test_a_rule_that_raises_without_a_message_is_named():
    def silent(x):
        raise ValueError()

    with pytest.raises(ValueError, match=r"^plot_grad: differentiating 'quiet' failed: "
                                         r"ValueError: ValueError\(\)$"):
        course.plot_grad(jnp.sin, jnp.linspace(0.0, 1.0, 5), rules={"quiet": silent})


def test_bad_inputs():
    with pytest.raises(TypeError, match="expects a function of one scalar, got int"):
        course.plot_grad(3, jnp.linspace(0.0, 1.0, 5))
    with pytest.raises(ValueError, match=r"1-D array of at least 2 points, got shape \(\)"):
        course.plot_grad(jnp.sin, 1.0)
    with pytest.raises(ValueError, match=r"map a scalar to a scalar, but fn\(x\) has shape \(2,\)"):
        course.plot_grad(lambda x: jnp.stack([x, x]), jnp.linspace(0.0, 1.0, 5))
    with pytest.raises(TypeError, match=r"rules\['r'\] should be a function, got str"):
        course.plot_grad(jnp.sin, jnp.linspace(0.0, 1.0, 5), rules={"r": "nope"})
    with pytest.raises(ValueError, match=r"the name 'autodiff' in rules is taken by plot_grad's"):
        course.plot_grad(jnp.sin, jnp.linspace(0.0, 1.0, 5), rules={"autodiff": jnp.sin})


def test_matplotlib_is_imported_by_the_first_plot_not_before():
    """Neither `import course` nor looking up course.plot_grad (which imports course.plots)
    loads matplotlib; drawing a plot does, which shows the probe would see it. (Graphviz is a
    `dot` program run when a graph is drawn, not a Python module: nothing to probe there.)"""
    import subprocess

    code = ("import sys, course, jax.numpy as jnp\n"
            "loaded = lambda: any(m.startswith('matplotlib') for m in sys.modules)\n"
            "at_import = loaded(); plot_grad = course.plot_grad; at_lookup = loaded()\n"
            "plot_grad(jnp.sin, jnp.linspace(0.0, 1.0, 5))\n"
            "print(at_import, at_lookup, loaded())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "True"]
