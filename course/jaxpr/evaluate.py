"""The interpreter behind `trace_jaxpr`: walks a jaxpr, binds each primitive on concrete
values, descends into nested jaxprs, and names variables as JAX prints them (a, b, ..., _).

It follows JAX's "Writing custom interpreters" notebook, and descends into the nested jaxprs
that matter in this course: jit, custom_jvp_call, custom_vjp_call, while and cond. Everything
it reads from JAX beyond the documented jaxpr structure goes through `course.compat`.
"""

from __future__ import annotations

import re
from itertools import count
from typing import Any

import numpy as np

from .. import compat
from .data import Record, Trace, Value, format_array

# A while loop is followed iteration by iteration up to this many iterations. Past it, the
# interpreter stops counting and JAX's own `while` finishes the loop from where it stopped.
MAX_WHILE_ITERATIONS = 10_000
# Results are reused (`evaluate_jaxpr(results=...)`) only for equations on at most this many
# numbers in all: past it, comparing the operands would cost more than running them.
MAX_REUSED_SIZE = 1024


def evaluate_jaxpr(closed, flat_args, name: str = "f", on_record=None,
                   results: dict | None = None) -> Trace:
    """As `jax.core.eval_jaxpr(closed.jaxpr, closed.consts, *flat_args)`, but keeping every
    value: a `Trace` of an already-made closed jaxpr at new inputs of the same shapes.

    `trace_jaxpr` without the tracing: the explorers in `widgets/` reuse one jaxpr for every
    slider position. `on_record(eqn, record)`, if given, is called for every record as it is
    made (`course.jaxpr.rules.Attribution` uses it to put equations down to custom rules).
    `results`, if given, is a dict shared by several evaluations: an equation already run on
    the same (small) values reuses what it gave (compare_rules' two programs share most).

    >>> import jax, jax.numpy as jnp
    >>> from course.jaxpr import describe_op
    >>> closed = jax.make_jaxpr(lambda x: jnp.log(x) * 2.0)(1.0)
    >>> trace = evaluate_jaxpr(closed, [0.0], "f")
    >>> [describe_op(r) for r in trace]
    ['log(0.0) = -inf', 'mul(-inf, 2.0) = -inf']
    """
    names = Names()
    interp = Interpreter(names, on_record, results)
    in_values = [np.asarray(a) for a in flat_args]
    inputs = tuple(names.value(v, x) for v, x in zip(closed.jaxpr.invars, in_values))
    out_values = interp.run(closed.jaxpr, closed.consts, in_values, depth=0, parent=None)
    return Trace(
        name=name,
        inputs=inputs,  # named first: a, b, c, ... in the order they are passed, as JAX does
        outputs=tuple(names.value(v, x) for v, x in zip(closed.jaxpr.outvars, out_values)),
        records=interp.records,
        aliases=interp.aliases,
    )


class Names:
    """Short readable names (a, b, ..., z, ba, ...) for jaxpr variables, in first-seen order."""

    def __init__(self):
        self._names: dict[Any, str] = {}
        self._counter = count()
        self._keep: list = []  # the variables seen, alive, so that no id is reused
        self._types: dict[int, tuple] = {}  # id -> (name, shape, dtype, literal), made once
        self.unused: set[int] = set()  # ids of results nothing reads: named "_", as JAX does

    def mark_unused(self, jaxpr) -> None:
        used = {id(v) for e in jaxpr.eqns for v in e.invars}
        used |= {id(v) for v in jaxpr.outvars}
        self.unused |= {id(v) for e in jaxpr.eqns for v in e.outvars if id(v) not in used}

    def name(self, var) -> str:
        if compat.is_literal(var):
            return format_array(compat.literal_value(var))
        key = id(var)
        if key in self.unused:
            return "_"
        if key not in self._names:
            self._names[key] = _letters(next(self._counter))
            self._keep.append(var)
        return self._names[key]

    def value(self, var, x) -> Value:
        # A variable's name and type are worked out once: a value is made two or three
        # times per variable (where it is computed, and where it is read), and a literal's
        # `aval` is computed by JAX anew on every access.
        known = self._types.get(id(var))
        if known is None:
            aval = var.aval
            dtype = getattr(aval, "dtype", None)
            literal = compat.is_literal(var)
            known = ("_" if compat.is_drop_var(var) else self.name(var),
                     tuple(getattr(aval, "shape", ())),
                     _dtype_name(dtype) if dtype is not None else type(x).__name__, literal)
            self._types[id(var)] = known
            self._keep.append(var)
        return Value(known[0], known[1], known[2], None if x is None else np.asarray(x),
                     known[3])


_DTYPE_NAMES: dict = {}


def _dtype_name(dtype) -> str:
    if dtype not in _DTYPE_NAMES:
        _DTYPE_NAMES[dtype] = str(dtype)
    return _DTYPE_NAMES[dtype]


def _letters(n: int) -> str:
    out = ""
    while True:
        out = chr(ord("a") + n % 26) + out
        n //= 26
        if n == 0:
            return out


def _source(eqn) -> str | None:
    """Where the user's code created the equation: "cell:3 (f)" or "file.py:12 (f)"."""
    frame = compat.user_frame(eqn)
    if frame not in _SOURCES:
        if len(_SOURCES) >= 4096:
            _SOURCES.clear()
        _SOURCES[frame] = None if frame is None else _where(*frame)
    return _SOURCES[frame]


_SOURCES: dict = {}  # (file, line, function) -> "file:line (function)", made once per line


def _where(file: str, line: int, function: str) -> str:
    if re.search(r"ipykernel_\d+", file) or file.startswith("<ipython-input"):
        file = "cell"
    else:
        file = file.replace("\\", "/").rsplit("/", 1)[-1]
    return f"{file}:{line} ({function})"


def _call_label(eqn) -> str:
    if not compat.is_custom_call(eqn):
        return f"{eqn.primitive.name} {compat.call_name(eqn)}".strip()
    names = compat.custom_rule_names(eqn)
    name = names["name"] or "?"
    if eqn.primitive.name == "custom_jvp_call":
        return (f"custom_jvp function {name}: its primal code ran here; "
                f"the JVP rule {names['jvp'] or 'its rule'} runs only when this call is "
                "differentiated")
    return (f"custom_vjp function {name}: its primal code ran here; "
            f"the rules {names['fwd'] or 'fwd'} / {names['bwd'] or 'bwd'} run only when this "
            "call is differentiated")


class Interpreter:
    """Runs jaxprs on NumPy values and appends a `Record` for every equation it meets."""

    def __init__(self, names: Names, on_record=None, results: dict | None = None):
        self.names = names
        self.on_record = on_record  # called as on_record(eqn, record) for every record
        self.results = results  # (primitive, params, context, operands) -> the outputs
        self.records: list[Record] = []
        self.aliases: dict[str, str] = {}

    def alias(self, new_vars, old_vars) -> None:
        for new, old in zip(new_vars, old_vars):
            if not compat.is_literal(new) and not compat.is_drop_var(new):
                self.aliases[self.names.name(new)] = self.names.name(old)

    def run(self, jaxpr, consts, args, depth: int, parent: int | None) -> list:
        env: dict[int, Any] = {}
        self.names.mark_unused(jaxpr)

        def read(v):
            return compat.literal_value(v) if compat.is_literal(v) else env[id(v)]

        for v, x in zip(jaxpr.constvars, consts):
            env[id(v)] = np.asarray(x)
        for v, x in zip(jaxpr.invars, args):
            env[id(v)] = x
        for eqn in jaxpr.eqns:
            invals = [read(v) for v in eqn.invars]
            outvals = self.eval_eqn(eqn, invals, depth, parent)
            for v, x in zip(eqn.outvars, outvals):
                env[id(v)] = x
        return [read(v) for v in jaxpr.outvars]

    def record(self, eqn, invals, outvals, depth, parent, kind="op", label=None) -> int:
        index = len(self.records)
        record = Record(
            index=index, depth=depth, primitive=eqn.primitive.name,
            params=compat.shown_params(eqn),
            inputs=tuple(self.names.value(v, x) for v, x in zip(eqn.invars, invals)),
            outputs=tuple(self.names.value(v, x) for v, x in zip(eqn.outvars, outvals)),
            source=_source(eqn), kind=kind, label=label, parent=parent,
        )
        self.records.append(record)
        if self.on_record is not None:
            self.on_record(eqn, record)
        return index

    def note(self, text: str, depth: int, parent: int) -> None:
        self.records.append(Record(
            index=len(self.records), depth=depth, primitive="", params={}, inputs=(),
            outputs=(), kind="note", label=text, parent=parent,
        ))

    def finish(self, index: int, eqn, outvals, label: str | None = None) -> None:
        """Fill in the outputs (and optionally the label) of a call record once it has run."""
        old = self.records[index]
        self.records[index] = Record(**{
            **old.__dict__,
            "outputs": tuple(self.names.value(v, x) for v, x in zip(eqn.outvars, outvals)),
            "label": old.label if label is None else label,
        })

    def eval_eqn(self, eqn, invals, depth, parent) -> list:
        inner = compat.nested_call(eqn)
        if inner is not None and hasattr(inner, "jaxpr") and len(inner.jaxpr.invars) == len(invals):
            index = self.record(eqn, invals, [None] * len(eqn.outvars), depth, parent, "call",
                                _call_label(eqn))
            self.alias(inner.jaxpr.invars, eqn.invars)
            outvals = self.run(inner.jaxpr, inner.consts, invals, depth + 1, index)
            self.alias(eqn.outvars, inner.jaxpr.outvars)
            self.finish(index, eqn, outvals)
            return outvals
        if eqn.primitive.name == "while":
            return self.eval_while(eqn, invals, depth, parent)
        if eqn.primitive.name == "cond":
            return self.eval_cond(eqn, invals, depth, parent)
        outvals = self.bind(eqn, invals)
        self.record(eqn, invals, outvals, depth, parent)
        return outvals

    def bind(self, eqn, invals) -> list:
        key = self._key(eqn, invals) if self.results is not None else None
        if key is not None and key in self.results:
            return self.results[key]
        outvals = [np.asarray(x) for x in compat.bind(eqn, invals)]
        if key is not None:
            self.results[key] = outvals
        return outvals

    @staticmethod
    def _key(eqn, invals):
        """What a primitive's outputs depend on, or None when they may depend on more (an
        equation with effects, such as jax.debug.print) or the operands are large."""
        if eqn.effects or sum(np.size(x) for x in invals) > MAX_REUSED_SIZE:
            return None
        try:
            operands = tuple((x.dtype.str, x.shape, x.tobytes()) for x in map(np.asarray, invals))
            key = (eqn.primitive, tuple(eqn.params.items()), eqn.ctx, operands)
            hash(key)
        except TypeError:  # a parameter that cannot be a dict key: run it each time
            return None
        return key

    def eval_while(self, eqn, invals, depth, parent) -> list:
        """The first iteration is recorded equation by equation; the others run without
        records. Past MAX_WHILE_ITERATIONS, JAX's `while` finishes the loop from the carry
        reached so far, which gives the loop's true result, and the label says so."""
        cond, body, nc, nb = compat.while_parts(eqn)
        cconsts, bconsts, carry = invals[:nc], invals[nc:nc + nb], invals[nc + nb:]
        index = self.record(eqn, invals, [None] * len(eqn.outvars), depth, parent, "call",
                            "while loop: the first iteration is shown")
        iterations, cap = 0, MAX_WHILE_ITERATIONS
        while bool(compat.eval_jaxpr(cond, *cconsts, *carry)[0]):
            if iterations == cap:
                carry = self.bind(eqn, [*cconsts, *bconsts, *carry])
                label = (f"while loop: cut after {cap} iteration(s), the first one is shown; "
                         "the loop had not ended, so JAX's while_loop ran the rest from there")
                break
            if iterations == 0:
                self.note("body, iteration 1", depth + 1, index)
                self.alias(body.jaxpr.invars, eqn.invars[nc:])
                carry = self.run(body.jaxpr, body.consts, [*bconsts, *carry], depth + 1, index)
            else:
                carry = [np.asarray(x) for x in compat.eval_jaxpr(body, *bconsts, *carry)]
            iterations += 1
        else:
            label = (f"while loop: {iterations} iteration(s), the first one is shown"
                     if iterations else "while loop: 0 iterations, the body never ran")
        self.finish(index, eqn, carry, label)
        return carry

    def eval_cond(self, eqn, invals, depth, parent) -> list:
        branches = compat.cond_branches(eqn)
        which = int(np.clip(np.asarray(invals[0]), 0, len(branches) - 1))
        index = self.record(eqn, invals, [None] * len(eqn.outvars), depth, parent, "call",
                            f"cond: branch {which} of {len(branches)} taken")
        branch = branches[which]
        self.alias(branch.jaxpr.invars, eqn.invars[1:])
        outvals = self.run(branch.jaxpr, branch.consts, invals[1:], depth + 1, index)
        self.finish(index, eqn, outvals)
        return outvals
