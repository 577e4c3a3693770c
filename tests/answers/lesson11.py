"""Pinned wrong answers for lesson 11's newer exercises (see tests/answers/__init__.py)."""

RAISES = "11_which_raises"
EXPONENT = "11_float_exponent"

WRONG = {
    RAISES: {
        "hessian": 'answer = "a"',
        "grad of grad": 'answer = "c"',
        "the call itself": 'answer = "jacrev(jacfwd(f))"',
    },
    EXPONENT: {
        "the true derivative": "answer = 5.545",
        "refused like an integer": "answer = TypeError",
        "with respect to x": 'answer = "12"',
    },
}

EXPECTED = {
    (RAISES, "hessian"): r"you predicted a, .* jax\.hessian is jacfwd\(jacrev\(f\)\): forward "
                         r"mode runs over the code of f_fwd and f_bwd",
    (RAISES, "grad of grad"): r"you predicted c, .* reverse over reverse",
    (RAISES, "the call itself"): r"answer with the letter of one choice, \"a\", \"b\" or "
                                 r"\"c\"; got 'jacrev\(jacfwd\(f\)\)'\.",
    (EXPONENT, "the true derivative"): r"you predicted 5\.545, the true derivative of x\*\*n with "
                                       r"respect to n.* this rule never reads n_dot",
    (EXPONENT, "refused like an integer"): r"you predicted TypeError, but grad\(power, 1\)\(2\., "
                                           r"3\.\) returns a number\. n is 3\., a float",
    (EXPONENT, "with respect to x"): r"you predicted 12\.0, .* the derivative with respect to x "
                                     r"\(argument 0\)",
}
