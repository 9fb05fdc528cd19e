"""Hard rule: the plan's stipend budget (奖励津贴) stays within the bureau's; money and credit parameters.

    Σ_t stipend_cap(township(s)) · x[t, s] ≤ budget_max_yuan

``stipend_cap`` is the full-year maximum for the destination's township (通榆: 15000 / 10000 / 5000 yuan by
township tier): the most the bureau may have to pay, so the budget holds whatever the teachers' scores.
The other parameters of policy section ``[money]`` are read by :mod:`teacher_match.money` (stipend by score
band, title points per full year, transport reimbursement, title prerequisites) and by the plan's budget
columns; they add no constraint. The allowance columns are checked from the plan:

    living_allowance(t) = category(to(t)) ∈ living_allowance_categories,   allowance_paid_by(t) = the payer
    rural_weak_years_after(t) = rural_years(t) + [to(t) is rural, village or weak]   (after this year)
    senior_title_prerequisite(t) = rural_weak_years_after(t) ≥ senior_title_min_rural_years
    principal_prerequisite(t) = schools_worked(t) + [t moves] ≥ principal_min_schools
    reward_pay_floor_yuan(t) = mean reward_pay over school(t)'s teachers of title(t)   (t moves; 同类教师)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..params import param
from .contract import CheckData, Facts, Key, PlanState, Stage, StayTest, Usage, Violation, key

RULE_ID = "budget"
SECTION = "money"
#: place in the registry: build order, and the order of equal-stage stay reasons and schools-table columns
ORDER = 150
TITLE = "stipend budget"
TITLE_ZH = "经费预算"
assignment_words = None
shortfalls = None
TERMS: dict[str, tuple[int, str]] = {}
term_values = None
prune = None
pair_words = None
teacher_words = None


@dataclass(frozen=True)
class Budget:
    """Money and credit (policy section ``[money]``)."""

    stipend_cap_by_township: dict = param(
        {}, "table", "full-year stipend cap (yuan) by destination township (全年奖励津贴最高额)")
    stipend_cap_default: float | None = param(
        None, "number", "full-year stipend cap (yuan) of any other township (其它乡镇); unset = no stipend")
    stipend_score_bands: list = param(
        [], "bands",
        "share of the cap paid by annual score: [[90, 1.0], [70, 0.6], [0, 0.0]] = ≥90 → 100 % …")
    title_points_bands: list = param(
        [], "bands",
        "title-evaluation points per full support year by annual score: [[90, 2], [70, 1], [0, 0]]")
    qualified_min_score: float | None = param(
        None, "number", "annual score from which a support year is qualified (合格)")
    score_rounding: str = param(
        "none", "choice", "scores between the integer band limits (e.g. 89.5): none = undefined, raise; or "
        "floor / round / ceil first", choices=("none", "floor", "round", "ceil"))
    budget_max_yuan: float | None = param(
        None, "number", "hard cap on Σ stipend caps of the teachers the plan sends (the bureau's budget)")
    transport_round_trips_per_month: int | None = param(
        None, "int", "round trips per month the sending school reimburses (每月报销 4 次往返交通费)")
    transport_yuan_per_km: float | None = param(
        None, "number",
        "fare per km for the transport budget (unset: the budget is given in trips and km only)")
    senior_title_min_rural_years: float | None = param(
        None, "number", "senior title (高级教师) needs at least this many years at a rural or weak school")
    principal_min_schools: int | None = param(
        None, "int", "a principal needs work experience at this many schools (the plan's "
        "principal_prerequisite column, from schools_worked)")
    direct_title_min_village_years: float | None = param(
        None, "number", "this many cumulative village-school years without a mid/senior title → may apply "
        "directly for the next title outside the post ratio")
    grassroots_senior_min_rural_years: float | None = param(
        None, "number", "this many cumulative rural front-line years → may apply exceptionally for the 基层 "
        "senior title (破格)")
    support_years_count_as_exchange: bool = param(
        False, "bool", "completed, qualified support years are credited as exchange years (支教经历视同交流)")
    rural_allowance_to_rural_only: bool = param(
        False, "bool", "the rural post allowance is paid only to teachers rotating to rural schools, not to "
        "rural teachers rotating to urban schools")
    living_allowance_categories: list = param(
        [], "strlist", "a teacher moved to a school of these categories receives a living allowance "
        "(生活补贴; the plan's living_allowance column)", choices=("urban", "town", "rural", "village"))
    allowances_paid_by: str = param(
        "", "choice", "the school that pays the moved teachers' transport and living allowances "
        "(the plan's allowance_paid_by column)", choices=("", "sending", "receiving"))
    reward_pay_floor_school_average: bool = param(
        False, "bool", "a qualified exchange teacher's reward performance pay is at least the sending "
        "school's average for the same category (不低于同类教师平均水平)")


#: the rule's parameters (a policy section's keys)
PARAMS = Budget


def caps(schools: Any, rule: Budget) -> np.ndarray:
    """Full-year stipend cap (yuan) of each school as a destination; 0 where no stipend applies."""
    if rule.stipend_cap_default is None and not rule.stipend_cap_by_township:
        return np.zeros(len(schools))
    default = rule.stipend_cap_default or 0.0
    return np.array([rule.stipend_cap_by_township.get(tw, default) if isinstance(tw, str) else default
                     for tw in schools["township"]], dtype=float)


def class_key(teachers, schools, rule) -> list:
    """Nothing per teacher beyond the base class key (school, subject, backbone, role, status)."""
    return []


def build(ctx: Any, rule: Budget) -> None:
    """Σ cap(destination) · x ≤ budget (caps are whole yuan)."""
    if rule.budget_max_yuan is None or not len(ctx.model_pairs):
        return
    from ortools.sat.python import cp_model  # formulation layer only

    c = np.rint(caps(ctx.schools, rule)[ctx.model_pairs["s"].to_numpy()]).astype(np.int64)
    rows = np.flatnonzero(c)
    expr = cp_model.LinearExpr.weighted_sum(ctx.xs(rows), [int(v) for v in c[rows]])
    ctx.add(RULE_ID, key("county"), expr <= int(np.floor(rule.budget_max_yuan)))


#: the plan columns of :func:`plan_columns` and their types
COLUMN_DTYPES = {"living_allowance": "boolean", "allowance_paid_by": "object",
                 "rural_weak_years_after": "float",
                 "senior_title_prerequisite": "boolean", "principal_prerequisite": "boolean",
                 "reward_pay_floor_yuan": "float"}


def plan_columns(problem: Any, rule: Budget, to_school_id: Any, moves: Any) -> dict[str, list]:
    """Per assignments row (roster order): the allowance and title-prerequisite columns the policy sets.

    ``living_allowance`` and ``allowance_paid_by`` (None for a teacher who stays); the prerequisites after
    this school year: ``rural_weak_years_after``, ``senior_title_prerequisite`` and
    ``principal_prerequisite``.
    """
    cols: dict[str, list] = {}
    moved = [bool(m) for m in moves]
    t = problem.teachers
    if rule.senior_title_min_rural_years is not None:
        s = problem.schools
        hard = dict(zip(s["school_id"], s["category"].isin(["rural", "village"]).to_numpy()
                        | (s["strength"] == "weak").to_numpy(), strict=True))
        had = (pd.to_numeric(t["rural_years"], errors="coerce").fillna(0).to_numpy(dtype=float)
               if "rural_years" in t.columns else np.zeros(len(t)))
        after = [float(y) + (1.0 if m and hard.get(d, False) else 0.0)
                 for y, d, m in zip(had, to_school_id, moved, strict=True)]
        cols["rural_weak_years_after"] = after
        cols["senior_title_prerequisite"] = [y >= rule.senior_title_min_rural_years for y in after]
    if rule.principal_min_schools is not None:
        worked = (pd.to_numeric(t["schools_worked"], errors="coerce").fillna(1).to_numpy(dtype=float)
                  if "schools_worked" in t.columns else np.ones(len(t)))
        cols["principal_prerequisite"] = [w + m >= rule.principal_min_schools
                                          for w, m in zip(worked, moved, strict=True)]
    if rule.reward_pay_floor_school_average:
        cols["reward_pay_floor_yuan"] = reward_pay_floors(problem, moved)
    if rule.living_allowance_categories:
        cat = dict(zip(problem.schools["school_id"], problem.schools["category"], strict=True))
        cols["living_allowance"] = [cat.get(s) in rule.living_allowance_categories if m else None
                                    for s, m in zip(to_school_id, moved, strict=True)]
    if rule.allowances_paid_by:
        cols["allowance_paid_by"] = [rule.allowances_paid_by if m else None for m in moved]
    return cols


def reward_pay_floors(problem: Any, moved: list[bool]) -> list[float | None]:
    """Per roster row: a moved teacher's reward-pay floor, the sending school's average for the same title.

    Over the teachers of the school and title with a ``reward_pay`` [奖励性绩效工资]; None for a teacher who
    stays, or when none of them has one. The floor holds once the teacher passes the joint assessment.
    """
    t = problem.teachers
    if "reward_pay" not in t.columns:
        return [None] * len(t)
    pay = pd.to_numeric(t["reward_pay"], errors="coerce")
    title = (t["title"].astype(object).fillna("none") if "title" in t.columns
             else pd.Series("none", index=t.index))
    frame = pd.DataFrame({"school": t["school_id"].to_numpy(), "title": title.to_numpy(),
                          "pay": pay.to_numpy()})
    mean = frame.dropna(subset=["pay"]).groupby(["school", "title"])["pay"].mean()
    return [float(mean[(s, c)]) if m and (s, c) in mean.index else None
            for s, c, m in zip(frame["school"], frame["title"], moved, strict=True)]


def _check_columns(chk: CheckData, rule: Budget) -> list[Violation]:
    """The plan's allowance, prerequisite and pay columns are those its moves set (roster order)."""
    t = chk.teachers
    a = chk.assignments.drop_duplicates("teacher_id").set_index("teacher_id")
    out: list[Violation] = []
    # every move of the plan, in any mode, in roster order (a teacher missing from the plan stays)
    row = a.reindex(t["teacher_id"])
    moves = row["moves"].astype("boolean").fillna(False).astype(bool)
    to = row["to_school_id"].where(moves, None)
    for col, want in plan_columns(chk.problem, rule, to.to_numpy(), moves.to_numpy()).items():
        if col not in a.columns:
            out.append((RULE_ID, key(col), f"the plan has no {col} column"))
            continue
        got = t["teacher_id"].map(a[col].astype(object))
        for tid, g, w in zip(t["teacher_id"], got, want, strict=True):
            if (w is None) != (g is None or g is pd.NA or (isinstance(g, float) and np.isnan(g))) or \
                    (w is not None and g != w):
                out.append((RULE_ID, key(col, teacher=tid), f"{tid}: {col} is {g!r}, its move sets {w!r}"))
    return out


def check(chk: CheckData, rule: Budget) -> list[Violation]:
    """Recompute Σ stipend caps of the moved teachers, and the allowance columns."""
    out = _check_columns(chk, rule)
    if rule.budget_max_yuan is None or not len(chk.moved):
        return out
    c = caps(chk.problem.schools, rule)
    pos = chk.moved["to_school_id"].map(chk.problem.school_index).to_numpy()
    total = float(np.rint(c[pos]).sum())
    if total > rule.budget_max_yuan:
        out.append((RULE_ID, key("county"), f"stipend caps of the plan total {total:,.0f} yuan > budget "
                                       f"{rule.budget_max_yuan:,.0f}"))
    return out


# ---------------------------------------------------------------------- words
def binding_words(f: Facts, rule: Budget, k: Key, usage: Usage | None) -> tuple[str, str]:
    """The bureau's budget: Σ stipend caps of those sent."""
    b = rule.budget_max_yuan or 0.0
    tail = tail_zh = ""
    if usage is not None:
        c = caps(f.schools, rule)
        used = float(np.rint(c[usage.dest[usage.dest >= 0]]).sum())
        tail, tail_zh = f"; the plan commits {used:,.0f} yuan", f"；本方案已占用 {used:,.0f} 元"
    return (f"the stipend caps of the teachers sent total at most {b:,.0f} yuan (budget_max_yuan){tail}",
            f"派出教师的津贴上限合计不得超过 {b:,.0f} 元{tail_zh}")


def stays(state: PlanState, rule: Budget) -> list[StayTest]:
    """A teacher whose cheapest open destination no longer fits in the budget stays."""
    if rule.budget_max_yuan is None:
        return []
    c = np.rint(caps(state.problem.schools, rule))
    used = float(c[state.to_pos[state.moved]].sum())

    def over_budget(t: int) -> str | None:
        dests = state.dests.get(t, [])
        if not dests or used + min(c[j] for j in dests) <= (rule.budget_max_yuan or 0.0):
            return None
        return (f"the stipend budget of {rule.budget_max_yuan:,.0f} yuan is used up "
                f"({used:,.0f} committed; the cheapest open school costs {min(c[j] for j in dests):,.0f})")

    return [StayTest(Stage.CAP, over_budget)]


def school_columns(state: PlanState, rule: Budget) -> dict[str, Any]:
    """No schools-table column (the money columns are per teacher)."""
    return {}
