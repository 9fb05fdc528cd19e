"""teacher_match — optimal, explainable teacher rotation (教师交流轮岗) planning.

Data in, plan out::

    import teacher_match as tm
    problem = tm.load_problem("county/")            # or tm.Problem.from_frames(...) / tm.make_county(...)
    policy = tm.load_policy("default")
    plan = tm.solve(problem, policy, time_limit=60)
    assert tm.check(problem, policy, plan).empty     # valid: no rule is broken
    tm.shortfalls(problem, policy, plan)            # soft minima it falls short of (the summary says first)

``import teacher_match`` loads no solver: the data layer, the policy and the checker are pandas only, and
the names that search (``solve``, ``build_model``, ``explain``, ``diagnose`` and their records) load OR-Tools
on first use.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from . import cadre
from .check import check, check_diversion, shortfalls
from .diversion import Diversion, divert
from .eligibility import eligibility
from .errors import (
    ClusterError,
    InfeasibleError,
    InputError,
    InputWarning,
    ModelTooLargeError,
    OutputError,
    PlanMismatchError,
    PolicyError,
    SchemaError,
    TeacherMatchError,
)
from .io import load_problem, write_problem
from .objective import Objective
from .plan import Plan
from .policy import Policy, load_policy, policy_ids
from .problem import Problem
from .synthetic import make_county

#: names that need the solver, loaded on first use: name -> (module, attribute)
_SOLVER_NAMES = {
    "solve": ("solving", "solve"),
    "build_model": ("model.build", "build_model"),
    "explain": ("explanation", "explain"),
    "Explanation": ("explanation", "Explanation"),
    "explain_all": ("explain_many", "explain_all"),
    "Explanations": ("explain_many", "Explanations"),
    "diagnose": ("diagnosis", "diagnose"),
    "Diagnosis": ("diagnosis", "Diagnosis"),
    "plan_cycle": ("cycle", "plan_cycle"),
    "CyclePlan": ("cycle", "CyclePlan"),
    "sweep": ("sweeps", "sweep"),
    "what_would_fill": ("what_if", "what_would_fill"),
    "Sweep": ("sweeps", "Sweep"),
    "make_province": ("province", "make_province"),
    "solve_province": ("province", "solve_province"),
    "Province": ("province", "Province"),
    "ProvincePlan": ("province", "ProvincePlan"),
}


def __getattr__(name: str) -> object:
    """Load a solver-side name on first use (PEP 562)."""
    if name in _SOLVER_NAMES:
        from importlib import import_module

        module, attr = _SOLVER_NAMES[name]
        value = getattr(import_module(f".{module}", __name__), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_SOLVER_NAMES))


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
    "check_diversion",
    "divert",
    "Diversion",
    "shortfalls",
    "explain",
    "Explanation",
    "explain_all",
    "Explanations",
    "diagnose",
    "Diagnosis",
    "plan_cycle",
    "CyclePlan",
    "sweep",
    "Sweep",
    "make_province",
    "solve_province",
    "Province",
    "ProvincePlan",
    "what_would_fill",
    "make_county",
    "cadre",
    "TeacherMatchError",
    "InputError",
    "SchemaError",
    "PolicyError",
    "InfeasibleError",
    "ModelTooLargeError",
    "InputWarning",
    "OutputError",
    "PlanMismatchError",
    "ClusterError",
    "__version__",
]
