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
from typing import Any

import numpy as np
import pandas as pd

from ..params import param, share_fraction
from ..vocabulary import pct
from .contract import CheckData, Facts, Key, PlanState, Stage, StayTest, Usage, Violation, key

RULE_ID = "balance"
SECTION = "rules"
#: place in the registry: build order, and the order of equal-stage stay reasons and schools-table columns
ORDER = 120
TITLE = "mix of those sent"
TITLE_ZH = "合理搭配"
assignment_words = None
shortfalls = None
TERMS: dict[str, tuple[int, str]] = {}
term_values = None
prune = None
pair_words = None
teacher_words = None
DIMENSIONS = ("sex", "backbone", "age_band")


@dataclass(frozen=True)
class Balance:
    """Mix of those sent (policy section ``[rules]``)."""

    balance_max_share: float | None = param(
        None, "share",
        "no class (one sex, one age band, backbone or ordinary) exceeds this share of a group sent")
    balance_dimensions: list = param(list(DIMENSIONS), "strlist",
                                     "dimensions balanced (老中青、骨干普通、男女)",
                                     choices=DIMENSIONS)
    balance_scope: str = param("county", "choice",
                               "the group: all those sent, or those leaving/arriving at a school",
                               choices=("county", "sending_school", "receiving_school"))
    balance_min_sent: int = param(3, "int", "the mix is required only of groups of at least this many sent")
    balance_young_below: float = param(35, "number", "age band: young below this age (青年)")
    balance_old_from: float = param(50, "number", "age band: old from this age (老年)")


#: the rule's parameters (a policy section's keys)
PARAMS = Balance


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


def build(ctx: Any, rule: Balance) -> None:
    """Per group: a reified 'big enough' literal and one share constraint per class."""
    if rule.balance_max_share is None or not len(ctx.model_pairs):
        return
    f = share_fraction(rule.balance_max_share)
    p, q = f.numerator, f.denominator
    cls = classes(ctx.teachers, rule)
    cand_t = ctx.model_pairs["t"].to_numpy()
    if rule.balance_scope == "county":
        groups = {-1: np.arange(len(ctx.model_pairs))}
    else:
        groups = ctx.groups("from_s" if rule.balance_scope == "sending_school" else "s")
    k = rule.balance_min_sent
    for g, rows in groups.items():
        if ctx.max_flow(rows) < k:
            continue
        scope = {"scope": "county"} if g < 0 else {"school": ctx.school_id(g)}
        gkey = key(**scope)
        total = ctx.xsum(rows)
        big = ctx.model.new_bool_var(f"balance_big[{gkey}]")
        ctx.add(RULE_ID, key("big", **scope), total >= k).only_enforce_if(big)
        ctx.add(RULE_ID, key("small", **scope), total <= k - 1).only_enforce_if(big.Not())
        for name, mask in cls.items():
            crow = rows[mask[cand_t[rows]]]
            if ctx.max_teachers(crow) * q <= p * k:
                continue  # this class can never exceed the share of a group that is big enough
            ctx.add(RULE_ID, key(**scope, **_cls(name)), q * ctx.xsum(crow) <= p * total).only_enforce_if(big)


def check(chk: CheckData, rule: Balance) -> list[Violation]:
    """Recount every class share in every group that sends (or receives) at least balance_min_sent."""
    if rule.balance_max_share is None or not len(chk.moved):
        return []
    f = share_fraction(rule.balance_max_share)
    m = chk.moved
    cls = classes(m, rule)
    if rule.balance_scope == "county":
        keys = np.full(len(m), key(scope="county"), dtype=object)
    else:
        col = "school_id" if rule.balance_scope == "sending_school" else "to_school_id"
        keys = np.array([key(school=x) for x in m[col]], dtype=object)
    out = []
    for g in sorted(set(keys)):
        in_g = keys == g
        total = int(in_g.sum())
        if total < rule.balance_min_sent:
            continue
        for name, mask in cls.items():
            n = int((mask & in_g).sum())
            if f.denominator * n > f.numerator * total:
                out.append((RULE_ID, f"{g},{key(**_cls(name))}",
                            f"{g}: {n} of {total} sent are {name} > {float(f):.0%}"))
    return out


def _cls(name: str) -> dict[str, str]:
    """``"sex=F"`` → ``{"sex": "F"}`` (a class as key fields)."""
    dim, _, value = name.partition("=")
    return {dim: value}


# ---------------------------------------------------------------------- words
def binding_words(f: Facts, rule: Balance, k: Key, usage: Usage | None) -> tuple[str, str]:
    """A group's mix: no class above the share once the group is big enough."""
    where = k.get("school") if "school" in k.fields else "the county"
    where_zh = k.get("school") if "school" in k.fields else "全县"
    share = pct(rule.balance_max_share or 0.0)
    n = rule.balance_min_sent
    cls = next(((d, k.fields[d]) for d in DIMENSIONS if d in k.fields), None)
    if cls is None:
        return (f"the mix of those {where} sends is required once {n} or more are sent",
                f"{where_zh} 交流人数达到 {n} 人时须合理搭配")
    dim, value = cls
    return (f"at most {share} of those {where} sends may be {value} ({dim}) once {n} or more are sent",
            f"{where_zh} 交流人数达到 {n} 人时，{value}（{dim}）不得超过 {share}")


def stays(state: PlanState, rule: Balance) -> list[StayTest]:
    """A teacher whose class is at its share among those their school (or the county) sends stays."""
    if rule.balance_max_share is None or rule.balance_scope == "receiving_school":
        return []
    f = share_fraction(rule.balance_max_share)
    cls = classes(state.problem.teachers, rule)
    county = rule.balance_scope == "county"
    total_all = int(state.moved.sum())

    def share_breaks(t: int) -> str | None:
        group = np.ones(len(state.pos), dtype=bool) if county else state.pos == state.pos[t]
        total = total_all if county else int(state.sent[state.pos[t]])
        if total + 1 < rule.balance_min_sent:
            return None
        for name, mask in cls.items():
            if mask[t] and (f.denominator * (int((mask & group & state.moved).sum()) + 1)
                            > f.numerator * (total + 1)):
                where = "the county" if county else state.sid[state.pos[t]]
                return (f"one more {name} teacher would make {name} more than {float(f):.0%} of those "
                        f"{where} sends (balance_max_share)")
        return None

    return [StayTest(Stage.SHARE, share_breaks)]


def school_columns(state: PlanState, rule: Balance) -> dict[str, Any]:
    """No schools-table column."""
    return {}
