"""Pinned wrong answers for lesson 6's new exercises (see tests/answers/__init__.py)."""

DEFJVPS = """
@custom_jvp
def f(x, y):
  return x ** 2 * jnp.sin(y)

f.defjvps({x_rule}, {y_rule})
answer = f
"""

WRONG = {
    "06_defjvps_none": {
        # At (0, 1) the x tangent is 0 too: the hint must not blame the y rule.
        "x rule through ans / x": DEFJVPS.format(
            x_rule="lambda x_dot, ans, x, y: 2 * ans / x * x_dot", y_rule="None"),
        "y rule written out": DEFJVPS.format(
            x_rule="lambda x_dot, ans, x, y: 2 * x * jnp.sin(y) * x_dot",
            y_rule="lambda y_dot, ans, x, y: x ** 2 * jnp.cos(y) * y_dot"),
    },
    "06_vmap_calls": {
        "once per element": "answer = 3",
        "rule not needed": "answer = 0",
        "rule calls f": "answer = 2",
    },
}

EXPECTED = {
    ("06_defjvps_none", "x rule through ans / x"):
        r"the tangent along \(1, 0\) at \(0, 1\): expected 0, got nan\. Your result is not "
        r"finite \(nan or inf\) where the true one is",
    ("06_defjvps_none", "y rule written out"):
        r"the tangent along \(0, 1\) at \(2, 0\.5\): expected 0, got 3\.51033\. The exercise "
        r"asks for no derivative in y: pass None",
    ("06_vmap_calls", "once per element"):
        r"you predicted 3, which is not what JAX does\. vmap does not loop over the batch: it "
        r"runs your Python once, with a tracer that stands for all three values",
    ("06_vmap_calls", "rule not needed"):
        r"you predicted 0, .* grad differentiates f, so it needs f's rule, under vmap as well",
    ("06_vmap_calls", "rule calls f"):
        r"you predicted 2, .* The rule calls f for its primal output, but that runs f, not the "
        r"rule",
}


# Issue 20: JAX-internal errors (B19) and an affine tangent (B6) named as the mistake.
DEFJVPS_RULES = """
@custom_jvp
def f(x, y):
  return x ** 2 * jnp.sin(y)

f.defjvps({rules})
answer = f
"""
X_RULE = "lambda x_dot, ans, x, y: 2 * x * jnp.sin(y) * x_dot"

WRONG.setdefault("06_defjvps_none", {}).update({
    "one rule for two arguments (B19)": DEFJVPS_RULES.format(rules=X_RULE),
    "a rule returning None (B19)": DEFJVPS_RULES.format(
        rules=X_RULE + ", lambda y_dot, ans, x, y: None"),
    "an offset added (B6)": DEFJVPS_RULES.format(rules=X_RULE + " + 0.1, None"),
})
EXPECTED.update({
    ("06_defjvps_none", "one rule for two arguments (B19)"):
        r"failed: the number of rules \(or tangents\) does not match the number of f's "
        r"arguments .*defjvps takes one entry per argument of f, in order, with None",
    ("06_defjvps_none", "a rule returning None (B19)"):
        r"a rule returned None where JAX needs a tangent .* pass None itself to defjvps",
    ("06_defjvps_none", "an offset added (B6)"):
        r"a zero input tangent gave 0\.1 instead of 0: your tangent has a term that does not "
        r"depend on the input tangent",
})

CORRECT = {
    "06_defjvps_none": {
        "a zero rule for y": DEFJVPS_RULES.format(
            rules=X_RULE + ", lambda y_dot, ans, x, y: jnp.zeros_like(y_dot)"),
        "a full defjvp rule": """
@custom_jvp
def f(x, y):
  return x ** 2 * jnp.sin(y)

@f.defjvp
def f_jvp(primals, tangents):
  x, y = primals
  x_dot, _ = tangents
  return f(x, y), 2 * x * jnp.sin(y) * x_dot
answer = f
""",
    },
}

CORRECT["06_defjvps_none"].update({
    "0 * y_dot for y": DEFJVPS_RULES.format(rules=X_RULE + ", lambda y_dot, ans, x, y: 0 * y_dot"),
    "stop_gradient inside the x rule": DEFJVPS_RULES.format(
        rules="lambda x_dot, ans, x, y: lax.stop_gradient(2 * x * jnp.sin(y)) * x_dot, None"),
    "through ans, with a guarded division": DEFJVPS_RULES.format(
        rules="lambda x_dot, ans, x, y: jnp.where(x == 0., 0., 2 * ans / jnp.where(x == 0., "
              "1., x)) * x_dot, None"),
})
