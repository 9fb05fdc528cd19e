"""A 3-year rotation cycle of a synthetic county: seconds, status and gap per year, peak memory, scheduled.

``python -m benchmarks.cycle`` plans ``make_county(10000, seed=0)`` under the default policy with
``years = 3`` and ``all_mandatory_within_cycle = true``, and a must-rotate model with its own ``[cycle]`` on
the county with rotation posts (each configuration of :data:`CONFIGS` in its own process, so the peak
resident memory is that run's) and writes ``benchmarks/results/cycle.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from pathlib import Path

from benchmarks.isolated import run_isolated

#: (label, policy changes) of each run
CONFIGS = [
    ("hard, no term", {"years": 3, "all_mandatory_within_cycle": True}),
    ("hard, 1-year terms", {"years": 3, "all_mandatory_within_cycle": True, "term_years": 1}),
    (
        "soft (cycle_hard = false), 1-year terms",
        {"years": 3, "all_mandatory_within_cycle": True, "term_years": 1, "cycle_hard": False},
    ),
    (
        "soft, 1-year terms, exchange of posts with flows everywhere (as Dongcheng, Fujian)",
        {
            "years": 3,
            "all_mandatory_within_cycle": True,
            "term_years": 1,
            "cycle_hard": False,
            "post_exchange": True,
            "from": {},
            "to": {},
        },
    ),
    (
        "Dongcheng's own [cycle] (3 years, hard, pace priced, exchange of posts), rotation posts 0.5",
        {"model": "dongcheng-school-plan", "rotation_posts": 0.5},
    ),
]
OUT = Path(__file__).resolve().parent / "results" / "cycle.md"


def _run(n: int, seed: int, changes: dict, time_limit: float, queue) -> None:
    import teacher_match as tm

    t0 = time.perf_counter()
    changes = dict(changes)
    model = changes.pop("model", "default")
    problem = tm.make_county(n, seed=seed, rotation_posts=changes.pop("rotation_posts", 0.0))
    policy = tm.load_policy(model).with_(**changes)
    cycle = tm.plan_cycle(problem, policy, time_limit=time_limit)
    total = time.perf_counter() - t0
    years = []
    for k, (p, pol, plan) in enumerate(
        zip(cycle.problems, cycle.policies, cycle.plans, strict=True), start=1
    ):
        rule = pol.rule("cycle_obligation")
        checked = len(tm.check(p, pol, plan)) if plan.has_plan else None
        years.append(
            {
                "year": k,
                "status": plan.status,
                "gap": plan.gap,
                "seconds": cycle.seconds[k - 1],
                "rotated": int(plan.assignments["moves"].sum()) if plan.has_plan else 0,
                "due": len(rule.cycle_due),
                "pool": len(rule.cycle_pool),
                "pool_min": int(rule.cycle_pool_min or 0),
                "violations": checked,
                "variables": plan.solver_info.get("variables"),
                "shortfalls": 0 if plan.shortfalls is None else len(plan.shortfalls),
                "diagnosis": (
                    plan.diagnosis[["rule", "key"]].head(4).values.tolist()
                    if plan.diagnosis is not None
                    else None
                ),
            }
        )
    m = cycle.mandatory
    queue.put(
        {
            "years": years,
            "total_s": total,
            "mandatory": len(m),
            "obliged": int(m["obliged"].sum()),
            "scheduled": int(m["scheduled_year"].notna().sum()),
            "complete": cycle.complete,
            "notes": list(cycle.notes),
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )


def main() -> None:
    """Run every configuration and write the table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--teachers", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=40.0, help="seconds per year's solve")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    results = []
    for label, changes in CONFIGS:
        res = run_isolated(_run, args.teachers, args.seed, changes, args.time_limit)
        results.append((label, changes, res))
        print(label, json.dumps(res, default=str))
    lines = [
        f"# A {CONFIGS[0][1]['years']}-year rotation cycle: `make_county({args.teachers}, seed={args.seed})`",
        "",
        "`python -m benchmarks.cycle`: `tm.plan_cycle` under the default policy with `years = 3` and "
        "`all_mandatory_within_cycle = true`, each run in its own process (peak = its resident memory, "
        f"`ru_maxrss`); {args.time_limit:g} s per year, one CP-SAT worker. Machine: {os.cpu_count()} cores, "
        f"{platform.processor() or platform.machine()}, load average at the end "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} (shared: the seconds are indicative). Every "
        "year's plan is checked by `tm.check` against that year's roster (violations column).",
        "",
    ]
    for label, changes, res in results:
        lines += [
            f"## {label}",
            "",
            f"`{changes}` — mandatory teachers in the cycle {res['mandatory']:,} (obliged "
            f"{res['obliged']:,}), scheduled {res['scheduled']:,}; complete: {res['complete']}; whole run "
            f"{res['total_s']:.1f} s (county, 3 years, lookahead re-plans, diagnosis); peak memory "
            f"{res['peak_mb']:,.0f} MB. {' '.join(res['notes'])}",
            "",
            "| year | status | gap | seconds | variables | pool (floor) | due | rotated | violations | "
            "shortfalls | diagnosis (first rows) |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for y in res["years"]:
            gap = "—" if y["gap"] != y["gap"] else f"{y['gap']:.3%}"
            diag = "; ".join(f"{r}[{k}]" for r, k in y["diagnosis"]) if y["diagnosis"] else ""
            lines.append(
                f"| {y['year']} | {y['status']} | {gap} | {y['seconds']:.1f} | {y['variables']:,} | "
                f"{y['pool']:,} ({y['pool_min']:,}) | {y['due']:,} | {y['rotated']:,} | "
                f"{'—' if y['violations'] is None else y['violations']} | {y['shortfalls']} | {diag} |"
            )
        lines.append("")
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
