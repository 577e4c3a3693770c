"""A `Trace` as HTML: the Graphviz drawing as an image, the inf/nan verdict, the text view.

Every string that comes from user code is escaped with `html.escape`. When Graphviz is missing
or fails, the HTML says so in one line and still shows the text view.
"""

from __future__ import annotations

import base64
import html

from .data import Trace, describe_op
from .graph import (
    INF_FILL,
    NAN_FILL,
    GraphvizFailedError,
    GraphvizNotFoundError,
    graph_window,
    render_svg,
    trace_dot,
)


def trace_html(trace: Trace, values: bool, title: str, text: str) -> str:
    """The drawing (SVG from Graphviz), the inf/nan verdict, and the text view, escaped."""
    esc = html.escape
    parts = [f'<div class="course-jaxpr"><div><b>jaxpr of {esc(title)}</b></div>']
    if values:
        parts.append(f"<div>{_verdict_html(trace)}</div>")
    _, caption = graph_window(trace)
    if caption:
        parts.append(f"<div><i>{esc(caption)}</i></div>")
    try:
        parts.append(svg_img(render_svg(trace_dot(trace, values=values)),
                             f"graph of the jaxpr of {title}"))
    except (GraphvizNotFoundError, GraphvizFailedError) as e:
        parts.append(f"<div><i>No graph: {esc(str(e))}</i></div>")
    parts.append(f"<details><summary>equations as text</summary><pre>{esc(text)}</pre>"
                 "</details></div>")
    return "".join(parts)


def svg_img(svg: str, alt: str) -> str:
    """The SVG as an <img> with a data URI. JupyterLab strips inline <svg> from the HTML of a
    notebook it does not trust (any notebook just cloned), but shows images; an SVG shown as
    an image also cannot run scripts."""
    data = base64.b64encode(svg.encode()).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/svg+xml;base64,{data}"/>'


def _verdict_html(trace: Trace) -> str:
    esc = html.escape
    first_bad, first_nan = trace.first_nonfinite, trace.first_nan
    if first_bad is None and first_nan is None:
        return "Every value is finite."
    out = []
    if first_bad is not None:
        out.append(f'<span style="background:{INF_FILL}">first inf/nan</span> at '
                   f"[{first_bad.index}] <code>{esc(describe_op(first_bad))}</code>")
    if first_nan is not None:
        out.append(f'<span style="background:{NAN_FILL}">first nan</span> at '
                   f"[{first_nan.index}] <code>{esc(describe_op(first_nan))}</code>")
    return "; ".join(out)
