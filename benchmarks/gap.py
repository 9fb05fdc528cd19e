"""The Generalized Assignment Problem benchmark: OR-Library / Yagiura instances solved by the itinerant code.

Itinerant teaching (走教) is a GAP (teachers = agents with spare lessons, lesson needs = jobs);
:func:`teacher_match.model.itinerant.solve_gap` is the same sub-model (:func:`add_cover`) the itinerant mode
adds to a rotation's solve, with its own start and neighbourhood search. This driver reads OR-Library files
(multi-problem ``gap1.txt`` … ``gapd.txt`` and single-instance ``a05100`` … ``e801600``), solves each problem
as a minimisation, re-prices and checks every assignment against the file (each job on one agent, within
every capacity), and writes one record per problem::

    python -m benchmarks.gap ../shared/gap/orlib/gap*.txt --time-limit 60 --out benchmarks/results/gap.json
    python -m benchmarks.gap --render benchmarks/results/gap.json      # the Markdown report again

The report (``benchmarks/results/gap.md``) sets the objectives beside ``known_values.csv`` (minimisation
rows). A bad file stops the run with one line naming the file and the position (line, token).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["GapFileError", "GapProblem", "read_gap", "main"]

RESULTS = Path(__file__).resolve().parent / "results"
KNOWN = Path(os.environ.get("TM_GAP_DIR", Path(__file__).resolve().parents[2] / "shared" / "gap"))


class GapFileError(ValueError):
    """A GAP file that does not read: the message names the file and the position."""


@dataclass(frozen=True)
class GapProblem:
    """One GAP problem: ``name``, costs and weights (m × n), capacities (m)."""

    name: str
    cost: np.ndarray
    weight: np.ndarray
    cap: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """(agents, jobs)."""
        return self.cost.shape


def _tokens(path: Path) -> tuple[list[int], list[int]]:
    try:
        text = path.read_text(encoding="utf-8", errors="strict")
    except FileNotFoundError:
        raise GapFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GapFileError(f"{path}: cannot be read as text ({exc.__class__.__name__})") from None
    values: list[int] = []
    lines: list[int] = []
    for ln, line in enumerate(text.splitlines(), start=1):
        for tok in line.split():
            if not re.fullmatch(r"[+-]?\d+", tok):
                raise GapFileError(f"{path}: line {ln}, token {len(values) + 1}: {tok!r} is not an integer")
            values.append(int(tok))
            lines.append(ln)
    return values, lines


def read_gap(path: str | Path) -> list[GapProblem]:
    """The problems of one OR-Library GAP file (multi-problem with a leading count, or a single instance).

    Names: the file's stem for a single instance (``d801600``), ``stem-p`` (1-based) in a multi-problem
    file (``gap1-1``), as in ``known_values.csv``.

    Raises
    ------
    GapFileError
        Truncated file, a count that does not match the data, a non-positive size, a negative value.
    """
    path = Path(path)
    vals, lines = _tokens(path)
    if not vals:
        raise GapFileError(f"{path}: empty file, expected 'm n' or a problem count")

    def where(i: int) -> str:
        if i >= len(vals):
            return f"end of file (after token {len(vals)}, line {lines[-1]})"
        return f"line {lines[i]}, token {i + 1}"

    def one(i: int, name: str) -> tuple[GapProblem, int]:
        if i + 2 > len(vals):
            raise GapFileError(f"{path}: {where(len(vals))}: truncated, expected 'm n' of problem {name}")
        m, n = vals[i], vals[i + 1]
        if m <= 0 or n <= 0:
            raise GapFileError(f"{path}: {where(i)}: agents and jobs must be positive, got m={m} n={n}")
        need = 2 * m * n + m
        body = vals[i + 2: i + 2 + need]
        if len(body) < need:
            raise GapFileError(f"{path}: {where(len(vals))}: truncated in problem {name}: m={m} n={n} needs "
                               f"{need} numbers after 'm n' ({where(i)}), found {len(body)}")
        arr = np.asarray(body, dtype=np.int64)
        cost = arr[: m * n].reshape(m, n)
        weight = arr[m * n: 2 * m * n].reshape(m, n)
        cap = arr[2 * m * n:]
        for what, a, off in (("resource", weight, m * n), ("capacity", cap, 2 * m * n)):
            bad = np.flatnonzero(a.ravel() < 0)
            if len(bad):
                raise GapFileError(f"{path}: {where(i + 2 + off + int(bad[0]))}: negative {what} "
                                   f"{int(a.ravel()[bad[0]])} in problem {name}")
        return GapProblem(name, cost, weight, cap), i + 2 + need

    stem = path.stem
    # a single instance holds exactly 2 + 2mn + m numbers; a file shorter than that is read as a truncated
    # single instance (a multi-problem file holds at least one whole problem after its count)
    if len(vals) >= 2 and vals[0] > 0 and vals[1] > 0 and len(vals) <= 2 + 2 * vals[0] * vals[1] + vals[0]:
        return [one(0, stem)[0]]
    count = vals[0]
    if count <= 0:
        raise GapFileError(f"{path}: {where(0)}: problem count must be positive, got {count}")
    out = []
    i = 1
    for p in range(1, count + 1):
        prob, i = one(i, f"{stem}-{p}")
        out.append(prob)
    if i != len(vals):
        raise GapFileError(f"{path}: {where(i)}: {len(vals) - i} numbers left after the {count} problems the "
                           f"file announces (wrong count?)")
    return out


def known_values(path: Path | None = None) -> dict[str, dict]:
    """Minimisation rows of ``known_values.csv`` by instance name (empty when the file is absent)."""
    path = path or KNOWN / "known_values.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as fh:
        return {r["instance"]: r for r in csv.DictReader(fh) if r["sense"] == "min"}


def verify(prob: GapProblem, assign: list[int] | None, objective: int | None) -> list[str]:
    """Re-price and check an assignment against the problem as read from its file (numpy only)."""
    if assign is None:
        return ["no assignment"]
    m, n = prob.shape
    a = np.asarray(assign)
    if a.shape != (n,):
        return [f"{len(a)} jobs in the assignment, the file has {n}"]
    if ((a < 0) | (a >= m)).any():
        return [f"an agent index outside 0..{m - 1}"]
    out = []
    jobs = np.arange(n)
    load = np.zeros(m, dtype=np.int64)
    np.add.at(load, a, prob.weight[a, jobs])
    for i in np.flatnonzero(load > prob.cap):
        out.append(f"agent {i} uses {load[i]} of capacity {prob.cap[i]}")
    priced = int(prob.cost[a, jobs].sum())
    if priced != objective:
        out.append(f"objective {objective} but the assignment costs {priced}")
    return out


def machine() -> dict:
    """Cores, load average and versions, for the report's header."""
    try:
        load = os.getloadavg()
    except OSError:
        load = (float("nan"),) * 3
    import ortools
    return {"cores": os.cpu_count(), "load_avg": [round(x, 2) for x in load],
            "python": platform.python_version(), "ortools": ortools.__version__,
            "platform": platform.platform()}


def run(files: list[str], time_limit: float, workers: int, seed: int, out: Path | None) -> dict:
    """Solve every problem of ``files``; write the JSON record (and the report beside it) as it goes."""
    from teacher_match.model.itinerant import solve_gap

    problems = [p for f in files for p in read_gap(f)]  # every file read before any solve
    import subprocess

    try:
        code = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).parent, check=False).stdout.strip()
    except OSError:
        code = ""
    record = {"time_limit": time_limit, "workers": workers, "seed": seed, "machine_start": machine(),
              "commit": code,
              "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "problems": []}
    for prob in problems:
        res = solve_gap(prob.cost, prob.weight, prob.cap, time_limit=time_limit, workers=workers, seed=seed)
        assign = None if res.assign is None else [int(x) for x in res.assign]
        problems_found = verify(prob, assign, res.objective)
        row = {"name": prob.name, "m": prob.shape[0], "n": prob.shape[1], "objective": res.objective,
               "bound": res.bound, "status": res.status, "seconds": round(res.seconds, 2),
               "verified": not problems_found, "verify_errors": problems_found, "log": res.log,
               "assignment": assign}
        record["problems"].append(row)
        print(f"{prob.name:10s} {prob.shape[0]:3d}x{prob.shape[1]:<5d} obj {res.objective} bound "
              f"{res.bound:.1f} {res.status} {res.seconds:.1f}s{'' if not problems_found else ' INVALID'}",
              flush=True)
        if out is not None:
            record["machine_end"] = machine()
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    record["machine_end"] = machine()
    return record


def render(records: list[dict], known: dict[str, dict]) -> str:
    """The Markdown report: one row per problem beside the best known value, then the targets."""
    # a problem in several runs: the last run's row (a later run of the same command)
    last = {p["name"]: p for r in records for p in r["problems"]}
    rows = list(last.values())
    lines = ["# GAP benchmark (itinerant sub-model, minimisation)", "",
             "`python -m benchmarks.gap FILE... --time-limit S --workers W --out RESULTS.json` — "
             "`teacher_match.model.itinerant.solve_gap`; every assignment re-priced and checked against its "
             "file.", "Known values: `known_values.csv` (min rows; LB = UB means proven optimal in the "
             "literature).", ""]
    for r in records:
        ms, me = r["machine_start"], r.get("machine_end", r["machine_start"])
        lines.append(f"* run {r['started']} (commit {r.get('commit') or '?'}): {len(r['problems'])} "
                     f"problems, time limit {r['time_limit']} s, "
                     f"{r['workers']} workers, seed {r['seed']}; {ms['cores']} cores, load average "
                     f"{ms['load_avg']} at start, {me['load_avg']} at end (shared machine); OR-Tools "
                     f"{ms['ortools']}, Python {ms['python']}")
    lines += ["", "| problem | m×n | objective | bound | status | s | best known (LB–UB) | above UB % | "
              "checked |", "|---|---|---|---|---|---|---|---|---|"]
    groups: dict[str, list[float]] = {}
    proven: dict[str, list[bool]] = {}
    matched: dict[str, list[bool]] = {}
    for p in rows:
        k = known.get(p["name"], {})
        ub = float(k["upper_bound"]) if k.get("upper_bound") else None
        lb = float(k["lower_bound"]) if k.get("lower_bound") else None
        obj = p["objective"]
        gap = 100 * (obj - ub) / ub if (ub and obj is not None) else None
        grp = "gap1–12" if re.fullmatch(r"gap\d+-\d+", p["name"]) else (
            "gap" + p["name"][3] if p["name"].startswith("gap") else "type " + p["name"][0].upper())
        groups.setdefault(grp, []).append(gap if gap is not None else float("nan"))
        proven.setdefault(grp, []).append(p["status"] == "OPTIMAL")
        matched.setdefault(grp, []).append(gap is not None and gap <= 0)
        kb = (f"{lb:g}–{ub:g}" if lb is not None and ub is not None and lb != ub
              else (f"{ub:g}" if ub else "?"))
        lines.append(f"| {p['name']} | {p['m']}×{p['n']} | {obj} | {p['bound']:.1f} | {p['status']} | "
                     f"{p['seconds']:.1f} | {kb} | {'' if gap is None else f'{gap:.3f}'} | "
                     f"{'yes' if p['verified'] else 'NO: ' + '; '.join(p['verify_errors'])} |")
    lines += ["", "## Targets", "", "| target | measured | met |", "|---|---|---|"]
    lines += _targets(rows, known)
    lines += ["", "## By set", "", "| set | problems | best known matched | proven optimal | "
              "worst above UB % | mean above UB % |", "|---|---|---|---|---|---|"]
    for grp in groups:
        g = np.array(groups[grp], dtype=float)
        known_g = g[np.isfinite(g)]
        worst, mean = (f"{known_g.max():.3f}", f"{known_g.mean():.3f}") if len(known_g) else ("—", "—")
        lines.append(f"| {grp} | {len(g)} | {sum(matched[grp])} | {sum(proven[grp])} | {worst} | {mean} |")
    return "\n".join(lines) + "\n"


#: plain CP-SAT (2 workers, 60 s, 2 cores) above the best known, from ``known_values``' README
PLAIN_CPSAT = {"d801600": 0.65, "e801600": 0.97}


def _targets(rows: list[dict], known: dict[str, dict]) -> list[str]:
    """The issue's targets, each with what this run measured and whether it holds."""
    def above(p: dict) -> float:
        ub = float(known[p["name"]]["upper_bound"])
        return 100 * (p["objective"] - ub) / ub if p["objective"] is not None else float("inf")

    def line(what: str, sel: list[dict], ok: bool, got: str) -> str:
        return f"| {what} | {got} | {'yes' if ok and sel else 'NO' if sel else 'not run'} |"

    out = []
    orlib = [p for p in rows if re.fullmatch(r"gap\d+-\d+", p["name"]) and p["name"] in known]
    hit = [p for p in orlib if p["objective"] is not None and above(p) <= 0 and p["status"] == "OPTIMAL"]
    out.append(line("gap1–gap12: every optimum matched and proven", orlib, len(hit) == len(orlib),
                    f"{len(hit)} of {len(orlib)}"))
    for t in ("a", "b"):
        sel = [p for p in rows if re.fullmatch(t + r"\d+", p["name"])]
        ok = [p for p in sel if p["status"] == "OPTIMAL" and above(p) <= 0]
        miss = ", ".join(f"{p['name']} {p['objective']} (bound {p['bound']:.0f})" for p in sel if p not in ok)
        out.append(line(f"type {t.upper()}: proven optimal", sel, len(ok) == len(sel),
                        f"{len(ok)} of {len(sel)}" + (f"; not: {miss}" if miss else "")))
    for t in ("c", "d", "e"):
        sel = [p for p in rows if re.fullmatch(t + r"\d+", p["name"]) and p["name"] in known]
        gaps = {p["name"]: above(p) for p in sel}
        worst = max(gaps, key=lambda k: gaps[k]) if gaps else None
        over = [f"{k} {v:.2f} %" for k, v in gaps.items() if v > 0.5]
        got = (f"worst {worst} {gaps[worst]:.3f} %" if worst else "—") + (f"; over 0.5 %: {', '.join(over)}"
                                                                           if over else "")
        out.append(line(f"type {t.upper()}: within 0.5 % of the best known", sel, not over, got))
    for name, ref in PLAIN_CPSAT.items():
        sel = [p for p in rows if p["name"] == name and name in known]
        got = f"{above(sel[0]):.3f} % (plain CP-SAT {ref} %)" if sel else "—"
        out.append(line(f"{name}: better than plain CP-SAT", sel, bool(sel) and above(sel[0]) < ref, got))
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line (see the module docstring). Exit 2 on a bad file, with one line naming it."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.gap", description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", help="OR-Library GAP files")
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per problem (default 60)")
    ap.add_argument("--workers", type=int, default=2, help="CP-SAT workers (default 2)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None,
                    help="results JSON (the report .md is written beside it)")
    ap.add_argument("--render", type=Path, nargs="*", default=None,
                    help="write the report again from saved result JSON files (no solving)")
    ap.add_argument("--known", type=Path, default=None, help="known_values.csv (default ../shared/gap)")
    args = ap.parse_args(argv)
    known = known_values(args.known)
    if args.render:
        records = [json.loads(p.read_text(encoding="utf-8")) for p in args.render]
        md = args.render[0].with_suffix(".md") if args.out is None else args.out.with_suffix(".md")
        md.write_text(render(records, known), encoding="utf-8")
        print(f"wrote {md}")
        return 0
    if not args.files:
        ap.error("give GAP files, or --render RESULTS.json")
    try:
        rec = run(args.files, args.time_limit, args.workers, args.seed, args.out)
    except GapFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.out is not None:
        args.out.with_suffix(".md").write_text(render([rec], known), encoding="utf-8")
        print(f"wrote {args.out} and {args.out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
