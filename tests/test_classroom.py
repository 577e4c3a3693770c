"""The classroom (`python3 run.py classroom`): a real JupyterHub on 127.0.0.1, the real proxy,
real system accounts, with a roster of one teacher and two learners, A and B.

Needs root on Linux (the hub creates accounts), npm (the proxy) and, for the learner in the
browser, Chromium (`requires("classroom")`, `requires("chromium")`; the containment test
`requires("cgroups")`). Without them these tests are skipped with the reason, except under CI
(CI=true), where they fail. The test accounts are named `crtest-<random>-...`, and they and
their homes are removed at the end, even when a test fails. One hub serves the whole module;
the last test restarts it.
"""

import importlib.util
import json
import os
import pwd
import re
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from requires import CHROMIUM, require  # noqa: E402

from classroom import passwords  # noqa: E402
from classroom.client import HubError  # noqa: E402
from classroom.harness import Hub, processes_of  # noqa: E402
from classroom.launch import (  # noqa: E402
    Refused,
    check_accounts,
    classroom_python,
    options,
    read_roster,
    settings_for,
)

LESSON = "02_numerical_stability.ipynb"
EXERCISE = "02_logcosh"


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
    default = settings_for(options([]), people)
    # Loopback: each person's server on their own origin, <name>.localhost, by default.
    assert (default["host"], default["subdomain_host"]) == ("127.0.0.1", "http://localhost:8000")
    assert settings_for(options(["--single-origin"]), people)["subdomain_host"] is None
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
    assert "ada" not in passwords.initial_file(state).read_text()
    lost = tmp_path / "new-state"  # a lost state folder: new one-time passwords, no claim
    lost.mkdir()
    fresh = passwords.ensure_initial(lost, ["t"])
    assert passwords.verify(lost, "t", given["t"]) is None
    assert passwords.verify(lost, "t", fresh["t"]) == "initial"


def test_one_time_hashes_are_salted_sha256_and_chosen_ones_bcrypt(tmp_path):
    """A one-time password (59 random bits) is stored as salted SHA-256: no bcrypt at each
    class start and first login. A chosen one stays bcrypt; a one-time hash from before this
    change (bcrypt) is still accepted."""
    import bcrypt

    state = tmp_path / "state"
    state.mkdir()
    given = passwords.ensure_initial(state, ["ann", "bob"])
    with passwords.store(state) as db:
        ann, bob = db[b"ann"], db[b"bob"]
    assert ann.startswith(passwords.INITIAL + b"sha256$") and ann != bob  # salted
    assert given["ann"].encode() not in ann
    assert passwords.verify(state, "ann", given["ann"]) == "initial"
    assert passwords.verify(state, "ann", given["bob"]) is None
    assert passwords.verify(state, "ann", given["ann"][:-1]) is None
    passwords.choose(state, "ann", "ann's own words")
    with passwords.store(state) as db:
        assert db[b"ann"].startswith(b"$2")  # bcrypt
        db[b"old"] = passwords.INITIAL + bcrypt.hashpw(b"k7mq-2xrt-hp4n", bcrypt.gensalt())
    assert passwords.verify(state, "ann", "ann's own words") == "chosen"
    assert passwords.verify(state, "old", "k7mq-2xrt-hp4n") == "initial"


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
    assert code == 0 and json.loads(out) == [
        ["02_logcosh", 1, "2026-12-04T01:53:00+00:00", None], ["02_logcosh", 1, None, None]]
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
        "exercise": "02_logcosh", "passed": True, "at": "2026-12-04T01:53:00+00:00",
        "feedback": None}  # a store from before the feedback column
    said = ["02_logcosh", 0, "2026-12-04T01:54:00", "at x=0.5: expected 0.46, got -0.46."]
    assert teacher.valid(said)["feedback"] == said[3]
    for bad in (["02_logcosh", 1, None], ["<script>", 1, "2026-12-04T01:53:00"],
                ["02_logcosh", 0, "2026-12-04T01:53:00", "x" * 301],
                ["02_logcosh", 7, "2026-12-04T01:53:00"], ["02_logcosh", 1, "yesterday"],
                "junk", ["02_logcosh", 1]):
        assert teacher.valid(bad) is None, bad


def test_the_teacher_sees_where_the_class_is_stuck():
    """Per exercise: passed, tried without passing, and the most frequent last feedback of those
    who have not passed (from each learner's summary)."""
    import classroom.teacher as teacher

    sign = "at x=0.5: expected 0.46, got -0.46. The sign is wrong."
    def tried(passed, feedback):
        return {"passed": passed, "passed_at": None, "attempts": 2, "last_at": "x",
                "last_feedback": feedback}
    learners = {
        "ada": {"status": "started", "exercises": {"02_logcosh": tried(True, None)}},
        "alan": {"status": "started", "exercises": {"02_logcosh": tried(False, sign),
                                                   "01_product_rule": tried(False, "other")}},
        "grace": {"status": "started", "exercises": {"02_logcosh": tried(False, sign)}},
        "kay": {"status": "not started", "exercises": {}},
    }
    rows = teacher.stuck(["01_product_rule", "02_logcosh", "03_sinc"], learners)
    assert rows == [
        {"exercise": "02_logcosh", "passed": 1, "not_yet": 2, "feedback": [(sign, 2)]},
        {"exercise": "01_product_rule", "passed": 0, "not_yet": 1, "feedback": [("other", 1)]}]
    html = teacher.stuck_table(rows)
    assert "2 × at x=0.5: expected 0.46" in html and "03_sinc" not in html


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
    """`python3 run.py classroom` installs the runtime and the classroom group only (not the
    test or site toolchains), then runs the launcher inside that environment."""
    spec = importlib.util.spec_from_file_location("run_for_classroom", ROOT / "run.py")
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    synced, calls = [], []
    monkeypatch.setattr(run, "sync", lambda groups: synced.append(groups) or ["UV", "run"])
    monkeypatch.setattr(run, "run_child", lambda cmd, **kw: calls.append(cmd) or 0)
    assert run.main(["classroom", "--port", "9000"]) == 0
    assert synced == [["classroom"]]
    assert calls == [["UV", "run", "python", "-m", "classroom", "--port", "9000"]]


class FakeHub:
    """The hub's API as the warm-up sees it: `servers` maps a name to its server's model; a
    POST answers from `answers` (then 202), and a started server is ready at its second look."""

    def __init__(self, running=(), answers=None):
        self.servers = {name: {"ready": True} for name in running}
        self.answers = {name: list(codes) for name, codes in (answers or {}).items()}
        self.posts, self.busy, self.most = [], 0, 0
        self.lock = threading.Lock()

    def server(self, name):
        model = self.servers.get(name)
        if model is not None and not model["ready"]:
            self.servers[name] = {"ready": True}
        return model

    def call(self, method, path):
        name = path.split("/")[2]
        with self.lock:
            self.posts.append(name)
            self.busy += 1
            self.most = max(self.most, self.busy)
        time.sleep(0.01)
        with self.lock:
            self.busy -= 1
        codes = self.answers.get(name)
        code = codes.pop(0) if codes else 202
        if code == 202:
            self.servers[name] = {"ready": False}
        return code, {"message": "boom"} if code == 500 else {}


def test_the_warm_up_starts_each_learner_once_a_few_at_a_time():
    from classroom.warmup import WarmUp

    names = [f"l{i}" for i in range(12)]
    hub = FakeHub(running=["l1"], answers={"l0": [429, 202], "l2": [400], "l3": [500]})
    warm = WarmUp(hub, names, at_once=2, sleep=lambda s: None,
                  memory=lambda: (8 * 2**30, 16 * 2**30))
    warm.run()
    assert sorted(warm.started) == sorted(set(names) - {"l1", "l2", "l3"})
    assert sorted(warm.skipped) == ["l1", "l2"]  # running, and started by its login meanwhile
    assert warm.failed == {"l3": "HTTP 500: boom"}
    assert hub.posts.count("l0") == 2 and "l1" not in hub.posts  # a 429 is asked again
    assert hub.most == 2  # never more starts at once than asked


def test_the_warm_up_stops_before_the_machine_runs_short_of_memory(capsys):
    from classroom.warmup import WarmUp, reserve

    total = 8 * 2**30
    left = [total // 2]

    def memory():  # each server started takes 1 GiB
        return left[0] - 2**30 * len(hub.servers), total

    hub = FakeHub()
    warm = WarmUp(hub, [f"l{i}" for i in range(6)], at_once=1, sleep=lambda s: None,
                  memory=memory)
    warm.run()
    assert reserve(total) == 2 * 2**30
    # Available before each start: 4 GiB, 3, 2 (the floor, still allowed), then 1: stop.
    assert warm.started == ["l0", "l1", "l2"] and not warm.failed
    said = capsys.readouterr().err
    assert said.count("warm-up: stopped starting servers before l3's") == 1, said
    assert "start when they log in" in said


def test_two_servers_are_never_given_the_same_port(monkeypatch):
    """Seen at 40 logins: JupyterHub gave two servers one port, and routed one learner to the
    other's server. `pick` skips the ports of the hub's other servers."""
    from classroom import ports

    offered = iter([5001, 5002, 5001, 5003])
    monkeypatch.setattr(ports, "free_port", lambda: next(offered))
    assert ports.pick({5001, 5002}) == 5003


@pytest.mark.requires("classroom")  # root: a listener of another account
def test_a_port_held_by_another_account_is_never_routed():
    """A learner who listens on the port given to another learner's server, before that
    server does, would have the hub route the other learner's address to them. `claim`
    refuses a port with any listener of another account, and accepts the learner's own."""
    import asyncio
    import socket

    from classroom import ports

    def listen_as(uid: int, port: int) -> subprocess.Popen:
        # A process of the other account (not os.fork: this worker may run JAX's threads),
        # with a Python every account can run.
        child = subprocess.Popen(
            [classroom_python(), "-c", "import socket, sys, time; s = socket.socket(); "
             "s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(); print('ready', flush=True); "
             "time.sleep(60)", str(port)],
            user=uid, group=uid, stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "ready"
        return child

    port = ports.free_port()
    stranger = listen_as(65534, port)  # nobody
    try:
        assert ports.listeners(port) == {65534}
        with pytest.raises(ports.PortTaken, match=f"port {port}.*uid 65534"):
            asyncio.run(ports.claim(port, 0, alive=lambda: True, timeout=5))
    finally:
        stranger.kill()
        stranger.wait()
        stranger.stdout.close()
    with socket.socket() as own:  # now the learner's own (here: this process's, uid 0)
        own.bind(("127.0.0.1", port))
        own.listen()
        assert asyncio.run(ports.claim(port, 0, alive=lambda: True, timeout=5)) is True
    # Nobody listens and the server died: no wait for the timeout.
    assert asyncio.run(ports.claim(port, 0, alive=lambda: False, timeout=30)) is False


# The classroom itself: one hub for the module.

@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    require("classroom")  # as @pytest.mark.requires("classroom") on every test using the hub
    # Limits small enough to reach in a test, large enough for lesson 2 in the browser.
    # No warm-up at the first start: the tests see which request starts a server. The last
    # test restarts the hub with it.
    hub = Hub(tmp_path_factory.mktemp("classroom"), ["a", "b", "c"],  # c never comes
              extra=("--memory-limit", "1500M", "--tasks-limit", "400", "--no-warm-up"))
    hub.a, hub.b, hub.c = hub.learners
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


@pytest.mark.requires("chromium")
def test_learner_passes_lesson_2_in_the_browser_and_saves(hub, people):
    from jupyterlab_server import CHROMIUM_ARGS
    from playwright.sync_api import expect, sync_playwright

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
                reply = a.api("GET", f"contents/{LESSON}")
                if reply.status_code != 200:  # read while the save writes the file in place
                    time.sleep(0.5)
                    continue
                saved = reply.json()["content"]
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
        out = kernel.run("from course.store import records; "
                         "print([r for r in records() if r['passed']])")
    finally:
        kernel.close()
    assert out["error"] is None, out
    assert EXERCISE in out["stdout"], out
    # The start page was written at the login, before the pass; served now, it shows it.
    start = a.api("GET", "contents/00_start_here.ipynb").json()["content"]
    table = next(c for c in start["cells"] if c["id"] == "progress")["outputs"][0]["data"]
    assert f"passed: {EXERCISE}" in table["text/plain"], table["text/plain"]


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
    assert set(progress) == {hub.a, hub.b, hub.c}
    assert progress[hub.a]["exercises"][EXERCISE]["passed"] is True
    assert progress[hub.b] == {"status": "not started", "exercises": {}}
    assert progress[hub.c] == {"status": "not logged in yet", "exercises": {}}
    html = teacher.session.get(f"{hub.base}/services/progress/", timeout=120)
    assert html.status_code == 200 and hub.a in html.text and hub.b in html.text
    assert html.text.count("✓ logcosh") == 1  # A's row; B's says "· logcosh"
    learner = a.session.get(f"{hub.base}/services/progress/api/progress", timeout=60)
    assert learner.status_code == 403, learner.status_code


def run_in(learner, code: str) -> dict:
    kernel = learner.kernel()
    try:
        return kernel.run(code)
    finally:
        kernel.close()


# Attacks, as a learner would make them (../shared/reviews/2026-12/classroom.md). Each failed
# before the change that closed it.

def test_a_learner_config_changes_nothing_their_server_sends(hub, people):
    """Finding 1: A's own Jupyter config injected a script into every page A's server sent.
    Now the server loads no config of the learner's; nor can the teacher's browser open A's
    server (the teacher's role has no access:servers), and no learner's server gets the
    teacher's development environment."""
    _, a, _ = people
    config = ("import os; os.makedirs(os.path.expanduser('~/.jupyter'), exist_ok=True); "
              "open(os.path.expanduser('~/.jupyter/jupyter_server_config.py'), 'w').write("
              "\"c.ServerApp.tornado_settings = {'headers': {'X-Injected': 'by-a'}}\\n\")")
    out = run_in(a, config + "; print(os.environ.get('VIRTUAL_ENV'), "
                             "os.environ.get('PYTHONNOUSERSITE'))")
    assert out["error"] is None and out["stdout"].split() == ["None", "1"], out
    # A restarts their server, as the attack did, so that it reads the config.
    assert a.session.delete(f"{hub.base}/hub/api/users/{hub.a}/server",
                            headers=a.xsrf_headers(), timeout=60).status_code in (202, 204)
    deadline = time.monotonic() + 60
    while processes_of(hub.a) and time.monotonic() < deadline:
        time.sleep(0.5)
    a.wait_for_server()
    page = a.session.get(f"{hub.base}/user/{hub.a}/lab", timeout=60)
    assert page.status_code == 200 and "X-Injected" not in page.headers, page.headers
    teacher = people[0]
    opened = teacher.session.get(f"{hub.base}/user/{hub.a}/lab", timeout=60)
    assert opened.status_code == 403, (opened.status_code, opened.url)
    token = teacher.api("GET", "contents", user=hub.a)
    assert token.status_code == 403, token.status_code


def test_a_cannot_listen_to_b_kernel(hub, people):
    """Finding 2: kernels listened on 127.0.0.1 TCP, and A subscribed to B's IOPub socket and
    read B's code and outputs live. Now kernels use Unix sockets in the learner's private
    runtime folder: A subscribes to every TCP port B listens on and receives nothing."""
    _, a, b = people
    listen = f"""
import pwd, threading, time, zmq
uid = pwd.getpwnam({hub.b!r}).pw_uid
ports = set()
for table in ('/proc/net/tcp', '/proc/net/tcp6'):
    for line in open(table).read().splitlines()[1:]:
        f = line.split()
        if f[3] == '0A' and int(f[7]) == uid:
            ports.add(int(f[1].rsplit(':', 1)[1], 16))
heard = []
def subscribe():
    ctx = zmq.Context()
    socks = []
    for port in ports:
        s = ctx.socket(zmq.SUB); s.setsockopt(zmq.SUBSCRIBE, b''); s.connect(f'tcp://127.0.0.1:{{port}}')
        socks.append(s)
    poller = zmq.Poller()
    for s in socks: poller.register(s, zmq.POLLIN)
    end = time.time() + 12
    while time.time() < end:
        for s, _ in poller.poll(200):
            heard.append(b''.join(s.recv_multipart()))
listener = threading.Thread(target=subscribe); listener.start()
print(len(ports))
"""
    kernel_b, kernel_a = b.kernel(), a.kernel()  # B's kernel runs before A looks for it
    try:
        assert kernel_b.run("print('ready')")["stdout"].strip() == "ready"
        started = kernel_a.run(listen)
        assert started["error"] is None and int(started["stdout"]) >= 1, started
        secret = "b-secret-" + os.urandom(4).hex()
        said = kernel_b.run(f"import time\nfor i in range(20):\n    print({secret!r}); "
                            "time.sleep(0.1)")
        assert said["stdout"].count(secret) == 20, said
        heard = kernel_a.run("listener.join(); print(len(heard), any("
                             f"{secret.encode()!r} in m for m in heard))")
        # B's kernel is configured for IPC (its connection file, read here as root).
        runtime = hub.home(hub.b) / ".local" / "share" / "jupyter" / "runtime"
        connection = json.loads((runtime / f"kernel-{kernel_b.id}.json").read_text())
    finally:
        kernel_a.close()
        kernel_b.close()
    assert heard["error"] is None and heard["stdout"].split() == ["0", "False"], heard
    assert connection["transport"] == "ipc", connection


def test_no_first_come_claim_and_no_password_for_names_off_the_roster(hub, people):
    """Finding 4: whoever logged in first owned a roster name, and a refused login for a name
    not yet on the roster stored its password."""
    import requests

    for name, password in ((hub.b, "claimed-first!"), (f"{hub.teacher}x", "pre-claim-it!")):
        stranger = requests.Session()
        form = stranger.get(f"{hub.base}/hub/login", timeout=30)
        assert "one-time password your teacher gave you" in form.text
        refused = stranger.post(f"{hub.base}/hub/login", timeout=30, data={
            "username": name, "password": password,
            "_xsrf": stranger.cookies.get("_xsrf", "")})
        assert refused.status_code == 403, (name, refused.status_code)
    with passwords.store(hub.state) as db:
        assert f"{hub.teacher}x".encode() not in db
    assert passwords.verify(hub.state, hub.b, hub.password[hub.b]) == "chosen"


def test_the_teachers_terminal_shows_no_line_per_route(hub, people):
    """Minor item: the terminal keeps the banner, warnings and errors. The proxy logged a line
    for every route added (its --log-level in the command was overridden by JupyterHub's)."""
    terminal = (hub.tmp / f"hub{hub.starts}.log").read_text()
    assert "The classroom will be at" in terminal  # the banner
    assert "Route added" not in terminal and "[ConfigProxy] \x1b[32minfo" not in terminal, \
        terminal[-2000:]


def test_password_guessing_is_throttled_per_name(hub, people):
    """Minor item "login throttling": after 5 failed logins in a row, a name is refused (before
    any password check) for 30 s, doubling with each further failure. c never logs in
    otherwise, so the lock touches no other test."""
    c = hub.learner(hub.c)
    for guess in range(5):
        refused = c.try_login(f"guess number {guess}")
        assert refused.status_code == 403
        assert "Invalid username or password" in refused.text
    locked = c.try_login(hub.initial_passwords()[hub.c])  # even the right one, now
    assert locked.status_code == 403
    assert re.search(f"Too many failed logins for {hub.c}: wait [0-9]+ s and try again",
                     locked.text), locked.text
    assert not c.session.cookies.get("jupyterhub-session-id")


def test_the_throttle_doubles_caps_and_clears():
    now = [0.0]
    throttle = passwords.Throttle(free=2, first=10, longest=25, clock=lambda: now[0])
    throttle.failed("a")
    assert throttle.wait("a") == 0  # one failure is free
    throttle.failed("a")
    assert throttle.wait("a") == 10
    throttle.failed("a")
    assert throttle.wait("a") == 20
    throttle.failed("a")
    assert throttle.wait("a") == 25  # capped
    assert throttle.wait("b") == 0  # per name
    now[0] = 25
    assert throttle.wait("a") == 0
    throttle.succeeded("a")
    throttle.failed("a")
    assert throttle.wait("a") == 0  # a success starts the count again


def test_a_teacher_resets_a_password_while_the_hub_runs(hub, people):
    result = subprocess.run([sys.executable, "-m", "classroom", "--roster",
                             str(hub.tmp / "roster.toml"), "--state", str(hub.state),
                             "--reset-password", hub.b], cwd=hub.root, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    one_time = result.stdout.split("one-time password: ", 1)[1].split()[0]
    assert hub.initial_passwords()[hub.b] == one_time
    b = hub.learner(hub.b)
    assert b.try_login(hub.password[hub.b]).status_code == 403  # the old one is gone
    landed = b.try_login(one_time)  # the one-time password leads to choosing one's own
    assert landed.url.endswith("/hub/auth/change-password"), landed.url
    assert "You logged in with a one-time password" in landed.text
    hub.password[hub.b] = b.password = "b's second password"
    chosen = b.post_form("hub/auth/change-password", {"password": b.password})
    assert "changed successfully" in chosen.text
    assert passwords.verify(hub.state, hub.b, hub.password[hub.b]) == "chosen"
    assert b.try_login(one_time).status_code == 403  # one-time: gone once replaced
    b.login()


def test_the_progress_page_trusts_no_learner_file(hub, people):
    """Finding 5: the root progress service followed A's symlink to B's store (crediting A with
    B's passes), copied /dev/zero without end, and one crafted row gave HTTP 500 for the
    class. Now it reads as the learner, regular files only, and one bad store shows in its
    own row."""
    teacher, a, b = people
    forged = "12_log_softmax_vjp"
    b_store = hub.home(hub.b) / "course" / ".course" / "progress.sqlite"
    out = run_in(b, f"from course.store import record; print(record({forged!r}, True))")
    assert out["stdout"].strip() == "True", out

    def progress():
        reply = teacher.session.get(f"{hub.base}/services/progress/api/progress", timeout=120)
        assert reply.status_code == 200, reply.status_code
        page = teacher.session.get(f"{hub.base}/services/progress/", timeout=120)
        assert page.status_code == 200 and hub.b in page.text
        return reply.json()["learners"]

    assert progress()[hub.b]["exercises"][forged]["passed"] is True
    # A points their store at B's (the file, then the folder holding it), then at /dev/zero.
    attacks = [("~/course/.course/progress.sqlite", str(b_store), "a link"),
               ("~/course/.course", str(b_store.parent), "Permission denied"),
               ("~/course/.course/progress.sqlite", "/dev/zero", "a link")]
    for mine, target, says in attacks:
        out = run_in(a, f"import os; p = os.path.expanduser({mine!r}); "
                        f"os.rename(p, p + '.mine'); os.symlink({target!r}, p)")
        assert out["error"] is None, out
        started = time.monotonic()
        row = progress()[hub.a]
        assert time.monotonic() - started < 30
        assert row["exercises"] == {} and says in row["status"], row
        assert progress()[hub.b]["exercises"][forged]["passed"] is True
        out = run_in(a, f"import os; p = os.path.expanduser({mine!r}); os.remove(p); "
                        "os.rename(p + '.mine', p)")
        assert out["error"] is None, out
    crafted = ("import sqlite3, os; con = sqlite3.connect(os.path.expanduser("
               "'~/course/.course/progress.sqlite')); con.execute(\"INSERT INTO checks(exercise, "
               "passed, at) VALUES ('02_logcosh', 1, x'00ff')\"); con.commit()")
    assert run_in(a, crafted)["error"] is None
    row = progress()[hub.a]
    assert "1 malformed record(s) ignored" in row["status"], row
    assert row["exercises"][EXERCISE]["passed"] is True  # A's real pass, from the browser test


@pytest.mark.requires("cgroups")
def test_a_learner_is_contained(hub, people):
    """Finding 6: no limit on processes or memory, and a learner's background process outlived
    their server. Now A's fork loop stops at A's process limit, A's allocation over A's
    memory limit ends A's kernel only, and stopping A's server ends every process of A's."""
    _, a, b = people
    fork = """
import os, time
kids, error = [], None
try:
    while len(kids) < 2000:
        pid = os.fork()
        if pid == 0:
            time.sleep(2); os._exit(0)
        kids.append(pid)
except OSError as e:
    error = e.errno
for k in kids: os.waitpid(k, 0)
print(len(kids), error)
"""
    out = run_in(a, fork)
    count, error = out["stdout"].split()
    assert error == "11" and int(count) < 400, out  # EAGAIN, inside the limit of 400 tasks
    assert run_in(b, "print(6 * 7)")["stdout"].strip() == "42"  # B was not starved of pids
    kernel = a.kernel()
    try:
        pid = kernel.run("import os; print(os.getpid())")["stdout"].strip()
        with pytest.raises(HubError, match="did not finish"):  # the kernel died: no reply
            kernel.run("import numpy as np; x = np.ones(3 * 2**30 // 8); print(x.sum())",
                       timeout=15)
    finally:
        kernel.ws.close()
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not Path(f"/proc/{pid}").exists(), "the kernel over the memory limit still runs"
    assert a.api("GET", "status").status_code == 200  # A's server survived its kernel
    assert run_in(b, "print(6 * 7)")["stdout"].strip() == "42"
    # A leaves a detached process behind, then stops their server.
    out = run_in(a, "import subprocess; p = subprocess.Popen(['sleep', '10000'], "
                    "start_new_session=True); print(p.pid)")
    leftover = int(out["stdout"])
    assert Path(f"/proc/{leftover}").exists()
    a.session.delete(f"{hub.base}/hub/api/users/{hub.a}/server", headers=a.xsrf_headers(),
                     timeout=60)
    deadline = time.monotonic() + 60
    while processes_of(hub.a) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert processes_of(hub.a) == [], "a process of A's outlived A's server"
    a.wait_for_server()  # A can come back


def test_no_learner_can_hold_the_environment_lock(hub, people):
    """Finding 7: the shared environment's lock file was 0666, and a learner holding it
    stalled the class's restart for minutes."""
    _, a, _ = people
    lock = hub.root / ".classroom" / "venv" / ".lock"
    out = run_in(a, f"open({str(lock)!r}, 'r')")
    assert lock.exists() and out["error"] == "PermissionError", out


PYC_CHECK = """
import importlib.util, os, sys
import jax, jax.numpy, jupyter_server.serverapp, jupyterhub.singleuser

def usable(source):
    # the .pyc this learner can read, of this Python, and up to date with its source
    try:
        with open(importlib.util.cache_from_source(source), 'rb') as f:
            head = f.read(16)
    except OSError:
        return False
    if head[:4] != importlib.util.MAGIC_NUMBER:
        return False
    if int.from_bytes(head[4:8], 'little') & 1:
        return True  # hash-based: Python checks it against the source itself
    st = os.stat(source)
    return (int.from_bytes(head[8:12], 'little') == int(st.st_mtime) & 0xFFFFFFFF
            and int.from_bytes(head[12:16], 'little') == st.st_size & 0xFFFFFFFF)

mine = [m.__file__ for m in list(sys.modules.values())
        if (getattr(m, '__file__', None) or '').startswith(sys.prefix)
        and m.__file__.endswith('.py')]
bare = [f for f in mine if not usable(f)]
print(len(mine), len(bare), bare[:3])
"""


def test_a_learner_compiles_nothing_the_environment_holds(hub, people):
    """Learners cannot write into the shared environment, so its modules must come compiled:
    before, every learner's server and kernel compiled JAX, IPython and Jupyter from source at
    each start (3.3 s of CPU a learner, 40 times over at the start of a class). Each .pyc must
    be readable by the learner and match its source, or Python compiles anyway."""
    _, a, _ = people
    out = run_in(a, PYC_CHECK)
    assert out["error"] is None, out
    count, bare = out["stdout"].split(maxsplit=2)[:2]
    assert int(count) > 500 and bare == "0", out["stdout"]


def test_a_cannot_read_the_servers_log_through_its_inherited_descriptor(hub, people):
    """A's server and kernel write their output to the hub's servers.log, which holds every
    learner's server lines: A may append through the inherited descriptor, never reopen it to
    read (through /proc/self/fd, a readable file would open)."""
    _, a, _ = people
    out = run_in(a, "import os; print(os.readlink(f'/proc/{os.getppid()}/fd/1'))")  # the server
    assert out["stdout"].strip() == str(hub.state / "servers.log"), out
    out = run_in(a, "import os; open(f'/proc/{os.getppid()}/fd/1').read()")
    assert out["error"] == "PermissionError", out


def test_saved_work_survives_a_restart_and_a_removed_learner_is_out(hub, people):
    """Finding 3: a learner taken off the roster still logged in after a restart, and after
    `userdel` the next start re-created the account and the old password worked. Now the
    roster is the only list: B, removed from it (and their account deleted), cannot log in
    after the restart, their token is void, and nothing re-creates their account."""
    import requests

    _, _, b = people
    b_token = b.api_token()
    hub.stop()
    hub.write_roster([hub.a, hub.c])
    for pid in processes_of(hub.b):
        os.kill(pid, 9)
    subprocess.run(["userdel", "--remove", hub.b], check=True, capture_output=True)
    hub.extra.remove("--no-warm-up")  # the default: the learners' servers start with the hub
    hub.start()
    warm_up_started_the_learners_servers(hub)
    assert b.__class__(hub.base, hub.b, hub.password[hub.b]).try_login(
        hub.password[hub.b]).status_code == 403
    with pytest.raises(KeyError):
        pwd.getpwnam(hub.b)  # not re-created
    with passwords.store(hub.state) as db:
        assert hub.b.encode() not in db
    assert hub.b not in hub.initial_passwords()
    assert requests.get(f"{hub.base}/hub/api/user", timeout=30,
                        headers={"Authorization": f"token {b_token}"}).status_code == 403
    a = hub.learner(hub.a)
    a.login()  # the password chosen at the first login still holds
    saved = a.api("GET", f"contents/{LESSON}").json()["content"]
    import course

    solution = course.solution_source(EXERCISE).strip()
    assert any(solution in "".join(c["source"]) for c in saved["cells"])
    teacher = hub.learner(hub.teacher)
    teacher.login()
    progress = teacher.session.get(f"{hub.base}/services/progress/api/progress",
                                   timeout=120).json()["learners"]
    assert progress[hub.a]["exercises"][EXERCISE]["passed"] is True
    assert set(progress) == {hub.a, hub.c}
    # C's server runs (the warm-up's), and C still shows as not logged in: the hub's last
    # activity, which that server reports, is not a login.
    assert progress[hub.c] == {"status": "not logged in yet", "exercises": {}}
    workspace = Path(pwd.getpwnam(hub.a).pw_dir) / "course"
    assert json.loads((workspace / LESSON).read_text())["cells"]
    # The idle culler runs as a hub service (its stops go through the hub, as the restart's
    # did: the files above are what survives them).
    services = teacher.session.get(f"{hub.base}/hub/api/services", timeout=30).json()
    assert {"idle-culler", "progress"} <= set(services), services


def command_line(proc: Path) -> bytes:
    try:
        return (proc / "cmdline").read_bytes()
    except OSError:  # not a process, or gone
        return b""


def kernels_of(name: str) -> list[int]:
    return [pid for pid in processes_of(name)
            if b"ipykernel" in command_line(Path(f"/proc/{pid}"))]


def warm_up_started_the_learners_servers(hub):
    """At the restart, with the warm-up on (the default): A's and C's servers start with no
    login, the teacher's does not, the terminal says when they are ready, and the warm-up's
    token cannot start the teacher's server or stop a learner's."""
    import requests

    deadline = time.monotonic() + 240
    terminal = hub.tmp / f"hub{hub.starts}.log"
    while "warm-up: " not in terminal.read_text() and time.monotonic() < deadline:
        time.sleep(1)
    said = terminal.read_text()
    assert "warm-up: 2 of 2 learners' servers started ahead of the class" in said, said[-3000:]
    assert "The hub starts the 2 learners' servers as soon as it is up" in said  # the banner
    for name in (hub.a, hub.c):
        assert processes_of(name), f"{name}'s server is not running"
    assert not processes_of(hub.teacher)
    # Each warmed server starts its spare kernel (lab/spare_kernel.py) for the first lesson.
    while time.monotonic() < deadline and not kernels_of(hub.c):
        time.sleep(1)
    assert len(kernels_of(hub.c)) == 1, "C's server started no spare kernel"
    pid = next(proc for proc in Path("/proc").iterdir() if command_line(proc).startswith(
        (b"python", b"/")) and b"-m\0classroom.warmup" in command_line(proc))
    env = dict(line.split(b"=", 1) for line in (pid / "environ").read_bytes().split(b"\0")
               if b"=" in line)
    api = env[b"JUPYTERHUB_API_URL"].decode()
    headers = {"Authorization": f"token {env[b'JUPYTERHUB_API_TOKEN'].decode()}"}
    # 404: the hub does not even tell a token about users outside its scopes.
    assert requests.post(f"{api}/users/{hub.teacher}/server", headers=headers,
                         timeout=30).status_code == 404
    assert requests.delete(f"{api}/users/{hub.c}/server", headers=headers,
                           timeout=30).status_code == 403
    assert processes_of(hub.c) and not processes_of(hub.teacher)
