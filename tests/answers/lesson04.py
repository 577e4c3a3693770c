"""Pinned wrong answers for lesson 4's newer exercises (see tests/answers/__init__.py)."""

DOWNSTREAM, RESIDUAL = "04_clip_downstream", "04_clip_residual"

PAIR = """
def clip_symmetric_fwd(c, x):
  return {fwd}

def clip_symmetric_bwd(res, g):
  c = res
  return {bwd}

answer = (clip_symmetric_fwd, clip_symmetric_bwd)
"""

WRONG = {
    DOWNSTREAM: {
        "clip then scale": "answer = 2.25",
        "unclipped": 'answer = "3"',
        "derivative of sin": "answer = 1",
    },
    RESIDUAL: {
        "residual in a tuple": PAIR.format(fwd="x, (c,)", bwd="(None, jnp.clip(g, -c, c))"),
        "a cotangent for c": PAIR.format(fwd="x, c", bwd="(g, jnp.clip(g, -c, c))"),
        "one cotangent": PAIR.format(fwd="x, c", bwd="(jnp.clip(g, -c, c),)"),
        "clip to [0, c]": PAIR.format(fwd="x, c", bwd="(None, jnp.clip(g, 0., c))"),
        "x fixed, bwd moved": PAIR.format(fwd="x, (c, x)", bwd="(None, jnp.clip(g, -c[1], c[1]))"),
    },
}

EXPECTED = {
    (DOWNSTREAM, "clip then scale"): r"you predicted 2\.25, .* the cotangent that reaches "
                                     r"clip_gradient is 3 \* cos\(0\) = 3",
    (DOWNSTREAM, "unclipped"): r"you predicted 3\.0, .* clip_gradient sits between it and x",
    (DOWNSTREAM, "derivative of sin"): r"you predicted 1\.0, .* the gradient of 3 \* sin is 3 "
                                       r"times that",
    (RESIDUAL, "residual in a tuple"): r"f_bwd raised TypeError: bad operand type for unary -: "
                                       r"'tuple'",
    (RESIDUAL, "a cotangent for c"): r"f_bwd's cotangent for argument 0 \(with output cotangent "
                                     r"1\) at \(0\.5, 3\): expected 0, got 1",
    (RESIDUAL, "one cotangent"): r"one cotangent per primal argument: got 1, expected 2",
    (RESIDUAL, "clip to [0, c]"): r"argument 1 \(with output cotangent -2\.5\) .*expected -0\.5,"
                                  r" got 0\.",
    (RESIDUAL, "x fixed, bwd moved"): r"at \(c, x\) = \(0\.5, 1\), f_bwd turns the cotangent 2 "
                                      r"into 1: it clips to \[-x, x\] = \[-1, 1\]",
}


# Issue 20: ratios that pointed the wrong way (A14): a cause is named only when it holds at
# every point; unusual correct answers still pass.
CLIP_WITH = """
def clip_symmetric_fwd(c, x):
  return {fwd}
def clip_symmetric_bwd(res, g):
  c = res
  return {bwd}
answer = (clip_symmetric_fwd, clip_symmetric_bwd)
"""

WRONG.setdefault("04_clip_residual", {}).update({
    "no clip (A14)": CLIP_WITH.format(fwd="x, c", bwd="(None, g)"),
    "fwd returns (c, c) (A14)": CLIP_WITH.format(fwd="c, c", bwd="(None, jnp.clip(g, -c, c))"),
})
WRONG.setdefault("04_scale_gradient", {}).update({
    "fwd saves x (A14)": """
def scale_gradient_fwd(s, x):
  return x, x
def scale_gradient_bwd(s, g):
  return (None, s * g)
answer = (scale_gradient_fwd, scale_gradient_bwd)
""",
})
EXPECTED.update({
    ("04_clip_residual", "no clip (A14)"):
        r"argument 1 \(with output cotangent 1\) at \(0\.5, 3\): expected 0\.5, got 1\. \(See",
    ("04_clip_residual", "fwd returns (c, c) (A14)"):
        r"f_fwd's primal output at \(0\.5, 3\): expected 3, got 0\.5\. \(See",
    ("04_scale_gradient", "fwd saves x (A14)"):
        r"argument 1 \(with output cotangent 1\) at \(0\.5, 3\): expected 0\.5, got 3\. \(See",
})

CORRECT = {
    "04_scale_gradient": {
        "f_bwd returns a list, 0. for s": """
def scale_gradient_fwd(s, x):
  return x, s
def scale_gradient_bwd(s, g):
  return [0., s * g]
answer = (scale_gradient_fwd, scale_gradient_bwd)
""",
        "residual as a tuple, zeros_like for s": """
def scale_gradient_fwd(s, x):
  return x, (s,)
def scale_gradient_bwd(res, g):
  s, = res
  return (jnp.zeros_like(s), g * s)
answer = (scale_gradient_fwd, scale_gradient_bwd)
""",
    },
    "04_clip_residual": {
        "saves -c, clips with min and max": CLIP_WITH.format(
            fwd="x, -c", bwd="(None, jnp.minimum(jnp.maximum(g, c), -c))"),
    },
}

CORRECT["04_scale_gradient"].update({
    "an extra residual, g * s": """
def scale_gradient_fwd(s, x):
  return x, (s, x)
def scale_gradient_bwd(res, g):
  s, _ = res
  return (None, g * s)
answer = (scale_gradient_fwd, scale_gradient_bwd)
""",
})
CORRECT["04_clip_residual"].update({
    "residual (c,)": CLIP_WITH.format(fwd="x, (c,)", bwd="(None, jnp.clip(g, -c[0], c[0]))"),
    "residual (c, x), zeros_like for c": CLIP_WITH.format(
        fwd="x, (c, x)", bwd="(jnp.zeros_like(c[0]), jnp.clip(g, -c[0], c[0]))"),
})
