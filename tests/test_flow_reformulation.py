"""Destination flows and class totals (model/flow_reformulation.py).

Same optimum, and plans that hold in the original model.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from ortools.sat.python import cp_model

import teacher_match as tm
from teacher_match.model.flow_reformulation import reformulate
from teacher_match.model.objective import weighted_expr
from teacher_match.objective import Objective

solve_module = importlib.import_module("teacher_match.search")


def _ctx(problem, policy, objective=None):
    ctx = tm.build_model(problem, policy, aggregate=True)
    ctx.model.minimize(weighted_expr(ctx, (objective or Objective.from_policy(policy)).weights))
    return ctx


def _solve(model):
    s = solve_module._solver(solve_module.SolveParams(), 60.0)  # the parameters solve() uses
    s.parameters.catch_sigint_signal = False  # CP-SAT's handler would replace Python's Ctrl-C for the session
    status = s.solve(model)
    assert status == cp_model.OPTIMAL
    return s


def _fixed_objective(ctx, values):
    """Solve the original model with every variable fixed to ``values``: OPTIMAL iff the plan is feasible."""
    m = cp_model.CpModel()
    m.proto.copy_from(ctx.model.proto)
    for i, v in enumerate(values.tolist()):
        m.proto.variables[i].domain.clear()
        m.proto.variables[i].domain.extend([v, v])
    return _solve(m).objective_value


@pytest.mark.parametrize(("n", "seed", "policy_id", "changes"), [
    (600, 3, "default", {}),
    (800, 4, "default", {"backbone_min_share": 0.34, "leadership_max_share": 0.5}),
    (600, 5, "default", {"keep_per_subject": 2, "weak_school_min_backbone": 1}),
    (600, 4, "xiamen-proposals", {"balance_max_share": 0.7}),
    (600, 7, "dongcheng-school-plan", {}),
])
def test_reformulated_model_has_the_original_optimum(n, seed, policy_id, changes):
    problem = tm.make_county(n, seed=seed)
    policy = tm.load_policy(policy_id).with_(**changes)
    ctx = _ctx(problem, policy)
    ref = reformulate(ctx, min_saving=0.0)
    assert ref is not None
    assert len(ref.model.proto.variables) < len(ctx.model.proto.variables)
    original = _solve(ctx.model)
    new = _solve(ref.model)
    assert new.objective_value == pytest.approx(original.objective_value)
    # the expanded plan holds in the original model, at the same objective
    values = ref.expand(np.asarray(new.response_proto.solution, dtype=np.int64))
    assert _fixed_objective(ctx, values) == pytest.approx(original.objective_value)


def test_a_row_that_reads_class_and_destination_together_keeps_its_blocks():
    # with a weight on backbone teachers sent to weak schools, a backbone class's cost depends on the
    # destination
    # school's strength as well as on the class: not additive where weak and other schools mix
    problem = tm.make_county(1500, seed=2)
    policy = tm.load_policy("default")
    plain = reformulate(_ctx(problem, policy), min_saving=0.0)
    weighted = Objective.from_policy(policy).weights | {"backbone_to_weak": -30}
    ctx = _ctx(problem, policy, Objective(**weighted))
    mixed = reformulate(ctx, min_saving=0.0)
    assert plain is not None
    assert mixed is not None
    assert len(mixed.kept) > len(plain.kept)
    new = _solve(mixed.model)
    assert new.objective_value == pytest.approx(_solve(ctx.model).objective_value)


def test_north_west_corner_split_matches_totals():
    problem = tm.make_county(1000, seed=8)
    policy = tm.load_policy("default")
    ctx = _ctx(problem, policy)
    ref = reformulate(ctx, min_saving=0.0)
    new = _solve(ref.model)
    vals = np.asarray(new.response_proto.solution, dtype=np.int64)
    old = ref.expand(vals)
    # per block: the class flows add up to every destination flow and to every class total
    for b in range(ref.n_blocks):
        cells = np.flatnonzero(ref.cell_block == b)
        for d in range(int(ref.f_count[b])):
            at = cells[ref.cell_d[cells] == d]
            assert old[ref.cell_col[at]].sum() == vals[ref.f_start[b] + d]
        for k in range(int(ref.n_count[b])):
            at = cells[ref.cell_k[cells] == k]
            assert old[ref.cell_col[at]].sum() == vals[ref.n_start[b] + k]


def test_hints_follow_into_the_reformulated_model():
    problem = tm.make_county(600, seed=3)
    policy = tm.load_policy("default")
    ctx = _ctx(problem, policy)
    best = _solve(ctx.model)
    sol = np.asarray(best.response_proto.solution, dtype=np.int64)
    for v in ctx.x:
        ctx.model.add_hint(v, int(sol[v.index]))
    ref = reformulate(ctx, min_saving=0.0)
    hint = dict(zip(ref.model.proto.solution_hint.vars, ref.model.proto.solution_hint.values, strict=True))
    assert hint, "no hint carried"
    s = cp_model.CpSolver()
    s.parameters.num_workers = 1
    s.parameters.catch_sigint_signal = False
    s.parameters.fix_variables_to_their_hinted_value = True
    # the carried hint is a complete plan of the reformulated model: with every hinted variable fixed, still
    # optimal
    assert s.solve(ref.model) == cp_model.OPTIMAL
    assert s.objective_value == pytest.approx(best.objective_value)


@pytest.mark.parametrize("reformulated", [True, False])
def test_solve_gives_the_same_plan_value_either_way(reformulated, monkeypatch):
    problem = tm.make_county(1200, seed=11)
    policy = tm.load_policy("default")
    monkeypatch.setattr(solve_module, "REFORMULATE", reformulated)
    plan = tm.solve(problem, policy, time_limit=60)
    monkeypatch.setattr(solve_module, "REFORMULATE", not reformulated)
    other = tm.solve(problem, policy, time_limit=60)
    assert plan.status == other.status == "OPTIMAL"
    assert plan.objective == pytest.approx(other.objective, abs=1e-9)
    assert tm.check(problem, policy, plan).empty
    assert (plan.solver_info["searched_variables"] < plan.solver_info["variables"]) == reformulated
