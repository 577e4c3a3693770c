"""A learner's server, as the hub starts it, under the learner's own account: make the
workspace (`~/course`, mode 700), fill or update it with `python -m course.workspace sync`,
then become `jupyterhub-singleuser` rooted at the workspace.

Standard library only, and no `import course` here: this process is replaced by the server,
so importing JAX would only slow every login down.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path


def sync_in_background(workspace):
    """Run `python -m course.workspace sync` beside the server rather than before it: the sync
    imports JAX (seconds, more when a class logs in at once), and the lessons appear in the
    file browser as it copies them. Forked twice, so that the server never has to reap it."""
    if os.fork():
        os.wait()
        return
    if os.fork():
        os._exit(0)
    try:
        code = subprocess.call([sys.executable, "-m", "course.workspace", "sync",
                                str(workspace)], cwd=workspace)
        if code:
            print(f"classroom: `course.workspace sync` failed (exit {code}); the workspace "
                  "stays as it was", file=sys.stderr, flush=True)
    finally:
        os._exit(0)


def main(argv):
    home = Path(os.environ.get("HOME") or Path.home())
    home.chmod(0o700)  # the learner's files are theirs alone, whatever made the home
    workspace = Path(os.environ.get("COURSE_WORKSPACE")
                     or home / os.environ.get("CLASSROOM_WORKSPACE_NAME", "course"))
    workspace.mkdir(mode=0o700, parents=True, exist_ok=True)
    workspace.chmod(0o700)
    os.environ["COURSE_WORKSPACE"] = str(workspace)  # kernels inherit it: progress goes there
    course = importlib.util.find_spec("course")
    if course and any((Path(p) / "workspace.py").exists()
                      for p in course.submodule_search_locations or []):
        sync_in_background(workspace)
    server = str(Path(sys.executable).parent / "jupyterhub-singleuser")
    os.chdir(workspace)
    os.execv(server, [server, *argv, f"--ServerApp.root_dir={workspace}"])


if __name__ == "__main__":
    main(sys.argv[1:])
