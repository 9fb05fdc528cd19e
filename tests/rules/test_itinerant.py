"""itinerant (走教): lesson needs covered by teachers with spare lessons, as a generalized assignment."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
from helpers import NEUTRAL, assert_valid, make_problem, solve

import teacher_match as tm
from teacher_match.policy import policy_from_dict

# U1 urban at 0 km, U2 urban at -5 km, R1 rural at 10 km, R2 rural at 20 km, U3 urban at 30 km
SCHOOLS = [
    {"school_id": "U1", "category": "urban", "x": 0.0},
    {"school_id": "U2", "category": "urban", "x": -5.0},
    {"school_id": "R1", "category": "rural", "x": 10.0},
    {"school_id": "R2", "category": "rural", "x": 20.0},
    {"school_id": "U3", "category": "urban", "x": 30.0},
]
#: years_at_school 2: nobody is due to rotate unless a test says so
MUSIC = {"subject": "music", "years_at_school": 2}


def policy(**rules) -> tm.Policy:
    """The neutral policy with 走教 planned: ≥ 2 lessons per assignment, famous teachers ≥ 1."""
    data = copy.deepcopy(NEUTRAL)
    data["rules"].update(rules)
    data["modes"] = {"itinerant": {"enforced": True, "text": "走教",
                                   "params": {"min_lessons_per_week": 2, "famous_min_lessons_per_week": 1}}}
    return policy_from_dict(data, "micro policy")


def needs(*rows) -> pd.DataFrame:
    cols = ["school_id", "subject", "lessons_per_week", "max_teachers"]
    return pd.DataFrame([dict(zip(cols, r, strict=False)) for r in rows])


def table(plan: tm.Plan) -> list[tuple]:
    it = plan.itinerant
    return list(it[["teacher_id", "school_id", "lessons_per_week", "visits_per_week", "km_per_week"]]
                .itertuples(index=False, name=None))


def test_a_need_forced_to_split():
    # 8 lessons at R1; A (6 spare, 10 km away) cannot give them all: A gives 6 (3 visits, 60 km),
    # B (4 spare, 15 km away) the other 2 (1 visit, 30 km) — cheaper than 4 + 4 (2·20 + 2·30 = 100 km)
    problem = make_problem(SCHOOLS, [{"teacher_id": "A", "school_id": "U1", "spare_lessons": 6, **MUSIC},
                                     {"teacher_id": "B", "school_id": "U2", "spare_lessons": 4, **MUSIC}],
                           lesson_needs=needs(("R1", "music", 8, 2)))
    pol = policy()
    plan = solve(problem, pol)
    assert plan.status == "OPTIMAL"
    assert table(plan) == [("A", "R1", 6, 3, 60.0), ("B", "R1", 2, 1, 30.0)]
    assert plan.objective == pytest.approx(0.2 * 90)
    assert_valid(problem, pol, plan)


def test_one_teacher_a_need_as_in_the_gap():
    # two 6-lesson needs of one teacher each: A (U1) to R1 (10 km), C (U3) to R2 (10 km), 3 visits each
    problem = make_problem(SCHOOLS, [{"teacher_id": "A", "school_id": "U1", "spare_lessons": 6, **MUSIC},
                                     {"teacher_id": "C", "school_id": "U3", "spare_lessons": 6, **MUSIC}],
                           lesson_needs=needs(("R1", "music", 6), ("R2", "music", 6)))
    pol = policy()
    plan = solve(problem, pol)
    assert table(plan) == [("A", "R1", 6, 3, 60.0), ("C", "R2", 6, 3, 60.0)]
    assert_valid(problem, pol, plan)
    assert plan.assignments["moves"].sum() == 0  # home staffing untouched


def test_spare_from_the_standard_load_and_an_uncovered_need():
    # spare = 16 − 12 = 4 < the 6 lessons R1 needs of one teacher: the need is a shortfall, said first
    problem = make_problem(SCHOOLS, [{"teacher_id": "A", "school_id": "U1", "lessons_per_week": 12, **MUSIC}],
                           lesson_needs=needs(("R1", "music", 6)))
    pol = policy(standard_lessons_per_week=16)
    plan = solve(problem, pol)
    assert table(plan) == []
    assert list(plan.shortfalls["key"]) == ["school=R1,subject=music"]
    assert plan.shortfalls["message"].iat[0].endswith(
        "no music teacher at another school within reach has the spare lessons (at least 2 a week, 1 for the "
        "famous-teacher pool, and all 6 from one teacher)")
    assert plan.summary().lstrip().startswith("SHORTFALL: itinerant")
    assert_valid(problem, pol, plan)
    plan2 = solve(problem, policy(standard_lessons_per_week=18))
    assert table(plan2) == [("A", "R1", 6, 3, 60.0)]


def test_a_rotating_teacher_is_not_also_itinerant():
    # A is due to rotate and R2 needs a music teacher; R1 needs 6 itinerant lessons. Both cannot be done by
    # A: leaving the rotation post unmet (1000) beats leaving 6 lessons uncovered (6 × 200)
    problem = make_problem(SCHOOLS, [{"teacher_id": "A", "school_id": "U1", "subject": "music",
                                      "years_at_school": 8, "spare_lessons": 6}],
                           [("R2", "music", 1)], lesson_needs=needs(("R1", "music", 6)))
    pol = policy()
    plan = solve(problem, pol)
    assert table(plan) == [("A", "R1", 6, 3, 60.0)]
    assert not plan.assignments["moves"].any()
    assert_valid(problem, pol, plan)


def test_minimum_lessons_famous_teacher_and_visit_cap():
    # 3 lessons split between at most 2: F (famous, min 1) and A (min 2) — F 1 + A 2, or A alone is
    # impossible (spare 2); with a cap of 1 visit a week for A (2 lessons a visit) it still fits
    problem = make_problem(SCHOOLS, [{"teacher_id": "A", "school_id": "U1", "spare_lessons": 2, **MUSIC},
                                     {"teacher_id": "F", "school_id": "U3", "spare_lessons": 4,
                                      "famous_teacher": True, **MUSIC}],
                           lesson_needs=needs(("R1", "music", 3, 2)))
    pol = policy(itinerant_max_visits_per_week=1)
    plan = solve(problem, pol)
    assert table(plan) == [("A", "R1", 2, 1, 20.0), ("F", "R1", 1, 1, 40.0)]
    assert_valid(problem, pol, plan)


def test_checker_rejects_a_tampered_itinerant_table():
    problem = make_problem(SCHOOLS, [{"teacher_id": "A", "school_id": "U1", "spare_lessons": 6, **MUSIC},
                                     {"teacher_id": "B", "school_id": "U2", "spare_lessons": 4, **MUSIC}],
                           lesson_needs=needs(("R1", "music", 8, 2)))
    pol = policy()
    plan = solve(problem, pol)
    bad = plan.itinerant.copy()
    bad.loc[bad["teacher_id"] == "B", ["lessons_per_week", "visits_per_week", "km_per_week"]] = [1, 1, 30.0]
    bad.loc[bad["teacher_id"] == "A", ["lessons_per_week", "visits_per_week", "km_per_week"]] = [7, 4, 80.0]
    plan.itinerant = bad
    found = tm.check(problem, pol, plan)
    text = " | ".join(found["message"])
    assert "below the minimum of 2" in text          # B's 1 lesson
    assert "above their spare 6" in text             # A's 7 lessons
    assert "the plan covers 8" not in text           # 7 + 1 = 8 is covered in full
    plan.itinerant = bad[bad["teacher_id"] == "A"]
    text = " | ".join(tm.check(problem, pol, plan)["message"])
    assert "the plan covers 7" in text


@pytest.mark.parametrize(("rows", "needle"), [
    ([{"school_id": "X9", "subject": "music", "lessons_per_week": 6}], "school X9 is not in the schools"),
    ([{"school_id": "R1", "subject": "music", "lessons_per_week": 6},
      {"school_id": "R1", "subject": "音乐", "lessons_per_week": 2}], "duplicate lesson need R1/music"),
    ([{"school_id": "R1", "subject": "music", "lessons_per_week": 6, "min_teachers": 3, "max_teachers": 2}],
     "min_teachers 3 is above max_teachers 2"),
    ([{"school_id": "R1", "subject": "music", "lessons_per_week": 0}], "below the plausible minimum 1"),
    ([{"school_id": "R1", "subject": "music"}], "required column 'lessons_per_week'"),
])
def test_bad_lesson_needs(rows, needle):
    with pytest.raises(tm.SchemaError) as err:
        make_problem(SCHOOLS, [{"teacher_id": "A", "school_id": "U1", **MUSIC}],
                     lesson_needs=pd.DataFrame(rows))
    assert needle in str(err.value)
    assert "lesson_needs" in str(err.value)


def test_lesson_needs_in_chinese():
    ln = pd.DataFrame({"学校编号": ["R1"], "走教学科": ["音乐"], "每周课时": [6]})
    problem = make_problem(SCHOOLS, [{"teacher_id": "A", "school_id": "U1", "富余课时": 6, **MUSIC}],
                           lesson_needs=ln)
    assert problem.lesson_needs.loc[0, "subject"] == "music"
    plan = solve(problem, policy())
    assert table(plan) == [("A", "R1", 6, 3, 60.0)]


def test_off_without_the_mode():
    problem = make_problem(SCHOOLS, [{"teacher_id": "A", "school_id": "U1", "spare_lessons": 6, **MUSIC}],
                           lesson_needs=needs(("R1", "music", 6)))
    plan = solve(problem, policy_from_dict(copy.deepcopy(NEUTRAL), "micro policy"))
    assert plan.itinerant is None


def test_cover_hard_makes_an_uncoverable_need_infeasible():
    problem = make_problem(SCHOOLS, [{"teacher_id": "A", "school_id": "U1", "spare_lessons": 4, **MUSIC}],
                           lesson_needs=needs(("R1", "music", 6)))
    pol = policy(itinerant_cover_hard=True)
    plan = solve(problem, pol)
    assert plan.status == "INFEASIBLE"


def test_fenliu_plans_its_itinerant_teaching_on_its_synthetic_county():
    problem = tm.make_county(300, seed=3, itinerant=True)
    pol = tm.load_policy("devzone-fenliu-34")
    plan = solve(problem, pol)
    it = plan.itinerant
    assert plan.status == "OPTIMAL"
    assert len(it) >= 2
    assert (it["lessons_per_week"] >= 6).all()  # FL-IT1: 每周不少于 6 节
    assert not set(it["teacher_id"]) & set(plan.moved["teacher_id"])  # nobody both rotates and travels
    assert_valid(problem, pol, plan)
    assert list(plan.publicity("itinerant").columns) == ["走教学校", "学科", "教师编号", "原单位", "每周课时"]


def test_synthetic_itinerant_is_opt_in():
    plain = tm.make_county(300, seed=3)
    withit = tm.make_county(300, seed=3, itinerant=True)
    assert plain.lesson_needs is None
    pd.testing.assert_frame_equal(plain.teachers, withit.teachers.drop(columns=["spare_lessons"]))
    pd.testing.assert_frame_equal(plain.needs, withit.needs)


def test_a_bad_lesson_needs_file_names_file_row_and_column(tmp_path):
    pd.DataFrame({"teacher_id": ["A"], "school_id": ["U1"], "subject": ["music"], "gender": ["F"],
                  "age": [40], "years_at_school": [2]}).to_csv(tmp_path / "teachers.csv", index=False)
    pd.DataFrame(SCHOOLS).assign(y=0.0).to_csv(tmp_path / "schools.csv", index=False)
    pd.DataFrame({"school_id": [], "subject": [], "count": []}).to_csv(tmp_path / "needs.csv", index=False)
    pd.DataFrame({"学校编号": ["R1", "R2"], "走教学科": ["音乐", "音乐"], "每周课时": ["6", "六"]}).to_csv(
        tmp_path / "走教需求.csv", index=False)
    with pytest.raises(tm.SchemaError) as err:
        tm.load_problem(tmp_path)
    assert "走教需求.csv, row 3, column '每周课时'" in str(err.value)


def test_itinerant_in_the_workbook_and_the_report(tmp_path):
    problem = make_problem(SCHOOLS, [{"teacher_id": "A", "school_id": "U1", "spare_lessons": 6, **MUSIC}],
                           lesson_needs=needs(("R1", "music", 6)))
    plan = solve(problem, policy())
    path = plan.to_excel(tmp_path / "plan.xlsx")
    book = pd.read_excel(path, sheet_name=None)
    assert book["itinerant"]["teacher_id"].tolist() == ["A"]
    assert "四、走教教师名单（按走教学校）" in book["公示名单"].astype(str).to_string() + " ".join(
        map(str, book["公示名单"].columns))
    from teacher_match.report import render_html
    assert "Itinerant teaching 走教（1 assignments, 6 lessons a week）" in render_html(path)
