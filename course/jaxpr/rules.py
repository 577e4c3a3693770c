"""Which custom rule made which equation of a derivative's program.

JAX keeps the Python stack of every equation. An equation is put down to a custom rule when
that rule's function is on its stack; the `bwd` of a `custom_vjp` is not (JAX records its
equations with the traceback of the call of the custom function), so those are recognised by
that call's line and column, and the views say so.

`find_rules` reads the rules from the primal program; `Attribution` is the hook that
`evaluate_jaxpr(..., on_record=...)` calls for every record it makes.
"""

from __future__ import annotations

from .. import compat
from .data import Record, Rule


def find_rules(closed) -> list[Rule]:
    """The rules of every custom_jvp / custom_vjp call in a (primal) closed jaxpr, nested
    calls included, in order of appearance.

    >>> import jax, jax.numpy as jnp
    >>> @jax.custom_jvp
    ... def f(x):
    ...     return jnp.sin(x)
    >>> @f.defjvp
    ... def f_jvp(primals, tangents):
    ...     return f(primals[0]), jnp.cos(primals[0]) * tangents[0]
    >>> [rule.label for rule in find_rules(jax.make_jaxpr(f)(1.0))]
    ['jvp rule f_jvp of f']
    """
    rules: list[Rule] = []
    seen: set = set()

    def walk(jaxpr) -> None:
        for eqn in jaxpr.eqns:
            if compat.is_custom_call(eqn):
                function = compat.custom_rule_names(eqn)["name"] or "?"
                _, site = compat.equation_stack(eqn)
                for role, source in compat.custom_rule_sources(eqn).items():
                    if source is not None and (role, *source, site) not in seen:
                        seen.add((role, *source, site))
                        rules.append(Rule(function, role, source[0], source[1], site))
            for inner in _inner_jaxprs(eqn):
                walk(inner.jaxpr)

    walk(closed.jaxpr)
    return rules


def _inner_jaxprs(eqn) -> list:
    inner = compat.nested_call(eqn)
    if inner is not None and hasattr(inner, "jaxpr"):
        return [inner]
    if eqn.primitive.name == "while":
        cond, body, _, _ = compat.while_parts(eqn)
        return [cond, body]
    if eqn.primitive.name == "cond":
        return list(compat.cond_branches(eqn))
    return []


class Attribution:
    """The hook `evaluate_jaxpr(..., on_record=Attribution(rules))`: fills `rule_of`, {record
    index: Rule}, for the records a rule made (see the module docstring)."""

    def __init__(self, rules: list[Rule]):
        self.rules = rules
        self.rule_of: dict[int, Rule] = {}
        self._by_frame = {(r.file, r.name): r for r in rules}
        self._by_site = {r.call_site: r for r in rules if r.role == "bwd"}
        self._by_stack: dict = {}
        self._jit_calls: set[int] = set()

    def rule(self, eqn) -> Rule | None:
        """The rule whose function is on the equation's stack (or, for `bwd`, whose custom
        function was called where the equation was recorded), or None."""
        if not self.rules:
            return None
        frames, site = compat.equation_stack(eqn)
        key = (frames, site)
        if key not in self._by_stack:
            self._by_stack[key] = next(
                (self._by_frame[f] for f in frames if f in self._by_frame),
                self._by_site.get(site))
        return self._by_stack[key]

    def __call__(self, eqn, record: Record) -> None:
        if record.kind == "call" and record.primitive == "jit":
            self._jit_calls.add(record.index)
        rule = self.rule(eqn)
        if rule is None and record.parent in self._jit_calls:
            # The equations inside a `jit` call (jnp.clip is one) belong to the rule that made
            # the call: JAX reuses a traced inner jaxpr, with the source info of its first trace.
            rule = self.rule_of.get(record.parent)
        if rule is not None:
            self.rule_of[record.index] = rule
