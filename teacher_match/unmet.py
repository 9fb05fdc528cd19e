"""Why needs stay unfilled: per need, the rule that blocks it, in that rule's own words.

A plan can be OPTIMAL and still leave every need unfilled (one rule costs them all). :func:`unmet_needs`
names, per unfilled need, the rule that blocks it, in that rule's own words:

* teachers of the subject can reach the school but stay: the rule that keeps most of them home, read off the
  plan by the rules' stay reasons (the ladder of :mod:`teacher_match.reasons`);
* none can reach it: the rule whose ``prune`` removes most of the pairs (commute cap, flows, protected
  subjects …), in its ``pair_words``;
* nobody who teaches the subject may rotate at all: eligibility.

:func:`teacher_match.what_if.what_would_fill` then tries the parameters of those rules one at a time (the
nearest value that fills more needs, and the value that fills the most, along each direction of each
parameter), re-solving the whole instance for each value and checking each plan with the independent checker;
the changes that fill the most come first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .model.build import candidate_pairs
from .rules import RULES, RULES_BY_ID, post_exchange
from .rules.contract import Facts, PlanState, PruneData

if TYPE_CHECKING:
    from .plan import Plan

__all__ = ["unmet_needs", "UNMET_COLUMNS", "OBJECTIVE", "ELIGIBILITY"]

UNMET_COLUMNS = ["school_id", "subject", "unmet", "rule", "teachers", "sentence"]

#: the blocker when no rule keeps the teachers home: the objective prefers another plan
OBJECTIVE = "objective"
#: the blocker when nobody who teaches the subject may rotate
ELIGIBILITY = "eligibility"


def _stay_ladder(state: PlanState) -> list[tuple[str, Any]]:
    """``(rule_id, test)`` of every stay reason, in the order of :func:`teacher_match.reasons.stay_tests`."""
    found = [(test.stage, k, j, m.RULE_ID, test.test) for k, m in enumerate(RULES)
             for j, test in enumerate(m.stays(state, state.policy.rule(m.RULE_ID)))]
    return [(rid, fn) for *_, rid, fn in sorted(found, key=lambda x: x[:3])]


def unmet_needs(ctx: Any, plan: Plan) -> pd.DataFrame:
    """One row per need the plan leaves (partly) unfilled: the rule that blocks it, in that rule's words.

    Parameters
    ----------
    ctx
        The formulation the plan was solved from (:func:`teacher_match.build_model`).
    plan : Plan
        A plan (OPTIMAL or FEASIBLE) of that formulation.

    Returns
    -------
    DataFrame
        ``school_id, subject, unmet, rule, teachers, sentence``: ``teachers`` counts the movable teachers of
        the subject who could be placed there and stay; ``rule`` is a rule id, ``eligibility`` (nobody who
        teaches the subject may rotate) or ``objective`` (no rule keeps them: the plan's costs do).
    """
    needs = plan.needs[plan.needs["unmet"] > 0]
    if not len(needs) or not plan.has_plan:
        return pd.DataFrame(columns=UNMET_COLUMNS)
    problem = ctx.problem
    a = plan.assignments
    to_pos = a["to_school_id"].map(problem.school_index).fillna(-1).to_numpy(dtype=np.int64)
    state = PlanState.of(problem, ctx.policy, ctx.elig["status"].to_numpy(), ctx.teacher_pairs, to_pos,
                         ctx.sending, ctx.receiving)
    ladder = _stay_ladder(state)
    subj = state.subj
    movable = np.isin(state.status, ["mandatory", "eligible"])
    # the staying movable teachers with a candidate pair to a school with an unfilled need of their subject,
    # found with whole-array operations (a city has millions of candidate pairs)
    pairs = ctx.teacher_pairs
    reach: dict[tuple[int, str], list[int]] = {}
    if len(pairs):
        pt, ps = pairs["t"].to_numpy(), pairs["s"].to_numpy()
        open_ = pd.MultiIndex.from_arrays([needs["school_id"].map(problem.school_index).to_numpy(),
                                           needs["subject"].astype(str).to_numpy()])
        keep = (movable[pt] & ~state.moved[pt]
                & pd.MultiIndex.from_arrays([ps, subj[pt].astype(str)]).isin(open_))
        for (j, u), g in pd.DataFrame({"s": ps[keep], "u": subj[pt[keep]].astype(str),
                                       "t": pt[keep]}).groupby(["s", "u"], sort=False)["t"]:
            reach[(int(j), str(u))] = sorted(set(g.tolist()))
    why: dict[int, tuple[str, str]] = {}

    def blocker(t: int) -> tuple[str, str]:
        if t not in why:
            why[t] = next(((rid, w) for rid, fn in ladder if (w := fn(t)) is not None),
                          (OBJECTIVE, "the optimal plan leaves them in place (moving them would not lower "
                                      "the plan's cost)"))
        return why[t]

    pruned = None
    rows = []
    for school, subject, unmet in needs[["school_id", "subject", "unmet"]].itertuples(index=False):
        j = problem.school_index[school]
        ts = reach.get((j, str(subject)), [])
        if ts:
            found = [blocker(t) for t in ts]
            counts = pd.Series([r for r, _ in found]).value_counts(sort=False)
            rid = str(counts.idxmax())
            sentence = next(w for r, w in found if r == rid)
            n = int(counts[rid])
            whom = f"for {n} of them" if n < len(ts) else "each"
            text = (f"{len(ts)} movable {subject} teacher{'s' if len(ts) != 1 else ''} could go there and "
                    f"stay{'s' if len(ts) == 1 else ''}; {whom}: {sentence}")
            rows.append((school, subject, int(unmet), rid, len(ts), text))
            continue
        if not (movable & (subj == subject)).any():
            rows.append((school, subject, int(unmet), ELIGIBILITY, 0,
                         f"no {subject} teacher on the roster may rotate under the eligibility rules"))
            continue
        if pruned is None:
            pruned = _pruned_pairs(ctx)
        rid, sentence = _pair_blocker(ctx, pruned, j, str(subject))
        rows.append((school, subject, int(unmet), rid, 0, sentence))
    return pd.DataFrame(rows, columns=UNMET_COLUMNS)


def _pruned_pairs(ctx: Any) -> tuple[pd.DataFrame, dict[str, np.ndarray], Facts]:
    """The pairs before pruning, each rule's keep mask on them, and the facts the rules' words read.

    The pairs are every (movable teacher, school with a need of their subject); all three are built once.
    """
    exchange = ctx.policy.rule(post_exchange.RULE_ID)
    status = ctx.elig["status"].to_numpy()
    posts = (post_exchange.posts(ctx.problem, status, ctx.sending, ctx.receiving, exchange)
             if exchange.post_exchange else None)
    raw = candidate_pairs(ctx.problem, ctx.elig, [], posts=posts)
    data = PruneData(problem=ctx.problem, sending=ctx.sending, receiving=ctx.receiving)
    keep = {m.RULE_ID: np.asarray(m.prune(raw, rule=ctx.policy.rule(m.RULE_ID), data=data), dtype=bool)
            for m in RULES if m.prune is not None} if len(raw) else {}
    return raw, keep, Facts(ctx)


def _pair_blocker(ctx: Any, pruned: tuple[pd.DataFrame, dict[str, np.ndarray], Facts], j: int,
                  subject: str) -> tuple[str, str]:
    """The rule that removes most of the pairs into school ``j`` for ``subject``, in its ``pair_words``."""
    raw, keep, facts = pruned
    if not len(raw):
        return "reach", f"no movable {subject} teacher can be placed there"
    subj = ctx.problem.teachers["subject"].to_numpy()
    at = np.flatnonzero((raw["s"].to_numpy() == j) & (subj[raw["t"].to_numpy()] == subject))
    if not len(at):
        return "reach", f"no movable {subject} teacher can be placed there (no school sends one within reach)"
    removed = {rid: int((~mask[at]).sum()) for rid, mask in keep.items() if (~mask[at]).any()}
    if not removed:
        return "reach", f"no movable {subject} teacher can be placed there"
    rid = max(removed, key=lambda r: removed[r])
    mod = RULES_BY_ID[rid]
    first = int(at[np.flatnonzero(~keep[rid][at])[0]])
    t, s = int(raw["t"].iat[first]), int(raw["s"].iat[first])
    words = ""
    if mod.pair_words is not None:
        km = float(raw["km"].iat[first]) if "km" in raw.columns else float("nan")
        try:
            words = mod.pair_words(facts, ctx.policy.rule(rid), t, s, km)
        except Exception:  # noqa: BLE001 - the words are a courtesy; the count below is the finding
            words = ""
    n = removed[rid]
    return rid, (f"{mod.TITLE} rules out {n} of the {len(at)} pairs of a movable {subject} teacher and this "
                 f"school{': ' + words if words else ''}")
