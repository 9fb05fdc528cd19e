"""Why one teacher rotates, stays, or is not movable — derived from the model and re-solves.

:func:`explain` re-solves *counterfactuals*: for a rotated teacher, the best plan without this assignment (the
next-best alternative and its cost); for an eligible teacher who stays, the best plan forcing the teacher to
rotate. A stayer's named causes are a minimal correction set of the ledger's rule instances
(:meth:`Explainer.causes`): relaxing exactly them lets a valid plan rotate the teacher — in any plan when no
valid plan does, else with everyone else as planned — and relaxing any smaller part does not; each is said by
its rule (``S003 already sends its outflow cap of 6``). The counterfactual shown is the closest of the
best such plans to the published one (:meth:`Explainer.closest`), with exactly who starts, stops and
changes school; one of equal objective is said as a tie, with the key of the published tie order
(:mod:`teacher_match.tie_order`) that decided. Objective values are in the plan's units
(``objective / OBJ_SCALE``).
"""

from __future__ import annotations

import copy
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from .errors import TeacherMatchError
from .model.aggregation import disaggregate
from .model.assumptions import OK, assume, enforce_ledger, one_worker_solver
from .model.build import build_model
from .model.context import Context, LedgerEntry, Term
from .model.linear import linear_arrays, solve_lp
from .model.objective import weighted_expr
from .model.restriction import Restriction
from .model.strengthen import strengthen
from .objective import TERMS, Objective
from .plan_match import match_plan
from .publicity import MODE_ZH
from .rule_sentences import describe_entry, pruned_reasons
from .rules import RULES
from .rules import modes as modes_rule
from .rules.contract import Facts, Usage
from .scaling import KM_UNITS, OBJ_SCALE
from .vocabulary import zh_subject

__all__ = ["explain", "Explanation", "Explainer", "THIS_PLAN", "ANY_PLAN"]

#: scope of a cause: with everyone else as in the plan
THIS_PLAN = "this plan"
#: scope of a cause: in every valid plan
ANY_PLAN = "any plan"

BINDING_COLUMNS = ["rule", "key", "scope", "sentence_en", "sentence_zh"]


@dataclass
class Explanation:
    """Why one teacher rotates, stays, or is not movable — derived from the model and re-solves.

    Attributes
    ----------
    teacher_id, status : str
        The teacher and the eligibility status (mandatory | eligible | exempt | ineligible).
    eligibility : str
        The eligibility decision with its deciding values (e.g. ``"mandatory: 8 years at school ≥ 6"``).
    values : dict
        The roster values behind the decision (years at school, age, gender, subject, backbone, role …).
    decision : str
        ``rotates`` | ``stays`` | ``not movable`` | ``no plan``.
    to_school_id : str or None
    reason, reason_zh : str
        One sentence (English, Chinese).
    details : list of str
        The facts: need filled, commute, wish rank, alternatives, what the counterfactual re-solve found.
    binding : DataFrame
        ``rule, key, scope, sentence_en, sentence_zh`` of the rule instances that keep the teacher in place:
        a minimal correction set (:meth:`Explainer.causes`) — relaxing exactly these instances lets a valid
        plan rotate the teacher and relaxing any smaller part does not. ``scope`` is ``"any plan"`` when no
        valid plan rotates the teacher, ``"this plan"`` when the instances bind with everyone else as in
        the plan (a plan that changes others may still rotate the teacher, at the price the alternative
        shows). Empty for rotated or not movable teachers, or when the reason is cost rather than a rule.
    alternative : dict or None
        The counterfactual: ``{"to_school_id", "objective_delta", "status", "tie", "closest", "changes"}``
        of the best plan that differs on this teacher (without this assignment, or forcing a rotation) —
        among such plans the closest to the published one (fewest other teachers changed: ``changes`` =
        ``starts`` (teacher, school), ``stops`` (teacher, school), ``moves`` (teacher, from, to)). ``tie``:
        its objective equals the plan's; then the reason says so and names what in the published tie order
        (:mod:`teacher_match.tie_order`) decided.
    """

    teacher_id: str
    status: str
    eligibility: str
    values: dict
    decision: str
    to_school_id: str | None
    reason: str
    reason_zh: str
    details: list = field(default_factory=list)
    binding: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=BINDING_COLUMNS))
    alternative: dict | None = None

    def __str__(self) -> str:
        """The teacher, their eligibility, the decision in both languages and its details, one per line."""
        vals = ", ".join(f"{k} {v}" for k, v in self.values.items())
        lines = [f"{self.teacher_id} ({vals})",
                 f"  eligibility: {self.eligibility}",
                 f"  decision:    {self.reason}",
                 f"  决定：       {self.reason_zh}"]
        lines += [f"  - {d}" for d in self.details]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """Plain dict (the binding table as a list of records)."""
        d = dict(self.__dict__)
        d["binding"] = self.binding.to_dict("records")
        return d


_VALUE_COLUMNS = ("subject", "gender", "age", "years_at_school", "teaching_years", "title", "backbone",
                  "role", "years_to_retirement")


def _teacher_values(row: pd.Series) -> dict:
    out = {}
    for c in _VALUE_COLUMNS:
        if c in row.index and not (isinstance(row[c], float) and math.isnan(row[c])) and row[c] is not pd.NA:
            v = row[c]
            out[c] = bool(v) if isinstance(v, (bool, np.bool_)) else (
                round(float(v), 1) if isinstance(v, (float, np.floating)) else v)
    return out


def _assignments_of(plan) -> pd.DataFrame:
    return plan if isinstance(plan, pd.DataFrame) else plan.assignments


def _weights(plan, policy) -> dict:
    b = None if isinstance(plan, pd.DataFrame) else getattr(plan, "objective_breakdown", None)
    if b is not None and len(b):
        return {str(t): float(w) for t, w in zip(b["term"], b["weight"], strict=False)}
    return Objective.from_policy(policy).weights


def _plan_dest(f: Facts, assignments: pd.DataFrame) -> np.ndarray:
    a = assignments.assign(teacher_id=assignments["teacher_id"].astype(str))
    to = dict(zip(a["teacher_id"], a["to_school_id"], strict=False))
    return np.array([f.s_index.get(str(to.get(t)), -1) if not pd.isna(to.get(t)) else -1 for t in f.tid],
                    dtype=np.int64)


def _term_arrays(ctx: Context) -> dict:
    """Each objective term as ``(units, const, variable indices, coefficients)`` arrays (read once)."""
    out = {}
    for name, t in ctx.terms.items():
        idx = np.fromiter((v.index for v in t.vars), dtype=np.int64, count=len(t.vars))
        out[name] = (t.units, t.const, idx, np.asarray(t.coefs, dtype=np.int64))
    return out


#: deterministic work (CP-SAT's deterministic seconds) a neighbourhood re-solve may spend: it only proposes a
#: plan, which counts when its objective equals the proven optimum (so the same answer on any machine).
#: Measured on the 10,000-teacher county (loaded machine): 2.0 cost 17–21 s of wall time on neighbourhoods
#: of 100–500 teachers, while ties were found within a second
LOCAL_WORK = 0.3

#: deterministic work (CP-SAT's deterministic seconds) the widest step of the closest-plan search may spend
#: (see :meth:`Explainer.closest`); within it a plan is "closest" only when proven
CLOSEST_WORK = 1.0

#: reduced costs within this share of the LP's objective of the gap are not trusted to fix a row (GLOP's
#: tolerances)
RC_MARGIN = 1e-7

#: a residual model keeping more than this share of the candidate rows is not searched (the whole aggregated
#: model is searched instead)
RESIDUAL_MAX_SHARE = 0.3

#: … unless it keeps at most this many rows (a small model is searched in milliseconds whatever its share)
RESIDUAL_MIN_ROWS = 2000

#: CP-SAT status names (run_search's) → codes
_CODES = {"OPTIMAL": cp_model.OPTIMAL, "FEASIBLE": cp_model.FEASIBLE, "INFEASIBLE": cp_model.INFEASIBLE,
          "UNKNOWN": cp_model.UNKNOWN, "MODEL_INVALID": cp_model.MODEL_INVALID}


class Explainer:
    """One plan's explanations: the models built once, one teacher's answer per :meth:`answer`.

    ``explain`` asks it about one teacher and :func:`teacher_match.explain_all.explain_all` about every
    teacher: both get the same answer from the same code. What is shared between questions:

    * the teacher-level model (one Boolean per teacher and school), read once into a
      :class:`~teacher_match.model.restriction.Restriction`: the binding rule instances of a stayer are the
      assumption core of the model with everyone else fixed at the plan, restricted to what that teacher's
      rows touch (milliseconds instead of a load of the whole model);
    * the plan's complete solution and objective (computed once, not once per question);
    * the counterfactual (the best plan without this assignment, or forcing this teacher to rotate):
      first a re-solve of the teacher's neighbourhood (the teachers sent where they could go, those their
      school sends, those who could replace them) with everyone else fixed: when its objective equals the
      proven optimum of the whole model (one search, :meth:`optimum`), it is a best counterfactual — no
      valid plan is cheaper than the optimum, and it satisfies the question's constraint. Otherwise the whole
      aggregated model is searched with the question's constraint (as ``solve`` searches, hinted with the
      neighbourhood's plan). Interchangeable teachers (:mod:`teacher_match.model.aggregation`) ask the same
      question of the aggregated model ("class c sends at least one" / "class c sends at most |c| − 1 to
      s"), so that search is made once per class and stated per teacher: the member the plan keeps (or sends)
      is swapped with the one asked about, which changes neither feasibility nor cost.

    Parameters
    ----------
    problem, policy, plan
        As for :func:`explain`.
    time_limit : float
        Seconds for each search of the whole model (the core's deletion filter has as many).
    """

    def __init__(self, problem, policy, plan, *, time_limit: float = 10.0):
        self.problem, self.policy = problem, policy
        assignments = match_plan(problem, _assignments_of(plan))  # another roster's plan is refused
        self.plan_ids = set(assignments["teacher_id"].astype(str))
        #: moves in a mode planned beside the main one (rules/modes.py): teacher → (mode, school)
        self.side_moves: dict[str, tuple[Any, str]] = {}
        side = {m.name: m for m in policy.planned_modes()}
        if side and "mode" in assignments.columns:
            other = (assignments["moves"].astype(bool) & assignments["mode"].isin(list(side))).to_numpy()
            for r in assignments[other].itertuples():
                self.side_moves[str(r.teacher_id)] = (side[str(r.mode)], str(r.to_school_id))
            # the main mode's reasoning reads the main mode's moves only
            assignments = assignments.assign(moves=assignments["moves"].astype(bool).to_numpy() & ~other,
                                             to_school_id=assignments["to_school_id"].where(~other, None))
        self.assignments = assignments
        self.plan_status = "FEASIBLE" if isinstance(plan, pd.DataFrame) else plan.status
        self.time_limit = float(time_limit)
        ctx = build_model(problem, policy)
        self.ctx = ctx
        self.f = f = Facts(ctx)
        self.dest = _plan_dest(f, self.assignments)
        self.chosen_rows = (self.dest[f.ct] == f.cs) if len(ctx.model_pairs) else np.zeros(0, dtype=bool)
        self.weights = _weights(plan, policy)
        self.usage = Usage(self.dest)
        order = np.argsort(f.ct, kind="stable")
        bounds = np.searchsorted(f.ct[order], np.arange(len(f.tid) + 1))
        #: candidate rows of each teacher (roster order)
        self.rows_of = [order[bounds[t]:bounds[t + 1]] for t in range(len(f.tid))]
        self.costs = _row_costs(ctx, self.weights)
        self.terms = _term_arrays(ctx)
        self.n_rows = len(ctx.x)
        self._obj_view: Restriction | None = None
        self._offset = 0
        self._core: tuple | None = None
        self._causes: dict = {}
        #: the published tie order (:mod:`teacher_match.tie_order`)
        self.order = ctx.tie_order
        self._base: np.ndarray | None = None
        self._base_done = False
        self._opt: int | None = None
        self._opt_done = False
        self._agg: Context | None = None
        self._obj_model: cp_model.CpModel | None = None
        self._lp: tuple[float, np.ndarray, np.ndarray] | None = None
        self._lp_done = False
        self._classes: np.ndarray | None = None
        self._local: dict = {}
        self._residual: dict = {}
        #: whole-model searches already made, by question (kind, class, school)
        self.resolved: dict = {}
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- the plan
    def index(self, teacher_id: str) -> int:
        """Roster position of a teacher of the plan (else a clear error)."""
        teacher_id = str(teacher_id)
        if teacher_id not in self.plan_ids:
            raise TeacherMatchError(f"teacher {teacher_id!r} is not in the plan")
        if teacher_id not in self.f.t_index:
            raise TeacherMatchError(f"teacher {teacher_id!r} is in the plan but not on the roster")
        return self.f.t_index[teacher_id]

    def movable(self, i: int) -> bool:
        """Mandatory or eligible."""
        return str(self.ctx.elig["status"].iat[i]) in ("mandatory", "eligible")

    def obj_view(self) -> Restriction:
        """The teacher-level model with the plan's objective and the implied inequalities, read once."""
        if self._obj_view is None:
            q = _ctx_on(self.ctx, self.ctx.model.clone())
            q.model.clear_assumptions()
            q.strengthened = None
            strengthen(q)  # valid for every plan: a tighter LP (never in the core's model, see binding)
            q.model.minimize(weighted_expr(q, self.weights))
            self._offset = int(round(q.model.proto.objective.offset))
            self._obj_model = q.model
            self._obj_view = Restriction(q.model, self.n_rows)
        return self._obj_view

    def reduced_costs(self) -> tuple[float, np.ndarray, np.ndarray] | None:
        """The LP relaxation's optimum (integer units) and each candidate row's reduced cost, or None.

        For every plan ``x``: objective(x) ≥ lp + Σ_j |d_j| · |x_j − x̄_j| over the rows at a bound ``x̄_j`` of
        the LP optimum (LP duality; the plan satisfies every row of the relaxation).
        """
        if not self._lp_done:
            self._lp_done = True
            self.obj_view()
            try:
                lp = linear_arrays(cast(cp_model.CpModel, self._obj_model).proto)
            except ValueError:
                return None
            sol = solve_lp(lp) if lp.n_cols else None
            if sol is not None:
                self._lp = (sol.objective, sol.reduced_costs[: self.n_rows], sol.values[: self.n_rows])
        return self._lp

    def units(self, values: np.ndarray) -> int:
        """Objective of a complete solution in integer model units."""
        return self.obj_view().objective_units(values) + self._offset

    def objective(self, values: np.ndarray) -> float:
        """Objective of a complete solution in the plan's units."""
        return self.units(values) / OBJ_SCALE

    def term_values(self, values: np.ndarray) -> dict:
        """Each term's value (its own units) for a complete solution."""
        return {name: (const + int(coefs @ values[idx])) / units
                for name, (units, const, idx, coefs) in self.terms.items()}

    def complete(self, dest: np.ndarray) -> np.ndarray | None:
        """The complete solution of a plan (destination per teacher), or None when it breaks a hard rule.

        The rows are set from the destinations, every other variable at its best value for them (shortfalls at
        their least).
        """
        view = self.obj_view()
        f = self.f
        values = np.zeros(view.n_vars, dtype=np.int64)
        x = (dest[f.ct] == f.cs) if self.n_rows else np.zeros(0, dtype=bool)
        if int(x.sum()) != int((dest >= 0).sum()):
            return None  # a destination that is no candidate of its teacher
        values[: self.n_rows] = x
        if view.violated(values, skip_free=True):
            return None
        sub = view.restrict(np.arange(self.n_rows, view.n_vars), values, objective=True)
        if not len(sub.variables):
            return values
        s = one_worker_solver(self.time_limit)
        st = s.solve(sub.model)
        if st not in OK:
            return None
        return sub.expand(values, s.response_proto.solution)

    def base(self) -> np.ndarray | None:
        """The plan's complete solution (None when the plan breaks a hard rule of the model)."""
        if not self._base_done:
            self._base = self.complete(self.dest)
            self._base_done = True
        return self._base

    # ---------------------------------------------------------------- causes: minimal correction sets
    def _core_view(self) -> tuple[Restriction, dict[int, LedgerEntry]]:
        """The teacher-level model with one enforcement literal per ledger entry, read once."""
        if self._core is None:
            m = self.ctx.model.clone()
            m.clear_assumptions()
            lits = enforce_ledger(self.ctx.ledger, m)
            self._core = (Restriction(m, self.n_rows), lits)
        return self._core

    def _forced(self, i: int, scope: str):
        """Teacher ``i`` forced to rotate, with the ledger's literals free.

        Returns the restricted model, a literal map and the values of the whole model it was restricted
        from. ``scope`` is :data:`THIS_PLAN` (everyone else as in the plan) or :data:`ANY_PLAN` (every teacher
        free). The map sends each literal of the restricted model to its ledger literal; a ledger literal
        outside the restriction belongs to a constraint the question cannot touch (it stays enforced).
        """
        view, lits = self._core_view()
        values = np.zeros(view.n_vars, dtype=np.int64)
        values[: self.n_rows] = self.chosen_rows
        values[list(lits)] = 1
        rows = self.rows_of[i]
        sub = view.restrict(rows if scope == THIS_PLAN else np.arange(self.n_rows), values)
        sm = sub.model
        sm.add(cp_model.LinearExpr.sum([sm.get_bool_var_from_proto_index(sub.new_index[int(r)])
                                        for r in rows]) == 1)
        return sub, {sub.new_index[c]: c for c in lits if c in sub.new_index}, values

    def causes(self, i: int, scope: str) -> tuple[Any, list[LedgerEntry]]:
        """The rule instances that keep teacher ``i`` in place: a minimal correction set, with its status.

        With teacher ``i`` forced to rotate (everyone else as in the plan for :data:`THIS_PLAN`, free for
        :data:`ANY_PLAN`), the returned instances are a smallest set whose relaxation lets a valid plan
        rotate the teacher:

            maximise Σ_k e_k   s.t. the model with constraint k enforced only when e_k,  Σ_s x[i, s] = 1

        and the instances with ``e_k = 0`` are named. Relaxing exactly them restores a plan, and none can be
        dropped (a set of least size is minimal; when the search is not proven, a deletion pass checks
        every instance). Several instances that bind together are all named. Status: OPTIMAL / FEASIBLE
        with the set (empty: nothing forbids the rotation), INFEASIBLE when no relaxation of named
        instances lets the teacher rotate, UNKNOWN when the time ran out.
        """
        key = (i, scope)
        if key in self._causes:
            return self._causes[key]
        sub, sub_lits, _ = self._forced(i, scope)
        sm = sub.model
        order = sorted(sub_lits, key=lambda k: sub_lits[k])  # ledger order: deterministic
        sm.maximize(cp_model.LinearExpr.sum([sm.get_bool_var_from_proto_index(k) for k in order]))
        s = one_worker_solver(self.time_limit)
        st = s.solve(sm)
        if st not in OK:
            self._causes[key] = (st, [])
            return self._causes[key]
        relaxed = [k for k in order if s.value(sm.get_bool_var_from_proto_index(k)) == 0]
        if st != cp_model.OPTIMAL and relaxed:
            sm.clear_objective()
            deadline = time.perf_counter() + self.time_limit
            for k in list(relaxed):  # deletion: keep an instance only if relaxing the others is not enough
                trial = [c for c in order if c not in relaxed or c == k]
                st_k, _ = assume(sm, trial, max(0.05, deadline - time.perf_counter()))
                if st_k in OK:
                    relaxed.remove(k)
            sm.clear_assumptions()
        _, lits = self._core_view()
        self._causes[key] = (st, [lits[sub_lits[k]] for k in relaxed])
        return self._causes[key]

    def rotates_when_relaxed(self, i: int, scope: str, names) -> tuple[bool, np.ndarray | None]:
        """Whether a valid plan rotates teacher ``i`` with exactly the ledger instances ``names`` relaxed.

        Returns the answer and, when it is yes, the destinations of such a plan (−1 = stays). For tests and
        audits of :meth:`causes`.
        """
        names = set(names)
        sub, sub_lits, values = self._forced(i, scope)
        _, lits = self._core_view()
        keep = [k for k, c in sub_lits.items() if lits[c].name not in names]
        st, s = assume(sub.model, keep, max(self.time_limit, 30.0))
        if st not in OK:
            if st != cp_model.INFEASIBLE:
                raise TeacherMatchError(f"could not decide whether {self.f.tid[i]} can rotate in time")
            return False, None
        return True, self._dest_of(sub.expand(values, s.response_proto.solution))

    def words(self, entries: list[LedgerEntry], scope: str) -> pd.DataFrame:
        """The binding table of a list of ledger entries: each said by its own rule.

        In :data:`THIS_PLAN` the sentences read the plan's use of each instance ("already sends …"); in
        :data:`ANY_PLAN` they state the instance itself, which holds in every plan.
        """
        out = []
        for entry in entries:
            en, zh = describe_entry(self.ctx, entry, usage=self.usage if scope == THIS_PLAN else None,
                                    facts=self.f)
            out.append({"rule": entry.rule, "key": entry.key, "scope": scope, "sentence_en": en,
                        "sentence_zh": zh})
        return pd.DataFrame(out, columns=BINDING_COLUMNS)

    # ---------------------------------------------------------------- the closest counterfactual
    def closest(self, i: int, kind: str, s: int | None, values: np.ndarray) -> tuple[np.ndarray, bool]:
        """Among the plans answering the question at least as well as ``values``, the closest to the plan.

        Distance to the published plan: the number of other teachers whose destination differs,

            Σ_{t stays in the plan} Σ_s x[t, s]  +  Σ_{t rotates to p(t)} (1 − x[t, p(t)])   (t ≠ i)

        minimised subject to the question (``force`` / ``forbid``) and objective ≤ objective(values).
        Searched in steps, each exact on its rows:

        1. the teachers ``values`` changes and teacher ``i``: a plan at distance d there;
        2. d = 0 is closest; d = 1 is closest when no plan changes teacher ``i`` alone (its rows only);
        3. otherwise every row the LP's reduced costs leave open (as in :meth:`residual`, exact), searched
           for :data:`CLOSEST_WORK` deterministic seconds from step 1's plan.

        Returns the complete solution and whether it is proven closest.
        """
        changed = np.flatnonzero(self._dest_of(values) != self.dest)
        near = np.unique(np.concatenate([self.rows_of[t] for t in np.union1d(changed, [i])]))
        found, d, proven = self._closest_on(i, kind, s, values, near, None)
        if found is None:
            return values, False
        if proven and d == 0:
            return found, True
        if proven and d == 1:
            alone, _, done = self._closest_on(i, kind, s, values, self.rows_of[i], None)
            if alone is None and done:
                return found, True
        wide, _, proven = self._closest_on(i, kind, s, found, self._open_rows(i, self.units(values)),
                                           CLOSEST_WORK)
        return (wide, proven) if wide is not None else (found, False)

    def _closest_on(self, i: int, kind: str, s: int | None, values: np.ndarray, free: np.ndarray,
                    work: float | None) -> tuple[np.ndarray | None, int, bool]:
        """The closest plan changing only the rows ``free`` (everything else as in ``values``).

        Returns (complete solution or None, its distance, whether proven — for None: proven infeasible).
        """
        view = self.obj_view()
        dest = self.dest
        f = self.f
        sub = view.restrict(free, values, objective=True)
        sm = sub.model
        var = sm.get_int_var_from_proto_index
        o = sm.proto.objective
        ov, oc = list(o.vars), list(o.coeffs)
        at = int(np.dot(np.asarray(oc, dtype=np.int64), values[sub.variables[ov]])) if ov else 0
        sm.clear_objective()
        if ov:
            sm.add(cp_model.LinearExpr.weighted_sum([var(v) for v in ov], oc) <= at)
        self._query(sm, lambda r: var(sub.new_index[r]), i, kind, s)
        rows = np.asarray([r for r in sub.variables.tolist() if r < self.n_rows and int(f.ct[r]) != i],
                          dtype=np.int64)
        stayer = dest[f.ct[rows]] < 0
        kept = self.chosen_rows[rows]
        on = stayer | kept
        # teachers outside ``free`` keep their place in ``values``: count those that differ from the plan
        outside = self._dest_of(values) != dest
        outside[np.unique(f.ct[rows])] = False
        outside[i] = False
        fixed = int(outside.sum()) + int(kept.sum())
        sm.minimize(cp_model.LinearExpr.weighted_sum([var(sub.new_index[int(r)]) for r in rows[on]],
                                                     [1 if st else -1 for st in stayer[on].tolist()]) + fixed)
        sm.proto.solution_hint.vars.extend(range(len(sub.variables)))
        sm.proto.solution_hint.values.extend(values[sub.variables].tolist())
        solver = one_worker_solver(self.time_limit)
        if work is not None:
            solver.parameters.max_deterministic_time = work
        st = solver.solve(sm)
        if st not in OK:
            return None, -1, st == cp_model.INFEASIBLE
        return (sub.expand(values, solver.response_proto.solution), int(round(solver.objective_value)),
                st == cp_model.OPTIMAL)

    def _open_rows(self, i: int, target: int) -> np.ndarray:
        """Rows a plan of objective ≤ ``target`` may change (reduced-cost fixing; every row without an LP).

        Every row with |d_j| > target − lp keeps its LP value, which is the plan's, in every plan that good;
        teacher ``i``'s own rows stay open (fixing fewer is always valid).
        """
        rc = self.reduced_costs()
        base = self.base()
        if rc is None or base is None:
            return np.arange(self.n_rows)
        lp, d, v = rc
        gap = target - lp
        at_bound = np.abs(v - np.round(v)) <= 1e-9
        fixed = ((np.abs(d) > gap + RC_MARGIN * (1 + abs(lp))) & at_bound
                 & (np.round(v) == base[: self.n_rows]))
        fixed[self.rows_of[i]] = False
        return np.flatnonzero(~fixed)

    def changes(self, values: np.ndarray, i: int) -> dict:
        """What a plan changes for the other teachers (everyone but ``i``), in the tie order.

        ``starts`` (teacher, school), ``stops`` (teacher, school), ``moves`` (teacher, from, to).
        """
        f = self.f
        new = self._dest_of(values)
        old = self.dest
        idx = np.argsort(self.order.position, kind="stable")
        idx = idx[idx != i]
        out: dict = {"starts": [], "stops": [], "moves": []}
        for t in idx.tolist():
            a, b = int(old[t]), int(new[t])
            if a == b:
                continue
            if a < 0:
                out["starts"].append((t, f.sid[b]))
            elif b < 0:
                out["stops"].append((t, f.sid[a]))
            else:
                out["moves"].append((t, f.sid[a], f.sid[b]))
        return out

    def tie_cost(self, dest: np.ndarray) -> int:
        """The last level's cost of a plan: Σ (position + 1) over the teachers it rotates."""
        return self.order.cost(dest >= 0)

    # ---------------------------------------------------------------- counterfactuals
    def _query(self, model: cp_model.CpModel, var, i: int, kind: str, s: int | None) -> None:
        """Add the question's constraint: ``force`` teacher i to rotate, or ``forbid`` i → s."""
        rows = self.rows_of[i]
        if kind == "force":
            model.add(cp_model.LinearExpr.sum([var(int(r)) for r in rows]) == 1)
        else:
            model.add(var(self._row(i, cast(int, s))) == 0)

    def _row(self, i: int, s: int) -> int:
        rows = self.rows_of[i]
        return int(rows[self.f.cs[rows] == s][0])

    def neighbourhood(self, i: int, kind: str, s: int | None) -> np.ndarray:
        """Teachers a counterfactual of teacher ``i`` most likely changes.

        ``i``, those sent to the schools ``i`` could go to, those ``i``'s school sends, and (``forbid``) those
        who could take ``i``'s post.
        """
        f = self.f
        schools = np.unique(f.cs[self.rows_of[i]])
        near = np.isin(self.dest, schools) | ((self.dest >= 0) & (f.pos == f.pos[i]))
        if kind == "forbid":
            near[np.unique(f.ct[(f.cs == s) & (f.subj[f.ct] == f.subj[i])])] = True
        near[i] = True
        return np.flatnonzero(near)

    def local(self, i: int, kind: str, s: int | None = None) -> np.ndarray | None:
        """The best plan of the neighbourhood that answers the question (complete solution), or None."""
        key = (i, kind, s)
        if key in self._local:
            return self._local[key]
        base = self.base()
        out = None
        if base is not None:
            view = self.obj_view()
            teachers = self.neighbourhood(i, kind, s)
            rows = np.concatenate([self.rows_of[t] for t in teachers])
            sub = view.restrict(rows, base, objective=True)
            sm = sub.model
            self._query(sm, lambda r: sm.get_int_var_from_proto_index(sub.new_index[r]), i, kind, s)
            sm.proto.solution_hint.vars.extend(range(len(sub.variables)))
            sm.proto.solution_hint.values.extend(base[sub.variables].tolist())
            solver = one_worker_solver(self.time_limit)
            solver.parameters.max_deterministic_time = LOCAL_WORK
            if solver.solve(sm) in OK:
                out = sub.expand(base, solver.response_proto.solution)
        self._local[key] = out
        return out

    def optimum(self) -> int | None:
        """The proven optimum of the whole model (integer units), or None when it is not proven."""
        if not self._opt_done:
            status, dest = self.search(None, None, None, self.dest)
            vals = self.complete(dest) if dest is not None and status == "OPTIMAL" else None
            self._opt = self.units(vals) if vals is not None else None
            self._opt_done = True
        return self._opt

    def aggregated(self) -> tuple[Context, np.ndarray]:
        """The aggregated model (strengthened as ``solve`` searches it) and each teacher's class."""
        if self._agg is None:
            agg = build_model(self.problem, self.policy, aggregate=True)
            strengthen(agg)
            self._classes = (agg.classes if agg.classes is not None
                             else np.arange(len(self.f.tid), dtype=np.int64))
            self._agg = agg
        return self._agg, cast(np.ndarray, self._classes)

    def key(self, i: int, kind: str, s: int | None) -> tuple:
        """The question asked of the aggregated model (the same for interchangeable teachers)."""
        _, cls = self.aggregated()
        return (kind, int(cls[i]), s)

    def representative(self, i: int, kind: str, s: int | None) -> int:
        """The first teacher (roster order) of ``i``'s class in ``i``'s place in the plan.

        Their neighbourhood's plan hints the class's search, so that the search is the same whoever is asked
        about.
        """
        _, cls = self.aggregated()
        same = (cls == cls[i]) & ((self.dest < 0) if kind == "force" else (self.dest == s))
        return int(np.flatnonzero(same)[0])

    def search(self, kind: str | None, c: int | None, s: int | None,
               hint: np.ndarray) -> tuple[str, np.ndarray | None]:
        """Search the whole (aggregated) model with the question's constraint; status and the plan found."""
        from .search import SolveParams, run_search

        agg, cls = self.aggregated()
        m = agg.model.clone()
        m.clear_hints()
        get = m.get_int_var_from_proto_index
        x = [get(v.index) for v in agg.x]
        pc, ps = agg.model_pairs["c"].to_numpy(), agg.model_pairs["s"].to_numpy()
        if kind == "force":
            m.add(cp_model.LinearExpr.sum([x[r] for r in np.flatnonzero(pc == c)]) >= 1)
        elif kind == "forbid":
            r = int(np.flatnonzero((pc == c) & (ps == s))[0])
            m.add(x[r] <= int(agg.model_pairs["n"].iat[r]) - 1)
        # the hint: how many of each class go to each school
        key = cls * len(self.f.sid) + np.where(hint >= 0, hint, 0)
        sent = pd.Series(1, index=key[hint >= 0]).groupby(level=0).sum()
        counts = sent.reindex(pc * len(self.f.sid) + ps).fillna(0).to_numpy(dtype=np.int64)
        for r, v in enumerate(x):
            m.add_hint(v, int(min(counts[r], int(agg.model_pairs["ub"].iat[r]))))
        q = _ctx_on(agg, m)
        found = run_search(q, Objective(**{k: v for k, v in self.weights.items() if k in TERMS}),
                           SolveParams(time_limit=self.time_limit, workers=1, seed=0, tie_break=False))
        if found.values is None:
            return found.status, None
        counts = np.asarray(found.values, dtype=np.int64)[agg.x_index]
        movable = agg.elig["status"].isin(["mandatory", "eligible"]).to_numpy()
        pairs = disaggregate(agg.model_pairs.assign(c=pc), counts, cls, movable, self.order.position)
        dest = np.full(len(self.f.tid), -1, dtype=np.int64)
        dest[pairs["t"].to_numpy()] = pairs["s"].to_numpy()
        return found.status, dest

    def resolve(self, i: int, kind: str, s: int | None) -> tuple[str, np.ndarray | None]:
        """The whole-model search of ``i``'s question (made once per class and question)."""
        key = self.key(i, kind, s)
        with self._lock:
            done = self.resolved.get(key)
        if done is not None:
            return done
        rep = self.representative(i, kind, s)
        near = self.local(rep, kind, s)
        hint = self.dest if near is None else self._dest_of(near)
        out = self.search(kind, key[1], s, hint)
        with self._lock:
            self.resolved.setdefault(key, out)
        return self.resolved[key]

    def _dest_of(self, values: np.ndarray) -> np.ndarray:
        f = self.f
        dest = np.full(len(f.tid), -1, dtype=np.int64)
        on = np.flatnonzero(values[: self.n_rows] > 0)
        dest[f.ct[on]] = f.cs[on]
        return dest

    def needs_search(self, i: int, kind: str, s: int | None) -> tuple | None:
        """The question of the aggregated model teacher ``i``'s counterfactual needs, or None.

        None when the neighbourhood's plan (or the residual model's) is proven best, or there is no plan to
        compare with.
        """
        base = self.base()
        if base is None:
            return None
        near = self.local(i, kind, s)
        if near is not None:
            u = self.units(near)
            # the optimum is at most the plan's objective: only then can the neighbourhood's plan be best
            if u <= self.units(base) and u == self.optimum():
                return None
            if self.residual(i, kind, s) is not None:
                return None
        return self.key(i, kind, s)

    def residual(self, i: int, kind: str, s: int | None) -> np.ndarray | None:
        """The best counterfactual proven on the rows reduced costs leave open, or None.

        With the neighbourhood's plan of objective ``u``, a better plan ``x`` has
        Σ_j |d_j| · |x_j − x̄_j| ≤ u − lp, so every row with |d_j| > u − lp keeps its LP value (which is the
        plan's: the plan is such an ``x`` itself). The model with those rows fixed holds every plan at least
        as good as ``u``: its proven optimum is the counterfactual's (exact).
        """
        key = (i, kind, s)
        if key in self._residual:
            return self._residual[key]
        self._residual[key] = None
        near = self.local(i, kind, s)
        rc = self.reduced_costs()
        base = self.base()
        if near is None or rc is None or base is None:
            return None
        free = self._open_rows(i, self.units(near))
        if len(free) > max(RESIDUAL_MAX_SHARE * self.n_rows, RESIDUAL_MIN_ROWS):
            return None
        view = self.obj_view()
        sub = view.restrict(free, base, objective=True)
        sm = sub.model
        self._query(sm, lambda r: sm.get_int_var_from_proto_index(sub.new_index[r]), i, kind, s)
        sm.proto.solution_hint.vars.extend(range(len(sub.variables)))
        sm.proto.solution_hint.values.extend(near[sub.variables].tolist())
        solver = one_worker_solver(self.time_limit)
        solver.parameters.linearization_level = 2
        if solver.solve(sm) == cp_model.OPTIMAL:
            out = sub.expand(base, solver.response_proto.solution)
            # (the neighbourhood's plan is in the restricted model: never worse)
            self._residual[key] = out if self.units(out) <= self.units(near) else near
        return self._residual[key]

    def counterfactual(self, i: int, kind: str, s: int | None = None) -> tuple[Any, np.ndarray | None]:
        """The best plan forcing teacher ``i`` to rotate (``force``) or without ``i`` → ``s`` (``forbid``).

        Returns the CP-SAT status code and the plan's complete solution (None without one).
        """
        if self.needs_search(i, kind, s) is None:
            proven = self.residual(i, kind, s) if (i, kind, s) in self._residual else None
            return cp_model.OPTIMAL, proven if proven is not None else self.local(i, kind, s)
        status, dest = self.resolve(i, kind, s)
        if dest is None:
            return _CODES[status], None
        dest = dest.copy()
        _, cls = self.aggregated()
        mates = np.flatnonzero(cls == cls[i])
        # the class's plan, stated for teacher i: i changes places with an interchangeable teacher
        if kind == "force" and dest[i] < 0:
            j = int(mates[dest[mates] >= 0][0])
            dest[i], dest[j] = dest[j], -1
        elif kind == "forbid" and dest[i] == s:
            j = int(mates[dest[mates] != s][0])
            dest[i], dest[j] = dest[j], s
        vals = self.complete(dest)
        return (_CODES[status], vals) if vals is not None else (cp_model.UNKNOWN, None)

    # ---------------------------------------------------------------- the answer
    def answer(self, teacher_id: str, counterfactual: bool = True) -> Explanation:
        """Why this teacher rotates to this school, or stays, or is not movable (see :func:`explain`)."""
        i = self.index(teacher_id)
        ctx, f = self.ctx, self.f
        e = ctx.elig.iloc[i]
        values = _teacher_values(ctx.teachers.iloc[i])
        status, elig_reason = str(e["status"]), str(e["reason"])
        base: dict[str, Any] = {"teacher_id": f.tid[i], "status": status, "eligibility": elig_reason,
                                "values": values}
        if f.tid[i] in self.side_moves:
            # a move in a planned mode beside the main one: its own eligibility and words
            m, to = self.side_moves[f.tid[i]]
            words = modes_rule.words_of(m, str(ctx.teachers.iloc[i]["role"]) != "teacher")
            return Explanation(**base, decision="rotates", to_school_id=to, reason=f"{words}, to {to}",
                               reason_zh=f"以{MODE_ZH.get(m.name, m.name)}方式交流至 {to}")
        if status not in ("mandatory", "eligible"):
            return Explanation(**base, decision="not movable", to_school_id=None,
                               reason=f"not movable — {elig_reason}",
                               reason_zh=f"不参与本轮交流 — {elig_reason}")
        if self.plan_status in ("INFEASIBLE", "UNKNOWN", "MODEL_INVALID"):
            return Explanation(**base, decision="no plan", to_school_id=None,
                               reason=f"stays — no plan ({self.plan_status}); see the plan's diagnosis",
                               reason_zh=f"留任 — 无可行方案（{self.plan_status}），见方案诊断")
        if self.dest[i] >= 0:
            return _explain_rotated(self, i, base, counterfactual)
        return _explain_stays(self, i, base, counterfactual)


def _ctx_on(ctx: Context, model: cp_model.CpModel) -> Context:
    """A shallow copy of ``ctx`` whose variables and terms are those of ``model`` (a clone of its model)."""
    q = copy.copy(ctx)
    q.model = model
    q.x = [model.get_int_var_from_proto_index(v.index) for v in ctx.x]
    q.terms = _TermsOn(ctx, model).terms
    q._xarr = np.empty(len(q.x), dtype=object)
    q._xarr[:] = q.x
    return q


class _TermsOn:
    """``ctx``'s objective terms rebased onto a cloned model (same variable indices)."""

    def __init__(self, ctx: Context, model: cp_model.CpModel):
        self.terms = {}
        for name, t in ctx.terms.items():
            nt = Term(t.name, t.units, t.doc, [model.get_int_var_from_proto_index(v.index) for v in t.vars],
                      list(t.coefs), t.const)
            self.terms[name] = nt


def explain(problem, policy, plan, teacher_id: str, *, counterfactual: bool = True,
            time_limit: float = 10.0) -> Explanation:
    """Why this teacher rotates to this school, or stays, or is not movable.

    Parameters
    ----------
    problem, policy
        As passed to :func:`teacher_match.solve`.
    plan : Plan or DataFrame
        The plan, or its assignments table read back from a file.
    teacher_id : str
    counterfactual : bool
        Verify by re-solving (the best plan without this assignment / forcing this teacher to rotate). Each
        search of the whole model has ``time_limit`` seconds.

    Returns
    -------
    Explanation
        ``str(explanation)`` is readable text. Every teacher at once: :func:`teacher_match.explain_all`
        (the same answers, from the same :class:`Explainer`).

    Examples
    --------
    >>> import pandas as pd
    >>> import teacher_match as tm
    >>> p = tm.Problem.from_frames(
    ...     pd.DataFrame({"teacher_id": ["A", "B"], "school_id": "U1", "subject": ["math", "music"],
    ...                   "gender": "F", "age": 40, "years_at_school": 8}),
    ...     pd.DataFrame({"school_id": ["U1", "R1"], "category": ["urban", "rural"], "x": [0.0, 10.0],
    ...                   "y": 0.0}),
    ...     pd.DataFrame({"school_id": ["R1"], "subject": ["math"], "count": [1]}))
    >>> pol = tm.load_policy("default")
    >>> plan = tm.solve(p, pol, time_limit=10)
    >>> tm.explain(p, pol, plan, "B").reason
    'stays — no school declares a need for music'
    """
    teacher_id = str(teacher_id)
    assignments = match_plan(problem, _assignments_of(plan))
    if teacher_id not in set(assignments["teacher_id"].astype(str)):
        raise TeacherMatchError(f"teacher {teacher_id!r} is not in the plan")
    return Explainer(problem, policy, plan, time_limit=time_limit).answer(teacher_id, counterfactual)


def _row_costs(ctx: Context, weights: dict) -> np.ndarray:
    """Each candidate row's own coefficient in the weighted objective, in plan units."""
    out = np.zeros(len(ctx.x))
    n = len(ctx.x)
    for name, term in ctx.terms.items():
        w = weights.get(name, 0.0)
        if not w or not term.vars:
            continue
        idx = np.fromiter((v.index for v in term.vars), dtype=np.int64, count=len(term.vars))
        coefs = np.asarray(term.coefs, dtype=float)
        rows = ctx.x_index.searchsorted(idx)
        mine = ((rows < n) & (ctx.x_index[np.minimum(rows, n - 1)] == idx) if n
                else np.zeros(len(idx), dtype=bool))
        np.add.at(out, rows[mine], w * coefs[mine] / term.units)
    return out


def _say_changes(ex: Explainer, ch: dict) -> tuple[str, str]:
    """The changes a counterfactual makes for the other teachers, in English and Chinese."""
    tid = ex.f.tid
    en = ([f"rotates {tid[t]} (to {s})" for t, s in ch["starts"]]
          + [f"keeps {tid[t]} in place" for t, _ in ch["stops"]]
          + [f"sends {tid[t]} to {b} instead of {a}" for t, a, b in ch["moves"]])
    zh = ([f"{tid[t]} 交流至 {s}" for t, s in ch["starts"]]
          + [f"{tid[t]} 留任" for t, _ in ch["stops"]]
          + [f"{tid[t]} 改派至 {b}（原 {a}）" for t, a, b in ch["moves"]])
    if not en:
        return "changes nobody else", "其他人安排不变"
    joined = ", ".join(en[:-1]) + " and " + en[-1] if len(en) > 1 else en[0]
    return joined, "，".join(zh)


def _order_decided(ex: Explainer, plan_side: list[int], other_side: list[int],
                   dest_other: np.ndarray) -> tuple[str, str, bool]:
    """Why the plan rotates ``plan_side`` rather than ``other_side`` on a tie (English, Chinese, holds).

    ``plan_side``: teachers the plan rotates and the equally good plan does not; ``other_side``: the
    reverse. The plan follows the published order when Σ (position + 1) over its rotated teachers is not
    larger than the other plan's; one teacher against one is said by the first key that differs.
    """
    o = ex.order
    pos = o.position
    mine = int(ex.tie_cost(ex.dest))
    theirs = int(ex.tie_cost(dest_other))
    if mine > theirs:
        return ("the published tie order prefers that plan, and this plan does not follow it here (made or "
                "edited by other means, or its tie stage was not proven)",
                "按公布的顺序应取另一方案，本方案此处未遵循该顺序（方案来自其他途径或经修改，或取舍阶段未得到证明）",
                False)
    if not plan_side and not other_side:
        # the same teachers rotate in both plans, only their schools differ
        return ("the same teachers rotate in both plans, and the published order ranks who rotates, not "
                "where: between these destinations of equal cost the choice is the solver's",
                "两方案交流的教师相同；公布的顺序只决定谁交流，不决定去向：同等代价的去向由求解器选定", False)
    if not other_side:
        return ("the published order moves no teacher an equally good plan leaves in place",
                "按公布的顺序，同样优的方案可以不交流的教师不予交流", True)
    if not plan_side:
        return ("of equally good plans the published order keeps the smaller total position",
                "按公布的顺序取位次之和较小的方案", True)
    if all(pos[a] < pos[b] for a in plan_side for b in other_side):
        said = [o.decide(a, b) for a in plan_side for b in other_side][:3]
        return "; ".join(e for e, _ in said), "；".join(z for _, z in said), True
    a = sum(int(pos[t]) + 1 for t in plan_side)
    b = sum(int(pos[t]) + 1 for t in other_side)
    return (f"the plan's teachers come first in the published order in total (positions {a} against {b})",
            f"按公布的顺序，本方案所选教师位次之和较小（{a} 对 {b}）", True)


@dataclass
class _Alternative:
    """A counterfactual made the closest best one, with what it changes (see :meth:`Explainer.closest`)."""

    values: np.ndarray
    closest: bool
    delta_units: int
    delta: float
    other: np.ndarray
    goes: str | None
    changes: dict
    en: str
    zh: str
    record: dict


def _closest_alternative(ex: Explainer, i: int, kind: str, s: int | None, status: Any, values: np.ndarray,
                         base_vals: np.ndarray) -> _Alternative:
    """The closest of the best plans answering the question, its price, destination and changes."""
    values, closest = ex.closest(i, kind, s, values)
    delta_units = ex.units(values) - ex.units(base_vals)
    delta = delta_units / OBJ_SCALE
    other = ex._dest_of(values)
    goes = ex.f.sid[other[i]] if other[i] >= 0 else None
    ch = ex.changes(values, i)
    en, zh = _say_changes(ex, ch)
    record = {"to_school_id": goes, "objective_delta": delta,
              "status": "OPTIMAL" if status == cp_model.OPTIMAL else "FEASIBLE",
              "tie": delta_units == 0, "closest": closest, "changes": _changes_by_id(ex, ch)}
    return _Alternative(values, closest, delta_units, delta, other, goes, ch, en, zh, record)


def _explain_rotated(ex: Explainer, i: int, base: dict, counterfactual: bool) -> Explanation:
    ctx, f, dest = ex.ctx, ex.f, ex.dest
    s = int(dest[i])
    sid, subj = f.sid[s], f.subj[i]
    rows = ex.rows_of[i]
    mine = [r for r in rows if f.cs[r] == s]
    details = []
    need = f.need.get((s, subj), 0)
    filled = int(((dest == s) & (f.subj == subj)).sum())
    cat = ctx.schools["category"].iat[s]
    strength = ctx.schools["strength"].iat[s]
    if need:
        details.append(f"fills {sid}'s {subj} need ({filled} of {need} filled; {sid} is {cat}, {strength})")
    else:
        # no declared need: the post is one the school opens by sending its own teachers (exchange of posts)
        details.append(f"takes a {subj} post {sid} opens by sending its own teachers ({filled} arrive; "
                       f"{sid} is {cat}, {strength})")
    if mine:
        km = ctx.model_pairs["dkm"].iat[mine[0]] / KM_UNITS
        said = [m.assignment_words(f, ctx.policy.rule(m.RULE_ID), i, s, km) for m in RULES
                if m.assignment_words is not None]
        details.append("; ".join(w for w in said if w))
    else:
        details.append(f"{sid} is not a valid destination for this teacher under this policy "
                       f"(plan out of date?)")
    costs = ex.costs
    alts = sorted((float(costs[r]), f.sid[f.cs[r]],
                    ctx.model_pairs["dkm"].iat[r] / KM_UNITS) for r in rows if f.cs[r] != s)
    if alts:
        here = float(costs[mine[0]]) if mine else float("nan")
        shown = ", ".join(f"{a} ({km:.1f} km, direct cost {c - here:+.1f})" for c, a, km in alts[:3])
        details.append(f"other schools this teacher could fill: {shown}")
    else:
        details.append("no other school needing this subject is within the rules")
    reason = (f"rotates to {sid} ({cat}, {strength}) to fill its {subj} need" if need
              else f"rotates to {sid} ({cat}, {strength}) to take an exchanged {subj} post")
    reason_zh = f"交流至 {sid}，补充该校{zh_subject(subj)}学科缺员"
    alternative: dict[str, Any] | None = None
    base_vals = ex.base() if counterfactual and mine else None
    if base_vals is not None:
        st, vals = ex.counterfactual(i, "forbid", s)
        if st in OK and vals is not None:
            a = _closest_alternative(ex, i, "forbid", s, st, vals, base_vals)
            delta_units, delta, other, goes, ch = a.delta_units, a.delta, a.other, a.goes, a.changes
            ch_en, ch_zh, closest, alternative = a.en, a.zh, a.closest, a.record
            where = (f"sends this teacher to {goes}" if goes
                     else f"keeps this teacher at {f.sid[f.pos[i]]}")
            where_zh = f"改派至 {goes}" if goes else "该教师留任"
            proven = "" if st == cp_model.OPTIMAL else " (not proven optimal)"
            near = "closest " if closest else ""
            details.append(f"next best (re-solved without this assignment; the {near}such plan to this one): "
                           f"{where}, {ch_en}; objective {delta:+,.1f}{proven}")
            if delta_units == 0:
                started = [t for t, _ in ch["starts"]]
                plan_side = ([i] if goes is None else []) + [t for t, _ in ch["stops"]]
                why_en, why_zh, holds = _order_decided(ex, plan_side, started, other)
                lead_en, lead_zh = ("the published order decided: ", "按公布的顺序：") if holds else ("", "")
                if goes is None:
                    reason = (f"rotates on a tie — an equally good plan keeps this teacher in place and "
                              f"{ch_en}; {lead_en}{why_en}")
                    reason_zh = (f"同等优劣中交流至 {sid} — 另一同样优的方案让本人留任，{ch_zh}；"
                                 f"{lead_zh}{why_zh}")
                else:
                    reason = (f"rotates to {sid} on a tie — an equally good plan sends this teacher to "
                              f"{goes} and {ch_en}; {lead_en}{why_en}")
                    reason_zh = (f"同等优劣中交流至 {sid} — 另一同样优的方案改派本人至 {goes}，{ch_zh}；"
                                 f"{lead_zh}{why_zh}")
            else:
                reason += f"; the next best plan {where} and {ch_en} (objective {delta:+,.1f})"
                reason_zh += f"；次优方案{where_zh}，{ch_zh}，目标值 {delta:+,.1f}"
        elif st == cp_model.INFEASIBLE:
            details.append("next best (re-solved without this assignment): "
                           "no valid plan exists without it")
            alternative = {"to_school_id": None, "objective_delta": float("inf"), "status": "INFEASIBLE",
                           "tie": False, "closest": True, "changes": None}
            reason += "; no valid plan exists without this assignment"
            reason_zh += "；不作此安排则无可行方案"
    return Explanation(**base, decision="rotates", to_school_id=sid, reason=reason, reason_zh=reason_zh,
                       details=details, alternative=alternative)


def _changes_by_id(ex: Explainer, ch: dict) -> dict:
    """The changes with teacher ids (for ``Explanation.alternative``)."""
    tid = ex.f.tid
    return {"starts": [(tid[t], s) for t, s in ch["starts"]], "stops": [(tid[t], s) for t, s in ch["stops"]],
            "moves": [(tid[t], a, b) for t, a, b in ch["moves"]]}


def _explain_stays(ex: Explainer, i: int, base: dict, counterfactual: bool) -> Explanation:
    ctx, f = ex.ctx, ex.f
    rows = ex.rows_of[i]
    empty = pd.DataFrame(columns=BINDING_COLUMNS)
    if not len(rows):
        en, zh, details = pruned_reasons(ctx, f, i)
        return Explanation(**base, decision="stays", to_school_id=None, reason=f"stays — {en}",
                           reason_zh=f"留任 — {zh}", details=details, binding=empty)
    details = [f"could fill: {', '.join(f.sid[f.cs[r]] for r in rows)}"]
    alternative: dict[str, Any] | None = None
    st2, vals = ex.counterfactual(i, "force") if counterfactual else (None, None)
    base_vals = ex.base()
    if st2 == cp_model.INFEASIBLE:
        # no valid plan rotates the teacher: the instances whose relaxation alone would allow it
        st, core = ex.causes(i, ANY_PLAN)
        binding = ex.words(core, ANY_PLAN)
        alternative = {"to_school_id": None, "objective_delta": float("inf"), "status": "INFEASIBLE",
                       "tie": False, "closest": True, "changes": None}
        if len(binding):
            reason = "stays — no valid plan rotates this teacher: " + "; ".join(binding["sentence_en"])
            reason_zh = "留任 — 任何可行方案都无法让其交流：" + "；".join(binding["sentence_zh"])
            details.append("verified: relaxing exactly " + ", ".join(f"{e.rule}[{e.key}]" for e in core)
                           + " lets a valid plan rotate this teacher, and relaxing any smaller part does not")
        elif st == cp_model.INFEASIBLE:
            reason = ("stays — no valid plan rotates this teacher, whichever rule instance is relaxed "
                      "(a destination's own limits)")
            reason_zh = "留任 — 任何可行方案都无法让其交流（放宽任何一条规则均不可行）"
        else:
            reason = "stays — no valid plan rotates this teacher (the causes were not found in time)"
            reason_zh = "留任 — 任何可行方案都无法让其交流（未能在时限内找出原因）"
        return Explanation(**base, decision="stays", to_school_id=None, reason=reason, reason_zh=reason_zh,
                           details=details, binding=binding, alternative=alternative)
    # with the rest of the plan unchanged: the instances that forbid rotating this teacher
    st, core = ex.causes(i, THIS_PLAN)
    binding = ex.words(core, THIS_PLAN)
    if len(binding):
        reason = "stays — " + "; ".join(binding["sentence_en"])
        reason_zh = "留任 — " + "；".join(binding["sentence_zh"])
        details.append("verified: with the rest of the plan unchanged, relaxing exactly "
                       + ", ".join(f"{e.rule}[{e.key}]" for e in core)
                       + " lets this teacher rotate, and relaxing any smaller part does not")
    elif st in OK:
        reason = "stays — no rule forbids rotating this teacher"
        reason_zh = "留任 — 无硬性规则阻止其交流"
    else:
        reason, reason_zh = "stays", "留任"
    if st2 in OK and vals is not None and base_vals is not None:
        a = _closest_alternative(ex, i, "force", None, st2, vals, base_vals)
        vals, delta_units, delta, other = a.values, a.delta_units, a.delta, a.other
        goes, ch = a.goes, a.changes
        ch_en, ch_zh, closest, alternative = a.en, a.zh, a.closest, a.record
        proven = "" if st2 == cp_model.OPTIMAL else " (not proven optimal)"
        near = "closest " if closest else ""
        details.append(f"verified: the {near}best plan that rotates this teacher sends them to {goes} and "
                       f"{ch_en}, objective {delta:+,.1f}{proven}")
        if delta_units == 0:
            stopped = [t for t, _ in ch["stops"]]
            why_en, why_zh, holds = _order_decided(ex, stopped, [i] + [t for t, _ in ch["starts"]], other)
            lead_en, lead_zh = ("the published order decided: ", "按公布的顺序：") if holds else ("", "")
            instead = (f"instead of {', '.join(f.tid[t] for t in stopped)}" if stopped
                       else "as well")
            rest = [*[(t, s) for t, s in ch["starts"]]]
            extra = _say_changes(ex, {"starts": rest, "stops": [], "moves": ch["moves"]})
            more_en = f" (and {extra[0]})" if rest or ch["moves"] else ""
            more_zh = f"（并且{extra[1]}）" if rest or ch["moves"] else ""
            reason = (f"stays on a tie — an equally good plan rotates this teacher (to {goes}) {instead}"
                      f"{more_en}; {lead_en}{why_en}")
            reason_zh = (f"留任（同等优劣）— 另一同样优的方案让本人交流至 {goes}"
                         + (f"，而 {'、'.join(f.tid[t] for t in stopped)} 留任" if stopped else "")
                         + f"{more_zh}；{lead_zh}{why_zh}")
        else:
            cost = (f"rotating this teacher costs {delta:+,.1f}: the closest best plan that does so sends "
                    f"them to {goes} and {ch_en}")
            cost_zh = f"让其交流将使目标值变化 {delta:+,.1f}：该方案让本人交流至 {goes}，{ch_zh}"
            if len(binding):
                reason += f"; {cost}"
                reason_zh += f"；{cost_zh}"
            else:
                terms_then = ex.term_values(vals)
                terms_now = ex.term_values(base_vals)
                moved_terms = ", ".join(f"{k} {terms_then[k] - terms_now[k]:+g}" for k in sorted(terms_then)
                                        if terms_then[k] != terms_now[k] and ex.weights.get(k, 0))
                reason = f"stays — {cost} ({moved_terms or 'no term changes'})"
                reason_zh = f"留任 — {cost_zh}"
    return Explanation(**base, decision="stays", to_school_id=None, reason=reason, reason_zh=reason_zh,
                       details=details, binding=binding, alternative=alternative)
