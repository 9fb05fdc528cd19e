"""Solve exported MIP arrays with HiGHS (highspy), in a process that never imports OR-Tools.

Run as ``python -m benchmarks.baselines.highs_solve MODEL.npz OUT.npz --time-limit 60 --threads 2``.
It writes the column values and a JSON summary (status, objective, bound, gap, run seconds) next to them.
Objective and bound are in CP-SAT's integer objective units (offset included, before ``scaling_factor``).
The optimality tolerance is absolute and below 1: every cost is an integer, so an absolute gap under one
unit proves the same optimum CP-SAT proves (HiGHS' default relative gap of 1e-4 would stop earlier).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from .mip_export import load


def solve(mip, time_limit: float, threads: int) -> tuple[dict, np.ndarray]:
    """Solve with HiGHS; return the summary and the column values (empty when no solution)."""
    # imported here, not at module level: importing this module (doctests, the report) must not load
    # highspy's libhighs into a process that already holds OR-Tools' one
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("threads", int(threads))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.999)
    n = len(mip.col_lo)
    h.addVars(n, mip.col_lo, mip.col_hi)
    h.changeColsCost(n, np.arange(n, dtype=np.int32), mip.cost)
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kInteger))
    h.addRows(len(mip.row_lo), mip.row_lo, mip.row_hi, len(mip.index), mip.start[:-1].astype(np.int32),
              mip.index, mip.value)
    h.changeObjectiveOffset(mip.offset)
    t0 = time.perf_counter()
    h.run()
    run_s = time.perf_counter() - t0
    status = h.getModelStatus()
    info = h.getInfo()
    has_sol = info.primal_solution_status == 2  # kSolutionStatusFeasible
    name = {highspy.HighsModelStatus.kOptimal: "OPTIMAL", highspy.HighsModelStatus.kInfeasible: "INFEASIBLE",
            }.get(status, "FEASIBLE" if has_sol else "UNKNOWN")
    obj = float(info.objective_function_value) if has_sol else float("nan")
    bound = float(info.mip_dual_bound)
    values = np.asarray(h.getSolution().col_value) if has_sol else np.empty(0)
    return {"status": name, "highs_status": h.modelStatusToString(status), "objective": obj, "bound": bound,
            "solve_s": run_s, "nodes": int(info.mip_node_count)}, values


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: read MODEL.npz, solve, write OUT.npz and OUT.json."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("out")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    summary, values = solve(load(args.model), args.time_limit, args.threads)
    np.save(args.out + ".npy", values)
    with open(args.out + ".json", "w", encoding="utf-8") as f:
        json.dump(summary, f)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
