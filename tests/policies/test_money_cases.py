"""RULEBOOK §5 money, credit and term cases.

Stipends, title points, transport, durations, itinerant loads …
"""

from __future__ import annotations

import math

import pytest
from policy_helpers import model_data

import teacher_match as tm
from teacher_match import money
from teacher_match import recorded_rules as ev
from teacher_match.policy import policy_from_dict

TONGYU = tm.load_policy("tongyu-2012")

STIPEND = [
    ("TC01", "包拉温都", 95, 15000),
    ("TC02", "团结", 85, 9000),
    ("TC03", "瞻榆", 90, 10000),
    ("TC04", "向海", 70, 6000),
    ("TC05", "乡镇99", 89, 3000),
    ("TC06", "同发", 69, 0),
    ("TC07", "兴隆山", 92, 10000),
]


@pytest.mark.parametrize(("case", "township", "score", "yuan"), STIPEND, ids=[c[0] for c in STIPEND])
def test_tongyu_stipend(case, township, score, yuan):
    assert money.stipend(TONGYU, township, score) == yuan


# boundary twins of TC03 / TC04 / TC06: one point below the band limit falls into the next band
@pytest.mark.parametrize(("case", "township", "score", "yuan"), [
    ("TC03", "瞻榆", 89, 6000), ("TC04", "向海", 69, 0), ("TC06", "同发", 70, 9000)],
    ids=["TC03-boundary-89", "TC04-boundary-69", "TC06-boundary-70"])
def test_tongyu_stipend_boundary_twins(case, township, score, yuan):
    assert money.stipend(TONGYU, township, score) == yuan


def test_TC06_unqualified_at_69():
    assert not money.qualified(TONGYU, 69)
    assert money.qualified(TONGYU, 70)


def test_TC08_score_between_bands_is_undefined_unless_rounding_is_set():
    with pytest.raises(ValueError, match="does not define"):
        money.stipend(TONGYU, "新发", 89.5)
    assert money.stipend(TONGYU.with_(score_rounding="floor"), "新发", 89.5) == 9000
    assert money.stipend(TONGYU.with_(score_rounding="round"), "新发", 89.5) == 15000


@pytest.mark.parametrize(("case", "scores", "years", "points"), [
    ("TC09", [91, 88, 60], None, 3),
    ("TC10", [90], None, 2),
    ("TC11", [75], 1.5, 1),
    ("TC11-half-year", [75], 0.5, 0),
], ids=lambda v: v if isinstance(v, str) else None)
def test_tongyu_title_points(case, scores, years, points):
    assert money.title_points(TONGYU, scores, years) == points


def test_stipend_cap_is_the_plan_budget_column():
    p = tm.make_county(300, seed=2)
    plan = tm.solve(p, TONGYU, time_limit=10)
    assert tm.check(p, TONGYU, plan).empty
    m = plan.moved
    assert len(m) > 0
    # the stipend is the down-support teachers' (T-MO1); the upward study beside it earns none
    assert set(m["mode"]) <= {"support", "upward_study"}
    assert m.loc[m["mode"] == "upward_study", "stipend_cap_yuan"].isna().all()
    m = m[m["mode"] == "support"]
    caps = [money.stipend_cap(TONGYU, tw)
            for tw in m["to_school_id"].map(p.schools.set_index("school_id")["township"])]
    assert m["stipend_cap_yuan"].tolist() == caps
    assert plan.solver_info["budget"]["stipend_cap_total_yuan"] == sum(caps)
    assert plan.assignments.loc[plan.assignments["mode"] != "support", "stipend_cap_yuan"].isna().all()
    assert "stipend budget" in plan.summary()


def test_TC74_shuanggou_transport_reimbursement():
    pol = tm.load_policy("shuanggou-2021")
    assert money.reimbursed_trips(pol, 6) == 4
    assert money.reimbursed_trips(pol, 3) == 3


def test_TC76_zhalute_reward_pay_floor():
    pol = tm.load_policy("zhalute-no5-2014")
    assert money.reward_pay_meets_floor(pol, 20000, 20000)
    assert not money.reward_pay_meets_floor(pol, 19999, 20000)
    assert money.reward_pay_meets_floor(pol, 19999, 20000, passed=False)


def test_TC33_TC34_gangkou_title_prerequisites():
    pol = tm.load_policy("fangchenggang-gangkou")
    assert money.senior_title_prerequisite(pol, 0 + 1)      # TC33: one exchange year at a rural school
    assert not money.senior_title_prerequisite(pol, 0)
    assert money.direct_title_application(pol, 20, "junior")   # TC34
    assert not money.direct_title_application(pol, 19, "junior")
    assert not money.direct_title_application(pol, 25, "intermediate")


def test_TC65_fenliu_grassroots_senior_title():
    pol = tm.load_policy("devzone-fenliu-34")
    assert money.grassroots_senior_title(pol, 31)
    assert not money.grassroots_senior_title(pol, 29)
    assert money.grassroots_senior_title(pol, 30)   # boundary: 30年以上 is inclusive


def test_TC69_fenliu_rural_allowance():
    pol = tm.load_policy("devzone-fenliu-34")
    assert not money.rural_allowance(pol, "rural", "urban")
    assert money.rural_allowance(pol, "urban", "rural")


def test_TC86_city_support_credit():
    pol = tm.load_policy("city-support-teaching")
    assert money.exchange_credit_years(pol, 1.0) == 1
    assert money.exchange_credit_years(pol, 1.0, qualified_=False) == 0
    assert money.exchange_credit_years(tm.load_policy("default"), 1.0) == 0


def test_money_functions_name_the_missing_parameter():
    with pytest.raises(tm.PolicyError, match="stipend_score_bands"):
        money.stipend(tm.load_policy("default"), "x", 90)


@pytest.mark.parametrize(("case", "absence", "year", "substitute", "fails"), [
    ("TC82", 11, 11, False, True),
    ("TC83", 10, 15, False, False),
    ("TC84", 3, 16, False, True),
    ("CS-EV1-substitute", 0, 0, True, True),
], ids=lambda v: v if isinstance(v, str) else None)
def test_city_support_auto_fail(case, absence, year, substitute, fails):
    pol = tm.load_policy("city-support-teaching")
    assert ev.support_auto_fail(pol, absence, year, substitute) is fails


def test_TC51_county_draft_durations():
    pol = tm.load_policy("county-draft-zqyj")
    assert not ev.duration_ok(pol, "CD-FL7", 0.5)
    assert ev.duration_ok(pol, "CD-FL7", 1)
    assert not ev.duration_ok(pol, "CD-FL7", 2, leader=True)
    assert ev.duration_ok(pol, "CD-FL7", 3, leader=True)


def test_TC68_fenliu_itinerant_loads():
    pol = tm.load_policy("devzone-fenliu-34")
    assert not ev.itinerant_load_ok(pol, 5)
    assert ev.itinerant_load_ok(pol, 6)                      # boundary: 不少于6节
    assert ev.itinerant_load_ok(pol, 2, famous_teacher=True)
    assert not ev.itinerant_load_ok(pol, 1, famous_teacher=True)


def test_TC60_TC61_lechang_pairs_and_relations():
    pol = tm.load_policy("lechang")
    assert ev.paired_quota(pol, stages=2) == 12
    assert ev.relation(pol, "competitive") == "move"
    assert ev.relation(pol, "paired") == "stay"


def test_TC62_fenliu_diversion_population():
    p = ev.rule_params(tm.load_policy("devzone-fenliu-34"), "diversion")
    assert p["persons"] == p["from_x_primary"] + p["from_xx"] + p["transferred_in"] == 34


def test_TC73_shuanggou_quota_as_written():
    pol = tm.load_policy("shuanggou-2021")
    assert pol.rule("quotas").fixed_teachers_sent == 30
    assert pol.rule("quotas").fixed_leaders_sent == 2
    up = pol.modes["upward_study"]  # planned in the same solve (rules/modes.py)
    assert (up.teachers, up.leaders, up.enforced) == (30, 2, True)
    assert "60" in pol.notes  # the inconsistency is documented, not hidden
    assert "64" in pol.notes


def test_TC50_county_draft_refusal_consequence_is_planned():
    assert tm.load_policy("county-draft-zqyj").rule("sanctions").refusal_no_awards_years == 3


def test_stipend_bands_must_decrease():
    data = model_data("tongyu-2012")
    data["money"]["stipend_score_bands"] = [[70, 0.6], [90, 1.0]]
    with pytest.raises(tm.PolicyError, match="strictly decreasing"):
        policy_from_dict(data)


def test_budget_cap_is_a_hard_rule():
    p = tm.make_county(300, seed=2)
    free = tm.solve(p, TONGYU, time_limit=10)
    spent = free.solver_info["budget"]["stipend_cap_total_yuan"]
    assert spent > 10000
    capped = TONGYU.with_(budget_max_yuan=spent - 5000)
    plan = tm.solve(p, capped, time_limit=10)
    assert tm.check(p, capped, plan).empty
    assert plan.solver_info["budget"]["stipend_cap_total_yuan"] <= spent - 5000
    assert math.isfinite(plan.objective)
