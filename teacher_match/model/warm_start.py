"""Warm start: a quick plan on a restricted candidate set, handed to the full solve as a hint.

The LP-heavy search that proves optimality finds its first plan late on large rosters (a 100,000-teacher
metro: none after 3 minutes). A good first plan comes cheaply from the *same* model with most pairs switched
off:

    x[i] = 0   for every candidate row i outside R,
    R = for each declared need (s, j) with count k: the k·K nearest rows to s, and the k·K nearest rows of
        backbone teachers (so backbone-share rules can be met), K = ``per_post``.

Fixing variables to 0 only tightens the model, so every plan of the restricted model is a plan of the full
one: the hint is always feasible, whatever rules the policy adds. Optimality is not assumed from it — the full
model, with its own bound, still decides (nearest-K pruning alone is known to miss the optimum).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

__all__ = ["restricted_rows", "warm_start"]


def restricted_rows(cand: pd.DataFrame, needs: pd.DataFrame, school_index: dict,
                    per_post: int = 3) -> np.ndarray:
    """Candidate rows kept in the restricted model (sorted row indices)."""
    if not len(cand):
        return np.zeros(0, dtype=np.int64)
    count = needs.assign(s=needs["school_id"].map(school_index)).set_index(["s", "subject"])["count"]
    # a post a school opens by sending (exchange of posts) is no declared need: not in the quick plan
    k = (count.reindex(pd.MultiIndex.from_arrays([cand["s"], cand["subject"]])).fillna(0)
         .to_numpy(dtype=np.int64))
    frame = pd.DataFrame({"s": cand["s"].to_numpy(), "subject": cand["subject"].to_numpy(),
                          "dkm": cand["dkm"].to_numpy(), "bb": cand["backbone"].to_numpy(dtype=bool),
                          "k": k, "row": np.arange(len(cand))})
    frame = frame.sort_values(["s", "subject", "dkm", "row"], kind="stable")
    near = (frame.groupby(["s", "subject"], sort=False).cumcount().to_numpy()
            < per_post * frame["k"].to_numpy())
    bb = frame[frame["bb"]]
    near_bb = bb.groupby(["s", "subject"], sort=False).cumcount().to_numpy() < per_post * bb["k"].to_numpy()
    keep = np.union1d(frame["row"].to_numpy()[near], bb["row"].to_numpy()[near_bb])
    return keep.astype(np.int64)


def warm_start(ctx, seconds: float, seed: int = 0, per_post: int = 3) -> np.ndarray | None:
    """Solve the restricted model for at most ``seconds``; return its full solution vector, or None."""
    keep = restricted_rows(ctx.model_pairs, ctx.problem.needs, ctx.problem.school_index, per_post)
    if len(keep) == len(ctx.x) or seconds <= 0.2:
        return None
    off = np.setdiff1d(np.arange(len(ctx.x)), keep, assume_unique=True)
    model = ctx.model.clone()
    # one constraint switches every other pair off; presolve removes those variables at once
    model.add(cp_model.LinearExpr.sum([model.get_int_var_from_proto_index(ctx.x[i].index) for i in off]) == 0)
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = seconds
    p.num_workers = 1
    p.random_seed = seed
    p.linearization_level = 2
    p.cp_model_probing_level = 0
    # CP-SAT's own Ctrl-C handler would stay installed after the solve and swallow the caller's Ctrl-C
    p.catch_sigint_signal = False
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return np.asarray(solver.response_proto.solution, dtype=np.int64)
