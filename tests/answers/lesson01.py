"""Pinned wrong answers for lesson 1's newer exercises (see tests/answers/__init__.py)."""

NONLINEAR = "01_nonlinear_tangent"

WRONG = {
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
    (NONLINEAR, "none raises"): r"you predicted d, which is not what JAX does\. Expand the solution cell",
    (NONLINEAR, "an exception type"): r"expected a prediction of the form a choice, such as "
                                      r"\"b\", got type",
}
