"""The cadre roster (干部花名册): its four tables, their validation, and loading them from files.

A cadre system is planned from

* ``cadres`` — one row per cadre: unit, post, grade (职级), years in post and in the unit, whether the
  post is a service window (窗口科室/窗口岗位), grassroots leadership experience (基层领导岗位经历),
  section-level reserve candidacy (科级后备干部人选), application (本人申请), deferral (暂缓交流) and
  refusal (不服从交流);
* ``units`` — one row per unit: its level (``upper`` = bureau offices, county-level units; ``grassroots`` =
  affiliated grassroots units, townships), the unit that supervises it (``parent_unit_id``, 主管单位) and
  how many cadres it can take on an up/down posting (``posting_places``, 上挂/下派岗位数);
* ``relatives`` — pairs of cadres who are relatives (亲属关系), for kinship avoidance (回避);
* ``vacancies`` (optional) — posts free today, by unit, post name and grade.

Every seat is one cadre's post (several cadres may share a post name, e.g. three 科员) or one vacancy: a seat
is named by its holder's ``person_id`` or the vacancy's ``vacancy_id``.

Validation collects every problem with file, row and column (the teacher roster's conventions, see
:mod:`teacher_match.schema`) and raises one :class:`~teacher_match.errors.SchemaError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError, SchemaError
from ..io import MAX_FILE_MB, MAX_ROWS, read_table
from ..output_files import remember_input
from ..schema import GENDER, Column, Issue, canon_text, normalize_table, register_table

__all__ = ["CadreRoster", "load_roster", "roster_from_frames", "GRADES", "LEVELS", "CADRE_TABLES",
           "CADRE_TABLE_ALIASES", "LEADERSHIP_GRADES"]

#: grades (职级): a cadre moves only to a seat of the same grade (职级保持不变)
GRADE = {
    **dict.fromkeys(["senior", "领导班子", "班子成员", "单位领导", "正科", "副科", "正科级", "副科级",
                     "领导"], "senior"),
    **dict.fromkeys(["middle", "中层", "中层干部", "科室负责人", "股级", "科长", "副科长", "主任"], "middle"),
    **dict.fromkeys(["staff", "一般干部", "科员", "办事员", "工作人员", "干事"], "staff"),
}
GRADES = ("senior", "middle", "staff")
#: grades that hold a leadership post (领导职务): a cadre who refused rotation is given none of them again
LEADERSHIP_GRADES = ("senior", "middle")
LEVEL = {
    **dict.fromkeys(["upper", "上级", "局机关", "机关", "县直", "县直单位", "县级"], "upper"),
    **dict.fromkeys(["grassroots", "基层", "基层单位", "乡镇", "社区", "局属基层单位"], "grassroots"),
}
LEVELS = ("upper", "grassroots")

_CADRES = [
    Column("person_id", "id", True, ("干部编号", "人员编号", "编号", "id")),
    Column("name", "str", False, ("姓名",)),
    Column("unit_id", "id", True, ("单位编号", "所在单位编号", "所在单位")),
    Column("post", "str", True, ("岗位", "现任岗位", "职务", "科室")),
    Column("grade", "choice", True, ("职级", "级别"), GRADE),
    Column("years_in_post", "int", True, ("任职年限", "现岗位年限", "任现职年限"), min=0, max=50),
    Column("years_in_unit", "int", False, ("在单位工作年限", "本单位工作年限", "在单位工作时间"),
           min=0, max=50),
    Column("service_window", "bool", False, ("窗口岗位", "窗口科室", "是否窗口岗位")),
    Column("grassroots_leader_experience", "bool", False, ("基层领导岗位经历", "基层经历", "基层锻炼经历")),
    Column("reserve_candidate", "bool", False, ("科级后备干部", "后备干部", "后备干部人选")),
    Column("sex", "choice", False, ("性别", "gender"), GENDER),
    Column("age", "int", False, ("年龄", "周岁"), min=18, max=70),
    Column("birth_date", "date", False, ("出生年月", "出生日期")),
    Column("applied", "bool", False, ("本人申请", "申请交流", "个人申请")),
    Column("deferred", "bool", False, ("暂缓交流", "暂缓")),
    Column("defer_reason", "str", False, ("暂缓原因", "暂缓交流原因")),
    Column("refused", "bool", False, ("不服从交流", "拒绝交流", "不服从")),
    Column("extension_approved", "bool", False, ("延长交流", "党委同意延长")),
]
_UNITS = [
    Column("unit_id", "id", True, ("单位编号", "编号", "id")),
    Column("name", "str", False, ("单位名称", "名称", "单位")),
    Column("level", "choice", True, ("层级", "单位层级"), LEVEL),
    Column("parent_unit_id", "id", False, ("上级单位", "主管单位", "上级单位编号")),
    Column("posting_places", "int", False, ("挂职岗位数", "上挂下派岗位数", "交流岗位数"), min=0, max=500),
    Column("deputy_section_level", "bool", False, ("副科级单位",)),
]
_RELATIVES = [
    Column("person_id", "id", True, ("干部编号", "人员编号")),
    Column("relative_id", "id", True, ("亲属编号", "亲属干部编号")),
    Column("relation", "str", False, ("亲属关系", "关系")),
]
_VACANCIES = [
    Column("vacancy_id", "id", True, ("空缺编号", "编号")),
    Column("unit_id", "id", True, ("单位编号", "所在单位编号")),
    Column("post", "str", True, ("岗位", "空缺岗位")),
    Column("grade", "choice", True, ("职级", "级别"), GRADE),
    Column("service_window", "bool", False, ("窗口岗位", "窗口科室")),
]
CADRE_TABLES = {"cadres": _CADRES, "units": _UNITS, "relatives": _RELATIVES, "vacancies": _VACANCIES}
for _name, _columns in CADRE_TABLES.items():
    register_table(_name, _columns)
#: file stems / sheet names of each table
CADRE_TABLE_ALIASES = {
    "cadres": ("cadres", "干部", "干部花名册", "花名册", "在编在岗人员花名册"),
    "units": ("units", "单位", "单位名单"),
    "relatives": ("relatives", "亲属", "亲属关系", "亲属关系表"),
    "vacancies": ("vacancies", "空缺岗位", "空缺"),
}
_OPTIONAL = ("relatives", "vacancies")
_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".parquet")
_BOOLS_FALSE = ("service_window", "grassroots_leader_experience", "reserve_candidate", "applied", "deferred",
                "refused", "extension_approved")


@dataclass
class CadreRoster:
    """A validated cadre roster (see the module docstring).

    Build it with :func:`load_roster` or :func:`roster_from_frames`.
    """

    cadres: pd.DataFrame
    units: pd.DataFrame
    relatives: pd.DataFrame
    vacancies: pd.DataFrame
    sources: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:  # noqa: D105
        return (f"CadreRoster({len(self.cadres):,} cadres, {len(self.units)} units, "
                f"{len(self.relatives)} relative pairs, {len(self.vacancies)} vacancies)")

    # ---------------------------------------------------------------- derived views (pandas only)
    def seats(self) -> pd.DataFrame:
        """Every seat: ``seat, unit_id, post, grade, service_window, holder`` (holder None for a vacancy)."""
        c = self.cadres
        held = pd.DataFrame({"seat": c["person_id"], "unit_id": c["unit_id"], "post": c["post"],
                             "grade": c["grade"], "service_window": c["service_window"],
                             "holder": c["person_id"]})
        v = self.vacancies
        free = pd.DataFrame({"seat": v["vacancy_id"], "unit_id": v["unit_id"], "post": v["post"],
                             "grade": v["grade"], "service_window": v["service_window"],
                             "holder": pd.Series([None] * len(v), dtype=object)})
        return pd.concat([held, free], ignore_index=True) if len(free) else held.reset_index(drop=True)

    def parent_of(self) -> dict[str, str]:
        """Unit → the unit that supervises it (主管单位)."""
        u = self.units
        return {k: p for k, p in zip(u["unit_id"], u["parent_unit_id"], strict=True) if p}

    def supervising_pairs(self) -> set[frozenset]:
        """Unordered unit pairs one of which supervises the other (a parent unit and its unit)."""
        return {frozenset((k, p)) for k, p in self.parent_of().items()}

    def level_of(self) -> dict[str, str]:
        """Unit → ``upper`` or ``grassroots``."""
        return dict(zip(self.units["unit_id"], self.units["level"], strict=True))


def _table_of(stem: str) -> str | None:
    key = canon_text(stem)
    for table, aliases in CADRE_TABLE_ALIASES.items():
        if key in (canon_text(a) for a in aliases):
            return table
    return None


def load_roster(path: str | Path, *, max_file_mb: float = MAX_FILE_MB,
                max_rows: int = MAX_ROWS) -> CadreRoster:
    """Read a cadre roster: a folder of cadres/units/relatives/vacancies files, or one workbook.

    File stems and sheet names may be the Chinese ones (干部花名册, 单位, 亲属关系, 空缺岗位).

    Raises
    ------
    InputError
        The path is missing, a table is missing or held twice, a file cannot be read.
    SchemaError
        Any content problem, each named by file, row and column (all of them in one message).
    """
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: does not exist — give a folder with cadres/units files or one .xlsx workbook")
    found: dict[str, tuple[Path, str | None]] = {}
    if p.is_dir():
        for f in sorted(p.iterdir()):
            if f.name.startswith((".", "~$")) or f.suffix.lower() not in _SUFFIXES:
                continue
            t = _table_of(f.stem)
            if t is None:
                continue
            if t in found:
                raise InputError(f"two files hold the {t} table ({found[t][0].name} and {f.name}) — keep one")
            found[t] = (f, None)
    elif p.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            with pd.ExcelFile(p, engine="openpyxl") as book:
                names = book.sheet_names
        except Exception as exc:  # noqa: BLE001 - any reader failure is one readable message
            raise InputError(f"{p.name}: cannot read the workbook ({type(exc).__name__}: {exc}) — re-save it "
                             f"from Excel as .xlsx") from None
        for s in names:
            t = _table_of(s)
            if t is None:
                continue
            if t in found:
                raise InputError(f"{p.name}: sheets '{found[t][1]}' and '{s}' both hold the {t} table — "
                                 f"merge them into one sheet")
            found[t] = (p, s)
    else:
        raise InputError(f"{p.name}: give a folder with cadres/units files or one .xlsx workbook")
    missing = [t for t in CADRE_TABLES if t not in found and t not in _OPTIONAL]
    if missing:
        expect = "; ".join(f"{t}: {' / '.join(CADRE_TABLE_ALIASES[t][:3])}" for t in missing)
        raise InputError(f"{p}: missing table(s) {', '.join(missing)} — expected files or sheets named "
                         f"{expect}")
    frames: dict[str, pd.DataFrame] = {}
    firsts: dict[str, int] = {}
    labels: dict[str, str] = {}
    for t, (f, sheet) in found.items():
        frames[t], firsts[t] = read_table(f, t, sheet=sheet, max_file_mb=max_file_mb, max_rows=max_rows)
        labels[t] = f.name if sheet is None else f"{f.name} [{sheet}]"
    remember_input(p)
    return roster_from_frames(**frames, first_rows=firsts, sources=labels)


def _empty(table: str) -> pd.DataFrame:
    return pd.DataFrame({c.name: pd.Series(dtype=object) for c in CADRE_TABLES[table] if c.required})


def roster_from_frames(cadres: pd.DataFrame, units: pd.DataFrame, relatives: pd.DataFrame | None = None,
                       vacancies: pd.DataFrame | None = None, *, first_rows: dict[str, int] | None = None,
                       sources: dict[str, str] | None = None) -> CadreRoster:
    """Validate the four tables (DataFrames) into a :class:`CadreRoster`.

    Every problem is collected (file, row, column, problem) and raised at once as a :class:`SchemaError`:
    unknown or repeated ids, a cadre in an unknown unit, a relatives row naming an unknown person, a
    supervising unit that does not exist or supervises itself through a chain.
    """
    first_rows = first_rows or {}
    sources = dict(sources or {})
    given = {"cadres": cadres, "units": units, "relatives": relatives, "vacancies": vacancies}
    clean: dict[str, pd.DataFrame] = {}
    issues: list[Issue] = []
    for t, df in given.items():
        label = sources.setdefault(t, f"{t} (DataFrame)")
        if df is None:
            df = _empty(t)
        out, found = normalize_table(df, t, label, first_rows.get(t))
        issues += found
        clean[t] = out
    for t in ("relatives", "vacancies"):
        for c in CADRE_TABLES[t]:
            if c.name not in clean[t].columns:
                clean[t][c.name] = pd.Series([None] * len(clean[t]), dtype=object)
    if not issues:
        issues += _cross_checks(clean, sources)
    if issues:
        raise SchemaError(pd.DataFrame([i.__dict__ for i in issues],
                                       columns=["file", "row", "column", "problem"]))
    c = clean["cadres"]
    for col in _BOOLS_FALSE:
        if col not in c.columns:
            c[col] = False
    if "years_in_unit" not in c.columns:
        c["years_in_unit"] = c["years_in_post"]
    c["years_in_unit"] = c["years_in_unit"].fillna(c["years_in_post"]).astype(int)
    c["years_in_post"] = c["years_in_post"].astype(int)
    for col in ("name", "defer_reason"):
        if col not in c.columns:
            c[col] = ""
        c[col] = c[col].fillna("").astype(str)
    u = clean["units"]
    if "posting_places" not in u.columns:
        u["posting_places"] = 0
    u["posting_places"] = u["posting_places"].fillna(0).astype(int)
    if "deputy_section_level" not in u.columns:
        u["deputy_section_level"] = False
    for col in ("parent_unit_id", "name"):
        if col not in u.columns:
            u[col] = None
    v = clean["vacancies"]
    v["service_window"] = v["service_window"].map(lambda x: bool(x) if x is not None and x == x else False)
    return CadreRoster(c, u, clean["relatives"], v, sources)


def _where(df: pd.DataFrame, pos: int):
    rows = df.attrs.get("rows")
    return rows[pos] if rows is not None and pos < len(rows) else pos


def _cross_checks(t: dict[str, pd.DataFrame], src: dict[str, str]) -> list[Issue]:
    """Ids that must exist elsewhere, ids that must be unique, supervision without a cycle."""
    out: list[Issue] = []
    c, u, r, v = t["cadres"], t["units"], t["relatives"], t["vacancies"]

    def unique(df, col, table):
        seen: dict[str, object] = {}
        for pos, k in enumerate(df[col]):
            if k in seen:
                out.append(Issue(src[table], _where(df, pos), col,
                                 f"duplicate {col} {k} (first at row {seen[k]}) — each must appear once"))
            else:
                seen[k] = _where(df, pos)

    unique(c, "person_id", "cadres")
    unique(u, "unit_id", "units")
    unique(v, "vacancy_id", "vacancies")
    units = set(u["unit_id"])
    people = set(c["person_id"])
    clash = people & set(v["vacancy_id"])
    for pos, k in enumerate(v["vacancy_id"]):
        if k in clash:
            out.append(Issue(src["vacancies"], _where(v, pos), "vacancy_id",
                             f"vacancy_id {k} is also a cadre's person_id — give the vacancy its own id"))
    for df, table in ((c, "cadres"), (v, "vacancies")):
        for pos, k in enumerate(df["unit_id"]):
            if k not in units:
                out.append(Issue(src[table], _where(df, pos), "unit_id",
                                 f"unknown unit {k} — add it to the units table ({src['units']}) or correct "
                                 f"the id"))
    if "parent_unit_id" in u.columns:
        for pos, (k, parent) in enumerate(zip(u["unit_id"], u["parent_unit_id"], strict=True)):
            if parent is None or parent == "":
                continue
            if parent not in units:
                out.append(Issue(src["units"], _where(u, pos), "parent_unit_id",
                                 f"unknown supervising unit {parent} — add it to the units table or leave "
                                 f"the cell empty"))
            elif parent == k:
                out.append(Issue(src["units"], _where(u, pos), "parent_unit_id",
                                 f"unit {k} cannot supervise itself — leave the cell empty"))
        parent_of = {k: p for k, p in zip(u["unit_id"], u["parent_unit_id"], strict=True) if p in units}
        for pos, k in enumerate(u["unit_id"]):
            seen, x = {k}, parent_of.get(k)
            while x is not None and x not in seen:
                seen.add(x)
                x = parent_of.get(x)
            if x == k and parent_of.get(k) != k:
                out.append(Issue(src["units"], _where(u, pos), "parent_unit_id",
                                 f"unit {k} supervises itself through a chain of supervising units — break "
                                 f"the chain"))
    pairs: dict[frozenset, object] = {}
    for pos, (a, b) in enumerate(zip(r["person_id"], r["relative_id"], strict=True)):
        row = _where(r, pos)
        for col, k in (("person_id", a), ("relative_id", b)):
            if k not in people:
                out.append(Issue(src["relatives"], row, col,
                                 f"unknown person {k}: not a cadre of the roster ({src['cadres']}) — correct "
                                 f"the id or delete the row"))
        if a == b:
            out.append(Issue(src["relatives"], row, "relative_id",
                             f"{a} is named as their own relative — correct the relative's id"))
        key = frozenset((a, b))
        if key in pairs and a != b:
            out.append(Issue(src["relatives"], row, "relative_id",
                             f"the pair {a}, {b} is listed twice (first at row {pairs[key]}) — keep one row"))
        pairs.setdefault(key, row)
    return out

