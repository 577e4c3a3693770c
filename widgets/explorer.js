// The explorers' drawing, in the browser. Python computed every value once, over every grid
// point of every control (widgets/base.py); this module draws them and, when a control moves,
// only looks values up and moves a few SVG elements: nothing is computed, interpolated or sent
// to the kernel. The same module draws in JupyterLab (anywidget) and on the static site.
//
// data = {title, controls: [{name, label, values, labels}], plot: {...}, status: {template,
// fields}, beside?: {label, parts, rows, by}, description}; `by` lists the controls a
// per-position array depends on (row-major over them).

const SVG = "http://www.w3.org/2000/svg";
const MARGIN = {left: 52, right: 12, top: 10, bottom: 38};

// JSON has no nan or inf: Python sends them as the strings "NaN", "Infinity", "-Infinity".
const num = (v) => (v === null ? NaN : typeof v === "string" ? Number(v) : v);
const word = (v) => (Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf");

function element(tag, attributes = {}, parent = null, ns = null) {
  const node = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (parent) parent.appendChild(node);
  return node;
}
const svg = (tag, attributes, parent) => element(tag, attributes, parent, SVG);

function niceTicks(lo, hi, log) {
  if (log) {
    const ticks = [];
    for (let e = Math.ceil(Math.log10(lo)); e <= Math.floor(Math.log10(hi)); e++) ticks.push(10 ** e);
    return ticks;
  }
  const raw = (hi - lo) / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  }
  return ticks;
}
const tickText = (t) => String(Number(t.toPrecision(6)));

export function draw(el, data, start) {
  // Ids unique in the page: each widget may load its own copy of this module, so the count
  // lives on the page, not in the module.
  globalThis.courseExplorers = (globalThis.courseExplorers ?? 0) + 1;
  const id = `course-explorer-${globalThis.courseExplorers}`;
  const controls = data.controls;
  const index = controls.map((c, k) => Math.min(Math.max(start?.[k] ?? 0, 0), c.values.length - 1));
  const flat = (by) => by.reduce((acc, k) => acc * controls[k].values.length + index[k], 0);
  const root = element("div", {class: "course-drawn", role: "group", "aria-label": data.title,
                               "data-lm-suppress-shortcuts": "true"}, el);
  // A key pressed on a control is the control's: JupyterLab's notebook would otherwise take
  // it as a shortcut and cancel it (seen: ArrowRight on a range input did nothing).
  root.addEventListener("keydown", (event) => {
    if (["INPUT", "BUTTON"].includes(event.target.tagName)) event.stopPropagation();
  });

  // Controls: a native range input per control steps through the grid points (arrow keys,
  // Home/End, Page Up/Down); its label and readout are text.
  const row = element("div", {class: "course-controls"}, root);
  const inputs = controls.map((c, k) => {
    const box = element("div", {class: "course-control"}, row);
    const label = element("label", {for: `${id}-c${k}`}, box);
    label.textContent = c.label;
    const input = element("input", {type: "range", id: `${id}-c${k}`, min: 0,
                                    max: c.values.length - 1, step: 1, value: index[k]}, box);
    const readout = element("output", {for: `${id}-c${k}`, id: `${id}-o${k}`}, box);
    input.addEventListener("input", () => {
      index[k] = Number(input.value);
      update();
    });
    return {input, readout};
  });
  // Buttons that move a control to a position: previous, next, the first nan, ...
  for (const b of data.buttons ?? []) {
    const button = element("button", {type: "button", class: "course-button"}, row);
    button.textContent = b.label;
    button.disabled = Boolean(b.disabled);
    button.addEventListener("click", () => {
      index[b.control] = b.targets[index[b.control]];
      update();
    });
  }
  const status = element("p", {class: "course-status", role: "status", id: `${id}-status`}, root);

  const figure = element("div", {class: "course-figure"}, root);
  // A stepper has no plot: the same code runs on an empty one, which is then removed.
  const plot = data.plot ?? {width: 200, height: 100, xlim: [0, 1], ylim: [0, 1], xlabel: "",
                             ylabel: "", curves: []};
  const W = plot.width, H = plot.height;
  const image = svg("svg", {width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img",
                            "aria-labelledby": `${id}-desc`, class: "course-plot"}, figure);
  const desc = svg("title", {id: `${id}-desc`}, image);
  desc.textContent = data.description;
  const log = Boolean(plot.ylog);
  const [x0, x1] = plot.xlim, [y0, y1] = plot.ylim;
  const ty = (v) => (log ? Math.log10(v) : v);
  const X = (v) => MARGIN.left + (v - x0) / (x1 - x0) * (W - MARGIN.left - MARGIN.right);
  const Y = (v) => H - MARGIN.bottom - (ty(v) - ty(y0)) / (ty(y1) - ty(y0))
                                        * (H - MARGIN.top - MARGIN.bottom);
  const inside = (v) => Number.isFinite(v) && (!log || v > 0);
  svg("clipPath", {id: `${id}-clip`}, image).appendChild(svg("rect", {
    x: MARGIN.left, y: MARGIN.top, width: W - MARGIN.left - MARGIN.right,
    height: H - MARGIN.top - MARGIN.bottom}));
  const axes = svg("g", {class: "course-axes", "aria-hidden": "true"}, image);
  svg("rect", {x: MARGIN.left, y: MARGIN.top, width: W - MARGIN.left - MARGIN.right,
               height: H - MARGIN.top - MARGIN.bottom, fill: "none", stroke: "#495057"}, axes);
  for (const t of niceTicks(x0, x1, false)) {
    svg("line", {x1: X(t), x2: X(t), y1: H - MARGIN.bottom, y2: H - MARGIN.bottom + 4,
                 stroke: "#495057"}, axes);
    svg("text", {x: X(t), y: H - MARGIN.bottom + 15, "text-anchor": "middle"}, axes)
      .textContent = tickText(t);
  }
  for (const t of niceTicks(y0, y1, log)) {
    svg("line", {x1: MARGIN.left - 4, x2: MARGIN.left, y1: Y(t), y2: Y(t), stroke: "#495057"}, axes);
    svg("text", {x: MARGIN.left - 6, y: Y(t) + 4, "text-anchor": "end"}, axes)
      .textContent = tickText(t);
  }
  svg("text", {x: (MARGIN.left + W - MARGIN.right) / 2, y: H - 4, "text-anchor": "middle"}, axes)
    .textContent = plot.xlabel;
  svg("text", {x: 12, y: (MARGIN.top + H - MARGIN.bottom) / 2, "text-anchor": "middle",
               transform: `rotate(-90 12 ${(MARGIN.top + H - MARGIN.bottom) / 2})`}, axes)
    .textContent = plot.ylabel;
  const layer = svg("g", {"clip-path": `url(#${id}-clip)`, "aria-hidden": "true"}, image);

  for (const band of plot.bands ?? []) {
    svg("rect", {x: X(band.from), y: MARGIN.top, width: X(band.to) - X(band.from),
                 height: H - MARGIN.top - MARGIN.bottom, fill: band.color, opacity: 0.14}, layer);
    svg("line", {x1: X(band.from), x2: X(band.from), y1: MARGIN.top, y2: H - MARGIN.bottom,
                 stroke: band.color, "stroke-dasharray": "4 3"}, layer);
    svg("text", {x: X(band.from) + 4, y: MARGIN.top + 14, fill: "#a61e1e", class: "course-note"},
        layer).textContent = band.label;
  }

  // A curve's path leaves a gap at each nan or inf (and at values <= 0 on a log axis).
  const pathOf = (xs, ys, count) => {
    let d = "", pen = false;
    for (let i = 0; i < count; i++) {
      const y = num(ys[i]);
      if (!inside(y)) { pen = false; continue; }
      d += `${pen ? "L" : "M"}${X(num(xs[i])).toFixed(1)},${Y(y).toFixed(1)}`;
      pen = true;
    }
    return d;
  };
  // Small circles at each point of a curve that has `dots`.
  const dotsOf = (xs, ys, count) => {
    let d = "";
    for (let i = 0; i < count; i++) {
      const y = num(ys[i]);
      if (inside(y)) d += `M${(X(num(xs[i])) - 3).toFixed(1)},${Y(y).toFixed(1)}a3,3 0 1,0 6,0a3,3 0 1,0 -6,0`;
    }
    return d;
  };
  const trace = (spec, ys, count) => pathOf(spec.x, ys, count)
    + (spec.dots ? dotsOf(spec.x, ys, count) : "");
  for (const c of plot.curves) {
    if (c.xcontrol !== undefined) c.x = controls[c.xcontrol].values;
  }
  const curves = plot.curves.map((c) => {
    const path = svg("path", {class: "course-curve", fill: "none", stroke: c.color,
                              "stroke-width": c.width ?? 1.5,
                              "stroke-dasharray": c.dash ?? "none"}, layer);
    if (c.ys === undefined) path.setAttribute("d", trace(c, c.y, c.x.length));
    return {spec: c, path};
  });
  const hlines = (plot.hlines ?? []).map((h) => ({spec: h, line: svg("line", {
    x1: MARGIN.left, x2: W - MARGIN.right, stroke: h.color, "stroke-dasharray": h.dash ?? "3 3",
    "stroke-width": 1}, layer)}));
  const cursor = plot.cursor === undefined ? null : svg("line", {
    y1: MARGIN.top, y2: H - MARGIN.bottom, stroke: "black", "stroke-width": 1}, layer);
  // A marker at the cursor; a nan or inf is drawn as a cross at the bottom edge, labelled.
  const SHAPES = {circle: "M-5,0a5,5 0 1,0 10,0a5,5 0 1,0 -10,0", square: "M-4,-4h8v8h-8z",
                  triangle: "M0,-6L5.5,4H-5.5z"};
  const points = (plot.points ?? []).map((p) => {
    const group = svg("g", {}, image);
    const mark = svg("path", {d: SHAPES[p.symbol], fill: p.color, stroke: "white"}, group);
    const cross = svg("path", {d: "M-5,-5L5,5M-5,5L5,-5", stroke: "#c92a2a", "stroke-width": 2.5},
                      group);
    const label = svg("text", {x: 7, y: -6, fill: "#a61e1e", class: "course-note"}, group);
    return {spec: p, group, mark, cross, label};
  });

  for (const m of plot.marks ?? []) {  // fixed symbols, e.g. a limit the curves approach
    svg("path", {d: SHAPES[m.symbol], fill: m.fill ?? m.color, stroke: m.color, "stroke-width": 1.5,
                 transform: `translate(${X(m.x)},${Y(m.y)})`}, layer);
  }
  const legend = element("ul", {class: "course-legend"}, figure);
  for (const item of [...plot.curves, ...(plot.points ?? []), ...(plot.hlines ?? []),
                      ...(plot.marks ?? [])]) {
    if (!item.label) continue;
    const li = element("li", {}, legend);
    const swatch = element("span", {class: "course-swatch", "aria-hidden": "true"}, li);
    swatch.style.background = item.color;
    li.appendChild(document.createTextNode(item.label));
  }

  if (!data.plot) {
    image.remove();
    legend.remove();
  }
  let beside = null;
  if (data.beside) {
    beside = element("pre", {class: "course-beside", tabindex: 0, role: "region",
                             "aria-label": data.beside.label}, figure);
  }

  function update() {
    controls.forEach((c, k) => {
      inputs[k].input.value = index[k];
      inputs[k].readout.textContent = c.labels[index[k]];
      inputs[k].input.setAttribute("aria-valuetext", `${c.label} = ${c.labels[index[k]]}`);
    });
    for (const {spec, path} of curves) {
      if (spec.ys === undefined) continue;
      const ys = spec.ys[flat(spec.by)];
      const count = spec.first === undefined ? ys.length
        : Math.min(ys.length, num(controls[spec.first].values[index[spec.first]]) + 1);
      path.setAttribute("d", trace(spec, ys, count));
    }
    for (const {spec, line} of hlines) {
      const y = num(spec.ys[flat(spec.by)]);
      line.setAttribute("visibility", inside(y) ? "visible" : "hidden");
      if (inside(y)) { line.setAttribute("y1", Y(y)); line.setAttribute("y2", Y(y)); }
    }
    if (cursor) {
      const x = X(num(controls[plot.cursor].values[index[plot.cursor]]));
      cursor.setAttribute("x1", x);
      cursor.setAttribute("x2", x);
    }
    for (const {spec, group, mark, cross, label} of points) {
      const x = X(num(controls[spec.control].values[index[spec.control]]));
      const y = num((spec.curve === undefined ? spec.ys : plot.curves[spec.curve].y)[flat(spec.by)]);
      const finite = inside(y);
      group.setAttribute("transform", `translate(${x},${finite ? Y(y) : H - MARGIN.bottom - 8})`);
      mark.setAttribute("visibility", finite ? "visible" : "hidden");
      cross.setAttribute("visibility", finite ? "hidden" : "visible");
      label.textContent = finite ? "" : word(y);
      // Near the plot's right edge the word goes left of the cross, inside the picture.
      const flip = x > W - MARGIN.right - 40;
      label.setAttribute("x", flip ? -7 : 7);
      label.setAttribute("text-anchor", flip ? "end" : "start");
    }
    status.textContent = data.status.template.replace(/\{(\w+)\}/g, (_, name) => {
      const field = data.status.fields[name];
      return field.text[flat(field.by)];
    });
    if (beside) {
      const lines = data.beside.rows[flat(data.beside.by)];
      beside.textContent = lines.map((line) => line.map((n) => data.beside.parts[n]).join(""))
        .join("\n");
    }
  }
  update();
  return {
    root,
    show(position) {
      position.forEach((v, k) => { index[k] = v; });
      update();
    },
  };
}

// anywidget's entry point (JupyterLab, and the site's widget manager): the data comes once
// with the widget's state; moving a control changes nothing on the kernel's side. Only a
// change made from Python (explorer.apply(...)) moves the controls from there.
function render({model, el}) {
  const view = draw(el, JSON.parse(model.get("data")), model.get("index"));
  const follow = () => view.show(model.get("index"));
  model.on("change:index", follow);
  return () => model.off("change:index", follow);
}

export default {render};
