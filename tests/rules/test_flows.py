"""flows: only movable teachers of sending schools go, only to other, receiving schools."""

from __future__ import annotations

from helpers import assert_valid, crafted, make_policy, make_problem, moves, reason, solve, violations

# U1 urban at 0 km, U2 urban at 20 km, R1 rural at 10 km, R2 rural at 30 km (all on one line)
SCHOOLS = [
    {"school_id": "U1", "category": "urban", "x": 0.0},
    {"school_id": "U2", "category": "urban", "x": 20.0},
    {"school_id": "R1", "category": "rural", "x": 10.0},
    {"school_id": "R2", "category": "rural", "x": 30.0},
]


def test_urban_sends_rural_does_not():
    # A (urban) fills the nearer rural need; B sits at a rural school, which does not send
    problem = make_problem(SCHOOLS, [{"teacher_id": "A", "school_id": "U1"},
                                     {"teacher_id": "B", "school_id": "R1"}],
                           [("R1", "math", 1), ("R2", "math", 1)])
    policy = make_policy()
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": "R1", "B": None}
    assert plan.objective == 1000 + 10  # R2 unfilled, A commutes 10 km
    assert "R1 is not a sending school" in reason(plan, "B")
    assert reason(plan, "B").startswith("mandatory:")
    assert "rotates to R1" in reason(plan, "A")
    assert_valid(problem, policy, plan)


def test_any_school_sends_when_from_is_empty():
    # the same roster with every school sending: B now fills R2 (20 km) and nothing is left unfilled
    problem = make_problem(SCHOOLS, [{"teacher_id": "A", "school_id": "U1"},
                                     {"teacher_id": "B", "school_id": "R1"}],
                           [("R1", "math", 1), ("R2", "math", 1)])
    policy = make_policy(flows={"from": {}})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": "R1", "B": "R2"}
    assert plan.objective == 10 + 20
    assert_valid(problem, policy, plan)


def test_urban_school_does_not_receive():
    problem = make_problem(SCHOOLS, [{"teacher_id": "A", "school_id": "U1"}], [("U2", "math", 1)])
    policy = make_policy()
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": None}
    assert plan.objective == 1000
    assert "no receiving school (rural or village) needs math" in reason(plan, "A")
    assert_valid(problem, policy, plan)

    policy = make_policy(flows={"to": {}})
    plan = solve(problem, policy)
    assert moves(plan) == {"A": "U2"}
    assert plan.objective == 20
    assert_valid(problem, policy, plan)


def test_selector_matches_any_listed_attribute():
    # "urban or strong schools send to rural or weak schools":
    # a strong rural school sends, a weak urban one receives
    schools = [
        {"school_id": "S", "category": "rural", "strength": "strong", "x": 0.0},
        {"school_id": "W", "category": "urban", "strength": "weak", "x": 5.0},
        {"school_id": "N", "category": "town", "strength": "normal", "x": 1.0},
    ]
    problem = make_problem(schools, [{"teacher_id": "A", "school_id": "S"}],
                           [("W", "math", 1), ("N", "math", 1)])
    policy = make_policy(flows={"from": {"category": ["urban"], "strength": ["strong"]},
                                "to": {"category": ["rural"], "strength": ["weak"]}})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    # N (town, normal) is nearer but is not a receiving school
    assert moves(plan) == {"A": "W"}
    assert plan.objective == 1000 + 5
    assert_valid(problem, policy, plan)


def test_only_mandatory_and_eligible_teachers_move():
    teachers = [
        {"teacher_id": "A", "school_id": "U1"},
        {"teacher_id": "C", "school_id": "U1", "years_at_school": 2},
        {"teacher_id": "D", "school_id": "U1", "pregnant_or_nursing": True},
        {"teacher_id": "V", "school_id": "U1", "years_at_school": 2, "volunteer": True},
    ]
    problem = make_problem(SCHOOLS, teachers, [("R1", "math", 3)])
    policy = make_policy(eligibility={"exempt": ["pregnant_or_nursing"]})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": "R1", "C": None, "D": None, "V": "R1"}
    assert plan.objective == 1000 + 10 + 10 + 50  # one post unfilled, V is only eligible
    assert reason(plan, "C").startswith("ineligible: 2 years at school < 6")
    assert reason(plan, "D").startswith("exempt: pregnant_or_nursing")
    assert reason(plan, "V").startswith("eligible: volunteer")
    assert_valid(problem, policy, plan)


def test_a_school_never_fills_its_own_need():
    schools = [{"school_id": "T", "category": "town", "x": 0.0}, {"school_id": "U1", "x": 50.0}]
    problem = make_problem(schools, [{"teacher_id": "A", "school_id": "T"}], [("T", "math", 1)])
    policy = make_policy(flows={"from": {}, "to": {}})
    plan = solve(problem, policy)
    assert plan.status == "OPTIMAL"
    assert moves(plan) == {"A": None}
    assert plan.objective == 1000
    assert "no receiving school (any) needs math" in reason(plan, "A")
    assert_valid(problem, policy, plan)


def test_direction_makes_a_hard_minimum_infeasible():
    # U1 must rotate its mandatory teacher, but the only need is at a school that does not receive
    problem = make_problem(SCHOOLS, [{"teacher_id": "A", "school_id": "U1"}], [("U2", "math", 1)])
    policy = make_policy(rules={"min_share_of_eligible": 1.0, "min_rotation_hard": True})
    plan = solve(problem, policy)
    assert plan.status == "INFEASIBLE"
    assert moves(plan) == {"A": None}
    assert "no plan" in reason(plan, "A")
    assert_valid(problem, policy, plan)


def test_checker_reports_each_wrong_direction():
    teachers = [
        {"teacher_id": "A", "school_id": "U1"},
        {"teacher_id": "B", "school_id": "R1"},
        {"teacher_id": "C", "school_id": "U1", "years_at_school": 2},
        {"teacher_id": "E", "school_id": "U1"},
    ]
    needs = [("R1", "math", 2), ("R2", "math", 2), ("U2", "math", 1)]
    problem = make_problem(SCHOOLS, teachers, needs)
    policy = make_policy()
    assert violations(problem, policy, crafted(problem, policy, {"A": "R1", "E": "R2"})) == set()
    # a rural (non-sending) school sends
    assert violations(problem, policy, crafted(problem, policy, {"B": "R2"})) == {("flows", "teacher=B")}
    # an urban (non-receiving) school receives
    assert violations(problem, policy, crafted(problem, policy, {"A": "U2"})) == {("flows", "teacher=A")}
    # an ineligible teacher moves
    assert violations(problem, policy, crafted(problem, policy, {"C": "R1"})) == {("flows", "teacher=C")}
    # a school that does not exist
    bad = crafted(problem, policy, {"A": "R1"})
    bad.loc[bad["teacher_id"] == "A", "to_school_id"] = "NOWHERE"
    found = violations(problem, policy, bad)
    assert ("flows", "teacher=A") in found
