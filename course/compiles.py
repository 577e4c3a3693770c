"""Count XLA compilations, to prove that an interactive update reuses compiled code."""

import contextlib
from collections.abc import Iterator

import jax

COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"
_counters: list[list[int]] = []
_registered = False


def _listener(event: str, duration: float, **kwargs) -> None:
    if event == COMPILE_EVENT:
        for counter in _counters:
            counter[0] += 1


@contextlib.contextmanager
def count_compiles() -> Iterator[list[int]]:
    """`with count_compiles() as n:` ... `n[0]` is the number of XLA compilations inside."""
    global _registered
    if not _registered:
        jax.monitoring.register_event_duration_secs_listener(_listener)
        _registered = True
    counter = [0]
    _counters.append(counter)
    try:
        yield counter
    finally:
        _counters.remove(counter)
