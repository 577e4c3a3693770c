"""What every explorer shares.

`View`: an object shown as an ipywidget, with a short deterministic text form (the one nbval
compares, and the one a static view of the notebook shows).

`Explorer`: a `View` made of sliders, a status line, a message area for bad input and a figure
redrawn in place into an `Image`. Each control change goes through one method, `apply`, which
parses the inputs, reports bad ones in the widget, and otherwise updates the figure and the
status. A subclass says only how to parse its inputs (`parse`) and what an update changes
(`update`).
"""

from __future__ import annotations

import html
import math
import struct
import zlib

import ipywidgets as W
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

FIG_DPI = 72


class BadInput(ValueError):
    """A control value the explorer cannot show; its message is displayed in the widget."""


class View:
    """An object displayed as `self.widget`, whose text form is `self.summary()`."""

    title = "view"
    widget: W.Widget

    def summary(self) -> str:
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle  # anywidget: (data, metadata)
        data["text/plain"] = self.summary()
        return bundle


class Explorer(View):
    """Sliders, a status line, a message line and a figure, updated by `apply`."""

    title = "explorer"

    def __init__(self, controls: dict[str, W.ValueWidget], beside: W.Widget | None = None,
                 figsize=(6.4, 3.6)):
        self.controls = controls
        self.fig = Figure(figsize=figsize, dpi=FIG_DPI, layout="constrained")
        FigureCanvasAgg(self.fig)
        self.image = W.Image(format="png", layout=W.Layout(width=f"{figsize[0] * FIG_DPI}px"))
        self.status = W.HTML(layout=W.Layout(min_height="2.5em"))
        self.message = W.HTML()
        figure = self.image if beside is None else W.HBox([self.image, beside])
        self.widget = W.VBox([W.HBox(list(controls.values())), self.status, self.message, figure])
        self.widget.add_class("course-explorer")
        self.values: dict[str, float] = {}  # what the status line shows, by name
        self.error: str | None = None  # the message shown for the last bad input, if any
        self.animated: list = []  # artists whose data an update changes; redrawn each time
        self._background = None
        for control in controls.values():
            control.observe(lambda change: self.apply(), names="value")

    # What a subclass defines.

    def parse(self, **raw) -> dict:
        """The inputs as the explorer's update needs them; raises `BadInput` if one is not."""
        raise NotImplementedError

    def update(self, **inputs) -> tuple[dict[str, float], str]:
        """Change the animated artists' data; return the values and text of the status."""
        raise NotImplementedError

    def update_beside(self, **inputs) -> None:
        """Update the views beside the figure, if any: after the image, which goes first."""

    # The one path from a control (or a call) to the screen.

    def apply(self, **raw) -> bool:
        """Show the explorer at `raw` inputs (the controls' values for those not given).

        Bad input leaves the last good state on screen and shows why, in the widget: an
        exception in a slider callback would only reach the kernel log. Returns whether the
        inputs were shown."""
        raw = {name: control.value for name, control in self.controls.items()} | raw
        try:
            inputs = self.parse(**raw)
        except BadInput as bad:
            self.error = str(bad)
            self.message.value = f'<span style="color:#c92a2a">{html.escape(self.error)}</span>'
            return False
        self.values, text = self.update(**inputs)
        self.redraw()
        self.error = None
        self.message.value = ""
        self.status.value = f"<code>{html.escape(text)}</code>"
        self.update_beside(**inputs)
        return True

    def redraw(self) -> None:
        """Blit: the static part is rendered once; each update redraws only `self.animated`
        onto it and encodes the pixels as PNG."""
        canvas = self.fig.canvas
        if self._background is None:
            for artist in self.animated:
                artist.set_animated(True)
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.fig.bbox)
        canvas.restore_region(self._background)
        for artist in self.animated:
            artist.axes.draw_artist(artist)
        self.image.value = png(np.asarray(canvas.buffer_rgba()))

    def summary(self) -> str:
        shown = ", ".join(f"{k} = {fmt(v)}" for k, v in self.values.items())
        return f"<{self.title}: {shown}>"


def png(rgba: np.ndarray, level: int = 1) -> bytes:
    """As Pillow's `Image.fromarray(rgba).save(..., format="png", compress_level=1)`, but each
    row is stored unfiltered instead of trying five filters per row: on these plots, 3-4x less
    CPU time for about the same size (benchmarks/explorers.py prints both)."""
    height, width, _ = rgba.shape
    rows = np.zeros((height, 1 + width * 4), np.uint8)  # each row: filter type 0, the pixels
    rows[:, 1:] = rgba.reshape(height, width * 4)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"".join([b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", header),
                     _chunk(b"IDAT", zlib.compress(rows.tobytes(), level)), _chunk(b"IEND", b"")])


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def fmt(value: float) -> str:
    return "nan" if math.isnan(value) else f"{value:.6g}"


def number(value, name: str) -> float:
    """`value` as a finite float; `BadInput` saying why not."""
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise BadInput(f"{name} must be a number, got {value!r}.") from None
    if not math.isfinite(result):
        raise BadInput(f"{name} must be a finite number, got {result}.")
    return result
