"""Claims the lessons make about what JAX does, each checked against the pinned JAX.

A sentence in a lesson that says what JAX does (raises, returns, calls, accepts, runs n times)
is either shown by a cell beside it, which nbval pins, or tested here: one test per claim,
named after the lesson and section, quoting the sentence in its docstring. When JAX is
upgraded, a changed behaviour fails here instead of silently making the prose wrong.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import custom_jvp, custom_vjp

# ---- 01-04 ----

# ---- 05-07 ----

# ---- 08-11 ----
