"""Pinned wrong answers, one module per lesson (`lesson01.py` ...): each defines

    WRONG = {exercise_id: {name: source that sets `answer`}}
    EXPECTED = {(exercise_id, name): regex the checker's message must match}
    CORRECT = {exercise_id: {name: source}}  (optional: unusual correct answers, which must pass)

One file per lesson, so that people adding exercises to different lessons do not edit the
same file. `WRONG` and `EXPECTED` here are all lessons' together."""

import importlib
from pathlib import Path


def collect() -> tuple[dict, dict]:
    wrong, expected = {}, {}
    for path in sorted(Path(__file__).parent.glob("lesson[0-9][0-9].py")):
        module = importlib.import_module(f"answers.{path.stem}")
        for exercise_id, answers in module.WRONG.items():
            wrong.setdefault(exercise_id, {}).update(answers)
        expected.update(module.EXPECTED)
    return wrong, expected


def collect_correct() -> dict:
    correct = {}
    for path in sorted(Path(__file__).parent.glob("lesson[0-9][0-9].py")):
        module = importlib.import_module(f"answers.{path.stem}")
        for exercise_id, answers in getattr(module, "CORRECT", {}).items():
            correct.setdefault(exercise_id, {}).update(answers)
    return correct


WRONG, EXPECTED = collect()

# A scaffold the learner has not filled in yet: its rule raises (lesson 2's exercise cell).
SCAFFOLD_RULE = """
@custom_jvp
def logcosh(x):
  return jnp.log(jnp.cosh(x))

@logcosh.defjvp
def logcosh_jvp(primals, tangents):
  x, = primals
  x_dot, = tangents
  raise NotImplementedError("your rule here")
answer = logcosh
"""
