"""The checker: recompute every hard rule and the objective from the raw inputs, with pandas only.

``check(problem, policy, plan)`` knows nothing of the CP-SAT model. It re-derives eligibility, distances,
needs, caps and shares from the input tables, and reports one row per violation (``rule, key, message``).
An empty frame means the plan is valid. It also recomputes every objective term and the total and compares
them with what the plan reports, so a plan cannot claim an objective it does not have.

``shortfalls(problem, policy, plan)`` is its other half: the minima the policy made soft
(``min_rotation_hard = false``, ``quota_hard = false``) that the plan falls short of, one row per minimum
(``rule, key, message, where, short, what, place, switch``). A shortfall is no violation — the policy allows
it — so ``check(...).empty`` keeps meaning "the plan is valid"; a plan is valid *and* meets every minimum
when both frames are empty.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .diversion import ANY_SUBJECT, Diversion, diversion_input
from .eligibility import eligibility
from .plan_match import match_plan
from .rules import RULES, TERM_UNITS, flows
from .rules.contract import CheckData, Shortfall
from .scaling import OBJ_SCALE, objective_units
from .vocabulary import count_of

__all__ = ["check", "check_diversion", "shortfalls", "shortfall_lines", "SHORTFALL_COLUMNS"]

#: the columns of :func:`shortfalls` (those of :class:`~teacher_match.rules.contract.Shortfall`)
SHORTFALL_COLUMNS = ["rule", "key", "message", "where", "short", "what", "place", "switch"]
#: places named on a shortfall line (the table has them all)
SHORTFALL_PLACES_SHOWN = 5


def check(problem, policy, plan) -> pd.DataFrame:
    """Violations of the plan against the policy's hard rules, and objective mismatches.

    Parameters
    ----------
    problem : Problem
    policy : Policy
    plan : Plan or DataFrame or Diversion
        A Plan, or an assignments table (e.g. read back from a file): then only the hard rules are checked.
        A :class:`~teacher_match.diversion.Diversion` is checked by :func:`check_diversion`.

    Returns
    -------
    DataFrame
        ``rule, key, message``; empty when the plan is valid. A soft minimum the plan falls short of is no
        violation: see :func:`shortfalls`.

    Raises
    ------
    PolicyError
        The policy still has a value to be supplied (``"required"``).
    """
    if isinstance(plan, Diversion):
        return check_diversion(problem, policy, plan.assignments, mode=plan.mode)
    chk, out = _check_data(problem, policy, plan)
    for m in RULES:
        out += m.check(chk, policy.rule(m.RULE_ID))

    if not isinstance(plan, pd.DataFrame) and np.isfinite(plan.objective):
        out += _objective(chk, policy, plan)
    return pd.DataFrame(out, columns=["rule", "key", "message"])


def check_diversion(problem, policy, assignments, mode: str = "diversion") -> pd.DataFrame:
    """Violations of a diversion (分流): coverage, the pool, seats, and no justified envy.

    Recomputed from the tables (pool, wishes, seats and the strict order of
    :func:`teacher_match.diversion.diversion_input`), never from the matching code. With ``a(t)`` the
    option or origin school of pool teacher ``t``, ``g(t, o)`` the seat group of option ``o`` for ``t``:

    * coverage: every roster teacher exactly once; a pool teacher's row has ``mode = diversion``, another
      teacher's has not and stays;
    * acceptable: ``a(t)`` is one of the options ``t`` lists before their origin school, or the origin;
    * seats: ``|{t : g(t, a(t)) = G}| ≤ capacity(G)`` for every seat group ``G``;
    * no justified envy: for every option ``o`` that ``t`` lists before ``a(t)`` (every listed one before
      the origin when ``t`` returns), ``g(t, o)`` has no free seat and holds nobody after ``t`` in the order.

    Returns
    -------
    DataFrame
        ``rule, key, message``; empty when the diversion is stable and within its seats.
    """
    if isinstance(assignments, Diversion):
        assignments = assignments.assignments
    policy.require_complete()
    inp = diversion_input(problem, policy, mode)
    t = problem.teachers
    tid = t["teacher_id"].astype(str).to_numpy()
    out: list[tuple[str, str, str]] = []
    a = assignments.assign(teacher_id=assignments["teacher_id"].astype(str))
    for x in sorted(set(a["teacher_id"][a["teacher_id"].duplicated()])):
        out.append(("coverage", f"teacher={x}", f"{x} appears more than once in the diversion"))
    for x in sorted(set(tid) - set(a["teacher_id"])):
        out.append(("coverage", f"teacher={x}", f"{x} is on the roster but missing from the diversion"))
    a = a.drop_duplicates("teacher_id").set_index("teacher_id")
    in_pool = {tid[i] for i in inp.pool}
    modes = a["mode"].astype(object).where(a["mode"].notna(), None)
    for x in sorted(set(a.index) & set(tid)):
        if x not in in_pool and (modes.get(x) == mode or bool(a.at[x, "moves"])):
            out.append(("diversion", f"teacher={x}", f"{x} is not in the diversion pool but the plan moves "
                                                     f"them (mode {modes.get(x)})"))
        if x in in_pool and modes.get(x) != mode:
            out.append(("diversion", f"teacher={x}", f"{x} is in the diversion pool but the plan gives mode "
                                                     f"{modes.get(x)}"))
    # each pool teacher's seat group (None: back at the origin)
    placed: list = []
    for k, i in enumerate(inp.pool):
        x = tid[i]
        dest = a.at[x, "to_school_id"] if x in a.index else None
        dest = None if dest is None or (isinstance(dest, float) and np.isnan(dest)) else str(dest)
        ok = {g[0]: g for g in inp.wishes[k]}
        if dest == inp.origin[k]:
            placed.append(None)
        elif dest in ok:
            placed.append(ok[dest])
        else:
            placed.append(None)
            out.append(("diversion", f"teacher={x}", f"{x} goes to {dest}, which is neither an option they "
                                                     f"list before their origin nor their origin school "
                                                     f"{inp.origin[k]}"))
    count: dict = {}
    for g in placed:
        if g is not None:
            count[g] = count.get(g, 0) + 1
    for g, c in sorted(count.items()):
        cap = int(inp.capacity.get(g, 0))
        if c > cap:
            what = "" if g[1] == ANY_SUBJECT else f" for {g[1]}"
            out.append(("diversion", f"option={g[0]},subject={g[1]}",
                        f"option {g[0]} takes {c} teachers{what}, over its {cap} seats"))
    last: dict = {}  # seat group -> the latest position it holds
    for k, g in enumerate(placed):
        if g is not None:
            last[g] = max(last.get(g, -1), int(inp.position[k]))
    holder = {(g, int(inp.position[k])): tid[inp.pool[k]] for k, g in enumerate(placed) if g is not None}
    for k, g in enumerate(placed):
        better = inp.wishes[k] if g is None else inp.wishes[k][: inp.wishes[k].index(g)]
        me, pos = tid[inp.pool[k]], int(inp.position[k])
        for h in better:
            if count.get(h, 0) < int(inp.capacity.get(h, 0)):
                out.append(("diversion", f"teacher={me},option={h[0]}",
                            f"{me} prefers {h[0]}, which has a free seat for them"))
            elif last.get(h, -1) > pos:
                out.append(("diversion", f"teacher={me},option={h[0]}",
                            f"justified envy: {me} prefers {h[0]}, which admitted "
                            f"{holder[(h, last[h])]}, after {me} in the order"))
    return pd.DataFrame(out, columns=["rule", "key", "message"])


def shortfalls(problem, policy, plan) -> pd.DataFrame:
    """The soft minima the plan falls short of: allowed by the policy, never silent.

    Parameters
    ----------
    problem : Problem
    policy : Policy
    plan : Plan or DataFrame
        A Plan, or an assignments table (e.g. read back from a file).

    Returns
    -------
    DataFrame
        ``rule, key, message, where, short, what, place, switch``: one row per minimum the plan is ``short``
        of (``switch`` names the policy parameter that made it soft); empty when every minimum is met or
        every minimum is hard (a hard one short is a violation of :func:`check`).

    Raises
    ------
    PolicyError
        The policy still has a value to be supplied (``"required"``).
    """
    chk, _ = _check_data(problem, policy, plan)
    rows: list[Shortfall] = []
    for m in RULES:
        if m.shortfalls is not None:
            rows += m.shortfalls(chk, policy.rule(m.RULE_ID))
    return pd.DataFrame([[getattr(r, c) for c in SHORTFALL_COLUMNS] for r in rows], columns=SHORTFALL_COLUMNS)


def shortfall_lines(short: pd.DataFrame) -> list[str]:
    """One line per rule in a :func:`shortfalls` table: how many are short, where, and the switch.

    >>> short = pd.DataFrame([["min_rotation", "school=S3", "…", "S3", 2, "mandatory teacher",
    ...                        "sending school", "min_rotation_hard"]], columns=SHORTFALL_COLUMNS)
    >>> shortfall_lines(short)
    ['SHORTFALL: min_rotation — 2 mandatory teachers short at 1 sending school (S3 2); soft in this policy \
(min_rotation_hard = false)']
    """
    out = []
    for rule, g in short.groupby("rule", sort=False):
        places = g["place"].unique()
        place = str(places[0]) if len(places) == 1 else "minimum"
        shown = g.head(SHORTFALL_PLACES_SHOWN)
        where = ", ".join(f"{w} {n}" for w, n in zip(shown["where"], shown["short"], strict=True))
        more = ", …" if len(g) > SHORTFALL_PLACES_SHOWN else ""
        switches = " and ".join(f"{x} = false" for x in g["switch"].unique())
        out.append(f"SHORTFALL: {rule} — {count_of(int(g['short'].sum()), str(g['what'].iat[0]))} short at "
                   f"{count_of(len(g), place)} ({where}{more}); soft in this policy ({switches})")
    return out


def _check_data(problem, policy, plan) -> tuple[CheckData, list[tuple[str, str, str]]]:
    """The roster merged with the plan, and the plan's coverage and eligibility violations."""
    # a value the source leaves blank ("required") cannot be checked against: the same refusal as solve's
    policy.require_complete()
    if policy.reference_date is not None:
        problem = problem.at(policy.reference_date)
    # a plan of another roster is refused here, not checked; defects of single rows are left to the rules
    a = match_plan(problem, plan if isinstance(plan, pd.DataFrame) else plan.assignments, strict=False)
    out: list[tuple[str, str, str]] = []
    # the plan's own columns come from the plan: a roster that carries last year's plan (extra columns
    # to_school_id, moves, commute_km …) must not shadow them
    t = problem.teachers.drop(columns=["to_school_id", "moves", "commute_km", "plan_from", "km_check"],
                              errors="ignore")

    # nothing lost, nothing duplicated
    dup = a["teacher_id"][a["teacher_id"].duplicated()]
    out += [("coverage", f"teacher={x}", f"{x} appears more than once in the plan") for x in dup.unique()]
    roster = set(t["teacher_id"])
    planned = set(a["teacher_id"])
    out += [("coverage", f"teacher={x}", f"{x} is on the roster but missing from the plan")
            for x in sorted(roster - planned)]
    out += [("coverage", f"teacher={x}", f"{x} is in the plan but not on the roster")
            for x in sorted(planned - roster)]
    a = a.drop_duplicates("teacher_id")
    a = a[a["teacher_id"].isin(roster)]

    elig = eligibility(problem, policy)
    tt = t.assign(status=elig["status"].to_numpy())
    cols = ["teacher_id", "to_school_id", "moves", "commute_km"] + (
        ["from_school_id"] if "from_school_id" in a.columns else [])
    plan_cols = a[cols].rename(columns={"from_school_id": "plan_from", "status": "plan_status"})
    tt = tt.merge(plan_cols, on="teacher_id", how="left")
    tt["moves"] = tt["moves"].fillna(False).astype(bool)
    if "plan_from" in tt.columns:
        # a teacher missing from the plan is reported once, as missing, not as "plan says from nan"
        bad = tt[tt["plan_from"].notna() & (tt["plan_from"].astype(str) != tt["school_id"].astype(str))]
        out += [("coverage", f"teacher={r.teacher_id}", f"{r.teacher_id}: plan says from {r.plan_from}, "
                 f"roster says {r.school_id}") for r in bad.itertuples(index=False)]
    if "status" in a.columns:
        st = a.set_index("teacher_id")["status"]
        claimed = tt["teacher_id"].map(st)
        wrong = tt[claimed.notna() & (claimed != tt["status"])]
        out += [("eligibility", f"teacher={r.teacher_id}", f"{r.teacher_id}: plan says "
                 f"{st[r.teacher_id]}, the rules say {r.status}") for r in wrong.itertuples(index=False)]

    moved = tt[tt["moves"]].copy()
    known = moved["to_school_id"].isin(problem.school_index)
    km = np.full(len(moved), np.nan)
    if known.any():
        t_pos = moved.index.to_numpy()[known.to_numpy()]
        s_pos = moved.loc[known, "to_school_id"].map(problem.school_index).to_numpy()
        km[known.to_numpy()] = problem.commute_km(t_pos, s_pos)
    moved["km_check"] = km
    fl = policy.rule(flows.RULE_ID)
    chk = CheckData(
        problem=problem, policy=policy, assignments=a, teachers=tt, moved=moved,
        sending=flows.selects(problem.schools, fl.from_), receiving=flows.selects(problem.schools, fl.to),
    )
    return chk, out


def _objective(chk, policy, plan) -> list:
    """Recompute each term and the total from the plan; compare with what the plan reports."""
    values: dict[str, int] = {}
    for m in RULES:
        if m.term_values is not None:
            values.update(m.term_values(chk, policy.rule(m.RULE_ID)))
    br = plan.objective_breakdown.set_index("term")
    weights = br["weight"].to_dict()
    out = []
    for term, v in values.items():
        units = TERM_UNITS[term][0]
        if term not in br.index and v == 0:
            continue  # a term only some solves build (a year of a rotation cycle), with nothing to count
        reported = br.loc[term, "value"] if term in br.index else np.nan
        if not np.isclose(reported, v / units, atol=1e-9):
            out.append(("objective", f"term={term}",
                        f"term {term}: plan reports {reported}, recomputed {v / units}"))
    total = objective_units(weights, values, {k: TERM_UNITS[k][0] for k in values})
    if round(plan.objective * OBJ_SCALE) != total:
        out.append(("objective", "total",
                    f"plan reports objective {plan.objective}, recomputed {total / OBJ_SCALE}"))
    return out
