"""Hard rule: how many teachers a sending school may lose (流出上限), and what it must keep.

    Σ_{t ∈ a} x[t, s]               ≤ cap[a] = max(⌊outflow_max_share · staff[a]⌋, outflow_min_cap)
    Σ_{t ∈ a, subject(t) = j} x[t, s] ≤ max(0, staff[a, j] − keep_per_subject)      for each subject j
    x[t, s] = 0  when subject(t) ∈ protected_subjects(a)        (特色学科: the school is not drained of it)

for each sending school a. ``staff`` counts every teacher on the roster at the school.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..params import param, share_fraction
from ..vocabulary import count_of, zh_subject
from .contract import CheckData, Facts, Key, PlanState, PruneData, Stage, StayTest, Usage, Violation, key

RULE_ID = "outflow_limit"
SECTION = "rules"
#: place in the registry: build order, and the order of equal-stage stay reasons and schools-table columns
ORDER = 50
TITLE = "outflow cap"
TITLE_ZH = "流出上限"
assignment_words = None
shortfalls = None
TERMS: dict[str, tuple[int, str]] = {}
term_values = None


@dataclass(frozen=True)
class OutflowLimit:
    """Outflow caps (policy section ``[rules]``)."""

    outflow_max_share: float | None = param(
        None, "share", "a school sends at most this share of its staff per round (rounded down)")
    outflow_min_cap: int = param(0, "int", "…but may always send at least this many (floor of the cap)")
    keep_per_subject: int = param(0, "int",
                                  "a sending school keeps at least this many teachers of each subject")
    keep_protected_subjects: bool = param(
        True, "bool", "teachers of a school's protected_subjects (特色学科) are never sent")


#: the rule's parameters (a policy section's keys)
PARAMS = OutflowLimit


def cap(staff: int, rule: OutflowLimit) -> int | None:
    """The outflow cap of a school with ``staff`` teachers, or None when uncapped."""
    if rule.outflow_max_share is None:
        return None
    return max(math.floor(share_fraction(rule.outflow_max_share) * staff), rule.outflow_min_cap)


def protected_mask(schools: pd.DataFrame, school_pos: np.ndarray, subjects: np.ndarray) -> np.ndarray:
    """True where the subject is one of the school's protected subjects."""
    prot = schools["protected_subjects"].to_numpy()
    return np.array([bool(p) and subj in p.split(";")
                     for p, subj in zip(prot[school_pos], subjects, strict=True)], dtype=bool)


def prune(pairs: Any, rule: OutflowLimit, data: PruneData) -> np.ndarray:
    """Protected-subject teachers are not candidates at all."""
    if not rule.keep_protected_subjects:
        return np.ones(len(pairs), dtype=bool)
    return ~protected_mask(data.problem.schools, pairs["from_s"].to_numpy(), pairs["subject"].to_numpy())


def class_key(teachers, schools, rule) -> list:
    """Nothing per teacher beyond the base class key (school, subject, backbone, role, status)."""
    return []


def build(ctx: Any, rule: OutflowLimit) -> None:
    """Cap each sending school's outflow, in total and per subject."""
    staff = np.bincount(ctx.teachers["school_pos"], minlength=len(ctx.schools))
    for a, rows in ctx.groups("from_s").items():
        c = cap(int(staff[a]), rule)
        if c is not None and ctx.max_teachers(rows) > c:
            ctx.add(RULE_ID, key(school=ctx.school_id(a)), ctx.xsum(rows) <= c)
    if rule.keep_per_subject > 0:
        by_subj = ctx.teachers.groupby(["school_pos", "subject"]).size()
        for (a, j), rows in ctx.groups("from_s", "subject").items():
            limit = max(0, int(by_subj[(a, j)]) - rule.keep_per_subject)
            if ctx.max_teachers(rows) > limit:
                ctx.add(RULE_ID, key("keep", school=ctx.school_id(a), subject=j), ctx.xsum(rows) <= limit)


def check(chk: CheckData, rule: OutflowLimit) -> list[Violation]:
    """Recount outflow per school and per subject from the plan."""
    out = []
    t = chk.problem.teachers
    staff = t.groupby("school_id").size()
    sent = chk.moved.groupby("school_id").size()
    for sid, n in sent.items():
        c = cap(int(staff[sid]), rule)
        if c is not None and n > c:
            out.append((RULE_ID, key(school=sid), f"{sid} sends {n} teachers, above its cap of {c} "
                                                  f"({rule.outflow_max_share:g} × {staff[sid]} staff)"))
    if rule.keep_per_subject > 0:
        staff_j = t.groupby(["school_id", "subject"]).size()
        sent_j = chk.moved.groupby(["school_id", "subject"]).size()
        for (sid, j), n in sent_j.items():
            if staff_j[(sid, j)] - n < rule.keep_per_subject:
                out.append((RULE_ID, key("keep", school=sid, subject=j),
                            f"{sid} keeps {staff_j[(sid, j)] - n} {j} teachers < {rule.keep_per_subject}"))
    if rule.keep_protected_subjects and len(chk.moved):
        m = chk.moved
        pos = m["school_id"].map(chk.problem.school_index).to_numpy()
        hit = protected_mask(chk.problem.schools, pos, m["subject"].to_numpy())
        for r in m[hit].itertuples(index=False):
            out.append((RULE_ID, key("protected", school=r.school_id, subject=r.subject),
                        f"{r.teacher_id} teaches {r.subject}, a protected subject of {r.school_id}"))
    return out


# ---------------------------------------------------------------------- words
def binding_words(f: Facts, rule: OutflowLimit, k: Key, usage: Usage | None) -> tuple[str, str]:
    """A school's outflow cap, or what it must keep of one subject (with the plan's use of it)."""
    sid = k.get("school")
    a = f.school(k)
    if "keep" in k or "protected" in k:
        j = k.get("subject")
        if "protected" in k:
            return (f"{j} is a protected subject of {sid}: its teachers are not sent",
                    f"{zh_subject(j)}是 {sid} 的特色学科，不外派")
        n = int(((f.pos == a) & (f.subj == j)).sum())
        keep = rule.keep_per_subject
        limit = max(0, n - keep)
        if usage is not None:
            got = usage.sent(f, a, f.subj == j)
            return (f"{sid} must keep {count_of(keep, j + ' teacher')}: it has {n}, so it may send at most "
                    f"{limit} (sends {got})",
                    f"{sid} 须保留至少 {keep} 名{zh_subject(j)}教师：现有 {n} 名，"
                    f"最多流出 {limit} 名（已流出 {got} 名）")
        return (f"{sid} must keep {count_of(keep, j + ' teacher')}: it has {n}, so it may send at most "
                f"{limit}",
                f"{sid} 须保留至少 {keep} 名{zh_subject(j)}教师：现有 {n} 名，最多流出 {limit} 名")
    staff = int(f.staff[a]) if a >= 0 else 0
    c = cap(staff, rule)
    how = f"{rule.outflow_max_share:g} × {staff} staff, rounded down"
    if rule.outflow_min_cap and c == rule.outflow_min_cap:
        how += f", at least {rule.outflow_min_cap}"
    if c == 0:
        return (f"{sid} may send no teacher (outflow cap {how} = 0)",
                f"{sid} 不得流出教师（在编 {staff} 人 × {rule.outflow_max_share:g}，向下取整为 0）")
    if usage is not None:
        return (f"{sid} already sends its outflow cap of {c} ({how})",
                f"{sid} 已达流出上限 {c} 人（在编 {staff} 人 × {rule.outflow_max_share:g}，向下取整）")
    return (f"{sid} may send at most {c} teachers ({how})",
            f"{sid} 最多流出 {c} 人（在编 {staff} 人 × {rule.outflow_max_share:g}，向下取整）")


def stays(state: PlanState, rule: OutflowLimit) -> list[StayTest]:
    """A protected subject; the school's outflow cap used up; the subject's teachers the school must keep."""
    sid = state.sid
    protected = state.problem.schools["protected_subjects"]

    def is_protected(t: int) -> str | None:
        a = state.pos[t]
        if rule.keep_protected_subjects and state.subj[t] in str(protected.iat[a]).split(";"):
            return f"{state.subj[t]} is a protected subject of {sid[a]}"
        return None

    def at_cap(t: int) -> str | None:
        a = state.pos[t]
        c = cap(int(state.staff[a]), rule)
        if c is None or state.sent[a] < c:
            return None
        return f"{sid[a]} may send no teacher (outflow cap 0)" if c == 0 else \
            f"{sid[a]} already sends its outflow cap of {c}"

    def must_keep(t: int) -> str | None:
        a, j = state.pos[t], state.subj[t]
        if not rule.keep_per_subject or state.staff_subj is None or state.sent_subj is None:
            return None
        left = state.staff_subj[(sid[a], j)] - state.sent_subj.get((sid[a], j), 0)
        return (f"{sid[a]} must keep {rule.keep_per_subject} {j} teacher(s)" if left <= rule.keep_per_subject
                else None)

    return [StayTest(Stage.PROTECTED, is_protected), StayTest(Stage.CAP, at_cap),
            StayTest(Stage.KEEP, must_keep)]


def pair_words(f: Facts, rule: OutflowLimit, t: int, s: int, km: float) -> str:
    """The teacher's subject is protected at home."""
    return f"{f.subj[t]} is a protected subject of {f.sid[f.pos[t]]}"


def teacher_words(f: Facts, rule: OutflowLimit, t: int, km: np.ndarray) -> tuple[str, str]:
    """The teacher's subject is protected at home, so no school is open."""
    home, subj = f.sid[f.pos[t]], f.subj[t]
    return f"{subj} is a protected subject of {home}", f"{zh_subject(subj)}是 {home} 的特色学科，不外派"


def school_columns(state: PlanState, rule: OutflowLimit) -> dict[str, Any]:
    """``outflow_cap`` of every sending school (empty where the school does not send or there is no cap)."""
    return {"outflow_cap": state.at_sending_schools([cap(int(x), rule) for x in state.staff])}
