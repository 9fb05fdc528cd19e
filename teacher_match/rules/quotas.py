"""Hard rule (soft when ``quota_hard = false``): how many teachers a group, a school or the county sends.

    Σ_{t ∈ g, mandatory} x[t, s] ≥ ⌈group_min_share · mandatory[g]⌉       each township (or school / county) g
    Σ_{a sending} sent[a]          ≥ ⌈min_sent_avg_per_school · #sending⌉  "平均每学年至少选派 1 名"
    min_sent_per_school ≤ sent[a] ≤ max_sent_per_school                     each sending school a
    Σ_{t teacher} x[t, s] = fixed_teachers_sent,  Σ_{t leader} x[t, s] = fixed_leaders_sent   (county)
    Σ_t x[t, s] ≤ max_total_sent                                            (the bureau's 名额)

``sent[a] = Σ_{t ∈ a} x[t, s]``; mandatory[g] counts the mandatory teachers of g's *sending* schools (应交流
教师). With ``send_only_overstaffed`` only overstaffed schools (超编) send: the schools column ``overstaffed``
[超编] when given, else every school that declares no shortage (a school short of staff does not send).
When soft, every missing teacher of a minimum costs one unit of ``quota_shortfall``; maxima are always hard.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..params import param, share_fraction

RULE_ID = "quotas"
SECTION = "rules"
TERMS = {"quota_shortfall": (1, "teachers short of a soft quota (group share, per-school minimum, fixed counts)")}


@dataclass(frozen=True)
class Quotas:
    """Quotas (policy section ``[rules]``)."""

    group_min_share: float | None = param(
        None, "share", "each group rotates at least this share of its mandatory teachers, rounded up "
        "(每年交流比例不低于本乡(镇、校)应交流教师的 N%)")
    quota_group: str = param("township", "choice", "the group of group_min_share: township (乡镇), school or county",
                             choices=("township", "school", "county"))
    min_sent_avg_per_school: float | None = param(
        None, "number", "sending schools together send at least this many per school on average (平均至少 N 名)")
    min_sent_per_school: int | None = param(None, "int", "each sending school sends at least this many")
    max_sent_per_school: int | None = param(None, "int", "each sending school sends at most this many")
    fixed_teachers_sent: int | None = param(
        None, "int", "exactly this many teachers (role teacher) rotate county-wide (下派教师 N 名)")
    fixed_leaders_sent: int | None = param(
        None, "int", "exactly this many leadership-team members rotate county-wide (下派校长 N 名)")
    max_total_sent: int | None = param(None, "int", "at most this many rotate county-wide (教育局规定的名额)")
    send_only_overstaffed: bool = param(
        False, "bool", "only overstaffed schools send (超编 → 缺编): column overstaffed, else schools without needs")
    quota_hard: bool = param(True, "bool", "true: minima are hard; false: each missing teacher costs quota_shortfall")


def overstaffed(problem) -> np.ndarray:
    """Overstaffed schools: the ``overstaffed`` [超编] column when given, else schools that declare no need."""
    from ..eligibility import roster_column, roster_flag  # data layer helpers, no solver import

    s = problem.schools
    if roster_column(s, "overstaffed") is not None or "超编" in s.columns:
        return roster_flag(s.rename(columns={"超编": "overstaffed"}), "overstaffed")
    short = set(problem.needs.loc[problem.needs["count"] > 0, "school_id"])
    return ~s["school_id"].isin(short).to_numpy()


def group_keys(schools: pd.DataFrame, group: str) -> np.ndarray:
    """The quota group of every school (township name, school id, or one county-wide key)."""
    if group == "school":
        return schools["school_id"].astype(str).to_numpy()
    if group == "county":
        return np.full(len(schools), "county", dtype=object)
    return schools["township"].astype(object).where(schools["township"].notna(), "(no township)").astype(str).to_numpy()


def required(count: int, share: float) -> int:
    """⌈share · count⌉ with exact fractions (10 % of 37 is 4)."""
    return math.ceil(share_fraction(share) * count)


def prune(pairs, rule: Quotas, data) -> np.ndarray:
    """With ``send_only_overstaffed``, drop pairs leaving a school that is not overstaffed."""
    if not rule.send_only_overstaffed:
        return np.ones(len(pairs), dtype=bool)
    return overstaffed(data.problem)[pairs["from_s"].to_numpy()]


def _targets(problem, sending: np.ndarray, status: np.ndarray, rule: Quotas):
    """Every minimum and maximum as (key, kind, lo, hi, teacher mask); computed once for build and check."""
    t = problem.teachers
    pos = problem.teacher_school_pos
    if rule.send_only_overstaffed:
        sending = sending & overstaffed(problem)
    at_sender = sending[pos]
    leader = (t["role"] != "teacher").to_numpy()
    out = []
    if rule.group_min_share is not None:
        keys = group_keys(problem.schools, rule.quota_group)[pos]
        mand = (status == "mandatory") & at_sender
        for g in sorted(set(keys[mand])):
            m = mand & (keys == g)
            out.append((f"{rule.quota_group}={g}", "group_min_share", required(int(m.sum()), rule.group_min_share),
                        None, m))
    if rule.min_sent_avg_per_school is not None:
        n_send = int(sending.sum())
        lo = math.ceil(share_fraction(rule.min_sent_avg_per_school) * n_send)
        out.append(("sending_schools", "min_sent_avg_per_school", lo, None, at_sender))
    if rule.min_sent_per_school is not None or rule.max_sent_per_school is not None:
        sid = problem.schools["school_id"].to_numpy()
        for a in np.flatnonzero(sending):
            out.append((f"school={sid[a]}", "per_school", rule.min_sent_per_school, rule.max_sent_per_school,
                        pos == a))
    if rule.fixed_teachers_sent is not None:
        out.append(("county,teachers", "fixed_teachers_sent", rule.fixed_teachers_sent, rule.fixed_teachers_sent,
                    ~leader))
    if rule.fixed_leaders_sent is not None:
        out.append(("county,leaders", "fixed_leaders_sent", rule.fixed_leaders_sent, rule.fixed_leaders_sent, leader))
    if rule.max_total_sent is not None:
        out.append(("county", "max_total_sent", None, rule.max_total_sent, np.ones(len(t), dtype=bool)))
    return out


def class_key(teachers, schools, rule) -> list:
    """Nothing per teacher beyond the base class key (school, subject, backbone, role, status)."""
    return []


def build(ctx, rule: Quotas) -> None:
    """One named constraint per minimum / maximum; soft minima get a shortfall variable."""
    term = ctx.term("quota_shortfall", *TERMS["quota_shortfall"])
    status = ctx.teachers["status"].to_numpy()
    cand_t = ctx.cand["t"].to_numpy()
    for key, kind, lo, hi, mask in _targets(ctx.problem, ctx.sending, status, rule):
        rows = np.flatnonzero(mask[cand_t]) if len(cand_t) else np.array([], dtype=int)
        expr = ctx.xsum(rows)
        name = f"{kind},{key}"
        if hi is not None:
            ctx.add(RULE_ID, f"{name},max", expr <= hi)
        if lo:
            if rule.quota_hard:
                ctx.add(RULE_ID, f"{name},min", expr >= lo)
            else:
                short = ctx.soft_minimum(RULE_ID, f"{name},min", rows, lo, f"quota_short[{name}]")
                term.extend([short], [1])


def _counts(chk, rule: Quotas):
    """(key, kind, lo, hi, sent) per target, recounted from the plan."""
    status = chk.teachers["status"].to_numpy()
    moves = chk.teachers["moves"].to_numpy(dtype=bool)
    return [(key, kind, lo, hi, int((mask & moves).sum()))
            for key, kind, lo, hi, mask in _targets(chk.problem, chk.sending, status, rule)]


def term_values(chk, rule: Quotas) -> dict:
    """Σ missing teachers of every soft minimum (0 when hard: the hard check reports them)."""
    if rule.quota_hard:
        return {"quota_shortfall": 0}
    return {"quota_shortfall": sum(max(0, (lo or 0) - got) for _, _, lo, _, got in _counts(chk, rule))}


def check(chk, rule: Quotas) -> list:
    """Recount every quota; with send_only_overstaffed, no teacher leaves a school that is not overstaffed."""
    out = []
    for key, kind, lo, hi, got in _counts(chk, rule):
        if hi is not None and got > hi:
            out.append((RULE_ID, f"{kind},{key},max", f"{key} sends {got} > {hi} ({kind})"))
        if lo and rule.quota_hard and got < lo:
            out.append((RULE_ID, f"{kind},{key},min", f"{key} sends {got} < {lo} ({kind})"))
    if rule.send_only_overstaffed and len(chk.moved):
        over = overstaffed(chk.problem)
        idx = chk.problem.school_index
        for r in chk.moved.itertuples(index=False):
            if not over[idx[r.school_id]]:
                out.append((RULE_ID, f"teacher={r.teacher_id}",
                            f"{r.teacher_id} leaves {r.school_id}, which is not overstaffed (send_only_overstaffed)"))
    return out
