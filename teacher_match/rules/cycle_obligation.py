"""Hard or soft rule: the year's share of a rotation cycle (轮岗周期) — who must go now, pins, who is away.

    Σ_s x[t, s] ≥ 1                                for each teacher t due this year          (cycle_due)
    Σ_{t ∈ pool, s} x[t, s] ≥ cycle_pool_min       the year's load floor over the pool      (cycle_pool)
    Σ_{t ∈ pool, s} x[t, s] ≤ cycle_pool_max       the pool kept for the later years        (cycle_pool)
    x[t, S] = 1  /  Σ_s x[t, s] = 0                for each pin t → S / t → stay            (cycle_pins)
    x[t, s] does not exist                         for each teacher on exchange or back     (cycle_fixed)

    soft (cycle_hard = false):  short[t] ≥ 1 − Σ_s x[t, s],  short ≥ cycle_pool_min − Σ_pool x,
                                cycle_shortfall = Σ short
    pace priced (cycle_pace_hard = false): cycle_pace = max(0, cycle_pool_min − Σ_{t ∈ pool, s} x[t, s])
    cycle_deferred = Σ_{t ∈ cycle_soon} (1 − Σ_s x[t, s])     (last chance next year, priced if not now)
    schedule_change = Σ_{(t, S) ∈ previous} (1 − x[t, S]) + Σ_{t ∉ previous, s} x[t, s]

The ``[cycle]`` table of a policy states the cycle: ``years`` (the cycle's length, e.g. Dongcheng's 100 %
within 3 years), ``all_mandatory_within_cycle``, ``min_rotated_first_year`` (e.g. Dongcheng's 2,000 this year)
and the ``term_years`` of a rotation. :func:`teacher_match.cycle.plan_cycle` plans the cycle one year at a
time and, for each year, sets the lists this rule reads: the mandatory teachers whose last chance in the cycle
is this year (``cycle_due``), the mandatory teachers not yet rotated and the year's share of them
(``cycle_pool``, ``cycle_pool_min`` = ⌈remaining / years left⌉, so the cycle does not push everyone to its
last year; ``cycle_pool_max``, when a later year found no teacher left to send, so an early year does not
drain the pool the later years' own minimums need), the teachers on exchange or back from one
(``cycle_fixed``: not moved again), the pins of signed agreements (``cycle_pins``: ``T1:S2`` or
``T1:stay``) and the previous schedule's moves for this year (``cycle_previous``, priced by
``schedule_change``). With these lists empty the rule adds nothing: a
one-year solve is unchanged. An id not on the year's roster (a teacher who has retired) asks nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..params import param
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

RULE_ID = "cycle_obligation"
SECTION = "cycle"
#: place in the registry: build order, and the order of equal-stage stay reasons and schools-table columns
ORDER = 170
TITLE = "rotation cycle obligation"
TITLE_ZH = "轮岗周期义务"
assignment_words = None
TERMS = {
    "cycle_shortfall": (1, "mandatory teachers of the cycle not rotated in the year they are due"),
    "cycle_deferred": (1, "mandatory teachers whose last chance is next year, not rotated this year"),
    "schedule_change": (1, "teachers whose move differs from the previous schedule for this year"),
    "cycle_pace": (1, "mandatory teachers not yet rotated short of the year's share (pace priced)"),
}

#: the pin that keeps a teacher at their school
STAY = "stay"


@dataclass(frozen=True)
class CycleObligation:
    """The rotation cycle (policy section ``[cycle]``); the lists are set per year by the cycle planner."""

    years: int | None = param(None, "int", "length of the rotation cycle in years (轮岗周期, e.g. 3)")
    all_mandatory_within_cycle: bool = param(
        False,
        "bool",
        "every mandatory teacher rotates within the cycle (应交流尽交流, e.g. 100 % in 3 years)",
    )
    min_rotated_first_year: int | None = param(
        None, "int", "at least this many rotate in the cycle's first year (e.g. 本学年不少于 2000 人)"
    )
    term_years: float | None = param(
        None, "number", "term of a rotation in years (交流期限); the teacher returns home at its end"
    )
    cycle_hard: bool = param(
        True, "bool", "true: the year's obligations are hard; false: each teacher short costs cycle_shortfall"
    )
    cycle_pace_hard: bool = param(
        True,
        "bool",
        "true: the year's share of the pool (cycle_pool_min) is hard; false: each teacher short of it costs "
        "cycle_pace — the pace is the planner's, the obligation is the due teachers",
    )
    cycle_due: list = param([], "strlist", "set by the cycle planner: teachers who must rotate this year")
    cycle_pool: list = param([], "strlist", "set by the cycle planner: mandatory teachers not yet rotated")
    cycle_pool_min: int | None = param(
        None, "int", "set by the cycle planner: at least this many of cycle_pool rotate this year"
    )
    cycle_pool_max: int | None = param(
        None,
        "int",
        "set by the cycle planner: at most this many of cycle_pool rotate this year (kept for later years)",
    )
    cycle_soon: list = param(
        [],
        "strlist",
        "set by the cycle planner: teachers whose last chance is next year (priced if deferred)",
    )
    cycle_fixed: list = param(
        [], "strlist", "set by the cycle planner: teachers on exchange or back from one, not moved again"
    )
    cycle_pins: list = param([], "strlist", "pins of signed agreements: 'T1:S2' (goes to S2) or 'T1:stay'")
    cycle_previous: list = param(
        [], "strlist", "set by the cycle planner: the previous schedule's moves for this year ('T1:S2')"
    )


#: the rule's parameters (a policy section's keys)
PARAMS = CycleObligation


def split_pins(items: list) -> dict[str, str]:
    """``["T1:S2", "T3:stay"]`` → ``{"T1": "S2", "T3": "stay"}`` (the last pin of a teacher wins)."""
    out: dict[str, str] = {}
    for item in items:
        tid, _, school = str(item).rpartition(":")
        out[tid] = school
    return out


def _tagged(rule: CycleObligation) -> set[str]:
    """Teachers the rule reads one by one (each its own class): due, pinned, in the previous schedule."""
    return (
        set(map(str, rule.cycle_due))
        | set(map(str, rule.cycle_soon))
        | set(split_pins(rule.cycle_pins))
        | set(split_pins(rule.cycle_previous))
    )


def class_key(teachers: Any, schools: Any, rule: CycleObligation) -> list:
    """A teacher read one by one is a class of their own; the pool and the fixed teachers are flags."""
    ids = teachers["teacher_id"].astype(str).to_numpy()
    tagged, pool, fixed = _tagged(rule), set(map(str, rule.cycle_pool)), set(map(str, rule.cycle_fixed))
    if not tagged and not pool and not fixed:
        return []
    # the pruned (fixed) teachers apart, so a class's members share their candidate schools
    tag = np.array(
        [t if t in tagged else ("fixed" if t in fixed else ("pool" if t in pool else "")) for t in ids],
        dtype=object,
    )
    return [tag]


def prune(pairs: Any, rule: CycleObligation, data: PruneData) -> np.ndarray:
    """A teacher on exchange, or back from one this cycle, has no candidate school."""
    if not rule.cycle_fixed:
        return np.ones(len(pairs), dtype=bool)
    ids = data.problem.teachers["teacher_id"].astype(str).to_numpy()
    fixed = np.isin(ids, np.asarray(list(map(str, rule.cycle_fixed)), dtype=object))
    return ~fixed[pairs["t"].to_numpy()]


def build(ctx: Any, rule: CycleObligation) -> None:
    """Due teachers, the pool's floor and the pins as named constraints; the schedule change as a term."""
    # the terms exist only in a year of a cycle, so a one-year solve's objective table is unchanged
    if not (
        rule.cycle_due
        or rule.cycle_pool_min
        or rule.cycle_pool_max is not None
        or rule.cycle_pins
        or rule.cycle_previous
        or rule.cycle_soon
    ):
        return
    short_term = ctx.term("cycle_shortfall", *TERMS["cycle_shortfall"])
    ids = ctx.teachers["teacher_id"].astype(str).to_numpy()
    index = {t: i for i, t in enumerate(ids)}
    mp = ctx.model_pairs
    rows_of = mp.groupby("t", sort=True).indices if len(mp) else {}
    s_of = mp["s"].to_numpy() if len(mp) else np.zeros(0, dtype=int)
    empty = np.zeros(0, dtype=np.int64)

    def rows(tid: str) -> np.ndarray:
        return np.asarray(rows_of.get(index.get(tid, -1), empty), dtype=np.int64)

    def at_least(where: str, r: np.ndarray, lo: int, name: str) -> None:
        if rule.cycle_hard:
            ctx.add(RULE_ID, where, ctx.xsum(r) >= lo)
        else:
            short_term.extend([ctx.soft_minimum(RULE_ID, where, r, lo, name)], [1])

    # a mandatory teacher whose last chance in the cycle is this year rotates now
    for tid in sorted(set(map(str, rule.cycle_due)) & set(index)):
        at_least(key("due", teacher=tid), rows(tid), 1, f"cycle_short[{tid}]")
    # the year's share of the mandatory teachers not yet rotated: the cycle is not left to its last year
    if rule.cycle_pool_min:
        pool = np.isin(ids, np.asarray(list(map(str, rule.cycle_pool)), dtype=object))
        pool_rows = np.flatnonzero(pool[mp["t"].to_numpy()]) if len(mp) else empty
        if rule.cycle_pace_hard or not rule.cycle_hard:
            at_least(key("pool"), pool_rows, int(rule.cycle_pool_min), "cycle_short[pool]")
        else:
            # the pace priced: as many of the year's share as the rules let go, never a reason for no plan
            pace = ctx.soft_minimum(RULE_ID, key("pool"), pool_rows, int(rule.cycle_pool_min), "cycle_pace")
            ctx.term("cycle_pace", *TERMS["cycle_pace"]).extend([pace], [1])
    # the pool kept for the later years: their own minimums (a yearly quota, a per-school share) need teachers
    # not yet rotated, so a year that fills every need it can must not use them all (always hard: a limit)
    if rule.cycle_pool_max is not None:
        pool = np.isin(ids, np.asarray(list(map(str, rule.cycle_pool)), dtype=object))
        pool_rows = np.flatnonzero(pool[mp["t"].to_numpy()]) if len(mp) else empty
        ctx.add(RULE_ID, key("pool_max"), ctx.xsum(pool_rows) <= int(rule.cycle_pool_max))
    # a teacher whose last chance is next year, deferred now, leaves next year less room: priced, never forced
    soon = sorted(set(map(str, rule.cycle_soon)) & set(index))
    if soon:
        soon_rows = np.concatenate([rows(t) for t in soon])
        ctx.term("cycle_deferred", *TERMS["cycle_deferred"]).extend(
            ctx.xs(soon_rows), -np.ones(len(soon_rows), dtype=np.int64), const=len(soon)
        )
    # a signed agreement is a fact of the year, never priced
    for tid, school in sorted(p for p in split_pins(rule.cycle_pins).items() if p[0] in index):
        r = rows(tid)
        if school == STAY:
            ctx.add(RULE_ID, key("pin", teacher=tid, school=STAY), ctx.xsum(r) == 0)
        else:
            s = ctx.problem.school_index.get(school, -1)
            ctx.add(RULE_ID, key("pin", teacher=tid, school=school), ctx.xsum(r[s_of[r] == s]) == 1)
    # keep the provisional schedule: a previous move not repeated, or a move not in it, is one change
    previous = split_pins(rule.cycle_previous)
    if previous:
        kept = []
        for tid, school in previous.items():
            r = rows(tid)
            kept.append(r[s_of[r] == ctx.problem.school_index.get(school, -1)])
        kept_rows = np.concatenate(kept) if kept else empty
        prev = np.isin(ids, np.asarray(list(previous), dtype=object))
        new_rows = np.flatnonzero(~prev[mp["t"].to_numpy()]) if len(mp) else empty
        change_term = ctx.term("schedule_change", *TERMS["schedule_change"])
        change_term.extend(ctx.xs(kept_rows), -np.ones(len(kept_rows), dtype=np.int64), const=len(previous))
        change_term.extend(ctx.xs(new_rows), np.ones(len(new_rows), dtype=np.int64))


def _state(chk: CheckData, rule: CycleObligation) -> dict[str, Any]:
    """Per teacher id: moves and destination, from the plan merged with the roster."""
    t = chk.teachers
    ids = t["teacher_id"].astype(str).to_numpy()
    moves = t["moves"].fillna(False).astype(bool).to_numpy()
    dest = t["to_school_id"].astype(object).to_numpy()
    return {"moves": dict(zip(ids, moves, strict=True)), "dest": dict(zip(ids, dest, strict=True))}


def _pool_count(chk: CheckData, rule: CycleObligation, st: dict) -> int:
    return sum(bool(st["moves"].get(str(t), False)) for t in rule.cycle_pool)


def check(chk: CheckData, rule: CycleObligation) -> list[Violation]:
    """Recount due teachers, the pool's floor, pins and the fixed teachers from the plan."""
    st = _state(chk, rule)
    out: list[Violation] = []
    if rule.cycle_hard:
        for tid in sorted(set(map(str, rule.cycle_due)) & set(st["moves"])):
            if not st["moves"].get(tid, False):
                out.append(
                    (
                        RULE_ID,
                        key("due", teacher=tid),
                        f"{tid} is due to rotate this year (last chance in the cycle) and stays",
                    )
                )
        if rule.cycle_pace_hard and rule.cycle_pool_min and _pool_count(chk, rule, st) < rule.cycle_pool_min:
            out.append(
                (
                    RULE_ID,
                    key("pool"),
                    f"{_pool_count(chk, rule, st)} of the cycle's mandatory teachers "
                    f"rotate this year < the year's share {rule.cycle_pool_min}",
                )
            )
    if rule.cycle_pool_max is not None and _pool_count(chk, rule, st) > rule.cycle_pool_max:
        out.append(
            (
                RULE_ID,
                key("pool_max"),
                f"{_pool_count(chk, rule, st)} of the cycle's mandatory teachers rotate this year > "
                f"{rule.cycle_pool_max} (the rest are kept for the later years)",
            )
        )
    for tid, school in sorted(p for p in split_pins(rule.cycle_pins).items() if p[0] in st["moves"]):
        moved, dest = st["moves"].get(tid, False), st["dest"].get(tid)
        if school == STAY and moved:
            out.append(
                (
                    RULE_ID,
                    key("pin", teacher=tid, school=STAY),
                    f"{tid} is pinned to stay and moves to {dest}",
                )
            )
        elif school != STAY and (not moved or dest != school):
            out.append(
                (
                    RULE_ID,
                    key("pin", teacher=tid, school=school),
                    f"{tid} is pinned to {school} and {'goes to ' + str(dest) if moved else 'stays'}",
                )
            )
    for tid in sorted(set(map(str, rule.cycle_fixed))):
        if st["moves"].get(tid, False):
            out.append(
                (
                    RULE_ID,
                    key("fixed", teacher=tid),
                    f"{tid} is on exchange or back from one in this cycle and is moved again",
                )
            )
    return out


def term_values(chk: CheckData, rule: CycleObligation) -> dict:
    """``cycle_shortfall`` (soft mode) and ``schedule_change`` recounted from the plan."""
    st = _state(chk, rule)
    short = 0
    if not rule.cycle_hard:
        short = sum(not st["moves"].get(t, False) for t in set(map(str, rule.cycle_due)) & set(st["moves"]))
        short += max(0, int(rule.cycle_pool_min or 0) - _pool_count(chk, rule, st))
    previous = split_pins(rule.cycle_previous)
    change = 0
    if previous:
        change = sum(not (st["moves"].get(t, False) and st["dest"].get(t) == s) for t, s in previous.items())
        change += sum(bool(m) for t, m in st["moves"].items() if t not in previous)
    deferred = sum(not st["moves"].get(t, False) for t in set(map(str, rule.cycle_soon)) & set(st["moves"]))
    pace = 0
    if rule.cycle_hard and not rule.cycle_pace_hard and rule.cycle_pool_min:
        pace = max(0, int(rule.cycle_pool_min) - _pool_count(chk, rule, st))
    return {
        "cycle_shortfall": short,
        "cycle_deferred": deferred,
        "schedule_change": change,
        "cycle_pace": pace,
    }


def shortfalls(chk: CheckData, rule: CycleObligation) -> list[Shortfall]:
    """Soft mode: each due teacher who stays, and the pool's floor when the year falls short of it."""
    if rule.cycle_hard:
        return []
    st = _state(chk, rule)
    out = [
        Shortfall(
            RULE_ID,
            key("due", teacher=t),
            t,
            1,
            f"{t} is due to rotate this year (last chance in the cycle) and stays",
            "mandatory teacher",
            "teacher",
            "cycle_hard",
        )
        for t in sorted(set(map(str, rule.cycle_due)) & set(st["moves"]))
        if not st["moves"].get(t, False)
    ]
    got = _pool_count(chk, rule, st)
    if rule.cycle_pool_min and got < rule.cycle_pool_min:
        out.append(
            Shortfall(
                RULE_ID,
                key("pool"),
                "the county",
                rule.cycle_pool_min - got,
                f"the cycle's share for this year is {rule.cycle_pool_min} mandatory teachers and "
                f"{got} rotate",
                "mandatory teacher",
                "county",
                "cycle_hard",
            )
        )
    return out


# ---------------------------------------------------------------------- words
def binding_words(f: Facts, rule: CycleObligation, k: Key, usage: Usage | None) -> tuple[str, str]:
    """A due teacher, the year's share, or a pin: what it asks and where the teacher can go."""
    tid = k.get("teacher")
    t = f.t_index.get(tid, -1)
    dests = sorted({str(f.sid[s]) for s in f.cs[f.ct == t]}) if t >= 0 else []
    where_en = f"possible: {', '.join(dests[:5])}" if dests else "no school within the rules can take them"
    where_zh = f"可去：{'、'.join(dests[:5])}" if dests else "规则内没有学校可以接收"
    if "pool_max" in k:
        n, pool = int(rule.cycle_pool_max or 0), len(rule.cycle_pool)
        return (
            f"at most {n} of the {pool} mandatory teachers not yet rotated go this year: the others are "
            f"kept for the later years of the cycle, whose own minimums need teachers left to send",
            f"本年至多交流尚未交流的 {pool} 名应交流教师中的 {n} 名，"
            f"其余留待周期内以后各年（其最低人数要求需有可交流教师）",
        )
    if "pool" in k:
        n, pool = int(rule.cycle_pool_min or 0), len(rule.cycle_pool)
        got = ""
        if usage is not None:
            sent = sum(
                int(usage.dest[f.t_index[t]] >= 0) for t in map(str, rule.cycle_pool) if t in f.t_index
            )
            got = f", the plan rotates {sent}"
        return (
            f"at least {n} of the {pool} mandatory teachers not yet rotated go this year (the cycle's "
            f"share: remaining ÷ years left, rounded up){got}",
            f"本年至少交流尚未交流的 {pool} 名应交流教师中的 {n} 名（剩余人数 ÷ 剩余年数，向上取整）",
        )
    if "pin" in k:
        school = k.get("school")
        if school == STAY:
            return (f"{tid} is pinned to stay (a signed agreement)", f"{tid} 按已签协议留任")
        return (
            f"{tid} is pinned to {school} (a signed agreement); {where_en}",
            f"{tid} 按已签协议交流至 {school}；{where_zh}",
        )
    years = rule.years or 0
    return (
        f"{tid} is mandatory and this is their last year to rotate within the {years}-year cycle; {where_en}",
        f"{tid} 为应交流教师，本年是其在 {years} 年轮岗周期内最后一次交流机会；{where_zh}",
    )


def stays(state: PlanState, rule: CycleObligation) -> list[StayTest]:
    """A teacher on exchange or back from one stays; so does a teacher pinned to stay."""
    fixed = set(map(str, rule.cycle_fixed))
    pins = split_pins(rule.cycle_pins)
    ids = state.problem.teachers["teacher_id"].astype(str).to_numpy()

    def on_exchange(t: int) -> str | None:
        if ids[t] in fixed:
            return "on exchange, or back from one, in this rotation cycle: not moved again"
        if pins.get(ids[t]) == STAY:
            return "pinned to stay (a signed agreement)"
        return None

    return [StayTest(Stage.SCHOOL, on_exchange)]


def pair_words(f: Facts, rule: CycleObligation, t: int, s: int, km: float) -> str:
    """The teacher is on exchange or back from one in this cycle."""
    return f"{f.tid[t]} is on exchange, or back from one, in this rotation cycle"


def teacher_words(f: Facts, rule: CycleObligation, t: int, km: np.ndarray) -> tuple[str, str]:
    """The teacher is on exchange or back from one in this cycle."""
    return (
        f"{f.tid[t]} is on exchange, or back from one, in this rotation cycle",
        f"{f.tid[t]} 在本轮岗周期内正在交流或已交流返回",
    )


def school_columns(state: PlanState, rule: CycleObligation) -> dict[str, Any]:
    """No schools-table column."""
    return {}
