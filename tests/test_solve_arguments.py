"""solve()'s own arguments are refused before any work, as the command's are (0 seconds is not "no limit")."""

from __future__ import annotations

import numpy as np
import pytest

import teacher_match as tm


@pytest.mark.parametrize(("kw", "words"), [
    ({"time_limit": 0}, "time_limit must be a number of seconds > 0, got 0"),
    ({"time_limit": -5}, "time_limit must be a number of seconds > 0, got -5"),
    ({"time_limit": float("nan")}, "got nan"),
    ({"time_limit": float("inf")}, "got inf"),
    ({"time_limit": "10"}, "got '10'"),
    ({"workers": 0}, "workers must be a whole number ≥ 1, got 0"),
    ({"workers": 1.5}, "got 1.5"),
    ({"seed": -1}, "seed must be a whole number from 0 to 2,147,483,647, got -1"),
    ({"seed": 2**31}, "got 2147483648"),
])
def test_bad_arguments_are_input_errors(kw, words):
    problem = tm.make_county(60, seed=1)
    with pytest.raises(tm.InputError, match=words.replace("(", r"\(").replace("+", r"\+")):
        tm.solve(problem, tm.load_policy("default"), **kw)


def test_numpy_integers_are_whole_numbers():
    problem = tm.make_county(60, seed=1)
    policy = tm.load_policy("default")
    plan = tm.solve(problem, policy, time_limit=np.float64(10), workers=np.int64(1), seed=np.int32(3))
    assert plan.status == "OPTIMAL"
    assert tm.check(problem, policy, plan).empty


def test_an_unknown_publicity_view_is_an_input_error():
    problem = tm.make_county(60, seed=1)
    plan = tm.solve(problem, tm.load_policy("default"), time_limit=10)
    with pytest.raises(tm.InputError, match="view must be receiving, sending or exempt"):
        plan.publicity(view="everyone")
