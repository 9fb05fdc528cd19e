"""Micro-roster helpers for the per-rule tests: a few dict rows in, a Problem, a neutral Policy, a plan out.

The neutral policy switches every optional rule off (trigger ``min_years_at_school = 6``, urban/town schools
send to rural/village schools, no caps, no shares), so each test switches on exactly the rule under test.
The weights of the terms these tests price are written out, so the expected objective values do not depend on
the package defaults (terms of rules the neutral policy leaves off are 0 whatever their weight).

Teachers default to a 40-year-old female math teacher with 8 years at her school (mandatory); schools to an
urban, normal school. Commute is straight-line km from x/y (or from ``home_x, home_y`` when given), so a test
chooses distances — and breaks ties — by placing schools and homes on a line.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandas as pd

import teacher_match as tm
from teacher_match.policy import policy_from_dict

__all__ = ["CLUSTER", "NEUTRAL", "make_problem", "make_policy", "solve", "moves", "reasons", "reason",
           "assert_valid", "crafted", "violations", "breakdown"]

TEACHER_DEFAULTS = {"subject": "math", "gender": "F", "age": 40, "years_at_school": 8}
SCHOOL_DEFAULTS = {"category": "urban", "strength": "normal", "y": 0.0}

#: weights of the objective terms the per-rule tests price (the package defaults at the time of writing)
WEIGHTS = {
    "unmet_need": 1000,
    "commute_km": 1,
    "preference_rank": 10,
    "backbone_to_weak": 0,
    "rotation_shortfall": 500,
    "non_mandatory_moved": 50,
    "moved": 0,
}

NEUTRAL = {
    "id": "micro",
    "eligibility": {"min_years_at_school": 6},
    "flows": {"from": {"category": ["urban", "town"]}, "to": {"category": ["rural", "village"]}},
    "rules": {},
    "objective": dict(WEIGHTS),
}

#: a LocalCluster as tm.sweep and tm.solve_province start their own: one thread per process, status pages on a
#: free port of this machine
CLUSTER = {"threads_per_worker": 1, "processes": True, "dashboard_address": "127.0.0.1:0", "silence_logs": 40}


def make_problem(schools: list[dict], teachers: list[dict], needs: list = (), **kw) -> tm.Problem:
    """A Problem from dict rows; ``needs`` rows are ``(school_id, subject, count[, priority])`` or dicts."""
    s = pd.DataFrame([{**SCHOOL_DEFAULTS, **r} for r in schools])
    # homes sit on the same line as the schools: ``home_x`` alone implies ``home_y = 0``
    t = pd.DataFrame([{**TEACHER_DEFAULTS, **({"home_y": 0.0} if "home_x" in r else {}), **r}
                      for r in teachers])
    cols = ["school_id", "subject", "count", "priority"]
    rows = [r if isinstance(r, dict) else dict(zip(cols, r, strict=False)) for r in needs]
    n = pd.DataFrame(rows) if rows else pd.DataFrame({"school_id": [], "subject": [], "count": []})
    with warnings.catch_warnings():
        # micro-rosters declare needs nobody teaches on purpose (an unfilled need is often what is tested);
        # the warnings themselves are tested in tests/test_subjects.py
        warnings.simplefilter("ignore", tm.InputWarning)
        return tm.Problem.from_frames(t, s, n, reference_date="2025-08-31", **kw)


def make_policy(eligibility: dict | None = None, flows: dict | None = None, rules: dict | None = None,
                objective: dict | None = None) -> tm.Policy:
    """The neutral policy with some sections' keys overridden (each dict is merged into its section)."""
    data = copy.deepcopy(NEUTRAL)
    for section, changes in (("eligibility", eligibility), ("flows", flows), ("rules", rules),
                             ("objective", objective)):
        data[section].update(changes or {})
    return policy_from_dict(data, "micro policy")


def solve(problem: tm.Problem, policy: tm.Policy, objective: tm.Objective | None = None) -> tm.Plan:
    """Deterministic solve: one worker, seed 0."""
    return tm.solve(problem, policy, objective, time_limit=10, workers=1, seed=0)


def moves(plan: tm.Plan) -> dict:
    """teacher_id -> destination school_id, or None for a teacher who stays (every teacher listed)."""
    a = plan.assignments
    pairs = zip(a["teacher_id"], a["to_school_id"], strict=True)
    return {tid: (None if pd.isna(to) else to) for tid, to in pairs}


def reasons(plan: tm.Plan) -> dict:
    """teacher_id -> reason sentence."""
    return dict(zip(plan.assignments["teacher_id"], plan.assignments["reason"], strict=True))


def reason(plan: tm.Plan, teacher_id: str) -> str:
    """The reason sentence of one teacher."""
    return reasons(plan)[teacher_id]


def breakdown(plan: tm.Plan) -> dict:
    """Term -> value (real units) from the plan's objective breakdown."""
    return dict(zip(plan.objective_breakdown["term"], plan.objective_breakdown["value"], strict=True))


def assert_valid(problem: tm.Problem, policy: tm.Policy, plan: tm.Plan) -> None:
    """Invariants of every plan: one row per teacher in roster order, a reason each; feasible plans check."""
    a = plan.assignments
    assert list(a["teacher_id"]) == list(problem.teachers["teacher_id"])
    assert a["reason"].map(lambda r: isinstance(r, str) and r.strip() != "").all()
    assert (a["moves"] == a["to_school_id"].notna()).all()
    if plan.status in ("OPTIMAL", "FEASIBLE"):
        found = tm.check(problem, policy, plan)
        assert found.empty, found.to_string()
        assert np.isclose(plan.objective_breakdown["contribution"].sum(), plan.objective)
        # a soft minimum the plan falls short of is recounted by the checker and said on the first line
        short = tm.shortfalls(problem, policy, plan)
        assert plan.shortfalls is not None
        pd.testing.assert_frame_equal(plan.shortfalls, short)
        assert plan.summary().lstrip().startswith("SHORTFALL: ") == (not short.empty)
    else:
        assert not a["moves"].any()


def crafted(problem: tm.Problem, policy: tm.Policy, to: dict) -> pd.DataFrame:
    """A hand-made assignments table: teachers in ``to`` go to the given school, everyone else stays.

    ``commute_km`` is filled in correctly (0.1 km, as the solver reports it), so a test of one rule does not
    also trip the commute bookkeeping check.
    """
    t = problem.teachers
    elig = tm.eligibility(problem, policy)
    dest = t["teacher_id"].map(to)
    moved = dest.notna().to_numpy()
    km = np.full(len(t), np.nan)
    if moved.any():
        pos = np.flatnonzero(moved)
        spos = dest[moved].map(problem.school_index).to_numpy()
        km[pos] = np.rint(problem.commute_km(pos, spos) * 10) / 10
    return pd.DataFrame({
        "teacher_id": t["teacher_id"].to_numpy(),
        "from_school_id": t["school_id"].to_numpy(),
        "to_school_id": pd.array(dest.to_numpy(), dtype="object"),
        "moves": moved,
        "subject": t["subject"].to_numpy(),
        "commute_km": km,
        "status": elig["status"].to_numpy(),
        "reason": "hand-made",
    })


def violations(problem: tm.Problem, policy: tm.Policy, plan) -> set:
    """``{(rule, key)}`` that :func:`teacher_match.check` reports."""
    found = tm.check(problem, policy, plan)
    return set(zip(found["rule"], found["key"], strict=True))
