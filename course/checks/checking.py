"""The machinery every exercise shares: the `Exercise` record, `Feedback`, value comparison,
and one checker per kind of answer.

A checker runs a learner's answer the way JAX would and stops at the first problem, raising
`Wrong` with a message that names the input, what was expected and what came back, and the
likely cause. It never lets the learner's own error escape. Diagnosis goes from the outside in:
is it an answer at all, does it have the right form (a `custom_jvp` function, a rule, a
`(fwd, bwd)` pair), do the rules return the right structure when called directly, and only
then do values agree through JAX's transformations. A checker that finds nothing wrong returns
one sentence saying exactly what it verified: that sentence is the success message.

The checking contract, the same for every exercise where a rule is written or fixed (the
verifiers `check_jvp_values`, `check_vjp_pair` and `check_function`; tests/test_mutants.py
measures that it rejects mutants of every reference):

- the primal output: the rule's own (the first thing a JVP rule or f_fwd returns) and what
  `jax.jvp` / `jax.vjp` return, equal to the function's value;
- the tangent or cotangent values, along each input direction and for several output
  cotangents;
- linearity in all tangents at once: scaled by 2, negated, zero (an affine term, which `grad`
  silently drops, shows there), and with every input's tangent nonzero together (a product of
  tangents shows there); for f_bwd, in the output cotangent;
- structure, shape and dtype exactly as the primal's (a float16 cotangent for a float32 input
  is wrong: JAX would silently return float16 gradients);
- the same values under `jax.jit` and `jax.vmap`, and, where an exercise asks for second
  order, `jax.grad(jax.grad(...))` compared by value, not only for being finite;
- at the points the exercise's prompt covers: negative inputs, values near 0 and large ones.

A hint names a cause only when the checker verified it on this answer: "the wrong sign" means
minus the reference at every point checked. Otherwise the message says which input, what was
expected and what came back, and where the lesson explains it.
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
from ..display import TextView, first_line

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


@dataclass(frozen=True, repr=False)
class Feedback(TextView):
    """The verdict on one answer: `.passed`, `.message`; shows as a colored box in Jupyter.

    >>> from course import Feedback
    >>> Feedback("01_product_rule", True, "Correct.")
    [01_product_rule] passed: Correct.
    """

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

    def text(self) -> str:
        return f"[{self.exercise}] {self.status}: {self.message}"

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


class Mismatch(Wrong):
    """A value that differs from the reference's (not its structure, shape or dtype).
    `derivative` says whether it is a tangent, cotangent or gradient; `explained` whether a
    hint already named a cause."""

    def __init__(self, message: str, derivative: bool = True, explained: bool = False):
        super().__init__(message)
        self.derivative, self.explained = derivative, explained


class NotAttempted(Exception):
    """The answer is still the scaffold."""


def not_attempted(answer) -> bool:
    return answer is None or answer is Ellipsis


# JAX's own NotImplementedError for a rule it lacks: "Transpose rule (for reverse-mode
# differentiation) for 'abs' not implemented" (tests/test_checks.py pins it).
JAX_MISSING_RULE = re.compile(r"\brule\b.*\bnot implemented", re.IGNORECASE)
NOT_TRANSPOSABLE = ("JAX could not run your rule backwards for grad: the tangent must be linear "
                    "in x_dot: x_dot may only be multiplied by functions of the primals and "
                    "summed (no abs, maximum, powers or stop_gradient of the tangent, no "
                    "condition on the tangent itself, and no constant terms).")

# JAX-internal errors that a learner's mistake causes, and that mistake in the learner's words
# (each pinned in tests/test_checks.py).
INTERNAL_ERRORS = (
    (AssertionError, re.compile(r"ValAccum|^$|^AssertionError\(\)$"),
     "JAX's transposition failed on your rule's tangent (an internal AssertionError): the "
     "tangent is not linear in the input tangents, for instance it multiplies two tangents "
     "(x_dot * y_dot) or chooses by the tangent's own value. " ),
    (ValueError, re.compile(r"safe_zip\(\) argument"),
     "the number of rules (or tangents) does not match the number of f's arguments (JAX's "
     "internal safe_zip failed): defjvps takes one entry per argument of f, in order, with None "
     "for an argument that gets no rule. "),
    (TypeError, re.compile(r"add_any"),
     "a rule returned None where JAX needs a tangent (JAX could not add it to the others): to "
     "give an argument no rule, pass None itself to defjvps in that argument's place, not a "
     "function that returns None. "),
    (RecursionError, re.compile(r""),
     "your code calls itself without end (RecursionError): a rule that differentiates the "
     "very function it is the rule of (jax.jvp or jax.grad of that function inside its own "
     "rule) makes JAX call the rule again, and again. Differentiate what the function is "
     "built from instead (for apply_twice: jax.jvp of f, twice). "),
)


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
        for kind, pattern, meaning in INTERNAL_ERRORS:
            if isinstance(e, kind) and pattern.search(first_line(e) if str(e).strip() else ""):
                raise Wrong(f"{what} failed: {meaning}({type(e).__name__}: "
                            f"{first_line(e)[:120]})") from None
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
            hint: Callable | None = None, finite_only: bool = False,
            derivative: bool = True) -> None:
    """Raise `Wrong` unless `got` matches `expected` in structure, shape, dtype and value
    (with `finite_only`, value only where `expected` is finite). A float leaf must have
    exactly the expected dtype, unless it is a Python number (JAX gives it the dtype of the
    value it meets); a value mismatch raises `Mismatch`, with `derivative` as given.

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
        wrap = ""
        if (isinstance(expected, tuple) and hasattr(expected, "_fields")
                and isinstance(got, (tuple, list)) and not hasattr(got, "_fields")
                and len(got) == len(expected)):  # B20: the right values, not in a Point
            wrap = (f" Wrap the values in the {type(expected).__name__} they belong to: "
                    f"{type(expected).__name__}(...).")
        raise Wrong(f"{what} at {where} has the wrong structure: expected {e_tree}, got "
                    f"{g_tree}.{wrap}")
    for (path, e), g in zip(e_paths, g_leaves):
        leaf = f" (leaf {jax.tree_util.keystr(path)})" if path else ""
        typed = hasattr(g, "dtype")  # not a Python number, whose dtype JAX chooses
        e, g = np.asarray(e), as_numbers(g)
        if g is None:
            raise Wrong(f"{what}{leaf} at {where} is not a number or an array of numbers: "
                        f"expected {fmt(expected)}, got {fmt(got)}.")
        if e.shape != g.shape:
            raise Wrong(f"{what}{leaf} at {where} has shape {g.shape}, expected {e.shape}.")
        if np.issubdtype(e.dtype, np.floating) and not np.issubdtype(g.dtype, np.floating):
            raise Wrong(f"{what}{leaf} at {where} has dtype {g.dtype}, expected {e.dtype}: "
                        "cotangents and tangents of float values must be floats.")
        if np.issubdtype(e.dtype, np.floating) and typed and g.dtype != e.dtype:
            raise Wrong(f"{what}{leaf} at {where} has dtype {g.dtype}, expected {e.dtype}: a "
                        "tangent or cotangent is typed exactly like the value it belongs to. "
                        f"JAX would not refuse it everywhere: for a custom_vjp it silently "
                        f"returns {g.dtype} gradients for {e.dtype} inputs.")
        kept = np.isfinite(e) if finite_only else np.ones(e.shape, bool)
        if not np.allclose(g[kept], e[kept], rtol=rtol, atol=atol, equal_nan=False):
            # got rebuilt in expected's structure: dict keys in the same order on both sides
            shown = jax.tree_util.tree_unflatten(e_tree, g_leaves)
            detail = f"{what} at {where}: expected {fmt(expected)}, got {fmt(shown)}."
            told = {"what": what + leaf} if "what" in parameter_names(hint) else {}
            specific = hint(e, g, **told) if hint else None
            cause = specific or generic_cause(e, g)
            raise Mismatch(detail + (f" {cause}" if cause else ""), derivative=derivative,
                           explained=bool(specific))


def as_numbers(x) -> np.ndarray | None:
    """`x` as a numeric NumPy array, or None when it is not numbers (a string, a function)."""
    try:
        a = np.asarray(x)
    except Exception:
        return None
    return a if a.dtype.kind in "biuf" else None


def generic_cause(expected: np.ndarray, got: np.ndarray) -> str | None:
    """What is true of this one value, and nothing more: a sign or a factor seen at one point
    may be a coincidence (sum(x) = -1 there), so those are left to `relation_at_all_points`."""
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(expected)):
        return ("Your result is not finite (nan or inf) where the true one is: an intermediate "
                "value in your code overflows, or divides by zero, at this input.")
    if np.all(got == 0) and not np.all(expected == 0):
        return "Yours is 0 here, where the true value is not."
    return None


def relation_at_all_points(mine, ref, points) -> str:
    """A cause verified at every point: the gradient of `mine` is minus that of `ref`, or a
    simple constant multiple of it, at all `points` (and nonzero somewhere). "" otherwise."""
    got, want = [], []
    try:
        for args in points:
            args = as_float32(args)
            argnums = tuple(range(len(args)))
            got += [np.asarray(a, np.float64).ravel() for a in
                    jax.tree.leaves(jax.grad(mine, argnums)(*args))]
            want += [np.asarray(a, np.float64).ravel() for a in
                     jax.tree.leaves(jax.grad(ref, argnums)(*args))]
        got, want = np.concatenate(got), np.concatenate(want)
    except Exception:  # whatever fails is reported by the checks themselves
        return ""
    if got.shape != want.shape or not (np.all(np.isfinite(got)) and np.all(np.isfinite(want))):
        return ""
    nz = np.abs(want) > 1e-6
    if not nz.any() or np.any(np.abs(got[~nz]) > 1e-6):
        return ""
    ratio = got[nz] / want[nz]
    r = float(ratio[0])
    if not np.allclose(ratio, r, rtol=1e-4):
        return ""
    if abs(r + 1) < 1e-4:
        return (f" At all {len(points)} points checked, your gradient is exactly minus the "
                "reference's: the sign is wrong.")
    for k in range(2, 11):  # only simple factors say something about the mistake
        for factor in (k, -k, 1 / k, -1 / k):
            if abs(r - factor) < 1e-4 * abs(factor):
                return (f" At all {len(points)} points checked, your gradient is {r:.4g} times "
                        "the reference's: a constant factor is off.")
    return ""


def with_verified_cause(mismatch: Wrong, mine, ref, points) -> Wrong:
    """`mismatch` with the relation to the reference that holds at every point, if any."""
    if not isinstance(mismatch, Mismatch) or mismatch.explained or not mismatch.derivative:
        return mismatch
    cause = relation_at_all_points(mine, ref, points)
    return Mismatch(f"{mismatch}{cause}", mismatch.derivative, bool(cause)) if cause else (
        mismatch)


def as_float32(tree):
    return jax.tree.map(lambda a: jnp.asarray(a, jnp.float32), tree)


def basis(args: tuple) -> list[tuple]:
    """One tangent direction per argument: (1, 0, ...), (0, 1, ...), ...; an argument that is
    a pytree (a Point) gets 1 in every leaf."""
    return [tuple(jax.tree.map(jnp.ones_like if i == j else jnp.zeros_like, a)
                  for j, a in enumerate(args)) for i in range(len(args))]


# ---- kind "jvp_function" and "jvp_rule" ----

def check_jvp_function(answer, reference, points: Sequence[tuple], hint=None,
                       second_order: Sequence[tuple] = ()) -> str:
    """`answer` and `reference` are `custom_jvp` functions. At the `second_order` points,
    `jax.grad(jax.grad(answer))` is compared with the reference's by value."""
    if not isinstance(answer, jax.custom_jvp):
        raise Wrong(f"expected a function decorated with @custom_jvp, got "
                    f"{type(answer).__name__} {fmt(answer)}. Decorate your function with "
                    "@custom_jvp and attach a rule with @f.defjvp.")
    if custom_jvp_rule(answer) is None:
        raise Wrong("your @custom_jvp function has no rule yet: JAX would differentiate its "
                    "code as usual. Attach one with `@f.defjvp` above the rule (or "
                    "`f.defjvp(f_jvp)` / `f.defjvps(...)` after it).")
    check_jvp_values(answer, reference, points, hint)
    check_second_order(answer, reference, second_order)
    second = (f" The second derivative, jax.grad(jax.grad(...)), matches the reference's at "
              f"{fmt_points(second_order, reference)}." if second_order else "")
    return f"at {fmt_points(points, reference)}, {jvp_checked(len(points))}{second}"


def check_second_order(answer, reference, points: Sequence[tuple]) -> None:
    """grad(grad) differentiates the rule's own code: compared by value (finite is not
    enough: a stop_gradient in the rule makes it a finite, wrong 0)."""
    for args in points:
        args = as_float32(args)
        where = fmt_point(args, reference)
        expected = jax.grad(jax.grad(reference))(*args)
        got = run("jax.grad(jax.grad(...)) of your function", jax.grad(jax.grad(answer)), *args)
        try:
            compare("the second derivative, jax.grad(jax.grad(...)),", where, expected, got,
                    rtol=1e-4, atol=1e-5)
        except Mismatch as e:
            raise Wrong(f"{e} Your first derivative is right, but jax.grad(jax.grad(...)) "
                        "differentiates your rule's own code again: a stop_gradient, or a "
                        "value computed apart from x, hides the dependence on x that the "
                        "second derivative needs.") from None


def jvp_checked(n_points: int) -> str:
    return ("the value, the primal output your rule returns (called directly and through "
            "jax.jvp), the tangent along each input direction (your rule called directly, "
            "linear in the input tangents, all of them at once too, and through jax.jvp) and "
            "the gradient (jax.grad, jax.jit(jax.grad), and jax.vmap(jax.grad) over all "
            f"{n_points} points at once) match the reference, in value, structure and dtype.")


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
    """Values, primal outputs and tangents (direct and through jax.jvp), linearity, and
    gradients at every point; a value mismatch gets the cause that holds at every point."""
    def mine(*a):
        return answer(*nondiff, *a)

    def ref(*a):
        return reference(*nondiff, *a)

    try:
        jvp_values_at_points(answer, mine, ref, reference, points, hint, nondiff)
    except Mismatch as e:
        raise with_verified_cause(e, sum_of_outputs(mine), sum_of_outputs(ref),
                                  points) from None


PRIMAL_OUT = ("The first thing a JVP rule returns is f(primals), the primal output, not an "
              "input: jax.jvp and jax.value_and_grad return it as it is, and JAX does not "
              "check it.")


def jvp_values_at_points(answer, mine, ref, reference, points, hint, nondiff) -> None:
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
        value = ref(*args)
        compare("f", where, value, run("f", mine, *args), finite_only=True, derivative=False)
        directions = basis(args)
        for direction in directions:
            pair = rule(args, direction)
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise Wrong(f"a JVP rule must return a pair (primal_out, tangent_out); at "
                            f"{where} yours returned {fmt(pair)}.")
            compare("the primal output your rule returns", where, value, pair[0],
                    finite_only=True, derivative=False, hint=lambda e, g: PRIMAL_OUT)
            check_linear_jvp(rule, args, direction, where)
            expected = jax.jvp(ref, args, direction)[1]
            got = run("jax.jvp of your function", jax.jvp, mine, args, direction)
            compare("the primal output of jax.jvp", where, value, got[0], finite_only=True,
                    derivative=False, hint=lambda e, g: PRIMAL_OUT)
            compare(f"the tangent along {fmt(direction)}", where, expected, got[1], hint=hint)
        check_all_tangents_at_once(rule, args, leaf_basis(args), where)
        check_grads(sum_of_outputs(mine), sum_of_outputs(ref), args, where, hint)
    # (the sum changes nothing for one scalar output; a dict of outputs gets one gradient)
    check_batched(sum_of_outputs(mine), sum_of_outputs(ref), points, hint)


def tangent_of(rule, primals, tangents, where):
    pair = rule(primals, tangents)
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise Wrong(f"a JVP rule must return a pair (primal_out, tangent_out); at {where}, "
                    f"with tangents {fmt(tangents)}, yours returned {fmt(pair)}.")
    return pair[1]


def finite_numbers(*trees) -> bool:
    leaves = [as_numbers(x) for x in jax.tree.leaves(trees)]
    return all(x is not None and np.all(np.isfinite(x)) for x in leaves)


def same_values(lhs, rhs) -> bool:
    return jax.tree.structure(lhs) == jax.tree.structure(rhs) and all(
        np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=1e-4, atol=1e-5)
        for a, b in zip(jax.tree.leaves(lhs), jax.tree.leaves(rhs)))


NOT_LINEAR = ("A JVP rule may use any function of the primals, but may only multiply the "
              "tangents by such functions and add the results: no t**2, no abs(t), no product "
              "of two tangents, no term without a tangent. JAX does not check this. Some such "
              "rules make grad fail; others, such as a constant added, make grad silently "
              "disagree with jvp.")


def check_linear_jvp(rule: Callable, primals: tuple, tangents: tuple, where: str) -> None:
    """The tangent output must be linear in the tangent input: scaling (by 2, by -1, so that
    abs or maximum(t, 0) show) and a zero tangent (an affine term shows there)."""
    outs = [tangent_of(rule, primals, scaled, where) for scaled in (
        tangents, jax.tree.map(lambda t: 2.0 * t, tangents), jax.tree.map(lambda t: -t, tangents),
        jax.tree.map(jnp.zeros_like, tangents))]
    t1, t2, t_neg, t0 = outs
    if not finite_numbers(*outs):
        return  # a non-numeric, nan or inf tangent is reported by the value comparison
    zero = jax.tree.map(jnp.zeros_like, t1)
    if not same_values(t0, zero):
        raise Wrong(f"your tangent is not linear in the input tangent: at {where}, a zero input "
                    f"tangent gave {fmt(t0)} instead of {fmt(zero)}: your tangent has a term "
                    f"that does not depend on the input tangent (a constant, or a function of "
                    f"the primals alone). {NOT_LINEAR}")
    for name, lhs, rhs in (("doubling the input tangent", t2, jax.tree.map(lambda a: 2 * a, t1)),
                           ("negating the input tangent", t_neg, jax.tree.map(lambda a: -a, t1))):
        if not same_values(lhs, rhs):
            raise Wrong(f"your tangent is not linear in the input tangent: at {where}, "
                        f"{name} gave {fmt(lhs)} instead of {fmt(rhs)}. {NOT_LINEAR}")


def leaf_basis(args: tuple) -> list[tuple]:
    """One tangent direction per leaf of the arguments (a Point's x and y apart): 1 in that
    leaf, 0 in every other."""
    leaves, tree = jax.tree.flatten(args)
    return [jax.tree.unflatten(tree, [jnp.ones_like(leaf) if i == j else jnp.zeros_like(leaf)
                                      for j, leaf in enumerate(leaves)])
            for i in range(len(leaves))]


def check_all_tangents_at_once(rule, primals: tuple, directions: list[tuple], where) -> None:
    """With every tangent nonzero together (direction i scaled by i + 1), the tangent out is
    the sum of the tangents along each direction alone: a product of tangents shows here."""
    if len(directions) < 2:
        return
    scales = [float(i + 1) for i in range(len(directions))]
    together = jax.tree.map(lambda *ts: sum(c * t for c, t in zip(scales, ts)), *directions)
    alone = [tangent_of(rule, primals, d, where) for d in directions]
    got = tangent_of(rule, primals, together, where)
    if not finite_numbers(got, *alone):
        return
    try:
        summed = jax.tree.map(lambda *ts: sum(c * t for c, t in zip(scales, ts)), *alone)
    except Exception:  # structures differ between directions: the value checks tell
        return
    if not same_values(got, summed):
        raise Wrong(f"your tangent is not linear in the input tangents taken together: at "
                    f"{where}, with all of them nonzero at once, {fmt(together)}, your rule "
                    f"gave {fmt(got)}, but the sum of what it gives for each input's tangent "
                    f"alone is {fmt(summed)}. {NOT_LINEAR}")


# ---- kind "vjp_pair" ----

def check_vjp_pair(answer, primal: Callable, reference: tuple, points: Sequence[tuple],
                   cotangents: Sequence, hint=None, linear_in_g: bool = True) -> str:
    """`answer` is `(f_fwd, f_bwd)` for `primal`; `cotangents` are the output cotangents fed
    to f_bwd at every point. `linear_in_g=False` for a rule that is not a VJP of its primal
    on purpose (a clip of the cotangent): its linearity in g is then not probed."""
    if not_attempted(answer):
        raise NotAttempted
    fwd, bwd = vjp_pair_functions(answer)
    mine = jax.custom_vjp(primal)
    mine.defvjp(fwd, bwd)
    ref = jax.custom_vjp(primal)
    ref.defvjp(*reference)
    cotangents = as_float32(list(cotangents))
    try:
        vjp_values_at_points(fwd, bwd, mine, ref, primal, points, cotangents, hint,
                             linear_in_g)
    except Mismatch as e:
        raise with_verified_cause(e, sum_of_outputs(mine), sum_of_outputs(ref),
                                  points) from None
    several = len(jax.tree.leaves(primal(*as_float32(points[0])))) > 1
    gradient = "the gradient of the sum of its outputs" if several else "the gradient"
    return (f"at {fmt_points(points, primal)}, f_fwd's output (called directly and through "
            f"jax.vjp), f_bwd's cotangents for the output cotangents {fmt_list(cotangents)} "
            f"({'linear in the output cotangent, and ' if linear_in_g else ''}typed exactly "
            "like the inputs), and "
            f"{gradient} through your custom_vjp (jax.grad, jax.jit(jax.grad), and "
            f"jax.vmap(jax.grad) over all {len(points)} points at once) match the reference. "
            "Forward mode (jax.jvp) was "
            "not checked: JAX cannot apply it to a custom_vjp function (lesson "
            "07_custom_vjp_in_depth, 'No forward mode').")


def vjp_values_at_points(fwd, bwd, mine, ref, primal, points, cotangents, hint,
                         linear_in_g) -> None:
    names = parameter_names(primal)
    for args in points:
        args = as_float32(args)
        where = fmt_point(args, primal)
        residuals = check_fwd_direct(fwd, primal, args, where)
        value, ref_vjp = jax.vjp(ref, *args)
        for ct in cotangents:
            cts = check_bwd_direct(bwd, residuals, ct, len(args), names)
            expected = ref_vjp(ct)
            if linear_in_g:
                check_linear_bwd(bwd, residuals, ct, expected, cts, where, names)
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
        got = run(f"jax.vjp of your custom_vjp at {where}", jax.vjp, mine, *args)
        compare("the primal output of jax.vjp", where, value, got[0], derivative=False)
        check_grads(sum_of_outputs(mine), sum_of_outputs(ref), args, where, hint)
    check_batched(sum_of_outputs(mine), sum_of_outputs(ref), points, hint)


def check_linear_bwd(bwd, residuals, ct, expected, cts, where, names) -> None:
    """f_bwd is linear in the output cotangent g: 2 g gives twice, and 0 gives 0 (a term that
    does not depend on g, or a g that is not used, shows here). Only for a finite g."""
    if not finite_numbers(jax.tree.map(lambda g: 2 * g, ct)) or not any(np.any(np.asarray(c) != 0)
                                         for c in jax.tree.leaves(ct)):
        return
    def filled(c):
        return tuple(zeros_for_none(e, g)[0] for e, g in zip(expected, c))
    one = filled(cts)
    two = filled(check_bwd_direct(bwd, residuals, jax.tree.map(lambda g: 2 * g, ct),
                                  len(cts), names))
    zero = filled(check_bwd_direct(bwd, residuals, jax.tree.map(jnp.zeros_like, ct),
                                   len(cts), names))
    if not finite_numbers(one, two, zero) or not all(
            np.issubdtype(np.asarray(a).dtype, np.floating) for a in jax.tree.leaves(
                (one, two, zero))):
        return  # a non-finite or non-float cotangent: the comparison says what it should be
    if same_values(one, two) and not same_values(one, jax.tree.map(jnp.zeros_like, one)):
        raise Wrong(f"at {where}, f_bwd gives {fmt(one)} for the output cotangent {fmt(ct)} and "
                    f"the same for twice that cotangent: it does not use g. The cotangents "
                    "f_bwd returns are g times the derivatives: multiply by g.")
    if not same_values(zero, jax.tree.map(jnp.zeros_like, zero)):
        raise Wrong(f"at {where}, f_bwd gives {fmt(zero)} for a zero output cotangent, instead "
                    "of zeros: a term that does not depend on g is added. f_bwd must be linear "
                    "in g (only multiplied by functions of the residuals, and summed); JAX "
                    "does not check it.")
    if not same_values(two, jax.tree.map(lambda a: 2 * a, one)):
        raise Wrong(f"at {where}, f_bwd is not linear in the output cotangent: for {fmt(ct)} it "
                    f"gives {fmt(one)}, for twice that {fmt(two)}, not twice as much. f_bwd may "
                    "only multiply g by functions of the residuals and sum the results.")


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
    compare("f_fwd's primal output", where, primal(*args), out, derivative=False)
    return residuals


def check_bwd_direct(bwd, residuals, out_ct, n_args: int, names: Sequence[str] = ()) -> tuple:
    """Call f_bwd by hand, twice on the same residuals (JAX may: a function from jax.vjp can
    be called again): one cotangent per primal argument, in a tuple."""
    cts = call_bwd(bwd, residuals, out_ct)
    try:
        bwd(residuals, out_ct)
    except Exception as e:
        raise Wrong(f"f_bwd ran once on these residuals, then failed when run on them a second "
                    f"time ({type(e).__name__}: {first_line(e)[:100]}). JAX may run f_bwd "
                    "several times for one f_fwd (the function jax.vjp returns can be called "
                    "again, as 07_vjp_calls shows): f_bwd must read only its residuals and g, "
                    "and use up or change nothing.") from None
    if not isinstance(cts, (tuple, list)):
        names = list(names)[:n_args] or [f"g_{i}" for i in range(n_args)]
        shown = "(g_x,)" if n_args == 1 else "(" + ", ".join(
            f"{name}_bar" for name in names) + ")"
        raise Wrong(f"f_bwd must return a tuple with one cotangent per primal argument: got "
                    f"a single {type(cts).__name__} ({fmt(cts)}), expected a tuple of "
                    f"{n_args}. Write `return {shown}`"
                    + (" even for one argument." if n_args == 1 else
                       ", one entry for each argument, not one array holding them all."))
    if hasattr(cts, "_fields"):  # a namedtuple is a tuple too: Point(x, y) has length 2
        raise Wrong(f"you returned the {type(cts).__name__} itself ({fmt(cts)}); f_bwd returns "
                    "a tuple with one cotangent per argument: "
                    f"`return ({type(cts).__name__}(...),)`.")
    if len(cts) != n_args:
        raise Wrong(f"f_bwd must return a tuple with one cotangent per primal argument: got "
                    f"{len(cts)}, expected {n_args}.")
    return tuple(cts)


def call_bwd(bwd, residuals, out_ct):
    """f_bwd(residuals, out_ct), and, when it fails on a dict cotangent, whether it unpacked
    the dict (which gives its keys, not its values)."""
    try:
        return run("f_bwd", bwd, residuals, out_ct)
    except Wrong:
        if not isinstance(out_ct, dict):
            raise
        class Unpacked(Exception):
            pass

        class Probe(dict):
            def __iter__(self):
                raise Unpacked
        try:
            bwd(residuals, Probe(out_ct))
        except Unpacked:
            raise Wrong(f"f_bwd unpacks the output cotangent g, a dict like the output "
                        f"({fmt(out_ct)}): unpacking a dict gives its keys "
                        f"({', '.join(map(repr, out_ct))}), not its values. Read the values by "
                        f"key: {', '.join(f'g[{k!r}]' for k in out_ct)}.") from None
        except Exception:
            pass
        raise


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
    try:
        for args in points:
            args = as_float32(args)
            where = fmt_point(args, reference)
            compare("the value", where, reference(*args),
                    run(f"your function at {where}", answer, *args), derivative=False)
            check_grads(answer, reference, args, where, hint)
        check_batched(answer, reference, points, hint)
    except Mismatch as e:
        raise with_verified_cause(e, answer, reference, points) from None
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


THOUSANDS = re.compile(r"[-+]?\d{1,3}(,\d{3})+(\.\d*)?")


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
    if isinstance(answer, str) and THOUSANDS.fullmatch(answer.strip()):
        answer = answer.replace(",", "")  # "4,000" is 4000
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
