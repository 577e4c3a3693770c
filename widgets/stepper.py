"""Step through the equations of a traced function, one at a time, with their values; jump
straight to the first nan. Pure Python after the trace, and drawn in the browser: every
position's text is made once, and stepping (slider, buttons, keys) runs nothing in the kernel."""

from __future__ import annotations

import numpy as np

import course
from course.jaxpr import describe_op, equation_text, function_name

from .grid import Control, GridExplorer, line_table

FIRST_NAN = "    <-- the first nan is born here"


class JaxprStepper(GridExplorer):
    title = "jaxpr stepper"

    def __init__(self, trace: course.Trace, title: str):
        self.trace = trace
        self.records = [r for r in trace.records if r.kind != "note"]
        self.name = title
        n = max(len(self.records), 1)
        nan_at = (self.records.index(trace.first_nan) if trace.first_nan is not None
                  else None)
        self.details = [self.detail(i) for i in range(len(self.records))] or [""]
        listings = [self.listing(i) for i in range(n)]
        positions = np.arange(n)
        buttons = [
            {"label": "previous", "control": 0, "targets": np.maximum(positions - 1, 0).tolist()},
            {"label": "next", "control": 0,
             "targets": np.minimum(positions + 1, n - 1).tolist()},
            {"label": "first nan", "control": 0, "targets": [nan_at or 0] * n,
             "disabled": nan_at is None}]
        self.setup(
            [Control("equation", positions.astype(np.float32), ".0f")], None, "{detail}",
            {"detail": ([0], positions, lambda i: self.details[int(i)])}, {"equation": 0},
            f"The equations of {title}, one at a time, with their values.",
            beside={"label": f"the equations of {title}", "by": [0]} | line_table(listings),
            buttons=buttons)

    def detail(self, i: int) -> str:
        r = self.records[i]
        return f"[{r.index}] {describe_op(r)}" + (
            "  <-- the first nan is born here" if r is self.trace.first_nan else "")

    def listing(self, position: int) -> str:
        lines = [self.name]
        for i, r in enumerate(self.records):
            mark = "> " if i == position else "  "
            text = f"{mark}{'    ' * r.depth}{_line(r, i <= position)}"
            if r is self.trace.first_nan and i <= position:
                text += FIRST_NAN
            lines.append(text)
        return "\n".join(lines)

    def go(self, position: int) -> None:
        self.apply(equation=min(max(position, 0), len(self.details) - 1))

    def jump_to_nan(self) -> bool:
        return self.press("first nan")

    @property
    def at(self) -> int:
        return self.position[0]

    def current(self) -> str:
        return describe_op(self.records[self.at]) if self.records else ""

    def summary(self) -> str:
        return (f"<{self.title}: {len(self.records)} equations, at [{self.at}] "
                f"{self.current()}>")


def _line(record, evaluated: bool) -> str:
    text = f"[{record.index}] {equation_text(record)}"
    if record.kind == "call":
        text += f"    # {record.label}"
    if evaluated:
        text += "    # " + ", ".join(f"{v.name} = {v.show()}" for v in record.outputs)
    return text


def jaxpr_stepper(fn, *args, **kwargs) -> JaxprStepper:
    """Step through `course.trace_jaxpr(fn, *args)`, one equation at a time."""
    trace = course.trace_jaxpr(fn, *args, **kwargs)
    return JaxprStepper(trace, f"{function_name(fn)}")
