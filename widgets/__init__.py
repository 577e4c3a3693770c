"""ipywidgets explorers for the course, built on `course`.

Each explorer compiles its JAX functions once when it is built; moving a control afterwards
only runs compiled code and redraws the artists whose data changed.
"""

from .clipping import clipping_explorer as clipping_explorer
from .convention import convention_explorer as convention_explorer
from .fixed_point import fixed_point_explorer as fixed_point_explorer
from .stability import stability_explorer as stability_explorer
from .stepper import jaxpr_stepper as jaxpr_stepper
