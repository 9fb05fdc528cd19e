"""One plain sentence per teacher: why they rotate, why they stay.

The reason for a movable teacher who stays is read off the plan by the rules themselves: every rule module
lists the reasons it can keep a teacher home (``stays``), each at a stage of the ladder
(:class:`~teacher_match.rules.contract.Stage`: the school does not send; a protected subject; nothing within
reach; a cap used up; what a school must keep; a share among those sent; destinations that first need
others; every need filled). The first reason that holds, by stage and then by the registry's order, is given;
when none holds, the optimiser found no better plan that moves the teacher.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .rules import RULES
from .rules.contract import PlanState, StayTest

if TYPE_CHECKING:
    from .policy import Policy
    from .problem import Problem

__all__ = ["teacher_reasons", "stay_tests"]

#: the sentence when no rule keeps a movable teacher home
COST = "the optimal plan leaves this teacher in place (moving them would not lower the plan's cost)"

_NO_PLAN = {"INFEASIBLE": "no plan: the hard rules cannot all hold",
            "MODEL_INVALID": "no plan: the model was invalid",
            "UNKNOWN": "no plan found within the time limit"}


def stay_tests(state: PlanState) -> list[StayTest]:
    """Every rule's stay reasons, in ladder order (stage, then the registry's order)."""
    found = [(test.stage, k, j, test) for k, m in enumerate(RULES)
             for j, test in enumerate(m.stays(state, state.policy.rule(m.RULE_ID)))]
    return [test for *_, test in sorted(found, key=lambda x: x[:3])]


def teacher_reasons(problem: Problem, policy: Policy, elig: pd.DataFrame, state: PlanState, km: np.ndarray,
                    status: str) -> np.ndarray:
    """Reason sentence per teacher (roster order)."""
    t = problem.teachers
    s = problem.schools
    sid = s["school_id"].to_numpy()
    base = elig["reason"].to_numpy()
    out = base.astype(object).copy()
    movable = np.isin(elig["status"].to_numpy(), ["mandatory", "eligible"])
    if status in _NO_PLAN:
        out[movable] = [f"{b}; stays — {_NO_PLAN[status]}" for b in base[movable]]
        return out

    subj = t["subject"].to_numpy()
    cat = s["category"].to_numpy()
    strength = s["strength"].to_numpy()
    to_pos = state.to_pos
    for i in np.flatnonzero(state.moved):
        j = to_pos[i]
        # a school without a declared need in the subject receives only by exchanging posts: it sends too
        why = (f"to fill its {subj[i]} need" if (j, subj[i]) in state.need_left
               else f"to take a {subj[i]} post it opens by sending its own teachers (exchange of posts)")
        out[i] = f"{base[i]}; rotates to {sid[j]} ({cat[j]}, {strength[j]}) {why}, {km[i]:.1f} km"

    stay = np.flatnonzero(movable & ~state.moved)
    if not len(stay):
        return out
    tests = stay_tests(state)
    for i in stay:
        why = next((w for test in tests if (w := test.test(int(i))) is not None), COST)
        out[i] = f"{base[i]}; stays — {why}"
    return out
