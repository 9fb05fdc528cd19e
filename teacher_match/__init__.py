"""teacher_match — optimal, explainable teacher rotation (教师交流轮岗) planning.

Data in, plan out::

    import teacher_match as tm
    problem = tm.load_problem("county/")            # or tm.Problem.from_frames(...) / tm.make_county(...)
    policy = tm.load_policy("default")
    plan = tm.solve(problem, policy, time_limit=60)
    assert tm.check(problem, policy, plan).empty
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .check import check
from .eligibility import eligibility
from .errors import (
    InfeasibleError,
    InputError,
    ModelTooLargeError,
    OutputError,
    PlanMismatchError,
    PolicyError,
    SchemaError,
    TeacherMatchError,
)
from .explain import Diagnosis, Explanation, diagnose, explain
from .io import load_problem, write_problem
from .objective import Objective
from .plan import Plan
from .policy import Policy, load_policy, policy_ids
from .problem import Problem
from .solve import build_model, solve
from .synthetic import make_county

try:
    __version__ = version("teacher_match")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "Problem",
    "Policy",
    "Plan",
    "Objective",
    "load_problem",
    "write_problem",
    "load_policy",
    "policy_ids",
    "eligibility",
    "solve",
    "build_model",
    "check",
    "explain",
    "Explanation",
    "diagnose",
    "Diagnosis",
    "make_county",
    "TeacherMatchError",
    "InputError",
    "SchemaError",
    "PolicyError",
    "InfeasibleError",
    "ModelTooLargeError",
    "OutputError",
    "PlanMismatchError",
    "__version__",
]
