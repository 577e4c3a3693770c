"""course.workspace: the first copy, the update rule, reset, the start page, the command line.

Every test works on a copy of the course's lessons (`source`), never on notebooks/."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import run
from course import workspace as ws
from course.store import MANIFEST, record

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture
def source(tmp_path):
    """A copy of the course's lesson notebooks, free to change."""
    folder = tmp_path / "course"
    folder.mkdir()
    for name in LESSONS:
        shutil.copy(ROOT / "notebooks" / name, folder / name)
    return folder


@pytest.fixture
def learner(tmp_path, source, monkeypatch):
    """A synced workspace (the first launch)."""
    monkeypatch.delenv("COURSE_WORKSPACE", raising=False)
    folder = tmp_path / "workspace"
    ws.sync(folder, source)
    return folder


def nb(path: Path) -> dict:
    return json.loads(path.read_text())


def change_course(source: Path, name: str, text: str) -> None:
    """A new course version of lesson `name`: one more markdown cell."""
    notebook = nb(source / name)
    notebook["cells"].append({"cell_type": "markdown", "id": "new-in-course", "metadata": {},
                              "source": text})
    (source / name).write_text(json.dumps(notebook, indent=1))


def edit(path: Path, old: str, new: str) -> None:
    """What a learner's save does: a cell's source changes."""
    notebook = nb(path)
    cell = next(c for c in notebook["cells"] if old in ws.cell_source(c))
    cell["source"] = ws.cell_source(cell).replace(old, new)
    path.write_text(json.dumps(notebook, indent=1))


def test_the_workspace_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_WORKSPACE", raising=False)
    assert ws.workspace_dir() == ROOT / "workspace"
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "mine"))
    assert ws.workspace_dir() == tmp_path / "mine"
    assert "/workspace/" in (ROOT / ".gitignore").read_text().splitlines()


def test_run_py_uses_the_same_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_WORKSPACE", raising=False)
    assert Path(run.workspace_path()) == ws.workspace_dir()
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "mine"))
    assert Path(run.workspace_path()) == ws.workspace_dir()


def test_first_launch_copies_one_notebook_per_lesson_and_a_start_page(learner, source):
    files = sorted(p.name for p in learner.iterdir() if not p.name.startswith("."))
    assert files == [ws.START_PAGE] + LESSONS
    for name in LESSONS:
        mine, course = nb(learner / name), nb(source / name)
        assert ws.cells_sha(mine) == ws.cells_sha(course)
        assert [c.get("outputs") for c in mine["cells"]] == [
            c.get("outputs") for c in course["cells"]]  # the stored outputs come along
        assert "jupytext" in course["metadata"] and "jupytext" not in mine["metadata"]
    manifest = json.loads((learner / MANIFEST).read_text())
    assert [e["file"] for e in manifest["lessons"]] == LESSONS
    assert manifest["lessons"][1]["title"].startswith("2. ")
    assert "02_logcosh" in manifest["lessons"][1]["exercises"]


def test_a_sync_reads_the_course_and_writes_only_the_workspace(tmp_path, source):
    before = {p: p.read_bytes() for p in source.iterdir()}
    ws.sync(tmp_path / "w", source)
    ws.sync(tmp_path / "w", source)
    assert {p: p.read_bytes() for p in source.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course", "w"]


def test_a_second_launch_without_course_changes_touches_no_lesson(learner, source):
    edit(learner / LESSONS[1], 'raise NotImplementedError("replace this line with your rule")',
         "return logcosh(x), jnp.tanh(x) * x_dot")
    before = {name: (learner / name).read_bytes() for name in LESSONS}
    report = ws.sync(learner, source)
    assert {name: (learner / name).read_bytes() for name in LESSONS} == before
    assert report.status(LESSONS[1]) == "changed"
    assert {report.status(n) for n in LESSONS if n != LESSONS[1]} == {"current"}
    assert not (learner / ws.BACKUPS).exists()


def test_a_course_update_never_overwrites_an_edit(learner, source):
    edited, untouched, run_only = LESSONS[1], LESSONS[2], LESSONS[3]
    edit(learner / edited, 'raise NotImplementedError("replace this line with your rule")',
         "return logcosh(x), jnp.tanh(x) * x_dot  # mine")
    ran = nb(learner / run_only)  # run, not edited: only outputs change
    ran["cells"][-1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "hi\n"}]
    (learner / run_only).write_text(json.dumps(ran, indent=1))
    mine_before = (learner / edited).read_bytes()
    for name in (edited, untouched, run_only):
        change_course(source, name, "New in this version.")
    shutil.copy(source / LESSONS[0], source / "12_new_lesson.ipynb")

    report = ws.sync(learner, source)

    assert (learner / edited).read_bytes() == mine_before
    assert report.status(edited) == "kept"
    assert "python3 run.py reset 02" in str(report)
    manifest = json.loads((learner / MANIFEST).read_text())
    assert "A newer version of this lesson exists" in next(
        e["note"] for e in manifest["lessons"] if e["file"] == edited)
    start = (learner / ws.START_PAGE).read_text()
    assert "python3 run.py reset 02" in start and "A newer version exists" in start

    assert report.status(untouched) == "updated"
    assert f"  {untouched}: updated to the course's new version (you had not changed it)\n" in \
        str(report)
    assert "New in this version." in ws.cell_source(nb(learner / untouched)["cells"][-1])
    assert report.status(run_only) == "updated"  # its run is moved aside, not lost
    (backup,) = (learner / ws.BACKUPS).glob(f"*/{run_only}")
    assert nb(backup) == ran
    assert report.status("12_new_lesson.ipynb") == "added"
    assert (learner / "12_new_lesson.ipynb").exists()

    # Next launch: still kept, still told; nothing else moves.
    again = ws.sync(learner, source)
    assert again.status(edited) == "kept" and (learner / edited).read_bytes() == mine_before
    assert {again.status(n) for n in (untouched, run_only, "12_new_lesson.ipynb")} == {
        "current"}


def test_a_deleted_lesson_comes_back_and_a_removed_one_stays(learner, source):
    (learner / LESSONS[4]).unlink()
    (source / LESSONS[5]).unlink()
    report = ws.sync(learner, source)
    assert report.status(LESSONS[4]) == "restored" and (learner / LESSONS[4]).exists()
    assert (learner / LESSONS[5]).exists()


def test_without_a_manifest_files_are_the_learners_unless_they_are_the_courses(learner, source):
    (learner / MANIFEST).unlink()
    edit(learner / LESSONS[1], "answer = logcosh", "answer = logcosh  # mine")
    (learner / LESSONS[2]).write_text("{ not json")
    change_course(source, LESSONS[0], "New.")
    change_course(source, LESSONS[1], "New.")
    report = ws.sync(learner, source)
    assert report.status(LESSONS[3]) == "current"  # same cells as the course: adopted
    # Its cells are an older course's, which the lost manifest no longer knows: kept.
    assert report.status(LESSONS[0]) == "kept"
    assert report.status(LESSONS[1]) == "kept"
    assert report.status(LESSONS[2]) == "kept"  # unreadable: never overwritten
    assert (learner / LESSONS[2]).read_text() == "{ not json"


def test_reset_restores_the_lesson_and_keeps_the_learners_copy(learner, source):
    edit(learner / LESSONS[1], "answer = logcosh", "answer = logcosh  # mine")
    change_course(source, LESSONS[1], "New in this version.")
    ws.sync(learner, source)
    mine = (learner / LESSONS[1]).read_bytes()

    report = ws.reset("02", learner, source)

    restored = nb(learner / LESSONS[1])
    (backup,) = (learner / ws.BACKUPS).glob(f"*/{LESSONS[1]}")
    # The course's lesson, marked as reset (lab/jupyter_server_config.py reads the mark).
    mark = restored["metadata"].pop(ws.RESET_KEY)
    assert mark == {"at": backup.parent.name, "backup": str(backup.relative_to(learner))}
    assert restored == ws.learner_copy(source / LESSONS[1])
    assert backup.read_bytes() == mine
    assert f"your copy is in {backup.relative_to(learner)}" in str(report)
    assert "A newer version exists" not in (learner / ws.START_PAGE).read_text()
    assert ws.sync(learner, source).status(LESSONS[1]) == "current"
    edit(learner / LESSONS[1], "answer = logcosh", "answer = logcosh  # mine again")
    ws.reset(2, learner, source)  # a second reset: another dated folder, nothing overwritten
    assert len(list((learner / ws.BACKUPS).glob(f"*/{LESSONS[1]}"))) == 2


def test_reset_of_a_lesson_never_changed_or_run_backs_up_nothing(learner, source):
    report = ws.reset("03", learner, source)
    assert str(report).endswith(f"{LESSONS[2]}: restored from the course (you had not changed "
                                "or run it: nothing to back up)")
    assert not (learner / ws.BACKUPS).exists()
    assert ws.RESET_KEY not in nb(learner / LESSONS[2])["metadata"]
    ran = nb(learner / LESSONS[2])  # run: its outputs are worth a backup
    ran["cells"][-1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "hi\n"}]
    (learner / LESSONS[2]).write_text(json.dumps(ran, indent=1))
    assert "your copy is in backups/" in str(ws.reset("03", learner, source))


def test_reset_from_a_cell_uses_the_workspace_variable(learner, source, monkeypatch):
    monkeypatch.setenv("COURSE_WORKSPACE", str(learner))
    edit(learner / LESSONS[1], "answer = logcosh", "answer = logcosh  # mine")
    ws.reset("02", source=source)
    assert "# mine" in next((learner / ws.BACKUPS).glob(f"*/{LESSONS[1]}")).read_text()


@pytest.mark.parametrize("lesson", ["13", "tldr", "02_tldr", ""])
def test_reset_of_an_unknown_lesson_says_which_exist(learner, source, lesson):
    with pytest.raises(ws.WorkspaceError,
                       match=r"^no lesson .* in the course: give its number, one of 01, 02, "):
        ws.reset(lesson, learner, source)


def test_reset_accepts_the_lessons_name(learner, source):
    assert ws.find_lesson("02_numerical_stability", source).name == LESSONS[1]
    assert ws.find_lesson("02_numerical_stability.ipynb", source).name == LESSONS[1]


def test_the_start_page_has_one_entry_per_lesson_with_progress(learner, source):
    record("02_logcosh", True, learner)
    ws.sync(learner, source)
    page = nb(learner / ws.START_PAGE)
    (output,) = page["cells"][-1]["outputs"]
    html = output["data"]["text/html"]
    assert html.count("<tr data-lesson=") == len(LESSONS)
    for name in LESSONS:
        assert f'<a href="{name}">' in html
    assert "1 of " in output["data"]["text/plain"]
    assert ws.cell_source(page["cells"][-1]) == "import course\n\ncourse.progress()"


def test_a_start_page_the_learner_changed_is_moved_aside(learner, source):
    edit(learner / ws.START_PAGE, "# Start here", "# Start here (my notes)")
    report = ws.sync(learner, source)
    (backup,) = (learner / ws.BACKUPS).glob(f"*/{ws.START_PAGE}")
    assert "(my notes)" in backup.read_text()
    assert "(my notes)" not in (learner / ws.START_PAGE).read_text()
    assert "moved to backups/" in str(report)
    # A start page that was only run (its output changed, and Shift+Enter on the last cell
    # added an empty one) is simply rewritten.
    page = nb(learner / ws.START_PAGE)
    page["cells"][-1]["outputs"] = []
    page["cells"].append({"cell_type": "code", "id": "new", "metadata": {}, "outputs": [],
                          "source": "", "execution_count": None})
    (learner / ws.START_PAGE).write_text(json.dumps(page))
    ws.sync(learner, source)
    assert len(list((learner / ws.BACKUPS).glob(f"*/{ws.START_PAGE}"))) == 1


def test_the_start_page_has_the_kernels_language_info(learner):
    """JupyterLab marks a notebook modified when the kernel's language_info differs."""
    from ipykernel.ipkernel import IPythonKernel

    assert nb(learner / ws.START_PAGE)["metadata"]["language_info"] == \
        IPythonKernel.language_info


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "course.workspace", *args], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, **(env or {})}, timeout=300)


def test_the_command_line(tmp_path, source):
    target = tmp_path / "cli"
    first = cli("--source", str(source), "sync", str(target))
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(f"Workspace {target}: {len(LESSONS)} added")
    assert first.stderr == ""
    edit(target / LESSONS[1], "answer = logcosh", "answer = logcosh  # mine")
    reset = cli("--source", str(source), "reset", "02", env={"COURSE_WORKSPACE": str(target)})
    assert reset.returncode == 0, reset.stderr
    assert f"{LESSONS[1]}: restored from the course; your copy is in backups/" in reset.stdout
    bad = cli("--source", str(source), "reset", "99", str(target))
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0
    assert bad.stderr.startswith("course.workspace: no lesson '99' in the course")
    missing = cli("--source", str(tmp_path / "nowhere"), "sync", str(target))
    assert missing.returncode == 2
    assert missing.stderr == f"course.workspace: the course's lessons are not at " \
                             f"{tmp_path / 'nowhere'}\n"


def test_the_exercise_ids_read_from_the_lessons_are_the_registry(source):
    """The workspace and the teacher's view read each lesson's exercises from its
    `course.check("ID", answer)` cells, without JAX; they must be the registry's, lesson by
    lesson and in order."""
    from course.checks import EXERCISES  # noqa: PLC0415 - the registry, with JAX

    by_lesson: dict[str, list[str]] = {}
    for exercise in EXERCISES.values():
        by_lesson.setdefault(exercise.lesson, []).append(exercise.id)
    read = {p.stem: ws.exercise_ids(nb(p)) for p in sorted(source.glob("*.ipynb"))}
    assert read == {lesson: sorted(by_lesson.get(lesson, [])) for lesson in read}
    assert set(by_lesson) <= set(read)
    assert ws.course_exercises(source) == sorted(EXERCISES)


JAX_FREE = {
    "course.workspace sync": "import runpy, sys; sys.argv = ['course.workspace', '--source', "
                             "{source!r}, 'sync', {target!r}]; runpy.run_module("
                             "'course.workspace', run_name='__main__')",
    "course.store": "from course.store import records, record; records({target!r})",
    "course.progress()": "import course; print(course.progress({target!r}))",
    "the teacher's view": "from classroom import teacher; teacher.course_exercises()",
}


@pytest.mark.parametrize("what", sorted(JAX_FREE))
def test_the_workspace_the_store_and_the_teachers_view_load_no_jax(what, tmp_path, source):
    """A classroom login syncs the workspace, and the teacher's page reads every store: JAX
    (4 s, 300 modules) must not load on those paths."""
    code = JAX_FREE[what].format(source=str(source), target=str(tmp_path / "ws"))
    # atexit: the command line ends with sys.exit
    probe = ("import atexit, sys\natexit.register(lambda: print('JAX MODULES', sorted("
             "m for m in sys.modules if m.split('.')[0] in ('jax', 'jaxlib'))[:5]))\n" + code)
    env = {k: v for k, v in os.environ.items() if k != "COURSE_WORKSPACE"}
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("JAX MODULES []"), done.stdout
