"""Reading and writing rosters: a directory of csv / xlsx / parquet files, or one Excel workbook.

A directory holds ``teachers.*``, ``schools.*``, ``needs.*`` and optionally ``distances.*`` or ``roads.*``
(file stems in English or Chinese, see ``schema.TABLE_ALIASES``). A workbook holds the same tables as sheets.
A title row above the header (often merged, "某县2025年教师交流轮岗花名册") is found and skipped: the header
is the first of the top rows that names the most known columns. CSV is read as UTF-8, else GB18030 (GBK).
Spreadsheets are read as stored values: formulas are not evaluated and macros never run.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd

from .errors import InputError
from .problem import Problem
from .schema import TABLE_ALIASES, TABLES, canon_text

__all__ = ["load_problem", "write_problem", "read_table", "MAX_FILE_MB"]

MAX_FILE_MB = 200
_EXTS = (".csv", ".xlsx", ".xlsm", ".parquet", ".txt")
_HEADER_SCAN_ROWS = 6


def _table_of(stem: str) -> str | None:
    key = canon_text(stem)
    for table, aliases in TABLE_ALIASES.items():
        if key in (canon_text(a) for a in aliases):
            return table
    return None


def _known_headers(table: str) -> set[str]:
    out = set()
    for c in TABLES[table]:
        out.add(canon_text(c.name))
        out.update(canon_text(a) for a in c.aliases)
    return out


def _locate_header(raw: pd.DataFrame, table: str, label: str) -> tuple[pd.DataFrame, int]:
    """Pick the header row among the top rows; return the frame and the 1-based file row of the first data row."""
    known = _known_headers(table)
    best, best_hits = 0, -1
    for i in range(min(_HEADER_SCAN_ROWS, len(raw))):
        hits = sum(canon_text(v) in known for v in raw.iloc[i] if not pd.isna(v))
        if hits > best_hits:
            best, best_hits = i, hits
    if best_hits <= 0:
        expect = ", ".join(c.name for c in TABLES[table] if c.required)
        raise InputError(f"{label}: no header row with the expected columns ({expect}) in the first "
                         f"{_HEADER_SCAN_ROWS} rows — is this the {table} table?")
    header = [str(v).strip() if not pd.isna(v) else f"unnamed_{j}" for j, v in enumerate(raw.iloc[best])]
    body = raw.iloc[best + 1:].reset_index(drop=True)
    body.columns = header
    # a second header line right under the first (multi-row Excel header) holds no data: drop it
    return body, best + 2


def read_table(path: Path, table: str, sheet: str | int | None = None,
               max_file_mb: float = MAX_FILE_MB) -> tuple[pd.DataFrame, int]:
    """Read one table file (or sheet) as raw strings; return it with the file row of its first data row."""
    label = path.name if sheet is None else f"{path.name} [{sheet}]"
    if not path.is_file():
        raise InputError(f"{path}: file does not exist")
    size_mb = path.stat().st_size / 1e6
    if size_mb > max_file_mb:
        raise InputError(f"{label}: {size_mb:,.0f} MB is above the {max_file_mb:g} MB limit for one input file "
                         f"(raise it with max_file_mb= / --max-file-mb if this is really a roster)")
    if path.stat().st_size == 0:
        raise InputError(f"{label}: the file is empty")
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt"):
            raw = _read_csv(path)
        elif suffix in (".xlsx", ".xlsm"):
            if not zipfile.is_zipfile(path):
                raise InputError(f"{label}: not a real .xlsx file (an xlsx is a zip archive); "
                                 "re-save it from Excel as .xlsx or export it as .csv")
            raw = pd.read_excel(path, sheet_name=sheet or 0, header=None, dtype=object, engine="openpyxl")
        elif suffix == ".parquet":
            df = pd.read_parquet(path)
            return df, 2
        else:
            raise InputError(f"{label}: unsupported file type {suffix} (use .csv, .xlsx or .parquet)")
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - every reader failure becomes one readable message
        raise InputError(f"{label}: cannot read the file ({type(exc).__name__}: {exc})") from None
    # blank rows are kept here (row numbers must stay those of the file); normalize_table skips them
    if raw.empty or raw.isna().all().all():
        raise InputError(f"{label}: the table has no rows")
    return _locate_header(raw, table, label)


def _read_csv(path: Path) -> pd.DataFrame:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return pd.read_csv(path, header=None, dtype=str, encoding=enc, skip_blank_lines=False,
                               keep_default_na=False, na_values=[""])
        except UnicodeDecodeError:
            continue
    raise InputError(f"{path.name}: cannot decode the text (save it as UTF-8 or GBK csv)")


def load_problem(path: str | Path, reference_date=None, max_file_mb: float = MAX_FILE_MB) -> Problem:
    """Load a Problem from a directory of table files or from one Excel workbook.

    Raises
    ------
    InputError
        A file is missing, unreadable or not a roster.
    SchemaError
        The tables were read but their content is invalid (every problem listed, with file, row, column).
    """
    path = Path(path)
    frames: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    first_rows: dict[str, int] = {}
    if path.is_dir():
        for f in sorted(path.iterdir()):
            if f.suffix.lower() not in _EXTS or f.name.startswith((".", "~$")):
                continue
            table = _table_of(f.stem)
            if table is None:
                continue
            if table in frames:
                raise InputError(f"{path}: two files hold the {table} table ({sources[table]} and {f.name})")
            frames[table], first_rows[table] = read_table(f, table, max_file_mb=max_file_mb)
            sources[table] = f.name
    elif path.is_file() and path.suffix.lower() in (".xlsx", ".xlsm"):
        if not zipfile.is_zipfile(path):
            raise InputError(f"{path.name}: not a real .xlsx file (an xlsx is a zip archive)")
        try:
            with pd.ExcelFile(path, engine="openpyxl") as book:
                sheets = book.sheet_names
        except Exception as exc:  # noqa: BLE001
            raise InputError(f"{path.name}: cannot open the workbook ({exc})") from None
        for sheet in sheets:
            table = _table_of(sheet)
            if table is None or table in frames:
                continue
            frames[table], first_rows[table] = read_table(path, table, sheet=sheet, max_file_mb=max_file_mb)
            sources[table] = f"{path.name} [{sheet}]"
    elif not path.exists():
        raise InputError(f"{path}: no such file or directory")
    else:
        raise InputError(f"{path}: give a directory with teachers/schools/needs files or one .xlsx workbook")
    missing = [t for t in ("teachers", "schools", "needs") if t not in frames]
    if missing:
        names = "; ".join(f"{t}: {' / '.join(TABLE_ALIASES[t][:3])}" for t in missing)
        raise InputError(f"{path}: missing table(s) {', '.join(missing)} — expected files or sheets named {names}")
    return Problem.from_frames(
        frames["teachers"], frames["schools"], frames["needs"], frames.get("distances"), frames.get("roads"),
        reference_date=reference_date, sources=sources, first_rows=first_rows,
    )


def write_problem(problem: Problem, out: str | Path, fmt: str = "csv") -> Path:
    """Write the problem's tables to a directory (csv, xlsx or parquet), as ``load_problem`` reads them."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tables = {"teachers": problem.teachers, "schools": problem.schools, "needs": problem.needs,
              "distances": problem.distances, "roads": problem.roads}
    for name, df in tables.items():
        if df is None:
            continue
        df = df[[c for c in df.columns if not str(c).startswith("_")]]
        if fmt == "csv":
            df.to_csv(out / f"{name}.csv", index=False, encoding="utf-8")
        elif fmt == "xlsx":
            df.to_excel(out / f"{name}.xlsx", index=False, engine="openpyxl")
        elif fmt == "parquet":
            df.to_parquet(out / f"{name}.parquet", index=False)
        else:
            raise InputError(f"unknown output format {fmt!r} (csv, xlsx or parquet)")
    return out
