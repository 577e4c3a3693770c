"""Explorers computed once and drawn in the browser.

An explorer's controls step through grid points (`Control`). When it is built, the explorer
evaluates the lesson's functions at every grid point in one vectorized call and hands the
values to `Drawing`, an anywidget whose ES module (explorer.js) draws them: moving a control
in the browser only looks values up, with no message to the kernel. The same data and module
draw the explorer on the static site, where there is no kernel.

`GridExplorer.apply` is the Python side of the same lookup: it snaps the inputs to the grid
(saying so when it had to), moves the browser's controls there, and keeps the shown values as
numbers (`values`), the status line as text (`status`) and the text beside the plot
(`beside_text`), for tests and for the explorer's short text form.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import anywidget
import jax
import numpy as np
import traitlets

from .base import BadInput, View, fmt, number

HERE = Path(__file__).resolve().parent
WIDTH, HEIGHT = 460, 260  # the plot, in CSS pixels


class Drawing(anywidget.AnyWidget):
    """The browser side: `data` (everything to draw, as one JSON text, sent once; a text and
    not a dict, so that a notebook stores it on one line) and `index` (the controls' grid
    positions, set from Python only; the browser never sends it back)."""

    _esm = HERE / "explorer.js"
    _css = HERE / "explorer.css"
    data = traitlets.Unicode().tag(sync=True)
    index = traitlets.List(traitlets.Int()).tag(sync=True)


@dataclass(frozen=True)
class Control:
    """A slider over `values` (its grid points), shown with `format`."""

    name: str
    values: np.ndarray
    format: str = "g"

    def label(self, value) -> str:
        return format(float(value), self.format)

    def snap(self, value: float) -> tuple[int, str]:
        """The nearest grid point's index, and a note when `value` is not a grid point."""
        i = int(np.argmin(np.abs(self.values.astype(np.float64) - value)))
        grid = float(self.values[i])
        if math.isclose(grid, value, rel_tol=1e-6, abs_tol=1e-9):
            return i, ""
        return i, (f"{self.name} = {value:g} is not a grid point of this explorer: shown at the "
                   f"nearest one, {self.label(grid)}, where the values were computed.")

    def encode(self) -> dict:
        return {"name": self.name, "label": self.name, "values": numbers(self.values),
                "labels": [self.label(v) for v in self.values]}


def numbers(array, digits: int | None = None) -> list:
    """A float32 array as JSON numbers, each the shortest decimal that reads back as the same
    float32 (or, with `digits`, rounded to that many significant digits: for curves only, where
    1e-4 of the axis is far below a pixel), and nan and inf as the strings JavaScript's
    Number() reads ("NaN", "Infinity", "-Infinity")."""
    out = []
    for v in np.asarray(array, dtype=np.float32).ravel().tolist():
        if math.isfinite(v):
            out.append(float(f"{v:.{digits}g}") if digits else float(str(np.float32(v))))
        else:
            out.append("NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity"))
    return out


def text32(value) -> str:
    """A float32 value as JAX prints it: 0.95257413, nan, inf."""
    return str(np.float32(value))


class GridExplorer(View):
    """Controls over grids, a plot and a status line, all drawn in the browser from `data`.

    A subclass computes its values in `__init__` and calls `setup`; it may override `parse`
    (checks beyond "a finite number")."""

    title = "explorer"

    def setup(self, controls: list[Control], plot: dict | None, template: str,
              fields: dict[str, tuple[list[int], np.ndarray, callable]], start: dict,
              description: str, beside: dict | None = None,
              buttons: list[dict] | None = None) -> None:
        """`fields`: name -> (the controls it depends on, its values over their grid, how to
        show one value); `template` names them in braces: "x = {x}: grad(f) = {grad}".
        `plot` None: no plot (a stepper). `buttons`: [{label, control, targets (the position
        each position goes to), disabled}]."""
        self.controls = controls
        fields = {c.name: ([k], c.values, c.label) for k, c in enumerate(controls)} | fields
        self.fields = fields
        self.template = template
        self.beside = beside
        status = {"template": template, "fields": {
            name: {"by": by, "text": [show(v) for v in np.asarray(values).ravel()]}
            for name, (by, values, show) in fields.items()}}
        data = {"title": self.title, "controls": [c.encode() for c in controls],
                "status": status, "description": description}
        if plot is not None:
            data["plot"] = {"width": WIDTH, "height": HEIGHT} | plot
        if beside is not None:
            data["beside"] = beside
        if buttons:
            data["buttons"] = buttons
        self.buttons = {b["label"]: b for b in buttons or []}
        self.data = data
        self.position = [0] * len(controls)
        self.widget = Drawing(data=json.dumps(data, separators=(",", ":"), allow_nan=False),
                              index=self.position)
        self.message = ""
        self.error: str | None = None
        if not self.apply(**start):
            raise ValueError(f"{self.title}: {self.error}")

    def parse(self, **raw) -> dict[str, float]:
        return {name: number(value, name) for name, value in raw.items()}

    def flat(self, by: list[int], position=None) -> int:
        position = self.position if position is None else position
        flat = 0
        for k in by:
            flat = flat * len(self.controls[k].values) + position[k]
        return flat

    def apply(self, **raw) -> bool:
        """Show the explorer at `raw` (the current grid points for controls not given): the
        browser's controls move there. Bad input keeps the last good state and says why in
        `error`. Returns whether the inputs were shown."""
        current = {c.name: float(c.values[i]) for c, i in zip(self.controls, self.position)}
        try:
            inputs = self.parse(**(current | raw))
            for c in self.controls:
                low, high = float(c.values.min()), float(c.values.max())
                slack = 1e-6 * max(1.0, abs(low), abs(high))  # the grid is float32
                if not low - slack <= inputs[c.name] <= high + slack:
                    raise BadInput(f"{c.name} = {inputs[c.name]:g} is outside this explorer's "
                                   f"grid, {c.label(low)} to {c.label(high)}: its values were "
                                   "computed there only.")
        except BadInput as bad:
            self.error = str(bad)
            return False
        snapped = [c.snap(inputs[c.name]) for c in self.controls]
        self.position = [i for i, _ in snapped]
        self.error = None
        self.message = " ".join(note for _, note in snapped if note)
        self.widget.index = list(self.position)
        return True

    def press(self, label: str) -> bool:
        """What the button `label` does in the browser: move its control to its target.
        Returns whether the button is enabled."""
        button = self.buttons[label]
        if button.get("disabled"):
            return False
        k = button["control"]
        self.apply(**{self.controls[k].name: float(
            self.controls[k].values[button["targets"][self.position[k]]])})
        return True

    @property
    def values(self) -> dict[str, float]:
        """The shown values as numbers: the controls' grid points, then the fields."""
        shown = {c.name: float(c.values[i]) for c, i in zip(self.controls, self.position)}
        for name, (by, values, _) in self.fields.items():
            shown[name] = float(np.asarray(values).ravel()[self.flat(by)])
        return shown

    @property
    def status(self) -> str:
        """The status line, as the browser shows it."""
        def field(name):
            by, values, show = self.fields[name]
            return show(np.asarray(values).ravel()[self.flat(by)])
        return self.template.format_map({name: field(name) for name in self.fields})

    def beside_text(self) -> str:
        if self.beside is None:
            return ""
        lines = self.beside["rows"][self.flat(self.beside["by"])]
        return "\n".join("".join(self.beside["parts"][n] for n in line) for line in lines)

    def summary(self) -> str:
        shown = ", ".join(f"{k} = {fmt(v)}" for k, v in self.values.items())
        return f"<{self.title}: {shown}>"


def line_table(texts: list[str], comment: str = "    # ") -> dict:
    """Texts that share many lines, as one table of distinct parts (a line up to its comment,
    and the comment, where the values are) and, per text, the numbers of each line's parts."""
    parts: dict[str, int] = {}

    def split(line):
        code, mark, note = line.partition(comment)
        return [parts.setdefault(piece, len(parts)) for piece in (code, mark + note) if piece]

    rows = [[split(line) for line in text.splitlines()] for text in texts]
    return {"parts": list(parts), "rows": rows}


def on_grid(make, *fns):
    """`jax.jit(make(*fns))`, compiled once per function: a cell that builds the explorer again
    with the same functions (re-run, or another x) compiles nothing. `make` is a module-level
    function of the learner's functions, e.g. `lambda f: jax.vmap(jax.grad(f))`."""
    try:
        return _on_grid(make, *fns)
    except TypeError:  # a function that cannot be a dict key: compiled every time
        return jax.jit(make(*fns))


@functools.lru_cache(maxsize=64)
def _on_grid(make, *fns):
    return jax.jit(make(*fns))


def grad_on_grid(fn):
    return jax.vmap(jax.grad(fn))


def value_on_grid(fn):
    return jax.vmap(fn)
