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


# Issue 20: feedback that named the wrong template or no cause (B21), and a FIFO stash (B25).
HYPOT_WITH = """
def hypot_fwd(x, y):
  r = jnp.sqrt(x ** 2 + y ** 2)
  return r, (x, y, r)
def hypot_bwd(res, g):
  x, y, r = res
  return {bwd}
answer = (hypot_fwd, hypot_bwd)
"""

WRONG.setdefault("07_hypot_vjp", {}).update({
    "one stacked array (B21)": HYPOT_WITH.format(bwd="g * jnp.stack([x, y]) / r"),
    "g forgotten (B21)": HYPOT_WITH.format(bwd="(x / r, y / r)"),
    "2x and 2y (B21)": HYPOT_WITH.format(bwd="(g * 2 * x, g * 2 * y)"),
})
WRONG.setdefault("07_stashed_residual", {}).update({
    "a FIFO stash (B25)": """
queue = []

@custom_vjp
def wave(x):
  return x * jnp.sin(x)

def wave_fwd(x):
  queue.append(jnp.sin(x) + x * jnp.cos(x))
  return wave(x), None

def wave_bwd(res, g):
  return (g * queue.pop(0),)

wave.defvjp(wave_fwd, wave_bwd)
answer = (wave_fwd, wave_bwd)
""",
})
EXPECTED.update({
    ("07_hypot_vjp", "one stacked array (B21)"):
        r"got a single ArrayImpl .* expected a tuple of 2\. Write `return \(x_bar, y_bar\)`, "
        r"one entry for each argument, not one array holding them all\.",
    ("07_hypot_vjp", "g forgotten (B21)"):
        r"at \(3, 4\), f_bwd gives \(0\.6, 0\.8\) for the output cotangent 1 and the same for "
        r"twice that cotangent: it does not use g\. .*multiply by g\.",
    ("07_hypot_vjp", "2x and 2y (B21)"):
        r"at \(3, 4\): expected 0\.6, got 6\. \(See",
    ("07_stashed_residual", "a FIFO stash (B25)"):
        r"f_bwd ran once on these residuals, then failed when run on them a second time "
        r"\(IndexError: pop from empty list\)\. JAX may run f_bwd several times for one f_fwd",
})

CORRECT = {
    "07_hypot_vjp": {
        "unit-vector residual": """
def hypot_fwd(x, y):
  r = jnp.sqrt(x ** 2 + y ** 2)
  return r, (x / r, y / r)
def hypot_bwd(res, g):
  ux, uy = res
  return (g * ux, g * uy)
answer = (hypot_fwd, hypot_bwd)
""",
    },
    "07_stashed_residual": {
        "residuals (sin, cos, x)": """
@custom_vjp
def wave(x):
  return x * jnp.sin(x)

def wave_fwd(x):
  return wave(x), (jnp.sin(x), jnp.cos(x), x)

def wave_bwd(res, g):
  s, c, x = res
  return (g * (s + x * c),)

wave.defvjp(wave_fwd, wave_bwd)
answer = (wave_fwd, wave_bwd)
""",
    },
}

CORRECT["07_hypot_vjp"].update({
    "a dict residual with 1/r": """
def hypot_fwd(x, y):
  r = jnp.sqrt(x ** 2 + y ** 2)
  return r, {'x': x, 'y': y, 'inv_r': 1 / r}
def hypot_bwd(res, g):
  return (g * res['x'] * res['inv_r'], g * res['y'] * res['inv_r'])
answer = (hypot_fwd, hypot_bwd)
""",
    "jnp.hypot in f_fwd": HYPOT_WITH.replace("jnp.sqrt(x ** 2 + y ** 2)", "jnp.hypot(x, y)")
    .format(bwd="(g * x / r, g * y / r)"),
})
CORRECT["07_stashed_residual"].update({
    "recomputes the slope from x": """
@custom_vjp
def wave(x):
  return x * jnp.sin(x)

def wave_fwd(x):
  return wave(x), x

def wave_bwd(x, g):
  return (g * (jnp.sin(x) + x * jnp.cos(x)),)

wave.defvjp(wave_fwd, wave_bwd)
answer = (wave_fwd, wave_bwd)
""",
})


# The first wrong answers of these exercises, pinned when the exercises were written.
WRONG.setdefault("07_hypot_vjp", {}).update({
        "swapped": """
def hypot_fwd(x, y):
  r = jnp.sqrt(x ** 2 + y ** 2)
  return r, (x, y, r)
def hypot_bwd(res, g):
  x, y, r = res
  return (g * y / r, g * x / r)
answer = (hypot_fwd, hypot_bwd)
""",
        "one cotangent": """
def hypot_fwd(x, y):
  r = jnp.sqrt(x ** 2 + y ** 2)
  return r, (x, y, r)
def hypot_bwd(res, g):
  x, y, r = res
  return (g * x / r,)
answer = (hypot_fwd, hypot_bwd)
""",
        "fwd output wrong": """
def hypot_fwd(x, y):
  r = x ** 2 + y ** 2
  return r, (x, y, jnp.sqrt(r))
def hypot_bwd(res, g):
  x, y, r = res
  return (g * x / r, g * y / r)
answer = (hypot_fwd, hypot_bwd)
""",
    })
