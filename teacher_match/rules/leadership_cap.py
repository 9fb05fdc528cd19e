"""Hard rule: at most a share of a school's leadership team (领导班子) rotates in one round.

    Σ_{t ∈ a, role(t) ≠ teacher} x[t, s] ≤ ⌊leadership_max_share · team[a]⌋
                                         (at least 1 when leadership_min_one and team[a] > 0)

for each sending school a; ``team`` counts principals, vice-principals and middle leaders on the roster.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..params import param, share_fraction

RULE_ID = "leadership_cap"
SECTION = "rules"


@dataclass(frozen=True)
class LeadershipCap:
    """Leadership-team cap (policy section ``[rules]``)."""

    leadership_max_share: float | None = param(
        None, "share", "at most this share of a school's leadership team rotates at once (rounded down)")
    leadership_min_one: bool = param(False, "bool", "a non-empty team may always send one member")


def cap(team: int, rule: LeadershipCap) -> int | None:
    """Cap for a team of ``team`` members, or None when uncapped."""
    if rule.leadership_max_share is None:
        return None
    c = math.floor(share_fraction(rule.leadership_max_share) * team)
    if rule.leadership_min_one and team > 0:
        c = max(c, 1)
    return c


def class_key(teachers, schools, rule) -> list:
    """Nothing per teacher beyond the base class key (school, subject, backbone, role, status)."""
    return []


def build(ctx, rule: LeadershipCap) -> None:
    """Cap leaders sent per school."""
    if rule.leadership_max_share is None:
        return
    leaders = ctx.teachers["role"].to_numpy() != "teacher"
    team = np.bincount(ctx.teachers["school_pos"].to_numpy()[leaders], minlength=len(ctx.schools))
    lead_rows = ctx.cand[ctx.cand["leader"]]
    for a, rows in lead_rows.groupby("from_s", sort=True).indices.items():
        rows = lead_rows.index.to_numpy()[rows]
        c = cap(int(team[a]), rule)
        if ctx.max_teachers(rows) > c:
            ctx.add(RULE_ID, f"school={ctx.school_id(a)}", ctx.xsum(rows) <= c)


def check(chk, rule: LeadershipCap) -> list:
    """Recount leaders sent per school."""
    if rule.leadership_max_share is None:
        return []
    t = chk.problem.teachers
    team = t[t["role"] != "teacher"].groupby("school_id").size()
    sent = chk.moved[chk.moved["role"] != "teacher"].groupby("school_id").size()
    out = []
    for sid, n in sent.items():
        c = cap(int(team.get(sid, 0)), rule)
        if n > c:
            out.append((RULE_ID, f"school={sid}", f"{sid} sends {n} of its {team.get(sid, 0)} leaders, cap {c}"))
    return out
