"""Run one method on one stored instance and write its measurements as JSON (one process per method).

``python -m benchmarks.methods METHOD INSTANCE_DIR OUT.json --scenario default --time-limit 60``

Methods (see ``benchmarks/baselines/``):

* ``teacher_match`` — :func:`teacher_match.solve` with its defaults (CP-SAT, 1 worker, linearization 2);
* ``highs`` — the identical CP-SAT model (the one ``solve`` searches, after its exact reformulation) exported
  to a MIP and solved by HiGHS (2 threads) in a child process;
* ``naive_cpsat`` — one Boolean per movable teacher × receiving school with a need, default CP-SAT, 2 workers;
* ``greedy`` — nearest eligible teacher per need, respecting caps.

Every method's plan is priced on the teacher_match model and validated by :func:`teacher_match.check`.
The parent (``benchmarks.report``) runs each method in its own process and reads its peak memory.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import teacher_match as tm
from teacher_match.scaling import OBJ_SCALE
from teacher_match.search import _prepare as prepare_search
from teacher_match.solving import _extract as extract_solution

from .baselines import evaluate, greedy, mip_export, naive
from .scenarios import SCENARIOS

__all__ = ["METHODS", "run", "map_pairs", "solve_model_options", "teacher_pairs"]

METHODS = ("teacher_match", "highs", "naive_cpsat", "greedy")
#: options of ``solve`` that change the model it builds (passed on to ``build_model``)
MODEL_OPTIONS = ("aggregate",)


def run(method: str, instance: str | Path, scenario: str = "default", time_limit: float = 60.0) -> dict:
    """Load the instance, run ``method``, validate its plan; return the measurements."""
    t0 = time.perf_counter()
    problem = tm.load_problem(instance)
    load_s = time.perf_counter() - t0
    policy = SCENARIOS[scenario].policy()
    objective = tm.Objective.from_policy(policy)
    out: dict = {"method": method, "scenario": scenario, "time_limit": time_limit, "load_s": load_s}
    if method == "teacher_match":
        plan = tm.solve(problem, policy, objective, time_limit=time_limit)
        info = plan.solver_info
        # the model CP-SAT searched (after the exact reformulation), which is also the one HiGHS gets
        out.update(build_s=plan.build_time_s, solve_s=plan.wall_time_s - plan.build_time_s,
                   variables=info["searched_variables"], constraints=info["searched_constraints"],
                   model_variables=info["variables"])
        ctx = tm.build_model(problem, policy)  # after the solve: only to count its candidate pairs
        out["pairs"] = len(teacher_pairs(ctx))
    elif method == "greedy":
        t1 = time.perf_counter()
        ctx = tm.build_model(problem, policy)
        build_s = time.perf_counter() - t1
        t1 = time.perf_counter()
        chosen = greedy.greedy_choice(ctx)
        solve_s = time.perf_counter() - t1
        plan = evaluate.plan_from_choice(ctx, chosen, objective, "FEASIBLE", bound=None, solve_s=solve_s,
                                         build_s=build_s, info={})
        out.update(build_s=build_s, solve_s=solve_s, pairs=len(ctx.model_pairs), variables=None,
                   constraints=None)
    elif method == "highs":
        plan, extra = _highs(problem, policy, objective, time_limit)
        out.update(extra)
    elif method == "naive_cpsat":
        t1 = time.perf_counter()
        nm = naive.build_naive(problem, policy, objective.weights)
        build_s = time.perf_counter() - t1
        t1 = time.perf_counter()
        res = naive.solve_naive(nm, time_limit)
        solve_s = time.perf_counter() - t1
        out.update(build_s=build_s, solve_s=solve_s, pairs=len(nm.x), variables=len(nm.model.proto.variables),
                   constraints=len(nm.model.proto.constraints), solver_objective=res["objective"])
        chosen_t, chosen_s = nm.t[res["chosen"]], nm.s[res["chosen"]]
        del nm  # the naive model can be large; the pricing below needs the teacher_match model only
        ctx = tm.build_model(problem, policy)
        mask, outside = map_pairs(ctx, chosen_t, chosen_s)
        out["outside_candidates"] = outside
        plan = evaluate.plan_from_choice(ctx, mask, objective, _status(res["status"], mask),
                                         bound=res["bound"], solve_s=solve_s, build_s=build_s, info={})
    else:
        raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
    violations = tm.check(problem, policy, plan)
    totals = plan.totals()
    out.update(
        teachers=totals["teachers"], eligible=totals["eligible"], rotated=totals["rotated"],
        needs_declared=totals["needs_declared"], needs_unfilled=totals["needs_unfilled"],
        status=plan.status, bound=_num(plan.bound),
        # no solution found: the priced plan is "nobody moves", which is no answer of the method's own
        objective=_num(plan.objective) if plan.status in ("OPTIMAL", "FEASIBLE") else None,
        gap=_num(plan.gap) if plan.status in ("OPTIMAL", "FEASIBLE") else None,
        violations=int(len(violations)) + int(out.get("outside_candidates", 0)),
        violation_rules=sorted(set(violations["rule"])) if len(violations) else [],
    )
    return out


def _status(solver_status: str, mask: np.ndarray) -> str:
    return solver_status if solver_status in ("OPTIMAL", "FEASIBLE", "INFEASIBLE", "MODEL_INVALID") else (
        "FEASIBLE" if mask.any() else solver_status)


def _num(v) -> float | None:
    return None if v is None or not np.isfinite(v) else float(v)


def map_pairs(ctx, t: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, int]:
    """Mask over ``ctx.model_pairs`` of the given (teacher, school) pairs, and how many are not candidates."""
    rows = ctx.model_pairs
    row = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(rows["t"], rows["s"], strict=True))}
    mask = np.zeros(len(ctx.model_pairs), dtype=bool)
    outside = 0
    for a, b in zip(t.tolist(), s.tolist(), strict=True):
        i = row.get((a, b))
        if i is None:
            outside += 1
        else:
            mask[i] = True
    return mask, outside


def solve_model_options() -> dict:
    """The ``build_model`` options :func:`teacher_match.solve` uses by default (e.g. class aggregation).

    HiGHS must get the model teacher_match actually solves, whatever solve's defaults are at this commit.
    """
    solve_opts = inspect.signature(tm.solve).parameters
    build_opts = inspect.signature(tm.build_model).parameters
    return {k: solve_opts[k].default for k in MODEL_OPTIONS if k in solve_opts and k in build_opts}


def teacher_pairs(ctx):
    """Teacher-level candidate pairs of a context (``ctx.teacher_pairs``: one row per teacher and school)."""
    return ctx.teacher_pairs


def _highs(problem, policy, objective, time_limit: float):
    """Export the model teacher_match solves, solve it with HiGHS in a child process, price the plan."""
    t1 = time.perf_counter()
    ctx = tm.build_model(problem, policy, **solve_model_options())
    # the model solve() searches: reformulated into destination flows where exact
    # (model/flow_reformulation.py)
    ref, _, target = prepare_search(ctx, objective)
    mip = mip_export.from_cp_model(target)
    scaling = mip.scaling
    build_s = time.perf_counter() - t1
    with tempfile.TemporaryDirectory() as tmp:
        model_path = Path(tmp) / "model.npz"
        mip_export.save(mip, model_path)
        stem = str(Path(tmp) / "solution")
        subprocess.run([sys.executable, "-m", "benchmarks.baselines.highs_solve", str(model_path), stem,
                        "--time-limit", str(time_limit), "--threads", "2"], check=True,
                       cwd=Path(__file__).resolve().parent.parent)
        summary = json.loads(Path(stem + ".json").read_text(encoding="utf-8"))
        values = np.load(stem + ".npy")
    pairs = teacher_pairs(ctx)
    if len(values):
        # solve's own extraction: it turns class flows back into teachers when the model aggregates
        values = np.rint(values).astype(np.int64)
        chosen, _ = extract_solution(ctx, ref.expand(values) if ref is not None else values)
    else:
        chosen = np.zeros(len(pairs), dtype=bool)
    t_pick, s_pick = pairs["t"].to_numpy()[chosen], pairs["s"].to_numpy()[chosen]
    n_vars, n_rows = mip.n_cols, mip.n_rows
    del ctx, mip
    # priced on the teacher-level model, like every other method's plan
    plain = tm.build_model(problem, policy)
    mask, _ = map_pairs(plain, t_pick, s_pick)
    # HiGHS reports CP-SAT's integer units (offset included): divide by OBJ_SCALE like every plan does
    bound = summary["bound"] * scaling / OBJ_SCALE
    plan = evaluate.plan_from_choice(plain, mask, objective, summary["status"], bound=bound,
                                     solve_s=summary["solve_s"], build_s=build_s, info=summary)
    extra = {"build_s": build_s, "solve_s": summary["solve_s"], "pairs": len(pairs),
             "variables": n_vars, "constraints": n_rows,
             "solver_objective": summary["objective"] * scaling / OBJ_SCALE,
             "solver_status": summary["highs_status"]}
    return plan, extra


def main(argv: list[str] | None = None) -> int:
    """Command-line entry (used by ``benchmarks.report``)."""
    ap = argparse.ArgumentParser(description="run one benchmark method on one instance")
    ap.add_argument("method", choices=METHODS)
    ap.add_argument("instance")
    ap.add_argument("out")
    ap.add_argument("--scenario", default="default", choices=sorted(SCENARIOS))
    ap.add_argument("--time-limit", type=float, default=60.0)
    args = ap.parse_args(argv)
    result = run(args.method, args.instance, args.scenario, args.time_limit)
    import resource

    result["self_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["pid"] = os.getpid()
    Path(args.out).write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
