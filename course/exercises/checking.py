"""The machinery every exercise shares: the `Exercise` record, `Feedback`, value comparison,
and one checker per kind of answer.

A checker runs a learner's answer the way JAX would and stops at the first problem, raising
`Wrong` with a message that names the input, what was expected and what came back, and the
likely cause. It never lets the learner's own error escape. Diagnosis goes from the outside in:
is it an answer at all, does it have the right form (a `custom_jvp` function, a rule, a
`(fwd, bwd)` pair), do the rules return the right structure when called directly, and only
then do values agree through JAX's transformations. A checker that finds nothing wrong returns
one sentence saying exactly what it verified: that sentence is the success message.
"""

from __future__ import annotations

import html
import inspect
import linecache
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import jax
import jax.numpy as jnp
import jaxlib
import numpy as np

from ..compat import custom_jvp_rule

# How an answer is checked; the record's `kind` is one of these.
KINDS = {
    "jvp_function": "a @custom_jvp function with its rule attached (check_jvp_function)",
    "jvp_rule": "a JVP rule for a given primal function (check_jvp_rule)",
    "vjp_pair": "the pair (f_fwd, f_bwd) for a given primal function (check_vjp_pair)",
    "function": "a plain function, checked by value and gradient (check_function)",
    "predict": "a prediction of what JAX does: a value, a count, a choice or an exception "
               "type (check_prediction)",
    "find_the_bug": "a given buggy answer, corrected (`given` holds the bug; the checker is "
                    "that of the answer's form)",
}


@dataclass(frozen=True)
class Exercise:
    """One exercise: what the learner submits, the reference, and how it is checked.

    `solution` is a function whose body is the reference as shown in the lesson's collapsed
    solution cell: it ends with `answer = ...` then `return answer`, and calling it gives the
    reference answer. `checker(answer, reference)` raises `Wrong` or `NotAttempted`, or returns
    what it verified. For a `find_the_bug` exercise, `given` is written like `solution` and
    holds the buggy code the scaffold shows; an answer still identical to it is not attempted.
    """

    id: str
    kind: str
    lesson: str  # the lesson file's stem: "02_numerical_stability"
    section: str  # a `## ` heading of that lesson, where the idea is taught
    asks_for: str  # what `answer` is, in the learner's words
    solution: Callable[[], object]
    checker: Callable[[object, object], str]
    given: Callable[[], object] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.id}: unknown kind {self.kind!r}; one of {sorted(KINDS)}")
        if (self.given is not None) != (self.kind == "find_the_bug"):
            raise ValueError(f"{self.id}: `given` is for find_the_bug exercises, and they need it")

    @property
    def see(self) -> str:
        return f"(See lesson {self.lesson}, '{self.section.replace('`', '').replace('$', '')}'.)"


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: `.passed`, `.message`; shows as a colored box in Jupyter."""

    exercise: str
    passed: bool
    message: str
    attempted: bool = True
    reference: bool = False  # the course's own solution was checked, not the learner's answer

    @property
    def status(self) -> str:
        if self.reference:
            return "reference solution " + (
                "passes" if self.passed else "FAILS (a bug in the course)")
        if not self.attempted:
            return "not attempted yet"
        return "passed" if self.passed else "not yet right"

    def __str__(self) -> str:
        return f"[{self.exercise}] {self.status}: {self.message}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(str(self))

    def _repr_html_(self) -> str:
        # The reference's box is blue-grey, never the green of a learner's pass.
        color = {"passed": "#2b8a3e", "not yet right": "#c92a2a"}.get(
            self.status, "#4c6ef5" if self.reference else "#868e96")
        background = {"passed": "#ebfbee", "not yet right": "#fff5f5"}.get(
            self.status, "#edf2ff" if self.reference else "#f8f9fa")
        message = html.escape(self.message).replace("\n", "<br>")
        return (f'<div style="border-left: 6px solid {color}; background: {background}; '
                f'padding: 6px 10px; margin: 4px 0"><b>{html.escape(self.exercise)}: '
                f"{html.escape(self.status)}</b><br>{message}</div>")


class Wrong(Exception):
    """Raised inside a checker to stop at the first problem found; becomes the message."""


class NotAttempted(Exception):
    """The answer is still the scaffold."""


def not_attempted(answer) -> bool:
    return answer is None or answer is Ellipsis


# JAX's own NotImplementedError for a rule it lacks: "Transpose rule (for reverse-mode
# differentiation) for 'abs' not implemented" (tests/test_checks.py pins it).
JAX_MISSING_RULE = re.compile(r"\brule\b.*\bnot implemented", re.IGNORECASE)
NOT_TRANSPOSABLE = ("JAX could not run your rule backwards for grad: the tangent must be linear "
                    "in x_dot, only scaled by and added to functions of the primals (no abs, "
                    "maximum or where applied to the tangent itself).")


def run(what: str, fn: Callable, *args):
    """Call `fn(*args)`; turn any exception into `Wrong` with a one-line reason. Only the
    scaffold's placeholder (a `raise NotImplementedError(...)` in the learner's code) is
    `NotAttempted`; JAX's own NotImplementedError (a rule it cannot transpose) is `Wrong`."""
    try:
        return fn(*args)
    except NotImplementedError as e:
        if is_placeholder(e):
            raise NotAttempted(str(e)) from None
        cause = f" {NOT_TRANSPOSABLE}" if "transpose" in str(e).lower() else ""
        raise Wrong(f"{what} raised NotImplementedError: {first_line(e)}.{cause}") from None
    except Exception as e:  # the learner's code may fail in any way
        raise Wrong(f"{what} raised {type(e).__name__}: {first_line(e)}") from None


# Code that is never the learner's: JAX, jaxlib and the course package.
LIBRARY_DIRS = tuple(str(Path(m.__file__).parent) + os.sep for m in (jax, jaxlib)) + (
    str(Path(__file__).resolve().parent.parent) + os.sep,)


def is_placeholder(error: NotImplementedError) -> bool:
    """Whether `error` is the scaffold's `raise NotImplementedError("...")`: raised by code
    outside JAX and this package, by a `raise` line when its source is known, and not JAX's
    message for a missing rule (JAX's filtered tracebacks can hide its own frames)."""
    if JAX_MISSING_RULE.search(str(error)):
        return False
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return True
    filename = tb.tb_frame.f_code.co_filename
    if filename.startswith(LIBRARY_DIRS):
        return False
    line = linecache.getline(filename, tb.tb_lineno).strip()
    return not line or line.startswith("raise")


def first_line(error: BaseException) -> str:
    text = str(error).strip() or repr(error)
    line = text.splitlines()[0]
    return line if len(line) <= 300 else line[:297] + "..."


# ---- showing values ----

def fmt(x) -> str:
    """A value as a learner reads it: numbers short, arrays compact, pytrees with structure."""
    if isinstance(x, (jax.Array, np.ndarray, np.generic, float, int)) and not isinstance(x, bool):
        a = np.asarray(x)
        if a.ndim == 0:
            return f"{a[()]:.7g}" if np.issubdtype(a.dtype, np.inexact) else str(a[()])
        if a.ndim == 1 and a.size <= 6:
            return "[" + ", ".join(fmt(v) for v in a) + "]"
        return np.array2string(a, precision=5, threshold=6, separator=", ")
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return f"{type(x).__name__}(" + ", ".join(
            f"{k}={fmt(v)}" for k, v in zip(x._fields, x)) + ")"
    if isinstance(x, tuple):
        return "(" + ", ".join(fmt(v) for v in x) + ("," if len(x) == 1 else "") + ")"
    if isinstance(x, list):
        return "[" + ", ".join(fmt(v) for v in x) + "]"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k!r}: {fmt(v)}" for k, v in x.items()) + "}"
    if callable(x) and isinstance(getattr(x, "__name__", None), str):
        return x.__name__
    return repr(x) if len(repr(x)) < 80 else type(x).__name__


def fmt_point(args: tuple, fn=None) -> str:
    """Where a check failed, in the function's own words: "a=8", or "(2, 0.5)"."""
    if len(args) > 1:
        return "(" + ", ".join(fmt(a) for a in args) + ")"
    names = parameter_names(fn)
    return f"{names[-1] if names else 'x'}={fmt(args[0])}"


def fmt_points(points: Sequence[tuple], fn=None) -> str:
    """All test points at once: "x = 0.5, -3 and 20", or "(x, y) = (2, 0.5) and (-1, 2)"."""
    names = parameter_names(fn)[-len(points[0]):] or ["x"]
    shown = [fmt(p[0]) if len(p) == 1 else fmt(tuple(p)) for p in points]
    listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    lhs = names[0] if len(names) == 1 else "(" + ", ".join(names) + ")"
    return f"{lhs} = {listed}"


def parameter_names(fn) -> list[str]:
    try:
        return list(inspect.signature(getattr(fn, "fun", fn)).parameters)
    except (TypeError, ValueError):
        return []


# ---- comparing values ----

def compare(what: str, where: str, expected, got, rtol: float = 2e-5, atol: float = 1e-6,
            hint: Callable | None = None, finite_only: bool = False) -> None:
    """Raise `Wrong` unless `got` matches `expected` in structure, shape, dtype and value
    (with `finite_only`, value only where `expected` is finite).

    `hint(expected_leaf, got_leaf)` may return the likely cause of a value mismatch; a hint
    with a parameter `what` also gets what is compared ("the tangent along (0, 1)", "the
    gradient (leaf [1])"), to tell one input's mistake from another's."""
    e_paths, e_tree = jax.tree_util.tree_flatten_with_path(expected)
    try:
        g_leaves, g_tree = jax.tree_util.tree_flatten(got)
    except Exception:
        raise Wrong(f"{what} at {where}: expected {fmt(expected)}, got an object of type "
                    f"{type(got).__name__}.") from None
    if g_tree != e_tree:
        raise Wrong(f"{what} at {where} has the wrong structure: expected {e_tree}, got "
                    f"{g_tree}.")
    for (path, e), g in zip(e_paths, g_leaves):
        leaf = f" (leaf {jax.tree_util.keystr(path)})" if path else ""
        e, g = np.asarray(e), as_numbers(g)
        if g is None:
            raise Wrong(f"{what}{leaf} at {where} is not a number or an array of numbers: "
                        f"expected {fmt(expected)}, got {fmt(got)}.")
        if e.shape != g.shape:
            raise Wrong(f"{what}{leaf} at {where} has shape {g.shape}, expected {e.shape}.")
        if np.issubdtype(e.dtype, np.floating) and not np.issubdtype(g.dtype, np.floating):
            raise Wrong(f"{what}{leaf} at {where} has dtype {g.dtype}, expected {e.dtype}: "
                        "cotangents and tangents of float values must be floats.")
        kept = np.isfinite(e) if finite_only else np.ones(e.shape, bool)
        if not np.allclose(g[kept], e[kept], rtol=rtol, atol=atol, equal_nan=False):
            # got rebuilt in expected's structure: dict keys in the same order on both sides
            shown = jax.tree_util.tree_unflatten(e_tree, g_leaves)
            detail = f"{what} at {where}: expected {fmt(expected)}, got {fmt(shown)}."
            told = {"what": what + leaf} if "what" in parameter_names(hint) else {}
            cause = (hint(e, g, **told) if hint else None) or generic_cause(e, g)
            raise Wrong(detail + (f" {cause}" if cause else ""))


def as_numbers(x) -> np.ndarray | None:
    """`x` as a numeric NumPy array, or None when it is not numbers (a string, a function)."""
    try:
        a = np.asarray(x)
    except Exception:
        return None
    return a if a.dtype.kind in "biuf" else None


def generic_cause(expected: np.ndarray, got: np.ndarray) -> str | None:
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(expected)):
        return ("Your result is not finite where the true one is: some intermediate value in "
                "your rule overflows or divides by zero.")
    if np.allclose(got, -expected, rtol=1e-4, atol=1e-6):
        return "It has the wrong sign."
    if np.all(got == 0) and not np.all(expected == 0):
        return "It is zero: is a term missing, or is the tangent/cotangent not used?"
    nz = np.abs(expected) > 1e-6
    if nz.any():
        ratio = got[nz] / expected[nz]
        r = float(ratio.flat[0])
        if np.allclose(ratio, r, rtol=1e-4) and abs(r) > 1e-6:
            for k in range(2, 11):  # only simple factors say something about the mistake
                if abs(abs(r) - k) < 1e-3 * k or abs(abs(r) - 1 / k) < 1e-3 / k:
                    # One number's ratio may be 2r or 1/x as well as 2: a constant factor
                    # only when the same ratio holds at a second point.
                    if ratio.size > 1:
                        return (f"It is {r:.4g} times the expected value in all "
                                f"{ratio.size} entries: a constant factor is off.")
                    return f"It is {r:.4g} times the expected value here."
    return None


def as_float32(tree):
    return jax.tree.map(lambda a: jnp.asarray(a, jnp.float32), tree)


def basis(args: tuple) -> list[tuple]:
    """One tangent direction per argument: (1, 0, ...), (0, 1, ...), ...; an argument that is
    a pytree (a Point) gets 1 in every leaf."""
    return [tuple(jax.tree.map(jnp.ones_like if i == j else jnp.zeros_like, a)
                  for j, a in enumerate(args)) for i in range(len(args))]


# ---- kind "jvp_function" and "jvp_rule" ----

def check_jvp_function(answer, reference, points: Sequence[tuple], hint=None) -> str:
    """`answer` and `reference` are `custom_jvp` functions."""
    if not isinstance(answer, jax.custom_jvp):
        raise Wrong(f"expected a function decorated with @custom_jvp, got "
                    f"{type(answer).__name__} {fmt(answer)}. Decorate your function with "
                    "@custom_jvp and attach a rule with @f.defjvp.")
    if custom_jvp_rule(answer) is None:
        raise Wrong("your @custom_jvp function has no rule yet: JAX would differentiate its "
                    "code as usual. Attach one with `@f.defjvp` above the rule (or "
                    "`f.defjvp(f_jvp)` / `f.defjvps(...)` after it).")
    check_jvp_values(answer, reference, points, hint)
    return f"at {fmt_points(points, reference)}, {jvp_checked(len(points))}"


def jvp_checked(n_points: int) -> str:
    return ("the value, the tangent along each input direction (your rule called directly, "
            "linear in the input tangent, and through jax.jvp) and the gradient (jax.grad, "
            f"jax.jit(jax.grad), and jax.vmap(jax.grad) over all {n_points} points at once) "
            "match the reference.")


def check_jvp_rule(answer, primal: Callable, reference_rule: Callable, points: Sequence[tuple],
                   nondiff_argnums: tuple[int, ...], nondiff_values: Sequence[tuple],
                   hint=None) -> str:
    """`answer` is a JVP rule for `primal`, declared with `nondiff_argnums` (which come first
    in `primal`'s signature); it is tried with each tuple of `nondiff_values`."""
    if not_attempted(answer):
        raise NotAttempted
    if not callable(answer):
        raise Wrong(f"expected your JVP rule, a function, got {type(answer).__name__}.")
    check_rule_signature(answer, primal, reference_rule, points[0], nondiff_argnums,
                         nondiff_values[0])
    for nondiff in nondiff_values:
        mine = jax.custom_jvp(primal, nondiff_argnums=nondiff_argnums)
        mine.defjvp(answer)
        ref = jax.custom_jvp(primal, nondiff_argnums=nondiff_argnums)
        ref.defjvp(reference_rule)
        check_jvp_values(mine, ref, points, hint, nondiff)
    names = parameter_names(primal)[:len(nondiff_argnums)]
    tried = fmt_list([v[0] if len(v) == 1 else v for v in nondiff_values])
    return (f"for {', '.join(names)} = {tried}, at {fmt_points(points, primal)}, "
            f"{jvp_checked(len(points))}")


def check_rule_signature(answer, primal, reference_rule, args, nondiff_argnums, nondiff) -> None:
    """JAX calls a rule with the non-differentiable arguments first: `rule(f, primals,
    tangents)`. Tell a rule that cannot take that call, or that works with them last."""
    rule = getattr(answer, "__name__", "your_rule")
    names = parameter_names(primal)[:len(nondiff_argnums)]
    expected = f"{rule}({', '.join([*names, 'primals', 'tangents'])})"
    args = as_float32(args)
    call = (*nondiff, args, basis(args)[0])
    try:
        signature = inspect.signature(answer)
    except (TypeError, ValueError):  # nothing to inspect (a builtin): calling it will tell
        return
    try:
        signature.bind(*call)
    except TypeError:
        raise Wrong(f"JAX calls your rule with {len(call)} arguments, as {expected}: with "
                    f"nondiff_argnums={nondiff_argnums} the non-differentiable "
                    f"{', '.join(names)} come{'s' if len(names) == 1 else ''} first. Yours "
                    f"takes ({', '.join(signature.parameters)}).") from None
    try:
        answer(*call)
        return
    except Exception:
        pass
    try:
        swapped = answer(args, basis(args)[0], *nondiff)
        compare("the swapped call", "", reference_rule(*nondiff, args, basis(args)[0]),
                tuple(swapped) if isinstance(swapped, list) else swapped)
    except Exception:  # Wrong included: no better with them last; the real call will report
        return
    raise Wrong(f"called as {rule}(primals, tangents, {', '.join(names)}) your rule works, but "
                f"with nondiff_argnums={nondiff_argnums} JAX passes {', '.join(names)} first: "
                f"the signature must be {expected}.")


def check_jvp_values(answer, reference, points, hint, nondiff: tuple = ()) -> None:
    """Values, tangents (direct and through jax.jvp) and gradients at every point."""
    def mine(*a):
        return answer(*nondiff, *a)

    def ref(*a):
        return reference(*nondiff, *a)

    def rule(primals, tangents):
        return run(f"your JVP rule at {where}", custom_jvp_rule(answer), *nondiff, primals,
                   tangents)

    for args in points:
        args = as_float32(args)
        where = fmt_point(args, reference)
        if nondiff:  # which f (or other nondiff value) this was: "f=tanh, x=0.5"
            where = ", ".join(f"{name}={fmt(value)}" for name, value in
                              zip(parameter_names(reference), nondiff)) + ", " + where
        # Where the reference's value overflows (log(cosh(100)) is inf), a stable f may be
        # finite: its value is compared where the reference is finite; its rule everywhere.
        compare("f", where, ref(*args), run("f", mine, *args), finite_only=True)
        for direction in basis(args):
            pair = rule(args, direction)
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise Wrong(f"a JVP rule must return a pair (primal_out, tangent_out); at "
                            f"{where} yours returned {fmt(pair)}.")
            check_linear_jvp(rule, args, direction, where)
            expected = jax.jvp(ref, args, direction)[1]
            got = run("jax.jvp of your function", jax.jvp, mine, args, direction)
            compare(f"the tangent along {fmt(direction)}", where, expected, got[1], hint=hint)
        check_grads(sum_of_outputs(mine), sum_of_outputs(ref), args, where, hint)
    # (the sum changes nothing for one scalar output; a dict of outputs gets one gradient)
    check_batched(sum_of_outputs(mine), sum_of_outputs(ref), points, hint)


def check_linear_jvp(rule: Callable, primals: tuple, tangents: tuple, where: str) -> None:
    """The tangent output must be linear in the tangent input: scaling (by 2, by -1, so that
    abs or maximum(t, 0) show) and a zero tangent."""
    outs = []
    for scaled in (tangents, jax.tree.map(lambda t: 2.0 * t, tangents),
                   jax.tree.map(lambda t: -t, tangents), jax.tree.map(jnp.zeros_like, tangents)):
        pair = rule(primals, scaled)
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise Wrong(f"a JVP rule must return a pair (primal_out, tangent_out); at {where}, "
                        f"with tangents {fmt(scaled)}, yours returned {fmt(pair)}.")
        outs.append(pair[1])
    t1, t2, t_neg, t0 = outs
    leaves = [as_numbers(x) for x in jax.tree.leaves((t1, t2, t_neg, t0))]
    if any(x is None or not np.all(np.isfinite(x)) for x in leaves):
        return  # a non-numeric, nan or inf tangent is reported by the value comparison
    for name, lhs, rhs in (("doubling the input tangent", t2, jax.tree.map(lambda a: 2 * a, t1)),
                           ("negating the input tangent", t_neg, jax.tree.map(lambda a: -a, t1)),
                           ("a zero input tangent", t0, jax.tree.map(jnp.zeros_like, t1))):
        same_tree = jax.tree.structure(lhs) == jax.tree.structure(rhs)
        if same_tree and all(
                np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=1e-4, atol=1e-6)
                for a, b in zip(jax.tree.leaves(lhs), jax.tree.leaves(rhs))):
            continue
        raise Wrong(f"your tangent is not linear in the input tangent: at {where}, "
                    f"{name} gave {fmt(lhs)} instead of {fmt(rhs)}. A JVP rule may use any "
                    "function of the primals, but must only scale and add the tangents "
                    "(no t**2, no abs(t), no constant offsets), or JAX cannot transpose it for "
                    "grad.")


# ---- kind "vjp_pair" ----

def check_vjp_pair(answer, primal: Callable, reference: tuple, points: Sequence[tuple],
                   cotangents: Sequence, hint=None) -> str:
    """`answer` is `(f_fwd, f_bwd)` for `primal`; `cotangents` are the output cotangents fed
    to f_bwd at every point."""
    if not_attempted(answer):
        raise NotAttempted
    fwd, bwd = vjp_pair_functions(answer)
    mine = jax.custom_vjp(primal)
    mine.defvjp(fwd, bwd)
    ref = jax.custom_vjp(primal)
    ref.defvjp(*reference)
    cotangents = as_float32(list(cotangents))
    for args in points:
        args = as_float32(args)
        where = fmt_point(args, primal)
        residuals = check_fwd_direct(fwd, primal, args, where)
        ref_vjp = jax.vjp(ref, *args)[1]
        for ct in cotangents:
            cts = check_bwd_direct(bwd, residuals, ct, len(args))
            expected = ref_vjp(ct)
            for i, (e, g) in enumerate(zip(expected, cts)):
                g, nones = zeros_for_none(e, g)
                try:
                    compare(f"f_bwd's cotangent for argument {i} (with output cotangent "
                            f"{fmt(ct)})", where, e, g, hint=hint)
                except Wrong as wrong:
                    if not nones:
                        raise
                    raise Wrong(f"{wrong} Your None{nones} is read as a zero cotangent, as "
                                "JAX reads it: allowed, but zero is not the value here.") from None
        check_grads(sum_of_outputs(mine), sum_of_outputs(ref), args, where, hint)
    check_batched(sum_of_outputs(mine), sum_of_outputs(ref), points, hint)
    several = len(jax.tree.leaves(primal(*as_float32(points[0])))) > 1
    gradient = "the gradient of the sum of its outputs" if several else "the gradient"
    return (f"at {fmt_points(points, primal)}, f_fwd's output, f_bwd's cotangents for the "
            f"output cotangents {fmt_list(cotangents)}, and {gradient} through your "
            f"custom_vjp (jax.grad, jax.jit(jax.grad), and jax.vmap(jax.grad) over all "
            f"{len(points)} points at once) match the reference. Forward mode (jax.jvp) was "
            "not checked: JAX cannot apply it to a custom_vjp function (lesson "
            "07_custom_vjp_in_depth, 'No forward mode').")


def zeros_for_none(expected, got) -> tuple:
    """JAX reads None as a zero cotangent, for a whole argument or for a leaf inside its
    pytree: `got` with those Nones as zeros, and where they were (" for ['b']"), or "" if
    there were none."""
    if got is None:
        return jax.tree.map(jnp.zeros_like, expected), " (for the whole argument)"
    nones = []

    def fill(path, e, g):
        if g is None:
            nones.append(jax.tree_util.keystr(path))
            return jnp.zeros_like(e)
        return g
    try:
        filled = jax.tree_util.tree_map_with_path(fill, expected, got)
    except (ValueError, TypeError, KeyError):  # another structure: compare says which
        return got, ""
    return (filled, f" for {', '.join(nones)}") if nones else (got, "")


def vjp_pair_functions(answer) -> tuple[Callable, Callable]:
    if not isinstance(answer, tuple) or len(answer) != 2:
        kind = f"a tuple of length {len(answer)}" if isinstance(answer, tuple) else (
            type(answer).__name__)
        raise Wrong(f"expected a pair (f_fwd, f_bwd) of functions, got {kind}. Submit "
                    "`(f_fwd, f_bwd)`, the two functions you would pass to f.defvjp.")
    for name, fn in zip(("f_fwd", "f_bwd"), answer):
        if not_attempted(fn):
            raise NotAttempted(name)
        if not callable(fn):
            raise Wrong(f"{name} should be a function, got {type(fn).__name__} {fmt(fn)}.")
    return answer


def check_fwd_direct(fwd, primal, args: tuple, where: str):
    """Call f_fwd by hand and check what it returns, before JAX sees it; return residuals."""
    result = run(f"f_fwd({', '.join(fmt(a) for a in args)})", fwd, *args)
    if not isinstance(result, tuple) or len(result) != 2:
        raise Wrong(f"f_fwd must return a pair (primal_output, residuals); at {where} it "
                    f"returned {fmt(result)}.")
    out, residuals = result
    compare("f_fwd's primal output", where, primal(*args), out)
    return residuals


def check_bwd_direct(bwd, residuals, out_ct, n_args: int) -> tuple:
    """Call f_bwd by hand: one cotangent per primal argument, in a tuple."""
    cts = run("f_bwd", bwd, residuals, out_ct)
    if not isinstance(cts, (tuple, list)):
        raise Wrong(f"f_bwd must return a tuple with one cotangent per primal argument: got "
                    f"a single {type(cts).__name__} ({fmt(cts)}), expected a tuple of "
                    f"{n_args}. Write `return ({'g_x' if n_args == 1 else '...'},)` even for "
                    "one argument.")
    if hasattr(cts, "_fields"):  # a namedtuple is a tuple too: Point(x, y) has length 2
        raise Wrong(f"you returned the {type(cts).__name__} itself ({fmt(cts)}); f_bwd returns "
                    "a tuple with one cotangent per argument: "
                    f"`return ({type(cts).__name__}(...),)`.")
    if len(cts) != n_args:
        raise Wrong(f"f_bwd must return a tuple with one cotangent per primal argument: got "
                    f"{len(cts)}, expected {n_args}.")
    return tuple(cts)


def sum_of_outputs(f):
    """`f` with its output leaves summed: a scalar loss whose gradient runs f's VJP once."""
    def loss(*args):
        return sum(jnp.sum(leaf) for leaf in jax.tree.leaves(f(*args)))
    return loss


def fmt_list(values: Sequence) -> str:
    shown = [fmt(v) for v in values]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


# ---- kind "function" ----

def check_function(answer, reference, points: Sequence[tuple], hint=None) -> str:
    """`answer` is any differentiable function (custom rule or not): values and gradients."""
    if not_attempted(answer):
        raise NotAttempted
    if not callable(answer):
        raise Wrong(f"expected a function, got {type(answer).__name__} {fmt(answer)}.")
    for args in points:
        args = as_float32(args)
        where = fmt_point(args, reference)
        compare("the value", where, reference(*args),
                run(f"your function at {where}", answer, *args))
        check_grads(answer, reference, args, where, hint)
    check_batched(answer, reference, points, hint)
    return (f"at {fmt_points(points, reference)}, the value and the gradient (jax.grad, "
            f"jax.jit(jax.grad), and jax.vmap(jax.grad) over all {len(points)} points at "
            "once) match the reference.")


# ---- the transformations every differentiable kind goes through ----

def check_grads(answer, reference, args, where, hint) -> None:
    argnums = tuple(range(len(args)))
    expected = jax.grad(reference, argnums)(*args)
    got = run("jax.grad of your function", jax.grad(answer, argnums), *args)
    compare("the gradient", where, expected, got, hint=hint)
    got = run("jax.jit(jax.grad(...)) of your function", jax.jit(jax.grad(answer, argnums)),
              *args)
    compare("the gradient under jax.jit", where, expected, got, hint=hint)


def check_batched(answer, reference, points, hint) -> None:
    """Under vmap the rule sees a batch: all points at once must agree too."""
    batch = jax.tree.map(lambda *xs: jnp.stack(xs), *[as_float32(p) for p in points])
    argnums = tuple(range(len(points[0])))
    expected = jax.vmap(jax.grad(reference, argnums))(*batch)
    got = run("jax.vmap(jax.grad(...)) of your function", jax.vmap(jax.grad(answer, argnums)),
              *batch)
    compare("the gradient under jax.vmap", f"the batch of all test points ({len(points)})",
            expected, got, hint=hint)


# ---- kind "predict" ----

def check_prediction(answer, expected, why_not: Mapping[str, str] | None = None) -> str:
    """`answer` predicts what JAX does; `expected` is what it does, found by running it.

    Forms accepted for the same prediction: a count 3 or "3"; a value 0.5 or "0.5"; a choice
    "b", "B" or "(b)" (when `expected` is a one-letter string); an exception type TypeError or
    "TypeError". `why_not` maps a normalized wrong prediction to why it is wrong."""
    got, want = normalize_prediction(answer, expected), normalize_prediction(expected, expected)
    if got is None:
        raise Wrong(f"expected a prediction of the form {prediction_form(expected)}, got "
                    f"{type(answer).__name__} {fmt(answer)}.")
    if got != want and not (isinstance(want, float) and np.isclose(got, want, rtol=1e-4,
                                                                   equal_nan=True)):
        reason = (why_not or {}).get(str(got), "Expand the solution cell below the check and "
                                     "run it: it runs the code and shows what JAX does.")
        raise Wrong(f"you predicted {got}, which is not what JAX does. {reason}")
    return f"you predicted {want}, which is what JAX does."


def normalize_prediction(answer, expected):
    """The prediction in the form of `expected`, or None when it cannot be read that way."""
    if isinstance(expected, type) and issubclass(expected, BaseException):
        if isinstance(answer, BaseException):
            answer = type(answer)
        if isinstance(answer, type) and issubclass(answer, BaseException):
            return answer.__name__
        if isinstance(answer, str) and answer.strip():
            return answer.strip().rsplit(".", 1)[-1].removesuffix("()")
        return None
    if isinstance(expected, str):
        if not isinstance(answer, str):
            return None
        return answer.strip().strip("().").lower() or None
    if isinstance(answer, (jax.Array, np.ndarray, np.generic)) and np.ndim(answer) == 0:
        a = np.asarray(answer)  # a 0-d array, such as jnp.float32(3.) or what grad returned
        if a.dtype == bool or not np.issubdtype(a.dtype, np.number):
            return None
        answer = float(a)
    if isinstance(answer, bool) or not isinstance(answer, (int, float, str, np.number)):
        return None
    try:
        value = float(answer)
    except ValueError:
        return None
    if isinstance(expected, int) and not isinstance(expected, bool):
        return int(value) if value.is_integer() else value
    return value


def prediction_form(expected) -> str:
    if isinstance(expected, type):
        return "an exception type, such as TypeError or \"TypeError\""
    if isinstance(expected, str):
        return "a choice, such as \"b\""
    return "a number, such as 3 or \"3\""


# ---- kind "find_the_bug" ----

def same_source(answer, given) -> bool:
    """Whether `answer` is still the `given` code, function by function (source text, with
    indentation and spacing ignored). An answer whose source cannot be read has changed."""
    def sources(x):
        if isinstance(x, (tuple, list)):
            return [sources(v) for v in x]
        parts = [getattr(x, "fun", x), getattr(x, "jvp", None), getattr(x, "fwd", None),
                 getattr(x, "bwd", None)]
        try:
            return [" ".join(inspect.getsource(f).split()) for f in parts if callable(f)]
        except (OSError, TypeError):
            return None
    mine = sources(answer)
    return mine is not None and mine == sources(given)
