"""A `Trace`, or a `Comparison` of two, as a Graphviz DOT graph, and running Graphviz's `dot`
to lay it out as SVG.

Every string that comes from user code (function names, source lines, values) goes through
`dot_str`; Graphviz escapes it again when it writes SVG. The pinned `graphviz-pure` wheel is
the preferred `dot`, so that the SVG stored in the notebooks is the same on every machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from functools import cache
from pathlib import Path

from .align import Comparison, Row, window
from .data import Record, Rule, Trace, Value, origin_notes

MAX_GRAPH_OPS = 60  # past this many operations, only a window of the graph is drawn
MAX_COMPARED_OPS = 40  # equations drawn per side of a comparison
INF_FILL, NAN_FILL, CUSTOM_FILL, CALL_FILL = "#ffd8a8", "#ff8787", "#fff3bf", "#f1f3f5"
STATUS_FILL = {"same": "white", "changed": "#fff3bf", "default": "#ffc9c9",
               "custom": "#d3f9d8"}
RULE_COLOR = "#7048e8"
DOT_TIMEOUT_SECONDS = 30


class GraphvizNotFoundError(RuntimeError):
    """No Graphviz `dot` executable could be found. The views then show their text, and say
    so in one line where the drawing would be:

    >>> import os, course, jax.numpy as jnp
    >>> os.environ["COURSE_DOT"] = "no-such-dot"
    >>> dot_executable.cache_clear()
    >>> html = course.show_jaxpr(jnp.sin, 1.0)._repr_html_()
    >>> "No graph: COURSE_DOT is set to" in html
    True
    >>> del os.environ["COURSE_DOT"]
    >>> dot_executable.cache_clear()
    """


class GraphvizFailedError(RuntimeError):
    """Graphviz's `dot` was found but did not produce a drawing.

    >>> import os, sys
    >>> os.environ["COURSE_DOT"] = sys.executable  # not Graphviz: it cannot read DOT
    >>> dot_executable.cache_clear()
    >>> try:
    ...     render_svg("digraph { a -> b }")
    ... except GraphvizFailedError as e:
    ...     print(str(e).split(" failed")[0] == f"Graphviz ({sys.executable})")
    True
    >>> del os.environ["COURSE_DOT"]
    >>> dot_executable.cache_clear()
    """


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


def trace_dot(trace: Trace, values: bool = False, restyled: tuple[str, ...] = ()) -> str:
    """As `jax.make_jaxpr`'s printout, but as a Graphviz DOT graph: one node per equation, one
    edge per variable (labelled with its value if `values`), nested calls as boxes.
    `restyled` are DOT lines added last, e.g. `in_a [fillcolor=...]` to mark an input."""
    records, _ = graph_window(trace)
    drawn = {r.index for r in records}
    notes = origin_notes(trace) if values else {}
    producer: dict[str, str] = {}
    lines = dot_header("jaxpr", nodesep=0.3, ranksep=0.35)
    for v in trace.inputs:
        producer[v.name] = f"in_{v.name}"
        lines.append(f"  in_{v.name} [shape=ellipse, fillcolor=\"#e7f5ff\", "
                     f"label={dot_str(value_label(v, values))}];")
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
                             f"color=\"#868e96\"; label={dot_str(wrap(r.label or ''))};")
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
            label = op_label(r) + (f"\n{wrap(notes[r.index])}" if r.index in notes else "")
            lines.append(f"{indent}r{r.index} [label={dot_str(label)}{style}];")

    emit(None, "  ")
    lines.extend(operand_edges(trace, [r for r in records if r.kind == "op"], producer,
                               values))
    for i, v in enumerate(trace.outputs):
        lines.append(f"  out_{i} [shape=ellipse, fillcolor=\"#ebfbee\", "
                     f"label={dot_str('output ' + value_label(v, values))}];")
        source = producer.get(trace.resolve(v.name, producer))
        if source is not None:
            lines.append(f"  {source} -> out_{i} {edge_attrs(v, values)};")
    lines.extend(restyled)
    lines.append("}")
    return "\n".join(lines)


def comparison_dot(c: Comparison) -> str:
    """Both programs as one DOT graph: the default on the left, the custom on the right, each
    equation filled by its status, the equations of each rule boxed, values on the edges."""
    shown = [i for i in window(c.rows) if isinstance(i, Row)]
    lines = dot_header("compare", nodesep=0.25, ranksep=0.3)
    tags = {rule: f"R{n}" for n, rule in enumerate(c.rule_tags(), 1)}
    for side, trace in (("default", c.default), ("custom", c.custom)):
        p = side[0]  # node ids: d12, din_a, dout_0 on the left; c12, ... on the right
        status = {}
        for row in shown:
            record = row.default if side == "default" else row.custom
            if record is not None and record.kind == "op":
                status.setdefault(record.index, row.status)
        drawn = sorted(status)[:MAX_COMPARED_OPS]
        more = len(status) - len(drawn) + sum(
            1 for r in trace.records if r.kind == "op") - len(status)
        title = f"{side}: {trace.name}" + (f" ({more} equations not drawn)" if more else "")
        lines.append(f"  subgraph cluster_{side} {{")
        lines.append(f'    label={dot_str(title)}; color="#868e96"; style=rounded;')
        groups: dict[Rule | None, list[int]] = {}
        for index in drawn:
            groups.setdefault(c.rule_of.get(index) if side == "custom" else None,
                              []).append(index)
        for rule, indexes in groups.items():
            indent = "    "
            if rule is not None:
                lines.append(f"    subgraph cluster_{side}_{tags[rule]} {{")
                lines.append(f'      label={dot_str(wrap(tags[rule] + ": " + rule.label, 40))}; '
                             f'color="{RULE_COLOR}"; style="dashed,rounded"; '
                             f'fontcolor="{RULE_COLOR}";')
                indent = "      "
            for index in indexes:
                lines.append(f"{indent}{p}{index} [label={dot_str(op_label(trace[index]))}, "
                             f'fillcolor="{STATUS_FILL[status[index]]}"];')
            if rule is not None:
                lines.append("    }")
        for v in trace.inputs:
            lines.append(f'    {p}in_{v.name} [shape=ellipse, fillcolor="#e7f5ff", '
                         f"label={dot_str(value_label(v, True))}];")
        for n, v in enumerate(trace.outputs):
            lines.append(f'    {p}out_{n} [shape=ellipse, fillcolor="#ebfbee", '
                         f"label={dot_str('output ' + value_label(v, True))}];")
        lines.append("  }")
        producer = {v.name: f"{p}in_{v.name}" for v in trace.inputs}
        for index in drawn:
            producer.update({v.name: f"{p}{index}" for v in trace[index].outputs})
        lines.extend(operand_edges(trace, [trace[i] for i in drawn], producer, True,
                                   node=p, outside=p))
        for n, v in enumerate(trace.outputs):
            source = producer.get(trace.resolve(v.name, producer))
            if source is not None:
                lines.append(f"  {source} -> {p}out_{n} {edge_attrs(v, True)};")
    lines.append("}")
    return "\n".join(lines)


def dot_header(name: str, nodesep: float, ranksep: float) -> list[str]:
    """The first lines of a DOT graph: its name and the fonts and shapes of every drawing."""
    return [
        f"digraph {name} {{",
        f'  graph [rankdir=TB, fontname="Helvetica", fontsize=10, nodesep={nodesep}, '
        f"ranksep={ranksep}];",
        '  node [fontname="Helvetica", fontsize=10, shape=box, style="rounded,filled", '
        'fillcolor=white];',
        '  edge [fontname="Helvetica", fontsize=9, arrowsize=0.6];',
    ]


def operand_edges(trace: Trace, records: list[Record], producer: dict[str, str],
                  values: bool, node: str = "r", outside: str = "") -> list[str]:
    """An edge from the producer of each operand to the node `{node}{index}` of each record,
    and for an operand whose producer is not drawn a plain node `{outside}ext_{name}` saying
    so. `producer` maps variable names to node ids."""
    lines, declared = [], set()
    for r in records:
        for v in r.inputs:
            if v.literal:
                continue
            source = producer.get(trace.resolve(v.name, producer))
            if source is None:
                source = f"{outside}ext_{v.name}"
                if source not in declared:
                    declared.add(source)
                    lines.append(f'  {source} [shape=plaintext, style="", '
                                 f"label={dot_str(v.name + ' (not drawn)')}];")
            lines.append(f"  {source} -> {node}{r.index} {edge_attrs(v, values)};")
    return lines


def dot_str(text: str) -> str:
    """`text` as a quoted DOT string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def value_label(v: Value, values: bool) -> str:
    """`a: f32[]`, and with `values` ` = 1.0` after it."""
    return f"{v.name}: {v.type}" + (f" = {v.show()}" if values else "")


def op_label(r: Record) -> str:
    """`[3] mul(a, 2.0)`, then one line per parameter."""
    operands = ", ".join(v.show() if v.literal else v.name for v in r.inputs)
    params = "".join(f"\n{k}={val}" for k, val in r.params.items())
    return f"[{r.index}] {r.primitive}({operands}){params}"


def edge_attrs(v: Value, values: bool) -> str:
    """The attributes of an edge carrying `v`: its name (and value), red if not finite."""
    label = f"{v.name} = {v.show()}" if values else v.name
    color = ', color="#c92a2a", fontcolor="#c92a2a", penwidth=1.6' if (
        values and not v.finite) else ""
    return f"[label={dot_str(label)}{color}]"


def wrap(text: str, width: int = 48) -> str:
    """`text` broken into lines of at most `width` characters at spaces (a longer word keeps
    its own line)."""
    return "\n".join(textwrap.wrap(text, width, break_long_words=False,
                                   break_on_hyphens=False)) or text


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
