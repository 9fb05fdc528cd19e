"""Implied inequalities (model/strengthen.py): backbone share × minimum rotation, valid for every plan."""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

import teacher_match as tm
from teacher_match.model.objective import weighted_expr
from teacher_match.model.strengthen import PREFIX, envelope, strengthen
from teacher_match.objective import Objective

solve_module = importlib.import_module("teacher_match.search")


def _g(p, q, req, k):
    return max(0, math.ceil(p * (req - k) / q))


@given(p=st.integers(1, 9), q=st.integers(2, 12), req=st.integers(0, 40))
@settings(max_examples=300, deadline=None)
def test_envelope_is_valid_tight_and_stronger_than_the_rule(p, q, req):
    if p >= q:
        p = q - 1
    facets = envelope(p, q, req)
    for b, s, rhs in facets:
        assert b > 0
        assert s > 0
        assert rhs > 0
        # valid: every integer (sf, B) the two rules allow satisfies it
        for k in range(req + 3):
            lo = _g(p, q, req, k)
            assert b * lo + s * k >= rhs
        # a facet of the hull: tight at two integer points of g
        tight = [k for k in range(req + 1) if b * _g(p, q, req, k) + s * k == rhs]
        assert len(tight) >= 2
        # stronger than the rule's own row q·B + p·sf ≥ p·req somewhere: at sf = its first tight point the
        # rule alone allows a smaller B
        k = tight[0]
        assert rhs / b - s * k / b > p * (req - k) / q
    if req and (p * req) % q:
        # ⌈p·req/q⌉ is not p·req/q: at sf = 0 the LP row is loose, so there is a facet
        assert facets


def test_envelope_examples():
    assert envelope(1, 5, 3) == [(3, 1, 3)]
    assert envelope(1, 5, 7) == [(2, 1, 4)]
    assert envelope(1, 5, 5) == []
    assert envelope(1, 5, 0) == []
    assert envelope(1, 3, 4) == [(1, 1, 2)]  # B ≥ 2 at sf = 0, B ≥ 1 at sf = 1; then the rule: 3·B + sf ≥ 4


def _ctx(problem, policy):
    ctx = tm.build_model(problem, policy, aggregate=True)
    ctx.model.minimize(weighted_expr(ctx, Objective.from_policy(policy).weights))
    return ctx


def _implied(model):
    return [i for i, c in enumerate(model.proto.constraints) if c.name.startswith(PREFIX)]


def _solver():
    s = cp_model.CpSolver()
    s.parameters.num_workers = 1
    s.parameters.max_time_in_seconds = 60
    s.parameters.catch_sigint_signal = False  # keep Python's Ctrl-C for the session
    return s


def _row_holds(proto, i, values):
    lin = proto.constraints[i].linear
    act = sum(c * int(values[v]) for v, c in zip(lin.vars, lin.coeffs, strict=True))
    dom = list(lin.domain)
    return any(lo <= act <= hi for lo, hi in zip(dom[::2], dom[1::2], strict=True))


@pytest.mark.parametrize(("n", "seed", "changes"), [
    (800, 1, {}),
    (800, 4, {"min_rotation_hard": True, "min_share_of_eligible": 0.1}),
    (700, 3, {"backbone_min_share": 0.34}),
    (700, 4, {"min_share_of_eligible": 0.3, "rotation_shortfall": 5000}),
])
def test_same_optimum_and_every_plan_satisfies_them(n, seed, changes):
    problem = tm.make_county(n, seed=seed)
    policy = tm.load_policy("default").with_(**changes)
    ctx = _ctx(problem, policy)
    plain = _solver()
    assert plain.solve(ctx.model) == cp_model.OPTIMAL
    optimum = plain.objective_value
    rules_only = ctx.model.clone()  # the rules' model, before the implied inequalities
    added = strengthen(ctx)
    assert added > 0
    assert len(_implied(ctx.model)) == added
    assert strengthen(ctx) == 0  # once only
    assert len(_implied(ctx.model)) == added
    cut = _solver()
    assert cut.solve(ctx.model) == cp_model.OPTIMAL
    assert cut.objective_value == pytest.approx(optimum)
    # validity beyond the optimum: plans of the rules alone, under other objectives, satisfy every inequality
    rng = np.random.default_rng(seed)
    assert not _implied(rules_only)
    for _ in range(3):
        w = rng.integers(-5, 6, size=len(ctx.x))
        rules_only.minimize(cp_model.LinearExpr.weighted_sum(
            [rules_only.get_int_var_from_proto_index(v.index) for v in ctx.x], w.tolist()))
        s = _solver()
        assert s.solve(rules_only) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        values = np.asarray(s.response_proto.solution)
        assert all(_row_holds(ctx.model.proto, i, values) for i in _implied(ctx.model))


def test_none_without_both_rules():
    problem = tm.make_county(600, seed=5)
    offs = ({"backbone_min_share": 0.0}, {"backbone_scope": "county"}, {"min_share_of_eligible": None})
    for changes in offs:
        ctx = _ctx(problem, tm.load_policy("default").with_(**changes))
        assert strengthen(ctx) == 0


def test_the_rules_model_stays_free_of_them():
    """Diagnoses relax rules in the model of the rules: what two rules imply must not be in it."""
    problem = tm.make_county(600, seed=5)
    policy = tm.load_policy("default")
    assert not _implied(tm.build_model(problem, policy, aggregate=True).model)
    plan = tm.solve(problem, policy, time_limit=60)
    assert plan.status == "OPTIMAL"
    assert tm.check(problem, policy, plan).empty


@pytest.mark.parametrize("policy_id", ["default", "dongcheng-school-plan"])
def test_solve_same_value_with_and_without(policy_id, monkeypatch):
    problem = tm.make_county(1500, seed=8)
    policy = tm.load_policy(policy_id)
    plans = {}
    for on in (True, False):
        monkeypatch.setattr(solve_module, "STRENGTHEN", on)
        plans[on] = tm.solve(problem, policy, time_limit=60)
        assert plans[on].status == "OPTIMAL"
        assert tm.check(problem, policy, plans[on]).empty
    assert plans[True].objective == pytest.approx(plans[False].objective, abs=1e-9)


def test_shortfall_reported_at_its_least_value_when_not_in_the_objective():
    """A lexicographic stage without rotation_shortfall leaves it free: the plan says the true shortfall."""
    problem = tm.make_county(500, seed=2)
    policy = tm.load_policy("default")
    lex = tm.Objective.lexicographic(["unmet_need", "commute_km"])
    plan = tm.solve(problem, policy, objective=lex, time_limit=30)
    assert tm.check(problem, policy, plan).empty
    ctx = tm.build_model(problem, policy, aggregate=True)
    assert ctx.slacks
    assert len(ctx.slacks) == len(ctx.rotation_floor)
    # settle: every shortfall at max(0, req − sent), whatever the solution said
    raw = np.zeros(len(ctx.model.proto.variables), dtype=np.int64)
    for var, _, lo in ctx.slacks:
        raw[var] = lo
    settled = ctx.with_least_shortfalls(raw)
    assert all(settled[var] == lo for var, _, lo in ctx.slacks)  # nobody sent: the whole minimum is short
