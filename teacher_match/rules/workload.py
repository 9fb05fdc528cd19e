"""Hard rule (checked): a teacher sent to a school carries at least that school's average load.

    min_lessons_per_week(t) = ⌈ Σ_{t' ∈ s} lessons_per_week(t') / |{t' ∈ s with a load}| ⌉   for t sent to s

(city support teaching CS-DU1: "工作量不低于受援学校教师的平均工作量"). The average is over the receiving
school's roster teachers with a ``lessons_per_week`` [周课时]; a load is whole lessons, so the least load not
below the average is its ceiling. The plan states it per moved teacher (``min_lessons_per_week``; blank for
those who stay and at a school without a recorded load); the checker recomputes it from the roster. The
receiving school sets the timetable: the plan states the floor it must respect.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..params import param
from .contract import CheckData, Facts, Key, PlanState, StayTest, Usage, Violation, key

RULE_ID = "workload"
SECTION = "rules"
#: place in the registry: build order, and the order of equal-stage stay reasons and schools-table columns
ORDER = 155
TITLE = "workload at the receiving school"
TITLE_ZH = "受援学校工作量下限"
assignment_words = None
shortfalls = None
TERMS: dict[str, tuple[int, str]] = {}
term_values = None
prune = None
pair_words = None
teacher_words = None
#: the plan's column this rule writes (assignments)
COLUMN = "min_lessons_per_week"


@dataclass(frozen=True)
class Workload:
    """The moved teacher's least load (policy section ``[rules]``)."""

    workload_at_least_receiving_average: bool = param(
        False, "bool", "a moved teacher carries at least the receiving school's average lessons a week "
        "(lessons_per_week; the plan states the floor)")


#: the rule's parameters (a policy section's keys)
PARAMS = Workload


def school_average(problem: Any) -> np.ndarray:
    """Each school's average ``lessons_per_week`` over its teachers with a load (NaN without one)."""
    t = problem.teachers
    k = len(problem.schools)
    if "lessons_per_week" not in t.columns:
        return np.full(k, np.nan)
    load = pd.to_numeric(t["lessons_per_week"], errors="coerce").to_numpy(dtype=float)
    has = ~np.isnan(load)
    pos = problem.teacher_school_pos
    total = np.bincount(pos[has], weights=load[has], minlength=k)
    n = np.bincount(pos[has], minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def floors(problem: Any, to_school_id: pd.Series, moves: pd.Series) -> list[float]:
    """Per assignments row: the least whole load at the destination (NaN for a teacher who stays)."""
    avg = school_average(problem)
    out = []
    for to, mv in zip(to_school_id, moves.astype(bool), strict=True):
        a = avg[problem.school_index[to]] if mv and to in problem.school_index else np.nan
        out.append(float(math.ceil(round(a, 9))) if not np.isnan(a) else np.nan)
    return out


def plan_columns(problem: Any, policy: Any, assignments: pd.DataFrame) -> dict[str, Any]:
    """The plan's ``min_lessons_per_week`` column, when the policy sets the rule."""
    if not policy.rule(RULE_ID).workload_at_least_receiving_average:
        return {}
    return {COLUMN: floors(problem, assignments["to_school_id"], assignments["moves"])}


def class_key(teachers, schools, rule: Workload) -> list:
    """Nothing per teacher: the floor is the destination's, whoever goes."""
    return []


def build(ctx: Any, rule: Workload) -> None:
    """Nothing to add to the solve: the floor follows from the destination (a plan column)."""


def check(chk: CheckData, rule: Workload) -> list[Violation]:
    """Each moved teacher's ``min_lessons_per_week`` is the ceiling of the destination's average load."""
    if not rule.workload_at_least_receiving_average:
        return []
    a = chk.assignments
    if COLUMN not in a.columns:
        return [(RULE_ID, key(COLUMN), f"the plan has no {COLUMN} column")]
    want = floors(chk.problem, a["to_school_id"], a["moves"])
    got = pd.to_numeric(a[COLUMN], errors="coerce").to_numpy(dtype=float)
    out: list[Violation] = []
    for tid, g, w in zip(a["teacher_id"], got, want, strict=True):
        if not ((np.isnan(g) and np.isnan(w)) or (not np.isnan(g) and not np.isnan(w) and g == w)):
            out.append((RULE_ID, key(teacher=tid), f"{tid}: {COLUMN} is {g}, the receiving school's "
                        f"average load sets {w}"))
    return out


# ---------------------------------------------------------------------- words
def binding_words(f: Facts, rule: Workload, k: Key, usage: Usage | None) -> tuple[str, str]:
    """The floor binds no instance of the solve: the rule in words."""
    return ("a moved teacher carries at least the receiving school's average load",
            "交流教师工作量不低于受援学校教师平均工作量")


def stays(state: PlanState, rule: Workload) -> list[StayTest]:
    """No reason to stay: the floor does not restrict who goes where."""
    return []


def school_columns(state: PlanState, rule: Workload) -> dict[str, Any]:
    """The average load of each school (what a teacher sent there carries at least)."""
    if not rule.workload_at_least_receiving_average:
        return {}
    return {"average_lessons_per_week": school_average(state.problem)}
