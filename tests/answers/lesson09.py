"""Pinned wrong answers for lesson 9's newer exercises (see tests/answers/__init__.py)."""

RAISES = "09_which_raises"
AMP = "09_amplitude"

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
        "amp's tangent unused": WAVE.format(
            signature="primals, tangents", unpack="amp, x = primals\n  amp_dot, x_dot = tangents",
            tangent="amp * jnp.cos(x) * x_dot"),
        "cos for amp's term": WAVE.format(
            signature="primals, tangents", unpack="amp, x = primals\n  amp_dot, x_dot = tangents",
            tangent="jnp.cos(x) * amp_dot + amp * jnp.cos(x) * x_dot"),
    },
}

EXPECTED = {
    (RAISES, "the concrete array"): r"you predicted a, which is not what JAX does\. s is a jnp "
                                    r"array here, but a concrete one",
    (RAISES, "vmap over x"): r"you predicted b, .* vmap maps over x only, an ordinary argument",
    (RAISES, "not a letter"): r"answer with the letter of one choice, \"a\", \"b\" or \"c\"; got "
                              r"'jax.jit\(scale\)'\.",
    (AMP, "only a comment changed"): r"your rule still takes amp before primals and tangents, "
                                     r"the signature of a rule for amp in nondiff_argnums\. .*"
                                     r"grad with respect to amp is 0",
    (AMP, "rule left behind"): r"your rule still takes amp before primals and tangents",
    (AMP, "amp's tangent unused"): r"along amp alone, the tangent at \(amp, x\) = \(2, 0\.5\) is "
                                   r"0, but the output moves with amp \(by sin\(x\) = "
                                   r"0\.4794255 per unit\)",
    (AMP, "cos for amp's term"): r"the tangent along \(1, 0\) at \(2, 0\.5\): expected "
                                 r"0\.4794255, got 0\.8775826\.",
}
