"""What every explorer shares.

`View`: an object shown as an ipywidget, with a short deterministic text form (the one nbval
compares, and the one a static view of the notebook shows). `BadInput`, `number` and `fmt`:
checking and showing the inputs. The explorers themselves are drawn in the browser from data
computed once (widgets/grid.py).
"""

from __future__ import annotations

import math

import ipywidgets as W


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
