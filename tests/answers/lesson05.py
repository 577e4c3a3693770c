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


# Issue 20: wrong guards that passed (B1, B2); unusual correct ones still pass.
GUARD_WITH = """
def nan_guard_fwd(x):
  return {fwd}
def nan_guard_bwd(res, g):
  return {bwd}
answer = (nan_guard_fwd, nan_guard_bwd)
"""

WRONG.setdefault("05_nan_guard", {}).update({
    "threshold guard (B1)": GUARD_WITH.format(
        fwd="x, None", bwd="(jnp.where(jnp.abs(g) < 1e6, g, 0.),)"),
    "guards the primal too (B1)": GUARD_WITH.format(
        fwd="jnp.where(jnp.isfinite(x), x, 0.), None", bwd="(jnp.where(jnp.isfinite(g), g, 0.),)"),
    "mask multiply (B2)": GUARD_WITH.format(fwd="x, None", bwd="(g * jnp.isfinite(g),)"),
})
EXPECTED.update({
    ("05_nan_guard", "threshold guard (B1)"):
        r"with output cotangent 1e\+30\) at x=0: expected 1e\+30, got 0\. A finite cotangent "
        r"was replaced by 0: only nan, inf and -inf are to be replaced",
    ("05_nan_guard", "guards the primal too (B1)"):
        r"f_fwd\(nan\) returns 0 as the primal output, but nan_guard\(nan\) is nan: .* The "
        r"guard belongs in the backward pass only",
    ("05_nan_guard", "mask multiply (B2)"):
        r"only because XLA compiles it into a select: .* turns the cotangents \[1\.5, nan, "
        r"inf\] into \[1\.5, nan, nan\]\. By IEEE arithmetic nan \* 0 is nan",
})

CORRECT = {
    "05_nan_guard": {
        "nan_to_num with every replacement 0": GUARD_WITH.format(
            fwd="x, None", bwd="(jnp.nan_to_num(g, nan=0., posinf=0., neginf=0.),)"),
        "abs(g) < inf": GUARD_WITH.format(fwd="x, None",
                                          bwd="(jnp.where(jnp.abs(g) < jnp.inf, g, 0.),)"),
        "a list, with x as residual": GUARD_WITH.format(
            fwd="x, x", bwd="[jnp.where(jnp.isfinite(g), g, 0.)]"),
    },
}


# The first wrong answers of these exercises, pinned when the exercises were written.
WRONG.setdefault("05_nan_guard", {}).update({
        "misses inf": """
def nan_guard_fwd(x):
  return x, None
def nan_guard_bwd(res, g):
  return (jnp.where(jnp.isnan(g), 0., g),)
answer = (nan_guard_fwd, nan_guard_bwd)
""",
        "passes g through": """
def nan_guard_fwd(x):
  return x, None
def nan_guard_bwd(res, g):
  return (g,)
answer = (nan_guard_fwd, nan_guard_bwd)
""",
        "fwd returns one value": """
def nan_guard_fwd(x):
  return x
def nan_guard_bwd(res, g):
  return (jnp.where(jnp.isfinite(g), g, 0.),)
answer = (nan_guard_fwd, nan_guard_bwd)
""",
    })
