// MathJax configuration of the site (Sphinx inlines this file before loading MathJax 3).
//
// The Jupyter widgets manager typesets widget labels through MathJax 2's API,
// MathJax.Hub.Queue(["Typeset", MathJax.Hub, element]), which MathJax 3 replaced by
// MathJax.typesetPromise([element]): without this shim every explorer logs a TypeError.
// MathJax 3 replaces window.MathJax when it starts, so the shim is set again once it is ready.
(function () {
  const hub = {
    Queue(command) {
      const element = Array.isArray(command) ? command[2] : undefined;
      if (element && window.MathJax.typesetPromise) {
        window.MathJax.typesetPromise([element]);
      }  // before MathJax is ready, its first pass typesets the page anyway
    },
  };
  const config = window.MathJax || {};  // what myst-parser set (which elements hold math)
  config.startup = Object.assign({}, config.startup, {
    ready() {
      window.MathJax.startup.defaultReady();
      window.MathJax.Hub = hub;
    },
  });
  config.Hub = hub;
  window.MathJax = config;
})();
