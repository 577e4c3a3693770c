"""Lesson 10: the iterates of the lesson's Newton update converging for a chosen a, and the
gradient of the lesson's `newton_sqrt` (its implicit rule) against the reference's."""

from __future__ import annotations

import ipywidgets as W
import jax
import jax.numpy as jnp
import numpy as np

from .arguments import Caller, name
from .base import BadInput, Explorer, number

MAX_ITERATIONS = 12
CALLER = Caller("fixed_point_explorer", "lesson 10 (10_implicit_differentiation)",
                "widgets.fixed_point_explorer(solver=newton_sqrt, "
                "update=lambda a, x: 0.5 * (x + a / x), reference=jnp.sqrt)")


def iterates(update, a):
    """x_0 = a, x_1 = update(a, x_0), ..., x_MAX (a fixed number of steps, for plotting)."""
    def step(x, _):
        nxt = update(a, x)
        return nxt, nxt
    return jnp.concatenate([a[None], jax.lax.scan(step, a, None, length=MAX_ITERATIONS)[1]])


class FixedPointExplorer(Explorer):
    title = "fixed-point explorer"

    def __init__(self, solver, update, reference, a: float = 2.0, iterations: int = 4):
        solver = CALLER.function(solver, "solver", "solver(a)",
                                 "the solver with the implicit rule, like newton_sqrt,")
        update = CALLER.function(update, "update", "update(a, x)",
                                 "the map the solver iterates, x -> update(a, x),")
        reference = CALLER.function(reference, "reference", "reference(a)",
                                    "a function with the same answer, like jnp.sqrt,")
        self.solver_name, self.reference_name = name(solver), name(reference)
        self.a = W.FloatSlider(value=a, min=0.1, max=10.0, step=0.1, description="a")
        self.n = W.IntSlider(value=iterations, min=1, max=MAX_ITERATIONS, description="iterations")
        super().__init__({"a": self.a, "iterations": self.n})

        self.iterates = jax.jit(lambda a: iterates(update, a))
        self.implicit_grad = jax.jit(jax.grad(solver))
        self.reference = jax.jit(reference)
        self.reference_grad = jax.jit(jax.grad(reference))
        a32, at = jnp.float32(a), f"a = {a:g}"
        xs = CALLER.run("update", "iterating update(a, x) from x = a", at,
                        lambda: self.iterates(a32))
        solution = float(CALLER.run("solver", f"{self.solver_name}(a)", at, lambda: solver(a32)))
        for argument, fn, what in [
                ("solver", self.implicit_grad, f"grad({self.solver_name})(a)"),
                ("reference", self.reference, f"{self.reference_name}(a)"),
                ("reference", self.reference_grad, f"grad({self.reference_name})(a)")]:
            CALLER.run(argument, what, at, lambda fn=fn: fn(a32))
        if not abs(float(xs[-1]) - solution) <= 1e-4 * max(1.0, abs(solution)):
            raise ValueError(
                f"fixed_point_explorer: update's iterates from x = a = {a:g} end at "
                f"{float(xs[-1]):.7g} after {MAX_ITERATIONS} steps, but "
                f"{self.solver_name}({a:g}) = {solution:.7g}. Pass the map that "
                f"{self.solver_name} iterates, as in {CALLER.example} ({CALLER.lesson}).")

        ax = self.fig.subplots()
        steps = np.arange(MAX_ITERATIONS + 1)
        (self.path,) = ax.plot(steps, np.ones_like(steps, float), "o-", color="C0",
                               label="iterates x_k of update")
        (self.hidden,) = ax.plot(steps, np.ones_like(steps, float), "o", color="#dee2e6")
        self.target = ax.axhline(1.0, color="C1", ls="--", label=f"{self.reference_name}(a)")
        ax.set(xlabel="iteration k", ylabel="x_k", yscale="log", ylim=(0.05, 20))
        ax.legend(fontsize=8)
        self.animated = [self.hidden, self.path, self.target]
        self.apply(a=a, iterations=iterations)

    def parse(self, a, iterations):
        a = number(a, "a")
        if a <= 0:
            raise BadInput(f"a = {a:g}: {self.solver_name} needs a > 0 (Newton's iteration "
                           "for sqrt divides by x and starts at x = a).")
        if not (isinstance(iterations, int) and 1 <= iterations <= MAX_ITERATIONS):
            raise BadInput(f"iterations must be a whole number from 1 to {MAX_ITERATIONS}, "
                           f"got {iterations!r}.")
        return {"a": a, "iterations": iterations}

    def update(self, a, iterations):
        a32 = jnp.float32(a)
        xs = np.asarray(self.iterates(a32))
        implicit, exact = float(self.implicit_grad(a32)), float(self.reference_grad(a32))
        target = float(self.reference(a32))
        self.path.set_data(np.arange(iterations + 1), xs[: iterations + 1])
        self.hidden.set_data(np.arange(MAX_ITERATIONS + 1), xs)
        self.target.set_ydata([target, target])
        error = abs(float(xs[iterations]) - target)
        return ({"a": a, "x_n": float(xs[iterations]), "error": error, "implicit": implicit,
                 "reference": exact},
                f"a = {a:g}: x_{iterations} = {xs[iterations]:.7g} (error {error:.2g}); "
                f"grad({self.solver_name}) = {implicit:.7g}, "
                f"grad({self.reference_name}) = {exact:.7g}")


def fixed_point_explorer(*, solver, update, reference, a: float = 2.0,
                         iterations: int = 4) -> FixedPointExplorer:
    """Pick `a` and a number of iterations: the iterates of `x -> update(a, x)` from x = a, and
    `jax.grad(solver)` (the implicit rule) against `jax.grad(reference)`.

    Lesson 10: `fixed_point_explorer(solver=newton_sqrt, update=lambda a, x: 0.5 * (x + a / x),
    reference=jnp.sqrt)`."""
    return FixedPointExplorer(solver, update, reference, a, iterations)
