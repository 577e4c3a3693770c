"""Lesson 2: slide x up to well past 100 and watch the gradient of the lesson's naive
log1pexp turn to nan, while the lesson's custom rule stays at 1; the jaxpr of the naive
gradient, with its values at the current x, is shown beside the plot."""

from __future__ import annotations

import html

import ipywidgets as W
import jax
import jax.numpy as jnp
import numpy as np

import course
from course.jaxpr import format_trace

from .arguments import Caller, name
from .base import Explorer, number

X_MIN, X_MAX = -20.0, 150.0
CALLER = Caller("stability_explorer", "lesson 2 (02_numerical_stability)",
                "widgets.stability_explorer(naive=naive_log1pexp, rule=log1pexp)")


class StabilityExplorer(Explorer):
    title = "stability explorer"

    def __init__(self, naive, rule, x: float = 3.0):
        naive = CALLER.function(naive, "naive", "naive(x)",
                                "the plain function, like naive_log1pexp,")
        rule = CALLER.function(rule, "rule", "rule(x)",
                               "the function with the custom_jvp rule, like log1pexp,")
        self.naive_name, self.rule_name = name(naive), name(rule)
        self.slider = W.FloatSlider(value=x, min=X_MIN, max=X_MAX, step=0.5, description="x",
                                    continuous_update=True, readout_format=".1f")
        self.jaxpr_view = W.HTML(layout=W.Layout(width="430px"))
        super().__init__({"x": self.slider}, beside=self.jaxpr_view)

        x32 = jnp.float32(x)
        self.naive_grad = jax.jit(jax.grad(naive))
        self.rule_grad = jax.jit(jax.grad(rule))
        for argument, grad_fn, fn_name in [("naive", self.naive_grad, self.naive_name),
                                           ("rule", self.rule_grad, self.rule_name)]:
            CALLER.run(argument, f"grad({fn_name})(x)", f"x = {x:g}", lambda g=grad_fn: g(x32))
        self.jaxpr = jax.make_jaxpr(jax.grad(naive))(x32)
        xs = np.linspace(X_MIN, X_MAX, 341, dtype=np.float32)
        naive_curve = np.asarray(jax.vmap(self.naive_grad)(xs))
        rule_curve = np.asarray(jax.vmap(self.rule_grad)(xs))
        broken = ~np.isfinite(naive_curve)
        self.nan_from = float(xs[np.argmax(broken)]) if broken.any() else None

        ax = self.fig.subplots()
        ax.plot(xs, rule_curve, lw=3, color="C1", label=f"grad({self.rule_name}), custom rule")
        ax.plot(xs, np.where(broken, np.nan, naive_curve), color="C0",
                label=f"grad({self.naive_name}), plain autodiff")
        if self.nan_from is not None:
            ax.axvspan(self.nan_from, X_MAX, color="#e03131", alpha=0.12, lw=0)
            ax.axvline(self.nan_from, color="#e03131", ls="--", lw=1)
            ax.annotate(f"nan from x ≈ {self.nan_from:g}", (self.nan_from, 0.5),
                        xytext=(4, 0), textcoords="offset points", color="#c92a2a", fontsize=9)
        self.cursor = ax.axvline(x, color="black", lw=1)
        (self.naive_dot,) = ax.plot([x], [0.0], "o", color="C0", ms=8)
        (self.rule_dot,) = ax.plot([x], [0.0], "s", color="C1", ms=6)
        ax.set(xlabel="x", ylabel="derivative", ylim=(-0.1, 1.15), xlim=(X_MIN, X_MAX))
        ax.legend(loc="center left", fontsize=8)
        self.animated = [self.cursor, self.naive_dot, self.rule_dot]
        self.apply(x=x)

    def parse(self, x):
        return {"x": number(x, "x")}

    def update(self, x):
        x32 = jnp.float32(x)
        naive, rule = float(self.naive_grad(x32)), float(self.rule_grad(x32))
        self.cursor.set_xdata([x, x])
        self.naive_dot.set_data([x], [naive if np.isfinite(naive) else -0.05])
        self.naive_dot.set_color("#e03131" if not np.isfinite(naive) else "C0")
        self.rule_dot.set_data([x], [rule])
        note = "" if X_MIN <= x <= X_MAX else " (off the plot)"
        return ({"x": x, "naive": naive, "rule": rule},
                f"x = {x:g}{note}: grad({self.naive_name}) = {naive}, "
                f"grad({self.rule_name}) = {rule}")

    def update_beside(self, x):
        trace = course.evaluate_jaxpr(self.jaxpr, [jnp.float32(x)], f"grad({self.naive_name})")
        self.jaxpr_view.value = (f"<pre style='font-size:11px'>"
                                 f"{html.escape(format_trace(trace, values=True))}</pre>")


def stability_explorer(*, naive, rule, x: float = 3.0) -> StabilityExplorer:
    """Slide `x` and compare `jax.grad(naive)` (plain autodiff) with `jax.grad(rule)` (your
    custom rule) at that point, with the jaxpr of `grad(naive)` evaluated beside the plot.

    Lesson 2: `stability_explorer(naive=naive_log1pexp, rule=log1pexp)`."""
    return StabilityExplorer(naive, rule, x)
