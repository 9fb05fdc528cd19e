"""backbone_ratio: q · backbone sent ≥ p · sent (share p/q exact) by school or county; weak-school minimum."""

from __future__ import annotations

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

SCHOOLS = [
    {"school_id": "U1", "category": "urban", "x": 0.0},
    {"school_id": "U2", "category": "urban", "x": 20.0},
    {"school_id": "R1", "category": "rural", "x": 10.0},
]
# backbone B lives 9 km from R1; N1 10 km, N2 11 km
ONE_OF_THREE = [
    {"teacher_id": "B", "school_id": "U1", "backbone": True, "home_x": 1.0},
    {"teacher_id": "N1", "school_id": "U1", "home_x": 0.0},
    {"teacher_id": "N2", "school_id": "U1", "home_x": -1.0},
]


def test_share_not_binding():
    problem = make_problem(SCHOOLS, ONE_OF_THREE, [("R1", "math", 1)])
    policy = make_policy(rules={"backbone_min_share": 0.5})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"B": "R1", "N1": None, "N2": None}
    assert plan.objective == 9
    assert_valid(problem, policy, plan)


def test_share_binds():
    problem = make_problem(SCHOOLS, ONE_OF_THREE, [("R1", "math", 3)])
    policy = make_policy(rules={"backbone_min_share": 0.5})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    # one backbone teacher covers at most two sent
    assert moves(plan) == {"B": "R1", "N1": "R1", "N2": None}
    assert plan.objective == 1000 + 9 + 10
    assert "would put U1's backbone share below 50%" in reason(plan, "N2")
    assert plan.schools.set_index("school_id").at["U1", "backbone_sent"] == 1
    assert_valid(problem, policy, plan)


def test_share_is_an_exact_fraction():
    problem = make_problem(SCHOOLS, ONE_OF_THREE, [("R1", "math", 3)])
    # 1 of 3 is exactly one third …
    policy = make_policy(rules={"backbone_min_share": 1 / 3})
    plan = solve(problem, policy)
    assert moves(plan) == {"B": "R1", "N1": "R1", "N2": "R1"}
    assert plan.objective == 9 + 10 + 11
    assert_valid(problem, policy, plan)
    # … but not 34 %
    policy = make_policy(rules={"backbone_min_share": 0.34})
    plan = solve(problem, policy)
    assert moves(plan) == {"B": "R1", "N1": "R1", "N2": None}
    assert plan.objective == 1000 + 9 + 10
    assert_valid(problem, policy, plan)


def test_a_school_without_backbone_teachers_sends_nobody():
    problem = make_problem(SCHOOLS, ONE_OF_THREE[1:], [("R1", "math", 2)])
    policy = make_policy(rules={"backbone_min_share": 0.2})
    with pytest.warns(tm.InputWarning, match="no backbone teacher"):  # said first in the summary, too
        plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"N1": None, "N2": None}
    assert plan.objective == 2000
    assert "backbone share below 20%" in reason(plan, "N1")
    assert_valid(problem, policy, plan)


def test_county_scope_pools_the_share():
    # U1 sends its backbone teacher; U2 (no backbone) may send one more only when counted county-wide
    teachers = [ONE_OF_THREE[0], {"teacher_id": "W", "school_id": "U2"}]
    problem = make_problem(SCHOOLS, teachers, [("R1", "math", 2)])
    policy = make_policy(rules={"backbone_min_share": 0.5})
    plan = solve(problem, policy)
    assert moves(plan) == {"B": "R1", "W": None}
    assert plan.objective == 1000 + 9
    assert_valid(problem, policy, plan)

    policy = make_policy(rules={"backbone_min_share": 0.5, "backbone_scope": "county"})
    plan = solve(problem, policy)
    assert moves(plan) == {"B": "R1", "W": "R1"}
    assert plan.objective == 9 + 10
    assert_valid(problem, policy, plan)


WEAK = [{"school_id": "U1", "category": "urban", "x": 0.0},
        {"school_id": "R1", "category": "rural", "strength": "weak", "x": 10.0}]


def test_weak_school_minimum_is_conditional_not_infeasible():
    # a weak school that would receive only a non-backbone teacher receives nobody — the plan stays feasible
    problem = make_problem(WEAK, [{"teacher_id": "N", "school_id": "U1"}], [("R1", "math", 1)])
    policy = make_policy(rules={"weak_school_min_backbone": 1})
    with pytest.warns(tm.InputWarning, match="no backbone teacher"):
        plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"N": None}
    assert plan.objective == 1000
    assert "R1 (weak) must receive at least 1 backbone teacher(s)" in reason(plan, "N")
    assert_valid(problem, policy, plan)

    policy = make_policy()
    plan = solve(problem, policy)
    assert moves(plan) == {"N": "R1"}
    assert plan.objective == 10
    assert_valid(problem, policy, plan)


def test_weak_school_minimum_with_a_backbone_teacher():
    teachers = [{"teacher_id": "B", "school_id": "U1", "backbone": True, "home_x": 1.0},
                {"teacher_id": "N", "school_id": "U1"}]
    problem = make_problem(WEAK, teachers, [("R1", "math", 2)])
    policy = make_policy(rules={"weak_school_min_backbone": 1})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"B": "R1", "N": "R1"}
    assert plan.objective == 9 + 10
    assert breakdown(plan)["backbone_to_weak"] == 1
    assert_valid(problem, policy, plan)


def test_share_makes_a_hard_minimum_infeasible():
    problem = make_problem(SCHOOLS, ONE_OF_THREE[1:], [("R1", "math", 2)])
    policy = make_policy(rules={"backbone_min_share": 0.2,
                                "min_share_of_eligible": 0.5, "min_rotation_hard": True})
    with pytest.warns(tm.InputWarning, match="no backbone teacher"):
        plan = solve(problem, policy)
    assert plan.status == "INFEASIBLE"
    assert moves(plan) == {"N1": None, "N2": None}
    assert_valid(problem, policy, plan)


def test_checker_reports_share_and_weak_minimum():
    schools = SCHOOLS + [{"school_id": "R2", "category": "rural", "strength": "weak", "x": 12.0}]
    problem = make_problem(schools, ONE_OF_THREE, [("R1", "math", 3), ("R2", "math", 1)])
    policy = make_policy(rules={"backbone_min_share": 0.5, "weak_school_min_backbone": 1})
    assert violations(problem, policy, crafted(problem, policy, {"B": "R2", "N1": "R1"})) == set()
    assert violations(problem, policy, crafted(problem, policy, {"B": "R1", "N1": "R1", "N2": "R1"})) == {
        ("backbone_ratio", "school=U1")}
    assert violations(problem, policy, crafted(problem, policy, {"B": "R1", "N1": "R2"})) == {
        ("backbone_ratio", "school=R2,weak_min")}
    county = make_policy(rules={"backbone_min_share": 0.5, "backbone_scope": "county"})
    assert violations(problem, county, crafted(problem, county, {"N1": "R1"})) == {
        ("backbone_ratio", "county")}
