"""Lesson 5's exercises: nan_guard, an identity whose backward pass zeroes non-finite
cotangents; and a prediction of how often a backward rule's Python runs under jit.

Solution bodies use the lessons' two-space indentation: they are shown verbatim.
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax import custom_vjp

from .checking import Exercise, Wrong, check_prediction, check_vjp_pair, fmt, run


def nan_guard(x):
    return x


def solution():
  def nan_guard_fwd(x):
    return x, None

  def nan_guard_bwd(res, g):
    return (jnp.where(jnp.isfinite(g), g, 0.),)

  answer = (nan_guard_fwd, nan_guard_bwd)
  return answer


def leak_hint(expected, got) -> str | None:
    if np.any((expected != 0) & np.isfinite(expected) & (got == 0)):
        return ("A finite cotangent was replaced by 0: only nan, inf and -inf are to be "
                "replaced. Finite cotangents pass unchanged, however large or small.")
    if np.any(np.isinf(got)):
        return "An inf cotangent got through: jnp.isnan misses inf; test with jnp.isfinite."
    if np.any(np.isnan(got)):
        return "A nan cotangent got through: replace non-finite g with 0 in f_bwd."
    if np.all(expected == 0) and np.any(np.abs(got) >= np.finfo(np.float32).max / 2):
        return ("That is the largest float32: jnp.nan_to_num turns nan into 0 but inf into "
                "the largest finite float, unless you tell it otherwise (posinf=, neginf=).")
    return None


# Non-finite cotangents to replace; finite ones, huge and tiny, to pass through unchanged.
COTANGENTS = [1.5, np.nan, np.inf, -np.inf, 1e30, -3e38, 1e-30]


def check(answer, reference) -> str:
    verified = check_vjp_pair(answer, nan_guard, reference, [(0.0,), (4.0,), (-2.0,)],
                              cotangents=COTANGENTS, hint=leak_hint)
    fwd, bwd = answer
    for x in (np.nan, np.inf, -np.inf):
        out = run(f"f_fwd({fmt(x)})", fwd, jnp.float32(x))[0]
        if not np.array_equal(np.asarray(out), np.float32(x), equal_nan=True):
            raise Wrong(f"f_fwd({fmt(x)}) returns {fmt(out)} as the primal output, but "
                        f"nan_guard({fmt(x)}) is {fmt(x)}: under jax.grad or jax.vjp the "
                        "forward pass would no longer be the identity. The guard belongs in "
                        "the backward pass only: f_fwd returns x as it is.")
    g = jnp.array([1.5, np.nan, np.inf], jnp.float32)
    with jax.disable_jit():  # one operation at a time, as IEEE arithmetic defines them
        residuals = run("f_fwd(1.5)", fwd, jnp.float32(1.5))[1]
        masked = run("f_bwd, run one operation at a time", bwd, residuals, g)
    if np.any(~np.isfinite(np.asarray(masked[0]))):
        raise Wrong("your f_bwd gives the right values only because XLA compiles it into a "
                    "select: run one operation at a time (jax.disable_jit()), it turns the "
                    f"cotangents {fmt(g)} into {fmt(masked[0])}. By IEEE arithmetic nan * 0 is "
                    "nan and inf * 0 is nan, so multiplying by a 0/1 mask does not remove them; "
                    "jnp.where(jnp.isfinite(g), g, 0.) selects, and is right however it is "
                    "compiled.")
    return (f"{verified} f_fwd passes nan, inf and -inf through as the primal output, and "
            "f_bwd gives the same cotangents run one operation at a time (jax.disable_jit()).")


def solution_traces():
  bwd_calls = []

  @custom_vjp
  def debug(x):
    return x

  def debug_fwd(x):
    return x, x

  def debug_bwd(x, g):
    bwd_calls.append(g)
    return (g,)

  debug.defvjp(debug_fwd, debug_bwd)

  def foo(x):
    return jnp.sin(debug(x ** 2))

  grad_foo = jax.jit(jax.grad(foo))
  grad_foo(3.)
  grad_foo(4.)
  grad_foo(jnp.float16(3.))

  answer = len(bwd_calls)
  return answer


def check_traces(answer, reference) -> str:
    return check_prediction(answer, reference, why_not={
        "3": "Under jit, Python code runs only while JAX traces the function; a later call "
             "with the same shapes and dtypes runs the compiled computation, and the backward "
             "rule's Python does not run.",
        "1": "jit compiles once per shape and dtype of the arguments: the float16 call is "
             "traced anew, and the backward rule's Python runs again.",
        "0": "The rule's Python does run, while JAX traces: that is when pdb stopped in the "
             "lesson, with a tracer in g.",
    })


EXERCISES = (
    Exercise(
        id="05_nan_guard", kind="vjp_pair",
        lesson="05_debugging_the_backward_pass",
        section="An identity function with a breakpoint in its backward rule",
        asks_for="the pair (nan_guard_fwd, nan_guard_bwd) for the identity nan_guard(x) = x, "
                 "whose backward pass replaces every non-finite cotangent (nan, inf, -inf) by 0",
        solution=solution, checker=check),
    Exercise(
        id="05_jit_traces", kind="predict",
        lesson="05_debugging_the_backward_pass",
        section="Under `jit`: the debugger sees tracers, `jax.debug.print` sees values",
        asks_for="your prediction, a count such as 3",
        solution=solution_traces, checker=check_traces),
)
