"""Step through two programs together: the default and the custom program of a derivative, as
`course.compare_rules` aligns them, one row at a time, with both values, and jump to the next
difference. Pure Python after the comparison: no JAX runs when you click."""

from __future__ import annotations

import html

import ipywidgets as W

import course
from course.jaxpr import (
    STATUS_FILL,
    STATUS_MARK,
    Comparison,
    Row,
    describe_op,
    short_equation,
)

from .base import View

SHOWN_AROUND = 10  # rows listed on each side of the current one


class CompareStepper(View):
    title = "compare stepper"

    def __init__(self, comparison: Comparison):
        self.comparison = comparison
        self.rows = comparison.rows
        self.step = W.IntSlider(value=0, min=0, max=max(len(self.rows) - 1, 0),
                                description="row")
        self.prev = W.Button(description="previous")
        self.next = W.Button(description="next")
        self.to_difference = W.Button(description="next difference", button_style="warning",
                                      disabled=all(r.status == "same" for r in self.rows))
        self.prev.on_click(lambda _: self.go(self.step.value - 1))
        self.next.on_click(lambda _: self.go(self.step.value + 1))
        self.to_difference.on_click(lambda _: self.next_difference())
        self.step.observe(lambda change: self.show(change["new"]), names="value")
        self.view = W.HTML()
        self.widget = W.VBox([W.HBox([self.prev, self.next, self.to_difference]), self.step,
                              self.view])
        self.show(0)

    def go(self, position: int) -> None:
        self.step.value = min(max(position, 0), self.step.max)

    def next_difference(self) -> None:
        """Go to the next row that is not in both programs (wrapping around to the first)."""
        order = list(range(self.position + 1, len(self.rows))) + list(range(self.position + 1))
        target = next((n for n in order if self.rows[n].status != "same"), None)
        if target is not None:
            self.go(target)

    def show(self, position: int) -> None:
        self.position = position
        esc = html.escape
        lines = []
        start = max(0, position - SHOWN_AROUND)
        for n in range(start, min(len(self.rows), position + SHOWN_AROUND + 1)):
            row = self.rows[n]
            style = f"background:{STATUS_FILL[row.status]}"
            if n == position:
                style += ";font-weight:bold;outline:1px solid #495057"
            lines.append(f'<div style="{style}">{esc(_row_line(row))}</div>')
        c = self.comparison
        detail = ""
        if self.rows:
            detail = f"<p>{esc(self.current())}</p>"
        self.view.value = (f"<b>{esc(c.mode)}: {esc(c.call)}</b><div>{esc(c.verdict)}</div>"
                           f"{detail}<pre style='font-size:12px'>{''.join(lines)}</pre>")

    def current(self) -> str:
        """The current row in words: where it is, and its values on each side."""
        if not self.rows:
            return ""
        row = self.rows[self.position]
        parts = []
        if row.default is not None:
            parts.append(f"default [{row.default.index}] {_values(row.default)}")
        if row.custom is not None:
            rule = self.comparison.rule_of.get(row.custom.index)
            parts.append(f"custom [{row.custom.index}] {_values(row.custom)}"
                         + (f" (from the {rule.label})" if rule else ""))
        return {"same": "in both: ", "changed": "changed: ", "default": "only in default: ",
                "custom": "only in custom: "}[row.status] + "; ".join(parts)

    def summary(self) -> str:
        return (f"<{self.title}: {len(self.rows)} rows, at {self.position}: "
                f"{self.current()}>")


def _values(record) -> str:
    if record.kind == "call":
        return f"{record.primitive} (its equations follow)"
    return describe_op(record)


def _row_line(row: Row) -> str:
    left = short_equation(row.default) if row.default is not None else ""
    right = short_equation(row.custom) if row.custom is not None else ""
    return f"{STATUS_MARK[row.status]} {left[:40]:<40} | {right[:40]}"


def compare_stepper(default_fn, custom_fn, *args, mode: str = "grad") -> CompareStepper:
    """Step through `course.compare_rules(default_fn, custom_fn, *args, mode=mode)` row by
    row: both programs together, with the values on each side."""
    return CompareStepper(course.compare_rules(default_fn, custom_fn, *args,
                                               mode=mode).comparison)
