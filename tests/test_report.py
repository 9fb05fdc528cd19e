"""Publicity list (公示名单), plan report (HTML with an embedded flow map), explain / report commands."""

from __future__ import annotations

import pandas as pd
from helpers import assert_valid, make_policy, make_problem, solve

import teacher_match as tm
from teacher_match.cli import main

SCHOOLS = [{"school_id": "U1", "category": "urban", "x": 0.0},
           {"school_id": "U2", "category": "town", "x": 4.0},
           {"school_id": "R1", "category": "rural", "x": 10.0}]
TEACHERS = [{"teacher_id": "A", "school_id": "U1", "name": "张三"},
            {"teacher_id": "B", "school_id": "U2", "subject": "music", "name": "李四"},
            {"teacher_id": "C", "school_id": "U1", "name": "王五", "serious_illness": True},
            {"teacher_id": "D", "school_id": "U1", "years_at_school": 2, "name": "赵六"}]
NEEDS = [("R1", "math", 1), ("R1", "music", 1)]


def _plan():
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    policy = make_policy(eligibility={"exempt": ["serious_illness"]})
    plan = solve(problem, policy)
    assert_valid(problem, policy, plan)
    return problem, policy, plan


def test_publicity_views_have_chinese_headers_and_no_private_detail(tmp_path):
    _, _, plan = _plan()
    rec = plan.publicity()
    assert list(rec.columns) == ["交流学校", "教师编号", "姓名", "原学校", "学科", "交流方式", "交流期限"]
    assert rec[["交流学校", "教师编号", "原学校", "学科", "交流方式"]].values.tolist() == [
        ["R1", "A", "U1", "数学", "交流轮岗"], ["R1", "B", "U2", "音乐", "交流轮岗"]]
    sent = plan.publicity("sending")
    assert list(sent.columns[:4]) == ["原学校", "教师编号", "姓名", "交流学校"]
    assert list(sent["原学校"]) == ["U1", "U2"]
    ex = plan.publicity("exempt")
    assert ex.values.tolist() == [["U1", "C", "王五", "个人或家庭特殊情况"]]
    book = plan.to_excel(tmp_path / "plan.xlsx")
    with pd.ExcelFile(book) as xl:
        assert xl.sheet_names == ["assignments", "needs", "schools", "objective", "公示名单"]
        sheet = pd.read_excel(xl, sheet_name="公示名单", header=None).fillna("").astype(str)
    text = " ".join(map(str, sheet.to_numpy().ravel()))
    assert "三、暂缓交流人员（仅列类别）" in text
    assert "王五" in text
    # the medical detail of the exemption never reaches the published sheet
    assert "illness" not in text
    assert "重病" not in text


def test_summary_lists_needs_per_subject():
    _, _, plan = _plan()
    assert "needs filled per subject: math 1/1, music 1/1" in plan.summary()


def test_report_html_from_plan_and_workbook(tmp_path):
    problem, _, plan = _plan()
    html = tm_report().render_html(plan, problem)
    assert "data:image/png;base64," in html
    assert "Needs per subject" in html
    assert "U2" in html
    book = plan.to_excel(tmp_path / "plan.xlsx")
    out = tm_report().write_report(book, tmp_path / "r.html")
    page = out.read_text(encoding="utf-8")
    assert "data:image/png;base64," in page
    assert "OPTIMAL" in page


def test_report_of_an_infeasible_plan_shows_the_diagnosis(tmp_path):
    problem = make_problem(SCHOOLS, TEACHERS[:2], NEEDS[:1])
    policy = make_policy(rules={"min_share_of_eligible": 1.0, "min_rotation_hard": True})
    plan = solve(problem, policy)
    assert plan.status == "INFEASIBLE"
    page = tm_report().render_html(plan)
    assert "No plan exists" in page
    assert "U2 must rotate at least 1" in page


def test_cli_explain_and_report(tmp_path, capsys):
    problem, policy, plan = _plan()
    county = tm.write_problem(problem, tmp_path / "county")
    book = plan.to_excel(tmp_path / "plan.xlsx")
    pol = tmp_path / "micro.toml"
    pol.write_text('id = "micro"\n[eligibility]\nmin_years_at_school = 6\nexempt = ["serious_illness"]\n'
                   '[flows]\nfrom = { category = ["urban", "town"] }\n'
                   'to = { category = ["rural", "village"] }\n',
                   encoding="utf-8")
    assert main(["explain", str(county), str(book), "--policy", str(pol), "--teacher", "A"]) == 0
    out = capsys.readouterr().out
    assert "rotates to R1 (rural, normal) to fill its math need" in out
    assert "决定" in out
    assert main(["explain", str(county), str(book), "--policy", str(pol), "--teacher", "D"]) == 0
    assert "not movable" in capsys.readouterr().out
    html = tmp_path / "out" / "report.html"
    assert main(["report", str(book), "--html", str(html), "--input", str(county)]) == 0
    assert html.is_file()
    assert "report written" in capsys.readouterr().out
    assert main(["report", str(county / "teachers.csv"), "--html", str(html)]) == 2
    assert "plan workbook" in capsys.readouterr().err
    del policy


def tm_report():
    from teacher_match import report

    return report
