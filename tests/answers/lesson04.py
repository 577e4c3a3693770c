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
