"""pairing: with to_pair_only a teacher goes only to the counterpart school (pair_id) of their own school."""

from __future__ import annotations

from helpers import assert_valid, crafted, make_policy, make_problem, moves, solve, violations

import teacher_match as tm

# U1's counterpart R1 is 30 km away; the unpaired rural school R2 is 2 km away; U2 has no counterpart
SCHOOLS = [{"school_id": "U1", "category": "urban", "x": 0.0, "pair_id": "R1"},
           {"school_id": "U2", "category": "urban", "x": 4.0},
           {"school_id": "R1", "category": "rural", "x": 30.0},
           {"school_id": "R2", "category": "rural", "x": 2.0}]
NEEDS = [("R1", "math", 1), ("R2", "math", 1)]


def test_pairing_sends_only_to_the_counterpart():
    schools = [{"school_id": "U1", "x": 0.0, "pair_id": "R1"},
               {"school_id": "R1", "category": "rural", "x": 30.0},
               {"school_id": "R2", "category": "rural", "x": 2.0}]
    p = make_problem(schools, [{"teacher_id": "T", "school_id": "U1"}],
                     [("R1", "math", 1), ("R2", "math", 1)])
    pol = make_policy(flows={"to_pair_only": True})
    plan = solve(p, pol)
    assert_valid(p, pol, plan)
    assert moves(plan)["T"] == "R1"
    assert ("pairing", "teacher=T") in violations(p, pol, crafted(p, pol, {"T": "R2"}))


def test_pairing_off_sends_to_the_nearest_need():
    problem = make_problem(SCHOOLS, [{"teacher_id": "T", "school_id": "U1"}], NEEDS)
    policy = make_policy()
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"T": "R2"}
    assert plan.objective == 1000 + 2
    assert_valid(problem, policy, plan)


def test_pairing_binds_and_changes_the_plan():
    problem = make_problem(SCHOOLS, [{"teacher_id": "T", "school_id": "U1"}], NEEDS)
    policy = make_policy(flows={"to_pair_only": True})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    # the far counterpart instead of the near unpaired school
    assert moves(plan) == {"T": "R1"}
    assert plan.objective == 1000 + 30
    assert_valid(problem, policy, plan)


def test_a_school_without_a_counterpart_sends_nobody():
    # S teaches chinese at U2, which has no counterpart; R2, 2 km from U2, needs a chinese teacher
    teachers = [{"teacher_id": "T", "school_id": "U1"},
                {"teacher_id": "S", "school_id": "U2", "subject": "chinese"}]
    problem = make_problem(SCHOOLS, teachers, NEEDS + [("R2", "chinese", 1)])
    off = make_policy()
    plan = solve(problem, off)
    assert moves(plan) == {"T": "R2", "S": "R2"}
    assert plan.objective == 1000 + 2 + 2
    assert_valid(problem, off, plan)
    policy = make_policy(flows={"to_pair_only": True})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"T": "R1", "S": None}
    assert plan.objective == 2 * 1000 + 30
    assert_valid(problem, policy, plan)


def test_checker_reports_a_teacher_sent_past_the_counterpart():
    problem = make_problem(SCHOOLS, [{"teacher_id": "T", "school_id": "U1"}], NEEDS)
    policy = make_policy(flows={"to_pair_only": True})
    plan = solve(problem, policy)
    assert violations(problem, policy, plan.assignments) == set()
    # the solved plan edited by hand: T to the near school R2, which is not U1's counterpart
    bad = plan.assignments.set_index("teacher_id")
    bad.loc["T", ["to_school_id", "commute_km"]] = ["R2", 2.0]
    bad = bad.reset_index()
    assert violations(problem, policy, bad) == {("pairing", "teacher=T")}
    # the same plan breaks no rule when teachers may go to any school
    assert tm.check(problem, make_policy(), bad).empty


def test_checker_reports_a_teacher_sent_from_a_school_without_a_counterpart():
    teachers = [{"teacher_id": "T", "school_id": "U1"}, {"teacher_id": "S", "school_id": "U2"}]
    problem = make_problem(SCHOOLS, teachers, NEEDS)
    policy = make_policy(flows={"to_pair_only": True})
    plan = solve(problem, policy)
    assert moves(plan) == {"T": "R1", "S": None}
    bad = plan.assignments.set_index("teacher_id")
    bad.loc["S", ["to_school_id", "moves", "commute_km"]] = ["R2", True, 2.0]
    bad = bad.reset_index()
    assert violations(problem, policy, bad) == {("pairing", "teacher=S")}


def test_pair_only_when_paired_binds_a_paired_school_and_frees_the_others():
    """Shuanggou SG-FL3: district-level persons go to their corresponding school, the others anywhere."""
    problem = make_problem(SCHOOLS, [{"teacher_id": "T", "school_id": "U1"},
                                     {"teacher_id": "V", "school_id": "U2"}], NEEDS)
    policy = make_policy(flows={"pair_only_when_paired": True})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    # T (U1, paired with R1) goes the 30 km to R1; V (U2, no counterpart) to the nearby R2, 2 km away
    assert moves(plan) == {"T": "R1", "V": "R2"}
    assert plan.objective == 30 + 2
    assert_valid(problem, policy, plan)
    # the paired school's teacher at the nearer school is refused; the unpaired one may go to either
    assert violations(problem, policy, crafted(problem, policy, {"T": "R2", "V": "R1"})) == {
        ("pairing", "teacher=T")}
