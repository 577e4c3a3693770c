"""How each page of the site is adapted from the stored lessons, for reading without a kernel.

Plain functions on notebook dicts (nbformat's JSON) and text; site/conf.py calls them from
Sphinx's `source-read` event, before myst-nb parses the page. `warn` reports a problem that
should fail the build (conf.py passes Sphinx's logger, whose warnings are errors under -W).
"""

import json
import re
from collections.abc import Callable
from pathlib import Path

LESSON = re.compile(r"^(\d\d)_\w+$")
LESSON_TABLE_MARKER = "LESSON_TABLE"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

RUN_NOTE = """
```{{admonition}} Run this lesson
:class: tip
This page shows the outputs stored when the lesson last ran. To run it yourself, in a clone of
the course: `python3 run.py lab`, then open `{name}.ipynb` and run its cells (Run > Run All
Cells).{binder} Source: {{download}}`notebooks/{name}.md <_md/{name}.md>` (MyST markdown, the
file to edit).
```
"""
EXPLORER_NOTE = (
    "*A snapshot of the explorer as stored: its controls do not recompute here. To move it "
    "live, run the lesson with `python3 run.py lab` and open `{name}.ipynb`.*")
LIVE_NOTE = (
    "*This explorer moves here as in JupyterLab: JAX computed its values at every grid point "
    "of its controls when the lesson last ran, and your browser draws them. To explore your own "
    "functions, run the lesson with `python3 run.py lab` and open `{name}.ipynb`.*")
SOLUTION_PROMPTS = {"code_prompt_show": "Show the solution",
                    "code_prompt_hide": "Hide the solution"}

Warn = Callable[[str], None]


def markdown_cell(text: str, cell_id: str) -> dict:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {},
            "source": text.strip() + "\n"}


def add_run_note(notebook: dict, name: str, warn: Warn, binder_url: str | None = None) -> None:
    """Insert the run note right under the lesson's title (the first `# ` line)."""
    binder = f" Or [launch it on Binder]({binder_url})." if binder_url else ""
    note = RUN_NOTE.format(name=name, binder=binder)
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        lines = "".join(cell["source"]).splitlines(keepends=True)
        for i, line in enumerate(lines):
            if line.startswith("# "):
                cell["source"] = "".join(lines[:i + 1]) + note + "".join(lines[i + 1:])
                return
        break
    warn(f"{name}.ipynb: its first markdown cell has no `# ` title line to put the run note "
         "under")


def collapse_solutions(notebook: dict) -> int:
    """Solution cells (tag `solution`, or source hidden in Jupyter) get myst-nb's hide-cell, a
    dropdown that opens on a click, labelled "Show the solution". It holds the code and its
    output both: the output of a prediction's solution is the answer. Their `%%solution` line
    becomes a comment (as_comment). Returns how many."""
    count = 0
    for cell in notebook["cells"]:
        meta = cell.setdefault("metadata", {})
        tags = meta.setdefault("tags", [])
        if "solution" in tags or meta.get("jupyter", {}).get("source_hidden"):
            if "hide-cell" not in tags:
                tags.append("hide-cell")
            meta.setdefault("mystnb", {}).update(SOLUTION_PROMPTS)
            cell["source"] = as_comment(cell.get("source", ""))
            count += 1
    return count


def as_comment(source) -> str:
    """A `%%solution ID` first line as a Python comment: after a cell magic, the highlighter
    shows the rest of the cell as plain text; after a comment, as Python."""
    text = "".join(source)
    if text.startswith("%%"):
        first, _, rest = text.partition("\n")
        return f"# {first}  (a cell magic in the notebook)\n{rest}"
    return text


def explain_explorers(notebook: dict, name: str) -> int:
    """After each cell that displays a widget, one line on how to run it live (or, for an
    explorer drawn in the browser, that it moves here too and how to run it). A widget whose
    state the notebook did not store would be an empty box: its text form is shown instead.
    Returns how many widgets fell back to text."""
    stored = notebook["metadata"].get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    cells, fallbacks = [], 0
    for cell in notebook["cells"]:
        cells.append(cell)
        widgets = [o for o in cell.get("outputs", []) if WIDGET_VIEW in o.get("data", {})]
        for output in widgets:
            if output["data"][WIDGET_VIEW].get("model_id") not in stored:
                del output["data"][WIDGET_VIEW]
                fallbacks += 1
        if widgets:
            live = all(stored.get(o["data"].get(WIDGET_VIEW, {}).get("model_id"), {})
                       .get("model_name") == "AnyModel" for o in widgets)
            note = LIVE_NOTE if live else EXPLORER_NOTE
            cells.append(markdown_cell(note.format(name=name),
                                       f"course-site-explorer-{len(cells)}"))
    notebook["cells"] = cells
    return fallbacks


def lesson_table(readme: Path, lessons: list[str], warn: Warn) -> str:
    """README's Lessons table, each lesson linking its page instead of its .md."""
    section = re.search(r"^## Lessons\n(.*?)(?=^## |\Z)", readme.read_text(), flags=re.M | re.S)
    rows = [line for line in (section.group(1) if section else "").splitlines()
            if line.startswith("|")]
    if len(rows) < 3:
        raise ValueError(f"{readme.name} has no `## Lessons` table for the start page")
    table = "\n".join(re.sub(r"\]\(notebooks/(\d\d_\w+)\.md\)", r"](\1.ipynb)", row)
                      for row in rows)
    for name in lessons:
        if f"]({name}.ipynb)" not in table:
            warn(f"{readme.name}'s Lessons table has no row for {name}: add one")
    return table


def prepare_lesson(source: str, name: str, warn: Warn, binder_url: str | None = None) -> str:
    """A lesson notebook's JSON, adapted: run note, collapsed solutions, explorer notes."""
    notebook = json.loads(source)
    add_run_note(notebook, name, warn, binder_url)
    if not collapse_solutions(notebook):
        warn(f"{name}.ipynb has no solution cell (tag `solution`) to collapse")
    explain_explorers(notebook, name)
    return json.dumps(notebook)


def prepare_index(source: str, readme: Path, lessons: list[str], warn: Warn) -> str:
    """The start page with README's lesson table in place of its LESSON_TABLE line."""
    if LESSON_TABLE_MARKER not in source:
        raise ValueError(f"the start page lost its {LESSON_TABLE_MARKER} line")
    return source.replace(LESSON_TABLE_MARKER, lesson_table(readme, lessons, warn))
