"""Short error displays in Jupyter: the exception, its message and the learner's own lines.

A JAX error raised in a notebook cell prints 100 to 130 lines: ipykernel and asyncio frames,
JAX's chained `JaxStackTraceBeforeTransformation`, then the real message at the very end.
`short_tracebacks()` makes IPython show only what a learner acts on:

    Cell In[3], line 4                      <- the learner's frames (notebook cells) only
    ----> 4 jax.grad(foo)(3.)
    JAX traced the failing operation here:  <- where JAX recorded the op, if it says so
    Cell In[2], line 4, in foo
    ----> 4   y = x ** 2
    TypeError: Custom VJP bwd rule must produce ...
    (Short traceback: run %tb in a new cell for the full one.)

The exception itself is untouched: its type and message are what IPython reports (and what
nbval compares), and `%tb` prints the complete traceback, because `sys.last_*` are set as
IPython sets them.
"""

from __future__ import annotations

import linecache
import sys
import traceback

from .compat import is_jax_trace_marker

MAX_MESSAGE_LINES = 12
MAX_CELL_FRAMES = 4  # the outermost and the innermost frames are the ones a learner reads
HINT = "(Short traceback: run %tb in a new cell for the full one.)"
RED, RESET = "\x1b[0;31m", "\x1b[0m"


def short_tracebacks(enable: bool = True) -> None:
    """As IPython's `%xmode Minimal`, but keeping the learner's own frames: from now on an
    exception raised by a cell shows the cell lines it passed through, where JAX traced the
    failing operation, and the message. `short_tracebacks(False)` restores IPython's display.
    Outside IPython this does nothing.

    >>> import course
    >>> course.short_tracebacks()  # in a notebook: short tracebacks from now on
    >>> course.short_tracebacks(False)  # and IPython's own again

    What a cell's error then shows (`format_short`, here with the lines of this example
    standing in for a notebook cell):

    >>> def cell(filename):
    ...     return "Cell In[1]" if filename.startswith("<doctest") else None
    >>> try:
    ...     1 / 0
    ... except ZeroDivisionError as e:
    ...     print(format_short(e, e.__traceback__, cell).replace(RED, "").replace(RESET, ""))
    Cell In[1], line 2
    ----> 2 1 / 0
    ZeroDivisionError: division by zero
    (Short traceback: run %tb in a new cell for the full one.)
    """
    shell = _ipython()
    if shell is None:
        return
    if enable:
        shell.set_custom_exc((Exception,), _handler)
    else:
        shell.set_custom_exc((), None)


def _ipython():
    try:
        from IPython import get_ipython  # noqa: PLC0415 - optional: only inside IPython
    except ImportError:
        return None
    return get_ipython()


def _handler(shell, etype, value, tb, tb_offset=None):
    sys.last_type, sys.last_value, sys.last_traceback = etype, value, tb  # for %tb
    if issubclass(etype, SyntaxError):  # IPython's own display is already short
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return None
    stb = format_short(value, tb, _cell_namer(shell)).split("\n")
    shell._showtraceback(etype, value, stb)  # the hook IPython documents for subclasses
    return None


def _cell_namer(shell):
    compiler = getattr(shell, "compile", None)

    def name(filename: str) -> str | None:
        label = compiler.format_code_name(filename) if compiler is not None else None
        return " ".join(label) if label else None

    return name


def format_short(error: BaseException, tb, cell_name) -> str:
    """The short display of `error` raised with traceback `tb`. `cell_name(filename)` names a
    notebook cell ("Cell In[3]") and returns None for every other file."""
    frames = _cell_frames(tb, cell_name)
    lines = _show(frames)
    cause = error.__cause__
    if cause is not None and is_jax_trace_marker(cause):
        traced = _cell_frames(cause.__traceback__, cell_name)[-1:]  # the innermost cell frame
        if traced and traced[0][:2] not in {f[:2] for f in frames}:
            lines += ["JAX traced the failing operation here:", *_show(traced)]
    message = f"{type(error).__name__}: {error}".rstrip().split("\n")
    if len(message) > MAX_MESSAGE_LINES:
        hidden = len(message) - MAX_MESSAGE_LINES
        message = message[:MAX_MESSAGE_LINES] + [f"... ({hidden} more lines of the message)"]
    message[0] = RED + message[0] + RESET
    return "\n".join([*lines, *message, HINT])


def _cell_frames(tb, cell_name) -> list[tuple[str, int, str, str]]:
    """(file, line, where, code) for each frame of `tb` that runs a notebook cell's code. A
    frame on the same line as the one before (a lambda called where it is written) replaces
    it: the line is shown once, with the function's name."""
    frames: list[tuple[str, int, str, str]] = []
    for frame, lineno in traceback.walk_tb(tb):
        file = frame.f_code.co_filename
        name = cell_name(file)
        if name is None:
            continue
        function = frame.f_code.co_name
        where = f"{name}, line {lineno}" + ("" if function == "<module>" else f", in {function}")
        code = linecache.getline(file, lineno).strip()
        if frames and frames[-1][:2] == (file, lineno):
            frames.pop()
        frames.append((file, lineno, where, code))
    return frames


def _show(frames) -> list[str]:
    """Two lines a frame, where and the line that ran; past MAX_CELL_FRAMES, the outermost
    frame and the innermost ones, with a count of those left out."""
    shown: list = list(frames)
    if len(shown) > MAX_CELL_FRAMES:
        skipped = len(shown) - MAX_CELL_FRAMES
        shown = [shown[0], f"... {skipped} more cell frames ...", *shown[-(MAX_CELL_FRAMES - 1):]]
    lines = []
    for frame in shown:
        if isinstance(frame, str):
            lines.append(frame)
        else:
            _, lineno, where, code = frame
            lines += [where, f"----> {lineno} {code}"]
    return lines
