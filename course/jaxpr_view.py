"""`show_jaxpr`: a trace shown as deterministic text (for print and nbval) or as HTML."""

from __future__ import annotations

from .jaxpr import Record, Trace, Value, format_array, function_name, trace_jaxpr

MAX_TEXT_RECORDS = 120  # past this, the text view shows the start, the end and the nan origins
CONTEXT = 4  # equations kept on each side of an inf/nan origin when summarizing


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
        from .jaxpr_html import trace_html

        return trace_html(self.trace, values=self.values, title=self.call, text=str(self))

    def dot(self) -> str:
        """The Graphviz DOT source of the drawing."""
        from .jaxpr_html import trace_dot

        return trace_dot(self.trace, values=self.values)


def origin_notes(trace: Trace) -> dict[int, str]:
    """Short notes for the records where the first inf/nan and the first nan appeared."""
    labels: dict[int, str] = {}
    if trace.first_nonfinite is not None:
        labels[trace.first_nonfinite.index] = "first inf/nan"
    if trace.first_nan is not None:
        i = trace.first_nan.index
        labels[i] = f"{labels[i]}, first nan" if i in labels else "first nan"
    return {i: f"{label}: {describe_op(trace[i])}" for i, label in labels.items()}


def describe_op(record: Record) -> str:
    args = ", ".join(v.show() for v in record.inputs)
    outs = ", ".join(v.show() for v in record.outputs)
    return f"{record.primitive}({args}) = {outs}"


def equation_text(record: Record) -> str:
    outs = " ".join(f"{v.name}:{v.type}" for v in record.outputs) or "()"
    params = ", ".join(f"{k}={v}" for k, v in record.params.items())
    prim = f"{record.primitive}[{params}]" if params else record.primitive
    ins = " ".join(_operand(v) for v in record.inputs)
    return f"{outs} = {prim} {ins}".rstrip()


def _operand(v: Value) -> str:
    return f"{v.name}:{v.type}" if v.literal else v.name


def format_trace(trace: Trace, values: bool = False, title: str | None = None) -> str:
    notes = origin_notes(trace) if values else {}
    lines = [f"jaxpr of {title or trace.name}"]
    lines.append("  inputs:  " + _values_text(trace.inputs, values))
    for item in summarize(trace, notes):
        if isinstance(item, str):
            lines.append(f"  {item}")
            continue
        lines.extend(_record_lines(item, values, notes))
    lines.append("  outputs: " + _values_text(trace.outputs, values))
    if values:
        lines.extend(f"  {note}" for note in _origin_summary(trace))
    return "\n".join(lines)


def _values_text(vals: tuple[Value, ...], values: bool) -> str:
    if not vals:
        return "()"
    return ", ".join(f"{v.name}:{v.type}" + (f" = {v.show()}" if values else "") for v in vals)


def _record_lines(r: Record, values: bool, notes: dict[int, str]) -> list[str]:
    pad = "    " * (r.depth + 1)
    if r.kind == "note":
        return [f"{pad}# {r.label}"]
    if r.kind == "call":
        head = f"{pad}[{r.index}] {equation_text(r)}"
        out = [head, f"{pad}    # {r.label}"]
        if values:
            out.append(f"{pad}    # {_assign(r)}")
        return out
    line = f"{pad}[{r.index}] {equation_text(r)}"
    if values:
        line += f"    # {_assign(r)}"
    if r.index in notes:
        line += f"    <-- {notes[r.index]}"
    return [line]


def _assign(r: Record) -> str:
    return ", ".join(f"{v.name} = {v.show()}" for v in r.outputs) or "(no outputs)"


def _origin_summary(trace: Trace) -> list[str]:
    first_bad, first_nan = trace.first_nonfinite, trace.first_nan
    if first_bad is None and first_nan is None:
        return ["every value is finite"]
    out = []
    if first_bad is not None:
        out.append(f"first inf/nan at [{first_bad.index}]: {describe_op(first_bad)}"
                   + (f"  ({first_bad.source})" if first_bad.source else ""))
    if first_nan is not None:
        out.append(f"first nan at [{first_nan.index}]: {describe_op(first_nan)}"
                   + (f"  ({first_nan.source})" if first_nan.source else ""))
    return out


def summarize(trace: Trace, notes: dict[int, str], limit: int = MAX_TEXT_RECORDS) -> list:
    """The records to show: all of them, or past `limit` the start, the end and the
    neighbourhood of each inf/nan origin, with a line saying how many were left out."""
    records = trace.records
    if len(records) <= limit:
        return list(records)
    keep = set(range(limit // 2)) | set(range(len(records) - limit // 4, len(records)))
    for index in notes:
        keep |= set(range(max(0, index - CONTEXT), min(len(records), index + CONTEXT + 1)))
    items: list = []
    hidden = 0
    for r in records:
        if r.index in keep:
            if hidden:
                items.append(f"... {hidden} equations not shown ...")
                hidden = 0
            items.append(r)
        else:
            hidden += 1
    if hidden:
        items.append(f"... {hidden} equations not shown ...")
    return items
