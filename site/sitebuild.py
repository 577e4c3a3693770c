"""Build the course as a static site: `python3 run.py site` runs this file.

    python site/sitebuild.py [OUT]                   the site, into build/site/ or OUT
    python site/sitebuild.py --strip-outputs OUT     the same pages without outputs (benchmark)

Sphinx with myst-nb and sphinx-book-theme, as the JAX documentation builds its notebooks. Each
lesson page comes from the stored outputs of notebooks/NN_name.ipynb (nothing is re-executed:
the site shows what nbval checked), with warnings as errors. The browser libraries (MathJax,
RequireJS, the Jupyter widgets HTML manager, anywidget's front end) are fetched from the npm
registry at the versions and integrity hashes that site/package-lock.json pins, and copied into
the site, so a reader's browser needs no network.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

SITE = Path(__file__).resolve().parent
ROOT = SITE.parent
DEFAULT_OUT = ROOT / "build" / "site"
VENDOR_CACHE = ROOT / "build" / "site-vendor"
LOCK = SITE / "package-lock.json"

# What the site needs from each npm package: (path in the package, path under _static/vendor/).
# MathJax's SVG output carries its own glyphs, so it needs no font files (a browser refuses
# fonts from file:// pages); the TeX extensions are loaded on demand from input/tex/extensions.
VENDORED = {
    "mathjax": [("es5/tex-mml-svg.js", "mathjax/tex-mml-svg.js"),
                ("es5/input", "mathjax/input"),
                ("es5/output/svg", "mathjax/output/svg"),
                ("es5/a11y", "mathjax/a11y"),
                ("es5/ui", "mathjax/ui"),
                ("es5/sre", "mathjax/sre"),
                ("LICENSE", "mathjax/LICENSE")],
    "requirejs": [("require.js", "require.js")],
    # embed-amd.js bundles the manager with the base and controls widgets; the rest of dist/
    # is its icon fonts. package.json carries the licence (BSD-3-Clause).
    "@jupyter-widgets/html-manager": [("dist", "html-manager"),
                                      ("package.json", "html-manager/package.json")],
    # anywidget's front end: one AMD module (its own dependencies bundled in) that loads each
    # explorer's drawing module from the widget's stored state (widgets/explorer.js).
    "anywidget": [("dist/index.js", "anywidget/index.js"), ("LICENSE", "anywidget/LICENSE")],
}
# Not needed in a page: source maps, and the manager's non-AMD and library-only builds.
SKIP = (".map", "/embed.js", "/embed.js.LICENSE.txt", "/libembed-amd.js")


class SiteError(Exception):
    """Something the user can fix; printed as one line, without a traceback."""


def lesson_notebooks(notebooks: Path = ROOT / "notebooks") -> list[Path]:
    return sorted(notebooks.glob("[0-9][0-9]_*.ipynb"))


# --- the browser libraries ------------------------------------------------------------------


def pinned_packages(lock: Path = LOCK) -> dict[str, tuple[str, str]]:
    """{name: (version, integrity)} of the packages the site copies, as package-lock.json pins
    them."""
    packages = json.loads(lock.read_text())["packages"]
    pins = {}
    for name in VENDORED:
        entry = packages.get(f"node_modules/{name}")
        if not entry or "integrity" not in entry:
            raise SiteError(f"{lock} pins no version of {name}: run `npm install "
                            "--package-lock-only` in site/ and commit the lock.")
        pins[name] = (entry["version"], entry["integrity"])
    return pins


def vendor_dir(lock: Path = LOCK, cache: Path = VENDOR_CACHE) -> Path:
    """The folder that holds the pinned libraries (it may not exist yet: see fetch_vendor)."""
    key = hashlib.sha256(json.dumps(pinned_packages(lock), sort_keys=True).encode()).hexdigest()
    return cache / key[:16]


def integrity_of(tarball: Path) -> str:
    """The npm integrity string (Subresource Integrity, sha512) of a file."""
    return "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()


def fetch_vendor(lock: Path = LOCK, cache: Path = VENDOR_CACHE) -> Path:
    """Fetch each pinned package with `npm pack` (the package alone, without the 130 packages
    it was built from), check its integrity against the lock, and unpack what the site uses.
    Returns the folder to add to html_static_path (it holds `vendor/`)."""
    target = vendor_dir(lock, cache)
    if (target / "complete").exists():
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise SiteError("the site needs npm to fetch MathJax, RequireJS and the widgets manager "
                        "once (Debian/Ubuntu: `sudo apt-get install npm`; otherwise install "
                        "Node.js), then run this again.")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        work = Path(tmp)
        for name, (version, integrity) in pinned_packages(lock).items():
            result = subprocess.run(
                [npm, "pack", f"{name}@{version}", "--json", "--pack-destination", str(work)],
                capture_output=True, text=True, cwd=work)
            if result.returncode != 0:
                lines = [line for line in result.stderr.splitlines() if line.strip()]
                raise SiteError(f"npm could not fetch {name}@{version} "
                                f"({lines[-1] if lines else 'no message'}): check the network "
                                "or npm's registry settings, then run this again.")
            tarball = work / json.loads(result.stdout)[0]["filename"]
            if integrity_of(tarball) != integrity:
                raise SiteError(f"{name}@{version} from the registry does not match the "
                                f"integrity that {lock} pins: not using it.")
            unpack(tarball, name, work / "vendor")
        staged = work / "staged"
        staged.mkdir()
        (work / "vendor").rename(staged / "vendor")
        (staged / "complete").write_text(json.dumps(pinned_packages(lock), indent=1))
        if target.exists():
            shutil.rmtree(target)
        staged.rename(target)
    return target


def unpack(tarball: Path, name: str, vendor: Path) -> None:
    """Copy the parts of one npm tarball (files under package/) that VENDORED lists."""
    with tarfile.open(tarball) as tar:
        members = {m.name.removeprefix("package/"): m for m in tar.getmembers() if m.isfile()}
        for source, destination in VENDORED[name]:
            chosen = {path: m for path, m in members.items()
                      if (path == source or path.startswith(source + "/"))
                      and not ("/" + path).endswith(SKIP)}
            if not chosen:
                raise SiteError(f"{name} has no {source}: VENDORED in site/sitebuild.py "
                                "no longer matches the pinned version.")
            for path, member in chosen.items():
                out = vendor / destination / path[len(source):].lstrip("/")
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(tar.extractfile(member).read())


# --- the pages ------------------------------------------------------------------------------


def stage(src: Path, notebooks: Path = ROOT / "notebooks", strip_outputs: bool = False) -> None:
    """Lay out Sphinx's source folder: the start page, each lesson's .ipynb, and its .md (a
    download, not a page)."""
    shutil.copy(SITE / "index.md", src / "index.md")
    (src / "_md").mkdir()
    for notebook in lesson_notebooks(notebooks):
        if strip_outputs:
            data = json.loads(notebook.read_text())
            for cell in data["cells"]:
                if cell["cell_type"] == "code":
                    cell["outputs"], cell["execution_count"] = [], None
            data["metadata"].pop("widgets", None)
            (src / notebook.name).write_text(json.dumps(data, indent=1))
        else:
            shutil.copy(notebook, src / notebook.name)
        md = notebook.with_suffix(".md")
        if md.exists():
            shutil.copy(md, src / "_md" / md.name)


def build(out: Path = DEFAULT_OUT, notebooks: Path = ROOT / "notebooks",
          strip_outputs: bool = False) -> float:
    """Build the site into `out` (replaced); return Sphinx's time in seconds. Any Sphinx
    warning fails the build (SiteError with Sphinx's messages)."""
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not (out / ".buildinfo").exists():
        raise SiteError(f"{out} is not empty and holds no site built by Sphinx (no .buildinfo), "
                        "so it is not replaced: choose another output folder.")
    fetch_vendor()
    with tempfile.TemporaryDirectory(prefix="course-site-") as tmp:
        src, doctrees = Path(tmp) / "src", Path(tmp) / "doctrees"
        src.mkdir()
        stage(src, notebooks, strip_outputs)
        if out.exists():
            shutil.rmtree(out)
        cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "-q",
               "-c", str(SITE), "-d", str(doctrees), str(src), str(out)]
        start = time.perf_counter()
        result = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SiteError("the site did not build (warnings count as errors):\n"
                        + (result.stderr.replace(str(src) + os.sep, "") or result.stdout))
    return seconds


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python3 run.py site", description=__doc__.split(
        "\n\n")[0], epilog="OUT is relative to the course's folder.")
    parser.add_argument("out", nargs="?", default=str(DEFAULT_OUT),
                        help="output folder, replaced (default: build/site)")
    parser.add_argument("--strip-outputs", action="store_true",
                        help="build the same pages with every output removed (for benchmarks)")
    args = parser.parse_args(argv)
    out = (ROOT / args.out).resolve()
    try:
        seconds = build(out, strip_outputs=args.strip_outputs)
    except SiteError as error:
        print(f"site: {error}", file=sys.stderr)
        return 1
    index = out / "index.html"
    print(f"Built the course in {seconds:.1f} s into {out}\n"
          f"Open {index.as_uri()} in a browser, or serve it and open http://127.0.0.1:8000/:\n"
          f"  python3 -m http.server --bind 127.0.0.1 --directory {out} 8000")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
