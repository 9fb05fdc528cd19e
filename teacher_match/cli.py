"""The ``teacher-match`` command.

::

    teacher-match demo
    teacher-match generate --teachers 10000 --seed 7 --out county/
    teacher-match solve county/ --policy default --set backbone_min_share=0.2 --out plan.xlsx
    teacher-match check county/ plan.xlsx --policy default
    teacher-match explain county/ plan.xlsx --policy default --teacher T000042
    teacher-match report plan.xlsx --html report.html --input county/

Bad input gives one clear message on stderr and exit code 2 — never a traceback.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import warnings

from .errors import InputWarning, PolicyError, TeacherMatchError

__all__ = ["main"]

EXIT_BAD_INPUT = 2
EXIT_INVALID_PLAN = 1
EXIT_INTERRUPTED = 130  # the shell's convention for a command stopped by Ctrl-C (128 + SIGINT)
EXIT_INTERNAL = 3


class _ArgParser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own errors also exit 2, with usage
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"teacher-match: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    p = _ArgParser(prog="teacher-match", description="Optimal, explainable teacher rotation planning.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_ArgParser)

    def solver_args(sp):
        sp.add_argument("--time-limit", type=float, default=60.0, help="seconds (default 60)")
        sp.add_argument("--workers", type=int, default=1, help="CP-SAT workers (default 1)")
        sp.add_argument("--seed", type=int, default=0, help="solver random seed (default 0)")
        sp.add_argument("--log", action="store_true", help="print CP-SAT's search log")
        sp.add_argument("--quiet", action="store_true", help="no progress lines")
        sp.add_argument("--max-memory-mb", type=float, default=None,
                        help="refuse a model estimated to need more memory (default: the memory available)")

    def policy_args(sp):
        sp.add_argument("--policy", default="default", help="policy id (see models/) or path to a .toml file")
        sp.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a policy parameter, e.g. --set backbone_min_share=0.2 (repeatable)")

    d = sub.add_parser("demo", help="synthetic county → solve → summary (no input files needed)")
    d.add_argument("--teachers", type=int, default=3000)
    d.add_argument("--preset", choices=["town", "county", "city", "metro"])
    policy_args(d)
    solver_args(d)
    d.set_defaults(seed=7)

    g = sub.add_parser("generate", help="write a synthetic county roster")
    g.add_argument("--teachers", type=int, default=3000)
    g.add_argument("--preset", choices=["town", "county", "city", "metro"])
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--out", required=True, help="output directory")
    g.add_argument("--format", choices=["csv", "xlsx", "parquet"], default="csv")

    s = sub.add_parser("solve", help="plan the rotation for a roster")
    s.add_argument("input", help="directory with teachers/schools/needs files, or one .xlsx workbook")
    policy_args(s)
    solver_args(s)
    s.add_argument("--out", help="write the plan (.xlsx or .csv)")
    s.add_argument("--strict", action="store_true", help="exit non-zero when no plan satisfies the hard rules")
    s.add_argument("--max-file-mb", type=float, default=None,
                   help="refuse input files larger than this (default 200)")
    s.add_argument("--max-rows", type=int, default=None, help="refuse tables with more rows (default 1,000,000)")

    c = sub.add_parser("check", help="check a plan against the inputs and the policy (pandas only)")
    c.add_argument("input")
    c.add_argument("plan", help="plan file written by solve (.xlsx or .csv)")
    policy_args(c)

    e = sub.add_parser("explain", help="why a teacher rotates or stays")
    e.add_argument("input")
    e.add_argument("plan")
    e.add_argument("--teacher", required=True)
    e.add_argument("--time-limit", type=float, default=10.0,
                   help="seconds per counterfactual re-solve (default 10)")
    e.add_argument("--no-verify", action="store_true", help="skip the counterfactual re-solves")
    policy_args(e)

    r = sub.add_parser("report", help="an HTML report of a plan workbook (totals, needs, schools, flow map)")
    r.add_argument("plan", help="plan workbook written by solve (.xlsx)")
    r.add_argument("--html", required=True, help="output .html file")
    r.add_argument("--input", help="the input roster (directory or workbook): school coordinates for the map")
    return p


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


def _solve_and_report(problem, policy, args, out: str | None = None) -> int:
    from .check import check
    from .solving import solve

    plan = solve(problem, policy, time_limit=args.time_limit, workers=args.workers, seed=args.seed, log=args.log,
                 progress=_progress_printer(args.quiet), strict=getattr(args, "strict", False),
                 max_memory_mb=args.max_memory_mb)
    if plan.solver_info.get("interrupted"):
        return _write_interrupted(plan, out)
    print(plan.summary())
    if out:
        path = plan.to_excel(out) if out.lower().endswith((".xlsx", ".xlsm")) else plan.to_csv(out)
        print(f"\nplan written to {path}")
    if plan.status in ("INFEASIBLE", "MODEL_INVALID"):
        # every teacher stays in such a plan; checking it against the hard minimums would only repeat the
        # diagnosis above as a list of "violations"
        print(f"\nno plan ({plan.status}): see the diagnosis above; every teacher stays")
        return EXIT_INVALID_PLAN
    violations = check(problem, policy, plan)
    print(f"\nchecker: {'no violations' if violations.empty else f'{len(violations)} VIOLATIONS'}")
    if not violations.empty:
        print(violations.to_string(index=False), file=sys.stderr)
        return EXIT_INVALID_PLAN
    return 0 if plan.status in ("OPTIMAL", "FEASIBLE") or not getattr(args, "strict", False) else EXIT_INVALID_PLAN


def _write_interrupted(plan, out: str | None) -> int:
    """Ctrl-C stopped the search: keep the best plan found (to --out, else a file in the current directory)."""
    path = out or "teacher-match-interrupted-plan.csv"
    written = plan.to_excel(path) if path.lower().endswith((".xlsx", ".xlsm")) else plan.to_csv(path)
    gap = "—" if plan.gap is None or math.isnan(plan.gap) else f"{plan.gap:.2%}"
    found = "no plan had been found yet (every teacher stays)" if plan.status == "UNKNOWN" else (
        f"the best plan found so far (status {plan.status}, objective {plan.objective:,.1f}, gap {gap})")
    print(f"teacher-match: interrupted by Ctrl-C — {found} was written to {written}", file=sys.stderr)
    return EXIT_INTERRUPTED


def _cmd_demo(args) -> int:
    from .synthetic import make_county

    n = args.teachers
    print(f"teacher_match demo: synthetic county of {n:,} teachers (seed {args.seed}), policy '{args.policy}'\n"
          if not args.preset else f"teacher_match demo: '{args.preset}' county (seed {args.seed})\n")
    problem = make_county(n, seed=args.seed, preset=args.preset)
    policy = _policy(args)
    print(f"{problem}\n")
    return _solve_and_report(problem, policy, args)


def _cmd_generate(args) -> int:
    from .io import write_problem
    from .synthetic import make_county

    problem = make_county(args.teachers, seed=args.seed, preset=args.preset)
    out = write_problem(problem, args.out, fmt=args.format)
    print(f"wrote {problem} to {out}/")
    return 0


def _cmd_solve(args) -> int:
    from .io import load_problem

    policy = _policy(args)
    policy.require_complete()
    limits = {k: v for k, v in (("max_file_mb", args.max_file_mb), ("max_rows", args.max_rows)) if v is not None}
    problem = load_problem(args.input, **limits)
    return _solve_and_report(problem, policy, args, out=args.out)


def _cmd_check(args) -> int:
    from .check import check
    from .io import load_problem
    from .plan import Plan

    policy = _policy(args)
    problem = load_problem(args.input)
    assignments = Plan.read_assignments(args.plan)
    violations = check(problem, policy, assignments)
    if violations.empty:
        print(f"{args.plan}: valid — {int(assignments['moves'].sum())} teachers rotate, no violations")
        return 0
    print(f"{args.plan}: {len(violations)} violation(s)")
    print(violations.to_string(index=False))
    return EXIT_INVALID_PLAN


def _cmd_explain(args) -> int:
    from .explanation import explain
    from .io import load_problem
    from .plan import Plan

    policy = _policy(args)
    problem = load_problem(args.input)
    a = Plan.read_assignments(args.plan)
    if not (a["teacher_id"].astype(str) == args.teacher).any():
        raise TeacherMatchError(f"teacher {args.teacher!r} is not in {args.plan}")
    print(explain(problem, policy, a, args.teacher, counterfactual=not args.no_verify,
                  time_limit=args.time_limit))
    return 0


def _cmd_report(args) -> int:
    from .io import load_problem
    from .report import write_report

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


COMMANDS = {"demo": _cmd_demo, "generate": _cmd_generate, "solve": _cmd_solve, "check": _cmd_check,
            "explain": _cmd_explain, "report": _cmd_report}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``teacher-match`` command; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        return _run(COMMANDS[args.command], args)
    except TeacherMatchError as exc:
        print(f"teacher-match: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (ValueError, OSError) as exc:
        # e.g. an unknown preset or an unwritable output path: still one line, no traceback
        print(f"teacher-match: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        # Ctrl-C before the search started (reading, building): there is no plan to keep
        print("teacher-match: interrupted by Ctrl-C before a plan was found — nothing written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except MemoryError:
        print("teacher-match: out of memory — plan each township separately, lower max_commute_km, or use a "
              "machine with more memory", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:
        if os.environ.get("TEACHER_MATCH_DEBUG"):
            raise
        # a bug, not bad input: still one message, and the way to get the details for a report
        print(f"teacher-match: internal error ({type(exc).__name__}: {exc}) — please report it with the command "
              f"you ran; set TEACHER_MATCH_DEBUG=1 to see the details", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

