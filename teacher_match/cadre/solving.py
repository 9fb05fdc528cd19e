"""The cadre model on CP-SAT: seats, postings, kinship avoidance and priority in one solve.

Variables
---------
``x[i,s]`` — cadre *i* takes seat *s* (another cadre's post, freed when that cadre moves, or a vacancy) of
the same grade, not of the same post in the same unit (that would be no change of post): a *rotation* (轮岗)
when *s* is in *i*'s unit, an *exchange* (交流) otherwise.
``y[i,u]`` — cadre *i* is sent on an up/down posting (上派/下派) to unit *u*, keeping the home seat.

Constraints
-----------
* one seat per movable cadre: ``keep_i + Σ_s x[i,s] = 1`` (``keep_i``: the cadre keeps the own seat) and
  ``Σ_u y[i,u] ≤ keep_i`` (a posting keeps the home seat); refused and deferred cadres have no variable;
* a seat holds one cadre: ``keep_h + Σ_i x[i,s] ≤ 1`` for the holder *h*, ``Σ_i x[i,v] ≤ 1`` for a
  vacancy *v* — an assignment problem, whose LP relaxation is tight;
* window rotation (hard): ``Σ_s x[i,s] = 1`` for every due service-window cadre; the exchange and rotation
  triggers likewise when ``due_hard`` (else priced);
* posting places: ``Σ_i y[i,u] ≤ posting_places_u``;
* kinship avoidance: with ``at[i,u]`` = 1 when *i* works in *u* after the plan (a seat or a posting),
  ``at[a,u] + at[b,u] ≤ 1`` and ``at[a,u] + at[b,w] ≤ 1`` for relatives *a*, *b* and every unit *w* that
  supervises *u* or is supervised by it;
* grassroots priority (YL-SE1): ``b_u ≥ y[q,u]`` for every non-priority cadre *q* sent down to *u*, and
  ``b_u ≤ Σ_v y[p,v]`` for every priority cadre *p* who may go to *u*: nobody else is sent down to *u* while
  such a reserve candidate stays home.

Objective (minimised, integer: weights × :data:`teacher_match.scaling.OBJ_SCALE`)
------------------------------------------------------------------------------
``empty_seat · #seats without a holder + move · #moves + exchange · #exchanges + unfilled_place · #posting
places unfilled + due_unmoved · #due cadres left in place (priced triggers) + priority_unposted · #priority
cadres not sent down + applicant_unmoved · #applicants left in place``.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

import pandas as pd
from ortools.sat.python import cp_model

from ..errors import InfeasibleError, InputError
from ..scaling import OBJ_SCALE, weight_coef
from .eligibility import MOVABLE, cadre_status, kin_blocked
from .plan import CadrePlan, build_cadre_plan
from .policy import CadrePolicy
from .tables import CadreRoster

__all__ = ["solve"]

_STATUS = {cp_model.OPTIMAL: "OPTIMAL", cp_model.FEASIBLE: "FEASIBLE", cp_model.INFEASIBLE: "INFEASIBLE",
           cp_model.UNKNOWN: "UNKNOWN", cp_model.MODEL_INVALID: "MODEL_INVALID"}


def solve(roster: CadreRoster, policy: CadrePolicy, *, time_limit: float = 30.0, workers: int = 1,
          seed: int = 0, strict: bool = False, log: bool = False) -> CadrePlan:
    """Plan the cadre rotation: every hard rule of ``policy`` holds, the objective is minimised.

    Parameters
    ----------
    roster : CadreRoster
    policy : CadrePolicy
        No ``"required"`` value left (else :class:`~teacher_match.errors.PolicyError`).
    time_limit, workers, seed, log
        CP-SAT's budget in seconds, workers, random seed and search log. Deterministic for fixed values.
    strict : bool
        Raise :class:`~teacher_match.errors.InfeasibleError` when the hard rules cannot all hold.

    Returns
    -------
    CadrePlan
        One row per input cadre with its action and reason; status OPTIMAL / FEASIBLE (with its gap) /
        INFEASIBLE (everyone stays, the diagnosis says why).
    """
    t0 = time.perf_counter()
    if not (isinstance(time_limit, (int, float)) and not isinstance(time_limit, bool) and time_limit > 0):
        raise InputError(f"time_limit must be a number of seconds > 0, got {time_limit!r}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(f"workers must be a whole number ≥ 1, got {workers!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= 2**31 - 1:
        raise InputError(f"seed must be a whole number from 0 to {2**31 - 1:,}, got {seed!r}")
    policy.require_complete()
    st = cadre_status(roster, policy)
    m = _Model(roster, policy, st)
    solver = cp_model.CpSolver()
    sp = solver.parameters
    sp.max_time_in_seconds = float(time_limit)
    sp.num_workers = workers
    sp.random_seed = seed
    sp.log_search_progress = log
    # measured (400 cadres): the symmetry search of presolve took 4 s of a 15 s budget and probing the rest,
    # before any plan; the assignment structure needs neither
    sp.symmetry_level = 0
    sp.cp_model_probing_level = 0
    # measured (815 cadres, county model, 60 s, loaded machine): the LP with level-2 cuts closed the gap from
    # 52 % to 5 % (the assignment's LP relaxation is tight; the search needs it to see so)
    sp.linearization_level = 2
    if workers > 1:
        sp.interleave_search = True
    code = solver.solve(m.model)
    status = _STATUS.get(code, "UNKNOWN")
    has = status in ("OPTIMAL", "FEASIBLE")
    seats_taken: dict[str, str] = {}
    postings: dict[str, str] = {}
    if has:
        for (i, s), var in m.x.items():
            if solver.boolean_value(var):
                seats_taken[i] = s
        for (i, u), var in m.y.items():
            if solver.boolean_value(var):
                postings[i] = u
    objective = solver.objective_value / OBJ_SCALE if has else float("nan")
    bound = solver.best_objective_bound / OBJ_SCALE if has else float("nan")
    gap = abs(objective - bound) / max(1.0, abs(objective)) if has else float("nan")
    diagnosis = [] if has else m.diagnose() if status == "INFEASIBLE" else [
        f"no plan found within the time limit of {time_limit:g} s — raise time_limit"]
    plan = build_cadre_plan(roster, policy, st, seats_taken, postings, status=status, objective=objective,
                            bound=bound, gap=gap, wall_time_s=time.perf_counter() - t0,
                            solver_info={"workers": workers, "seed": seed, "time_limit": time_limit,
                                         "variables": len(m.model.proto.variables),
                                         "constraints": len(m.model.proto.constraints)},
                            diagnosis=diagnosis)
    if strict and status == "INFEASIBLE":
        raise InfeasibleError(f"no plan satisfies every hard rule of cadre policy '{policy.id}'\n"
                              + "\n".join(diagnosis), plan)
    return plan


class _Model:
    """The CP-SAT formulation (see the module docstring)."""

    def __init__(self, roster: CadreRoster, policy: CadrePolicy, st: pd.DataFrame):
        self.roster, self.policy, self.st = roster, policy, st
        p = policy.params
        c = roster.cadres
        md = self.model = cp_model.CpModel()
        seats = roster.seats()
        status = dict(zip(st["person_id"], st["status"], strict=True))
        movable = {k for k, s in status.items() if s in MOVABLE}
        unit_of = dict(zip(c["person_id"], c["unit_id"], strict=True))
        grade_of = dict(zip(c["person_id"], c["grade"], strict=True))
        post_of = dict(zip(c["person_id"], c["post"], strict=True))
        kin = _relatives(roster) if p["kinship_avoidance"] else {}
        blocked = kin_blocked(roster, status) if p["kinship_avoidance"] else {}
        # a seat can be taken when it is a vacancy or its holder may leave it
        takeable = seats[seats["holder"].isna() | seats["holder"].isin(movable)]
        by_grade = {g: df for g, df in takeable.groupby("grade")}
        self.x: dict[tuple[str, str], cp_model.IntVar] = {}
        self.y: dict[tuple[str, str], cp_model.IntVar] = {}
        for i in c["person_id"]:
            if i not in movable:
                continue
            cand = by_grade.get(grade_of[i])
            if cand is None:
                continue
            own = (unit_of[i], post_of[i])
            for s, u, post in zip(cand["seat"], cand["unit_id"], cand["post"], strict=True):
                # the same post in the same unit is no change of post (three 科员 of one office)
                if (u, post) != own and u not in blocked.get(i, ()):
                    self.x[i, s] = md.new_bool_var(f"x[{i},{s}]")
        units = roster.units
        # a policy without postings has no places to fill (the roster's places are another system's)
        places = {u: n for u, n in zip(units["unit_id"], units["posting_places"], strict=True)
                  if n > 0 and p["posting_grades"]}
        level = roster.level_of()
        posting = dict(zip(st["person_id"], st["posting"], strict=True))
        for i, d in posting.items():
            if not d:
                continue
            want = "grassroots" if d == "down" else "upper"
            for u in places:
                if level[u] == want and u not in blocked.get(i, ()):
                    self.y[i, u] = md.new_bool_var(f"y[{i},{u}]")
        xs_of: dict[str, list] = defaultdict(list)
        into: dict[str, list] = defaultdict(list)
        ys_of: dict[str, list] = defaultdict(list)
        yinto: dict[str, list] = defaultdict(list)
        seat_unit = dict(zip(seats["seat"], seats["unit_id"], strict=True))
        for (i, s), v in self.x.items():
            xs_of[i].append((s, v))
            into[s].append(v)
        for (i, u), v in self.y.items():
            ys_of[i].append(v)
            yinto[u].append(v)
        # one seat per movable cadre: its own (kept while staying or posted) or another; a posting keeps it
        self.keep: dict[str, cp_model.IntVar] = {}
        # every loop runs in roster order (never over a set): the same model, hence the same plan, in every
        # process whatever its hash seed
        order = [i for i in c["person_id"] if i in movable]
        for i in order:
            k = self.keep[i] = md.new_bool_var(f"keep[{i}]")
            md.add_exactly_one([k] + [v for _s, v in xs_of[i]])
            if ys_of[i]:
                md.add(sum(ys_of[i]) <= k)
        # a seat holds one cadre (its holder keeping it, or one who takes it); count the seats filled
        filled = []
        for s, h in zip(seats["seat"], seats["holder"], strict=True):
            if h is not None and not pd.isna(h) and h not in movable:
                filled.append(1)  # a fixed cadre keeps the seat
                continue
            held = [self.keep[h]] if h is not None and not pd.isna(h) else []
            if len(held) + len(into[s]) > 1:
                md.add_at_most_one(held + into[s])
            filled.append(sum(held) + sum(into[s]))
        # triggers
        terms: dict[str, Any] = {}
        due_left = []
        for rec in st.itertuples(index=False):
            if rec.status != "due":
                continue
            i = rec.person_id
            moved = sum(v for _s, v in xs_of[i])
            away = sum(v for s, v in xs_of[i] if seat_unit[s] != unit_of[i])
            if rec.due_window and p["window_rotation_hard"]:
                md.add(moved == 1)
            elif rec.due_window:
                due_left.append(1 - moved)
                continue
            if rec.due_exchange:
                if p["due_hard"]:
                    md.add(away == 1)
                else:
                    due_left.append(1 - away)
            elif rec.due_rotation:
                if p["due_hard"]:
                    md.add(moved == 1)
                else:
                    due_left.append(1 - moved)
        # posting places
        for u, n in places.items():
            if len(yinto[u]) > n:
                md.add(sum(yinto[u]) <= n)
        # kinship avoidance
        if kin:
            at: dict[str, dict[str, Any]] = {}
            parent = roster.parent_of()
            near: dict[str, set] = defaultdict(set)
            for a, b in parent.items():
                near[a].add(b)
                near[b].add(a)
            for i in c["person_id"]:
                if i not in kin:
                    continue
                where: dict[str, list] = defaultdict(list)
                for s, v in xs_of[i]:
                    where[seat_unit[s]].append(v)
                for u, v in ((u, v) for (j, u), v in self.y.items() if j == i):
                    where[u].append(v)
                home_stay = 1 - sum(v for _s, v in xs_of[i]) - sum(ys_of[i])
                at[i] = {u: sum(lits) for u, lits in where.items()}
                at[i][unit_of[i]] = at[i].get(unit_of[i], 0) + home_stay
            done = set()
            for a, rel in kin.items():
                for b in sorted(rel):
                    if (b, a) in done:
                        continue
                    done.add((a, b))
                    for u, ea in at[a].items():
                        for w in [u, *sorted(near[u])]:
                            if w in at[b]:
                                md.add(ea + at[b][w] <= 1)
        # grassroots priority (YL-SE1)
        prio = list(st.loc[st["priority"], "person_id"])
        prio_set = set(prio)
        if prio:
            down_of: dict[str, list] = defaultdict(list)
            for (i, _u), v in self.y.items():
                if i in prio_set:
                    down_of[i].append(v)
            for u in places:
                others = [v for (i, w), v in self.y.items() if w == u and i not in prio_set]
                firsts = [i for i in prio if (i, u) in self.y]
                if not others or not firsts:
                    continue
                other_down = md.new_bool_var(f"other_down[{u}]")
                for v in others:
                    md.add_implication(v, other_down)
                for i in firsts:
                    md.add(sum(down_of[i]) >= 1).only_enforce_if(other_down)
            terms["priority_unposted"] = sum(1 - sum(down_of[i]) for i in prio)
        applicants = [i for i in st.loc[st["applied"], "person_id"] if i in movable]
        terms["empty_seat"] = len(seats) - sum(filled)
        terms["move"] = sum(self.x.values())
        terms["exchange"] = sum(v for (i, s), v in self.x.items() if seat_unit[s] != unit_of[i])
        terms["unfilled_place"] = sum(places.values()) - sum(self.y.values())
        terms["due_unmoved"] = sum(due_left)
        terms["applicant_unmoved"] = sum(1 - sum(v for _s, v in xs_of[i]) - sum(ys_of[i]) for i in applicants)
        w = policy.objective
        md.minimize(sum(weight_coef(w[k], 1) * e for k, e in terms.items()))
        self._kin = kin

    def diagnose(self) -> list[str]:
        """Plain reasons why no plan exists: what the hard rules ask that the roster cannot give."""
        out = []
        p = self.policy.params
        st = self.st.set_index("person_id")
        have = {i for i, _s in self.x}
        for i, rec in st.iterrows():
            if rec["status"] == "due" and rec["due_window"] and p["window_rotation_hard"] and i not in have:
                out.append(f"{i} must leave a service-window post (window_rotation_years "
                           f"{p['window_rotation_years']}) but no seat of the same grade can be freed for "
                           f"them — defer them (deferred = 是) or add a vacancy")
        unit_of = dict(zip(self.roster.cadres["person_id"], self.roster.cadres["unit_id"], strict=True))
        near = self.roster.supervising_pairs()
        seat_unit = dict(zip(self.roster.seats()["seat"], self.roster.seats()["unit_id"], strict=True))
        reach: dict[str, set] = defaultdict(set)  # the units each cadre may work in after the plan
        for i, s in self.x:
            reach[i].add(seat_unit[s])
        for i, u in self.y:
            reach[i].add(u)

        def clash(u: str, w: str) -> bool:
            return u == w or frozenset((u, w)) in near

        for a, rel in self._kin.items():
            for b in sorted(rel):
                ua, ub = unit_of[a], unit_of[b]
                if a > b or not clash(ua, ub):
                    continue
                # either leaves for a unit clear of the other's (the other staying)
                if any(not clash(u, ub) for u in reach[a]) or any(not clash(u, ua) for u in reach[b]):
                    continue
                sa, sb = st.at[a, "status"], st.at[b, "status"]
                out.append(f"relatives {a} ({sa}, {ua}) and {b} ({sb}, {ub}) work in one unit or a "
                           f"supervising pair, and neither can move to a unit clear of the other (no free "
                           f"seat of their grade elsewhere): kinship avoidance cannot hold — add a vacancy, "
                           f"or let one of them be posted")
        if not out:
            out.append("the hard rules together (window rotation, seats of the same grade, kinship "
                       "avoidance, grassroots priority) leave no plan; relax window_rotation_hard or defer a "
                       "cadre")
        return out


def _relatives(roster: CadreRoster) -> dict[str, set]:
    kin: dict[str, set] = defaultdict(set)
    for a, b in zip(roster.relatives["person_id"], roster.relatives["relative_id"], strict=True):
        kin[a].add(b)
        kin[b].add(a)
    return dict(kin)

