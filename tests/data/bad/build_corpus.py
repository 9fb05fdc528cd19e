"""Write the bad-input corpus: one small directory (or file) per case, derived from one valid roster.

Run ``python tests/data/bad/build_corpus.py`` after changing a case here; ``cases.toml`` beside this file
holds what each case must produce (error code, message fragment, one line for the README). Text cases are
edits of the valid csv text, so each differs from the valid roster in exactly the way its name says. Large
inputs (the 1 GB file) are not written here: ``tests/test_bad_inputs.py`` makes them at test time as sparse
files.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd

HERE = Path(__file__).resolve().parent

TEACHERS = """教师编号,学校编号,学科,性别,年龄,本校连续任教年限,骨干教师,职称,职务
T01,S1,数学,女,40,8,否,一级,教师
T02,S1,语文,男,45,12,是,高级,教师
T03,S2,数学,女,38,7,否,一级,教师
T04,S2,音乐,女,30,6,否,二级,教师
T05,S1,英语,男,50,15,否,高级,教师
T06,S2,语文,女,35,9,是,一级,教师
"""
SCHOOLS = """school_id,name,category,strength,x,y
S1,城关一小,urban,strong,0,0
S2,城关二小,urban,strong,3,0
S3,河口乡中心小学,rural,weak,10,0
S4,石门村小,village,weak,15,0
"""
NEEDS = """school_id,subject,count
S3,math,1
S4,chinese,1
S3,music,1
"""
VALID = {"teachers.csv": TEACHERS, "schools.csv": SCHOOLS, "needs.csv": NEEDS}


def valid_roster(d: Path, extra: dict[str, list] | None = None) -> Path:
    """Write the valid six-teacher roster into folder ``d``, with extra teacher columns; returns ``d``."""
    d.mkdir(parents=True, exist_ok=True)
    for name, text in VALID.items():
        (d / name).write_text(text, encoding="utf-8")
    if extra:
        t = pd.read_csv(d / "teachers.csv", dtype=str)
        for col, values in extra.items():
            t[col] = values
        t.to_csv(d / "teachers.csv", index=False)
    return d


def _rows(text: str) -> list[list[str]]:
    return [line.split(",") for line in text.strip().splitlines()]


def _write_dir(d: Path, files: dict[str, str | bytes | None]) -> None:
    d.mkdir(parents=True)
    for name, content in files.items():
        if content is None:
            continue
        if isinstance(content, bytes):
            (d / name).write_bytes(content)
        else:
            (d / name).write_text(content, encoding="utf-8")


def edit(table: str, old: str, new: str, count: int = 1) -> dict:
    """The valid roster with one text edit in one table."""
    name = f"{table}.csv"
    assert VALID[name].count(old) >= count, (table, old)
    return {**VALID, name: VALID[name].replace(old, new, count)}


def _book(path: Path, sheets: dict[str, list[list]]) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    wb.save(path)


def _numeric(rows: list[list[str]]) -> list[list]:
    return [[int(v) if v.isdigit() else v for v in r] for r in rows]


NOTICE = ("关于召开2025年春季学期教学工作会议的通知\n各学校：\n"
          "定于3月5日上午9时在县教育局三楼会议室召开会议。\n")

CASES: dict[str, Callable[[Path], None]] = {}


def case(name: str):
    def deco(fn):
        CASES[name] = fn
        return fn
    return deco


def text_case(name: str, files: dict) -> None:
    CASES[name] = lambda d: _write_dir(d, files)


# ---------------------------------------------------------------- files that cannot be read as a roster
text_case("empty_file", {**VALID, "teachers.csv": b""})
text_case("blank_rows_only", {**VALID, "teachers.csv": ",,,,\n,,,,\n,,,,\n"})
text_case("header_only", {**VALID, "teachers.csv": TEACHERS.splitlines()[0] + "\n"})
text_case("not_a_roster", {**VALID, "teachers.csv": NOTICE})
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
text_case("binary_as_csv", {**VALID, "teachers.csv": PNG})
text_case("xlsx_not_zip", {**VALID, "teachers.csv": None, "teachers.xlsx": TEACHERS})
text_case("missing_needs_table", {**VALID, "needs.csv": None})
text_case("two_teacher_files", {**VALID, "教师.csv": TEACHERS})
# a UTF-8 file opened as GBK and saved again: the classic 鏁欏笀缂栧彿 mojibake
MOJIBAKE = TEACHERS.encode("utf-8").decode("gbk", errors="replace").encode("gb18030")
text_case("mojibake_headers", {**VALID, "teachers.csv": MOJIBAKE})
text_case("header_below_notes", {**VALID, "teachers.csv": "说明：本表由各校填报\n" * 7 + TEACHERS})
text_case("unclosed_quote", edit("teachers", "T04,S2,音乐", 'T04,"S2,音乐'))
text_case("corrupt_parquet", {**VALID, "teachers.csv": None, "teachers.parquet": b"PAR1 not really parquet"})
text_case("too_many_rows", VALID)
text_case("sparse_1gb", VALID)
CASES["input_is_a_text_file"] = lambda d: (d.mkdir(),
                                           (d / "roster.txt").write_text(TEACHERS, encoding="utf-8"))


@case("workbook_two_teacher_sheets")
def _(d: Path) -> None:
    d.mkdir()
    rows = _numeric(_rows(TEACHERS))
    _book(d / "county.xlsx", {"教师": rows[:4], "教师花名册": [rows[0], *rows[4:]],
                              "学校": _numeric(_rows(SCHOOLS)), "需求": _numeric(_rows(NEEDS))})


@case("workbook_missing_sheet")
def _(d: Path) -> None:
    d.mkdir()
    _book(d / "county.xlsx", {"教师": _numeric(_rows(TEACHERS)), "学校": _numeric(_rows(SCHOOLS)),
                              "Sheet3": [["备注"]]})


@case("workbook_ambiguous_sheets")
def _(d: Path) -> None:
    _write_dir(d, {**VALID, "teachers.csv": None})
    rows = _numeric(_rows(TEACHERS))
    _book(d / "teachers.xlsx", {"Sheet1": rows[:4], "Sheet2": [rows[0], *rows[4:]]})


@case("formula_without_value")
def _(d: Path) -> None:
    _write_dir(d, {**VALID, "teachers.csv": None})
    rows = _numeric(_rows(TEACHERS))
    rows[2][4] = "=2025-1980"  # openpyxl stores the formula and no computed value
    _book(d / "teachers.xlsx", {"教师": rows})


# ---------------------------------------------------------------- columns
text_case("missing_subject_column", {**VALID, "teachers.csv": "\n".join(
    ",".join(r[:2] + r[3:]) for r in _rows(TEACHERS)) + "\n"})
text_case("renamed_column", edit("teachers", "学科", "任教科目"))
text_case("misspelled_header", edit("schools", "category", "catgory"))
text_case("duplicate_alias_columns", {**VALID, "teachers.csv": "\n".join(
    ",".join(r + [r[0] if i else "teacher_id"]) for i, r in enumerate(_rows(TEACHERS))) + "\n"})
text_case("no_coordinates", {**VALID, "schools.csv": "\n".join(
    ",".join(r[:4]) for r in _rows(SCHOOLS)) + "\n"})

# ---------------------------------------------------------------- ids and references
text_case("duplicate_teacher_id", edit("teachers", "T03,", "T01,"))
text_case("fullwidth_duplicate_id", edit("teachers", "T03,", "Ｔ０１,"))
text_case("duplicate_school_id", edit("schools", "S2,城关二小", "S1,城关二小"))
text_case("teacher_unknown_school", edit("teachers", "T04,S2", "T04,S22"))
text_case("need_unknown_school", edit("needs", "S4,chinese", "S5,chinese"))
text_case("need_unknown_subject", edit("needs", "S3,math", "S3,mathh"))
text_case("duplicate_need", edit("needs", "S3,music,1", "S3,music,1\nS3,音乐,2"))
text_case("empty_teacher_id", edit("teachers", "T05,S1", ",S1"))
text_case("empty_subject_cell", edit("teachers", "T02,S1,语文", "T02,S1,"))
DISTANCES = "from_school_id,to_school_id,km\n"
text_case("distance_unknown_school", {**VALID, "distances.csv": DISTANCES + "S1,S3,12\nS2,S9,8\n"})
# a wish list naming a school twice, and the diversion's options (分流岗位)
WISH_LISTS = TEACHERS.replace("职务\n", "职务,志愿\n", 1).replace(",教师\n", ",教师,S3;S4\n")
text_case("preference_listed_twice", {**VALID, "teachers.csv": WISH_LISTS.replace(
    "T04,S2,音乐,女,30,6,否,二级,教师,S3;S4", "T04,S2,音乐,女,30,6,否,二级,教师,S3;S4;S3")})
text_case("option_listed_twice", {**VALID, "teachers.csv": WISH_LISTS,
                                  "分流岗位.csv": "单位编号,岗位数\nINST1,2\nS3,1\nINST1,3\n"})

# ---------------------------------------------------------------- values
text_case("negative_age", edit("teachers", "T03,S2,数学,女,38", "T03,S2,数学,女,-38"))
text_case("absurd_age", edit("teachers", "T03,S2,数学,女,38", "T03,S2,数学,女,380"))
text_case("age_as_text", edit("teachers", "T03,S2,数学,女,38", "T03,S2,数学,女,三十八"))
text_case("age_fraction", edit("teachers", "T03,S2,数学,女,38", "T03,S2,数学,女,38.5"))
text_case("years_impossible_for_age", edit("teachers", "T06,S2,语文,女,35,9", "T06,S2,语文,女,35,30"))
text_case("negative_years", edit("teachers", "T06,S2,语文,女,35,9", "T06,S2,语文,女,35,-9"))
text_case("gender_unknown", edit("teachers", "T04,S2,音乐,女", "T04,S2,音乐,未知"))
text_case("yes_no_unknown", edit("teachers", "6,否,二级", "6,也许,二级"))
text_case("title_unknown", edit("teachers", "二级", "教授"))
text_case("role_unknown", edit("teachers", "50,15,否,高级,教师", "50,15,否,高级,门卫"))
text_case("category_unknown", edit("schools", "S3,河口乡中心小学,rural", "S3,河口乡中心小学,郊区"))
BIRTHS = {",40,": ",1985.09,", ",38,": ",1987-03,", ",30,": ",1995.10,", ",50,": ",1975.01,",
          ",35,": ",1990.06,"}


def _births(t02: str) -> str:
    """The valid roster with birth months (出生年月) instead of ages; T02 born ``t02``."""
    text = TEACHERS.replace("年龄", "出生年月").replace(",45,", f",{t02},")
    for age, born in BIRTHS.items():
        text = text.replace(age, born)
    return text


text_case("birth_date_unreadable", {**VALID, "teachers.csv": _births("1980.13")})
text_case("birth_date_in_future", {**VALID, "teachers.csv": _births("2030.01")})
text_case("need_count_negative", edit("needs", "S4,chinese,1", "S4,chinese,-1"))
text_case("need_count_absurd", edit("needs", "S4,chinese,1", "S4,chinese,9999"))
text_case("need_count_fraction", edit("needs", "S4,chinese,1", "S4,chinese,1.5"))
text_case("missing_coordinate", edit("schools", "rural,weak,10,0", "rural,weak,,0"))
text_case("distance_negative", {**VALID, "distances.csv": DISTANCES + "S1,S3,-12\n"})
text_case("latitude_out_of_range", {**VALID, "schools.csv": SCHOOLS.replace("x,y", "lat,lon").replace(
    ",0,0", ",23.1,108.2").replace(",3,0", ",23.2,108.3").replace(",10,0", ",230.4,108.5").replace(
    ",15,0", ",23.6,108.7")})

# ---------------------------------------------------------------- dates read the same from csv and Excel
def _arrivals() -> str:
    """The valid roster with arrival months (调入本校时间) for T01 and T02 instead of years at the school."""
    text = TEACHERS.replace("本校连续任教年限", "本校连续任教年限,调入本校时间")
    lines = text.splitlines()
    for i, line in enumerate(lines[1:], start=1):
        cells = line.split(",")
        start = {"T01": "2019.09", "T02": "2020.1"}.get(cells[0], "")
        if start:
            cells[5] = ""
        lines[i] = ",".join(cells[:6] + [start] + cells[6:])
    return "\n".join(lines) + "\n"


text_case("date_ambiguous_csv", {**VALID, "teachers.csv": _arrivals()})


@case("date_ambiguous_xlsx")
def _(d: Path) -> None:
    _write_dir(d, {**VALID, "teachers.csv": None})
    rows = [[float(v) if v in ("2019.09", "2020.1") else v for v in r] for r in _numeric(_rows(_arrivals()))]
    _book(d / "teachers.xlsx", {"教师": rows})  # 2020.1 as a number cell: 2020.10 typed into Excel


# ---------------------------------------------------------------- distances that are missing, not far
NO_XY = "\n".join(",".join(r[:4]) for r in _rows(SCHOOLS)) + "\n"
text_case("distance_pair_missing", {**VALID, "schools.csv": NO_XY,
                                    "distances.csv": DISTANCES + "S1,S3,10\nS1,S4,15\nS2,S3,7\n"})
text_case("road_school_missing", {**VALID, "schools.csv": NO_XY,
                                  "roads.csv": "u,v,km\nS1,J1,2\nS2,J1,3\nJ1,S3,9\n"})
text_case("road_school_cut_off", {**VALID, "schools.csv": NO_XY,
                                  "roads.csv": "u,v,km\nS1,J1,2\nS2,J1,3\nJ1,S3,9\nS4,J9,4\n"})

# ---------------------------------------------------------------- references and headers
text_case("pair_id_unknown_school", {**VALID, "schools.csv": SCHOOLS.replace("x,y", "x,y,结对学校").replace(
    ",0,0\n", ",0,0,S3\n").replace(",3,0\n", ",3,0,S44\n").replace(",10,0\n", ",10,0,S1\n").replace(
    ",15,0\n", ",15,0,\n")})
WISHES = {"教师编号": "志愿", "T03": "S3;S8"}
text_case("preferences_unknown_school", {**VALID, "teachers.csv": "\n".join(
    ",".join(r + [WISHES.get(r[0], "")]) for r in _rows(TEACHERS)) + "\n"})
text_case("duplicate_header", {**VALID, "teachers.csv": "\n".join(
    ",".join(r + [r[4]]) for r in _rows(TEACHERS)) + "\n"})

# ---------------------------------------------------------------- loads, with a warning (the plan is made)
text_case("subject_unknown", edit("teachers", "T04,S2,音乐", "T04,S2,体操"))
text_case("subject_with_stage_and_need_nobody_teaches", {
    **edit("teachers", "T01,S1,数学", "T01,S1,初中数学"), "needs.csv": NEEDS + "S4,物理,1\n"})
PROTECTED = SCHOOLS.replace("x,y", "x,y,特色学科")
text_case("protected_subject_unknown", {**VALID, "schools.csv": PROTECTED.replace(
    ",0,0\n", ",0,0,mathh\n").replace(",3,0\n", ",3,0,\n").replace(",10,0\n", ",10,0,\n").replace(
    ",15,0\n", ",15,0,\n")})
text_case("backbone_column_missing", {**VALID, "teachers.csv": "\n".join(
    ",".join(r[:6] + r[7:]) for r in _rows(TEACHERS)) + "\n"})

# ---------------------------------------------------------------- exchange history (交流记录)
EXCHANGES = """教师编号,派出学校,接收学校,交流方式,开始时间,期限,人事关系随转
T01,S1,S3,交流轮岗,2021-09-01,2,否
T02,S1,S4,支教,2022-09-01,1,否
"""


def exchanges(old: str = "", new: str = "", text: str = EXCHANGES) -> dict:
    """The valid roster with an exchange history (交流记录.csv), edited once."""
    assert text.count(old) >= 1, old
    return {**VALID, "交流记录.csv": text.replace(old, new, 1)}


text_case("exchange_unknown_teacher", exchanges("T02,S1,S4", "T09,S1,S4"))
text_case("exchange_unknown_school", exchanges("T02,S1,S4", "T02,S1,S9"))
text_case("exchange_starts_in_future", exchanges("T02,S1,S4,支教,2022-09-01", "T02,S1,S4,支教,2099-09-01"))
ENDS = EXCHANGES.replace("人事关系随转", "人事关系随转,结束时间")
text_case("exchange_ends_before_start", exchanges(text=ENDS.replace(",2,否", ",2,否,2020-07-15").replace(
    ",1,否", ",1,否,")))
text_case("exchange_overlap", exchanges("T02,S1,S4,支教,2022-09-01,1,否", "T01,S1,S4,支教,2022-09-01,1,否"))
text_case("exchange_mode_unknown", exchanges("支教", "旅游"))
text_case("exchange_term_zero", exchanges(",1,否", ",0,否"))
text_case("exchange_history_and_columns", {**exchanges(), "teachers.csv": "\n".join(
    ",".join(r + [("近年交流累计年限" if i == 0 else "1")]) for i, r in enumerate(_rows(TEACHERS))) + "\n"})

# ---------------------------------------------------------------- policies (run against the valid roster)
POLICIES = {
    "policy_unknown_key": 'id = "mine"\n[rules]\nbackbone_min_shar = 0.2\n',
    "policy_required_value": 'id = "mine"\n[rules]\nbackbone_min_share = "required"\n',
    "policy_share_above_1": 'id = "mine"\n[rules]\noutflow_max_share = 1.5\n',
    "policy_contradictory_thresholds": ('id = "mine"\n[eligibility]\nmin_years_at_school = 6\n'
                                        'min_years_eligible = 10\n'),
    "policy_with_code": 'import os\nos.system("echo hacked")\n',
    "policy_wrong_type": 'id = "mine"\n[eligibility]\nmin_years_at_school = "ten"\n',
    "policy_wrong_section": 'id = "mine"\n[objective]\nmax_commute_km = 30\n',
    "policy_nan": 'id = "mine"\n[flows]\nmax_commute_km = nan\n',
}
for _name, _text in POLICIES.items():
    CASES[_name] = (lambda text: lambda d: _write_dir(d, {**VALID, "policy.toml": text}))(_text)
CASES["policy_not_utf8"] = lambda d: _write_dir(
    d, {**VALID, "policy.toml": 'id = "mine"\ntitle = "某县教师交流轮岗方案"\n'.encode("gbk")})
for _name in ("policy_unknown_id", "set_share_above_1", "set_not_key_value", "set_unknown_key",
              "model_too_large", "set_nan", "set_none_for_a_list", "set_empty_value", "set_weight_inf",
              "set_weight_too_large"):
    text_case(_name, VALID)
# (a folder of its own that git keeps: the input is a folder inside it that does not exist)
CASES["input_not_found"] = lambda d: _write_dir(
    d, {"NOTE.txt": "the input of this case is no_such_folder, which does not exist\n"})
text_case("policy_file_missing", VALID)


def build(root: Path = HERE) -> list[str]:
    """(Re)write every case directory under ``root``; returns the case names."""
    for name, make in CASES.items():
        d = root / name
        if d.exists():
            shutil.rmtree(d)
        make(d)
    return sorted(CASES)


if __name__ == "__main__":
    print(f"{len(build())} cases written to {HERE}")
