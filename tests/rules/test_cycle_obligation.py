"""cycle_obligation: due teachers rotate, the pool's floor, pins, teachers on exchange stay."""

from __future__ import annotations

import re

import pytest
from helpers import assert_valid, breakdown, crafted, make_policy, make_problem, moves, solve, violations

import teacher_match as tm

# U1 urban at 0 with three mandatory math teachers; R1 and R2 rural, each short of one math teacher
SCHOOLS = [
    {"school_id": "U1", "x": 0.0},
    {"school_id": "R1", "category": "rural", "x": 10.0},
    {"school_id": "R2", "category": "rural", "x": 30.0},
]
TEACHERS = [
    {"teacher_id": "A", "school_id": "U1"},
    {"teacher_id": "B", "school_id": "U1"},
    {"teacher_id": "C", "school_id": "U1"},
]
NEEDS = [("R1", "math", 1), ("R2", "math", 1)]
#: filling a need is worth less than its commute: without an obligation nobody rotates
CHEAP_NEEDS = {"unmet_need": 5, "commute_km": 1}


def rotated(plan: tm.Plan) -> dict:
    """Teacher → destination of those who rotate."""
    return {t: s for t, s in moves(plan).items() if s}


def policy(**cycle) -> tm.Policy:
    return make_policy(objective=CHEAP_NEEDS).with_(**cycle)


def test_without_the_lists_the_rule_adds_nothing():
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    pol = policy(years=3, all_mandatory_within_cycle=True)
    plan = solve(problem, pol)
    assert_valid(problem, pol, plan)
    assert rotated(plan) == {}
    assert "cycle_shortfall" not in set(plan.objective_breakdown["term"])


def test_a_due_teacher_rotates():
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    pol = policy(years=3, cycle_due=["B"])
    plan = solve(problem, pol)
    assert_valid(problem, pol, plan)
    assert rotated(plan) == {"B": "R1"}


def test_the_pool_floor_rotates_that_many():
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    pol = policy(years=3, cycle_pool=["A", "B", "C"], cycle_pool_min=2)
    plan = solve(problem, pol)
    assert_valid(problem, pol, plan)
    assert sorted(rotated(plan).values()) == ["R1", "R2"]


def test_pins_are_honoured():
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    pol = policy(years=3, cycle_pins=["C:R2", "A:stay"], cycle_pool=["A", "B", "C"], cycle_pool_min=2)
    plan = solve(problem, pol)
    assert_valid(problem, pol, plan)
    assert rotated(plan) == {"B": "R1", "C": "R2"}


def test_a_teacher_on_exchange_is_not_moved_again():
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    pol = policy(years=3, cycle_fixed=["A", "B"], cycle_pool=["A", "B", "C"], cycle_pool_min=1)
    plan = solve(problem, pol)
    assert_valid(problem, pol, plan)
    assert rotated(plan) == {"C": "R1"}
    assert (
        "on exchange"
        in dict(zip(plan.assignments["teacher_id"], plan.assignments["reason"], strict=False))["A"]
    )


def test_checker_reports_each_broken_obligation():
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    pol = policy(
        years=3,
        cycle_due=["A"],
        cycle_pool=["A", "B", "C"],
        cycle_pool_min=2,
        cycle_pins=["C:R2"],
        cycle_fixed=["B"],
    )
    plan = crafted(problem, pol, {"B": "R1"})
    assert violations(problem, pol, plan) == {
        ("cycle_obligation", "teacher=A,due"),
        ("cycle_obligation", "pool"),
        ("cycle_obligation", "teacher=C,school=R2,pin"),
        ("cycle_obligation", "teacher=B,fixed"),
    }
    good = crafted(problem, pol, {"A": "R1", "C": "R2"})
    assert violations(problem, pol, good) == set()


def test_a_pin_against_a_hard_rule_is_diagnosed():
    """C pinned to U1's own school is never a candidate: no plan, and the diagnosis names the pin."""
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    plan = solve(problem, policy(years=3, cycle_pins=["C:U1"]))
    assert plan.status == "INFEASIBLE"
    d = plan.diagnosis.set_index("key")
    assert d.loc["teacher=C,school=U1,pin", "sentence_en"] == (
        "C is pinned to U1 (a signed agreement); possible: R1, R2"
    )


def test_soft_obligation_is_priced_and_said():
    """Soft: a due teacher no school can take is a shortfall of the plan, not an infeasible year."""
    teachers = [*TEACHERS, {"teacher_id": "D", "school_id": "U1", "subject": "music"}]
    problem = make_problem(SCHOOLS, teachers, NEEDS)
    pol = policy(years=3, cycle_due=["D", "A"], cycle_hard=False)
    plan = solve(problem, pol)
    assert_valid(problem, pol, plan)
    assert rotated(plan) == {"A": "R1"}
    assert breakdown(plan)["cycle_shortfall"] == 1
    assert list(plan.shortfalls["key"]) == ["teacher=D,due"]


def test_schedule_change_keeps_the_previous_schedule():
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    pol = policy(
        years=3, cycle_pool=["A", "B", "C"], cycle_pool_min=1, cycle_previous=["C:R2"], schedule_change=100
    )
    plan = solve(problem, pol)
    assert_valid(problem, pol, plan)
    assert rotated(plan) == {"C": "R2"}
    assert breakdown(plan)["schedule_change"] == 0


def test_cycle_table_is_validated():
    from teacher_match.policy import policy_from_dict

    for bad, words in (
        ({"years": 0}, "at least 1 year"),
        ({"yeras": 3}, "did you mean 'years'"),
        ({"term_years": float("nan")}, "finite"),
        ({"all_mandatory_within_cycle": 1}, "true or false"),
    ):
        with pytest.raises(tm.PolicyError, match=re.escape(words)):
            policy_from_dict({"id": "x", "cycle": bad}, "p.toml")
    with pytest.raises(tm.PolicyError, match=re.escape("belongs under [cycle]")):
        policy_from_dict({"id": "x", "rules": {"years": 3}}, "p.toml")
