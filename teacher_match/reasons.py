"""One plain sentence per teacher: why they rotate, why they stay.

The reason for a movable teacher who stays is read off the plan and the rules, in this order: the school is
not a sending school; a protected subject; no receiving school within reach needs the subject; the school is at
its outflow cap / leadership cap / per-subject minimum; the backbone share would fall below the minimum; the
only open needs are at weak schools still short of their backbone minimum; every need within reach is already
filled; otherwise the optimiser found no better plan that moves them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .params import share_fraction
from .rules import flows, leadership_cap, outflow_limit

__all__ = ["teacher_reasons"]


def teacher_reasons(problem, policy, elig: pd.DataFrame, cand: pd.DataFrame, chosen: np.ndarray,
                    to_pos: np.ndarray, km: np.ndarray, sending: np.ndarray, status: str) -> np.ndarray:
    """Reason sentence per teacher (roster order)."""
    t = problem.teachers
    s = problem.schools
    sid = s["school_id"].to_numpy()
    n = len(t)
    base = elig["reason"].to_numpy()
    st = elig["status"].to_numpy()
    out = base.astype(object).copy()
    movable = np.isin(st, ["mandatory", "eligible"])
    if status in ("INFEASIBLE", "MODEL_INVALID", "UNKNOWN"):
        why = {"INFEASIBLE": "no plan: the hard rules cannot all hold",
               "MODEL_INVALID": "no plan: the model was invalid",
               "UNKNOWN": "no plan found within the time limit"}[status]
        out[movable] = [f"{b}; stays — {why}" for b in base[movable]]
        return out

    school_pos = problem.teacher_school_pos
    subj = t["subject"].to_numpy()
    cat = s["category"].to_numpy()
    strength = s["strength"].to_numpy()
    moved = to_pos >= 0
    for i in np.flatnonzero(moved):
        j = to_pos[i]
        out[i] = (f"{base[i]}; rotates to {sid[j]} ({cat[j]}, {strength[j]}) to fill its {subj[i]} need, "
                  f"{km[i]:.1f} km")

    stay = np.flatnonzero(movable & ~moved)
    if not len(stay):
        return out
    fl = policy.rule("flows")
    ofl = policy.rule("outflow_limit")
    lc = policy.rule("leadership_cap")
    bb = policy.rule("backbone_ratio")
    cm = policy.rule("commute")
    n_cand = np.bincount(cand["t"].to_numpy(), minlength=n) if len(cand) else np.zeros(n, dtype=int)
    staff = np.bincount(school_pos, minlength=len(s))
    sent = np.bincount(school_pos[moved], minlength=len(s))
    leader = (t["role"] != "teacher").to_numpy()
    team = np.bincount(school_pos[leader], minlength=len(s))
    leaders_sent = np.bincount(school_pos[moved & leader], minlength=len(s))
    backbone = t["backbone"].to_numpy(dtype=bool)
    bb_sent = np.bincount(school_pos[moved & backbone], minlength=len(s))
    bb_received = np.bincount(to_pos[moved & backbone], minlength=len(s))
    # how full each need is, to tell "filled by others" from "left open"
    need_left: dict = {}
    filled = pd.Series(list(zip(to_pos[moved], subj[moved]))).value_counts() if moved.any() else {}
    for sch, sub, cnt in problem.needs[["school_id", "subject", "count"]].itertuples(index=False):
        j = problem.school_index[sch]
        need_left[(j, sub)] = int(cnt) - int(filled.get((j, sub), 0)) if len(filled) else int(cnt)
    cand_by_t = cand.groupby("t")["s"].apply(list).to_dict() if len(cand) else {}
    staff_subj = t.groupby(["school_id", "subject"]).size()
    sent_subj = t[moved].groupby(["school_id", "subject"]).size()

    for i in stay:
        a = school_pos[i]
        if not sending[a]:
            why = f"{sid[a]} is not a sending school (senders: {flows.describe(fl.from_)})"
        elif ofl.keep_protected_subjects and subj[i] in str(s["protected_subjects"].iat[a]).split(";"):
            why = f"{subj[i]} is a protected subject of {sid[a]}"
        elif n_cand[i] == 0:
            reach = f" within {cm.max_commute_km:g} km" if cm.max_commute_km is not None else ""
            why = f"no receiving school ({flows.describe(fl.to)}) needs {subj[i]}{reach}"
        elif (c := outflow_limit.cap(int(staff[a]), ofl)) is not None and sent[a] >= c:
            why = f"{sid[a]} already sends its outflow cap of {c}"
        elif leader[i] and (c := leadership_cap.cap(int(team[a]), lc)) is not None and leaders_sent[a] >= c:
            why = f"{sid[a]} already sends its leadership cap of {c} (team of {team[a]})"
        elif ofl.keep_per_subject and (staff_subj[(sid[a], subj[i])] - sent_subj.get((sid[a], subj[i]), 0)
                                       <= ofl.keep_per_subject):
            why = f"{sid[a]} must keep {ofl.keep_per_subject} {subj[i]} teacher(s)"
        elif (not backbone[i] and bb.backbone_min_share and bb.backbone_scope == "sending_school"
              and _share_breaks(bb_sent[a], sent[a] + 1, bb.backbone_min_share)):
            why = (f"sending another non-backbone teacher would put {sid[a]}'s backbone share below "
                   f"{float(bb.backbone_min_share):.0%}")
        elif (not backbone[i] and bb.weak_school_min_backbone > 0
              and (open_ := [j for j in cand_by_t.get(i, []) if need_left.get((j, subj[i]), 0) > 0])
              and all(strength[j] == "weak" and bb_received[j] < bb.weak_school_min_backbone for j in open_)):
            why = (f"{', '.join(sid[j] for j in open_)} (weak) must receive at least "
                   f"{bb.weak_school_min_backbone} backbone teacher(s) before it receives others")
        elif all(need_left.get((j, subj[i]), 0) <= 0 for j in cand_by_t.get(i, [])):
            why = f"every {subj[i]} need within reach is filled by other teachers"
        else:
            why = "the optimal plan leaves this teacher in place (moving them would not lower the plan's cost)"
        out[i] = f"{base[i]}; stays — {why}"
    return out


def _share_breaks(backbone_sent: int, total: int, share: float) -> bool:
    f = share_fraction(share)
    return f.denominator * int(backbone_sent) < f.numerator * int(total)

