"""Subject names: stage prefixes and common spellings are folded.

An unknown subject and a need nobody can fill are warnings naming the file, rows and the closest known
subject.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
from data.bad import build_corpus

import teacher_match as tm
from teacher_match.cli import main
from teacher_match.schema import TABLES
from teacher_match.subjects import KNOWN_SUBJECTS, SUBJECT_ZH, closest_subject, normalize_subject

SPELLINGS = {
    "小学语文": "chinese", "初中数学": "math", "高中英语": "english", "数学(初中)": "math",
    "数学（初中）": "math",
    "初中 数学": "math", "数学-初中": "math", "Maths": "math", "math": "math", "MATHEMATICS": "math",
    "ｍａｔｈｓ": "math", "PE": "pe", "P.E.": "pe", "ＰＥ": "pe", "体育与健康": "pe", "初中体育与健康": "pe",
    "道德与法治": "morality", "思品": "morality", "思想品德": "morality", "小学道德与法治": "morality",
    "信息技术": "it", "信息科技": "it", "ICT": "it", "综合实践": "practice", "书法": "calligraphy",
    "小学科学": "science", "化学(高中)": "chemistry", "初中数学教师": "math", "junior math": "math",
    "音乐课": "music", "　美术　": "art", "生物学": "biology",
}


@pytest.mark.parametrize(("spelling", "subject"), SPELLINGS.items())
def test_spellings_fold_to_one_subject(spelling, subject):
    assert normalize_subject(spelling) == subject


def test_vocabulary_is_complete():
    # every subject the schema accepts has a Chinese name (practice and calligraphy included)
    assert {"practice", "calligraphy"} <= KNOWN_SUBJECTS == set(SUBJECT_ZH)
    for name, zh in SUBJECT_ZH.items():
        assert normalize_subject(name) == name
        assert normalize_subject(zh) == name
    assert closest_subject("体操") == "pe"
    assert closest_subject("mathh") == "math"
    # teachers and needs carry no stage column: a stripped stage is not invented as one
    assert not any(c.name == "stage" for c in TABLES["teachers"] + TABLES["needs"])


def _roster(tmp_path: Path, subjects: dict[str, str], needs: str | None = None) -> Path:
    """The corpus's valid roster with some teachers' subjects rewritten (by teacher id)."""
    lines = build_corpus.TEACHERS.strip().splitlines()
    for i, line in enumerate(lines[1:], start=1):
        cells = line.split(",")
        if cells[0] in subjects:
            cells[2] = subjects[cells[0]]
            lines[i] = ",".join(cells)
    d = tmp_path / "roster"
    d.mkdir(parents=True)
    (d / "teachers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (d / "schools.csv").write_text(build_corpus.SCHOOLS, encoding="utf-8")
    (d / "needs.csv").write_text(needs or build_corpus.NEEDS, encoding="utf-8")
    return d


def test_stage_prefixed_roster_plans_as_the_canonical_one(tmp_path, policy):
    d = _roster(tmp_path, {"T01": "初中数学", "T03": "数学（初中）", "T02": "小学语文", "T04": "音乐(小学)",
                           "T05": "高中英语", "T06": "Chinese"},
                needs="school_id,subject,count\nS3,Maths,1\nS4,小学语文,1\nS3,音乐,1\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning at all: every spelling is known
        problem = tm.load_problem(d)
    assert list(problem.teachers["subject"]) == ["math", "chinese", "math", "music", "english", "chinese"]
    assert list(problem.needs["subject"]) == ["math", "chinese", "music"]
    assert problem.warnings == ()
    canonical = tm.load_problem(_roster(tmp_path / "canonical", {"T06": "语文"}))
    policy = policy.with_(keep_per_subject=0)  # so the small roster can send teachers at all
    plan, ref = (tm.solve(p, policy, time_limit=10) for p in (problem, canonical))
    assert plan.totals()["needs_filled"] == ref.totals()["needs_filled"] >= 1
    assert list(plan.assignments["to_school_id"]) == list(ref.assignments["to_school_id"])
    assert tm.check(problem, policy, plan).empty


def test_unknown_subject_is_a_warning_naming_file_rows_and_closest(tmp_path, policy):
    d = _roster(tmp_path, {"T02": "体操", "T06": "体操"})
    with pytest.warns(tm.InputWarning) as rec:
        problem = tm.load_problem(d)
    texts = [str(w.message) for w in rec]
    assert ("teachers.csv, rows 3, 7, column 'subject': subject '体操' is not a known subject (2 teachers); "
            "it is kept as written, so these teachers fill no need — check the spelling (closest known "
            "subject: 'pe (体育)')") in texts
    assert problem.warnings == tuple(texts)
    plan = tm.solve(problem, policy, time_limit=10)
    assert tm.check(problem, policy, plan).empty


def test_unknown_subject_from_frames():
    t = pd.DataFrame({"teacher_id": ["T1", "T2"], "school_id": ["S1", "S1"], "subject": ["舞蹈", "music"],
                      "gender": ["F", "M"], "age": [30, 40], "years_at_school": [6, 8]})
    s = pd.DataFrame({"school_id": ["S1", "S2"], "category": ["urban", "rural"], "x": [0, 5], "y": [0, 0]})
    n = pd.DataFrame({"school_id": ["S2"], "subject": ["舞蹈"], "count": [1]})
    with pytest.warns(tm.InputWarning) as rec:
        p = tm.Problem.from_frames(t, s, n)
    assert [str(w.message) for w in rec] == [
        "teachers (DataFrame), row 0, column 'subject': subject '舞蹈' is not a known subject (1 teacher); "
        "it is kept as written, so this teacher fills only needs spelled '舞蹈' too",
        "needs (DataFrame), row 0, column 'subject': subject '舞蹈' is not a known subject (1 need); it is "
        "kept as written, so this need is filled only by teachers spelled '舞蹈'"]
    assert p.needs.loc[0, "subject"] == "舞蹈"


def test_need_nobody_can_fill_is_a_warning(tmp_path):
    d = _roster(tmp_path, {}, needs="school_id,subject,count\nS3,math,1\nS4,物理,2\n")
    with pytest.warns(tm.InputWarning, match=r"needs.csv, row 3, column 'subject': school S4 needs 2 physics "
                                             r"\(物理\) teachers, but no teacher on the roster teaches "
                                             r"physics \(物理\) — this need stays unfilled"):
        tm.load_problem(d)


def test_protected_subjects_are_folded(tmp_path):
    d = _roster(tmp_path, {})
    (d / "schools.csv").write_text(build_corpus.SCHOOLS.replace("x,y", "x,y,protected_subjects").replace(
        ",0,0\n", ",0,0,maths；初中音乐\n", 1).replace(",3,0\n", ",3,0,\n").replace(
        ",10,0\n", ",10,0,\n").replace(",15,0\n", ",15,0,\n"), encoding="utf-8")
    problem = tm.load_problem(d)
    assert problem.schools.loc[0, "protected_subjects"] == "math;music"


def test_cli_prints_warnings_and_solves(tmp_path, capsys):
    d = _roster(tmp_path, {"T02": "体操"}, needs="school_id,subject,count\nS3,math,1\nS4,物理,1\n")
    assert main(["solve", str(d), "--quiet", "--allow-shortfall"]) == 0
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert lines[0].startswith("teacher-match: warning: teachers.csv, row 3, column 'subject': "
                               "subject '体操'")
    assert lines[1].startswith("teacher-match: warning: needs.csv, row 3, column 'subject': school S4 "
                               "needs 1 physics (物理) teacher,")
    assert "checker: no violations" in captured.out
