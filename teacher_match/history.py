"""Exchange history (交流记录): who is away, who comes back this year, and how many exchange years count.

The optional ``exchanges`` table lists past and current exchanges, one row per term: ``teacher_id,
from_school_id, to_school_id, mode, start_date, term_years, relation_moved`` and an optional ``end_date``.
This module reads it at a reference date R (统计截止日期); the plan year is the year after R. Everything here
is pandas and numpy: the history is data, read the same by eligibility, the rules and the checker.

Definitions (R counts as a whole day: "now" is the instant T = R + 1 day)

* **end** of an exchange (the first day back): the day after ``end_date`` when given (the last day of the
  term: an early return or an extension), else ``start_date + term_years`` in calendar months (a 1-year term
  from 2024-09-01 ends 2025-09-01, as does one written with ``end_date`` 2025-08-31).
* **on exchange now**: ``start_date ≤ R < end``.
* **term ends this year**: on exchange now and ``end ≤ R + 1 year`` (the term ends within the plan year).
* **returns this year**: the term ends this year and the personnel relation (人事关系) did not move. A teacher
  whose relation moved belongs to the receiving school and stays there, as one of its own teachers, when the
  term ends.
* **away this year**: on exchange now and the term does not end this year: the teacher serves at the
  receiving school all the plan year, is not eligible again, and is counted there.
* **home school**: ``from_school_id``, or ``to_school_id`` when the relation moved.
* **exchange years in a window of W years**: Σ over the teacher's exchanges of
  ``|[start, min(end, T)) ∩ [T − W years, T)|`` in years (calendar months / 12; a part month by its days),
  so terms that overlap the window's start count only their part inside it; W = None counts the whole history
  (累计). Every mode counts (支教、援教、学习、交流轮岗 alike, RULEBOOK XD-EX1).
* **ever rotated**: any exchange started by R.
* **years since support** (支教): 0 while on a support exchange; else the years from the end of the last
  support term to T; ``inf`` for a teacher who never did support teaching.

Exchanges that start after R are not history yet (a problem viewed at an earlier date with
``Problem.at``): they are left out. Loading refuses them at the roster's own reference date.

Plan-year effects on the roster (:func:`plan_year_tables`)

* a teacher away this year counts at the receiving school (``school_id`` ← ``to_school_id``): staff counts
  of outflow caps, staffing floors and per-subject minimums see the school as it will be staffed;
* a teacher whose term ends this year counts at the home school (``school_id`` ← home school: the school
  they return to, or the receiving school when the relation moved) and is ruled by eligibility like anyone;
* the post a returning teacher leaves **re-opens where the receiving school's shortage persists**: the
  receiving school declares a need (``count > 0``) in the teacher's subject this year. The needs table is read
  as the shortage with the current staff, the exchange teacher still in post, so the post they leave adds one
  to that need. A school that declares no need in the subject has said it needs nobody there: none
  re-opens.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ExchangeHistory", "exchange_history", "exchange_ends", "exchanges_from_plan", "plan_year_tables",
           "term_columns", "HISTORY_COLUMNS"]

#: per-teacher columns of :meth:`ExchangeHistory.per_teacher`
HISTORY_COLUMNS = ("teacher_id", "on_exchange_now", "exchange_school_id", "exchange_end_date",
                   "term_ends_this_year", "returns_this_year", "home_school_id", "ever_rotated",
                   "years_since_support", "last_exchange")

#: rounding of year counts: 1/1000 of a year is under half a day, so a term read from dates is whole
_DECIMALS = 3


def _months(start: pd.Series, end: pd.Series) -> np.ndarray:
    """Calendar months from ``start`` to ``end`` (a part month by its days over an average month)."""
    a, b = pd.to_datetime(start), pd.to_datetime(end)
    whole = (b.dt.year - a.dt.year) * 12 + (b.dt.month - a.dt.month)
    return (whole + (b.dt.day - a.dt.day) / 30.4375).to_numpy(dtype=float)


def _add_months(dates: pd.Series, months: np.ndarray) -> pd.Series:
    """Each date plus a whole number of calendar months (31 Jan + 1 month = 28/29 Feb)."""
    out = [pd.NaT if pd.isna(d) or np.isnan(m) else pd.Timestamp(d) + pd.DateOffset(months=int(m))
           for d, m in zip(dates, months, strict=True)]
    return pd.Series(pd.to_datetime(pd.Series(out, dtype=object)).to_numpy(), index=dates.index)


def exchange_ends(exchanges: pd.DataFrame) -> pd.Series:
    """The end (first day back) of each exchange.

    ``end_date`` + 1 day when given (``end_date`` is the last day of the term), else
    ``start_date + round(12 · term_years)`` calendar months.
    """
    term_months = np.round(pd.to_numeric(exchanges["term_years"], errors="coerce").to_numpy(dtype=float) * 12)
    planned = _add_months(exchanges["start_date"], term_months)
    if "end_date" in exchanges.columns:
        given = pd.to_datetime(exchanges["end_date"]) + pd.Timedelta(days=1)
        return given.where(given.notna(), planned)
    return planned


def _years(start: pd.Series, end: pd.Series) -> np.ndarray:
    return np.round(np.maximum(_months(start, end), 0.0) / 12, _DECIMALS)


@dataclass(frozen=True)
class ExchangeHistory:
    """The exchange history read at a reference date (see the module docstring for every definition).

    Attributes
    ----------
    reference_date : datetime.date
        R, the statistics cut-off the history is read at.
    records : DataFrame
        The exchanges started by R, in table order, with ``end`` (the effective end), ``home_school_id``,
        ``on_exchange_now``, ``term_ends_this_year`` and ``returns_this_year``.
    """

    reference_date: dt.date
    records: pd.DataFrame

    @property
    def now(self) -> pd.Timestamp:
        """T = R + 1 day: the reference date counts as a whole day."""
        return pd.Timestamp(self.reference_date) + pd.Timedelta(days=1)

    @property
    def current(self) -> pd.DataFrame:
        """The exchanges under way at R, by teacher_id (at most one per teacher: overlaps are refused)."""
        cur = self.records[self.records["on_exchange_now"]]
        return cur.set_index("teacher_id", drop=False)

    @property
    def away(self) -> pd.DataFrame:
        """Current exchanges that go on through the plan year (the teacher is not movable), by teacher_id."""
        cur = self.current
        return cur[~cur["term_ends_this_year"]]

    @property
    def ending(self) -> pd.DataFrame:
        """Current exchanges whose term ends within the plan year (returning or staying), by teacher_id."""
        cur = self.current
        return cur[cur["term_ends_this_year"]]

    @property
    def returning(self) -> pd.DataFrame:
        """Current exchanges whose teacher returns home within the plan year, by teacher_id."""
        cur = self.current
        return cur[cur["returns_this_year"]]

    def exchange_years_in_window(self, window_years: float | None = None) -> pd.Series:
        """Cumulative exchange years per teacher in the last ``window_years`` years (None: the whole history).

        ``Σ |[start, min(end, T)) ∩ [T − W, T)|`` over the teacher's exchanges, in years; W is taken in whole
        calendar months. Teachers without exchanges are absent (read them as 0).
        """
        rec = self.records
        if not len(rec):
            return pd.Series(dtype=float, name="exchange_years")
        now = self.now
        end = rec["end"].where(rec["end"] < now, now)
        start = rec["start_date"]
        if window_years is not None:
            lo = now - pd.DateOffset(months=int(round(float(window_years) * 12)))
            start = start.where(start > lo, lo)
        years = pd.Series(_years(start, end), index=rec.index)
        return years.groupby(rec["teacher_id"], sort=False).sum().round(_DECIMALS).rename("exchange_years")

    def years_since_support(self) -> pd.Series:
        """Years since the last support term (支教) ended, per teacher who did one (0 while on one now)."""
        rec = self.records[self.records["mode"] == "support"]
        if not len(rec):
            return pd.Series(dtype=float, name="years_since_support")
        end = rec["end"].where(rec["end"] < self.now, self.now)
        last = end.groupby(rec["teacher_id"], sort=False).max()
        years = _years(last, pd.Series(self.now, index=last.index))
        return pd.Series(years, index=last.index, name="years_since_support")

    def evidence(self, window_years: float | None = None, mode: str | None = None) -> pd.Series:
        """The exchanges behind a count, as a phrase per teacher: ``T0001 at S0007 from 2023-09-01``.

        Only the exchanges inside the window (and of ``mode``, when given), latest first.
        """
        rec = self.records
        if mode is not None:
            rec = rec[rec["mode"] == mode]
        if window_years is not None:
            lo = self.now - pd.DateOffset(months=int(round(float(window_years) * 12)))
            rec = rec[rec["end"] > lo]
        if not len(rec):
            return pd.Series(dtype=object)
        rec = rec.sort_values("start_date", ascending=False, kind="stable")
        text = (rec["teacher_id"].astype(str) + " at " + rec["to_school_id"].astype(str) + " from "
                + pd.to_datetime(rec["start_date"]).dt.strftime("%Y-%m-%d"))
        return text.groupby(rec["teacher_id"], sort=False).agg("; ".join)

    def per_teacher(self, teacher_ids, window_years: float | None = None) -> pd.DataFrame:
        """One row per teacher id given: :data:`HISTORY_COLUMNS`, plus ``exchange_years_in_window``.

        ``exchange_school_id`` and ``exchange_end_date`` describe the exchange under way (empty otherwise);
        ``home_school_id`` is empty for a teacher not on exchange now.
        """
        ids = pd.Index(pd.Series(list(teacher_ids), dtype=object))
        cur = self.current

        def at(values: pd.Series) -> pd.Series:
            # by label, one per teacher; reindex keeps dtypes that Index.map fails on for an empty history
            return values.reindex(ids)

        out = pd.DataFrame({"teacher_id": ids.to_numpy()})
        out["on_exchange_now"] = ids.isin(cur.index)
        out["exchange_school_id"] = at(cur["to_school_id"]).to_numpy(dtype=object)
        out["exchange_end_date"] = pd.to_datetime(at(cur["end"])).to_numpy()
        for col in ("term_ends_this_year", "returns_this_year"):
            out[col] = at(cur[col]).eq(True).to_numpy(dtype=bool)  # no exchange (NaN): False
        out["home_school_id"] = at(cur["home_school_id"]).to_numpy(dtype=object)
        out["ever_rotated"] = ids.isin(pd.Index(self.records["teacher_id"]))
        out["years_since_support"] = at(self.years_since_support()).fillna(np.inf).to_numpy(dtype=float)
        out["last_exchange"] = at(self.evidence()).to_numpy(dtype=object)
        out["exchange_years_in_window"] = at(self.exchange_years_in_window(window_years)).fillna(
            0.0).to_numpy(dtype=float)
        return out

    def per_school(self, school_ids) -> pd.DataFrame:
        """One row per school id given: how the history changes its staff in the plan year.

        ``away_in`` teachers of other schools serving here all year; ``away_out`` teachers who belong here
        serving elsewhere all year; ``returning_home`` teachers coming back here; ``returning_out`` teachers
        who served here and go home (their posts re-open where the shortage persists, see
        :func:`plan_year_tables`); ``staff_change`` = away_in − away_out: the plan-year staff minus that of a
        roster listing every teacher at the home school (a returning teacher is home in both).
        """
        ids = pd.Index(pd.Series(list(school_ids), dtype=object))
        away, back = self.away, self.returning

        def count(values: pd.Series) -> np.ndarray:
            return values.value_counts().reindex(ids).fillna(0).to_numpy(dtype=int)

        out = pd.DataFrame({"school_id": ids.to_numpy()})
        out["away_in"] = count(away["to_school_id"])
        out["away_out"] = count(away["home_school_id"])
        out["returning_home"] = count(back["home_school_id"])
        out["returning_out"] = count(back["to_school_id"])
        out["staff_change"] = out["away_in"] - out["away_out"]
        return out


def exchange_history(exchanges: pd.DataFrame | None, reference_date: dt.date) -> ExchangeHistory:
    """Read a validated exchanges table at ``reference_date`` (see the module docstring).

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"teacher_id": ["T1", "T1"], "from_school_id": ["S1", "S1"],
    ...                   "to_school_id": ["S2", "S3"], "mode": ["support", "rotation"],
    ...                   "start_date": pd.to_datetime(["2021-09-01", "2024-09-01"]),
    ...                   "term_years": [1.0, 2.0], "relation_moved": [False, False]})
    >>> h = exchange_history(e, dt.date(2025, 8, 31))
    >>> float(h.exchange_years_in_window(3).loc["T1"]), float(h.years_since_support().loc["T1"])
    (1.0, 3.0)
    >>> row = h.per_teacher(["T1"]).iloc[0]
    >>> bool(row["on_exchange_now"]), row["exchange_school_id"], bool(row["returns_this_year"])
    (True, 'S3', False)
    """
    cols = ["teacher_id", "from_school_id", "to_school_id", "mode", "start_date", "term_years",
            "relation_moved"]
    if exchanges is None:
        exchanges = pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    ref = pd.Timestamp(reference_date)
    rec = exchanges.copy()
    rec["start_date"] = pd.to_datetime(rec["start_date"])
    rec["end"] = exchange_ends(rec)
    rec = rec[rec["start_date"] <= ref].copy()
    moved = rec["relation_moved"].fillna(False).astype(bool)
    rec["relation_moved"] = moved
    rec["home_school_id"] = rec["to_school_id"].where(moved, rec["from_school_id"])
    rec["on_exchange_now"] = rec["end"] > ref
    rec["term_ends_this_year"] = rec["on_exchange_now"] & (rec["end"] <= ref + pd.DateOffset(years=1))
    rec["returns_this_year"] = rec["term_ends_this_year"] & ~moved
    return ExchangeHistory(reference_date=reference_date, records=rec)


def plan_year_tables(teachers: pd.DataFrame, needs: pd.DataFrame,
                     history: ExchangeHistory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The roster and needs as the plan year will find them (see "Plan-year effects" above).

    Parameters
    ----------
    teachers : DataFrame
        The roster; ``_roster_school_id`` (the school as the roster gives it) is added when absent and is
        what this reads, so applying it again at another date starts from the roster, not from a previous
        application.
    needs : DataFrame
        The needs; ``_declared_count`` (the count as declared) is kept the same way, and ``reopened`` says how
        many of ``count`` are posts left by returning teachers.
    history : ExchangeHistory

    Returns
    -------
    (DataFrame, DataFrame)
        New frames: ``school_id`` is where each teacher counts in the plan year (the receiving school for a
        teacher away this year, the home school for one returning); ``count`` = declared + re-opened.
    """
    t = teachers.copy()
    if "_roster_school_id" not in t.columns:
        t["_roster_school_id"] = t["school_id"]
    ids = t["teacher_id"]
    school = t["_roster_school_id"].copy()
    away, ending, back = history.away, history.ending, history.returning
    at_away = ids.isin(away.index).to_numpy()
    school[at_away] = ids[at_away].map(away["to_school_id"])
    at_end = ids.isin(ending.index).to_numpy()
    school[at_end] = ids[at_end].map(ending["home_school_id"])
    t["school_id"] = school

    n = needs.copy()
    if "_declared_count" not in n.columns:
        n["_declared_count"] = n["count"]
    declared = n["_declared_count"]
    subject = t.set_index("teacher_id")["subject"]
    left = pd.DataFrame({"school_id": back["to_school_id"].to_numpy(dtype=object),
                         "subject": back.index.map(subject).to_numpy(dtype=object)})
    per_post = left.groupby(["school_id", "subject"]).size()
    key = pd.MultiIndex.from_arrays([n["school_id"], n["subject"]])
    reopened = pd.Series(per_post.reindex(key).fillna(0).to_numpy(dtype=int), index=n.index)
    # the shortage persists where the receiving school still declares a need in the subject
    reopened = reopened.where(pd.to_numeric(declared, errors="coerce").fillna(0) > 0, 0)
    n["reopened"] = reopened.astype(int)
    as_declared = pd.to_numeric(declared, errors="coerce").fillna(0).astype(int)
    n["count"] = (as_declared + n["reopened"]).astype("Int64")
    return t, n


def exchanges_from_plan(assignments: pd.DataFrame, start_date: dt.date | str, term_years: float = 1.0,
                        mode: str = "rotation", relation_moved: bool = False) -> pd.DataFrame:
    """A published plan as exchange-history rows: one per teacher who moves.

    Parameters
    ----------
    assignments : DataFrame
        ``teacher_id, from_school_id, to_school_id`` and ``moves`` (a plan's assignments); optional
        ``mode``, ``term_years``, ``relation_moved`` columns override the defaults row by row.
    start_date : date or str
        First day of the terms (usually 1 September of the plan year).
    term_years, mode, relation_moved
        Defaults for rows that do not say.

    Returns
    -------
    DataFrame
        The columns of the exchanges table, ready for ``Problem.from_frames(..., exchanges=...)`` at a later
        reference date.
    """
    a = assignments
    if "moves" in a.columns:
        a = a[a["moves"].astype(bool)]
    out = pd.DataFrame({
        "teacher_id": a["teacher_id"].astype(str).to_numpy(),
        "from_school_id": a["from_school_id"].astype(str).to_numpy(),
        "to_school_id": a["to_school_id"].astype(str).to_numpy(),
    })
    defaults = (("mode", mode), ("term_years", float(term_years)), ("relation_moved", relation_moved))
    for col, default in defaults:
        out[col] = a[col].fillna(default).to_numpy() if col in a.columns else default
    out.insert(4, "start_date", pd.Timestamp(start_date))
    return out[["teacher_id", "from_school_id", "to_school_id", "mode", "start_date", "term_years",
                "relation_moved"]]


def term_columns(
    assignments: pd.DataFrame, start: dt.date, term_years: float | None, relation_moved: bool | None = False,
    keep: np.ndarray | None = None,
) -> pd.DataFrame:
    """The assignments with each move's term (``term_years, end_date, return_year, relation_moved``).

    A move starts on ``start`` (1 September of the plan year) and its last day is
    ``end_date = start + 12 · term_years months − 1 day``; the teacher is home again from ``return_year``
    (the year of ``end_date + 1 day``) unless the personnel relation moved (人事关系随转): then they stay at
    the receiving school; a relation the policy does not state (``None``) is left blank, and the teacher
    returns. Rows of ``keep`` (moves in a mode planned beside the main one, which states its own
    term and relation: rules/modes.py) keep the values they have. Teachers who stay get empty cells; without
    a term (``term_years = None``) the table is returned unchanged.
    """
    if term_years is None:
        return assignments
    a = assignments.copy()
    n = len(a)
    keep = np.zeros(n, dtype=bool) if keep is None else np.asarray(keep, dtype=bool)
    moved = a["moves"].astype(bool).to_numpy() & ~keep
    first = pd.Timestamp(start)
    back = first + pd.DateOffset(months=int(round(12 * float(term_years))))

    def merged(column: str, values: list, dtype) -> Any:
        old = a[column].tolist() if column in a.columns else [None] * n
        return pd.array([values[k] if not keep[k] else old[k] for k in range(n)], dtype=dtype)

    a["term_years"] = merged("term_years", [float(term_years) if m else np.nan for m in moved], "Float64")
    a["term_years"] = a["term_years"].astype(float)
    a["end_date"] = merged("end_date", [(back - pd.Timedelta(days=1)).date() if m else None for m in moved],
                           object)
    a["return_year"] = merged("return_year", [back.year if m and not relation_moved else None for m in moved],
                              "Int64")
    a["relation_moved"] = merged("relation_moved", [relation_moved if m else None for m in moved], "boolean")
    return a


def plan_terms(assignments: pd.DataFrame, policy: Any, start: dt.date,
               term_years: float | None) -> pd.DataFrame:
    """A plan's assignments with the main mode's term (:func:`term_columns`), starting on ``start``.

    Moves in a mode planned beside the main one keep the term and relation their mode states. The main mode's
    personnel relation moves only when ``[modes.<main mode>] relation = "move"``; a ``[modes.<main mode>]``
    table that leaves it unstated leaves it blank.
    """
    mode = policy.modes.get(policy.mode)
    relation = False if mode is None else (mode.relation == "move" if mode.relation else None)
    side = [m.name for m in policy.planned_modes()]
    keep = assignments["mode"].isin(side).to_numpy() if side and "mode" in assignments.columns else None
    return term_columns(assignments, start, term_years, relation, keep)
