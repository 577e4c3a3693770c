"""Exercise checkers: run a learner's custom rule the way JAX would, and explain what is wrong.

A checker never raises on a learner's answer. It returns `Feedback`, whose message names the
input, what was expected and what came back, the likely cause, and the lesson section to
reread. Diagnosis goes from the outside in: is it an answer at all, does it have the right
form (a `custom_jvp` function, a rule, a `(fwd, bwd)` pair), do the rules return the right
structure when called directly, and only then do values agree through `jvp`, `grad`, `vmap`
and `jit`.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: `.passed`, `.message`; shows as a colored box in Jupyter."""

    exercise: str
    passed: bool
    message: str
    attempted: bool = True

    @property
    def status(self) -> str:
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
        color = {"passed": "#2b8a3e", "not yet right": "#c92a2a"}.get(self.status, "#868e96")
        background = {"passed": "#ebfbee", "not yet right": "#fff5f5"}.get(self.status, "#f8f9fa")
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


def run(what: str, fn: Callable, *args):
    """Call `fn(*args)`; turn any exception into `Wrong` with a one-line reason."""
    try:
        return fn(*args)
    except NotImplementedError as e:
        raise NotAttempted(str(e)) from None
    except Exception as e:  # the learner's code may fail in any way
        raise Wrong(f"{what} raised {type(e).__name__}: {first_line(e)}") from None


def first_line(error: BaseException) -> str:
    text = str(error).strip() or repr(error)
    line = text.splitlines()[0]
    return line if len(line) <= 300 else line[:297] + "..."


def fmt(x) -> str:
    """A value as a learner reads it: numbers short, arrays compact, pytrees with structure."""
    if isinstance(x, (jax.Array, np.ndarray, np.generic, float, int)) and not isinstance(x, bool):
        a = np.asarray(x)
        if a.ndim == 0:
            return f"{a[()]:.7g}" if np.issubdtype(a.dtype, np.inexact) else str(a[()])
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
    return repr(x) if len(repr(x)) < 80 else type(x).__name__


def at(args) -> str:
    return ", ".join(fmt(a) for a in args)


def compare(what: str, where: str, expected, got, rtol: float = 2e-5, atol: float = 1e-6,
            hint: Callable | None = None) -> None:
    """Raise `Wrong` unless `got` matches `expected` in structure, shape, dtype and value."""
    e_paths, e_tree = jax.tree_util.tree_flatten_with_path(expected)
    e_leaves = [leaf for _, leaf in e_paths]
    try:
        g_leaves, g_tree = jax.tree_util.tree_flatten(got)
    except Exception:
        raise Wrong(f"{what} at {where}: expected {fmt(expected)}, got an object of type "
                    f"{type(got).__name__}.") from None
    if g_tree != e_tree:
        raise Wrong(f"{what} at {where} has the wrong structure: expected {e_tree}, got "
                    f"{g_tree}.")
    for (path, _), e, g in zip(e_paths, e_leaves, g_leaves):
        e, g = np.asarray(e), np.asarray(g)
        leaf = f" (leaf {jax.tree_util.keystr(path)})" if path else ""
        if e.shape != g.shape:
            raise Wrong(f"{what}{leaf} at {where} has shape {g.shape}, expected {e.shape}.")
        if np.issubdtype(e.dtype, np.floating) and not np.issubdtype(g.dtype, np.floating):
            raise Wrong(f"{what}{leaf} at {where} has dtype {g.dtype}, expected {e.dtype}: "
                        "cotangents and tangents of float values must be floats.")
        if not np.allclose(g, e, rtol=rtol, atol=atol, equal_nan=False):
            detail = f"{what} at {where}: expected {fmt(expected)}, got {fmt(got)}."
            cause = hint(e, g) if hint else None
            cause = cause or generic_cause(e, g)
            raise Wrong(detail + (f" {cause}" if cause else ""))


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
                    return f"It is {r:.4g} times the expected value: a constant factor is off."
    return None


def check_linear_jvp(rule: Callable, primals: tuple, tangents: tuple, where: str) -> None:
    """The tangent output must be linear in the tangent input: scaling and adding."""
    _, t1 = rule(primals, tangents)
    _, t2 = rule(primals, tuple(2.0 * t for t in tangents))
    _, t0 = rule(primals, tuple(jnp.zeros_like(t) for t in tangents))
    if not all(np.all(np.isfinite(x)) for x in jax.tree.leaves((t1, t2))):
        return  # a nan/inf tangent is reported by the value comparison, with its cause
    for name, lhs, rhs in (("doubling the input tangent", t2, jax.tree.map(lambda a: 2 * a, t1)),
                           ("a zero input tangent", t0, jax.tree.map(jnp.zeros_like, t1))):
        if not all(np.allclose(a, b, rtol=1e-4, atol=1e-6) for a, b in
                   zip(jax.tree.leaves(lhs), jax.tree.leaves(rhs))):
            raise Wrong(f"your tangent is not linear in the input tangent: at {where}, "
                        f"{name} gave {fmt(lhs)} instead of {fmt(rhs)}. A JVP rule may use any "
                        "function of the primals, but must only scale and add the tangents "
                        "(no t**2, no constant offsets), or JAX cannot transpose it for grad.")


def as_float32(args: tuple) -> tuple:
    return jax.tree.map(lambda a: jnp.asarray(a, jnp.float32), args)


def build_custom_vjp(answer, primal: Callable, nondiff_argnums: tuple = ()):
    """A `custom_vjp` of `primal` with the learner's `(fwd, bwd)`, after checking the form."""
    if not isinstance(answer, tuple) or len(answer) != 2:
        kind = f"a tuple of length {len(answer)}" if isinstance(answer, tuple) else (
            type(answer).__name__)
        raise Wrong(f"expected a pair (f_fwd, f_bwd) of functions, got {kind}. Submit "
                    "`(f_fwd, f_bwd)`, the two functions you would pass to f.defvjp.")
    fwd, bwd = answer
    for name, fn in (("f_fwd", fwd), ("f_bwd", bwd)):
        if not_attempted(fn):
            raise NotAttempted(name)
        if not callable(fn):
            raise Wrong(f"{name} should be a function, got {type(fn).__name__}.")
    f = jax.custom_vjp(primal, nondiff_argnums=nondiff_argnums)
    f.defvjp(fwd, bwd)
    return f, fwd, bwd


def check_fwd_bwd_direct(fwd, bwd, primal, args: tuple, out_ct, n_diff: int, where: str,
                         nondiff: tuple = ()) -> tuple:
    """Call f_fwd and f_bwd by hand and check what they return, before JAX sees them."""
    result = run(f"f_fwd{where_args(args)}", fwd, *nondiff, *args)
    if not isinstance(result, tuple) or len(result) != 2:
        raise Wrong(f"f_fwd must return a pair (primal_output, residuals); at {where} it "
                    f"returned {fmt(result)}.")
    out, res = result
    compare("f_fwd's primal output", where, primal(*nondiff, *args), out)
    cts = run("f_bwd", bwd, *nondiff, res, out_ct)
    if not isinstance(cts, (tuple, list)):
        raise Wrong(f"f_bwd must return a tuple with one cotangent per primal argument: got "
                    f"a single {type(cts).__name__} ({fmt(cts)}), expected a tuple of "
                    f"{n_diff}. Write `return ({'g_x' if n_diff == 1 else '...'},)` even for "
                    "one argument.")
    if len(cts) != n_diff:
        raise Wrong(f"f_bwd must return a tuple with one cotangent per primal argument: got "
                    f"{len(cts)}, expected {n_diff}.")
    return out, res, tuple(cts)


def where_args(args: tuple) -> str:
    return f"({at(args)})"
