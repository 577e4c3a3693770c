"""Re-run lessons from their .md and store fresh outputs in the paired .ipynb.

    python3 run.py refresh                            # every lesson
    python3 run.py refresh 03 05                      # lessons 03 and 05
    uv run python tools/refresh.py notebooks/03_*.md  # the same, by path

The .md is the source of truth: its cells replace the notebook's, the notebook is
executed top to bottom on a fresh kernel, and both files of the pair are rewritten.
Cell ids are kept where a cell's source did not change, and per-run execution
timestamps are dropped, so an unchanged lesson gives an unchanged diff.
"""

import re
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

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
    shown = md.relative_to(NOTEBOOKS.parent) if md.is_relative_to(NOTEBOOKS.parent) else md
    print(f"refreshed {shown}", end="", flush=True)


def lessons(args: list[str]) -> list[Path]:
    """The .md files that `args` name: lesson numbers (`2`, `02`) or paths; all if none."""
    if not args:
        return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.md"))
    mds = []
    for arg in args:
        if re.fullmatch(r"\d{1,2}", arg):
            found = sorted(NOTEBOOKS.glob(f"{int(arg):02d}_*.md"))
            if not found:
                numbers = sorted(p.name[:2] for p in NOTEBOOKS.glob("[0-9][0-9]_*.md"))
                raise SystemExit(f"refresh: there is no lesson {arg}; the lessons are "
                                 f"{', '.join(numbers)}.")
            mds += found
        else:
            md = Path(arg).with_suffix(".md")
            if not md.exists():
                raise SystemExit(f"refresh: {md} does not exist; give a lesson number (02) or "
                                 "the path of a lesson's .md (notebooks/02_name.md).")
            mds.append(md)
    return mds


def main(args: list[str]) -> int:
    failed = []
    for md in lessons(args):
        start = time.perf_counter()
        try:
            refresh(md)
        except CellExecutionError as e:
            failed.append(md.name)
            print(f"refresh: {md.name} NOT refreshed (its files are unchanged): a cell raised "
                  f"{e.ename} and is not tagged raises-exception.\n{e}", file=sys.stderr)
            continue
        except CellTimeoutError as e:
            failed.append(md.name)
            print(f"refresh: {md.name} NOT refreshed (its files are unchanged): a cell ran "
                  f"longer than {CELL_TIMEOUT} s.\n{e}", file=sys.stderr)
            continue
        print(f"  ({time.perf_counter() - start:.1f} s)", flush=True)
    if failed:
        print(f"refresh: failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
