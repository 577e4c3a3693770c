"""A kernel started with the learner's server, ahead of the first notebook: the classroom's
servers use it when the hub starts them ahead of the class (COURSE_SPARE_KERNEL=1, set by
classroom/jupyterhub_config.py with the warm-up; see jupyter_server_config.py);
`python3 run.py lab` does not.

A new kernel costs about 1 s of CPU before a lesson's first JAX cell has run: Python, IPython
and ipykernel's start, then JAX's import. When a class of 40 opens its first lesson within
seconds, that is 40 s of CPU at once, and every cell waits behind it (benchmarks/classroom.py).
The hub starts the learners' servers before the class arrives (classroom/warmup.py); each
server then starts one spare kernel and imports `jax.numpy` in it, quietly: no name is bound in
the learner's namespace, no execution is counted, nothing is printed. The first notebook the
learner opens in the workspace's top folder with the default kernel gets that kernel, already
warm (or, if the learner is faster than the spare, waits for it, rather than start a second
kernel beside it); everything after it starts its kernel as usual.

The spare is the learner's own kernel, started by their server as any other: the same account,
limits, environment and connection files. Until it is taken it is not listed (the lab's
running-kernels panel shows only kernels the learner has), and it is not culled for idleness
(it waits for the learner, who may arrive late; the hub's idle culler stops the whole server
after its timeout). When it is handed over it gets the notebook's `__session__` name, as a
kernel started for the notebook would.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from jupyter_server.services.sessions.sessionmanager import SessionManager
from tornado.ioloop import IOLoop

WARM_UP_CODE = "__import__('jax.numpy')"  # an expression: binds no name, and silent prints none


async def run_silently(kernel_manager, kernel_id: str, code: str, timeout: float = 120) -> dict:
    """Run `code` in the kernel as a silent execution (no history, no count, no output);
    return the reply's content."""
    client = kernel_manager.get_kernel(kernel_id).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=timeout)
        reply = await client.execute(code, silent=True, store_history=False, reply=True,
                                     timeout=timeout)
        return reply["content"]
    finally:
        client.stop_channels()


class SpareKernelManager(AsyncMappingKernelManager):
    """The server's kernels, with one spare started (and warmed) with the server."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.spare_id: str | None = None
        self.spare_ready = False
        self.spare_started: asyncio.Future | None = None
        IOLoop.current().add_callback(self.begin_spare)

    def begin_spare(self) -> None:
        self.spare_started = asyncio.ensure_future(self.start_spare())

    async def wait_for_spare(self, path: str | None, timeout: float = 120) -> None:
        """If the spare is still starting (a learner who opens a notebook right after their
        server is up) and would suit `path`, wait for it rather than start a second kernel
        beside it."""
        if (self.spare_started is not None and not self.spare_started.done()
                and self.cwd_for_path(path or "") == self.cwd_for_path("")):
            try:
                await asyncio.wait_for(asyncio.shield(self.spare_started), timeout)
            except TimeoutError:
                pass

    async def start_spare(self) -> None:
        try:
            kernel_id = await self.start_kernel(path="")
            self.spare_id = kernel_id
            content = await run_silently(self, kernel_id, WARM_UP_CODE)
            if content.get("status") != "ok":
                self.log.warning("course: the spare kernel's warm-up failed (%s: %s)",
                                 content.get("ename"), content.get("evalue"))
            self.spare_ready = kernel_id in self
        except Exception:  # the learner's kernels then start as usual
            self.log.warning("course: no spare kernel", exc_info=True)

    def take_spare(self, path: str | None, kernel_name: str | None) -> str | None:
        """The spare's id, handed over once, if it suits a kernel for `path` and
        `kernel_name`; else None."""
        kernel_id = self.spare_id
        if not (self.spare_ready and kernel_id in self):
            return None
        kernel = self.get_kernel(kernel_id)
        if kernel_name not in (None, "", kernel.kernel_name):
            return None
        if self.cwd_for_path(path or "") != self.cwd_for_path(""):
            return None
        self.spare_id, self.spare_ready = None, False
        # Idle since it started, as far as the culler knows: it is in use from now on, or the
        # culler could end it between the hand-over and the learner's first connection.
        kernel.last_activity = datetime.now(UTC)
        return kernel_id

    def list_kernels(self):
        return [k for k in super().list_kernels() if k["id"] != self.spare_id]

    async def cull_kernel_if_idle(self, kernel_id):
        if kernel_id == self.spare_id:
            return
        await super().cull_kernel_if_idle(kernel_id)


class SpareSessionManager(SessionManager):
    """Sessions as usual, but a new session's kernel is the spare when it suits."""

    async def start_kernel_for_session(self, session_id, path, name, type, kernel_name,
                                       kernel_id=None):
        manager = self.kernel_manager
        if kernel_id is None and isinstance(manager, SpareKernelManager):
            await manager.wait_for_spare(path)
            spare = manager.take_spare(path, kernel_name)
            if spare is not None:
                session = self.get_kernel_env(path, name)["JPY_SESSION_NAME"]
                try:
                    content = await run_silently(manager, spare, (
                        f"__session__ = {json.dumps(session)}; "
                        f"__import__('os').environ['JPY_SESSION_NAME'] = __session__"),
                        timeout=30)
                    if content.get("status") != "ok":
                        raise RuntimeError(f"{content.get('ename')}: {content.get('evalue')}")
                except Exception:  # a fresh kernel instead; the spare goes
                    self.log.warning("course: the spare kernel could not be handed over",
                                     exc_info=True)
                    await manager.shutdown_kernel(spare)
                else:
                    self.log.info("course: session %s uses the spare kernel %s", session_id,
                                  spare)
                    return spare
        return await super().start_kernel_for_session(session_id, path, name, type,
                                                      kernel_name, kernel_id=kernel_id)
