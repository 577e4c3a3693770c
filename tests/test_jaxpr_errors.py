"""Bad input to the jaxpr functions of `course`: each message pinned whole.

Every error is a `course.JaxprInputError`, and by Python's convention also a `TypeError` (the
wrong kind of argument) or a `ValueError` (the right kind with a value that does not work);
every message is one line and starts with the function the learner called, and names no
other public function than that one (compare_rules(jnp.sin(1.0), ...) once advised calling
course.trace_jaxpr)."""

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import course

INT = str(np.asarray(3).dtype)
ARRAY = repr(jnp.sin(1.0))[:60]
PUBLIC = ("trace_jaxpr", "show_jaxpr", "compare_rules", "show_residuals", "compare_residuals")


def naive(x):
    return jnp.log(1. + jnp.exp(x))


@jax.custom_jvp
def stable(x):
    return jnp.log(1. + jnp.exp(x))


stable.defjvps(lambda t, ans, x: jax.nn.sigmoid(x) * t)


def calls_float(x):
    return float(x) * 2


def to_numpy(x):
    return np.sin(x)


def fails(x):
    raise KeyError("k")


def shapes(x):
    return jnp.ones(2) + jnp.ones(3)


@jax.custom_jvp
def broken(x):
    return jnp.sin(x)


@broken.defjvp
def broken_jvp(primals, tangents):
    raise ValueError("the rule is not written yet\nsecond line")


CASES = [
    (lambda: course.trace_jaxpr(3.0, 1.0), TypeError,
     "trace_jaxpr: expected a function to trace, got float 3.0. Pass the function itself, "
     "e.g. course.trace_jaxpr(jax.grad(f), 1.0), not f(1.0)."),
    (lambda: course.show_jaxpr(jnp.sin(1.0), 1.0), TypeError,
     f"show_jaxpr: expected a function to trace, got ArrayImpl {ARRAY}. Pass the function "
     "itself, e.g. course.show_jaxpr(f, 1.0), not f(1.0)."),
    (lambda: course.compare_rules(jnp.sin(1.0), jnp.sin, 1.0), TypeError,
     f"compare_rules: expected a function to trace, got ArrayImpl {ARRAY}. Pass the function "
     "itself, e.g. course.compare_rules(f, f_with_rule, 1.0), not f(1.0)."),
    (lambda: course.show_residuals(jnp.sin(1.0), 1.0), TypeError,
     f"show_residuals: expected a function to trace, got ArrayImpl {ARRAY}. Pass the function "
     "itself, e.g. course.show_residuals(f, 1.0), not f(1.0)."),
    (lambda: course.compare_residuals(jnp.sin, 2.0, 1.0), TypeError,
     "compare_residuals: expected a function to trace, got float 2.0. Pass the function "
     "itself, e.g. course.compare_residuals(f, f_with_rule, 1.0), not f(1.0)."),
    (lambda: course.trace_jaxpr(lambda x, y: x + y, 1.0), TypeError,
     "trace_jaxpr: the arguments do not match <lambda>(x, y): missing a required argument: "
     "'y'. Got 1 positional argument(s)."),
    (lambda: course.compare_rules(naive, lambda x, y: x * y, 3.), TypeError,
     "compare_rules: the arguments do not match <lambda>(x, y): missing a required argument: "
     "'y'. Got 1 positional argument(s)."),
    (lambda: course.show_jaxpr(jnp.sin, "hello"), TypeError,
     "show_jaxpr: every argument of sin must be an array or a number (or a pytree of them), "
     "got str 'hello'."),
    (lambda: course.trace_jaxpr(calls_float, 1.0), TypeError,
     "trace_jaxpr: calls_float is not traceable by JAX: it needs a concrete Python value where "
     "JAX only has an abstract one (Abstract tracer value encountered where concrete value is "
     "expected: traced array with shape float32[]). Common causes: float(x), int(x), `if x > "
     "0:` or np.* functions on a traced argument. Use jnp.* functions, and jnp.where or "
     "lax.cond instead of Python `if`."),
    (lambda: course.show_jaxpr(to_numpy, 1.0), TypeError,
     "show_jaxpr: to_numpy is not traceable by JAX: it converts a traced value to a NumPy "
     "array (np.asarray / np.* on an argument). Use jax.numpy instead."),
    (lambda: course.compare_rules(naive, stable, 3), TypeError,
     f"compare_rules: input 1 is 3 ({INT}), which cannot be differentiated: pass floats, e.g. "
     "3.0 instead of 3."),
    (lambda: course.show_residuals(jnp.sin, 2), TypeError,
     f"show_residuals: input 1 is 2 ({INT}), which cannot be differentiated: pass floats, e.g. "
     "2.0 instead of 2."),
    (lambda: course.compare_rules(naive, stable), TypeError,
     "compare_rules: give the inputs to differentiate at, e.g. "
     "course.compare_rules(f, f_with_rule, 1.0)."),
    (lambda: course.compare_residuals(jnp.sin, jnp.cos), TypeError,
     "compare_residuals: give the inputs to differentiate at, e.g. "
     "course.compare_residuals(f, f_with_rule, 1.0)."),
    (lambda: course.compare_rules(naive, stable, 1.0, mode="hessian"), ValueError,
     "compare_rules: mode must be one of 'grad', 'jvp', 'vjp', got 'hessian'."),
    (lambda: course.compare_rules(jnp.sin, lambda x: jnp.stack([x, x]), 3.), ValueError,
     "compare_rules: sin returns ['float32[]'] but <lambda> returns ['float32[2]']; compare "
     "two versions of one function."),
    (lambda: course.compare_rules(jnp.sin, jnp.cos, jnp.ones(2)), TypeError,
     "compare_rules: mode='grad' needs sin to return one scalar, it returns ['float32[2]']; "
     "use mode='vjp'."),
    (lambda: course.compare_rules(jnp.sin, fails, 1.), ValueError,
     "compare_rules: fails(1.0) raised KeyError: 'k'"),
    (lambda: course.compare_rules(jnp.sin, shapes, 1.), TypeError,
     "compare_rules: shapes(1.0) raised TypeError: add got incompatible shapes for "
     "broadcasting: (2,), (3,)."),
    (lambda: course.compare_rules(jnp.sin, broken, 1.), ValueError,
     "compare_rules: grad of broken (custom) failed with ValueError: the rule is not written "
     "yet"),
]


@pytest.mark.parametrize("call, kind, message", CASES, ids=[m[:40] for _, _, m in CASES])
def test_each_message_whole(call, kind, message):
    with pytest.raises(course.JaxprInputError) as info:
        call()
    assert str(info.value) == message
    assert isinstance(info.value, kind)
    caller = message.split(":")[0]
    others = [name for name in PUBLIC if name != caller and re.search(rf"\b{name}\(", message)]
    assert not others, f"the message advises {others}, not {caller}"
    assert info.value.__cause__ is None and (
        info.value.__context__ is None or info.value.__suppress_context__)


def test_the_error_types_follow_pythons_conventions():
    assert issubclass(course.JaxprTypeError, TypeError)
    assert issubclass(course.JaxprValueError, ValueError)
    assert issubclass(course.JaxprTypeError, course.JaxprInputError)
    assert issubclass(course.JaxprValueError, course.JaxprInputError)
    assert not issubclass(course.JaxprInputError, (TypeError, ValueError))
    assert issubclass(course.GraphvizNotFoundError, RuntimeError)
    assert issubclass(course.GraphvizFailedError, RuntimeError)


def test_a_function_that_raises_under_trace_jaxpr_raises_its_own_error():
    # trace_jaxpr shows the learner's own error (short_tracebacks trims it), not a wrapper.
    with pytest.raises(KeyError):
        course.trace_jaxpr(fails, 1.0)


# The other public functions that take a learner's input: plot_grad and scripted_pdb.

def fails_too(x):
    raise ZeroDivisionError("no")


OTHER_CASES = [
    (lambda: course.plot_grad(3, jnp.ones(3)), TypeError,
     "plot_grad: expects a function of one scalar, got int."),
    (lambda: course.plot_grad(jnp.sin, 1.0), ValueError,
     "plot_grad: expects xs as a 1-D array of at least 2 points, got shape (). Try "
     "jnp.linspace(-5., 5., 200)."),
    (lambda: course.plot_grad(lambda x: jnp.stack([x, x]), jnp.ones(3)), ValueError,
     "plot_grad: expects fn to map a scalar to a scalar, but fn(x) has shape (2,)."),
    (lambda: course.plot_grad(jnp.sin, jnp.ones(3), rules={"r": "x"}), TypeError,
     "plot_grad: rules['r'] should be a function, got str."),
    (lambda: course.plot_grad(jnp.sin, jnp.ones(3), reference="x"), TypeError,
     "plot_grad: reference should be a function, got str."),
    (lambda: course.plot_grad(jnp.sin, jnp.ones(3), rules={"autodiff": jnp.cos}), ValueError,
     "plot_grad: the name 'autodiff' in rules is taken by plot_grad's own curve; pick another, "
     "e.g. rules={'my rule': ...}."),
    (lambda: course.plot_grad(jnp.sin, jnp.ones(3), rules=[fails_too]), ValueError,
     "plot_grad: differentiating 'fails_too' failed: ZeroDivisionError: no"),
    (lambda: course.plot_grad(fails_too, jnp.ones(3)), ValueError,
     "plot_grad: fn failed on a float32 scalar: ZeroDivisionError: no"),
    (lambda: course.scripted_pdb(1).__enter__(), TypeError,
     "scripted_pdb: expects debugger commands as strings, e.g. scripted_pdb(\"p x\"), got (1,)."),
]


@pytest.mark.parametrize("call, kind, message", OTHER_CASES,
                         ids=[m[:40] for _, _, m in OTHER_CASES])
def test_the_other_public_functions_messages_whole(call, kind, message):
    with pytest.raises(kind) as info:
        call()
    assert str(info.value) == message
    assert info.value.__cause__ is None
