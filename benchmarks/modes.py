"""Several modes in one plan on a 10,000-teacher county: status, gap, seconds, variables, moves per mode.

``python -m benchmarks.modes`` plans ``make_county(10000, seed=0)`` under each shipped policy of :data:`RUNS`
(their main mode and the modes planned beside it, :mod:`teacher_match.rules.modes`), each in its own process,
with a 120 s limit and two workers, checks every plan with ``tm.check`` and writes
``benchmarks/results/modes.md``. The target: proven optimal or a gap of at most 0.5 % within 120 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from benchmarks.isolated import run_isolated

#: (policy id, what it mixes)
RUNS = [
    ("shuanggou-2021", "30 + 2 down (main) and 30 + 2 up (上派, principals on 挂职) — fixed counts"),
    ("tongyu-2012", "下乡支教 (main) and 上派研修 (study, age ≤ 35, 教龄 ≤ 8, applied)"),
    ("county-draft-zqyj", "rotation (main), 跟岗 (never repeated) and principals' month of 挂职学习 (上挂)"),
]
OUT = Path(__file__).resolve().parent / "results" / "modes.md"
TARGET_GAP = 0.005


def run_one(policy_id: str, n: int, seed: int, time_limit: float, workers: int) -> dict:
    """One solve and its check (in the calling process)."""
    import teacher_match as tm

    problem = tm.make_county(n, seed=seed)
    policy = tm.load_policy(policy_id)
    t0 = time.perf_counter()
    plan = tm.solve(problem, policy, time_limit=time_limit, workers=workers, seed=0)
    wall = time.perf_counter() - t0
    a = plan.assignments
    by_mode = a.loc[a["moves"], "mode"].value_counts().sort_index()
    return {"status": plan.status, "gap": plan.gap, "wall_s": wall,
            "variables": plan.solver_info.get("variables"),
            "by_mode": {str(k): int(v) for k, v in by_mode.items()},
            "violations": len(tm.check(problem, policy, plan)) if plan.has_plan else None}


def _child(policy_id, n, seed, time_limit, workers, queue) -> None:
    queue.put(run_one(policy_id, n, seed, time_limit, workers))


def main() -> None:
    """Run every policy and write the table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--teachers", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    load0 = os.getloadavg()
    rows = []
    for pid, what in RUNS:
        res = run_isolated(_child, pid, args.teachers, args.seed, args.time_limit, args.workers)
        rows.append((pid, what, res))
        print(pid, json.dumps(res, default=str))
    lines = [
        f"# Several modes in one plan: `make_county({args.teachers}, seed={args.seed})`",
        "",
        f"`python -m benchmarks.modes`: one solve per policy, {args.time_limit:g} s limit, {args.workers} "
        f"workers, each in its own process; every plan checked by `tm.check` (violations). Target: proven "
        f"optimal or gap ≤ {TARGET_GAP:.1%} within {args.time_limit:g} s. Machine: {os.cpu_count()} cores, "
        f"{platform.processor() or platform.machine()}, load average at the start "
        f"{', '.join(f'{x:.1f}' for x in load0)}, at the end "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} "
        "(shared: the seconds are indicative).",
        "",
        "| policy | modes | status | gap | seconds | variables | moved per mode | violations | target |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for pid, what, r in rows:
        gap = "—" if r["gap"] != r["gap"] else f"{r['gap']:.3%}"
        met = r["status"] == "OPTIMAL" or (r["gap"] == r["gap"] and r["gap"] <= TARGET_GAP)
        moved = ", ".join(f"{k} {v:,}" for k, v in r["by_mode"].items())
        lines.append(f"| `{pid}` | {what} | {r['status']} | {gap} | {r['wall_s']:.1f} | {r['variables']:,} | "
                     f"{moved} | {r['violations']} | {'met' if met else 'missed'} |")
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
