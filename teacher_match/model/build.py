"""Building the formulation: eligibility → candidate pairs → every rule's constraints and terms.

Data flows one way: :func:`build_model` reads the Problem and the Policy, decides eligibility
(:mod:`teacher_match.eligibility`), makes the candidate pairs (:func:`candidate_pairs`, pruned by the rules
that forbid pairs outright), optionally aggregates interchangeable teachers
(:mod:`teacher_match.model.aggregation`), and lets every rule of the registry add its named constraints to a
:class:`~teacher_match.model.context.Context`. Nothing here searches.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import limits
from ..eligibility import eligibility
from ..rules import RULES, flows, post_exchange
from ..rules.contract import PruneData
from ..scaling import to_units_km
from .aggregation import aggregate_pairs, teacher_classes
from .context import Context

if TYPE_CHECKING:
    from ..policy import Policy
    from ..problem import Problem

__all__ = ["build_model", "candidate_pairs", "prune_data"]


def prune_data(problem: Problem, policy: Policy) -> PruneData:
    """What the rules' ``prune`` read: the problem and its sending and receiving schools (the flow's ends)."""
    fl = policy.rule(flows.RULE_ID)
    return PruneData(problem=problem, sending=flows.selects(problem.schools, fl.from_),
                     receiving=flows.selects(problem.schools, fl.to))


def build_model(problem: Problem, policy: Policy, *, max_memory_mb: float | None = None, workers: int = 1,
                aggregate: bool = False) -> Context:
    """Eligibility, candidate pairs and every rule's constraints and terms (no objective, no solve).

    A model whose estimated memory (:mod:`teacher_match.limits`) exceeds ``max_memory_mb`` (default: the
    memory available now) is refused with :class:`ModelTooLargeError` before it is built.

    With ``aggregate=True`` interchangeable teachers share one integer variable per school
    (:mod:`teacher_match.model.aggregation`); the optimum is the same, the model smaller and free of their
    symmetry. ``ctx.teacher_pairs`` always holds the teacher-level candidate pairs. ``ctx.timings`` records
    the seconds each phase took (``benchmarks/profile.py`` reports them).
    """
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(phase: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[phase] = now - clock
        clock = now

    policy.require_complete()
    if policy.reference_date is not None:
        problem = problem.at(policy.reference_date)
    # no pair farther than the commute cap is a candidate, so no distance beyond it is needed (shortest paths
    # stop there); computed once here (cached on the Problem), so the phases below are timed apart
    reach = policy.rule("commute").max_commute_km
    _ = problem.school_km_within(reach)
    lap("distances")
    elig = eligibility(problem, policy)
    lap("eligibility")
    data = prune_data(problem, policy)
    prunes = [partial(m.prune, rule=policy.rule(m.RULE_ID), data=data) for m in RULES if m.prune is not None]
    exchange = policy.rule(post_exchange.RULE_ID)
    # the posts a teacher may be sent to: the declared needs, and with the exchange of posts the posts
    # schools open by sending (post_exchange.posts)
    targets = (post_exchange.posts(problem, elig["status"].to_numpy(), data.sending, data.receiving, exchange)
               if exchange.post_exchange else None)
    limits.check_candidates(problem.teachers["subject"].to_numpy(),
                            elig["status"].isin(["mandatory", "eligible"]).to_numpy(),
                            problem.needs if targets is None else targets, max_memory_mb)
    pairs = candidate_pairs(problem, elig, prunes, within=reach, posts=targets)
    if targets is not None:
        pairs = post_exchange.settle(pairs, problem.needs, problem.school_index, exchange)
    lap("candidate pairs")
    model_pairs = pairs
    cls = None
    # a teacher of a planned mode is linked to their own main-mode variables (rules/modes.py): teacher-level
    if aggregate and len(pairs) and not policy.planned_modes():
        cls = teacher_classes(problem, problem.teachers.assign(status=elig["status"].to_numpy()), policy,
                              RULES)
        if cls is not None:
            if targets is None:
                model_pairs = aggregate_pairs(pairs, cls, problem.needs, problem.school_index)
            else:
                model_pairs = aggregate_pairs(pairs, cls, room=post_exchange.room(
                    pairs, pairs, problem.needs, problem.school_index, exchange))
    lap("aggregation")
    limits.check_model(len(model_pairs), workers, max_memory_mb)
    ctx = Context(problem, policy, elig, model_pairs, data.sending, data.receiving,
                  teacher_pairs=None if model_pairs is pairs else pairs, classes=cls, timings=timings)
    lap("variables")
    for m in RULES:
        m.build(ctx, policy.rule(m.RULE_ID))
        lap(f"build {m.RULE_ID}")
    ctx.timings.update(timings)
    return ctx


def candidate_pairs(problem: Problem, elig: pd.DataFrame,
                    prune_fns: Iterable[Callable[[pd.DataFrame], np.ndarray]],
                    within: float | None = None, posts: pd.DataFrame | None = None) -> pd.DataFrame:
    """All (movable teacher, receiving school with a need in the teacher's subject) pairs, pruned.

    Parameters
    ----------
    prune_fns : iterable of callables ``f(pairs) -> bool array``
        Each rule that forbids pairs outright (flows, commute cap, protected subjects) contributes one.
    within : float, optional
        The commute cap, when there is one: distances are needed only up to it (the commute rule's prune drops
        every farther pair), see :meth:`Problem.school_km_within`.
    posts : DataFrame, optional
        The posts teachers may be sent to (``school_id, subject, count``); default the declared needs. With
        the exchange of posts, also the posts schools open by sending (:func:`post_exchange.posts`).
    """
    t = problem.teachers
    movable = np.flatnonzero(elig["status"].isin(["mandatory", "eligible"]).to_numpy())
    needs = problem.needs if posts is None else posts
    needs = needs[needs["count"] > 0]
    t_subj = t["subject"].to_numpy()[movable]
    n_pos = needs["school_id"].map(problem.school_index).to_numpy(dtype=np.int64)
    codes, _ = pd.factorize(np.r_[t_subj, needs["subject"].to_numpy()])
    t_code, n_code = codes[: len(movable)], codes[len(movable):]
    # teacher × need of the same subject, one subject at a time: a 100,000-teacher metro has 17 million such
    # pairs, so each subject's are filtered (same school, unreachable, then every prune: each decides a row on
    # that row alone) before the next subject's are made — a few hundred thousand rows at a time
    kept = []
    subj_col = pd.Series(t["subject"].to_numpy()).astype("str")  # the string dtype a table of pairs infers
    for code in np.unique(n_code):
        tk, nk = movable[t_code == code], n_pos[n_code == code]
        tp, sp_ = np.repeat(tk, len(nk)), np.tile(nk, len(tk))
        from_s = problem.teacher_school_pos[tp]
        km = problem.commute_km(tp, sp_, within)
        ok = (from_s != sp_) & np.isfinite(km)
        tp, sp_, from_s, km = tp[ok], sp_[ok], from_s[ok], km[ok]
        # the subject column by a take on a string column (no per-row conversion)
        subject = subj_col.take(tp).reset_index(drop=True)
        part = pd.DataFrame({"t": tp, "subject": subject, "s": sp_, "from_s": from_s, "km": km})
        for fn in prune_fns:
            if not len(part):
                break
            part = part[np.asarray(fn(part), dtype=bool)].reset_index(drop=True)
        kept.append(part)
    if kept:
        pairs = pd.concat(kept, ignore_index=True)
    else:
        pairs = pd.DataFrame({"t": np.zeros(0, dtype=np.int64), "subject": subj_col.iloc[:0].to_numpy(),
                              "s": np.zeros(0, dtype=np.int64), "from_s": np.zeros(0, dtype=np.int64),
                              "km": np.zeros(0)})
    # by teacher, then school
    order = np.lexsort((pairs["s"].to_numpy(), pairs["t"].to_numpy()))
    pairs = pairs.iloc[order].reset_index(drop=True)
    tp = pairs["t"].to_numpy()
    pairs["dkm"] = to_units_km(pairs["km"].to_numpy())
    pairs["backbone"] = t["backbone"].to_numpy(dtype=bool)[tp]
    pairs["leader"] = (t["role"].to_numpy() != "teacher")[tp]
    pairs["status"] = elig["status"].to_numpy()[tp]
    return pairs
