"""Helpers for the custom-derivative-rules course: jaxpr views, gradient plots, checkers.

Importing `course` imports JAX, but neither matplotlib nor Graphviz: those load when a
function needs them.
"""

from .compiles import count_compiles as count_compiles
from .debugging import scripted_pdb as scripted_pdb
from .exercises import check as check
from .exercises import exercises as exercises
from .exercises import solution as solution
from .exercises import solution_source as solution_source
from .exercises.checking import Feedback as Feedback
from .exercises.solution_cell import register as _register_solution_magic
from .jaxpr import GraphvizFailedError as GraphvizFailedError
from .jaxpr import GraphvizNotFoundError as GraphvizNotFoundError
from .jaxpr import JaxprView as JaxprView
from .jaxpr import Record as Record
from .jaxpr import Trace as Trace
from .jaxpr import Value as Value
from .jaxpr import compare_residuals as compare_residuals
from .jaxpr import compare_rules as compare_rules
from .jaxpr import evaluate_jaxpr as evaluate_jaxpr
from .jaxpr import show_jaxpr as show_jaxpr
from .jaxpr import show_residuals as show_residuals
from .jaxpr import trace_jaxpr as trace_jaxpr
from .plots import plot_grad as plot_grad
from .progress import progress as progress
from .tracebacks import short_tracebacks as short_tracebacks

_register_solution_magic()
