"""Per-learner limits and clean-up, with the kernel's control groups (as The Littlest JupyterHub
gets them from systemd units): each learner's server, and everything it starts (kernels,
terminals, background jobs), runs in the control group `jax-classroom/<name>`, limited in
memory (an allocation over it makes the kernel OOM-killer end a process of that learner only:
the largest, their kernel), in processes and threads (a fork loop stops there), and in CPU
time (a share of the cores). When the server stops, every process left in the group is killed.

Both cgroup layouts are handled: the unified v2 hierarchy (`/sys/fs/cgroup/cgroup.controllers`)
and v1's one hierarchy per controller (`/sys/fs/cgroup/memory`, `pids`, `cpu`). Without either
(a container that hides them), `mechanism()` says "none": each server then gets only an
RLIMIT_NPROC cap, and clean-up kills every process of the learner's account.

Runs as root, in the hub's process; nothing here trusts a learner's file.
"""

from __future__ import annotations

import os
import pwd
import re
import signal
import time
from dataclasses import dataclass
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")
GROUP = "jax-classroom"
CONTROLLERS = ("memory", "pids", "cpu")


@dataclass(frozen=True)
class Limits:
    memory: int  # bytes
    cpu: float  # cores
    tasks: int  # processes and threads

    def describe(self) -> str:
        return (f"{self.memory / 2**30:g} GiB of memory, {self.cpu:g} core(s) of CPU time and "
                f"{self.tasks} processes/threads per learner")


def parse_size(text: str | int) -> int:
    """'2G', '512M', '1.5G' or a number of bytes."""
    if isinstance(text, int):
        return text
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*", str(text), re.IGNORECASE)
    if not match:
        raise ValueError(f"{text!r} is not a size like 2G or 512M")
    scale = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}[match.group(2).upper()]
    return int(float(match.group(1)) * scale)


def mechanism() -> str:
    """"cgroup2", "cgroup1" or "none": what this machine lets the hub use."""
    controllers = CGROUP / "cgroup.controllers"
    if controllers.exists() and set(CONTROLLERS) <= set(controllers.read_text().split()):
        return "cgroup2"
    if all((CGROUP / c).is_dir() and os.access(CGROUP / c, os.W_OK) for c in CONTROLLERS):
        return "cgroup1"
    return "none"


def _dirs(name: str) -> list[Path]:
    kind = mechanism()
    if kind == "cgroup2":
        return [CGROUP / GROUP / name]
    if kind == "cgroup1":
        return [CGROUP / c / GROUP / name for c in CONTROLLERS]
    return []


def _write(path: Path, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


def prepare(name: str, limits: Limits) -> None:
    """Make `name`'s group with its limits, emptied of anything left from an earlier server."""
    kill(name)
    kind = mechanism()
    if kind == "cgroup2":
        top = CGROUP / GROUP
        top.mkdir(exist_ok=True)
        enable = " ".join(f"+{c}" for c in CONTROLLERS)
        _write(CGROUP / "cgroup.subtree_control", enable)
        _write(top / "cgroup.subtree_control", enable)
        group = top / name
        group.mkdir(exist_ok=True)
        _write(group / "memory.max", str(limits.memory))
        if (group / "memory.swap.max").exists():
            _write(group / "memory.swap.max", "0")  # the limit is memory, not memory + swap
        _write(group / "pids.max", str(limits.tasks))
        _write(group / "cpu.max", f"{int(limits.cpu * 100_000)} 100000")
    elif kind == "cgroup1":
        for controller in CONTROLLERS:
            (CGROUP / controller / GROUP / name).mkdir(parents=True, exist_ok=True)
        memory = CGROUP / "memory" / GROUP / name
        _write(memory / "memory.limit_in_bytes", str(limits.memory))
        _write(CGROUP / "pids" / GROUP / name / "pids.max", str(limits.tasks))
        cpu = CGROUP / "cpu" / GROUP / name
        _write(cpu / "cpu.cfs_period_us", "100000")
        _write(cpu / "cpu.cfs_quota_us", str(int(limits.cpu * 100_000)))


def enter(name: str, limits: Limits) -> None:
    """Move the calling process into `name`'s group (in the child, before it drops root)."""
    dirs = _dirs(name)
    for d in dirs:
        _write(d / "cgroup.procs", str(os.getpid()))
    if not dirs:
        import resource

        resource.setrlimit(resource.RLIMIT_NPROC, (limits.tasks, limits.tasks))


def members(name: str) -> set[int]:
    """The processes in `name`'s group; without control groups, those of their account."""
    dirs = _dirs(name)
    if dirs:
        found = set()
        for d in dirs:
            try:
                found |= {int(p) for p in (d / "cgroup.procs").read_text().split()}
            except FileNotFoundError:
                pass
        return found
    return processes_of_account(name)


def processes_of_account(name: str) -> set[int]:
    """The processes running as account `name` (none if there is no such account)."""
    try:
        uid = pwd.getpwnam(name).pw_uid
    except KeyError:
        return set()
    found = set()
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and proc.stat().st_uid == uid:
                found.add(int(proc.name))
        except FileNotFoundError:
            pass
    return found


def remove(name: str) -> None:
    """Remove `name`'s (emptied) group, and the classroom's when it holds no other; it is made
    again at their next start."""
    for d in _dirs(name):
        for folder in (d, d.parent):
            try:
                folder.rmdir()
            except OSError:
                pass  # not empty (another learner's, or not yet), or gone


def kill(name: str, timeout: float = 10) -> set[int]:
    """SIGKILL every process of `name`'s group until none is left; return the ones killed.
    A fork loop cannot outrun it: the group's pids limit bounds it, and a frozen v1 group
    cannot fork at all while it is emptied."""
    killed: set[int] = set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = members(name) - {os.getpid()}
        if not left:
            break
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except ProcessLookupError:
                pass
        time.sleep(0.05)
    return killed
