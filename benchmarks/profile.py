"""Where the time goes: each phase of a solve, timed, at county and city size.

    python -m benchmarks.profile [--presets county,city] [--time-limit 120] [--out benchmarks/results]

Writes ``profile.md``: generation, eligibility, candidate pairs, aggregation, each rule's ``build``, CP-SAT's
own phases (presolve, first solution, last improvement, end, read off its search log), turning the solution
into a Plan (reasons included) and the independent check.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import time
from pathlib import Path

import teacher_match as tm
from teacher_match.objective import Objective
from teacher_match.scaling import OBJ_SCALE
from teacher_match.search import _prepare as prepare_search

RESULTS = Path(__file__).parent / "results"


def _clock():
    t = time.perf_counter()
    return lambda: time.perf_counter() - t


def profile(preset: str, time_limit: float, seed: int = 0) -> list[tuple[str, float, str]]:
    """(phase, seconds, note) rows for one preset."""
    rows = []
    c = _clock()
    problem = tm.make_county(preset=preset, seed=seed)
    rows.append(("generate synthetic county", c(), repr(problem)))
    policy = tm.load_policy("default")
    ctx = tm.build_model(problem, policy, aggregate=True)
    notes = {
        "distances": f"{len(problem.schools):,} schools",
        "eligibility": f"{int(ctx.elig['status'].isin(['mandatory', 'eligible']).sum()):,} movable",
        "candidate pairs": f"{len(ctx.teacher_pairs):,} pairs (flows, commute cap, protected subjects)",
        "aggregation": f"{len(ctx.model_pairs):,} class rows",
        "variables": f"{len(ctx.x):,}",
    }
    rows += [(phase, sec, notes.get(phase, "")) for phase, sec in ctx.timings.items()]
    c = _clock()
    ref, parts, target = prepare_search(ctx, Objective.from_policy(policy))
    rows.append(("objective, destination flows, split into parts", c(),
                 f"{len(ctx.model.proto.variables):,} → {len(target.proto.variables):,} variables"
                 + ("" if ref is not None else " (no reformulation)") + "; "
                 + ("one part" if parts is None
                    else f"{len(parts)} parts of {', '.join(f'{q.size:,}' for q in parts)}"
                    " variables; the CP-SAT rows below search the reformulated model in one piece")))
    # CP-SAT's phases, read off its own log lines
    from ortools.sat.python import cp_model

    lines: list[tuple[float, str]] = []
    t0 = time.perf_counter()
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = time_limit
    p.num_workers, p.linearization_level, p.cp_model_probing_level = 1, 2, 0
    p.log_search_progress, p.log_to_stdout = True, False
    solver.log_callback = lambda s: lines.append((time.perf_counter() - t0, s))
    status = solver.solve(target)
    total = time.perf_counter() - t0
    start = next((t for t, s in lines if s.startswith("Starting search")), None)
    sols = [t for t, s in lines if re.match(r"#\d+\s", s)]
    rows.append(("CP-SAT presolve and model loading", start or total, ""))
    if sols:
        rows.append(("CP-SAT to first plan", sols[0], ""))
        rows.append(("CP-SAT to last improving plan", sols[-1], ""))
    rows.append(("CP-SAT total", total, f"{solver.status_name(status)}, objective "
                 f"{solver.objective_value / OBJ_SCALE:,.1f}, "
                 f"bound {solver.best_objective_bound / OBJ_SCALE:,.1f}"))
    c = _clock()
    plan = tm.solve(problem, policy, time_limit=time_limit)
    rows.append(("tm.solve end to end (build + search + Plan)", c(),
                 f"{plan.status}, {plan.solver_info['parts']} part(s), objective {plan.objective:,.1f}, "
                 f"bound {plan.bound:,.1f}"))
    c = _clock()
    v = tm.check(problem, policy, plan)
    rows.append(("check (pandas only)", c(), f"{len(v)} violations"))
    return rows


def main(argv=None) -> int:
    """Profile the presets and write profile.md."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--presets", default="county,city")
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--out", default=str(RESULTS))
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    md = ["# Where the time goes", "",
          f"{os.cpu_count()} cores, Python {platform.python_version()}, load average at start "
          f"{' / '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"time limit {args.time_limit:g} s; default policy.", ""]
    for preset in args.presets.split(","):
        rows = profile(preset, args.time_limit)
        md += [f"## {preset}", "", "| phase | seconds | note |", "|---|---:|---|"]
        md += [f"| {name} | {sec:.2f} | {note} |" for name, sec, note in rows]
        md.append("")
        print(f"[{preset}] done", flush=True)
    (out / "profile.md").write_text("\n".join(md), encoding="utf-8")
    print(f"wrote {out / 'profile.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
