"""References that must resolve (pair_id, preferences, protected_subjects) and duplicate headers.

Each a clear message naming file, row and column — through the library and the command.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from data.bad import build_corpus

import teacher_match as tm
from teacher_match.cli import main


def _dir(tmp_path: Path, teachers: str = build_corpus.TEACHERS, schools: str = build_corpus.SCHOOLS) -> Path:
    d = tmp_path / "roster"
    d.mkdir()
    for name, text in (("teachers.csv", teachers), ("schools.csv", schools),
                       ("needs.csv", build_corpus.NEEDS)):
        (d / name).write_text(text, encoding="utf-8")
    return d


def _with(text: str, column: str, values: list[str]) -> str:
    """A csv text with one more column."""
    lines = text.strip().splitlines()
    rows = [f"{r},{v}" for r, v in zip(lines[1:], values, strict=True)]
    return "\n".join([lines[0] + f",{column}", *rows]) + "\n"


def _schools_with(column: str, values: list[str]) -> str:
    return _with(build_corpus.SCHOOLS, column, values)


def _teachers_with(column: str, values: list[str]) -> str:
    return _with(build_corpus.TEACHERS, column, values)


def _refused(d: Path, message: str, capsys) -> None:
    with pytest.raises(tm.SchemaError) as err:
        tm.load_problem(d)
    assert message in str(err.value)
    assert main(["solve", str(d), "--quiet"]) == 2
    stderr = capsys.readouterr().err
    assert message in stderr
    assert "Traceback" not in stderr


def test_pair_id_naming_an_unknown_school(tmp_path, capsys):
    d = _dir(tmp_path, schools=_schools_with("结对学校", ["S3", "S44", "S1", ""]))
    _refused(d, "schools.csv, row 3, column 'pair_id': school 'S44' is not in the schools table — correct "
                "the id or add the school (did you mean 'S4'?)", capsys)


def test_pair_id_naming_the_school_itself(tmp_path, capsys):
    d = _dir(tmp_path, schools=_schools_with("pair_id", ["S1", "", "", ""]))
    _refused(d, "schools.csv, row 2, column 'pair_id': school 'S1' is paired with itself", capsys)


def test_preferences_naming_an_unknown_school(tmp_path, capsys):
    d = _dir(tmp_path, teachers=_teachers_with("志愿", ["S3;S4", "", "S4；S8", "", "", "S3"]))
    _refused(d, "teachers.csv, row 4, column 'preferences': school 'S8' is not in the schools table — "
                "correct the id or add the school", capsys)


def test_valid_references_solve(tmp_path, policy):
    d = _dir(tmp_path, teachers=_teachers_with("志愿", ["S3;S4", "", "S4", "", "", "S3"]),
             schools=_schools_with("pair_id", ["S3", "S4", "S1", "S2"]))
    problem = tm.load_problem(d)
    plan = tm.solve(problem, policy, time_limit=10)
    assert tm.check(problem, policy, plan).empty


def test_protected_subject_alias_is_folded(tmp_path, policy):
    d = _dir(tmp_path, schools=_schools_with("特色学科", ["maths", "体育与健康;Music", "", ""]))
    problem = tm.load_problem(d)
    assert list(problem.schools["protected_subjects"]) == ["math", "pe;music", "", ""]
    plan = tm.solve(problem, policy, time_limit=10)
    assert tm.check(problem, policy, plan).empty


def test_unknown_protected_subject_is_a_warning_naming_the_row(tmp_path, capsys):
    d = _dir(tmp_path, schools=_schools_with("protected_subjects", ["mathh", "", "", ""]))
    with pytest.warns(tm.InputWarning) as rec:
        tm.load_problem(d)
    msg = ("schools.csv, row 2, column 'protected_subjects': protected subject 'mathh' is not a known "
           "subject and nobody at S1 teaches it, so it protects nothing — check the spelling (closest known "
           "subject: 'math (数学)')")
    assert [str(w.message) for w in rec] == [msg]
    assert main(["solve", str(d), "--quiet", "--allow-shortfall"]) == 0
    assert f"teacher-match: warning: {msg}" in capsys.readouterr().err


# ---------------------------------------------------------------- duplicate headers
def test_same_header_twice(tmp_path, capsys):
    lines = build_corpus.TEACHERS.strip().splitlines()
    text = "\n".join([lines[0] + ",年龄"] + [r + "," + r.split(",")[4] for r in lines[1:]]) + "\n"
    _refused(_dir(tmp_path, teachers=text),
             "teachers.csv, column '年龄': column '年龄' appears 2 times (columns E, J) — keep one, or "
             "rename the others", capsys)


def test_extra_column_twice(tmp_path, capsys):
    _refused(_dir(tmp_path, teachers=_teachers_with("备注,备注", ["a,b"] * 6)),
             "teachers.csv, column '备注': column '备注' appears 2 times (columns J, K)", capsys)


def test_one_column_under_two_names():
    t = pd.DataFrame([["T1", "S1", "math", "F", 40, 8, "T1"]],
                     columns=["教师编号", "学校编号", "学科", "性别", "年龄", "本校连续任教年限",
                              "teacher_id"])
    s = pd.DataFrame({"school_id": ["S1"], "category": ["urban"], "x": [0], "y": [0]})
    pattern = (r"teachers \(DataFrame\), column 'teacher_id': columns '教师编号' and 'teacher_id' both "
               r"hold 'teacher_id' \(one column under two names\)")
    with pytest.raises(tm.SchemaError, match=pattern):
        tm.Problem.from_frames(t, s)
