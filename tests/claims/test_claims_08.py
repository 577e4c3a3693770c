"""Lesson 08_pytrees: its claims about what JAX does, against the pinned JAX.

A sentence in a lesson that says what JAX does (raises, returns, calls, accepts, runs n times)
is either shown by a cell beside it, which nbval pins, or tested here: one test per claim,
named after the lesson and section, quoting the sentence in its docstring. When JAX is
upgraded, a changed behaviour fails here instead of silently making the prose wrong.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from claims_shared import point_type
from jax import custom_jvp, custom_vjp


def _monomial_rule(cls, power_entry):
    """Lesson 8's `evaluate` for a registered class `cls(coef, power)`, whose f_bwd returns
    `power_entry(g)` for the integer power."""
    @custom_vjp
    def evaluate(m, x):
        return m.coef * x ** m.power

    def evaluate_bwd(res, g):
        m, x = res
        return (cls(g * x ** m.power, power_entry(g)), g * m.coef * m.power * x ** (m.power - 1))

    evaluate.defvjp(lambda m, x: (evaluate(m, x), (m, x)), evaluate_bwd)
    return evaluate


def test_08_tangent_structure_given_rule_right_numbers_but_refused():
    """08, exercise 08_tangent_structure (the given rule): "Its JVP rule below computes the
    right numbers, by the product rule, yet `jax.jvp` and `grad` refuse it"."""
    from course.checks import lesson08  # noqa: PLC0415 - the exercise's own given code
    from course.compat import custom_jvp_rule  # noqa: PLC0415

    sum_prod, point = lesson08.given_structure(), lesson08.Point
    pt = point(3.0, 4.0)
    rule = custom_jvp_rule(sum_prod)
    assert [float(t) for t in rule((pt,), (point(1.0, 0.0),))[1]] == [1.0, 4.0]  # sum, prod
    assert [float(t) for t in rule((pt,), (point(0.0, 1.0),))[1]] == [1.0, 3.0]
    refused = r"must produce primal and tangent outputs with equal container \(pytree\)"
    with pytest.raises(TypeError, match=refused):
        jax.jvp(sum_prod, (pt,), (point(1.0, 0.0),))
    with pytest.raises(TypeError, match=refused):
        jax.grad(lambda p: sum_prod(p)["sum"])(pt)


def test_08_intro_containers_are_pytrees():
    """08, intro: "JAX treats tuples, lists, dicts, namedtuples and nested combinations of them
    as *pytrees*." """
    Point = point_type()
    tree = {"a": [1.0, (2.0, Point(3.0, 4.0))]}
    assert jax.tree_util.tree_leaves(tree) == [1.0, 2.0, 3.0, 4.0]
    assert str(jax.tree_util.tree_structure(tree)) == (
        "PyTreeDef({'a': [*, (*, CustomNode(namedtuple[Point], [*, *]))]})")


def test_08_intro_tangent_structure_must_match():
    """08, intro: "the only requirement is consistency: a tangent or cotangent has the same
    structure as the value it belongs to." (A JVP rule's output tangent with a list where the
    output has a tuple is refused, and both structures are named.)"""
    Point = point_type()

    @custom_jvp
    def f(pt):
        return {"a": pt.x ** 2, "b": (jnp.sin(pt.x), jnp.cos(pt.y))}

    @f.defjvp
    def f_jvp(primals, tangents):
        (pt,), (t,) = primals, tangents
        return f(pt), {"a": 2 * pt.x * t.x, "b": [jnp.cos(pt.x) * t.x, -jnp.sin(pt.y) * t.y]}

    with pytest.raises(TypeError, match=r"equal container \(pytree\) structures, but got "
                       r"PyTreeDef\(\{'a': \*, 'b': \(\*, \*\)\}\) and "
                       r"PyTreeDef\(\{'a': \*, 'b': \[\*, \*\]\}\)"):
        jax.jvp(f, (Point(1.0, 2.0),), (Point(1.0, 0.0),))


def test_08_intro_leaves_must_match_in_shape_too():
    """08, intro: "each of its leaves the same shape as the leaf it belongs to" (a float32[3]
    cotangent or tangent for a float32[] leaf is refused, by custom_vjp and custom_jvp), and
    "a list of the same length is accepted too" for f_bwd's tuple."""
    Point = point_type()
    area = custom_vjp(lambda pt: pt.x * pt.y)
    area.defvjp(lambda pt: (pt.x * pt.y, pt), lambda pt, g: (Point(jnp.ones(3), pt.x * g),))
    with pytest.raises(ValueError, match="must produce an output with the same"):
        jax.grad(area)(Point(2.0, 3.0))
    area.defvjp(lambda pt: (pt.x * pt.y, pt), lambda pt, g: [Point(pt.y * g, pt.x * g)])
    assert tuple(map(float, jax.grad(area)(Point(2.0, 3.0)))) == (3.0, 2.0)
    double = custom_jvp(lambda x: 2.0 * x)
    double.defjvp(lambda p, t: (2.0 * p[0], jnp.ones(3)))
    with pytest.raises(TypeError, match="shapes and dtypes"):
        jax.jvp(double, (1.0,), (1.0,))


def test_08_with_custom_jvp_tangent_is_a_point():
    """08, With custom_jvp: "The tangent `pt_dot` is itself a `Point`, and the output tangent is
    a dict shaped like the output." """
    Point = point_type()
    seen = {}

    @custom_jvp
    def f(pt):
        return {"a": pt.x ** 2, "b": (jnp.sin(pt.x), jnp.cos(pt.y))}

    @f.defjvp
    def f_jvp(primals, tangents):
        (pt,), (pt_dot,) = primals, tangents
        seen["pt_dot"] = pt_dot
        ans_dot = {"a": 2 * pt.x * pt_dot.x,
                   "b": (jnp.cos(pt.x) * pt_dot.x, -jnp.sin(pt.y) * pt_dot.y)}
        return f(pt), ans_dot

    jax.grad(lambda pt: f(pt)["a"] + f(pt)["b"][0])(Point(1.0, 2.0))
    assert type(seen["pt_dot"]) is Point


def test_08_with_custom_vjp_bwd_gets_output_shaped_cotangent():
    """08, With custom_vjp: "The backward rule receives a cotangent shaped like the output (a
    dict holding a tuple)", and "`fun` does not use `b[1]` and its cotangent is 0"."""
    Point = point_type()
    seen = {}

    @custom_vjp
    def f(pt):
        return {"a": pt.x ** 2, "b": (jnp.sin(pt.x), jnp.cos(pt.y))}

    def f_bwd(pt, g):
        seen["g"] = g
        x_bar = 2 * pt.x * g["a"] + jnp.cos(pt.x) * g["b"][0]
        return (Point(x_bar, -jnp.sin(pt.y) * g["b"][1]),)

    f.defvjp(lambda pt: (f(pt), pt), f_bwd)
    jax.grad(lambda pt: f(pt)["a"] + f(pt)["b"][0])(Point(1.0, 2.0))
    g = seen["g"]
    assert jax.tree_util.tree_structure(g) == jax.tree_util.tree_structure(
        {"a": 0.0, "b": (0.0, 0.0)})
    assert float(g["b"][1]) == 0.0


def test_08_with_custom_vjp_bwd_structure_mismatch_names_both():
    """08, With custom_vjp: "The message gives both structures: the rule's output, a `Point`,
    and the structure of the arguments, a tuple holding one `Point`. A plain tuple
    `(x_bar, y_bar)` in place of the `Point` is refused the same way." """
    Point = point_type()

    def grad_with(bwd_result):
        @custom_vjp
        def area(pt):
            return pt.x * pt.y

        area.defvjp(lambda pt: (area(pt), pt), lambda pt, g: bwd_result(pt.y * g, pt.x * g))
        return jax.grad(area)(Point(2.0, 3.0))

    expected = (r"for primal input structure "
                r"PyTreeDef\(\(CustomNode\(namedtuple\[Point\], \[\*, \*\]\),\)\)")
    with pytest.raises(TypeError, match=r"got bwd output structure PyTreeDef\(CustomNode\("
                       r"namedtuple\[Point\], \[\*, \*\]\)\) " + expected):
        grad_with(lambda x_bar, y_bar: Point(x_bar, y_bar))
    with pytest.raises(TypeError, match=r"got bwd output structure PyTreeDef\(\(\(\*, \*\),\)\) "
                       + expected):
        grad_with(lambda x_bar, y_bar: ((x_bar, y_bar),))
    assert tuple(map(float, grad_with(lambda x_bar, y_bar: (Point(x_bar, y_bar),)))) == (3.0, 2.0)


def test_08_register_pytree_node_class_works_like_the_dataclass():
    """08, A class of your own: "`jax.tree_util.register_pytree_node` registers any class,
    given a function that takes an instance apart and one that puts it back together
    (`tests/test_claims.py` runs the rule below with such a class too)"."""
    class Monomial:
        def __init__(self, coef, power):
            self.coef, self.power = coef, power

    jax.tree_util.register_pytree_node(
        Monomial, lambda m: ((m.coef, m.power), None), lambda _, leaves: Monomial(*leaves))
    evaluate = _monomial_rule(Monomial, lambda g: None)
    m = Monomial(jnp.float32(2.0), jnp.int32(3))
    assert float(jax.grad(evaluate, argnums=1)(m, 1.5)) == 13.5
    m_bar = jax.grad(evaluate, argnums=0, allow_int=True)(m, 1.5)
    assert type(m_bar) is Monomial and float(m_bar.coef) == 3.375
    assert m_bar.power.dtype == jax.dtypes.float0 and m_bar.power.nbytes == 0


def test_08_jvp_wants_a_float0_tangent_for_an_integer_input():
    """08, float0: "`jax.jvp` insists on it: a tangent for an integer input must be `float0`
    (a `float32` zero is refused)"."""
    def power(n, x):
        return x ** n

    with pytest.raises(TypeError, match=r"in case of int/bool primal dtype the tangent dtype "
                                        r"must be float0"):
        jax.jvp(power, (jnp.int32(3), 1.5), (jnp.float32(0.0), 1.0))
    zero = np.zeros((), jax.dtypes.float0)
    assert float(jax.jvp(power, (jnp.int32(3), 1.5), (zero, 1.0))[1]) == 6.75


def test_08_what_f_bwd_returns_for_an_integer_leaf_is_dropped():
    """08, None: "For an integer leaf it is the honest entry: JAX drops whatever `f_bwd`
    returns there anyway (even a 5.0; tested) and gives a `float0`"."""
    import dataclasses

    @jax.tree_util.register_dataclass
    @dataclasses.dataclass
    class Monomial:
        coef: jax.Array
        power: jax.Array

    m = Monomial(jnp.float32(2.0), jnp.int32(3))
    for entry in (lambda g: None, lambda g: 5.0 * jnp.ones_like(g),
                  lambda g: np.zeros((), jax.dtypes.float0)):
        m_bar = jax.grad(_monomial_rule(Monomial, entry), argnums=0, allow_int=True)(m, 1.5)
        assert float(m_bar.coef) == 3.375
        assert m_bar.power.dtype == jax.dtypes.float0


def test_08_register_dataclass_each_field_a_subtree_static_no_leaf():
    """08, a class of your own: "register_dataclass registers a dataclass, each field a subtree
    of its own (one leaf for a field that holds a number ...; a field marked `static` is no
    leaf)"."""
    import dataclasses

    @jax.tree_util.register_dataclass
    @dataclasses.dataclass
    class Fields:
        number: float
        pair: tuple
        setting: int = dataclasses.field(default=1, metadata={"static": True})

    assert jax.tree_util.tree_leaves(Fields(1.0, (2.0, 3.0), 5)) == [1.0, 2.0, 3.0]
