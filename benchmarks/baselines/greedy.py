"""The "by hand" baseline: fill each need with the nearest eligible teacher, respecting every cap.

A planner without a solver walks the needs list (urgent needs first) and, for each declared post, takes the
nearest movable teacher of that subject whose school may still send: single assignment, the outflow cap
and per-subject keep, the leadership-team cap, and the backbone share of each sending school (a non-backbone
teacher is only taken while the school's backbone share stays at or above the minimum). It never revises a
choice. Candidates are teacher_match's candidate pairs (flows, commute cap and protected subjects already
applied), so the greedy answers exactly the question the optimiser answers.
"""

from __future__ import annotations

import numpy as np

from teacher_match.params import share_fraction
from teacher_match.rules import leadership_cap, outflow_limit

__all__ = ["greedy_choice"]


def greedy_choice(ctx) -> np.ndarray:
    """Boolean mask over ``ctx.model_pairs``: the rows the greedy planner picks."""
    cand = ctx.model_pairs
    policy = ctx.policy
    chosen = np.zeros(len(cand), dtype=bool)
    if not len(cand):
        return chosen
    t = ctx.teachers
    n_s = len(ctx.schools)
    staff = np.bincount(t["school_pos"].to_numpy(), minlength=n_s)
    leaders = (t["role"] != "teacher").to_numpy()
    team = np.bincount(t["school_pos"].to_numpy()[leaders], minlength=n_s)
    ofl = policy.rule("outflow_limit")
    lc = policy.rule("leadership_cap")
    bb_rule = policy.rule("backbone_ratio")
    out_cap = np.array([_inf(outflow_limit.cap(int(k), ofl)) for k in staff])
    lead_cap = np.array([_inf(leadership_cap.cap(int(k), lc)) for k in team])
    subj_staff = t.groupby(["school_pos", "subject"]).size().to_dict()
    share = share_fraction(bb_rule.backbone_min_share) if bb_rule.backbone_min_share else None
    county_scope = bb_rule.backbone_scope == "county"

    sent = np.zeros(n_s, dtype=np.int64)
    bb_sent = np.zeros(n_s, dtype=np.int64)
    lead_sent = np.zeros(n_s, dtype=np.int64)
    subj_sent: dict = {}
    taken = np.zeros(len(t), dtype=bool)
    ct = cand["t"].to_numpy()
    cfrom = cand["from_s"].to_numpy()
    cbb = cand["backbone"].to_numpy()
    clead = cand["leader"].to_numpy()
    csubj = cand["subject"].to_numpy()
    # nearest first; between equally near teachers, one who must rotate before one who may
    order = np.lexsort((cand["status"].to_numpy() != "mandatory", cand["dkm"].to_numpy()))
    by_need: dict = {}
    for i in order:
        by_need.setdefault((int(cand["s"].iat[i]), csubj[i]), []).append(i)
    idx = ctx.problem.school_index
    needs = ctx.problem.needs.sort_values(["priority", "school_id", "subject"], ascending=[False, True, True],
                                          kind="stable")
    for sid, subj, count in needs[["school_id", "subject", "count"]].itertuples(index=False):
        rows = by_need.get((idx[sid], subj), [])
        left = int(count)
        for i in rows:
            if left == 0:
                break
            a = cfrom[i]
            if taken[ct[i]] or sent[a] >= out_cap[a]:
                continue
            if ofl.keep_per_subject > 0 and subj_staff[(a, csubj[i])] - subj_sent.get((a, csubj[i]), 0) \
                    <= ofl.keep_per_subject:
                continue
            if clead[i] and lead_sent[a] >= lead_cap[a]:
                continue
            if share is not None and not cbb[i]:
                tot, bb = (sent.sum(), bb_sent.sum()) if county_scope else (sent[a], bb_sent[a])
                if share.denominator * bb < share.numerator * (tot + 1):
                    continue
            chosen[i] = True
            taken[ct[i]] = True
            sent[a] += 1
            bb_sent[a] += bool(cbb[i])
            lead_sent[a] += bool(clead[i])
            subj_sent[(a, csubj[i])] = subj_sent.get((a, csubj[i]), 0) + 1
            left -= 1
    return chosen


def _inf(cap: int | None) -> float:
    return float("inf") if cap is None else float(cap)
