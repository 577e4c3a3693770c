"""Pinned wrong answers for lesson 10's newer exercises (see tests/answers/__init__.py)."""

OTHER_MAP = "10_other_map"
CUBE_ROOT = "10_cube_root"

CUBE_ROOT_WITH = '''
from course.checks.lesson10 import fixed_point

def cube_root(a):
  newton_step = lambda c, x: {step}
  return fixed_point(newton_step, a, a)

answer = cube_root
'''

WRONG = {
    OTHER_MAP: {
        "A and B differ": 'answer = "b"',
        "depends on the iterations": 'answer = " C "',
        "not a letter": 'answer = "same"',
    },
    CUBE_ROOT: {
        "still reads a (comment added)": CUBE_ROOT_WITH.format(
            step="(2 * x + a / x ** 2) / 3   # the closure is fine, isn't it?"),
        "the loop instead of fixed_point": '''
from jax import lax

def cube_root(a):
  step = lambda x: (2 * x + a / x ** 2) / 3
  cond = lambda carry: jnp.abs(carry[0] - carry[1]) > 1e-6
  return lax.while_loop(cond, lambda carry: (carry[1], step(carry[1])), (a, step(a)))[1]

answer = cube_root
''',
        "newton's step for the square root": CUBE_ROOT_WITH.format(step="0.5 * (x + c / x)"),
        "jnp.cbrt instead of the solver": "answer = jnp.cbrt",
    },
}

EXPECTED = {
    (OTHER_MAP, "A and B differ"): r"you predicted b, .* \(I - A\)\^-1 B is the derivative of "
                                   r"the function a -> x\*\(a\), and both maps have the same",
    (OTHER_MAP, "depends on the iterations"): r"you predicted c, .* The rule never sees the "
                                              r"iterations: it uses only a and x\*",
    (OTHER_MAP, "not a letter"): r"answer with the letter of one choice, \"a\", \"b\" or \"c\"; "
                                 r"got 'same'\.",
    (CUBE_ROOT, "still reads a (comment added)"): r"jax\.grad of your cube_root still raises "
                                                  r"UnexpectedTracerError: the Newton "
                                                  r"step reads a value that grad follows",
    (CUBE_ROOT, "the loop instead of fixed_point"): r"reverse mode cannot go through a "
                                                    r"while_loop\. Keep fixed_point",
    (CUBE_ROOT, "newton's step for the square root"): r"the value at a=8: expected 2, got "
                                                      r"2\.828427\.",
    (CUBE_ROOT, "jnp.cbrt instead of the solver"): r"your cube_root gives the right values and "
                                                   r"gradients, but no longer solves x\*\*3 = a "
                                                   r"with fixed_point: .* The exercise is to "
                                                   r"fix the solver, not to replace it",
}


# Issue 20: a closed form wrong for a < 0 passed (C5); "4 times" for a wrong primal (C27).
CBRT_WITH = """
def cbrt_fwd(a):
  x_star = newton_cbrt(a)
  return {fwd}
def cbrt_bwd(res, g):
  return {bwd}
answer = (cbrt_fwd, cbrt_bwd)
"""

WRONG["10_implicit_cbrt"] = {
    "closed form a ** (-2/3) / 3 (C5)": CBRT_WITH.format(
        fwd="x_star, a", bwd="(g * (1 / 3) * res ** (-2 / 3),)"),
    "a as the primal output (C27)": CBRT_WITH.format(
        fwd="a, x_star", bwd="(g / (3 * res ** 2),)"),
}
EXPECTED.update({
    ("10_implicit_cbrt", "closed form a ** (-2/3) / 3 (C5)"):
        r"output cotangent 1\) at a=-8: expected 0\.08333334, got nan\.",
    ("10_implicit_cbrt", "a as the primal output (C27)"):
        r"f_fwd's primal output at a=8: expected 2, got 8\. \(See",
})

CORRECT = {
    "10_implicit_cbrt": {
        "x / (3 a) with residuals (a, x*)": CBRT_WITH.format(
            fwd="x_star, (a, x_star)", bwd="(g * res[1] / (3 * res[0]),)"),
        "jnp.cbrt as the primal, 1/(3 x*^2) precomputed": """
def cbrt_fwd(a):
  x_star = jnp.cbrt(a)
  return x_star, 1 / (3 * x_star ** 2)
def cbrt_bwd(slope, g):
  return (g * slope,)
answer = (cbrt_fwd, cbrt_bwd)
""",
    },
}

CORRECT["10_cube_root"] = {
    "guess 1., and x - (x**3 - c) / (3 x**2)": """
from course.checks.lesson10 import fixed_point

def cube_root(a):
  newton_step = lambda c, x: x - (x ** 3 - c) / (3 * x ** 2)
  return fixed_point(newton_step, a, jnp.sign(a))

answer = cube_root
""",
}


# 10_backward_iteration (issue 21): the backward fixed-point iteration written out.
BACKWARD = "10_backward_iteration"
EQUILIBRIUM = '''
from jax import lax

def equilibrium_fwd(a):
  x_star = equilibrium(a)
  return x_star, {residual}

def equilibrium_bwd(x_star, g):
  d = 1 - x_star ** 2
  def cond(carry):
    w_prev, w = carry
    return jnp.max(jnp.abs(w - w_prev)) > 1e-6 * jnp.max(jnp.abs(w))
  def body(carry):
    _, w = carry
    return w, {step}
  _, w = lax.while_loop(cond, body, (jnp.zeros_like(g), g))
  return {result}

answer = (equilibrium_fwd, equilibrium_bwd)
'''


def iteration(step="g + W.T @ (d * w)", result="(d * w,)", residual="x_star"):
    return EQUILIBRIUM.format(step=step, result=result, residual=residual)


BWD_ONLY = '''
from jax import lax

def equilibrium_fwd(a):
  x_star = equilibrium(a)
  return x_star, x_star

def equilibrium_bwd(x_star, g):
  d = 1 - x_star ** 2
{body}

answer = (equilibrium_fwd, equilibrium_bwd)
'''

WRONG[BACKWARD] = {
    "A instead of A^T": iteration(step="g + W @ (d * w)"),
    "tanh' on the wrong side": iteration(step="g + d * (W.T @ w)"),
    "B^T left out": iteration(result="(w,)"),
    "a kept instead of x*": iteration(residual="a"),
    "one step, no loop": BWD_ONLY.format(body="  return (d * (g + W.T @ (d * g)),)"),
    "a linear solve": BWD_ONLY.format(
        body="  A = d[:, None] * W\n"
             "  return (d * jnp.linalg.solve(jnp.eye(3) - A.T, g),)"),
    "a Python loop, unrolled": BWD_ONLY.format(
        body="  w = g\n"
             "  for _ in range(60):\n"
             "    w = g + W.T @ (d * w)\n"
             "  return (d * w,)"),
}
EXPECTED.update({
    (BACKWARD, "A instead of A^T"):
        r"f_bwd's cotangent for argument 0 \(with output cotangent \[1, 0, 0\]\) at a=\[0\.5, -1, "
        r"2\]: expected .*\. The backward pass solves w = g \+ A\^T w, where A is the Jacobian "
        r"of the step .* \(See lesson 10_implicit_differentiation, 'The math: differentiate "
        r"the equation, not the loop'\.\)",
    (BACKWARD, "tanh' on the wrong side"):
        r"f_bwd's cotangent for argument 0 .* The backward pass solves w = g \+ A\^T w",
    (BACKWARD, "B^T left out"):
        r"f_bwd's cotangent for argument 0 .* returns \(B\^T w,\), B its Jacobian with respect "
        r"to a",
    (BACKWARD, "a kept instead of x*"):
        r"f_bwd's cotangent for argument 0 \(with output cotangent \[1, 0, 0\]\) at a=\[0\.5, -1, "
        r"2\]: expected",
    (BACKWARD, "one step, no loop"):
        r"f_bwd's cotangent for argument 0 .* The backward pass solves w = g \+ A\^T w",
    (BACKWARD, "a linear solve"):
        r"your f_bwd gives the right cotangents, but it solves the linear system \(I - A\^T\) w "
        r"= g with a matrix factorization .* The exercise is the iteration w = g \+ A\^T w",
    (BACKWARD, "a Python loop, unrolled"):
        r"your f_bwd gives the right cotangents, but runs no loop: no while_loop, fori_loop or "
        r"scan\.",
})
CORRECT = globals().get("CORRECT", {})
CORRECT[BACKWARD] = {
    "A^T u by jax.vjp, a fori_loop of 100 steps": BWD_ONLY.format(
        body="  step = lambda x: jnp.tanh(W @ x + jnp.arctanh(x_star) - W @ x_star)\n"
             "  _, vjp_x = jax.vjp(step, x_star)\n"
             "  w = jax.lax.fori_loop(0, 100, lambda i, w: g + vjp_x(w)[0], g)\n"
             "  return (d * w,)"),
    "the iteration on v = d * w": iteration(step="d * (g + W.T @ w)", result="(w,)"),
}


# The first wrong answers of these exercises, pinned when the exercises were written.
WRONG.setdefault("10_implicit_cbrt", {}).update({
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
    })
