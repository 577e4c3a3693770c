"""Sphinx configuration of the course's static site. Build it with `python3 run.py site`
(site/sitebuild.py), which lays out the pages and fetches the browser libraries first.

Pages come from the lessons' stored outputs (nb_execution_mode = "off"). A `source-read` hook
adapts each lesson notebook for reading without a kernel: a note on how to run it and where its
source is, solutions collapsed, and a line next to each explorer saying how to run it live.
"""

import json
import re
import sys
from pathlib import Path

from sphinx.errors import ExtensionError
from sphinx.util import logging

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sitebuild  # noqa: E402 (site/ is not a package: conf.py puts it on the path first)

logger = logging.getLogger("course-site")

project = "Custom derivative rules in JAX"
copyright = "the course's authors, Apache-2.0"
extensions = ["myst_nb"]
root_doc = "index"
exclude_patterns = ["_md", "**/.ipynb_checkpoints"]  # _md/: the lessons' .md, as downloads

# The notebooks as stored (what nbval validated), never re-executed.
nb_execution_mode = "off"
nb_merge_streams = True  # one box for a cell's printed lines
nb_render_error_lexer = "myst-ansi"  # tracebacks as JAX prints them, colours included
myst_enable_extensions = ["dollarmath", "amsmath"]  # without them `$...$` stays literal

# Browser libraries from site/package-lock.json, copied into _static/vendor/ (no CDN).
html_static_path = ["_static", str(sitebuild.vendor_dir())]
mathjax_path = "vendor/mathjax/tex-mml-svg.js"
mathjax_config_path = "mathjax_config.js"  # lets the widgets typeset with MathJax 3
nb_ipywidgets_js = {"vendor/require.js": {}, "vendor/html-manager/embed-amd.js": {}}
html_js_files = [("course-site.js", {"priority": 200})]  # before RequireJS (myst-nb: 500)

html_theme = "sphinx_book_theme"
html_title = project
html_favicon = "_static/favicon.svg"  # otherwise browsers ask for /favicon.ico, a 404
html_context = {"default_mode": "light"}  # otherwise the theme logs "invalid theme mode"
html_theme_options = {
    "home_page_in_toc": True,
    "use_download_button": True,
    "show_toc_level": 2,
}

# Filled in when the course has a Binder (or other hosted) launch link: each lesson then
# offers it next to the local command.
BINDER_URL = None

LESSON = re.compile(r"^(\d\d)_\w+$")
LESSON_TABLE_MARKER = "LESSON_TABLE"
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
SOLUTION_PROMPTS = {"code_prompt_show": "Show the solution",
                    "code_prompt_hide": "Hide the solution"}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def markdown_cell(text: str, cell_id: str) -> dict:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": text.strip() + "\n"}


def add_run_note(notebook: dict, name: str) -> None:
    """Insert the run note right after the lesson's title (the first `# ` line)."""
    binder = f" Or [launch it on Binder]({BINDER_URL})." if BINDER_URL else ""
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
    logger.warning(f"{name}.ipynb: the first markdown cell has no `# ` title line to put the "
                   "run note under", type="course-site")


def collapse_solutions(notebook: dict) -> int:
    """Solution cells (tag `solution`, or source hidden in Jupyter) get myst-nb's hide-input,
    a dropdown that opens on a click. Returns how many."""
    count = 0
    for cell in notebook["cells"]:
        meta = cell.setdefault("metadata", {})
        tags = meta.setdefault("tags", [])
        if "solution" in tags or meta.get("jupyter", {}).get("source_hidden"):
            if "hide-input" not in tags:
                tags.append("hide-input")
            meta.setdefault("mystnb", {}).update(SOLUTION_PROMPTS)
            count += 1
    return count


def explain_explorers(notebook: dict, name: str) -> None:
    """After each cell that displays a widget, one line on how to run it live. A widget whose
    state the notebook did not store would be an empty box: show its text form instead."""
    stored = notebook["metadata"].get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    cells = []
    for cell in notebook["cells"]:
        cells.append(cell)
        widgets = [o for o in cell.get("outputs", []) if WIDGET_VIEW in o.get("data", {})]
        for output in widgets:
            if output["data"][WIDGET_VIEW].get("model_id") not in stored:
                logger.info(f"{name}.ipynb: no stored state for a widget, showing its text")
                del output["data"][WIDGET_VIEW]
        if widgets:
            cells.append(markdown_cell(EXPLORER_NOTE.format(name=name),
                                       f"course-site-explorer-{len(cells)}"))
    notebook["cells"] = cells


def lesson_table(readme: Path, lessons: list[str]) -> str:
    """README's Lessons table, linking each lesson's page instead of its .md."""
    text = readme.read_text()
    section = re.search(r"^## Lessons\n(.*?)(?=^## )", text, flags=re.M | re.S)
    rows = [line for line in (section.group(1) if section else "").splitlines()
            if line.startswith("|")]
    if len(rows) < 3:
        raise ExtensionError("README.md has no `## Lessons` table for the start page")
    table = "\n".join(re.sub(r"\]\(notebooks/(\d\d_\w+)\.md\)", r"](\1.ipynb)", row)
                      for row in rows)
    for name in lessons:
        if f"]({name}.ipynb)" not in table:
            logger.warning(f"README.md's Lessons table has no row for {name}: add one",
                           type="course-site")
    return table


def prepare_page(app, docname: str, source: list[str]) -> None:
    if docname == root_doc:
        if LESSON_TABLE_MARKER not in source[0]:
            raise ExtensionError(f"site/index.md lost its {LESSON_TABLE_MARKER} line")
        lessons = sorted(d for d in app.env.found_docs if LESSON.match(d))
        source[0] = source[0].replace(LESSON_TABLE_MARKER, lesson_table(
            sitebuild.ROOT / "README.md", lessons))
    elif LESSON.match(docname):
        notebook = json.loads(source[0])
        add_run_note(notebook, docname)
        if not collapse_solutions(notebook):
            logger.warning(f"{docname}.ipynb has no solution cell (tag `solution`)",
                           type="course-site")
        explain_explorers(notebook, docname)
        source[0] = json.dumps(notebook)


def setup(app):
    app.connect("source-read", prepare_page)
    return {"parallel_read_safe": True}
