"""Lesson 3: a function on x >= 0 near its boundary at 0. Plain autodiff of the lesson's
`naive_f` against its custom rule `f`, next to the one-sided difference quotient, whose limit
at 0 is the convention the rule encodes."""

from __future__ import annotations

import ipywidgets as W
import jax
import jax.numpy as jnp
import numpy as np

from .arguments import Caller, name
from .base import BadInput, Explorer, number

H = 1e-3  # step of the one-sided difference quotient (f(x + h) - f(x)) / h
X_MAX = 1.0
CALLER = Caller("convention_explorer", "lesson 3 (03_differentiation_conventions)",
                "widgets.convention_explorer(naive=naive_f, rule=f)")


class ConventionExplorer(Explorer):
    title = "convention explorer"

    def __init__(self, naive, rule, x: float = 0.0):
        naive = CALLER.function(naive, "naive", "naive(x)", "the plain function, like naive_f,")
        rule = CALLER.function(rule, "rule", "rule(x)",
                               "the function with the custom_jvp rule, like f,")
        self.naive_name, self.rule_name = name(naive), name(rule)
        self.slider = W.FloatSlider(value=x, min=0.0, max=X_MAX, step=0.001, description="x",
                                    readout_format=".3f")
        super().__init__({"x": self.slider})

        self.naive_grad = jax.jit(jax.grad(naive))
        self.rule_grad = jax.jit(jax.grad(rule))
        self.quotient = jax.jit(lambda x: (naive(x + H) - naive(x)) / H)
        x32 = jnp.float32(max(x, 0.0))
        for argument, fn, what in [("naive", self.naive_grad, f"grad({self.naive_name})(x)"),
                                   ("naive", self.quotient, f"{self.naive_name}(x + h)"),
                                   ("rule", self.rule_grad, f"grad({self.rule_name})(x)")]:
            CALLER.run(argument, what, f"x = {float(x32):g}", lambda fn=fn: fn(x32))
        xs = np.linspace(0.0, X_MAX, 201, dtype=np.float32)
        ax = self.fig.subplots()
        ax.plot(xs, np.asarray(jax.vmap(self.rule_grad)(xs)), lw=3, color="C1",
                label=f"grad({self.rule_name}), custom rule")
        naive_curve = np.asarray(jax.vmap(self.naive_grad)(xs))
        ax.plot(xs, np.where(np.isfinite(naive_curve), naive_curve, np.nan), color="C0",
                label=f"grad({self.naive_name}), plain autodiff")
        ax.plot([0.0], [1.0], "o", mfc="white", color="black", ms=7,
                label="one-sided limit at 0: 1")
        self.cursor = ax.axvline(x, color="black", lw=1)
        (self.quotient_dot,) = ax.plot([x], [1.0], "^", color="C2", ms=8,
                                       label=f"(f(x+h) - f(x)) / h, h = {H:g}")
        (self.rule_dot,) = ax.plot([x], [1.0], "s", color="C1", ms=6)
        ax.set(xlabel="x", ylabel="derivative", xlim=(-0.02, X_MAX), ylim=(0.4, 1.05))
        ax.legend(fontsize=8, loc="upper right")
        self.animated = [self.cursor, self.quotient_dot, self.rule_dot]
        self.apply(x=x)

    def parse(self, x):
        x = number(x, "x")
        if x < 0:
            raise BadInput(f"x = {x:g} is outside the domain: {self.naive_name} is defined for "
                           "x >= 0 only (sqrt of a negative number is nan).")
        return {"x": x}

    def update(self, x):
        x32 = jnp.float32(x)
        naive, rule = float(self.naive_grad(x32)), float(self.rule_grad(x32))
        quotient = float(self.quotient(x32))
        self.cursor.set_xdata([x, x])
        self.quotient_dot.set_data([x], [quotient])
        self.rule_dot.set_data([x], [rule])
        return ({"x": x, "autodiff": naive, "rule": rule, "quotient": quotient},
                f"x = {x:g}: grad({self.naive_name}) = {naive}, grad({self.rule_name}) = {rule}, "
                f"one-sided quotient = {quotient:.4f}")


def convention_explorer(*, naive, rule, x: float = 0.0) -> ConventionExplorer:
    """Slide `x` over [0, 1] and compare `jax.grad(naive)` with `jax.grad(rule)` and with the
    one-sided difference quotient of `naive`.

    Lesson 3: `convention_explorer(naive=naive_f, rule=f)`."""
    return ConventionExplorer(naive, rule, x)
