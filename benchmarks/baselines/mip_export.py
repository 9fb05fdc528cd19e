"""Export a CP-SAT model (linear constraints, linear objective) to plain MIP arrays, generically.

The arrays are those of :func:`teacher_match.model.linear.linear_arrays`, read straight from ``model.proto``
(every domain becomes bounds, every linear constraint a row, the objective costs and offset), so the MIP is
provably the model CP-SAT solves:

    minimise  Σ_j cost_j · v_j + offset     (CP-SAT's objective before ``scaling_factor``)
    s.t.      row_lo_i ≤ Σ_j a_ij · v_j ≤ row_hi_i,    col_lo_j ≤ v_j ≤ col_hi_j,   v_j integer

Anything a MIP cannot hold directly (a domain with holes, an enforcement literal, a non-linear constraint)
raises ``ValueError`` instead of being approximated.

The arrays are saved with numpy (``save``/``load``), so the HiGHS solve can run in a process that never
imports OR-Tools: both wheels bundle a ``libhighs.so.1`` of different versions, and whichever is loaded first
breaks the other (undefined symbol on import). That is also why this module imports teacher_match only inside
:func:`from_cp_model`.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np

__all__ = ["FIELDS", "from_cp_model", "save", "load"]

#: the arrays a saved model holds (the fields of ``teacher_match.model.linear.LinearArrays``)
FIELDS = ("col_lo", "col_hi", "cost", "row_lo", "row_hi", "start", "index", "value", "offset", "scaling")


def from_cp_model(model):
    """The MIP arrays (a ``LinearArrays``) of a ``CpModel`` whose constraints are all linear."""
    from teacher_match.model.linear import linear_arrays

    return linear_arrays(model.proto)


def save(mip, path: str | Path) -> None:
    """Write the arrays to one ``.npz`` file."""
    np.savez(path, **{k: getattr(mip, k) for k in FIELDS})


def load(path: str | Path) -> SimpleNamespace:
    """Read arrays written by :func:`save` (as attributes named like ``LinearArrays``' fields)."""
    with np.load(path) as z:
        return SimpleNamespace(**{k: (float(z[k]) if z[k].ndim == 0 else z[k]) for k in FIELDS})
