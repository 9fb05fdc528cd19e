"""Rule instances as assumptions: enforcement literals on the ledger, cores, and minimal conflicts.

Every named constraint of the ledger can be given an enforcement literal; solving with those literals as
CP-SAT *assumptions* and reading ``sufficient_assumptions_for_infeasibility()`` names a set of rule
instances that cannot all hold. :func:`shrink` makes such a set minimal (a deletion filter) and
:func:`cores` collects disjoint minimal conflicts. Used by the diagnosis (no plan exists) and by the
explanations (why a teacher cannot rotate).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from ortools.sat.python import cp_model

from .context import LedgerEntry

__all__ = ["OK", "one_worker_solver", "enforce_ledger", "assume", "shrink", "cores"]

#: constraint kinds CP-SAT can enforce conditionally (other kinds stay hard)
_ENFORCEABLE = ("has_linear", "has_bool_or", "has_bool_and")

#: statuses with a plan
OK = (cp_model.OPTIMAL, cp_model.FEASIBLE)

#: a core larger than this is reported as found: a deletion pass would cost one solve per literal
MAX_SHRINK = 60


def one_worker_solver(seconds: float) -> cp_model.CpSolver:
    """A deterministic one-worker CP-SAT solver with a time limit (assumptions need the sequential search)."""
    s = cp_model.CpSolver()
    p = s.parameters
    p.num_workers = 1
    p.random_seed = 0
    p.max_time_in_seconds = max(0.05, float(seconds))
    # CP-SAT's own Ctrl-C handler would stay installed after the solve and swallow the caller's Ctrl-C
    p.catch_sigint_signal = False
    return s


def enforce_ledger(ledger: Iterable[LedgerEntry], model: cp_model.CpModel) -> dict[int, LedgerEntry]:
    """One enforcement literal per ledger entry of ``model`` (or a clone of it); literal index → entry."""
    lits = {}
    for e in ledger:
        ct = model.proto.constraints[e.index]
        if not any(getattr(ct, has)() for has in _ENFORCEABLE):
            continue  # a constraint type CP-SAT cannot enforce conditionally stays hard
        lit = model.new_bool_var(f"enforce[{e.name}]")
        ct.enforcement_literal.append(lit.index)
        lits[lit.index] = e
    return lits


def assume(model: cp_model.CpModel, lits: Iterable[int],
           seconds: float) -> tuple[cp_model.CpSolverStatus, cp_model.CpSolver]:
    """Solve with the given literals as assumptions; returns (status, solver)."""
    model.clear_assumptions()
    model.add_assumptions([model.get_bool_var_from_proto_index(i) for i in lits])
    s = one_worker_solver(seconds)
    return s.solve(model), s


def shrink(model: cp_model.CpModel, core: Sequence[int], deadline: float) -> list[int]:
    """Deletion filter: drop every literal whose removal keeps the set infeasible (a minimal conflict)."""
    core = list(core)
    if len(core) > MAX_SHRINK:
        return core
    i = 0
    while i < len(core) and time.perf_counter() < deadline:
        trial = core[:i] + core[i + 1:]
        status, s = assume(model, trial, deadline - time.perf_counter())
        if status == cp_model.INFEASIBLE:
            keep = set(s.sufficient_assumptions_for_infeasibility())
            # every literal before i was shown necessary, so it is in any infeasible subset: order is kept
            core = [c for c in trial if c in keep] if keep else trial
        else:
            i += 1
    return core


def cores(model: cp_model.CpModel, lits: dict[int, LedgerEntry], deadline: float,
          max_conflicts: int) -> tuple[list[list[LedgerEntry]], bool]:
    """Disjoint minimal conflicts, as lists of ledger entries; and whether the search finished."""
    active = list(lits)
    out: list[list[LedgerEntry]] = []
    while len(out) < max_conflicts:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return out, False
        status, s = assume(model, active, remaining)
        if status in OK:
            return out, True
        if status != cp_model.INFEASIBLE:
            return out, False
        core = [c for c in s.sufficient_assumptions_for_infeasibility() if c in lits]
        if not core:
            out.append([])  # infeasible with every named rule relaxed
            return out, True
        core = shrink(model, core, deadline)
        out.append([lits[c] for c in core])
        freed = set(core)
        active = [c for c in active if c not in freed]
    return out, len(out) < max_conflicts
