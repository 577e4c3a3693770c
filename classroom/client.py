"""A learner's session through the hub, without a browser: log in with a password, wait for
the server, open a kernel and run code in it over the kernel websocket. The classroom tests
and benchmarks/classroom.py use it, one `Learner` per simulated person (a thread each).
"""

from __future__ import annotations

import json
import re
import time
import uuid

import requests
import websocket


class HubError(Exception):
    pass


class Learner:
    def __init__(self, base: str, name: str, password: str, initial: str | None = None):
        """`password` is the one the person chooses; `initial` the teacher's one-time one,
        tried first (and replaced by `password` when it is accepted)."""
        self.base, self.name, self.password = base.rstrip("/"), name, password
        self.initial = initial
        self.session = requests.Session()
        self.token: str | None = None

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def post_form(self, path: str, data: dict, timeout: float = 60) -> requests.Response:
        """GET the hub's form at `path`, then POST `data` with its XSRF token."""
        form = self.session.get(self.url(path), timeout=30)
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form.text)
        if xsrf:
            data = {**data, "_xsrf": xsrf.group(1)}
        return self.session.post(self.url(path), data=data, timeout=timeout)

    def try_login(self, password: str) -> requests.Response:
        """One login attempt, from a logged-out session (a logged-in one is sent past the
        login form, and its POST would fail on the form's missing XSRF token instead)."""
        self.session.cookies.clear()
        self.token = None
        return self.post_form("hub/login", {"username": self.name, "password": password})

    def login(self, timeout: float = 180) -> requests.Response:
        """Log in through the hub's login form, then wait until the learner's server answers.
        The first time, log in with the one-time password and choose `password` on the page
        the hub leads to."""
        # A first login uses the one-time password, as a learner would; after the first
        # change, the hub refuses it and the chosen one follows (one failed try, which the
        # hub's throttle allows: it counts 5 in a row).
        reply = self.try_login(self.initial) if self.initial else None
        if reply is None or reply.status_code == 403:
            reply = self.try_login(self.password)
        elif reply.url.endswith("/hub/auth/change-password"):
            changed = self.post_form("hub/auth/change-password", {"password": self.password})
            if "changed successfully" not in changed.text:
                raise HubError(f"{self.name} could not choose a password: HTTP "
                               f"{changed.status_code}")
        if not self.session.cookies.get("jupyterhub-session-id") or reply.status_code in (
                401, 403):
            raise HubError(f"login as {self.name} failed: HTTP {reply.status_code}")
        self.wait_for_server(timeout)
        return reply

    def wait_for_server(self, timeout: float = 180) -> None:
        """Ask the hub to start the learner's server (unless it runs), wait until it answers."""
        deadline = time.monotonic() + timeout
        asked = False
        while time.monotonic() < deadline:
            status = requests.get(self.url(f"user/{self.name}/api/status"), timeout=30,
                                  headers={"Authorization": f"token {self.api_token()}"},
                                  allow_redirects=False)
            if status.status_code == 200:
                # As a browser does: open the server once, which logs in to it through the
                # hub's OAuth and leaves the server's own cookie in the session.
                self.session.get(self.url(f"user/{self.name}/lab"), timeout=60).raise_for_status()
                return
            if not asked:
                start = self.session.post(self.url(f"hub/api/users/{self.name}/server"),
                                          headers=self.xsrf_headers(), timeout=30)
                if start.status_code == 429:  # too many servers starting: try again soon
                    time.sleep(float(start.headers.get("Retry-After", 5)))
                    continue
                if start.status_code not in (201, 202, 400):  # 400: already starting
                    raise HubError(f"starting {self.name}'s server: HTTP {start.status_code}")
                asked = True
            time.sleep(0.5)
        raise HubError(f"{self.name}'s server did not start within {timeout:.0f} s")

    def xsrf_headers(self) -> dict:
        return {"X-XSRFToken": self.session.cookies.get("_xsrf", path="/hub/") or ""}

    def api_token(self) -> str:
        """A token of the learner's own, made through the hub's API with their cookie."""
        if self.token is None:
            reply = self.session.post(self.url(f"hub/api/users/{self.name}/tokens"),
                                      json={"note": "classroom client"},
                                      headers=self.xsrf_headers(), timeout=30)
            reply.raise_for_status()
            self.token = reply.json()["token"]
        return self.token

    def api(self, method: str, path: str, user: str | None = None, **kwargs):
        """A request to `user`'s server (default: one's own) with one's token."""
        headers = {"Authorization": f"token {self.api_token()}"}
        return requests.request(method, self.url(f"user/{user or self.name}/api/{path}"),
                                headers=headers, timeout=60, **kwargs)

    def kernel(self) -> Kernel:
        reply = self.api("POST", "kernels", json={"name": "python3"})
        reply.raise_for_status()
        return Kernel(self, reply.json()["id"])

    def notebook_kernel(self, path: str) -> Kernel:
        """The kernel of a session for the notebook at `path`, as JupyterLab makes one when a
        notebook is opened."""
        reply = self.api("POST", "sessions", json={
            "path": path, "name": path.rsplit("/", 1)[-1], "type": "notebook",
            "kernel": {"name": "python3"}})
        reply.raise_for_status()
        return Kernel(self, reply.json()["kernel"]["id"])


class Kernel:
    """One kernel of a learner's server, driven over its websocket (Jupyter's JSON protocol)."""

    def __init__(self, learner: Learner, kernel_id: str):
        self.learner, self.id = learner, kernel_id
        url = learner.url(f"user/{learner.name}/api/kernels/{kernel_id}/channels")
        self.ws = websocket.create_connection(
            url.replace("http", "ws", 1), timeout=120,
            header=[f"Authorization: token {learner.api_token()}"])
        self.session = uuid.uuid4().hex

    def run(self, code: str, timeout: float = 300) -> dict:
        """Run `code`; return {"stdout", "error" (ename or None), "evalue", "seconds"}."""
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": self.learner.name,
                       "session": self.session, "msg_type": "execute_request",
                       "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
        }))
        start = time.monotonic()
        out = {"stdout": "", "error": None, "evalue": None}
        replied = idle = False
        while not (replied and idle):
            left = timeout - (time.monotonic() - start)
            if left <= 0:
                raise HubError(f"code did not finish within {timeout} s: {code[:60]!r}")
            # Short reads: the server's websocket pings would otherwise restart a long
            # socket timeout forever, and a dead kernel sends nothing more.
            self.ws.settimeout(min(left, 5))
            try:
                msg = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException:
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["header"]["msg_type"], msg["content"]
            if kind == "stream":
                out["stdout"] += content["text"]
            elif kind in ("execute_result", "display_data"):
                out["stdout"] += content["data"].get("text/plain", "") + "\n"
            elif kind == "error":
                out["error"], out["evalue"] = content["ename"], content["evalue"]
            elif kind == "execute_reply":
                replied = True
            elif kind == "status" and content["execution_state"] == "idle":
                idle = True
        out["seconds"] = time.monotonic() - start
        return out

    def close(self, shutdown: bool = True) -> None:
        self.ws.close()
        if shutdown:
            self.learner.api("DELETE", f"kernels/{self.id}")
