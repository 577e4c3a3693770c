"""The classroom (`python3 run.py classroom`): a real JupyterHub on 127.0.0.1, the real proxy,
real system accounts, with a roster of one teacher and two learners, A and B.

Needs root on Linux (the hub creates accounts), npm (the proxy) and, for the learner in the
browser, Chromium. Without them these tests are skipped with the reason, except under CI
(CI=true), where they fail. The test accounts are named `crtest-<random>-...`, and they and
their homes are removed at the end, even when a test fails. One hub serves the whole module;
the last test restarts it.
"""

import importlib.util
import json
import os
import pwd
import shutil
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classroom import passwords  # noqa: E402
from classroom.harness import Hub, processes_of  # noqa: E402
from classroom.launch import (  # noqa: E402
    Refused,
    check_accounts,
    options,
    read_roster,
    settings_for,
)

LESSON = "02_numerical_stability.ipynb"
EXERCISE = "02_logcosh"
CHROMIUM = os.environ.get("COURSE_CHROMIUM") or shutil.which("chromium")


def missing() -> str | None:
    if sys.platform != "linux" or os.geteuid() != 0:
        return "the classroom creates system accounts: run the tests as root on Linux"
    if not (shutil.which("npm") and shutil.which("node")):
        return "the hub's proxy needs Node.js and npm (apt-get install npm)"
    for module in ("jupyterhub", "firstuseauthenticator", "jupyterhub_idle_culler"):
        try:
            __import__(module)
        except ImportError:
            return f"{module} is not installed (uv sync installs the classroom group)"
    return None


def need(reason: str | None) -> None:
    """Skip with the reason, or fail under CI, where every part must be there."""
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the classroom tests: {reason}", pytrace=False)
        pytest.skip(reason)


need_all = missing()


# The launcher's checks, without a hub.

def roster(tmp_path, text: str) -> Path:
    path = tmp_path / "roster.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, says", [
    ('teachers = ["t"]\nlearners = ["Ada"]', "'Ada' cannot be an account name"),
    ('learners = ["ada"]', "name at least one teacher"),
    ('teachers = ["t"]\nlearners = ["t"]', "t listed as both teacher and learner"),
    ('teachers = ["t"]\n[hub]\nprot = 80', "unknown [hub] option prot"),
    ('teachers = "t"', "`teachers` must be a list"),
    ('teachers = [', "is not valid TOML"),
])
def test_a_bad_roster_is_refused_in_one_line(tmp_path, text, says):
    with pytest.raises(Refused) as refused:
        read_roster(roster(tmp_path, text))
    assert says in str(refused.value) and "\n" not in str(refused.value)


def test_a_public_address_needs_tls_certificate_and_key(tmp_path):
    people = read_roster(roster(tmp_path, 'teachers = ["t"]'))
    assert settings_for(options([]), people)["host"] == "127.0.0.1"
    with pytest.raises(Refused, match="needs HTTPS: pass --tls-cert FILE and --tls-key FILE"):
        settings_for(options(["--host", "0.0.0.0"]), people)
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text("cert")
    for host in ("0.0.0.0", "localhost"):  # one file without the other: said, on loopback too
        with pytest.raises(Refused, match="HTTPS needs both --tls-cert FILE and --tls-key"):
            settings_for(options(["--host", host, "--tls-cert", str(cert)]), people)
    tls = ["--tls-cert", str(cert), "--tls-key", str(key)]
    with pytest.raises(Refused, match="key.pem is not a file"):
        settings_for(options(["--host", "0.0.0.0", *tls, "--subdomain-host",
                              "https://class.example.org"]), people)
    key.write_text("key")
    key.chmod(0o644)
    with pytest.raises(Refused, match="key.pem is readable by other accounts"):
        settings_for(options(["--host", "0.0.0.0", *tls, "--subdomain-host",
                              "https://class.example.org"]), people)
    key.chmod(0o600)
    # Public without per-user subdomains: a learner's page would share the hub's origin.
    with pytest.raises(Refused, match="needs each person's server on their own subdomain"):
        settings_for(options(["--host", "0.0.0.0", *tls]), people)
    public = settings_for(options(["--host", "0.0.0.0", *tls, "--subdomain-host",
                                   "https://class.example.org"]), people)
    assert (public["host"], public["tls_cert"], public["tls_key"], public["subdomain_host"]) \
        == ("0.0.0.0", str(cert), str(key), "https://class.example.org")
    # All of 127.0.0.0/8 is this machine.
    assert settings_for(options(["--host", "127.0.0.2"]), people)["host"] == "127.0.0.2"


def test_limits_are_read_and_checked(tmp_path):
    people = read_roster(roster(tmp_path, 'teachers = ["t"]\n[hub]\nmemory_limit = "1.5G"'))
    settings = settings_for(options(["--cpu-limit", "0.5"]), people)
    assert (settings["memory_limit"], settings["cpu_limit"], settings["tasks_limit"]) == (
        int(1.5 * 2**30), 0.5, 512)
    with pytest.raises(Refused, match="memory-limit: 'lots' is not a size"):
        settings_for(options(["--memory-limit", "lots"]), people)
    with pytest.raises(Refused, match="limits are too small"):
        settings_for(options(["--tasks-limit", "3"]), people)
    # Granting teachers access to learners' servers is a roster setting, never a flag.
    assert settings["teachers_open_servers"] is False
    opened = read_roster(roster(tmp_path, 'teachers = ["t"]\n[hub]\nteachers_open_servers = '
                                          'true'))
    assert settings_for(options([]), opened)["teachers_open_servers"] is True


def test_nobody_claims_an_account_and_a_lost_state_reopens_none(tmp_path):
    """Every roster name gets a one-time password for the teacher; nothing else logs in, and
    a name that leaves the roster loses its password (classroom/passwords.py)."""
    state = tmp_path / "state"
    state.mkdir()
    given = passwords.ensure_initial(state, ["t", "ada"])
    assert set(given) == {"t", "ada"}
    assert passwords.verify(state, "ada", "anything at all") is None  # no first-come claim
    assert passwords.verify(state, "ada", given["ada"]) == "initial"
    text = passwords.initial_file(state).read_text()
    assert f"ada {given['ada']}\n" in text
    assert passwords.initial_file(state).stat().st_mode & 0o777 == 0o600
    assert passwords.ensure_initial(state, ["t", "ada"]) == {}  # a restart keeps them
    passwords.choose(state, "ada", "ada's own secret")
    assert passwords.verify(state, "ada", given["ada"]) is None
    assert passwords.verify(state, "ada", "ada's own secret") == "chosen"
    again = passwords.reset(state, "ada")
    assert passwords.verify(state, "ada", "ada's own secret") is None
    assert passwords.verify(state, "ada", again) == "initial"
    assert passwords.prune(state, {"t"}) == ["ada"]
    assert passwords.verify(state, "ada", again) is None
    lost = tmp_path / "new-state"  # a lost state folder: new one-time passwords, no claim
    lost.mkdir()
    fresh = passwords.ensure_initial(lost, ["t"])
    assert passwords.verify(lost, "t", given["t"]) is None
    assert passwords.verify(lost, "t", fresh["t"]) == "initial"


def test_a_learner_store_is_read_as_regular_file_only(tmp_path):
    """classroom/read_progress.py (which the service runs as the learner) refuses links, device
    files and oversized stores, each in one line."""
    reader = [sys.executable, "-I", str(ROOT / "classroom" / "read_progress.py")]
    workspace = tmp_path / "course"
    store = workspace / ".course" / "progress.sqlite"
    store.parent.mkdir(parents=True)

    def read():
        result = subprocess.run([*reader, str(workspace)], capture_output=True, text=True,
                                timeout=60)
        return result.returncode, result.stdout.strip(), result.stderr.strip()

    assert read() == (0, "[]", "")
    con = sqlite3.connect(store)
    con.execute("CREATE TABLE checks(exercise TEXT NOT NULL, passed INTEGER NOT NULL, "
                "at TEXT NOT NULL)")
    con.execute("INSERT INTO checks VALUES ('02_logcosh', 1, '2026-12-04T01:53:00+00:00')")
    con.execute("INSERT INTO checks VALUES ('02_logcosh', 1, x'00ff')")  # a crafted row
    con.commit()
    con.close()
    code, out, _ = read()
    assert code == 0 and json.loads(out) == [["02_logcosh", 1, "2026-12-04T01:53:00+00:00"],
                                              ["02_logcosh", 1, None]]
    store.rename(store.with_name("real.sqlite"))
    store.symlink_to("/dev/zero")
    code, _, err = read()
    assert code == 1 and "progress.sqlite" in err and "link" in err, err
    store.unlink()
    os.mkfifo(store)
    code, _, err = read()
    assert code == 1 and err == "progress.sqlite is not a regular file", err
    store.unlink()
    with open(store, "wb") as f:
        f.truncate(65 * 2**20)
    code, _, err = read()
    assert code == 1 and "over the 67108864 limit" in err, err


def test_the_teacher_view_keeps_only_well_formed_rows():
    import classroom.teacher as teacher

    assert teacher.valid(["02_logcosh", 1, "2026-12-04T01:53:00+00:00"]) == {
        "exercise": "02_logcosh", "passed": True, "at": "2026-12-04T01:53:00+00:00"}
    for bad in (["02_logcosh", 1, None], ["<script>", 1, "2026-12-04T01:53:00"],
                ["02_logcosh", 7, "2026-12-04T01:53:00"], ["02_logcosh", 1, "yesterday"],
                "junk", ["02_logcosh", 1]):
        assert teacher.valid(bad) is None, bad


def test_an_existing_account_cannot_be_claimed_through_the_roster():
    with pytest.raises(Refused, match="'root' is already an account on this machine"):
        check_accounts(["root"])


def test_the_command_says_what_is_wrong_in_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "classroom", "--roster",
                             str(tmp_path / "none.toml")], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("run.py classroom: no roster at "), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr


def test_run_py_classroom_runs_the_launcher_inside_the_environment(monkeypatch):
    spec = importlib.util.spec_from_file_location("run_for_classroom", ROOT / "run.py")
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    calls = []
    monkeypatch.setattr(run, "sync", lambda: ["UV", "run"])
    monkeypatch.setattr(run.subprocess, "call", lambda cmd, cwd: calls.append((cmd, cwd)) or 0)
    assert run.main(["classroom", "--port", "9000"]) == 0
    assert calls == [(["UV", "run", "python", "-m", "classroom", "--port", "9000"], run.ROOT)]


# The classroom itself: one hub for the module.

@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    need(need_all)
    hub = Hub(tmp_path_factory.mktemp("classroom"), ["a", "b"])
    hub.a, hub.b = hub.learners
    try:
        hub.start()
        yield hub
    finally:
        hub.stop()
        left = hub.remove_accounts()
        assert not left, f"test accounts' homes left behind: {left}"


@pytest.fixture(scope="module")
def people(hub):
    """Everyone logged in once, the teacher first (the first login sets the password)."""
    teacher, a, b = (hub.learner(n) for n in (hub.teacher, hub.a, hub.b))
    teacher.login()
    with ThreadPoolExecutor(2) as pool:  # the two servers start at once, as in a class
        for done in [pool.submit(a.login), pool.submit(b.login)]:
            done.result()
    return teacher, a, b


def test_unauthenticated_request_gets_the_login_page(hub):
    import requests

    page = requests.get(f"{hub.base}/user/{hub.a}/lab", timeout=30)
    assert page.url.startswith(f"{hub.base}/hub/login"), page.url
    assert 'name="password"' in page.text
    api = requests.get(f"{hub.base}/user/{hub.a}/api/contents", timeout=30,
                       allow_redirects=False)
    assert api.status_code in (302, 403, 424), api.status_code  # the hub's answer
    assert not processes_of(hub.a), "a server started for a request without login"


def test_learner_passes_lesson_2_in_the_browser_and_saves(hub, people):
    from jupyterlab_server import CHROMIUM_ARGS
    from playwright.sync_api import expect, sync_playwright

    need(None if CHROMIUM else "no Chromium found (apt-get install chromium)")
    _, a, _ = people
    listing = a.api("GET", "contents").json()
    names = [item["name"] for item in listing["content"]]
    assert LESSON in names, f"{LESSON} not in A's workspace: {names}"
    import course

    solution = course.solution_source(EXERCISE)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{hub.base}/hub/login")
            page.fill("#username_input", hub.a)
            page.fill("#password_input", hub.password[hub.a])
            page.click("#login_submit")
            page.wait_for_url(f"**/user/{hub.a}/lab**", timeout=120_000)
            page.goto(f"{hub.base}/user/{hub.a}/lab/tree/{LESSON}")
            expect(page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first
                   ).to_be_visible(timeout=120_000)
            # The scaffold is the cell above the check: click into it, replace its text.
            check = page.locator(".jp-CodeCell", has_text=f'course.check("{EXERCISE}"')
            scaffold = check.locator("xpath=preceding-sibling::div[contains(@class,"
                                     "'jp-CodeCell')][1]")
            scaffold.scroll_into_view_if_needed()
            scaffold.locator(".cm-content").click()
            page.keyboard.press("Control+A")
            page.keyboard.insert_text(solution)
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").click()
            page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()
            expect(check.locator(".jp-OutputArea-output", has_text="Correct")
                   ).to_be_visible(timeout=240_000)
            page.keyboard.press("Control+S")
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                saved = a.api("GET", f"contents/{LESSON}").json()["content"]
                sources = ["".join(c["source"]) for c in saved["cells"]]
                if any(solution.strip() in s for s in sources):
                    break
                time.sleep(0.5)
            else:
                raise AssertionError("the solution never reached the saved notebook")
        finally:
            browser.close()
    kernel = a.kernel()
    try:
        out = kernel.run("from course.progress import records; "
                         "print([r for r in records() if r['passed']])")
    finally:
        kernel.close()
    assert out["error"] is None, out
    assert EXERCISE in out["stdout"], out


def test_a_token_and_cookie_get_403_on_b_server(hub, people):
    import requests

    _, a, b = people
    wrong = requests.Session()
    wrong.get(f"{hub.base}/hub/login", timeout=30)
    refused = wrong.post(f"{hub.base}/hub/login", timeout=30, data={
        "username": hub.a, "password": "not-" + hub.password[hub.a],
        "_xsrf": wrong.cookies.get("_xsrf", "")})
    assert refused.status_code == 403 and not wrong.cookies.get("jupyterhub-session-id")
    assert a.api("GET", "contents").status_code == 200  # the token works on A's own server
    assert b.api("GET", "contents").status_code == 200
    assert a.api("GET", "contents", user=hub.b).status_code == 403
    cookie = a.session.get(f"{hub.base}/user/{hub.b}/api/contents", timeout=30,
                           allow_redirects=False)
    assert cookie.status_code == 403, cookie.status_code
    page = a.session.get(f"{hub.base}/user/{hub.b}/lab", timeout=60)
    assert page.status_code == 403, (page.status_code, page.url)


def test_a_kernel_cannot_read_b_workspace(hub, people):
    _, a, b = people
    workspace = Path(pwd.getpwnam(hub.b).pw_dir) / "course"
    assert workspace.is_dir()
    kernel = a.kernel()
    try:
        own = kernel.run("import os; print(sorted(os.listdir(os.environ['COURSE_WORKSPACE'])))")
        other = kernel.run(f"import os; os.listdir({str(workspace)!r})")
        home = kernel.run(f"open({str(workspace.parent / '.bashrc')!r}).read()")
    finally:
        kernel.close()
    assert own["error"] is None, own
    assert other["error"] == "PermissionError", other
    assert home["error"] == "PermissionError", home


def test_teacher_sees_a_passed_and_b_not_started(hub, people):
    teacher, a, _ = people
    reply = teacher.session.get(f"{hub.base}/services/progress/api/progress", timeout=120)
    assert reply.status_code == 200, (reply.status_code, reply.url)
    progress = reply.json()["learners"]
    assert set(progress) == {hub.a, hub.b}
    assert progress[hub.a]["exercises"][EXERCISE]["passed"] is True
    assert progress[hub.b] == {"status": "not started", "exercises": {}}
    html = teacher.session.get(f"{hub.base}/services/progress/", timeout=120)
    assert html.status_code == 200 and hub.a in html.text and hub.b in html.text
    assert html.text.count("✓ logcosh") == 1  # A's row; B's says "· logcosh"
    learner = a.session.get(f"{hub.base}/services/progress/api/progress", timeout=60)
    assert learner.status_code == 403, learner.status_code


def test_saved_work_and_progress_survive_a_hub_restart(hub, people):
    hub.stop()
    hub.start()
    a = hub.learner(hub.a)
    a.login()  # the password set at the first login still holds
    saved = a.api("GET", f"contents/{LESSON}").json()["content"]
    import course

    solution = course.solution_source(EXERCISE).strip()
    assert any(solution in "".join(c["source"]) for c in saved["cells"])
    teacher = hub.learner(hub.teacher)
    teacher.login()
    progress = teacher.session.get(f"{hub.base}/services/progress/api/progress",
                                   timeout=120).json()["learners"]
    assert progress[hub.a]["exercises"][EXERCISE]["passed"] is True
    workspace = Path(pwd.getpwnam(hub.a).pw_dir) / "course"
    assert json.loads((workspace / LESSON).read_text())["cells"]
    # The idle culler runs as a hub service (its stops go through the hub, as the restart's
    # did: the files above are what survives them).
    services = teacher.session.get(f"{hub.base}/hub/api/services", timeout=30).json()
    assert {"idle-culler", "progress"} <= set(services), services
