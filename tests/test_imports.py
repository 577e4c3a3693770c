"""Imports in `course/` and `widgets/` point one way: no cycles, no imports hidden in functions,
no private names (a leading underscore) taken from another module, and no JAX in the layers
that are plain data.

The graph is read from the source with `ast`, without importing anything: relative imports
(`from .data import Trace`, `from .. import compat`) and absolute ones (`import course`,
`from course.jaxpr import format_trace`) both count. An import inside a function is allowed
only for the heavy optional modules in LAZY_OK, with a comment at the import site saying why.
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("course", "widgets")

# Modules that may be imported inside a function, because importing them costs much more
# than what most users of the function's module need, or they may be absent.
LAZY_OK = {
    "matplotlib": "about 0.3 s to import; only figures need it",
    "PIL": "only needed to encode an image",
    "IPython": "present only when running inside IPython or Jupyter",
    "course.checks": "JAX and the 35 exercises: `import course` registers %%solution without "
                     "them, and the first solution cell loads them",
}

# course.jaxpr's layers, lowest first: a module may import only from modules before it.
JAXPR_LAYERS = ["data", "evaluate", "rules", "tracing", "align", "text", "graph", "html",
                "view", "compare", "residuals"]
# Modules of `course` that course.jaxpr's layers may import besides each other.
SHARED = ("course.compat", "course.display")
# Modules that must not make Python import JAX (checked through what they import from the
# course, transitively; the package `course.jaxpr` itself is left out, as it is already
# running when these are imported from inside it).
JAX_FREE = ["course.display", "course.jaxpr.data", "course.jaxpr.align", "course.jaxpr.text",
            "course.store"]


@dataclass(frozen=True)
class Import:
    importer: str  # dotted name of the module that imports
    target: str  # the module imported, or the module the imported names come from
    path: str  # file, relative to the repository
    line: int
    in_function: bool
    commented: bool  # a comment on the import's line or on the line just above
    names: tuple[str, ...] = ()  # the names a `from ... import` statement takes


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def read_imports(files: dict[str, str]) -> list[Import]:
    """Every import in `files` ({path: source}), resolved to dotted module names.

    A target is the most specific module the statement names: `from course.jaxpr import
    graph` is course.jaxpr.graph, `from course.jaxpr import format_trace` is course.jaxpr."""
    modules = {module_name(Path(p), Path(".")) for p in files}
    found = []
    for path, source in files.items():
        importer = module_name(Path(path), Path("."))
        is_package = Path(path).name == "__init__.py"
        comments = _comment_lines(source)
        for node, in_function in _walk(ast.parse(source, path)):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
                names: dict[str, list[str]] = {}
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node, importer, is_package)
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules
                           else base for alias in node.names]
                names = {}
                for alias, target in zip(node.names, targets):
                    if target == base:
                        names.setdefault(base, []).append(alias.name)
            else:
                continue
            commented = bool({node.lineno - 1, node.lineno} & comments)
            for target in dict.fromkeys(targets):
                found.append(Import(importer, target, path, node.lineno, in_function,
                                    commented, tuple(names.get(target, ()))))
    return found


def _comment_lines(source: str) -> set[int]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return {tok.start[0] for tok in tokens if tok.type == tokenize.COMMENT}


def _absolute(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    package = importer.split(".") if is_package else importer.split(".")[:-1]
    base = package[:len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _walk(tree: ast.AST, in_function: bool = False):
    for child in ast.iter_child_nodes(tree):
        yield child, in_function
        nested = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        yield from _walk(child, in_function or nested)


def import_graph(imports: list[Import]) -> dict[str, set[str]]:
    """Which scanned modules each module makes Python run first. Importing `a.b.c` also runs
    the packages `a` and `a.b`, unless the importer is inside them (then they are already
    running)."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        graph.setdefault(imp.importer, set())
        if imp.in_function:
            continue
        parts = imp.target.split(".")
        for i in range(1, len(parts) + 1):
            target = ".".join(parts[:i])
            inside = imp.importer == target or imp.importer.startswith(target + ".")
            if not inside:
                graph[imp.importer].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None. Only edges between graph keys count."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def lazy_import_problems(imports: list[Import]) -> list[str]:
    problems = []
    for imp in imports:
        if not imp.in_function:
            continue
        if not any(imp.target == name or imp.target.startswith(name + ".")
                   for name in LAZY_OK):
            problems.append(f"{imp.path}:{imp.line} imports {imp.target} inside a function: "
                            "move it to the top of the module (if that makes a cycle, the "
                            "layers are wrong), or add a heavy optional module to LAZY_OK")
        elif not imp.commented:
            problems.append(f"{imp.path}:{imp.line} imports {imp.target} lazily without a "
                            "comment saying why (on that line or the line above)")
    return problems


def private_imports(imports: list[Import]) -> list[str]:
    """`from module import _name` between modules of the scanned packages (or `_module`)."""
    scanned = {i.importer for i in imports}
    return [f"{i.path}:{i.line} ({i.importer}) imports {name} from {i.target}"
            for i in imports if i.target in scanned or i.target.split(".")[0] in PACKAGES
            for name in (*i.names, i.target.rsplit(".", 1)[-1])
            if name.startswith("_") and not name.startswith("__")]


def reaches_jax(graph: dict[str, set[str]], start: str) -> list[str] | None:
    """A chain of imports from `start` to `jax`, or None."""
    queue, came_from = [start], {start: None}
    while queue:
        node = queue.pop(0)
        if node == "jax" or node.startswith("jax."):
            chain = [node]
            while came_from[chain[-1]] is not None:
                chain.append(came_from[chain[-1]])
            return chain[::-1]
        for nxt in sorted(graph.get(node, ())):
            if nxt in ("course", "course.jaxpr"):
                continue  # the packages around a layer are already running
            if nxt not in came_from:
                came_from[nxt] = node
                queue.append(nxt)
    return None


def repository_imports() -> list[Import]:
    files = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
             for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}
    return read_imports(files)


# The repository.

def test_no_import_cycles():
    graph = import_graph(repository_imports())
    assert {"course", "course.jaxpr.data", "widgets.stepper"} <= set(graph)  # it did scan
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_imports_inside_functions_are_only_lazy_heavy_modules():
    problems = lazy_import_problems(repository_imports())
    assert not problems, "\n".join(problems)


def test_jaxpr_layers_import_only_from_below():
    imports = [i for i in repository_imports() if i.importer.startswith("course.jaxpr.")]
    layer = {f"course.jaxpr.{name}": n for n, name in enumerate(JAXPR_LAYERS)}
    assert set(layer) == {i.importer for i in imports}, "a module is missing from JAXPR_LAYERS"
    upward = [f"{i.path}:{i.line} ({i.importer}) imports {i.target}" for i in imports
              if i.target.startswith("course.") and i.target not in SHARED
              and layer.get(i.target, len(layer)) >= layer[i.importer]]
    assert not upward, "\n".join(upward)


def test_no_private_name_is_imported_from_another_module():
    imports = repository_imports()
    assert any(i.names for i in imports)  # it did read the imported names
    problems = private_imports(imports)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("module", JAX_FREE)
def test_plain_data_layers_import_no_jax(module):
    graph = import_graph(repository_imports())
    assert module in graph
    assert reaches_jax(graph, module) is None, " -> ".join(reaches_jax(graph, module))


def test_widgets_use_only_the_public_names_of_course():
    private = [f"{i.path}:{i.line} imports {i.target}" for i in repository_imports()
               if i.importer.startswith("widgets") and i.target.startswith("course.")
               and i.target not in ("course.jaxpr",)]
    assert not private, "\n".join(private)


# The checker itself, on synthetic packages: it must be able to fail.

def synthetic(files: dict[str, str]) -> list[Import]:
    return read_imports(files)


def test_a_relative_cycle_through_a_package_is_found():
    imports = synthetic({
        "pkg/__init__.py": "from .a import f\n",
        "pkg/a.py": "from .sub import g\n\ndef f():\n    return g()\n",
        "pkg/sub/__init__.py": "from .b import g\n",
        "pkg/sub/b.py": "from .. import a\n\ndef g():\n    return a\n",
    })
    assert find_cycle(import_graph(imports)) == ["pkg.a", "pkg.sub", "pkg.sub.b", "pkg.a"]


def test_an_absolute_cycle_between_packages_is_found():
    imports = synthetic({
        "pkg/__init__.py": "import other\n",
        "other/__init__.py": "from other.tools import x\n",
        "other/tools.py": "from pkg import y\nx = 1\n",
    })
    assert find_cycle(import_graph(imports)) == ["other", "other.tools", "pkg", "other"]


def test_importing_from_an_enclosing_package_is_not_a_cycle():
    imports = synthetic({
        "pkg/__init__.py": "from .a import f as f\nfrom .b import g as g\n",
        "pkg/a.py": "from . import b\nfrom .b import g\n",
        "pkg/b.py": "g = 1\n",
    })
    assert find_cycle(import_graph(imports)) is None


def test_a_cycle_closed_inside_a_function_is_a_lazy_import_problem():
    imports = synthetic({
        "pkg/a.py": "from .b import g\n",
        "pkg/b.py": "def g():\n    from .a import f\n    import matplotlib.pyplot\n"
                    "    # PIL is heavy\n    import PIL.Image\n    return f\n",
    })
    assert find_cycle(import_graph(imports)) is None
    assert lazy_import_problems(imports) == [
        "pkg/b.py:2 imports pkg.a inside a function: move it to the top of the module (if "
        "that makes a cycle, the layers are wrong), or add a heavy optional module to LAZY_OK",
        "pkg/b.py:3 imports matplotlib.pyplot lazily without a comment saying why (on that line or "
        "the line above)",
    ]


def test_a_private_name_from_another_module_is_found():
    imports = synthetic({
        "course/__init__.py": "",
        "course/a.py": "from .b import _helper, public\nfrom . import _hidden\n"
                       "from numpy import _private\n",
        "course/b.py": "def _helper():\n    pass\n",
        "course/_hidden.py": "",
    })
    assert private_imports(imports) == [
        "course/a.py:1 (course.a) imports _helper from course.b",
        "course/a.py:2 (course.a) imports _hidden from course._hidden",
    ]


def test_a_chain_to_jax_is_found():
    graph = import_graph(synthetic({
        "course/__init__.py": "from .top import f\n",
        "course/top.py": "import jax\n",
        "course/low.py": "from .mid import g\n",
        "course/mid.py": "from .top import f\nimport numpy\n",
        "course/plain.py": "import numpy\nfrom . import mid2\n",
        "course/mid2.py": "import json\n",
    }))
    assert reaches_jax(graph, "course.low") == ["course.low", "course.mid", "course.top", "jax"]
    assert reaches_jax(graph, "course.plain") is None


@pytest.mark.parametrize("source, target", [
    ("from . import b", "pkg.sub.b"),
    ("from .b import thing", "pkg.sub.b"),
    ("from .. import c", "pkg.c"),
    ("from ..c import thing", "pkg.c"),
    ("import pkg.c", "pkg.c"),
    ("from pkg.sub import b", "pkg.sub.b"),
    ("from pkg.sub import name", "pkg.sub"),
    ("import numpy.linalg", "numpy.linalg"),
])
def test_imports_are_resolved_to_modules(source, target):
    imports = synthetic({"pkg/__init__.py": "", "pkg/c.py": "", "pkg/sub/__init__.py": "",
                         "pkg/sub/a.py": source + "\n", "pkg/sub/b.py": ""})
    found = [i.target for i in imports if i.importer == "pkg.sub.a"]
    assert found == [target]
