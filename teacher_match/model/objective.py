"""Sum the rules' terms into the CP-SAT objective (the only place weights meet variables)."""

from __future__ import annotations

from ortools.sat.python import cp_model

from ..scaling import weight_coef

__all__ = ["weighted_expr"]


def weighted_expr(ctx, weights: dict[str, float], terms: list[str] | None = None) -> cp_model.LinearExpr:
    """Σ coef(weight) · term over the given terms (all by default), in integer units."""
    parts = []
    for name in terms or sorted(ctx.terms):
        term = ctx.terms.get(name)
        w = weights.get(name, 0.0)
        if term is None or w == 0:
            continue
        coef = weight_coef(w, term.units)
        if coef:
            parts.append(coef * term.expr())
    return cp_model.LinearExpr.sum(parts) if parts else cp_model.LinearExpr.sum([])

