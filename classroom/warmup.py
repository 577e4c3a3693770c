"""The learners' servers, started before the class arrives: a JupyterHub service of the
classroom (`warm_up` in the roster's [hub], on by default; README, "Teaching with it").

A learner's server costs about 1.5 s of CPU to start (Python, Jupyter's and JupyterHub's
modules, the lab's extensions, the workspace sync). When a class of 40 presses "Sign in" within
seconds, those starts alone are a minute of both cores of a 2-core machine, before anyone runs a
cell (benchmarks/classroom.py). So as soon as the hub is up, this service asks it to start each
learner's server, a few at a time, in the roster's order, through the hub's API, as a learner's
own login would: the same spawner, limits and workspace sync. Whoever logs in then finds their
server running. A learner whose server is already running or starting (they logged in first)
is skipped; a server that does not start is reported and left to the learner's login.

It never fills the machine: it stops starting servers when the memory the machine has
available falls under a quarter of its total (or 1 GiB), and says so; the others start at their
learner's login. A server nobody uses stops after the idle timeout, like any other.

Its token may see and start the learners' servers only (role `warm-up`: `read:servers` and
`start:servers`, each `!user=NAME` for each learner): not a teacher's, and it stops none.
Once done it stays idle: the hub restarts a managed service that exits.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

START_TIMEOUT = 300  # seconds: the spawner's own start_timeout
POLL = 0.5


def memory() -> tuple[int, int]:
    """(available, total) bytes, from /proc/meminfo."""
    info = {}
    for line in Path("/proc/meminfo").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("MemAvailable", "MemTotal"):
            info[key] = int(value.split()[0]) * 1024
    return info["MemAvailable"], info["MemTotal"]


def reserve(total: int) -> int:
    """Memory kept free for the learners' kernels, which come with the learners."""
    return max(2**30, total // 4)


class Hub:
    """The hub's REST API with this service's token."""

    def __init__(self, url: str, token: str):
        self.url, self.token = url.rstrip("/"), token

    def call(self, method: str, path: str) -> tuple[int, dict]:
        request = urllib.request.Request(self.url + path, method=method, headers={
            "Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                body = reply.read()
                return reply.status, json.loads(body) if body else {}
        except urllib.error.HTTPError as e:
            body = e.read()
            try:
                return e.code, json.loads(body) if body else {}
            except ValueError:
                return e.code, {}

    def server(self, name: str) -> dict | None:
        """The learner's default server's model, or None when it is not running or starting."""
        status, user = self.call("GET", f"/users/{name}")
        if status != 200:
            raise RuntimeError(f"the hub answered HTTP {status} about {name}")
        return (user.get("servers") or {}).get("")


class WarmUp:
    def __init__(self, hub: Hub, learners: list[str], at_once: int, clock=time.monotonic,
                 sleep=time.sleep, memory=memory):
        self.hub, self.learners, self.at_once = hub, learners, at_once
        self.clock, self.sleep, self.memory = clock, sleep, memory
        self.started: list[str] = []  # by this service, and ready
        self.skipped: list[str] = []  # already running or starting
        self.failed: dict[str, str] = {}
        self.out_of_memory = threading.Event()
        self.lock = threading.Lock()

    def warm(self, name: str) -> None:
        try:
            if self.out_of_memory.is_set():
                return
            available, total = self.memory()
            if available < reserve(total):
                with self.lock:  # one message, whichever thread sees it first
                    first = not self.out_of_memory.is_set()
                    self.out_of_memory.set()
                if first:
                    say(f"warm-up: stopped starting servers before {name}'s: "
                        f"{available / 2**20:.0f} MB of memory available, under the "
                        f"{reserve(total) / 2**20:.0f} MB kept for the learners' kernels; the "
                        "other learners' servers start when they log in", error=True)
                return
            if self.hub.server(name) is not None:
                with self.lock:
                    self.skipped.append(name)
                return
            status, reply = self.hub.call("POST", f"/users/{name}/server")
            while status == 429:  # the hub's spawn limit: learners' logins come first
                self.sleep(3)
                status, reply = self.hub.call("POST", f"/users/{name}/server")
            if status == 400:  # started meanwhile, by the learner's login
                with self.lock:
                    self.skipped.append(name)
                return
            if status not in (201, 202):
                raise RuntimeError(f"HTTP {status}: {reply.get('message', '')}".strip())
            deadline = self.clock() + START_TIMEOUT
            while True:
                model = self.hub.server(name)
                if model is None:
                    raise RuntimeError("its server stopped while starting (servers.log says "
                                       "why)")
                if model.get("ready"):
                    break
                if self.clock() > deadline:
                    raise RuntimeError(f"not ready within {START_TIMEOUT} s")
                self.sleep(POLL)
            with self.lock:
                self.started.append(name)
        except Exception as e:  # one learner's server, never the others'
            with self.lock:
                self.failed[name] = f"{e}"[:200]

    def run(self) -> None:
        with ThreadPoolExecutor(self.at_once) as pool:
            list(pool.map(self.warm, self.learners))


def say(text: str, error: bool = False) -> None:
    print(text, file=sys.stderr if error else sys.stdout, flush=True)


def main() -> int:
    learners = json.loads(os.environ["CLASSROOM_WARM_UP"])
    at_once = max(1, os.cpu_count() or 1)
    hub = Hub(os.environ["JUPYTERHUB_API_URL"], os.environ["JUPYTERHUB_API_TOKEN"])
    t0 = time.monotonic()
    warm = WarmUp(hub, learners, at_once)
    warm.run()
    seconds = time.monotonic() - t0
    say(f"warm-up: {len(warm.started)} of {len(learners)} learners' servers started ahead of "
        f"the class in {seconds:.0f} s ({at_once} at a time); "
        f"{len(warm.skipped)} were already running")
    for name, why in warm.failed.items():
        say(f"warm-up: {name}'s server did not start ({why}); it starts at their login",
            error=True)
    # A managed service that exits is restarted by the hub, which would start again the
    # servers that the idle culler has stopped since: stay, idle, until the hub stops us.
    while True:
        signal.pause()


if __name__ == "__main__":
    sys.exit(main())
