"""Output files: checked before any work, written whole, never over an input, text never a formula.

The refusals themselves (every alias of an input, wrong names, folders) are the output-side corpus
(``test_output_corpus.py``); here: what is written when a write is allowed, through the command and the
library — atomic replacement, permissions, symlinks written through, ``--force``, the solve never started
for a bad output, and formula-like text in every workbook and csv the project writes.
"""

from __future__ import annotations

import importlib
import os
import stat
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from data.bad import build_corpus

import teacher_match as tm
from teacher_match import output_files
from teacher_match.cli import main

FORMULAS = ["=1+1", "=HYPERLINK(\"http://example.com\",\"click\")", "+1-2", "-3+4", "@SUM(A1:A2)", "\t=1+1",
            "\r=1+1"]


@pytest.fixture(autouse=True)
def _fresh_inputs():
    output_files.forget_inputs()
    yield
    output_files.forget_inputs()


_roster = build_corpus.valid_roster


def _policy():
    # each school keeps its one teacher of a subject under the default policy: let them go, so a plan moves
    return tm.load_policy("default").with_(keep_per_subject=0)


def _policy_file(d: Path) -> Path:
    p = d / "policy.toml"
    p.write_text('id = "open"\n[rules]\nkeep_per_subject = 0\n', encoding="utf-8")
    return p


def _plan(d: Path, extra=None):
    problem = tm.load_problem(_roster(d, extra))
    plan = tm.solve(problem, _policy(), time_limit=10)
    assert plan.has_plan
    assert plan.totals()["rotated"] >= 1
    return problem, plan


def _formula_cells(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path)
    return [f"{ws.title}!{c.coordinate}" for ws in book.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f"]


def _temp_files(d: Path) -> list[str]:
    return [p.name for p in d.rglob(".*tmp-*")]


# ---------------------------------------------------------------------------------------------- C. formulas
def test_plan_workbook_stores_formula_like_text_as_text(tmp_path):
    extra = {"note": FORMULAS[:6], "name": ["@cmd|' /C calc'!A0", "张三", "-李四", "@王五", "+赵六", "钱七"],
             "bonus": ["-5", "3", "0", "-1.5", "2", "1"]}
    problem, plan = _plan(tmp_path / "roster", extra)
    out = plan.to_excel(tmp_path / "plan.xlsx")
    assert _formula_cells(out) == []
    back = pd.read_excel(out, sheet_name="assignments", dtype={"teacher_id": str})
    assert back["note"].tolist() == FORMULAS[:6]
    assert back["name"].iloc[0] == "@cmd|' /C calc'!A0"
    # the 公示名单 sheet carries the names: text there too
    book = openpyxl.load_workbook(out)
    names = [c.value for row in book["公示名单"].iter_rows() for c in row if isinstance(c.value, str)]
    moved_names = plan.moved["name"].astype(str)
    assert any(v.startswith(("-", "@", "+")) for v in names) or not moved_names.str.match(r"[@+-]").any()


def test_numbers_stay_numbers_in_the_workbook_and_csv(tmp_path):
    problem, plan = _plan(tmp_path / "roster")
    plan.assignments["delta"] = -2.5  # a numeric column with negative values: not text, not quoted
    plan.to_excel(tmp_path / "plan.xlsx")
    plan.to_csv(tmp_path / "plan.csv")
    ws = openpyxl.load_workbook(tmp_path / "plan.xlsx")["assignments"]
    col = [c.value for c in ws[1]].index("delta") + 1
    assert ws.cell(row=2, column=col).data_type == "n"
    assert ws.cell(row=2, column=col).value == -2.5
    text = (tmp_path / "plan.csv").read_text(encoding="utf-8-sig")
    assert ",-2.5" in text
    assert "'-2.5" not in text


def test_plan_csv_quotes_formula_like_text_and_reads_back_unchanged(tmp_path):
    problem, plan = _plan(tmp_path / "roster", {"note": FORMULAS[:6]})
    path = plan.to_csv(tmp_path / "plan.csv")
    raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert all(v.startswith("'") for v in raw["note"])  # what a spreadsheet program sees: text
    back = tm.Plan.read_assignments(path)
    assert back["note"].tolist() == FORMULAS[:6]
    assert tm.check(problem, _policy(), back).empty


def test_generated_workbook_roster_has_no_formulas(tmp_path):
    problem = tm.load_problem(_roster(tmp_path / "roster", {"note": FORMULAS[:6]}))
    out = tm.write_problem(problem, tmp_path / "xlsx", fmt="xlsx")
    assert _formula_cells(out / "teachers.xlsx") == []
    assert tm.load_problem(out).teachers["note"].tolist() == FORMULAS[:6]


def test_cli_solve_writes_no_formula_from_the_roster(tmp_path, capsys):
    roster = _roster(tmp_path / "roster", {"note": FORMULAS[:6]})
    policy = _policy_file(tmp_path)
    assert main(["solve", str(roster), "--policy", str(policy), "--out", str(tmp_path / "plan.xlsx"),
                 "--quiet", "--time-limit", "10"]) == 0
    assert _formula_cells(tmp_path / "plan.xlsx") == []
    assert main(["solve", str(roster), "--policy", str(policy), "--out", str(tmp_path / "plan.csv"),
                 "--quiet", "--time-limit", "10"]) == 0
    assert main(["check", str(roster), str(tmp_path / "plan.csv"), "--policy", str(policy)]) == 0
    capsys.readouterr()


# ---------------------------------------------------------------------------------------------- A. writing
@pytest.mark.parametrize("name", ["plan.csv", "plan.xlsx"])
def test_api_write_replaces_whole_keeps_mode_and_leaves_no_temp_file(tmp_path, name):
    _, plan = _plan(tmp_path / "roster")
    target = tmp_path / "out" / name
    target.parent.mkdir()
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    written = plan.to_csv(target) if name.endswith(".csv") else plan.to_excel(target)
    assert written == target
    assert target.read_bytes() != b"old"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert len(tm.Plan.read_assignments(target)) == 6
    assert _temp_files(tmp_path) == []


def test_new_file_gets_the_mode_a_plain_write_gives(tmp_path):
    _, plan = _plan(tmp_path / "roster")
    out = plan.to_csv(tmp_path / "new.csv")
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask


@pytest.mark.parametrize("name", ["plan.csv", "plan.xlsx"])
def test_a_failing_write_keeps_the_old_file_and_removes_the_temporary(tmp_path, name, monkeypatch):
    _, plan = _plan(tmp_path / "roster")
    target = tmp_path / name
    target.write_bytes(b"old plan")

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    if name.endswith(".csv"):
        monkeypatch.setattr(pd.DataFrame, "to_csv", boom)
    else:
        monkeypatch.setattr("teacher_match.plan.make_reproducible", boom)
    with pytest.raises(tm.OutputError, match="the disk is full") as err:
        plan.to_csv(target) if name.endswith(".csv") else plan.to_excel(target)
    assert "is as it was" in str(err.value)
    assert target.read_bytes() == b"old plan"
    assert _temp_files(tmp_path) == []


def test_a_bug_during_the_write_keeps_the_old_file_too(tmp_path, monkeypatch):
    _, plan = _plan(tmp_path / "roster")
    target = tmp_path / "plan.xlsx"
    target.write_bytes(b"old plan")
    monkeypatch.setattr("teacher_match.plan._write_publicity", lambda *a: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        plan.to_excel(target)
    assert target.read_bytes() == b"old plan"
    assert _temp_files(tmp_path) == []


def test_a_symlinked_output_is_written_through(tmp_path):
    _, plan = _plan(tmp_path / "roster")
    real = tmp_path / "shared" / "plan.csv"
    real.parent.mkdir()
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "plan.csv"
    link.symlink_to(real)
    plan.to_csv(link)
    assert link.is_symlink()
    assert len(tm.Plan.read_assignments(real)) == 6


def test_report_is_written_whole_and_not_over_its_plan(tmp_path):
    problem, plan = _plan(tmp_path / "roster")
    from teacher_match.report import write_report

    book = plan.to_excel(tmp_path / "plan.xlsx")
    out = write_report(book, tmp_path / "r.html", problem=problem)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert _temp_files(tmp_path) == []
    with pytest.raises(tm.OutputError, match="written as .html or .htm"):
        write_report(book, book, problem=problem)


def test_cli_checks_the_output_before_reading_or_solving(tmp_path, monkeypatch, capsys):
    roster = _roster(tmp_path / "roster")

    def never(*args, **kwargs):
        raise AssertionError("the solve started although the output cannot be written")

    monkeypatch.setattr(importlib.import_module("teacher_match.solving"), "solve", never)
    monkeypatch.setattr(sys.modules["teacher_match.io"], "load_problem", never)
    for out in (roster, tmp_path / "plan.docx", roster / "teachers.csv"):
        assert main(["solve", str(roster), "--out", str(out)]) == 2
        assert "teacher-match: " in capsys.readouterr().err


def test_generate_force_replaces_tables_and_keeps_other_files(tmp_path, capsys):
    out = tmp_path / "county"
    assert main(["generate", "--teachers", "120", "--seed", "1", "--out", str(out)]) == 0
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    assert main(["generate", "--teachers", "200", "--seed", "2", "--out", str(out)]) == 2
    assert "already holds files" in capsys.readouterr().err
    assert len(pd.read_csv(out / "teachers.csv")) == 120
    assert main(["generate", "--teachers", "200", "--seed", "2", "--out", str(out), "--force"]) == 0
    assert len(pd.read_csv(out / "teachers.csv")) == 200
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert _temp_files(out) == []
    # an empty folder is fine without --force
    (tmp_path / "empty").mkdir()
    assert main(["generate", "--teachers", "120", "--out", str(tmp_path / "empty"), "--format", "xlsx"]) == 0
    capsys.readouterr()


def test_api_writers_refuse_files_read_as_input_until_forgotten(tmp_path):
    problem, plan = _plan(tmp_path / "roster")
    tm.load_policy(_policy_file(tmp_path))
    with pytest.raises(tm.OutputError, match="input"):
        plan.to_csv(tmp_path / "roster" / "needs.csv")
    with pytest.raises(tm.OutputError, match="input folder"):
        tm.write_problem(problem, tmp_path / "roster", force=True)
    output_files.forget_inputs()
    assert plan.to_csv(tmp_path / "roster" / "needs.csv").is_file()  # the user's explicit choice now


def test_an_input_changed_since_it_was_read_is_no_longer_protected(tmp_path):
    _, plan = _plan(tmp_path / "roster")
    path = plan.to_csv(tmp_path / "plan.csv")
    tm.Plan.read_assignments(path)
    with pytest.raises(tm.OutputError, match="this is an input of this run"):
        plan.to_csv(path)
    path.write_text(path.read_text(encoding="utf-8-sig") + "\n", encoding="utf-8")  # edited since
    assert plan.to_csv(path) == path


def test_generate_force_refuses_to_mix_two_rosters(tmp_path, capsys):
    out = tmp_path / "county"
    assert main(["generate", "--teachers", "120", "--seed", "1", "--out", str(out), "--format", "xlsx"]) == 0
    assert main(["generate", "--teachers", "120", "--seed", "1", "--out", str(out), "--force"]) == 2
    assert "a table this roster would not replace" in capsys.readouterr().err
    assert sorted(p.suffix for p in out.iterdir()) == [".xlsx"] * 4
