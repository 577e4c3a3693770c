"""JupyterLab on a copy of the lessons, as the browser tests and benchmarks/explorers_browser.py
start it: 127.0.0.1, a fresh token, no news pop-up, the app exposed to the page for commands."""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def jupyterlab(work: Path, root: Path | None = None, app_settings: Path | None = None,
               args: list[str] = (), env: dict | None = None):
    """JupyterLab serving a copy of notebooks/ in `work` (or the folder `root`, as it is); yields
    (base url, token), and stops the server (with its kernels) afterwards. Its log is
    `work / "server.log"`. The news pop-up is turned off in the user settings, or by the
    `overrides.json` in `app_settings` when given (as `python3 run.py lab` does it). `args` and
    `env` are more options and the server's environment (run.py's lab_arguments and
    lab_environment, to serve as `python3 run.py lab` does)."""
    if root is None:
        shutil.copytree(ROOT / "notebooks", work / "notebooks")
        root = work / "notebooks"
    settings = work / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    if app_settings is None:
        (settings / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    port, token = free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1",
           f"--port={port}", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={root}",
           f"--LabApp.user_settings_dir={work / 'settings'}",
           f"--LabApp.workspaces_dir={work / 'workspaces'}",
           "--LabApp.expose_app_in_browser=True", "--ServerApp.port_retries=0"]
    if app_settings is not None:
        cmd.append(f"--LabApp.app_settings_dir={app_settings}")
    cmd += args
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    with open(work / "server.log", "w") as log:
        server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=work, env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                        break
                except OSError:
                    if time.time() > deadline or server.poll() is not None:
                        raise RuntimeError((work / "server.log").read_text()[-3000:]) from None
                    time.sleep(0.3)
            yield base, token
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
