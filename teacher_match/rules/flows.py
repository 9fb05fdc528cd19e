"""Hard rule: which teachers may be sent and which schools may receive (交流方向).

    x[t, s] exists only if  school(t) ∈ Send,  s ∈ Receive,  s ≠ school(t),  status(t) ∈ {mandatory, eligible}

``Send`` are the schools matching the ``from`` selector and ``Receive`` those matching ``to``; a selector
lists categories and/or strengths and a school matches when *any* listed attribute matches
("城区学校、优质学校向农村学校、薄弱学校": urban **or** strong schools send). An empty selector matches
every school.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..params import param
from ..vocabulary import zh_subject
from .contract import CheckData, Facts, Key, PlanState, PruneData, Stage, StayTest, Violation, key

RULE_ID = "flows"
SECTION = "flows"
#: place in the registry: build order, and the order of equal-stage stay reasons and schools-table columns
ORDER = 10
TITLE = "direction of rotation"
TITLE_ZH = "交流方向"
assignment_words = None
shortfalls = None
TERMS: dict[str, tuple[int, str]] = {}
term_values = None


@dataclass(frozen=True)
class Flows:
    """Direction of rotation (policy section ``[flows]``)."""

    from_: dict = param({"category": ["urban", "town"]}, "selector",
                        "schools that send: { category = [...], strength = [...] } (any match)", key="from")
    to: dict = param({"category": ["rural", "village"]}, "selector",
                     "schools that receive: { category = [...], strength = [...] } (any match)")


#: the rule's parameters (a policy section's keys)
PARAMS = Flows


def selects(schools: pd.DataFrame, selector: dict) -> np.ndarray:
    """Boolean mask of the schools a selector matches (any listed attribute; ``{}`` matches all)."""
    if not selector:
        return np.ones(len(schools), dtype=bool)
    mask = np.zeros(len(schools), dtype=bool)
    for attr, values in selector.items():
        mask |= schools[attr].isin(values).to_numpy()
    return mask


def selector_words(selector: dict) -> str:
    """Plain words for a selector, e.g. ``"urban or strong"``."""
    if not selector:
        return "any"
    return " or ".join(v for values in selector.values() for v in values)


def prune(pairs: pd.DataFrame, rule: Flows, data: PruneData) -> np.ndarray:
    """Keep pairs from a sending school to a receiving school."""
    return data.sending[pairs["from_s"].to_numpy()] & data.receiving[pairs["s"].to_numpy()]


def class_key(teachers, schools, rule) -> list:
    """Nothing per teacher beyond the base class key (school, subject, backbone, role, status)."""
    return []


def build(ctx: Any, rule: Flows) -> None:
    """Nothing to add: the direction is enforced by which pairs get a variable at all (see ``prune``)."""


def check(chk: CheckData, rule: Flows) -> list[Violation]:
    """Every moved teacher was movable, left a sending school and went to another, receiving school."""
    out = []
    m = chk.moved
    idx = chk.problem.school_index
    for rec in m.itertuples(index=False):
        if rec.status not in ("mandatory", "eligible"):
            out.append((RULE_ID, key(teacher=rec.teacher_id), f"{rec.teacher_id} moves but is {rec.status}"))
        if rec.to_school_id not in idx:
            out.append((RULE_ID, key(teacher=rec.teacher_id), f"{rec.teacher_id} goes to unknown school "
                                                                f"{rec.to_school_id}"))
            continue
        if rec.to_school_id == rec.school_id:
            out.append((RULE_ID, key(teacher=rec.teacher_id), f"{rec.teacher_id} 'moves' to its own school"))
        if not chk.sending[idx[rec.school_id]]:
            out.append((RULE_ID, key(teacher=rec.teacher_id),
                        f"{rec.teacher_id} leaves {rec.school_id}, which is not a sending school"))
        if not chk.receiving[idx[rec.to_school_id]]:
            out.append((RULE_ID, key(teacher=rec.teacher_id),
                        f"{rec.teacher_id} goes to {rec.to_school_id}, which is not a receiving school"))
    return out


# ---------------------------------------------------------------------- words
def _not_sending(f: Facts | PlanState, rule: Flows, a: int) -> str:
    return f"{f.sid[a]} is not a sending school (senders: {selector_words(rule.from_)})"


def binding_words(f: Facts, rule: Flows, k: Key, usage: object) -> tuple[str, str]:
    """The direction adds no constraint of its own (it decides which pairs exist): the rule in words."""
    return (f"teachers rotate from {selector_words(rule.from_)} schools to {selector_words(rule.to)} schools",
            f"交流方向：由{selector_words(rule.from_)}学校派往{selector_words(rule.to)}学校")


def stays(state: PlanState, rule: Flows) -> list[StayTest]:
    """A teacher of a school that does not send stays."""
    return [StayTest(Stage.SCHOOL, lambda t: None if state.sending[state.pos[t]]
                     else _not_sending(state, rule, state.pos[t]))]


def pair_words(f: Facts, rule: Flows, t: int, s: int, km: float) -> str:
    """Why the pair (teacher ``t``, school ``s``) is not a candidate.

    One of the two ends is outside the flow.
    """
    if not f.receiving[s]:
        return f"{f.sid[s]} is not a receiving school (receivers: {selector_words(rule.to)})"
    return _not_sending(f, rule, f.pos[t])


def teacher_words(f: Facts, rule: Flows, t: int, km: np.ndarray) -> tuple[str, str]:
    """Why no school is open to teacher ``t`` when the direction alone rules every one out."""
    a = f.pos[t]
    if not f.sending[a]:
        return _not_sending(f, rule, a), f"{f.sid[a]} 不是派出学校"
    return (f"no receiving school ({selector_words(rule.to)}) needs {f.subj[t]}",
            f"没有接收学校需要{zh_subject(f.subj[t])}教师")


def school_columns(state: PlanState, rule: Flows) -> dict[str, Any]:
    """None of its own: whether a school sends and receives is a base column of the schools table."""
    return {}
