"""Lesson 8's exercises: a custom_vjp from a Point to a dict, with pytree cotangents; a
prediction of the cotangent a backward rule receives when only part of the output is used;
and a JVP rule whose output tangent does not have the output's structure.

Solution bodies use the lessons' two-space indentation: they are shown verbatim.
"""

from collections import namedtuple

import jax
import jax.numpy as jnp
from jax import custom_jvp, custom_vjp, grad

from ..compat import custom_jvp_rule
from .checking import (
    Exercise,
    Wrong,
    check_all_tangents_at_once,
    check_jvp_function,
    check_linear_jvp,
    check_vjp_pair,
    compare,
    fmt,
    leaf_basis,
    run,
)
from .choices import check_choice

Point = namedtuple("Point", ["x", "y"])


def polar(pt):
    return {"r": jnp.sqrt(pt.x ** 2 + pt.y ** 2), "theta": jnp.arctan2(pt.y, pt.x)}


def solution(Point=Point):
  def polar_fwd(pt):
    return polar(pt), pt

  def polar_bwd(pt, g):
    r2 = pt.x ** 2 + pt.y ** 2
    r = jnp.sqrt(r2)
    x_bar = g['r'] * pt.x / r - g['theta'] * pt.y / r2
    y_bar = g['r'] * pt.y / r + g['theta'] * pt.x / r2
    return (Point(x_bar, y_bar),)

  answer = (polar_fwd, polar_bwd)
  return answer


def learners_point(answer) -> type:
    """The Point class the learner's code uses (the lesson defines its own namedtuple): JAX
    tells namedtuple classes apart, so test points and reference are built from it. `answer`
    is a pair (f_fwd, f_bwd) or a custom_jvp function."""
    fn = answer[0] if isinstance(answer, tuple) and answer else getattr(answer, "fun", None)
    point = getattr(fn, "__globals__", {}).get("Point")
    if isinstance(point, type) and getattr(point, "_fields", None) == ("x", "y"):
        return point
    return Point


def check(answer, reference) -> str:
    point = learners_point(answer)
    points = [(point(3.0, 4.0),), (point(-1.0, 2.0),), (point(0.5, -0.5),)]
    cotangents = [{"r": 1.0, "theta": 0.0}, {"r": 0.0, "theta": 1.0}, {"r": 2.0, "theta": -0.5}]
    return check_vjp_pair(answer, polar, solution(Point=point), points, cotangents)


def solution_cotangent(Point=Point):
  received = []

  @custom_vjp
  def f(pt):
    return {'a': pt.x ** 2, 'b': (jnp.sin(pt.x), jnp.cos(pt.y))}

  def f_fwd(pt):
    return f(pt), pt

  def f_bwd(pt, g):
    received.append(g)
    x_bar = 2 * pt.x * g['a'] + jnp.cos(pt.x) * g['b'][0]
    return (Point(x_bar, -jnp.sin(pt.y) * g['b'][1]),)

  f.defvjp(f_fwd, f_bwd)
  grad(lambda pt: f(pt)['a'])(Point(1., 2.))

  g, = received
  print("f_bwd received g =", g)
  if not isinstance(g, dict):
    answer = "a"  # only the cotangent of f(pt)['a']
  elif set(g) == {'a'}:
    answer = "c"  # a dict with the key 'a' alone
  else:
    answer = "b"  # the whole output's structure
  return answer


def check_cotangent(answer, reference) -> str:
    return check_choice(answer, reference, why_not={
        "a": "f_bwd is written for f's whole output, so JAX hands it a cotangent of that "
             "structure, whatever part of the output the caller used.",
        "c": "A cotangent has the structure of the value it belongs to, here the whole dict "
             "f returns: the entries the loss does not use are there, and hold zeros (the "
             "-0. of the lesson's gradient comes from one of them).",
    })


def sum_prod(pt):
    return {'sum': pt.x + pt.y, 'prod': pt.x * pt.y}


def given_structure():
  @custom_jvp
  def sum_prod(pt):
    return {'sum': pt.x + pt.y, 'prod': pt.x * pt.y}

  @sum_prod.defjvp
  def sum_prod_jvp(primals, tangents):
    pt, = primals
    pt_dot, = tangents
    return sum_prod(pt), (pt_dot.x + pt_dot.y, pt_dot.x * pt.y + pt.x * pt_dot.y)

  answer = sum_prod
  return answer


def solution_structure():
  @custom_jvp
  def sum_prod(pt):
    return {'sum': pt.x + pt.y, 'prod': pt.x * pt.y}

  @sum_prod.defjvp
  def sum_prod_jvp(primals, tangents):
    pt, = primals
    pt_dot, = tangents
    return sum_prod(pt), {'sum': pt_dot.x + pt_dot.y,
                          'prod': pt_dot.x * pt.y + pt.x * pt_dot.y}

  answer = sum_prod
  return answer


def check_structure(answer, reference) -> str:
    point = learners_point(answer)
    pt = point(3.0, 4.0)
    rule = custom_jvp_rule(answer) if isinstance(answer, jax.custom_jvp) else None
    if isinstance(answer, jax.custom_jvp):
        mine = run(f"your sum_prod at pt={fmt(pt)}", answer, pt)
        if jax.tree.structure(mine) != jax.tree.structure(sum_prod(pt)):
            raise Wrong(f"your sum_prod itself now returns {fmt(mine)}, of structure "
                        f"{jax.tree.structure(mine)}: it must still return the dict "
                        f"{fmt(sum_prod(pt))} (the function is given; the bug is in its rule). "
                        "Keep sum_prod as it was, and make the rule's tangent a dict with "
                        "the same keys.")
    pair = run("your JVP rule at pt=Point(x=3, y=4)", rule, (pt,), (point(1.0, 0.0),)) if (
        rule is not None) else None
    if isinstance(pair, (tuple, list)) and len(pair) == 2:
        expected = jax.tree.structure(sum_prod(pt))
        got = jax.tree.structure(pair[1])
        if got != expected:
            raise Wrong(f"at pt={fmt(pt)} your rule returns the output tangent {fmt(pair[1])}, "
                        f"of structure {got}, for the output {fmt(sum_prod(pt))}, of structure "
                        f"{expected}. A tangent has the structure of the value it belongs to: "
                        "JAX pairs the two leaf by leaf, and refuses a rule whose output and "
                        "tangent differ.")
        # a product of tangents is named as such, before any value (B22)
        check_all_tangents_at_once(lambda p, t: run("your JVP rule", rule, p, t), (pt,),
                                   leaf_basis((pt,)), f"pt={fmt(pt)}")
        for direction in (point(1.0, 0.0), point(0.0, 1.0)):
            mine = run("your JVP rule", rule, (pt,), (direction,))
            if isinstance(mine, (tuple, list)) and len(mine) == 2:
                what, where = f"the tangent along {fmt(direction)}", f"pt={fmt(pt)}"
                # a tangent that is not linear is named as such, before its values (B22)
                check_linear_jvp(lambda p, t: run("your JVP rule", rule, p, t), (pt,),
                                 (direction,), where)
                expected = jax.jvp(reference, (pt,), (direction,))[1]
                check_keys_not_swapped(what, where, expected, mine[1])
                compare(what, where, expected, mine[1])
    points = [(point(3.0, 4.0),), (point(-1.0, 2.0),), (point(0.5, -0.5),)]
    verified = check_jvp_function(answer, reference, points)
    return (f"{verified} (The tangent was also checked along Point(x=1, y=0) and Point(x=0, "
            "y=1), and the gradient is that of the sum of the dict's entries.)")


def check_keys_not_swapped(what: str, where: str, expected: dict, got) -> None:
    """A tangent whose entries are right but under each other's keys."""
    def matches(tangent) -> bool:
        try:
            compare(what, where, expected, tangent)
        except Exception:  # Wrong included: the full comparison after this one tells why
            return False
        return True

    try:
        swapped = {"sum": got["prod"], "prod": got["sum"]}
    except Exception:  # not a dict with those keys: the full comparison tells
        return
    if matches(got) or not matches(swapped):
        return
    raise Wrong(f"{what} at {where}: expected {fmt(expected)}, got {fmt(got)}: the tangent of "
                "'sum' is under 'prod' and the reverse. A dict tangent pairs with the output "
                "key by key, so each key must hold the tangent of that key's own output.")


EXERCISES = (
    Exercise(
        id="08_polar_vjp", kind="vjp_pair",
        lesson="08_pytrees", section="With `custom_vjp`",
        asks_for="the pair (polar_fwd, polar_bwd) for polar(pt) = {'r': |pt|, 'theta': "
                 "atan2(pt.y, pt.x)}, where pt is a Point(x, y)",
        solution=solution, checker=check),
    Exercise(
        id="08_cotangent_shape", kind="predict",
        lesson="08_pytrees", section="With `custom_vjp`",
        asks_for='your prediction, a choice such as "b"',
        solution=solution_cotangent, checker=check_cotangent),
    Exercise(
        id="08_tangent_structure", kind="find_the_bug",
        lesson="08_pytrees", section="With `custom_jvp`",
        asks_for="the @custom_jvp function sum_prod, with its rule fixed",
        solution=solution_structure, checker=check_structure, given=given_structure),
)
