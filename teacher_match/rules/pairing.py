"""Hard rule: a teacher goes only to the counterpart school of their own (结对 / 对口 / 捆绑帮扶).

    x[t, s] exists only if  s = pair_id(school(t))        (when to_pair_only)

``pair_id`` is the schools column [结对学校 / 对口学校]. A school without a counterpart sends nobody.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..params import param

RULE_ID = "pairing"
SECTION = "flows"


@dataclass(frozen=True)
class Pairing:
    """Counterpart-only destinations (policy section ``[flows]``)."""

    to_pair_only: bool = param(False, "bool", "teachers go only to their school's counterpart (pair_id, 对口单位)")


def _pair_pos(problem) -> np.ndarray:
    """Position of each school's counterpart, −1 when it has none (or names an unknown school)."""
    idx = problem.school_index
    return np.array([idx.get(p, -1) if isinstance(p, str) and p else -1 for p in problem.schools["pair_id"]],
                    dtype=np.int64)


def prune(pairs, rule: Pairing, data) -> np.ndarray:
    """Keep only pairs whose destination is the sender's counterpart."""
    if not rule.to_pair_only:
        return np.ones(len(pairs), dtype=bool)
    return _pair_pos(data.problem)[pairs["from_s"].to_numpy()] == pairs["s"].to_numpy()


def class_key(teachers, schools, rule) -> list:
    """Nothing per teacher beyond the base class key (school, subject, backbone, role, status)."""
    return []


def build(ctx, rule: Pairing) -> None:
    """Nothing to add: enforced by which pairs get a variable (see ``prune``)."""


def check(chk, rule: Pairing) -> list:
    """Every moved teacher arrives at the counterpart of their school."""
    if not rule.to_pair_only or not len(chk.moved):
        return []
    pair = dict(zip(chk.problem.schools["school_id"], chk.problem.schools["pair_id"], strict=True))
    return [(RULE_ID, f"teacher={r.teacher_id}", f"{r.teacher_id} goes to {r.to_school_id}, not to the counterpart "
             f"{pair.get(r.school_id)} of {r.school_id}")
            for r in chk.moved.itertuples(index=False) if pair.get(r.school_id) != r.to_school_id]
