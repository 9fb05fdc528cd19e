"""Hard rules of the modes planned beside the main one (下派支教 and 上派跟岗, 结对, principals' 挂职 …).

A policy's ``[modes.<name>]`` with ``enforced = true`` (:class:`teacher_match.policy.Mode`) is planned in the
same solve as the main mode. Each candidate (teacher t, school s, mode m) gets a Boolean ``y[t, s, m]`` only
where the mode admits it: t is movable under the mode's own eligibility and roles, t's school is in the mode's
``from``, s in its ``to`` and within the commute cap, and

* ``post``: s declared a need in t's subject (a leader takes a leadership post: any s);
* ``study``: any s (上派/跟岗/挂职学习: no post is filled);
* ``paired``: s is the counterpart of t's school (``pair_id``);
* with ``within_group``, also group(s) = group(school(t)) (the mode's schools column: a central
  school's 学区).

With ``x`` the main mode's variables (none of this applies to a policy without planned modes):

    Σ_s x[t, s] + Σ_{s,m} y[t, s, m] ≤ 1                                           (one mode per teacher)
    Σ_{t teacher} y[·, ·, m] = teachers[m],  Σ_{t leader} y[·, ·, m] = leaders[m],
    min[m] ≤ Σ y[·, ·, m] ≤ max[m],  Σ_{t ∈ a} y[t, ·, m] ≤ per_school_max[m]          (counts)
    Σ_{t ∈ a} y[t, b, m] = Σ_{t ∈ b} y[t, a, m] = per_stage[m] · stages(a, b)         (paired, each pair)
    in_x(s, j) + in_post(s, j) + in_paired(s, j) − out_paired(s, j) ≤ need(s, j)        (needs, both sides)
    out(a) − in(a) ≤ max_net_loss_per_school;  staff(a) − out(a) + in(a) ≥ floor(a)   (staffing, both ways)
    principals(a) − out_principals(a) + in_heads(a) ≥ 1  when principals(a) ≥ 1        (a replacement)
    leaders_out(a) ≤ ⌊leadership_max_share · team(a)⌋,  leaders_in(a) ≤ max_leaders_received  (both ends)

``out`` counts every move from a (a mode with ``staffing = false`` — a month's 挂职学习 — not at all); ``in``
counts arrivals on a post (main, ``post`` and ``paired``), not those who come to study. A principal on 挂职
(``keeps_home_post``) keeps the home post: no replacement is needed. With ``hard = false`` a mode's minima are
soft: the shortfall ``max(0, lo − Σ y)`` is the term ``mode_shortfall`` and is said first in the summary.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..eligibility import eligibility
from ..errors import InputError, PolicyError
from ..params import param
from ..scaling import KM_UNITS, to_units_km
from . import leadership_cap, sanctions, staff_floor
from .contract import CheckData, Facts, Key, PlanState, Shortfall, StayTest, Usage, Violation, key
from .flows import selects

RULE_ID = "modes"
SECTION = "rules"
#: place in the registry: after every rule of the main mode (its variables come after theirs)
ORDER = 500
TITLE = "rotation modes planned together"
TITLE_ZH = "多种交流方式统筹"
assignment_words = None
prune = None
pair_words = None
teacher_words = None
TERMS: dict[str, tuple[int, str]] = {
    "mode_commute_km": (KM_UNITS, "total commute of teachers moved in the planned modes, km"),
    "mode_moved": (1, "teachers moved in the planned modes (a negative weight rewards each)"),
    "mode_shortfall": (1, "teachers short of a planned mode's soft minimum"),
}
#: kinds whose arrivals take a post at the receiving school (they count in its needs and staff)
POST_KINDS = ("post", "paired")
#: the roles that head a school, and those that may replace a head
HEADS = ("principal",)
REPLACEMENTS = ("principal", "vice_principal")


@dataclass(frozen=True)
class Modes:
    """Limits over every planned mode and direction (policy section ``[rules]``)."""

    max_leaders_received: int | None = param(
        None, "int", "a school receives at most this many leaders over every mode (team cap, receiving)")
    max_net_loss_per_school: int | None = param(
        None, "int", "teachers a school sends minus those it receives over every mode and direction, at most")
    mode_minimum_hard: bool = param(
        True, "bool", "false: every planned mode's minima are soft (a mode's own hard = false: that mode's)")


#: the rule's parameters (a policy section's keys)
PARAMS = Modes


def planned(policy: Any) -> list:
    """The policy's planned modes beside the main one (none for a policy without ``planned_modes``)."""
    fn = getattr(policy, "planned_modes", None)
    return list(fn()) if fn is not None else []


def partners(problem: Any) -> np.ndarray:
    """School position → position of its counterpart (``pair_id``), -1 without one.

    Raises
    ------
    InputError
        A pair that does not hold both ways (S1 names S2, S2 names S3).
    """
    s = problem.schools
    out = np.full(len(s), -1, dtype=np.int64)
    if "pair_id" not in s.columns:
        return out
    sid = s["school_id"].astype(str).to_numpy()
    for a, p in enumerate(s["pair_id"]):
        if p is None or p is pd.NA or (isinstance(p, float) and np.isnan(p)) or str(p) == "":
            continue
        b = problem.school_index.get(str(p), -1)
        if b < 0:
            raise InputError(f"schools: {sid[a]} names pair_id '{p}', which is not a school")
        out[a] = b
    for a in np.flatnonzero(out >= 0).tolist():
        b = int(out[a])
        if out[b] >= 0 and out[b] != a:
            raise InputError(f"schools: {sid[a]} pairs with {sid[b]} (pair_id) but {sid[b]} pairs with "
                             f"{sid[out[b]]} — a paired exchange needs both schools to name each other")
        out[b] = a
    return out


def _stages(stage: Any) -> set:
    """The school stages of a school (a nine-year school has two)."""
    if stage is None or stage is pd.NA or (isinstance(stage, float) and np.isnan(stage)):
        return {"all"}
    return {"primary", "junior"} if str(stage) == "nine_year" else {str(stage)}


def pair_target(problem: Any, a: int, b: int, per_stage: int) -> int:
    """Teachers each side of the pair (a, b) sends: ``per_stage`` × the school stages they share (≥ 1)."""
    col = problem.schools["stage"] if "stage" in problem.schools.columns else None
    if col is None:
        return per_stage
    shared = _stages(col.iloc[a]) & _stages(col.iloc[b])
    return per_stage * max(1, len(shared))


def _need_matrix(problem: Any) -> dict:
    """(school position, subject) → declared need."""
    n = problem.needs
    return {(problem.school_index[str(s)], str(j)): int(c)
            for s, j, c in n[["school_id", "subject", "count"]].itertuples(index=False)}


def movable(problem: Any, policy: Any, mode: Any) -> np.ndarray:
    """Teachers the mode may move: movable under its eligibility, of its roles, at a school of ``from``.

    In a year of a rotation cycle a teacher on exchange, or back from one this cycle, moves in no mode
    (``cycle_fixed`` of the rule cycle_obligation), as in the main one.
    """
    st = eligibility(problem, policy, mode=mode.name)["status"].to_numpy()
    ok = np.isin(st, ["mandatory", "eligible"])
    fixed = list(map(str, policy.rule("cycle_obligation").cycle_fixed or ()))
    if fixed:
        ok &= ~problem.teachers["teacher_id"].astype(str).isin(fixed).to_numpy()
    # a due teacher who refused the exchange moves in no mode (rules/sanctions.py)
    if policy.rule(sanctions.RULE_ID).refusal_no_awards_years is not None:
        ok &= ~sanctions.refusing(problem.teachers, eligibility(problem, policy)["status"].to_numpy(),
                                  policy.rule(sanctions.RULE_ID))
    leader = problem.teachers["role"].to_numpy() != "teacher"
    if mode.roles == "teachers":
        ok &= ~leader
    elif mode.roles == "leaders":
        ok &= leader
    return ok & selects(problem.schools, mode.from_)[problem.teacher_school_pos]


def candidates(problem: Any, policy: Any) -> pd.DataFrame:
    """Every (teacher, school, mode) a planned mode admits (module docstring), by mode, teacher, school.

    Columns ``t, s, from_s, subject, km, dkm, leader, role, mode, kind``.
    """
    t = problem.teachers
    pos = problem.teacher_school_pos
    role = t["role"].astype(str).to_numpy()
    subj = t["subject"].astype(str).to_numpy()
    reach = policy.rule("commute").max_commute_km
    needs = _need_matrix(problem)
    partner = None
    parts = []
    for m in planned(policy):
        ts = np.flatnonzero(movable(problem, policy, m))
        to = selects(problem.schools, m.to)
        if m.kind == "paired":
            partner = partners(problem) if partner is None else partner
            tp = ts[partner[pos[ts]] >= 0]
            sp = partner[pos[tp]]
        else:
            dests = np.flatnonzero(to)
            tp, sp = np.repeat(ts, len(dests)), np.tile(dests, len(ts))
        keep = to[sp] & (pos[tp] != sp)
        if m.within_group:
            keep &= same_group(problem, policy, m, pos[tp], sp)
        if m.kind == "post":
            # a teacher fills a declared need of the subject; a leader takes a leadership post
            keep &= np.array([role[a] != "teacher" or needs.get((b, subj[a]), 0) > 0
                              for a, b in zip(tp, sp, strict=True)], dtype=bool)
        tp, sp = tp[keep], sp[keep]
        km = problem.commute_km(tp, sp, reach) if len(tp) else np.zeros(0)
        ok = np.isfinite(km) & ((km <= reach) if reach is not None else True)
        tp, sp, km = tp[ok], sp[ok], km[ok]
        if m.kind == "study" and len(tp):
            tp, sp, km = _nearest(tp, sp, km, role, policy.rule(RULE_ID).max_leaders_received)
        parts.append(pd.DataFrame({"t": tp, "s": sp, "from_s": pos[tp], "subject": subj[tp], "km": km,
                                   "dkm": to_units_km(km), "leader": role[tp] != "teacher", "role": role[tp],
                                   "mode": m.name, "kind": m.kind}))
    if not parts:
        return pd.DataFrame(columns=["t", "s", "from_s", "subject", "km", "dkm", "leader", "role", "mode",
                                     "kind"])
    return pd.concat(parts, ignore_index=True)


def _nearest(tp: np.ndarray, sp: np.ndarray, km: np.ndarray, role: np.ndarray,
             leaders_capped: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Study places: each teacher's nearest receiving school only (ties: the first school).

    Exact: a study arrival fills no post and counts in no staff, so the place changes only the commute — any
    plan sending a teacher farther is no better than the same plan sending them to the nearest. Leaders keep
    every place when the receiving schools' leader cap (``max_leaders_received``) makes the place matter.
    (Measured: the county draft on a 10,000-teacher county, 403,819 variables → see benchmarks/.)
    """
    keep_all = (role[tp] != "teacher") if leaders_capped is not None else np.zeros(len(tp), dtype=bool)
    order = np.lexsort((sp, km, tp))
    first = np.ones(len(order), dtype=bool)
    first[1:] = tp[order][1:] != tp[order][:-1]
    keep = np.zeros(len(tp), dtype=bool)
    keep[order[first]] = True
    keep |= keep_all
    return tp[keep], sp[keep], km[keep]


def class_key(teachers, schools, rule) -> list:
    """Nothing per teacher beyond the base class key (a policy with planned modes is not aggregated)."""
    return []


# ---------------------------------------------------------------------- counts shared by build and check
def _effective(m: Any, rule: Modes) -> Any:
    """The mode with ``hard`` as the policy makes it (soft by its word or mode_minimum_hard = false)."""
    return m if m.hard and rule.mode_minimum_hard else dataclasses.replace(m, hard=False)


def _minima(m: Any) -> list[tuple[str, str, int, int | None]]:
    """A mode's count constraints: (key flag, who: all/teacher/leader, lo, hi)."""
    out = []
    if m.teachers is not None:
        out.append(("teachers", "teacher", m.teachers, m.teachers))
    if m.leaders is not None:
        out.append(("leaders", "leader", m.leaders, m.leaders))
    if m.min is not None or m.max is not None:
        out.append(("total", "all", m.min or 0, m.max))
    return out


def same_group(problem: Any, policy: Any, mode: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether schools ``a`` and ``b`` (positions) share a value of the mode's ``group`` column."""
    s = problem.schools
    if mode.group not in s.columns:
        raise PolicyError(f"policy '{policy.id}' [modes.{mode.name}]: group '{mode.group}' is not a column "
                          f"of the schools table")
    col = s[mode.group].astype(object).where(s[mode.group].notna(), None).to_numpy()
    return np.array([col[x] is not None and col[x] == col[y] for x, y in zip(a, b, strict=True)],
                    dtype=bool)


def groups_of(problem: Any, policy: Any, mode: Any) -> dict[str, np.ndarray]:
    """A mode's groups (its ``group`` column of the schools): value → school positions.

    Only the groups holding a teacher the mode may move: a group without one has nobody to count.
    """
    if not mode.group:
        return {}
    s = problem.schools
    if mode.group not in s.columns:
        raise PolicyError(f"policy '{policy.id}' [modes.{mode.name}]: group '{mode.group}' is not a column "
                          f"of the schools table")
    ok = movable(problem, policy, mode)
    has = np.bincount(problem.teacher_school_pos[ok], minlength=len(s)) > 0
    col = s[mode.group]
    out: dict[str, list] = {}
    for a, v in enumerate(col):
        if pd.isna(v):
            continue
        out.setdefault(str(v), []).append(a)
    return {g: np.asarray(v, dtype=np.int64) for g, v in sorted(out.items()) if has[v].any()}


def build(ctx: Any, rule: Modes) -> None:
    """Variables of every planned mode, and the constraints of the module docstring."""
    modes = planned(ctx.policy)
    if not modes:
        return
    c = candidates(ctx.problem, ctx.policy)
    ctx.mode_pairs = c
    tid = ctx.teachers["teacher_id"].astype(str).to_numpy()
    sid = ctx.schools["school_id"].astype(str).to_numpy()
    y = [ctx.model.new_bool_var(f"m[{tid[t]},{sid[s]},{m}]")
         for t, s, m in zip(c["t"].to_numpy(), c["s"].to_numpy(), c["mode"].to_numpy(), strict=True)]
    ctx.mode_x = y
    yarr = np.empty(len(y), dtype=object)
    yarr[:] = y

    def ysum(rows) -> Any:
        return ctx.sum_of(yarr[np.asarray(rows, dtype=np.int64)].tolist())

    spec = {m.name: m for m in modes}
    # one mode per teacher
    main_by_t = ctx.groups("t")
    for t, rows in c.groupby("t", sort=True).indices.items():
        mr = main_by_t.get(t)
        if mr is None and len(rows) < 2:
            continue
        expr = ysum(rows) + (ctx.xsum(mr) if mr is not None else 0)
        ctx.add(RULE_ID, key("one", teacher=tid[t]), expr <= 1)
    # counts
    shorts = []
    for m in modes:
        m = _effective(m, rule)
        mine = c["mode"].to_numpy() == m.name
        leader = c["leader"].to_numpy()
        for flag, who, lo, hi in _minima(m):
            sel = mine & (leader if who == "leader" else ~leader if who == "teacher" else True)
            rows = np.flatnonzero(sel)
            pool = c.loc[sel, "t"].nunique()
            if m.hard and lo > pool:
                raise PolicyError(
                    f"policy '{ctx.policy.id}' [modes.{m.name}]: {flag} asks for {lo} but only {pool} "
                    f"{'leaders' if who == 'leader' else 'teachers'} are eligible and can reach a receiving "
                    f"school of the mode (its eligibility, from, to and the commute cap)")
            k = key(flag, mode=m.name)
            if hi is not None:
                ctx.add(RULE_ID, key(flag, "max", mode=m.name), ysum(rows) <= hi)
            if lo > 0:
                if m.hard:
                    ctx.add(RULE_ID, k, ysum(rows) >= lo)
                else:
                    short = ctx.model.new_int_var(0, lo, f"mode_short[{m.name},{flag}]")
                    ctx.model.add_max_equality(short, [0, lo - ysum(rows)])
                    shorts.append(short)
        if m.per_school_max is not None:
            for a, rows in c[mine].groupby("from_s", sort=True).indices.items():
                rows = np.flatnonzero(mine)[rows]
                if len(rows) > m.per_school_max:
                    ctx.add(RULE_ID, key("per_school", mode=m.name, school=sid[a]),
                            ysum(rows) <= m.per_school_max)
        for g, schools in groups_of(ctx.problem, ctx.policy, m).items():
            rows = np.flatnonzero(mine & np.isin(c["from_s"].to_numpy(), schools))
            gk = key("per_group", mode=m.name, group=g)
            if m.per_group_max is not None and len(rows) > m.per_group_max:
                ctx.add(RULE_ID, gk + ",max", ysum(rows) <= m.per_group_max)
            lo = m.per_group_min or 0
            if lo and m.hard:
                ctx.add(RULE_ID, gk, ysum(rows) >= lo)
            elif lo:
                short = ctx.model.new_int_var(0, lo, f"mode_short[{m.name},{g}]")
                ctx.model.add_max_equality(short, [0, lo - ysum(rows)])
                shorts.append(short)
        if m.kind == "paired":
            shorts += _build_pairs(ctx, c, mine, m, sid, ysum)
    # needs, both sides
    kind = c["kind"].to_numpy()
    fills = np.isin(kind, POST_KINDS) & ~c["leader"].to_numpy()
    needs = _need_matrix(ctx.problem)
    main_in = ctx.groups("s", "subject")
    arrive = c[fills].groupby(["s", "subject"], sort=True).indices
    paired_rows = np.flatnonzero(kind == "paired")
    leave = c.iloc[paired_rows].groupby(["from_s", "subject"], sort=True).indices
    fill_rows = np.flatnonzero(fills)
    for (s, j) in sorted(set(arrive) | set(leave)):
        ins = fill_rows[arrive[(s, j)]] if (s, j) in arrive else np.zeros(0, dtype=np.int64)
        outs = paired_rows[leave[(s, j)]] if (s, j) in leave else np.zeros(0, dtype=np.int64)
        if not len(ins):
            continue
        mr = main_in.get((s, j))
        expr = ysum(ins) - ysum(outs) + (ctx.xsum(mr) if mr is not None else 0)
        ctx.add(RULE_ID, key(school=sid[s], subject=j), expr <= needs.get((s, j), 0))
    _build_staffing(ctx, rule, c, spec, sid, ysum)
    _build_leaders(ctx, rule, c, spec, sid, ysum)
    ctx.term("mode_commute_km", *TERMS["mode_commute_km"]).extend(y, c["dkm"].to_numpy())
    ctx.term("mode_moved", *TERMS["mode_moved"]).extend(y, np.ones(len(y), dtype=np.int64))
    ctx.term("mode_shortfall", *TERMS["mode_shortfall"]).extend(shorts, np.ones(len(shorts), dtype=np.int64))


def _build_pairs(ctx: Any, c: pd.DataFrame, mine: np.ndarray, m: Any, sid: np.ndarray, ysum) -> list:
    """Equal numbers each side of a pair (and ``per_stage`` × shared stages each side)."""
    shorts = []
    idx = np.flatnonzero(mine)
    by = c[mine].groupby(["from_s", "s"], sort=True).indices
    done = set()
    for (a, b) in sorted(by):
        if (b, a) in done or (a, b) in done:
            continue
        done.add((a, b))
        ab = idx[by[(a, b)]]
        ba = idx[by[(b, a)]] if (b, a) in by else np.zeros(0, dtype=np.int64)
        lo, hi = sorted((a, b))
        pk = key(mode=m.name, pair=f"{sid[lo]}+{sid[hi]}")
        ctx.add(RULE_ID, pk + ",equal", ysum(ab) == ysum(ba))
        if m.per_stage is None:
            continue
        target = pair_target(ctx.problem, a, b, m.per_stage)
        ctx.add(RULE_ID, pk + ",max", ysum(ab) <= target)
        if m.hard:
            ctx.add(RULE_ID, pk + ",min", ysum(ab) >= target)
        else:
            for side in (ab, ba):
                short = ctx.model.new_int_var(0, target, f"mode_short[{m.name},{sid[lo]}+{sid[hi]}]")
                ctx.model.add_max_equality(short, [0, target - ysum(side)])
                shorts.append(short)
    return shorts


def _staff_effect(c: pd.DataFrame, spec: dict) -> tuple[np.ndarray, np.ndarray]:
    """Per mode row: whether it takes the teacher out of the home staff, and into the receiving staff."""
    staffing = c["mode"].map(lambda n: spec[n].staffing).to_numpy(dtype=bool)
    return staffing, staffing & np.isin(c["kind"].to_numpy(), POST_KINDS)


def _build_staffing(ctx: Any, rule: Modes, c: pd.DataFrame, spec: dict, sid: np.ndarray, ysum) -> None:
    """The staffing balance and floor over every mode and direction."""
    fl = staff_floor.floors(ctx.problem, ctx.policy.rule(staff_floor.RULE_ID))
    if rule.max_net_loss_per_school is None and not fl:
        return
    leaves, joins = _staff_effect(c, spec)
    out_m = pd.Series(np.flatnonzero(leaves)).groupby(c["from_s"].to_numpy()[leaves]).apply(list).to_dict()
    in_m = pd.Series(np.flatnonzero(joins)).groupby(c["s"].to_numpy()[joins]).apply(list).to_dict()
    out_x, in_x = ctx.groups("from_s"), ctx.groups("s")
    staff = np.bincount(ctx.problem.teacher_school_pos, minlength=len(sid))
    for a in sorted(set(out_m) | set(out_x)):
        net = (ysum(out_m.get(a, [])) - ysum(in_m.get(a, [])) + (ctx.xsum(out_x[a]) if a in out_x else 0)
               - (ctx.xsum(in_x[a]) if a in in_x else 0))
        if rule.max_net_loss_per_school is not None:
            ctx.add(RULE_ID, key("net", school=sid[a]), net <= rule.max_net_loss_per_school)
        if a in fl:
            need = min(fl[a][0], int(staff[a]))
            ctx.add(RULE_ID, key("floor", school=sid[a]), int(staff[a]) - net >= need)


def _build_leaders(ctx: Any, rule: Modes, c: pd.DataFrame, spec: dict, sid: np.ndarray, ysum) -> None:
    """A head for every school, and the leadership-team cap at both ends."""
    if not c["leader"].any():
        return
    t = ctx.teachers
    role = t["role"].astype(str).to_numpy()
    pos = t["school_pos"].to_numpy()
    k = len(sid)
    heads = np.bincount(pos[np.isin(role, HEADS)], minlength=k)
    team = np.bincount(pos[role != "teacher"], minlength=k)
    keeps = c["mode"].map(lambda n: spec[n].keeps_home_post).to_numpy(dtype=bool)
    kind = c["kind"].to_numpy()
    mp = ctx.model_pairs
    m_role = role[mp["t"].to_numpy()] if len(mp) else np.zeros(0, dtype=object)
    c_role = c["role"].to_numpy()
    leaving_head = np.flatnonzero(np.isin(c_role, HEADS) & ~keeps)
    x_head_out = np.flatnonzero(np.isin(m_role, HEADS))
    x_rep_in = np.flatnonzero(np.isin(m_role, REPLACEMENTS))
    y_rep_in = np.flatnonzero(np.isin(c_role, REPLACEMENTS) & (kind == "post"))
    mp_from = mp["from_s"].to_numpy() if len(mp) else np.zeros(0, dtype=np.int64)
    mp_to = mp["s"].to_numpy() if len(mp) else np.zeros(0, dtype=np.int64)
    cf, cs = c["from_s"].to_numpy(), c["s"].to_numpy()
    for a in sorted(set(cf[leaving_head].tolist())):
        if heads[a] == 0:
            continue
        out = ysum(leaving_head[cf[leaving_head] == a]) + ctx.xsum(x_head_out[mp_from[x_head_out] == a])
        rep = ysum(y_rep_in[cs[y_rep_in] == a]) + ctx.xsum(x_rep_in[mp_to[x_rep_in] == a])
        ctx.add(RULE_ID, key("head", school=sid[a]), int(heads[a]) - out + rep >= 1)
    lead_y = np.flatnonzero(c["leader"].to_numpy())
    lead_x = np.flatnonzero(mp["leader"].to_numpy()) if len(mp) else np.zeros(0, dtype=np.int64)
    lc = ctx.policy.rule(leadership_cap.RULE_ID)
    if lc.leadership_max_share is not None:
        for a in sorted(set(cf[lead_y].tolist())):
            cap = leadership_cap.cap(int(team[a]), lc)
            out = ysum(lead_y[cf[lead_y] == a]) + ctx.xsum(lead_x[mp_from[lead_x] == a])
            ctx.add(RULE_ID, key("team_out", school=sid[a]), out <= cap)
    if rule.max_leaders_received is not None:
        for s in sorted(set(cs[lead_y].tolist())):
            inn = ysum(lead_y[cs[lead_y] == s]) + ctx.xsum(lead_x[mp_to[lead_x] == s])
            ctx.add(RULE_ID, key("team_in", school=sid[s]), inn <= rule.max_leaders_received)


# ---------------------------------------------------------------------- the checker's half (pandas only)
def _mode_rows(chk: CheckData) -> pd.DataFrame:
    """The plan's moves in a planned mode, with roster positions and the commute recomputed from inputs."""
    a = chk.assignments
    names = [m.name for m in planned(chk.policy)]
    if "mode" not in a.columns or not names:
        return pd.DataFrame(columns=["teacher_id", "t", "from_s", "s", "mode", "km"])
    mv = a[a["moves"].astype(bool) & a["mode"].isin(names)]
    p = chk.problem
    tindex = pd.Series(np.arange(len(p.teachers)), index=p.teachers["teacher_id"].astype(str))
    t = tindex.reindex(mv["teacher_id"].astype(str)).to_numpy()
    s = mv["to_school_id"].astype(str).map(p.school_index)
    known = s.notna().to_numpy()
    out = pd.DataFrame({"teacher_id": mv["teacher_id"].astype(str).to_numpy(), "t": t,
                        "s": s.fillna(-1).astype(int).to_numpy(), "mode": mv["mode"].astype(str).to_numpy()})
    out["from_s"] = p.teacher_school_pos[out["t"].to_numpy()] if len(out) else np.zeros(0, dtype=int)
    km = np.full(len(out), np.nan)
    if known.any():
        km[known] = p.commute_km(out["t"].to_numpy()[known], out["s"].to_numpy()[known])
    out["km"] = km
    return out


def _counts_short(chk: CheckData, r: pd.DataFrame,
                  rule: Modes) -> list[tuple[str, str, str, int, int, int | None, bool]]:
    """Every count of every mode: (mode, key, what, plan count, lo, hi, hard)."""
    p = chk.problem
    role = p.teachers["role"].astype(str).to_numpy()
    leader = role[r["t"].to_numpy()] != "teacher" if len(r) else np.zeros(0, dtype=bool)
    out = []
    for m in planned(chk.policy):
        m = _effective(m, rule)
        mine = r["mode"].to_numpy() == m.name
        for flag, who, lo, hi in _minima(m):
            sel = mine & (leader if who == "leader" else ~leader if who == "teacher" else True)
            out.append((m.name, key(flag, mode=m.name), flag, int(sel.sum()), lo, hi, m.hard))
        for g, schools in groups_of(p, chk.policy, m).items():
            n = int((mine & np.isin(r["from_s"].to_numpy(), schools)).sum())
            out.append((m.name, key("per_group", mode=m.name, group=g), f"sent from {m.group} {g}", n,
                        m.per_group_min or 0, m.per_group_max, m.hard))
        if m.kind == "paired" and m.per_stage is not None:
            part = partners(p)
            sid = p.schools["school_id"].astype(str).to_numpy()
            sent = r[mine].groupby(["from_s", "s"]).size()
            for a in range(len(sid)):
                b = part[a]
                if b < a:
                    continue
                target = pair_target(p, a, b, m.per_stage)
                if not movable(p, chk.policy, m)[p.teacher_school_pos == a].any() and not \
                        movable(p, chk.policy, m)[p.teacher_school_pos == b].any():
                    continue
                for x, z in ((a, b), (b, a)):
                    out.append((m.name, key(mode=m.name, pair=f"{sid[a]}+{sid[b]}", side=sid[x]),
                                f"sent by {sid[x]} to {sid[z]}", int(sent.get((x, z), 0)), target, target,
                                m.hard))
    return out


def check(chk: CheckData, rule: Modes) -> list[Violation]:
    """Recompute every planned mode's rules from the inputs (see the module docstring)."""
    modes = planned(chk.policy)
    if not modes:
        # a policy planning one mode still states its relation, payer and term (``[modes.<main mode>]``)
        return _check_terms(chk)
    p = chk.problem
    a = chk.assignments
    spec = {m.name: m for m in modes}
    out: list[Violation] = []
    known = {getattr(chk.policy, "mode", "rotation"), *spec}
    if "mode" in a.columns:
        stray = a[a["moves"].astype(bool) & ~a["mode"].isin(list(known))]
        out += [(RULE_ID, key(teacher=r.teacher_id), f"{r.teacher_id} moves in mode '{r.mode}', which the "
                 f"policy does not plan") for r in stray.itertuples(index=False)]
    r = _mode_rows(chk)
    sid = p.schools["school_id"].astype(str).to_numpy()
    t = p.teachers
    role = t["role"].astype(str).to_numpy()
    subj = t["subject"].astype(str).to_numpy()
    pos = p.teacher_school_pos
    needs = _need_matrix(p)
    reach = chk.policy.rule("commute").max_commute_km
    part = partners(p) if any(m.kind == "paired" for m in modes) else None
    for m in modes:
        mine = r[r["mode"] == m.name]
        if not len(mine):
            continue
        ok = movable(p, chk.policy, m)
        to = selects(p.schools, m.to)
        for row in mine.itertuples(index=False):
            tt, s, who = int(row.t), int(row.s), row.teacher_id
            why = None
            if s < 0:
                why = "goes to a school not in the schools table"
            elif not ok[tt]:
                why = (f"may not move in this mode (its eligibility, roles {m.roles} or from "
                       f"{m.from_ or 'any'})")
            elif not to[s] or s == pos[tt]:
                why = f"goes to {sid[s]}, which is not a receiving school of the mode"
            elif m.within_group and not same_group(p, chk.policy, m, pos[[tt]], np.array([s]))[0]:
                why = f"goes to {sid[s]}, outside its school's {m.group}"
            elif m.kind == "post" and role[tt] == "teacher" and needs.get((s, subj[tt]), 0) <= 0:
                why = f"goes to {sid[s]}, which declared no need in {subj[tt]}"
            elif m.kind == "paired" and part is not None and part[pos[tt]] != s:
                why = f"goes to {sid[s]}, which is not the counterpart of {sid[pos[tt]]}"
            elif reach is not None and not row.km <= reach:
                why = f"commutes {row.km:.1f} km > {reach:g} km"
            if why:
                out.append((RULE_ID, key(mode=m.name, teacher=who), f"{who} ({m.name}) {why}"))
    # one mode per teacher is the plan's shape (one row per teacher): the coverage check
    for mode, k, what, n, lo, hi, hard in _counts_short(chk, r, rule):
        if hi is not None and n > hi:
            out.append((RULE_ID, k, f"mode {mode}: {what} {n} > {hi}"))
        if hard and n < lo:
            out.append((RULE_ID, k, f"mode {mode}: {what} {n} < {lo}"))
    for m in modes:
        if m.per_school_max is None:
            continue
        sent = r[r["mode"] == m.name].groupby("from_s").size()
        out += [(RULE_ID, key("per_school", mode=m.name, school=sid[x]),
                 f"mode {m.name}: {sid[x]} sends {n} > {m.per_school_max}") for x, n in sent.items()
                if n > m.per_school_max]
    if part is not None:
        for m in modes:
            if m.kind != "paired":
                continue
            sent = r[r["mode"] == m.name].groupby(["from_s", "s"]).size().to_dict()
            for (x, z) in sorted({tuple(sorted(k_)) for k_ in sent}):
                n, back = int(sent.get((x, z), 0)), int(sent.get((z, x), 0))
                if n != back:
                    out.append((RULE_ID, key("equal", mode=m.name, pair=f"{sid[x]}+{sid[z]}"),
                                f"mode {m.name}: {sid[x]} sends {n} to {sid[z]}, which sends {back} back"))
    out += _check_terms(chk)
    out += _check_needs(chk, r, spec, needs, sid)
    out += _check_staffing(chk, rule, r, spec, sid)
    out += _check_leaders(chk, rule, r, spec, sid)
    return out


def _main_moves(chk: CheckData) -> pd.DataFrame:
    """The main mode's moves (roster position ``t``, from, to)."""
    mv = chk.moved
    p = chk.problem
    s = mv["to_school_id"].astype(str).map(p.school_index)
    keep = s.notna().to_numpy()
    t = mv.index.to_numpy()[keep]
    return pd.DataFrame({"t": t, "from_s": p.teacher_school_pos[t], "s": s[keep].astype(int).to_numpy()})


def _check_needs(chk: CheckData, r: pd.DataFrame, spec: dict, needs: dict, sid: np.ndarray) -> list:
    p = chk.problem
    subj = p.teachers["subject"].astype(str).to_numpy()
    role = p.teachers["role"].astype(str).to_numpy()
    if not len(r):
        return []
    kind = r["mode"].map(lambda n: spec[n].kind).to_numpy()
    fills = np.isin(kind, POST_KINDS) & (role[r["t"].to_numpy()] == "teacher") & (r["s"].to_numpy() >= 0)
    if not fills.any():
        return []
    mm = _main_moves(chk)
    count: dict = {}
    for tt, s in zip(mm["t"], mm["s"], strict=True):
        count[(s, subj[tt])] = count.get((s, subj[tt]), 0) + 1
    mode_in = set()
    for tt, s in zip(r["t"].to_numpy()[fills], r["s"].to_numpy()[fills], strict=True):
        count[(s, subj[tt])] = count.get((s, subj[tt]), 0) + 1
        mode_in.add((s, subj[tt]))
    pr = kind == "paired"
    for tt, a in zip(r["t"].to_numpy()[pr], r["from_s"].to_numpy()[pr], strict=True):
        count[(a, subj[tt])] = count.get((a, subj[tt]), 0) - 1
    return [(RULE_ID, key(school=sid[s], subject=j), f"{sid[s]} {j}: {count[(s, j)]} arrivals net of paired "
             f"departures > need {needs.get((s, j), 0)}") for (s, j) in sorted(mode_in)
            if count[(s, j)] > needs.get((s, j), 0)]


def _check_staffing(chk: CheckData, rule: Modes, r: pd.DataFrame, spec: dict, sid: np.ndarray) -> list:
    p = chk.problem
    fl = staff_floor.floors(p, chk.policy.rule(staff_floor.RULE_ID))
    if rule.max_net_loss_per_school is None and not fl:
        return []
    staffing = r["mode"].map(lambda n: spec[n].staffing).to_numpy(dtype=bool)
    joins = staffing & r["mode"].map(lambda n: spec[n].kind in POST_KINDS).to_numpy(dtype=bool)
    mm = _main_moves(chk)
    k = len(sid)
    net = (np.bincount(mm["from_s"].to_numpy(dtype=np.int64), minlength=k)
           - np.bincount(mm["s"].to_numpy(dtype=np.int64), minlength=k)
           + np.bincount(r["from_s"].to_numpy(dtype=np.int64)[staffing], minlength=k)
           - np.bincount(r["s"].to_numpy(dtype=np.int64)[joins & (r["s"].to_numpy() >= 0)], minlength=k))
    staff = np.bincount(p.teacher_school_pos, minlength=k)
    out = []
    for a in sorted(set(r["from_s"].to_numpy()[staffing].tolist()) | set(mm["from_s"].tolist())):
        if rule.max_net_loss_per_school is not None and net[a] > rule.max_net_loss_per_school:
            out.append((RULE_ID, key("net", school=sid[a]), f"{sid[a]} sends {net[a]} more than it receives "
                        f"> {rule.max_net_loss_per_school}"))
        if a in fl and staff[a] - net[a] < min(fl[a][0], int(staff[a])):
            out.append((RULE_ID, key("floor", school=sid[a]), f"{sid[a]} keeps {staff[a] - net[a]} "
                        f"teachers < floor {min(fl[a][0], int(staff[a]))} over every mode"))
    return out


def _check_leaders(chk: CheckData, rule: Modes, r: pd.DataFrame, spec: dict, sid: np.ndarray) -> list:
    p = chk.problem
    role = p.teachers["role"].astype(str).to_numpy()
    pos = p.teacher_school_pos
    if not len(r):
        return []
    rr = role[r["t"].to_numpy()]
    if not (rr != "teacher").any():
        return []
    k = len(sid)
    heads = np.bincount(pos[np.isin(role, HEADS)], minlength=k)
    team = np.bincount(pos[role != "teacher"], minlength=k)
    mm = _main_moves(chk)
    mr = role[mm["t"].to_numpy()] if len(mm) else np.zeros(0, dtype=object)
    keeps = r["mode"].map(lambda n: spec[n].keeps_home_post).to_numpy(dtype=bool)
    kind = r["mode"].map(lambda n: spec[n].kind).to_numpy()
    rf, rs = r["from_s"].to_numpy(), r["s"].to_numpy()
    out_h = np.bincount(rf[np.isin(rr, HEADS) & ~keeps], minlength=k) + np.bincount(
        mm["from_s"].to_numpy(dtype=np.int64)[np.isin(mr, HEADS)], minlength=k)
    rep = (np.bincount(rs[np.isin(rr, REPLACEMENTS) & (kind == "post") & (rs >= 0)], minlength=k)
           + np.bincount(mm["s"].to_numpy(dtype=np.int64)[np.isin(mr, REPLACEMENTS)], minlength=k))
    out = []
    mode_heads_out = set(rf[np.isin(rr, HEADS) & ~keeps].tolist())
    for a in sorted(mode_heads_out):
        if heads[a] and heads[a] - out_h[a] + rep[a] < 1:
            out.append((RULE_ID, key("head", school=sid[a]), f"{sid[a]} is left without a principal: "
                        f"{out_h[a]} of {heads[a]} leave and no principal or vice-principal arrives"))
    lead = rr != "teacher"
    ml = mr != "teacher"
    lc = chk.policy.rule(leadership_cap.RULE_ID)
    if lc.leadership_max_share is not None:
        sent = np.bincount(rf[lead], minlength=k) + np.bincount(mm["from_s"].to_numpy(dtype=np.int64)[ml],
                                                                 minlength=k)
        for a in sorted(set(rf[lead].tolist())):
            cap = leadership_cap.cap(int(team[a]), lc)
            if cap is not None and sent[a] > cap:
                out.append((RULE_ID, key("team_out", school=sid[a]),
                            f"{sid[a]} sends {sent[a]} of its leadership team > cap {cap} over every mode"))
    if rule.max_leaders_received is not None:
        got = np.bincount(rs[lead & (rs >= 0)], minlength=k) + np.bincount(
            mm["s"].to_numpy(dtype=np.int64)[ml], minlength=k)
        for s in sorted(set(rs[lead & (rs >= 0)].tolist())):
            if got[s] > rule.max_leaders_received:
                out.append((RULE_ID, key("team_in", school=sid[s]),
                            f"{sid[s]} receives {got[s]} leaders > {rule.max_leaders_received}"))
    return out


def term_values(chk: CheckData, rule: Modes) -> dict:
    """The three mode terms recounted from the plan and the inputs."""
    r = _mode_rows(chk)
    short = sum(max(0, lo - n) for _, _, _, n, lo, _, hard in _counts_short(chk, r, rule) if not hard) if len(
        planned(chk.policy)) else 0
    km = r["km"].to_numpy(dtype=float) if len(r) else np.zeros(0)
    return {"mode_commute_km": int(to_units_km(km[np.isfinite(km)]).sum()), "mode_moved": len(r),
            "mode_shortfall": int(short)}


def shortfalls(chk: CheckData, rule: Modes) -> list[Shortfall]:
    """A mode's soft minima (``hard = false``) the plan falls short of."""
    if not planned(chk.policy):
        return []
    r = _mode_rows(chk)
    return [Shortfall(RULE_ID, k, k.split("pair=")[-1].split(",")[0] if "pair=" in k else mode, lo - n,
                      f"mode {mode}: {what} {n} < {lo}", "teacher", "mode minimum", "mode_minimum_hard")
            for mode, k, what, n, lo, _, hard in _counts_short(chk, r, rule) if not hard and n < lo]


# ---------------------------------------------------------------------- words
def binding_words(f: Facts, rule: Modes, k: Key, usage: Usage | None) -> tuple[str, str]:
    """One instance of a planned mode's rules, in words."""
    mode, school = k.get("mode", ""), k.get("school", "")
    if "one" in k:
        return (f"{k.get('teacher')} moves in at most one mode", f"{k.get('teacher')} 只能参加一种交流方式")
    if "head" in k:
        return (f"{school} keeps a principal (one arrives when its principal leaves)",
                f"{school} 须保留校长（校长交流时须有人接任）")
    if "team_out" in k or "team_in" in k:
        return (f"{school}'s leadership team cap over every mode", f"{school} 领导班子交流上限（各方式合计）")
    if "net" in k or "floor" in k:
        return (f"{school}'s staffing balance over every mode and direction",
                f"{school} 编制平衡（双向合计）")
    if "pair" in k.fields:
        return (f"mode {mode}: the pair {k.get('pair')} exchanges equal numbers",
                f"{mode}：结对学校 {k.get('pair')} 对等互派")
    if "subject" in k.fields:
        return (f"{school} needs at most {k.get('subject')} arrivals it declared (every mode)",
                f"{school} {k.get('subject')} 接收人数不超过缺编数（各方式合计）")
    what = next((w for w in ("teachers", "leaders", "total", "per_school") if w in k), "count")
    return (f"mode {mode}: its count of {what}", f"{mode}：{what} 人数")


def stays(state: PlanState, rule: Modes) -> list[StayTest]:
    """No stay reason of its own: a teacher a mode does not take keeps the main mode's reason."""
    return []


def school_columns(state: PlanState, rule: Modes) -> dict[str, Any]:
    """No schools-table column (the plan's assignments carry the mode of each move)."""
    return {}


def term_of(mode: Any, leader: bool) -> float | None:
    """A move's term in years: the mode's ``leader_term_years`` for a leader when set, else ``term_years``."""
    if leader and mode.leader_term_years is not None:
        return float(mode.leader_term_years)
    return mode.term_years


def terms(policy: Any, a: pd.DataFrame, role: pd.Series) -> tuple[list, list, list]:
    """Per row of an assignments table: (relation_moved, paid_by, term_years) of the move's mode.

    The main mode's come from ``[modes.<main mode>]`` when the policy describes it; blank otherwise and for a
    teacher who stays. ``role`` is each row's role.
    """
    modes = dict(getattr(policy, "modes", {}))
    moved = a["moves"].astype(bool)
    spec = [modes.get(str(m)) if mv else None for m, mv in zip(a["mode"], moved, strict=True)]
    rel = [None if m is None or not m.relation else m.relation == "move" for m in spec]
    paid = [m.paid_by if m is not None and m.paid_by else None for m in spec]
    term = [np.nan if m is None or term_of(m, r != "teacher") is None else term_of(m, r != "teacher")
            for m, r in zip(spec, role, strict=True)]
    return rel, paid, term


def _check_terms(chk: CheckData) -> list[Violation]:
    """The plan's relation_moved, paid_by and term_years are those of each move's mode.

    A move's ``term_years`` lies within its mode's source range for the teacher's role
    (``term_min_years ≤ term_years ≤ term_max_years``, the leader's bounds for a leader).
    """
    a = chk.assignments
    modes = dict(getattr(chk.policy, "modes", {}))
    if not modes:
        return []
    role = a["teacher_id"].map(chk.problem.teachers.set_index("teacher_id")["role"]).fillna("teacher")
    moved = a["moves"].astype(bool).to_numpy()
    main = getattr(chk.policy, "mode", "rotation")
    mode_of = a["mode"].fillna(main) if "mode" in a.columns else pd.Series(main, index=a.index)
    out: list[Violation] = []
    for k in np.flatnonzero(moved):
        i = int(k)
        m = modes.get(str(mode_of.iloc[i]))
        if m is None:
            continue
        leader = role.iloc[i] != "teacher"
        lo, hi = m.term_bounds(leader)
        if lo is None and hi is None:
            continue
        tid = a["teacher_id"].iloc[i]
        got = a["term_years"].iloc[i] if "term_years" in a.columns else np.nan
        if pd.isna(got) or (lo is not None and float(got) < lo) or (hi is not None and float(got) > hi):
            who = "a leader's" if leader else "a teacher's"
            out.append((RULE_ID, key("term_range", teacher=tid),
                        f"{tid}: term {got} years is outside {who} term of mode {m.name} "
                        f"({lo if lo is not None else '…'}–{hi if hi is not None else '…'} years)"))
    if not {"relation_moved", "paid_by", "term_years"} <= set(a.columns):
        return out
    rel, paid, term = terms(chk.policy, a, role)
    for i, (tid, r_, p_, t_) in enumerate(zip(a["teacher_id"], rel, paid, term, strict=True)):
        got_r, got_p, got_t = a["relation_moved"].iloc[i], a["paid_by"].iloc[i], a["term_years"].iloc[i]
        same = ((pd.isna(got_r) and r_ is None) or (not pd.isna(got_r) and r_ is not None
                                                     and bool(got_r) == r_))
        same &= (pd.isna(got_p) and p_ is None) or got_p == p_
        same &= (pd.isna(got_t) and pd.isna(t_)) or (not pd.isna(got_t) and np.isclose(float(got_t), t_))
        if not same:
            out.append((RULE_ID, key("terms", teacher=tid), f"{tid}: relation_moved, paid_by or term_years "
                        f"differ from its mode's ({r_}, {p_}, {t_})"))
    return out


def words_of(mode: Any, leader: bool = False) -> str:
    """How a move in the mode reads in a teacher's reason."""
    what = {"post": "takes a post", "study": "goes to study (no post)", "paired": "goes to the paired school"}
    years = term_of(mode, leader)
    term = f" for {years:g} years" if years is not None else ""
    return f"moves in mode {mode.name}: {what[mode.kind]}{term}"

