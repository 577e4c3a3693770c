"""Pinned wrong answers for lesson 12's exercises, written as a learner would write them."""

TANH_HEAD = """
@custom_vjp
def my_tanh(x):
  return jnp.tanh(x)
"""

LOG_SOFTMAX_HEAD = """
from jax.scipy.special import logsumexp

@custom_vjp
def log_softmax(x):
  return x - logsumexp(x)
"""

WRONG = {
    "12_checkpoint_residuals": {
        "the checkpoint's input only": "answer = 4000",
        "the outer wave_fwd only": "answer = 8000",
        "as without the checkpoint": "answer = '16,000'",
        "the inner arrays too": "answer = 20000",
        "elements, not bytes": "answer = 3000",
        "nothing kept": "answer = 0",
        "an exception type": "answer = TypeError",
    },
    "12_vmap_which_raises": {
        "the shape one": "answer = 'a'",
        "grad alone": "answer = 'B'",
        "none of them": "answer = 'none'",
        "an exception type": "answer = 'TracerBoolConversionError'",
    },
    "12_tanh_residual": {
        "tanh twice, renamed": TANH_HEAD + """
def my_tanh_fwd(x):
  t = jnp.tanh(x)
  return t, t

def my_tanh_bwd(t, g):
  return (g * (1 - jnp.tanh(t) ** 2),)

my_tanh.defvjp(my_tanh_fwd, my_tanh_bwd)
answer = (my_tanh_fwd, my_tanh_bwd)
""",
        "saves x, reads it as tanh(x)": TANH_HEAD + """
def my_tanh_fwd(x):
  return jnp.tanh(x), x

def my_tanh_bwd(y, g):
  return (g * (1 - y ** 2),)

my_tanh.defvjp(my_tanh_fwd, my_tanh_bwd)
answer = (my_tanh_fwd, my_tanh_bwd)
""",
        "square dropped": TANH_HEAD + """
def my_tanh_fwd(x):
  y = jnp.tanh(x)
  return y, y

def my_tanh_bwd(y, g):
  return (g * (1 - y),)

my_tanh.defvjp(my_tanh_fwd, my_tanh_bwd)
answer = (my_tanh_fwd, my_tanh_bwd)
""",
        "bare cotangent": TANH_HEAD + """
def my_tanh_fwd(x):
  y = jnp.tanh(x)
  return y, y

def my_tanh_bwd(y, g):
  return g * (1 - y ** 2)

my_tanh.defvjp(my_tanh_fwd, my_tanh_bwd)
answer = (my_tanh_fwd, my_tanh_bwd)
""",
    },
    "12_log_softmax_vjp": {
        "keeps x and y": LOG_SOFTMAX_HEAD + """
def log_softmax_fwd(x):
  y = log_softmax(x)
  return y, (x, y)

def log_softmax_bwd(res, g):
  x, y = res
  return (g - jnp.exp(y) * jnp.sum(g),)

log_softmax.defvjp(log_softmax_fwd, log_softmax_bwd)
answer = (log_softmax_fwd, log_softmax_bwd)
""",
        "sum of g forgotten": LOG_SOFTMAX_HEAD + """
def log_softmax_fwd(x):
  y = log_softmax(x)
  return y, y

def log_softmax_bwd(y, g):
  return (g - jnp.exp(y) * g,)

log_softmax.defvjp(log_softmax_fwd, log_softmax_bwd)
answer = (log_softmax_fwd, log_softmax_bwd)
""",
        "y used as softmax": LOG_SOFTMAX_HEAD + """
def log_softmax_fwd(x):
  y = log_softmax(x)
  return y, y

def log_softmax_bwd(y, g):
  return (g - y * jnp.sum(g),)

log_softmax.defvjp(log_softmax_fwd, log_softmax_bwd)
answer = (log_softmax_fwd, log_softmax_bwd)
""",
        "softmax and x kept": LOG_SOFTMAX_HEAD + """
def log_softmax_fwd(x):
  p = jax.nn.softmax(x)
  return jnp.log(p), (x, p, logsumexp(x))

def log_softmax_bwd(res, g):
  x, p, lse = res
  return (g - p * jnp.sum(g),)

log_softmax.defvjp(log_softmax_fwd, log_softmax_bwd)
answer = (log_softmax_fwd, log_softmax_bwd)
""",
    },
}

EXPECTED = {
    ("12_checkpoint_residuals", "the checkpoint's input only"):
        r"you predicted 4000, which is not what JAX does\. 4000 bytes is what the checkpointed "
        r"inner wave keeps: its input x\. The outer wave is not checkpointed",
    ("12_checkpoint_residuals", "the outer wave_fwd only"):
        r"you predicted 8000, .* The checkpointed inner wave keeps something too: the inputs of "
        r"the function jax\.checkpoint wraps",
    ("12_checkpoint_residuals", "as without the checkpoint"):
        r"you predicted 16000, .* what jax\.vjp keeps without jax\.checkpoint: two arrays per "
        r"wave_fwd",
    ("12_checkpoint_residuals", "the inner arrays too"):
        r"you predicted 20000, .* Under jax\.checkpoint they are not kept",
    ("12_checkpoint_residuals", "elements, not bytes"):
        r"you predicted 3000, .* Count bytes, not elements: each float32 takes 4 bytes\.",
    ("12_checkpoint_residuals", "nothing kept"):
        r"you predicted 0, .* the input that jax\.checkpoint keeps for the inner wave",
    ("12_checkpoint_residuals", "an exception type"):
        r"expected a prediction of the form a number, such as 3 or \"3\", got type TypeError",
    ("12_vmap_which_raises", "the shape one"):
        r"you predicted a, which is not what JAX does\. \(a\) runs: x.shape\[0\] is a Python int "
        r"known when the rule runs, and under vmap the rule sees one example's shape, \(3,\)",
    ("12_vmap_which_raises", "grad alone"):
        r"you predicted b, .* \(b\) runs: under grad without jit the rule gets the concrete "
        r"values of x",
    ("12_vmap_which_raises", "none of them"):
        r"you predicted none, .* One of them raises: under vmap the rule runs once on a tracer",
    ("12_vmap_which_raises", "an exception type"):
        r"expected a choice, the letter of the call that raises \(\"a\", \"b\" or \"c\"\), got "
        r"'TracerBoolConversionError'\. The question is which call raises",
    ("12_tanh_residual", "tanh twice, renamed"):
        r"at x=1.5 with output cotangent 1, f_bwd gives 0.4833331, expected 0.1807067\. f_bwd "
        r"takes the tanh of its residual, but the residual already is tanh\(x\)",
    ("12_tanh_residual", "saves x, reads it as tanh(x)"):
        r"f_bwd gives -1.25, expected 0.1807067\. f_bwd treats its residual as tanh\(x\), but "
        r"what f_fwd saved is x itself",
    ("12_tanh_residual", "square dropped"):
        r"f_bwd gives 0.09485179, expected 0.1807067\. f_bwd gives 1 - tanh\(x\), not the "
        r"square",
    ("12_tanh_residual", "bare cotangent"):
        r"f_bwd must return a tuple with one cotangent per primal argument: got a single "
        r"ArrayImpl \(0.7864477\), expected a tuple of 1",
    ("12_log_softmax_vjp", "keeps x and y"):
        r"the values are right, but for x a float32\[1000\] \(4000 bytes\) f_fwd keeps 8000 "
        r"bytes \(float32\[1000\], float32\[1000\]\): more than one array of x's size",
    ("12_log_softmax_vjp", "sum of g forgotten"):
        r"at x=\[0.5, -1, 2, 0\] with output cotangent \[0.5, -1, 2, 0.25\], f_bwd gives "
        r"\[0.4207776, .*\], expected \[0.2227218, .*\]\. Each input's cotangent uses only its "
        r"own output's cotangent",
    ("12_log_softmax_vjp", "y used as softmax"):
        r"f_bwd gives \[3.724112, .*\]\. f_bwd uses y, a log-probability, where the "
        r"probabilities are needed",
    ("12_log_softmax_vjp", "softmax and x kept"):
        r"f_fwd keeps 8004 bytes \(float32\[1000\], float32\[1000\], float32\[\]\)",
}


# Issue 20: several letters are told to answer with one (C28); unusual correct answers.
WRONG.setdefault("12_vmap_which_raises", {}).update({
    "two letters (C28)": 'answer = "b and c"',
})
EXPECTED.update({
    ("12_vmap_which_raises", "two letters (C28)"):
        r"got 'b and c'\. Answer with a single letter: exactly one of the calls raises\.",
})

CORRECT = {
    "12_tanh_residual": {
        "save x and keep 1 - tanh(x)**2": """
def my_tanh_fwd(x):
  return jnp.tanh(x), x
def my_tanh_bwd(x, g):
  return (g * (1 - jnp.tanh(x) ** 2),)
answer = (my_tanh_fwd, my_tanh_bwd)
""",
    },
    "12_log_softmax_vjp": {
        "saves x and the scalar logsumexp": """
def log_softmax_fwd(x):
  lse = jax.scipy.special.logsumexp(x)
  return x - lse, (x, lse)
def log_softmax_bwd(res, g):
  x, lse = res
  return (g - jnp.exp(x - lse) * jnp.sum(g),)
answer = (log_softmax_fwd, log_softmax_bwd)
""",
    },
}

CORRECT["12_tanh_residual"].update({
    "(1 - y)(1 + y)": """
def my_tanh_fwd(x):
  y = jnp.tanh(x)
  return y, y
def my_tanh_bwd(y, g):
  return (g * (1 - y) * (1 + y),)
answer = (my_tanh_fwd, my_tanh_bwd)
""",
})
CORRECT["12_log_softmax_vjp"].update({
    "saves the probabilities": """
def log_softmax_fwd(x):
  y = x - jax.scipy.special.logsumexp(x)
  return y, jnp.exp(y)
def log_softmax_bwd(p, g):
  return (g - p * jnp.sum(g),)
answer = (log_softmax_fwd, log_softmax_bwd)
""",
})
