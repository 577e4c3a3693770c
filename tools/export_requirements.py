"""Write binder/requirements.txt from uv.lock, or check that it still matches (--check).

repo2docker (and so Binder and the Kubernetes image in deploy/) cannot read uv.lock: it installs
`binder/requirements.txt` with pip. That file is `uv export` of the lock's course dependencies
(no test, site or classroom group, not the project itself), every package pinned to its locked
version with the hashes of its locked files, so pip installs exactly the locked set or stops.

    uv run python tools/export_requirements.py           # after `uv lock`: rewrite the file
    uv run python tools/export_requirements.py --check   # exit 1 if it drifted from uv.lock
    python tools/export_requirements.py --verify-installed  # in the image (binder/postBuild):
                                                  # exit 1 unless each pin is what is installed
"""

import argparse
import difflib
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from packaging.markers import Marker

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "binder" / "requirements.txt"
EXPORT = ["export", "--frozen", "--format", "requirements-txt", "--no-emit-project",
          "--no-default-groups"]
# A pin line of `uv export`: `name==version`, then an optional `; marker`, then ` \`.
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)[ \t]*(?:;([^\\\n]*))?", re.M)
HEADER = ("# Generated from uv.lock by `uv run python tools/export_requirements.py`: do not edit.\n"
          "# repo2docker installs it with pip; tests/test_deploy.py fails when it drifts.\n")


class ExportError(Exception):
    """A one-line reason the export could not run."""


def uv_executable() -> str:
    """The uv running us (`uv run` sets $UV), else uv on PATH, else run.py's .tools/bin/uv."""
    for candidate in (os.environ.get("UV"), shutil.which("uv"), ROOT / ".tools" / "bin" / "uv"):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    raise ExportError("no uv found: run `python3 run.py test` once (it installs the pinned uv "
                      "into .tools/), or put uv on PATH")


def exported(root: Path = ROOT) -> str:
    """The requirements text that uv.lock gives today."""
    result = subprocess.run([uv_executable(), *EXPORT], cwd=root, capture_output=True, text=True)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise ExportError(f"`uv {' '.join(EXPORT)}` failed: {last}")
    return HEADER + result.stdout


def drift(expected: str, actual: str, name: str = "binder/requirements.txt") -> str:
    """A unified diff from what the lock gives to what the file holds ('' when equal)."""
    return "".join(difflib.unified_diff(expected.splitlines(keepends=True),
                                        actual.splitlines(keepends=True),
                                        "from uv.lock", name, n=1))


def pins(requirements: str) -> dict[str, str]:
    """{name: version} of the pins whose environment marker holds for this interpreter."""
    return {name: version for name, version, marker in PIN.findall(requirements)
            if not marker.strip() or Marker(marker.strip()).evaluate()}


def not_installed(requirements: str) -> list[str]:
    """Each pin that this interpreter's environment does not have at exactly that version."""
    problems = []
    for name, version in sorted(pins(requirements).items()):
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            problems.append(f"{name}=={version} (installed: {installed or 'nothing'})")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the file differs from the lock's export")
    parser.add_argument("--verify-installed", action="store_true",
                        help="exit 1 unless this interpreter has every pin of the file installed")
    args = parser.parse_args(argv)
    if args.verify_installed:
        requirements = TARGET.read_text()
        problems = not_installed(requirements)
        if problems:
            print(f"not the locked environment: {', '.join(problems)}", file=sys.stderr)
            return 1
        print(f"all {len(pins(requirements))} locked packages installed at their locked versions")
        return 0
    try:
        expected = exported()
    except ExportError as error:
        print(f"export_requirements: {error}", file=sys.stderr)
        return 2
    if args.check:
        actual = TARGET.read_text() if TARGET.exists() else ""
        difference = drift(expected, actual)
        if difference:
            print(difference, end="")
            print(f"{TARGET.relative_to(ROOT)} does not match uv.lock: run "
                  "`uv run python tools/export_requirements.py` and commit it", file=sys.stderr)
            return 1
        print(f"{TARGET.relative_to(ROOT)} matches uv.lock")
        return 0
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_text(expected)
    print(f"wrote {TARGET.relative_to(ROOT)} ({len(PIN.findall(expected))} pinned packages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
