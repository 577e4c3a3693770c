"""Which cell set the learner's `answer`, so that a check grades only what its own exercise's
cell produced.

Every exercise cell sets the same name, `answer`. After "Run All" it holds the last exercise's;
after an exercise cell fails (a SyntaxError in an edit, `answer = nan` as a NameError), it still
holds what an earlier cell set. Grading that would judge another exercise's answer and record a
failed attempt the learner never made. Inside IPython, two event hooks (registered by
`import course`) follow the cells that set `answer` (at the cell's top level), and
`course.check(exercise_id, answer)` asks `stale_answer` first. It refuses to grade when

- the last cell that set, or tried to set, `answer` raised an error; or
- that cell is another exercise's: the lessons' exercise cells carry the nbformat cell id
  `exercise-<exercise id>` (`label_exercise_cells`, applied by tools/refresh.py), which
  JupyterLab sends with each run.

An `answer` set anywhere else (a cell of the learner's own, a script, a test) is graded as is,
and so is any value passed under another name (`course.check(id, logcosh)`).
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass

CELL_ID_PREFIX = "exercise-"
CHECK_CELL = re.compile(r'course\.check\("([^"]+)", answer\)')


@dataclass(frozen=True)
class Setter:
    """The cell that last set (or tried to set) `answer`: its nbformat id, if the front end sent
    one, and whether it ran without an error."""

    cell_id: str | None
    ok: bool

    @property
    def exercise(self) -> str | None:
        if self.cell_id and self.cell_id.startswith(CELL_ID_PREFIX):
            return self.cell_id[len(CELL_ID_PREFIX):]
        return None


class AnswerCells:
    """IPython's `pre_run_cell` / `post_run_cell` hooks, keeping the last `Setter`."""

    def __init__(self, shell):
        self.shell = shell
        self.last: Setter | None = None
        self.running = None  # the ExecutionInfo of the cell now running

    def pre_run_cell(self, info) -> None:
        self.running = info

    def post_run_cell(self, result) -> None:
        self.running = None
        info = result.info
        if info is not None and sets_answer(self.shell, info.raw_cell):
            self.last = Setter(getattr(info, "cell_id", None), result.success)

    def stale_answer(self, exercise_id: str, answer) -> str | None:
        """Why `answer` must not be graded as `exercise_id`'s, or None."""
        if answer is not self.shell.user_ns.get("answer", object()):
            return None  # a value passed by another name: the caller chose it
        running = self.running
        if running is not None and sets_answer(self.shell, running.raw_cell):
            return None  # this very cell sets `answer`, then checks it
        last = self.last
        if last is None:
            return None
        if not last.ok:
            return ("The exercise cell above has not run successfully: it raised an error, so "
                    "`answer` still holds what an earlier cell set. Fix the error, run that "
                    "cell, then run this check again.")
        if last.exercise is not None and last.exercise != exercise_id:
            return (f"Your `answer` was set by the cell of exercise {last.exercise}, not by "
                    f"this exercise's cell: run the exercise cell above (it sets `answer`), "
                    f"then run this check again.")
        return None


def sets_answer(shell, source: str) -> bool:
    """Whether the cell `source` binds `answer` at its top level (in an `if`, a `for` or a `try`
    too, not inside a function). A cell magic such as `%%solution` binds nothing here."""
    try:
        tree = ast.parse(shell.transform_cell(source) if shell is not None else source)
    except SyntaxError:  # it will not run: does it mean to set `answer`?
        return (not source.lstrip().startswith("%%")
                and re.search(r"^answer\s*(:|=(?!=)|[-+*/]=)", source, re.MULTILINE) is not None)
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if statement.name == "answer":
                return True
            continue
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and node.id == "answer" and isinstance(
                    node.ctx, ast.Store):
                return True
    return False


def label_exercise_cells(cells) -> int:
    """Give each lesson exercise cell (the code cell just before `course.check("ID", answer)`)
    the id `exercise-ID`. `cells` are nbformat cells; returns how many were labelled."""
    labelled = 0
    code = [c for c in cells if c["cell_type"] == "code"]
    for before, cell in zip(code, code[1:], strict=False):
        match = CHECK_CELL.fullmatch("".join(cell["source"]).strip())
        if match:
            before["id"] = CELL_ID_PREFIX + match.group(1)
            labelled += 1
    return labelled


_tracker: AnswerCells | None = None


def register(shell) -> None:
    """Follow `shell`'s cells (done once by `import course` inside IPython)."""
    global _tracker
    if _tracker is not None and _tracker.shell is shell:
        return
    if _tracker is not None:
        unregister()
    _tracker = AnswerCells(shell)
    shell.events.register("pre_run_cell", _tracker.pre_run_cell)
    shell.events.register("post_run_cell", _tracker.post_run_cell)


def unregister() -> None:
    global _tracker
    if _tracker is None:
        return
    for event, hook in (("pre_run_cell", _tracker.pre_run_cell),
                        ("post_run_cell", _tracker.post_run_cell)):
        try:
            _tracker.shell.events.unregister(event, hook)
        except ValueError:
            pass
    _tracker = None


def stale_answer(exercise_id: str, answer) -> str | None:
    """Why `course.check(exercise_id, answer)` must not grade `answer`; None outside IPython."""
    return None if _tracker is None else _tracker.stale_answer(exercise_id, answer)


def ipython():
    """The running IPython shell, or None (outside IPython, or without it installed). A
    process that has not imported IPython is not inside it, and does not pay for importing it
    (the workspace's command line, the Jupyter server, the teacher's view)."""
    if "IPython" not in sys.modules:
        return None
    from IPython import get_ipython  # noqa: PLC0415 - optional: only inside IPython

    return get_ipython()


def _solution_magic(line: str, cell: str):
    # The checks (and JAX) load at the first %%solution cell, not at `import course`.
    from .checks.solution_cell import solution  # noqa: PLC0415

    return solution(line, cell)


def register_with_ipython() -> None:
    """Inside IPython: register the `%%solution` cell magic of the lessons' solution cells, and
    follow which cell sets `answer`. Done by `import course`; outside IPython, nothing."""
    shell = ipython()
    if shell is not None:
        shell.register_magic_function(_solution_magic, magic_kind="cell",
                                      magic_name="solution")
        register(shell)
