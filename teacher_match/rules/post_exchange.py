"""Hard rule: rotation is an exchange of posts (岗位交流), not only shortage filling (off unless switched on).

With ``post_exchange = true`` a movable teacher may also go to a receiving school that declares no need in
their subject, when that school sends teachers itself: the posts its own teachers leave are the posts it
offers. Balanced by subject (``post_exchange_by_subject = true``, the default), for each school s and
subject j,

    Σ_{t : subject(t) = j} x[t, s]  ≤  need[s, j] + Σ_{t ∈ s, subject(t) = j} Σ_{s'} x[t, s']     (capacity)

and, not balanced by subject, each need stays a need of its subject and the posts received beyond the needs,
of any subject, are at most the teachers the school sends (its capacity summed over the subjects):

    Σ_j max(0, Σ_{t : subject(t) = j} x[t, s] − need[s, j])  ≤  Σ_{t ∈ s} Σ_{s'} x[t, s']
    linear: beyond[s, j] ≥ Σ_{t : subject(t) = j} x[t, s] − need[s, j],  beyond[s, j] ≥ 0,
            Σ_j beyond[s, j] ≤ Σ_{t ∈ s} Σ_{s'} x[t, s']

No school is left short. A school's staff after the plan (of each subject, when balanced by subject) is at
least its staff before minus its declared surplus:

    staff[a, j] − sent[a, j] + received[a, j]  ≥  staff[a, j] − surplus[a, j]                 (no shortage)

``surplus[a, j] = 0`` — so ``sent[a, j] ≤ received[a, j]`` — where the school declares none: when the schools
table has the column ``overstaffed`` [超编], in every subject of a school not marked overstaffed; without it,
in every subject the school declares a need of (it is short of that subject already). Elsewhere the surplus
is what the outflow rules let the school send. Not balanced by subject, the same for the school's whole staff:
``sent[a] ≤ received[a]`` for a school that is not overstaffed
(:func:`teacher_match.rules.quotas.overstaffed`: the column, else a school that declares a need).
So a school short of a subject ends with between its teachers of that subject before and those plus its need.

The capacity replaces the cap of :mod:`teacher_match.rules.subject_needs` while this rule is on (that rule
then prices only the unfilled part of each need, ``max(0, need − received)``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..params import param
from ..vocabulary import count_of, zh_subject
from . import quotas
from .contract import CheckData, Facts, Key, PlanState, Stage, StayTest, Usage, Violation, key

RULE_ID = "post_exchange"
SECTION = "rules"
#: place in the registry: build order, and the order of equal-stage stay reasons and schools-table columns
ORDER = 35
TITLE = "exchange of posts"
TITLE_ZH = "岗位交流"
assignment_words = None
prune = None
pair_words = None
teacher_words = None
shortfalls = None
TERMS: dict[str, tuple[int, str]] = {}
term_values = None


@dataclass(frozen=True)
class PostExchange:
    """Exchange of posts (policy section ``[rules]``)."""

    post_exchange: bool = param(
        False, "bool", "rotation is an exchange of posts (岗位交流): a school may receive its declared needs "
        "plus as many teachers as it sends, so mandatory teachers rotate where no shortage exists")
    post_exchange_by_subject: bool = param(
        True, "bool", "the exchanged posts are balanced per subject (a math post for a math post); false: "
        "summed over the subjects")


#: the rule's parameters (a policy section's keys)
PARAMS = PostExchange

_MOVABLE = ("mandatory", "eligible")


def active(policy: Any) -> bool:
    """Whether a policy turns the exchange of posts on (read by the needs cap and the candidate pairs)."""
    return bool(policy.rule(RULE_ID).post_exchange)


# ---------------------------------------------------------------------- candidates
def posts(problem: Any, status: np.ndarray, sending: np.ndarray, receiving: np.ndarray,
          rule: PostExchange) -> pd.DataFrame:
    """The posts a movable teacher may be sent to: every declared need, and every post a school can open.

    A school opens posts in subject j when it both sends and receives and has movable teachers of j (of any
    subject when not balanced by subject). Returned like the needs table (``school_id, subject, count``),
    ``count`` being the declared need plus the movable teachers the school could send in that subject —
    the most it can ever receive there. Pairs are then made only to these posts, and
    :func:`settle` drops the posts of schools none of whose teachers has a pair left.
    """
    needs = problem.needs[problem.needs["count"] > 0][["school_id", "subject", "count"]]
    t = problem.teachers
    pos = problem.teacher_school_pos
    movable = np.isin(status, _MOVABLE) & sending[pos] & receiving[pos]
    sid = problem.schools["school_id"].to_numpy()
    if rule.post_exchange_by_subject:
        mov = pd.DataFrame({"school_id": sid[pos[movable]], "subject": t["subject"].to_numpy()[movable]})
        opened = mov.groupby(["school_id", "subject"], sort=True).size().rename("count").reset_index()
    else:
        # any movable teacher opens a post of every subject some movable teacher teaches
        per_school = pd.Series(sid[pos[movable]]).value_counts().sort_index()
        subjects = np.unique(t["subject"].to_numpy()[np.isin(status, _MOVABLE)].astype(str))
        opened = pd.DataFrame({"school_id": np.repeat(per_school.index.to_numpy(), len(subjects)),
                               "subject": np.tile(subjects, len(per_school)),
                               "count": np.repeat(per_school.to_numpy(), len(subjects))})
    both = pd.concat([needs, opened], ignore_index=True)
    both["subject"] = both["subject"].astype(str)
    out = both.groupby(["school_id", "subject"], sort=True)["count"].sum().reset_index()
    return out[out["count"] > 0].reset_index(drop=True)


def _need_codes(needs: pd.DataFrame, school_index: dict, subjects: pd.Index) -> np.ndarray:
    """Codes ``s · #subjects + j`` of the declared needs (count > 0)."""
    n = needs[needs["count"] > 0]
    s = n["school_id"].map(school_index).to_numpy(dtype=np.int64)
    j = subjects.get_indexer(n["subject"].astype(str))
    return s[j >= 0] * len(subjects) + j[j >= 0]


def settle(pairs: pd.DataFrame, needs: pd.DataFrame, school_index: dict, rule: PostExchange) -> pd.DataFrame:
    """Drop pairs to an opened post (no declared need) at a school none of whose teachers can be sent.

    A school opens posts only by sending; when every pair of its teachers (of the subject, when balanced by
    subject) was pruned (commute cap, protected subjects …), it can open none. Dropping those pairs can leave
    another school without pairs, so this repeats until nothing changes (a fixed point; a few rounds).
    """
    if not len(pairs):
        return pairs
    subjects = pd.Index(sorted(set(pairs["subject"].astype(str))))
    need_code = _need_codes(needs, school_index, subjects)
    j = subjects.get_indexer(pairs["subject"].astype(str))
    s, a = pairs["s"].to_numpy(np.int64), pairs["from_s"].to_numpy(np.int64)
    k = len(subjects)
    opened_only = ~np.isin(s * k + j, need_code)
    keep = np.ones(len(pairs), dtype=bool)
    while True:
        # who can still send: (school, subject), or the school alone when not balanced by subject
        if rule.post_exchange_by_subject:
            can = np.isin(s * k + j, np.unique(a[keep] * k + j[keep]))
        else:
            can = np.isin(s, np.unique(a[keep]))
        drop = keep & opened_only & ~can
        if not drop.any():
            break
        keep &= ~drop
    return pairs if keep.all() else pairs[keep].reset_index(drop=True)


def room(rows: pd.DataFrame, pairs: pd.DataFrame, needs: pd.DataFrame, school_index: dict,
         rule: PostExchange) -> np.ndarray:
    """For each row ``(s, subject)``: the most teachers of that subject school s can receive in any plan.

    ``need[s, j] + m[s, j]`` where ``m[s, j]`` counts the distinct teachers of subject j at s with a candidate
    pair (the most s can send); not balanced by subject, ``need[s, j] + m[s]``. It bounds the integer
    variable of an aggregated class and the destination flows of the flow reformulation.
    """
    s = rows["s"].to_numpy(np.int64)
    subj = rows["subject"].astype(str).to_numpy()
    n = needs[needs["count"] > 0].assign(s=lambda d: d["school_id"].map(school_index))
    p = pairs.drop_duplicates("t")
    if rule.post_exchange_by_subject:
        need = n.groupby(["s", n["subject"].astype(str)])["count"].sum()
        sent = p.groupby(["from_s", p["subject"].astype(str)]).size()
        idx = pd.MultiIndex.from_arrays([s, subj])
        return (need.reindex(idx).fillna(0).to_numpy(np.int64)
                + sent.reindex(idx).fillna(0).to_numpy(np.int64))
    need = n.groupby(["s", n["subject"].astype(str)])["count"].sum()
    sent_s = p.groupby("from_s").size()
    idx = pd.MultiIndex.from_arrays([s, subj])
    return need.reindex(idx).fillna(0).to_numpy(np.int64) + sent_s.reindex(s).fillna(0).to_numpy(np.int64)


def no_surplus(problem: Any, rule: PostExchange) -> Callable[[int, str], bool]:
    """``f(a, j)``: whether school position ``a`` declares no surplus of subject ``j`` (it may not lose any).

    With the schools column ``overstaffed`` [超编]: every subject of a school not marked overstaffed. Without
    it: the subjects a school declares a need of, or (not balanced by subject) every subject of a school that
    declares a need.
    """
    from ..eligibility import roster_column  # data layer helper, no solver import

    over = quotas.overstaffed(problem)
    s = problem.schools
    declared = roster_column(s, "overstaffed") is not None or "超编" in s.columns
    if not rule.post_exchange_by_subject or declared:
        return lambda a, j: not over[a]
    n = problem.needs
    short = {(problem.school_index[sid], str(j))
             for sid, j, c in n[["school_id", "subject", "count"]].itertuples(index=False) if c > 0}
    return lambda a, j: (a, j) in short


def class_key(teachers, schools, rule) -> list:
    """Nothing per teacher beyond the base class key (school, subject, backbone, role, status)."""
    return []


# ---------------------------------------------------------------------- formulation
def _need_map(problem: Any, by_subject: bool) -> dict:
    """Declared need per (school position, subject), or per school position when not by subject."""
    n = problem.needs
    out: dict = {}
    for sid, j, c in n[["school_id", "subject", "count"]].itertuples(index=False):
        k = (problem.school_index[sid], str(j)) if by_subject else problem.school_index[sid]
        out[k] = out.get(k, 0) + int(c)
    return out


def build(ctx: Any, rule: PostExchange) -> None:
    """The capacity of each school (and subject) that may receive beyond its need; no school left short."""
    if not rule.post_exchange or not len(ctx.model_pairs):
        return
    cols = ("subject",) if rule.post_exchange_by_subject else ()
    arrive = ctx.groups("s", *cols)
    leave = ctx.groups("from_s", *cols)
    need = _need_map(ctx.problem, rule.post_exchange_by_subject)
    empty = np.zeros(0, dtype=np.int64)

    def where(g: Any) -> dict[str, str]:
        return ({"school": ctx.school_id(g[0]), "subject": str(g[1])} if rule.post_exchange_by_subject
                else {"school": ctx.school_id(g)})

    if rule.post_exchange_by_subject:
        for g, rows in arrive.items():
            n = need.get((int(g[0]), str(g[1])), 0)
            # a school reached by no more teachers than its need can never receive beyond it
            if ctx.max_flow(rows) <= n:
                continue
            ctx.add(RULE_ID, key(**where(g)), ctx.xsum(rows) - ctx.xsum(leave.get(g, empty)) <= n)
    else:
        # each need is still a need of its subject; the posts received beyond the needs, of any subject,
        # beyond[s, j] ≥ received[s, j] − need[s, j], are at most the teachers the school sends
        need_j = _need_map(ctx.problem, True)
        beyond: dict[int, list] = {}
        for (s, j), rows in ctx.groups("s", "subject").items():
            n = need_j.get((int(s), str(j)), 0)
            top = ctx.max_flow(rows) - n
            if top <= 0:
                continue
            b = ctx.model.new_int_var(0, top, f"beyond[{ctx.school_id(s)},{j}]")
            ctx.add(RULE_ID, key("beyond", school=ctx.school_id(s), subject=str(j)), ctx.xsum(rows) - b <= n)
            beyond.setdefault(int(s), []).append(b)
        for s, bs in sorted(beyond.items()):
            ctx.add(RULE_ID, key(school=ctx.school_id(s)), sum(bs) - ctx.xsum(leave.get(s, empty)) <= 0)
    # a school that declares no surplus sends no more than it receives (of each subject when balanced)
    keeps = no_surplus(ctx.problem, rule)
    for g, rows in leave.items():
        a, j = (int(g[0]), str(g[1])) if rule.post_exchange_by_subject else (int(g), "")
        if not keeps(a, j):
            continue
        ctx.add(RULE_ID, key("short", **where(g)), ctx.xsum(rows) - ctx.xsum(arrive.get(g, empty)) <= 0)


# ---------------------------------------------------------------------- check
def balance(chk: CheckData, rule: PostExchange) -> pd.DataFrame:
    """Per school (and subject): ``need``, ``received``, ``sent``, ``beyond`` recounted from the plan.

    ``beyond`` counts the teachers received beyond the declared needs (``Σ_j max(0, received − need)``); with
    pandas only.
    """
    m = chk.moved.assign(subject=chk.moved["subject"].astype(str))
    n = chk.problem.needs.assign(subject=chk.problem.needs["subject"].astype(str))
    by = ["school_id", "subject"]
    need = n.groupby(by)["count"].sum()
    got = m.rename(columns={"school_id": "from_id", "to_school_id": "school_id"}).groupby(by).size()
    sent = m.groupby(by).size()
    frame = pd.DataFrame({"need": need, "received": got, "sent": sent}).fillna(0).astype(int)
    frame["beyond"] = (frame["received"] - frame["need"]).clip(lower=0)
    if not rule.post_exchange_by_subject:
        frame = frame.groupby(level="school_id").sum()
    return frame.sort_index()


def check(chk: CheckData, rule: PostExchange) -> list[Violation]:
    """Recount every school's capacity and its staff after the plan."""
    if not rule.post_exchange:
        return []
    out = []
    keeps = no_surplus(chk.problem, rule)
    idx = chk.problem.school_index
    for g, r in balance(chk, rule).iterrows():
        fields = ({"school": str(g[0]), "subject": str(g[1])} if rule.post_exchange_by_subject
                  else {"school": str(g)})
        sid = fields["school"]
        what = f"{fields['subject']} teachers" if rule.post_exchange_by_subject else "teachers"
        if r["beyond"] > r["sent"]:
            out.append((RULE_ID, key(**fields),
                        f"{sid} receives {r['received']} {what}, more than its need of {r['need']} plus the "
                        f"{r['sent']} it sends" if rule.post_exchange_by_subject else
                        f"{sid} receives {r['beyond']} teachers beyond its needs, more than the "
                        f"{r['sent']} it sends"))
        if sid in idx and keeps(idx[sid], fields.get("subject", "")) and r["sent"] > r["received"]:
            out.append((RULE_ID, key("short", **fields),
                        f"{sid} declares no surplus but sends {r['sent']} {what} and receives "
                        f"{r['received']}"))
    return out


# ---------------------------------------------------------------------- words
def binding_words(f: Facts, rule: PostExchange, k: Key, usage: Usage | None) -> tuple[str, str]:
    """A school's capacity (need plus the posts it sends), or a school without surplus keeping its staff."""
    sid = k.get("school")
    s = f.school(k)
    # balanced by subject every key names its subject; otherwise only the per-subject "beyond" rows do
    j = k.get("subject", "") if (rule.post_exchange_by_subject or "beyond" in k) else ""
    mask = (f.subj == j) if j and rule.post_exchange_by_subject else None
    noun_en = f"{j} teacher" if j else "teacher"
    noun_zh = f"{zh_subject(j)}教师" if j else "教师"
    need = f.need.get((s, j), 0) if j else sum(c for (sc, _), c in f.need.items() if sc == s)
    sent = usage.sent(f, s, mask) if usage is not None and s >= 0 else None
    got = len(usage.arrivals(f, s, j or None)) if usage is not None and s >= 0 else None
    tail_en = f"; the plan sends {sent} and it receives {got}" if usage is not None else ""
    tail_zh = f"；本方案派出 {sent} 名，接收 {got} 名" if usage is not None else ""
    if "short" in k:
        return (f"{sid} declares no surplus, so it sends no more {noun_en}s than it receives (it is not left "
                f"short){tail_en}",
                f"{sid} 无超编，派出{noun_zh}不多于接收（不因交流缺编）{tail_zh}")
    if "beyond" in k:
        return (f"{sid} receives at most its need of {count_of(need, noun_en)} plus posts it opens by "
                f"sending teachers of any subject{tail_en}",
                f"{sid} 接收{noun_zh}不超过缺编 {need} 名加上其派出（任何学科）腾出的岗位{tail_zh}")
    if not rule.post_exchange_by_subject:
        return (f"{sid} receives beyond its declared needs at most as many teachers as it sends (posts of "
                f"any subject){tail_en}",
                f"{sid} 超出缺编接收的教师不多于其派出的人数（不分学科）{tail_zh}")
    if usage is not None:
        return (f"{sid} receives at most its need of {count_of(need, noun_en)} plus the {sent} it sends, and "
                f"receives {got}",
                f"{sid} 接收{noun_zh}不超过缺编 {need} 名加上派出的 {sent} 名，本方案接收 {got} 名")
    movable = len(f.movers_from(s, mask)) if s >= 0 else 0
    n = len(f.reaching(s, j or None)) if s >= 0 else 0
    return (f"{sid} receives at most its need of {count_of(need, noun_en)} plus the {noun_en}s it sends "
            f"(up to {movable} can leave it; {n} can reach it)",
            f"{sid} 接收{noun_zh}不超过缺编 {need} 名加上本校派出的人数"
            f"（可派出 {movable} 名，可到该校的 {n} 名）")


def _received(state: PlanState) -> pd.Series:
    """Arrivals per (school position, subject) in a plan."""
    m = state.moved
    return pd.Series(list(zip(state.to_pos[m], state.subj[m].astype(str), strict=True)),
                     dtype=object).value_counts()


def stays(state: PlanState, rule: PostExchange) -> list[StayTest]:
    """A school that declares no surplus keeps its staff; every post within reach is taken."""
    if not rule.post_exchange:
        return []
    by = rule.post_exchange_by_subject
    keeps = no_surplus(state.problem, rule)
    k = len(state.sid)
    subj = state.subj.astype(str)
    recv_j = _received(state)
    sent_j = pd.Series(list(zip(state.pos[state.moved], subj[state.moved], strict=True)),
                       dtype=object).value_counts()
    recv = np.bincount(state.to_pos[state.moved], minlength=k)
    need_j = _need_map(state.problem, True)
    beyond = np.zeros(k, dtype=np.int64)
    for (s, j), c in recv_j.items():
        beyond[int(s)] += max(0, int(c) - need_j.get((int(s), str(j)), 0))

    def keeps_staff(t: int) -> str | None:
        a, j = state.pos[t], subj[t]
        sent, got = ((int(sent_j.get((a, j), 0)), int(recv_j.get((a, j), 0))) if by
                     else (int(state.sent[a]), int(recv[a])))
        if not keeps(a, j) or not state.sending[a] or sent < got:
            return None
        what = f"{j} teachers" if by else "teachers"
        return (f"{state.sid[a]} declares no surplus and receives no more {what}, so it sends no more "
                f"(it is not left short)")

    def open_post(s: int, j: str) -> bool:
        got, need = int(recv_j.get((s, j), 0)), need_j.get((s, j), 0)
        if by:
            return got < need + int(sent_j.get((s, j), 0))
        return got < need or int(beyond[s]) < int(state.sent[s])

    def posts_taken(t: int) -> str | None:
        dests = state.dests.get(t, [])
        if not dests or any(open_post(int(s), subj[t]) for s in dests):
            return None
        return (f"every post within reach is taken: each school receives its need plus as many "
                f"{subj[t] + ' ' if by else ''}teachers as it sends")

    return [StayTest(Stage.KEEP, keeps_staff), StayTest(Stage.FILLED, posts_taken)]


def school_columns(state: PlanState, rule: PostExchange) -> dict[str, Any]:
    """``exchange_posts``: teachers a school receives beyond its declared needs (only when the rule is on)."""
    if not rule.post_exchange:
        return {}
    need_j = _need_map(state.problem, True)
    beyond = np.zeros(len(state.sid), dtype=np.int64)
    for (s, j), c in _received(state).items():
        beyond[int(s)] += max(0, int(c) - need_j.get((int(s), str(j)), 0))
    return {"exchange_posts": pd.array(beyond, dtype="Int64")}
