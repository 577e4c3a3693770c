"""The pairing gate: every lesson is an .md/.ipynb pair whose inputs agree.

nbval only sees the .ipynb; this test makes sure it is validating what the .md says. The two
are compared by jupytext itself (`jupytext.compare.compare_notebooks`, outputs aside): cell by
cell, type, source and the cell metadata the pairing keeps (tags such as raises-exception),
naming the first cell that differs, with a diff.
"""

import asyncio
import os
import shutil
from pathlib import Path

import jupytext
import pytest
from jupytext.compare import NotebookDifference, compare_notebooks

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
LESSONS = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) + sorted(
    p.stem for p in NOTEBOOKS.glob("*.md") if not p.with_suffix(".ipynb").exists()
)


def cells(path: Path) -> list[tuple[str, str]]:
    nb = jupytext.read(path)
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


def pair_differences(md: Path, ipynb: Path) -> str:
    """jupytext's account of the first difference between the pair's inputs, or ""."""
    try:
        compare_notebooks(jupytext.read(md), jupytext.read(ipynb), fmt="md:myst",
                          compare_outputs=False)
    except NotebookDifference as difference:
        return str(difference)
    return ""


def test_there_are_lessons():
    assert len(LESSONS) >= 1, f"no lessons found in {NOTEBOOKS}"


@pytest.mark.parametrize("stem", LESSONS)
def test_pair_exists_and_inputs_agree(stem):
    md, ipynb = NOTEBOOKS / f"{stem}.md", NOTEBOOKS / f"{stem}.ipynb"
    assert md.exists(), f"{ipynb.name} has no paired {md.name}"
    assert ipynb.exists(), f"{md.name} has no paired {ipynb.name}: run tools/refresh.py {md}"
    diff = pair_differences(md, ipynb)
    assert not diff, (
        f"{md.name} and {ipynb.name} disagree; refresh with "
        f"`uv run python tools/refresh.py notebooks/{md.name}`:\n{diff}"
    )


def test_gate_catches_a_desynced_pair(tmp_path):
    stem = LESSONS[0]
    md, ipynb = tmp_path / f"{stem}.md", tmp_path / f"{stem}.ipynb"
    shutil.copy(NOTEBOOKS / f"{stem}.md", md)
    shutil.copy(NOTEBOOKS / f"{stem}.ipynb", ipynb)
    assert pair_differences(md, ipynb) == ""
    md.write_text(md.read_text().replace("import", "import  os, ", 1))
    assert "+import  os, " in pair_differences(md, ipynb)
    assert "Cell content differ on code cell #" in pair_differences(md, ipynb)


def test_gate_catches_a_tag_only_one_file_has(tmp_path):
    """A raises-exception tag in the .md that the .ipynb lacks: nbval would fail the cell."""
    stem = LESSONS[0]
    md, ipynb = tmp_path / f"{stem}.md", tmp_path / f"{stem}.ipynb"
    shutil.copy(NOTEBOOKS / f"{stem}.ipynb", ipynb)
    nb = jupytext.read(NOTEBOOKS / f"{stem}.md")
    code = next(c for c in nb.cells if c.cell_type == "code" and not c.metadata.get("tags"))
    code.metadata["tags"] = ["raises-exception"]
    jupytext.write(nb, md, fmt="md:myst")
    assert "Metadata differ on code cell #" in pair_differences(md, ipynb)
    assert "raises-exception" in pair_differences(md, ipynb)


def test_lesson_opens_in_jupyterlab_when_ipynb_is_newer(tmp_path):
    """After `git clone` the timestamps are arbitrary; opening a lesson must still work."""
    from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
    from jupytext.async_contentsmanager import build_async_jupytext_contents_manager_class

    stem = LESSONS[0]
    for suffix in (".md", ".ipynb"):
        shutil.copy(NOTEBOOKS / f"{stem}{suffix}", tmp_path / f"{stem}{suffix}")
    shutil.copy(NOTEBOOKS / "jupytext.toml", tmp_path / "jupytext.toml")
    os.utime(tmp_path / f"{stem}.md", (1_000_000, 1_000_000))  # md from 1970, ipynb from today

    manager = build_async_jupytext_contents_manager_class(AsyncLargeFileManager)(
        root_dir=str(tmp_path)
    )
    model = asyncio.run(manager.get(f"{stem}.ipynb"))
    assert model["type"] == "notebook"
    assert [c["source"].strip() for c in model["content"]["cells"]] == [
        src for _, src in cells(NOTEBOOKS / f"{stem}.ipynb")
    ]

    # A learner's save in JupyterLab writes both files of the pair.
    model["content"]["cells"][0]["source"] += "\n\nA learner's note."
    asyncio.run(manager.save(model, f"{stem}.ipynb"))
    assert "A learner's note." in (tmp_path / f"{stem}.md").read_text()
    assert "A learner's note." in (tmp_path / f"{stem}.ipynb").read_text()
