"""Pinned wrong answers for lesson 11's newer exercises (see tests/answers/__init__.py)."""

RAISES = "11_which_raises"
EXPONENT = "11_float_exponent"
SQRT = "11_safe_sqrt"
BWD = "11_bwd_structure"

AFFINE_BWD = '''
def affine_fwd(params, x):
  return affine(params, x), (params, x)
def affine_bwd(res, g):
  params, x = res
  return {cotangents}
answer = (affine_fwd, affine_bwd)
'''

WRONG = {
    SQRT: {
        "clip at zero": "answer = lambda x: jnp.sqrt(jnp.clip(x, 0.))",
    },
    BWD: {
        "None for b": AFFINE_BWD.format(cotangents="({'w': g * x, 'b': None}, g * params['w'])"),
        "w's and x's swapped": AFFINE_BWD.format(
            cotangents="({'w': g * params['w'], 'b': g}, g * x)"),
    },
    RAISES: {
        "hessian": 'answer = "a"',
        "grad of grad": 'answer = "c"',
        "the call itself": 'answer = "jax.hessian(f_b)"',
        "none of them": 'answer = "none"',
    },
    EXPONENT: {
        "the true derivative": "answer = 5.545",
        "refused like an integer": "answer = TypeError",
        "with respect to x": 'answer = "12"',
    },
}

EXPECTED = {
    (SQRT, "clip at zero"): r"the gradient at x=0: expected \(0,\), got \(inf,\)\. sqrt's "
                              r"derivative at 0 is infinite, and here it reaches x\. Feed sqrt "
                              r"a safe value wherever x <= 0",
    (BWD, "None for b"): r"argument 0 .*: expected \{'b': 1, 'w': \[2, 1, -4\]\}, got \{'b': 0, "
                         r"'w': \[2, 1, -4\]\}\..* Your None for \['b'\] is read as a zero "
                         r"cotangent, as JAX reads it: allowed, but zero is not the value here\.",
    (BWD, "w's and x's swapped"): r"argument 0 .*: expected \{'b': 1, 'w': \[2, 1, -4\]\}, got "
                                  r"\{'b': 1, 'w': \[1, -2, 0\.5\]\}\.",
    (RAISES, "hessian"): r"you predicted a, .* jax\.hessian is jacfwd\(jacrev\(f\)\): forward "
                         r"mode runs over the code of f_fwd and f_bwd.* f_a's clip_gradient "
                         r"gets g alone, .* which does not depend on x",
    (RAISES, "grad of grad"): r"you predicted c, .* reverse over reverse",
    (RAISES, "the call itself"): r"answer with the letter of one choice, \"a\", \"b\" or "
                                 r"\"c\"; got 'jax\.hessian\(f_b\)'\.",
    (RAISES, "none of them"): r"answer with the letter of one choice, \"a\", \"b\" or \"c\"; "
                              r"got 'none'\.",
    (EXPONENT, "the true derivative"): r"you predicted 5\.545, the true derivative of x\*\*n with "
                                       r"respect to n.* this rule never reads n_dot",
    (EXPONENT, "refused like an integer"): r"you predicted TypeError, but grad\(power, 1\)\(2\., "
                                           r"3\.\) returns a number\. n is 3\., a float",
    (EXPONENT, "with respect to x"): r"you predicted 12\.0, .* the derivative with respect to x "
                                     r"\(argument 0\)",
}


# Issue 20: float16 cotangents passed (C6); "wrong sign" by coincidence (C27); "give it a
# custom_jvp" to a custom_jvp (C26).
WRONG.setdefault(BWD, {}).update({
    "float16 cotangents (C6)": AFFINE_BWD.format(
        cotangents="({'w': (g * x).astype(jnp.float16), 'b': g.astype(jnp.float16)}, "
                   "(g * params['w']).astype(jnp.float16))"),
    "b as sum(g * x) (C27)": AFFINE_BWD.format(
        cotangents="({'w': g * x, 'b': jnp.sum(g * x)}, g * params['w'])"),
})
WRONG.setdefault(SQRT, {}).update({
    "custom_jvp whose rule divides by sqrt(0) (C26)": """
@custom_jvp
def safe_sqrt(x):
  return jnp.where(x > 0, jnp.sqrt(jnp.where(x > 0, x, 1.)), 0.)

@safe_sqrt.defjvp
def safe_sqrt_jvp(primals, tangents):
  x, = primals
  t, = tangents
  return safe_sqrt(x), jnp.where(x > 0, t * 0.5 / jnp.sqrt(x), 0.)
answer = safe_sqrt
""",
})
EXPECTED.update({
    (BWD, "float16 cotangents (C6)"):
        r"\(leaf \['b'\]\) at .* has dtype float16, expected float32: a tangent or cotangent is "
        r"typed exactly like the value it belongs to\. .*silently returns float16 gradients",
    (BWD, "b as sum(g * x) (C27)"):
        r"argument 0 \(with output cotangent 1\) at .*: expected \{'b': 1, 'w': \[2, 1, -4\]\}, "
        r"got \{'b': -1, 'w': \[2, 1, -4\]\}\. \(See",  # no "wrong sign": sum(x) = -1 here only
    (SQRT, "custom_jvp whose rule divides by sqrt(0) (C26)"):
        r"the gradient at x=0: expected \(0,\), got \(nan,\)\. Your function has a custom_jvp, "
        r"so this is its rule's doing",
})

CORRECT = {
    SQRT: {
        "double where with a safe 0": """
def safe_sqrt(x):
  return jnp.where(x > 0, jnp.sqrt(jnp.where(x > 0, x, 0.)), 0.)
answer = safe_sqrt
""",
        "where(...) ** 0.5": """
def safe_sqrt(x):
  return jnp.where(x > 0, jnp.where(x > 0, x, 1.) ** 0.5, 0.)
answer = safe_sqrt
""",
    },
    BWD: {
        "reversed dict keys, a list": AFFINE_BWD.format(
            cotangents="[{'b': g, 'w': g * x}, g * params['w']]"),
    },
}

CORRECT[SQRT].update({
    "a safe custom_jvp": """
@custom_jvp
def safe_sqrt(x):
  return jnp.where(x > 0, jnp.sqrt(jnp.where(x > 0, x, 1.)), 0.)

@safe_sqrt.defjvp
def safe_sqrt_jvp(primals, tangents):
  x, = primals
  t, = tangents
  safe_x = jnp.where(x > 0, x, 1.)
  return safe_sqrt(x), jnp.where(x > 0, 0.5 / jnp.sqrt(safe_x), 0.) * t
answer = safe_sqrt
""",
})
CORRECT[BWD].update({
    "residual (w, x) only": """
def affine_fwd(params, x):
  return affine(params, x), (params['w'], x)
def affine_bwd(res, g):
  w, x = res
  return ({'w': g * x, 'b': g}, g * w)
answer = (affine_fwd, affine_bwd)
""",
})
CORRECT["11_forward_mode"] = {
    "dot(softmax(x), x_dot)": """
@custom_jvp
def logsumexp(x):
  m = jnp.max(x)
  return m + jnp.log(jnp.sum(jnp.exp(x - m)))

@logsumexp.defjvp
def logsumexp_jvp(primals, tangents):
  x, = primals
  x_dot, = tangents
  return logsumexp(x), jnp.dot(jax.nn.softmax(x), x_dot)
answer = logsumexp
""",
    "jax.jvp of jax.scipy's logsumexp": """
@custom_jvp
def logsumexp(x):
  m = jnp.max(x)
  return m + jnp.log(jnp.sum(jnp.exp(x - m)))

@logsumexp.defjvp
def logsumexp_jvp(primals, tangents):
  return jax.jvp(jax.scipy.special.logsumexp, primals, tangents)
answer = logsumexp
""",
}
