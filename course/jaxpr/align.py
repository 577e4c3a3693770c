"""Two evaluated programs aligned equation by equation: plain data, no JAX, no markup.

Alignment is by dataflow, not by position or name: an equation's key is its primitive, its
parameters and the keys of its operands (the inputs of the function by position, literals by
value), so two equations have equal keys exactly when they compute the same thing from the
same inputs. Equal keys are paired in order; the pairs that keep both programs' order are the
anchors of the diff. Between two anchors, leftover equations with the same primitive are
paired as "changed" (the same operation on different values). When the programs have too
little in common (`SHARED_STRUCTURE` of the smaller one), nothing is paired beyond equal keys
and the view says so. Everything is linear in the number of equations, except pairing
leftovers inside one gap, which is skipped for gaps larger than `MAX_GAP_PAIRING`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import deque
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from .data import Record, Rule, Trace

SHARED_STRUCTURE = 0.2  # below this fraction of equations in common, nothing else is paired
MAX_GAP_PAIRING = 40_000  # leftovers of a gap are paired only if len(a) * len(b) is below it
MAX_ROWS = 80  # past this, the views show windows around the differences
CONTEXT = 3  # rows kept on each side of a difference in a window
# Primitives whose operands can be swapped: `add_any a b` and `add_any b a` are one computation.
COMMUTATIVE = {"add", "add_any", "mul", "max", "min", "and", "or", "xor", "eq", "ne"}


@dataclass(frozen=True)
class Row:
    """One line of the diff: `status` is "same" (equal keys), "changed" (same primitive, other
    operands), "default" (only in the default program) or "custom" (only in the custom one)."""

    status: str
    default: Record | None
    custom: Record | None


def structure_keys(trace: Trace) -> list:
    """One key per record (None for notes): equal keys compute the same thing from the same
    inputs of the function."""
    producer: dict[str, object] = {v.name: ("in", i) for i, v in enumerate(trace.inputs)}
    keys: list = []
    for r in trace.records:
        if r.kind == "note":
            keys.append(None)
            continue
        operands = tuple(("lit", v.type, v.show()) if v.literal else
                         producer.get(trace.resolve(v.name, producer), ("free", v.name))
                         for v in r.inputs)
        if r.primitive in COMMUTATIVE:
            operands = tuple(sorted(operands, key=hash))
        key = hash((r.primitive, tuple(r.params.items()), operands,
                    tuple(v.type for v in r.outputs)))
        keys.append(key)
        for i, v in enumerate(r.outputs):
            if v.name != "_" and (r.kind == "op" or v.name not in trace.aliases):
                producer[v.name] = (key, i)
    return keys


def align(default: Trace, custom: Trace) -> tuple[list[Row], int, bool]:
    """The rows of the diff, the number of equations in both, and whether the programs share
    enough structure for leftovers to be paired as "changed"."""
    ka, kb = structure_keys(default), structure_keys(custom)
    waiting: dict = {}
    for j, k in enumerate(kb):
        if k is not None:
            waiting.setdefault(k, deque()).append(j)
    pairs = []
    for i, k in enumerate(ka):
        queue = waiting.get(k) if k is not None else None
        if queue:
            pairs.append((i, queue.popleft()))
    counted = min(sum(k is not None for k in ka), sum(k is not None for k in kb))
    shared = bool(pairs) and len(pairs) >= SHARED_STRUCTURE * counted
    partner_a = dict(pairs)
    partners_b = set(partner_a.values())
    anchors = _increasing(pairs)
    rows: list[Row] = []
    prev_i = prev_j = -1
    for i, j in anchors + [(len(ka), len(kb))]:
        gap_a = [x for x in range(prev_i + 1, i) if ka[x] is not None]
        gap_b = [y for y in range(prev_j + 1, j) if kb[y] is not None]
        rows.extend(_gap_rows(default, custom, gap_a, gap_b, partner_a, partners_b,
                              shared))
        if i < len(ka):
            rows.append(Row("same", default[i], custom[j]))
        prev_i, prev_j = i, j
    return rows, len(pairs), shared


def _increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of pairs increasing in both coordinates (pairs come sorted by the
    first): patience sorting, O(n log n)."""
    tails: list[int] = []  # tails[k]: the smallest second coordinate ending a run of k + 1
    tail_at: list[int] = []
    before = [-1] * len(pairs)
    for n, (_, j) in enumerate(pairs):
        k = bisect_left(tails, j)
        before[n] = tail_at[k - 1] if k else -1
        if k == len(tails):
            tails.append(j)
            tail_at.append(n)
        else:
            tails[k], tail_at[k] = j, n
    out, n = [], tail_at[-1] if tail_at else -1
    while n >= 0:
        out.append(pairs[n])
        n = before[n]
    return out[::-1]
def _gap_rows(default, custom, gap_a, gap_b, partner_a, partners_b, shared) -> list[Row]:
    rows: list[Row] = []
    # Pairs whose order crosses an anchor are still the same computation: shown at the
    # default program's position.
    for x in gap_a:
        if x in partner_a:
            rows.append(Row("same", default[x], custom[partner_a[x]]))
    left = [x for x in gap_a if x not in partner_a]
    right = [y for y in gap_b if y not in partners_b]
    if not (shared and left and right):
        rows.extend(Row("default", default[x], None) for x in left)
        rows.extend(Row("custom", None, custom[y]) for y in right)
        return rows
    # Same primitives at the start and at the end of the gap are paired in linear time; the
    # middle by difflib when it is small enough.
    prims_a = [default[x].primitive for x in left]
    prims_b = [custom[y].primitive for y in right]
    start = 0
    while start < min(len(left), len(right)) and prims_a[start] == prims_b[start]:
        start += 1
    end = 0
    while (end < min(len(left), len(right)) - start
           and prims_a[-1 - end] == prims_b[-1 - end]):
        end += 1
    rows.extend(Row("changed", default[left[k]], custom[right[k]]) for k in range(start))
    mid_a, mid_b = left[start:len(left) - end], right[start:len(right) - end]
    if mid_a and mid_b and len(mid_a) * len(mid_b) <= MAX_GAP_PAIRING:
        matcher = SequenceMatcher(None, prims_a[start:len(left) - end],
                                  prims_b[start:len(right) - end], autojunk=False)
        for tag, a0, a1, b0, b1 in matcher.get_opcodes():
            if tag == "equal":
                rows.extend(Row("changed", default[mid_a[a0 + k]], custom[mid_b[b0 + k]])
                            for k in range(a1 - a0))
            else:
                rows.extend(Row("default", default[x], None) for x in mid_a[a0:a1])
                rows.extend(Row("custom", None, custom[y]) for y in mid_b[b0:b1])
    else:
        rows.extend(Row("default", default[x], None) for x in mid_a)
        rows.extend(Row("custom", None, custom[y]) for y in mid_b)
    rows.extend(Row("changed", default[left[len(left) - end + k]],
                    custom[right[len(right) - end + k]]) for k in range(end))
    return rows


@dataclass
class Comparison:
    """Two evaluated programs, aligned. `rule_of` maps custom record indexes to their rule."""

    mode: str
    call: str
    default: Trace
    custom: Trace
    rows: list[Row]
    in_both: int
    shared: bool
    rules: list[Rule] = field(default_factory=list)
    rule_of: dict[int, Rule] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.rows)

    @property
    def verdict(self) -> str:
        sizes = (f"default: {self.default.equation_count} equations, custom: "
                 f"{self.custom.equation_count} equations; "
                 f"{self.count('same')} in both, {self.count('changed')} changed, "
                 f"{self.count('default')} only in default, {self.count('custom')} only in "
                 "custom")
        if self.in_both == 0:
            return (sizes + ". The two programs share no structure: no equation computes the "
                    "same thing from the same inputs in both, so none is paired.")
        if not self.shared:
            return (sizes + f". The two programs share almost no structure (under "
                    f"{SHARED_STRUCTURE:.0%} of the smaller one), so nothing else is paired.")
        return sizes + "."

    def rule_notes(self) -> list[str]:
        """Which rule made which equations, and the rules no equation was put down to."""
        made: dict[Rule, list[int]] = {}
        for index, rule in sorted(self.rule_of.items()):
            made.setdefault(rule, []).append(index)
        notes = [f"R{n} = {rule.label}: {index_ranges(made[rule])}"
                 + (" (found by the call's line and column: JAX keeps no line of bwd itself)"
                    if rule.role == "bwd" else "")
                 for n, rule in enumerate(self.rule_tags(), 1)]
        for rule in self.rules:
            if rule not in made:
                notes.append(f"{rule.label}: no equation of this program is traced to it "
                             "(it added none, or JAX kept no line of it)")
        if not self.rules:
            notes.append("no custom_jvp or custom_vjp call in the custom function, so no "
                         "equation is put down to a rule")
        return notes

    def rule_tags(self) -> list[Rule]:
        """The rules that made equations, in order of their first equation (R1, R2, ...)."""
        return list(dict.fromkeys(rule for _, rule in sorted(self.rule_of.items())))


def index_ranges(indexes: list[int]) -> str:
    """Sorted record indexes as ranges: `[3]-[5], [9]`.

    >>> index_ranges([3, 4, 5, 9])
    '[3]-[5], [9]'
    """
    parts, start = [], indexes[0]
    for a, b in zip(indexes, indexes[1:] + [None]):
        if b != a + 1:
            parts.append(f"[{start}]" if start == a else f"[{start}]-[{a}]")
            start = b
    return ", ".join(parts)


def window(rows: list[Row], limit: int = MAX_ROWS) -> list:
    """The rows to show: all, or past `limit` the rows around differences (`limit` rows at
    most: equations only in one program first, then changed ones, each in order), with lines
    saying what was left out."""
    if len(rows) <= limit:
        return list(rows)
    differences = sorted((n for n, row in enumerate(rows) if row.status != "same"),
                         key=lambda n: (rows[n].status == "changed", n))
    keep: set[int] = set()
    for n in differences:
        near = set(range(max(0, n - CONTEXT), min(len(rows), n + CONTEXT + 1)))
        if len(keep | near) > limit:
            break
        keep |= near
    if not differences:
        keep = set(range(CONTEXT * 2))
    items: list = []
    hidden = 0
    for n, row in enumerate(rows):
        if n in keep:
            if hidden:
                items.append(f"... {hidden} rows not shown ...")
                hidden = 0
            items.append(row)
        else:
            hidden += 1
    rest = sum(1 for n in differences if n not in keep)
    if hidden or rest:
        items.append(f"... {hidden} rows not shown"
                     + (f", {rest} more differences among them" if rest else "")
                     + f" (the text shows at most {limit} rows) ...")
    return items
