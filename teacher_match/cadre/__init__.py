"""Cadre rotation (干部轮岗交流) on the same engine: the two cadre systems of the sources as models.

Data in, plan out::

    import teacher_match as tm
    roster = tm.cadre.load_roster("cadres/")               # or tm.cadre.make_system(200, seed=1)
    policy = tm.cadre.load_policy("yunlong-health-cadre")   # or "county-cadre-rotation" (+ with_(...))
    plan = tm.cadre.solve(roster, policy, time_limit=30)
    assert tm.cadre.check(roster, policy, plan).empty        # the independent checker (pandas only)
    plan.publicity(start="2025-07-03")                       # 公示 lists: 表二–表五 and the period

The roster (:mod:`.tables`), the policy (:mod:`.policy`), the triggers (:mod:`.eligibility`), the plan
(:mod:`.plan`) and the checker (:mod:`.check`) are pandas only; ``solve`` loads OR-Tools on first use.
"""

from __future__ import annotations

from .check import check
from .eligibility import cadre_status
from .plan import CadrePlan
from .policy import CadrePolicy, cadre_policy_ids, load_cadre_policy
from .synthetic import make_system, micro_roster
from .tables import CadreRoster, load_roster, roster_from_frames

#: the short names of the public API
load_policy = load_cadre_policy
policy_ids = cadre_policy_ids
status = cadre_status


def __getattr__(name: str) -> object:
    """``solve`` loads the solver on first use (PEP 562)."""
    if name == "solve":
        from .solving import solve

        globals()["solve"] = solve
        return solve
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["CadreRoster", "CadrePolicy", "CadrePlan", "load_roster", "roster_from_frames", "load_policy",
           "policy_ids", "make_system", "micro_roster", "status", "solve", "check"]
