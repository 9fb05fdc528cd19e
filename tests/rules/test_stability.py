"""stability: with stable = true, no teacher is denied a wished-for school that a teacher after them takes.

Z[s, j, > ρ(t)] ≤ G[t, s]   for every wish (t, s)   (see teacher_match.rules.stability)
"""

from __future__ import annotations

import pytest
from helpers import assert_valid, crafted, make_policy, make_problem, moves, solve, violations

import teacher_match as tm

# U1 urban at 0 km; R1 rural at 10 km, R2 rural at 30 km
SCHOOLS = [
    {"school_id": "U1", "category": "urban", "x": 0.0},
    {"school_id": "R1", "category": "rural", "x": 10.0},
    {"school_id": "R2", "category": "rural", "x": 30.0},
]
# Y (young, 30) wishes for R2; O (old, 50) has no wishes. Without stability the cheapest plan sends Y to R1
# (10 km) and O to R2 (30 km) — 40 km either way, so a commute tie-break is set by homes: Y lives at R1.
TEACHERS = [
    {"teacher_id": "Y", "school_id": "U1", "age": 30, "preferences": "R2", "home_x": 10.0},
    {"teacher_id": "O", "school_id": "U1", "age": 50, "home_x": 30.0},
]
NEEDS = [("R1", "math", 1), ("R2", "math", 1)]


def policy(stable: bool, keys=("youngest_first",)) -> tm.Policy:
    return make_policy(rules={"stable": stable, "priority_keys": list(keys)},
                       objective={"preference_rank": 0})


def test_off_envy_is_allowed():
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    p = policy(False)
    plan = solve(problem, p)
    assert moves(plan) == {"Y": "R1", "O": "R2"}
    assert_valid(problem, p, plan)
    # the same plan under stable = true: Y (younger, first) wishes for R2, which took O (after Y)
    found = tm.check(problem, policy(True), plan.assignments)
    assert list(found["rule"]) == ["stability"]
    assert "Y wishes for R2" in found["message"].iat[0]
    assert "took O" in found["message"].iat[0]
    assert violations(problem, policy(True), plan.assignments) == {("stability",
                                                                    "teacher=Y,school=R2,subject=math")}


def test_on_the_younger_teacher_gets_the_wish():
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    p = policy(True)
    plan = solve(problem, p)
    assert moves(plan) == {"Y": "R2", "O": "R1"}
    assert_valid(problem, p, plan)
    # the solve argument does the same as the policy key
    plan2 = tm.solve(problem, policy(False), time_limit=10, stable=True)
    assert moves(plan2) == {"Y": "R2", "O": "R1"}


def test_lower_priority_has_no_claim():
    # O first in the order now (oldest first is not a key: use the volunteers key with O the volunteer)
    t = [dict(TEACHERS[0]), {**TEACHERS[1], "volunteer": True}]
    problem = make_problem(SCHOOLS, t, NEEDS)
    p = policy(True, keys=("volunteers_first",))
    plan = solve(problem, p)
    assert moves(plan) == {"Y": "R1", "O": "R2"}  # Y wishes for R2 but O comes first: no justified envy
    assert_valid(problem, p, plan)


def test_equal_ranks_and_no_keys_give_no_claim():
    problem = make_problem(SCHOOLS, [{**TEACHERS[0], "age": 50}, TEACHERS[1]], NEEDS)
    p = policy(True)
    assert moves(solve(problem, p)) == {"Y": "R1", "O": "R2"}
    p0 = policy(True, keys=())
    plan = solve(problem, p0)
    assert moves(plan) == {"Y": "R1", "O": "R2"}
    assert_valid(problem, p0, plan)


def test_staying_ranks_as_the_home_school():
    # Y lists U1 (home) before R2: staying is better than R2, so O at R2 while Y stays is no envy
    # (both may go; O lives at R2, so O is the cheaper one to send)
    t = [{**TEACHERS[0], "preferences": "U1;R2"}, TEACHERS[1]]
    problem = make_problem(SCHOOLS, t, [("R2", "math", 1)])
    p = policy(True)
    plan = solve(problem, p)
    assert moves(plan) == {"Y": None, "O": "R2"}
    assert_valid(problem, p, plan)
    # a Y who stays without listing home envies O at R2, and the stable plan sends Y instead
    t2 = [{**TEACHERS[0], "preferences": "R2"}, TEACHERS[1]]
    problem2 = make_problem(SCHOOLS, t2, [("R2", "math", 1)])
    assert violations(problem2, p, crafted(problem2, p, {"O": "R2"})) == {
        ("stability", "teacher=Y,school=R2,subject=math")}
    assert moves(solve(problem2, p)) == {"Y": "R2", "O": None}


def test_other_subject_is_no_rival():
    t = [TEACHERS[0], {**TEACHERS[1], "subject": "music"}]
    problem = make_problem(SCHOOLS, t, NEEDS + [("R2", "music", 1)])
    p = policy(True)
    assert violations(problem, p, crafted(problem, p, {"Y": "R1", "O": "R2"})) == set()


@pytest.mark.parametrize("seed", [1, 2])
def test_synthetic_county_stable_plan_checks(seed):
    problem = tm.make_county(300, seed=seed, wishes=True)
    p = tm.load_policy("devzone-fenliu-34").with_(priority_keys=["youngest_first"], stable=True)
    plan = tm.solve(problem, p, time_limit=20, workers=1)
    assert plan.status == "OPTIMAL"
    found = tm.check(problem, p, plan)
    assert found.empty, found.to_string()


def test_scope_rotated_lets_a_stayer_pass():
    # Y stays (nothing else forces a move) while O takes R2, which Y wishes for: envy under scope "all",
    # none under "rotated" (only a teacher who rotates has a claim)
    problem = make_problem(SCHOOLS, [{**TEACHERS[0], "preferences": "R2"}, TEACHERS[1]], [("R2", "math", 1)])
    crafted_plan = crafted(problem, policy(True), {"O": "R2"})
    assert violations(problem, policy(True), crafted_plan) == {
        ("stability", "teacher=Y,school=R2,subject=math")}
    rotated = make_policy(rules={"stable": True, "stable_scope": "rotated",
                                 "priority_keys": ["youngest_first"]}, objective={"preference_rank": 0})
    assert violations(problem, rotated, crafted_plan) == set()
    plan = solve(problem, rotated)
    assert moves(plan) == {"Y": None, "O": "R2"}  # O lives at R2: the cheaper one goes
    assert_valid(problem, rotated, plan)
    # a rotating Y still has its claim: both needed, Y wishes for R2 → Y gets R2
    problem2 = make_problem(SCHOOLS, TEACHERS, NEEDS)
    plan2 = solve(problem2, rotated)
    assert moves(plan2) == {"Y": "R2", "O": "R1"}
    assert_valid(problem2, rotated, plan2)
