"""course.scripted_pdb: a real debugger session, without a keyboard."""

import pdb

import jax
import jax.numpy as jnp
import pytest

import course


@jax.custom_vjp
def debug(x):
    return x


def debug_fwd(x):
    return x, x


def debug_bwd(x, g):
    pdb.set_trace()
    return (g,)


debug.defvjp(debug_fwd, debug_bwd)


def test_session_prints_values_and_continues(capsys):
    before = pdb.set_trace
    with course.scripted_pdb("p x", "p g"):
        grad = jax.grad(lambda x: jnp.sin(debug(x ** 2)))(3.0)
    out = capsys.readouterr().out
    assert "(Pdb) p x\nArray(9., dtype=float32" in out
    assert "(Pdb) p g\nArray(-0.91113025, dtype=float32" in out
    assert "(Pdb) continue" in out
    assert float(grad) == pytest.approx(-0.91113025 * 6, rel=1e-6)
    assert pdb.set_trace is before  # interactive again after the block


def test_commands_must_be_strings():
    with pytest.raises(TypeError, match="debugger commands as strings"):
        with course.scripted_pdb("p x", 3):
            pass
