"""Valid inequalities implied by two rules together: the backbone share and the minimum rotation.

For a sending school ``a`` let ``B`` be the backbone teachers it sends, ``T`` all it sends, ``M`` its
mandatory teachers sent and ``sf`` its rotation shortfall (``sf = 0`` when the minimum is a hard rule).
The rules say

    q · B ≥ p · T                (backbone share p/q, :mod:`teacher_match.rules.backbone_ratio`)
    M + sf ≥ req,  T ≥ M         (minimum rotation, :mod:`teacher_match.rules.min_rotation`)

so every plan has ``B ≥ g(sf) = ⌈p · (req − sf) / q⌉`` with ``B`` and ``sf`` integers. The LP relaxation only
sees ``B ≥ p · (req − sf) / q``: a school that must send 3 teachers sends 0.6 of a backbone teacher in the LP
and a whole one in every plan. The convex hull of the integer points ``{(sf, B) : B ≥ g(sf), sf ≥ 0}`` is cut
out by the lower convex envelope of ``(k, g(k)), k = 0 … req``; each edge from ``(k₁, g₁)`` to ``(k₂, g₂)``
gives the valid inequality

    (k₂ − k₁) · B + (g₁ − g₂) · sf ≥ (k₂ − k₁) · g₁ + (g₁ − g₂) · k₁

(with ``p/q = 1/5``, ``req = 3``: ``3·B + sf ≥ 3``; ``req = 7``: ``2·B + sf ≥ 4``). Edges on the line of the
rule itself add nothing and are left out. Valid because ``g`` lies on or above its envelope at every integer
``sf`` (and ``B ≥ 0 = g`` beyond ``req``): no plan is cut off, so optimum and bound are unchanged.

Measured (10,000-teacher counties, seeds 0 / 1 / 2): the root LP gap falls from 0.46 / 1.3 / 1.5 % to
0.08 / 0.49 / 0.83 %. HiGHS on the same model: 5.1 → 2.2 s (seed 0). CP-SAT with one worker: the
30,000-teacher city is proven optimal in 36 s (before: gap 0.03 % at its 60 s limit) and the 100,000-teacher
metro in 137 s (before: gap < 0.001 % at 267 s); on six counties the time to proof stays heavy-tailed (6–24 s,
two not proven in 90 s, before and after alike): CP-SAT's run time there depends more on its search path than
on the root gap.

The inequalities are added when ``solve`` prepares its search (:func:`teacher_match.search._prepare`), never
to the model of the rules themselves: a diagnosis that relaxes one of the two rules must not keep what the
pair implies.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ..params import share_fraction

__all__ = ["envelope", "backbone_rotation_cuts", "strengthen"]

#: name prefix of the constraints added here (they are not rules: not in the ledger)
PREFIX = "implied[backbone_ratio×min_rotation"


def envelope(p: int, q: int, req: int) -> list[tuple[int, int, int]]:
    """Facets ``(b, s, rhs)``, meaning ``b·B + s·sf ≥ rhs``, of the hull of ``B ≥ ⌈p·(req − sf)/q⌉``.

    Only the facets that are stronger than the rule's own row ``q·B + p·sf ≥ p·req`` are returned.

    >>> envelope(1, 5, 3)
    [(3, 1, 3)]
    >>> envelope(1, 5, 7)
    [(2, 1, 4)]
    >>> envelope(1, 5, 10)
    []
    """
    if req <= 0 or p <= 0:
        return []
    pts = [(k, -(-p * (req - k) // q)) for k in range(req + 1)]
    hull: list[tuple[int, int]] = []
    for pt in pts:  # lower hull, monotone chain (x increasing)
        while len(hull) >= 2:
            (x1, y1), (x2, y2) = hull[-2], hull[-1]
            # drop the middle point unless it lies strictly below the chord (a strict left turn)
            if (x2 - x1) * (pt[1] - y1) - (y2 - y1) * (pt[0] - x1) <= 0:
                hull.pop()
            else:
                break
        hull.append(pt)
    own = Fraction(p, q)
    out = []
    for (k1, g1), (k2, g2) in zip(hull, hull[1:], strict=False):
        if Fraction(g1 - g2, k2 - k1) == own and Fraction(g1) == own * (req - k1):
            continue  # the rule's own row
        b, s = k2 - k1, g1 - g2
        rhs = b * g1 + s * k1
        d = math.gcd(math.gcd(b, s), rhs)
        out.append((b // d, s // d, rhs // d))
    return out


def backbone_rotation_cuts(ctx) -> int:
    """Add the envelope inequalities for every sending school both rules apply to; return how many."""
    policy = ctx.policy
    bb_rule = policy.rule("backbone_ratio")
    share = bb_rule.backbone_min_share
    if not share or bb_rule.backbone_scope != "sending_school" or not ctx.rotation_floor:
        return 0
    f = share_fraction(share)
    bb = ctx.model_pairs["backbone"].to_numpy(dtype=bool)
    rows_of = ctx.groups("from_s")
    added = 0
    for a, (req, short) in sorted(ctx.rotation_floor.items()):
        facets = envelope(f.numerator, f.denominator, req)
        if not facets:
            continue
        rows = rows_of.get(a, np.zeros(0, dtype=np.int64))
        backbone = ctx.xsum(rows[bb[rows]])
        for b, s, rhs in facets:
            expr = b * backbone + (s * short if short is not None else 0)
            ct = ctx.model.add(expr >= rhs)
            ct.with_name(f"{PREFIX},school={ctx.school_id(a)},{b}B+{s}sf≥{rhs}]")
            added += 1
    return added


def strengthen(ctx) -> int:
    """Add every implied inequality to ``ctx.model`` once (later calls add nothing); return how many."""
    if ctx.strengthened is not None:
        return 0
    ctx.strengthened = backbone_rotation_cuts(ctx)
    return ctx.strengthened

