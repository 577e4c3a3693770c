"""widgets.compare_stepper: the two programs of compare_rules, stepped through together, with
the lessons' own functions (tests/lesson_functions.py)."""

from pathlib import Path

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
    assert stepper.next_difference()
    assert stepper.at == first
    changed = next(n for n, row in enumerate(rows) if row.status == "changed")
    while stepper.at != changed:
        stepper.next_difference()
    assert stepper.current().startswith("changed: default [")
    assert "mul(0.0, inf) = nan" in stepper.current()
    assert "mul(1.0, 1.0) = 1.0" in stepper.current()
    assert "(from the jvp rule" in stepper.current()
    assert stepper.status == stepper.current()  # the browser's status line
    stepper.go(len(rows) + 5)
    assert stepper.at == len(rows) - 1
    stepper.press("next")  # past the end stays at the end
    assert stepper.at == len(rows) - 1
    stepper.go(changed)
    assert "mul d b" in stepper.beside_text()
    assert any(line.startswith("> ") for line in stepper.beside_text().splitlines())


def test_moving_runs_no_jax_and_the_text_form_is_short():
    stepper = build()
    with course.count_compiles() as moved:
        for value in [0, 3, 5, 1]:
            stepper.go(value)
    assert moved[0] == 0
    text = stepper._repr_mimebundle_()[0]["text/plain"]
    assert text.startswith(f"<compare stepper: {len(stepper.rows)} rows, at 1: in both:")


def test_identical_programs_have_no_difference_to_jump_to():
    stepper = widgets.compare_stepper(jnp.sin, jnp.sin, 1.0)
    assert stepper.buttons["next difference"]["disabled"]
    assert not stepper.next_difference()
    assert stepper.at == 0


def test_names_are_text():
    """A name is shown as text (the browser sets it with textContent), never as markup."""
    def f(x):
        return jnp.sin(x)

    f.__name__ = "<i>f</i>"
    stepper = widgets.compare_stepper(jnp.sin, f, 1.0)
    assert "<i>f</i>" in stepper.beside_text()
    assert "innerHTML" not in (Path(widgets.__file__).parent / "explorer.js").read_text()


def test_next_difference_targets_wrap_around_and_take_one_pass():
    """Each row's "next difference": the next row not in both programs, else the first one,
    else the row itself; computed in one pass (it was a search per row: 165 ms for 4,000
    rows)."""
    from widgets.compare import next_differences

    assert next_differences(5, [1, 3]) == [1, 3, 3, 1, 1]
    assert next_differences(3, []) == [0, 1, 2]
    assert next_differences(4, [0]) == [0, 0, 0, 0]
    assert next_differences(1, [0]) == [0]
