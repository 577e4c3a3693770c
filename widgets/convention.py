"""Lesson 3: x / (1 + sqrt(x)) near 0. Default autodiff against the custom rule, next to the
one-sided difference quotient, whose limit at 0 is the convention the rule encodes."""

from __future__ import annotations

import ipywidgets as W
import jax
import jax.numpy as jnp
import numpy as np

from .base import Explorer, finite_number


def naive_f(x):
    return x / (1 + jnp.sqrt(x))


@jax.custom_jvp
def f(x):
    return x / (1 + jnp.sqrt(x))


f.defjvps(lambda t, ans, x: ((jnp.sqrt(x) + 2) / (2 * (jnp.sqrt(x) + 1) ** 2)) * t)

H = 1e-3  # step of the one-sided difference quotient (f(x + h) - f(x)) / h
X_MAX = 1.0


class ConventionExplorer(Explorer):
    title = "convention explorer"

    def __init__(self, x: float = 0.0):
        super().__init__()
        self.naive_grad = jax.jit(jax.grad(naive_f))
        self.rule_grad = jax.jit(jax.grad(f))
        self.quotient = jax.jit(lambda x: (naive_f(x + H) - naive_f(x)) / H)
        xs = np.linspace(0.0, X_MAX, 201, dtype=np.float32)
        ax = self.fig.subplots()
        ax.plot(xs, np.asarray(jax.vmap(self.rule_grad)(xs)), lw=3, color="C1",
                label="custom_jvp rule")
        naive = np.asarray(jax.vmap(self.naive_grad)(xs))
        ax.plot(xs, np.where(np.isfinite(naive), naive, np.nan), color="C0",
                label="default autodiff (nan at 0)")
        ax.plot([0.0], [1.0], "o", mfc="white", color="black", ms=7,
                label="one-sided limit at 0: 1")
        self.cursor = ax.axvline(x, color="black", lw=1)
        (self.quotient_dot,) = ax.plot([x], [1.0], "^", color="C2", ms=8,
                                       label=f"(f(x+h) - f(x)) / h, h = {H:g}")
        (self.rule_dot,) = ax.plot([x], [1.0], "s", color="C1", ms=6)
        ax.set(xlabel="x", ylabel="f'(x)", xlim=(-0.02, X_MAX), ylim=(0.4, 1.05))
        ax.legend(fontsize=8, loc="upper right")
        self.animated = [self.cursor, self.quotient_dot, self.rule_dot]

        self.slider = W.FloatSlider(value=x, min=0.0, max=X_MAX, step=0.001, description="x",
                                    readout_format=".3f")
        self.slider.observe(lambda change: self.set_x(change["new"]), names="value")
        self.widget = W.VBox([self.slider, self.status, self.message, self.image])
        self.set_x(x)

    def set_x(self, x) -> None:
        x = finite_number(x, "x")
        if isinstance(x, str):
            return self.show_error(x)
        if x < 0:
            return self.show_error(f"x = {x:g} is outside the domain: f(x) = x / (1 + sqrt(x)) "
                                   "is defined for x >= 0 only (sqrt of a negative is nan).")
        x32 = jnp.float32(x)
        naive, rule = float(self.naive_grad(x32)), float(self.rule_grad(x32))
        quotient = float(self.quotient(x32))
        self.cursor.set_xdata([x, x])
        self.quotient_dot.set_data([x], [quotient])
        self.rule_dot.set_data([x], [rule])
        self.redraw()
        self.show_status({"x": x, "autodiff": naive, "rule": rule, "quotient": quotient},
                         f"x = {x:g}: default autodiff = {naive}, custom rule = {rule}, "
                         f"one-sided quotient = {quotient:.4f}")


def convention_explorer(x: float = 0.0) -> ConventionExplorer:
    """An explorer of the derivative of x / (1 + sqrt(x)) near its boundary at 0."""
    return ConventionExplorer(x)
