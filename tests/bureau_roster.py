"""A county roster as a bureau keeps it: one Excel workbook, Chinese headers, dates as ``1985.09``.

:func:`write_bureau_workbook` turns a synthetic county (:func:`teacher_match.make_county`) into the
workbook an education bureau sends: a title row merged above the header, birth, start of work and
arrival at the school as month text (出生年月 / 参加工作时间 / 调入本校时间 = ``1985.09``), yes/no
columns as 是/否, and ``rounding_rows`` teachers whose arrival at the school is recorded a month before
their start of work (2010.08 and 2010.09: at 31 August 2025, 15 years at the school but 14 teaching
years) — a contradiction that comes only from the order of recording. Backbone teachers (骨干教师) are
only teachers who arrived at their school this year, so under the default policy's backbone share (20 %
of those a school sends) no school can send anyone: the roster on which the plan must say, first, which
rule costs every need and what change would fill them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

import teacher_match as tm
from teacher_match.problem import default_reference_date

#: the roster's statistics cut-off: the one a load without a reference date uses (31 August of this year), so
#: the command line reads the workbook as the library does
REFERENCE_DATE = default_reference_date()

SCHOOL_HEADERS = {"school_id": "学校编号", "name": "学校名称", "category": "类别", "strength": "办学水平",
                  "stage": "学段", "x": "横坐标", "y": "纵坐标", "township": "乡镇"}
NEED_HEADERS = {"school_id": "学校编号", "subject": "紧缺学科", "count": "缺编人数"}
ZH = {"urban": "城区", "town": "镇区", "rural": "乡村", "village": "村小", "strong": "优质",
      "normal": "一般", "weak": "薄弱", "primary": "小学", "junior": "初中", "nine_year": "九年一贯制",
      "senior": "高级", "intermediate": "一级", "junior_title": "二级", "none": "未定级", "teacher": "教师",
      "principal": "校长", "vice_principal": "副校长", "middle_leader": "中层", "M": "男", "F": "女"}
SUBJECT_ZH = {"math": "数学", "chinese": "语文", "english": "英语"}


def _month_text(years: np.ndarray, month: np.ndarray) -> list[str]:
    """``YYYY.MM`` of a date ``years`` full years before the reference date (months 1–12 kept in step)."""
    # a month after August lies in the year before: counted to 31 August, it is one full year fewer
    year = REFERENCE_DATE.year - years - (month > REFERENCE_DATE.month)
    return [f"{y:04d}.{m:02d}" for y, m in zip(year, month, strict=True)]


def bureau_tables(n_teachers: int = 800, seed: int = 1, rounding_rows: int = 16) -> dict[str, pd.DataFrame]:
    """The three sheets (教师花名册, 学校, 缺编需求) as the bureau writes them, Chinese headers and values."""
    p = tm.make_county(n_teachers, seed=seed, reference_date=REFERENCE_DATE)
    rng = np.random.default_rng(seed)
    t = p.teachers.reset_index(drop=True)
    n = len(t)
    months = rng.integers(1, 13, size=(3, n))
    ty = t["teaching_years"].to_numpy(dtype=int)
    ys = t["years_at_school"].to_numpy(dtype=int)
    work = _month_text(ty, months[1])
    # the arrival never before the start of work (same month when the teacher started at this school)
    arrival_month = np.where(ys == ty, months[1], months[2])
    arrival = _month_text(ys, arrival_month)
    started_here = np.flatnonzero((ys == ty) & (ys >= 1))
    picked = rng.choice(started_here, size=rounding_rows, replace=False) if rounding_rows else []
    for i in picked:
        # started work in September, arrival recorded in August of the same year: one full year more
        year = REFERENCE_DATE.year - ty[i] - 1
        work[i], arrival[i] = f"{year:04d}.09", f"{year:04d}.08"
    # backbone teachers only among those who arrived this year: none may rotate under any tenure rule
    backbone = (t["years_at_school"] == 0).to_numpy() & (rng.random(n) < 0.15)
    title = t["title"].map(lambda v: ZH["junior_title"] if v == "junior" else ZH.get(v, v))
    yes_no = {True: "是", False: "否"}
    teachers = pd.DataFrame({
        "教师编号": t["teacher_id"], "姓名": [f"教师{i + 1:04d}" for i in range(n)],
        "学校编号": t["school_id"], "任教学科": t["subject"].map(lambda v: SUBJECT_ZH.get(v, v)),
        "性别": t["gender"].map(ZH), "出生年月": _month_text(t["age"].to_numpy(dtype=int), months[0]),
        "参加工作时间": work, "调入本校时间": arrival, "职称": title,
        "骨干教师": [yes_no[bool(b)] for b in backbone], "职务": t["role"].map(ZH),
        "孕期哺乳期": t["pregnant_or_nursing"].map(yes_no), "重病": t["serious_illness"].map(yes_no),
        "自愿申请": t["volunteer"].map(yes_no),
    })
    s = p.schools
    schools = pd.DataFrame({v: s[k].map(lambda x: ZH.get(x, x)) if k in ("category", "strength", "stage")
                            else s[k] for k, v in SCHOOL_HEADERS.items()})
    needs = p.needs.rename(columns=NEED_HEADERS)[list(NEED_HEADERS.values())]
    return {"教师花名册": teachers, "学校": schools, "缺编需求": needs}


def write_bureau_workbook(path: str | Path, n_teachers: int = 800, seed: int = 1,
                          rounding_rows: int = 16) -> Path:
    """Write the bureau's workbook (see the module docstring); returns its path.

    The teachers sheet opens with a title row merged over every column, then the header, then one row per
    teacher; every date and yes/no cell is text, as typed by the bureau.
    """
    path = Path(path)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet, df in bureau_tables(n_teachers, seed, rounding_rows).items():
        ws = book.create_sheet(sheet)
        if sheet == "教师花名册":
            ws.append([f"某县{REFERENCE_DATE.year}年教师交流轮岗花名册"])
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=df.shape[1])
        ws.append(list(df.columns))
        for rec in df.itertuples(index=False):
            ws.append([v.item() if isinstance(v, np.generic) else (None if pd.isna(v) else v) for v in rec])
    book.save(path)
    return path
