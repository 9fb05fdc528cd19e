"""Hard rule: the teachers sent are a sensible mix — no sex, age band or backbone class dominates (合理搭配).

With ``balance_max_share = p/q`` (exact fraction), for each group g of the scope and each class c of each
balanced dimension (sex: M/F; backbone: backbone/ordinary; age_band: young/middle/old):

    q · Σ_{t ∈ g ∩ c} x[t, s] ≤ p · Σ_{t ∈ g} x[t, s]      whenever Σ_{t ∈ g} x[t, s] ≥ balance_min_sent

The condition is a reified literal ``big[g] ⇔ (Σ_{t ∈ g} x ≥ balance_min_sent)``, so small groups (one or two
teachers) are not forced to be mixed. Age bands: young below ``balance_young_below``, old from
``balance_old_from``, middle in between (老、中、青).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..params import param, share_fraction

RULE_ID = "balance"
SECTION = "rules"
DIMENSIONS = ("sex", "backbone", "age_band")


@dataclass(frozen=True)
class Balance:
    """Mix of those sent (policy section ``[rules]``)."""

    balance_max_share: float | None = param(
        None, "share", "no class (one sex, one age band, backbone or ordinary) exceeds this share of a group sent")
    balance_dimensions: list = param(list(DIMENSIONS), "strlist", "dimensions balanced (老中青、骨干普通、男女)",
                                     choices=DIMENSIONS)
    balance_scope: str = param("county", "choice", "the group: all those sent, or those leaving/arriving at a school",
                               choices=("county", "sending_school", "receiving_school"))
    balance_min_sent: int = param(3, "int", "the mix is required only of groups of at least this many sent")
    balance_young_below: float = param(35, "number", "age band: young below this age (青年)")
    balance_old_from: float = param(50, "number", "age band: old from this age (老年)")


def classes(teachers: pd.DataFrame, rule: Balance) -> dict[str, np.ndarray]:
    """``"dimension=class"`` -> teacher mask, for every balanced dimension."""
    out = {}
    age = teachers["age"].astype(float).to_numpy()
    for dim in rule.balance_dimensions:
        if dim == "sex":
            vals = teachers["gender"].to_numpy()
        elif dim == "backbone":
            vals = np.where(teachers["backbone"].to_numpy(dtype=bool), "backbone", "ordinary")
        else:
            vals = np.where(age < rule.balance_young_below, "young",
                            np.where(age >= rule.balance_old_from, "old", "middle"))
        for c in sorted(set(vals)):
            out[f"{dim}={c}"] = vals == c
    return out


def class_key(teachers, schools, rule: Balance) -> list:
    """Sex and age band are counted per teacher, so they split classes (backbone is in the base key)."""
    if rule.balance_max_share is None:
        return []
    return list(classes(teachers, rule).values())


def build(ctx, rule: Balance) -> None:
    """Per group: a reified 'big enough' literal and one share constraint per class."""
    if rule.balance_max_share is None or not len(ctx.cand):
        return
    f = share_fraction(rule.balance_max_share)
    p, q = f.numerator, f.denominator
    cls = classes(ctx.teachers, rule)
    cand_t = ctx.cand["t"].to_numpy()
    if rule.balance_scope == "county":
        groups = {-1: np.arange(len(ctx.cand))}
    else:
        groups = ctx.groups("from_s" if rule.balance_scope == "sending_school" else "s")
    k = rule.balance_min_sent
    for g, rows in groups.items():
        if ctx.max_flow(rows) < k:
            continue
        gkey = "county" if g < 0 else f"school={ctx.school_id(g)}"
        total = ctx.xsum(rows)
        big = ctx.model.new_bool_var(f"balance_big[{gkey}]")
        ctx.add(RULE_ID, f"{gkey},big", total >= k).only_enforce_if(big)
        ctx.add(RULE_ID, f"{gkey},small", total <= k - 1).only_enforce_if(big.Not())
        for name, mask in cls.items():
            crow = rows[mask[cand_t[rows]]]
            if ctx.max_teachers(crow) * q <= p * k:
                continue  # this class can never exceed the share of a group that is big enough
            ctx.add(RULE_ID, f"{gkey},{name}", q * ctx.xsum(crow) <= p * total).only_enforce_if(big)


def check(chk, rule: Balance) -> list:
    """Recount every class share in every group that sends (or receives) at least balance_min_sent."""
    if rule.balance_max_share is None or not len(chk.moved):
        return []
    f = share_fraction(rule.balance_max_share)
    m = chk.moved
    cls = classes(m, rule)
    if rule.balance_scope == "county":
        keys = np.full(len(m), "county", dtype=object)
    else:
        col = "school_id" if rule.balance_scope == "sending_school" else "to_school_id"
        keys = np.array([f"school={x}" for x in m[col]], dtype=object)
    out = []
    for g in sorted(set(keys)):
        in_g = keys == g
        total = int(in_g.sum())
        if total < rule.balance_min_sent:
            continue
        for name, mask in cls.items():
            n = int((mask & in_g).sum())
            if f.denominator * n > f.numerator * total:
                out.append((RULE_ID, f"{g},{name}", f"{g}: {n} of {total} sent are {name} > {float(f):.0%}"))
    return out
