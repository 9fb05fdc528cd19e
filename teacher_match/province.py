"""Provinces: rotation is within a county (县域内), so a province is planned county by county on a cluster.

``tm.solve_province(source, policy)`` takes

* a :class:`Province` — e.g. :func:`make_province`, whose counties are *recipes* (a seed and a size): each
  county is drawn on the worker that plans it, so a province of a million teachers never sits in one process;
* a :class:`~teacher_match.problem.Problem` whose ``county`` column (县区, on the schools or the teachers)
  names each school's county;
* a path: a roster (folder of tables or one workbook) with a ``county`` column, or a folder holding one
  roster per county (a sub-folder or a workbook each, named after the county).

Each county is one task of :func:`teacher_match.cluster.run_tasks`: built (validated), solved with one CP-SAT
worker and a fixed seed, and checked by :func:`teacher_match.check` on the worker; the driver merges the
counties, in county order, into a :class:`ProvincePlan`. A county whose data is broken (a bad value, a teacher
of an unknown school) is a row with its error — every problem of its tables, with file, row and column — and
the other counties are planned. Rows that cannot be placed in any county (a school without a county, a need of
a school no county lists) are refused before any solve, all of them in one :class:`SchemaError`.

A county is never split and its tables are its own: a distance between schools of two counties, or a road
joining two counties' schools directly, is not read (no teacher rotates across a county's border); road
junctions reached from a county's schools without passing another county's school stay with that county.

Determinism: each county's plan depends on its own data, the policy, the seed and the time limit only — not
on the number of cluster workers or the order they finish in — as long as its search ends by itself (OPTIMAL
or INFEASIBLE) within the time limit; a county stopped by its time limit (FEASIBLE) may stop at another plan
on a slower machine. The files written carry no timing (``seconds``, worker, memory stay in
:attr:`ProvincePlan.runtime`), so the same plans give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
import warnings
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import InputError, InputWarning, PolicyError, SchemaError, TeacherMatchError
from .schema import Issue, table_of_path

if TYPE_CHECKING:
    from .objective import Objective
    from .policy import Policy
    from .problem import Problem

__all__ = ["Province", "ProvincePlan", "make_province", "solve_province", "COUNTY_COLUMN", "SUMMARY_COLUMNS",
           "PROVINCE_SUFFIXES", "MAX_COUNTIES"]

#: the column naming a school's (or a teacher's) county: 县区
COUNTY_COLUMN = "county"
#: per-county columns of :attr:`ProvincePlan.counties`, in order (``seconds`` is not written to files)
SUMMARY_COLUMNS = ["county", "status", "teachers", "eligible", "rotated", "needs_declared", "needs_filled",
                   "needs_unfilled", "commute_km_total", "objective", "bound", "gap", "shortfalls",
                   "violations", "warnings", "seconds", "error"]
#: what a province plan is written as: one workbook
PROVINCE_SUFFIXES = (".xlsx",)
#: data rows per assignments sheet (an Excel sheet holds 1,048,576 rows, the header included)
SHEET_ROWS = 1_000_000
#: counties make_province draws at most (a national plan is several provinces)
MAX_COUNTIES = 10_000
#: measures of a county's plan: missing (NA) in a row without a plan
_COUNT_COLUMNS = ["teachers", "eligible", "rotated", "needs_declared", "needs_filled", "needs_unfilled",
                  "shortfalls", "violations", "warnings"]
_FLOAT_COLUMNS = ["commute_km_total", "objective", "bound", "gap", "seconds"]
_ID_COLUMNS = {"teachers": ["teacher_id", "school_id"],
               "schools": ["school_id", "pair_id", "central_school_id"], "needs": ["school_id"],
               "roads": ["u", "v"], "distances": ["from_school_id", "to_school_id"],
               "exchanges": ["teacher_id", "from_school_id", "to_school_id"]}


# ---------------------------------------------------------------------------------------------- the input
class Province:
    """The counties of a province, each a recipe for its :class:`~teacher_match.problem.Problem`.

    A recipe is made into its Problem by :meth:`county` — on the cluster's worker that plans it, so only the
    recipe travels: a seed for a synthetic county, a path for a county's roster, the county's own rows for a
    roster with a county column.

    Attributes
    ----------
    names : list of str
        The counties, in the order they are planned and reported (sorted by name).
    source : str
        Where the province comes from (for messages).
    """

    def __init__(self, recipes: Mapping[str, tuple], source: str = ""):
        self._recipes = {str(k): recipes[k] for k in sorted(recipes, key=str)}
        self.names = list(self._recipes)
        self.source = source

    def __len__(self) -> int:
        """Number of counties."""
        return len(self._recipes)

    def __repr__(self) -> str:
        """Counties and where they come from."""
        shown = ", ".join(self.names[:5]) + (", …" if len(self) > 5 else "")
        return f"Province({len(self)} counties: {shown}{f'; {self.source}' if self.source else ''})"

    def recipe(self, name: str) -> tuple:
        """The recipe of a county (what is sent to the worker)."""
        if name not in self._recipes:
            raise InputError(f"no county {name!r} in this province; its counties are "
                             f"{', '.join(self.names[:10])}" + (" …" if len(self) > 10 else ""))
        return self._recipes[name]

    def county(self, name: str) -> Problem:
        """The county's Problem (drawn, read or validated now).

        Raises
        ------
        InputError, SchemaError
            The county's data is broken.
        """
        return _county_problem(self.recipe(name))

    def write(self, out: str | Path, fmt: str = "csv", *, force: bool = False) -> Path:
        """Write one roster folder per county under ``out`` (``out/<county>/teachers.csv`` …).

        ``solve_province(out, policy)`` reads it back. The folder must be new or empty unless ``force``.
        """
        from .io import write_problem
        from .output_files import check_output_folder

        folder = check_output_folder(out, force=force)
        for name in self.names:
            write_problem(self.county(name), folder / name, fmt=fmt, force=force)
        return folder


def make_province(n_counties: int = 3, teachers_per_county: int = 3000, seed: int = 0,
                  reference_date: dt.date | str = "2025-08-31") -> Province:
    """A synthetic province of ``n_counties`` counties of ``teachers_per_county`` teachers each.

    County ``i`` is :func:`teacher_match.make_county` with a seed of its own (drawn from ``seed`` and ``i``,
    so the counties differ), named ``C001``, ``C002`` …; its ids are prefixed with its name (``C001-T000001``,
    ``C001-S00001``), unique across the province. Nothing is drawn here: each county is drawn when asked
    for (:meth:`Province.county`), on the worker that plans it. Same arguments → identical counties.

    Parameters
    ----------
    n_counties : int
        1 to :data:`MAX_COUNTIES`.
    teachers_per_county : int
        At least :data:`teacher_match.synthetic.MIN_TEACHERS`.
    seed : int
    reference_date : date or str

    Raises
    ------
    InputError
        A number of counties or teachers out of range.

    Examples
    --------
    >>> p = make_province(3, 200, seed=1)
    >>> p.names
    ['C001', 'C002', 'C003']
    >>> p.county("C002").teachers["teacher_id"].iloc[0]
    'C002-T000001'
    """
    from .synthetic import MIN_TEACHERS

    for what, v, lo, hi in (("counties", n_counties, 1, MAX_COUNTIES),
                            ("teachers per county", teachers_per_county, MIN_TEACHERS, 10**6)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not lo <= v <= hi:
            raise InputError(f"the number of {what} must be a whole number from {lo:,} to {hi:,}, got {v!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"the seed must be a whole number ≥ 0, got {seed!r}")
    width = max(3, len(str(n_counties)))
    seeds = np.random.SeedSequence(int(seed)).spawn(int(n_counties))
    recipes = {f"C{i + 1:0{width}d}": ("synthetic", f"C{i + 1:0{width}d}", int(s.generate_state(1)[0]),
                                       int(teachers_per_county), str(reference_date))
               for i, s in enumerate(seeds)}
    return Province(recipes, source=f"make_province({n_counties}, {teachers_per_county}, seed={seed})")


def _synthetic_county(name: str, seed: int, n_teachers: int, reference_date: str) -> Problem:
    """``make_county(n_teachers, seed)`` as county ``name``: ids prefixed ``name-``, ``county`` = name."""
    from .synthetic import make_county

    p = make_county(n_teachers, seed=seed, reference_date=reference_date)

    def prefix(df: pd.DataFrame | None, table: str) -> pd.DataFrame | None:
        if df is None:
            return None
        df = df.copy()
        for c in _ID_COLUMNS[table]:
            if c in df.columns:
                df[c] = df[c].map(lambda v: None if pd.isna(v) else f"{name}-{v}").astype(df[c].dtype)
        return df

    schools = prefix(p.schools, "schools")
    assert schools is not None
    # make_county names its one county C01: the school names and the county column carry the province's name
    first = str(p.schools[COUNTY_COLUMN].iloc[0])
    schools["name"] = schools["name"].str.replace(first, name, n=1, regex=False)
    schools[COUNTY_COLUMN] = name
    return replace(p, teachers=prefix(p.teachers, "teachers"), schools=schools,
                   needs=prefix(p.needs, "needs"), roads=prefix(p.roads, "roads"))


def _county_problem(recipe: tuple) -> Problem:
    """Make a recipe into its Problem (on a worker); its warnings stay on ``problem.warnings``."""
    kind = recipe[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        if kind == "problem":
            return recipe[1]
        if kind == "synthetic":
            return _synthetic_county(*recipe[1:])
        if kind == "path":
            from .io import load_problem

            _, path, reference_date, max_file_mb, max_rows = recipe
            return load_problem(path, reference_date, max_file_mb=max_file_mb, max_rows=max_rows)
        if kind == "frames":
            from .problem import Problem

            _, frames, sources, reference_date = recipe
            return Problem.from_frames(frames["teachers"], frames["schools"], frames["needs"],
                                       frames.get("distances"), frames.get("roads"),
                                       reference_date=reference_date, sources=sources,
                                       exchanges=frames.get("exchanges"))
    raise InputError(f"unknown county recipe {kind!r}")


def as_province(source: Any, reference_date: Any = None, *, max_file_mb: float | None = None,
                max_rows: int | None = None) -> Province:
    """A :class:`Province` from a Province, a Problem with a county column, or a path.

    Raises
    ------
    InputError
        The path is neither a roster with a county column nor a folder of county rosters.
    SchemaError
        Rows that cannot be placed in any county (every one of them, with file, row and column).
    """
    from .io import MAX_FILE_MB, MAX_ROWS
    from .problem import Problem

    max_file_mb = MAX_FILE_MB if max_file_mb is None else max_file_mb
    max_rows = MAX_ROWS if max_rows is None else max_rows
    if isinstance(source, Province):
        return source
    if isinstance(source, Problem):
        return _split_problem(source)
    if not isinstance(source, (str, os.PathLike)):
        raise InputError(f"a province is a Province (make_province), a Problem with a county column or a "
                         f"path, got {type(source).__name__}")
    path = Path(source)
    ref = None if reference_date is None else str(reference_date)
    try:
        if path.is_dir() and not any(table_of_path(f) is not None for f in path.iterdir() if f.is_file()):
            counties = sorted(f for f in path.iterdir() if not f.name.startswith((".", "~$"))
                              and (f.is_dir() or f.suffix.lower() in (".xlsx", ".xlsm")))
            if not counties:
                raise InputError(f"{path}: holds no roster — give a roster with a county column (县区), or a "
                                 f"folder with one roster per county (a sub-folder or a workbook each)")
            names = [f.stem if f.is_file() else f.name for f in counties]
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                raise InputError(f"{path}: county {twice[0]!r} is given twice (a folder and a workbook "
                                 f"of one name) — keep one")
            from .output_files import remember_input

            remember_input(path)  # the writers never write over a county's roster
            return Province({n: ("path", str(f), ref, max_file_mb, max_rows)
                             for n, f in zip(names, counties, strict=True)}, source=str(path))
        from .io import read_tables

        frames, sources, first_rows = read_tables(path, max_file_mb, max_rows)
    except OSError as exc:
        where = exc.filename if exc.filename is not None else path
        raise InputError(f"{where}: {exc.strerror or exc} — check the path and its permissions") from None
    from .output_files import remember_input

    remember_input(path)
    return _split_frames(frames, sources, first_rows, ref, str(path))


# ---------------------------------------------------------------------------------------------- splitting
def _county_header(df: pd.DataFrame, table: str) -> str | None:
    from .schema import _header_map

    mapping, _ = _header_map(table, df.columns)
    return next((str(h) for h, canon in mapping.items() if canon == COUNTY_COLUMN), None)


def _id_of(table: str, column: str, df: pd.DataFrame) -> pd.Series:
    """The ids of a raw column as the schema reads them (``1001.0`` → ``"1001"``), None when blank."""
    from .schema import TABLES, _header_map, _is_blank

    mapping, _ = _header_map(table, df.columns)
    header = next((h for h, canon in mapping.items() if canon == column), None)
    if header is None:
        return pd.Series([None] * len(df), index=df.index, dtype=object)
    from .schema import _coerce_value

    col = next(c for c in TABLES[table] if c.name == column)

    def one(v):
        if _is_blank(v):
            return None
        try:
            return _coerce_value(col, v)
        except (ValueError, TypeError):
            return str(v)

    return pd.Series([one(v) for v in df[header]], index=df.index, dtype=object)


def _county_text(df: pd.DataFrame, header: str | None) -> pd.Series:
    from .schema import _is_blank

    if header is None:
        return pd.Series([None] * len(df), index=df.index, dtype=object)
    return pd.Series([None if _is_blank(v) else str(v).strip() for v in df[header]], index=df.index,
                     dtype=object)


def _split_frames(frames: dict, sources: dict, first_rows: dict, reference_date, source: str) -> Province:
    """A roster with a county column → one recipe per county holding its own raw rows.

    Each table's rows keep their file row numbers (as the index), so a county's error names the row of the
    file the planner sees.
    """
    from .schema import _is_blank

    frames = {name: df.set_axis(np.arange(len(df)) + int(first_rows.get(name, 2)), axis=0)
              for name, df in frames.items()}
    # rows left entirely empty (an artefact of Excel exports) are skipped, as the roster reader skips them
    frames = {name: df[~df.apply(lambda col: col.map(_is_blank)).all(axis=1)] if len(df) else df
              for name, df in frames.items()}

    def src(table: str) -> str:
        return str(sources.get(table, table))

    t, s = frames["teachers"], frames["schools"]
    s_head, t_head = _county_header(s, "schools"), _county_header(t, "teachers")
    if s_head is None and t_head is None:
        raise InputError(f"{source}: no county column (县区) in the schools or the teachers table — a "
                         f"province roster names each school's county; or give a folder with one roster per "
                         f"county")
    school_ids, teacher_school = _id_of("schools", "school_id", s), _id_of("teachers", "school_id", t)
    issues: list[Issue] = []
    t_county = _county_text(t, t_head)
    if s_head is not None:
        s_county = _county_text(s, s_head)
        for row in s.index[s_county.isna()]:
            issues.append(Issue(src("schools"), int(row), s_head,
                                "the county is empty — every school belongs to a county (县区)"))
    else:
        # the county of a school is its teachers' county
        pairs = pd.DataFrame({"school": teacher_school, "county": t_county}).dropna()
        named = pairs.groupby("school", sort=True)["county"].agg(lambda c: sorted(set(c)))
        s_county = school_ids.map(lambda i: named[i][0] if i in named.index and len(named[i]) == 1 else None)
        for row, sid in school_ids.items():
            if sid in named.index and len(named[sid]) > 1:
                issues.append(Issue(src("schools"), int(row), "school_id",
                                    f"the teachers of school {sid} name {len(named[sid])} counties "
                                    f"({', '.join(named[sid])}) — one school, one county"))
            elif sid not in named.index:
                issues.append(Issue(src("schools"), int(row), "school_id",
                                    f"no teacher of school {sid} names its county — add a county column "
                                    f"(县区) to the schools table"))
    county_of_school = dict(zip(school_ids, s_county, strict=True))
    from_school = teacher_school.map(lambda i: county_of_school.get(i))
    if t_head is not None:
        for row in t.index[t_county.notna() & from_school.notna() & (t_county != from_school)]:
            issues.append(Issue(src("teachers"), int(row), t_head,
                                f"county {t_county[row]} but the teacher's school {teacher_school[row]} is "
                                f"in county {from_school[row]}"))
    county_t = t_county.where(t_county.notna(), from_school)
    known_schools = set(school_ids.dropna())
    # a teacher of a school whose county is empty is named by that school's row: reported once, not twice
    for row in t.index[county_t.isna() & ~teacher_school.isin(known_schools)]:
        issues.append(Issue(src("teachers"), int(row), "school_id", f"school {teacher_school[row]} is not in "
                            f"the schools table, so the teacher is in no county"
                            + (" (and the teacher's county is empty)" if t_head else "")))
    parts: dict[str, dict[str, list]] = {}

    def put(table: str, county_series: pd.Series, unknown: pd.Series | None = None, col: str = "",
            what: str = "", skip: pd.Series | None = None) -> None:
        """Give each row to its county; ``unknown`` rows (in no county's table) are issues."""
        if unknown is not None:
            for row in county_series.index[unknown & county_series.isna()]:
                issues.append(Issue(src(table), int(row), col, what))
        if skip is not None:
            county_series = county_series[~skip]
        for c, g in county_series.dropna().groupby(county_series.dropna(), sort=True):
            parts.setdefault(str(c), {}).setdefault(table, []).append(g.index)

    put("schools", s_county)
    put("teachers", county_t)
    needs = frames["needs"]
    need_school = _id_of("needs", "school_id", needs)
    put("needs", need_school.map(lambda i: county_of_school.get(i)), ~need_school.isin(known_schools),
        "school_id", "the school is not in the schools table, so the need is in no county")
    if "exchanges" in frames:
        teacher_ids = _id_of("teachers", "teacher_id", t)
        county_of_teacher = dict(zip(teacher_ids, county_t, strict=True))
        e = frames["exchanges"]
        who = _id_of("exchanges", "teacher_id", e)
        put("exchanges", who.map(lambda i: county_of_teacher.get(i)), ~who.isin(set(teacher_ids.dropna())),
            "teacher_id", "the teacher is not in the teachers table, so the exchange is in no county")
    if "distances" in frames:
        d = frames["distances"]
        fa, fb = _id_of("distances", "from_school_id", d), _id_of("distances", "to_school_id", d)
        a, b = fa.map(lambda i: county_of_school.get(i)), fb.map(lambda i: county_of_school.get(i))
        # a distance across a county's border is not needed (no rotation crosses it): left out; one end of
        # an unknown school stays with the other end's county, whose validation names it
        cross = a.notna() & b.notna() & (a != b)
        put("distances", a.where(a.notna(), b), ~fa.isin(known_schools) & ~fb.isin(known_schools),
            "from_school_id", "neither school is in the schools table, so the distance is in no county",
            skip=cross)
    if "roads" in frames:
        r = frames["roads"]
        road_rows = _split_roads(_id_of("roads", "u", r), _id_of("roads", "v", r), county_of_school)
        for c, idx in road_rows.items():
            parts.setdefault(c, {}).setdefault("roads", []).append(idx)
    if issues:
        from .problem import _issues_frame

        raise SchemaError(_issues_frame(issues))
    recipes = {}
    for c, tables in parts.items():
        own = {name: frames[name].loc[np.concatenate([np.asarray(i) for i in idx])].sort_index()
               for name, idx in tables.items()}
        for name in ("teachers", "schools", "needs"):  # a county with no needs has an empty needs table
            own.setdefault(name, frames[name].iloc[:0])
        recipes[c] = ("frames", own, dict(sources), reference_date)
    return Province(recipes, source=source)


def _split_roads(u: pd.Series, v: pd.Series, county_of_school: dict) -> dict[str, pd.Index]:
    """Road rows per county: roads touching its schools, and the junctions reached from them.

    A road between two counties' schools belongs to neither. Junctions (nodes that are no school) form
    connected networks; a network touched by a county's schools is that county's (a network joining
    several counties, e.g. the roads between county towns, is given to each of them).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    cu, cv = u.map(lambda i: county_of_school.get(i)), v.map(lambda i: county_of_school.get(i))
    junction_edge = cu.isna() & cv.isna()
    nodes = pd.Index(pd.unique(pd.concat([u[cu.isna()], v[cv.isna()]]).dropna()))
    pos_u, pos_v = nodes.get_indexer(u[junction_edge]), nodes.get_indexer(v[junction_edge])
    graph = coo_matrix((np.ones(len(pos_u)), (pos_u, pos_v)), shape=(len(nodes), len(nodes)))
    _, label = connected_components(graph, directed=False)
    net = dict(zip(nodes, label, strict=True))
    counties_of_net: dict[int, set] = {}
    for school_c, other in ((cu, v), (cv, u)):
        touch = school_c.notna() & other.map(lambda i: i in net)
        for c, j in zip(school_c[touch], other[touch], strict=True):
            counties_of_net.setdefault(net[j], set()).add(c)
    out: dict[str, list] = {}
    for row in u.index:
        a, b = cu[row], cv[row]
        if pd.notna(a) and pd.notna(b):
            owners = {a} if a == b else set()
        elif pd.notna(a) or pd.notna(b):
            owners = {a if pd.notna(a) else b}
        else:
            owners = counties_of_net.get(net.get(u[row], -1), set())
        for c in owners:
            out.setdefault(c, []).append(row)
    return {c: pd.Index(rows) for c, rows in out.items()}


def _split_problem(problem: Problem) -> Province:
    """A Problem with a county column → one validated sub-Problem per county (its rows, nothing re-read)."""
    s, t = problem.schools, problem.teachers
    if COUNTY_COLUMN not in s.columns and COUNTY_COLUMN not in t.columns:
        raise InputError("the problem has no county column (县区) on its schools or teachers — a province "
                         "names each school's county; or use make_province / a folder with one roster per "
                         "county")
    if COUNTY_COLUMN in s.columns:
        s_county = s[COUNTY_COLUMN].astype(object)
    else:
        by_school = t.groupby("school_id")[COUNTY_COLUMN].first()
        s_county = s["school_id"].map(by_school).astype(object)
    blank = s_county.isna() | (s_county.astype(str).str.strip() == "")
    issues = [Issue(problem.sources.get("schools", "schools"), problem.rows.get("schools", list(s.index))[i],
                    COUNTY_COLUMN, "the county is empty — every school belongs to a county (县区)")
              for i in np.flatnonzero(blank.to_numpy())]
    if issues:
        from .problem import _issues_frame

        raise SchemaError(_issues_frame(issues))
    county_of_school = dict(zip(s["school_id"], s_county.astype(str).str.strip(), strict=True))
    tables = {"schools": s["school_id"], "teachers": t["school_id"], "needs": problem.needs["school_id"]}
    cols = {name: pd.Series(ids.map(county_of_school).to_numpy(), dtype=object)
            for name, ids in tables.items()}
    if problem.exchanges is not None:
        county_of_teacher = dict(zip(t["teacher_id"], cols["teachers"], strict=True))
        cols["exchanges"] = pd.Series(problem.exchanges["teacher_id"].map(county_of_teacher).to_numpy(),
                                      dtype=object)
    if problem.distances is not None:
        d = problem.distances
        a = d["from_school_id"].map(county_of_school)
        cols["distances"] = pd.Series(a.where(a == d["to_school_id"].map(county_of_school)).to_numpy(),
                                      dtype=object)
    road_rows = (_split_roads(problem.roads["u"].astype(object), problem.roads["v"].astype(object),
                              county_of_school) if problem.roads is not None else {})
    recipes = {}
    for c in sorted(set(county_of_school.values())):
        def part(name: str, df: pd.DataFrame | None, c: str = c) -> tuple[pd.DataFrame | None, list | None]:
            if df is None:
                return None, None
            if name == "roads":
                pos = np.asarray(road_rows.get(c, pd.Index([])), dtype=int)
            else:
                pos = np.flatnonzero((cols[name] == c).to_numpy())
            rows = problem.rows.get(name)
            return (df.iloc[pos].reset_index(drop=True),
                    [rows[i] for i in pos] if rows is not None and len(rows) == len(df) else None)

        own: dict[str, Any] = {}
        rows: dict[str, list] = {}
        for name in ("teachers", "schools", "needs", "distances", "roads", "exchanges"):
            own[name], r = part(name, getattr(problem, name))
            if r is not None:
                rows[name] = r
        sub = replace(problem, **own, rows=rows)
        recipes[c] = ("problem", sub)
    return Province(recipes, source=repr(problem))


# ---------------------------------------------------------------------------------------------- solving
def solve_province(source: Any, policy: Policy, objective: Objective | None = None, *,
                   time_limit: float = 60.0, client: Any = None, n_workers: int | None = None,
                   workers_per_solve: int = 1, seed: int = 0, reference_date: Any = None,
                   progress: bool = True, connect_timeout: float | None = None) -> ProvincePlan:
    """Plan every county of a province on a dask.distributed cluster and merge them into one plan.

    Parameters
    ----------
    source : Province, Problem or path
        See the module docstring.
    policy : Policy
        The province's policy, applied to each county (its quotas and targets are per county).
    objective : Objective, optional
        Defaults to the policy's ``[objective]`` weights.
    time_limit : float
        Seconds per county.
    client : None, distributed.Client or str
        ``None``: a LocalCluster on this machine (``n_workers`` processes, default one per CPU core),
        closed afterwards. A Client: used. A string: a scheduler's address (``tcp://host:8786``); its workers
        need teacher_match (and, for a roster given by path, the path).
    n_workers : int, optional
        Processes of the LocalCluster started when ``client`` is None.
    workers_per_solve : int
        CP-SAT workers of each county's solve; 1 (the default) keeps every solve deterministic.
    seed : int
        CP-SAT's random seed, the same for every county.
    reference_date : date or str, optional
        Statistics cut-off for a roster read from a path.
    progress : bool
        A progress bar on stderr, when it is a terminal.
    connect_timeout : float, optional
        Seconds to reach a scheduler given by its address (default
        :data:`teacher_match.cluster.CONNECT_TIMEOUT_S`).

    Returns
    -------
    ProvincePlan

    Raises
    ------
    InputError, SchemaError
        The source is no province, or rows cannot be placed in a county (before any solve). A county's own
        broken data is not raised: it is that county's error in the plan.
    ClusterError
        The scheduler cannot be reached.
    """
    from .cluster import CONNECT_TIMEOUT_S, cluster_client, run_tasks
    from .objective import Objective
    from .solving import _check_arguments

    _check_arguments(time_limit, workers_per_solve, seed)
    if objective is not None and not isinstance(objective, Objective):
        raise PolicyError(f"objective must be a teacher_match.Objective, got {type(objective).__name__}")
    policy.require_complete()
    if n_workers is not None and (isinstance(n_workers, bool) or not isinstance(n_workers, (int, np.integer))
                                  or n_workers < 1):
        raise InputError(f"n_workers must be a whole number ≥ 1, got {n_workers!r}")
    province = as_province(source, reference_date)
    shared = {"policy": policy, "objective": objective, "time_limit": float(time_limit),
              "workers": int(workers_per_solve), "seed": int(seed)}
    items = [(name, province.recipe(name)) for name in province.names]
    timeout = CONNECT_TIMEOUT_S if connect_timeout is None else connect_timeout
    with cluster_client(client, n_workers=n_workers, connect_timeout=timeout) as c:
        results = run_tasks(c, plan_county, shared, items, progress=progress, label="province")
    return ProvincePlan.from_results(province.names, results, policy.id)


def plan_county(shared: dict, name: str, recipe: tuple) -> dict:
    """One county on a worker: build its Problem, solve, check; an error is returned, not raised.

    Returns
    -------
    dict
        The county's :data:`SUMMARY_COLUMNS` values and its tables (``assignments``, ``needs``,
        ``violations``, ``shortfalls``, ``warnings``), each with a ``county`` column first, and ``worker`` /
        ``peak_rss_mb`` of the process that ran it.
    """
    from .check import check, shortfalls
    from .solving import solve

    t0, cpu0 = time.perf_counter(), time.process_time()
    row: dict[str, Any] = {"county": name}
    problem = None
    try:
        problem = _county_problem(recipe)
        row["warnings_list"] = list(problem.warnings)
        policy = shared["policy"]
        plan = solve(problem, policy, shared["objective"], time_limit=shared["time_limit"],
                     workers=shared["workers"], seed=shared["seed"])
        row |= {"status": plan.status, "objective": plan.objective, "bound": plan.bound, "gap": plan.gap}
        totals = plan.totals()
        row |= {k: totals[k] for k in ("teachers", "eligible", "rotated", "needs_declared", "needs_filled",
                                       "needs_unfilled", "commute_km_total")}
        if plan.has_plan:
            short = plan.shortfalls if plan.shortfalls is not None else shortfalls(problem, policy, plan)
            violations = check(problem, policy, plan)
            row |= {"shortfalls": len(short), "violations": len(violations),
                    "violations_table": _with_county(violations, name),
                    "shortfalls_table": _with_county(short, name)}
        row["assignments"] = _with_county(plan.assignments, name)
        row["needs"] = _with_county(plan.needs, name)
    except (TeacherMatchError, RecursionError, MemoryError) as exc:
        row["error"] = str(exc)
    except Exception as exc:  # noqa: BLE001 - any other failure is this county's, reported in its row
        row["error"] = f"{type(exc).__name__}: {exc}"
    if "error" in row:
        # the county was not planned: its teachers are listed as far as they can be read, every one staying,
        # with the reason — nobody of the roster is lost from the province's plan
        t = problem.teachers if problem is not None else _raw_teachers(recipe)
        if t is not None:
            reason = ("not planned: " + _one_line(row["error"], 300) if problem is not None else
                      "not planned: the county's data has errors (see its error)")
            row["assignments"] = _with_county(pd.DataFrame({
                "teacher_id": t["teacher_id"].to_numpy(), "from_school_id": t["school_id"].to_numpy(),
                "to_school_id": None, "moves": False, "mode": None, "subject": t["subject"].to_numpy(),
                "commute_km": np.nan, "status": "not planned", "reason": reason}), name)
            row["teachers"] = len(t)
    row["warnings"] = len(row.get("warnings_list", []))
    row["seconds"] = time.perf_counter() - t0
    # the processor time of this process: what the county costs whatever else the machine runs
    row["cpu_seconds"] = time.process_time() - cpu0
    row["worker"] = f"{socket.gethostname()}:{os.getpid()}"
    row["peak_rss_mb"] = _peak_rss_mb()
    return row


def _raw_teachers(recipe: tuple) -> pd.DataFrame | None:
    """``teacher_id, school_id, subject`` of a county's teachers table as written (its data may be broken).

    None when the table cannot be read at all.
    """
    try:
        if recipe[0] == "frames":
            raw = recipe[1]["teachers"]
        elif recipe[0] == "path":
            from .io import read_tables

            raw = read_tables(recipe[1], recipe[3], recipe[4])[0]["teachers"]
        else:
            return None
        from .schema import _is_blank

        raw = raw[~raw.apply(lambda col: col.map(_is_blank)).all(axis=1)] if len(raw) else raw
        return pd.DataFrame({c: _id_of("teachers", c, raw).to_numpy()
                             for c in ("teacher_id", "school_id", "subject")})
    except (TeacherMatchError, OSError, ValueError, KeyError):
        return None


def _with_county(df: pd.DataFrame, name: str) -> pd.DataFrame:
    out = df.copy()
    if COUNTY_COLUMN in out.columns:
        out = out.drop(columns=COUNTY_COLUMN)
    out.insert(0, COUNTY_COLUMN, name)
    return out


def _one_line(text: object, width: int = 160) -> str:
    """An error on one line: its lines joined, cut at ``width`` characters."""
    line = " ".join(part.strip() for part in str(text).splitlines() if part.strip())
    return line if len(line) <= width else line[: width - 1] + "…"


def _peak_rss_mb() -> float:
    """The peak resident memory of this process, MB (NaN where the system does not say)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return float("nan")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    import sys

    return peak / 1e6 if sys.platform == "darwin" else peak / 1024


# ---------------------------------------------------------------------------------------------- the plan
class ProvincePlan:
    """The plans of a province's counties, merged (the result of :func:`solve_province`).

    Attributes
    ----------
    counties : DataFrame
        One row per county, in county order: :data:`SUMMARY_COLUMNS`. A county that failed has status
        ``ERROR`` and its ``error``; a county without a plan (INFEASIBLE, none found in time) its status.
    assignments : DataFrame
        ``county`` then the plan's assignment columns: every teacher of every county that was read, exactly
        once (a county read but not planned lists its teachers as staying, status ``not planned``).
    needs : DataFrame
        ``county`` then the plan's needs table.
    violations : DataFrame
        ``county`` then :func:`teacher_match.check`'s rows, every county's (empty for valid plans).
    shortfalls : DataFrame
        ``county`` then :func:`teacher_match.shortfalls`' rows.
    warnings : DataFrame
        ``county, warning``: what loads but probably misleads, per county.
    runtime : DataFrame
        ``county, seconds, cpu_seconds, worker, peak_rss_mb``: how the run went — wall and processor
        seconds, the worker process (host:pid) and its peak resident memory (never written to a file).
    policy_id : str
    """

    def __init__(self, counties: pd.DataFrame, assignments: pd.DataFrame, needs: pd.DataFrame,
                 violations: pd.DataFrame, shortfalls: pd.DataFrame, warnings: pd.DataFrame,
                 runtime: pd.DataFrame, policy_id: str = ""):
        self.counties = counties
        self.assignments = assignments
        self.needs = needs
        self.violations = violations
        self.shortfalls = shortfalls
        self.warnings = warnings
        self.runtime = runtime
        self.policy_id = policy_id

    @classmethod
    def from_results(cls, names: list[str], results: list[dict], policy_id: str = "") -> ProvincePlan:
        """Merge the rows :func:`plan_county` returned (one per county, in county order)."""
        rows = []
        for name, r in zip(names, results, strict=True):
            r = dict(r)
            r.setdefault("county", name)
            if "error" not in r and "status" not in r:
                r["error"] = "the county returned no result"
            rows.append(r)
        t = pd.DataFrame([{c: r.get(c) for c in SUMMARY_COLUMNS} for r in rows], columns=SUMMARY_COLUMNS)
        for c in _COUNT_COLUMNS:
            t[c] = pd.array([None if v is None or pd.isna(v) else int(v) for v in t[c]], dtype="Int64")
        for c in _FLOAT_COLUMNS:
            t[c] = pd.to_numeric(t[c], errors="coerce").astype(float)
        t["status"] = t["status"].astype(object).where(t["status"].notna(), "ERROR")
        t["error"] = t["error"].astype(object).where(t["error"].notna(), None)

        def stack(key: str, columns: list[str]) -> pd.DataFrame:
            parts = [r[key] for r in rows if isinstance(r.get(key), pd.DataFrame) and len(r[key])]
            if not parts:
                return pd.DataFrame(columns=columns)
            return pd.concat(parts, ignore_index=True)

        warn = pd.DataFrame([(r["county"], w) for r in rows for w in r.get("warnings_list", [])],
                            columns=["county", "warning"])
        runtime = pd.DataFrame([(r["county"], r.get("seconds"), r.get("cpu_seconds"), r.get("worker"),
                                 r.get("peak_rss_mb")) for r in rows],
                               columns=["county", "seconds", "cpu_seconds", "worker", "peak_rss_mb"])
        return cls(t, stack("assignments", ["county", "teacher_id"]), stack("needs", ["county", "school_id"]),
                   stack("violations_table", ["county", "rule", "key", "detail"]),
                   stack("shortfalls_table", ["county"]), warn, runtime, policy_id)

    def __len__(self) -> int:
        """Number of counties."""
        return len(self.counties)

    def __repr__(self) -> str:
        """Counties, planned, failed, teachers, rotated."""
        t = self.totals()
        return (f"ProvincePlan({t['counties']} counties, {t['planned']} planned, {t['failed']} failed; "
                f"{t['teachers']:,} teachers, {t['rotated']:,} rotated; policy '{self.policy_id}')")

    @property
    def errors(self) -> pd.DataFrame:
        """``county, error`` of the counties that failed."""
        return self.counties.loc[self.counties["error"].notna(), ["county", "error"]].reset_index(drop=True)

    def check(self) -> pd.DataFrame:
        """Every county's :func:`teacher_match.check` rows, aggregated; empty when every plan is valid.

        The checker ran on the workers, each county's plan against the county's own roster.
        """
        return self.violations

    def totals(self) -> dict:
        """Province totals: counties, planned, failed, teachers, rotated, needs, commute, violations."""
        c = self.counties
        planned = c["status"].isin(["OPTIMAL", "FEASIBLE"])
        return {"counties": len(c), "planned": int(planned.sum()), "failed": int(c["error"].notna().sum()),
                "no_plan": int((~planned & c["error"].isna()).sum()),
                "teachers": int(len(self.assignments)),
                "rotated": int(self.assignments["moves"].sum()) if len(self.assignments) else 0,
                "needs_declared": int(c["needs_declared"].fillna(0).sum()),
                "needs_filled": int(c["needs_filled"].fillna(0).sum()),
                "needs_unfilled": int(c["needs_unfilled"].fillna(0).sum()),
                "commute_km_total": float(c["commute_km_total"].fillna(0).sum()),
                "shortfalls": int(c["shortfalls"].fillna(0).sum()),
                "violations": int(c["violations"].fillna(0).sum())}

    def summary(self) -> str:
        """What a bureau reads first: failures and minima not met, then the totals and each county's row."""
        t = self.totals()
        c = self.counties
        lines = []
        if t["failed"]:
            lines.append(f"NOT PLANNED: {t['failed']} of {t['counties']} counties failed — "
                         + "; ".join(f"{r.county}: {_one_line(r.error)}"
                                     for r in c[c["error"].notna()].head(5).itertuples())
                         + (" …" if t["failed"] > 5 else ""))
        if t["no_plan"]:
            none = c[~c["status"].isin(["OPTIMAL", "FEASIBLE"]) & c["error"].isna()]
            lines.append(f"NO PLAN in {t['no_plan']} counties: "
                         + ", ".join(f"{r.county} ({r.status})" for r in none.itertuples()))
        if t["violations"]:
            lines.append(f"INVALID: {t['violations']} rule violations in the plans (see check())")
        if t["shortfalls"]:
            short = c[c["shortfalls"].fillna(0) > 0]
            lines.append(f"SHORT of a minimum the policy made soft in {len(short)} counties "
                         f"({t['shortfalls']} shortfalls): " + ", ".join(short["county"].head(10))
                         + (" …" if len(short) > 10 else ""))
        lines += [
            f"province plan, policy '{self.policy_id}': {t['planned']} of {t['counties']} counties planned",
            f"teachers {t['teachers']:,}; rotated {t['rotated']:,}; needs filled {t['needs_filled']:,} of "
            f"{t['needs_declared']:,} ({t['needs_unfilled']:,} unfilled); commute of rotated "
            f"{t['commute_km_total']:,.1f} km in all",
            "",
        ]
        shown = c.drop(columns=["error"]).copy()
        lines.append(shown.to_string(index=False))
        return "\n".join(lines)

    def publicity(self, view: str = "receiving") -> pd.DataFrame:
        """The province's publicity list (公示名单), one view, with the county (县区) first."""
        from .publicity import publicity_table

        return publicity_table(self.assignments, view)

    def to_excel(self, path: str | Path) -> Path:
        """Write the province workbook (per-county totals, assignments, needs, 公示名单 …).

        Sheets: counties (per-county totals), province (totals), assignments, needs, 公示名单, and errors,
        violations, shortfalls and warnings when there are any. Checked first, replaced whole, text cells as
        text; reproducible: the same plans give the same bytes (no timing in the sheets).

        Raises
        ------
        OutputError
            The path cannot take the workbook, or the write failed (the old file is kept).
        """
        from .output_files import atomic_write, check_output, text_cells_as_text
        from .publicity import write_publicity_sheet
        from .reproducible import make_reproducible

        target = check_output(path, PROVINCE_SUFFIXES, what="the province plan")
        totals = self.totals()
        with atomic_write(target, "the province plan") as tmp:
            with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
                self.counties.drop(columns=["seconds"]).to_excel(xw, sheet_name="counties", index=False)
                pd.DataFrame(list(totals.items()) + [("policy", self.policy_id)],
                             columns=["total", "value"]).to_excel(xw, sheet_name="province", index=False)
                # a sheet holds at most 1,048,576 rows: a larger province continues on "assignments 2" …
                for i, start in enumerate(range(0, max(1, len(self.assignments)), SHEET_ROWS)):
                    self.assignments.iloc[start:start + SHEET_ROWS].to_excel(
                        xw, sheet_name="assignments" + (f" {i + 1}" if i else ""), index=False)
                self.needs.to_excel(xw, sheet_name="needs", index=False)
                if len(self.assignments):
                    write_publicity_sheet(xw, self.assignments)
                for sheet, df in (("errors", self.errors), ("violations", self.violations),
                                  ("shortfalls", self.shortfalls), ("warnings", self.warnings)):
                    if len(df):
                        df.to_excel(xw, sheet_name=sheet, index=False)
                text_cells_as_text(xw.book)
            make_reproducible(tmp)
        return Path(path)

    def write_report(self, path: str | Path) -> Path:
        """An HTML report: province totals, per-county totals, needs per subject, the counties that failed."""
        from .report import write_province_report

        return write_province_report(self, path)
