"""workload: a teacher sent to a school carries at least its average load (CS-DU1).

min_lessons_per_week(t) = ⌈average lessons_per_week at the destination⌉
"""

from __future__ import annotations

import numpy as np
from helpers import assert_valid, make_policy, make_problem, moves, solve, violations

SCHOOLS = [{"school_id": "U1", "category": "urban", "x": 0.0},
           {"school_id": "R1", "category": "rural", "x": 10.0},
           {"school_id": "R2", "category": "rural", "x": 12.0}]
TEACHERS = [
    {"teacher_id": "S", "school_id": "U1", "lessons_per_week": 10},
    {"teacher_id": "A", "school_id": "R1", "lessons_per_week": 12},
    {"teacher_id": "B", "school_id": "R1", "lessons_per_week": 14},
    {"teacher_id": "C", "school_id": "R1", "lessons_per_week": 15},
    {"teacher_id": "D", "school_id": "R2", "lessons_per_week": 16},
]


def test_the_plan_states_the_destinations_average_load_as_a_floor():
    problem = make_problem(SCHOOLS, TEACHERS, [("R1", "math", 1)])
    pol = make_policy(rules={"workload_at_least_receiving_average": True})
    plan = solve(problem, pol)
    assert moves(plan)["S"] == "R1"
    a = plan.assignments.set_index("teacher_id")
    # R1's teachers carry 12, 14 and 15 lessons: 13.67 on average, so at least 14
    assert a.at["S", "min_lessons_per_week"] == 14
    assert np.isnan(a.at["A", "min_lessons_per_week"])
    assert plan.schools.set_index("school_id").at["R1", "average_lessons_per_week"] == (12 + 14 + 15) / 3
    assert_valid(problem, pol, plan)
    bad = plan.assignments.copy()
    bad.loc[bad["teacher_id"] == "S", "min_lessons_per_week"] = 13
    assert violations(problem, pol, bad) == {("workload", "teacher=S")}


def test_an_exact_average_is_the_floor_and_off_means_no_column():
    problem = make_problem(SCHOOLS, TEACHERS, [("R2", "math", 1)])
    pol = make_policy(rules={"workload_at_least_receiving_average": True})
    plan = solve(problem, pol)
    assert plan.assignments.set_index("teacher_id").at["S", "min_lessons_per_week"] == 16
    assert "min_lessons_per_week" not in solve(problem, make_policy()).assignments.columns
