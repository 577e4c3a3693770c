"""Set up the course and run it.

    python3 run.py lab             open your workspace (your copy of every lesson) in JupyterLab
    python3 run.py reset NN        restore lesson NN in your workspace (yours moves to backups/)
    python3 run.py test [ARGS]     ruff, then every test and every lesson (ARGS go to pytest)
    python3 run.py test --quick    the same without the system tests (browser, hub, site, ...)
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


# What each command installs (pyproject.toml's [dependency-groups]): the lessons' runtime is the
# project's own dependencies; `lab`, `reset` and `refresh` need nothing more.
GROUPS = {"lab": [], "reset": [], "refresh": [], "site": ["site"], "classroom": ["classroom"],
          "test": None}  # None: every group


def sync_command(uv, groups):
    """`uv sync` of the locked environment with the runtime and `groups` (None: all groups).
    Inexact, except for `test`: a command installs what it needs and removes nothing, so that
    `lab` after `test` does not uninstall pytest (or pull it back in for the next `test`)."""
    command = [uv, "sync", "--locked"]
    if groups is None:
        command.append("--all-groups")
    else:
        command += ["--inexact", "--no-default-groups"]
        for group in groups:
            command += ["--group", group]
    if not os.path.isdir(os.path.join(ROOT, ".venv")):
        command += ["--python", sys.executable]  # build it on the Python that runs this script
    return command


def quiet_uv_line(line):
    """False for the lines of `uv sync` a learner need not read: one per package installed
    (` + jax==0.10.2`, ...), and the "Resolved"/"Checked"/"Audited" lines of a sync that had
    nothing to do. What remains: creating .venv, "Prepared N packages", "Installed N packages",
    warnings and errors."""
    text = line.strip()
    return not (text[:2] in ("+ ", "- ", "~ ") or
                text.startswith(("Resolved ", "Checked ", "Audited ", "Using CPython")))


def sync(groups):
    """Install the locked environment (the runtime and `groups`); return the prefix that runs a
    command inside it. uv's per-package lines are left out (quiet_uv_line)."""
    uv = find_uv(pinned_uv_version())
    if not os.path.isdir(os.path.join(ROOT, ".venv")):
        print("Installing the course's packages into .venv/ (the first time only: a minute or "
              "two with a good connection) ...", flush=True)
    code = run_child(sync_command(uv, groups), keep_line=quiet_uv_line)
    if code:
        raise Problem("installing the course's packages failed (uv's message is above). Without "
                      "network access, run this again where PyPI is reachable; if uv.lock and "
                      "pyproject.toml disagree, run `%s lock` and commit both." % uv, code)
    return [uv, "run", "--locked", "--no-sync"]


def run_child(cmd, keep_line=None, while_running=None, env=None):
    """Run `cmd` (in this folder) to its end and return its exit status; 130 after Ctrl-C.

    The child stays in the terminal's foreground process group, so a Ctrl-C reaches it (and
    `uv run`, which passes a first SIGINT on to nobody: the group already got it) directly and
    once. Meanwhile this process only notes the SIGINT and keeps waiting: it returns after the
    child has shut down, with its own children (JupyterLab's kernels). subprocess.call would
    instead kill `uv run` 0.25 s after the interrupt and leave JupyterLab running on its own.
    A SIGTERM sent to this process alone is passed on to the child.

    keep_line: read the child's stderr and print only the lines for which it is true.
    while_running: called about every 0.2 s with the child until it returns True."""
    import signal

    interrupted = []
    child = []

    def on_sigint(signum, frame):
        interrupted.append(signum)

    def on_sigterm(signum, frame):
        if child:
            child[0].terminate()

    handlers = [(signal.SIGINT, on_sigint)]
    if not WINDOWS:
        handlers.append((signal.SIGTERM, on_sigterm))
    # Handlers, not SIG_IGN: a handled signal is back to its default in the child after exec.
    previous = [(signum, signal.signal(signum, handler)) for signum, handler in handlers]
    try:
        text = {"encoding": "utf-8", "errors": "replace"} if keep_line else {}
        child.append(subprocess.Popen(cmd, cwd=ROOT, env=env,
                                      stderr=subprocess.PIPE if keep_line else None, **text))
        process = child[0]
        if keep_line:
            for line in process.stderr:
                if keep_line(line):
                    sys.stderr.write(line)
                    sys.stderr.flush()
            process.stderr.close()
        while while_running is not None and not interrupted and process.poll() is None:
            if while_running(process):
                break
            time_sleep(0.2)
        code = process.wait()
    finally:
        for signum, handler in previous:
            signal.signal(signum, handler)
    return 130 if interrupted else code


def time_sleep(seconds):
    import time

    time.sleep(seconds)


def workspace_path():
    """The learner's workspace, as course.workspace.workspace_dir() finds it: $COURSE_WORKSPACE,
    else workspace/ in this folder."""
    env = os.environ.get("COURSE_WORKSPACE")
    return os.path.realpath(os.path.expanduser(env)) if env else os.path.join(ROOT, "workspace")


def port_is_free(port):
    """Whether JupyterLab could listen on 127.0.0.1:port now (as tornado binds, with
    SO_REUSEADDR: a port whose last connections are closing counts as free)."""
    import socket

    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if not WINDOWS:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        probe.close()


def choose_port(wanted, tries=50):
    """`wanted` if it is free, else the next free port after it."""
    for port in range(wanted, min(wanted + tries, 65536)):
        if port_is_free(port):
            return port
    raise Problem("ports %d to %d are all taken on 127.0.0.1: set COURSE_PORT to a free port "
                  "(e.g. COURSE_PORT=9000 python3 run.py lab)." % (wanted, wanted + tries - 1))


def lab_arguments(workspace):
    """JupyterLab's options for the learner's workspace (beside --ip, --port and the token), as
    the browser tests use them too."""
    args = [
        "--ServerApp.root_dir=" + workspace,
        "--LabApp.app_settings_dir=" + os.path.join(ROOT, "lab"),  # overrides.json
        "--LabApp.default_url=/lab/tree/00_start_here.ipynb",
        # One Ctrl-C stops the server (no "Shut down this Jupyter server (y/[n])?").
        "--ServerApp.answer_yes=True",
        "--ServerApp.log_level=WARN", "--LabApp.log_level=WARN",  # the URL stays in sight
    ]
    if ipc_fits(jupyter_runtime_dir()):
        # Kernels talk to the server over sockets in the user's runtime folder, not over TCP
        # ports any local user could reach (and ipykernel's eavesdropping warning is moot).
        args.append("--KernelManager.transport=ipc")
    return args


def jupyter_runtime_dir():
    """Where Jupyter puts kernels' connection files (jupyter_core.paths.jupyter_runtime_dir,
    for Linux and macOS), and with transport=ipc their sockets."""
    if os.environ.get("JUPYTER_RUNTIME_DIR"):
        return os.environ["JUPYTER_RUNTIME_DIR"]
    data = os.environ.get("JUPYTER_DATA_DIR")
    if not data:
        home = os.path.expanduser("~")
        if sys.platform == "darwin":
            data = os.path.join(home, "Library", "Jupyter")
        else:
            data = os.path.join(os.environ.get("XDG_DATA_HOME") or
                                os.path.join(home, ".local", "share"), "jupyter")
    return os.path.join(data, "runtime")


def ipc_fits(runtime_dir):
    """Whether kernel sockets in `runtime_dir` (kernel-<uuid>-ipc-<n>) have paths short enough
    for a Unix socket (104 bytes on macOS, 108 on Linux). Never on Windows."""
    return not WINDOWS and len(os.path.abspath(runtime_dir)) + len("/kernel--ipc-99") + 36 < 104


def lab_environment():
    """The environment for JupyterLab: lab/ is searched for jupyter_server_config.py (which
    refuses a save from a tab showing a lesson's copy from before a reset), beside the
    learner's own Jupyter configuration."""
    env = dict(os.environ)
    paths = [os.path.join(ROOT, "lab")] + [p for p in env.get("JUPYTER_CONFIG_PATH", "").split(
        os.pathsep) if p]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(paths)
    return env


def server_answers(url, token):
    """Whether the Jupyter server at `url` accepts `token` (GET /api/status)."""
    from urllib.request import Request, urlopen

    try:
        with urlopen(Request(url + "api/status", headers={"Authorization": "token " + token}),
                     timeout=2) as response:
            return response.status == 200
    except (OSError, ValueError):
        return False


def lab(extra):
    """Sync the workspace (course/workspace.py), then JupyterLab rooted at it, quiet (lab/)."""
    import secrets

    run = sync(GROUPS["lab"])
    workspace = workspace_path()
    code = run_child(run + ["python", "-m", "course.workspace", "sync", workspace])
    if code:
        return code
    token = os.environ.get("COURSE_TOKEN") or secrets.token_hex(24)
    wanted = os.environ.get("COURSE_PORT", "8888")
    if not wanted.isdigit() or not 0 < int(wanted) < 65536:
        raise Problem("COURSE_PORT should be a port number, like 9000, but it is %r." % wanted)
    port = choose_port(int(wanted))
    if port != int(wanted):
        print("Port %s is taken (another program, or a lab still running), so the course uses "
              "port %d." % (wanted, port), flush=True)
    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )
    cmd = ["jupyter", "lab", "--ip=127.0.0.1", "--port=%d" % port,
           "--ServerApp.port_retries=0",  # the port chosen above, or a clear failure
           "--IdentityProvider.token=" + token] + lab_arguments(workspace)
    if headless:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    base = "http://127.0.0.1:%d/" % port
    print("Starting JupyterLab ...", flush=True)

    def announce(process):
        if not server_answers(base, token):
            return False
        print("\nThe course is open at\n\n    %slab/tree/00_start_here.ipynb?token=%s\n\n"
              "Stop it with Ctrl-C (once: it stops JupyterLab and its kernels).\n"
              % (base, token), flush=True)
        return True

    return run_child(run + cmd + extra, while_running=announce, env=lab_environment())


def reset(extra):
    """course/workspace.py: restore one lesson of the workspace, the learner's copy backed up."""
    if not extra or extra[0].startswith("-"):
        print(RESET_USAGE, file=sys.stderr)
        return 0 if extra and extra[0] in ("-h", "--help") else 2
    run = sync(GROUPS["reset"])
    return run_child(run + ["python", "-m", "course.workspace", "reset"] + extra)


RESET_USAGE = """usage: python3 run.py reset NN

Restores lesson NN (e.g. 02) in your workspace as the course has it now. Your copy, if you
changed or ran it, moves to workspace/backups/<date_time>/ first."""


# What `test` adds to pyproject.toml's pytest options: every lesson re-executed by nbval, which
# compares each stored output (strict), and two workers, each notebook's cells on one of them.
FULL_RUN = ["--nbval", "-n", "2", "--dist", "loadfile"]
# `test --quick`: the unit and content tiers (tests/tiers.py), without browser, hub, site,
# deployment, run.py's own commands and the benchmarks.
QUICK = ["-m", "unit or content"]


def test(extra):
    """ruff, then pytest on everything (FULL_RUN); `--quick` leaves out the system tier."""
    tiers = []
    if "--quick" in extra:
        extra = [arg for arg in extra if arg != "--quick"]
        tiers = QUICK
    run = sync(GROUPS["test"])
    for step in (["ruff", "check", "."], ["pytest"] + FULL_RUN + tiers + extra):
        print("$ " + " ".join(step), flush=True)
        code = run_child(run + step)
        if code:
            return code
    return 0


def refresh(extra):
    """tools/refresh.py: re-execute lessons from their .md and store the outputs."""
    run = sync(GROUPS["refresh"])
    return run_child(run + ["python", os.path.join("tools", "refresh.py")] + extra)


def site(extra):
    """site/sitebuild.py: Sphinx + myst-nb, warnings as errors, no re-execution."""
    run = sync(GROUPS["site"])
    return run_child(run + ["python", os.path.join("site", "sitebuild.py")] + extra)


def classroom(extra):
    """classroom/launch.py: JupyterHub for a class on this machine (classroom.toml). It ends by
    exec'ing the hub, so the hub is this command's child and gets a Ctrl-C once, from the
    terminal."""
    run = sync(GROUPS["classroom"])
    return run_child(run + ["python", "-m", "classroom"] + extra)


COMMANDS = {"lab": lab, "reset": reset, "test": test, "refresh": refresh, "site": site,
            "classroom": classroom}


def main(argv):
    too_old = python_too_old(sys.version_info, sys.executable)
    if too_old:
        print("run.py: " + too_old, file=sys.stderr)
        return 1
    if argv and argv[0] in ("-h", "--help", "help"):
        print(__doc__)
        return 0
    if not argv or argv[0] not in COMMANDS:
        if argv:
            print("run.py: unknown command %r; the commands are: %s.\n"
                  % (argv[0], ", ".join(sorted(COMMANDS))), file=sys.stderr)
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
