"""Exact aggregation of interchangeable teachers: same optimum as the one-Boolean-per-pair model."""

from __future__ import annotations

import types

import numpy as np
import pandas as pd
import pytest

import teacher_match as tm
from teacher_match.model.aggregation import aggregate_pairs, disaggregate, teacher_classes
from teacher_match.rules import RULES


@pytest.mark.parametrize(("n", "seed", "policy_id", "changes"), [
    (400, 1, "default", {}),
    (500, 2, "default", {"backbone_min_share": 0.34, "leadership_max_share": 0.5,
                         "min_rotation_hard": False}),
    (500, 3, "default", {"keep_per_subject": 2, "weak_school_min_backbone": 1}),
    (600, 4, "xiamen-proposals", {"balance_max_share": 0.7}),
    (600, 5, "dongcheng-school-plan", {}),
])
def test_aggregated_and_full_models_have_the_same_optimum(n, seed, policy_id, changes):
    problem = tm.make_county(n, seed=seed)
    policy = tm.load_policy(policy_id).with_(**changes)
    full = tm.solve(problem, policy, time_limit=60, aggregate=False)
    agg = tm.solve(problem, policy, time_limit=60, aggregate=True)
    assert full.status == agg.status == "OPTIMAL"
    assert agg.objective == pytest.approx(full.objective, abs=1e-9)
    assert tm.check(problem, policy, agg).empty
    assert tm.check(problem, policy, full).empty
    assert len(agg.assignments) == len(problem.teachers)


def test_aggregation_shrinks_the_model_without_home_locations():
    problem = tm.make_county(1500, seed=9)  # synthetic rosters carry no home locations
    policy = tm.load_policy("default")
    full = tm.build_model(problem, policy, aggregate=False)
    agg = tm.build_model(problem, policy, aggregate=True)
    assert len(agg.x) < 0.8 * len(full.x)
    assert agg.aggregated
    assert not full.aggregated
    # every class row stands for its whole class; the teacher-level pairs are kept
    assert len(agg.teacher_pairs) == len(full.model_pairs)
    assert int(agg.model_pairs["n"].max()) > 1
    plan_a = tm.solve(problem, policy, time_limit=60, aggregate=True)
    plan_f = tm.solve(problem, policy, time_limit=60, aggregate=False)
    assert plan_a.objective == pytest.approx(plan_f.objective, abs=1e-9)
    assert tm.check(problem, policy, plan_a).empty


def test_teachers_with_a_home_or_wishes_are_classes_of_one():
    base = tm.make_county(500, seed=2)
    t = base.teachers.copy()
    xy = base.schools.set_index("school_id").loc[t["school_id"], ["x", "y"]].to_numpy()
    rng = np.random.default_rng(0)
    home = rng.random(len(t)) < 0.3
    t["home_x"] = np.where(home, xy[:, 0] + 1.0, np.nan)
    t["home_y"] = np.where(home, xy[:, 1], np.nan)
    wish = ~home & (rng.random(len(t)) < 0.1)
    t["preferences"] = np.where(wish, base.schools["school_id"].iloc[-1], None)
    problem = tm.Problem.from_frames(t, base.schools, base.needs, reference_date=base.reference_date)
    policy = tm.load_policy("default")
    t = problem.teachers.assign(status=tm.eligibility(problem, policy)["status"].to_numpy())
    cls = teacher_classes(problem, t, policy, RULES)
    sizes = np.bincount(cls)
    assert (sizes[cls[home | wish]] == 1).all()
    assert sizes.max() > 1
    # classes never mix schools, subjects, backbone, roles or statuses
    key = t[["school_id", "subject", "backbone", "role", "status"]].astype(str).agg("|".join, axis=1)
    assert key.groupby(cls).nunique().max() == 1


def test_a_rule_that_reads_teachers_one_by_one_switches_aggregation_off():
    problem = tm.make_county(300, seed=1)
    policy = tm.load_policy("default")
    t = problem.teachers.assign(status="mandatory")
    # class_key None: the rule might read anything per teacher
    opaque = types.SimpleNamespace(RULE_ID="flows", class_key=lambda teachers, schools, rule: None)
    assert teacher_classes(problem, t, policy, [opaque]) is None


def test_disaggregation_is_deterministic_and_in_roster_order():
    # class 0 = teachers 0, 2, 5 (candidates S1 and S2), class 1 = teacher 3
    cls = np.array([0, 9, 0, 1, 9, 0])
    pairs = pd.DataFrame({"t": [0, 0, 2, 2, 5, 5, 3], "s": [1, 2, 1, 2, 1, 2, 2]})
    agg = aggregate_pairs(pairs, cls)
    assert list(zip(agg["c"], agg["s"], agg["n"], strict=True)) == [(0, 1, 3), (0, 2, 3), (1, 2, 1)]
    counts = np.array([1, 2, 1])  # one of class 0 to S1, two to S2, teacher 3 to S2
    movable = np.array([True, False, True, True, False, True])
    sent = disaggregate(agg, counts, cls, movable)
    assert list(zip(sent["t"], sent["s"], strict=True)) == [(0, 1), (2, 2), (3, 2), (5, 2)]
    with pytest.raises(AssertionError):
        disaggregate(agg, np.array([2, 2, 1]), cls, movable)  # class 0 has only three members
