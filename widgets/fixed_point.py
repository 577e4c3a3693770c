"""Lesson 10: newton_sqrt's iterates converging for a chosen a, and the implicit-rule gradient
against jnp.sqrt's."""

from __future__ import annotations

from functools import partial

import ipywidgets as W
import jax
import jax.numpy as jnp
import numpy as np

from .base import Explorer, finite_number

MAX_ITERATIONS = 12


def newton_step(a, x):
    return 0.5 * (x + a / x)


@partial(jax.custom_vjp, nondiff_argnums=(0,))
def fixed_point(f, a, x_guess):
    def cond_fun(carry):
        x_prev, x = carry
        return jnp.abs(x_prev - x) > 1e-6

    def body_fun(carry):
        _, x = carry
        return x, f(a, x)

    return jax.lax.while_loop(cond_fun, body_fun, (x_guess, f(a, x_guess)))[1]


def fixed_point_fwd(f, a, x_init):
    x_star = fixed_point(f, a, x_init)
    return x_star, (a, x_star)


def fixed_point_rev(f, res, x_star_bar):
    a, x_star = res
    _, vjp_a = jax.vjp(lambda a: f(a, x_star), a)
    a_bar, = vjp_a(fixed_point(partial(rev_iter, f), (a, x_star, x_star_bar), x_star_bar))
    return a_bar, jnp.zeros_like(x_star)


def rev_iter(f, packed, u):
    a, x_star, x_star_bar = packed
    _, vjp_x = jax.vjp(lambda x: f(a, x), x_star)
    return x_star_bar + vjp_x(u)[0]


fixed_point.defvjp(fixed_point_fwd, fixed_point_rev)


def newton_sqrt(a):
    return fixed_point(newton_step, a, a)


def iterates(a):
    """x_0 = a, x_1, ..., x_MAX of Newton's iteration (a fixed number, for plotting)."""
    def step(x, _):
        nxt = newton_step(a, x)
        return nxt, nxt
    return jnp.concatenate([a[None], jax.lax.scan(step, a, None, length=MAX_ITERATIONS)[1]])


class FixedPointExplorer(Explorer):
    title = "fixed-point explorer"

    def __init__(self, a: float = 2.0, iterations: int = 4):
        super().__init__()
        self.iterates = jax.jit(iterates)
        self.implicit_grad = jax.jit(jax.grad(newton_sqrt))
        self.sqrt_grad = jax.jit(jax.grad(jnp.sqrt))
        ax = self.fig.subplots()
        steps = np.arange(MAX_ITERATIONS + 1)
        (self.path,) = ax.plot(steps, np.ones_like(steps, float), "o-", color="C0",
                               label="Newton iterates x_k")
        (self.hidden,) = ax.plot(steps, np.ones_like(steps, float), "o", color="#dee2e6")
        self.target = ax.axhline(1.0, color="C1", ls="--", label="sqrt(a)")
        ax.set(xlabel="iteration k", ylabel="x_k", yscale="log", ylim=(0.05, 20))
        ax.legend(fontsize=8)
        self.animated = [self.hidden, self.path, self.target]
        self.a = W.FloatSlider(value=a, min=0.1, max=10.0, step=0.1, description="a")
        self.n = W.IntSlider(value=iterations, min=1, max=MAX_ITERATIONS, description="iterations")
        for control in (self.a, self.n):
            control.observe(lambda change: self.set(self.a.value, self.n.value), names="value")
        self.widget = W.VBox([W.HBox([self.a, self.n]), self.status, self.message, self.image])
        self.set(a, iterations)

    def set(self, a, iterations) -> None:
        a = finite_number(a, "a")
        if isinstance(a, str):
            return self.show_error(a)
        if a <= 0:
            return self.show_error(f"a = {a:g}: newton_sqrt needs a > 0 (Newton's iteration "
                                   "for sqrt divides by x and starts at x = a).")
        if not (isinstance(iterations, int) and 1 <= iterations <= MAX_ITERATIONS):
            return self.show_error(f"iterations must be a whole number from 1 to "
                                   f"{MAX_ITERATIONS}, got {iterations!r}.")
        a32 = jnp.float32(a)
        xs = np.asarray(self.iterates(a32))
        implicit, exact = float(self.implicit_grad(a32)), float(self.sqrt_grad(a32))
        shown = np.arange(iterations + 1)
        self.path.set_data(shown, xs[: iterations + 1])
        self.hidden.set_data(np.arange(MAX_ITERATIONS + 1), xs)
        self.target.set_ydata([np.sqrt(a), np.sqrt(a)])
        self.redraw()
        error = abs(float(xs[iterations]) - float(np.sqrt(np.float32(a))))
        self.show_status(
            {"a": a, "x_n": float(xs[iterations]), "error": error, "implicit": implicit,
             "sqrt_grad": exact},
            f"a = {a:g}: x_{iterations} = {xs[iterations]:.7g} (error {error:.2g}); "
            f"implicit-rule gradient = {implicit:.7g}, grad(jnp.sqrt) = {exact:.7g}")


def fixed_point_explorer(a: float = 2.0, iterations: int = 4) -> FixedPointExplorer:
    """An explorer of newton_sqrt's convergence and its implicit-function-theorem gradient."""
    return FixedPointExplorer(a, iterations)
