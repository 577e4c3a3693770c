"""Lesson 4: sliders for lo and hi reshape the clipped gradient of sin."""

from __future__ import annotations

import ipywidgets as W
import jax
import jax.numpy as jnp
import numpy as np

from .base import Explorer, finite_number


@jax.custom_vjp
def clip_gradient(lo, hi, x):
    return x


clip_gradient.defvjp(lambda lo, hi, x: (x, (lo, hi)),
                     lambda res, g: (None, None, jnp.clip(g, *res)))

T = np.linspace(0, 10, 400, dtype=np.float32)


def clipped_grad_of_sin(lo, hi, t):
    """d/dt sin(clip_gradient(lo, hi, t)), one t at a time, under vmap."""
    return jax.vmap(jax.grad(lambda x: jnp.sin(clip_gradient(lo, hi, x))))(t)


class ClippingExplorer(Explorer):
    title = "clipping explorer"

    def __init__(self, lo: float = -0.75, hi: float = 0.75):
        super().__init__()
        self.curve_fn = jax.jit(clipped_grad_of_sin)  # lo, hi are traced: one compilation
        ax = self.fig.subplots()
        ax.plot(T, np.sin(T), color="black", lw=1, label="sin(t)")
        ax.plot(T, np.cos(T), color="#adb5bd", lw=1, ls="--", label="cos(t), unclipped")
        (self.curve,) = ax.plot(T, np.cos(T), color="C1", lw=2.5, label="clipped gradient")
        self.lo_line = ax.axhline(lo, color="C1", lw=0.8, ls=":")
        self.hi_line = ax.axhline(hi, color="C1", lw=0.8, ls=":")
        ax.set(xlabel="t", ylim=(-1.6, 1.6))
        ax.legend(fontsize=8, loc="lower left", ncol=3)
        self.animated = [self.curve, self.lo_line, self.hi_line]
        self.lo = W.FloatSlider(value=lo, min=-1.5, max=0.0, step=0.05, description="lo")
        self.hi = W.FloatSlider(value=hi, min=0.0, max=1.5, step=0.05, description="hi")
        for control in (self.lo, self.hi):
            control.observe(lambda change: self.set_bounds(self.lo.value, self.hi.value),
                            names="value")
        self.widget = W.VBox([W.HBox([self.lo, self.hi]), self.status, self.message, self.image])
        self.set_bounds(lo, hi)

    def set_bounds(self, lo, hi) -> None:
        lo, hi = finite_number(lo, "lo"), finite_number(hi, "hi")
        for bad in (lo, hi):
            if isinstance(bad, str):
                return self.show_error(bad)
        if lo > hi:
            return self.show_error(f"lo = {lo:g} is above hi = {hi:g}: jnp.clip(g, lo, hi) "
                                   "would not be a clip. Keep lo <= hi.")
        grads = np.asarray(self.curve_fn(jnp.float32(lo), jnp.float32(hi), T))
        self.curve.set_ydata(grads)
        self.lo_line.set_ydata([lo, lo])
        self.hi_line.set_ydata([hi, hi])
        self.redraw()
        self.show_status({"lo": lo, "hi": hi, "min": float(grads.min()), "max": float(grads.max())},
                         f"clip to [{lo:g}, {hi:g}]: the gradient now ranges over "
                         f"[{grads.min():.3f}, {grads.max():.3f}]")


def clipping_explorer(lo: float = -0.75, hi: float = 0.75) -> ClippingExplorer:
    """An explorer of `clip_gradient` applied before `sin`."""
    return ClippingExplorer(lo, hi)
