"""`show_jaxpr` and `JaxprView`: a trace displayed as text (`print`, nbval) or as HTML."""

from __future__ import annotations

from ..display import TextView
from .data import Trace
from .graph import trace_dot
from .html import trace_html
from .text import format_trace
from .tracing import call_args, function_name, trace_checked


def show_jaxpr(fn, *args, values: bool = False, **kwargs) -> JaxprView:
    """As `jax.make_jaxpr(fn)(*args)`, but displayed as a graph (HTML) or text, optionally
    with the value of every variable at `args` and the birthplace of any inf or nan marked.

    >>> import course, jax.numpy as jnp
    >>> print(course.show_jaxpr(lambda x: jnp.log(x) * 2.0, 0.0, values=True))
    ... # doctest: +ELLIPSIS
    jaxpr of <lambda>(0.0)
      inputs:  a:f32[] = 0.0
        [0] b:f32[] = log a    # b = -inf    <-- first inf/nan: log(0.0) = -inf
        [1] c:f32[] = mul b 2.0:f32[]    # c = -inf
      outputs: c:f32[] = -inf
      first inf/nan at [0]: log(0.0) = -inf  (...)
    """
    trace = trace_checked("show_jaxpr", fn, args, kwargs)
    return JaxprView(trace, values=values, call=function_name(fn) + call_args(args))


class JaxprView(TextView):
    """Displays a `Trace`: `str()` is plain text, `_repr_html_()` a Graphviz drawing.

    >>> import course, jax.numpy as jnp
    >>> view = course.JaxprView(course.trace_jaxpr(jnp.sin, 1.0))
    >>> print(view)
    jaxpr of sin
      inputs:  a:f32[]
        [0] b:f32[] = sin a
      outputs: b:f32[]
    >>> view.dot().startswith("digraph jaxpr {")
    True
    """

    def __init__(self, trace: Trace, values: bool = False, call: str | None = None):
        self.trace = trace
        self.values = values
        self.call = call or trace.name

    def text(self) -> str:
        return format_trace(self.trace, values=self.values, title=self.call)

    def _repr_html_(self) -> str:
        return trace_html(self.trace, values=self.values, title=self.call, text=str(self))

    def dot(self) -> str:
        """The Graphviz DOT source of the drawing."""
        return trace_dot(self.trace, values=self.values)
