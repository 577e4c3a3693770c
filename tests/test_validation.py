"""nbval must really compare outputs: a tampered stored output has to fail it."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

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


def test_nbval_passes_the_untouched_lesson(tmp_path):
    shutil.copy(LESSON, tmp_path / LESSON.name)
    result = run_nbval(tmp_path / LESSON.name)
    assert result.returncode == 0, result.stdout[-2000:]
