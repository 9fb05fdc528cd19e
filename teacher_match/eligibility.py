"""Who must, may, need not, or cannot rotate — with the rule and the value that decided it.

Statuses, in the order they are decided (the first that applies wins):

1. ``ineligible`` — a hard bar: over the age cap (年龄上限), too close to statutory retirement, too few
   teaching years, under a sanction or its cool-down, a leader when leaders are excluded;
2. ``ineligible`` — the trigger is not met and the teacher neither volunteers nor meets the lower
   "may rotate" threshold;
3. ``exempt`` — would rotate, but an exemption or deferral applies (孕期哺乳期, 重病, family care ≥ N months …);
4. ``mandatory`` — meets the trigger (本校连续任教满 N 年): must be considered for rotation;
5. ``eligible`` — may rotate (volunteer, or between the lower threshold and the trigger).

Every threshold carries its boundary semantics (RULEBOOK §0.2) as an explicit ``*_inclusive`` parameter:
``以上 / 以下 / 满 / 不超过`` are inclusive, ``超过 / 不足`` strict.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .params import by_gender, param

__all__ = ["Eligibility", "eligibility", "STATUSES", "EXEMPTIONS"]

STATUSES = ("mandatory", "eligible", "exempt", "ineligible")
MOVABLE = ("mandatory", "eligible")

#: exemption name -> (roster column, description)
EXEMPTIONS = {
    "pregnant_or_nursing": ("pregnant_or_nursing", "pregnancy, maternity or nursing (孕期、产期、哺乳期)"),
    "serious_illness": ("serious_illness", "serious illness (患重病)"),
    "under_investigation": ("under_investigation", "under audit or investigation (接受审计、纪律审查或调查)"),
    "child_exam_this_year": ("child_exam_this_year", "child sits 中考/高考 this year"),
    "family_care": ("family_care_months", "caring for a family member"),
    "family_hospital": ("family_hospital_months", "family member in hospital"),
    "recent_exchange": ("exchange_years_recent", "recent exchange service"),
    "recent_support": ("years_since_support", "recent support teaching (支教)"),
}


@dataclass(frozen=True)
class Eligibility:
    """Eligibility parameters (policy section ``[eligibility]``)."""

    min_years_at_school: int | None = param(
        6, "int", "trigger: continuous years at the current school (本校连续任教满 N 年) → mandatory")
    min_years_at_school_inclusive: bool = param(True, "bool", "满 N 年 counts N itself (≥); false for 超过 (>)")
    min_years_eligible: int | None = param(
        None, "int", "lower threshold: from this many years a teacher may rotate (eligible) without the trigger")
    max_age: float | dict | None = param(
        None, "by_gender", "age cap (男 N 周岁以下): over it a teacher is ineligible; a number or { M = .., F = .. }")
    max_age_inclusive: bool = param(True, "bool", "N 周岁以下 includes N (≤); false for 不足 N (<)")
    retirement_age: float | dict = param(
        {"M": 60, "F": 55}, "by_gender", "statutory retirement age, for years-to-retirement when not on the roster")
    min_years_to_retirement: float | None = param(
        None, "number", "bar: at least this many years to statutory retirement (距退休 N 年以上)")
    min_years_to_retirement_inclusive: bool = param(False, "bool", "超过 N 年 is strict (>) — the default")
    min_teaching_years: int | None = param(None, "int", "bar: at least this many teaching years (教龄满 N 年)")
    exempt: list = param([], "strlist", "exemptions that defer rotation", choices=tuple(EXEMPTIONS))
    family_care_min_months: float = param(6, "number", "family care exempts from this many months (≥)")
    family_hospital_min_months: float = param(3, "number", "family hospitalisation exempts from this many months (≥)")
    recent_exchange_max_years: float | None = param(
        None, "number", "exempt when recent cumulative exchange years reach this (近6年累计交流满3年)")
    support_lookback_years: float | None = param(
        None, "number", "exempt when the last support teaching was fewer than this many years ago")
    sanction_cooldown_years: float | None = param(
        None, "number", "ineligible while sanctioned and until this many years after the sanction ended")
    volunteers_eligible: bool = param(True, "bool", "volunteers (自愿申请) may rotate without meeting the trigger")
    include_leaders: bool = param(True, "bool", "leadership-team members are part of the rotation population")


def _meets(values: pd.Series, threshold, inclusive: bool, upper: bool) -> pd.Series:
    """values ≥/> threshold (lower bound) or ≤/< threshold (upper bound); NaN values pass."""
    v = values.astype("Float64")
    if upper:
        ok = v <= threshold if inclusive else v < threshold
    else:
        ok = v >= threshold if inclusive else v > threshold
    return ok.fillna(True).astype(bool)


def years_to_retirement(teachers: pd.DataFrame, rule: Eligibility) -> pd.Series:
    """Years to statutory retirement: the roster value when given, else retirement age − age by gender."""
    ret_m = by_gender(rule.retirement_age, "M")
    ret_f = by_gender(rule.retirement_age, "F")
    ret = np.where(teachers["gender"] == "M", ret_m, ret_f).astype(float)
    derived = pd.Series(ret, index=teachers.index) - teachers["age"].astype(float)
    if "years_to_retirement" in teachers.columns:
        return teachers["years_to_retirement"].astype(float).fillna(derived)
    return derived


def eligibility(problem, policy) -> pd.DataFrame:
    """Decide each teacher's status under the policy's ``[eligibility]`` rules.

    Returns
    -------
    DataFrame
        ``teacher_id, status, reason`` in roster order, one row per teacher; ``reason`` names the rule and the
        value that decided (e.g. ``"ineligible: age 56 > 55 (max_age for M)"``).

    Examples
    --------
    >>> import teacher_match as tm
    >>> p = tm.make_county(300, seed=1)
    >>> e = tm.eligibility(p, tm.load_policy("default"))
    >>> sorted(e["status"].unique()) <= ["eligible", "exempt", "ineligible", "mandatory"]
    True
    """
    rule: Eligibility = policy.eligibility
    problem = problem.at(policy.reference_date) if policy.reference_date else problem
    t = problem.teachers
    n = len(t)
    status = np.full(n, "", dtype=object)
    reason = np.full(n, "", dtype=object)

    def decide(mask: np.ndarray, st: str, texts) -> None:
        free = (status == "") & mask
        status[free] = st
        reason[free] = texts[free] if isinstance(texts, np.ndarray) else texts

    gender = t["gender"].to_numpy()
    age = t["age"].astype(float).to_numpy()
    years = t["years_at_school"].astype(float).to_numpy()

    # 1. hard bars
    if rule.max_age is not None:
        cap = np.where(gender == "M", by_gender(rule.max_age, "M"), by_gender(rule.max_age, "F")).astype(float)
        ok = age <= cap if rule.max_age_inclusive else age < cap
        op = ">" if rule.max_age_inclusive else "≥"
        texts = np.array([f"ineligible: age {a:g} {op} {c:g} (max_age for {g})" for a, c, g in zip(age, cap, gender)],
                         dtype=object)
        decide(~ok, "ineligible", texts)
    if rule.min_years_to_retirement is not None:
        ytr = years_to_retirement(t, rule).to_numpy()
        thr = rule.min_years_to_retirement
        ok = ytr >= thr if rule.min_years_to_retirement_inclusive else ytr > thr
        op = "<" if rule.min_years_to_retirement_inclusive else "≤"
        texts = np.array([f"ineligible: {y:g} years to retirement {op} {thr:g} (min_years_to_retirement)"
                          for y in ytr], dtype=object)
        decide(~ok, "ineligible", texts)
    if rule.min_teaching_years is not None:
        ty = t["teaching_years"].astype(float).to_numpy()
        ok = ty >= rule.min_teaching_years
        texts = np.array([f"ineligible: {v:g} teaching years < {rule.min_teaching_years} (min_teaching_years)"
                          for v in ty], dtype=object)
        decide(~ok, "ineligible", texts)
    if rule.sanction_cooldown_years is not None and "sanction_ended_years_ago" in t.columns:
        ago = t["sanction_ended_years_ago"].astype(float).to_numpy()
        barred = ~np.isnan(ago) & (ago < rule.sanction_cooldown_years)
        texts = np.array([
            "ineligible: currently under a sanction (处分期内)" if a == 0 else
            f"ineligible: sanction ended {a:g} years ago < {rule.sanction_cooldown_years:g} (sanction_cooldown_years)"
            for a in np.nan_to_num(ago)], dtype=object)
        decide(barred, "ineligible", texts)
    if not rule.include_leaders:
        decide((t["role"] != "teacher").to_numpy(), "ineligible", "ineligible: leadership-team members rotate separately")

    # 2. trigger / lower threshold / volunteers
    if rule.min_years_at_school is not None:
        trig = years >= rule.min_years_at_school if rule.min_years_at_school_inclusive else (
            years > rule.min_years_at_school)
    else:
        trig = np.zeros(n, dtype=bool)
    lower = years >= rule.min_years_eligible if rule.min_years_eligible is not None else np.zeros(n, dtype=bool)
    vol = t["volunteer"].to_numpy(dtype=bool) if "volunteer" in t.columns else np.zeros(n, dtype=bool)
    may = lower | (vol & rule.volunteers_eligible)
    op = "<" if rule.min_years_at_school_inclusive else "≤"
    texts = np.array([f"ineligible: {y:g} years at school {op} {rule.min_years_at_school} (min_years_at_school)"
                      for y in years], dtype=object) if rule.min_years_at_school is not None else \
        "ineligible: not a volunteer and no rotation trigger in this policy"
    decide(~trig & ~may, "ineligible", texts)

    # 3. exemptions and deferrals
    for name in rule.exempt:
        col, desc = EXEMPTIONS[name]
        if col not in t.columns:
            continue
        v = t[col]
        if name == "family_care":
            hit = v.astype(float).fillna(0).to_numpy() >= rule.family_care_min_months
        elif name == "family_hospital":
            hit = v.astype(float).fillna(0).to_numpy() >= rule.family_hospital_min_months
        elif name == "recent_exchange":
            if rule.recent_exchange_max_years is None:
                continue
            hit = v.astype(float).fillna(0).to_numpy() >= rule.recent_exchange_max_years
        elif name == "recent_support":
            if rule.support_lookback_years is None:
                continue
            hit = v.astype(float).fillna(np.inf).to_numpy() < rule.support_lookback_years
        else:
            hit = v.fillna(False).to_numpy(dtype=bool)
        decide(hit, "exempt", f"exempt: {name} — {desc}")

    # 4./5. mandatory and eligible
    texts = np.array([f"mandatory: {y:g} years at school ≥ {rule.min_years_at_school} (min_years_at_school)"
                      for y in years], dtype=object) if rule.min_years_at_school is not None else ""
    decide(trig, "mandatory", texts)
    decide(vol & rule.volunteers_eligible, "eligible", "eligible: volunteer (自愿申请)")
    if rule.min_years_eligible is not None:
        texts = np.array([f"eligible: {y:g} years at school ≥ {rule.min_years_eligible} (min_years_eligible)"
                          for y in years], dtype=object)
        decide(lower, "eligible", texts)
    assert (status != "").all()
    return pd.DataFrame({"teacher_id": t["teacher_id"].to_numpy(), "status": status, "reason": reason})
