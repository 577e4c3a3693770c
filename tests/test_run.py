"""run.py on a bare machine: one line of advice instead of a traceback, and the right uv.

Also `run.py refresh` and tools/refresh.py, which it calls.
"""

import ast
import glob
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUN_PY = ROOT / "run.py"
POSIX_ONLY = pytest.mark.skipif(os.name == "nt", reason="fake uv executables are shell scripts")


def load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run = load("course_run", RUN_PY)
refresh_tool = load("course_refresh", ROOT / "tools" / "refresh.py")
PINNED = run.pinned_uv_version()


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got:\n{text}"
    assert "Traceback" not in text
    return lines[0]


# --- Python older than 3.11 ----------------------------------------------------------------


def test_run_py_uses_only_syntax_old_pythons_can_parse():
    source = RUN_PY.read_text()
    assert source.isascii(), "Python 2 reads a source file without a coding line as ASCII"
    tree = ast.parse(source, feature_version=(3, 4))  # rejects f-strings, :=, var annotations
    assert "from __future__ import print_function" in source  # print(..., file=) in Python 2
    problems = []
    for node in ast.walk(tree):
        where = f"line {getattr(node, 'lineno', '?')}"
        if isinstance(node, (ast.FunctionDef, ast.Lambda)):
            args = node.args
            if args.kwonlyargs or args.posonlyargs:
                problems.append(f"{where}: keyword-only or positional-only arguments")
            annotated = [a for a in args.args + [args.vararg, args.kwarg] if a and a.annotation]
            if annotated or getattr(node, "returns", None):
                problems.append(f"{where}: annotations")
        elif isinstance(node, ast.Raise) and node.cause is not None:
            problems.append(f"{where}: raise ... from")
        elif isinstance(node, (ast.YieldFrom, ast.Nonlocal, ast.AsyncFunctionDef)):
            problems.append(f"{where}: {type(node).__name__}")
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)) and any(
                isinstance(e, ast.Starred) for e in node.elts):
            problems.append(f"{where}: * unpacking in a display")
        elif isinstance(node, ast.Dict) and None in node.keys:
            problems.append(f"{where}: ** unpacking in a dict display")
    top_imports = {alias.name for node in tree.body if isinstance(node, ast.Import)
                   for alias in node.names}
    assert top_imports <= {"os", "re", "shutil", "subprocess", "sys"}, (
        f"module-level imports that Python 2.7 lacks: {top_imports}; import them where used")
    assert not problems, problems


def old_pythons() -> list[str]:
    """Interpreters older than 3.11 on this machine (pyenv builds, python2.7 ... python3.10)."""
    pyenv = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates = sorted(glob.glob(os.path.join(pyenv, "versions", "*", "bin", "python")))
    candidates += [shutil.which(f"python{v}") for v in
                   ["2.7", "3.6", "3.7", "3.8", "3.9", "3.10"]]
    found = {}
    for exe in filter(None, candidates):
        try:
            out = subprocess.run([exe, "-c", "import sys; print(sys.version_info[0] * 100 + "
                                  "sys.version_info[1])"], capture_output=True, text=True,
                                 timeout=30)
        except (OSError, subprocess.SubprocessError):
            continue
        if out.returncode == 0 and out.stdout.strip().isdigit():
            version = int(out.stdout)
            if version < 311:
                found.setdefault(version, exe)
    return [found[v] for v in sorted(found)]


@pytest.mark.parametrize("python", old_pythons() or [pytest.param(None, marks=pytest.mark.skip(
    reason="no Python older than 3.11 on this machine to run run.py with"))])
def test_an_old_python_gets_one_line_of_advice(python):
    result = subprocess.run([python, str(RUN_PY), "lab"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1
    assert result.stdout == ""
    line = one_line(result.stderr)
    assert line.startswith("run.py: the course needs Python 3.11 or newer, and ")
    assert "then run `python3.11 run.py ...`" in line


def test_python_too_old_says_which_python_and_what_to_do():
    message = run.python_too_old((3, 10, 13, "final", 0), "/usr/bin/python3")
    assert message.startswith("the course needs Python 3.11 or newer, and /usr/bin/python3 is "
                              "Python 3.10: install Python 3.11 or newer")
    assert run.python_too_old((3, 11, 0, "final", 0), "x") is None
    assert run.python_too_old((4, 0, 0, "final", 0), "x") is None


# --- uv -----------------------------------------------------------------------------------


def fake_uv(directory: Path, version: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    exe = directory / "uv"
    exe.write_text(f"#!/bin/sh\necho 'uv {version} (fake)'\n")
    exe.chmod(0o755)
    return exe


def test_the_uv_pin_is_one_exact_version():
    spec = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["required-version"]
    assert spec == f"=={PINNED}"
    assert PINNED.count(".") == 2 and PINNED.replace(".", "").isdigit()


def pinned_uv() -> str | None:
    """The pinned uv that run.py found or installed (.tools/ or PATH), if any."""
    for exe in (run.tools_exe("uv"), shutil.which("uv")):
        if exe and os.path.exists(exe) and run.uv_version(exe) == PINNED:
            return exe
    return None


@pytest.mark.skipif(pinned_uv() is None, reason="no uv of the pinned version found")
def test_uv_refuses_a_project_that_pins_another_uv(tmp_path):
    """What required-version buys: a different uv stops instead of re-resolving silently."""
    other = "0.0.1"
    text = (ROOT / "pyproject.toml").read_text().replace(f'"=={PINNED}"', f'"=={other}"')
    (tmp_path / "pyproject.toml").write_text(text)
    shutil.copy(ROOT / "uv.lock", tmp_path / "uv.lock")
    result = subprocess.run([pinned_uv(), "lock", "--check"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2
    assert (f"Required uv version `=={other}` does not match the running version `{PINNED}`"
            in " ".join(result.stderr.split()))  # uv wraps its message to the terminal width


@POSIX_ONLY
def test_a_uv_of_the_pinned_version_on_path_is_used(tmp_path, monkeypatch, capsys):
    on_path = fake_uv(tmp_path / "bin", PINNED)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setattr(run, "TOOLS", str(tmp_path / ".tools"))
    assert run.find_uv(PINNED) == str(on_path)
    assert capsys.readouterr().out == ""


@POSIX_ONLY
def test_another_uv_on_path_gives_way_to_the_pinned_one_in_tools(tmp_path, monkeypatch, capsys):
    fake_uv(tmp_path / "bin", "0.4.1")
    pinned = fake_uv(tmp_path / ".tools" / "bin", PINNED)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setattr(run, "TOOLS", str(tmp_path / ".tools"))
    assert run.find_uv(PINNED) == str(pinned)
    line = one_line(capsys.readouterr().out)
    assert f"version 0.4.1) is not the pinned uv {PINNED}; using one in .tools/" in line


def test_without_ensurepip_one_line_says_which_package_to_install(tmp_path, monkeypatch, capsys):
    """Debian's python3 without python3-venv: the venv module cannot install pip."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no uv anywhere
    monkeypatch.setattr(run, "TOOLS", str(tmp_path / ".tools"))
    monkeypatch.setitem(sys.modules, "ensurepip", None)  # as if it were not installed
    assert run.main(["lab"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    line = one_line(captured.err)
    assert line.startswith("run.py: this Python (")
    assert f"sudo apt-get install python3.{sys.version_info[1]}-venv" in line
    assert f"or put uv {PINNED} on PATH yourself" in line
    assert not (tmp_path / ".tools").exists()


def test_when_uv_cannot_be_installed_one_line_says_so(tmp_path):
    """A real run on a copy of the project: no uv anywhere and a package index that refuses."""
    for name in ("run.py", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env.update(PATH=os.pathsep.join(["/usr/bin", "/bin"]), PIP_CONFIG_FILE=os.devnull,
               PIP_INDEX_URL="http://127.0.0.1:9/simple", PIP_RETRIES="0", PIP_TIMEOUT="5",
               PIP_NO_INPUT="1")
    result = subprocess.run([sys.executable, "run.py", "test"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert one_line(result.stdout) == f"Installing uv {PINNED} into {tmp_path / '.tools'} ..."
    line = one_line(result.stderr)
    assert line.startswith(f"run.py: could not install uv {PINNED} from the package index "
                           "(pip: ERROR: ")
    assert "check the network or proxy" in line
    assert not (tmp_path / ".venv").exists()


def test_a_failed_sync_is_one_line_after_uv_s_own_message(monkeypatch, capsys):
    monkeypatch.setattr(run, "find_uv", lambda version: "/opt/uv")
    monkeypatch.setattr(run, "run_child", lambda cmd, **kwargs: 2)
    assert run.main(["test"]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith("run.py: installing the course's packages failed (uv's message is "
                           "above).")


# --- the commands -----------------------------------------------------------------------------


@pytest.fixture
def calls(monkeypatch):
    """Run run.py's commands with the environment set up and every subprocess recorded (the
    groups each command synced are in `calls.groups`)."""
    recorded = CallList()
    monkeypatch.setattr(run, "sync", lambda groups: recorded.groups.append(groups) or
                        ["UV", "run"])
    monkeypatch.setattr(run, "run_child", lambda cmd, **kwargs: recorded.append(cmd[2:]) or 0)
    monkeypatch.setattr(run, "choose_port", lambda wanted: wanted)
    return recorded


class CallList(list):
    def __init__(self):
        super().__init__()
        self.groups = []


def test_test_runs_ruff_then_the_full_pytest_run_with_extra_arguments(calls):
    full = ["pytest", "--nbval", "-n", "2", "--dist", "loadfile"]
    assert run.main(["test", "tests/test_plots.py", "-x"]) == 0
    assert calls == [["ruff", "check", "."], [*full, "tests/test_plots.py", "-x"]]
    calls.clear()
    assert run.main(["test", "--quick", "-x"]) == 0
    assert calls == [["ruff", "check", "."], [*full, "-m", "unit or content", "-x"]]
    assert calls.groups == [None, None]  # every group, as CI's full run


def test_refresh_passes_lesson_numbers_to_tools_refresh(calls):
    assert run.main(["refresh", "02", "05"]) == 0
    assert calls == [["python", os.path.join("tools", "refresh.py"), "02", "05"]]


def test_lab_syncs_the_workspace_then_serves_it_quietly(calls, monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "mine"))
    monkeypatch.delenv("COURSE_PORT", raising=False)
    assert run.main(["lab"]) == 0
    sync, jupyter = calls
    assert sync == ["python", "-m", "course.workspace", "sync", str(tmp_path / "mine")]
    assert jupyter[:2] == ["jupyter", "lab"]
    assert f"--ServerApp.root_dir={tmp_path / 'mine'}" in jupyter
    settings = [a for a in jupyter if a.startswith("--LabApp.app_settings_dir=")]
    assert len(settings) == 1
    overrides = json.loads((Path(settings[0].split("=", 1)[1]) / "overrides.json").read_text())
    assert overrides["@jupyterlab/apputils-extension:notification"] == {
        "fetchNews": "false", "checkForUpdates": False}
    # Tab in a code cell indents by 2 spaces, as every lesson does.
    cells = overrides["@jupyterlab/notebook-extension:tracker"]["codeCellConfig"]
    assert (cells["indentUnit"], cells["tabSize"]) == ("2", 2)
    # Opens on the start page; one Ctrl-C stops it; the port run.py chose, or a failure.
    assert {"--LabApp.default_url=/lab/tree/00_start_here.ipynb", "--ServerApp.answer_yes=True",
            "--ServerApp.port_retries=0", "--port=8888"} <= set(jupyter)


def test_kernels_use_ipc_sockets_only_where_their_paths_fit(monkeypatch, tmp_path):
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path))
    assert run.jupyter_runtime_dir() == str(tmp_path)
    assert run.ipc_fits("/home/ada/.local/share/jupyter/runtime") is (os.name != "nt")
    assert not run.ipc_fits("/home/" + "a" * 40 + "/.local/share/jupyter/runtime")
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", "/home/" + "a" * 40 + "/runtime")
    assert "--KernelManager.transport=ipc" not in run.lab_arguments(str(tmp_path))
    monkeypatch.delenv("JUPYTER_RUNTIME_DIR")
    monkeypatch.setenv("JUPYTER_DATA_DIR", "/home/ada/.local/share/jupyter")
    assert run.jupyter_runtime_dir() == "/home/ada/.local/share/jupyter/runtime"
    assert ("--KernelManager.transport=ipc" in run.lab_arguments(str(tmp_path))) is (
        os.name != "nt")


def test_lessons_indent_by_two_spaces():
    """What lab/overrides.json's indentUnit matches: in the lessons' code, the line after a
    block opener (`def ...:`, `if ...:`) is indented 2 spaces more."""
    steps = []
    for md in ROOT.glob("notebooks/[0-9][0-9]_*.md"):
        for block in md.read_text().split("```{code-cell}")[1:]:
            lines = [line for line in block.split("```", 1)[0].splitlines()[1:] if line.strip()]
            for before, after in zip(lines, lines[1:]):
                if before.rstrip().endswith(":") and not before.lstrip().startswith("#"):
                    steps.append((len(after) - len(after.lstrip(" "))) -
                                 (len(before) - len(before.lstrip(" "))))
    assert len(steps) > 50
    assert set(steps) == {2}, sorted(set(steps))


def test_the_lab_refuses_a_save_from_a_tab_older_than_a_reset():
    import runpy

    from traitlets.config import Config

    config = Config()
    hooks = runpy.run_path(str(ROOT / "lab" / "jupyter_server_config.py"),
                           init_globals={"get_config": lambda: config})
    message = hooks["stale_save_message"]
    mark = {"at": "2026-12-04_01-41-19", "backup": "backups/2026-12-04_01-41-19/02_x.ipynb"}
    fresh = {"metadata": {"course_reset": mark}, "cells": []}
    stale = {"metadata": {}, "cells": []}
    assert message("02_x.ipynb", fresh, fresh) is None  # the reloaded tab saves
    assert message("02_x.ipynb", stale, stale) is None  # never reset
    assert message("02_x.ipynb", None, stale) is None  # a new file
    refused = message("02_x.ipynb", fresh, stale)
    assert refused.startswith("Not saved: 02_x.ipynb was reset (2026-12-04_01-41-19) after "
                              "this tab opened it, so this tab still shows your old copy (also "
                              "kept in backups/2026-12-04_01-41-19/02_x.ipynb). To see the "
                              "fresh lesson: File > Reload Notebook from Disk.")
    older = {"metadata": {"course_reset": {**mark, "at": "2026-12-03_09-00-00"}}}
    assert message("02_x.ipynb", fresh, older) == refused  # a tab from before an earlier reset
    assert config.ServerApp.contents_manager_class is hooks["CourseContentsManager"]


def test_lab_stops_when_the_workspace_sync_fails(monkeypatch):
    recorded = []
    monkeypatch.setattr(run, "sync", lambda groups: ["UV", "run"])
    monkeypatch.setattr(run, "run_child", lambda cmd, **kwargs: recorded.append(cmd[2:]) or 2)
    assert run.main(["lab"]) == 2
    assert len(recorded) == 1  # no JupyterLab on a workspace that is not ready


def test_reset_passes_the_lesson_to_course_workspace(calls):
    assert run.main(["reset", "02"]) == 0
    assert calls == [["python", "-m", "course.workspace", "reset", "02"]]


def test_unknown_command_says_so_and_prints_usage(capsys):
    assert run.main(["labb"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("run.py: unknown command 'labb'; the commands are: "
                                   "classroom, lab, refresh, reset, site, test.")
    assert "python3 run.py refresh [NN]" in captured.out


@pytest.mark.parametrize("flag", ["--help", "-h", "help"])
def test_help_prints_usage_and_succeeds(capsys, flag):
    assert run.main([flag]) == 0
    assert "python3 run.py lab " in capsys.readouterr().out


def test_no_command_prints_usage_and_fails(capsys):
    assert run.main([]) == 2
    assert "python3 run.py lab " in capsys.readouterr().out


@pytest.mark.parametrize("args, code", [([], 2), (["--help"], 0)])
def test_reset_without_a_lesson_shows_run_py_s_usage(calls, capsys, args, code):
    assert run.main(["reset"] + args) == code
    assert capsys.readouterr().err.startswith("usage: python3 run.py reset NN\n")
    assert calls == []  # nothing installed, nothing run


@pytest.mark.parametrize("command, groups", [
    ("lab", []), ("reset", []), ("refresh", []), ("site", ["site"]),
    ("classroom", ["classroom"]), ("test", None)])
def test_each_command_installs_only_the_groups_it_needs(calls, command, groups, monkeypatch,
                                                       tmp_path):
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path))
    assert run.main([command] + (["02"] if command == "reset" else [])) == 0
    assert calls.groups == [groups]


def test_classroom_runs_the_launcher_in_the_runtime_and_classroom_group(calls):
    assert run.main(["classroom", "--help"]) == 0
    assert calls.groups == [["classroom"]]
    assert calls == [["python", "-m", "classroom", "--help"]]


def test_sync_commands(monkeypatch, tmp_path):
    monkeypatch.setattr(run, "ROOT", str(tmp_path))
    (tmp_path / ".venv").mkdir()
    assert run.sync_command("uv", []) == ["uv", "sync", "--locked", "--inexact",
                                          "--no-default-groups"]
    assert run.sync_command("uv", ["site"]) == ["uv", "sync", "--locked", "--inexact",
                                                "--no-default-groups", "--group", "site"]
    assert run.sync_command("uv", None) == ["uv", "sync", "--locked", "--all-groups"]
    (tmp_path / ".venv").rmdir()  # the first sync builds .venv on the Python running run.py
    assert run.sync_command("uv", [])[-2:] == ["--python", sys.executable]


def test_uv_s_package_lines_are_left_out_and_its_summary_kept():
    kept = [line for line in ["Using CPython 3.11.7 interpreter at: /usr/bin/python3.11\n",
                              "Creating virtual environment at: .venv\n",
                              "Resolved 191 packages in 2ms\n",
                              "Prepared 113 packages in 9.1s\n",
                              "Installed 113 packages in 492ms\n",
                              " + jax==0.10.2\n", " - ruff==0.14.0\n", " ~ course==0.1.0\n",
                              "Checked 113 packages in 1ms\n",
                              "error: Failed to fetch: `https://pypi.org/simple/jax/`\n"]
            if run.quiet_uv_line(line)]
    assert kept == ["Creating virtual environment at: .venv\n",
                    "Prepared 113 packages in 9.1s\n", "Installed 113 packages in 492ms\n",
                    "error: Failed to fetch: `https://pypi.org/simple/jax/`\n"]


def test_the_next_free_port_when_the_wanted_one_is_taken():
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert not run.port_is_free(port)
        chosen = run.choose_port(port)
        assert chosen > port and run.port_is_free(chosen)
    assert run.choose_port(port) == port


def test_a_bad_course_port_is_one_line(calls, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path))
    monkeypatch.setenv("COURSE_PORT", "88a")
    assert run.main(["lab"]) == 1
    assert one_line(capsys.readouterr().err) == (
        "run.py: COURSE_PORT should be a port number, like 9000, but it is '88a'.")


GROUP_ONLY = {"test", "site", "classroom"}


def lock_closure(lock: dict, roots: list[dict]) -> set[str]:
    """The packages uv.lock installs for the requirements `roots` (its dependency entries),
    transitively, extras included (markers are ignored: a superset)."""
    packages = {p["name"]: p for p in lock["package"]}
    seen, todo = set(), list(roots)
    while todo:
        dep = todo.pop()
        package = packages[dep["name"]]
        for extra in dep.get("extra", []):
            todo += package.get("optional-dependencies", {}).get(extra, [])
        if dep["name"] not in seen:
            seen.add(dep["name"])
            todo += package.get("dependencies", [])
    return seen


@pytest.mark.skipif(pinned_uv() is None, reason="no uv of the pinned version found")
def test_the_lab_s_environment_has_no_test_site_or_classroom_package(tmp_path, monkeypatch):
    """`uv sync` exactly as run.py's `lab` runs it, on an empty environment, with --dry-run:
    what a learner's fresh clone installs."""
    monkeypatch.setattr(run, "ROOT", str(tmp_path))  # no .venv there: a first install
    command = run.sync_command(pinned_uv(), run.GROUPS["lab"]) + ["--dry-run"]
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(tmp_path / "venv")}
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    would = {line.split()[1].split("==")[0] for line in result.stderr.splitlines()
             if line.startswith(" + ")}
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    project = next(p for p in lock["package"] if p["name"] == pyproject["project"]["name"])
    runtime = lock_closure(lock, project["dependencies"])
    groups = {name: lock_closure(lock, deps)
              for name, deps in project["dev-dependencies"].items()}
    assert set(groups) == GROUP_ONLY
    assert would - {project["name"]} <= runtime
    for name, closure in groups.items():
        assert not (would & (closure - runtime)), f"the lab installs {name} packages"
    # The packages the issue names are among those left out, and jax is in.
    assert not would & {"pytest", "playwright", "ruff", "sphinx", "myst-nb", "jupyterhub",
                        "jupyter-repo2docker", "nbval"}
    assert {"jax", "jupyterlab", "ipywidgets", "matplotlib"} <= would


def test_pytest_options_live_in_pyproject_and_the_full_run_in_run_py():
    """A plain `uv run pytest tests/test_x.py` runs one file in one process, with the nbval
    options ready; `python3 run.py test` (and CI, .ci/run) adds nbval and the two workers."""
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]
    ini = options["ini_options"]
    assert ini["testpaths"] == ["tests", "notebooks"]
    sanitize = [a for a in ini["addopts"] if a.startswith("--nbval-sanitize-with=")]
    assert len(sanitize) == 1 and (ROOT / sanitize[0].split("=", 1)[1]).is_file()
    assert {"--nbval-current-env", "--nbval-cell-timeout=180", "-rs", "--strict-markers"} <= set(
        ini["addopts"])
    assert not {"--nbval", "-n"} & set(ini["addopts"])
    assert run.FULL_RUN == ["--nbval", "-n", "2", "--dist", "loadfile"]
    assert (ROOT / ".ci" / "run").read_text().splitlines()[-1] == "python3 run.py test"


# --- tools/refresh.py -----------------------------------------------------------------------


def test_refresh_finds_lessons_by_number_or_path():
    lesson = refresh_tool.lessons(["2"])
    assert [p.name for p in lesson] == [p.name for p in ROOT.glob("notebooks/02_*.md")]
    assert len(lesson) == 1
    assert refresh_tool.lessons(["02"]) == lesson
    by_path = refresh_tool.lessons([str(lesson[0].with_suffix(".ipynb"))])
    assert [p.resolve() for p in by_path] == [p.resolve() for p in lesson]
    assert len(refresh_tool.lessons([])) == len(list(ROOT.glob("notebooks/[0-9][0-9]_*.md")))
    with pytest.raises(SystemExit, match=r"there is no lesson 99; the lessons are 01, 02, "):
        refresh_tool.lessons(["99"])
    with pytest.raises(SystemExit, match=r"nope\.md does not exist; give a lesson number"):
        refresh_tool.lessons(["notebooks/nope.md"])


MYST = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3 (ipykernel)
  language: python
  name: python3
---

# A lesson

```{code-cell} ipython3
print(6 * 7)
```

```{code-cell} ipython3
print(6 * 7)
```
"""


def test_refresh_stores_outputs_and_refuses_a_lesson_whose_cell_fails(tmp_path, capsys):
    good = tmp_path / "01_good.md"
    good.write_text(MYST)
    bad = tmp_path / "02_bad.md"
    bad.write_text(MYST.replace("print(6 * 7)", "1 / 0"))
    assert refresh_tool.main([str(good), str(bad)]) == 1
    cells = refresh_tool.jupytext.read(tmp_path / "01_good.ipynb").cells
    assert [[o.get("text") for o in c.outputs] for c in cells if c.cell_type == "code"] == [
        ["42\n"], ["42\n"]]
    assert not (tmp_path / "02_bad.ipynb").exists()
    assert bad.read_text() == MYST.replace("print(6 * 7)", "1 / 0")
    err = capsys.readouterr().err
    assert ("02_bad.md NOT refreshed (its files are unchanged): a cell raised ZeroDivisionError "
            "and is not tagged raises-exception.") in err
    assert err.rstrip().endswith("refresh: failed: 02_bad.md")


def test_refresh_never_undoes_an_edit_made_while_it_runs(tmp_path, capsys):
    """An author (or a second refresh) saves the .md while its cells run: keep that edit."""
    md = tmp_path / "01_edited.md"
    edited = MYST.replace("# A lesson", "# A lesson, edited meanwhile")
    md.write_text(MYST.replace("print(6 * 7)", f"open({str(md)!r}, 'w').write({edited!r})", 1))
    assert refresh_tool.main([str(md)]) == 1
    assert md.read_text() == edited
    assert not (tmp_path / "01_edited.ipynb").exists()
    assert "01_edited.md NOT refreshed (its files are as you left them): it was edited while " \
        "its cells ran" in capsys.readouterr().err


def test_refreshing_an_unchanged_lesson_changes_nothing(tmp_path):
    """Cell ids (also of two identical cells), printed text split by flushes, widget ids."""
    md = tmp_path / "01_lesson.md"
    md.write_text(MYST + """
```{code-cell} ipython3
import time

import ipywidgets
print("a", flush=True)
time.sleep(0.5)
print("b")
ipywidgets.VBox([ipywidgets.IntSlider(3)])
```
""")
    assert refresh_tool.main([str(md)]) == 0
    first = (tmp_path / "01_lesson.ipynb").read_text()
    assert refresh_tool.main([str(md)]) == 0
    assert (tmp_path / "01_lesson.ipynb").read_text() == first
    nb = refresh_tool.jupytext.read(tmp_path / "01_lesson.ipynb")
    assert len({cell.id for cell in nb.cells}) == len(nb.cells)
    last = nb.cells[-1].outputs
    assert [o.output_type for o in last] == ["stream", "execute_result"]
    assert last[0].text == "a\nb\n"
    state = nb.metadata.widgets[refresh_tool.WIDGET_STATE]["state"]
    assert last[1].data["application/vnd.jupyter.widget-view+json"]["model_id"] in state


def test_stabilize_renames_widget_ids_consistently_and_strips_the_checkout_path():
    nbformat = refresh_tool.nbformat

    def notebook(a: str, b: str):
        nb = nbformat.v4.new_notebook()
        nb.metadata.widgets = {refresh_tool.WIDGET_STATE: {"state": {
            a: {"state": {"children": [f"IPY_MODEL_{b}"]}}, b: {"state": {"value": 3}}}}}
        error = nbformat.v4.new_output("error", ename="E", evalue="v", traceback=[
            f"File {refresh_tool.ROOT / '.venv' / 'lib' / 'x.py'}:3"])
        view = nbformat.v4.new_output("display_data", data={
            "application/vnd.jupyter.widget-view+json": {"model_id": a}})
        nb.cells = [nbformat.v4.new_code_cell("x", id="cell", outputs=[error, view])]
        return nb

    one, two = notebook("a" * 32, "b" * 32), notebook("c" * 32, "d" * 32)
    refresh_tool.stabilize(one, "03_x")
    refresh_tool.stabilize(two, "03_x")
    assert one == two
    state = one.metadata.widgets[refresh_tool.WIDGET_STATE]["state"]
    first, second = state
    assert state[first]["state"]["children"] == [f"IPY_MODEL_{second}"]
    outputs = one.cells[0].outputs
    assert outputs[1].data["application/vnd.jupyter.widget-view+json"]["model_id"] == first
    assert outputs[0].traceback == [f"File {Path('.venv') / 'lib' / 'x.py'}:3"]
    other = notebook("a" * 32, "b" * 32)
    refresh_tool.stabilize(other, "04_y")
    assert set(other.metadata.widgets[refresh_tool.WIDGET_STATE]["state"]).isdisjoint(state)


def test_the_start_page_shows_progress_as_of_its_opening(tmp_path, monkeypatch):
    """Minor item of issue 25: the start page's table was a snapshot of the server's start. The
    lab's contents manager refills it at every read of the page; the file is not rewritten."""
    import asyncio
    import json
    import runpy

    from traitlets.config import Config

    from course import workspace
    from course.store import record

    monkeypatch.delenv("COURSE_WORKSPACE", raising=False)
    learner = tmp_path / "ws"
    workspace.sync(learner)
    on_disk = (learner / workspace.START_PAGE).read_bytes()
    assert record("02_logcosh", True, learner)
    hooks = runpy.run_path(str(ROOT / "lab" / "jupyter_server_config.py"),
                           init_globals={"get_config": Config})
    manager = hooks["CourseContentsManager"](root_dir=str(learner))

    def progress_output(path):
        model = asyncio.run(manager.get(path))
        cell = next(c for c in model["content"]["cells"] if c.get("id") == "progress")
        return cell["outputs"][0]["data"]["text/plain"]

    written = json.loads(on_disk)
    stale = next(c for c in written["cells"] if c["id"] == "progress")["outputs"][0]
    assert "02_logcosh" not in stale["data"]["text/plain"].split("passed")[0]
    now = progress_output(workspace.START_PAGE)
    line = next(row for row in now.splitlines() if row.startswith("02_"))
    assert "passed: 02_logcosh" in line, now
    assert (learner / workspace.START_PAGE).read_bytes() == on_disk  # only what is served
    lesson = asyncio.run(manager.get("02_numerical_stability.ipynb"))
    assert lesson["content"]["cells"]  # other notebooks pass through untouched
