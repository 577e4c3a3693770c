"""Sphinx configuration of the course's static site. Build it with `python3 run.py site`
(site/sitebuild.py), which lays out the pages and fetches the browser libraries first.

Pages come from the lessons' stored outputs (nb_execution_mode = "off"). A `source-read` hook
adapts each lesson notebook for reading without a kernel (site/pages.py): a note on how to run
it and where its source is, solutions collapsed, and a line next to each explorer saying how to
run it live.
"""

import sys
from pathlib import Path

from sphinx.errors import ExtensionError
from sphinx.util import logging

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pages  # noqa: E402 (site/ is not a package: conf.py puts it on the path first)
import sitebuild  # noqa: E402

# myst-nb reads notebooks with nbformat, which imports jsonschema, which on import compiles 38
# grammars of rfc3987_syntax to check the "iri" string format: about 3 s of CPU, a third of a
# build. No notebook schema uses that format, so this Sphinx process goes without it (conf.py
# runs before Sphinx loads myst-nb; jsonschema skips the checker when the import fails).
sys.modules.setdefault("rfc3987_syntax", None)

logger = logging.getLogger("course-site")

project = "Custom derivative rules in JAX"
copyright = "the course's authors, Apache-2.0"
author = "the course's authors"  # the footer says "By ..." (Sphinx: "Author name not set")
extensions = ["myst_nb"]
root_doc = "index"
exclude_patterns = ["_md", "**/.ipynb_checkpoints"]  # _md/: the lessons' .md, as downloads

# The notebooks as stored (what nbval validated), never re-executed.
nb_execution_mode = "off"
nb_merge_streams = True  # one box for a cell's printed lines
nb_render_error_lexer = "myst-ansi"  # tracebacks as JAX prints them, colours included
myst_enable_extensions = ["dollarmath", "amsmath"]  # without them `$...$` stays literal

# Browser libraries from site/package-lock.json, copied into _static/vendor/ (no CDN).
html_static_path = ["_static", str(sitebuild.vendor_dir())]
mathjax_path = "vendor/mathjax/tex-mml-svg.js"
mathjax_config_path = "mathjax_config.js"  # lets the widgets typeset with MathJax 3
nb_ipywidgets_js = {"vendor/require.js": {}, "vendor/html-manager/embed-amd.js": {}}
html_js_files = [("course-site.js", {"priority": 200})]  # before RequireJS (myst-nb: 500)
html_css_files = ["course-site.css"]

html_theme = "sphinx_book_theme"
html_title = project
html_favicon = "_static/favicon.svg"  # otherwise browsers ask for /favicon.ico, a 404
html_context = {"default_mode": "light"}  # otherwise the theme logs "invalid theme mode"
html_theme_options = {
    "home_page_in_toc": True,
    "use_download_button": True,
    "show_toc_level": 2,
}

# Filled in when the course has a Binder (or other hosted) launch link: each lesson then
# offers it next to the local command. The repository has no public address yet; once it is on
# GitHub as OWNER/REPO, mybinder.org builds it from binder/ and the link is
# "https://mybinder.org/v2/gh/OWNER/REPO/HEAD?urlpath=lab/tree/00_start_here.ipynb".
BINDER_URL = None


def prepare_page(app, docname: str, source: list[str]) -> None:
    def warn(message: str) -> None:
        logger.warning(message, type="course-site", location=docname)

    try:
        if docname == root_doc:
            lessons = sorted(d for d in app.env.found_docs if pages.LESSON.match(d))
            source[0] = pages.prepare_index(source[0], sitebuild.ROOT / "README.md", lessons,
                                            warn)
        elif pages.LESSON.match(docname):
            source[0] = pages.prepare_lesson(source[0], docname, warn, BINDER_URL)
    except ValueError as error:
        raise ExtensionError(f"{docname}: {error}") from error


def setup(app):
    app.connect("source-read", prepare_page)
    return {"parallel_read_safe": True}
