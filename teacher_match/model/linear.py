"""A CP-SAT model as the arrays of a linear program, and its LP relaxation solved by GLOP.

The arrays are read straight from ``model.proto``: every variable's domain becomes column bounds, every linear
constraint's domain becomes row bounds, the objective's coefficients and offset become costs and the offset.
Nothing of teacher_match's formulation is re-derived, so the arrays are provably the model CP-SAT solves:

    minimise  Σ_j cost_j · v_j + offset     (CP-SAT's objective before ``scaling_factor``)
    s.t.      row_lo_i ≤ Σ_j a_ij · v_j ≤ row_hi_i,    col_lo_j ≤ v_j ≤ col_hi_j,   v_j integer

A negated literal ``¬v`` (reference ``-j-1``) is ``1 − v_j``. Anything a linear program cannot hold directly
(a domain with holes, an enforcement literal, a non-linear constraint) raises ``ValueError`` instead of being
approximated. The benchmark hands these arrays to HiGHS; :mod:`teacher_match.model.lp_guided` relaxes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LinearArrays", "linear_arrays", "LpSolution", "solve_lp"]

#: CP-SAT's domains use ±2^63−1 for "unbounded"; anything this large is infinite for a linear program
_HUGE = 2**62


@dataclass(frozen=True)
class LinearArrays:
    """A linear model in CSR form: columns (bounds, cost), rows (bounds) and the constraint matrix."""

    col_lo: np.ndarray
    col_hi: np.ndarray
    cost: np.ndarray
    row_lo: np.ndarray
    row_hi: np.ndarray
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    offset: float
    scaling: float

    @property
    def n_cols(self) -> int:
        """Number of variables."""
        return len(self.col_lo)

    @property
    def n_rows(self) -> int:
        """Number of constraints."""
        return len(self.row_lo)


def _bound(v: int) -> float:
    return float("inf") if v >= _HUGE else float("-inf") if v <= -_HUGE else float(v)


def _resolve(vars_, coeffs) -> tuple[np.ndarray, np.ndarray, float]:
    """Variable references and coefficients with negated literals expanded (``¬v = 1 − v``)."""
    refs = np.asarray(vars_, dtype=np.int64)
    c = np.asarray(coeffs, dtype=np.float64)
    neg = refs < 0
    const = float(c[neg].sum()) if neg.any() else 0.0
    idx = np.where(neg, -refs - 1, refs)
    return idx, np.where(neg, -c, c), const


def linear_arrays(proto) -> LinearArrays:
    """The arrays of a CP-SAT model proto whose constraints are all linear (integer variables)."""
    n = len(proto.variables)
    col_lo = np.empty(n)
    col_hi = np.empty(n)
    for j, var in enumerate(proto.variables):
        dom = list(var.domain)
        if len(dom) != 2:
            raise ValueError(f"variable {var.name or j} has a domain with holes: {dom}")
        col_lo[j], col_hi[j] = _bound(dom[0]), _bound(dom[1])
    row_lo, row_hi, start, index, value = [], [], [0], [], []
    for i, ct in enumerate(proto.constraints):
        if len(ct.enforcement_literal):
            raise ValueError(f"constraint {ct.name or i} has an enforcement literal")
        lin = ct.linear
        if len(lin.vars) == 0 and len(lin.domain) == 0:
            raise ValueError(f"constraint {ct.name or i} is not linear")
        dom = list(lin.domain)
        if len(dom) != 2:
            raise ValueError(f"constraint {ct.name or i} has a domain with holes: {dom}")
        idx, c, const = _resolve(lin.vars, lin.coeffs)
        row_lo.append(_bound(dom[0]) - const)
        row_hi.append(_bound(dom[1]) - const)
        index.extend(idx.tolist())
        value.extend(c.tolist())
        start.append(len(index))
    cost = np.zeros(n)
    obj = proto.objective
    idx, c, const = _resolve(obj.vars, obj.coeffs)
    np.add.at(cost, idx, c)
    return LinearArrays(col_lo, col_hi, cost,
                        np.asarray(row_lo, dtype=float), np.asarray(row_hi, dtype=float),
                        np.asarray(start, dtype=np.int64), np.asarray(index, dtype=np.int32),
                        np.asarray(value, dtype=np.float64), float(obj.offset) + const,
                        float(obj.scaling_factor) or 1.0)


@dataclass(frozen=True)
class LpSolution:
    """An optimal solution of the LP relaxation.

    Column values, reduced costs and the objective (offset in).
    """

    values: np.ndarray
    reduced_costs: np.ndarray
    objective: float


def solve_lp(lp: LinearArrays) -> LpSolution | None:
    """The LP relaxation of ``lp`` (integrality dropped) solved by GLOP.

    None unless GLOP proves an optimum.
    """
    from ortools.linear_solver import pywraplp

    solver = pywraplp.Solver.CreateSolver("GLOP")
    inf = solver.infinity()

    def finite(v: float) -> float:
        return v if np.isfinite(v) else (inf if v > 0 else -inf)

    cols = [solver.NumVar(finite(lo), finite(hi), "")
            for lo, hi in zip(lp.col_lo.tolist(), lp.col_hi.tolist(), strict=True)]
    start, index, value = lp.start.tolist(), lp.index.tolist(), lp.value.tolist()
    for i, (lo, hi) in enumerate(zip(lp.row_lo.tolist(), lp.row_hi.tolist(), strict=True)):
        row = solver.Constraint(finite(lo), finite(hi))
        for k in range(start[i], start[i + 1]):
            row.SetCoefficient(cols[index[k]], value[k])
    objective = solver.Objective()
    for j in np.flatnonzero(lp.cost).tolist():
        objective.SetCoefficient(cols[j], float(lp.cost[j]))
    objective.SetMinimization()
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    return LpSolution(np.array([c.solution_value() for c in cols]),
                      np.array([c.reduced_cost() for c in cols]),
                      objective.Value() + lp.offset)
