// Loaded before RequireJS and the Jupyter widgets manager (see html_js_files in conf.py).
//
// RequireJS reads a global `require` defined before it as its configuration. The widgets manager
// is an AMD module that finds its icon fonts next to its own module URL: map that URL to its copy
// in _static/vendor/, or the fonts are looked for under the page's folder and fail to load.
window.require = {
  paths: {
    "@jupyter-widgets/html-manager/dist":
      new URL("vendor/html-manager", document.currentScript.src).href,
  },
};
