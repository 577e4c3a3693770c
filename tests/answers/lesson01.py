"""Pinned wrong answers for lesson 1's newer exercises (see tests/answers/__init__.py)."""

import course

NONLINEAR, PRODUCT = "01_nonlinear_tangent", "01_product_rule"


def product_rule(x_term: str) -> str:
    """The reference solution with its x_dot term replaced."""
    source = course.solution_source(PRODUCT)
    assert "(1 + x * y) * x_dot" in source
    return source.replace("(1 + x * y) * x_dot", f"(1 + x * y) * {x_term}")


WRONG = {
    PRODUCT: {
        # Right for the tangents 1, 2 and 0: only a negative one shows it is not linear.
        "abs of the tangent": product_rule("jnp.abs(x_dot)"),
        "clipped tangent": product_rule("jnp.maximum(x_dot, 0.)"),
        # Right for 1, 2, -1 and 0 too: JAX's own NotImplementedError, not the placeholder.
        "rounded tangent": product_rule("jnp.round(x_dot)"),
    },
    NONLINEAR: {
        "jvp": 'answer = "a"',
        "the other argument": 'answer = "(B)"',
        "none raises": 'answer = "d"',
        "an exception type": "answer = NotImplementedError",
    },
}

EXPECTED = {
    (NONLINEAR, "jvp"): r"you predicted a, which is not what JAX does\. jax\.jvp calls the rule "
                        r"as written, and x_dot \*\* 2 is just a number",
    (NONLINEAR, "the other argument"): r"you predicted b, .* With argnums=1 x is held constant: "
                                       r"the rule is called with an x_dot of plain zeros",
    (NONLINEAR, "none raises"): r"answer with the letter of one choice, \"a\", \"b\" or \"c\"; "
                                r"got 'd'\.",
    (PRODUCT, "abs of the tangent"): r"not linear in the input tangent: at \(2, 0\.25\), "
                                     r"negating the input tangent gave 2\.473082 instead of "
                                     r"-2\.473082\. .*no abs\(t\)",
    (PRODUCT, "clipped tangent"): r"not linear in the input tangent: at \(2, 0\.25\), negating "
                                  r"the input tangent gave 0 instead of -2\.473082",
    (PRODUCT, "rounded tangent"): r"jax\.grad of your function raised NotImplementedError: "
                                  r"Transpose rule \(for reverse-mode differentiation\) for "
                                  r"'round' not implemented\. JAX could not run your rule "
                                  r"backwards for grad: the tangent must be linear in x_dot",
    (NONLINEAR, "an exception type"): r"expected a prediction of the form a choice, such as "
                                      r"\"b\", got type",
}


# Issue 20: wrong work that passed (A1), raw internal errors (A13), and unusual correct answers.
PRODUCT_RULE_WITH = """
@custom_jvp
def g(x, y):
  return x * jnp.exp(x * y)

@g.defjvp
def g_jvp(primals, tangents):
  x, y = primals
  x_dot, y_dot = tangents
  e = jnp.exp(x * y)
  return {result}
answer = g
"""

WRONG.setdefault(PRODUCT, {}).update({
    "wrong primal output (A1)": PRODUCT_RULE_WITH.format(
        result="e, e * ((1 + x * y) * x_dot + x ** 2 * y_dot)"),
    "second-order cross term (A13)": PRODUCT_RULE_WITH.format(
        result="g(x, y), e * ((1 + x * y) * x_dot + x ** 2 * y_dot) + e * x_dot * y_dot"),
    "constant added (affine)": PRODUCT_RULE_WITH.format(
        result="g(x, y), e * ((1 + x * y) * x_dot + x ** 2 * y_dot) + 1."),
})

EXPECTED.update({
    (PRODUCT, "wrong primal output (A1)"):
        r"the primal output your rule returns at \(2, 0\.25\): expected 3\.297442, got "
        r"1\.648721\. The first thing a JVP rule returns is f\(primals\), the primal output",
    (PRODUCT, "second-order cross term (A13)"):
        r"your tangent is not linear in the input tangents taken together: at \(2, 0\.25\), "
        r"with all of them nonzero at once, \(1, 2\), your rule gave 18\.96029, but the sum of "
        r"what it gives for each input's tangent alone is 15\.66285\.",
    (PRODUCT, "constant added (affine)"):
        r"at \(2, 0\.25\), a zero input tangent gave 1 instead of 0: your tangent has a term "
        r"that does not depend on the input tangent .* make grad silently disagree with jvp",
})

CORRECT = {
    PRODUCT: {
        "jax.jvp of the plain function inside the rule": """
@custom_jvp
def g(x, y):
  return x * jnp.exp(x * y)

@g.defjvp
def g_jvp(primals, tangents):
  return jax.jvp(lambda x, y: x * jnp.exp(x * y), primals, tangents)
answer = g
""",
        "defjvps, one rule per argument": """
@custom_jvp
def g(x, y):
  return x * jnp.exp(x * y)

g.defjvps(lambda x_dot, ans, x, y: (1 + x * y) * jnp.exp(x * y) * x_dot,
          lambda y_dot, ans, x, y: x * ans * y_dot)
answer = g
""",
    },
}

CORRECT[PRODUCT].update({
    "reuses the primal output": """
@custom_jvp
def g(x, y):
  return x * jnp.exp(x * y)

@g.defjvp
def g_jvp(primals, tangents):
  x, y = primals
  x_dot, y_dot = tangents
  out = g(x, y)
  return out, (jnp.exp(x * y) + y * out) * x_dot + x * out * y_dot
answer = g
""",
    "expanded form": PRODUCT_RULE_WITH.format(
        result="g(x, y), e * x_dot + x * y * e * x_dot + x * x * e * y_dot"),
})


# The first wrong answers of these exercises, pinned when the exercises were written.
WRONG.setdefault("01_product_rule", {}).update({
        "missing term": """
@custom_jvp
def g(x, y):
  return x * jnp.exp(x * y)

@g.defjvp
def g_jvp(primals, tangents):
  x, y = primals
  x_dot, y_dot = tangents
  e = jnp.exp(x * y)
  return g(x, y), e * x_dot + x ** 2 * e * y_dot
answer = g
""",
        "first factor missed": """
@custom_jvp
def g(x, y):
  return x * jnp.exp(x * y)

@g.defjvp
def g_jvp(primals, tangents):
  x, y = primals
  x_dot, y_dot = tangents
  e = jnp.exp(x * y)
  return g(x, y), x * y * e * x_dot + x ** 2 * e * y_dot
answer = g
""",
        "chain rule in y": """
@custom_jvp
def g(x, y):
  return x * jnp.exp(x * y)

@g.defjvp
def g_jvp(primals, tangents):
  x, y = primals
  x_dot, y_dot = tangents
  e = jnp.exp(x * y)
  return g(x, y), e * (1 + x * y) * x_dot + x * e * y_dot
answer = g
""",
        "wrong sign": """
@custom_jvp
def g(x, y):
  return x * jnp.exp(x * y)

@g.defjvp
def g_jvp(primals, tangents):
  x, y = primals
  x_dot, y_dot = tangents
  e = jnp.exp(x * y)
  return g(x, y), -e * ((1 + x * y) * x_dot + x ** 2 * y_dot)
answer = g
""",
        "not linear": """
@custom_jvp
def g(x, y):
  return x * jnp.exp(x * y)

@g.defjvp
def g_jvp(primals, tangents):
  x, y = primals
  x_dot, y_dot = tangents
  e = jnp.exp(x * y)
  return g(x, y), e * ((1 + x * y) * x_dot ** 2 + x ** 2 * y_dot)
answer = g
""",
        "forgot defjvp": """
@custom_jvp
def g(x, y):
  return x * jnp.exp(x * y)

def g_jvp(primals, tangents):
  x, y = primals
  x_dot, y_dot = tangents
  e = jnp.exp(x * y)
  return g(x, y), e * ((1 + x * y) * x_dot + x ** 2 * y_dot)
answer = g
""",
        "not decorated": """
def g(x, y):
  return x * jnp.exp(x * y)
answer = g
""",
        "returns only the tangent": """
@custom_jvp
def g(x, y):
  return x * jnp.exp(x * y)

@g.defjvp
def g_jvp(primals, tangents):
  x, y = primals
  x_dot, y_dot = tangents
  e = jnp.exp(x * y)
  return e * ((1 + x * y) * x_dot + x ** 2 * y_dot)
answer = g
""",
    })
