"""The explorers in JupyterLab, in Chromium: built by one cell run, then moved in the browser
with no message to or from the kernel; what is drawn follows the slider's grid points, the
same text as the Python side says; nan is written out, not only coloured. Lesson 2's whole
JupyterLab page has no serious accessibility violation. JupyterLab is served as
`python3 run.py lab` serves it (lab/: its settings, and the course's extension).

Needs Debian's Chromium (`requires("chromium")`: skipped without it, except under CI).
"""

import json
import re
import shutil
from pathlib import Path

import jax
import lesson_functions as L
import pytest
from jupyterlab_server import CHROMIUM_ARGS, jupyterlab
from requires import CHROMIUM
from test_run import run

import widgets

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.requires("chromium")

# One notebook, one cell per explorer, built with the lessons' functions.
SETUP = (f"import sys\nsys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'tests')!r}]\n"
         "import jax\nimport jax.numpy as jnp\nimport lesson_functions as L\nimport widgets")
BUILDS = {
    "stability": "widgets.stability_explorer(naive=L.naive_log1pexp, rule=L.log1pexp, x=3.0)",
    "convention": "widgets.convention_explorer(naive=L.naive_f, rule=L.f, x=0.0)",
    "clipping": "widgets.clipping_explorer(clip_gradient=L.clip_gradient, lo=-0.75, hi=0.75)",
    "fixed point": "widgets.fixed_point_explorer(solver=L.newton_sqrt, update=L.newton_update, "
                   "reference=jnp.sqrt, a=2.0, iterations=4)",
    "stepper": "widgets.jaxpr_stepper(jax.grad(L.naive_log1pexp), 100.0)",
    "compare": "widgets.compare_stepper(L.naive_log1pexp, L.log1pexp, 100.0)",
}
RUN = "() => { window.jupyterapp.commands.execute('%s'); }"
LESSON_2 = "02_numerical_stability"

def notebook(path: Path) -> Path:
    cells = [SETUP] + list(BUILDS.values())
    path.write_text(json.dumps({
        "cells": [{"cell_type": "code", "source": c, "metadata": {}, "outputs": [],
                   "execution_count": None} for c in cells],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5}))
    return path


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """JupyterLab on a folder with one notebook of explorers, run once, in one Chromium page;
    frames on the kernel's websockets are counted as they go."""
    from playwright.sync_api import expect, sync_playwright

    work = tmp_path_factory.mktemp("explorers")
    (work / "nb").mkdir()
    notebook(work / "nb" / "explorers.ipynb")
    shutil.copy(ROOT / "notebooks" / f"{LESSON_2}.ipynb", work / "nb")
    with jupyterlab(work, root=work / "nb", app_settings=ROOT / "lab",
                    env=run.lab_environment()) as (base, token), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            frames = {"sent": 0, "received": 0}

            def watch(ws):
                if "/api/kernels/" in ws.url:
                    ws.on("framesent", lambda _: frames.__setitem__("sent", frames["sent"] + 1))
                    ws.on("framereceived",
                          lambda _: frames.__setitem__("received", frames["received"] + 1))

            page.on("websocket", watch)
            page.goto(f"{base}/lab/workspaces/explorers/tree/explorers.ipynb?token={token}")
            expect(page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first).to_be_visible(
                timeout=90_000)
            page.evaluate(RUN % "notebook:run-all-cells")
            expect(page.locator(".course-drawn")).to_have_count(len(BUILDS), timeout=120_000)
            page.frames_seen = frames
            page.lab = (base, token)
            page.new_tab = lambda: browser.new_page(viewport={"width": 1400, "height": 1000})
            yield page
        finally:
            browser.close()


def explorer(page, n: int):
    return page.locator(".course-drawn").nth(n)


def test_stability_moves_in_the_browser_with_no_kernel_message(page):
    from playwright.sync_api import expect

    python = widgets.stability_explorer(naive=L.naive_log1pexp, rule=L.log1pexp, x=3.0)
    view = explorer(page, 0)
    status = view.locator(".course-status")
    expect(status).to_have_text(python.status)
    slider = view.get_by_label("x", exact=True)
    slider.focus()
    page.wait_for_timeout(500)  # let the comm's opening messages settle
    before = dict(page.frames_seen)
    assert before["sent"] > 0 and before["received"] > 0  # the count sees the cells' messages
    for _ in range(4):
        slider.press("ArrowRight")  # one grid point each: 3.0 -> 5.0
    expect(view.locator("output")).to_have_text("5.0")
    python.apply(x=5.0)
    expect(status).to_have_text(python.status)
    slider.press("End")
    python.apply(x=150.0)
    expect(status).to_have_text(python.status)
    assert "grad(naive_log1pexp) = nan" in python.status
    assert view.locator(".course-beside").inner_text() == python.beside_text()
    # nan is written at the marker, not only coloured, and whole inside the picture
    nan = view.locator("svg text.course-note", has_text=re.compile(r"^nan$"))  # the marker's
    expect(nan).to_be_visible()
    from accessibility import within

    assert within(nan.bounding_box(), view.locator("svg.course-plot").bounding_box())
    # a drag with the mouse, across the whole slider
    box = slider.bounding_box()
    page.mouse.move(box["x"] + 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    for i in range(1, 21):
        page.mouse.move(box["x"] + box["width"] * i / 20, box["y"] + box["height"] / 2)
    page.mouse.up()
    page.wait_for_timeout(300)
    assert page.frames_seen == before, "moving the slider sent or received kernel messages"
    expect(view.locator("output")).to_have_text("150.0")
    expect(status).to_have_text(python.status)


@pytest.mark.parametrize("name", ["convention", "clipping", "fixed point"])
def test_each_control_steps_through_its_grid_in_the_browser(page, name):
    """Each control of the other explorers: ArrowRight and Home move it one grid point and to
    the first, and the browser's status is Python's at the same grid points; no kernel
    message."""
    from playwright.sync_api import expect

    python = eval(BUILDS[name], {"widgets": widgets, "L": L, "jnp": jax.numpy, "jax": jax})
    view = explorer(page, list(BUILDS).index(name))
    status = view.locator(".course-status")
    expect(status).to_have_text(python.status)
    page.wait_for_timeout(300)
    before = dict(page.frames_seen)
    curves = view.locator("path.course-curve")
    for k, control in enumerate(python.controls):
        slider = view.get_by_label(control.name, exact=True)
        drawn = [curves.nth(i).get_attribute("d") for i in range(curves.count())]
        slider.focus()
        slider.press("ArrowRight")
        python.apply(**{control.name: float(control.values[python.position[k] + 1])})
        expect(status).to_have_text(python.status)
        expect(view.locator("output").nth(k)).to_have_text(control.label(
            control.values[python.position[k]]))
        if name != "convention":  # its curves stay; a marker moves
            assert [curves.nth(i).get_attribute("d") for i in range(curves.count())] != drawn
        slider.press("Home")
        python.apply(**{control.name: float(control.values[0])})
        expect(status).to_have_text(python.status)
    assert page.frames_seen == before, "moving a control sent or received kernel messages"


def test_the_stepper_steps_by_buttons_and_keys_in_the_browser(page):
    """The jaxpr stepper: "first nan", "previous" and "next", and the slider's keys, move it
    with no kernel message; the text says where the first nan is born, in words."""
    from playwright.sync_api import expect

    view = explorer(page, list(BUILDS).index("stepper"))
    status = view.locator(".course-status")
    expect(status).to_have_text("[0] exp(100.0) = inf")
    page.wait_for_timeout(300)
    before = dict(page.frames_seen)
    view.get_by_role("button", name="first nan").click()
    expect(status).to_have_text("[4] mul(0.0, inf) = nan  <-- the first nan is born here")
    expect(view.locator(".course-beside")).to_contain_text(
        "> [4] e:f32[] = mul d b    # e = nan    <-- the first nan is born here")
    view.get_by_role("button", name="previous").click()
    expect(status).to_have_text("[3] div(1.0, inf) = 0.0")
    view.get_by_label("equation", exact=True).press("Home")
    expect(status).to_have_text("[0] exp(100.0) = inf")
    view.get_by_role("button", name="next", exact=True).click()
    expect(status).to_have_text("[1] add(1.0, inf) = inf")
    assert page.frames_seen == before, "stepping sent or received kernel messages"


@pytest.fixture(scope="module")
def lesson_2(page):
    """Lesson 2 in a second tab of the same JupyterLab, every cell run, its explorers drawn."""
    from accessibility import require_axe
    from playwright.sync_api import expect

    require_axe()
    base, token = page.lab
    lesson = page.new_tab()
    try:
        lesson.goto(f"{base}/lab/workspaces/axe/tree/{LESSON_2}.ipynb?token={token}")
        expect(lesson.locator(".jp-StatusBar-TextItem", has_text="| Idle").first).to_be_visible(
            timeout=90_000)
        lesson.evaluate(RUN % "notebook:run-all-cells")
        drawn = lesson.locator(".course-drawn")
        expect(drawn).to_have_count(2, timeout=180_000)
        plots = lesson.locator('.jp-OutputArea-output img[src^="data:image/png"]')
        expect(plots).to_have_count(2)
        assert plots.first.get_attribute("alt").startswith("naive_log1pexp and its derivative")
        drawn.first.scroll_into_view_if_needed()
        yield lesson
    finally:
        lesson.close()


def test_axe_finds_nothing_serious_in_lesson_2s_outputs(lesson_2):
    """Lesson 2 run in JupyterLab: axe-core (site/node_modules) finds no serious or critical
    violation in any of its outputs: the two explorers (before issue 24: the slider handles had
    no accessible name, serious, and the plot image no alt text, critical), the two plots (as
    image/png, which JupyterLab shows with no alt text: critical) and the jaxpr graph."""
    from accessibility import counts, serious, violations

    found = violations(lesson_2, ".jp-OutputArea")
    assert serious(found) == [], counts(found)


def test_axe_finds_nothing_serious_on_the_whole_jupyterlab_page(lesson_2):
    """The whole page of lesson 2 in JupyterLab, its interface included: no serious or critical
    violation. JupyterLab 4.6.6 alone has 2 critical rules and 1 serious (the toolbar buttons'
    aria-pressed on their role-less <jp-button> hosts; the notebook's `feed` of plain divs; 33
    cell editors without a name), which the course's extension, lab/labextensions/course-a11y,
    fixes for screen-reader users: each editor, cell and toggle says what it is, as checked
    here beside axe."""
    from accessibility import counts, serious, violations
    from playwright.sync_api import expect

    found = violations(lesson_2)
    assert serious(found) == [], counts(found)
    cells = json.loads((ROOT / "notebooks" / f"{LESSON_2}.ipynb").read_text())["cells"]
    articles = lesson_2.locator(".jp-Notebook .jp-WindowedPanel-viewport > [role=article]")
    expect(articles).to_have_count(len(cells))
    first_code = next(i for i, c in enumerate(cells) if c["cell_type"] == "code")
    editor = lesson_2.get_by_role("textbox", name=f"Cell {first_code + 1} input, code",
                                  exact=True)
    expect(editor).to_have_count(1)
    assert articles.nth(first_code).get_attribute("aria-posinset") == str(first_code + 1)
    assert articles.nth(first_code).get_attribute("aria-setsize") == str(len(cells))
    # A toggle keeps its state on the button a screen reader reads; a plain button has none.
    toggle = lesson_2.get_by_role("button", name="Toggle File Filter", pressed=False)
    expect(toggle).to_have_count(1)
    upload = lesson_2.get_by_role("button", name="Upload Files")
    expect(upload).to_have_count(1)
    assert upload.get_attribute("aria-pressed") is None


def test_the_compare_stepper_steps_in_the_browser(page):
    """compare_stepper: "next difference" and "next" move it as its Python side says, with no
    kernel message."""
    from playwright.sync_api import expect

    python = widgets.compare_stepper(L.naive_log1pexp, L.log1pexp, 100.0)
    view = explorer(page, list(BUILDS).index("compare"))
    status = view.locator(".course-status")
    expect(status).to_have_text(python.status)
    page.wait_for_timeout(300)
    before = dict(page.frames_seen)
    view.get_by_role("button", name="next difference").click()
    python.next_difference()
    expect(status).to_have_text(python.status)
    view.get_by_role("button", name="next", exact=True).click()
    python.press("next")
    expect(status).to_have_text(python.status)
    assert view.locator(".course-beside").inner_text() == python.beside_text()
    assert page.frames_seen == before, "stepping sent or received kernel messages"
