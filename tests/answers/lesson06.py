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
