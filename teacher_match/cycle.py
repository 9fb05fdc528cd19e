"""plan_cycle(): a rotation cycle (轮岗周期) planned one year at a time, every year a full solve.

A policy's ``[cycle]`` table (:mod:`teacher_match.rules.cycle_obligation`) states the cycle: ``years`` N,
``all_mandatory_within_cycle``, ``min_rotated_first_year`` and the ``term_years`` of a rotation. The cycle is
planned by a rolling horizon: for year k = 1 … N, with R_k = R + (k − 1) years (R the reference date,
统计截止日期)

1. **the roster advances**: ages, years at the school, teaching years and years in post grow by k − 1 (those
   given as dates are re-derived at R_k, :meth:`Problem.at`); ``years_to_retirement`` shrinks by k − 1; a
   teacher with no year left to retirement (``years_to_retirement ≤ 0``, from the roster or the policy's
   ``retirement_age``) has retired and leaves the roster;
2. **exchanges are read at R_k** as the exchange history reads them (the ``exchanges`` table given, and every
   move of the cycle's earlier years, each starting on R_j + 1 day for ``term_years``): a teacher **on
   exchange** all the plan year counts at the receiving school, with 0 years there; a teacher whose term ends
   within the plan year counts at home again (at the receiving school when the personnel relation moved).
   Both are not moved again in the cycle (``cycle_fixed``). A post held by a teacher the cycle sent is filled
   while they serve and re-opens when they return; a post left by a teacher of the ``exchanges`` table
   re-opens where the receiving school still declares a need in the subject. The cycle's rotation is the
   policy's main mode: a move of a mode planned beside it (a central school's re-assignment, a study term)
   is read with that mode's own term, holds the teacher only while it runs, and neither meets the obligation
   nor ends the teacher's rotation of the cycle (the year's model and the checker count the main mode only);
3. **the year's obligation** (``all_mandatory_within_cycle``): the pool P_k is the mandatory teachers not yet
   rotated; a teacher of P_k whose last chance is this year — k = N, or projected at home they are no longer
   mandatory (retired, over an age cap) from year k + 1 on — is due (hard, or priced when ``cycle_hard =
   false``); and at least ⌈|P_k| / (N − k + 1)⌉ of P_k rotate, so the cycle does not push everyone to its
   last year;
   A mandatory teacher the policy never sends (a school outside its flows' ``from``, no counterpart under
   ``to_pair_only``, a protected subject) has no obligation (``CyclePlan.mandatory.obliged``); with
   ``cycle_pace_hard = false`` the year's share is priced (``cycle_pace``) instead of hard;
4. **the year is solved** by :func:`teacher_match.solve` with every rule of the policy, so the outflow cap,
   leadership cap, backbone share, commute, staffing balance and exchange of posts hold in every year. When a
   year has no plan (INFEASIBLE), its plan carries the diagnosis — which rules keep a due teacher from
   rotating — and the cycle stops there.

**Lookahead**: when a year has no plan, its due teachers who were in an earlier year's pool are made due in
the latest such year and the cycle is planned again; when it has none to bring forward (a yearly minimum — a
quota, a per-school share — finds no teacher left to send, because the earlier years, filling every need they
could, rotated the whole pool), the earlier years keep their pool for it: each rotates at most its even share
⌈|P_j| / (N − j + 1)⌉ of the pool (``cycle_pool_max``, hard) and the cycle is planned again. At most
``lookahead`` re-plans; the attempt that plans most years, then schedules most teachers, is kept, and its
notes say who was brought forward and which years kept their pool.

Year 1 honours ``pins`` (signed agreements: a school, or ``"stay"``) as hard fixes; a pin that contradicts a
hard rule is a conflict of the diagnosis. Re-planning a year later: the previous cycle's year-1 moves enter as
``exchanges`` (:meth:`CyclePlan.exchanges`) and ``previous=`` its schedule, whose moves for the same plan year
the ``schedule_change`` objective term keeps.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .eligibility import eligibility, years_to_retirement
from .errors import InputError, PolicyError
from .history import exchange_ends, plan_terms, term_columns
from .objective import Objective
from .output_files import atomic_write, check_output, text_cells_as_text
from .plan import Plan
from .publicity import write_publicity_sheet
from .reproducible import make_reproducible
from .rules.cycle_obligation import STAY
from .rules.flows import selects
from .rules.outflow_limit import protected_mask
from .schema import TABLES
from .solving import solve

if TYPE_CHECKING:
    from .policy import Policy
    from .problem import Problem

__all__ = ["CyclePlan", "plan_cycle", "term_columns", "SCHEDULE_COLUMNS", "EXCHANGE_COLUMNS"]

#: columns of :attr:`CyclePlan.schedule`
SCHEDULE_COLUMNS = (
    "teacher_id",
    "year",
    "plan_year",
    "from_school_id",
    "to_school_id",
    "subject",
    "mode",
    "term_years",
    "return_year",
    "status",
)
#: columns of an exchanges table (交流记录), as the exchange history reads it
EXCHANGE_COLUMNS = tuple(c.name for c in TABLES["exchanges"] if c.required)
#: years columns that grow with the calendar
_GROWING = ("age", "years_at_school", "teaching_years", "years_in_post")
#: term of a rotation without one: the teacher serves beyond any cycle
_OPEN_TERM = 99.0


@dataclass(frozen=True)
class CyclePlan:
    """A rotation cycle planned year by year (see the module docstring).

    Attributes
    ----------
    years : int
        N, the cycle's length.
    plans : tuple of Plan
        One plan per year solved, in order; shorter than N when a year has no plan (its plan, INFEASIBLE
        with the diagnosis, or UNKNOWN, is the last one).
    problems : tuple of Problem
        The roster each year was planned on (advanced, retirements gone, exchanges applied): check a year's
        plan against it with ``tm.check(cycle.problems[k], cycle.policies[k], cycle.plans[k])``.
    policies : tuple of Policy
        Each year's policy, with the year's obligations set in its ``[cycle]`` lists.
    schedule : DataFrame
        One row per rotation (a move of the policy's main mode): :data:`SCHEDULE_COLUMNS`; ``status`` is
        ``planned`` in year 1, ``provisional`` after. Moves of the modes planned beside it are in each year's
        plan.
    mandatory : DataFrame
        One row per teacher mandatory in some year of the cycle: ``teacher_id, first_mandatory_year,
        last_chance_year, scheduled_year`` (NA: not scheduled), ``obliged`` (false: the policy never sends
        them — not a sending school of its flows, no counterpart, a protected subject) and ``note`` (why not,
        when not).
    seconds : tuple of float
        Wall time of each year's solve.
    """

    years: int
    policy_id: str
    reference_date: dt.date
    plans: tuple
    problems: tuple
    policies: tuple
    schedule: pd.DataFrame
    mandatory: pd.DataFrame
    seconds: tuple = ()
    notes: tuple = field(default=())

    @property
    def complete(self) -> bool:
        """Every year has a plan and every mandatory teacher the cycle obliges (``obliged``) is scheduled."""
        return (
            len(self.plans) == self.years
            and all(p.has_plan for p in self.plans)
            and bool(self.mandatory.loc[self.mandatory["obliged"], "scheduled_year"].notna().all())
        )

    def exchanges(self, years: int = 1) -> pd.DataFrame:
        """The rotations of the first ``years`` years as an exchanges table (re-planning a year later)."""
        s = self.schedule[self.schedule["year"] <= years]
        start = pd.to_datetime(
            [dt.date(int(y), self.reference_date.month, self.reference_date.day) for y in s["plan_year"]]
        ) + pd.Timedelta(days=1)
        out = pd.DataFrame(
            {
                "teacher_id": s["teacher_id"].to_numpy(),
                "from_school_id": s["from_school_id"].to_numpy(),
                "to_school_id": s["to_school_id"].to_numpy(),
                "mode": s["mode"].to_numpy(),
                "start_date": start,
                "term_years": s["term_years"].fillna(_OPEN_TERM).to_numpy(),
                "relation_moved": False,
                "from_cycle_plan": True,
            }
        )
        return out.reset_index(drop=True)

    def to_excel(self, path: str | Path) -> Path:
        """Write a workbook: ``schedule``, ``mandatory``, ``summary``, one sheet per year, 公示名单 of year 1.

        The path is checked first (:func:`teacher_match.output_files.check_output`) and the file replaced
        whole or not at all; text cells are stored as text. A year's sheet is its assignments, or, for a year
        with no plan, its diagnosis.

        Raises
        ------
        OutputError
            The path cannot take the workbook, or the write failed (the old file is kept).
        """
        target = check_output(path, (".xlsx",), what="the cycle plan")
        with atomic_write(target, "the cycle plan") as tmp:
            with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
                self.schedule.to_excel(xw, sheet_name="schedule", index=False)
                self.summary_table().to_excel(xw, sheet_name="summary", index=False)
                self.mandatory.to_excel(xw, sheet_name="mandatory", index=False)
                for k, plan in enumerate(self.plans, start=1):
                    if plan.has_plan:
                        plan.assignments.to_excel(xw, sheet_name=f"year {k}", index=False)
                    elif plan.diagnosis is not None:
                        plan.diagnosis.to_excel(xw, sheet_name=f"year {k} diagnosis", index=False)
                if self.plans and self.plans[0].has_plan:
                    words = self.plans[0].tie_order_words()
                    write_publicity_sheet(xw, self.plans[0].assignments,
                                          notes=[words[1]] if words is not None else None)
                text_cells_as_text(xw.book)
            make_reproducible(tmp)
        return Path(path)

    def summary_table(self) -> pd.DataFrame:
        """One row per year solved: status, gap, rotated, due, pool and its floor, seconds."""
        rows = []
        for k, (plan, pol) in enumerate(zip(self.plans, self.policies, strict=True), start=1):
            rule = pol.rule("cycle_obligation")
            rows.append(
                {
                    "year": k,
                    "status": plan.status,
                    "gap": plan.gap,
                    "rotated": int(plan.assignments["moves"].sum()) if plan.has_plan else 0,
                    "due": len(rule.cycle_due),
                    "pool": len(rule.cycle_pool),
                    "pool_min": int(rule.cycle_pool_min or 0),
                    "on_exchange_or_back": len(rule.cycle_fixed),
                    "seconds": round(self.seconds[k - 1], 1) if k <= len(self.seconds) else np.nan,
                }
            )
        return pd.DataFrame(
            rows,
            columns=[
                "year",
                "status",
                "gap",
                "rotated",
                "due",
                "pool",
                "pool_min",
                "on_exchange_or_back",
                "seconds",
            ],
        )

    def summary(self) -> str:
        """Per year: status, gap, rotated, due and the pool's floor; then the mandatory teachers scheduled."""
        lines = [
            f"rotation cycle of {self.years} year(s), policy {self.policy_id}, from {self.reference_date}"
        ]
        for k, (plan, pol) in enumerate(zip(self.plans, self.policies, strict=True), start=1):
            rule = pol.rule("cycle_obligation")
            moved = int(plan.assignments["moves"].sum()) if plan.has_plan else 0
            gap = f"{plan.gap:.3%}" if np.isfinite(plan.gap) else "—"
            lines.append(
                f"  year {k}: {plan.status:<10} gap {gap:>8}  rotated {moved:>5}  "
                f"due {len(rule.cycle_due):>4}"
                f"  pool {len(rule.cycle_pool):>5} (at least {rule.cycle_pool_min or 0})  "
                f"{self.seconds[k - 1]:.1f} s"
            )
            if plan.status == "INFEASIBLE" and plan.diagnosis is not None:
                lines += ["    " + s for s in plan.solver_info.get("diagnosis_text", "").splitlines()[:12]]
        m = self.mandatory
        done = int(m["scheduled_year"].notna().sum())
        lines.append(f"  mandatory in the cycle: {len(m)}, scheduled {done}, not scheduled {len(m) - done}")
        never = int((~m["obliged"]).sum())
        if never:
            lines.append(
                f"  of them {never} the policy never sends (not a sending school of its flows, no "
                f"counterpart, or a protected subject): no obligation in the cycle"
            )
        lines += [f"  {n}" for n in self.notes]
        return "\n".join(lines)


def _shift_years(ref: dt.date, k: int) -> dt.date:
    """``ref`` plus k calendar years (29 February → 28 February)."""
    try:
        return ref.replace(year=ref.year + k)
    except ValueError:
        return ref.replace(year=ref.year + k, day=28)


def _advanced(problem: Problem, k: int) -> Problem:
    """The roster k years on: date columns re-derived, years given as numbers grown by k."""
    if k == 0:
        return problem
    p = problem.at(_shift_years(problem.reference_date, k))
    t = p.teachers.copy()
    for col in _GROWING:
        if col not in t.columns:
            continue
        flag = f"_{col}_from_date"
        from_date = (
            t[flag].fillna(False).astype(bool) if flag in t.columns else pd.Series(False, index=t.index)
        )
        t[col] = t[col].astype("Int64").where(from_date, problem.teachers[col].astype("Int64") + k)
    if "years_to_retirement" in t.columns:
        t["years_to_retirement"] = problem.teachers["years_to_retirement"].astype(float) - k
    return _with_tables(p, t, p.needs)


def _with_tables(p: Problem, teachers: pd.DataFrame, needs: pd.DataFrame) -> Problem:
    """The problem with other teachers and needs tables (the distances, costly, are kept)."""
    rows = dict(p.rows)
    if "teachers" in rows and len(rows["teachers"]) == len(p.teachers):
        keep = p.teachers.index.get_indexer(teachers.index)
        rows["teachers"] = [rows["teachers"][i] for i in keep] if (keep >= 0).all() else []
    out = dataclasses.replace(
        p, teachers=teachers.reset_index(drop=True), needs=needs.reset_index(drop=True), rows=rows
    )
    for cached in ("school_km", "_km_within"):
        if cached in p.__dict__:
            out.__dict__[cached] = p.__dict__[cached]
    return out


def _exchange_table(exchanges: pd.DataFrame | None) -> pd.DataFrame:
    """The exchanges given, in the columns this module reads (``end``: the first day back)."""
    if exchanges is None or not len(exchanges):
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in (*EXCHANGE_COLUMNS, "end", "cycle")})
        # typed as a history with rows: its dates compare with dates, its flag is a flag
        return empty.astype({"start_date": "datetime64[ns]", "end": "datetime64[ns]", "cycle": bool})
    missing = [
        c
        for c in ("teacher_id", "from_school_id", "to_school_id", "start_date", "term_years")
        if c not in exchanges.columns
    ]
    if missing:
        raise InputError(
            f"exchanges: missing column(s) {', '.join(missing)} (expected {', '.join(EXCHANGE_COLUMNS)})"
        )
    e = exchanges.copy()
    e["start_date"] = pd.to_datetime(e["start_date"])
    if "mode" not in e.columns:
        e["mode"] = "rotation"
    e["relation_moved"] = (
        e["relation_moved"].fillna(False).astype(bool) if "relation_moved" in e.columns else False
    )
    # the history's own reading of a term's end (end_date + 1 day, else start + term): also for no rows
    e["end"] = pd.to_datetime(exchange_ends(e))
    # rows of a cycle plan (CyclePlan.exchanges) hold posts of the declared needs, as the cycle's own moves
    e["cycle"] = e["from_cycle_plan"].fillna(False).astype(bool) if "from_cycle_plan" in e.columns else False
    return e[[*EXCHANGE_COLUMNS, "end", "cycle"]]


def _year_tables(
    base: Problem, ex: pd.DataFrame, ref: dt.date, gone: np.ndarray, declared: pd.DataFrame, start: dt.date
) -> tuple[Problem, set[str], pd.DataFrame]:
    """Year k's roster and needs: retirements gone, exchanges applied at R_k (module docstring, step 2)."""
    t = base.teachers.copy()
    R = pd.Timestamp(ref)
    started = ex[ex["start_date"] <= R]
    on_now = started[started["end"] > R]
    ending = on_now[on_now["end"] <= R + pd.DateOffset(years=1)]
    away = on_now[on_now["end"] > R + pd.DateOffset(years=1)]
    # moves of the cycle's earlier years in a mode beside its rotation (a central school's re-assignment, a
    # study term): they hold their posts while they run, but are not the teacher's rotation
    other = (
        started["other_mode"].fillna(False).astype(bool)
        if "other_mode" in started.columns
        else pd.Series(False, index=started.index)
    )
    ours = started["cycle"].astype(bool) | other
    # on exchange at the cycle's start, or rotated within it: the teacher's rotation of this cycle is done (a
    # move of another mode within the cycle holds the teacher only while it runs: on_now)
    in_cycle = started["cycle"].astype(bool) | ((started["end"] > pd.Timestamp(start)) & ~other)
    fixed = set(on_now["teacher_id"].astype(str)) | set(started.loc[in_cycle, "teacher_id"].astype(str))
    ids = t["teacher_id"].astype(str)
    away_at = dict(zip(away["teacher_id"].astype(str), away["to_school_id"], strict=True))
    home_at = dict(
        zip(
            ending["teacher_id"].astype(str),
            ending["to_school_id"].where(ending["relation_moved"], ending["from_school_id"]),
            strict=True,
        )
    )
    moved_to = ids.map({**home_at, **away_at})
    t["school_id"] = moved_to.where(moved_to.notna(), t["school_id"].astype(object))
    # a teacher on exchange, or back from one, starts a new continuous period at the school they count at
    last = started.sort_values("start_date", kind="stable").groupby("teacher_id", sort=False).last()
    since = {
        str(tid): (r["start_date"] if tid in away_at else r["end"])
        for tid, r in last.iterrows()
        if str(tid) in fixed
    }
    if since:
        years_there = ids.map(
            lambda tid: max(0, int((R - since[tid]).days // 365.25)) if tid in since else -1
        )
        t["years_at_school"] = t["years_at_school"].astype("Int64").where(years_there < 0, years_there)
    t = t[~gone]
    # the needs: posts held by the cycle's teachers while they serve; posts re-opened by earlier exchanges
    n = declared.copy()
    subj = dict(zip(ids, base.teachers["subject"], strict=True))
    serving = away[ours[away.index]]
    held = pd.Series(
        [(s, subj.get(str(x))) for x, s in zip(serving["teacher_id"], serving["to_school_id"], strict=True)],
        dtype=object,
    ).value_counts()
    # an earlier exchange ending within the cycle, up to this plan year, has left its post (read as history)
    back = started[
        ~ours
        & (started["end"] <= R + pd.DateOffset(years=1))
        & (started["end"] > pd.Timestamp(start))
        & ~started["relation_moved"].astype(bool)
    ]
    left = pd.Series(
        [(s, subj.get(str(x))) for x, s in zip(back["teacher_id"], back["to_school_id"], strict=True)],
        dtype=object,
    ).value_counts()
    count = n["count"].astype(int).to_numpy().copy()
    for i, (s, j) in enumerate(zip(n["school_id"], n["subject"], strict=True)):
        if count[i] > 0:
            count[i] += int(left.get((s, j), 0))
        count[i] = max(0, count[i] - int(held.get((s, j), 0)))
    n["count"] = pd.array(count, dtype="Int64")
    return _with_tables(base, t, n), fixed, t


def plan_cycle(
    problem: Problem,
    policy: Policy,
    years: int | None = None,
    exchanges: pd.DataFrame | None = None,
    pins: dict | None = None,
    previous: CyclePlan | pd.DataFrame | None = None,
    *,
    objective: Objective | None = None,
    time_limit: float = 60.0,
    workers: int = 1,
    seed: int = 0,
    soon_first: bool = True,
    lookahead: int = 3,
) -> CyclePlan:
    """Plan a rotation cycle year by year (see the module docstring for the method).

    Parameters
    ----------
    problem : Problem
        The roster at the reference date R (the policy's ``reference_date`` when it sets one).
    policy : Policy
        Its ``[cycle]`` table gives ``years`` (unless ``years`` is given), ``all_mandatory_within_cycle``,
        ``min_rotated_first_year`` and ``term_years``.
    years : int, optional
        N, the cycle's length; default the policy's ``years``.
    exchanges : DataFrame, optional
        Exchanges beside the problem's own history (``Problem.exchanges``, read by the problem itself): rows
        of ``teacher_id, from_school_id, to_school_id, mode, start_date, term_years, relation_moved`` and
        optional ``end_date`` — typically a previous cycle's year 1 (:meth:`CyclePlan.exchanges`, whose posts
        count as the cycle's own).
    pins : dict, optional
        ``teacher_id → school_id`` or ``"stay"``: hard fixes of year 1 (signed agreements).
    previous : CyclePlan or DataFrame, optional
        The previous cycle plan (or its schedule): its moves for each plan year are kept where the
        ``schedule_change`` weight of the objective prices a change.
    objective : Objective, optional
        Defaults to the policy's ``[objective]`` weights.
    time_limit : float
        Seconds per year's solve.
    workers, seed
        As for :func:`teacher_match.solve`.
    soon_first : bool
        Price deferring a teacher whose last chance is next year (``cycle_deferred``): a rolling horizon does
        not see later years, and such a teacher is the one most likely to find no school left.
    lookahead : int
        How many times a year without a plan sends its due teachers back to an earlier year of their pool
        (the latest one where they were mandatory; hard there) before the cycle is planned again; the attempt
        that plans most years, then schedules most teachers, is kept. 0: one pass.

    Returns
    -------
    CyclePlan

    Examples
    --------
    >>> import teacher_match as tm
    >>> p = tm.make_county(300, seed=1)
    >>> pol = tm.load_policy("default").with_(years=2)
    >>> c = tm.plan_cycle(p, pol, time_limit=20)
    >>> [plan.status for plan in c.plans]
    ['OPTIMAL', 'OPTIMAL']
    """
    cyc = policy.rule("cycle_obligation")
    n_years = years if years is not None else cyc.years
    if n_years is None:
        raise PolicyError(
            f"policy '{policy.id}' states no rotation cycle: set years under [cycle] "
            f"(e.g. --set years=3) or give years="
        )
    if isinstance(n_years, bool) or not isinstance(n_years, (int, np.integer)) or not 1 <= n_years <= 20:
        raise InputError(f"years must be a whole number of years from 1 to 20, got {n_years!r}")
    n_years = int(n_years)
    policy.require_complete()
    if policy.reference_date is not None:
        problem = problem.at(policy.reference_date)
    ref = problem.reference_date
    term = float(cyc.term_years) if cyc.term_years is not None else None
    all_ids = problem.teachers["teacher_id"].astype(str)
    pins = {str(k): str(v) for k, v in (pins or {}).items()}
    unknown = sorted(set(pins) - set(all_ids))
    if unknown:
        raise InputError(f"pins: teacher {unknown[0]} is not on the roster")
    bad = sorted(v for v in pins.values() if v != STAY and v not in problem.school_index)
    if bad:
        raise InputError(
            f"pins: school {bad[0]} is not in the schools table (a pin is a school id or 'stay')"
        )
    prev = _previous_moves(previous)
    ex = _exchange_table(exchanges)
    # the problem's own exchange history (交流记录) is read by Problem.at at each year's date: away teachers
    # count at the receiving school and are ineligible, returning ones at home, posts re-open. A teacher on
    # exchange at the cycle's start has done this cycle's rotation
    history_fixed: set[str] = set()
    if problem.exchanges is not None and len(problem.exchanges):
        h = problem.exchanges
        began = pd.to_datetime(h["start_date"]) <= pd.Timestamp(ref)
        history_fixed = set(h.loc[began & (exchange_ends(h) > pd.Timestamp(ref)), "teacher_id"].astype(str))
    # the roster of each year as if nobody rotated: who retires, and each teacher's last chance at home
    plain = [_advanced(problem, k) for k in range(n_years)]
    gone = [(years_to_retirement(p.teachers, policy.eligibility).to_numpy(dtype=float) <= 0) for p in plain]
    mandatory_at_home = []
    for p, g in zip(plain, gone, strict=True):
        st = eligibility(p, dataclasses.replace(policy, reference_date=None))["status"].to_numpy()
        mandatory_at_home.append(set(all_ids[(st == "mandatory") & ~g]))
    last_chance = {
        t: max(k + 1 for k in range(n_years) if t in mandatory_at_home[k])
        for t in set().union(*mandatory_at_home)
    }
    # the obligation is to rotate the way the policy plans: a teacher of a school that sends no one under
    # its direction (flows ``from``, or no counterpart when only counterparts receive) has none in the cycle
    no_sender = _not_sending_ids(problem, policy)

    # the lookahead: when a year has no plan, its due teachers who were in an earlier year's pool go in the
    # latest such year instead (hard there), and the cycle is planned again; the best attempt is kept
    ex_given = ex
    forced: dict[int, set[str]] = {}
    # years that keep part of their pool for the later years (cycle_pool_max)
    kept: set[int] = set()
    best: tuple | None = None
    for _attempt in range(max(0, int(lookahead)) + 1):
        ex = ex_given
        plans: list[Plan] = []
        problems: list[Problem] = []
        policies: list[Policy] = []
        seconds: list[float] = []
        rows: list[dict] = []
        first_mandatory: dict[str, int] = {}
        scheduled: dict[str, int] = {}
        notes: list[str] = []
        pools: list[set[str]] = []
        for k in range(1, n_years + 1):
            ref_k = _shift_years(ref, k - 1)
            # the needs as declared, with the posts the problem's own exchange history re-opens at R_k
            declared = plain[k - 1].needs
            year_problem, fixed, _ = _year_tables(plain[k - 1], ex, ref_k, gone[k - 1], declared, ref)
            fixed |= history_fixed
            base_policy = dataclasses.replace(policy, reference_date=None)
            status = eligibility(year_problem, base_policy)["status"].to_numpy()
            ids = year_problem.teachers["teacher_id"].astype(str).to_numpy()
            mandatory = [t for t in ids[status == "mandatory"] if t not in fixed]
            for t in mandatory:
                first_mandatory.setdefault(t, k)
            mandatory = [t for t in mandatory if t not in no_sender]
            changes: dict = {"cycle_fixed": sorted(fixed & set(ids))}
            if cyc.all_mandatory_within_cycle:
                pool = sorted(t for t in mandatory if t not in scheduled)
                left = n_years - k + 1
                due = sorted(
                    t for t in pool if k == n_years or last_chance.get(t, k) <= k or t in forced.get(k, ())
                )
                pools.append(set(pool))
                if soon_first:
                    changes["cycle_soon"] = sorted(
                        t for t in pool if k < n_years and last_chance.get(t, k) == k + 1
                    )
                changes.update(
                    cycle_pool=pool,
                    cycle_pool_min=math.ceil(len(pool) / left) if pool else None,
                    cycle_due=due,
                )
                if k in kept:
                    # the even share, never fewer than the year's due teachers
                    changes["cycle_pool_max"] = max(math.ceil(len(pool) / left), len(due))
            if k == 1:
                changes["cycle_pins"] = [f"{t}:{s}" for t, s in sorted(pins.items())]
                if cyc.min_rotated_first_year:
                    current = policy.rule("annual_target").min_rotated_total or 0
                    changes["min_rotated_total"] = max(int(current), int(cyc.min_rotated_first_year))
            plan_year = _shift_years(ref_k, 0).year
            if prev is not None:
                on_roster = set(ids)
                mine = prev[prev["plan_year"] == plan_year]
                changes["cycle_previous"] = [
                    f"{t}:{s}"
                    for t, s in zip(mine["teacher_id"], mine["to_school_id"], strict=True)
                    if t in on_roster
                ]
            year_policy = base_policy.with_(**changes)
            start_k = _shift_years(ref_k, 0) + dt.timedelta(days=1)
            t0 = time.perf_counter()
            plan = solve(
                year_problem, year_policy, objective, time_limit=time_limit, workers=workers, seed=seed
            )
            seconds.append(time.perf_counter() - t0)
            if plan.has_plan and term is not None:
                plan.assignments = plan_terms(plan.assignments, policy, start_k, term)
            plans.append(plan)
            problems.append(year_problem)
            policies.append(year_policy)
            if not plan.has_plan:
                notes.append(
                    f"year {k} has no plan ({plan.status}); the cycle stops there"
                    + (" — see the year's diagnosis" if plan.status == "INFEASIBLE" else "")
                )
                break
            moved = plan.assignments[plan.assignments["moves"]]
            start = pd.Timestamp(ref_k) + pd.Timedelta(days=1)
            mode = (
                moved["mode"].astype(str) if "mode" in moved.columns else pd.Series(policy.mode, moved.index)
            )
            # the cycle's rotation is the policy's main mode; a move of another mode (a central school's
            # re-assignment inside its 学区, a study term) neither meets the obligation nor ends the teacher's
            # rotation: it holds them for its own term only (the plan's term_years of that mode)
            rotates = (mode == policy.mode).to_numpy()
            own_term = (
                moved["term_years"].astype(float)
                if "term_years" in moved.columns
                else pd.Series(np.nan, moved.index)
            )
            cycle_term = term if term is not None else _OPEN_TERM
            new = pd.DataFrame(
                {
                    "teacher_id": moved["teacher_id"].astype(str).to_numpy(),
                    "from_school_id": moved["from_school_id"].to_numpy(),
                    "to_school_id": moved["to_school_id"].to_numpy(),
                    "mode": mode.to_numpy(),
                    "start_date": start,
                    "term_years": np.where(rotates, cycle_term, own_term.fillna(cycle_term).to_numpy()),
                    # the rotation's relation as the cycle has always read it; another mode's as its plan says
                    "relation_moved": ~rotates
                    & (
                        moved["relation_moved"].fillna(False).astype(bool).to_numpy()
                        if "relation_moved" in moved.columns
                        else False
                    ),
                }
            )
            new["end"] = pd.to_datetime(exchange_ends(new))
            new["cycle"] = rotates
            new["other_mode"] = ~rotates
            ex = pd.concat([ex, new], ignore_index=True) if len(ex) else new
            for r in moved[rotates].itertuples(index=False):
                scheduled.setdefault(str(r.teacher_id), k)
                rows.append(
                    {
                        "teacher_id": str(r.teacher_id),
                        "year": k,
                        "plan_year": plan_year,
                        "from_school_id": r.from_school_id,
                        "to_school_id": r.to_school_id,
                        "subject": r.subject,
                        "mode": getattr(r, "mode", policy.mode),
                        "term_years": term,
                        "return_year": (plan_year + math.ceil(term)) if term is not None else None,
                        "status": "planned" if k == 1 else "provisional",
                    }
                )
        used = {j: set(v) for j, v in forced.items()}
        outcome = (
            plans, problems, policies, seconds, rows, first_mandatory, scheduled, notes, used, set(kept)
        )
        score = (sum(p.has_plan for p in plans), len(scheduled))
        if best is None or score > best[0]:
            best = (score, outcome)
        failed = plans[-1] if plans and not plans[-1].has_plan else None
        if failed is None or failed.status != "INFEASIBLE" or not cyc.all_mandatory_within_cycle:
            break
        k = len(plans)
        moved_up = 0
        for t in policies[-1].rule("cycle_obligation").cycle_due:
            earlier = [j for j in range(1, k) if t in pools[j - 1] and t not in forced.get(j, set())]
            if earlier:
                forced.setdefault(earlier[-1], set()).add(t)
                moved_up += 1
        if not moved_up:
            # nobody to bring forward: the year lacks teachers left to send, so the earlier years keep theirs
            earlier_years = set(range(1, k)) - kept
            if not earlier_years:
                break
            kept |= earlier_years
    assert best is not None
    plans, problems, policies, seconds, rows, first_mandatory, scheduled, notes, forced, kept = best[1]
    if kept:
        notes = [
            *notes,
            "lookahead: year(s) "
            + ", ".join(map(str, sorted(kept)))
            + " rotate at most their even share of the pool, keeping teachers for the later years",
        ]
    if forced:
        notes = [
            *notes,
            "lookahead: "
            + "; ".join(
                f"{len(v)} due teacher(s) brought forward to year {j}" for j, v in sorted(forced.items())
            ),
        ]
    schedule = pd.DataFrame(rows, columns=list(SCHEDULE_COLUMNS))
    schedule["term_years"] = schedule["term_years"].astype(float)
    schedule["return_year"] = schedule["return_year"].astype("Int64")
    mand = pd.DataFrame({"teacher_id": sorted(first_mandatory)})
    mand["first_mandatory_year"] = mand["teacher_id"].map(first_mandatory).astype("Int64")
    mand["last_chance_year"] = (
        mand["teacher_id"].map(lambda t: last_chance.get(t, first_mandatory[t])).astype("Int64")
    )
    mand["scheduled_year"] = mand["teacher_id"].map(scheduled).astype("Int64")
    mand["obliged"] = ~mand["teacher_id"].isin(no_sender)
    mand["note"] = np.where(
        mand["scheduled_year"].notna(),
        "",
        np.where(
            mand["teacher_id"].isin(no_sender),
            "no obligation in the cycle: the policy never sends them (their school is not a sending "
            "school of its flows, has no counterpart, or keeps their subject as protected)",
            "not scheduled: "
            + (
                "the cycle stopped before their last chance"
                if len(plans) < n_years
                else "no obligation (all_mandatory_within_cycle = false) or priced shortfall"
            ),
        ),
    )
    return CyclePlan(
        years=n_years,
        policy_id=policy.id,
        reference_date=ref,
        plans=tuple(plans),
        problems=tuple(problems),
        policies=tuple(policies),
        schedule=schedule,
        mandatory=mand,
        seconds=tuple(seconds),
        notes=tuple(notes),
    )


def _not_sending_ids(problem: Problem, policy: Policy) -> set[str]:
    """Teachers the policy never sends, who have no obligation in its cycle.

    Of a school not in ``from`` of ``[flows]``, or, when teachers go only to their counterpart
    (``to_pair_only``), of a school without one; or of their school's protected subject while
    ``keep_protected_subjects`` holds.
    """
    schools = problem.schools
    sends = selects(schools, policy.rule("flows").from_)
    if policy.rule("pairing").to_pair_only:
        pair = schools["pair_id"] if "pair_id" in schools.columns else pd.Series(None, index=schools.index)
        sends &= pair.map(lambda p: isinstance(p, str) and p in problem.school_index).to_numpy(dtype=bool)
    t = problem.teachers
    out = ~sends[t["school_id"].map(problem.school_index).to_numpy(dtype=int)]
    # a teacher of their school's protected subject (特色学科) is never sent while the policy keeps them
    if policy.rule("outflow_limit").keep_protected_subjects and "protected_subjects" in schools.columns:
        out |= protected_mask(schools, problem.teacher_school_pos, t["subject"].to_numpy())
    return set(t["teacher_id"].astype(str)[out])


def _previous_moves(previous: CyclePlan | pd.DataFrame | None) -> pd.DataFrame | None:
    """The previous schedule's moves: ``teacher_id, plan_year, to_school_id``."""
    if previous is None:
        return None
    s = previous.schedule if isinstance(previous, CyclePlan) else previous
    missing = [c for c in ("teacher_id", "plan_year", "to_school_id") if c not in s.columns]
    if missing:
        raise InputError(f"previous schedule: missing column(s) {', '.join(missing)}")
    return s[["teacher_id", "plan_year", "to_school_id"]].astype({"teacher_id": str})
