"""Latency of the explorers in a real browser: from an input event on a slider to the explorer's
updated image, measured inside the page.

    uv run python benchmarks/explorers_browser.py [--events 30] [--lessons 02,04]

Starts JupyterLab on a copy of the lessons, opens each lesson that has an explorer in headless
Chromium (Debian's /usr/bin/chromium), runs all its cells, then, for every slider of every
explorer, sends key presses on the slider handle (ArrowRight/ArrowLeft, alternating) and the
moves of a mouse drag, one event at a time. A MutationObserver records `performance.now()` when
the explorer's `<img>` gets its new `src` (for the jaxpr stepper, which has no image, when its
HTML view changes); the latency of an event is that time minus the event's `timeStamp`. The
next event is sent only after the update arrived. Also recorded: when the new image has been
decoded (`img.decode()`), the size of the image's message, how long a press on a handle keeps
the page busy, and where each event's time went (see `split`): time stamps from the page, the
kernel (ipywidgets hooked), a direct ZMQ subscriber to the kernel's IOPub socket and a second
websocket client through jupyter-server, all on the machine's clock.

    uv run python benchmarks/explorers_browser.py --encoders course,pillow

measures each slider twice, with widgets.base.png and with Pillow's encoder (the one before).

Prints p50 / p95 per explorer and input kind. Target: p95 <= 50 ms. Not a test: the figures
depend on the machine and its load (printed before and after).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _load_server_module():
    """tests/jupyterlab_server.py: JupyterLab started as the browser tests start it."""
    spec = importlib.util.spec_from_file_location("jupyterlab_server",
                                                  ROOT / "tests" / "jupyterlab_server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_server = _load_server_module()
CHROMIUM_ARGS, jupyterlab = _server.CHROMIUM_ARGS, _server.jupyterlab
CHROMIUM = os.environ.get("COURSE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"

# lesson -> explorers on its page, in page order: (name, slider descriptions, has an image)
LESSONS = {
    "02_numerical_stability": [("stability", ["x"], True), ("jaxpr stepper", ["equation"], False)],
    "03_differentiation_conventions": [("convention", ["x"], True)],
    "04_gradient_clipping": [("clipping", ["lo", "hi"], True)],
    "10_implicit_differentiation": [("fixed point", ["a", "iterations"], True)],
}

# Installed once per page. `arm()` makes the next input event the start of a measurement; the
# observer closes it when the watched element changes.
PROBE = """() => {
  const probe = window.__probe = {armed: false, t0: null, samples: [], target: null, obs: null};
  const start = (e) => { if (probe.armed) { probe.armed = false; probe.t0 = e.timeStamp; } };
  for (const type of ['keydown', 'pointermove']) document.addEventListener(type, start, true);
  // How long a press on the handle keeps the page busy: from the event to the next frame.
  probe.downs = [];
  document.addEventListener('pointerdown', (e) => requestAnimationFrame(
    () => setTimeout(() => probe.downs.push(performance.now() - e.timeStamp)), 0), true);
  probe.watch = (el, isImage) => {
    if (probe.obs) probe.obs.disconnect();
    probe.target = el;
    probe.obs = new MutationObserver(() => {
      if (probe.t0 === null) return;
      const t1 = performance.now(), t0 = probe.t0;
      probe.t0 = null;
      const sample = {latency: t1 - t0, decoded: null,
                      start: performance.timeOrigin + t0, end: performance.timeOrigin + t1};
      probe.samples.push(sample);
      if (isImage) el.decode().then(() => { sample.decoded = performance.now() - t0; }, () => {});
    });
    if (isImage) probe.obs.observe(el, {attributes: true, attributeFilter: ['src']});
    else probe.obs.observe(el, {childList: true, subtree: true, characterData: true});
  };
}"""

# Installed before the page loads: the time and size of every websocket message, both ways.
WEBSOCKET_HOOK = """(() => {
  const Native = window.WebSocket;
  const log = window.__ws = {out: [], in: []};
  const size = (d) => typeof d === 'string' ? d.length : (d.byteLength ?? d.size ?? 0);
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => log.in.push([performance.now(), size(e.data)]));
    }
    send(data) { log.out.push([performance.now(), size(data)]); return super.send(data); }
  };
})();"""

# Run in the kernel after the lesson: time stamps (epoch ms, the browser's clock too) of each
# control change received from the browser, of each state message sent back, and of the end of
# the handling, to split a latency into browser -> kernel, kernel, and kernel -> browser.
KERNEL_HOOK = """
import time as _t, ipywidgets as _W
_bench = {"recv": [], "sent": [], "done": []}
def _bench_set_state(self, sync_data, _original=_W.Widget.set_state):
    _bench["recv"].append(_t.time() * 1000)
    try:
        return _original(self, sync_data)
    finally:
        _bench["done"].append(_t.time() * 1000)
def _bench_send_state(self, key=None, _original=_W.Widget.send_state):
    result = _original(self, key)
    _bench["sent"].append((_t.time() * 1000, type(self).__name__))
    return result
_W.Widget.set_state, _W.Widget.send_state = _bench_set_state, _bench_send_state
import widgets.base
_bench_png = widgets.base.png
"""

# Switch the kernel's PNG encoder: widgets.base.redraw calls the module's `png` at each update.
USE_ENCODER = {
    "course": "import widgets.base as _b; _b.png = _bench_png",
    "pillow": """
import io as _io, PIL.Image as _PIL, widgets.base as _b
def _pillow_png(rgba):
    buffer = _io.BytesIO()
    _PIL.fromarray(rgba).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()
_b.png = _pillow_png
""",
}

EXECUTE = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const future = kernel.requestExecute({code, store_history: false});
  let out = '';
  future.onIOPub = (msg) => { if (msg.header.msg_type === 'stream') out += msg.content.text; };
  await future.done;
  return out;
}"""

# The explorers of a page are the output areas that hold a slider, in page order.
EXPLORERS = ".jp-OutputArea-output:has(.widget-hslider)"


def open_lesson(browser, url: str, explorers: int):
    """Open a lesson, wait for its kernel, run all cells, wait until its explorers are drawn."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.add_init_script(WEBSOCKET_HOOK)
    page.goto(url)
    expect(page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first).to_be_visible(
        timeout=90_000)
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    expect(page.locator(EXPLORERS)).to_have_count(explorers, timeout=180_000)
    # The last explorer drawn means its cell ran; wait for the kernel to go idle after Run All.
    expect(page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first).to_be_visible(
        timeout=180_000)
    page.evaluate(PROBE)
    page.evaluate(EXECUTE, KERNEL_HOOK)
    page.iopub = IOPub(page.evaluate(EXECUTE, "from ipykernel.connect import "
                                              "get_connection_file; print(get_connection_file())"))
    kernel = page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.id")
    page.tap = ServerTap(url.split("/lab/")[0], url.split("token=")[1], kernel)
    return page


class ServerTap:
    """A second websocket client of the kernel, through jupyter-server (no browser): when each
    message came out of the server (epoch ms) and its size. It costs the server one more relay
    of every message."""

    def __init__(self, base: str, token: str, kernel: str):
        self.messages = []
        self.url = (base.replace("http", "ws") + f"/api/kernels/{kernel}/channels?token={token}"
                    f"&session_id={secrets.token_hex(8)}")
        self.thread = threading.Thread(target=lambda: asyncio.run(self._listen()), daemon=True)
        self.thread.start()

    async def _listen(self):
        from tornado.websocket import websocket_connect

        connection = await websocket_connect(
            self.url, subprotocols=["v1.kernel.websocket.jupyter.org"])
        while (message := await connection.read_message()) is not None:
            self.messages.append((time.time() * 1000, len(message)))


class IOPub:
    """A second subscriber to the kernel's IOPub socket, straight over ZMQ (no server): when
    each message left the kernel (epoch ms) and its size in bytes."""

    def __init__(self, connection_file: str):
        from jupyter_client import BlockingKernelClient

        self.messages = []
        self.client = BlockingKernelClient(connection_file=connection_file.strip())
        self.client.load_connection_file()
        self.socket = self.client.connect_iopub()
        self.thread = threading.Thread(target=self._listen, daemon=True)
        self.thread.start()

    def _listen(self):
        while True:
            try:
                frames = self.socket.recv_multipart(copy=True)
            except Exception:  # closed
                return
            self.messages.append((time.time() * 1000, sum(len(f) for f in frames)))


def split(page, samples: list, watched: str) -> None:
    """Add to each sample where its time went, in ms; all stamps are on the machine's clock.

    page_out    input event -> the page's JavaScript sends the control change on the kernel
                websocket (noUiSlider, the widget model; ipywidgets' throttle keeps one
                change in flight until the kernel reports idle)
    to_kernel   -> the kernel's ipywidgets receives it (Chromium, jupyter-server, ZMQ, the
                kernel's message loop)
    kernel      -> the kernel sends the watched widget's new state (the explorer's update:
                JAX, drawing, PNG)
    to_zmq      -> the message leaves the kernel (its IOPub thread runs; seen by a direct ZMQ
                subscriber)
    server      -> jupyter-server has relayed it to a websocket (seen by a second websocket
                client, not the browser); the largest message, for an image
    to_js       -> the page's JavaScript gets it (Chromium: network service, renderer queue)
    page_in     -> the DOM change (deserializing, the widget manager, the view)
    """
    stamps = json.loads(page.evaluate(EXECUTE, "import json; print(json.dumps(_bench))"))
    origin, ws = page.evaluate("() => [performance.timeOrigin, window.__ws]")
    js_out = [origin + t for t, _ in ws["out"]]
    js_in = [(origin + t, size) for t, size in ws["in"]]
    for sample in samples:
        if sample is None:
            continue
        start, end = sample["start"], sample["end"]
        out = [t for t in js_out if start <= t <= end]
        recv = [t for t in stamps["recv"] if start <= t <= end]
        if not (out and recv):
            continue
        sent = [t for t, kind in stamps["sent"] if kind == watched and recv[0] <= t <= end]
        if not sent:
            continue
        pick = max if watched == "Image" else (lambda frames: frames[-1])
        left = [(size, t) for t, size in page.iopub.messages if sent[0] - 1 <= t <= end]
        relayed = [(size, t) for t, size in page.tap.messages if sent[0] - 1 <= t <= end]
        handled = [(size, t) for t, size in js_in if sent[0] <= t <= end]
        if not (left and relayed and handled):
            continue
        zmq, relay, js = pick(left)[1], pick(relayed)[1], pick(handled)[1]
        if watched == "Image":
            sample["bytes"] = pick(handled)[0]
        sample.update(page_out=out[0] - start, to_kernel=recv[0] - out[0],
                      kernel=sent[0] - recv[0], to_zmq=zmq - sent[0], server=relay - zmq,
                      to_js=js - relay, page_in=end - js)


def slider(root, description: str):
    label = root.page.locator(".widget-label", has_text=re.compile(f"^{description}$"))
    return root.locator(".widget-hslider").filter(has=label).first


def shutdown_kernels(base: str, token: str) -> None:
    with urllib.request.urlopen(f"{base}/api/kernels?token={token}", timeout=10) as answer:
        kernels = json.load(answer)
    for kernel in kernels:
        request = urllib.request.Request(f"{base}/api/kernels/{kernel['id']}?token={token}",
                                         method="DELETE")
        urllib.request.urlopen(request, timeout=30).close()


def measure(page, kind: str, send) -> dict:
    """Arm the probe, send one event, wait for the update; the sample or None if none came."""
    before = page.evaluate("() => window.__probe.samples.length")
    page.evaluate("() => { window.__probe.armed = true; window.__probe.t0 = null; }")
    send()
    try:
        page.wait_for_function(f"() => window.__probe.samples.length > {before}", timeout=5_000)
    except Exception:  # no update: the event did not change the value (e.g. at a bound)
        page.evaluate("() => { window.__probe.armed = false; window.__probe.t0 = null; }")
        return None
    page.wait_for_timeout(30)  # let decode() finish
    return page.evaluate(f"() => window.__probe.samples[{before}]") | {"kind": kind}


def key_events(page, control, n: int) -> list:
    handle = control.locator(".noUi-handle").first
    handle.focus()
    at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    keys = ["ArrowLeft", "ArrowRight"] if at_max else ["ArrowRight", "ArrowLeft"]
    samples = []
    for i in range(n):
        samples.append(measure(page, "key", lambda i=i: handle.press(keys[i % 2])))
    return samples


def press_times(page) -> str:
    downs = page.evaluate("() => window.__probe.downs.splice(0)")
    return (f"  a press on the handle keeps the page busy (event to next frame) p50 "
            f"{np.percentile(downs, 50):.0f} ms, max {max(downs):.0f} ms" if downs else "")


def drag_events(page, control, n: int) -> list:
    """Drags of a few mouse moves each, zigzagging over the track; each move changes the value
    (a slider with few values, like the stepper's 5 equations, gets one stop per value)."""
    track = control.locator(".noUi-base").first.bounding_box()
    handle = control.locator(".noUi-handle").first
    low, high = (float(handle.get_attribute(f"aria-value{end}")) for end in ("min", "max"))
    whole = "." not in control.locator(".widget-readout").first.inner_text()  # an IntSlider
    few = whole and high - low < 6
    moves_per_drag = int(high - low) + 1 if few else 6
    there = np.linspace(0.0, 1.0, moves_per_drag) if few else np.linspace(0.15, 0.85, 6)
    samples = []
    fractions = np.concatenate([there, there[-2:0:-1]])  # a cycle with no position repeated
    position = 0
    while len(samples) < n:
        box = handle.bounding_box()
        y = box["y"] + box["height"] / 2
        page.mouse.move(box["x"] + box["width"] / 2, y)
        page.mouse.down()
        now = (float(handle.get_attribute("aria-valuenow")) - low) / (high - low)
        if abs(fractions[position % len(fractions)] - now) < 0.5 / len(fractions):
            position += 1  # the handle is there already: that move would change nothing
        for k in range(min(moves_per_drag, n - len(samples))):
            x = track["x"] + track["width"] * fractions[position % len(fractions)]
            position += 1
            sample = measure(page, "drag", lambda x=x, y=y: page.mouse.move(x, y))
            if sample is not None:
                sample["first"] = k == 0
            samples.append(sample)
        page.mouse.up()
        page.wait_for_timeout(200)  # the release sends a last update; let it land
    return samples


def percentiles(values) -> str:
    if not values:
        return "      -"
    return f"{np.percentile(values, 50):6.1f} {np.percentile(values, 95):6.1f}"


PARTS = ("page_out", "to_kernel", "kernel", "to_zmq", "server", "to_js", "page_in")


def report(name: str, samples: list) -> None:
    """p50/p95 from the event to the new src and to the decoded image, per input kind (the
    first move of each drag apart), and the p50 of each part of the time (see `split`)."""
    got = [s for s in samples if s is not None]
    kinds = {"key": lambda s: s["kind"] == "key",
             "drag, 1st move": lambda s: s["kind"] == "drag" and s.get("first"),
             "drag, later": lambda s: s["kind"] == "drag" and not s.get("first"),
             "all": lambda s: True}
    print(name)
    for kind, chosen in kinds.items():
        chosen = [s for s in got if chosen(s)]
        if not chosen:
            continue
        latency = [s["latency"] for s in chosen]
        decoded = [s["decoded"] for s in chosen if s["decoded"] is not None]
        sizes = [s["bytes"] for s in chosen if "bytes" in s]
        line = (f"  {kind:15s} n={len(latency):2d}  src p50/p95 {percentiles(latency)} ms"
                f"  decoded {percentiles(decoded)} ms")
        if sizes:
            line += f"  image msg {np.median(sizes) / 1024:4.1f} kB"
        parts = [[s[part] for s in chosen if part in s] for part in PARTS]
        if parts[0]:
            line += "  parts p50: " + " ".join(f"{np.percentile(v, 50):.0f}" for v in parts)
        print(line)
    if len(got) < len(samples):
        print(f"  {len(samples) - len(got)} event(s) changed nothing (no update within 5 s)")


TRACE_CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "blink",
                    "v8.execute"]
PROFILED = {  # trace event name -> what it is
    "WebFrameWidgetImpl::UpdateLifecycle": "rendering frames (style, layout, paint)",
    "MessagePort::Accept": "MessageChannel tasks (React's scheduler: JupyterLab's kernel status)",
    "FunctionCall": "JavaScript called from tasks",
    "UpdateLayoutTree": "style recalculation",
    "Layout": "layout",
}


def main_thread_profile(path: str, updates: int) -> str:
    """Time the renderer's main thread spent, per update, on the events of PROFILED (they
    nest: a frame contains style and layout; a task contains JavaScript)."""
    with open(path) as file:
        trace = json.load(file)
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    main = {(e["pid"], e["tid"]) for e in events
            if e.get("name") == "thread_name" and e["args"]["name"] == "CrRendererMain"}
    totals = dict.fromkeys(PROFILED, 0.0)
    for e in events:
        if e.get("name") in totals and e.get("ph") == "X" and (e["pid"], e["tid"]) in main:
            totals[e["name"]] += e.get("dur", 0) / 1000
    return "\n".join(f"  main thread per update: {total / updates:5.1f} ms {PROFILED[name]}"
                     for name, total in totals.items())


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=30, help="events per input kind")
    parser.add_argument("--lessons", default="", help="comma-separated prefixes, e.g. 02,04")
    parser.add_argument("--profile", action="store_true",
                        help="record a Chromium trace during the key presses and print what "
                             "the page's main thread spent its time on, per update")
    parser.add_argument("--encoders", default="course",
                        help="comma-separated PNG encoders to measure in turn on each slider, "
                             "from 'course' (widgets.base.png) and 'pillow' (Pillow, "
                             "compress_level=1, the encoder before), e.g. course,pillow")
    args = parser.parse_args()
    lessons = {k: v for k, v in LESSONS.items()
               if not args.lessons or k.split("_")[0] in args.lessons.split(",")}
    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
    print("parts, in ms: " + " / ".join(PARTS) + " (see split())")
    with tempfile.TemporaryDirectory() as tmp, jupyterlab(Path(tmp)) as (base, token):
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for lesson, explorers in lessons.items():
                    page = open_lesson(browser, f"{base}/lab/tree/{lesson}.ipynb?token={token}",
                                       len(explorers))
                    for index, (name, controls, has_image) in enumerate(explorers):
                        root = page.locator(EXPLORERS).nth(index)
                        root.scroll_into_view_if_needed()
                        target = ("img.widget-image" if has_image
                                  else ".widget-html-content >> nth=-1")
                        root.locator(target).first.evaluate(
                            f"(el) => window.__probe.watch(el, {json.dumps(has_image)})")
                        for description in controls:
                            control = slider(root, description)
                            for encoder in args.encoders.split(",") if has_image else [""]:
                                if encoder:
                                    page.evaluate(EXECUTE, USE_ENCODER[encoder])
                                if args.profile:
                                    browser.start_tracing(page=page, path=f"{tmp}/trace.json",
                                                          categories=TRACE_CATEGORIES)
                                samples = key_events(page, control, args.events)
                                if args.profile:
                                    browser.stop_tracing()
                                    print(main_thread_profile(f"{tmp}/trace.json", args.events))
                                samples += drag_events(page, control, args.events)
                                split(page, samples, "Image" if has_image else "HTML")
                                report(f"{name} / {description}"
                                       + (f" ({encoder})" if "," in args.encoders else ""),
                                       samples)
                                print(press_times(page))
                    page.close()
                    shutdown_kernels(base, token)
            finally:
                browser.close()
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
