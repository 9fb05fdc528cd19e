"""Hard rule: each teacher goes to at most one school.

    Σ_s x[t, s] ≤ 1   for each teacher t        (Σ_s y[c, s] ≤ |c| for a class of interchangeable teachers)

Soft terms owned here: ``moved`` = Σ x (teachers rotated) and ``non_mandatory_moved`` = Σ x over teachers
who are only *eligible* (volunteers, lower threshold) — policies rotate those who must before those who may.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .contract import CheckData, Facts, Key, PlanState, StayTest, Usage, Violation, key

RULE_ID = "single_assignment"
SECTION = "rules"
#: place in the registry: build order, and the order of equal-stage stay reasons and schools-table columns
ORDER = 20
TITLE = "one school per teacher"
TITLE_ZH = "每人只去一所学校"
assignment_words = None
shortfalls = None
prune = None
pair_words = None
teacher_words = None
TERMS = {
    "moved": (1, "teachers rotated"),
    "non_mandatory_moved": (1, "rotated teachers who were eligible but not mandatory"),
}


@dataclass(frozen=True)
class SingleAssignment:
    """No parameters: a teacher is in one place at a time."""


#: the rule's parameters (a policy section's keys)
PARAMS = SingleAssignment


def class_key(teachers, schools, rule) -> list:
    """Nothing per teacher beyond the base class key (school, subject, backbone, role, status)."""
    return []


def build(ctx: Any, rule: SingleAssignment) -> None:
    """At most one destination per teacher; register the two counting terms."""
    tid = ctx.teachers["teacher_id"].to_numpy()
    t_of = ctx.model_pairs["t"].to_numpy()
    size = ctx.model_pairs["n"].to_numpy()
    for _, rows in ctx.groups("c").items():
        n = int(size[rows[0]])
        if ctx.max_flow(rows) > n:
            where = (key(teacher=tid[t_of[rows[0]]]) if n == 1
                     else key(**{"class": f"{tid[t_of[rows[0]]]}+{n - 1}"}))
            ctx.add(RULE_ID, where, ctx.xsum(rows) <= n)
    n = len(ctx.x)
    ctx.term("moved", *TERMS["moved"]).extend(ctx.x, np.ones(n, dtype=np.int64))
    elig_rows = np.flatnonzero(ctx.model_pairs["status"].to_numpy() == "eligible")
    ctx.term("non_mandatory_moved", *TERMS["non_mandatory_moved"]).extend(
        ctx.xs(elig_rows), np.ones(len(elig_rows), dtype=np.int64))


def term_values(chk: CheckData, rule: SingleAssignment) -> dict:
    """Recount both terms from the plan."""
    m = chk.moved
    return {"moved": len(m), "non_mandatory_moved": int((m["status"] == "eligible").sum())}


def check(chk: CheckData, rule: SingleAssignment) -> list[Violation]:
    """``moves`` is true exactly when a destination is given."""
    a = chk.assignments
    bad = a[a["moves"].astype(bool) != a["to_school_id"].notna()]
    return [(RULE_ID, key(teacher=r.teacher_id), f"{r.teacher_id}: moves={r.moves} but to_school_id="
             f"{r.to_school_id}") for r in bad.itertuples(index=False)]


# ---------------------------------------------------------------------- words
def binding_words(f: Facts, rule: SingleAssignment, k: Key, usage: Usage | None) -> tuple[str, str]:
    """A teacher (or a class of interchangeable teachers) goes to one school at most."""
    if "class" in k:
        first, _, more = k.get("class").partition("+")
        return (f"{first} and {more} interchangeable colleague(s) each rotate to at most one school",
                f"{first} 及其 {more} 名同类教师每人只能交流到一所学校")
    t = k.get("teacher")
    i = f.t_index.get(t, -1)
    dests = sorted({f.sid[s] for s in f.cs[f.ct == i]}) if i >= 0 else []
    return (f"{t} rotates to at most one school (possible: {', '.join(dests)})",
            f"{t} 只能交流到一所学校（可去：{'、'.join(dests)}）")


def stays(state: PlanState, rule: SingleAssignment) -> list[StayTest]:
    """Never the reason a teacher stays."""
    return []


def school_columns(state: PlanState, rule: SingleAssignment) -> dict[str, Any]:
    """No schools-table column."""
    return {}
