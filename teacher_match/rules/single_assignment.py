"""Hard rule: each teacher goes to at most one school.

    Σ_s x[t, s] ≤ 1   for each teacher t        (Σ_s y[c, s] ≤ |c| for a class of interchangeable teachers)

Soft terms owned here: ``moved`` = Σ x (teachers rotated) and ``non_mandatory_moved`` = Σ x over teachers
who are only *eligible* (volunteers, lower threshold) — policies rotate those who must before those who may.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RULE_ID = "single_assignment"
SECTION = "rules"
TERMS = {
    "moved": (1, "teachers rotated"),
    "non_mandatory_moved": (1, "rotated teachers who were eligible but not mandatory"),
}


@dataclass(frozen=True)
class SingleAssignment:
    """No parameters: a teacher is in one place at a time."""


def class_key(teachers, schools, rule) -> list:
    """Nothing per teacher beyond the base class key (school, subject, backbone, role, status)."""
    return []


def build(ctx, rule: SingleAssignment) -> None:
    """At most one destination per teacher; register the two counting terms."""
    tid = ctx.teachers["teacher_id"].to_numpy()
    t_of = ctx.cand["t"].to_numpy()
    size = ctx.cand["n"].to_numpy()
    for _, rows in ctx.groups("c").items():
        n = int(size[rows[0]])
        if ctx.max_flow(rows) > n:
            key = f"teacher={tid[t_of[rows[0]]]}" if n == 1 else f"class={tid[t_of[rows[0]]]}+{n - 1}"
            ctx.add(RULE_ID, key, ctx.xsum(rows) <= n)
    n = len(ctx.x)
    ctx.term("moved", *TERMS["moved"]).extend(ctx.x, np.ones(n, dtype=np.int64))
    elig_rows = np.flatnonzero(ctx.cand["status"].to_numpy() == "eligible")
    ctx.term("non_mandatory_moved", *TERMS["non_mandatory_moved"]).extend(
        ctx.xs(elig_rows), np.ones(len(elig_rows), dtype=np.int64))


def term_values(chk, rule: SingleAssignment) -> dict:
    """Recount both terms from the plan."""
    m = chk.moved
    return {"moved": len(m), "non_mandatory_moved": int((m["status"] == "eligible").sum())}


def check(chk, rule: SingleAssignment) -> list:
    """``moves`` is true exactly when a destination is given."""
    a = chk.plan.assignments
    bad = a[a["moves"].astype(bool) != a["to_school_id"].notna()]
    return [(RULE_ID, f"teacher={r.teacher_id}", f"{r.teacher_id}: moves={r.moves} but to_school_id="
             f"{r.to_school_id}") for r in bad.itertuples(index=False)]
