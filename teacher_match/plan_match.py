"""Does this plan belong to this roster? One check, used by ``check``, ``explain`` and the plan report.

A plan read back from a file may come from another roster (two synthetic counties share their teacher and
school ids), or be edited by hand. Read against the wrong roster it does not fail, it misleads: "1 of 0
filled", "direct cost +nan", a report whose schools are not the roster's. :func:`match_plan` refuses such a
plan with one message listing every row that does not fit, and returns the assignments in the one form the
rest of the library reads:

* every teacher of the plan is on the roster, at the school (``from_school_id``) and with the subject the
  roster gives (when the plan has those columns);
* ``moves`` reads as yes or no; ``commute_km`` is a distance ≥ 0 or blank (not ``inf``, not text);
* a plan without a ``commute_km`` column gets every move's commute computed from the roster;
* with ``strict`` (``explain``, the report, which cannot read such a row), a move names a destination
  (``to_school_id``) that is in the schools table, a teacher who stays names none, and a blank commute of a
  move (added by hand) is computed from the roster.

Without ``strict`` (the checker) those row defects are left to the rules that own them — a move without a
destination to ``single_assignment``, an unknown destination to ``flows``, a blank commute to ``commute``
("the plan gives no commute") — and reported as violations, as is a teacher missing from the plan or listed
twice (``coverage``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import PlanMismatchError

__all__ = ["match_plan", "parse_moves", "PLAN_REQUIRED_COLUMNS"]

#: the columns a plan file must have (``Plan.read_assignments`` refuses a file without them)
PLAN_REQUIRED_COLUMNS = ("teacher_id", "to_school_id", "moves")
_YES = {"true", "1", "1.0", "yes", "y", "t", "是"}
_NO = {"false", "0", "0.0", "no", "n", "f", "否", "", "nan", "none", "<na>"}
#: rows listed one by one before the message sums up
_SHOWN = 30


def parse_moves(values: pd.Series) -> tuple[pd.Series, list[int]]:
    """``moves`` as booleans, and the positions of cells that read as neither yes nor no.

    Examples
    --------
    >>> parse_moves(pd.Series([True, "yes", "否", "maybe"]))
    (0     True
    1     True
    2    False
    3    False
    dtype: bool, [3])
    """
    if values.dtype == bool:
        return values.copy(), []
    text = values.astype(str).str.strip().str.lower()
    yes = text.isin(_YES)
    bad = ~yes & ~text.isin(_NO) & values.notna()
    return yes.astype(bool), [int(i) for i in np.flatnonzero(bad.to_numpy())]


def match_plan(problem, assignments: pd.DataFrame, source: str | None = None, *,
               strict: bool = True) -> pd.DataFrame:
    """The plan's assignments checked against the roster and normalised (a copy).

    Parameters
    ----------
    problem : Problem
        The roster the plan is read against.
    assignments : DataFrame
        ``teacher_id, to_school_id, moves`` and optionally ``from_school_id, subject, commute_km`` and more
        (a Plan's assignments, or a plan file read by ``Plan.read_assignments``).
    source : str, optional
        The plan's file name for the messages (default: ``assignments.attrs["source"]`` or "the plan").
    strict : bool
        Also refuse rows that cannot be read (a move without a known destination, a destination without a
        move) and compute blank commutes of moves; the checker passes False and reports them as violations.

    Returns
    -------
    DataFrame
        ``teacher_id`` and ``to_school_id`` as text (None for a teacher who stays), ``moves`` as bool,
        ``commute_km`` as float (with ``strict``, computed for a move that leaves it blank).

    Raises
    ------
    PlanMismatchError
        The plan does not fit the roster; one row per cell at fault, with its file row (header = row 1).
    """
    source = source or str(assignments.attrs.get("source", "the plan"))
    issues: list[tuple[str, object, str, str]] = []

    def issue(pos, column, text):
        issues.append((source, int(pos) + 2 if pos is not None else None, column, text))

    missing = [c for c in PLAN_REQUIRED_COLUMNS if c not in assignments.columns]
    if missing:
        for c in missing:
            issue(None, c, f"a plan needs the column '{c}' — give a plan written by teacher-match solve")
        raise PlanMismatchError(_frame(issues))
    a = assignments.reset_index(drop=True).copy()
    a.attrs = dict(assignments.attrs)
    a["teacher_id"] = _text(a["teacher_id"])
    a["to_school_id"] = _text(a["to_school_id"])
    moves, bad_moves = parse_moves(a["moves"])
    a["moves"] = moves
    pos: int | np.integer  # a row position: from a list, or from numpy's flatnonzero below
    for pos in bad_moves:
        issue(pos, "moves", f"{assignments['moves'].iloc[pos]!r} is not yes or no — write true or false")

    t = problem.teachers
    t_pos = pd.Series(np.arange(len(t)), index=t["teacher_id"].astype(str))
    t_pos = t_pos[~t_pos.index.duplicated()]
    at = a["teacher_id"].map(t_pos)
    unknown = at.isna() & (a["teacher_id"] != "")
    for pos in np.flatnonzero(a["teacher_id"].to_numpy() == ""):
        issue(pos, "teacher_id", "the teacher id is empty — fill it in or delete the row")
    if unknown.any():
        n, total = int(unknown.sum()), len(a)
        if n == total or n > _SHOWN:
            example = ", ".join(a.loc[unknown, "teacher_id"].head(3))
            issue(None, "teacher_id", f"{n:,} of the plan's {total:,} teachers are not on the roster (e.g. "
                  f"{example}) — this plan was made for another roster: give the roster it was solved for, "
                  f"or solve this roster again")
        else:
            for pos in np.flatnonzero(unknown.to_numpy()):
                issue(pos, "teacher_id", f"teacher {a['teacher_id'].iloc[pos]!r} is not on the roster — "
                      f"delete the row or correct the id")
    known = at.notna().to_numpy()
    rows = at[known].astype(int).to_numpy()
    for col, roster_col, what in (("from_school_id", "school_id", "school"),
                                  ("subject", "subject", "subject")):
        if col not in a.columns:
            continue
        planned = _text(a[col])
        actual = t[roster_col].astype(str).to_numpy()[rows]
        differ = np.flatnonzero(planned.to_numpy()[known] != actual)
        if len(differ) > _SHOWN:
            first = np.flatnonzero(known)[differ[0]]
            issue(None, col, f"for {len(differ):,} teachers the plan's {what} is not the roster's (e.g. "
                  f"{a['teacher_id'].iloc[first]}: plan {planned.iloc[first]}, roster {actual[differ[0]]}) — "
                  f"this plan was made for another roster: give the roster it was solved for, or solve this "
                  f"roster again")
        else:
            for k in differ:
                pos = np.flatnonzero(known)[k]
                issue(pos, col, f"the plan says teacher {a['teacher_id'].iloc[pos]} has {what} "
                      f"{planned.iloc[pos]!r}, the roster says {actual[k]!r} — is this the plan of this "
                      f"roster?")

    if "status" in a.columns:  # the eligibility status the plan claims: text, compared by the checker
        status = _text(a["status"])
        a["status"] = status.astype(object).where(status != "", None)
    dest = a["to_school_id"]
    if not strict:
        a["commute_km"] = _commute(problem, a, at, issue, fill=False)
        return _done(a, dest, issues)
    for pos in np.flatnonzero((a["moves"] & (dest == "")).to_numpy()):
        issue(pos, "to_school_id", "the teacher moves but no destination school is given — fill in "
              "to_school_id, or set moves to false")
    for pos in np.flatnonzero((~a["moves"] & (dest != "")).to_numpy()):
        issue(pos, "to_school_id", f"a destination ({dest.iloc[pos]}) is given but moves is false — set "
              f"moves to true, or clear to_school_id")
    unknown_school = (dest != "") & ~dest.isin(problem.school_index)
    for pos in np.flatnonzero(unknown_school.to_numpy())[:_SHOWN]:
        issue(pos, "to_school_id", f"school {dest.iloc[pos]!r} is not in the schools table — is this the "
              f"plan of this roster?")
    if unknown_school.sum() > _SHOWN:
        issue(None, "to_school_id",
              f"{int(unknown_school.sum()):,} destinations are not in the schools table")

    a["commute_km"] = _commute(problem, a, at, issue, fill=True)
    return _done(a, dest, issues)


def _done(a: pd.DataFrame, dest: pd.Series, issues: list) -> pd.DataFrame:
    a["to_school_id"] = dest.astype(object).where(dest != "", None)  # a teacher who stays has no destination
    if issues:
        raise PlanMismatchError(_frame(issues))
    return a


def _frame(issues: list) -> pd.DataFrame:
    # object columns: a row number stays a whole number beside the rows that have none
    return pd.DataFrame(issues, columns=["file", "row", "column", "problem"], dtype=object)


def _text(values: pd.Series) -> pd.Series:
    """Ids as text, blank for a missing cell (NaN, None, pd.NA read back from a file)."""
    return values.astype(object).where(values.notna(), "").astype(str).str.strip()


def _commute(problem, a: pd.DataFrame, at: pd.Series, issue, fill: bool) -> pd.Series:
    """``commute_km`` as float: a finite distance ≥ 0, or computed from the roster for a blank move."""
    from .scaling import KM_UNITS, to_units_km

    if "commute_km" in a.columns:
        raw = a["commute_km"]
        km = pd.to_numeric(raw, errors="coerce").astype(float)
        text = raw.astype(object).where(raw.notna(), "").astype(str).str.strip()
        for pos in np.flatnonzero((km.isna() & (text != "") & (text.str.lower() != "nan")).to_numpy()):
            issue(pos, "commute_km", f"{text.iloc[pos]!r} is not a distance — write the km as a number or "
                  f"leave it blank")
        for pos in np.flatnonzero((np.isinf(km) | (km < 0)).to_numpy()):
            issue(pos, "commute_km", f"{text.iloc[pos]!r} is not a distance — write the km (≥ 0) or leave it "
                  f"blank")
    else:
        # no commute column at all (a plan of the required columns only): nothing is claimed, so every
        # move's commute is computed, and the checker tests the cap
        km = pd.Series(np.nan, index=a.index)
        fill = True
    if not fill:
        return km
    blank = (a["moves"] & km.isna() & at.notna() & a["to_school_id"].isin(problem.school_index)).to_numpy()
    if blank.any():
        t_pos = at[blank].astype(int).to_numpy()
        s_pos = a.loc[blank, "to_school_id"].map(problem.school_index).astype(int).to_numpy()
        calc = problem.commute_km(t_pos, s_pos)
        reach = np.isfinite(calc)  # no route stays inf: the commute rule reports it
        # in the solver's 0.1 km units, so the checker compares like with like
        calc[reach] = to_units_km(calc[reach]) / KM_UNITS
        km[blank] = calc
    return km
