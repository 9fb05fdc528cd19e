"""The cadre models on synthetic systems: seconds, status, gap and model size per size and model.

``python -m benchmarks.cadre [--sizes 120,400,800] [--time-limit 60]`` solves ``tm.cadre.make_system(n,
seed=1)`` with both cadre models (the county's triggers supplied: 10 years in the unit, 5 in the post), one
worker, each solve in this process one after another, checks every plan with the pandas checker, and writes
``benchmarks/results/cadre.md``. The load average is recorded at start and end: on a shared machine the
seconds are slower than on an idle one.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import teacher_match as tm

RESULTS = Path(__file__).resolve().parent / "results" / "cadre.md"
COUNTY_YEARS = {"exchange_min_years_in_unit": 10, "rotation_min_years_in_post": 5}


def run(sizes: list[int], time_limit: float) -> list[dict]:
    """One row per size and model."""
    rows = []
    for n in sizes:
        roster = tm.cadre.make_system(n, seed=1)
        for pid in tm.cadre.policy_ids():
            policy = tm.cadre.load_policy(pid)
            if pid == "county-cadre-rotation":
                policy = policy.with_(**COUNTY_YEARS)
            t0 = time.perf_counter()
            plan = tm.cadre.solve(roster, policy, time_limit=time_limit)
            seconds = time.perf_counter() - t0
            violations = len(tm.cadre.check(roster, policy, plan)) if plan.has_plan else None
            t = plan.totals()
            rows.append({"cadres": len(roster.cadres), "model": pid, "status": plan.status,
                         "seconds": round(seconds, 1), "gap": plan.gap,
                         "variables": plan.solver_info["variables"], "moved": len(plan.moved),
                         "due left": t["due_left"], "violations": violations})
            print(rows[-1], flush=True)
    return rows


def render(rows: list[dict], time_limit: float, load: tuple) -> str:
    """The Markdown report."""
    head = ["cadres", "model", "status", "seconds", "gap", "variables", "moved", "due left", "violations"]
    lines = ["# Cadre models on synthetic systems", "",
             f"`python -m benchmarks.cadre`, time limit {time_limit:g} s per solve, one worker, "
             f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}); load average "
             f"{load[0]:.1f} at start, {load[1]:.1f} at end (a shared machine: slower than idle).", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        gap = "—" if r["gap"] != r["gap"] else f"{r['gap']:.2%}"
        cells = (r["cadres"], r["model"], r["status"], r["seconds"], gap, f"{r['variables']:,}", r["moved"],
                 r["due left"], r["violations"])
        lines.append("| " + " | ".join(str(v) for v in cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run and write ``results/cadre.md``."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="120,400,800")
    ap.add_argument("--time-limit", type=float, default=60.0)
    args = ap.parse_args()
    start = os.getloadavg()[0]
    rows = run([int(s) for s in args.sizes.split(",")], args.time_limit)
    RESULTS.write_text(render(rows, args.time_limit, (start, os.getloadavg()[0])), encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
