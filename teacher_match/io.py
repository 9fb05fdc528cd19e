"""Reading and writing rosters: a directory of csv / xlsx / parquet files, or one Excel workbook.

A directory holds ``teachers.*``, ``schools.*``, ``needs.*``, optionally ``distances.*`` or ``roads.*``, and
optionally ``exchanges.*`` (交流记录, the exchange history); file stems in English or Chinese, see
``schema.TABLE_ALIASES``. A workbook holds the same tables as sheets.
A title row above the header (often merged, "某县2025年教师交流轮岗花名册") is found and skipped: the header
is the first of the top rows that names the most known columns. CSV is read as UTF-8, else GB18030 (GBK).
Spreadsheets are read as stored values: formulas are not evaluated and macros never run; a formula cell
without a stored value is reported, not guessed. A header spread over two rows (group labels merged above,
or a units row such as "(周岁)" below) is merged into one. Input size is capped: ``max_file_mb`` per file and
``max_rows`` per table, both parameters of :func:`load_problem` (``--max-file-mb``, ``--max-rows``).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd

from .errors import InputError, OutputError
from .output_files import remember_input
from .problem import Problem
from .schema import TABLE_ALIASES, TABLES, canon_text, table_of_file, table_of_path

__all__ = ["load_problem", "write_problem", "read_table", "MAX_FILE_MB", "MAX_ROWS"]

#: default cap on one input file's size; a county roster of 100,000 teachers is about 20 MB as csv
MAX_FILE_MB = 200
#: default cap on the rows of one table: far above any county or city roster, far below what exhausts memory
MAX_ROWS = 1_000_000
_HEADER_SCAN_ROWS = 6




def _known_headers(table: str) -> set[str]:
    out = set()
    for c in TABLES[table]:
        out.add(canon_text(c.name))
        out.update(canon_text(a) for a in c.aliases)
    return out


def _is_known(value: object, known: set[str]) -> bool:
    if pd.isna(value):
        return False
    key = canon_text(value)
    return key in known or re.sub(r"[（(].*?[)）]$", "", key).strip() in known


def _header_hits(raw: pd.DataFrame, table: str) -> int:
    """The most known column names found in one of the top rows (0 = not this table)."""
    known = _known_headers(table)
    rows = range(min(_HEADER_SCAN_ROWS, len(raw)))
    return max((sum(_is_known(v, known) for v in raw.iloc[i]) for i in rows), default=0)


def _locate_header(raw: pd.DataFrame, table: str, label: str) -> tuple[pd.DataFrame, int]:
    """Pick the header row among the top rows; return the frame and the first data row's file row (1-based).

    The header is the top row naming the most known columns. A neighbouring row that names known columns
    where the header row has none (a two-row header with vertically merged cells) is merged into it; a row
    right below the header that holds only text and no id (a units row such as "(周岁)") is skipped.
    """
    known = _known_headers(table)
    best, best_hits = 0, -1
    for i in range(min(_HEADER_SCAN_ROWS, len(raw))):
        hits = sum(_is_known(v, known) for v in raw.iloc[i])
        if hits > best_hits:
            best, best_hits = i, hits
    if best_hits <= 0:
        expect = ", ".join(c.name for c in TABLES[table] if c.required)
        raise InputError(f"{label}: no header row with the expected columns ({expect}) in the first "
                         f"{_HEADER_SCAN_ROWS} rows — is this the {table} table? Put the column names in one "
                         f"row at the top (if they look garbled, save the file as UTF-8 or GBK csv, or as "
                         f".xlsx)")
    cells = list(raw.iloc[best])
    last = best
    for nb in (best - 1, best + 1):
        if not 0 <= nb < len(raw):
            continue
        row = list(raw.iloc[nb])
        fills = [j for j, v in enumerate(row) if _is_known(v, known) and not _is_known(cells[j], known)]
        if fills:
            for j in fills:
                cells[j] = row[j]
            last = max(last, nb)
    header = [str(v).strip() if not pd.isna(v) else f"unnamed_{j}" for j, v in enumerate(cells)]
    if last + 1 < len(raw) and _is_units_row(list(raw.iloc[last + 1]), header, table):
        last += 1
    body = raw.iloc[last + 1:].reset_index(drop=True)
    body.columns = header
    return body, last + 2


def _is_units_row(row: list, header: list[str], table: str) -> bool:
    """A second header line (units, notes) under the header: no id and no digit anywhere, some text.

    Every real data row has an id and numbers (ages, years, counts), so no teacher is ever skipped here.
    """
    id_col = TABLES[table][0]
    id_names = {canon_text(id_col.name), *(canon_text(a) for a in id_col.aliases)}
    texts = [str(v) for v in row if not pd.isna(v) and str(v).strip()]
    if not texts or any(re.search(r"\d", t) for t in texts):
        return False
    ids = [v for v, h in zip(row, header, strict=True) if canon_text(h) in id_names]
    return all(pd.isna(v) or not str(v).strip() for v in ids)


def read_table(path: Path, table: str, sheet: str | int | None = None,
               max_file_mb: float = MAX_FILE_MB, max_rows: int = MAX_ROWS) -> tuple[pd.DataFrame, int]:
    """Read one table file (or sheet) as raw strings; return it with the file row of its first data row.

    Raises
    ------
    InputError
        The file is missing, empty, above ``max_file_mb``, has more than ``max_rows`` rows, is not the
        format its name says, or holds no header row naming the table's columns.
    """
    label = path.name if sheet is None else f"{path.name} [{sheet}]"
    if not path.is_file():
        raise InputError(f"{path}: file does not exist")
    size_mb = path.stat().st_size / 1e6
    if size_mb > max_file_mb:
        raise InputError(f"{label}: {size_mb:,.0f} MB is above the {max_file_mb:g} MB limit for one input "
                         f"file (raise it with max_file_mb= / --max-file-mb if this is really a roster)")
    if path.stat().st_size == 0:
        raise InputError(f"{label}: the file is empty (0 bytes) — export the {table} table into it again")
    suffix = path.suffix.lower()
    # read a few rows beyond the cap, so a table over the cap is detected without reading all of it
    nrows = max_rows + _HEADER_SCAN_ROWS + 2
    try:
        if suffix in (".csv", ".txt"):
            raw = _read_csv(path, label, nrows)
        elif suffix in (".xlsx", ".xlsm"):
            if not zipfile.is_zipfile(path):
                raise InputError(f"{label}: not a real .xlsx file (an xlsx is a zip archive); "
                                 "re-save it from Excel as .xlsx or export it as .csv")
            if sheet is None:
                sheet = _pick_sheet(path, table, label)
            raw = pd.read_excel(path, sheet_name=sheet, header=None, dtype=object, engine="openpyxl",
                                nrows=nrows)
            raw = _mark_formulas(path, sheet, raw)
        elif suffix == ".parquet":
            df = pd.read_parquet(path)
            if len(df) > max_rows:
                raise InputError(_too_many_rows(label, max_rows))
            return df, 2
        else:
            raise InputError(f"{label}: unsupported file type {suffix} (use .csv, .xlsx or .parquet)")
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - every reader failure becomes one readable message
        raise InputError(f"{label}: cannot read the file ({type(exc).__name__}: {exc}) — re-export it from "
                         f"Excel as .xlsx or UTF-8 csv") from None
    # blank rows are kept here (row numbers must stay those of the file); normalize_table skips them
    if raw.empty or raw.isna().all().all():
        raise InputError(f"{label}: the table has no rows — fill in the {table} table")
    body, first = _locate_header(raw, table, label)
    if len(body) > max_rows:
        raise InputError(_too_many_rows(label, max_rows))
    if table in ("teachers", "schools") and body.isna().all().all():
        raise InputError(f"{label}: the header is there but no {table} rows follow it — fill in the "
                         f"{table} table")
    return body, first


def _too_many_rows(label: str, max_rows: int) -> str:
    return (f"{label}: more than {max_rows:,} rows, the limit for one table (raise it with max_rows= / "
            f"--max-rows if this is really one roster, or split the roster by township)")


def _pick_sheet(path: Path, table: str, label: str) -> str | int:
    """The sheet of a one-table workbook that holds the table (others may hold notes, 填表说明)."""
    with pd.ExcelFile(path, engine="openpyxl") as book:
        names = book.sheet_names
        if len(names) == 1:
            return names[0]
        named = [s for s in names if table_of_file(s) == table]
        if len(named) == 1:
            return named[0]
        hits = [s for s in (named or names)
                if _header_hits(pd.read_excel(book, sheet_name=s, header=None, dtype=object,
                                              nrows=_HEADER_SCAN_ROWS), table) >= 2]
    if len(hits) > 1:
        listed = ", ".join(f"'{h}'" for h in hits)
        raise InputError(f"{label}: sheets {listed} all hold a {table} table — keep one sheet (or name the "
                         f"sheet to use '{table}'), so no {table} row is counted twice or left out")
    return hits[0] if hits else names[0]


def _mark_formulas(path: Path, sheet: str | int, raw: pd.DataFrame) -> pd.DataFrame:
    """Put the formula text into cells that hold a formula but no stored value.

    Formulas are never evaluated: a cell computed by Excel keeps the value Excel stored. A formula written by
    a program that never computed it has no stored value; it is shown as its text (``=YEAR(…)``) so the
    validation names it instead of reporting an empty cell.
    """
    with zipfile.ZipFile(path) as z:
        sheets_xml = [n for n in z.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        if not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets_xml):
            return raw
    import openpyxl  # only when formulas exist: a second, formula-preserving read

    book = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_links=False)
    try:
        ws = book[sheet] if isinstance(sheet, str) else book.worksheets[sheet]
        raw = raw.copy()
        for i, row in enumerate(ws.iter_rows(values_only=True)):
            if i >= len(raw):
                break
            for j, v in enumerate(row[: raw.shape[1]]):
                if isinstance(v, str) and v.startswith("=") and pd.isna(raw.iat[i, j]):
                    raw.iat[i, j] = v
    finally:
        book.close()
    return raw


def _read_csv(path: Path, label: str, nrows: int) -> pd.DataFrame:
    with path.open("rb") as fh:
        head = fh.read(65536)
    # Excel's "Unicode text" export is UTF-16 with a byte-order mark and tabs between cells
    encodings = ("utf-16",) if head.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8-sig", "gb18030")
    if b"\x00" in head and encodings != ("utf-16",):
        raise InputError(f"{label}: this is a binary file, not a text table — export the table from Excel as "
                         f".xlsx or UTF-8 csv")
    for enc in encodings:
        try:
            # the separator splits the top lines into the most cells (a title row may have none)
            lines = head.decode(enc, errors="ignore").splitlines()[:20] or [""]
            sep = max((",", "\t", ";"), key=lambda c: max(line.count(c) for line in lines))
            width = max(line.count(sep) for line in lines) + 1
            return pd.read_csv(path, header=None, names=range(width), dtype=str, encoding=enc, sep=sep,
                               skip_blank_lines=False, keep_default_na=False, na_values=[""], nrows=nrows)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{label}: cannot decode the text (save it as UTF-8 or GBK csv)")


def load_problem(path: str | Path, reference_date=None, max_file_mb: float = MAX_FILE_MB,
                 max_rows: int = MAX_ROWS) -> Problem:
    """Load a Problem from a directory of table files or from one Excel workbook.

    Parameters
    ----------
    path : str or Path
        A directory holding ``teachers.*``, ``schools.*``, ``needs.*`` or one ``.xlsx`` workbook.
    reference_date : date or str, optional
        Statistics cut-off date for date columns (default: 31 August of this year).
    max_file_mb : float
        Refuse any input file larger than this (default :data:`MAX_FILE_MB`).
    max_rows : int
        Refuse any table with more rows than this (default :data:`MAX_ROWS`).

    Raises
    ------
    InputError
        A file is missing, unreadable or not a roster.
    SchemaError
        The tables were read but their content is invalid (every problem listed, with file, row, column).
    """
    try:
        return _load_problem(path, reference_date, max_file_mb, max_rows)
    except OSError as exc:
        # a file or folder the system refuses (permissions, a file where a folder is expected …): the user's
        # to fix, named as such — not a traceback
        where = exc.filename if exc.filename is not None else path
        raise InputError(f"{where}: {exc.strerror or exc} — check the path and its permissions") from None


def _load_problem(path: str | Path, reference_date, max_file_mb: float, max_rows: int) -> Problem:
    path = Path(path)
    frames: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    first_rows: dict[str, int] = {}
    if path.is_dir():
        for f in sorted(path.iterdir()):
            table = table_of_path(f)
            if table is None:
                continue
            if table in frames:
                raise InputError(f"{path}: two files hold the {table} table ({sources[table]} and {f.name})")
            frames[table], first_rows[table] = read_table(f, table, max_file_mb=max_file_mb,
                                                          max_rows=max_rows)
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
            table = table_of_file(sheet)
            if table is None:
                continue
            if table in frames:
                # two sheets of one table: reading only one would silently drop the other's rows
                first = sources[table].split("[")[-1].rstrip("]")
                raise InputError(f"{path.name}: sheets '{first}' and '{sheet}' both hold the {table} table — "
                                 f"merge them into one sheet")
            frames[table], first_rows[table] = read_table(path, table, sheet=sheet, max_file_mb=max_file_mb,
                                                          max_rows=max_rows)
            sources[table] = f"{path.name} [{sheet}]"
    elif not path.exists():
        raise InputError(f"{path}: no such file or directory")
    else:
        raise InputError(f"{path}: give a directory with teachers/schools/needs files or one .xlsx workbook")
    missing = [t for t in ("teachers", "schools", "needs") if t not in frames]
    if missing:
        names = "; ".join(f"{t}: {' / '.join(TABLE_ALIASES[t][:3])}" for t in missing)
        raise InputError(f"{path}: missing table(s) {', '.join(missing)} — expected files or sheets named "
                         f"{names}")
    remember_input(path)  # the library's writers never write over a file read as input
    return Problem.from_frames(
        frames["teachers"], frames["schools"], frames["needs"], frames.get("distances"), frames.get("roads"),
        reference_date=reference_date, sources=sources, first_rows=first_rows,
        exchanges=frames.get("exchanges"), options=frames.get("options"),
    )


def _as_declared(df: pd.DataFrame, column: str, declared: str, drop: tuple[str, ...] = ()) -> pd.DataFrame:
    """The table as the roster declared it.

    The exchange history's plan-year values are derived, never written: read back, they would apply twice.
    """
    if declared not in df.columns:
        return df
    out = df.drop(columns=[c for c in drop if c in df.columns])
    out[column] = df[declared]
    return out


def write_problem(problem: Problem, out: str | Path, fmt: str = "csv", *, force: bool = False) -> Path:
    """Write the problem's tables to a directory (csv, xlsx or parquet), as ``load_problem`` reads them.

    The folder must be new or empty unless ``force`` (then files of the same names are replaced; other files
    are left alone). Each file is replaced whole or not at all. Values are written as they are (a csv roster
    is data for ``load_problem``, not a document); in a workbook a text cell that starts with ``=`` is a text
    cell, never a formula.

    Raises
    ------
    OutputError
        The folder holds files (without ``force``), is a file or an input, or cannot be written.
    InputError
        ``fmt`` is not csv, xlsx or parquet.
    """
    from .output_files import TABLE_SUFFIXES, atomic_write, check_output_folder, text_cells_as_text

    if fmt not in TABLE_SUFFIXES:
        raise InputError(f"unknown output format {fmt!r} (csv, xlsx or parquet)")
    folder = check_output_folder(out, force=force)
    tables = {"teachers": _as_declared(problem.teachers, "school_id", "_roster_school_id"),
              "schools": problem.schools,
              "needs": _as_declared(problem.needs, "count", "_declared_count", drop=("reopened",)),
              "distances": problem.distances, "roads": problem.roads, "exchanges": problem.exchanges,
              "options": problem.options}
    names = {f"{name}{TABLE_SUFFIXES[fmt]}" for name, df in tables.items() if df is not None}
    if folder.is_dir():
        # --force replaces tables; a table it would not replace (another format, a distances table this
        # roster has not) would be read with the new ones next time: two rosters mixed in one folder
        stale = sorted(f.name for f in folder.iterdir() if f.is_file() and f.name not in names
                       and table_of_path(f) is not None)
        if stale:
            raise OutputError(f"{out}: holds {', '.join(stale)}, a table this roster would not replace — the "
                              f"folder would mix two rosters; remove it or write to a new folder")
    for name, df in tables.items():
        if df is None:
            continue
        df = df[[c for c in df.columns if not str(c).startswith("_")]]
        with atomic_write(folder / f"{name}{TABLE_SUFFIXES[fmt]}", f"the {name} table") as tmp:
            if fmt == "csv":
                df.to_csv(tmp, index=False, encoding="utf-8")
            elif fmt == "xlsx":
                with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
                    df.to_excel(xw, index=False)
                    text_cells_as_text(xw.book)
            else:
                df.to_parquet(tmp, index=False)
    return Path(out)
