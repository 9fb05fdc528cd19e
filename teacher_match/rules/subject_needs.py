"""Hard rule with a soft term: receiving schools get at most their declared need per subject (缺编/紧缺学科).

    Σ_{t : subject(t) = j} x[t, s] ≤ need[s, j]              for each declared need (s, j)
    unmet_need = Σ_{(s, j)} priority[s, j] · (need[s, j] − Σ_{t : subject(t) = j} x[t, s])

A need may stay unfilled at a cost (the ``unmet_need`` term); it is never over-filled.

When the policy turns the exchange of posts on (:mod:`teacher_match.rules.post_exchange`), a school may
receive its need *plus* the teachers it sends: that rule's capacity replaces the cap above, and this rule
prices only the unfilled part of each need,

    unfilled[s, j] ≥ need[s, j] − Σ_{t : subject(t) = j} x[t, s],   0 ≤ unfilled[s, j] ≤ need[s, j]
    unmet_need = Σ_{(s, j)} priority[s, j] · unfilled[s, j]   (= Σ priority · max(0, need − received))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..vocabulary import count_of, zh_subject
from . import commute, flows, post_exchange
from .contract import CheckData, Facts, Key, PlanState, Stage, StayTest, Usage, Violation, key

RULE_ID = "subject_needs"
SECTION = "rules"
#: place in the registry: build order, and the order of equal-stage stay reasons and schools-table columns
ORDER = 30
TITLE = "subject needs"
TITLE_ZH = "学科需求"
assignment_words = None
shortfalls = None
prune = None
pair_words = None
teacher_words = None
TERMS = {"unmet_need": (1, "declared posts left unfilled (× need priority)")}


@dataclass(frozen=True)
class SubjectNeeds:
    """No parameters: the needs table says how many of each subject a school may receive."""


#: the rule's parameters (a policy section's keys)
PARAMS = SubjectNeeds


def class_key(teachers, schools, rule) -> list:
    """Nothing per teacher beyond the base class key (school, subject, backbone, role, status)."""
    return []


def build(ctx: Any, rule: SubjectNeeds) -> None:
    """Cap each need and price what stays unfilled (only price it when posts are exchanged)."""
    needs = ctx.problem.needs
    term = ctx.term("unmet_need", *TERMS["unmet_need"])
    groups = ctx.groups("s", "subject")
    idx = ctx.problem.school_index
    exchange = post_exchange.active(ctx.policy)
    for sid, subject, count, prio in (
            needs[["school_id", "subject", "count", "priority"]].itertuples(index=False)):
        count, prio = int(count), int(round(prio))
        rows = groups.get((idx[sid], subject), [])
        if ctx.max_flow(rows) <= count:
            # never more arrivals than the need: the unfilled posts are the need minus the arrivals
            term.extend(ctx.xs(rows), [-prio] * len(rows), const=prio * count)
        elif exchange:
            # arrivals may exceed the need (exchanged posts): only the unfilled part is priced
            short = ctx.soft_minimum(RULE_ID, key("unfilled", school=sid, subject=subject), rows, count,
                                     f"unfilled[{sid},{subject}]")
            term.extend([short], [prio])
        else:
            term.extend(ctx.xs(rows), [-prio] * len(rows), const=prio * count)
            ctx.add(RULE_ID, key(school=sid, subject=subject), ctx.xsum(rows) <= count)


def filled(chk: CheckData) -> pd.DataFrame:
    """Per declared need: how many moved teachers of that subject arrive."""
    n = chk.problem.needs
    got = chk.moved.groupby(["to_school_id", "subject"]).size()
    keys = list(zip(n["school_id"], n["subject"], strict=True))
    return n.assign(filled=[int(got.get(k, 0)) for k in keys])


def term_values(chk: CheckData, rule: SubjectNeeds) -> dict:
    """Σ priority · unfilled posts."""
    f = filled(chk)
    unmet = (f["count"] - f["filled"]).clip(lower=0)
    return {"unmet_need": int((f["priority"].round().astype(int) * unmet).sum())}


def check(chk: CheckData, rule: SubjectNeeds) -> list[Violation]:
    """No need over-filled; every moved teacher fills a declared need of their subject.

    When posts are exchanged, arrivals beyond a need are the exchange rule's to check (its capacity).
    """
    if post_exchange.active(chk.policy):
        return []
    out = []
    f = filled(chk)
    for r in f[f["filled"] > f["count"]].itertuples(index=False):
        out.append((RULE_ID, key(school=r.school_id, subject=r.subject),
                    f"{r.school_id} receives {r.filled} {r.subject} teachers for a need of {r.count}"))
    declared = set(zip(f["school_id"], f["subject"], strict=True))
    for r in chk.moved.itertuples(index=False):
        if (r.to_school_id, r.subject) not in declared:
            out.append((RULE_ID, key(teacher=r.teacher_id),
                        f"{r.teacher_id} ({r.subject}) goes to {r.to_school_id}, "
                        f"which declared no {r.subject} need"))
    return out


# ---------------------------------------------------------------------- words
def binding_words(f: Facts, rule: SubjectNeeds, k: Key, usage: Usage | None) -> tuple[str, str]:
    """A declared need, never over-filled (with the teachers the plan sends to it)."""
    sid, j = k.get("school"), k.get("subject")
    s = f.school(k)
    c = f.need.get((s, j), 0)
    if "unfilled" in k:
        # the soft minimum of an exchange-of-posts model: each unfilled post costs
        got = len(usage.arrivals(f, s, j)) if usage is not None and s >= 0 else None
        tail = f"; the plan sends {got}" if got is not None else ""
        tail_zh = f"；本方案到岗 {got} 人" if got is not None else ""
        return (f"{sid} declared a need for {count_of(c, j + ' teacher')}; each post left unfilled "
                f"costs{tail}",
                f"{sid} 申报{zh_subject(j)}需求 {c} 人，每个未补足的岗位计入代价{tail_zh}")
    if usage is not None:
        who = usage.arrivals(f, s, j)
        return (f"{sid}'s need for {count_of(c, j + ' teacher')} is already filled "
                f"({', '.join(who) or 'nobody'})",
                f"{sid} 的{zh_subject(j)}需求 {c} 人已补足（{'、'.join(who) or '无'}）")
    n = len(f.reaching(s, j)) if s >= 0 else 0
    return (f"{sid} declared a need for {count_of(c, j + ' teacher')} and receives no more "
            f"({n} can reach it)",
            f"{sid} 申报{zh_subject(j)}需求 {c} 人，不得超额接收（可到该校的 {n} 人）")


def stays(state: PlanState, rule: SubjectNeeds) -> list[StayTest]:
    """No receiving school within the rules needs the subject; or every such need is filled by others."""
    to = state.policy.rule(flows.RULE_ID).to
    cap_km = state.policy.rule(commute.RULE_ID).max_commute_km
    reach = f" within {cap_km:g} km" if cap_km is not None else ""
    exchange = post_exchange.active(state.policy)
    opens = " or opens a post of it by sending" if exchange else ""

    def no_destination(t: int) -> str | None:
        if state.n_cand[t]:
            return None
        return f"no receiving school ({flows.selector_words(to)}) needs {state.subj[t]}{opens}{reach}"

    def all_filled(t: int) -> str | None:
        # with exchanged posts the exchange rule says whether every post within reach is taken
        if exchange:
            return None
        if all(state.need_left.get((j, state.subj[t]), 0) <= 0 for j in state.dests.get(t, [])):
            return f"every {state.subj[t]} need within reach is filled by other teachers"
        return None

    return [StayTest(Stage.REACH, no_destination), StayTest(Stage.FILLED, all_filled)]


def school_columns(state: PlanState, rule: SubjectNeeds) -> dict[str, Any]:
    """No column of its own (``received`` is a base column; needs have their own table)."""
    return {}
