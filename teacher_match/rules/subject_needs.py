"""Hard rule with a soft term: receiving schools get at most their declared need per subject (缺编/紧缺学科).

    Σ_{t : subject(t) = j} x[t, s] ≤ need[s, j]              for each declared need (s, j)
    unmet_need = Σ_{(s, j)} priority[s, j] · (need[s, j] − Σ_{t : subject(t) = j} x[t, s])

A need may stay unfilled at a cost (the ``unmet_need`` term); it is never over-filled.
"""

from __future__ import annotations

from dataclasses import dataclass

RULE_ID = "subject_needs"
SECTION = "rules"
TERMS = {"unmet_need": (1, "declared posts left unfilled (× need priority)")}


@dataclass(frozen=True)
class SubjectNeeds:
    """No parameters: the needs table says how many of each subject a school may receive."""


def class_key(teachers, schools, rule) -> list:
    """Nothing per teacher beyond the base class key (school, subject, backbone, role, status)."""
    return []


def build(ctx, rule: SubjectNeeds) -> None:
    """Cap each need and price what stays unfilled."""
    needs = ctx.problem.needs
    term = ctx.term("unmet_need", *TERMS["unmet_need"])
    groups = ctx.groups("s", "subject")
    idx = ctx.problem.school_index
    for sid, subject, count, prio in needs[["school_id", "subject", "count", "priority"]].itertuples(index=False):
        count, prio = int(count), int(round(prio))
        rows = groups.get((idx[sid], subject), [])
        term.extend(ctx.xs(rows), [-prio] * len(rows), const=prio * count)
        if ctx.max_flow(rows) > count:
            ctx.add(RULE_ID, f"school={sid},subject={subject}", ctx.xsum(rows) <= count)


def filled(chk):
    """Per declared need: how many moved teachers of that subject arrive."""
    n = chk.problem.needs
    got = chk.moved.groupby(["to_school_id", "subject"]).size()
    keys = list(zip(n["school_id"], n["subject"]))
    return n.assign(filled=[int(got.get(k, 0)) for k in keys])


def term_values(chk, rule: SubjectNeeds) -> dict:
    """Σ priority · unfilled posts."""
    f = filled(chk)
    unmet = (f["count"] - f["filled"]).clip(lower=0)
    return {"unmet_need": int((f["priority"].round().astype(int) * unmet).sum())}


def check(chk, rule: SubjectNeeds) -> list:
    """No need over-filled; every moved teacher fills a declared need of their subject."""
    out = []
    f = filled(chk)
    for r in f[f["filled"] > f["count"]].itertuples(index=False):
        out.append((RULE_ID, f"school={r.school_id},subject={r.subject}",
                    f"{r.school_id} receives {r.filled} {r.subject} teachers for a need of {r.count}"))
    declared = set(zip(f["school_id"], f["subject"]))
    for r in chk.moved.itertuples(index=False):
        if (r.to_school_id, r.subject) not in declared:
            out.append((RULE_ID, f"teacher={r.teacher_id}",
                        f"{r.teacher_id} ({r.subject}) goes to {r.to_school_id}, which declared no {r.subject} need"))
    return out
