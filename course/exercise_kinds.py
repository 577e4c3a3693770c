"""Checkers for the three forms an answer takes: a `custom_jvp` function, a JVP rule for a
given primal, or a `(f_fwd, f_bwd)` pair for a given primal. Each compares the learner's
version with the reference solution by value, through `jvp`, `grad`, `vmap` and `jit`."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp

from .checks import (
    NotAttempted,
    Wrong,
    as_float32,
    at,
    build_custom_vjp,
    check_fwd_bwd_direct,
    check_linear_jvp,
    compare,
    fmt,
    not_attempted,
    run,
)


def basis(args: tuple) -> list[tuple]:
    """One tangent direction per argument: (1, 0, ...), (0, 1, ...), ..."""
    return [tuple(jnp.ones_like(a) if i == j else jnp.zeros_like(a) for j, a in enumerate(args))
            for i in range(len(args))]


def check_jvp_function(answer, reference, points: Sequence[tuple], hint=None,
                       argnums: tuple[int, ...] | None = None, nondiff: tuple = ()) -> None:
    """`answer` and `reference` are custom_jvp functions (nondiff args, if any, passed first)."""
    if not isinstance(answer, jax.custom_jvp):
        raise Wrong(f"expected a function decorated with @custom_jvp, got "
                    f"{type(answer).__name__} {fmt(answer)}. Decorate your function with "
                    "@custom_jvp and attach a rule with @f.defjvp.")
    if answer.jvp is None:
        raise Wrong("your @custom_jvp function has no rule yet: JAX would differentiate its "
                    "code as usual. Attach one with `@f.defjvp` above the rule (or "
                    "`f.defjvp(f_jvp)` / `f.defjvps(...)` after it).")
    rule = answer.jvp
    for args in points:
        args = as_float32(args)
        where = fmt_point(args, reference)
        compare("f", where, reference(*nondiff, *args), run("f", answer, *nondiff, *args))
        for direction in basis(args):
            pair = run(f"your JVP rule at {where}", rule, *nondiff, args, direction)
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise Wrong(f"a JVP rule must return a pair (primal_out, tangent_out); at "
                            f"{where} yours returned {fmt(pair)}.")
            check_linear_jvp(lambda p, t, _r=rule: _r(*nondiff, p, t), args, direction, where)
            expected = jax.jvp(lambda *a: reference(*nondiff, *a), args, direction)
            got = run("jax.jvp of your function", jax.jvp,
                      lambda *a: answer(*nondiff, *a), args, direction)
            compare(f"the tangent along {fmt(direction)}", where, expected[1], got[1], hint=hint)
        check_grads(answer, reference, args, where, hint, argnums, nondiff)
    check_batched(answer, reference, points, hint, argnums, nondiff)


def check_jvp_rule(answer, primal: Callable, reference_rule: Callable, points, hint=None,
                   nondiff_argnums: tuple = (), nondiff_values: Sequence[tuple] = ((),)) -> None:
    """`answer` is a JVP rule for `primal`, which may take non-differentiable arguments."""
    if not_attempted(answer):
        raise NotAttempted
    if not callable(answer):
        raise Wrong(f"expected your JVP rule, a function, got {type(answer).__name__}.")
    mine = jax.custom_jvp(primal, nondiff_argnums=nondiff_argnums)
    mine.defjvp(answer)
    ref = jax.custom_jvp(primal, nondiff_argnums=nondiff_argnums)
    ref.defjvp(reference_rule)
    for nondiff in nondiff_values:
        check_jvp_function(mine, ref, points, hint=hint, nondiff=nondiff)


def check_vjp_pair(answer, primal: Callable, reference: tuple, points, n_diff: int,
                   out_cts: Callable, hint=None) -> None:
    """`answer` is `(f_fwd, f_bwd)` for `primal`; `out_cts(out)` gives output cotangents."""
    if not_attempted(answer):
        raise NotAttempted
    mine, fwd, bwd = build_custom_vjp(answer, primal)
    ref, _, _ = build_custom_vjp(reference, primal)
    for args in points:
        args = as_float32(args)
        where = fmt_point(args, primal)
        out = primal(*args)
        for ct in out_cts(out):
            _, _, cts = check_fwd_bwd_direct(fwd, bwd, primal, args, ct, n_diff, where)
            _, ref_vjp = jax.vjp(ref, *args)
            expected = ref_vjp(ct)
            for i, (e, g) in enumerate(zip(expected, cts)):
                if g is None:
                    g = jax.tree.map(jnp.zeros_like, e)
                compare(f"f_bwd's cotangent for argument {i} (with output cotangent "
                        f"{fmt(ct)})", where, e, g, hint=hint)
        check_grads(mine, ref, args, where, hint, None, (), loss=_sum_loss)
    check_batched(mine, ref, points, hint, None, (), loss=_sum_loss)


def check_function(answer, reference, points, hint=None) -> None:
    """`answer` is any differentiable function (custom rule or not): values and gradients."""
    if not_attempted(answer):
        raise NotAttempted
    if not callable(answer):
        raise Wrong(f"expected a function, got {type(answer).__name__} {fmt(answer)}.")
    for args in points:
        args = as_float32(args)
        where = fmt_point(args, reference)
        compare("the value", where, reference(*args), run(f"your function at {where}", answer,
                                                         *args))
        check_grads(answer, reference, args, where, hint, None, ())
    check_batched(answer, reference, points, hint, None, ())


def _sum_loss(f):
    def loss(*args):
        return sum(jnp.sum(leaf) for leaf in jax.tree.leaves(f(*args)))
    return loss


def check_grads(answer, reference, args, where, hint, argnums, nondiff, loss=None) -> None:
    argnums = argnums if argnums is not None else tuple(range(len(args)))
    wrap = loss or (lambda f: f)
    f_mine = wrap(lambda *a: answer(*nondiff, *a))
    f_ref = wrap(lambda *a: reference(*nondiff, *a))
    expected = jax.grad(f_ref, argnums)(*args)
    got = run("jax.grad of your function", jax.grad(f_mine, argnums), *args)
    compare("the gradient", where, expected, got, hint=hint)
    got = run("jax.jit(jax.grad(...)) of your function", jax.jit(jax.grad(f_mine, argnums)), *args)
    compare("the gradient under jax.jit", where, expected, got, hint=hint)


def check_batched(answer, reference, points, hint, argnums, nondiff, loss=None) -> None:
    """Under vmap the rule sees a batch: all points at once must agree too."""
    batch = jax.tree.map(lambda *xs: jnp.stack(xs), *[as_float32(p) for p in points])
    argnums = argnums if argnums is not None else tuple(range(len(points[0])))
    wrap = loss or (lambda f: f)
    f_mine = wrap(lambda *a: answer(*nondiff, *a))
    f_ref = wrap(lambda *a: reference(*nondiff, *a))
    expected = jax.vmap(jax.grad(f_ref, argnums))(*batch)
    got = run("jax.vmap(jax.grad(...)) of your function", jax.vmap(jax.grad(f_mine, argnums)),
              *batch)
    compare("the gradient under jax.vmap", f"the batch of all test points ({len(points)})",
            expected, got, hint=hint)


def fmt_point(args: tuple, fn=None) -> str:
    """Where a check failed, in the function's own words: "a=8", or "(2, 0.5)"."""
    if len(args) > 1:
        return f"({at(args)})"
    try:
        names = [n for n in inspect.signature(getattr(fn, "fun", fn)).parameters]
    except (TypeError, ValueError):
        names = []
    return f"{names[-1] if names else 'x'}={at(args)}"
