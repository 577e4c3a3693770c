"""widgets.compare_stepper: the two programs of compare_rules, stepped through together, with
the lessons' own functions (tests/lesson_functions.py)."""

import html

import jax.numpy as jnp
import lesson_functions as L

import course
import widgets


def build():
    return widgets.compare_stepper(L.naive_log1pexp, L.log1pexp, 100.0)


def test_it_steps_through_both_programs_and_jumps_to_differences():
    stepper = build()
    rows = stepper.rows
    # The default program of grad(naive_log1pexp) and the custom rule's, aligned: the rows
    # are what the lesson's two functions compute, not just as many as compare_rules gave.
    assert [r.status for r in rows].count("changed") >= 1
    assert {r.status for r in rows} <= {"same", "changed", "default", "custom"}
    assert any(r.default is not None and r.default.primitive == "exp" for r in rows)
    assert rows[-1].default is not None and rows[-1].default.outputs[0].show() == "nan"
    assert rows[-1].custom is not None and rows[-1].custom.outputs[0].show() == "1.0"
    first = next(n for n in range(1, len(rows)) if rows[n].status != "same")
    stepper.to_difference.click()
    assert stepper.position == first
    changed = next(n for n, row in enumerate(rows) if row.status == "changed")
    while stepper.position != changed:
        stepper.to_difference.click()
    assert stepper.current().startswith("changed: default [")
    assert "mul(0.0, inf) = nan" in stepper.current()
    assert "mul(1.0, 1.0) = 1.0" in stepper.current()
    assert "(from the jvp rule" in stepper.current()
    stepper.next.click()  # past the end stays at the end
    stepper.go(len(rows) + 5)
    assert stepper.position == len(rows) - 1
    stepper.go(changed)
    assert html.escape("mul d b") in stepper.view.value


def test_moving_runs_no_jax_and_the_text_form_is_short():
    stepper = build()
    with course.count_compiles() as moved:
        for value in [0, 3, 5, 1]:
            stepper.step.value = value
    assert moved[0] == 0
    text = stepper._repr_mimebundle_()["text/plain"]
    assert text.startswith(f"<compare stepper: {len(stepper.rows)} rows, at 1: in both:")


def test_identical_programs_have_no_difference_to_jump_to():
    stepper = widgets.compare_stepper(jnp.sin, jnp.sin, 1.0)
    assert stepper.to_difference.disabled
    stepper.to_difference.click()
    assert stepper.position == 0


def test_names_are_escaped():
    def f(x):
        return jnp.sin(x)

    f.__name__ = "<i>f</i>"
    stepper = widgets.compare_stepper(jnp.sin, f, 1.0)
    assert "<i>f</i>" not in stepper.view.value and "&lt;i&gt;f&lt;/i&gt;" in stepper.view.value
