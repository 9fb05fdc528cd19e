"""Smoke run of the price-of-stability driver on a 300-teacher county (full run: benchmarks.stability)."""

from __future__ import annotations

from benchmarks import stability


def test_price_of_stability_driver(tmp_path):
    rows = stability.run(300, seed=1, time_limit=10, configs=stability.CONFIGS[:1])
    assert [r["stable"] for r in rows] == [False, "all", "rotated"]
    assert all(r["violations"] == 0 for r in rows)
    assert rows[1]["envy"] == 0  # the stable plan has no justified envy under scope all
    text = stability.render(rows, 300, 1, 10, (0.0, 0.0, 0.0))
    assert "| default, youngest first | all | OPTIMAL |" in text
