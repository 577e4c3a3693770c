"""Set up the course and run it.

    python3 run.py lab             open your workspace (your copy of every lesson) in JupyterLab
    python3 run.py reset NN        restore lesson NN in your workspace (yours moves to backups/)
    python3 run.py test [ARGS]     ruff, then every test and every lesson (ARGS go to pytest)
    python3 run.py refresh [NN]    re-run every lesson (or lesson NN, e.g. 02) from its .md
                                   and store the new outputs in its .ipynb
    python3 run.py site [OUT]      build the course as a static site from the stored outputs
                                   (into build/site/, or OUT) and say how to open it
    python3 run.py classroom [--help]   serve the course to a class with JupyterHub (as root;
                                   the class is in classroom.toml)

Everything is installed into .venv/ from the committed uv.lock; all this script needs from
the machine is Python 3.11 or newer. uv comes from PATH if it is the version pyproject.toml
pins ([tool.uv] required-version), and is installed into .tools/ otherwise.
"""

# This file must stay readable by old Pythons (2.7 and 3.x): no f-strings, annotations,
# keyword-only arguments, `raise ... from`, or modules newer than 2.7 at the top. Then an old
# Python reaches the version check in main() and says what to do instead of printing a
# SyntaxError. tests/test_run.py checks this, and runs the file under any old Python it finds.
from __future__ import print_function

import os
import re
import shutil
import subprocess
import sys

MIN_PYTHON = (3, 11)
ROOT = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(ROOT, ".tools")
WINDOWS = os.name == "nt"


class Problem(Exception):
    """Something the user can fix; main() prints it as one line, without a traceback."""

    def __init__(self, message, code=1):
        Exception.__init__(self, message)
        self.code = code


def python_too_old(version_info, executable):
    """The one-line advice for a Python older than MIN_PYTHON, or None."""
    if tuple(version_info[:2]) >= MIN_PYTHON:
        return None
    return (
        "the course needs Python %d.%d or newer, and %s is Python %d.%d: install Python 3.11 or "
        "newer (Debian/Ubuntu: `sudo apt-get install python3.11`; otherwise python.org), then "
        "run `python3.11 run.py ...`." % (MIN_PYTHON + (executable,) + tuple(version_info[:2]))
    )


def tools_exe(name):
    return os.path.join(TOOLS, "Scripts" if WINDOWS else "bin", name + (".exe" if WINDOWS else ""))


def pinned_uv_version():
    """The uv version in pyproject.toml's `[tool.uv] required-version = "==X.Y.Z"`."""
    import tomllib

    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        spec = tomllib.load(f).get("tool", {}).get("uv", {}).get("required-version", "")
    match = re.fullmatch(r"==\s*(\d+(?:\.\d+)*)", spec.strip())
    if not match:
        raise Problem("pyproject.toml's [tool.uv] required-version should pin one uv version, "
                      "like \"==0.13.9\", but it is %r." % spec)
    return match.group(1)


def uv_version(exe):
    """The version `exe --version` reports ("uv 0.13.9 (...)" -> "0.13.9"), or None."""
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.match(r"uv (\S+)", out.stdout)
    return match.group(1) if match and out.returncode == 0 else None


def find_uv(version):
    """A uv of exactly `version`: from PATH, from .tools/, or freshly installed into .tools/."""
    on_path = shutil.which("uv")
    if on_path:
        found = uv_version(on_path)
        if found == version:
            return on_path
        print("run.py: the uv on PATH (%s, version %s) is not the pinned uv %s; using one in "
              ".tools/ instead." % (on_path, found, version), flush=True)
    pinned = tools_exe("uv")
    if not (os.path.exists(pinned) and uv_version(pinned) == version):
        install_uv(version)
    return pinned


def has_module(name):
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def install_uv(version):
    """pip-install uv==version into a virtual environment in .tools/."""
    manual = "or put uv %s on PATH yourself (`pipx install uv==%s`), then run this again" % (
        version, version)
    if not (has_module("venv") and has_module("ensurepip")):
        raise Problem(
            "this Python (%s) cannot create a virtual environment with pip in it, which is how "
            "uv gets installed: on Debian/Ubuntu run `sudo apt-get install python3.%d-venv`, %s."
            % (sys.executable, sys.version_info[1], manual))
    import venv

    print("Installing uv %s into %s ..." % (version, TOOLS), flush=True)
    error = None
    try:
        venv.create(TOOLS, with_pip=True)
    except (OSError, subprocess.CalledProcessError) as e:
        error = last_line(str(e))
    if error:  # raised out here: `raise ... from` would not parse in Python 2
        raise Problem("could not create a virtual environment in %s (%s): delete that folder "
                      "and try again, %s." % (TOOLS, error, manual))
    pip = [tools_exe("python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
           "uv==" + version]
    result = subprocess.run(pip, capture_output=True, text=True)
    if result.returncode != 0 or uv_version(tools_exe("uv")) != version:
        raise Problem("could not install uv %s from the package index (pip: %s): check the "
                      "network or proxy (pip honours PIP_INDEX_URL and pip.conf), %s."
                      % (version, last_line(result.stderr + result.stdout), manual))


def last_line(text):
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def sync():
    """Install the locked environment; return the prefix that runs a command inside it."""
    uv = find_uv(pinned_uv_version())
    command = [uv, "sync", "--locked"]
    if not os.path.isdir(os.path.join(ROOT, ".venv")):
        command += ["--python", sys.executable]  # build it on the Python that runs this script
    code = subprocess.call(command, cwd=ROOT)
    if code:
        raise Problem("installing the course's packages failed (uv's message is above). Without "
                      "network access, run this again where PyPI is reachable; if uv.lock and "
                      "pyproject.toml disagree, run `%s lock` and commit both." % uv, code)
    return [uv, "run", "--locked", "--no-sync"]


def workspace_path():
    """The learner's workspace, as course.workspace.workspace_dir() finds it: $COURSE_WORKSPACE,
    else workspace/ in this folder."""
    env = os.environ.get("COURSE_WORKSPACE")
    return os.path.realpath(os.path.expanduser(env)) if env else os.path.join(ROOT, "workspace")


def lab(extra):
    """Sync the workspace (course/workspace.py), then JupyterLab rooted at it, quiet (lab/)."""
    import secrets

    run = sync()
    workspace = workspace_path()
    code = subprocess.call(run + ["python", "-m", "course.workspace", "sync", workspace], cwd=ROOT)
    if code:
        return code
    token = os.environ.get("COURSE_TOKEN") or secrets.token_hex(24)
    port = os.environ.get("COURSE_PORT", "8888")
    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )
    cmd = [
        "jupyter", "lab",
        "--ip=127.0.0.1", "--port=" + port,
        "--IdentityProvider.token=" + token,
        "--ServerApp.root_dir=" + workspace,
        "--LabApp.app_settings_dir=" + os.path.join(ROOT, "lab"),  # overrides.json: no news
    ]
    if headless:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    print("\nThe course will be at http://127.0.0.1:%s/lab?token=%s\n"
          "(JupyterLab picks the next free port if that one is taken and prints its own URL.)\n"
          % (port, token), flush=True)
    return subprocess.call(run + cmd + extra, cwd=ROOT)


def reset(extra):
    """course/workspace.py: restore one lesson of the workspace, the learner's copy backed up."""
    run = sync()
    return subprocess.call(run + ["python", "-m", "course.workspace", "reset"] + extra, cwd=ROOT)


def test(extra):
    """ruff, then pytest with the options in pyproject.toml (nbval, 2 workers, sanitizer)."""
    run = sync()
    for step in (["ruff", "check", "."], ["pytest"] + extra):
        print("$ " + " ".join(step), flush=True)
        code = subprocess.call(run + step, cwd=ROOT)
        if code:
            return code
    return 0


def refresh(extra):
    """tools/refresh.py: re-execute lessons from their .md and store the outputs."""
    run = sync()
    return subprocess.call(run + ["python", os.path.join("tools", "refresh.py")] + extra, cwd=ROOT)


def site(extra):
    """site/sitebuild.py: Sphinx + myst-nb, warnings as errors, no re-execution."""
    run = sync()
    return subprocess.call(run + ["python", os.path.join("site", "sitebuild.py")] + extra,
                           cwd=ROOT)


def classroom(extra):
    """classroom/launch.py: JupyterHub for a class on this machine (classroom.toml)."""
    run = sync()
    return subprocess.call(run + ["python", "-m", "classroom"] + extra, cwd=ROOT)


COMMANDS = {"lab": lab, "reset": reset, "test": test, "refresh": refresh, "site": site,
            "classroom": classroom}


def main(argv):
    too_old = python_too_old(sys.version_info, sys.executable)
    if too_old:
        print("run.py: " + too_old, file=sys.stderr)
        return 1
    if not argv or argv[0] not in COMMANDS:
        print(__doc__)
        return 2
    try:
        return COMMANDS[argv[0]](argv[1:])
    except Problem as problem:
        print("run.py: " + str(problem), file=sys.stderr)
        return problem.code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
