"""Evaluate a jaxpr equation by equation and keep every value: plain data, no markup.

`trace_jaxpr(fn, *args)` is a small interpreter in the spirit of JAX's "Writing custom
interpreters" notebook. It walks `jax.make_jaxpr(fn)(*args)`, runs each primitive on concrete
values, descends into the nested jaxprs that matter in this course (jit, custom_jvp_call,
custom_vjp_call, while and cond), and records what it saw. The trace then tells where the
first inf or nan appeared. This module holds the data; the interpreter is `jaxpr_eval.py`.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from functools import cached_property

import jax
import numpy as np


@dataclass(frozen=True, eq=False)
class Value:
    """One variable or literal of the jaxpr, with its concrete value at the traced inputs."""

    name: str
    shape: tuple[int, ...]
    dtype: str
    value: np.ndarray | None
    literal: bool = False

    @property
    def type(self) -> str:
        return f"{short_dtype(self.dtype)}[{','.join(map(str, self.shape))}]"

    @cached_property
    def finite(self) -> bool:
        if self.value is None or not _floating(self.value):
            return True
        return bool(np.isfinite(self.value).all())

    @cached_property
    def has_nan(self) -> bool:
        return self.value is not None and _floating(self.value) and bool(np.isnan(self.value).any())

    def show(self) -> str:
        return format_array(self.value) if self.value is not None else "?"


@dataclass(frozen=True)
class Record:
    """One equation as it was evaluated.

    `kind` is "op" for a primitive that computed values, "call" for an equation whose work is
    shown by the nested records after it (`jit`, custom-rule calls, loops), or "note" for a
    line of explanation inside a nested block (such as "iteration 1 of 5").
    """

    index: int
    depth: int
    primitive: str
    params: dict[str, str]
    inputs: tuple[Value, ...]
    outputs: tuple[Value, ...]
    source: str | None = None
    kind: str = "op"
    label: str | None = None
    parent: int | None = None

    @property
    def nonfinite_from_finite(self) -> bool:
        return all(v.finite for v in self.inputs) and not all(v.finite for v in self.outputs)

    @property
    def nan_from_non_nan(self) -> bool:
        return not any(v.has_nan for v in self.inputs) and any(v.has_nan for v in self.outputs)


@dataclass
class Trace:
    """The records of one evaluation, in execution order, plus the function's inputs/outputs."""

    name: str
    inputs: tuple[Value, ...]
    outputs: tuple[Value, ...]
    records: list[Record] = field(default_factory=list)
    # Nested jaxprs rename values: inner input -> outer operand, outer result -> inner result.
    aliases: dict[str, str] = field(default_factory=dict)

    def __iter__(self):
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, i: int) -> Record:
        return self.records[i]

    @property
    def ops(self) -> list[Record]:
        return [r for r in self.records if r.kind == "op"]

    @cached_property
    def first_nonfinite(self) -> Record | None:
        """The first operation that produced an inf or nan from finite inputs."""
        return next((r for r in self.ops if r.nonfinite_from_finite), None)

    @cached_property
    def first_nan(self) -> Record | None:
        """The first operation that produced a nan from inputs without nan."""
        return next((r for r in self.ops if r.nan_from_non_nan), None)


def trace_jaxpr(fn, *args, **kwargs) -> Trace:
    """As `jax.make_jaxpr(fn)(*args, **kwargs)`, but evaluated, keeping every value.

    Returns a `Trace` whose records are the equations in execution order, nested calls
    included, with short variable names, shapes, dtypes, values and source lines.
    """
    closed = make_jaxpr_checked(fn, *args, **kwargs)
    return evaluate_jaxpr(closed, jax.tree_util.tree_leaves((args, kwargs)), function_name(fn))


def evaluate_jaxpr(closed, flat_args, name: str = "f") -> Trace:
    """Evaluate an already-made closed jaxpr at new inputs (same shapes), keeping every value.

    `trace_jaxpr` without the tracing: the explorers in `widgets/` reuse one jaxpr for every
    slider position."""
    from .jaxpr_eval import Interpreter, Names

    names = Names()
    interp = Interpreter(names)
    in_values = [np.asarray(a) for a in flat_args]
    out_values = interp.run(closed.jaxpr, closed.consts, in_values, depth=0, parent=None)
    return Trace(
        name=name,
        inputs=tuple(names.value(v, x) for v, x in zip(closed.jaxpr.invars, in_values)),
        outputs=tuple(names.value(v, x) for v, x in zip(closed.jaxpr.outvars, out_values)),
        records=interp.records,
        aliases=interp.aliases,
    )


def make_jaxpr_checked(fn, *args, **kwargs):
    """As `jax.make_jaxpr`, but bad input gets a short, specific TypeError or ValueError."""
    if not callable(fn):
        raise TypeError(
            f"expected a function to trace, got {type(fn).__name__} {fn!r:.60}. "
            "Pass the function itself, e.g. course.trace_jaxpr(jax.grad(f), 1.0), not f(1.0)."
        )
    _check_signature(fn, args, kwargs)
    for leaf in jax.tree_util.tree_leaves((args, kwargs)):
        if not _is_array_like(leaf):
            raise TypeError(
                f"{function_name(fn)}: every argument must be an array or a number (or a pytree "
                f"of them), got {type(leaf).__name__} {leaf!r:.60}."
            )
    try:
        return jax.make_jaxpr(fn)(*args, **kwargs)
    except jax.errors.ConcretizationTypeError as e:
        first = str(e).split("\n")[0]
        raise TypeError(
            f"{function_name(fn)} is not traceable by JAX: it needs a concrete Python value "
            f"where JAX only has an abstract one ({first}). Common causes: float(x), int(x), "
            "`if x > 0:` or np.* functions on a traced argument. Use jnp.* functions, and "
            "jnp.where or lax.cond instead of Python `if`."
        ) from None
    except jax.errors.TracerArrayConversionError:
        raise TypeError(
            f"{function_name(fn)} is not traceable by JAX: it converts a traced value to a "
            "NumPy array (np.asarray / np.* on an argument). Use jax.numpy instead."
        ) from None


def function_name(fn) -> str:
    """`fn`'s name, as `grad(f)` when `fn` is `jax.grad(f)` (which keeps `f`'s __name__)."""
    name = getattr(fn, "__name__", None) or type(fn).__name__
    doc = getattr(fn, "__doc__", None) or ""
    if doc.startswith(f"Gradient of {name} with respect to"):
        return f"grad({name})"
    return name


def short_dtype(dtype: str) -> str:
    return {"float32": "f32", "float64": "f64", "int32": "i32", "int64": "i64",
            "bool": "bool", "float16": "f16", "bfloat16": "bf16"}.get(dtype, dtype)


def format_array(x: np.ndarray) -> str:
    x = np.asarray(x)
    if x.ndim == 0:
        return str(x[()])
    return np.array2string(x, precision=6, threshold=8, edgeitems=2, separator=", ")


def _floating(x: np.ndarray) -> bool:
    return np.issubdtype(np.asarray(x).dtype, np.inexact)


def _is_array_like(leaf) -> bool:
    return isinstance(leaf, (int, float, complex, bool, np.ndarray, np.generic, jax.Array))


def _check_signature(fn, args, kwargs) -> None:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return
    try:
        sig.bind(*args, **kwargs)
    except TypeError as e:
        raise TypeError(
            f"the arguments do not match {function_name(fn)}{sig}: {e}. "
            f"Got {len(args)} positional argument(s)"
            + (f" and keywords {sorted(kwargs)}" if kwargs else "")
            + "."
        ) from None
