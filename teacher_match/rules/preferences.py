"""Soft rule: teachers' ranked wishes (志愿).

    preference_rank = Σ rank(t, s) · x[t, s]

``rank(t, s)`` is 0 for a teacher's first choice, 1 for the second …, and the number of listed schools for an
unlisted school; teachers who listed nothing cost 0 wherever they go.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

RULE_ID = "preferences"
SECTION = "rules"
TERMS = {"preference_rank": (1, "Σ rank of the assigned school in each teacher's wishes (0 = first choice)")}


@dataclass(frozen=True)
class Preferences:
    """No parameters: the weight is the objective's ``preference_rank``."""


def rank(prefs: object, school_id: str) -> int:
    """Rank cost of ``school_id`` for a ``;``-separated wish list."""
    if prefs is None or (isinstance(prefs, float) and np.isnan(prefs)) or prefs is pd.NA or prefs == "":
        return 0
    listed = str(prefs).split(";")
    return listed.index(school_id) if school_id in listed else len(listed)


def class_key(teachers, schools, rule) -> list:
    """Nothing per teacher beyond the base class key (school, subject, backbone, role, status)."""
    return []


def build(ctx, rule: Preferences) -> None:
    """Rank cost per candidate pair."""
    term = ctx.term("preference_rank", *TERMS["preference_rank"])
    if "preferences" not in ctx.teachers.columns:
        return
    prefs = ctx.teachers["preferences"].to_numpy()[ctx.cand["t"].to_numpy()]
    sids = ctx.schools["school_id"].to_numpy()[ctx.cand["s"].to_numpy()]
    cost = np.array([rank(p, s) for p, s in zip(prefs, sids)], dtype=np.int64)
    rows = np.flatnonzero(cost)
    term.extend(ctx.xs(rows), cost[rows])


def term_values(chk, rule: Preferences) -> dict:
    """Recompute ranks of the assigned schools."""
    m = chk.moved
    if "preferences" not in m.columns:
        return {"preference_rank": 0}
    return {"preference_rank": int(sum(rank(p, s) for p, s in zip(m["preferences"], m["to_school_id"])))}


def check(chk, rule: Preferences) -> list:
    """Nothing hard to check."""
    return []
