"""Lesson 4: sliders for lo and hi reshape the gradient of sin(clip_gradient(lo, hi, t)), with
the lesson's own `clip_gradient`."""

from __future__ import annotations

import ipywidgets as W
import jax
import jax.numpy as jnp
import numpy as np

from .arguments import Caller, name
from .base import BadInput, Explorer, number

T = np.linspace(0, 10, 400, dtype=np.float32)
CALLER = Caller("clipping_explorer", "lesson 4 (04_gradient_clipping)",
                "widgets.clipping_explorer(clip_gradient=clip_gradient)")


class ClippingExplorer(Explorer):
    title = "clipping explorer"

    def __init__(self, clip_gradient, lo: float = -0.75, hi: float = 0.75):
        clip = CALLER.function(clip_gradient, "clip_gradient", "clip_gradient(lo, hi, x)",
                               "the custom_vjp function clip_gradient")
        fn_name = name(clip)

        def clipped_sin(lo, hi, t):
            """sin(clip_gradient(lo, hi, t)) and its derivative in t, one t at a time."""
            return jax.vmap(jax.value_and_grad(lambda x: jnp.sin(clip(lo, hi, x))))(t)

        self.curve_fn = jax.jit(clipped_sin)  # lo, hi are traced: one compilation
        self.lo = W.FloatSlider(value=lo, min=-1.5, max=0.0, step=0.05, description="lo")
        self.hi = W.FloatSlider(value=hi, min=0.0, max=1.5, step=0.05, description="hi")
        super().__init__({"lo": self.lo, "hi": self.hi})
        forward, _ = CALLER.run(
            "clip_gradient", f"grad(sin({fn_name}(lo, hi, t)))", f"lo = {lo:g}, hi = {hi:g}",
            lambda: self.curve_fn(jnp.float32(lo), jnp.float32(hi), T))
        ax = self.fig.subplots()
        ax.plot(T, np.asarray(forward), color="black", lw=1, label=f"sin({fn_name}(lo, hi, t))")
        ax.plot(T, np.cos(T), color="#adb5bd", lw=1, ls="--", label="cos(t), unclipped")
        (self.curve,) = ax.plot(T, np.cos(T), color="C1", lw=2.5, label="its gradient")
        self.lo_line = ax.axhline(lo, color="C1", lw=0.8, ls=":")
        self.hi_line = ax.axhline(hi, color="C1", lw=0.8, ls=":")
        ax.set(xlabel="t", ylim=(-1.6, 1.6))
        ax.legend(fontsize=8, loc="lower left", ncol=3)
        self.animated = [self.curve, self.lo_line, self.hi_line]
        self.apply(lo=lo, hi=hi)

    def parse(self, lo, hi):
        lo, hi = number(lo, "lo"), number(hi, "hi")
        if lo > hi:
            raise BadInput(f"lo = {lo:g} is above hi = {hi:g}: jnp.clip(g, lo, hi) would not "
                           "be a clip. Keep lo <= hi.")
        return {"lo": lo, "hi": hi}

    def update(self, lo, hi):
        _, grads = self.curve_fn(jnp.float32(lo), jnp.float32(hi), T)
        grads = np.asarray(grads)
        self.curve.set_ydata(grads)
        self.lo_line.set_ydata([lo, lo])
        self.hi_line.set_ydata([hi, hi])
        return ({"lo": lo, "hi": hi, "min": float(grads.min()), "max": float(grads.max())},
                f"clip to [{lo:g}, {hi:g}]: the gradient now ranges over "
                f"[{grads.min():.3f}, {grads.max():.3f}]")


def clipping_explorer(*, clip_gradient, lo: float = -0.75, hi: float = 0.75) -> ClippingExplorer:
    """Slide `lo` and `hi` and watch the gradient of `sin(clip_gradient(lo, hi, t))` over
    t in [0, 10], with your `clip_gradient(lo, hi, x)`.

    Lesson 4: `clipping_explorer(clip_gradient=clip_gradient)`."""
    return ClippingExplorer(clip_gradient, lo, hi)
