"""leadership_cap: at most floor(share × team) leaders per sending school (≥ 1 with leadership_min_one)."""

from __future__ import annotations

from helpers import assert_valid, crafted, make_policy, make_problem, moves, reason, solve, violations

from teacher_match.rules.leadership_cap import LeadershipCap, cap

SCHOOLS = [{"school_id": "U1", "category": "urban", "x": 0.0},
           {"school_id": "R1", "category": "rural", "x": 10.0}]
# principal P lives 9 km from R1, vice-principal V 10 km; T is an ordinary teacher 11 km away
LEADERS = [
    {"teacher_id": "P", "school_id": "U1", "role": "principal", "home_x": 1.0},
    {"teacher_id": "V", "school_id": "U1", "role": "vice_principal", "home_x": 0.0},
]
T = {"teacher_id": "T", "school_id": "U1", "home_x": -1.0}
# two middle leaders new to the school: on the team, but not movable
NEWCOMERS = [{"teacher_id": f"L{i}", "school_id": "U1", "role": "middle_leader", "years_at_school": 1}
             for i in (1, 2)]


def test_cap_function():
    assert cap(2, LeadershipCap(leadership_max_share=0.5)) == 1
    assert cap(2, LeadershipCap(leadership_max_share=0.3)) == 0
    assert cap(2, LeadershipCap(leadership_max_share=0.3, leadership_min_one=True)) == 1
    assert cap(0, LeadershipCap(leadership_max_share=0.3, leadership_min_one=True)) == 0
    assert cap(100, LeadershipCap(leadership_max_share=0.57)) == 57  # 0.57 * 100 = 56.99… in floats
    assert cap(5, LeadershipCap()) is None


def test_no_cap():
    problem = make_problem(SCHOOLS, LEADERS + [T], [("R1", "math", 3)])
    policy = make_policy()
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"P": "R1", "V": "R1", "T": "R1"}
    assert plan.objective == 9 + 10 + 11
    assert_valid(problem, policy, plan)


def test_cap_binds_leaders_only():
    problem = make_problem(SCHOOLS, LEADERS + [T], [("R1", "math", 3)])
    policy = make_policy(rules={"leadership_max_share": 0.5})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"P": "R1", "V": None, "T": "R1"}
    assert plan.objective == 1000 + 9 + 11
    assert "U1 already sends its leadership cap of 1 (team of 2)" in reason(plan, "V")
    assert plan.schools.set_index("school_id").at["U1", "leadership_cap"] == 1
    assert_valid(problem, policy, plan)


def test_cap_rounds_down_unless_min_one():
    problem = make_problem(SCHOOLS, LEADERS, [("R1", "math", 2)])
    policy = make_policy(rules={"leadership_max_share": 0.3})
    plan = solve(problem, policy)
    assert moves(plan) == {"P": None, "V": None}
    assert plan.objective == 2000
    assert "U1 may send none of its leadership team (cap 0, team of 2)" in reason(plan, "P")
    assert_valid(problem, policy, plan)

    policy = make_policy(rules={"leadership_max_share": 0.3, "leadership_min_one": True})
    plan = solve(problem, policy)
    assert moves(plan) == {"P": "R1", "V": None}
    assert plan.objective == 1000 + 9
    assert_valid(problem, policy, plan)


def test_team_counts_every_leader_on_the_roster():
    # team of 4 (two of them not movable): floor(0.5 × 4) = 2, so both movable leaders go
    problem = make_problem(SCHOOLS, LEADERS + NEWCOMERS, [("R1", "math", 2)])
    policy = make_policy(rules={"leadership_max_share": 0.5})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"P": "R1", "V": "R1", "L1": None, "L2": None}
    assert plan.objective == 9 + 10
    assert_valid(problem, policy, plan)


def test_cap_makes_a_hard_minimum_infeasible():
    problem = make_problem(SCHOOLS, LEADERS, [("R1", "math", 2)])
    policy = make_policy(rules={"leadership_max_share": 0.3,
                                "min_share_of_eligible": 0.5, "min_rotation_hard": True})
    plan = solve(problem, policy)
    assert plan.status == "INFEASIBLE"
    assert moves(plan) == {"P": None, "V": None}
    assert_valid(problem, policy, plan)


def test_checker_reports_too_many_leaders():
    problem = make_problem(SCHOOLS, LEADERS + [T], [("R1", "math", 3)])
    policy = make_policy(rules={"leadership_max_share": 0.5})
    assert violations(problem, policy, crafted(problem, policy, {"P": "R1", "T": "R1"})) == set()
    both = crafted(problem, policy, {"P": "R1", "V": "R1"})
    assert violations(problem, policy, both) == {("leadership_cap", "school=U1")}
