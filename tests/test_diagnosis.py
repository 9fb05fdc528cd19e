"""Diagnosis: an infeasible micro-roster per hard rule.

The diagnosis names that rule, and each relaxation it suggests, applied, makes the instance feasible.
"""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import assert_valid, make_policy, make_problem, solve

import teacher_match as tm

U1 = {"school_id": "U1", "category": "urban", "x": 0.0}
R1 = {"school_id": "R1", "category": "rural", "x": 10.0}
R2 = {"school_id": "R2", "category": "rural", "x": 12.0}
#: every mandatory teacher of U1 must rotate
ALL_HARD = {"min_share_of_eligible": 1.0, "min_rotation_hard": True}


def _teachers(*ids, **extra):
    return [{"teacher_id": t, "school_id": "U1", **extra} for t in ids]


def _infeasible(problem, policy) -> tm.Plan:
    plan = solve(problem, policy)
    assert plan.status == "INFEASIBLE"
    assert_valid(problem, policy, plan)
    d = plan.diagnosis
    assert list(d.columns) == ["conflict", "rule", "key", "sentence_en", "sentence_zh", "relaxation"]
    assert d["sentence_en"].str.len().gt(0).all()
    assert d["sentence_zh"].str.len().gt(0).all()
    # every suggested relaxation, applied alone, restores a valid plan
    assert len(plan.relaxations), "a relaxation must be suggested"
    for r in plan.relaxations.itertuples(index=False):
        relaxed = policy.with_(**{r.parameter: r.value})
        fixed = solve(problem, relaxed)
        assert fixed.status == "OPTIMAL", r.sentence_en
        assert tm.check(problem, relaxed, fixed).empty
    return plan


def _named(plan) -> dict:
    """Rule -> list of (key, sentence_en) in the diagnosis."""
    out: dict = {}
    for r in plan.diagnosis.itertuples(index=False):
        out.setdefault(r.rule, []).append((r.key, r.sentence_en))
    return out


def _relax(plan) -> dict:
    return dict(zip(plan.relaxations["parameter"], plan.relaxations["value"], strict=False))


def test_min_rotation_without_any_destination():
    problem = make_problem([U1, R1], _teachers("A", "B", subject="music"), [("R1", "math", 1)])
    plan = _infeasible(problem, make_policy(rules=ALL_HARD))
    assert _named(plan) == {"min_rotation": [(
        "school=U1",
        "U1 must rotate at least 2 of its 2 mandatory teachers (100%, rounded up), but only 0 of "
        "them can be placed at a receiving school that needs their subject")]}
    assert plan.diagnosis["sentence_zh"].iat[0].startswith("U1 须交流至少 2 名应交流教师")
    assert _relax(plan) == {"min_share_of_eligible": 0.0, "min_rotation_hard": False}


def test_outflow_cap():
    problem = make_problem([U1, R1], _teachers("A", "B"), [("R1", "math", 2)])
    plan = _infeasible(problem, make_policy(rules={**ALL_HARD, "outflow_max_share": 0.5}))
    named = _named(plan)
    assert set(named) == {"min_rotation", "outflow_limit"}
    assert named["outflow_limit"] == [("school=U1",
                                       "U1 may send at most 1 teachers (0.5 × 2 staff, rounded down)")]
    assert _relax(plan)["outflow_max_share"] == 1.0
    assert _relax(plan)["min_share_of_eligible"] == 0.5
    # the per-instance relaxation of the count: at U1 alone, one rotation instead of two
    rel = plan.diagnosis.set_index("rule").at["min_rotation", "relaxation"]
    assert "at school=U1 alone: ≥ 1 instead of ≥ 2" in rel
    # and of the cap (an upper bound: read from the variables' upper bounds), two instead of one
    rel = plan.diagnosis.set_index("rule").at["outflow_limit", "relaxation"]
    assert "at school=U1 alone: ≤ 2 instead of ≤ 1" in rel


def test_keep_per_subject():
    problem = make_problem([U1, R1], _teachers("A", "B"), [("R1", "math", 2)])
    plan = _infeasible(problem, make_policy(rules={**ALL_HARD, "keep_per_subject": 1}))
    named = _named(plan)
    assert named["outflow_limit"] == [("school=U1,subject=math,keep",
                                       "U1 must keep 1 math teacher: it has 2, so it may send at most 1")]
    assert _relax(plan)["keep_per_subject"] == 0


def test_leadership_cap():
    teachers = [{"teacher_id": "P", "school_id": "U1", "role": "vice_principal"},
                {"teacher_id": "Q", "school_id": "U1", "role": "middle_leader"}]
    problem = make_problem([U1, R1], teachers, [("R1", "math", 2)])
    plan = _infeasible(problem, make_policy(rules={**ALL_HARD, "leadership_max_share": 0.5}))
    assert _named(plan)["leadership_cap"] == [
        ("school=U1", "U1 may send at most 1 of its 2 leadership-team members (50%, rounded down)")]
    assert _relax(plan)["leadership_max_share"] == 1.0


def test_backbone_share():
    problem = make_problem([U1, R1], _teachers("A", "B"), [("R1", "math", 2)])
    with pytest.warns(tm.InputWarning, match="no backbone teacher"):
        plan = _infeasible(problem, make_policy(rules={**ALL_HARD, "backbone_min_share": 0.2}))
    assert _named(plan)["backbone_ratio"] == [(
        "school=U1",
        "backbone teachers must be at least 20% of those U1 sends, and U1 has 0 backbone teacher(s) "
        "who can rotate")]
    assert "骨干教师须不少于 20%" in plan.diagnosis.set_index("rule").at["backbone_ratio", "sentence_zh"]
    assert _relax(plan)["backbone_min_share"] == 0.0


def test_weak_school_backbone_minimum():
    problem = make_problem([U1, {**R1, "strength": "weak"}], _teachers("A"), [("R1", "math", 1)])
    with pytest.warns(tm.InputWarning, match="no backbone teacher"):
        plan = _infeasible(problem, make_policy(rules={**ALL_HARD, "weak_school_min_backbone": 1}))
    keys = [k for k, _ in _named(plan)["backbone_ratio"]]
    assert "school=R1,weak_min" in keys
    assert _relax(plan)["weak_school_min_backbone"] == 0


def test_subject_need_count():
    problem = make_problem([U1, R1], _teachers("A", "B"), [("R1", "math", 1)])
    plan = _infeasible(problem, make_policy(rules=ALL_HARD))
    assert _named(plan)["subject_needs"] == [
        ("school=R1,subject=math",
         "R1 declared a need for 1 math teacher and receives no more (2 can reach it)")]


def test_single_assignment():
    # A could fill R1 or R2 but is one person; B (music) has nowhere to go
    teachers = _teachers("A") + _teachers("B", subject="music")
    problem = make_problem([U1, R1, R2], teachers, [("R1", "math", 1), ("R2", "math", 1)])
    plan = _infeasible(problem, make_policy(rules=ALL_HARD))
    assert _named(plan)["single_assignment"] == [("teacher=A",
                                                  "A rotates to at most one school (possible: R1, R2)")]
    # a teacher is one person: no "relax here" proposal for a rule that is a fact, not a policy choice
    rows = plan.diagnosis[plan.diagnosis["rule"].isin(["single_assignment", "subject_needs"])]
    assert not rows["relaxation"].str.contains("alone").any()
    assert "relax here: ≤ 2" not in plan.summary()


def test_commute_cap_keeps_the_moves_out():
    problem = make_problem([U1, {**R1, "x": 50.0}], _teachers("A"), [("R1", "math", 1)])
    plan = _infeasible(problem, make_policy(flows={"max_commute_km": 40}, rules=ALL_HARD))
    named = _named(plan)
    assert set(named) == {"min_rotation", "commute"}
    assert named["commute"][0][0] == "max_commute_km=40"
    assert _relax(plan)["max_commute_km"] == 50.0


def test_flows_keep_the_moves_out():
    problem = make_problem([U1, {**R1, "category": "town"}], _teachers("A"), [("R1", "math", 1)])
    plan = _infeasible(problem, make_policy(rules=ALL_HARD))
    assert "flows" in _named(plan)
    assert {"category": ["rural", "village", "town"]} in list(plan.relaxations["value"])


def test_independent_conflicts_are_all_listed():
    schools = [U1, {**U1, "school_id": "U2", "x": 1.0}, R1]
    teachers = (_teachers("A", "B", subject="music")
                + [{"teacher_id": "C", "school_id": "U2", "subject": "art"}])
    problem = make_problem(schools, teachers, [("R1", "math", 1)])
    plan = _infeasible(problem, make_policy(rules=ALL_HARD))
    assert sorted(plan.diagnosis["key"]) == ["school=U1", "school=U2"]
    assert sorted(plan.diagnosis["conflict"]) == [1, 2]


def test_strict_raises_with_the_table_and_reports_carry_it(tmp_path):
    problem = make_problem([U1, R1], _teachers("A", "B"), [("R1", "math", 2)])
    policy = make_policy(rules={**ALL_HARD, "outflow_max_share": 0.5})
    with pytest.raises(tm.InfeasibleError) as info:
        tm.solve(problem, policy, time_limit=10, strict=True)
    err = info.value
    assert set(err.diagnosis["rule"]) == {"min_rotation", "outflow_limit"}
    assert "outflow_max_share 0.5 → 1" in str(err)
    assert "U1 最多流出 1 人" in str(err)
    plan = err.plan
    assert "why no plan exists" in plan.summary()
    with pd.ExcelFile(plan.to_excel(tmp_path / "plan.xlsx")) as book:
        assert {"diagnosis", "relaxations"} <= set(book.sheet_names)


def test_feasible_instance_has_an_empty_diagnosis():
    problem = make_problem([U1, R1], _teachers("A"), [("R1", "math", 1)])
    policy = make_policy(rules=ALL_HARD)
    d = tm.diagnose(problem, policy, time_limit=10)
    assert d.conflicts.empty
    assert d.relaxations.empty
    assert d.complete
    plan = solve(problem, policy)
    assert plan.diagnosis is None
    assert_valid(problem, policy, plan)
