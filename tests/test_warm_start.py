"""Warm start: the restricted model's plan is a plan of the full model, and a hint the full solve accepts."""

from __future__ import annotations

import importlib

import numpy as np

import teacher_match as tm
from teacher_match.model.objective import weighted_expr
from teacher_match.model.warm_start import restricted_rows, warm_start
from teacher_match.objective import Objective
from teacher_match.plan import build_plan
from teacher_match.solving import _extract


def test_restricted_rows_keep_the_nearest_per_post_and_backbone():
    problem = tm.make_county(800, seed=4)
    policy = tm.load_policy("default")
    ctx = tm.build_model(problem, policy, aggregate=True)
    keep = restricted_rows(ctx.model_pairs, problem.needs, problem.school_index, per_post=1)
    assert 0 < len(keep) < len(ctx.model_pairs)
    kept = ctx.model_pairs.iloc[keep]
    # every need with candidates keeps its nearest candidate
    for (s, subject), rows in ctx.model_pairs.groupby(["s", "subject"]):
        assert rows["dkm"].min() in set(kept.loc[(kept["s"] == s) & (kept["subject"] == subject), "dkm"])


def test_warm_start_plan_is_valid_for_the_full_model():
    problem = tm.make_county(1500, seed=5)
    policy = tm.load_policy("default")
    objective = Objective.from_policy(policy)
    ctx = tm.build_model(problem, policy, aggregate=True)
    ctx.model.minimize(weighted_expr(ctx, objective.weights))
    values = warm_start(ctx, seconds=20, per_post=2)
    assert values is not None
    chosen, terms = _extract(ctx, values)
    plan = build_plan(problem, policy, ctx.elig, ctx.teacher_pairs, chosen, terms, objective, "FEASIBLE",
                      sending=ctx.sending, receiving=ctx.receiving, bound=None, wall_time_s=0.0,
                      build_time_s=0.0, solver_info={})
    assert plan.totals()["rotated"] > 0
    assert tm.check(problem, policy, plan).empty
    # the full optimum is never worse than the restricted plan
    best = tm.solve(problem, policy, time_limit=60)
    assert best.objective <= plan.objective + 1e-9
    assert np.isfinite(best.bound)


def test_solve_hints_the_warm_start_on_large_models(monkeypatch):
    solve_mod = importlib.import_module("teacher_match.search")
    problem = tm.make_county(1500, seed=5)
    policy = tm.load_policy("default")
    monkeypatch.setattr(solve_mod, "WARM_START_MIN_VARS", 0)
    plan = tm.solve(problem, policy, time_limit=60)
    assert plan.solver_info["warm_start"]["found"]
    assert plan.status == "OPTIMAL"
    assert tm.check(problem, policy, plan).empty
    monkeypatch.setattr(solve_mod, "WARM_START_MIN_VARS", 10**9)
    assert tm.solve(problem, policy, time_limit=60).objective == plan.objective
