"""Mutation testing of the checkers: for every exercise where a rule is written or fixed,
mutants of its reference solution are generated, and the exercise's checker must reject each
one (issue 20, "no wrong answer passes").

A mutant changes one thing in the reference, in the form the learner submits:

- a @custom_jvp function (its rule's tangent or primal output changed),
- a JVP rule for nondiff_argnums (09_apply_twice),
- a pair (f_fwd, f_bwd) (f_bwd's cotangents, f_fwd's primal output or its residuals changed),
- a plain function (its gradient changed through a custom_vjp wrapper, or its value).

The operators: the tangent or cotangent negated, plus a constant, dropped (zeros), doubled, in
float16, under stop_gradient, right only where every input is > 0 (nan elsewhere, as a formula
such as a ** (-2/3) is); the primal output replaced by the input or doubled; two residuals
swapped. An
operator that does not apply to an exercise's form (no two residuals of one shape, an input
shaped unlike the output) is not generated: the mutant records whether it changed anything,
and one that never did is left out of the count.

A mutant that is not wrong (an equivalent mutant) is named in EQUIVALENT with its reason;
the test fails if a named one is killed (the reason would be false) or if an unnamed one
survives. The score per exercise (killed / generated) is printed.
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import pytest

import course
from course.checks import EXERCISES
from course.compat import custom_jvp_rule

WRITE_IDS = [i for i in course.exercises() if EXERCISES[i].kind != "predict"]

FIRST_ORDER = ("a first-order exercise: JAX uses f_bwd's result as a value, and stop_gradient "
               "changes only what a second derivative through f_bwd would see, which this "
               "exercise does not ask for")

# (exercise, mutant) -> why the mutant is not a wrong answer.
EQUIVALENT = {
    **{(i, "cotangent under stop_gradient"): FIRST_ORDER
       for i in WRITE_IDS if isinstance(course.solution(i), tuple)},
    ("05_nan_guard", "primal output: the input"): "nan_guard is the identity: its input is "
                                                  "its primal output",
    ("11_safe_norm", "gradient under stop_gradient"): FIRST_ORDER.replace(
        "f_bwd", "the mutant's f_bwd").replace("this exercise", "11_safe_norm"),
    ("10_cube_root", "gradient under stop_gradient"): FIRST_ORDER.replace(
        "f_bwd", "the mutant's f_bwd").replace("this exercise", "10_cube_root"),
}


class Mutant:
    """A wrong answer built from the reference; `applied` says whether the change happened at
    all (an operator that finds nothing to change leaves the reference as it is)."""

    def __init__(self, name: str):
        self.name, self.applied, self.answer = name, False, None


def tree_op(op):
    def apply(tree):
        return jax.tree.map(lambda t: op(jnp.asarray(t)), tree)
    return apply


def positive_only(value, inputs):
    """`value` where every entry of every input is > 0; nan elsewhere."""
    positive = jnp.all(jnp.stack([jnp.all(jnp.asarray(leaf) > 0)
                                  for leaf in jax.tree.leaves(inputs)]))
    factor = jnp.where(positive, 1.0, jnp.nan)
    return jax.tree.map(lambda t: t * factor.astype(jnp.asarray(t).dtype), value)


DERIVATIVE_OPS = {
    "negated": tree_op(lambda t: -t),
    "plus a constant": tree_op(lambda t: t + 1.0),
    "dropped (zeros)": tree_op(jnp.zeros_like),
    "times 2": tree_op(lambda t: 2 * t),
    "in float16": tree_op(lambda t: t.astype(jnp.float16)),
    "under stop_gradient": tree_op(jax.lax.stop_gradient),
}


def same_shapes(a, b) -> bool:
    try:
        return jax.tree.structure(a) == jax.tree.structure(b) and all(
            jnp.shape(x) == jnp.shape(y) for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)))
    except Exception:
        return False


def primal_ops():
    """The wrong primal outputs: an input in its place (only where shaped like the output),
    and twice the output."""
    def the_input(out, args):
        first = args[0]
        return (first, True) if same_shapes(first, out) else (out, False)

    return {"primal output: the input": the_input,
            "primal output: doubled": lambda out, args: (tree_op(lambda t: 2 * t)(out), True)}


# ---- one generator per answer form ----

def jvp_function_mutants(ref) -> list[Mutant]:
    rule = custom_jvp_rule(ref)
    mutants = []

    def build(name, change_tangent=None, change_primal=None):
        m = Mutant(name)
        f = jax.custom_jvp(ref.fun)

        def mutated_rule(primals, tangents):
            out, t = rule(primals, tangents)
            if change_tangent is not None:
                t = change_tangent(t, primals)
                m.applied = True
            if change_primal is not None:
                out, changed = change_primal(out, primals)
                m.applied = m.applied or changed
            return out, t

        f.defjvp(mutated_rule)
        m.answer = f
        mutants.append(m)

    for name, op in DERIVATIVE_OPS.items():
        build(f"tangent {name}", change_tangent=lambda t, p, op=op: op(t))
    build("tangent right only for inputs > 0", change_tangent=positive_only)
    for name, op in primal_ops().items():
        build(name, change_primal=op)
    return mutants


def jvp_rule_mutants(ref_rule) -> list[Mutant]:
    mutants = []

    def build(name, change_tangent=None, change_primal=None):
        m = Mutant(name)

        def mutated_rule(f, primals, tangents):
            out, t = ref_rule(f, primals, tangents)
            if change_tangent is not None:
                t = change_tangent(t, primals)
                m.applied = True
            if change_primal is not None:
                out, changed = change_primal(out, primals)
                m.applied = m.applied or changed
            return out, t

        mutated_rule.__name__ = ref_rule.__name__
        m.answer = mutated_rule
        mutants.append(m)

    for name, op in DERIVATIVE_OPS.items():
        build(f"tangent {name}", change_tangent=lambda t, p, op=op: op(t))
    build("tangent right only for inputs > 0", change_tangent=positive_only)
    for name, op in primal_ops().items():
        build(name, change_primal=op)
    return mutants


def vjp_pair_mutants(ref) -> list[Mutant]:
    fwd, bwd = ref
    mutants = []

    def on_cotangents(op):
        def change(cts):
            return type(cts)(None if c is None else op(c) for c in cts)
        return change

    def build(name, change_cts=None, change_primal=None, swap=False, keep_x=False):
        m = Mutant(name)

        def mutated_fwd(*args):
            out, res = fwd(*args)
            if change_primal is not None:
                out, changed = change_primal(out, args)
                m.applied = m.applied or changed
            return out, ((res, args) if keep_x else res)

        def mutated_bwd(res, g):
            if keep_x:
                res, x = res
            if swap:
                res = swapped(res, m)
            cts = bwd(res, g)
            if keep_x:
                cts = type(cts)(None if c is None else positive_only(c, x) for c in cts)
                m.applied = True
            if change_cts is not None:
                cts = change_cts(cts)
                m.applied = True
            return cts

        m.answer = (mutated_fwd, mutated_bwd)
        mutants.append(m)

    for name, op in DERIVATIVE_OPS.items():
        build(f"cotangent {name}", change_cts=on_cotangents(op))
    build("cotangent right only for inputs > 0", keep_x=True)
    for name, op in primal_ops().items():
        build(name, change_primal=op)
    build("residuals swapped", swap=True)
    return mutants


def swapped(res, m: Mutant):
    """The residuals with the first two leaves of one shape and dtype (and different values)
    exchanged; as they were if there are none."""
    leaves, tree = jax.tree.flatten(res)
    for i in range(len(leaves)):
        for j in range(i + 1, len(leaves)):
            a, b = jnp.asarray(leaves[i]), jnp.asarray(leaves[j])
            if a.shape != b.shape or a.dtype != b.dtype:
                continue
            traced = isinstance(a, jax.core.Tracer) or isinstance(b, jax.core.Tracer)
            if traced or not bool(jnp.all(a == b)):  # traced: the values are not known
                leaves[i], leaves[j] = leaves[j], leaves[i]
                m.applied = True
                return jax.tree.unflatten(tree, leaves)
    return res


def function_mutants(ref) -> list[Mutant]:
    """A plain function: its gradient changed through a custom_vjp that reuses the
    reference's own VJP, or its value doubled."""
    mutants = []

    def build(name, change_cts=None, keep_x=False):
        m = Mutant(name)
        f = jax.custom_vjp(ref)

        def fwd(*args):
            out, pullback = jax.vjp(ref, *args)
            return out, (pullback, args)

        def bwd(res, g):
            pullback, x = res
            cts = pullback(g)
            if keep_x:
                cts = tuple(positive_only(c, x) for c in cts)
            elif change_cts is not None:
                cts = tuple(change_cts(c) for c in cts)
            m.applied = True
            return cts

        f.defvjp(fwd, bwd)
        m.answer = f
        mutants.append(m)

    for name, op in DERIVATIVE_OPS.items():
        build(f"gradient {name}", change_cts=op)
    build("gradient right only for inputs > 0", keep_x=True)
    doubled = Mutant("value doubled")
    doubled.answer, doubled.applied = (lambda *a: 2 * ref(*a)), True
    mutants.append(doubled)
    return mutants


def mutants_of(exercise_id: str) -> list[Mutant]:
    ref = course.solution(exercise_id)
    if isinstance(ref, jax.custom_jvp):
        return jvp_function_mutants(ref)
    if isinstance(ref, tuple):
        return vjp_pair_mutants(ref)
    if EXERCISES[exercise_id].kind == "jvp_rule":
        return jvp_rule_mutants(ref)
    return function_mutants(ref)


def test_every_write_and_fix_exercise_has_a_form_with_mutants():
    assert len(WRITE_IDS) >= 20
    for exercise_id in WRITE_IDS:
        assert len(mutants_of(exercise_id)) >= 8, exercise_id


def test_every_named_equivalent_mutant_exists():
    names = {(i, m.name) for i in WRITE_IDS for m in mutants_of(i)}
    assert set(EQUIVALENT) <= names, set(EQUIVALENT) - names


@pytest.mark.parametrize("exercise_id", WRITE_IDS)
def test_checker_rejects_every_mutant_of_the_reference(exercise_id, capsys):
    start = time.perf_counter()
    killed, survived, generated, equivalent = [], [], 0, []
    for m in mutants_of(exercise_id):
        feedback = course.check(exercise_id, m.answer)
        if not m.applied:  # the operator found nothing to change in this form
            continue
        generated += 1
        if (exercise_id, m.name) in EQUIVALENT:
            equivalent.append(m.name)
            assert feedback.passed, (
                f"{exercise_id}: '{m.name}' is named equivalent, but the checker rejects it: "
                f"{feedback.message}")
            continue
        (survived if feedback.passed else killed).append(m.name)
        assert feedback.attempted, (exercise_id, m.name, feedback.message)
    score = f"{len(killed)}/{generated - len(equivalent)}"
    with capsys.disabled():
        print(f"\nmutation score {exercise_id}: killed {score} non-equivalent "
              f"({generated} generated; equivalent: {', '.join(equivalent) or 'none'}) "
              f"in {time.perf_counter() - start:.1f} s")
    assert not survived, f"{exercise_id}: mutants that pass the checker: {survived}"
    assert killed, exercise_id
