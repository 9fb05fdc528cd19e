"""A missing optional column that a hard rule needs: said in the summary's first lines and warned about.

Only a shortfall of a soft minimum comes before it (often the column's absence is its cause).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from data.bad import build_corpus

import teacher_match as tm
from teacher_match.cli import main
from teacher_match.column_rules import COLUMN_RULES, missing_columns
from teacher_match.policy import PARAMETERS
from teacher_match.schema import TABLES

NO_BACKBONE = "\n".join(",".join(r.split(",")[:6] + r.split(",")[7:])
                        for r in build_corpus.TEACHERS.strip().splitlines()) + "\n"
#: the default policy's soft minimum, short on this roster when nobody can be sent: said first
SHORT = ("  SHORTFALL: min_rotation — 2 mandatory teachers short at 2 sending schools (S1 1, S2 1); soft in "
         "this policy (min_rotation_hard = false)")
MESSAGE = ("teachers.csv has no backbone teacher (column 'backbone' [骨干教师] missing or empty) and "
           "backbone_min_share = 0.2: backbone teachers must be at least 20% of those a school sends, so no "
           "school can send anyone — add the column 'backbone' [骨干教师], or change backbone_min_share")


def _dir(tmp_path: Path, teachers: str) -> Path:
    d = tmp_path / "roster"
    d.mkdir(parents=True)
    for name, text in (("teachers.csv", teachers), ("schools.csv", build_corpus.SCHOOLS),
                       ("needs.csv", build_corpus.NEEDS)):
        (d / name).write_text(text, encoding="utf-8")
    return d


def test_table_names_real_columns_and_parameters():
    for rule in COLUMN_RULES:
        assert rule.column in {c.name for c in TABLES[rule.table]}, rule
        assert rule.parameter in PARAMETERS, rule


def test_backbone_share_without_backbone_column(tmp_path, policy):
    problem = tm.load_problem(_dir(tmp_path, NO_BACKBONE))
    pol = policy.with_(backbone_min_share=0.2, keep_per_subject=0)
    assert missing_columns(problem, pol) == [MESSAGE]
    with pytest.warns(tm.InputWarning) as rec:
        plan = tm.solve(problem, pol, time_limit=10)
    assert [str(w.message) for w in rec] == [MESSAGE]
    assert plan.summary().splitlines()[:2] == [SHORT, f"  WARNING: {MESSAGE}"]
    assert plan.totals()["rotated"] == 0
    assert tm.check(problem, pol, plan).empty
    # with the column, nothing is said
    full = tm.load_problem(_dir(tmp_path / "full", build_corpus.TEACHERS))
    assert missing_columns(full, pol) == []
    assert "WARNING" not in tm.solve(full, pol, time_limit=10).summary()


def test_cli_says_it_first(tmp_path, capsys):
    d = _dir(tmp_path, NO_BACKBONE)
    assert main(["solve", str(d), "--set", "backbone_min_share=0.2", "--quiet", "--allow-shortfall"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[:2] == [SHORT, f"  WARNING: {MESSAGE}"]
    assert f"teacher-match: warning: {MESSAGE}" in captured.err
    assert "checker: no violations" in captured.out


@pytest.mark.parametrize(("change", "needle"), [
    ({"requires_application": True}, "no teacher who applied"),
    ({"min_title": "senior"}, "no teacher with a title"),
    ({"to_pair_only": True}, "no pair_id value"),
    ({"students_per_teacher_floor": 10}, "no students value"),
    ({"group_min_share": 0.1}, "no township value"),
])
def test_other_rules(tmp_path, policy, change, needle):
    lines = build_corpus.TEACHERS.strip().splitlines()
    bare = "\n".join(",".join(r.split(",")[:6]) for r in lines) + "\n"  # no backbone, title, role columns
    problem = tm.load_problem(_dir(tmp_path, bare))
    pol = policy.with_(backbone_min_share="off", **change)
    found = missing_columns(problem, pol)
    assert len(found) == 1, found
    assert needle in found[0], found
    with pytest.warns(tm.InputWarning):
        plan = tm.solve(problem, pol, time_limit=10)
    first = [x for x in plan.summary().splitlines() if not x.startswith("  SHORTFALL: ")][0]
    assert first.startswith("  WARNING: ")
    if plan.status in ("OPTIMAL", "FEASIBLE"):  # an INFEASIBLE plan keeps everyone and carries a diagnosis
        assert tm.check(problem, pol, plan).empty
