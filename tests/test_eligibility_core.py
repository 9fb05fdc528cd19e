"""Eligibility core: the statuses the micro-rosters rely on (trigger, threshold, volunteers, bars)."""

from __future__ import annotations

import pytest
from helpers import make_policy, make_problem

import teacher_match as tm

SCHOOLS = [{"school_id": "U1", "category": "urban", "x": 0.0}]


def statuses(teachers: list[dict], **eligibility) -> dict:
    problem = make_problem(SCHOOLS, [{"school_id": "U1", **t} for t in teachers])
    e = tm.eligibility(problem, make_policy(eligibility=eligibility))
    assert list(e["teacher_id"]) == [t["teacher_id"] for t in teachers]
    assert e["reason"].str.len().gt(0).all()
    return dict(zip(e["teacher_id"], e["status"], strict=True))


def test_trigger_is_inclusive_by_default():
    teachers = [{"teacher_id": "T6", "years_at_school": 6}, {"teacher_id": "T5", "years_at_school": 5}]
    assert statuses(teachers) == {"T6": "mandatory", "T5": "ineligible"}
    assert statuses(teachers, min_years_at_school_inclusive=False) == {"T6": "ineligible", "T5": "ineligible"}


def test_lower_threshold_and_volunteers_may_rotate():
    teachers = [{"teacher_id": "L", "years_at_school": 4}, {"teacher_id": "N", "years_at_school": 2},
                {"teacher_id": "V", "years_at_school": 2, "volunteer": True}]
    assert statuses(teachers) == {"L": "ineligible", "N": "ineligible", "V": "eligible"}
    assert statuses(teachers, min_years_eligible=3) == {"L": "eligible", "N": "ineligible", "V": "eligible"}
    no_volunteers = {"L": "ineligible", "N": "ineligible", "V": "ineligible"}
    assert statuses(teachers, volunteers_eligible=False) == no_volunteers


def test_exemptions_apply_only_when_listed():
    teachers = [{"teacher_id": "P", "pregnant_or_nursing": True}, {"teacher_id": "Q"}]
    assert statuses(teachers) == {"P": "mandatory", "Q": "mandatory"}
    assert statuses(teachers, exempt=["pregnant_or_nursing"]) == {"P": "exempt", "Q": "mandatory"}


def test_hard_bars_come_before_exemptions():
    teachers = [{"teacher_id": "OLD", "age": 51, "pregnant_or_nursing": True},
                {"teacher_id": "AT", "age": 50}, {"teacher_id": "M", "gender": "M", "age": 51}]
    got = statuses(teachers, max_age={"M": 55, "F": 50}, exempt=["pregnant_or_nursing"])
    assert got == {"OLD": "ineligible", "AT": "mandatory", "M": "mandatory"}


def test_leaders_can_be_left_out():
    teachers = [{"teacher_id": "P", "role": "principal"}, {"teacher_id": "T"}]
    assert statuses(teachers) == {"P": "mandatory", "T": "mandatory"}
    assert statuses(teachers, include_leaders=False) == {"P": "ineligible", "T": "mandatory"}


def test_contradictory_thresholds_are_an_error():
    with pytest.raises(tm.PolicyError, match="min_years_eligible 8 is above the trigger"):
        make_policy(eligibility={"min_years_eligible": 8})


def reasons(teachers: list[dict], **eligibility) -> dict:
    problem = make_problem(SCHOOLS, [{"school_id": "U1", **t} for t in teachers])
    e = tm.eligibility(problem, make_policy(eligibility=eligibility))
    return dict(zip(e["teacher_id"], e["reason"], strict=True))


def test_the_reason_names_the_threshold_that_decides():
    teachers = [{"teacher_id": "N", "years_at_school": 2}, {"teacher_id": "L", "years_at_school": 4}]
    # below the lower threshold: min_years_eligible decides, not the trigger
    r = reasons(teachers, min_years_eligible=3)
    assert r["N"] == "ineligible: 2 years at school < 3 (min_years_eligible)"
    assert r["L"] == "eligible: 4 years at school ≥ 3 (min_years_eligible)"
    assert reasons(teachers)["N"] == "ineligible: 2 years at school < 6 (min_years_at_school)"
    only_lower = reasons(teachers, min_years_at_school="off", min_years_eligible=3)
    assert only_lower["N"] == "ineligible: 2 years at school < 3 (min_years_eligible)"


def test_reasons_say_1_year_not_1_years():
    teachers = [{"teacher_id": "A", "years_at_school": 1}, {"teacher_id": "B", "years_at_school": 6},
                {"teacher_id": "C", "years_at_school": 1, "teaching_years": 1, "volunteer": True}]
    r = reasons(teachers, min_teaching_years=2, volunteers_eligible=True)
    assert r["A"] == "ineligible: 1 teaching year < 2 (min_teaching_years)"
    assert r["B"] == "mandatory: 6 years at school ≥ 6 (min_years_at_school)"
    r = reasons(teachers[:1], min_years_at_school=2)
    assert r["A"] == "ineligible: 1 year at school < 2 (min_years_at_school)"
    assert all("1 years" not in text and "1 months" not in text for text in r.values())
