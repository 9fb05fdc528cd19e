"""Hard rule: backbone teachers (骨干教师) are at least a share of those sent; optional backbone for weak schools.

With ``backbone_min_share = p/q`` (exact fraction):

    q · Σ_{t ∈ a} backbone[t] · x[t, s] ≥ p · Σ_{t ∈ a} x[t, s]    for each sending school a   (scope sending_school)
    q · Σ_t backbone[t] · x[t, s]      ≥ p · Σ_t x[t, s]           over the whole county       (scope county)

Optionally every weak receiving school that receives anyone receives at least ``weak_school_min_backbone``
backbone teachers:  Σ_{t} backbone[t] · x[t, r] ≥ k · y[r],  Σ_t x[t, r] ≤ M · y[r].

Soft term ``backbone_to_weak`` counts backbone teachers sent to weak schools (give it a negative weight to
reward it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..params import param, share_fraction

RULE_ID = "backbone_ratio"
SECTION = "rules"
TERMS = {"backbone_to_weak": (1, "backbone teachers sent to weak schools")}


@dataclass(frozen=True)
class BackboneRatio:
    """Backbone share (policy section ``[rules]``)."""

    backbone_min_share: float | None = param(
        None, "share", "backbone teachers are at least this share of those a school sends (不低于交流总数的 N%)")
    backbone_scope: str = param("sending_school", "choice", "where the share is counted",
                                choices=("sending_school", "county"))
    weak_school_min_backbone: int = param(
        0, "int", "a weak school that receives teachers receives at least this many backbone teachers")


def class_key(teachers, schools, rule) -> list:
    """Nothing per teacher beyond the base class key (school, subject, backbone, role, status)."""
    return []


def build(ctx, rule: BackboneRatio) -> None:
    """Share constraints, weak-school minimum and the backbone_to_weak term."""
    bb = ctx.cand["backbone"].to_numpy()
    if rule.backbone_min_share is not None and rule.backbone_min_share > 0:
        f = share_fraction(rule.backbone_min_share)
        p, q = f.numerator, f.denominator
        coef = np.where(bb, q - p, -p)
        scopes = ctx.groups("from_s") if rule.backbone_scope == "sending_school" else {
            -1: np.arange(len(ctx.cand))}
        for a, rows in scopes.items():
            key = f"school={ctx.school_id(a)}" if a >= 0 else "county"
            if bb[rows].all():
                continue
            expr = sum_weighted(ctx, rows, coef[rows])
            ctx.add(RULE_ID, key, expr >= 0)
    weak = ctx.schools["strength"].to_numpy() == "weak"
    if rule.weak_school_min_backbone > 0:
        k = rule.weak_school_min_backbone
        for r, rows in ctx.groups("s").items():
            if not weak[r]:
                continue
            y = ctx.model.new_bool_var(f"receives[{ctx.school_id(r)}]")
            ctx.add(RULE_ID, f"school={ctx.school_id(r)},receives", ctx.xsum(rows) <= ctx.max_flow(rows) * y)
            brows = rows[bb[rows]]
            ctx.add(RULE_ID, f"school={ctx.school_id(r)},weak_min", ctx.xsum(brows) >= k * y)
    to_weak = np.flatnonzero(bb & weak[ctx.cand["s"].to_numpy()])
    ctx.term("backbone_to_weak", *TERMS["backbone_to_weak"]).extend(ctx.xs(to_weak), np.ones(len(to_weak)))


def sum_weighted(ctx, rows, coefs):
    """Σ coefs · x over candidate rows."""
    from ortools.sat.python import cp_model  # formulation layer only

    return cp_model.LinearExpr.weighted_sum(ctx.xs(rows), [int(c) for c in coefs])


def term_values(chk, rule: BackboneRatio) -> dict:
    """Backbone teachers arriving at weak schools."""
    m = chk.moved
    weak = set(chk.problem.schools.loc[chk.problem.schools["strength"] == "weak", "school_id"])
    return {"backbone_to_weak": int((m["backbone"].astype(bool) & m["to_school_id"].isin(weak)).sum())}


def check(chk, rule: BackboneRatio) -> list:
    """Recompute the share per sending school (or county) and the weak-school minimum."""
    out = []
    m = chk.moved
    if rule.backbone_min_share is not None and rule.backbone_min_share > 0 and len(m):
        f = share_fraction(rule.backbone_min_share)
        keys = m["school_id"] if rule.backbone_scope == "sending_school" else np.full(len(m), "county")
        g = m.assign(_k=np.asarray(keys)).groupby("_k")["backbone"].agg(["sum", "size"])
        for k, r in g.iterrows():
            if f.denominator * int(r["sum"]) < f.numerator * int(r["size"]):
                key = f"school={k}" if rule.backbone_scope == "sending_school" else "county"
                out.append((RULE_ID, key, f"{k} sends {int(r['size'])} teachers of whom {int(r['sum'])} backbone "
                                          f"< {float(f):.0%}"))
    if rule.weak_school_min_backbone > 0 and len(m):
        weak = set(chk.problem.schools.loc[chk.problem.schools["strength"] == "weak", "school_id"])
        g = m[m["to_school_id"].isin(weak)].groupby("to_school_id")["backbone"].sum()
        for sid, n in g.items():
            if n < rule.weak_school_min_backbone:
                out.append((RULE_ID, f"school={sid},weak_min",
                            f"weak school {sid} receives {int(n)} backbone teachers < {rule.weak_school_min_backbone}"))
    return out
