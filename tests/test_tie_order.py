"""The published tie order decides between equally good plans, and never against the objective.

Micro-rosters with exact expected plans (two schools on a line: ``U*`` urban senders, ``R*`` rural receivers;
teachers are 40-year-old mandatory math teachers unless a test says otherwise), each path the model takes
(classes of interchangeable teachers, teacher Booleans, independent parts, the flow reformulation of a
county), and a county on which no single swap of a stayer for a rotated teacher is both valid, equally good
and earlier in the order.
"""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import assert_valid, crafted, make_policy, make_problem, moves, solve

import teacher_match as tm
from teacher_match.check import _check_data
from teacher_match.rules import RULES, TERM_UNITS
from teacher_match.scaling import objective_units
from teacher_match.tie_order import TieOrder

SCHOOLS = [{"school_id": "U1", "x": 0.0}, {"school_id": "R1", "category": "rural", "x": 3.0}]


def _rotated(plan: tm.Plan) -> list[str]:
    return sorted(t for t, s in moves(plan).items() if s is not None)


def _tie(plan: tm.Plan) -> dict:
    return plan.solver_info["tie_order"]


def _solved(problem: tm.Problem, policy: tm.Policy, **kw) -> tm.Plan:
    plan = tm.solve(problem, policy, time_limit=20, workers=1, seed=0, **kw) if kw else solve(problem, policy)
    assert_valid(problem, policy, plan)
    assert plan.status == "OPTIMAL"
    return plan


@pytest.mark.parametrize("rows", [[("A", 9), ("B", 12)], [("B", 12), ("A", 9)]])
def test_more_years_at_the_school_rotates_whatever_the_row_order(rows):
    p = make_problem(SCHOOLS, [{"teacher_id": t, "school_id": "U1", "years_at_school": y} for t, y in rows],
                     [("R1", "math", 1)])
    plan = _solved(p, make_policy())
    assert moves(plan)["B"] == "R1"
    assert moves(plan)["A"] is None
    assert _tie(plan)["status"] == "OPTIMAL"
    assert _tie(plan)["keys"] == ["mandatory_first", "most_years_at_school_first", "teacher_id"]
    assert _tie(plan)["cost"] == 1  # B is first in the order


def test_a_policy_with_youngest_first_rotates_the_younger():
    teachers = [{"teacher_id": "A", "school_id": "U1", "years_at_school": 9, "age": 31},
                {"teacher_id": "B", "school_id": "U1", "years_at_school": 12, "age": 45}]
    p = make_problem(SCHOOLS, teachers, [("R1", "math", 1)])
    # the ordering principle itself has no weight: the tie order alone decides
    policy = make_policy(rules={"priority_keys": ["youngest_first"]}, objective={"priority_order": 0})
    plan = _solved(p, policy)
    assert _rotated(plan) == ["A"]
    assert _tie(plan)["keys"][0] == "youngest_first"
    # without the principle, more years decide
    assert _rotated(_solved(p, make_policy(objective={"priority_order": 0}))) == ["B"]


def test_the_order_never_trades_against_the_objective():
    # B (later in the order: fewer years) is 1 km from R1, A (first in the order) 3 km: B rotates
    schools = SCHOOLS + [{"school_id": "U2", "x": 2.0}]
    teachers = [{"teacher_id": "A", "school_id": "U1", "years_at_school": 20},
                {"teacher_id": "B", "school_id": "U2", "years_at_school": 7}]
    p = make_problem(schools, teachers, [("R1", "math", 1)])
    plan = _solved(p, make_policy())
    assert _rotated(plan) == ["B"]
    assert plan.objective == pytest.approx(1.0)
    assert _tie(plan)["cost"] == 2  # B is second in the order


def test_a_class_of_interchangeable_teachers_sends_its_earliest_members():
    years = {"T1": 7, "T2": 15, "T3": 9, "T4": 12, "T5": 20}
    for ids in (list(years), list(reversed(years))):
        p = make_problem(SCHOOLS, [{"teacher_id": t, "school_id": "U1", "years_at_school": years[t]}
                                   for t in ids], [("R1", "math", 2)])
        for tie_break in (True, False):
            plan = _solved(p, make_policy(), tie_break=tie_break)
            assert plan.solver_info["aggregated"] is True
            # one class: the members first in the order go, whether the tie stage ran or not
            assert _rotated(plan) == ["T2", "T5"], (ids, tie_break)
            assert _tie(plan)["status"] == ("OPTIMAL" if tie_break else "skipped")


@pytest.mark.parametrize("backbone_years", [(10, 14), (14, 10)])
def test_classes_of_one_school_are_ordered_by_the_stage(backbone_years):
    # a backbone and an ordinary teacher are two classes (the backbone rules tell them apart) that cost the
    # same: the tie stage, not the disaggregation, decides between them
    yb, yo = backbone_years
    teachers = [{"teacher_id": "BB", "school_id": "U1", "years_at_school": yb, "backbone": True},
                {"teacher_id": "OR", "school_id": "U1", "years_at_school": yo, "backbone": False}]
    p = make_problem(SCHOOLS, teachers, [("R1", "math", 1)])
    plan = _solved(p, make_policy())
    assert _rotated(plan) == (["OR"] if yo > yb else ["BB"])


@pytest.mark.parametrize("aggregate", [True, False])
def test_teacher_level_models_follow_the_order(aggregate):
    # homes on the roster: every teacher is their own class; both homes are 2 km from R1
    teachers = [{"teacher_id": "A", "school_id": "U1", "years_at_school": 9, "home_x": 1.0},
                {"teacher_id": "B", "school_id": "U1", "years_at_school": 12, "home_x": 5.0},
                {"teacher_id": "C", "school_id": "U1", "years_at_school": 20, "home_x": 9.0}]
    p = make_problem(SCHOOLS, teachers, [("R1", "math", 1)])
    plan = _solved(p, make_policy(), aggregate=aggregate)
    assert plan.solver_info["aggregated"] is False
    assert _rotated(plan) == ["B"]  # C, first in the order, lives 6 km away
    assert _tie(plan)["cost"] == 2


def test_each_independent_part_follows_the_order():
    # two clusters 100 km apart under a 10 km commute cap: two parts, each decided by the order
    schools = SCHOOLS + [{"school_id": "U2", "x": 100.0},
                         {"school_id": "R2", "category": "rural", "x": 103.0}]
    teachers = [{"teacher_id": "A", "school_id": "U1", "years_at_school": 9},
                {"teacher_id": "B", "school_id": "U1", "years_at_school": 12, "backbone": True},
                {"teacher_id": "C", "school_id": "U2", "years_at_school": 15, "backbone": True},
                {"teacher_id": "D", "school_id": "U2", "years_at_school": 11}]
    p = make_problem(schools, teachers, [("R1", "math", 1), ("R2", "math", 1)])
    plan = _solved(p, make_policy(flows={"max_commute_km": 10}))
    assert plan.solver_info["parts"] == 2
    assert _rotated(plan) == ["B", "C"]
    assert _tie(plan)["status"] == "OPTIMAL"


def test_the_order_is_printed_in_the_summary_the_publicity_sheet_and_the_report(tmp_path):
    teachers = [{"teacher_id": "A", "school_id": "U1"}, {"teacher_id": "B", "school_id": "U1"}]
    p = make_problem(SCHOOLS, teachers, [("R1", "math", 1)])
    policy = make_policy()
    plan = _solved(p, policy)
    en, zh = TieOrder.of(p.teachers, p.schools).describe()
    assert (en, zh) == plan.tie_order_words()
    summary = plan.summary()
    assert en in summary
    assert zh in summary
    assert "tie order                          proven, cost 1" in summary
    plan.to_excel(tmp_path / "plan.xlsx")
    sheet = pd.read_excel(tmp_path / "plan.xlsx", sheet_name="公示名单", header=None)
    assert sheet[0].tolist()[-2:] == ["四、说明", zh]
    from teacher_match.report import render_html

    page = render_html(tmp_path / "plan.xlsx")
    assert f"<p>{zh}</p>" in page
    # a plan solved without the stage says so
    off = tm.solve(p, policy, time_limit=10, tie_break=False)
    assert _tie(off)["status"] == "skipped"
    assert "tie order                          not searched" in off.summary()


def test_tie_break_must_be_a_bool():
    p = make_problem(SCHOOLS, [{"teacher_id": "A", "school_id": "U1"}], [("R1", "math", 1)])
    with pytest.raises(tm.InputError, match="tie_break must be True or False"):
        tm.solve(p, make_policy(), tie_break="yes")


def _assignment_table(plan: tm.Plan) -> pd.DataFrame:
    return plan.assignments[["teacher_id", "to_school_id", "moves"]].reset_index(drop=True)


def test_the_same_plan_twice_and_the_same_teachers_with_one_or_two_workers():
    county, policy = tm.make_county(400, seed=5), tm.load_policy("default")
    plans = [tm.solve(county, policy, time_limit=60, workers=w, seed=0) for w in (1, 1, 2)]
    for plan in plans:
        assert tm.check(county, policy, plan).empty
        assert plan.status == "OPTIMAL"
        assert _tie(plan)["status"] == "OPTIMAL"
    pd.testing.assert_frame_equal(_assignment_table(plans[0]), _assignment_table(plans[1]))
    # the order decides who rotates; where each goes is not part of it: on this county three English
    # teachers' destinations permute at the same total commute (38.6 km) with two workers
    assert _rotated(plans[0]) == _rotated(plans[2])
    assert _tie(plans[0])["cost"] == _tie(plans[2])["cost"]
    assert plans[0].objective == plans[2].objective


def _objective_units(problem: tm.Problem, policy: tm.Policy, plan: tm.Plan, table: pd.DataFrame) -> int:
    """The objective of an assignments table, in integer units, as the checker recomputes a plan's."""
    chk, _ = _check_data(problem, policy, table)
    values: dict[str, int] = {}
    for m in RULES:
        if m.term_values is not None:
            values.update(m.term_values(chk, policy.rule(m.RULE_ID)))
    weights = plan.objective_breakdown.set_index("term")["weight"].to_dict()
    return objective_units(weights, values, {k: TERM_UNITS[k][0] for k in values})


@pytest.mark.parametrize("seed", [0, 4])
def test_no_single_swap_is_valid_equally_good_and_earlier_in_the_order(seed):
    # seeds 0 and 4: counties where some stayer could replace a rotated teacher at the same objective
    county, policy = tm.make_county(150, seed=seed), tm.load_policy("default")
    plan = tm.solve(county, policy, time_limit=60, workers=1, seed=0)
    assert tm.check(county, policy, plan).empty
    assert plan.status == "OPTIMAL"
    assert _tie(plan)["status"] == "OPTIMAL"
    best = _objective_units(county, policy, plan, plan.assignments)
    assert best == round(plan.objective * 1000)
    elig = tm.eligibility(county, policy)
    order = TieOrder.of(county.teachers, county.schools, policy.rule("priority").priority_keys,
                        elig["status"].to_numpy())
    pos = dict(zip(county.teachers["teacher_id"], order.position, strict=True))
    dest = {t: s for t, s in moves(plan).items() if s is not None}
    subject = dict(zip(county.teachers["teacher_id"], county.teachers["subject"], strict=True))
    movable = set(county.teachers["teacher_id"][elig["status"].isin(["mandatory", "eligible"]).to_numpy()])
    ties = 0
    for i in sorted(movable - set(dest)):
        for t, s in dest.items():
            if subject[i] != subject[t]:
                continue  # (i could not take T's post)
            table = crafted(county, policy, {**{k: v for k, v in dest.items() if k != t}, i: s})
            if not tm.check(county, policy, table).empty:
                continue
            value = _objective_units(county, policy, plan, table)
            assert value >= best
            if value == best:
                ties += 1
                assert pos[t] < pos[i], f"rotating {i} instead of {t} is as good, and {i} comes first"
    assert ties, "no equally good swap on this county: the test would prove nothing"
