"""preferences: rank(t, s) = 0 for the first wish, 1 for the second …, len(wishes) for an unlisted school."""

from __future__ import annotations

import numpy as np
from helpers import assert_valid, breakdown, crafted, make_policy, make_problem, moves, solve, violations

from teacher_match.rules.preferences import rank

# U1 urban at 0 km, R1 rural at 10 km, R2 rural at 14 km, R3 rural at 40 km
SCHOOLS = [
    {"school_id": "U1", "category": "urban", "x": 0.0},
    {"school_id": "R1", "category": "rural", "x": 10.0},
    {"school_id": "R2", "category": "rural", "x": 14.0},
    {"school_id": "R3", "category": "rural", "x": 40.0},
]


def test_rank():
    assert rank("R2;R1", "R2") == 0
    assert rank("R2;R1", "R1") == 1
    assert rank("R2;R1", "R3") == 2
    assert rank("", "R1") == 0
    assert rank(None, "R1") == 0
    assert rank(np.nan, "R1") == 0


def test_no_wishes_nearest_need():
    problem = make_problem(SCHOOLS, [{"teacher_id": "A", "school_id": "U1"}],
                           [("R1", "math", 1), ("R2", "math", 1)])
    policy = make_policy()
    plan = solve(problem, policy)
    assert moves(plan) == {"A": "R1"}
    assert plan.objective == 1000 + 10
    assert breakdown(plan)["preference_rank"] == 0
    assert_valid(problem, policy, plan)


def test_first_wish_beats_a_shorter_commute():
    # R2 first: 14 km; R1 second: 10 km + 10 × rank 1 = 20
    problem = make_problem(SCHOOLS, [{"teacher_id": "A", "school_id": "U1", "preferences": "R2;R1"}],
                           [("R1", "math", 1), ("R2", "math", 1)])
    policy = make_policy()
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": "R2"}
    assert plan.objective == 1000 + 14
    assert breakdown(plan)["preference_rank"] == 0
    assert_valid(problem, policy, plan)

    policy = make_policy(objective={"preference_rank": 0})
    plan = solve(problem, policy)
    assert moves(plan) == {"A": "R1"}
    assert plan.objective == 1000 + 10
    assert breakdown(plan)["preference_rank"] == 1
    assert_valid(problem, policy, plan)


def test_wishes_swap_two_teachers():
    # A lives at U1 (R1 10 km, R2 14 km), B lives at 13 (R1 3 km, R2 1 km): by commute A→R1, B→R2 (11 km).
    # Each wishes the other's school first: the swap costs 14 + 3 = 17 km; keeping costs 11 + 2 × 10 = 31.
    teachers = [{"teacher_id": "A", "school_id": "U1", "preferences": "R2"},
                {"teacher_id": "B", "school_id": "U1", "home_x": 13.0, "preferences": "R1"}]
    problem = make_problem(SCHOOLS, teachers, [("R1", "math", 1), ("R2", "math", 1)])
    policy = make_policy()
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": "R2", "B": "R1"}
    assert plan.objective == 17
    assert_valid(problem, policy, plan)


def test_a_wish_is_never_a_constraint():
    # A wishes only R3, which needs no math: A still fills R1 (unlisted: rank 1)
    problem = make_problem(SCHOOLS, [{"teacher_id": "A", "school_id": "U1", "preferences": "R3"}],
                           [("R1", "math", 1), ("R3", "chinese", 1)])
    policy = make_policy()
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": "R1"}
    assert plan.objective == 1000 + 10 + 10
    assert breakdown(plan)["preference_rank"] == 1
    assert_valid(problem, policy, plan)


def test_checker_recomputes_the_rank_term_and_has_no_hard_part():
    problem = make_problem(SCHOOLS, [{"teacher_id": "A", "school_id": "U1", "preferences": "R2;R1"}],
                           [("R1", "math", 1), ("R2", "math", 1)])
    policy = make_policy()
    assert violations(problem, policy, crafted(problem, policy, {"A": "R1"})) == set()
    plan = solve(problem, policy)
    tampered = plan.objective_breakdown.copy()
    tampered.loc[tampered["term"] == "preference_rank", "value"] = 1.0
    plan.objective_breakdown = tampered
    assert violations(problem, policy, plan) == {("objective", "term=preference_rank")}
