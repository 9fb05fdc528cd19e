"""Hard or soft rule: itinerant teaching (走教) — teachers keep their home school and teach elsewhere.

On when the policy has ``[modes.itinerant]`` with ``enforced = true`` and the roster a ``lesson_needs``
table (走教需求: ``school_id, subject, lessons_per_week``, optional ``min_teachers, max_teachers``). A
candidate is a teacher of the need's subject at another school, not exempt, within the commuting cap, whose
spare lessons (``spare_lessons``, else ``standard_lessons_per_week − lessons_per_week``) reach the minimum
per assignment (≥ 6 a week for shortage subjects, ≥ 2 for the famous-teacher pool in Fenliu: FL-IT1, FL-IT2).
With ``z[t, n]`` (teacher t teaches need n), ``y[t, n]`` its lessons a week, ``v[t, n]`` its visits a week
(a visit teaches at most ``itinerant_lessons_per_visit`` lessons, a round trip of 2 · km(home, school)):

    Σ_t y[t, n] = lessons[n] · covered[n]      a need is covered in full or not at all (covered = 1 when
                                                 itinerant_cover_hard, else an uncovered need is a shortfall)
    min_teachers[n] · covered[n] ≤ Σ_t z[t, n] ≤ max_teachers[n]   (default 1 teacher)
    min_lessons(t) · z[t, n] ≤ y[t, n] ≤ lessons[n] · z[t, n]
    Σ_n y[t, n] ≤ spare[t]                                      within the teacher's spare capacity
    Σ_n v[t, n] ≤ itinerant_max_visits_per_week                  the weekly-trips cap
    Σ_n 2 · km[t, n] · v[t, n] ≤ itinerant_max_km_per_week        the travel cap (when set)
    z[t, n] + Σ_s x[t, s] ≤ 1                                    a teacher who rotates is not also itinerant
    itinerant_km = Σ 2 · km[t, n] · v[t, n],  itinerant_unmet_lessons = Σ_n lessons[n] · (1 − covered[n])

A need of one teacher (``max_teachers = 1``) is a job of the Generalized Assignment Problem (the teacher
gives all its lessons): the cover is :func:`teacher_match.model.itinerant.add_cover`, the code the GAP
benchmark (``benchmarks/gap.py``) solves the OR-Library instances with. The itinerant teacher's home-school
staffing is untouched: nobody leaves a school by teaching elsewhere. An uncovered need is a shortfall (the
summary's first lines), never hidden.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..params import param
from ..scaling import KM_UNITS, to_units_km
from ..vocabulary import zh_subject
from .contract import CheckData, Facts, Key, PlanState, Shortfall, StayTest, Usage, Violation, key

RULE_ID = "itinerant"
SECTION = "rules"
#: place in the registry: build order, and the order of equal-stage stay reasons and schools-table columns
ORDER = 95
TITLE = "itinerant teaching"
TITLE_ZH = "走教"
TERMS = {"itinerant_km": (KM_UNITS, "weekly travel of itinerant teachers (走教), km"),
         "itinerant_unmet_lessons": (1, "lessons a week of itinerant needs (走教需求) left uncovered")}
prune = None
assignment_words = None
pair_words = None
teacher_words = None
#: the columns of the plan's itinerant table
COLUMNS = ["teacher_id", "school_id", "subject", "lessons_per_week", "visits_per_week", "km_per_week",
           "home_school_id"]


@dataclass(frozen=True)
class Itinerant:
    """Itinerant teaching (policy section ``[rules]``; on with ``[modes.itinerant] enforced = true``)."""

    itinerant_min_lessons: int | None = param(
        None, "int", "an itinerant assignment gives at least this many lessons a week (default: the mode's "
                     "min_lessons_per_week, else 1)")
    itinerant_famous_min_lessons: int | None = param(
        None, "int", "…for a famous-pool teacher (名师走教; default: the mode's famous_min_lessons_per_week)")
    standard_lessons_per_week: int | None = param(
        None, "int", "a teacher's standard weekly load: spare lessons = this − lessons_per_week when the "
                     "roster gives no spare_lessons")
    itinerant_lessons_per_visit: int = param(
        2, "int", "lessons an itinerant teacher gives per visit (one round trip from the home school)")
    itinerant_max_visits_per_week: int = param(5, "int", "an itinerant teacher's visits a week, at most")
    itinerant_max_km_per_week: float | None = param(
        None, "number", "an itinerant teacher's travel a week (round trips), at most")
    itinerant_cover_hard: bool = param(
        False, "bool", "every lesson need must be covered (else a need nobody can take is a shortfall)")


#: the rule's parameters (a policy section's keys)
PARAMS = Itinerant


# ====================================================================== the rule's data (pandas only)
def enabled(policy: Any) -> bool:
    """Whether the policy plans itinerant teaching (``[modes.itinerant]`` with ``enforced = true``)."""
    modes = getattr(policy, "modes", {}) or {}
    m = modes.get("itinerant")
    return bool(m is not None and m.enforced)


def minimums(policy: Any, rule: Itinerant) -> tuple[int, int]:
    """Minimum lessons a week per assignment: (ordinary teacher, famous-pool teacher)."""
    m = (getattr(policy, "modes", {}) or {}).get("itinerant")
    p = dict(m.params) if m is not None else {}
    lo = rule.itinerant_min_lessons if rule.itinerant_min_lessons is not None else int(
        p.get("min_lessons_per_week", 1))
    famous = rule.itinerant_famous_min_lessons if rule.itinerant_famous_min_lessons is not None else int(
        p.get("famous_min_lessons_per_week", lo))
    return max(1, int(lo)), max(1, int(famous))


def spare(teachers: pd.DataFrame, rule: Itinerant) -> np.ndarray:
    """Spare lessons a week per teacher: ``spare_lessons``, else the standard minus the home load, else 0."""
    n = len(teachers)
    out = np.zeros(n, dtype=np.int64)
    derived = np.zeros(n, dtype=bool)
    if rule.standard_lessons_per_week is not None and "lessons_per_week" in teachers.columns:
        lpw = pd.to_numeric(teachers["lessons_per_week"], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(lpw)
        out[ok] = np.maximum(0, rule.standard_lessons_per_week - lpw[ok]).astype(np.int64)
        derived = ok
    if "spare_lessons" in teachers.columns:
        sp = pd.to_numeric(teachers["spare_lessons"], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(sp)
        out[ok] = sp[ok].astype(np.int64)
        derived |= ok
    return out


def famous(teachers: pd.DataFrame) -> np.ndarray:
    """Famous-teacher pool members (名师)."""
    if "famous_teacher" not in teachers.columns:
        return np.zeros(len(teachers), dtype=bool)
    return teachers["famous_teacher"].fillna(False).to_numpy(dtype=bool)


def lesson_needs(problem: Any) -> pd.DataFrame:
    """The lesson needs with ``min_teachers`` / ``max_teachers`` filled (1 and 1 by default)."""
    ln = problem.lesson_needs
    if ln is None or not len(ln):
        return pd.DataFrame({"school_id": [], "subject": [], "lessons_per_week": [], "min_teachers": [],
                             "max_teachers": []})
    ln = ln.copy()
    for col in ("min_teachers", "max_teachers"):
        if col not in ln.columns:
            ln[col] = 1
        ln[col] = pd.to_numeric(ln[col], errors="coerce").fillna(1).astype(int)
    ln["lessons_per_week"] = ln["lessons_per_week"].astype(int)
    return ln.reset_index(drop=True)


def reach(policy: Any) -> float | None:
    """The commuting cap: an itinerant school lies within it of the home school."""
    return policy.rule("commute").max_commute_km


def candidates(problem: Any, policy: Any, rule: Itinerant, status: np.ndarray) -> pd.DataFrame:
    """(teacher, need) pairs: same subject, another school, not exempt, within reach, spare ≥ the minimum.

    Columns ``t, n, km, dkm, min_use, demand, split``; pandas and numpy only (the checker uses it too).
    """
    t = problem.teachers
    ln = lesson_needs(problem)
    cols = ["t", "n", "km", "dkm", "min_use", "demand", "split"]
    if not len(ln) or not len(t):
        return pd.DataFrame({c: np.zeros(0, dtype=np.int64) for c in cols})
    cap = spare(t, rule)
    lo, lo_famous = minimums(policy, rule)
    mins = np.where(famous(t), lo_famous, lo)
    pos = problem.teacher_school_pos
    subj = t["subject"].astype(str).to_numpy()
    km_all = problem.school_km
    limit = reach(policy)
    rows = []
    for n, need in enumerate(ln.itertuples(index=False)):
        s = problem.school_index[need.school_id]
        split = int(need.max_teachers) > 1
        ok = (subj == str(need.subject)) & (pos != s) & (status != "exempt") & (cap >= mins)
        if not split:
            ok &= (cap >= int(need.lessons_per_week)) & (mins <= int(need.lessons_per_week))
        for ti in np.flatnonzero(ok):
            km = float(km_all[pos[ti], s])
            if not np.isfinite(km) or (limit is not None and km > limit):
                continue
            rows.append((int(ti), n, km, int(to_units_km(km)), int(mins[ti]), int(need.lessons_per_week),
                         split))
    return pd.DataFrame(rows, columns=cols) if rows else pd.DataFrame(
        {c: np.zeros(0, dtype=np.int64) for c in cols})


def visits(lessons: int | np.ndarray, rule: Itinerant) -> Any:
    """Visits a week for a number of lessons (a visit gives at most ``itinerant_lessons_per_visit``)."""
    per = max(1, rule.itinerant_lessons_per_visit)
    return -(-np.asarray(lessons) // per)


# ====================================================================== build
def class_key(teachers, schools, rule) -> list:
    """A teacher with spare lessons is their own class: their rotation variable is linked to their 走教."""
    cap = spare(teachers, rule)
    ids = teachers["teacher_id"].astype(str).to_numpy()
    return [np.where(cap > 0, ids, "")]


def build(ctx: Any, rule: Itinerant) -> None:
    """The cover of the lesson needs (:func:`teacher_match.model.itinerant.add_cover`) and its caps."""
    ctx.itinerant = None
    if not enabled(ctx.policy) or ctx.problem.lesson_needs is None or not len(ctx.problem.lesson_needs):
        return
    ln = lesson_needs(ctx.problem)
    cand = candidates(ctx.problem, ctx.policy, rule, ctx.teachers["status"].to_numpy())
    t = ctx.teachers
    cap = spare(t, rule)
    r_t = cand["t"].to_numpy(dtype=np.int64)
    r_n = cand["n"].to_numpy(dtype=np.int64)
    dkm = cand["dkm"].to_numpy(dtype=np.int64)
    demand = ln["lessons_per_week"].to_numpy(dtype=np.int64)
    whole_visits = visits(demand[r_n], rule) if len(cand) else np.zeros(0, dtype=np.int64)
    agents = np.unique(r_t)
    a_of = np.searchsorted(agents, r_t)
    cover = ctx.add_cover(
        a_of, r_n, 2 * dkm * whole_visits, demand[r_n], cap[agents], len(ln),
        min_agents=ln["min_teachers"].to_numpy(), max_agents=ln["max_teachers"].to_numpy(), demand=demand,
        min_use=cand["min_use"].to_numpy(dtype=np.int64), visit_cost=2 * dkm,
        per_visit=max(1, rule.itinerant_lessons_per_visit),
        max_visits=max(0, rule.itinerant_max_visits_per_week),
        covered=None if rule.itinerant_cover_hard else np.zeros(len(ln), dtype=bool),
        prefix="itinerant")
    tid = t["teacher_id"].astype(str).to_numpy()
    # the caps of a week, per teacher; the row's visits: a variable for a split need, else fixed by z
    for i, ti in enumerate(agents):
        rows = np.flatnonzero(a_of == i)
        vis = [cover.v[r] if r in cover.v else int(whole_visits[r]) * cover.z[r] for r in rows]
        if sum(int(whole_visits[r]) for r in rows if r not in cover.v) + len(cover.v) > 0:
            ctx.add(RULE_ID, key("visits", teacher=tid[ti]), sum(vis) <= rule.itinerant_max_visits_per_week)
        if rule.itinerant_max_km_per_week is not None:
            km = [2 * int(dkm[r]) * v for r, v in zip(rows, vis, strict=True)]
            ctx.add(RULE_ID, key("km", teacher=tid[ti]),
                    sum(km) <= int(round(rule.itinerant_max_km_per_week * KM_UNITS)))
        # a teacher who rotates is not also itinerant (their week is at the receiving school)
        xrows = (np.flatnonzero(ctx.model_pairs["t"].to_numpy() == ti) if len(ctx.model_pairs)
                 else np.zeros(0, dtype=np.int64))
        if len(xrows):
            busy = ctx.model.new_bool_var(f"itinerant_busy[{tid[ti]}]")
            for r in rows:
                ctx.model.add_implication(cover.z[r], busy)
            ctx.add(RULE_ID, key("rotates", teacher=tid[ti]), ctx.xsum(xrows) + busy <= 1)
    # the cost of the week's travel, and the lessons left uncovered
    travel_vars: list[Any] = []
    travel_coefs: list[int] = []
    for row in range(len(cand)):
        if row in cover.v:
            travel_vars.append(cover.v[row])
            travel_coefs.append(2 * int(dkm[row]))
        else:
            travel_vars.append(cover.z[row])
            travel_coefs.append(2 * int(dkm[row]) * int(whole_visits[row]))
    ctx.term("itinerant_km", *TERMS["itinerant_km"]).extend(travel_vars, travel_coefs)
    unmet = ctx.term("itinerant_unmet_lessons", *TERMS["itinerant_unmet_lessons"])
    unmet.extend(cover.covered, [-int(d) for d in demand], const=int(demand.sum()))
    ctx.itinerant = {"cand": cand, "cover": cover, "needs": ln, "visits": whole_visits}


def solver_info(ctx: Any) -> dict:
    """What the plan's summary says of the mode: the lessons declared (empty when the mode is off)."""
    data = getattr(ctx, "itinerant", None)
    if data is None:
        return {}
    return {"itinerant_lessons_declared": int(data["needs"]["lessons_per_week"].sum()),
            "itinerant_candidates": len(data["cand"])}


def read_plan(ctx: Any, values: np.ndarray | None) -> pd.DataFrame | None:
    """The plan's itinerant table from a solution vector (None when the mode is off)."""
    data = getattr(ctx, "itinerant", None)
    if data is None:
        return None
    cand, cover, ln = data["cand"], data["cover"], data["needs"]
    t = ctx.problem.teachers
    rows = []
    if values is not None:
        for r in range(len(cand)):
            if not values[cover.z[r].index]:
                continue
            ti, n = int(cand["t"].iat[r]), int(cand["n"].iat[r])
            lessons = int(values[cover.y[r].index]) if r in cover.y else int(ln["lessons_per_week"].iat[n])
            vis = int(values[cover.v[r].index]) if r in cover.v else int(data["visits"][r])
            rows.append((str(t["teacher_id"].iat[ti]), str(ln["school_id"].iat[n]), str(ln["subject"].iat[n]),
                         lessons, vis, round(2 * float(cand["km"].iat[r]) * vis, 3),
                         str(t["school_id"].iat[ti])))
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.sort_values(["school_id", "subject", "teacher_id"], kind="stable").reset_index(drop=True)


# ====================================================================== check (pandas only)
def _plan_table(chk: CheckData) -> pd.DataFrame | None:
    return getattr(chk, "itinerant", None)


def check(chk: CheckData, rule: Itinerant) -> list[Violation]:
    """Recount the itinerant table from the inputs: who may teach where, lessons, capacity, caps, coverage."""
    it = _plan_table(chk)
    problem, policy = chk.problem, chk.policy
    if it is None or not enabled(policy):
        if it is not None and len(it):
            return [(RULE_ID, "mode", "the plan has itinerant assignments but the policy does not plan 走教")]
        return []
    out: list[Violation] = []
    t = chk.teachers.set_index("teacher_id")
    ln = lesson_needs(problem)
    need_at = {(str(r.school_id), str(r.subject)): r for r in ln.itertuples(index=False)}
    cap = pd.Series(spare(chk.teachers, rule), index=chk.teachers["teacher_id"])
    fam = pd.Series(famous(chk.teachers), index=chk.teachers["teacher_id"])
    lo, lo_famous = minimums(policy, rule)
    limit = reach(policy)
    km_all = problem.school_km
    sidx = problem.school_index
    per_visit = max(1, rule.itinerant_lessons_per_visit)
    for r in it.itertuples(index=False):
        tid, sid, subj = str(r.teacher_id), str(r.school_id), str(r.subject)
        k = key(teacher=tid, school=sid, subject=subj)
        if tid not in t.index:
            out.append((RULE_ID, k, f"{tid} is not on the roster"))
            continue
        row = t.loc[tid]
        need = need_at.get((sid, subj))
        if need is None:
            out.append((RULE_ID, k, f"{sid} declares no lesson need in {subj}"))
            continue
        if str(row["subject"]) != subj:
            out.append((RULE_ID, k, f"{tid} teaches {row['subject']}, not {subj}"))
        if str(row["school_id"]) == sid:
            out.append((RULE_ID, k, f"{tid} would teach 走教 at their own school {sid}"))
        if row["status"] == "exempt":
            out.append((RULE_ID, k, f"{tid} is exempt"))
        if bool(row["moves"]):
            out.append((RULE_ID, k, f"{tid} rotates to {row['to_school_id']} and is also itinerant"))
        least = lo_famous if bool(fam[tid]) else lo
        if int(r.lessons_per_week) < least:
            out.append((RULE_ID, k, f"{tid} gives {int(r.lessons_per_week)} lessons a week at {sid}, below "
                                    f"the minimum of {least}"))
        need_v = math.ceil(int(r.lessons_per_week) / per_visit)
        if int(r.visits_per_week) < need_v:
            out.append((RULE_ID, k, f"{tid}: {int(r.visits_per_week)} visits cannot give "
                                    f"{int(r.lessons_per_week)} lessons ({per_visit} a visit)"))
        km = float(km_all[sidx[str(row["school_id"])], sidx[sid]]) if sid in sidx else float("inf")
        if limit is not None and km > limit:
            out.append((RULE_ID, k, f"{sid} is {km:.1f} km from {tid}'s school, beyond the {limit:g} km cap"))
        if not np.isclose(float(r.km_per_week), 2 * km * int(r.visits_per_week), atol=0.01):
            out.append((RULE_ID, k, f"{tid}: plan says {float(r.km_per_week):g} km a week, recomputed "
                                    f"{2 * km * int(r.visits_per_week):g}"))
    if len(it):
        per_t = it.groupby("teacher_id").agg(lessons=("lessons_per_week", "sum"),
                                             visits=("visits_per_week", "sum"), km=("km_per_week", "sum"))
        for tid, g in per_t.iterrows():
            if tid in cap.index and int(g["lessons"]) > int(cap[tid]):
                out.append((RULE_ID, key("capacity", teacher=tid),
                            f"{tid} gives {int(g['lessons'])} itinerant lessons a week, above their spare "
                            f"{int(cap[tid])}"))
            if int(g["visits"]) > rule.itinerant_max_visits_per_week:
                out.append((RULE_ID, key("visits", teacher=tid),
                            f"{tid} makes {int(g['visits'])} visits a week, above the cap of "
                            f"{rule.itinerant_max_visits_per_week}"))
            if rule.itinerant_max_km_per_week is not None and g["km"] > rule.itinerant_max_km_per_week + 1e-6:
                out.append((RULE_ID, key("km", teacher=tid),
                            f"{tid} travels {g['km']:g} km a week, above the cap of "
                            f"{rule.itinerant_max_km_per_week:g}"))
        dup = it[it.duplicated(["teacher_id", "school_id", "subject"])]
        out += [(RULE_ID, key(teacher=r.teacher_id, school=r.school_id), f"{r.teacher_id} is listed twice at "
                 f"{r.school_id}") for r in dup.itertuples(index=False)]
    got = it.groupby(["school_id", "subject"]).agg(lessons=("lessons_per_week", "sum"),
                                                   teachers=("teacher_id", "nunique"))
    for need in ln.itertuples(index=False):
        k2 = (str(need.school_id), str(need.subject))
        lessons = int(got["lessons"].get(k2, 0)) if len(got) else 0
        who = int(got["teachers"].get(k2, 0)) if len(got) else 0
        kk = key(school=need.school_id, subject=need.subject)
        if not lessons and rule.itinerant_cover_hard:
            out.append((RULE_ID, kk, f"{need.school_id}'s {int(need.lessons_per_week)} {need.subject} "
                                     f"lessons a week are not covered"))
        if lessons and lessons != int(need.lessons_per_week):
            out.append((RULE_ID, kk, f"{need.school_id} needs {int(need.lessons_per_week)} {need.subject} "
                                     f"lessons a week; the plan covers {lessons} (a need is covered in "
                                     f"full)"))
        if who > int(need.max_teachers):
            out.append((RULE_ID, kk, f"{who} teachers share {need.school_id}'s {need.subject} lessons, above "
                                     f"the {int(need.max_teachers)} allowed"))
        if lessons and who < int(need.min_teachers):
            out.append((RULE_ID, kk, f"{who} teachers share {need.school_id}'s {need.subject} lessons, below "
                                     f"the {int(need.min_teachers)} required"))
    return out


def term_values(chk: CheckData, rule: Itinerant) -> dict:
    """Weekly travel and uncovered lessons, recounted from the plan's itinerant table."""
    it = _plan_table(chk)
    if it is None or not enabled(chk.policy):
        return {}
    ln = lesson_needs(chk.problem)
    sidx = chk.problem.school_index
    home = chk.teachers.set_index("teacher_id")["school_id"]
    km = chk.problem.school_km
    total: int = 0
    for r in it.itertuples(index=False):
        d = km[sidx[str(home[r.teacher_id])], sidx[str(r.school_id)]]
        total += 2 * int(to_units_km(d)) * int(r.visits_per_week)
    covered = (it.groupby(["school_id", "subject"])["lessons_per_week"].sum() if len(it)
               else pd.Series(dtype=int))
    unmet = sum(int(n.lessons_per_week) for n in ln.itertuples(index=False)
                if int(covered.get((str(n.school_id), str(n.subject)), 0)) == 0)
    return {"itinerant_km": total, "itinerant_unmet_lessons": unmet}


def shortfalls(chk: CheckData, rule: Itinerant) -> list[Shortfall]:
    """Lesson needs the plan leaves uncovered (no teacher in reach, or none with spare lessons left)."""
    it = _plan_table(chk)
    if it is None or not enabled(chk.policy) or rule.itinerant_cover_hard:
        return []
    got = set(zip(it["school_id"].astype(str), it["subject"].astype(str), strict=True))
    # why: nobody could take the need at all, or those who could are busy (rotating, or elsewhere)
    cand = candidates(chk.problem, chk.policy, rule, chk.teachers["status"].to_numpy())
    reachable = cand.groupby("n").size() if len(cand) else pd.Series(dtype=int)
    lo, lo_famous = minimums(chk.policy, rule)
    out = []
    for j, n in enumerate(lesson_needs(chk.problem).itertuples(index=False)):
        if (str(n.school_id), str(n.subject)) not in got:
            k = int(reachable.get(j, 0))
            whole = "" if int(n.max_teachers) > 1 else f", and all {int(n.lessons_per_week)} from one teacher"
            why = (f"no {n.subject} teacher at another school within reach has the spare lessons (at least "
                   f"{lo} a week, {lo_famous} for the famous-teacher pool{whole})" if k == 0
                   else f"the {k} {n.subject} teacher(s) who could are rotating or teaching elsewhere")
            out.append(Shortfall(RULE_ID, key(school=n.school_id, subject=n.subject), str(n.school_id),
                                 int(n.lessons_per_week),
                                 f"{n.school_id} needs {int(n.lessons_per_week)} {n.subject} lessons a week "
                                 f"taught by itinerant teachers; the plan covers none: {why}",
                                 "itinerant lesson", "school", "itinerant_cover_hard"))
    return out


# ---------------------------------------------------------------------- words
def binding_words(f: Facts, rule: Itinerant, k: Key, usage: Usage | None) -> tuple[str, str]:
    """A teacher's weekly visits or travel cap, or the rule that a rotating teacher is not itinerant."""
    tid = k.get("teacher")
    if "visits" in k:
        return (f"{tid} makes at most {rule.itinerant_max_visits_per_week} itinerant visits a week",
                f"{tid} 每周走教至多 {rule.itinerant_max_visits_per_week} 次")
    if "km" in k:
        return (f"{tid} travels at most {rule.itinerant_max_km_per_week:g} km a week for itinerant teaching",
                f"{tid} 每周走教路程至多 {rule.itinerant_max_km_per_week:g} 公里")
    return (f"{tid} either rotates or teaches itinerantly, not both",
            f"{tid} 交流轮岗与走教不可兼任")


def stays(state: PlanState, rule: Itinerant) -> list[StayTest]:
    """No stay reason of its own: an itinerant teacher's home staffing is untouched (see the plan's table)."""
    return []


def school_columns(state: PlanState, rule: Itinerant) -> dict[str, Any]:
    """No schools-table column (the itinerant table says where lessons are covered)."""
    return {}


def words_zh(subject: str) -> str:
    """The Chinese name of a need's subject (for the 公示 rows)."""
    return zh_subject(subject)
