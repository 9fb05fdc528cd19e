"""Every teacher explained (``tm.explain_all``) per county size: seconds per phase, searches, proofs.

``python -m benchmarks.explain_all`` solves ``make_county(N, seed=0)`` under the default policy for each size
of :data:`SIZES` (town 500, county 10,000 — the report's presets), then explains every teacher of the plan,
each size in its own process, and writes ``benchmarks/results/explain_all.md``: the seconds of each phase
(build, the proven optimum, the neighbourhood triage, the whole-model searches, the answers), how many
whole-model searches were needed, how many counterfactuals are proven optimal, and the machine's load.
The target (speed issue): every teacher of the 10,000-teacher county in at most 10 minutes.

``--sizes town=500,county=10000`` chooses the sizes; ``--workers`` the searches run at a time.
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

OUT = Path(__file__).resolve().parent / "results" / "explain_all.md"

#: name → teachers (the report's town and county presets)
SIZES = {"town": 500, "county": 10_000}

#: with a sample: teachers triaged per whole-model search timed
TRIAGE_PER_SEARCH = 10

#: the target: every teacher of the county explained in this many seconds
TARGET_S = 600.0


def _run(n: int, seed: int, workers: int, time_limit: float, sample: int | None, queue) -> None:
    """One size: the whole ``explain_all``, or with ``sample`` each phase timed on a sample and projected.

    With ``sample``: the triage on ``TRIAGE_PER_SEARCH × sample`` teachers, the whole-model searches on
    ``sample`` of the questions it leaves, the answers on the teachers so decided (all evenly spaced).
    """
    import teacher_match as tm
    from teacher_match.explain_many import _question
    from teacher_match.explanation import Explainer

    problem = tm.make_county(n, seed=seed)
    policy = tm.load_policy("default")
    t0 = time.perf_counter()
    plan = tm.solve(problem, policy, time_limit=120)
    solve_s = time.perf_counter() - t0
    res: dict = {"teachers": n, "plan": plan.status, "solve_s": round(solve_s, 1)}
    if sample is None:
        t0 = time.perf_counter()
        every = tm.explain_all(problem, policy, plan, workers=workers, time_limit=time_limit)
        t = every.table
        res.update(explain_s=round(time.perf_counter() - t0, 1), projected=False,
                   phases={k: round(v, 1) for k, v in every.timings.items() if isinstance(v, float)},
                   questions=int(every.timings["questions"]),
                   optimal=int((t["counterfactual_status"] == "OPTIMAL").sum()),
                   infeasible=int((t["counterfactual_status"] == "INFEASIBLE").sum()),
                   not_proven=int((t["counterfactual_status"] == "FEASIBLE").sum()),
                   movable=int(t["status"].isin(["mandatory", "eligible"]).sum()))
    else:
        phases: dict = {}
        t0 = time.perf_counter()
        ex = Explainer(problem, policy, plan, time_limit=time_limit)
        ex.base()
        phases["build"] = time.perf_counter() - t0
        t = time.perf_counter()
        ex.optimum()
        phases["optimum"] = time.perf_counter() - t
        movable = [i for i in range(len(ex.f.tid)) if ex.movable(i) and len(ex.rows_of[i])]
        t = time.perf_counter()
        pending: dict = {}
        how = {"tie": 0, "residual": 0}
        # the triage timed on TRIAGE_PER_SEARCH × sample teachers (evenly spaced), projected to all
        triaged = movable[:: max(1, len(movable) // (TRIAGE_PER_SEARCH * sample))]
        for i in triaged:
            kind, s = _question(ex, i)
            key = ex.needs_search(i, kind, s)
            if key is None:
                how["residual" if ex._residual.get((i, kind, s)) is not None else "tie"] += 1
            else:
                pending.setdefault(key, (i, kind, s))
        scale = len(movable) / max(1, len(triaged))
        phases["triage"] = (time.perf_counter() - t) * scale
        todo = list(pending.values())
        picked = todo[:: max(1, len(todo) // sample)][:sample]
        t = time.perf_counter()
        statuses = [ex.resolve(*q)[0] for q in picked]
        per_search = (time.perf_counter() - t) / max(1, len(picked))
        questions = round(len(todo) * scale)
        phases["searches"] = per_search * questions / max(1, workers)
        # answers of the teachers whose questions were searched or need none (the others would search again)
        t = time.perf_counter()
        done = [i for i in triaged if ex.key(i, *_question(ex, i)) in ex.resolved
                or ex.needs_search(i, *_question(ex, i)) is None]
        for i in done:
            ex.answer(ex.f.tid[i])
        phases["answers"] = (time.perf_counter() - t) / max(1, len(done)) * len(movable)
        total = sum(phases.values())
        res.update(explain_s=round(total, 1), projected=True,
                   phases={k: round(v, 1) for k, v in phases.items()}, questions=questions,
                   sampled=len(picked), triaged=len(triaged), per_search_s=round(per_search, 1),
                   sample_statuses=dict(pd_counts(statuses)), movable=len(movable), **how)
    res["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    queue.put(res)


def pd_counts(values) -> dict:
    """How many of each value."""
    out: dict = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=",".join(f"{k}={v}" for k, v in SIZES.items()))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per whole-model search")
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--sample", default="county=20",
                    help="SIZE=N: time N of that size's whole-model searches and project the rest (default "
                         "county=20; '' runs every size whole)")
    ap.add_argument("--rows", help="render the report from saved result rows (one JSON object a line) "
                                   "instead of running")
    args = ap.parse_args(argv)
    sizes = {k: int(v) for k, v in (s.split("=") for s in args.sizes.split(","))}
    samples = {k: int(v) for k, v in (s.split("=") for s in args.sample.split(",") if s)}
    rows = []
    load_start = os.getloadavg()
    if args.rows:
        rows = [json.loads(line) for line in Path(args.rows).read_text(encoding="utf-8").splitlines() if line]
        load_start = tuple(rows[0].get("load_start", load_start))
        sizes = {}
    for name, n in sizes.items():
        res = run_isolated(_run, n, args.seed, args.workers, args.time_limit, samples.get(name))
        res["size"] = name
        res["load_start"] = list(load_start)
        res["load_end"] = list(os.getloadavg())
        rows.append(res)
        print(json.dumps(res), flush=True)
    load_end = tuple(rows[-1].get("load_end", os.getloadavg())) if rows else os.getloadavg()
    lines = [
        "# Every teacher explained (`tm.explain_all`)",
        "",
        f"`python -m benchmarks.explain_all --sizes {args.sizes} --workers {args.workers}` — "
        f"`make_county(N, seed={args.seed})`, default policy, the plan from `tm.solve` (120 s limit), then "
        f"every teacher of the plan explained: binding rule instances and the counterfactual's exact price "
        f"(the same answer `explain` gives one teacher). {args.workers} searches at a time, "
        f"{args.time_limit:g} s per whole-model search.",
        "",
        f"Machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, shared; load "
        f"average "
        f"(1, 5, 15 min) {tuple(round(x, 2) for x in load_start)} at the start, "
        f"{tuple(round(x, 2) for x in load_end)} at the end.",
        "",
        "| size | teachers | movable (whole run) / with candidates (projected) | explain_all s | target "
        "| build | optimum | triage | searches | answers | whole-model questions | how |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ph = r["phases"]
        target = (("met" if r["explain_s"] <= TARGET_S else "NOT met") + f" (≤ {TARGET_S:.0f} s)"
                  if r["teachers"] >= 10_000 else "–")
        if r["projected"]:
            how = (f"projected: triage timed on {r['triaged']} teachers (evenly spaced), × all; "
                   f"{r['sampled']} searches timed, {r['per_search_s']:.1f} s each "
                   f"({r['sample_statuses']}), × {r['questions']} / {args.workers} workers; answers timed "
                   f"on the teachers already decided, × all; of those triaged {r['tie']} ties and "
                   f"{r['residual']} reduced-cost proofs without a whole-model search")
        else:
            how = (f"measured whole: counterfactuals {r['optimal']} OPTIMAL, {r['infeasible']} INFEASIBLE, "
                   f"{r['not_proven']} not proven")
        lines.append(
            f"| {r['size']} | {r['teachers']:,} | {r['movable']:,} | {r['explain_s']:.1f} | {target} "
            f"| {ph.get('build', 0):.1f} | {ph.get('optimum', 0):.1f} | {ph.get('triage', 0):.1f} "
            f"| {ph.get('searches', 0):.1f} | {ph.get('answers', 0):.1f} | {r['questions']} | {how} |")
    lines += ["", "Phases (seconds): build = the models and the plan's complete solution; optimum = one "
              "search "
              "of the whole model (the proof that a neighbourhood's plan of equal objective is a best one); "
              "triage = each teacher's counterfactual re-solved on their neighbourhood, then on the rows the "
              "LP's reduced costs leave open (exact); searches = the questions left, asked of the whole "
              "aggregated model once per class of interchangeable teachers; answers = binding rule instances "
              "and the sentences, teacher by teacher.", ""]
    Path(args.out).write_text("\n".join(lines), encoding="utf-8")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
