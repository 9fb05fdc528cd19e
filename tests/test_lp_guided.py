"""The LP-guided search.

The LP relaxation's arrays and optimum, the restricted model, and solve's use of it.
"""

from __future__ import annotations

import importlib
import time

import numpy as np
import pandas as pd
import pytest
from ortools.sat.python import cp_model
from test_decomposition import two_counties

import teacher_match as tm
from teacher_match.model.linear import linear_arrays, solve_lp
from teacher_match.model.lp_guided import KEEP_SHARE, GuidedPlan, GuidedSearch, restrict

SOLVE = importlib.import_module("teacher_match.search")


@pytest.fixture(scope="module")
def searched(county3000, policy):
    """The model solve() searches on the county (reformulated, with its objective)."""
    ctx = tm.build_model(county3000, policy, aggregate=True)
    _, _, target = SOLVE._prepare(ctx, tm.Objective.from_policy(policy))
    return target


@pytest.fixture
def guided_always(monkeypatch):
    """The LP-guided search beside every one-worker search from its start, whatever the model's size."""
    monkeypatch.setattr(SOLVE, "GUIDE_MIN_VARS", 0)
    monkeypatch.setattr(SOLVE, "GUIDE_AFTER_SHARE", 0.0)


def _search(model: cp_model.CpModel) -> cp_model.CpSolver:
    """solve()'s own search on a model, to optimality."""
    s = SOLVE._solver(SOLVE.SolveParams(), 120)
    assert s.solve(model) == cp_model.OPTIMAL
    return s


def _as_plan_of(model: cp_model.CpModel, values) -> int:
    """The objective of ``values`` in ``model``.

    Asserts that every constraint of the model holds for them.
    """
    probe = model.clone()
    for j, val in enumerate(values):
        probe.proto.variables[j].domain[0] = val
        probe.proto.variables[j].domain[1] = val
    check = cp_model.CpSolver()
    assert check.solve(probe) == cp_model.OPTIMAL
    return round(check.objective_value)


@pytest.fixture(scope="module")
def optimum(searched) -> int:
    """The searched model's optimum (model units)."""
    return int(round(_search(searched).objective_value))


def test_lp_relaxation_is_feasible_optimal_and_below_the_optimum(searched, optimum):
    lp = linear_arrays(searched.proto)
    assert (lp.n_cols, lp.n_rows) == (len(searched.proto.variables), len(searched.proto.constraints))
    sol = solve_lp(lp)
    assert sol is not None
    v, rc = sol.values, sol.reduced_costs
    tol = 1e-6 * max(1.0, np.abs(lp.cost).max())
    # primal feasible: bounds and rows
    assert np.all(v >= lp.col_lo - 1e-7)
    assert np.all(v <= lp.col_hi + 1e-7)
    rows = np.add.reduceat(lp.value * v[lp.index], lp.start[:-1])
    rows[np.diff(lp.start) == 0] = 0.0
    assert np.all(rows >= lp.row_lo - 1e-6)
    assert np.all(rows <= lp.row_hi + 1e-6)
    # optimal: a column strictly inside its bounds prices at zero, one at its lower (upper) bound at ≥ 0 (≤ 0)
    inside = (v > lp.col_lo + 1e-7) & (v < lp.col_hi - 1e-7)
    assert np.all(np.abs(rc[inside]) <= tol)
    assert np.all(rc[v <= lp.col_lo + 1e-7] >= -tol)
    assert np.all(rc[v >= lp.col_hi - 1e-7] <= tol)
    assert sol.objective == pytest.approx(float(lp.cost @ v) + lp.offset)
    # a relaxation: at most the integer optimum, and close to it on this model (nearly integral)
    opt = optimum
    assert sol.objective <= opt + 1e-6
    assert sol.objective >= opt - 0.01 * abs(opt)


def test_restricted_model_fixes_only_priced_out_columns_at_their_lower_bound(searched, optimum):
    restricted, info = restrict(searched)
    full, small = searched.proto.variables, restricted.proto.variables
    fixed = [j for j in range(len(full)) if list(small[j].domain) != list(full[j].domain)]
    assert info["columns"] == len(full)
    assert info["kept"] == len(full) - len(fixed) >= KEEP_SHARE * len(full)
    assert fixed, "a restricted model must restrict something"
    for j in fixed:
        assert list(small[j].domain) == [full[j].domain[0], full[j].domain[0]]
    # the full model is untouched, and the restricted optimum is a plan of it, no better than its optimum
    s = _search(restricted)
    values = list(s.response_proto.solution)
    for j, var in enumerate(full):
        assert var.domain[0] <= values[j] <= var.domain[1]
    assert _as_plan_of(searched, values) == round(s.objective_value) >= optimum
    assert info["lp_bound"] <= optimum + 1e-6


def test_restrict_refuses_what_is_not_a_linear_program():
    m = cp_model.CpModel()
    a, b = m.new_bool_var("a"), m.new_bool_var("b")
    m.add(a + b <= 1).only_enforce_if(a)
    m.minimize(-a - b)
    assert restrict(m) is None
    with pytest.raises(ValueError, match="enforcement literal"):
        linear_arrays(m.proto)


def test_guided_search_alone_finds_a_plan_of_the_full_model(searched, optimum):
    out = GuidedSearch(searched, SOLVE._solver(SOLVE.SolveParams(), 60)).result()
    assert out.objective is not None
    assert out.info["status"] in ("OPTIMAL", "FEASIBLE")
    assert _as_plan_of(searched, out.values.tolist()) == out.objective >= optimum
    assert out.info["lp_bound"] <= out.objective


def test_a_guided_search_stopped_during_its_delay_never_starts(searched):
    t0 = time.perf_counter()
    search = GuidedSearch(searched, SOLVE._solver(SOLVE.SolveParams(), 60), delay=60.0)
    search.stop()
    out = search.result()
    assert time.perf_counter() - t0 < 5.0
    assert out.objective is None
    assert out.values is None
    assert out.info["status"] == "NOT_RUN"


def test_guided_solve_is_optimal_checked_and_equal_to_the_plain_search(county3000, policy, guided_always,
                                                                       monkeypatch):
    plan = tm.solve(county3000, policy, time_limit=60)
    assert plan.status == "OPTIMAL"
    assert tm.check(county3000, policy, plan).empty
    assert plan.bound == pytest.approx(plan.objective, abs=1e-6)
    (info,) = plan.solver_info["lp_guided"]
    assert {"status", "seconds"} <= set(info)
    assert not info.get("used")  # proven: the search's own plan
    monkeypatch.setattr(SOLVE, "GUIDE", False)
    plain = tm.solve(county3000, policy, time_limit=60)
    assert plain.solver_info["lp_guided"] == []
    assert plain.status == "OPTIMAL"
    assert plain.objective == pytest.approx(plan.objective, abs=1e-6)
    pd.testing.assert_frame_equal(plain.assignments, plan.assignments)  # the same proven plan


def test_no_guided_search_within_its_delay(county3000, policy, monkeypatch):
    monkeypatch.setattr(SOLVE, "GUIDE_MIN_VARS", 0)
    plan = tm.solve(county3000, policy, time_limit=60)  # proven in seconds: within half its time
    assert plan.status == "OPTIMAL"
    assert [i["status"] for i in plan.solver_info["lp_guided"]] == ["NOT_RUN"]


def test_guided_solve_is_deterministic(county3000, policy, guided_always):
    p1 = tm.solve(county3000, policy, time_limit=60, seed=3)
    p2 = tm.solve(county3000, policy, time_limit=60, seed=3)
    pd.testing.assert_frame_equal(p1.assignments, p2.assignments)
    assert p1.objective == p2.objective


def test_no_guided_search_beside_several_workers(county3000, policy, guided_always):
    plan = tm.solve(county3000, policy, time_limit=60, workers=2)
    assert plan.solver_info["lp_guided"] == []
    assert tm.check(county3000, policy, plan).empty


def test_guided_search_beside_each_part_of_a_decomposed_model(policy, guided_always):
    twin = two_counties(600, (1, 2))
    plan = tm.solve(twin, policy, time_limit=60)
    assert plan.status == "OPTIMAL"
    assert tm.check(twin, policy, plan).empty
    assert plan.solver_info["parts"] >= 2
    (info,) = plan.solver_info["lp_guided"]
    assert len(info["parts"]) == plan.solver_info["parts"]  # one guided search per part
    # each says how it ended (searches the full one outran are stopped: UNKNOWN, or NOT_RUN before their LP)
    assert all({"status", "seconds"} <= set(p) for p in info["parts"])
    assert not any(p.get("used") for p in info["parts"])  # every part proven: its own plan stays


def test_timed_out_guided_solve_still_returns_a_valid_plan(policy, guided_always):
    # this county has a first plan in about 0.2 s and is proven optimal in about 4 s: 3 s times out with a
    # plan on a quiet machine, and still has one when a loaded machine runs the search several times slower
    problem = tm.make_county(1500, seed=7)
    plan = tm.solve(problem, policy, time_limit=3)
    assert plan.status in ("OPTIMAL", "FEASIBLE")
    assert tm.check(problem, policy, plan).empty
    assert plan.assignments["moves"].any()
    assert plan.bound <= plan.objective + 1e-9
    assert len(plan.solver_info["lp_guided"]) == 1


# ---------------------------------------------------------------- how a search's result meets the guided plan
class _Helper:
    """Stands in for GuidedSearch: a fixed outcome; records whether it was stopped."""

    def __init__(self, objective):
        self.out = GuidedPlan(None if objective is None else np.array([objective]), objective,
                              {"status": "X"})
        self.stopped = False

    def stop(self):
        self.stopped = True

    def result(self):
        return self.out


def _res(status, objective=None, bound=float("nan")):
    values = None if objective is None else np.array([objective])
    return SOLVE._Result(status, values, objective or 0, bound)


@pytest.mark.parametrize(("res", "guided", "bound", "expect"), [
    # a proven plan stays, even when the guided plan is as good: the outcome must not depend on which search
    # ended first
    (_res(cp_model.OPTIMAL, 100, 100.0), 100, 100.0, ("OPTIMAL", 100, False)),
    (_res(cp_model.OPTIMAL, 100, 100.0), 105, 100.0, ("OPTIMAL", 100, False)),
    # a time-out: a strictly better guided plan is taken, proven only if the bound reaches it
    (_res(cp_model.FEASIBLE, 110, 95.0), 100, 95.0, ("FEASIBLE", 100, True)),
    (_res(cp_model.FEASIBLE, 110, 99.2), 100, 99.2, ("OPTIMAL", 100, True)),
    (_res(cp_model.FEASIBLE, 100, 95.0), 100, 95.0, ("FEASIBLE", 100, False)),  # equal: the search's own
    # a time-out before the search's own first plan
    (_res(cp_model.UNKNOWN), 100, 97.0, ("FEASIBLE", 100, True)),
    (_res(cp_model.UNKNOWN), 100, float("nan"), ("FEASIBLE", 100, True)),
    # no guided plan: the search's result as it is
    (_res(cp_model.FEASIBLE, 110, 95.0), None, 95.0, ("FEASIBLE", 110, False)),
    # a model with no plan has none, whatever a restricted model claims
    (_res(cp_model.INFEASIBLE), 100, float("nan"), ("INFEASIBLE", None, False)),
])
def test_the_guided_plan_replaces_only_an_unproven_worse_one(res, guided, bound, expect):
    helper = _Helper(guided)
    out = SOLVE._with_guided(res, helper, bound)
    status, objective, used = expect
    assert helper.stopped  # whatever the outcome, the second core is given back
    assert SOLVE._STATUS[out.status] == status
    if objective is None:
        assert out.values is None
    else:
        assert out.objective == objective
        assert int(out.values[0]) == objective
    assert bool((out.info or {}).get("used")) == used


def test_progress_reports_the_guided_plan_when_it_improves():
    seen = []
    cb = SOLVE._Progress(seen.append, "objective")
    cb.offer(5_000_000)
    cb.offer(6_000_000)  # worse: not reported
    cb.offer(4_000_000)
    assert [r["objective"] for r in seen] == pytest.approx([5_000_000 / SOLVE.OBJ_SCALE,
                                                            4_000_000 / SOLVE.OBJ_SCALE])


def test_proves_reads_an_integral_objective():
    assert SOLVE._proves(99.2, 100)
    assert SOLVE._proves(100.0, 100)
    assert not SOLVE._proves(98.9, 100)
    assert not SOLVE._proves(float("nan"), 100)
    assert not SOLVE._proves(float("-inf"), 100)
