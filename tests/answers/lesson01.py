"""Pinned wrong answers for lesson 1's newer exercises (see tests/answers/__init__.py)."""

NONLINEAR = "01_nonlinear_tangent"

WRONG = {
    NONLINEAR: {
        "the plain call": 'answer = "a"',
        "jvp": 'answer = "(b)"',
        "none raises": 'answer = "d"',
        "an exception type": "answer = NotImplementedError",
    },
}

EXPECTED = {
    (NONLINEAR, "the plain call"): r"you predicted a, which is not what JAX does\. Calling f_sq "
                                   r"evaluates the primal function only",
    (NONLINEAR, "jvp"): r"you predicted b, .* jax\.jvp calls the rule as written, and x_dot \*\* "
                        r"2 is just a number",
    (NONLINEAR, "none raises"): r"you predicted d, which is not what JAX does\. Run the code",
    (NONLINEAR, "an exception type"): r"expected a prediction of the form a choice, such as "
                                      r"\"b\", got type",
}
