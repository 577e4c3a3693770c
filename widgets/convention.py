"""Lesson 3: a function on x >= 0 near its boundary at 0. Plain autodiff of the lesson's
`naive_f` against its custom rule `f`, next to the one-sided difference quotient, whose limit
at 0 is the convention the rule encodes.

All three are computed once, at every grid point of the slider, in one vectorized call; the
browser draws them as the slider moves."""

from __future__ import annotations

import jax
import numpy as np

from .arguments import Caller, name
from .base import BadInput, number
from .grid import Control, GridExplorer, grad_on_grid, numbers, on_grid, text32

H = 1e-3  # step of the one-sided difference quotient (f(x + h) - f(x)) / h
X_MAX, X_STEP = 1.0, 0.001
CALLER = Caller("convention_explorer", "lesson 3 (03_differentiation_conventions)",
                "widgets.convention_explorer(naive=naive_f, rule=f)")


def quotient_on_grid(naive):
    return jax.vmap(lambda x: (naive(x + H) - naive(x)) / H)


class ConventionExplorer(GridExplorer):
    title = "convention explorer"

    def __init__(self, naive, rule, x: float = 0.0):
        naive = CALLER.function(naive, "naive", "naive(x)", "the plain function, like naive_f,")
        rule = CALLER.function(rule, "rule", "rule(x)",
                               "the function with the custom_jvp rule, like f,")
        self.naive_name, self.rule_name = name(naive), name(rule)
        xs = np.linspace(0.0, X_MAX, round(X_MAX / X_STEP) + 1, dtype=np.float32)
        at = f"x = 0 to {X_MAX:g} (the explorer's grid)"
        autodiff = np.asarray(CALLER.run("naive", f"grad({self.naive_name})(x)", at,
                                         lambda: on_grid(grad_on_grid, naive)(xs)))
        quotient = np.asarray(CALLER.run("naive", f"{self.naive_name}(x + h)", at,
                                         lambda: on_grid(quotient_on_grid, naive)(xs)))
        rule_grad = np.asarray(CALLER.run("rule", f"grad({self.rule_name})(x)", at,
                                          lambda: on_grid(grad_on_grid, rule)(xs)))
        plot = {
            "xlabel": "x", "ylabel": "derivative", "xlim": [-0.02, X_MAX], "ylim": [0.4, 1.05],
            "curves": [
                {"label": f"grad({self.rule_name}), custom rule", "color": "#ff7f0e",
                 "width": 3, "xcontrol": 0, "y": numbers(rule_grad)},
                {"label": f"grad({self.naive_name}), plain autodiff", "color": "#1f77b4",
                 "xcontrol": 0, "y": numbers(autodiff)}],
            "marks": [{"label": "one-sided limit at 0: 1", "x": 0.0, "y": 1.0,
                       "symbol": "circle", "color": "black", "fill": "white"}],
            "cursor": 0,
            "points": [
                {"label": f"(f(x+h) - f(x)) / h, h = {H:g}", "color": "#2ca02c",
                 "symbol": "triangle", "control": 0, "by": [0], "ys": numbers(quotient)},
                {"label": f"grad({self.rule_name}) at x", "color": "#ff7f0e", "symbol": "square",
                 "control": 0, "by": [0], "curve": 0}],
        }
        self.setup(
            [Control("x", xs, ".3f")], plot,
            f"x = {{x}}: grad({self.naive_name}) = {{autodiff}}, grad({self.rule_name}) = "
            "{rule}, one-sided quotient = {quotient}",
            {"autodiff": ([0], autodiff, text32), "rule": ([0], rule_grad, text32),
             "quotient": ([0], quotient, lambda v: f"{v:.4f}")},
            {"x": x},
            f"grad({self.naive_name}) (plain autodiff) and grad({self.rule_name}) (custom rule)"
            f" for x from 0 to {X_MAX:g}, with the one-sided difference quotient at x; at x = 0 "
            f"plain autodiff gives {text32(autodiff[0])}, the rule {text32(rule_grad[0])}.")

    def parse(self, x):
        x = number(x, "x")
        if x < 0:
            raise BadInput(f"x = {x:g} is outside the domain: {self.naive_name} is defined for "
                           "x >= 0 only (sqrt of a negative number is nan).")
        return {"x": x}


def convention_explorer(*, naive, rule, x: float = 0.0) -> ConventionExplorer:
    """Slide `x` over [0, 1] and compare `jax.grad(naive)` with `jax.grad(rule)` and with the
    one-sided difference quotient of `naive`.

    Lesson 3: `convention_explorer(naive=naive_f, rule=f)`."""
    return ConventionExplorer(naive, rule, x)
