"""The `%%solution <exercise_id>` cell magic of the lessons' collapsed solution cells.

"Run All" runs every cell, the solutions too. A solution cell run as plain code would rebind the
learner's `answer` and functions, and show a "passed" under the learner's own attempt. The magic
runs the cell in a copy of the notebook's namespace instead: it reads the learner's names (the
imports, the primal functions a scaffold defines) but binds nothing in it, and it shows the check
of the reference labelled as the course's (`check_reference`). `course.check`, the learner's
path, is the only one that counts as theirs.

What the solution's code prints (what JAX did: the error each call raised, a count) is caught and
shown in that check's box. For a prediction the box keeps it, with the value, in a closed
<details>: the answer shows only when the learner opens it, even after "Run All".
"""

from __future__ import annotations

import contextlib
import io

from ..answer_cells import ipython
from . import check_reference, get

USAGE = "usage: %%solution <exercise id>, then the solution's code, which sets `answer`"


def run_solution(exercise_id: str, code: str, namespace: dict, compile_cell=compile):
    """Run `code` in a copy of `namespace` and check the `answer` it sets as the reference of
    `exercise_id`. `namespace` itself is not modified."""
    get(exercise_id)  # an unknown id fails here, listing the valid ones
    scope = dict(namespace)
    scope.pop("answer", None)  # the reference must set its own
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile_cell(code, f"<solution {exercise_id}>", "exec"), scope)
    if "answer" not in scope:
        raise ValueError(f"the %%solution cell of {exercise_id} did not set `answer`")
    return check_reference(exercise_id, scope["answer"], printed.getvalue())


def solution(line: str, cell: str):
    """The magic: `line` is the exercise id, `cell` the solution's code."""
    exercise_id = line.strip()
    if not exercise_id or " " in exercise_id:
        raise ValueError(USAGE)
    shell = ipython()
    compiler = getattr(shell, "compile", None)

    def compile_cell(code, _filename, mode):
        if compiler is None:
            return compile(code, _filename, mode)
        # IPython's compiler names the code like a cell, so tracebacks show its lines.
        return compiler(code, compiler.cache(code), mode)

    return run_solution(exercise_id, cell, shell.user_ns, compile_cell)


