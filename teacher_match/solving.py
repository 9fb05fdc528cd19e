"""solve(): build the formulation, search it, and turn the solution into a Plan.

Problem → eligibility → candidates → model (:func:`teacher_match.model.build.build_model`) → search
(:func:`teacher_match.search.run_search`) → Plan (:func:`teacher_match.plan.build_plan`); when no plan exists,
the diagnosis (:func:`teacher_match.diagnose.diagnose`) is made before the Plan, which is built once with it.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from .diagnosis import diagnose
from .errors import InfeasibleError, InputError, PolicyError
from .history import plan_terms
from .model.aggregation import disaggregate
from .model.build import build_model
from .model.context import Context
from .objective import Objective
from .plan import Plan, build_plan
from .rules import itinerant
from .scaling import OBJ_SCALE
from .search import SolveParams, run_search
from .unmet import unmet_needs

if TYPE_CHECKING:
    from .policy import Policy
    from .problem import Problem

__all__ = ["solve", "build_model", "SolveParams"]


def solve(problem: Problem, policy: Policy, objective: Objective | None = None, *, time_limit: float = 60.0,
          workers: int = 1,
          seed: int = 0, log: bool = False, progress: Callable[[dict], None] | None = None,
          strict: bool = False,
          deterministic: bool = True, max_memory_mb: float | None = None, aggregate: bool = True,
          stable: bool | None = None, tie_break: bool = True) -> Plan:
    """Plan the rotation: every hard rule holds, the objective is minimised.

    Parameters
    ----------
    problem : Problem
    policy : Policy
        Must have no ``"required"`` value left (else :class:`PolicyError`).
    objective : Objective, optional
        Defaults to the policy's ``[objective]`` weights.
    time_limit, workers, seed, log, deterministic
        See :class:`SolveParams`. A time-out returns the best plan found (status FEASIBLE, with its gap).
    progress : callable, optional
        Called with ``{stage, objective, bound, gap, elapsed}`` on every improving solution.
    strict : bool
        Raise :class:`InfeasibleError` instead of returning an INFEASIBLE plan.
    max_memory_mb : float, optional
        Refuse (:class:`ModelTooLargeError`) a model estimated to need more memory; default: the memory
        available now.
    aggregate : bool
        Solve interchangeable teachers as classes with integer flows (exact; see
        :mod:`teacher_match.model.aggregation`). ``False`` solves one Boolean per teacher and school.
    stable : bool, optional
        Require a stable rotation: no teacher denied a wished-for school that a teacher after them in the
        policy's order takes in their subject (:mod:`teacher_match.rules.stability`). Default: the policy's
        ``stable`` key. Check the plan with ``policy.with_(stable=True)``.
    tie_break : bool
        Among the plans of the best objective, take the one the published tie order prefers
        (:mod:`teacher_match.tie_order`): a last lexicographic stage below the objective, which never trades
        objective for order (see :class:`SolveParams`). ``plan.solver_info["tie_order"]`` records its
        ``keys``, ``status`` (OPTIMAL, FEASIBLE: not proven in its time, or ``skipped``), ``local`` (the
        status of its search among the plans that only change who of a school goes) and the plan's ``cost``
        ``Σ (position + 1)`` over the rotated teachers. ``False`` leaves equally good plans to the solver.

    Returns
    -------
    Plan
        Ctrl-C (KeyboardInterrupt) during the search stops it and returns the best plan found so far,
        with ``plan.solver_info["interrupted"] = True``.
    """
    t0 = time.perf_counter()
    _check_arguments(time_limit, workers, seed)
    if not isinstance(tie_break, bool):
        raise InputError(f"tie_break must be True or False, got {tie_break!r}")
    params = SolveParams(time_limit, workers, seed, log, deterministic, tie_break)
    if stable is not None:
        if not isinstance(stable, bool):
            raise InputError(f"stable must be True or False, got {stable!r}")
        policy = policy.with_(stable=stable)
    objective = objective or Objective.from_policy(policy)
    if not isinstance(objective, Objective):
        raise PolicyError(f"objective must be a teacher_match.Objective, got {type(objective).__name__}")
    ctx = build_model(problem, policy, max_memory_mb=max_memory_mb, workers=workers, aggregate=aggregate)
    build_s = time.perf_counter() - t0
    found = run_search(ctx, objective, params, progress, t0)
    status = found.status
    chosen, term_vals = _extract(ctx, found.values)
    order = ctx.tie_order
    rotated = ctx.teacher_pairs["t"].to_numpy()[chosen]
    en, zh = order.describe()
    tie_info = {"keys": list(order.keys), "status": found.tie["status"], "local": found.tie["local"],
                # the plan's own tie cost, from the teachers it rotates (the search's figure)
                "cost": order.cost(rotated), "seconds": found.tie["seconds"],
                "local_seconds": found.tie.get("local_seconds"),
                "en": en, "zh": zh}
    wall_time_s = time.perf_counter() - t0  # (the diagnosis is not part of the solve's time)
    diagnosis = None
    if status == "INFEASIBLE":
        # name the conflicting rule instances, in words, and the relaxations that restore a plan
        diagnosis = diagnose(problem, policy, time_limit=max(5.0, time_limit - (time.perf_counter() - t0)))
    plan = build_plan(
        ctx.problem, ctx.policy, ctx.elig, ctx.teacher_pairs, chosen, term_vals, objective, status,
        sending=ctx.sending, receiving=ctx.receiving,
        bound=None if objective.order is not None else found.bound / OBJ_SCALE,
        wall_time_s=wall_time_s, build_time_s=build_s,
        solver_info={"workers": workers, "seed": seed, "time_limit": time_limit, "stages": found.stages,
                     "aggregated": bool(ctx.aggregated), "warm_start": found.warm,
                     "variables": len(ctx.model.proto.variables),
                     "constraints": len(ctx.model.proto.constraints), "interrupted": found.interrupted,
                     "lp_guided": found.guided, "parts": found.parts,
                     "searched_variables": found.searched_variables,
                     "searched_constraints": found.searched_constraints, "tie_order": tie_info,
                     **itinerant.solver_info(ctx)},
        diagnosis=diagnosis, mode_moves=_mode_moves(ctx, found.values),
        itinerant=itinerant.read_plan(ctx, found.values),
    )
    term = ctx.policy.rule("cycle_obligation").term_years
    if plan.has_plan and term is not None:
        # a one-year plan states each move's term as a cycle's year does (term_years, end_date, return_year,
        # relation_moved): the move starts the day after the reference date
        plan.assignments = plan_terms(plan.assignments, ctx.policy, ctx.problem.reference_date
                                      + dt.timedelta(days=1), float(term))
    if plan.has_plan and int(plan.needs["unmet"].sum()):
        # per unfilled need, the rule that blocks it (the summary's first lines; see teacher_match.unmet)
        plan.unmet = unmet_needs(ctx, plan)
    if strict and status == "INFEASIBLE":
        raise InfeasibleError(f"no plan satisfies every hard rule of policy '{policy.id}'", plan)
    return plan


#: CP-SAT's random seed is a 32-bit signed integer
MAX_SEED = 2**31 - 1


def _check_arguments(time_limit: float, workers: int, seed: int) -> None:
    """The solver's arguments, refused before any work: 0 or a negative time is not "no limit"."""
    if isinstance(time_limit, bool) or not isinstance(time_limit, numbers.Real) \
            or not math.isfinite(time_limit) or time_limit <= 0:
        raise InputError(f"time_limit must be a number of seconds > 0, got {time_limit!r}")
    if isinstance(workers, bool) or not isinstance(workers, numbers.Integral) or workers < 1:
        raise InputError(f"workers must be a whole number ≥ 1, got {workers!r}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed <= MAX_SEED:
        raise InputError(f"seed must be a whole number from 0 to {MAX_SEED:,}, got {seed!r}")


def _mode_moves(ctx: Context, values: np.ndarray | None):
    """The chosen rows of the planned modes (rules/modes.py), None for a policy without them."""
    if ctx.mode_pairs is None:
        return None
    if values is None or not len(ctx.mode_x):
        return ctx.mode_pairs.iloc[:0]
    idx = np.fromiter((v.index for v in ctx.mode_x), dtype=np.int64, count=len(ctx.mode_x))
    return ctx.mode_pairs[values[idx].astype(bool)].reset_index(drop=True)


def _extract(ctx: Context, values: np.ndarray | None) -> tuple[np.ndarray, dict | None]:
    """Chosen teacher pairs (a mask over ``ctx.teacher_pairs``) and each term's value from a solution."""
    if values is None:
        return np.zeros(len(ctx.teacher_pairs), dtype=bool), None
    values = ctx.with_least_shortfalls(values)  # shortfalls at their least value for this plan
    idx = ctx.x_index
    counts = values[idx] if len(idx) else np.zeros(0, dtype=np.int64)
    if ctx.model_pairs is ctx.teacher_pairs:
        chosen = counts.astype(bool)
    else:
        movable = ctx.elig["status"].isin(["mandatory", "eligible"]).to_numpy()
        # a class's members in the published tie order: the ones the tie stage priced
        sent = disaggregate(ctx.model_pairs, counts, ctx.classes, movable, ctx.tie_order.position)
        key = ctx.teacher_pairs["t"].to_numpy() * len(ctx.schools) + ctx.teacher_pairs["s"].to_numpy()
        chosen = np.isin(key, sent["t"].to_numpy() * len(ctx.schools) + sent["s"].to_numpy())
        assert int(chosen.sum()) == len(sent), "a class member was sent to a school outside its candidates"
    return chosen, {name: term.value(values) for name, term in ctx.terms.items()}
