"""Run `pdb` without a human at the keyboard, so a debugger session can live in a lesson."""

import contextlib
import io
import pdb
import sys
from collections.abc import Iterator


class ScriptedPdb(pdb.Pdb):
    """As `pdb.Pdb`, but reads its commands from a list and echoes each one after the prompt.

    In a Jupyter kernel `pdb.Pdb` is IPython's debugger (ipykernel installs it), so the
    session looks exactly as it would live in JupyterLab.
    """

    def __init__(self, commands: list[str], stdout=None, module: str | None = None):
        self.script = [*commands, "continue"]
        self.module = module
        stdin = io.StringIO("".join(f"{c}\n" for c in self.script))
        super().__init__(stdin=stdin, stdout=stdout or sys.stdout, nosigint=True, readrc=False)
        self.use_rawinput = False
        self.skip = {"*"}  # consult is_skipped_module, below
        self._echo_next()

    def is_skipped_module(self, module_name) -> bool:
        # Stop only in the module that called set_trace(), never in a callback that happens
        # to run in between (a garbage-collection hook inside JAX, say).
        return self.module is not None and module_name != self.module

    def _echo_next(self) -> None:
        # Without a terminal nothing echoes what was typed, so the prompt shows it.
        self.prompt = f"(Pdb) {self.script.pop(0)}\n" if self.script else "(Pdb) "

    def postcmd(self, stop, line):
        self._echo_next()
        return super().postcmd(stop, line)


@contextlib.contextmanager
def scripted_pdb(*commands: str) -> Iterator[None]:
    """Make `pdb.set_trace()` run `commands` (e.g. "p x"), then continue, instead of waiting.

    Inside the `with` block every `pdb.set_trace()` opens a real debugger on the caller's
    frame and types the given commands into it; after the last one it continues. Outside the
    block, `pdb.set_trace()` is interactive again.

    >>> import pdb
    >>> from course import scripted_pdb
    >>> def double(x):
    ...     y = x * 2
    ...     pdb.set_trace()
    ...     return y
    >>> with scripted_pdb("p y"):
    ...     double(3)  # doctest: +ELLIPSIS
    > <doctest ...>(4)double()
    -> return y
    (Pdb) p y
    6
    (Pdb) continue
    6
    """
    if not all(isinstance(c, str) for c in commands):
        raise TypeError(f"scripted_pdb: expects debugger commands as strings, e.g. "
                        f'scripted_pdb("p x"), got {commands!r}.')
    original = pdb.set_trace

    def set_trace(*, header=None):
        frame = sys._getframe().f_back
        debugger = ScriptedPdb(list(commands), module=frame.f_globals.get("__name__"))
        if header is not None:
            debugger.message(header)
        debugger.set_trace(frame)

    pdb.set_trace = set_trace
    try:
        yield
    finally:
        pdb.set_trace = original
