// The course's accessibility fixes for JupyterLab 4's notebook, for screen-reader users. A
// JupyterLab extension written by hand as a module-federation container (what JupyterLab
// loads for a prebuilt extension: a script that defines window._JUPYTERLAB[name] with init and
// get), so that it needs no build: lab/jupyter_lab_config.py adds lab/labextensions/ to
// JupyterLab's extension paths, for `python3 run.py lab` and the classroom's servers alike.
//
// What it fixes (axe-core on a lesson run in JupyterLab 4.6.6, see benchmarks/axe_lab.py):
// - Each cell's editor (CodeMirror, role textbox) has no accessible name (jupyterlab#10347):
//   it gets one, "Cell 3 input, code", kept right as cells are added, moved or deleted.
// - The notebook's list of cells is a `feed` whose children are plain divs
//   (jupyterlab#14804): each cell becomes an `article` of the feed, with its position and the
//   number of cells (aria-posinset, aria-setsize), as the feed pattern has it.
// - A heading's collapse button has no name: it gets "Cells under <heading>" and
//   aria-expanded.
// - Every toolbar button carries aria-pressed="false" on its <jp-button> host, which has no
//   role (jupyterlab#16891), and the button inside it repeats it, so a screen reader calls
//   "Upload Files" a toggle button, not pressed. A button that is not a toggle loses it; a
//   toggle (a toggleable command, or a button seen pressed) keeps its state on the button
//   inside, the one that has the role and the focus.
// Nothing is hidden from assistive technology, and no content is changed.
(() => {
  "use strict";
  const NAME = "course-a11y";
  let shared = {};

  // A module JupyterLab shares with its extensions (its newest version in the share scope).
  async function sharedModule(name) {
    const versions = shared[name];
    if (!versions) throw new Error(`${NAME}: JupyterLab shares no ${name}`);
    const newest = Object.keys(versions).sort((a, b) => a.localeCompare(b, "en",
                                                                       {numeric: true})).pop();
    return (await versions[newest].get())();
  }

  function set(node, attribute, value) {
    if (node.getAttribute(attribute) !== value) node.setAttribute(attribute, value);
  }

  // Names and roles of one notebook's cells, as they are now.
  function label(notebook) {
    const cells = notebook.widgets;
    cells.forEach((cell, i) => {
      set(cell.node, "role", "article");
      set(cell.node, "aria-posinset", String(i + 1));
      set(cell.node, "aria-setsize", String(cells.length));
      const editor = cell.editor?.editor?.contentDOM
        ?? cell.node.querySelector(".jp-InputArea-editor .cm-content");
      if (editor) set(editor, "aria-label", `Cell ${i + 1} input, ${cell.model.type}`);
      for (const button of cell.node.querySelectorAll(".jp-collapseHeadingButton")) {
        const heading = cell.headingInfo?.text || `cell ${i + 1}`;
        set(button, "aria-label", `Cells under ${heading}`);
        set(button, "aria-expanded", String(!cell.headingCollapsed));
      }
    });
  }

  // Relabel a notebook once per frame after anything that can change a cell's position, type,
  // editor or collapse button; outputs (explorers redraw there at every move) are not watched.
  function watch(notebook) {
    let pending = false;
    const schedule = () => {
      if (pending || notebook.isDisposed) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        if (!notebook.isDisposed) label(notebook);
      });
    };
    const observer = new MutationObserver((records) => {
      if (records.some((r) => !r.target.closest?.(".jp-OutputArea"))) schedule();
    });
    observer.observe(notebook.node, {childList: true, subtree: true});
    notebook.modelChanged.connect(schedule);
    notebook.cellCollapsed.connect(schedule);
    notebook.model?.cells.changed.connect(schedule);
    notebook.disposed.connect(() => observer.disconnect());
    schedule();
  }

  // aria-pressed off the role-less <jp-button> host; a toggle's state on its inner <button>.
  function pressed(app) {
    const inner = new MutationObserver((records) => {
      for (const {target} of records) {
        const host = target.getRootNode().host;
        const state = host?.dataset.coursePressed;
        if (state !== undefined && target.getAttribute("aria-pressed") !== state) {
          target.setAttribute("aria-pressed", state);
        }
      }
    });
    const fix = (host) => {
      const state = host.getAttribute("aria-pressed");
      if (state === null) return;
      const command = host.dataset.command;
      const toggle = state === "true" || host.dataset.coursePressed !== undefined
        || Boolean(command && app.commands.hasCommand(command)
                   && app.commands.isToggleable(command));
      host.removeAttribute("aria-pressed");
      if (!toggle) return;
      host.dataset.coursePressed = state;
      const button = host.shadowRoot?.querySelector("button");
      if (button) {
        button.setAttribute("aria-pressed", state);
        inner.observe(button, {attributes: true, attributeFilter: ["aria-pressed"]});
      }
    };
    const sweep = (root) => {
      if (root.nodeType !== Node.ELEMENT_NODE) return;
      if (root.matches("jp-button[aria-pressed]")) fix(root);
      for (const host of root.querySelectorAll("jp-button[aria-pressed]")) fix(host);
    };
    new MutationObserver((records) => {
      for (const r of records) {
        if (r.type === "attributes") sweep(r.target);
        else if (!r.target.closest?.(".jp-OutputArea")) r.addedNodes.forEach(sweep);
      }
    }).observe(document.body, {childList: true, subtree: true, attributes: true,
                               attributeFilter: ["aria-pressed"]});
    sweep(document.body);
  }

  async function extension() {
    const {INotebookTracker} = await sharedModule("@jupyterlab/notebook");
    const plugin = {
      id: `${NAME}:plugin`,
      description: "Names, roles and states for screen readers in the notebook and toolbars.",
      autoStart: true,
      requires: [INotebookTracker],
      activate(app, tracker) {
        tracker.forEach((panel) => watch(panel.content));
        tracker.widgetAdded.connect((_, panel) => watch(panel.content));
        pressed(app);
      },
    };
    return () => ({__esModule: true, default: [plugin]});
  }

  window._JUPYTERLAB = window._JUPYTERLAB || {};
  window._JUPYTERLAB[NAME] = {
    init(scope) {
      shared = scope;
    },
    get(module) {
      if (module === "./extension") return extension();
      return Promise.reject(new Error(`${NAME} has no module ${module}`));
    },
  };
})();
