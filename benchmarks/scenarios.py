"""Registry of benchmark scenarios (policy variants) and roster sizes.

A scenario is a shipped policy plus parameter changes; a size is a number of synthetic teachers. Drivers
parametrise over ``SCENARIOS × sizes()``; :func:`instance` caches each generated county for the session, so
the load, build and solve drivers measure the same roster.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache

import teacher_match as tm

__all__ = ["Scenario", "SCENARIOS", "SIZES", "sizes", "instance"]


@dataclass(frozen=True)
class Scenario:
    """A policy variant: a shipped policy id and the parameters changed from it."""

    name: str
    policy_id: str
    doc: str
    changes: dict = field(default_factory=dict)

    def policy(self) -> tm.Policy:
        """The policy of this scenario."""
        p = tm.load_policy(self.policy_id)
        return p.with_(**self.changes) if self.changes else p


SCENARIOS = {s.name: s for s in (
    Scenario("default", "default", "models/default.toml as shipped"),
    Scenario("strict", "default",
             "tighter side rules: 30 % backbone share, 25 km commute cap, 10 % outflow cap — the rules that "
             "make the transportation core hard",
             {"backbone_min_share": 0.3, "max_commute_km": 25, "outflow_max_share": 0.1}),
)}

#: named roster sizes; "smoke" keeps `make test` fast, the others are the generator's presets
SIZES = {"smoke": 300, "town": 500, "county": 10_000, "city": 30_000, "metro": 100_000}


def sizes() -> list[str]:
    """Sizes to run, from ``TM_BENCH_SIZES`` (comma-separated names of ``SIZES``; default ``smoke``)."""
    names = [s.strip() for s in os.environ.get("TM_BENCH_SIZES", "smoke").split(",") if s.strip()]
    unknown = [s for s in names if s not in SIZES]
    if unknown:
        raise ValueError(f"unknown size(s) {unknown} in TM_BENCH_SIZES; choose from {', '.join(SIZES)}")
    return names


@cache
def instance(size: str, seed: int = 0) -> tm.Problem:
    """The synthetic county of a named size (generated once per session)."""
    return tm.make_county(SIZES[size], seed=seed)
