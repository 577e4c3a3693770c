"""Lesson 2: slide x up to well past 100 and watch the gradient of the lesson's naive
log1pexp turn to nan, while the lesson's custom rule stays at 1; the jaxpr of the naive
gradient, with its values at the current x, is shown beside the plot.

Both gradients and the jaxpr's values are computed once, at every grid point of the slider,
in one vectorized call each; the browser draws them as the slider moves."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

import course
from course.jaxpr import Trace, format_trace

from .arguments import Caller, name
from .grid import (
    Control,
    GridExplorer,
    grad_on_grid,
    line_table,
    numbers,
    on_grid,
    text32,
)

X_MIN, X_MAX, X_STEP = -20.0, 150.0, 0.5
CALLER = Caller("stability_explorer", "lesson 2 (02_numerical_stability)",
                "widgets.stability_explorer(naive=naive_log1pexp, rule=log1pexp)")


class StabilityExplorer(GridExplorer):
    title = "stability explorer"

    def __init__(self, naive, rule, x: float = 3.0):
        naive = CALLER.function(naive, "naive", "naive(x)",
                                "the plain function, like naive_log1pexp,")
        rule = CALLER.function(rule, "rule", "rule(x)",
                               "the function with the custom_jvp rule, like log1pexp,")
        self.naive_name, self.rule_name = name(naive), name(rule)
        xs = np.arange(X_MIN, X_MAX + X_STEP / 2, X_STEP, dtype=np.float32)
        at = f"x = {X_MIN:g} to {X_MAX:g} (the explorer's grid)"
        naive_grad = np.asarray(CALLER.run("naive", f"grad({self.naive_name})(x)", at,
                                           lambda: on_grid(grad_on_grid, naive)(xs)))
        rule_grad = np.asarray(CALLER.run("rule", f"grad({self.rule_name})(x)", at,
                                          lambda: on_grid(grad_on_grid, rule)(xs)))
        broken = ~np.isfinite(naive_grad)
        self.nan_from = float(xs[np.argmax(broken)]) if broken.any() else None

        jaxpr = jax.make_jaxpr(jax.grad(naive))(jnp.float32(x))
        trace = course.evaluate_jaxpr(jaxpr, [xs], f"grad({self.naive_name})")
        texts = [format_trace(at_point(trace, i), values=True) for i in range(len(xs))]

        naive_label = f"grad({self.naive_name}), plain autodiff"
        rule_label = f"grad({self.rule_name}), custom rule"
        plot = {
            "xlabel": "x", "ylabel": "derivative", "xlim": [X_MIN, X_MAX], "ylim": [-0.1, 1.15],
            "curves": [
                {"label": rule_label, "color": "#ff7f0e", "width": 3, "xcontrol": 0,
                 "y": numbers(rule_grad)},
                {"label": naive_label, "color": "#1f77b4", "width": 1.5, "xcontrol": 0,
                 "y": numbers(naive_grad)}],
            "cursor": 0,
            "points": [
                {"label": f"grad({self.naive_name}) at x", "color": "#1f77b4",
                 "symbol": "circle", "control": 0, "by": [0], "curve": 1},
                {"label": f"grad({self.rule_name}) at x", "color": "#ff7f0e",
                 "symbol": "square", "control": 0, "by": [0], "curve": 0}],
        }
        if self.nan_from is not None:
            plot["bands"] = [{"from": self.nan_from, "to": X_MAX, "color": "#e03131",
                              "label": f"nan from x = {self.nan_from:g}"}]
        self.setup(
            [Control("x", xs, ".1f")], plot,
            f"x = {{x}}: grad({self.naive_name}) = {{naive}}, grad({self.rule_name}) = {{rule}}",
            {"naive": ([0], naive_grad, text32), "rule": ([0], rule_grad, text32)},
            {"x": x},
            f"The derivatives grad({self.naive_name}) (plain autodiff) and grad({self.rule_name})"
            f" (custom rule) for x from {X_MIN:g} to {X_MAX:g}"
            + (f"; the plain one is nan from x = {self.nan_from:g} on." if self.nan_from
               is not None else "."),
            beside={"label": f"jaxpr of grad({self.naive_name}) with its values at x",
                    "by": [0]} | line_table(texts))


def at_point(trace: Trace, i: int) -> Trace:
    """One grid point of a trace evaluated on the whole grid at once (every value that has
    the grid as an extra leading axis, indexed at `i`)."""
    def pick(value):
        if value.value is not None and np.ndim(value.value) == len(value.shape) + 1:
            return dataclasses.replace(value, value=value.value[i])
        return value

    records = [dataclasses.replace(r, inputs=tuple(map(pick, r.inputs)),
                                   outputs=tuple(map(pick, r.outputs))) for r in trace.records]
    return Trace(trace.name, tuple(map(pick, trace.inputs)), tuple(map(pick, trace.outputs)),
                 records, trace.aliases)


def stability_explorer(*, naive, rule, x: float = 3.0) -> StabilityExplorer:
    """Slide `x` and compare `jax.grad(naive)` (plain autodiff) with `jax.grad(rule)` (your
    custom rule) at that point, with the jaxpr of `grad(naive)` evaluated beside the plot.

    Lesson 2: `stability_explorer(naive=naive_log1pexp, rule=log1pexp)`."""
    return StabilityExplorer(naive, rule, x)
