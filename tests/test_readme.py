"""The README's lesson table lists every lesson, and every exercise in its lesson's row, with
its kind: what `course.exercises()` has, the README has."""

import re
from pathlib import Path

import course
from course.checks import EXERCISES

ROOT = Path(__file__).resolve().parent.parent
KIND_WORDS = {"predict": "predict", "find_the_bug": "fix"}  # every other kind is "write"


def table_rows() -> dict[str, str]:
    rows = {}
    for line in (ROOT / "README.md").read_text().splitlines():
        m = re.match(r"\| \d+ \| \[`(\d\d_\w+)`\]\(notebooks/\1\.md\) \|", line)
        if m:
            rows[m.group(1)] = line
    return rows


def test_every_lesson_has_a_row_linking_its_source():
    lessons = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.md"))
    assert sorted(table_rows()) == lessons


def test_every_exercise_is_listed_in_its_lessons_row_with_its_kind():
    rows = table_rows()
    for exercise_id in course.exercises():
        ex = EXERCISES[exercise_id]
        word = KIND_WORDS.get(ex.kind, "write")
        assert f"`{exercise_id}` ({word})" in rows[ex.lesson], exercise_id
    listed = {m for row in rows.values() for m in re.findall(r"`(\d\d_\w+)` \(", row)}
    assert listed == set(course.exercises())  # nothing listed that does not exist
