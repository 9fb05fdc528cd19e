"""Which single change of the policy would fill the most unfilled needs — each verified by re-solving.

The parameters of the rules that block the unfilled needs (:func:`teacher_match.unmet.unmet_needs`, the
plan's ``unmet`` table) are tried one at a time, each value a full re-solve of the instance whose plan the
independent checker confirms.
"""

from __future__ import annotations

import time
import warnings
from typing import TYPE_CHECKING

import pandas as pd

from .check import check
from .diagnosis import _candidates
from .errors import InputWarning, TeacherMatchError
from .policy import PARAMETERS
from .solving import solve
from .unmet import ELIGIBILITY
from .vocabulary import fmt_value

if TYPE_CHECKING:
    from .plan import Plan
    from .policy import Policy
    from .problem import Problem

__all__ = ["what_would_fill", "CHANGE_COLUMNS"]

CHANGE_COLUMNS = ["parameter", "rule", "current", "suggested", "value", "needs_filled", "needs_filled_now",
                  "needs_declared", "rotated", "status", "sentence_en", "sentence_zh", "verified"]

#: eligibility parameters worth a try when eligibility blocks a need (the tenure thresholds)
_ELIGIBILITY_KEYS = ("min_years_eligible", "min_years_at_school")


def what_would_fill(problem: Problem, policy: Policy, plan: Plan, *, time_limit: float = 30.0,
                    solve_seconds: float = 10.0, max_changes: int = 4, seed: int = 0) -> pd.DataFrame:
    """Single-parameter changes of the policy that fill more of the needs the plan leaves unfilled.

    The parameters of the rules that block the unfilled needs (``plan.unmet``) are tried one at a time: for
    each parameter and each direction, the farthest value first; when it fills more needs, the nearest value
    that fills more is found by bisection. Each value is a full re-solve of the instance, and its plan is
    checked by the independent checker (:func:`teacher_match.check`), so a row is a plan that exists.

    Parameters
    ----------
    problem, policy, plan
        The instance and its plan (with ``plan.unmet``, as :func:`teacher_match.solve` leaves it).
    time_limit : float
        Seconds for the whole search; what is not tried by then is left out.
    solve_seconds : float
        Time limit of each re-solve.
    max_changes : int
        Rows kept: the changes that fill the most, nearest first among equals.

    Returns
    -------
    DataFrame
        ``parameter, rule, current, suggested, value, needs_filled, needs_filled_now, needs_declared, rotated,
        status, sentence_en, sentence_zh, verified``; ``policy.with_(**{parameter: value})`` applies a row.
        Empty when no need is unfilled or no single change fills more.
    """
    unmet = getattr(plan, "unmet", None)
    t_end = time.perf_counter() + time_limit
    now = int(plan.needs["filled"].sum())
    declared = int(plan.needs["count"].sum())
    if unmet is None or not len(unmet) or not plan.has_plan:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    weight = unmet.groupby("rule")["unmet"].sum().sort_values(ascending=False, kind="stable")
    keys = []
    for rid in weight.index:
        if rid == ELIGIBILITY:
            keys += [k for k in _ELIGIBILITY_KEYS if k in PARAMETERS]
        keys += [k for k, spec in PARAMETERS.items() if spec.owner == rid and spec.meta.get("kind") in
                 ("share", "int", "number", "bool", "choice")]
    params = policy.params()
    tried: dict[tuple[str, str], dict | None] = {}

    def attempt(key: str, value) -> dict | None:
        marker = (key, repr(value))
        if marker not in tried:
            if time.perf_counter() >= t_end:
                return None
            try:
                pol = policy.with_(**{key: value})
                with warnings.catch_warnings():
                    # what the first solve warned about (a column a rule needs …) is not said again per value
                    warnings.simplefilter("ignore", InputWarning)
                    # (how many needs a change fills is the objective's business: no tie stage)
                    p = solve(problem, pol, seed=seed, tie_break=False,
                              time_limit=max(0.5, min(solve_seconds, t_end - time.perf_counter())))
            except TeacherMatchError:
                tried[marker] = None
                return None
            ok = p.has_plan and check(problem, pol, p).empty
            tried[marker] = ({"needs_filled": int(p.needs["filled"].sum()), "rotated": int(p.moved.shape[0]),
                              "status": p.status} if ok else None)
        return tried[marker]

    def fills(key: str, value) -> int:
        r = attempt(key, value)
        return r["needs_filled"] if r is not None else -1

    rows = []
    for key in dict.fromkeys(keys):
        spec = PARAMETERS[key]
        cur = params.get(key)
        for grid in _candidates(spec, cur, problem):
            if not grid or time.perf_counter() >= t_end:
                continue
            best = fills(key, grid[-1])
            if best <= now:
                continue
            picks = [grid[-1]]
            lo, hi = -1, len(grid) - 1  # grid[hi] fills more; find the nearest such value
            while hi - lo > 1 and time.perf_counter() < t_end:
                mid = (lo + hi) // 2
                if fills(key, grid[mid]) > now:
                    hi = mid
                else:
                    lo = mid
            if hi != len(grid) - 1:
                picks.insert(0, grid[hi])
            for v in picks:
                r = tried[(key, repr(v))]
                assert r is not None
                rows.append(_change_row(key, spec.owner, cur, v, r, now, declared))
    out = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    if len(out):
        out["_order"] = range(len(out))
        out = (out.sort_values(["needs_filled", "_order"], ascending=[False, True], kind="stable")
               .drop(columns="_order").head(max_changes).reset_index(drop=True))
    return out


def _change_row(key: str, rule: str, cur, value, r: dict, now: int, declared: int) -> dict:
    old, new = fmt_value(cur), fmt_value(value)
    return {"parameter": key, "rule": rule, "current": old, "suggested": new, "value": value,
            "needs_filled": r["needs_filled"], "needs_filled_now": now, "needs_declared": declared,
            "rotated": r["rotated"], "status": r["status"],
            "sentence_en": f"{key} {old} → {new}: {r['needs_filled']} of {declared} needs filled "
                           f"(now {now}), {r['rotated']} rotated",
            "sentence_zh": f"将 {key} 由 {old} 调整为 {new}：可补缺 {r['needs_filled']}/{declared} 人（现为 "
                           f"{now}），交流 {r['rotated']} 人",
            "verified": True}
