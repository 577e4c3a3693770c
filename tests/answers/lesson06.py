"""Pinned wrong answers for lesson 6's new exercises (see tests/answers/__init__.py)."""

WRONG = {
    "06_vmap_calls": {
        "once per element": "answer = 3",
        "rule not needed": "answer = 0",
        "rule calls f": "answer = 2",
    },
}

EXPECTED = {
    ("06_vmap_calls", "once per element"):
        r"you predicted 3, which is not what JAX does\. vmap does not loop over the batch: it "
        r"runs your Python once, with a tracer that stands for all three values",
    ("06_vmap_calls", "rule not needed"):
        r"you predicted 0, .* grad differentiates f, so it needs f's rule, under vmap as well",
    ("06_vmap_calls", "rule calls f"):
        r"you predicted 2, .* The rule calls f for its primal output, but that runs f, not the "
        r"rule",
}
