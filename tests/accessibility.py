"""axe-core in the browser tests: the page's accessibility violations, as axe reports them.

axe-core comes from npm at the version site/package-lock.json pins (a development dependency:
`npm ci` in site/ puts it in site/node_modules/), and is injected into the page from there: no
CDN. Without it, the tests that use it are skipped with that reason, except under CI.
"""

import os
from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parent.parent / "site" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def require_axe() -> Path:
    if not AXE.is_file():
        message = f"no {AXE.relative_to(AXE.parents[3])}: run `npm ci` in site/ for axe-core"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return AXE


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
