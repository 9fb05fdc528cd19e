"""``teacher-match cadre …``: the cadre systems on the command line.

::

    teacher-match cadre generate --cadres 200 --seed 1 --out cadres/
    teacher-match cadre solve cadres/ --policy yunlong-health-cadre --out plan.xlsx
    teacher-match cadre solve cadres/ --policy county-cadre-rotation \
        --set exchange_min_years_in_unit=10 --set rotation_min_years_in_post=5 \
        --publicity-start 2025-07-03 --out plan.xlsx
    teacher-match cadre check cadres/ plan.xlsx --policy yunlong-health-cadre
    teacher-match cadre demo --cadres 120

Exit codes as for the teacher commands (README, "Exit codes"): 0 done; 1 the plan violates a rule or no plan
exists; 2 bad input (raised as a TeacherMatchError and printed by the main command); 3 no plan within the
time limit.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import PolicyError
from ..output_files import PLAN_SUFFIXES, atomic_write, check_output, check_output_folder
from ..params import parse_cli_value

__all__ = ["add_parser", "run"]

_OK, _INVALID, _NO_PLAN_IN_TIME = 0, 1, 3


def add_parser(sub, *, seconds, whole_in, cpus: int, seed_max: int) -> None:
    """Add ``cadre`` and its commands to the main command's subparsers (argument types passed in)."""
    cad = sub.add_parser("cadre", help="cadre rotation (干部轮岗交流): yunlong-health-cadre, "
                                       "county-cadre-rotation")
    csub = cad.add_subparsers(dest="cadre_command", required=True, parser_class=type(cad))
    seed = whole_in(0, seed_max, "the seed")
    size = whole_in(20, 100_000, "the number of cadres")

    def policy_args(sp):
        sp.add_argument("--policy", default="yunlong-health-cadre",
                        help="cadre policy id (models/cadre/) or a .toml file (default yunlong-health-cadre)")
        sp.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a parameter or objective weight, e.g. --set window_rotation_years=3")

    def solver_args(sp):
        sp.add_argument("--time-limit", type=seconds, default=60.0, help="seconds, > 0 (default 60)")
        sp.add_argument("--workers", type=whole_in(1, cpus, "--workers"), default=1,
                        help=f"CP-SAT workers, 1 to {cpus} (default 1)")
        sp.add_argument("--seed", type=seed, default=0, help="solver random seed (default 0)")
        sp.add_argument("--log", action="store_true", help="print CP-SAT's search log")
        sp.add_argument("--quiet", action="store_true", help="print only the first summary lines")
        sp.add_argument("--publicity-start", default=None, metavar="DATE",
                        help="first day of the publicity (公示), e.g. 2025-07-03: the workbook states "
                             "the period")

    g = csub.add_parser("generate",
                        help="write a synthetic cadre system (cadres, units, relatives, vacancies)")
    g.add_argument("--cadres", type=size, default=200, help="cadres, 20 to 100,000 (default 200)")
    g.add_argument("--seed", type=seed, default=0)
    g.add_argument("--out", required=True, help="output folder: new or empty (see --force)")
    g.add_argument("--force", action="store_true", help="write into a folder that holds files")

    s = csub.add_parser("solve", help="plan the cadre rotation of a roster")
    s.add_argument("input",
                   help="folder with cadres/units(/relatives/vacancies) files, or one .xlsx workbook")
    policy_args(s)
    solver_args(s)
    s.add_argument("--out", help="the plan: .xlsx (every table and the 公示 lists) or .csv (the assignments)")

    d = csub.add_parser("demo", help="synthetic cadre system → solve → summary")
    d.add_argument("--cadres", type=size, default=120)
    policy_args(d)
    solver_args(d)

    c = csub.add_parser("check", help="check a cadre plan against the roster and the policy (pandas only)")
    c.add_argument("input")
    c.add_argument("plan", help="plan file written by cadre solve (.xlsx or .csv)")
    policy_args(c)


def _policy(args):
    from .policy import load_cadre_policy

    pol = load_cadre_policy(args.policy)
    changes = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise PolicyError(f"--set expects KEY=VALUE, got {item!r} — e.g. --set window_rotation_years=3")
        parsed = parse_cli_value(value)
        changes[key.strip()] = [parsed] if key.strip() == "posting_grades" and isinstance(parsed, str) \
            else parsed
    return pol.with_(**changes) if changes else pol


def _policy_file(ref: str) -> str | None:
    p = Path(ref)
    return ref if p.suffix == ".toml" or p.exists() else None


def run(args: argparse.Namespace) -> int:
    """Run one ``cadre`` command; return its exit code."""
    return {"generate": _generate, "solve": _solve, "demo": _demo, "check": _check}[args.cadre_command](args)


def _generate(args) -> int:
    from .synthetic import make_system

    folder = check_output_folder(args.out, force=args.force)
    roster = make_system(args.cadres, seed=args.seed)
    for name, df in (("cadres", roster.cadres), ("units", roster.units), ("relatives", roster.relatives),
                     ("vacancies", roster.vacancies)):
        with atomic_write(folder / f"{name}.csv", f"the {name} table") as tmp:
            df.to_csv(tmp, index=False, encoding="utf-8-sig")
    print(f"wrote {roster} to {folder}/")
    return _OK


def _solve(args) -> int:
    from .tables import load_roster

    out = None
    if args.out is not None:
        out = check_output(args.out, PLAN_SUFFIXES, what="the cadre plan",
                           inputs=[args.input, _policy_file(args.policy)])
    policy = _policy(args)
    policy.require_complete()
    roster = load_roster(args.input)
    return _solve_and_report(roster, policy, args, out)


def _demo(args) -> int:
    from .synthetic import make_system

    policy = _policy(args)
    policy.require_complete()  # before any output: a policy still to be completed is one message
    roster = make_system(args.cadres, seed=1)
    print(f"teacher_match cadre demo: {roster}, policy '{args.policy}'\n")
    return _solve_and_report(roster, policy, args, None)


def _solve_and_report(roster, policy, args, out: Path | None) -> int:
    from .check import check
    from .solving import solve

    plan = solve(roster, policy, time_limit=args.time_limit, workers=args.workers, seed=args.seed,
                 log=args.log)
    if plan.status == "UNKNOWN":
        print(plan.summary())
        print(f"\nno plan: none was found within the time limit of {args.time_limit:g} s — raise --time-limit"
              + (f"; nothing was written to {out}" if out else ""))
        return _NO_PLAN_IN_TIME
    if not plan.has_plan:
        print(plan.summary())
        print(f"\nno plan ({plan.status}): every cadre stays"
              + (f"; nothing was written to {out}" if out else ""))
        return _INVALID
    path = plan.write(out, args.publicity_start) if out is not None else None
    summary = plan.summary().splitlines()
    print("\n".join(summary[:3] if args.quiet else summary))
    if path is not None:
        print(f"\nplan written to {path}")
    violations = check(roster, policy, plan)
    print(f"\nchecker: {'no violations' if violations.empty else f'{len(violations)} VIOLATIONS'}")
    if not violations.empty:
        print(violations.to_string(index=False), file=sys.stderr)
        return _INVALID
    return _OK


def _check(args) -> int:
    from .check import check
    from .plan import CadrePlan
    from .tables import load_roster

    policy = _policy(args)
    policy.require_complete()
    roster = load_roster(args.input)
    a = CadrePlan.read_assignments(args.plan)
    v = check(roster, policy, a)
    if v.empty:
        print(f"{args.plan}: no violations of policy '{policy.id}' ({len(a)} cadres)")
        return _OK
    print(v.to_string(index=False))
    print(f"\n{args.plan}: {len(v)} violations of policy '{policy.id}'", file=sys.stderr)
    return _INVALID
