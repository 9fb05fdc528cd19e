"""min_rotation: each sending school rotates at least ceil(share × mandatory) of its mandatory teachers."""

from __future__ import annotations

import math

import pytest
from helpers import (
    assert_valid,
    breakdown,
    crafted,
    make_policy,
    make_problem,
    moves,
    reason,
    solve,
    violations,
)

import teacher_match as tm
from teacher_match.rules.min_rotation import MinRotation, required

# U1 urban at -40 km, U2 urban at 25 km, R1 rural at 30 km
SCHOOLS = [
    {"school_id": "U1", "category": "urban", "x": -40.0},
    {"school_id": "U2", "category": "urban", "x": 25.0},
    {"school_id": "R1", "category": "rural", "x": 30.0},
]
# A must rotate but lives 70 km from R1; V (volunteer, U2) 5 km away costs 5 + 50 — cheaper than A
TEACHERS = [
    {"teacher_id": "A", "school_id": "U1"},
    {"teacher_id": "V", "school_id": "U2", "years_at_school": 2, "volunteer": True},
]
NEEDS = [("R1", "math", 1)]


def test_required_is_an_exact_ceiling():
    assert required(3, MinRotation(min_share_of_eligible=0.5)) == 2
    assert required(3, MinRotation(min_share_of_eligible=1 / 3)) == 1
    assert required(3, MinRotation(min_share_of_eligible=0.34)) == 2
    assert required(100, MinRotation(min_share_of_eligible=0.07)) == 7  # 0.07 * 100 = 7.000…1 in floats
    assert math.ceil(0.07 * 100) == 8
    assert required(0, MinRotation(min_share_of_eligible=0.5)) == 0
    assert required(5, MinRotation()) == 0


def test_without_the_rule_the_cheaper_volunteer_goes():
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    policy = make_policy()
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": None, "V": "R1"}
    assert plan.objective == 5 + 50
    assert "every math need within reach is filled by other teachers" in reason(plan, "A")
    assert_valid(problem, policy, plan)


@pytest.mark.parametrize("hard", [True, False])
def test_minimum_binds(hard):
    # ceil(0.5 × 1) = 1 of U1's mandatory teachers must go (soft: a shortfall costs 500 > 70 − 55)
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    policy = make_policy(rules={"min_share_of_eligible": 0.5, "min_rotation_hard": hard})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": "R1", "V": None}
    assert plan.objective == 70
    assert breakdown(plan)["rotation_shortfall"] == 0
    assert plan.schools.set_index("school_id")["min_rotation"].to_dict() == {"U1": 1, "U2": 0, "R1": 0}
    assert_valid(problem, policy, plan)


def test_soft_minimum_gives_way_to_a_cheaper_plan():
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    policy = make_policy(rules={"min_share_of_eligible": 0.5, "min_rotation_hard": False},
                         objective={"rotation_shortfall": 10})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": None, "V": "R1"}
    assert plan.objective == 5 + 50 + 10
    assert breakdown(plan)["rotation_shortfall"] == 1
    assert_valid(problem, policy, plan)


def test_eligible_teachers_do_not_count_towards_the_minimum():
    # V now works at U1 too: moving V does not satisfy U1's minimum
    teachers = [TEACHERS[0], {**TEACHERS[1], "school_id": "U1", "home_x": 25.0}]
    problem = make_problem(SCHOOLS, teachers, NEEDS)
    policy = make_policy(rules={"min_share_of_eligible": 1.0, "min_rotation_hard": True})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": "R1", "V": None}
    assert plan.objective == 70
    assert_valid(problem, policy, plan)


def test_hard_minimum_without_a_receiving_need_is_infeasible():
    problem = make_problem(SCHOOLS, TEACHERS[:1], [])
    policy = make_policy(rules={"min_share_of_eligible": 0.5, "min_rotation_hard": True})
    plan = solve(problem, policy)
    assert plan.status == "INFEASIBLE"
    assert moves(plan) == {"A": None}
    assert math.isnan(plan.objective)
    assert reason(plan, "A").endswith("stays — no plan: the hard rules cannot all hold")
    assert_valid(problem, policy, plan)

    # soft: the same roster is feasible, at the price of one shortfall
    policy = make_policy(rules={"min_share_of_eligible": 0.5, "min_rotation_hard": False})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": None}
    assert plan.objective == 500
    assert breakdown(plan)["rotation_shortfall"] == 1
    assert "no receiving school (rural or village) needs math" in reason(plan, "A")
    assert_valid(problem, policy, plan)


@pytest.mark.parametrize(("share", "status", "moved"),
                         [(1 / 3, "OPTIMAL", {"M1": "R1"}), (0.34, "INFEASIBLE", {})])
def test_ceiling_decides_feasibility(share, status, moved):
    # three mandatory teachers, one post: ceil(1/3 × 3) = 1 is feasible, ceil(0.34 × 3) = 2 is not
    teachers = [{"teacher_id": f"M{i + 1}", "school_id": "U1", "home_x": 29.0 - i} for i in range(3)]
    problem = make_problem(SCHOOLS, teachers, NEEDS)
    policy = make_policy(rules={"min_share_of_eligible": share, "min_rotation_hard": True})
    plan = solve(problem, policy)
    assert plan.status == status
    assert {k: v for k, v in moves(plan).items() if v is not None} == moved
    if status == "OPTIMAL":
        assert plan.objective == 1
    assert_valid(problem, policy, plan)


def test_only_sending_schools_have_a_minimum():
    problem = make_problem(SCHOOLS, [{"teacher_id": "R", "school_id": "R1"}], [])
    policy = make_policy(rules={"min_share_of_eligible": 1.0, "min_rotation_hard": True})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"R": None}
    assert plan.objective == 0
    assert "R1 is not a sending school" in reason(plan, "R")
    assert_valid(problem, policy, plan)


def test_checker_reports_a_hard_shortfall_only():
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    hard = make_policy(rules={"min_share_of_eligible": 0.5, "min_rotation_hard": True})
    assert violations(problem, hard, crafted(problem, hard, {"A": "R1"})) == set()
    assert violations(problem, hard, crafted(problem, hard, {"V": "R1"})) == {("min_rotation", "school=U1")}
    soft = make_policy(rules={"min_share_of_eligible": 0.5, "min_rotation_hard": False})
    assert violations(problem, soft, crafted(problem, soft, {"V": "R1"})) == set()


# ------------------------------------------------------------------ hard unless the policy says soft
def test_a_stated_minimum_is_hard_by_default():
    assert MinRotation().min_rotation_hard is True
    # A cannot be placed anywhere (no need): with the minimum stated and nothing said, there is no plan
    problem = make_problem(SCHOOLS, TEACHERS[:1], [])
    policy = make_policy(rules={"min_share_of_eligible": 0.5})
    plan = solve(problem, policy)
    assert plan.status == "INFEASIBLE"
    assert set(plan.diagnosis["rule"]) == {"min_rotation"}
    assert set(plan.diagnosis["key"]) == {"school=U1"}
    relax = dict(zip(plan.relaxations["parameter"], plan.relaxations["value"], strict=True))
    assert relax == {"min_share_of_eligible": 0.0, "min_rotation_hard": False}
    assert plan.shortfalls is None
    assert "why no plan exists" in plan.summary()
    assert_valid(problem, policy, plan)


def test_soft_shortfall_is_a_row_and_the_summary_first_line():
    problem = make_problem(SCHOOLS, TEACHERS[:1], [])
    policy = make_policy(rules={"min_share_of_eligible": 0.5, "min_rotation_hard": False})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert tm.check(problem, policy, plan).empty  # valid: the policy allows the shortfall …
    short = tm.shortfalls(problem, policy, plan)  # … and it is never silent
    assert short[["rule", "key", "where", "short", "switch"]].values.tolist() == [
        ["min_rotation", "school=U1", "U1", 1, "min_rotation_hard"]]
    assert short["message"].iat[0] == ("U1 must rotate at least 1 mandatory teacher (50% of its mandatory "
                                       "teachers, rounded up) and rotates 0: 1 short")
    assert plan.summary().splitlines()[0] == (
        "  SHORTFALL: min_rotation — 1 mandatory teacher short at 1 sending school (U1 1); soft in this "
        "policy (min_rotation_hard = false)")
    assert_valid(problem, policy, plan)


def test_a_met_soft_minimum_is_no_shortfall():
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    policy = make_policy(rules={"min_share_of_eligible": 0.5, "min_rotation_hard": False})
    plan = solve(problem, policy)
    assert moves(plan) == {"A": "R1", "V": None}
    assert plan.shortfalls is not None
    assert plan.shortfalls.empty
    assert "SHORTFALL" not in plan.summary()
    assert_valid(problem, policy, plan)


def test_a_hard_minimum_short_is_a_violation_not_a_shortfall():
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    hard = make_policy(rules={"min_share_of_eligible": 0.5})
    kept_home = crafted(problem, hard, {"V": "R1"})
    assert violations(problem, hard, kept_home) == {("min_rotation", "school=U1")}
    assert tm.shortfalls(problem, hard, kept_home).empty
    soft = make_policy(rules={"min_share_of_eligible": 0.5, "min_rotation_hard": False})
    assert tm.shortfalls(problem, soft, kept_home)["key"].tolist() == ["school=U1"]
