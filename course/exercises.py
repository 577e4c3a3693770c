"""The exercises: what to write, the reference solution (as code), and how it is checked.

    course.exercises()                 # the ids
    course.check("02_logcosh", answer)  # Feedback with .passed and .message
    course.solution("02_logcosh")      # the reference answer, in the form you submit
    print(course.solution_source("02_logcosh"))
"""

from __future__ import annotations

import functools
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from . import exercise_kinds as kinds
from .checks import Feedback, NotAttempted, Wrong, first_line, not_attempted

Point = namedtuple("Point", ["x", "y"])


@dataclass(frozen=True)
class Exercise:
    id: str
    lesson: str  # where the idea is taught: "02_numerical_stability, 'A stable rule'"
    answer: str  # what `answer` is, in the learner's words
    solution: str  # Python source that defines `answer`
    checker: Callable  # checker(answer, reference) raises Wrong / NotAttempted, or returns


def _logcosh_hint(expected, got):
    if not np.all(np.isfinite(got)):
        return ("nan or inf at large |x|: cosh(x) overflows in float32 past |x| ~ 89, so "
                "sinh(x) / cosh(x) becomes inf / inf. Use the equal but bounded jnp.tanh(x).")
    return None


def _sinc_hint(expected, got):
    if not np.all(np.isfinite(got)):
        return ("At x = 0 your rule divides by zero. Use jnp.where(x == 0, 0., ...) for the "
                "convention, and a safe x (e.g. jnp.where(x == 0, 1., x)) inside the formula "
                "so that the unused branch is not nan either.")
    return None


def _nan_guard_hint(expected, got):
    if np.any(np.isinf(got)):
        return "An inf cotangent got through: jnp.isnan misses inf; test with jnp.isfinite."
    if np.any(np.isnan(got)):
        return "A nan cotangent got through: replace non-finite g with 0 in f_bwd."
    return None


def _cbrt_primal(a):
    def cond(carry):
        x_prev, x = carry
        return jnp.abs(x_prev - x) > 1e-6 * jnp.abs(x)

    def body(carry):
        _, x = carry
        return x, (2 * x + a / x ** 2) / 3

    return jax.lax.while_loop(cond, body, (a, (2 * a + 1 / a) / 3))[1]


def _scale_primal(s, x):
    return x


def _nan_guard_primal(x):
    return x


def _hypot_primal(x, y):
    return jnp.sqrt(x ** 2 + y ** 2)


def _polar_primal(pt):
    return {"r": jnp.sqrt(pt.x ** 2 + pt.y ** 2), "theta": jnp.arctan2(pt.y, pt.x)}


def _apply_twice_primal(f, x):
    return f(f(x))


def _scalar_ct(out):
    return [jnp.float32(1.0), jnp.float32(-2.5)]


EXERCISES: dict[str, Exercise] = {}


def exercise(id: str, lesson: str, answer: str, solution: str):
    def register(checker):
        EXERCISES[id] = Exercise(id, lesson, answer, solution.strip() + "\n", checker)
        return checker
    return register


@exercise("01_product_rule", "01_tldr, 'A forward-mode rule with custom_jvp'",
          "a @custom_jvp function g(x, y) = x * exp(y), with its rule attached by defjvp",
          """
@custom_jvp
def g(x, y):
  return x * jnp.exp(y)

@g.defjvp
def g_jvp(primals, tangents):
  x, y = primals
  x_dot, y_dot = tangents
  ans = g(x, y)
  return ans, jnp.exp(y) * x_dot + ans * y_dot

answer = g
""")
def _check_product_rule(answer, ref):
    kinds.check_jvp_function(answer, ref, [(2.0, 0.5), (-1.0, 1.5), (0.0, -2.0), (3.0, 0.0)])


@exercise("02_logcosh", "02_numerical_stability, 'A stable rule, for the whole function'",
          "a @custom_jvp function logcosh(x) = log(cosh(x)) whose rule is finite for every x",
          """
@custom_jvp
def logcosh(x):
  return jnp.log(jnp.cosh(x))

@logcosh.defjvp
def logcosh_jvp(primals, tangents):
  x, = primals
  x_dot, = tangents
  return logcosh(x), jnp.tanh(x) * x_dot

answer = logcosh
""")
def _check_logcosh(answer, ref):
    # At |x| = 100 the primal itself overflows to inf (for the reference too); the rule must not.
    points = [(0.5,), (-3.0,), (20.0,), (100.0,), (-100.0,)]
    kinds.check_jvp_function(answer, ref, points, hint=_logcosh_hint)


@exercise("03_sinc", "03_differentiation_conventions, 'The convention, as a custom rule'",
          "a @custom_jvp function sinc(x) = sin(x)/x (1 at x = 0) whose derivative at 0 is 0",
          """
@custom_jvp
def sinc(x):
  return jnp.where(x == 0., 1., jnp.sin(x) / jnp.where(x == 0., 1., x))

@sinc.defjvp
def sinc_jvp(primals, tangents):
  x, = primals
  x_dot, = tangents
  safe_x = jnp.where(x == 0., 1., x)
  slope = (safe_x * jnp.cos(safe_x) - jnp.sin(safe_x)) / safe_x ** 2
  return sinc(x), jnp.where(x == 0., 0., slope) * x_dot

answer = sinc
""")
def _check_sinc(answer, ref):
    kinds.check_jvp_function(answer, ref, [(0.0,), (0.5,), (2.0,), (-3.0,)], hint=_sinc_hint)


@exercise("04_scale_gradient", "04_gradient_clipping, 'An identity function whose backward "
          "pass clips'",
          "the pair (scale_gradient_fwd, scale_gradient_bwd) for scale_gradient(s, x) = x, "
          "whose backward pass multiplies the cotangent by s (and gives s no cotangent)",
          """
def scale_gradient_fwd(s, x):
  return x, s

def scale_gradient_bwd(s, g):
  return (None, s * g)

answer = (scale_gradient_fwd, scale_gradient_bwd)
""")
def _check_scale_gradient(answer, ref):
    kinds.check_vjp_pair(answer, _scale_primal, ref, [(0.5, 3.0), (-1.0, 2.0), (2.0, -1.0)],
                         n_diff=2, out_cts=_scalar_ct)


@exercise("05_nan_guard", "05_debugging_the_backward_pass, 'An identity function with a "
          "breakpoint in its backward rule'",
          "the pair (nan_guard_fwd, nan_guard_bwd) for the identity nan_guard(x) = x, whose "
          "backward pass replaces every non-finite cotangent (nan, inf, -inf) by 0",
          """
def nan_guard_fwd(x):
  return x, None

def nan_guard_bwd(res, g):
  return (jnp.where(jnp.isfinite(g), g, 0.),)

answer = (nan_guard_fwd, nan_guard_bwd)
""")
def _check_nan_guard(answer, ref):
    def cts(out):
        return [jnp.float32(1.5), jnp.float32(jnp.nan), jnp.float32(jnp.inf),
                jnp.float32(-jnp.inf)]

    kinds.check_vjp_pair(answer, _nan_guard_primal, ref, [(0.0,), (4.0,), (-2.0,)], n_diff=1,
                         out_cts=cts, hint=_nan_guard_hint)


@exercise("10_implicit_cbrt", "10_implicit_differentiation, 'The math: differentiate the "
          "equation, not the loop'",
          "the pair (cbrt_fwd, cbrt_bwd) for newton_cbrt(a), a while_loop solving x**3 = a; "
          "the backward pass uses the solution x*, not the loop",
          """
def cbrt_fwd(a):
  x_star = newton_cbrt(a)
  return x_star, x_star

def cbrt_bwd(x_star, g):
  # x*(a)**3 = a for all a, so 3 x*^2 dx* = da
  return (g / (3 * x_star ** 2),)

answer = (cbrt_fwd, cbrt_bwd)
""")
def _check_implicit_cbrt(answer, ref):
    def hint(expected, got):
        return ("Differentiate the equation x*(a)**3 = a with respect to a: the result "
                "involves the solution x*, which f_fwd should save as its residual, times the "
                "output cotangent g.")

    kinds.check_vjp_pair(answer, _cbrt_primal, ref, [(8.0,), (27.0,), (0.5,), (1000.0,)],
                         n_diff=1, out_cts=_scalar_ct, hint=hint)


@exercise("06_defjvps_none", "06_custom_jvp_in_depth, 'Several arguments'",
          "a @custom_jvp function f(x, y) = x**2 * sin(y) whose rules, given with defjvps, "
          "treat y as a constant (None for its rule)",
          """
@custom_jvp
def f(x, y):
  return x ** 2 * jnp.sin(y)

f.defjvps(lambda x_dot, ans, x, y: 2 * x * jnp.sin(y) * x_dot,
          None)

answer = f
""")
def _check_defjvps_none(answer, ref):
    def hint(expected, got):
        if np.all(expected == 0) and not np.all(got == 0):
            return ("The exercise asks for no derivative in y: pass None as the second rule "
                    "to defjvps.")
        return None

    kinds.check_jvp_function(answer, ref, [(2.0, 0.5), (-1.0, 2.0), (0.0, 1.0)], hint=hint)


@exercise("07_hypot_vjp", "07_custom_vjp_in_depth, 'Several arguments'",
          "the pair (hypot_fwd, hypot_bwd) for hypot(x, y) = sqrt(x**2 + y**2)",
          """
def hypot_fwd(x, y):
  r = jnp.sqrt(x ** 2 + y ** 2)
  return r, (x, y, r)

def hypot_bwd(res, g):
  x, y, r = res
  return (g * x / r, g * y / r)

answer = (hypot_fwd, hypot_bwd)
""")
def _check_hypot(answer, ref):
    kinds.check_vjp_pair(answer, _hypot_primal, ref, [(3.0, 4.0), (-1.0, 2.0), (0.5, -0.5)],
                         n_diff=2, out_cts=_scalar_ct)


def _learners_point(answer):
    """The Point class the learner's code uses (the lesson defines its own namedtuple):
    JAX tells namedtuple classes apart, so the test points must be built from it."""
    fwd = answer[0] if isinstance(answer, tuple) and answer else None
    point = getattr(fwd, "__globals__", {}).get("Point")
    if isinstance(point, type) and getattr(point, "_fields", None) == ("x", "y"):
        return point
    return Point


@exercise("08_polar_vjp", "08_pytrees, 'With custom_vjp'",
          "the pair (polar_fwd, polar_bwd) for polar(pt) = {'r': |pt|, 'theta': "
          "atan2(pt.y, pt.x)}, where pt is a Point(x, y)",
          """
def polar_fwd(pt):
  return polar(pt), pt

def polar_bwd(pt, g):
  r2 = pt.x ** 2 + pt.y ** 2
  r = jnp.sqrt(r2)
  x_bar = g['r'] * pt.x / r - g['theta'] * pt.y / r2
  y_bar = g['r'] * pt.y / r + g['theta'] * pt.x / r2
  return (Point(x_bar, y_bar),)

answer = (polar_fwd, polar_bwd)
""")
def _check_polar(answer, ref):
    point_class = _learners_point(answer)
    ref = _solution("08_polar_vjp", Point=point_class)

    def cts(out):
        return [{"r": jnp.float32(1.0), "theta": jnp.float32(0.0)},
                {"r": jnp.float32(0.0), "theta": jnp.float32(1.0)},
                {"r": jnp.float32(2.0), "theta": jnp.float32(-0.5)}]

    points = [(point_class(3.0, 4.0),), (point_class(-1.0, 2.0),), (point_class(0.5, -0.5),)]
    kinds.check_vjp_pair(answer, _polar_primal, ref, points, n_diff=1, out_cts=cts)


@exercise("09_apply_twice", "09_nondiff_argnums, 'With custom_jvp'",
          "the JVP rule apply_twice_jvp(f, primals, tangents) for apply_twice(f, x) = f(f(x)), "
          "declared with nondiff_argnums=(0,)",
          """
def apply_twice_jvp(f, primals, tangents):
  x, = primals
  x_dot, = tangents
  y, y_dot = jax.jvp(f, (x,), (x_dot,))
  return jax.jvp(f, (y,), (y_dot,))

answer = apply_twice_jvp
""")
def _check_apply_twice(answer, ref):
    fs = ((jnp.sin,), (jnp.tanh,), (_cube,))
    try:
        kinds.check_jvp_rule(answer, _apply_twice_primal, ref, [(0.5,), (-1.2,), (2.0,)],
                             nondiff_argnums=(0,), nondiff_values=fs)
    except Wrong as e:
        if "raised TypeError" in str(e):
            raise Wrong(f"{e}. With nondiff_argnums=(0,), JAX passes f first: the rule's "
                        "signature is apply_twice_jvp(f, primals, tangents).") from None
        raise


def _cube(x):
    return x ** 3


def _where_hint(expected, got):
    if not np.all(np.isfinite(got)):
        return ("jnp.where differentiates both branches: at x <= 0 the unused sqrt branch has "
                "an infinite derivative, and 0 * inf = nan. Feed that branch a safe input "
                "(the double where), or give the function a custom_jvp.")
    return None


@exercise("11_safe_sqrt", "11_gotchas, '8. nan gradients through jnp.where'",
          "a function safe_sqrt(x) equal to sqrt(x) for x > 0 and 0 otherwise, whose gradient "
          "is finite everywhere (0 for x <= 0)",
          """
def safe_sqrt(x):
  safe_x = jnp.where(x > 0, x, 1.)
  return jnp.where(x > 0, jnp.sqrt(safe_x), 0.)

answer = safe_sqrt
""")
def _check_safe_sqrt(answer, ref):
    kinds.check_function(answer, ref, [(4.0,), (0.0,), (-1.0,), (0.25,)], hint=_where_hint)


def _affine_primal(params, x):
    return jnp.sum(params["w"] * x) + params["b"]


@exercise("11_bwd_structure", "11_gotchas, '4. The shape of what f_bwd returns'",
          "the pair (affine_fwd, affine_bwd) for affine(params, x) = sum(params['w'] * x) + "
          "params['b'], with params a dict of a float32[3] 'w' and a scalar 'b', and x a "
          "float32[3]",
          """
def affine_fwd(params, x):
  return affine(params, x), (params, x)

def affine_bwd(res, g):
  params, x = res
  return ({'w': g * x, 'b': g}, g * params['w'])

answer = (affine_fwd, affine_bwd)
""")
def _check_bwd_structure(answer, ref):
    points = [({"w": jnp.array([1.0, -2.0, 0.5]), "b": 0.3}, jnp.array([2.0, 1.0, -4.0])),
              ({"w": jnp.array([0.0, 3.0, 1.0]), "b": -1.0}, jnp.array([1.0, 1.0, 1.0]))]
    kinds.check_vjp_pair(answer, _affine_primal, ref, points, n_diff=2, out_cts=_scalar_ct)


@exercise("11_forward_mode", "11_gotchas, '1. Forward mode on a custom_vjp function'",
          "a @custom_jvp version of softsign(x) = x / (1 + |x|), whose derivative is "
          "1 / (1 + |x|)**2, so that jacfwd works on it",
          """
@custom_jvp
def softsign(x):
  return x / (1 + jnp.abs(x))

softsign.defjvps(lambda t, ans, x: t / (1 + jnp.abs(x)) ** 2)

answer = softsign
""")
def _check_forward_mode(answer, ref):
    if isinstance(answer, jax.custom_vjp):
        raise Wrong("this is still a custom_vjp function, and jax.jacfwd(answer) fails with "
                    "\"can't apply forward-mode autodiff (jvp) to a custom_vjp function\". "
                    "Rewrite the rule as a JVP with @custom_jvp and defjvp/defjvps.")
    kinds.check_jvp_function(answer, ref, [(0.0,), (2.0,), (-3.0,), (50.0,)])


def exercises() -> list[str]:
    """The ids of all exercises, in lesson order."""
    return sorted(EXERCISES)


def _get(exercise_id) -> Exercise:
    if exercise_id not in EXERCISES:
        raise ValueError(f"unknown exercise {exercise_id!r}. Valid ids: "
                         f"{', '.join(exercises())}.")
    return EXERCISES[exercise_id]


def solution_source(exercise_id: str) -> str:
    """The reference solution's code, as it would be written in the notebook."""
    return _get(exercise_id).solution


def solution(exercise_id: str):
    """The reference answer, in the same form a learner submits."""
    return _solution(exercise_id)


def _solution(exercise_id: str, **overrides):
    ns = {**namespace(), **overrides}
    exec(compile(_get(exercise_id).solution, f"<solution {exercise_id}>", "exec"), ns)
    return ns["answer"]


def check(exercise_id: str, answer) -> Feedback:
    """As the checker of `exercise_id` sees `answer`: never raises on the answer."""
    ex = _get(exercise_id)
    see = f" (See lesson {ex.lesson}.)"
    if not_attempted(answer):
        return Feedback(ex.id, False, f"Write {ex.answer}, then run this cell again.", False)
    try:
        ex.checker(answer, solution(exercise_id))
    except NotAttempted:
        return Feedback(ex.id, False, "Your answer still raises NotImplementedError: replace "
                        f"the placeholder with {ex.answer}.", False)
    except Wrong as e:
        return Feedback(ex.id, False, str(e) + see)
    except Exception as e:  # a checker must never raise on a learner's answer
        return Feedback(ex.id, False, f"Checking your answer failed with "
                        f"{type(e).__name__}: {first_line(e)}. Expected {ex.answer}.{see}")
    return Feedback(ex.id, True, "Correct: values, tangents and gradients match the reference "
                    "under jvp, grad, jit and vmap, including the edge inputs.")


def namespace() -> dict:
    """What exercise code (solutions, scaffolds, test answers) sees without importing: the
    JAX names the lessons use, and the primal functions the scaffolds define."""
    return {"jax": jax, "jnp": jnp, "np": np, "custom_jvp": jax.custom_jvp,
            "custom_vjp": jax.custom_vjp, "partial": functools.partial, "lax": jax.lax,
            "Point": Point, "newton_cbrt": _cbrt_primal, "polar": _polar_primal,
            "affine": _affine_primal}
