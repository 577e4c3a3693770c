"""A `Trace` as a Graphviz DOT graph, and running Graphviz's `dot` to lay it out as SVG.

Every string that comes from user code (function names, source lines, values) goes through
`_dot_str`; Graphviz escapes it again when it writes SVG. The pinned `graphviz-pure` wheel is
the preferred `dot`, so that the SVG stored in the notebooks is the same on every machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

from .data import Record, Trace, Value, origin_notes

MAX_GRAPH_OPS = 60  # past this many operations, only a window of the graph is drawn
INF_FILL, NAN_FILL, CUSTOM_FILL, CALL_FILL = "#ffd8a8", "#ff8787", "#fff3bf", "#f1f3f5"
DOT_TIMEOUT_SECONDS = 30


class GraphvizNotFoundError(ValueError):
    """No Graphviz `dot` executable could be found."""


class GraphvizFailedError(RuntimeError):
    """Graphviz's `dot` was found but did not produce a drawing."""


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
    """As `jax.make_jaxpr`'s printout, but as a Graphviz DOT graph: one node per equation, one
    edge per variable (labelled with its value if `values`), nested calls as boxes."""
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


def _dot_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


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


@cache
def dot_executable() -> str:
    """Path to a Graphviz layout program: $COURSE_DOT, graphviz-pure beside Python, or dot."""
    override = os.environ.get("COURSE_DOT")
    if override is not None:
        if shutil.which(override):
            return shutil.which(override)
        raise GraphvizNotFoundError(
            f"COURSE_DOT is set to {override!r}, which is not an executable. Unset it, or point "
            "it at Graphviz's `dot`."
        )
    beside_python = Path(sys.executable).parent / "graphviz-pure"
    for candidate in (str(beside_python), "graphviz-pure", "dot"):
        found = shutil.which(candidate)
        if found:
            return found
    raise GraphvizNotFoundError(
        "drawing a jaxpr graph needs Graphviz's `dot`, and none was found (looked for "
        f"graphviz-pure beside {sys.executable}, then graphviz-pure and dot on PATH). Install "
        "the course with `python3 run.py lab`, or install Graphviz (e.g. `apt-get install "
        "graphviz`). The text view, str(course.show_jaxpr(...)), works without it."
    )


def render_svg(dot_source: str) -> str:
    """Lay out a DOT graph with Graphviz and return the `<svg>` element (no XML prolog).

    Raises GraphvizNotFoundError when there is no `dot`, and GraphvizFailedError, with a
    one-line message, when it does not give an SVG."""
    dot = dot_executable()
    try:
        result = subprocess.run([dot, "-Tsvg"], input=dot_source, capture_output=True,
                                text=True, timeout=DOT_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise GraphvizFailedError(
            f"Graphviz ({dot}) did not finish within {DOT_TIMEOUT_SECONDS} s.") from None
    except OSError as e:
        raise GraphvizFailedError(f"Graphviz ({dot}) could not be started: {e}.") from None
    if result.returncode != 0:
        raise GraphvizFailedError(
            f"Graphviz ({dot}) failed with exit status {result.returncode}: "
            f"{_first_line(result.stderr)}")
    svg = result.stdout
    if "<svg" not in svg:
        raise GraphvizFailedError(
            f"Graphviz ({dot}) exited normally but wrote no <svg>: {_first_line(svg)}")
    return svg[svg.index("<svg"):]


def _first_line(text: str, limit: int = 200) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return "(it printed nothing)"
    first = lines[0] if len(lines[0]) <= limit else lines[0][:limit] + "..."
    return first + (f" (and {len(lines) - 1} more line(s))" if len(lines) > 1 else "")
