"""modes: down and up in one plan, paired exchange, a principal's replacement, 挂职, staffing both ways."""

from __future__ import annotations

import copy

import pytest
from helpers import NEUTRAL, assert_valid, make_problem, moves, solve, violations

import teacher_match as tm
from teacher_match.errors import InputError, PolicyError
from teacher_match.policy import policy_from_dict

OPEN = {"min_years_at_school": "off", "min_years_eligible": 0}
UP = {"enforced": True, "kind": "study", "from": {"category": ["rural"]}, "to": {"category": ["urban"]},
      "teachers": 1, "relation": "stay", "paid_by": "sending", "term_years": 1,
      "eligibility": {**OPEN, "max_age": 35, "requires_application": True}}
TWO = [{"school_id": "U1", "category": "urban", "x": 0.0},
       {"school_id": "R1", "category": "rural", "x": 10.0}]


def policy(modes: dict, rules: dict | None = None, **top) -> tm.Policy:
    data = copy.deepcopy(NEUTRAL)
    data["modes"] = modes
    data["rules"].update(rules or {})
    data.update(top)
    return policy_from_dict(data)


def with_moves(plan: tm.Plan, changes: dict):
    """The plan's assignments with some moves changed: teacher -> (school, mode) or None (stays)."""
    a = plan.assignments.copy()
    for tid, change in changes.items():
        i = a.index[a["teacher_id"] == tid][0]
        if change is None:
            a.loc[i, ["to_school_id", "mode"]] = None
            a.loc[i, "moves"] = False
            a.loc[i, "commute_km"] = float("nan")
        else:
            a.loc[i, ["to_school_id", "mode"]] = list(change)
            a.loc[i, "moves"] = True
    return a


def updown_problem() -> tm.Problem:
    return make_problem(TWO, [
        {"teacher_id": "D1", "school_id": "U1"},
        {"teacher_id": "Y1", "school_id": "R1", "age": 30, "volunteer": True, "years_at_school": 2},
        {"teacher_id": "Y2", "school_id": "R1", "age": 30, "volunteer": False, "years_at_school": 2},
        {"teacher_id": "O1", "school_id": "R1", "age": 50, "volunteer": True, "years_at_school": 2},
    ], [("R1", "math", 1)])


def test_down_and_up_in_one_plan():
    problem, pol = updown_problem(), policy({"upward_study": UP})
    plan = solve(problem, pol)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"D1": "R1", "Y1": "U1", "Y2": None, "O1": None}
    a = plan.assignments.set_index("teacher_id")
    assert a.at["D1", "mode"] == "rotation"
    assert a.at["Y1", "mode"] == "upward_study"
    assert not a.at["Y1", "relation_moved"]
    assert a.at["Y1", "paid_by"] == "sending"
    assert a.at["Y1", "term_years"] == 1
    assert plan.objective == 10 + 10  # the main commute and the upward one, 10 km each
    assert "by mode" in plan.summary()
    assert "upward_study 1" in plan.summary()
    assert_valid(problem, pol, plan)
    # tampered: the teacher who did not apply goes up instead
    bad = with_moves(plan, {"Y1": None, "Y2": ("U1", "upward_study")})
    assert ("modes", "mode=upward_study,teacher=Y2") in violations(problem, pol, bad)
    assert ("modes", "mode=upward_study,teachers") in violations(problem, pol, bad.assign(
        moves=bad["moves"] & (bad["teacher_id"] != "Y2")))


def test_a_mode_the_policy_does_not_plan_is_rejected():
    problem, pol = updown_problem(), policy({"upward_study": UP})
    plan = solve(problem, pol)
    bad = with_moves(plan, {"Y1": ("U1", "paired")})
    assert ("modes", "teacher=Y1") in violations(problem, pol, bad)


def test_fixed_count_larger_than_the_pool_names_mode_and_count():
    pol = policy({"upward_study": {**UP, "teachers": 3}})
    with pytest.raises(PolicyError, match=r"\[modes.upward_study\]: teachers asks for 3 but only 1 teachers"):
        solve(updown_problem(), pol)


def test_unknown_selector_value_and_bad_counts_are_one_message():
    with pytest.raises(PolicyError, match=r"\[modes.upward_study\].*unknown 'rurral'"):
        policy({"upward_study": {**UP, "from": {"category": ["rurral"]}}})
    with pytest.raises(PolicyError, match=r"counts cannot add up: at least 5 but max = 2"):
        policy({"upward_study": {**UP, "teachers": 5, "max": 2}})
    with pytest.raises(PolicyError, match="diversion is recorded, not planned"):
        policy({"diversion": {"enforced": True}})


PAIRED = {"enforced": True, "kind": "paired", "per_stage": 1, "relation": "stay", "term_years": 1,
          "eligibility": dict(OPEN)}
PAIR_SCHOOLS = [{"school_id": "A", "category": "urban", "x": 0.0, "pair_id": "B", "stage": "primary"},
                {"school_id": "B", "category": "rural", "x": 10.0, "pair_id": "A", "stage": "primary"}]


def paired_problem() -> tm.Problem:
    return make_problem(PAIR_SCHOOLS, [
        {"teacher_id": "PA1", "school_id": "A", "years_at_school": 2},
        {"teacher_id": "PA2", "school_id": "A", "subject": "music", "years_at_school": 2, "home_x": 9.0},
        {"teacher_id": "PB1", "school_id": "B", "years_at_school": 2},
    ])


def test_paired_exchange_equal_numbers_and_subjects_both_sides():
    problem, pol = paired_problem(), policy({"paired": PAIRED})
    plan = solve(problem, pol)
    assert plan.status == "OPTIMAL"
    # the music teacher lives nearer B, but B has no music post and no music teacher leaving
    assert moves(plan) == {"PA1": "B", "PA2": None, "PB1": "A"}
    assert plan.objective == 20
    assert_valid(problem, pol, plan)
    one_way = with_moves(plan, {"PB1": None})
    assert ("modes", "mode=paired,pair=A+B,equal") in violations(problem, pol, one_way)
    music = with_moves(plan, {"PA1": None, "PA2": ("B", "paired")})
    found = violations(problem, pol, music)
    assert ("modes", "school=B,subject=music") in found


def test_paired_soft_target_is_a_shortfall_said_first():
    problem = paired_problem()
    pol = policy({"paired": {**PAIRED, "per_stage": 2, "hard": False}})
    plan = solve(problem, pol)
    assert moves(plan) == {"PA1": "B", "PA2": None, "PB1": "A"}
    assert plan.summary().lstrip().startswith("SHORTFALL: modes")
    assert_valid(problem, pol, plan)
    # the policy-wide switch makes every mode's minima soft
    pol = policy({"paired": {**PAIRED, "per_stage": 2}}, rules={"mode_minimum_hard": False})
    plan = solve(problem, pol)
    assert moves(plan) == {"PA1": "B", "PA2": None, "PB1": "A"}
    assert "mode_minimum_hard = false" in plan.summary().splitlines()[0]
    assert_valid(problem, pol, plan)


def test_pair_id_without_its_partner_is_one_message():
    schools = [*PAIR_SCHOOLS, {"school_id": "C", "category": "rural", "x": 5.0, "pair_id": "B"}]
    problem = make_problem(schools, [{"teacher_id": "PA1", "school_id": "A"}])
    with pytest.raises(InputError, match="C pairs with B .pair_id. but B pairs with A"):
        solve(problem, policy({"paired": PAIRED}))


HEADS = {"enforced": True, "kind": "post", "roles": "leaders", "leaders": 1, "from": {"category": ["urban"]},
         "to": {"category": ["rural"]}, "term_years": 3, "relation": "stay", "paid_by": "sending",
         "eligibility": {**OPEN, "leader_roles": ["principal", "vice_principal"],
                         "leader_min_years_in_post": 2}}


def heads_problem() -> tm.Problem:
    return make_problem(TWO, [
        {"teacher_id": "P1", "school_id": "U1", "role": "principal", "years_in_post": 4, "home_x": 8.0},
        {"teacher_id": "V1", "school_id": "U1", "role": "vice_principal", "years_in_post": 4},
        {"teacher_id": "V2", "school_id": "U1", "role": "vice_principal", "years_in_post": 1},
        {"teacher_id": "P2", "school_id": "R1", "role": "principal", "years_in_post": 4},
    ])


def test_a_principal_leaves_only_with_a_replacement():
    problem, pol = heads_problem(), policy({"head_exchange": HEADS})
    plan = solve(problem, pol)
    # P1 lives nearer R1, but U1 would be left without a principal: the vice-principal goes
    assert moves(plan) == {"P1": None, "V1": "R1", "V2": None, "P2": None}
    assert plan.assignments.set_index("teacher_id").at["V1", "term_years"] == 3
    assert_valid(problem, pol, plan)
    bad = with_moves(plan, {"V1": None, "P1": ("R1", "head_exchange")})
    assert ("modes", "school=U1,head") in violations(problem, pol, bad)
    # a vice-principal with 1 year in post is not eligible (years in post ≥ 2)
    bad = with_moves(plan, {"V1": None, "V2": ("R1", "head_exchange")})
    assert ("modes", "mode=head_exchange,teacher=V2") in violations(problem, pol, bad)


def test_guazhi_keeps_the_home_post_and_the_team_cap_holds_both_ends():
    problem = heads_problem()
    pol = policy({"guazhi": {**HEADS, "keeps_home_post": True}})
    plan = solve(problem, pol)
    assert moves(plan) == {"P1": "R1", "V1": None, "V2": None, "P2": None}
    assert_valid(problem, pol, plan)
    capped = policy({"guazhi": {**HEADS, "keeps_home_post": True, "leaders": 2}},
                    rules={"max_leaders_received": 1})
    with pytest.raises(AssertionError):
        assert solve(problem, capped).status in ("OPTIMAL", "FEASIBLE")
    two = with_moves(plan, {"V1": ("R1", "guazhi")})
    assert ("modes", "school=R1,team_in") in violations(problem, capped, two)
    shared = policy({"guazhi": {**HEADS, "keeps_home_post": True, "leaders": 2}},
                    rules={"leadership_max_share": 0.34})
    assert ("modes", "school=U1,team_out") in violations(problem, shared, two)


def test_staffing_balance_counts_both_directions():
    problem = make_problem(TWO, [
        {"teacher_id": "D1", "school_id": "U1"},
        {"teacher_id": "Y1", "school_id": "R1", "years_at_school": 2},
    ], [("R1", "math", 1), ("U1", "math", 1)])
    up = {"enforced": True, "kind": "post", "from": {"category": ["rural"]}, "to": {"category": ["urban"]},
          "eligibility": dict(OPEN)}
    free = policy({"up_post": up})
    assert moves(solve(problem, free)) == {"D1": "R1", "Y1": None}
    pol = policy({"up_post": up}, rules={"max_net_loss_per_school": 0})
    plan = solve(problem, pol)
    assert moves(plan) == {"D1": "R1", "Y1": "U1"}
    assert_valid(problem, pol, plan)
    bad = with_moves(plan, {"Y1": None})
    assert ("modes", "school=U1,net") in violations(problem, pol, bad)


def test_short_study_has_no_staffing_effect():
    problem = make_problem(TWO, [
        {"teacher_id": "D1", "school_id": "U1"},
        {"teacher_id": "Y1", "school_id": "R1", "years_at_school": 2},
    ], [("R1", "math", 1)])
    month = {"enforced": True, "kind": "study", "from": {"category": ["rural"]},
             "to": {"category": ["urban"]}, "teachers": 1, "staffing": False, "term_years": 0.08333,
             "eligibility": dict(OPEN)}
    pol = policy({"guazhi_study": month}, rules={"max_net_loss_per_school": 0})
    plan = solve(problem, pol)
    # Y1's month away does not count for R1, and D1 then could not go (U1 would lose one): D1 stays
    assert moves(plan) == {"D1": None, "Y1": "U1"}
    assert_valid(problem, pol, plan)


def test_a_policy_without_planned_modes_builds_no_mode_variable():
    from teacher_match.model.build import build_model

    problem = updown_problem()
    ctx = build_model(problem, policy({"upward_study": {**UP, "enforced": False}}))
    assert ctx.mode_pairs is None
    assert ctx.mode_x == []
    assert "relation_moved" not in solve(problem, policy({})).assignments.columns


def test_per_group_counts():
    schools = [{"school_id": "U1", "category": "urban", "x": 0.0, "township": "A"},
               {"school_id": "U2", "category": "urban", "x": 20.0, "township": "B"},
               {"school_id": "R1", "category": "rural", "x": 10.0, "township": "C"}]
    problem = make_problem(schools, [
        {"teacher_id": "A1", "school_id": "U1", "home_x": 6.0},
        {"teacher_id": "A2", "school_id": "U1"},
        {"teacher_id": "B1", "school_id": "U2"},
    ])
    down = {"enforced": True, "kind": "study", "from": {"category": ["urban"]}, "to": {"category": ["rural"]},
            "group": "township", "per_group_min": 1, "per_group_max": 1, "eligibility": dict(OPEN)}
    pol = policy({"visit": down})
    plan = solve(problem, pol)
    assert moves(plan) == {"A1": "R1", "A2": None, "B1": "R1"}
    assert_valid(problem, pol, plan)
    both = with_moves(plan, {"A2": ("R1", "visit")})
    assert ("modes", "mode=visit,group=A,per_group") in violations(problem, pol, both)
    none_b = with_moves(plan, {"B1": None})
    assert ("modes", "mode=visit,group=B,per_group") in violations(problem, pol, none_b)
    with pytest.raises(PolicyError, match="group 'district' is not a column"):
        solve(problem, policy({"visit": {**down, "group": "district"}}))


def test_explain_a_move_in_a_planned_mode():
    problem, pol = updown_problem(), policy({"upward_study": UP})
    plan = solve(problem, pol)
    e = tm.explain(problem, pol, plan, "Y1", counterfactual=False)
    assert e.to_school_id == "U1"
    assert e.reason.startswith("moves in mode upward_study: goes to study (no post) for 1 years")
    assert "跟岗学习" in e.reason_zh
    d = tm.explain(problem, pol, plan, "D1", counterfactual=False)
    assert d.to_school_id == "R1"
    assert "fill its math need" in d.reason


# ------------------------------------------------------------- the main mode's term, relation and payer
MAIN_TERMS = {"enforced": True, "relation": "stay", "paid_by": "sending", "term_years": 1,
              "leader_term_years": 3, "term_min_years": 1, "term_max_years": 1, "leader_term_min_years": 3}


def terms_problem() -> tm.Problem:
    return make_problem(TWO, [
        {"teacher_id": "T1", "school_id": "U1"},
        {"teacher_id": "P1", "school_id": "U1", "role": "vice_principal", "years_in_post": 8,
     "subject": "music"},
    ], [("R1", "math", 1)])


def test_a_one_mode_policy_states_and_checks_its_term_relation_and_payer():
    """Without planned modes beside it, ``[modes.rotation]`` still gives each move its columns."""
    problem, pol = terms_problem(), policy({"rotation": MAIN_TERMS})
    plan = solve(problem, pol)
    assert plan.status == "OPTIMAL"
    a = plan.assignments.set_index("teacher_id")
    assert moves(plan)["T1"] == "R1"
    assert a.at["T1", "term_years"] == 1.0
    assert not a.at["T1", "relation_moved"]
    assert a.at["T1", "paid_by"] == "sending"
    assert_valid(problem, pol, plan)
    # a term outside the source's range (1 year for a teacher) is flagged, as is the column differing from
    # the mode's
    bad = plan.assignments.copy()
    bad.loc[bad["teacher_id"] == "T1", "term_years"] = 2.0
    assert violations(problem, pol, bad) >= {("modes", "teacher=T1,term_range"),
                                             ("modes", "teacher=T1,terms")}
    bad = plan.assignments.copy()
    bad.loc[bad["teacher_id"] == "T1", "paid_by"] = "receiving"
    assert violations(problem, pol, bad) == {("modes", "teacher=T1,terms")}


def test_a_leader_term_is_checked_against_the_leaders_range():
    problem = terms_problem()
    pol = policy({"rotation": {**MAIN_TERMS, "leader_term_years": 3}})
    plan = solve(problem, pol)
    a = plan.assignments.copy()
    a.loc[a["teacher_id"] == "P1", ["to_school_id", "mode", "moves", "term_years", "relation_moved",
                                    "paid_by"]] = ["R1", "rotation", True, 2.0, False, "sending"]
    # P1 is placed by hand: among what the checker says, a leader's 2-year term is below the 3 years (CD-FL7)
    assert ("modes", "teacher=P1,term_range") in violations(problem, pol, a)
    a.loc[a["teacher_id"] == "P1", "term_years"] = 3.0
    assert ("modes", "teacher=P1,term_range") not in violations(problem, pol, a)


@pytest.mark.parametrize(("spec", "message"), [
    ({"term_years": 4, "term_min_years": 1, "term_max_years": 3}, "teacher term 4 years lies outside"),
    ({"term_years": 1, "leader_term_min_years": 3}, "leader term 1 years lies outside"),
    ({"term_min_years": 1}, "give term_years"),
    ({"term_years": 2, "term_min_years": 3, "term_max_years": 1}, "term_min_years 3 > term_max_years 1"),
])
def test_a_term_outside_its_range_is_refused_on_load(spec, message):
    with pytest.raises(PolicyError, match=message):
        policy({"rotation": {"enforced": True, **spec}})


def test_within_group_keeps_a_central_schools_moves_inside_its_district():
    """Xiamen XM-ST1: a central school re-assigns its 学区's teachers among its own schools, by need."""
    schools = [{"school_id": "A1", "category": "rural", "x": 0.0, "township": "A"},
               {"school_id": "A2", "category": "rural", "x": 20.0, "township": "A"},
               {"school_id": "B1", "category": "rural", "x": 2.0, "township": "B"}]
    central = {"enforced": True, "kind": "post", "group": "township", "within_group": True,
               "from": {}, "to": {}, "relation": "stay", "term_years": 1,
               "eligibility": {**OPEN, "min_teaching_years": 3}}
    problem = make_problem(schools, [
        {"teacher_id": "C1", "school_id": "A1", "years_at_school": 1, "teaching_years": 5},
        {"teacher_id": "N1", "school_id": "A1", "years_at_school": 1, "teaching_years": 2},
    ], [("A2", "math", 1), ("B1", "math", 1)])
    pol = policy({"central_school": central})
    # a need filled in the mode is worth 50 km (its arrivals do not count in unmet_need)
    pol = pol.with_(mode_moved=-50)
    plan = solve(problem, pol)
    assert plan.status == "OPTIMAL"
    assert plan.objective == 2 * 1000 + 20 - 50  # both needs count unmet in the main flow
    # C1 fills A2's need, 20 km away in its own township; B1 (2 km, another township) is not open to it;
    # N1 has taught under 3 years (XM-EX1) and stays
    assert moves(plan) == {"C1": "A2", "N1": None}
    assert plan.assignments.set_index("teacher_id").at["C1", "mode"] == "central_school"
    assert_valid(problem, pol, plan)
    found = violations(problem, pol, with_moves(plan, {"C1": ("B1", "central_school")}))
    assert found == {("modes", "mode=central_school,teacher=C1")}
    with pytest.raises(PolicyError, match="within_group needs group"):
        policy({"central_school": {k: v for k, v in central.items() if k != "group"}})
