"""Quick start: a synthetic county, the default policy, one plan, checked.

Run: ``python examples/quickstart.py`` (about a second). Every example asserts its own result; the test
suite runs them all (tests/test_examples.py).
"""

from __future__ import annotations

import teacher_match as tm


def main() -> tm.Plan:
    """Run the example; its assertions are its test."""
    # a 300-teacher county with schools, needs (缺编) and a road graph; the same seed gives the same county
    problem = tm.make_county(300, seed=2)
    policy = tm.load_policy("default")
    plan = tm.solve(problem, policy, time_limit=10)
    print(plan.summary())

    # the independent checker (pandas only) recomputes every rule on the plan: nothing broken
    assert tm.check(problem, policy, plan).empty
    # nothing lost: every teacher on the roster appears once in the plan, with a reason
    a = plan.assignments
    assert len(a) == len(problem.teachers)
    assert a["teacher_id"].is_unique
    assert a["reason"].str.len().gt(0).all()
    assert plan.status == "OPTIMAL"
    assert plan.totals()["rotated"] > 0
    print(plan.moved[["teacher_id", "from_school_id", "to_school_id", "subject", "commute_km"]].head())
    return plan


if __name__ == "__main__":
    main()
