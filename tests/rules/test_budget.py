"""budget: Σ stipend cap of each destination's township over the teachers sent ≤ budget_max_yuan."""

from __future__ import annotations

import pandas as pd
from helpers import assert_valid, crafted, make_policy, make_problem, moves, solve, violations

# R1 in 团结 (cap 15000 yuan), R2 in 向海 (the default cap, 5000 yuan)
SCHOOLS = [{"school_id": "U1", "category": "urban", "x": 0.0},
           {"school_id": "R1", "category": "rural", "x": 5.0, "township": "团结"},
           {"school_id": "R2", "category": "rural", "x": 10.0, "township": "向海"}]
# T0 lives 1 km from R1 (6 km from R2); T1 1 km from R2 (4 km from R1)
TEACHERS = [{"teacher_id": "T0", "school_id": "U1", "home_x": 4.0},
            {"teacher_id": "T1", "school_id": "U1", "home_x": 9.0}]
NEEDS = [("R1", "math", 1), ("R2", "math", 1)]
CAPS = {"stipend_cap_by_township": {"团结": 15000}, "stipend_cap_default": 5000}


def sent(plan) -> list:
    return sorted(t for t, to in moves(plan).items() if to is not None)


def edit(plan, **to) -> pd.DataFrame:
    """The solved plan's assignments with some teachers sent elsewhere (school, km)."""
    a = plan.assignments.set_index("teacher_id")
    for tid, (school, km) in to.items():
        a.loc[tid, ["to_school_id", "moves", "commute_km"]] = [school, True, km]
    return a.reset_index()


def test_without_a_budget_every_need_is_filled():
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    policy = make_policy().with_(**CAPS)
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"T0": "R1", "T1": "R2"}
    assert plan.objective == 1 + 1
    assert plan.solver_info["budget"]["stipend_cap_total_yuan"] == 15000 + 5000
    assert_valid(problem, policy, plan)


def test_budget_binds():
    # 10,000 yuan: no room for a 团结 stipend
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    policy = make_policy().with_(**CAPS, budget_max_yuan=10000)
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"T0": None, "T1": "R2"}
    assert plan.objective == 1000 + 1
    assert plan.solver_info["budget"]["stipend_cap_total_yuan"] == 5000
    assert_valid(problem, policy, plan)


def test_checker_reports_a_plan_over_budget():
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    policy = make_policy().with_(**CAPS, budget_max_yuan=10000)
    plan = solve(problem, policy)
    assert violations(problem, policy, plan.assignments) == set()
    bad = edit(plan, T0=("R1", 1.0))
    assert violations(problem, policy, bad) == {("budget", "county")}
    # 20,000 yuan is exactly the two caps: within the budget
    assert violations(problem, policy.with_(budget_max_yuan=20000), bad) == set()


def test_a_township_without_a_cap_costs_nothing():
    # no default cap: only 团结 pays a stipend, so a budget of 0 still lets T1 go to R2
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    policy = make_policy().with_(stipend_cap_by_township={"团结": 15000}, budget_max_yuan=0)
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"T0": None, "T1": "R2"}
    assert plan.objective == 1000 + 1
    assert_valid(problem, policy, plan)
    assert violations(problem, policy, edit(plan, T0=("R1", 1.0))) == {("budget", "county")}


def test_budget_check_recounts_the_caps():
    schools = [{"school_id": "U1", "x": 0.0},
               {"school_id": "R1", "category": "rural", "x": 5.0, "township": "团结"}]
    p = make_problem(schools, [{"teacher_id": f"T{i}", "school_id": "U1"} for i in range(2)],
                     [("R1", "math", 2)])
    data = {"stipend_cap_by_township": {"团结": 15000}, "stipend_cap_default": 5000, "budget_max_yuan": 20000}
    pol = make_policy().with_(**data)
    plan = solve(p, pol)
    assert_valid(p, pol, plan)
    assert len(sent(plan)) == 1
    assert ("budget", "county") in violations(p, pol, crafted(p, pol, {"T0": "R1", "T1": "R1"}))


def test_living_allowance_and_its_payer_are_plan_columns():
    """XD-MO1 / CS-MO1: a move to a rural or village school gets the living allowance; the sender pays."""
    schools = [{"school_id": "U1", "category": "urban", "x": 0.0},
               {"school_id": "U2", "category": "town", "x": 3.0},
               {"school_id": "R1", "category": "rural", "x": 10.0}]
    problem = make_problem(schools, [{"teacher_id": "A", "school_id": "U1", "home_x": 3.0},
                                     {"teacher_id": "B", "school_id": "U1", "home_x": 10.0},
                                     {"teacher_id": "C", "school_id": "U1", "years_at_school": 1}],
                           [("U2", "math", 1), ("R1", "math", 1)])
    pol = make_policy(flows={"from": {"category": ["urban"]}, "to": {}}).with_(
        living_allowance_categories=["rural", "village"], allowances_paid_by="sending")
    plan = solve(problem, pol)
    assert moves(plan) == {"A": "U2", "B": "R1", "C": None}
    a = plan.assignments.set_index("teacher_id")
    assert not a.at["A", "living_allowance"]  # a town school: no living allowance
    assert a.at["B", "living_allowance"]
    assert a.at["C", "living_allowance"] is pd.NA
    assert a.loc[a["moves"], "allowance_paid_by"].tolist() == ["sending", "sending"]
    assert_valid(problem, pol, plan)
    bad = plan.assignments.copy()
    bad["living_allowance"] = pd.array([True, True, None], dtype="boolean")
    assert violations(problem, pol, bad) == {("budget", "teacher=A,living_allowance")}


def test_reward_pay_floor_is_the_sending_schools_average_for_the_title():
    """Zhalute ZL-MO2: 奖励性绩效工资不低于我校同类教师的平均水平 — a plan column, checked."""
    schools = [{"school_id": "U1", "category": "urban", "x": 0.0},
               {"school_id": "R1", "category": "rural", "x": 10.0}]
    problem = make_problem(schools, [
        {"teacher_id": "M", "school_id": "U1", "title": "intermediate", "reward_pay": 18000},
        {"teacher_id": "I", "school_id": "U1", "title": "intermediate", "reward_pay": 22000,
         "years_at_school": 1},
        {"teacher_id": "S", "school_id": "U1", "title": "senior", "reward_pay": 30000, "years_at_school": 1},
        {"teacher_id": "R", "school_id": "R1", "title": "intermediate", "reward_pay": 12000,
         "years_at_school": 1},
    ], [("R1", "math", 1)])
    pol = make_policy().with_(reward_pay_floor_school_average=True)
    plan = solve(problem, pol)
    assert moves(plan) == {"M": "R1", "I": None, "S": None, "R": None}
    a = plan.assignments.set_index("teacher_id")
    # U1's intermediate teachers earn 18,000 and 22,000: M's floor is their average, 20,000 (TC76's rule)
    assert a.at["M", "reward_pay_floor_yuan"] == 20000
    assert a.loc[["I", "S", "R"], "reward_pay_floor_yuan"].isna().all()
    assert_valid(problem, pol, plan)
    bad = plan.assignments.copy()
    bad.loc[bad["teacher_id"] == "M", "reward_pay_floor_yuan"] = 18000.0
    assert violations(problem, pol, bad) == {("budget", "teacher=M,reward_pay_floor_yuan")}
