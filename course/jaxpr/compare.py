"""`compare_rules`: the program JAX builds for the derivative of a function by default, and the
one it builds with a custom rule, aligned equation by equation and diffed, with the values at
the given inputs and the equations each custom rule contributed marked.

This module only puts the layers together: the input checks are in `tracing`, the
evaluation in `evaluate` (with `rules.Attribution` as its hook), the alignment in `align`,
and the text, the drawing and the HTML in `text`, `graph` and `html`.
"""

from __future__ import annotations

import jax
import numpy as np

from ..display import TextView
from .align import Comparison, align
from .data import Rule, Trace, format_array
from .evaluate import evaluate_jaxpr
from .graph import comparison_dot
from .html import comparison_html
from .rules import Attribution, find_rules
from .text import format_comparison
from .tracing import (
    JaxprInputError,
    check_inputs,
    differentiated,
    display_name,
    input_error,
    one_line,
    paused_gc,
)

MODES = ("grad", "jvp", "vjp")
# The name compare_rules' errors had before they became JaxprInputError (issue 23); kept so
# that `except course.jaxpr.RuleComparisonError` still catches every one of them.
RuleComparisonError = JaxprInputError


def compare(default_fn, custom_fn, args: tuple, mode: str = "grad",
            caller: str = "compare_rules") -> Comparison:
    """Trace, evaluate and align the `mode` programs of the two functions at `args`; errors
    name `caller`, the function the learner called."""
    if mode not in MODES:
        raise input_error(caller, f"mode must be one of {', '.join(map(repr, MODES))}, got "
                                  f"{mode!r}.", value=True)
    with paused_gc():
        primals = check_inputs(caller, [default_fn, custom_fn], args)
        types = [_out_types(p) for p in primals]
        if types[0] != types[1]:
            raise input_error(
                caller, f"{display_name(default_fn)} returns {types[0]} but "
                f"{display_name(custom_fn)} returns {types[1]}; compare two versions of one "
                "function.", value=True)
        if mode == "grad" and types[0] != [f"{primals[0].jaxpr.outvars[0].aval.dtype}[]"]:
            raise input_error(
                caller, f"mode='grad' needs {display_name(default_fn)} to return one scalar, "
                f"it returns {types[0]}; use mode='vjp'.")
        rules = find_rules(primals[1])
        results: dict = {}  # the programs share most equations: each is run once
        default, _ = trace_mode(caller, default_fn, args, mode, find_rules(primals[0]),
                                "default", results)
        custom, rule_of = trace_mode(caller, custom_fn, args, mode, rules, "custom", results)
    rows, in_both, shared = align(default, custom)
    at = ", ".join(format_array(np.asarray(a)) for a in jax.tree_util.tree_leaves(args))
    return Comparison(mode, f"{display_name(default_fn)} / {display_name(custom_fn)} at {at}",
                      default, custom, rows, in_both, shared, rules, rule_of)


def trace_mode(caller: str, fn, args: tuple, mode: str, rules: list[Rule], role: str,
               results: dict | None = None) -> tuple[Trace, dict[int, Rule]]:
    """The `mode` program of `fn` evaluated at `args`, with the equations its rules made
    (`results` as for `evaluate_jaxpr`)."""
    try:
        closed = jax.make_jaxpr(differentiated(fn, args, mode))(*args)
    except Exception as e:  # the learner's rule or function raised: one line, naming it
        raise input_error(
            caller, f"{mode} of {display_name(fn)} ({role}) failed with {type(e).__name__}: "
            f"{one_line(e)}", value=not isinstance(e, TypeError)) from None
    attribution = Attribution(rules)
    trace = evaluate_jaxpr(closed, jax.tree_util.tree_leaves(args), display_name(fn),
                           on_record=attribution, results=results)
    return trace, attribution.rule_of


def _out_types(closed) -> list[str]:
    return [f"{v.aval.dtype}{list(v.aval.shape)}" for v in closed.jaxpr.outvars]


class RuleComparison(TextView):
    """Displays a `Comparison`: `str()` is the text diff, `_repr_html_()` both graphs."""

    def __init__(self, comparison: Comparison):
        self.comparison = comparison

    def text(self) -> str:
        return format_comparison(self.comparison)

    def _repr_html_(self) -> str:
        return comparison_html(self.comparison, str(self))

    def dot(self) -> str:
        """The Graphviz DOT source of the drawing."""
        return comparison_dot(self.comparison)


def compare_rules(default_fn, custom_fn, *args, mode: str = "grad") -> RuleComparison:
    """The program JAX builds for the derivative of `default_fn` (plain autodiff) and of
    `custom_fn` (the same function with a custom rule), at `args`, aligned and diffed: text
    with `print`, two graphs in a notebook. `mode` is "grad", "jvp" or "vjp".

    >>> import course, jax, jax.numpy as jnp
    >>> def naive(x):
    ...     return jnp.log(1.0 + jnp.exp(x))
    >>> @jax.custom_jvp
    ... def stable(x):
    ...     return jnp.log(1.0 + jnp.exp(x))
    >>> stable.defjvps(lambda t, ans, x: jax.nn.sigmoid(x) * t)
    >>> view = course.compare_rules(naive, stable, 100.0)
    >>> print(str(view).splitlines()[0])
    compare_rules, mode grad: naive / stable at 100.0
    >>> view.comparison.default.first_nan.primitive, view.comparison.custom.first_nan
    ('mul', None)
    """
    return RuleComparison(compare(default_fn, custom_fn, args, mode))
