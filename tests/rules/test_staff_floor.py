"""staff_floor: a small school keeps ⌈students / N⌉ teachers (or all it has), counting those it receives."""

from __future__ import annotations

import pandas as pd
from helpers import assert_valid, crafted, make_policy, make_problem, moves, solve, violations

SCHOOLS = [{"school_id": "U1", "category": "urban", "x": 0.0, "students": 20},
           {"school_id": "R1", "category": "rural", "x": 10.0}]
# mandatory math teachers of U1 living 1, 2 and 3 km from R1
ROSTER = [{"teacher_id": f"M{i}", "school_id": "U1", "home_x": 10.0 - i} for i in (1, 2, 3)]
NEEDS = [("R1", "math", 3)]
FLOOR = {"students_per_teacher_floor": 10}


def sent(plan) -> list:
    return sorted(t for t, to in moves(plan).items() if to is not None)


def edit(plan, **to) -> pd.DataFrame:
    """The solved plan's assignments with some teachers sent elsewhere (school, km) or kept home (None)."""
    a = plan.assignments.set_index("teacher_id")
    a["to_school_id"] = a["to_school_id"].astype(object)
    for tid, dest in to.items():
        school, km = dest if dest is not None else (None, float("nan"))
        a.loc[tid, ["to_school_id", "moves", "commute_km"]] = [school, school is not None, km]
    return a.reset_index()


def test_no_floor_sends_everyone_needed():
    problem = make_problem(SCHOOLS, ROSTER, NEEDS)
    policy = make_policy()
    plan = solve(problem, policy)
    assert moves(plan) == {"M1": "R1", "M2": "R1", "M3": "R1"}
    assert plan.objective == 1 + 2 + 3
    assert_valid(problem, policy, plan)


def test_floor_binds():
    # 20 students, one teacher per 10: U1 keeps 2 of its 3 teachers
    problem = make_problem(SCHOOLS, ROSTER, NEEDS)
    policy = make_policy(rules=FLOOR)
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"M1": "R1", "M2": None, "M3": None}
    assert plan.objective == 2 * 1000 + 1
    assert_valid(problem, policy, plan)


def test_checker_reports_a_school_below_its_floor():
    problem = make_problem(SCHOOLS, ROSTER, NEEDS)
    policy = make_policy(rules=FLOOR)
    plan = solve(problem, policy)
    assert violations(problem, policy, plan.assignments) == set()
    bad = edit(plan, M2=("R1", 2.0))
    assert violations(problem, policy, bad) == {("staff_floor", "school=U1")}
    # a school of more than staff_floor_max_students is not covered
    assert violations(problem, policy.with_(staff_floor_max_students=19), bad) == set()


def test_floor_covers_only_small_schools():
    problem = make_problem(SCHOOLS, ROSTER, NEEDS)
    policy = make_policy(rules={**FLOOR, "staff_floor_max_students": 19})
    plan = solve(problem, policy)
    assert moves(plan) == {"M1": "R1", "M2": "R1", "M3": "R1"}
    assert plan.objective == 1 + 2 + 3
    assert_valid(problem, policy, plan)


def test_a_school_below_its_floor_sends_nobody():
    # 50 students want 5 teachers; U1 has 3, so it may not lose any
    schools = [{**SCHOOLS[0], "students": 50}, SCHOOLS[1]]
    problem = make_problem(schools, ROSTER, NEEDS)
    policy = make_policy(rules=FLOOR)
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"M1": None, "M2": None, "M3": None}
    assert plan.objective == 3 * 1000
    assert_valid(problem, policy, plan)
    assert violations(problem, policy, edit(plan, M1=("R1", 1.0))) == {("staff_floor", "school=U1")}


# rural R0 (20 students, 2 chinese teachers) needs a math teacher; village V1 needs a chinese teacher.
# C1 lives 1 km from V1; M (urban U1) is 5 km from R0
MIXED_SCHOOLS = [{"school_id": "U1", "category": "urban", "x": 0.0},
                 {"school_id": "R0", "category": "rural", "x": 5.0, "students": 20},
                 {"school_id": "V1", "category": "village", "x": 8.0}]
MIXED_ROSTER = [{"teacher_id": "C1", "school_id": "R0", "subject": "chinese", "home_x": 7.0},
                {"teacher_id": "C2", "school_id": "R0", "subject": "chinese", "home_x": 5.0},
                {"teacher_id": "M", "school_id": "U1"}]
MIXED_NEEDS = [("R0", "math", 1), ("V1", "chinese", 1)]
RURAL_SENDS = {"from": {"category": ["urban", "town", "rural"]}}


def test_a_teacher_received_lets_a_school_at_its_floor_send():
    problem = make_problem(MIXED_SCHOOLS, MIXED_ROSTER, MIXED_NEEDS)
    policy = make_policy(flows=RURAL_SENDS, rules=FLOOR)
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    # R0 keeps 2 − 1 + 1 = 2 teachers
    assert moves(plan) == {"C1": "V1", "C2": None, "M": "R0"}
    assert plan.objective == 1 + 5
    assert_valid(problem, policy, plan)
    # without the teacher it receives, R0 falls to 1
    assert violations(problem, policy, edit(plan, M=None)) == {("staff_floor", "school=R0")}


def test_without_a_teacher_received_a_school_at_its_floor_keeps_its_teachers():
    problem = make_problem(MIXED_SCHOOLS, MIXED_ROSTER[:2], MIXED_NEEDS)
    off = make_policy(flows=RURAL_SENDS)
    assert moves(solve(problem, off)) == {"C1": "V1", "C2": None}
    policy = make_policy(flows=RURAL_SENDS, rules=FLOOR)
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"C1": None, "C2": None}
    assert plan.objective == 2 * 1000
    assert_valid(problem, policy, plan)


def test_staff_floor_keeps_one_teacher_per_ten_students():
    schools = [{"school_id": "U1", "x": 0.0, "students": 20},
               {"school_id": "R1", "category": "rural", "x": 5.0}]
    p = make_problem(schools, [{"teacher_id": f"T{i}", "school_id": "U1"} for i in range(3)],
                     [("R1", "math", 3)])
    pol = make_policy(rules={"students_per_teacher_floor": 10})
    plan = solve(p, pol)
    assert_valid(p, pol, plan)
    assert len(sent(plan)) == 1
    assert ("staff_floor", "school=U1") in violations(p, pol, crafted(p, pol, {"T0": "R1", "T1": "R1"}))
    big = make_policy(rules={"students_per_teacher_floor": 10, "staff_floor_max_students": 10})
    assert len(sent(solve(p, big))) == 3        # not a small-scale school: no floor


def test_zero_students_per_teacher_keeps_every_teacher():
    # the limit of an ever smaller number of students per teacher (a what-if search reaches 0): U1 keeps all 3
    problem = make_problem(SCHOOLS, ROSTER, NEEDS)
    policy = make_policy(rules={"students_per_teacher_floor": 0})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert sent(plan) == []
    assert_valid(problem, policy, plan)
