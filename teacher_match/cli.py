"""The ``teacher-match`` command.

::

    teacher-match demo
    teacher-match generate --teachers 10000 --seed 7 --out county/
    teacher-match solve county/ --policy default --set backbone_min_share=0.2 --out plan.xlsx
    teacher-match check county/ plan.xlsx --policy default
    teacher-match explain county/ plan.xlsx --policy default --teacher T000042
    teacher-match explain county/ plan.xlsx --policy default --all --out reasons.xlsx
    teacher-match report plan.xlsx --html report.html --input county/
    teacher-match sweep county/ --grid backbone_min_share=0.1,0.2 --grid max_commute_km=20,30 \
        --out sweep.xlsx --plot sweep.png
    teacher-match generate --counties 3 --teachers 2000 --seed 7 --out province/
    teacher-match province province/ --policy default --out province.xlsx --html province.html
    teacher-match cadre solve cadres/ --policy yunlong-health-cadre --out plan.xlsx   (see cadre/cli.py)

Bad input gives one clear message on stderr and exit code 2 — never a traceback. Every output path is
checked before any work and written whole or not at all (:mod:`teacher_match.output_files`). Anything
else that goes wrong is a bug: one line says so and where its traceback was logged, exit code 70.

Exit codes: 0 done (a plan was written and checked, or a check found no violation); 1 the plan violates a
rule, or no plan satisfies the hard rules (INFEASIBLE); 2 bad input, bad arguments or an output path that
cannot be used; 3 no plan was found within the time limit (nothing written); 4 the plan is valid but short of
a minimum the policy made soft (written and said first; ``--allow-shortfall`` accepts it with 0); for
``sweep``, 0 every scenario ran (one without a plan is a row, not a failure) and 1 a scenario failed or a plan
violates a rule (the table is written either way); for ``province``, 0 every county has a valid plan and 1 a
county failed, has no plan or violates a rule (the workbook is written either way); 70 a bug in
teacher_match; 130 interrupted by Ctrl-C; 141 the output pipe was closed (``teacher-match solve … | head``).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import math
import os
import signal
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

from .errors import InputWarning, PolicyError, TeacherMatchError
from .output_files import PLAN_SUFFIXES, REPORT_SUFFIXES, check_output, check_output_folder

__all__ = ["main"]

EXIT_OK = 0
EXIT_INVALID_PLAN = 1  # the plan violates a rule, or no plan satisfies the hard rules
EXIT_BAD_INPUT = 2  # bad input, bad arguments, an output path that cannot be used
EXIT_NO_PLAN_IN_TIME = 3  # the time limit ran out before any plan was found
EXIT_SHORTFALL = 4  # a valid plan short of a minimum the policy made soft (unless --allow-shortfall)
EXIT_BUG = 70  # EX_SOFTWARE of sysexits.h: an internal error, never the user's input
EXIT_INTERRUPTED = 130  # the shell's convention for a command stopped by Ctrl-C (128 + SIGINT)
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a command killed by a closed pipe reports
#: the variable naming the folder for crash logs (default: the system's temporary folder)
LOG_DIR_ENV = "TEACHER_MATCH_LOG_DIR"

#: CP-SAT takes a 32-bit random seed; numpy takes any seed ≥ 0 — one range for both
SEED_MAX = 2**31 - 1
#: seconds ``solve`` spends by default on the changes that would fill unfilled needs (``--what-if``)
WHAT_IF_SECONDS = 30.0
#: make_county's smallest county (``generate`` and ``demo`` refuse fewer teachers at parse time)
MIN_TEACHERS = 20
#: a generated roster must be readable again: the row cap of one table (io.MAX_ROWS)
MAX_TEACHERS = 1_000_000


# ---------------------------------------------------------------------------------------------- arguments
def _number(text: str, kind=float):
    try:
        value = kind(text)
    except ValueError:
        whole = "whole " if kind is int else ""
        raise argparse.ArgumentTypeError(f"expected a {whole}number, got {text!r}") from None
    if kind is float and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _seconds(text: str) -> float:
    value = _number(text)
    if value <= 0:
        # 0 and negative values would reach CP-SAT as "no limit": a limit must be a positive time
        raise argparse.ArgumentTypeError(f"the time limit must be a number of seconds > 0, got {text!r}")
    return value


def _seconds_or_off(text: str) -> float:
    """Seconds ≥ 0, where 0 turns the search off."""
    value = _number(text)
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected seconds ≥ 0 (0 = off), got {text!r}")
    return value


def _positive(text: str) -> float:
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text!r}")
    return value


def _whole_in(low: int, high: int, what: str):
    def parse(text: str) -> int:
        value = _number(text, int)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be between {low:,} and {high:,}, got {text!r}")
        return value

    return parse


def _cpus() -> int:
    return os.cpu_count() or 1


class _ArgParser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own errors also exit 2, with usage
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"teacher-match: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    p = _ArgParser(prog="teacher-match", description="Optimal, explainable teacher rotation planning.",
                   epilog="exit codes: 0 done; 1 the plan violates a rule or no plan exists; 2 bad input, "
                          "arguments or output path; 3 no plan found within the time limit; 4 a soft minimum "
                          "is short (see --allow-shortfall); 70 a bug in teacher_match (the traceback is "
                          "logged); 130 Ctrl-C; 141 output pipe closed")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_ArgParser)
    seed = _whole_in(0, SEED_MAX, "the seed")
    teachers = _whole_in(MIN_TEACHERS, MAX_TEACHERS, "the number of teachers")

    def solver_args(sp):
        sp.add_argument("--time-limit", type=_seconds, default=60.0, help="seconds, > 0 (default 60)")
        sp.add_argument("--workers", type=_whole_in(1, _cpus(), "--workers"), default=1,
                        help=f"CP-SAT workers, 1 to the number of CPU cores ({_cpus()} here; default 1)")
        sp.add_argument("--seed", type=seed, default=0,
                        help=f"solver random seed, 0 to {SEED_MAX:,} (default 0)")
        sp.add_argument("--log", action="store_true", help="print CP-SAT's search log")
        sp.add_argument("--quiet", action="store_true", help="no progress lines")
        sp.add_argument("--max-memory-mb", type=_positive, default=None,
                        help="refuse a model estimated to need more memory (default: the memory available)")

    def shortfall_arg(sp):
        sp.add_argument("--allow-shortfall", action="store_true",
                        help="exit 0 when the plan is valid but short of a minimum the policy made soft "
                             "(default: exit 4; the shortfall is printed either way)")

    def strict_input_arg(sp):
        sp.add_argument("--strict-input", action="store_true",
                        help="refuse, as errors, what otherwise loads with a warning and the conservative "
                             "value (years at school one above the teaching years from month-level "
                             "rounding)")

    def policy_args(sp):
        sp.add_argument("--policy", default="default", help="policy id (see models/) or path to a .toml file")
        sp.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a policy parameter, e.g. --set backbone_min_share=0.2 (repeatable)")

    size_help = f"teachers on the roster, {MIN_TEACHERS:,} to {MAX_TEACHERS:,} (default 3,000)"
    d = sub.add_parser("demo", help="synthetic county → solve → summary (no input files needed)")
    d.add_argument("--teachers", type=teachers, default=3000, help=size_help)
    d.add_argument("--preset", choices=["town", "county", "city", "metro"])
    policy_args(d)
    solver_args(d)
    d.set_defaults(seed=7)

    g = sub.add_parser("generate", help="write a synthetic county roster")
    g.add_argument("--teachers", type=teachers, default=3000, help=size_help)
    g.add_argument("--preset", choices=["town", "county", "city", "metro"])
    g.add_argument("--seed", type=seed, default=0, help=f"random seed, 0 to {SEED_MAX:,} (default 0)")
    g.add_argument("--out", required=True, help="output folder: new or empty (see --force)")
    g.add_argument("--format", choices=["csv", "xlsx", "parquet"], default="csv")
    g.add_argument("--history", action="store_true",
                   help="add an exchange history (exchanges.*: teachers away now, returning, past terms)")
    g.add_argument("--force", action="store_true",
                   help="write into a folder that holds files, replacing the tables of the same names")
    g.add_argument("--wishes", action="store_true", help="add ranked wishes (志愿, column preferences)")
    g.add_argument("--diversion", type=_whole_in(0, 10_000, "--diversion"), default=0, metavar="N",
                   help="flag N teachers as a diversion pool (分流人员) with origin schools and an options "
                        "table")
    g.add_argument("--counties", type=_whole_in(1, 10_000, "--counties"), default=None,
                   help="a province: this many counties of --teachers teachers each, one roster folder per "
                        "county under --out (read by 'teacher-match province')")

    s = sub.add_parser("solve", help="plan the rotation for a roster")
    s.add_argument("input", help="directory with teachers/schools/needs files, or one .xlsx workbook")
    policy_args(s)
    solver_args(s)
    s.add_argument("--out", help="write the plan: a workbook (.xlsx, every table and the 公示名单) or the "
                                 "assignments as .csv; checked before the solve, never an input file")
    s.add_argument("--strict", action="store_true",
                   help="exit non-zero when no plan satisfies the hard rules")
    s.add_argument("--stable", action="store_true",
                   help="a stable rotation: no teacher denied a wished-for school that a teacher after them "
                        "in the policy's order takes (same as --set stable=true)")
    shortfall_arg(s)
    s.add_argument("--what-if", type=_seconds_or_off, default=None, metavar="SECONDS",
                   help="when needs stay unfilled, search this long for single changes of the policy that "
                        "fill more, each verified by re-solving (default: 30, or the time limit when "
                        "shorter; 0 = off)")
    strict_input_arg(s)
    s.add_argument("--max-file-mb", type=_positive, default=None,
                   help="refuse input files larger than this (default 200)")
    s.add_argument("--max-rows", type=_whole_in(1, 10**9, "--max-rows"), default=None,
                   help="refuse tables with more rows (default 1,000,000)")

    y = sub.add_parser("cycle", help="plan a rotation cycle (轮岗周期) year by year")
    y.add_argument("input", help="directory with teachers/schools/needs files, or one .xlsx workbook")
    policy_args(y)
    solver_args(y)
    strict_input_arg(y)
    y.add_argument("--years", type=_whole_in(1, 20, "--years"), default=None,
                   help="length of the cycle in years, 1 to 20 (default: the policy's [cycle] years)")
    y.add_argument("--out", help="write the cycle: a workbook (.xlsx: schedule, summary, one sheet per year, "
                                 "公示名单 of year 1); checked before the solve, never an input file")
    shortfall_arg(y)

    v = sub.add_parser("divert", help="place a diversion pool (分流): the teacher-optimal stable matching, "
                                      "else back to the origin school (哪来回哪)")
    v.add_argument("input", help="directory with teachers/schools/needs (and options) files, or one .xlsx")
    policy_args(v)
    v.add_argument("--out", help="write the diversion (.xlsx: assignments and seats, or .csv)")

    c = sub.add_parser("check", help="check a plan against the inputs and the policy (pandas only)")
    c.add_argument("input")
    c.add_argument("plan", help="plan file written by solve (.xlsx or .csv)")
    policy_args(c)
    shortfall_arg(c)

    e = sub.add_parser("explain", help="why a teacher rotates or stays")
    e.add_argument("input")
    e.add_argument("plan")
    who = e.add_mutually_exclusive_group(required=True)
    who.add_argument("--teacher")
    who.add_argument("--all", action="store_true",
                     help="every teacher of the plan, written with --out (one pass, a progress bar)")
    e.add_argument("--out", help="with --all: the workbook (.xlsx) of every reason, the 公示名单 and the "
                                 "reasons as published (交流说明); checked first, never an input file")
    e.add_argument("--time-limit", type=_seconds, default=None,
                   help="seconds per counterfactual search of the whole model, > 0 (default 10; 60 with "
                        "--all)")
    e.add_argument("--no-verify", action="store_true", help="skip the counterfactual re-solves")
    policy_args(e)

    r = sub.add_parser("report", help="an HTML report of a plan workbook (totals, needs, schools, flow map)")
    r.add_argument("plan", help="plan workbook written by solve (.xlsx)")
    r.add_argument("--html", required=True, help="output .html file (checked first, never an input)")
    r.add_argument("--input", help="the input roster (directory or workbook): school coordinates for the map")

    w = sub.add_parser("sweep", help="solve every combination of policy parameters; one row per scenario")
    w.add_argument("input", help="directory with teachers/schools/needs files, or one .xlsx workbook")
    policy_args(w)
    w.add_argument("--grid", action="append", required=True, metavar="KEY=V1,V2,...",
                   help="a parameter and its values, e.g. --grid max_commute_km=20,30,40 (repeatable: the "
                        "scenarios are every combination)")
    w.add_argument("--out", required=True, help="the table: a workbook (.xlsx), checked before any solve")
    w.add_argument("--plot", help="a PNG of needs filled against each parameter and commute against needs")
    w.add_argument("--scheduler", metavar="ADDR",
                   help="a dask scheduler's address (tcp://host:8786); default: a cluster on this machine, "
                        "one process per CPU core")
    w.add_argument("--connect-timeout", type=_seconds, default=5.0,
                   help="seconds to reach the scheduler, > 0 (default 5)")
    w.add_argument("--time-limit", type=_seconds, default=60.0, help="seconds per solve, > 0 (default 60)")
    w.add_argument("--seed", type=seed, default=0, help=f"solver random seed, 0 to {SEED_MAX:,} (default 0)")
    w.add_argument("--quiet", action="store_true", help="no progress bar")

    v = sub.add_parser("province", help="plan a province county by county (县域内) on a cluster; one plan")
    v.add_argument("input", help="a roster with a county column (县区), or a folder with one roster per "
                                 "county (a sub-folder or a workbook each)")
    policy_args(v)
    v.add_argument("--out", required=True,
                   help="the province plan: a workbook (.xlsx: per-county totals, assignments, needs, "
                        "公示名单, errors), checked before any solve")
    v.add_argument("--html", help="an HTML report: province and per-county totals, needs per subject")
    v.add_argument("--scheduler", metavar="ADDR",
                   help="a dask scheduler's address (tcp://host:8786); default: a cluster on this machine")
    v.add_argument("--workers", type=_whole_in(1, 4096, "--workers"), default=None,
                   help="processes of the cluster on this machine (default: one per CPU core, "
                        f"{_cpus()} here); ignored with --scheduler")
    v.add_argument("--connect-timeout", type=_seconds, default=5.0,
                   help="seconds to reach the scheduler, > 0 (default 5)")
    v.add_argument("--time-limit", type=_seconds, default=60.0, help="seconds per county, > 0 (default 60)")
    v.add_argument("--seed", type=seed, default=0, help=f"solver random seed, 0 to {SEED_MAX:,} (default 0)")
    v.add_argument("--quiet", action="store_true", help="no progress bar")

    from .cadre import cli as cadre_cli

    cadre_cli.add_parser(sub, seconds=_seconds, whole_in=_whole_in, cpus=_cpus(), seed_max=SEED_MAX)
    return p


def _policy_file(ref: str) -> str | None:
    """The policy's file when ``--policy`` names one (the rule of ``load_policy``), else None."""
    p = Path(ref)
    return ref if p.suffix == ".toml" or p.exists() else None


def _policy(args):
    from .params import parse_cli_value
    from .policy import load_policy

    policy = load_policy(args.policy)
    changes = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise PolicyError(f"--set expects KEY=VALUE, got {item!r} — e.g. --set backbone_min_share=0.2")
        changes[key.strip()] = parse_cli_value(value)
    return policy.with_(**changes) if changes else policy


def _progress_printer(quiet: bool):
    if quiet:
        return None
    state = {"last": 0.0}

    def report(info: dict) -> None:
        # long runs only, at most one line a second: short solves stay silent
        if info["elapsed"] < 2.0 or time.monotonic() - state["last"] < 1.0:
            return
        state["last"] = time.monotonic()
        gap = "—" if math.isnan(info["gap"]) else f"{info['gap']:.2%}"
        best = "—" if math.isnan(info["objective"]) else f"{info['objective']:,.1f}"
        bound = "—" if math.isnan(info["bound"]) else f"{info['bound']:,.1f}"
        # a model of independent parts (several counties) is solved part by part: say which one runs
        part = f"   ({info['stage']})" if str(info.get("stage", "")).startswith("part ") else ""
        print(f"  {info['elapsed']:7.1f} s   best {best:>14}   bound {bound:>14}   gap {gap}{part}",
              file=sys.stderr, flush=True)

    return report


def _solve_and_report(problem, policy, args, out: Path | None = None) -> int:
    from .check import check, shortfalls
    from .solving import solve

    plan = solve(problem, policy, time_limit=args.time_limit, workers=args.workers, seed=args.seed,
                 log=args.log, progress=_progress_printer(args.quiet), strict=getattr(args, "strict", False),
                 max_memory_mb=args.max_memory_mb)
    if plan.solver_info.get("interrupted"):
        return _write_interrupted(plan, out)
    budget = getattr(args, "what_if", 0)
    if budget is None:
        budget = min(WHAT_IF_SECONDS, args.time_limit)  # a quick solve is not followed by a long search
    if budget and plan.unmet is not None and len(plan.unmet):
        from .what_if import what_would_fill

        # the summary's first lines then say which single change fills the most, each verified
        plan.what_if = what_would_fill(problem, policy, plan, time_limit=budget,
                                       solve_seconds=min(args.time_limit, budget), seed=args.seed)
    if plan.status == "UNKNOWN":
        # a plan where every teacher stays is no plan: write nothing, and say so
        print(plan.summary())
        print(f"\nno plan: none was found within the time limit of {args.time_limit:g} s — raise --time-limit"
              + (f"; nothing was written to {out}" if out else ""))
        return EXIT_NO_PLAN_IN_TIME
    if plan.status in ("INFEASIBLE", "MODEL_INVALID"):
        # every teacher stays in such a plan; checking it against the hard minimums would only repeat the
        # diagnosis as a list of "violations". A workbook can carry the diagnosis; a csv could not say so.
        written = None
        if out is not None and out.suffix.lower() == ".xlsx" and plan.diagnosis is not None:
            written = plan.to_excel(out)
        print(plan.summary())
        note = (f"; the diagnosis was written to {written}" if written else
                f"; nothing was written to {out}" if out else "")
        print(f"\nno plan ({plan.status}): see the diagnosis above; every teacher stays{note}")
        return EXIT_INVALID_PLAN
    # the file first: a closed output pipe (… | head) must not lose it
    path = _write_plan(plan, out) if out is not None else None
    print(plan.summary())
    if path is not None:
        print(f"\nplan written to {path}")
    violations = check(problem, policy, plan)
    short = plan.shortfalls if plan.shortfalls is not None else shortfalls(problem, policy, plan)
    print(f"\nchecker: {'no violations' if violations.empty else f'{len(violations)} VIOLATIONS'}"
          + (f"; {_short_count(short)} — see SHORTFALL above" if len(short) else ""))
    if not violations.empty:
        print(violations.to_string(index=False), file=sys.stderr)
        return EXIT_INVALID_PLAN
    return _shortfall_exit(short, args)


def _short_count(short) -> str:
    n = len(short)
    return f"{n} soft minimum{'' if n == 1 else 's'} short"


def _shortfall_exit(short, args) -> int:
    """0 when nothing is short or the user accepts it; else EXIT_SHORTFALL, saying how to accept it."""
    if not len(short) or getattr(args, "allow_shortfall", False):
        return EXIT_OK
    print(f"\nexit {EXIT_SHORTFALL}: the plan is valid but short of a minimum this policy made soft; "
          f"--allow-shortfall accepts it (or make the minimum hard: --set {short['switch'].iat[0]}=true)",
          file=sys.stderr)
    return EXIT_SHORTFALL


def _write_plan(plan, out: Path) -> Path:
    return plan.to_excel(out) if out.suffix.lower() == ".xlsx" else plan.to_csv(out)


def _write_interrupted(plan, out: Path | None) -> int:
    """Ctrl-C stopped the search: keep the best plan found.

    It goes to --out, else to a file in the current directory.
    """
    if not plan.has_plan:
        where = f"; nothing was written to {out}" if out else ""
        print(f"teacher-match: interrupted by Ctrl-C — no plan had been found yet{where}", file=sys.stderr)
        return EXIT_INTERRUPTED
    written = _write_plan(plan, out or Path("teacher-match-interrupted-plan.csv"))
    gap = "—" if plan.gap is None or math.isnan(plan.gap) else f"{plan.gap:.2%}"
    found = f"the best plan found so far (status {plan.status}, objective {plan.objective:,.1f}, gap {gap})"
    print(f"teacher-match: interrupted by Ctrl-C — {found} was written to {written}", file=sys.stderr)
    return EXIT_INTERRUPTED


def _cmd_demo(args) -> int:
    from .synthetic import make_county

    n = args.teachers
    print(f"teacher_match demo: synthetic county of {n:,} teachers (seed {args.seed}), "
          f"policy '{args.policy}'\n"
          if not args.preset else f"teacher_match demo: '{args.preset}' county (seed {args.seed})\n")
    problem = make_county(n, seed=args.seed, preset=args.preset)
    policy = _policy(args)
    print(f"{problem}\n")
    # a demonstration, not a planning job: a shortfall is said first in its summary, and does not fail it
    args.allow_shortfall = True
    return _solve_and_report(problem, policy, args)


def _cmd_generate(args) -> int:
    from .io import write_problem
    from .synthetic import make_county

    check_output_folder(args.out, force=args.force)  # before generating: a full folder is refused at once
    if args.counties is not None:
        if args.preset is not None or args.history or args.wishes or args.diversion:
            raise PolicyError("--counties draws counties of --teachers teachers each: give no --preset, "
                              "--history, --wishes or --diversion with it")
        from .province import make_province

        province = make_province(args.counties, args.teachers, seed=args.seed)
        out = province.write(args.out, fmt=args.format, force=args.force)
        print(f"wrote {len(province)} counties of {args.teachers:,} teachers to {out}/ (one folder each)")
        return 0
    problem = make_county(args.teachers, seed=args.seed, preset=args.preset, history=args.history,
                          wishes=args.wishes, diversion=args.diversion)
    out = write_problem(problem, args.out, fmt=args.format, force=args.force)
    print(f"wrote {problem} to {out}/")
    return 0


def _cmd_solve(args) -> int:
    from .io import load_problem

    # the output is checked before anything is read or solved: a long solve must not fail at its end
    out = None
    if args.out is not None:
        out = check_output(args.out, PLAN_SUFFIXES, what="the plan",
                           inputs=[args.input, _policy_file(args.policy)])
    policy = _policy(args)
    if args.stable:
        policy = policy.with_(stable=True)
    policy.require_complete()
    limits = {k: v for k, v in (("max_file_mb", args.max_file_mb), ("max_rows", args.max_rows))
              if v is not None}
    problem = load_problem(args.input, strict_input=args.strict_input, **limits)
    return _solve_and_report(problem, policy, args, out=Path(args.out) if out is not None else None)


def _cmd_cycle(args) -> int:
    import pandas as pd

    from .check import check
    from .cycle import plan_cycle
    from .io import load_problem

    # the output is checked before anything is read or solved, as for solve --out
    out = None
    if args.out is not None:
        out = check_output(args.out, (".xlsx",), what="the cycle plan",
                           inputs=[args.input, _policy_file(args.policy)])
    policy = _policy(args)
    policy.require_complete()
    problem = load_problem(args.input, strict_input=args.strict_input)
    cycle = plan_cycle(problem, policy, years=args.years, time_limit=args.time_limit, workers=args.workers,
                       seed=args.seed)
    last = cycle.plans[-1]
    if out is not None and (last.has_plan or last.diagnosis is not None):
        cycle.to_excel(out)
    print(cycle.summary())
    if out is not None:
        print(f"\ncycle written to {out}")
    if last.status == "UNKNOWN":
        print(f"\nno plan for year {len(cycle.plans)} within the time limit of {args.time_limit:g} s — raise "
              f"--time-limit")
        return EXIT_NO_PLAN_IN_TIME
    if not last.has_plan:
        return EXIT_INVALID_PLAN
    found = [check(p, pol, plan) for p, pol, plan in zip(cycle.problems, cycle.policies, cycle.plans,
                                                           strict=True)]
    bad = sum(len(f) for f in found)
    short = pd.concat([p.shortfalls for p in cycle.plans if p.shortfalls is not None], ignore_index=True)
    for msg in list(short["message"])[:5]:
        print(f"  SHORTFALL: {msg}")
    print(f"\nchecker, every year: {'no violations' if not bad else f'{bad} VIOLATIONS'}"
          + (f"; {_short_count(short)}" if len(short) else ""))
    if bad:
        return EXIT_INVALID_PLAN
    return _shortfall_exit(short, args)


def _cmd_divert(args) -> int:
    from .check import check_diversion
    from .diversion import divert
    from .io import load_problem

    out = None
    if args.out is not None:
        out = check_output(args.out, (".csv", ".xlsx"), what="the diversion",
                           inputs=[args.input, _policy_file(args.policy)])
    policy = _policy(args)
    policy.require_complete()
    problem = load_problem(args.input)
    d = divert(problem, policy)
    if out is not None:
        d.write(out)
    print(d.summary())
    if out is not None:
        print(f"\ndiversion written to {out}")
    found = check_diversion(problem, policy, d)
    print(f"\nchecker: {'stable, within the seats' if found.empty else f'{len(found)} VIOLATIONS'}")
    if not found.empty:
        print(found.to_string(index=False), file=sys.stderr)
        return EXIT_INVALID_PLAN
    return EXIT_OK


def _cmd_check(args) -> int:
    from .check import check, shortfall_lines, shortfalls
    from .io import load_problem
    from .plan import Plan

    policy = _policy(args)
    problem = load_problem(args.input)
    assignments = Plan.read_assignments(args.plan)
    violations = check(problem, policy, assignments)
    if not violations.empty:
        print(f"{args.plan}: {len(violations)} violation(s)")
        print(violations.to_string(index=False))
        return EXIT_INVALID_PLAN
    short = shortfalls(problem, policy, assignments)
    # a shortfall first: a valid plan short of a minimum must not read as a clean one
    for line in shortfall_lines(short):
        print(line)
    print(f"{args.plan}: valid — {int(assignments['moves'].sum())} teachers rotate, no violations"
          + (f"; {_short_count(short)}:" if len(short) else ""))
    if len(short):
        print(short[["rule", "key", "short", "message"]].to_string(index=False))
    return _shortfall_exit(short, args)


def _cmd_explain(args) -> int:
    from .explanation import explain
    from .io import load_problem
    from .plan import Plan

    if args.all:
        return _explain_all(args)
    if args.out:
        raise TeacherMatchError("--out writes every teacher's reasons: use it with --all")
    policy = _policy(args)
    problem = load_problem(args.input)
    a = Plan.read_assignments(args.plan)
    if not (a["teacher_id"].astype(str) == args.teacher).any():
        raise TeacherMatchError(f"teacher {args.teacher!r} is not in {args.plan}")
    print(explain(problem, policy, a, args.teacher, counterfactual=not args.no_verify,
                  time_limit=args.time_limit or 10.0))
    return 0


def _explain_all(args) -> int:
    from .explain_many import REASONS_SUFFIXES, explain_all
    from .io import load_problem
    from .plan import Plan

    if not args.out:
        raise TeacherMatchError("--all needs --out reasons.xlsx (the workbook every reason is written to)")
    out = check_output(args.out, REASONS_SUFFIXES, what="the reasons",
                       inputs=[args.input, args.plan, _policy_file(args.policy)])
    policy = _policy(args)
    problem = load_problem(args.input)
    a = Plan.read_assignments(args.plan)
    every = explain_all(problem, policy, a, counterfactual=not args.no_verify,
                        time_limit=args.time_limit or 60.0, progress=True)
    every.to_excel(out)
    t = every.table
    unproven = int((t["counterfactual_status"] == "FEASIBLE").sum())
    print(f"{len(t)} teachers explained ({int(t['decision'].eq('rotates').sum())} rotate, "
          f"{int(t['decision'].eq('stays').sum())} stay, {int(t['decision'].eq('not movable').sum())} not "
          f"movable) in {every.timings['total']:.0f} s; {every.timings['questions']} whole-model searches"
          + (f"; {unproven} counterfactuals not proven optimal within {args.time_limit or 60.0:g} s"
             if unproven else ""))
    print(f"reasons written to {args.out}")
    return 0


def _cmd_report(args) -> int:
    from .io import load_problem
    from .report import write_report

    check_output(args.html, REPORT_SUFFIXES, what="the report",
                 inputs=[args.plan, args.input])
    problem = load_problem(args.input) if args.input else None
    out = write_report(args.plan, args.html, problem=problem)
    print(f"report written to {out}")
    return 0


def _run(command, args) -> int:
    """Run one command; each :class:`InputWarning` is one ``teacher-match: warning: …`` line on stderr."""

    def show(message, category, *_args, **_kw):
        print(f"teacher-match: warning: {message}", file=sys.stderr, flush=True)

    with warnings.catch_warnings():
        # once per message and place: explanations re-solve, and say nothing new the second time
        warnings.simplefilter("default", InputWarning)
        warnings.showwarning = show
        return command(args)


def _grid(items: list[str]) -> dict:
    """``--grid KEY=V1,V2`` options as a grid: each value read as ``--set`` reads one."""
    from .params import parse_cli_value

    grid: dict = {}
    for item in items:
        key, sep, values = item.partition("=")
        key = key.strip()
        if not sep or not key or not values.strip():
            raise PolicyError(f"--grid expects KEY=V1,V2,..., got {item!r} — "
                              f"e.g. --grid max_commute_km=20,30")
        if key in grid:
            raise PolicyError(f"--grid {key} is given twice: list all its values in one --grid")
        grid[key] = [parse_cli_value(v) for v in values.split(",")]
    return grid


def _cmd_sweep(args) -> int:
    from .io import load_problem
    from .sweeps import PLOT_SUFFIXES, SWEEP_SUFFIXES, scenarios, sweep

    # the outputs first: a sweep of many solves must not fail at its end
    inputs = [args.input, _policy_file(args.policy)]
    check_output(args.out, SWEEP_SUFFIXES, what="the sweep", inputs=inputs)
    if args.plot is not None:
        check_output(args.plot, PLOT_SUFFIXES, what="the sweep's plot", inputs=inputs)
    policy = _policy(args)
    grid = _grid(args.grid)
    scenarios(policy, grid)  # the whole grid, before the roster is read or a cluster started
    problem = load_problem(args.input)
    result = sweep(problem, policy, grid, time_limit=args.time_limit, client=args.scheduler, seed=args.seed,
                   progress=not args.quiet, connect_timeout=args.connect_timeout)
    # the files first: a closed output pipe (… | head) must not lose them
    result.to_excel(args.out)
    if args.plot is not None:
        result.plot(args.plot)
    shown = result.table.drop(columns=["error"])
    print(shown.to_string(index=False))
    print(f"\nsweep of {len(result)} scenarios written to {args.out}"
          + (f", plot to {args.plot}" if args.plot else ""))
    failed = result.failed
    bad = result.table[result.table["violations"].fillna(0) > 0]
    for rec in failed.itertuples():
        print(f"teacher-match: scenario {rec.Index + 1} failed: {rec.error}", file=sys.stderr)
    if len(bad):
        print(f"teacher-match: {len(bad)} scenario(s) gave a plan that violates a rule: rows "
              f"{', '.join(str(i + 1) for i in bad.index)}", file=sys.stderr)
    return EXIT_INVALID_PLAN if len(failed) or len(bad) else EXIT_OK


def _cmd_province(args) -> int:
    from .output_files import REPORT_SUFFIXES
    from .province import PROVINCE_SUFFIXES, as_province, solve_province

    # the outputs first: a province of many solves must not fail at its end
    inputs = [args.input, _policy_file(args.policy)]
    check_output(args.out, PROVINCE_SUFFIXES, what="the province plan", inputs=inputs)
    if args.html is not None:
        check_output(args.html, REPORT_SUFFIXES, what="the province report", inputs=inputs + [args.out])
    policy = _policy(args)
    province = as_province(args.input)  # its counties found, every row placed in one, before any solve
    result = solve_province(province, policy, time_limit=args.time_limit, client=args.scheduler,
                            n_workers=args.workers, seed=args.seed, progress=not args.quiet,
                            connect_timeout=args.connect_timeout)
    # the files first: a closed output pipe (… | head) must not lose them
    result.to_excel(args.out)
    if args.html is not None:
        result.write_report(args.html)
    print(result.summary())
    print(f"\nprovince plan of {len(result)} counties written to {args.out}"
          + (f", report to {args.html}" if args.html else ""))
    for rec in result.errors.itertuples():
        print(f"teacher-match: county {rec.county} failed: {rec.error}", file=sys.stderr)
    t = result.totals()
    return EXIT_INVALID_PLAN if t["failed"] or t["no_plan"] or t["violations"] else EXIT_OK


def _cmd_cadre(args) -> int:
    from .cadre.cli import run

    return run(args)


COMMANDS = {"demo": _cmd_demo, "generate": _cmd_generate, "solve": _cmd_solve, "cycle": _cmd_cycle,
            "check": _cmd_check, "divert": _cmd_divert, "explain": _cmd_explain, "report": _cmd_report,
            "sweep": _cmd_sweep, "province": _cmd_province, "cadre": _cmd_cadre}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``teacher-match`` command; returns the exit code (see the module docstring)."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help, or an argument refused (the parser printed why): its exit code
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    _raise_on_file_size_limit()
    try:
        return _run(COMMANDS[args.command], args)
    except TeacherMatchError as exc:
        print(f"teacher-match: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        # Ctrl-C before the search started (reading, building): there is no plan to keep
        print("teacher-match: interrupted by Ctrl-C before a plan was found — nothing written",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    except MemoryError:
        print("teacher-match: out of memory — plan each township separately, lower max_commute_km, or use a "
              "machine with more memory", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # the reader of our output went away (… | head): stop quietly, as a command killed by SIGPIPE does
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as exc:
        if exc.filename is None:
            return _bug(exc, argv)
        # a file of the user's that the system refuses (permissions, a folder where a file was expected …)
        print(f"teacher-match: {exc.filename}: {exc.strerror or exc} — check the path and its permissions",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # noqa: BLE001 - anything else is a bug, reported as one
        return _bug(exc, argv)


def _bug(exc: BaseException, argv: list[str] | None) -> int:
    """One line saying it is a bug, where the traceback is, and how to report it."""
    if os.environ.get("TEACHER_MATCH_DEBUG"):
        raise exc
    log = _log_traceback(exc, argv)
    where = (f"the details are in {log}" if log is not None else
             "the details could not be logged; run again with TEACHER_MATCH_DEBUG=1 to see them")
    with contextlib.suppress(OSError):
        print(f"teacher-match: internal error, a bug in teacher_match and not in your input "
              f"({type(exc).__name__}: {str(exc)[:200]}) — {where}; please report it to the teacher_match "
              f"maintainers with that file and the command you ran", file=sys.stderr)
    return EXIT_BUG


def _log_traceback(exc: BaseException, argv: list[str] | None) -> Path | None:
    from . import __version__

    folder = Path(os.environ.get(LOG_DIR_ENV) or Path(tempfile.gettempdir()) / "teacher-match")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=folder, prefix=f"crash-{stamp}-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(f"teacher-match {__version__}, Python {sys.version.split()[0]}, {sys.platform}\n")
            fh.write(f"command: teacher-match {' '.join(sys.argv[1:] if argv is None else argv)}\n\n")
            fh.write("".join(traceback.format_exception(exc)))
        return Path(name)
    except OSError:
        return None


def _raise_on_file_size_limit() -> None:
    # a file-size limit (ulimit -f) kills the process with SIGXFSZ by default, leaving a temporary file;
    # ignored, the write fails with EFBIG instead, and the output code cleans up and says so
    if hasattr(signal, "SIGXFSZ"):
        with contextlib.suppress(ValueError, OSError):  # not the main thread: leave it
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def _silence_stdout() -> None:
    # what Python's documentation advises: point stdout at devnull, so the final flush does not fail again
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
