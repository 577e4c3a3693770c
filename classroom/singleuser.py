"""A learner's server, as the hub starts it, under the learner's own account: make the
workspace (`~/course`, mode 700), fill or update it with `python -m course.workspace sync`,
then become `jupyterhub-singleuser` rooted at the workspace, opening on its start page.

The sync imports no JAX (tests/test_workspace.py): it takes about 0.1 s, so every login runs it
to the end before the server starts, and the lab opens on an up-to-date workspace.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path


def run_sync(workspace):
    code = subprocess.call([sys.executable, "-m", "course.workspace", "sync", str(workspace)],
                           cwd=workspace)
    if code:
        print(f"classroom: `course.workspace sync` failed (exit {code}); the workspace stays "
              "as it was", file=sys.stderr, flush=True)


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
        run_sync(workspace)
    server = str(Path(sys.executable).parent / "jupyterhub-singleuser")
    os.chdir(workspace)
    os.execv(server, [server, *argv, f"--ServerApp.root_dir={workspace}"])


if __name__ == "__main__":
    main(sys.argv[1:])
