"""Hard rule (optional): when applicants outnumber the places, the better ones are chosen (择优选用).

With ``merit_selection = true`` (Fujian FJ-SE1: 青口 56 applied, 43 selected on merit) an applicant
(``volunteer`` [自愿申请]) with a ``merit_score`` [综合考核得分] is passed over for a post only by applicants
scoring at least as well. For every candidate pair (t, s) of an applicant t:

    Σ_{t' applicant, merit(t') < merit(t)} x[t', s] ≤ n(s, t) · Σ_{s'} x[t, s']

where t' runs over the applicants of t's subject with a candidate pair to s and ``n(s, t)`` is how many of
them there are: nobody scoring lower takes a post of t's subject at a school t could have had, unless t is
chosen too. Applicants without a score, and teachers who did not apply (the mandatory ones are listed, not
selected), are not ranked. Ties give no claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..eligibility import roster_flag
from ..params import param
from .contract import CheckData, Facts, Key, PlanState, StayTest, Usage, Violation, key

RULE_ID = "merit"
SECTION = "rules"
#: place in the registry: build order, and the order of equal-stage stay reasons and schools-table columns
ORDER = 137
TITLE = "selection on merit among applicants"
TITLE_ZH = "择优选用"
assignment_words = None
shortfalls = None
TERMS: dict[str, tuple[int, str]] = {}
term_values = None
prune = None
pair_words = None
teacher_words = None


@dataclass(frozen=True)
class Merit:
    """Selection of applicants on merit (policy section ``[rules]``)."""

    merit_selection: bool = param(
        False, "bool", "an applicant (volunteer) is passed over only by applicants with a higher merit_score "
        "(择优选用)")


#: the rule's parameters (a policy section's keys)
PARAMS = Merit


def scores(teachers: pd.DataFrame) -> np.ndarray:
    """Each teacher's merit score when an applicant with a score, else NaN (not ranked)."""
    n = len(teachers)
    if "merit_score" not in teachers.columns:
        return np.full(n, np.nan)
    s = pd.to_numeric(teachers["merit_score"], errors="coerce").to_numpy(dtype=float)
    applied = roster_flag(teachers, "volunteer")
    return np.where(applied, s, np.nan)


def class_key(teachers, schools, rule: Merit) -> list:
    """A ranked applicant is a class of one (each has a claim of their own)."""
    if not rule.merit_selection:
        return []
    return [np.where(np.isnan(scores(teachers)), -1, np.arange(len(teachers)))]


def build(ctx: Any, rule: Merit) -> None:
    """One constraint per candidate pair of a ranked applicant (module docstring)."""
    if not rule.merit_selection or not len(ctx.model_pairs):
        return
    mp = ctx.model_pairs
    m = scores(ctx.teachers)[mp["t"].to_numpy()]
    if np.isnan(m).all():
        return
    rows_t = mp["t"].to_numpy()
    by_t = ctx.groups("t")
    tid = ctx.teachers["teacher_id"].astype(str).to_numpy()
    sid = ctx.schools["school_id"].astype(str).to_numpy()
    for (s, subj), rows in ctx.groups("s", "subject").items():
        rows = np.asarray(rows)
        ranked = rows[~np.isnan(m[rows])]
        if len(np.unique(m[ranked])) < 2:
            continue
        for i in ranked:
            lower = ranked[m[ranked] < m[i]]
            if not len(lower):
                continue
            t = int(rows_t[i])
            ctx.add(RULE_ID, key(teacher=tid[t], school=sid[s], subject=subj),
                    ctx.xsum(lower) <= ctx.max_flow(lower) * ctx.xsum(by_t[t]))


def check(chk: CheckData, rule: Merit) -> list[Violation]:
    """No applicant who stays could have had a post that a lower-scoring applicant took."""
    if not rule.merit_selection:
        return []
    from .stability import candidate

    t = chk.teachers
    m = scores(t)
    moves = t["moves"].to_numpy(dtype=bool)
    ranked = ~np.isnan(m)
    stayers = np.flatnonzero(ranked & ~moves)
    takers = np.flatnonzero(ranked & moves)
    if not len(stayers) or not len(takers):
        return []
    p = chk.problem
    subj = t["subject"].astype(str).to_numpy()
    tid = t["teacher_id"].astype(str).to_numpy()
    to = t["to_school_id"].to_numpy()
    tt: list[int] = []
    ss: list[int] = []
    jj: list[int] = []
    for j in takers.tolist():
        s = p.school_index.get(str(to[j]))
        if s is None:
            continue
        for i in stayers[(subj[stayers] == subj[j]) & (m[stayers] > m[j])].tolist():
            tt.append(i)
            ss.append(s)
            jj.append(j)
    if not tt:
        return []
    ok = candidate(chk, np.asarray(tt, dtype=np.int64), np.asarray(ss, dtype=np.int64))
    sid = p.schools["school_id"].astype(str).to_numpy()
    seen = set()
    out: list[Violation] = []
    for i, s, j, c in zip(tt, ss, jj, ok, strict=True):
        if c and (i, s) not in seen:
            seen.add((i, s))
            out.append((RULE_ID, key(teacher=tid[i], school=sid[s], subject=subj[i]),
                        f"{tid[i]} (merit {m[i]:g}) applied and stays, while {tid[j]} (merit {m[j]:g}) takes "
                        f"a {subj[i]} post at {sid[s]} that {tid[i]} could have had"))
    return out


# ---------------------------------------------------------------------- words
def binding_words(f: Facts, rule: Merit, k: Key, usage: Usage | None) -> tuple[str, str]:
    """An applicant's claim: nobody scoring lower takes their subject's post at the school unless they go."""
    who, sch, subj = k.get("teacher"), k.get("school"), k.get("subject")
    return (f"{who} applied: no {subj} applicant with a lower merit score may go to {sch} unless {who} is "
            f"chosen too (择优选用)",
            f"{who} 已申请：除非 {who} 入选，得分更低的{subj}申请人不得派往 {sch}（择优选用）")


def stays(state: PlanState, rule: Merit) -> list[StayTest]:
    """No reason of its own to stay: it makes the better applicants go, not stay."""
    return []


def school_columns(state: PlanState, rule: Merit) -> dict[str, Any]:
    """No schools-table column."""
    return {}
