"""A learner's session in a real browser: JupyterLab on 127.0.0.1 with a token, a lesson run
top to bottom, an explorer's slider moved, and the displayed value checked.

Needs Debian's Chromium (/usr/bin/chromium, `apt-get install chromium`): marked
`requires("chromium")`, so skipped with that reason without it, except under CI (CI=true), where
they fail.
"""

import json
import re
import urllib.request
from pathlib import Path

import pytest
from answers import WRONG
from jupyterlab_server import CHROMIUM_ARGS, jupyterlab
from requires import CHROMIUM

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
LESSON = "04_gradient_clipping"

pytestmark = pytest.mark.requires("chromium")


# Start a JupyterLab command without awaiting it: page.evaluate has no timeout of its own, and
# the promise of a command that waits on a kernel could otherwise block the test forever.
RUN = "() => { window.jupyterapp.commands.execute('%s'); }"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a copy of the lessons; stopped (with its kernels) afterwards."""
    work = tmp_path_factory.mktemp("lab")
    with jupyterlab(work) as (base, token):
        yield base, token, work


def launch(playwright):
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS)


# Every code cell has run (an execution count) and the kernel is idle again.
ALL_RAN = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = panel.content.widgets.filter(c => c.model.type === 'code');
  return panel.sessionContext.session.kernel.status === 'idle'
      && cells.every(c => c.model.executionCount !== null);
}"""


def open_and_run_all(browser, url: str):
    """Open a notebook, wait for its kernel, and start running every cell."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    # The kernel is ready when the status bar's kernel button says "| Idle"; the toolbar
    # indicator says idle before any kernel exists (a race that drops cells).
    kernel = page.locator(".jp-StatusBar-TextItem", has_text="| Idle")
    expect(kernel.first).to_be_visible(timeout=90_000)
    page.evaluate(RUN % "notebook:run-all-cells")
    return page


def test_server_refuses_requests_without_the_token(lab):
    base, _, _ = lab
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{base}/api/contents", timeout=5)
    assert refused.value.code == 403
    refused.value.close()


def test_run_lesson_and_move_a_slider(lab):
    from playwright.sync_api import expect, sync_playwright

    base, token, work = lab
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = open_and_run_all(browser, f"{base}/lab/workspaces/slider/tree/{LESSON}.ipynb"
                                             f"?token={token}")

            status = page.locator(".course-drawn .course-status").first
            expect(status).to_contain_text("clip to [-0.75, 0.75]", timeout=120_000)

            lo = page.locator(".course-drawn").first.get_by_label("lo", exact=True)
            lo.focus()
            for _ in range(3):
                lo.press("ArrowRight")  # three grid points of 0.125
            expect(status).to_contain_text(
                "clip to [-0.375, 0.75]: the gradient now ranges over [-0.375, 0.750]",
                timeout=30_000)
            page.locator(".course-drawn").first.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "browser_clipping_explorer.png"))
            page.locator(".course-drawn svg").first.screenshot(
                path=str(ARTIFACTS / "browser_clipping_plot.png"))
        finally:
            browser.close()


WRONG_RULE = WRONG["02_logcosh"]["unstable form"].strip()  # sinh/cosh: nan at x=100
RIGHT_RULE = WRONG_RULE.replace("jnp.sinh(x) / jnp.cosh(x)", "jnp.tanh(x)")

EDIT_SCAFFOLD = """([marker, source]) => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  const index = nb.widgets.findIndex(c => c.model.sharedModel.getSource().includes(marker));
  nb.widgets[index].model.sharedModel.setSource(source);
  nb.activeCellIndex = index;
  return index;
}"""

CHECK_OUTPUT = """(index) =>
  window.jupyterapp.shell.currentWidget.content.widgets[index].node.innerText"""


def test_exercise_wrong_then_right(lab):
    """A learner edits the lesson 2 exercise: a wrong rule gets a specific message, the
    corrected one passes."""
    from playwright.sync_api import expect, sync_playwright

    base, token, _ = lab
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = open_and_run_all(browser, f"{base}/lab/workspaces/exercise/tree/"
                                             f"02_numerical_stability.ipynb?token={token}")
            expect(page.locator(".jp-OutputArea-output", has_text="02_logcosh: not attempted yet")
                   .first).to_be_visible(timeout=120_000)

            def submit(source: str, marker: str) -> str:
                index = page.evaluate(EDIT_SCAFFOLD, [marker, source])
                page.evaluate(RUN % "notebook:run-cell-and-select-next")
                page.wait_for_function(
                    f"() => window.jupyterapp.shell.currentWidget.content.activeCellIndex"
                    f" === {index + 1}")
                page.evaluate(RUN % "notebook:run-cell-and-select-next")
                try:
                    page.wait_for_function(
                        f"() => /02_logcosh: (passed|not yet right)/"
                        f".test(({CHECK_OUTPUT})({index + 1}))", timeout=60_000)
                finally:
                    page.screenshot(path=str(ARTIFACTS / "browser_exercise_last.png"))
                return page.evaluate(CHECK_OUTPUT, index + 1)

            wrong = submit(WRONG_RULE, 'raise NotImplementedError("replace this line')
            assert "02_logcosh: not yet right" in wrong
            assert "at x=100: expected 1, got nan" in wrong
            assert "an intermediate value of your formula overflows float32" in wrong
            page.screenshot(path=str(ARTIFACTS / "browser_exercise_wrong.png"))

            right = submit(RIGHT_RULE, "jnp.sinh(x) / jnp.cosh(x)")
            assert "02_logcosh: passed" in right
        finally:
            browser.close()


def formulas(markdown: str) -> tuple[int, int]:
    """(inline, display) counts of `$...$` and `$$...$$` formulas in a markdown cell's source,
    outside code spans and fenced code, where a `$` is not math."""
    text = re.sub(r"```.*?```", "", markdown, flags=re.S)
    text = re.sub(r"`[^`]*`", "", text)
    display = len(re.findall(r"\$\$.+?\$\$", text, flags=re.S))
    text = re.sub(r"\$\$.+?\$\$", "", text, flags=re.S)
    return len(re.findall(r"\$[^$]+?\$", text, flags=re.S)), display


def test_formulas_counts_inline_and_display_math_outside_code():
    assert formulas("$a$ and $$\nb\n$$, not `$c$` nor\n```\n$d$\n```\n$e\n+ f$") == (2, 1)


# Scroll every cell into view once: JupyterLab renders a markdown cell (and MathJax typesets
# it) only when it first comes near the viewport.
RENDER_ALL_CELLS = """async () => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  for (let i = 0; i < nb.widgets.length; i++) { await nb.scrollToItem(i, 'start'); }
  return nb.widgets.length;
}"""

# Per markdown cell: typeset formulas (inline, display), MathJax errors, operator names that
# MathJax split with spaces (`\operatorname{log1pexp}` shows as "log 1 pexp"), and the text a
# reader sees outside formulas and code, where no `$` or TeX command may remain.
DESCRIBE_MATH = """() => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  return nb.widgets.map((cell, index) => {
    const rendered = cell.node.querySelector('.jp-RenderedMarkdown');
    if (cell.model.type !== 'markdown' || !rendered) return null;
    const prose = rendered.cloneNode(true);
    prose.querySelectorAll('mjx-container, code, pre').forEach(e => e.remove());
    const mjx = [...rendered.querySelectorAll('mjx-container')];
    return {index,
            inline: mjx.filter(m => m.getAttribute('display') !== 'true').length,
            display: mjx.filter(m => m.getAttribute('display') === 'true').length,
            errors: rendered.querySelectorAll('mjx-merror').length,
            split_names: rendered.querySelectorAll('mjx-texatom[texclass="OP"] > [space]').length,
            prose: prose.textContent};
  });
}"""


def test_lesson_2_math_is_typeset(lab, tmp_path):
    """Every formula of lesson 2 is typeset by MathJax as JupyterLab shows it: one MathJax
    element per `$...$` / `$$...$$` in the source, no MathJax error, no operator name split by
    spaces, and no `$` or TeX command left in the visible prose. Screenshots of two formula
    cells are saved under tmp_path."""
    from PIL import Image
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    base, token, work = lab
    lesson = "02_numerical_stability"
    cells = json.loads((work / "notebooks" / f"{lesson}.ipynb").read_text())["cells"]
    expected = {i: formulas("".join(c["source"])) for i, c in enumerate(cells)
                if c["cell_type"] == "markdown"}
    expected = {i: n for i, n in expected.items() if n != (0, 0)}
    assert sum(inline for inline, _ in expected.values()) >= 50  # the lesson is full of math
    assert any(display for _, display in expected.values())
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{base}/lab/workspaces/math/tree/{lesson}.ipynb?token={token}")
            page.locator(".jp-MarkdownCell .jp-RenderedMarkdown").first.wait_for(timeout=90_000)
            assert page.evaluate(RENDER_ALL_CELLS) == len(cells)
            typeset = "".join(
                f"&& c[{i}] && c[{i}].inline === {inline} && c[{i}].display === {display}"
                for i, (inline, display) in expected.items())
            try:
                page.wait_for_function(f"() => {{ const c = ({DESCRIBE_MATH})(); return true "
                                       f"{typeset}; }}", timeout=60_000)
            except PlaywrightTimeout:
                pass  # the asserts below say which cell is not typeset
            seen = {d["index"]: d for d in page.evaluate(DESCRIBE_MATH) if d}
            for i, (inline, display) in expected.items():
                where = f"cell {i}: {''.join(cells[i]['source'])[:60]!r}"
                assert i in seen, f"{where} was not rendered"
                assert (seen[i]["inline"], seen[i]["display"]) == (inline, display), where
                assert seen[i]["errors"] == 0, where
                assert seen[i]["split_names"] == 0, f"{where}: use \\mathrm, not \\operatorname"
            for d in seen.values():
                assert "$" not in d["prose"], d["prose"]
                assert not re.search(r"\\[A-Za-z]+", d["prose"]), d["prose"]

            shots = {}
            for name, marker in [("softplus", "also called *softplus*"),
                                 ("chain_rule", "By the chain rule")]:
                index = next(i for i in expected if marker in "".join(cells[i]["source"]))
                cell = page.locator(".jp-Notebook .jp-Cell").nth(index)
                cell.scroll_into_view_if_needed()
                shots[name] = tmp_path / f"lesson2_{name}.png"
                cell.screenshot(path=str(shots[name]))
            for path in shots.values():
                with Image.open(path) as image:
                    assert image.format == "PNG" and image.width > 400
                    # typeset text: some dark pixels on the light background
                    assert image.convert("L").getextrema()[0] < 80, path
        finally:
            browser.close()


def test_lesson_2_compare_rules_is_drawn(lab):
    """Lesson 2 run in JupyterLab shows compare_rules' HTML: the verdict, and the drawing of
    both programs loaded as an image. A screenshot goes to artifacts/compare_lesson02.png."""
    from PIL import Image
    from playwright.sync_api import expect, sync_playwright

    base, token, _ = lab
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "compare_lesson02.png"
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = open_and_run_all(browser, f"{base}/lab/workspaces/compare/tree/"
                                             f"02_numerical_stability.ipynb?token={token}")
            output = page.locator(".jp-OutputArea-output",
                                  has_text="compare_rules, mode grad").first
            expect(output).to_contain_text("1 changed", timeout=180_000)
            image = output.locator("img[alt^='the grad programs']")
            expect(image).to_have_count(1, timeout=30_000)
            page.wait_for_function("(img) => img.complete && img.naturalWidth > 0",
                                   arg=image.element_handle(), timeout=30_000)
            # Run All scrolls on to later cells: let it finish, or the element screenshot
            # catches whatever cell is passing by (seen in CI: a blank box).
            page.wait_for_function(ALL_RAN, timeout=180_000)
            output.scroll_into_view_if_needed()
            page.wait_for_function("(img) => img.complete && img.naturalWidth > 0",
                                   arg=image.element_handle(), timeout=30_000)
            output.screenshot(path=str(shot))
        finally:
            browser.close()
    with Image.open(shot) as png:
        assert png.format == "PNG" and png.width > 400 and png.height > 200
        assert png.convert("L").getextrema()[0] < 80  # drawn text and lines, not a blank box
