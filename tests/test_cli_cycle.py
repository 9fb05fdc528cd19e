"""teacher-match cycle: the output checked before any work, the workbook's sheets, exit codes as solve."""

from __future__ import annotations

import openpyxl
import pytest

import teacher_match as tm
from teacher_match.cli import main

CYCLE = [
    "--policy",
    "dongcheng-school-plan",
    "--years",
    "3",
    "--set",
    "all_mandatory_within_cycle=true",
    "--set",
    "term_years=1",
    "--time-limit",
    "20",
]


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cycle") / "county"
    tm.write_problem(tm.make_county(300, seed=3), folder)
    return folder


def test_soft_cycle_writes_every_sheet_and_exits_4(county, tmp_path, capsys):
    out = tmp_path / "cycle.xlsx"
    assert main(["cycle", str(county), *CYCLE, "--set", "cycle_hard=false", "--out", str(out)]) == 4
    text = capsys.readouterr().out
    assert "year 3: OPTIMAL" in text
    assert "SHORTFALL:" in text
    assert "checker, every year: no violations" in text
    assert openpyxl.load_workbook(out).sheetnames == [
        "schedule",
        "summary",
        "mandatory",
        "year 1",
        "year 2",
        "year 3",
        "公示名单",
    ]
    assert (
        main(
            [
                "cycle",
                str(county),
                *CYCLE,
                "--set",
                "cycle_hard=false",
                "--out",
                str(out),
                "--allow-shortfall",
            ]
        )
        == 0
    )


def test_a_year_without_a_plan_exits_1_with_its_diagnosis(county, tmp_path, capsys):
    out = tmp_path / "cycle.xlsx"
    assert main(["cycle", str(county), *CYCLE, "--out", str(out)]) == 1
    assert "year 3 has no plan (INFEASIBLE)" in capsys.readouterr().out
    assert openpyxl.load_workbook(out).sheetnames[-2:] == ["year 3 diagnosis", "公示名单"]


def test_the_output_is_checked_before_any_work(county, capsys):
    assert main(["cycle", str(county), *CYCLE, "--out", str(county / "teachers.xlsx")]) == 2
    assert "would be read as a roster table" in capsys.readouterr().err
    assert main(["cycle", str(county), *CYCLE, "--out", str(county.parent / "cycle.csv")]) == 2


def test_a_policy_without_a_cycle_is_refused(county, capsys):
    assert main(["cycle", str(county)]) == 2
    assert "states no rotation cycle" in capsys.readouterr().err
