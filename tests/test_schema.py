"""Data layer: Chinese headers and values, dates, and validation that collects every problem."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

import teacher_match as tm


def _schools():
    return pd.DataFrame({"学校编号": ["S1", "S2"], "类别": ["城区", "村小教学点"],
                         "办学水平": ["优质", "薄弱"], "x": [0, 12], "y": [0, 5]})


def _teachers(**over):
    base = {"教师编号": ["T1", "T2"], "学校编号": ["S1", "S1"], "学科": ["音乐", "体育"], "性别": ["女", "M"],
            "年龄": [35, "４２"], "本校连续任教年限": [8, 3], "骨干教师": ["是", "否"],
            "职称": ["一级", "高级"], "职务": ["教师", "副校长"]}
    base.update(over)
    return pd.DataFrame(base)


NEEDS = pd.DataFrame({"学校编号": ["S2"], "学科": ["音乐"], "需求人数": [1]})


def test_chinese_headers_and_value_aliases():
    p = tm.Problem.from_frames(_teachers(), _schools(), NEEDS)
    t = p.teachers.set_index("teacher_id")
    assert t.loc["T1", "subject"] == "music"
    assert t.loc["T2", "subject"] == "pe"
    assert list(t["gender"]) == ["F", "M"]
    assert t.loc["T2", "age"] == 42  # full-width digits are read
    assert list(t["backbone"]) == [True, False]
    assert list(t["title"]) == ["intermediate", "senior"]
    assert list(t["role"]) == ["teacher", "vice_principal"]
    assert list(p.schools["category"]) == ["urban", "village"]
    assert list(p.schools["strength"]) == ["strong", "weak"]
    assert p.needs.loc[0, "subject"] == "music"
    assert p.needs.loc[0, "count"] == 1
    # teaching years default to years at school when not given
    assert list(t["teaching_years"]) == [8, 3]


def test_extra_columns_are_kept_and_carried_to_the_plan():
    t = _teachers()
    t["备注"] = ["a", "b"]
    p = tm.Problem.from_frames(t, _schools(), NEEDS)
    assert "备注" in p.teachers.columns
    plan = tm.solve(p, tm.load_policy("default"), time_limit=5)
    assert list(plan.assignments["备注"]) == ["a", "b"]


def test_dates_become_full_years_at_the_reference_date():
    t = _teachers()
    t = t.drop(columns=["年龄", "本校连续任教年限"])
    t["出生年月"] = ["1985.09", "1990-08"]
    t["调入本校时间"] = ["2016年9月", "2019/09/01"]
    p = tm.Problem.from_frames(t, _schools(), NEEDS, reference_date="2025-08-31")
    assert list(p.teachers["age"]) == [39, 35]  # born 1985-09-01: 39 on 2025-08-31 (周岁)
    assert list(p.teachers["years_at_school"]) == [8, 5]
    later = p.at("2025-09-01")
    assert list(later.teachers["age"]) == [40, 35]
    assert list(later.teachers["years_at_school"]) == [9, 6]


def test_all_problems_are_collected_with_file_row_column():
    t = _teachers(教师编号=["T1", "T1"], 学校编号=["S1", "S9"], 年龄=[7, "forty"])
    bad_needs = pd.DataFrame({"学校编号": ["S7"], "学科": ["music"], "需求人数": [-1]})
    with pytest.raises(tm.SchemaError) as err:
        tm.Problem.from_frames(t, _schools(), bad_needs, sources={"teachers": "teachers.xlsx"},
                               first_rows={"teachers": 3})
    probs = err.value.problems
    assert list(probs.columns) == ["file", "row", "column", "problem"]
    text = probs.to_string()
    assert "below the plausible minimum" in text  # age 7
    assert "expected a number" in text  # 'forty'
    assert "below the plausible minimum 0" in text  # need −1
    # row numbers are those the planner sees in the spreadsheet (first data row = 3 here)
    age_rows = probs[probs["column"] == "年龄"]
    assert set(age_rows["row"]) == {3, 4}
    assert set(age_rows["file"]) == {"teachers.xlsx"}
    # the message names file, row and column
    msg = str(err.value)
    assert "teachers.xlsx, row 3, column '年龄'" in msg


def test_cross_table_problems_collected_together():
    t = _teachers(教师编号=["T1", "T1"], 学校编号=["S1", "S9"])
    needs = pd.DataFrame({"school_id": ["S7", "S2", "S2"], "subject": ["music", "pe", "pe"],
                          "count": [1, 1, 2]})
    with pytest.raises(tm.SchemaError) as err:
        tm.Problem.from_frames(t, _schools(), needs)
    text = err.value.problems["problem"].str.cat(sep="\n")
    assert "duplicate teacher_id T1" in text
    assert "school 'S9' is not in the schools table" in text
    assert "school 'S7' is not in the schools table" in text
    assert "duplicate need S2/pe" in text


def test_missing_required_column_named_with_alias():
    t = _teachers().drop(columns=["学科"])
    with pytest.raises(tm.SchemaError, match="required column 'subject'"):
        tm.Problem.from_frames(t, _schools(), NEEDS)


def test_impossible_combinations():
    t = _teachers(本校连续任教年限=[30, 3])  # 30 years at school at age 35
    with pytest.raises(tm.SchemaError, match="impossible at age 35"):
        tm.Problem.from_frames(t, _schools(), NEEDS)


def test_coordinates_required_without_distances():
    s = _schools().drop(columns=["x", "y"])
    with pytest.raises(tm.SchemaError, match="no coordinates"):
        tm.Problem.from_frames(_teachers(), s, NEEDS)
    d = pd.DataFrame({"from_school_id": ["S1"], "to_school_id": ["S2"], "km": [17.5]})
    p = tm.Problem.from_frames(_teachers(), s, NEEDS, distances=d)
    assert p.school_km[0, 1] == p.school_km[1, 0] == 17.5


def test_road_graph_shortest_paths():
    roads = pd.DataFrame({"u": ["S1", "J", "S1"], "v": ["J", "S2", "S2"], "km": [4.0, 5.0, 20.0]})
    p = tm.Problem.from_frames(_teachers(), _schools(), NEEDS, roads=roads)
    assert p.school_km[0, 1] == pytest.approx(9.0)


def test_problem_is_immutable():
    p = tm.Problem.from_frames(_teachers(), _schools(), NEEDS)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.teachers = None


def test_load_problem_directory_with_title_row_and_gbk(tmp_path):
    d = tmp_path / "county"
    d.mkdir()
    t = _teachers()
    # a merged title row above the header, as bureaus' Excel exports have
    with open(d / "教师花名册.csv", "w", encoding="gb18030") as fh:
        fh.write("某县2025年教师交流轮岗花名册" + "," * (len(t.columns) - 1) + "\n")
        t.to_csv(fh, index=False)
    _schools().to_csv(d / "学校.csv", index=False, encoding="utf-8")
    NEEDS.to_csv(d / "缺编需求.csv", index=False, encoding="utf-8-sig")
    p = tm.load_problem(d)
    assert list(p.teachers["teacher_id"]) == ["T1", "T2"]
    assert p.sources["teachers"] == "教师花名册.csv"


def test_load_problem_workbook_reports_spreadsheet_rows(tmp_path):
    path = tmp_path / "county.xlsx"
    t = _teachers(年龄=[35, "abc"])
    with pd.ExcelWriter(path) as xw:
        t.to_excel(xw, sheet_name="教师", index=False, startrow=1)  # title row left empty above the header
        _schools().to_excel(xw, sheet_name="学校", index=False)
        NEEDS.to_excel(xw, sheet_name="需求", index=False)
    with pytest.raises(tm.SchemaError) as err:
        tm.load_problem(path)
    rec = err.value.problems.iloc[0]
    assert rec["file"] == "county.xlsx [教师]"
    assert rec["column"] == "年龄"
    assert rec["row"] == 4  # header on spreadsheet row 2, T1 on row 3, T2 on row 4


def test_unreadable_inputs_are_input_errors(tmp_path):
    with pytest.raises(tm.InputError, match="no such file"):
        tm.load_problem(tmp_path / "nope")
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a zip")
    with pytest.raises(tm.InputError, match="not a real .xlsx"):
        tm.load_problem(fake)
    d = tmp_path / "partial"
    d.mkdir()
    _schools().to_csv(d / "schools.csv", index=False)
    with pytest.raises(tm.InputError, match="missing table"):
        tm.load_problem(d)
