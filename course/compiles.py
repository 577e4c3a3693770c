"""Count XLA compilations, to prove that an interactive update reuses compiled code."""

import contextlib
from collections.abc import Iterator

from . import compat

_counters: list[list[int]] = []
_registered = False


def _on_compile() -> None:
    for counter in _counters:
        counter[0] += 1


@contextlib.contextmanager
def count_compiles() -> Iterator[list[int]]:
    """As JAX's compile events in `jax.monitoring`, counted: `with count_compiles() as n:`
    ... then `n[0]` is the number of XLA compilations inside the block.

    >>> import jax, jax.numpy as jnp
    >>> from course import count_compiles
    >>> f = jax.jit(lambda x: x * 2.0 + 1.0)
    >>> three, other_three, four = jnp.ones(3), jnp.zeros(3), jnp.ones(4)
    >>> with count_compiles() as n:
    ...     _ = f(three)
    ...     _ = f(other_three)  # same shape: the compiled code is reused
    ...     _ = f(four)  # a new shape: compiled again
    >>> n[0]
    2
    """
    global _registered
    if not _registered:
        compat.on_compile(_on_compile)
        _registered = True
    counter = [0]
    _counters.append(counter)
    try:
        yield counter
    finally:
        _counters.remove(counter)
