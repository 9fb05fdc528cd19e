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
