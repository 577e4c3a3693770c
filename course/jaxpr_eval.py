"""The interpreter behind `trace_jaxpr`: walks a jaxpr, binds each primitive on concrete
values, descends into nested jaxprs, and names variables as JAX prints them (a, b, ..., _)."""

from __future__ import annotations

import re
from itertools import count
from typing import Any

import jax
import numpy as np
from jax._src import core as jcore  # Literal, DropVar: internal, but JAX is pinned

from .jaxpr import Record, Value, format_array

# Nested jaxprs the interpreter descends into, keyed by primitive name.
CALLS = {"jit", "pjit", "closed_call", "core_call", "remat", "checkpoint"}
CUSTOM = {"custom_jvp_call", "custom_vjp_call", "custom_vjp_call_jaxpr"}
MAX_WHILE_ITERATIONS = 10_000
HIDDEN_PARAM_SUFFIXES = ("jaxpr", "jaxprs", "_thunk", "_fun", "nconsts", "num_consts")


def _source(eqn) -> str | None:
    from jax._src import source_info_util

    frame = source_info_util.user_frame(eqn.source_info.traceback)
    if frame is None:
        return None
    file = frame.file_name
    if re.search(r"ipykernel_\d+", file) or file.startswith("<ipython-input"):
        file = "cell"
    else:
        file = file.replace("\\", "/").rsplit("/", 1)[-1]
    return f"{file}:{frame.start_line} ({frame.function_name})"


def _rule_name(wrapped) -> str | None:
    info = getattr(wrapped, "debug_info", None)
    src = getattr(info, "func_src_info", None)
    return src.split(" ")[0] if src else None


def _show_params(eqn) -> dict[str, str]:
    shown = {}
    for key, val in sorted(eqn.params.items()):
        if val is None or key.endswith(HIDDEN_PARAM_SUFFIXES):
            continue
        if key in {"bwd", "fwd", "jvp", "out_trees", "branches", "donated_invars",
                   "in_shardings", "out_shardings", "in_layouts", "out_layouts", "ctx_mesh",
                   "compiler_options_kvs", "keep_unused", "inline", "resource_env"}:
            continue
        text = str(val)
        if len(text) <= 40:
            shown[key] = text
    return shown


def _custom_label(eqn) -> str:
    name = eqn.params.get("name") or _rule_name(eqn.params.get("call_jaxpr")) or "?"
    if eqn.primitive.name == "custom_jvp_call":
        rule = _rule_name(eqn.params.get("jvp_jaxpr_fun")) or "its rule"
        return (f"custom_jvp function {name}: its primal code ran here; "
                f"the JVP rule {rule} runs only when this call is differentiated")
    fwd = _rule_name(eqn.params.get("fwd_jaxpr_thunk")) or "fwd"
    bwd = _rule_name(eqn.params.get("bwd")) or "bwd"
    return (f"custom_vjp function {name}: its primal code ran here; "
            f"the rules {fwd} / {bwd} run only when this call is differentiated")


class Names:
    """Short readable names (a, b, ..., z, ba, ...) for jaxpr variables, in first-seen order."""

    def __init__(self):
        self._names: dict[Any, str] = {}
        self._counter = count()
        self._keep: list = []
        self.unused: set[int] = set()  # ids of results nothing reads: named "_", as JAX does

    def mark_unused(self, jaxpr) -> None:
        used = {id(v) for e in jaxpr.eqns for v in e.invars}
        used |= {id(v) for v in jaxpr.outvars}
        self.unused |= {id(v) for e in jaxpr.eqns for v in e.outvars if id(v) not in used}

    def name(self, var) -> str:
        if isinstance(var, jcore.Literal):
            return format_array(np.asarray(var.val))
        key = id(var)
        if key in self.unused:
            return "_"
        if key not in self._names:
            self._names[key] = _letters(next(self._counter))
            self._keep.append(var)  # keep the Var alive so its id is not reused
        return self._names[key]

    def value(self, var, x) -> Value:
        aval = var.aval
        return Value(
            name="_" if isinstance(var, jcore.DropVar) else self.name(var),
            shape=tuple(getattr(aval, "shape", ())),
            dtype=str(getattr(aval, "dtype", type(x).__name__)),
            value=None if x is None else np.asarray(x),
            literal=isinstance(var, jcore.Literal),
        )


def _letters(n: int) -> str:
    out = ""
    while True:
        out = chr(ord("a") + n % 26) + out
        n //= 26
        if n == 0:
            return out


class Interpreter:
    def __init__(self, names: Names):
        self.names = names
        self.records: list[Record] = []
        self.aliases: dict[str, str] = {}

    def alias(self, new_vars, old_vars) -> None:
        for new, old in zip(new_vars, old_vars):
            if not isinstance(new, jcore.Literal) and not isinstance(new, jcore.DropVar):
                self.aliases[self.names.name(new)] = self.names.name(old)

    def run(self, jaxpr, consts, args, depth: int, parent: int | None) -> list:
        env: dict[int, Any] = {}
        self.names.mark_unused(jaxpr)

        def read(v):
            return np.asarray(v.val) if isinstance(v, jcore.Literal) else env[id(v)]

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
        self.records.append(Record(
            index=index, depth=depth, primitive=eqn.primitive.name, params=_show_params(eqn),
            inputs=tuple(self.names.value(v, x) for v, x in zip(eqn.invars, invals)),
            outputs=tuple(self.names.value(v, x) for v, x in zip(eqn.outvars, outvals)),
            source=_source(eqn), kind=kind, label=label, parent=parent,
        ))
        return index

    def note(self, text: str, depth: int, parent: int) -> None:
        self.records.append(Record(
            index=len(self.records), depth=depth, primitive="", params={}, inputs=(),
            outputs=(), kind="note", label=text, parent=parent,
        ))

    def replace_outputs(self, index: int, eqn, outvals) -> None:
        old = self.records[index]
        self.records[index] = Record(**{
            **old.__dict__,
            "outputs": tuple(self.names.value(v, x) for v, x in zip(eqn.outvars, outvals)),
        })

    def eval_eqn(self, eqn, invals, depth, parent) -> list:
        name = eqn.primitive.name
        inner = eqn.params.get("jaxpr") if name in CALLS else None
        inner = eqn.params.get("call_jaxpr") if name in CUSTOM else inner
        if inner is not None and hasattr(inner, "jaxpr") and len(inner.jaxpr.invars) == len(invals):
            label = _custom_label(eqn) if name in CUSTOM else f"{name} {eqn.params.get('name', '')}"
            index = self.record(eqn, invals, [None] * len(eqn.outvars), depth, parent, "call",
                                label.strip())
            self.alias(inner.jaxpr.invars, eqn.invars)
            outvals = self.run(inner.jaxpr, inner.consts, invals, depth + 1, index)
            self.alias(eqn.outvars, inner.jaxpr.outvars)
            self.replace_outputs(index, eqn, outvals)
            return outvals
        if name == "while":
            return self.eval_while(eqn, invals, depth, parent)
        if name == "cond":
            return self.eval_cond(eqn, invals, depth, parent)
        outvals = self.bind(eqn, invals)
        self.record(eqn, invals, outvals, depth, parent)
        return outvals

    def bind(self, eqn, invals) -> list:
        params = eqn.primitive.get_bind_params(eqn.params)
        with eqn.ctx.manager:
            out = eqn.primitive.bind(*invals, **params)
        out = out if eqn.primitive.multiple_results else [out]
        return [np.asarray(x) for x in out]

    def eval_while(self, eqn, invals, depth, parent) -> list:
        p = eqn.params
        cond, body = p["cond_jaxpr"], p["body_jaxpr"]
        nc, nb = p["cond_nconsts"], p["body_nconsts"]
        cconsts, bconsts, carry = invals[:nc], invals[nc:nc + nb], invals[nc + nb:]
        index = self.record(eqn, invals, [None] * len(eqn.outvars), depth, parent, "call",
                            "while loop: the first iteration is shown")
        iterations = 0
        while iterations < MAX_WHILE_ITERATIONS:
            (go,) = jax.core.eval_jaxpr(cond.jaxpr, cond.consts, *cconsts, *carry)
            if not bool(go):
                break
            if iterations == 0:
                self.note("body, iteration 1", depth + 1, index)
                self.alias(body.jaxpr.invars, eqn.invars[p["cond_nconsts"]:])
                carry = self.run(body.jaxpr, body.consts, [*bconsts, *carry], depth + 1, index)
            else:
                carry = [np.asarray(x) for x in
                         jax.core.eval_jaxpr(body.jaxpr, body.consts, *bconsts, *carry)]
            iterations += 1
        else:
            carry = self.bind(eqn, invals)
        old = self.records[index]
        self.records[index] = Record(**{**old.__dict__, "label": f"while loop: {iterations} "
                                        f"iteration(s), the first one is shown"})
        self.replace_outputs(index, eqn, carry)
        return carry

    def eval_cond(self, eqn, invals, depth, parent) -> list:
        branches = eqn.params["branches"]
        which = int(np.clip(np.asarray(invals[0]), 0, len(branches) - 1))
        index = self.record(eqn, invals, [None] * len(eqn.outvars), depth, parent, "call",
                            f"cond: branch {which} of {len(branches)} taken")
        branch = branches[which]
        self.alias(branch.jaxpr.invars, eqn.invars[1:])
        outvals = self.run(branch.jaxpr, branch.consts, invals[1:], depth + 1, index)
        self.replace_outputs(index, eqn, outvals)
        return outvals
