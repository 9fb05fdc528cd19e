"""priority: ordering principles priced by priority_order = Σ rank(t) · x[t, s] (lexicographic ranks).

RULEBOOK §5 ordering case TC79 is here (TC55 runs the Dongcheng policy: tests/policies/test_policy_rules.py).
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from helpers import assert_valid, breakdown, make_policy, make_problem, moves, solve, violations

from teacher_match.rules import priority

SCHOOLS = [{"school_id": "U1", "category": "urban", "x": 0.0},
           {"school_id": "R1", "category": "rural", "x": 10.0}]


def sent(plan) -> list:
    return sorted(t for t, to in moves(plan).items() if to is not None)


def pair(near: dict, far: dict) -> list[dict]:
    """Teacher N 1 km from R1 and teacher F 4 km from it, with the given columns."""
    return [{"teacher_id": "N", "school_id": "U1", "home_x": 9.0, **near},
            {"teacher_id": "F", "school_id": "U1", "home_x": 6.0, **far}]


# principle -> (columns of N, who is not favoured, columns of F, who is)
PRINCIPLES = {
    "teachers_before_leaders": ({"role": "vice_principal"}, {}),
    "leaders_before_teachers": ({}, {"role": "vice_principal"}),
    "backbone_before_ordinary": ({"backbone": False}, {"backbone": True}),
    "volunteers_first": ({"volunteer": False}, {"volunteer": True}),
    "youngest_first": ({"age": 40}, {"age": 30}),
}


@pytest.mark.parametrize("key", list(PRINCIPLES))
def test_priority_binds_and_changes_the_plan(key):
    problem = make_problem(SCHOOLS, pair(*PRINCIPLES[key]), [("R1", "math", 1)])
    off = make_policy(objective={"priority_order": 5})
    plan = solve(problem, off)
    assert moves(plan) == {"N": "R1", "F": None}
    assert plan.objective == 1
    assert breakdown(plan)["priority_order"] == 0
    assert_valid(problem, off, plan)
    # N's rank is at least 1, priced 5 or more: the 3 km longer commute of F is cheaper
    policy = make_policy(rules={"priority_keys": [key]}, objective={"priority_order": 5})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"N": None, "F": "R1"}
    assert plan.objective == 4 + 5 * (12 if key == "youngest_first" else 0)  # F is 30: 12 years above 18
    assert breakdown(plan)["priority_order"] == (12 if key == "youngest_first" else 0)
    assert_valid(problem, policy, plan)


def test_a_small_weight_only_breaks_ties():
    # the vice-principal's rank 1 priced 2 is less than the 3 km saved: the vice-principal still goes
    problem = make_problem(SCHOOLS, pair(*PRINCIPLES["teachers_before_leaders"]), [("R1", "math", 1)])
    policy = make_policy(rules={"priority_keys": ["teachers_before_leaders"]},
                         objective={"priority_order": 2})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"N": "R1", "F": None}
    assert plan.objective == 1 + 2
    row = plan.objective_breakdown.set_index("term").loc["priority_order"]
    assert (row["value"], row["weight"], row["contribution"]) == (1, 2, 2)
    assert_valid(problem, policy, plan)


def test_principles_are_lexicographic():
    # rank = 64 · leader + (age − 18): the vice-principal aged 30 ranks 76, the teacher aged 40 ranks 22
    teachers = pair({"role": "vice_principal", "age": 30}, {"age": 40})
    problem = make_problem(SCHOOLS, teachers, [("R1", "math", 2)])
    policy = make_policy(rules={"priority_keys": ["teachers_before_leaders", "youngest_first"]},
                         objective={"priority_order": 1})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"N": "R1", "F": "R1"}
    assert breakdown(plan)["priority_order"] == 76 + 22
    assert plan.objective == 1 + 4 + 98
    assert_valid(problem, policy, plan)


def test_checker_recomputes_the_priority_term():
    problem = make_problem(SCHOOLS, pair(*PRINCIPLES["teachers_before_leaders"]), [("R1", "math", 1)])
    policy = make_policy(rules={"priority_keys": ["teachers_before_leaders"]},
                         objective={"priority_order": 5})
    plan = solve(problem, policy)
    assert moves(plan) == {"N": None, "F": "R1"}
    # the vice-principal sent instead, by hand: ordering is soft, so no hard rule breaks ...
    a = plan.assignments.set_index("teacher_id")
    a.loc["N", ["to_school_id", "moves", "commute_km"]] = ["R1", True, 1.0]
    a.loc["F", ["to_school_id", "moves", "commute_km"]] = [None, False, float("nan")]
    bad = a.reset_index()
    assert violations(problem, policy, bad) == set()
    # ... but the plan no longer has the priority_order it reports (0): the recomputed term is 1
    found = violations(problem, policy, dataclasses.replace(plan, assignments=bad))
    assert {("objective", "term=priority_order"), ("objective", "total")} <= found


def test_priority_breaks_ties_in_the_plan():
    schools = [{"school_id": "U1", "x": 0.0}, {"school_id": "R1", "category": "rural", "x": 5.0}]
    teachers = [{"teacher_id": "VP", "school_id": "U1", "role": "vice_principal"},
                {"teacher_id": "T", "school_id": "U1"}]
    p = make_problem(schools, teachers, [("R1", "math", 1)])
    for keys, expected in ((["teachers_before_leaders"], ["T"]), (["leaders_before_teachers"], ["VP"])):
        pol = make_policy(rules={"priority_keys": keys}, objective={"priority_order": 1})
        plan = solve(p, pol)
        assert_valid(p, pol, plan)
        assert sent(plan) == expected
        assert breakdown(plan)["priority_order"] == 0


def test_TC79_merit_selection_when_oversubscribed():
    t = pd.DataFrame({"teacher_id": [f"A{i:02d}" for i in range(56)], "school_id": "S1", "age": 40,
                      "gender": "F", "backbone": False, "merit": list(range(56))})
    s = pd.DataFrame({"school_id": ["S1"], "stage": ["primary"]})
    out = priority.select_by_priority(t, s, 43, [], merit="merit")
    assert out["selected"].sum() == 43
    assert (~out["selected"]).sum() == 13
    assert set(out.loc[~out["selected"], "merit"]) == set(range(13))


def test_fenliu_youngest_first_tie_break():
    t = pd.DataFrame({"teacher_id": ["old", "young", "mid"], "school_id": "S1", "age": [50, 28, 39],
                      "gender": "F", "backbone": False})
    s = pd.DataFrame({"school_id": ["S1"], "stage": ["primary"]})
    out = priority.select_by_priority(t, s, 2, ["youngest_first"])
    assert out.set_index("teacher_id")["selected"].to_dict() == {"old": False, "young": True, "mid": True}
