"""Rules as shipped policies set them: RULEBOOK §5 cases that run a whole policy model (TC55, TC85).

Each rule's own micro-roster tests are in tests/rules/ (test_quotas.py, test_priority.py, …).
"""

from __future__ import annotations

import pandas as pd
from helpers import assert_valid, crafted, make_problem, moves, solve, violations

import teacher_match as tm
from teacher_match.rules import priority


def sent(plan) -> list:
    return sorted(t for t, to in moves(plan).items() if to is not None)


def test_TC85_one_support_teacher_per_overstaffed_school():
    pol = tm.load_policy("city-support-teaching")
    schools = [{"school_id": f"O{i}", "overstaffed": "是", "x": float(i)} for i in range(1, 4)] + \
              [{"school_id": "N1", "overstaffed": "否", "x": 0.5}] + \
              [{"school_id": f"R{i}", "category": "rural", "x": 10.0 + i} for i in range(1, 5)]
    teachers = [{"teacher_id": f"O{i}{k}", "school_id": f"O{i}"} for i in range(1, 4) for k in "ab"] + \
               [{"teacher_id": "N1a", "school_id": "N1"}]
    p = make_problem(schools, teachers, [(f"R{i}", "math", 1) for i in range(1, 5)])
    plan = solve(p, pol)
    assert_valid(p, pol, plan)
    got = sent(plan)
    assert len(got) == 3
    assert sorted(t[:2] for t in got) == ["O1", "O2", "O3"]
    assert (plan.moved["mode"] == "support").all()
    assert ("quotas", "teacher=N1a") in violations(p, pol, crafted(p, pol, {"N1a": "R1"}))
    two = crafted(p, pol, {"O1a": "R1", "O1b": "R2", "O2a": "R3", "O3a": "R4"})
    assert ("quotas", "quota=per_school,school=O1,max") in violations(p, pol, two)


def test_TC55_dongcheng_ordering():
    t = pd.DataFrame({"teacher_id": ["VP", "BJ", "OP", "BP"], "school_id": ["P1", "J1", "P1", "P1"],
                      "role": ["vice_principal", "teacher", "teacher", "teacher"],
                      "backbone": [False, True, False, True], "age": [45, 40, 40, 40], "gender": "F"})
    s = pd.DataFrame({"school_id": ["P1", "J1"], "stage": ["primary", "junior"]})
    keys = tm.load_policy("dongcheng-school-plan").rule("priority").priority_keys
    assert priority.priority_order(t, s, keys) == ["BP", "OP", "BJ", "VP"]
