"""Lesson 12's exercises: predict what jax.checkpoint keeps (residual bytes) and which call
fails under vmap (a rule's Python `if` on a value), fix a backward rule that misreads its
residual (check_grads flags it), and write a log_softmax rule whose residuals fit in one array
of the input's size.

Solution bodies use the lessons' two-space indentation: they are shown verbatim.
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax import custom_jvp, custom_vjp
from jax.scipy.special import logsumexp

from .checking import (
    Exercise,
    Wrong,
    as_numbers,
    check_prediction,
    check_vjp_pair,
    fmt,
    normalize_prediction,
    run,
)

# ---- 12_checkpoint_residuals (predict) ----


@custom_vjp
def wave(x):
    return jnp.sin(x) * jnp.cos(x)


def _wave_fwd(x):
    s, c = jnp.sin(x), jnp.cos(x)
    return s * c, (s, c)


def _wave_bwd(res, g):
    s, c = res
    return (g * (c * c - s * s),)


wave.defvjp(_wave_fwd, _wave_bwd)


def checkpoint_solution():
  x = jnp.linspace(0., 1., 1000)                # float32[1000]: 4000 bytes

  def twice(x):
    return wave(jax.checkpoint(wave)(x))        # only the inner wave is checkpointed

  _, twice_vjp = jax.vjp(twice, x)              # what the backward pass will get
  kept = jax.tree.leaves(twice_vjp)             # the residuals it holds
  print("kept:", [f"{a.dtype}{list(a.shape)}" for a in kept],
        "the first is x itself" if kept[0] is x else "")
  answer = sum(a.nbytes for a in kept)
  return answer


CHECKPOINT_WHY_NOT = {
    "4000": "4000 bytes is what the checkpointed inner wave keeps: its input x. The outer wave "
            "is not checkpointed, so its wave_fwd runs as usual, and its two arrays (sin and "
            "cos of the inner wave's output) are kept as well.",
    "8000": "8000 bytes is what the outer wave_fwd keeps, its two arrays. The checkpointed "
            "inner wave keeps something too: the inputs of the function jax.checkpoint wraps, "
            "from which the backward pass runs it again.",
    "16000": "16000 bytes is what jax.vjp keeps without jax.checkpoint: two arrays per "
             "wave_fwd. The checkpoint replaces the inner wave's two arrays by its input.",
    "20000": "That counts the inner wave's two arrays as well. Under jax.checkpoint they are "
             "not kept: they are computed again from x in the backward pass.",
    "0": "The backward pass needs something to start from: the outer wave_fwd's residuals, "
         "and the input that jax.checkpoint keeps for the inner wave.",
    "3000": "Count bytes, not elements: each float32 takes 4 bytes.",
    "3": "Count bytes, not arrays: one float32[1000] array is 4000 bytes.",
}


def check_checkpoint(answer, reference) -> str:
    return check_prediction(answer, reference, why_not=CHECKPOINT_WHY_NOT)


# ---- 12_vmap_which_raises (predict) ----


@custom_jvp
def mean_square(x):
    return jnp.mean(x ** 2)


@mean_square.defjvp
def _mean_square_jvp(primals, tangents):
    x, = primals
    x_dot, = tangents
    n = x.shape[0]
    return mean_square(x), 2 * jnp.sum(x * x_dot) / n


@custom_jvp
def relu_sum(x):
    return jnp.sum(jnp.maximum(x, 0.))


@relu_sum.defjvp
def _relu_sum_jvp(primals, tangents):
    x, = primals
    x_dot, = tangents
    if jnp.all(x > 0):
        return relu_sum(x), jnp.sum(x_dot)
    return relu_sum(x), jnp.sum(jnp.where(x > 0, x_dot, 0.))


def vmap_solution():
  batch = jnp.arange(1., 13.).reshape(4, 3)   # 4 examples of 3 positive numbers
  calls = {"a": lambda: jax.vmap(jax.grad(mean_square))(batch),
           "b": lambda: jax.grad(relu_sum)(batch[0]),
           "c": lambda: jax.vmap(jax.grad(relu_sum))(batch)}
  raised = []
  for letter, call in calls.items():
    try:
      call()
      print(f"{letter}: runs")
    except jax.errors.TracerBoolConversionError as e:
      print(f"{letter}: {type(e).__name__}: {str(e).splitlines()[0]}")
      raised.append(letter)
  answer = "".join(raised)   # the letter of the call that raised
  return answer


VMAP_WHY_NOT = {
    "a": "(a) runs: x.shape[0] is a Python int known when the rule runs, and under vmap the rule "
         "sees one example's shape, (3,), so n is 3 as intended.",
    "b": "(b) runs: under grad without jit the rule gets the concrete values of x, so Python's "
         "`if` can ask whether they are all positive (lesson 6, 'Python control flow').",
    "none": "One of them raises: under vmap the rule runs once on a tracer that stands for the "
            "whole batch, which has no True or False to give to an `if`.",
}


def check_vmap(answer, reference) -> str:
    choice = normalize_prediction(answer, reference)
    if choice is not None and choice not in {"a", "b", "c", "none"}:
        letters = set(choice) - set(" ,;&") <= set("abc") or " and " in f" {choice} "
        named = len(choice) > 1 and not letters  # a word such as an exception's name
        raise Wrong(f"expected a choice, the letter of the call that raises (\"a\", \"b\" or "
                    f"\"c\"), got {fmt(answer)}."
                    + (" The question is which call raises, not what it raises." if named
                       else " Answer with a single letter: exactly one of the calls raises."
                       if len(choice) > 1 else ""))
    return check_prediction(answer, reference, why_not=VMAP_WHY_NOT)


# ---- 12_tanh_residual (find_the_bug) ----


def my_tanh(x):
    return jnp.tanh(x)


def tanh_given():
  @custom_vjp
  def my_tanh(x):
    return jnp.tanh(x)

  def my_tanh_fwd(x):
    y = jnp.tanh(x)
    return y, y

  def my_tanh_bwd(y, g):
    return (g * (1 - jnp.tanh(y) ** 2),)

  my_tanh.defvjp(my_tanh_fwd, my_tanh_bwd)
  answer = (my_tanh_fwd, my_tanh_bwd)
  return answer


def tanh_solution():
  @custom_vjp
  def my_tanh(x):
    return jnp.tanh(x)

  def my_tanh_fwd(x):
    y = jnp.tanh(x)
    return y, y

  def my_tanh_bwd(y, g):
    return (g * (1 - y ** 2),)

  my_tanh.defvjp(my_tanh_fwd, my_tanh_bwd)
  answer = (my_tanh_fwd, my_tanh_bwd)
  return answer


def named_mistake(answer, x, ct, where: str, mistakes: dict) -> None:
    """Run the pair `answer` by hand at `x` with output cotangent `ct`; when f_bwd's result is
    one of the `mistakes` (reason -> the value that mistake gives, or None where it coincides
    with the right one), raise Wrong with its reason. Anything else is left to the full check."""
    if not (isinstance(answer, tuple) and len(answer) == 2 and all(map(callable, answer))):
        return
    fwd, bwd = answer
    out = run(f"f_fwd({where})", fwd, x)
    if not (isinstance(out, tuple) and len(out) == 2):
        return
    cts = run("f_bwd", bwd, out[1], ct)
    if not (isinstance(cts, (tuple, list)) and len(cts) == 1):
        return
    got, true = as_numbers(cts[0]), mistakes.pop("right")
    if got is None or got.dtype.kind != "f" or got.shape != np.shape(true):
        return
    for reason, value in mistakes.items():
        if value is not None and np.allclose(got, value, rtol=1e-4, atol=1e-6):
            raise Wrong(f"at x={where} with output cotangent {fmt(ct)}, f_bwd gives {fmt(got)}, "
                        f"expected {fmt(true)}. {reason}")


def check_tanh(answer, reference) -> str:
    x = np.float32(1.5)
    t = np.tanh(x)
    named_mistake(answer, x, np.float32(1.0), "1.5", {
        "right": 1 - t ** 2,
        "f_bwd takes the tanh of its residual, but the residual already is tanh(x): f_fwd "
        "saved y = tanh(x), so the derivative is 1 - y**2 with y as it is.":
            1 - np.tanh(t) ** 2,
        "f_bwd treats its residual as tanh(x), but what f_fwd saved is x itself: either save "
        "y = tanh(x), or compute tanh from x in f_bwd.": 1 - x ** 2,
        "f_bwd gives 1 - tanh(x), not the square: the derivative of tanh is 1 - tanh(x)**2.":
            1 - t,
    })
    return check_vjp_pair(answer, my_tanh, reference, [(0.5,), (-1.5,), (0.0,), (3.0,)],
                          cotangents=[1.0, -2.5])


# ---- 12_log_softmax_vjp (write) ----


def log_softmax(x):
    return x - logsumexp(x)


def log_softmax_solution():
  def log_softmax_fwd(x):
    y = log_softmax(x)
    return y, y                    # the output alone: exp(y) is softmax(x)

  def log_softmax_bwd(y, g):
    return (g - jnp.exp(y) * jnp.sum(g),)

  answer = (log_softmax_fwd, log_softmax_bwd)
  return answer


BUDGET_SIZE = 1000


def residual_bytes(fwd) -> tuple[int, int, list[str]]:
    """For an input of BUDGET_SIZE float32, the bytes of what `fwd` saves, the bytes of its
    arrays that are not scalars, and their types."""
    x = jnp.linspace(-2.0, 2.0, BUDGET_SIZE, dtype=jnp.float32)
    out = run(f"f_fwd on a float32[{BUDGET_SIZE}]", fwd, x)
    leaves = [np.asarray(leaf) for leaf in jax.tree.leaves(out[1])]
    return (sum(a.nbytes for a in leaves), sum(a.nbytes for a in leaves if a.size > 1),
            [f"{a.dtype}{list(a.shape)}" for a in leaves])


def check_log_softmax(answer, reference) -> str:
    points = [(jnp.array([0.5, -1.0, 2.0, 0.0]),), (jnp.array([3.0, 3.0, 3.0, 3.0]),),
              (jnp.array([-2.0, 0.1, 5.0, -4.0]),)]
    cotangents = [jnp.array([1.0, 0.0, 0.0, 0.0]), jnp.array([0.5, -1.0, 2.0, 0.25])]
    x, g = np.array([0.5, -1.0, 2.0, 0.0], np.float32), np.array([0.5, -1.0, 2.0, 0.25], np.float32)
    y = np.asarray(log_softmax(x))
    named_mistake(answer, x, g, "[0.5, -1, 2, 0]", {
        "right": g - np.exp(y) * g.sum(),
        "Each input's cotangent uses only its own output's cotangent, but every output of "
        "log_softmax depends on every input (through logsumexp): the backward pass must "
        "combine the whole output cotangent.": g - np.exp(y) * g,
        "f_bwd uses y, a log-probability, where the probabilities are needed: softmax(x) is "
        "exp(y).": g - y * g.sum(),
    })
    verified = check_vjp_pair(answer, log_softmax, reference, points, cotangents)
    nbytes, array_bytes, kinds = residual_bytes(answer[0])
    budget = 4 * BUDGET_SIZE
    if array_bytes > budget:  # scalars aside: saving logsumexp(x) next to x is fine
        raise Wrong(f"the values are right, but for x a float32[{BUDGET_SIZE}] ({budget} "
                    f"bytes) f_fwd keeps {nbytes} bytes ({', '.join(kinds)}): more than one "
                    "array of x's size. Ask what f_bwd really needs: one array, from which "
                    "everything else it uses is one cheap operation away.")
    return (f"{verified} For x a float32[{BUDGET_SIZE}], f_fwd keeps {nbytes} bytes "
            f"({', '.join(kinds)}): within one array of x's size.")


EXERCISES = (
    Exercise(
        id="12_checkpoint_residuals", kind="predict",
        lesson="12_choosing_and_testing_rules",
        section="`jax.checkpoint` and `optimize_remat=True`",
        asks_for="a count of bytes: what jax.vjp(twice, x) keeps for the backward pass, "
                 "with twice(x) = wave(jax.checkpoint(wave)(x)) and x a float32[1000]",
        solution=checkpoint_solution, checker=check_checkpoint),
    Exercise(
        id="12_vmap_which_raises", kind="predict",
        lesson="12_choosing_and_testing_rules", section="Rules under `vmap`",
        asks_for="a choice: the letter of the call that raises, \"a\", \"b\" or \"c\"",
        solution=vmap_solution, checker=check_vmap),
    Exercise(
        id="12_tanh_residual", kind="find_the_bug",
        lesson="12_choosing_and_testing_rules", section="Testing a rule with `check_grads`",
        asks_for="the pair (my_tanh_fwd, my_tanh_bwd), with the bug fixed",
        solution=tanh_solution, checker=check_tanh, given=tanh_given),
    Exercise(
        id="12_log_softmax_vjp", kind="vjp_pair",
        lesson="12_choosing_and_testing_rules", section="Residuals and memory",
        asks_for="the pair (log_softmax_fwd, log_softmax_bwd) for log_softmax(x) = x - "
                 "logsumexp(x), keeping at most one array of x's size (scalars aside)",
        solution=log_softmax_solution, checker=check_log_softmax),
)
