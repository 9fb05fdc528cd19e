"""``make_county`` works for every size from its minimum up; a smaller size is a clear error, not a crash."""

from __future__ import annotations

import pandas as pd
import pytest

import teacher_match as tm
from teacher_match.cli import main
from teacher_match.synthetic import MIN_TEACHERS, make_county

SIZES = [*range(MIN_TEACHERS, 121), 150, 199, 250, 777, 1001]


def test_every_size_from_the_minimum_draws_exactly_that_many_teachers():
    for n in SIZES:
        for seed in (0, 1):
            p = make_county(n, seed=seed)
            assert p.n_teachers == n, (n, seed)
            assert p.teachers["teacher_id"].is_unique, (n, seed)
            # every school keeps a teacher, and every teacher's school is on the road graph
            assert set(p.teachers["school_id"]) == set(p.schools["school_id"]), (n, seed)


@pytest.mark.parametrize("n", [MIN_TEACHERS, 21, 60, 98])
def test_small_counties_solve_and_check(n, policy):
    problem = make_county(n, seed=3)
    plan = tm.solve(problem, policy, time_limit=10)
    assert plan.status in ("OPTIMAL", "FEASIBLE")
    assert tm.check(problem, policy, plan).empty


@pytest.mark.parametrize("n", [0, 1, 8, 9, MIN_TEACHERS - 1, -5])
def test_below_the_minimum_is_a_clear_error(n):
    with pytest.raises(tm.InputError, match=f"at least {MIN_TEACHERS} teachers, got {n}"):
        make_county(n)


def test_cli_generate_small_sizes(tmp_path, capsys):
    out = tmp_path / "c60"
    assert main(["generate", "--teachers", "60", "--seed", "0", "--out", str(out)]) == 0
    assert len(pd.read_csv(out / "teachers.csv")) == 60
    assert main(["solve", str(out), "--quiet", "--time-limit", "10", "--allow-shortfall"]) == 0
    assert "checker: no violations" in capsys.readouterr().out
    assert main(["generate", "--teachers", "5", "--out", str(tmp_path / "c5")]) == 2
    err = capsys.readouterr().err
    # refused by the argument parser, before any work: its usage line, then one line naming the range
    assert ("teacher-match: error: argument --teachers: the number of teachers must be between "
            f"{MIN_TEACHERS}") in err
    assert "got '5'" in err
    assert "Traceback" not in err
