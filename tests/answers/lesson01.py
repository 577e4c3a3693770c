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
