"""post_exchange: a school receives its need plus what it sends; one without surplus is not left short."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import (
    assert_valid,
    breakdown,
    crafted,
    make_policy,
    make_problem,
    moves,
    reason,
    solve,
    violations,
)

import teacher_match as tm
from teacher_match.model.build import build_model, candidate_pairs, prune_data
from teacher_match.rule_sentences import describe_entry
from teacher_match.rules import RULES, post_exchange
from teacher_match.rules.contract import Facts, Usage

# two urban schools 5 km apart (and a third 10 km from U1), every school sends and receives (Dongcheng)
SCHOOLS = [{"school_id": "U1", "x": 0.0}, {"school_id": "U2", "x": 5.0}, {"school_id": "U3", "x": 10.0}]
EVERYWHERE = {"from": {}, "to": {}}
#: every mandatory teacher should rotate (soft: 500 per teacher short)
ALL_ROTATE = {"min_share_of_eligible": 1.0, "min_rotation_hard": False}


def policy(on: bool, by_subject: bool = True, **rules) -> tm.Policy:
    """District-wide flows, every mandatory teacher should rotate, the exchange of posts on or off."""
    return make_policy(flows=EVERYWHERE, rules={**ALL_ROTATE, "post_exchange": on,
                                                "post_exchange_by_subject": by_subject, **rules})


def test_two_schools_without_needs_swap_posts():
    problem = make_problem(SCHOOLS[:2], [{"teacher_id": "A", "school_id": "U1"},
                                         {"teacher_id": "B", "school_id": "U2"}])
    off = policy(False)
    plan = solve(problem, off)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": None, "B": None}
    assert plan.objective == 2 * 500
    assert_valid(problem, off, plan)

    on = policy(True)
    plan = solve(problem, on)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": "U2", "B": "U1"}
    assert plan.objective == 5 + 5
    assert "to take a math post it opens by sending its own teachers" in reason(plan, "A")
    assert plan.schools.set_index("school_id")["exchange_posts"].to_dict() == {"U1": 1, "U2": 1}
    assert_valid(problem, on, plan)


def test_a_hard_minimum_needs_the_exchange():
    problem = make_problem(SCHOOLS[:2], [{"teacher_id": "A", "school_id": "U1"},
                                         {"teacher_id": "B", "school_id": "U2"}])
    assert solve(problem, policy(False, min_rotation_hard=True)).status == "INFEASIBLE"
    hard = policy(True, min_rotation_hard=True)
    plan = solve(problem, hard)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": "U2", "B": "U1"}
    assert_valid(problem, hard, plan)


def test_by_subject_a_math_teacher_does_not_take_a_music_post():
    problem = make_problem(SCHOOLS[:2], [{"teacher_id": "A", "school_id": "U1"},
                                         {"teacher_id": "M", "school_id": "U2", "subject": "music"}])
    balanced = policy(True)
    plan = solve(problem, balanced)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": None, "M": None}
    assert plan.objective == 2 * 500
    # nobody of their subject can leave the other school: no post opens, no candidate at all
    assert "no receiving school (any) needs math or opens a post of it by sending" in reason(plan, "A")
    assert_valid(problem, balanced, plan)
    # a hand-made swap over-fills both schools' subjects
    swap = crafted(problem, balanced, {"A": "U2", "M": "U1"})
    assert violations(problem, balanced, swap) == {("post_exchange", "school=U2,subject=math"),
                                                   ("post_exchange", "school=U1,subject=music")}

    mixed = policy(True, by_subject=False)
    plan = solve(problem, mixed)
    assert moves(plan) == {"A": "U2", "M": "U1"}
    assert plan.objective == 10
    assert_valid(problem, mixed, plan)
    assert violations(problem, mixed, swap) == set()


# U1 has three mandatory math teachers, U2 one and a declared need of one math teacher
NEED_PLUS_SENT = ([{"teacher_id": t, "school_id": "U1"} for t in "ABC"]
                  + [{"teacher_id": "D", "school_id": "U2"}])


def test_a_school_receives_its_need_plus_what_it_sends_and_no_more():
    problem = make_problem(SCHOOLS[:2], NEED_PLUS_SENT, [("U2", "math", 1)])
    on = policy(True)
    plan = solve(problem, on)
    assert plan.status == "OPTIMAL"
    # U2 receives 2 = need 1 + D sent; U1 receives D (no need, sends 2); C has no post left
    assert moves(plan) == {"A": "U2", "B": "U2", "C": None, "D": "U1"}
    assert plan.objective == 500 + 3 * 5
    assert breakdown(plan)["unmet_need"] == 0
    assert "every post within reach is taken" in reason(plan, "C")
    assert plan.needs[["school_id", "count", "filled", "unmet"]].values.tolist() == [["U2", 1, 1, 0]]
    assert plan.schools.set_index("school_id")["exchange_posts"].to_dict() == {"U1": 1, "U2": 1}
    assert_valid(problem, on, plan)

    off = policy(False)
    plan = solve(problem, off)
    assert moves(plan) == {"A": "U2", "B": None, "C": None, "D": None}
    assert plan.objective == 3 * 500 + 5
    assert_valid(problem, off, plan)


def test_the_checker_reports_an_over_filled_school():
    problem = make_problem(SCHOOLS[:2], NEED_PLUS_SENT, [("U2", "math", 1)])
    on = policy(True)
    over = crafted(problem, on, {"A": "U2", "B": "U2", "C": "U2", "D": "U1"})
    found = tm.check(problem, on, over)
    assert set(zip(found["rule"], found["key"], strict=True)) == {("post_exchange", "school=U2,subject=math")}
    assert found["message"].tolist() == [
        "U2 receives 3 math teachers, more than its need of 1 plus the 1 it sends"]
    # the same plan without the exchange: subject_needs' own cap is the one broken
    assert ("subject_needs", "school=U2,subject=math") in violations(problem, policy(False), over)


def test_a_school_that_declares_a_shortage_is_not_left_short():
    # U2 is short of math, and its math teacher B could fill U3's math need
    teachers = [{"teacher_id": "B", "school_id": "U2"}]
    problem = make_problem(SCHOOLS, teachers, [("U2", "math", 1), ("U3", "math", 1)])
    off = policy(False)
    plan = solve(problem, off)
    assert moves(plan) == {"B": "U3"}
    assert_valid(problem, off, plan)

    on = policy(True)
    plan = solve(problem, on)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"B": None}
    assert plan.objective == 500 + 1000 + 1000
    assert reason(plan, "B").endswith(
        "stays — U2 declares no surplus and receives no more math teachers, so it sends no more "
        "(it is not left short)")
    assert_valid(problem, on, plan)
    assert violations(problem, on, crafted(problem, on, {"B": "U3"})) == {
        ("post_exchange", "school=U2,subject=math,short")}

    # short of music only: its math teachers may still go
    problem = make_problem(SCHOOLS, teachers, [("U2", "music", 1), ("U3", "math", 1)])
    plan = solve(problem, on)
    assert moves(plan) == {"B": "U3"}
    assert_valid(problem, on, plan)

    # a roster that says U2 is overstaffed (超编) lets it send; one that says U2 is not keeps every subject
    for flag, expected in ((True, "U3"), (False, None)):
        schools = [{**s, "overstaffed": flag if s["school_id"] == "U2" else True} for s in SCHOOLS]
        problem = make_problem(schools, teachers, [("U2", "music", 1), ("U3", "math", 1)])
        plan = solve(problem, on)
        assert moves(plan) == {"B": expected}
        assert_valid(problem, on, plan)


def test_words_of_every_instance():
    problem = make_problem(SCHOOLS[:2], NEED_PLUS_SENT, [("U2", "math", 1)])
    on = policy(True)
    ctx = build_model(problem, on)
    facts = Facts(ctx)
    said = {e.key: describe_entry(ctx, e, facts=facts) for e in ctx.ledger if e.rule == "post_exchange"}
    assert said == {
        "school=U1,subject=math": (
            "U1 receives at most its need of 0 math teachers plus the math teachers it sends "
            "(up to 3 can leave it; 1 can reach it)",
            "U1 接收数学教师不超过缺编 0 名加上本校派出的人数（可派出 3 名，可到该校的 1 名）"),
        "school=U2,subject=math": (
            "U2 receives at most its need of 1 math teacher plus the math teachers it sends "
            "(up to 1 can leave it; 3 can reach it)",
            "U2 接收数学教师不超过缺编 1 名加上本校派出的人数（可派出 1 名，可到该校的 3 名）"),
        "school=U2,subject=math,short": (
            "U2 declares no surplus, so it sends no more math teachers than it receives "
            "(it is not left short)",
            "U2 无超编，派出数学教师不多于接收（不因交流缺编）"),
    }
    # with a plan's use of them
    dest = np.array([1, 1, -1, 0])
    used = {e.key: describe_entry(ctx, e, usage=Usage(dest), facts=facts)[0] for e in ctx.ledger
            if e.rule == "post_exchange"}
    assert used["school=U2,subject=math"] == (
        "U2 receives at most its need of 1 math teacher plus the 1 it sends, and receives 2")
    assert used["school=U2,subject=math,short"].endswith("the plan sends 1 and it receives 2")
    # the need itself, priced only where it is left unfilled
    unfilled = [describe_entry(ctx, e, facts=facts) for e in ctx.ledger if e.rule == "subject_needs"]
    assert unfilled == [("U2 declared a need for 1 math teacher; each post left unfilled costs",
                         "U2 申报数学需求 1 人，每个未补足的岗位计入代价")]


def test_off_by_default_and_no_words_or_columns():
    rule = tm.load_policy("default").rule("post_exchange")
    assert (rule.post_exchange, rule.post_exchange_by_subject) == (False, True)
    problem = make_problem(SCHOOLS[:2], NEED_PLUS_SENT, [("U2", "math", 1)])
    plan = solve(problem, policy(False))
    assert "exchange_posts" not in plan.schools.columns
    assert not [e for e in build_model(problem, policy(False)).ledger if e.rule == "post_exchange"]


def test_opened_posts_need_a_teacher_who_can_leave():
    # U3's only math teacher lives 50 km from everything: with a 20 km cap U3 sends nobody, so opens no post
    teachers = [{"teacher_id": "A", "school_id": "U1"}, {"teacher_id": "B", "school_id": "U2"},
                {"teacher_id": "C", "school_id": "U3", "home_x": 60.0}]
    problem = make_problem(SCHOOLS, teachers)
    on = policy(True)
    capped = on.with_(max_commute_km=20)
    ctx = build_model(problem, capped)
    got = sorted((ctx.teachers["teacher_id"].iat[t], ctx.school_id(s)) for t, s in
                 zip(ctx.teacher_pairs["t"], ctx.teacher_pairs["s"], strict=True))
    assert got == [("A", "U2"), ("B", "U1")]
    # the posts before the pruning: every school with a movable math teacher opens one per teacher
    data = prune_data(problem, capped)
    posts = post_exchange.posts(problem, ctx.teachers["status"].to_numpy(), data.sending, data.receiving,
                                capped.rule("post_exchange"))
    assert posts.values.tolist() == [["U1", "math", 1], ["U2", "math", 1], ["U3", "math", 1]]


@pytest.fixture(scope="module")
def county():
    return tm.make_county(300, seed=1)


def test_aggregation_and_flows_keep_the_optimum(county):
    """Aggregated classes, destination flows, implied inequalities: the optimum of one Boolean each."""
    pol = tm.load_policy("default").with_(**{"from": {}, "to": {}}, max_commute_km=15, post_exchange=True,
                                           min_share_of_eligible=0.3)
    a = tm.solve(county, pol, time_limit=60, aggregate=True)
    b = tm.solve(county, pol, time_limit=60, aggregate=False)
    assert a.status == b.status == "OPTIMAL"
    assert a.objective == b.objective
    for plan in (a, b):
        found = tm.check(county, pol, plan)
        assert found.empty, found.to_string()
    # the exchange is used: some school receives beyond its needs
    assert int(a.schools["exchange_posts"].sum()) > 0


def test_off_the_model_is_today_s():
    """Rule off (the default policy): the pairs and the model of a 3,000-teacher county as before."""
    problem = tm.make_county(3000, seed=7)
    pol = tm.load_policy("default")
    for aggregate, n_vars, n_cons in ((False, 12419, 1025), (True, 7733, 767)):
        ctx = build_model(problem, pol, aggregate=aggregate)
        assert len(ctx.teacher_pairs) == 12378
        assert (len(ctx.model.proto.variables), len(ctx.model.proto.constraints)) == (n_vars, n_cons)
    elig = tm.eligibility(problem, pol)
    data = prune_data(problem, pol)
    prunes = [lambda p, m=m: m.prune(p, rule=pol.rule(m.RULE_ID), data=data) for m in RULES
              if m.prune is not None]
    reach = pol.rule("commute").max_commute_km
    pd.testing.assert_frame_equal(candidate_pairs(problem, elig, prunes, within=reach),
                                  candidate_pairs(problem, elig, prunes, within=reach, posts=problem.needs))


def test_not_by_subject_each_need_stays_a_need_of_its_subject():
    # U2 needs a math and a music teacher and sends nobody: a second math teacher cannot take the music post
    teachers = [{"teacher_id": "A", "school_id": "U1"}, {"teacher_id": "B", "school_id": "U1"}]
    problem = make_problem(SCHOOLS[:2], teachers, [("U2", "math", 1), ("U2", "music", 1)])
    mixed = policy(True, by_subject=False)
    plan = solve(problem, mixed)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": "U2", "B": None}
    assert plan.objective == 500 + 1000 + 5
    assert_valid(problem, mixed, plan)
    both = crafted(problem, mixed, {"A": "U2", "B": "U2"})
    found = tm.check(problem, mixed, both)
    assert found[["rule", "key", "message"]].values.tolist() == [
        ["post_exchange", "school=U2", "U2 receives 1 teachers beyond its needs, more than the 0 it sends"]]


def test_words_not_by_subject():
    teachers = [{"teacher_id": "A", "school_id": "U1"},
                {"teacher_id": "M", "school_id": "U2", "subject": "music"}]
    problem = make_problem(SCHOOLS[:2], teachers, [("U2", "math", 1)])
    ctx = build_model(problem, policy(True, by_subject=False))
    facts = Facts(ctx)
    said = {e.key: describe_entry(ctx, e, facts=facts)[0] for e in ctx.ledger if e.rule == "post_exchange"}
    assert said == {
        "school=U1,subject=music,beyond": "U1 receives at most its need of 0 music teachers plus posts it "
                                          "opens by sending teachers of any subject",
        "school=U1": "U1 receives beyond its declared needs at most as many teachers as it sends (posts of "
                     "any subject)",
        "school=U2,short": "U2 declares no surplus, so it sends no more teachers than it receives (it is not "
                           "left short)",
    }
