"""annual_target: Σ x ≥ min_rotated_total over the county (DC-QU1: 本学年交流不少于 N 人)."""

from __future__ import annotations

from helpers import assert_valid, crafted, make_policy, make_problem, moves, solve, violations

import teacher_match as tm


def rotated(plan: tm.Plan) -> dict:
    """Teacher → destination of those who rotate."""
    return {t: s for t, s in moves(plan).items() if s}

# U1 urban at 0; R1, R2 rural 40 and 60 km away; posts cost more in commute than an unfilled need
SCHOOLS = [{"school_id": "U1", "x": 0.0}, {"school_id": "R1", "category": "rural", "x": 40.0},
           {"school_id": "R2", "category": "rural", "x": 60.0}]
TEACHERS = [{"teacher_id": "A", "school_id": "U1"}, {"teacher_id": "B", "school_id": "U1"},
            {"teacher_id": "C", "school_id": "U1", "subject": "music"}]
NEEDS = [("R1", "math", 1), ("R2", "math", 1)]
#: filling a need is worth less than the commute it costs: without a target nobody rotates
CHEAP_NEEDS = {"unmet_need": 10, "commute_km": 1}


def test_without_a_target_nobody_rotates():
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    policy = make_policy(objective=CHEAP_NEEDS)
    plan = solve(problem, policy)
    assert_valid(problem, policy, plan)
    assert rotated(plan) == {}


def test_the_target_rotates_the_cheapest_teachers():
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    policy = make_policy(rules={"min_rotated_total": 1}, objective=CHEAP_NEEDS)
    plan = solve(problem, policy)
    assert_valid(problem, policy, plan)
    assert rotated(plan) in ({"A": "R1"}, {"B": "R1"})  # the nearer post, by either math teacher
    two = solve(problem, make_policy(rules={"min_rotated_total": 2}, objective=CHEAP_NEEDS))
    assert sorted(rotated(two).values()) == ["R1", "R2"]


def test_checker_reports_a_plan_short_of_the_target():
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    policy = make_policy(rules={"min_rotated_total": 2}, objective=CHEAP_NEEDS)
    one = crafted(problem, policy, {"A": "R1"})
    assert violations(problem, policy, one) == {("annual_target", "county")}
    assert violations(problem, make_policy(objective=CHEAP_NEEDS), one) == set()


def test_an_unreachable_target_is_diagnosed_with_its_number():
    """Only the two math teachers can be placed: a target of 3 has no plan, and the diagnosis says why."""
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    plan = solve(problem, make_policy(rules={"min_rotated_total": 3}, objective=CHEAP_NEEDS))
    assert plan.status == "INFEASIBLE"
    d = plan.diagnosis.set_index("rule")
    assert d.loc["annual_target", "sentence_en"] == (
        "at least 3 cadres and teachers rotate this school year (min_rotated_total = 3), and 2 can be placed "
        "at a school that needs their subject")
    assert "min_rotated_total 3 → 2" in set(plan.relaxations["sentence_en"])


def test_without_this_move_the_target_needs_the_other_post():
    """With a target of 2 both math teachers rotate; without A's post, A takes the other one."""
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    policy = make_policy(rules={"min_rotated_total": 2}, objective=CHEAP_NEEDS)
    plan = solve(problem, policy)
    here = rotated(plan)["A"]
    e = tm.explain(problem, policy, plan, "A", time_limit=10)
    assert e.decision == "rotates"
    assert e.alternative["to_school_id"] == ({"R1", "R2"} - {here}).pop()
    assert e.alternative["objective_delta"] == 0
