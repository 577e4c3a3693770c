"""How fast course.show_jaxpr is on big jaxprs, and what `import course` costs.

    uv run python benchmarks/jaxpr.py

Targets: trace + text + HTML (with the Graphviz drawing) <= 0.3 s for a 1,000-equation jaxpr
and <= 3 s for 10,000, growing linearly; `import course` adds <= 0.15 s over `import jax`.
"""

import subprocess
import sys
import time

import jax
import jax.numpy as jnp

import course


def chain(n_eqns: int):
    """A function whose jaxpr has exactly n_eqns equations (alternating sin and mul)."""

    def f(x):
        for i in range(n_eqns // 2):
            x = jnp.sin(x) * 1.0001 if i % 2 else jnp.cos(x) * 0.9999
        return x

    return f


def best_of(repeats: int, work) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(n_eqns: int) -> float:
    f, x = chain(n_eqns), jnp.float32(0.3)
    assert len(jax.make_jaxpr(f)(x).eqns) == n_eqns

    def work():
        view = course.show_jaxpr(f, x, values=True)
        str(view)
        view._repr_html_()

    work()  # warm up: primitive dispatch caches, the dot binary in the page cache
    return best_of(3, work)


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


def main() -> None:
    t1k, t10k = measure(1_000), measure(10_000)
    print(f"show_jaxpr, 1,000 equations  (trace + text + HTML): {t1k:6.3f} s  (target <= 0.3)")
    print(f"show_jaxpr, 10,000 equations (trace + text + HTML): {t10k:6.3f} s  (target <= 3)")
    print(f"10k / 1k ratio: {t10k / t1k:.1f}  (linear would be 10)")
    jax_only, with_course = import_cost()
    print(f"import jax: {jax_only:.3f} s; import jax + course: {with_course:.3f} s; "
          f"course adds {with_course - jax_only:.3f} s  (target <= 0.15)")


if __name__ == "__main__":
    main()
