"""A `Trace` as Graphviz DOT and as HTML. The only module of `course` that writes markup.

Every string that comes from user code (function names, source lines, values) is escaped:
for DOT by `_dot_str`, and Graphviz escapes it again for SVG; for HTML by `html.escape`.
"""

from __future__ import annotations

import base64
import html

from .graphviz import GraphvizNotFoundError, render_svg
from .jaxpr import Record, Trace, Value
from .jaxpr_view import describe_op, origin_notes

MAX_GRAPH_OPS = 60  # past this many operations, only a window of the graph is drawn
INF_FILL, NAN_FILL, CUSTOM_FILL, CALL_FILL = "#ffd8a8", "#ff8787", "#fff3bf", "#f1f3f5"


def _dot_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def graph_window(trace: Trace, limit: int = MAX_GRAPH_OPS) -> tuple[list[Record], str | None]:
    """The records to draw and, when not all of them, a caption saying which ones."""
    ops = [r for r in trace.records if r.kind != "note"]
    if len(ops) <= limit:
        return ops, None
    focus = trace.first_nonfinite or trace.first_nan
    centre = ops.index(focus) if focus is not None else limit // 2
    start = max(0, min(centre - limit // 2, len(ops) - limit))
    window = ops[start:start + limit]
    caption = (f"{len(ops)} equations: drawing [{window[0].index}] to [{window[-1].index}]"
               + (" around the first inf/nan" if focus is not None else "")
               + "; the text view below lists the rest")
    return window, caption


def trace_dot(trace: Trace, values: bool = False) -> str:
    records, _ = graph_window(trace)
    drawn = {r.index for r in records}
    notes = origin_notes(trace) if values else {}
    producer: dict[str, str] = {}
    lines = [
        "digraph jaxpr {",
        '  graph [rankdir=TB, fontname="Helvetica", fontsize=10, nodesep=0.3, ranksep=0.35];',
        '  node [fontname="Helvetica", fontsize=10, shape=box, style="rounded,filled", '
        'fillcolor=white];',
        '  edge [fontname="Helvetica", fontsize=9, arrowsize=0.6];',
    ]
    for v in trace.inputs:
        producer[v.name] = f"in_{v.name}"
        lines.append(f"  in_{v.name} [shape=ellipse, fillcolor=\"#e7f5ff\", "
                     f"label={_dot_str(_value_label(v, values))}];")
    children: dict[int | None, list[Record]] = {}
    for r in records:
        parent = r.parent if r.parent in drawn else None
        children.setdefault(parent, []).append(r)

    def emit(parent: int | None, indent: str) -> None:
        for r in children.get(parent, []):
            if r.kind == "call":
                fill = CUSTOM_FILL if r.primitive.startswith("custom_") else CALL_FILL
                lines.append(f"{indent}subgraph cluster_r{r.index} {{")
                lines.append(f"{indent}  style=\"rounded,filled\"; fillcolor=\"{fill}\"; "
                             f"color=\"#868e96\"; label={_dot_str(_wrap(r.label or ''))};")
                emit(r.index, indent + "  ")
                lines.append(f"{indent}}}")
                continue
            for v in r.outputs:
                producer[v.name] = f"r{r.index}"
            style = ""
            if r.index in notes:
                nan = any(v.has_nan for v in r.outputs)
                style = (f", fillcolor=\"{NAN_FILL if nan else INF_FILL}\", penwidth=2, "
                         f"color=\"#c92a2a\"")
            label = _op_label(r) + (f"\n{_wrap(notes[r.index])}" if r.index in notes else "")
            lines.append(f"{indent}r{r.index} [label={_dot_str(label)}{style}];")

    emit(None, "  ")
    outside: set[str] = set()
    for r in records:
        if r.kind != "op":
            continue
        for v in r.inputs:
            if v.literal:
                continue
            source = _resolve(v.name, producer, trace.aliases)
            if source is None:
                source = f"ext_{v.name}"
                if source not in outside:
                    outside.add(source)
                    lines.append(f"  {source} [shape=plaintext, style=\"\", "
                                 f"label={_dot_str(v.name + ' (not drawn)')}];")
            lines.append(f"  {source} -> r{r.index} {_edge_attrs(v, values)};")
    for i, v in enumerate(trace.outputs):
        lines.append(f"  out_{i} [shape=ellipse, fillcolor=\"#ebfbee\", "
                     f"label={_dot_str('output ' + _value_label(v, values))}];")
        source = _resolve(v.name, producer, trace.aliases)
        if source is not None:
            lines.append(f"  {source} -> out_{i} {_edge_attrs(v, values)};")
    lines.append("}")
    return "\n".join(lines)


def _resolve(name: str, producer: dict[str, str], aliases: dict[str, str]) -> str | None:
    seen = set()
    while name not in producer and name in aliases and name not in seen:
        seen.add(name)
        name = aliases[name]
    return producer.get(name)


def _value_label(v: Value, values: bool) -> str:
    return f"{v.name}: {v.type}" + (f" = {v.show()}" if values else "")


def _op_label(r: Record) -> str:
    operands = ", ".join(v.show() if v.literal else v.name for v in r.inputs)
    params = "".join(f"\n{k}={val}" for k, val in r.params.items())
    return f"[{r.index}] {r.primitive}({operands}){params}"


def _edge_attrs(v: Value, values: bool) -> str:
    label = f"{v.name} = {v.show()}" if values else v.name
    color = ', color="#c92a2a", fontcolor="#c92a2a", penwidth=1.6' if (
        values and not v.finite) else ""
    return f"[label={_dot_str(label)}{color}]"


def _wrap(text: str, width: int = 48) -> str:
    words, lines, line = text.split(" "), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\n".join(lines)


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
    except GraphvizNotFoundError as e:
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

