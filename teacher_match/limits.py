"""Resource limits checked before the work starts, so a too-large job is refused with advice, not killed.

The memory of a solve grows with the number of candidate pairs (one Boolean variable ``x[t, s]`` per movable
teacher and receiving school with a need in the teacher's subject, after pruning). Measured on synthetic
counties (``make_county(n, seed=7)``, default policy, one worker, peak RSS above the loaded problem)::

    teachers   candidate pairs   peak memory of build + solve
       3,000          12,419        82 MB
       8,000          61,578       180 MB

i.e. about 2 KB per pair above a fixed ~60 MB. The estimate below takes 4 KB per pair (twice the
measurement: presolve and the LP relaxation grow with the constraints a policy adds) and counts each extra
CP-SAT worker as half a model more, since parallel workers hold their own copies of the presolved model.
Before the pairs are even listed, their upper bound (movable teachers × receiving schools needing the same
subject) is checked against the memory the pair table itself takes (200 bytes per raw pair).
"""

from __future__ import annotations

import numpy as np

from .errors import ModelTooLargeError

__all__ = ["available_memory_mb", "estimate_model_mb", "check_candidates", "check_model",
           "BYTES_PER_PAIR", "BYTES_PER_RAW_PAIR", "FIXED_MB"]

#: model + solver memory per candidate pair (2 KB measured, doubled for safety)
BYTES_PER_PAIR = 4096
#: memory of one row of the raw (unpruned) candidate table, with the copies a merge and a sort make
BYTES_PER_RAW_PAIR = 200
#: memory of a solve that does not grow with the pairs (solver start-up, the plan tables)
FIXED_MB = 60.0


def available_memory_mb() -> float | None:
    """Memory available to a new allocation (``MemAvailable`` of ``/proc/meminfo``); None where unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def estimate_model_mb(n_pairs: int, workers: int = 1) -> float:
    """Peak memory of building and solving a model with ``n_pairs`` candidate pairs, in MB.

    Examples
    --------
    >>> round(estimate_model_mb(12_419))
    109
    """
    per_model = n_pairs * BYTES_PER_PAIR / 2**20
    return FIXED_MB + per_model * (1 + 0.5 * (max(1, workers) - 1))


def _advice() -> str:
    return ("lower max_commute_km (fewer destinations per teacher), plan each township separately, "
            "or run on a machine with more memory (or raise the limit with max_memory_mb= / --max-memory-mb)")


def _limit(limit_mb: float | None) -> float | None:
    return available_memory_mb() if limit_mb is None else float(limit_mb)


def check_candidates(teachers_subject: np.ndarray, movable: np.ndarray, needs, limit_mb: float | None = None
                     ) -> None:
    """Refuse before listing the pairs when even their raw table cannot fit.

    Parameters
    ----------
    teachers_subject : array of str
        Each teacher's subject.
    movable : bool array
        Teachers who may rotate (mandatory or eligible).
    needs : DataFrame
        The needs table (``school_id, subject, count``).
    limit_mb : float, optional
        Memory that may be used; default the memory available now.
    """
    limit = _limit(limit_mb)
    if limit is None:
        return
    subjects, counts = np.unique(teachers_subject[movable].astype(str), return_counts=True)
    per_subject = dict(zip(subjects, counts, strict=True))
    open_needs = needs[needs["count"] > 0]
    raw = int(sum(per_subject.get(str(s), 0) for s in open_needs["subject"]))
    need_mb = raw * BYTES_PER_RAW_PAIR / 2**20
    if need_mb > limit:
        raise ModelTooLargeError(
            f"the model is too large: {raw:,} teacher × school pairs before pruning would take about "
            f"{need_mb:,.0f} MB, and {limit:,.0f} MB are available — {_advice()}")


def check_model(n_pairs: int, workers: int = 1, limit_mb: float | None = None) -> None:
    """Refuse to build a model whose estimated memory (:func:`estimate_model_mb`) exceeds the limit."""
    limit = _limit(limit_mb)
    if limit is None:
        return
    est = estimate_model_mb(n_pairs, workers)
    if est > limit:
        raise ModelTooLargeError(
            f"the model is too large: {n_pairs:,} candidate pairs need about {est:,.0f} MB to build and "
            f"solve with {workers} worker(s), and {limit:,.0f} MB are available — {_advice()}")
