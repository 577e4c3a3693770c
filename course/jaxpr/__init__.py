"""`jax.make_jaxpr`, evaluated: every equation of a jaxpr with its values, shown as text, as a
Graphviz drawing, or as HTML, with the birthplace of the first inf and nan marked.

The modules are layers; each imports only from the layers above it in this list, at the top of
the module (`tests/test_imports.py` checks it):

- `data`: `Value`, `Record`, `Trace`, `Rule`, and facts about them (`describe_op`, `origins`:
  where the first inf/nan was born); no JAX, no markup.
- `evaluate`: the interpreter (`evaluate_jaxpr`, with an `on_record` hook); `rules`: which
  custom rule made which equation (`find_rules`, `Attribution`, the hook).
- `tracing`: `trace_jaxpr`, the checks of what the learner passed (`check_inputs`) and the one
  error type for bad input (`JaxprInputError`: `JaxprTypeError` / `JaxprValueError`). JAX
  internals are reached only via `course.compat`.
- `align`: two evaluated programs aligned equation by equation (`align`, `Comparison`); no JAX.
- `text`: `format_trace`, `format_comparison`; `graph`: DOT, and running Graphviz.
- `html`: the drawing, the verdict and the text view as one HTML block; `graph_html` is the
  one Graphviz fallback.
- `view`: `show_jaxpr` and `JaxprView`, which notebooks display.
- `compare`: `compare_rules`, the default and the custom program of a derivative, diffed;
  `residuals`: `show_residuals` / `compare_residuals`, the forward and backward programs.

The names below are the public API; `widgets/` uses only these.
"""

from .align import Comparison as Comparison
from .align import Row as Row
from .compare import RuleComparison as RuleComparison
from .compare import RuleComparisonError as RuleComparisonError
from .compare import compare_rules as compare_rules
from .data import Record as Record
from .data import Rule as Rule
from .data import Trace as Trace
from .data import Value as Value
from .data import describe_op as describe_op
from .data import format_array as format_array
from .data import origin_notes as origin_notes
from .data import origins as origins
from .evaluate import evaluate_jaxpr as evaluate_jaxpr
from .graph import STATUS_FILL as STATUS_FILL
from .graph import GraphvizFailedError as GraphvizFailedError
from .graph import GraphvizNotFoundError as GraphvizNotFoundError
from .residuals import ResidualsView as ResidualsView
from .residuals import compare_residuals as compare_residuals
from .residuals import show_residuals as show_residuals
from .text import STATUS_MARK as STATUS_MARK
from .text import equation_text as equation_text
from .text import format_trace as format_trace
from .text import short_equation as short_equation
from .tracing import JaxprInputError as JaxprInputError
from .tracing import JaxprTypeError as JaxprTypeError
from .tracing import JaxprValueError as JaxprValueError
from .tracing import function_name as function_name
from .tracing import trace_jaxpr as trace_jaxpr
from .view import JaxprView as JaxprView
from .view import show_jaxpr as show_jaxpr
