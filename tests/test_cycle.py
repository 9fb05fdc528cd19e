"""plan_cycle: a rotation cycle planned year by year — exact schedules on micro-rosters, each year checked."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import make_policy, make_problem

import teacher_match as tm

# U1 urban at 0, R1 rural 10 km away and short of one math teacher every year
SCHOOLS = [
    {"school_id": "U1", "x": 0.0},
    {"school_id": "R1", "category": "rural", "x": 10.0},
    {"school_id": "R2", "category": "rural", "x": 30.0},
]
NEEDS = [("R1", "math", 1)]
#: three mandatory math teachers of U1 living 1, 5 and 10 km from R1: the cheapest go first, no ties
THREE = [{"teacher_id": t, "school_id": "U1", "home_x": x} for t, x in (("A", 9.0), ("B", 5.0), ("C", 0.0))]


def cycle_policy(**changes) -> tm.Policy:
    return make_policy().with_(**{"years": 3, "all_mandatory_within_cycle": True, "term_years": 1, **changes})


def scheduled(cycle: tm.CyclePlan) -> list[tuple]:
    """(teacher, year, to school, status) of every move, in schedule order."""
    s = cycle.schedule
    return list(zip(s["teacher_id"], s["year"], s["to_school_id"], s["status"], strict=True))


def assert_checked(cycle: tm.CyclePlan) -> None:
    """Every year's plan passes the checker against that year's roster and policy."""
    assert len(cycle.plans) == cycle.years
    for problem, policy, plan in zip(cycle.problems, cycle.policies, cycle.plans, strict=True):
        assert plan.status == "OPTIMAL"
        found = tm.check(problem, policy, plan)
        assert found.empty, found.to_string()


def test_three_mandatory_teachers_one_post_go_one_a_year():
    """A 1-year term's post re-opens when its teacher returns; the floor ⌈remaining / years left⌉ is 1."""
    problem = make_problem(SCHOOLS, THREE, NEEDS)
    cycle = tm.plan_cycle(problem, cycle_policy(), time_limit=10)
    assert_checked(cycle)
    assert scheduled(cycle) == [
        ("A", 1, "R1", "planned"),
        ("B", 2, "R1", "provisional"),
        ("C", 3, "R1", "provisional"),
    ]
    assert list(cycle.schedule["return_year"]) == [2026, 2027, 2028]
    # each year's plan carries the term of its moves, and so does its 公示名单
    a = cycle.plans[0].assignments.set_index("teacher_id")
    assert a.loc["A", "term_years"] == 1.0
    assert str(a.loc["A", "end_date"]) == "2026-08-31"
    assert a.loc["A", "return_year"] == 2026
    assert not a.loc["A", "relation_moved"]
    assert a["term_years"].isna().sum() == 2
    assert cycle.plans[0].publicity()["交流期限"].tolist() == ["1 年（至 2026-08-31）"]
    assert [p.rule("cycle_obligation").cycle_pool_min for p in cycle.policies] == [1, 1, 1]
    # A is back home in year 2, not moved again; the post at R1 is open again
    y2 = cycle.problems[1]
    assert y2.teachers.set_index("teacher_id").loc["A", "school_id"] == "U1"
    assert cycle.policies[1].rule("cycle_obligation").cycle_fixed == ["A"]
    assert int(y2.needs["count"].sum()) == 1
    assert cycle.complete
    assert list(cycle.mandatory["scheduled_year"]) == [1, 2, 3]


def test_a_two_year_term_holds_the_post():
    """A teacher on a 2-year term serves at R1 in year 2: counted there, the post filled, not movable."""
    problem = make_problem(SCHOOLS, [{"teacher_id": t, "school_id": "U1"} for t in "AB"], NEEDS)
    cycle = tm.plan_cycle(
        problem, cycle_policy(years=2, term_years=2, all_mandatory_within_cycle=False), time_limit=10
    )
    assert scheduled(cycle) == [("A", 1, "R1", "planned")]
    y2 = cycle.problems[1].teachers.set_index("teacher_id")
    assert y2.loc["A", "school_id"] == "R1"
    assert int(y2.loc["A", "years_at_school"]) == 0
    assert int(cycle.problems[1].needs["count"].sum()) == 0


def test_a_teacher_crossing_the_trigger_becomes_mandatory_and_is_scheduled():
    teachers = [
        {"teacher_id": "A", "school_id": "U1"},
        {"teacher_id": "D", "school_id": "U1", "years_at_school": 5},
    ]
    problem = make_problem(SCHOOLS, teachers, NEEDS)
    cycle = tm.plan_cycle(problem, cycle_policy(years=2), time_limit=10)
    assert_checked(cycle)
    assert scheduled(cycle) == [("A", 1, "R1", "planned"), ("D", 2, "R1", "provisional")]
    m = cycle.mandatory.set_index("teacher_id")
    assert int(m.loc["D", "first_mandatory_year"]) == 2
    assert int(m.loc["D", "scheduled_year"]) == 2


def test_a_teacher_retiring_goes_in_her_last_year_and_leaves():
    """E (54, F, retires at 55) is due in year 1; she has left the roster in year 2."""
    teachers = [{"teacher_id": "A", "school_id": "U1"}, {"teacher_id": "E", "school_id": "U1", "age": 54}]
    problem = make_problem(SCHOOLS, teachers, NEEDS)
    cycle = tm.plan_cycle(problem, cycle_policy(years=2), time_limit=10)
    assert_checked(cycle)
    assert cycle.policies[0].rule("cycle_obligation").cycle_due == ["E"]
    assert scheduled(cycle) == [("E", 1, "R1", "planned"), ("A", 2, "R1", "provisional")]
    assert list(cycle.problems[1].teachers["teacher_id"]) == ["A"]


def test_a_pin_is_honoured_in_year_one():
    problem = make_problem(SCHOOLS, THREE, NEEDS)
    cycle = tm.plan_cycle(problem, cycle_policy(), pins={"C": "R1"}, time_limit=10)
    assert_checked(cycle)
    assert [(t, y) for t, y, *_ in scheduled(cycle)] == [("C", 1), ("A", 2), ("B", 3)]


def test_a_pin_against_a_hard_rule_gives_the_diagnosis():
    """C pinned to R2, which needs no math teacher: year 1 has no plan and the diagnosis names the pin."""
    problem = make_problem(SCHOOLS, THREE, NEEDS)
    cycle = tm.plan_cycle(problem, cycle_policy(), pins={"C": "R2"}, time_limit=10)
    assert [p.status for p in cycle.plans] == ["INFEASIBLE"]
    assert "teacher=C,school=R2,pin" in set(cycle.plans[0].diagnosis["key"])
    assert not cycle.complete
    assert "year 1 has no plan" in cycle.summary()
    assert cycle.schedule.empty


def test_a_mandatory_teacher_who_cannot_go_is_diagnosed():
    """Nobody needs music: M's last chance is year 1 of a 1-year cycle and the diagnosis says why not."""
    teachers = [{"teacher_id": "M", "school_id": "U1", "subject": "music"}]
    problem = make_problem(SCHOOLS, teachers, NEEDS)
    cycle = tm.plan_cycle(problem, cycle_policy(years=1), time_limit=10)
    d = cycle.plans[0].diagnosis.set_index("key")
    assert d.loc["teacher=M,due", "sentence_en"] == (
        "M is mandatory and this is their last year to rotate within the 1-year cycle; no school within the "
        "rules can take them"
    )


def test_replanning_keeps_last_years_schedule():
    """A year on, year 1's moves are exchange history and the provisional schedule is kept."""
    problem = make_problem(SCHOOLS, THREE, NEEDS)
    first = tm.plan_cycle(problem, cycle_policy(), pins={"C": "R1"}, time_limit=10)
    assert [(t, y) for t, y, *_ in scheduled(first)] == [("C", 1), ("A", 2), ("B", 3)]
    later = problem.at("2026-08-31")
    # the provisional schedule as the bureau amended it: B in 2026, A in 2027 (A is nearer: cheaper first)
    swap = {2025: 2025, 2026: 2027, 2027: 2026}
    amended = first.schedule.assign(plan_year=first.schedule["plan_year"].map(swap))
    kw = {"exchanges": first.exchanges(1), "previous": amended, "time_limit": 10}
    again = tm.plan_cycle(later, cycle_policy(years=2, schedule_change=100), **kw)
    assert_checked(again)
    assert [(t, y) for t, y, *_ in scheduled(again)] == [("B", 1), ("A", 2)]
    assert list(again.schedule["plan_year"]) == [2026, 2027]
    assert again.policies[0].rule("cycle_obligation").cycle_fixed == ["C"]
    # without the weight, the cheaper order wins
    free = tm.plan_cycle(later, cycle_policy(years=2), **kw)
    assert [(t, y) for t, y, *_ in scheduled(free)] == [("A", 1), ("B", 2)]


def test_arguments_are_refused_with_their_reason():
    problem = make_problem(SCHOOLS, [{"teacher_id": "A", "school_id": "U1"}], NEEDS)
    with pytest.raises(tm.PolicyError, match="states no rotation cycle"):
        tm.plan_cycle(problem, make_policy())
    with pytest.raises(tm.InputError, match="not on the roster"):
        tm.plan_cycle(problem, cycle_policy(), pins={"Z": "R1"})
    with pytest.raises(tm.InputError, match="not in the schools table"):
        tm.plan_cycle(problem, cycle_policy(), pins={"A": "S9"})
    with pytest.raises(tm.InputError, match="from 1 to 20"):
        tm.plan_cycle(problem, cycle_policy(), years=0)
    assert isinstance(tm.plan_cycle(problem, cycle_policy(years=1), time_limit=5).schedule, pd.DataFrame)


def test_the_problems_exchange_history_is_read_every_year():
    """X serves at R1 until 2026-08-31: away in year 1, home in year 2, when X's post re-opens.

    Away, X counts at R1 and is not movable; the post X leaves re-opens beside R1's declared one.
    """
    teachers = [*THREE[:2], {"teacher_id": "X", "school_id": "U1"}]
    history = pd.DataFrame({"teacher_id": ["X"], "from_school_id": ["U1"], "to_school_id": ["R1"],
                            "mode": ["rotation"], "start_date": ["2024-09-01"], "term_years": [2],
                            "relation_moved": [False]})
    problem = make_problem(SCHOOLS, teachers, NEEDS, exchanges=history)
    cycle = tm.plan_cycle(problem, cycle_policy(years=2), time_limit=10)
    assert_checked(cycle)
    assert scheduled(cycle) == [("A", 1, "R1", "planned"), ("B", 2, "R1", "provisional")]
    y1, y2 = (p.teachers.set_index("teacher_id") for p in cycle.problems)
    assert y1.loc["X", "school_id"] == "R1"
    assert y2.loc["X", "school_id"] == "U1"
    assert [p.rule("cycle_obligation").cycle_fixed for p in cycle.policies] == [["X"], ["A", "X"]]
    assert [int(p.needs["count"].sum()) for p in cycle.problems] == [1, 2]


def test_a_first_year_floor_rotates_that_many_in_year_one():
    """``min_rotated_first_year = 2`` (本学年不少于 N 人): two go in year 1, then the cycle's pace."""
    problem = make_problem(SCHOOLS, THREE, [("R1", "math", 1), ("R2", "math", 1)])
    # a post is worth less than its commute: without the floor nobody would go
    pol = cycle_policy(years=2, all_mandatory_within_cycle=False, min_rotated_first_year=2, unmet_need=1)
    cycle = tm.plan_cycle(problem, pol, time_limit=10)
    assert_checked(cycle)
    assert cycle.policies[0].rule("annual_target").min_rotated_total == 2
    assert cycle.policies[1].rule("annual_target").min_rotated_total is None
    assert [(t, y) for t, y, *_ in scheduled(cycle)] == [("A", 1), ("B", 1)]


def test_a_one_year_plan_states_the_term():
    """A one-year solve under a policy with a term gives each move its term, end date, return year, 公示."""
    problem = make_problem(SCHOOLS, THREE, NEEDS)
    plan = tm.solve(problem, cycle_policy(), time_limit=10)
    assert tm.check(problem, cycle_policy(), plan).empty
    a = plan.assignments.set_index("teacher_id")
    assert a.loc["A", "to_school_id"] == "R1"
    assert a.loc["A", "term_years"] == 1.0
    assert str(a.loc["A", "end_date"]) == "2026-08-31"
    assert a.loc["A", "return_year"] == 2026
    assert not a.loc["A", "relation_moved"]
    assert a.loc[["B", "C"], "term_years"].isna().all()
    assert plan.publicity()["交流期限"].tolist() == ["1 年（至 2026-08-31）"]
    # without a term the columns are not added
    assert "term_years" not in tm.solve(problem, make_policy(), time_limit=10).assignments.columns


def test_lookahead_brings_a_due_teacher_forward():
    """Year 2 of a 2-year cycle has one post and two due teachers: A, mandatory since year 1, goes in year 1.

    A lives 410 km from R1, so a first pass prefers sending E (eligible from 2 years) in year 1
    (non_mandatory_moved 50 + the priced pace 100 + deferring A 100 < 410); in year 2 both A and B (6 years at
    the school from year 2) are due for R1's one post, and the year has no plan. The lookahead makes A due in
    year 1 and plans again.
    """
    teachers = [
        {"teacher_id": "A", "school_id": "U1", "home_x": -400.0},
        {"teacher_id": "B", "school_id": "U1", "home_x": 9.0, "years_at_school": 5},
        {"teacher_id": "E", "school_id": "U1", "home_x": 9.5, "years_at_school": 2},
    ]
    problem = make_problem(SCHOOLS, teachers, NEEDS)
    policy = make_policy(eligibility={"min_years_eligible": 2}).with_(
        years=2, all_mandatory_within_cycle=True, term_years=1, cycle_pace_hard=False
    )
    first = tm.plan_cycle(problem, policy, time_limit=10, lookahead=0)
    assert [p.status for p in first.plans] == ["OPTIMAL", "INFEASIBLE"]
    assert scheduled(first) == [("E", 1, "R1", "planned")]
    cycle = tm.plan_cycle(problem, policy, time_limit=10)
    assert_checked(cycle)
    assert scheduled(cycle) == [("A", 1, "R1", "planned"), ("B", 2, "R1", "provisional")]
    assert cycle.complete
    assert cycle.policies[0].rule("cycle_obligation").cycle_due == ["A"]
    assert any("1 due teacher(s) brought forward to year 1" in n for n in cycle.notes)


def test_lookahead_keeps_the_pool_for_a_later_years_minimum():
    """A year's minimum that needs teachers left: the earlier years keep the pool for it.

    U1 must send at least one teacher every year (min_sent_avg_per_school = 1); A, B, C are its only movable
    teachers and R1 declares three math posts. A first pass fills every post in year 1 (unmet_need 1000 a
    post) and year 2 has nobody left to send: no plan. No teacher is due in year 2, so the lookahead keeps the
    pool instead: each earlier year rotates at most its even share, ⌈3 / 3⌉ = 1 in year 1 — the teacher living
    nearest R1 — and the cycle plans again: one a year, the nearest first.
    """
    problem = make_problem(SCHOOLS, THREE, [("R1", "math", 3)])
    policy = make_policy(rules={"min_sent_avg_per_school": 1}).with_(
        years=3, all_mandatory_within_cycle=True, term_years=1, cycle_pace_hard=False
    )
    first = tm.plan_cycle(problem, policy, time_limit=10, lookahead=0)
    assert [p.status for p in first.plans] == ["OPTIMAL", "INFEASIBLE"]
    assert [(t, y) for t, y, *_ in scheduled(first)] == [("A", 1), ("B", 1), ("C", 1)]
    cycle = tm.plan_cycle(problem, policy, time_limit=10)
    assert_checked(cycle)
    assert scheduled(cycle) == [
        ("A", 1, "R1", "planned"),
        ("B", 2, "R1", "provisional"),
        ("C", 3, "R1", "provisional"),
    ]
    assert cycle.complete
    assert [p.rule("cycle_obligation").cycle_pool_max for p in cycle.policies] == [1, 1, None]
    assert any("year(s) 1, 2 rotate at most their even share of the pool" in n for n in cycle.notes)


def test_the_kept_pool_is_checked():
    """A plan that rotates more of the pool than the year keeps is a violation of the checker."""
    problem = make_problem(SCHOOLS, THREE, [("R1", "math", 3)])
    policy = cycle_policy(cycle_pool=["A", "B", "C"], cycle_pool_max=1)
    plan = tm.solve(problem, policy.with_(cycle_pool_max=None), time_limit=10)
    assert plan.assignments["moves"].sum() == 3
    found = tm.check(problem, policy, plan)
    assert list(found["rule"]) == ["cycle_obligation"]
    assert "3 of the cycle's mandatory teachers rotate this year > 1" in found["message"].iat[0]
    kept = tm.solve(problem, policy, time_limit=10)
    assert kept.assignments["moves"].sum() == 1
    assert tm.check(problem, policy, kept).empty


def test_a_kept_pool_against_a_due_teacher_is_diagnosed():
    """A year that keeps its whole pool (none go) while A is due has no plan; the diagnosis names both."""
    problem = make_problem(SCHOOLS, THREE, [("R1", "math", 3)])
    policy = cycle_policy(cycle_pool=["A", "B", "C"], cycle_pool_max=0, cycle_due=["A"])
    plan = tm.solve(problem, policy, time_limit=10)
    assert plan.status == "INFEASIBLE"
    d = plan.diagnosis.set_index("key")
    assert {"teacher=A,due", "pool_max"} <= set(d.index)
    assert d.loc["pool_max", "sentence_en"].startswith("at most 0 of the 3 mandatory teachers not yet")
    assert "cycle_pool_max 0 → 1" in d.loc["pool_max", "relaxation"]
