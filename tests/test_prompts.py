"""No exercise gives its answer away: for every exercise the learner writes or fixes, the key
expressions of the reference solution do not appear in its prompt.

The key expressions are read from the solution's source with `ast`: what its rules return or
compute (the rule registered with defjvp/defjvps/defvjp, or the functions `answer` names),
and every sub-expression of those that is a call or an operation, at least MIN_LENGTH
characters long once whitespace is removed. Left out: calls of plain names (`g(x, y)`, the
primal output); what the solution also shows outside its rules (the primal function); the
custom_jvp/custom_vjp function the scaffold defines (a rule may recompute its output); and,
for a find_the_bug, whatever the given buggy code contains.

The prompt is what the learner reads before writing: the markdown cells from the exercise's
`##` heading (or the previous solution cell, if later) down to the scaffold, the scaffold
cell, and the `asks_for` text that the check shows. Both sides are compared with all
whitespace removed.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from answers import SCAFFOLD_RULE

import course
from course.checks import EXERCISES, body_source

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
WRITE_KINDS = {"jvp_function", "jvp_rule", "vjp_pair", "function", "find_the_bug"}
MIN_LENGTH = 5  # shorter expressions (x*y, -x, g*x) say nothing by themselves
REGISTERS = {"defjvp", "defjvps", "defvjp"}
PRIMALS = {"custom_jvp", "custom_vjp"}


def squeeze(text: str) -> str:
    return "".join(text.split())


def name_of(node) -> str | None:
    """`f` for `f`, `defjvp` for `g.defjvp`, `custom_jvp` for `jax.custom_jvp(...)`."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else None


def rule_nodes(tree: ast.Module) -> list[ast.AST]:
    """The functions and lambdas that compute the answer: registered as rules (decorator or
    call), or named by `answer = ...` without being a custom_jvp/custom_vjp primal."""
    functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    primals = {name for name, fn in functions.items()
               if any(name_of(d) in PRIMALS for d in fn.decorator_list)}
    rules: list[ast.AST] = [fn for fn in functions.values()
                            if any(name_of(d) in REGISTERS for d in fn.decorator_list)]
    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and name_of(call) in REGISTERS:
            for arg in call.args:
                if isinstance(arg, ast.Lambda):
                    rules.append(arg)
                elif isinstance(arg, ast.Name) and arg.id in functions:
                    rules.append(functions[arg.id])
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "answer" for t in stmt.targets):
            for node in ast.walk(stmt.value):
                if isinstance(node, ast.Name) and node.id in functions and node.id not in primals:
                    rules.append(functions[node.id])
    unique = {id(r): r for r in rules}
    return list(unique.values())


def computed(rule: ast.AST) -> list[ast.expr]:
    """What a rule returns and what it assigns on the way."""
    if isinstance(rule, ast.Lambda):
        return [rule.body]
    found = []
    for node in ast.walk(rule):
        if isinstance(node, ast.Return) and node.value is not None:
            found.append(node.value)
        elif isinstance(node, ast.Assign):
            found.append(node.value)
    return found


def plain_call(node: ast.AST) -> bool:
    """A call of a bare name: the exercise's own functions (`g(x, y)`, the primal output,
    `affine(params, x)`) or a builtin, never a formula by itself."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name)


def key_expressions(solution_source: str, shown_elsewhere: str = "") -> list[str]:
    """The key expressions of a solution (whitespace removed), most specific first.
    `shown_elsewhere` is code the learner legitimately sees (a find_the_bug's given code)."""
    tree = ast.parse(solution_source)
    rules = rule_nodes(tree)
    context = solution_source
    for rule in rules:  # what the solution shows outside its rules
        context = context.replace(ast.get_source_segment(solution_source, rule) or "", "")
    context = squeeze(context) + squeeze(shown_elsewhere)
    keys = []
    for rule in rules:
        for expr in computed(rule):
            for node in ast.walk(expr):
                if not isinstance(node, (ast.BinOp, ast.Call, ast.UnaryOp, ast.Dict)):
                    continue
                if plain_call(node):
                    continue
                forms = [squeeze(ast.get_source_segment(solution_source, node) or ""),
                         squeeze(ast.unparse(node))]  # as written, and as `ast` spells it
                for form in [forms, *leading_arguments(node, solution_source)]:
                    if any(f in context for f in form):
                        continue
                    keys += [f for f in dict.fromkeys(form) if len(f) >= MIN_LENGTH
                             and f not in keys]
    return keys


def leading_arguments(node: ast.AST, solution_source: str) -> list[list[str]]:
    """A call with its leading arguments written out and the rest left open, as a prompt
    would paraphrase it: `jnp.where(x == 0., 0., formula)` gives away `jnp.where(x==0.,0.,`
    (as written, and as `ast` spells it). One form per number of leading arguments, from two:
    the first alone (a where's condition) says little, and a buggy scaffold may show it on
    purpose."""
    if not isinstance(node, ast.Call) or len(node.args) < 3:
        return []
    func = [ast.get_source_segment(solution_source, node.func) or "", ast.unparse(node.func)]
    args = [[ast.get_source_segment(solution_source, a) or "", ast.unparse(a)]
            for a in node.args]
    return [[squeeze(func[i] + "(" + ",".join(a[i] for a in args[:k]) + ",") for i in (0, 1)]
            for k in range(2, len(args))]


def code_cells(notebook: Path) -> list[dict]:
    return json.loads(notebook.read_text())["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def prompt_of(exercise_id: str, cells: list[dict]) -> tuple[str, str]:
    """The markdown from the exercise's heading (or the previous solution cell) down to the
    scaffold, and the scaffold: the cell just before `course.check("<id>", answer)`."""
    check = f'course.check("{exercise_id}", answer)'
    found = [i for i, c in enumerate(cells)
             if c["cell_type"] == "code" and source(c).strip() == check]
    if len(found) != 1:
        raise LookupError(f"{exercise_id}: expected one check cell, found {len(found)}")
    scaffold = found[0] - 1
    start = 0
    for i in range(scaffold):
        text = source(cells[i])
        if (cells[i]["cell_type"] == "markdown" and any(
                line.startswith("## ") for line in text.splitlines())):
            start = i
        elif cells[i]["cell_type"] == "code" and text.startswith("%%solution"):
            start = i + 1
    parts = [source(c) for c in cells[start:scaffold] if c["cell_type"] == "markdown"]
    return "\n".join(parts), source(cells[scaffold])


def primal_functions(scaffold: str) -> str:
    """The custom_jvp/custom_vjp functions a scaffold defines: the function the learner is to
    give a rule, shown on purpose (a solution's rule may recompute its output)."""
    try:
        tree = ast.parse(scaffold)
    except SyntaxError:
        return ""
    return "\n".join(ast.get_source_segment(scaffold, fn) or "" for fn in ast.walk(tree)
                     if isinstance(fn, ast.FunctionDef)
                     and any(name_of(d) in PRIMALS for d in fn.decorator_list))


def giveaways(exercise_id: str, cells: list[dict]) -> list[str]:
    """The key expressions of `exercise_id` that its prompt contains."""
    ex = EXERCISES[exercise_id]
    prompt, scaffold = prompt_of(exercise_id, cells)
    shown = primal_functions(scaffold)
    if ex.given is not None:
        shown += "\n" + body_source(ex.given)
    text = squeeze(f"{prompt}\n{scaffold}\n{ex.asks_for}")
    return [key for key in key_expressions(course.solution_source(exercise_id), shown)
            if key in text]


def notebook_of(exercise_id: str) -> Path:
    return next(NOTEBOOKS.glob(f"{exercise_id[:2]}_*.ipynb"))


WRITTEN = [i for i in course.exercises() if EXERCISES[i].kind in WRITE_KINDS]


@pytest.mark.parametrize("exercise_id", WRITTEN)
def test_prompt_does_not_contain_the_key_expression(exercise_id):
    found = giveaways(exercise_id, code_cells(notebook_of(exercise_id)))
    assert not found, (f"{exercise_id}: the prompt (markdown, scaffold or asks_for) contains the "
                       f"reference solution's {found}")


# ---- the test above can fail ----

def markdown(text: str) -> dict:
    return {"cell_type": "markdown", "source": text, "metadata": {}}


def code(text: str) -> dict:
    return {"cell_type": "code", "source": text, "metadata": {}, "outputs": []}


def lesson_cells(exercise_id: str, prompt: str, scaffold: str) -> list[dict]:
    return [markdown("## Earlier section\nThe lesson."), code("x = 1"),
            markdown(f"## Exercise: `{exercise_id}`\n\n{prompt}"), code(scaffold),
            code(f'course.check("{exercise_id}", answer)'),
            code(f"%%solution {exercise_id}\n{course.solution_source(exercise_id)}")]


SCAFFOLD = SCAFFOLD_RULE  # 02_logcosh's scaffold, as a learner gets it


@pytest.mark.parametrize("prompt,scaffold,expected", [
    ("Its tangent is `jnp.tanh(x) * x_dot`.", SCAFFOLD, "jnp.tanh(x)*x_dot"),
    ("Use `jnp.tanh(x)`, which never overflows.", SCAFFOLD, "jnp.tanh(x)"),
    ("Write the rule.", SCAFFOLD.replace('raise NotImplementedError("your rule here")',
                                         "t = jnp.tanh( x )"), "jnp.tanh(x)"),
])
def test_a_prompt_with_the_key_expression_fails(prompt, scaffold, expected):
    cells = lesson_cells("02_logcosh", prompt, scaffold)
    assert expected in giveaways("02_logcosh", cells)
    honest = lesson_cells("02_logcosh", "Find a form that does not overflow.", SCAFFOLD)
    assert giveaways("02_logcosh", honest) == []


def test_a_call_written_with_its_leading_arguments_fails():
    """03_sinc's prompt once wrote `jnp.where(x == 0., 0., formula)`: the solution's call with
    its last argument renamed."""
    scaffold = prompt_of("03_sinc", code_cells(notebook_of("03_sinc")))[1]
    paraphrase = "`jnp.where(x == 0., 0., formula)` picks the convention at 0."
    assert "jnp.where(x==0.,0.," in giveaways("03_sinc",
                                              lesson_cells("03_sinc", paraphrase, scaffold))
    honest = "Pick the convention at 0 with `jnp.where`, and keep the formula away from 0."
    assert giveaways("03_sinc", lesson_cells("03_sinc", honest, scaffold)) == []


def test_the_prompt_is_the_exercise_part_only():
    """Text before the exercise's heading, or before the previous solution, is not prompt."""
    cells = lesson_cells("02_logcosh", "Find a form.", SCAFFOLD)
    cells[0] = markdown("## Earlier section\nThe lesson uses jnp.tanh(x) * x_dot.")
    assert giveaways("02_logcosh", cells) == []
    previous = code(f"%%solution 01_product_rule\n{course.solution_source('01_product_rule')}")
    after_it = markdown("No heading of its own, and jnp.tanh(x) in the text.")
    cells = [cells[0], previous, after_it, *cells[3:]]  # heading cell and its prompt removed
    assert giveaways("02_logcosh", cells) == ["jnp.tanh(x)"]


@pytest.mark.parametrize("exercise_id,expected", [
    ("02_logcosh", ["jnp.tanh(x)*x_dot", "jnp.tanh(x)"]),
    ("01_product_rule", ["e*((1+x*y)*x_dot+x**2*y_dot)", "(1+x*y)*x_dot", "1+x*y"]),
    ("04_clip_norm", ["jnp.sqrt(jnp.sum(g**2))", "jnp.maximum(norm,c)"]),
])
def test_key_expressions_are_the_rules_formulas(exercise_id, expected):
    keys = key_expressions(course.solution_source(exercise_id))
    for key in expected:
        assert key in keys, (key, keys)
    assert not any(k.startswith(("g(", "logcosh(")) for k in keys)  # the primal output
    assert "jnp.exp(x*y)" not in keys  # shown in the primal, which the scaffold shows too


def test_a_find_the_bug_key_is_only_the_fix():
    given = body_source(EXERCISES["02_log_sigmoid"].given)
    keys = key_expressions(course.solution_source("02_log_sigmoid"), given)
    assert "jax.nn.sigmoid(-x)" in keys
    assert all(k not in squeeze(given) for k in keys)
