"""The repository stays light: no large files and nothing that .gitignore says is a build output.

Lesson notebooks carry their stored outputs (plots, jaxpr graphs) and may be larger; any other
tracked file over 1 MB is dead weight in every clone (a committed 17.6 MB uv wheel once made up
95% of the packed repository).
"""

import ast
import importlib.metadata
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 1_000_000  # bytes
# The notebooks carry stored outputs; uv.lock is text that uv writes and a diff reviews (1.07 MB
# since the classroom and deploy groups joined the lock). Neither is a download or a build output.
ALLOWED_LARGE = ("notebooks/", "uv.lock")


def git(*args: str) -> str:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: no tracked files to check")
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout


def tracked_sizes() -> dict[str, int]:
    """Size in bytes of each tracked file as staged (the blob git would commit)."""
    staged = [line.split("\t", 1) for line in git("ls-files", "-s", "-z").split("\0") if line]
    blobs = {meta.split()[1]: path for meta, path in staged}
    out = subprocess.run(["git", "cat-file", "--batch-check=%(objectname) %(objectsize)"],
                         input="\n".join(blobs), cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    sizes = {}
    for line in out.splitlines():
        name, size = line.split()
        sizes[blobs[name]] = int(size)
    return sizes


def large_files(sizes: dict[str, int]) -> list[str]:
    return sorted(f"{path} ({size / 1e6:.1f} MB)" for path, size in sizes.items()
                  if size > LIMIT and not path.startswith(ALLOWED_LARGE))


def test_no_large_tracked_file_outside_notebooks():
    sizes = tracked_sizes()
    assert "pyproject.toml" in sizes and "run.py" in sizes  # the listing really saw the repo
    big = large_files(sizes)
    assert not big, (f"tracked files over {LIMIT / 1e6:.0f} MB outside notebooks/: {big}. "
                     "Remove them with `git rm --cached <file>`; installers and build outputs "
                     "are fetched or generated, not committed.")


def test_the_size_rule_catches_a_large_file():
    sizes = {"uv-0.13.9-py3-none-any.whl": 17_606_939, "notebooks/04_x.ipynb": 2_000_000,
             "uv.lock": 681_889}
    assert large_files(sizes) == ["uv-0.13.9-py3-none-any.whl (17.6 MB)"]


def test_nothing_tracked_that_gitignore_excludes():
    ignored = git("ls-files", "--cached", "--ignored", "--exclude-standard").split()
    assert not ignored, f"tracked but matched by .gitignore (build outputs?): {ignored}"


def imported_top_level_modules(paths: list[Path]) -> dict[str, str]:
    """Each absolute import's top-level module, with one file that imports it."""
    found = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return found


def declared_distributions() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    specs = list(project["project"]["dependencies"])
    for group in project.get("dependency-groups", {}).values():
        specs += [spec for spec in group if isinstance(spec, str)]
    return {normalize(re.match(r"[A-Za-z0-9._-]+", spec).group()) for spec in specs}


def normalize(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def test_every_directly_imported_package_is_declared():
    dirs = ["course", "widgets", "tools", "tests", "benchmarks", "classroom", "deploy", "site"]
    paths = [ROOT / "run.py"] + [p for d in dirs for p in sorted((ROOT / d).rglob("*.py"))]
    local = set(dirs) | {p.stem for p in paths} | {p.parent.name for p in paths
                                                   if p.name == "__init__.py"}
    distributions = importlib.metadata.packages_distributions()
    declared = declared_distributions()
    undeclared = []
    for module, where in sorted(imported_top_level_modules(paths).items()):
        if module in sys.stdlib_module_names or module in local:
            continue
        owners = {normalize(d) for d in distributions.get(module, [])}
        if not owners & declared:
            undeclared.append(f"{module} (imported in {where}; installed by "
                              f"{sorted(owners) or 'nothing'})")
    assert "PIL" in imported_top_level_modules(paths)  # the scan really reads the code
    assert not undeclared, (f"imported but not declared in pyproject.toml: {undeclared}. Add "
                            "each distribution to [project] dependencies (or the test group), "
                            "then `uv lock`.")
