"""axe-core on whole JupyterLab pages: a lesson opened in JupyterLab (served as `python3 run.py
lab` serves it: lab/'s settings and the course's extension, lab/labextensions/course-a11y; with
--without-lab-config, JupyterLab as it comes), every cell run, then axe.run() on the whole
document. Prints each violated rule with its impact, how many elements
fail it, and whether they are the course's (inside a cell's output) or JupyterLab's own
interface (toolbars, cell editors, the notebook's list), judged by the first three failing
elements that axe names.

    uv run python benchmarks/axe_lab.py [--lessons 02,12]

The browser test (tests/test_explorers_browser.py) holds lesson 2's whole page at 0 serious or
critical; this script shows every rule, on any lesson, and what JupyterLab alone would give.
Not a test: a by-hand report (issue 24).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests")]

import accessibility  # noqa: E402
import jupyterlab_server as server  # noqa: E402

_spec = importlib.util.spec_from_file_location("course_run", ROOT / "run.py")
run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run)
CHROMIUM = os.environ.get("COURSE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
IMPACTS = ("critical", "serious", "moderate", "minor")

WHOSE = """(selectors) => selectors.map(s => {
  const node = document.querySelector(s);
  return node && node.closest('.jp-OutputArea') ? 'course' : 'JupyterLab';
})"""


RAN = """() => {
  const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
  return prompts.some(p => /\\[\\d+\\]/.test(p.textContent))
    && !prompts.some(p => p.textContent.includes('*'));
}"""


def report(page) -> list[tuple]:
    """(impact, rule, elements, whose, help) per violated rule, over the whole document."""
    rows = []
    for v in accessibility.violations(page):
        whose = set(page.evaluate(WHOSE, [t for t in v["targets"]]))
        rows.append((v["impact"], v["id"], v["nodes"], "/".join(sorted(whose)), v["help"]))
    return rows


def main() -> None:
    from playwright.sync_api import expect, sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lessons", default="02", help="lesson numbers, e.g. 02,12")
    parser.add_argument("--without-lab-config", action="store_true",
                        help="JupyterLab as it comes, without lab/ (settings, extension)")
    args = parser.parse_args()
    lab = {} if args.without_lab_config else {"app_settings": ROOT / "lab",
                                              "env": run.lab_environment()}
    accessibility.require_axe()
    print(f"JupyterLab {importlib.metadata.version('jupyterlab')}")
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as tmp:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=server.CHROMIUM_ARGS)
        work = Path(tmp)
        with server.jupyterlab(work, **lab) as (base, token):
            for number in args.lessons.split(","):
                found = sorted((ROOT / "notebooks").glob(f"{number.strip().zfill(2)}_*.md"))
                if not found:
                    parser.error(f"no lesson {number!r} in notebooks/ (try 02 or 12)")
                name = found[0].stem
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(f"{base}/lab/workspaces/axe{number}/tree/{name}.ipynb?token={token}")
                expect(page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first
                       ).to_be_visible(timeout=90_000)
                # Stored outputs and prompt numbers cleared first, so that a number means
                # this run reached the cell.
                page.evaluate("async () => { const run = window.jupyterapp.commands; "
                              "await run.execute('notebook:clear-all-cell-outputs'); "
                              "run.execute('notebook:run-all-cells'); }")
                # The run is over: no input prompt shows [*] (queued or running), and some
                # show a number (a run that stops at an error leaves the rest blank).
                page.wait_for_function(RAN, timeout=300_000)
                page.wait_for_timeout(2000)  # outputs drawn
                rows = report(page)
                print(f"\n{name}: {len(rows)} rules violated")
                print("| impact | rule | elements | whose | what |")
                print("|---|---|---|---|---|")
                for row in sorted(rows, key=lambda r: IMPACTS.index(r[0])):
                    print("| " + " | ".join(str(x) for x in row) + " |")
                worst = [r for r in rows if r[0] in accessibility.SERIOUS]
                print(f"{name}: serious or critical rules, the course's outputs "
                      f"{sum('course' in r[3] for r in worst)}, JupyterLab's interface "
                      f"{sum('JupyterLab' in r[3] for r in worst)}")
                page.close()
        browser.close()


if __name__ == "__main__":
    main()
