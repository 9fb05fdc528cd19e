"""The objective API: weighted terms, or terms in lexicographic order.

Terms are owned by the rule modules (``TERMS``); this module only names, weighs and orders them.
All weights are turned into integer coefficients by :mod:`teacher_match.scaling`.

Weighted (the default): minimise ``Σ weight[term] · value[term]``. A negative weight rewards a term
(``backbone_to_weak=-50``). Lexicographic: optimise the first term, fix its value, then the next, …
"""

from __future__ import annotations

import difflib

from .errors import PolicyError
from .params import weight_problem
from .rules import TERM_UNITS

__all__ = ["Objective", "DEFAULT_WEIGHTS", "TERMS"]

#: weights used when neither the policy's [objective] nor the caller sets one
DEFAULT_WEIGHTS = {
    "unmet_need": 1000.0,
    "commute_km": 1.0,
    "preference_rank": 10.0,
    "backbone_to_weak": 0.0,
    "rotation_shortfall": 500.0,
    "non_mandatory_moved": 50.0,
    "moved": 0.0,
    "quota_shortfall": 500.0,
    "priority_order": 0.0,
    "cycle_shortfall": 500.0,
    "cycle_deferred": 100.0,
    "cycle_pace": 100.0,
    "schedule_change": 0.0,
    # the modes planned beside the main one (rules/modes.py)
    "mode_commute_km": 1.0,
    "mode_moved": 0.0,
    "mode_shortfall": 500.0,
    # 走教 (rules/itinerant.py): a week's round trips weigh less than a rotation's daily commute; a lesson a
    # week left uncovered weighs more than any trip that could cover it
    "itinerant_km": 0.2,
    "itinerant_unmet_lessons": 200.0,
}
#: term -> description
TERMS = {name: doc for name, (_, doc) in TERM_UNITS.items()}
assert set(DEFAULT_WEIGHTS) == set(TERMS), "every objective term needs a default weight"


class Objective:
    """Weights of the objective terms, optionally in lexicographic order.

    Parameters
    ----------
    **weights : float
        ``term=weight``; terms not named have weight 0. Unknown names are errors.

    Examples
    --------
    >>> Objective(unmet_need=1000, commute_km=1).weights["commute_km"]
    1.0
    >>> Objective.lexicographic(["unmet_need", "commute_km"]).order
    ['unmet_need', 'commute_km']
    """

    def __init__(self, **weights: float):
        _validate(weights)
        self.weights = {t: float(weights.get(t, 0.0)) for t in TERMS}
        self.order: list[str] | None = None

    @classmethod
    def lexicographic(cls, order: list[str], weights: dict | None = None) -> Objective:
        """Optimise ``order[0]``, fix it, then ``order[1]`` ….

        Weights give each stage's sign/scale (default 1).
        """
        _validate(dict.fromkeys(order, 1.0))
        weights = dict(weights or {})
        _validate(weights)
        obj = cls(**{t: weights.get(t, 1.0) for t in order})
        obj.order = list(order)
        return obj

    @classmethod
    def from_policy(cls, policy) -> Objective:
        """Default weights overridden by the policy's ``[objective]`` section."""
        return cls(**{**DEFAULT_WEIGHTS, **policy.objective})

    def __repr__(self) -> str:
        """The constructor call that gives this objective (its non-zero weights, or its order)."""
        active = {k: v for k, v in self.weights.items() if v}
        if self.order:
            return f"Objective.lexicographic({self.order})"
        return "Objective(" + ", ".join(f"{k}={v:g}" for k, v in active.items()) + ")"


def _validate(weights: dict) -> None:
    for name, w in weights.items():
        if name not in TERMS:
            close = difflib.get_close_matches(name, list(TERMS), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise PolicyError(f"unknown objective term '{name}'{hint} (terms: {', '.join(TERMS)})")
        problem = weight_problem(name, w)
        if problem:
            raise PolicyError(problem)
