"""nbval must really compare outputs: a tampered stored output has to fail it."""

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "01_tldr.ipynb"


def run_nbval(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(path), "--nbval", "--nbval-current-env",
         "-p", "no:cacheprovider", "-p", "no:xdist", "-q",
         f"--nbval-sanitize-with={ROOT / 'tests' / 'nbval_sanitize.cfg'}"],
        capture_output=True, text=True, cwd=path.parent, timeout=300,
    )


def test_nbval_fails_on_a_changed_stored_output(tmp_path):
    nb = json.loads(LESSON.read_text())
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    target = next(
        o for o in outputs if o.get("name") == "stdout" and "2.7278922" in "".join(o["text"])
    )
    target["text"] = ["".join(target["text"]).replace("2.7278922", "2.7278923", 1)]
    tampered = tmp_path / LESSON.name
    tampered.write_text(json.dumps(nb))

    result = run_nbval(tampered)
    assert result.returncode == 1, result.stdout[-2000:]
    assert "2.7278923" in result.stdout and "1 failed" in result.stdout


def two_cells(printed: str, value: str) -> nbformat.NotebookNode:
    """A notebook of two cells whose stored outputs are `printed` and `value`; the right ones
    are "42" and "10.5"."""
    v4 = nbformat.v4
    nb = v4.new_notebook(cells=[
        v4.new_code_cell("x = 6 * 7\nprint(x)", execution_count=1,
                         outputs=[v4.new_output("stream", name="stdout", text=printed + "\n")]),
        v4.new_code_cell("x / 4", execution_count=2, outputs=[v4.new_output(
            "execute_result", data={"text/plain": value}, execution_count=2)]),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


@pytest.mark.parametrize("printed, value, says", [
    ("42", "10.5", "2 passed"), ("42", "10.25", "1 failed, 1 passed")])
def test_nbval_passes_right_stored_outputs_and_fails_a_wrong_one(tmp_path, printed, value, says):
    """The other half of the test above, on a notebook of two cells (the suite's own nbval run
    re-runs lesson 1 already)."""
    path = tmp_path / "two_cells.ipynb"
    nbformat.write(two_cells(printed, value), path)
    result = run_nbval(path)
    assert says in result.stdout.splitlines()[-1], result.stdout[-2000:]
    assert result.returncode == (0 if says == "2 passed" else 1)
