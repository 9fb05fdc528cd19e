"""outflow_limit: cap = max(floor(share × staff), outflow_min_cap); keep per subject; protected subjects."""

from __future__ import annotations

from helpers import assert_valid, crafted, make_policy, make_problem, moves, reason, solve, violations

from teacher_match.rules.outflow_limit import OutflowLimit, cap

SCHOOLS = [{"school_id": "U1", "category": "urban", "x": 0.0},
           {"school_id": "R1", "category": "rural", "x": 10.0}]


def roster(n_mandatory: int, n_other: int = 0, **extra) -> list[dict]:
    """Mandatory math teachers M1, M2 … living 9, 10, 11 … km from R1, then ineligible ones (I1, I2 …)."""
    out = [{"teacher_id": f"M{i + 1}", "school_id": "U1", "home_x": 1.0 - i, **extra}
           for i in range(n_mandatory)]
    out += [{"teacher_id": f"I{i + 1}", "school_id": "U1", "years_at_school": 1} for i in range(n_other)]
    return out


def test_cap_function_uses_exact_shares():
    assert cap(20, OutflowLimit(outflow_max_share=0.15)) == 3
    assert cap(100, OutflowLimit(outflow_max_share=0.29)) == 29  # 0.29 * 100 = 28.999… in floats
    assert cap(3, OutflowLimit(outflow_max_share=0.2)) == 0
    assert cap(3, OutflowLimit(outflow_max_share=0.2, outflow_min_cap=1)) == 1
    assert cap(30, OutflowLimit(outflow_max_share=0.2, outflow_min_cap=1)) == 6
    assert cap(30, OutflowLimit()) is None


def test_cap_not_binding():
    problem = make_problem(SCHOOLS, roster(2, 2), [("R1", "math", 2)])
    policy = make_policy(rules={"outflow_max_share": 0.5})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"M1": "R1", "M2": "R1", "I1": None, "I2": None}
    assert plan.objective == 9 + 10
    assert_valid(problem, policy, plan)


def test_cap_binds():
    problem = make_problem(SCHOOLS, roster(4), [("R1", "math", 4)])
    policy = make_policy(rules={"outflow_max_share": 0.5})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"M1": "R1", "M2": "R1", "M3": None, "M4": None}
    assert plan.objective == 2 * 1000 + 9 + 10
    assert "U1 already sends its outflow cap of 2" in reason(plan, "M3")
    assert plan.schools.set_index("school_id").at["U1", "outflow_cap"] == 2
    assert_valid(problem, policy, plan)


def test_cap_counts_all_staff_and_rounds_exactly():
    # 20 staff (4 mandatory + 16 ineligible), share 0.15: floor(0.15 × 20) = 3
    problem = make_problem(SCHOOLS, roster(4, 16), [("R1", "math", 4)])
    policy = make_policy(rules={"outflow_max_share": 0.15})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    got = {k: v for k, v in moves(plan).items() if v is not None}
    assert got == {"M1": "R1", "M2": "R1", "M3": "R1"}
    assert plan.objective == 1000 + 9 + 10 + 11
    assert "outflow cap of 3" in reason(plan, "M4")
    assert_valid(problem, policy, plan)


def test_min_cap_lets_a_small_school_send_one():
    problem = make_problem(SCHOOLS, roster(3), [("R1", "math", 3)])
    policy = make_policy(rules={"outflow_max_share": 0.2})
    plan = solve(problem, policy)
    assert moves(plan) == {"M1": None, "M2": None, "M3": None}
    assert plan.objective == 3000
    assert "U1 may send no teacher (outflow cap 0)" in reason(plan, "M1")
    assert_valid(problem, policy, plan)

    policy = make_policy(rules={"outflow_max_share": 0.2, "outflow_min_cap": 1})
    plan = solve(problem, policy)
    assert moves(plan) == {"M1": "R1", "M2": None, "M3": None}
    assert plan.objective == 2000 + 9
    assert_valid(problem, policy, plan)


def test_keep_per_subject():
    teachers = roster(2) + [{"teacher_id": "C", "school_id": "U1", "subject": "chinese"}]
    problem = make_problem(SCHOOLS, teachers, [("R1", "math", 2), ("R1", "chinese", 1)])
    policy = make_policy(rules={"keep_per_subject": 1})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    # U1 keeps one math teacher; its only chinese teacher stays too
    assert moves(plan) == {"M1": "R1", "M2": None, "C": None}
    assert plan.objective == 2000 + 9
    assert "U1 must keep 1 math teacher(s)" in reason(plan, "M2")
    assert_valid(problem, policy, plan)


def test_protected_subject_is_not_drained():
    schools = [{**SCHOOLS[0], "protected_subjects": "music"}, SCHOOLS[1]]
    teachers = [{"teacher_id": "P", "school_id": "U1", "subject": "music"}]
    problem = make_problem(schools, teachers, [("R1", "music", 1)])
    policy = make_policy()
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"P": None}
    assert plan.objective == 1000
    assert "music is a protected subject of U1" in reason(plan, "P")
    assert_valid(problem, policy, plan)

    policy = make_policy(rules={"keep_protected_subjects": False})
    plan = solve(problem, policy)
    assert moves(plan) == {"P": "R1"}
    assert plan.objective == 10
    assert_valid(problem, policy, plan)


def test_cap_makes_a_hard_minimum_infeasible():
    problem = make_problem(SCHOOLS, roster(2), [("R1", "math", 2)])
    policy = make_policy(rules={"outflow_max_share": 0.5,
                                "min_share_of_eligible": 1.0, "min_rotation_hard": True})
    plan = solve(problem, policy)
    assert plan.status == "INFEASIBLE"
    assert moves(plan) == {"M1": None, "M2": None}
    assert_valid(problem, policy, plan)


def test_checker_reports_outflow_violations():
    schools = [{**SCHOOLS[0], "protected_subjects": "music"}, SCHOOLS[1]]
    teachers = roster(3) + [{"teacher_id": "P", "school_id": "U1", "subject": "music"}]
    problem = make_problem(schools, teachers, [("R1", "math", 3), ("R1", "music", 1)])
    policy = make_policy(rules={"outflow_max_share": 0.5, "keep_per_subject": 1})
    assert violations(problem, policy, crafted(problem, policy, {"M1": "R1", "M2": "R1"})) == set()
    over = crafted(problem, policy, {"M1": "R1", "M2": "R1", "M3": "R1"})
    assert violations(problem, policy, over) == {("outflow_limit", "school=U1"),
                                                 ("outflow_limit", "school=U1,subject=math,keep")}
    prot = crafted(problem, policy, {"P": "R1"})
    assert violations(problem, policy, prot) == {("outflow_limit", "school=U1,subject=music,protected"),
                                                 ("outflow_limit", "school=U1,subject=music,keep")}
