"""The teacher-match command: generate → solve → check → explain; bad input exits 2 without a traceback."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from teacher_match.cli import main


@pytest.fixture(scope="module")
def county_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "county"
    assert main(["generate", "--teachers", "400", "--seed", "5", "--out", str(out)]) == 0
    return out


def test_generate_writes_tables(county_dir):
    assert {p.name for p in county_dir.iterdir()} >= {"teachers.csv", "schools.csv", "needs.csv"}
    assert len(pd.read_csv(county_dir / "teachers.csv")) == 400


def test_solve_check_explain_round_trip(county_dir, tmp_path, capsys):
    plan = tmp_path / "plan.xlsx"
    code = main(["solve", str(county_dir), "--policy", "default", "--set", "backbone_min_share=0.25",
                 "--out", str(plan), "--time-limit", "30", "--quiet"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "status" in out
    assert "OPTIMAL" in out
    assert "checker: no violations" in out
    assert plan.is_file()
    assert main(["check", str(county_dir), str(plan), "--set", "backbone_min_share=0.25"]) == 0
    assert "valid" in capsys.readouterr().out
    moved = pd.read_excel(plan, sheet_name="assignments", dtype={"teacher_id": str})
    tid = moved.loc[moved["moves"], "teacher_id"].iloc[0]
    assert main(["explain", str(county_dir), str(plan), "--teacher", tid]) == 0
    text = capsys.readouterr().out
    assert tid in text
    assert "rotates to" in text


def test_check_reports_violations_against_stricter_policy(county_dir, tmp_path, capsys):
    plan = tmp_path / "plan.csv"
    assert main(["solve", str(county_dir), "--out", str(plan), "--quiet", "--time-limit", "30"]) == 0
    capsys.readouterr()
    # the same plan checked against a 1 km commute cap must fail, naming the rule
    assert main(["check", str(county_dir), str(plan), "--set", "max_commute_km=1"]) == 1
    assert "commute" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "fragment"), [
    (["solve", "no/such/dir"], "no such file or directory"),
    (["solve", "{county}", "--policy", "defualt"], "did you mean 'default'"),
    (["solve", "{county}", "--set", "backbone_min_share=2"], "between 0 and 1"),
    (["solve", "{county}", "--set", "nonsense"], "KEY=VALUE"),
    (["solve", "{county}", "--set", "backbone_min_share=required"], "--set backbone_min_share="),
    (["explain", "{county}", "{county}/teachers.csv", "--teacher", "X"], "not a teacher_match plan"),
])
def test_bad_input_exits_2_with_one_message(county_dir, capsys, argv, fragment):
    argv = [a.format(county=county_dir) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err
    assert "Traceback" not in err


def test_bad_roster_message_names_file_row_column(county_dir, tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in ("schools.csv", "needs.csv"):
        (bad / name).write_bytes((county_dir / name).read_bytes())
    t = pd.read_csv(county_dir / "teachers.csv", dtype=str)
    t.loc[4, "age"] = "old"
    t.to_csv(bad / "teachers.csv", index=False)
    assert main(["solve", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "teachers.csv, row 6, column 'age': expected a number, got 'old'" in err


def test_demo_runs_as_a_command():
    res = subprocess.run([sys.executable, "-m", "teacher_match.cli", "demo", "--teachers", "300", "--quiet"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    for label in ("eligible", "rotated", "needs filled / declared", "needs unfilled", "objective",
                  "best bound", "status"):
        assert label in res.stdout
    assert "checker: no violations" in res.stdout


def test_infeasible_solve_exits_1_with_the_diagnosis_not_a_violation_list(county_dir, capsys):
    code = main(["solve", str(county_dir), "--set", "min_rotation_hard=true",
                 "--set", "min_share_of_eligible=1", "--quiet", "--time-limit", "30"])
    captured = capsys.readouterr()
    assert code == 1
    assert "INFEASIBLE" in captured.out
    assert "no plan (INFEASIBLE)" in captured.out
    assert "VIOLATIONS" not in captured.out + captured.err
