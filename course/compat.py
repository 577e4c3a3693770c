"""Everything in `course` that depends on JAX's internals or on its exact version.

When JAX is upgraded, this is the one module to look at. The rest of `course` reads jaxprs only
through the documented data structure (`jaxpr.eqns`, `.invars`, `.outvars`, `.constvars`,
`eqn.primitive.name`, `eqn.params`, `var.aval.shape` / `.dtype`, `closed.jaxpr` / `.consts`,
see "Understanding jaxprs" in JAX's documentation) and through the functions below. Each of
them names what it relies on:

- `jax.extend.core` (Literal, DropVar) and `jax.extend.source_info_util` (summarize): public,
  but `jax.extend` promises no compatibility across releases;
- parameter names of primitives (`jaxpr`, `call_jaxpr`, `jvp_jaxpr_fun`, `fwd_jaxpr_thunk`,
  `bwd`, `cond_jaxpr`, `body_jaxpr`, `branches`, ...), which JAX renames from time to time;
- attributes that are not documented at all: `eqn.ctx.manager`, `Primitive.get_bind_params`,
  a wrapped rule's `debug_info.func_src_info`, `eqn.source_info.traceback` (compared by
  content) and its `.frames`;
- the function that `jax.vjp` returns being a pytree whose leaves are the residuals;
- the first words of the docstring of `jax.grad(f)`, the name of the monitoring event that
  JAX records for each XLA compilation, the name of the exception class JAX chains in front of
  errors raised while transforming, and the `jvp` and `nondiff_argnums` attributes of a
  `jax.custom_jvp` function.

`tests/test_compat.py` checks each of these facts against the installed JAX, so an upgrade that
breaks one fails a named test rather than a lesson.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import jax
import numpy as np
from jax.extend import core as jex_core
from jax.extend import source_info_util

# Primitives whose equation holds one nested closed jaxpr run on the same operands, and the
# parameter that holds it.
CALL_PRIMITIVES = {"jit", "pjit", "closed_call", "core_call", "remat", "checkpoint"}
CUSTOM_PRIMITIVES = {"custom_jvp_call", "custom_vjp_call", "custom_vjp_call_jaxpr"}
CALL_PARAM, CUSTOM_CALL_PARAM = "jaxpr", "call_jaxpr"

# Parameters not worth printing next to an equation: nested jaxprs, rule functions, counts of
# constants, and compiler settings of `jit`.
HIDDEN_PARAM_SUFFIXES = ("jaxpr", "jaxprs", "_thunk", "_fun", "nconsts", "num_consts")
HIDDEN_PARAMS = {"bwd", "fwd", "jvp", "out_trees", "branches", "donated_invars",
                 "in_shardings", "out_shardings", "in_layouts", "out_layouts", "ctx_mesh",
                 "compiler_options_kvs", "keep_unused", "inline", "resource_env"}

# The event `jax.monitoring` records once per XLA compilation (jax/_src/dispatch.py).
COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"

# How `jax.grad(f).__doc__` starts; `jax.grad(f)` keeps f's __name__, so this tells them apart.
GRAD_DOC_START = "Gradient of {name} with respect to"


def is_literal(var) -> bool:
    """Whether a jaxpr operand is a constant written in the equation (`2.0` in `mul a 2.0`)."""
    return isinstance(var, jex_core.Literal)


def is_drop_var(var) -> bool:
    """Whether a jaxpr result is discarded (printed `_` by JAX)."""
    return isinstance(var, jex_core.DropVar)


def literal_value(var) -> np.ndarray:
    return np.asarray(var.val)


def eval_jaxpr(closed, *args) -> list:
    """As `jax.core.eval_jaxpr(closed.jaxpr, closed.consts, *args)`."""
    return jax.core.eval_jaxpr(closed.jaxpr, closed.consts, *args)


def bind(eqn, invals) -> list:
    """Run one equation's primitive on concrete values, in the context it was traced in."""
    params = eqn.primitive.get_bind_params(eqn.params)
    with eqn.ctx.manager:
        out = eqn.primitive.bind(*invals, **params)
    return list(out) if eqn.primitive.multiple_results else [out]


def nested_call(eqn):
    """The closed jaxpr a call or custom-rule equation runs, or None for other primitives."""
    name = eqn.primitive.name
    if name in CALL_PRIMITIVES:
        return eqn.params.get(CALL_PARAM)
    if name in CUSTOM_PRIMITIVES:
        return eqn.params.get(CUSTOM_CALL_PARAM)
    return None


def is_custom_call(eqn) -> bool:
    return eqn.primitive.name in CUSTOM_PRIMITIVES


def call_name(eqn) -> str:
    """The `name` parameter of a `jit` equation (the jitted function's name), or ''."""
    return eqn.params.get("name", "")


def while_parts(eqn) -> tuple:
    """A `while` equation's (cond jaxpr, body jaxpr, cond consts count, body consts count)."""
    p = eqn.params
    return p["cond_jaxpr"], p["body_jaxpr"], p["cond_nconsts"], p["body_nconsts"]


def cond_branches(eqn) -> tuple:
    """A `cond` equation's branches (closed jaxprs), selected by its first operand."""
    return tuple(eqn.params["branches"])


def custom_rule_names(eqn) -> dict[str, str | None]:
    """For a custom_jvp_call / custom_vjp_call equation: the names of the decorated function
    (`name`) and of its rules (`jvp`, or `fwd` and `bwd`), each None when JAX did not keep it."""
    p = eqn.params
    return {
        "name": p.get("name") or _function_name(p.get(CUSTOM_CALL_PARAM)),
        "jvp": _function_name(p.get("jvp_jaxpr_fun")),
        "fwd": _function_name(p.get("fwd_jaxpr_thunk")),
        "bwd": _function_name(p.get("bwd")),
    }


def _function_name(wrapped) -> str | None:
    info = getattr(wrapped, "debug_info", None)
    src = getattr(info, "func_src_info", None)  # "name at file:line"
    return src.split(" ")[0] if src else None


def shown_params(eqn) -> dict[str, str]:
    """The parameters worth printing next to an equation, as short strings, sorted by name."""
    shown = {}
    for key, val in sorted(eqn.params.items()):
        if val is None or key.endswith(HIDDEN_PARAM_SUFFIXES) or key in HIDDEN_PARAMS:
            continue
        text = str(val)
        if len(text) <= 40:
            shown[key] = text
    return shown


# `jax.extend.source_info_util.summarize` gives "file:line (function)", or
# "file:line:column (function)" when the column is known.
_SUMMARY = re.compile(r"^(?P<file>.*?):(?P<line>\d+)(?::\d+)? \((?P<function>.*)\)$", re.S)
# Equations made by the same line of code have equal tracebacks (JAX compares them by content),
# so their frame is looked up once: the 10,000 equations of a Python loop cost one lookup.
_FRAMES: dict = {}


def user_frame(eqn) -> tuple[str, int, str] | None:
    """(file, line, function) of the user code that created the equation, or None."""
    key = eqn.source_info.traceback
    if key not in _FRAMES:
        if len(_FRAMES) >= 4096:
            _FRAMES.clear()
        match = _SUMMARY.match(source_info_util.summarize(eqn.source_info))
        _FRAMES[key] = None if match is None else (
            match["file"], int(match["line"]), match["function"])
    return _FRAMES[key]


def custom_rule_sources(eqn) -> dict[str, tuple[str, str] | None]:
    """For a custom_jvp_call / custom_vjp_call equation: (function name, file) of each of its
    rules (`jvp`, or `fwd` and `bwd`), each None when JAX did not keep it. Read from the
    wrapped rule's undocumented `debug_info.func_src_info` ("name at file:line")."""
    p = eqn.params
    return {role: _function_source(p.get(param)) for role, param in
            (("jvp", "jvp_jaxpr_fun"), ("fwd", "fwd_jaxpr_thunk"), ("bwd", "bwd"))}


def _function_source(wrapped) -> tuple[str, str] | None:
    info = getattr(wrapped, "debug_info", None)
    src = getattr(info, "func_src_info", None)
    match = re.match(r"^(?P<name>\S+) at (?P<file>.*):\d+$", src or "")
    return None if match is None else (match["name"], match["file"])


# Per distinct traceback (compared by content, as for `_FRAMES`): its frames as (file, bare
# function name), innermost first, and the summary of its innermost user frame.
_STACKS: dict = {}


def equation_stack(eqn) -> tuple[tuple[tuple[str, str], ...], str]:
    """The Python stack that was running when JAX recorded the equation, as (file, function)
    pairs, innermost first (function names without their `Class.<locals>.` prefix), and the
    summary "file:line:column (function)" of the innermost user frame. Relies on the
    undocumented `eqn.source_info.traceback.frames` (`file_name`, `function_name`).

    While JAX transposes a `custom_vjp` it records the `bwd` rule's equations with the
    traceback of the call of the custom function, so the rule's own frames are not there."""
    key = eqn.source_info.traceback
    if key not in _STACKS:
        if len(_STACKS) >= 4096:
            _STACKS.clear()
        frames = tuple((f.file_name, f.function_name.rsplit(".", 1)[-1])
                       for f in (key.frames if key is not None else ()))
        _STACKS[key] = (frames, source_info_util.summarize(eqn.source_info))
    return _STACKS[key]


def vjp_parts(fn, args) -> tuple:
    """Split reverse mode as `jax.vjp` does: (forward, backward, n_residuals), two closed
    jaxprs. `forward(*args)` returns the outputs of `fn` followed by the residuals that
    `jax.vjp` keeps; `backward(*residuals, *output cotangents)` returns the cotangents of the
    arguments. Relies on the function that `jax.vjp` returns being a pytree whose leaves are
    the residuals (true of jax 0.10; lesson 7 shows it)."""
    out, pullback = jax.vjp(fn, *args)
    residuals, tree = jax.tree_util.tree_flatten(pullback)

    def forward(*a):
        o, p = jax.vjp(fn, *a)
        return jax.tree_util.tree_leaves(o), jax.tree_util.tree_leaves(p)

    def backward(res, cts):
        return jax.tree_util.tree_unflatten(tree, res)(
            jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(out), cts))

    cts = [np.ones_like(np.asarray(o)) for o in jax.tree_util.tree_leaves(out)]
    return (jax.make_jaxpr(forward)(*args), jax.make_jaxpr(backward)(residuals, cts),
            len(residuals))


def grad_of(fn) -> str | None:
    """The name of `f` when `fn` is `jax.grad(f)`, else None."""
    name = getattr(fn, "__name__", None) or type(fn).__name__
    doc = getattr(fn, "__doc__", None) or ""
    return name if doc.startswith(GRAD_DOC_START.format(name=name)) else None


def is_jax_trace_marker(error: BaseException) -> bool:
    """Whether `error` is the exception JAX chains (as `__cause__`) in front of an error raised
    while transforming a traced function; its traceback is where the failing operation was
    traced. Its class is internal (jax._src.source_info_util), so it is recognised by name."""
    return type(error).__name__ == "JaxStackTraceBeforeTransformation"


def custom_jvp_rule(fn):
    """The rule attached to a `jax.custom_jvp` function by `defjvp`/`defjvps`, or None."""
    return fn.jvp


def custom_jvp_nondiff_argnums(fn) -> tuple[int, ...]:
    """The `nondiff_argnums` a `jax.custom_jvp` function was declared with, () if none."""
    return tuple(fn.nondiff_argnums or ())


def on_compile(listener: Callable[[], None]) -> None:
    """Call `listener()` after every XLA compilation from now on (for the whole process)."""

    def on_event(event: str, duration: float, **kwargs) -> None:
        if event == COMPILE_EVENT:
            listener()

    jax.monitoring.register_event_duration_secs_listener(on_event)
