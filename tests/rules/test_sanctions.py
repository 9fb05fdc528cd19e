"""sanctions: a due teacher who refused stays; each teacher's sanction is the one the record sets.

refused ∧ due ⇒ stays;  failed = exchange_failed ∨ absence_days > D ∨ absence_days_year > Y ∨ paid_substitute
"""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import assert_valid, crafted, make_policy, make_problem, moves, solve, violations

from teacher_match.policy import policy_from_dict

SCHOOLS = [{"school_id": "U1", "category": "urban", "x": 0.0},
           {"school_id": "R1", "category": "rural", "x": 10.0},
           {"school_id": "R2", "category": "rural", "x": 30.0}]
#: the county draft's three sanctions (CD-SA1–3)
DRAFT = {"refusal_no_awards_years": 3, "incomplete_no_excellent_years": 2, "failed_title_delay_years": 2}
#: the city's automatic fail (CS-EV1) and its consequence (CS-SA1)
CITY = {"auto_fail_absence_days": 10, "auto_fail_absence_days_year": 15, "failed_no_title_evaluation": True}


def test_a_refuser_stays_and_the_next_teacher_goes():
    # R (nearest home, refused) would be the cheaper move; the plan sends O 30 km farther instead
    problem = make_problem(SCHOOLS, [
        {"teacher_id": "R", "school_id": "U1", "refused": True, "home_x": 10.0},
        {"teacher_id": "O", "school_id": "U1", "home_x": 40.0},
    ], [("R1", "math", 1)])
    pol = make_policy(rules=DRAFT)
    plan = solve(problem, pol)
    assert moves(plan) == {"R": None, "O": "R1"}
    assert plan.objective == 30
    a = plan.assignments.set_index("teacher_id")
    assert a.at["R", "sanction"] == "不服从交流: 聘期满后高职低聘, 3年内不得评优评先"
    assert pd_na(a.at["O", "sanction"])
    assert "refused the exchange" in a.at["R", "reason"]
    assert_valid(problem, pol, plan)
    # the refuser placed by hand is flagged
    assert ("sanctions", "teacher=R,refused") in violations(problem, pol, crafted(problem, pol, {"R": "R1"}))
    # without the rule the refusal is not read: R goes, the cheaper move
    plan = solve(problem, make_policy())
    assert moves(plan) == {"R": "R1", "O": None}
    assert "sanction" not in plan.assignments.columns


def pd_na(v) -> bool:
    return v is None or pd.isna(v)


def test_a_refusal_sanctions_only_a_teacher_due_to_rotate():
    # N has 2 years at the school (below the 6-year trigger): not due, so the refusal sets nothing
    problem = make_problem(SCHOOLS, [
        {"teacher_id": "N", "school_id": "U1", "refused": True, "years_at_school": 2},
    ], [("R1", "math", 1)])
    plan = solve(problem, make_policy(rules=DRAFT))
    assert pd_na(plan.assignments.set_index("teacher_id").at["N", "sanction"])


def test_unfinished_term_and_failed_exchange_in_the_county_draft():
    problem = make_problem(SCHOOLS, [
        {"teacher_id": "I", "school_id": "R1", "term_incomplete": True, "years_at_school": 1},
        {"teacher_id": "F", "school_id": "R1", "exchange_failed": True, "years_at_school": 1},
        {"teacher_id": "B", "school_id": "R1", "term_incomplete": True, "exchange_failed": True,
         "years_at_school": 1},
    ])
    pol = make_policy(rules=DRAFT)
    plan = solve(problem, pol)
    s = plan.assignments.set_index("teacher_id")["sanction"]
    assert s["I"] == "未完成服务期: 按现聘等级最低档次聘用, 2年内考核不得评为优秀, 不得评优评先"
    assert s["F"] == "交流考核不合格: 职称晋升推迟2年, 不得申报优秀教师"
    assert s["B"] == s["I"] + "; " + s["F"]
    assert list(plan.assignments["exchange_failed"]) == [False, True, True]
    assert_valid(problem, pol, plan)
    # a plan that leaves a sanction out is flagged
    a = plan.assignments.copy()
    a.loc[a["teacher_id"] == "F", "sanction"] = None
    assert violations(problem, pol, a) == {("sanctions", "teacher=F,sanction")}


@pytest.mark.parametrize(("record", "fails"), [
    ({"absence_days": 11, "absence_days_year": 11}, True),    # TC82: over 10 days at a stretch
    ({"absence_days": 10, "absence_days_year": 15}, False),   # TC83: both thresholds strict (超过)
    ({"absence_days": 5, "absence_days_year": 16}, True),     # TC84: over 15 days in the year
    ({"paid_substitute": True}, True),                        # 以钱代教
    ({}, False),
])
def test_the_citys_automatic_fail(record, fails):
    problem = make_problem(SCHOOLS, [{"teacher_id": "S", "school_id": "R1", "years_at_school": 1, **record}])
    pol = make_policy(rules=CITY)
    plan = solve(problem, pol)
    a = plan.assignments.set_index("teacher_id")
    assert bool(a.at["S", "exchange_failed"]) is fails
    said = a.at["S", "sanction"]
    assert said == "交流考核不合格: 不得参加中、高级职称评审" if fails else pd_na(said)
    assert_valid(problem, pol, plan)
    bad = plan.assignments.copy()
    bad["exchange_failed"] = not fails
    assert ("sanctions", "teacher=S,exchange_failed") in violations(problem, pol, bad)


def test_a_refuser_moves_in_no_planned_mode():
    up = {"enforced": True, "kind": "study", "from": {"category": ["urban"]}, "to": {"category": ["rural"]},
          "teachers": 1, "eligibility": {"min_years_at_school": "off", "min_years_eligible": 0}}
    problem = make_problem(SCHOOLS, [
        {"teacher_id": "R", "school_id": "U1", "refused": True},
        {"teacher_id": "O", "school_id": "U1", "home_x": 40.0},
    ])
    pol = policy_from_dict({"id": "micro", "eligibility": {"min_years_at_school": 6},
                            "flows": {"from": {"category": ["urban"]}, "to": {"category": ["rural"]}},
                            "rules": DRAFT, "modes": {"upward_study": up}})
    plan = solve(problem, pol)
    # the one study place goes to O (its nearest rural school from home, R2), never to the refuser
    assert moves(plan) == {"R": None, "O": "R2"}
    assert plan.assignments.set_index("teacher_id").at["O", "mode"] == "upward_study"
    assert_valid(problem, pol, plan)


def test_a_failed_support_teacher_is_sent_again():
    """CS-SA1 (并继续支教): the failed teacher goes, though another's move would be cheaper."""
    problem = make_problem(SCHOOLS, [
        {"teacher_id": "F", "school_id": "U1", "absence_days": 12, "home_x": 40.0},
        {"teacher_id": "O", "school_id": "U1", "home_x": 10.0},
    ], [("R1", "math", 1)])
    pol = make_policy(rules={**CITY, "failed_continues": True})
    plan = solve(problem, pol)
    assert moves(plan) == {"F": "R1", "O": None}
    assert plan.objective == 30
    said = plan.assignments.set_index("teacher_id").at["F", "sanction"]
    assert said == "交流考核不合格: 不得参加中、高级职称评审, 继续支教"
    assert_valid(problem, pol, plan)
    found = violations(problem, pol, crafted(problem, pol, {"O": "R1"}))
    assert ("sanctions", "teacher=F,continues") in found
    # with no need for the failed teacher's subject there is no plan, and the diagnosis names the rule
    problem = make_problem(SCHOOLS, [{"teacher_id": "F", "school_id": "U1", "absence_days": 12,
                                      "subject": "music"}], [("R1", "math", 1)])
    plan = solve(problem, pol)
    assert plan.status == "INFEASIBLE"
    assert "sanctions" in set(plan.diagnosis["rule"])
