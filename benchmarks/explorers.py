"""Latency of the explorers in-process: 100 control changes each, as a slider drag would send
them, with the lessons' own functions (tests/lesson_functions.py). Prints p50 and p95 per update,
the PNG size, and the number of XLA compilations during the updates.

    uv run python benchmarks/explorers.py

Target: p95 <= 50 ms and 0 recompilations after the explorer is built. This is the kernel's
share only; benchmarks/explorers_browser.py measures from the input event to the new image in a
real browser.
"""

import importlib.util
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import course
import widgets


def load_lesson_functions():
    """tests/lesson_functions.py: the lessons' functions, as the widget tests use them."""
    path = Path(__file__).resolve().parent.parent / "tests" / "lesson_functions.py"
    spec = importlib.util.spec_from_file_location("lesson_functions", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


L = load_lesson_functions()

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
    image = getattr(explorer, "image", None)
    size = f"png {len(image.value) / 1024:5.1f} kB" if image is not None else " " * 12
    print(f"{name:14s} p50 {np.percentile(ms, 50):6.1f} ms   p95 {np.percentile(ms, 95):6.1f} ms"
          f"   {size}   recompiles {compiles[0]}")


def setter(attribute, values):
    return [lambda e, v=v: setattr(getattr(e, attribute), "value", float(v)) for v in values]


def main():
    rng = np.random.default_rng(0)
    drive("stability", lambda: widgets.stability_explorer(naive=L.naive_log1pexp, rule=L.log1pexp),
          setter("slider", np.round(rng.uniform(-20, 150, N) * 2) / 2))
    drive("convention", lambda: widgets.convention_explorer(naive=L.naive_f, rule=L.f),
          setter("slider", np.round(rng.uniform(0, 1, N), 3)))
    drive("clipping", lambda: widgets.clipping_explorer(clip_gradient=L.clip_gradient),
          setter("lo", np.round(rng.uniform(-1.5, 0, N // 2), 2))
          + setter("hi", np.round(rng.uniform(0, 1.5, N // 2), 2)))
    moves = setter("a", np.round(rng.uniform(0.1, 10, N // 2), 1))
    moves += [lambda e, k=int(k): setattr(e.n, "value", k) for k in rng.integers(1, 13, N // 2)]
    drive("fixed point", lambda: widgets.fixed_point_explorer(
        solver=L.newton_sqrt, update=L.newton_update, reference=jnp.sqrt), moves)
    drive("jaxpr stepper", lambda: widgets.jaxpr_stepper(jax.grad(L.naive_log1pexp), 100.0),
          [lambda e, k=int(k): setattr(e.step, "value", k) for k in rng.integers(0, 5, N)])


if __name__ == "__main__":
    main()
