"""Output files: checked before any work, written whole or not at all, never over an input.

Every file teacher_match writes (the plan workbook or csv, the HTML report, a generated roster) goes through
this module:

* :func:`check_output` runs *before* the work that produces the file (a ten-minute solve must not end in
  "is a directory"). The name must end in an extension of the format really written (``plan.docx`` is
  refused, not filled with csv); the path must not be a folder; the nearest existing folder on the way must
  be writable (missing folders below it are created); and the file must not be one of the inputs — compared
  by resolved path *and* by file identity (``st_dev``, ``st_ino``), so a symlink, a hard link, ``./x`` or a
  different case on a case-insensitive file system cannot alias an input. A folder given as input covers
  every file inside it, and a new file inside it whose name the roster reader would pick up as a table
  (``county/teachers.xlsx`` beside ``county/teachers.csv``) is refused too: the next load would find two
  teachers tables.
* :func:`atomic_write` writes to a hidden temporary file in the target's folder, flushes it to disk and
  renames it over the target (``os.replace``, atomic on POSIX and Windows). A kill, a full disk or a file-size
  limit leaves the old file or the whole new one, never a part; on an error the temporary file is removed.
  (A process killed outright — SIGKILL, power loss — cannot remove it: a hidden ``.name.tmp-….ext`` may be
  left beside the target; the roster reader skips hidden files.)
* :func:`remember_input` records the files a process read as input (``load_problem``, ``load_policy``,
  ``Plan.read_assignments`` call it), so the library's writers refuse to overwrite them too, with no input
  list passed around. An input counts while it is unchanged (same identity, size and modification time).
* :func:`text_cells_as_text` and :func:`csv_safe` keep text cells that start like a formula (``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return) from being run as formulas by a spreadsheet program: in a workbook
  such a cell is stored as a text cell with its value unchanged; in a csv (which has no cell types) it gets
  a leading apostrophe, as OWASP advises — ``Plan.read_assignments`` removes it again. Numbers stay numbers.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

from .errors import OutputError
from .schema import table_of_path

__all__ = [
    "PLAN_SUFFIXES",
    "REPORT_SUFFIXES",
    "TABLE_SUFFIXES",
    "FORMULA_PREFIXES",
    "check_output",
    "check_output_folder",
    "atomic_write",
    "remember_input",
    "forget_inputs",
    "text_cells_as_text",
    "csv_safe",
    "csv_unsafe",
]

#: what a plan is written as: a workbook (all tables) or a csv (the assignments)
PLAN_SUFFIXES = (".xlsx", ".csv")
#: the plan report is one HTML page
REPORT_SUFFIXES = (".html", ".htm")
#: a roster table written by ``write_problem``, per format
TABLE_SUFFIXES = {"csv": ".csv", "xlsx": ".xlsx", "parquet": ".parquet"}
#: a text cell starting with one of these is read as a formula by spreadsheet programs (OWASP CSV injection)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: more files than this in one input folder are not listed one by one (a roster folder holds a handful)
_MAX_FILES_PER_FOLDER = 10_000

# (st_dev, st_ino) -> (st_mtime_ns, st_size, path): the files read as input by this process
_INPUTS: dict[tuple[int, int], tuple[int, int, str]] = {}
# folders read as input: new files inside them must not look like a roster table
_INPUT_FOLDERS: set[str] = set()
_LOCK = threading.Lock()


# ---------------------------------------------------------------------------------------------- inputs
def _files_of(path: Path) -> Iterator[Path]:
    """``path`` itself and, for a folder, every file below it (symlinked folders not followed)."""
    yield path
    if path.is_dir():
        n = 0
        for root, _dirs, files in os.walk(path):
            for name in files:
                yield Path(root) / name
                n += 1
                if n >= _MAX_FILES_PER_FOLDER:
                    return


def remember_input(path: str | os.PathLike) -> None:
    """Record ``path`` (a file, or a folder and every file in it) as read by this process.

    The library's writers then refuse to write over it. Paths that do not exist are ignored.
    """
    p = Path(path)
    with _LOCK:
        for f in _files_of(p):
            try:
                st = f.stat()
            except OSError:
                continue
            _INPUTS[(st.st_dev, st.st_ino)] = (st.st_mtime_ns, st.st_size, str(f))
        with contextlib.suppress(OSError):
            if p.is_dir():
                _INPUT_FOLDERS.add(os.path.normcase(os.path.realpath(p)))


def forget_inputs() -> None:
    """Forget every input recorded by :func:`remember_input` (for long-lived processes and tests)."""
    with _LOCK:
        _INPUTS.clear()
        _INPUT_FOLDERS.clear()


def _remembered(st: os.stat_result) -> str | None:
    """The input path recorded for this file, if it is still the file that was read."""
    with _LOCK:
        seen = _INPUTS.get((st.st_dev, st.st_ino))
    if seen is not None and seen[:2] == (st.st_mtime_ns, st.st_size):
        return seen[2]
    return None


def _input_identities(inputs: Iterable[str | os.PathLike | None]) -> tuple[dict, dict, set]:
    """(dev, ino) -> path, resolved path -> path, and the resolved input folders, of the given inputs."""
    by_id: dict[tuple[int, int], str] = {}
    by_path: dict[str, str] = {}
    folders: set[str] = set()
    for given in inputs:
        if given is None or str(given) == "":
            continue
        p = Path(given)
        for f in _files_of(p):
            with contextlib.suppress(OSError):
                st = f.stat()
                by_id[(st.st_dev, st.st_ino)] = str(f)
            by_path[_key(f)] = str(f)
        with contextlib.suppress(OSError):
            if p.is_dir():
                folders.add(_key(p))
    return by_id, by_path, folders


def _key(p: str | os.PathLike) -> str:
    return os.path.normcase(os.path.realpath(p))


# ---------------------------------------------------------------------------------------------- checks
def check_output(path: str | os.PathLike, suffixes: Iterable[str], *, what: str = "the output",
                 inputs: Iterable[str | os.PathLike | None] = ()) -> Path:
    """Check that ``path`` can take the output, before the work that produces it; return the file to write.

    Parameters
    ----------
    path : str or PathLike
        The output file as the user gave it.
    suffixes : iterable of str
        Extensions of the format that will be written (``(".xlsx", ".csv")``); compared ignoring case.
    what : str
        What is written, for the messages ("the plan", "the report").
    inputs : iterable of paths
        Files and folders read by this run (roster folder or workbook, policy file, plan file). Files read
        through :func:`remember_input` are checked as well.

    Returns
    -------
    Path
        The file to write: ``path`` with symlinks resolved, so a link is written through, not replaced.

    Raises
    ------
    OutputError
        Wrong or missing extension, a folder, a folder that cannot be written, a read-only file, or an input.

    Examples
    --------
    >>> try:
    ...     check_output("plan.docx", PLAN_SUFFIXES, what="the plan")
    ... except OutputError as exc:
    ...     print(exc)
    plan.docx: the plan is written as .xlsx or .csv, not .docx — give a file name ending in .xlsx or .csv
    """
    given = os.fspath(path)
    suffixes = tuple(s.lower() for s in suffixes)
    listed = " or ".join(suffixes)
    if not given.strip():
        raise OutputError(f"no file name given for {what} — give one ending in {listed}")
    p = Path(given)
    if given.endswith(("/", os.sep)) or p.is_dir():
        raise OutputError(f"{given}: this is a folder — give a file name for {what}, ending in {listed} "
                          f"(e.g. {p / ('plan' + suffixes[0])})")
    suffix = p.suffix.lower()
    if suffix not in suffixes:
        got = f"not {p.suffix}" if p.suffix else "and this name has no extension"
        raise OutputError(f"{given}: {what} is written as {listed}, {got} — give a file name ending in "
                          f"{listed}")
    target = Path(os.path.realpath(p))
    if target.exists() and not target.is_file():
        raise OutputError(f"{given}: exists and is not a regular file — give another file name for {what}")
    _check_not_an_input(given, target, inputs)
    _check_writable(given, target, what)
    return target


def _check_not_an_input(given: str, target: Path, inputs) -> None:
    by_id, by_path, folders = _input_identities(inputs)
    st = None
    with contextlib.suppress(OSError):
        st = target.stat()
    hit = by_path.get(_key(target))
    if hit is None and st is not None:
        hit = by_id.get((st.st_dev, st.st_ino)) or _remembered(st)
    if hit is not None:
        same = "" if _key(hit) == _key(given) else f" (the same file as the input {hit})"
        raise OutputError(f"{given}: this is an input of this run{same} — writing there would destroy it; "
                          f"give another file name")
    with _LOCK:
        folders = folders | _INPUT_FOLDERS
    parent = _key(target.parent)
    if parent in folders and table_of_path(target) is not None:
        raise OutputError(f"{given}: inside the input folder {target.parent}, a file of this name would be "
                          f"read as a roster table next time — write it to another folder or give another "
                          f"name")


def _check_writable(given: str, target: Path, what: str) -> None:
    # the nearest existing folder on the way must be a writable folder (missing folders below it are made)
    folder = target.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise OutputError(f"{given}: {folder} is a file, not a folder — give a file name in a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{given}: cannot write in the folder {folder} (permission denied) — write {what} "
                          f"to a folder you can write to")
    if target.exists() and not os.access(target, os.W_OK):
        raise OutputError(f"{given}: the file is read-only — give another file name, or make it writable if "
                          f"it may be replaced")


def check_output_folder(path: str | os.PathLike, *, force: bool = False,
                        inputs: Iterable[str | os.PathLike | None] = ()) -> Path:
    """Check a folder that will receive new files (``generate --out``): empty or new, unless ``force``.

    Raises
    ------
    OutputError
        The path is a file, holds files (without ``force``), is an input folder, or cannot be written.
    """
    given = os.fspath(path)
    if not given.strip():
        raise OutputError("no folder given for the output — give a folder name")
    p = Path(given)
    target = Path(os.path.realpath(p))
    if target.exists() and not target.is_dir():
        raise OutputError(f"{given}: this is a file, not a folder — give a new or empty folder")
    by_id, by_path, folders = _input_identities(inputs)
    with _LOCK:
        folders = folders | _INPUT_FOLDERS
    if _key(target) in folders or _key(target) in by_path:
        raise OutputError(f"{given}: this is an input folder of this run — give another folder")
    if target.is_dir():
        held = [f.name for f in sorted(target.iterdir()) if not f.name.startswith(".")]
        if held and not force:
            shown = ", ".join(held[:4]) + (" …" if len(held) > 4 else "")
            raise OutputError(f"{given}: the folder already holds files ({shown}) — give a new or empty "
                              f"folder, or add --force (force=True) to replace the files of the same name")
    _check_writable(given, target / "x", "the files")
    return target


# ---------------------------------------------------------------------------------------------- writing
def _umask() -> int:
    # the mode a plain open() would give a new file; read without changing the process's umask where possible
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    with _LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def _why(exc: OSError) -> str:
    return {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EFBIG: "the file is larger than the file-size limit of this system or account",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "the file system is read-only",
        errno.EISDIR: "it is a folder",
        errno.ENOENT: "the folder does not exist",
    }.get(exc.errno or 0, exc.strerror or str(exc))


@contextlib.contextmanager
def atomic_write(target: str | os.PathLike, what: str = "the output") -> Iterator[Path]:
    r"""Yield a temporary path beside ``target``; on success it replaces ``target`` whole.

    The temporary file is hidden (``.name.tmp-….ext``, same extension, so writers that look at it pick the
    same format), flushed to disk (``fsync``) and renamed over the target with ``os.replace``. Any exception
    removes it and leaves ``target`` as it was; an ``OSError`` (full disk, file-size limit, permission)
    becomes an :class:`OutputError` naming the file.

    Examples
    --------
    >>> d = Path(tempfile.mkdtemp())
    >>> with atomic_write(d / "a.csv") as tmp:
    ...     _ = tmp.write_text("x\n1\n", encoding="utf-8")
    >>> sorted(p.name for p in d.iterdir()), (d / "a.csv").read_text(encoding="utf-8")
    (['a.csv'], 'x\n1\n')
    """
    target = Path(target)
    tmp: Path | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.tmp-", suffix=target.suffix)
        os.close(fd)
        tmp = Path(name)
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        try:
            mode = stat.S_IMODE(target.stat().st_mode)  # replacing a file keeps its permissions
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        tmp = None
        _fsync_folder(target.parent)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write {what} ({_why(exc)}) — nothing was changed"
                          + (f"; {target.name} is as it was" if target.exists() else "")) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()


def _fsync_folder(folder: Path) -> None:
    # the rename itself is durable only once the folder is flushed (POSIX; not possible on Windows)
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# ---------------------------------------------------------------------------------------------- cells
def _formula_like(v: object) -> bool:
    return isinstance(v, str) and v.startswith(FORMULA_PREFIXES)


def text_cells_as_text(book) -> int:
    """Store every formula-like text cell of an openpyxl workbook as text; return how many were changed.

    openpyxl turns any string starting with ``=`` into a formula cell. teacher_match never writes formulas,
    so every such cell came from the data (an extra roster column, a name) and is set back to a text cell
    with its value unchanged. Cells starting with ``+``, ``-``, ``@`` are already text cells in a workbook.
    """
    n = 0
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
                    n += 1
    return n


def csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with a leading apostrophe on text cells that start like a formula (the csv has no cell types).

    Examples
    --------
    >>> csv_safe(pd.DataFrame({"a": ["=1+1", "x", "-"], "n": [-1, 2, 3]}))["a"].tolist()
    ["'=1+1", 'x', "'-"]
    """
    out = df
    for c in df.columns:
        col = df[c]
        if col.dtype != object and not pd.api.types.is_string_dtype(col.dtype):
            continue  # numbers (negative ones included) and booleans stay numbers
        mask = col.map(_formula_like).astype(bool)
        if mask.any():
            if out is df:
                out = df.copy()
            out[c] = col.astype(object).where(~mask, "'" + col[mask].astype(str))
    return out


def csv_unsafe(df: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`csv_safe` on a table read back from a csv written by teacher_match."""
    out = df
    for c in df.columns:
        col = df[c]
        if col.dtype != object and not pd.api.types.is_string_dtype(col.dtype):
            continue
        mask = col.map(lambda v: isinstance(v, str) and len(v) > 1 and v[0] == "'"
                       and v[1:].startswith(FORMULA_PREFIXES)).astype(bool)
        if mask.any():
            if out is df:
                out = df.copy()
            out[c] = col.astype(object).where(~mask, col[mask].astype(str).str[1:])
    return out
