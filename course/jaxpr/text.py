"""A `Trace`, or a `Comparison` of two, as deterministic text: for `print`, for nbval, and for
the explorers.

The layout follows `jax.make_jaxpr`'s printout (`e:f32[] = mul d b`), with an index per
equation, nested calls indented, and optionally the values and the inf/nan origins.
"""

from __future__ import annotations

from .align import Comparison, Row, window
from .data import Record, Trace, Value, describe_op, origin_notes, origins

MAX_EQUATION_WIDTH = 34  # characters of an equation in a column of the diff
STATUS_MARK = {"same": "=", "changed": "~", "default": "-", "custom": "+"}

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
        lines.extend(f"  {line}" for line in verdict_lines(trace, sources=True))
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


def verdict_lines(trace: Trace, sources: bool = False, colon: bool = True) -> list[str]:
    """`data.origins` as text: `first inf/nan at [3]: exp(100.0) = inf`, one line per origin
    (with the source line of the equation if `sources`; without the colon, as the comparison
    has always printed it, if not `colon`), or `every value is finite`."""
    found = origins(trace)
    if not found:
        return ["every value is finite"]
    return [f"{label} at [{r.index}]{':' if colon else ''} {describe_op(r)}"
            + (f"  ({r.source})" if sources and r.source else "") for label, r in found]


def short_equation(r: Record) -> str:
    """An equation without types: `e = mul d b`, `c = integer_pow[y=2] b`."""
    outs = " ".join(v.name for v in r.outputs) or "()"
    params = ", ".join(f"{k}={v}" for k, v in r.params.items())
    prim = f"{r.primitive}[{params}]" if params else r.primitive
    ins = " ".join(v.show() if v.literal else v.name for v in r.inputs)
    return "  " * r.depth + f"{outs} = {prim} {ins}".rstrip()


def format_comparison(c: Comparison) -> str:
    """The diff as deterministic text: one row per equation, `=` in both, `~` changed, `-`
    only in default, `+` only in custom, with values and the rule that made it (R1, ...)."""
    tags = {rule: f"R{n}" for n, rule in enumerate(c.rule_tags(), 1)}
    items = window(c.rows)
    shown = [i for i in items if isinstance(i, Row)]
    width = min(MAX_EQUATION_WIDTH, max([len(short_equation(r.default)) for r in shown
                                         if r.default] + [7]))
    cwidth = min(MAX_EQUATION_WIDTH, max([len(short_equation(r.custom)) for r in shown
                                          if r.custom] + [6]))
    notes_a = origin_notes(c.default)
    iw = len(f"[{max(len(c.default), len(c.custom))}]") + 1
    lines = [f"compare_rules, mode {c.mode}: {c.call}",
             "  inputs: " + ", ".join(f"{v.name}:{v.type} = {v.show()}"
                                      for v in c.default.inputs),
             "  " + c.verdict,
             "  (= in both, ~ same operation on other operands, - only in default, + only in "
             "custom; values at the inputs)",
             f"    {'':{iw}}{'default':<{width}}   {'':{iw}}custom"]
    for item in items:
        if isinstance(item, str):
            lines.append(f"  {item}")
            continue
        a, b = item.default, item.custom
        left = f"[{a.index}]".ljust(iw) + _cut(short_equation(a), width).ljust(width) if a \
            else " " * (iw + width)
        right = f"[{b.index}]".ljust(iw) + _cut(short_equation(b), cwidth).ljust(cwidth) \
            if b else " " * (iw + cwidth)
        values = _row_values(item)
        tag = tags.get(c.rule_of.get(b.index)) if b is not None else None
        extra = (f"  {tag}" if tag else "") + (
            f"  <-- {notes_a[a.index].split(':')[0]} of default" if a is not None
            and a.index in notes_a and item.status != "same" else "")
        lines.append(f"  {STATUS_MARK[item.status]} {left}   {right}   {values}{extra}".rstrip())
    lines.append("  outputs: default " + _outputs(c.default) + " | custom " + _outputs(c.custom))
    lines.append("  " + comparison_verdict(c))
    lines.extend(f"  {note}" for note in c.rule_notes())
    return "\n".join(lines)


def comparison_verdict(c: Comparison) -> str:
    """`default: first inf/nan at [3] exp(100.0) = inf; custom: every value is finite`."""
    return (f"default: {', '.join(verdict_lines(c.default, colon=False))}; "
            f"custom: {', '.join(verdict_lines(c.custom, colon=False))}")


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 3] + "..."


def _row_values(row: Row) -> str:
    if row.status == "same":
        return _describe(row.default)
    if row.status == "changed":
        a, b = _describe(row.default), _describe(row.custom)
        return f"{a} | {b}" if a != b else f"{a}  (values equal)"
    return _describe(row.default or row.custom)


def _describe(r: Record) -> str:
    if r.kind == "call":
        return f"({r.primitive}: its equations follow)"
    return describe_op(r)


def _outputs(trace: Trace) -> str:
    return ", ".join(f"{v.name} = {v.show()}" for v in trace.outputs) or "()"


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
