"""Hard rule (soft when ``quota_hard = false``): how many teachers a group, a school or the county sends.

    Σ_{t ∈ g, mandatory} x[t, s] ≥ ⌈group_min_share · mandatory[g]⌉       each township (or school / county) g
    Σ_{a sending} sent[a]          ≥ ⌈min_sent_avg_per_school · #sending⌉  "平均每学年至少选派 1 名"
    min_sent_per_school ≤ sent[a] ≤ max_sent_per_school                     each sending school a
    sent[a] = quota[a]                    with fill_school_quota, each sending school a with a quota (指标)
    Σ_{t teacher} x[t, s] = fixed_teachers_sent,  Σ_{t leader} x[t, s] = fixed_leaders_sent   (county)
    Σ_t x[t, s] ≤ max_total_sent                                            (the bureau's 名额)
    Σ_t x[t, s] ≥ max_total_sent                                            with fill_total_quota

``sent[a] = Σ_{t ∈ a} x[t, s]``; mandatory[g] counts the mandatory teachers of g's *sending* schools (应交流
教师). With ``send_only_overstaffed`` only overstaffed schools (超编) send: the schools column ``overstaffed``
[超编] when given, else every school that declares no shortage (a school short of staff does not send).
A minimum a policy file states is hard; it is soft only where the file says ``quota_hard = false``: then
every missing teacher of a minimum costs one unit of ``quota_shortfall``, and a plan short of one says so
(:func:`shortfalls`: the summary's first line, the checker's shortfall rows, the command's exit code).
Maxima are always hard.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..params import param, share_fraction
from ..vocabulary import pct
from .contract import (
    CheckData,
    Facts,
    Key,
    PlanState,
    PruneData,
    Shortfall,
    Stage,
    StayTest,
    Usage,
    Violation,
    key,
)

RULE_ID = "quotas"
SECTION = "rules"
#: place in the registry: build order, and the order of equal-stage stay reasons and schools-table columns
ORDER = 110
TITLE = "quotas"
TITLE_ZH = "交流名额"
assignment_words = None
TERMS = {"quota_shortfall": (
    1, "teachers short of a soft quota (group share, per-school minimum, fixed counts)")}


@dataclass(frozen=True)
class Quotas:
    """Quotas (policy section ``[rules]``)."""

    group_min_share: float | None = param(
        None, "share", "each group rotates at least this share of its mandatory teachers, rounded up "
        "(每年交流比例不低于本乡(镇、校)应交流教师的 N%)")
    quota_group: str = param("township", "choice",
                             "the group of group_min_share: township (乡镇), school or county",
                             choices=("township", "school", "county"))
    min_sent_avg_per_school: float | None = param(
        None, "number",
        "sending schools together send at least this many per school on average (平均至少 N 名)")
    min_sent_per_school: int | None = param(None, "int", "each sending school sends at least this many")
    max_sent_per_school: int | None = param(None, "int", "each sending school sends at most this many")
    fixed_teachers_sent: int | None = param(
        None, "int", "exactly this many teachers (role teacher) rotate county-wide (下派教师 N 名)")
    fixed_leaders_sent: int | None = param(
        None, "int", "exactly this many leadership-team members rotate county-wide (下派校长 N 名)")
    max_total_sent: int | None = param(None, "int", "at most this many rotate county-wide (教育局规定的名额)")
    fill_school_quota: bool = param(
        False, "bool", "each sending school with a quota (schools column quota, 指标) sends exactly that "
        "many")
    fill_total_quota: bool = param(
        False, "bool", "true: max_total_sent is a target too — exactly that many rotate (按照名额执行)")
    send_only_overstaffed: bool = param(
        False, "bool",
        "only overstaffed schools send (超编 → 缺编): column overstaffed, else schools without needs")
    quota_hard: bool = param(
        True, "bool",
        "true: minima are hard; false: each missing teacher costs quota_shortfall, and a short plan says so")


#: the rule's parameters (a policy section's keys)
PARAMS = Quotas


def overstaffed(problem: Any) -> np.ndarray:
    """Overstaffed schools.

    The ``overstaffed`` [超编] column when given, else schools that declare no need.
    """
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
    return (schools["township"].astype(object).where(schools["township"].notna(), "(no township)")
            .astype(str).to_numpy())


def required(count: int, share: float) -> int:
    """⌈share · count⌉ with exact fractions (10 % of 37 is 4)."""
    return math.ceil(share_fraction(share) * count)


def prune(pairs: Any, rule: Quotas, data: PruneData) -> np.ndarray:
    """With ``send_only_overstaffed``, drop pairs leaving a school that is not overstaffed."""
    if not rule.send_only_overstaffed:
        return np.ones(len(pairs), dtype=bool)
    return overstaffed(data.problem)[pairs["from_s"].to_numpy()]


@dataclass(frozen=True)
class Target:
    """One quota: its kind (the parameter), where it counts, its bounds and the teachers it counts."""

    kind: str
    scope: dict[str, str]
    lo: int | None
    hi: int | None
    mask: np.ndarray

    def key(self, bound: str) -> str:
        """The ledger key of its minimum (``bound = "min"``) or maximum (``"max"``)."""
        return key(bound, quota=self.kind, **self.scope)


def _targets(problem: Any, sending: np.ndarray, status: np.ndarray, rule: Quotas) -> list[Target]:
    """Every minimum and maximum; computed once for build, check and the words."""
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
            out.append(Target("group_min_share", {rule.quota_group: g},
                              required(int(m.sum()), rule.group_min_share), None, m))
    if rule.min_sent_avg_per_school is not None:
        n_send = int(sending.sum())
        lo = math.ceil(share_fraction(rule.min_sent_avg_per_school) * n_send)
        out.append(Target("min_sent_avg_per_school", {"scope": "sending_schools"}, lo, None, at_sender))
    if rule.min_sent_per_school is not None or rule.max_sent_per_school is not None:
        sid = problem.schools["school_id"].to_numpy()
        for a in np.flatnonzero(sending):
            out.append(Target("per_school", {"school": str(sid[a])}, rule.min_sent_per_school,
                              rule.max_sent_per_school, pos == a))
    if rule.fill_school_quota and "quota" in problem.schools.columns:
        sid = problem.schools["school_id"].to_numpy()
        quota = pd.to_numeric(problem.schools["quota"], errors="coerce").to_numpy(dtype=float)
        for a in np.flatnonzero(sending & ~np.isnan(quota)):
            n = int(quota[a])
            out.append(Target("school_quota", {"school": str(sid[a])}, n, n, pos == a))
    if rule.fixed_teachers_sent is not None:
        out.append(Target("fixed_teachers_sent", {"scope": "county", "role": "teachers"},
                          rule.fixed_teachers_sent, rule.fixed_teachers_sent, ~leader))
    if rule.fixed_leaders_sent is not None:
        out.append(Target("fixed_leaders_sent", {"scope": "county", "role": "leaders"},
                          rule.fixed_leaders_sent, rule.fixed_leaders_sent, leader))
    if rule.max_total_sent is not None:
        # the bureau's quota (名额) as a target: filled, not only a cap
        out.append(Target("max_total_sent", {"scope": "county"},
                          rule.max_total_sent if rule.fill_total_quota else None, rule.max_total_sent,
                          np.ones(len(t), dtype=bool)))
    return out


def class_key(teachers, schools, rule) -> list:
    """Nothing per teacher beyond the base class key (school, subject, backbone, role, status)."""
    return []


def build(ctx: Any, rule: Quotas) -> None:
    """One named constraint per minimum / maximum; soft minima get a shortfall variable."""
    term = ctx.term("quota_shortfall", *TERMS["quota_shortfall"])
    status = ctx.teachers["status"].to_numpy()
    cand_t = ctx.model_pairs["t"].to_numpy()
    for q in _targets(ctx.problem, ctx.sending, status, rule):
        rows = np.flatnonzero(q.mask[cand_t]) if len(cand_t) else np.array([], dtype=int)
        expr = ctx.xsum(rows)
        if q.hi is not None:
            ctx.add(RULE_ID, q.key("max"), expr <= q.hi)
        if q.lo:
            if rule.quota_hard:
                ctx.add(RULE_ID, q.key("min"), expr >= q.lo)
            else:
                short = ctx.soft_minimum(RULE_ID, q.key("min"), rows, q.lo, f"quota_short[{q.key('min')}]")
                term.extend([short], [1])


def _counts(chk: CheckData, rule: Quotas) -> list[tuple[Target, int]]:
    """Every quota with the teachers it counts that the plan sends."""
    status = chk.teachers["status"].to_numpy()
    moves = chk.teachers["moves"].to_numpy(dtype=bool)
    return [(q, int((q.mask & moves).sum())) for q in _targets(chk.problem, chk.sending, status, rule)]


def term_values(chk: CheckData, rule: Quotas) -> dict:
    """Σ missing teachers of every soft minimum (0 when hard: the hard check reports them)."""
    if rule.quota_hard:
        return {"quota_shortfall": 0}
    return {"quota_shortfall": sum(max(0, (q.lo or 0) - got) for q, got in _counts(chk, rule))}


def check(chk: CheckData, rule: Quotas) -> list[Violation]:
    """Recount every quota; with send_only_overstaffed, no teacher leaves a school that is not overstaffed."""
    out = []
    for q, got in _counts(chk, rule):
        where = _where(q)[0]
        if q.hi is not None and got > q.hi:
            out.append((RULE_ID, q.key("max"), f"{where} sends {got} > {q.hi} ({q.kind})"))
        if q.lo and rule.quota_hard and got < q.lo:
            out.append((RULE_ID, q.key("min"), f"{where} sends {got} < {q.lo} ({q.kind})"))
    if rule.send_only_overstaffed and len(chk.moved):
        over = overstaffed(chk.problem)
        idx = chk.problem.school_index
        for r in chk.moved.itertuples(index=False):
            if not over[idx[r.school_id]]:
                out.append((RULE_ID, key(teacher=r.teacher_id),
                            f"{r.teacher_id} leaves {r.school_id}, which is not overstaffed "
                            f"(send_only_overstaffed)"))
    return out


#: per kind of minimum: (what is short, where it counts) as singular nouns, for a total over many places
_SHORT_NOUNS = {"group_min_share": ("mandatory teacher", ""), "per_school": ("teacher", "sending school"),
                "school_quota": ("teacher", "school quota"),
                "min_sent_avg_per_school": ("teacher", "county-wide minimum"),
                "fixed_teachers_sent": ("teacher", "county-wide count"),
                "fixed_leaders_sent": ("leadership-team member", "county-wide count"),
                "max_total_sent": ("teacher", "county-wide quota")}


def shortfalls(chk: CheckData, rule: Quotas) -> list[Shortfall]:
    """Soft mode: every minimum the plan sends fewer teachers than (hard minima are the check's)."""
    if rule.quota_hard:
        return []
    out = []
    for q, got in _counts(chk, rule):
        if not q.lo or got >= q.lo:
            continue
        what, place = _SHORT_NOUNS[q.kind]
        sentence = _sentence(q, rule, "min")[0]
        out.append(Shortfall(RULE_ID, q.key("min"), _where(q)[0], q.lo - got,
                             f"{sentence}; the plan sends {got}, {q.lo - got} short", what,
                             place or rule.quota_group, "quota_hard"))
    return out


# ---------------------------------------------------------------------- words
def _where(q: Target) -> tuple[str, str]:
    """Who a quota counts, in words (English, Chinese)."""
    if "school" in q.scope:
        return q.scope["school"], q.scope["school"]
    if q.kind == "group_min_share":
        (group, name), = q.scope.items()
        zh = {"township": "乡镇", "school": "学校", "county": ""}.get(group, group)
        return ("the county" if group == "county" else f"{group} {name}"), ("全县" if group == "county"
                                                                          else f"{zh}{name}")
    if q.kind == "min_sent_avg_per_school":
        return "the sending schools together", "各派出学校合计"
    if q.kind == "fixed_teachers_sent":
        return "the county (teachers)", "全县（教师）"
    if q.kind == "fixed_leaders_sent":
        return "the county (leadership-team members)", "全县（领导班子成员）"
    return "the county", "全县"


def _sentence(q: Target, rule: Quotas, bound: str) -> tuple[str, str]:
    """The quota and its number, naming the policy parameter."""
    en, zh = _where(q)
    if q.kind == "group_min_share":
        n = int(q.mask.sum())
        share = pct(rule.group_min_share or 0.0)
        return (f"{en} must rotate at least {q.lo} of its {n} mandatory teachers (group_min_share {share}, "
                f"rounded up)", f"{zh}须交流至少 {q.lo} 名应交流教师（{n} 名的 {share}，向上取整）")
    if q.kind == "min_sent_avg_per_school":
        return (f"{en} must send at least {q.lo} teachers (min_sent_avg_per_school = "
                f"{rule.min_sent_avg_per_school:g} per school)",
                f"{zh}须至少派出 {q.lo} 名（平均每校 {rule.min_sent_avg_per_school:g} 名）")
    if q.kind in ("fixed_teachers_sent", "fixed_leaders_sent"):
        return (f"exactly {q.lo} must rotate from {en} ({q.kind} = {q.lo})",
                f"{zh}须交流 {q.lo} 名（{q.kind} = {q.lo}）")
    if q.kind == "school_quota":
        return (f"{en} sends exactly its quota of {q.lo} (schools column quota, fill_school_quota)",
                f"{zh} 按指标派出 {q.lo} 名")
    if q.kind == "per_school":
        if bound == "max":
            return (f"{en} may send at most {q.hi} (max_sent_per_school = {q.hi})",
                    f"{zh} 最多派出 {q.hi} 名（max_sent_per_school = {q.hi}）")
        return (f"{en} must send at least {q.lo} (min_sent_per_school = {q.lo})",
                f"{zh} 须至少派出 {q.lo} 名（min_sent_per_school = {q.lo}）")
    if q.lo:
        return (f"exactly {q.hi} teachers rotate county-wide (the quota max_total_sent = {q.hi} is a target: "
                f"fill_total_quota)", f"全县按名额交流 {q.hi} 名（max_total_sent = {q.hi}，名额须用足）")
    return (f"at most {q.hi} teachers rotate county-wide (max_total_sent = {q.hi})",
            f"全县最多交流 {q.hi} 名（max_total_sent = {q.hi}）")


def binding_words(f: Facts, rule: Quotas, k: Key, usage: Usage | None) -> tuple[str, str]:
    """A quota, its number and the parameter that sets it; how many it can count, or the plan sends."""
    bound = "max" if "max" in k else "min"
    q = next((q for q in _targets(f.problem, f.sending, f.status, rule) if q.key(bound) == key(
        *sorted(k.flags), **k.fields)), None)
    if q is None:
        return (f"quota {k.get('quota')}", f"交流名额（{k.get('quota')}）")
    en, zh = _sentence(q, rule, bound)
    if usage is not None:
        got = int(((usage.dest >= 0) & q.mask).sum())
        return f"{en}; the plan sends {got}", f"{zh}；本方案派出 {got} 名"
    able = int(len(np.unique(f.ct[q.mask[f.ct]]))) if len(f.ct) else 0
    return (f"{en}; {able} of them can be placed at a school that needs their subject",
            f"{zh}；其中可安排到需要其学科学校的只有 {able} 名")


def stays(state: PlanState, rule: Quotas) -> list[StayTest]:
    """A teacher counted by a maximum the plan already reaches stays.

    So does one of a school that is not overstaffed when only overstaffed schools send.
    """
    full = [q for q in _targets(state.problem, state.sending, state.status, rule)
            if q.hi is not None and int((q.mask & state.moved).sum()) >= q.hi]
    over = overstaffed(state.problem) if rule.send_only_overstaffed else None

    def not_overstaffed(t: int) -> str | None:
        a = state.pos[t]
        if over is None or over[a] or not state.sending[a]:
            return None
        return f"{state.sid[a]} is not overstaffed, and only overstaffed schools send (send_only_overstaffed)"

    def quota_full(t: int) -> str | None:
        for q in full:
            if q.mask[t]:
                param_ = {"per_school": "max_sent_per_school", "school_quota": "quota"}.get(q.kind, q.kind)
                fixed = q.kind.startswith("fixed_") or q.kind == "school_quota"
                what = "fixed number" if fixed else "maximum"
                return f"{_where(q)[0]} already sends its {what} of {q.hi} ({param_} = {q.hi})"
        return None

    return [StayTest(Stage.SCHOOL, not_overstaffed), StayTest(Stage.CAP, quota_full)]


def pair_words(f: Facts, rule: Quotas, t: int, s: int, km: float) -> str:
    """Only overstaffed schools send."""
    return f"{f.sid[f.pos[t]]} is not overstaffed (send_only_overstaffed)"


def teacher_words(f: Facts, rule: Quotas, t: int, km: np.ndarray) -> tuple[str, str]:
    """Only overstaffed schools send, and the teacher's school is not one."""
    home = f.sid[f.pos[t]]
    return (f"{home} is not overstaffed, and only overstaffed schools send (send_only_overstaffed)",
            f"{home} 不超编，只有超编学校派出教师")


def school_columns(state: PlanState, rule: Quotas) -> dict[str, Any]:
    """No schools-table column."""
    return {}
