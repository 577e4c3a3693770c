"""`show_jaxpr` and `JaxprView`: a trace displayed as text (`print`, nbval) or as HTML."""

from __future__ import annotations

from .data import Trace, format_array
from .graph import trace_dot
from .html import trace_html
from .text import format_trace
from .tracing import function_name, trace_jaxpr


def show_jaxpr(fn, *args, values: bool = False, **kwargs) -> JaxprView:
    """As `jax.make_jaxpr(fn)(*args)`, but displayed as a graph (HTML) or text, optionally
    with the value of every variable at `args` and the birthplace of any inf or nan marked."""
    return JaxprView(trace_jaxpr(fn, *args, **kwargs), values=values, call=_call_text(fn, args))


def _call_text(fn, args) -> str:
    shown = ", ".join(format_array(a) if not isinstance(a, (tuple, list, dict)) else "..."
                      for a in args)
    return f"{function_name(fn)}({shown})"


class JaxprView:
    """Displays a `Trace`: `str()` is plain text, `_repr_html_()` a Graphviz drawing."""

    def __init__(self, trace: Trace, values: bool = False, call: str | None = None):
        self.trace = trace
        self.values = values
        self.call = call or trace.name
        self._text: str | None = None

    def __str__(self) -> str:
        if self._text is None:
            self._text = format_trace(self.trace, values=self.values, title=self.call)
        return self._text

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(str(self))

    def _repr_html_(self) -> str:
        return trace_html(self.trace, values=self.values, title=self.call, text=str(self))

    def dot(self) -> str:
        """The Graphviz DOT source of the drawing."""
        return trace_dot(self.trace, values=self.values)
