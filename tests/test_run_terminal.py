"""run.py's long commands in a terminal (issue 22): one Ctrl-C stops the command and everything
it started, and `lab` prints a URL that works.

Each test runs run.py on a pseudo-terminal of its own, under SHELL, which does what an
interactive shell does with a command: the shell leads the terminal's session, the command runs
in a process group of its own, in the foreground, and the shell takes the terminal back (the
prompt) when the command has exited. The test presses Ctrl-C by writing ^C to the terminal,
whose line discipline then sends SIGINT to the foreground process group, as when a learner
presses it; what is still running when the prompt is back was left behind.
"""

import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from jupyter_client import BlockingKernelClient
from jupyter_core.paths import jupyter_runtime_dir
from test_run import run

ROOT = Path(__file__).resolve().parent.parent


def have_ptys() -> bool:
    try:
        for fd in os.openpty():
            os.close(fd)
    except (AttributeError, OSError):
        return False
    return True


pytestmark = pytest.mark.skipif(not have_ptys(), reason="no pseudo-terminals here (/dev/ptmx)")
CTRL_C = b"\x03"

# The shell: argv[1:] is the command. Prints "EXIT=<status>" when it is back, then keeps the
# terminal open until the test ends (a session leader's exit would hang up the terminal and
# SIGHUP anything left in it, hiding what a real shell would leave running).
SHELL = """
import fcntl, os, signal, sys, termios, time
fcntl.ioctl(0, termios.TIOCSCTTY, 0)  # a new session (Popen's start_new_session): take the tty
pid = os.fork()
if pid == 0:
    os.setpgid(0, 0)
    os.execv(sys.argv[1], sys.argv[1:])
os.setpgid(pid, pid)
os.tcsetpgrp(0, pid)
_, status = os.waitpid(pid, 0)
signal.signal(signal.SIGTTOU, signal.SIG_IGN)
os.tcsetpgrp(0, os.getpgrp())
print(f"EXIT={os.waitstatus_to_exitcode(status)}", flush=True)
time.sleep(3600)
"""


class Terminal:
    """A program on a pseudo-terminal: what it printed so far, and the keys to type."""

    def __init__(self, argv: list[str], env: dict):
        # Not pty.fork(): os.fork() in a process that imported JAX (another test file on this
        # worker may have) warns, and warnings are errors here. Popen forks without Python's
        # fork hooks; the shell makes the terminal its controlling one itself.
        self.fd, terminal = os.openpty()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", SHELL, *argv], stdin=terminal, stdout=terminal,
                stderr=terminal, cwd=ROOT, env=env, start_new_session=True)
        finally:
            os.close(terminal)
        self.pid = self.process.pid
        self.output = bytearray()
        self.status = None

    def text(self) -> str:
        return self.output.decode(errors="replace")

    def read(self, until, timeout: float) -> bool:
        """Read what it prints until `until(text)` is true (True) or the time is up (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if until(self.text()):
                return True
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:  # EIO: every process of the terminal closed it
                    chunk = b""
                if not chunk:
                    return until(self.text())
                self.output.extend(chunk)
        return until(self.text())

    def type(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def wait(self, timeout: float) -> int | None:
        """The command's exit status once the shell is back (130 after Ctrl-C), or None if it
        is still running after `timeout`."""
        if self.read(lambda t: re.search(r"EXIT=-?\d+", t), timeout):
            return int(re.search(r"EXIT=(-?\d+)", self.text()).group(1))
        return None

    def close(self) -> None:
        for pid in descendants(self.pid):  # anything left, the shell last
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.process.wait()
        os.close(self.fd)


def descendants(pid: int) -> set[int]:
    """`pid` and every process below it (children, their children...), from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        found.add(p)
        todo += [child for child, parent in parents.items() if parent == p]
    return found


def alive(pid: int) -> bool:
    """Running (a zombie that nobody reaped yet has stopped: it only waits for its parent)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.fixture
def terminal():
    opened = []

    def start(args: list[str], **env) -> Terminal:
        full = {**os.environ, **env, "TERM": "xterm"}
        full.pop("DISPLAY", None)
        full.pop("WAYLAND_DISPLAY", None)  # no browser to open
        opened.append(Terminal([sys.executable, *args], full))
        return opened[-1]

    yield start
    for t in opened:
        t.close()


def test_one_ctrl_c_stops_the_lab_its_kernels_and_frees_the_port(terminal, tmp_path):
    # The default port is taken (here by a socket of ours): the lab takes the next free one,
    # and the URL it prints, last, is that one, with the whole token.
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    wanted = taken.getsockname()[1]
    lab = terminal(["run.py", "lab"], COURSE_WORKSPACE=str(tmp_path / "workspace"),
                   COURSE_PORT=str(wanted))
    try:
        assert lab.read(lambda t: "Stop it with Ctrl-C" in t, 240), lab.text()
    finally:
        taken.close()
    text = lab.text()
    assert f"Port {wanted} is taken" in text
    (url,) = re.findall(r"http://127\.0\.0\.1:\d+/\S+", text)
    port = int(url.split(":")[2].split("/")[0])
    assert port > wanted
    assert url.endswith("/lab/tree/00_start_here.ipynb?token=" + re.search(
        r"token=([0-9a-f]{48})\s", text).group(1))
    assert text.rstrip().endswith("Stop it with Ctrl-C (once: it stops JupyterLab and its "
                                  "kernels).")
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200
    # A lesson, as JupyterLab opens it, and a kernel, as a lesson starts one.
    token = url.rsplit("=", 1)[1]
    lesson = urllib.request.Request(f"http://127.0.0.1:{port}/api/contents/01_tldr.ipynb",
                                    headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(lesson, timeout=60) as response:
        assert json.load(response)["type"] == "notebook"
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/kernels", method="POST",
                                     data=json.dumps({"name": "python3"}).encode(),
                                     headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        kernel = json.load(response)["id"]
    # Ready, as a lesson's kernel is (stopped while it imports, a kernel prints a traceback).
    client = BlockingKernelClient(
        connection_file=os.path.join(jupyter_runtime_dir(), f"kernel-{kernel}.json"))
    client.load_connection_file()
    client.start_channels(iopub=False, stdin=False, hb=False, control=False)
    try:  # the request waits in ZeroMQ until the kernel listens
        request = client.kernel_info()
        while client.get_shell_msg(timeout=120)["parent_header"].get("msg_id") != request:
            pass
    finally:
        client.stop_channels()
    deadline = time.monotonic() + 60
    while not any("ipykernel" in command_line(p) for p in descendants(lab.pid)):
        assert time.monotonic() < deadline, "no kernel process"
        time.sleep(0.3)
    processes = descendants(lab.pid) - {lab.pid}  # not the shell
    assert any("jupyter-lab" in command_line(p) or "jupyter lab" in command_line(p)
               for p in processes)

    lab.type(CTRL_C)

    assert lab.wait(60) == 130, lab.text()
    left = [(p, command_line(p)) for p in processes if alive(p)]
    assert not left, f"still running after one Ctrl-C: {left}"
    assert run.port_is_free(port)
    assert "Shut down this Jupyter server" not in lab.text()
    assert "eavesdropping" not in lab.text()
    assert "is not trusted" not in lab.text()
    # After the URL, only the stop: no log line pushed it up.
    after = lab.text().split("Stop it with Ctrl-C (once: it stops JupyterLab and its kernels).")[1]
    after = after.split("EXIT=")[0]  # the shell's line
    assert [line for line in after.splitlines() if line.strip()] == [
        line for line in after.splitlines() if "Shutting down" in line], after


COUNT_SIGINTS = """
import signal, sys, time
got = []
signal.signal(signal.SIGINT, lambda *_: got.append(time.monotonic()))
print("counter: ready", flush=True)
while not got:
    time.sleep(0.05)
time.sleep(2)  # uv run passes on a second SIGINT 200 ms after the first
print(f"SIGINTs: {len(got)}", flush=True)
sys.exit(7)
"""


def test_a_long_command_gets_one_ctrl_c_once_and_run_py_waits_for_it(terminal, tmp_path):
    """What every command does (`classroom`, whose launcher exec's into the hub, `site`,
    `refresh`, `test`): run.py -> uv run -> the program. The program receives Ctrl-C once,
    and run.py returns only after the program has finished."""
    script = tmp_path / "count_sigints.py"
    script.write_text(COUNT_SIGINTS)
    driver = ("import sys; sys.path.insert(0, '.'); import run; "
              f"sys.exit(run.run_child(run.sync([]) + ['python', {str(script)!r}]))")
    child = terminal(["-c", driver])
    assert child.read(lambda t: "counter: ready" in t, 240), child.text()

    child.type(CTRL_C)

    assert child.wait(30) == 130, child.text()
    assert "SIGINTs: 1" in child.text()
