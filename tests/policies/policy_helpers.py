"""Helpers for the policy-model tests: shipped models with changes, one-teacher statuses, tiny solves."""

from __future__ import annotations

import copy
import tomllib
from importlib import resources

import pandas as pd
from helpers import make_problem

import teacher_match as tm
from teacher_match.policy import policy_from_dict

__all__ = ["model_data", "variant", "status_of", "statuses", "county"]

#: values the sources leave blank, supplied for the tests (any value in range would do)
SUPPLY = {
    "fangchenggang-gangkou": {"backbone_min_share": 0.2, "leadership_max_share": 0.2,
                              "min_share_of_eligible": 0.1},
    "fujian-minhou": {"leader_trigger_years": 6, "staff_floor_max_students": 200},
    "xiamen-proposals": {"balance_max_share": 0.7},
    "zhalute-no5-2014": {"max_total_sent": 10},
}


def model_data(pid: str) -> dict:
    """The parsed TOML of a shipped model (a fresh copy)."""
    text = (resources.files("teacher_match.models") / f"{pid}.toml").read_text(encoding="utf-8")
    return copy.deepcopy(tomllib.loads(text))


def variant(pid: str, mode: str | None = None, **eligibility) -> tm.Policy:
    """A shipped model with some eligibility keys changed (of a recorded mode when ``mode`` is given)."""
    data = model_data(pid)
    section = data["modes"][mode].setdefault("eligibility", {}) if mode else data["eligibility"]
    section.update(eligibility)
    return policy_from_dict(data, f"{pid} variant")


SCHOOLS = [{"school_id": "U1", "category": "urban", "x": 0.0},
           {"school_id": "R1", "category": "rural", "x": 10.0}]


def statuses(policy: tm.Policy, teachers: list[dict], mode: str | None = None) -> pd.DataFrame:
    """Eligibility of a few teachers (ids T0, T1, … unless given; urban school unless given)."""
    rows = [{"teacher_id": f"T{i}", "school_id": "U1", **t} for i, t in enumerate(teachers)]
    problem = make_problem(SCHOOLS, rows)
    return tm.eligibility(problem, policy, mode=mode)


def status_of(policy: tm.Policy, teacher: dict, mode: str | None = None) -> tuple[str, str]:
    """(status, reason) of one teacher."""
    e = statuses(policy, [teacher], mode)
    return e["status"].iat[0], e["reason"].iat[0]


def county(n: int = 500, seed: int = 3) -> tm.Problem:
    """A synthetic county (the package's one generator)."""
    return tm.make_county(n, seed=seed)
