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


# Issue 20: a wrong second derivative (A3) and a wrong primal output (A1) passed; the nan hint
# named a jnp.where the learner did not write (A15); "nothing else is 0" (A11).
SINC_WITH = """
@custom_jvp
def sinc(x):
  return jnp.where(x == 0., 1., jnp.sin(x) / jnp.where(x == 0., 1., x))

@sinc.defjvp
def sinc_jvp(primals, tangents):
  x, = primals
  x_dot, = tangents
  safe_x = jnp.where(x == 0., 1., x)
  slope = (safe_x * jnp.cos(safe_x) - jnp.sin(safe_x)) / safe_x ** 2
  return {result}
answer = sinc
"""

WRONG["03_sinc"] = {
    "the input as primal output (A1)": SINC_WITH.format(
        result="x, jnp.where(x == 0., 0., slope) * x_dot"),
    "1 at 0, the function's value": SINC_WITH.format(
        result="sinc(x), jnp.where(x == 0., 1., slope) * x_dot"),
}
EXPECTED.update({
    ("03_sinc", "the input as primal output (A1)"):
        r"the primal output your rule returns at x=0: expected 1, got 0\. The first thing a "
        r"JVP rule returns is f\(primals\)",
    ("03_sinc", "1 at 0, the function's value"):
        r"the tangent along \(1,\) at x=0: expected 0, got 1\.",
    (UNSIMPLIFIED, "zero"): r"you predicted 0\.0, .* At x = 0 the term x / \(2 \* sqrt\(x\)\) "
                            r"is 0 / 0 = nan, and a nan spreads through the rest",
})

CORRECT = {
    "03_sinc": {
        "a Taylor branch near 0 (true sinc''(0) = -1/3)": """
@custom_jvp
def sinc(x):
  return jnp.where(x == 0., 1., jnp.sin(x) / jnp.where(x == 0., 1., x))

@sinc.defjvp
def sinc_jvp(primals, tangents):
  x, = primals
  x_dot, = tangents
  small = jnp.abs(x) < 1e-3
  safe_x = jnp.where(small, 1., x)
  formula = (safe_x * jnp.cos(safe_x) - jnp.sin(safe_x)) / safe_x ** 2
  return sinc(x), jnp.where(small, -x / 3, formula) * x_dot
answer = sinc
""",
        "(cos x - sinc x) / x with a safe x": SINC_WITH.format(
            result="sinc(x), jnp.where(x == 0., 0., (jnp.cos(safe_x) - sinc(safe_x)) / safe_x)"
                   " * x_dot"),
    },
}

CORRECT["03_sinc"].update({
    "lax.cond at 0": SINC_WITH.format(
        result="sinc(x), lax.cond(x == 0., lambda: 0., lambda: slope) * x_dot"),
    "|x| < 1e-20 guards": SINC_WITH.replace("x == 0.", "jnp.abs(x) < 1e-20").format(
        result="sinc(x), jnp.where(jnp.abs(x) < 1e-20, 0., slope) * x_dot"),
})

# Issue 21, A5: 03_sinc is first order now (grad(grad) of a rule is lesson 6's, the double
# where lesson 11's). Answers that differ from the reference only at second order are right.
CORRECT["03_sinc"].update({
    "a single where (its second derivative at 0 is nan, shown after the solution)": """
@custom_jvp
def sinc(x):
  return jnp.where(x == 0., 1., jnp.sin(x) / jnp.where(x == 0., 1., x))

@sinc.defjvp
def sinc_jvp(primals, tangents):
  x, = primals
  x_dot, = tangents
  slope = (x * jnp.cos(x) - jnp.sin(x)) / x ** 2
  return sinc(x), jnp.where(x == 0., 0., slope) * x_dot
answer = sinc
""",
    "stop_gradient on the slope": SINC_WITH.format(
        result="sinc(x), lax.stop_gradient(jnp.where(x == 0., 0., slope)) * x_dot"),
    "nan_to_num of the removable 0/0": SINC_WITH.format(
        result="sinc(x), jnp.nan_to_num((x * jnp.cos(x) - jnp.sin(x)) / x ** 2) * x_dot"),
})


# The first wrong answers of these exercises, pinned when the exercises were written.
WRONG.setdefault("03_sinc", {}).update({
        "divides by zero": """
@custom_jvp
def sinc(x):
  return jnp.where(x == 0., 1., jnp.sin(x) / jnp.where(x == 0., 1., x))

@sinc.defjvp
def sinc_jvp(primals, tangents):
  x, = primals
  x_dot, = tangents
  return sinc(x), (x * jnp.cos(x) - jnp.sin(x)) / x ** 2 * x_dot
answer = sinc
""",
        "wrong sign": """
@custom_jvp
def sinc(x):
  return jnp.where(x == 0., 1., jnp.sin(x) / jnp.where(x == 0., 1., x))

@sinc.defjvp
def sinc_jvp(primals, tangents):
  x, = primals
  x_dot, = tangents
  safe_x = jnp.where(x == 0., 1., x)
  slope = (jnp.sin(safe_x) - safe_x * jnp.cos(safe_x)) / safe_x ** 2
  return sinc(x), jnp.where(x == 0., 0., slope) * x_dot
answer = sinc
""",
        "missing term": """
@custom_jvp
def sinc(x):
  return jnp.where(x == 0., 1., jnp.sin(x) / jnp.where(x == 0., 1., x))

@sinc.defjvp
def sinc_jvp(primals, tangents):
  x, = primals
  x_dot, = tangents
  safe_x = jnp.where(x == 0., 1., x)
  return sinc(x), jnp.where(x == 0., 0., jnp.cos(safe_x) / safe_x) * x_dot
answer = sinc
""",
    })
