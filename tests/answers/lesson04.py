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
EXPECTED.update({
    ("04_clip_residual", "no clip (A14)"):
        r"argument 1 \(with output cotangent 1\) at \(0\.5, 3\): expected 0\.5, got 1\. \(See",
    ("04_clip_residual", "fwd returns (c, c) (A14)"):
        r"f_fwd's primal output at \(0\.5, 3\): expected 3, got 0\.5\. \(See",
})

CORRECT = {
    "04_clip_residual": {
        "saves -c, clips with min and max": CLIP_WITH.format(
            fwd="x, -c", bwd="(None, jnp.minimum(jnp.maximum(g, c), -c))"),
    },
}

CORRECT["04_clip_residual"].update({
    "residual (c,)": CLIP_WITH.format(fwd="x, (c,)", bwd="(None, jnp.clip(g, -c[0], c[0]))"),
    "residual (c, x), zeros_like for c": CLIP_WITH.format(
        fwd="x, (c, x)", bwd="(jnp.zeros_like(c[0]), jnp.clip(g, -c[0], c[0]))"),
})


# 04_clip_norm (issue 21, A8): lesson 4's clip carried over from entries to a vector's length.
NORM = "04_clip_norm"
CLIP_NORM = """
def clip_norm_fwd(c, x):
  return {fwd}

def clip_norm_bwd(res, g):
  c = res
  norm = jnp.sqrt(jnp.sum(g ** 2))
  return {bwd}

answer = (clip_norm_fwd, clip_norm_bwd)
"""


def clip_norm(bwd, fwd="x, c"):
    return CLIP_NORM.format(fwd=fwd, bwd=bwd)


WRONG[NORM] = {
    "the lesson's clip, entry by entry": clip_norm("(None, jnp.clip(g, -c, c))"),
    "always scaled to length c": clip_norm("(None, g * c / norm)"),
    "divided by the norm first": clip_norm("(None, g / norm * jnp.minimum(norm, c))"),
    "x kept instead of c": clip_norm("(None, g * (c / jnp.maximum(norm, c)))", fwd="x, x"),
    "a cotangent for c": clip_norm("(norm, g * (c / jnp.maximum(norm, c)))"),
    "one cotangent": clip_norm("(g * (c / jnp.maximum(norm, c)),)"),
    "scaled by c / norm where it is short": clip_norm(
        "(None, jnp.where(norm > c, g, g * c / norm))"),
    "the norm of x": """
def clip_norm_fwd(c, x):
  return x, (c, x)

def clip_norm_bwd(res, g):
  c, x = res
  norm = jnp.sqrt(jnp.sum(x ** 2))
  return (None, g * (c / jnp.maximum(norm, c)))

answer = (clip_norm_fwd, clip_norm_bwd)
""",
}
EXPECTED.update({
    (NORM, "the lesson's clip, entry by entry"):
        r"f_bwd's cotangent for argument 1 \(with output cotangent \[3, -4, 0\]\) at "
        r"\(1, \[3, -4, 0\]\): expected \[0\.6, -0\.8, 0\], got \[1, -1, 0\]\. Yours points in "
        r"another direction than the cotangent g: something acts on each entry separately \(a "
        r"clip of each entry, as clip_gradient does.* \(See lesson 04_gradient_clipping, 'An "
        r"identity function whose backward pass clips'\.\)",
    (NORM, "always scaled to length c"):
        r"output cotangent \[0\.3, 0\.4, 0\]\) at \(1, \[3, -4, 0\]\): expected "
        r"\[0\.3, 0\.4, 0\], got \[0\.6, 0\.8, 0\]\. Yours points the right way, with length 1 "
        r"instead of 0\.5",
    (NORM, "divided by the norm first"):
        r"output cotangent \[0, 0, 0\]\) at \(1, \[3, -4, 0\]\): expected \[0, 0, 0\], "
        r"got \[nan, nan, nan\]\. Yours is not finite here\. Where g = 0 its norm is 0 too",
    (NORM, "x kept instead of c"):
        r"at \(1, \[3, -4, 0\]\): expected \[0\.6, -0\.8, 0\], got \[1\.8, 3\.2, 0\]\. Yours "
        r"points in another direction",
    (NORM, "a cotangent for c"):
        r"argument 0 \(with output cotangent \[3, -4, 0\]\) .*: expected 0, got 5\. c is a "
        r"setting, not something to learn: it gets no cotangent",
    (NORM, "one cotangent"): r"one cotangent per primal argument: got 1, expected 2",
    (NORM, "scaled by c / norm where it is short"):
        r"output cotangent \[3, -4, 0\]\) .*: expected \[0\.6, -0\.8, 0\], got \[3, -4, 0\]\.",
    (NORM, "the norm of x"):
        r"output cotangent \[0\.3, 0\.4, 0\]\) at \(1, \[3, -4, 0\]\): expected \[0\.3, 0\.4, "
        r"0\], got \[0\.06, 0\.08000001, 0\]\. Yours points the right way, with length 0\.1 "
        r"instead of 0\.5",
})
CORRECT[NORM] = {
        "a where, without a safe norm": clip_norm(
            "(None, jnp.where(norm > c, g * c / norm, g))"),
        "min(1, c / norm)": clip_norm("(None, g * jnp.minimum(1., c / norm))"),
        "zeros for c, linalg.norm": """
def clip_norm_fwd(c, x):
  return x, c

def clip_norm_bwd(c, g):
  scale = jnp.minimum(1., c / jnp.maximum(jnp.linalg.norm(g), 1e-30))
  return (jnp.zeros_like(c), g * scale)

answer = (clip_norm_fwd, clip_norm_bwd)
""",
}
