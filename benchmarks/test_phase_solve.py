"""Phase 3 — solve: teacher_match and the three baselines on the same roster; every plan must be valid."""

from __future__ import annotations

import numpy as np
import pytest

import teacher_match as tm
from teacher_match.model.objective import weighted_expr
from teacher_match.scaling import OBJ_SCALE

from . import methods
from .baselines import evaluate, greedy, mip_export, naive
from .scenarios import instance

TIME_LIMIT = 20.0


def test_solve_teacher_match(benchmark, size, scenario, policy):
    problem = instance(size)
    plan = benchmark(tm.solve, problem, policy, time_limit=TIME_LIMIT)
    assert plan.status in ("OPTIMAL", "FEASIBLE")
    assert tm.check(problem, policy, plan).empty


def test_solve_greedy(benchmark, size, scenario, policy):
    problem = instance(size)
    ctx = tm.build_model(problem, policy)
    chosen = benchmark(greedy.greedy_choice, ctx)
    plan = evaluate.plan_from_choice(ctx, chosen, tm.Objective.from_policy(policy), "FEASIBLE", bound=None,
                                     solve_s=0.0, build_s=0.0, info={})
    assert chosen.any()
    assert tm.check(problem, policy, plan).empty  # the greedy must produce a valid plan


def test_solve_naive(benchmark, size, scenario, policy):
    problem = instance(size)
    objective = tm.Objective.from_policy(policy)
    nm = naive.build_naive(problem, policy, objective.weights)
    res = benchmark(naive.solve_naive, nm, TIME_LIMIT)
    assert res["status"] in ("OPTIMAL", "FEASIBLE")
    ctx = tm.build_model(problem, policy)
    mask, outside = methods.map_pairs(ctx, nm.t[res["chosen"]], nm.s[res["chosen"]])
    assert outside == 0  # the naive model never picks a pair the rules forbid
    plan = evaluate.plan_from_choice(ctx, mask, objective, res["status"], bound=res["bound"], solve_s=0.0,
                                     build_s=0.0, info={})
    assert tm.check(problem, policy, plan).empty
    # same terms, weights and units: the naive solver's objective is the plan's
    assert plan.objective == pytest.approx(res["objective"])


def test_export_is_identical_model(size, scenario, policy):
    """The MIP export has exactly the CP-SAT model's variables and constraints, and prices plans alike."""
    problem = instance(size)
    ctx = tm.build_model(problem, policy)
    ctx.model.minimize(weighted_expr(ctx, tm.Objective.from_policy(policy).weights))
    mip = mip_export.from_cp_model(ctx.model)
    assert mip.n_cols == len(ctx.model.proto.variables)
    assert mip.n_rows == len(ctx.model.proto.constraints)
    plan = tm.solve(problem, policy, time_limit=TIME_LIMIT)
    chosen = plan.assignments["moves"].to_numpy()
    values = evaluate.priced_values(ctx, _mask(ctx, plan))
    assert values is not None
    assert chosen.sum() == values[[v.index for v in ctx.x]].sum()
    # the exported MIP, evaluated at CP-SAT's solution, satisfies every row and has CP-SAT's objective
    v = values.astype(float)
    rows = np.add.reduceat(mip.value * v[mip.index], mip.start[:-1]) if mip.n_rows else np.zeros(0)
    empty = np.diff(mip.start) == 0
    rows[empty] = 0.0
    assert np.all(rows >= mip.row_lo - 1e-9)
    assert np.all(rows <= mip.row_hi + 1e-9)
    assert (mip.cost @ v + mip.offset) * mip.scaling / OBJ_SCALE == pytest.approx(plan.objective)


def _mask(ctx, plan):
    to = plan.assignments["to_school_id"].to_numpy()
    sid = ctx.schools["school_id"].to_numpy()
    rows = ctx.model_pairs
    return np.array([to[t] == sid[s] for t, s in zip(rows["t"], rows["s"], strict=True)], dtype=bool)


def test_methods_side_by_side(size, scenario, tmp_path):
    """What the report runs: each method on one stored instance; HiGHS (own process) matches CP-SAT."""
    tm.write_problem(instance(size), tmp_path, fmt="parquet")
    res = {m: methods.run(m, tmp_path, scenario, TIME_LIMIT) for m in methods.METHODS}
    assert all(r["violations"] == 0 for r in res.values()), {m: r["violation_rules"] for m, r in res.items()}
    tm_res, hi = res["teacher_match"], res["highs"]
    assert hi["variables"] == tm_res["variables"]
    assert hi["constraints"] == tm_res["constraints"]
    if tm_res["status"] == hi["status"] == "OPTIMAL":
        assert hi["objective"] == pytest.approx(tm_res["objective"])
        assert hi["solver_objective"] == pytest.approx(tm_res["objective"])
    assert res["greedy"]["objective"] >= tm_res["bound"] - 1e-6


def test_highs_gets_the_reformulated_model_and_its_plan_maps_back(tmp_path):
    """Where solve() reformulates (destination flows), HiGHS gets that model.

    Its plan maps back and checks.
    """
    problem = tm.make_county(1000, seed=0)
    tm.write_problem(problem, tmp_path, fmt="parquet")
    hi = methods.run("highs", tmp_path, "default", TIME_LIMIT)
    tm_res = methods.run("teacher_match", tmp_path, "default", TIME_LIMIT)
    assert tm_res["variables"] < tm_res["model_variables"]  # the reformulation took place
    assert hi["variables"] == tm_res["variables"]
    assert hi["constraints"] == tm_res["constraints"]
    assert hi["violations"] == tm_res["violations"] == 0
    assert hi["status"] == tm_res["status"] == "OPTIMAL"
    assert hi["objective"] == pytest.approx(tm_res["objective"])
