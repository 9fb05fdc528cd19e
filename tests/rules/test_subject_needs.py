"""subject_needs: receiving schools get at most their declared need per subject; unfilled posts cost."""

from __future__ import annotations

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
# three math teachers at U1 living 9, 10 and 11 km from R1
THREE = [
    {"teacher_id": "A", "school_id": "U1", "home_x": 1.0},
    {"teacher_id": "B", "school_id": "U1", "home_x": 0.0},
    {"teacher_id": "C", "school_id": "U1", "home_x": -1.0},
]


def test_need_not_binding():
    problem = make_problem(SCHOOLS, THREE, [("R1", "math", 3)])
    policy = make_policy()
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": "R1", "B": "R1", "C": "R1"}
    assert plan.objective == 9 + 10 + 11
    assert plan.needs[["school_id", "subject", "count", "filled", "unmet"]].values.tolist() == [
        ["R1", "math", 3, 3, 0]]
    assert_valid(problem, policy, plan)


def test_need_is_never_over_filled():
    problem = make_problem(SCHOOLS, THREE, [("R1", "math", 2)])
    policy = make_policy()
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": "R1", "B": "R1", "C": None}
    assert plan.objective == 9 + 10
    assert "every math need within reach is filled by other teachers" in reason(plan, "C")
    assert_valid(problem, policy, plan)


def test_only_the_declared_subject_fills_a_need():
    teachers = [{"teacher_id": "A", "school_id": "U1", "subject": "chinese"},
                {"teacher_id": "B", "school_id": "U1", "subject": "math"}]
    problem = make_problem(SCHOOLS, teachers, [("R1", "math", 2), ("R1", "english", 1)])
    policy = make_policy()
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": None, "B": "R1"}
    assert plan.objective == 2 * 1000 + 10  # one math and one english post unfilled
    assert breakdown(plan)["unmet_need"] == 2
    assert "no receiving school (rural or village) needs chinese" in reason(plan, "A")
    assert plan.needs.set_index("subject")["unmet"].to_dict() == {"math": 1, "english": 1}
    assert_valid(problem, policy, plan)


def test_priority_weighs_unfilled_posts():
    # one teacher, two needs; the far one has priority 3, so leaving it open costs 3000
    problem = make_problem(SCHOOLS, [{"teacher_id": "A", "school_id": "U1"}],
                           [("R1", "math", 1, 1.0), ("R2", "math", 1, 3.0)])
    policy = make_policy()
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": "R2"}
    assert plan.objective == 1000 + 30
    assert breakdown(plan)["unmet_need"] == 1
    assert_valid(problem, policy, plan)

    # equal priorities: the nearer need wins
    problem = make_problem(SCHOOLS, [{"teacher_id": "A", "school_id": "U1"}],
                           [("R1", "math", 1), ("R2", "math", 1)])
    plan = solve(problem, policy)
    assert moves(plan) == {"A": "R1"}
    assert plan.objective == 1000 + 10
    assert_valid(problem, policy, plan)


def test_a_zero_need_receives_nobody():
    problem = make_problem(SCHOOLS, [{"teacher_id": "A", "school_id": "U1"}], [("R1", "math", 0)])
    policy = make_policy()
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": None}
    assert plan.objective == 0
    assert "no receiving school" in reason(plan, "A")
    assert_valid(problem, policy, plan)


def test_no_need_makes_a_hard_minimum_infeasible():
    problem = make_problem(SCHOOLS, THREE[:1], [("R1", "chinese", 1)])
    policy = make_policy(rules={"min_share_of_eligible": 0.5, "min_rotation_hard": True})
    plan = solve(problem, policy)
    assert plan.status == "INFEASIBLE"
    assert moves(plan) == {"A": None}
    assert_valid(problem, policy, plan)


def test_checker_reports_over_filled_and_undeclared_needs():
    teachers = THREE + [{"teacher_id": "D", "school_id": "U1", "subject": "art"}]
    problem = make_problem(SCHOOLS, teachers, [("R1", "math", 2), ("R2", "math", 1)])
    policy = make_policy()
    assert violations(problem, policy, crafted(problem, policy, {"A": "R1", "B": "R1", "C": "R2"})) == set()
    over = crafted(problem, policy, {"A": "R1", "B": "R1", "C": "R1"})
    assert violations(problem, policy, over) == {("subject_needs", "school=R1,subject=math")}
    undeclared = crafted(problem, policy, {"D": "R1"})
    assert violations(problem, policy, undeclared) == {("subject_needs", "teacher=D")}
