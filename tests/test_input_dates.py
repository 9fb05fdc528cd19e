"""Dates read the same from CSV and Excel.

A year.month that can be January or October (2020.1) is refused with the fix, from either file type, never
guessed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from data.bad import build_corpus

import teacher_match as tm
from teacher_match.cli import main
from teacher_match.dates import AmbiguousDateError, parse_roster_date

HEADER = ["教师编号", "学校编号", "学科", "性别", "年龄", "调入本校时间"]
ROWS = [["T01", "S1", "数学", "女", 40], ["T02", "S1", "语文", "男", 45], ["T03", "S2", "音乐", "女", 38]]


@pytest.mark.parametrize(("value", "expected"), [
    ("2020.09", dt.date(2020, 9, 1)), (2020.09, dt.date(2020, 9, 1)), ("2020.10", dt.date(2020, 10, 1)),
    ("2020.2", dt.date(2020, 2, 1)), (2020.2, dt.date(2020, 2, 1)), (2020.12, dt.date(2020, 12, 1)),
    ("2020-1", dt.date(2020, 1, 1)), ("2020/1/15", dt.date(2020, 1, 15)), ("2020年1月", dt.date(2020, 1, 1)),
    ("2020.1.5", dt.date(2020, 1, 5)), ("202001", dt.date(2020, 1, 1)),
    (dt.datetime(2020, 10, 1), dt.date(2020, 10, 1)),
    ("２０２０．０１", dt.date(2020, 1, 1)),
])
def test_unambiguous_forms(value, expected):
    assert parse_roster_date(value) == expected


@pytest.mark.parametrize("value", ["2020.1", 2020.1, " 2020.1 ", "２０２０．１"])
def test_year_dot_1_is_refused_with_the_fix(value):
    pattern = r"'2020\.1' can be January or October 2020 .* write 2020-01 or 2020-10 \(or format the column"
    with pytest.raises(AmbiguousDateError, match=pattern):
        parse_roster_date(value)


def _dir(tmp_path: Path, name: str) -> Path:
    d = tmp_path / name
    d.mkdir()
    (d / "schools.csv").write_text(build_corpus.SCHOOLS, encoding="utf-8")
    (d / "needs.csv").write_text(build_corpus.NEEDS, encoding="utf-8")
    return d


def _csv(tmp_path: Path, arrivals: list[str]) -> Path:
    d = _dir(tmp_path, "csv")
    lines = [",".join(HEADER)] + [",".join(map(str, [*r, a])) for r, a in zip(ROWS, arrivals, strict=True)]
    (d / "teachers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return d


def _xlsx(tmp_path: Path, arrivals: list) -> Path:
    d = _dir(tmp_path, "xlsx")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r, a in zip(ROWS, arrivals, strict=True):
        ws.append([*r, a])  # a float stays a number cell: 2020.10 typed into Excel is stored as 2020.1
    wb.save(d / "teachers.xlsx")
    return d


def test_csv_and_excel_agree_on_unambiguous_dates(tmp_path):
    csv = tm.load_problem(_csv(tmp_path, ["2019.09", "2012.12", "2018.2"]), reference_date="2025-08-31")
    xlsx = tm.load_problem(_xlsx(tmp_path, [2019.09, 2012.12, 2018.2]), reference_date="2025-08-31")
    assert list(csv.teachers["years_at_school"]) == list(xlsx.teachers["years_at_school"]) == [5, 12, 7]
    assert list(csv.teachers["school_start_date"]) == list(xlsx.teachers["school_start_date"])


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_ambiguous_date_is_the_same_error_from_csv_and_excel(tmp_path, kind, capsys):
    d = _csv(tmp_path, ["2019.09", "2020.1", "2018.02"]) if kind == "csv" else \
        _xlsx(tmp_path, [2019.09, 2020.1, 2018.02])
    with pytest.raises(tm.SchemaError) as err:
        tm.load_problem(d)
    name = f"teachers.{kind}"
    expected = (f"{name}, row 3, column '调入本校时间': '2020.1' can be January or October 2020 (a "
                f"number cell drops the 0 of 2020.10) — write 2020-01 or 2020-10 (or format the column as "
                f"text in Excel)")
    assert expected in str(err.value)
    assert main(["solve", str(d), "--quiet"]) == 2
    stderr = capsys.readouterr().err
    assert expected in stderr
    assert "Traceback" not in stderr


def test_birth_date_1985_1_refused_too():
    import pandas as pd

    t = pd.DataFrame({"teacher_id": ["T1"], "school_id": ["S1"], "subject": ["math"], "gender": ["F"],
                      "birth_date": [1985.1], "years_at_school": [3]})
    s = pd.DataFrame({"school_id": ["S1"], "category": ["urban"], "x": [0], "y": [0]})
    with pytest.raises(tm.SchemaError, match=r"row 0, column 'birth_date': '1985\.1' can be January or"):
        tm.Problem.from_frames(t, s)
