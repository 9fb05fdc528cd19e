"""The objective: weighted vs lexicographic, term names, negative weights, the breakdown, integer scaling."""

from __future__ import annotations

import pytest
from helpers import WEIGHTS, assert_valid, breakdown, make_policy, make_problem, moves, solve

import teacher_match as tm
from teacher_match.objective import TERMS
from teacher_match.params import share_fraction
from teacher_match.rules import RULES_BY_ID
from teacher_match.scaling import KM_UNITS, OBJ_SCALE, to_units_km, weight_coef

# U1 urban at 0 km, R1 rural at 10 km; B lives 30 km from R1
SCHOOLS = [{"school_id": "U1", "category": "urban", "x": 0.0},
           {"school_id": "R1", "category": "rural", "x": 10.0}]
TWO = [{"teacher_id": "A", "school_id": "U1"}, {"teacher_id": "B", "school_id": "U1", "home_x": -20.0}]


@pytest.fixture
def two():
    return make_problem(SCHOOLS, TWO, [("R1", "math", 2)]), make_policy()


def test_unknown_term_is_an_error():
    with pytest.raises(tm.PolicyError, match="term 'unmet_needs'; did you mean 'unmet_need'"):
        tm.Objective(unmet_needs=1000)
    with pytest.raises(tm.PolicyError, match="unknown objective term 'commute'"):
        tm.Objective.lexicographic(["unmet_need", "commute"])
    with pytest.raises(tm.PolicyError, match="must be a number"):
        tm.Objective(commute_km="1")
    with pytest.raises(tm.PolicyError, match="unknown key 'comute_km'"):
        make_policy(objective={"comute_km": 1})


def test_objective_must_be_an_objective(two):
    problem, policy = two
    with pytest.raises(tm.PolicyError, match="must be a teacher_match.Objective"):
        tm.solve(problem, policy, {"unmet_need": 1})


def test_policy_weights_are_the_default_objective():
    obj = tm.Objective.from_policy(make_policy(objective={"commute_km": 2}))
    expected = {**{k: float(v) for k, v in WEIGHTS.items()}, "commute_km": 2.0}
    assert {k: obj.weights[k] for k in WEIGHTS} == expected
    assert set(obj.weights) == set(TERMS)


def test_weighted_trades_terms_off(two):
    # a post is worth 20: A's 10 km is worth it, B's 30 km is not
    problem, policy = two
    plan = solve(problem, policy, tm.Objective(unmet_need=20, commute_km=1))
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": "R1", "B": None}
    assert plan.objective == 20 + 10
    assert_valid(problem, policy, plan)


def test_lexicographic_optimises_terms_in_order(two):
    problem, policy = two
    plan = solve(problem, policy, tm.Objective.lexicographic(["unmet_need", "commute_km"]))
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": "R1", "B": "R1"}
    assert breakdown(plan)["unmet_need"] == 0
    assert breakdown(plan)["commute_km"] == 40
    assert plan.objective == 40  # each stage's term at weight 1
    assert [s["stage"] for s in plan.solver_info["stages"]] == ["unmet_need", "commute_km"]
    assert_valid(problem, policy, plan)

    plan = solve(problem, policy, tm.Objective.lexicographic(["commute_km", "unmet_need"]))
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": None, "B": None}
    assert plan.objective == 2
    assert_valid(problem, policy, plan)


def test_lexicographic_stage_weights_scale_the_reported_objective(two):
    problem, policy = two
    obj = tm.Objective.lexicographic(["unmet_need", "commute_km"],
                                     weights={"unmet_need": 1000, "commute_km": 2})
    plan = solve(problem, policy, obj)
    assert moves(plan) == {"A": "R1", "B": "R1"}
    assert plan.objective == 2 * 40
    assert_valid(problem, policy, plan)


def test_negative_weight_rewards_a_term():
    # one post at a weak school: N lives 10 km away, backbone B 30 km
    schools = [SCHOOLS[0], {**SCHOOLS[1], "strength": "weak"}]
    teachers = [{"teacher_id": "N", "school_id": "U1"},
                {"teacher_id": "B", "school_id": "U1", "backbone": True, "home_x": -20.0}]
    problem = make_problem(schools, teachers, [("R1", "math", 1)])
    policy = make_policy()
    plan = solve(problem, policy)
    assert moves(plan) == {"N": "R1", "B": None}
    assert plan.objective == 10
    assert_valid(problem, policy, plan)

    policy = make_policy(objective={"backbone_to_weak": -50})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"N": None, "B": "R1"}
    assert plan.objective == 30 - 50
    row = plan.objective_breakdown.set_index("term").loc["backbone_to_weak"]
    assert (row["weight"], row["value"], row["contribution"]) == (-50, 1, -50)
    assert_valid(problem, policy, plan)


def test_breakdown_lists_every_term_and_sums_to_the_objective():
    # M (mandatory) fills R1; V (volunteer, wishes R2 first) fills R1's second post;
    # a chinese post stays open;
    # U1's minimum of ceil(1.0 × 2) = 2 mandatory teachers is one short
    schools = SCHOOLS + [{"school_id": "R2", "category": "rural", "x": 50.0}]
    teachers = [{"teacher_id": "M", "school_id": "U1"},
                {"teacher_id": "M2", "school_id": "U1", "subject": "art"},
                {"teacher_id": "V", "school_id": "U1", "years_at_school": 2, "volunteer": True,
                 "preferences": "R2"}]
    problem = make_problem(schools, teachers, [("R1", "math", 2), ("R1", "chinese", 1)])
    policy = make_policy(rules={"min_share_of_eligible": 1.0, "min_rotation_hard": False})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"M": "R1", "M2": None, "V": "R1"}
    b = plan.objective_breakdown.set_index("term")
    # every term a solve builds; a rotation cycle's terms only in a year of a cycle (tests/test_cycle.py), the
    # planned modes' only for a policy that plans modes beside the main one (tests/rules/test_modes.py), the
    # itinerant (走教) terms only by a solve that plans 走教
    assert set(b.index) == (set(TERMS) - set(RULES_BY_ID["cycle_obligation"].TERMS)
                            - set(RULES_BY_ID["modes"].TERMS) - set(RULES_BY_ID["itinerant"].TERMS))
    value = {"moved": 2, "non_mandatory_moved": 1, "unmet_need": 1, "commute_km": 20, "backbone_to_weak": 0,
             "rotation_shortfall": 1, "preference_rank": 1}
    contribution = {"moved": 0, "non_mandatory_moved": 50, "unmet_need": 1000, "commute_km": 20,
                    "backbone_to_weak": 0, "rotation_shortfall": 500, "preference_rank": 10}
    assert b["value"].to_dict() == {**dict.fromkeys(b.index, 0), **value}  # terms of rules left off are 0
    assert b["contribution"].to_dict() == {**dict.fromkeys(b.index, 0), **contribution}
    assert plan.objective == 1580 == b["contribution"].sum()
    assert_valid(problem, policy, plan)


def test_objective_must_match_the_breakdown_in_the_checker(two):
    problem, policy = two
    plan = solve(problem, policy)
    assert tm.check(problem, policy, plan).empty
    plan.objective += 1
    found = tm.check(problem, policy, plan)
    assert list(zip(found["rule"], found["key"], strict=True)) == [("objective", "total")]


@pytest.mark.parametrize(("share", "n", "floor"),
                         [(0.15, 20, 3), (0.29, 100, 29), (0.57, 100, 57), (0.1, 30, 3), (1 / 3, 3, 1),
                          (0.2, 5, 1)])
def test_shares_are_exact_fractions(share, n, floor):
    assert share_fraction(share) * n // 1 == floor


def test_share_scaling_in_a_solve():
    # 20 staff at U1 (4 mandatory living 9, 10, 11, 12 km from R1), outflow share 0.15:
    # floor(0.15 × 20) = 3, not 2
    teachers = [{"teacher_id": f"M{i + 1}", "school_id": "U1", "home_x": 1.0 - i} for i in range(4)]
    teachers += [{"teacher_id": f"I{i + 1}", "school_id": "U1", "years_at_school": 1} for i in range(16)]
    problem = make_problem(SCHOOLS, teachers, [("R1", "math", 4)])
    policy = make_policy(rules={"outflow_max_share": 0.15})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert sum(v is not None for v in moves(plan).values()) == 3
    assert plan.objective == 1000 + 9 + 10 + 11
    assert_valid(problem, policy, plan)


def test_weights_and_distances_scale_to_integers():
    assert KM_UNITS == 10
    assert OBJ_SCALE == 1000
    assert to_units_km([1.414, 2.25, 2.35, 10.0]).tolist() == [14, 22, 24, 100]  # half to even
    assert weight_coef(1, KM_UNITS) == 100  # 1 per km = 100 per 0.1 km unit, in 1/1000
    assert weight_coef(1000, 1) == 1_000_000
    assert weight_coef(0.25, KM_UNITS) == 25
    assert weight_coef(-50, 1) == -50_000


def test_fractional_weight_is_exact_in_the_objective():
    # √2 km is counted as 1.4 km; at 0.25 per km that is exactly 0.35
    schools = [SCHOOLS[0], {"school_id": "R1", "category": "rural", "x": 1.0, "y": 1.0}]
    problem = make_problem(schools, [{"teacher_id": "A", "school_id": "U1"}], [("R1", "math", 1)])
    policy = make_policy(objective={"commute_km": 0.25})
    plan = solve(problem, policy)
    assert moves(plan) == {"A": "R1"}
    assert plan.objective == 0.35
    assert breakdown(plan)["commute_km"] == 1.4
    assert_valid(problem, policy, plan)
