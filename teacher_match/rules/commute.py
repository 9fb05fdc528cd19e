"""Hard rule with a soft term: commuting distance (通勤距离).

    x[t, s] exists only if km(t, s) ≤ max_commute_km
    commute_km = Σ km(t, s) · x[t, s]          (counted in 0.1 km, see model/scaling.py)

``km(t, s)`` runs from the teacher's home when home coordinates are on the roster, else from the current
school (distance table, road graph, or straight line from coordinates).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model.scaling import KM_UNITS, to_units_km
from ..params import param

RULE_ID = "commute"
SECTION = "flows"
TERMS = {"commute_km": (KM_UNITS, "total commute of rotated teachers, km")}


@dataclass(frozen=True)
class Commute:
    """Distance cap (policy section ``[flows]``)."""

    max_commute_km: float | None = param(None, "number", "no assignment farther than this many km")


def prune(pairs, rule: Commute, data) -> np.ndarray:
    """Drop pairs beyond the cap."""
    if rule.max_commute_km is None:
        return np.ones(len(pairs), dtype=bool)
    return pairs["km"].to_numpy() <= rule.max_commute_km


def class_key(teachers, schools, rule) -> list:
    """Nothing per teacher beyond the base class key (school, subject, backbone, role, status)."""
    return []


def build(ctx, rule: Commute) -> None:
    """Commute cost of every candidate pair."""
    ctx.term("commute_km", *TERMS["commute_km"]).extend(ctx.x, ctx.cand["dkm"].to_numpy())


def term_values(chk, rule: Commute) -> dict:
    """Σ km recomputed from the inputs, in 0.1 km units."""
    return {"commute_km": int(to_units_km(chk.moved["km_check"].to_numpy()).sum())}


def check(chk, rule: Commute) -> list:
    """No rotated teacher beyond the cap; the plan's reported commute equals the recomputed one."""
    out = []
    m = chk.moved
    for r in m.itertuples(index=False):
        if np.isnan(r.km_check):
            continue  # unknown destination: flows reports it
        if np.isinf(r.km_check):
            out.append((RULE_ID, f"teacher={r.teacher_id}",
                        f"{r.teacher_id}: no route from {r.school_id} to {r.to_school_id}"))
            continue
        if rule.max_commute_km is not None and r.km_check > rule.max_commute_km + 1e-9:
            out.append((RULE_ID, f"teacher={r.teacher_id}",
                        f"{r.teacher_id} commutes {r.km_check:.1f} km to {r.to_school_id} > {rule.max_commute_km:g}"))
        reported = float(r.commute_km)
        if not np.isfinite(reported) or int(to_units_km(r.km_check)) != int(round(reported * KM_UNITS)):
            said = f"says {r.commute_km} km" if np.isfinite(reported) else "gives no commute for this move"
            out.append((RULE_ID, f"teacher={r.teacher_id}",
                        f"{r.teacher_id}: plan {said}, recomputed {r.km_check:.1f} km"))
    return out
