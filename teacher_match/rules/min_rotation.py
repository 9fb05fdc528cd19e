"""Hard or soft rule: each sending school rotates at least a share of its mandatory teachers (比例不低于 N%).

    Σ_{t ∈ a, status(t) = mandatory} x[t, s] ≥ req[a] = ⌈min_share_of_eligible · mandatory[a]⌉   (hard)
    shortfall[a] ≥ req[a] − Σ_{t ∈ a, mandatory} x[t, s],  rotation_shortfall = Σ_a shortfall[a]    (soft)

for each sending school a with mandatory teachers. A minimum a policy file states is hard; it is soft only
where the file says ``min_rotation_hard = false``, and then a plan short of it says so (:func:`shortfalls`:
the summary's first line, the checker's shortfall rows, the command's exit code).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..params import param, share_fraction
from ..vocabulary import count_of, pct
from .contract import CheckData, Facts, Key, PlanState, Shortfall, StayTest, Usage, Violation, key

RULE_ID = "min_rotation"
SECTION = "rules"
#: place in the registry: build order, and the order of equal-stage stay reasons and schools-table columns
ORDER = 80
TITLE = "minimum rotation share"
TITLE_ZH = "最低交流比例"
assignment_words = None
prune = None
pair_words = None
teacher_words = None
TERMS = {"rotation_shortfall": (1, "mandatory teachers short of each school's minimum rotation")}


@dataclass(frozen=True)
class MinRotation:
    """Minimum rotation share (policy section ``[rules]``)."""

    min_share_of_eligible: float | None = param(
        None, "share", "each sending school rotates at least this share of its mandatory teachers (ceil)")
    min_rotation_hard: bool = param(
        True, "bool", "true: a hard rule; false: each missing teacher costs rotation_shortfall, and a plan "
        "short of the minimum says so")


#: the rule's parameters (a policy section's keys)
PARAMS = MinRotation


def required(mandatory: int, rule: MinRotation) -> int:
    """⌈share · mandatory⌉ (0 when the rule is off)."""
    if rule.min_share_of_eligible is None:
        return 0
    return math.ceil(share_fraction(rule.min_share_of_eligible) * mandatory)


def class_key(teachers, schools, rule) -> list:
    """Nothing per teacher beyond the base class key (school, subject, backbone, role, status)."""
    return []


def build(ctx: Any, rule: MinRotation) -> None:
    """Minimum per sending school, hard or with a shortfall variable."""
    term = ctx.term("rotation_shortfall", *TERMS["rotation_shortfall"])
    if rule.min_share_of_eligible is None:
        return
    t = ctx.teachers
    mand = np.bincount(t["school_pos"].to_numpy()[(t["status"] == "mandatory").to_numpy()],
                       minlength=len(ctx.schools))
    cand_rows = ctx.model_pairs.index.to_numpy()[ctx.model_pairs["status"].to_numpy() == "mandatory"]
    by_school = {a: cand_rows[rows] for a, rows in
                 ctx.model_pairs.loc[cand_rows].groupby("from_s", sort=True).indices.items()}
    floor = ctx.rotation_floor
    for a in np.flatnonzero(ctx.sending & (mand > 0)):
        req = required(int(mand[a]), rule)
        if req == 0:
            continue
        rows = by_school.get(a, np.array([], dtype=int))
        where = key(school=ctx.school_id(a))
        short = None
        if rule.min_rotation_hard:
            ctx.add(RULE_ID, where, ctx.xsum(rows) >= req)
        else:
            short = ctx.soft_minimum(RULE_ID, where, rows, req, f"shortfall[{ctx.school_id(a)}]")
            term.extend([short], [1])
        # read by model/strengthen.py (backbone share × this minimum)
        floor[int(a)] = (req, short)


def _counts(chk: CheckData, rule: MinRotation) -> list[tuple[str, int, int]]:
    """Per sending school with mandatory teachers: (school_id, required, rotated)."""
    t = chk.teachers
    mand = t[t["status"] == "mandatory"]
    sending_ids = set(chk.problem.schools["school_id"].to_numpy()[chk.sending])
    out = []
    for sid, g in mand.groupby("school_id", sort=True):
        if sid not in sending_ids:
            continue
        req = required(len(g), rule)
        out.append((sid, req, int(g["moves"].sum())))
    return out


def term_values(chk: CheckData, rule: MinRotation) -> dict:
    """Σ max(0, req − rotated) when soft (0 when hard: the hard check reports any shortfall)."""
    if rule.min_share_of_eligible is None or rule.min_rotation_hard:
        return {"rotation_shortfall": 0}
    return {"rotation_shortfall": sum(max(0, req - got) for _, req, got in _counts(chk, rule))}


def check(chk: CheckData, rule: MinRotation) -> list[Violation]:
    """Hard mode: every sending school meets its minimum."""
    if rule.min_share_of_eligible is None or not rule.min_rotation_hard:
        return []
    return [(RULE_ID, key(school=sid), f"{sid} rotates {got} mandatory teachers < required {req}")
            for sid, req, got in _counts(chk, rule) if got < req]


def shortfalls(chk: CheckData, rule: MinRotation) -> list[Shortfall]:
    """Soft mode: each sending school that rotates fewer mandatory teachers than its minimum."""
    if rule.min_share_of_eligible is None or rule.min_rotation_hard:
        return []
    share = pct(rule.min_share_of_eligible)
    return [Shortfall(RULE_ID, key(school=sid), sid, req - got,
                      f"{sid} must rotate at least {count_of(req, 'mandatory teacher')} ({share} of its "
                      f"mandatory teachers, rounded up) and rotates {got}: {req - got} short",
                      "mandatory teacher", "sending school", "min_rotation_hard")
            for sid, req, got in _counts(chk, rule) if got < req]


# ---------------------------------------------------------------------- words
def binding_words(f: Facts, rule: MinRotation, k: Key, usage: Usage | None) -> tuple[str, str]:
    """A sending school's minimum rotation: how many of its mandatory teachers must go, and how many can."""
    sid = k.get("school")
    a = f.school(k)
    m = int(f.mandatory[a]) if a >= 0 else 0
    req = required(m, rule)
    share = pct(rule.min_share_of_eligible or 0.0)
    placeable = len(f.movers_from(a, f.status == "mandatory")) if a >= 0 else 0
    if usage is not None:
        got = usage.sent(f, a, f.status == "mandatory")
        return (f"{sid} must rotate at least {req} of its {m} mandatory teachers ({share}, rounded up) "
                f"and rotates {got}",
                f"{sid} 须交流至少 {req} 名应交流教师（{m} 名的 {share}，向上取整），本方案交流 {got} 名")
    tail_en = (f"but only {placeable} of them can be placed at a receiving school that needs their subject"
               if placeable < req else f"{placeable} of them can be placed somewhere")
    tail_zh = (f"但其中只有 {placeable} 名能安排到需要其学科的接收学校" if placeable < req
               else f"其中 {placeable} 名有可去的学校")
    return (f"{sid} must rotate at least {req} of its {m} mandatory teachers ({share}, rounded up), "
            f"{tail_en}",
            f"{sid} 须交流至少 {req} 名应交流教师（{m} 名的 {share}，向上取整），{tail_zh}")


def stays(state: PlanState, rule: MinRotation) -> list[StayTest]:
    """Never the reason a teacher stays (it asks for more rotation, not less)."""
    return []


def school_columns(state: PlanState, rule: MinRotation) -> dict[str, Any]:
    """``min_rotation``: the mandatory teachers each sending school must rotate (0 elsewhere)."""
    return {"min_rotation": [required(int(m), rule) if sd else 0
                             for m, sd in zip(state.mandatory, state.sending, strict=True)]}
