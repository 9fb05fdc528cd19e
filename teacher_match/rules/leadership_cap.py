"""Hard rule: at most a share of a school's leadership team (领导班子) rotates in one round.

    Σ_{t ∈ a, role(t) ≠ teacher} x[t, s] ≤ ⌊leadership_max_share · team[a]⌋
                                         (at least 1 when leadership_min_one and team[a] > 0)

for each sending school a; ``team`` counts principals, vice-principals and middle leaders on the roster.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..params import param, share_fraction
from ..vocabulary import pct
from .contract import CheckData, Facts, Key, PlanState, Stage, StayTest, Usage, Violation, key

RULE_ID = "leadership_cap"
SECTION = "rules"
#: place in the registry: build order, and the order of equal-stage stay reasons and schools-table columns
ORDER = 60
TITLE = "leadership-team cap"
TITLE_ZH = "领导班子交流上限"
assignment_words = None
shortfalls = None
TERMS: dict[str, tuple[int, str]] = {}
term_values = None
prune = None
pair_words = None
teacher_words = None


@dataclass(frozen=True)
class LeadershipCap:
    """Leadership-team cap (policy section ``[rules]``)."""

    leadership_max_share: float | None = param(
        None, "share", "at most this share of a school's leadership team rotates at once (rounded down)")
    leadership_min_one: bool = param(False, "bool", "a non-empty team may always send one member")


#: the rule's parameters (a policy section's keys)
PARAMS = LeadershipCap


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


def build(ctx: Any, rule: LeadershipCap) -> None:
    """Cap leaders sent per school."""
    if rule.leadership_max_share is None:
        return
    leaders = ctx.teachers["role"].to_numpy() != "teacher"
    team = np.bincount(ctx.teachers["school_pos"].to_numpy()[leaders], minlength=len(ctx.schools))
    lead_rows = ctx.model_pairs[ctx.model_pairs["leader"]]
    for a, rows in lead_rows.groupby("from_s", sort=True).indices.items():
        rows = lead_rows.index.to_numpy()[rows]
        c = cap(int(team[a]), rule)
        if ctx.max_teachers(rows) > c:
            ctx.add(RULE_ID, key(school=ctx.school_id(a)), ctx.xsum(rows) <= c)


def check(chk: CheckData, rule: LeadershipCap) -> list[Violation]:
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
            out.append((RULE_ID, key(school=sid),
                        f"{sid} sends {n} of its {team.get(sid, 0)} leaders, cap {c}"))
    return out


# ---------------------------------------------------------------------- words
def binding_words(f: Facts, rule: LeadershipCap, k: Key, usage: Usage | None) -> tuple[str, str]:
    """How many of a school's leadership team may rotate (with the plan's use of it)."""
    sid = k.get("school")
    a = f.school(k)
    team = int(f.team[a]) if a >= 0 else 0
    c = cap(team, rule)
    share = rule.leadership_max_share or 0.0
    if c == 0:
        # a cap of 0 is never "used up": the school may send none of its leaders at all
        return (f"{sid} may send none of its leadership team (cap {pct(share)} × {team} rounded down = 0)",
                f"{sid} 领导班子不得交流（班子 {team} 人 × {pct(share)}，向下取整为 0）")
    if usage is not None:
        return (f"{sid} already sends its leadership cap of {c} (team of {team}, {pct(share)} rounded down)",
                f"{sid} 领导班子交流已达上限 {c} 人（班子 {team} 人的 {pct(share)}，向下取整）")
    return (f"{sid} may send at most {c} of its {team} leadership-team members ({pct(share)}, rounded down)",
            f"{sid} 领导班子最多交流 {c} 人（班子 {team} 人的 {pct(share)}，向下取整）")


def stays(state: PlanState, rule: LeadershipCap) -> list[StayTest]:
    """A leader of a school whose leadership cap is used up stays."""

    def at_cap(t: int) -> str | None:
        a = state.pos[t]
        if not state.leader[t]:
            return None
        c = cap(int(state.team[a]), rule)
        if c is None or state.leaders_sent[a] < c:
            return None
        if c == 0:
            return f"{state.sid[a]} may send none of its leadership team (cap 0, team of {state.team[a]})"
        return f"{state.sid[a]} already sends its leadership cap of {c} (team of {state.team[a]})"

    return [StayTest(Stage.CAP, at_cap)]


def school_columns(state: PlanState, rule: LeadershipCap) -> dict[str, Any]:
    """``leadership_cap`` of every sending school (empty where it does not send or there is no cap)."""
    return {"leadership_cap": state.at_sending_schools([cap(int(x), rule) for x in state.team])}
