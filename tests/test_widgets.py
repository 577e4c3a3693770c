"""The explorers, in-process: controls change the displayed data to the right values, bad
input becomes a message in the widget, and updates reuse compiled code."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import course
import widgets


@pytest.fixture(scope="module")
def stability():
    return widgets.stability_explorer()


def test_stability_values_follow_the_slider(stability):
    stability.slider.value = 100.0
    assert stability.values["x"] == 100.0
    assert np.isnan(stability.values["naive"]) and stability.values["rule"] == 1.0
    assert "naive autodiff = nan, custom_jvp rule = 1.0" in stability.status.value
    assert "first nan at [4]: mul(0.0, inf) = nan" in stability.jaxpr_view.value
    stability.slider.value = 3.0
    assert stability.values["naive"] == pytest.approx(0.95257413)
    assert stability.values["rule"] == pytest.approx(0.95257413)
    assert stability.cursor.get_xdata()[0] == 3.0
    assert stability.nan_from == 89.0  # the marker where the naive derivative turns nan


def test_stability_odd_inputs_are_messages(stability):
    stability.set_x(float("inf"))
    assert "x must be a finite number, got inf." in stability.error
    stability.set_x("abc")
    assert "x must be a number, got 'abc'." in stability.error
    stability.set_x(1e30)
    assert stability.error is None and "off the plot" in stability.status.value
    assert stability.values["rule"] == 1.0


def test_stability_updates_do_not_recompile(stability):
    with course.count_compiles() as compiles:
        for x in np.linspace(-20, 150, 25):
            stability.slider.value = float(x)
    assert compiles[0] == 0


def test_convention_at_and_near_zero():
    explorer = widgets.convention_explorer()
    assert np.isnan(explorer.values["autodiff"]) and explorer.values["rule"] == 1.0
    assert explorer.values["quotient"] == pytest.approx(1 / (1 + np.sqrt(1e-3)), rel=1e-3)
    explorer.slider.value = 0.25
    expected = (0.5 + 2) / (2 * 1.5 ** 2)
    assert explorer.values["rule"] == pytest.approx(expected)
    assert explorer.values["autodiff"] == pytest.approx(expected)
    explorer.set_x(-1.0)
    assert "outside the domain" in explorer.error
    assert explorer.values["x"] == 0.25  # the last valid state stays displayed


def test_clipping_bounds_reshape_the_gradient():
    explorer = widgets.clipping_explorer()
    explorer.lo.value = -0.3
    explorer.hi.value = 0.5
    curve = explorer.curve.get_ydata()
    t = widgets.clipping.T
    np.testing.assert_allclose(curve, np.clip(np.cos(t), -0.3, 0.5), atol=1e-6)
    assert explorer.values["min"] == pytest.approx(-0.3) and explorer.values["max"] == 0.5
    explorer.set_bounds(0.5, 0.1)
    assert "lo = 0.5 is above hi = 0.1" in explorer.error
    with course.count_compiles() as compiles:
        explorer.lo.value = -1.0
        explorer.hi.value = 1.2
    assert compiles[0] == 0


def test_fixed_point_iterates_and_gradients():
    explorer = widgets.fixed_point_explorer(a=4.0, iterations=1)
    assert explorer.values["x_n"] == pytest.approx(2.5)  # 0.5 * (4 + 4 / 4)
    explorer.n.value = 6
    assert explorer.values["x_n"] == pytest.approx(2.0)
    assert explorer.values["implicit"] == pytest.approx(0.25)
    assert explorer.values["sqrt_grad"] == pytest.approx(0.25)
    explorer.a.value = 9.0
    assert explorer.values["implicit"] == pytest.approx(1 / 6, rel=1e-6)
    explorer.set(-2.0, 3)
    assert "needs a > 0" in explorer.error
    explorer.set(2.0, 0)
    assert "iterations must be a whole number from 1 to 12, got 0." in explorer.error


def test_stepper_walks_and_jumps_to_the_nan():
    def log1pexp(x):
        return jnp.log(1.0 + jnp.exp(x))

    stepper = widgets.jaxpr_stepper(jax.grad(log1pexp), 100.0)
    assert stepper.current() == "exp(100.0) = inf"
    stepper.next.click()
    assert stepper.current() == "add(1.0, inf) = inf"
    stepper.to_nan.click()
    assert stepper.current() == "mul(0.0, inf) = nan"
    assert "the first nan is born here" in stepper.view.value
    stepper.next.click()  # past the end stays at the end
    assert stepper.position == 4
    finite = widgets.jaxpr_stepper(jnp.sin, 1.0)
    assert finite.to_nan.disabled


def test_text_form_is_short_and_deterministic():
    bundle = widgets.clipping_explorer()._repr_mimebundle_()
    assert bundle["text/plain"] == (
        "<clipping explorer: lo = -0.75, hi = 0.75, min = -0.75, max = 0.75>")
    assert "application/vnd.jupyter.widget-view+json" in bundle
