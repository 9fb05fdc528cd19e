"""Soft rule: teachers' ranked wishes (志愿).

    preference_rank = Σ rank(t, s) · x[t, s]

``rank(t, s)`` is 0 for a teacher's first choice, 1 for the second …, and the number of listed schools for an
unlisted school; teachers who listed nothing cost 0 wherever they go.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .contract import CheckData, Facts, Key, PlanState, StayTest, Usage, Violation

RULE_ID = "preferences"
SECTION = "rules"
#: place in the registry: build order, and the order of equal-stage stay reasons and schools-table columns
ORDER = 90
TITLE = "personal wishes"
TITLE_ZH = "个人志愿"
shortfalls = None
prune = None
pair_words = None
teacher_words = None
TERMS = {"preference_rank": (1, "Σ rank of the assigned school in each teacher's wishes (0 = first choice)")}


@dataclass(frozen=True)
class Preferences:
    """No parameters: the weight is the objective's ``preference_rank``."""


#: the rule's parameters (a policy section's keys)
PARAMS = Preferences


def rank(prefs: object, school_id: str) -> int:
    """Rank cost of ``school_id`` for a ``;``-separated wish list."""
    if prefs is None or (isinstance(prefs, float) and np.isnan(prefs)) or prefs is pd.NA or prefs == "":
        return 0
    listed = str(prefs).split(";")
    return listed.index(school_id) if school_id in listed else len(listed)


def class_key(teachers, schools, rule) -> list:
    """Nothing per teacher beyond the base class key (school, subject, backbone, role, status)."""
    return []


def build(ctx: Any, rule: Preferences) -> None:
    """Rank cost per candidate pair."""
    term = ctx.term("preference_rank", *TERMS["preference_rank"])
    if "preferences" not in ctx.teachers.columns:
        return
    prefs = ctx.teachers["preferences"].to_numpy()[ctx.model_pairs["t"].to_numpy()]
    sids = ctx.schools["school_id"].to_numpy()[ctx.model_pairs["s"].to_numpy()]
    cost = np.array([rank(p, s) for p, s in zip(prefs, sids, strict=True)], dtype=np.int64)
    rows = np.flatnonzero(cost)
    term.extend(ctx.xs(rows), cost[rows])


def term_values(chk: CheckData, rule: Preferences) -> dict:
    """Recompute ranks of the assigned schools."""
    m = chk.moved
    if "preferences" not in m.columns:
        return {"preference_rank": 0}
    return {"preference_rank": int(sum(rank(p, s)
                                       for p, s in zip(m["preferences"], m["to_school_id"], strict=True)))}


def check(chk: CheckData, rule: Preferences) -> list[Violation]:
    """Nothing hard to check."""
    return []


# ---------------------------------------------------------------------- words
def binding_words(f: Facts, rule: Preferences, k: Key, usage: Usage | None) -> tuple[str, str]:
    """Wishes add no constraint (they are priced): the rule in words."""
    return ("a school lower on a teacher's wish list costs its rank in the objective",
            "志愿排序越靠后的学校，目标中的代价越高")


def stays(state: PlanState, rule: Preferences) -> list[StayTest]:
    """Never a hard reason to stay (a wish only prices a destination)."""
    return []


def school_columns(state: PlanState, rule: Preferences) -> dict[str, Any]:
    """No schools-table column."""
    return {}


def assignment_words(f: Facts, rule: Preferences, t: int, s: int, km: float) -> str | None:
    """What the rule says of an assignment: where the school stands among the teacher's wishes."""
    prefs = f.problem.teachers["preferences"].iat[t] if "preferences" in f.problem.teachers.columns else None
    sid = f.sid[s]
    listed = isinstance(prefs, str) and bool(prefs)
    if not listed:
        return "no wishes listed"
    return (f"wish rank {rank(prefs, sid) + 1}" if sid in str(prefs).split(";")
            else "not among the listed wishes")
