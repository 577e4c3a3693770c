"""course.short_tracebacks: an error in a cell shows the learner's frames and the real message,
in a few lines; %tb still shows everything; stored lesson outputs stay short."""

import json
import re
from pathlib import Path

import pytest
from IPython import get_ipython as running_ipython
from IPython.testing.globalipapp import start_ipython

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
BAD_BWD = """
import jax
@jax.custom_vjp
def foo(x):
  return x ** 2
def foo_fwd(x):
  return foo(x), x
def foo_bwd(x, g):
  return g  # not a tuple
foo.defvjp(foo_fwd, foo_bwd)
"""
BWD_MESSAGE = "Custom VJP bwd rule must produce an output with the same container"


@pytest.fixture(scope="module")
def shell():
    # globalipapp starts one shell per process, then returns None: another test file on this
    # worker (test_answer_cells, test_solution_cell) may have started it first.
    ip = running_ipython() or start_ipython()
    ip.run_cell("import course")
    yield ip
    ip.run_cell("course.short_tracebacks(False)")


def run(shell, capsys, code):
    capsys.readouterr()
    result = shell.run_cell(code)
    return result, ANSI.sub("", capsys.readouterr().out)


def test_a_jax_error_shows_the_cell_line_the_message_and_how_to_see_more(shell, capsys):
    shell.run_cell("course.short_tracebacks()")
    shell.run_cell(BAD_BWD)
    result, out = run(shell, capsys, "jax.grad(foo)(3.)")
    assert isinstance(result.error_in_exec, TypeError)  # the exception itself is untouched
    assert BWD_MESSAGE in str(result.error_in_exec)
    lines = out.strip().splitlines()
    assert len(lines) <= 8, out
    assert re.fullmatch(r"Cell In\[\d+\], line 1", lines[0])
    assert lines[1] == "----> 1 jax.grad(foo)(3.)"
    assert lines[-2].startswith(f"TypeError: {BWD_MESSAGE}")
    assert lines[-1] == "(Short traceback: run %tb in a new cell for the full one.)"
    assert "site-packages" not in out and "JaxStackTraceBeforeTransformation" not in out


def test_percent_tb_prints_the_full_traceback(shell, capsys):
    shell.run_cell("course.short_tracebacks()")
    shell.run_cell(BAD_BWD)
    run(shell, capsys, "jax.grad(foo)(3.)")
    _, out = run(shell, capsys, "%tb")
    assert "JaxStackTraceBeforeTransformation" in out
    assert "custom_derivatives.py" in out
    assert len(out.splitlines()) > 25


def test_frames_inside_the_learners_functions_are_kept(shell, capsys):
    shell.run_cell("course.short_tracebacks()")
    shell.run_cell("def inner(x):\n  return x / 0\n\ndef outer(x):\n  return inner(x) + 1")
    result, out = run(shell, capsys, "outer(1)")
    assert isinstance(result.error_in_exec, ZeroDivisionError)
    assert re.search(r"Cell In\[\d+\], line 5, in outer\n----> 5 return inner\(x\) \+ 1", out)
    assert re.search(r"Cell In\[\d+\], line 2, in inner\n----> 2 return x / 0", out)
    assert "ZeroDivisionError: division by zero" in out


def test_a_long_message_is_cut_and_says_how_much(shell, capsys):
    shell.run_cell("course.short_tracebacks()")
    _, out = run(shell, capsys, "raise ValueError('\\n'.join(f'line {i}' for i in range(40)))")
    assert "ValueError: line 0" in out and "line 11" in out and "line 12" not in out
    assert "... (28 more lines of the message)" in out


def test_switching_it_off_restores_ipythons_display(shell, capsys):
    shell.run_cell("course.short_tracebacks(False)")
    shell.run_cell(BAD_BWD)
    _, out = run(shell, capsys, "jax.grad(foo)(3.)")
    assert "The above exception was the direct cause" in out
    assert "(Short traceback" not in out


def test_syntax_errors_keep_ipythons_own_display(shell, capsys):
    shell.run_cell("course.short_tracebacks()")
    result, out = run(shell, capsys, "x = (1,")
    assert isinstance(result.error_before_exec, SyntaxError)
    assert "SyntaxError" in out and "(Short traceback" not in out


def stored_errors():
    for nb in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        for i, cell in enumerate(json.loads(nb.read_text())["cells"]):
            for out in cell.get("outputs", []):
                if out["output_type"] == "error":
                    yield pytest.param(out, id=f"{nb.stem}-cell{i}")


@pytest.mark.parametrize("output", list(stored_errors()))
def test_every_stored_error_is_short_and_ends_with_the_real_message(output):
    text = ANSI.sub("", "\n".join(output["traceback"]))
    assert len(text.splitlines()) <= 25, text
    first = output["evalue"].splitlines()[0] if output["evalue"] else ""
    assert f"{output['ename']}: {first}" in text


def test_a_lambda_called_on_its_own_line_is_shown_once(shell, capsys):
    shell.run_cell("course.short_tracebacks()")
    _, out = run(shell, capsys, "import jax\njax.vmap(lambda s: 1 / 0)(jax.numpy.arange(3.))")
    assert re.search(r"Cell In\[\d+\], line 2, in <lambda>\n----> 2 jax.vmap", out), out
    assert out.count("----> 2 ") == 1
