# ruff: noqa: E731 -- the lesson names its maps with lambdas, and solution bodies are shown verbatim
"""Lesson 10's exercises: differentiate a Newton solver for the cube root by the implicit
function theorem, not through its while_loop; predict what another map with the same fixed
point gives; fix a Newton step that reads the parameter from a closure; and write the backward
fixed-point iteration w = g + A^T w for a vector equilibrium yourself.

Solution bodies use the lessons' two-space indentation: they are shown verbatim.
"""

import re
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import custom_vjp, grad, lax, vjp
from jax.lax import while_loop

from ..compat import is_custom_call, nested_call
from .checking import Exercise, Wrong, check_function, check_vjp_pair
from .choices import check_choice


@jax.jit  # compiled once: the checker calls it many times (the lesson's copy is not jitted)
def newton_cbrt(a):
    def cond(carry):
        x_prev, x = carry
        return jnp.abs(x_prev - x) > 1e-6 * jnp.abs(x)

    def body(carry):
        _, x = carry
        return x, (2 * x + a / x ** 2) / 3

    return lax.while_loop(cond, body, (a, (2 * a + 1 / a) / 3))[1]


def solution():
  def cbrt_fwd(a):
    x_star = newton_cbrt(a)
    return x_star, x_star

  def cbrt_bwd(x_star, g):
    # x*(a)**3 = a for all a, so 3 x*^2 dx* = da
    return (g / (3 * x_star ** 2),)

  answer = (cbrt_fwd, cbrt_bwd)
  return answer


def implicit_hint(expected, got) -> str:
    return ("Differentiate the equation x*(a)**3 = a with respect to a: the result involves "
            "the solution x*, which f_fwd should save as its residual, times the output "
            "cotangent g.")


def check(answer, reference) -> str:
    return check_vjp_pair(answer, newton_cbrt, reference, CBRT_POINTS, cotangents=[1.0, -2.5],
                          hint=implicit_hint)


# The prompt's domain, every a != 0: positive and negative, near 0 and large.
CBRT_POINTS = [(8.0,), (27.0,), (0.5,), (1000.0,), (-8.0,), (-0.5,), (1e-3,), (-1e-3,),
               (1e6,), (-3e7,)]


# The lesson's solver and its rule (section "The custom rule"), for the exercises below.

@partial(custom_vjp, nondiff_argnums=(0,))
def fixed_point(f, a, x_guess):
  def cond_fun(carry):
    x_prev, x = carry
    return jnp.abs(x_prev - x) > 1e-6

  def body_fun(carry):
    _, x = carry
    return x, f(a, x)

  _, x_star = while_loop(cond_fun, body_fun, (x_guess, f(a, x_guess)))
  return x_star


def fixed_point_fwd(f, a, x_init):
  x_star = fixed_point(f, a, x_init)
  return x_star, (a, x_star)


def fixed_point_rev(f, res, x_star_bar):
  a, x_star = res
  _, vjp_a = vjp(lambda a: f(a, x_star), a)
  a_bar, = vjp_a(fixed_point(partial(rev_iter, f),
                             (a, x_star, x_star_bar),
                             x_star_bar))
  return a_bar, jnp.zeros_like(x_star)


def rev_iter(f, packed, u):
  a, x_star, x_star_bar = packed
  _, vjp_x = vjp(lambda x: f(a, x), x_star)
  return x_star_bar + vjp_x(u)[0]


fixed_point.defvjp(fixed_point_fwd, fixed_point_rev)


def newton_sqrt(a):
  update = lambda a, x: 0.5 * (x + a / x)
  return fixed_point(update, a, a)


def other_map_solution():
  slow = lambda a, x: x - 0.25 * (x * x - a)   # also has the fixed point sqrt(a)
  g_newton = grad(newton_sqrt)(2.)
  g_slow = grad(lambda a: fixed_point(slow, a, a))(2.)
  print(f"grad through newton_sqrt: {g_newton:.6f}, through slow: {g_slow:.6f}")
  answer = "a" if jnp.allclose(g_newton, g_slow, rtol=1e-5) else "b"
  return answer


def check_other_map(answer, reference) -> str:
    return check_choice(answer, reference, why_not={
        "b": "A and B do differ (Newton's A is 0 at the solution, slow's is about 0.29), but "
             "(I - A)^-1 B is the derivative of the function a -> x*(a), and both maps have "
             "the same x*(a) = sqrt(a): the differences cancel.",
        "c": "The rule never sees the iterations: it uses only a and x*, so a slower map, or "
             "a tighter tolerance, changes the gradient only as much as it changes x*.",
    })


def cube_root_given():
  def cube_root(a):
    newton_step = lambda c, x: (2 * x + a / x ** 2) / 3   # solves x**3 = c
    return fixed_point(newton_step, a, a)

  answer = cube_root
  return answer


def cube_root_solution():
  def cube_root(a):
    newton_step = lambda c, x: (2 * x + c / x ** 2) / 3   # solves x**3 = c
    return fixed_point(newton_step, a, a)

  answer = cube_root
  return answer


def loop_under_custom_rule(jaxpr, inside: bool = False) -> bool:
    """Whether a while loop runs inside a custom-rule call (fixed_point's custom_vjp)."""
    for eqn in jaxpr.eqns:
        if inside and eqn.primitive.name == "while":
            return True
        nested = nested_call(eqn)
        if nested is not None and loop_under_custom_rule(
                getattr(nested, "jaxpr", nested), inside or is_custom_call(eqn)):
            return True
    return False


def check_cube_root(answer, reference) -> str:
    try:
        # the cube root of a negative a too: fixed_point's Newton step finds it
        passed = check_function(answer, reference, [(8.0,), (0.5,), (27.0,), (-8.0,)])
    except Wrong as e:  # name the two likely causes of a gradient that raises
        if "raised UnexpectedTracerError" in str(e):
            raise Wrong("jax.grad of your cube_root still raises UnexpectedTracerError: the "
                        "Newton step reads a value that grad follows without getting it "
                        "through its own parameters. fixed_point's rule differentiates with "
                        "respect to its argument a only, and hands it to the step as its "
                        "first parameter: the step must use that parameter.") from None
        if "does not work for lax.while_loop" in str(e):
            raise Wrong("jax.grad of your cube_root raises: reverse mode cannot go through a "
                        "while_loop. Keep fixed_point, whose custom_vjp differentiates the "
                        "equation x = step(a, x) instead of the loop, and fix the step it "
                        "iterates.") from None
        raise
    if not loop_under_custom_rule(jax.make_jaxpr(answer)(jnp.float32(8.0)).jaxpr):
        raise Wrong("your cube_root gives the right values and gradients, but no longer "
                    "solves x**3 = a with fixed_point: no loop runs under a custom rule. The "
                    "exercise is to fix the solver, not to replace it: keep "
                    "fixed_point(newton_step, a, a) and fix the step it iterates.")
    return passed


# ---- 10_backward_iteration: the backward fixed-point iteration, written out ----

W = jnp.array([[0.3, -0.2, 0.1],
               [0.1, 0.4, -0.2],
               [-0.2, 0.1, 0.3]])        # a contraction: |W v| < 0.6 |v|


@jax.jit  # compiled once: the checker calls it many times (the lesson's copy is not jitted)
def equilibrium(a):
    """x* = tanh(W @ x* + a), for a float32[3] a, by iterating from x = 0."""
    def cond(carry):
        x_prev, x = carry
        return jnp.max(jnp.abs(x - x_prev)) > 1e-6

    def body(carry):
        _, x = carry
        return x, jnp.tanh(W @ x + a)

    return lax.while_loop(cond, body, (jnp.zeros_like(a), jnp.tanh(a)))[1]


def backward_iteration_solution():
  def equilibrium_fwd(a):
    x_star = equilibrium(a)
    return x_star, x_star

  def equilibrium_bwd(x_star, g):
    d = 1 - x_star ** 2      # tanh' at the solution: A = diag(d) W, B = diag(d)

    def cond(carry):
      w_prev, w = carry
      return jnp.max(jnp.abs(w - w_prev)) > 1e-6 * jnp.max(jnp.abs(w))

    def body(carry):
      _, w = carry
      return w, g + W.T @ (d * w)       # w = g + A^T w

    _, w = lax.while_loop(cond, body, (jnp.zeros_like(g), g))
    return (d * w,)                     # a_bar = B^T w

  answer = (equilibrium_fwd, equilibrium_bwd)
  return answer


def backward_iteration_hint(expected, got) -> str:
    return ("The backward pass solves w = g + A^T w, where A is the Jacobian of the step "
            "x -> tanh(W @ x + a) with respect to x at (a, x*), and returns (B^T w,), B its "
            "Jacobian with respect to a. Both depend on x* only through tanh' at x*; A^T u is "
            "a VJP of the step with respect to x, so jax.vjp can give it if you prefer.")


EQUILIBRIUM_POINTS = [(np.array([0.5, -1.0, 2.0]),), (np.array([0.0, 0.0, 0.0]),),
                      (np.array([-3.0, 1.0, 0.2]),)]
EQUILIBRIUM_COTANGENTS = [np.array([1.0, 0.0, 0.0]), np.array([0.5, -2.0, 1.5])]
SOLVES = re.compile(r"\b(lu|triangular_solve|custom_linear_solve|cholesky|qr|svd|eigh?)\[")
LOOPS = re.compile(r"\b(while|scan)\[")


def check_backward_iteration(answer, reference) -> str:
    passed = check_vjp_pair(answer, equilibrium, reference, EQUILIBRIUM_POINTS,
                            cotangents=EQUILIBRIUM_COTANGENTS, hint=backward_iteration_hint)
    fwd, bwd = answer
    a, g = (jnp.asarray(v, jnp.float32) for v in (EQUILIBRIUM_POINTS[0][0],
                                                     EQUILIBRIUM_COTANGENTS[1]))
    residuals = fwd(a)[1]  # computed here: the program below is f_bwd's alone
    program = str(jax.make_jaxpr(bwd)(residuals, g))
    if SOLVES.search(program):
        raise Wrong("your f_bwd gives the right cotangents, but it solves the linear system "
                    "(I - A^T) w = g with a matrix factorization (jnp.linalg.solve, inv, ...). "
                    "The exercise is the iteration w = g + A^T w: it needs only products with "
                    "A^T, which a VJP of the step gives without ever forming A, and that is "
                    "what scales to an x with a million entries.")
    if not LOOPS.search(program):
        raise Wrong("your f_bwd gives the right cotangents, but runs no loop: no while_loop, "
                    "fori_loop or scan. The exercise is the iteration w = g + A^T w, repeated "
                    "until w stops changing (a Python loop of fixed length unrolls into the "
                    "program, and is only right when its length happens to suffice).")
    return passed + " f_bwd iterates in a loop, and solves no linear system."


EXERCISES = (
    Exercise(
        id="10_implicit_cbrt", kind="vjp_pair",
        lesson="10_implicit_differentiation",
        section="The math: differentiate the equation, not the loop",
        asks_for="the pair (cbrt_fwd, cbrt_bwd) for newton_cbrt(a), a while_loop solving "
                 "x**3 = a; the backward pass uses the solution x*, not the loop, and is "
                 "right for every a != 0, negative a included",
        solution=solution, checker=check),
    Exercise(
        id="10_other_map", kind="predict",
        lesson="10_implicit_differentiation",
        section="The math: differentiate the equation, not the loop",
        asks_for="your prediction, a choice such as \"b\"",
        solution=other_map_solution, checker=check_other_map),
    Exercise(
        id="10_cube_root", kind="find_the_bug",
        lesson="10_implicit_differentiation", section="A limitation",
        asks_for="cube_root(a), the cube root by lesson 10's fixed_point, fixed so that "
                 "jax.grad works on it",
        solution=cube_root_solution, checker=check_cube_root, given=cube_root_given),
    Exercise(
        id="10_backward_iteration", kind="vjp_pair",
        lesson="10_implicit_differentiation",
        section="The math: differentiate the equation, not the loop",
        asks_for="the pair (equilibrium_fwd, equilibrium_bwd) for equilibrium(a), the x* with "
                 "x* = tanh(W @ x* + a) for a float32[3] a; equilibrium_bwd computes w = g + "
                 "A^T w by iterating in a loop (no linear solve, no fixed_point), then returns "
                 "(B^T w,)",
        solution=backward_iteration_solution, checker=check_backward_iteration),
)
