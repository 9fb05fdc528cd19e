"""Money and credit: stipends, title points, transport reimbursement, title prerequisites, a plan's budget.

Each function reads its numbers from the policy's ``[money]`` section
(:class:`teacher_match.rules.budget.Budget`), so "Tongyu's stipend" is ``stipend(policy, "团结", 85)`` with
the Tongyu policy and the same call with another policy's numbers. :func:`plan_money` gives the money columns
of a plan's assignments and its totals for ``plan.solver_info["budget"]``.

Scores are the annual total scores (全年考核总成绩, 0–100). Band tables are ``[[threshold, value], …]`` with
strictly decreasing thresholds: a score gets the value of the first threshold it reaches (≥). The Tongyu text
defines integer bands only ("90 分以上", "89—70 分", "69 分以下"): a non-integer score such as 89.5 is
undefined and raises, unless the policy sets ``score_rounding`` (RULEBOOK T-EV3, case TC08).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import PolicyError
from .rules import budget

__all__ = ["stipend", "stipend_cap", "score_value", "title_points", "qualified", "reimbursed_trips",
           "reward_pay_meets_floor", "senior_title_prerequisite", "direct_title_application",
           "grassroots_senior_title", "exchange_credit_years", "rural_allowance", "plan_budget", "plan_money",
           "PlanMoney"]


def _money(policy) -> budget.Budget:
    return policy.rule(budget.RULE_ID)


def _need(value, key: str, policy):
    if value is None or (isinstance(value, list) and not value):
        raise PolicyError(f"policy '{policy.id}' sets no {key} in [money]")
    return value


def _rounded(score: float, rounding: str) -> float:
    """The score the bands are read with (RULEBOOK T-EV3: bands are defined for integer scores only)."""
    if float(score).is_integer():
        return float(score)
    if rounding == "none":
        raise ValueError(f"score {score:g} falls between the integer score bands, which the source does not "
                         f"define; set score_rounding (floor, round or ceil) to decide")
    # round half up, as score sheets do (Python's round() would send 89.5 to 90 but 88.5 to 88)
    return float({"floor": math.floor, "ceil": math.ceil,
                  "round": lambda v: math.floor(v + 0.5)}[rounding](score))


def score_value(bands: Sequence, score: float, rounding: str = "none") -> float:
    """Value of the first band whose threshold the score reaches (≥); 0 below every threshold.

    Examples
    --------
    >>> score_value([[90, 1.0], [70, 0.6], [0, 0.0]], 70)
    0.6
    """
    s = _rounded(score, rounding)
    for threshold, value in bands:
        if s >= threshold:
            return float(value)
    return 0.0


def stipend_cap(policy, township: str | None) -> float:
    """Full-year stipend cap (yuan) for a destination township (其它乡镇 → the default cap)."""
    m = _money(policy)
    _need(m.stipend_cap_default if not m.stipend_cap_by_township else m.stipend_cap_by_township,
          "stipend_cap_default", policy)
    return float(m.stipend_cap_by_township.get(township, m.stipend_cap_default or 0.0))


def stipend(policy, township: str | None, score: float) -> float:
    """Stipend (yuan) for one full support year: cap of the township × share of the score band.

    Examples
    --------
    >>> import teacher_match as tm
    >>> stipend(tm.load_policy("tongyu-2012"), "团结", 85)
    9000.0
    """
    m = _money(policy)
    bands = _need(m.stipend_score_bands, "stipend_score_bands", policy)
    return stipend_cap(policy, township) * score_value(bands, score, m.score_rounding)


def qualified(policy, score: float) -> bool:
    """Whether an annual score is qualified (合格) under ``qualified_min_score``."""
    m = _money(policy)
    thr = _need(m.qualified_min_score, "qualified_min_score", policy)
    return _rounded(score, m.score_rounding) >= thr


def title_points(policy, scores: Sequence[float], years: float | None = None) -> float:
    """Title-evaluation points: one band value per *full* support year (每满一年).

    Parameters
    ----------
    scores : sequence of float
        Annual total scores, one per support year, in order.
    years : float, optional
        Support time served; only ``floor(years)`` full years count (default: one year per score).
    """
    m = _money(policy)
    bands = _need(m.title_points_bands, "title_points_bands", policy)
    full = len(scores) if years is None else min(len(scores), int(math.floor(years)))
    return float(sum(score_value(bands, s, m.score_rounding) for s in list(scores)[:full]))


def reimbursed_trips(policy, trips: int) -> int:
    """Round trips a month the sending school reimburses: at most ``transport_round_trips_per_month``."""
    cap = _need(_money(policy).transport_round_trips_per_month, "transport_round_trips_per_month", policy)
    return int(min(max(0, trips), cap))


def reward_pay_meets_floor(policy, pay: float, school_average: float, passed: bool = True) -> bool:
    """Whether a qualified exchange teacher's reward pay is at least the school average.

    The average is that of the same category.
    """
    if not _money(policy).reward_pay_floor_school_average or not passed:
        return True
    return pay >= school_average


def senior_title_prerequisite(policy, rural_weak_years: float) -> bool:
    """Senior title prerequisite: at least ``senior_title_min_rural_years`` at a rural or weak school."""
    thr = _need(_money(policy).senior_title_min_rural_years, "senior_title_min_rural_years", policy)
    return rural_weak_years >= thr


def direct_title_application(policy, village_years: float, title: str) -> bool:
    """May apply directly for the next title outside the post ratio.

    Village years ≥ N, no mid/senior title.
    """
    thr = _need(_money(policy).direct_title_min_village_years, "direct_title_min_village_years", policy)
    return village_years >= thr and title not in ("intermediate", "senior")


def grassroots_senior_title(policy, rural_years: float) -> bool:
    """May apply exceptionally (破格) for the grassroots (基层) senior title."""
    thr = _need(_money(policy).grassroots_senior_min_rural_years, "grassroots_senior_min_rural_years", policy)
    return rural_years >= thr


def exchange_credit_years(policy, support_years: float, qualified_: bool = True) -> float:
    """Exchange years credited for completed support teaching (full years, qualified only)."""
    if not _money(policy).support_years_count_as_exchange or not qualified_:
        return 0.0
    return float(math.floor(support_years))


def rural_allowance(policy, from_category: str, to_category: str) -> bool:
    """Whether a rotating teacher may receive the rural post allowance during the rotation."""
    rural = ("rural", "village")
    if _money(policy).rural_allowance_to_rural_only:
        return to_category in rural
    return to_category in rural or from_category in rural


def plan_budget(problem, policy, assignments: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Money columns for an assignments table and the plan's totals.

    Columns (only those the policy prices): ``stipend_cap_yuan`` (full-year maximum at the destination),
    ``transport_trips_per_month`` and ``transport_cap_yuan_per_month`` (trips × 2 × commute km × fare).
    """
    m = _money(policy)
    a = assignments
    moved = a["moves"].to_numpy(dtype=bool)
    cols: dict[str, np.ndarray] = {}
    totals: dict = {}
    if m.stipend_cap_default is not None or m.stipend_cap_by_township:
        c = budget.caps(problem.schools, m)
        pos = a["to_school_id"].map(problem.school_index)
        cap = np.where(moved, c[pos.fillna(0).astype(int).to_numpy()], np.nan)
        cols["stipend_cap_yuan"] = cap
        totals["stipend_cap_total_yuan"] = float(np.nansum(cap))
        if m.budget_max_yuan is not None:
            totals["budget_max_yuan"] = float(m.budget_max_yuan)
    if m.transport_round_trips_per_month is not None:
        trips = np.where(moved, float(m.transport_round_trips_per_month), np.nan)
        cols["transport_trips_per_month"] = trips
        totals["transport_trips_per_month_total"] = float(np.nansum(trips))
        if m.transport_yuan_per_km is not None:
            km = a["commute_km"].astype(float).to_numpy()
            yuan = np.where(moved, trips * 2 * km * m.transport_yuan_per_km, np.nan)
            cols["transport_cap_yuan_per_month"] = yuan
            totals["transport_cap_yuan_per_month_total"] = float(np.nansum(yuan))
    return pd.DataFrame(cols, index=a.index), totals


@dataclass(frozen=True)
class PlanMoney:
    """What the policy's money and records add to a plan: columns, totals, unenforced rules, summary notes."""

    columns: pd.DataFrame
    totals: dict
    unenforced: list
    notes: list[str]


def plan_money(problem: Any, policy: Any, assignments: pd.DataFrame) -> PlanMoney:
    """The policy's money columns and budget totals for an assignments table.

    Also the rules it records but ``solve`` does not enforce — one note each for the summary.
    """
    cols, totals = plan_budget(problem, policy, assignments)
    unenforced = policy.unenforced_rules()
    notes = []
    if "stipend_cap_total_yuan" in totals:
        notes.append(f"stipend budget (full-year caps): {totals['stipend_cap_total_yuan']:,.0f} yuan"
                     + (f" of {totals['budget_max_yuan']:,.0f}" if "budget_max_yuan" in totals else ""))
    if "transport_trips_per_month_total" in totals:
        notes.append(f"transport reimbursed: {totals['transport_trips_per_month_total']:,.0f} "
                     f"round trips a month"
                     + (f", at most {totals['transport_cap_yuan_per_month_total']:,.0f} yuan a month"
                        if "transport_cap_yuan_per_month_total" in totals else ""))
    if unenforced:
        notes.append(f"not enforced by this plan ({len(unenforced)} recorded rules): "
                     + "; ".join(f"{u['rule']}" + (f" [{u['mode']}]" if u.get("mode") else "")
                                 for u in unenforced))
    return PlanMoney(cols, totals, unenforced, notes)
