"""Step through the equations of a traced function, one at a time, with their values; jump
straight to the first nan. Pure Python after the trace: no JAX runs when you click."""

from __future__ import annotations

import html

import ipywidgets as W

import course
from course.jaxpr import describe_op, equation_text, function_name

from .base import View


class JaxprStepper(View):
    title = "jaxpr stepper"

    def __init__(self, trace: course.Trace, title: str):
        self.trace = trace
        self.records = [r for r in trace.records if r.kind != "note"]
        self.name = title
        self.step = W.IntSlider(value=0, min=0, max=max(len(self.records) - 1, 0),
                                description="equation")
        self.prev = W.Button(description="previous")
        self.next = W.Button(description="next")
        self.to_nan = W.Button(description="first nan", disabled=trace.first_nan is None,
                               button_style="danger")
        self.prev.on_click(lambda _: self.go(self.step.value - 1))
        self.next.on_click(lambda _: self.go(self.step.value + 1))
        self.to_nan.on_click(lambda _: self.jump_to_nan())
        self.step.observe(lambda change: self.show(change["new"]), names="value")
        self.view = W.HTML()
        self.widget = W.VBox([W.HBox([self.prev, self.next, self.to_nan]), self.step, self.view])
        self.show(0)

    def go(self, position: int) -> None:
        self.step.value = min(max(position, 0), self.step.max)

    def jump_to_nan(self) -> None:
        if self.trace.first_nan is not None:
            self.go(self.records.index(self.trace.first_nan))

    def show(self, position: int) -> None:
        self.position = position
        rows = []
        for i, r in enumerate(self.records):
            style = "background:#fff3bf;font-weight:bold" if i == position else (
                "color:#5c636a" if i > position else "")
            if r is self.trace.first_nan and i <= position:
                style += ";color:#c92a2a"
            rows.append(f'<div style="{style}">{"    " * r.depth}'
                        f"{html.escape(_line(r, i <= position))}</div>")
        current = self.records[position] if self.records else None
        detail = ""
        if current is not None:
            detail = (f"<p><b>[{current.index}]</b> <code>{html.escape(describe_op(current))}"
                      "</code>" + (" &larr; <b style='color:#c92a2a'>the first nan is born "
                                   "here</b>" if current is self.trace.first_nan else "")
                      + "</p>")
        self.view.value = (f"<b>{html.escape(self.name)}</b>{detail}"
                           f"<pre style='font-size:12px'>{''.join(rows)}</pre>")

    def current(self) -> str:
        return describe_op(self.records[self.position]) if self.records else ""

    def summary(self) -> str:
        return (f"<{self.title}: {len(self.records)} equations, at [{self.position}] "
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
