"""Set up the course and run it: `python3 run.py lab` or `python3 run.py test`.

Everything is installed into `.venv/` from the committed `uv.lock`; the only thing this
script needs from the machine is Python 3.11 or newer. uv itself is installed into
`.tools/` (pinned) unless one is already on PATH.
"""

import os
import secrets
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
UV_VERSION = "0.13.9"
TOOLS = ROOT / ".tools"


def uv() -> str:
    """Path to a uv executable, installing the pinned one into .tools/ when needed."""
    found = shutil.which("uv")
    if found:
        return found
    exe = TOOLS / ("Scripts/uv.exe" if os.name == "nt" else "bin/uv")
    if not exe.exists():
        print(f"Installing uv {UV_VERSION} into {TOOLS} ...", flush=True)
        venv.create(TOOLS, with_pip=True)
        pip = TOOLS / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        subprocess.run(
            [str(pip), "-m", "pip", "install", "--quiet", f"uv=={UV_VERSION}"], check=True
        )
    return str(exe)


def sync() -> list[str]:
    """Install the locked environment; return the prefix that runs a command inside it."""
    exe = uv()
    subprocess.run([exe, "sync", "--locked"], cwd=ROOT, check=True)
    return [exe, "run", "--locked", "--no-sync"]


def lab(extra: list[str]) -> int:
    run = sync()
    token = os.environ.get("COURSE_TOKEN") or secrets.token_hex(24)
    port = os.environ.get("COURSE_PORT", "8888")
    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )
    cmd = [
        "jupyter", "lab",
        "--ip=127.0.0.1", f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={ROOT / 'notebooks'}",
    ]
    if headless:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    print(
        f"\nThe course will be at http://127.0.0.1:{port}/lab?token={token}\n"
        "(JupyterLab picks the next free port if that one is taken and prints its own URL.)\n",
        flush=True,
    )
    return subprocess.call(run + cmd + extra, cwd=ROOT)


def test(extra: list[str]) -> int:
    run = sync()
    steps = [
        ["ruff", "check", "."],
        [
            "pytest", "tests", "notebooks",
            "--nbval", "--nbval-current-env",
            "--nbval-cell-timeout=180",
            "--nbval-sanitize-with=tests/nbval_sanitize.cfg",
            "-n", "2", "--dist", "loadfile",
            "-p", "no:cacheprovider",
            "-rs",  # say why anything was skipped (the browser tests, without Chromium)
            *extra,
        ],
    ]
    for step in steps:
        print("$", " ".join(step), flush=True)
        code = subprocess.call(run + step, cwd=ROOT)
        if code:
            return code
    return 0


def main(argv: list[str]) -> int:
    if len(argv) < 1 or argv[0] not in {"lab", "test"}:
        print(__doc__)
        return 2
    return {"lab": lab, "test": test}[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
