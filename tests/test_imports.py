"""Imports in `course/` and `widgets/` point one way: no cycles, no imports hidden in functions,
no private names (a leading underscore) taken from another module, and no JAX in the layers
that are plain data.

The layering is import-linter's, from the contracts in pyproject.toml ([tool.importlinter]):
course.jaxpr's layers, no cycles between the modules of a package, course never importing
widgets, widgets using only the faces `course` and `course.jaxpr`, and no JAX in the workspace
sync, the store and the plain-data layers. test_the_import_contracts_hold runs them, and a copy
of the packages with a broken layer shows that they can fail.

What import-linter cannot say is read here from the source with `ast`, without importing
anything: relative imports (`from .data import Trace`, `from .. import compat`) and absolute
ones (`import course`, `from course.jaxpr import format_trace`) both count. An import inside a
function is allowed only for the heavy optional modules in LAZY_OK, with a comment at the
import site saying why.
"""

from __future__ import annotations

import ast
import io
import os
import shutil
import subprocess
import sys
import tokenize
import tomllib
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
    "course.checks": "JAX and the 36 exercises: `import course` registers %%solution without "
                     "them, and the first solution cell loads them",
}

# Modules of `course` that course.jaxpr may import besides its own (its layers: pyproject.toml).
SHARED = ("course.compat", "course.display")


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


def repository_imports() -> list[Import]:
    files = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
             for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}
    return read_imports(files)


# The repository.

CONTRACTS = [c["name"] for c in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"][
    "importlinter"]["contracts"]]


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """import-linter with pyproject.toml's contracts, on the packages in `root`."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), str(ROOT / "pyproject.toml"),
         "--no-cache"], cwd=root, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(root), "COLUMNS": "200"})


def test_the_import_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    for name in CONTRACTS:
        assert f"{name} KEPT" in result.stdout, f"{name!r} not run:\n{result.stdout}"
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in result.stdout


def test_the_contracts_fail_on_an_upward_import_a_cycle_and_course_importing_widgets(tmp_path):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    with open(tmp_path / "course" / "jaxpr" / "data.py", "a") as f:
        f.write("\nfrom . import text  # noqa\n")  # the lowest layer; text imports data
    with open(tmp_path / "course" / "store.py", "a") as f:
        f.write("\nimport widgets  # noqa\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout[-3000:]
    broken = {name for name in CONTRACTS if f"{name} BROKEN" in result.stdout}
    assert broken == {
        "course.jaxpr in layers: data, evaluation, tracing, renderings, views",
        "No import cycles between the modules of a package",  # data <-> text
        "course does not import widgets",
        "No JAX in the workspace sync, the store and the plain-data layers",  # via widgets
    }, result.stdout[-3000:]
    assert "course.jaxpr.data -> course.jaxpr.text" in result.stdout
    assert ("course is not allowed to import widgets:\n\n-   course.store -> widgets"
            in result.stdout)


def test_imports_inside_functions_are_only_lazy_heavy_modules():
    problems = lazy_import_problems(repository_imports())
    assert not problems, "\n".join(problems)


def test_jaxpr_imports_from_the_rest_of_course_only_compat_and_display():
    outside = [f"{i.path}:{i.line} ({i.importer}) imports {i.target}"
               for i in repository_imports() if i.importer.startswith("course.jaxpr.")
               and i.target.startswith("course.") and not i.target.startswith("course.jaxpr")
               and i.target not in SHARED]
    assert not outside, "\n".join(outside)


def test_no_private_name_is_imported_from_another_module():
    imports = repository_imports()
    assert any(i.names for i in imports)  # it did read the imported names
    problems = private_imports(imports)
    assert not problems, "\n".join(problems)


# The checker itself, on synthetic packages: it must be able to fail.

def synthetic(files: dict[str, str]) -> list[Import]:
    return read_imports(files)


def test_an_import_inside_a_function_is_a_lazy_import_problem():
    imports = synthetic({
        "pkg/a.py": "from .b import g\n",
        "pkg/b.py": "def g():\n    from .a import f\n    import matplotlib.pyplot\n"
                    "    # PIL is heavy\n    import PIL.Image\n    return f\n",
    })
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
