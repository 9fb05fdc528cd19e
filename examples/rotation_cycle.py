"""A rotation cycle (轮岗周期): three plan years, each year's moves part of the next year's history.

Run: ``python examples/rotation_cycle.py`` (a few seconds).
"""

from __future__ import annotations

import teacher_match as tm


def main() -> tm.CyclePlan:
    """Run the example; its assertions are its test."""
    problem = tm.make_county(300, seed=2)
    policy = tm.load_policy("default")
    cycle = tm.plan_cycle(problem, policy, years=3, time_limit=10)
    print(cycle.summary())
    table = cycle.summary_table()
    assert list(table["year"]) == [1, 2, 3]
    assert (table["status"] == "OPTIMAL").all()
    # a teacher rotated in year 1 is away on exchange (or back) in the years after, never moved twice at once
    moved = [set(p.moved["teacher_id"]) for p in cycle.plans]
    assert moved[0]
    assert not (moved[0] & moved[1])
    return cycle


if __name__ == "__main__":
    main()
