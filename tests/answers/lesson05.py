"""Pinned wrong answers for lesson 5's new exercises (see tests/answers/__init__.py)."""

WRONG = {
    "05_nan_guard": {
        "nan_to_num's defaults": """
def nan_guard_fwd(x):
  return x, None
def nan_guard_bwd(res, g):
  return (jnp.nan_to_num(g),)
answer = (nan_guard_fwd, nan_guard_bwd)
""",
    },
    "05_jit_traces": {
        "every call": "answer = 3",
        "dtype ignored": "answer = '1'",
        "never at trace time": "answer = 0",
    },
}

EXPECTED = {
    ("05_nan_guard", "nan_to_num's defaults"):
        r"with output cotangent inf\) at x=0: expected 0, got 3\.402823e\+38\. That is the "
        r"largest float32: jnp\.nan_to_num turns nan into 0 but inf into the largest finite",
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
