"""quotas: group shares, per-school minima and maxima, fixed county counts, a county maximum, who sends.

RULEBOOK §5 quota cases TC47, TC48 and TC66 are here.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from helpers import assert_valid, breakdown, crafted, make_policy, make_problem, moves, solve, violations

import teacher_match as tm
from teacher_match.rules import quotas

# with no price on unmet needs, a teacher moves only when a quota asks for it
NO_NEED_PULL = {"unmet_need": 0, "non_mandatory_moved": 0}

SCHOOLS = [{"school_id": "U1", "category": "urban", "x": 0.0},
           {"school_id": "R1", "category": "rural", "x": 10.0}]
# mandatory math teachers of U1 living 1, 2 and 3 km from R1
ROSTER = [{"teacher_id": f"M{i}", "school_id": "U1", "home_x": 10.0 - i} for i in (1, 2, 3)]


def sent(plan) -> list:
    return sorted(t for t, to in moves(plan).items() if to is not None)


def edit(plan, **to) -> pd.DataFrame:
    """The solved plan's assignments with some teachers sent elsewhere (a school id) or kept home (None)."""
    a = plan.assignments.set_index("teacher_id")
    a["to_school_id"] = a["to_school_id"].astype(object)
    for tid, (school, km) in to.items():
        a.loc[tid, ["to_school_id", "moves", "commute_km"]] = [school, school is not None, km]
    return a.reset_index()


# ----------------------------------------------------------------------------- group share (每年交流比例)
@pytest.mark.parametrize(("case", "mandatory", "expected"),
                         [("TC47", 37, 4), ("TC48", 50, 5), ("ceil-10", 10, 1), ("ceil-11", 11, 2)],
                         ids=lambda v: v if isinstance(v, str) else None)
def test_group_share_is_rounded_up(case, mandatory, expected):
    assert quotas.required(mandatory, 0.10) == expected


def test_township_share_forces_rotation_per_township():
    schools = [{"school_id": "A1", "township": "甲镇", "x": 0.0},
               {"school_id": "B1", "township": "乙镇", "x": 1.0},
               {"school_id": "R1", "category": "rural", "township": "甲镇", "x": 5.0}]
    teachers = [{"teacher_id": f"A{i}", "school_id": "A1"} for i in range(11)] + \
               [{"teacher_id": f"B{i}", "school_id": "B1"} for i in range(3)]
    p = make_problem(schools, teachers, [("R1", "math", 10)])
    pol = make_policy(rules={"group_min_share": 0.1, "quota_group": "township"}, objective=NO_NEED_PULL)
    plan = solve(p, pol)
    assert_valid(p, pol, plan)
    got = sent(plan)
    assert sum(t.startswith("A") for t in got) == 2
    assert sum(t.startswith("B") for t in got) == 1
    one = crafted(p, pol, {"A0": "R1"})
    assert ("quotas", "quota=group_min_share,township=甲镇,min") in violations(p, pol, one)


# U1 (township 甲镇) has M1–M3; U2 (township 乙镇) has N, 4 km from R1
GROUP_SCHOOLS = [{**SCHOOLS[0], "township": "甲镇"}, {"school_id": "U2", "x": 0.0, "township": "乙镇"},
                 SCHOOLS[1]]
GROUP_ROSTER = ROSTER + [{"teacher_id": "N", "school_id": "U2", "home_x": 6.0}]


@pytest.mark.parametrize(("group", "expected", "objective"), [
    ("school", {"M1": "R1", "M2": "R1", "M3": None, "N": "R1"}, 1 + 2 + 4),     # ⌈0.5·3⌉ = 2 and ⌈0.5·1⌉ = 1
    ("township", {"M1": "R1", "M2": "R1", "M3": None, "N": "R1"}, 1 + 2 + 4),   # one school per township here
    ("county", {"M1": "R1", "M2": "R1", "M3": None, "N": None}, 1 + 2),         # ⌈0.5·4⌉ = 2, the nearest
])
def test_group_share_binds_per_group(group, expected, objective):
    problem = make_problem(GROUP_SCHOOLS, GROUP_ROSTER, [("R1", "math", 4)])
    off = make_policy(objective=NO_NEED_PULL)
    assert sent(solve(problem, off)) == []
    policy = make_policy(rules={"group_min_share": 0.5, "quota_group": group}, objective=NO_NEED_PULL)
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == expected
    assert plan.objective == objective
    assert_valid(problem, policy, plan)


def test_checker_reports_a_group_short_of_its_share():
    problem = make_problem(GROUP_SCHOOLS, GROUP_ROSTER, [("R1", "math", 4)])
    policy = make_policy(rules={"group_min_share": 0.5, "quota_group": "school"}, objective=NO_NEED_PULL)
    plan = solve(problem, policy)
    assert violations(problem, policy, plan.assignments) == set()
    assert violations(problem, policy, edit(plan, N=(None, float("nan")))) == {
        ("quotas", "quota=group_min_share,school=U2,min")}


# ------------------------------------------------------------------------ sending schools' average (TC66)
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
    assert len(sent(plan)) == 6
    assert "U6a" not in sent(plan)
    five = crafted(p, pol, {t: "R1" for t in ("U1a", "U2a", "U3a", "U4a", "U5a")})
    assert violations(p, pol, five) == {("quotas", "quota=min_sent_avg_per_school,scope=sending_schools,min")}


def test_average_per_sending_school_binds():
    # two sending schools, 0.5 each on average: one teacher in all, the nearest
    schools = [SCHOOLS[0], {"school_id": "U2", "x": 0.0}, SCHOOLS[1]]
    teachers = ROSTER[:2] + [{"teacher_id": "N", "school_id": "U2", "home_x": 6.0}]
    problem = make_problem(schools, teachers, [("R1", "math", 3)])
    policy = make_policy(rules={"min_sent_avg_per_school": 0.5}, objective=NO_NEED_PULL)
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"M1": "R1", "M2": None, "N": None}
    assert plan.objective == 1
    assert_valid(problem, policy, plan)
    assert violations(problem, policy, edit(plan, M1=(None, float("nan")))) == {
        ("quotas", "quota=min_sent_avg_per_school,scope=sending_schools,min")}


# --------------------------------------------------------------------- per school, fixed counts, county cap
def test_per_school_maximum_binds():
    problem = make_problem(SCHOOLS, ROSTER, [("R1", "math", 3)])
    plan = solve(problem, make_policy())
    assert moves(plan) == {"M1": "R1", "M2": "R1", "M3": "R1"}
    assert plan.objective == 1 + 2 + 3
    policy = make_policy(rules={"max_sent_per_school": 1})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"M1": "R1", "M2": None, "M3": None}
    assert plan.objective == 2 * 1000 + 1
    assert_valid(problem, policy, plan)
    assert violations(problem, policy, edit(plan, M2=("R1", 2.0))) == {
        ("quotas", "quota=per_school,school=U1,max")}


def test_per_school_minimum_binds():
    problem = make_problem(SCHOOLS, ROSTER, [("R1", "math", 3)])
    assert sent(solve(problem, make_policy(objective=NO_NEED_PULL))) == []
    policy = make_policy(rules={"min_sent_per_school": 2}, objective=NO_NEED_PULL)
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"M1": "R1", "M2": "R1", "M3": None}
    assert plan.objective == 1 + 2
    assert_valid(problem, policy, plan)
    assert violations(problem, policy, edit(plan, M2=(None, float("nan")))) == {
        ("quotas", "quota=per_school,school=U1,min")}


def test_fixed_counts_and_county_maximum():
    schools = [{"school_id": "U1", "x": 0.0}, {"school_id": "R1", "category": "rural", "x": 5.0}]
    teachers = [{"teacher_id": f"T{i}", "school_id": "U1"} for i in range(4)] + \
               [{"teacher_id": "P", "school_id": "U1", "role": "principal"}]
    p = make_problem(schools, teachers, [("R1", "math", 5)])
    pol = make_policy(rules={"fixed_teachers_sent": 2, "fixed_leaders_sent": 1})
    plan = solve(p, pol)
    assert_valid(p, pol, plan)
    assert len(sent(plan)) == 3
    assert "P" in sent(plan)
    pol = make_policy(rules={"max_total_sent": 1})
    plan = solve(p, pol)
    assert_valid(p, pol, plan)
    assert len(sent(plan)) == 1


def test_fixed_teacher_and_leader_counts_bind():
    # principal P lives 5 km from R1
    teachers = ROSTER + [{"teacher_id": "P", "school_id": "U1", "role": "principal", "home_x": 5.0}]
    problem = make_problem(SCHOOLS, teachers, [("R1", "math", 4)])
    assert sent(solve(problem, make_policy(objective=NO_NEED_PULL))) == []
    policy = make_policy(rules={"fixed_teachers_sent": 2, "fixed_leaders_sent": 1}, objective=NO_NEED_PULL)
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"M1": "R1", "M2": "R1", "M3": None, "P": "R1"}
    assert plan.objective == 1 + 2 + 5
    assert_valid(problem, policy, plan)
    # one teacher too many, one leader too few
    bad = edit(plan, M3=("R1", 3.0), P=(None, float("nan")))
    assert violations(problem, policy, bad) == {
        ("quotas", "quota=fixed_teachers_sent,scope=county,role=teachers,max"),
        ("quotas", "quota=fixed_leaders_sent,scope=county,role=leaders,min")}


def test_county_maximum_binds():
    problem = make_problem(SCHOOLS, ROSTER, [("R1", "math", 3)])
    policy = make_policy(rules={"max_total_sent": 2})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"M1": "R1", "M2": "R1", "M3": None}
    assert plan.objective == 1000 + 1 + 2
    assert_valid(problem, policy, plan)
    assert violations(problem, policy, edit(plan, M3=("R1", 3.0))) == {
        ("quotas", "quota=max_total_sent,scope=county,max")}


# ----------------------------------------------------------------------------- only overstaffed schools send
def test_overstaffed_defaults_to_schools_without_needs():
    schools = [{"school_id": "U1", "x": 0.0}, {"school_id": "U2", "x": 1.0},
               {"school_id": "R1", "category": "rural", "x": 5.0}]
    p = make_problem(schools,
                     [{"teacher_id": "a", "school_id": "U1"}, {"teacher_id": "b", "school_id": "U2"}],
                     [("R1", "math", 2), ("U2", "art", 1)])
    assert quotas.overstaffed(p).tolist() == [True, False, False]


def test_only_overstaffed_schools_send():
    # O1 (超编) is 10 km from R1; N1 (not overstaffed) is 2 km from it
    schools = [{"school_id": "O1", "x": 0.0, "overstaffed": "是"},
               {"school_id": "N1", "x": 8.0, "overstaffed": "否"},
               {**SCHOOLS[1], "overstaffed": "否"}]
    teachers = [{"teacher_id": "O", "school_id": "O1"}, {"teacher_id": "N", "school_id": "N1"}]
    problem = make_problem(schools, teachers, [("R1", "math", 1)])
    plan = solve(problem, make_policy())
    assert moves(plan) == {"O": None, "N": "R1"}
    assert plan.objective == 2
    policy = make_policy(rules={"send_only_overstaffed": True})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"O": "R1", "N": None}
    assert plan.objective == 10
    assert_valid(problem, policy, plan)
    bad = edit(plan, O=(None, float("nan")), N=("R1", 2.0))
    assert violations(problem, policy, bad) == {("quotas", "teacher=N")}


# ------------------------------------------------------------------------ soft quotas (quota_hard = false)
def test_soft_quota_prices_the_shortfall():
    schools = [{"school_id": "U1", "x": 0.0}, {"school_id": "R1", "category": "rural", "x": 5.0}]
    p = make_problem(schools, [{"teacher_id": "T", "school_id": "U1"}], [("R1", "math", 1)])
    pol = make_policy(rules={"fixed_teachers_sent": 3, "quota_hard": False})
    plan = solve(p, pol)
    assert_valid(p, pol, plan)
    assert breakdown(plan)["quota_shortfall"] == 2
    hard = make_policy(rules={"fixed_teachers_sent": 3})
    assert solve(p, hard).status == "INFEASIBLE"


# M1, M2, M3 live 1, 3 and 5 km from R1; a missing teacher costs 4
SOFT_ROSTER = [{"teacher_id": f"M{i}", "school_id": "U1", "home_x": 10.0 - d}
               for i, d in ((1, 1), (2, 3), (3, 5))]


def test_soft_minimum_trades_the_shortfall_against_the_commute():
    problem = make_problem(SCHOOLS, SOFT_ROSTER, [("R1", "math", 3)])
    hard = make_policy(rules={"min_sent_per_school": 3}, objective=NO_NEED_PULL)
    plan = solve(problem, hard)
    assert moves(plan) == {"M1": "R1", "M2": "R1", "M3": "R1"}
    assert plan.objective == 1 + 3 + 5
    assert_valid(problem, hard, plan)
    soft = make_policy(rules={"min_sent_per_school": 3, "quota_hard": False},
                       objective={**NO_NEED_PULL, "quota_shortfall": 4})
    plan = solve(problem, soft)
    assert plan.status == "OPTIMAL"
    # M3's 5 km cost more than the 4 of leaving the quota one teacher short
    assert moves(plan) == {"M1": "R1", "M2": "R1", "M3": None}
    assert plan.objective == 1 + 3 + 4
    assert breakdown(plan)["quota_shortfall"] == 1
    row = plan.objective_breakdown.set_index("term").loc["quota_shortfall"]
    assert (row["weight"], row["contribution"]) == (4, 4)
    assert_valid(problem, soft, plan)


def test_checker_recounts_a_soft_shortfall():
    problem = make_problem(SCHOOLS, SOFT_ROSTER, [("R1", "math", 3)])
    soft = make_policy(rules={"min_sent_per_school": 3, "quota_hard": False},
                       objective={**NO_NEED_PULL, "quota_shortfall": 4})
    plan = solve(problem, soft)
    # M2 kept home by hand: no hard violation, but the plan no longer has the shortfall it reports
    bad = edit(plan, M2=(None, float("nan")))
    assert violations(problem, soft, bad) == set()
    found = violations(problem, soft, dataclasses.replace(plan, assignments=bad))
    assert ("objective", "term=quota_shortfall") in found
    # the same assignments against the hard quota
    hard = make_policy(rules={"min_sent_per_school": 3}, objective=NO_NEED_PULL)
    assert violations(problem, hard, bad) == {("quotas", "quota=per_school,school=U1,min")}


# ------------------------------------------------------------------ shortfalls: soft minima are never silent
def test_soft_quota_short_is_a_shortfall_row_and_the_first_line():
    problem = make_problem(SCHOOLS, SOFT_ROSTER, [("R1", "math", 3)])
    soft = make_policy(rules={"min_sent_per_school": 3, "quota_hard": False},
                       objective={**NO_NEED_PULL, "quota_shortfall": 4})
    plan = solve(problem, soft)
    assert sent(plan) == ["M1", "M2"]
    assert tm.check(problem, soft, plan).empty
    short = tm.shortfalls(problem, soft, plan)
    assert short[["rule", "key", "where", "short", "switch"]].values.tolist() == [
        ["quotas", "quota=per_school,school=U1,min", "U1", 1, "quota_hard"]]
    assert short["message"].iat[0] == ("U1 must send at least 3 (min_sent_per_school = 3); the plan sends 2, "
                                       "1 short")
    assert plan.summary().splitlines()[0] == (
        "  SHORTFALL: quotas — 1 teacher short at 1 sending school (U1 1); soft in this policy "
        "(quota_hard = false)")
    assert_valid(problem, soft, plan)
    # hard (the default): the same plan edited by hand is a violation, and no shortfall
    hard = make_policy(rules={"min_sent_per_school": 3}, objective=NO_NEED_PULL)
    assert tm.shortfalls(problem, hard, plan.assignments).empty


def test_soft_township_share_short_names_the_township():
    schools = [{"school_id": "A1", "township": "甲镇", "x": 0.0},
               {"school_id": "R1", "category": "rural", "township": "甲镇", "x": 5.0}]
    p = make_problem(schools, [{"teacher_id": f"A{i}", "school_id": "A1"} for i in range(3)], [])
    pol = make_policy(rules={"group_min_share": 0.5, "quota_hard": False}, objective=NO_NEED_PULL)
    plan = solve(p, pol)
    assert sent(plan) == []
    assert plan.shortfalls["where"].tolist() == ["township 甲镇"]
    assert plan.shortfalls["short"].tolist() == [2]
    assert plan.summary().splitlines()[0].startswith(
        "  SHORTFALL: quotas — 2 mandatory teachers short at 1 township (township 甲镇 2)")
    assert_valid(p, pol, plan)
    # hard by default: no plan, and the diagnosis names the township's minimum
    hard = make_policy(rules={"group_min_share": 0.5}, objective=NO_NEED_PULL)
    plan = solve(p, hard)
    assert plan.status == "INFEASIBLE"
    assert "quota=group_min_share,township=甲镇,min" in set(plan.diagnosis["key"])


# ------------------------------------------------------------------ the bureau's quota as a target (ZL-QU1)
def test_fill_total_quota_makes_the_cap_a_target():
    problem = make_problem(SCHOOLS, ROSTER, [("R1", "math", 3)])
    cap = make_policy(rules={"max_total_sent": 2}, objective=NO_NEED_PULL)
    assert sent(solve(problem, cap)) == []  # a cap alone sends nobody when nothing pulls
    target = make_policy(rules={"max_total_sent": 2, "fill_total_quota": True}, objective=NO_NEED_PULL)
    plan = solve(problem, target)
    assert sent(plan) == ["M1", "M2"]  # the two nearest
    assert plan.objective == 1 + 2
    assert_valid(problem, target, plan)
    assert violations(problem, target, crafted(problem, target, {"M1": "R1"})) == {
        ("quotas", "quota=max_total_sent,scope=county,min")}


def test_an_unfillable_quota_target_is_diagnosed_or_short():
    problem = make_problem(SCHOOLS, ROSTER[:1], [("R1", "math", 1)])
    target = make_policy(rules={"max_total_sent": 2, "fill_total_quota": True}, objective=NO_NEED_PULL)
    plan = solve(problem, target)
    assert plan.status == "INFEASIBLE"
    assert set(plan.diagnosis["key"]) == {"quota=max_total_sent,scope=county,min"}
    sentences = " ".join(plan.diagnosis["sentence_en"])
    assert "exactly 2 teachers rotate county-wide" in sentences
    soft = make_policy(rules={"max_total_sent": 2, "fill_total_quota": True, "quota_hard": False},
                       objective=NO_NEED_PULL)
    plan = solve(problem, soft)
    assert sent(plan) == ["M1"]
    assert plan.shortfalls[["where", "short", "place"]].values.tolist() == [
        ["the county", 1, "county-wide quota"]]
    assert_valid(problem, soft, plan)


def test_each_school_sends_exactly_its_quota():
    """Tongyu T-QU2: the bureau's 指标 per county-town school, filled — even at a longer commute."""
    schools = [{"school_id": "U1", "category": "urban", "x": 0.0, "quota": 2},
               {"school_id": "U2", "category": "urban", "x": 1.0, "quota": 0},
               {"school_id": "U3", "category": "urban", "x": 2.0},
               {"school_id": "R1", "category": "rural", "x": 10.0}]
    teachers = [{"teacher_id": f"{s}{i}", "school_id": s} for s in ("U1", "U2", "U3") for i in (1, 2)]
    teachers[-1]["years_at_school"] = 1  # U32 is not due: U31 is U3's only candidate
    problem = make_problem(schools, teachers, [("R1", "math", 3)])
    pol = make_policy(rules={"fill_school_quota": True})
    plan = solve(problem, pol)
    got = moves(plan)
    # U1 sends its 2, U2 (quota 0) none; U3 has no quota and fills the third post
    assert sorted(k for k, v in got.items() if v) == ["U11", "U12", "U31"]
    assert_valid(problem, pol, plan)
    found = violations(problem, pol, crafted(problem, pol, {"U11": "R1", "U21": "R1", "U31": "R1"}))
    assert found == {("quotas", "quota=school_quota,school=U1,min"),
                     ("quotas", "quota=school_quota,school=U2,max")}
    # a school cannot fill its quota: no plan, and the diagnosis names the school's quota
    problem = make_problem([{**schools[0], "quota": 3}, *schools[1:]], teachers, [("R1", "math", 3)])
    plan = solve(problem, pol)
    assert plan.status == "INFEASIBLE"
    assert "quotas" in set(plan.diagnosis["rule"])
