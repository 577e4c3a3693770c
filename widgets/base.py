"""What every explorer shares: a figure redrawn in place into an Image, a status line, a
message area for bad input, and a short deterministic text form for notebooks and nbval."""

from __future__ import annotations

import html
import io
import math

import ipywidgets as W
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

FIG_DPI = 72


class Explorer:
    """Base class. Subclasses build controls and artists once, then `update()` changes data."""

    title = "explorer"

    def __init__(self, figsize=(6.4, 3.6)):
        self.fig = Figure(figsize=figsize, dpi=FIG_DPI, layout="constrained")
        FigureCanvasAgg(self.fig)
        self.image = W.Image(format="png", layout=W.Layout(width=f"{figsize[0] * FIG_DPI}px"))
        self.status = W.HTML(layout=W.Layout(min_height="2.5em"))
        self.message = W.HTML()
        self.values: dict[str, float] = {}
        self.animated: list = []  # artists redrawn on every update
        self._background = None
        self.error: str | None = None

    def redraw(self) -> None:
        """Blit: the static part is rendered once; each update redraws only `self.animated`
        (the artists whose data changed) onto it and encodes the pixels as PNG."""
        canvas = self.fig.canvas
        if self._background is None:
            for artist in self.animated:
                artist.set_animated(True)
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.fig.bbox)
        canvas.restore_region(self._background)
        for artist in self.animated:
            artist.axes.draw_artist(artist)
        buffer = io.BytesIO()
        PIL.Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buffer, format="png",
                                                                   compress_level=1)
        self.image.value = buffer.getvalue()

    def show_status(self, values: dict[str, float], text: str) -> None:
        self.values = values
        self.error = None
        self.message.value = ""
        self.status.value = f"<code>{html.escape(text)}</code>"

    def show_error(self, text: str) -> None:
        """Bad input is reported in the widget, never raised into the kernel log."""
        self.error = text
        self.message.value = f'<span style="color:#c92a2a">{html.escape(text)}</span>'

    def summary(self) -> str:
        shown = ", ".join(f"{k} = {fmt(v)}" for k, v in self.values.items())
        return f"<{self.title}: {shown}>"

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = self.summary()
        return bundle


def fmt(value: float) -> str:
    return "nan" if math.isnan(value) else f"{value:.6g}"


def finite_number(value, name: str) -> float | str:
    """`value` as a float, or the message to show when it is not a usable number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return f"{name} must be a number, got {value!r}."
    if not math.isfinite(number):
        return f"{name} must be a finite number, got {number}."
    return number
