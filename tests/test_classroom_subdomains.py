"""The classroom with one web origin per person (`--subdomain-host`, here
http://localhost:PORT with each server on `<name>.localhost`, which Chromium resolves to this
machine): what a learner's server sends cannot act in anyone else's browser session.

Finding 1 of ../shared/reviews/2026-12/classroom.md: on a single origin, a script served by
learner A's server (their own config, or any program A runs on A's server's port) ran with B's
hub cookie when B opened A's page, read B's XSRF token from /hub/home and minted B's API token.
Here B logs in, then a script runs on A's origin in B's browser, as A's page would, and tries
exactly that: it gets nothing, and B has no new token. Needs root, npm and Chromium
(`requires("classroom", "chromium")`: skipped without them, failing under CI).
"""

import sqlite3
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from requires import CHROMIUM  # noqa: E402

from classroom.harness import Hub  # noqa: E402

pytestmark = pytest.mark.requires("classroom", "chromium")

STEAL = """async ([hub, victim]) => {
  const said = {};
  try {
    const home = await fetch(hub + '/hub/home', {credentials: 'include'});
    said.home = 'read ' + home.status + ' ' + (await home.text()).length;
  } catch (e) { said.home = 'blocked'; }
  try {
    const made = await fetch(hub + '/hub/api/users/' + victim + '/tokens', {
      method: 'POST', credentials: 'include', body: '{"note": "stolen"}'});
    said.token = 'read ' + made.status + ' ' + (await made.text()).slice(0, 60);
  } catch (e) { said.token = 'blocked'; }
  said.cookies = document.cookie;
  return said;
}"""


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    hub = Hub(tmp_path_factory.mktemp("subdomains"), ["a", "b"], subdomains=True)
    hub.a, hub.b = hub.learners
    try:
        hub.start()
        yield hub
    finally:
        hub.stop()
        left = hub.remove_accounts()
        assert not left, f"test accounts' homes left behind: {left}"


def log_in(page, hub, name: str) -> None:
    """The first login in a browser: the one-time password, then one's own."""
    page.goto(f"{hub.base}/hub/login")
    assert "one-time password your teacher gave you" in page.content()
    page.fill("#username_input", name)
    page.fill("#password_input", hub.initial_passwords()[name])
    page.click("#login_submit")
    page.wait_for_url("**/hub/auth/change-password")
    page.fill("#password_input", hub.password[name])
    page.click("#login_submit")
    page.wait_for_selector("text=changed successfully")


def test_a_page_on_a_origin_gets_nothing_of_b(hub):
    from jupyterlab_server import CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name in (hub.a, hub.b):  # each in their own browser, each server running
                page = browser.new_context().new_page()
                log_in(page, hub, name)
                page.goto(f"{hub.base}/hub/spawn/{name}")
                page.wait_for_url(f"http://{name}.localhost:{hub.port}/user/{name}/lab**",
                                  timeout=180_000)  # their server: their own origin
            b = page
            # B opens a page of A's server that needs no login (a 404 of its static files),
            # and A's script runs there, on A's origin.
            a_page = f"http://{hub.a}.localhost:{hub.port}/user/{hub.a}/static/see-my-plot.html"
            b.goto(a_page)
            assert b.url == a_page, b.url
            said = b.evaluate(STEAL, [hub.base, hub.b])
            # The same script on the hub's own origin, as a single-origin hub would serve it:
            # the control, which shows that it would have worked.
            b.goto(f"{hub.base}/hub/home")
            control = b.evaluate(STEAL, [hub.base, hub.b])
        finally:
            browser.close()
    assert said["home"] == "blocked" and said["token"] == "blocked", said
    assert "jupyterhub" not in said["cookies"], said
    assert control["home"].startswith("read 200"), control
    assert control["token"].startswith("read 403"), control  # XSRF still needs the form's token
    # Whatever the blocked requests did on the server side, B has no token named "stolen"
    # (the hub's database, read as root).
    con = sqlite3.connect(hub.state / "jupyterhub.sqlite")
    try:
        notes = [n for (n,) in con.execute(
            "SELECT api_tokens.note FROM api_tokens JOIN users ON users.id = api_tokens.user_id "
            "WHERE users.name = ?", (hub.b,))]
    finally:
        con.close()
    assert "stolen" not in notes, notes
