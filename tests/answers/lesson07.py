"""Pinned wrong answers for lesson 7's new exercises, and for 07_hypot_vjp's new demand (no
square root in the backward pass); see tests/answers/__init__.py."""

STASH_FIX_HEAD = """
@custom_vjp
def wave(x):
  return x * jnp.sin(x)
"""

HYPOT_FWD = """
def hypot_fwd(x, y):
  r = jnp.sqrt(x ** 2 + y ** 2)
  return r, (x, y, r)
"""

WRONG = {
    "07_hypot_vjp": {
        # 2r times the true cotangent at (3, 4): 10, a "simple" ratio at one point only.
        "forgot to divide by 2r": HYPOT_FWD + """
def hypot_bwd(res, g):
  x, y, r = res
  return (g * 2 * x, g * 2 * y)
answer = (hypot_fwd, hypot_bwd)
""",
        "recomputes r": """
def hypot_fwd(x, y):
  return jnp.sqrt(x ** 2 + y ** 2), (x, y)
def hypot_bwd(res, g):
  x, y = res
  r = jnp.sqrt(x ** 2 + y ** 2)
  return (g * x / r, g * y / r)
answer = (hypot_fwd, hypot_bwd)
""",
        "recomputes with a power": """
def hypot_fwd(x, y):
  return jnp.sqrt(x ** 2 + y ** 2), (x, y)
def hypot_bwd(res, g):
  x, y = res
  inv_r = (x ** 2 + y ** 2) ** -0.5
  return (g * x * inv_r, g * y * inv_r)
answer = (hypot_fwd, hypot_bwd)
""",
    },
    "07_vjp_calls": {
        "one result kept": "answer = 'a'",
        "vjp runs fwd again": "answer = '(c)'",
        "a count, not a choice": "answer = 3",
    },
    "07_stashed_residual": {
        "stash in a list": STASH_FIX_HEAD + """
saved = []
def wave_fwd(x):
  saved.append(x)
  return wave(x), None
def wave_bwd(res, g):
  x = saved[-1]
  return (g * (jnp.sin(x) + x * jnp.cos(x)),)
wave.defvjp(wave_fwd, wave_bwd)
answer = (wave_fwd, wave_bwd)
""",
        "bare cotangent": STASH_FIX_HEAD + """
def wave_fwd(x):
  return wave(x), jnp.sin(x) + x * jnp.cos(x)
def wave_bwd(slope, g):
  return slope * g
wave.defvjp(wave_fwd, wave_bwd)
answer = (wave_fwd, wave_bwd)
""",
        "product rule half done": STASH_FIX_HEAD + """
def wave_fwd(x):
  return wave(x), x
def wave_bwd(x, g):
  return (g * x * jnp.cos(x),)
wave.defvjp(wave_fwd, wave_bwd)
answer = (wave_fwd, wave_bwd)
""",
    },
}

EXPECTED = {
    ("07_hypot_vjp", "forgot to divide by 2r"):
        r"cotangent for argument 0 \(with output cotangent 1\) at \(3, 4\): expected 0\.6, got "
        r"6\. \(See",  # no factor: 2r is 10 at (3, 4) only
    ("07_hypot_vjp", "recomputes r"):
        r"your gradients are right, but hypot_bwd computes `sqrt`: the square root is the "
        r"expensive step, and hypot_fwd has just computed it\. Save the result among the "
        r"residuals",
    ("07_hypot_vjp", "recomputes with a power"):
        r"your gradients are right, but hypot_bwd computes `pow`",
    ("07_vjp_calls", "one result kept"):
        r"you predicted a, which is not what JAX does\. The function that jax\.vjp "
        r"returns keeps the residuals, not a result: each call of f_vjp runs f_bwd again",
    ("07_vjp_calls", "vjp runs fwd again"):
        r"you predicted c, .* jax\.vjp runs f_fwd once, when you call vjp",
    ("07_vjp_calls", "a count, not a choice"):
        r'expected a prediction of the form a choice, such as "b", got int 3\.',
    ("07_stashed_residual", "stash in a list"):
        r"f_bwd's cotangent at x=0\.5, from a jax\.vjp whose backward pass ran after a "
        r"second jax\.vjp at x=2: expected \(0\.9182168,\), got \(0\.07700372,\)\. That "
        r"is the cotangent at x=2: f_bwd used a value left by the later f_fwd call\..* "
        r"Return what f_bwd needs as residuals\.",
    ("07_stashed_residual", "bare cotangent"):
        r"f_bwd must return a tuple with one cotangent per primal argument: got a single "
        r"ArrayImpl \(0\.9182168\), expected a tuple of 1",
    ("07_stashed_residual", "product rule half done"):
        r"f_bwd's cotangent for argument 0 \(with output cotangent 1\) at x=0\.5: "
        r"expected 0\.9182168, got 0\.4387913\.",
}
