"""Fuzz the public functions the command fuzz does not reach, with generated arguments and tiny inputs.

Each call ends with a checked result (a plan the checker passes, a diagnosis, a model) or a documented error
(:class:`teacher_match.TeacherMatchError`) — never another exception. Bounded and derandomized for CI.
"""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import teacher_match as tm
from teacher_match import cli

FUZZ = settings(deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])

ODD_NUMBERS = st.one_of(st.integers(-3, 5), st.floats(allow_nan=True, allow_infinity=True, width=32),
                        st.sampled_from([0.5, 1.0, 2**31, -(2**31)]), st.text(max_size=3), st.none(),
                        st.booleans())


@settings(FUZZ, max_examples=40)
@given(n=st.sampled_from([20, 21, 60]), time_limit=ODD_NUMBERS, workers=ODD_NUMBERS, seed=ODD_NUMBERS)
def test_fuzz_solve_arguments(n, time_limit, workers, seed):
    problem, policy = tm.make_county(n, seed=1), tm.load_policy("default")
    # a time limit the fuzz picks as tiny would only test the search's speed: keep the real ones short
    real = isinstance(time_limit, int | float) and not isinstance(time_limit, bool)
    if real and math.isfinite(time_limit) and time_limit > 2:
        time_limit = 2
    try:
        plan = tm.solve(problem, policy, time_limit=time_limit, workers=workers, seed=seed)
    except tm.TeacherMatchError:
        return
    assert plan.status in ("OPTIMAL", "FEASIBLE", "UNKNOWN")
    if plan.status != "UNKNOWN":
        assert tm.check(problem, policy, plan).empty


@settings(FUZZ, max_examples=25)
@given(data=st.data())
def test_fuzz_model_diagnosis_and_objective(data):
    problem = tm.make_county(data.draw(st.sampled_from([20, 40])), seed=2)
    changes = data.draw(st.dictionaries(
        st.sampled_from(["min_share_of_eligible", "max_commute_km", "backbone_min_share",
                         "max_sent_per_school", "min_rotated_total", "outflow_max_share"]),
        st.one_of(st.floats(0, 1.5), st.integers(0, 50)), max_size=3))
    weights = data.draw(st.dictionaries(st.sampled_from(["unmet_need", "commute_km", "moved", "nonsense"]),
                                        ODD_NUMBERS, max_size=2))
    try:
        policy = tm.load_policy("default").with_(**changes)
        objective = tm.Objective(**weights)
    except tm.TeacherMatchError:
        return
    try:
        ctx = tm.build_model(problem, policy, aggregate=data.draw(st.booleans()))
        assert len(ctx.x) == len(ctx.model_pairs)
        plan = tm.solve(problem, policy, objective, time_limit=2)
        d = tm.diagnose(problem, policy, time_limit=data.draw(st.sampled_from([0.5, 2.0])),
                        max_conflicts=data.draw(st.integers(1, 3)))
    except tm.TeacherMatchError:
        return
    if plan.status in ("OPTIMAL", "FEASIBLE"):
        assert tm.check(problem, policy, plan).empty
        assert d.conflicts.empty  # a problem with a plan has nothing to diagnose
    assert list(d.conflicts.columns)[:3] == ["conflict", "rule", "key"]


CELLS = st.one_of(st.integers(-5, 80), st.floats(allow_nan=True, allow_infinity=True, width=32),
                  st.text(max_size=4), st.none())


@settings(FUZZ, max_examples=40)
@given(data=st.data())
def test_fuzz_problem_from_frames(data):
    n = data.draw(st.integers(0, 4))
    teachers = pd.DataFrame({
        "teacher_id": [f"T{i}" for i in range(n)],
        "school_id": data.draw(st.lists(st.sampled_from(["U1", "R1", "X9", ""]), min_size=n, max_size=n)),
        "subject": data.draw(st.lists(st.sampled_from(["math", "初中数学", "music", "??", ""]), min_size=n,
                                      max_size=n)),
        "gender": data.draw(st.lists(st.sampled_from(["F", "M", "女", "x"]), min_size=n, max_size=n)),
        "age": data.draw(st.lists(CELLS, min_size=n, max_size=n)),
        "years_at_school": data.draw(st.lists(CELLS, min_size=n, max_size=n)),
    })
    schools = pd.DataFrame({"school_id": ["U1", "R1"], "category": ["urban", "rural"],
                            "x": [0.0, data.draw(CELLS)], "y": 0.0})
    needs = pd.DataFrame({"school_id": ["R1"], "subject": [data.draw(st.sampled_from(["math", "art", "??"]))],
                          "count": [data.draw(CELLS)]})
    try:
        problem = tm.Problem.from_frames(teachers, schools, needs)
        policy = tm.load_policy("default")
        plan = tm.solve(problem, policy, time_limit=2)
    except tm.TeacherMatchError:
        return
    assert len(plan.assignments) == n  # every teacher exactly once
    assert tm.check(problem, policy, plan).empty


@settings(FUZZ, max_examples=12)
@given(years=st.sampled_from(["1", "2", "0", "-1", "x", "99"]),
       out=st.sampled_from(["c.xlsx", "c.csv", "c.docx", "sub"]),
       policy=st.sampled_from(["default", "dongcheng-school-plan", "nope"]))
def test_fuzz_cycle_command(tmp_path_factory, years, out, policy):
    d = tmp_path_factory.mktemp("cycle")
    tm.write_problem(tm.make_county(40, seed=3), d / "county")
    (d / "sub").mkdir()
    argv = ["cycle", str(d / "county"), "--policy", policy, "--years", years, "--out", str(d / out),
            "--set", "all_mandatory_within_cycle=true", "--set", "cycle_hard=false", "--time-limit", "2"]
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # the parser's own refusal
        code = exc.code
    assert code in (cli.EXIT_OK, cli.EXIT_INVALID_PLAN, cli.EXIT_BAD_INPUT, cli.EXIT_NO_PLAN_IN_TIME,
                    cli.EXIT_SHORTFALL)
