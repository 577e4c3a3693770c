"""A throw-away classroom for the tests and the load benchmark: `python -m classroom` on a
temporary roster of prefixed accounts, stopped as Ctrl-C stops it, then every account it
created removed with its home. Needs root (like the classroom itself).

The course is staged first: the checkout's files (tracked and untracked, not ignored) are
copied into a folder under /tmp that every account can read, and the hub runs from there, as a
teacher's /opt/course would. So the tests pass wherever the repository was cloned, a private
`mktemp -d` folder or a home directory included, and never touch the checkout's own
`.classroom/`.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from classroom import limits, passwords
from classroom.client import Learner
from classroom.launch import MARKER, ROOT, free_port


def stage_course() -> Path:
    """A copy of the checkout's files in a world-readable folder under /tmp."""
    stage = Path(tempfile.mkdtemp(prefix="crtest-course-", dir="/tmp"))
    stage.chmod(0o755)
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                            "--exclude-standard"], cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (stage / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, stage / name)
    proxy = ROOT / "classroom" / "node_modules"
    if proxy.is_dir():  # already installed here: spare the copy an `npm ci`
        shutil.copytree(proxy, stage / "classroom" / "node_modules", symlinks=True)
    for folder in [stage, *(p for p in stage.rglob("*") if p.is_dir())]:
        folder.chmod(0o755)
    return stage


def uv_for_stage() -> str:
    """The uv the launcher runs in the staged copy (which has no .tools/ of its own)."""
    return os.environ.get("UV") or shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")


def processes_of(name: str) -> list[int]:
    """The processes running as account `name`."""
    return sorted(limits.processes_of_account(name))


class Hub:
    """The classroom on `tmp`'s roster: one teacher `<prefix>-t` and learners `<prefix>-<x>`."""

    def __init__(self, tmp: Path, learners: list[str], prefix: str = "crtest",
                 idle_timeout: int | None = None, extra: tuple[str, ...] = (),
                 subdomains: bool = False):
        """`subdomains`: each person's server on `<name>.localhost`, the hub at
        http://localhost:PORT (the launcher's default on loopback); only a browser resolves
        those names (Chromium does). Without it, --single-origin."""
        prefix = f"{prefix}-{secrets.token_hex(3)}"
        self.teacher = f"{prefix}-t"
        self.learners = [f"{prefix}-{x}" for x in learners]
        self.everyone = [self.teacher, *self.learners]
        # The password each person chooses at their first login, after the one-time one.
        self.password = {name: secrets.token_urlsafe(12) for name in self.everyone}
        self.tmp, self.state, self.port = tmp, tmp / "state", free_port()
        self.root = stage_course()
        self.base = f"http://127.0.0.1:{self.port}"
        self.write_roster(self.learners)
        self.extra = [*extra] + ([] if idle_timeout is None else
                                 ["--idle-timeout", str(idle_timeout)])
        if subdomains:  # the default on loopback
            self.base = f"http://localhost:{self.port}"
        else:  # what the requests-based client can reach: it does not resolve *.localhost
            self.extra.append("--single-origin")
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self, timeout: float = 240) -> None:
        self.starts += 1
        with open(self.tmp / f"hub{self.starts}.log", "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "classroom", "--roster", str(self.tmp / "roster.toml"),
                 "--state", str(self.state), "--port", str(self.port), *self.extra],
                cwd=self.root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                env={**os.environ, "UV": uv_for_stage()})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the hub exited with {self.process.returncode}:\n"
                                   + self.log()[-3000:])
            try:
                if requests.get(f"{self.base}/hub/health", timeout=5).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"the hub did not answer within {timeout:.0f} s:\n"
                           + self.log()[-3000:])

    def log(self) -> str:
        """What the command printed, then the hub's and the servers' logs."""
        parts = [self.tmp / f"hub{self.starts}.log", self.state / "hub.log",
                 self.state / "servers.log"]
        return "\n".join(p.read_text(errors="replace") for p in parts if p.exists())

    def stop(self) -> None:
        """As Ctrl-C does: the hub stops the learners' servers, its services and the proxy."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(120)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def initial_passwords(self) -> dict[str, str]:
        """The one-time passwords the teacher's command wrote (its file, as root)."""
        path = passwords.initial_file(self.state)
        lines = [line.split(" ", 1) for line in path.read_text().splitlines()
                 if line and not line.startswith("#")]
        return {name: password for name, password in lines}

    def write_roster(self, learners: list[str]) -> None:
        quoted = ", ".join(f'"{n}"' for n in learners)
        (self.tmp / "roster.toml").write_text(
            f'teachers = ["{self.teacher}"]\nlearners = [{quoted}]\n')

    def learner(self, name: str) -> Learner:
        return Learner(self.base, name, self.password[name],
                       initial=self.initial_passwords().get(name))

    def home(self, name: str) -> Path:
        return Path(pwd.getpwnam(name).pw_dir)

    def remove_accounts(self) -> list[str]:
        """Kill what still runs as a roster account, then delete the account and its home;
        return the homes that are still there (none, normally)."""
        for name in self.everyone:
            try:
                entry = pwd.getpwnam(name)
            except KeyError:
                continue
            if entry.pw_gecos.split(",")[0] != MARKER:
                continue  # never the classroom's: not ours to remove
            deadline = time.monotonic() + 30
            while processes_of(name) and time.monotonic() < deadline:
                for pid in processes_of(name):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                time.sleep(0.2)
            subprocess.run(["userdel", "--remove", name], capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)  # the staged copy of the course
        return [n for n in self.everyone if Path("/home", n).exists()]
