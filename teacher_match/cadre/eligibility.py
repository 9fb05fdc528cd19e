"""Who is due, who may move, who may be posted: the cadre policy's triggers on the roster (pandas only).

Statuses, in order of precedence:

* ``refused`` — the cadre refused the rotation (不服从交流): stays; the policy's consequence is recorded;
* ``deferred`` — eligible but deferred (暂缓交流, 表四): stays;
* ``due`` — a trigger holds: a service-window cadre with ``years_in_post ≥ window_rotation_years`` (must leave
  the post), ``years_in_unit ≥ exchange_min_years_in_unit`` (exchange to another unit),
  ``years_in_post ≥ rotation_min_years_in_post`` (another post);
* ``eligible`` — may move as needed (适时交流), e.g. to take a post another cadre leaves.

A cadre may be sent on an up/down posting (上派/下派) when movable, of a grade in ``posting_grades``, and not
due for a window rotation (a posting keeps the home post, so it does not rotate it): from an ``upper`` unit
down to a ``grassroots`` unit with places, or up the other way.

*Priority* (YL-SE1): a reserve candidate (科级后备干部人选) of an upper unit without grassroots leadership
experience who may be sent down.
"""

from __future__ import annotations

import pandas as pd

from .policy import CadrePolicy
from .tables import CadreRoster

__all__ = ["cadre_status", "MOVABLE"]

MOVABLE = ("due", "eligible")


def cadre_status(roster: CadreRoster, policy: CadrePolicy) -> pd.DataFrame:
    """One row per cadre: its status, the triggers that hold, how it may be posted, its priority, why.

    Columns ``person_id, status, due_window, due_exchange, due_rotation, posting, priority, applied, reason``;
    ``posting`` is ``"down"``, ``"up"`` or ``""`` (cannot be posted).

    Examples
    --------
    >>> import teacher_match as tm
    >>> r = tm.cadre.micro_roster()
    >>> st = cadre_status(r, tm.cadre.load_policy("yunlong-health-cadre"))
    >>> w1 = st.set_index("person_id").loc["W1"]
    >>> str(w1["status"]), bool(w1["due_window"])
    ('due', True)
    """
    policy.require_complete()
    p = policy.params
    c = roster.cadres
    level = roster.level_of()
    wy, ey, ry = p["window_rotation_years"], p["exchange_min_years_in_unit"], p["rotation_min_years_in_post"]
    due_window = (c["service_window"].astype(bool) & (c["years_in_post"] >= wy)) if wy is not None \
        else pd.Series(False, index=c.index)
    due_exchange = (c["years_in_unit"] >= ey) if ey is not None else pd.Series(False, index=c.index)
    due_rotation = (c["years_in_post"] >= ry) if ry is not None else pd.Series(False, index=c.index)
    refused, deferred = c["refused"].astype(bool), c["deferred"].astype(bool)
    status, reasons = [], []
    for i in range(len(c)):
        why = []
        if due_window.iat[i]:
            why.append(f"service window, {c['years_in_post'].iat[i]} years in post ≥ {wy} (window rotation)")
        if due_exchange.iat[i]:
            why.append(f"{c['years_in_unit'].iat[i]} years in the unit ≥ {ey} (exchange)")
        if due_rotation.iat[i]:
            why.append(f"{c['years_in_post'].iat[i]} years in post ≥ {ry} (rotation)")
        if refused.iat[i]:
            status.append("refused")
            why.insert(0, "refused rotation (不服从交流)")
        elif deferred.iat[i]:
            status.append("deferred")
            why.insert(0, "deferred (暂缓交流)" + (f": {c['defer_reason'].iat[i]}" if c["defer_reason"].iat[i]
                                                 else ""))
        elif why:
            status.append("due")
        else:
            status.append("eligible")
            why.append("may move as needed (适时交流)")
        reasons.append("; ".join(why))
    out = pd.DataFrame({"person_id": c["person_id"], "status": status, "due_window": due_window.to_numpy(),
                        "due_exchange": due_exchange.to_numpy(), "due_rotation": due_rotation.to_numpy(),
                        "applied": c["applied"].astype(bool).to_numpy(), "reason": reasons})
    movable = out["status"].isin(MOVABLE)
    grades = set(p["posting_grades"] or [])
    home = c["unit_id"].map(level)
    can_post = movable & c["grade"].isin(grades) & ~out["due_window"]
    out["posting"] = ""
    out.loc[can_post & (home == "upper"), "posting"] = "down"
    out.loc[can_post & (home == "grassroots"), "posting"] = "up"
    no_grassroots = ~c["grassroots_leader_experience"].astype(bool)
    out["priority"] = (bool(p["grassroots_priority"]) & (out["posting"] == "down")
                       & c["reserve_candidate"].astype(bool) & no_grassroots)
    return out


def kin_blocked(roster: CadreRoster, status: dict[str, str]) -> dict[str, set]:
    """Cadre → units closed to them by kinship avoidance whatever the plan does.

    A relative who cannot move (refused, deferred) stays in their unit: that unit, the unit supervising it and
    the units it supervises are closed to the cadre (one unit, or a supervising pair).
    """
    unit_of = dict(zip(roster.cadres["person_id"], roster.cadres["unit_id"], strict=True))
    near: dict[str, set] = {u: {u} for u in roster.units["unit_id"]}
    for a, b in roster.parent_of().items():
        near[a].add(b)
        near[b].add(a)
    out: dict[str, set] = {}
    for a, b in zip(roster.relatives["person_id"], roster.relatives["relative_id"], strict=True):
        for i, j in ((a, b), (b, a)):
            if status.get(j) not in MOVABLE:
                out.setdefault(i, set()).update(near[unit_of[j]])
    return out
