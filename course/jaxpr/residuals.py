"""`show_residuals` and `compare_residuals`: reverse mode split as `jax.vjp` splits it, into a
forward program (the outputs, plus the residuals it keeps) and a backward program (residuals
and output cotangents in, input cotangents out), both evaluated, with every residual listed:
its shape, dtype, bytes, and whether it is an input kept as it is or an array computed only
for the backward pass. For a `custom_vjp` function the residuals are the ones its `fwd` rule
returns (plus those of the plain operations around it); for plain autodiff, JAX's own.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import jax
import numpy as np

from .. import compat
from ..display import TextView
from .align import index_ranges
from .data import Rule, Trace, Value
from .evaluate import evaluate_jaxpr
from .graph import RULE_COLOR, dot_str, trace_dot
from .html import graph_html
from .rules import Attribution, find_rules
from .text import format_trace, short_equation
from .tracing import (
    call_args,
    check_inputs,
    display_name,
    input_error,
    one_line,
    paused_gc,
)

RESIDUAL_FILL = "#e5dbff"


@dataclass(frozen=True)
class Residual:
    """One array that `jax.vjp` keeps between the forward and the backward program."""

    number: int
    forward: Value  # as the forward program returns it
    backward: Value  # as the backward program reads it
    origin: str  # "the input a itself", "computed by forward [1] b = cos a", "a constant"

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.forward.shape, dtype=np.int64)) * np.dtype(
            self.forward.dtype).itemsize

    @property
    def is_input(self) -> bool:
        return self.origin.startswith("the input")


@dataclass
class Split:
    """The forward and backward programs of one function at some inputs."""

    call: str
    forward: Trace
    backward: Trace
    n_outputs: int
    residuals: list[Residual]
    rules: list[Rule] = field(default_factory=list)
    rule_of: dict[str, dict[int, Rule]] = field(default_factory=dict)

    @property
    def nbytes(self) -> int:
        return sum(r.nbytes for r in self.residuals)

    @property
    def summary(self) -> str:
        new = [r for r in self.residuals if not r.is_input]
        return (f"{len(self.residuals)} residual(s), {self.nbytes} bytes; "
                f"{len(new)} computed for the backward pass ({sum(r.nbytes for r in new)} "
                f"bytes), {len(self.residuals) - len(new)} input(s) kept as they are")


def split(caller: str, fn, args: tuple) -> Split:
    """Check the input, split `fn` at `args` with `jax.vjp`, evaluate both programs."""
    with paused_gc():
        (primal,) = check_inputs(caller, [fn], args)
        try:
            forward, backward, n_res = compat.vjp_parts(fn, args)
        except Exception as e:  # the learner's function or rule raised: one line, naming it
            raise input_error(
                caller, f"jax.vjp of {display_name(fn)} failed with {type(e).__name__}: "
                f"{one_line(e)}", value=not isinstance(e, TypeError)) from None
        rules = find_rules(primal)
        name = display_name(fn)
        fattribution, battribution = Attribution(rules), Attribution(rules)
        ftrace = evaluate_jaxpr(forward, jax.tree_util.tree_leaves(args), f"{name} (forward)",
                                on_record=fattribution)
        n_out = len(ftrace.outputs) - n_res
        kept = [v.value for v in ftrace.outputs[n_out:]]
        cts = [np.ones(v.shape, v.dtype) for v in ftrace.outputs[:n_out]]
        btrace = evaluate_jaxpr(backward, kept + cts, f"{name} (backward)",
                                on_record=battribution)
    residuals = [Residual(k + 1, v, btrace.inputs[k], _origin(ftrace, v))
                 for k, v in enumerate(ftrace.outputs[n_out:])]
    return Split(f"{name}{call_args(args)}", ftrace, btrace, n_out, residuals, rules,
                 {"forward": fattribution.rule_of, "backward": battribution.rule_of})


def _origin(trace: Trace, v: Value) -> str:
    if v.literal:
        return "a constant"
    inputs = {i.name for i in trace.inputs}
    producer = {}
    for r in trace.records:
        if r.kind == "op":
            producer.update({o.name: r for o in r.outputs})
    name = trace.resolve(v.name, producer.keys() | inputs)
    if name in inputs:
        return f"the input {name} itself"
    if name in producer:
        r = producer[name]
        return f"computed by forward [{r.index}] {short_equation(r).strip()}"
    return "a constant of the program"


def format_split(s: Split) -> str:
    """The residual table, then both programs as `format_trace` prints them, with values."""
    lines = [f"forward and backward programs of {s.call}, as jax.vjp splits them",
             f"  residuals: {s.summary}"]
    for r in s.residuals:
        lines.append(f"    r{r.number}  {r.forward.name}:{r.forward.type} = {r.forward.show()}"
                     f"  {r.nbytes} bytes  {r.origin}; the backward program reads it as "
                     f"{r.backward.name}")
    lines.append(f"  forward program: its outputs are the function's {s.n_outputs} "
                 "output(s), then the residuals")
    lines.extend("    " + line for line in format_trace(s.forward, values=True).splitlines())
    lines.append("  backward program: its inputs are the residuals, then the output "
                 "cotangent(s) (ones)")
    lines.extend("    " + line for line in format_trace(s.backward, values=True).splitlines())
    lines.extend(f"  {note}" for note in _rule_notes(s))
    return "\n".join(lines)


def _rule_notes(s: Split) -> list[str]:
    notes = []
    for rule in s.rules:
        where = [f"{side} {index_ranges(sorted(i for i, r in made.items() if r == rule))}"
                 for side, made in s.rule_of.items() if rule in made.values()]
        notes.append(f"{rule.label}: " + ("; ".join(where) if where else
                                           "no equation traced to it (it added none, or JAX "
                                           "kept no line of it)"))
    return notes


def split_dot(s: Split, side: str) -> str:
    """`trace_dot` of one program, with the residual outputs (forward) or inputs (backward)
    filled and labelled r1, r2, ..."""
    trace = s.forward if side == "forward" else s.backward
    extra = []
    for r in s.residuals:
        node = (f"out_{s.n_outputs + r.number - 1}" if side == "forward"
                else f"in_{r.backward.name}")
        value = r.forward if side == "forward" else r.backward
        label = f"residual r{r.number}: {value.name}: {value.type} = {value.show()}\n" \
                f"{r.nbytes} bytes"
        extra.append(f'  {node} [fillcolor="{RESIDUAL_FILL}", penwidth=2, '
                     f'color="{RULE_COLOR}", label={dot_str(label)}];')
    return trace_dot(trace, values=True, restyled=tuple(extra))


def split_html(s: Split, text: str) -> str:
    esc = html.escape
    rows = "".join(
        f"<tr><td>r{r.number}</td><td><code>{esc(r.forward.name)}:{esc(r.forward.type)}"
        f"</code></td><td>{r.nbytes}</td><td><code>{esc(r.forward.show())}</code></td>"
        f"<td>{esc(r.origin)}</td></tr>" for r in s.residuals)
    parts = [f'<div class="course-residuals"><div><b>forward and backward programs of '
             f"{esc(s.call)}</b></div><div>{esc(s.summary)}</div>",
             "<table><tr><th>residual</th><th>type</th><th>bytes</th><th>value</th>"
             f"<th>where it comes from</th></tr>{rows}</table>",
             '<div style="display:flex;gap:1em;align-items:flex-start">']
    for side in ("forward", "backward"):
        graph = graph_html(split_dot(s, side), f"{side} program of {s.call}; both programs "
                                               f"as text:\n{text}")
        parts.append(f"<div><div><b>{side}</b></div>{graph}</div>")
    parts.append("</div>")
    parts.extend(f"<div><small>{esc(note)}</small></div>" for note in _rule_notes(s))
    parts.append(f"<details><summary>as text</summary><pre>{esc(text)}</pre></details></div>")
    return "".join(parts)


class ResidualsView(TextView):
    """Displays one or more `Split`s: `str()` is text, `_repr_html_()` the graphs."""

    def __init__(self, splits: list[Split], titles: list[str] | None = None):
        self.splits = splits
        self.titles = titles or [""] * len(splits)

    @property
    def split(self) -> Split:
        return self.splits[0]

    def _comparison(self) -> str | None:
        if len(self.splits) != 2:
            return None
        (a, b), (ta, tb) = self.splits, self.titles
        return (f"{ta} keeps {a.summary}; {tb} keeps {b.summary}; difference "
                f"{b.nbytes - a.nbytes:+d} bytes")

    def text(self) -> str:
        parts = [self._comparison()] if self._comparison() else []
        parts.extend(format_split(s) for s in self.splits)
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        head = f"<div><b>{html.escape(self._comparison())}</b></div>" if self._comparison() \
            else ""
        return head + "".join(split_html(s, format_split(s)) for s in self.splits)


def show_residuals(fn, *args) -> ResidualsView:
    """The forward and backward programs of `fn` at `args` as `jax.vjp` splits them, side by
    side, with the residuals that cross from one to the other (shape, dtype, bytes, origin).

    >>> import course, jax.numpy as jnp
    >>> view = course.show_residuals(jnp.sin, 1.0)
    >>> print(str(view).splitlines()[2])
        r1  c:f32[] = 0.5403023  4 bytes  computed by forward [1] c = cos a; the backward program reads it as a
    """  # noqa: E501 (a doctest's expected line is as long as the view's)
    return ResidualsView([split("show_residuals", fn, args)])


def compare_residuals(default_fn, custom_fn, *args) -> ResidualsView:
    """`show_residuals` of both functions, with what each keeps: plain autodiff against a
    `custom_vjp` rule (or two rules).

    >>> import course, jax, jax.numpy as jnp
    >>> def naive(x):
    ...     return jnp.log(1.0 + jnp.exp(x))
    >>> @jax.custom_vjp
    ... def stable(x):
    ...     return jnp.log(1.0 + jnp.exp(x))
    >>> stable.defvjp(lambda x: (stable(x), jax.nn.sigmoid(x)), lambda s, g: (s * g,))
    >>> view = course.compare_residuals(naive, stable, 2.0)
    >>> [split.nbytes for split in view.splits]
    [8, 4]
    """
    return ResidualsView([split("compare_residuals", default_fn, args),
                          split("compare_residuals", custom_fn, args)],
                         [display_name(default_fn), display_name(custom_fn)])
