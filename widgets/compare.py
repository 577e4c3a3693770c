"""Step through two programs together: the default and the custom program of a derivative, as
`course.compare_rules` aligns them, one row at a time, with both values, and jump to the next
difference. Pure Python after the comparison, and drawn in the browser: every row's text is made
once, and stepping runs nothing in the kernel."""

from __future__ import annotations

import numpy as np

import course
from course.jaxpr import (
    STATUS_MARK,
    Comparison,
    Row,
    describe_op,
    short_equation,
)

from .grid import Control, GridExplorer, line_table

SHOWN_AROUND = 10  # rows listed on each side of the current one


class CompareStepper(GridExplorer):
    title = "compare stepper"

    def __init__(self, comparison: Comparison):
        self.comparison = comparison
        self.rows = comparison.rows
        n = max(len(self.rows), 1)
        positions = np.arange(n)
        self.details = [self.describe(k) for k in range(len(self.rows))] or [""]
        header = f"{comparison.mode}: {comparison.call}\n{comparison.verdict}"
        listings = [header + "\n" + self.listing(k) for k in range(n)]
        differences = [k for k, row in enumerate(self.rows) if row.status != "same"]
        buttons = [
            {"label": "previous", "control": 0, "targets": np.maximum(positions - 1, 0).tolist()},
            {"label": "next", "control": 0,
             "targets": np.minimum(positions + 1, n - 1).tolist()},
            {"label": "next difference", "control": 0,
             "targets": next_differences(n, differences),
             "disabled": not differences}]
        self.setup(
            [Control("row", positions.astype(np.float32), ".0f")], None, "{detail}",
            {"detail": ([0], positions, lambda k: self.details[int(k)])}, {"row": 0},
            f"The two programs of {comparison.call}, row by row.",
            beside={"label": f"the programs of {comparison.call}", "by": [0]}
            | line_table(listings), buttons=buttons)

    def listing(self, position: int) -> str:
        lines = []
        for k in range(max(0, position - SHOWN_AROUND),
                       min(len(self.rows), position + SHOWN_AROUND + 1)):
            lines.append(("> " if k == position else "  ") + _row_line(self.rows[k]))
        return "\n".join(lines)

    def go(self, position: int) -> None:
        self.apply(row=min(max(position, 0), len(self.details) - 1))

    def next_difference(self) -> bool:
        return self.press("next difference")

    @property
    def at(self) -> int:
        return self.position[0]

    def describe(self, k: int) -> str:
        """Row k in words: where it is, and its values on each side."""
        row = self.rows[k]
        parts = []
        if row.default is not None:
            parts.append(f"default [{row.default.index}] {_values(row.default)}")
        if row.custom is not None:
            rule = self.comparison.rule_of.get(row.custom.index)
            parts.append(f"custom [{row.custom.index}] {_values(row.custom)}"
                         + (f" (from the {rule.label})" if rule else ""))
        return {"same": "in both: ", "changed": "changed: ", "default": "only in default: ",
                "custom": "only in custom: "}[row.status] + "; ".join(parts)

    def current(self) -> str:
        return self.details[self.at] if self.rows else ""

    def summary(self) -> str:
        return f"<{self.title}: {len(self.rows)} rows, at {self.at}: {self.current()}>"


def next_differences(n: int, differences: list[int]) -> list[int]:
    """For each of n rows, the next row that is not in both programs, wrapping around to the
    first (the row itself when there is none): one pass from the end, not one search per row.

    >>> next_differences(5, [1, 3])
    [1, 3, 3, 1, 1]
    """
    targets, following = [0] * n, None
    wrap = differences[0] if differences else None
    marked = set(differences)
    for k in range(n - 1, -1, -1):
        targets[k] = following if following is not None else (k if wrap is None else wrap)
        if k in marked:
            following = k
    return targets


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
