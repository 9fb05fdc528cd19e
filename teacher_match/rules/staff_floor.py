"""Hard rule: a small school keeps at least one teacher per N students (每 10 个学生至少配有 1 位教师).

    staff[a] − Σ_{t ∈ a} x[t, s] + Σ_t x[t, a] ≥ min(floor[a], staff[a]),   floor[a] = ⌈students[a] / N⌉

for each school a with ``students[a] ≤ staff_floor_max_students`` (all schools with a student count when that
is unset). A school already below its floor may not fall further (it sends no more than it receives).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..params import param
from ..vocabulary import count_of
from .contract import CheckData, Facts, Key, PlanState, Stage, StayTest, Usage, Violation, key

RULE_ID = "staff_floor"
SECTION = "rules"
#: place in the registry: build order, and the order of equal-stage stay reasons and schools-table columns
ORDER = 140
TITLE = "staffing floor"
TITLE_ZH = "师生比底线"
assignment_words = None
shortfalls = None
TERMS: dict[str, tuple[int, str]] = {}
term_values = None
prune = None
pair_words = None
teacher_words = None


@dataclass(frozen=True)
class StaffFloor:
    """Staffing floor (policy section ``[rules]``)."""

    students_per_teacher_floor: float | None = param(
        None, "number", "a school keeps at least one teacher per this many students (rounded up)")
    staff_floor_max_students: int | None = param(
        None, "int", "the floor applies to schools of at most this many students (小规模学校); unset = all")


#: the rule's parameters (a policy section's keys)
PARAMS = StaffFloor


def floors(problem: Any, rule: StaffFloor) -> dict[int, tuple[int, int]]:
    """School position -> (floor, staff) for every school the rule covers."""
    # no ratio asks for no teacher; a ratio of 0 (a relaxation or a what-if search may try it) asks for all
    if rule.students_per_teacher_floor is None:
        return {}
    if "students" not in problem.schools.columns:
        return {}
    staff = np.bincount(problem.teacher_school_pos, minlength=len(problem.schools))
    out = {}
    for a, st in enumerate(problem.schools["students"]):
        if pd.isna(st):
            continue
        st = int(st)
        if rule.staff_floor_max_students is not None and st > rule.staff_floor_max_students:
            continue
        per = rule.students_per_teacher_floor
        # 0 students per teacher is the limit of an ever smaller number: a school with students keeps them all
        fl = math.ceil(st / per) if per > 0 else (int(staff[a]) if st > 0 else 0)
        out[a] = (fl, int(staff[a]))
    return out


def class_key(teachers, schools, rule) -> list:
    """Nothing per teacher beyond the base class key (school, subject, backbone, role, status)."""
    return []


def build(ctx: Any, rule: StaffFloor) -> None:
    """One constraint per covered school that may lose teachers."""
    if not len(ctx.model_pairs):
        return
    out_rows = ctx.groups("from_s")
    in_rows = ctx.groups("s")
    for a, (fl, staff) in floors(ctx.problem, rule).items():
        rows = out_rows.get(a)
        need = min(fl, staff)
        if rows is None or staff - ctx.max_teachers(rows) >= need:
            continue
        incoming = in_rows.get(a, np.array([], dtype=int))
        ctx.add(RULE_ID, key(school=ctx.school_id(a)), staff - ctx.xsum(rows) + ctx.xsum(incoming) >= need)


def check(chk: CheckData, rule: StaffFloor) -> list[Violation]:
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
            out.append((RULE_ID, key(school=sid[a]),
                        f"{sid[a]} keeps {after} teachers < floor {min(fl, staff)} "
                        f"({rule.students_per_teacher_floor:g} students per teacher)"))
    return out


# ---------------------------------------------------------------------- words
def binding_words(f: Facts, rule: StaffFloor, k: Key, usage: Usage | None) -> tuple[str, str]:
    """A small school's staffing floor: how many teachers it must keep."""
    sid = k.get("school")
    a = f.school(k)
    fl, staff = floors(f.problem, rule).get(a, (0, int(f.staff[a]) if a >= 0 else 0))
    n = rule.students_per_teacher_floor or 0.0
    need = min(fl, staff)
    tail = f"; the plan sends {usage.sent(f, a)}" if usage is not None and a >= 0 else ""
    tail_zh = f"；本方案派出 {usage.sent(f, a)} 人" if usage is not None and a >= 0 else ""
    keep = count_of(need, "teacher")
    return (f"{sid} must keep at least {keep} (one per {n:g} students; it has {staff}){tail}",
            f"{sid} 须保留至少 {need} 名教师（每 {n:g} 名学生至少 1 名教师，现有 {staff} 名）{tail_zh}")


def stays(state: PlanState, rule: StaffFloor) -> list[StayTest]:
    """A teacher of a school already at its staffing floor stays."""
    fl = floors(state.problem, rule)
    received = np.bincount(state.to_pos[state.moved], minlength=len(state.sid))

    def at_floor(t: int) -> str | None:
        a = state.pos[t]
        if a not in fl:
            return None
        need = min(fl[a][0], fl[a][1])
        if state.staff[a] - state.sent[a] + received[a] > need:
            return None
        return (f"{state.sid[a]} must keep at least {count_of(need, 'teacher')} (one per "
                f"{rule.students_per_teacher_floor:g} students) and is at that floor")

    return [StayTest(Stage.CAP, at_floor)]


def school_columns(state: PlanState, rule: StaffFloor) -> dict[str, Any]:
    """No schools-table column."""
    return {}
