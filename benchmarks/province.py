"""A province on a LocalCluster against the same counties one after another; an estimate for 1,000 counties.

``python -m benchmarks.province --counties 100 --teachers 10000`` (the full row: a million teachers) writes
``benchmarks/results/province.md``; ``--counties 20`` is the row that fits in a few minutes.

Both runs do the same work per county: :func:`teacher_match.province.plan_county` — draw the county from its
seed (``make_province``: nothing but the seeds is shipped to the workers), solve it with one CP-SAT worker and
seed 0, check the plan. The sequential run calls it in this process, county after county; the cluster run is
``tm.solve_province`` on a ``--workers``-process LocalCluster, its start and close included. Every county's
status, objective and assignments must be the same in both runs (compared by a hash of the assignments):
the time limit is generous so that each county's search ends by itself (OPTIMAL), not by the clock — a county
stopped by its time limit could stop at another plan when the machine is loaded, and is reported as such.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import platform
import resource
import time
from pathlib import Path

import pandas as pd

import teacher_match as tm
from teacher_match.province import plan_county

RESULTS = Path(__file__).resolve().parent / "results"
#: speed-up of the cluster over one process (2 workers on 2 cores)
TARGET = 1.8
#: the estimate's cluster
EST_COUNTIES, EST_MACHINES = 1000, 50


def _digest(assignments: pd.DataFrame | None) -> int | None:
    if assignments is None:
        return None
    return int(pd.util.hash_pandas_object(assignments.astype(str), index=False).sum())


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--counties", type=int, default=100)
    ap.add_argument("--teachers", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=120.0, help="seconds per county (default 120)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=RESULTS / "province.md")
    args = ap.parse_args()
    province = tm.make_province(args.counties, args.teachers, seed=args.seed)
    policy = tm.load_policy("default")
    shared = {"policy": policy, "objective": None, "time_limit": args.time_limit, "workers": 1, "seed": 0}
    load0, up0 = os.getloadavg(), _uptime()

    # one after another, in this process: the same task as on a worker
    t0 = time.perf_counter()
    seq = []
    for name in province.names:
        r = plan_county(shared, name, province.recipe(name))
        seq.append({"county": name, "status": r.get("status", "ERROR"), "objective": r.get("objective"),
                    "digest": _digest(r.get("assignments")), "seconds": r["seconds"],
                    "cpu_seconds": r["cpu_seconds"], "error": r.get("error")})
        print(f"sequential {name}: {seq[-1]['status']} {r['seconds']:.1f} s", flush=True)
    sequential_s = time.perf_counter() - t0
    seq_rss = _rss_mb()

    from distributed import Client, LocalCluster

    t0 = time.perf_counter()
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address="127.0.0.1:0", silence_logs=40) as cluster, Client(cluster) as client:
        started_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        plan = tm.solve_province(province, policy, time_limit=args.time_limit, client=client, progress=False)
        cluster_only_s = time.perf_counter() - t1
    cluster_s = time.perf_counter() - t0
    load1, up1 = os.getloadavg(), _uptime()
    t2 = time.perf_counter()
    digests = {c: _digest(g) for c, g in plan.assignments.groupby("county", sort=True)}
    merge_note_s = time.perf_counter() - t2

    c = plan.counties
    rt = plan.runtime
    same = sum(1 for s, row in zip(seq, c.itertuples(), strict=True)
               if s["status"] == row.status and s["objective"] == row.objective
               and s["digest"] == digests.get(row.county))
    optimal = sum(1 for s in seq if s["status"] == "OPTIMAL")
    speedup = sequential_s / cluster_s
    task_seq = sum(s["seconds"] for s in seq)
    task_par = float(rt["seconds"].sum())
    slowdown = task_par / task_seq
    cpu_seq = sum(s["cpu_seconds"] for s in seq)
    cpu_par = float(rt["cpu_seconds"].sum())
    per_worker = rt.groupby("worker")["peak_rss_mb"].max()
    tasks_per_worker = rt.groupby("worker").size()
    mean_s = task_seq / len(seq)
    mean_cpu = cpu_seq / len(seq)
    longest_s = max(s["seconds"] for s in seq)
    t = plan.totals()
    teachers = args.counties * args.teachers
    assign_mb = plan.assignments.memory_usage(deep=True).sum() / 1e6

    # the estimate: 1,000 counties of this size on 50 machines of this machine's kind (cores each)
    cores = os.cpu_count() or 1
    slots = EST_MACHINES * cores
    waves = math.ceil(EST_COUNTIES / slots)
    est_s = waves * mean_s * slowdown + started_s
    # on machines that run nothing else a county takes about its processor time (the solve is one thread)
    est_cpu_s = waves * mean_cpu * (cpu_par / cpu_seq) + started_s
    est_driver_mb = assign_mb / args.counties * EST_COUNTIES

    lines = [
        "# Province: counties on a LocalCluster vs one after another",
        "",
        f"Written by `python -m benchmarks.province --counties {args.counties} --teachers {args.teachers} "
        f"--time-limit {args.time_limit:g}` on {dt.datetime.now():%Y-%m-%d %H:%M}; {cores} CPU cores, "
        f"Python {platform.python_version()}; load average {load0[0]:.2f} / {load0[1]:.2f} / {load0[2]:.2f} "
        f"at the start and {load1[0]:.2f} / {load1[1]:.2f} / {load1[2]:.2f} at the end "
        f"(`uptime`: `{up0}` → `{up1}`).",
        "",
    ]
    if (args.counties, args.teachers) != (100, 10_000):
        lines += [f"**This is a smaller row than the target's 100 counties × 10,000 teachers**: "
                  f"{args.counties} × {args.teachers:,}. The full row is "
                  f"`python -m benchmarks.province --counties 100 --teachers 10000` (about "
                  f"{100 * mean_s * (1 + slowdown / args.workers) / 60:.0f} min on this machine at the "
                  f"measured {mean_s:.1f} s per county).", ""]
    lines += [
        f"`make_province({args.counties}, {args.teachers}, seed={args.seed})`: {teachers:,} teachers; policy "
        f"`default`; {args.time_limit:g} s per county, one CP-SAT worker and seed 0 per county. Each county "
        f"is drawn from its seed on the process that plans it, then solved and checked.",
        "",
        "| run | seconds |",
        "|---|---:|",
        f"| {args.counties} counties one after another, one process | {sequential_s:.1f} |",
        f"| (sum of the counties' times: draw, solve, check) | {task_seq:.1f} |",
        f"| `tm.solve_province` on a {args.workers}-worker LocalCluster, start and close included | "
        f"{cluster_s:.1f} |",
        f"| (starting the cluster) | {started_s:.1f} |",
        f"| (the province on a running cluster, merge included) | {cluster_only_s:.1f} |",
        f"| (sum of the counties' times on the workers) | {task_par:.1f} |",
        f"| processor seconds of the counties, one after another / on the cluster | {cpu_seq:.1f} / "
        f"{cpu_par:.1f} |",
        "",
        f"**Speed-up: {speedup:.2f}×** (target ≥ {TARGET}× on 2 cores: "
        f"{'met' if speedup >= TARGET else 'missed'}); on a running cluster "
        f"{sequential_s / cluster_only_s:.2f}×.",
        "",
        f"What limits it: a county beside another ran {slowdown:.2f}× slower than alone (two solves share "
        f"the caches and memory bandwidth, and the machine's other work; in processor time "
        f"{cpu_par / cpu_seq:.2f}×), so {args.workers} workers give "
        f"at best about {args.workers / slowdown:.2f}×; the rest is the cluster's start and the last "
        f"county finishing alone (the longest took {longest_s:.1f} s alone).",
        "",
        f"Same result: {same} of {args.counties} counties have the same status, objective and assignments "
        f"in both runs; {optimal} of {args.counties} were proven optimal one after another.",
        "",
        "Peak memory (resident, `ru_maxrss`):",
        "",
        "| process | counties | peak MB |",
        "|---|---:|---:|",
    ]
    for w, mb in per_worker.items():
        lines.append(f"| cluster worker {w} | {tasks_per_worker[w]} | {mb:.0f} |")
    lines += [
        f"| this process after the sequential run (one county at a time) | {args.counties} | {seq_rss:.0f} |",
        f"| this process at the end (the merged province plan: {len(plan.assignments):,} assignment rows, "
        f"{assign_mb:.0f} MB) | — | {_rss_mb():.0f} |",
        "",
        f"Province: {t['planned']} of {t['counties']} counties planned, {t['failed']} failed; "
        f"{t['teachers']:,} teachers, {t['rotated']:,} rotated, needs filled {t['needs_filled']:,} of "
        f"{t['needs_declared']:,}; {t['violations']} violations.",
        "",
        f"## Estimate: {EST_COUNTIES:,} counties of {args.teachers:,} teachers on {EST_MACHINES} machines",
        "",
        f"Assuming {EST_MACHINES} machines like this one ({cores} cores, one worker per core: {slots} "
        "workers) and counties like these:",
        "",
        f"* counties per worker: ⌈{EST_COUNTIES:,} / {slots}⌉ = {waves} waves;",
        f"* one county: {mean_s:.1f} s alone (mean of the sequential run) × {slowdown:.2f} (measured "
        f"slowdown beside another solve) = {mean_s * slowdown:.1f} s;",
        f"* total ≈ {waves} × {mean_s * slowdown:.1f} s + {started_s:.1f} s to start the cluster = "
        f"**{est_s / 60:.1f} min** (the longest county here took {longest_s:.1f} s alone: a wave lasts as "
        f"long as its slowest county, so plan for up to "
        f"{(waves * longest_s * slowdown + started_s) / 60:.1f} min "
        f"if the slow counties come together — the scheduler hands out counties as workers free up, which "
        f"evens this out);",
        f"* the same from processor time, i.e. on machines that run nothing else: {mean_cpu:.1f} CPU-s per "
        f"county × {cpu_par / cpu_seq:.2f} (processor time on the cluster / alone) × {waves} waves + "
        f"{started_s:.1f} s = **{est_cpu_s / 60:.1f} min**;",
        f"* memory: each worker holds one county at a time: {per_worker.max():.0f} MB peak per worker here, "
        f"so {per_worker.max() * cores / 1024:.1f} GB per {cores}-core machine;",
        f"* the driver gathers every assignment row: {assign_mb / args.counties:.1f} MB per county × "
        f"{EST_COUNTIES:,} = {est_driver_mb / 1024:.1f} GB (the merge of {args.counties} counties took "
        f"{merge_note_s:.1f} s to hash here); the seeds or paths sent out are a few bytes per county.",
        "",
        "| county | status | objective | seconds alone | CPU-s alone | seconds on the cluster | CPU-s on the "
        "cluster | worker | peak MB | same |",
        "|---|---|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for s, row, r in zip(seq, c.itertuples(), rt.itertuples(), strict=True):
        ok = s["status"] == row.status and s["objective"] == row.objective and s["digest"] == digests.get(
            row.county)
        lines.append(f"| {row.county} | {row.status} | {row.objective:,.1f} | {s['seconds']:.1f} | "
                     f"{s['cpu_seconds']:.1f} | {r.seconds:.1f} | {r.cpu_seconds:.1f} | {r.worker} | "
                     f"{r.peak_rss_mb:.0f} | {'yes' if ok else 'NO'} |")
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


def _uptime() -> str:
    try:
        la = Path("/proc/loadavg").read_text().split()[:3]
        return "load average: " + ", ".join(la)
    except OSError:
        return "n/a"


if __name__ == "__main__":
    main()
