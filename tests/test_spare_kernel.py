"""The classroom's spare kernel (lab/spare_kernel.py), in a real Jupyter server with the lab's
configuration, as a learner's server runs it (COURSE_SPARE_KERNEL=1), without the hub: the
spare starts with the server and imports JAX quietly, is not listed, is not culled, and goes
to the first notebook at the workspace's top with nothing of its warm-up visible; other
notebooks get fresh kernels. tests/test_classroom.py runs it inside the hub too.
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
import websocket

ROOT = Path(__file__).resolve().parent.parent
LESSON = "02_numerical_stability.ipynb"
PROBE = ("import sys, os\n"
         "print(json.dumps({'jax': 'jax' in sys.modules, 'session': globals().get('__session__'),"
         " 'env': os.environ.get('JPY_SESSION_NAME'), 'names': sorted(k for k in dir() "
         "if not k.startswith('_'))}))")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kernel_processes(server: subprocess.Popen) -> list[int]:
    """The ipykernel processes the server started."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            cmd = (proc / "cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        if int(stat[1]) == server.pid and b"ipykernel" in cmd:
            found.append(int(proc.name))
    return found


def start_server(tmp: Path, wait_for_spare: bool = True):
    """A Jupyter server as the classroom's, on a workspace with lesson 2 at its top and in
    `sub/`; returns what the helpers below take, once it answers (and, with
    `wait_for_spare`, once the spare runs)."""
    root = tmp / "workspace"
    (root / "sub").mkdir(parents=True)
    for folder in (root, root / "sub"):
        shutil.copy(ROOT / "notebooks" / LESSON, folder / LESSON)
    port, token = free_port(), secrets.token_hex(8)
    env = {**os.environ, "JUPYTER_CONFIG_PATH": str(ROOT / "lab"), "COURSE_SPARE_KERNEL": "1"}
    env.pop("COURSE_WORKSPACE", None)
    log = open(tmp / "server.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", f"--port={port}", "--no-browser",
         "--allow-root", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         # Culling every second after 2 s idle: the spare must outlive it.
         "--MappingKernelManager.cull_idle_timeout=2", "--MappingKernelManager.cull_interval=1"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = {"base": f"http://127.0.0.1:{port}", "headers": {"Authorization": f"token {token}"},
              "root": root, "process": process, "token": token, "log": log}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{server['base']}/api/status", headers=server["headers"],
                            timeout=5).status_code == 200:
                break
        except requests.ConnectionError:
            time.sleep(0.1)
    while wait_for_spare and not kernel_processes(process) and time.monotonic() < deadline:
        time.sleep(0.5)
    return server


def stop_server(server) -> None:
    server["process"].terminate()
    try:
        server["process"].wait(30)
    except subprocess.TimeoutExpired:
        server["process"].kill()
    server["log"].close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("spare"))
    try:
        yield server
    finally:
        stop_server(server)


def session(server, path: str) -> str:
    reply = requests.post(f"{server['base']}/api/sessions", headers=server["headers"], json={
        "path": path, "name": Path(path).name, "type": "notebook",
        "kernel": {"name": "python3"}}, timeout=120)
    reply.raise_for_status()
    return reply.json()["kernel"]["id"]


def run(server, kernel_id: str, code: str) -> tuple[int, dict]:
    """(execution count, the JSON the code printed), over the kernel's websocket."""
    ws = websocket.create_connection(
        server["base"].replace("http", "ws", 1) + f"/api/kernels/{kernel_id}/channels",
        header=[f"Authorization: token {server['token']}"], timeout=120)
    try:
        msg_id = uuid.uuid4().hex
        ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": "u", "session": uuid.uuid4().hex,
                       "msg_type": "execute_request", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell",
            "content": {"code": "import json\n" + code, "silent": False, "store_history": True,
                        "user_expressions": {}, "allow_stdin": False,
                        "stop_on_error": True}}))
        printed, count, idle = "", None, False
        while count is None or not idle:  # the reply and the idle status, in either order
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["header"]["msg_type"]
            if kind == "stream":
                printed += msg["content"]["text"]
            elif kind == "error":
                raise AssertionError(msg["content"]["evalue"])
            elif kind == "execute_reply":
                count = msg["content"]["execution_count"]
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                idle = True
        return count, json.loads(printed)
    finally:
        ws.close()


def kernels(server) -> set[str]:
    reply = requests.get(f"{server['base']}/api/kernels", headers=server["headers"], timeout=30)
    return {k["id"] for k in reply.json()}


def test_the_spare_is_hidden_warm_uncullable_and_goes_to_the_first_top_notebook(server):
    root = server["root"]
    assert len(kernel_processes(server["process"])) == 1, "no spare kernel started"
    [spare_pid] = kernel_processes(server["process"])
    assert kernels(server) == set()
    # A notebook in a subfolder: its kernel must start there, so not the spare.
    sub = session(server, f"sub/{LESSON}")
    count, seen = run(server, sub, PROBE)
    assert seen["jax"] is False and count == 1
    assert seen["session"] == str(root / "sub" / LESSON)
    # Left idle, that kernel is culled (2 s); the spare, idle for longer, is not.
    deadline = time.monotonic() + 60
    while sub in kernels(server) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert sub not in kernels(server), "the culler never ran"
    assert kernel_processes(server["process"]) == [spare_pid]
    # The first notebook at the top: the spare, with JAX imported and nothing else to show.
    top = session(server, LESSON)
    assert kernel_processes(server["process"]) == [spare_pid]
    count, seen = run(server, top, PROBE)
    assert seen == {"jax": True, "session": str(root / LESSON), "env": str(root / LESSON),
                    "names": ["In", "Out", "exit", "get_ipython", "json", "open", "os",
                              "quit", "sys"]}
    assert count == 1  # the warm-up counted no execution
    assert top in kernels(server)
    # The next one is a fresh kernel again.
    again = session(server, "another.ipynb")
    assert again != top
    assert run(server, again, PROBE)[1]["jax"] is False


def test_run_py_lab_starts_no_spare():
    import runpy

    from traitlets.config import Config

    env = {k: v for k, v in os.environ.items() if k != "COURSE_SPARE_KERNEL"}
    config = Config()
    old = os.environ.copy()
    try:
        os.environ.clear()
        os.environ.update(env)
        runpy.run_path(str(ROOT / "lab" / "jupyter_server_config.py"),
                       init_globals={"get_config": lambda: config})
    finally:
        os.environ.clear()
        os.environ.update(old)
    assert "kernel_manager_class" not in config.ServerApp
    assert "session_manager_class" not in config.ServerApp


def test_a_notebook_opened_while_the_spare_starts_waits_for_it(tmp_path):
    """A learner faster than the spare (their notebook opened as soon as the server answers)
    gets the spare when it is ready, not a second kernel beside it."""
    server = start_server(tmp_path, wait_for_spare=False)
    try:
        kernel_id = session(server, LESSON)
        assert len(kernel_processes(server["process"])) == 1
        assert run(server, kernel_id, PROBE)[1]["jax"] is True
    finally:
        stop_server(server)
