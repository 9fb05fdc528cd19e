"""Rule instances and pruned pairs in words, read from the rules themselves.

Every rule module says how its binding instances read (``binding_words``) and why it rules a pair out
(``pair_words``, ``teacher_words``); this module only loops over the registry. A ledger entry of a rule the
registry does not know (or whose data is missing) gets a generic sentence read off the constraint itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from .model.build import prune_data
from .model.context import LedgerEntry
from .rules import RULES, RULES_BY_ID
from .rules.contract import Facts, Usage
from .vocabulary import zh_subject

__all__ = ["RULE_ZH", "describe_entry", "generic_sentence", "pruned_reasons"]

#: Chinese titles of the rules, for the Chinese sentences
RULE_ZH = {m.RULE_ID: m.TITLE_ZH for m in RULES}


def describe_entry(ctx: Any, entry: LedgerEntry, usage: Usage | None = None, facts: Facts | None = None,
                   model: cp_model.CpModel | None = None) -> tuple[str, str]:
    """English and Chinese sentence for one ledger entry (with the plan's usage when given).

    Parameters
    ----------
    ctx : Context
        The formulation the entry belongs to.
    entry : LedgerEntry
    usage : Usage, optional
        The plan's destinations, for sentences about what a plan already uses ("already sends its cap").
    facts : Facts, optional
        Counts of the formulation, when the caller has them already.
    model : CpModel, optional
        The model holding the constraint (a clone of ``ctx.model``); default ``ctx.model``.
    """
    mod = RULES_BY_ID.get(entry.rule)
    if mod is not None and entry.rule in ctx.policy.rules:
        try:
            return mod.binding_words(facts or Facts(ctx), ctx.policy.rule(entry.rule), entry.parsed, usage)
        except (KeyError, IndexError, TypeError, ValueError):
            pass  # data the words expect is missing: the generic sentence below still says what binds
    return generic_sentence(model or ctx.model, entry)


def generic_sentence(model: cp_model.CpModel, entry: LedgerEntry) -> tuple[str, str]:
    """A sentence read off the constraint itself: how many decisions it sums and its bounds."""
    ct = model.proto.constraints[entry.index]
    zh_rule = RULE_ZH.get(entry.rule, entry.rule)
    if ct.has_linear():
        lin = ct.linear
        dom = list(lin.domain)
        lo, hi = dom[0], dom[-1]
        bound = (f"≥ {lo}" if hi >= cp_model.INT_MAX else f"≤ {hi}" if lo <= cp_model.INT_MIN
                 else f"between {lo} and {hi}")
        return (f"rule {entry.rule} at {entry.key}: a weighted count over {len(lin.vars)} decision(s) must "
                f"be {bound}",
                f"规则「{zh_rule}」（{entry.key}）：{len(lin.vars)} 个决策的加权和须 "
                f"{bound.replace('between', '介于')}")
    return (f"rule {entry.rule} at {entry.key}", f"规则「{zh_rule}」（{entry.key}）")


def pruned_reasons(ctx: Any, f: Facts, i: int) -> tuple[str, str, list[str]]:
    """For a movable teacher without any candidate pair: which rule removed each school needing the subject.

    Returns the reason (English, Chinese) and one detail line per ruled-out school. When one rule alone
    rules out every school needing the subject, that rule says why; otherwise the details are joined.
    """
    problem = ctx.problem
    subj = f.subj[i]
    needs = problem.needs[(problem.needs["subject"].astype(str) == subj) & (problem.needs["count"] > 0)]
    if needs.empty:
        return (f"no school declares a need for {subj}", f"没有学校申报{zh_subject(subj)}学科需求", [])
    s_pos = needs["school_id"].astype(str).map(f.s_index).to_numpy()
    s_pos = s_pos[s_pos != f.pos[i]]
    if not len(s_pos):
        return (f"the only school needing {subj} is the teacher's own",
                f"唯一有{zh_subject(subj)}需求的是本校", [])
    pairs = pd.DataFrame({"t": np.full(len(s_pos), i), "s": s_pos, "subject": subj,
                          "from_s": np.full(len(s_pos), f.pos[i])})
    pairs["km"] = problem.commute_km(pairs["t"].to_numpy(), pairs["s"].to_numpy())
    data = prune_data(problem, ctx.policy)
    km = pairs["km"].to_numpy()
    schools = pairs["s"].to_numpy()
    details: list[str] = []
    alone = []
    for m in RULES:
        if m.prune is None or m.pair_words is None or m.teacher_words is None:
            continue
        rule = ctx.policy.rule(m.RULE_ID)
        removed = ~np.asarray(m.prune(pairs, rule=rule, data=data), dtype=bool)
        details += [m.pair_words(f, rule, i, int(s), float(d)) for s, d in zip(schools[removed], km[removed],
                                                                                 strict=True)]
        if removed.all():
            alone.append(m.teacher_words(f, rule, i, km))
    if alone:
        en, zh = alone[0]
        return en, zh, details
    return ("no school needing " + subj + " is open to this teacher: " + "; ".join(details),
            f"没有可去的{zh_subject(subj)}需求学校", details)
