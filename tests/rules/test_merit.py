"""merit: when applicants outnumber the places, the better ones are chosen (FJ-SE1, 择优选用).

Σ_{t' lower} x[t', s] ≤ n · Σ_{s'} x[t, s']   for every candidate pair (t, s) of a ranked applicant
"""

from __future__ import annotations

from helpers import assert_valid, crafted, make_policy, make_problem, moves, solve, violations

SCHOOLS = [{"school_id": "U1", "category": "urban", "x": 0.0},
           {"school_id": "R1", "category": "rural", "x": 10.0}]
# three applicants (not due: 2 years at the school) for two posts; the best lives farthest from R1
TEACHERS = [
    {"teacher_id": "A", "school_id": "U1", "volunteer": True, "years_at_school": 2, "merit_score": 92,
     "home_x": -20.0},
    {"teacher_id": "B", "school_id": "U1", "volunteer": True, "years_at_school": 2, "merit_score": 85,
     "home_x": 10.0},
    {"teacher_id": "C", "school_id": "U1", "volunteer": True, "years_at_school": 2, "merit_score": 70,
     "home_x": 10.0},
]
NEEDS = [("R1", "math", 2)]


def test_off_the_nearest_applicants_go():
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    pol = make_policy()
    plan = solve(problem, pol)
    assert moves(plan) == {"A": None, "B": "R1", "C": "R1"}
    assert_valid(problem, pol, plan)
    # the same plan under selection on merit: A (92) was passed over for C (70)
    found = violations(problem, make_policy(rules={"merit_selection": True}), plan.assignments)
    assert found == {("merit", "teacher=A,school=R1,subject=math")}


def test_on_the_two_best_applicants_go():
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    pol = make_policy(rules={"merit_selection": True})
    plan = solve(problem, pol)
    assert moves(plan) == {"A": "R1", "B": "R1", "C": None}
    # A's 30 km and B's 0 km, instead of B's and C's 0 km: the price of choosing on merit
    assert plan.objective == 30 + 2 * 50  # non_mandatory_moved 50 for each applicant sent
    assert_valid(problem, pol, plan)
    assert ("merit", "teacher=B,school=R1,subject=math") in violations(
        problem, pol, crafted(problem, pol, {"A": "R1", "C": "R1"}))


def test_ties_and_unscored_applicants_give_no_claim():
    teachers = [{**TEACHERS[0], "merit_score": 85}, TEACHERS[1], {**TEACHERS[2], "merit_score": None}]
    problem = make_problem(SCHOOLS, teachers, NEEDS)
    pol = make_policy(rules={"merit_selection": True})
    plan = solve(problem, pol)
    # A and B tie at 85, C has no score: the commute decides (B and C live at R1)
    assert moves(plan) == {"A": None, "B": "R1", "C": "R1"}
    assert_valid(problem, pol, plan)
