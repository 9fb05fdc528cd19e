"""Phase 2 — build: eligibility, road distances, candidate pairs and every rule's constraints."""

from __future__ import annotations

import dataclasses

import teacher_match as tm

from .baselines import naive
from .scenarios import instance


def _fresh(problem):
    # a copy without the cached road distances, so every round pays for the shortest paths as a user does
    return dataclasses.replace(problem)


def test_build_model(benchmark, size, scenario, policy):
    problem = instance(size)
    ctx = benchmark(lambda: tm.build_model(_fresh(problem), policy))
    assert len(ctx.x) == len(ctx.model_pairs) > 0
    assert len(ctx.model.proto.constraints) > 0


def test_build_naive(benchmark, size, scenario, policy):
    problem = instance(size)
    weights = tm.Objective.from_policy(policy).weights
    nm = benchmark(lambda: naive.build_naive(_fresh(problem), policy, weights))
    ctx = tm.build_model(problem, policy)
    # the naive model has a variable for every candidate pair teacher_match keeps, and more
    assert len(nm.x) >= len(ctx.model_pairs)
