"""Export a CP-SAT model (linear constraints, linear objective) to plain MIP arrays, generically.

The arrays are read straight from ``model.proto``: every variable's domain becomes column bounds, every
linear constraint's domain becomes row bounds, the objective's coefficients and offset become costs and the
offset. Nothing of teacher_match's formulation is re-derived, so the MIP is provably the model CP-SAT solves:

    minimise  Σ_j cost_j · v_j + offset     (CP-SAT's objective before ``scaling_factor``)
    s.t.      row_lo_i ≤ Σ_j a_ij · v_j ≤ row_hi_i,    col_lo_j ≤ v_j ≤ col_hi_j,   v_j integer

A negated literal ``¬v`` (reference ``-j-1``) is ``1 − v_j``. Anything a MIP cannot hold directly (a domain
with holes, an enforcement literal, a non-linear constraint) raises ``ValueError`` instead of being
approximated.

The arrays are saved with numpy (``save``/``load``), so the HiGHS solve can run in a process that never
imports OR-Tools: both wheels bundle a ``libhighs.so.1`` of different versions, and whichever is loaded first
breaks the other (undefined symbol on import).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["MipArrays", "from_cp_model", "save", "load"]

#: CP-SAT's domains use ±2^63−1 for "unbounded"; anything this large is infinite for a MIP
_HUGE = 2**62


@dataclass(frozen=True)
class MipArrays:
    """A MIP in CSR form: columns (bounds, cost), rows (bounds) and the constraint matrix."""

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


def from_cp_model(model) -> MipArrays:
    """The MIP arrays of a ``CpModel`` whose constraints are all linear (integer variables)."""
    proto = model.proto
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
    return MipArrays(col_lo, col_hi, cost, np.asarray(row_lo, dtype=float), np.asarray(row_hi, dtype=float),
                     np.asarray(start, dtype=np.int64), np.asarray(index, dtype=np.int32),
                     np.asarray(value, dtype=np.float64), float(obj.offset) + const,
                     float(obj.scaling_factor) or 1.0)


def save(mip: MipArrays, path: str | Path) -> None:
    """Write the arrays to one ``.npz`` file."""
    np.savez(path, **{k: getattr(mip, k) for k in MipArrays.__dataclass_fields__})


def load(path: str | Path) -> MipArrays:
    """Read arrays written by :func:`save`."""
    with np.load(path) as z:
        fields = MipArrays.__dataclass_fields__
        return MipArrays(**{k: (float(z[k]) if z[k].ndim == 0 else z[k]) for k in fields})
