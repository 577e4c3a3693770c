"""Lesson 05_debugging_the_backward_pass: its claims about what JAX does, against the pinned JAX.

A sentence in a lesson that says what JAX does (raises, returns, calls, accepts, runs n times)
is either shown by a cell beside it, which nbval pins, or tested here: one test per claim,
named after the lesson and section, quoting the sentence in its docstring. When JAX is
upgraded, a changed behaviour fails here instead of silently making the prose wrong.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import custom_vjp


def _debug_identity(bwd_body):
    """Lesson 5's `debug` identity and `foo(x) = sin(x**2)`, with the given backward body."""

    @custom_vjp
    def debug(x):
        return x

    debug.defvjp(lambda x: (x, x), bwd_body)

    def foo(x):
        return jnp.sin(debug(x**2))

    return foo


def _debug_with_pdb():
    import pdb  # the rule looks up pdb.set_trace when it runs, as in the lesson

    def debug_bwd(x, g):
        pdb.set_trace()
        return (g,)

    return _debug_identity(debug_bwd)


def _printed_arrays(text, after):
    """The scalar values of the `Array(...)` reprs that follow each `after` in a debugger log."""
    import re

    pattern = re.escape(after) + r"\s*Array\(([-+.\deE]+), dtype=float32"
    return [float(v) for v in re.findall(pattern, text)]


def _identity_with_bwd(bwd):
    @custom_vjp
    def debug(x):
        return x

    debug.defvjp(lambda x: (x, x), bwd)
    return debug


def test_05_using_it_live_pdb_commands_work(capsys):
    """05, Using it live: "`p g`, `p g.shape`, `pp locals()`, `w` (where) all work; `c`
    resumes the backward pass"."""
    import course

    foo = _debug_with_pdb()
    with course.scripted_pdb("p g", "p g.shape", "pp locals()", "w"):
        grad = jax.grad(foo)(3.0)
    out = capsys.readouterr().out
    assert "***" not in out  # pdb reports a failed command with "*** <error>"
    np.testing.assert_allclose(_printed_arrays(out, "(Pdb) p g"), [np.cos(9.0)], rtol=1e-6)
    assert "(Pdb) p g.shape\n()\n" in out
    # `pp locals()` pretty-prints the rule's two locals, the cotangent g and the residual x
    np.testing.assert_allclose(_printed_arrays(out, "{'g':"), [np.cos(9.0)], rtol=1e-6)
    np.testing.assert_allclose(_printed_arrays(out, "'x':"), [9.0], rtol=1e-6)
    assert "_custom_lin_transpose" in out  # `w` lists the backward pass's frames
    np.testing.assert_allclose(grad, 6 * np.cos(9.0), rtol=1e-6)  # `continue` resumed it


def test_05_using_it_live_q_aborts_the_backward_pass():
    """05, Using it live: "`q` aborts it: `jax.grad` then raises `bdb.BdbQuit` and returns
    nothing"."""
    import bdb

    import course

    foo = _debug_with_pdb()
    with course.scripted_pdb("q"), pytest.raises(bdb.BdbQuit):
        jax.grad(foo)(3.0)


def test_05_under_jit_debug_breakpoint_stops_at_run_time_with_values():
    """05, Under jit: "`jax.debug.breakpoint()` is the interactive counterpart: under `jit` it
    opens JAX's own debugger (prompt `(jdb)`) at run time, with the values"."""
    import io

    # JAX's CLI debugger takes stdin and stdout like pdb, so the commands are typed for it:
    # one session per stop (the streams are captured once, when the rule is traced).
    stdin, out = io.StringIO("p x\np g\nc\n" * 2), io.StringIO()

    def debug_bwd(x, g):
        jax.debug.breakpoint(backend="cli", stdin=stdin, stdout=out)
        return (g,)

    grad_foo = jax.jit(jax.grad(_debug_identity(debug_bwd)))
    grad_foo(3.0)
    grad_foo(4.0)  # compiled already: the breakpoint still stops, at run time
    jax.effects_barrier()
    text = out.getvalue()
    assert text.count("Entering jdb:") == 2
    np.testing.assert_allclose(_printed_arrays(text, "(jdb)"), [9.0, np.cos(9.0), 16.0,
                                                                 np.cos(16.0)], rtol=1e-6)


def test_05_under_jit_weak_type_is_part_of_the_cache_key():
    """05, Under `jit`: "later calls whose arguments have the same shapes, dtypes and weak
    types ... skip your Python code"; "an argument that is a float32 scalar without the `~` is
    traced anew"."""
    calls = []
    debug = _identity_with_bwd(lambda x, g: calls.append(g) or (g,))
    grad_foo = jax.jit(jax.grad(lambda x: jnp.sin(debug(x ** 2))))
    grad_foo(3.0)
    grad_foo(4.0)
    assert len(calls) == 1 and calls[0].aval.weak_type and calls[0].dtype == jnp.float32
    grad_foo(jnp.float32(3.0))
    assert len(calls) == 2 and not calls[1].aval.weak_type
    grad_foo(jnp.float32(4.0))
    assert len(calls) == 2


def test_05_under_jit_a_jitted_function_keeps_the_rule_it_traced():
    """05, Under `jit`: "the old `grad_foo` would go on running the old rule for every kind of
    argument it has already compiled, and switch to the new rule only for an argument that makes
    it trace again"."""
    @custom_vjp
    def debug(x):
        return x

    def foo(x):
        return jnp.sin(debug(x ** 2))

    debug.defvjp(lambda x: (x, x), lambda x, g: (g,))
    old = jax.jit(jax.grad(foo))
    right = float(old(3.0))
    debug.defvjp(lambda x: (x, x), lambda x, g: (100.0 * g,))
    assert float(old(3.0)) == right and float(old(4.0)) == float(jax.grad(lambda x: jnp.sin(
        x ** 2))(4.0))
    np.testing.assert_allclose(old(jnp.float32(3.0)), 100 * right, rtol=1e-5)
    np.testing.assert_allclose(jax.jit(jax.grad(foo))(3.0), 100 * right, rtol=1e-5)


def test_05_bwd_returns_a_tuple_or_list_and_runs_only_when_a_cotangent_reaches_it():
    """05: "a list of the same length is accepted too; a bare array is not"; recap: the backward
    rule runs "not at all when no cotangent reaches it"."""
    def foo(debug):
        return lambda x: jnp.sin(debug(x ** 2))

    np.testing.assert_allclose(jax.grad(foo(_identity_with_bwd(lambda x, g: [g])))(3.0),
                               6 * np.cos(9.0), rtol=1e-5)
    with pytest.raises(TypeError, match="must produce a tuple of length equal to the number"):
        jax.grad(foo(_identity_with_bwd(lambda x, g: g)))(3.0)
    calls = []
    debug = _identity_with_bwd(lambda x, g: calls.append(g) or (g,))
    assert float(jax.grad(lambda x: (debug(x), x)[1])(3.0)) == 1.0 and calls == []
