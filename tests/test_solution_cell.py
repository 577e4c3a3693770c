"""The `%%solution` magic: it runs the reference apart from the learner's namespace, and shows a
check labelled as the course's, never as the learner's pass."""

import pytest
from IPython import get_ipython as running_ipython
from IPython.testing.globalipapp import get_ipython as start_ipython

from course.answer_cells import register_with_ipython as register
from course.checks import solution_source
from course.checks.solution_cell import run_solution

LEARNER = '''
@custom_jvp
def logcosh(x):
  return jnp.log(jnp.cosh(x))
answer = "my own answer"
'''


@pytest.fixture(scope="module")
def shell():
    ip = running_ipython() or start_ipython()  # globalipapp's starts it once, then gives None
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


def test_a_prediction_solution_says_what_jax_does_inside_a_closed_box(shell):
    """Issue 20: the answer shows only once opened; it is what JAX did (the real error of the
    call that raises), not "you predicted c" (A23)."""
    shell.run_cell("import jax")
    result = shell.run_cell(f"%%solution 01_nonlinear_tangent\n"
                            f"{solution_source('01_nonlinear_tangent')}")
    feedback = result.result
    assert feedback.reference and feedback.passed and feedback.hidden
    assert feedback.message == "What JAX does: c."
    assert feedback.printed.splitlines() == [
        "a: runs", "b: runs",
        "c: NotImplementedError: Transpose rule (for reverse-mode differentiation) for "
        "'integer_pow' not implemented"]
    page = feedback._repr_html_()
    opened = page.index('<details style="margin: 4px 0"><summary')
    closed = page.index("</details>")
    assert "<details open" not in page
    for shown in ("What JAX does: c.", "c: NotImplementedError: Transpose rule"):
        assert opened < page.index(shown) < closed  # inside the closed box only
    assert "you predicted" not in str(feedback)
    assert str(feedback).startswith("[01_nonlinear_tangent] reference solution passes: "
                                    "What JAX does: c. This is the course's solution")


def test_a_rule_solution_is_shown_as_before(shell):
    result = shell.run_cell(f"%%solution 02_logcosh\n{solution_source('02_logcosh')}")
    assert not result.result.hidden and "<details" not in result.result._repr_html_()


def test_a_check_does_not_print_what_the_reference_prints(capsys):
    import course

    assert course.check("01_nonlinear_tangent", "c").passed
    assert capsys.readouterr().out == ""


def test_the_reference_note_and_what_was_printed_are_in_the_cells_text():
    """A notebook shows repr() as the solution cell's text/plain (nbval compares it): it must
    carry the note that this run is the course's, and what the solution printed."""
    from course.checks import REFERENCE_NOTE, check_reference

    shown = check_reference("07_vjp_calls", "b", "f_fwd ran 1 time(s), f_bwd 2 time(s)")
    assert repr(shown) == str(shown)
    assert REFERENCE_NOTE in repr(shown)
    assert repr(shown).endswith("\nf_fwd ran 1 time(s), f_bwd 2 time(s)")
