"""JupyterLab's server settings for `python3 run.py lab` (found through JUPYTER_CONFIG_PATH).

A save of a lesson from a tab opened before `python3 run.py reset NN` is refused: that tab still
shows the learner's old copy, and JupyterLab's "File Changed" dialog offers Overwrite, which
would silently undo the reset. course/workspace.py marks the fresh copy's metadata with
`course_reset`; a notebook saved without the mark the file on disk has is such a stale tab, and
the learner gets a message saying what happened and how to see the fresh lesson.

The start page's progress cell shows the progress as of when the page is opened, not as of the
sync that wrote it: every read of `00_start_here.ipynb` through the server (opening it,
reloading it from disk) refills that cell's output from the progress store. The file on disk
is not rewritten.

It runs inside the Jupyter server: it imports only `course.workspace` (no JAX), and only when
the start page is read.

In the classroom (COURSE_SPARE_KERNEL=1), each server also starts a spare kernel with JAX
imported, for the learner's first notebook: spare_kernel.py, beside this file.
"""

import importlib.util
import json
import os
import sys

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
from tornado.web import HTTPError

RESET_KEY = "course_reset"  # course.workspace.RESET_KEY
START_PAGE = "00_start_here.ipynb"  # course.workspace.START_PAGE


def stale_save_message(path, on_disk, incoming):
    """Why a save of the notebook `incoming` to `path` must be refused, or None. `on_disk` is
    the notebook there now (None if none)."""
    mark = ((on_disk or {}).get("metadata") or {}).get(RESET_KEY)
    if not isinstance(mark, dict):
        return None
    if ((incoming or {}).get("metadata") or {}).get(RESET_KEY) == mark:
        return None
    name = os.path.basename(path)
    return (f"Not saved: {name} was reset ({mark.get('at', '')}) after this tab opened it, so "
            f"this tab still shows your old copy (also kept in {mark.get('backup', 'backups/')})."
            f" To see the fresh lesson: File > Reload Notebook from Disk. To keep something "
            f"from this tab, copy it first, then reload and paste it.")


def refuse_stale_save(model, path, contents_manager, **kwargs):
    """ContentsManager.pre_save_hook: an HTTPError rejects the save with its message."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    os_path = os.path.join(contents_manager.root_dir, path.strip("/"))
    try:
        with open(os_path, encoding="utf-8") as f:
            on_disk = json.load(f)
    except (OSError, ValueError):
        return
    message = stale_save_message(path, on_disk if isinstance(on_disk, dict) else None,
                                 model["content"])
    if message:
        raise HTTPError(409, "%s", message)


def not_about_trust(record):
    """A logging filter: False for "Notebook X is not trusted", logged for every lesson opened
    (the course's notebooks are not signed). Trust itself is unchanged: an unsigned notebook's
    outputs are still treated as untrusted."""
    return record.msg != "Notebook %s is not trusted"


def current_progress(notebook, root):
    """Refill the start page's progress cell (`id` "progress") with the table of the store in
    the workspace `root`, as course.workspace writes it at a sync."""
    from pathlib import Path  # noqa: PLC0415

    from course.workspace import progress_of, read_manifest  # noqa: PLC0415 - JAX-free, read here only

    cell = next((c for c in notebook.get("cells", []) if c.get("id") == "progress"), None)
    if cell is None or not cell.get("outputs"):
        return
    table = progress_of(Path(root), read_manifest(Path(root)))
    cell["outputs"][0]["data"] = {"text/plain": str(table), "text/html": table._repr_html_()}


class CourseContentsManager(AsyncLargeFileManager):
    """JupyterLab's default contents manager, with refuse_stale_save registered beside any
    pre_save_hook of the learner's own configuration (setting the pre_save_hook trait here
    would warn: the server applies this file's settings twice, once more for the lab), without
    the trust warning on the learner's terminal, and with the start page's progress current."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.register_pre_save_hook(refuse_stale_save)
        if not_about_trust not in self.log.filters:
            self.log.addFilter(not_about_trust)

    async def get(self, path, content=True, type=None, format=None, **kwargs):
        model = await super().get(path, content=content, type=type, format=format, **kwargs)
        if (content and model.get("type") == "notebook" and path.strip("/") == START_PAGE
                and isinstance(model.get("content"), dict)):
            try:
                current_progress(model["content"], self.root_dir)
            except Exception:  # the page as written at the last sync is still right, if older
                self.log.warning("course: the start page's progress could not be refreshed",
                                 exc_info=True)
        return model


c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)
c.ServerApp.contents_manager_class = CourseContentsManager

if os.environ.get("COURSE_SPARE_KERNEL") == "1":
    # Loaded once by path (this folder is not a package), though the server reads this file
    # twice.
    spare = sys.modules.get("course_spare_kernel")
    if spare is None:
        found = importlib.util.spec_from_file_location(
            "course_spare_kernel", os.path.join(os.path.dirname(__file__), "spare_kernel.py"))
        spare = importlib.util.module_from_spec(found)
        sys.modules["course_spare_kernel"] = spare
        found.loader.exec_module(spare)
    c.ServerApp.kernel_manager_class = spare.SpareKernelManager
    c.ServerApp.session_manager_class = spare.SpareSessionManager
