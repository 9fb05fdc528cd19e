"""Why: a model-derived explanation for one teacher, and a diagnosis when no plan exists.

Both read the formulation's **ledger** (every hard constraint is named ``rule[key]``, see
:mod:`teacher_match.model.context`) rather than re-implementing the rules:

* :func:`diagnose` puts one enforcement literal on every ledger entry, solves with those literals as CP-SAT
  *assumptions* and reads ``sufficient_assumptions_for_infeasibility()``; a deletion filter shrinks each
  conflict to a minimal one, and the conflict's literals are then freed to look for the next, independent
  conflict. Each entry becomes a sentence in English and Chinese with the data behind it. For every policy
  parameter of a rule in a conflict (and of the rules that keep pairs out of the model altogether: flows,
  commute, protected subjects) the smallest change that restores feasibility is searched (binary search on
  a share, count or distance; flipping a switch such as ``min_rotation_hard``; widening a selector) and
  verified by re-solving the whole instance.
* :func:`explain` re-solves *counterfactuals*: for a rotated teacher, the best plan without this assignment
  (the next-best alternative and its cost); for an eligible teacher who stays, (a) the plan with everyone else
  fixed and this teacher forced to rotate — when that is infeasible, the assumption core names the rule
  instances that bind (``S003 already sends its outflow cap of 6``) — and (b) the best plan that rotates the
  teacher, which verifies the reason and prices it.

Sentences: a rule module may define ``describe(ctx, rule, key, usage) -> (en, zh)`` for its own ledger keys;
the built-in rules are described here; any other rule gets a generic sentence read off the constraint.
Objective values are in the plan's units (``objective / OBJ_SCALE``).
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from .errors import TeacherMatchError
from .model.objective import weighted_expr
from .model.scaling import KM_UNITS, OBJ_SCALE
from .params import share_fraction
from .rules import RULES, flows, leadership_cap, min_rotation, outflow_limit, preferences

__all__ = ["explain", "Explanation", "diagnose", "Diagnosis", "attach_diagnosis", "describe_entry", "SUBJECT_ZH", "RULE_ZH"]

#: Chinese names of the built-in rules, for the Chinese sentences
RULE_ZH = {
    "flows": "交流方向",
    "single_assignment": "每人只去一所学校",
    "subject_needs": "学科需求",
    "commute": "通勤距离上限",
    "outflow_limit": "流出上限",
    "leadership_cap": "领导班子交流上限",
    "backbone_ratio": "骨干教师比例",
    "min_rotation": "最低交流比例",
    "preferences": "个人志愿",
}

#: Chinese subject names (unknown subjects are shown as given)
SUBJECT_ZH = {
    "chinese": "语文", "math": "数学", "english": "英语", "science": "科学", "physics": "物理",
    "chemistry": "化学", "biology": "生物", "geography": "地理", "history": "历史", "morality": "道德与法治",
    "pe": "体育", "music": "音乐", "art": "美术", "it": "信息技术", "psychology": "心理健康", "labour": "劳动",
}

_ENFORCEABLE = ("has_linear", "has_bool_or", "has_bool_and")
_OK = (cp_model.OPTIMAL, cp_model.FEASIBLE)


def _zh_subject(subject: str) -> str:
    return SUBJECT_ZH.get(str(subject), str(subject))


def _pct(share) -> str:
    return f"{float(share) * 100:.4g}%"


def _n(count: int, noun: str) -> str:
    """``1 music teacher`` / ``2 music teachers``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _parse_key(key: str) -> tuple[dict, set]:
    """``"school=S012,subject=music,keep"`` → ({school: S012, subject: music}, {keep})."""
    kv, flags = {}, set()
    for part in str(key).split(","):
        k, sep, v = part.partition("=")
        if sep:
            kv[k.strip()] = v.strip()
        elif k.strip():
            flags.add(k.strip())
    return kv, flags


def _fmt_value(v) -> str:
    if v is None:
        return "off"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {list(x)}" for k, x in v.items()) + "}"
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


# ====================================================================== facts and usage
class _Facts:
    """Counts behind the sentences, from a formulation context (roster order, school positions)."""

    def __init__(self, ctx):
        self.ctx = ctx
        t = ctx.teachers
        k = len(ctx.schools)
        self.tid = t["teacher_id"].astype(str).to_numpy()
        self.t_index = {v: i for i, v in enumerate(self.tid)}
        self.sid = ctx.schools["school_id"].astype(str).to_numpy()
        self.s_index = {v: i for i, v in enumerate(self.sid)}
        self.pos = t["school_pos"].to_numpy()
        self.subj = t["subject"].astype(str).to_numpy()
        self.status = t["status"].to_numpy()
        self.leader = t["role"].to_numpy() != "teacher"
        self.backbone = t["backbone"].to_numpy(dtype=bool)
        self.staff = np.bincount(self.pos, minlength=k)
        self.team = np.bincount(self.pos[self.leader], minlength=k)
        self.mandatory = np.bincount(self.pos[self.status == "mandatory"], minlength=k)
        c = ctx.cand
        self.ct = c["t"].to_numpy() if len(c) else np.zeros(0, dtype=int)
        self.cs = c["s"].to_numpy() if len(c) else np.zeros(0, dtype=int)
        self.cfrom = self.pos[self.ct] if len(c) else np.zeros(0, dtype=int)
        needs = ctx.problem.needs
        self.need = {(self.s_index[str(s)], str(j)): int(n)
                     for s, j, n in needs[["school_id", "subject", "count"]].itertuples(index=False)}

    def movers_from(self, a: int, mask: np.ndarray | None = None) -> np.ndarray:
        """Distinct teachers of school ``a`` with at least one candidate destination (optionally filtered)."""
        rows = self.cfrom == a
        ts = np.unique(self.ct[rows])
        return ts[mask[ts]] if mask is not None else ts

    def reaching(self, s: int, subject: str | None = None, mask: np.ndarray | None = None) -> np.ndarray:
        """Distinct teachers with a candidate pair to school ``s`` (optionally of one subject / filtered)."""
        rows = self.cs == s
        if subject is not None:
            rows &= self.subj[self.ct] == subject
        ts = np.unique(self.ct[rows])
        return ts[mask[ts]] if mask is not None else ts


@dataclass
class _Usage:
    """What a plan uses of each school's caps (for the 'already sends its cap' sentences)."""

    dest: np.ndarray  # per teacher: destination school position, -1 stays

    def sent(self, f: _Facts, a: int, mask: np.ndarray | None = None) -> int:
        m = (self.dest >= 0) & (f.pos == a)
        return int((m & mask).sum()) if mask is not None else int(m.sum())

    def arrivals(self, f: _Facts, s: int, subject: str | None = None) -> list[str]:
        m = self.dest == s
        if subject is not None:
            m &= f.subj == subject
        return list(f.tid[m])


# ====================================================================== sentences
def _school(f: _Facts, kv: dict) -> int:
    return f.s_index.get(kv.get("school", ""), -1)


def _d_min_rotation(f, rule, kv, flags, use):
    sid = kv.get("school", "?")
    a = _school(f, kv)
    m = int(f.mandatory[a]) if a >= 0 else 0
    req = min_rotation.required(m, rule)
    share = rule.min_share_of_eligible
    placeable = len(f.movers_from(a, f.status == "mandatory")) if a >= 0 else 0
    if use is not None:
        got = use.sent(f, a, f.status == "mandatory")
        return (f"{sid} must rotate at least {req} of its {m} mandatory teachers ({_pct(share)}, rounded up) "
                f"and rotates {got}",
                f"{sid} 须交流至少 {req} 名应交流教师（{m} 名的 {_pct(share)}，向上取整），本方案交流 {got} 名")
    tail_en = (f"but only {placeable} of them can be placed at a receiving school that needs their subject"
               if placeable < req else f"{placeable} of them can be placed somewhere")
    tail_zh = (f"但其中只有 {placeable} 名能安排到需要其学科的接收学校" if placeable < req
               else f"其中 {placeable} 名有可去的学校")
    return (f"{sid} must rotate at least {req} of its {m} mandatory teachers ({_pct(share)}, rounded up), {tail_en}",
            f"{sid} 须交流至少 {req} 名应交流教师（{m} 名的 {_pct(share)}，向上取整），{tail_zh}")


def _d_outflow_limit(f, rule, kv, flags, use):
    sid = kv.get("school", "?")
    a = _school(f, kv)
    if "keep" in flags:
        j = kv.get("subject", "?")
        n = int(((f.pos == a) & (f.subj == j)).sum())
        k = rule.keep_per_subject
        limit = max(0, n - k)
        if use is not None:
            got = use.sent(f, a, f.subj == j)
            return (f"{sid} must keep {_n(k, j + ' teacher')}: it has {n}, so it may send at most {limit} "
                    f"(sends {got})",
                    f"{sid} 须保留至少 {k} 名{_zh_subject(j)}教师：现有 {n} 名，最多流出 {limit} 名（已流出 {got} 名）")
        return (f"{sid} must keep {_n(k, j + ' teacher')}: it has {n}, so it may send at most {limit}",
                f"{sid} 须保留至少 {k} 名{_zh_subject(j)}教师：现有 {n} 名，最多流出 {limit} 名")
    staff = int(f.staff[a]) if a >= 0 else 0
    c = outflow_limit.cap(staff, rule)
    how = f"{rule.outflow_max_share:g} × {staff} staff, rounded down"
    if rule.outflow_min_cap and c == rule.outflow_min_cap:
        how += f", at least {rule.outflow_min_cap}"
    if use is not None:
        return (f"{sid} already sends its outflow cap of {c} ({how})",
                f"{sid} 已达流出上限 {c} 人（在编 {staff} 人 × {rule.outflow_max_share:g}，向下取整）")
    return (f"{sid} may send at most {c} teachers ({how})",
            f"{sid} 最多流出 {c} 人（在编 {staff} 人 × {rule.outflow_max_share:g}，向下取整）")


def _d_leadership_cap(f, rule, kv, flags, use):
    sid = kv.get("school", "?")
    a = _school(f, kv)
    team = int(f.team[a]) if a >= 0 else 0
    c = leadership_cap.cap(team, rule)
    if use is not None:
        return (f"{sid} already sends its leadership cap of {c} (team of {team}, "
                f"{_pct(rule.leadership_max_share)} rounded down)",
                f"{sid} 领导班子交流已达上限 {c} 人（班子 {team} 人的 {_pct(rule.leadership_max_share)}，向下取整）")
    return (f"{sid} may send at most {c} of its {team} leadership-team members "
            f"({_pct(rule.leadership_max_share)}, rounded down)",
            f"{sid} 领导班子最多交流 {c} 人（班子 {team} 人的 {_pct(rule.leadership_max_share)}，向下取整）")


def _d_backbone_ratio(f, rule, kv, flags, use):
    if "receives" in flags or "weak_min" in flags:
        sid = kv.get("school", "?")
        s = _school(f, kv)
        k = rule.weak_school_min_backbone
        b = len(f.reaching(s, mask=f.backbone)) if s >= 0 else 0
        if use is not None:
            got = int((f.backbone & (use.dest == s)).sum())
            return (f"weak school {sid} receives teachers only together with at least {k} backbone teacher(s); "
                    f"it receives {got}",
                    f"薄弱学校 {sid} 接收教师时须至少接收 {k} 名骨干教师，本方案接收 {got} 名")
        return (f"weak school {sid} receives teachers only together with at least {k} backbone teacher(s), "
                f"and {b} backbone teacher(s) can reach it",
                f"薄弱学校 {sid} 接收教师时须至少接收 {k} 名骨干教师，可到该校的骨干教师 {b} 名")
    share = rule.backbone_min_share
    if "school" in kv:
        sid = kv["school"]
        a = _school(f, kv)
        b = len(f.movers_from(a, f.backbone)) if a >= 0 else 0
        where_en, where_zh = sid, sid
    else:
        a = -1
        b = int(len(np.unique(f.ct[f.backbone[f.ct]]))) if len(f.ct) else 0
        where_en, where_zh = "the county", "全县"
    if use is not None:
        mask = np.ones(len(f.tid), dtype=bool)
        n = use.sent(f, a, mask) if a >= 0 else int((use.dest >= 0).sum())
        nb = use.sent(f, a, f.backbone) if a >= 0 else int(((use.dest >= 0) & f.backbone).sum())
        fr = share_fraction(share)
        return (f"{where_en} sends {n} teachers of whom {nb} backbone; one more non-backbone teacher would bring the "
                f"backbone share to {nb}/{n + 1} = {nb / (n + 1):.0%}, below the minimum {_pct(share)}"
                if fr.denominator * nb < fr.numerator * (n + 1) else
                f"backbone teachers must be at least {_pct(share)} of those {where_en} sends ({nb} of {n} now)",
                f"{where_zh} 已交流 {n} 人，其中骨干教师 {nb} 人；再交流一名非骨干教师将使骨干比例降至 "
                f"{nb}/{n + 1}，低于 {_pct(share)}")
    return (f"backbone teachers must be at least {_pct(share)} of those {where_en} sends, "
            f"and {where_en} has {b} backbone teacher(s) who can rotate",
            f"{where_zh} 交流教师中骨干教师须不少于 {_pct(share)}，可交流的骨干教师仅 {b} 名")


def _d_subject_needs(f, rule, kv, flags, use):
    sid, j = kv.get("school", "?"), kv.get("subject", "?")
    s = _school(f, kv)
    c = f.need.get((s, j), 0)
    if use is not None:
        who = use.arrivals(f, s, j)
        return (f"{sid}'s need for {_n(c, j + ' teacher')} is already filled ({', '.join(who) or 'nobody'})",
                f"{sid} 的{_zh_subject(j)}需求 {c} 人已补足（{'、'.join(who) or '无'}）")
    n = len(f.reaching(s, j)) if s >= 0 else 0
    return (f"{sid} declared a need for {_n(c, j + ' teacher')} and receives no more ({n} can reach it)",
            f"{sid} 申报{_zh_subject(j)}需求 {c} 人，不得超额接收（可到该校的 {n} 人）")


def _d_single_assignment(f, rule, kv, flags, use):
    t = kv.get("teacher", "?")
    i = f.t_index.get(t, -1)
    dests = sorted({f.sid[s] for s in f.cs[f.ct == i]}) if i >= 0 else []
    return (f"{t} rotates to at most one school (possible: {', '.join(dests)})",
            f"{t} 只能交流到一所学校（可去：{'、'.join(dests)}）")


_DESCRIBERS = {
    "min_rotation": _d_min_rotation,
    "outflow_limit": _d_outflow_limit,
    "leadership_cap": _d_leadership_cap,
    "backbone_ratio": _d_backbone_ratio,
    "subject_needs": _d_subject_needs,
    "single_assignment": _d_single_assignment,
}
_MODULES = {m.RULE_ID: m for m in RULES}


def describe_entry(ctx, entry, usage: _Usage | None = None, facts: _Facts | None = None) -> tuple[str, str]:
    """English and Chinese sentence for one ledger entry (with the plan's usage when given).

    Parameters
    ----------
    ctx : Context
        The formulation the entry belongs to.
    entry : LedgerEntry
    usage : optional
        The plan's destinations, for sentences about what a plan already uses ("already sends its cap").
    """
    f = facts or _Facts(ctx)
    kv, flags = _parse_key(entry.key)
    mod = _MODULES.get(entry.rule)
    rule = ctx.policy.rule(entry.rule) if entry.rule in ctx.policy.rules else None
    try:
        if mod is not None and hasattr(mod, "describe"):
            return mod.describe(ctx, rule, entry.key, usage)
        if entry.rule in _DESCRIBERS and rule is not None:
            return _DESCRIBERS[entry.rule](f, rule, kv, flags, usage)
    except (KeyError, IndexError, TypeError, ValueError):
        pass  # data the describer expects is missing: the generic sentence below still says what binds
    return _generic_sentence(ctx, entry)


def _generic_sentence(ctx, entry) -> tuple[str, str]:
    """A sentence read off the constraint itself: how many decisions it sums and its bounds."""
    ct = ctx.model.proto.constraints[entry.index]
    zh_rule = RULE_ZH.get(entry.rule, entry.rule)
    if ct.has_linear():
        lin = ct.linear
        dom = list(lin.domain)
        lo, hi = dom[0], dom[-1]
        bound = (f"≥ {lo}" if hi >= cp_model.INT_MAX else f"≤ {hi}" if lo <= cp_model.INT_MIN
                 else f"between {lo} and {hi}")
        return (f"rule {entry.rule} at {entry.key}: a weighted count over {len(lin.vars)} decision(s) must be {bound}",
                f"规则「{zh_rule}」（{entry.key}）：{len(lin.vars)} 个决策的加权和须 {bound.replace('between', '介于')}")
    return (f"rule {entry.rule} at {entry.key}", f"规则「{zh_rule}」（{entry.key}）")


# ====================================================================== solving helpers
def _solver(seconds: float) -> cp_model.CpSolver:
    s = cp_model.CpSolver()
    p = s.parameters
    # one worker: assumptions and cores are only supported by the sequential search, and it is deterministic
    p.num_workers = 1
    p.random_seed = 0
    p.max_time_in_seconds = max(0.05, float(seconds))
    # CP-SAT's own Ctrl-C handler would stay installed after the solve and swallow the caller's Ctrl-C
    p.catch_sigint_signal = False
    return s


def _enforce_ledger(ctx) -> dict[int, object]:
    """One enforcement literal per ledger entry; returns literal index → entry."""
    lits = {}
    for e in ctx.ledger:
        ct = ctx.model.proto.constraints[e.index]
        if not any(getattr(ct, has)() for has in _ENFORCEABLE):
            continue  # a constraint type CP-SAT cannot enforce conditionally stays hard
        lit = ctx.model.new_bool_var(f"enforce[{e.name}]")
        ct.enforcement_literal.append(lit.index)
        lits[lit.index] = e
    return lits


def _assume(model: cp_model.CpModel, lits, seconds: float):
    model.clear_assumptions()
    model.add_assumptions([model.get_bool_var_from_proto_index(i) for i in lits])
    s = _solver(seconds)
    return s.solve(model), s


def _shrink(model, core: list[int], deadline: float) -> list[int]:
    """Deletion filter: drop every literal whose removal keeps the set infeasible (a minimal conflict)."""
    core = list(core)
    if len(core) > 60:
        return core  # large cores are reported as found: a deletion pass would cost one solve each
    i = 0
    while i < len(core) and time.perf_counter() < deadline:
        trial = core[:i] + core[i + 1:]
        status, s = _assume(model, trial, deadline - time.perf_counter())
        if status == cp_model.INFEASIBLE:
            keep = set(s.sufficient_assumptions_for_infeasibility())
            # every literal before i was shown necessary, so it is in any infeasible subset: order is kept
            core = [c for c in trial if c in keep] if keep else trial
        else:
            i += 1
    return core


def _cores(ctx, lits: dict, deadline: float, max_conflicts: int):
    """Disjoint minimal conflicts, as lists of ledger entries; and whether the search finished."""
    model = ctx.model
    active = list(lits)
    out = []
    while len(out) < max_conflicts:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return out, False
        status, s = _assume(model, active, remaining)
        if status in _OK:
            return out, True
        if status != cp_model.INFEASIBLE:
            return out, False
        core = [c for c in s.sufficient_assumptions_for_infeasibility() if c in lits]
        if not core:
            out.append([])  # infeasible with every named rule relaxed
            return out, True
        core = _shrink(model, core, deadline)
        out.append([lits[c] for c in core])
        freed = set(core)
        active = [c for c in active if c not in freed]
    return out, len(out) < max_conflicts


def _feasible(problem, policy, seconds: float) -> bool | None:
    """True / False when CP-SAT proves it within ``seconds``; None on a time-out."""
    from .solve import build_model

    try:
        ctx = build_model(problem, policy)
    except TeacherMatchError:
        return False
    status = _solver(seconds).solve(ctx.model)
    return True if status in _OK else False if status == cp_model.INFEASIBLE else None


def _linear_parts(model, ct):
    lin = ct.linear
    vs = [model.get_int_var_from_proto_index(v) for v in lin.vars]
    return vs, list(lin.coeffs), list(lin.domain)


def _instance_relaxation(ctx, lits_of: dict, entry, core_lits: list[int], deadline: float):
    """For a count constraint in a conflict: the nearest bound at this instance alone that ends the conflict.

    Returns ``(old_bound, new_bound, "≥" | "≤")`` or None (not a plain count, or no bound helps).
    """
    ct = ctx.model.proto.constraints[entry.index]
    if not ct.has_linear():
        return None
    vs, coefs, dom = _linear_parts(ctx.model, ct)
    if len(dom) != 2 or any(c != 1 for c in coefs):
        return None
    lo, hi = dom
    # (the proto's repeated field reads index -1 as 0, silently: take the last element by its position)
    top = sum(int(v.proto.domain[len(v.proto.domain) - 1]) for v in vs)
    bottom = sum(int(v.proto.domain[0]) for v in vs)
    others = [c for c in core_lits if lits_of[c] is not entry]
    if lo > bottom and hi >= cp_model.INT_MAX:
        sense, grid = "≥", list(range(lo - 1, bottom - 1, -1))
    elif hi < top and lo <= cp_model.INT_MIN:
        sense, grid = "≤", list(range(hi + 1, top + 1))
    else:
        return None

    def ok(b) -> bool | None:
        m = ctx.model.clone()
        expr = cp_model.LinearExpr.weighted_sum([m.get_int_var_from_proto_index(v.index) for v in vs], coefs)
        m.add(expr >= b if sense == "≥" else expr <= b)
        status, _ = _assume(m, others, max(0.05, deadline - time.perf_counter()))
        return True if status in _OK else False if status == cp_model.INFEASIBLE else None

    best = _nearest(grid, ok)
    return None if best is None else (lo if sense == "≥" else hi, best, sense)


def _nearest(grid: list, test):
    """First value of ``grid`` (nearest first) that passes ``test``, assuming monotonicity (binary search)."""
    if not grid or test(grid[-1]) is not True:
        return None
    lo, hi = -1, len(grid) - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        r = test(grid[mid])
        if r is True:
            hi = mid
        elif r is False:
            lo = mid
        else:
            break  # out of time: the far value is verified, report it
    return grid[hi]


# ====================================================================== parameter relaxations
def _candidates(spec, value, problem) -> list[list]:
    """Candidate values of one parameter, as lists ordered nearest first (one list per direction)."""
    kind = spec.meta.get("kind")
    if kind == "bool":
        return [[not bool(value)]]
    if kind == "choice":
        return [[c] for c in spec.meta.get("choices", ()) if c != value]
    if value is None:
        return []  # the rule is off: it cannot take part in a conflict
    if kind == "share":
        cur = float(value)
        grid = sorted({round(i / 100, 2) for i in range(101)} | {0.0, 1.0})
        return [[g for g in reversed(grid) if g < cur], [g for g in grid if g > cur]]
    if kind == "int":
        cur = int(value)
        top = max(10, 2 * cur, len(problem.teachers))
        return [list(range(cur - 1, -1, -1)), list(range(cur + 1, top + 1))]
    if kind == "number":
        cur = float(value)
        step = 1 / KM_UNITS
        n_up = int(max(100.0, 10 * cur) / step)
        down = [round(cur - k * step, 1) for k in range(1, int(cur / step) + 1)]
        return [down, [round(cur + k * step, 1) for k in range(1, n_up + 1)]]
    if kind == "selector":
        if not value:
            return []
        out = []
        for attr in ("category", "strength"):
            have = list(value.get(attr, []))
            for v in sorted(set(problem.schools[attr].astype(str)) - set(have)):
                out.append([{**value, attr: have + [v]}])
        return out
    return []


def _pruning_rules(ctx) -> list[str]:
    """Rules whose ``prune`` removes at least one (movable teacher, school with a need) pair here.

    Only these can take part in a conflict without a ledger entry, so only their parameters are searched.
    """
    from types import SimpleNamespace

    from .model.context import candidate_pairs

    raw = candidate_pairs(ctx.problem, ctx.elig, [])
    if not len(raw):
        return []
    data = SimpleNamespace(problem=ctx.problem, sending=ctx.sending, receiving=ctx.receiving)
    return [m.RULE_ID for m in RULES if hasattr(m, "prune")
            and not np.asarray(m.prune(raw, rule=ctx.policy.rule(m.RULE_ID), data=data), dtype=bool).all()]


def _relaxations(problem, policy, rule_ids: list[str], deadline: float) -> list[dict]:
    """Smallest verified change of each parameter of the given rules that makes the instance feasible."""
    from .policy import PARAMETERS

    params = policy.params()
    rows = []
    for rid in rule_ids:
        for key, spec in PARAMETERS.items():
            if spec.owner != rid or spec.meta.get("kind") not in ("share", "int", "number", "bool", "choice",
                                                                  "selector"):
                continue
            cur = params.get(key)
            cache: dict = {}

            def test(v, key=key, cache=cache):
                marker = repr(v)
                if marker not in cache:
                    if time.perf_counter() >= deadline:
                        return None
                    try:
                        pol = policy.with_(**{key: v})
                    except TeacherMatchError:
                        cache[marker] = False
                        return False
                    cache[marker] = _feasible(problem, pol, min(10.0, deadline - time.perf_counter()))
                return cache[marker]

            for grid in _candidates(spec, cur, problem):
                new = _nearest(grid, test)
                if new is None:
                    continue
                rows.append({"parameter": key, "rule": rid, "current": _fmt_value(cur),
                             "suggested": _fmt_value(new), "value": new,
                             "sentence_en": f"{key} {_fmt_value(cur)} → {_fmt_value(new)}",
                             "sentence_zh": f"将 {key} 由 {_fmt_value(cur)} 调整为 {_fmt_value(new)}",
                             "verified": True})
    return rows


# ====================================================================== diagnosis
@dataclass
class Diagnosis:
    """Why no plan exists: minimal conflicts of named rule instances and the relaxations that restore a plan.

    Attributes
    ----------
    conflicts : DataFrame
        ``conflict, rule, key, sentence_en, sentence_zh, relaxation`` — one row per rule instance; rows with the
        same ``conflict`` number cannot all hold together. Conflict 0 lists rules that take no constraint in
        the model (they keep pairs out, e.g. ``commute``) but whose relaxation alone restores a plan.
    relaxations : DataFrame
        ``parameter, rule, current, suggested, value, sentence_en, sentence_zh, verified`` — for each parameter,
        the smallest change found that makes the whole instance feasible, verified by re-solving.
        ``policy.with_(**{parameter: value})`` applies it.
    complete : bool
        False when the time budget ran out before every conflict and relaxation was searched.
    """

    conflicts: pd.DataFrame
    relaxations: pd.DataFrame
    complete: bool = True

    def to_text(self, lang: str = "en") -> str:
        """The diagnosis as plain lines (``lang`` = ``"en"`` or ``"zh"``)."""
        col = "sentence_zh" if lang == "zh" else "sentence_en"
        lines = []
        for k, g in self.conflicts.groupby("conflict", sort=True):
            head = ("these rules cannot all hold:" if lang != "zh" else "以下规则无法同时满足：") if k else (
                "also involved (relaxing it alone restores a plan):" if lang != "zh" else "亦相关（单独放宽即可得到方案）：")
            lines.append(f"conflict {k} — {head}" if k else head)
            for r in g.itertuples(index=False):
                lines.append(f"  • {r.rule}[{r.key}]: {getattr(r, col)}")
                here = _ALONE.search(str(r.relaxation))
                if here:
                    _key, new, old = here.group(1), here.group(2), here.group(3)
                    lines.append(f"      relax here: {new} instead of {old}" if lang != "zh"
                                 else f"      仅在此处放宽：{new}（原为 {old}）")
        if len(self.relaxations):
            lines.append("relaxations that restore a plan (each verified by re-solving):" if lang != "zh"
                         else "可恢复可行方案的最小放宽（均已重新求解验证）：")
            for r in self.relaxations.itertuples(index=False):
                lines.append(f"  • {r.sentence_zh if lang == 'zh' else r.sentence_en}")
        if not self.complete:
            lines.append("(time budget reached: the list may be incomplete)" if lang != "zh"
                         else "（已到时间上限：列表可能不完整）")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text("en")


#: the per-instance part of a relaxation cell: "at school=U1 alone: ≥ 1 instead of ≥ 2"
_ALONE = re.compile(r"at (\S+) alone: (. \d+) instead of (. \d+)")

_CONFLICT_COLUMNS = ["conflict", "rule", "key", "sentence_en", "sentence_zh", "relaxation"]
_RELAX_COLUMNS = ["parameter", "rule", "current", "suggested", "value", "sentence_en", "sentence_zh", "verified"]


def diagnose(problem, policy, *, time_limit: float = 30.0, max_conflicts: int = 5,
             relax: bool = True) -> Diagnosis:
    """Name the rule instances that conflict, in words, and the smallest relaxations that restore a plan.

    Parameters
    ----------
    problem, policy
        As for :func:`teacher_match.solve`.
    time_limit : float
        Seconds for the whole diagnosis (conflicts first, then relaxations).
    max_conflicts : int
        Stop after this many independent conflicts.
    relax : bool
        Also search parameter relaxations.

    Returns
    -------
    Diagnosis
        Empty tables when the instance is feasible.

    Examples
    --------
    Two mandatory teachers of U1 must both rotate, but only the maths teacher has a school that needs her:

    >>> import pandas as pd
    >>> import teacher_match as tm
    >>> p = tm.Problem.from_frames(
    ...     pd.DataFrame({"teacher_id": ["A", "B"], "school_id": "U1", "subject": ["math", "music"],
    ...                   "gender": "F", "age": 40, "years_at_school": 8}),
    ...     pd.DataFrame({"school_id": ["U1", "R1"], "category": ["urban", "rural"], "x": [0.0, 10.0], "y": 0.0}),
    ...     pd.DataFrame({"school_id": ["R1"], "subject": ["math"], "count": [1]}))
    >>> pol = tm.load_policy("default").with_(min_share_of_eligible=1.0, min_rotation_hard=True)
    >>> d = tm.diagnose(p, pol, time_limit=10)
    >>> print(d.conflicts["sentence_en"].iat[0])
    U1 must rotate at least 2 of its 2 mandatory teachers (100%, rounded up), but only 1 of them can be placed at a receiving school that needs their subject
    >>> list(d.relaxations["sentence_en"])
    ['min_share_of_eligible 1 → 0', 'min_rotation_hard true → false']
    """
    from .solve import build_model

    t0 = time.perf_counter()
    deadline = t0 + time_limit
    ctx = build_model(problem, policy)
    facts = _Facts(ctx)
    lits = _enforce_ledger(ctx)
    cores, complete = _cores(ctx, lits, t0 + 0.5 * time_limit if relax else deadline, max_conflicts)
    index_of = {id(e): i for i, e in lits.items()}
    rows = []
    for k, core in enumerate(cores, start=1):
        if not core:
            rows.append({"conflict": k, "rule": "model", "key": "",
                         "sentence_en": "the hard constraints conflict even with every named rule relaxed",
                         "sentence_zh": "即使放开所有具名规则，硬约束仍相互矛盾", "relaxation": ""})
            continue
        core_lits = [index_of[id(e)] for e in core]
        for e in core:
            en, zh = describe_entry(ctx, e, facts=facts)
            inst = _instance_relaxation(ctx, lits, e, core_lits, deadline) if relax else None
            rel = ""
            if inst is not None:
                old, new, sense = inst
                rel = f"at {e.key} alone: {sense} {new} instead of {sense} {old}"
            rows.append({"conflict": k, "rule": e.rule, "key": e.key, "sentence_en": en, "sentence_zh": zh,
                         "relaxation": rel})
    relax_rows = []
    if relax and cores:
        in_core = list(dict.fromkeys(e.rule for core in cores for e in core))
        pruning = [r for r in _pruning_rules(ctx) if r not in in_core]
        relax_rows = _relaxations(ctx.problem, policy, in_core + pruning, deadline)
        complete = complete and time.perf_counter() < deadline
        by_rule: dict = {}
        for r in relax_rows:
            by_rule.setdefault(r["rule"], []).append(r["sentence_en"])
        for r in rows:
            found = by_rule.get(r["rule"], [])
            r["relaxation"] = "; or ".join(found + ([r["relaxation"]] if r["relaxation"] else []))
        params = policy.params()
        for rid in pruning:
            found = [x for x in relax_rows if x["rule"] == rid]
            if not found:
                continue
            from .policy import PARAMETERS

            for x in found:
                doc = PARAMETERS[x["parameter"]].meta.get("doc", "")
                cur = _fmt_value(params.get(x["parameter"]))
                rows.append({"conflict": 0, "rule": rid, "key": f"{x['parameter']}={cur}",
                             "sentence_en": f"{rid}: {doc} ({x['parameter']} = {cur}) keeps the moves this needs out "
                                            f"of the plan",
                             "sentence_zh": f"{RULE_ZH.get(rid, rid)}：参数 {x['parameter']} = {cur} 排除了所需的交流安排",
                             "relaxation": x["sentence_en"]})
    conflicts = pd.DataFrame(rows, columns=_CONFLICT_COLUMNS)
    relaxations = pd.DataFrame(relax_rows, columns=_RELAX_COLUMNS)
    return Diagnosis(conflicts, relaxations, complete)


def attach_diagnosis(plan, problem, policy, *, time_limit: float = 30.0):
    """Diagnose an INFEASIBLE plan in place: ``plan.diagnosis``, ``plan.relaxations`` and the text.

    The text (English, then Chinese) goes to ``plan.solver_info["diagnosis_text"]``, which the summary and
    :class:`~teacher_match.errors.InfeasibleError` show. Returns the :class:`Diagnosis`.
    """
    d = diagnose(problem, policy, time_limit=time_limit)
    plan.diagnosis = d.conflicts
    plan.relaxations = d.relaxations
    plan.solver_info["diagnosis_complete"] = d.complete
    plan.solver_info["diagnosis_text"] = d.to_text("en") + "\n" + d.to_text("zh")
    return d


# ====================================================================== per-teacher explanation
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
        ``rule, key, sentence_en, sentence_zh`` of the rule instances that keep the teacher in place (empty for
        rotated or not movable teachers, or when the reason is cost rather than a rule).
    alternative : dict or None
        The counterfactual: ``{"to_school_id", "objective_delta", "status"}`` of the best plan that differs on
        this teacher (without this assignment, or forcing a rotation).
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
    binding: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["rule", "key", "sentence_en", "sentence_zh"]))
    alternative: dict | None = None

    def __str__(self) -> str:
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


_VALUE_COLUMNS = ("subject", "gender", "age", "years_at_school", "teaching_years", "title", "backbone", "role",
                  "years_to_retirement")


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
    from .objective import Objective

    b = None if isinstance(plan, pd.DataFrame) else getattr(plan, "objective_breakdown", None)
    if b is not None and len(b):
        return {str(t): float(w) for t, w in zip(b["term"], b["weight"], strict=False)}
    return Objective.from_policy(policy).weights


def _plan_dest(f: _Facts, assignments: pd.DataFrame) -> np.ndarray:
    a = assignments.assign(teacher_id=assignments["teacher_id"].astype(str))
    to = dict(zip(a["teacher_id"], a["to_school_id"], strict=False))
    return np.array([f.s_index.get(str(to.get(t)), -1) if not pd.isna(to.get(t)) else -1 for t in f.tid],
                    dtype=np.int64)


def _objective_of(ctx, weights, values) -> float:
    """Objective (plan units) of a raw solution vector of ``model`` (indices shared with ctx.model)."""
    total = 0
    from .model.scaling import weight_coef

    for name, term in ctx.terms.items():
        w = weights.get(name, 0.0)
        if not w:
            continue
        v = term.const + sum(c * int(values[x.index]) for x, c in zip(term.vars, term.coefs, strict=False))
        total += weight_coef(w, term.units) * v
    return total / OBJ_SCALE


def _term_values(ctx, values) -> dict:
    return {name: (term.const + sum(c * int(values[x.index]) for x, c in zip(term.vars, term.coefs, strict=False))) / term.units
            for name, term in ctx.terms.items()}


def _counterfactual(ctx, weights, chosen_rows: np.ndarray, constrain, seconds: float):
    """Solve ctx's model with the plan's objective plus ``constrain(model)``; hint = the plan.

    Returns ``(status, values or None)``.
    """
    m = ctx.model.clone()
    m.clear_assumptions()
    x = [m.get_bool_var_from_proto_index(v.index) for v in ctx.x]
    m.minimize(weighted_expr(_Shim(ctx, m), weights))
    for i, v in enumerate(x):
        m.add_hint(v, int(chosen_rows[i]))
    constrain(m, x)
    s = _solver(seconds)
    # linearization level 2 proves this assignment core fastest (see solve.py)
    s.parameters.linearization_level = 2
    status = s.solve(m)
    vals = np.asarray(s.response_proto.solution, dtype=np.int64) if status in _OK else None
    return status, vals, s


class _Shim:
    """``ctx``'s terms rebased onto a cloned model (same variable indices)."""

    def __init__(self, ctx, model):
        from .model.context import Term

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
        re-solve has ``time_limit`` seconds.

    Returns
    -------
    Explanation
        ``str(explanation)`` is readable text.

    Examples
    --------
    >>> import pandas as pd
    >>> import teacher_match as tm
    >>> p = tm.Problem.from_frames(
    ...     pd.DataFrame({"teacher_id": ["A", "B"], "school_id": "U1", "subject": ["math", "music"],
    ...                   "gender": "F", "age": 40, "years_at_school": 8}),
    ...     pd.DataFrame({"school_id": ["U1", "R1"], "category": ["urban", "rural"], "x": [0.0, 10.0], "y": 0.0}),
    ...     pd.DataFrame({"school_id": ["R1"], "subject": ["math"], "count": [1]}))
    >>> pol = tm.load_policy("default")
    >>> plan = tm.solve(p, pol, time_limit=10)
    >>> tm.explain(p, pol, plan, "B").reason
    'stays — no school declares a need for music'
    """
    from .plan_match import match_plan
    from .solve import build_model

    teacher_id = str(teacher_id)
    assignments = match_plan(problem, _assignments_of(plan))  # another roster's plan is refused
    ids = assignments["teacher_id"].astype(str)
    if teacher_id not in set(ids):
        raise TeacherMatchError(f"teacher {teacher_id!r} is not in the plan")
    ctx = build_model(problem, policy)
    f = _Facts(ctx)
    if teacher_id not in f.t_index:
        raise TeacherMatchError(f"teacher {teacher_id!r} is in the plan but not on the roster")
    i = f.t_index[teacher_id]
    e = ctx.elig.iloc[i]
    values = _teacher_values(ctx.teachers.iloc[i])
    status, elig_reason = str(e["status"]), str(e["reason"])
    base = {"teacher_id": teacher_id, "status": status, "eligibility": elig_reason, "values": values}
    plan_status = "FEASIBLE" if isinstance(plan, pd.DataFrame) else plan.status
    if status not in ("mandatory", "eligible"):
        return Explanation(**base, decision="not movable", to_school_id=None,
                           reason=f"not movable — {elig_reason}",
                           reason_zh=f"不参与本轮交流 — {elig_reason}")
    if plan_status in ("INFEASIBLE", "UNKNOWN", "MODEL_INVALID"):
        return Explanation(**base, decision="no plan", to_school_id=None,
                           reason=f"stays — no plan ({plan_status}); see the plan's diagnosis",
                           reason_zh=f"留任 — 无可行方案（{plan_status}），见方案诊断")
    dest = _plan_dest(f, assignments)
    cand = ctx.cand
    chosen_rows = (dest[f.ct] == f.cs) if len(cand) else np.zeros(0, dtype=bool)
    weights = _weights(plan, policy)
    usage = _Usage(dest)
    if dest[i] >= 0:
        return _explain_rotated(ctx, f, i, dest, chosen_rows, weights, base, counterfactual, time_limit)
    return _explain_stays(ctx, f, i, dest, chosen_rows, weights, usage, base, counterfactual, time_limit)


def _local_cost(ctx, weights, row: int) -> float:
    """Direct objective cost of one candidate pair: commute and wish rank (plan units)."""
    c = ctx.cand
    km = c["dkm"].iat[row] / KM_UNITS
    t = c["t"].iat[row]
    prefs = ctx.teachers["preferences"].iat[t] if "preferences" in ctx.teachers.columns else None
    rank = preferences.rank(prefs, str(ctx.schools["school_id"].iat[c["s"].iat[row]]))
    return weights.get("commute_km", 0.0) * km + weights.get("preference_rank", 0.0) * rank


def _explain_rotated(ctx, f, i, dest, chosen_rows, weights, base, counterfactual, seconds):
    s = int(dest[i])
    sid, subj = f.sid[s], f.subj[i]
    rows = np.flatnonzero(f.ct == i)
    mine = [r for r in rows if f.cs[r] == s]
    details = []
    need = f.need.get((s, subj), 0)
    filled = int(((dest == s) & (f.subj == subj)).sum())
    cat = ctx.schools["category"].iat[s]
    strength = ctx.schools["strength"].iat[s]
    details.append(f"fills {sid}'s {subj} need ({filled} of {need} filled; {sid} is {cat}, {strength})")
    prefs = ctx.teachers["preferences"].iat[i] if "preferences" in ctx.teachers.columns else None
    rank = preferences.rank(prefs, sid)
    if mine:
        km = ctx.cand["dkm"].iat[mine[0]] / KM_UNITS
        wish = ("no wishes listed" if rank == 0 and not (isinstance(prefs, str) and prefs)
                else f"wish rank {rank + 1}" if isinstance(prefs, str) and sid in prefs.split(";")
                else "not among the listed wishes")
        details.append(f"commute {km:.1f} km; {wish}")
    else:
        details.append(f"{sid} is not a valid destination for this teacher under this policy (plan out of date?)")
    alts = sorted((_local_cost(ctx, weights, r), f.sid[f.cs[r]],
                    ctx.cand["dkm"].iat[r] / KM_UNITS) for r in rows if f.cs[r] != s)
    if alts:
        here = _local_cost(ctx, weights, mine[0]) if mine else float("nan")
        shown = ", ".join(f"{a} ({km:.1f} km, direct cost {c - here:+.1f})" for c, a, km in alts[:3])
        details.append(f"other schools this teacher could fill: {shown}")
    else:
        details.append("no other school needing this subject is within the rules")
    reason = f"rotates to {sid} ({cat}, {strength}) to fill its {subj} need"
    reason_zh = f"交流至 {sid}，补充该校{_zh_subject(subj)}学科缺员"
    alternative = None
    if counterfactual and mine:
        base_status, base_vals, _ = _counterfactual(
            ctx, weights, chosen_rows, lambda m, x: [m.add(x[r] == int(chosen_rows[r])) for r in range(len(x))],
            seconds)
        st, vals, _ = _counterfactual(ctx, weights, chosen_rows, lambda m, x: m.add(x[mine[0]] == 0), seconds)
        if base_vals is not None:
            base_obj = _objective_of(ctx, weights, base_vals)
            if st in _OK:
                obj = _objective_of(ctx, weights, vals)
                goes = [f.sid[f.cs[r]] for r in rows if vals[ctx.x[r].index]]
                where = f"sends this teacher to {goes[0]}" if goes else "keeps this teacher at their school"
                moved_now = {int(f.ct[r]) for r in np.flatnonzero(chosen_rows)}
                instead = sorted({f.tid[f.ct[r]] for r in range(len(ctx.x))
                                  if vals[ctx.x[r].index] and int(f.ct[r]) not in moved_now})
                if instead:
                    where += f" and rotates {', '.join(instead)} instead"
                delta = obj - base_obj
                proven = "" if st == cp_model.OPTIMAL else " (not proven optimal)"
                details.append(f"next best (re-solved without this assignment): the best plan {where}, "
                               f"objective {delta:+,.1f}{proven}")
                alternative = {"to_school_id": goes[0] if goes else None, "objective_delta": delta,
                               "status": "OPTIMAL" if st == cp_model.OPTIMAL else "FEASIBLE"}
                reason += f"; the next best plan {where} (objective {delta:+,.1f})"
                reason_zh += f"；次优方案{'改派至 ' + goes[0] if goes else '该教师留任'}，目标值 {delta:+,.1f}"
            elif st == cp_model.INFEASIBLE:
                details.append("next best (re-solved without this assignment): no valid plan exists without it")
                alternative = {"to_school_id": None, "objective_delta": float("inf"), "status": "INFEASIBLE"}
                reason += "; no valid plan exists without this assignment"
                reason_zh += "；不作此安排则无可行方案"
    return Explanation(**base, decision="rotates", to_school_id=sid, reason=reason, reason_zh=reason_zh,
                       details=details, alternative=alternative)


def _pruned_reasons(ctx, f, i) -> tuple[str, str, list]:
    """For a movable teacher without any candidate pair: which rule removed each school needing the subject."""
    from types import SimpleNamespace

    problem = ctx.problem
    subj = f.subj[i]
    needs = problem.needs[(problem.needs["subject"].astype(str) == subj) & (problem.needs["count"] > 0)]
    if needs.empty:
        return (f"no school declares a need for {subj}", f"没有学校申报{_zh_subject(subj)}学科需求", [])
    s_pos = needs["school_id"].astype(str).map(f.s_index).to_numpy()
    s_pos = s_pos[s_pos != f.pos[i]]
    if not len(s_pos):
        return (f"the only school needing {subj} is the teacher's own", f"唯一有{_zh_subject(subj)}需求的是本校", [])
    pairs = pd.DataFrame({"t": np.full(len(s_pos), i), "s": s_pos, "subject": subj,
                          "from_s": np.full(len(s_pos), f.pos[i])})
    pairs["km"] = problem.commute_km(pairs["t"].to_numpy(), pairs["s"].to_numpy())
    data = SimpleNamespace(problem=problem, sending=ctx.sending, receiving=ctx.receiving)
    removed: dict[int, list] = {int(s): [] for s in s_pos}
    for m in RULES:
        if not hasattr(m, "prune"):
            continue
        keep = np.asarray(m.prune(pairs, rule=ctx.policy.rule(m.RULE_ID), data=data), dtype=bool)
        for s, k in zip(pairs["s"].to_numpy(), keep, strict=False):
            if not k:
                removed[int(s)].append(m.RULE_ID)
    details = []
    cm = ctx.policy.rule("commute").max_commute_km
    fl = ctx.policy.rule("flows")
    words = {"flows": lambda s: (f"{f.sid[s]} is not a receiving school (receivers: {flows.describe(fl.to)})"
                                 if not ctx.receiving[s] else
                                 f"{f.sid[f.pos[i]]} is not a sending school (senders: {flows.describe(fl.from_)})"),
             "commute": lambda s: f"{f.sid[s]} is {float(pairs.loc[pairs['s'] == s, 'km'].iat[0]):.1f} km away "
                                  f"(cap {cm:g} km)",
             "outflow_limit": lambda s: f"{subj} is a protected subject of {f.sid[f.pos[i]]}"}
    for s, rules in removed.items():
        for r in rules:
            details.append(words.get(r, lambda s, r=r: f"{f.sid[s]}: ruled out by {r}")(s))
    all_rules = {r for rs in removed.values() for r in rs}
    if all_rules == {"commute"}:
        near = float(pairs["km"].min())
        return (f"no school needing {subj} within {cm:g} km (nearest {near:.1f} km)",
                f"{cm:g} 公里内没有需要{_zh_subject(subj)}教师的学校（最近 {near:.1f} 公里）", details)
    if not ctx.sending[f.pos[i]]:
        return (f"{f.sid[f.pos[i]]} is not a sending school (senders: {flows.describe(fl.from_)})",
                f"{f.sid[f.pos[i]]} 不是派出学校", details)
    if all_rules == {"flows"}:
        return (f"no receiving school ({flows.describe(fl.to)}) needs {subj}",
                f"没有接收学校需要{_zh_subject(subj)}教师", details)
    if all_rules == {"outflow_limit"}:
        return (f"{subj} is a protected subject of {f.sid[f.pos[i]]}",
                f"{_zh_subject(subj)}是 {f.sid[f.pos[i]]} 的特色学科，不外派", details)
    return ("no school needing " + subj + " is open to this teacher: " + "; ".join(details),
            f"没有可去的{_zh_subject(subj)}需求学校", details)


def _explain_stays(ctx, f, i, dest, chosen_rows, weights, usage, base, counterfactual, seconds):
    rows = np.flatnonzero(f.ct == i)
    empty = pd.DataFrame(columns=["rule", "key", "sentence_en", "sentence_zh"])
    if not len(rows):
        en, zh, details = _pruned_reasons(ctx, f, i)
        return Explanation(**base, decision="stays", to_school_id=None, reason=f"stays — {en}",
                           reason_zh=f"留任 — {zh}", details=details, binding=empty)
    details = [f"could fill: {', '.join(f.sid[f.cs[r]] for r in rows)}"]
    # (a) everyone else as in the plan, this teacher forced to rotate: which rule instances forbid it?
    m = ctx.model.clone()
    lits = _enforce_ledger(_LedgerView(ctx, m))
    x = [m.get_bool_var_from_proto_index(v.index) for v in ctx.x]
    for r in range(len(x)):
        if f.ct[r] != i:
            m.add(x[r] == int(chosen_rows[r]))
    m.add(cp_model.LinearExpr.sum([x[r] for r in rows]) == 1)
    st, s = _assume(m, list(lits), seconds)
    binding_rows = []
    if st == cp_model.INFEASIBLE:
        core = [c for c in s.sufficient_assumptions_for_infeasibility() if c in lits]
        core = _shrink(m, core, time.perf_counter() + seconds)
        for c in core:
            en, zh = describe_entry(ctx, lits[c], usage=usage, facts=f)
            binding_rows.append({"rule": lits[c].rule, "key": lits[c].key, "sentence_en": en, "sentence_zh": zh})
    binding = pd.DataFrame(binding_rows, columns=["rule", "key", "sentence_en", "sentence_zh"])
    if len(binding):
        reason = "stays — " + "; ".join(binding["sentence_en"])
        reason_zh = "留任 — " + "；".join(binding["sentence_zh"])
    elif st in _OK:
        reason = "stays — no hard rule forbids rotating this teacher; the plan is cheaper without it"
        reason_zh = "留任 — 无硬性规则阻止其交流，但不交流时方案更优"
    else:
        reason, reason_zh = "stays", "留任"
    alternative = None
    if counterfactual:
        _, base_vals, _ = _counterfactual(
            ctx, weights, chosen_rows, lambda m, x: [m.add(x[r] == int(chosen_rows[r])) for r in range(len(x))],
            seconds)
        st2, vals, _ = _counterfactual(
            ctx, weights, chosen_rows, lambda m, x: m.add(cp_model.LinearExpr.sum([x[r] for r in rows]) == 1),
            seconds)
        if st2 == cp_model.INFEASIBLE:
            details.append("verified: no valid plan rotates this teacher at all")
            alternative = {"to_school_id": None, "objective_delta": float("inf"), "status": "INFEASIBLE"}
            reason += " (verified: no valid plan rotates this teacher)"
            reason_zh += "（已验证：任何可行方案都无法让其交流）"
        elif st2 in _OK and base_vals is not None:
            delta = _objective_of(ctx, weights, vals) - _objective_of(ctx, weights, base_vals)
            goes = [f.sid[f.cs[r]] for r in rows if vals[ctx.x[r].index]]
            moved_then = {f.ct[r] for r in range(len(ctx.x)) if vals[ctx.x[r].index]}
            moved_now = {f.ct[r] for r in np.flatnonzero(chosen_rows)}
            displaced = sorted(f.tid[t] for t in moved_now - moved_then)
            d = (f"verified: the best plan that rotates this teacher sends them to {goes[0]}"
                 + (f" and keeps {', '.join(displaced)} in place" if displaced else "")
                 + f", objective {delta:+,.1f}" + ("" if st2 == cp_model.OPTIMAL else " (not proven optimal)"))
            details.append(d)
            alternative = {"to_school_id": goes[0] if goes else None, "objective_delta": delta,
                           "status": "OPTIMAL" if st2 == cp_model.OPTIMAL else "FEASIBLE"}
            if not len(binding):
                terms_then = _term_values(ctx, vals)
                terms_now = _term_values(ctx, base_vals)
                moved_terms = ", ".join(f"{k} {terms_then[k] - terms_now[k]:+g}" for k in sorted(terms_then)
                                        if terms_then[k] != terms_now[k] and weights.get(k, 0))
                reason = (f"stays — rotating this teacher is allowed but costs {delta:+,.1f} "
                          f"({moved_terms or 'no term changes'})")
                reason_zh = f"留任 — 可以交流，但会使目标值变化 {delta:+,.1f}"
    return Explanation(**base, decision="stays", to_school_id=None, reason=reason, reason_zh=reason_zh,
                       details=details, binding=binding, alternative=alternative)


class _LedgerView:
    """A ledger over a cloned model (same constraint indices), for :func:`_enforce_ledger`."""

    def __init__(self, ctx, model):
        self.ledger = ctx.ledger
        self.model = model
