"""Check what the learner passed, make the jaxpr with JAX, then evaluate it.

Bad input becomes a one-line error in the learner's terms, never a traceback from inside JAX.
Every error is a `JaxprInputError` whose message starts with the function the learner called
(`show_jaxpr: ...`, `compare_rules: ...`); following Python's conventions it is also a
`TypeError` (`JaxprTypeError`: the wrong kind of argument, such as a number where a function
belongs, or integers where derivatives need floats) or a `ValueError` (`JaxprValueError`: an
argument of the right kind with a value that does not work, such as an unknown mode).
"""

from __future__ import annotations

import gc
import inspect
from collections.abc import Iterator
from contextlib import contextmanager

import jax
import numpy as np

from .. import compat
from .data import Trace, format_array
from .evaluate import evaluate_jaxpr

# How the error messages show a correct call of each public function.
EXAMPLES = {
    "trace_jaxpr": "course.trace_jaxpr(jax.grad(f), 1.0)",
    "show_jaxpr": "course.show_jaxpr(f, 1.0)",
    "compare_rules": "course.compare_rules(f, f_with_rule, 1.0)",
    "show_residuals": "course.show_residuals(f, 1.0)",
    "compare_residuals": "course.compare_residuals(f, f_with_rule, 1.0)",
}
MAX_MESSAGE = 240  # characters of a quoted error kept in a one-line message


class JaxprInputError(Exception):
    """What the learner passed to a `course` jaxpr function (or what their function did with
    it) cannot be traced. The message is one line and starts with the function called.

    >>> import course
    >>> try:
    ...     course.show_jaxpr(3.0)
    ... except course.JaxprInputError as e:
    ...     print(type(e).__name__, isinstance(e, TypeError))
    JaxprTypeError True
    """


class JaxprTypeError(JaxprInputError, TypeError):
    """The wrong kind of argument: a value where a function belongs, integers where a
    derivative needs floats, arguments that do not match the function's signature.

    >>> import course, jax.numpy as jnp
    >>> course.compare_rules(jnp.sin, jnp.sin, 3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    course.jaxpr.tracing.JaxprTypeError: compare_rules: input 1 is 3 (int...), which cannot be differentiated: pass floats, e.g. 3.0 instead of 3.
    """  # noqa: E501 (a doctest's expected line is as long as the message)


class JaxprValueError(JaxprInputError, ValueError):
    """An argument of the right kind whose value does not work (an unknown mode), or a
    learner's function that raised at these inputs (unless it raised a TypeError).

    >>> import course, jax.numpy as jnp
    >>> course.compare_rules(jnp.sin, jnp.sin, 1.0, mode="hessian")
    Traceback (most recent call last):
    course.jaxpr.tracing.JaxprValueError: compare_rules: mode must be one of 'grad', 'jvp', 'vjp', got 'hessian'.
    """  # noqa: E501 (a doctest's expected line is as long as the message)


def input_error(caller: str, message: str, value: bool = False) -> JaxprInputError:
    """`JaxprTypeError` (or with `value`, `JaxprValueError`) "caller: message"."""
    return (JaxprValueError if value else JaxprTypeError)(f"{caller}: {message}")


def trace_jaxpr(fn, *args, **kwargs) -> Trace:
    """As `jax.make_jaxpr(fn)(*args, **kwargs)`, but evaluated, keeping every value.

    Returns a `Trace` whose records are the equations in execution order, nested calls
    included, with short variable names, shapes, dtypes, values and source lines.

    >>> import course, jax.numpy as jnp
    >>> trace = course.trace_jaxpr(lambda x: jnp.exp(x) / x, 0.0)
    >>> [(r.primitive, r.outputs[0].show()) for r in trace]
    [('exp', '1.0'), ('div', 'inf')]
    >>> trace.first_nonfinite.index
    1
    """
    return trace_checked("trace_jaxpr", fn, args, kwargs)


def trace_checked(caller: str, fn, args: tuple, kwargs: dict) -> Trace:
    """`trace_jaxpr`, with errors naming `caller`, the function the learner called."""
    with paused_gc():
        closed = make_jaxpr_checked(caller, fn, args, kwargs)
        return evaluate_jaxpr(closed, jax.tree_util.tree_leaves((args, kwargs)),
                              function_name(fn))


def make_jaxpr_checked(caller: str, fn, args: tuple, kwargs: dict | None = None):
    """As `jax.make_jaxpr(fn)(*args, **kwargs)`, but bad input gets a one-line
    `JaxprTypeError` naming `caller`. Errors the function itself raises pass through."""
    kwargs = kwargs or {}
    if not callable(fn):
        raise input_error(
            caller, f"expected a function to trace, got {type(fn).__name__} {fn!r:.60}. "
            f"Pass the function itself, e.g. {EXAMPLES.get(caller, caller + '(f, 1.0)')}, "
            "not f(1.0).")
    _check_signature(caller, fn, args, kwargs)
    for leaf in jax.tree_util.tree_leaves((args, kwargs)):
        if not is_array_like(leaf):
            raise input_error(
                caller, f"every argument of {function_name(fn)} must be an array or a number "
                f"(or a pytree of them), got {type(leaf).__name__} {leaf!r:.60}.")
    try:
        return jax.make_jaxpr(fn)(*args, **kwargs)
    except jax.errors.ConcretizationTypeError as e:
        raise input_error(
            caller, f"{function_name(fn)} is not traceable by JAX: it needs a concrete Python "
            f"value where JAX only has an abstract one ({one_line(e)}). Common causes: "
            "float(x), int(x), `if x > 0:` or np.* functions on a traced argument. Use jnp.* "
            "functions, and jnp.where or lax.cond instead of Python `if`.") from None
    except jax.errors.TracerArrayConversionError:
        raise input_error(
            caller, f"{function_name(fn)} is not traceable by JAX: it converts a traced value "
            "to a NumPy array (np.asarray / np.* on an argument). Use jax.numpy "
            "instead.") from None


def check_inputs(caller: str, fns: list, args: tuple) -> list:
    """Check the functions and arguments the way `trace_jaxpr` does, plus what
    differentiation needs (float inputs); return each function's primal closed jaxpr. Every
    problem is a one-line `JaxprInputError` naming `caller`, and naming the learner's
    function when it raised."""
    if not args:
        raise input_error(caller, "give the inputs to differentiate at, e.g. "
                                  f"{EXAMPLES.get(caller, caller + '(f, 1.0)')}.")
    for leaf_index, leaf in enumerate(jax.tree_util.tree_leaves(args)):
        dtype = np.asarray(leaf).dtype if is_array_like(leaf) else None
        if dtype is not None and not np.issubdtype(dtype, np.inexact):
            raise input_error(
                caller, f"input {leaf_index + 1} is {format_array(np.asarray(leaf))} "
                f"({dtype}), which cannot be differentiated: pass floats, e.g. "
                f"{float(np.asarray(leaf).flat[0])!r} instead of "
                f"{np.asarray(leaf).flat[0].item()!r}.")
    primals = []
    for fn in fns:
        try:
            primals.append(make_jaxpr_checked(caller, fn, args))
        except JaxprInputError:
            raise
        except Exception as e:  # the learner's function raised: say which, in one line
            raise input_error(
                caller, f"{display_name(fn)}{call_args(args)} raised {type(e).__name__}: "
                f"{one_line(e)}", value=not isinstance(e, TypeError)) from None
    return primals


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


def function_name(fn) -> str:
    """`fn.__name__`, except that `jax.grad(f)`, which keeps f's `__name__`, is `grad(f)`.

    >>> import jax, jax.numpy as jnp
    >>> function_name(jnp.sin), function_name(jax.grad(jnp.sin))
    ('sin', 'grad(sin)')
    """
    wrapped = compat.grad_of(fn)
    if wrapped is not None:
        return f"grad({wrapped})"
    return getattr(fn, "__name__", None) or type(fn).__name__


def display_name(fn) -> str:
    """`function_name(fn)` for a function; for anything else, its repr."""
    return function_name(fn) if callable(fn) else repr(fn)


def call_args(args: tuple) -> str:
    """The arguments of a call as the views show them: `(1.0, [0.0, 1.0])`; `...` for what
    is not an array or a number."""
    return "(" + ", ".join(format_array(np.asarray(a)) if is_array_like(a) else "..."
                           for a in args) + ")"


def one_line(error: BaseException) -> str:
    """The first non-empty line of an error's message, cut at MAX_MESSAGE characters."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = lines[0] if lines else type(error).__name__
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + "..."


def is_array_like(leaf) -> bool:
    """Whether JAX can trace `leaf` as an argument: an array or a Python or NumPy number."""
    return isinstance(leaf, (int, float, complex, bool, np.ndarray, np.generic, jax.Array))


@contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cyclic garbage collector off while a program is traced and evaluated.

    Tracing and evaluating make many small objects and free almost none, and each automatic
    collection walks all of them: with it on, 10,000 equations took 1.6 times as long. The
    collector is switched back on (if it was on) at the end, and collects then as usual."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _check_signature(caller: str, fn, args, kwargs) -> None:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return
    try:
        sig.bind(*args, **kwargs)
    except TypeError as e:
        raise input_error(
            caller, f"the arguments do not match {function_name(fn)}{sig}: {e}. "
            f"Got {len(args)} positional argument(s)"
            + (f" and keywords {sorted(kwargs)}" if kwargs else "") + ".") from None
