"""Exercise checkers: the reference passes, the scaffold is "not attempted", realistic wrong
answers get their specific message, and no answer whatsoever makes a checker raise or fall
back to its generic message."""

import linecache
import re
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from answers import EXPECTED as EXPECTED_MORE
from answers import SCAFFOLD_RULE, WRONG, collect_correct
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import course
from course.checks import CHECKER_FAILED, EXERCISES, body_source, namespace
from course.checks.checking import (
    KINDS,
    Exercise,
    NotAttempted,
    Wrong,
    check_bwd_direct,
    check_prediction,
    generic_cause,
    normalize_prediction,
    relation_at_all_points,
    run,
    same_source,
)
from course.compat import custom_jvp_rule

IDS = course.exercises()
ROOT = Path(__file__).resolve().parent.parent


def build(source: str):
    ns = namespace()
    exec(source, ns)
    return ns["answer"]


def test_there_is_an_exercise_for_every_lesson():
    lessons = sorted(p.stem[:2] for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.md"))
    assert sorted({i[:2] for i in IDS}) == lessons
    assert sum(i.startswith("11_") for i in IDS) >= 3  # the gotchas lesson has three


def test_every_lesson_has_a_prediction_and_a_rule_to_write_or_fix():
    assert len(IDS) >= 30
    for lesson in sorted({i[:2] for i in IDS}):
        kinds = {EXERCISES[i].kind for i in IDS if i.startswith(lesson + "_")}
        assert "predict" in kinds, lesson
        assert kinds - {"predict"}, lesson  # a write (any answer form) or a find_the_bug




# What each kind's success message must say it checked, and (regexes) must not claim.
CHECKED = {
    "jvp_function": (["the tangent along each input direction", "jax.jvp", "jax.grad",
                      "jax.jit(jax.grad)", "jax.vmap(jax.grad)"], []),
    "jvp_rule": (["the tangent along each input direction", "jax.jvp", "jax.grad",
                  "jax.jit(jax.grad)", "jax.vmap(jax.grad)", "f = sin, tanh and cube"], []),
    "vjp_pair": (["f_fwd's output", "f_bwd's cotangents", "jax.grad", "jax.jit(jax.grad)",
                  "jax.vmap(jax.grad)", "Forward mode (jax.jvp) was not checked"],
                 [r"\btangent", r"\bjvp\b"]),
    "function": (["the value and the gradient", "jax.grad", "jax.jit(jax.grad)",
                  "jax.vmap(jax.grad)"], [r"jvp", r"\btangent"]),
    "predict": (["you predicted", "which is what JAX does"], [r"\bnot\b"]),
    # a fix is checked by the checker of its form, whose own phrases vary: it says it passed
    "find_the_bug": (["match the reference"], []),
}


@pytest.mark.parametrize("exercise_id", IDS)
def test_reference_solution_passes_and_says_what_was_checked(exercise_id):
    feedback = course.check(exercise_id, course.solution(exercise_id))
    assert feedback.passed, feedback.message
    assert str(feedback).startswith(f"[{exercise_id}] passed: Correct: ")
    message = feedback.message
    said, not_said = CHECKED[EXERCISES[exercise_id].kind]
    for phrase in said:
        assert phrase in message, phrase
    for pattern in not_said:
        assert not re.search(pattern, message.split("Forward mode (jax.jvp)")[0]), pattern


def headings(lesson: str) -> list[str]:
    text = (ROOT / "notebooks" / f"{lesson}.md").read_text()
    return re.findall(r"^## (.+?)\s*$", text, flags=re.MULTILINE)


@pytest.mark.parametrize("exercise_id", IDS)
def test_lesson_reference_names_a_real_heading(exercise_id):
    ex = EXERCISES[exercise_id]
    assert ex.id.startswith(ex.lesson[:3])
    assert ex.section in headings(ex.lesson), (ex.lesson, ex.section)


def test_solution_source_is_the_body_of_solution():
    source = course.solution_source("06_defjvps_none")
    assert source.startswith("@custom_jvp\ndef f(x, t, y):\n  return y * jnp.exp(x / t)\n")
    assert source.endswith("\nanswer = f\n") and "return answer" not in source
    ns = namespace()
    exec(source, ns)  # the text shown is the code that runs
    assert course.check("06_defjvps_none", ns["answer"]).passed

    def no_return():
      answer = 1  # noqa: F841

    with pytest.raises(ValueError, match="must end with `return answer`"):
        body_source(no_return)


@pytest.mark.parametrize("exercise_id", IDS)
@pytest.mark.parametrize("scaffold", [None, ...])
def test_untouched_scaffold_is_not_attempted(exercise_id, scaffold):
    feedback = course.check(exercise_id, scaffold)
    assert not feedback.passed and not feedback.attempted
    assert "not attempted yet" in str(feedback)


def test_rule_raising_not_implemented_is_not_attempted():
    feedback = course.check("02_logcosh", build(SCAFFOLD_RULE))
    assert not feedback.attempted
    assert "still raises NotImplementedError" in feedback.message


def test_only_the_placeholder_is_not_attempted_not_jaxs_own_not_implemented():
    """The scaffold's `raise NotImplementedError(...)`, run as a cell, is not attempted; JAX's
    NotImplementedError for a tangent it cannot transpose is a wrong answer that says so."""
    filename = "<cell placeholder>"  # as Jupyter runs a cell: its text in linecache
    linecache.cache[filename] = (len(SCAFFOLD_RULE), None, SCAFFOLD_RULE.splitlines(True),
                                 filename)
    ns = namespace()
    exec(compile(SCAFFOLD_RULE, filename, "exec"), ns)
    with pytest.raises(NotAttempted):
        run("the rule", custom_jvp_rule(ns["answer"]), (1.0,), (1.0,))
    with pytest.raises(NotAttempted):
        run("jax.grad", jax.grad(ns["answer"]), 1.0)
    f = jax.custom_jvp(jnp.sin)
    f.defjvp(lambda primals, tangents: (jnp.sin(primals[0]), jnp.abs(tangents[0])))
    with pytest.raises(Wrong, match=r"^jax\.grad raised NotImplementedError: Transpose rule "
                       r"\(for reverse-mode differentiation\) for 'abs' not implemented\. JAX "
                       r"could not run your rule backwards for grad: the tangent must be linear"):
        run("jax.grad", jax.grad(f), 1.0)
    with pytest.raises(Wrong, match=r"^jax\.grad raised NotImplementedError"):
        run("jax.grad", jax.jit(jax.grad(f)), 1.0)
    feedback = course.check("01_product_rule", build(WRONG["01_product_rule"]["rounded tangent"]))
    assert feedback.attempted and "not attempted" not in str(feedback)


def test_one_value_names_no_sign_and_no_factor():
    """A sign or a factor seen in one value may be a coincidence (C27: sum(g * x) is -1 at one
    point): generic_cause says only what is true of that value."""
    assert generic_cause(np.array(0.6), np.array(6.0)) is None
    assert generic_cause(np.array([0.6, 0.8]), np.array([-0.6, -0.8])) is None
    assert generic_cause(np.array(0.6), np.array(0.0)) == (
        "Yours is 0 here, where the true value is not.")
    assert generic_cause(np.array(0.6), np.array(np.nan)).startswith(
        "Your result is not finite (nan or inf) where the true one is")


def test_a_sign_or_factor_is_claimed_only_when_it_holds_at_every_point():
    ref = jnp.sin
    points = [(0.5,), (-1.0,), (2.0,)]
    assert "the sign is wrong" in relation_at_all_points(lambda x: -jnp.sin(x), ref, points)
    assert "3 times the reference's" in relation_at_all_points(lambda x: 3 * jnp.sin(x), ref,
                                                               points)
    # minus the reference at x = 0.5 only (x - 1.5 is -1 there): no cause claimed
    assert relation_at_all_points(lambda x: (x - 1.5) * jnp.sin(x) ** 0 * jnp.sin(x), ref,
                                  points) == ""


def logcosh_stable():
  def stable(x):
    return jnp.logaddexp(x, -x) - jnp.log(2.)

  logcosh = jax.custom_jvp(stable)
  logcosh.defjvp(lambda primals, tangents: (stable(primals[0]),
                                            jnp.tanh(primals[0]) * tangents[0]))
  return logcosh


def test_other_correct_answers_pass():
    """A logcosh whose value is finite where log(cosh(x)) overflows (its rule is still checked
    at x = 100), and a hypot_bwd that divides by r as r ** -1. (no square root)."""
    feedback = course.check("02_logcosh", logcosh_stable())
    assert feedback.passed and "100 and -100" in feedback.message, feedback.message
    fwd = course.solution("07_hypot_vjp")[0]
    feedback = course.check("07_hypot_vjp", (fwd, lambda res, g: (g * res[0] * res[2] ** -1.,
                                                                g * res[1] * res[2] ** -1.)))
    assert feedback.passed, feedback.message


CORRECT = collect_correct()


@pytest.mark.parametrize("exercise_id,name", sorted(
    (e, name) for e, answers in CORRECT.items() for name in answers))
def test_unusual_correct_answer_passes(exercise_id, name):
    """Every unusual correct answer the reviews list as passing still passes (issue 20): the
    stricter checks reject wrong work, never a right answer written another way."""
    feedback = course.check(exercise_id, build(CORRECT[exercise_id][name]))
    assert feedback.passed, feedback.message


def test_see_names_the_section_without_markup():
    see = EXERCISES["02_log_sigmoid"].see
    assert see == ("(See lesson 02_numerical_stability, 'The rule's own weak spot: very "
                   "negative x'.)")


EXPECTED = {
    ("01_product_rule", "missing term"):
        r"tangent along \(1, 0\) at \(x, y\) = \(2, 0.25\) is 1.648721 = e\^\(x y\), .* x is "
        r"inside e\^\(x y\) as well: moving x moves both factors",
    ("01_product_rule", "first factor missed"):
        r"tangent along \(1, 0\) .* is 0.8243606 = x y e\^\(x y\), the term from the second factor",
    ("01_product_rule", "chain rule in y"):
        r"tangent along \(0, 1\) .* is 3.297442 = x e\^\(x y\): .* the derivative of the exponent",
    ("01_product_rule", "wrong sign"): r"expected 2.473082, got -2.473082\. At all 4 points "
                                       r"checked, your gradient is exactly minus the "
                                       r"reference's: the sign is wrong\.",
    ("01_product_rule", "not linear"): r"your tangent is not linear in the input tangent: at "
                                       r"\(2, 0.25\), doubling the input tangent gave 9.892327",
    ("01_product_rule", "forgot defjvp"): r"has no rule yet.*Attach one with `@f.defjvp`",
    ("01_product_rule", "not decorated"): r"expected a function decorated with @custom_jvp, got "
                                          r"function",
    ("01_product_rule", "returns only the tangent"): r"must return a pair \(primal_out, "
                                                     r"tangent_out\); at \(2, 0.25\) yours "
                                                     r"returned 2.473082",
    ("02_logcosh", "unstable form"): r"at x=100: expected 1, got nan\. nan or inf at large \|x\|:"
                                     r" an intermediate value of your formula overflows float32 "
                                     r"there .* sinh\(x\) / cosh\(x\) is inf / inf, and \(1 / "
                                     r"cosh\(x\)\) \* sinh\(x\), what autodiff computes, is 0 \* "
                                     r"inf",  # A7: the learner's formula may have no cosh
    ("02_logcosh", "autodiff's form"): r"at x=100: expected 1, got nan\. nan or inf at large",
    ("02_logcosh", "wrong sign"): r"at x=0.5: expected 0.4621172, got -0.4621172\. At all 5 "
                                  r"points checked, your gradient is exactly minus",
    ("02_logcosh", "tangent not used"): r"not linear in the input tangent: at x=0.5, a zero "
                                        r"input tangent gave 0.4621172 instead of 0: your "
                                        r"tangent has a term that does not depend on the input "
                                        r"tangent",
    ("03_sinc", "divides by zero"): r"at x=0: expected 0, got nan\. At x = 0 your rule divides "
                                    r"by zero: the formula is 0/0 there\. Choose the value at 0 "
                                    r"with jnp\.where",
    ("03_sinc", "wrong sign"): r"expected -0.1625371, got 0.1625371\. At all 5 points "
                               r"checked, your gradient is exactly minus",
    ("03_sinc", "missing term"): r"at x=0.5: expected -0.1625371, got 1.755165\.",
    ("05_nan_guard", "misses inf"): r"output cotangent inf\) at x=0: expected 0, got inf\. An inf"
                                    r" cotangent got through: jnp.isnan misses inf",
    ("05_nan_guard", "passes g through"): r"output cotangent nan\) .* got nan\. A nan cotangent",
    ("05_nan_guard", "fwd returns one value"): r"f_fwd must return a pair \(primal_output, "
                                               r"residuals\); at x=0 it returned 0",
    ("10_implicit_cbrt", "at a instead of x*"): r"expected 0.08333334, got 0.005208333\. "
                                                r"Differentiate the equation",
    ("10_implicit_cbrt", "forgot the cotangent"): r"at a=8, f_bwd gives \(0\.08333334,\) for "
                                                  r"the output cotangent 1 and the same for "
                                                  r"twice that cotangent: it does not use g\. "
                                                  r".*multiply by g\.",
    ("10_implicit_cbrt", "not a tuple"): r"got a single ArrayImpl \(0.08333334\), expected a "
                                         r"tuple of 1\. Write `return \(g_x,\)`",
    ("07_hypot_vjp", "swapped"): r"argument 0 .*at \(3, 4\): expected 0.6, got 0.8",
    ("07_hypot_vjp", "one cotangent"): r"got 1, expected 2",
    ("07_hypot_vjp", "fwd output wrong"): r"f_fwd's primal output at \(3, 4\): expected 5, got 25",
    ("08_polar_vjp", "plain tuple"): r"has the wrong structure: expected PyTreeDef\(CustomNode\("
                                     r"namedtuple\[Point\], \[\*, \*\]\)\), got PyTreeDef\(\(\*,"
                                     r" \*\)\)\. Wrap the values in the Point they belong to: "
                                     r"Point\(\.\.\.\)\.",  # B20
    ("08_polar_vjp", "missing theta"): r"expected Point\(x=-0.16, y=0.12\), got Point\(x=0, y=0\)",
    ("08_polar_vjp", "no outer tuple"): r"you returned the Point itself \(Point\(x=0\.6, "
                                        r"y=0\.8\)\); f_bwd returns a tuple with one "
                                        r"cotangent per argument: `return \(Point\(\.\.\.\),\)`",
    ("09_apply_twice", "chain rule half done"): r"at f=sin, x=0.5: expected 0.7786439, got 0.88726",
    ("09_apply_twice", "f in the wrong place"): r"called as apply_twice_jvp\(primals, tangents,"
                                                r" f\) your rule works, but with "
                                                r"nondiff_argnums=\(0,\) JAX passes f first: "
                                                r"the signature must be apply_twice_jvp\(f, "
                                                r"primals, tangents\)\.",
    ("09_apply_twice", "no f"): r"JAX calls your rule with 3 arguments, as apply_twice_jvp\(f, "
                                r"primals, tangents\): with nondiff_argnums=\(0,\) the "
                                r"non-differentiable f comes first\. Yours takes \(primals, "
                                r"tangents\)\.",
    ("09_apply_twice", "only the tangent"): r"must return a pair \(primal_out, tangent_out\)",
    ("11_bwd_structure", "tuple for the dict"): r"argument 0 .* has the wrong structure: expected "
                                                r"PyTreeDef\(\{'b': \*, 'w': \*\}\), got "
                                                r"PyTreeDef\(\(\*, \*\)\)",
    ("11_bwd_structure", "wrong shape for b"): r"argument 0 \(.*\) \(leaf \['b'\]\) at .* has "
                                               r"shape \(3,\), expected \(\)",
    ("11_bwd_structure", "integer cotangent"): r"argument 1 .* has dtype int32, expected float32",
    ("11_forward_mode", "still custom_vjp"): r"still a custom_vjp function, and "
                                             r"jax.jacfwd\(answer\) fails",
    ("11_forward_mode", "f_bwd's formula copied"): r"at x=\[0, 1, 2\], your rule returns a "
                                                   r"tangent of shape \(3,\), the shape of x, "
                                                   r"but logsumexp's output is a scalar.* "
                                                   r"logsumexp_bwd's `g \* p` goes the other "
                                                   r"way",
    ("11_forward_mode", "softmax not normalized"): r"tangent along \(\[1, 1, 1\],\) at "
                                                   r"x=\[0, 1, 2\]: expected 1, got 11\.10734",
    ("11_forward_mode", "mean for sum"): r"tangent along \(\[1, 1, 1\],\) at x=\[0, 1, 2\]: "
                                         r"expected 1, got 0\.3333333\. At all 3 points "
                                         r"checked, your gradient is 0\.3333 times the "
                                         r"reference's: a constant factor is off\.",
}

EXPECTED.update(EXPECTED_MORE)


def test_every_exercise_has_three_wrong_answers():
    for exercise_id in IDS:
        assert len(WRONG[exercise_id]) >= 3, exercise_id
    assert set(EXPECTED) == {(e, name) for e, answers in WRONG.items() for name in answers}


@pytest.mark.parametrize("exercise_id,name", sorted(EXPECTED))
def test_wrong_answer_gets_its_specific_message(exercise_id, name):
    feedback = course.check(exercise_id, build(WRONG[exercise_id][name]))
    assert feedback.attempted and not feedback.passed
    with pytest.raises(AssertionError, match=EXPECTED[exercise_id, name]):
        raise AssertionError(feedback.message)
    assert feedback.message.endswith(".)")  # points to the lesson section


def test_unknown_exercise_lists_valid_ids():
    with pytest.raises(ValueError, match=r"unknown exercise 'nope'\. Valid ids: ") as error:
        course.check("nope", None)
    assert str(error.value).endswith(f"Valid ids: {', '.join(IDS)}.")


def test_feedback_html_is_escaped():
    feedback = course.Feedback("x", False, "<b>bad</b>")
    assert "&lt;b&gt;bad&lt;/b&gt;" in feedback._repr_html_()


def raises(*args, **kwargs):
    raise RuntimeError("boom")


def with_jvp(rule, fun=lambda *a: a[0]):
    f = jax.custom_jvp(fun)
    f.defjvp(rule)
    return f


def with_vjp(fwd, bwd, fun=lambda *a: a[0]):
    f = jax.custom_vjp(fun)
    f.defvjp(fwd, bwd)
    return f


JUNK_ANSWERS = [
    raises, (raises, raises), (raises,), (jnp.sin, jnp.cos), jnp.sin, print,
    lambda *a: None, (lambda *a: None, lambda *a: None), (lambda x: (x, x), lambda r, g: g),
    (lambda *a: (a, a), lambda r, g: (jnp.ones(3),) * 3), lambda p, t: (p, t),
    lambda *a: jnp.ones((2, 2)), (lambda *a: ("s", "t"), lambda *a: "u"),
    lambda f, p, t: (1, 2, 3), lambda *a: (jnp.int32(1), jnp.int32(2)),
    {"a": 1}, [jnp.sin, jnp.cos], jnp.ones(3), object(),
    with_jvp(raises), with_jvp(lambda p, t: ("a", "b")), with_jvp(lambda p, t: (p, t)),
    with_jvp(lambda p, t: (None, None)), with_jvp(lambda p, t: (p[0], jnp.ones((2, 2)))),
    with_jvp(lambda p, t: (p[0], {"t": t[0]})), with_jvp(lambda p, t: (p[0], t[0] ** 2)),
    with_jvp(lambda p, t: (p[0], t), fun=lambda *a: "s"), with_jvp(lambda *a: 1),
    with_vjp(lambda *a: (a[0], None), lambda r, g: (g,)), with_vjp(raises, raises),
    (lambda *a: ({"r": a}, None), lambda r, g: ({"x": g},)),
    (lambda *a: (a[0], None), lambda r, g: tuple(None for _ in range(2))),
    (lambda *a: (a[0], None), lambda r, g: ("s", "t")),
    (lambda *a: (jnp.ones(5), None), lambda r, g: (g, g)),
    (jnp.sin, lambda r, g: (g,)), (lambda *a: (a[0], None), lambda r, g: [g, g]),
    ]

JUNK = st.one_of(
    st.none(), st.just(...), st.integers(), st.floats(allow_nan=True), st.text(max_size=5),
    st.lists(st.integers(), max_size=3), st.tuples(st.integers(), st.integers()),
    st.sampled_from(JUNK_ANSWERS),
)


def assert_specific(feedback):
    assert isinstance(feedback, course.Feedback)
    assert not feedback.passed
    assert isinstance(feedback.message, str) and feedback.message
    assert CHECKER_FAILED not in feedback.message  # the checker crashed: fix the checker


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exercise_id=st.sampled_from(IDS), answer=JUNK)
def test_checkers_never_raise_on_junk(exercise_id, answer):
    feedback = course.check(exercise_id, answer)
    if feedback.passed and EXERCISES[exercise_id].kind == "predict":
        # a junk number may be a prediction's right answer (11_float_exponent's is 0): then
        # it must be that answer, not something the checker let through
        right = course.solution(exercise_id)
        got, want = normalize_prediction(answer, right), normalize_prediction(right, right)
        assert got == want or np.isclose(got, want, rtol=1e-4), (exercise_id, answer)
        return
    assert_specific(feedback)


@pytest.mark.parametrize("exercise_id", IDS)
def test_checkers_never_raise_on_any_listed_junk(exercise_id):
    for answer in JUNK_ANSWERS:
        assert_specific(course.check(exercise_id, answer))


def test_a_crashing_checker_is_caught_and_said_so(monkeypatch):
    """The fallback exists for checker bugs, and the junk test above recognizes it."""
    def crash(answer, reference):
        raise KeyError("checker bug")

    ex = EXERCISES["02_logcosh"]
    monkeypatch.setitem(EXERCISES, "02_logcosh", Exercise(**{**vars(ex), "checker": crash}))
    feedback = course.check("02_logcosh", jnp.sin)
    assert feedback.message.startswith(f"{CHECKER_FAILED} with KeyError: 'checker bug'")
    with pytest.raises(AssertionError):
        assert_specific(feedback)


def test_the_jacfwd_error_quoted_by_11_forward_mode_is_jaxs():
    f = course.solution("11_forward_mode")
    assert not isinstance(f, jax.custom_vjp)
    g = jax.custom_vjp(lambda x: x)
    g.defvjp(lambda x: (x, None), lambda r, t: (t,))
    with pytest.raises(TypeError, match=r"can't apply forward-mode autodiff \(jvp\) to a "
                                        r"custom_vjp function"):
        jax.jacfwd(g)(1.0)


# ---- predict and find_the_bug ----

PREDICTIONS = [i for i in IDS if EXERCISES[i].kind == "predict"]


def spellings(reference) -> list:
    """Every form in which a person would type the prediction `reference`."""
    if isinstance(reference, type):
        return [reference, reference.__name__, f" {reference.__name__} ",
                f"{reference.__module__}.{reference.__name__}", reference("made up")]
    if isinstance(reference, str):
        return [reference, reference.upper(), f"({reference})", f" {reference} "]
    if isinstance(reference, int) and not isinstance(reference, bool):
        return [reference, str(reference), f" {reference} ", float(reference)]
    return [reference, str(reference), float(reference)]


@pytest.mark.parametrize("exercise_id", PREDICTIONS)
def test_every_spelling_of_the_right_prediction_passes(exercise_id):
    reference = course.solution(exercise_id)
    assert isinstance(reference, (int, float, str, type)), (
        f"{exercise_id}: a prediction is a count, a value, a choice or an exception type")
    for answer in spellings(reference):
        feedback = course.check(exercise_id, answer)
        assert feedback.passed, (exercise_id, answer, feedback.message)


@pytest.mark.parametrize("exercise_id", PREDICTIONS)
def test_a_prediction_of_the_wrong_form_says_which_form(exercise_id):
    feedback = course.check(exercise_id, [course.solution(exercise_id)])
    assert not feedback.passed
    assert "expected a prediction of the form" in feedback.message



@pytest.mark.parametrize("answer,expected", [
    (3, 3), ("3", 3), (" 3 ", 3), (3.0, 3), (0.5, 0.5), ("0.5", 0.5), ("b", "b"), ("B", "b"),
    ("(b)", "b"), (TypeError, TypeError), ("TypeError", TypeError), (TypeError(), TypeError),
    ("builtins.TypeError", TypeError), (jnp.float32(3.), 3), (jnp.array(0.5), 0.5),
    (np.float64(0.5), 0.5), (np.array(3), 3), ("4,000", 4000), (" 4,000 ", 4000),
    ("1,234.5", 1234.5), ("nan", float("nan")), ("inf", float("inf")),
])
def test_prediction_accepts_every_spelling(answer, expected):
    assert check_prediction(answer, expected) == (
        f"you predicted {expected.__name__ if isinstance(expected, type) else expected}, "
        "which is what JAX does.")


@pytest.mark.parametrize("answer,expected,message", [
    (2, 3, r"you predicted 2, which is not what JAX does\. Expand the solution cell"),
    ("c", "b", r"you predicted c, which is not what JAX does\. \(c\) changes the primal"),
    (ValueError, TypeError, r"you predicted ValueError, which is not"),
    ([3], 3, r"expected a prediction of the form a number, such as 3 or \"3\", got list \[3\]"),
    (True, 1, r"expected a prediction of the form a number"),
    (jnp.array(True), 1, r"expected a prediction of the form a number"),
    (jnp.array([0.5]), 0.5, r"expected a prediction of the form a number"),
    (3, TypeError, r"expected a prediction of the form an exception type"),
    ("three", 3, r"got str 'three'"),
    ("4,00", 4000, r"got str '4,00'"),  # not a thousands separator
    ("8,000", 4000, r"you predicted 8000, which is not"),
])
def test_wrong_prediction_says_which(answer, expected, message):
    with pytest.raises(Wrong, match=message):
        check_prediction(answer, expected, why_not={"c": "(c) changes the primal."})


def buggy():
  def f_bwd(res, g):
    return g  # the bug: not a tuple

  answer = f_bwd
  return answer


def run_as_cell(source: str, name: str):
    """Run `source` as Jupyter runs a cell: its text registered in linecache."""
    filename = f"<cell {name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    ns = {}
    exec(compile(source, filename, "exec"), ns)
    return ns["answer"]


def test_find_the_bug_answer_unchanged_is_not_attempted():
    shown = body_source(buggy)
    assert same_source(run_as_cell(shown, "scaffold"), buggy())  # run as it is shown
    fixed = run_as_cell(shown.replace("return g ", "return (g,) "), "fixed")
    assert not same_source(fixed, buggy())
    assert not same_source(lambda res, g: (g,), buggy())
    assert not same_source(print, buggy())  # no source to read: changed, not an error


def fixed():
  def f_bwd(res, g):
    return (g,)

  answer = f_bwd
  return answer


def test_new_kinds_slot_into_check(monkeypatch):
    """A predict and a find_the_bug exercise, registered as a lesson module would, go through
    course.check unchanged: not attempted, wrong with its reason, and passed."""
    def check_fix(answer, reference):
        check_bwd_direct(answer, None, jnp.float32(1.0), 1)
        return "f_bwd returns a tuple of one cotangent."

    bug = Exercise(id="99_bug", kind="find_the_bug", lesson="11_gotchas",
                   section="4. The shape of what `f_bwd` returns", asks_for="f_bwd, fixed",
                   solution=fixed, checker=check_fix, given=buggy)
    guess = Exercise(id="99_guess", kind="predict", lesson="07_custom_vjp_in_depth",
                     section="No forward mode", asks_for="the exception type jvp raises",
                     solution=lambda: TypeError,
                     checker=lambda answer, reference: check_prediction(answer, reference))
    monkeypatch.setitem(EXERCISES, bug.id, bug)
    monkeypatch.setitem(EXERCISES, guess.id, guess)

    assert not course.check("99_bug", run_as_cell(body_source(buggy), "bug")).attempted
    wrong = course.check("99_bug", lambda res, g: g)
    assert wrong.attempted and "got a single ArrayImpl" in wrong.message
    assert course.check("99_bug", run_as_cell(body_source(fixed), "fix")).passed
    assert course.check("99_guess", "ValueError").message.startswith(
        "you predicted ValueError, which is not what JAX does.")
    assert course.check("99_guess", "TypeError").passed


def test_record_rejects_unknown_kinds_and_misplaced_given():
    fields = dict(id="x", lesson="01_tldr", section="Recap", asks_for="y", solution=buggy,
                  checker=lambda a, r: "")
    with pytest.raises(ValueError, match="unknown kind 'guess'"):
        Exercise(kind="guess", **fields)
    with pytest.raises(ValueError, match="`given` is for find_the_bug"):
        Exercise(kind="find_the_bug", **fields)
    with pytest.raises(ValueError, match="`given` is for find_the_bug"):
        Exercise(kind="predict", given=buggy, **fields)
    assert {"predict", "find_the_bug"} <= set(KINDS)
