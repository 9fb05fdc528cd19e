"""Integer scaling for CP-SAT, in one place.

CP-SAT is integer-only. Every real quantity is turned into integers here and nowhere else:

* distances: ``dkm = round(km × KM_UNITS)`` — commute is counted in units of 0.1 km;
* shares: ``p/q`` exact fractions (:func:`teacher_match.params.share_fraction`), so ``floor(0.15 × 20) = 3``;
* objective weights: a term whose value is counted in ``u`` units per real unit gets the integer coefficient
  ``round(weight × OBJ_SCALE / u)``; the reported objective is the integer objective ``/ OBJ_SCALE``.
  Weights are thus resolved to 1/OBJ_SCALE per real unit (0.001 per post, 0.01 per km).

Weights are bounded, ``|weight| ≤ MAX_WEIGHT``: CP-SAT reports the objective as a double, and the checker
compares it with the integer objective it recomputes, so the integer objective must stay exact in a double
(``|Σ coef · value| < 2**53``). A term's real total is at most about ``MAX_TERM_TOTAL`` (100,000 teachers ×
90 km of commute; needs and moves are far fewer), so ``MAX_WEIGHT · OBJ_SCALE · MAX_TERM_TOTAL ≤ 2**53``.
Beyond it the solver's objective overflows or rounds (MODEL_INVALID from 1e13 at 400 teachers, measured).
Only the ratios between weights matter, so a larger weight is never needed.

The checker uses the same two functions, so the objective it recomputes is exactly the solver's.
"""

from __future__ import annotations

import numpy as np

__all__ = ["KM_UNITS", "OBJ_SCALE", "MAX_WEIGHT", "to_units_km", "weight_coef", "objective_units"]

KM_UNITS = 10
OBJ_SCALE = 1000
#: the largest real total of one term the weight bound allows for: 100,000 teachers × 90 km of commute
MAX_TERM_TOTAL = 9_000_000
#: the largest |weight| of an objective term: the integer objective stays exact in a double (see above)
MAX_WEIGHT = 1_000_000
assert MAX_WEIGHT * OBJ_SCALE * MAX_TERM_TOTAL <= 2**53


def to_units_km(km) -> np.ndarray:
    """Km → integer units of 0.1 km (round half to even, as numpy does)."""
    return np.rint(np.asarray(km, dtype=float) * KM_UNITS).astype(np.int64)


def weight_coef(weight: float, units_per_real: int) -> int:
    """Integer objective coefficient of one unit of a term with the given real weight."""
    return int(round(weight * OBJ_SCALE / units_per_real))


def objective_units(weights: dict, term_values: dict, term_units: dict) -> int:
    """Integer objective of the given term values: Σ weight_coef(weight, units) · value."""
    return sum(weight_coef(weights.get(t, 0.0), term_units[t]) * int(v) for t, v in term_values.items())
