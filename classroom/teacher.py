"""The teachers' view of the class: which exercises each learner passed, and when.

A JupyterHub service (the hub starts it, as root, at /services/progress/). Only teachers may
open it: the hub's OAuth lets in those with access to the service (its admins, who are the
roster's teachers), and the page checks the name against the roster too.

It reads each learner's progress store (`~/course/.course/progress.sqlite`, written by
`course.check` in the learner's kernels) through `course.progress.records`, on a copy taken
for each request: nothing is ever written in a learner's workspace, not even SQLite's
shared-memory file.
"""

from __future__ import annotations

import html
import json
import os
import pwd
import shutil
import tempfile
from pathlib import Path

from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join
from tornado import ioloop, web

SETTINGS = json.loads(Path(os.environ["CLASSROOM_SETTINGS"]).read_text())
STORE = Path(".course") / "progress.sqlite"


def workspace_of(name: str) -> Path | None:
    try:
        return Path(pwd.getpwnam(name).pw_dir) / SETTINGS["workspace"]
    except KeyError:
        return None  # the hub creates the account at the learner's first login


def records_of(workspace: Path) -> list[dict]:
    """The learner's check records, read from a private copy of their store."""
    from course.progress import records

    store = workspace / STORE
    if not store.exists():
        return []
    with tempfile.TemporaryDirectory() as copy:
        (Path(copy) / STORE).parent.mkdir()
        for suffix in ("", "-wal"):  # the write-ahead log holds the latest checks
            if Path(f"{store}{suffix}").exists():
                shutil.copyfile(f"{store}{suffix}", Path(copy) / f"{STORE}{suffix}")
        return records(copy)


def summary(name: str) -> dict:
    """{"status", "exercises": {id: {"passed", "passed_at", "attempts", "last_at"}}}."""
    workspace = workspace_of(name)
    if workspace is None:
        return {"status": "never logged in", "exercises": {}}
    try:
        rows = records_of(workspace)
    except Exception as e:  # one unreadable store must not hide the rest of the class
        return {"status": f"progress unreadable ({type(e).__name__}: {e})", "exercises": {}}
    exercises: dict[str, dict] = {}
    for row in sorted(rows, key=lambda r: r["at"]):
        ex = exercises.setdefault(row["exercise"], {"passed": False, "passed_at": None,
                                                    "attempts": 0, "last_at": None})
        ex["attempts"] += 1
        ex["last_at"] = row["at"]
        if row["passed"] and not ex["passed"]:
            ex["passed"], ex["passed_at"] = True, row["at"]
    return {"status": "started" if exercises else "not started", "exercises": exercises}


def class_progress() -> dict:
    import course

    return {"exercises": course.exercises(),
            "learners": {name: summary(name) for name in SETTINGS["learners"]}}


def when(at: str) -> str:
    return html.escape(at[:16].replace("T", " "))


def cell(ids: list[str], done: dict) -> str:
    """One learner's exercises of one lesson: passed (first pass), tried, or not started."""
    lines = []
    for i in ids:
        name = html.escape(i.split("_", 1)[1])
        ex = done.get(i)
        if ex is None:
            lines.append(f'<div class="none">· {name}</div>')
        elif ex["passed"]:
            lines.append(f'<div class="passed">✓ {name} <small>{when(ex["passed_at"])}'
                         "</small></div>")
        else:
            lines.append(f'<div class="tried">✗ {name} <small>{ex["attempts"]} tried, last '
                         f'{when(ex["last_at"])}</small></div>')
    return f"<td>{''.join(lines)}</td>"


def page(progress: dict) -> str:
    lessons: dict[str, list[str]] = {}
    for i in progress["exercises"]:
        lessons.setdefault(i.split("_", 1)[0], []).append(i)
    head = "".join(f"<th>lesson {html.escape(n)}</th>" for n in lessons)
    rows = []
    for name, learner in progress["learners"].items():
        done = learner["exercises"]
        passed = sum(ex["passed"] for ex in done.values())
        cells = "".join(cell(ids, done) for ids in lessons.values())
        rows.append(f'<tr><th>{html.escape(name)}<br><small>{passed} of '
                    f'{len(progress["exercises"])} passed, {html.escape(learner["status"])}'
                    f"</small></th>{cells}</tr>")
    return f"""<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="refresh" content="60"><title>Class progress</title><style>
body {{ font-family: sans-serif; margin: 1.5em; }} table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #ccc; padding: .3em .5em; vertical-align: top; text-align: left; }}
td div {{ white-space: nowrap; font-size: 90%; }} small {{ color: #555; }}
.passed {{ color: #176317; }} .tried {{ color: #8a5a00; }} .none {{ color: #999; }}
</style></head><body><h1>Class progress</h1>
<p>For each learner and lesson: the exercises passed (✓, with the time of the first pass,
UTC), tried without passing yet (✗), and not started (·). Read from the learners' own
progress records; this page refreshes every minute. As JSON:
<a href="api/progress">api/progress</a>.</p>
<table><tr><th>learner</th>{head}</tr>{''.join(rows)}</table></body></html>"""


class TeachersOnly(HubOAuthenticated, web.RequestHandler):
    def teacher(self) -> None:
        user = self.get_current_user()
        if user["name"] not in SETTINGS["teachers"]:
            raise web.HTTPError(403, "only the class's teachers see its progress")


class Page(TeachersOnly):
    @web.authenticated
    def get(self):
        self.teacher()
        self.write(page(class_progress()))


class Api(TeachersOnly):
    @web.authenticated
    def get(self):
        self.teacher()
        self.set_header("Content-Type", "application/json")
        self.write(json.dumps(class_progress()))


def main() -> None:
    prefix = os.environ["JUPYTERHUB_SERVICE_PREFIX"]
    app = web.Application([
        (prefix, Page),
        (url_path_join(prefix, "api/progress"), Api),
        (url_path_join(prefix, "oauth_callback"), HubOAuthCallbackHandler),
    ], cookie_secret=os.urandom(32))
    url = os.environ["JUPYTERHUB_SERVICE_URL"].rstrip("/")
    host, port = url.rsplit("://", 1)[1].rsplit(":", 1)
    app.listen(int(port), host)
    try:
        ioloop.IOLoop.current().start()
    except KeyboardInterrupt:  # how the hub stops its services
        pass


if __name__ == "__main__":
    main()
