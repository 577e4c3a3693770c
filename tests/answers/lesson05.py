"""Pinned wrong answers for lesson 5's new exercises (see tests/answers/__init__.py)."""

WRONG = {
    "05_jit_traces": {
        "every call": "answer = 3",
        "dtype ignored": "answer = '1'",
        "never at trace time": "answer = 0",
    },
}

EXPECTED = {
    ("05_jit_traces", "every call"):
        r"you predicted 3, which is not what JAX does\. Under jit, Python code runs only while "
        r"JAX traces the function; a later call with the same shapes and dtypes runs the "
        r"compiled computation",
    ("05_jit_traces", "dtype ignored"):
        r"you predicted 1, .* jit compiles once per shape and dtype of the arguments: the "
        r"float16 call is traced anew",
    ("05_jit_traces", "never at trace time"):
        r"you predicted 0, .* The rule's Python does run, while JAX traces: that is when pdb "
        r"stopped",
}
