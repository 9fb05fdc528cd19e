"""Hard rule: how many teachers a sending school may lose (流出上限), and what it must keep.

    Σ_{t ∈ a} x[t, s]               ≤ cap[a] = max(⌊outflow_max_share · staff[a]⌋, outflow_min_cap)
    Σ_{t ∈ a, subject(t) = j} x[t, s] ≤ max(0, staff[a, j] − keep_per_subject)      for each subject j
    x[t, s] = 0  when subject(t) ∈ protected_subjects(a)        (特色学科: the school is not drained of it)

for each sending school a. ``staff`` counts every teacher on the roster at the school.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..params import param, share_fraction

RULE_ID = "outflow_limit"
SECTION = "rules"


@dataclass(frozen=True)
class OutflowLimit:
    """Outflow caps (policy section ``[rules]``)."""

    outflow_max_share: float | None = param(
        None, "share", "a school sends at most this share of its staff per round (rounded down)")
    outflow_min_cap: int = param(0, "int", "…but may always send at least this many (floor of the cap)")
    keep_per_subject: int = param(0, "int", "a sending school keeps at least this many teachers of each subject")
    keep_protected_subjects: bool = param(
        True, "bool", "teachers of a school's protected_subjects (特色学科) are never sent")


def cap(staff: int, rule: OutflowLimit) -> int | None:
    """The outflow cap of a school with ``staff`` teachers, or None when uncapped."""
    if rule.outflow_max_share is None:
        return None
    return max(math.floor(share_fraction(rule.outflow_max_share) * staff), rule.outflow_min_cap)


def protected_mask(schools: pd.DataFrame, school_pos: np.ndarray, subjects: np.ndarray) -> np.ndarray:
    """True where the subject is one of the school's protected subjects."""
    prot = schools["protected_subjects"].to_numpy()
    return np.array([bool(p) and subj in p.split(";") for p, subj in zip(prot[school_pos], subjects)], dtype=bool)


def prune(pairs, rule: OutflowLimit, data) -> np.ndarray:
    """Protected-subject teachers are not candidates at all."""
    if not rule.keep_protected_subjects:
        return np.ones(len(pairs), dtype=bool)
    return ~protected_mask(data.problem.schools, pairs["from_s"].to_numpy(), pairs["subject"].to_numpy())


def class_key(teachers, schools, rule) -> list:
    """Nothing per teacher beyond the base class key (school, subject, backbone, role, status)."""
    return []


def build(ctx, rule: OutflowLimit) -> None:
    """Cap each sending school's outflow, in total and per subject."""
    staff = np.bincount(ctx.teachers["school_pos"], minlength=len(ctx.schools))
    for a, rows in ctx.groups("from_s").items():
        c = cap(int(staff[a]), rule)
        if c is not None and ctx.max_teachers(rows) > c:
            ctx.add(RULE_ID, f"school={ctx.school_id(a)}", ctx.xsum(rows) <= c)
    if rule.keep_per_subject > 0:
        by_subj = ctx.teachers.groupby(["school_pos", "subject"]).size()
        for (a, j), rows in ctx.groups("from_s", "subject").items():
            limit = max(0, int(by_subj[(a, j)]) - rule.keep_per_subject)
            if ctx.max_teachers(rows) > limit:
                ctx.add(RULE_ID, f"school={ctx.school_id(a)},subject={j},keep", ctx.xsum(rows) <= limit)


def check(chk, rule: OutflowLimit) -> list:
    """Recount outflow per school and per subject from the plan."""
    out = []
    t = chk.problem.teachers
    staff = t.groupby("school_id").size()
    sent = chk.moved.groupby("school_id").size()
    for sid, n in sent.items():
        c = cap(int(staff[sid]), rule)
        if c is not None and n > c:
            out.append((RULE_ID, f"school={sid}", f"{sid} sends {n} teachers, above its cap of {c} "
                                                  f"({rule.outflow_max_share:g} × {staff[sid]} staff)"))
    if rule.keep_per_subject > 0:
        staff_j = t.groupby(["school_id", "subject"]).size()
        sent_j = chk.moved.groupby(["school_id", "subject"]).size()
        for (sid, j), n in sent_j.items():
            if staff_j[(sid, j)] - n < rule.keep_per_subject:
                out.append((RULE_ID, f"school={sid},subject={j},keep",
                            f"{sid} keeps {staff_j[(sid, j)] - n} {j} teachers < {rule.keep_per_subject}"))
    if rule.keep_protected_subjects and len(chk.moved):
        m = chk.moved
        pos = m["school_id"].map(chk.problem.school_index).to_numpy()
        hit = protected_mask(chk.problem.schools, pos, m["subject"].to_numpy())
        for r in m[hit].itertuples(index=False):
            out.append((RULE_ID, f"school={r.school_id},subject={r.subject},protected",
                        f"{r.teacher_id} teaches {r.subject}, a protected subject of {r.school_id}"))
    return out
