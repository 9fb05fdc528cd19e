"""commute: no assignment beyond max_commute_km; the commute_km term in 0.1 km units."""

from __future__ import annotations

import pandas as pd
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

# U1 urban at 0 km, R1 rural at 10 km, R2 rural at 30 km
SCHOOLS = [
    {"school_id": "U1", "category": "urban", "x": 0.0},
    {"school_id": "R1", "category": "rural", "x": 10.0},
    {"school_id": "R2", "category": "rural", "x": 30.0},
]
A = [{"teacher_id": "A", "school_id": "U1"}]
# R2's post counts double, so without a cap A takes the long way
NEEDS = [("R1", "math", 1, 1.0), ("R2", "math", 1, 2.0)]


def test_cap_not_binding():
    problem = make_problem(SCHOOLS, A, NEEDS)
    policy = make_policy(flows={"max_commute_km": 50})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": "R2"}
    assert plan.objective == 1000 + 30
    assert plan.assignments.set_index("teacher_id").at["A", "commute_km"] == 30.0
    assert_valid(problem, policy, plan)


def test_cap_binds_and_changes_the_destination():
    problem = make_problem(SCHOOLS, A, NEEDS)
    policy = make_policy(flows={"max_commute_km": 20})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": "R1"}
    assert plan.objective == 2000 + 10
    assert_valid(problem, policy, plan)


def test_cap_is_inclusive():
    problem = make_problem(SCHOOLS, A, NEEDS)
    policy = make_policy(flows={"max_commute_km": 10})
    plan = solve(problem, policy)
    assert moves(plan) == {"A": "R1"}
    assert plan.objective == 2000 + 10
    assert_valid(problem, policy, plan)


def test_nothing_within_reach():
    problem = make_problem(SCHOOLS, A, NEEDS)
    policy = make_policy(flows={"max_commute_km": 5})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": None}
    assert plan.objective == 3000
    assert "no receiving school (rural or village) needs math within 5 km" in reason(plan, "A")
    assert_valid(problem, policy, plan)


def test_commute_runs_from_home_when_given():
    # A works at U1 but lives 2 km from R2
    problem = make_problem(SCHOOLS, [{"teacher_id": "A", "school_id": "U1", "home_x": 28.0}],
                           [("R1", "math", 1), ("R2", "math", 1)])
    policy = make_policy(flows={"max_commute_km": 5})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": "R2"}
    assert plan.assignments.set_index("teacher_id").at["A", "commute_km"] == 2.0
    assert plan.objective == 1000 + 2
    assert_valid(problem, policy, plan)


def test_distance_table_overrides_straight_line():
    # the road from U1 to R1 is 25 km although the schools are 10 km apart
    roads = pd.DataFrame({"from_school_id": ["U1"], "to_school_id": ["R1"], "km": [25.0]})
    problem = make_problem(SCHOOLS, A, [("R1", "math", 1)], distances=roads)
    policy = make_policy(flows={"max_commute_km": 20})
    plan = solve(problem, policy)
    assert moves(plan) == {"A": None}
    assert plan.objective == 1000
    assert_valid(problem, policy, plan)

    policy = make_policy(flows={"max_commute_km": 30})
    plan = solve(problem, policy)
    assert moves(plan) == {"A": "R1"}
    assert plan.objective == 25
    assert_valid(problem, policy, plan)


def test_commute_is_counted_in_tenths_of_a_km():
    # √2 = 1.414… km is reported, priced and checked as 1.4 km
    schools = [{"school_id": "U1", "x": 0.0}, {"school_id": "R1", "category": "rural", "x": 1.0, "y": 1.0}]
    problem = make_problem(schools, A, [("R1", "math", 1)])
    policy = make_policy()
    plan = solve(problem, policy)
    assert moves(plan) == {"A": "R1"}
    assert plan.assignments.set_index("teacher_id").at["A", "commute_km"] == 1.4
    assert breakdown(plan)["commute_km"] == 1.4
    assert plan.objective == 1.4
    assert "1.4 km" in reason(plan, "A")
    assert_valid(problem, policy, plan)


def test_cap_makes_a_hard_minimum_infeasible():
    problem = make_problem(SCHOOLS, A, NEEDS)
    policy = make_policy(flows={"max_commute_km": 5},
                         rules={"min_share_of_eligible": 1.0, "min_rotation_hard": True})
    plan = solve(problem, policy)
    assert plan.status == "INFEASIBLE"
    assert moves(plan) == {"A": None}
    assert_valid(problem, policy, plan)


def test_checker_reports_a_commute_beyond_the_cap_or_misreported():
    problem = make_problem(SCHOOLS, A, NEEDS)
    policy = make_policy(flows={"max_commute_km": 20})
    assert violations(problem, policy, crafted(problem, policy, {"A": "R1"})) == set()
    assert violations(problem, policy, crafted(problem, policy, {"A": "R2"})) == {("commute", "teacher=A")}
    wrong = crafted(problem, policy, {"A": "R1"})
    wrong["commute_km"] = wrong["commute_km"] - 3
    assert violations(problem, policy, wrong) == {("commute", "teacher=A")}
    missing = crafted(problem, policy, {"A": "R1"})
    missing["commute_km"] = float("nan")
    assert violations(problem, policy, missing) == {("commute", "teacher=A")}
