"""Hard rule: which teachers may be sent and which schools may receive (交流方向).

    x[t, s] exists only if  school(t) ∈ Send,  s ∈ Receive,  s ≠ school(t),  status(t) ∈ {mandatory, eligible}

``Send`` are the schools matching the ``from`` selector and ``Receive`` those matching ``to``; a selector lists
categories and/or strengths and a school matches when *any* listed attribute matches ("城区学校、优质学校向
农村学校、薄弱学校": urban **or** strong schools send). An empty selector matches every school.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..params import param

RULE_ID = "flows"
SECTION = "flows"


@dataclass(frozen=True)
class Flows:
    """Direction of rotation (policy section ``[flows]``)."""

    from_: dict = param({"category": ["urban", "town"]}, "selector",
                        "schools that send: { category = [...], strength = [...] } (any match)", key="from")
    to: dict = param({"category": ["rural", "village"]}, "selector",
                     "schools that receive: { category = [...], strength = [...] } (any match)")


def selects(schools: pd.DataFrame, selector: dict) -> np.ndarray:
    """Boolean mask of the schools a selector matches (any listed attribute; ``{}`` matches all)."""
    if not selector:
        return np.ones(len(schools), dtype=bool)
    mask = np.zeros(len(schools), dtype=bool)
    for attr, values in selector.items():
        mask |= schools[attr].isin(values).to_numpy()
    return mask


def describe(selector: dict) -> str:
    """Plain words for a selector, e.g. ``"urban or strong"``."""
    if not selector:
        return "any"
    return " or ".join(v for values in selector.values() for v in values)


def prune(pairs: pd.DataFrame, rule: Flows, data) -> np.ndarray:
    """Keep pairs from a sending school to a receiving school."""
    return data.sending[pairs["from_s"].to_numpy()] & data.receiving[pairs["s"].to_numpy()]


def class_key(teachers, schools, rule) -> list:
    """Nothing per teacher beyond the base class key (school, subject, backbone, role, status)."""
    return []


def build(ctx, rule: Flows) -> None:
    """Nothing to add: the direction is enforced by which pairs get a variable at all (see ``prune``)."""


def check(chk, rule: Flows) -> list:
    """Every moved teacher was movable, left a sending school and went to another, receiving school."""
    out = []
    m = chk.moved
    idx = chk.problem.school_index
    for rec in m.itertuples(index=False):
        if rec.status not in ("mandatory", "eligible"):
            out.append((RULE_ID, f"teacher={rec.teacher_id}", f"{rec.teacher_id} moves but is {rec.status}"))
        if rec.to_school_id not in idx:
            out.append((RULE_ID, f"teacher={rec.teacher_id}", f"{rec.teacher_id} goes to unknown school "
                                                                f"{rec.to_school_id}"))
            continue
        if rec.to_school_id == rec.school_id:
            out.append((RULE_ID, f"teacher={rec.teacher_id}", f"{rec.teacher_id} 'moves' to its own school"))
        if not chk.sending[idx[rec.school_id]]:
            out.append((RULE_ID, f"teacher={rec.teacher_id}",
                        f"{rec.teacher_id} leaves {rec.school_id}, which is not a sending school"))
        if not chk.receiving[idx[rec.to_school_id]]:
            out.append((RULE_ID, f"teacher={rec.teacher_id}",
                        f"{rec.teacher_id} goes to {rec.to_school_id}, which is not a receiving school"))
    return out
