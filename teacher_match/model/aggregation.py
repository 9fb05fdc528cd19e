"""Exact aggregation of interchangeable teachers into classes with integer flows.

Two movable teachers are *interchangeable* when every rule and every objective term treats them alike: the
same school, subject, backbone flag, role and status, no home location on the roster (so the commute runs from
their common school), no wishes, and equal values of whatever the active rules read per teacher (each rule
module's ``class_key``). Swapping two such teachers in any plan changes neither feasibility nor cost, so the
Booleans ``x[t, s]`` of a class ``c`` can be replaced by one integer

    y[c, s] = Σ_{t ∈ c} x[t, s]  ∈ [0, min(|c|, need[s, subject(c)])],     Σ_s y[c, s] ≤ |c|

without changing the optimum (every constraint and term is a sum of ``x`` over sets that contain whole
classes). A solution is turned back into teachers deterministically: the members of a class, in the published
tie order (:mod:`teacher_match.tie_order`, earliest first), go to the class's destinations in school order —
so a class that sends ``k`` of its members sends the ``k`` the order puts first, whatever the roster's row
order, and the tie stage (:mod:`teacher_match.model.tie_stage`) prices exactly those. Besides fewer
variables, this removes the symmetry between
identical teachers that otherwise makes the search explore equivalent plans.

A rule module that reads a per-teacher value the base key does not cover must say so in ``class_key``; a
module without ``class_key`` switches aggregation off (safe by default).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["teacher_classes", "aggregate_pairs", "disaggregate"]


def teacher_classes(problem, teachers: pd.DataFrame, policy, modules) -> np.ndarray | None:
    """Class id per teacher (roster order), or None when some active rule cannot be aggregated.

    Parameters
    ----------
    teachers : DataFrame
        The roster with a ``status`` column.
    modules : iterable of rule modules
        Each may define ``class_key(teachers, schools, rule) -> list of arrays``.
    """
    cols: dict[str, np.ndarray] = {
        "school": problem.teacher_school_pos,
        "subject": teachers["subject"].to_numpy(),
        "backbone": teachers["backbone"].to_numpy(dtype=bool),
        "role": teachers["role"].to_numpy(),
        "status": teachers["status"].to_numpy(),
    }
    for m in modules:
        keys = m.class_key(teachers, problem.schools, policy.rule(m.RULE_ID))
        if keys is None:
            return None  # the rule reads teachers one by one: no two are interchangeable to it
        for i, arr in enumerate(keys):
            cols[f"{m.RULE_ID}_{i}"] = np.asarray(arr)
    n = len(teachers)
    single = np.zeros(n, dtype=bool)
    homes = problem.home_coords()
    if homes is not None:
        single |= ~np.isnan(homes).any(axis=1)
    if "preferences" in teachers.columns:
        prefs = teachers["preferences"]
        single |= (prefs.notna() & (prefs.astype(str).str.len() > 0)).to_numpy()
    # a teacher whose commute or wishes are their own is a class of one
    cols["single"] = np.where(single, np.arange(n), -1)
    frame = pd.DataFrame({k: pd.Series(v).astype(str) if v.dtype == object else v for k, v in cols.items()})
    return frame.groupby(list(frame.columns), sort=True, dropna=False).ngroup().to_numpy(dtype=np.int64)


def aggregate_pairs(pairs: pd.DataFrame, cls: np.ndarray, needs: pd.DataFrame | None = None,
                    school_index: dict | None = None, room: np.ndarray | None = None) -> pd.DataFrame:
    """One row per (class, school): the class's smallest-position member stands for it, ``n`` = class size.

    ``pairs`` must hold the teacher-level candidates: members of a class share their candidate schools because
    every pruning rule reads only what the class key fixes. With ``needs`` (and the school index) each row
    also gets ``ub = min(n, need[s, subject])``, the bound of its integer variable; with ``room`` (one value
    per row of ``pairs``: the most teachers of the row's subject its school can receive, when posts are
    exchanged, see :func:`teacher_match.rules.post_exchange.room`) ``ub = min(n, room)``.
    """
    size = np.bincount(cls)
    p = pairs.assign(c=cls[pairs["t"].to_numpy()])
    if room is not None:
        p = p.assign(room=np.asarray(room, dtype=np.int64))
    agg = p.sort_values(["c", "s", "t"], kind="stable").drop_duplicates(["c", "s"], keep="first")
    agg = agg.assign(n=size[agg["c"].to_numpy()])
    agg = agg.sort_values(["t", "s"], kind="stable").reset_index(drop=True)
    if room is not None:
        agg["ub"] = np.minimum(agg["n"].to_numpy(), agg["room"].to_numpy())
        agg = agg.drop(columns="room")
    elif needs is not None:
        cap = needs.assign(s=needs["school_id"].map(school_index)).set_index(["s", "subject"])["count"]
        need = cap.reindex(pd.MultiIndex.from_arrays([agg["s"], agg["subject"]])).to_numpy(dtype=np.int64)
        agg["ub"] = np.minimum(agg["n"].to_numpy(), need)
    return agg


def disaggregate(agg: pd.DataFrame, counts: np.ndarray, cls: np.ndarray, movable: np.ndarray,
                 position: np.ndarray | None = None) -> pd.DataFrame:
    """Teacher-level assignment ``(t, s)`` rows from class flows ``counts`` (one per ``agg`` row).

    Members of each class, earliest in the tie order first (``position``: each teacher's place in it, see
    :class:`teacher_match.tie_order.TieOrder`; ``ctx.tie_order.position``), fill the class's destinations in
    school order. Without ``position`` the members go in roster order.
    """
    counts = np.asarray(counts, dtype=np.int64)
    used = agg.assign(y=counts)
    used = used[used["y"] > 0].sort_values(["c", "s"], kind="stable")
    if used.empty:
        return pd.DataFrame({"t": np.array([], dtype=np.int64), "s": np.array([], dtype=np.int64)})
    dest_c = np.repeat(used["c"].to_numpy(), used["y"].to_numpy())
    dest_s = np.repeat(used["s"].to_numpy(), used["y"].to_numpy())
    members = np.flatnonzero(movable)
    rank = members if position is None else np.asarray(position)[members]
    members = members[np.lexsort((members, rank, cls[members]))]  # by class, then tie order
    member_cls = cls[members]
    first = np.searchsorted(member_cls, dest_c, side="left")
    # k-th destination of a class goes to its k-th member
    start_of_run = np.r_[0, np.flatnonzero(np.diff(dest_c)) + 1]
    run_id = np.repeat(np.arange(len(start_of_run)), np.diff(np.r_[start_of_run, len(dest_c)]))
    k = np.arange(len(dest_c)) - start_of_run[run_id]
    t = members[first + k]
    assert (cls[t] == dest_c).all(), "a class sends more teachers than it has"
    return pd.DataFrame({"t": t, "s": dest_s}).sort_values("t", kind="stable").reset_index(drop=True)
