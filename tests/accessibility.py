"""axe-core in the browser tests: the page's accessibility violations, as axe reports them.

axe-core comes from npm at the version site/package-lock.json pins (a development dependency:
`npm ci` in site/ puts it in site/node_modules/; otherwise it is fetched once into build/), and
is injected into the page from the file: no CDN. Without npm, the tests that use it are skipped
with that reason, except under CI.
"""

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "site" / "node_modules" / "axe-core" / "axe.min.js"
CACHE = ROOT / "build" / "axe-core"
SERIOUS = ("serious", "critical")


def require_axe() -> Path:
    """axe.min.js: from site/node_modules after `npm ci` in site/, or else fetched once with
    `npm pack` at the version and integrity that site/package-lock.json pins (checked, as
    site/sitebuild.py checks the site's libraries) into build/axe-core/."""
    if AXE.is_file():
        return AXE
    entry = json.loads((ROOT / "site" / "package-lock.json").read_text())["packages"][
        "node_modules/axe-core"]
    cached = CACHE / entry["version"] / "axe.min.js"
    if cached.is_file():
        return cached
    npm = shutil.which("npm")
    if npm is None:
        message = "no npm to fetch axe-core (apt-get install npm, or `npm ci` in site/)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    sys.path.insert(0, str(ROOT / "site"))
    import sitebuild

    with tempfile.TemporaryDirectory() as tmp:
        packed = subprocess.run([npm, "pack", f"axe-core@{entry['version']}", "--json",
                                 "--pack-destination", tmp], capture_output=True, text=True,
                                cwd=tmp, check=True)
        tarball = Path(tmp) / json.loads(packed.stdout)[0]["filename"]
        assert sitebuild.integrity_of(tarball) == entry["integrity"], "axe-core: wrong integrity"
        with tarfile.open(tarball) as tar:
            data = tar.extractfile("package/axe.min.js").read()
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(data)
    return cached


def violations(page, context: str | None = None) -> list[dict]:
    """axe.run() on the page (or on the elements matching the CSS selector `context`): one dict
    per violated rule, with its id, impact, help text and the first few failing elements."""
    page.add_script_tag(path=str(require_axe()))
    found = page.evaluate("""async (context) => {
      const result = await axe.run(context ? {include: [[context]]} : document,
                                   {resultTypes: ['violations']});
      return result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length,
        targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""", context)
    return found


def serious(found: list[dict]) -> list[dict]:
    return [v for v in found if v["impact"] in SERIOUS]


def counts(found: list[dict]) -> dict[str, int]:
    """Violated rules by impact, and their failing elements: {"serious": 2, "serious nodes": 9}."""
    out: dict[str, int] = {}
    for v in found:
        out[v["impact"]] = out.get(v["impact"], 0) + 1
        out[f"{v['impact']} nodes"] = out.get(f"{v['impact']} nodes", 0) + v["nodes"]
    return out


def within(inner: dict, outer: dict) -> bool:
    """Whether one bounding box (Playwright's) lies inside another: a label an SVG cuts off
    (it clips what overflows it) is not read whole by anyone looking at it."""
    return (outer["x"] <= inner["x"] and inner["x"] + inner["width"] <= outer["x"] + outer["width"]
            and outer["y"] <= inner["y"]
            and inner["y"] + inner["height"] <= outer["y"] + outer["height"])
