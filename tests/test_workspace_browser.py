"""The learner's workspace in a real browser (issue 13), one JupyterLab for the whole module,
launched as `python3 run.py lab` does: `python -m course.workspace sync`, then JupyterLab rooted
at the workspace with lab/ as its app settings (overrides.json). The course is a copy of the
lessons in a temporary folder, so the simulated course update never touches notebooks/.

The tests run in order, as one learner's story: the start page, an exercise done wrong then
right and saved, a course update, a kernel restart, a reset, a junk progress store.
Needs Debian's Chromium (`requires("chromium")`: skipped without it, except under CI).
"""

import json
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from jupyterlab_server import CHROMIUM_ARGS, jupyterlab
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from requires import CHROMIUM
from test_browser import EDIT_SCAFFOLD, RIGHT_RULE, RUN, WRONG_RULE
from test_run import run

from course import workspace as ws
from course.store import STORE, records

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
LESSON = "02_numerical_stability.ipynb"
UNTOUCHED = "03_differentiation_conventions.ipynb"
NEW_LESSON = "12_new_lesson.ipynb"
PLACEHOLDER = 'raise NotImplementedError("replace this line with your rule")'
NEW_CELL = "New in this version of the course."

pytestmark = pytest.mark.requires("chromium")


def course_cli(*args: str, course: Path) -> subprocess.CompletedProcess:
    """`python -m course.workspace` as run.py runs it, on the test's copy of the course."""
    result = subprocess.run([sys.executable, "-m", "course.workspace", "--source", str(course),
                             *args], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    work = tmp_path_factory.mktemp("workspace_lab")
    course = work / "course"
    course.mkdir()
    for lesson in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"):
        shutil.copy(lesson, course / lesson.name)
    space = work / "workspace"
    started = time.perf_counter()
    first = course_cli("sync", str(space), course=course)
    # run.py lab's options, but for the root and app settings the harness sets.
    args = [a for a in run.lab_arguments(str(space))
            if not a.startswith(("--ServerApp.root_dir=", "--LabApp.app_settings_dir="))]
    with jupyterlab(work, root=space, app_settings=ROOT / "lab", args=args,
                    env=run.lab_environment()) as (base, token):
        print(f"first sync + JupyterLab ready: {time.perf_counter() - started:.1f} s")
        yield SimpleNamespace(base=base, token=token, course=course, space=space,
                              first=first.stdout, lessons=sorted(p.name for p in course.iterdir()))


@pytest.fixture(scope="module")
def browser(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_page(browser, lab, name: str, file: str):
    """A fresh JupyterLab page (its own lab workspace `name`, so no tab of an earlier test is
    restored) showing `file` of the learner's workspace."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(120_000)  # a loaded machine (2 cores, many test runs) is slow
    page.goto(f"{lab.base}/lab/workspaces/{name}/tree/{file}?token={lab.token}")
    return page


def wait_for_kernel(page):
    from playwright.sync_api import expect

    expect(page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first).to_be_visible(
        timeout=120_000)


def progress_rows(page) -> list[dict]:
    """The progress table's rows as the page shows them: the file each links to (JupyterLab
    resolves `02_x.ipynb` to `/files/02_x.ipynb?_xsrf=...`) and the cells' text."""
    rows = page.evaluate("""() => [...document.querySelectorAll(
        '.jp-OutputArea-output table tbody tr')].map(tr => ({
          href: tr.querySelector('a') && tr.querySelector('a').getAttribute('href'),
          cells: [...tr.querySelectorAll('td')].map(td => td.innerText.trim())}))""")
    for row in rows:
        row["href"] = urllib.parse.unquote(urllib.parse.urlsplit(row["href"]).path).rsplit(
            "/files/", 1)[-1]
    return rows


def submit(page, marker: str, source: str) -> str:
    """Put `source` in the cell holding `marker`, run it and the check cell after it; return the
    check cell's output text."""
    index = page.evaluate(EDIT_SCAFFOLD, [marker, source])
    page.evaluate(RUN % "notebook:run-cell-and-select-next")
    page.wait_for_function("() => window.jupyterapp.shell.currentWidget.content.activeCellIndex"
                           f" === {index + 1}")
    page.evaluate(RUN % "notebook:run-cell-and-select-next")
    try:
        page.wait_for_function(f"() => /\\[02_logcosh\\] (passed|not yet right)/"
                               f".test(({OUTPUT_TEXT})({index + 1}))", timeout=180_000)
    except PlaywrightTimeout:
        pytest.fail(f"no feedback; the check cell shows: {page.evaluate(OUTPUT_TEXT, index + 1)}")
    return page.evaluate(OUTPUT_TEXT, index + 1)


# A cell's outputs as text, read from the notebook's model: a cell far from the viewport may not
# be rendered (JupyterLab windows long notebooks), but its outputs are in the model.
OUTPUT_TEXT = """(index) => window.jupyterapp.shell.currentWidget.content.widgets[index].model
  .outputs.toJSON().map(o => o.text || (o.data && o.data['text/plain']) || '')
  .map(t => Array.isArray(t) ? t.join('') : t).join('\\n')"""

# True once the notebook has loaded and the cell holding `marker` is the active one.
SELECT_CELL = """(marker) => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  const index = nb.widgets.findIndex(c => c.model.sharedModel.getSource().includes(marker));
  if (index < 0) return false;
  nb.activeCellIndex = index;
  return nb.activeCellIndex === index;
}"""


# What the 02_logcosh scaffold needs from the cells above it, run in the notebook's kernel
# (running the whole lesson above it, explorers and graphs included, takes minutes on a busy
# machine; tests/test_browser.py runs lesson 2 in full).
PREPARE_KERNEL = """async () => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  await kernel.requestExecute({code: 'import course\\nimport jax\\nimport jax.numpy as jnp\\n'
                                     + 'from jax import custom_jvp'}).done;
}"""


def prepare_the_exercise(page) -> None:
    """A kernel ready for the 02_logcosh scaffold, and the notebook loaded."""
    wait_for_kernel(page)
    page.wait_for_function(SELECT_CELL, arg=PLACEHOLDER)
    page.evaluate(PREPARE_KERNEL)


def test_1_fresh_launch_one_entry_per_lesson_and_a_quiet_lab(lab, browser):
    page = open_page(browser, lab, "start", ws.START_PAGE)
    page.wait_for_function("() => document.querySelectorAll("
                           "'.jp-OutputArea-output table tbody tr').length > 0", timeout=120_000)
    rows = progress_rows(page)
    assert [r["href"] for r in rows] == lab.lessons  # exactly one entry per lesson
    titles = {name: ws.title(json.loads((lab.space / name).read_text())) for name in lab.lessons}
    assert all(titles[r["href"]] in r["cells"][0] for r in rows)
    listing = page.locator(".jp-DirListing-content .jp-DirListing-itemName")
    listing.first.wait_for(timeout=30_000)
    assert sorted(listing.all_inner_texts()) == sorted([ws.START_PAGE] + lab.lessons)
    # A click on a lesson's entry opens it in JupyterLab, as a notebook.
    page.locator(".jp-OutputArea-output table tbody tr a", has_text=LESSON[:-6]).click()
    tab = page.locator(".lm-TabBar-tab.jp-mod-current", has_text=LESSON)
    tab.first.wait_for(timeout=60_000)
    page.wait_for_function("""(path) => { const w = window.jupyterapp.shell.currentWidget;
        return w.context.path === path && w.content.widgets.length > 10; }""", arg=LESSON,
                           timeout=60_000)
    page.locator(".lm-TabBar-tab", has_text=ws.START_PAGE).first.click()
    # The overrides in lab/ set the news and update checks off, and no toast shows.
    url = (f"{lab.base}/lab/api/settings/@jupyterlab/apputils-extension:notification"
           f"?token={lab.token}")
    with urllib.request.urlopen(url, timeout=30) as response:
        defaults = json.load(response)["schema"]["properties"]
    assert defaults["fetchNews"]["default"] == "false"
    assert defaults["checkForUpdates"]["default"] is False
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(3000)  # the news question would come a moment after the page
    assert page.locator(".Toastify__toast").count() == 0
    page.screenshot(path=str(ARTIFACTS / "workspace_start.png"))
    page.close()


def test_1b_the_lab_opens_on_the_start_page_not_modified(lab, browser):
    """The server's own address (what a browser opens first) shows the start page; once its
    kernel is up, the page is not marked modified (its language_info is complete)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(120_000)
    try:
        page.goto(f"{lab.base}/?token={lab.token}")
        page.wait_for_function("""(path) => { const w = window.jupyterapp
            && window.jupyterapp.shell.currentWidget;
            return w && w.context && w.context.path === path; }""", arg=ws.START_PAGE)
        wait_for_kernel(page)
        page.wait_for_timeout(2000)  # language_info arrives with the kernel's info reply
        assert page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model"
                             ".dirty") is False
        tab = page.locator(".lm-TabBar-tab.jp-mod-current", has_text=ws.START_PAGE)
        assert "jp-mod-dirty" not in tab.first.get_attribute("class")
    finally:
        page.screenshot(path=str(ARTIFACTS / "workspace_opens_on_start.png"))
        page.close()


def test_1c_tab_in_a_code_cell_indents_as_the_lessons_do(lab, browser):
    """The lessons indent by 2 spaces; Tab at the start of a line of the exercise's cell adds
    2 (lab/overrides.json), not JupyterLab's default 4. The page is closed unsaved."""
    page = open_page(browser, lab, "tab", LESSON)
    try:
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                               " && window.jupyterapp.shell.currentWidget.content")
        page.wait_for_function(SELECT_CELL, arg=PLACEHOLDER)
        before = page.evaluate(ACTIVE_SOURCE)
        page.evaluate(RUN % "notebook:enter-edit-mode")
        page.locator(".jp-Cell.jp-mod-active .cm-content").first.wait_for()
        page.keyboard.press("Control+Home")
        page.keyboard.press("Tab")
        page.wait_for_function(f"() => ({ACTIVE_SOURCE})() !== {json.dumps(before)}")
        assert page.evaluate(ACTIVE_SOURCE) == "  " + before
    finally:
        page.close()


ACTIVE_SOURCE = """() => window.jupyterapp.shell.currentWidget.content.activeCell.model.sharedModel
  .getSource()"""


def test_2_an_exercise_wrong_then_right_and_saved(lab, browser):
    page = open_page(browser, lab, "exercise", LESSON)
    try:
        prepare_the_exercise(page)
        wrong = submit(page, PLACEHOLDER, WRONG_RULE)
        assert "[02_logcosh] not yet right" in wrong
        right = submit(page, "jnp.sinh(x) / jnp.cosh(x)", RIGHT_RULE)
        assert "[02_logcosh] passed" in right
        page.evaluate(RUN % "docmanager:save")
        deadline = time.time() + 60
        while "jnp.tanh(x) * x_dot" not in (lab.space / LESSON).read_text():
            assert time.time() < deadline, "the save did not reach the disk"
            time.sleep(0.5)
    finally:
        page.screenshot(path=str(ARTIFACTS / "workspace_exercise.png"))
        page.close()
    assert [(r["exercise"], r["passed"]) for r in records(lab.space)
            if r["exercise"] == "02_logcosh"] == [("02_logcosh", False), ("02_logcosh", True)]
    assert not any(r["passed"] for r in records(lab.space) if r["exercise"] != "02_logcosh")
    assert not (lab.space / LESSON.replace(".ipynb", ".md")).exists()  # no Jupytext pair


def test_3_a_course_update_keeps_the_edit_and_says_so(lab, browser):
    mine = (lab.space / LESSON).read_bytes()
    for name in (LESSON, UNTOUCHED):
        notebook = json.loads((lab.course / name).read_text())
        notebook["cells"].append({"cell_type": "markdown", "id": "new-in-course",
                                  "metadata": {}, "source": NEW_CELL})
        (lab.course / name).write_text(json.dumps(notebook, indent=1))
    new = json.loads((lab.course / lab.lessons[0]).read_text())
    new["cells"][0]["source"] = "# 12. A lesson that was not there before"
    (lab.course / NEW_LESSON).write_text(json.dumps(new, indent=1))

    relaunch = course_cli("sync", str(lab.space), course=lab.course)

    assert f"{LESSON}: A newer version of this lesson exists" in relaunch.stdout
    assert "python3 run.py reset 02" in relaunch.stdout
    assert (lab.space / LESSON).read_bytes() == mine
    assert NEW_CELL in (lab.space / UNTOUCHED).read_text()
    assert (lab.space / NEW_LESSON).exists()

    page = open_page(browser, lab, "updated", ws.START_PAGE)
    try:
        notice = page.locator(".jp-RenderedMarkdown", has_text="to get the new version")
        notice.first.wait_for(timeout=120_000)
        assert f"{LESSON}: to get the new version, python3 run.py reset 02" in \
            notice.first.inner_text()
        rows = {r["href"]: r for r in progress_rows(page)}
        assert sorted(rows) == sorted(lab.lessons + [NEW_LESSON])
        assert "A newer version of this lesson exists" in rows[LESSON]["cells"][0]
        assert "02_logcosh" in rows[LESSON]["cells"][1]  # passed
        page.close()
        page = open_page(browser, lab, "edited", LESSON)
        scaffold = page.locator(".jp-Cell", has_text="jnp.tanh(x) * x_dot")
        scaffold.first.wait_for(timeout=60_000)
        assert page.locator(".jp-Cell", has_text=NEW_CELL).count() == 0
        page.close()
        page = open_page(browser, lab, "untouched", UNTOUCHED)
        page.locator(".jp-Cell", has_text=NEW_CELL).first.wait_for(timeout=60_000)
    finally:
        page.close()


def test_4_progress_survives_a_kernel_restart(lab, browser):
    page = open_page(browser, lab, "restart", ws.START_PAGE)
    try:
        wait_for_kernel(page)
        prompt = page.locator(".jp-CodeCell .jp-InputPrompt").first
        for count in ("1", "2"):
            page.evaluate(RUN % "notebook:run-all-cells")
            page.wait_for_function(f"() => document.querySelector('.jp-CodeCell .jp-InputPrompt')"
                                   f".innerText.includes('[{count}]')", timeout=120_000)
        page.evaluate("""() => window.jupyterapp.shell.currentWidget.sessionContext.session
                         .kernel.restart()""")
        wait_for_kernel(page)
        page.evaluate(RUN % "notebook:run-all-cells")
        page.wait_for_function("() => document.querySelector('.jp-CodeCell .jp-InputPrompt')"
                               ".innerText.includes('[1]')", timeout=120_000)  # a new kernel
        assert "[1]" in prompt.inner_text()
        page.wait_for_function("() => document.querySelectorAll("
                               "'.jp-OutputArea-output table tbody tr').length > 0")
        row = next(r for r in progress_rows(page) if r["href"] == LESSON)
        assert "02_logcosh" in row["cells"][1]
        assert "Your progress: 1 of" in page.locator(".jp-OutputArea-output").first.inner_text()
    finally:
        page.close()


def test_5_reset_restores_the_lesson_and_the_backup_holds_the_edit(lab, browser):
    # The lesson is open (with the learner's edit) when the reset happens in a terminal.
    stale = open_page(browser, lab, "stale", LESSON)
    stale.locator(".jp-Cell", has_text="jnp.tanh(x) * x_dot").first.wait_for(timeout=60_000)
    stale.wait_for_function(SELECT_CELL, arg="jnp.tanh(x) * x_dot")
    result = course_cli("reset", "02", str(lab.space), course=lab.course)
    assert f"{LESSON}: restored from the course; your copy is in backups/" in result.stdout
    (backup,) = (lab.space / ws.BACKUPS).glob(f"*/{LESSON}")
    assert "jnp.tanh(x) * x_dot" in backup.read_text()
    restored = (lab.space / LESSON).read_text()
    assert NEW_CELL in restored and PLACEHOLDER.replace('"', '\\"') in restored
    try:
        # The stale tab's next save: JupyterLab asks (Overwrite is its default), and the
        # overwrite is refused with the instruction; the fresh lesson stays on disk.
        stale.evaluate(EDIT_SCAFFOLD, ["jnp.tanh(x) * x_dot",
                                       "return logcosh(x), jnp.tanh(x) * x_dot  # stale"])
        stale.evaluate(RUN % "docmanager:save")
        stale.locator(".jp-Dialog button", has_text="Overwrite").click()
        error = stale.locator(".jp-Dialog-body", has_text="Not saved:")
        error.wait_for(timeout=60_000)
        assert f"{LESSON} was reset" in error.inner_text()
        assert "File > Reload Notebook from Disk" in error.inner_text()
        stale.screenshot(path=str(ARTIFACTS / "workspace_stale_save_refused.png"))
        stale.locator(".jp-Dialog button").last.click()
        stale.wait_for_timeout(1000)
        assert (lab.space / LESSON).read_text() == restored
        # As the message says: reload from disk; the tab shows the fresh lesson and saves.
        stale.evaluate(RUN % "docmanager:reload")
        stale.locator(".jp-Dialog button", has_text="Reload").click()
        stale.locator(".jp-Cell", has_text=NEW_CELL).first.wait_for(timeout=60_000)
        stale.evaluate(RUN % "docmanager:save")
        deadline = time.time() + 60
        while True:  # the server writes the file in place: a read may catch it half written
            text = (lab.space / LESSON).read_text()
            try:
                saved = json.loads(text) if text != restored else None
            except ValueError:
                saved = None
            if saved is not None:
                break
            assert time.time() < deadline, "the reloaded tab's save did not reach the disk"
            time.sleep(0.5)
        assert ws.cells_sha(saved) == ws.cells_sha(json.loads(restored))  # the fresh lesson
    finally:
        stale.screenshot(path=str(ARTIFACTS / "workspace_stale_after_reload.png"))
        stale.close()
    page = open_page(browser, lab, "reset", LESSON)
    try:
        page.locator(".jp-DirListing-content .jp-DirListing-itemName",
                     has_text=ws.BACKUPS).first.wait_for(timeout=60_000)
        page.locator(".jp-Cell", has_text="replace this line with your rule").first.wait_for(
            timeout=60_000)
        page.locator(".jp-Cell", has_text=NEW_CELL).first.wait_for(timeout=60_000)
    finally:
        page.screenshot(path=str(ARTIFACTS / "workspace_reset.png"))
        page.close()


def test_6_a_junk_store_is_kept_aside_with_one_clear_line(lab, browser):
    junk = b"not a database, whatever it was\n" * 64
    (lab.space / STORE).write_bytes(junk)
    for extra in ("-wal", "-shm"):
        (lab.space / STORE).with_name(STORE.name + extra).unlink(missing_ok=True)
    page = open_page(browser, lab, "junk", LESSON)
    try:
        prepare_the_exercise(page)
        output = submit(page, PLACEHOLDER, RIGHT_RULE)
    finally:
        page.screenshot(path=str(ARTIFACTS / "workspace_junk_store.png"))
        page.close()
    assert "[02_logcosh] passed" in output
    lines = [line for line in output.splitlines() if "progress store" in line]
    assert len(lines) == 1
    assert lines[0].startswith("course: your progress store could not be read (file is not a "
                               "database); it was kept as progress.sqlite.damaged-")
    (aside,) = (lab.space / STORE).parent.glob("progress.sqlite.damaged-*")
    assert aside.read_bytes() == junk
    assert [(r["exercise"], r["passed"]) for r in records(lab.space)] == [("02_logcosh", True)]
