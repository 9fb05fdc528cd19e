"""Hard rule with a soft term: commuting distance (通勤距离).

    x[t, s] exists only if km(t, s) ≤ max_commute_km
    commute_km = Σ km(t, s) · x[t, s]          (counted in 0.1 km, see scaling.py)

``km(t, s)`` runs from the teacher's home when home coordinates are on the roster, else from the current
school (distance table, road graph, or straight line from coordinates).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..params import param
from ..scaling import KM_UNITS, to_units_km
from ..vocabulary import zh_subject
from .contract import CheckData, Facts, Key, PlanState, PruneData, StayTest, Violation, key

RULE_ID = "commute"
SECTION = "flows"
#: place in the registry: build order, and the order of equal-stage stay reasons and schools-table columns
ORDER = 40
TITLE = "commuting distance"
TITLE_ZH = "通勤距离上限"
shortfalls = None
TERMS = {"commute_km": (KM_UNITS, "total commute of rotated teachers, km")}


@dataclass(frozen=True)
class Commute:
    """Distance cap (policy section ``[flows]``)."""

    max_commute_km: float | None = param(None, "number", "no assignment farther than this many km")


#: the rule's parameters (a policy section's keys)
PARAMS = Commute


def prune(pairs: Any, rule: Commute, data: PruneData) -> np.ndarray:
    """Drop pairs beyond the cap."""
    if rule.max_commute_km is None:
        return np.ones(len(pairs), dtype=bool)
    return pairs["km"].to_numpy() <= rule.max_commute_km


def class_key(teachers, schools, rule) -> list:
    """Nothing per teacher beyond the base class key (school, subject, backbone, role, status)."""
    return []


def build(ctx: Any, rule: Commute) -> None:
    """Commute cost of every candidate pair."""
    ctx.term("commute_km", *TERMS["commute_km"]).extend(ctx.x, ctx.model_pairs["dkm"].to_numpy())


def term_values(chk: CheckData, rule: Commute) -> dict:
    """Σ km recomputed from the inputs, in 0.1 km units."""
    return {"commute_km": int(to_units_km(chk.moved["km_check"].to_numpy()).sum())}


def check(chk: CheckData, rule: Commute) -> list[Violation]:
    """No rotated teacher beyond the cap; the plan's reported commute equals the recomputed one."""
    out = []
    m = chk.moved
    for r in m.itertuples(index=False):
        if np.isnan(r.km_check):
            continue  # unknown destination: flows reports it
        if np.isinf(r.km_check):
            out.append((RULE_ID, key(teacher=r.teacher_id),
                        f"{r.teacher_id}: no route from {r.school_id} to {r.to_school_id}"))
            continue
        if rule.max_commute_km is not None and r.km_check > rule.max_commute_km + 1e-9:
            out.append((RULE_ID, key(teacher=r.teacher_id),
                        f"{r.teacher_id} commutes {r.km_check:.1f} km to {r.to_school_id} "
                        f"> {rule.max_commute_km:g}"))
        reported = float(r.commute_km)
        if not np.isfinite(reported) or int(to_units_km(r.km_check)) != int(round(reported * KM_UNITS)):
            said = f"says {r.commute_km} km" if np.isfinite(reported) else "gives no commute for this move"
            out.append((RULE_ID, key(teacher=r.teacher_id),
                        f"{r.teacher_id}: plan {said}, recomputed {r.km_check:.1f} km"))
    return out


# ---------------------------------------------------------------------- words
def binding_words(f: Facts, rule: Commute, k: Key, usage: object) -> tuple[str, str]:
    """The cap adds no constraint of its own (farther pairs are not candidates): the rule in words."""
    if rule.max_commute_km is None:
        return "no commuting cap; commute is priced in the objective", "无通勤距离上限，通勤距离计入目标"
    return (f"no teacher rotates farther than {rule.max_commute_km:g} km",
            f"交流学校与原单位距离不超过 {rule.max_commute_km:g} 公里")


def stays(state: PlanState, rule: Commute) -> list[StayTest]:
    """None of its own: a cap that leaves no destination is said with the needs (see subject_needs)."""
    return []


def pair_words(f: Facts, rule: Commute, t: int, s: int, km: float) -> str:
    """The pair is beyond the cap."""
    return f"{f.sid[s]} is {km:.1f} km away (cap {rule.max_commute_km:g} km)"


def teacher_words(f: Facts, rule: Commute, t: int, km: np.ndarray) -> tuple[str, str]:
    """Every school needing the subject is beyond the cap."""
    cm, near, subj = rule.max_commute_km or 0.0, float(np.min(km)), f.subj[t]
    return (f"no school needing {subj} within {cm:g} km (nearest {near:.1f} km)",
            f"{cm:g} 公里内没有需要{zh_subject(subj)}教师的学校（最近 {near:.1f} 公里）")


def school_columns(state: PlanState, rule: Commute) -> dict[str, Any]:
    """No schools-table column."""
    return {}


def assignment_words(f: Facts, rule: Commute, t: int, s: int, km: float) -> str | None:
    """What the rule says of an assignment: its commute."""
    return f"commute {km:.1f} km"
