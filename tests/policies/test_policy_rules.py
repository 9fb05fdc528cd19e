"""Micro-roster tests of the rules the policy models added: quotas, balance, priority, pairing, staff floor, budget.

RULEBOOK §5 quota and ordering cases are here too (TC47, TC48, TC55, TC66, TC79, TC85).
"""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import assert_valid, breakdown, crafted, make_policy, make_problem, moves, solve, violations

import teacher_match as tm
from teacher_match.rules import priority, quotas

NO_NEED_PULL = {"unmet_need": 0, "non_mandatory_moved": 0}


def sent(plan) -> list:
    return sorted(t for t, to in moves(plan).items() if to is not None)


# ----------------------------------------------------------------------------- quotas
@pytest.mark.parametrize(("case", "mandatory", "expected"), [("TC47", 37, 4), ("TC48", 50, 5), ("ceil-10", 10, 1),
                                                             ("ceil-11", 11, 2)], ids=lambda v: v if isinstance(v, str) else None)
def test_group_share_is_rounded_up(case, mandatory, expected):
    assert quotas.required(mandatory, 0.10) == expected


def test_township_share_forces_rotation_per_township():
    schools = [{"school_id": "A1", "township": "甲镇", "x": 0.0}, {"school_id": "B1", "township": "乙镇", "x": 1.0},
               {"school_id": "R1", "category": "rural", "township": "甲镇", "x": 5.0}]
    teachers = [{"teacher_id": f"A{i}", "school_id": "A1"} for i in range(11)] + \
               [{"teacher_id": f"B{i}", "school_id": "B1"} for i in range(3)]
    p = make_problem(schools, teachers, [("R1", "math", 10)])
    pol = make_policy(rules={"group_min_share": 0.1, "quota_group": "township"}, objective=NO_NEED_PULL)
    plan = solve(p, pol)
    assert_valid(p, pol, plan)
    got = sent(plan)
    assert sum(t.startswith("A") for t in got) == 2 and sum(t.startswith("B") for t in got) == 1
    assert ("quotas", "group_min_share,township=甲镇,min") in violations(p, pol, crafted(p, pol, {"A0": "R1"}))


def test_TC66_urban_schools_send_one_each_on_average():
    schools = [{"school_id": f"U{i}", "x": float(i)} for i in range(1, 7)] + \
              [{"school_id": "R1", "category": "rural", "x": 20.0}]
    teachers = [{"teacher_id": "U1a", "school_id": "U1"}, {"teacher_id": "U1b", "school_id": "U1"},
                {"teacher_id": "U1c", "school_id": "U1"}] + \
               [{"teacher_id": f"U{i}a", "school_id": f"U{i}"} for i in range(2, 6)] + \
               [{"teacher_id": "U6a", "school_id": "U6", "years_at_school": 2}]      # U6 has nobody movable
    p = make_problem(schools, teachers, [("R1", "math", 10)])
    pol = make_policy(rules={"min_sent_avg_per_school": 1}, objective=NO_NEED_PULL)
    plan = solve(p, pol)
    assert_valid(p, pol, plan)
    assert len(sent(plan)) == 6 and "U6a" not in sent(plan)


def test_TC85_one_support_teacher_per_overstaffed_school():
    pol = tm.load_policy("city-support-teaching")
    schools = [{"school_id": f"O{i}", "overstaffed": "是", "x": float(i)} for i in range(1, 4)] + \
              [{"school_id": "N1", "overstaffed": "否", "x": 0.5}] + \
              [{"school_id": f"R{i}", "category": "rural", "x": 10.0 + i} for i in range(1, 5)]
    teachers = [{"teacher_id": f"O{i}{k}", "school_id": f"O{i}"} for i in range(1, 4) for k in "ab"] + \
               [{"teacher_id": "N1a", "school_id": "N1"}]
    p = make_problem(schools, teachers, [(f"R{i}", "math", 1) for i in range(1, 5)])
    plan = solve(p, pol)
    assert_valid(p, pol, plan)
    got = sent(plan)
    assert len(got) == 3 and sorted(t[:2] for t in got) == ["O1", "O2", "O3"]
    assert (plan.moved["mode"] == "support").all()
    assert ("quotas", "teacher=N1a") in violations(p, pol, crafted(p, pol, {"N1a": "R1"}))
    two = crafted(p, pol, {"O1a": "R1", "O1b": "R2", "O2a": "R3", "O3a": "R4"})
    assert ("quotas", "per_school,school=O1,max") in violations(p, pol, two)


def test_overstaffed_defaults_to_schools_without_needs():
    schools = [{"school_id": "U1", "x": 0.0}, {"school_id": "U2", "x": 1.0},
               {"school_id": "R1", "category": "rural", "x": 5.0}]
    p = make_problem(schools, [{"teacher_id": "a", "school_id": "U1"}, {"teacher_id": "b", "school_id": "U2"}],
                     [("R1", "math", 2), ("U2", "art", 1)])
    assert quotas.overstaffed(p).tolist() == [True, False, False]


def test_fixed_counts_and_county_maximum():
    schools = [{"school_id": "U1", "x": 0.0}, {"school_id": "R1", "category": "rural", "x": 5.0}]
    teachers = [{"teacher_id": f"T{i}", "school_id": "U1"} for i in range(4)] + \
               [{"teacher_id": "P", "school_id": "U1", "role": "principal"}]
    p = make_problem(schools, teachers, [("R1", "math", 5)])
    pol = make_policy(rules={"fixed_teachers_sent": 2, "fixed_leaders_sent": 1})
    plan = solve(p, pol)
    assert_valid(p, pol, plan)
    assert len(sent(plan)) == 3 and "P" in sent(plan)
    pol = make_policy(rules={"max_total_sent": 1})
    plan = solve(p, pol)
    assert_valid(p, pol, plan)
    assert len(sent(plan)) == 1


def test_soft_quota_prices_the_shortfall():
    schools = [{"school_id": "U1", "x": 0.0}, {"school_id": "R1", "category": "rural", "x": 5.0}]
    p = make_problem(schools, [{"teacher_id": "T", "school_id": "U1"}], [("R1", "math", 1)])
    pol = make_policy(rules={"fixed_teachers_sent": 3, "quota_hard": False})
    plan = solve(p, pol)
    assert_valid(p, pol, plan)
    assert breakdown(plan)["quota_shortfall"] == 2
    hard = make_policy(rules={"fixed_teachers_sent": 3})
    assert solve(p, hard).status == "INFEASIBLE"


# ----------------------------------------------------------------------------- balance (Xiamen XM-PT2)
def test_balance_mixes_the_sexes():
    schools = [{"school_id": "U1", "x": 0.0}, {"school_id": "R1", "category": "rural", "x": 5.0}]
    teachers = [{"teacher_id": f"F{i}", "school_id": "U1", "home_x": 4.0} for i in range(4)] + \
               [{"teacher_id": f"M{i}", "school_id": "U1", "gender": "M", "home_x": -20.0} for i in range(2)]
    p = make_problem(schools, teachers, [("R1", "math", 4)])
    plain = make_policy()
    assert sent(solve(p, plain)) == ["F0", "F1", "F2", "F3"]
    pol = make_policy(rules={"balance_max_share": 0.5, "balance_dimensions": ["sex"], "balance_min_sent": 3})
    plan = solve(p, pol)
    assert_valid(p, pol, plan)
    got = sent(plan)
    assert len(got) == 4 and sum(t.startswith("M") for t in got) == 2
    bad = crafted(p, pol, {f"F{i}": "R1" for i in range(4)})
    assert ("balance", "county,sex=F") in violations(p, pol, bad)


def test_balance_spares_small_groups():
    schools = [{"school_id": "U1", "x": 0.0}, {"school_id": "R1", "category": "rural", "x": 5.0}]
    p = make_problem(schools, [{"teacher_id": f"F{i}", "school_id": "U1"} for i in range(2)], [("R1", "math", 2)])
    pol = make_policy(rules={"balance_max_share": 0.5, "balance_dimensions": ["sex"], "balance_min_sent": 3})
    plan = solve(p, pol)
    assert_valid(p, pol, plan)
    assert len(sent(plan)) == 2


def test_age_bands():
    from teacher_match.rules.balance import Balance, classes

    t = pd.DataFrame({"age": [34, 35, 49, 50], "gender": "F", "backbone": False})
    c = classes(t, Balance(balance_dimensions=["age_band"]))
    assert c["age_band=young"].tolist() == [True, False, False, False]
    assert c["age_band=old"].tolist() == [False, False, False, True]


# ----------------------------------------------------------------------------- priority (ordering principles)
def test_TC55_dongcheng_ordering():
    t = pd.DataFrame({"teacher_id": ["VP", "BJ", "OP", "BP"], "school_id": ["P1", "J1", "P1", "P1"],
                      "role": ["vice_principal", "teacher", "teacher", "teacher"],
                      "backbone": [False, True, False, True], "age": [45, 40, 40, 40], "gender": "F"})
    s = pd.DataFrame({"school_id": ["P1", "J1"], "stage": ["primary", "junior"]})
    keys = tm.load_policy("dongcheng-school-plan").rule("priority").priority_keys
    assert priority.priority_order(t, s, keys) == ["BP", "OP", "BJ", "VP"]


def test_priority_breaks_ties_in_the_plan():
    schools = [{"school_id": "U1", "x": 0.0}, {"school_id": "R1", "category": "rural", "x": 5.0}]
    teachers = [{"teacher_id": "VP", "school_id": "U1", "role": "vice_principal"},
                {"teacher_id": "T", "school_id": "U1"}]
    p = make_problem(schools, teachers, [("R1", "math", 1)])
    for keys, expected in ((["teachers_before_leaders"], ["T"]), (["leaders_before_teachers"], ["VP"])):
        pol = make_policy(rules={"priority_keys": keys}, objective={"priority_order": 1})
        plan = solve(p, pol)
        assert_valid(p, pol, plan)
        assert sent(plan) == expected
        assert breakdown(plan)["priority_order"] == 0


def test_TC79_merit_selection_when_oversubscribed():
    t = pd.DataFrame({"teacher_id": [f"A{i:02d}" for i in range(56)], "school_id": "S1", "age": 40, "gender": "F",
                      "backbone": False, "merit": list(range(56))})
    s = pd.DataFrame({"school_id": ["S1"], "stage": ["primary"]})
    out = priority.select_by_priority(t, s, 43, [], merit="merit")
    assert out["selected"].sum() == 43 and (~out["selected"]).sum() == 13
    assert set(out.loc[~out["selected"], "merit"]) == set(range(13))


def test_fenliu_youngest_first_tie_break():
    t = pd.DataFrame({"teacher_id": ["old", "young", "mid"], "school_id": "S1", "age": [50, 28, 39], "gender": "F",
                      "backbone": False})
    s = pd.DataFrame({"school_id": ["S1"], "stage": ["primary"]})
    out = priority.select_by_priority(t, s, 2, ["youngest_first"])
    assert out.set_index("teacher_id")["selected"].to_dict() == {"old": False, "young": True, "mid": True}


# ----------------------------------------------------------------------------- pairing, staff floor, budget
def test_pairing_sends_only_to_the_counterpart():
    schools = [{"school_id": "U1", "x": 0.0, "pair_id": "R1"}, {"school_id": "R1", "category": "rural", "x": 30.0},
               {"school_id": "R2", "category": "rural", "x": 2.0}]
    p = make_problem(schools, [{"teacher_id": "T", "school_id": "U1"}], [("R1", "math", 1), ("R2", "math", 1)])
    pol = make_policy(flows={"to_pair_only": True})
    plan = solve(p, pol)
    assert_valid(p, pol, plan)
    assert moves(plan)["T"] == "R1"
    assert ("pairing", "teacher=T") in violations(p, pol, crafted(p, pol, {"T": "R2"}))


def test_staff_floor_keeps_one_teacher_per_ten_students():
    schools = [{"school_id": "U1", "x": 0.0, "students": 20}, {"school_id": "R1", "category": "rural", "x": 5.0}]
    p = make_problem(schools, [{"teacher_id": f"T{i}", "school_id": "U1"} for i in range(3)], [("R1", "math", 3)])
    pol = make_policy(rules={"students_per_teacher_floor": 10})
    plan = solve(p, pol)
    assert_valid(p, pol, plan)
    assert len(sent(plan)) == 1
    assert ("staff_floor", "school=U1") in violations(p, pol, crafted(p, pol, {"T0": "R1", "T1": "R1"}))
    big = make_policy(rules={"students_per_teacher_floor": 10, "staff_floor_max_students": 10})
    assert len(sent(solve(p, big))) == 3        # not a small-scale school: no floor


def test_budget_check_recounts_the_caps():
    schools = [{"school_id": "U1", "x": 0.0}, {"school_id": "R1", "category": "rural", "x": 5.0, "township": "团结"}]
    p = make_problem(schools, [{"teacher_id": f"T{i}", "school_id": "U1"} for i in range(2)], [("R1", "math", 2)])
    data = {"stipend_cap_by_township": {"团结": 15000}, "stipend_cap_default": 5000, "budget_max_yuan": 20000}
    pol = make_policy().with_(**data)
    plan = solve(p, pol)
    assert_valid(p, pol, plan)
    assert len(sent(plan)) == 1
    assert ("budget", "county") in violations(p, pol, crafted(p, pol, {"T0": "R1", "T1": "R1"}))
