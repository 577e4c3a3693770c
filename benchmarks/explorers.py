"""Latency of the explorers: 100 control changes each, in-process, as a slider drag would
send them. Prints p50 and p95 per update and the number of XLA compilations during them.

    uv run python benchmarks/widgets.py

Target: p95 <= 50 ms and 0 recompilations after the explorer is built.
"""

import sys
import time
from pathlib import Path

# This file is named like the package it measures; keep its own folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import course  # noqa: E402
import widgets  # noqa: E402

N = 100


def drive(name, build, moves):
    explorer = build()
    latencies = []
    with course.count_compiles() as compiles:
        for move in moves:
            start = time.perf_counter()
            move(explorer)
            latencies.append(time.perf_counter() - start)
    ms = np.array(latencies) * 1000
    print(f"{name:22s} p50 {np.percentile(ms, 50):6.1f} ms   p95 {np.percentile(ms, 95):6.1f} ms"
          f"   recompiles {compiles[0]}")


def setter(attribute, values):
    return [lambda e, v=v: setattr(getattr(e, attribute), "value", float(v)) for v in values]


def log1pexp(x):
    return jnp.log(1.0 + jnp.exp(x))


def main():
    rng = np.random.default_rng(0)
    drive("stability", widgets.stability_explorer,
          setter("slider", np.round(rng.uniform(-20, 150, N) * 2) / 2))
    drive("convention", widgets.convention_explorer,
          setter("slider", np.round(rng.uniform(0, 1, N), 3)))
    drive("clipping", widgets.clipping_explorer,
          setter("lo", np.round(rng.uniform(-1.5, 0, N // 2), 2))
          + setter("hi", np.round(rng.uniform(0, 1.5, N // 2), 2)))
    moves = setter("a", np.round(rng.uniform(0.1, 10, N // 2), 1))
    moves += [lambda e, k=int(k): setattr(e.n, "value", k) for k in rng.integers(1, 13, N // 2)]
    drive("fixed point", widgets.fixed_point_explorer, moves)
    drive("jaxpr stepper", lambda: widgets.jaxpr_stepper(jax.grad(log1pexp), 100.0),
          [lambda e, k=int(k): setattr(e.step, "value", k) for k in rng.integers(0, 5, N)])


if __name__ == "__main__":
    main()
