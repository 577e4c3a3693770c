"""Pinned wrong answers for lesson 3's newer exercises (see tests/answers/__init__.py)."""

UNSIMPLIFIED = "03_unsimplified"

WRONG = {
    UNSIMPLIFIED: {
        "the limit": "answer = 1",
        "infinite": 'answer = "inf"',
        "zero": "answer = 0",
        "an exception": "answer = ZeroDivisionError",
    },
}

EXPECTED = {
    (UNSIMPLIFIED, "the limit"): r"you predicted 1\.0, .* a rule is code, evaluated at x = 0 "
                                 r"itself: there x / \(2 \* sqrt\(x\)\) is 0 / 0",
    (UNSIMPLIFIED, "infinite"): r"you predicted inf, .* multiplied by x, which is 0 there",
    (UNSIMPLIFIED, "zero"): r"you predicted 0\.0, .* divided by another 0",
    (UNSIMPLIFIED, "an exception"): r"expected a prediction of the form a number, such as 3 or "
                                    r"\"3\", got type",
}
