"""Turn any method's choice of candidate pairs into a teacher_match Plan, priced on the identical model.

Every method ends in a boolean mask over ``ctx.model_pairs`` (the rows a teacher_match model has a
variable for).
:func:`plan_from_choice` fixes those variables in a copy of the teacher_match model and lets CP-SAT set the
remaining auxiliary variables (e.g. rotation shortfalls) to their cheapest values, so each method's objective
is measured in the same units by the same formula. If the fixed model is infeasible, the choice breaks a hard
rule: the plan then has no objective and :func:`teacher_match.check` lists the violations.
"""

from __future__ import annotations

import numpy as np
from ortools.sat.python import cp_model

from teacher_match.plan import Plan, build_plan

__all__ = ["priced_values", "plan_from_choice", "term_values"]


def priced_values(ctx, chosen: np.ndarray, time_limit: float = 60.0) -> np.ndarray | None:
    """A full solution vector of ``ctx.model`` with ``x = chosen``, or None when that breaks a hard rule."""
    m = ctx.model.clone()
    for v, val in zip(ctx.x, chosen.astype(int), strict=True):
        dom = m.proto.variables[v.index].domain
        dom[0] = int(val)
        dom[1] = int(val)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = time_limit
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return np.asarray(solver.response_proto.solution, dtype=np.int64)


def term_values(ctx, values: np.ndarray) -> dict[str, int]:
    """Each objective term's value (in its units) for a full solution vector (shortfalls at their least)."""
    values = ctx.with_least_shortfalls(values)
    return {name: term.value(values) for name, term in ctx.terms.items()}


def plan_from_choice(ctx, chosen: np.ndarray, objective, status: str, *, bound: float | None,
                     solve_s: float, build_s: float, info: dict) -> Plan:
    """A Plan for the chosen candidate rows; ``bound`` is in plan units (None = no bound)."""
    chosen = np.asarray(chosen, dtype=bool)
    values = priced_values(ctx, chosen)
    terms = term_values(ctx, values) if values is not None else None
    if bound is not None and not np.isfinite(bound):
        bound = None
    plan = build_plan(ctx.problem, ctx.policy, ctx.elig, ctx.model_pairs, chosen, terms, objective, status,
                      sending=ctx.sending, receiving=ctx.receiving,
                      bound=bound if bound is not None else float("nan"),
                      wall_time_s=build_s + solve_s, build_time_s=build_s, solver_info=info)
    return plan

