"""Lesson 10: the iterates of the lesson's Newton update converging for a chosen a, and the
gradient of the lesson's `newton_sqrt` (its implicit rule) against the reference's.

For every grid point of a, the iterates (a `scan`), the implicit gradient and the reference
are computed once, all in one vectorized call; the browser draws the ones the sliders are on."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .arguments import Caller, name
from .base import BadInput, number
from .grid import Control, GridExplorer, grad_on_grid, numbers, on_grid, value_on_grid

MAX_ITERATIONS = 12
A_VALUES = np.round(np.arange(1, 101) * 0.1, 1).astype(np.float32)  # 0.1, 0.2, ..., 10.0
CALLER = Caller("fixed_point_explorer", "lesson 10 (10_implicit_differentiation)",
                "widgets.fixed_point_explorer(solver=newton_sqrt, "
                "update=lambda a, x: 0.5 * (x + a / x), reference=jnp.sqrt)")


def iterates(update, a):
    """x_0 = a, x_1 = update(a, x_0), ..., x_MAX (a fixed number of steps, for plotting)."""
    def step(x, _):
        nxt = update(a, x)
        return nxt, nxt
    return jnp.concatenate([a[None], jax.lax.scan(step, a, None, length=MAX_ITERATIONS)[1]])


def iterates_on_grid(update):
    return jax.vmap(lambda a: iterates(update, a))


def everything_on_grid(update, solver, reference):
    """Per a: the iterates, solver(a) and its gradient, reference(a) and its gradient."""
    def at(a):
        return (iterates(update, a), solver(a), jax.grad(solver)(a), reference(a),
                jax.grad(reference)(a))
    return jax.vmap(at)


def seven(value) -> str:
    return f"{value:.7g}"


class FixedPointExplorer(GridExplorer):
    title = "fixed-point explorer"

    def __init__(self, solver, update, reference, a: float = 2.0, iterations: int = 4):
        solver = CALLER.function(solver, "solver", "solver(a)",
                                 "the solver with the implicit rule, like newton_sqrt,")
        update = CALLER.function(update, "update", "update(a, x)",
                                 "the map the solver iterates, x -> update(a, x),")
        reference = CALLER.function(reference, "reference", "reference(a)",
                                    "a function with the same answer, like jnp.sqrt,")
        self.solver_name, self.reference_name = name(solver), name(reference)
        at = f"a = {A_VALUES[0]:g} to {A_VALUES[-1]:g} (the explorer's grid)"
        try:  # one compilation for the five arrays (0.2 s less than five: issue 24's 0.5 s)
            path, solution, implicit, target, exact = map(np.asarray, on_grid(
                everything_on_grid, update, solver, reference)(A_VALUES))
        except Exception:  # noqa: BLE001 -- which function failed, and how: each on its own
            path, solution, implicit, target, exact = self.one_by_one(update, solver,
                                                                      reference, at)
        start = int(np.argmin(np.abs(A_VALUES - a)))
        end, answer = float(path[start, -1]), float(solution[start])
        if not abs(end - answer) <= 1e-4 * max(1.0, abs(answer)):
            raise ValueError(
                f"fixed_point_explorer: update's iterates from x = a = {A_VALUES[start]:g} end "
                f"at {end:.7g} after {MAX_ITERATIONS} steps, but "
                f"{self.solver_name}({A_VALUES[start]:g}) = {answer:.7g}. Pass the map that "
                f"{self.solver_name} iterates, as in {CALLER.example} ({CALLER.lesson}).")

        counts = np.arange(1, MAX_ITERATIONS + 1)
        x_n = path[:, counts]  # (a, iterations): x_n after n steps
        steps = numbers(np.arange(MAX_ITERATIONS + 1))
        plot = {
            "xlabel": "iteration k", "ylabel": "x_k", "xlim": [0, MAX_ITERATIONS],
            "ylim": [0.05, 20], "ylog": True,
            "curves": [
                {"label": "", "color": "#ced4da", "width": 1, "dots": True, "x": steps,
                 "by": [0], "ys": [numbers(p) for p in path]},
                {"label": "iterates x_k of update", "color": "#1f77b4", "width": 1.5,
                 "dots": True, "x": steps, "by": [0], "ys": [numbers(p) for p in path],
                 "first": 1}],
            "hlines": [{"label": f"{self.reference_name}(a)", "color": "#ff7f0e", "dash": "5 3",
                        "by": [0], "ys": numbers(target)}],
        }
        self.setup(
            [Control("a", A_VALUES, ".1f"),
             Control("iterations", counts.astype(np.float32), ".0f")], plot,
            "a = {a}: x_{iterations} = {x_n} (error {error}); "
            f"grad({self.solver_name}) = {{implicit}}, grad({self.reference_name}) = "
            "{reference}",
            {"x_n": ([0, 1], x_n, seven),
             "error": ([0, 1], np.abs(x_n - target[:, None]), lambda v: f"{v:.2g}"),
             "implicit": ([0], implicit, seven), "reference": ([0], exact, seven)},
            {"a": a, "iterations": iterations},
            f"The iterates x_k of update(a, x) from x_0 = a, on a log scale, converging to "
            f"{self.reference_name}(a), for a from {A_VALUES[0]:g} to {A_VALUES[-1]:g}.")

    def one_by_one(self, update, solver, reference, at):
        """The five arrays, each in its own call, so that an error names its function."""
        runs = [("update", "iterating update(a, x) from x = a", iterates_on_grid, update),
                ("solver", f"{self.solver_name}(a)", value_on_grid, solver),
                ("solver", f"grad({self.solver_name})(a)", grad_on_grid, solver),
                ("reference", f"{self.reference_name}(a)", value_on_grid, reference),
                ("reference", f"grad({self.reference_name})(a)", grad_on_grid, reference)]
        return [np.asarray(CALLER.run(argument, what, at,
                                      lambda make=make, fn=fn: on_grid(make, fn)(A_VALUES)))
                for argument, what, make, fn in runs]

    def parse(self, a, iterations):
        a = number(a, "a")
        if a <= 0:
            raise BadInput(f"a = {a:g}: {self.solver_name} needs a > 0 (Newton's iteration "
                           "for sqrt divides by x and starts at x = a).")
        if not (float(iterations).is_integer() and 1 <= iterations <= MAX_ITERATIONS):
            raise BadInput(f"iterations must be a whole number from 1 to {MAX_ITERATIONS}, "
                           f"got {iterations!r}.")
        return {"a": a, "iterations": float(iterations)}


def fixed_point_explorer(*, solver, update, reference, a: float = 2.0,
                         iterations: int = 4) -> FixedPointExplorer:
    """Pick `a` and a number of iterations: the iterates of `x -> update(a, x)` from x = a, and
    `jax.grad(solver)` (the implicit rule) against `jax.grad(reference)`.

    Lesson 10: `fixed_point_explorer(solver=newton_sqrt, update=lambda a, x: 0.5 * (x + a / x),
    reference=jnp.sqrt)`."""
    return FixedPointExplorer(solver, update, reference, a, iterations)
