"""ipywidgets explorers for the course, built on `course`.

Each explorer takes the lesson's own functions as arguments (e.g.
`stability_explorer(naive=naive_log1pexp, rule=log1pexp)`), so what moves on screen is the
code the learner just read: no derivative rule is defined in this package. Each explorer
compiles its JAX functions once when it is built; moving a control afterwards only runs
compiled code and redraws the artists whose data changed.
"""

from .clipping import clipping_explorer as clipping_explorer
from .compare import compare_stepper as compare_stepper
from .convention import convention_explorer as convention_explorer
from .fixed_point import fixed_point_explorer as fixed_point_explorer
from .stability import stability_explorer as stability_explorer
from .stepper import jaxpr_stepper as jaxpr_stepper
