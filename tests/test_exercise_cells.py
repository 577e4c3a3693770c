"""Every exercise sits in its lesson as scaffold -> check -> collapsed solution, and the stored
outputs show the untouched scaffold as "not attempted yet" and the solution as "passed"."""

import json
from pathlib import Path

import pytest

import course
from course.checks import EXERCISES, body_source

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def cells_of(exercise_id: str):
    nb_path = next(NOTEBOOKS.glob(f"{exercise_id[:2]}_*.ipynb"))
    cells = [c for c in json.loads(nb_path.read_text())["cells"] if c["cell_type"] == "code"]
    line = f'course.check("{exercise_id}", answer)'
    sources = ["".join(c["source"]).strip() for c in cells]
    checks = [i for i, src in enumerate(sources) if src == line]
    solutions = [i for i, src in enumerate(sources)
                 if src.startswith(f"%%solution {exercise_id}\n")]
    assert len(checks) == 1 and len(solutions) == 1, (
        f"{exercise_id}: expected one check cell and one solution cell")
    return cells, (checks[0], solutions[0])


def text(cell) -> str:
    return "".join("".join(o.get("data", {}).get("text/plain", "")) for o in cell["outputs"])


@pytest.mark.parametrize("exercise_id", course.exercises())
def test_scaffold_check_and_collapsed_solution(exercise_id):
    cells, (check_index, solution_index) = cells_of(exercise_id)
    assert "answer =" in "".join(cells[check_index - 1]["source"])  # the scaffold
    assert text(cells[check_index]).startswith(f"[{exercise_id}] not attempted yet")
    solution = cells[solution_index]
    assert solution["metadata"]["jupyter"]["source_hidden"] is True
    assert "".join(solution["source"]).strip() == (
        f"%%solution {exercise_id}\n{course.solution_source(exercise_id)}".strip())
    assert text(solution).startswith(f"[{exercise_id}] reference solution passes: ")
    assert solution_index == check_index + 1


@pytest.mark.parametrize("exercise_id", [i for i in course.exercises()
                                         if EXERCISES[i].given is not None])
def test_find_the_bug_scaffold_is_the_given_code(exercise_id):
    """What the learner fixes is exactly what the checker calls 'still the code as given'."""
    cells, (check_index, _) = cells_of(exercise_id)
    scaffold = "".join(cells[check_index - 1]["source"]).strip()
    assert scaffold == body_source(EXERCISES[exercise_id].given).strip()
