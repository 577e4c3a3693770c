"""Lesson 9's exercises: a JVP rule that receives a function through nondiff_argnums; which
call puts a tracer where nondiff_argnums promised none; and an array taken out of
nondiff_argnums, where custom_jvp silently dropped its derivative.

Solution bodies use the lessons' two-space indentation: they are shown verbatim.
"""

import inspect
from functools import partial

import jax
import jax.numpy as jnp
from jax import custom_jvp, custom_vjp, grad

from ..compat import custom_jvp_nondiff_argnums, custom_jvp_rule
from .checking import Exercise, Wrong, check_jvp_function, check_jvp_rule, fmt, parameter_names
from .choices import check_choice


def apply_twice(f, x):
    return f(f(x))


def cube(x):
    return x ** 3


def solution():
  def apply_twice_jvp(f, primals, tangents):
    x, = primals
    x_dot, = tangents
    y, y_dot = jax.jvp(f, (x,), (x_dot,))
    return jax.jvp(f, (y,), (y_dot,))

  answer = apply_twice_jvp
  return answer


def apply_twice_hint(expected, got) -> str:
    """Always true of apply_twice, and the step most often missed."""
    return ("The tangent of f(f(x)) is f'(y) * f'(x) * x_dot: the second step's tangent is "
            "evaluated at y = f(x), not at x, and scales the first step's tangent.")


def check(answer, reference) -> str:
    return check_jvp_rule(answer, apply_twice, reference, [(0.5,), (-1.2,), (2.0,)],
                          nondiff_argnums=(0,),
                          nondiff_values=[(jnp.sin,), (jnp.tanh,), (cube,)],
                          hint=apply_twice_hint)


def tracer_solution():
  @partial(custom_vjp, nondiff_argnums=(0,))
  def scale(s, x):
    return s * x

  scale.defvjp(lambda s, x: (s * x, None), lambda s, _, g: (s * g,))

  calls = {"a": lambda: grad(scale, 1)(jnp.array(2.), 3.),
           "b": lambda: jax.vmap(lambda x: grad(scale, 1)(2., x))(jnp.arange(3.)),
           "c": lambda: jax.jit(scale)(2., 3.)}
  raised = []
  for choice, call in calls.items():
    try:
      call()
      print(f"{choice}: runs")
    except jax.errors.UnexpectedTracerError as e:
      print(f"{choice}: {type(e).__name__}: {str(e).splitlines()[0]}")
      raised.append(choice)
  answer, = raised  # the one call that raised
  return answer


def check_tracer(answer, reference) -> str:
    return check_choice(answer, reference, why_not={
        "a": "s is a jnp array here, but a concrete one: JAX knows its value, and grad "
             "differentiates with respect to x only. What custom_vjp refuses is a tracer in a "
             "nondiff_argnums position, not an array.",
        "b": "vmap maps over x only, an ordinary argument; s is the plain number 2., not a "
             "tracer, so nothing reaches nondiff_argnums but a concrete value.",
    })


def amplitude_given():
  @partial(custom_jvp, nondiff_argnums=(0,))
  def wave(amp, x):
    return amp * jnp.sin(x)

  @wave.defjvp
  def wave_jvp(amp, primals, tangents):
    x, = primals
    x_dot, = tangents
    return wave(amp, x), amp * jnp.cos(x) * x_dot

  answer = wave
  return answer


def amplitude_solution():
  @custom_jvp
  def wave(amp, x):
    return amp * jnp.sin(x)

  @wave.defjvp
  def wave_jvp(primals, tangents):
    amp, x = primals
    amp_dot, x_dot = tangents
    return wave(amp, x), jnp.sin(x) * amp_dot + amp * jnp.cos(x) * x_dot

  answer = wave
  return answer


AMPLITUDE_POINTS = [(2.0, 0.5), (-1.0, 2.0), (0.5, -3.0)]


def amp_still_nondiff(answer) -> None:
    """An argument is still (or now) in nondiff_argnums, where custom_jvp drops its derivative
    without a word; or the rule was left behind, still taking amp first, when amp moved."""
    if not isinstance(answer, jax.custom_jvp):
        return
    declared = custom_jvp_nondiff_argnums(answer)
    names = parameter_names(answer)
    held = [names[i] if i < len(names) else f"argument {i}" for i in declared]
    if declared and held != ["amp"]:
        them = "it" if len(held) == 1 else "them"
        raise Wrong(f"your wave is declared with nondiff_argnums={declared}, so custom_jvp "
                    f"treats {' and '.join(held)} as a constant: grad with respect to {them} "
                    "is 0, with no error and no warning. Neither amp nor x belongs there: "
                    "declare no nondiff_argnums, and the rule finds both in primals, and "
                    "their tangents in tangents.")
    try:
        signature = inspect.signature(custom_jvp_rule(answer))
    except (TypeError, ValueError):  # no rule, or nothing to inspect: the value checks tell
        return
    if len(signature.parameters) == 3 and not declared:
        raise Wrong("your wave declares no nondiff_argnums now, so JAX calls its rule as "
                    "wave_jvp(primals, tangents), with two arguments, but your rule still "
                    "takes three, amp first: the signature of a rule for amp in "
                    "nondiff_argnums. Drop amp from the rule's parameters: it is in primals "
                    "now, and its tangent in tangents.")
    if len(signature.parameters) == 3:
        raise Wrong("your rule still takes amp before primals and tangents, the signature of "
                    "a rule for amp in nondiff_argnums. There custom_jvp treats amp as a "
                    "constant: grad with respect to amp is 0, with no error and no warning. "
                    "Make amp an ordinary argument: the rule then finds it in primals, and "
                    "its tangent in tangents.")


def amp_tangent_lost(answer) -> None:
    """The tangent along amp alone is 0 where the output does move with amp."""
    if not isinstance(answer, jax.custom_jvp):
        return  # check_jvp_function says what it should be
    amp, x = (jnp.float32(v) for v in AMPLITUDE_POINTS[0])
    try:
        _, tangent = jax.jvp(answer, (amp, x), (jnp.float32(1), jnp.float32(0)))
        lost = float(tangent) == 0.0
    except Exception:  # any other failure: check_jvp_function names it
        return
    if lost:
        raise Wrong(f"along amp alone, the tangent at (amp, x) = ({fmt(amp)}, {fmt(x)}) is 0, "
                    f"but the output moves with amp (by sin(x) = {fmt(jnp.sin(x))} per unit): "
                    "the rule must add amp's own term, its tangent times how fast the output "
                    "moves with amp.")


def check_amplitude(answer, reference) -> str:
    amp_still_nondiff(answer)
    amp_tangent_lost(answer)
    return check_jvp_function(answer, reference, AMPLITUDE_POINTS)


EXERCISES = (
    Exercise(
        id="09_apply_twice", kind="jvp_rule",
        lesson="09_nondiff_argnums", section="With `custom_jvp`",
        asks_for="the JVP rule apply_twice_jvp(f, primals, tangents) for apply_twice(f, x) = "
                 "f(f(x)), declared with nondiff_argnums=(0,)",
        solution=solution, checker=check),
    Exercise(
        id="09_which_raises", kind="predict",
        lesson="09_nondiff_argnums", section="When not to use it",
        asks_for="your prediction: the letter of the call that raises, such as \"b\"",
        solution=tracer_solution, checker=check_tracer),
    Exercise(
        id="09_amplitude", kind="find_the_bug",
        lesson="09_nondiff_argnums", section="When not to use it",
        asks_for="wave(amp, x) = amp * sin(x), fixed so that grad with respect to amp is "
                 "right, as a @custom_jvp function with its rule",
        solution=amplitude_solution, checker=check_amplitude, given=amplitude_given),
)
