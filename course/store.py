"""The learner's progress: every attempted `course.check` is recorded in the workspace.

The store is SQLite in WAL mode, `<workspace>/.course/progress.sqlite`, one table

    checks(exercise TEXT NOT NULL, passed INTEGER NOT NULL, at TEXT NOT NULL, feedback TEXT)

with `at` in ISO-8601 UTC and `feedback` the first line of what the check said (for a
teacher: where the class is stuck). A store written before `feedback` existed gains the column
at its next record, and reads as before until then.

Each record is one short transaction (`BEGIN IMMEDIATE`, insert, commit) on its own
connection with a generous busy timeout, so two kernels checking at once wait for each other
instead of losing a row, and a crash mid-write leaves the last committed state. A store SQLite
cannot read (junk, a truncated file, another program's database) is renamed aside, never
deleted, with a one-line message, and a new store is started: a check always returns its feedback.

Which workspace: `$COURSE_WORKSPACE` if set, else the nearest folder at or above the current
directory that holds `.course/manifest.json` (what `course.workspace.sync` writes; a kernel
starts in its notebook's folder). Outside a workspace, e.g. while the tests run the lesson
sources, nothing is recorded.

This module uses only the standard library and imports nothing from `course`: the list of
exercises per lesson comes from the workspace's manifest, written by `course.workspace`.
Import it as `from course.store import record, records` (`course.progress` is the
function that shows the table).
"""

from __future__ import annotations

import datetime
import html
import json
import os
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .display import TextView

COURSE_DIR = ".course"  # inside a workspace: the course's own state, hidden in JupyterLab
STORE = Path(COURSE_DIR) / "progress.sqlite"
MANIFEST = Path(COURSE_DIR) / "manifest.json"
COLUMNS = ["exercise", "passed", "at", "feedback"]
OLD_COLUMNS = COLUMNS[:3]  # stores written before the feedback column
SCHEMA = ("CREATE TABLE IF NOT EXISTS checks(exercise TEXT NOT NULL, passed INTEGER NOT NULL, "
          "at TEXT NOT NULL, feedback TEXT)")
FEEDBACK_CHARS = 300
BUSY_TIMEOUT_S = 60.0
BUSY = {getattr(sqlite3, name, None) for name in ("SQLITE_BUSY", "SQLITE_LOCKED")} - {None}
# SQLite's verdicts on a file that is not a readable progress store; anything else (a full
# disk, a read-only folder) leaves the file alone.
DAMAGED = {getattr(sqlite3, name, None) for name in
           ("SQLITE_NOTADB", "SQLITE_CORRUPT", "SQLITE_CANTOPEN")} - {None}


class ProgressStoreError(Exception):
    """A store that cannot be read; the message is one line that names the file."""


def current_workspace(start: str | os.PathLike | None = None) -> Path | None:
    """The workspace this process works in, or None (see the module docstring)."""
    env = os.environ.get("COURSE_WORKSPACE")
    if env:
        return Path(env).expanduser().resolve()
    here = Path(start if start is not None else os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MANIFEST).is_file():
            return folder
    return None


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="microseconds")


def record(exercise_id: str, passed: bool, workspace: str | os.PathLike | None = None,
           feedback: str = "") -> bool:
    """Append one check to the workspace's store; True if it was stored. Never raises: a
    problem is one line on stderr, and a damaged store is set aside and replaced."""
    folder = Path(workspace) if workspace is not None else current_workspace()
    if folder is None:
        return False
    path = folder / STORE
    for attempt in (1, 2):
        try:
            _insert_waiting(path, exercise_id, bool(passed), feedback)
            return True
        except (sqlite3.Error, ProgressStoreError) as e:
            if attempt == 1 and is_damaged(e) and path.exists():
                aside = set_aside(path, e)
                if aside is None:
                    return False
                continue
            warn(f"course: could not record this check in {path} ({describe(e)}); the check "
                 "itself worked.")
            return False
        except OSError as e:
            warn(f"course: could not record this check in {path} ({e.strerror or e}); the "
                 "check itself worked.")
            return False
    return False


def _insert_waiting(path: Path, exercise_id: str, passed: bool, feedback: str = "") -> None:
    """`_insert`, tried again while another connection holds the store. SQLite's busy timeout
    covers most waits, but not all: switching a new store to WAL, or opening it while the last
    connection of another process checkpoints the WAL on close, can fail at once with "database
    is locked" (seen with two kernels writing 200 checks each)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    pause = 0.005
    while True:
        try:
            return _insert(path, exercise_id, passed, feedback)
        except sqlite3.OperationalError as e:
            busy = getattr(e, "sqlite_errorcode", None) in BUSY or "locked" in str(e)
            if not busy or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.2)


def _insert(path: Path, exercise_id: str, passed: bool, feedback: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        if con.execute("PRAGMA journal_mode").fetchone()[0] != "wal":  # WAL persists in the file
            con.execute("PRAGMA journal_mode=WAL")
        con.execute("BEGIN IMMEDIATE")
        con.execute(SCHEMA)
        if _check_columns(con, path) == OLD_COLUMNS:
            con.execute("ALTER TABLE checks ADD COLUMN feedback TEXT")
        line = (feedback.strip().splitlines() or [""])[0][:FEEDBACK_CHARS]
        con.execute("INSERT INTO checks(exercise, passed, at, feedback) VALUES (?, ?, ?, ?)",
                    (exercise_id, int(passed), now(), line))
        con.execute("COMMIT")
    finally:
        con.close()


def _check_columns(con: sqlite3.Connection, path: Path) -> list[str]:
    """The table's columns: COLUMNS, or OLD_COLUMNS (an older store); anything else raises."""
    columns = [row[1] for row in con.execute("PRAGMA table_info(checks)")]
    if columns not in (COLUMNS, OLD_COLUMNS):
        raise ProgressStoreError(f"{path} has a table `checks` with columns {columns}, not "
                                 f"{COLUMNS}")
    return columns


def is_damaged(error: Exception) -> bool:
    return isinstance(error, ProgressStoreError) or getattr(
        error, "sqlite_errorcode", None) in DAMAGED


def describe(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def warn(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def set_aside(path: Path, error: Exception) -> Path | None:
    """Rename a damaged store (and its -wal/-shm files) to `<name>.damaged-<UTC time>`; never
    delete it. Returns the new path, or None if it could not be moved (said on stderr)."""
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    try:
        path.rename(aside)
        for suffix in ("-wal", "-shm"):
            extra = path.with_name(path.name + suffix)
            if extra.exists():
                extra.rename(aside.with_name(aside.name + suffix))
    except OSError as e:
        warn(f"course: your progress store {path} cannot be read ({describe(error)}) nor moved "
             f"aside ({e.strerror or e}); this check is not recorded, the check itself worked.")
        return None
    warn(f"course: your progress store could not be read ({describe(error)}); it was kept as "
         f"{aside.name} in {path.parent} and a new one started.")
    return aside


def records(workspace: str | os.PathLike | None = None) -> list[dict]:
    """Every recorded check, oldest first, as {"exercise", "passed", "at"}. Opens the store
    read-only (a teacher can read a learner's store without writing it); a missing store is
    no checks. Raises ProgressStoreError (one line) if the store cannot be read."""
    folder = Path(workspace) if workspace is not None else current_workspace()
    if folder is None:
        return []
    path = folder / STORE
    if not path.exists():
        return []
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                              timeout=BUSY_TIMEOUT_S)
        try:
            tables = {row[0] for row in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "checks" not in tables:
                return []
            _check_columns(con, path)
            rows = con.execute("SELECT exercise, passed, at FROM checks ORDER BY rowid").fetchall()
        finally:
            con.close()
    except sqlite3.Error as e:
        raise ProgressStoreError(f"the progress store {path} cannot be read: {describe(e)}") \
            from None
    return [{"exercise": e, "passed": bool(p), "at": at} for e, p, at in rows]


# The table.

@dataclass
class LessonProgress:
    file: str  # "02_numerical_stability.ipynb", relative to the workspace
    title: str
    passed: list[str] = field(default_factory=list)
    attempted: list[str] = field(default_factory=list)  # checked, never passed
    not_started: list[str] = field(default_factory=list)
    note: str = ""  # e.g. a newer version of the lesson exists

    @property
    def number(self) -> str:
        return self.file.split("_", 1)[0]


@dataclass(repr=False)
class ProgressTable(TextView):
    """Per lesson: exercises passed, attempted (checked but never passed), not started.
    Shows as an HTML table in Jupyter, and as text with print()."""

    lessons: list[LessonProgress]
    message: str = ""  # a one-line problem with the store, if any

    def counts(self) -> tuple[int, int, int]:
        return (sum(len(lp.passed) for lp in self.lessons),
                sum(len(lp.attempted) for lp in self.lessons),
                sum(len(lp.not_started) for lp in self.lessons))

    def summary(self) -> str:
        passed, attempted, not_started = self.counts()
        total = passed + attempted + not_started
        return (f"{passed} of {total} exercises passed, {attempted} attempted, "
                f"{not_started} not started.")

    def text(self) -> str:
        lines = [f"Your progress: {self.summary()}"]
        if self.message:
            lines.append(self.message)
        for lp in self.lessons:
            parts = [f"passed: {', '.join(lp.passed) or '-'}",
                     f"attempted: {', '.join(lp.attempted) or '-'}",
                     f"not started: {', '.join(lp.not_started) or '-'}"]
            if not (lp.passed or lp.attempted or lp.not_started):
                parts = ["no exercise"]
            lines.append(f"{lp.file}  {'; '.join(parts)}" + (f"  ({lp.note})" if lp.note else ""))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        def cell(ids: list[str], color: str) -> str:
            return (f'<td style="color:{color}; text-align:left">'
                    f"{'<br>'.join(html.escape(i) for i in ids)}</td>")

        rows = []
        for lp in self.lessons:
            note = (f'<br><span style="color:#e8590c">{html.escape(lp.note)}</span>'
                    if lp.note else "")
            empty = not (lp.passed or lp.attempted or lp.not_started)
            status = ('<td colspan="3" style="color:#868e96; text-align:left">no exercise</td>'
                      if empty else cell(lp.passed, "#2b8a3e") + cell(lp.attempted, "#c92a2a")
                      + cell(lp.not_started, "#868e96"))
            rows.append(
                f'<tr data-lesson="{html.escape(lp.number)}"><td style="text-align:left">'
                f'<a href="{html.escape(lp.file)}">{html.escape(lp.file.removesuffix(".ipynb"))}'
                f"</a><br>{html.escape(lp.title)}{note}</td>{status}</tr>")
        message = (f'<p style="color:#c92a2a">{html.escape(self.message)}</p>'
                   if self.message else "")
        return (f'<div class="course-progress"><p><b>Your progress:</b> '
                f"{html.escape(self.summary())}</p>{message}<table>"
                '<thead><tr><th style="text-align:left">lesson</th>'
                '<th style="text-align:left">passed</th><th style="text-align:left">attempted'
                '</th><th style="text-align:left">not started</th></tr></thead>'
                f"<tbody>{''.join(rows)}</tbody></table></div>")


def read_manifest(workspace: Path) -> dict:
    try:
        return json.loads((workspace / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def progress(workspace: str | os.PathLike | None = None) -> ProgressTable:
    """Your progress per lesson: exercises passed, attempted, not started (`course.progress()`).

    Reads the workspace's manifest (lessons and their exercises) and store; a store that
    cannot be read is set aside, and the table says so.

    >>> import course, tempfile
    >>> course.progress(tempfile.mkdtemp())  # a folder that is not a workspace yet
    Your progress: 0 of 0 exercises passed, 0 attempted, 0 not started.
    """
    folder = Path(workspace) if workspace is not None else current_workspace()
    if folder is None:
        return ProgressTable([], "Not in a course workspace: `python3 run.py lab` opens "
                                 "yours, and records your checks there.")
    message = ""
    try:
        checks = records(folder)
    except ProgressStoreError as e:
        aside = set_aside(folder / STORE, e)
        message = str(e) + (f"; it was kept as {aside.name}, and a new store starts with your "
                            "next check." if aside else ".")
        checks = []
    return make_table(checks, read_manifest(folder).get("lessons", []), message)


def make_table(checks: list[dict], lessons: list[dict], message: str = "") -> ProgressTable:
    """The table for `checks` (as `records` returns them) over the manifest's `lessons`
    ({"file", "title", "exercises", "note"})."""
    passed = {c["exercise"] for c in checks if c["passed"]}
    tried = {c["exercise"] for c in checks}
    rows = []
    for entry in sorted(lessons, key=lambda e: e["file"]):
        lp = LessonProgress(entry["file"], entry.get("title", ""), note=entry.get("note", ""))
        for ex in entry.get("exercises", []):
            (lp.passed if ex in passed else lp.attempted if ex in tried
             else lp.not_started).append(ex)
        rows.append(lp)
    return ProgressTable(rows, message)

