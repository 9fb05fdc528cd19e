"""Hard rule: backbone teachers (骨干教师) are at least a share of those sent; weak schools: optional minimum.

With ``backbone_min_share = p/q`` (exact fraction), by ``backbone_scope``:

    q · Σ_{t ∈ a} backbone[t] · x[t, s] ≥ p · Σ_{t ∈ a} x[t, s]   for each sending school a  (sending_school)
    q · Σ_t backbone[t] · x[t, s]      ≥ p · Σ_t x[t, s]          over the whole county      (county)

Optionally every weak receiving school that receives anyone receives at least ``weak_school_min_backbone``
backbone teachers:  Σ_{t} backbone[t] · x[t, r] ≥ k · y[r],  Σ_t x[t, r] ≤ M · y[r].

Soft term ``backbone_to_weak`` counts backbone teachers sent to weak schools (give it a negative weight to
reward it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..params import param, share_fraction
from ..vocabulary import pct
from .contract import CheckData, Facts, Key, PlanState, Stage, StayTest, Usage, Violation, key

RULE_ID = "backbone_ratio"
SECTION = "rules"
#: place in the registry: build order, and the order of equal-stage stay reasons and schools-table columns
ORDER = 70
TITLE = "backbone-teacher share"
TITLE_ZH = "骨干教师比例"
assignment_words = None
shortfalls = None
prune = None
pair_words = None
teacher_words = None
TERMS = {"backbone_to_weak": (1, "backbone teachers sent to weak schools")}


@dataclass(frozen=True)
class BackboneRatio:
    """Backbone share (policy section ``[rules]``)."""

    backbone_min_share: float | None = param(
        None, "share",
        "backbone teachers are at least this share of those a school sends (不低于交流总数的 N%)")
    backbone_scope: str = param("sending_school", "choice", "where the share is counted",
                                choices=("sending_school", "county"))
    weak_school_min_backbone: int = param(
        0, "int", "a weak school that receives teachers receives at least this many backbone teachers")


#: the rule's parameters (a policy section's keys)
PARAMS = BackboneRatio


def class_key(teachers, schools, rule) -> list:
    """Nothing per teacher beyond the base class key (school, subject, backbone, role, status)."""
    return []


def build(ctx: Any, rule: BackboneRatio) -> None:
    """Share constraints, weak-school minimum and the backbone_to_weak term."""
    bb = ctx.model_pairs["backbone"].to_numpy()
    if rule.backbone_min_share is not None and rule.backbone_min_share > 0:
        f = share_fraction(rule.backbone_min_share)
        p, q = f.numerator, f.denominator
        coef = np.where(bb, q - p, -p)
        scopes = ctx.groups("from_s") if rule.backbone_scope == "sending_school" else {
            -1: np.arange(len(ctx.model_pairs))}
        for a, rows in scopes.items():
            if bb[rows].all():
                continue
            expr = sum_weighted(ctx, rows, coef[rows])
            ctx.add(RULE_ID, key(school=ctx.school_id(a)) if a >= 0 else key("county"), expr >= 0)
    weak = ctx.schools["strength"].to_numpy() == "weak"
    if rule.weak_school_min_backbone > 0:
        k = rule.weak_school_min_backbone
        for r, rows in ctx.groups("s").items():
            if not weak[r]:
                continue
            y = ctx.model.new_bool_var(f"receives[{ctx.school_id(r)}]")
            ctx.add(RULE_ID, key("receives", school=ctx.school_id(r)),
                    ctx.xsum(rows) <= ctx.max_flow(rows) * y)
            brows = rows[bb[rows]]
            ctx.add(RULE_ID, key("weak_min", school=ctx.school_id(r)), ctx.xsum(brows) >= k * y)
    to_weak = np.flatnonzero(bb & weak[ctx.model_pairs["s"].to_numpy()])
    ctx.term("backbone_to_weak", *TERMS["backbone_to_weak"]).extend(ctx.xs(to_weak), np.ones(len(to_weak)))


def sum_weighted(ctx, rows, coefs):
    """Σ coefs · x over candidate rows."""
    from ortools.sat.python import cp_model  # formulation layer only

    return cp_model.LinearExpr.weighted_sum(ctx.xs(rows), [int(c) for c in coefs])


def term_values(chk: CheckData, rule: BackboneRatio) -> dict:
    """Backbone teachers arriving at weak schools."""
    m = chk.moved
    weak = set(chk.problem.schools.loc[chk.problem.schools["strength"] == "weak", "school_id"])
    return {"backbone_to_weak": int((m["backbone"].astype(bool) & m["to_school_id"].isin(weak)).sum())}


def check(chk: CheckData, rule: BackboneRatio) -> list[Violation]:
    """Recompute the share per sending school (or county) and the weak-school minimum."""
    out = []
    m = chk.moved
    if rule.backbone_min_share is not None and rule.backbone_min_share > 0 and len(m):
        f = share_fraction(rule.backbone_min_share)
        keys = m["school_id"] if rule.backbone_scope == "sending_school" else np.full(len(m), "county")
        g = m.assign(_k=np.asarray(keys)).groupby("_k")["backbone"].agg(["sum", "size"])
        for k, r in g.iterrows():
            if f.denominator * int(r["sum"]) < f.numerator * int(r["size"]):
                where = key(school=k) if rule.backbone_scope == "sending_school" else key("county")
                out.append((RULE_ID, where,
                            f"{k} sends {int(r['size'])} teachers of whom {int(r['sum'])} backbone "
                            f"< {float(f):.0%}"))
    if rule.weak_school_min_backbone > 0 and len(m):
        weak = set(chk.problem.schools.loc[chk.problem.schools["strength"] == "weak", "school_id"])
        g = m[m["to_school_id"].isin(weak)].groupby("to_school_id")["backbone"].sum()
        for sid, n in g.items():
            if n < rule.weak_school_min_backbone:
                out.append((RULE_ID, key("weak_min", school=sid),
                            f"weak school {sid} receives {int(n)} backbone teachers "
                            f"< {rule.weak_school_min_backbone}"))
    return out


# ---------------------------------------------------------------------- words
def binding_words(f: Facts, rule: BackboneRatio, k: Key, usage: Usage | None) -> tuple[str, str]:
    """The share among those a school (or the county) sends, or a weak school's backbone minimum."""
    if "receives" in k or "weak_min" in k:
        sid = k.get("school")
        s = f.school(k)
        n = rule.weak_school_min_backbone
        b = len(f.reaching(s, mask=f.backbone)) if s >= 0 else 0
        if usage is not None:
            got = int((f.backbone & (usage.dest == s)).sum())
            return (f"weak school {sid} receives teachers only together with at least {n} backbone "
                    f"teacher(s); it receives {got}",
                    f"薄弱学校 {sid} 接收教师时须至少接收 {n} 名骨干教师，本方案接收 {got} 名")
        return (f"weak school {sid} receives teachers only together with at least {n} backbone teacher(s), "
                f"and {b} backbone teacher(s) can reach it",
                f"薄弱学校 {sid} 接收教师时须至少接收 {n} 名骨干教师，可到该校的骨干教师 {b} 名")
    share = rule.backbone_min_share or 0.0
    if "school" in k:
        where_en = where_zh = k.get("school")
        a = f.school(k)
        b = len(f.movers_from(a, f.backbone)) if a >= 0 else 0
    else:
        a = -1
        b = int(len(np.unique(f.ct[f.backbone[f.ct]]))) if len(f.ct) else 0
        where_en, where_zh = "the county", "全县"
    if usage is not None:
        n = usage.sent(f, a) if a >= 0 else int((usage.dest >= 0).sum())
        nb = usage.sent(f, a, f.backbone) if a >= 0 else int(((usage.dest >= 0) & f.backbone).sum())
        fr = share_fraction(share)
        if fr.denominator * nb < fr.numerator * (n + 1):
            # one more non-backbone teacher breaks the share
            return (f"{where_en} sends {n} teachers of whom {nb} backbone; one more non-backbone teacher "
                    f"would bring the backbone share to {nb}/{n + 1} = {nb / (n + 1):.0%}, "
                    f"below the minimum {pct(share)}",
                    f"{where_zh} 已交流 {n} 人，其中骨干教师 {nb} 人；再交流一名非骨干教师将使骨干比例降至 "
                    f"{nb}/{n + 1}，低于 {pct(share)}")
        # the share holds with one more: it binds together with another instance (or in another plan)
        return (f"backbone teachers must be at least {pct(share)} of those {where_en} sends "
                f"({nb} of {n} now)",
                f"{where_zh} 交流教师中骨干教师须不少于 {pct(share)}（现交流 {n} 人，其中骨干 {nb} 人）")
    return (f"backbone teachers must be at least {pct(share)} of those {where_en} sends, "
            f"and {where_en} has {b} backbone teacher(s) who can rotate",
            f"{where_zh} 交流教师中骨干教师须不少于 {pct(share)}，可交流的骨干教师仅 {b} 名")


def stays(state: PlanState, rule: BackboneRatio) -> list[StayTest]:
    """A non-backbone teacher stays when one more would break the share.

    It also stays when the open needs are at weak schools still short of their backbone minimum.
    """
    sid = state.sid
    strength = state.problem.schools["strength"].to_numpy()

    def share_breaks(t: int) -> str | None:
        a = state.pos[t]
        if state.backbone[t] or not rule.backbone_min_share or rule.backbone_scope != "sending_school":
            return None
        f = share_fraction(rule.backbone_min_share)
        if f.denominator * int(state.backbone_sent[a]) < f.numerator * int(state.sent[a] + 1):
            return (f"sending another non-backbone teacher would put {sid[a]}'s backbone share below "
                    f"{float(rule.backbone_min_share):.0%}")
        return None

    def weak_first(t: int) -> str | None:
        if state.backbone[t] or rule.weak_school_min_backbone <= 0:
            return None
        n = rule.weak_school_min_backbone
        open_ = [j for j in state.dests.get(t, []) if state.need_left.get((j, state.subj[t]), 0) > 0]
        if open_ and all(strength[j] == "weak" and state.backbone_received[j] < n for j in open_):
            return (f"{', '.join(sid[j] for j in open_)} (weak) must receive at least {n} backbone "
                    f"teacher(s) before it receives others")
        return None

    return [StayTest(Stage.SHARE, share_breaks), StayTest(Stage.DESTINATION, weak_first)]


def school_columns(state: PlanState, rule: BackboneRatio) -> dict[str, Any]:
    """No column of its own (``backbone_sent`` is a base column)."""
    return {}
