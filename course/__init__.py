"""Helpers for the custom-derivative-rules course: jaxpr views, gradient plots, checkers.

`import course` loads none of its parts: each public name below loads its module when it is
first used (PEP 562), so `course.workspace`, `course.store` (the progress store) and the
teacher's view run without JAX, and `course.check` pays for JAX and the exercises only when a
learner checks something. Inside IPython, importing `course` registers the `%%solution` cell
magic and starts following which cell sets `answer` (course.answer_cells); both are JAX-free.

The modules are named apart from the functions (`course.checks` holds `course.check` and
`course.exercises`; `course.store` holds `course.progress`), so `import course.store` never
hides a function, and `course.progress` is always the function.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from .answer_cells import register_with_ipython as _register_with_ipython

# public name -> (module, attribute)
_PUBLIC = {
    "count_compiles": (".compiles", "count_compiles"),
    "scripted_pdb": (".debugging", "scripted_pdb"),
    "check": (".checks", "check"),
    "exercises": (".checks", "exercises"),
    "solution": (".checks", "solution"),
    "solution_source": (".checks", "solution_source"),
    "Feedback": (".checks.checking", "Feedback"),
    "GraphvizFailedError": (".jaxpr", "GraphvizFailedError"),
    "GraphvizNotFoundError": (".jaxpr", "GraphvizNotFoundError"),
    "JaxprInputError": (".jaxpr", "JaxprInputError"),
    "JaxprTypeError": (".jaxpr", "JaxprTypeError"),
    "JaxprValueError": (".jaxpr", "JaxprValueError"),
    "JaxprView": (".jaxpr", "JaxprView"),
    "Record": (".jaxpr", "Record"),
    "Trace": (".jaxpr", "Trace"),
    "Value": (".jaxpr", "Value"),
    "compare_residuals": (".jaxpr", "compare_residuals"),
    "compare_rules": (".jaxpr", "compare_rules"),
    "evaluate_jaxpr": (".jaxpr", "evaluate_jaxpr"),
    "show_jaxpr": (".jaxpr", "show_jaxpr"),
    "show_residuals": (".jaxpr", "show_residuals"),
    "trace_jaxpr": (".jaxpr", "trace_jaxpr"),
    "plot_grad": (".plots", "plot_grad"),
    "figure": (".plots", "figure"),
    "progress": (".store", "progress"),
    "short_tracebacks": (".tracebacks", "short_tracebacks"),
}

__all__ = sorted(_PUBLIC)


@functools.cache
def _submodules() -> frozenset[str]:
    """The package's modules, listed once (every unknown attribute asked for looks here)."""
    return frozenset(info.name for info in pkgutil.iter_modules(__path__))


def __getattr__(name: str):
    if name in _PUBLIC:
        module, attribute = _PUBLIC[name]
        value = getattr(importlib.import_module(module, __name__), attribute)
        globals()[name] = value  # the next use is a plain attribute lookup
        return value
    if name in _submodules():
        # `course.jaxpr.x` after a bare `import course`, as before the names were lazy
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'course' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC) | _submodules())


_register_with_ipython()
