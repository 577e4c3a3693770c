"""Find Graphviz's `dot` and run it. The pinned `graphviz-pure` wheel is preferred, so that
the SVG stored in the notebooks is the same on every machine."""

import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

DOT_TIMEOUT_SECONDS = 30


class GraphvizNotFoundError(ValueError):
    """No Graphviz `dot` executable could be found."""


@cache
def dot_executable() -> str:
    """Path to a Graphviz layout program: $COURSE_DOT, graphviz-pure beside Python, or dot."""
    override = os.environ.get("COURSE_DOT")
    if override is not None:
        if shutil.which(override):
            return shutil.which(override)
        raise GraphvizNotFoundError(
            f"COURSE_DOT is set to {override!r}, which is not an executable. Unset it, or point "
            "it at Graphviz's `dot`."
        )
    beside_python = Path(sys.executable).parent / "graphviz-pure"
    for candidate in (str(beside_python), "graphviz-pure", "dot"):
        found = shutil.which(candidate)
        if found:
            return found
    raise GraphvizNotFoundError(
        "drawing a jaxpr graph needs Graphviz's `dot`, and none was found (looked for "
        f"graphviz-pure beside {sys.executable}, then graphviz-pure and dot on PATH). Install "
        "the course with `python3 run.py lab`, or install Graphviz (e.g. `apt-get install "
        "graphviz`). The text view, str(course.show_jaxpr(...)), works without it."
    )


def render_svg(dot_source: str) -> str:
    """Lay out a DOT graph with Graphviz and return the `<svg>` element (no XML prolog)."""
    result = subprocess.run(
        [dot_executable(), "-Tsvg"], input=dot_source, capture_output=True, text=True,
        timeout=DOT_TIMEOUT_SECONDS,
    )
    if result.returncode != 0:
        raise RuntimeError(f"Graphviz failed on the generated graph: {result.stderr.strip()}")
    svg = result.stdout
    return svg[svg.index("<svg"):]
