"""single_assignment: a teacher goes to at most one school; the moved / non_mandatory_moved terms."""

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

# U1 urban at 0 km, R1 rural at 10 km, R2 rural at 15 km
SCHOOLS = [
    {"school_id": "U1", "category": "urban", "x": 0.0},
    {"school_id": "R1", "category": "rural", "x": 10.0},
    {"school_id": "R2", "category": "rural", "x": 15.0},
]


def test_one_teacher_fills_one_need_only():
    problem = make_problem(SCHOOLS, [{"teacher_id": "A", "school_id": "U1"}],
                           [("R1", "math", 1), ("R2", "math", 1)])
    policy = make_policy()
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": "R1"}
    assert plan.objective == 1000 + 10
    assert breakdown(plan)["moved"] == 1
    assert breakdown(plan)["non_mandatory_moved"] == 0
    assert plan.needs.set_index("school_id")["filled"].to_dict() == {"R1": 1, "R2": 0}
    assert_valid(problem, policy, plan)


def test_two_teachers_fill_two_needs():
    teachers = [{"teacher_id": "A", "school_id": "U1"},
                {"teacher_id": "B", "school_id": "U1", "home_x": 14.0}]
    problem = make_problem(SCHOOLS, teachers, [("R1", "math", 1), ("R2", "math", 1)])
    policy = make_policy()
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    # A: R1 10 / R2 15 km; B (home at 14): R1 4 / R2 1 km — A→R1 + B→R2 = 11 beats A→R2 + B→R1 = 19
    assert moves(plan) == {"A": "R1", "B": "R2"}
    assert plan.objective == 11
    assert breakdown(plan)["moved"] == 2
    assert_valid(problem, policy, plan)


def test_mandatory_teachers_go_before_eligible_ones():
    # V is a volunteer living 5 km from R1; M is mandatory, 10 km away. One post.
    teachers = [{"teacher_id": "M", "school_id": "U1"},
                {"teacher_id": "V", "school_id": "U1", "years_at_school": 2, "volunteer": True,
                 "home_x": 5.0}]
    problem = make_problem(SCHOOLS, teachers, [("R1", "math", 1)])
    policy = make_policy()
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"M": "R1", "V": None}
    assert plan.objective == 10  # V would cost 5 km + 50
    assert "every math need within reach is filled by other teachers" in reason(plan, "V")
    assert_valid(problem, policy, plan)

    policy = make_policy(objective={"non_mandatory_moved": 0})
    plan = solve(problem, policy)
    assert moves(plan) == {"M": None, "V": "R1"}
    assert plan.objective == 5
    assert breakdown(plan)["non_mandatory_moved"] == 1
    assert_valid(problem, policy, plan)


def test_checker_reports_inconsistent_and_duplicated_rows():
    teachers = [{"teacher_id": "A", "school_id": "U1"}, {"teacher_id": "B", "school_id": "U1"}]
    problem = make_problem(SCHOOLS, teachers, [("R1", "math", 1), ("R2", "math", 1)])
    policy = make_policy()
    good = crafted(problem, policy, {"A": "R1", "B": "R2"})
    assert violations(problem, policy, good) == set()

    # moves without a destination
    bad = crafted(problem, policy, {})
    bad.loc[bad["teacher_id"] == "A", "moves"] = True
    assert ("single_assignment", "teacher=A") in violations(problem, policy, bad)

    # a destination without moving
    bad = crafted(problem, policy, {})
    bad["to_school_id"] = bad["to_school_id"].astype(object)
    bad.loc[bad["teacher_id"] == "B", "to_school_id"] = "R1"
    assert violations(problem, policy, bad) == {("single_assignment", "teacher=B")}

    # one teacher in two rows (two destinations), another missing
    dup = pd.concat([good[good["teacher_id"] == "A"], crafted(problem, policy, {"A": "R2"}).iloc[[0]]])
    assert violations(problem, policy, dup) == {("coverage", "teacher=A"), ("coverage", "teacher=B")}
