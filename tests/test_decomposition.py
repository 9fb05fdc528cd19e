"""Exact decomposition into independent parts: same optimum as the whole model, bound of the whole model."""

from __future__ import annotations

import importlib
import os
import signal
import time

import numpy as np
import pandas as pd
import pytest
from ortools.sat.python import cp_model

import teacher_match as tm
from teacher_match.model import decomposition as components

solve_module = importlib.import_module("teacher_match.search")


def two_counties(n: int, seeds: tuple[int, int]) -> tm.Problem:
    """Two synthetic counties on one roster, with no road between them (so no teacher can reach the other)."""
    frames = {"teachers": [], "schools": [], "needs": [], "roads": []}
    for tag, seed in zip("AB", seeds, strict=True):
        p = tm.make_county(n, seed=seed)
        t = p.teachers.copy()
        t["teacher_id"] = tag + t["teacher_id"]
        t["school_id"] = tag + t["school_id"]
        s = p.schools.copy()
        for col in ("school_id", "central_school_id", "pair_id"):
            s[col] = s[col].where(s[col].isna(), tag + s[col].astype(str))
        s["x"] = s["x"] + (0 if tag == "A" else 10_000.0)
        nd = p.needs.copy()
        nd["school_id"] = tag + nd["school_id"]
        r = p.roads.copy()
        r["u"], r["v"] = tag + r["u"].astype(str), tag + r["v"].astype(str)
        for k, df in (("teachers", t), ("schools", s), ("needs", nd), ("roads", r)):
            frames[k].append(df)
    return tm.Problem.from_frames(*(pd.concat(frames[k], ignore_index=True)
                                    for k in ("teachers", "schools", "needs")),
                                  roads=pd.concat(frames["roads"], ignore_index=True),
                                  reference_date=p.reference_date)


@pytest.fixture(scope="module")
def twin() -> tm.Problem:
    return two_counties(400, (1, 2))


def _solve(problem, policy, decompose: bool, monkeypatch, **kw):
    monkeypatch.setattr(solve_module, "DECOMPOSE", decompose)
    return tm.solve(problem, policy, time_limit=60, **kw)


def test_two_counties_split_into_two_parts(twin):
    ctx = tm.build_model(twin, tm.load_policy("default"), aggregate=True)
    ctx.model.minimize(sum(ctx.x))
    parts = components.split(ctx.model.proto)
    assert parts is not None
    assert len(parts) >= 2
    # every variable in exactly one part
    seen = np.concatenate([p.variables for p in parts])
    assert sorted(seen.tolist()) == list(range(len(ctx.model.proto.variables)))
    # largest first, then by first variable
    assert [p.size for p in parts] == sorted((p.size for p in parts), reverse=True)


@pytest.mark.parametrize("workers", [1, 2])
def test_parts_give_the_optimum_of_the_whole_model(twin, monkeypatch, workers):
    policy = tm.load_policy("default")
    whole = _solve(twin, policy, False, monkeypatch)
    split = _solve(twin, policy, True, monkeypatch, workers=workers)
    assert whole.solver_info["parts"] == 1
    assert split.solver_info["parts"] >= 2
    assert whole.status == split.status == "OPTIMAL"
    assert split.objective == pytest.approx(whole.objective, abs=1e-9)
    # the bound is the whole model's: equal to the objective when every part is optimal
    assert split.bound == pytest.approx(split.objective, abs=1e-9)
    assert tm.check(twin, policy, split).empty
    assert len(split.assignments) == twin.n_teachers
    assert split.assignments["teacher_id"].is_unique


def test_parts_are_deterministic(twin):
    policy = tm.load_policy("default")
    a = tm.solve(twin, policy, time_limit=60)
    b = tm.solve(twin, policy, time_limit=60, workers=2)
    assert a.assignments.equals(b.assignments)


def test_a_county_wide_rule_links_the_parts(twin, monkeypatch):
    # a county-wide backbone share is one constraint over every pair: nothing to split
    policy = tm.load_policy("default").with_(backbone_scope="county")
    plan = _solve(twin, policy, True, monkeypatch)
    assert plan.solver_info["parts"] == 1
    assert plan.status == "OPTIMAL"
    assert tm.check(twin, policy, plan).empty


def test_an_infeasible_part_makes_the_plan_infeasible(twin, monkeypatch):
    policy = tm.load_policy("default").with_(min_rotation_hard=True, min_share_of_eligible=1.0)
    plan = _solve(twin, policy, True, monkeypatch)
    whole = _solve(twin, policy, False, monkeypatch)
    assert plan.status == whole.status == "INFEASIBLE"


def test_split_keeps_constants_negations_and_enforcement():
    m = cp_model.CpModel()
    a, b, c, d = (m.new_bool_var(n) for n in "abcd")
    e = m.new_int_var(0, 5, "e")
    m.add(a + b >= 1)
    m.add(c + e <= 4).only_enforce_if(d.Not())
    m.add_hint(a, 1)
    m.minimize(3 * a + 2 * b + c - e + 7)
    parts = components.split(m.proto)
    assert parts is not None
    assert [sorted(p.variables.tolist()) for p in parts] == [[2, 3, 4], [0, 1]]
    total = 0.0
    for p in parts:
        s = cp_model.CpSolver()
        s.parameters.catch_sigint_signal = False  # else CP-SAT keeps Ctrl-C for the rest of the session
        assert s.solve(p.model) == cp_model.OPTIMAL
        total += s.objective_value
    whole = cp_model.CpSolver()
    whole.parameters.catch_sigint_signal = False
    assert whole.solve(m) == cp_model.OPTIMAL
    assert total + m.proto.objective.offset == pytest.approx(whole.objective_value)
    # the hint follows its variable
    assert list(parts[1].model.proto.solution_hint.vars) == [0]


def test_a_model_with_one_component_is_not_split():
    m = cp_model.CpModel()
    x = [m.new_bool_var(f"x{i}") for i in range(4)]
    m.add(sum(x) <= 2)
    m.minimize(-sum(x))
    assert components.split(m.proto) is None


def test_progress_reports_the_whole_plan(twin, monkeypatch):
    policy = tm.load_policy("default")
    seen = []
    plan = _solve(twin, policy, True, monkeypatch, progress=seen.append)
    assert plan.status == "OPTIMAL"
    assert all(info["stage"].startswith("part ") for info in seen)
    totals = [info for info in seen if info["objective"] == info["objective"]]
    # the objective shown is the whole plan's, not a part's: the last one is the plan's objective
    assert totals
    assert totals[-1]["objective"] == pytest.approx(plan.objective, abs=1e-6)
    assert totals[-1]["bound"] == pytest.approx(plan.bound, abs=1e-6)


@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_keeps_a_plan_for_every_part(twin, monkeypatch, workers):
    policy = tm.load_policy("default")
    sent = []

    def on_progress(info):
        # the first plan of the first part: press Ctrl-C (other parts may have none yet)
        if not sent and info["stage"].startswith("part ") and info["elapsed"] >= 0:
            sent.append(info["stage"])
            os.kill(os.getpid(), signal.SIGINT)

    calls = []
    real = solve_module._first_plan
    monkeypatch.setattr(solve_module, "_first_plan", lambda *a: calls.append(1) or real(*a))
    plan = _solve(twin, policy, True, monkeypatch, workers=workers, progress=on_progress)
    assert sent
    if workers == 1:
        assert calls, "the parts after the interrupted one were not given a quick plan"
    assert plan.solver_info["interrupted"] is True
    assert plan.status in ("FEASIBLE", "OPTIMAL")
    assert len(plan.assignments) == twin.n_teachers
    assert tm.check(twin, policy, plan).empty
    assert plan.bound is not None
    assert plan.bound <= plan.objective + 1e-9


def test_a_part_out_of_time_still_gets_a_plan(twin, monkeypatch):
    # every part's own search ends without a plan (as a time-out before the first plan would): each part falls
    # back to a quick first plan, and the whole plan is still valid
    monkeypatch.setattr(solve_module, "DECOMPOSE", True)
    monkeypatch.setattr(solve_module, "_solve_whole",
                        lambda *a, **k: solve_module._Result(cp_model.UNKNOWN, None))
    calls = []
    real = solve_module._first_plan
    monkeypatch.setattr(solve_module, "_first_plan", lambda *a: calls.append(1) or real(*a))
    policy = tm.load_policy("default")
    # (without the tie stage, whose searches of the parts would fall back to first plans too)
    plan = tm.solve(twin, policy, time_limit=30, tie_break=False)
    assert len(calls) == plan.solver_info["parts"] >= 2
    assert plan.status == "FEASIBLE"
    assert tm.check(twin, policy, plan).empty
    assert plan.bound <= plan.objective + 1e-9


def test_time_left_over_goes_to_parts_not_yet_proven(twin):
    policy = tm.load_policy("default")
    ctx = tm.build_model(twin, policy, aggregate=True)
    ref, parts, target = solve_module._prepare(ctx, tm.Objective.from_policy(policy))
    assert parts is not None
    assert len(parts) >= 2
    one = solve_module.SolveParams(time_limit=30)
    # as if the first pass had stopped every part at a poor first plan
    results = {k: solve_module._first_plan(p.model, one, False) for k, p in enumerate(parts)}
    assert all(r.status == cp_model.FEASIBLE for r in results.values())
    before = {k: (r.objective, r.bound) for k, r in results.items()}
    order = list(range(len(parts)))

    def run(k, share):
        return solve_module._solve_whole(parts[k].model, one, 30 * share, None, f"part {k}")

    solve_module._second_pass(parts, order, results, time.perf_counter() + 60, run)
    for k, r in results.items():
        assert r.status == cp_model.OPTIMAL
        assert r.objective <= before[k][0]
        assert r.bound >= before[k][1]
        assert r.bound == pytest.approx(r.objective)
