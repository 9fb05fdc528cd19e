"""The naive CP-SAT baseline: what a modeller writes straight from the policy text, with default parameters.

One Boolean ``x[t, s]`` for every movable teacher ``t`` of a sending school and every receiving school ``s``
that declared any need — no candidate pruning, no preprocessing. Each rule is one direct constraint family:

    Σ_s x[t, s] ≤ 1                                        each teacher
    Σ_{t : subject(t) = j} x[t, s] ≤ need[s, j]   (0 if undeclared)   each receiving school and subject
    Σ_{s : km(t, s) > max_commute_km} x[t, s] = 0          each teacher (commute cap)
    Σ_s x[t, s] = 0                                        teachers of their school's protected subject
    outflow cap, per-subject keep, leadership cap, backbone share, weak-school backbone minimum and the
    minimum rotation (with shortfall) exactly as the policy states them (see teacher_match/rules/)

The objective has the same terms, weights and integer scaling as teacher_match's (``scaling.py``), so
objectives and bounds are in the same units. Solved by CP-SAT with default parameters and 2 workers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from teacher_match.eligibility import eligibility
from teacher_match.params import share_fraction
from teacher_match.rules import TERM_UNITS, flows, leadership_cap, min_rotation, outflow_limit, preferences
from teacher_match.scaling import OBJ_SCALE, to_units_km, weight_coef

__all__ = ["NaiveModel", "build_naive", "solve_naive"]


@dataclass
class NaiveModel:
    """The model and the (teacher, school) row positions of its ``x`` variables."""

    model: cp_model.CpModel
    x: list
    t: np.ndarray
    s: np.ndarray


def build_naive(problem, policy, weights: dict[str, float]) -> NaiveModel:
    """Build the naive model for ``problem`` under ``policy`` with objective ``weights``."""
    if policy.reference_date is not None:
        problem = problem.at(policy.reference_date)
    status = eligibility(problem, policy)["status"].to_numpy()
    tch, sch = problem.teachers, problem.schools
    fl = policy.rule("flows")
    sending = flows.selects(sch, fl.from_)
    receiving = flows.selects(sch, fl.to)
    home = problem.teacher_school_pos
    movable = np.flatnonzero(np.isin(status, ["mandatory", "eligible"]) & sending[home])
    needs = problem.needs[problem.needs["count"] > 0]
    need_pos = needs["school_id"].map(problem.school_index).to_numpy()
    recv = np.unique(need_pos[receiving[need_pos]])
    tp = np.repeat(movable, len(recv))
    sp = np.tile(recv, len(movable))
    keep = sp != home[tp]
    tp, sp = tp[keep], sp[keep]

    m = cp_model.CpModel()
    x = [m.new_bool_var(f"x[{i}]") for i in range(len(tp))]
    subj = tch["subject"].to_numpy()
    by_teacher = _groups(tp)
    for rows in by_teacher.values():
        m.add(_sum(x, rows) <= 1)

    need = {(int(p), j): (int(c), int(round(pr))) for p, j, c, pr in
            zip(need_pos, needs["subject"], needs["count"], needs["priority"], strict=True)}
    for (s, j), rows in _groups(sp, subj[tp]).items():
        m.add(_sum(x, rows) <= need.get((int(s), j), (0, 0))[0])

    km = problem.commute_km(tp, sp)
    fc = policy.rule("commute")
    if fc.max_commute_km is not None:
        far = np.flatnonzero(~(km <= fc.max_commute_km))
        for rows in _groups(tp[far]).values():
            m.add(_sum(x, far[rows]) == 0)

    ofl = policy.rule("outflow_limit")
    if ofl.keep_protected_subjects:
        prot_t = np.zeros(len(tch), dtype=bool)
        prot_t[movable] = outflow_limit.protected_mask(sch, home[movable], subj[movable])
        prot = np.flatnonzero(prot_t[tp])
        for rows in _groups(tp[prot]).values():
            m.add(_sum(x, prot[rows]) == 0)
    from_s = home[tp]
    staff = np.bincount(home, minlength=len(sch))
    for a, rows in _groups(from_s).items():
        cap = outflow_limit.cap(int(staff[a]), ofl)
        if cap is not None:
            m.add(_sum(x, rows) <= cap)
    if ofl.keep_per_subject > 0:
        by_subj = tch.groupby([home, "subject"]).size()
        for (a, j), rows in _groups(from_s, subj[tp]).items():
            m.add(_sum(x, rows) <= max(0, int(by_subj[(a, j)]) - ofl.keep_per_subject))

    leader = (tch["role"] != "teacher").to_numpy()
    team = np.bincount(home[leader], minlength=len(sch))
    lc = policy.rule("leadership_cap")
    if lc.leadership_max_share is not None:
        lrows = np.flatnonzero(leader[tp])
        for a, rows in _groups(from_s[lrows]).items():
            m.add(_sum(x, lrows[rows]) <= leadership_cap.cap(int(team[a]), lc))

    bb = tch["backbone"].to_numpy(dtype=bool)[tp]
    br = policy.rule("backbone_ratio")
    if br.backbone_min_share:
        f = share_fraction(br.backbone_min_share)
        coef = np.where(bb, f.denominator - f.numerator, -f.numerator)
        scopes = _groups(from_s) if br.backbone_scope == "sending_school" else {-1: np.arange(len(tp))}
        for rows in scopes.values():
            m.add(cp_model.LinearExpr.weighted_sum([x[i] for i in rows], [int(c) for c in coef[rows]]) >= 0)
    weak = (sch["strength"] == "weak").to_numpy()
    if br.weak_school_min_backbone > 0:
        for r, rows in _groups(sp).items():
            if weak[r]:
                y = m.new_bool_var(f"receives[{r}]")
                m.add(_sum(x, rows) <= len(rows) * y)
                m.add(_sum(x, rows[bb[rows]]) >= br.weak_school_min_backbone * y)

    mr = policy.rule("min_rotation")
    shortfalls = []
    mand_t = status == "mandatory"
    mand_count = np.bincount(home[mand_t], minlength=len(sch))
    mrows = np.flatnonzero(mand_t[tp])
    by_school = _groups(from_s[mrows])
    for a in np.flatnonzero(sending & (mand_count > 0)):
        req = min_rotation.required(int(mand_count[a]), mr)
        if req == 0:
            continue
        rows = mrows[by_school.get(a, np.array([], dtype=np.int64))]
        expr = _sum(x, rows)
        if mr.min_rotation_hard:
            m.add(expr >= req)
        else:
            short = m.new_int_var(0, req, f"shortfall[{a}]")
            m.add(expr + short >= req)
            shortfalls.append(short)

    # objective: the same terms, weights and integer units as teacher_match (scaling.py)
    def w(term: str) -> int:
        return weight_coef(weights.get(term, 0.0), TERM_UNITS[term][0])

    dkm = np.where(np.isfinite(km), to_units_km(np.where(np.isfinite(km), km, 0.0)), 0)
    pair_need = pd.DataFrame({"s": sp, "j": subj[tp]}).merge(
        pd.DataFrame({"s": need_pos, "j": needs["subject"].to_numpy(),
                      "prio": needs["priority"].round().astype(np.int64).to_numpy()}),
        on=["s", "j"], how="left", sort=False)
    prio = pair_need["prio"].fillna(0).to_numpy(dtype=np.int64)
    coef = (w("commute_km") * dkm + w("moved")
            + w("non_mandatory_moved") * (status[tp] == "eligible")
            + w("backbone_to_weak") * (bb & weak[sp])
            - w("unmet_need") * prio)
    if "preferences" in tch.columns:
        sid = sch["school_id"].to_numpy()
        prefs = tch["preferences"].to_numpy()[tp]
        ranks = [preferences.rank(p, sid[s]) for p, s in zip(prefs, sp, strict=True)]
        coef = coef + w("preference_rank") * np.asarray(ranks, dtype=np.int64)
    const = w("unmet_need") * sum(c * p for c, p in need.values())
    m.minimize(cp_model.LinearExpr.weighted_sum(x, [int(c) for c in coef])
               + w("rotation_shortfall") * sum(shortfalls) + const)
    return NaiveModel(m, x, tp, sp)


def solve_naive(nm: NaiveModel, time_limit: float, workers: int = 2) -> dict:
    """Solve with default CP-SAT parameters (only the time limit and worker count set)."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    code = solver.solve(nm.model)
    name = solver.status_name(code)
    has = code in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    chosen = np.zeros(len(nm.x), dtype=bool)
    if has:
        sol = np.asarray(solver.response_proto.solution, dtype=np.int64)
        chosen = sol[[v.index for v in nm.x]].astype(bool) if nm.x else chosen
    return {"status": name, "chosen": chosen,
            "objective": solver.objective_value / OBJ_SCALE if has else math.nan,
            "bound": solver.best_objective_bound / OBJ_SCALE if code != cp_model.MODEL_INVALID else math.nan}


def _sum(x: list, rows) -> cp_model.LinearExpr:
    return cp_model.LinearExpr.sum([x[i] for i in rows])


def _groups(*keys) -> dict:
    """Row positions grouped by one or more equal-length key arrays (sorted keys: deterministic order)."""
    if not len(keys[0]):
        return {}
    if len(keys) == 1:
        k = np.asarray(keys[0])
        order = np.argsort(k, kind="stable")
        uniq, starts = np.unique(k[order], return_index=True)
        return {u.item(): order[b:e] for u, b, e in zip(uniq, starts, np.r_[starts[1:], len(k)], strict=True)}
    df = pd.DataFrame({f"k{i}": np.asarray(k) for i, k in enumerate(keys)})
    g = df.groupby(list(df.columns), sort=True).indices
    return {tuple(v.item() if hasattr(v, "item") else v for v in k): rows for k, rows in g.items()}

