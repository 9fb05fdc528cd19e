"""Hard rule (optional): a stable rotation — no teacher justly envies another's destination.

With ``stable = true`` (policy ``[rules]``, ``tm.solve(..., stable=True)``, ``--stable``) the wishes (志愿,
``preferences``) and the policy's ordering principles (``priority_keys``, :mod:`.priority`) bind: no teacher
may be denied a school they wish for while a teacher *after* them in the order takes a post of their
subject there.

Outcomes a teacher ranks. ``r_t(s)`` is the position of school ``s`` in teacher t's wishes (0 = first; an
unlisted school ranks after every listed one). Staying ranks as the home school: its position when t lists
it, else with the unlisted schools — a teacher who lists schools would rather go to any of them than stay
(``stable_scope = "all"``, the default). With ``stable_scope = "rotated"`` staying ranks first: only a
teacher who rotates can envy, so the order decides who gets which wished-for school among those sent, not
who is sent (the rules and the objective decide that, as without stability).

Who may envy. A teacher ``t`` with wishes and a candidate pair ``(t, s)`` (movable, ``s`` needs t's
subject, allowed by every rule that forbids pairs: flows, commute cap, protected subjects …). Seats are
posts of a subject, so t competes only with teachers ``t'`` of the same subject sent to ``s``. ``t'`` is
*after* t when ``rank(t') > rank(t)`` under the ordering principles (:func:`.priority.ranks`); equal ranks
give no claim (the policy does not order them), and a policy without ``priority_keys`` makes this rule
bind nothing.

The constraint, for every wish pair ``(t, s)`` with ``r = r_t(s)``:

    Z[s, j, > ρ(t)] ≤ G[t, s]

    G[t, s] = Σ_{s' : r_t(s') ≤ r} x[t, s']                         if r_t(home) > r
            = 1 − Σ_{s' : r_t(s') > r} x[t, s']                     if r_t(home) ≤ r or scope = rotated

    Z[s, j, > ρ] ≥ x[t', s] / ub   for every candidate (t', s) of subject j with ρ(t') > ρ

``G[t, s] = 1`` exactly when t ends at s or somewhere t likes at least as well (staying included);
``Z`` is 1 when a teacher after t takes a post of t's subject at s. ``Z`` is a chain of Booleans per
(school, subject) over the distinct ranks present, ``Z_ℓ ≥ Z_ℓ'`` for ``ℓ < ℓ'`` and
``Σ_{ρ(t') = ℓ} x[t', s] ≤ ub_ℓ · Z_ℓ``: one Boolean and two constraints per rank level instead of one
constraint per pair of teachers.

Staying and the other rules. With scope ``all`` a teacher the other hard rules keep home (a school that
must keep a teacher of the subject, an outflow cap, a backbone share) still has a claim: a school they wish
for then stays short rather than take a teacher after them — no envy, at the price of unfilled needs (see the
benchmark). Scope ``rotated`` never asks a stayer's claim.

What it does not require. A free seat (an unfilled need at a school t wishes for) is no envy here: sending
t there would leave t's present destination (or staff at home) short, which the objective prices
(``unmet_need``); the diversion (:mod:`teacher_match.diversion`), whose options have fixed seats and a fixed
fallback, requires it. The price of stability on the synthetic county is in
``benchmarks/results/stability.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..params import param
from . import priority
from .contract import CheckData, Facts, Key, PlanState, PruneData, StayTest, Usage, Violation, key
from .preferences import rank

RULE_ID = "stability"
SECTION = "rules"
#: place in the registry: build order, and the order of equal-stage stay reasons and schools-table columns
ORDER = 135
TITLE = "stable rotation (no justified envy)"
TITLE_ZH = "稳定匹配（无正当嫉妒）"
assignment_words = None
shortfalls = None
TERMS: dict[str, tuple[int, str]] = {}
term_values = None
prune = None
pair_words = None
teacher_words = None


@dataclass(frozen=True)
class Stability:
    """Stable rotation (policy section ``[rules]``)."""

    stable: bool = param(False, "bool", "no teacher is denied a wished-for school that a teacher after them "
                                        "in the order (priority_keys) takes in their subject")
    stable_scope: str = param("all", "choice", "who may claim a wished-for school under stable = true: every "
                                               "movable teacher (all), or only those who rotate (rotated)",
                              choices=("all", "rotated"))


#: the rule's parameters (a policy section's keys)
PARAMS = Stability


def _wish_lists(teachers: pd.DataFrame) -> list[list[str]]:
    if "preferences" not in teachers.columns:
        return [[] for _ in range(len(teachers))]
    return [[x for x in p.split(";") if x] if isinstance(p, str) else [] for p in teachers["preferences"]]


def class_key(teachers, schools, rule: Stability) -> list:
    """Nothing beyond the base key.

    Teachers with wishes are classes of one, and the priority rule keys the others by their rank (the chains
    sum whole classes of one rank).
    """
    return []


def build(ctx: Any, rule: Stability) -> None:
    """The chains ``Z`` per (school, subject) and one ``Z ≤ G`` per wish pair (module docstring)."""
    if not rule.stable or not len(ctx.model_pairs):
        return
    keys = ctx.policy.rule(priority.RULE_ID).priority_keys
    if not keys:
        return
    t = ctx.teachers
    pr = priority.ranks(t, ctx.schools, keys)
    wishes = _wish_lists(t)
    mp = ctx.model_pairs
    rows_t, rows_s = mp["t"].to_numpy(), mp["s"].to_numpy()
    sid = ctx.schools["school_id"].astype(str).to_numpy()
    tid = t["teacher_id"].astype(str).to_numpy()
    home = t["school_pos"].to_numpy()
    single = mp["n"].to_numpy() == 1
    # rows of each teacher with wishes (a class of one: its row is the teacher's)
    by_t: dict[int, list[int]] = {}
    for i, r in enumerate(rows_t):
        if single[i] and wishes[r]:
            by_t.setdefault(int(r), []).append(i)
    for (s, subj), rows in ctx.groups("s", "subject").items():
        rows = np.asarray(rows)
        enviers = [(int(rows_t[i]), i) for i in rows if int(rows_t[i]) in by_t
                   and sid[s] in wishes[rows_t[i]]]
        if not enviers:
            continue
        rho = pr[rows_t[rows]]
        levels = np.unique(rho)  # ascending
        lowest = min(pr[t_] for t_, _ in enviers)
        need = levels[levels > lowest]
        if not len(need):
            continue
        z: dict[int, Any] = {}
        prev = None
        for lev in need[::-1]:  # from the last in the order up
            zl = ctx.model.new_bool_var(f"z[{sid[s]},{subj},{lev}]")
            at = rows[rho == lev]
            ctx.add(RULE_ID, key("chain", school=sid[s], subject=subj, rank=int(lev)),
                    ctx.xsum(at) <= ctx.max_flow(at) * zl)
            if prev is not None:
                ctx.add(RULE_ID, key("chain", school=sid[s], subject=subj, rank=int(lev), next=1), zl >= prev)
            z[int(lev)] = zl
            prev = zl
        for t_, _ in enviers:
            above = need[need > pr[t_]]
            if not len(above):
                continue
            zt = z[int(above[0])]
            own = np.asarray(by_t[t_])
            r = rank(";".join(wishes[t_]), sid[s])
            r_of = np.array([rank(";".join(wishes[t_]), sid[x]) for x in rows_s[own]])
            r_home = rank(";".join(wishes[t_]), sid[home[t_]])
            stay_ok = r_home <= r or rule.stable_scope == "rotated"
            g = 1 - ctx.xsum(own[r_of > r]) if stay_ok else ctx.xsum(own[r_of <= r])
            ctx.add(RULE_ID, key(teacher=tid[t_], school=sid[s], subject=subj), zt <= g)


def candidate(chk: CheckData, t_pos: np.ndarray, s_pos: np.ndarray) -> np.ndarray:
    """Whether each (teacher, school) pair could be planned: movable, a need of the subject, no rule forbids.

    Recomputed from the tables and the rules' ``prune`` (pandas only), as the candidate pairs are built.
    """
    from . import RULES, flows

    p = chk.problem
    t = chk.teachers
    if not len(t_pos):
        return np.zeros(0, dtype=bool)
    movable = t["status"].isin(["mandatory", "eligible"]).to_numpy()[t_pos]
    subj = t["subject"].astype(str).to_numpy()[t_pos]
    sid = p.schools["school_id"].astype(str).to_numpy()
    need = {(str(a), str(b)): int(c) for a, b, c in p.needs[["school_id", "subject", "count"]]
            .itertuples(index=False)}
    has_need = np.array([need.get((sid[s], j), 0) > 0 for s, j in zip(s_pos, subj, strict=True)])
    from_s = p.teacher_school_pos[t_pos]
    km = p.commute_km(t_pos, s_pos)
    ok = movable & has_need & (from_s != s_pos) & np.isfinite(km)
    pairs = pd.DataFrame({"t": t_pos, "subject": subj, "s": s_pos, "from_s": from_s, "km": km})
    fl = chk.policy.rule(flows.RULE_ID)
    data = PruneData(problem=p, sending=flows.selects(p.schools, fl.from_), receiving=flows.selects(p.schools,
                                                                                                     fl.to))
    for m in RULES:
        if m.prune is not None and ok.any():
            ok &= np.asarray(m.prune(pairs, rule=chk.policy.rule(m.RULE_ID), data=data), dtype=bool)
    return ok


def check(chk: CheckData, rule: Stability) -> list[Violation]:
    """No justified envy: for each wish (t, s) above t's outcome, no one after t took t's subject at s."""
    if not rule.stable:
        return []
    keys = chk.policy.rule(priority.RULE_ID).priority_keys
    if not keys:
        return []
    t = chk.teachers
    p = chk.problem
    pr = priority.ranks(t, p.schools, keys)
    wishes = _wish_lists(t)
    tid = t["teacher_id"].astype(str).to_numpy()
    home = t["school_id"].astype(str).to_numpy()
    subj = t["subject"].astype(str).to_numpy()
    to = t["to_school_id"].where(t["moves"], None).to_numpy()
    # the latest-ranked teacher each (school, subject) took
    taken: dict = {}
    for m in np.flatnonzero(t["moves"].to_numpy()).tolist():
        k = (str(to[m]), subj[m])
        if k not in taken or pr[m] > pr[taken[k]]:
            taken[k] = m
    tt: list[int] = []
    ss: list[int] = []
    ii: list[int] = []
    for i, w in enumerate(wishes):
        if not w or (rule.stable_scope == "rotated" and not t["moves"].iat[i]):
            continue
        out_rank = rank(";".join(w), str(to[i]) if t["moves"].iat[i] else home[i])
        for wish in w[:out_rank]:
            j = taken.get((wish, subj[i]))
            if j is not None and pr[j] > pr[i] and wish in p.school_index:
                tt.append(i)
                ss.append(p.school_index[wish])
                ii.append(int(j))
    if not tt:
        return []
    ok = candidate(chk, np.asarray(tt, dtype=np.int64), np.asarray(ss, dtype=np.int64))
    out = []
    sid = p.schools["school_id"].astype(str).to_numpy()
    for a, b, j, c in zip(tt, ss, ii, ok, strict=True):
        if c:
            out.append((RULE_ID, key(teacher=tid[a], school=sid[b], subject=subj[a]),
                        f"justified envy: {tid[a]} wishes for {sid[b]} over their outcome, and {sid[b]} took "
                        f"{tid[j]} ({subj[a]}), after {tid[a]} in the order"))
    return out


# ---------------------------------------------------------------------- words
def binding_words(f: Facts, rule: Stability, k: Key, usage: Usage | None) -> tuple[str, str]:
    """A wish pair: who may not be passed over at a school; a chain link: its bookkeeping."""
    if "chain" in k:
        return (f"{k.get('school')} counts whether a {k.get('subject')} teacher ranked after {k.get('rank')} "
                f"in the order is sent there", f"{k.get('school')} 记录排序在 {k.get('rank')} 之后的"
                f"{k.get('subject')}教师是否派入")
    who, sch, subj = k.get("teacher"), k.get("school"), k.get("subject")
    return (f"{who} wishes for {sch}: no {subj} teacher after {who} in the order may go there unless {who} "
            f"gets {sch} or a school {who} likes better (stable rotation)",
            f"{who} 志愿 {sch}：除非 {who} 去 {sch} 或更靠前的志愿，排序在其后的{subj}教师不得派往 {sch}"
            f"（稳定匹配）")


def stays(state: PlanState, rule: Stability) -> list[StayTest]:
    """No reason of its own to stay: a teacher it holds back is named by the binding instance."""
    return []


def school_columns(state: PlanState, rule: Stability) -> dict[str, Any]:
    """No schools-table column."""
    return {}
