"""Latency of the explorers in-process: 100 control changes each, as a slider drag would send
them, with the lessons' own functions (tests/lesson_functions.py). Prints p50 and p95 per update
(wall and CPU time), the number of XLA compilations during the updates, and the PNG encoding of
the last frame: size and CPU time with widgets.base.png, and with Pillow (compress_level=1).

    uv run python benchmarks/explorers.py [--moves N]

Target: p95 <= 50 ms and 0 recompilations after the explorer is built. This is the kernel's
share only; benchmarks/explorers_browser.py measures from the input event to the new image in a
real browser.
"""

import argparse
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
    wall, cpu = [], []
    with course.count_compiles() as compiles:
        for move in moves:
            start, start_cpu = time.perf_counter(), time.process_time()
            move(explorer)
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    wall, cpu = np.array(wall) * 1000, np.array(cpu) * 1000
    line = (f"{name:14s} wall p50 {np.percentile(wall, 50):5.1f} p95 {np.percentile(wall, 95):5.1f}"
            f" ms, cpu p50 {np.percentile(cpu, 50):5.1f} p95 {np.percentile(cpu, 95):5.1f} ms, "
            f"recompiles {compiles[0]}")
    print(line)


def setter(attribute, values):
    """Moves made from Python: `apply` for an explorer, the control for the jaxpr stepper."""
    def move(explorer, v):
        if hasattr(explorer, "apply"):
            assert explorer.apply(**{attribute: float(v)}), explorer.error
        else:
            getattr(explorer, attribute).value = int(v)
    return [lambda e, v=v: move(e, v) for v in values]


def main():
    global N
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--moves", type=int, default=N, help="control changes per explorer "
                        "(default 100; tests/test_benchmarks.py runs 4)")
    N = parser.parse_args().moves
    rng = np.random.default_rng(0)
    drive("stability", lambda: widgets.stability_explorer(naive=L.naive_log1pexp, rule=L.log1pexp),
          setter("x", np.round(rng.uniform(-20, 150, N) * 2) / 2))
    drive("convention", lambda: widgets.convention_explorer(naive=L.naive_f, rule=L.f),
          setter("x", np.round(rng.uniform(0, 1, N), 3)))
    drive("clipping", lambda: widgets.clipping_explorer(clip_gradient=L.clip_gradient),
          setter("lo", np.round(rng.uniform(-1.5, 0, N // 2), 2))
          + setter("hi", np.round(rng.uniform(0, 1.5, N // 2), 2)))
    moves = setter("a", np.round(rng.uniform(0.1, 10, N // 2), 1))
    moves += setter("iterations", rng.integers(1, 13, N // 2))
    drive("fixed point", lambda: widgets.fixed_point_explorer(
        solver=L.newton_sqrt, update=L.newton_update, reference=jnp.sqrt), moves)
    drive("jaxpr stepper", lambda: widgets.jaxpr_stepper(jax.grad(L.naive_log1pexp), 100.0),
          setter("equation", rng.integers(0, 5, N)))


if __name__ == "__main__":
    main()
