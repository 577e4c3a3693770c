"""The explorers, in-process, built with the lessons' own functions (tests/lesson_functions.py):
controls change the displayed data to the right values, bad input becomes a message in the
widget, bad arguments a short error naming the argument and the lesson, and updates reuse
compiled code."""

import ast
import re
from pathlib import Path

import jax
import jax.numpy as jnp
import jupytext
import lesson_functions as L
import numpy as np
import pytest

import course
import widgets
from widgets.grid import GridExplorer

ROOT = Path(__file__).resolve().parent.parent
RULE_APIS = {"custom_jvp", "custom_vjp", "defjvp", "defjvps", "defvjp"}


def build_stability(**kwargs):
    return widgets.stability_explorer(naive=L.naive_log1pexp, rule=L.log1pexp, **kwargs)


def build_convention(**kwargs):
    return widgets.convention_explorer(naive=L.naive_f, rule=L.f, **kwargs)


def build_clipping(**kwargs):
    return widgets.clipping_explorer(clip_gradient=L.clip_gradient, **kwargs)


def build_fixed_point(**kwargs):
    return widgets.fixed_point_explorer(solver=L.newton_sqrt, update=L.newton_update,
                                        reference=jnp.sqrt, **kwargs)


def build_stepper():
    return widgets.jaxpr_stepper(jax.grad(L.naive_log1pexp), 100.0)


@pytest.fixture
def stability():
    """A new explorer for each test: a test that moves it leaves no state to the next."""
    return build_stability()


def test_stability_values_follow_the_grid(stability):
    assert stability.apply(x=100.0)
    assert stability.values["x"] == 100.0
    assert np.isnan(stability.values["naive"]) and stability.values["rule"] == 1.0
    assert stability.status == "x = 100.0: grad(naive_log1pexp) = nan, grad(log1pexp) = 1.0"
    assert "first nan at [4]: mul(0.0, inf) = nan" in stability.beside_text()
    assert stability.beside_text().startswith("jaxpr of grad(naive_log1pexp)\n")
    assert stability.widget.index == [240]  # (100 - -20) / 0.5: the browser's slider moved
    assert stability.apply(x=3.0)
    assert stability.values["naive"] == pytest.approx(0.95257413)
    assert stability.values["rule"] == pytest.approx(0.95257413)
    assert stability.nan_from == 89.0  # the marker where the naive derivative turns nan
    assert stability.data["plot"]["bands"][0]["label"] == "nan from x = 89"


def test_stability_grid_holds_what_jax_computes_at_each_point(stability):
    """Every value sent to the browser is JAX's at that grid point, not interpolated."""
    control = stability.data["controls"][0]
    xs = np.array(control["values"], np.float32)
    assert (len(xs), xs[0], xs[-1], xs[1] - xs[0]) == (341, -20.0, 150.0, 0.5)
    naive, rule = (np.array([float(v) for v in curve["y"]], np.float32)
                   for curve in reversed(stability.data["plot"]["curves"]))
    for i in [0, 46, 200, 217, 218, 240, 340]:
        x = jnp.float32(xs[i])
        np.testing.assert_array_equal(naive[i], jax.grad(L.naive_log1pexp)(x))
        np.testing.assert_array_equal(rule[i], jax.grad(L.log1pexp)(x))
    assert stability.data["plot"]["curves"][1]["y"][240] == "NaN"  # nan as JavaScript reads it
    beside = stability.data["beside"]
    for i in [0, 240]:
        text = "\n".join("".join(beside["parts"][n] for n in line) for line in beside["rows"][i])
        expected = course.jaxpr.format_trace(course.evaluate_jaxpr(
            jax.make_jaxpr(jax.grad(L.naive_log1pexp))(jnp.float32(0)), [xs[i]],
            "grad(naive_log1pexp)"), values=True)
        assert text == expected


def test_stability_odd_inputs_are_messages(stability):
    assert not stability.apply(x=float("inf"))
    assert "x must be a finite number, got inf." in stability.error
    assert not stability.apply(x="abc")
    assert "x must be a number, got 'abc'." in stability.error
    assert not stability.apply(x=1e30)
    assert stability.error == ("x = 1e+30 is outside this explorer's grid, -20.0 to 150.0: its "
                               "values were computed there only.")
    assert stability.values["x"] == 3.0  # the last good state stays
    assert stability.apply(x=3.3)  # between grid points: snapped, and said so
    assert stability.values["x"] == 3.5 and stability.error is None
    assert stability.message == ("x = 3.3 is not a grid point of this explorer: shown at the "
                                 "nearest one, 3.5, where the values were computed.")
    assert stability.apply(x=4.0) and stability.message == ""


def test_stability_shows_the_rule_it_is_given():
    """The lesson's second rule (sigmoid) is finite far left, where the first one is 0: the
    explorer shows whichever it is passed."""
    first = build_stability(x=-20.0)
    second = widgets.stability_explorer(naive=L.naive_log1pexp, rule=L.stable_log1pexp, x=-20.0)
    assert first.values["rule"] == 0.0
    assert second.values["rule"] == pytest.approx(float(jax.nn.sigmoid(-20.0)), rel=1e-5)
    assert "grad(stable_log1pexp) = 2.06" in second.status


def test_convention_at_and_near_zero():
    explorer = build_convention()
    assert np.isnan(explorer.values["autodiff"]) and explorer.values["rule"] == 1.0
    assert explorer.values["quotient"] == pytest.approx(1 / (1 + np.sqrt(1e-3)), rel=1e-3)
    assert explorer.status.startswith("x = 0.000: grad(naive_f) = nan, grad(f) = 1.0, ")
    assert explorer.apply(x=0.25)
    expected = (0.5 + 2) / (2 * 1.5 ** 2)
    assert explorer.values["rule"] == pytest.approx(expected)
    assert explorer.values["autodiff"] == pytest.approx(expected)
    assert not explorer.apply(x=-1.0)
    assert "x = -1 is outside the domain: naive_f is defined for x >= 0" in explorer.error
    assert explorer.values["x"] == 0.25  # the last valid state stays displayed
    assert len(explorer.data["controls"][0]["values"]) == 1001  # a grid point every 0.001


def test_clipping_bounds_reshape_the_gradient():
    explorer = build_clipping()
    assert explorer.apply(lo=-0.375, hi=0.5)
    curve = explorer.data["plot"]["curves"][2]
    drawn = np.array(curve["ys"][explorer.flat(curve["by"])], np.float32)
    t = np.array(explorer.data["plot"]["curves"][2]["x"], np.float32)
    np.testing.assert_allclose(drawn, np.clip(np.cos(t), -0.375, 0.5), atol=1e-4)
    assert explorer.values["min"] == pytest.approx(-0.375) and explorer.values["max"] == 0.5
    assert explorer.status == "clip to [-0.375, 0.5]: the gradient now ranges over [-0.375, 0.500]"
    assert not explorer.apply(lo=0.5, hi=0.1)
    assert "lo = 0.5 is above hi = 0.1" in explorer.error
    assert explorer.apply(lo=-0.25)  # hi from its slider
    assert explorer.values["hi"] == 0.5
    assert explorer.apply(lo=-0.3)  # between grid points: snapped, and said so
    assert explorer.values["lo"] == -0.25 and "shown at the nearest one, -0.25" in explorer.message


def test_fixed_point_iterates_and_gradients():
    explorer = build_fixed_point(a=4.0, iterations=1)
    assert explorer.values["x_n"] == pytest.approx(2.5)  # 0.5 * (4 + 4 / 4)
    assert explorer.apply(iterations=6)
    assert explorer.values["x_n"] == pytest.approx(2.0)
    assert explorer.values["implicit"] == pytest.approx(0.25)
    assert explorer.values["reference"] == pytest.approx(0.25)
    assert explorer.apply(a=9.0)
    assert explorer.values["implicit"] == pytest.approx(1 / 6, rel=1e-6)
    assert "grad(newton_sqrt) = 0.1666667, grad(sqrt) = 0.1666667" in explorer.status
    assert not explorer.apply(a=-2.0, iterations=3)
    assert "needs a > 0" in explorer.error
    assert not explorer.apply(a=2.0, iterations=0)
    assert "iterations must be a whole number from 1 to 12, got 0." in explorer.error
    assert explorer.widget.index == [89, 5]  # a = 9.0, 6 iterations


def test_fixed_point_update_must_be_the_solvers_map():
    with pytest.raises(ValueError, match=r"update's iterates from x = a = 2 end at 1\.000244 "
                                         r"after 12 steps, but newton_sqrt\(2\) = 1\.414214"):
        widgets.fixed_point_explorer(solver=L.newton_sqrt, update=lambda a, x: 0.5 * (x + 1.0),
                                     reference=jnp.sqrt, a=2.0)


def test_stepper_walks_and_jumps_to_the_nan():
    stepper = build_stepper()
    assert stepper.current() == "exp(100.0) = inf"
    assert stepper.press("next")
    assert stepper.current() == "add(1.0, inf) = inf"
    assert stepper.jump_to_nan()
    assert stepper.current() == "mul(0.0, inf) = nan"
    assert stepper.status == "[4] mul(0.0, inf) = nan  <-- the first nan is born here"
    assert "> [4] e:f32[] = mul d b    # e = nan    <-- the first nan is born here" in (
        stepper.beside_text())
    stepper.press("next")  # past the end stays at the end
    assert stepper.at == 4
    stepper.press("previous")
    assert stepper.at == 3 and "# e = nan" not in stepper.beside_text()  # not evaluated yet
    finite = widgets.jaxpr_stepper(jnp.sin, 1.0)
    assert not finite.jump_to_nan() and finite.buttons["first nan"]["disabled"]


def test_text_form_is_short_and_deterministic():
    bundle, _ = build_clipping()._repr_mimebundle_()  # anywidget: (data, metadata)
    assert bundle["text/plain"] == (
        "<clipping explorer: lo = -0.75, hi = 0.75, min = -0.75, max = 0.75>")
    assert "application/vnd.jupyter.widget-view+json" in bundle
    stepper, _ = build_stepper()._repr_mimebundle_()
    assert stepper["text/plain"] == "<jaxpr stepper: 5 equations, at [0] exp(100.0) = inf>"


# Compilation: once when built, never when a control moves.

def test_count_compiles_counts_a_fresh_jit():
    """The positive control for the zero-recompile tests below: a new jitted function
    compiles once, and calling it again compiles nothing."""
    x = jnp.float32(2.0)
    fresh = jax.jit(lambda x: x * 3.0 + 1.0)
    with course.count_compiles() as first:
        fresh(x)
    with course.count_compiles() as again:
        fresh(x)
    assert (first[0], again[0]) == (1, 0)


MOVES = {
    "stability": (build_stability, {"x": np.linspace(-20, 150, 25)}),
    "convention": (build_convention, {"x": np.linspace(0, 1, 25)}),
    "clipping": (build_clipping, {"lo": np.linspace(-1.5, 0, 7), "hi": np.linspace(0, 1.5, 7)}),
    "fixed point": (build_fixed_point, {"a": np.linspace(0.1, 10, 7),
                                        "iterations": range(1, 13)}),
    "stepper": (build_stepper, {"equation": [0, 1, 2, 3, 4, 0]}),
}


@pytest.mark.parametrize("name", MOVES)
def test_building_compiles_and_moving_a_control_does_not(name):
    build, moves = MOVES[name]
    with course.count_compiles() as built:
        explorer = build()
    with course.count_compiles() as moved:
        for attribute, values in moves.items():
            for value in values:
                if isinstance(explorer, GridExplorer):  # drawn in the browser
                    assert explorer.apply(**{attribute: float(value)})
                else:
                    control = getattr(explorer, attribute)
                    control.value = type(control.value)(value)
    # The stepper runs no JAX after its trace; an explorer drawn in the browser computes its
    # grid with eager vmap calls, which earlier tests may have compiled already.
    if name != "stepper" and not isinstance(explorer, GridExplorer):
        assert built[0] > 0
        assert explorer.error is None
    assert moved[0] == 0


def test_no_rule_is_defined_in_widgets():
    """The explorers take the lessons' rules; none is written in widgets/."""
    for path in sorted((ROOT / "widgets").glob("*.py")):
        assert rule_api_uses(path.read_text()) == [], path.name
    # ... and the check finds one when there is one.
    assert rule_api_uses("import jax\n@jax.custom_jvp\ndef f(x):\n  return x\n"
                         "f.defjvps(lambda t, ans, x: t)\n") == ["custom_jvp", "defjvps"]
    assert rule_api_uses("from jax import custom_vjp as cv\n") == ["custom_vjp"]


def rule_api_uses(source: str) -> list[str]:
    """Names of JAX's custom-rule API used in `source` as code (not in strings)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            found.append(node.id)
        elif isinstance(node, ast.Attribute):
            found.append(node.attr)
        elif isinstance(node, ast.alias):
            found.append(node.name.split(".")[-1])
    return [name for name in found if name in RULE_APIS]


# Bad arguments: one short error naming the argument and the lesson, not a JAX traceback.

def not_a_float_function(x):
    return float(x) * 2  # fine on a float, fails under jit: a concrete value is needed


def two_arguments(x, y):
    return x * y


BAD_ARGUMENTS = [
    (lambda: widgets.stability_explorer(naive=L.naive_log1pexp, rule=3.0), TypeError,
     r"^stability_explorer: rule must be a function, got float 3\.0\. Pass the function with "
     r"the custom_jvp rule, like log1pexp, itself, without calling it, as in "
     r"widgets\.stability_explorer\(naive=naive_log1pexp, rule=log1pexp\) "
     r"\(lesson 2 \(02_numerical_stability\)\)\.$"),
    (lambda: widgets.stability_explorer(naive=L.naive_log1pexp(1.0), rule=L.log1pexp),
     TypeError, r"naive must be a function, got ArrayImpl Array\(1\.3132616"),
    (lambda: widgets.stability_explorer(naive=two_arguments, rule=L.log1pexp), TypeError,
     r"^stability_explorer: the explorer calls naive\(x\), with 1 argument, but "
     r"naive=two_arguments takes two_arguments\(x, y\) \(missing a required argument: 'y'\)\. "
     r"Pass the plain function, like naive_log1pexp,"),
    (lambda: widgets.stability_explorer(naive=L.naive_log1pexp, rule=not_a_float_function),
     ValueError,
     r"^stability_explorer: grad\(not_a_float_function\)\(x\) failed at x = -20 to 150 \(the "
     r"explorer's grid\), with "
     r"ConcretizationTypeError: Abstract tracer value encountered where concrete value is "
     r"expected.* The explorer runs rule under jax\.vmap and jax\.grad on float32 values\. "
     r"Check that rule is the function lesson 2 \(02_numerical_stability\) defines"),
    (lambda: widgets.stability_explorer(naive=L.naive_log1pexp, rule=max), ValueError,
     r"^stability_explorer: grad\(max\)\(x\) failed at x = -20 to 150 \(the explorer's grid\), "
     r"with TypeError: iteration over "
     r"a 0-d array\. The explorer runs rule under jax\.vmap"),
    (lambda: widgets.convention_explorer(naive=L.naive_f, rule=lambda x: x[0]), ValueError,
     r"^convention_explorer: grad\(<lambda>\)\(x\) failed at x = 0 to 1 \(the "
     r"explorer's grid\), with IndexError: Too many "
     r"indices"),
    (lambda: widgets.convention_explorer(naive=L.f, rule=L.clip_gradient), TypeError,
     r"the explorer calls rule\(x\), with 1 argument, but rule=clip_gradient takes "
     r"clip_gradient\(lo, hi, x\)"),
    (lambda: widgets.clipping_explorer(clip_gradient=L.log1pexp), TypeError,
     r"^clipping_explorer: the explorer calls clip_gradient\(lo, hi, x\), with 3 arguments, "
     r"but clip_gradient=log1pexp takes log1pexp\(x\) \(too many positional arguments\)\. Pass "
     r"the custom_vjp function clip_gradient, as in "
     r"widgets\.clipping_explorer\(clip_gradient=clip_gradient\) "
     r"\(lesson 4 \(04_gradient_clipping\)\)\.$"),
    (lambda: widgets.clipping_explorer(clip_gradient=lambda lo, hi, x: (x, x)), ValueError,
     r"^clipping_explorer: grad\(sin\(<lambda>\(lo, hi, t\)\)\) failed at lo = -1\.5 to 0, "
     r"hi = 0 to 1\.5 \(the explorer's grid\), with TypeError: sin requires ndarray or scalar "
     r"arguments, got "
     r"<class 'tuple'>"),
    (lambda: widgets.fixed_point_explorer(solver=L.newton_sqrt, update=L.newton_update,
                                          reference="sqrt"), TypeError,
     r"^fixed_point_explorer: reference must be a function, got str 'sqrt'\."),
    (lambda: widgets.fixed_point_explorer(solver=L.fixed_point, update=L.newton_update,
                                          reference=jnp.sqrt), TypeError,
     r"the explorer calls solver\(a\), with 1 argument, but solver=fixed_point takes "
     r"fixed_point\(f, a, x_guess\)"),
    # the five arrays are one call; when it fails, the function that failed is named
    (lambda: widgets.fixed_point_explorer(solver=L.newton_sqrt, update=lambda a, x: x[1],
                                          reference=jnp.sqrt), ValueError,
     r"^fixed_point_explorer: iterating update\(a, x\) from x = a failed at a = 0\.1 to 10 "
     r"\(the explorer's grid\), with IndexError: Too many indices"),
    (lambda: widgets.fixed_point_explorer(solver=L.newton_sqrt, update=L.newton_update,
                                          reference=lambda a: jnp.stack([a, a])), ValueError,
     r"^fixed_point_explorer: grad\(<lambda>\)\(a\) failed at a = 0\.1 to 10 \(the "
     r"explorer's grid\), with TypeError: Gradient only defined for scalar-output functions"),
]


@pytest.mark.parametrize("build, error, message", BAD_ARGUMENTS)
def test_bad_arguments_name_the_argument_and_the_lesson(build, error, message):
    with pytest.raises(error, match=message) as raised:
        build()
    assert raised.value.__suppress_context__ or raised.value.__context__ is None
    assert raised.traceback[-1].path.parent.name == "widgets"  # raised by us, not inside JAX


def test_missing_functions_are_named_by_python():
    with pytest.raises(TypeError, match="missing 2 required keyword-only arguments: 'naive' "
                                        "and 'rule'"):
        widgets.stability_explorer()


# The copies in lesson_functions.py are the lessons' code.

def copied_blocks() -> dict[str, list[str]]:
    """lesson name -> the paragraphs of lesson_functions.py copied from it."""
    text = (Path(__file__).parent / "lesson_functions.py").read_text()
    blocks = {}
    parts = re.split(r"^# from notebooks/(\S+)\.md\n", text, flags=re.M)
    for lesson, body in zip(parts[1::2], parts[2::2]):
        body = body.split("# end of the copies")[0]
        blocks[lesson] = [p.strip("\n") for p in re.split(r"\n\s*\n", body) if p.strip()]
    return blocks


def test_lesson_function_copies_match_the_lessons():
    blocks = copied_blocks()
    assert sorted(blocks) == ["02_numerical_stability", "03_differentiation_conventions",
                              "04_gradient_clipping", "10_implicit_differentiation"]
    for lesson, paragraphs in blocks.items():
        cells = [c.source for c in jupytext.read(ROOT / "notebooks" / f"{lesson}.md").cells
                 if c.cell_type == "code"]
        for paragraph in paragraphs:
            assert any(paragraph in cell for cell in cells), (
                f"{lesson} no longer has this code of tests/lesson_functions.py:\n{paragraph}")
