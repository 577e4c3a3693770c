"""Explorers for the course, built on `course` and drawn in the browser.

Each explorer takes the lesson's own functions as arguments (e.g.
`stability_explorer(naive=naive_log1pexp, rule=log1pexp)`), so what moves on screen is the
code the learner just read: no derivative rule is defined in this package. Each explorer
evaluates those functions once, at every grid point of its controls, in one vectorized call
(widgets/grid.py); the browser draws the values (widgets/explorer.js, an anywidget module) and
moving a control there sends nothing to the kernel, in JupyterLab and on the static site.
"""

from .clipping import clipping_explorer as clipping_explorer
from .compare import compare_stepper as compare_stepper
from .convention import convention_explorer as convention_explorer
from .fixed_point import fixed_point_explorer as fixed_point_explorer
from .stability import stability_explorer as stability_explorer
from .stepper import jaxpr_stepper as jaxpr_stepper
