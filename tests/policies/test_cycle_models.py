"""Must-rotate models over a 3-year cycle: every mandatory teacher scheduled, or the year says why not.

Dongcheng (100 % within 3 years) and Fujian/Minhou (必须列为交流对象) rotate by exchange of posts. On a
300-teacher county a hard cycle leaves some mandatory teachers no school in their last year: that year has no
plan and its diagnosis names them and the rule that blocks them; a soft cycle (``cycle_hard = false``) plans
every year and states each teacher not scheduled as a shortfall. Every year's plan passes the checker.
"""

from __future__ import annotations

import pytest
from policy_helpers import SUPPLY, county

import teacher_match as tm

MUST_ROTATE = ["dongcheng-school-plan", "fujian-minhou"]


def cycle_policy(pid: str, **changes) -> tm.Policy:
    return tm.load_policy(pid).with_(
        **SUPPLY.get(pid, {}), years=3, all_mandatory_within_cycle=True, term_years=1, **changes
    )


def assert_years_check(cycle: tm.CyclePlan) -> None:
    for problem, policy, plan in zip(cycle.problems, cycle.policies, cycle.plans, strict=True):
        if plan.has_plan:
            found = tm.check(problem, policy, plan)
            assert found.empty, found.to_string()


@pytest.mark.parametrize("pid", MUST_ROTATE)
def test_hard_cycle_schedules_everyone_or_diagnoses_the_year(pid):
    cycle = tm.plan_cycle(county(300, seed=3), cycle_policy(pid), time_limit=20)
    assert_years_check(cycle)
    if cycle.complete:
        return
    last = cycle.plans[-1]
    assert last.status == "INFEASIBLE"
    d = last.diagnosis
    named = set(d.loc[d["rule"] == "cycle_obligation", "key"])
    assert named
    assert all(k.endswith(",due") or k == "pool" for k in named)
    # each named teacher is due that year and has not been scheduled
    due = set(cycle.policies[-1].rule("cycle_obligation").cycle_due)
    not_scheduled = set(cycle.mandatory.loc[cycle.mandatory["scheduled_year"].isna(), "teacher_id"])
    for k in named - {"pool"}:
        tid = k.split(",")[0].removeprefix("teacher=")
        assert tid in due
        assert tid in not_scheduled


@pytest.mark.parametrize("pid", MUST_ROTATE)
def test_soft_cycle_plans_every_year_and_says_who_is_not_scheduled(pid):
    cycle = tm.plan_cycle(county(300, seed=3), cycle_policy(pid, cycle_hard=False), time_limit=20)
    assert [p.status for p in cycle.plans] == ["OPTIMAL"] * 3
    assert_years_check(cycle)
    m = cycle.mandatory
    missing = set(m.loc[m["scheduled_year"].isna(), "teacher_id"])
    said = set()
    for plan in cycle.plans:
        s = plan.shortfalls
        said |= set(s.loc[s["rule"] == "cycle_obligation", "where"])
    assert missing <= said
    assert m["scheduled_year"].notna().sum() > len(m) / 2
    # every teacher scheduled was mandatory no later than the year they go, and goes once
    assert cycle.schedule["teacher_id"].is_unique


#: the seven "must rotate" systems, each with the [cycle] table its model file sets, on a 150-teacher county
#: with rotation posts (make_county(rotation_posts=0.35)): (seed) where the whole cycle is scheduled
SCHEDULED = {"dongcheng-school-plan": 2, "fujian-minhou": 3, "lechang": 1}
#: where it is not yet: the year without a plan, and the diagnosis names who cannot go and why
DIAGNOSED = ["xiamen-proposals", "devzone-fenliu-34", "fangchenggang-gangkou", "zhalute-no5-2014"]


def own_cycle(pid: str) -> tm.Policy:
    """The shipped model with its own [cycle] table and the tests' supplied values."""
    pol = tm.load_policy(pid).with_(**SUPPLY.get(pid, {}))
    rule = pol.rule("cycle_obligation")
    assert rule.years == 3 and rule.all_mandatory_within_cycle and rule.cycle_hard
    return pol


@pytest.mark.parametrize("pid", sorted(SCHEDULED))
def test_model_cycle_schedules_every_obliged_teacher(pid):
    problem = tm.make_county(150, seed=SCHEDULED[pid], rotation_posts=0.35)
    cycle = tm.plan_cycle(problem, own_cycle(pid), time_limit=10)
    assert [p.status for p in cycle.plans] == ["OPTIMAL"] * 3
    assert_years_check(cycle)
    assert cycle.complete
    m = cycle.mandatory
    obliged = m[m["obliged"]]
    assert len(obliged) >= 10
    # every obliged teacher goes once, within the cycle, no earlier than the year they are mandatory
    assert obliged["scheduled_year"].notna().all()
    assert (obliged["scheduled_year"] >= obliged["first_mandatory_year"]).all()
    assert (obliged["scheduled_year"] <= obliged["last_chance_year"]).all()
    assert cycle.schedule["teacher_id"].is_unique
    term = own_cycle(pid).rule("cycle_obligation").term_years
    assert cycle.schedule["term_years"].isna().all() if term is None else (cycle.schedule["term_years"] == term).all()
    # a teacher the policy never sends is said, not silently dropped
    never = m[~m["obliged"]]
    assert never["scheduled_year"].isna().all()
    assert never["note"].str.startswith("no obligation in the cycle").all()


@pytest.mark.parametrize("pid", DIAGNOSED)
def test_model_cycle_not_yet_schedulable_is_diagnosed(pid):
    problem = tm.make_county(150, seed=1, rotation_posts=0.35)
    cycle = tm.plan_cycle(problem, own_cycle(pid), time_limit=4)
    assert_years_check(cycle)
    assert not cycle.complete
    last = cycle.plans[-1]
    assert last.status == "INFEASIBLE"
    assert last.diagnosis is not None and len(last.diagnosis)
    assert "year" in cycle.summary() and "no plan" in cycle.summary()
