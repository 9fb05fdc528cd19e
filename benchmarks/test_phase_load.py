"""Phase 1 — load: read a stored roster (parquet and csv) into a validated Problem."""

from __future__ import annotations

import pytest

import teacher_match as tm

from .scenarios import instance


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_load(benchmark, size, fmt, tmp_path):
    problem = instance(size)
    tm.write_problem(problem, tmp_path, fmt=fmt)
    loaded = benchmark(tm.load_problem, tmp_path)
    assert loaded.n_teachers == problem.n_teachers
    assert len(loaded.roads) == len(problem.roads)


def test_generate(benchmark, size):
    from .scenarios import SIZES

    problem = benchmark(tm.make_county, SIZES[size], seed=1)
    assert problem.n_teachers == SIZES[size]
