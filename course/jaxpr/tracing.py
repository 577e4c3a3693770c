"""`trace_jaxpr`: check what the learner passed, make the jaxpr with JAX, then evaluate it.

Bad input becomes a short TypeError in the learner's terms, not a traceback from inside JAX.
"""

from __future__ import annotations

import inspect

import jax
import numpy as np

from .. import compat
from .data import Trace
from .evaluate import evaluate_jaxpr


def trace_jaxpr(fn, *args, **kwargs) -> Trace:
    """As `jax.make_jaxpr(fn)(*args, **kwargs)`, but evaluated, keeping every value.

    Returns a `Trace` whose records are the equations in execution order, nested calls
    included, with short variable names, shapes, dtypes, values and source lines.
    """
    closed = make_jaxpr_checked(fn, *args, **kwargs)
    return evaluate_jaxpr(closed, jax.tree_util.tree_leaves((args, kwargs)), function_name(fn))


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
    """`fn.__name__`, except that `jax.grad(f)`, which keeps f's `__name__`, is `grad(f)`."""
    wrapped = compat.grad_of(fn)
    if wrapped is not None:
        return f"grad({wrapped})"
    return getattr(fn, "__name__", None) or type(fn).__name__


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
