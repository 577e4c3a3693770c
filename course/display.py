"""How the course's result objects show themselves: one text, everywhere.

`str(view)`, `repr(view)` (what a notebook cell prints when it ends with the view) and
IPython's pretty printer all give the same deterministic text, which nbval compares. HTML, when
a view has it, comes from its own `_repr_html_`. Standard library only: the progress store
and the workspace use this without JAX.
"""

from __future__ import annotations

from functools import cached_property


def first_line(error: BaseException | str, limit: int = 300) -> str:
    """The first non-empty line of an exception's message (or of a text), cut at `limit`
    characters: what a one-line message quotes. An exception with no message gives its repr.

    >>> first_line(ValueError("bad shape\\n  more detail"))
    'bad shape'
    >>> first_line(ValueError())
    'ValueError()'
    """
    text = str(error).strip()
    if not text and isinstance(error, BaseException):
        text = repr(error)
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= limit else line[:limit - 3] + "..."


class TextView:
    """A mixin for views whose `str()`, `repr()` and IPython display are all `text()`.

    The text is made once and kept (also on frozen dataclasses: `cached_property` writes to
    the instance's `__dict__`). A dataclass using it must say `repr=False`, or the dataclass
    writes its own `__repr__` over this one.

    >>> class Greeting(TextView):
    ...     def text(self) -> str:
    ...         return "hello"
    >>> Greeting()
    hello
    """

    def text(self) -> str:
        raise NotImplementedError

    @cached_property
    def shown_text(self) -> str:
        """`text()`, made on first use."""
        return self.text()

    def __str__(self) -> str:
        return self.shown_text

    def __repr__(self) -> str:
        return self.shown_text

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(self.shown_text)
