"""Smoke run of the modes benchmark driver on a small county (full run: ``python -m benchmarks.modes``)."""

from __future__ import annotations

from benchmarks.modes import RUNS, run_one


def test_each_mixed_policy_plans_and_checks_on_a_small_county():
    for pid, _ in RUNS:
        r = run_one(pid, 1500, 1, time_limit=30, workers=1)
        assert r["status"] == "OPTIMAL", (pid, r)
        assert r["violations"] == 0, (pid, r)
        assert len(r["by_mode"]) >= 2, (pid, r)
