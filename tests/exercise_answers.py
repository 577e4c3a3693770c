"""Realistic wrong answers for every exercise, written as a learner would write them."""

WRONG = {
    "01_product_rule": {
        "missing term": """
@custom_jvp
def g(x, y):
  return x * jnp.exp(x * y)

@g.defjvp
def g_jvp(primals, tangents):
  x, y = primals
  x_dot, y_dot = tangents
  e = jnp.exp(x * y)
  return g(x, y), e * x_dot + x ** 2 * e * y_dot
answer = g
""",
        "first factor missed": """
@custom_jvp
def g(x, y):
  return x * jnp.exp(x * y)

@g.defjvp
def g_jvp(primals, tangents):
  x, y = primals
  x_dot, y_dot = tangents
  e = jnp.exp(x * y)
  return g(x, y), x * y * e * x_dot + x ** 2 * e * y_dot
answer = g
""",
        "chain rule in y": """
@custom_jvp
def g(x, y):
  return x * jnp.exp(x * y)

@g.defjvp
def g_jvp(primals, tangents):
  x, y = primals
  x_dot, y_dot = tangents
  e = jnp.exp(x * y)
  return g(x, y), e * (1 + x * y) * x_dot + x * e * y_dot
answer = g
""",
        "wrong sign": """
@custom_jvp
def g(x, y):
  return x * jnp.exp(x * y)

@g.defjvp
def g_jvp(primals, tangents):
  x, y = primals
  x_dot, y_dot = tangents
  e = jnp.exp(x * y)
  return g(x, y), -e * ((1 + x * y) * x_dot + x ** 2 * y_dot)
answer = g
""",
        "not linear": """
@custom_jvp
def g(x, y):
  return x * jnp.exp(x * y)

@g.defjvp
def g_jvp(primals, tangents):
  x, y = primals
  x_dot, y_dot = tangents
  e = jnp.exp(x * y)
  return g(x, y), e * ((1 + x * y) * x_dot ** 2 + x ** 2 * y_dot)
answer = g
""",
        "forgot defjvp": """
@custom_jvp
def g(x, y):
  return x * jnp.exp(x * y)

def g_jvp(primals, tangents):
  x, y = primals
  x_dot, y_dot = tangents
  e = jnp.exp(x * y)
  return g(x, y), e * ((1 + x * y) * x_dot + x ** 2 * y_dot)
answer = g
""",
        "not decorated": """
def g(x, y):
  return x * jnp.exp(x * y)
answer = g
""",
        "returns only the tangent": """
@custom_jvp
def g(x, y):
  return x * jnp.exp(x * y)

@g.defjvp
def g_jvp(primals, tangents):
  x, y = primals
  x_dot, y_dot = tangents
  e = jnp.exp(x * y)
  return e * ((1 + x * y) * x_dot + x ** 2 * y_dot)
answer = g
""",
    },
    "02_logcosh": {
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
    },
    "03_sinc": {
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
    },
    "05_nan_guard": {
        "misses inf": """
def nan_guard_fwd(x):
  return x, None
def nan_guard_bwd(res, g):
  return (jnp.where(jnp.isnan(g), 0., g),)
answer = (nan_guard_fwd, nan_guard_bwd)
""",
        "passes g through": """
def nan_guard_fwd(x):
  return x, None
def nan_guard_bwd(res, g):
  return (g,)
answer = (nan_guard_fwd, nan_guard_bwd)
""",
        "fwd returns one value": """
def nan_guard_fwd(x):
  return x
def nan_guard_bwd(res, g):
  return (jnp.where(jnp.isfinite(g), g, 0.),)
answer = (nan_guard_fwd, nan_guard_bwd)
""",
    },
    "10_implicit_cbrt": {
        "at a instead of x*": """
def cbrt_fwd(a):
  x_star = newton_cbrt(a)
  return x_star, a
def cbrt_bwd(a, g):
  return (g / (3 * a ** 2),)
answer = (cbrt_fwd, cbrt_bwd)
""",
        "forgot the cotangent": """
def cbrt_fwd(a):
  x_star = newton_cbrt(a)
  return x_star, x_star
def cbrt_bwd(x_star, g):
  return (1 / (3 * x_star ** 2),)
answer = (cbrt_fwd, cbrt_bwd)
""",
        "not a tuple": """
def cbrt_fwd(a):
  x_star = newton_cbrt(a)
  return x_star, x_star
def cbrt_bwd(x_star, g):
  return g / (3 * x_star ** 2)
answer = (cbrt_fwd, cbrt_bwd)
""",
    },
    "07_hypot_vjp": {
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
    },
    "08_polar_vjp": {
        "plain tuple": """
def polar_fwd(pt):
  return polar(pt), pt
def polar_bwd(pt, g):
  r2 = pt.x ** 2 + pt.y ** 2
  r = jnp.sqrt(r2)
  return ((g['r'] * pt.x / r - g['theta'] * pt.y / r2,
           g['r'] * pt.y / r + g['theta'] * pt.x / r2),)
answer = (polar_fwd, polar_bwd)
""",
        "missing theta": """
def polar_fwd(pt):
  return polar(pt), pt
def polar_bwd(pt, g):
  r = jnp.sqrt(pt.x ** 2 + pt.y ** 2)
  return (Point(g['r'] * pt.x / r, g['r'] * pt.y / r),)
answer = (polar_fwd, polar_bwd)
""",
        "no outer tuple": """
def polar_fwd(pt):
  return polar(pt), pt
def polar_bwd(pt, g):
  r2 = pt.x ** 2 + pt.y ** 2
  r = jnp.sqrt(r2)
  return Point(g['r'] * pt.x / r - g['theta'] * pt.y / r2,
               g['r'] * pt.y / r + g['theta'] * pt.x / r2)
answer = (polar_fwd, polar_bwd)
""",
    },
    "09_apply_twice": {
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
    },
}

WRONG["11_bwd_structure"] = {
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
}

LOGSUMEXP = """
@custom_jvp
def logsumexp(x):
  m = jnp.max(x)
  return m + jnp.log(jnp.sum(jnp.exp(x - m)))
"""

WRONG["11_forward_mode"] = {
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
}

SCAFFOLD_RULE = """
@custom_jvp
def logcosh(x):
  return jnp.log(jnp.cosh(x))

@logcosh.defjvp
def logcosh_jvp(primals, tangents):
  x, = primals
  x_dot, = tangents
  raise NotImplementedError("your rule here")
answer = logcosh
"""


def _add_the_lesson_modules():
    from answers import collect  # noqa: PLC0415 - tests/answers/ holds the newer exercises
    wrong, expected = collect()
    for exercise_id, answers in wrong.items():
        WRONG.setdefault(exercise_id, {}).update(answers)
    return expected


EXPECTED_MORE = _add_the_lesson_modules()
