"""The Problem: validated, immutable input tables and the indexes derived from them.

A :class:`Problem` is built once (``Problem.from_frames`` or :func:`teacher_match.io.load_problem`), after
which its tables are treated as read-only values: every later step derives new frames instead of mutating.
No solver code lives here.
"""

from __future__ import annotations

import datetime as dt
import difflib
import warnings as _warnings
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd

from .errors import InputWarning, SchemaError
from .history import ExchangeHistory, exchange_ends, exchange_history, plan_year_tables
from .schema import KNOWN_SUBJECTS, Issue, normalize_table
from .subjects import SUBJECT_ZH, closest_subject

__all__ = ["Problem", "default_reference_date", "format_issue"]

#: years columns that may be given as a date column instead, computed in full years at the reference date
DATE_DERIVED = {
    "age": "birth_date",
    "years_at_school": "school_start_date",
    "teaching_years": "work_start_date",
    "years_in_post": "post_start_date",
}

TEACHER_DEFAULTS = {
    "title": "none",
    "role": "teacher",
    "backbone": False,
}
SCHOOL_DEFAULTS = {"strength": "normal", "stage": pd.NA, "township": pd.NA, "pair_id": pd.NA}


def default_reference_date(today: dt.date | None = None) -> dt.date:
    """Statistics cut-off (统计截止日期) when none is given: 31 August of the current plan year."""
    today = today or dt.date.today()
    return dt.date(today.year, 8, 31)


def full_years(dates: pd.Series, ref: dt.date) -> pd.Series:
    """Completed years (周岁 / 满N年) from each date to ``ref``; NaN where the date is missing."""
    d = pd.to_datetime(dates)
    years = ref.year - d.dt.year
    before = (d.dt.month > ref.month) | ((d.dt.month == ref.month) & (d.dt.day > ref.day))
    return (years - before.astype("Int64")).astype("Int64")


@dataclass(frozen=True, eq=False)
class Problem:
    """Validated input: teachers, schools, needs, and optionally distances or a road graph and exchanges.

    Attributes
    ----------
    teachers, schools, needs : DataFrame
        Canonical columns (see SPEC §3), unknown extra columns kept.
    distances : DataFrame or None
        ``from_school_id, to_school_id, km``.
    roads : DataFrame or None
        Road graph edge list ``u, v, km``; school ids are nodes.
    exchanges : DataFrame or None
        Exchange history (交流记录), one row per term (see :mod:`teacher_match.history`). When given,
        ``teachers`` and ``needs`` read as the plan year after the reference date will find them: a teacher
        away on exchange counts at the receiving school, one returning at the home school, and a post left by
        a returning teacher re-opens where the receiving school's shortage persists (``needs.reopened``); the
        roster's own values stay in ``_roster_school_id`` and ``_declared_count``.
    reference_date : datetime.date
        The date at which date columns were turned into years.
    sources : dict
        Table name -> file name (or ``"(DataFrame)"``) for messages.
    rows : dict
        Table name -> the file row number (or index label) of each row, for messages.
    warnings : tuple of str
        What loads but probably misleads (unknown subjects, needs nobody can fill), each also issued as an
        :class:`~teacher_match.errors.InputWarning` when the problem is built.
    """

    teachers: pd.DataFrame
    schools: pd.DataFrame
    needs: pd.DataFrame
    distances: pd.DataFrame | None = None
    roads: pd.DataFrame | None = None
    exchanges: pd.DataFrame | None = None
    reference_date: dt.date = field(default_factory=default_reference_date)
    #: the diversion's options (分流岗位: ``option_id, capacity``), see :mod:`teacher_match.diversion`
    options: pd.DataFrame | None = None
    sources: dict = field(default_factory=dict)
    rows: dict = field(default_factory=dict)
    warnings: tuple = ()

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_frames(
        cls,
        teachers: pd.DataFrame,
        schools: pd.DataFrame,
        needs: pd.DataFrame | None = None,
        distances: pd.DataFrame | None = None,
        roads: pd.DataFrame | None = None,
        reference_date: dt.date | str | None = None,
        sources: dict | None = None,
        first_rows: dict | None = None,
        exchanges: pd.DataFrame | None = None,
        options: pd.DataFrame | None = None,
    ) -> Problem:
        """Validate raw frames (English or Chinese headers) and build a Problem.

        ``exchanges`` is the optional exchange history (交流记录): its exchanges must name teachers and
        schools of the roster, start by the reference date, end after they start, not overlap for one
        teacher, and have a term > 0. ``options`` is the optional table of the diversion's options
        (分流岗位: ``option_id, capacity``; one row per option), whose ids the wishes may name.

        Every problem in every table is collected and raised together as one :class:`SchemaError`.

        Examples
        --------
        >>> import pandas as pd, teacher_match as tm
        >>> t = pd.DataFrame({"教师编号": ["T1"], "学校编号": ["S1"], "学科": ["音乐"], "性别": ["女"],
        ...                   "年龄": [35], "本校连续任教年限": [8]})
        >>> s = pd.DataFrame({"学校编号": ["S1", "S2"], "类别": ["城区", "乡村"], "x": [0, 10], "y": [0, 0]})
        >>> n = pd.DataFrame({"school_id": ["S2"], "subject": ["music"], "count": [1]})
        >>> p = tm.Problem.from_frames(t, s, n)
        >>> p.teachers.loc[0, "subject"], p.schools.loc[1, "category"]
        ('music', 'rural')
        """
        sources = dict(sources or {})
        first_rows = dict(first_rows or {})
        ref = _as_date(reference_date) if reference_date is not None else default_reference_date()
        if needs is None:
            needs = pd.DataFrame({"school_id": [], "subject": [], "count": []})
        issues: list[Issue] = []
        has_geo = distances is not None or roads is not None
        frames = {}
        for name, df in (("teachers", teachers), ("schools", schools), ("needs", needs),
                         ("distances", distances), ("roads", roads), ("exchanges", exchanges),
                         ("options", options)):
            if df is None:
                continue
            src = sources.setdefault(name, f"{name} (DataFrame)")
            if not isinstance(df, pd.DataFrame):
                issues.append(Issue(src, None, "", f"expected a table, got {type(df).__name__}"))
                continue
            clean, found = normalize_table(df, name, src, first_rows.get(name))
            frames[name] = clean
            issues.extend(found)
        if issues or len(frames) < 3:
            raise SchemaError(_issues_frame(issues))
        t, s, n = frames["teachers"], frames["schools"], frames["needs"]
        issues += _cross_checks(t, s, n, frames.get("distances"), has_geo, sources, frames.get("options"))
        if "exchanges" in frames:
            issues += _exchange_checks(frames["exchanges"], t, s, ref, sources)
        if not issues:
            issues += _geo_checks(t, s, n, frames.get("distances"), frames.get("roads"), sources)
        if issues:
            raise SchemaError(_issues_frame(issues))
        found = _subject_warnings(t, n, sources) + _protected_warnings(t, s, sources)
        if "exchanges" in frames:
            found += _history_column_warnings(t, sources)
        notes = tuple(format_issue(i) for i in found)
        for note in notes:
            _warnings.warn(note, InputWarning, stacklevel=2)
        prob = cls(
            teachers=t, schools=s, needs=n,
            distances=frames.get("distances"), roads=frames.get("roads"), exchanges=frames.get("exchanges"),
            reference_date=ref, sources=sources, warnings=notes, options=frames.get("options"),
        )
        derived = prob._derive(ref)
        late = _plausibility(derived.teachers, sources["teachers"])
        if late:
            raise SchemaError(_issues_frame(late))
        # keep the file row numbers on the Problem, not in DataFrame.attrs: pandas deep-copies attrs on every
        # operation, which made each column access of a 30,000-row roster cost milliseconds
        rows = {}
        for name in ("teachers", "schools", "needs", "distances", "roads", "exchanges", "options"):
            df = getattr(derived, name)
            if df is not None:
                rows[name] = list(df.attrs.get("rows", []))
                df.attrs = {}
        return replace(derived, rows=rows)

    def at(self, reference_date: dt.date | str) -> Problem:
        """The same problem with date columns re-derived as of another reference date (统计截止日期)."""
        ref = _as_date(reference_date)
        if ref == self.reference_date:
            return self
        return self._derive(ref)

    def _derive(self, ref: dt.date) -> Problem:
        t = self.teachers.copy()
        t.attrs = dict(self.teachers.attrs)
        for years_col, date_col in DATE_DERIVED.items():
            if date_col in t.columns:
                computed = full_years(t[date_col], ref)
                given = (t[years_col] if years_col in t.columns
                         else pd.Series(pd.NA, index=t.index, dtype="Int64"))
                flag = f"_{years_col}_from_date"
                if flag in t.columns:
                    given = given.mask(t[flag], pd.NA)
                t[flag] = given.isna() & computed.notna()
                t[years_col] = given.fillna(computed).astype("Int64")
        if "teaching_years" not in t.columns:
            t["teaching_years"] = t["years_at_school"]
        t["teaching_years"] = t["teaching_years"].fillna(t["years_at_school"]).astype("Int64")
        for col, default in TEACHER_DEFAULTS.items():
            t[col] = t[col].fillna(default) if col in t.columns else default
        t["backbone"] = t["backbone"].astype(bool)
        s = self.schools.copy()
        s.attrs = dict(self.schools.attrs)
        for col, default in SCHOOL_DEFAULTS.items():
            s[col] = s[col].fillna(default) if col in s.columns else default
        if "protected_subjects" not in s.columns:
            s["protected_subjects"] = ""
        s["protected_subjects"] = s["protected_subjects"].fillna("")
        n = self.needs.copy()
        n.attrs = dict(self.needs.attrs)
        if "priority" not in n.columns:
            n["priority"] = 1.0
        n["priority"] = n["priority"].fillna(1.0)
        if self.exchanges is not None:
            # the plan year as the history leaves it: who is away, who is back, which posts re-open
            t, n = plan_year_tables(t, n, exchange_history(self.exchanges, ref))
            t.attrs, n.attrs = dict(self.teachers.attrs), dict(self.needs.attrs)
        out = replace(self, teachers=t, schools=s, needs=n, reference_date=ref)
        if "school_km" in self.__dict__:
            # schools and roads are unchanged by a new reference date: keep the (costly) distance matrix
            out.__dict__["school_km"] = self.__dict__["school_km"]
        if "_km_within" in self.__dict__:
            out.__dict__["_km_within"] = self.__dict__["_km_within"]
        return out

    # ------------------------------------------------------------------ derived indexes
    @cached_property
    def history(self) -> ExchangeHistory | None:
        """The exchange history read at the reference date; None when no exchanges table is given."""
        if self.exchanges is None:
            return None
        return exchange_history(self.exchanges, self.reference_date)

    @property
    def n_teachers(self) -> int:
        """Number of teachers on the roster."""
        return len(self.teachers)

    @cached_property
    def school_index(self) -> dict[str, int]:
        """school_id -> row position in ``schools``."""
        return {sid: i for i, sid in enumerate(self.schools["school_id"])}

    @cached_property
    def school_km(self) -> np.ndarray:
        """Matrix of travel km between schools (``inf`` = unreachable), in ``schools`` row order.

        Source, first that applies: the distance table (symmetrised), the road graph (shortest paths, scipy's
        Dijkstra), straight-line distance from coordinates (x/y in km, or lat/lon great-circle).
        """
        km = self._school_km(None)
        km.setflags(write=False)
        return km

    def school_km_within(self, limit: float | None) -> np.ndarray:
        """:attr:`school_km` where it is at most ``limit`` km; a farther pair may read ``inf`` instead.

        For the candidate pairs, which a commute cap bounds: on a road graph the shortest paths stop at the
        cap (scipy's Dijkstra ``limit``), measured at 4,759 schools and a 40 km cap: 0.1 s instead of 3.0 s.
        Without a road graph (or when the full matrix is already known) this is :attr:`school_km` itself.
        """
        if limit is None or self.roads is None or "school_km" in self.__dict__:
            return self.school_km
        key = float(limit)
        if key not in self._km_within:
            km = self._school_km(key)
            km[km > key] = np.inf  # a distance-table entry may exceed the cap: the contract is "≤ limit"
            km.setflags(write=False)
            self._km_within[key] = km
        return self._km_within[key]

    @cached_property
    def _km_within(self) -> dict[float, np.ndarray]:
        return {}

    def _school_km(self, limit: float | None) -> np.ndarray:
        """The distance matrix, exact up to ``limit`` km (all of it for ``None``)."""
        n = len(self.schools)
        coords = self._school_coords()
        # one n × n matrix only: straight lines where no road graph replaces them (at 4,759 schools: 3.4 s and
        # 360 MB saved), and no matrix of inf filled first and thrown away
        if self.roads is not None:
            km = _road_km(self.roads, self.schools["school_id"].to_numpy(), limit)
        elif coords is not None:
            km = _pairwise(coords, self._geo_kind())
        else:
            km = np.full((n, n), np.inf)
        if self.distances is not None:
            idx = self.school_index
            d = self.distances
            fi = d["from_school_id"].map(idx).to_numpy()
            ti = d["to_school_id"].map(idx).to_numpy()
            vals = d["km"].to_numpy(dtype=float)
            # the reverse direction first, so an explicitly given direction wins
            km[ti, fi] = vals
            km[fi, ti] = vals
        np.fill_diagonal(km, 0.0)
        return km

    def _geo_kind(self) -> str | None:
        s = self.schools
        if {"x", "y"} <= set(s.columns) and s[["x", "y"]].notna().all().all():
            return "xy"
        if {"lat", "lon"} <= set(s.columns) and s[["lat", "lon"]].notna().all().all():
            return "latlon"
        return None

    def _school_coords(self) -> np.ndarray | None:
        kind = self._geo_kind()
        if kind is None:
            return None
        cols = ["x", "y"] if kind == "xy" else ["lat", "lon"]
        return self.schools[cols].to_numpy(dtype=float)

    def home_coords(self) -> np.ndarray | None:
        """Teachers' home coordinates in the schools' coordinate system (NaN rows = no home given)."""
        kind = self._geo_kind()
        cols = {"xy": ["home_x", "home_y"], "latlon": ["home_lat", "home_lon"]}.get(kind or "")
        if not cols or not set(cols) <= set(self.teachers.columns):
            return None
        return self.teachers[cols].to_numpy(dtype=float)

    def commute_km(self, teacher_pos: np.ndarray, school_pos: np.ndarray,
                   within: float | None = None) -> np.ndarray:
        """Commute in km for (teacher, target school) pairs given as row positions.

        From the teacher's home when home coordinates are given (straight line, in the schools' coordinate
        system), else from the teacher's current school (distance table, road graph or coordinates). With
        ``within``, a commute longer than that may read ``inf`` (see :meth:`school_km_within`).
        """
        cur = self.teacher_school_pos[teacher_pos]
        km = self.school_km_within(within)[cur, school_pos].astype(float)
        homes = self.home_coords()
        if homes is not None:
            h = homes[teacher_pos]
            has = ~np.isnan(h).any(axis=1)
            if has.any():
                sc = self._school_coords()
                assert sc is not None
                km[has] = _paired(h[has], sc[school_pos[has]], self._geo_kind())
        return km

    @cached_property
    def teacher_school_pos(self) -> np.ndarray:
        """Row position in ``schools`` of each teacher's current school."""
        return self.teachers["school_id"].map(self.school_index).to_numpy(dtype=np.int64)

    def __repr__(self) -> str:
        """Sizes (teachers, schools, needed posts) and the reference date."""
        return (
            f"Problem({len(self.teachers)} teachers, {len(self.schools)} schools, "
            f"{int(self.needs['count'].sum()) if len(self.needs) else 0} needed posts, "
            f"reference_date={self.reference_date})"
        )


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _road_km(roads: pd.DataFrame, school_ids: np.ndarray, limit: float | None = None) -> np.ndarray:
    """Shortest road distances between schools (``inf`` = not connected, or farther than ``limit`` if given).

    The edge list becomes a symmetric sparse matrix (of parallel edges the shortest is kept), and the
    all-schools shortest paths run in scipy's compiled Dijkstra: measured ~30× faster than networkx's
    per-source Dijkstra on a 1,400-school road graph (0.4 s vs 11 s); building the matrix with pandas instead
    of a networkx graph took the 100,000-teacher metro's distances from 7.6 s to about 1 s.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    u = roads["u"].astype(str).to_numpy()
    v = roads["v"].astype(str).to_numpy()
    nodes, inv = np.unique(np.r_[u, v], return_inverse=True)
    pos = {node: k for k, node in enumerate(nodes.tolist())}
    src = np.array([pos.get(str(sid), -1) for sid in school_ids], dtype=np.int64)
    have = np.flatnonzero(src >= 0)
    # renumber the nodes: the schools on the graph first, in school order, so their columns of the result are
    # its first columns (a slice, not a gather: at 4,759 schools the gather took 0.6 s)
    rank = np.empty(len(nodes), dtype=np.int64)
    rank[np.r_[src[have], np.setdiff1d(np.arange(len(nodes)), src[have])]] = np.arange(len(nodes))
    a, b = rank[inv[: len(u)]], rank[inv[len(u):]]
    # a zero-length edge (two nodes at one place) would read as "no edge" in a sparse matrix
    w = np.maximum(roads["km"].to_numpy(dtype=float), 1e-9)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keep = lo != hi  # a loop never shortens a path
    e = (pd.DataFrame({"lo": lo[keep], "hi": hi[keep], "w": w[keep]})
         .groupby(["lo", "hi"], sort=True)["w"].min())
    i, j = e.index.get_level_values(0).to_numpy(), e.index.get_level_values(1).to_numpy()
    adj = coo_matrix((np.r_[e.to_numpy(), e.to_numpy()], (np.r_[i, j], np.r_[j, i])),
                     shape=(len(nodes), len(nodes))).tocsr()
    on = len(have)
    # a limit stops each search at that distance (the commute cap: 0.1 s instead of 3.0 s at 4,759 schools)
    reach = np.inf if limit is None else float(limit)
    dist = dijkstra(adj, directed=False, indices=np.arange(on), limit=reach)
    if on == len(school_ids):
        # every school on the graph (the usual case): a view, not a copy (copying the metro's 180 MB: 0.5 s)
        return dist[:, :on]
    km = np.full((len(school_ids), len(school_ids)), np.inf)
    km[np.ix_(have, have)] = dist[:, :on]
    return km


def _pairwise(coords: np.ndarray, kind: str | None) -> np.ndarray:
    if kind == "latlon":
        lat = np.radians(coords[:, 0])[:, None]
        lon = np.radians(coords[:, 1])[:, None]
        return _haversine(lat, lon, lat.T, lon.T)
    diff = coords[:, None, :] - coords[None, :, :]
    return np.sqrt((diff**2).sum(axis=2))


def _paired(a: np.ndarray, b: np.ndarray, kind: str | None) -> np.ndarray:
    if kind == "latlon":
        return _haversine(np.radians(a[:, 0]), np.radians(a[:, 1]), np.radians(b[:, 0]), np.radians(b[:, 1]))
    return np.sqrt(((a - b) ** 2).sum(axis=1))


def _haversine(lat1, lon1, lat2, lon2) -> np.ndarray:
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def _issues_frame(issues: list[Issue]) -> pd.DataFrame:
    return pd.DataFrame(
        [(i.file, i.row, i.column, i.problem) for i in issues], columns=["file", "row", "column", "problem"]
    )


def _rows(df: pd.DataFrame) -> list:
    return df.attrs.get("rows", list(df.index))


def _closest(value, choices) -> str:
    close = difflib.get_close_matches(str(value), sorted(map(str, choices)), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _cross_checks(t, s, n, d, has_geo: bool, sources: dict, options=None) -> list[Issue]:
    """Checks across rows and tables: unique ids, references that must resolve, coordinates."""
    issues: list[Issue] = []

    fixes = {"teacher_id": "each teacher must appear once: delete the repeated row or give it its own id",
             "school_id": "each school must appear once: delete the repeated row or give it its own id",
             "need": "put the whole shortage of a subject at a school in one row",
             "option": "give each option one row with its total capacity (two rows of one option leave "
                       "its capacity unclear)"}
    for table, df in (("teachers", t), ("schools", s)):
        if not len(df):
            issues.append(Issue(sources[table], None, "", f"the {table} table has no rows — fill it in"))

    def dup(df: pd.DataFrame, cols: list[str], table: str, what: str) -> None:
        rows = _rows(df)
        mask = df.duplicated(cols, keep=False)
        first: dict = {}
        for pos in np.flatnonzero(mask.to_numpy()):
            key = tuple(df.iloc[pos][c] for c in cols)
            if key in first:
                issues.append(Issue(sources[table], rows[pos], cols[-1],
                                    f"duplicate {what} {'/'.join(map(str, key))} (first at row "
                                    f"{first[key]}) — {fixes[what]}"))
            else:
                first[key] = rows[pos]

    dup(t, ["teacher_id"], "teachers", "teacher_id")
    dup(s, ["school_id"], "schools", "school_id")
    dup(n, ["school_id", "subject"], "needs", "need")
    known = set(s["school_id"])
    # a wish may name a school, or an option of the diversion (a non-school institution, 分流岗位)
    wishable = known | (set(options["option_id"]) if options is not None else set())
    pos: int | np.integer  # a row position: from numpy's flatnonzero, or from enumerate
    for table, df in (("teachers", t), ("needs", n)):
        rows = _rows(df)
        for pos in np.flatnonzero(~df["school_id"].isin(known).to_numpy()):
            issues.append(Issue(sources[table], rows[pos], "school_id",
                                f"school '{df['school_id'].iloc[pos]}' is not in the schools table — add it "
                                f"there or correct the id{_closest(df['school_id'].iloc[pos], known)}"))
    # school references in other columns: a counterpart (结对) and wishes (志愿) must name real schools,
    # else the pairing rule silently sends nobody and a wish silently never counts
    for table, df, col in (("schools", s, "pair_id"), ("teachers", t, "preferences")):
        if col not in df.columns:
            continue
        rows = _rows(df)
        for pos, value in enumerate(df[col]):
            if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
                continue
            refs = str(value).split(";") if col == "preferences" else [str(value)]
            for ref in refs:
                if ref and ref not in (wishable if col == "preferences" else known):
                    issues.append(Issue(sources[table], rows[pos], col,
                                        f"school '{ref}' is not in the schools table — correct the id or add "
                                        f"the school{_closest(ref, known)}"))
                elif col == "pair_id" and ref == s["school_id"].iloc[pos]:
                    issues.append(Issue(sources[table], rows[pos], col,
                                        f"school '{ref}' is paired with itself — name its counterpart "
                                        f"school"))
            # a wish list is a ranking: one school at two ranks makes the ranking ambiguous
            twice = sorted({r for r in refs if r and refs.count(r) > 1})
            if twice:
                at = ", ".join(str(i + 1) for i, r in enumerate(refs) if r == twice[0])
                issues.append(Issue(sources[table], rows[pos], col,
                                    f"'{twice[0]}' is listed at ranks {at} — list each school once, in the "
                                    f"order of the wishes"))
    if "origin_school_id" in t.columns:
        rows = _rows(t)
        for pos, value in enumerate(t["origin_school_id"]):
            if isinstance(value, str) and value and value not in known:
                issues.append(Issue(sources["teachers"], rows[pos], "origin_school_id",
                                    f"school '{value}' (原单位) is not in the schools table — correct the id "
                                    f"or add the school{_closest(value, known)}"))
    if options is not None:
        dup(options, ["option_id"], "options", "option")
    taught = set(t["subject"].dropna())
    rows = _rows(n)
    for pos, subj in enumerate(n["subject"]):
        if subj is not None and subj not in taught and subj not in KNOWN_SUBJECTS:
            issues.append(Issue(sources["needs"], rows[pos], "subject",
                                f"subject '{subj}' is not a known subject and no teacher on the roster "
                                f"teaches it — correct the spelling"
                                f"{_closest(subj, taught | KNOWN_SUBJECTS)}"))
    if d is not None:
        rows = _rows(d)
        for col in ("from_school_id", "to_school_id"):
            for pos in np.flatnonzero(~d[col].isin(known).to_numpy()):
                issues.append(Issue(sources["distances"], rows[pos], col,
                                    f"school '{d[col].iloc[pos]}' is not in the schools table — add it "
                                    f"there or correct the id{_closest(d[col].iloc[pos], known)}"))
    if not has_geo:
        rows = _rows(s)
        has_xy = {"x", "y"} <= set(s.columns)
        has_ll = {"lat", "lon"} <= set(s.columns)
        if not has_xy and not has_ll:
            issues.append(Issue(sources["schools"], None, "x",
                                "no coordinates (x, y or lat, lon) and no distance table or road graph "
                                "given — add x and y (km) or lat and lon columns, or a distances table"))
        else:
            cols = ["x", "y"] if has_xy else ["lat", "lon"]
            for pos in np.flatnonzero(s[cols].isna().any(axis=1).to_numpy()):
                missing = [c for c in cols if pd.isna(s.iloc[pos][c])]
                issues.append(Issue(sources["schools"], rows[pos], missing[0],
                                    "coordinate missing (needed for distances when no distance table is "
                                    "given) — fill it in"))
    return issues


def _geo_checks(t, s, n, d, r, sources: dict) -> list[Issue]:
    """Distances that are missing, not far: every pair that can matter has a distance.

    Coordinates on every school give every distance. Otherwise a pair without a distance would read as
    "no school within the commute cap", a silently emptier plan; so, before any solving:

    * with a distance table only, every pair (a school with teachers, another school with a need) needs a row;
    * with a road graph, every school needs a road (or a distance-table row), and a school must share its
      part of the graph with another school (several counties side by side are separate parts, each with
      its schools; a school alone in its part is cut off).
    """
    ids = s["school_id"].astype(str).to_numpy()
    has_coords = ({"x", "y"} <= set(s.columns) and s[["x", "y"]].notna().all().all()) or (
        {"lat", "lon"} <= set(s.columns) and s[["lat", "lon"]].notna().all().all())
    if has_coords or (d is None and r is None):
        return []
    issues: list[Issue] = []
    tabled: set[str] = set()
    if d is not None:
        tabled = set(d["from_school_id"].astype(str)) | set(d["to_school_id"].astype(str))
    if r is not None:
        issues += _road_checks(r, ids, tabled, sources)
        return issues
    # a distance table alone: the pairs a rotation can use, from a school with teachers to one with a need
    idx = {sid: i for i, sid in enumerate(ids)}
    senders = np.unique(t["school_id"].astype(str).map(idx).to_numpy())
    counts = pd.to_numeric(n["count"], errors="coerce").fillna(0).to_numpy()
    receivers = np.unique(n.loc[counts > 0, "school_id"].astype(str).map(idx).to_numpy())
    if not len(senders) or not len(receivers):
        return issues
    m = len(ids)
    fi = d["from_school_id"].astype(str).map(idx).to_numpy(dtype=np.int64)
    ti = d["to_school_id"].astype(str).map(idx).to_numpy(dtype=np.int64)
    # pairs as integer codes a·m + b (no m × m matrix: a city has thousands of schools)
    given = np.r_[fi * m + ti, ti * m + fi]
    a = np.repeat(senders, len(receivers))
    b = np.tile(receivers, len(senders))
    keep = (a != b) & ~np.isin(a * m + b, given)
    a, b = a[keep], b[keep]
    if len(a):
        pairs = sorted({tuple(sorted((ids[i], ids[j]))) for i, j in zip(a, b, strict=True)})
        shown = ", ".join(f"{u}–{v}" for u, v in pairs[:10]) + (f" … ({len(pairs)} pairs)" if len(pairs) > 10
                                                               else "")
        issues.append(Issue(sources["distances"], None, "km",
                            f"no distance for {len(pairs)} pair{'s' if len(pairs) != 1 else ''} of a school "
                            f"with "
                            f"teachers and a school with a need: {shown} — add a row from_school_id, "
                            f"to_school_id, km for each (either direction), or give every school coordinates "
                            f"(x, y or lat, lon)"))
    return issues


def _road_checks(r: pd.DataFrame, ids: np.ndarray, tabled: set, sources: dict) -> list[Issue]:
    """Schools on no road, and schools alone in their part of the road graph (see :func:`_geo_checks`)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    src = sources["roads"]
    u = r["u"].astype(str).to_numpy()
    v = r["v"].astype(str).to_numpy()
    nodes, inv = np.unique(np.r_[u, v], return_inverse=True)
    on = np.isin(ids, nodes)
    issues = []
    off = [sid for sid, ok in zip(ids, on, strict=True) if not ok and sid not in tabled]
    if off:
        shown = ", ".join(off[:10]) + (f" … ({len(off)} schools)" if len(off) > 10 else "")
        issues.append(Issue(src, None, "u", f"school{'s' if len(off) != 1 else ''} {shown} "
                            f"{'are' if len(off) != 1 else 'is'} on no road of the road graph (never a u or "
                            f"v) "
                            f"— add the roads that reach {'them' if len(off) != 1 else 'it'}, or a distances "
                            f"table row for each"))
    k = len(nodes)
    adj = coo_matrix((np.ones(len(u)), (inv[: len(u)], inv[len(u):])), shape=(k, k))
    _, label = connected_components(adj, directed=False)
    pos = np.searchsorted(nodes, ids[on])
    comp = label[pos]
    sizes = pd.Series(comp).value_counts()
    alone = [sid for sid, c in zip(ids[on], comp, strict=True) if sizes[c] == 1 and sid not in tabled]
    if alone:
        shown = ", ".join(alone[:10]) + (f" … ({len(alone)} schools)" if len(alone) > 10 else "")
        issues.append(Issue(src, None, "u", f"school{'s' if len(alone) != 1 else ''} {shown} "
                            f"{'are' if len(alone) != 1 else 'is'} cut off: no road joins "
                            f"{'them' if len(alone) != 1 else 'it'} to any other school — add the missing "
                            f"road(s), or a distances table row for each"))
    return issues


def _exchange_checks(e: pd.DataFrame, t: pd.DataFrame, s: pd.DataFrame, ref: dt.date,
                     sources: dict) -> list[Issue]:
    """Exchange rows that cannot be history.

    An unknown teacher or school, from = to, a term not > 0, a start after the reference date, an end
    before the start, two exchanges of one teacher at once, and a current exchange of a teacher the roster
    places at a third school.
    """
    src = sources["exchanges"]
    rows = _rows(e)
    issues: list[Issue] = []
    teachers = set(t["teacher_id"])
    schools = set(s["school_id"])
    for pos, tid in enumerate(e["teacher_id"]):
        if tid not in teachers:
            issues.append(Issue(src, rows[pos], "teacher_id",
                                f"teacher '{tid}' is not in the teachers table — correct the id or add the "
                                f"teacher{_closest(tid, teachers)}"))
    for col in ("from_school_id", "to_school_id"):
        for pos, sid in enumerate(e[col]):
            if sid not in schools:
                issues.append(Issue(src, rows[pos], col,
                                    f"school '{sid}' is not in the schools table — add it there or correct "
                                    f"the id{_closest(sid, schools)}"))
    for pos in np.flatnonzero((e["from_school_id"] == e["to_school_id"]).to_numpy()).tolist():
        issues.append(Issue(src, rows[pos], "to_school_id",
                            f"the exchange goes from {e['from_school_id'].iloc[pos]} to the same school — "
                            f"name the school the teacher went to"))
    term = pd.to_numeric(e["term_years"], errors="coerce")
    for pos in np.flatnonzero((term <= 0).to_numpy()).tolist():
        issues.append(Issue(src, rows[pos], "term_years",
                            f"a term of {term.iloc[pos]:g} years — a term is longer than 0 (e.g. 1 for one "
                            f"school year, 0.5 for a semester)"))
    start = pd.to_datetime(e["start_date"])
    late = (start > pd.Timestamp(ref)).fillna(False).to_numpy(dtype=bool)
    for pos in np.flatnonzero(late).tolist():
        issues.append(Issue(src, rows[pos], "start_date",
                            f"the exchange starts on {start.iloc[pos]:%Y-%m-%d}, after the reference date "
                            f"{ref.isoformat()} — history holds exchanges that have begun; correct the date "
                            f"or plan it instead"))
    if "end_date" in e.columns:
        end_given = pd.to_datetime(e["end_date"])
        early = (end_given < start).fillna(False).to_numpy(dtype=bool)
        for pos in np.flatnonzero(early).tolist():
            issues.append(Issue(src, rows[pos], "end_date",
                                f"the exchange ends on {end_given.iloc[pos]:%Y-%m-%d}, before it starts "
                                f"({start.iloc[pos]:%Y-%m-%d}) — correct one of the dates"))
    if issues:
        return issues  # overlaps and current schools need valid rows
    end = exchange_ends(e)
    order = np.lexsort((start.to_numpy(), e["teacher_id"].astype(str).to_numpy()))
    prev: dict = {}
    for pos in order:
        tid = e["teacher_id"].iloc[pos]
        if tid in prev and start.iloc[pos] < end.iloc[prev[tid]]:
            p = prev[tid]
            last_day = end.iloc[p] - pd.Timedelta(days=1)
            issues.append(Issue(src, rows[pos], "start_date",
                                f"teacher {tid}'s exchange from {start.iloc[pos]:%Y-%m-%d} overlaps the one "
                                f"at row {rows[p]} ({e['from_school_id'].iloc[p]} → "
                                f"{e['to_school_id'].iloc[p]}, {start.iloc[p]:%Y-%m-%d} to "
                                f"{last_day:%Y-%m-%d}) — a teacher is on one exchange at a time; correct the "
                                f"dates (an early return goes in end_date)"))
        if tid not in prev or end.iloc[pos] > end.iloc[prev[tid]]:
            prev[tid] = pos
    roster = t.set_index("teacher_id")["school_id"]
    current = ((start <= pd.Timestamp(ref)) & (end > pd.Timestamp(ref))).to_numpy(dtype=bool)
    for pos in np.flatnonzero(current).tolist():
        tid = e["teacher_id"].iloc[pos]
        at = roster.get(tid)
        if at not in (e["from_school_id"].iloc[pos], e["to_school_id"].iloc[pos]):
            issues.append(Issue(src, rows[pos], "teacher_id",
                                f"teacher {tid} is on exchange now from {e['from_school_id'].iloc[pos]} to "
                                f"{e['to_school_id'].iloc[pos]}, but the teachers table has them at {at} — "
                                f"give the school the teacher belongs to or serves at in the teachers table"))
    return issues


def _history_column_warnings(t: pd.DataFrame, sources: dict) -> list[Issue]:
    """Hand-filled history columns beside an exchanges table: the table wins, and the planner is told."""
    out = []
    named = (("exchange_years_recent", "exchange years"),
             ("years_since_support", "years since support teaching"))
    for col, what in named:
        if col in t.columns and t[col].notna().any():
            out.append(Issue(sources["teachers"], None, col,
                             f"the exchanges table (交流记录) is given, so {what} are counted from it and "
                             f"this column is not used — drop the column, or the exchanges table"))
    return out


def format_issue(issue: Issue) -> str:
    """``file, rows 3, 5, column 'subject': problem`` — one line naming where, for warnings."""
    row = issue.row
    rows = list(row) if isinstance(row, (list, tuple)) else [] if row is None else [row]
    shown = ", ".join(str(r) for r in rows[:8]) + (f" (and {len(rows) - 8} more)" if len(rows) > 8 else "")
    where = [issue.file, f"row{'s' if len(rows) > 1 else ''} {shown}" if rows else "",
             f"column '{issue.column}'" if issue.column else ""]
    return ", ".join(w for w in where if w) + f": {issue.problem}"


def _subject_label(subject: str) -> str:
    return f"{subject} ({SUBJECT_ZH[subject]})" if subject in SUBJECT_ZH else subject


def _subject_warnings(t: pd.DataFrame, n: pd.DataFrame, sources: dict) -> list[Issue]:
    """Subjects that load but probably mislead the plan: unknown spellings, and needs nobody can fill.

    A subject outside the vocabulary (after stage prefixes and spellings are folded, see
    :mod:`teacher_match.subjects`) is kept as written — it may be a local subject — so its teachers fill
    only needs spelled the same way; a need in a subject no teacher on the roster teaches stays unfilled.
    """
    out: list[Issue] = []
    taught = set(t["subject"].dropna())
    needed = set(n["subject"].dropna())
    for table, df in (("teachers", t), ("needs", n)):
        rows = _rows(df)
        subj = df["subject"]
        for value in sorted(set(subj.dropna()) - KNOWN_SUBJECTS):
            if table == "needs" and value not in taught:
                continue  # already an error: a need for an unknown subject nobody teaches is a typo
            at = [rows[p] for p in np.flatnonzero((subj == value).to_numpy())]
            close = closest_subject(value)
            hint = f" — check the spelling (closest known subject: '{_subject_label(close)}')" if close else \
                ""
            whom = "teacher" if table == "teachers" else "need"
            one = len(at) == 1
            if table == "teachers":
                used = "this teacher fills" if one else "these teachers fill"
                used += f" only needs spelled '{value}' too" if value in needed else " no need"
            else:
                used = f"{'this need is' if one else 'these needs are'} filled only by teachers spelled " \
                       f"'{value}'"
            out.append(Issue(sources[table], at, "subject",
                             f"subject '{value}' is not a known subject ({len(at)} {whom}"
                             f"{'' if one else 's'}); it is kept as written, so {used}{hint}"))
    rows = _rows(n)
    counts = pd.to_numeric(n["count"], errors="coerce").fillna(0).to_numpy()
    for pos, (school, subject) in enumerate(zip(n["school_id"], n["subject"], strict=True)):
        if subject is None or subject in taught or counts[pos] <= 0:
            continue
        if subject not in KNOWN_SUBJECTS:
            continue  # already an error (see _cross_checks)
        out.append(Issue(sources["needs"], rows[pos], "subject",
                         f"school {school} needs {int(counts[pos])} {_subject_label(subject)} teacher"
                         f"{'s' if counts[pos] != 1 else ''}, but no teacher on the roster teaches "
                         f"{_subject_label(subject)} — this need stays unfilled"))
    return out


def _protected_warnings(t: pd.DataFrame, s: pd.DataFrame, sources: dict) -> list[Issue]:
    """Warn of protected subjects (特色学科) that guard nothing.

    A protected subject that is no known subject and that nobody at the school teaches guards nothing: a
    misspelling would silently drop the protection (spellings are folded first: maths → math).
    """
    if "protected_subjects" not in s.columns:
        return []
    at_school = t.groupby("school_id")["subject"].agg(set).to_dict()
    rows = _rows(s)
    out = []
    for pos, (sid, listed) in enumerate(zip(s["school_id"], s["protected_subjects"], strict=True)):
        if not isinstance(listed, str) or not listed:
            continue
        for subj in listed.split(";"):
            if subj in KNOWN_SUBJECTS or subj in at_school.get(sid, set()):
                continue
            close = closest_subject(subj)
            hint = f" — check the spelling (closest known subject: '{_subject_label(close)}')" if close \
                else ""
            out.append(Issue(sources["schools"], rows[pos], "protected_subjects",
                             f"protected subject '{subj}' is not a known subject and nobody at {sid} teaches "
                             f"it, so it protects nothing{hint}"))
    return out


def _plausibility(t: pd.DataFrame, source: str) -> list[Issue]:
    """Values that are each plausible but impossible together (or derived from dates)."""
    issues: list[Issue] = []
    rows = _rows(t)
    age = t["age"].astype("Float64")
    checks = [
        ("age", (age < 18) | (age > 70),
         "age {age} (from the birth date) is not a working teacher's age — check the birth date"),
        ("years_at_school", t["years_at_school"].astype("Float64") > age - 16,
         "{years_at_school} years at this school is impossible at age {age} — check both values"),
        ("years_at_school", t["years_at_school"].astype("Float64") < 0,
         "years at school is negative (arrival date after the reference date?) — check the arrival date"),
        ("teaching_years", t["teaching_years"].astype("Float64") < t["years_at_school"].astype("Float64"),
         "teaching years {teaching_years} are fewer than the {years_at_school} years at this school — check "
         "both values"),
    ]
    for col, mask, msg in checks:
        mask = mask.fillna(False).to_numpy(dtype=bool)
        for pos in np.flatnonzero(mask):
            rec = t.iloc[pos]
            issues.append(Issue(source, rows[pos], col, msg.format(**{k: rec[k] for k in
                                ("age", "years_at_school", "teaching_years")})))
    if t["age"].isna().any():
        for pos in np.flatnonzero(t["age"].isna().to_numpy()):
            issues.append(Issue(source, rows[pos], "age", "age is empty (give 'age' or 'birth_date')"))
    if t["years_at_school"].isna().any():
        for pos in np.flatnonzero(t["years_at_school"].isna().to_numpy()):
            issues.append(Issue(source, rows[pos], "years_at_school",
                                "years at school is empty (give 'years_at_school' or 'school_start_date')"))
    return issues

