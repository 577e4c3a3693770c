"""Checks of the functions a learner passes to an explorer.

An explorer runs the lesson's own functions. When one is not usable (not a function, the wrong
number of arguments, or it fails when the explorer runs it on a float), the learner gets one
short TypeError or ValueError that names the argument, says what the explorer needed and what
happened, and points at the lesson that defines the function, instead of a traceback from deep
inside JAX.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Caller:
    """An explorer, the lesson its functions come from, and a call that works."""

    explorer: str  # "stability_explorer"
    lesson: str  # "lesson 2 (02_numerical_stability)"
    example: str  # "widgets.stability_explorer(naive=naive_log1pexp, rule=log1pexp)"

    def function(self, fn, argument: str, call: str, like: str) -> Callable:
        """`fn` if it can be called as `call` (e.g. "rule(x)"); a TypeError naming `argument`
        and `like` (what to pass, e.g. "log1pexp, the custom_jvp function") otherwise."""
        if not callable(fn):
            raise TypeError(
                f"{self.explorer}: {argument} must be a function, got {_short(fn)}. Pass "
                f"{like} itself, without calling it, as in {self.example} ({self.lesson}).")
        arity = call.count(",") + 1
        try:
            signature = inspect.signature(fn)
        except (TypeError, ValueError):  # no signature to read (a builtin): running it tells
            return fn
        try:
            signature.bind(*[0.0] * arity)
        except TypeError as wrong:
            raise TypeError(
                f"{self.explorer}: the explorer calls {call}, with {arity} "
                f"argument{'s' if arity > 1 else ''}, but {argument}={name(fn)} takes "
                f"{name(fn)}{signature} ({wrong}). Pass {like}, as in "
                f"{self.example} ({self.lesson}).") from None
        return fn

    def run(self, argument: str, what: str, at: str, compute: Callable):
        """`compute()`, or a ValueError saying that `what` (e.g. "grad(log1pexp)(x)") failed
        at `at` (e.g. "x = 3.0"), with the first line of the error it raised."""
        try:
            return compute()
        except Exception as error:  # noqa: BLE001 -- the learner's code may raise anything
            first = (str(error).strip().splitlines() or [""])[0]
            if len(first) > 300:
                first = first[:300] + "..."
            if not first.endswith((".", "!", "?")):
                first += "."
            raise ValueError(
                f"{self.explorer}: {what} failed at {at}, with {type(error).__name__}: {first} "
                f"The explorer runs {argument} under jax.vmap and jax.grad on float32 values. "
                f"Check that {argument} is the function {self.lesson} defines (run the lesson's "
                f"cells first), as in {self.example}.") from None


def name(fn) -> str:
    return getattr(fn, "__name__", None) or type(fn).__name__


def _short(value) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"
