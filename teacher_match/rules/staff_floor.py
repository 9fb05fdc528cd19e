"""Hard rule: a small school keeps at least one teacher per N students (每 10 个学生至少配有 1 位教师).

    staff[a] − Σ_{t ∈ a} x[t, s] + Σ_t x[t, a] ≥ min(floor[a], staff[a]),   floor[a] = ⌈students[a] / N⌉

for each school a with ``students[a] ≤ staff_floor_max_students`` (all schools with a student count when that
is unset). A school already below its floor may not fall further (it sends no more than it receives).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..params import param

RULE_ID = "staff_floor"
SECTION = "rules"


@dataclass(frozen=True)
class StaffFloor:
    """Staffing floor (policy section ``[rules]``)."""

    students_per_teacher_floor: float | None = param(
        None, "number", "a school keeps at least one teacher per this many students (rounded up)")
    staff_floor_max_students: int | None = param(
        None, "int", "the floor applies to schools of at most this many students (小规模学校); unset = all")


def floors(problem, rule: StaffFloor) -> dict[int, tuple[int, int]]:
    """School position -> (floor, staff) for every school the rule covers."""
    if rule.students_per_teacher_floor is None or "students" not in problem.schools.columns:
        return {}
    staff = np.bincount(problem.teacher_school_pos, minlength=len(problem.schools))
    out = {}
    for a, st in enumerate(problem.schools["students"]):
        if pd.isna(st):
            continue
        st = int(st)
        if rule.staff_floor_max_students is not None and st > rule.staff_floor_max_students:
            continue
        out[a] = (math.ceil(st / rule.students_per_teacher_floor), int(staff[a]))
    return out


def class_key(teachers, schools, rule) -> list:
    """Nothing per teacher beyond the base class key (school, subject, backbone, role, status)."""
    return []


def build(ctx, rule: StaffFloor) -> None:
    """One constraint per covered school that may lose teachers."""
    if not len(ctx.cand):
        return
    out_rows = ctx.groups("from_s")
    in_rows = ctx.groups("s")
    for a, (fl, staff) in floors(ctx.problem, rule).items():
        rows = out_rows.get(a)
        need = min(fl, staff)
        if rows is None or staff - ctx.max_teachers(rows) >= need:
            continue
        incoming = in_rows.get(a, np.array([], dtype=int))
        ctx.add(RULE_ID, f"school={ctx.school_id(a)}", staff - ctx.xsum(rows) + ctx.xsum(incoming) >= need)


def check(chk, rule: StaffFloor) -> list:
    """Recount each covered school's staff after the plan."""
    m = chk.moved
    sid = chk.problem.schools["school_id"].to_numpy()
    sent = m.groupby("school_id").size()
    recv = m.groupby("to_school_id").size()
    out = []
    for a, (fl, staff) in floors(chk.problem, rule).items():
        s_out, s_in = int(sent.get(sid[a], 0)), int(recv.get(sid[a], 0))
        after = staff - s_out + s_in
        if s_out and after < min(fl, staff):
            out.append((RULE_ID, f"school={sid[a]}", f"{sid[a]} keeps {after} teachers < floor {min(fl, staff)} "
                                                     f"({rule.students_per_teacher_floor:g} students per teacher)"))
    return out
