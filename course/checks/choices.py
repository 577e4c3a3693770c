"""Multiple-choice predictions: `check_prediction`, plus a clear word when the answer is not one
of the letters offered (a learner who types the call itself, or "none", is told which letters
there are instead of "not what JAX does")."""

from __future__ import annotations

from collections.abc import Mapping

from .checking import Wrong, check_prediction, fmt, normalize_prediction


def check_choice(answer, expected: str, choices: str = "abc",
                 why_not: Mapping[str, str] | None = None) -> str:
    """`expected` is one of the letters in `choices`; `why_not` as for check_prediction."""
    got = normalize_prediction(answer, expected)
    if got is not None and got not in choices:
        letters = ", ".join(f'"{c}"' for c in choices[:-1]) + f' or "{choices[-1]}"'
        raise Wrong(f"answer with the letter of one choice, {letters}; got {fmt(answer)}.")
    return check_prediction(answer, expected, why_not)
