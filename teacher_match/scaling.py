"""Integer scaling for CP-SAT, in one place.

CP-SAT is integer-only. Every real quantity is turned into integers here and nowhere else:

* distances: ``dkm = round(km × KM_UNITS)`` — commute is counted in units of 0.1 km;
* shares: ``p/q`` exact fractions (:func:`teacher_match.params.share_fraction`), so ``floor(0.15 × 20) = 3``;
* objective weights: a term whose value is counted in ``u`` units per real unit gets the integer coefficient
  ``round(weight × OBJ_SCALE / u)``; the reported objective is the integer objective ``/ OBJ_SCALE``.
  Weights are thus resolved to 1/OBJ_SCALE per real unit (0.001 per post, 0.01 per km).

The checker uses the same two functions, so the objective it recomputes is exactly the solver's.
"""

from __future__ import annotations

import numpy as np

__all__ = ["KM_UNITS", "OBJ_SCALE", "to_units_km", "weight_coef", "objective_units"]

KM_UNITS = 10
OBJ_SCALE = 1000


def to_units_km(km) -> np.ndarray:
    """Km → integer units of 0.1 km (round half to even, as numpy does)."""
    return np.rint(np.asarray(km, dtype=float) * KM_UNITS).astype(np.int64)


def weight_coef(weight: float, units_per_real: int) -> int:
    """Integer objective coefficient of one unit of a term with the given real weight."""
    return int(round(weight * OBJ_SCALE / units_per_real))


def objective_units(weights: dict, term_values: dict, term_units: dict) -> int:
    """Integer objective of the given term values: Σ weight_coef(weight, units) · value."""
    return sum(weight_coef(weights.get(t, 0.0), term_units[t]) * int(v) for t, v in term_values.items())
