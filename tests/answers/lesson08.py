"""Pinned wrong answers for lesson 8's new exercises (see tests/answers/__init__.py)."""

FIX_HEAD = """
@custom_jvp
def sum_prod(pt):
  return {'sum': pt.x + pt.y, 'prod': pt.x * pt.y}
"""

WRONG = {
    "08_cotangent_shape": {
        "only the used entry": "answer = 'a'",
        "only the used key": "answer = 'C'",
        "a type, not a choice": "answer = Point",
    },
    "08_tangent_structure": {
        "a list for the dict": FIX_HEAD + """
@sum_prod.defjvp
def sum_prod_jvp(primals, tangents):
  pt, = primals
  pt_dot, = tangents
  return sum_prod(pt), [pt_dot.x + pt_dot.y, pt_dot.x * pt.y + pt.x * pt_dot.y]
answer = sum_prod
""",
        "entries swapped": FIX_HEAD + """
@sum_prod.defjvp
def sum_prod_jvp(primals, tangents):
  pt, = primals
  pt_dot, = tangents
  return sum_prod(pt), {'prod': pt_dot.x + pt_dot.y,
                        'sum': pt_dot.x * pt.y + pt.x * pt_dot.y}
answer = sum_prod
""",
        "y dropped from the sum": FIX_HEAD + """
@sum_prod.defjvp
def sum_prod_jvp(primals, tangents):
  pt, = primals
  pt_dot, = tangents
  return sum_prod(pt), {'sum': pt_dot.x, 'prod': pt_dot.x * pt.y + pt.x * pt_dot.y}
answer = sum_prod
""",
    },
}

EXPECTED = {
    ("08_cotangent_shape", "only the used entry"):
        r"you predicted a, which is not what JAX does\. f_bwd is written for f's whole "
        r"output, so JAX hands it a cotangent of that structure",
    ("08_cotangent_shape", "only the used key"):
        r"you predicted c, .* the entries the loss does not use are there, and hold zeros",
    ("08_cotangent_shape", "a type, not a choice"):
        r'expected a prediction of the form a choice, such as "b", got type Point\.',
    ("08_tangent_structure", "a list for the dict"):
        r"at pt=Point\(x=3, y=4\) your rule returns the output tangent \[1, 4\], of "
        r"structure PyTreeDef\(\[\*, \*\]\), for the output \{'sum': 7, 'prod': 12\}, of "
        r"structure PyTreeDef\(\{'prod': \*, 'sum': \*\}\)\. A tangent has the structure "
        r"of the value it belongs to",
    ("08_tangent_structure", "entries swapped"):
        r"the tangent along Point\(x=1, y=0\) at pt=Point\(x=3, y=4\): expected \{'prod': "
        r"4, 'sum': 1\}, got \{'prod': 1, 'sum': 4\}: the tangent of 'sum' is under "
        r"'prod' and the reverse",
    ("08_tangent_structure", "y dropped from the sum"):
        r"the tangent along Point\(x=0, y=1\) at pt=Point\(x=3, y=4\): expected \{'prod': "
        r"3, 'sum': 1\}, got \{'prod': 3, 'sum': 0\}\. Yours is 0 here, where the true value "
        r"is not\.",
}


# Issue 20: a dict cotangent unpacked (B20), a non-linear tangent told "zero" (B22), and the
# function changed to a tuple described with the reference's output (B9).
WRONG.setdefault("08_polar_vjp", {}).update({
    "unpacks the dict cotangent (B20)": """
def polar_fwd(pt):
  return polar(pt), pt
def polar_bwd(pt, g):
  g_r, g_theta = g
  r2 = pt.x ** 2 + pt.y ** 2
  r = jnp.sqrt(r2)
  return (Point(g_r * pt.x / r - g_theta * pt.y / r2, g_r * pt.y / r + g_theta * pt.x / r2),)
answer = (polar_fwd, polar_bwd)
""",
})
WRONG.setdefault("08_tangent_structure", {}).update({
    "product of tangents (B22)": """
@custom_jvp
def sum_prod(pt):
  return {'sum': pt.x + pt.y, 'prod': pt.x * pt.y}

@sum_prod.defjvp
def sum_prod_jvp(primals, tangents):
  pt, = primals
  pt_dot, = tangents
  return sum_prod(pt), {'sum': pt_dot.x + pt_dot.y, 'prod': pt_dot.x * pt_dot.y}
answer = sum_prod
""",
    "function changed to a tuple (B9)": """
@custom_jvp
def sum_prod(pt):
  return (pt.x + pt.y, pt.x * pt.y)

@sum_prod.defjvp
def sum_prod_jvp(primals, tangents):
  pt, = primals
  pt_dot, = tangents
  return sum_prod(pt), (pt_dot.x + pt_dot.y, pt_dot.x * pt.y + pt.x * pt_dot.y)
answer = sum_prod
""",
})
EXPECTED.update({
    ("08_polar_vjp", "unpacks the dict cotangent (B20)"):
        r"f_bwd unpacks the output cotangent g, a dict like the output .* unpacking a dict "
        r"gives its keys \('r', 'theta'\), not its values\. Read the values by key: g\['r'\], "
        r"g\['theta'\]\.",
    ("08_tangent_structure", "product of tangents (B22)"):
        r"your tangent is not linear in the input tangents taken together: at "
        r"pt=Point\(x=3, y=4\), with all of them nonzero at once, \(Point\(x=1, y=2\),\), "
        r"your rule gave \{'sum': 3, 'prod': 2\}",
    ("08_tangent_structure", "function changed to a tuple (B9)"):
        r"your sum_prod itself now returns \(7, 12\), of structure PyTreeDef\(\(\*, \*\)\): it "
        r"must still return the dict \{'sum': 7, 'prod': 12\}",
})

CORRECT = {
    "08_polar_vjp": {
        "a list outer container, type(pt)(...)": """
def polar_fwd(pt):
  return polar(pt), pt
def polar_bwd(pt, g):
  r2 = pt.x ** 2 + pt.y ** 2
  r = jnp.sqrt(r2)
  return [type(pt)(g['r'] * pt.x / r - g['theta'] * pt.y / r2,
                   g['r'] * pt.y / r + g['theta'] * pt.x / r2)]
answer = (polar_fwd, polar_bwd)
""",
    },
    "08_tangent_structure": {
        "keys in the other order": """
@custom_jvp
def sum_prod(pt):
  return {'sum': pt.x + pt.y, 'prod': pt.x * pt.y}

@sum_prod.defjvp
def sum_prod_jvp(primals, tangents):
  pt, = primals
  pt_dot, = tangents
  return sum_prod(pt), {'prod': pt_dot.x * pt.y + pt.x * pt_dot.y, 'sum': pt_dot.x + pt_dot.y}
answer = sum_prod
""",
    },
}

CORRECT["08_tangent_structure"].update({
    "dict(zip(...)) and the primal computed directly": """
@custom_jvp
def sum_prod(pt):
  return {'sum': pt.x + pt.y, 'prod': pt.x * pt.y}

@sum_prod.defjvp
def sum_prod_jvp(primals, tangents):
  pt, = primals
  pt_dot, = tangents
  out = {'sum': pt.x + pt.y, 'prod': pt.x * pt.y}
  return out, dict(zip(['sum', 'prod'], [pt_dot.x + pt_dot.y, pt_dot.x * pt.y + pt.x * pt_dot.y]))
answer = sum_prod
""",
})
CORRECT["08_polar_vjp"].update({
    "residual (pt, r), f_fwd computes the output itself": """
def polar_fwd(pt):
  r = jnp.sqrt(pt.x ** 2 + pt.y ** 2)
  return {'r': r, 'theta': jnp.arctan2(pt.y, pt.x)}, (pt, r)
def polar_bwd(res, g):
  pt, r = res
  return (pt._replace(x=g['r'] * pt.x / r - g['theta'] * pt.y / r ** 2,
                      y=g['r'] * pt.y / r + g['theta'] * pt.x / r ** 2),)
answer = (polar_fwd, polar_bwd)
""",
})


# The first wrong answers of these exercises, pinned when the exercises were written.
WRONG.setdefault("08_polar_vjp", {}).update({
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
    })
