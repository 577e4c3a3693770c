"""Pinned wrong answers for lesson 11's newer exercises (see tests/answers/__init__.py)."""

RAISES = "11_which_raises"
EXPONENT = "11_float_exponent"
SQRT = "11_safe_norm"
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
EXPECTED.update({
    (BWD, "float16 cotangents (C6)"):
        r"\(leaf \['b'\]\) at .* has dtype float16, expected float32: a tangent or cotangent is "
        r"typed exactly like the value it belongs to\. .*silently returns float16 gradients",
    (BWD, "b as sum(g * x) (C27)"):
        r"argument 0 \(with output cotangent 1\) at .*: expected \{'b': 1, 'w': \[2, 1, -4\]\}, "
        r"got \{'b': -1, 'w': \[2, 1, -4\]\}\. \(See",  # no "wrong sign": sum(x) = -1 here only
})

CORRECT = {
    BWD: {
        "reversed dict keys, a list": AFFINE_BWD.format(
            cotangents="[{'b': g, 'w': g * x}, g * params['w']]"),
    },
}

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


# 11_safe_norm (issue 21, C30): gotcha 8's double where carried over to a vector's norm.
NORM = """
def safe_norm(x):
{body}
answer = safe_norm
"""
NORM_JVP = """
@custom_jvp
def safe_norm(x):
  sq = jnp.sum(x ** 2)
  return jnp.where(sq > 0, jnp.sqrt(jnp.where(sq > 0, sq, 1.)), 0.)

@safe_norm.defjvp
def safe_norm_jvp(primals, tangents):
  x, = primals
  t, = tangents
  n = safe_norm(x)
{body}
answer = safe_norm
"""
WRONG[SQRT] = {
    "the scaffold's norm": NORM.format(body="  return jnp.linalg.norm(x)"),
    "single where": NORM.format(body="  sq = jnp.sum(x ** 2)\n"
                                     "  return jnp.where(sq > 0, jnp.sqrt(sq), 0.)"),
    "a safe value per entry": NORM.format(
        body="  safe_x = jnp.where(x != 0, x, 1.)\n"
             "  return jnp.where(jnp.all(x == 0), 0., jnp.sqrt(jnp.sum(safe_x ** 2)))"),
    "sqrt of a clip": NORM.format(body="  return jnp.sqrt(jnp.clip(jnp.sum(x ** 2), 0.))"),
    "safe value, but 1 at zero": NORM.format(
        body="  sq = jnp.sum(x ** 2)\n"
             "  return jnp.sqrt(jnp.where(sq > 0, sq, 1.))"),
    "custom_jvp whose rule divides by the norm (C26)": NORM_JVP.format(
        body="  return n, jnp.where(n > 0, jnp.dot(x / n, t), 0.)"),
}
EXPECTED.update({
    (SQRT, "the scaffold's norm"):
        r"the gradient at x=\[0, 0, 0\]: expected \(\[0, 0, 0\],\), got \(\[nan, nan, nan\],\)\. "
        r"At x = 0 the square root's derivative is infinite.* inf \* 0 = nan.* \(See lesson "
        r"11_gotchas, '8\. nan gradients through jnp\.where'\.\)",
    (SQRT, "single where"):
        r"the gradient at x=\[0, 0, 0\]: .*got \(\[nan, nan, nan\],\)\. .*A jnp\.where that "
        r"picks 0 at x = 0 does not help by itself",
    (SQRT, "a safe value per entry"):
        r"the value at x=\[-3, 0, 4\]: expected 5, got 5\.09902\. \(See",
    (SQRT, "sqrt of a clip"):
        r"the gradient at x=\[0, 0, 0\]: .*got \(\[nan, nan, nan\],\)",
    (SQRT, "safe value, but 1 at zero"): r"the value at x=\[0, 0, 0\]: expected 0, got 1",
    (SQRT, "custom_jvp whose rule divides by the norm (C26)"):
        r"the gradient at x=\[0, 0, 0\]: .*got \(\[nan, nan, nan\],\)\. Your function has a "
        r"custom_jvp, so this is its rule's doing",
})
CORRECT[SQRT] = {
    "double where with a safe 0": NORM.format(
        body="  sq = jnp.sum(x ** 2)\n"
             "  return jnp.where(sq > 0, jnp.sqrt(jnp.where(sq > 0, sq, 0.)), 0.)"),
    "the condition on the vector, norm inside": NORM.format(
        body="  nonzero = jnp.any(x != 0)\n"
             "  safe_x = jnp.where(nonzero, x, jnp.ones_like(x))\n"
             "  return jnp.where(nonzero, jnp.linalg.norm(safe_x), 0.)"),
    "a safe custom_jvp": NORM_JVP.format(
        body="  safe_n = jnp.where(n > 0, n, 1.)\n"
             "  return n, jnp.where(n > 0, jnp.dot(x / safe_n, t), 0.)"),
}


# The first wrong answers of these exercises, pinned when the exercises were written.
LOGSUMEXP = """
@custom_jvp
def logsumexp(x):
  m = jnp.max(x)
  return m + jnp.log(jnp.sum(jnp.exp(x - m)))
"""

WRONG.setdefault("11_bwd_structure", {}).update({
    "tuple for the dict": """
def affine_fwd(params, x):
  return affine(params, x), (params, x)
def affine_bwd(res, g):
  params, x = res
  return ((g * x, g), g * params['w'])
answer = (affine_fwd, affine_bwd)
""",
    "wrong shape for b": """
def affine_fwd(params, x):
  return affine(params, x), (params, x)
def affine_bwd(res, g):
  params, x = res
  return ({'w': g * x, 'b': g * jnp.ones(3)}, g * params['w'])
answer = (affine_fwd, affine_bwd)
""",
    "integer cotangent": """
def affine_fwd(params, x):
  return affine(params, x), (params, x)
def affine_bwd(res, g):
  params, x = res
  return ({'w': g * x, 'b': g}, (g * params['w']).astype(jnp.int32))
answer = (affine_fwd, affine_bwd)
""",
})
WRONG.setdefault("11_forward_mode", {}).update({
    "still custom_vjp": LOGSUMEXP.replace("@custom_jvp", "@custom_vjp") + """
logsumexp.defvjp(lambda x: (logsumexp(x), jax.nn.softmax(x)), lambda p, g: (g * p,))
answer = logsumexp
""",
    **{name: LOGSUMEXP + f"""
@logsumexp.defjvp
def logsumexp_jvp(primals, tangents):
  x, = primals
  x_dot, = tangents
  y = logsumexp(x)
  return y, {tangent}
answer = logsumexp
""" for name, tangent in [("f_bwd's formula copied", "x_dot * jax.nn.softmax(x)"),
                          ("softmax not normalized", "jnp.sum(jnp.exp(x) * x_dot)"),
                          ("mean for sum", "jnp.mean(jnp.exp(x - y) * x_dot)")]},
})
