"""course.progress: the SQLite store of checks, its table, a damaged store set aside, two
processes writing at once, and course.check recording the learner's attempts."""

import datetime
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from answers import WRONG

import course
from course.checks import namespace
from course.store import (
    MANIFEST,
    STORE,
    ProgressStoreError,
    current_workspace,
    progress,
    record,
    records,
)

ROOT = Path(__file__).resolve().parent.parent


def make_workspace(folder: Path, lessons=None) -> Path:
    """A folder with the manifest `course.workspace.sync` would write (lessons only)."""
    lessons = lessons if lessons is not None else [
        {"file": "01_a.ipynb", "title": "1. A", "exercises": ["01_x", "01_y"], "note": ""},
        {"file": "02_b.ipynb", "title": "2. B", "exercises": ["02_z"],
         "note": "A newer version of this lesson exists."},
        {"file": "03_c.ipynb", "title": "3. C", "exercises": [], "note": ""},
    ]
    (folder / MANIFEST).parent.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).write_text(json.dumps({"lessons": lessons}))
    return folder


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    return make_workspace(tmp_path)


def test_record_then_records_in_order_with_utc_times(workspace):
    before = datetime.datetime.now(datetime.UTC)
    assert record("01_x", False) and record("01_x", True) and record("02_z", 0)
    rows = records()
    assert [(r["exercise"], r["passed"]) for r in rows] == [
        ("01_x", False), ("01_x", True), ("02_z", False)]
    times = [datetime.datetime.fromisoformat(r["at"]) for r in rows]
    assert all(t.utcoffset() == datetime.timedelta(0) for t in times)
    assert before <= times[0] <= times[1] <= times[2] <= datetime.datetime.now(datetime.UTC)


def test_the_store_is_sqlite_in_wal_mode_with_the_documented_table(workspace):
    record("01_x", True)
    con = sqlite3.connect(workspace / STORE)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        columns = [(name, kind, notnull) for _, name, kind, notnull, *_ in
                   con.execute("PRAGMA table_info(checks)")]
    finally:
        con.close()
    assert columns == [("exercise", "TEXT", 1), ("passed", "INTEGER", 1), ("at", "TEXT", 1),
                       ("feedback", "TEXT", 0)]


def test_a_store_from_before_the_feedback_column_is_read_then_extended(workspace):
    """A learner's store written before `feedback` existed keeps its rows: it reads as before,
    and the next record adds the column (and its first line of feedback)."""
    (workspace / STORE).parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(workspace / STORE)
    con.execute("CREATE TABLE checks(exercise TEXT NOT NULL, passed INTEGER NOT NULL, "
                "at TEXT NOT NULL)")
    con.execute("INSERT INTO checks VALUES ('01_x', 0, '2026-12-01T10:00:00+00:00')")
    con.commit()
    con.close()
    assert [r["exercise"] for r in records()] == ["01_x"]
    assert record("01_x", False, feedback="at x=0.5: expected 1.0, got -1.0.\nmore lines")
    con = sqlite3.connect(workspace / STORE)
    rows = con.execute("SELECT exercise, passed, feedback FROM checks").fetchall()
    con.close()
    assert rows == [("01_x", 0, None), ("01_x", 0, "at x=0.5: expected 1.0, got -1.0.")]
    assert [r["exercise"] for r in records()] == ["01_x", "01_x"]


def test_records_reads_without_writing(workspace):
    assert records() == [] and not (workspace / STORE).exists()  # a missing store: no checks
    record("01_x", True)
    before = (workspace / STORE).read_bytes(), (workspace / STORE).stat().st_mtime_ns
    # Opened read-only: even an insert through that connection is refused.
    uri = f"{(workspace / STORE).as_uri()}?mode=ro"
    con = sqlite3.connect(uri, uri=True)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        con.execute("INSERT INTO checks(exercise, passed, at) VALUES ('01_y', 1, 'now')")
    con.close()
    assert [r["exercise"] for r in records(workspace)] == ["01_x"]
    assert ((workspace / STORE).read_bytes(), (workspace / STORE).stat().st_mtime_ns) == before


def test_the_workspace_is_found_from_a_subfolder_and_the_variable_wins(workspace, tmp_path,
                                                                       monkeypatch):
    sub = workspace / "backups" / "x"
    sub.mkdir(parents=True)
    assert current_workspace(sub) == workspace.resolve()
    other = make_workspace(tmp_path / "other")
    monkeypatch.setenv("COURSE_WORKSPACE", str(other))
    assert current_workspace(sub) == other.resolve()


def test_outside_a_workspace_nothing_is_recorded(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert current_workspace() is None
    assert record("01_x", True) is False
    assert list(tmp_path.iterdir()) == []
    assert "Not in a course workspace" in str(progress())


@pytest.mark.parametrize("content", [b"this is not a database\n" * 50,
                                     b"SQLite format 3\x00" + b"\xff" * 4000])
def test_a_junk_store_is_kept_aside_with_one_line_and_checks_go_on(workspace, capsys, content):
    (workspace / STORE).write_bytes(content)
    assert record("01_x", True)
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("course: your progress store could not be read (")
    aside = sorted((workspace / STORE).parent.glob("progress.sqlite.damaged-*"))
    assert len(aside) == 1 and aside[0].name in err
    assert aside[0].read_bytes() == content
    assert [r["exercise"] for r in records()] == ["01_x"]


def test_another_programs_database_is_not_written_into(workspace, capsys):
    con = sqlite3.connect(workspace / STORE)
    con.execute("CREATE TABLE checks(id INTEGER, what TEXT)")
    con.execute("INSERT INTO checks VALUES (1, 'theirs')")
    con.commit()
    con.close()
    with pytest.raises(ProgressStoreError, match="columns"):
        records()
    assert record("01_x", False)
    assert "could not be read" in capsys.readouterr().err
    (aside,) = (workspace / STORE).parent.glob("progress.sqlite.damaged-*")
    con = sqlite3.connect(aside)
    assert con.execute("SELECT * FROM checks").fetchall() == [(1, "theirs")]
    con.close()


def test_the_table_per_lesson(workspace):
    for exercise, passed in [("01_x", False), ("01_x", True), ("02_z", False), ("02_z", False)]:
        record(exercise, passed)
    table = progress()
    assert [(lp.file, lp.passed, lp.attempted, lp.not_started) for lp in table.lessons] == [
        ("01_a.ipynb", ["01_x"], [], ["01_y"]), ("02_b.ipynb", [], ["02_z"], []),
        ("03_c.ipynb", [], [], [])]
    text = str(table)
    assert text.splitlines()[0] == ("Your progress: 1 of 3 exercises passed, 1 attempted, "
                                    "1 not started.")
    assert "01_a.ipynb  passed: 01_x; attempted: -; not started: 01_y" in text
    assert "(A newer version of this lesson exists.)" in text
    assert "03_c.ipynb  no exercise" in text
    page = table._repr_html_()
    assert page.count("<tr data-lesson=") == 3
    assert '<a href="02_b.ipynb">02_b</a>' in page


def test_the_table_sets_a_junk_store_aside_and_says_so(workspace, capsys):
    (workspace / STORE).write_bytes(b"junk" * 100)
    table = progress()
    assert "cannot be read: file is not a database; it was kept as progress.sqlite.damaged-" \
        in table.message
    assert "could not be read" in capsys.readouterr().err
    assert table.counts() == (0, 0, 3)


WRITER = """
import sys, time
from pathlib import Path
from course.store import record
workspace, name, n, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
print("ready", flush=True)
while not go.exists():
    time.sleep(0.001)
ok = sum(record(f"{name}_{i}", i % 2 == 0, workspace) for i in range(n))
print(ok, flush=True)
"""


def test_two_processes_record_200_checks_each_at_once_and_none_is_lost(workspace):
    go = workspace / "go"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(workspace), name, "200",
                                 str(go)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
               for name in ("a", "b")]
    for w in writers:  # both have imported course and wait for the same start
        assert w.stdout.readline().strip() == "ready"
    go.touch()
    outputs = [w.communicate(timeout=300)[0].strip() for w in writers]
    assert outputs == ["200", "200"]
    rows = records(workspace)
    assert len(rows) == 400
    for name in ("a", "b"):
        mine = [r["exercise"] for r in rows if r["exercise"].startswith(name + "_")]
        assert mine == [f"{name}_{i}" for i in range(200)]  # each in its own order


def test_a_writer_killed_mid_write_leaves_a_readable_store(workspace):
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(workspace), "k", "100000",
                               str(workspace / "go")], stdout=subprocess.PIPE, text=True,
                              cwd=ROOT)
    assert writer.stdout.readline().strip() == "ready"
    (workspace / "go").touch()
    deadline = time.time() + 120
    while len(records(workspace)) < 50 and time.time() < deadline:
        time.sleep(0.05)
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    writer.stdout.close()
    rows = records(workspace)
    assert len(rows) >= 50
    assert [r["exercise"] for r in rows] == [f"k_{i}" for i in range(len(rows))]
    con = sqlite3.connect(workspace / STORE)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    assert record("after", True, workspace)


# course.check records the learner's attempts.

def test_check_records_attempts_and_not_the_untouched_scaffold(workspace):
    scope = namespace()
    exec(WRONG["02_logcosh"]["unstable form"], scope)
    assert course.check("02_logcosh", None).attempted is False
    assert course.check("02_logcosh", scope["answer"]).passed is False
    assert course.check("02_logcosh", course.solution("02_logcosh")).passed is True
    assert [(r["exercise"], r["passed"]) for r in records()] == [
        ("02_logcosh", False), ("02_logcosh", True)]


def test_a_check_in_the_lesson_sources_is_not_recorded(monkeypatch):
    """The tests run the lessons in notebooks/, which is no workspace."""
    monkeypatch.delenv("COURSE_WORKSPACE", raising=False)
    monkeypatch.chdir(ROOT / "notebooks")
    assert current_workspace() is None
    assert not os.path.exists(ROOT / "notebooks" / STORE)
