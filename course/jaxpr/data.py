"""The data of an evaluated jaxpr: values, records, the trace, and facts about them (where the
first inf or nan was born). Plain Python and NumPy: no JAX, no markup.

Every rendering (text, graph, HTML, the stepper widget) reads these classes and nothing else.
"""

from __future__ import annotations

import cmath
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np


@dataclass(frozen=True, eq=False)
class Value:
    """One variable or literal of the jaxpr, with its concrete value at the traced inputs.

    >>> import course, jax.numpy as jnp
    >>> (b,) = course.trace_jaxpr(jnp.log, 0.0)[0].outputs
    >>> b.name, b.type, b.show(), b.finite
    ('b', 'f32[]', '-inf', False)
    """

    name: str
    shape: tuple[int, ...]
    dtype: str
    value: np.ndarray | None
    literal: bool = False

    @cached_property
    def type(self) -> str:
        return f"{short_dtype(self.dtype)}[{','.join(map(str, self.shape))}]"

    @cached_property
    def finite(self) -> bool:
        x = self.value
        if x is None or not _floating(x):
            return True
        if x.size == 1:  # most values in a lesson: math is ten times faster than NumPy here
            return cmath.isfinite(x.item())
        return bool(np.isfinite(x).all())

    @cached_property
    def has_nan(self) -> bool:
        x = self.value
        if x is None or not _floating(x):
            return False
        if x.size == 1:
            return cmath.isnan(x.item())
        return bool(np.isnan(x).any())

    def show(self) -> str:
        return format_array(self.value) if self.value is not None else "?"


@dataclass(frozen=True)
class Record:
    """One equation as it was evaluated.

    `kind` is "op" for a primitive that computed values, "call" for an equation whose work is
    shown by the nested records after it (`jit`, custom-rule calls, loops), or "note" for a
    line of explanation inside a nested block (such as "iteration 1 of 5").

    >>> import course, jax.numpy as jnp
    >>> record = course.trace_jaxpr(lambda x: x * 2.0, 3.0)[0]
    >>> record.index, record.primitive, [v.show() for v in record.inputs], record.kind
    (0, 'mul', ['3.0', '2.0'], 'op')
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
    """The records of one evaluation, in execution order, plus the function's inputs/outputs.

    >>> import course, jax.numpy as jnp
    >>> trace = course.trace_jaxpr(lambda x: jnp.sqrt(x) * 0.0, -1.0)
    >>> len(trace), trace.first_nan.primitive, trace.outputs[0].show()
    (2, 'sqrt', 'nan')
    """

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

    @property
    def equation_count(self) -> int:
        """The number of equations (operations and calls; notes are not equations)."""
        return sum(r.kind != "note" for r in self.records)

    def resolve(self, name: str, known) -> str:
        """Follow `aliases` from `name` (a nested jaxpr's input to the outer operand, an outer
        result to the inner one) until a name in `known` or the end of the chain."""
        seen = set()
        while name not in known and name in self.aliases and name not in seen:
            seen.add(name)
            name = self.aliases[name]
        return name


@dataclass(frozen=True)
class Rule:
    """One rule of a `custom_jvp` / `custom_vjp` function met in a program."""

    function: str  # the decorated function
    role: str  # "jvp", "fwd" or "bwd"
    name: str  # the rule's function name
    file: str
    call_site: str  # where the custom function was called ("file:line:column (function)")

    @property
    def label(self) -> str:
        """`jvp rule f_jvp of f`, or for a rule JAX wrote around `defjvps`'s functions `jvp
        rule of f (made by defjvps)`."""
        if "/jax/_src/" in self.file.replace("\\", "/"):
            return f"{self.role} rule of {self.function} (made by defjvps)"
        return f"{self.role} rule {self.name} of {self.function}"


def describe_op(record: Record) -> str:
    """An equation of `jax.make_jaxpr`'s output written as a call on its values, such as
    `mul(0.0, inf) = nan`: what the equation computed at the traced inputs."""
    args = ", ".join(v.show() for v in record.inputs)
    outs = ", ".join(v.show() for v in record.outputs)
    return f"{record.primitive}({args}) = {outs}"


def origins(trace: Trace) -> list[tuple[str, Record]]:
    """The verdict on inf and nan: where the first inf/nan and the first nan were born, as
    [(label, record)], in that order; one entry "first inf/nan, first nan" when one equation
    is both; [] when every value is finite. Every rendering (text, graph, HTML) says this."""
    found: dict[int, list[str]] = {}
    for label, record in (("first inf/nan", trace.first_nonfinite),
                          ("first nan", trace.first_nan)):
        if record is not None:
            found.setdefault(record.index, []).append(label)
    return [(", ".join(labels), trace[index]) for index, labels in found.items()]


def origin_notes(trace: Trace) -> dict[int, str]:
    """Short notes for the records where the first inf/nan and the first nan appeared."""
    return {r.index: f"{label}: {describe_op(r)}" for label, r in origins(trace)}


SHORT_DTYPES = {"float32": "f32", "float64": "f64", "int32": "i32", "int64": "i64",
                "bool": "bool", "float16": "f16", "bfloat16": "bf16"}


def short_dtype(dtype: str) -> str:
    """A dtype as `jax.make_jaxpr` abbreviates it: float32 -> f32."""
    return SHORT_DTYPES.get(dtype, dtype)


def format_array(x: np.ndarray) -> str:
    """A value as a short, deterministic string: `1.0`, or `[0.0, 0.5, ..., 3.0]`."""
    x = np.asarray(x)
    if x.ndim == 0:
        return str(x[()])
    return np.array2string(x, precision=6, threshold=8, edgeitems=2, separator=", ")


def _floating(x: np.ndarray) -> bool:
    # As np.issubdtype(dtype, np.inexact): floating or complex (ml_dtypes' bfloat16 is neither).
    return np.asarray(x).dtype.kind in "fc"
