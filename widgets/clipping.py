"""Lesson 4: sliders for lo and hi reshape the gradient of sin(clip_gradient(lo, hi, t)), with
the lesson's own `clip_gradient`.

The gradient is computed once for every pair of grid points (lo, hi), in one vectorized call;
the browser draws the curve of the pair the sliders are on."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .arguments import Caller, name
from .base import BadInput, number
from .grid import Control, GridExplorer, numbers, on_grid

T = np.linspace(0, 10, 121, dtype=np.float32)
STEP = 0.125  # of both sliders: 13 x 13 pairs of (lo, hi)
LOS = np.arange(-1.5, 0 + STEP / 2, STEP, dtype=np.float32)
HIS = np.arange(0, 1.5 + STEP / 2, STEP, dtype=np.float32)
CALLER = Caller("clipping_explorer", "lesson 4 (04_gradient_clipping)",
                "widgets.clipping_explorer(clip_gradient=clip_gradient)")


def pairs_on_grid(clip):
    """sin(clip(lo, hi, t)) and its derivative in t, for every t, at every pair (lo, hi)."""
    def clipped_sin(lo, hi, t):
        return jax.vmap(jax.value_and_grad(lambda x: jnp.sin(clip(lo, hi, x))))(t)
    return jax.vmap(jax.vmap(clipped_sin, (None, 0, None)), (0, None, None))


class ClippingExplorer(GridExplorer):
    title = "clipping explorer"

    def __init__(self, clip_gradient, lo: float = -0.75, hi: float = 0.75):
        clip = CALLER.function(clip_gradient, "clip_gradient", "clip_gradient(lo, hi, x)",
                               "the custom_vjp function clip_gradient")
        fn_name = name(clip)

        forward, grads = CALLER.run(
            "clip_gradient", f"grad(sin({fn_name}(lo, hi, t)))",
            f"lo = {LOS[0]:g} to {LOS[-1]:g}, hi = {HIS[0]:g} to {HIS[-1]:g} (the explorer's "
            "grid)", lambda: on_grid(pairs_on_grid, clip)(LOS, HIS, T))
        forward, grads = np.asarray(forward), np.asarray(grads)  # (lo, hi, t)
        plot = {
            "xlabel": "t", "ylabel": "", "xlim": [0, 10], "ylim": [-1.6, 1.6],
            "curves": [
                {"label": f"sin({fn_name}(lo, hi, t))", "color": "black", "width": 1,
                 "x": numbers(T), "y": numbers(forward[0, 0], 5)},
                {"label": "cos(t), unclipped", "color": "#adb5bd", "width": 1, "dash": "4 3",
                 "x": numbers(T), "y": numbers(np.cos(T), 5)},
                {"label": "its gradient", "color": "#ff7f0e", "width": 2.5, "x": numbers(T),
                 "by": [0, 1], "ys": [numbers(g, 5) for g in grads.reshape(-1, len(T))]}],
            "hlines": [{"label": "", "color": "#ff7f0e", "dash": "2 2", "by": [0],
                        "ys": numbers(LOS)},
                       {"label": "", "color": "#ff7f0e", "dash": "2 2", "by": [1],
                        "ys": numbers(HIS)}],
        }
        self.setup(
            [Control("lo", LOS, ".3g"), Control("hi", HIS, ".3g")], plot,
            "clip to [{lo}, {hi}]: the gradient now ranges over [{min}, {max}]",
            {"min": ([0, 1], grads.min(axis=2), lambda v: f"{v:.3f}"),
             "max": ([0, 1], grads.max(axis=2), lambda v: f"{v:.3f}")},
            {"lo": lo, "hi": hi},
            f"sin({fn_name}(lo, hi, t)) for t from 0 to 10, and its gradient in t, clipped to "
            "[lo, hi], against cos(t) unclipped.")

    def parse(self, lo, hi):
        lo, hi = number(lo, "lo"), number(hi, "hi")
        if lo > hi:
            raise BadInput(f"lo = {lo:g} is above hi = {hi:g}: jnp.clip(g, lo, hi) would not "
                           "be a clip. Keep lo <= hi.")
        return {"lo": lo, "hi": hi}


def clipping_explorer(*, clip_gradient, lo: float = -0.75, hi: float = 0.75) -> ClippingExplorer:
    """Slide `lo` and `hi` and watch the gradient of `sin(clip_gradient(lo, hi, t))` over
    t in [0, 10], with your `clip_gradient(lo, hi, x)`.

    Lesson 4: `clipping_explorer(clip_gradient=clip_gradient)`."""
    return ClippingExplorer(clip_gradient, lo, hi)
