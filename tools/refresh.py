"""Re-run lessons from their .md and store fresh outputs in the paired .ipynb.

    uv run python tools/refresh.py                    # every lesson
    uv run python tools/refresh.py notebooks/03_*.md  # some lessons

The .md is the source of truth: its cells replace the notebook's, the notebook is
executed top to bottom on a fresh kernel, and both files of the pair are rewritten.
Cell ids are kept where a cell's source did not change, and per-run execution
timestamps are dropped, so an unchanged lesson gives an unchanged diff.
"""

import sys
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
CELL_TIMEOUT = 180


def refresh(md: Path) -> None:
    md = md.resolve()
    ipynb = md.with_suffix(".ipynb")
    nb = jupytext.read(md)
    old = jupytext.read(ipynb) if ipynb.exists() else None
    if old is not None:
        old_ids = {}
        for cell in old.cells:
            old_ids.setdefault((cell.cell_type, cell.source), cell.get("id"))
        for cell in nb.cells:
            cid = old_ids.pop((cell.cell_type, cell.source), None)
            if cid:
                cell["id"] = cid
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    client = NotebookClient(
        nb, timeout=CELL_TIMEOUT, kernel_name="python3",
        resources={"metadata": {"path": str(md.parent)}},
    )
    client.execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.validate(nb)
    jupytext.write(nb, ipynb)
    jupytext.write(nb, md, fmt="md:myst")
    print(f"refreshed {md.relative_to(NOTEBOOKS.parent)}")


def main(paths: list[str]) -> int:
    mds = [Path(p) for p in paths] or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.md"))
    for md in mds:
        refresh(md.with_suffix(".md"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
