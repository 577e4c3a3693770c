"""A `Trace`, or a `Comparison` of two, as HTML: the Graphviz drawing as an image, the inf/nan
verdict, the text view.

Every string that comes from user code is escaped with `html.escape`. When Graphviz is missing
or fails, `graph_html` says so in one line and the text view is still shown.
"""

from __future__ import annotations

import base64
import html

from .align import Comparison
from .data import Trace, describe_op, origins
from .graph import (
    INF_FILL,
    NAN_FILL,
    RULE_COLOR,
    STATUS_FILL,
    GraphvizFailedError,
    GraphvizNotFoundError,
    comparison_dot,
    graph_window,
    render_svg,
    trace_dot,
)
from .text import comparison_verdict


def trace_html(trace: Trace, values: bool, title: str, text: str) -> str:
    """The drawing (SVG from Graphviz), the inf/nan verdict, and the text view, escaped."""
    esc = html.escape
    parts = [f'<div class="course-jaxpr"><div><b>jaxpr of {esc(title)}</b></div>']
    if values:
        parts.append(f"<div>{verdict_html(trace)}</div>")
    _, caption = graph_window(trace)
    if caption:
        parts.append(f"<div><i>{esc(caption)}</i></div>")
    parts.append(graph_html(trace_dot(trace, values=values),
                            f"graph of the jaxpr of {title}; the equations it draws:\n{text}"))
    parts.append(f"<details><summary>equations as text</summary><pre>{esc(text)}</pre>"
                 "</details></div>")
    return "".join(parts)


def comparison_html(c: Comparison, text: str) -> str:
    """The verdict, a legend, the rules' notes, both programs drawn side by side, and the
    text diff."""
    esc = html.escape
    legend = " ".join(f'<span style="background:{STATUS_FILL[s]};border:1px solid #adb5bd;'
                      f'padding:0 4px">{esc(label)}</span>' for s, label in
                      (("same", "in both"), ("changed", "changed"),
                       ("default", "only in default"), ("custom", "only in custom")))
    parts = [f'<div class="course-compare"><div><b>compare_rules, mode {esc(c.mode)}: '
             f"{esc(c.call)}</b></div>",
             f"<div>{esc(c.verdict)}</div>",
             f"<div>{esc(comparison_verdict(c))}</div>",
             f"<div>{legend} <span style=\"color:{RULE_COLOR}\">dashed box: the equations "
             "a rule made</span></div>"]
    parts.extend(f"<div><small>{esc(note)}</small></div>" for note in c.rule_notes())
    parts.append(graph_html(comparison_dot(c), f"the {c.mode} programs of {c.call}, side by "
                                               f"side; as text:\n{text}"))
    parts.append(f"<details><summary>the diff as text</summary><pre>{esc(text)}</pre>"
                 "</details></div>")
    return "".join(parts)


def graph_html(dot_source: str, alt: str) -> str:
    """The DOT graph laid out by Graphviz, as an image; without Graphviz (or when it fails),
    one line saying why. Every view's drawing goes through here."""
    try:
        return svg_img(render_svg(dot_source), alt)
    except (GraphvizNotFoundError, GraphvizFailedError) as e:
        return f"<div><i>No graph: {html.escape(str(e))}</i></div>"


def svg_img(svg: str, alt: str) -> str:
    """The SVG as an <img> with a data URI. JupyterLab strips inline <svg> from the HTML of a
    notebook it does not trust (any notebook just cloned), but shows images; an SVG shown as
    an image also cannot run scripts. `alt` holds the text the graph draws, for a screen reader
    (and for a browser that shows no images)."""
    data = base64.b64encode(svg.encode()).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/svg+xml;base64,{data}"/>'


def verdict_html(trace: Trace) -> str:
    """`data.origins` as HTML: "first nan" marked in the drawing's nan colour, the others in
    its inf colour."""
    found = origins(trace)
    if not found:
        return "Every value is finite."
    return "; ".join(
        f'<span style="background:{NAN_FILL if label == "first nan" else INF_FILL}">'
        f"{html.escape(label)}</span> at [{r.index}] <code>{html.escape(describe_op(r))}</code>"
        for label, r in found)
