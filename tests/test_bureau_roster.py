"""A bureau's workbook loads with warnings, and the plan's first lines say which rule costs the needs.

The workbook (tests/bureau_roster.py): 800 teachers, a merged title row, dates (出生年月 …)
as ``1985.09``, 是/否, and 16 teachers whose arrival at the school is recorded a month before their start of
work. Those 16 load with a warning and the lower value (``--strict-input`` refuses them); a bigger gap stays
an error naming file, row and column. Backbone teachers there cannot rotate, so the default policy's
backbone share keeps every school from sending: the plan says so first, with the change that fills the needs,
verified by re-solving.
"""

from __future__ import annotations

import datetime as dt
import warnings

import openpyxl
import pandas as pd
import pytest
from bureau_roster import REFERENCE_DATE, write_bureau_workbook

import teacher_match as tm
from teacher_match.cli import main
from teacher_match.what_if import what_would_fill

SHEET = "教师花名册"


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    return write_bureau_workbook(tmp_path_factory.mktemp("bureau") / "bureau.xlsx")


@pytest.fixture(scope="module")
def loaded(workbook):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        problem = tm.load_problem(workbook, reference_date=REFERENCE_DATE)
    return problem, [str(w.message) for w in rec if issubclass(w.category, tm.InputWarning)]


def test_workbook_loads_with_one_warning_naming_the_16_rows(loaded):
    problem, warned = loaded
    assert len(problem.teachers) == 800
    rounding = [w for w in warned if "school_start_date" in w]
    assert len(rounding) == 1, warned
    assert "for 16 teachers" in rounding[0]
    assert f"bureau.xlsx [{SHEET}], rows " in rounding[0]
    assert rounding[0] in problem.warnings
    hit = problem.teachers["_years_at_school_rounded"]
    assert int(hit.sum()) == 16
    # the conservative value: years at school read as the teaching years (one lower than the dates give)
    t = problem.teachers[hit]
    assert (t["years_at_school"] == t["teaching_years"]).all()


def test_strict_input_refuses_the_16_rows_with_file_row_and_column(workbook):
    with pytest.raises(tm.SchemaError) as err:
        tm.load_problem(workbook, reference_date=REFERENCE_DATE, strict_input=True)
    p = err.value.problems
    assert len(p) == 16
    assert set(p["column"]) == {"school_start_date"}
    assert set(p["file"]) == {f"bureau.xlsx [{SHEET}]"}
    assert p["row"].is_unique
    assert (p["row"] >= 3).all()
    assert "without --strict-input this loads as a warning" in p["problem"].iat[0]


def _micro(**teacher) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    t = pd.DataFrame([{"teacher_id": "T1", "school_id": "U1", "subject": "math", "gender": "F", "age": 40,
                       **teacher}])
    s = pd.DataFrame({"school_id": ["U1", "R1"], "category": ["urban", "rural"], "x": [0.0, 5.0], "y": 0.0})
    n = pd.DataFrame({"school_id": ["R1"], "subject": ["math"], "count": [1]})
    return t, s, n


@pytest.mark.parametrize("teacher", [
    {"years_at_school": 8, "teaching_years": 7},
    {"school_start_date": "2010.08", "work_start_date": "2010.09"},
    {"school_start_date": "2009.10", "work_start_date": "2010.09"},  # 11 months: still the order of recording
])
def test_one_year_from_rounding_is_a_warning_with_the_lower_value(teacher):
    with pytest.warns(tm.InputWarning, match="one above the teaching years"):
        p = tm.Problem.from_frames(*_micro(**teacher), reference_date=dt.date(2025, 8, 31))
    row = p.teachers.iloc[0]
    assert row["years_at_school"] == row["teaching_years"]
    assert len(p.warnings) == 1
    # another reference date keeps the lower value (never raises it above the teaching years)
    later = p.at(dt.date(2026, 8, 31)).teachers.iloc[0]
    assert later["years_at_school"] <= later["teaching_years"]
    with pytest.raises(tm.SchemaError, match="without --strict-input this loads as a warning"):
        tm.Problem.from_frames(*_micro(**teacher), reference_date=dt.date(2025, 8, 31), strict_input=True)


@pytest.mark.parametrize(("teacher", "column", "words"), [
    ({"years_at_school": 9, "teaching_years": 7}, "teaching_years", "fewer than the 9 years"),
    ({"school_start_date": "2008.08", "work_start_date": "2010.09"}, "school_start_date",
     "2008-08 is before"),
    # a year and more before the start of work is no rounding, even when the counts differ by one
    ({"school_start_date": "2009.08", "work_start_date": "2010.08"}, "school_start_date",
     "by a year or more"),
])
def test_a_true_contradiction_stays_an_error_with_row_and_column(teacher, column, words):
    with pytest.raises(tm.SchemaError) as err:
        tm.Problem.from_frames(*_micro(**teacher), reference_date=dt.date(2025, 8, 31))
    p = err.value.problems
    assert list(p["column"]) == [column]
    assert list(p["row"]) == [0]
    assert words in p["problem"].iat[0]


def test_the_plan_says_first_which_rule_costs_every_need_and_what_fills_them(loaded):
    problem, _ = loaded
    policy = tm.load_policy("default")
    plan = tm.solve(problem, policy, time_limit=20)
    assert tm.check(problem, policy, plan).empty
    t = plan.totals()
    assert plan.status == "OPTIMAL"
    assert t["rotated"] == 0
    assert t["needs_filled"] == 0
    assert t["needs_unfilled"] == t["needs_declared"] > 0
    u = plan.unmet
    assert int(u["unmet"].sum()) == t["needs_unfilled"]
    assert set(u["rule"]) == {"backbone_ratio"}
    assert u["sentence"].str.contains("backbone share below 20%").all()
    # the first lines: the soft minimum the plan falls short of, the warning it was made with, then the
    # unfilled needs and the rule that blocks them
    first = plan.summary().split("\n\n")[0].splitlines()
    assert first[0].strip().startswith("SHORTFALL: min_rotation")
    assert first[1].strip().startswith("WARNING: ")
    assert "for 16 teachers" in first[1]
    head = f"UNMET: {t['needs_unfilled']} of {t['needs_declared']} needs unfilled"
    assert first[2].strip().startswith(head)
    assert "backbone_ratio blocks" in first[2]

    changes = what_would_fill(problem, policy, plan, time_limit=60, solve_seconds=10)
    assert len(changes)
    assert changes["parameter"].iat[0] == "backbone_min_share"
    best = changes.iloc[0]
    assert best["value"] < 0.2
    assert best["needs_filled"] > 0
    assert best["verified"]
    # applied, the change gives the plan it promised (the search's own re-solve, repeated here)
    pol = policy.with_(backbone_min_share=best["value"])
    again = tm.solve(problem, pol, time_limit=20)
    assert tm.check(problem, pol, again).empty
    assert again.totals()["needs_filled"] == best["needs_filled"]
    # every listed change fills more than the plan does, and the first fills the most
    assert (changes["needs_filled"] > 0).all()
    assert changes["needs_filled"].is_monotonic_decreasing
    plan.what_if = changes
    lines = plan.summary().splitlines()
    k = next(i for i, line in enumerate(lines) if "changes that would fill more needs" in line)
    assert "backbone_min_share 0.2 →" in lines[k + 1]
    assert all(line.strip() for line in lines[:k + 2])  # one block, before any blank line


def test_cli_prints_warnings_first_and_writes_them_to_the_plan(workbook, tmp_path, capsys):
    out = tmp_path / "plan.xlsx"
    code = main(["solve", str(workbook), "--time-limit", "10", "--what-if", "30", "--out", str(out),
                 "--allow-shortfall", "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.err.startswith("teacher-match: warning: ")
    assert "for 16 teachers" in captured.err
    assert captured.out.splitlines()[2].lstrip().startswith("UNMET: ")
    assert "backbone_min_share 0.2 →" in captured.out
    sheets = openpyxl.load_workbook(out, read_only=True).sheetnames
    assert {"warnings", "unmet_needs", "what_if"} <= set(sheets)
    w = pd.read_excel(out, sheet_name="warnings")
    assert w["warning"].str.contains("for 16 teachers").any()


def test_cli_strict_input_exits_2_naming_file_row_and_column(workbook, capsys):
    assert main(["solve", str(workbook), "--strict-input", "--time-limit", "5"]) == 2
    err = capsys.readouterr().err
    assert "16 problems in the input" in err
    assert f"bureau.xlsx [{SHEET}], row " in err
    assert "column 'school_start_date'" in err
    assert "Traceback" not in err


def _two_schools(km: float, years: int) -> tm.Problem:
    t = pd.DataFrame({"teacher_id": ["A", "B"], "school_id": "U1", "subject": ["math", "music"],
                      "gender": "F", "age": 40, "years_at_school": [years, 8]})
    s = pd.DataFrame({"school_id": ["U1", "R1"], "category": ["urban", "rural"], "x": [0.0, km], "y": 0.0})
    n = pd.DataFrame({"school_id": ["R1"], "subject": ["math"], "count": [1]})
    return tm.Problem.from_frames(t, s, n)


@pytest.mark.parametrize(("km", "years", "rule", "words"), [
    (10.0, 1, "eligibility", "no math teacher on the roster may rotate"),
    (500.0, 8, "commute", "R1 is 500.0 km away"),
])
def test_a_need_nobody_can_reach_names_the_rule_that_keeps_them_out(km, years, rule, words):
    problem = _two_schools(km, years)
    policy = tm.load_policy("default").with_(max_commute_km=30.0, backbone_min_share=None)
    plan = tm.solve(problem, policy, time_limit=5)
    assert tm.check(problem, policy, plan).empty
    assert list(plan.unmet["rule"]) == [rule]
    assert words in plan.unmet["sentence"].iat[0]


def test_what_if_re_solves_say_no_warning_again():
    # no backbone column under a backbone share: the first solve warns (once); the re-solves do not repeat it
    t = pd.DataFrame({"teacher_id": ["A", "B", "C"], "school_id": "U1", "subject": ["math", "music", "math"],
                      "gender": "F", "age": 40, "years_at_school": 8})
    s = pd.DataFrame({"school_id": ["U1", "R1"], "category": ["urban", "rural"], "x": [0.0, 10.0], "y": 0.0})
    n = pd.DataFrame({"school_id": ["R1"], "subject": ["math"], "count": [2]})
    problem, policy = tm.Problem.from_frames(t, s, n), tm.load_policy("default")
    with pytest.warns(tm.InputWarning, match="no backbone teacher"):
        plan = tm.solve(problem, policy, time_limit=5)
    assert list(plan.unmet["rule"]) == ["backbone_ratio"]
    changes = tm.what_would_fill(problem, policy, plan, time_limit=20, solve_seconds=5)
    assert changes["parameter"].iat[0] == "backbone_min_share"
    assert changes["needs_filled"].iat[0] > plan.totals()["needs_filled"] == 0
