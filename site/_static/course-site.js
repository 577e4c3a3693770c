// Loaded before RequireJS and the Jupyter widgets manager (see html_js_files in conf.py).
//
// RequireJS reads a global `require` defined before it as its configuration. The widgets manager
// is an AMD module that finds its icon fonts next to its own module URL: map that URL to its copy
// in _static/vendor/, or the fonts are looked for under the page's folder and fail to load.
// anywidget's front end (the explorers) is mapped to its copy too: the manager asks RequireJS
// for "anywidget" first and goes to a CDN only if that fails.
window.require = {
  paths: {
    "@jupyter-widgets/html-manager/dist":
      new URL("vendor/html-manager", document.currentScript.src).href,
    "anywidget": new URL("vendor/anywidget/index", document.currentScript.src).href,
  },
};

// The explorers (.course-drawn, widgets/explorer.js) carry all their values and move here as
// in JupyterLab. Any other widget is drawn from its stored state, with no kernel behind it: a
// control that moved would change nothing else, so each such control is disabled (noUiSlider
// ignores mouse and keys on a target with a `disabled` attribute) as soon as it is drawn.
function freezeExplorers(root) {
  for (const slider of root.querySelectorAll(".widget-subarea .noUi-target")) {
    slider.setAttribute("disabled", "");
    const label = slider.closest(".widget-hslider")?.querySelector(".widget-label");
    for (const handle of slider.querySelectorAll(".noUi-handle")) {
      handle.setAttribute("tabindex", "-1");
      if (label?.textContent) handle.setAttribute("aria-label", label.textContent);
    }
  }
  for (const control of root.querySelectorAll(
      ".widget-subarea input, .widget-subarea select, .widget-subarea button")) {
    if (control.closest(".course-drawn")) continue;
    control.disabled = true;
  }
  for (const readout of root.querySelectorAll(".widget-subarea .widget-readout")) {
    readout.setAttribute("contenteditable", "false");
    readout.classList.add("course-frozen");
  }
}
// An explorer's redraw (its status, readout and plot, inside .course-drawn) adds text and
// elements at every move of a control: it has nothing to freeze, so it costs no search of the
// page (a search at every move cost about 0.45 ms of the frame in a Chrome trace).
new MutationObserver((records) => {
  if (records.some((r) => !r.target.closest?.(".course-drawn"))) freezeExplorers(document);
}).observe(document.documentElement, {childList: true, subtree: true});

// The theme's search buttons read "Search" to a screen reader but show "Search..." and a
// shortcut: a spoken command that does not match the visible text fails (axe:
// label-content-name-mismatch). Their visible text is their name.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll(".search-button__button[aria-label]")) {
    button.removeAttribute("aria-label");
  }
  // The same for a collapsed solution's "Show the solution" (named "Toggle hidden content").
  for (const summary of document.querySelectorAll("details.hide > summary[aria-label]")) {
    summary.removeAttribute("aria-label");
  }
});
