"""explain(): the model-derived reason per teacher, verified by counterfactual re-solves, on micro-rosters."""

from __future__ import annotations

import pytest
from helpers import assert_valid, make_policy, make_problem, moves, solve

import teacher_match as tm

LINE = [
    {"school_id": "U1", "category": "urban", "x": 0.0},
    {"school_id": "R1", "category": "rural", "x": 10.0},
    {"school_id": "R2", "category": "rural", "x": 15.0},
]
# four math teachers of U1, living 0, 1, 2, 3 km west of it: T0 is nearest to every rural school
FOUR = [{"teacher_id": f"T{i}", "school_id": "U1", "home_x": float(-i)} for i in range(4)]


def _explain(problem, policy, plan, tid, **kw):
    return tm.explain(problem, policy, plan, tid, time_limit=10, **kw)


def test_outflow_cap_keeps_an_eligible_teacher_in_place():
    problem = make_problem(LINE, FOUR, [("R1", "math", 3), ("R2", "math", 1)])
    policy = make_policy(rules={"outflow_max_share": 0.5})
    plan = solve(problem, policy)
    assert moves(plan) == {"T0": "R1", "T1": "R1", "T2": None, "T3": None}
    assert_valid(problem, policy, plan)
    e = _explain(problem, policy, plan, "T3")
    assert e.decision == "stays"
    assert list(e.binding["rule"]) == ["outflow_limit"]
    assert e.binding["key"].iat[0] == "school=U1"
    assert "U1 already sends its outflow cap of 2" in e.reason
    assert "U1 已达流出上限 2 人" in e.reason_zh
    # verified: rotating T3 is possible only by keeping one of the two at home, and costs more km
    assert e.alternative["objective_delta"] > 0
    assert e.alternative["status"] == "OPTIMAL"
    assert "keeps T1 in place" in str(e)


def test_rotated_teacher_why_this_school_and_next_best():
    problem = make_problem(LINE, FOUR[:2], [("R1", "math", 1), ("R2", "math", 1)])
    policy = make_policy(rules={"outflow_max_share": 0.5})
    plan = solve(problem, policy)
    assert moves(plan) == {"T0": "R1", "T1": None}
    assert_valid(problem, policy, plan)
    e = _explain(problem, policy, plan, "T0")
    assert e.decision == "rotates"
    assert e.to_school_id == "R1"
    assert "to fill its math need" in e.reason
    assert any("commute 10.0 km" in d for d in e.details)
    # R2 is the other school T0 could fill: 5 km farther
    assert any("R2 (15.0 km, direct cost +5.0)" in d for d in e.details)
    # without T0 → R1 the best plan sends T1 (11 km): +1 km
    assert e.alternative == {"to_school_id": None, "objective_delta": pytest.approx(1.0), "status": "OPTIMAL",
                             "tie": False, "closest": True,
                             "changes": {"starts": [("T1", "R1")], "stops": [], "moves": []}}
    assert e.reason == ("rotates to R1 (rural, normal) to fill its math need; the next best plan keeps this "
                        "teacher at U1 and rotates T1 (to R1) (objective +1.0)")
    assert e.reason_zh == "交流至 R1，补充该校数学学科缺员；次优方案该教师留任，T1 交流至 R1，目标值 +1.0"


def test_no_school_within_the_commute_cap():
    schools = [LINE[0], {"school_id": "R9", "category": "rural", "x": 52.3}]
    problem = make_problem(schools, [{"teacher_id": "M", "school_id": "U1", "subject": "music"}],
                           [("R9", "music", 1)])
    policy = make_policy(flows={"max_commute_km": 40})
    plan = solve(problem, policy)
    assert_valid(problem, policy, plan)
    e = _explain(problem, policy, plan, "M")
    assert e.reason == "stays — no school needing music within 40 km (nearest 52.3 km)"
    assert "40 公里内没有需要音乐教师的学校" in e.reason_zh
    assert any("R9 is 52.3 km away (cap 40 km)" in d for d in e.details)


def test_backbone_share_binds():
    schools = [LINE[0], LINE[1]]
    teachers = [{"teacher_id": "B", "school_id": "U1", "backbone": True, "home_x": 1.0},
                {"teacher_id": "N1", "school_id": "U1", "home_x": 0.0},
                {"teacher_id": "N2", "school_id": "U1", "home_x": -1.0}]
    problem = make_problem(schools, teachers, [("R1", "math", 3)])
    policy = make_policy(rules={"backbone_min_share": 0.5})
    plan = solve(problem, policy)
    assert moves(plan) == {"B": "R1", "N1": "R1", "N2": None}
    assert_valid(problem, policy, plan)
    e = _explain(problem, policy, plan, "N2")
    assert list(e.binding["rule"]) == ["backbone_ratio"]
    assert "backbone share to 1/3 = 33%, below the minimum 50%" in e.reason
    # verified: N2 can rotate only instead of N1 (one backbone teacher covers two), 1 km farther
    assert e.alternative == {"to_school_id": "R1", "objective_delta": pytest.approx(1.0), "status": "OPTIMAL",
                             "tie": False, "closest": True,
                             "changes": {"starts": [], "stops": [("N1", "R1")], "moves": []}}
    assert "keeps N1 in place" in str(e)


def test_filled_need_and_leadership_cap_bind():
    teachers = [{"teacher_id": "P", "school_id": "U1", "role": "vice_principal", "home_x": 0.0},
                {"teacher_id": "Q", "school_id": "U1", "role": "middle_leader", "home_x": -1.0},
                {"teacher_id": "Z", "school_id": "U1", "subject": "art", "home_x": -2.0}]
    problem = make_problem(LINE, teachers, [("R1", "math", 2), ("R2", "art", 1)])
    policy = make_policy(rules={"leadership_max_share": 0.5})
    plan = solve(problem, policy)
    assert moves(plan) == {"P": "R1", "Q": None, "Z": "R2"}
    assert_valid(problem, policy, plan)
    e = _explain(problem, policy, plan, "Q")
    assert list(e.binding["rule"]) == ["leadership_cap"]
    assert "U1 already sends its leadership cap of 1 (team of 2" in e.reason

    problem = make_problem(LINE, FOUR[:2], [("R1", "math", 1)])
    policy = make_policy()
    plan = solve(problem, policy)
    assert moves(plan) == {"T0": "R1", "T1": None}
    e = _explain(problem, policy, plan, "T1")
    assert list(e.binding["rule"]) == ["subject_needs"]
    assert "R1's need for 1 math teacher is already filled (T0)" in e.reason


def test_not_movable_teacher_gets_the_eligibility_decision():
    teachers = [FOUR[0], {"teacher_id": "Y", "school_id": "U1", "years_at_school": 2}]
    problem = make_problem(LINE, teachers, [("R1", "math", 1)])
    policy = make_policy()
    plan = solve(problem, policy)
    e = _explain(problem, policy, plan, "Y")
    assert e.decision == "not movable"
    assert "2 years at school < 6" in e.eligibility
    assert e.values["years_at_school"] == 2
    with pytest.raises(tm.TeacherMatchError, match="not in the plan"):
        _explain(problem, policy, plan, "NOBODY")


def test_explain_reads_a_plan_file(tmp_path):
    problem = make_problem(LINE, FOUR, [("R1", "math", 3), ("R2", "math", 1)])
    policy = make_policy(rules={"outflow_max_share": 0.5})
    plan = solve(problem, policy)
    back = tm.Plan.read_assignments(plan.to_excel(tmp_path / "plan.xlsx"))
    e = _explain(problem, policy, back, "T2", counterfactual=False)
    assert "U1 already sends its outflow cap of 2" in e.reason
    assert e.alternative is None
