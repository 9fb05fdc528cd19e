"""The rules: one module per business rule — its parameters, formulation, check and words.

``RULES`` is the registry: every module of this package (but ``contract``), found on import and ordered by
its ``ORDER`` — the build order, which is also the order of a stage's stay reasons and of the schools
table's columns. Every module is a :class:`~teacher_match.rules.contract.RuleModule`:

* ``RULE_ID``, ``SECTION`` (the policy section of its parameters), ``PARAMS`` (the frozen parameter
  dataclass), ``TITLE`` / ``TITLE_ZH`` and ``TERMS`` (objective terms it owns);
* ``build(ctx, rule)`` adding named CP-SAT constraints and objective terms; ``class_key`` for aggregation;
* ``check(chk, rule) -> list of (rule, key, message)`` recomputing the rule with pandas only, and
  ``term_values`` (or None);
* ``prune(pairs, rule, data)`` for pairs the rule forbids outright (or None), with ``pair_words`` and
  ``teacher_words`` saying why;
* ``binding_words``, ``stays`` and ``school_columns``: how a binding instance reads, why a teacher stays,
  and its columns of the schools table.

Adding a rule: one module here and its test file ``tests/rules/test_<rule>.py`` — nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import cast

from .contract import RuleModule

__all__ = ["RULES", "RULES_BY_ID", "rule_class", "TERM_OWNERS", "TERM_UNITS", "RuleModule"]


def _discover() -> list[RuleModule]:
    """Every module of this package but the contract, ordered by its ``ORDER``."""
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != "contract")
    modules = [cast(RuleModule, importlib.import_module(f"{__name__}.{n}")) for n in names]
    return sorted(modules, key=lambda m: (m.ORDER, m.RULE_ID))


#: the registry: every rule module of the package, in build order
RULES: list[RuleModule] = _discover()


def rule_class(module: RuleModule) -> type:
    """The parameter dataclass of a rule module (its ``PARAMS``)."""
    return module.PARAMS


#: rule id -> rule module
RULES_BY_ID: dict[str, RuleModule] = {m.RULE_ID: m for m in RULES}

#: objective term -> owning rule module
TERM_OWNERS = {term: m for m in RULES for term in m.TERMS}
#: objective term -> (units per real unit, description)
TERM_UNITS = {term: spec for m in RULES for term, spec in m.TERMS.items()}
