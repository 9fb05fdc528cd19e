"""Crashes and misleading answers, each through the command and the library.

A roster carrying last year's plan, a plan with only the required columns, a plan of another roster, hand
edits (an infinite or a blank commute), a time-out with no plan, "mean commute 0.0 km" with nobody rotated, a
closed output pipe, and bugs named as bugs (exit 70, the traceback logged) rather than passed off as bad
input.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from data.bad import build_corpus

import teacher_match as tm
from teacher_match import cli, output_files
from teacher_match.cli import main

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _fresh_inputs(monkeypatch, tmp_path):
    monkeypatch.setenv(cli.LOG_DIR_ENV, str(tmp_path / "logs"))
    monkeypatch.delenv("TEACHER_MATCH_DEBUG", raising=False)
    output_files.forget_inputs()
    yield
    output_files.forget_inputs()


def _roster(d: Path, **extra: list) -> Path:
    return build_corpus.valid_roster(d, extra)


def _policy_file(d: Path) -> str:
    p = d / "open.toml"
    p.write_text('id = "open"\n[rules]\nkeep_per_subject = 0\n', encoding="utf-8")
    return str(p)


def _solved(tmp_path: Path, roster: Path, name: str = "plan.xlsx") -> Path:
    out = tmp_path / name
    assert main(["solve", str(roster), "--policy", _policy_file(tmp_path), "--out", str(out), "--quiet",
                 "--time-limit", "10"]) == 0
    return out


# ---------------------------------------------------------------------------------------------- D. crashes
LAST_YEAR = {"to_school_id": ["S3", "", "", "S4", "", ""],
             "moves": ["True", "False", "False", "True", "False", "False"],
             "commute_km": ["10", "", "", "12", "inf", ""]}


def test_roster_carrying_last_years_plan_solves_checks_explains_reports(tmp_path, capsys):
    roster = _roster(tmp_path / "roster", **LAST_YEAR)
    pol = _policy_file(tmp_path)
    book = _solved(tmp_path, roster)
    assert main(["check", str(roster), str(book), "--policy", pol]) == 0
    a = tm.Plan.read_assignments(book)
    tid = a.loc[a["moves"], "teacher_id"].iloc[0]
    assert main(["explain", str(roster), str(book), "--policy", pol, "--teacher", tid, "--no-verify"]) == 0
    assert main(["report", str(book), "--html", str(tmp_path / "r.html"), "--input", str(roster)]) == 0
    out = capsys.readouterr()
    assert "valid" in out.out
    assert "Traceback" not in out.err
    # the library
    problem, policy = tm.load_problem(roster), tm.load_policy(pol)
    plan = tm.solve(problem, policy, time_limit=10)
    assert tm.check(problem, policy, plan).empty
    assert tm.check(problem, policy, plan.assignments).empty
    assert tid in str(tm.explain(problem, policy, plan, tid, counterfactual=False))


def test_check_of_a_plan_with_only_the_required_columns(tmp_path, capsys):
    roster = _roster(tmp_path / "roster")
    pol = _policy_file(tmp_path)
    a = tm.Plan.read_assignments(_solved(tmp_path, roster, "plan.csv"))
    bare = tmp_path / "bare.csv"
    a[["teacher_id", "to_school_id", "moves"]].to_csv(bare, index=False)
    assert main(["check", str(roster), str(bare), "--policy", pol]) == 0
    assert "valid" in capsys.readouterr().out
    problem, policy = tm.load_problem(roster), tm.load_policy(pol)
    assert tm.check(problem, policy, a[["teacher_id", "to_school_id", "moves"]]).empty
    assert "rotates to" in str(tm.explain(problem, policy, a[["teacher_id", "to_school_id", "moves"]],
                                          a.loc[a["moves"], "teacher_id"].iloc[0], counterfactual=False))


def _other_roster(d: Path) -> Path:
    """The same ids, the teachers of S1 and S2 swapped: a plan of this roster does not fit the valid one."""
    other = _roster(d)
    t = pd.read_csv(other / "teachers.csv", dtype=str)
    t["学校编号"] = t["学校编号"].map({"S1": "S2", "S2": "S1"})
    t.to_csv(other / "teachers.csv", index=False)
    return other


@pytest.mark.parametrize("command", ["check", "explain", "report"])
def test_a_plan_of_another_roster_is_refused_naming_the_mismatch(tmp_path, capsys, command):
    roster, other = _roster(tmp_path / "roster"), _other_roster(tmp_path / "other")
    book = _solved(tmp_path, other)
    capsys.readouterr()
    argv = {"check": ["check", str(roster), str(book)],
            "explain": ["explain", str(roster), str(book), "--teacher", "T01"],
            "report": ["report", str(book), "--html", str(tmp_path / "r.html"), "--input", str(roster)],
            }[command]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "where the plan does not match the roster" in err
    assert "plan.xlsx, row 2, column 'from_school_id'" in err
    assert not (tmp_path / "r.html").exists()
    problem, policy = tm.load_problem(roster), tm.load_policy("default")
    a = tm.Plan.read_assignments(book)
    with pytest.raises(tm.PlanMismatchError) as e1:
        {"check": lambda: tm.check(problem, policy, a),
         "explain": lambda: tm.explain(problem, policy, a, "T01", counterfactual=False),
         "report": lambda: __import__("teacher_match.report").report.render_html(book, problem)}[command]()
    assert e1.value.code == "plan"
    assert "the roster says 'S2'" in str(e1.value)


def test_a_plan_of_another_roster_with_no_teacher_in_common(tmp_path):
    roster = _roster(tmp_path / "roster")
    problem, policy = tm.load_problem(roster), tm.load_policy("default")
    a = pd.DataFrame({"teacher_id": ["X1", "X2"], "to_school_id": [None, "S3"], "moves": [False, True]})
    with pytest.raises(tm.PlanMismatchError, match="2 of the plan's 2 teachers are not on the roster"):
        tm.check(problem, policy, a)
    with pytest.raises(tm.PlanMismatchError):
        tm.explain(problem, policy, a, "X1")


def test_infinite_commute_is_refused_in_explain_too(tmp_path, capsys):
    roster = _roster(tmp_path / "roster")
    a = tm.Plan.read_assignments(_solved(tmp_path, roster, "plan.csv"))
    a.loc[a["moves"], "commute_km"] = float("inf")
    a.to_csv(tmp_path / "inf.csv", index=False)
    tid = a.loc[a["moves"], "teacher_id"].iloc[0]
    assert main(["explain", str(roster), str(tmp_path / "inf.csv"), "--teacher", tid]) == 2
    assert "'inf' is not a distance" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------- E. misleading
def test_a_hand_added_move_with_a_blank_commute_is_checked_not_reported_as_nan(tmp_path, capsys):
    roster = _roster(tmp_path / "roster")
    pol = _policy_file(tmp_path)
    a = tm.Plan.read_assignments(_solved(tmp_path, roster, "plan.csv"))
    stay = a.index[~a["moves"] & (a["subject"] == "chinese")][0]
    a.loc[stay, ["to_school_id", "moves", "commute_km"]] = ["S4", True, None]
    a.to_csv(tmp_path / "edited.csv", index=False)
    code = main(["check", str(roster), str(tmp_path / "edited.csv"), "--policy", pol,
                 "--set", "max_commute_km=5"])
    out = capsys.readouterr().out
    assert code == 1
    assert "nan" not in out
    assert "commutes" in out
    assert "> 5" in out
    assert "plan gives no commute for this move, recomputed" in out
    problem, policy = tm.load_problem(roster), tm.load_policy(pol).with_(max_commute_km=5)
    v = tm.check(problem, policy, a)
    assert not v["message"].str.contains("nan").any()
    assert (v["rule"] == "commute").any()
    # explain reads the move: the commute is computed from the roster
    tid = a.at[stay, "teacher_id"]
    assert "rotates to S4" in tm.explain(problem, policy.with_(max_commute_km=100), a, tid,
                                         counterfactual=False).reason


def test_nobody_rotated_has_no_mean_commute(tmp_path, capsys):
    roster = _roster(tmp_path / "roster")  # the default policy keeps every school's one teacher per subject
    out = tmp_path / "plan.xlsx"
    assert main(["solve", str(roster), "--out", str(out), "--quiet", "--allow-shortfall"]) == 0
    text = capsys.readouterr().out
    line = next(x for x in text.splitlines() if "mean commute of rotated" in x)
    assert line.split()[-1] == "—"
    assert "rotated                            0" in text
    plan = tm.solve(tm.load_problem(roster), tm.load_policy("default"))
    assert plan.totals()["rotated"] == 0
    assert "0.0 km" not in plan.summary()
    from teacher_match.report import render_html

    assert "0.0 km" not in render_html(out)


def _unknown_plan(problem, policy, **kwargs):
    """What a solve that found no plan before its time limit returns: status UNKNOWN, every teacher stays."""
    plan = _real_solve(problem, policy, **kwargs)
    plan.status, plan.objective = "UNKNOWN", float("nan")
    plan.assignments["to_school_id"] = None
    plan.assignments["moves"] = False
    return plan


_real_solve = tm.solve


def test_a_time_out_without_a_plan_writes_nothing_and_exits_3(tmp_path, capsys, monkeypatch):
    roster = _roster(tmp_path / "roster")
    monkeypatch.setattr(importlib.import_module("teacher_match.solving"), "solve", _unknown_plan)
    for name in ("plan.csv", "plan.xlsx"):
        out = tmp_path / name
        code = main(["solve", str(roster), "--out", str(out), "--quiet", "--time-limit", "1"])
        assert code == cli.EXIT_NO_PLAN_IN_TIME
        text = capsys.readouterr().out
        assert "no plan: none was found within the time limit of 1 s" in text
        assert "no violations" not in text
        assert not out.exists()
    plan = _unknown_plan(tm.load_problem(roster), tm.load_policy("default"))
    for write in (plan.to_csv, plan.to_excel):
        with pytest.raises(tm.OutputError, match="no plan to write \\(status UNKNOWN\\)"):
            write(tmp_path / ("p.csv" if write == plan.to_csv else "p.xlsx"))
    assert not list(tmp_path.glob("p.*"))


def test_an_infeasible_workbook_is_refused_as_a_plan(tmp_path, capsys):
    roster = _roster(tmp_path / "roster")
    out = tmp_path / "plan.xlsx"
    args = ["solve", str(roster), "--out", str(out), "--quiet", "--set", "min_rotation_hard=true",
            "--set", "min_share_of_eligible=1"]
    assert main(args) == 1
    assert "the diagnosis was written to" in capsys.readouterr().out
    assert main(["check", str(roster), str(out)]) == 2
    assert "holds no plan (status INFEASIBLE" in capsys.readouterr().err
    assert main(args[:3] + [str(tmp_path / "plan.csv")] + args[4:]) == 1
    assert "nothing was written" in capsys.readouterr().out
    assert not (tmp_path / "plan.csv").exists()


# ---------------------------------------------------------------------------------- 3. bugs as bugs
def test_a_bug_is_named_as_one_logged_and_exits_70(tmp_path, capsys, monkeypatch):
    roster = _roster(tmp_path / "roster")

    def broken(*args, **kwargs):
        raise ValueError("operands could not be broadcast together")  # a bug, whatever its class

    monkeypatch.setattr(importlib.import_module("teacher_match.solving"), "solve", broken)
    assert main(["solve", str(roster), "--quiet"]) == cli.EXIT_BUG
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "internal error, a bug in teacher_match and not in your input" in err
    assert "ValueError: operands could not be broadcast together" in err
    assert "please report it" in err
    logs = list((tmp_path / "logs").glob("crash-*.log"))
    assert len(logs) == 1
    assert str(logs[0]) in err
    text = logs[0].read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text
    assert "broken" in text
    assert f"solve {roster}" in text


def test_debug_variable_shows_the_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("TEACHER_MATCH_DEBUG", "1")
    monkeypatch.setattr(importlib.import_module("teacher_match.solving"), "solve", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        main(["solve", str(_roster(tmp_path / "roster")), "--quiet"])


def test_an_os_error_on_a_user_file_names_the_file(tmp_path, capsys, monkeypatch):
    def denied(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(sys.modules["teacher_match.io"], "load_problem", denied)
    assert main(["solve", str(tmp_path / "county"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'county'}: Permission denied — check the path and its permissions" in err


def test_argument_errors_exit_2_at_parse_time(capsys):
    for argv in (["solve", "x", "--time-limit", "nan"], ["solve", "x", "--time-limit", "-5"],
                 ["solve", "x", "--workers", "0"], ["solve", "x", "--seed", str(2**31)],
                 ["demo", "--teachers", "19"], ["generate", "--out", "x", "--teachers", "2000000"],
                 ["solve", "x", "--max-rows", "0"], ["solve", "x", "--max-file-mb", "inf"]):
        assert main(argv) == 2, argv
        assert "error: argument" in capsys.readouterr().err
    assert main(["--help"]) == 0
    assert "exit codes" in capsys.readouterr().out


def test_a_closed_output_pipe_exits_quietly(tmp_path):
    roster = _roster(tmp_path / "roster")
    out = tmp_path / "plan.xlsx"
    cmd = (f"{sys.executable} -m teacher_match.cli solve {roster} --out {out} --quiet --policy "
           f"{_policy_file(tmp_path)} | head -1; exit ${{PIPESTATUS[0]}}")
    done = subprocess.run(["bash", "-c", cmd], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, cli.EXIT_BROKEN_PIPE), done.stderr
    assert done.stderr == ""  # no "[Errno 32] Broken pipe", no "Exception ignored"
    assert len(tm.Plan.read_assignments(out)) == 6  # the plan was written before the summary


# ---------------------------------------------------------------------------------- found by fuzzing
def test_a_teacher_missing_from_the_plan_is_reported_once_not_as_from_nan(tmp_path):
    roster = _roster(tmp_path / "roster")
    problem, policy = tm.load_problem(roster), tm.load_policy("default")
    a = tm.solve(problem, policy).assignments.iloc[1:]
    v = tm.check(problem, policy, a)
    assert v["message"].tolist() == ["T01 is on the roster but missing from the plan"]


def test_a_plan_status_cell_holding_a_number_is_a_violation_not_a_crash(tmp_path, capsys):
    roster = _roster(tmp_path / "roster")
    problem, policy = tm.load_problem(roster), tm.load_policy("default")
    a = tm.solve(problem, policy).assignments.astype({"status": object})
    a.iat[0, a.columns.get_loc("status")] = 0.0
    v = tm.check(problem, policy, a)
    assert v["message"].tolist() == ["T01: plan says 0.0, the rules say mandatory"]
    a["status"] = 0  # a whole column of numbers, as read back from a file
    a.to_csv(tmp_path / "plan.csv", index=False)
    assert main(["check", str(roster), str(tmp_path / "plan.csv")]) == 1
    assert "plan says 0, the rules say mandatory" in capsys.readouterr().out
