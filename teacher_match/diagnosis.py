"""Why no plan exists: minimal conflicts of named rule instances, in words, and relaxations that restore one.

:func:`diagnose` puts one enforcement literal on every ledger entry (:mod:`teacher_match.model.assumptions`),
solves with those literals as CP-SAT *assumptions* and reads ``sufficient_assumptions_for_infeasibility()``;
a deletion filter shrinks each conflict to a minimal one, and the conflict's literals are then freed to look
for the next, independent conflict. Each entry becomes a sentence in English and Chinese, said by its rule
(:mod:`teacher_match.rule_sentences`). For every policy parameter of a rule in a conflict (and of the rules
that keep pairs out of the model altogether: flows, commute, protected subjects) the smallest change that
restores feasibility is searched (binary search on a share, count or distance; flipping a switch; widening a
selector) and verified by re-solving the whole instance.
"""

from __future__ import annotations

import dataclasses
import re
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from .errors import TeacherMatchError
from .model.assumptions import OK, assume, cores, enforce_ledger, one_worker_solver
from .model.build import build_model, candidate_pairs
from .policy import PARAMETERS
from .rule_sentences import RULE_ZH, describe_entry
from .rules import RULES, RULES_BY_ID, post_exchange
from .rules.contract import Facts, PruneData
from .scaling import KM_UNITS
from .vocabulary import fmt_value

__all__ = ["diagnose", "Diagnosis"]


def _feasible(problem, policy, seconds: float) -> bool | None:
    """True / False when CP-SAT proves it within ``seconds``; None on a time-out."""
    try:
        ctx = build_model(problem, policy)
    except TeacherMatchError:
        return False
    status = one_worker_solver(seconds).solve(ctx.model)
    return True if status in OK else False if status == cp_model.INFEASIBLE else None


def _linear_parts(model, ct):
    lin = ct.linear
    vs = [model.get_int_var_from_proto_index(v) for v in lin.vars]
    return vs, list(lin.coeffs), list(lin.domain)


def _relaxable(entry: Any) -> bool:
    """Whether a bound of this entry's rule is a policy choice that may be relaxed at one instance.

    A rule without parameters states a fact of the data — a teacher is at one school at a time, a school
    receives what it declared — so "single_assignment ≤ 2" is no proposal; only rules a policy parameterises
    get per-instance relaxations.
    """
    mod = RULES_BY_ID.get(entry.rule)
    return mod is not None and bool(dataclasses.fields(mod.PARAMS))


def _instance_relaxation(ctx, lits_of: dict, entry, core_lits: list[int], deadline: float):
    """For a count constraint in a conflict: the nearest bound at this instance alone that ends the conflict.

    Returns ``(old_bound, new_bound, "≥" | "≤")`` or None (not a plain count, or no bound helps).
    """
    ct = ctx.model.proto.constraints[entry.index]
    if not ct.has_linear():
        return None
    vs, coefs, dom = _linear_parts(ctx.model, ct)
    if len(dom) != 2 or any(c != 1 for c in coefs):
        return None
    lo, hi = dom
    # (the proto's repeated field reads index -1 as 0, silently: take the last element by its position)
    top = sum(int(v.proto.domain[len(v.proto.domain) - 1]) for v in vs)
    bottom = sum(int(v.proto.domain[0]) for v in vs)
    others = [c for c in core_lits if lits_of[c] is not entry]
    if lo > bottom and hi >= cp_model.INT_MAX:
        sense, grid = "≥", list(range(lo - 1, bottom - 1, -1))
    elif hi < top and lo <= cp_model.INT_MIN:
        sense, grid = "≤", list(range(hi + 1, top + 1))
    else:
        return None

    def ok(b) -> bool | None:
        m = ctx.model.clone()
        expr = cp_model.LinearExpr.weighted_sum([m.get_int_var_from_proto_index(v.index) for v in vs], coefs)
        m.add(expr >= b if sense == "≥" else expr <= b)
        status, _ = assume(m, others, max(0.05, deadline - time.perf_counter()))
        return True if status in OK else False if status == cp_model.INFEASIBLE else None

    best = _nearest(grid, ok)
    return None if best is None else (lo if sense == "≥" else hi, best, sense)


def _nearest(grid: list, test):
    """First value of ``grid`` (nearest first) that passes ``test``, assuming monotonicity (binary search)."""
    if not grid or test(grid[-1]) is not True:
        return None
    lo, hi = -1, len(grid) - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        r = test(grid[mid])
        if r is True:
            hi = mid
        elif r is False:
            lo = mid
        else:
            break  # out of time: the far value is verified, report it
    return grid[hi]


# ====================================================================== parameter relaxations
def _candidates(spec, value, problem) -> list[list]:
    """Candidate values of one parameter, as lists ordered nearest first (one list per direction)."""
    kind = spec.meta.get("kind")
    if kind == "bool":
        return [[not bool(value)]]
    if kind == "choice":
        return [[c] for c in spec.meta.get("choices", ()) if c != value]
    if value is None:
        return []  # the rule is off: it cannot take part in a conflict
    if kind == "share":
        cur = float(value)
        grid = sorted({round(i / 100, 2) for i in range(101)} | {0.0, 1.0})
        return [[g for g in reversed(grid) if g < cur], [g for g in grid if g > cur]]
    if kind == "int":
        cur = int(value)
        top = max(10, 2 * cur, len(problem.teachers))
        return [list(range(cur - 1, -1, -1)), list(range(cur + 1, top + 1))]
    if kind == "number":
        cur = float(value)
        step = 1 / KM_UNITS
        n_up = int(max(100.0, 10 * cur) / step)
        down = [round(cur - k * step, 1) for k in range(1, int(cur / step) + 1)]
        return [down, [round(cur + k * step, 1) for k in range(1, n_up + 1)]]
    if kind == "selector":
        if not value:
            return []
        out = []
        for attr in ("category", "strength"):
            have = list(value.get(attr, []))
            for v in sorted(set(problem.schools[attr].astype(str)) - set(have)):
                out.append([{**value, attr: have + [v]}])
        return out
    return []


def _pruning_rules(ctx) -> list[str]:
    """Rules whose ``prune`` removes at least one (movable teacher, school with a need) pair here.

    Only these can take part in a conflict without a ledger entry, so only their parameters are searched.
    """
    exchange = ctx.policy.rule(post_exchange.RULE_ID)
    # with the exchange of posts the posts schools open by sending are destinations too
    status = ctx.elig["status"].to_numpy()
    posts = (post_exchange.posts(ctx.problem, status, ctx.sending, ctx.receiving, exchange)
             if exchange.post_exchange else None)
    raw = candidate_pairs(ctx.problem, ctx.elig, [], posts=posts)
    if not len(raw):
        return []
    data = PruneData(problem=ctx.problem, sending=ctx.sending, receiving=ctx.receiving)
    return [m.RULE_ID for m in RULES if m.prune is not None
            and not np.asarray(m.prune(raw, rule=ctx.policy.rule(m.RULE_ID), data=data), dtype=bool).all()]


def _relaxations(problem, policy, rule_ids: list[str], deadline: float) -> list[dict]:
    """Smallest verified change of each parameter of the given rules that makes the instance feasible."""
    params = policy.params()
    rows = []
    for rid in rule_ids:
        for key, spec in PARAMETERS.items():
            if spec.owner != rid or spec.meta.get("kind") not in ("share", "int", "number", "bool", "choice",
                                                                  "selector"):
                continue
            cur = params.get(key)
            cache: dict = {}

            def test(v, key=key, cache=cache):
                marker = repr(v)
                if marker not in cache:
                    if time.perf_counter() >= deadline:
                        return None
                    try:
                        pol = policy.with_(**{key: v})
                    except TeacherMatchError:
                        cache[marker] = False
                        return False
                    cache[marker] = _feasible(problem, pol, min(10.0, deadline - time.perf_counter()))
                return cache[marker]

            for grid in _candidates(spec, cur, problem):
                new = _nearest(grid, test)
                if new is None:
                    continue
                rows.append({"parameter": key, "rule": rid, "current": fmt_value(cur),
                             "suggested": fmt_value(new), "value": new,
                             "sentence_en": f"{key} {fmt_value(cur)} → {fmt_value(new)}",
                             "sentence_zh": f"将 {key} 由 {fmt_value(cur)} 调整为 {fmt_value(new)}",
                             "verified": True})
    return rows


# ====================================================================== diagnosis
@dataclass
class Diagnosis:
    """Why no plan exists: minimal conflicts of named rule instances and the relaxations that restore a plan.

    Attributes
    ----------
    conflicts : DataFrame
        ``conflict, rule, key, sentence_en, sentence_zh, relaxation`` — one row per rule instance; rows with
        the same ``conflict`` number cannot all hold together. Conflict 0 lists rules that take no constraint
        in the model (they keep pairs out, e.g. ``commute``) but whose relaxation alone restores a plan.
    relaxations : DataFrame
        ``parameter, rule, current, suggested, value, sentence_en, sentence_zh, verified`` — for each
        parameter, the smallest change found that makes the whole instance feasible, verified by re-solving.
        ``policy.with_(**{parameter: value})`` applies it.
    complete : bool
        False when the time budget ran out before every conflict and relaxation was searched.
    """

    conflicts: pd.DataFrame
    relaxations: pd.DataFrame
    complete: bool = True

    def to_text(self, lang: str = "en") -> str:
        """The diagnosis as plain lines (``lang`` = ``"en"`` or ``"zh"``)."""
        col = "sentence_zh" if lang == "zh" else "sentence_en"
        lines = []
        for k, g in self.conflicts.groupby("conflict", sort=True):
            head = ("these rules cannot all hold:" if lang != "zh" else "以下规则无法同时满足：") if k else (
                "also involved (relaxing it alone restores a plan):" if lang != "zh"
                else "亦相关（单独放宽即可得到方案）：")
            lines.append(f"conflict {k} — {head}" if k else head)
            for r in g.itertuples(index=False):
                lines.append(f"  • {r.rule}[{r.key}]: {getattr(r, col)}")
                here = _ALONE.search(str(r.relaxation))
                if here:
                    _key, new, old = here.group(1), here.group(2), here.group(3)
                    lines.append(f"      relax here: {new} instead of {old}" if lang != "zh"
                                 else f"      仅在此处放宽：{new}（原为 {old}）")
        if len(self.relaxations):
            lines.append("relaxations that restore a plan (each verified by re-solving):" if lang != "zh"
                         else "可恢复可行方案的最小放宽（均已重新求解验证）：")
            for r in self.relaxations.itertuples(index=False):
                lines.append(f"  • {r.sentence_zh if lang == 'zh' else r.sentence_en}")
        if not self.complete:
            lines.append("(time budget reached: the list may be incomplete)" if lang != "zh"
                         else "（已到时间上限：列表可能不完整）")
        return "\n".join(lines)

    def __str__(self) -> str:
        """The diagnosis in English (see :meth:`to_text`)."""
        return self.to_text("en")


#: the per-instance part of a relaxation cell: "at school=U1 alone: ≥ 1 instead of ≥ 2"
_ALONE = re.compile(r"at (\S+) alone: (. \d+) instead of (. \d+)")

_CONFLICT_COLUMNS = ["conflict", "rule", "key", "sentence_en", "sentence_zh", "relaxation"]
_RELAX_COLUMNS = ["parameter", "rule", "current", "suggested", "value", "sentence_en", "sentence_zh",
                  "verified"]


def diagnose(problem, policy, *, time_limit: float = 30.0, max_conflicts: int = 5,
             relax: bool = True) -> Diagnosis:
    """Name the rule instances that conflict, in words, and the smallest relaxations that restore a plan.

    Parameters
    ----------
    problem, policy
        As for :func:`teacher_match.solve`.
    time_limit : float
        Seconds for the whole diagnosis (conflicts first, then relaxations).
    max_conflicts : int
        Stop after this many independent conflicts.
    relax : bool
        Also search parameter relaxations.

    Returns
    -------
    Diagnosis
        Empty tables when the instance is feasible.

    Examples
    --------
    Two mandatory teachers of U1 must both rotate, but only the maths teacher has a school that needs her:

    >>> import pandas as pd
    >>> import teacher_match as tm
    >>> p = tm.Problem.from_frames(
    ...     pd.DataFrame({"teacher_id": ["A", "B"], "school_id": "U1", "subject": ["math", "music"],
    ...                   "gender": "F", "age": 40, "years_at_school": 8}),
    ...     pd.DataFrame({"school_id": ["U1", "R1"], "category": ["urban", "rural"], "x": [0.0, 10.0],
    ...                   "y": 0.0}),
    ...     pd.DataFrame({"school_id": ["R1"], "subject": ["math"], "count": [1]}))
    >>> pol = tm.load_policy("default").with_(min_share_of_eligible=1.0, min_rotation_hard=True)
    >>> d = tm.diagnose(p, pol, time_limit=10)
    >>> print(d.conflicts["sentence_en"].iat[0])  # doctest: +NORMALIZE_WHITESPACE
    U1 must rotate at least 2 of its 2 mandatory teachers (100%, rounded up), but only 1 of them can be
    placed at a receiving school that needs their subject
    >>> list(d.relaxations["sentence_en"])
    ['min_share_of_eligible 1 → 0', 'min_rotation_hard true → false']
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    ctx = build_model(problem, policy)
    facts = Facts(ctx)
    lits = enforce_ledger(ctx.ledger, ctx.model)
    found, complete = cores(ctx.model, lits, t0 + 0.5 * time_limit if relax else deadline, max_conflicts)
    index_of = {id(e): i for i, e in lits.items()}
    rows = []
    for k, core in enumerate(found, start=1):
        if not core:
            rows.append({"conflict": k, "rule": "model", "key": "",
                         "sentence_en": "the hard constraints conflict even with every named rule relaxed",
                         "sentence_zh": "即使放开所有具名规则，硬约束仍相互矛盾", "relaxation": ""})
            continue
        core_lits = [index_of[id(e)] for e in core]
        for e in core:
            en, zh = describe_entry(ctx, e, facts=facts)
            inst = (_instance_relaxation(ctx, lits, e, core_lits, deadline) if relax and _relaxable(e)
                    else None)
            rel = ""
            if inst is not None:
                old, new, sense = inst
                rel = f"at {e.key} alone: {sense} {new} instead of {sense} {old}"
            rows.append({"conflict": k, "rule": e.rule, "key": e.key, "sentence_en": en, "sentence_zh": zh,
                         "relaxation": rel})
    relax_rows = []
    if relax and found:
        in_core = list(dict.fromkeys(e.rule for core in found for e in core))
        pruning = [r for r in _pruning_rules(ctx) if r not in in_core]
        relax_rows = _relaxations(ctx.problem, policy, in_core + pruning, deadline)
        complete = complete and time.perf_counter() < deadline
        by_rule: dict = {}
        for r in relax_rows:
            by_rule.setdefault(r["rule"], []).append(r["sentence_en"])
        for r in rows:
            found = by_rule.get(r["rule"], [])
            r["relaxation"] = "; or ".join(found + ([r["relaxation"]] if r["relaxation"] else []))
        params = policy.params()
        for rid in pruning:
            found_relax = [x for x in relax_rows if x["rule"] == rid]
            if not found_relax:
                continue
            for x in found_relax:
                doc = PARAMETERS[x["parameter"]].meta.get("doc", "")
                cur = fmt_value(params.get(x["parameter"]))
                rows.append({"conflict": 0, "rule": rid, "key": f"{x['parameter']}={cur}",
                             "sentence_en": f"{rid}: {doc} ({x['parameter']} = {cur}) keeps the moves this "
                                            f"needs out of the plan",
                             "sentence_zh": f"{RULE_ZH.get(rid, rid)}：参数 {x['parameter']} = {cur} "
                                            f"排除了所需的交流安排",
                             "relaxation": x["sentence_en"]})
    conflicts = pd.DataFrame(rows, columns=_CONFLICT_COLUMNS)
    relaxations = pd.DataFrame(relax_rows, columns=_RELAX_COLUMNS)
    return Diagnosis(conflicts, relaxations, complete)
