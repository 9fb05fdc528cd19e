"""Exchange history (交流记录): derived values, eligibility from it, and the plan year it leaves.

Reference date 2025-08-31 throughout: "now" is 2025-09-01 and the plan year ends 2026-08-31, so a term that
ends on 2025-09-01 ends this year and one that ends on 2026-09-01 does not.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from helpers import assert_valid, make_policy, make_problem, moves, reasons, solve

import teacher_match as tm
from teacher_match.cli import main
from teacher_match.history import HISTORY_COLUMNS, exchange_history, exchanges_from_plan

REF = dt.date(2025, 8, 31)
SCHOOLS = [
    {"school_id": "U1", "category": "urban", "x": 0.0},
    {"school_id": "U2", "category": "urban", "x": 2.0},
    {"school_id": "R1", "category": "rural", "x": 10.0},
    {"school_id": "R2", "category": "rural", "x": 12.0},
]
#: A away at R1 until 2027; B back from R1 this year; C two past terms; D none; E's relation moved to R1 (term
#: ends this year, stays); F on support at R2 since March, back this year
TEACHERS = [
    {"teacher_id": "A", "school_id": "U1"},
    {"teacher_id": "B", "school_id": "U1", "subject": "music"},
    {"teacher_id": "C", "school_id": "U1"},
    {"teacher_id": "D", "school_id": "U2"},
    {"teacher_id": "E", "school_id": "R1"},
    {"teacher_id": "F", "school_id": "U2"},
]
EXCHANGES = pd.DataFrame(
    [
        ("A", "U1", "R1", "rotation", "2024-09-01", 3, False),
        ("B", "U1", "R1", "rotation", "2022-09-01", 3, False),
        ("C", "U1", "R2", "support", "2019-09-01", 1, False),
        ("C", "U1", "R1", "rotation", "2021-09-01", 2, False),
        ("E", "U1", "R1", "rotation", "2022-09-01", 3, True),
        ("F", "U2", "R2", "support", "2025-03-01", 1, False),
    ],
    columns=[
        "teacher_id",
        "from_school_id",
        "to_school_id",
        "mode",
        "start_date",
        "term_years",
        "relation_moved",
    ],
)
NEEDS = [("R1", "music", 1), ("R2", "math", 1)]


def problem(exchanges=EXCHANGES, teachers=TEACHERS, needs=NEEDS) -> tm.Problem:
    return make_problem(SCHOOLS, teachers, needs, exchanges=exchanges)


def test_derived_values_per_teacher():
    p = problem()
    h = p.history.per_teacher(p.teachers["teacher_id"], window_years=3).set_index("teacher_id")
    assert list(h.reset_index().columns[: len(HISTORY_COLUMNS)]) == list(HISTORY_COLUMNS)
    assert h["on_exchange_now"].to_dict() == {
        "A": True,
        "B": True,
        "C": False,
        "D": False,
        "E": True,
        "F": True,
    }
    assert h["exchange_school_id"].dropna().to_dict() == {"A": "R1", "B": "R1", "E": "R1", "F": "R2"}
    assert h["exchange_end_date"].dropna().dt.strftime("%Y-%m-%d").to_dict() == {
        "A": "2027-09-01",
        "B": "2025-09-01",
        "E": "2025-09-01",
        "F": "2026-03-01",
    }
    assert h["term_ends_this_year"].to_dict() == {
        "A": False,
        "B": True,
        "C": False,
        "D": False,
        "E": True,
        "F": True,
    }
    # E's personnel relation moved: the term ends, E stays at R1 as one of its own
    assert h["returns_this_year"].to_dict() == {
        "A": False,
        "B": True,
        "C": False,
        "D": False,
        "E": False,
        "F": True,
    }
    assert h["home_school_id"].dropna().to_dict() == {"A": "U1", "B": "U1", "E": "R1", "F": "U2"}
    assert h["ever_rotated"].to_dict() == {"A": True, "B": True, "C": True, "D": False, "E": True, "F": True}
    # C: support ended 2020-09-01 (5 years ago); F: on support now (0)
    assert h["years_since_support"].to_dict() == {
        "A": np.inf,
        "B": np.inf,
        "C": 5.0,
        "D": np.inf,
        "E": np.inf,
        "F": 0.0,
    }
    # window [2022-09-01, 2025-09-01): A 1 year so far, B 3, C's 2021–2023 term clipped to 1, F half a year
    assert h["exchange_years_in_window"].to_dict() == {
        "A": 1.0,
        "B": 3.0,
        "C": 1.0,
        "D": 0.0,
        "E": 3.0,
        "F": 0.5,
    }
    assert p.history.exchange_years_in_window(None).to_dict() == {
        "A": 1.0,
        "B": 3.0,
        "C": 3.0,
        "E": 3.0,
        "F": 0.5,
    }
    assert p.history.exchange_years_in_window(6).to_dict()["C"] == 3.0
    assert h.loc["C", "last_exchange"] == "C at R1 from 2021-09-01; C at R2 from 2019-09-01"


def test_end_date_overrides_the_term_and_later_exchanges_are_not_history_yet():
    e = EXCHANGES.assign(end_date=[None, "2025-01-31", None, None, None, None])
    h = exchange_history(problem(e).exchanges, REF)
    assert not h.per_teacher(["B"]).loc[0, "on_exchange_now"]  # came back early, in January
    # the last day is 2025-01-31: 29 months
    assert h.exchange_years_in_window(3)["B"] == pytest.approx(29 / 12, abs=1e-3)
    # viewed a year earlier, F's support term (March 2025) has not begun: not history, not an error
    earlier = problem().at("2024-08-31")
    assert "F" not in set(earlier.history.records["teacher_id"])
    assert earlier.history.per_teacher(["B"]).loc[0, "returns_this_year"] == np.False_


def test_plan_year_counts_teachers_where_they_serve_and_reopens_posts():
    p = problem()
    t = p.teachers.set_index("teacher_id")
    # A away at R1; B, F home; E stays at R1; the roster's schools are kept
    assert t["school_id"].to_dict() == {"A": "R1", "B": "U1", "C": "U1", "D": "U2", "E": "R1", "F": "U2"}
    assert t["_roster_school_id"].to_dict() == {
        "A": "U1",
        "B": "U1",
        "C": "U1",
        "D": "U2",
        "E": "R1",
        "F": "U2",
    }
    # B's music post at R1 and F's math post at R2 re-open: both schools still declare a need in the subject
    n = p.needs.set_index(["school_id", "subject"])
    assert n["count"].to_dict() == {("R1", "music"): 2, ("R2", "math"): 2}
    assert n["reopened"].to_dict() == {("R1", "music"): 1, ("R2", "math"): 1}
    assert n["_declared_count"].to_dict() == {("R1", "music"): 1, ("R2", "math"): 1}


def test_a_post_left_where_no_shortage_is_declared_stays_closed():
    p = problem(needs=[("R1", "math", 1), ("R2", "music", 0)])
    assert p.needs["count"].tolist() == [1, 0]
    assert p.needs["reopened"].tolist() == [0, 0]


def test_at_another_date_starts_from_the_roster():
    p = problem()
    later = p.at("2026-08-31")  # B and F are home, A still away (until 2027-09-01, which ends next year)
    t = later.teachers.set_index("teacher_id")
    assert t["school_id"].to_dict() == {"A": "R1", "B": "U1", "C": "U1", "D": "U2", "E": "R1", "F": "U2"}
    assert later.needs["count"].tolist() == [1, 1]  # nobody returns in 2026/27 but A, whose term ends in 2027
    assert later.at(REF).needs["count"].tolist() == [2, 2]


POLICY = {
    "exempt": ["recent_exchange", "recent_support"],
    "recent_exchange_max_years": 1,
    "recent_exchange_window_years": 3,
    "support_lookback_years": 3,
}


def test_eligibility_from_the_history():
    p = problem()
    e = tm.eligibility(p, make_policy(eligibility=POLICY)).set_index("teacher_id")
    assert e["status"].to_dict() == {
        "A": "ineligible",
        "B": "exempt",
        "C": "exempt",
        "D": "mandatory",
        "E": "exempt",
        "F": "exempt",
    }
    assert e.loc["A", "reason"] == (
        "ineligible: on exchange now — A at R1 from 2024-09-01, term until 2027-08-31 (exchange history)"
    )
    assert e.loc["C", "reason"] == (
        "exempt: recent_exchange — 1 exchange year in the last 3 ≥ 1 "
        "(recent_exchange_max_years; C at R1 from 2021-09-01)"
    )
    assert e.loc["F", "reason"] == (
        "exempt: recent_support — on support teaching (支教) now "
        "(support_lookback_years; F at R2 from 2025-03-01)"
    )
    # support alone: C's support ended 5 years ago, not within 3; with a 6-year look-back it is
    only_support = {**POLICY, "exempt": ["recent_support"]}
    e = tm.eligibility(p, make_policy(eligibility={**only_support, "support_lookback_years": 6}))
    assert e.set_index("teacher_id").loc["C", "reason"] == (
        "exempt: recent_support — support teaching (支教) ended 5 years ago < 6 (support_lookback_years; "
        "C at R2 from 2019-09-01)"
    )
    e = tm.eligibility(p, make_policy(eligibility=only_support)).set_index("teacher_id")
    assert e.loc["C", "status"] == "mandatory"
    # no window: the whole history counts (累计)
    e = tm.eligibility(
        p,
        make_policy(
            eligibility={**POLICY, "recent_exchange_window_years": None, "recent_exchange_max_years": 3}
        ),
    )
    assert "3 exchange years in all ≥ 3" in e.set_index("teacher_id").loc["C", "reason"]


def test_the_table_and_the_hand_filled_columns_agree():
    # the same history as hand-filled columns (A, away now, cannot be said by them)
    cols = {
        "A": (1.0, np.nan),
        "B": (3.0, np.nan),
        "C": (1.0, 5.0),
        "D": (0.0, np.nan),
        "E": (3.0, np.nan),
        "F": (0.5, 0.0),
    }
    rows = [
        {
            **r,
            "exchange_years_recent": cols[r["teacher_id"]][0],
            "years_since_support": cols[r["teacher_id"]][1],
        }
        for r in TEACHERS
    ]
    by_columns = tm.eligibility(make_problem(SCHOOLS, rows, NEEDS), make_policy(eligibility=POLICY))
    by_table = tm.eligibility(problem(), make_policy(eligibility=POLICY))
    same = by_columns["teacher_id"] != "A"
    assert (by_columns["status"][same] == by_table["status"][same]).all()


def test_both_given_the_table_wins_with_a_warning():
    rows = [{**r, "exchange_years_recent": 0.0} for r in TEACHERS]
    t = pd.DataFrame([{"subject": "math", "gender": "F", "age": 40, "years_at_school": 8, **r} for r in rows])
    s = pd.DataFrame([{"strength": "normal", "y": 0.0, **r} for r in SCHOOLS])
    n = pd.DataFrame(NEEDS, columns=["school_id", "subject", "count"])
    with pytest.warns(
        tm.InputWarning, match="exchanges table .交流记录. is given, so exchange years are counted"
    ):
        p = tm.Problem.from_frames(t, s, n, reference_date=REF, exchanges=EXCHANGES)
    assert any("column 'exchange_years_recent'" in w for w in p.warnings)
    e = tm.eligibility(p, make_policy(eligibility=POLICY)).set_index("teacher_id")
    assert e.loc["C", "status"] == "exempt"  # 0 in the column, 1 year in the table


def test_away_teacher_is_not_moved_and_counts_at_the_receiving_school():
    # U1's roster has A (away at R1) and M1–M3; the outflow cap is half of U1's staff *this year*: 3 → 1
    teachers = [{"teacher_id": "A", "school_id": "U1", "home_x": 12.0}] + [
        {"teacher_id": f"M{i}", "school_id": "U1", "home_x": float(i)} for i in (1, 2, 3)
    ]
    p = problem(EXCHANGES.iloc[:1], teachers, [("R2", "math", 3)])
    policy = make_policy(rules={"outflow_max_share": 0.5})
    plan = solve(p, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": None, "M1": None, "M2": None, "M3": "R2"}
    assert plan.schools.set_index("school_id").at["U1", "outflow_cap"] == 1
    assert "on exchange now" in reasons(plan)["A"]
    assert_valid(p, policy, plan)
    # without the history A would be at U1 and movable, and the cap 2
    plain = make_problem(SCHOOLS, teachers, [("R2", "math", 3)])
    plan = solve(plain, policy)
    assert sorted(t for t, to in moves(plan).items() if to) == ["A", "M3"]
    assert_valid(plain, policy, plan)


def test_a_returning_teacher_reopens_the_post_and_it_is_filled():
    teachers = [
        {"teacher_id": "B", "school_id": "U1", "subject": "music", "home_x": 0.0},
        {"teacher_id": "M1", "school_id": "U1", "subject": "music", "home_x": 9.0},
        {"teacher_id": "M2", "school_id": "U1", "subject": "music", "home_x": 9.5},
    ]
    p = problem(EXCHANGES.iloc[[1]], teachers, [("R1", "music", 1)])
    assert p.needs["count"].tolist() == [2]
    policy = make_policy()
    plan = solve(p, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"B": None, "M1": "R1", "M2": "R1"}
    assert_valid(p, policy, plan)


def test_loaded_from_a_folder_and_a_workbook_and_written_back(tmp_path):
    p = problem()
    out = tm.write_problem(p, tmp_path / "csv")
    assert (out / "exchanges.csv").is_file()
    # the roster as declared is written, never the plan year (read back, it would apply twice)
    assert pd.read_csv(out / "needs.csv")["count"].tolist() == [1, 1]
    assert "reopened" not in pd.read_csv(out / "needs.csv").columns
    back = tm.load_problem(out, reference_date=REF)
    assert back.teachers["school_id"].tolist() == p.teachers["school_id"].tolist()
    assert back.needs["count"].tolist() == [2, 2]
    # Chinese file name and headers
    zh = tmp_path / "zh"
    zh.mkdir()
    for name in ("teachers", "schools", "needs"):
        (zh / f"{name}.csv").write_bytes((out / f"{name}.csv").read_bytes())
    EXCHANGES.rename(
        columns={
            "teacher_id": "教师编号",
            "from_school_id": "派出学校",
            "to_school_id": "接收学校",
            "mode": "交流方式",
            "start_date": "开始时间",
            "term_years": "期限",
            "relation_moved": "人事关系随转",
        }
    ).replace({"support": "支教", "rotation": "交流轮岗", True: "是", False: "否"}).to_csv(
        zh / "交流记录.csv", index=False
    )
    assert (
        tm.load_problem(zh, reference_date=REF).history.per_teacher(["C"]).loc[0, "years_since_support"]
        == 5.0
    )
    book = tmp_path / "county.xlsx"
    with pd.ExcelWriter(book) as xw:
        for name in ("teachers", "schools", "needs"):
            pd.read_csv(out / f"{name}.csv").to_excel(xw, sheet_name=name, index=False)
        pd.read_csv(zh / "交流记录.csv").to_excel(xw, sheet_name="交流记录", index=False)
    wb = tm.load_problem(book, reference_date=REF)
    assert wb.sources["exchanges"] == "county.xlsx [交流记录]"
    assert wb.needs["count"].tolist() == [2, 2]


def test_solve_and_check_through_the_command(tmp_path, capsys):
    p = problem(
        EXCHANGES.iloc[:2],
        [
            {"teacher_id": "A", "school_id": "U1"},
            {"teacher_id": "B", "school_id": "U1", "subject": "music"},
            {"teacher_id": "M1", "school_id": "U1", "subject": "music"},
        ],
        [("R1", "music", 1), ("R2", "math", 1)],
    )
    d = tm.write_problem(p, tmp_path / "roster")
    policy = tmp_path / "policy.toml"
    policy.write_text(
        'id = "micro"\nreference_date = "2025-08-31"\n[eligibility]\nmin_years_at_school = 6\n'
        '[flows]\nfrom = { category = ["urban"] }\nto = { category = ["rural"] }\n',
        encoding="utf-8",
    )
    plan = tmp_path / "plan.xlsx"
    code = main(
        ["solve", str(d), "--policy", str(policy), "--out", str(plan), "--quiet", "--time-limit", "10"]
    )
    assert code == 0, capsys.readouterr()
    assert "checker: no violations" in capsys.readouterr().out
    a = pd.read_excel(plan, sheet_name="assignments", dtype=str).set_index("teacher_id")
    # A is away at R1 (not moved); B's music post re-opens at R1: B and M1 go (B is mandatory at home again)
    assert a["to_school_id"].fillna("").to_dict() == {"A": "", "B": "R1", "M1": "R1"}
    assert a.loc["A", "reason"].startswith("ineligible: on exchange now — A at R1 from 2024-09-01")
    assert main(["check", str(d), str(plan), "--policy", str(policy)]) == 0


def test_a_published_plan_becomes_history():
    p = problem(
        None,
        [{"teacher_id": "M1", "school_id": "U1"}, {"teacher_id": "M2", "school_id": "U1"}],
        [("R2", "math", 1)],
    )
    policy = make_policy()
    plan = solve(p, policy)
    assert_valid(p, policy, plan)
    rows = exchanges_from_plan(plan.assignments, "2025-09-01", term_years=2)
    assert rows.drop(columns="start_date").to_dict("records") == [
        {
            "teacher_id": "M1",
            "from_school_id": "U1",
            "to_school_id": "R2",
            "mode": "rotation",
            "term_years": 2.0,
            "relation_moved": False,
        }
    ]
    # read a year later: M1 is on exchange, and the 2-year term ends within 2027/28
    next_year = tm.Problem.from_frames(
        p.teachers, p.schools, p.needs, reference_date="2026-08-31", exchanges=rows
    )
    assert next_year.teachers.set_index("teacher_id")["school_id"].to_dict() == {"M1": "R2", "M2": "U1"}
    h = next_year.at("2027-08-31").history.per_teacher(["M1"]).iloc[0]
    assert bool(h["on_exchange_now"])
    assert bool(h["returns_this_year"])
    assert h["exchange_school_id"] == "R2"


def test_synthetic_history_only_when_asked():
    plain = tm.make_county(300, seed=4)
    assert plain.exchanges is None
    assert plain.history is None
    p = tm.make_county(300, seed=4, history=True)
    h = p.history
    assert 0.05 <= len(h.current) / p.n_teachers <= 0.15
    assert 0 < len(h.returning) < len(h.current)
    assert set(p.exchanges["mode"]) == {"rotation", "support"}
    # the same roster underneath
    roster = p.teachers.assign(school_id=p.teachers["_roster_school_id"])[
        plain.teachers.columns.drop("years_since_support")
    ]
    pd.testing.assert_frame_equal(roster, plain.teachers.drop(columns="years_since_support"))


def test_exchange_modes_cover_the_policy_modes():
    from teacher_match.policy import PLANNED_MODES
    from teacher_match.schema import EXCHANGE_MODES

    recorded = {name for pid in tm.policy_ids() for name in tm.load_policy(pid).modes}
    assert set(PLANNED_MODES) | recorded <= set(EXCHANGE_MODES.values())


def test_generate_writes_the_history_when_asked(tmp_path, capsys):
    assert main(["generate", "--teachers", "200", "--seed", "3", "--out", str(tmp_path / "plain")]) == 0
    assert not (tmp_path / "plain" / "exchanges.csv").exists()
    argv = ["generate", "--teachers", "200", "--seed", "3", "--history", "--out", str(tmp_path / "h")]
    assert main(argv) == 0
    capsys.readouterr()
    back = tm.load_problem(tmp_path / "h", reference_date="2025-08-31")
    made = tm.make_county(200, seed=3, history=True)
    assert len(back.exchanges) == len(made.exchanges)
    assert back.teachers["school_id"].tolist() == made.teachers["school_id"].tolist()
    assert back.needs["count"].tolist() == made.needs["count"].tolist()


def test_an_empty_history_changes_nothing():
    p = problem(EXCHANGES.iloc[:0])
    assert p.needs["count"].tolist() == [1, 1]
    row = p.history.per_teacher(["A"]).iloc[0]
    assert not row["on_exchange_now"]
    assert not row["ever_rotated"]
    assert row["years_since_support"] == np.inf
    assert row["exchange_years_in_window"] == 0.0
    policy = make_policy(eligibility=POLICY)
    plain = make_problem(SCHOOLS, TEACHERS, NEEDS)
    pd.testing.assert_frame_equal(tm.eligibility(p, policy), tm.eligibility(plain, policy))
    plan = solve(p, policy)
    assert_valid(p, policy, plan)


def test_per_school_effects():
    h = problem().history.per_school(["U1", "U2", "R1", "R2"]).set_index("school_id")
    # A (U1) away at R1 all year; B back from R1 to U1; F back from R2 to U2; E's relation moved (stays)
    assert h.to_dict("index") == {
        "U1": {"away_in": 0, "away_out": 1, "returning_home": 1, "returning_out": 0, "staff_change": -1},
        "U2": {"away_in": 0, "away_out": 0, "returning_home": 1, "returning_out": 0, "staff_change": 0},
        "R1": {"away_in": 1, "away_out": 0, "returning_home": 0, "returning_out": 1, "staff_change": 1},
        "R2": {"away_in": 0, "away_out": 0, "returning_home": 0, "returning_out": 1, "staff_change": 0},
    }
    # the plan-year roster: the declared one (every teacher at home here) plus the change
    p = problem()
    home = p.teachers["_roster_school_id"].value_counts()
    now = p.teachers["school_id"].value_counts()
    for sid in ("U1", "U2", "R1", "R2"):
        assert now.get(sid, 0) - home.get(sid, 0) == h.loc[sid, "staff_change"]
