"""A `Trace` as deterministic text: for `print`, for nbval, and for the explorers.

The layout follows `jax.make_jaxpr`'s printout (`e:f32[] = mul d b`), with an index per
equation, nested calls indented, and optionally the values and the inf/nan origins.
"""

from __future__ import annotations

from .data import Record, Trace, Value, describe_op, origin_notes

MAX_TEXT_RECORDS = 120  # past this, the text view shows the start, the end and the nan origins
CONTEXT = 4  # equations kept on each side of an inf/nan origin when summarizing


def format_trace(trace: Trace, values: bool = False, title: str | None = None) -> str:
    """As `print(jax.make_jaxpr(fn)(*args))`, but with `[index]` numbers, nested calls shown
    inline and, with `values=True`, every value and the birthplace of the first inf and nan."""
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


def equation_text(record: Record) -> str:
    """One equation as `jax.make_jaxpr` prints it, with short names: `e:f32[] = mul d b`."""
    outs = " ".join(f"{v.name}:{v.type}" for v in record.outputs) or "()"
    params = ", ".join(f"{k}={v}" for k, v in record.params.items())
    prim = f"{record.primitive}[{params}]" if params else record.primitive
    ins = " ".join(_operand(v) for v in record.inputs)
    return f"{outs} = {prim} {ins}".rstrip()


def _operand(v: Value) -> str:
    return f"{v.name}:{v.type}" if v.literal else v.name


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
