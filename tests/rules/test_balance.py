"""balance: no sex, age band or backbone class is more than balance_max_share of a large enough group sent."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import assert_valid, crafted, make_policy, make_problem, moves, solve, violations

SCHOOLS = [{"school_id": "U1", "category": "urban", "x": 0.0},
           {"school_id": "R1", "category": "rural", "x": 10.0}]
NEEDS = [("R1", "math", 3)]


def sent(plan) -> list:
    return sorted(t for t, to in moves(plan).items() if to is not None)


def roster(near: list[str], far: str, **columns) -> list[dict]:
    """Three teachers of one class 1, 2, 3 km from R1, one of another class 4 km away; column=(near, far)."""
    first = {c: v[0] for c, v in columns.items()}
    other = {c: v[1] for c, v in columns.items()}
    out = [{"teacher_id": t, "school_id": "U1", "home_x": 9.0 - i, **first} for i, t in enumerate(near)]
    return out + [{"teacher_id": far, "school_id": "U1", "home_x": 6.0, **other}]


def edit(plan, **to) -> pd.DataFrame:
    """The solved plan's assignments with some teachers sent to R1 (km) or kept home (None)."""
    a = plan.assignments.set_index("teacher_id")
    for tid, km in to.items():
        a.loc[tid, ["to_school_id", "moves", "commute_km"]] = (["R1", True, km] if km is not None
                                                               else [None, False, float("nan")])
    return a.reset_index()


# dimension, scope, roster (three of one class near R1, one of the other class farther), the class capped
CASES = {
    "sex": ("sex", "county", roster(["F1", "F2", "F3"], "M1", gender=("F", "M")), "scope=county,sex=F"),
    "age_band": ("age_band", "sending_school", roster(["Y1", "Y2", "Y3"], "O1", age=(30, 55)),
                 "school=U1,age_band=young"),
    "backbone": ("backbone", "receiving_school", roster(["B1", "B2", "B3"], "P1", backbone=(True, False)),
                 "school=R1,backbone=backbone"),
}


@pytest.mark.parametrize("dimension", list(CASES))
def test_balance_binds_and_changes_the_plan(dimension):
    dim, scope, teachers, _ = CASES[dimension]
    near, far = [t["teacher_id"] for t in teachers[:3]], teachers[3]["teacher_id"]
    problem = make_problem(SCHOOLS, teachers, NEEDS)
    off = make_policy()
    plan = solve(problem, off)
    assert moves(plan) == {**dict.fromkeys(near, "R1"), far: None}
    assert plan.objective == 1 + 2 + 3
    # at most 67 % of three sent, i.e. two, may be of one class: the farther teacher of the other class goes
    policy = make_policy(rules={"balance_max_share": 0.67, "balance_dimensions": [dim],
                                "balance_scope": scope, "balance_min_sent": 3})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {near[0]: "R1", near[1]: "R1", near[2]: None, far: "R1"}
    assert plan.objective == 1 + 2 + 4
    assert_valid(problem, policy, plan)


@pytest.mark.parametrize("dimension", list(CASES))
def test_checker_reports_a_class_above_its_share(dimension):
    dim, scope, teachers, key = CASES[dimension]
    near, far = [t["teacher_id"] for t in teachers[:3]], teachers[3]["teacher_id"]
    problem = make_problem(SCHOOLS, teachers, NEEDS)
    policy = make_policy(rules={"balance_max_share": 0.67, "balance_dimensions": [dim],
                                "balance_scope": scope, "balance_min_sent": 3})
    plan = solve(problem, policy)
    assert violations(problem, policy, plan.assignments) == set()
    bad = edit(plan, **{near[2]: 3.0, far: None})
    assert violations(problem, policy, bad) == {("balance", key)}
    # a group smaller than balance_min_sent need not be mixed
    small = policy.with_(balance_min_sent=4)
    assert violations(problem, small, bad) == set()


def test_balance_min_sent_spares_the_group():
    dim, scope, teachers, _ = CASES["sex"]
    problem = make_problem(SCHOOLS, teachers, NEEDS)
    policy = make_policy(rules={"balance_max_share": 0.67, "balance_dimensions": [dim],
                                "balance_scope": scope, "balance_min_sent": 4})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"F1": "R1", "F2": "R1", "F3": "R1", "M1": None}
    assert plan.objective == 1 + 2 + 3
    assert_valid(problem, policy, plan)


def test_balance_mixes_the_sexes():
    schools = [{"school_id": "U1", "x": 0.0}, {"school_id": "R1", "category": "rural", "x": 5.0}]
    teachers = [{"teacher_id": f"F{i}", "school_id": "U1", "home_x": 4.0} for i in range(4)] + \
               [{"teacher_id": f"M{i}", "school_id": "U1", "gender": "M", "home_x": -20.0} for i in range(2)]
    p = make_problem(schools, teachers, [("R1", "math", 4)])
    plain = make_policy()
    assert sent(solve(p, plain)) == ["F0", "F1", "F2", "F3"]
    pol = make_policy(rules={"balance_max_share": 0.5, "balance_dimensions": ["sex"], "balance_min_sent": 3})
    plan = solve(p, pol)
    assert_valid(p, pol, plan)
    got = sent(plan)
    assert len(got) == 4
    assert sum(t.startswith("M") for t in got) == 2
    bad = crafted(p, pol, {f"F{i}": "R1" for i in range(4)})
    assert ("balance", "scope=county,sex=F") in violations(p, pol, bad)


def test_balance_spares_small_groups():
    schools = [{"school_id": "U1", "x": 0.0}, {"school_id": "R1", "category": "rural", "x": 5.0}]
    p = make_problem(schools, [{"teacher_id": f"F{i}", "school_id": "U1"} for i in range(2)],
                     [("R1", "math", 2)])
    pol = make_policy(rules={"balance_max_share": 0.5, "balance_dimensions": ["sex"], "balance_min_sent": 3})
    plan = solve(p, pol)
    assert_valid(p, pol, plan)
    assert len(sent(plan)) == 2


def test_age_bands():
    from teacher_match.rules.balance import Balance, classes

    t = pd.DataFrame({"age": [34, 35, 49, 50], "gender": "F", "backbone": False})
    c = classes(t, Balance(balance_dimensions=["age_band"]))
    assert c["age_band=young"].tolist() == [True, False, False, False]
    assert c["age_band=old"].tolist() == [False, False, False, True]
