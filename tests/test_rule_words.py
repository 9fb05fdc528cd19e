"""Each rule says why a teacher stays and how its binding instances read — with the rule's own numbers."""

from __future__ import annotations

from helpers import assert_valid, make_policy, make_problem, reason, solve

import teacher_match as tm

SCHOOLS = [{"school_id": "U1", "x": 0.0}, {"school_id": "R1", "category": "rural", "x": 10.0},
           {"school_id": "R2", "category": "rural", "x": 12.0}]
TEACHERS = [{"teacher_id": "A", "school_id": "U1"}, {"teacher_id": "B", "school_id": "U1"}]
NEEDS = [("R1", "math", 1), ("R2", "math", 1)]


def test_a_binding_school_quota_is_named_with_its_number():
    """Two mandatory teachers, two needs, one place per school: B stays because of the quota, not cost."""
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    policy = make_policy(rules={"max_sent_per_school": 1})
    plan = solve(problem, policy)
    assert_valid(problem, policy, plan)
    assert int(plan.assignments["moves"].sum()) == 1
    stayer = plan.assignments.loc[~plan.assignments["moves"], "teacher_id"].iat[0]
    assert reason(plan, stayer).endswith(
        "stays — U1 already sends its maximum of 1 (max_sent_per_school = 1)")


def test_a_county_quota_that_binds_is_named_with_its_number():
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    policy = make_policy(rules={"max_total_sent": 1})
    plan = solve(problem, policy)
    stayer = plan.assignments.loc[~plan.assignments["moves"], "teacher_id"].iat[0]
    assert reason(plan, stayer).endswith(
        "stays — the county already sends its maximum of 1 (max_total_sent = 1)")


def test_an_impossible_fixed_quota_is_diagnosed_in_words():
    """Two teachers, only one need: "exactly 2" cannot hold, and the diagnosis says so with its number."""
    problem = make_problem(SCHOOLS, TEACHERS, [("R1", "math", 1)])
    policy = make_policy(rules={"fixed_teachers_sent": 2})
    plan = solve(problem, policy)
    assert plan.status == "INFEASIBLE"
    d = plan.diagnosis
    row = d[d["rule"] == "quotas"].iloc[0]
    assert row["sentence_en"] == ("exactly 2 must rotate from the county (teachers) (fixed_teachers_sent = "
                                  "2); 2 of them can be placed at a school that needs their subject")
    assert "quotas" not in row["sentence_zh"]
    assert "2" in row["sentence_zh"]
    assert "exactly 2 must rotate" in plan.summary()


def test_a_school_at_its_staffing_floor_keeps_its_teachers():
    schools = [{"school_id": "U1", "x": 0.0, "students": 40},
               {"school_id": "R1", "category": "rural", "x": 10.0}]
    problem = make_problem(schools, TEACHERS, [("R1", "math", 2)])
    policy = make_policy(rules={"students_per_teacher_floor": 40})
    plan = solve(problem, policy)
    assert_valid(problem, policy, plan)
    assert int(plan.assignments["moves"].sum()) == 1
    stayer = plan.assignments.loc[~plan.assignments["moves"], "teacher_id"].iat[0]
    assert reason(plan, stayer).endswith("stays — U1 must keep at least 1 teacher (one per 40 students) "
                                         "and is at that floor")


def test_a_used_up_budget_keeps_teachers_home():
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    policy = make_policy().with_(stipend_cap_default=1000.0, budget_max_yuan=1500.0)
    plan = solve(problem, policy)
    assert_valid(problem, policy, plan)
    stayer = plan.assignments.loc[~plan.assignments["moves"], "teacher_id"].iat[0]
    assert "the stipend budget of 1,500 yuan is used up (1,000 committed" in reason(plan, stayer)


def test_the_schools_table_takes_its_cap_columns_from_the_rules():
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    policy = make_policy(rules={"outflow_max_share": 0.5, "leadership_max_share": 0.5})
    plan = solve(problem, policy)
    cols = list(plan.schools.columns)
    assert cols[-3:] == ["outflow_cap", "leadership_cap", "min_rotation"]
    assert plan.schools.set_index("school_id").loc["U1", "outflow_cap"] == 1


def test_explain_names_the_binding_quota(tmp_path):
    problem = make_problem(SCHOOLS, TEACHERS, NEEDS)
    policy = make_policy(rules={"max_sent_per_school": 1})
    plan = solve(problem, policy)
    stayer = plan.assignments.loc[~plan.assignments["moves"], "teacher_id"].iat[0]
    e = tm.explain(problem, policy, plan, stayer, time_limit=10)
    assert list(e.binding["rule"]) == ["quotas"]
    assert (e.binding["sentence_en"].iat[0]
            == "U1 may send at most 1 (max_sent_per_school = 1); the plan sends 1")
    assert "quotas" not in e.reason_zh
