"""What a test needs from the machine, for `@pytest.mark.requires(tool)` (conftest.py).

A test marked `@pytest.mark.requires("chromium")` is skipped, with the reason, where the tool is
missing, and fails under CI (`CI` set), where every tool must be there (.ci/run installs them).
`missing(tool)` says what is missing, or None; a fixture that needs a tool calls `require(tool)`,
which does the same as the marker.
"""

import importlib.util
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("COURSE_CHROMIUM") or shutil.which("chromium") or shutil.which(
    "chromium-browser")


def _chromium() -> str | None:
    if CHROMIUM is None:
        return "no Chromium found (install Debian's `chromium` to run the browser tests)"
    return None


def _npm() -> str | None:
    """The site's browser libraries come from npm, unless they were fetched before."""
    if shutil.which("npm"):
        return None
    spec = importlib.util.spec_from_file_location("course_sitebuild",
                                                  ROOT / "site" / "sitebuild.py")
    sitebuild = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sitebuild)
    if (sitebuild.vendor_dir() / "complete").exists():
        return None
    return "no npm to fetch MathJax, RequireJS and the widgets manager (install npm)"


def _classroom() -> str | None:
    if sys.platform != "linux" or os.geteuid() != 0:
        return "the classroom creates system accounts: run the tests as root on Linux"
    if not (shutil.which("npm") and shutil.which("node")):
        return "the hub's proxy needs Node.js and npm (apt-get install npm)"
    for module in ("jupyterhub", "firstuseauthenticator", "jupyterhub_idle_culler"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (uv sync installs the classroom group)"
    return None


def _cgroups() -> str | None:
    sys.path.insert(0, str(ROOT))
    from classroom import limits

    if limits.mechanism() == "none":
        return "this machine offers no control groups (cgroup v1 or v2) to limit memory and CPU"
    return None


TOOLS: dict[str, Callable[[], str | None]] = {
    "chromium": _chromium,
    "npm": _npm,
    "classroom": _classroom,  # root on Linux, Node.js and npm, the classroom group
    "cgroups": _cgroups,
}
_found: dict[str, str | None] = {}


def missing(tool: str) -> str | None:
    """Why `tool` cannot be used here, or None when it can (probed once per run)."""
    if tool not in TOOLS:
        raise ValueError(f"requires({tool!r}): unknown tool; tests/requires.py knows "
                         f"{', '.join(sorted(TOOLS))}")
    if tool not in _found:
        _found[tool] = TOOLS[tool]()
    return _found[tool]


def require(*tools: str) -> None:
    """Skip with the reason where a tool is missing; fail instead under CI."""
    for tool in tools:
        reason = missing(tool)
        if reason is None:
            continue
        if os.environ.get("CI"):
            pytest.fail(f"CI must run this test: {reason}", pytrace=False)
        pytest.skip(reason)
