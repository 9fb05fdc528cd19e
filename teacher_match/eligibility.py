"""Who must, may, need not, or cannot rotate — with the rule and the value that decided it.

Statuses, in the order they are decided (the first that applies wins):

0. ``ineligible`` — away on exchange through the plan year (exchange history, :mod:`teacher_match.history`):
   a teacher serving a term elsewhere is not eligible again until it ends; so is a teacher in the diversion
   pool (分流人员, column ``diversion``), placed by :func:`teacher_match.divert` instead;
1. ``ineligible`` — a hard bar: over the age cap (年龄上限), too close to statutory retirement, too few or too
   many teaching years, title/honour condition not met (职称中级以上或县级以上骨干), too much rural experience
   (没有农村任教经历), under a sanction or its cool-down, a leader when leaders are excluded, a leader too
   short in post (任现职 N 年以上), no own application where one is required (本人申请), a new recruit before
   the end of the first year (任教满 1 年后), a repeated shadow study (不得重复跟岗);
2. ``ineligible`` — the trigger is not met and the teacher neither volunteers nor meets the lower
   "may rotate" threshold;
3. ``exempt`` — would rotate, but an exemption or deferral applies (孕期哺乳期, 重病, 严重残疾, family care
   ≥ N months, family hospitalisation ≥ N months, child's exam year, investigation, recent exchange or
   secondment ≥ N years in the look-back window, support teaching within the last N years);
4. ``mandatory`` — meets a trigger: 本校连续任教满 N 年; a principal or vice-principal 同一职务任职满 N 年; a
   new recruit after N full teaching years (新招聘教师任教满 1 年后纳入交流);
5. ``eligible`` — may rotate (volunteer, or between the lower threshold and the trigger).

With an exchanges table (交流记录) the history decides the ``recent_exchange`` and ``recent_support``
exemptions: cumulative exchange years in the ``recent_exchange_window_years`` look-back window (the whole
history when no window is set) and the years since the last support term replace the hand-filled
``exchange_years_recent`` and ``years_since_support`` columns, and the reason names the exchanges counted.

Every threshold carries its boundary semantics (RULEBOOK §0.2) as an explicit ``*_inclusive`` parameter:
``以上 / 以下 / 满 / 不超过`` are inclusive, ``超过 / 不足`` strict.

Roster columns beyond SPEC §3 that some policies read (all optional, English or Chinese header):
``honour_level`` [荣誉级别] (school/county/district/city/province/national, 校级/县级/区级/市级/省级/国家级),
``severe_disability`` [严重残疾], ``secondment_years_recent`` [近年借用上挂累计年限], ``shadow_study_done``
[已跟岗学习], ``new_recruit`` [新招聘教师].
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import PolicyError
from .history import ExchangeHistory
from .params import REQUIRED, by_gender, param
from .schema import BOOL_VALUES, canon_text

__all__ = ["Eligibility", "eligibility", "STATUSES", "EXEMPTIONS", "TITLE_RANK", "HONOUR_RANK",
           "roster_column", "roster_flag", "honour_rank", "years_to_retirement"]

STATUSES = ("mandatory", "eligible", "exempt", "ineligible")
MOVABLE = ("mandatory", "eligible")

#: exemption name -> (roster column, description)
EXEMPTIONS = {
    "pregnant_or_nursing": ("pregnant_or_nursing", "pregnancy, maternity or nursing (孕期、产期、哺乳期)"),
    "serious_illness": ("serious_illness", "serious illness (患重病)"),
    "severe_disability": ("severe_disability", "severe disability (严重残疾)"),
    "under_investigation": ("under_investigation", "under audit or investigation (接受审计、纪律审查或调查)"),
    "child_exam_this_year": ("child_exam_this_year", "child sits 中考/高考 this year"),
    "family_care": ("family_care_months", "caring for a family member"),
    "family_hospital": ("family_hospital_months", "family member in hospital"),
    "recent_exchange": ("exchange_years_recent", "recent exchange service"),
    "recent_secondment": ("secondment_years_recent", "recent secondment to a department (借用、上挂学习)"),
    "recent_support": ("years_since_support", "recent support teaching (支教)"),
}

#: Chinese headers accepted for the optional extra roster columns read here
EXTRA_ALIASES = {
    "honour_level": ("荣誉级别", "骨干级别", "荣誉称号级别"),
    "severe_disability": ("严重残疾",),
    "secondment_years_recent": ("近年借用上挂累计年限", "借用上挂年限"),
    "shadow_study_done": ("已跟岗学习", "跟岗学习经历"),
    "new_recruit": ("新招聘教师", "新进教师"),
    "substandard_credentials": ("资格学历未达标",),
}

TITLE_RANK = {"none": 0, "junior": 1, "intermediate": 2, "senior": 3}
#: honour levels, low to high; 县级 and 区级 are the same tier (a district is a county-level unit)
HONOUR_RANK = {"none": 0, "school": 1, "county": 2, "district": 2, "city": 3, "province": 4, "national": 5}
_HONOUR_ALIASES = {
    "校级": "school", "学校": "school", "县级": "county", "县": "county", "区级": "district",
    "区": "district",
    "旗级": "county", "市级": "city", "市": "city", "地市级": "city", "省级": "province", "省": "province",
    "自治区级": "province", "国家级": "national", "国家": "national", "无": "none", "": "none",
}
LEADER_ROLES = ("principal", "vice_principal", "middle_leader")


@dataclass(frozen=True)
class Eligibility:
    """Eligibility parameters (policy section ``[eligibility]``)."""

    min_years_at_school: int | None = param(
        6, "int", "trigger: continuous years at the current school (本校连续任教满 N 年) → mandatory")
    min_years_at_school_inclusive: bool = param(
        True, "bool", "满 N 年 counts N itself (≥); false for 超过 (>)")
    min_years_eligible: int | None = param(
        None, "int", "lower threshold: from this many years a teacher may rotate (eligible) without the "
        "trigger")
    min_years_eligible_inclusive: bool = param(True, "bool", "the lower threshold counts N itself (≥)")
    max_age: float | dict | None = param(
        None, "by_gender",
        "age cap (男 N 周岁以下): over it a teacher is ineligible; a number or { M = .., F = .. }")
    max_age_inclusive: bool = param(True, "bool", "N 周岁以下 includes N (≤); false for 不足 N (<)")
    retirement_age: float | dict = param(
        {"M": 60, "F": 55}, "by_gender",
        "statutory retirement age, for years-to-retirement when not on the roster")
    min_years_to_retirement: float | None = param(
        None, "number", "bar: at least this many years to statutory retirement (距退休 N 年以上)")
    min_years_to_retirement_inclusive: bool = param(False, "bool", "超过 N 年 is strict (>) — the default")
    min_teaching_years: int | None = param(
        None, "int", "bar: at least this many teaching years (教龄满 N 年)")
    min_teaching_years_inclusive: bool = param(
        True, "bool", "教龄满 N 年 counts N itself (≥); false for 超过")
    max_teaching_years: int | None = param(
        None, "int", "bar: at most this many teaching years (教龄 N 年以下)")
    max_teaching_years_inclusive: bool = param(
        True, "bool", "教龄 N 年以下 includes N (≤); false for 不足 (<)")
    min_title: str | None = param(
        None, "choice", "title condition: professional title at least this (职称中级以上 = intermediate)",
        choices=("junior", "intermediate", "senior"))
    honour_min_level: str | None = param(
        None, "choice", "honour condition: backbone or an honour (骨干、教学能手、学科带头人、优秀班主任 …) "
        "at this level or above; the backbone flag counts as county level",
        choices=("school", "county", "city", "province"))
    title_or_honour: bool = param(
        True, "bool",
        "with both conditions set, either suffices (中级以上 或 县级以上骨干); false: both needed")
    max_rural_years: float | None = param(
        None, "number",
        "bar: at most this many years of rural/weak-school service (0 = 没有农村学校任教经历)")
    max_rural_years_inclusive: bool = param(True, "bool", "the rural-years bar includes N (≤)")
    exempt: list = param([], "strlist", "exemptions that defer rotation", choices=tuple(EXEMPTIONS))
    family_care_min_months: float = param(
        6, "number", "family care exempts from this many months (6个月以上)")
    family_care_inclusive: bool = param(True, "bool", "N 个月以上 includes N (≥)")
    family_hospital_min_months: float = param(
        3, "number", "family hospitalisation exempts from this many months (≥)")
    family_hospital_inclusive: bool = param(True, "bool", "N 个月以上 includes N (≥)")
    recent_exchange_max_years: float | None = param(
        None, "number",
        "exempt when recent cumulative exchange (or secondment) years reach this (近6年累计满3年)")
    recent_exchange_inclusive: bool = param(True, "bool", "累计满 N 年 counts N itself (≥)")
    recent_exchange_window_years: float | None = param(
        None, "number", "look-back window of exchange_years_recent / secondment_years_recent (近 N 年): "
        "documents what the roster columns must count")
    support_lookback_years: float | None = param(
        None, "number",
        "exempt when the last support teaching was fewer than this many years ago (近 N 年有支教经历)")
    support_lookback_inclusive: bool = param(
        False, "bool", "false: exempt when years since support < N; true: also when exactly N")
    sanction_cooldown_years: float | None = param(
        None, "number", "ineligible while sanctioned and until this many years after the sanction ended "
        "(0 = only while sanctioned, 处分期间)")
    sanction_cooldown_inclusive: bool = param(
        True, "bool", "处分期结束 N 年后方可: N years after is enough (≥)")
    volunteers_eligible: bool = param(
        True, "bool", "volunteers (自愿申请) may rotate without meeting the trigger")
    volunteers_bypass_bars: bool = param(
        False, "bool",
        "volunteers are not held to the age, retirement and years bars (自愿者不受年龄、年限限制)")
    requires_application: bool = param(
        False, "bool", "only teachers who applied (volunteer = 本人申请) may rotate; others are ineligible")
    include_leaders: bool = param(True, "bool", "leadership-team members are part of the rotation population")
    leader_roles: list = param(["principal", "vice_principal"], "strlist",
                               "roles the leader trigger and bar apply to (正、副校长)", choices=LEADER_ROLES)
    leader_trigger_years: float | None = param(
        None, "number",
        "trigger: a leader in the same post this many years must rotate (同一职务任职满 N 年)")
    leader_trigger_inclusive: bool = param(True, "bool", "任职满 N 年 counts N itself (≥)")
    leader_min_years_in_post: float | None = param(
        None, "number", "bar: a leader must have held the current post this many years (任现职 N 年以上)")
    leader_min_years_in_post_inclusive: bool = param(True, "bool", "N 年以上 includes N (≥)")
    new_recruit_after_years: float | None = param(
        None, "number", "trigger: new recruits (new_recruit) become mandatory after this many full teaching "
        "years (任教满 1 年后纳入交流计划); before that they are ineligible")
    no_repeat_shadow_study: bool = param(
        False, "bool",
        "teachers who already did a shadow study (shadow_study_done) may not repeat it (不得重复跟岗)")


def roster_column(t: pd.DataFrame, name: str) -> pd.Series | None:
    """An optional roster column by its English name or one of its Chinese headers (None when absent)."""
    for header in (name, *EXTRA_ALIASES.get(name, ())):
        if header in t.columns:
            return t[header]
    return None


def roster_flag(t: pd.DataFrame, name: str) -> np.ndarray:
    """A yes/no roster column as booleans (是/否, Y/N, 1/0, true/false); absent or blank → False."""
    col = roster_column(t, name)
    if col is None:
        return np.zeros(len(t), dtype=bool)
    if col.dtype == bool:
        return col.to_numpy()

    def one(v) -> bool:
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return False
        if isinstance(v, (bool, np.bool_)):
            return bool(v)
        text = canon_text(v)
        if text in ("", "nan", "none"):
            return False
        if text not in BOOL_VALUES:
            raise PolicyError(f"roster column '{name}' must be yes/no (是/否, Y/N, 1/0), got {v!r}")
        return BOOL_VALUES[text] == "true"

    return np.array([one(v) for v in col], dtype=bool)


def roster_number(t: pd.DataFrame, name: str, fill: float) -> np.ndarray:
    """A numeric roster column as floats; absent or blank → ``fill``."""
    col = roster_column(t, name)
    if col is None:
        return np.full(len(t), fill, dtype=float)
    return pd.to_numeric(col, errors="coerce").astype(float).fillna(fill).to_numpy()


def honour_rank(t: pd.DataFrame) -> np.ndarray:
    """Honour level per teacher as a rank (HONOUR_RANK); the backbone flag counts as county level."""
    col = roster_column(t, "honour_level")
    rank = np.zeros(len(t), dtype=int)
    if col is not None:
        for i, v in enumerate(col):
            if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
                continue
            text = canon_text(v)
            level = _HONOUR_ALIASES.get(text, _HONOUR_ALIASES.get(str(v).strip(), text))
            if level not in HONOUR_RANK:
                raise PolicyError(f"roster column 'honour_level': unknown level {v!r}; use school, county, "
                                  f"district, city, province or national (校级/县级/区级/市级/省级/国家级)")
            rank[i] = HONOUR_RANK[level]
    backbone = t["backbone"].to_numpy(dtype=bool) if "backbone" in t.columns else np.zeros(len(t), dtype=bool)
    return np.maximum(rank, np.where(backbone, HONOUR_RANK["county"], 0))


def _n(value: float, unit: str) -> str:
    """``1 year``, ``0 years``, ``2.5 years``: a count with its unit, singular only for exactly one."""
    return f"{value:g} {unit}{'' if value == 1 else 's'}"


def _cmp(values: np.ndarray, threshold: float | np.ndarray, inclusive: bool, upper: bool) -> np.ndarray:
    """Values ≤/< threshold (upper bound) or ≥/> threshold (lower bound)."""
    if upper:
        return values <= threshold if inclusive else values < threshold
    return values >= threshold if inclusive else values > threshold


def _op(inclusive: bool, upper: bool, failing: bool = False) -> str:
    """The comparison sign, or its negation when describing a failure."""
    ops = {(True, True): "≤", (False, True): "<", (True, False): "≥", (False, False): ">"}
    neg = {"≤": ">", "<": "≥", "≥": "<", ">": "≤"}
    o = ops[(inclusive, upper)]
    return neg[o] if failing else o


def years_to_retirement(teachers: pd.DataFrame, rule: Eligibility) -> pd.Series:
    """Years to statutory retirement: the roster value when given, else retirement age − age by gender."""
    ret_m = by_gender(rule.retirement_age, "M")
    ret_f = by_gender(rule.retirement_age, "F")
    # a retirement age still to be supplied ("required", left out as None) gives nan, as float(None) would
    ret = np.where(teachers["gender"] == "M", np.nan if ret_m is None else ret_m,
                   np.nan if ret_f is None else ret_f).astype(float)
    derived = pd.Series(ret, index=teachers.index) - teachers["age"].astype(float)
    if "years_to_retirement" in teachers.columns:
        return teachers["years_to_retirement"].astype(float).fillna(derived)
    return derived


def eligibility(problem, policy, mode: str | None = None) -> pd.DataFrame:
    """Decide each teacher's status under the policy's ``[eligibility]`` rules.

    Parameters
    ----------
    problem : Problem
    policy : Policy
    mode : str, optional
        A recorded rotation mode of the policy (``[modes.<name>]``, e.g. ``"upward_study"``): its own
        eligibility rules are used instead of the main ones.

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
    if mode is None:
        rule: Eligibility = policy.eligibility
    else:
        modes = getattr(policy, "modes", {})
        if mode not in modes:
            known = ", ".join(sorted(modes)) or "none"
            raise PolicyError(f"policy '{policy.id}' records no mode '{mode}' (modes: {known})")
        rule = modes[mode].eligibility
    problem = problem.at(policy.reference_date) if policy.reference_date else problem
    # a value the source leaves blank ("required") cannot decide anyone yet: the rule is left out and every
    # reason says so, until the value is supplied (solve refuses before that)
    pending = sorted(f.name for f in dataclasses.fields(rule) if getattr(rule, f.name) is REQUIRED)
    if pending:
        blank: dict[str, Any] = dict.fromkeys(pending)
        rule = dataclasses.replace(rule, **blank)
    out = _decide(problem.teachers, rule, problem.history)
    if pending:
        out["reason"] = out["reason"] + f" (provisional: {', '.join(pending)} still to be supplied)"
    return out


def _decide(t: pd.DataFrame, rule: Eligibility, history: ExchangeHistory | None = None) -> pd.DataFrame:
    """The status cascade of the module docstring, vectorised over the roster."""
    n = len(t)
    status = np.full(n, "", dtype=object)
    reason = np.full(n, "", dtype=object)

    def decide(mask: np.ndarray, st: str, texts) -> None:
        free = (status == "") & mask
        status[free] = st
        reason[free] = texts(np.flatnonzero(free)) if callable(texts) else texts

    def texts(fmt, *cols):
        """The reasons, written only for the teachers a step decides (100,000 teachers: 1.2 s → 0.2 s)."""
        def write(rows: np.ndarray) -> np.ndarray:
            out = np.empty(len(rows), dtype=object)
            out[:] = [fmt(*vals) for vals in zip(*(np.asarray(c)[rows] for c in cols), strict=True)]
            return out
        return write

    gender = t["gender"].to_numpy()
    age = t["age"].astype(float).to_numpy()
    years = t["years_at_school"].astype(float).to_numpy()
    teach = t["teaching_years"].astype(float).to_numpy() if "teaching_years" in t.columns else years
    role = t["role"].to_numpy() if "role" in t.columns else np.full(n, "teacher", dtype=object)
    vol = t["volunteer"].to_numpy(dtype=bool) if "volunteer" in t.columns else np.zeros(n, dtype=bool)
    bypass = vol & rule.volunteers_bypass_bars
    is_leader = np.isin(role, list(rule.leader_roles))
    new_recruit = roster_flag(t, "new_recruit")

    # 0. away on exchange: the term binds the teacher to the receiving school for the whole plan year
    if history is not None:
        away = history.away
        ids = t["teacher_id"]
        hit = ids.isin(away.index).to_numpy()
        if hit.any():
            rec = away.loc[ids[hit]]
            note = np.full(n, "", dtype=object)
            note[hit] = [f"ineligible: on exchange now — {tid} at {to} from {a:%Y-%m-%d}, term until "
                         f"{b - pd.Timedelta(days=1):%Y-%m-%d} (exchange history)" for tid, to, a, b in
                         zip(rec.index, rec["to_school_id"], rec["start_date"], rec["end"], strict=True)]
            decide(hit, "ineligible", texts(lambda x: x, note))

    # 0b. in the diversion pool (分流人员): placed by the diversion (teacher_match.diversion), never rotated
    decide(roster_flag(t, "diversion"), "ineligible",
           "ineligible: in the diversion pool (分流人员) — placed by the diversion, not rotated")

    # 1. hard bars
    if rule.requires_application:
        decide(~vol, "ineligible", "ineligible: did not apply (本人申请 required: requires_application)")
    age_ok = np.ones(n, dtype=bool)
    if rule.max_age is not None:
        cap_m, cap_f = by_gender(rule.max_age, "M"), by_gender(rule.max_age, "F")
        cap = np.where(gender == "M", np.nan if cap_m is None else cap_m,
                       np.nan if cap_f is None else cap_f).astype(float)
        age_ok = _cmp(age, cap, rule.max_age_inclusive, upper=True)
        op = _op(rule.max_age_inclusive, True, failing=True)
        decide(~age_ok & ~bypass, "ineligible", texts(
            lambda a, c, g: f"ineligible: age {a:g} {op} {c:g} (max_age for {g})", age, cap, gender))
    if rule.min_years_to_retirement is not None:
        ytr = years_to_retirement(t, rule).to_numpy()
        thr = rule.min_years_to_retirement
        ok = _cmp(ytr, thr, rule.min_years_to_retirement_inclusive, upper=False)
        op = _op(rule.min_years_to_retirement_inclusive, False, failing=True)
        age_ok &= ok
        decide(~ok & ~bypass, "ineligible", texts(
            lambda y: f"ineligible: {_n(y, 'year')} to retirement {op} {thr:g} (min_years_to_retirement)",
            ytr))
    if rule.min_teaching_years is not None:
        thr = rule.min_teaching_years
        ok = _cmp(teach, thr, rule.min_teaching_years_inclusive, upper=False)
        op = _op(rule.min_teaching_years_inclusive, False, failing=True)
        decide(~ok, "ineligible", texts(
            lambda v: f"ineligible: {_n(v, 'teaching year')} {op} {thr} (min_teaching_years)", teach))
    if rule.max_teaching_years is not None:
        thr = rule.max_teaching_years
        ok = _cmp(teach, thr, rule.max_teaching_years_inclusive, upper=True)
        op = _op(rule.max_teaching_years_inclusive, True, failing=True)
        decide(~ok & ~bypass, "ineligible", texts(
            lambda v: f"ineligible: {_n(v, 'teaching year')} {op} {thr} (max_teaching_years)", teach))
    if rule.min_title is not None or rule.honour_min_level is not None:
        _title_honour(t, rule, decide, texts)
    if rule.max_rural_years is not None:
        ry = roster_number(t, "rural_years", 0.0)
        thr = rule.max_rural_years
        ok = _cmp(ry, thr, rule.max_rural_years_inclusive, upper=True)
        op = _op(rule.max_rural_years_inclusive, True, failing=True)
        decide(~ok, "ineligible", texts(
            lambda v: f"ineligible: {_n(v, 'year')} of rural/weak-school service {op} {thr:g} "
                      f"(max_rural_years)",
            ry))
    if rule.sanction_cooldown_years is not None and "sanction_ended_years_ago" in t.columns:
        ago = t["sanction_ended_years_ago"].astype(float).to_numpy()
        cd = rule.sanction_cooldown_years
        served = _cmp(np.nan_to_num(ago, nan=np.inf), cd, rule.sanction_cooldown_inclusive, upper=False)
        # 0 means "currently under a sanction" (SPEC §3), which bars whatever the cool-down
        barred = ~np.isnan(ago) & ((ago == 0) | ~served)
        op = _op(rule.sanction_cooldown_inclusive, False, failing=True)
        decide(barred, "ineligible", texts(
            lambda a: "ineligible: currently under a sanction (处分期内)" if a == 0 else
            f"ineligible: sanction ended {_n(a, 'year')} ago {op} {cd:g} (sanction_cooldown_years)",
            np.nan_to_num(ago)))
    if not rule.include_leaders:
        decide(role != "teacher", "ineligible", "ineligible: leadership-team members rotate separately")
    if rule.leader_min_years_in_post is not None:
        yip = roster_number(t, "years_in_post", 0.0)
        thr = rule.leader_min_years_in_post
        ok = _cmp(yip, thr, rule.leader_min_years_in_post_inclusive, upper=False)
        op = _op(rule.leader_min_years_in_post_inclusive, False, failing=True)
        decide(is_leader & ~ok, "ineligible", texts(
            lambda v, r: f"ineligible: {r} {_n(v, 'year')} in post {op} {thr:g} (leader_min_years_in_post)",
            yip, role))
    recruit_due = np.zeros(n, dtype=bool)
    if rule.new_recruit_after_years is not None:
        thr = rule.new_recruit_after_years
        recruit_due = new_recruit & (teach >= thr)
        decide(new_recruit & ~recruit_due, "ineligible", texts(
            lambda v: f"ineligible: new recruit with {_n(v, 'full teaching year')} < {thr:g} "
                      f"(new_recruit_after_years)",
            teach))
    if rule.no_repeat_shadow_study:
        decide(roster_flag(t, "shadow_study_done"), "ineligible",
               "ineligible: already did a shadow study (同一教师不得重复跟岗学习: no_repeat_shadow_study)")

    # 2. trigger / lower threshold / volunteers
    if rule.min_years_at_school is not None:
        trig = _cmp(years, rule.min_years_at_school, rule.min_years_at_school_inclusive, upper=False)
    else:
        trig = np.zeros(n, dtype=bool)
    trig &= age_ok  # a volunteer over the age cap may rotate, but is not mandatory
    lead_trig = np.zeros(n, dtype=bool)
    if rule.leader_trigger_years is not None:
        yip = roster_number(t, "years_in_post", 0.0)
        lead_trig = is_leader & _cmp(yip, rule.leader_trigger_years, rule.leader_trigger_inclusive,
                                     upper=False)
        lead_trig &= age_ok
    lower = np.zeros(n, dtype=bool)
    if rule.min_years_eligible is not None:
        lower = _cmp(years, rule.min_years_eligible, rule.min_years_eligible_inclusive, upper=False)
    may = lower | (vol & rule.volunteers_eligible)
    if rule.min_years_eligible is not None:
        # the lower "may rotate" threshold decides: below it a teacher is out even without the trigger
        op = _op(rule.min_years_eligible_inclusive, False, failing=True)
        why = texts(lambda y: f"ineligible: {_n(y, 'year')} at school {op} {rule.min_years_eligible} "
                              f"(min_years_eligible)", years)
    elif rule.min_years_at_school is not None:
        op = _op(rule.min_years_at_school_inclusive, False, failing=True)
        why = texts(lambda y: f"ineligible: {_n(y, 'year')} at school {op} {rule.min_years_at_school} "
                              f"(min_years_at_school)", years)
    else:
        why = "ineligible: not a volunteer and no rotation trigger in this policy"
    decide(~trig & ~lead_trig & ~recruit_due & ~may, "ineligible", why)

    # 3. exemptions and deferrals
    for name in rule.exempt:
        hit, desc = _exemption(t, rule, name, history)
        if hit is not None:
            decide(hit, "exempt",
                   texts(lambda d, nm=name: f"exempt: {nm} — {d}", desc) if isinstance(desc, np.ndarray)
                   else f"exempt: {name} — {desc}")

    # 4./5. mandatory and eligible
    if rule.min_years_at_school is not None:
        op = _op(rule.min_years_at_school_inclusive, False)
        decide(trig, "mandatory", texts(
            lambda y: f"mandatory: {_n(y, 'year')} at school {op} {rule.min_years_at_school} "
                      f"(min_years_at_school)",
            years))
    if rule.leader_trigger_years is not None:
        yip = roster_number(t, "years_in_post", 0.0)
        op = _op(rule.leader_trigger_inclusive, False)
        decide(lead_trig, "mandatory", texts(
            lambda v, r: f"mandatory: {r} {_n(v, 'year')} in post {op} {rule.leader_trigger_years:g} "
                         f"(leader_trigger_years)", yip, role))
    if rule.new_recruit_after_years is not None:
        decide(recruit_due, "mandatory", texts(
            lambda v: f"mandatory: new recruit with {_n(v, 'full teaching year')} ≥ "
                      f"{rule.new_recruit_after_years:g} "
                      f"(new_recruit_after_years)", teach))
    if rule.volunteers_eligible:
        decide(vol, "eligible", "eligible: volunteer (自愿申请)")
    if rule.min_years_eligible is not None:
        op = _op(rule.min_years_eligible_inclusive, False)
        decide(lower, "eligible", texts(
            lambda y: f"eligible: {_n(y, 'year')} at school {op} {rule.min_years_eligible} "
                      f"(min_years_eligible)",
            years))
    assert (status != "").all()
    return pd.DataFrame({"teacher_id": t["teacher_id"].to_numpy(), "status": status, "reason": reason})


def _title_honour(t: pd.DataFrame, rule: Eligibility, decide, texts) -> None:
    """Title and honour condition.

    通榆 T-EL1: 中级以上职称 或 县级以上骨干、教学能手、学科带头人、优秀班主任.
    """
    n = len(t)
    title = t["title"].fillna("none").to_numpy() if "title" in t.columns else np.full(n, "none", dtype=object)
    t_rank = np.array([TITLE_RANK.get(x, 0) for x in title], dtype=int)
    h_rank = honour_rank(t)
    parts = []
    if rule.min_title is not None:
        parts.append((t_rank >= TITLE_RANK[rule.min_title], f"title ≥ {rule.min_title} (min_title)"))
    if rule.honour_min_level is not None:
        parts.append((h_rank >= HONOUR_RANK[rule.honour_min_level],
                      f"an honour at {rule.honour_min_level} level or above (honour_min_level)"))
    oks = [p[0] for p in parts]
    ok = np.logical_or.reduce(oks) if rule.title_or_honour else np.logical_and.reduce(oks)
    need = (" or " if rule.title_or_honour else " and ").join(p[1] for p in parts)
    inv = {v: k for k, v in HONOUR_RANK.items() if k != "district"}
    decide(~ok, "ineligible", texts(
        lambda ti, h: f"ineligible: title {ti}, honour level {inv.get(h, 'none')}; needs {need}", title,
        h_rank))


def _exemption(t: pd.DataFrame, rule: Eligibility, name: str, history: ExchangeHistory | None = None):
    """(hit mask, description) of one exemption; (None, "") when its roster column is absent or it is off."""
    col, desc = EXEMPTIONS[name]
    if history is not None and name in ("recent_exchange", "recent_support"):
        return _history_exemption(t, rule, name, history)
    if roster_column(t, col) is None:
        return None, ""
    if name == "family_care":
        v = roster_number(t, col, 0.0)
        thr = rule.family_care_min_months
        op = _op(rule.family_care_inclusive, False)
        return _cmp(v, thr, rule.family_care_inclusive, upper=False), np.array(
            [f"{desc}, {_n(x, 'month')} {op} {thr:g} (family_care_min_months)" for x in v], dtype=object)
    if name == "family_hospital":
        v = roster_number(t, col, 0.0)
        thr = rule.family_hospital_min_months
        op = _op(rule.family_hospital_inclusive, False)
        return _cmp(v, thr, rule.family_hospital_inclusive, upper=False), np.array(
            [f"{desc}, {_n(x, 'month')} {op} {thr:g} (family_hospital_min_months)" for x in v], dtype=object)
    if name in ("recent_exchange", "recent_secondment"):
        if rule.recent_exchange_max_years is None:
            return None, ""
        v = roster_number(t, col, 0.0)
        thr = rule.recent_exchange_max_years
        op = _op(rule.recent_exchange_inclusive, False)
        window = (f" in the last {rule.recent_exchange_window_years:g} years"
                  if rule.recent_exchange_window_years else "")
        return _cmp(v, thr, rule.recent_exchange_inclusive, upper=False), np.array(
            [f"{desc}, {_n(x, 'year')}{window} {op} {thr:g} (recent_exchange_max_years)" for x in v],
            dtype=object)
    if name == "recent_support":
        if rule.support_lookback_years is None:
            return None, ""
        v = roster_number(t, col, np.inf)
        thr = rule.support_lookback_years
        op = _op(rule.support_lookback_inclusive, True)
        return _cmp(v, thr, rule.support_lookback_inclusive, upper=True), np.array(
            [f"{desc}, {_n(x, 'year')} ago {op} {thr:g} (support_lookback_years)" for x in v], dtype=object)
    return roster_flag(t, col), desc


def _history_exemption(t: pd.DataFrame, rule: Eligibility, name: str, history: ExchangeHistory):
    """The ``recent_exchange`` / ``recent_support`` exemption counted from the exchange history.

    recent_exchange: Σ exchange years in the last ``recent_exchange_window_years`` (clipped to the window)
    ≥ ``recent_exchange_max_years``; recent_support: years since the last support term ended
    < ``support_lookback_years`` (≤ when inclusive; 0 while on one).
    """
    ids = t["teacher_id"]
    if name == "recent_exchange":
        if rule.recent_exchange_max_years is None:
            return None, ""
        window = rule.recent_exchange_window_years
        v = history.exchange_years_in_window(window).reindex(ids).fillna(0.0).to_numpy(dtype=float)
        seen = history.evidence(window).astype(object).reindex(ids).fillna("").to_numpy(dtype=object)
        thr = rule.recent_exchange_max_years
        op = _op(rule.recent_exchange_inclusive, False)
        span = f"in the last {window:g}" if window else "in all"
        return _cmp(v, thr, rule.recent_exchange_inclusive, upper=False), np.array(
            [f"{x:g} exchange year{'' if x == 1 else 's'} {span} {op} {thr:g} "
             f"(recent_exchange_max_years; {e})" for x, e in zip(v, seen, strict=True)], dtype=object)
    if rule.support_lookback_years is None:
        return None, ""
    v = history.years_since_support().reindex(ids).fillna(np.inf).to_numpy(dtype=float)
    seen = history.evidence(mode="support").astype(object).reindex(ids).fillna("").to_numpy(dtype=object)
    thr = rule.support_lookback_years
    op = _op(rule.support_lookback_inclusive, True)
    return _cmp(v, thr, rule.support_lookback_inclusive, upper=True), np.array(
        [f"support teaching (支教) ended {_n(x, 'year')} ago {op} {thr:g} (support_lookback_years; {e})"
         if x > 0 else f"on support teaching (支教) now (support_lookback_years; {e})"
         for x, e in zip(v, seen, strict=True)], dtype=object)
