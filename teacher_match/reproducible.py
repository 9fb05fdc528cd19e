"""Byte-identical workbooks: the same plan written twice gives the same .xlsx file, byte for byte.

An .xlsx is a zip archive. openpyxl stamps each zip entry with the time of writing and the document
properties (``docProps/core.xml``) with the creation and modification times, so two exports of one plan
differ in those bytes only. :func:`make_reproducible` rewrites the archive with a fixed entry time and fixed
document times, keeping every entry's content and order.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

__all__ = ["make_reproducible", "FIXED_ZIP_TIME", "FIXED_DOC_TIME"]

#: the earliest time a zip entry can carry (zip times start in 1980)
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
#: written as the workbook's creation and modification time (W3CDTF, as Office writes it)
FIXED_DOC_TIME = "2000-01-01T00:00:00Z"

_DOC_TIMES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def make_reproducible(path: str | Path) -> Path:
    """Rewrite the workbook at ``path`` with fixed zip entry times and document times; return the path.

    Examples
    --------
    >>> import tempfile, time, openpyxl
    >>> d = Path(tempfile.mkdtemp())
    >>> for name in ("a.xlsx", "b.xlsx"):
    ...     openpyxl.Workbook().save(d / name)
    ...     _ = make_reproducible(d / name)
    ...     time.sleep(1.1)
    >>> (d / "a.xlsx").read_bytes() == (d / "b.xlsx").read_bytes()
    True
    """
    path = Path(path)
    with zipfile.ZipFile(path) as src:
        entries = [(info, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w") as dst:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = _DOC_TIMES.sub(lambda m: m.group(1) + FIXED_DOC_TIME.encode() + m.group(3), data)
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, data)
    return path
