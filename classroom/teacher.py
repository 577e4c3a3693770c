"""The teachers' view of the class: which exercises each learner passed, and when.

A JupyterHub service (the hub starts it, as root, at /services/progress/). Only teachers may
open it: the hub's OAuth lets in those with access to the service (its admins, who are the
roster's teachers), and the page checks the name against the roster too.

It reads each learner's progress store (`~/course/.course/progress.sqlite`, written by
`course.check` in the learner's kernels) with classroom/read_progress.py, run as that learner
(never as root: a learner's files are theirs to point anywhere), from a copy: nothing is ever
written in a learner's workspace. Each row is checked here; a store that cannot be read, or
has malformed rows, shows in that learner's row only. The records are self-reported: a
learner can write any row into their own store, so this page shows engagement, not grades.
"""

from __future__ import annotations

import collections
import datetime
import html
import json
import os
import pwd
import re
import select
import subprocess
import time
from pathlib import Path

from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join
from tornado import ioloop, web

from classroom import passwords
from course.workspace import course_exercises  # the lessons' exercise ids, without JAX

# The hub passes the classroom's settings; without them (tests of the pure parts) it is empty.
SETTINGS = (json.loads(Path(os.environ["CLASSROOM_SETTINGS"]).read_text())
            if "CLASSROOM_SETTINGS" in os.environ else {})


READER = Path(__file__).with_name("read_progress.py")
READ_TIMEOUT = 15  # seconds for one learner's store
READ_LIMIT = 16 * 2**20  # bytes of the reader's output
EXERCISE = re.compile(r"\d\d_[a-z0-9_]{1,60}")


class Unreadable(Exception):
    pass


def account(name: str):
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None  # the hub creates the account at its start


def read_as(entry, workspace: Path) -> list:
    """The reader's JSON rows, run with the learner's uid and gid only, bounded in time and
    size."""
    process = subprocess.Popen(
        [SETTINGS["python"], "-I", str(READER), str(workspace)], user=entry.pw_uid,
        group=entry.pw_gid, extra_groups=[], cwd="/", env={"PATH": "/usr/bin:/bin"},
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, deadline = bytearray(), time.monotonic() + READ_TIMEOUT
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Unreadable(f"reading took over {READ_TIMEOUT} s")
            if select.select([process.stdout], [], [], left)[0]:
                chunk = os.read(process.stdout.fileno(), 65536)
                if not chunk:
                    break
                out += chunk
                if len(out) > READ_LIMIT:
                    raise Unreadable(f"over {READ_LIMIT} bytes of records")
        process.wait(max(0.1, deadline - time.monotonic()))
        error = process.stderr.read(500).decode(errors="replace").strip().splitlines()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()
    if process.returncode:
        raise Unreadable(error[-1] if error else f"exit {process.returncode}")
    return json.loads(out)


def valid(row) -> dict | None:
    """A row as {"exercise", "passed", "at", "feedback"}, or None if any field is malformed.
    `feedback` (the check's first line; None in older stores) may be missing."""
    if not (isinstance(row, list) and len(row) in (3, 4)):
        return None
    exercise, passed, at, feedback = (*row, None)[:4]
    if not (isinstance(exercise, str) and EXERCISE.fullmatch(exercise)
            and passed in (0, 1) and isinstance(at, str) and len(at) <= 40
            and (feedback is None or isinstance(feedback, str) and len(feedback) <= 300)):
        return None
    try:
        datetime.datetime.fromisoformat(at)
    except ValueError:
        return None
    return {"exercise": exercise, "passed": bool(passed), "at": at, "feedback": feedback}


def summary(name: str) -> dict:
    """{"status", "exercises": {id: {"passed", "passed_at", "attempts", "last_at"}}}."""
    entry = account(name)
    if entry is None:
        return {"status": "no account yet", "exercises": {}}
    workspace = Path(entry.pw_dir) / SETTINGS["workspace"]
    try:
        raw = read_as(entry, workspace)
    except (Unreadable, ValueError, OSError) as e:  # one learner's store, never the page
        return {"status": f"progress unreadable ({e})", "exercises": {}}
    rows = [valid(row) for row in raw] if isinstance(raw, list) else [None]
    bad = sum(row is None for row in rows)
    exercises: dict[str, dict] = {}
    for row in sorted((r for r in rows if r), key=lambda r: r["at"]):
        ex = exercises.setdefault(row["exercise"], {"passed": False, "passed_at": None,
                                                    "attempts": 0, "last_at": None,
                                                    "last_feedback": None})
        ex["attempts"] += 1
        ex["last_at"] = row["at"]
        ex["last_feedback"] = row["feedback"]
        if row["passed"] and not ex["passed"]:
            ex["passed"], ex["passed_at"] = True, row["at"]
    status = "started" if exercises else "not started"
    if bad:
        status += f"; {bad} malformed record(s) ignored"
    return {"status": status, "exercises": exercises}


def never_logged_in() -> set[str]:
    """The names still on their one-time password: they have not logged in since it was given
    (the first login leads to choosing one's own). Not the hub's last activity, which a server
    started ahead of the class (classroom/warmup.py) sets too."""
    return passwords.unused_initial(Path(SETTINGS["state"]))


def class_progress() -> dict:

    unseen = never_logged_in()
    learners = {}
    for name in SETTINGS["learners"]:
        learners[name] = summary(name)
        if name in unseen and learners[name]["status"] in ("not started", "no account yet"):
            learners[name]["status"] = "not logged in yet"
    ids = course_exercises()
    return {"exercises": ids, "learners": learners, "stuck": stuck(ids, learners)}


def stuck(ids: list[str], learners: dict) -> list[dict]:
    """Per exercise tried by someone: how many passed, how many tried without passing, and
    the most frequent last feedback lines of those who have not passed; the exercises with the
    most learners stuck first."""
    table = []
    for i in ids:
        tried = [s["exercises"][i] for s in learners.values() if i in s["exercises"]]
        if not tried:
            continue
        failing = [ex for ex in tried if not ex["passed"]]
        lines = collections.Counter(ex["last_feedback"] for ex in failing
                                    if ex["last_feedback"])
        table.append({"exercise": i, "passed": len(tried) - len(failing),
                      "not_yet": len(failing), "feedback": lines.most_common(3)})
    return sorted(table, key=lambda row: (-row["not_yet"], row["exercise"]))


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
<table><tr><th>learner</th>{head}</tr>{''.join(rows)}</table>
<h2>Where the class is stuck</h2>
<p>Each exercise someone has tried: how many passed, how many tried without passing yet, and
what the check last told those who have not passed, most frequent first.</p>
{stuck_table(progress["stuck"])}</body></html>"""


def stuck_table(rows: list[dict]) -> str:
    if not rows:
        return "<p>Nobody has checked an exercise yet.</p>"
    body = "".join(
        f"<tr><td>{html.escape(r['exercise'])}</td><td>{r['passed']}</td><td>{r['not_yet']}"
        "</td><td>" + "".join(f"<div>{n} × {html.escape(line)}</div>"
                              for line, n in r["feedback"]) + "</td></tr>" for r in rows)
    return ("<table><tr><th>exercise</th><th>passed</th><th>not yet</th><th>what the check "
            f"said (last try)</th></tr>{body}</table>")


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
