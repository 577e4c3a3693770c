"""How fast course.show_jaxpr is on big jaxprs, and what `import course` costs.

    uv run python benchmarks/jaxpr.py [--smoke]

Targets: trace + text + HTML (with the Graphviz drawing) <= 0.3 s for a 1,000-equation jaxpr
and <= 3 s for 10,000, growing linearly; `import course` adds <= 0.15 s over `import jax`.
course.compare_rules (both programs traced, evaluated, aligned, as text and as HTML): <= 0.5 s
for 1,000 equations on each side, <= 5 s for 10,000, growing linearly.

Each time is the best of three runs after a warm-up, in wall-clock seconds and in CPU seconds
(this process and its children, Graphviz's dot included); on a shared machine the CPU seconds
say more (the load average is printed).

Profile of compare_rules on two grad programs of ~1,100 equations (cProfile, issue 23):
JAX's own tracing of the two grad programs and the evaluation of their ~2,200 equations
(JAX's eager dispatch of each primitive, `apply_primitive`, about half of it) are nearly all
of the time; alignment, text, DOT, Graphviz and HTML together ~0.04 s. What was cut:
Python's cyclic garbage collector paused while tracing and evaluating (tracing 10,000
equations: 1.02 s -> 0.63 s), a variable's name, shape and dtype worked out once instead of
at every use (a jaxpr literal's `aval` is recomputed by JAX on every access), `Value.type`,
`.finite` and `.has_nan` cached and computed with `math` for one-element values, a source
line formatted once per line of code instead of once per equation, and an equation of the
custom program that the default program already ran on the same values reused instead of run
again (1,572 of the 2,210 primitive runs at 1,000 equations; never for equations with
effects, such as jax.debug.print).
"""

import argparse
import dataclasses
import os
import subprocess
import sys
import time

import jax
import jax.numpy as jnp

import course
from course.jaxpr import RuleComparison, align


def chain(n_eqns: int):
    """A function whose jaxpr has exactly n_eqns equations (alternating sin and mul)."""

    def f(x):
        for i in range(n_eqns // 2):
            x = jnp.sin(x) * 1.0001 if i % 2 else jnp.cos(x) * 0.9999
        return x

    return f


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (user + system)."""
    return sum(os.times()[:4])


def best_of(repeats: int, work, clock=time.perf_counter) -> float:
    times = []
    for _ in range(repeats):
        start = clock()
        work()
        times.append(clock() - start)
    return min(times)


def measure(n_eqns: int) -> tuple[float, float]:
    """Seconds for show_jaxpr + its text + its HTML, wall-clock and CPU."""
    f, x = chain(n_eqns), jnp.float32(0.3)
    assert len(jax.make_jaxpr(f)(x).eqns) == n_eqns

    def work():
        view = course.show_jaxpr(f, x, values=True)
        str(view)
        view._repr_html_()

    work()  # warm up: primitive dispatch caches, the dot binary in the page cache
    return best_of(3, work), best_of(3, work, cpu_seconds)


def rule_pair(n_eqns: int):
    """Two versions of one function whose `grad` programs have about n_eqns equations each:
    a chain of sin and cos, plainly differentiated, and the same chain ending in log1pexp
    with a custom_jvp rule (so the two programs differ at their end, as in lesson 2)."""
    steps = n_eqns // 5

    def body(x):
        for i in range(steps):
            x = jnp.sin(x) * 1.0001 if i % 2 else jnp.cos(x) * 0.9999
        return x

    @jax.custom_jvp
    def log1pexp(x):
        return jnp.log(1. + jnp.exp(x))

    log1pexp.defjvps(lambda t, ans, x: jax.nn.sigmoid(x) * t)

    def default(x):
        return jnp.log(1. + jnp.exp(body(x)))

    def custom(x):
        return log1pexp(body(x))

    return default, custom


def measure_compare(n_eqns: int) -> tuple[float, float, float, int, int]:
    """Seconds for the whole of compare_rules + its text + its HTML (Graphviz drawing
    included), wall-clock and CPU, seconds for the comparing and rendering alone (alignment,
    text, HTML, from the two programs already traced and evaluated), and the sizes of the two
    grad programs."""
    default, custom, x = *rule_pair(n_eqns), jnp.float32(0.3)
    sizes = [len(jax.make_jaxpr(jax.grad(f))(x).eqns) for f in (default, custom)]

    def whole():
        view = course.compare_rules(default, custom, x)
        str(view)
        view._repr_html_()

    traced = course.compare_rules(default, custom, x).comparison

    def compare_and_render():
        rows, in_both, shared = align.align(traced.default, traced.custom)
        view = RuleComparison(dataclasses.replace(
            traced, rows=rows, in_both=in_both, shared=shared))
        str(view)
        view._repr_html_()

    whole()
    compare_and_render()
    return (best_of(3, whole), best_of(3, whole, cpu_seconds),
            best_of(3, compare_and_render), *sizes)


def import_cost(rounds: int = 11) -> tuple[float, float]:
    """Median wall time of `import jax` and of `import jax; import course`, each in a fresh
    interpreter, alternating the two so that drifts in machine load hit both alike."""
    def once(code: str) -> float:
        out = subprocess.run([sys.executable, "-c", "import time; t = time.perf_counter(); "
                              f"{code}; print(time.perf_counter() - t)"],
                             capture_output=True, text=True, check=True)
        return float(out.stdout)

    jax_only, with_course = [], []
    for _ in range(rounds):
        jax_only.append(once("import jax"))
        with_course.append(once("import jax; import course"))
    return sorted(jax_only)[rounds // 2], sorted(with_course)[rounds // 2]


def ratio(big: float, small: float) -> str:
    """big / small, or "-" when small rounds to 0 (process_time's resolution, small sizes)."""
    return f"{big / small:.1f}" if small > 0 else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true",
                        help="100 and 200 equations, one import round: only checks that the "
                        "script runs (tests/test_benchmarks.py); compare no figure with a target")
    smoke = parser.parse_args().smoke
    small, big = (100, 200) if smoke else (1_000, 10_000)
    (t1k, c1k), (t10k, c10k) = measure(small), measure(big)
    print(f"show_jaxpr, {small:,} equations  (trace + text + HTML): {t1k:6.3f} s wall, "
          f"{c1k:6.3f} s CPU  (target <= 0.3)")
    print(f"show_jaxpr, {big:,} equations (trace + text + HTML): {t10k:6.3f} s wall, "
          f"{c10k:6.3f} s CPU  (target <= 3)")
    print(f"{big:,} / {small:,} equations, time ratio: {t10k / t1k:.1f} wall, "
          f"{ratio(c10k, c1k)} CPU  (linear would be {big // small})")
    wholes, cpus = [], []
    for n, target in ((small, 0.5), (big, 5)):
        whole, cpu, part, *sizes = measure_compare(n)
        wholes.append(whole)
        cpus.append(cpu)
        print(f"compare_rules, grad programs of {sizes[0]:,} / {sizes[1]:,} equations, end to "
              f"end (tracing and evaluating both programs, align, text, HTML): {whole:6.3f} s "
              f"wall, {cpu:6.3f} s CPU (target <= {target}); align + text + HTML alone "
              f"{part:6.3f} s")
    print(f"compare_rules, {big:,} / {small:,} equations, time ratio: "
          f"{wholes[1] / wholes[0]:.1f} wall, {ratio(cpus[1], cpus[0])} CPU  (linear would be "
          f"{big // small})")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} (2 cores here)")
    jax_only, with_course = import_cost(rounds=1 if smoke else 11)
    print(f"import jax: {jax_only:.3f} s; import jax + course: {with_course:.3f} s; "
          f"course adds {with_course - jax_only:.3f} s  (target <= 0.15)")


if __name__ == "__main__":
    main()
