"""Hard rule: a teacher goes only to the counterpart school of their own (结对 / 对口 / 捆绑帮扶).

    x[t, s] exists only if  s = pair_id(school(t))        (when to_pair_only)
    x[t, s] exists only if  s = pair_id(school(t)) ≠ none            (when pair_only_when_paired)

``pair_id`` is the schools column [结对学校 / 对口学校]. Under ``to_pair_only`` a school without a counterpart
sends nobody; under ``pair_only_when_paired`` (Shuanggou SG-FL3: 区级下派交流人员安排在对应的学校, the
others to any rural or weak school) it sends wherever the flows allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..params import param
from ..vocabulary import zh_subject
from .contract import CheckData, Facts, Key, PlanState, PruneData, Stage, StayTest, Usage, Violation, key

RULE_ID = "pairing"
SECTION = "flows"
#: place in the registry: build order, and the order of equal-stage stay reasons and schools-table columns
ORDER = 100
TITLE = "counterpart schools"
TITLE_ZH = "对口交流"
assignment_words = None
shortfalls = None
TERMS: dict[str, tuple[int, str]] = {}
term_values = None


@dataclass(frozen=True)
class Pairing:
    """Counterpart-only destinations (policy section ``[flows]``)."""

    to_pair_only: bool = param(False, "bool",
                               "teachers go only to their school's counterpart (pair_id, 对口单位)")
    pair_only_when_paired: bool = param(
        False, "bool", "a school with a counterpart (pair_id, 对应的学校) sends only to it; the others send "
        "wherever the flows allow")

    def binds(self, has_pair: np.ndarray) -> np.ndarray:
        """Per sending school: whether its teachers may go only to its counterpart."""
        if self.to_pair_only:
            return np.ones(len(has_pair), dtype=bool)
        if self.pair_only_when_paired:
            return has_pair
        return np.zeros(len(has_pair), dtype=bool)


#: the rule's parameters (a policy section's keys)
PARAMS = Pairing


def _pair_pos(problem) -> np.ndarray:
    """Position of each school's counterpart, −1 when it has none (or names an unknown school)."""
    idx = problem.school_index
    return np.array([idx.get(p, -1) if isinstance(p, str) and p else -1 for p in problem.schools["pair_id"]],
                    dtype=np.int64)


def prune(pairs: Any, rule: Pairing, data: PruneData) -> np.ndarray:
    """Keep only pairs whose destination is the sender's counterpart."""
    if not (rule.to_pair_only or rule.pair_only_when_paired):
        return np.ones(len(pairs), dtype=bool)
    pos = _pair_pos(data.problem)
    a = pairs["from_s"].to_numpy()
    return ~rule.binds(pos >= 0)[a] | (pos[a] == pairs["s"].to_numpy())


def class_key(teachers, schools, rule) -> list:
    """Nothing per teacher beyond the base class key (school, subject, backbone, role, status)."""
    return []


def build(ctx: Any, rule: Pairing) -> None:
    """Nothing to add: enforced by which pairs get a variable (see ``prune``)."""


def check(chk: CheckData, rule: Pairing) -> list[Violation]:
    """Every moved teacher arrives at the counterpart of their school."""
    if not (rule.to_pair_only or rule.pair_only_when_paired) or not len(chk.moved):
        return []
    # a school without a counterpart has pair_id NA: no destination is its counterpart
    pair = {sid: p if isinstance(p, str) and p else None
            for sid, p in zip(chk.problem.schools["school_id"], chk.problem.schools["pair_id"], strict=True)}
    return [(RULE_ID, key(teacher=r.teacher_id), f"{r.teacher_id} goes to {r.to_school_id}, not to the "
             f"counterpart {pair.get(r.school_id)} of {r.school_id}")
            for r in chk.moved.itertuples(index=False)
            if (rule.to_pair_only or pair.get(r.school_id) is not None)
            and pair.get(r.school_id) != r.to_school_id]


# ---------------------------------------------------------------------- words
def _counterpart(problem: Any, a: int) -> str | None:
    p = _pair_pos(problem)[a]
    return str(problem.schools["school_id"].iat[p]) if p >= 0 else None


def binding_words(f: Facts, rule: Pairing, k: Key, usage: Usage | None) -> tuple[str, str]:
    """Counterparts add no constraint (other pairs are not candidates): the rule in words."""
    if not rule.to_pair_only:
        return ("teachers of a school with a counterpart (pair_id) go only to it",
                "有对应学校的学校, 教师只交流到对应学校")
    return ("teachers go only to their school's counterpart (pair_id)", "教师只交流到本校的对口学校")


def stays(state: PlanState, rule: Pairing) -> list[StayTest]:
    """A teacher of a school without a counterpart stays."""

    def no_counterpart(t: int) -> str | None:
        a = state.pos[t]
        if not rule.to_pair_only or not state.sending[a] or _counterpart(state.problem, a) is not None:
            return None
        return (f"{state.sid[a]} has no counterpart school (pair_id), and teachers go only to their "
                f"counterpart")

    return [StayTest(Stage.SCHOOL, no_counterpart)]


def pair_words(f: Facts, rule: Pairing, t: int, s: int, km: float) -> str:
    """The school is not the counterpart of the teacher's school."""
    home = f.pos[t]
    other = _counterpart(f.problem, home)
    return f"{f.sid[s]} is not the counterpart of {f.sid[home]} ({other or 'none'})"


def teacher_words(f: Facts, rule: Pairing, t: int, km: np.ndarray) -> tuple[str, str]:
    """No school needing the subject is the counterpart of the teacher's school."""
    home = f.pos[t]
    other = _counterpart(f.problem, home)
    if other is None:
        return (f"{f.sid[home]} has no counterpart school (pair_id)", f"{f.sid[home]} 没有对口学校")
    return (f"the counterpart {other} of {f.sid[home]} needs no {f.subj[t]}",
            f"{f.sid[home]} 的对口学校 {other} 不需要{zh_subject(f.subj[t])}教师")


def school_columns(state: PlanState, rule: Pairing) -> dict[str, Any]:
    """No schools-table column."""
    return {}
