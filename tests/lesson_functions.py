# ruff: noqa: E731 -- the lessons name a lambda, and the copies stay verbatim
"""The functions the explorers take, copied from the lessons (2-space indent and all).

Each block between `# from notebooks/...` markers is a verbatim copy of code in that lesson:
tests/test_widgets.py checks that every paragraph of it still appears in one of the lesson's
code cells, so a lesson edit that changes a rule makes the copy fail instead of drifting.

Lesson 10's `fixed_point` and its rule are not copied here: course/checks/lesson10.py needs
them for its exercises and holds the one copy, which tests/test_lesson_copies.py checks against
the lesson.
"""


import jax
import jax.numpy as jnp
from jax import custom_jvp, custom_vjp

from course.checks.lesson10 import (  # noqa: F401 -- the explorers' tests take these from here
    fixed_point,
    fixed_point_fwd,
    fixed_point_rev,
    rev_iter,
)

# from notebooks/02_numerical_stability.md

@custom_jvp
def log1pexp(x):
  return jnp.log(1. + jnp.exp(x))

log1pexp.defjvps(lambda t, ans, x: (1 - 1/(1 + jnp.exp(x))) * t)

@custom_jvp
def stable_log1pexp(x):
  return jnp.log(1. + jnp.exp(x))

stable_log1pexp.defjvps(lambda t, ans, x: jax.nn.sigmoid(x) * t)

def naive_log1pexp(x):
  return jnp.log(1. + jnp.exp(x))

# from notebooks/03_differentiation_conventions.md

@custom_jvp
def f(x):
  return x / (1 + jnp.sqrt(x))

f.defjvps(lambda t, ans, x: ((jnp.sqrt(x) + 2) / (2 * (jnp.sqrt(x) + 1)**2)) * t)

def naive_f(x):
  return x / (1 + jnp.sqrt(x))

# from notebooks/04_gradient_clipping.md

@custom_vjp
def clip_gradient(lo, hi, x):
  return x  # identity function

def clip_gradient_fwd(lo, hi, x):
  return x, (lo, hi)  # save bounds as residuals

def clip_gradient_bwd(res, g):
  lo, hi = res
  return (None, None, jnp.clip(g, lo, hi))  # use None to indicate zero cotangents for lo and hi

clip_gradient.defvjp(clip_gradient_fwd, clip_gradient_bwd)

# from notebooks/10_implicit_differentiation.md

def newton_sqrt(a):
  update = lambda a, x: 0.5 * (x + a / x)
  return fixed_point(update, a, a)


# end of the copies

# The map newton_sqrt iterates, as the lesson 10 explorer cell passes it.
newton_update = lambda a, x: 0.5 * (x + a / x)
