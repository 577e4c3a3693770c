"""Predictions stay hidden until the learner asks (issue 20): for every predict exercise, the
visible text of its unopened lesson shows no answer, neither in JupyterLab on the learner's
workspace copy nor on the static site; and the answer does show once the learner opens it.
Also, in the same lab: a check grades only what its own exercise's cell produced.

"The answer" is what the exercise's `%%solution` cell shows: its verdict ("What JAX does: c."),
what its code prints (the error each call raises), and its code (`answer, = raised`), plus the
old wording "you predicted". One JupyterLab (every cell rendered: windowing off) and one site
build serve the whole module. Needs Debian's Chromium, and npm for the site
(`requires("chromium")`, `requires("npm")`: skipped without them, except under CI).
"""

import contextlib
import io
import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from jupyterlab_server import CHROMIUM_ARGS, jupyterlab
from requires import CHROMIUM
from test_site import sitebuild

from course import workspace as ws
from course.checks import EXERCISES, solution_source
from course.checks.checking import normalize_prediction

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
PREDICTIONS = sorted(i for i, ex in EXERCISES.items() if ex.kind == "predict")
LESSONS = sorted({ex.lesson for ex in EXERCISES.values() if ex.kind == "predict"})
SHOW_ANSWER = "Show what JAX does"

pytestmark = pytest.mark.requires("chromium")


def reveals(exercise_id: str) -> list[str]:
    """The texts that give away the answer of `exercise_id`."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        reference = EXERCISES[exercise_id].solution()
    verdict = f"What JAX does: {normalize_prediction(reference, reference)}."
    lines = [line.strip() for line in printed.getvalue().splitlines() if line.strip()]
    return [verdict, *lines, solution_source(exercise_id).strip().splitlines()[-1]]


REVEALS = {i: reveals(i) for i in PREDICTIONS}


def in_lesson(lesson: str) -> list[str]:
    return [i for i in PREDICTIONS if EXERCISES[i].lesson == lesson]


def given_away(text: str, lesson: str) -> list[str]:
    found = ["you predicted"] if "you predicted" in text else []
    return found + [f"{i}: {r!r}" for i in in_lesson(lesson) for r in REVEALS[i] if r in text]


def test_every_prediction_has_answer_texts():
    assert len(PREDICTIONS) == 14
    assert REVEALS["01_nonlinear_tangent"][:2] == ["What JAX does: c.", "a: runs"]
    assert any("NotImplementedError: Transpose rule" in r
               for r in REVEALS["01_nonlinear_tangent"])  # the real error (A23)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def screenshot(page, element, lesson: str, name: str) -> None:
    """For lesson 12 (two predictions), artifacts/predictions_12_<name>.png around `element`."""
    if lesson.startswith("12"):
        ARTIFACTS.mkdir(exist_ok=True)
        element.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"predictions_12_{name}.png"))


# --- JupyterLab, on the learner's workspace copy ------------------------------------------------

@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    work = tmp_path_factory.mktemp("predictions_lab")
    course = work / "course"
    course.mkdir()
    for lesson in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"):
        shutil.copy(lesson, course / lesson.name)
    space = work / "workspace"
    ws.sync(space, source=course)
    # Every cell rendered, so the page's text is the whole lesson (JupyterLab otherwise renders
    # only the cells near the viewport).
    tracker = work / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    with jupyterlab(work, root=space, app_settings=ROOT / "lab") as (base, token):
        yield SimpleNamespace(base=base, token=token, space=space)


# The lesson's notebook, its cells all in the page, each predict solution's output drawn.
LESSON_SHOWN = """([path, boxes]) => {
  if (!window.jupyterapp) return false;  // the page is still loading
  const panel = window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.context || panel.context.path !== path || !panel.context.isReady
      || !panel.content || !panel.content.model) return false;
  const node = panel.content.node;
  return node.querySelectorAll('.jp-Cell').length === panel.content.model.cells.length
      && node.querySelectorAll('.jp-OutputArea-output summary').length >= boxes;
}"""
VISIBLE_TEXT = "() => window.jupyterapp.shell.currentWidget.content.node.innerText"


@pytest.mark.parametrize("lesson", LESSONS)
def test_lab_shows_no_answer_until_opened(lab, browser, lesson):
    path = f"{lesson}.ipynb"
    assert lab.space.joinpath(path).exists()
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(120_000)
    try:
        page.goto(f"{lab.base}/lab/workspaces/hidden-{lesson[:2]}/tree/{path}?token={lab.token}")
        exercises = in_lesson(lesson)
        page.wait_for_function(LESSON_SHOWN, arg=[path, len(exercises)])
        text = page.evaluate(VISIBLE_TEXT)
        for exercise_id in exercises:  # the page is there: its check and solution boxes show
            assert f"{exercise_id}: not attempted yet" in text
            assert f"{exercise_id}: reference solution passes" in text
        assert text.count(SHOW_ANSWER) == len(exercises)
        assert given_away(text, lesson) == []
        box = page.locator(".jp-OutputArea-output", has_text=f"{exercises[-1]}: reference "
                           "solution passes").first
        screenshot(page, box, lesson, "lab_unopened")
        # Asked for: a click on each box's summary shows what JAX does.
        for summary in page.locator(".jp-OutputArea-output summary",
                                    has_text=SHOW_ANSWER).all():
            summary.click()
        opened = page.evaluate(VISIBLE_TEXT)
        for exercise_id in exercises:
            missing = [r for r in REVEALS[exercise_id][:-1] if r not in opened]
            assert missing == [], (exercise_id, missing)
        screenshot(page, box, lesson, "lab_opened")
    finally:
        page.close()


# --- the static site -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("predictions_site") / "html"
    sitebuild.build(out)
    return out


@pytest.mark.requires("npm")
@pytest.mark.parametrize("lesson", LESSONS)
def test_site_shows_no_answer_until_opened(site, browser, lesson):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto((site / f"{lesson}.html").as_uri())
        page.wait_for_load_state("load")
        exercises = in_lesson(lesson)
        text = page.evaluate("() => document.body.innerText")
        assert "Show the solution" in text
        assert SHOW_ANSWER not in text  # inside the closed "Show the solution" dropdowns
        assert given_away(text, lesson) == []
        dropdown = page.locator("details.hide", has_text=f"%%solution {exercises[-1]}").first
        screenshot(page, dropdown, lesson, "site_unopened")
        # Asked for: open the solution, then its "Show what JAX does".
        for summary in page.locator("details.hide > summary").all():
            summary.click()
        for summary in page.locator("summary", has_text=SHOW_ANSWER).all():
            summary.click()
        opened = page.evaluate("() => document.body.innerText")
        for exercise_id in exercises:
            missing = [r for r in REVEALS[exercise_id] if r not in opened]
            assert missing == [], (exercise_id, missing)
        screenshot(page, page.locator("summary", has_text=SHOW_ANSWER).last, lesson,
                   "site_opened")
    finally:
        page.close()


# --- a check grades its own exercise, in JupyterLab --------------------------------------------

# Put `source` in the cell with id `cell_id` (JupyterLab keeps the file's nbformat ids), run it,
# and resolve once the kernel is idle again.
RUN_CELL = """async ([cellId, source]) => {
  const panel = window.jupyterapp.shell.currentWidget;
  const nb = panel.content;
  const index = nb.widgets.findIndex(c => c.model.id === cellId);
  if (index < 0) throw new Error('no cell with id ' + cellId);
  if (source !== null) nb.widgets[index].model.sharedModel.setSource(source);
  nb.activeCellIndex = index;
  await window.jupyterapp.commands.execute('notebook:run-cell');
  return index;
}"""
CHECK_CELL = """([exerciseId]) => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  return nb.widgets.find(c => c.model.sharedModel.getSource().trim()
      === `course.check("${exerciseId}", answer)`).model.id;
}"""
OUTPUT = """([cellId]) => window.jupyterapp.shell.currentWidget.content.widgets
  .find(c => c.model.id === cellId).model.outputs.toJSON()
  .map(o => o.text || (o.data && o.data['text/plain']) || o.evalue || '')
  .map(t => Array.isArray(t) ? t.join('') : t).join('\\n')"""


def test_lab_check_grades_only_its_own_exercises_answer(lab, browser):
    """In the learner's copy of lesson 2, with JupyterLab's own cell ids: an answer from another
    exercise's cell and an answer left by a failed cell are not graded, nor recorded."""
    from course.store import records

    path = "02_numerical_stability.ipynb"
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(120_000)
    try:
        page.goto(f"{lab.base}/lab/workspaces/own-answer/tree/{path}?token={lab.token}")
        page.wait_for_function(LESSON_SHOWN, arg=[path, 1])
        page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first.wait_for()
        page.evaluate("""async () => { await window.jupyterapp.shell.currentWidget.sessionContext
            .session.kernel.requestExecute({code: 'import course'}).done; }""")
        outer, sigmoid = (page.evaluate(CHECK_CELL, [i]) for i in ("02_outer_chain",
                                                                   "02_log_sigmoid"))

        def run(cell_id, source=None):
            page.evaluate(RUN_CELL, [cell_id, source])  # resolves when the cell has run
            return page.evaluate(OUTPUT, [cell_id])

        run("exercise-02_outer_chain", "answer = 1.0")
        assert ("Your `answer` was set by the cell of exercise 02_outer_chain, not by this "
                "exercise's cell") in run(sigmoid)
        assert run("exercise-02_outer_chain", "answer = nan") == "name 'nan' is not defined"
        assert ("[02_outer_chain] not attempted yet: The exercise cell above has not run "
                "successfully") in run(outer)
        assert records(lab.space) == []  # neither was an attempt
        run("exercise-02_outer_chain", 'answer = "1.0"')
        assert "[02_outer_chain] passed" in run(outer)
        assert [(r["exercise"], r["passed"]) for r in records(lab.space)] == [
            ("02_outer_chain", True)]
    finally:
        page.close()
