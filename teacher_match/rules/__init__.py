"""The rules: one module per business rule, each with a parameter dataclass, ``build`` and ``check``.

``RULES`` is the registry, in build order. A rule module exposes

* ``RULE_ID`` and ``SECTION`` (the policy section its parameters live in);
* one frozen parameter dataclass (the only dataclass defined in the module);
* ``build(ctx, rule)`` adding named CP-SAT constraints and objective terms;
* ``check(chk, rule) -> list of (rule, key, message)`` recomputing the rule with pandas only;
* optionally ``prune(pairs, rule, data)`` (pairs the rule forbids outright), ``TERMS`` and ``term_values``.
"""

from __future__ import annotations

import dataclasses

from . import (
    backbone_ratio,
    balance,
    budget,
    commute,
    flows,
    leadership_cap,
    min_rotation,
    outflow_limit,
    pairing,
    preferences,
    priority,
    quotas,
    single_assignment,
    staff_floor,
    subject_needs,
)

__all__ = ["RULES", "rule_class", "TERM_OWNERS", "TERM_UNITS"]

RULES = [
    flows,
    single_assignment,
    subject_needs,
    commute,
    outflow_limit,
    leadership_cap,
    backbone_ratio,
    min_rotation,
    preferences,
    pairing,
    quotas,
    balance,
    priority,
    staff_floor,
    budget,
]


def rule_class(module):
    """The parameter dataclass of a rule module."""
    classes = [v for v in vars(module).values()
               if dataclasses.is_dataclass(v) and isinstance(v, type) and v.__module__ == module.__name__]
    assert len(classes) == 1, module.__name__
    return classes[0]


#: objective term -> owning rule module
TERM_OWNERS = {term: m for m in RULES for term in getattr(m, "TERMS", {})}
#: objective term -> (units per real unit, description)
TERM_UNITS = {term: spec for m in RULES for term, spec in getattr(m, "TERMS", {}).items()}
