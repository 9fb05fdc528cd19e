"""The Plan: one row per input teacher, the needs and schools tables, the objective and its breakdown."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .check import shortfall_lines, shortfalls
from .column_rules import missing_columns
from .errors import InputError, InputWarning, OutputError
from .money import plan_money
from .output_files import atomic_write, check_output, csv_safe, csv_unsafe, remember_input, text_cells_as_text
from .plan_match import parse_moves
from .publicity import itinerant_publicity, publicity_table, write_publicity_sheet
from .reasons import teacher_reasons
from .reproducible import make_reproducible
from .rules import RULES, TERM_UNITS, budget, sanctions, workload
from .rules import modes as modes_rule
from .rules.contract import PlanState
from .scaling import KM_UNITS, OBJ_SCALE, objective_units, weight_coef
from .schema import TABLES

if TYPE_CHECKING:
    from .diagnosis import Diagnosis
    from .objective import Objective
    from .policy import Policy
    from .problem import Problem

__all__ = ["Plan", "build_plan", "ASSIGNMENT_COLUMNS", "PLAN_STATUSES"]

#: solver statuses that come with a plan; any other status means every teacher stays
PLAN_STATUSES = ("OPTIMAL", "FEASIBLE")

ASSIGNMENT_COLUMNS = ["teacher_id", "from_school_id", "to_school_id", "moves", "mode", "subject",
                      "commute_km", "status", "reason"]


@dataclass
class Plan:
    """The result of :func:`teacher_match.solve`.

    Attributes
    ----------
    assignments : DataFrame
        Exactly one row per input teacher: ``teacher_id, from_school_id, to_school_id, moves, mode, subject,
        commute_km, status, reason`` (+ ``name`` and the roster's extra columns when present).
    status : str
        OPTIMAL | FEASIBLE | INFEASIBLE | UNKNOWN | MODEL_INVALID.
    objective, bound, gap : float
        Objective of the plan, the solver's proven lower bound, and (objective − bound) / max(1, |objective|).
    objective_breakdown : DataFrame
        ``term, weight, value, contribution`` for every term.
    needs : DataFrame
        ``school_id, subject, count, filled, unmet``.
    schools : DataFrame
        Per school: staff, eligible, sent, received, backbone and leaders sent, caps.
    """

    assignments: pd.DataFrame
    status: str
    objective: float
    bound: float
    gap: float
    wall_time_s: float
    objective_breakdown: pd.DataFrame
    needs: pd.DataFrame
    schools: pd.DataFrame
    policy_id: str = ""
    build_time_s: float = float("nan")
    solver_info: dict = field(default_factory=dict)
    #: INFEASIBLE plans: ``conflict, rule, key, sentence_en, sentence_zh, relaxation`` (see explain.diagnose)
    diagnosis: pd.DataFrame | None = None
    #: INFEASIBLE plans: the verified parameter relaxations that restore a plan
    relaxations: pd.DataFrame | None = None
    #: the soft minima the plan falls short of (:func:`teacher_match.check.shortfalls`; None without a plan)
    shortfalls: pd.DataFrame | None = None
    #: per unfilled need, the rule that blocks it: ``school_id, subject, unmet, rule, teachers, sentence``
    #: (:func:`teacher_match.unmet.unmet_needs`; None when every need is filled or there is no plan)
    unmet: pd.DataFrame | None = None
    #: single-parameter changes that fill more needs, each verified by re-solving
    #: (:func:`teacher_match.what_if.what_would_fill`, run by ``teacher-match solve``); None until searched
    what_if: pd.DataFrame | None = None
    #: itinerant teaching (走教): ``teacher_id, school_id, subject, lessons_per_week, visits_per_week,
    #: km_per_week, home_school_id``; None when the policy does not plan it (rules/itinerant.py)
    itinerant: pd.DataFrame | None = None

    # ------------------------------------------------------------------ views
    @property
    def moved(self) -> pd.DataFrame:
        """Assignments of the teachers who rotate."""
        return self.assignments[self.assignments["moves"]]

    def to_frame(self) -> pd.DataFrame:
        """The assignments table (a copy)."""
        return self.assignments.copy()

    def totals(self) -> dict:
        """Headline numbers.

        Teachers, eligible, rotated, needs filled / unfilled, objective, bound, status.
        """
        a = self.assignments
        return {
            "teachers": len(a),
            "mandatory": int((a["status"] == "mandatory").sum()),
            "eligible": int(a["status"].isin(["mandatory", "eligible"]).sum()),
            "exempt": int((a["status"] == "exempt").sum()),
            "rotated": int(a["moves"].sum()),
            "needs_declared": int(self.needs["count"].sum()),
            "needs_filled": int(self.needs["filled"].sum()),
            "needs_unfilled": int(self.needs["unmet"].sum()),
            "commute_km_total": float(a.loc[a["moves"], "commute_km"].sum()),
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "status": self.status,
            "wall_time_s": self.wall_time_s,
        }

    def summary(self) -> str:
        """A short readable summary (plain text table)."""
        t = self.totals()
        rows = [
            ("policy", self.policy_id),
            ("teachers on roster", f"{t['teachers']:,}"),
            ("eligible (mandatory + may rotate)", f"{t['eligible']:,}  ({t['mandatory']:,} mandatory)"),
            ("exempt / deferred", f"{t['exempt']:,}"),
            ("rotated", f"{t['rotated']:,}"),
            *self._by_mode(),
            ("needs filled / declared", f"{t['needs_filled']:,} / {t['needs_declared']:,}"),
            ("needs unfilled", f"{t['needs_unfilled']:,}"),
            # nobody rotated: there is no mean commute, not a mean of 0 km
            ("mean commute of rotated",
             f"{t['commute_km_total'] / t['rotated']:.1f} km" if t["rotated"] else "—"),
            ("objective", _fmt(t["objective"])),
            ("best bound", _fmt(t["bound"])),
            ("gap", "—" if not np.isfinite(t["gap"]) else f"{t['gap']:.2%}"),
            ("status", t["status"]),
            *self._tie_row(),
            ("solve time", f"{t['wall_time_s']:.1f} s"),
        ]
        if self.itinerant is not None:
            # 走教 beside the rotation: lessons covered of those declared, by how many teachers, how far
            it = self.itinerant
            declared = self.solver_info.get("itinerant_lessons_declared")
            rows.insert(7, ("itinerant (走教) lessons a week",
                            f"{int(it['lessons_per_week'].sum()):,}"
                            + (f" / {declared:,} declared" if declared is not None else "")
                            + f", {it['teacher_id'].nunique():,} teachers, "
                            f"{it['km_per_week'].sum():,.1f} km"))
        width = max(len(k) for k, _ in rows)
        # a soft minimum the plan falls short of comes first: an OPTIMAL plan short of a minimum the policy
        # states must never read as a clean one
        lines = [f"  {line}" for line in self.shortfall_lines()]
        # then what makes the plan say less than expected (see teacher_match.column_rules)
        lines += [f"  WARNING: {w}" for w in self.solver_info.get("input_warnings", [])]
        # then the needs left unfilled: the rule that blocks them and what change would fill them
        lines += [f"  {line}" for line in self.unmet_lines()]
        lines += [""] if lines else []
        lines += [f"  {k.ljust(width)}  {v}" for k, v in rows]
        b = self.objective_breakdown
        b = b[((b["weight"] != 0) | (b["value"] != 0)) & b["value"].notna()]
        if len(b):  # no table when there is no plan to price
            lines.append("")
            lines.append(f"  {'objective term'.ljust(22)} {'weight':>9} {'value':>12} {'contribution':>14}")
            for r in b.itertuples(index=False):
                lines.append(f"  {r.term.ljust(22)} {r.weight:>9g} {r.value:>12,.1f} "
                             f"{r.contribution:>14,.1f}")
        notes = self.solver_info.get("notes", [])
        if notes:
            lines.append("")
            lines.extend(f"  {n}" for n in notes)
        words = self.tie_order_words()
        if words is not None and self.has_plan:
            lines += ["", f"  {words[0]}", f"  {words[1]}"]
        lines.extend(self._summary_needs_and_diagnosis())
        return "\n".join(lines)

    def tie_order_words(self) -> tuple[str, str] | None:
        """The published tie order the plan follows, in English and Chinese (None for a plan without one).

        See :mod:`teacher_match.tie_order`: among plans of equal objective, the plan moves the teachers with
        the smallest total position in this order.
        """
        tie = self.solver_info.get("tie_order")
        if not tie or "en" not in tie:
            return None
        return str(tie["en"]), str(tie["zh"])

    def _tie_row(self) -> list[tuple[str, str]]:
        """The tie stage's status and the plan's tie cost (Σ position + 1 over the rotated teachers)."""
        tie = self.solver_info.get("tie_order")
        if not tie or not self.has_plan:
            return []
        how = {"OPTIMAL": "proven", "FEASIBLE": "best found in its time, not proven",
               "skipped": "not searched"}.get(str(tie["status"]), str(tie["status"]))
        return [("tie order", f"{how}, cost {tie['cost']:,}")]

    def _by_mode(self) -> list[tuple[str, str]]:
        """Rotated per mode, when a policy plans several modes (``relation_moved`` marks such a plan)."""
        a = self.assignments
        if "relation_moved" not in a.columns:
            return []
        n = a.loc[a["moves"].astype(bool), "mode"].value_counts().sort_index()
        return [("  by mode", ", ".join(f"{m} {c:,}" for m, c in n.items()) or "—")]

    def shortfall_lines(self) -> list[str]:
        """One line per rule whose soft minimum the plan falls short of: how many, where, and the switch.

        ``SHORTFALL: min_rotation — 6 mandatory teachers short at 4 sending schools (S003 3, S011 1, …);
        soft in this policy (min_rotation_hard = false)``. Empty when nothing is short.
        """
        return shortfall_lines(self.shortfalls) if self.shortfalls is not None else []

    def unmet_lines(self, per_rule: int = 3) -> list[str]:
        """The unfilled needs, by the rule that blocks them, and the changes that would fill more.

        ``UNMET: 43 of 43 needs unfilled — backbone_ratio blocks 43``, a few needs per rule with the rule's
        own sentence, then each verified change (``plan.what_if``). Empty when every need is filled.
        """
        u = self.unmet
        if u is None or not len(u):
            return []
        t = self.totals()
        by_rule = u.groupby("rule", sort=False)["unmet"].agg(["sum", "size"]).sort_values(
            "sum", ascending=False, kind="stable")
        parts = [f"{rid} blocks {int(r['sum'])}" for rid, r in by_rule.iterrows()]
        out = [f"UNMET: {t['needs_unfilled']} of {t['needs_declared']} needs unfilled — {', '.join(parts)}"]
        for rid in by_rule.index:
            g = u[u["rule"] == rid]
            for r in g.head(per_rule).itertuples(index=False):
                out.append(f"  {r.school_id} {r.subject} ×{r.unmet}: {rid} — {r.sentence}")
            if len(g) > per_rule:
                out.append(f"  … and {len(g) - per_rule} more needs blocked by {rid} (the unmet_needs sheet)")
        w = self.what_if
        if w is not None:
            if len(w):
                out.append("changes that would fill more needs (each verified by re-solving and checking):")
                out += [f"  • {s}" for s in w["sentence_en"]]
            else:
                out.append("no single change of a blocking rule's parameters fills more needs (searched by "
                           "re-solving)")
        return out

    def _summary_needs_and_diagnosis(self) -> list[str]:
        """Needs filled per subject; for an INFEASIBLE plan, the diagnosis (why no plan exists)."""
        out = []
        if len(self.needs) and self.status in ("OPTIMAL", "FEASIBLE"):
            g = self.needs.groupby("subject", sort=True)[["count", "filled"]].sum()
            out += ["", "  needs filled per subject: " + ", ".join(
                f"{j} {int(r['filled'])}/{int(r['count'])}" for j, r in g.iterrows())]
        text = self.solver_info.get("diagnosis_text", "")
        if text:
            out += ["", "  why no plan exists:"] + [f"  {line}" for line in text.splitlines()]
        return out

    def __repr__(self) -> str:
        """One line: status, rotated, unfilled needs, objective and bound."""
        t = self.totals()
        return (f"Plan({self.status}, rotated={t['rotated']}, needs_unfilled={t['needs_unfilled']}, "
                f"objective={_fmt(self.objective)}, bound={_fmt(self.bound)})")

    # ------------------------------------------------------------------ exports
    @property
    def has_plan(self) -> bool:
        """True when the solver found a plan (OPTIMAL or FEASIBLE); otherwise every teacher stays."""
        return self.status in PLAN_STATUSES

    def to_csv(self, path: str | Path) -> Path:
        """Write the assignments to ``path`` (UTF-8 with BOM, so Excel shows Chinese correctly).

        The path is checked first (``.csv``, not a folder, writable, not a file read as input) and the file is
        replaced whole or not at all (:mod:`teacher_match.output_files`). Text cells that start like a
        formula (``=``, ``+``, ``-``, ``@``) get a leading apostrophe, which :meth:`read_assignments` removes.

        Raises
        ------
        OutputError
            The path cannot take the plan, the write failed (the old file is kept), or there is no plan to
            write (status INFEASIBLE, MODEL_INVALID or UNKNOWN: a csv could not say so).
        """
        target = check_output(path, (".csv",), what="the plan")
        if not self.has_plan:
            raise OutputError(f"{path}: no plan to write (status {self.status}) — {self._no_plan_hint()}")
        with atomic_write(target, "the plan") as tmp:
            csv_safe(self.assignments).to_csv(tmp, index=False, encoding="utf-8-sig")
        return Path(path)

    def to_excel(self, path: str | Path) -> Path:
        """Write a workbook: assignments, needs, schools, objective, itinerant (走教), publicity (公示名单).

        The file is reproducible: the same plan gives the same bytes (fixed zip and document times, no run
        time in the sheets; ``wall_time_s`` stays on the Plan and in its summary). The path is checked first
        and the file replaced whole or not at all; text cells are stored as text, never as formulas. An
        INFEASIBLE plan is written with its ``diagnosis`` and ``relaxations`` sheets (its status on the
        objective sheet says there is no plan; ``read_assignments`` refuses it).

        Raises
        ------
        OutputError
            The path cannot take the plan, the write failed (the old file is kept), or no plan was found
            (status UNKNOWN: nothing to write).
        """
        target = check_output(path, (".xlsx",), what="the plan")
        if not self.has_plan and self.diagnosis is None:
            raise OutputError(f"{path}: no plan to write (status {self.status}) — {self._no_plan_hint()}")
        with atomic_write(target, "the plan") as tmp:
            with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
                self.assignments.to_excel(xw, sheet_name="assignments", index=False)
                self.needs.to_excel(xw, sheet_name="needs", index=False)
                self.schools.to_excel(xw, sheet_name="schools", index=False)
                words = self.tie_order_words()
                info = pd.DataFrame([
                    ("status", self.status), ("objective", self.objective), ("bound", self.bound),
                    ("gap", self.gap), ("policy", self.policy_id),
                    *([("tie_order", words[0]), ("tie_order_zh", words[1])] if words else [])],
                    columns=["term", "value"])
                pd.concat([self.objective_breakdown, info], ignore_index=True).to_excel(
                    xw, sheet_name="objective", index=False)
                if self.itinerant is not None:
                    self.itinerant.to_excel(xw, sheet_name="itinerant", index=False)
                _write_publicity(xw, self)
                warned = self.solver_info.get("input_warnings", [])
                if warned:
                    # what loaded with a warning (and the value read) travels with the plan it shaped
                    pd.DataFrame({"warning": list(warned)}).to_excel(xw, sheet_name="warnings", index=False)
                if self.unmet is not None and len(self.unmet):
                    self.unmet.to_excel(xw, sheet_name="unmet_needs", index=False)
                if self.what_if is not None and len(self.what_if):
                    self.what_if.drop(columns="value").to_excel(xw, sheet_name="what_if", index=False)
                if self.diagnosis is not None:
                    self.diagnosis.to_excel(xw, sheet_name="diagnosis", index=False)
                    (self.relaxations if self.relaxations is not None else pd.DataFrame()).to_excel(
                        xw, sheet_name="relaxations", index=False)
                # data never becomes a live formula in the file a bureau opens and forwards
                text_cells_as_text(xw.book)
            make_reproducible(tmp)
        return Path(path)

    def _no_plan_hint(self) -> str:
        if self.status == "UNKNOWN":
            return "no plan was found within the time limit; raise the time limit"
        return "the hard rules cannot all hold; see the plan's diagnosis"

    def publicity(self, view: str = "receiving", duration: str | None = None) -> pd.DataFrame:
        """Publicity list (公示名单), Chinese headers, no private detail (see :mod:`teacher_match.publicity`).

        Parameters
        ----------
        view : {"receiving", "sending", "exempt", "itinerant"}
            Per receiving school who comes from where (subject, mode, duration); per sending school who
            leaves; the deferred teachers with their public category only (never the medical detail); or
            the itinerant teachers (走教) by the school they teach at (empty when 走教 is not planned).
        duration : str, optional
            Exchange period shown when the plan has no ``duration_years`` column (default "按政策规定").
        """
        if view == "itinerant":
            return itinerant_publicity(self.itinerant if self.itinerant is not None
                                       else pd.DataFrame(columns=["school_id", "subject", "teacher_id",
                                                                  "home_school_id", "lessons_per_week"]))
        return publicity_table(self.assignments, view, duration)

    @classmethod
    def read_assignments(cls, path: str | Path) -> pd.DataFrame:
        """Read the assignments table back from a plan written by ``to_csv`` or ``to_excel``.

        Raises
        ------
        InputError
            The file is missing, unreadable, not a teacher_match plan, or holds no plan (a workbook of an
            INFEASIBLE solve: its status says so).
        """
        path = Path(path)
        if not path.is_file():
            raise InputError(f"plan file {path} does not exist")
        ids = {"teacher_id": str, "from_school_id": str, "to_school_id": str}
        status = None
        try:
            if path.suffix.lower() in (".xlsx", ".xlsm"):
                with pd.ExcelFile(path) as book:
                    if "assignments" not in book.sheet_names:
                        raise InputError(f"{path}: not a teacher_match plan (no sheet 'assignments')")
                    df = pd.read_excel(book, sheet_name="assignments", dtype=ids)
                    if "objective" in book.sheet_names:
                        obj = pd.read_excel(book, sheet_name="objective")
                        if {"term", "value"} <= set(obj.columns):
                            found = obj.loc[obj["term"].astype(str) == "status", "value"]
                            status = str(found.iloc[0]) if len(found) else None
            else:
                df = pd.read_csv(path, encoding="utf-8-sig", dtype=ids)
        except InputError:
            raise
        except Exception as exc:  # noqa: BLE001 - any reader failure becomes one clear message
            raise InputError(f"{path}: cannot read a plan ({exc})") from None
        remember_input(path)
        missing = [c for c in ("teacher_id", "to_school_id", "moves") if c not in df.columns]
        if missing:
            raise InputError(f"{path}: not a teacher_match plan (missing column {missing[0]})")
        if status is not None and status not in PLAN_STATUSES:
            raise InputError(f"{path}: holds no plan (status {status}: every teacher stays) — see its "
                             f"diagnosis sheet, relax the policy and solve again")
        df = csv_unsafe(df)
        df.attrs["source"] = path.name  # messages about the plan name its file
        raw = df["moves"]
        df["moves"], bad = parse_moves(raw)
        if bad:
            cell = str(raw.iloc[bad[0]])
            raise InputError(f"{path.name}, row {bad[0] + 2}, column 'moves': {cell!r} is not yes or no — "
                             f"write true or false")
        return df


def _write_publicity(xw, plan: Plan) -> None:
    words = plan.tie_order_words()
    write_publicity_sheet(xw, plan.assignments, itinerant=plan.itinerant,
                          notes=[words[1]] if words is not None and plan.has_plan else None)


def _fmt(v) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    return f"{v:,.3f}".rstrip("0").rstrip(".")


def build_plan(problem: Problem, policy: Policy, elig: pd.DataFrame, pairs: pd.DataFrame,
               chosen: np.ndarray | None, term_vals: dict | None, objective: Objective, status: str, *,
               sending: np.ndarray, receiving: np.ndarray, bound: float | None, wall_time_s: float,
               build_time_s: float, solver_info: dict, diagnosis: Diagnosis | None = None,
               mode_moves: pd.DataFrame | None = None, itinerant: pd.DataFrame | None = None) -> Plan:
    """Turn a solution (chosen candidate rows) into a Plan with every table, reason and note — built once.

    The policy's mode, money columns and budget (:func:`teacher_match.money.plan_money`), the rules it records
    but does not enforce, and (for a plan that does not exist) the diagnosis go in here, not afterwards.
    """
    t = problem.teachers
    s = problem.schools
    n = len(t)
    sid = s["school_id"].to_numpy()
    to_pos = np.full(n, -1, dtype=np.int64)
    km = np.full(n, np.nan)
    if chosen is not None and chosen.any():
        rows = pairs[chosen]
        to_pos[rows["t"].to_numpy()] = rows["s"].to_numpy()
        # reported in the model's 0.1 km units, so the plan, the objective and the checker agree exactly
        km[rows["t"].to_numpy()] = rows["dkm"].to_numpy() / KM_UNITS
    moved = to_pos >= 0
    state = PlanState.of(problem, policy, elig["status"].to_numpy(), pairs, to_pos, sending, receiving)
    to_ids = pd.array([sid[j] if j >= 0 else pd.NA for j in to_pos], dtype="object")
    reasons = teacher_reasons(problem, policy, elig, state, km, status)
    mode = getattr(policy, "mode", "rotation")
    a = pd.DataFrame({
        "teacher_id": t["teacher_id"].to_numpy(),
        "from_school_id": t["school_id"].to_numpy(),
        "to_school_id": to_ids,
        "moves": moved,
        "mode": pd.array(np.where(moved, mode, np.array(None, dtype=object)), dtype="object"),
        "subject": t["subject"].to_numpy(),
        "commute_km": km,
        "status": elig["status"].to_numpy(),
        "reason": reasons,
    })
    if mode_moves is not None or policy.mode in policy.modes:
        # a policy planning one mode still states its relation, payer and term (``[modes.<main mode>]``)
        none = pd.DataFrame({"t": [], "s": [], "mode": [], "dkm": [], "leader": []})
        _with_modes(a, policy, none if mode_moves is None else mode_moves, sid,
                    t["role"].reset_index(drop=True))
    if "name" in t.columns:
        a.insert(1, "name", t["name"].to_numpy())
    declared = {c.name for c in TABLES["teachers"]}
    for extra in t.columns:
        if extra not in declared and not extra.startswith("_") and extra not in a.columns:
            a[extra] = t[extra].to_numpy()
    # the policy's money prices the main mode's moves, and a planned mode's only when it says so (money)
    priced = a if mode_moves is None else a.assign(moves=a["moves"] & ~a["mode"].isin(
        [m.name for m in policy.planned_modes() if not m.money]).to_numpy())
    money = plan_money(problem, policy, priced)
    for c in money.columns:
        a[c] = money.columns[c].to_numpy()
    # what each teacher's exchange record brings (refusal, unfinished term, failure: rules/sanctions.py)
    for c, v in sanctions.plan_columns(problem, policy, elig["status"].to_numpy()).items():
        a[c] = v
    # the living allowance and its payer, and the title prerequisites after this year: every move (budget)
    for c, v in budget.plan_columns(problem, policy.rule(budget.RULE_ID), a["to_school_id"],
                                    a["moves"]).items():
        a[c] = pd.array(v, dtype=budget.COLUMN_DTYPES[c])
    # the least load a moved teacher carries at the receiving school (rules/workload.py)
    for c, v in workload.plan_columns(problem, policy, a).items():
        a[c] = v

    # needs
    nd = problem.needs.copy()
    if mode_moves is not None and len(mode_moves):
        # arrivals on a post in a planned mode fill needs too; a paired departure opens one at home
        post = mode_moves[mode_moves["kind"].isin(modes_rule.POST_KINDS) & ~mode_moves["leader"]]
        to_pos = to_pos.copy()
        to_pos[post["t"].to_numpy()] = post["s"].to_numpy()
        moved = to_pos >= 0
    if moved.any():
        got = pd.Series(list(zip(sid[to_pos[moved]], t["subject"].to_numpy()[moved],
                                 strict=True))).value_counts()
    else:
        got = pd.Series(dtype=int)
    # a need is filled at most once over: arrivals beyond it take exchanged posts (rules/post_exchange.py)
    nd["filled"] = [min(int(got.get((a_, b_), 0)), int(c_))
                    for a_, b_, c_ in zip(nd["school_id"], nd["subject"], nd["count"], strict=True)]
    nd["unmet"] = (nd["count"].astype(int) - nd["filled"]).clip(lower=0)
    needs = nd[["school_id", "subject", "count", "priority", "filled", "unmet"]].reset_index(drop=True)

    schools = _schools_table(state)

    # objective
    weights = objective.weights
    if term_vals is not None:
        units = {k: TERM_UNITS[k][0] for k in term_vals}
        obj = objective_units(weights, term_vals, units) / OBJ_SCALE
        rows_ = []
        for term in TERM_UNITS:
            if term not in term_vals:
                continue  # a term only some solves build (a year of a rotation cycle) is shown where built
            u = TERM_UNITS[term][0]
            v = term_vals.get(term, 0)
            rows_.append((term, weights.get(term, 0.0), v / u,
                          weight_coef(weights.get(term, 0.0), u) * v / OBJ_SCALE))
        breakdown = pd.DataFrame(rows_, columns=["term", "weight", "value", "contribution"])
    else:
        obj = float("nan")
        breakdown = pd.DataFrame({"term": list(TERM_UNITS),
                                  "weight": [weights.get(k, 0.0) for k in TERM_UNITS],
                                  "value": np.nan, "contribution": np.nan})
    b = float(bound) if bound is not None else (obj if status == "OPTIMAL" else float("nan"))
    gap = abs(obj - b) / max(1.0, abs(obj)) if np.isfinite(obj) and np.isfinite(b) else float("nan")
    # an optional column a hard rule needs and the roster lacks: the plan is valid but says less than the
    # planner expects, so it is said first (with what was found at load), and issued as a warning
    missing = missing_columns(problem, policy)
    for text in missing:
        warnings.warn(text, InputWarning, stacklevel=3)
    info = {**solver_info, "budget": money.totals, "unenforced": money.unenforced, "notes": money.notes,
            "input_warnings": [*missing, *getattr(problem, "warnings", ())]}
    # the soft minima the plan falls short of, recounted by the checker from the plan (said first)
    # (with the itinerant table, whose uncovered lesson needs are shortfalls too)
    held = a if itinerant is None else SimpleNamespace(assignments=a, itinerant=itinerant)
    short = shortfalls(problem, policy, held) if status in PLAN_STATUSES else None
    if diagnosis is not None:
        info["diagnosis_complete"] = diagnosis.complete
        info["diagnosis_text"] = diagnosis.to_text("en") + "\n" + diagnosis.to_text("zh")
    return Plan(assignments=a, status=status, objective=obj, bound=b, gap=gap, wall_time_s=wall_time_s,
                objective_breakdown=breakdown, needs=needs, schools=schools, policy_id=policy.id,
                build_time_s=build_time_s, solver_info=info,
                diagnosis=diagnosis.conflicts if diagnosis is not None else None,
                relaxations=diagnosis.relaxations if diagnosis is not None else None, shortfalls=short,
                itinerant=itinerant if status in PLAN_STATUSES else None)


def _with_modes(a: pd.DataFrame, policy: Policy, mode_moves: pd.DataFrame, sid: np.ndarray,
                role: pd.Series) -> None:
    """The planned modes' moves into the assignments, and each move's relation, payer and term.

    ``relation_moved`` (人走关系动: True; 不动: False), ``paid_by`` (sending / receiving school) and
    ``term_years`` come from the move's mode; the main mode's from ``[modes.<main mode>]`` when the policy
    describes it, else blank.
    """
    modes = dict(policy.modes)
    tp = mode_moves["t"].to_numpy()
    if len(tp):
        a.loc[tp, "to_school_id"] = sid[mode_moves["s"].to_numpy()]
        a.loc[tp, "moves"] = True
        a.loc[tp, "mode"] = mode_moves["mode"].to_numpy()
        a.loc[tp, "commute_km"] = mode_moves["dkm"].to_numpy() / KM_UNITS
        a.loc[tp, "reason"] = [modes_rule.words_of(modes[m], bool(ld))
                               for m, ld in zip(mode_moves["mode"], mode_moves["leader"], strict=True)]
    rel, paid, term = modes_rule.terms(policy, a, role)
    a["relation_moved"] = pd.array(rel, dtype="boolean")
    a["paid_by"] = pd.array(paid, dtype="object")
    a["term_years"] = term


def _schools_table(state: PlanState) -> pd.DataFrame:
    """Per school: what it is, its staff, what it sends and receives, and each rule's columns (caps …)."""
    st = state.status
    k = len(state.sid)
    s = state.problem.schools

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(state.pos[mask], minlength=k)

    out = pd.DataFrame({
        "school_id": s["school_id"].to_numpy(),
        "category": s["category"].to_numpy(),
        "strength": s["strength"].to_numpy(),
        "sends": state.sending,
        "receives": state.receiving,
        "staff": state.staff,
        "leadership_team": state.team,
        "mandatory": state.mandatory,
        "eligible": count(np.isin(st, ["mandatory", "eligible"])),
        "sent": state.sent,
        "received": np.bincount(state.to_pos[state.moved], minlength=k),
        "backbone_sent": state.backbone_sent,
        "leaders_sent": state.leaders_sent,
        "mandatory_sent": count(state.moved & (st == "mandatory")),
    })
    for m in RULES:
        for name, col in m.school_columns(state, state.policy.rule(m.RULE_ID)).items():
            out[name] = col
    return out
