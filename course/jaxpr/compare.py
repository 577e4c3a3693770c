"""`compare_rules`: the program JAX builds for the derivative of a function by default, and the
one it builds with a custom rule, aligned equation by equation and diffed, with the values at
the given inputs and the equations each custom rule contributed marked.

Alignment is by dataflow, not by position or name: an equation's key is its primitive, its
parameters and the keys of its operands (the inputs of the function by position, literals by
value), so two equations have equal keys exactly when they compute the same thing from the
same inputs. Equal keys are paired in order; the pairs that keep both programs' order are the
anchors of the diff. Between two anchors, leftover equations with the same primitive are
paired as "changed" (the same operation on different values). When the programs have too
little in common (`SHARED_STRUCTURE` of the smaller one), nothing is paired beyond equal keys
and the view says so. Everything is linear in the number of equations, except pairing
leftovers inside one gap, which is skipped for gaps larger than `MAX_GAP_PAIRING`.

Which rule made an equation: JAX keeps the Python stack of every equation. An equation is put
down to a custom rule when that rule's function is on its stack; the `bwd` of a `custom_vjp`
is not (JAX records its equations with the traceback of the call of the custom function), so
those are recognised by that call's line and column, and the view says so.
"""

from __future__ import annotations

import html
from bisect import bisect_left
from collections import deque
from dataclasses import dataclass, field
from difflib import SequenceMatcher

import jax
import numpy as np

from .. import compat
from .data import Record, Trace, describe_op, format_array, origin_notes
from .evaluate import Interpreter, Names
from .graph import (
    GraphvizFailedError,
    GraphvizNotFoundError,
    _dot_str,
    _edge_attrs,
    _op_label,
    _resolve,
    _value_label,
    _wrap,
    render_svg,
)
from .html import svg_img
from .tracing import function_name, make_jaxpr_checked

MODES = ("grad", "jvp", "vjp")
SHARED_STRUCTURE = 0.2  # below this fraction of equations in common, nothing else is paired
MAX_GAP_PAIRING = 40_000  # leftovers of a gap are paired only if len(a) * len(b) is below it
MAX_ROWS = 80  # past this, the text shows windows around the differences
CONTEXT = 3  # rows kept on each side of a difference in a window
MAX_GRAPH_OPS = 40  # equations drawn per side
MAX_EQUATION_WIDTH = 34
# Primitives whose operands can be swapped: `add_any a b` and `add_any b a` are one computation.
COMMUTATIVE = {"add", "add_any", "mul", "max", "min", "and", "or", "xor", "eq", "ne"}
STATUS_MARK = {"same": "=", "changed": "~", "default": "-", "custom": "+"}
STATUS_FILL = {"same": "white", "changed": "#fff3bf", "default": "#ffc9c9",
               "custom": "#d3f9d8"}
RULE_COLOR = "#7048e8"


class RuleComparisonError(ValueError):
    """compare_rules or show_residuals could not build a program; the message is one line."""


# ---------------------------------------------------------------------------------- rules ---

@dataclass(frozen=True)
class Rule:
    """One rule of a custom function met in the primal program."""

    function: str  # the decorated function
    role: str  # "jvp", "fwd" or "bwd"
    name: str  # the rule's function name
    file: str
    call_site: str  # where the custom function was called ("file:line:column (function)")

    @property
    def label(self) -> str:
        if _in_jax(self.file):  # the wrapper JAX writes around the functions given to defjvps
            return f"{self.role} rule of {self.function} (made by defjvps)"
        return f"{self.role} rule {self.name} of {self.function}"


def _in_jax(file: str) -> bool:
    return "/jax/_src/" in file.replace("\\", "/")


def find_rules(closed) -> list[Rule]:
    """The rules of every custom_jvp / custom_vjp call in a (primal) closed jaxpr, nested
    calls included, in order of appearance."""
    rules: list[Rule] = []
    seen: set = set()

    def walk(jaxpr) -> None:
        for eqn in jaxpr.eqns:
            if compat.is_custom_call(eqn):
                function = compat.custom_rule_names(eqn)["name"] or "?"
                _, site = compat.equation_stack(eqn)
                for role, source in compat.custom_rule_sources(eqn).items():
                    if source is not None and (role, *source, site) not in seen:
                        seen.add((role, *source, site))
                        rules.append(Rule(function, role, source[0], source[1], site))
            for inner in _inner_jaxprs(eqn):
                walk(inner.jaxpr)

    walk(closed.jaxpr)
    return rules


def _inner_jaxprs(eqn) -> list:
    inner = compat.nested_call(eqn)
    if inner is not None and hasattr(inner, "jaxpr"):
        return [inner]
    if eqn.primitive.name == "while":
        cond, body, _, _ = compat.while_parts(eqn)
        return [cond, body]
    if eqn.primitive.name == "cond":
        return list(compat.cond_branches(eqn))
    return []


class Attribution:
    """Puts equations down to the rules of a program (see the module docstring)."""

    def __init__(self, rules: list[Rule]):
        self.rules = rules
        self.by_frame = {(r.file, r.name): r for r in rules}
        self.by_site = {r.call_site: r for r in rules if r.role == "bwd"}
        self._cache: dict = {}

    def __call__(self, eqn) -> Rule | None:
        if not self.rules:
            return None
        frames, site = compat.equation_stack(eqn)
        key = (frames, site)
        if key not in self._cache:
            self._cache[key] = next(
                (self.by_frame[f] for f in frames if f in self.by_frame),
                self.by_site.get(site))
        return self._cache[key]


class _AttributingInterpreter(Interpreter):
    def __init__(self, names: Names, attribute: Attribution):
        super().__init__(names)
        self.attribute = attribute
        self.rule_of: dict[int, Rule] = {}

    def record(self, eqn, invals, outvals, depth, parent, kind="op", label=None) -> int:
        index = super().record(eqn, invals, outvals, depth, parent, kind, label)
        rule = self.attribute(eqn)
        if rule is None and parent is not None and self.records[parent].primitive == "jit":
            # The equations inside a `jit` call (jnp.clip is one) belong to the rule that made
            # the call: JAX reuses a traced inner jaxpr, with the source info of its first trace.
            rule = self.rule_of.get(parent)
        if rule is not None:
            self.rule_of[index] = rule
        return index


def evaluate_attributed(closed, flat_args, name: str, rules: list[Rule]):
    """As `evaluate_jaxpr`, plus {record index: Rule} for the equations a rule made."""
    names = Names()
    interp = _AttributingInterpreter(names, Attribution(rules))
    in_values = [np.asarray(a) for a in flat_args]
    for v in closed.jaxpr.invars:  # inputs first: a, b, c, ... in the order they are passed
        names.name(v)
    out_values = interp.run(closed.jaxpr, closed.consts, in_values, depth=0, parent=None)
    trace = Trace(
        name=name,
        inputs=tuple(names.value(v, x) for v, x in zip(closed.jaxpr.invars, in_values)),
        outputs=tuple(names.value(v, x) for v, x in zip(closed.jaxpr.outvars, out_values)),
        records=interp.records,
        aliases=interp.aliases,
    )
    return trace, interp.rule_of


# ------------------------------------------------------------------------ input checks ---

def check_inputs(caller: str, fns: list, args: tuple) -> list:
    """Check the functions and arguments the way `trace_jaxpr` does, plus what
    differentiation needs (float inputs); return each function's primal closed jaxpr. Every
    problem is a one-line error naming the function."""
    for leaf_index, leaf in enumerate(jax.tree_util.tree_leaves(args)):
        dtype = np.asarray(leaf).dtype if _array_like(leaf) else None
        if dtype is not None and not np.issubdtype(dtype, np.inexact):
            raise RuleComparisonError(
                f"{caller}: input {leaf_index + 1} is {format_array(np.asarray(leaf))} "
                f"({dtype}), which cannot be differentiated: pass floats, e.g. "
                f"{float(np.asarray(leaf).flat[0])!r} instead of "
                f"{np.asarray(leaf).flat[0].item()!r}.")
    primals = []
    for fn in fns:
        try:
            primals.append(make_jaxpr_checked(fn, *args))
        except (TypeError, ValueError) as e:
            raise RuleComparisonError(f"{caller}: {_one_line(e)}") from None
        except Exception as e:  # the learner's function raised: say which, in one line
            raise RuleComparisonError(
                f"{caller}: {_name(fn)}{_call_args(args)} raised {type(e).__name__}: "
                f"{_one_line(e)}") from None
    return primals


def _array_like(leaf) -> bool:
    return isinstance(leaf, (int, float, bool, np.ndarray, np.generic, jax.Array))


def _name(fn) -> str:
    return function_name(fn) if callable(fn) else repr(fn)


def _call_args(args) -> str:
    return "(" + ", ".join(format_array(np.asarray(a)) if _array_like(a) else "..."
                           for a in args) + ")"


def _one_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = lines[0] if lines else type(error).__name__
    return text if len(text) <= 240 else text[:240] + "..."


def _out_types(closed) -> list[str]:
    return [f"{v.aval.dtype}{list(v.aval.shape)}" for v in closed.jaxpr.outvars]


def differentiated(fn, args: tuple, mode: str):
    """The function whose jaxpr is the `mode` program of `fn` at `args`: `grad` with respect
    to every argument, `jvp` with tangents of ones, `vjp` with output cotangents of ones."""
    argnums = tuple(range(len(args)))
    ones = jax.tree_util.tree_map(lambda a: np.ones_like(np.asarray(a)), args)
    if mode == "grad":
        return jax.grad(fn, argnums=argnums if len(args) > 1 else 0)
    if mode == "jvp":
        return lambda *a: jax.jvp(fn, a, ones)

    def vjp(*a):
        out, pullback = jax.vjp(fn, *a)
        return out, pullback(jax.tree_util.tree_map(jax.numpy.ones_like, out))

    return vjp


def trace_mode(caller: str, fn, args: tuple, mode: str, rules: list[Rule], role: str):
    """The `mode` program of `fn` evaluated at `args`, with the equations its rules made."""
    try:
        closed = jax.make_jaxpr(differentiated(fn, args, mode))(*args)
    except Exception as e:  # the learner's rule or function raised: one line, naming it
        raise RuleComparisonError(
            f"{caller}: {mode} of {_name(fn)} ({role}) failed with {type(e).__name__}: "
            f"{_one_line(e)}") from None
    return evaluate_attributed(closed, jax.tree_util.tree_leaves(args), _name(fn), rules)


# --------------------------------------------------------------------------- alignment ---

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
                         _operand_key(v.name, producer, trace.aliases) for v in r.inputs)
        if r.primitive in COMMUTATIVE:
            operands = tuple(sorted(operands, key=hash))
        key = hash((r.primitive, tuple(r.params.items()), operands,
                    tuple(v.type for v in r.outputs)))
        keys.append(key)
        for i, v in enumerate(r.outputs):
            if v.name != "_" and (r.kind == "op" or v.name not in trace.aliases):
                producer[v.name] = (key, i)
    return keys


def _operand_key(name: str, producer: dict, aliases: dict):
    seen = set()
    root = name
    while root not in producer and root in aliases and root not in seen:
        seen.add(root)
        root = aliases[root]
    return producer.get(root, ("free", name))


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


# -------------------------------------------------------------------------- comparison ---

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
        sizes = (f"default: {_n(self.default)} equations, custom: {_n(self.custom)} equations; "
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
        notes = [f"R{n} = {rule.label}: {_index_ranges(made[rule])}"
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
        return list(dict.fromkeys(rule for _, rule in sorted(self.rule_of.items())))


def _n(trace: Trace) -> int:
    return sum(r.kind != "note" for r in trace.records)


def _index_ranges(indexes: list[int]) -> str:
    parts, start = [], indexes[0]
    for a, b in zip(indexes, indexes[1:] + [None]):
        if b != a + 1:
            parts.append(f"[{start}]" if start == a else f"[{start}]-[{a}]")
            start = b
    return ", ".join(parts)


def compare(default_fn, custom_fn, args: tuple, mode: str = "grad") -> Comparison:
    """Trace, evaluate and align the `mode` programs of the two functions at `args`."""
    caller = "compare_rules"
    if mode not in MODES:
        raise RuleComparisonError(
            f"{caller}: mode must be one of {', '.join(map(repr, MODES))}, got {mode!r}.")
    if not args:
        raise RuleComparisonError(
            f"{caller}: give the inputs to differentiate at, e.g. "
            "compare_rules(naive, custom, 100.0).")
    primals = check_inputs(caller, [default_fn, custom_fn], args)
    types = [_out_types(p) for p in primals]
    if types[0] != types[1]:
        raise RuleComparisonError(
            f"{caller}: {_name(default_fn)} returns {types[0]} but {_name(custom_fn)} returns "
            f"{types[1]}; compare two versions of one function.")
    if mode == "grad" and types[0] != [f"{primals[0].jaxpr.outvars[0].aval.dtype}[]"]:
        raise RuleComparisonError(
            f"{caller}: mode='grad' needs {_name(default_fn)} to return one scalar, it returns "
            f"{types[0]}; use mode='vjp'.")
    rules = find_rules(primals[1])
    default, _ = trace_mode(caller, default_fn, args, mode, find_rules(primals[0]), "default")
    custom, rule_of = trace_mode(caller, custom_fn, args, mode, rules, "custom")
    rows, in_both, shared = align(default, custom)
    at = ", ".join(format_array(np.asarray(a)) for a in jax.tree_util.tree_leaves(args))
    return Comparison(mode, f"{_name(default_fn)} / {_name(custom_fn)} at {at}", default,
                      custom, rows, in_both, shared, rules, rule_of)


# -------------------------------------------------------------------------------- text ---

def short_equation(r: Record) -> str:
    """An equation without types: `e = mul d b`, `c = integer_pow[y=2] b`."""
    outs = " ".join(v.name for v in r.outputs) or "()"
    params = ", ".join(f"{k}={v}" for k, v in r.params.items())
    prim = f"{r.primitive}[{params}]" if params else r.primitive
    ins = " ".join(v.show() if v.literal else v.name for v in r.inputs)
    return "  " * r.depth + f"{outs} = {prim} {ins}".rstrip()


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


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 3] + "..."


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
    lines.append("  default: " + _health(c.default) + "; custom: " + _health(c.custom))
    lines.extend(f"  {note}" for note in c.rule_notes())
    return "\n".join(lines)


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


def _health(trace: Trace) -> str:
    bad, nan = trace.first_nonfinite, trace.first_nan
    if bad is None and nan is None:
        return "every value is finite"
    parts = []
    if bad is not None:
        parts.append(f"first inf/nan at [{bad.index}] {describe_op(bad)}")
    if nan is not None and nan is not bad:
        parts.append(f"first nan at [{nan.index}] {describe_op(nan)}")
    return ", ".join(parts)


# ------------------------------------------------------------------------------- graph ---

def comparison_dot(c: Comparison) -> str:
    """Both programs as one DOT graph: the default on the left, the custom on the right, each
    equation filled by its status, the equations of each rule boxed, values on the edges."""
    shown = [i for i in window(c.rows) if isinstance(i, Row)]
    lines = [
        "digraph compare {",
        '  graph [rankdir=TB, fontname="Helvetica", fontsize=10, nodesep=0.25, ranksep=0.3];',
        '  node [fontname="Helvetica", fontsize=10, shape=box, style="rounded,filled", '
        'fillcolor=white];',
        '  edge [fontname="Helvetica", fontsize=9, arrowsize=0.6];',
    ]
    tags = {rule: f"R{n}" for n, rule in enumerate(c.rule_tags(), 1)}
    for side, trace in (("default", c.default), ("custom", c.custom)):
        status = {}
        for row in shown:
            record = row.default if side == "default" else row.custom
            if record is not None and record.kind == "op":
                status.setdefault(record.index, row.status)
        drawn = sorted(status)[:MAX_GRAPH_OPS]
        more = len(status) - len(drawn) + sum(
            1 for r in trace.records if r.kind == "op") - len(status)
        title = f"{side}: {trace.name}" + (f" ({more} equations not drawn)" if more else "")
        lines.append(f"  subgraph cluster_{side} {{")
        lines.append(f'    label={_dot_str(title)}; color="#868e96"; style=rounded;')
        groups: dict[Rule | None, list[int]] = {}
        for index in drawn:
            groups.setdefault(c.rule_of.get(index) if side == "custom" else None,
                              []).append(index)
        for rule, indexes in groups.items():
            indent = "    "
            if rule is not None:
                lines.append(f"    subgraph cluster_{side}_{tags[rule]} {{")
                lines.append(f'      label={_dot_str(_wrap(tags[rule] + ": " + rule.label, 40))}; '
                             f'color="{RULE_COLOR}"; style="dashed,rounded"; '
                             f'fontcolor="{RULE_COLOR}";')
                indent = "      "
            for index in indexes:
                r = trace[index]
                lines.append(f"{indent}{side[0]}{index} [label={_dot_str(_op_label(r))}, "
                             f'fillcolor="{STATUS_FILL[status[index]]}"];')
            if rule is not None:
                lines.append("    }")
        for v in trace.inputs:
            lines.append(f'    {side[0]}in_{v.name} [shape=ellipse, fillcolor="#e7f5ff", '
                         f"label={_dot_str(_value_label(v, True))}];")
        for n, v in enumerate(trace.outputs):
            lines.append(f'    {side[0]}out_{n} [shape=ellipse, fillcolor="#ebfbee", '
                         f"label={_dot_str('output ' + _value_label(v, True))}];")
        lines.append("  }")
        lines.extend(_edges(side[0], trace, drawn))
    lines.append("}")
    return "\n".join(lines)


def _edges(prefix: str, trace: Trace, drawn: list[int]) -> list[str]:
    producer = {v.name: f"{prefix}in_{v.name}" for v in trace.inputs}
    for index in drawn:
        producer.update({v.name: f"{prefix}{index}" for v in trace[index].outputs})
    lines, outside = [], set()
    for index in drawn:
        for v in trace[index].inputs:
            if v.literal:
                continue
            source = _resolve(v.name, producer, trace.aliases)
            if source is None:
                source = f"{prefix}ext_{v.name}"
                if source not in outside:
                    outside.add(source)
                    lines.append(f'  {source} [shape=plaintext, style="", '
                                 f"label={_dot_str(v.name + ' (not drawn)')}];")
            lines.append(f"  {source} -> {prefix}{index} {_edge_attrs(v, True)};")
    for n, v in enumerate(trace.outputs):
        source = _resolve(v.name, producer, trace.aliases)
        if source is not None:
            lines.append(f"  {source} -> {prefix}out_{n} {_edge_attrs(v, True)};")
    return lines


def comparison_html(c: Comparison, text: str) -> str:
    esc = html.escape
    legend = " ".join(f'<span style="background:{STATUS_FILL[s]};border:1px solid #adb5bd;'
                      f'padding:0 4px">{esc(label)}</span>' for s, label in
                      (("same", "in both"), ("changed", "changed"),
                       ("default", "only in default"), ("custom", "only in custom")))
    parts = [f'<div class="course-compare"><div><b>compare_rules, mode {esc(c.mode)}: '
             f"{esc(c.call)}</b></div>",
             f"<div>{esc(c.verdict)}</div>",
             f"<div>default: {esc(_health(c.default))}; custom: {esc(_health(c.custom))}</div>",
             f"<div>{legend} <span style=\"color:{RULE_COLOR}\">dashed box: the equations "
             "a rule made</span></div>"]
    parts.extend(f"<div><small>{esc(note)}</small></div>" for note in c.rule_notes())
    try:
        parts.append(svg_img(render_svg(comparison_dot(c)),
                             f"the {c.mode} programs of {c.call}, side by side"))
    except (GraphvizNotFoundError, GraphvizFailedError) as e:
        parts.append(f"<div><i>No graph: {esc(str(e))}</i></div>")
    parts.append(f"<details><summary>the diff as text</summary><pre>{esc(text)}</pre>"
                 "</details></div>")
    return "".join(parts)


class TextView:
    """A view whose `str()` (also its repr, and what IPython prints) is `text()`, made once."""

    _text: str | None = None

    def text(self) -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        if self._text is None:
            self._text = self.text()
        return self._text

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(str(self))


class RuleComparison(TextView):
    """Displays a `Comparison`: `str()` is the text diff, `_repr_html_()` both graphs."""

    def __init__(self, comparison: Comparison):
        self.comparison = comparison

    def text(self) -> str:
        return format_comparison(self.comparison)

    def _repr_html_(self) -> str:
        return comparison_html(self.comparison, str(self))

    def dot(self) -> str:
        """The Graphviz DOT source of the drawing."""
        return comparison_dot(self.comparison)


def compare_rules(default_fn, custom_fn, *args, mode: str = "grad") -> RuleComparison:
    """The program JAX builds for the derivative of `default_fn` (plain autodiff) and of
    `custom_fn` (the same function with a custom rule), at `args`, aligned and diffed: text
    with `print`, two graphs in a notebook. `mode` is "grad", "jvp" or "vjp"."""
    return RuleComparison(compare(default_fn, custom_fn, args, mode))
