"""The `%%solution` magic: it runs the reference apart from the learner's namespace, and shows a
check labelled as the course's, never as the learner's pass."""

import pytest
from IPython.testing.globalipapp import get_ipython

from course.exercises import solution_source
from course.exercises.solution_cell import register, run_solution

LEARNER = '''
@custom_jvp
def logcosh(x):
  return jnp.log(jnp.cosh(x))
answer = "my own answer"
'''


@pytest.fixture(scope="module")
def shell():
    ip = get_ipython()
    register()  # `import course` does this, but course was imported here before IPython ran
    ip.run_cell("import course\nfrom jax import custom_jvp\nimport jax.numpy as jnp")
    return ip


def test_solution_cell_leaves_the_learners_names_alone(shell):
    shell.run_cell(LEARNER)
    mine = shell.user_ns["logcosh"]
    result = shell.run_cell(f"%%solution 02_logcosh\n{solution_source('02_logcosh')}")
    assert result.success
    assert shell.user_ns["answer"] == "my own answer"
    assert shell.user_ns["logcosh"] is mine
    feedback = result.result
    assert feedback.reference and feedback.passed
    assert str(feedback).startswith("[02_logcosh] reference solution passes: Correct:")
    assert "your `answer` and your functions are unchanged" in str(feedback)
    assert "#2b8a3e" not in feedback._repr_html_()  # never the green of a learner's pass


def test_learner_check_is_still_the_learners(shell):
    result = shell.run_cell('course.check("02_logcosh", course.solution("02_logcosh"))')
    assert not result.result.reference
    assert str(result.result).startswith("[02_logcosh] passed: Correct:")


def test_a_wrong_reference_is_shown_as_a_course_bug():
    feedback = run_solution("02_logcosh", "answer = 3", {})
    assert feedback.reference and not feedback.passed
    assert "FAILS (a bug in the course)" in str(feedback)


def test_bad_magic_lines_say_what_is_expected(shell):
    result = shell.run_cell("%%solution\nanswer = 1")
    assert "usage: %%solution <exercise id>" in str(result.error_in_exec)
    result = shell.run_cell("%%solution 99_nothing\nanswer = 1")
    assert "unknown exercise '99_nothing'" in str(result.error_in_exec)
    result = shell.run_cell("%%solution 02_logcosh\nx = 1")
    assert "did not set `answer`" in str(result.error_in_exec)
