"""Lesson 2: slide x up to well past 100 and watch the naive derivative of log1pexp turn to
nan, while the custom rule stays at 1; the jaxpr of the naive gradient, with its values at
the current x, is shown beside the plot."""

from __future__ import annotations

import html

import ipywidgets as W
import jax
import jax.numpy as jnp
import numpy as np

import course
from course.jaxpr import format_trace

from .base import Explorer, finite_number


def naive_log1pexp(x):
    return jnp.log(1.0 + jnp.exp(x))


@jax.custom_jvp
def log1pexp(x):
    return jnp.log(1.0 + jnp.exp(x))


log1pexp.defjvps(lambda t, ans, x: (1 - 1 / (1 + jnp.exp(x))) * t)

X_MIN, X_MAX = -20.0, 150.0


class StabilityExplorer(Explorer):
    title = "stability explorer"

    def __init__(self, x: float = 3.0):
        super().__init__()
        self.naive_grad = jax.jit(jax.grad(naive_log1pexp))
        self.rule_grad = jax.jit(jax.grad(log1pexp))
        self.jaxpr = jax.make_jaxpr(jax.grad(naive_log1pexp))(jnp.float32(x))
        xs = np.linspace(X_MIN, X_MAX, 341, dtype=np.float32)
        naive = np.asarray(jax.vmap(self.naive_grad)(xs))
        rule = np.asarray(jax.vmap(self.rule_grad)(xs))
        self.nan_from = float(xs[np.argmax(~np.isfinite(naive))])

        ax = self.fig.subplots()
        ax.plot(xs, rule, lw=3, color="C1", label="custom_jvp rule")
        ax.plot(xs, np.where(np.isfinite(naive), naive, np.nan), color="C0", label="naive autodiff")
        ax.axvspan(self.nan_from, X_MAX, color="#e03131", alpha=0.12, lw=0)
        ax.axvline(self.nan_from, color="#e03131", ls="--", lw=1)
        ax.annotate(f"naive is nan from x ≈ {self.nan_from:g}", (self.nan_from, 0.5),
                    xytext=(4, 0), textcoords="offset points", color="#c92a2a", fontsize=9)
        self.cursor = ax.axvline(x, color="black", lw=1)
        (self.naive_dot,) = ax.plot([x], [0.0], "o", color="C0", ms=8)
        (self.rule_dot,) = ax.plot([x], [0.0], "s", color="C1", ms=6)
        ax.set(xlabel="x", ylabel="d/dx log(1 + exp(x))", ylim=(-0.1, 1.15), xlim=(X_MIN, X_MAX))
        ax.legend(loc="center left", fontsize=8)
        self.animated = [self.cursor, self.naive_dot, self.rule_dot]

        self.slider = W.FloatSlider(value=x, min=X_MIN, max=X_MAX, step=0.5, description="x",
                                    continuous_update=True, readout_format=".1f")
        self.slider.observe(lambda change: self.set_x(change["new"]), names="value")
        self.jaxpr_view = W.HTML(layout=W.Layout(width="430px"))
        self.widget = W.VBox([self.slider, self.status, self.message,
                              W.HBox([self.image, self.jaxpr_view])])
        self.set_x(x)

    def set_x(self, x) -> None:
        x = finite_number(x, "x")
        if isinstance(x, str):
            return self.show_error(x)
        x32 = jnp.float32(x)
        naive, rule = float(self.naive_grad(x32)), float(self.rule_grad(x32))
        self.cursor.set_xdata([x, x])
        self.naive_dot.set_data([x], [naive if np.isfinite(naive) else -0.05])
        self.naive_dot.set_color("#e03131" if not np.isfinite(naive) else "C0")
        self.rule_dot.set_data([x], [rule])
        self.redraw()
        trace = course.evaluate_jaxpr(self.jaxpr, [x32], "grad(log1pexp)")
        self.jaxpr_view.value = (f"<pre style='font-size:11px'>"
                                 f"{html.escape(format_trace(trace, values=True))}</pre>")
        note = "" if X_MIN <= x <= X_MAX else " (off the plot)"
        self.show_status({"x": x, "naive": naive, "rule": rule},
                         f"x = {x:g}{note}: naive autodiff = {naive}, custom_jvp rule = {rule}")


def stability_explorer(x: float = 3.0) -> StabilityExplorer:
    """An explorer of `grad(log1pexp)`: naive autodiff against the custom rule."""
    return StabilityExplorer(x)
