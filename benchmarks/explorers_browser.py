"""The explorers in a real browser: from an input event on a control to the updated pixels, in
JupyterLab and on the static site; kernel messages per move; the cost and size of the one
precompute per cell run.

    uv run python benchmarks/explorers_browser.py [--events 40] [--no-site] [--lessons 02,04]

Precompute: each explorer is built in this process with the lessons' own functions
(tests/lesson_functions.py), after one small JAX call (as the lesson's cells have run JAX before
its explorer), twice: the first build compiles (as the first run of a cell does), the second
shows the cost of a re-run. Size: the JSON the browser receives once (the widget's
`data`).

Browser (Debian's /usr/bin/chromium, headless): JupyterLab, served as `python3 run.py lab`
serves it (lab/: its settings and the course's extension), serves a notebook of the
explorers, built by one run of its cells; the static site (`python3 run.py site`, into a temporary
folder) is served by `http.server` and its lesson pages opened, with no kernel anywhere. For
each control of each explorer: key presses (ArrowRight / ArrowLeft, alternating) and the moves
of a mouse drag, one event at a time. A MutationObserver on the explorer sees the first change
after the event; the latency is the time from the event's `timeStamp` to the end of the next
frame after that change (requestAnimationFrame, then a task: the frame that shows it has been
produced). The next event is sent only after the update arrived. Frames on the kernel's
websockets are counted by Playwright during the moves: the explorers must send and receive none.

Goals (issue 24): p95 <= 20 ms per explorer, 0 kernel messages per move, precompute <= 0.5 s,
data <= 200 kB. Not a test: the figures depend on the machine and its load (printed).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_server = _load("jupyterlab_server", ROOT / "tests" / "jupyterlab_server.py")
_run = _load("course_run", ROOT / "run.py")
CHROMIUM = os.environ.get("COURSE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"

# name -> (the call, as in the lessons, with tests/lesson_functions.py as L; its site page)
EXPLORERS = {
    "stability": ("widgets.stability_explorer(naive=L.naive_log1pexp, rule=L.log1pexp, x=3.0)",
                  "02_numerical_stability"),
    "convention": ("widgets.convention_explorer(naive=L.naive_f, rule=L.f, x=0.0)",
                   "03_differentiation_conventions"),
    "clipping": ("widgets.clipping_explorer(clip_gradient=L.clip_gradient, lo=-0.75, hi=0.75)",
                 "04_gradient_clipping"),
    "fixed point": ("widgets.fixed_point_explorer(solver=L.newton_sqrt, update=L.newton_update, "
                    "reference=jnp.sqrt, a=2.0, iterations=4)", "10_implicit_differentiation"),
    "jaxpr stepper": ("widgets.jaxpr_stepper(jax.grad(L.naive_log1pexp), 100.0)",
                      "02_numerical_stability"),
}
SETUP = (f"import sys\nsys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'tests')!r}]\n"
         "import jax\nimport jax.numpy as jnp\nimport lesson_functions as L\nimport widgets")

# `arm(root)`: the next keydown or pointermove starts a measurement, the first change inside
# `root` after it ends one, at the end of the next frame.
PROBE = """() => {
  const probe = window.__probe = {armed: false, t0: null, done: null, obs: null};
  const start = (e) => { if (probe.armed) { probe.armed = false; probe.t0 = e.timeStamp; } };
  for (const type of ['keydown', 'pointermove']) document.addEventListener(type, start, true);
  probe.arm = (root) => {
    if (probe.obs) probe.obs.disconnect();
    probe.armed = true; probe.t0 = null; probe.done = null;
    probe.obs = new MutationObserver(() => {
      if (probe.t0 === null || probe.done !== null) return;
      probe.done = -1;
      requestAnimationFrame(() => setTimeout(() => { probe.done = performance.now() - probe.t0; }));
    });
    probe.obs.observe(root, {subtree: true, childList: true, attributes: true,
                             characterData: true});
  };
}"""


def precompute() -> dict:
    """name -> (first build s, second build s, data kB)."""
    import jax
    import jax.numpy as jnp
    import lesson_functions as L  # noqa: F401

    import widgets  # noqa: F401

    jax.grad(jnp.sin)(1.0)  # JAX started, as by the lesson's cells before the explorer's
    out = {}
    for name, (call, _) in EXPLORERS.items():
        times = []
        for _ in range(2):
            start = time.perf_counter()
            explorer = eval(call)
            times.append(time.perf_counter() - start)
        out[name] = (times[0], times[1], len(explorer.widget.data.encode()) / 1024)
    return out


def measure(page, root, send) -> float | None:
    page.evaluate("(root) => window.__probe.arm(root)", root)
    send()
    try:
        page.wait_for_function("() => window.__probe.done !== null && window.__probe.done >= 0",
                               timeout=2000)
    except Exception:  # noqa: BLE001 -- a move that changed nothing (the end of the slider)
        return None
    return page.evaluate("() => window.__probe.done")


def control_events(page, root, slider, n: int) -> list[float]:
    """n key presses, then n drag moves, on one range input; latencies in ms."""
    samples = []
    slider.focus()
    slider.press("Home")
    for i in range(n):
        key = "ArrowRight" if i % 2 == 0 else "ArrowLeft"
        samples.append(measure(page, root, lambda k=key: slider.press(k)))
    box = slider.bounding_box()
    count = int(slider.get_attribute("max")) + 1
    step = max(6.0, box["width"] / (count - 1) * 1.5)
    y = box["y"] + box["height"] / 2
    x = box["x"] + 4
    page.mouse.move(x, y)
    page.mouse.down()
    direction = 1
    for _ in range(n):
        if not box["x"] + 4 <= x + direction * step <= box["x"] + box["width"] - 4:
            direction = -direction
        x += direction * step
        samples.append(measure(page, root, lambda x=x: page.mouse.move(x, y)))
    page.mouse.up()
    return [s for s in samples if s is not None]


def explorer_events(page, root, n: int) -> list[float]:
    samples = []
    for slider in root.query_selector_all("input[type=range]"):
        samples += control_events(page, root, slider, n)
    return samples


def count_frames(page) -> dict:
    frames = {"sent": 0, "received": 0}

    def watch(ws):
        if "/api/kernels/" in ws.url:
            ws.on("framesent", lambda _: frames.__setitem__("sent", frames["sent"] + 1))
            ws.on("framereceived", lambda _: frames.__setitem__("received",
                                                                frames["received"] + 1))
    page.on("websocket", watch)
    return frames


def in_lab(browser, work: Path, n: int) -> dict:
    from playwright.sync_api import expect

    (work / "nb").mkdir()
    cells = [SETUP] + [call for call, _ in EXPLORERS.values()]
    (work / "nb" / "explorers.ipynb").write_text(json.dumps({
        "cells": [{"cell_type": "code", "source": c, "metadata": {}, "outputs": [],
                   "execution_count": None} for c in cells],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}))
    results = {}
    with _server.jupyterlab(work, root=work / "nb", app_settings=ROOT / "lab",
                            env=_run.lab_environment()) as (base, token):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        frames = count_frames(page)
        page.goto(f"{base}/lab/workspaces/bench/tree/explorers.ipynb?token={token}")
        expect(page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first).to_be_visible(
            timeout=90_000)
        page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
        expect(page.locator(".course-drawn")).to_have_count(len(EXPLORERS), timeout=180_000)
        page.wait_for_timeout(1000)
        page.evaluate(PROBE)
        for i, name in enumerate(EXPLORERS):
            root = page.query_selector_all(".course-drawn")[i]
            root.scroll_into_view_if_needed()
            before = dict(frames)
            samples = explorer_events(page, root, n)
            moved = frames["sent"] - before["sent"] + frames["received"] - before["received"]
            results[name] = (samples, moved)
        page.close()
    return results


def on_site(browser, n: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="course-site-bench-") as tmp:
        out = Path(tmp) / "site"
        subprocess.run([sys.executable, str(ROOT / "site" / "sitebuild.py"), str(out)],
                       check=True, capture_output=True)
        port = _server.free_port()
        server = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1",
                                   "--directory", str(out), str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(1.0)
            results = {}
            for name, (_, lesson) in EXPLORERS.items():
                nth = [n for n, (_, page) in EXPLORERS.items() if page == lesson].index(name)
                page = browser.new_page(viewport={"width": 1300, "height": 1000})
                remote = []
                page.on("request", lambda r, remote=remote: not r.url.startswith(
                    (f"http://127.0.0.1:{port}", "data:", "blob:")) and remote.append(r.url))
                page.goto(f"http://127.0.0.1:{port}/{lesson}.html")
                page.locator(".course-drawn").nth(nth).wait_for(timeout=60_000)
                page.evaluate(PROBE)
                root = page.query_selector_all(".course-drawn")[nth]
                root.scroll_into_view_if_needed()
                results[name] = (explorer_events(page, root, n), len(remote))
                page.close()
            return results
        finally:
            server.terminate()
            server.wait(timeout=15)


def p(values, q) -> str:
    return f"{np.percentile(values, q):5.1f}" if len(values) else "  -  "


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=40,
                        help="key presses and drag moves per control (each)")
    parser.add_argument("--no-site", action="store_true", help="JupyterLab only")
    parser.add_argument("--lessons", help="only the explorers of these lessons, e.g. 02,04")
    args = parser.parse_args()
    if args.lessons:
        wanted = tuple(args.lessons.split(","))
        for name in [n for n, (_, lesson) in EXPLORERS.items() if not lesson.startswith(wanted)]:
            del EXPLORERS[name]
    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
    costs = precompute()
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as tmp:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=_server.CHROMIUM_ARGS)
        try:
            lab = in_lab(browser, Path(tmp), args.events)
            site = {} if args.no_site else on_site(browser, args.events)
        finally:
            browser.close()
    print("| explorer | lab p50 / p95 ms (events) | kernel msgs in all moves | site p50 / p95 ms "
          "(events) | site requests off-site | precompute first / re-run s | data kB |")
    print("|---|---|---|---|---|---|---|")
    for name in EXPLORERS:
        samples, moved = lab[name]
        site_samples, remote = site.get(name, ([], "-"))
        first, again, kb = costs[name]
        print(f"| {name} | {p(samples, 50)} / {p(samples, 95)} ({len(samples)}) | {moved} | "
              f"{p(site_samples, 50)} / {p(site_samples, 95)} ({len(site_samples)}) | {remote} | "
              f"{first:.2f} / {again:.2f} | {kb:.0f} |")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
