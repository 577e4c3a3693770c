"""A check grades its own exercise (issue 20): `course.check(id, answer)` never grades an `answer`
that its exercise's cell did not produce, says so instead, and records nothing. The cells run
in IPython as JupyterLab runs them, with their nbformat cell ids."""

import json
from pathlib import Path

import pytest
from IPython import get_ipython as running_ipython
from IPython.testing.globalipapp import get_ipython as start_ipython

from course import answer_cells
from course.answer_cells import CELL_ID_PREFIX, label_exercise_cells, sets_answer
from course.answer_cells import register_with_ipython as register
from course.checks import EXERCISES
from course.store import MANIFEST, records

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
FAILED = "The exercise cell above has not run successfully: it raised an error"
LOGCOSH = '''@custom_jvp
def logcosh(x):
  return jnp.log(jnp.cosh(x))

@logcosh.defjvp
def logcosh_jvp(primals, tangents):
  x, = primals
  x_dot, = tangents
  return logcosh(x), jnp.tanh(x) * x_dot

answer = logcosh
'''


@pytest.fixture
def shell(tmp_path, monkeypatch):
    """IPython with `import course` done, following cells; progress goes to a fresh workspace."""
    (tmp_path / MANIFEST).parent.mkdir(parents=True)
    (tmp_path / MANIFEST).write_text(json.dumps({"lessons": []}))
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path))
    ip = ipython()
    register()  # `import course` does it (%%solution and answer_cells), before IPython here
    ip.run_cell("import course\nimport jax\nimport jax.numpy as jnp\nfrom jax import custom_jvp")
    answer_cells._tracker.last = None
    ip.user_ns.pop("answer", None)
    yield ip
    answer_cells._tracker.last = None


def ipython():
    """The test IPython shell (globalipapp's get_ipython starts it once, then returns None)."""
    return running_ipython() or start_ipython()


def cell(ip, source: str, exercise: str | None = None, cell_id: str | None = None):
    """Run `source` as JupyterLab runs a cell: with its id (`exercise-<id>` for the lesson's
    exercise cell of `exercise`)."""
    if exercise is not None:
        cell_id = CELL_ID_PREFIX + exercise
    return ip.run_cell(source, cell_id=cell_id)


def check(ip, exercise_id: str):
    result = ip.run_cell(f'course.check("{exercise_id}", answer)', cell_id=f"c-{exercise_id}")
    assert result.success, result.error_in_exec
    return result.result


def test_a_syntax_error_in_the_exercise_cell_leaves_the_old_answer_ungraded(shell):
    """The newcomer's walk: after Run All `answer` is the last exercise's; an edit of
    02_logcosh's cell fails to parse; its check must not grade log_sigmoid."""
    cell(shell, LOGCOSH.replace("answer = logcosh", "answer = logcosh\nlog_sigmoid = 1"),
         "02_log_sigmoid")  # some other exercise's answer, left by Run All
    broken = cell(shell, LOGCOSH.replace("  x, = primals", "return x"), "02_logcosh")
    assert broken.error_before_exec is not None  # SyntaxError: 'return' outside function
    feedback = check(shell, "02_logcosh")
    assert not feedback.passed and not feedback.attempted
    assert feedback.message.startswith(FAILED)
    assert "See lesson" not in feedback.message  # not a lesson matter
    assert records() == []


def test_a_name_error_in_a_prediction_cell_leaves_the_old_answer_ungraded(shell):
    cell(shell, "answer = 2", "05_jit_traces")
    assert not cell(shell, "answer = nan", "02_outer_chain").success  # NameError
    feedback = check(shell, "02_outer_chain")
    assert feedback.message.startswith(FAILED) and not feedback.attempted
    assert records() == []


def test_an_answer_from_another_exercises_cell_is_not_graded(shell):
    cell(shell, LOGCOSH, "02_logcosh")
    feedback = check(shell, "02_log_sigmoid")  # its own cell was never run
    assert not feedback.attempted
    assert feedback.message == (
        "Your `answer` was set by the cell of exercise 02_logcosh, not by this exercise's "
        "cell: run the exercise cell above (it sets `answer`), then run this check again.")
    assert records() == []


def test_the_exercises_own_cell_is_graded_and_recorded(shell):
    cell(shell, LOGCOSH, "02_logcosh")
    feedback = check(shell, "02_logcosh")
    assert feedback.passed, feedback.message
    cell(shell, 'answer = "12,000"', "12_checkpoint_residuals")
    assert check(shell, "12_checkpoint_residuals").passed
    assert [(r["exercise"], r["passed"]) for r in records()] == [
        ("02_logcosh", True), ("12_checkpoint_residuals", True)]


def test_a_cell_of_the_learners_own_or_no_cell_ids_is_graded(shell):
    cell(shell, LOGCOSH, "02_log_sigmoid")
    cell(shell, "answer = 3", cell_id="my-scratch-cell")  # a cell the learner added
    assert "you predicted 3" in check(shell, "05_jit_traces").message
    cell(shell, "answer = 1.0")  # a front end that sends no cell ids
    assert check(shell, "02_outer_chain").passed
    assert len(records()) == 2


def test_setting_answer_and_checking_in_one_cell_is_graded(shell):
    cell(shell, "answer = nan", "02_outer_chain")  # failed
    result = cell(shell, 'answer = "nan"\ncourse.check("03_unsimplified", answer)',
                  cell_id="mine")
    assert result.result.passed


def test_a_value_passed_by_another_name_is_graded(shell):
    cell(shell, "answer = nan", "02_outer_chain")  # failed
    cell(shell, LOGCOSH.replace("answer = logcosh", "mine = logcosh"), cell_id="mine")
    result = shell.run_cell('course.check("02_logcosh", mine)', cell_id="c")
    assert result.result.passed


def test_a_solution_cell_does_not_count_as_setting_answer(shell):
    cell(shell, LOGCOSH, "02_logcosh")
    source = f"%%solution 02_outer_chain\n{course_solution('02_outer_chain')}"
    assert cell(shell, source, cell_id="solution").success
    assert check(shell, "02_logcosh").passed


def course_solution(exercise_id: str) -> str:
    from course.checks import solution_source

    return solution_source(exercise_id)


@pytest.mark.parametrize("source,sets", [
    ("answer = 1", True),
    ("answer: float = 1.", True),
    ("if True:\n  answer = 'b'\nelse:\n  answer = 'c'", True),
    ("answer, = raised", True),
    ("for answer in range(3): pass", True),
    ("def answer(x):\n  return x", True),
    ("answer = nan(", True),  # a SyntaxError: it means to set answer
    ("return x\nanswer = logcosh", True),
    ("answer == 1", False),
    ("def f():\n  answer = 1\n  return answer", False),
    ("print(answer)", False),
    ("%%solution 02_logcosh\nanswer = logcosh", False),
    ("%%solution 02_logcosh\nanswer = (", False),
])
def test_which_cells_set_answer(source, sets):
    assert sets_answer(ipython(), source) is sets


def test_label_exercise_cells():
    cells = [{"cell_type": "code", "id": "a", "source": "answer = ..."},
             {"cell_type": "markdown", "id": "b", "source": "text"},
             {"cell_type": "code", "id": "c", "source": 'course.check("05_jit_traces", answer)\n'},
             {"cell_type": "code", "id": "d", "source": "%%solution 05_jit_traces\n"}]
    assert label_exercise_cells(cells) == 1
    assert [c["id"] for c in cells] == ["exercise-05_jit_traces", "b", "c", "d"]


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_every_exercise_cell_in_the_lessons_carries_its_id(exercise_id):
    """The stored lesson (and so the learner's copy) names each exercise cell, right above its
    check, by the id that answer_cells reads."""
    nb = json.loads(next(NOTEBOOKS.glob(f"{exercise_id[:2]}_*.ipynb")).read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    ids = [c["id"] for c in code]
    index = ids.index(CELL_ID_PREFIX + exercise_id)
    assert "".join(code[index + 1]["source"]).strip() == f'course.check("{exercise_id}", answer)'
