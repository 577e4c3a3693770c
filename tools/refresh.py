"""Re-run lessons from their .md and store fresh outputs in the paired .ipynb.

    python3 run.py refresh                            # every lesson
    python3 run.py refresh 03 05                      # lessons 03 and 05
    uv run python tools/refresh.py notebooks/03_*.md  # the same, by path

The .md is the source of truth: its cells replace the notebook's, the notebook is
executed top to bottom on a fresh kernel, and both files of the pair are rewritten.
Cell ids are kept where a cell's source did not change, and per-run execution
timestamps are dropped, so an unchanged lesson gives an unchanged diff.
"""

import hashlib
import os
import re
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

from course.answer_cells import label_exercise_cells

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
CELL_TIMEOUT = 180


class EditedDuringRefresh(Exception):
    """The .md changed while its cells ran: writing the result would undo that edit."""


def refresh(md: Path) -> None:
    md = md.resolve()
    ipynb = md.with_suffix(".ipynb")
    source = md.read_text()
    nb = jupytext.reads(source, fmt="md:myst")
    old = jupytext.read(ipynb) if ipynb.exists() else None
    if old is not None:  # keep the ids of unchanged cells, in order when a source repeats
        old_ids = {}
        for cell in old.cells:
            old_ids.setdefault((cell.cell_type, cell.source), []).append(cell.get("id"))
        for cell in nb.cells:
            ids = old_ids.get((cell.cell_type, cell.source))
            cid = ids.pop(0) if ids else None
            if cid:
                cell["id"] = cid
    label_exercise_cells(nb.cells)  # `exercise-<id>`: a check grades only its own cell's answer
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
    stabilize(nb, md.stem)
    nbformat.validate(nb)
    if md.read_text() != source:
        raise EditedDuringRefresh
    jupytext.write(nb, ipynb)
    jupytext.write(nb, md, fmt="md:myst")
    shown = md.relative_to(NOTEBOOKS.parent) if md.is_relative_to(NOTEBOOKS.parent) else md
    print(f"refreshed {shown}", end="", flush=True)


def stabilize(nb, name: str) -> None:
    """Drop what changes from run to run without changing what a reader sees, so that
    refreshing an unchanged lesson, on any machine, leaves its .ipynb unchanged:

    - nbclient's per-cell `execution` timestamps;
    - the split of a cell's printed text into stream chunks (it depends on flush timing):
      adjacent chunks of one stream are joined;
    - the random ids of widget models, renamed in order of creation to ids derived from the
      lesson's name (state, cross-references and views alike);
    - the absolute path of this checkout in stored tracebacks (`.venv/...` instead of
      `/home/you/course/.venv/...`). nbval does not compare tracebacks.
    """
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        joined = []
        for out in cell.outputs:
            prev = joined[-1] if joined else None
            if (out.output_type == "stream" and prev is not None
                    and prev.output_type == "stream" and prev.name == out.name):
                prev.text += out.text
            else:
                joined.append(out)
        cell.outputs = joined
        for out in cell.outputs:
            if out.output_type == "error":
                out.traceback = [line.replace(str(ROOT) + os.sep, "") for line in out.traceback]
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    renamed = {old: hashlib.sha256(f"{name}:{i}".encode()).hexdigest()[:32]
               for i, old in enumerate(state)}
    if renamed:
        pattern = re.compile("|".join(map(re.escape, renamed)))
        nb.metadata.widgets = _rename(nb.metadata.widgets, pattern, renamed)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = _rename(cell.outputs, pattern, renamed)


def _rename(node, pattern, renamed):
    """A copy of `node` (dicts, lists, strings) with every id in `renamed` replaced."""
    if isinstance(node, str):
        return pattern.sub(lambda m: renamed[m.group()], node)
    if isinstance(node, dict):
        return nbformat.NotebookNode({_rename(k, pattern, renamed): _rename(v, pattern, renamed)
                                      for k, v in node.items()})
    if isinstance(node, list):
        return [_rename(v, pattern, renamed) for v in node]
    return node


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
        except EditedDuringRefresh:
            failed.append(md.name)
            print(f"refresh: {md.name} NOT refreshed (its files are as you left them): it was "
                  "edited while its cells ran, and writing the outputs would undo that edit. "
                  "Run the refresh again.", file=sys.stderr)
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
