"""Pinned wrong answers for lesson 9's newer exercises (see tests/answers/__init__.py)."""

TWICE = "09_apply_twice"
RAISES = "09_which_raises"
AMP = "09_amplitude"

TWICE_RULE = '''
def apply_twice_jvp(f, primals, tangents):
  x, = primals
  x_dot, = tangents
  {body}

answer = apply_twice_jvp
'''

WAVE_NONDIFF = '''
@partial(custom_jvp, nondiff_argnums=(0,))
def wave(amp, x):
  return amp * jnp.sin(x)

@wave.defjvp
def wave_jvp(amp, primals, tangents):  # amp is not an array, is it?
  x, = primals
  x_dot, = tangents
  return wave(amp, x), amp * jnp.cos(x) * x_dot

answer = wave
'''

WAVE = '''
@custom_jvp
def wave(amp, x):
  return amp * jnp.sin(x)

@wave.defjvp
def wave_jvp({signature}):
  {unpack}
  return wave(amp, x), {tangent}

answer = wave
'''

WRONG = {
    TWICE: {
        "sin written in": TWICE_RULE.format(
            body="return f(f(x)), jnp.cos(jnp.sin(x)) * jnp.cos(x) * x_dot"),
        "second step at x": TWICE_RULE.format(
            body="y, y_dot = jax.jvp(f, (x,), (x_dot,))\n"
                 "  return f(y), jax.jvp(f, (x,), (y_dot,))[1]"),
    },
    RAISES: {
        "the concrete array": 'answer = "a"',
        "vmap over x": 'answer = "(B)"',
        "not a letter": 'answer = "jax.jit(scale)"',
    },
    AMP: {
        "only a comment changed": WAVE_NONDIFF,
        "rule left behind": WAVE.format(
            signature="amp, primals, tangents", unpack="x, = primals\n  x_dot, = tangents",
            tangent="amp * jnp.cos(x) * x_dot"),
        "x moved in instead": WAVE.replace("@custom_jvp", "@partial(custom_jvp, "
                                           "nondiff_argnums=(1,))").format(
            signature="x, primals, tangents", unpack="amp, = primals\n  amp_dot, = tangents",
            tangent="jnp.sin(x) * amp_dot"),
        "amp's tangent unused": WAVE.format(
            signature="primals, tangents", unpack="amp, x = primals\n  amp_dot, x_dot = tangents",
            tangent="amp * jnp.cos(x) * x_dot"),
        "cos for amp's term": WAVE.format(
            signature="primals, tangents", unpack="amp, x = primals\n  amp_dot, x_dot = tangents",
            tangent="jnp.cos(x) * amp_dot + amp * jnp.cos(x) * x_dot"),
    },
}

EXPECTED = {
    (TWICE, "sin written in"): r"the tangent along \(1,\) at f=tanh, x=0\.5: expected "
                               r"0\.6398\d*, got 0\.7786\d*\.",
    (TWICE, "second step at x"): r"at f=sin, x=0\.5: expected 0\.7786439, got 0\.7701511\. "
                                 r"The tangent of f\(f\(x\)\) is f'\(y\) \* f'\(x\) \* x_dot: "
                                 r"the second step's tangent is evaluated at y = f\(x\), not at x",
    (RAISES, "the concrete array"): r"you predicted a, which is not what JAX does\. s is a jnp "
                                    r"array here, but a concrete one",
    (RAISES, "vmap over x"): r"you predicted b, .* vmap maps over x only, an ordinary argument",
    (RAISES, "not a letter"): r"answer with the letter of one choice, \"a\", \"b\" or \"c\"; got "
                              r"'jax.jit\(scale\)'\.",
    (AMP, "only a comment changed"): r"your rule still takes amp before primals and tangents, "
                                     r"the signature of a rule for amp in nondiff_argnums\. .*"
                                     r"grad with respect to amp is 0",
    (AMP, "x moved in instead"): r"your wave is declared with nondiff_argnums=\(1,\), so "
                                 r"custom_jvp treats x as a constant: grad with respect to it "
                                 r"is 0, with no error and no warning\. Neither amp nor x",
    (AMP, "rule left behind"): r"your wave declares no nondiff_argnums now, so JAX calls its "
                               r"rule as wave_jvp\(primals, tangents\)",  # C25
    (AMP, "amp's tangent unused"): r"along amp alone, the tangent at \(amp, x\) = \(2, 0\.5\) is "
                                   r"0, but the output moves with amp \(by sin\(x\) = "
                                   r"0\.4794255 per unit\)",
    (AMP, "cos for amp's term"): r"the tangent along \(1, 0\) at \(2, 0\.5\): expected "
                                 r"0\.4794255, got 0\.8775826\.",
}


# Issue 20: a bare RecursionError (C24) and a cause that was not the cause (C25).
WRONG["09_apply_twice"] = WRONG.get("09_apply_twice", {})
WRONG.setdefault("09_apply_twice", {}).update({
    "differentiates apply_twice in its own rule (C24)": """
@partial(custom_jvp, nondiff_argnums=(0,))
def apply_twice(f, x):
  return f(f(x))

def apply_twice_jvp(f, primals, tangents):
  return jax.jvp(lambda x: apply_twice(f, x), primals, tangents)

apply_twice.defjvp(apply_twice_jvp)
answer = apply_twice_jvp
""",
})
WRONG.setdefault("09_amplitude", {}).update({
    "nondiff removed, rule left with amp first (C25)": """
@custom_jvp
def wave(amp, x):
  return amp * jnp.sin(x)

@wave.defjvp
def wave_jvp(amp, primals, tangents):
  x, = primals
  x_dot, = tangents
  return wave(amp, x), amp * jnp.cos(x) * x_dot
answer = wave
""",
})
EXPECTED.update({
    ("09_apply_twice", "differentiates apply_twice in its own rule (C24)"):
        r"your code calls itself without end \(RecursionError\): a rule that differentiates "
        r"the very function it is the rule of .* \(for apply_twice: jax\.jvp of f, twice\)",
    ("09_amplitude", "nondiff removed, rule left with amp first (C25)"):
        r"your wave declares no nondiff_argnums now, so JAX calls its rule as "
        r"wave_jvp\(primals, tangents\), with two arguments, but your rule still takes three",
})

CORRECT = {
    "09_apply_twice": {
        "jax.jvp of f(f(x)) at once": """
def apply_twice_jvp(f, primals, tangents):
  return jax.jvp(lambda x: f(f(x)), primals, tangents)
answer = apply_twice_jvp
""",
    },
    "09_amplitude": {
        "defjvps": """
@custom_jvp
def wave(amp, x):
  return amp * jnp.sin(x)

wave.defjvps(lambda amp_dot, ans, amp, x: jnp.sin(x) * amp_dot,
             lambda x_dot, ans, amp, x: amp * jnp.cos(x) * x_dot)
answer = wave
""",
    },
}

CORRECT["09_apply_twice"].update({
    "grad(f)(y) * grad(f)(x) * x_dot, as a list": """
def apply_twice_jvp(f, primals, tangents):
  x, = primals
  x_dot, = tangents
  y = f(x)
  return [f(y), jax.grad(f)(y) * jax.grad(f)(x) * x_dot]
answer = apply_twice_jvp
""",
})
CORRECT["09_amplitude"].update({
    "jax.jvp of the body": """
@custom_jvp
def wave(amp, x):
  return amp * jnp.sin(x)

@wave.defjvp
def wave_jvp(primals, tangents):
  return jax.jvp(lambda amp, x: amp * jnp.sin(x), primals, tangents)
answer = wave
""",
})


# The first wrong answers of these exercises, pinned when the exercises were written.
WRONG.setdefault("09_apply_twice", {}).update({
        "chain rule half done": """
def apply_twice_jvp(f, primals, tangents):
  x, = primals
  x_dot, = tangents
  y = f(x)
  z, z_dot = jax.jvp(f, (y,), (x_dot,))
  return z, z_dot
answer = apply_twice_jvp
""",
        "f in the wrong place": """
def apply_twice_jvp(primals, tangents, f):
  x, = primals
  x_dot, = tangents
  y, y_dot = jax.jvp(f, (x,), (x_dot,))
  return jax.jvp(f, (y,), (y_dot,))
answer = apply_twice_jvp
""",
        "no f": """
def apply_twice_jvp(primals, tangents):
  x, = primals
  x_dot, = tangents
  y, y_dot = jax.jvp(jnp.sin, (x,), (x_dot,))
  return jax.jvp(jnp.sin, (y,), (y_dot,))
answer = apply_twice_jvp
""",
        "only the tangent": """
def apply_twice_jvp(f, primals, tangents):
  x, = primals
  x_dot, = tangents
  y, y_dot = jax.jvp(f, (x,), (x_dot,))
  return jax.jvp(f, (y,), (y_dot,))[1]
answer = apply_twice_jvp
""",
    })
