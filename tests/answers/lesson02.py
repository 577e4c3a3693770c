"""Pinned wrong answers for lesson 2's newer exercises (see tests/answers/__init__.py)."""

CHAIN, SIGMOID = "02_outer_chain", "02_log_sigmoid"

PRIMAL = """
@custom_jvp
def log_sigmoid(x):
  return -jnp.log(1. + jnp.exp(-x))

@log_sigmoid.defjvp
def log_sigmoid_jvp(primals, tangents):
  x, = primals
  x_dot, = tangents
  return log_sigmoid(x), {tangent}

answer = log_sigmoid
"""

WRONG = {
    CHAIN: {
        "nan": 'answer = "nan"',
        "factors": "answer = 2",
        "zero": "answer = 0.",
        "a choice": 'answer = "b"',
    },
    SIGMOID: {
        "still cancels": PRIMAL.format(tangent="(1. - 1. / (1. + jnp.exp(-x))) * x_dot"),
        "overflowing ratio": PRIMAL.format(
            tangent="jnp.exp(-x) / (1. + jnp.exp(-x)) * x_dot"),
        "mirror image": PRIMAL.format(tangent="jax.nn.sigmoid(x) * x_dot"),
        "tangent dropped": PRIMAL.format(tangent="jax.nn.sigmoid(-x)"),
        "floored": PRIMAL.format(
            tangent="jnp.maximum(1. - jax.nn.sigmoid(x), 1e-8) * x_dot"),
    },
}

EXPECTED = {
    (CHAIN, "nan"): r"you predicted nan, .* overflow e\^x, but only inside log1pexp, whose "
                    r"derivative is now the rule",
    (CHAIN, "factors"): r"you predicted 2\.0, .* The chain rule multiplies every factor",
    (CHAIN, "zero"): r"you predicted 0\.0, .* The rule at 120 is 1 - 1/\(1 \+ inf\) = 1 - 0 = 1",
    (CHAIN, "a choice"): r"expected a prediction of the form a number, such as 3 or \"3\", got "
                         r"str 'b'",
    (SIGMOID, "still cancels"): r"the derivative at x=17 is 4\.139938e-08 .*and your rule gives "
                                r"0, .* subtracts two numbers nearly equal at large x",
    (SIGMOID, "floored"): r"the derivative at x=17 is 4\.139938e-08 .*your rule gives 1e-08, "
                          r".* That is off by 76% of the true value\.",
    (SIGMOID, "overflowing ratio"): r"at x=-100: expected 1, got nan\. At very negative x, "
                                    r"e\^\(-x\) overflows float32",
    (SIGMOID, "mirror image"): r"at x=0\.5: expected 0\.3775407, got 0\.622459\d\. That is "
                               r"sigma\(x\), the derivative of log\(1 \+ e\^x\)\. .*mirrored",
    (SIGMOID, "tangent dropped"): r"not linear in the input tangent: at x=0\.5, a zero input "
                                   r"tangent gave 0\.3775407 instead of 0",
}


# Issue 20: a wrong primal output passed (A1); unusual correct answers still pass.
LOGCOSH_WITH = """
@custom_jvp
def logcosh(x):
  return jnp.log(jnp.cosh(x))

@logcosh.defjvp
def logcosh_jvp(primals, tangents):
  x, = primals
  x_dot, = tangents
  return {result}
answer = logcosh
"""

WRONG.setdefault("02_logcosh", {}).update({
    "the input as primal output (A1)": LOGCOSH_WITH.format(result="x, jnp.tanh(x) * x_dot"),
})
WRONG.setdefault(SIGMOID, {}).update({
    "the input as primal output (A1)": PRIMAL.format(tangent="jax.nn.sigmoid(-x) * x_dot")
    .replace("return log_sigmoid(x),", "return x,"),
})
EXPECTED.update({
    ("02_logcosh", "the input as primal output (A1)"):
        r"the primal output your rule returns at x=0\.5: expected 0\.1201145, got 0\.5\. The "
        r"first thing a JVP rule returns is f\(primals\)",
    (SIGMOID, "the input as primal output (A1)"):
        r"the primal output your rule returns at x=0\.5: expected -0\.474077, got 0\.5\.",
})

CORRECT = {
    "02_logcosh": {
        "1 - 2/(1 + e^(2x)), whose e^(2x) overflows harmlessly": LOGCOSH_WITH.format(
            result="logcosh(x), (1 - 2 / (1 + jnp.exp(2 * x))) * x_dot"),
        "2 sigmoid(2x) - 1": LOGCOSH_WITH.format(
            result="logcosh(x), (2 * jax.nn.sigmoid(2 * x) - 1) * x_dot"),
    },
    SIGMOID: {
        "exp(-softplus(x))": PRIMAL.format(tangent="jnp.exp(-jax.nn.softplus(x)) * x_dot"),
        "where(x > 15, exp(-x), sigmoid(-x))": PRIMAL.format(
            tangent="jnp.where(x > 15., jnp.exp(-x), jax.nn.sigmoid(-x)) * x_dot"),
    },
}

# Raw internal errors become a sentence (A13, B26): tangents that pass the numeric linearity
# probes but that JAX cannot transpose.
WRONG["02_logcosh"].update({
    "sign times abs of the tangent (B26)": LOGCOSH_WITH.format(
        result="logcosh(x), jnp.tanh(x) * jnp.sign(x_dot) * jnp.abs(x_dot)"),
    "where on the tangent's own value (A13)": LOGCOSH_WITH.format(
        result="logcosh(x), jnp.tanh(x) * jnp.where(x_dot != 0, x_dot, 0.)"),
})
EXPECTED.update({
    ("02_logcosh", "sign times abs of the tangent (B26)"):
        r"jax\.grad of your function failed: JAX's transposition failed on your rule's "
        r"tangent \(an internal AssertionError\): the tangent is not linear in the input "
        r"tangents, .*\(AssertionError: \(ValAccum",
    ("02_logcosh", "where on the tangent's own value (A13)"):
        r"jax\.grad of your function failed: JAX's transposition failed on your rule's "
        r"tangent \(an internal AssertionError\): .* chooses by the tangent's own value\. "
        r"\(AssertionError: AssertionError\(\)\)",
})

CORRECT["02_logcosh"].update({
    "sign(x) (1 - e^(-2|x|)) / (1 + e^(-2|x|))": LOGCOSH_WITH.format(
        result="logcosh(x), jnp.sign(x) * (1 - jnp.exp(-2 * jnp.abs(x))) / "
               "(1 + jnp.exp(-2 * jnp.abs(x))) * x_dot"),
    "an expm1 form": LOGCOSH_WITH.format(
        result="logcosh(x), jnp.sign(x) * -jnp.expm1(-2 * jnp.abs(x)) / "
               "(1 + jnp.exp(-2 * jnp.abs(x))) * x_dot"),
    "sinh / cosh of a clipped x": LOGCOSH_WITH.format(
        result="logcosh(x), jnp.sinh(jnp.clip(x, -20., 20.)) / jnp.cosh(jnp.clip(x, -20., 20.))"
               " * x_dot"),
})
CORRECT[SIGMOID].update({
    "1 / (1 + e^x)": PRIMAL.format(tangent="1. / (1. + jnp.exp(x)) * x_dot"),
    "exp(log_sigmoid(-x))": PRIMAL.format(tangent="jnp.exp(jax.nn.log_sigmoid(-x)) * x_dot"),
})


# The first wrong answers of these exercises, pinned when the exercises were written.
WRONG.setdefault("02_logcosh", {}).update({
        "unstable form": """
@custom_jvp
def logcosh(x):
  return jnp.log(jnp.cosh(x))

@logcosh.defjvp
def logcosh_jvp(primals, tangents):
  x, = primals
  x_dot, = tangents
  return logcosh(x), jnp.sinh(x) / jnp.cosh(x) * x_dot
answer = logcosh
""",
        "wrong sign": """
@custom_jvp
def logcosh(x):
  return jnp.log(jnp.cosh(x))

@logcosh.defjvp
def logcosh_jvp(primals, tangents):
  x, = primals
  x_dot, = tangents
  return logcosh(x), -jnp.tanh(x) * x_dot
answer = logcosh
""",
        "autodiff's form": """
@custom_jvp
def logcosh(x):
  return jnp.log(jnp.cosh(x))

@logcosh.defjvp
def logcosh_jvp(primals, tangents):
  x, = primals
  x_dot, = tangents
  return logcosh(x), (1 / jnp.cosh(x)) * jnp.sinh(x) * x_dot
answer = logcosh
""",
        "tangent not used": """
@custom_jvp
def logcosh(x):
  return jnp.log(jnp.cosh(x))

@logcosh.defjvp
def logcosh_jvp(primals, tangents):
  x, = primals
  x_dot, = tangents
  return logcosh(x), jnp.tanh(x)
answer = logcosh
""",
    })
