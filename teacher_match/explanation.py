"""Why one teacher rotates, stays, or is not movable — derived from the model and re-solves.

:func:`explain` re-solves *counterfactuals*: for a rotated teacher, the best plan without this assignment (the
next-best alternative and its cost); for an eligible teacher who stays, (a) the plan with everyone else fixed
and this teacher forced to rotate — when that is infeasible, the assumption core
(:mod:`teacher_match.model.assumptions`) names the rule instances that bind, each said by its rule
(``S003 already sends its outflow cap of 6``) — and (b) the best plan that rotates the teacher, which
verifies the reason and prices it. Objective values are in the plan's units (``objective / OBJ_SCALE``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from .errors import TeacherMatchError
from .model.assumptions import OK, assume, enforce_ledger, one_worker_solver, shrink
from .model.build import build_model
from .model.context import Context, Term
from .model.objective import weighted_expr
from .objective import Objective
from .plan_match import match_plan
from .publicity import MODE_ZH
from .rule_sentences import describe_entry, pruned_reasons
from .rules import RULES
from .rules import modes as modes_rule
from .rules.contract import Facts, Usage
from .scaling import KM_UNITS, OBJ_SCALE, weight_coef
from .vocabulary import zh_subject

__all__ = ["explain", "Explanation"]


@dataclass
class Explanation:
    """Why one teacher rotates, stays, or is not movable — derived from the model and re-solves.

    Attributes
    ----------
    teacher_id, status : str
        The teacher and the eligibility status (mandatory | eligible | exempt | ineligible).
    eligibility : str
        The eligibility decision with its deciding values (e.g. ``"mandatory: 8 years at school ≥ 6"``).
    values : dict
        The roster values behind the decision (years at school, age, gender, subject, backbone, role …).
    decision : str
        ``rotates`` | ``stays`` | ``not movable`` | ``no plan``.
    to_school_id : str or None
    reason, reason_zh : str
        One sentence (English, Chinese).
    details : list of str
        The facts: need filled, commute, wish rank, alternatives, what the counterfactual re-solve found.
    binding : DataFrame
        ``rule, key, sentence_en, sentence_zh`` of the rule instances that keep the teacher in place (empty
        for rotated or not movable teachers, or when the reason is cost rather than a rule).
    alternative : dict or None
        The counterfactual: ``{"to_school_id", "objective_delta", "status"}`` of the best plan that differs on
        this teacher (without this assignment, or forcing a rotation).
    """

    teacher_id: str
    status: str
    eligibility: str
    values: dict
    decision: str
    to_school_id: str | None
    reason: str
    reason_zh: str
    details: list = field(default_factory=list)
    binding: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["rule", "key", "sentence_en", "sentence_zh"]))
    alternative: dict | None = None

    def __str__(self) -> str:
        """The teacher, their eligibility, the decision in both languages and its details, one per line."""
        vals = ", ".join(f"{k} {v}" for k, v in self.values.items())
        lines = [f"{self.teacher_id} ({vals})",
                 f"  eligibility: {self.eligibility}",
                 f"  decision:    {self.reason}",
                 f"  决定：       {self.reason_zh}"]
        lines += [f"  - {d}" for d in self.details]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """Plain dict (the binding table as a list of records)."""
        d = dict(self.__dict__)
        d["binding"] = self.binding.to_dict("records")
        return d


_VALUE_COLUMNS = ("subject", "gender", "age", "years_at_school", "teaching_years", "title", "backbone",
                  "role", "years_to_retirement")


def _teacher_values(row: pd.Series) -> dict:
    out = {}
    for c in _VALUE_COLUMNS:
        if c in row.index and not (isinstance(row[c], float) and math.isnan(row[c])) and row[c] is not pd.NA:
            v = row[c]
            out[c] = bool(v) if isinstance(v, (bool, np.bool_)) else (
                round(float(v), 1) if isinstance(v, (float, np.floating)) else v)
    return out


def _assignments_of(plan) -> pd.DataFrame:
    return plan if isinstance(plan, pd.DataFrame) else plan.assignments


def _weights(plan, policy) -> dict:
    b = None if isinstance(plan, pd.DataFrame) else getattr(plan, "objective_breakdown", None)
    if b is not None and len(b):
        return {str(t): float(w) for t, w in zip(b["term"], b["weight"], strict=False)}
    return Objective.from_policy(policy).weights


def _plan_dest(f: Facts, assignments: pd.DataFrame) -> np.ndarray:
    a = assignments.assign(teacher_id=assignments["teacher_id"].astype(str))
    to = dict(zip(a["teacher_id"], a["to_school_id"], strict=False))
    return np.array([f.s_index.get(str(to.get(t)), -1) if not pd.isna(to.get(t)) else -1 for t in f.tid],
                    dtype=np.int64)


def _objective_of(ctx, weights, values) -> float:
    """Objective (plan units) of a raw solution vector of ``model`` (indices shared with ctx.model)."""
    total = 0
    for name, term in ctx.terms.items():
        w = weights.get(name, 0.0)
        if not w:
            continue
        v = term.const + sum(c * int(values[x.index]) for x, c in zip(term.vars, term.coefs, strict=False))
        total += weight_coef(w, term.units) * v
    return total / OBJ_SCALE


def _term_values(ctx, values) -> dict:
    return {name: (term.const
                   + sum(c * int(values[x.index]) for x, c in zip(term.vars, term.coefs, strict=False)))
            / term.units
            for name, term in ctx.terms.items()}


def _counterfactual(ctx, weights, chosen_rows: np.ndarray, constrain, seconds: float):
    """Solve ctx's model with the plan's objective plus ``constrain(model)``; hint = the plan.

    Returns ``(status, values or None)``.
    """
    m = ctx.model.clone()
    m.clear_assumptions()
    x = [m.get_bool_var_from_proto_index(v.index) for v in ctx.x]
    m.minimize(weighted_expr(_TermsOn(ctx, m), weights))
    for i, v in enumerate(x):
        m.add_hint(v, int(chosen_rows[i]))
    constrain(m, x)
    s = one_worker_solver(seconds)
    # linearization level 2 proves this assignment core fastest (see search.py)
    s.parameters.linearization_level = 2
    status = s.solve(m)
    vals = np.asarray(s.response_proto.solution, dtype=np.int64) if status in OK else None
    return status, vals, s


class _TermsOn:
    """``ctx``'s objective terms rebased onto a cloned model (same variable indices)."""

    def __init__(self, ctx: Context, model: cp_model.CpModel):
        self.terms = {}
        for name, t in ctx.terms.items():
            nt = Term(t.name, t.units, t.doc, [model.get_int_var_from_proto_index(v.index) for v in t.vars],
                      list(t.coefs), t.const)
            self.terms[name] = nt


def explain(problem, policy, plan, teacher_id: str, *, counterfactual: bool = True,
            time_limit: float = 10.0) -> Explanation:
    """Why this teacher rotates to this school, or stays, or is not movable.

    Parameters
    ----------
    problem, policy
        As passed to :func:`teacher_match.solve`.
    plan : Plan or DataFrame
        The plan, or its assignments table read back from a file.
    teacher_id : str
    counterfactual : bool
        Verify by re-solving (the best plan without this assignment / forcing this teacher to rotate). Each
        re-solve has ``time_limit`` seconds.

    Returns
    -------
    Explanation
        ``str(explanation)`` is readable text.

    Examples
    --------
    >>> import pandas as pd
    >>> import teacher_match as tm
    >>> p = tm.Problem.from_frames(
    ...     pd.DataFrame({"teacher_id": ["A", "B"], "school_id": "U1", "subject": ["math", "music"],
    ...                   "gender": "F", "age": 40, "years_at_school": 8}),
    ...     pd.DataFrame({"school_id": ["U1", "R1"], "category": ["urban", "rural"], "x": [0.0, 10.0],
    ...                   "y": 0.0}),
    ...     pd.DataFrame({"school_id": ["R1"], "subject": ["math"], "count": [1]}))
    >>> pol = tm.load_policy("default")
    >>> plan = tm.solve(p, pol, time_limit=10)
    >>> tm.explain(p, pol, plan, "B").reason
    'stays — no school declares a need for music'
    """
    teacher_id = str(teacher_id)
    assignments = match_plan(problem, _assignments_of(plan))  # another roster's plan is refused
    ids = assignments["teacher_id"].astype(str)
    if teacher_id not in set(ids):
        raise TeacherMatchError(f"teacher {teacher_id!r} is not in the plan")
    ctx = build_model(problem, policy)
    f = Facts(ctx)
    if teacher_id not in f.t_index:
        raise TeacherMatchError(f"teacher {teacher_id!r} is in the plan but not on the roster")
    i = f.t_index[teacher_id]
    e = ctx.elig.iloc[i]
    values = _teacher_values(ctx.teachers.iloc[i])
    status, elig_reason = str(e["status"]), str(e["reason"])
    base: dict[str, Any] = {"teacher_id": teacher_id, "status": status, "eligibility": elig_reason,
                            "values": values}
    plan_status = "FEASIBLE" if isinstance(plan, pd.DataFrame) else plan.status
    side = {m.name: m for m in policy.planned_modes()}
    if side and "mode" in assignments.columns:
        row = assignments.iloc[int(np.flatnonzero(ids.to_numpy() == teacher_id)[0])]
        if bool(row["moves"]) and str(row["mode"]) in side:
            # a move in a planned mode beside the main one (rules/modes.py): its own eligibility and words
            m = side[str(row["mode"])]
            words = modes_rule.words_of(m, str(ctx.teachers.iloc[i]["role"]) != "teacher")
            return Explanation(**base, decision="rotates", to_school_id=str(row["to_school_id"]),
                               reason=f"{words}, to {row['to_school_id']}",
                               reason_zh=f"以{MODE_ZH.get(m.name, m.name)}方式交流至 {row['to_school_id']}")
        # the main mode's reasoning reads the main mode's moves only
        other = (assignments["moves"].astype(bool) & assignments["mode"].isin(list(side))).to_numpy()
        assignments = assignments.assign(moves=assignments["moves"].astype(bool).to_numpy() & ~other,
                                         to_school_id=assignments["to_school_id"].where(~other, None))
    if status not in ("mandatory", "eligible"):
        return Explanation(**base, decision="not movable", to_school_id=None,
                           reason=f"not movable — {elig_reason}",
                           reason_zh=f"不参与本轮交流 — {elig_reason}")
    if plan_status in ("INFEASIBLE", "UNKNOWN", "MODEL_INVALID"):
        return Explanation(**base, decision="no plan", to_school_id=None,
                           reason=f"stays — no plan ({plan_status}); see the plan's diagnosis",
                           reason_zh=f"留任 — 无可行方案（{plan_status}），见方案诊断")
    dest = _plan_dest(f, assignments)
    model_pairs = ctx.model_pairs
    chosen_rows = (dest[f.ct] == f.cs) if len(model_pairs) else np.zeros(0, dtype=bool)
    weights = _weights(plan, policy)
    usage = Usage(dest)
    if dest[i] >= 0:
        return _explain_rotated(ctx, f, i, dest, chosen_rows, weights, base, counterfactual, time_limit)
    return _explain_stays(ctx, f, i, dest, chosen_rows, weights, usage, base, counterfactual, time_limit)


def _row_costs(ctx: Context, weights: dict) -> np.ndarray:
    """Each candidate row's own coefficient in the weighted objective, in plan units."""
    out = np.zeros(len(ctx.x))
    n = len(ctx.x)
    for name, term in ctx.terms.items():
        w = weights.get(name, 0.0)
        if not w or not term.vars:
            continue
        idx = np.fromiter((v.index for v in term.vars), dtype=np.int64, count=len(term.vars))
        coefs = np.asarray(term.coefs, dtype=float)
        rows = ctx.x_index.searchsorted(idx)
        mine = ((rows < n) & (ctx.x_index[np.minimum(rows, n - 1)] == idx) if n
                else np.zeros(len(idx), dtype=bool))
        np.add.at(out, rows[mine], w * coefs[mine] / term.units)
    return out


def _explain_rotated(ctx, f, i, dest, chosen_rows, weights, base, counterfactual, seconds):
    s = int(dest[i])
    sid, subj = f.sid[s], f.subj[i]
    rows = np.flatnonzero(f.ct == i)
    mine = [r for r in rows if f.cs[r] == s]
    details = []
    need = f.need.get((s, subj), 0)
    filled = int(((dest == s) & (f.subj == subj)).sum())
    cat = ctx.schools["category"].iat[s]
    strength = ctx.schools["strength"].iat[s]
    if need:
        details.append(f"fills {sid}'s {subj} need ({filled} of {need} filled; {sid} is {cat}, {strength})")
    else:
        # no declared need: the post is one the school opens by sending its own teachers (exchange of posts)
        details.append(f"takes a {subj} post {sid} opens by sending its own teachers ({filled} arrive; "
                       f"{sid} is {cat}, {strength})")
    if mine:
        km = ctx.model_pairs["dkm"].iat[mine[0]] / KM_UNITS
        said = [m.assignment_words(f, ctx.policy.rule(m.RULE_ID), i, s, km) for m in RULES
                if m.assignment_words is not None]
        details.append("; ".join(w for w in said if w))
    else:
        details.append(f"{sid} is not a valid destination for this teacher under this policy "
                       f"(plan out of date?)")
    costs = _row_costs(ctx, weights)
    alts = sorted((float(costs[r]), f.sid[f.cs[r]],
                    ctx.model_pairs["dkm"].iat[r] / KM_UNITS) for r in rows if f.cs[r] != s)
    if alts:
        here = float(costs[mine[0]]) if mine else float("nan")
        shown = ", ".join(f"{a} ({km:.1f} km, direct cost {c - here:+.1f})" for c, a, km in alts[:3])
        details.append(f"other schools this teacher could fill: {shown}")
    else:
        details.append("no other school needing this subject is within the rules")
    reason = (f"rotates to {sid} ({cat}, {strength}) to fill its {subj} need" if need
              else f"rotates to {sid} ({cat}, {strength}) to take an exchanged {subj} post")
    reason_zh = f"交流至 {sid}，补充该校{zh_subject(subj)}学科缺员"
    alternative = None
    if counterfactual and mine:
        base_status, base_vals, _ = _counterfactual(
            ctx, weights, chosen_rows, lambda m, x: [m.add(x[r] == int(chosen_rows[r]))
                                                     for r in range(len(x))],
            seconds)
        st, vals, _ = _counterfactual(ctx, weights, chosen_rows, lambda m, x: m.add(x[mine[0]] == 0), seconds)
        if base_vals is not None:
            base_obj = _objective_of(ctx, weights, base_vals)
            if st in OK:
                obj = _objective_of(ctx, weights, vals)
                goes = [f.sid[f.cs[r]] for r in rows if vals[ctx.x[r].index]]
                where = f"sends this teacher to {goes[0]}" if goes else "keeps this teacher at their school"
                moved_now = {int(f.ct[r]) for r in np.flatnonzero(chosen_rows)}
                instead = sorted({f.tid[f.ct[r]] for r in range(len(ctx.x))
                                  if vals[ctx.x[r].index] and int(f.ct[r]) not in moved_now})
                if instead:
                    where += f" and rotates {', '.join(instead)} instead"
                delta = obj - base_obj
                proven = "" if st == cp_model.OPTIMAL else " (not proven optimal)"
                details.append(f"next best (re-solved without this assignment): the best plan {where}, "
                               f"objective {delta:+,.1f}{proven}")
                alternative = {"to_school_id": goes[0] if goes else None, "objective_delta": delta,
                               "status": "OPTIMAL" if st == cp_model.OPTIMAL else "FEASIBLE"}
                reason += f"; the next best plan {where} (objective {delta:+,.1f})"
                reason_zh += (f"；次优方案{'改派至 ' + goes[0] if goes else '该教师留任'}，"
                              f"目标值 {delta:+,.1f}")
            elif st == cp_model.INFEASIBLE:
                details.append("next best (re-solved without this assignment): "
                               "no valid plan exists without it")
                alternative = {"to_school_id": None, "objective_delta": float("inf"), "status": "INFEASIBLE"}
                reason += "; no valid plan exists without this assignment"
                reason_zh += "；不作此安排则无可行方案"
    return Explanation(**base, decision="rotates", to_school_id=sid, reason=reason, reason_zh=reason_zh,
                       details=details, alternative=alternative)


def _explain_stays(ctx, f, i, dest, chosen_rows, weights, usage, base, counterfactual, seconds):
    rows = np.flatnonzero(f.ct == i)
    empty = pd.DataFrame(columns=["rule", "key", "sentence_en", "sentence_zh"])
    if not len(rows):
        en, zh, details = pruned_reasons(ctx, f, i)
        return Explanation(**base, decision="stays", to_school_id=None, reason=f"stays — {en}",
                           reason_zh=f"留任 — {zh}", details=details, binding=empty)
    details = [f"could fill: {', '.join(f.sid[f.cs[r]] for r in rows)}"]
    # (a) everyone else as in the plan, this teacher forced to rotate: which rule instances forbid it?
    m = ctx.model.clone()
    lits = enforce_ledger(ctx.ledger, m)
    x = [m.get_bool_var_from_proto_index(v.index) for v in ctx.x]
    for r in range(len(x)):
        if f.ct[r] != i:
            m.add(x[r] == int(chosen_rows[r]))
    m.add(cp_model.LinearExpr.sum([x[r] for r in rows]) == 1)
    st, s = assume(m, list(lits), seconds)
    binding_rows = []
    if st == cp_model.INFEASIBLE:
        core = [c for c in s.sufficient_assumptions_for_infeasibility() if c in lits]
        core = shrink(m, core, time.perf_counter() + seconds)
        for c in core:
            en, zh = describe_entry(ctx, lits[c], usage=usage, facts=f)
            binding_rows.append({"rule": lits[c].rule, "key": lits[c].key, "sentence_en": en,
                                 "sentence_zh": zh})
    binding = pd.DataFrame(binding_rows, columns=["rule", "key", "sentence_en", "sentence_zh"])
    if len(binding):
        reason = "stays — " + "; ".join(binding["sentence_en"])
        reason_zh = "留任 — " + "；".join(binding["sentence_zh"])
    elif st in OK:
        reason = "stays — no hard rule forbids rotating this teacher; the plan is cheaper without it"
        reason_zh = "留任 — 无硬性规则阻止其交流，但不交流时方案更优"
    else:
        reason, reason_zh = "stays", "留任"
    alternative = None
    if counterfactual:
        _, base_vals, _ = _counterfactual(
            ctx, weights, chosen_rows, lambda m, x: [m.add(x[r] == int(chosen_rows[r]))
                                                     for r in range(len(x))],
            seconds)
        st2, vals, _ = _counterfactual(
            ctx, weights, chosen_rows, lambda m, x: m.add(cp_model.LinearExpr.sum([x[r] for r in rows]) == 1),
            seconds)
        if st2 == cp_model.INFEASIBLE:
            details.append("verified: no valid plan rotates this teacher at all")
            alternative = {"to_school_id": None, "objective_delta": float("inf"), "status": "INFEASIBLE"}
            reason += " (verified: no valid plan rotates this teacher)"
            reason_zh += "（已验证：任何可行方案都无法让其交流）"
        elif st2 in OK and base_vals is not None:
            delta = _objective_of(ctx, weights, vals) - _objective_of(ctx, weights, base_vals)
            goes = [f.sid[f.cs[r]] for r in rows if vals[ctx.x[r].index]]
            moved_then = {f.ct[r] for r in range(len(ctx.x)) if vals[ctx.x[r].index]}
            moved_now = {f.ct[r] for r in np.flatnonzero(chosen_rows)}
            displaced = sorted(f.tid[t] for t in moved_now - moved_then)
            d = (f"verified: the best plan that rotates this teacher sends them to {goes[0]}"
                 + (f" and keeps {', '.join(displaced)} in place" if displaced else "")
                 + f", objective {delta:+,.1f}" + ("" if st2 == cp_model.OPTIMAL
                                                   else " (not proven optimal)"))
            details.append(d)
            alternative = {"to_school_id": goes[0] if goes else None, "objective_delta": delta,
                           "status": "OPTIMAL" if st2 == cp_model.OPTIMAL else "FEASIBLE"}
            if not len(binding):
                terms_then = _term_values(ctx, vals)
                terms_now = _term_values(ctx, base_vals)
                moved_terms = ", ".join(f"{k} {terms_then[k] - terms_now[k]:+g}" for k in sorted(terms_then)
                                        if terms_then[k] != terms_now[k] and weights.get(k, 0))
                reason = (f"stays — rotating this teacher is allowed but costs {delta:+,.1f} "
                          f"({moved_terms or 'no term changes'})")
                reason_zh = f"留任 — 可以交流，但会使目标值变化 {delta:+,.1f}"
    return Explanation(**base, decision="stays", to_school_id=None, reason=reason, reason_zh=reason_zh,
                       details=details, binding=binding, alternative=alternative)


