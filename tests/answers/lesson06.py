"""Pinned wrong answers for lesson 6's new exercises (see tests/answers/__init__.py)."""

# 06_defjvps_none (issue 21, B10): f(x, t, y) = y * exp(x / t), t held fixed.
DEFJVPS = """
@custom_jvp
def f(x, t, y):
  return y * jnp.exp(x / t)

f.defjvps({rules})
answer = f
"""
X_RULE = "lambda x_dot, ans, x, t, y: ans / t * x_dot"
Y_RULE = "lambda y_dot, ans, x, t, y: jnp.exp(x / t) * y_dot"
T_RULE = "lambda t_dot, ans, x, t, y: -ans * x / t ** 2 * t_dot"


def rules(*entries):
    return DEFJVPS.format(rules=", ".join(entries))


WRONG = {
    "06_defjvps_none": {
        # the lesson's two-argument cell copied: None last, so y's rule sits in t's place
        "None last, as in the lesson's cell": rules(X_RULE, Y_RULE, "None"),
        "t's true rule written out": rules(X_RULE, T_RULE, Y_RULE),
        "y's rule through ans / y": rules(
            X_RULE, "None", "lambda y_dot, ans, x, t, y: ans / y * y_dot"),
        "x's rule without the 1 / t": rules(
            "lambda x_dot, ans, x, t, y: ans * x_dot", "None", Y_RULE),
        "two entries for three arguments": rules(X_RULE, Y_RULE),
        "a rule returning None": rules(X_RULE, "lambda t_dot, ans, x, t, y: None", Y_RULE),
        "an offset added": rules(X_RULE + " + 0.1", "None", Y_RULE),
        "defjvps never called": DEFJVPS.replace("f.defjvps({rules})\n", ""),
    },
    "06_vmap_calls": {
        "once per element": "answer = 3",
        "rule not needed": "answer = 0",
        "rule calls f": "answer = 2",
    },
}

EXPECTED = {
    ("06_defjvps_none", "None last, as in the lesson's cell"):
        r"the tangent along \(0, 1, 0\) at \(1, 2, 3\): expected 0, got 1\.648721\. t is held "
        r"fixed, so no tangent may flow from t: the entries of defjvps follow f's arguments in "
        r"order \(x, t, y\).* \(See lesson 06_custom_jvp_in_depth, 'Several arguments'\.\)",
    ("06_defjvps_none", "t's true rule written out"):
        r"the tangent along \(0, 1, 0\) at \(1, 2, 3\): expected 0, got -1\.236541\. t is held "
        r"fixed",
    ("06_defjvps_none", "y's rule through ans / y"):
        r"the tangent along \(1, 0, 0\) at \(-2, 0\.5, 0\): expected 0, got nan\. Your tangent "
        r"is not finite here, where the true one is\. Where y = 0, a rule that gets exp\(x / t\) "
        r"back from the primal output divides 0 by 0",
    ("06_defjvps_none", "x's rule without the 1 / t"):
        r"the tangent along \(1, 0, 0\) at \(1, 2, 3\): expected 2\.473082, got 4\.946164\.",
    ("06_defjvps_none", "two entries for three arguments"):
        r"the number of rules \(or tangents\) does not match the number of f's arguments .*"
        r"defjvps takes one entry per argument of f, in order, with None",
    ("06_defjvps_none", "a rule returning None"):
        r"a rule returned None where JAX needs a tangent .* pass None itself to defjvps",
    ("06_defjvps_none", "an offset added"):
        r"a zero input tangent gave 0\.1 instead of 0: your tangent has a term that does not "
        r"depend on the input tangent",
    ("06_defjvps_none", "defjvps never called"): r"has no rule yet",
    ("06_vmap_calls", "once per element"):
        r"you predicted 3, which is not what JAX does\. vmap does not loop over the batch: it "
        r"runs your Python once, with a tracer that stands for all three values",
    ("06_vmap_calls", "rule not needed"):
        r"you predicted 0, .* grad differentiates f, so it needs f's rule, under vmap as well",
    ("06_vmap_calls", "rule calls f"):
        r"you predicted 2, .* The rule calls f for its primal output, but that runs f, not the "
        r"rule",
}

CORRECT = {
    "06_defjvps_none": {
        "a zero rule for t": rules(
            X_RULE, "lambda t_dot, ans, x, t, y: jnp.zeros_like(t_dot)", Y_RULE),
        "0 * t_dot for t": rules(X_RULE, "lambda t_dot, ans, x, t, y: 0 * t_dot", Y_RULE),
        "x's rule without ans": rules(
            "lambda x_dot, ans, x, t, y: y * jnp.exp(x / t) / t * x_dot", "None", Y_RULE),
        "y's rule through ans, with a guarded division": rules(
            X_RULE, "None", "lambda y_dot, ans, x, t, y: jnp.where(y == 0., jnp.exp(x / t), "
            "ans / jnp.where(y == 0., 1., y)) * y_dot"),
        "a full defjvp rule": """
@custom_jvp
def f(x, t, y):
  return y * jnp.exp(x / t)

@f.defjvp
def f_jvp(primals, tangents):
  x, t, y = primals
  x_dot, _, y_dot = tangents
  e = jnp.exp(x / t)
  return f(x, t, y), y * e / t * x_dot + e * y_dot
answer = f
""",
    },
}
