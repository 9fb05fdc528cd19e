"""Searching a formulation: CP-SAT's parameters, objective stages, parts, the LP-guided plan, Ctrl-C.

:func:`run_search` takes a built :class:`~teacher_match.model.context.Context` and an objective and returns a
:class:`SearchOutcome` (status, solution vector, bound, what each stage did). Before searching, the model is
strengthened (implied inequalities), reformulated (destination flows of aggregated classes) and split into
independent parts (:func:`_prepare`); all three are exact. Large models get a warm start; an LP-guided search
may run on the second core beside a single-worker search. After the objective stages, the tie stage
(:mod:`teacher_match.model.tie_stage`) keeps the objective found and picks, among the plans that have it, the
one the published tie order prefers (:mod:`teacher_match.tie_order`). Tuning constants are defined at the
top, each with what was measured.
"""

from __future__ import annotations

import dataclasses
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import cast

import numpy as np
from ortools.sat.python import cp_model

from .model import decomposition, flow_reformulation, tie_stage
from .model.context import Context
from .model.lp_guided import GuidedSearch
from .model.objective import weighted_expr
from .model.strengthen import strengthen
from .model.warm_start import warm_start
from .objective import Objective
from .scaling import OBJ_SCALE

__all__ = ["SolveParams", "SearchOutcome", "run_search", "STATUS_NAMES"]

#: solve classes that share their destinations as destination flows and class totals (exact; see
#: :mod:`teacher_match.model.flow_reformulation`). Measured on a 10,000-teacher county: 48,386 → 24,185
#: variables, proven optimal in 10.3 s instead of 28.5 s
REFORMULATE = True

#: solve independent parts of the model separately (exact; see :mod:`teacher_match.model.decomposition`)
DECOMPOSE = True

#: add the inequalities two rules imply together (valid for every plan; see
#: :mod:`teacher_match.model.strengthen`)
STRENGTHEN = True

#: models with at least this many variables get a warm start: below it the full search finds plans early
#: (measured: 30,000 teachers, 135,000 variables, first plan after 27 s of 60; 100,000 teachers, 493,000
#: variables, no plan after 210 s without a warm start)
WARM_START_MIN_VARS = 200_000

#: run the LP-guided search beside the full one (see :mod:`teacher_match.model.lp_guided`)
GUIDE = True

#: models with fewer variables are searched alone: they are proven in about the time the LP-guided search
#: needs to start (a 3,000-teacher county, ~7,000 variables: about 3 s)
GUIDE_MIN_VARS = 10_000

#: the LP-guided search starts once a stage has used this share of its time unproven: it shares the cores with
#: the full search, which it slows (measured on the metro, back to back: 135.4 s alone, 162.0 s with guided
#: searches from 15 s into each part), and a search proven in half its time needs no rescue (county seeds 0,
#: 1, 2, 4: 6–23 s of 90 s; the metro: 135 s of 300 s), while on a county whose search stalls (seed 3: gap
#: 0.15 % after 89 s) the guided plan comes about 16 s after it starts
GUIDE_AFTER_SHARE = 0.5

#: work (CP-SAT's deterministic seconds) the LP-guided search may spend: it shares the machine with the full
#: search, so it stops once it has had a fair chance (measured: 4–16 s on 10,000-teacher counties)
GUIDE_WORK_LIMIT = 30.0

#: a second search of an unproven part is only worth its presolve and first LP with at least this much time
SECOND_PASS_MIN_SECONDS = 5.0

#: seconds a part left without a plan (after Ctrl-C or a time-out) may take to find a first one
FIRST_PLAN_SECONDS = 10.0

#: the share of the time limit the tie stage has at most (:mod:`teacher_match.model.tie_stage`): the objective
#: stages stop by ``(1 − TIE_SHARE)`` of the limit, and the tie stage stops after this share or at the limit
TIE_SHARE = 0.1

#: the work (CP-SAT's deterministic seconds) of the tie stage's two searches: the neighbourhood's (who of a
#: school goes; proven well within it), then the whole face of the objective found. Work, not wall time, so
#: that an unproven tie stage gives the same plan on every run (a wall-clock budget made a 3,000-teacher
#: county's plan depend on the machine's load); TIE_SHARE stays as a wall-clock bound. The whole face is
#: given little: on the 10,000-teacher county (seed 0) 60 s of it gave a worse plan than the neighbourhood's
#: and no proof; with a quarter of the objective stages' wall time the tie stage took 7.9–9.0 s of a
#: 36.5–45.0 s solve (1.3–1.6 s the neighbourhood; 32.9–35.8 s without the tie stage, loaded 2-core machine),
#: with a tenth 2.9–3.6 s of 24.9–29.0 s (20.7–27.0 s without), the same plan; with this work 1.5–1.7 s of
#: 13.3–14.3 s (11.1–11.7 s without, a quieter machine), the same plan
TIE_LOCAL_WORK = 10.0
TIE_WHOLE_WORK = 1.0

STATUS_NAMES = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.UNKNOWN: "UNKNOWN",
    cp_model.MODEL_INVALID: "MODEL_INVALID",
}
#: (the name the tests and older callers use)
_STATUS = STATUS_NAMES


@dataclass(frozen=True)
class SolveParams:
    """Solver parameters.

    Attributes
    ----------
    time_limit : float
        Wall-clock seconds for the whole solve (all lexicographic stages together).
    workers : int
        CP-SAT search workers. Default 1: measured on this model, one LP-heavy worker (linearization
        level 2) proves optimality far sooner than two default workers (3,000 teachers: 3.5 s vs no proof
        in 60 s). More workers use interleaved (deterministic) search: CP-SAT's plain parallel portfolio
        is not reproducible. Measured on ``make_county(3000, seed=7)`` (shared 2-core machine, 60 s limit):
        1 worker OPTIMAL in 11.8 s; 2 interleaved workers OPTIMAL in 47–59 s with the same plan in both
        runs; 2 plain workers only FEASIBLE after 60 s, and a canonicalising single-worker pass with the
        objective fixed at that value found no solution in a further 60 s — so interleaving is the
        deterministic choice, and one worker the fast one. A model of independent parts (see
        :mod:`teacher_match.model.decomposition`) is solved ``workers`` parts at a time, one worker each.
    seed : int
        CP-SAT random seed.
    log : bool
        Print CP-SAT's search log (to stdout, by CP-SAT itself).
    deterministic : bool
        Interleaved (deterministic) parallel search, so equal inputs, seed and workers give equal plans.
    tie_break : bool
        End with the tie stage: among the plans of the objective found, the one the published tie order
        prefers (:mod:`teacher_match.tie_order`; the objective stages leave it ``TIE_SHARE`` of the time
        limit, of which it takes a part: see ``TIE_WHOLE_WORK``). ``False`` for searches that only need the
        objective (a counterfactual's price, a look-ahead): equally good plans are then the solver's choice
        (a class of interchangeable teachers still sends its members in the order).
    """

    time_limit: float = 60.0
    workers: int = 1
    seed: int = 0
    log: bool = False
    deterministic: bool = True
    tie_break: bool = True


class _Progress(cp_model.CpSolverSolutionCallback):
    """Reports each improving solution and each bound improvement (objective, bound, gap, elapsed)."""

    def __init__(self, report, stage: str):
        super().__init__()
        self._report = report
        self._stage = stage
        self._t0 = time.perf_counter()
        self._obj = float("nan")
        self._bound = float("nan")

    def on_solution_callback(self) -> None:
        self._obj = self.objective_value / OBJ_SCALE
        self._bound = self.best_objective_bound / OBJ_SCALE
        self._emit()

    def on_bound(self, bound: float) -> None:
        """Called by CP-SAT when the proven lower bound improves."""
        self._bound = bound / OBJ_SCALE
        self._emit()

    def offer(self, objective: int) -> None:
        """A plan found beside the search (the LP-guided one), reported when it improves on the best."""
        if not objective / OBJ_SCALE >= self._obj:  # (also when no plan is known yet: NaN)
            self._obj = objective / OBJ_SCALE
            self._emit()

    def _emit(self) -> None:
        self._report({"stage": self._stage, "objective": self._obj, "bound": self._bound,
                      "gap": _gap(self._obj, self._bound), "elapsed": time.perf_counter() - self._t0})


def _gap(obj: float, bound: float) -> float:
    if obj is None or bound is None or not np.isfinite(obj) or not np.isfinite(bound):
        return float("nan")
    return abs(obj - bound) / max(1.0, abs(obj))


def _solver(params: SolveParams, time_limit: float) -> cp_model.CpSolver:
    s = cp_model.CpSolver()
    p = s.parameters
    p.max_time_in_seconds = max(0.1, time_limit)
    p.num_workers = max(1, int(params.workers))
    p.random_seed = int(params.seed)
    p.log_search_progress = bool(params.log)
    # measured (10,000-teacher county, one worker): the LP with level-2 cuts closes the gap that side rules
    # open (backbone share, caps); without it no proof in 60 s
    p.linearization_level = 2
    # measured: probing in presolve cost more than half the solve (57 s of 96 s at 10,000 teachers, loaded
    # machine) and bought nothing; without it the same instance is optimal in 33 s
    p.cp_model_probing_level = 0
    if params.deterministic and params.workers > 1:
        p.interleave_search = True
    return s


#: what a search without the tie stage records of it
_NO_TIE_STAGE = {"status": "skipped", "local": "skipped", "cost": None, "seconds": 0.0}


@dataclass(frozen=True)
class SearchOutcome:
    """What a search of a formulation found.

    Attributes
    ----------
    status : str
        OPTIMAL | FEASIBLE | INFEASIBLE | UNKNOWN | MODEL_INVALID.
    values : ndarray or None
        The full solution vector of ``ctx.model`` (None without a plan).
    bound : float
        The proven lower bound, in model units (NaN when unknown).
    stages : list of dict
        One record per objective stage (stage, status, objective, bound).
    interrupted : bool
        Ctrl-C stopped the search.
    guided, warm : list, dict or None
        What the LP-guided searches and the warm start did.
    parts, searched_variables, searched_constraints : int
        The size of what was searched (after reformulation and decomposition).
    tie : dict
        The tie stage: ``status`` (OPTIMAL: the order's best plan among those of the objective found;
        FEASIBLE: not proven in its time; ``skipped``: switched off, interrupted, or no plan), ``local`` (the
        status of its first search, the neighbourhood where only who of a school goes changes), ``cost`` (the
        tie cost of the plan found, ``Σ (position + 1)`` over the rotated teachers; None when skipped) and
        ``seconds``.
    """

    status: str
    values: np.ndarray | None
    bound: float
    stages: list
    interrupted: bool
    guided: list
    warm: dict | None
    parts: int
    searched_variables: int
    searched_constraints: int
    tie: dict = dataclasses.field(default_factory=lambda: dict(_NO_TIE_STAGE))


def run_search(ctx: Context, objective: Objective, params: SolveParams, progress: Callable | None = None,
               t0: float | None = None) -> SearchOutcome:
    """Search the formulation for the objective (lexicographic stages one after the other), then the ties.

    ``t0`` is when the caller's clock started (the time limit counts the build too); default now.
    """
    t0 = time.perf_counter() if t0 is None else t0
    # the objective stages leave TIE_SHARE of the time to the tie stage
    objective_end = t0 + params.time_limit * ((1.0 - TIE_SHARE) if params.tie_break else 1.0)
    searched = None  # the best plan in the searched model's variables (before the reformulation's expansion)
    stages: Sequence[str | None] = objective.order or [None]
    values = None
    status_code = cp_model.UNKNOWN
    bound_units = float("nan")
    stage_log: list[dict] = []
    interrupted = False
    guided: list = []  # what the LP-guided searches did, stage by stage
    if STRENGTHEN:
        strengthen(ctx)  # every objective, lexicographic stages too (_prepare's own call then adds nothing)
    single = objective.order is None  # one objective: the model can be reformulated and split
    ref, parts, target = _prepare(ctx, objective) if single else (None, None, ctx.model)
    largest = parts[0].size if parts is not None else len(target.proto.variables)
    warm = None
    if largest >= WARM_START_MIN_VARS:
        warm = _warm_start_hint(ctx, objective, params, params.time_limit - (time.perf_counter() - t0))
        if warm and warm["found"] and single:
            ref, parts, target = _prepare(ctx, objective)  # again, to carry the hint along
    for i, stage in enumerate(stages):
        if not single:  # (a single objective was set by _prepare)
            expr = weighted_expr(ctx, objective.weights, [stage] if stage else None)
            ctx.model.minimize(expr)
        remaining = objective_end - time.perf_counter()
        budget = remaining / (len(stages) - i)
        # the LP-guided search takes the second core (so only beside one worker), and only once the stage has
        # used GUIDE_AFTER_SHARE of its time unproven
        guide_from = time.perf_counter() + GUIDE_AFTER_SHARE * budget if params.workers == 1 else None
        if parts is not None:
            res = _solve_parts(parts, target.proto, params, budget, progress, guide_from)
        else:
            res = _solve_whole(target, params, budget, progress, stage or "objective", guide_from=guide_from)
        searched = res.values if res.values is not None else searched
        if ref is not None and res.values is not None:
            res.values = ref.expand(res.values)  # back to the model's own variables
        status_code, interrupted = res.status, res.interrupted
        if res.info:
            guided.append(res.info)
        name = STATUS_NAMES[status_code]
        if res.values is None:
            stage_log.append({"stage": stage or "objective", "status": name})
            if values is not None and name == "UNKNOWN":
                status_code = cp_model.FEASIBLE  # earlier stages' plan stands
            break
        values = res.values
        obj_units = res.objective
        bound_units = res.bound
        stage_log.append({"stage": stage or "objective", "status": name,
                          "objective": obj_units / OBJ_SCALE, "bound": bound_units / OBJ_SCALE})
        if stage is not None and i + 1 < len(stages):
            # fix this stage at its value before optimising the next one; keep the plan as a hint
            ctx.model.add(expr <= obj_units)
            ctx.model.clear_hints()
            for v in ctx.x:
                ctx.model.add_hint(v, int(values[v.index]))
        if interrupted:
            break
    tie = dict(_NO_TIE_STAGE)
    if params.tie_break and values is not None and searched is not None and not interrupted:
        # TIE_SHARE of the time limit at most, which the objective stages left
        tie_end = min(t0 + params.time_limit, time.perf_counter() + TIE_SHARE * params.time_limit)
        better, tie = _tie_stage(ctx, ref, parts, target, searched, params, tie_end)
        interrupted = bool(tie.pop("interrupted"))
        if better is not None:
            values = ref.expand(better) if ref is not None else better
    return SearchOutcome(
        status=STATUS_NAMES[status_code], values=values,
        bound=bound_units if objective.order is None else float("nan"),
        stages=stage_log, interrupted=interrupted, guided=guided, warm=warm,
        parts=len(parts) if parts is not None else 1, searched_variables=len(target.proto.variables),
        searched_constraints=len(target.proto.constraints), tie=tie)


def _tie_stage(ctx, ref, parts, target: cp_model.CpModel, searched: np.ndarray, params: SolveParams,
               deadline: float) -> tuple[np.ndarray | None, dict]:
    """The tie stage on the model searched (see :mod:`teacher_match.model.tie_stage`).

    First the neighbourhood of the objective stages' plan (the same number of teachers of each subject from
    each school to each school: who of a school goes), then the whole face of the objective found from the
    neighbourhood's best plan (each with its work: TIE_LOCAL_WORK, TIE_WHOLE_WORK), until ``deadline`` at
    the latest. Returns the plan found in the searched model's variables (None: the objective stages' plan
    stands) and what the stage did (status, local, cost, seconds, interrupted). Each search is hinted with
    the plan before it, and a plan is only taken when its tie cost is lower, so the plan returned is never
    worse than the objective stages' in the objective or the order.
    """
    t = time.perf_counter()
    classes = tie_stage.on_searched_model(tie_stage.tie_classes(ctx), ref)
    part_of = None
    if parts is not None:
        part_of = np.empty(len(target.proto.variables), dtype=np.int64)
        for k, p in enumerate(parts):
            part_of[p.variables] = k
    model, best_cost = tie_stage.tie_model(target, classes, searched, part_of)
    if not model.proto.has_objective():
        # nobody can rotate: every plan of the objective found has the same (empty) tie cost
        return None, {"status": "OPTIMAL", "local": "OPTIMAL", "cost": 0,
                      "seconds": round(time.perf_counter() - t, 2), "interrupted": False}
    best = None
    split = parts is not None  # (a model of one part stays one with the tie stage's rows)
    local = _search_tie(tie_stage.with_groups_fixed(model, tie_stage.destination_groups(ctx, ref), searched),
                        params, deadline, split, TIE_LOCAL_WORK)
    interrupted = local.interrupted
    local_seconds = round(time.perf_counter() - t, 2)
    if local.values is not None and local.objective <= best_cost:
        best, best_cost = local.values, int(local.objective)
    status = cp_model.UNKNOWN
    if not interrupted:
        if best is not None:
            model.clear_hints()
            model.proto.solution_hint.vars.extend(range(len(best)))
            model.proto.solution_hint.values.extend(np.asarray(best).tolist())
        whole = _search_tie(model, params, deadline, split, TIE_WHOLE_WORK)
        interrupted, status = whole.interrupted, whole.status
        if whole.values is not None and whole.objective <= best_cost:
            best, best_cost = whole.values, int(whole.objective)
    info = {"status": "OPTIMAL" if status == cp_model.OPTIMAL else "FEASIBLE",
            "local": STATUS_NAMES[local.status], "cost": best_cost, "local_seconds": local_seconds,
            "seconds": round(time.perf_counter() - t, 2), "interrupted": interrupted}
    if best is None:
        return None, info  # (the objective stages' plan stands: a plan of the tie model, not proven)
    return np.asarray(best[: len(target.proto.variables)], dtype=np.int64), info


def _search_tie(model: cp_model.CpModel, params: SolveParams, deadline: float, split: bool,
                work: float) -> _Result:
    """One search of a tie model, ``work`` deterministic seconds, until ``deadline`` at the latest.

    By independent parts when it has them (``split``).
    """
    budget = max(0.1, deadline - time.perf_counter())
    parts = decomposition.split(model.proto) if DECOMPOSE and split else None
    if parts is not None:
        return _solve_parts(parts, model.proto, params, budget, None, work=work)
    return _solve_whole(model, params, budget, None, "tie order", work=work)


def _prepare(ctx, objective: Objective):
    """The model to search with its objective set: (reformulation or None, parts or None, model).

    Both steps are exact (see :mod:`teacher_match.model.flow_reformulation` and
    :mod:`teacher_match.model.decomposition`): the optimum and the bound are those of ``ctx.model``.
    """
    ctx.model.minimize(weighted_expr(ctx, objective.weights))
    if STRENGTHEN:
        strengthen(ctx)  # (once per context: for callers that prepare a search without solve())
    ref = flow_reformulation.reformulate(ctx) if REFORMULATE else None
    target = ref.model if ref is not None else ctx.model
    parts = decomposition.split(target.proto) if DECOMPOSE else None
    return ref, parts, target


def _warm_start_hint(ctx, objective: Objective, params: SolveParams, remaining: float) -> dict | None:
    """On large models, solve a restricted model first and hint its plan (see model/warm_start.py)."""
    if objective.order is not None:
        return None
    ctx.model.minimize(weighted_expr(ctx, objective.weights))
    t = time.perf_counter()
    values = warm_start(ctx, seconds=min(0.2 * remaining, 60.0), seed=params.seed, per_post=10)
    info = {"seconds": round(time.perf_counter() - t, 1), "found": values is not None}
    if values is not None:
        get = ctx.model.get_int_var_from_proto_index
        for i, v in enumerate(values):
            ctx.model.add_hint(get(i), int(v))
    return info


@dataclass
class _Result:
    """One search: status, the full solution vector (or None), objective and bound in model units."""

    status: cp_model.CpSolverStatus
    values: np.ndarray | None
    objective: int = 0
    bound: float = float("nan")
    interrupted: bool = False
    #: what the LP-guided search did, when one ran (see _solve_whole)
    info: dict | None = None


def _solve_whole(model: cp_model.CpModel, params: SolveParams, budget: float, progress, stage: str,
                 solvers: list | None = None, guide_from: float | None = None,
                 work: float | None = None) -> _Result:
    """Solve the model in one search (``solvers`` collects the solver, so another thread can stop it).

    With ``guide_from`` (a ``time.perf_counter()`` instant) and a model of at least ``GUIDE_MIN_VARS``
    variables, an LP-guided search starts beside it from that instant (see
    :mod:`teacher_match.model.lp_guided`); its plan replaces the search's only when the search ends without
    proving optimality and the guided plan is strictly better (see :func:`_with_guided`).
    """
    solver = _solver(params, budget)
    if work is not None:
        # a limit in CP-SAT's deterministic seconds: the same search on every run, however loaded the machine
        solver.parameters.max_deterministic_time = work
    if solvers is not None:
        solvers.append(solver)
    cb = _Progress(progress, stage) if progress else None
    if cb is not None:
        solver.best_bound_callback = cb.on_bound
    helper = None
    if guide_from is not None and GUIDE and len(model.proto.variables) >= GUIDE_MIN_VARS:
        guided = _solver(params, budget)
        guided.parameters.max_deterministic_time = GUIDE_WORK_LIMIT
        helper = GuidedSearch(model, guided, cb.offer if cb is not None else None,
                              delay=max(0.0, guide_from - time.perf_counter()))
    status, interrupted = _solve_interruptible(solver, model, cb)
    res = _read(solver, status, interrupted)
    return res if helper is None else _with_guided(res, helper, solver.best_objective_bound)



def _proves(bound: float, objective: int) -> bool:
    """Whether a lower bound proves a plan of this objective optimal (objectives are integral: ⌈bound⌉)."""
    return bool(np.isfinite(bound)) and np.ceil(bound - 1e-6) >= objective


def _with_guided(res: _Result, helper: GuidedSearch, bound: float) -> _Result:
    """The full search's result, or the guided plan when the search did not prove its own and it is better.

    A search that proved optimality keeps its plan and the guided search is stopped, so a proven plan is the
    same on every run (which search ends first does not matter). Otherwise (time-out, Ctrl-C) the guided plan
    is taken when strictly better; ``bound``, the full search's final bound (also when it has no plan), proves
    it optimal when ``⌈bound⌉`` reaches its objective.
    """
    helper.stop()  # (a proven search needs nothing more; an unproven one has used its time)
    guided = helper.result()
    if res.status in (cp_model.OPTIMAL, cp_model.INFEASIBLE, cp_model.MODEL_INVALID) \
            or guided.objective is None \
            or (res.values is not None and res.objective <= guided.objective):
        return dataclasses.replace(res, info=guided.info)
    guided.info["used"] = True
    status = cp_model.OPTIMAL if _proves(bound, guided.objective) else cp_model.FEASIBLE
    return _Result(status, guided.values, guided.objective, bound, res.interrupted, guided.info)


def _read(solver: cp_model.CpSolver, status: cp_model.CpSolverStatus, interrupted: bool) -> _Result:
    """The outcome of a finished search: its plan (if any), objective and bound in model units."""
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _Result(status, None, interrupted=interrupted)
    return _Result(status, np.asarray(solver.response_proto.solution, dtype=np.int64),
                   int(round(solver.objective_value)), solver.best_objective_bound, interrupted)


def _solve_parts(parts, proto, params: SolveParams, budget: float, progress,
                 guide_from: float | None = None, work: float | None = None) -> _Result:
    """Solve independent parts one by one (or ``workers`` at a time, one worker each) and assemble the plan.

    Smallest parts first; each gets a share of the time left proportional to its size, so time a part does not
    need passes to the larger ones. The objective and the bound are sums over the parts plus the full model's
    constant: the bound is a bound of the full model (see :mod:`teacher_match.model.decomposition`).
    With ``workers > 1`` the parts are solved concurrently, each by one deterministic worker. ``guide_from``:
    see :func:`_solve_whole` (one instant for all parts: the stage's, not each part's). ``work``: CP-SAT's
    deterministic seconds for all parts, shared by size.
    """
    deadline = time.perf_counter() + budget
    total_size = sum(p.size for p in parts)
    order = sorted(range(len(parts)), key=lambda k: (parts[k].size, k))
    threads = max(1, min(int(params.workers), len(parts)))
    one = dataclasses.replace(params, workers=1)
    results: dict[int, _Result] = {}
    stop = threading.Event()

    def run(k: int, share: float) -> _Result:
        if stop.is_set():
            return _Result(cp_model.UNKNOWN, None)
        model = parts[k].model
        label = f"part {order.index(k) + 1}/{len(parts)}"
        left = deadline - time.perf_counter()
        report = partial(_part_report, k=k, state=state) if progress else None
        r = _solve_whole(model, one, max(0.1, min(left, share * left)), report, label, solvers,
                         work=None if work is None else work * parts[k].size / total_size,
                         guide_from=guide_from if threads == 1 else None)
        if report is not None and r.values is not None:
            # the final numbers, also when presolve alone solved the part and no callback fired
            report({"stage": label, "objective": r.objective / OBJ_SCALE, "bound": r.bound / OBJ_SCALE})
        if r.interrupted:
            stop.set()
        return r

    solvers: list = []
    # progress reports the whole plan: objective and bound summed over the parts once every part has one
    state = {"report": progress, "best": {}, "bound": {}, "n": len(parts), "t0": time.perf_counter(),
             "offset": float(proto.objective.offset) / OBJ_SCALE, "lock": threading.Lock()}

    if threads == 1:
        for pos, k in enumerate(order):
            rest = sum(parts[j].size for j in order[pos:])
            results[k] = run(k, parts[k].size / rest)
    else:
        from concurrent.futures import ThreadPoolExecutor, wait

        total = sum(p.size for p in parts)
        pressed: list[int] = []
        in_main = threading.current_thread() is threading.main_thread()
        previous = (signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(signum)) if in_main
                    else None)
        try:
            # largest first across the threads: the long parts start at once
            with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="cp-sat-part") as pool:
                futures = {k: pool.submit(run, k, min(1.0, threads * parts[k].size / total))
                           for k in reversed(order)}
                # Ctrl-C: stop every running search (they keep their best plans) and start no further part
                while wait(list(futures.values()), timeout=0.1).not_done:
                    if pressed:
                        stop.set()
                        for sv in list(solvers):
                            sv.stop_search()
                results = {k: f.result() for k, f in futures.items()}
        finally:
            if in_main:
                signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
        if pressed:
            results = {k: dataclasses.replace(r, interrupted=True) for k, r in results.items()}
    if threads == 1 and not stop.is_set() and work is None:
        # (with a work limit each part has had its share: a second pass would depend on the clock)
        _second_pass(parts, order, results, deadline, run)
    interrupted = any(r.interrupted for r in results.values())
    for k in order:
        if results[k].values is None and results[k].status == cp_model.UNKNOWN:
            # stopped (Ctrl-C, time) before its first plan: a quick plan of its own, so that the other parts'
            # plans are not lost — one plan per part is a plan of the whole
            results[k] = _first_plan(parts[k].model, one, interrupted)
    codes = [results[k].status for k in order]
    if cp_model.MODEL_INVALID in codes or cp_model.INFEASIBLE in codes:
        bad = cp_model.MODEL_INVALID if cp_model.MODEL_INVALID in codes else cp_model.INFEASIBLE
        return _Result(bad, None, interrupted=interrupted)
    if any(results[k].values is None for k in order):
        return _Result(cp_model.UNKNOWN, None, interrupted=interrupted)
    values = np.zeros(len(proto.variables), dtype=np.int64)  # every variable belongs to one part
    for k in order:
        values[parts[k].variables] = cast(np.ndarray, results[k].values)  # (none is None: see above)
    offset = int(round(proto.objective.offset))
    status = cp_model.OPTIMAL if all(c == cp_model.OPTIMAL for c in codes) else cp_model.FEASIBLE
    guided = [results[k].info for k in order if results[k].info]
    return _Result(status, values, offset + sum(results[k].objective for k in order),
                   offset + sum(results[k].bound for k in order), interrupted,
                   {"parts": guided} if guided else None)


def _second_pass(parts, order, results: dict, deadline: float, run) -> None:
    """Spend the time that parts proven early left over on the parts not yet proven, from their best plans.

    Each such part is searched again (its plan as a hint, a share of the time left by size); the better plan
    and the higher bound of the two searches are kept, so a part never gets worse.
    """
    todo = [k for k in order if results[k].status == cp_model.FEASIBLE and results[k].values is not None]
    for pos, k in enumerate(todo):
        if deadline - time.perf_counter() < SECOND_PASS_MIN_SECONDS:
            return
        proto = parts[k].model.proto
        proto.clear_solution_hint()
        proto.solution_hint.vars.extend(range(parts[k].size))
        proto.solution_hint.values.extend(results[k].values.tolist())
        rest = sum(parts[j].size for j in todo[pos:])
        again = run(k, parts[k].size / rest)
        old = results[k]
        best = again if again.values is not None and again.objective <= old.objective else old
        results[k] = dataclasses.replace(
            best, status=cp_model.OPTIMAL if again.status == cp_model.OPTIMAL else best.status,
            bound=max(old.bound, again.bound), interrupted=old.interrupted or again.interrupted)
        if again.interrupted:
            return


def _first_plan(model: cp_model.CpModel, params: SolveParams, interrupted: bool) -> _Result:
    """Any plan of one part, fast: no LP, stop at the first solution (its bound is CP-SAT's, however weak)."""
    solver = _solver(params, FIRST_PLAN_SECONDS)
    solver.parameters.linearization_level = 0
    solver.parameters.stop_after_first_solution = True
    status, again = _solve_interruptible(solver, model, None)
    return _read(solver, status, interrupted or again)


def _part_report(info: dict, *, k: int, state: dict) -> None:
    """Turn one part's progress into the whole plan's (NaN while some part has no plan or bound yet)."""
    with state["lock"]:
        if info["objective"] == info["objective"]:
            state["best"][k] = info["objective"]
        if info["bound"] == info["bound"]:
            state["bound"][k] = info["bound"]
        n, off = state["n"], state["offset"]
        obj = off + sum(state["best"].values()) if len(state["best"]) == n else float("nan")
        bound = off + sum(state["bound"].values()) if len(state["bound"]) == n else float("nan")
        state["report"]({"stage": info["stage"], "objective": obj, "bound": bound, "gap": _gap(obj, bound),
                         "elapsed": time.perf_counter() - state["t0"]})


def _solve_interruptible(solver: cp_model.CpSolver, model: cp_model.CpModel,
                         cb) -> tuple[cp_model.CpSolverStatus, bool]:
    """Run CP-SAT so that Ctrl-C stops the search and keeps its best solution; return (status, interrupted).

    CP-SAT's own Ctrl-C handler replaces Python's for good once a solve ends, and Python signal handlers only
    run in the main thread while it executes Python code. So the search runs in a helper thread with CP-SAT's
    handler off, and while it runs, Ctrl-C only sets a flag (a KeyboardInterrupt could surface at any line,
    even after the search ended); the waiting main thread sees the flag within 0.1 s and asks the solver to
    stop, as a time limit would, so the best solution found so far is returned. Python's handler is restored
    afterwards.
    """
    solver.parameters.catch_sigint_signal = False
    if threading.current_thread() is not threading.main_thread():
        return solver.solve(model, cb), False
    result: dict = {}
    done = threading.Event()

    def run() -> None:
        try:
            result["status"] = solver.solve(model, cb)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread below
            result["error"] = exc
        finally:
            done.set()

    pressed: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(signum))
    try:
        threading.Thread(target=run, name="cp-sat-search", daemon=True).start()
        # an Event, not Thread.join: a join interrupted by a signal can report a running thread as finished
        while not done.wait(0.1):
            if pressed:
                # repeated: a stop asked for before the search has started is otherwise lost
                solver.stop_search()
    finally:
        # None: the handler in place was not set from Python; the default is the closest to restore
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
    interrupted = bool(pressed)
    if "error" in result:
        raise result["error"]
    return result["status"], interrupted


