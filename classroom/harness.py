"""A throw-away classroom for the tests and the load benchmark: `python -m classroom` on a
temporary roster of prefixed accounts, stopped as Ctrl-C stops it, then every account it
created removed with its home. Needs root (like the classroom itself).
"""

from __future__ import annotations

import os
import pwd
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from classroom.client import Learner
from classroom.launch import MARKER, ROOT, free_port


def processes_of(name: str) -> list[int]:
    """The processes running as account `name`."""
    uid = pwd.getpwnam(name).pw_uid
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and proc.stat().st_uid == uid:
                found.append(int(proc.name))
        except FileNotFoundError:
            pass
    return found


class Hub:
    """The classroom on `tmp`'s roster: one teacher `<prefix>-t` and learners `<prefix>-<x>`."""

    def __init__(self, tmp: Path, learners: list[str], prefix: str = "crtest",
                 idle_timeout: int | None = None):
        prefix = f"{prefix}-{secrets.token_hex(3)}"
        self.teacher = f"{prefix}-t"
        self.learners = [f"{prefix}-{x}" for x in learners]
        self.everyone = [self.teacher, *self.learners]
        self.password = {name: secrets.token_urlsafe(12) for name in self.everyone}
        self.tmp, self.state, self.port = tmp, tmp / "state", free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        quoted = ", ".join(f'"{n}"' for n in self.learners)
        (tmp / "roster.toml").write_text(f'teachers = ["{self.teacher}"]\nlearners = [{quoted}]\n')
        self.extra = [] if idle_timeout is None else ["--idle-timeout", str(idle_timeout)]
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self, timeout: float = 240) -> None:
        self.starts += 1
        with open(self.tmp / f"hub{self.starts}.log", "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "classroom", "--roster", str(self.tmp / "roster.toml"),
                 "--state", str(self.state), "--port", str(self.port), *self.extra],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
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
        return (self.tmp / f"hub{self.starts}.log").read_text(errors="replace")

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

    def learner(self, name: str) -> Learner:
        return Learner(self.base, name, self.password[name])

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
        return [n for n in self.everyone if Path("/home", n).exists()]
